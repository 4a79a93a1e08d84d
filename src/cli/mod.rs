//! The `envm …` command line: clap definitions and dispatch to one file per command.
//! Commands are thin: they read arguments, call the library stages, and print.

mod completions;
mod current;
mod doctor;
mod exec;
mod ls;
mod trust;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::{self, Error};
use crate::layout::Layout;

/// envm: verified toolchains, the right version in every directory, sandboxed runs.
#[derive(Debug, Parser)]
#[command(name = "envm", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what each pinned tool resolves to here, and which file pins it
    Current(current::Args),
    /// List installed versions, the one active here marked
    Ls(ls::Args),
    /// Run a command, optionally in a sandbox (`--sandbox`, or a [sandbox] table in envm.toml)
    Exec(exec::Args),
    /// Check what works on this host: sandbox layers, libc, shims on PATH, pins here
    Doctor(doctor::Args),
    /// Let a project file widen the sandbox (recorded by path and content hash)
    Trust(trust::Args),
    /// Print the shell completion script (the same as committed under completions/)
    Completions(completions::Args),
}

/// What every command gets: where envm's files live and where it runs.
pub struct Context {
    pub layout: Layout,
    pub cwd: PathBuf,
}

impl Context {
    pub fn from_env() -> Result<Context, Error> {
        Ok(Context {
            layout: Layout::from_env()?,
            cwd: std::env::current_dir().map_err(Error::CurrentDir)?,
        })
    }
}

/// Parses argv, runs the command, reports errors; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(err) => error::report(&err),
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}

fn run(cli: Cli) -> Result<i32, Error> {
    if let Command::Completions(args) = &cli.command {
        return completions::run(args);
    }
    let ctx = Context::from_env()?;
    match cli.command {
        Command::Current(args) => current::run(&ctx, &args),
        Command::Ls(args) => ls::run(&ctx, &args),
        Command::Exec(args) => exec::run(&ctx, &args),
        Command::Doctor(args) => doctor::run(&ctx, &args),
        Command::Trust(args) => trust::run(&ctx, &args),
        Command::Completions(_) => Ok(0),
    }
}

/// Prints `value` as JSON on stdout, one document and a newline.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::msg(format!("cannot encode JSON: {e}"), None))?;
    println!("{text}");
    Ok(())
}
