//! Walking up from the working directory to `/`, reading candidate pin files cheaply.
//!
//! This runs inside every shim call, so it avoids re-resolving long paths: each directory is
//! opened once (`O_PATH`), its parent is reached through `..` relative to it, and candidate
//! files are opened relative to the directory handle. A lookup is then one path component
//! instead of the whole path, which is what dominated resolution time 20 levels deep.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, openat};

/// One directory on the way up: its path and an open handle to it (when it could be opened).
pub struct Dir<'a> {
    pub path: &'a Path,
    fd: Option<OwnedFd>,
}

impl Dir<'_> {
    /// The text of `name` in this directory, or `None` when it is missing, unreadable or not a
    /// regular file. Invalid UTF-8 is replaced, so the parser can name the file.
    pub fn read(&self, name: &str) -> Option<String> {
        let fd = self.fd.as_ref()?;
        let file = openat(
            fd,
            name,
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK,
            Mode::empty(),
        )
        .ok()?;
        let mut file = std::fs::File::from(file);
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        Some(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

/// Calls `visit` for `start` and each of its ancestors up to `/`, nearest first, until it
/// returns `Some`. Directories that cannot be opened are still visited (reads there find
/// nothing), so an unreadable folder never stops the walk.
pub fn walk_up<T>(start: &Path, mut visit: impl FnMut(&Dir<'_>) -> Option<T>) -> Option<T> {
    let mut fd = open_dir_path(start);
    for path in start.ancestors() {
        let dir = Dir { path, fd };
        if let Some(found) = visit(&dir) {
            return Some(found);
        }
        fd = match (&dir.fd, path.parent()) {
            (_, None) => None,
            (Some(fd), Some(_)) => openat(fd, "..", dir_flags(), Mode::empty()).ok(),
            (None, Some(parent)) => open_dir_path(parent),
        };
    }
    None
}

fn dir_flags() -> OFlags {
    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC
}

fn open_dir_path(path: &Path) -> Option<OwnedFd> {
    rustix::fs::open(path, dir_flags(), Mode::empty()).ok()
}
