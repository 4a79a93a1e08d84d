//! What is installed: the version folders under `installs/TOOL/` and the receipt each
//! completed install carries. Staging folders and lock files (names starting with `.`) are
//! never listed, so a half-done install is invisible here; nor are folders whose name is not
//! a version in envm's own spelling (`v22.0.0`): envm did not make them, so it neither uses
//! nor removes them ([`foreign_entries`] names them).

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
    /// Hex SHA-256 of the archive (empty for npm tarballs, which carry `integrity`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    /// npm's SRI integrity of the tarball (`sha512-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// How the download was verified: `pgp:<fingerprint>`, `minisign:<key id>`, `sri`,
    /// `sha256` or `unsigned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
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

    /// The receipt of the install at `install_dir`, if it has a readable one whose version
    /// and LTS codename use only version characters.
    pub fn read(install_dir: &Path) -> Option<Receipt> {
        let text = std::fs::read(Self::path(install_dir)).ok()?;
        let mut receipt: Receipt = serde_json::from_slice(&text).ok()?;
        receipt.bins.retain(|name| is_plain_name(name));
        let lts_ok = receipt
            .lts
            .as_deref()
            .is_none_or(|l| l.bytes().all(|b| b.is_ascii_alphanumeric()));
        (Version::is_safe_text(&receipt.version) && lts_ok).then_some(receipt)
    }
}

/// Whether `name` can name a shim: one path component, no control characters.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.chars().any(char::is_control)
}

/// Installed versions of `tool`, oldest first.
pub fn versions(layout: &Layout, tool: Tool) -> Vec<Version> {
    let mut versions: Vec<Version> = visible_entries(layout, tool)
        .filter_map(|e| Version::parse_canonical(e.file_name().to_str()?))
        .collect();
    versions.sort();
    versions
}

/// The entries of `installs/TOOL/` but envm's hidden working files (`.staging-…`, `.old-…`).
fn visible_entries(layout: &Layout, tool: Tool) -> impl Iterator<Item = std::fs::DirEntry> {
    std::fs::read_dir(layout.tool_installs(tool))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().as_encoded_bytes().starts_with(b"."))
}

/// Entries of `installs/TOOL/` that are neither envm's version folders nor its hidden
/// working files (e.g. `v22.0.0`, made by hand or by another tool).
pub fn foreign_entries(layout: &Layout, tool: Tool) -> Vec<PathBuf> {
    let mut foreign: Vec<PathBuf> = visible_entries(layout, tool)
        .filter(|e| Version::parse_canonical(&e.file_name().to_string_lossy()).is_none())
        .map(|e| e.path())
        .collect();
    foreign.sort();
    foreign
}

/// The LTS codename recorded for an installed node version.
pub fn lts_line(layout: &Layout, tool: Tool, version: &Version) -> Option<String> {
    Receipt::read(&layout.install_dir(tool, version))?.lts
}
