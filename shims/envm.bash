# envm shell activation for bash. Load it from ~/.bashrc with:
#   eval "$(envm activate bash)"
# `envm activate bash` prints this file after a line setting _ENVM_BIN to envm's full path.
# Before each prompt, `envm hook-env bash` puts the toolchains pinned for the current
# directory first on PATH (and takes the previous project's off); it prints nothing when
# neither the directory nor its pin files changed.

_envm_hook() {
  local previous_exit_status=$?
  eval "$("${_ENVM_BIN:-envm}" hook-env bash)"
  return "$previous_exit_status"
}

if [[ ";${PROMPT_COMMAND:-};" != *";_envm_hook;"* ]]; then
  PROMPT_COMMAND="_envm_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
fi

_envm_hook
