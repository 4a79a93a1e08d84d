# envm shell activation for bash. Load it from ~/.bashrc with:
#   eval "$(envm activate bash)"
# `envm activate bash` prints this file after a line setting _ENVM_BIN to the full path of the
# binary that answers `hook-env` (envm-shim beside envm, else envm).
# Before each prompt, and before any command that runs in another directory than the last
# hook saw (`cd proj && python` on one line), `envm hook-env bash` puts the toolchains pinned
# for the current directory first on PATH (and takes the previous project's off); it prints
# nothing when neither the directory nor its pin files changed.

_envm_hook() {
  local previous_exit_status=$?
  eval "$("${_ENVM_BIN:-envm}" hook-env bash)"
  _envm_hooked_pwd=$PWD
  return "$previous_exit_status"
}

# The DEBUG trap runs before every simple command; it only compares two strings unless the
# directory changed since the last hook. It always succeeds, so `shopt -s extdebug` never
# skips a command because of it.
_envm_on_debug() {
  if [[ "${_envm_hooked_pwd-}" != "$PWD" ]]; then
    _envm_hook
  fi
  return 0
}

if [[ ";${PROMPT_COMMAND:-};" != *";_envm_hook;"* ]]; then
  PROMPT_COMMAND="_envm_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
fi

# Chain a DEBUG trap set before (bash-preexec and the like): ours runs first, theirs after.
_envm_debug_trap=$(trap -p DEBUG)
if [[ -z "$_envm_debug_trap" ]]; then
  trap '_envm_on_debug' DEBUG
elif [[ "$_envm_debug_trap" != *_envm_on_debug* ]]; then
  _envm_debug_trap=${_envm_debug_trap#trap -- }
  eval "_envm_debug_trap=${_envm_debug_trap% DEBUG}"
  # Expanded now on purpose: the new trap's text embeds the previous trap's code.
  # shellcheck disable=SC2064
  trap "_envm_on_debug; $_envm_debug_trap" DEBUG
fi
unset _envm_debug_trap

_envm_hook
