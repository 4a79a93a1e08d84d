//! Pin discovery: which version of a tool is requested here, and by whom.
//!
//! Precedence (first match wins): `ENVM_<TOOL>_VERSION`; then, walking up from the working
//! directory to `/`, in each directory `envm.toml`, `.envm.toml`, `.tool-versions`, then the
//! tool's own files (`.nvmrc`, `.node-version`, `.python-version`, `.go-version`); then the
//! global `config.toml`. The nearest directory that pins a tool wins. A pin file that exists
//! but cannot be read is an error (never skipped: a file made unreadable must not silently
//! drop its settings); malformed files are errors naming the file and line. `envm.toml`'s
//! schema is [`project_file`].

pub mod dir;
pub mod env;
mod formats;
pub mod project_file;
pub mod tracked;
pub mod trust;
pub mod trusted_paths;
pub mod write;

use std::io;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::layout::Layout;
use crate::tools::Tool;
use crate::version::spec::{Spec, SpecError};
use dir::Dir;

pub use formats::{PROJECT_FILES, is_project_toml, parse_file};

/// One tool's pin: the specs requested (the first is the default; asdf-style lists fall back to
/// the next when the first is not installed) and where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub tool: Tool,
    pub specs: Vec<Spec>,
    pub source: PinSource,
}

/// Where a pin came from.
#[derive(Debug, Clone, PartialEq)]
pub enum PinSource {
    /// `ENVM_<TOOL>_VERSION`.
    Env(&'static str),
    /// A pin file found walking up from the working directory.
    File(PathBuf),
    /// The global `config.toml`.
    Global(PathBuf),
}

impl PinSource {
    /// What `envm current --json` prints as `source`: the file's path, `"env"` or `"global"`.
    pub fn label(&self) -> String {
        match self {
            PinSource::Env(_) => "env".to_string(),
            PinSource::File(path) => path.display().to_string(),
            PinSource::Global(_) => "global".to_string(),
        }
    }

    /// A longer form for people: the variable name or the file's path.
    pub fn describe(&self) -> String {
        match self {
            PinSource::Env(var) => (*var).to_string(),
            PinSource::File(path) | PinSource::Global(path) => path.display().to_string(),
        }
    }

    /// The project folder: the folder holding the pin file (none for env and global pins).
    pub fn project_dir(&self) -> Option<&Path> {
        match self {
            PinSource::File(path) => path.parent(),
            _ => None,
        }
    }
}

/// A pin that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    /// A pin file that does not parse, or holds an invalid spec.
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        message: String,
        hint: Option<String>,
    },
    /// A pin or config file that exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// `ENVM_<TOOL>_VERSION` holds an invalid spec.
    #[error("{var}: {source}")]
    Env {
        var: &'static str,
        #[source]
        source: SpecError,
    },
}

impl Diagnostic for PinError {
    fn hint(&self) -> Option<String> {
        match self {
            PinError::Malformed { hint, .. } => hint.clone(),
            PinError::Unreadable { path, .. } => Some(format!(
                "envm never skips a pin file it cannot read: make it readable (`chmod u+r {}`) or remove it",
                path.display()
            )),
            PinError::Env { var, source } => Some(format!("{}, or unset {var}", source.hint())),
        }
    }
}

/// The pin for `tool` as seen from `cwd`, or `None` when nothing pins it.
pub fn find(tool: Tool, cwd: &Path, layout: &Layout) -> Result<Option<Pin>, PinError> {
    find_inner(tool, cwd, layout, false).map(|(pin, _)| pin)
}

/// [`find`], and also the nearest `envm.toml` (or `.envm.toml`) at or above `cwd`: the
/// project file whose `[sandbox]` table applies to what a shim runs. The walk reads those
/// files anyway; only when the pin came from another file does it go on above, with a
/// `stat` per name.
pub fn find_with_project_file(
    tool: Tool,
    cwd: &Path,
    layout: &Layout,
) -> Result<(Option<Pin>, Option<PathBuf>), PinError> {
    find_inner(tool, cwd, layout, true)
}

fn find_inner(
    tool: Tool,
    cwd: &Path,
    layout: &Layout,
    want_project_file: bool,
) -> Result<(Option<Pin>, Option<PathBuf>), PinError> {
    let mut pin = from_env(tool)?;
    let mut project_file: Option<PathBuf> = None;
    let project_files = &PROJECT_FILES[..2];
    if pin.is_some() && !want_project_file {
        return Ok((pin, None));
    }
    for dir in dir::ancestors(cwd) {
        if pin.is_none() {
            for name in candidate_files(tool) {
                let path = dir.path.join(name);
                let Some(text) = dir.read(name).map_err(|source| PinError::Unreadable {
                    path: path.clone(),
                    source,
                })?
                else {
                    continue;
                };
                let found = parse_file(&path, &text)?
                    .into_iter()
                    .find(|p| p.tool == tool);
                if project_file.is_none() && project_files.contains(&name) {
                    project_file = Some(path);
                }
                if found.is_some() {
                    pin = found;
                    break;
                }
            }
        } else if project_file.is_none() {
            project_file = project_files
                .iter()
                .find(|name| dir.stamp(name).is_some())
                .map(|name| dir.path.join(name));
        }
        if pin.is_some() && (project_file.is_some() || !want_project_file) {
            break;
        }
    }
    if pin.is_none() {
        pin = from_global(layout, &[tool])?.pop();
    }
    Ok((pin, project_file))
}

/// Every tool's pin as seen from `cwd`, in `Tool::ALL` order; unpinned tools are left out.
pub fn find_all(cwd: &Path, layout: &Layout) -> Result<Vec<Pin>, PinError> {
    let mut found: Vec<Pin> = Vec::new();
    for tool in Tool::ALL {
        if let Some(pin) = from_env(tool)? {
            found.push(pin);
        }
    }
    let missing = |found: &[Pin]| -> Vec<Tool> {
        Tool::ALL
            .into_iter()
            .filter(|t| !found.iter().any(|p| p.tool == *t))
            .collect()
    };
    for dir in dir::ancestors(cwd) {
        let wanted = missing(&found);
        if wanted.is_empty() {
            break;
        }
        let mut names: Vec<&str> = PROJECT_FILES.to_vec();
        for tool in &wanted {
            names.extend(tool.own_pin_files());
        }
        // One directory's files are read together: a tool pinned in an earlier file of the
        // same directory is not overridden by a later one.
        let mut in_dir: Vec<Pin> = Vec::new();
        for name in names {
            for pin in read_pin_file(&dir, name)?.unwrap_or_default() {
                if wanted.contains(&pin.tool) && !in_dir.iter().any(|p| p.tool == pin.tool) {
                    in_dir.push(pin);
                }
            }
        }
        found.extend(in_dir);
    }
    found.extend(from_global(layout, &missing(&found))?);
    found.sort_by_key(|p| p.tool);
    Ok(found)
}

/// The files that may pin `tool` in one directory, in precedence order.
fn candidate_files(tool: Tool) -> impl Iterator<Item = &'static str> {
    PROJECT_FILES
        .iter()
        .copied()
        .chain(tool.own_pin_files().iter().copied())
}

fn from_env(tool: Tool) -> Result<Option<Pin>, PinError> {
    let var = tool.version_env_var();
    let Some(value) = std::env::var_os(var) else {
        return Ok(None);
    };
    let value = value.to_string_lossy();
    if value.trim().is_empty() {
        return Ok(None);
    }
    let specs = value
        .split_whitespace()
        .map(|s| Spec::parse(tool, s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| PinError::Env { var, source })?;
    Ok(Some(Pin {
        tool,
        specs,
        source: PinSource::Env(var),
    }))
}

fn from_global(layout: &Layout, tools: &[Tool]) -> Result<Vec<Pin>, PinError> {
    if tools.is_empty() {
        return Ok(Vec::new());
    }
    let path = layout.global_config();
    let Some(text) = read_if_exists(&path)? else {
        return Ok(Vec::new());
    };
    let pins = project_file::parse(&path, &text, project_file::Kind::Global)?.pins;
    Ok(pins
        .into_iter()
        .filter(|p| tools.contains(&p.tool))
        .map(|p| Pin {
            source: PinSource::Global(path.clone()),
            ..p
        })
        .collect())
}

/// Reads and parses the pin file `name` in `dir`; `None` when it does not exist. A file that
/// exists but cannot be read is an error.
fn read_pin_file(dir: &Dir, name: &str) -> Result<Option<Vec<Pin>>, PinError> {
    let path = dir.path.join(name);
    match dir.read(name) {
        Ok(Some(text)) => parse_file(&path, &text).map(Some),
        Ok(None) => Ok(None),
        Err(source) => Err(PinError::Unreadable { path, source }),
    }
}

/// The file's text (bytes that are not UTF-8 replaced, so the parser names the file), or
/// `None` when it does not exist; a file that exists but cannot be read is an error.
pub(crate) fn read_if_exists(path: &Path) -> Result<Option<String>, PinError> {
    match dir::read_file(path) {
        Ok(bytes) => Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned())),
        Err(source) => Err(PinError::Unreadable {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The nearest `envm.toml` (or `.envm.toml`) at or above `cwd`.
pub fn nearest_project_file(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors()
        .flat_map(|dir| ["envm.toml", ".envm.toml"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}
