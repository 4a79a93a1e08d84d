//! The built-in tools envm manages, and the per-tool facts every stage needs: names, aliases,
//! the environment variable that overrides a pin, the tool's own pin files, and where its
//! executables live inside an install.

use std::fmt;
use std::path::{Path, PathBuf};

/// A toolchain envm knows how to pin, install and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tool {
    Python,
    Node,
    Go,
    Zig,
}

impl Tool {
    /// Every built-in tool, in the order envm lists them.
    pub const ALL: [Tool; 4] = [Tool::Python, Tool::Node, Tool::Go, Tool::Zig];

    /// The canonical name used in specs (`node@22`), pin files and the data layout.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Python => "python",
            Tool::Node => "node",
            Tool::Go => "go",
            Tool::Zig => "zig",
        }
    }

    /// Parses a tool name, accepting the aliases other managers write (`nodejs` in asdf's
    /// `.tool-versions`, `golang`). Case-insensitive.
    pub fn from_name(name: &str) -> Option<Tool> {
        match name.to_ascii_lowercase().as_str() {
            "python" | "python3" | "cpython" => Some(Tool::Python),
            "node" | "nodejs" => Some(Tool::Node),
            "go" | "golang" => Some(Tool::Go),
            "zig" => Some(Tool::Zig),
            _ => None,
        }
    }

    /// `ENVM_<TOOL>_VERSION`: the per-shell override of this tool's pin.
    pub fn version_env_var(self) -> &'static str {
        match self {
            Tool::Python => "ENVM_PYTHON_VERSION",
            Tool::Node => "ENVM_NODE_VERSION",
            Tool::Go => "ENVM_GO_VERSION",
            Tool::Zig => "ENVM_ZIG_VERSION",
        }
    }

    /// The tool's own pin files, read after `envm.toml` and `.tool-versions` in each directory.
    pub fn own_pin_files(self) -> &'static [&'static str] {
        match self {
            Tool::Python => &[".python-version"],
            Tool::Node => &[".nvmrc", ".node-version"],
            Tool::Go => &[".go-version"],
            Tool::Zig => &[],
        }
    }

    /// The folder holding the tool's executables inside an install (the archive's top folder
    /// already stripped). Zig ships its `zig` binary at the top level.
    pub fn bin_dir(self, install_dir: &Path) -> PathBuf {
        match self {
            Tool::Zig => install_dir.to_path_buf(),
            _ => install_dir.join("bin"),
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases() {
        for tool in Tool::ALL {
            assert_eq!(Tool::from_name(tool.name()), Some(tool));
        }
        assert_eq!(Tool::from_name("nodejs"), Some(Tool::Node));
        assert_eq!(Tool::from_name("NodeJS"), Some(Tool::Node));
        assert_eq!(Tool::from_name("golang"), Some(Tool::Go));
        assert_eq!(Tool::from_name("ruby"), None);
    }
}
