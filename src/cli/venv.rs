//! `envm venv [PATH]`: create the project's Python virtualenv with the pinned interpreter, by
//! running that interpreter's own `-m venv`. PATH defaults to `[python] venv` in the project's
//! `envm.toml` (relative to that file), else `.venv` beside the file that pins python. The
//! folder must be inside the project and new (or one `envm venv` made); envm records it in its
//! data dir as its own, so shims and activation use it without `envm trust`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Context;
use super::exec::resolve_or_install;
use crate::cli::error::Error;
use crate::project;
use crate::python_venv::{self, VenvConfigError};
use crate::resolve::Resolution;
use crate::run::shim;
use crate::tools::Tool;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create it (default: `[python] venv` in envm.toml, else `.venv` in the project)
    pub path: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let pin = project::find(Tool::Python, &ctx.cwd, &ctx.layout)?.ok_or_else(|| {
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
    let project_file = project::nearest_project_file(&ctx.cwd);
    let project_dir = match &project_file {
        Some(file) => file.parent().unwrap_or(&ctx.cwd),
        None => pin.source.project_dir().unwrap_or(&ctx.cwd),
    }
    .to_path_buf();
    let target = match &args.path {
        Some(path) => ctx.cwd.join(path),
        None => match &project_file {
            Some(file) => python_venv::configured(file)?,
            None => None,
        }
        .unwrap_or_else(|| project_dir.join(".venv")),
    };
    check_target(ctx, &project_dir, &target)?;
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
            python_venv::record_created(&ctx.layout, &target)?;
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

/// The virtualenv goes inside the project, and never over a folder envm did not make (a
/// repository's planted `bin/` would survive `-m venv` and then count as envm's own).
fn check_target(ctx: &Context, project_dir: &Path, target: &Path) -> Result<(), Error> {
    if !python_venv::is_inside(project_dir, target) {
        return Err(VenvConfigError::TargetOutside {
            venv: target.to_path_buf(),
            project: project_dir.to_path_buf(),
        }
        .into());
    }
    let occupied = std::fs::read_dir(target).is_ok_and(|mut entries| entries.next().is_some())
        || std::fs::symlink_metadata(target).is_ok_and(|m| !m.is_dir());
    if occupied && !python_venv::is_created_by_envm(&ctx.layout, target) {
        return Err(Error::msg(
            format!(
                "{} already exists and was not created by `envm venv`",
                target.display()
            ),
            Some("remove it (or pick another folder), then run `envm venv` again".into()),
        ));
    }
    Ok(())
}

fn pin_text(pin: &project::Pin) -> String {
    pin.specs.first().map(|s| s.to_string()).unwrap_or_default()
}
