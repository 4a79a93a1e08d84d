//! Running a package manager (`npm`, `pip`, `corepack`, `go`) from a shim: instead of
//! replacing the shim, it runs as a child, and once it returns the shims are refreshed when a
//! toolchain's bin folder changed ([`crate::link::refresh_if_stale`]), so what `npm i -g` or
//! `pip install` just added runs through the shims on the very next command.
//!
//! The child is in the shim's process group, so the terminal's Ctrl-C and Ctrl-\ reach it
//! directly; the shim ignores them while it waits. SIGTERM and SIGHUP sent to the shim alone
//! (a supervisor stopping what it started) are passed on to the child. The child's exit code
//! is returned, and a child killed by a signal kills the shim with the same signal, so callers
//! see what they would have seen without envm.

use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::layout::Layout;
use crate::run::exec::{Env, ExecError};

/// Runs `program` (`argv[0]` its path) with `args` in exactly `env`, then refreshes the shims.
pub fn run_then_refresh(
    layout: &Layout,
    program: &Path,
    args: &[OsString],
    env: &Env,
) -> Result<i32, ExecError> {
    let mut child = std::process::Command::new(program);
    child
        .arg0(program)
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)));
    // Spawned before the shim changes any disposition: the child starts with the usual ones.
    let spawned = child.spawn();
    if let Ok(child) = &spawned {
        CHILD.store(i32::try_from(child.id()).unwrap_or(0), Ordering::SeqCst);
    }
    let forward_handler = forward as extern "C" fn(libc::c_int) as libc::sighandler_t;
    let changed = [
        (libc::SIGINT, libc::SIG_IGN),
        (libc::SIGQUIT, libc::SIG_IGN),
        (libc::SIGTERM, forward_handler),
        (libc::SIGHUP, forward_handler),
    ]
    .map(|(sig, handler)| {
        // SAFETY: the handler only calls the async-signal-safe `kill`; this affects only
        // this process, and every disposition is restored below.
        (sig, unsafe { libc::signal(sig, handler) })
    });
    let status = spawned
        .and_then(|mut child| child.wait())
        .map_err(|source| ExecError::Exec {
            program: program.to_path_buf(),
            source,
        });
    for (sig, previous) in changed {
        // SAFETY: restores the disposition saved above.
        unsafe { libc::signal(sig, previous) };
    }
    let status = status?;
    // The package manager's work has landed, whatever its exit: a failure here only warns.
    if let Err(err) = crate::link::refresh_if_stale(layout) {
        eprintln!("envm: warning: the shims were not updated: {err}");
    }
    if let Some(code) = status.code() {
        return Ok(code);
    }
    let signal = status.signal().unwrap_or(libc::SIGTERM);
    // SAFETY: resets `signal` to its default action and sends it to this process, which then
    // ends the way the child did.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
    Ok(128 + signal)
}

/// The running child's pid, for [`forward`] (0: none).
static CHILD: AtomicI32 = AtomicI32::new(0);

/// Passes a signal the shim received on to the child.
extern "C" fn forward(signal: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: `kill` is async-signal-safe.
        unsafe { libc::kill(pid, signal) };
    }
}
