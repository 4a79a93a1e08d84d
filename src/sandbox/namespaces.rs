//! Child-side kernel set-up that runs between `fork` and `execve`, so nothing here allocates:
//! a new user namespace with the caller's own uid/gid mapped, then IPC, mount, PID (and
//! network) namespaces owned by it, loopback up in the new network namespace, and every
//! capability dropped (bounding, ambient, effective, permitted, inheritable), which also
//! covers running as root. Also the probes `envm doctor` runs.

use std::ffi::CStr;

use rustix::thread::{CapabilitySet, CapabilitySets, UnshareFlags};

/// One-line uid/gid maps mapping the caller's ids onto themselves, formatted before the fork.
pub struct IdMaps {
    uid: Vec<u8>,
    gid: Vec<u8>,
}

impl IdMaps {
    pub fn current() -> IdMaps {
        let uid = rustix::process::getuid().as_raw();
        let gid = rustix::process::getgid().as_raw();
        IdMaps {
            uid: format!("{uid} {uid} 1\n").into_bytes(),
            gid: format!("{gid} {gid} 1\n").into_bytes(),
        }
    }
}

/// A failed step: which one (for the message) and the errno.
pub type StepError = (&'static str, i32);

fn errno(e: rustix::io::Errno) -> i32 {
    e.raw_os_error()
}

/// `clone` without a new stack or shared memory (so a fork) into new namespaces; the child
/// continues on a copy of this stack. Its pid, 0 in the child, or -1.
pub fn clone_into(flags: libc::c_int) -> libc::pid_t {
    // SAFETY: no CLONE_VM and no stack: the child gets a copy-on-write copy of this process,
    // as with fork. It only runs allocation-free code that ends in execve or _exit.
    unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        ) as libc::pid_t
    }
}

/// `unshare(CLONE_NEWUSER)`. Failing here leaves the process as it was, so the caller may
/// fall back.
pub fn unshare_user() -> Result<(), i32> {
    // SAFETY: no FILES flag; the child is single-threaded after fork.
    unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWUSER) }.map_err(errno)
}

/// `unshare(CLONE_NEWIPC [| CLONE_NEWNS | CLONE_NEWPID] [| CLONE_NEWNET])`, inside the user
/// namespace just entered. After CLONE_NEWPID the *next* fork is the namespace's init.
pub fn unshare_layers(net: bool, mount_and_pid: bool) -> Result<(), i32> {
    let mut flags = UnshareFlags::NEWIPC;
    if net {
        flags |= UnshareFlags::NEWNET;
    }
    if mount_and_pid {
        flags |= UnshareFlags::NEWNS | UnshareFlags::NEWPID;
    }
    // SAFETY: no FILES flag; the child is single-threaded after fork.
    unsafe { rustix::thread::unshare_unsafe(flags) }.map_err(errno)
}

fn write_proc(path: &CStr, data: &[u8]) -> Result<(), i32> {
    // SAFETY: plain open/write/close on a NUL-terminated path and a live buffer.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(*libc::__errno_location());
        }
        let n = libc::write(fd, data.as_ptr().cast(), data.len());
        let err = *libc::__errno_location();
        libc::close(fd);
        if n != data.len() as isize {
            return Err(if n < 0 { err } else { libc::EIO });
        }
    }
    Ok(())
}

/// Writes the id maps of the namespace just entered (uid_map, setgroups=deny, gid_map).
pub fn write_maps(maps: &IdMaps) -> Result<(), StepError> {
    write_proc(c"/proc/self/uid_map", &maps.uid).map_err(|e| ("writing uid_map", e))?;
    write_proc(c"/proc/self/setgroups", b"deny").map_err(|e| ("writing setgroups", e))?;
    write_proc(c"/proc/self/gid_map", &maps.gid).map_err(|e| ("writing gid_map", e))?;
    Ok(())
}

// An ioctl request is a `c_ulong` for glibc and a `c_int` for musl.
#[allow(clippy::unnecessary_cast)]
const GET_INTERFACE_FLAGS: libc::Ioctl = libc::SIOCGIFFLAGS as libc::Ioctl;
#[allow(clippy::unnecessary_cast)]
const SET_INTERFACE_FLAGS: libc::Ioctl = libc::SIOCSIFFLAGS as libc::Ioctl;

/// Brings `lo` up in the new network namespace (it starts down), so loopback works inside.
pub fn loopback_up() -> Result<(), i32> {
    // SAFETY: a socket and two ioctls on a zeroed, correctly sized ifreq.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(*libc::__errno_location());
        }
        let mut ifr: libc::ifreq = std::mem::zeroed();
        ifr.ifr_name[0] = b'l' as libc::c_char;
        ifr.ifr_name[1] = b'o' as libc::c_char;
        let mut rc = libc::ioctl(fd, GET_INTERFACE_FLAGS, &mut ifr);
        if rc == 0 {
            ifr.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            rc = libc::ioctl(fd, SET_INTERFACE_FLAGS, &ifr);
        }
        let err = *libc::__errno_location();
        libc::close(fd);
        if rc != 0 {
            return Err(err);
        }
    }
    Ok(())
}

/// Drops every capability for good: the bounding set (so even uid 0 gains none at execve),
/// the ambient set, then effective/permitted/inheritable. Dropping the bounding set needs
/// CAP_SETPCAP, which an unprivileged caller outside a user namespace lacks (and then has no
/// capabilities to lose), so that failure only counts for root.
pub fn drop_capabilities(last_cap: u32, root: bool) -> Result<(), StepError> {
    for cap in 0..=last_cap.min(63) {
        let set = CapabilitySet::from_bits_retain(1u64 << cap);
        match rustix::thread::remove_capability_from_bounding_set(set) {
            Ok(()) => {}
            Err(e) if e == rustix::io::Errno::INVAL => {}
            Err(e) if root => return Err(("dropping the capability bounding set", errno(e))),
            Err(_) => break,
        }
    }
    let _ = rustix::thread::clear_ambient_capability_set();
    let none = CapabilitySets {
        effective: CapabilitySet::empty(),
        permitted: CapabilitySet::empty(),
        inheritable: CapabilitySet::empty(),
    };
    rustix::thread::set_capabilities(None, none).map_err(|e| ("dropping capabilities", errno(e)))
}

/// The highest capability number this kernel knows (`/proc/sys/kernel/cap_last_cap`).
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(40)
}

/// Runs `probe` in a throwaway forked child; its exit code (0: success).
fn in_child(probe: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only makes raw syscalls and exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return 255;
    }
    if pid == 0 {
        let code = probe();
        // SAFETY: leaving the forked child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for the child just forked.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        255
    }
}

/// Whether this host lets an unprivileged process create a user + network namespace and map
/// itself into it (probed in a throwaway child, for `envm doctor`).
pub fn probe_user_namespaces() -> Result<(), String> {
    let maps = IdMaps::current();
    let code = in_child(|| match unshare_user() {
        Err(e) => e.clamp(1, 200),
        Ok(()) => match write_maps(&maps) {
            Err(_) => 201,
            Ok(()) => unshare_layers(true, false).map_or_else(|e| e.clamp(1, 200), |()| 0),
        },
    });
    match code {
        0 => Ok(()),
        201 => Err(
            "a user namespace was created but mapping ids into it was refused (AppArmor or an LSM)"
                .into(),
        ),
        255 => Err("the probe could not run".into()),
        e => Err(format!(
            "unshare refused: {}",
            std::io::Error::from_raw_os_error(e)
        )),
    }
}

/// What the mount and PID namespace probe found (for `envm doctor`).
pub struct IsolationProbe {
    pub mount: Result<(), String>,
    pub pid: Result<(), String>,
}

/// Whether a run can have its own mount namespace (with private mounts) and its own PID
/// namespace with a fresh /proc, probed in throwaway children as the sandbox does it.
pub fn probe_isolation() -> IsolationProbe {
    let maps = IdMaps::current();
    let code = in_child(|| {
        if unshare_user().is_err() || write_maps(&maps).is_err() {
            return 10;
        }
        if unshare_layers(false, true).is_err() {
            return 11;
        }
        if super::mount_api::make_private().is_err() {
            return 12;
        }
        match in_child(|| super::mount_api::mount_proc().map_or(14, |()| 0)) {
            0 => 0,
            14 => 14,
            _ => 13,
        }
    });
    let no_userns = "needs a user namespace, which this host refuses".to_string();
    match code {
        0 => IsolationProbe {
            mount: Ok(()),
            pid: Ok(()),
        },
        10 => IsolationProbe {
            mount: Err(no_userns.clone()),
            pid: Err(no_userns),
        },
        11 => IsolationProbe {
            mount: Err("unshare(CLONE_NEWNS | CLONE_NEWPID) refused".into()),
            pid: Err("unshare(CLONE_NEWNS | CLONE_NEWPID) refused".into()),
        },
        12 => IsolationProbe {
            mount: Err("mounts cannot be made private in a new mount namespace".into()),
            pid: Err("no mount namespace to mount a private /proc in".into()),
        },
        13 => IsolationProbe {
            mount: Ok(()),
            pid: Err("the namespace's first process could not start".into()),
        },
        _ => IsolationProbe {
            mount: Ok(()),
            pid: Err(
                "a fresh /proc cannot be mounted (the host's /proc is partly hidden, as in some containers)"
                    .into(),
            ),
        },
    }
}
