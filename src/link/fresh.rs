//! Keeping the shims current without `envm reshim`: package managers (`npm i -g`,
//! `pip install`, `corepack enable`, `go install` with `GOBIN` in the toolchain) add
//! executables to a toolchain's bin folder, which changes that folder's modification stamp.
//! The index records every install's bin-folder stamp; [`refresh_if_stale`] compares them
//! (one `stat` per install) and reshims when one moved. The shim calls it after running a
//! package manager ([`watches_for_new_executables`]), and `envm hook-env` before each prompt,
//! so the hot path of every other shim stays a single read of the index.

use std::path::Path;

use super::{INDEX_FILE, LinkError, folder_stamp, installs_stamp};
use crate::layout::Layout;
use crate::resolve::installed;
use crate::tools::Tool;

/// Executables that install other executables into their own toolchain: a shim runs them as a
/// child and refreshes the shims when they return.
pub fn watches_for_new_executables(name: &std::ffi::OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    matches!(name, "npm" | "corepack" | "go")
        || name
            .strip_prefix("pip")
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `(tool, version, stamp)` of every installed toolchain's bin folder.
pub(super) fn bin_dir_stamps(layout: &Layout) -> Vec<(Tool, String, String)> {
    let mut stamps = Vec::new();
    for tool in Tool::ALL {
        for version in installed::versions(layout, tool) {
            let dir = tool.bin_dir(&layout.install_dir(tool, &version));
            stamps.push((tool, version.to_string(), folder_stamp(&dir)));
        }
    }
    stamps
}

/// Whether the index at `shims` misses a change: a tool's installs folder or an install's bin
/// folder whose stamp is not the one recorded (an index written before stamps were recorded
/// counts as stale once, then gets them).
pub fn is_stale(layout: &Layout, index_text: &str) -> bool {
    let mut saw_bin_stamps = false;
    for line in index_text.lines() {
        if let Some(rest) = line.strip_prefix('@') {
            let mut fields = rest.split('\t');
            let (Some(tool), Some(stamp)) = (fields.next(), fields.next()) else {
                return true;
            };
            let Some(tool) = Tool::from_name(tool) else {
                return true;
            };
            if installs_stamp(layout, tool) != stamp {
                return true;
            }
        } else if let Some(rest) = line.strip_prefix('!') {
            saw_bin_stamps = true;
            let mut fields = rest.split('\t');
            let (Some(tool), Some(version), Some(stamp)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return true;
            };
            let Some(tool) = Tool::from_name(tool) else {
                return true;
            };
            let dir = layout.tool_installs(tool).join(version);
            if folder_stamp(&tool.bin_dir(&dir)) != stamp {
                return true;
            }
        }
    }
    // Installs exist but no bin stamps were recorded: an older index.
    !saw_bin_stamps && Tool::ALL.iter().any(|t| layout.tool_installs(*t).is_dir())
}

/// Reshims when the index is stale (see [`is_stale`]); returns whether it did.
pub fn refresh_if_stale(layout: &Layout) -> Result<bool, LinkError> {
    let index = layout.shims_dir().join(INDEX_FILE);
    let text = std::fs::read_to_string(&index).unwrap_or_default();
    if text.is_empty() && !Path::new(&layout.installs_root()).is_dir() {
        return Ok(false);
    }
    if !is_stale(layout, &text) {
        return Ok(false);
    }
    super::reshim(layout)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_managers_are_watched() {
        for name in ["npm", "pip", "pip3", "pip3.12", "corepack", "go"] {
            assert!(watches_for_new_executables(name.as_ref()), "{name}");
        }
        for name in ["node", "python3", "npx", "pipx", "gofmt", "pipe"] {
            assert!(!watches_for_new_executables(name.as_ref()), "{name}");
        }
    }
}
