//! The global config's `[signatures]` table: extra trusted keys per tool and the tools whose
//! unsigned downloads the user accepts. Only the global `config.toml` is read (a project file
//! with `[signatures]` is refused by its parser), so a project can never add a key.
//!
//! ```toml
//! [signatures]
//! <tool>-keys = ["/abs/path/key.asc", "RW…"]   # key files (absolute paths) or inline minisign keys
//! allow-unsigned = ["<tool>"]                  # warned every time, recorded as `unsigned`
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::layout::Layout;
use crate::project::project_file::{self, Kind};
use crate::tools::Tool;

/// What the global config says about signatures (empty when it says nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignatureConfig {
    /// The config file, for messages.
    pub path: PathBuf,
    /// Per tool: `(source, key text)`; `source` is the key file's path or `<tool>-keys[i]`.
    extra_keys: BTreeMap<Tool, Vec<(String, String)>>,
    allow_unsigned: Vec<Tool>,
}

/// The `[signatures]` table cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SignatureConfigError {
    #[error("{}:{line}: [signatures] {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: cannot read the key file {}: {source}", config.display(), key.display())]
    KeyFile {
        config: PathBuf,
        key: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {detail}", path.display())]
    Config { path: PathBuf, detail: String },
}

impl Diagnostic for SignatureConfigError {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "[signatures] takes `<tool>-keys = [\"/abs/path/key.asc\" or \"RW…\"]` and \
             `allow-unsigned = [\"<tool>\"]`, e.g. `allow-unsigned = [\"{}\"]`",
            Tool::EXAMPLE
        ))
    }
}

impl SignatureConfig {
    /// The `[signatures]` table of the global config; none at all when the file is missing.
    pub fn load(layout: &Layout) -> Result<SignatureConfig, SignatureConfigError> {
        let path = layout.global_config();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SignatureConfig {
                    path,
                    ..SignatureConfig::default()
                });
            }
            Err(e) => {
                return Err(SignatureConfigError::Config {
                    path,
                    detail: e.to_string(),
                });
            }
        };
        let file = project_file::parse(&path, &text, Kind::Global).map_err(|e| {
            SignatureConfigError::Config {
                path: path.clone(),
                detail: e.to_string(),
            }
        })?;
        let mut config = SignatureConfig {
            path: path.clone(),
            ..SignatureConfig::default()
        };
        let Some(table) = file.signatures else {
            return Ok(config);
        };
        let invalid = |message: String| SignatureConfigError::Invalid {
            path: path.clone(),
            line: table.line,
            message,
        };
        for (name, value) in &table.value {
            let items = string_list(value)
                .ok_or_else(|| invalid(format!("`{name}` must be a list of strings")))?;
            if name == "allow-unsigned" {
                for item in items {
                    let tool = Tool::from_name(item).ok_or_else(|| {
                        invalid(format!("allow-unsigned: `{item}` is not a tool"))
                    })?;
                    config.allow_unsigned.push(tool);
                }
                continue;
            }
            let tool = name
                .strip_suffix("-keys")
                .and_then(Tool::from_name)
                .ok_or_else(|| invalid(format!("unknown key `{name}`")))?;
            let keys = config.extra_keys.entry(tool).or_default();
            for (index, item) in items.into_iter().enumerate() {
                keys.push(read_key(&path, name, index, item)?);
            }
        }
        Ok(config)
    }

    /// The extra keys trusted for `tool`, as `(source, key text)`.
    pub fn keys(&self, tool: Tool) -> Vec<(&str, &str)> {
        self.extra_keys
            .get(&tool)
            .map(|keys| keys.iter().map(|(s, k)| (s.as_str(), k.as_str())).collect())
            .unwrap_or_default()
    }

    /// How many extra keys the config adds, over all tools.
    pub fn extra_key_count(&self) -> usize {
        self.extra_keys.values().map(Vec::len).sum()
    }

    /// Whether the user accepts unsigned downloads of `tool`.
    pub fn allows_unsigned(&self, tool: Tool) -> bool {
        self.allow_unsigned.contains(&tool)
    }
}

fn string_list(value: &toml::Value) -> Option<Vec<&str>> {
    value.as_array()?.iter().map(toml::Value::as_str).collect()
}

/// One `<tool>-keys` entry: an absolute path is a key file, anything else the key itself.
fn read_key(
    config: &Path,
    name: &str,
    index: usize,
    item: &str,
) -> Result<(String, String), SignatureConfigError> {
    let item = item.trim();
    if item.starts_with('/') {
        let text =
            std::fs::read_to_string(item).map_err(|source| SignatureConfigError::KeyFile {
                config: config.to_path_buf(),
                key: PathBuf::from(item),
                source,
            })?;
        Ok((item.to_owned(), text))
    } else {
        Ok((
            format!("{}: {name}[{index}]", config.display()),
            item.to_owned(),
        ))
    }
}
