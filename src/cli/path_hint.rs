//! The one-line hint `envm use` and `envm install` print (on stderr, like uv's PATH warning)
//! when nothing would make the installed tools resolve: the shims folder is not on PATH and no
//! shell activation is loaded in the calling shell. Not printed for installs a shim starts
//! (the shim is evidently reachable) — see [`exec::NO_PATH_HINT_VAR`].

use std::path::Path;

use crate::layout::Layout;
use crate::run::activate::STATE_VAR;
use crate::run::exec;
use crate::tools::Tool;

/// Prints the hint for `tools` when neither the shims folder is on PATH nor activation loaded.
pub fn print_if_unreachable(layout: &Layout, tools: &[Tool]) {
    let Some(first) = tools.first() else {
        return;
    };
    if std::env::var_os(exec::NO_PATH_HINT_VAR).is_some() || std::env::var_os(STATE_VAR).is_some() {
        return;
    }
    let shims = layout.shims_dir();
    let path = std::env::var_os("PATH").unwrap_or_default();
    if exec::split_path(&path).any(|dir| same_dir(Path::new(dir), &shims)) {
        return;
    }
    let shell = std::env::var_os("SHELL")
        .and_then(|s| {
            Path::new(&s)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let (activate, rc) = match shell.as_str() {
        "zsh" => ("eval \"$(envm activate zsh)\"", "~/.zshrc"),
        "fish" => ("envm activate fish | source", "~/.config/fish/config.fish"),
        _ => ("eval \"$(envm activate bash)\"", "~/.bashrc"),
    };
    eprintln!(
        "hint: `{first}` will not resolve to envm's version in this shell: add `{activate}` to {rc}, or put {} on PATH",
        shims.display()
    );
}

/// Whether two paths name the same folder (as written, or once resolved).
fn same_dir(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}
