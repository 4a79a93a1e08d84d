//! `ENVM_TRUSTED_CONFIG_PATHS`: colon-separated folders whose project files count as trusted
//! without `envm trust` (a CI checkout, where nobody is there to review and trust).
//!
//! Rules, written against someone who controls the project files but not the environment:
//! - an entry must be an absolute path to an existing folder; it is compared by its canonical
//!   path, component by component (`/work/a` never covers `/work/ab`);
//! - an empty entry (`a::b`, a leading or trailing `:`) and a relative entry (`.`, `src`, `~`)
//!   are ignored with a warning: they would otherwise mean "wherever envm happens to run", so a
//!   checkout could trust itself by being the working directory;
//! - `/` is honoured as written: every project file on the machine is trusted (what the
//!   variable's setter asked for, e.g. a throwaway CI container);
//! - the project file itself must be a regular file, not a symlink: a link under a trusted
//!   folder pointing elsewhere (or the reverse) is not trusted through it; its folder is
//!   canonicalized, so `trusted/../elsewhere/envm.toml` is judged by where it really is.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The variable's name.
pub const VARIABLE: &str = "ENVM_TRUSTED_CONFIG_PATHS";

/// Whether `file` lies under a folder listed in `ENVM_TRUSTED_CONFIG_PATHS`.
pub fn covers(file: &Path) -> bool {
    let folders = trusted_folders();
    if folders.is_empty() {
        return false;
    }
    match std::fs::symlink_metadata(file) {
        Ok(meta) if meta.is_file() => {}
        _ => return false,
    }
    let Some(name) = file.file_name() else {
        return false;
    };
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(parent) = parent.canonicalize() else {
        return false;
    };
    let real = parent.join(name);
    folders.iter().any(|folder| real.starts_with(folder))
}

/// The usable entries of the variable, canonical, read once per process (warnings once).
fn trusted_folders() -> &'static [PathBuf] {
    static FOLDERS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    FOLDERS.get_or_init(|| {
        let Some(value) = std::env::var_os(VARIABLE) else {
            return Vec::new();
        };
        let (folders, ignored) = parse(&value.to_string_lossy());
        for why in ignored {
            eprintln!(
                "warning: {VARIABLE}: {}",
                crate::diag::printable(&why)
            );
        }
        folders
    })
}

/// The canonical folders of `value`, and a reason for each entry that is ignored.
pub fn parse(value: &str) -> (Vec<PathBuf>, Vec<String>) {
    let mut folders = Vec::new();
    let mut ignored = Vec::new();
    let entries: Vec<&str> = value.split(':').collect();
    for entry in entries {
        if entry.is_empty() {
            if value.is_empty() {
                continue;
            }
            ignored.push("an empty entry is ignored (it does not mean the current folder)".into());
            continue;
        }
        let path = Path::new(entry);
        if !path.is_absolute() {
            ignored.push(format!(
                "`{entry}` is ignored: entries must be absolute paths"
            ));
            continue;
        }
        match path.canonicalize() {
            Ok(real) if real.is_dir() => folders.push(real),
            _ => ignored.push(format!("`{entry}` is ignored: not an existing folder")),
        }
    }
    (folders, ignored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_relative_and_missing_entries_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        let value = format!(":.:src:~:{}/nope::{}", real.display(), real.display());
        let (folders, ignored) = parse(&value);
        assert_eq!(folders, vec![real]);
        assert_eq!(ignored.len(), 6, "{ignored:?}");
        assert_eq!(parse(""), (vec![], vec![]));
    }

    #[test]
    fn root_is_honoured() {
        assert_eq!(parse("/").0, vec![PathBuf::from("/")]);
    }
}
