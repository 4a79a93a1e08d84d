//! Which tool a shim stands for when several toolchains export its name (a `cowsay` from
//! `npm i -g` and one from `pip install`): the one pinned where the shim runs.

use std::ffi::OsStr;
use std::path::Path;

use super::{ShimIndex, is_executable_file};
use crate::layout::Layout;
use crate::project;
use crate::resolve::{self, Resolution};
use crate::tools::Tool;

/// The tool whose toolchain runs `name` in `cwd`: the only one exporting it, else the first
/// (in `Tool::ALL` order) that is pinned here and whose pinned toolchain has `name`, else the
/// first exporter (which then runs what the name would run without envm, or explains).
pub fn tool_here(layout: &Layout, index: &ShimIndex, cwd: &Path, name: &OsStr) -> Option<Tool> {
    let mut tools = index.tools_for(name);
    // A shim the index does not list (it was linked by a newer reshim, or a toolchain changed
    // since): bring the index up to date once and look again.
    if tools.is_empty() && matches!(super::refresh_if_stale(layout), Ok(true)) {
        tools = ShimIndex::read(layout).tools_for(name);
    }
    if tools.len() < 2 {
        return tools.first().copied();
    }
    let pinned_with_name = |tool: Tool| {
        let Ok(Some(pin)) = project::find(tool, cwd, layout) else {
            return false;
        };
        let installed = index.versions(layout, tool);
        match resolve::resolve_among(layout, &pin, &installed) {
            Resolution::Installed { dir, .. } | Resolution::Path { dir, .. } => {
                is_executable_file(&tool.bin_dir(&dir).join(name))
            }
            _ => false,
        }
    };
    tools
        .iter()
        .copied()
        .find(|tool| pinned_with_name(*tool))
        .or(tools.first().copied())
}
