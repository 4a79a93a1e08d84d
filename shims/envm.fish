# envm shell activation for fish. Load it from ~/.config/fish/config.fish with:
#   envm activate fish | source
# `envm activate fish` prints this file after a line setting _ENVM_BIN to the full path of the
# binary that answers `hook-env` (envm-shim beside envm, else envm).
# Before each prompt and after each cd, `envm hook-env fish` puts the toolchains pinned for
# the current directory first on PATH (and takes the previous project's off); it prints
# nothing when neither the directory nor its pin files changed.

function __envm_hook --on-event fish_prompt --on-variable PWD
    set -q _ENVM_BIN; or set -g _ENVM_BIN envm
    $_ENVM_BIN hook-env fish | source
end

__envm_hook
