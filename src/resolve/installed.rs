//! What is installed: the version folders under `installs/TOOL/` and the receipt each
//! completed install carries. Staging folders and lock files (names starting with `.`) are
//! never listed, so a half-done install is invisible here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::layout::{Layout, RECEIPT_FILE};
use crate::tools::Tool;
use crate::version::Version;

/// `installs/TOOL/VERSION/.envm-receipt.json`: what was installed, from where, and what it
/// exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub tool: String,
    pub version: String,
    pub url: String,
    pub sha256: String,
    /// RFC 3339, UTC.
    pub installed_at: String,
    /// Executable names in the toolchain's bin folder.
    #[serde(default)]
    pub bins: Vec<String>,
    /// Node only: the LTS codename of this release (lowercase), when it is an LTS release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lts: Option<String>,
}

impl Receipt {
    pub fn path(install_dir: &Path) -> PathBuf {
        install_dir.join(RECEIPT_FILE)
    }

    /// The receipt of the install at `install_dir`, if it has a readable one.
    pub fn read(install_dir: &Path) -> Option<Receipt> {
        let text = std::fs::read(Self::path(install_dir)).ok()?;
        serde_json::from_slice(&text).ok()
    }
}

/// Installed versions of `tool`, oldest first.
pub fn versions(layout: &Layout, tool: Tool) -> Vec<Version> {
    let Ok(entries) = std::fs::read_dir(layout.tool_installs(tool)) else {
        return Vec::new();
    };
    let mut versions: Vec<Version> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            if name.starts_with('.') {
                return None;
            }
            Version::parse(name).ok()
        })
        .collect();
    versions.sort();
    versions
}

/// The LTS codename recorded for an installed node version.
pub fn lts_line(layout: &Layout, tool: Tool, version: &Version) -> Option<String> {
    Receipt::read(&layout.install_dir(tool, version))?.lts
}
