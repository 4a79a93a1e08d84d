//! The project's Python virtualenv: `[python] venv = ".venv"` in envm.toml (relative to that
//! file). `envm venv` creates it; once it exists, python shims run its executables (so
//! `python` and `pip` act inside it, with `VIRTUAL_ENV` set) and activation puts its `bin`
//! first on PATH.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A `[python]` table that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: [python] table: {message}", .file.display())]
pub struct VenvConfigError {
    pub file: PathBuf,
    pub message: String,
}

impl VenvConfigError {
    pub fn hint(&self) -> Option<String> {
        Some("write it as `[python]` then `venv = \".venv\"`".into())
    }
}

/// The virtualenv folder `project_file` configures, whether or not it exists yet.
pub fn configured(project_file: &Path) -> Result<Option<PathBuf>, VenvConfigError> {
    #[derive(Deserialize)]
    struct ProjectToml {
        python: Option<PythonTable>,
    }
    #[derive(Deserialize)]
    struct PythonTable {
        venv: Option<String>,
    }
    let Ok(text) = std::fs::read_to_string(project_file) else {
        return Ok(None);
    };
    // This runs in python shims: skip the parse when the file cannot configure one.
    if !text.contains("venv") {
        return Ok(None);
    }
    let doc: ProjectToml = toml::from_str(&text).map_err(|e| VenvConfigError {
        file: project_file.to_path_buf(),
        message: e.message().trim().to_string(),
    })?;
    let dir = project_file.parent().unwrap_or(Path::new("/"));
    Ok(doc.python.and_then(|p| p.venv).map(|v| dir.join(v)))
}

/// The configured virtualenv when it exists (holds `pyvenv.cfg`).
pub fn existing(project_file: &Path) -> Result<Option<PathBuf>, VenvConfigError> {
    Ok(configured(project_file)?.filter(|venv| venv.join("pyvenv.cfg").is_file()))
}
