# envm shell activation for zsh. Load it from ~/.zshrc with:
#   eval "$(envm activate zsh)"
# `envm activate zsh` prints this file after a line setting _ENVM_BIN to the full path of the
# binary that answers `hook-env` (envm-shim beside envm, else envm).
# Before each prompt and after each cd, `envm hook-env zsh` puts the toolchains pinned for
# the current directory first on PATH (and takes the previous project's off); it prints
# nothing when neither the directory nor its pin files changed.

_envm_hook() {
  eval "$("${_ENVM_BIN:-envm}" hook-env zsh)"
}

typeset -ag precmd_functions chpwd_functions
if (( ! ${precmd_functions[(I)_envm_hook]} )); then
  precmd_functions=(_envm_hook $precmd_functions)
fi
if (( ! ${chpwd_functions[(I)_envm_hook]} )); then
  chpwd_functions=(_envm_hook $chpwd_functions)
fi

_envm_hook
