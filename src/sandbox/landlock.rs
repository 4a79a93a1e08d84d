//! The filesystem layer: a Landlock ruleset built in the parent (paths opened, rules added)
//! and enforced in the child. Every path is opened once, without following any symlink
//! (`openat2` with `RESOLVE_NO_SYMLINKS`, or `O_PATH|O_NOFOLLOW` per component), and its rule
//! is built from that very fd, so swapping a folder for a symlink after it was checked grants
//! nothing. What to allow is decided in [`super::roots`]. Also scopes signals and abstract unix
//! sockets to the sandbox (ABI 6).

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, BitFlags, CompatLevel, Compatible, PathBeneath, Ruleset, RulesetAttr,
    RulesetCreated, RulesetCreatedAttr, Scope,
};

use super::SandboxError;

/// The newest ABI whose filesystem rights this module asks for (best effort below it).
const FS_ABI: ABI = ABI::V9;

/// Rights that only make sense on directories.
fn file_only(access: BitFlags<AccessFs>) -> BitFlags<AccessFs> {
    access & AccessFs::from_file(FS_ABI)
}

/// The Landlock ABI version the running kernel offers (0: none).
pub fn kernel_abi() -> i32 {
    // SAFETY: LANDLOCK_CREATE_RULESET_VERSION with a null attribute only queries the version.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32, // LANDLOCK_CREATE_RULESET_VERSION
        )
    };
    if v < 0 { 0 } else { v as i32 }
}

/// What the kernel's Landlock ABI `abi` cannot enforce of this module's rules, for people.
pub fn missing(abi: i32) -> Vec<String> {
    let mut out = Vec::new();
    if abi < 1 {
        out.push("Landlock filesystem rules (the kernel has no Landlock: needs Linux 5.13+ with landlock in lsm=)".to_string());
        return out;
    }
    if abi < 3 {
        out.push(format!(
            "Landlock truncate control (kernel ABI {abi}, needs 3: Linux 6.2)"
        ));
    }
    if abi < 6 {
        out.push(format!(
            "Landlock signal and abstract-unix-socket scoping (kernel ABI {abi}, needs 6: Linux 6.12)"
        ));
    }
    out
}

/// The paths a run may touch, sorted into the kinds of rule. Paths are absolute and canonical;
/// each is opened once, refusing symlinks, and its rule is built from that fd.
#[derive(Debug, Default)]
pub struct Roots {
    /// envm's own choices (project, toolchains, …): read, list and execute beneath. One that
    /// is missing, or has become a symlink, is skipped (less access, never more).
    pub read: Vec<PathBuf>,
    /// envm's own choices: every right beneath these (skipped as `read`).
    pub write: Vec<PathBuf>,
    /// Character devices that may be opened for reading, writing and ioctls.
    pub devices: Vec<PathBuf>,
    /// Folders whose entries may be listed, nothing beneath them read.
    pub list_only: Vec<PathBuf>,
    /// Folders each of whose entries is readable, except the names given and symlinks.
    pub read_entries: Vec<(PathBuf, Vec<OsString>)>,
    /// The user's `allow_read`: each must open; a symlink is an error naming it.
    pub allowed_read: Vec<PathBuf>,
    /// The user's `allow_write` (as `allowed_read`).
    pub allowed_write: Vec<PathBuf>,
    /// Devices already open (the run's own terminal), granted as `devices`.
    pub terminals: Vec<OwnedFd>,
}

/// The kinds of rule.
#[derive(Debug, Clone, Copy)]
enum Right {
    Read,
    Write,
    Device,
    List,
}

impl Right {
    fn access(self) -> BitFlags<AccessFs> {
        match self {
            Right::Read => AccessFs::from_read(FS_ABI),
            Right::Write => AccessFs::from_all(FS_ABI),
            Right::Device => {
                AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::IoctlDev | AccessFs::ReadDir
            }
            Right::List => AccessFs::ReadDir.into(),
        }
    }
}

/// Layout of `struct open_how` (linux/openat2.h); libc's is not constructible.
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

const RESOLVE_NO_SYMLINKS: u64 = 0x04;

fn invalid_input() -> std::io::Error {
    std::io::Error::from(std::io::ErrorKind::InvalidInput)
}

fn symlink_error() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::ELOOP)
}

/// `openat(dir, name, flags)`, `dir` `None` meaning the working directory.
fn open_at(dir: Option<&OwnedFd>, name: &OsStr, flags: i32) -> std::io::Result<OwnedFd> {
    let name = CString::new(name.as_bytes()).map_err(|_| invalid_input())?;
    let dir = dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
    // SAFETY: a NUL-terminated name and a valid (or AT_FDCWD) directory fd.
    let fd = unsafe { libc::openat(dir, name.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: openat just returned this fd, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The `S_IFMT` bits of what `fd` refers to.
fn file_type(fd: &OwnedFd) -> std::io::Result<u32> {
    // SAFETY: fstat fills a zeroed stat struct for a valid fd (O_PATH fds included).
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(st.st_mode & libc::S_IFMT)
}

/// Opens the absolute `path` as an `O_PATH` fd without following any symlink on the way or at
/// its end (ELOOP when there is one): `openat2` with `RESOLVE_NO_SYMLINKS`, or, where that
/// syscall is missing or filtered, one `O_NOFOLLOW` open per component.
pub fn open_no_symlinks(path: &Path) -> std::io::Result<OwnedFd> {
    if !path.is_absolute() {
        return Err(invalid_input());
    }
    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|_| invalid_input())?;
    let how = OpenHow {
        flags: (libc::O_PATH | libc::O_CLOEXEC) as u64,
        mode: 0,
        resolve: RESOLVE_NO_SYMLINKS,
    };
    // SAFETY: openat2 reads a NUL-terminated path and an open_how of the size given.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            libc::AT_FDCWD,
            c_path.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    if fd >= 0 {
        // SAFETY: openat2 just returned this fd.
        return Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) });
    }
    let error = std::io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::ENOSYS | libc::EPERM | libc::E2BIG) => open_by_components(path),
        _ => Err(error),
    }
}

/// [`open_no_symlinks`] without `openat2`: `O_PATH|O_NOFOLLOW` per component.
fn open_by_components(path: &Path) -> std::io::Result<OwnedFd> {
    let mut fd = open_at(None, OsStr::new("/"), libc::O_PATH | libc::O_DIRECTORY)?;
    for component in path.components() {
        match component {
            Component::RootDir => {}
            Component::Normal(name) => {
                let next = open_at(Some(&fd), name, libc::O_PATH | libc::O_NOFOLLOW)?;
                if file_type(&next)? == libc::S_IFLNK {
                    return Err(symlink_error());
                }
                fd = next;
            }
            // Canonical paths only: `.` and `..` are never resolved here.
            _ => return Err(invalid_input()),
        }
    }
    Ok(fd)
}

/// The names in the folder `dir` (an `O_PATH` fd) with their `d_type`, `.` and `..` left out.
fn entry_names(dir: &OwnedFd) -> std::io::Result<Vec<(OsString, u8)>> {
    use std::os::fd::IntoRawFd;
    let listing = open_at(
        Some(dir),
        OsStr::new("."),
        libc::O_RDONLY | libc::O_DIRECTORY,
    )?;
    // SAFETY: fdopendir takes ownership of the fd when it succeeds.
    let stream = unsafe { libc::fdopendir(listing.as_raw_fd()) };
    if stream.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    let _owned_by_stream = listing.into_raw_fd();
    let mut out = Vec::new();
    loop {
        // SAFETY: `stream` is open until closedir below.
        let entry = unsafe { libc::readdir(stream) };
        if entry.is_null() {
            break;
        }
        // SAFETY: readdir returned a valid entry whose d_name is NUL-terminated.
        let (name, kind) = unsafe {
            (
                std::ffi::CStr::from_ptr((*entry).d_name.as_ptr()),
                (*entry).d_type,
            )
        };
        let name = name.to_bytes();
        if name != b"." && name != b".." {
            out.push((OsStr::from_bytes(name).to_os_string(), kind));
        }
    }
    // SAFETY: closing the stream opened above (and its fd).
    unsafe { libc::closedir(stream) };
    Ok(out)
}

/// A ruleset being filled, one opened fd at a time (fds are closed as soon as added, so a
/// folder with thousands of entries never holds thousands of fds).
struct Rules {
    ruleset: RulesetCreated,
}

fn ruleset_error(e: landlock::RulesetError) -> SandboxError {
    SandboxError::Landlock(e.to_string())
}

impl Rules {
    /// Adds `right` on what `fd` refers to (file rights only, for a file); symlinks never.
    fn add_fd(mut self, fd: OwnedFd, right: Right) -> Result<Rules, SandboxError> {
        let Ok(kind) = file_type(&fd) else {
            return Ok(self);
        };
        let access = match kind {
            libc::S_IFLNK => return Ok(self),
            libc::S_IFDIR => right.access(),
            _ => file_only(right.access()),
        };
        if access.is_empty() {
            return Ok(self);
        }
        self.ruleset = self
            .ruleset
            .add_rule(PathBeneath::new(File::from(fd), access))
            .map_err(ruleset_error)?;
        Ok(self)
    }

    /// Adds `right` on `path` when it opens without symlinks; skips it otherwise.
    fn add_if_present(self, path: &Path, right: Right) -> Result<Rules, SandboxError> {
        match open_no_symlinks(path) {
            Ok(fd) => self.add_fd(fd, right),
            Err(_) => Ok(self),
        }
    }

    /// Adds `right` on the user's allowance `path`, which must open without symlinks.
    fn add_allowance(self, path: &Path, right: Right) -> Result<Rules, SandboxError> {
        match open_no_symlinks(path) {
            Ok(fd) => self.add_fd(fd, right),
            Err(source) => Err(super::roots::allowance_error(path, source).into()),
        }
    }

    /// Makes every entry of `dir` readable except the names in `except` and symlinks.
    fn add_entries(mut self, dir: &Path, except: &[OsString]) -> Result<Rules, SandboxError> {
        let Ok(dir_fd) = open_no_symlinks(dir) else {
            return Ok(self);
        };
        let Ok(names) = entry_names(&dir_fd) else {
            return Ok(self);
        };
        for (name, kind) in names {
            if kind == libc::DT_LNK || except.contains(&name) {
                continue;
            }
            // O_NOFOLLOW with O_PATH opens a symlink itself, which add_fd then skips.
            if let Ok(fd) = open_at(Some(&dir_fd), &name, libc::O_PATH | libc::O_NOFOLLOW) {
                self = self.add_fd(fd, Right::Read)?;
            }
        }
        Ok(self)
    }
}

/// Builds and creates the ruleset (not yet enforced): opens every path of `roots` once,
/// without following symlinks, and adds its rule from that fd. envm's own paths that are
/// absent (or symlinks) are skipped; a user's allowance that cannot be opened is an error.
pub fn build(roots: Roots) -> Result<RulesetCreated, SandboxError> {
    let ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(FS_ABI))
        .map_err(ruleset_error)?
        .scope(Scope::from_all(ABI::V6))
        .map_err(ruleset_error)?
        .create()
        .map_err(ruleset_error)?;
    let mut rules = Rules { ruleset };
    let skipped_when_absent: [(&[PathBuf], Right); 4] = [
        (&roots.read, Right::Read),
        (&roots.write, Right::Write),
        (&roots.devices, Right::Device),
        (&roots.list_only, Right::List),
    ];
    for (paths, right) in skipped_when_absent {
        for path in paths {
            rules = rules.add_if_present(path, right)?;
        }
    }
    for (dir, except) in &roots.read_entries {
        rules = rules.add_entries(dir, except)?;
    }
    for (paths, right) in [
        (&roots.allowed_read, Right::Read),
        (&roots.allowed_write, Right::Write),
    ] {
        for path in paths {
            rules = rules.add_allowance(path, right)?;
        }
    }
    for fd in roots.terminals {
        rules = rules.add_fd(fd, Right::Device)?;
    }
    Ok(rules.ruleset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_refuses_symlinks_anywhere() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("real/sub")).unwrap();
        std::os::unix::fs::symlink("real", root.join("link")).unwrap();
        assert!(open_no_symlinks(&root.join("real/sub")).is_ok());
        for path in [root.join("link"), root.join("link/sub")] {
            let err = open_no_symlinks(&path).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::ELOOP), "{path:?}");
            let err = open_by_components(&path).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::ELOOP), "{path:?}");
        }
        assert!(open_by_components(&root.join("real/sub")).is_ok());
        assert!(open_no_symlinks(Path::new("relative")).is_err());
    }

    #[test]
    fn listing_names_entries_with_their_kind() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("d")).unwrap();
        std::os::unix::fs::symlink("d", root.join("l")).unwrap();
        let fd = open_no_symlinks(&root).unwrap();
        let mut names = entry_names(&fd).unwrap();
        names.sort();
        assert_eq!(
            names,
            vec![("d".into(), libc::DT_DIR), ("l".into(), libc::DT_LNK)]
        );
    }

    #[test]
    fn abi_gaps_are_named() {
        assert_eq!(missing(7), Vec::<String>::new());
        assert_eq!(missing(5).len(), 1);
        assert!(missing(0)[0].contains("no Landlock"));
    }
}
