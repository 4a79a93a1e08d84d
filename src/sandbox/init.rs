//! Waiting for a sandboxed process while passing signals on to it, for the two waiters of a
//! run: envm itself and the PID namespace's init.
//!
//! The command never runs as PID 1: a namespace's init ignores every signal it has no
//! handler for, so `kill -TERM` and forwarded ^C would be lost. envm's own init (a cloned
//! copy of envm that never execs) forks the command, forwards signals to it, reaps whatever
//! gets reparented to it, and once the command ends kills and reaps everything left in the
//! namespace ([`end_namespace`]) before it reports, so nothing outlives the run.
//! Everything here is async-signal-safe and allocation-free (it runs after fork).

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static TARGET: AtomicI32 = AtomicI32::new(0);
static SKIP_KERNEL: AtomicBool = AtomicBool::new(false);

/// Signals passed on to the sandboxed command.
pub const FORWARDED: [libc::c_int; 7] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
];

extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let pid = TARGET.load(Ordering::SeqCst);
    if pid <= 0 {
        return;
    }
    // A terminal's ^C reaches a process sharing our process group by itself: don't send twice.
    // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
    let from_kernel = !info.is_null() && unsafe { (*info).si_code } == libc::SI_KERNEL;
    if from_kernel && SKIP_KERNEL.load(Ordering::SeqCst) {
        return;
    }
    // SAFETY: kill is async-signal-safe.
    unsafe { libc::kill(pid, sig) };
}

fn signal_set() -> libc::sigset_t {
    // SAFETY: building a sigset on the stack.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in FORWARDED {
            libc::sigaddset(&mut set, sig);
        }
        set
    }
}

/// Blocks the forwarded signals and returns the mask before, so none is lost or fatal between
/// a fork and the handler that passes it on. [`restore_mask`] undoes it.
pub fn block_forwarded() -> libc::sigset_t {
    let set = signal_set();
    // SAFETY: changing this thread's mask with a valid set; the old one is written to `old`.
    unsafe {
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigprocmask(libc::SIG_BLOCK, &set, &mut old);
        old
    }
}

/// Puts back the signal mask [`block_forwarded`] returned.
pub fn restore_mask(old: &libc::sigset_t) {
    // SAFETY: setting this thread's mask from a valid set.
    unsafe { libc::sigprocmask(libc::SIG_SETMASK, old, std::ptr::null_mut()) };
}

/// Gives the forwarded signals their default action again (a process about to exec, which
/// must not run a handler inherited from its parent meanwhile).
pub fn reset_forwarded() {
    for sig in FORWARDED {
        // SAFETY: restoring the default disposition.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
}

/// For a PID namespace's init whose command has ended: kills every other process left in the
/// namespace and reaps them all, so nothing of the run is alive once the init reports.
pub fn end_namespace() {
    let mut status = 0;
    loop {
        // SAFETY: from a namespace's init, -1 reaches every other process in it.
        unsafe { libc::kill(-1, libc::SIGKILL) };
        // SAFETY: reaping our own children, reparented orphans included.
        let rc = unsafe { libc::waitpid(-1, &mut status, 0) };
        // SAFETY: reading this thread's errno.
        if rc < 0 && unsafe { *libc::__errno_location() } == libc::ECHILD {
            return;
        }
    }
}

/// Sends every forwarded signal this process receives on to `pid`. With `skip_kernel`,
/// signals the kernel sent (a terminal's ^C to the whole foreground group) are not passed on:
/// `pid` got its own copy.
pub fn forward_to(pid: libc::pid_t, skip_kernel: bool) {
    TARGET.store(pid, Ordering::SeqCst);
    SKIP_KERNEL.store(skip_kernel, Ordering::SeqCst);
    for sig in FORWARDED {
        // SAFETY: installing a handler that only calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = forward as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// Waits until `pid` ends; its exit code, or 128+signal. With `reap_all` (an init), every
/// other child that ends meanwhile is reaped too.
pub fn wait_for(pid: libc::pid_t, reap_all: bool) -> i32 {
    let mut status = 0;
    let which = if reap_all { -1 } else { pid };
    loop {
        // SAFETY: waiting for our own children.
        let rc = unsafe { libc::waitpid(which, &mut status, 0) };
        if rc == pid {
            break;
        }
        // SAFETY: reading this thread's errno.
        if rc < 0 && unsafe { *libc::__errno_location() } != libc::EINTR {
            return 1;
        }
    }
    TARGET.store(0, Ordering::SeqCst);
    if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    }
}

/// Whether envm has gone (the read end of the report pipe closed): `report_fd` is its write
/// end.
pub fn envm_is_gone(report_fd: i32) -> bool {
    let mut poll = libc::pollfd {
        fd: report_fd,
        events: 0,
        revents: 0,
    };
    // SAFETY: polling one fd without waiting; a pipe with no reader reports POLLERR.
    unsafe { libc::poll(&mut poll, 1, 0) > 0 && poll.revents & libc::POLLERR != 0 }
}
