
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'envm' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    # envm: TOOL@VERSION arguments complete to tool names, then to installed versions.
    $envmWords = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
    if ($envmWords.Count -ge 2 -and @('install', 'use', 'uninstall') -contains $envmWords[1] -and
        -not $wordToComplete.StartsWith('-') -and ($envmWords.Count -gt 2 -or $wordToComplete -eq '')) {
        envm complete $envmWords[1] $wordToComplete | ForEach-Object {
            [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_)
        }
        return
    }
    $commandElements = $commandAst.CommandElements
    $command = @(
        'envm'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'envm' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('current', 'current', [CompletionResultType]::ParameterValue, 'Show what each pinned tool resolves to here, and which file pins it')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List installed versions, the one active here marked')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Resolve against the remote index, install if missing, and pin')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install versions (none named: everything pinned here)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove one installed version')
            [CompletionResult]::new('ls-remote', 'ls-remote', [CompletionResultType]::ParameterValue, 'List the versions upstream offers for this host')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove installs that no known pin uses')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Write envm.lock: exact versions, file names and digests per platform of what is pinned here')
            [CompletionResult]::new('which', 'which', [CompletionResultType]::ParameterValue, 'Print the path of the binary the shim called BIN would run here')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with toolchains first on PATH, optionally sandboxed (`--sandbox`)')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Print the shell init for `eval "$(envm activate bash)"`')
            [CompletionResult]::new('reshim', 'reshim', [CompletionResultType]::ParameterValue, 'Rebuild the shims for every binary of every installed toolchain')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check what works on this host: sandbox layers, libc, shims on PATH, pins here')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Let a project file widen the sandbox and set [env] (recorded by path and content hash)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print the environment envm would set here (pinned toolchains first on PATH)')
            [CompletionResult]::new('venv', 'venv', [CompletionResultType]::ParameterValue, 'Create the project''s Python virtualenv with the pinned interpreter')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script (the same as committed under completions/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envm;current' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: [{"tool","requested","version","source","installed"}]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;ls' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: [{"tool","version","path","active"}]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;use' {
            [CompletionResult]::new('--global', '--global', [CompletionResultType]::ParameterName, 'Pin in the global config instead of the project')
            [CompletionResult]::new('--pin', '--pin', [CompletionResultType]::ParameterName, 'Pin the exact resolved version instead of the spec')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ask upstream for its version list even when the cached one is fresh')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;install' {
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Reinstall even when already installed')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ask upstream for its version list even when the cached one is fresh')
            [CompletionResult]::new('--locked', '--locked', [CompletionResultType]::ParameterName, 'Install exactly what envm.lock records (version, file, digest) from the mirror configured now, reading no index; fail for anything it lacks')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;uninstall' {
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Remove it even when the current directory uses it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;ls-remote' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: [{"version","lts","installed"}]')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ask upstream even when the cached list is fresh')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;prune' {
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only say what would be removed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;lock' {
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Lock for this platform (repeatable; default: this host''s, linux-x64, linux-arm64, macos-x64 and macos-arm64)')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ask upstream for its version lists even when the cached ones are fresh')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;which' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;exec' {
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run the command in a sandbox: `workspace-write` (default: write only the project, tool caches and a private temp dir), `read-only`, or `best-effort` (workspace-write, but run with the layers this host can enforce and print the missing ones)')
            [CompletionResult]::new('--allow-read', '--allow-read', [CompletionResultType]::ParameterName, 'Sandbox: also allow reading PATH (repeatable)')
            [CompletionResult]::new('--allow-write', '--allow-write', [CompletionResultType]::ParameterName, 'Sandbox: also allow writing PATH (repeatable)')
            [CompletionResult]::new('--allow-env', '--allow-env', [CompletionResultType]::ParameterName, 'Sandbox: keep the environment variable NAME even if it looks like a secret (repeatable)')
            [CompletionResult]::new('--allow-net', '--allow-net', [CompletionResultType]::ParameterName, 'Sandbox: allow network access')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;activate' {
            [CompletionResult]::new('--shims', '--shims', [CompletionResultType]::ParameterName, 'Only put the shims folder on PATH instead of hooking the prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;reshim' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;doctor' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: [{"check","ok","detail"}]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;trust' {
            [CompletionResult]::new('--revoke', '--revoke', [CompletionResultType]::ParameterName, 'Forget the file instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;env' {
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'Print statements for this shell to evaluate (bash, zsh, fish)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object of variable names to values')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;venv' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'envm;help' {
            [CompletionResult]::new('current', 'current', [CompletionResultType]::ParameterValue, 'Show what each pinned tool resolves to here, and which file pins it')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List installed versions, the one active here marked')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Resolve against the remote index, install if missing, and pin')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install versions (none named: everything pinned here)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove one installed version')
            [CompletionResult]::new('ls-remote', 'ls-remote', [CompletionResultType]::ParameterValue, 'List the versions upstream offers for this host')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove installs that no known pin uses')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Write envm.lock: exact versions, file names and digests per platform of what is pinned here')
            [CompletionResult]::new('which', 'which', [CompletionResultType]::ParameterValue, 'Print the path of the binary the shim called BIN would run here')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with toolchains first on PATH, optionally sandboxed (`--sandbox`)')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Print the shell init for `eval "$(envm activate bash)"`')
            [CompletionResult]::new('reshim', 'reshim', [CompletionResultType]::ParameterValue, 'Rebuild the shims for every binary of every installed toolchain')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check what works on this host: sandbox layers, libc, shims on PATH, pins here')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Let a project file widen the sandbox and set [env] (recorded by path and content hash)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print the environment envm would set here (pinned toolchains first on PATH)')
            [CompletionResult]::new('venv', 'venv', [CompletionResultType]::ParameterValue, 'Create the project''s Python virtualenv with the pinned interpreter')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script (the same as committed under completions/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envm;help;current' {
            break
        }
        'envm;help;ls' {
            break
        }
        'envm;help;use' {
            break
        }
        'envm;help;install' {
            break
        }
        'envm;help;uninstall' {
            break
        }
        'envm;help;ls-remote' {
            break
        }
        'envm;help;prune' {
            break
        }
        'envm;help;lock' {
            break
        }
        'envm;help;which' {
            break
        }
        'envm;help;exec' {
            break
        }
        'envm;help;activate' {
            break
        }
        'envm;help;reshim' {
            break
        }
        'envm;help;doctor' {
            break
        }
        'envm;help;trust' {
            break
        }
        'envm;help;env' {
            break
        }
        'envm;help;venv' {
            break
        }
        'envm;help;completions' {
            break
        }
        'envm;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
