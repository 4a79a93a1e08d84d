# envm: TOOL@VERSION arguments of install, use and uninstall complete to tool names, then to
# the installed versions of the tool typed (asked from the hidden `envm complete`).
_envm_dynamic() {
    local line="${COMP_LINE:0:COMP_POINT}"
    local word="${line##*[[:space:]]}"
    case "${COMP_WORDS[1]}" in
        install|use|uninstall)
            if [[ ${COMP_CWORD} -ge 2 && "$word" != -* ]]; then
                local IFS=$'\n'
                COMPREPLY=($(envm complete "${COMP_WORDS[1]}" "$word" 2>/dev/null))
                # bash splits words at `@`: complete what follows it.
                if [[ "$word" == *@* && "$COMP_WORDBREAKS" == *@* ]]; then
                    COMPREPLY=("${COMPREPLY[@]#*@}")
                fi
                if [[ ${#COMPREPLY[@]} -eq 1 && "${COMPREPLY[0]}" == *@ ]]; then
                    compopt -o nospace 2>/dev/null
                fi
                return 0
            fi
            ;;
    esac
    _envm "$@"
}
