//! `envm exec [--sandbox[=POLICY]] [sandbox flags] -- CMD [ARGS]`: runs CMD, sandboxed when
//! asked for or when the project's envm.toml has a `[sandbox]` table. Minimal on this branch:
//! no `TOOL@SPEC` arguments or toolchain PATH set-up (the shims branch owns those); the
//! sandbox part is the call to [`sandbox::run_sandboxed`] just before where execve would be.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use super::Context;
use crate::error::Error;
use crate::pins;
use crate::sandbox::{self, SandboxFlags};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub sandbox: SandboxFlags,
    /// The command to run and its arguments (after `--`)
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let project = match pins::nearest_project_file(&ctx.cwd) {
        Some(file) => sandbox::project_policy(&file)?,
        None => None,
    };
    let settings = sandbox::decide(Some(&args.sandbox), project, &ctx.layout, &ctx.cwd)?;
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Error::msg(
            "no command given",
            Some("write it after `--`".into()),
        ));
    };
    let env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    if let Some(settings) = settings {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let project_dir = sandbox::project_dir(&ctx.cwd, home.as_deref());
        let code =
            sandbox::run_sandboxed(&settings, &ctx.layout, &project_dir, program, rest, &env)?;
        return Ok(code);
    }
    let err = std::process::Command::new(program).args(rest).exec();
    let code = if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    };
    Err(Error::Other {
        message: format!("cannot run {}: {err}", program.to_string_lossy()),
        hint: None,
        code,
    })
}
