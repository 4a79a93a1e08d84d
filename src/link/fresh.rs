//! Keeping the shims current without `envm reshim`: package managers (`npm i -g`,
//! `pip install`, `corepack enable`, `go install` with `GOBIN` in the toolchain) add
//! executables to a toolchain's bin folder, which changes that folder's modification stamp.
//! The index records every install's bin-folder stamp; [`refresh_if_stale`] compares them
//! (one `stat` per install) and reshims when one moved. The shim calls it after running a
//! package manager ([`watches_for_new_executables`]), and `envm hook-env` before each prompt,
//! so the hot path of every other shim stays a single read of the index.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use super::{INDEX_FILE, LinkError, folder_stamp, installs_stamp};
use crate::layout::Layout;
use crate::resolve::installed;
use crate::tools::Tool;

/// Whether running `name` (a program of `tool`) with `args` may install executables into its
/// own toolchain (see [`crate::tools::ToolDef::adds_executables`]). A shim runs these as a
/// child and refreshes the shims when they return.
pub fn watches_for_new_executables(tool: Tool, name: &OsStr, args: &[OsString]) -> bool {
    name.to_str()
        .is_some_and(|name| (tool.def().adds_executables)(name, args))
}

/// `(tool, version, stamp)` of every installed toolchain's bin folder.
pub(super) fn bin_dir_stamps(layout: &Layout) -> Vec<(Tool, String, String)> {
    let mut stamps = Vec::new();
    for &tool in Tool::ALL {
        for version in installed::versions(layout, tool) {
            let dir = tool.bin_dir(&layout.install_dir(tool, &version));
            stamps.push((tool, version.to_string(), folder_stamp(&dir)));
        }
    }
    stamps
}

/// The index line saying bin-folder stamps follow (an index without it predates them).
pub(super) const STAMPS_MARKER: &str = "!stamps";

/// Whether the index misses a change: a tool's installs folder or an install's bin folder
/// whose stamp is not the one recorded (an index written before stamps were recorded counts
/// as stale once, then gets them).
pub fn is_stale(layout: &Layout, index_text: &str) -> bool {
    if !index_text.lines().any(|line| line == STAMPS_MARKER) {
        return true;
    }
    for line in index_text.lines() {
        if line == STAMPS_MARKER {
            continue;
        }
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
    false
}

/// Reshims when the index is stale (see [`is_stale`]); returns whether it did.
pub fn refresh_if_stale(layout: &Layout) -> Result<bool, LinkError> {
    let index = layout.shims_dir().join(INDEX_FILE);
    let text = std::fs::read_to_string(&index).unwrap_or_default();
    // Nothing installed and no shims yet: nothing to refresh.
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
        let none: [OsString; 0] = [];
        let watched = |name: &str, args: &[OsString]| {
            Tool::ALL
                .iter()
                .any(|&tool| watches_for_new_executables(tool, name.as_ref(), args))
        };
        for name in ["npm", "pip", "pip3", "pip3.12", "corepack"] {
            assert!(watched(name, &none), "{name}");
        }
        for name in ["node", "python3", "npx", "pipx", "gofmt", "pipe", "go"] {
            assert!(!watched(name, &none), "{name}");
        }
        assert!(watched("go", &[OsString::from("install")]));
    }
}
