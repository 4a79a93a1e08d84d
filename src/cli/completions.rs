//! `envm completions SHELL`: the completion scripts clap generates, identical to the files
//! committed under `completions/` (a test keeps them in step). Hidden commands (`hook-env`,
//! `complete`) are left out, and each script gets a few lines of glue that ask the hidden
//! `envm complete` for the `TOOL@VERSION` arguments of `install`, `use` and `uninstall`: tool
//! names, then the installed versions of the tool typed (glue in `completions/glue/`).

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::error::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell
    pub shell: Shell,
}

pub fn run(args: &Args) -> Result<i32, Error> {
    let mut out = std::io::stdout();
    write_completions(args.shell, &mut out);
    Ok(0)
}

/// The commands whose positional argument is a `TOOL@VERSION`.
const DYNAMIC: &[&str] = &["install", "use", "uninstall"];

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: Shell, out: &mut dyn std::io::Write) {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut visible_command(), "envm", &mut script);
    let script = String::from_utf8_lossy(&script);
    let _ = out.write_all(with_glue(shell, &script).as_bytes());
}

/// The CLI without its hidden subcommands (clap's generators would list them).
fn visible_command() -> clap::Command {
    let full = super::Cli::command();
    let mut cmd = clap::Command::new("envm")
        .version(env!("CARGO_PKG_VERSION"))
        .propagate_version(true);
    if let Some(about) = full.get_about() {
        cmd = cmd.about(about.clone());
    }
    for arg in full.get_arguments().filter(|a| !a.is_hide_set()) {
        cmd = cmd.arg(arg.clone());
    }
    for sub in full.get_subcommands().filter(|s| !s.is_hide_set()) {
        cmd = cmd.subcommand(sub.clone());
    }
    cmd
}

fn with_glue(shell: Shell, script: &str) -> String {
    match shell {
        Shell::Bash => format!(
            "{}\n{}",
            script.replace("complete -F _envm -o", "complete -F _envm_dynamic -o"),
            include_str!("completions/glue.bash")
        ),
        Shell::Zsh => zsh(script),
        Shell::Fish => format!("{script}\n{}", include_str!("completions/glue.fish")),
        Shell::Elvish => script.replacen(
            "    var command = 'envm'\n",
            concat!(
                include_str!("completions/glue.elv"),
                "    var command = 'envm'\n"
            ),
            1,
        ),
        Shell::PowerShell => script.replacen(
            "    $commandElements = $commandAst.CommandElements\n",
            concat!(
                include_str!("completions/glue.ps1"),
                "    $commandElements = $commandAst.CommandElements\n"
            ),
            1,
        ),
        _ => script.to_string(),
    }
}

/// zsh: the `TOOL@VERSION` arguments call `_envm_tool_versions COMMAND` instead of
/// `_default`; the function is defined before the script's entry point.
fn zsh(script: &str) -> String {
    let mut out = String::with_capacity(script.len() + 512);
    let mut section = "";
    for line in script.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            section = DYNAMIC.iter().copied().find(|d| *d == name).unwrap_or("");
        }
        if line.starts_with("if [ \"$funcstack[1]\" = \"_envm\" ]") {
            out.push_str(include_str!("completions/glue.zsh"));
            out.push('\n');
        }
        if !section.is_empty() && trimmed.contains("request") && trimmed.contains(":_default'") {
            out.push_str(&line.replace(":_default'", &format!(":_envm_tool_versions {section}'")));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}
