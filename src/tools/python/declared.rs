//! A declared virtualenv (`[python] venv = ".venv"` in envm.toml) comes into being on first
//! use: `envm install`, a python shim, or activation entering the project create it with
//! `envm venv` (which records it as envm's own, so it needs no `envm trust`) when it is
//! missing and python is pinned. `ENVM_AUTO_INSTALL=0` turns this off, as it does installs.

use std::ffi::OsStr;
use std::path::Path;

use super::venv::{self as python_venv, VenvConfigError};
use crate::layout::Layout;
use crate::project;
use crate::run::exec;
use crate::tools::Tool;

/// Creates the virtualenv the nearest `envm.toml` above `cwd` declares, if it is missing and
/// python is pinned here; returns whether it did. Its progress goes to stderr.
pub fn ensure(layout: &Layout, cwd: &Path) -> Result<bool, VenvConfigError> {
    if std::env::var_os("ENVM_AUTO_INSTALL").is_some_and(|v| v == "0") {
        return Ok(false);
    }
    let Some(file) = project::nearest_project_file(cwd) else {
        return Ok(false);
    };
    let Some(venv) = python_venv::configured(&file)? else {
        return Ok(false);
    };
    // Anything already there (a venv, or a folder envm must not overwrite) is left to
    // `python_venv::existing` and `envm venv` to judge.
    if std::fs::symlink_metadata(&venv).is_ok() {
        return Ok(false);
    }
    if project::find(Tool::Python, cwd, layout)?.is_none() {
        return Ok(false);
    }
    eprintln!(
        "envm: creating the virtualenv {} declared in {}",
        venv.display(),
        file.display()
    );
    let failed = |reason: String| VenvConfigError::Create {
        venv: venv.clone(),
        reason,
    };
    let status = exec::run_envm_child(&[OsStr::new("venv")], cwd)
        .map_err(|e| failed(format!("cannot run `envm venv`: {e}")))?;
    if !status.success() {
        return Err(failed(status.to_string()));
    }
    Ok(true)
}
