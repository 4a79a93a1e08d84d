//! One folder of the walk up from the working directory, opened once (`O_PATH`) so that the
//! pin files probed in it are looked up relative to it. Each probe then walks one path
//! component instead of every component from `/`: from a folder 20 levels deep that halves
//! what a shim spends before it execs (issue 4's budget is well under a millisecond).

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A folder, with an open handle when the system gave one (else paths are used as they are).
pub struct Dir<'a> {
    pub path: &'a Path,
    fd: Option<OwnedFd>,
}

/// What a cache key needs of a file: modification time (s, ns), size and inode.
pub type Stamp = (i64, i64, u64, u64);

/// `path` and each of its ancestors, nearest first (as `Path::ancestors`), each opened
/// relative to its parent: one path component per lookup. An opening that fails leaves that
/// folder and the ones below it to be read by path.
pub fn ancestors(path: &Path) -> Vec<Dir<'_>> {
    let mut dirs: Vec<Dir> = path
        .ancestors()
        .map(|p| Dir { path: p, fd: None })
        .collect();
    // Handles are only used where each ancestor is its parent plus one component (no `.`
    // components, which `Path::ancestors` keeps but `components` drops).
    if !path.is_absolute() || dirs.len() != path.components().count() {
        return dirs;
    }
    // Top-down: `/`, then each child relative to its parent's handle. Resolving a prefix
    // component by component is what the kernel does for the whole path, so the handles
    // name the same folders (symlinks and `..` included).
    let mut parent: Option<std::os::fd::RawFd> = None;
    for dir in dirs.iter_mut().rev() {
        let name = match (parent, dir.path.file_name()) {
            (None, _) => dir.path.as_os_str(),
            (Some(_), Some(name)) => name,
            (Some(_), None) => std::ffi::OsStr::new(".."),
        };
        let Ok(name) = CString::new(name.as_bytes()) else {
            break;
        };
        let at = parent.unwrap_or(libc::AT_FDCWD);
        // SAFETY: valid (or AT_FDCWD) directory fd and NUL-terminated name; result checked.
        let fd = unsafe {
            libc::openat(
                at,
                name.as_ptr(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            break;
        }
        // SAFETY: a non-negative fd was just opened here and is owned by nobody else. It
        // stays open (owned by `dirs`) while the next level is opened relative to it.
        dir.fd = Some(unsafe { OwnedFd::from_raw_fd(fd) });
        parent = Some(fd);
    }
    dirs
}

impl<'a> Dir<'a> {
    /// The text of `name` in this folder; `None` when it is missing or a folder, an error
    /// when it exists but cannot be read (permissions, a symlink loop …): a file made
    /// unreadable must not be skipped. Bytes that are not UTF-8 are replaced, so the parser
    /// names the file.
    pub fn read(&self, name: &str) -> io::Result<Option<String>> {
        let mut bytes = Vec::new();
        match (&self.fd, CString::new(name)) {
            (Some(dir), Ok(name)) => {
                // Most probes miss: a stat is cheaper than a failed open.
                // SAFETY: `st` is plain data the call fills; valid fd and name; checked.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                if unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), &mut st, 0) } != 0 {
                    let e = io::Error::last_os_error();
                    return if is_absent(&e) { Ok(None) } else { Err(e) };
                }
                if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
                    return Ok(None);
                }
                // SAFETY: valid fd and NUL-terminated name; the result is checked.
                let fd = unsafe {
                    libc::openat(
                        dir.as_raw_fd(),
                        name.as_ptr(),
                        libc::O_RDONLY | libc::O_CLOEXEC,
                    )
                };
                if fd < 0 {
                    let e = io::Error::last_os_error();
                    return if denied_by_this_process_sandbox(&e, dir.as_raw_fd(), &name) {
                        Ok(None)
                    } else {
                        Err(e)
                    };
                }
                // SAFETY: a non-negative fd was just opened here and is owned by nobody else.
                let mut file = unsafe { File::from_raw_fd(fd) };
                file.read_to_end(&mut bytes)?;
            }
            _ => match read_file(&self.path.join(name))? {
                Some(read) => bytes = read,
                None => return Ok(None),
            },
        }
        Ok(Some(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }))
    }

    /// The [`Stamp`] of `name` in this folder (following links), if it exists.
    pub fn stamp(&self, name: &str) -> Option<Stamp> {
        match (&self.fd, CString::new(name)) {
            (Some(dir), Ok(name)) => {
                // SAFETY: `st` is plain data the call fills; valid fd and name; checked.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                let rc = unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), &mut st, 0) };
                (rc == 0).then_some((st.st_mtime, st.st_mtime_nsec, st.st_size as u64, st.st_ino))
            }
            _ => stamp_path(&self.path.join(name)),
        }
    }
}

/// Whether a failed lookup means "no such file here" (as opposed to "there, but unreadable").
pub fn is_absent(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR)
}

/// The bytes of the pin or config file at `path`; `None` when it does not exist (or is a
/// folder, or is hidden from this process by its sandbox); an error when it exists but
/// cannot be read.
pub fn read_file(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if is_absent(&e) || e.kind() == io::ErrorKind::IsADirectory => Ok(None),
        Err(e) => match CString::new(path.as_os_str().as_bytes()) {
            Ok(name) if denied_by_this_process_sandbox(&e, libc::AT_FDCWD, &name) => Ok(None),
            _ => Err(e),
        },
    }
}

/// Whether opening `name` (relative to `at`) failed only because a security module confines
/// this process: envm's own sandbox (Landlock) hides files above the project from what runs
/// inside it. The file's permissions allow reading it (`faccessat`, which Landlock does not
/// restrict), so nothing in the project made it unreadable; outside the sandbox it is read.
/// A file made unreadable by its permissions (`chmod 000`) fails that check and stays an
/// error.
fn denied_by_this_process_sandbox(e: &io::Error, at: libc::c_int, name: &std::ffi::CStr) -> bool {
    if e.raw_os_error() != Some(libc::EACCES) {
        return false;
    }
    // SAFETY: valid (or AT_FDCWD) directory fd and NUL-terminated name; only the result is used.
    unsafe { libc::faccessat(at, name.as_ptr(), libc::R_OK, libc::AT_EACCESS) == 0 }
}

/// The [`Stamp`] of a file by path.
pub fn stamp_path(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.mtime(), m.mtime_nsec(), m.size(), m.ino()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_stamps_relative_to_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(".nvmrc"), "20\n").unwrap();
        std::fs::create_dir(tmp.path().join("sub")).unwrap();
        let nested = tmp.path().join("sub");
        let opened = ancestors(&nested);
        assert_eq!(opened.len(), nested.ancestors().count());
        assert!(opened.iter().all(|d| d.fd.is_some()));
        let parent = opened.into_iter().nth(1).unwrap();
        assert_eq!(parent.path, tmp.path());
        // `.` and `..` components: still the folders the paths name.
        for odd in [tmp.path().join("./sub"), tmp.path().join("sub/../sub")] {
            let dirs = ancestors(&odd);
            let found: Vec<&Path> = dirs
                .iter()
                .filter(|d| d.read(".nvmrc").unwrap().is_some())
                .map(|d| d.path)
                .collect();
            let expected: Vec<&Path> = odd
                .ancestors()
                .filter(|p| p.join(".nvmrc").is_file())
                .collect();
            assert_eq!(found, expected);
        }
        for dir in [
            parent,
            Dir {
                path: tmp.path(),
                fd: None,
            },
        ] {
            assert_eq!(dir.read(".nvmrc").unwrap().as_deref(), Some("20\n"));
            assert_eq!(dir.read("missing").unwrap(), None);
            assert_eq!(dir.read("sub").unwrap(), None);
            assert_eq!(dir.stamp(".nvmrc").map(|s| s.2), Some(3));
            assert_eq!(dir.stamp("missing"), None);
        }
    }
}
