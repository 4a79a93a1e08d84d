    # envm: TOOL@VERSION arguments complete to tool names, then to installed versions.
    $envmWords = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
    if ($envmWords.Count -ge 2 -and @('install', 'use', 'uninstall') -contains $envmWords[1] -and
        -not $wordToComplete.StartsWith('-') -and ($envmWords.Count -gt 2 -or $wordToComplete -eq '')) {
        envm complete $envmWords[1] $wordToComplete | ForEach-Object {
            [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_)
        }
        return
    }
