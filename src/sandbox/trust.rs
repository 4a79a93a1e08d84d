//! Which project files the user trusted to widen the sandbox (and set `[env]`): a JSON map
//! `config/trusted.json` of canonical path → SHA-256 of the file's bytes. A file is trusted
//! only while its content still hashes to the recorded digest, so any edit revokes trust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::SandboxError;
use crate::layout::Layout;
use crate::pins::write::write_atomically;

/// `config/trusted.json`.
pub fn store_path(layout: &Layout) -> PathBuf {
    layout.config.join("trusted.json")
}

type Store = BTreeMap<PathBuf, String>;

fn load(layout: &Layout) -> Result<Store, SandboxError> {
    let path = store_path(layout);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Store::new()),
        Err(e) => return Err(SandboxError::Read { path, source: e }),
    };
    serde_json::from_str(&text).map_err(|e| SandboxError::TrustStore {
        path,
        message: format!("not a trust store ({e}); delete it to start over"),
    })
}

fn save(layout: &Layout, store: &Store) -> Result<(), SandboxError> {
    let path = store_path(layout);
    let text = serde_json::to_string_pretty(store).map_err(|e| SandboxError::TrustStore {
        path: path.clone(),
        message: e.to_string(),
    })?;
    write_atomically(&path, text.as_bytes()).map_err(|e| SandboxError::TrustStore {
        path,
        message: e.to_string(),
    })
}

/// The canonical path and SHA-256 (hex) of `file`.
fn fingerprint(file: &Path) -> Result<(PathBuf, String), SandboxError> {
    let canonical = file.canonicalize().map_err(|_| SandboxError::NoSuchFile {
        path: file.to_path_buf(),
    })?;
    let bytes = std::fs::read(&canonical).map_err(|source| SandboxError::Read {
        path: canonical.clone(),
        source,
    })?;
    let digest = Sha256::digest(&bytes);
    let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok((canonical, hex))
}

/// Whether `file`'s current content is the one the user trusted.
pub fn is_trusted(layout: &Layout, file: &Path) -> Result<bool, SandboxError> {
    let store = load(layout)?;
    if store.is_empty() {
        return Ok(false);
    }
    let (path, digest) = fingerprint(file)?;
    Ok(store.get(&path) == Some(&digest))
}

/// Records `file` (its canonical path and current digest) as trusted; returns both.
pub fn trust(layout: &Layout, file: &Path) -> Result<(PathBuf, String), SandboxError> {
    let (path, digest) = fingerprint(file)?;
    let mut store = load(layout)?;
    store.insert(path.clone(), digest.clone());
    save(layout, &store)?;
    Ok((path, digest))
}

/// Forgets `file`; returns whether it was trusted before.
pub fn revoke(layout: &Layout, file: &Path) -> Result<bool, SandboxError> {
    let path = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
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
}
