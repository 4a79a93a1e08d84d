# envm: TOOL@VERSION arguments complete to tool names, then to installed versions.
complete -c envm -n "__fish_envm_using_subcommand install" -f -a "(envm complete install (commandline -ct))"
complete -c envm -n "__fish_envm_using_subcommand use" -f -a "(envm complete use (commandline -ct))"
complete -c envm -n "__fish_envm_using_subcommand uninstall" -f -a "(envm complete uninstall (commandline -ct))"
