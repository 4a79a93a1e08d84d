//! The pin writer: sets `[tools] TOOL = "SPEC"` in an `envm.toml` or the global `config.toml`
//! with `toml_edit`, keeping the file's comments, key order and formatting, and replaces the
//! file atomically (temp file in the same folder, then rename) so a crash never leaves half a
//! file behind.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::files::{WriteError, write_atomically};
use crate::tools::Tool;

/// A pin file that could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum PinWriteError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not valid TOML, so envm will not rewrite it: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{}: `tools` is not a table", path.display())]
    ToolsNotATable { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Diagnostic for PinWriteError {
    fn hint(&self) -> Option<String> {
        match self {
            PinWriteError::Parse { .. } | PinWriteError::ToolsNotATable { .. } => {
                Some("fix the file by hand, then run the command again".into())
            }
            _ => None,
        }
    }
}

/// What a write changed: the previous value of the pin, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinChange {
    pub file: PathBuf,
    pub previous: Option<String>,
    pub created_file: bool,
}

/// Sets `tool`'s pin in `file` to `spec`, creating the file (and its folder) when missing.
pub fn write_pin(file: &Path, tool: Tool, spec: &str) -> Result<PinChange, PinWriteError> {
    let (text, created_file) = match std::fs::read_to_string(file) {
        Ok(text) => (text, false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), true),
        Err(source) => {
            return Err(PinWriteError::Read {
                path: file.to_path_buf(),
                source,
            });
        }
    };
    let mut doc: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| PinWriteError::Parse {
                path: file.to_path_buf(),
                message: e.message().to_string(),
            })?;
    let tools = doc
        .entry("tools")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| PinWriteError::ToolsNotATable {
            path: file.to_path_buf(),
        })?;
    // asdf habits: a `nodejs` key in envm.toml is the node pin.
    let key = [tool.name(), "nodejs", "golang"]
        .into_iter()
        .find(|k| tools.contains_key(k) && Tool::from_name(k) == Some(tool))
        .unwrap_or(tool.name())
        .to_string();
    let previous = tools.get(&key).and_then(|item| {
        item.as_str().map(str::to_string).or_else(|| {
            item.as_array().map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })
    });
    match tools.get_mut(&key) {
        // Keep the existing key's decoration (comments after the value stay).
        Some(item) if item.is_value() => {
            let decor = item.as_value().map(|v| v.decor().clone());
            let mut value = toml_edit::Value::from(spec);
            if let Some(decor) = decor {
                *value.decor_mut() = decor;
            }
            *item = toml_edit::Item::Value(value);
        }
        _ => {
            tools.insert(&key, toml_edit::value(spec));
        }
    }
    write_atomically(file, doc.to_string().as_bytes())?;
    Ok(PinChange {
        file: file.to_path_buf(),
        previous,
        created_file,
    })
}

impl From<WriteError> for PinWriteError {
    fn from(e: WriteError) -> PinWriteError {
        PinWriteError::Write {
            path: e.path,
            source: e.source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_comments_order_and_formatting() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("envm.toml");
        let original = "# my project\n[tools]\n# the web bit\nnode   = \"20\"  # keep me\ngo = \"1.22\"\n\n[env]\nA = \"b\" # trailing\n";
        std::fs::write(&file, original).unwrap();
        let change = write_pin(&file, Tool::Node, "22").unwrap();
        assert_eq!(change.previous.as_deref(), Some("20"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text,
            "# my project\n[tools]\n# the web bit\nnode   = \"22\"  # keep me\ngo = \"1.22\"\n\n[env]\nA = \"b\" # trailing\n"
        );
        write_pin(&file, Tool::Python, "3.12").unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("go = \"1.22\"\npython = \"3.12\"\n"),
            "{text}"
        );
        // Nothing but the file itself is left in the folder.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn creates_missing_file_and_refuses_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/envm.toml");
        let change = write_pin(&file, Tool::Zig, "0.14").unwrap();
        assert!(change.created_file);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "[tools]\nzig = \"0.14\"\n"
        );
        let broken = dir.path().join("broken.toml");
        std::fs::write(&broken, "[tools\nnode=").unwrap();
        assert!(matches!(
            write_pin(&broken, Tool::Node, "22"),
            Err(PinWriteError::Parse { .. })
        ));
        assert_eq!(std::fs::read_to_string(&broken).unwrap(), "[tools\nnode=");
    }
}
