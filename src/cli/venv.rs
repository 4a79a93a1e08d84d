//! `envm venv [PATH]`: create the project's Python virtualenv with the pinned interpreter, by
//! running that interpreter's own `-m venv`. PATH defaults to `[python] venv` in the project's
//! `envm.toml` (relative to that file), else `.venv` beside the file that pins python.

use std::path::PathBuf;
use std::process::Command;

use super::Context;
use super::exec::resolve_or_install;
use crate::error::Error;
use crate::pins;
use crate::python_venv;
use crate::resolve::Resolution;
use crate::shim;
use crate::tool::Tool;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create it (default: `[python] venv` in envm.toml, else `.venv` in the project)
    pub path: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let pin = pins::find(Tool::Python, &ctx.cwd, &ctx.layout)?.ok_or_else(|| {
        Error::msg(
            format!("python is not pinned in {}", ctx.cwd.display()),
            Some("pin one first, e.g. `envm use python@3.12`".into()),
        )
    })?;
    let python = match resolve_or_install(ctx, &pin)? {
        Resolution::Installed { dir, .. } | Resolution::Path { dir, .. } => {
            let bin = Tool::Python.bin_dir(&dir);
            ["python3", "python"]
                .iter()
                .map(|name| bin.join(name))
                .find(|p| p.is_file())
                .ok_or_else(|| {
                    Error::msg(
                        format!("no python3 in {}", bin.display()),
                        Some(format!(
                            "reinstall it: `envm install --force python@{}`",
                            pin_text(&pin)
                        )),
                    )
                })?
        }
        _ => shim::next_on_path(&ctx.layout, "python3".as_ref()).ok_or_else(|| {
            Error::msg(
                "python is pinned to `system`, and there is no python3 on PATH",
                Some("install one, or pin a version: `envm use python@3.12`".into()),
            )
        })?,
    };
    let project_dir = pin.source.project_dir().unwrap_or(&ctx.cwd).to_path_buf();
    let target = match &args.path {
        Some(path) => ctx.cwd.join(path),
        None => match pins::nearest_project_file(&ctx.cwd) {
            Some(file) => python_venv::configured(&file)?,
            None => None,
        }
        .unwrap_or_else(|| project_dir.join(".venv")),
    };
    let status = Command::new(&python)
        .args(["-m", "venv"])
        .arg(&target)
        .status()
        .map_err(|e| {
            Error::msg(
                format!("cannot run {}: {e}", python.display()),
                Some("check the install with `envm which python`".into()),
            )
        })?;
    match status.code() {
        Some(0) => {
            println!("created {} with {}", target.display(), python.display());
            Ok(0)
        }
        Some(code) => Err(Error::Other {
            message: format!("{} -m venv {} failed", python.display(), target.display()),
            hint: None,
            code,
        }),
        None => Err(Error::msg(
            format!("{} -m venv was killed by a signal", python.display()),
            None,
        )),
    }
}

fn pin_text(pin: &pins::Pin) -> String {
    pin.specs.first().map(|s| s.to_string()).unwrap_or_default()
}
