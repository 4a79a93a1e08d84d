//! `envm hook-env SHELL`: called by the activation script before each prompt; prints the
//! statements that bring PATH up to date for the current directory (nothing when unchanged).
//! The work is [`activate::hook_env_now`], which `envm-shim hook-env SHELL` answers too.

use std::io::Write;

use super::Context;
use crate::cli::error::Error;
use crate::run::activate::{self, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// bash, zsh or fish
    pub shell: Shell,
}

/// The arguments when argv is exactly `envm hook-env SHELL` with a known shell.
pub fn fast_args() -> Option<Args> {
    let shell = activate::hook_env_request(&crate::args::os())?;
    Some(Args { shell })
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let out = activate::hook_env_now(args.shell, &ctx.layout, &ctx.cwd);
    // A closed stdout (the prompt went away) is not worth an error.
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(0)
}
