//! Starting the sandboxed process: [`run_sandboxed`] does everything that allocates (paths,
//! Landlock rules, BPF, argv/envp, the private temp dirs, the mount plan) in the parent;
//! [`Plan::run`] forks, applies the layers in the child in a fixed order and execs, while the
//! parent forwards signals and returns the exit code or 128+signal.
//!
//! Child order: user namespace (or the seccomp socket fallback) → IPC, mount, PID (and net)
//! namespaces → mounts ([`mounts`]) → parent-death signal → fork the PID namespace's init
//! ([`init`]), which mounts /proc and forks the command. The command: setsid (batch runs) →
//! drop capabilities → RLIMIT_CORE=0 → Landlock (sets no_new_privs) → close fds > 2 →
//! seccomp → execve. Without a PID namespace (best-effort only) the first child is the
//! command. A failing step is written to a CLOEXEC pipe as
//! (step, errno) and the parent reports it; EOF on the pipe means execve succeeded.

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
    // Dropped after `mounts` (which reopens folders inside them for deletion).
    _tmp: tempfile::TempDir,
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
    let tmp = tempfile::Builder::new()
        .prefix("envm-sandbox-")
        .tempdir()
        .map_err(io_err("cannot create the sandbox's private temp dir"))?;
    let tmp_path = tmp
        .path()
        .canonicalize()
        .map_err(io_err("cannot open the sandbox's private temp dir"))?;

    let (mut env, _dropped) = env_filter::filter(env, &settings.allow_env);
    env.retain(|(k, _)| !["TMPDIR", "TMP", "TEMP"].contains(&k.to_string_lossy().as_ref()));
    for key in ["TMPDIR", "TMP", "TEMP"] {
        env.push((key.into(), tmp_path.clone().into_os_string()));
    }
    let path_var = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_os_str());
    let resolved = exec::find_program(program, path_var, &project_dir_cwd(&site.project))
        .filter(|p| exec::is_executable(p))
        .ok_or_else(|| SandboxError::CommandNotFound {
            program: program.to_os_string(),
        })?;

    let roots = roots::compute(settings, layout, &site, &resolved, &tmp_path, &mut env)?;
    // The mount namespace's read-only paths and private /tmp and /dev/shm (see `mounts`).
    let mounts = mounts::prepare(&mounts::Request {
        layout,
        writable: roots
            .write
            .iter()
            .chain(&roots.allowed_write)
            .cloned()
            .collect(),
        visible: roots
            .read
            .iter()
            .chain(&roots.allowed_read)
            .cloned()
            .collect(),
        tmp: &tmp_path,
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
        _tmp: tmp,
    };
    plan.run()
}

impl Plan {
    /// Forks, sandboxes and execs the child, waits for it; the exit code or 128+signal.
    pub fn run(mut self) -> Result<i32, SandboxError> {
        // Blocked until envm's handler can pass them on: a signal that arrives while the
        // child starts is then forwarded, not lost or fatal to envm alone.
        init::block_forwarded(true);
        let spawned = self.spawn_until_running();
        if let Ok((pid, _)) = spawned {
            init::forward_to(pid, !self.new_session);
        }
        init::block_forwarded(false);
        let (pid, status_fd) = spawned?;
        Ok(wait_status(pid, status_fd))
    }

    fn spawn_until_running(&mut self) -> Result<(libc::pid_t, OwnedFd), SandboxError> {
        loop {
            match self.spawn_once()? {
                Spawned::Running(pid, status_fd) => return Ok((pid, status_fd)),
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

    fn spawn_once(&self) -> Result<Spawned, SandboxError> {
        let clone = |r: &RulesetCreated| {
            r.try_clone()
                .map_err(io_err("cannot duplicate the Landlock ruleset"))
        };
        let ruleset = self.ruleset.as_ref().map(clone).transpose()?;
        // A second handle on the same ruleset, for the rule the init adds on the new /proc.
        let rules_fd: Option<OwnedFd> = self
            .ruleset
            .as_ref()
            .map(clone)
            .transpose()?
            .and_then(Into::into);
        let rules_fd = rules_fd.as_ref().map_or(-1, |fd| fd.as_raw_fd());
        let (read_fd, write_fd) = pipe()?;
        let (status_read, status_write) = pipe()?;
        // SAFETY: both ends were just created and are owned here alone.
        let status_read = unsafe { OwnedFd::from_raw_fd(status_read) };
        let parent = rustix::process::getpid();
        // SAFETY: the child only runs `child_main`, which does not allocate and ends in execve
        // or _exit.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(SandboxError::Setup {
                stage: "fork",
                source: std::io::Error::last_os_error(),
            });
        }
        if pid == 0 {
            // SAFETY: closing our copies of the read ends.
            unsafe {
                libc::close(read_fd);
                libc::close(status_read.as_raw_fd());
            }
            let fds = ChildFds {
                rules: rules_fd,
                report: write_fd,
                status: status_write,
            };
            self.child_main(ruleset, fds, parent.as_raw_nonzero().get());
        }
        drop(ruleset);
        // SAFETY: closing the parent's copies of the write ends.
        unsafe {
            libc::close(write_fd);
            libc::close(status_write);
        }
        let mut buf = [0u8; 8];
        let n = read_full(read_fd, &mut buf);
        // SAFETY: done with the read end.
        unsafe { libc::close(read_fd) };
        if n < 8 {
            return Ok(Spawned::Running(pid, status_read));
        }
        let step = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        let errno = i32::from_ne_bytes([buf[4], buf[5], buf[6], buf[7]]);
        let mut status = 0;
        // SAFETY: reaping the child that reported its failure.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        let step = STEPS.get(step).copied().unwrap_or("set-up");
        let source = std::io::Error::from_raw_os_error(errno);
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

    /// The forked child: enters the namespaces and makes the mounts, then either becomes the
    /// command (no PID namespace) or forks the namespace's init. Never returns.
    fn child_main(&self, ruleset: Option<RulesetCreated>, fds: ChildFds, parent: i32) -> ! {
        let report_fd = fds.report;
        let fail = |step: &str, errno: i32| -> ! { report_failure(report_fd, step, errno) };
        let mut in_userns = false;
        if self.use_userns {
            match namespaces::unshare_user() {
                Ok(()) => in_userns = true,
                Err(e) if self.must_isolate() => fail("user namespace", e),
                Err(_) => {}
            }
        }
        let mut isolated = false;
        let mut own_network = false;
        if in_userns {
            if let Err((step, e)) = namespaces::write_maps(&self.maps) {
                fail(step, e);
            }
            match namespaces::unshare_layers(self.no_network, true) {
                Ok(()) => (isolated, own_network) = (true, self.no_network),
                Err(e) if self.must_isolate() => fail("mount and PID namespaces", e),
                Err(_) => own_network = namespaces::unshare_layers(self.no_network, false).is_ok(),
            }
        }
        let mut filter = &self.filter;
        if own_network {
            // Without lo only loopback inside breaks; the host stays unreachable.
            let _ = namespaces::loopback_up();
        } else if self.no_network {
            filter = &self.fallback_filter;
            note(b"envm: sandbox: user namespaces are refused here; network is cut by the seccomp socket filter instead (AF_UNIX only)\n");
        }
        if isolated && let Err((step, e)) = mounts::apply(&self.mounts, fds.rules) {
            if !self.best_effort {
                fail(step, e);
            }
            note(b"envm: sandbox (best-effort): some read-only or private mounts failed\n");
        }
        if !isolated {
            note(NO_ISOLATION);
        }
        let death = rustix::process::Signal::KILL;
        if rustix::process::set_parent_process_death_signal(Some(death)).is_err() {
            fail("parent-death signal", errno_now());
        }
        if rustix::process::getppid().map(|p| p.as_raw_nonzero().get()) != Some(parent) {
            // SAFETY: the parent is already gone; leave quietly.
            unsafe { libc::_exit(1) };
        }
        if !isolated {
            self.exec_command(ruleset, filter, report_fd, &self.envp_ptrs);
        }
        let mut lifeline = [0; 2];
        // SAFETY: pipe2 fills the two-element array.
        if unsafe { libc::pipe2(lifeline.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            fail("starting the PID namespace's init", errno_now());
        }
        // SAFETY: the new process (PID 1 of the namespace) only runs `init_main`.
        let init_pid = unsafe { libc::fork() };
        if init_pid < 0 {
            fail("starting the PID namespace's init", errno_now());
        }
        if init_pid == 0 {
            // SAFETY: closing our copy of the lifeline's write end.
            unsafe { libc::close(lifeline[1]) };
            // SAFETY: the status pipe is this process's alone to write.
            unsafe { libc::close(fds.status) };
            self.init_main(ruleset, fds.rules, filter, report_fd, lifeline[0]);
        }
        drop(ruleset);
        // SAFETY: closing fds this process no longer needs (the init holds its own copies).
        unsafe {
            libc::close(report_fd);
            libc::close(lifeline[0]);
        }
        // Signals the kernel sends to our group (a terminal's ^C) reach the init by themselves.
        init::forward_to(init_pid, true);
        init::block_forwarded(false);
        let code = init::wait_for(init_pid, false);
        // envm learns the status here, not from our exit: leaving the mount namespace waits
        // for an RCU grace period (milliseconds), and nothing of the run is left but us.
        // SAFETY: writing a stack buffer, then leaving without the parent's destructors.
        unsafe {
            libc::write(fds.status, code.to_ne_bytes().as_ptr().cast(), 4);
            libc::_exit(code)
        }
    }

    /// PID 1 of the run's namespace: mounts /proc, forks the command, forwards signals to it,
    /// reaps orphans and exits with the command's status (which ends every other process in
    /// the namespace). Never returns.
    fn init_main(
        &self,
        ruleset: Option<RulesetCreated>,
        rules_fd: i32,
        filter: &BpfProgram,
        report_fd: i32,
        lifeline: i32,
    ) -> ! {
        let death = rustix::process::Signal::KILL;
        if rustix::process::set_parent_process_death_signal(Some(death)).is_err() {
            report_failure(report_fd, "parent-death signal", errno_now());
        }
        let mut poll = libc::pollfd {
            fd: lifeline,
            events: 0,
            revents: 0,
        };
        // SAFETY: polling one fd without waiting; a hang-up means the first child is gone.
        if unsafe { libc::poll(&mut poll, 1, 0) } != 0 {
            // SAFETY: leaving quietly; the namespace dies with us.
            unsafe { libc::_exit(1) };
        }
        // SAFETY: done with the lifeline.
        unsafe { libc::close(lifeline) };
        match mounts::mount_proc() {
            Ok(()) if rules_fd >= 0 => {
                if let Err(e) = mounts::allow_beneath(rules_fd, c"/proc", mounts::READ_ACCESS) {
                    report_failure(report_fd, "mounting /proc", e);
                }
            }
            Ok(()) => {}
            Err(e) if !self.best_effort => report_failure(report_fd, "mounting /proc", e),
            Err(_) => note(b"envm: sandbox (best-effort): NOT enforced: a private /proc (host processes' /proc entries stay visible)\n"),
        }
        // SAFETY: the command process only runs `exec_command`.
        let command = unsafe { libc::fork() };
        if command < 0 {
            report_failure(report_fd, "forking the command", errno_now());
        }
        if command == 0 {
            self.exec_command(ruleset, filter, report_fd, &self.envp_isolated_ptrs);
        }
        drop(ruleset);
        // SAFETY: the command holds its own copy of the report pipe.
        unsafe { libc::close(report_fd) };
        init::forward_to(command, true);
        init::block_forwarded(false);
        let code = init::wait_for(command, true);
        // SAFETY: leaving without destructors; the kernel ends the namespace's other processes.
        unsafe { libc::_exit(code) }
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
        init::block_forwarded(false);
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

/// The fds the first child gets: a second handle on the Landlock ruleset (-1: none), the
/// report pipe, and the pipe it writes the run's exit status to.
struct ChildFds {
    rules: i32,
    report: i32,
    status: i32,
}

/// The run's exit code: from the status pipe when the first child writes it (it then still
/// leaves its namespaces, which envm need not wait for), else from waiting for it.
fn wait_status(pid: libc::pid_t, status_fd: OwnedFd) -> i32 {
    let mut buf = [0u8; 4];
    if read_full(status_fd.as_raw_fd(), &mut buf) == 4 {
        return i32::from_ne_bytes(buf);
    }
    init::wait_for(pid, false)
}

enum Spawned {
    Running(libc::pid_t, OwnedFd),
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
