# envm: TOOL@VERSION arguments complete to tool names, then to installed versions.
(( $+functions[_envm_tool_versions] )) ||
_envm_tool_versions() {
    local -a candidates partial whole
    candidates=(${(f)"$(envm complete "$1" "$PREFIX" 2>/dev/null)"})
    partial=(${(M)candidates:#*@})
    whole=(${candidates:#*@})
    (( ${#partial} )) && compadd -S '' -- "${partial[@]}"
    (( ${#whole} )) && compadd -- "${whole[@]}"
    return 0
}
