
use builtin;
use str;

set edit:completion:arg-completer[envm] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    # envm: TOOL@VERSION arguments complete to tool names, then to installed versions.
    if (and (> (count $words) 2) (has-value [install use uninstall] $words[1]) (not (str:has-prefix $words[-1] '-'))) {
        envm complete $words[1] $words[-1] | from-lines | each {|c| edit:complex-candidate $c }
        return
    }
    var command = 'envm'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'envm'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand current 'Show what each pinned tool resolves to here, and which file pins it'
            cand ls 'List installed versions, the one active here marked'
            cand use 'Resolve against the remote index, install if missing, and pin'
            cand install 'Install versions (none named: everything pinned here)'
            cand uninstall 'Remove one installed version'
            cand ls-remote 'List the versions upstream offers for this host'
            cand prune 'Remove installs that no known pin uses'
            cand lock 'Write envm.lock: exact versions, file names and digests per platform of what is pinned here'
            cand which 'Print the path of the binary the shim called BIN would run here'
            cand exec 'Run a command with toolchains first on PATH, optionally sandboxed (`--sandbox`)'
            cand activate 'Print the shell init for `eval "$(envm activate bash)"`'
            cand reshim 'Rebuild the shims for every binary of every installed toolchain'
            cand doctor 'Check what works on this host: sandbox layers, libc, shims on PATH, pins here'
            cand trust 'Let a project file widen the sandbox and set [env] (recorded by path and content hash)'
            cand env 'Print the environment envm would set here (pinned toolchains first on PATH)'
            cand venv 'Create the project''s Python virtualenv with the pinned interpreter'
            cand completions 'Print the shell completion script (the same as committed under completions/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envm;current'= {
            cand --json 'Print JSON: [{"tool","requested","version","source","installed"}]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;ls'= {
            cand --json 'Print JSON: [{"tool","version","path","active"}]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;use'= {
            cand --global 'Pin in the global config instead of the project'
            cand --pin 'Pin the exact resolved version instead of the spec'
            cand --refresh 'Ask upstream for its version list even when the cached one is fresh'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;install'= {
            cand --force 'Reinstall even when already installed'
            cand --refresh 'Ask upstream for its version list even when the cached one is fresh'
            cand --locked 'Install exactly what envm.lock records (version, file, digest) from the mirror configured now, reading no index; fail for anything it lacks'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;uninstall'= {
            cand --force 'Remove it even when the current directory uses it'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;ls-remote'= {
            cand --json 'Print JSON: [{"version","lts","installed"}]'
            cand --refresh 'Ask upstream even when the cached list is fresh'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;prune'= {
            cand --dry-run 'Only say what would be removed'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;lock'= {
            cand --platform 'Lock for this platform (repeatable; default: this host''s, linux-x64, linux-arm64, macos-x64 and macos-arm64)'
            cand --refresh 'Ask upstream for its version lists even when the cached ones are fresh'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;which'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;exec'= {
            cand --sandbox 'Run the command in a sandbox: `workspace-write` (default: write only the project, tool caches and a private temp dir), `read-only`, or `best-effort` (workspace-write, but run with the layers this host can enforce and print the missing ones)'
            cand --allow-read 'Sandbox: also allow reading PATH (repeatable)'
            cand --allow-write 'Sandbox: also allow writing PATH (repeatable)'
            cand --allow-env 'Sandbox: keep the environment variable NAME even if it looks like a secret (repeatable)'
            cand --allow-net 'Sandbox: allow network access'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;activate'= {
            cand --shims 'Only put the shims folder on PATH instead of hooking the prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;reshim'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;doctor'= {
            cand --json 'Print JSON: [{"check","ok","detail"}]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;trust'= {
            cand --revoke 'Forget the file instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;env'= {
            cand --shell 'Print statements for this shell to evaluate (bash, zsh, fish)'
            cand --json 'Print a JSON object of variable names to values'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;venv'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'envm;help'= {
            cand current 'Show what each pinned tool resolves to here, and which file pins it'
            cand ls 'List installed versions, the one active here marked'
            cand use 'Resolve against the remote index, install if missing, and pin'
            cand install 'Install versions (none named: everything pinned here)'
            cand uninstall 'Remove one installed version'
            cand ls-remote 'List the versions upstream offers for this host'
            cand prune 'Remove installs that no known pin uses'
            cand lock 'Write envm.lock: exact versions, file names and digests per platform of what is pinned here'
            cand which 'Print the path of the binary the shim called BIN would run here'
            cand exec 'Run a command with toolchains first on PATH, optionally sandboxed (`--sandbox`)'
            cand activate 'Print the shell init for `eval "$(envm activate bash)"`'
            cand reshim 'Rebuild the shims for every binary of every installed toolchain'
            cand doctor 'Check what works on this host: sandbox layers, libc, shims on PATH, pins here'
            cand trust 'Let a project file widen the sandbox and set [env] (recorded by path and content hash)'
            cand env 'Print the environment envm would set here (pinned toolchains first on PATH)'
            cand venv 'Create the project''s Python virtualenv with the pinned interpreter'
            cand completions 'Print the shell completion script (the same as committed under completions/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envm;help;current'= {
        }
        &'envm;help;ls'= {
        }
        &'envm;help;use'= {
        }
        &'envm;help;install'= {
        }
        &'envm;help;uninstall'= {
        }
        &'envm;help;ls-remote'= {
        }
        &'envm;help;prune'= {
        }
        &'envm;help;lock'= {
        }
        &'envm;help;which'= {
        }
        &'envm;help;exec'= {
        }
        &'envm;help;activate'= {
        }
        &'envm;help;reshim'= {
        }
        &'envm;help;doctor'= {
        }
        &'envm;help;trust'= {
        }
        &'envm;help;env'= {
        }
        &'envm;help;venv'= {
        }
        &'envm;help;completions'= {
        }
        &'envm;help;help'= {
        }
    ]
    $completions[$command]
}
