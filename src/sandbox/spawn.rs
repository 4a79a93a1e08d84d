//! Starting the sandboxed process: [`run_sandboxed`] does everything that allocates (paths,
//! Landlock rules, BPF, argv/envp, the mount plan) in the parent; [`Plan::run`] clones the
//! child, which applies the layers in a fixed order and execs, while the parent forwards
//! signals and returns the exit code or 128+signal.
//!
//! The child is cloned straight into new user, IPC, mount, PID (and network) namespaces, so
//! it is PID 1 of its namespace: envm's init ([`init`]). It maps its ids, brings up loopback,
//! makes the mounts ([`mounts`]) and a fresh /proc, sets the parent-death signal and forks
//! the command: setsid (batch runs) → drop capabilities → RLIMIT_CORE=0 → Landlock (sets
//! no_new_privs) → close fds > 2 → seccomp → execve. Best-effort runs on hosts refusing those
//! namespaces get a child that becomes the command itself. A failing step is written to a
//! CLOEXEC pipe as (step, errno); the init writes the exit status on the same pipe once every
//! process of the run has ended, and envm sleeps on it until then.

use landlock::{RulesetCreated, RulesetStatus};
use seccompiler::BpfProgram;
use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::landlock as ll;
use super::namespaces::{self, IdMaps};
use super::policy::Settings;
use super::report::{
    STEPS, close_fds_except, errno_now, missing_layer, note, pipe, read_full, report_failure,
};
use super::{SandboxError, env_filter, init, mounts, roots, seccomp};
use crate::layout::Layout;
use crate::run::exec;

/// Printed by best-effort runs that got no mount and PID namespaces.
const NO_ISOLATION: &[u8] = b"envm: sandbox (best-effort): NOT enforced: mount and PID namespaces (.git, pin files and envm's folders stay writable, /tmp, /dev/shm and host processes stay visible, background processes may outlive the run)\n";

/// Everything the child needs, built before the fork.
pub struct Plan {
    program: PathBuf,
    c_program: CString,
    /// The strings `argv_ptrs` / `envp_ptrs` point into; they must live as long as the plan.
    _argv: Vec<CString>,
    _envp: Vec<CString>,
    argv_ptrs: Vec<*const libc::c_char>,
    envp_ptrs: Vec<*const libc::c_char>,
    /// The same environment with `$TMPDIR` (and `TMP`, `TEMP`) `/tmp`, for a run in its own
    /// mount namespace.
    _envp_isolated: Vec<CString>,
    envp_isolated_ptrs: Vec<*const libc::c_char>,
    ruleset: Option<RulesetCreated>,
    filter: BpfProgram,
    fallback_filter: BpfProgram,
    maps: IdMaps,
    mounts: mounts::MountPlan,
    no_network: bool,
    use_userns: bool,
    best_effort: bool,
    new_session: bool,
    last_cap: u32,
    root: bool,
    /// The signal mask envm had before blocking the forwarded signals; the command gets it.
    saved_mask: libc::sigset_t,
    // Dropped after `mounts` (which reopens folders inside them for deletion).
    _tmp: Option<tempfile::TempDir>,
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SandboxError {
    let what = what.into();
    move |source| SandboxError::Io { what, source }
}

fn cstring(bytes: &[u8]) -> Result<CString, SandboxError> {
    CString::new(bytes).map_err(|_| SandboxError::Io {
        what: "an argument or variable holds a NUL byte".into(),
        source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
    })
}

/// Whether the kernel has seccomp filtering.
fn seccomp_available() -> bool {
    // SAFETY: PR_GET_SECCOMP takes no pointer.
    unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 }
}

/// Every layer this host cannot enforce, for people (empty when all work).
pub fn missing_layers() -> Vec<String> {
    let mut out = ll::missing(ll::kernel_abi());
    if !seccomp_available() {
        out.push("seccomp syscall filter (kernel without CONFIG_SECCOMP_FILTER)".into());
    }
    out
}

/// Runs `program args` with `env` inside the sandbox `settings` describe, the project folder
/// `project_dir` being its writable root; returns the exit code, or 128+N for signal N.
/// `program` is looked up on the PATH found in `env` when it has no slash. Everything that
/// allocates happens here, before the fork.
pub fn run_sandboxed(
    settings: &Settings,
    layout: &Layout,
    project_dir: &Path,
    program: &OsStr,
    args: &[OsString],
    env: &[(OsString, OsString)],
) -> Result<i32, SandboxError> {
    let missing = missing_layers();
    if !missing.is_empty() {
        if !settings.best_effort {
            return Err(SandboxError::Unavailable { missing });
        }
        eprintln!(
            "envm: sandbox (best-effort): NOT enforced on this host: {}",
            missing.join("; ")
        );
    }
    let site = roots::Site::locate(project_dir, env)?;
    let (mut env, _dropped) = env_filter::filter(env, &settings.allow_env);
    env.retain(|(k, _)| !["TMPDIR", "TMP", "TEMP"].contains(&k.to_string_lossy().as_ref()));
    let path_var = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_os_str());
    let resolved = exec::find_program(program, path_var, &project_dir_cwd(&site.project))
        .filter(|p| exec::is_executable(p))
        .ok_or_else(|| SandboxError::CommandNotFound {
            program: program.to_os_string(),
        })?;

    let mut roots = roots::compute(settings, layout, &site, &resolved, &mut env)?;
    let joined =
        |a: &[PathBuf], b: &[PathBuf]| -> Vec<PathBuf> { a.iter().chain(b).cloned().collect() };
    let writable = joined(&roots.write, &roots.allowed_write);
    let visible = joined(&roots.read, &roots.allowed_read);
    // The private /tmp is a fresh tmpfs mounted in the child, with no host folder made (and
    // deleted) per run, unless a root the run needs lies under /tmp (it is then bound back
    // into a host folder that replaces /tmp) or the run may get no mount namespace at all
    // (best-effort: its $TMPDIR must exist on the host).
    let host_tmp = settings.best_effort || mounts::any_under_tmp(writable.iter().chain(&visible));
    let tmp = host_tmp
        .then(|| {
            tempfile::Builder::new()
                .prefix("envm-sandbox-")
                .tempdir()
                .map_err(io_err("cannot create the sandbox's private temp dir"))
        })
        .transpose()?;
    let tmp_path = tmp
        .as_ref()
        .map(|t| t.path().canonicalize())
        .transpose()
        .map_err(io_err("cannot open the sandbox's private temp dir"))?;
    for key in ["TMPDIR", "TMP", "TEMP"] {
        let dir = tmp_path.as_deref().unwrap_or(Path::new("/tmp"));
        env.push((key.into(), dir.as_os_str().to_os_string()));
    }
    roots.write.extend(tmp_path.clone());
    // The mount namespace's read-only paths and private /tmp and /dev/shm (see `mounts`).
    let mounts = mounts::prepare(&mounts::Request {
        layout,
        writable,
        visible,
        tmp: tmp_path.as_deref(),
    })?;
    let ruleset = if ll::kernel_abi() >= 1 {
        Some(ll::build(roots)?)
    } else {
        None
    };

    let no_network = !settings.allow_net;
    let filter = seccomp::build(false)?;
    let fallback_filter = if no_network {
        seccomp::build(true)?
    } else {
        filter.clone()
    };
    let mut argv = vec![cstring(program.as_bytes())?];
    for a in args {
        argv.push(cstring(a.as_bytes())?);
    }
    let envp = env_strings(&env, None)?;
    // Inside the mount namespace the private temp dir is /tmp itself.
    let envp_isolated = env_strings(&env, Some(Path::new("/tmp")))?;
    // SAFETY: isatty only inspects fd 0.
    let interactive = unsafe { libc::isatty(0) } == 1;
    let plan = Plan {
        c_program: cstring(resolved.as_os_str().as_bytes())?,
        program: resolved,
        argv_ptrs: pointers(&argv),
        envp_ptrs: pointers(&envp),
        envp_isolated_ptrs: pointers(&envp_isolated),
        _envp_isolated: envp_isolated,
        _argv: argv,
        _envp: envp,
        ruleset,
        filter,
        fallback_filter,
        maps: IdMaps::current(),
        mounts,
        no_network,
        use_userns: true,
        best_effort: settings.best_effort,
        new_session: !interactive,
        last_cap: namespaces::last_cap(),
        root: rustix::process::geteuid().is_root(),
        // SAFETY: an all-zero sigset is a valid (empty) set; `run` fills it.
        saved_mask: unsafe { std::mem::zeroed() },
        _tmp: tmp,
    };
    plan.run()
}

/// How the child is started: as the init of its own user, IPC, mount, PID (and network)
/// namespaces, with a user (IPC and network) namespace only, or with none (best-effort runs).
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Isolated,
    NetworkOnly,
    Bare,
}

/// A record on the report pipe whose step is this is the run's exit status, not a failure.
const STATUS_RECORD: u32 = u32::MAX;

fn namespace_flags(mode: Mode, no_network: bool) -> libc::c_int {
    let net = if no_network { libc::CLONE_NEWNET } else { 0 };
    match mode {
        Mode::Isolated => {
            libc::CLONE_NEWUSER | libc::CLONE_NEWIPC | libc::CLONE_NEWNS | libc::CLONE_NEWPID | net
        }
        Mode::NetworkOnly => libc::CLONE_NEWUSER | libc::CLONE_NEWIPC | net,
        Mode::Bare => 0,
    }
}

impl Plan {
    /// Starts the sandboxed command, waits for it; the exit code or 128+signal.
    ///
    /// The forwarded signals are blocked before the child is made and stay blocked until
    /// envm's handler knows whom to pass them to, so a signal that arrives meanwhile is
    /// forwarded, never lost or fatal to envm alone; the child restores the old mask before
    /// execve. envm then sleeps on one pipe until the run's init reports the exit status.
    pub fn run(mut self) -> Result<i32, SandboxError> {
        self.saved_mask = init::block_forwarded();
        let outcome = self.spawn_and_wait();
        init::restore_mask(&self.saved_mask);
        outcome
    }

    fn spawn_and_wait(&mut self) -> Result<i32, SandboxError> {
        loop {
            match self.spawn_once()? {
                Spawned::Exited(code) => return Ok(code),
                Spawned::MapsRefused if self.must_isolate() => {
                    return Err(SandboxError::Unavailable {
                        missing: vec!["user namespaces, needed for the mount and PID namespaces (one was created but ids could not be mapped into it: an LSM refused)".into()],
                    });
                }
                Spawned::MapsRefused => {
                    // A namespace was created but ids could not be mapped into it (an LSM):
                    // start again without namespaces, using the seccomp socket filter.
                    self.use_userns = false;
                }
            }
        }
    }

    /// Clones the child in the most isolated mode the host allows (only the full one unless
    /// best-effort).
    fn start_child(&self) -> Result<(libc::pid_t, Mode), SandboxError> {
        let modes: &[Mode] = match (self.use_userns, self.must_isolate()) {
            (false, _) => &[Mode::Bare],
            (true, true) => &[Mode::Isolated],
            (true, false) => &[Mode::Isolated, Mode::NetworkOnly, Mode::Bare],
        };
        let mut refused = 0;
        for &mode in modes {
            let pid = match mode {
                // SAFETY: the child only runs allocation-free code ending in execve or _exit.
                Mode::Bare => unsafe { libc::fork() },
                _ => namespaces::clone_into(namespace_flags(mode, self.no_network)),
            };
            if pid >= 0 {
                return Ok((pid, mode));
            }
            refused = errno_now();
        }
        let source = std::io::Error::from_raw_os_error(refused);
        Err(match self.use_userns {
            true => SandboxError::Unavailable {
                missing: missing_layer("user namespace", &source)
                    .into_iter()
                    .collect(),
            },
            false => SandboxError::Setup {
                stage: "fork",
                source,
            },
        })
    }

    fn spawn_once(&self) -> Result<Spawned, SandboxError> {
        let clone = |r: &RulesetCreated| {
            r.try_clone()
                .map_err(io_err("cannot duplicate the Landlock ruleset"))
        };
        let ruleset = self.ruleset.as_ref().map(clone).transpose()?;
        // A second handle on the same ruleset, for the rules the init adds on the new /proc
        // and /dev/shm.
        let rules_fd: Option<OwnedFd> = self
            .ruleset
            .as_ref()
            .map(clone)
            .transpose()?
            .and_then(Into::into);
        let rules_fd = rules_fd.as_ref().map_or(-1, |fd| fd.as_raw_fd());
        let (read_fd, write_fd) = pipe()?;
        // SAFETY: just created and owned here alone.
        let report = unsafe { OwnedFd::from_raw_fd(read_fd) };
        let parent = rustix::process::getpid().as_raw_nonzero().get();
        let (pid, mode) = match self.start_child() {
            Ok(started) => started,
            Err(e) => {
                // SAFETY: closing the unused write end.
                unsafe { libc::close(write_fd) };
                return Err(e);
            }
        };
        if pid == 0 {
            // SAFETY: closing our copy of the read end.
            unsafe { libc::close(read_fd) };
            match mode {
                Mode::Isolated => self.init_main(ruleset, rules_fd, write_fd),
                _ => self.bare_main(ruleset, mode, write_fd, parent),
            }
        }
        drop(ruleset);
        // SAFETY: closing the parent's copy of the write end.
        unsafe { libc::close(write_fd) };
        init::forward_to(pid, !self.new_session);
        init::restore_mask(&self.saved_mask);
        let mut buf = [0u8; 8];
        let n = read_full(report.as_raw_fd(), &mut buf);
        init::block_forwarded();
        let step = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let value = i32::from_ne_bytes([buf[4], buf[5], buf[6], buf[7]]);
        if n == 8 && step == STATUS_RECORD {
            // The init reported after every process of the run ended; it still leaves its
            // namespaces (an RCU grace period), which envm need not wait for.
            return Ok(Spawned::Exited(value));
        }
        let code = init::wait_for(pid, false);
        if n < 8 {
            // No record: the command exec'd outside a PID namespace, or the init was killed.
            return Ok(Spawned::Exited(code));
        }
        let step = STEPS.get(step as usize).copied().unwrap_or("set-up");
        let source = std::io::Error::from_raw_os_error(value);
        Err(match step {
            "writing uid_map" | "writing setgroups" | "writing gid_map" => {
                return Ok(Spawned::MapsRefused);
            }
            "execve" => SandboxError::Exec {
                program: self.program.clone(),
                source,
            },
            stage => match missing_layer(stage, &source) {
                Some(layer) => SandboxError::Unavailable {
                    missing: vec![layer],
                },
                None => SandboxError::Setup { stage, source },
            },
        })
    }

    /// Whether a missing mount or PID namespace must stop the run.
    fn must_isolate(&self) -> bool {
        !self.best_effort
    }

    /// A child without mount and PID namespaces (best-effort runs only): maps its ids when in
    /// a user namespace, brings up loopback in its own network, and becomes the command.
    fn bare_main(
        &self,
        ruleset: Option<RulesetCreated>,
        mode: Mode,
        report_fd: i32,
        parent: i32,
    ) -> ! {
        let fail = |step: &str, errno: i32| -> ! { report_failure(report_fd, step, errno) };
        if mode == Mode::NetworkOnly
            && let Err((step, e)) = namespaces::write_maps(&self.maps)
        {
            fail(step, e);
        }
        let mut filter = &self.filter;
        if mode == Mode::NetworkOnly && self.no_network {
            // Without lo only loopback inside breaks; the host stays unreachable.
            let _ = namespaces::loopback_up();
        } else if self.no_network {
            filter = &self.fallback_filter;
            note(b"envm: sandbox: user namespaces are refused here; network is cut by the seccomp socket filter instead (AF_UNIX only)\n");
        }
        note(NO_ISOLATION);
        let death = rustix::process::Signal::KILL;
        if rustix::process::set_parent_process_death_signal(Some(death)).is_err() {
            fail("parent-death signal", errno_now());
        }
        if rustix::process::getppid().map(|p| p.as_raw_nonzero().get()) != Some(parent) {
            // SAFETY: the parent is already gone; leave quietly.
            unsafe { libc::_exit(1) };
        }
        self.exec_command(ruleset, filter, report_fd, &self.envp_ptrs)
    }

    /// PID 1 of the run's namespaces, cloned straight from envm: maps its ids, brings up
    /// loopback, makes the mounts and a fresh /proc, forks the command, forwards signals to
    /// it and reaps orphans. Once the command ends it kills and reaps whatever is left, then
    /// writes the exit status on the report pipe and exits with it. Never returns.
    fn init_main(&self, ruleset: Option<RulesetCreated>, rules_fd: i32, report_fd: i32) -> ! {
        let fail = |step: &str, errno: i32| -> ! { report_failure(report_fd, step, errno) };
        if let Err((step, e)) = namespaces::write_maps(&self.maps) {
            fail(step, e);
        }
        if self.no_network {
            // Without lo only loopback inside breaks; the host stays unreachable.
            let _ = namespaces::loopback_up();
        }
        if let Err((step, e)) = mounts::apply(&self.mounts, rules_fd) {
            if !self.best_effort {
                fail(step, e);
            }
            note(b"envm: sandbox (best-effort): some read-only or private mounts failed\n");
        }
        match mounts::mount_proc() {
            Ok(()) if rules_fd >= 0 => {
                if let Err(e) = mounts::allow_beneath(rules_fd, c"/proc", mounts::READ_ACCESS) {
                    fail("mounting /proc", e);
                }
            }
            Ok(()) => {}
            Err(e) if !self.best_effort => fail("mounting /proc", e),
            Err(_) => note(b"envm: sandbox (best-effort): NOT enforced: a private /proc (host processes' /proc entries stay visible)\n"),
        }
        let death = rustix::process::Signal::KILL;
        if rustix::process::set_parent_process_death_signal(Some(death)).is_err() {
            fail("parent-death signal", errno_now());
        }
        if init::envm_is_gone(report_fd) {
            // SAFETY: leaving quietly; the namespaces die with us.
            unsafe { libc::_exit(1) };
        }
        let command = namespaces::clone_into(0);
        if command < 0 {
            fail("forking the command", errno_now());
        }
        if command == 0 {
            self.exec_command(ruleset, &self.filter, report_fd, &self.envp_isolated_ptrs);
        }
        drop(ruleset);
        // Signals the kernel sends to our group (a terminal's ^C) reach the command by itself.
        init::forward_to(command, true);
        init::restore_mask(&self.saved_mask);
        let code = init::wait_for(command, true);
        init::end_namespace();
        let mut record = [0u8; 8];
        record[..4].copy_from_slice(&STATUS_RECORD.to_ne_bytes());
        record[4..].copy_from_slice(&code.to_ne_bytes());
        // SAFETY: writing a stack buffer, then leaving without the parent's destructors.
        unsafe {
            libc::write(report_fd, record.as_ptr().cast(), record.len());
            libc::_exit(code)
        }
    }

    /// The command's own set-up, then execve. Never returns.
    fn exec_command(
        &self,
        ruleset: Option<RulesetCreated>,
        filter: &BpfProgram,
        report_fd: i32,
        envp: &[*const libc::c_char],
    ) -> ! {
        let fail = |step: &str, errno: i32| -> ! { report_failure(report_fd, step, errno) };
        init::reset_forwarded();
        init::restore_mask(&self.saved_mask);
        if self.new_session && rustix::process::setsid().is_err() {
            fail("setsid", errno_now());
        }
        if let Err((step, e)) = namespaces::drop_capabilities(self.last_cap, self.root) {
            fail(step, e);
        }
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit with a valid struct.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
        if rustix::thread::set_no_new_privs(true).is_err() {
            fail("Landlock", errno_now());
        }
        match ruleset.map(RulesetCreated::restrict_self) {
            Some(Ok(status)) if status.ruleset != RulesetStatus::NotEnforced => {}
            Some(Err(_)) if !self.best_effort => fail("Landlock", errno_now()),
            Some(_) if !self.best_effort => fail("Landlock", libc::ENOSYS),
            Some(_) => note(b"envm: sandbox (best-effort): Landlock not enforced\n"),
            None => {}
        }
        close_fds_except(report_fd);
        if seccompiler::apply_filter(filter).is_err() {
            if !self.best_effort {
                fail("seccomp", errno_now());
            }
            note(b"envm: sandbox (best-effort): seccomp filter not applied\n");
        }
        // SAFETY: null-terminated pointer arrays into CStrings owned by `self`.
        unsafe {
            libc::execve(
                self.c_program.as_ptr(),
                self.argv_ptrs.as_ptr(),
                envp.as_ptr(),
            )
        };
        fail("execve", errno_now())
    }
}

enum Spawned {
    Exited(i32),
    MapsRefused,
}

/// The working directory for resolving a relative program name.
fn project_dir_cwd(project: &Path) -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| project.to_path_buf())
}

/// `KEY=VALUE` strings for execve; with `tmp`, the temp dir variables name it instead.
fn env_strings(
    env: &[(OsString, OsString)],
    tmp: Option<&Path>,
) -> Result<Vec<CString>, SandboxError> {
    let mut out = Vec::with_capacity(env.len());
    for (k, v) in env {
        let v = match tmp {
            Some(tmp) if ["TMPDIR", "TMP", "TEMP"].iter().any(|t| k == t) => tmp.as_os_str(),
            _ => v.as_os_str(),
        };
        let mut kv = k.as_bytes().to_vec();
        kv.push(b'=');
        kv.extend_from_slice(v.as_bytes());
        out.push(cstring(&kv)?);
    }
    Ok(out)
}

/// Null-terminated pointer array over `strings` (which must outlive its use).
fn pointers(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}
