//! `envm.lock`: per pinned tool and spec, the exact version and, per platform it was locked
//! on (`linux-x86_64-gnu`…), the artifact URL and SHA-256. Lives next to the project's
//! `envm.toml` (or in the current directory). `envm lock` writes it; `envm install --locked`
//! installs exactly what it records and fails for anything it lacks. A lock whose version
//! or LTS codename holds anything but version characters is refused as a whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::files::write_atomically;
use crate::project::write::PinWriteError;
use crate::tools::Tool;

pub const LOCK_FILE: &str = "envm.lock";

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LockFile {
    #[serde(default, rename = "tool")]
    pub tools: Vec<LockedTool>,
}

/// One pinned spec of one tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedTool {
    pub name: String,
    /// The spec as pinned (`22`, `3.12`).
    pub spec: String,
    pub version: String,
    /// Node: the LTS codename, for the receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lts: Option<String>,
    /// Platform key → artifact.
    #[serde(default)]
    pub platforms: BTreeMap<String, LockedArtifact>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedArtifact {
    pub url: String,
    /// Hex SHA-256 (empty for npm tarballs, which carry `integrity`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    /// npm's SRI integrity of the tarball (`sha512-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// How it was verified when locked (`pgp:<fingerprint>`, `minisign:<key id>`, `sri`,
    /// `sha256`, `unsigned`); informative: `--locked` verifies again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
}

/// `envm.lock` could not be read, written, or does not cover what is asked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("there is no lock file at {}", path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a valid envm.lock: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("cannot encode envm.lock: {0}")]
    Encode(String),
    #[error(transparent)]
    Write(#[from] PinWriteError),
    #[error("{} does not lock {tool} `{spec}` for {platform}", path.display())]
    Missing {
        path: PathBuf,
        tool: Tool,
        spec: String,
        platform: String,
    },
    #[error("nothing is pinned in a project file here, so there is nothing to lock")]
    NothingPinned,
}

impl Diagnostic for LockError {
    fn hint(&self) -> Option<String> {
        match self {
            LockError::Missing { .. } | LockError::Read { .. } | LockError::NotFound { .. } => {
                Some("run `envm lock` (on this platform) and commit envm.lock".into())
            }
            LockError::Parse { .. } => Some("regenerate it with `envm lock`".into()),
            LockError::NothingPinned => Some(format!(
                "pin a tool first, e.g. `envm use {}`",
                crate::tools::Tool::EXAMPLE.example_request()
            )),
            LockError::Write(e) => e.hint(),
            LockError::Encode(_) => None,
        }
    }
}

/// Where the lock file for `cwd` lives: beside the nearest `envm.toml`, else in `cwd`.
pub fn path_for(cwd: &Path) -> PathBuf {
    crate::project::nearest_project_file(cwd)
        .and_then(|f| f.parent().map(|d| d.join(LOCK_FILE)))
        .unwrap_or_else(|| cwd.join(LOCK_FILE))
}

impl LockFile {
    /// Reads `path`; a missing file is an empty lock.
    pub fn read(path: &Path) -> Result<LockFile, LockError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LockFile::default()),
            Err(source) => {
                return Err(LockError::Read {
                    path: path.into(),
                    source,
                });
            }
        };
        let lock: LockFile = toml::from_str(&text).map_err(|e| LockError::Parse {
            path: path.into(),
            message: e.to_string(),
        })?;
        lock.check().map_err(|message| LockError::Parse {
            path: path.into(),
            message,
        })?;
        Ok(lock)
    }

    /// Every version is a version number and every LTS codename a plain word.
    fn check(&self) -> Result<(), String> {
        for entry in &self.tools {
            if crate::version::Version::parse(&entry.version).is_err() {
                return Err(format!(
                    "{} `{}`: the version `{}` is not a version number (only 0-9, A-Z, a-z, `.`, `+` and `-`)",
                    entry.name, entry.spec, entry.version
                ));
            }
            if let Some(lts) = &entry.lts
                && !lts.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(format!(
                    "{} `{}`: the LTS name `{lts}` is not a plain word",
                    entry.name, entry.spec
                ));
            }
        }
        Ok(())
    }

    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        let body = toml::to_string_pretty(self).map_err(|e| LockError::Encode(e.to_string()))?;
        let text = format!(
            "# envm.lock: written by `envm lock`; exact versions and checksums per platform.\n\n{body}"
        );
        write_atomically(path, text.as_bytes()).map_err(PinWriteError::from)?;
        Ok(())
    }

    /// The entry for `tool` pinned as `spec`.
    pub fn find(&self, tool: Tool, spec: &str) -> Option<&LockedTool> {
        self.tools
            .iter()
            .find(|t| t.name == tool.name() && t.spec == spec)
    }

    /// Records `version` (with this platform's artifact) for `tool`/`spec`. Other platforms'
    /// artifacts are kept when the version is unchanged.
    pub fn record(
        &mut self,
        tool: Tool,
        spec: &str,
        (version, lts): (&str, Option<&str>),
        platform: &str,
        artifact: LockedArtifact,
    ) {
        let found = self
            .tools
            .iter()
            .position(|t| t.name == tool.name() && t.spec == spec);
        let index = match found {
            Some(i) => i,
            None => {
                self.tools.push(LockedTool {
                    name: tool.name().into(),
                    spec: spec.into(),
                    version: version.into(),
                    lts: None,
                    platforms: BTreeMap::new(),
                });
                self.tools.len() - 1
            }
        };
        let entry = &mut self.tools[index];
        if entry.version != version {
            entry.version = version.into();
            entry.platforms.clear();
        }
        entry.lts = lts.map(str::to_string);
        entry.platforms.insert(platform.into(), artifact);
    }
}
