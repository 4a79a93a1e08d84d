//! Every path envm reads or writes under its data, cache and config dirs.
//!
//! `ENVM_HOME` puts all three under one root (`$ENVM_HOME/{data,cache,config}`); otherwise the
//! platform dirs from the `directories` crate (`~/.local/share/envm`, `~/.cache/envm`,
//! `~/.config/envm` on Linux). Nothing here touches the filesystem.

use std::path::{Path, PathBuf};

use crate::tools::Tool;
use crate::version::Version;

/// Name of the receipt written into each completed install.
pub const RECEIPT_FILE: &str = ".envm-receipt.json";

/// The three roots envm owns.
#[derive(Debug, Clone)]
pub struct Layout {
    pub data: PathBuf,
    pub cache: PathBuf,
    pub config: PathBuf,
}

/// No home directory could be found to place envm's folders in.
#[derive(Debug, thiserror::Error)]
#[error("cannot find a home directory for envm's data")]
pub struct NoHomeError;

impl crate::diag::Diagnostic for NoHomeError {
    fn hint(&self) -> Option<String> {
        Some("set ENVM_HOME to a folder envm may use".into())
    }
}

impl Layout {
    /// The layout for this process: `ENVM_HOME` if set, else the platform dirs.
    pub fn from_env() -> Result<Layout, NoHomeError> {
        match std::env::var_os("ENVM_HOME") {
            Some(root) if !root.is_empty() => Ok(Layout::under(Path::new(&root))),
            _ => {
                let dirs = directories::ProjectDirs::from("", "", "envm").ok_or(NoHomeError)?;
                Ok(Layout {
                    data: dirs.data_dir().to_path_buf(),
                    cache: dirs.cache_dir().to_path_buf(),
                    config: dirs.config_dir().to_path_buf(),
                })
            }
        }
    }

    /// All three dirs under one root.
    pub fn under(root: &Path) -> Layout {
        Layout {
            data: root.join("data"),
            cache: root.join("cache"),
            config: root.join("config"),
        }
    }

    /// `data/installs/`: one folder per tool.
    pub fn installs_root(&self) -> PathBuf {
        self.data.join("installs")
    }

    /// `data/installs/TOOL/`: one folder per installed version.
    pub fn tool_installs(&self, tool: Tool) -> PathBuf {
        self.installs_root().join(tool.name())
    }

    /// `data/installs/TOOL/VERSION/`: one complete toolchain.
    pub fn install_dir(&self, tool: Tool, version: &Version) -> PathBuf {
        self.tool_installs(tool).join(version.to_string())
    }

    /// `data/shims/`: one shim per binary name; users put it on PATH.
    pub fn shims_dir(&self) -> PathBuf {
        self.data.join("shims")
    }

    /// `cache/downloads/`: verified archives, keyed by digest.
    pub fn downloads_dir(&self) -> PathBuf {
        self.cache.join("downloads")
    }

    /// `cache/index/`: remote version lists, with a TTL.
    pub fn index_cache_dir(&self) -> PathBuf {
        self.cache.join("index")
    }

    /// `config/config.toml`: the global pins and settings.
    pub fn global_config(&self) -> PathBuf {
        self.config.join("config.toml")
    }
}
