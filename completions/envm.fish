# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_envm_global_optspecs
    string join \n h/help V/version
end

function __fish_envm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_envm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_envm_using_subcommand
    set -l cmd (__fish_envm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c envm -n "__fish_envm_needs_command" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_needs_command" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_needs_command" -f -a "current" -d 'Show what each pinned tool resolves to here, and which file pins it'
complete -c envm -n "__fish_envm_needs_command" -f -a "ls" -d 'List installed versions, the one active here marked'
complete -c envm -n "__fish_envm_needs_command" -f -a "use" -d 'Resolve against the remote index, install if missing, and pin'
complete -c envm -n "__fish_envm_needs_command" -f -a "install" -d 'Install versions (none named: everything pinned here)'
complete -c envm -n "__fish_envm_needs_command" -f -a "uninstall" -d 'Remove one installed version'
complete -c envm -n "__fish_envm_needs_command" -f -a "ls-remote" -d 'List the versions upstream offers for this host'
complete -c envm -n "__fish_envm_needs_command" -f -a "prune" -d 'Remove installs that no known pin uses'
complete -c envm -n "__fish_envm_needs_command" -f -a "lock" -d 'Write envm.lock: exact versions, file names and digests per platform of what is pinned here'
complete -c envm -n "__fish_envm_needs_command" -f -a "which" -d 'Print the path of the binary the shim called BIN would run here'
complete -c envm -n "__fish_envm_needs_command" -f -a "exec" -d 'Run a command with toolchains first on PATH, optionally sandboxed (`--sandbox`)'
complete -c envm -n "__fish_envm_needs_command" -f -a "activate" -d 'Print the shell init for `eval "$(envm activate bash)"`'
complete -c envm -n "__fish_envm_needs_command" -f -a "reshim" -d 'Rebuild the shims for every binary of every installed toolchain'
complete -c envm -n "__fish_envm_needs_command" -f -a "doctor" -d 'Check what works on this host: sandbox layers, libc, shims on PATH, pins here'
complete -c envm -n "__fish_envm_needs_command" -f -a "trust" -d 'Let a project file widen the sandbox and set [env] (recorded by path and content hash)'
complete -c envm -n "__fish_envm_needs_command" -f -a "env" -d 'Print the environment envm would set here (pinned toolchains first on PATH)'
complete -c envm -n "__fish_envm_needs_command" -f -a "venv" -d 'Create the project\'s Python virtualenv with the pinned interpreter'
complete -c envm -n "__fish_envm_needs_command" -f -a "completions" -d 'Print the shell completion script (the same as committed under completions/)'
complete -c envm -n "__fish_envm_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envm -n "__fish_envm_using_subcommand current" -l json -d 'Print JSON: [{"tool","requested","version","source","installed"}]'
complete -c envm -n "__fish_envm_using_subcommand current" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand current" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand ls" -l json -d 'Print JSON: [{"tool","version","path","active"}]'
complete -c envm -n "__fish_envm_using_subcommand ls" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand ls" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand use" -l global -d 'Pin in the global config instead of the project'
complete -c envm -n "__fish_envm_using_subcommand use" -l pin -d 'Pin the exact resolved version instead of the spec'
complete -c envm -n "__fish_envm_using_subcommand use" -l refresh -d 'Ask upstream for its version list even when the cached one is fresh'
complete -c envm -n "__fish_envm_using_subcommand use" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand use" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand install" -l force -d 'Reinstall even when already installed'
complete -c envm -n "__fish_envm_using_subcommand install" -l refresh -d 'Ask upstream for its version list even when the cached one is fresh'
complete -c envm -n "__fish_envm_using_subcommand install" -l locked -d 'Install exactly what envm.lock records (version, file, digest) from the mirror configured now, reading no index; fail for anything it lacks'
complete -c envm -n "__fish_envm_using_subcommand install" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand install" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand uninstall" -l force -d 'Remove it even when the current directory uses it'
complete -c envm -n "__fish_envm_using_subcommand uninstall" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand uninstall" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand ls-remote" -l json -d 'Print JSON: [{"version","lts","installed"}]'
complete -c envm -n "__fish_envm_using_subcommand ls-remote" -l refresh -d 'Ask upstream even when the cached list is fresh'
complete -c envm -n "__fish_envm_using_subcommand ls-remote" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand ls-remote" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand prune" -l dry-run -d 'Only say what would be removed'
complete -c envm -n "__fish_envm_using_subcommand prune" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand prune" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand lock" -l platform -d 'Lock for this platform (repeatable; default: this host\'s, linux-x64, linux-arm64, macos-x64 and macos-arm64)' -r -f -a "linux-x64\t''
linux-arm64\t''
linux-x64-musl\t''
linux-arm64-musl\t''
macos-x64\t''
macos-arm64\t''"
complete -c envm -n "__fish_envm_using_subcommand lock" -l refresh -d 'Ask upstream for its version lists even when the cached ones are fresh'
complete -c envm -n "__fish_envm_using_subcommand lock" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand lock" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand which" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand which" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand exec" -l sandbox -d 'Run the command in a sandbox: `workspace-write` (default: write only the project, tool caches and a private temp dir), `read-only`, or `best-effort` (workspace-write, but run with the layers this host can enforce and print the missing ones)' -r -f -a "workspace-write\t''
read-only\t''
best-effort\t''"
complete -c envm -n "__fish_envm_using_subcommand exec" -l allow-read -d 'Sandbox: also allow reading PATH (repeatable)' -r -F
complete -c envm -n "__fish_envm_using_subcommand exec" -l allow-write -d 'Sandbox: also allow writing PATH (repeatable)' -r -F
complete -c envm -n "__fish_envm_using_subcommand exec" -l allow-env -d 'Sandbox: keep the environment variable NAME even if it looks like a secret (repeatable)' -r
complete -c envm -n "__fish_envm_using_subcommand exec" -l allow-net -d 'Sandbox: allow network access'
complete -c envm -n "__fish_envm_using_subcommand exec" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand exec" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand activate" -l shims -d 'Only put the shims folder on PATH instead of hooking the prompt'
complete -c envm -n "__fish_envm_using_subcommand activate" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand activate" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand reshim" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand reshim" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand doctor" -l json -d 'Print JSON: [{"check","ok","detail"}]'
complete -c envm -n "__fish_envm_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand trust" -l revoke -d 'Forget the file instead'
complete -c envm -n "__fish_envm_using_subcommand trust" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand trust" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand env" -l shell -d 'Print statements for this shell to evaluate (bash, zsh, fish)' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c envm -n "__fish_envm_using_subcommand env" -l json -d 'Print a JSON object of variable names to values'
complete -c envm -n "__fish_envm_using_subcommand env" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand env" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand venv" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand venv" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand completions" -s h -l help -d 'Print help'
complete -c envm -n "__fish_envm_using_subcommand completions" -s V -l version -d 'Print version'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "current" -d 'Show what each pinned tool resolves to here, and which file pins it'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "ls" -d 'List installed versions, the one active here marked'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "use" -d 'Resolve against the remote index, install if missing, and pin'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "install" -d 'Install versions (none named: everything pinned here)'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "uninstall" -d 'Remove one installed version'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "ls-remote" -d 'List the versions upstream offers for this host'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "prune" -d 'Remove installs that no known pin uses'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "lock" -d 'Write envm.lock: exact versions, file names and digests per platform of what is pinned here'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "which" -d 'Print the path of the binary the shim called BIN would run here'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "exec" -d 'Run a command with toolchains first on PATH, optionally sandboxed (`--sandbox`)'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "activate" -d 'Print the shell init for `eval "$(envm activate bash)"`'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "reshim" -d 'Rebuild the shims for every binary of every installed toolchain'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "doctor" -d 'Check what works on this host: sandbox layers, libc, shims on PATH, pins here'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "trust" -d 'Let a project file widen the sandbox and set [env] (recorded by path and content hash)'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "env" -d 'Print the environment envm would set here (pinned toolchains first on PATH)'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "venv" -d 'Create the project\'s Python virtualenv with the pinned interpreter'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "completions" -d 'Print the shell completion script (the same as committed under completions/)'
complete -c envm -n "__fish_envm_using_subcommand help; and not __fish_seen_subcommand_from current ls use install uninstall ls-remote prune lock which exec activate reshim doctor trust env venv completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

# envm: TOOL@VERSION arguments complete to tool names, then to installed versions.
complete -c envm -n "__fish_envm_using_subcommand install" -f -a "(envm complete install (commandline -ct))"
complete -c envm -n "__fish_envm_using_subcommand use" -f -a "(envm complete use (commandline -ct))"
complete -c envm -n "__fish_envm_using_subcommand uninstall" -f -a "(envm complete uninstall (commandline -ct))"
