//! Sandbox test harness: one [`Sbx`] per test with a project (the work folder), an `outside`
//! folder next to it, planted secrets in the private HOME, and a way to run `envm exec` as
//! root or as the unprivileged user `envm-sandbox` (created by `.ci/deps`). Probes are small
//! Python programs that print `NAME ALLOWED` or `NAME DENIED ERRNO` for each attempt.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Run, TestEnv, envm_bin, write_file};

pub const SANDBOX_USER: &str = "envm-sandbox";
pub const PYTHON: &str = "/usr/bin/python3";
const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Who runs envm in a test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Who {
    Root,
    Unprivileged,
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Common Python prelude for probes.
pub const PRELUDE: &str = r#"
import os, sys, ctypes, errno, socket, signal
libc = ctypes.CDLL(None, use_errno=True)
def attempt(name, f):
    try:
        f()
        print(name, "ALLOWED", flush=True)
    except OSError as e:
        print(name, "DENIED", errno.errorcode.get(e.errno, e.errno), flush=True)
def check(r):
    if r == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r
def sc(nr, *args):
    return check(libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args]))
"#;

pub struct Sbx {
    pub env: TestEnv,
    pub who: Who,
    pub outside: PathBuf,
}

impl Sbx {
    pub fn new(who: Who) -> Sbx {
        let env = TestEnv::new();
        let outside = env.root().join("outside");
        write_file(&outside.join("existing.txt"), "original\n");
        write_file(&env.home.join(".ssh/id_ed25519"), "PRIVATE KEY\n");
        write_file(
            &env.home.join(".aws/credentials"),
            "[default]\naws_secret_access_key=x\n",
        );
        write_file(&env.work.join("a.txt"), "project file\n");
        let sbx = Sbx { env, who, outside };
        if who == Who::Unprivileged && is_root() {
            let known = Command::new("id")
                .arg(SANDBOX_USER)
                .output()
                .expect("run id");
            assert!(
                known.status.success(),
                "user `{SANDBOX_USER}` does not exist: run `bash .ci/deps` (as root) to create it"
            );
            sbx.hand_over();
        }
        sbx
    }

    /// Gives the whole test tree to the unprivileged user (again, after adding files).
    pub fn hand_over(&self) {
        if self.who != Who::Unprivileged || !is_root() {
            return;
        }
        let root = self.env.root();
        let status = Command::new("chown")
            .args(["-R", &format!("{SANDBOX_USER}:{SANDBOX_USER}")])
            .arg(&root)
            .status()
            .expect("chown");
        assert!(status.success());
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A fixture node install owned by the test's user; the path of its `node`.
    pub fn fake_node(&self) -> PathBuf {
        let node = self.env.fake_install("node", "22.11.0", &["node"], None);
        std::fs::create_dir_all(self.env.shims_dir()).unwrap();
        self.hand_over();
        node.join("bin/node")
    }

    pub fn project(&self) -> &Path {
        &self.env.work
    }

    /// A command run as this test's user: `program args`, with the test environment.
    pub fn as_user(&self, program: &Path) -> Command {
        let mut cmd = if self.who == Who::Unprivileged && is_root() {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={SANDBOX_USER}"),
                &format!("--regid={SANDBOX_USER}"),
                "--init-groups",
                "--",
            ])
            .arg(program);
            c
        } else {
            Command::new(program)
        };
        self.env.prepare(&mut cmd);
        cmd.env("PATH", PATH);
        cmd
    }

    /// `envm ARGS` as this test's user.
    pub fn envm<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = self.as_user(&user_envm());
        cmd.args(args);
        cmd
    }

    /// `envm exec FLAGS -- /bin/sh -c SCRIPT`.
    pub fn sh(&self, flags: &[&str], script: &str) -> Run {
        let mut args: Vec<&str> = vec!["exec"];
        args.extend(flags);
        args.extend(["--", "/bin/sh", "-c", script]);
        Run::of(self.envm(&args))
    }

    /// `envm exec FLAGS -- python3 -c PRELUDE+CODE`.
    pub fn py_cmd(&self, flags: &[&str], code: &str) -> Command {
        let program = format!("{PRELUDE}\n{code}");
        let mut args: Vec<&str> = vec!["exec"];
        args.extend(flags);
        args.extend(["--", PYTHON, "-c", &program]);
        self.envm(&args)
    }

    pub fn py(&self, flags: &[&str], code: &str) -> Run {
        Run::of(self.py_cmd(flags, code))
    }

    /// `py` under the default `--sandbox`, asserting the probe itself ran to the end.
    pub fn probe(&self, code: &str) -> Run {
        self.py(&["--sandbox"], code).ok()
    }
}

/// Asserts that `run` printed `NAME DENIED …` for each name (and exited 0).
#[track_caller]
pub fn assert_denied(run: &Run, names: &[&str]) {
    for name in names {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| {
                panic!(
                    "no result for {name}\nstdout:\n{}\nstderr:\n{}",
                    run.stdout, run.stderr
                )
            });
        assert!(
            line.starts_with(&format!("{name} DENIED")),
            "{name} was not denied: {line}\nstdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
    }
}

/// Asserts `NAME DENIED ERRNO` with that exact errno name.
#[track_caller]
pub fn assert_denied_with(run: &Run, name: &str, errno: &str) {
    assert_denied(run, &[name]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l == format!("{name} DENIED {errno}")),
        "{name} not denied with {errno}\nstdout:\n{}",
        run.stdout
    );
}

/// Asserts `NAME ALLOWED`.
#[track_caller]
pub fn assert_allowed(run: &Run, name: &str) {
    assert!(
        run.stdout.lines().any(|l| l == format!("{name} ALLOWED")),
        "{name} was not allowed\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

/// Defines `mod NAME { as_root, as_unprivileged }` running `body(Who)` for both users.
#[macro_export]
macro_rules! both_users {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn as_root() {
                ($body)($crate::support::sandbox::Who::Root)
            }
            #[test]
            fn as_unprivileged() {
                ($body)($crate::support::sandbox::Who::Unprivileged)
            }
        }
    };
}

/// The `envm` binary as a path every user can run: cargo's own when all its folders are
/// open to others, else a copy in a world-readable folder under the system temp dir (CI may
/// build in a folder only root can enter).
pub fn user_envm() -> PathBuf {
    static COPY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    COPY.get_or_init(|| {
        let bin = envm_bin();
        let open_to_all = bin
            .ancestors()
            .skip(1)
            .all(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
        if open_to_all {
            return bin;
        }
        let meta = std::fs::metadata(&bin).expect("envm binary");
        let stamp = format!(
            "{}-{}",
            meta.len(),
            meta.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos())
        );
        let dir = std::env::temp_dir()
            .join("envm-sandbox-test-bin")
            .join(stamp);
        let copy = dir.join("envm");
        if !copy.exists() {
            std::fs::create_dir_all(&dir).expect("copy folder");
            let partial = dir.join(format!("envm.{}", std::process::id()));
            std::fs::copy(&bin, &partial).expect("copy envm");
            std::fs::rename(&partial, &copy).expect("place envm copy");
        }
        for d in [dir.parent().expect("parent"), dir.as_path()] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        copy
    })
    .clone()
}
