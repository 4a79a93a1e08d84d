//! The project's Python virtualenv: `[python] venv = ".venv"` in envm.toml (relative to that
//! file, and always a folder inside the project). `envm venv` creates it; once it exists,
//! python shims run its executables (so `python` and `pip` act inside it, with `VIRTUAL_ENV`
//! set) and activation puts its `bin` first on PATH.
//!
//! A virtualenv runs whatever its `bin/` holds, so one that envm did not create itself (a
//! repository can ship a folder with a `pyvenv.cfg`) is used only once the envm.toml naming it
//! is trusted. The ones `envm venv` made are recorded in envm's data dir (`venvs.json`: the
//! canonical folder and the identity of its `pyvenv.cfg`), never by a marker inside the
//! repository, which the repository could forge.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use crate::diag::Diagnostic;
use crate::diag::printable_line;
use crate::files::write_atomically;
use crate::layout::Layout;
use crate::project::PinError;
use crate::project::project_file::{self, ProjectFile};
use crate::project::trust::{self, TrustError};

/// A `[python] venv` setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VenvConfigError {
    #[error(transparent)]
    Invalid(#[from] PinError),
    #[error("{}:{line}: [python] venv `{venv}` is not a folder inside the project", .file.display())]
    Outside {
        file: PathBuf,
        line: usize,
        venv: String,
    },
    #[error("{} names the virtualenv {}, which envm did not create, and the file is not trusted", .file.display(), .venv.display())]
    Untrusted { file: PathBuf, venv: PathBuf },
    #[error("{} is not inside the project folder {}", .venv.display(), .project.display())]
    TargetOutside { venv: PathBuf, project: PathBuf },
    #[error("cannot record the virtualenv in {}: {message}", .path.display())]
    Record { path: PathBuf, message: String },
    #[error(transparent)]
    Trust(#[from] TrustError),
}

impl Diagnostic for VenvConfigError {
    fn hint(&self) -> Option<String> {
        match self {
            VenvConfigError::Invalid(e) => e.hint(),
            VenvConfigError::Outside { .. } => Some(
                "write a relative folder inside the project, e.g. `[python]` then `venv = \".venv\"`"
                    .into(),
            ),
            VenvConfigError::Untrusted { file, venv } => Some(format!(
                "its bin/ would run as your python: review it, then run `envm trust {}`, or remove {} and create it with `envm venv`",
                file.display(),
                venv.display()
            )),
            VenvConfigError::TargetOutside { .. } => {
                Some("give a folder inside the project, e.g. `envm venv .venv`".into())
            }
            VenvConfigError::Record { .. } => None,
            VenvConfigError::Trust(e) => e.hint(),
        }
    }
}

/// The virtualenv folder `project_file` configures, whether or not it exists yet. It must be
/// a relative path of plain names that stays inside the project (after symlinks).
pub fn configured(project_file: &Path) -> Result<Option<PathBuf>, VenvConfigError> {
    match project_file::load(project_file)? {
        Some(file) => configured_in(&file),
        None => Ok(None),
    }
}

/// [`configured`], for a file already parsed.
pub fn configured_in(file: &ProjectFile) -> Result<Option<PathBuf>, VenvConfigError> {
    let Some(setting) = &file.venv else {
        return Ok(None);
    };
    let project_file = file.path.as_path();
    let dir = project_file.parent().unwrap_or(Path::new("/"));
    let relative = Path::new(&setting.value);
    let plain = relative.components().next().is_some()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    let venv = dir.join(relative);
    if !plain || !is_inside(dir, &venv) {
        return Err(VenvConfigError::Outside {
            file: project_file.to_path_buf(),
            line: setting.line,
            venv: printable_line(&setting.value),
        });
    }
    Ok(Some(venv))
}

/// The configured virtualenv when it exists (holds `pyvenv.cfg`) and may be used: envm
/// created it, or the project file is trusted.
pub fn existing(layout: &Layout, project_file: &Path) -> Result<Option<PathBuf>, VenvConfigError> {
    let Some(venv) = configured(project_file)?.filter(|venv| venv.join("pyvenv.cfg").is_file())
    else {
        return Ok(None);
    };
    if is_created_by_envm(layout, &venv) {
        return Ok(Some(venv));
    }
    let trusted = match project_file::load(project_file)? {
        Some(file) => trust::is_trusted_content(layout, project_file, file.text.as_bytes())?,
        None => false,
    };
    if trusted {
        Ok(Some(venv))
    } else {
        Err(VenvConfigError::Untrusted {
            file: project_file.to_path_buf(),
            venv,
        })
    }
}

/// Whether `target` (absolute) lies strictly inside `dir` once symlinks are resolved: its
/// nearest existing ancestor, canonical, plus the rest (plain names only).
pub fn is_inside(dir: &Path, target: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    let mut existing = target;
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    let canonical = loop {
        if let Ok(c) = existing.canonicalize() {
            break c;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(Component::Normal(name))) => {
                rest.push(name);
                existing = parent;
            }
            _ => return false,
        }
    };
    let full = rest.iter().rev().fold(canonical, |p, name| p.join(name));
    full != dir && full.starts_with(&dir)
}

/// `data/venvs.json`: canonical venv folder → identity (`dev:inode`) of its `pyvenv.cfg`.
fn record_path(layout: &Layout) -> PathBuf {
    layout.data.join("venvs.json")
}

type Record = BTreeMap<PathBuf, String>;

fn identity(venv: &Path) -> Option<(PathBuf, String)> {
    let canonical = venv.canonicalize().ok()?;
    let cfg = std::fs::symlink_metadata(canonical.join("pyvenv.cfg")).ok()?;
    cfg.is_file()
        .then(|| (canonical, format!("{}:{}", cfg.dev(), cfg.ino())))
}

fn load_record(layout: &Layout) -> Record {
    std::fs::read(record_path(layout))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Whether `envm venv` created `venv` (and its `pyvenv.cfg` is still the one it wrote).
pub fn is_created_by_envm(layout: &Layout, venv: &Path) -> bool {
    identity(venv).is_some_and(|(path, id)| load_record(layout).get(&path) == Some(&id))
}

/// Records `venv` as created by envm.
pub fn record_created(layout: &Layout, venv: &Path) -> Result<(), VenvConfigError> {
    let path = record_path(layout);
    let record_err = |message: String| VenvConfigError::Record {
        path: path.clone(),
        message,
    };
    let (venv, id) =
        identity(venv).ok_or_else(|| record_err(format!("no pyvenv.cfg in {}", venv.display())))?;
    let mut record = load_record(layout);
    record.insert(venv, id);
    let text = serde_json::to_string_pretty(&record).map_err(|e| record_err(e.to_string()))?;
    write_atomically(&path, text.as_bytes()).map_err(|e| record_err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venv_must_stay_inside_the_project() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("p");
        std::fs::create_dir_all(project.join("tools")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), project.join("up")).unwrap();
        let file = project.join("envm.toml");
        for (venv, ok) in [
            (".venv", true),
            ("tools/fakevenv", true),
            ("../x", false),
            ("/tmp/x", false),
            (".", false),
            ("up/x", false),
        ] {
            std::fs::write(&file, format!("[python]\nvenv = \"{venv}\"\n")).unwrap();
            let text = std::fs::read_to_string(&file).unwrap();
            let parsed = project_file::parse(&file, &text, project_file::Kind::Project).unwrap();
            let got = configured_in(&parsed);
            assert_eq!(got.is_ok(), ok, "{venv}: {got:?}");
        }
    }
}
