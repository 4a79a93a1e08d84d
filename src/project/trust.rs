//! Which project files the user trusted to widen the sandbox, set `[env]`, pick a `path:`
//! toolchain or a foreign virtualenv: a JSON map `config/trusted.json` of path → SHA-256 of
//! the file's bytes. The path is the file as written (its folder canonical, the file itself
//! never a symlink: a repository shipping `envm.toml -> ../trusted/envm.toml` gets nothing),
//! read with `O_NOFOLLOW`. A file is trusted only while its content still hashes to the
//! recorded digest, so any edit revokes trust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::digest::sha256_hex;
use crate::files::write_atomically;
use crate::layout::Layout;

/// The trust store or a file to trust that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("trust store {}: {message}", .path.display())]
    Store { path: PathBuf, message: String },
    #[error("{} is not a project file envm can trust (no such file)", .path.display())]
    NoSuchFile { path: PathBuf },
    #[error("cannot trust {}: {why}", .file.display())]
    NotTrustable { file: PathBuf, why: &'static str },
}

impl Diagnostic for TrustError {
    fn hint(&self) -> Option<String> {
        match self {
            TrustError::NoSuchFile { .. } => Some(
                "run `envm trust` inside the project, or give the path of its envm.toml".into(),
            ),
            _ => None,
        }
    }
}

/// `config/trusted.json`.
pub fn store_path(layout: &Layout) -> PathBuf {
    layout.config.join("trusted.json")
}

type Store = BTreeMap<PathBuf, String>;

fn load(layout: &Layout) -> Result<Store, TrustError> {
    let path = store_path(layout);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Store::new()),
        Err(e) => return Err(TrustError::Read { path, source: e }),
    };
    serde_json::from_str(&text).map_err(|e| TrustError::Store {
        path,
        message: format!("not a trust store ({e}); delete it to start over"),
    })
}

fn save(layout: &Layout, store: &Store) -> Result<(), TrustError> {
    let path = store_path(layout);
    let text = serde_json::to_string_pretty(store).map_err(|e| TrustError::Store {
        path: path.clone(),
        message: e.to_string(),
    })?;
    write_atomically(&path, text.as_bytes()).map_err(|e| TrustError::Store {
        path,
        message: e.to_string(),
    })
}

/// The key trust is recorded under: the canonical folder holding `file` plus its own name.
/// The file itself is never followed: a symlinked project file is a different file from the
/// one it points to, and is not trusted through it.
fn key(file: &Path) -> Result<PathBuf, TrustError> {
    let no_such = || TrustError::NoSuchFile {
        path: file.to_path_buf(),
    };
    let name = file.file_name().ok_or_else(no_such)?;
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = parent.canonicalize().map_err(|_| no_such())?;
    Ok(parent.join(name))
}

/// The bytes of `file`, opened without following a symlink at its own name (`O_NOFOLLOW`):
/// a symlink, or anything but a regular file, is an error.
pub fn read_no_follow(file: &Path) -> Result<Vec<u8>, TrustError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let not_trustable = |why: &'static str| TrustError::NotTrustable {
        file: file.to_path_buf(),
        why,
    };
    let mut opened = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(file)
    {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(not_trustable(
                "it is a symbolic link; trust is recorded for a file at its own path, never through a link",
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(TrustError::NoSuchFile {
                path: file.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(TrustError::Read {
                path: file.to_path_buf(),
                source,
            });
        }
    };
    let meta = opened.metadata().map_err(|source| TrustError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Err(not_trustable("it is not a regular file"));
    }
    let mut bytes = Vec::new();
    opened
        .read_to_end(&mut bytes)
        .map_err(|source| TrustError::Read {
            path: file.to_path_buf(),
            source,
        })?;
    Ok(bytes)
}

/// Whether `file`'s current content is the one the user trusted. A symlink is never trusted.
pub fn is_trusted(layout: &Layout, file: &Path) -> Result<bool, TrustError> {
    if crate::project::trusted_paths::covers(file) {
        return Ok(true);
    }
    let store = load(layout)?;
    if store.is_empty() || is_symlink(file) {
        return Ok(false);
    }
    let bytes = read_no_follow(file)?;
    Ok(store.get(&key(file)?) == Some(&sha256_hex(&bytes)))
}

/// Whether `content` (what the caller read from `file` and acts on) is what the user trusted
/// at `file`'s own path. A symlink is never trusted.
pub fn is_trusted_content(
    layout: &Layout,
    file: &Path,
    content: &[u8],
) -> Result<bool, TrustError> {
    if crate::project::trusted_paths::covers(file) {
        return Ok(true);
    }
    let store = load(layout)?;
    if store.is_empty() || is_symlink(file) {
        return Ok(false);
    }
    Ok(store.get(&key(file)?) == Some(&sha256_hex(content)))
}

fn is_symlink(file: &Path) -> bool {
    std::fs::symlink_metadata(file).is_ok_and(|m| !m.is_file())
}

/// Records `content` (read with [`read_no_follow`], and shown to the user) as trusted at
/// `file`; returns the key and digest.
pub fn trust_content(
    layout: &Layout,
    file: &Path,
    content: &[u8],
) -> Result<(PathBuf, String), TrustError> {
    let (path, digest) = (key(file)?, sha256_hex(content));
    let mut store = load(layout)?;
    store.insert(path.clone(), digest.clone());
    save(layout, &store)?;
    Ok((path, digest))
}

/// Records `file` (its key and current digest) as trusted; returns both.
pub fn trust(layout: &Layout, file: &Path) -> Result<(PathBuf, String), TrustError> {
    let bytes = read_no_follow(file)?;
    trust_content(layout, file, &bytes)
}

/// Forgets `file`; returns whether it was trusted before.
pub fn revoke(layout: &Layout, file: &Path) -> Result<bool, TrustError> {
    let path = key(file).unwrap_or_else(|_| file.to_path_buf());
    let mut store = load(layout)?;
    let was = store.remove(&path).is_some();
    if was {
        save(layout, &store)?;
    }
    Ok(was)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_revokes_trust() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::under(&dir.path().join("envm"));
        let file = dir.path().join("envm.toml");
        std::fs::write(&file, "[sandbox]\nallow_net = true\n").unwrap();
        assert!(!is_trusted(&layout, &file).unwrap());
        trust(&layout, &file).unwrap();
        assert!(is_trusted(&layout, &file).unwrap());
        std::fs::write(&file, "[sandbox]\nallow_net = true\n# x\n").unwrap();
        assert!(!is_trusted(&layout, &file).unwrap());
        trust(&layout, &file).unwrap();
        assert!(revoke(&layout, &file).unwrap());
        assert!(!is_trusted(&layout, &file).unwrap());
    }

    #[test]
    fn symlink_is_not_trusted_through_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::under(&dir.path().join("envm"));
        let trusted = dir.path().join("trusted");
        let evil = dir.path().join("evil");
        std::fs::create_dir_all(&trusted).unwrap();
        std::fs::create_dir_all(&evil).unwrap();
        std::fs::write(trusted.join("envm.toml"), "[sandbox]\nallow_net = true\n").unwrap();
        trust(&layout, &trusted.join("envm.toml")).unwrap();
        let link = evil.join("envm.toml");
        std::os::unix::fs::symlink("../trusted/envm.toml", &link).unwrap();
        assert!(!is_trusted(&layout, &link).unwrap());
        assert!(!is_trusted_content(&layout, &link, b"[sandbox]\nallow_net = true\n").unwrap());
        assert!(trust(&layout, &link).is_err());
        assert!(is_trusted(&layout, &trusted.join("envm.toml")).unwrap());
    }
}
