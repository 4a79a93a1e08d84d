    # envm: TOOL@VERSION arguments complete to tool names, then to installed versions.
    if (and (> (count $words) 2) (has-value [install use uninstall] $words[1]) (not (str:has-prefix $words[-1] '-'))) {
        envm complete $words[1] $words[-1] | from-lines | each {|c| edit:complex-candidate $c }
        return
    }
