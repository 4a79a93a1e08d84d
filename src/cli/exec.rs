//! `envm exec [TOOL@SPEC...] -- CMD [ARGS]`: run CMD with the named toolchains (and those
//! pinned here for other tools) first on PATH. envm replaces itself with CMD, so its exit code
//! and signals are CMD's own. The last step, [`run_command`], is the one a sandbox replaces.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::Context;
use crate::error::Error;
use crate::exec::{self, Env, ExecError};
use crate::pins::{self, Pin, PinSource};
use crate::resolve::{self, Resolution};
use crate::shim::{self, ShimError};
use crate::spec::ToolRequest;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Toolchains to put first on PATH (`node@22`, `python@3.12`); tools not named here use
    /// what is pinned for the current directory
    pub requests: Vec<String>,
    /// The command to run and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let dirs = toolchain_dirs(ctx, &args.requests)?;
    let env = exec::toolchain_env(&dirs, None);
    let (name, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::msg("no command given", Some("write it after `--`".into())))?;
    let path = exec::env_path(&env).unwrap_or_default();
    let program = exec::find_program(name, path).ok_or_else(|| ExecError::NotFound {
        program: name.clone(),
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
            None => pins::find(request.tool, &ctx.cwd, &ctx.layout)?
                .ok_or_else(|| Error::MissingVersion(text.clone()))?,
        };
        pins.retain(|p| p.tool != pin.tool);
        pins.push(pin);
    }
    for pin in pins::find_all(&ctx.cwd, &ctx.layout)? {
        if !pins.iter().any(|p| p.tool == pin.tool) {
            pins.push(pin);
        }
    }
    let mut dirs = Vec::new();
    for pin in &pins {
        let mut resolution = resolve::resolve(&ctx.layout, pin);
        if let Resolution::NotInstalled { spec } = &resolution {
            shim::install_missing(pin.tool, spec.as_str(), &pin.source.describe())?;
            resolution = resolve::resolve(&ctx.layout, pin);
        }
        match resolution {
            Resolution::Installed { dir, .. } | Resolution::Path { dir, .. } => {
                dirs.push(pin.tool.bin_dir(&dir));
            }
            Resolution::System { .. } => {}
            Resolution::NotInstalled { spec } => {
                return Err(ShimError::NotInstalled {
                    tool: pin.tool,
                    spec: spec.to_string(),
                    source_desc: pin.source.describe(),
                }
                .into());
            }
            Resolution::Unresolved { spec, reason } => {
                return Err(ShimError::Unresolved {
                    tool: pin.tool,
                    spec: spec.to_string(),
                    source_desc: pin.source.describe(),
                    reason,
                }
                .into());
            }
        }
    }
    Ok(dirs)
}
