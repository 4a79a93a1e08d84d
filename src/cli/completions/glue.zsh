# envm: TOOL@VERSION arguments complete to tool names, then to installed versions.
(( $+functions[_envm_tool_versions] )) ||
_envm_tool_versions() {
    # _arguments puts its own options first: the command is the last argument.
    local -a candidates partial whole
    candidates=(${(f)"$(envm complete "${@[-1]}" "$PREFIX" 2>/dev/null)"})
    partial=(${(M)candidates:#*@})
    whole=(${candidates:#*@})
    (( ${#partial} )) && compadd "${(@)@[1,-2]}" -S '' -- "${partial[@]}"
    (( ${#whole} )) && compadd "${(@)@[1,-2]}" -- "${whole[@]}"
    return 0
}
