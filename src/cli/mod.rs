//! The `envm …` command line: clap definitions and dispatch to one file per command.
//! Commands are thin: they read arguments, call the library stages, and print.

mod activate;
mod args;
mod complete;
mod completions;
mod current;
mod doctor;
mod env;
mod exec;
mod github;
mod hook_env;
mod install;
mod lock;
mod ls;
mod ls_remote;
mod path_hint;
mod prune;
mod reshim;
mod trust;
mod uninstall;
mod use_;
mod venv;
mod which;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod error;

use self::error::Error;
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
    /// Resolve against the remote index, install if missing, and pin
    Use(use_::Args),
    /// Install versions (none named: everything pinned here)
    Install(install::Args),
    /// Remove one installed version
    Uninstall(uninstall::Args),
    /// List the versions upstream offers for this host
    LsRemote(ls_remote::Args),
    /// Remove installs that no known pin uses
    Prune(prune::Args),
    /// Write envm.lock: exact versions, file names and digests per platform of what is pinned here
    Lock(lock::Args),
    /// Print the path of the binary the shim called BIN would run here
    Which(which::Args),
    /// Run a command with toolchains first on PATH, optionally sandboxed (`--sandbox`)
    Exec(exec::Args),
    /// Print the shell init for `eval "$(envm activate bash)"`
    Activate(activate::Args),
    /// Print the PATH update for the current directory (called by the activation hook)
    #[command(hide = true)]
    HookEnv(hook_env::Args),
    /// Rebuild the shims for every binary of every installed toolchain
    Reshim(reshim::Args),
    /// Check what works on this host: sandbox layers, libc, shims on PATH, pins here
    Doctor(doctor::Args),
    /// Let a project file widen the sandbox and set [env] (recorded by path and content hash)
    Trust(trust::Args),
    /// Print the environment envm would set here (pinned toolchains first on PATH)
    Env(env::Args),
    /// Create the project's Python virtualenv with the pinned interpreter
    Venv(venv::Args),
    /// Print the shell completion script (the same as committed under completions/)
    Completions(completions::Args),
    /// Print completion candidates for a command's TOOL@VERSION argument (called by the scripts)
    #[command(hide = true)]
    Complete(complete::Args),
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
    ExitCode::from(status())
}

/// [`main`]'s exit status as a number (the binary's C entry point returns it).
pub fn status() -> u8 {
    // `envm hook-env SHELL` runs before every prompt: answer it without building the whole
    // clap command (same arguments, same behaviour; anything else goes through clap).
    if let Some(args) = hook_env::fast_args() {
        let code = Context::from_env()
            .and_then(|ctx| hook_env::run(&ctx, &args))
            .unwrap_or_else(|err| crate::diag::report(&err));
        return code.clamp(0, 255) as u8;
    }
    let cli = Cli::parse_from(crate::args::os());
    let code = match run(cli) {
        Ok(code) => code,
        Err(err) => crate::diag::report(&err),
    };
    code.clamp(0, 255) as u8
}

fn run(cli: Cli) -> Result<i32, Error> {
    if let Command::Completions(args) = &cli.command {
        return completions::run(args);
    }
    let ctx = Context::from_env()?;
    match cli.command {
        Command::Current(args) => current::run(&ctx, &args),
        Command::Ls(args) => ls::run(&ctx, &args),
        Command::Use(args) => use_::run(&ctx, &args),
        Command::Install(args) => install::run(&ctx, &args),
        Command::Uninstall(args) => uninstall::run(&ctx, &args),
        Command::LsRemote(args) => ls_remote::run(&ctx, &args),
        Command::Prune(args) => prune::run(&ctx, &args),
        Command::Lock(args) => lock::run(&ctx, &args),
        Command::Which(args) => which::run(&ctx, &args),
        Command::Exec(args) => exec::run(&ctx, &args),
        Command::Activate(args) => activate::run(&ctx, &args),
        Command::HookEnv(args) => hook_env::run(&ctx, &args),
        Command::Complete(args) => complete::run(&ctx, &args),
        Command::Reshim(args) => reshim::run(&ctx, &args),
        Command::Doctor(args) => doctor::run(&ctx, &args),
        Command::Trust(args) => trust::run(&ctx, &args),
        Command::Env(args) => env::run(&ctx, &args),
        Command::Venv(args) => venv::run(&ctx, &args),
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
