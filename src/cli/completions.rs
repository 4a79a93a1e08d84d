//! `envm completions SHELL`: the completion scripts clap generates, identical to the files
//! committed under `completions/` (a test keeps them in step).

use clap::CommandFactory;

use crate::cli::error::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell
    pub shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> Result<i32, Error> {
    let mut out = std::io::stdout();
    write_completions(args.shell, &mut out);
    Ok(0)
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, &mut super::Cli::command(), "envm", out);
}
