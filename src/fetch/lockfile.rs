//! `envm.lock`: per pinned tool and spec, the exact version and, per platform (`linux-x64`,
//! `macos-arm64`…), the upstream file name and its digest (SHA-256, or npm's SRI integrity)
//! and where that digest was read. No URLs: `envm install --locked` finds the file by name on
//! the upstream or mirror configured when it runs, so a lock never chooses where bytes come
//! from. Lives next to the project's `envm.toml` (or in the current directory); written sorted
//! so diffs stay small. A lock whose version, LTS codename or file name holds anything but
//! plain characters is refused as a whole.

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

/// One platform's file of a locked version. Signature checks may add a `verified` key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedArtifact {
    /// The upstream file name, looked up on the mirror configured at install time.
    pub file: String,
    /// Hex SHA-256 (empty for npm tarballs, which carry `integrity`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    /// npm's SRI integrity of the tarball (`sha512-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// Where the digest was read: `index`, `SHASUMS256.txt`, `registry`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest_from: String,
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
        /// `envm lock --platform …` adding this platform to those already locked.
        command: String,
    },
    #[error(
        "{tool} is pinned as `{spec}` but {} locks {tool} {}: the pin changed after locking",
        path.display(),
        locked.join(", ")
    )]
    PinChanged {
        path: PathBuf,
        tool: Tool,
        spec: String,
        /// The specs the lock records for the tool, quoted.
        locked: Vec<String>,
    },
    #[error("{} does not lock {tool} `{spec}`", path.display())]
    Unlocked {
        path: PathBuf,
        tool: Tool,
        spec: String,
    },
    #[error("`{0}` is not a platform envm locks (one of: {platforms})", platforms = crate::host::LOCK_PLATFORMS.join(", "))]
    UnknownPlatform(String),
    #[error("nothing is pinned in a project file here, so there is nothing to lock")]
    NothingPinned,
}

impl Diagnostic for LockError {
    fn hint(&self) -> Option<String> {
        match self {
            LockError::Missing { command, .. } => {
                Some(format!("run `{command}` and commit envm.lock"))
            }
            LockError::PinChanged { .. } | LockError::Unlocked { .. } => {
                Some("run `envm lock` to lock the pins as they are now (or restore the pin)".into())
            }
            LockError::UnknownPlatform(_) => None,
            LockError::Read { .. } | LockError::NotFound { .. } => {
                Some("run `envm lock` and commit envm.lock".into())
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
        Ok(LockFile::read_existing(path)?.unwrap_or_default())
    }

    /// Reads `path`; `None` when there is no such file.
    pub fn read_existing(path: &Path) -> Result<Option<LockFile>, LockError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
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
        Ok(Some(lock))
    }

    /// Every version is a version number, every LTS codename a plain word and every file a
    /// plain file name (it becomes part of a URL and of a path in the download cache).
    fn check(&self) -> Result<(), String> {
        for entry in &self.tools {
            for (platform, artifact) in &entry.platforms {
                if !is_plain_file_name(&artifact.file) {
                    return Err(format!(
                        "{} `{}` ({platform}): `{}` is not a plain file name",
                        entry.name, entry.spec, artifact.file
                    ));
                }
            }
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

    /// Writes the file sorted by tool and spec (platforms are sorted by name), so the same
    /// lock is always the same text.
    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        let mut sorted = self.clone();
        sorted
            .tools
            .sort_by(|a, b| (&a.name, &a.spec).cmp(&(&b.name, &b.spec)));
        let body = toml::to_string_pretty(&sorted).map_err(|e| LockError::Encode(e.to_string()))?;
        let text = format!(
            "# envm.lock: written by `envm lock`; exact versions, upstream file names and digests per platform.\n\n{body}"
        );
        if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
            return Ok(());
        }
        write_atomically(path, text.as_bytes()).map_err(PinWriteError::from)?;
        Ok(())
    }

    /// The entry for `tool` pinned as `spec`.
    pub fn find(&self, tool: Tool, spec: &str) -> Option<&LockedTool> {
        self.tools
            .iter()
            .find(|t| t.name == tool.name() && t.spec == spec)
    }

    /// Replaces (or adds) the entry for its tool and spec.
    pub fn put(&mut self, entry: LockedTool) {
        self.tools
            .retain(|t| !(t.name == entry.name && t.spec == entry.spec));
        self.tools.push(entry);
    }

    /// Every platform some entry records, sorted.
    pub fn platforms(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .tools
            .iter()
            .flat_map(|t| t.platforms.keys().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Why `tool`/`spec` has no entry: the tool is locked under other specs (its pin was
    /// edited after locking), or not at all.
    pub fn not_locked(&self, path: &Path, tool: Tool, spec: &str) -> LockError {
        let locked: Vec<String> = self
            .tools
            .iter()
            .filter(|t| t.name == tool.name())
            .map(|t| format!("`{}`", t.spec))
            .collect();
        if locked.is_empty() {
            LockError::Unlocked {
                path: path.into(),
                tool,
                spec: spec.into(),
            }
        } else {
            LockError::PinChanged {
                path: path.into(),
                tool,
                spec: spec.into(),
                locked,
            }
        }
    }
}

/// The command that adds `platform` to the platforms `lock` already records.
pub fn add_platform_command(lock: &LockFile, platform: &str) -> String {
    let mut platforms = lock.platforms();
    platforms.push(platform.to_string());
    platforms.sort();
    platforms.dedup();
    let flags: Vec<String> = platforms
        .iter()
        .map(|p| format!("--platform {p}"))
        .collect();
    format!("envm lock {}", flags.join(" "))
}

/// Letters, digits, `.`, `_`, `+` and `-`, not starting with a dot.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_must_be_plain() {
        assert!(is_plain_file_name(
            "cpython-3.12.8+20241206-x86_64-unknown-linux-gnu.tar.gz"
        ));
        for bad in ["", "../x.tar.gz", "a/b", ".hidden", "x?y", "x%2Fy"] {
            assert!(!is_plain_file_name(bad), "{bad}");
        }
    }
}
