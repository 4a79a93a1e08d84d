//! Starting the sandboxed process: [`run_sandboxed`] does everything that allocates (paths,
//! Landlock rules, BPF, argv/envp, the private temp dir) in the parent; [`Plan::run`] forks,
//! applies the layers in the child in a fixed order and execs, while the parent forwards
//! signals and returns the exit code or 128+signal.
//!
//! Child order: setsid (batch runs) → user/IPC/net namespaces (or the seccomp socket fallback)
//! → parent-death signal → drop capabilities → RLIMIT_CORE=0 → Landlock (sets no_new_privs) →
//! close fds > 2 → seccomp → execve. A failing step is written to a CLOEXEC pipe as
//! (step, errno) and the parent reports it; EOF on the pipe means execve succeeded.

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use landlock::{RulesetCreated, RulesetStatus};
use seccompiler::BpfProgram;

use super::landlock as ll;
use super::namespaces::{self, IdMaps};
use super::policy::Settings;
use super::{SandboxError, env_filter, roots, seccomp};
use crate::layout::Layout;
use crate::run::exec;

/// Steps the child reports failures of (index sent through the pipe).
const STEPS: [&str; 9] = [
    "setsid",
    "writing uid_map",
    "writing setgroups",
    "writing gid_map",
    "parent-death signal",
    "dropping capabilities",
    "Landlock",
    "seccomp",
    "execve",
];

fn step_index(name: &str) -> u32 {
    STEPS.iter().position(|s| *s == name).unwrap_or(0) as u32
}

/// Everything the child needs, built before the fork.
pub struct Plan {
    program: PathBuf,
    c_program: CString,
    /// The strings `argv_ptrs` / `envp_ptrs` point into; they must live as long as the plan.
    _argv: Vec<CString>,
    _envp: Vec<CString>,
    argv_ptrs: Vec<*const libc::c_char>,
    envp_ptrs: Vec<*const libc::c_char>,
    ruleset: Option<RulesetCreated>,
    filter: BpfProgram,
    fallback_filter: BpfProgram,
    maps: IdMaps,
    no_network: bool,
    use_userns: bool,
    best_effort: bool,
    new_session: bool,
    last_cap: u32,
    root: bool,
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
    let mut envp = Vec::with_capacity(env.len());
    for (k, v) in &env {
        let mut kv = k.as_bytes().to_vec();
        kv.push(b'=');
        kv.extend_from_slice(v.as_bytes());
        envp.push(cstring(&kv)?);
    }
    // SAFETY: isatty only inspects fd 0.
    let interactive = unsafe { libc::isatty(0) } == 1;
    let plan = Plan {
        c_program: cstring(resolved.as_os_str().as_bytes())?,
        program: resolved,
        argv_ptrs: pointers(&argv),
        envp_ptrs: pointers(&envp),
        _argv: argv,
        _envp: envp,
        ruleset,
        filter,
        fallback_filter,
        maps: IdMaps::current(),
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
        loop {
            match self.spawn_once()? {
                Spawned::Running(pid) => return Ok(wait_forwarding(pid, !self.new_session)),
                Spawned::MapsRefused => {
                    // A namespace was created but ids could not be mapped into it (an LSM):
                    // start again without namespaces, using the seccomp socket filter.
                    self.use_userns = false;
                }
            }
        }
    }

    fn spawn_once(&self) -> Result<Spawned, SandboxError> {
        let ruleset = match &self.ruleset {
            Some(r) => Some(
                r.try_clone()
                    .map_err(io_err("cannot duplicate the Landlock ruleset"))?,
            ),
            None => None,
        };
        let (read_fd, write_fd) = pipe()?;
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
            // SAFETY: closing our copy of the read end.
            unsafe { libc::close(read_fd) };
            self.child_main(ruleset, write_fd, parent.as_raw_nonzero().get());
        }
        drop(ruleset);
        // SAFETY: closing the parent's copy of the write end.
        unsafe { libc::close(write_fd) };
        let mut buf = [0u8; 8];
        let n = read_full(read_fd, &mut buf);
        // SAFETY: done with the read end.
        unsafe { libc::close(read_fd) };
        if n < 8 {
            return Ok(Spawned::Running(pid));
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
            stage => SandboxError::Setup { stage, source },
        })
    }

    /// The forked child: applies every layer, then execs. Never returns.
    fn child_main(&self, ruleset: Option<RulesetCreated>, report_fd: i32, parent: i32) -> ! {
        let fail = |step: &str, errno: i32| -> ! {
            let mut buf = [0u8; 8];
            buf[..4].copy_from_slice(&step_index(step).to_ne_bytes());
            buf[4..].copy_from_slice(&errno.to_ne_bytes());
            // SAFETY: writing a stack buffer to our pipe, then leaving without destructors.
            unsafe {
                libc::write(report_fd, buf.as_ptr().cast(), 8);
                libc::_exit(126)
            }
        };
        let note = |text: &[u8]| {
            // SAFETY: writing a static message to stderr.
            unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
        };
        if self.new_session && rustix::process::setsid().is_err() {
            fail("setsid", errno_now());
        }
        let mut filter = &self.filter;
        let in_userns = self.use_userns && namespaces::unshare(self.no_network).is_ok();
        if in_userns {
            if let Err((step, e)) = namespaces::write_maps(&self.maps) {
                fail(step, e);
            }
            if self.no_network {
                // Without lo only loopback inside breaks; the host stays unreachable.
                let _ = namespaces::loopback_up();
            }
        } else if self.no_network {
            filter = &self.fallback_filter;
            note(b"envm: sandbox: user namespaces are refused here; network is cut by the seccomp socket filter instead (AF_UNIX only)\n");
        }
        let death = rustix::process::Signal::KILL;
        if rustix::process::set_parent_process_death_signal(Some(death)).is_err() {
            fail("parent-death signal", errno_now());
        }
        if rustix::process::getppid().map(|p| p.as_raw_nonzero().get()) != Some(parent) {
            // SAFETY: the parent is already gone; leave quietly.
            unsafe { libc::_exit(1) };
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
                self.envp_ptrs.as_ptr(),
            )
        };
        fail("execve", errno_now())
    }
}

enum Spawned {
    Running(libc::pid_t),
    MapsRefused,
}

/// The working directory for resolving a relative program name.
fn project_dir_cwd(project: &Path) -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| project.to_path_buf())
}

fn errno_now() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// Null-terminated pointer array over `strings` (which must outlive its use).
fn pointers(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// A pipe whose ends are CLOEXEC and above fd 2.
fn pipe() -> Result<(i32, i32), SandboxError> {
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

fn read_full(fd: i32, buf: &mut [u8]) -> usize {
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
fn close_fds_except(keep: i32) {
    // SAFETY: close_range on fd ranges; no memory involved.
    unsafe {
        if keep > 3 {
            libc::syscall(libc::SYS_close_range, 3u32, (keep - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (keep + 1) as u32, u32::MAX, 0u32);
    }
}

static CHILD: AtomicI32 = AtomicI32::new(0);
static SHARED_GROUP: AtomicBool = AtomicBool::new(false);
const FORWARDED: [libc::c_int; 7] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
];

extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid <= 0 {
        return;
    }
    // A terminal's ^C reaches a child sharing our process group by itself: don't send twice.
    // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
    let from_kernel = !info.is_null() && unsafe { (*info).si_code } == libc::SI_KERNEL;
    if from_kernel && SHARED_GROUP.load(Ordering::SeqCst) {
        return;
    }
    // SAFETY: kill is async-signal-safe.
    unsafe { libc::kill(pid, sig) };
}

/// Waits for `pid`, forwarding signals to it; its exit code, or 128+signal.
fn wait_forwarding(pid: libc::pid_t, shared_group: bool) -> i32 {
    CHILD.store(pid, Ordering::SeqCst);
    SHARED_GROUP.store(shared_group, Ordering::SeqCst);
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
    let mut status = 0;
    loop {
        // SAFETY: waiting for our own child.
        let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
        if rc == pid {
            break;
        }
        if rc < 0 && errno_now() != libc::EINTR {
            return 1;
        }
    }
    CHILD.store(0, Ordering::SeqCst);
    if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    }
}
