//! `envm hook-env SHELL`: called by the activation script before each prompt; prints the
//! statements that bring PATH up to date for the current directory (nothing when unchanged).

use std::io::Write;

use clap::ValueEnum;

use super::Context;
use crate::cli::error::Error;
use crate::run::activate::{self, SAVED_VAR, STATE_VAR, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// bash, zsh or fish
    pub shell: Shell,
}

/// The arguments when argv is exactly `envm hook-env SHELL` with a known shell.
pub fn fast_args() -> Option<Args> {
    let mut argv = std::env::args_os().skip(1);
    let (command, shell) = (argv.next()?, argv.next()?);
    if command != "hook-env" || argv.next().is_some() {
        return None;
    }
    let shell = Shell::from_str(shell.to_str()?, false).ok()?;
    Some(Args { shell })
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let state = std::env::var_os(STATE_VAR);
    let saved = std::env::var_os(SAVED_VAR);
    let out = activate::hook_env(
        args.shell,
        &ctx.layout,
        &ctx.cwd,
        &path,
        state.as_deref(),
        saved.as_deref(),
    );
    // A closed stdout (the prompt went away) is not worth an error.
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(0)
}
