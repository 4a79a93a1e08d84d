//! The child's side channel and its small helpers: the steps a forked child reports a failure
//! of through a CLOEXEC pipe as (step index, errno) — EOF means execve succeeded —, which of
//! them mean a layer the host lacks, and the allocation-free fd and message helpers the
//! child uses.

use super::SandboxError;

/// Steps the child reports failures of (index sent through the pipe).
pub const STEPS: [&str; 19] = [
    "setsid",
    "writing uid_map",
    "writing setgroups",
    "writing gid_map",
    "parent-death signal",
    "dropping capabilities",
    "dropping the capability bounding set",
    "Landlock",
    "seccomp",
    "execve",
    "user namespace",
    "mount and PID namespaces",
    "making mounts private",
    "read-only bind mount",
    "keeping a root visible in the private /tmp",
    "private /tmp and /dev/shm",
    "starting the PID namespace's init",
    "mounting /proc",
    "forking the command",
];

/// Steps whose failure means a layer this host does not offer (not a broken set-up).
pub fn missing_layer(step: &str, source: &std::io::Error) -> Option<String> {
    Some(match step {
        "user namespace" => {
            format!("user namespaces, needed for the mount and PID namespaces (refused: {source})")
        }
        "mount and PID namespaces" => {
            format!("mount and PID namespaces (unshare refused: {source})")
        }
        "mounting /proc" => format!("a private /proc for the PID namespace ({source})"),
        _ => return None,
    })
}

pub fn step_index(name: &str) -> u32 {
    STEPS.iter().position(|s| *s == name).unwrap_or(0) as u32
}

/// Writes (step, errno) to the report pipe and leaves the child without destructors.
pub fn report_failure(report_fd: i32, step: &str, errno: i32) -> ! {
    let mut buf = [0u8; 8];
    buf[..4].copy_from_slice(&step_index(step).to_ne_bytes());
    buf[4..].copy_from_slice(&errno.to_ne_bytes());
    // SAFETY: writing a stack buffer to our pipe, then leaving without destructors.
    unsafe {
        libc::write(report_fd, buf.as_ptr().cast(), 8);
        libc::_exit(126)
    }
}

/// Writes a static message to stderr (allocation-free).
pub fn note(text: &[u8]) {
    // SAFETY: writing a static message to stderr.
    unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
}

pub fn errno_now() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// A pipe whose ends are CLOEXEC and above fd 2.
pub fn pipe() -> Result<(i32, i32), SandboxError> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two-element array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(SandboxError::Setup {
            stage: "pipe",
            source: std::io::Error::last_os_error(),
        });
    }
    for fd in &mut fds {
        if *fd <= 2 {
            // SAFETY: duplicating a valid fd to one >= 3, then closing the low one.
            unsafe {
                let high = libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 3);
                libc::close(*fd);
                *fd = high;
            }
        }
    }
    Ok((fds[0], fds[1]))
}

pub fn read_full(fd: i32, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reading into the unfilled tail of `buf`.
        let n = unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        if n > 0 {
            got += n as usize;
        } else if n == 0 || errno_now() != libc::EINTR {
            break;
        }
    }
    got
}

/// Closes every fd above 2 except `keep` (inherited fds escape Landlock).
pub fn close_fds_except(keep: i32) {
    // SAFETY: close_range on fd ranges; no memory involved.
    unsafe {
        if keep > 3 {
            libc::syscall(libc::SYS_close_range, 3u32, (keep - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (keep + 1) as u32, u32::MAX, 0u32);
    }
}
