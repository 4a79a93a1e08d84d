//! The child side of the mount layer: the new mount API (`open_tree` clone, `mount_setattr`,
//! `move_mount` onto an fd), proc and private-propagation mounts, and the Landlock rule for
//! the fresh /proc, as raw syscalls that do not allocate (they run between fork and execve).
//! Every path is reopened with `O_PATH|O_NOFOLLOW` and must still be the inode [`Node`]
//! recorded before the fork.

use std::ffi::CString;

/// A path the child reopens, and the inode it must still be (`None`: trusted system path).
#[derive(Debug)]
pub struct Node {
    pub path: CString,
    pub id: Option<(u64, u64)>,
}

const OPEN_TREE_CLONE: u32 = 1;
const AT_RECURSIVE: u32 = 0x8000;
const MOVE_MOUNT_F_EMPTY_PATH: u32 = 0x4;
const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x40;
pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
pub const MOUNT_ATTR_NODEV: u64 = 0x4;

#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

fn errno() -> i32 {
    // SAFETY: reading this thread's errno.
    unsafe { *libc::__errno_location() }
}

/// Closes its fd when dropped (no allocation).
struct Fd(i32);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: closing an fd this guard owns.
        unsafe { libc::close(self.0) };
    }
}

/// Opens `node` (`O_PATH|O_NOFOLLOW`, or following for a trusted system path) and checks it is
/// still the inode the parent saw (ESTALE if not).
fn open_node(node: &Node) -> Result<Fd, i32> {
    let nofollow = if node.id.is_some() {
        libc::O_NOFOLLOW
    } else {
        0
    };
    // SAFETY: a NUL-terminated path owned by the plan.
    let fd = unsafe {
        libc::open(
            node.path.as_ptr(),
            libc::O_PATH | libc::O_CLOEXEC | nofollow,
        )
    };
    if fd < 0 {
        return Err(errno());
    }
    let fd = Fd(fd);
    if let Some((dev, ino)) = node.id {
        // SAFETY: fstat into a zeroed stack struct.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(fd.0, &mut st) } != 0 {
            return Err(errno());
        }
        if st.st_dev != dev || st.st_ino != ino {
            return Err(libc::ESTALE);
        }
    }
    Ok(fd)
}

/// A detached recursive copy of the mount tree at `fd`, optionally with `attrs` set on it.
fn clone_tree(fd: &Fd, attrs: u64) -> Result<Fd, i32> {
    let flags =
        OPEN_TREE_CLONE | libc::O_CLOEXEC as u32 | AT_RECURSIVE | libc::AT_EMPTY_PATH as u32;
    // SAFETY: open_tree on a valid fd with an empty path.
    let tree = unsafe { libc::syscall(libc::SYS_open_tree, fd.0, c"".as_ptr(), flags) };
    if tree < 0 {
        return Err(errno());
    }
    let tree = Fd(tree as i32);
    if attrs != 0 {
        let attr = MountAttr {
            attr_set: attrs,
            attr_clr: 0,
            propagation: 0,
            userns_fd: 0,
        };
        let flags = libc::AT_EMPTY_PATH as u32 | AT_RECURSIVE;
        // SAFETY: mount_setattr with a correctly sized struct on the stack.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_mount_setattr,
                tree.0,
                c"".as_ptr(),
                flags,
                &attr as *const MountAttr,
                std::mem::size_of::<MountAttr>(),
            )
        };
        if rc != 0 {
            return Err(errno());
        }
    }
    Ok(tree)
}

/// Attaches the detached `tree` onto exactly the object `target` refers to.
fn attach(tree: &Fd, target: &Fd) -> Result<(), i32> {
    let flags = MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH;
    // SAFETY: move_mount between two valid fds with empty paths.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.0,
            c"".as_ptr(),
            target.0,
            c"".as_ptr(),
            flags,
        )
    };
    if rc != 0 { Err(errno()) } else { Ok(()) }
}

/// Binds `source` (a copy of its mount tree, with `attrs`) onto `target`.
pub fn bind(source: &Node, target: &Node, attrs: u64) -> Result<(), i32> {
    let from = open_node(source)?;
    let tree = clone_tree(&from, attrs)?;
    drop(from);
    let to = open_node(target)?;
    attach(&tree, &to)
}

/// Makes every mount below / private: nothing made here reaches the host, nor back.
pub fn make_private() -> Result<(), i32> {
    // SAFETY: mount with static strings and no data.
    let rc = unsafe {
        libc::mount(
            c"none".as_ptr(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    if rc != 0 { Err(errno()) } else { Ok(()) }
}

/// Landlock's read rights on a folder: execute, read files, list.
pub const READ_ACCESS: u64 = (1 << 0) | (1 << 2) | (1 << 3);

/// Adds a rule granting `access` beneath `path` to the not yet enforced Landlock ruleset
/// `ruleset_fd`: for the fresh /proc and /dev/shm, whose roots the rules made before the fork
/// cannot name (Landlock does not look through mount points).
pub fn allow_beneath(ruleset_fd: i32, path: &std::ffi::CStr, access: u64) -> Result<(), i32> {
    #[repr(C, packed)]
    struct PathBeneathAttr {
        allowed_access: u64,
        parent_fd: i32,
    }
    const RULE_PATH_BENEATH: u32 = 1;
    // SAFETY: a NUL-terminated path.
    let fd = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(errno());
    }
    let fd = Fd(fd);
    let attr = PathBeneathAttr {
        allowed_access: access,
        parent_fd: fd.0,
    };
    // SAFETY: landlock_add_rule with a packed attribute on the stack.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset_fd,
            RULE_PATH_BENEATH,
            &attr as *const PathBeneathAttr,
            0u32,
        )
    };
    if rc != 0 { Err(errno()) } else { Ok(()) }
}

/// Mounts a fresh, empty tmpfs (mode 1777, nosuid, nodev) on `dir` (/tmp, /dev/shm).
pub fn mount_tmpfs(dir: &std::ffi::CStr) -> Result<(), i32> {
    // SAFETY: mount with NUL-terminated strings.
    let rc = unsafe {
        libc::mount(
            c"tmpfs".as_ptr(),
            dir.as_ptr(),
            c"tmpfs".as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV,
            c"mode=1777".as_ptr().cast(),
        )
    };
    if rc != 0 { Err(errno()) } else { Ok(()) }
}

/// Mounts a fresh proc for the current PID namespace on /proc (run by its init).
pub fn mount_proc() -> Result<(), i32> {
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    // SAFETY: mount with static strings and no data.
    let rc = unsafe {
        libc::mount(
            c"proc".as_ptr(),
            c"/proc".as_ptr(),
            c"proc".as_ptr(),
            flags,
            std::ptr::null(),
        )
    };
    if rc != 0 { Err(errno()) } else { Ok(()) }
}
