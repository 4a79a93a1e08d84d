//! `envm exec [TOOL@SPEC...] [--sandbox[=POLICY]] [sandbox flags] -- CMD [ARGS]`: run CMD
//! with the named toolchains (and those pinned here for other tools) first on PATH. Unsandboxed,
//! envm replaces itself with CMD, so its exit code and signals are CMD's own; sandboxed (asked
//! for, or a `[sandbox]` table in the project's envm.toml), envm runs CMD in the sandbox and
//! returns its exit code, or 128+N for signal N.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::Context;
use crate::cli::error::Error;
use crate::project::env as project_env;
use crate::project::{self, Pin, PinSource};
use crate::resolve::{self, Resolution};
use crate::run::exec::{self, Env, ExecError};
use crate::run::shim::{self, ShimError};
use crate::sandbox::{self, SandboxFlags};
use crate::version::spec::ToolRequest;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub sandbox: SandboxFlags,
    /// Toolchains to put first on PATH (`node@22`, `python@3.12`); tools not named here use
    /// what is pinned for the current directory
    pub requests: Vec<String>,
    /// The command to run and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    // Decided first: a refused sandbox (untrusted widening) must not install anything.
    let project = match project::nearest_project_file(&ctx.cwd) {
        Some(file) => sandbox::project_policy(&file)?,
        None => None,
    };
    let sandbox = sandbox::decide(Some(&args.sandbox), project, &ctx.layout, &ctx.cwd)?;
    let dirs = toolchain_dirs(ctx, &args.requests)?;
    let mut env = exec::toolchain_env(&dirs, None);
    if let Some(file) = project::nearest_project_file(&ctx.cwd)
        && let Some(vars) = project_env::load(&ctx.layout, &file)?
    {
        project_env::apply(&mut env, &vars);
    }
    let (name, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::msg("no command given", Some("write it after `--`".into())))?;
    if let Some(settings) = sandbox {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let project_dir = sandbox::project_dir(&ctx.cwd, home.as_deref());
        let code = sandbox::run_sandboxed(&settings, &ctx.layout, &project_dir, name, rest, &env)?;
        return Ok(code);
    }
    let program = exec::find_program(name, exec::env_path(&env), &ctx.cwd).ok_or_else(|| {
        ExecError::NotFound {
            program: name.clone(),
        }
    })?;
    run_command(&program, name, rest, &env)
}

/// The final step: replace envm with the program. Returns only when that failed.
pub fn run_command(
    program: &Path,
    arg0: &std::ffi::OsStr,
    args: &[OsString],
    env: &Env,
) -> Result<i32, Error> {
    Err(exec::exec_replace(program, arg0, args, env).into())
}

/// The bin folders to put first on PATH: the requested toolchains, then the pinned ones for
/// the other tools. Missing versions are installed as a shim would (unless
/// `ENVM_AUTO_INSTALL=0`).
fn toolchain_dirs(ctx: &Context, requests: &[String]) -> Result<Vec<PathBuf>, Error> {
    let mut pins: Vec<Pin> = Vec::new();
    for text in requests {
        let request = ToolRequest::parse(text)?;
        let pin = match request.spec {
            Some(spec) => Pin {
                tool: request.tool,
                specs: vec![spec],
                source: PinSource::Env("the command line"),
            },
            None => project::find(request.tool, &ctx.cwd, &ctx.layout)?
                .ok_or_else(|| Error::MissingVersion(text.clone()))?,
        };
        pins.retain(|p| p.tool != pin.tool);
        pins.push(pin);
    }
    for pin in project::find_all(&ctx.cwd, &ctx.layout)? {
        if !pins.iter().any(|p| p.tool == pin.tool) {
            pins.push(pin);
        }
    }
    let mut dirs = Vec::new();
    for pin in &pins {
        match resolve_or_install(ctx, pin)? {
            Resolution::Installed { dir, .. } | Resolution::Path { dir, .. } => {
                dirs.push(pin.tool.bin_dir(&dir));
            }
            _ => {}
        }
    }
    Ok(dirs)
}

/// Resolves `pin`, installing a missing version as a shim would (unless
/// `ENVM_AUTO_INSTALL=0`); the result is `Installed`, `Path` or `System`.
pub(super) fn resolve_or_install(ctx: &Context, pin: &Pin) -> Result<Resolution, Error> {
    let mut resolution = resolve::resolve(&ctx.layout, pin);
    if let Resolution::NotInstalled { spec } = &resolution {
        shim::install_missing(pin.tool, spec.as_str(), &pin.source.describe())?;
        resolution = resolve::resolve(&ctx.layout, pin);
    }
    match resolution {
        Resolution::NotInstalled { spec } => Err(ShimError::NotInstalled {
            tool: pin.tool,
            spec: spec.to_string(),
            source_desc: pin.source.describe(),
        }
        .into()),
        Resolution::Unresolved { spec, reason } => Err(ShimError::Unresolved {
            tool: pin.tool,
            spec: spec.to_string(),
            source_desc: pin.source.describe(),
            reason,
        }
        .into()),
        Resolution::Untrusted { spec, file } => Err(ShimError::UntrustedPath {
            tool: pin.tool,
            spec: spec.to_string(),
            file,
        }
        .into()),
        available => Ok(available),
    }
}
