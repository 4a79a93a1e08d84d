//! Test harness shared by every integration test: a private `ENVM_HOME`, `HOME` and work
//! folder per test, a way to run the real `envm` binary there, and fixture installs.

#![allow(dead_code)]

pub mod pty;
pub mod sandbox;
pub mod signing;
pub mod toolchains;

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of the `envm` binary cargo built for these tests.
pub fn envm_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_envm"))
}

/// Path of the `envm-shim` binary beside it: what reshim links the shims to.
pub fn shim_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_envm-shim"))
}

/// One test's world: `root/envm` is `ENVM_HOME`, `root/home` is `HOME`, `root/work` is the
/// working directory commands start in.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub envm_home: PathBuf,
    pub home: PathBuf,
    pub work: PathBuf,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new()
            .prefix("envm-test-")
            .tempdir()
            .expect("temp dir");
        // Canonical paths, so what envm prints matches what tests build.
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let env = TestEnv {
            envm_home: root.join("envm"),
            home: root.join("home"),
            work: root.join("work"),
            dir,
        };
        for d in [&env.envm_home, &env.home, &env.work] {
            std::fs::create_dir_all(d).expect("create test dirs");
        }
        env
    }

    pub fn root(&self) -> PathBuf {
        self.envm_home.parent().expect("has parent").to_path_buf()
    }

    pub fn data(&self) -> PathBuf {
        self.envm_home.join("data")
    }

    pub fn shims_dir(&self) -> PathBuf {
        self.data().join("shims")
    }

    /// `envm ARGS` run in `self.work`, with every `ENVM_*` variable of the outer environment
    /// removed and this test's `ENVM_HOME` and `HOME` set.
    pub fn envm<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(envm_bin());
        cmd.args(args);
        self.prepare(&mut cmd);
        cmd
    }

    /// Applies this test's environment to any command (e.g. a shim or a shell).
    pub fn prepare(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            if key_text.starts_with("ENVM_")
                || key_text.ends_with("_PROXY")
                || key_text.ends_with("_proxy")
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("ENVM_HOME", &self.envm_home)
            .env("HOME", &self.home)
            .env("NO_COLOR", "1")
            .env("CI", "1")
            .current_dir(&self.work);
    }

    /// Writes `contents` to `rel` under the work folder (creating folders); returns the path.
    pub fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let path = self.work.join(rel);
        write_file(&path, contents);
        path
    }

    /// A fixture toolchain at `installs/TOOL/VERSION` whose executables are shell scripts
    /// printing `TOOL VERSION` (plus their arguments), with a receipt, as a finished install
    /// leaves it. `lts` is recorded in the receipt (node).
    pub fn fake_install(
        &self,
        tool: &str,
        version: &str,
        bins: &[&str],
        lts: Option<&str>,
    ) -> PathBuf {
        let dir = self.data().join("installs").join(tool).join(version);
        let bin_dir = if tool == "zig" {
            dir.clone()
        } else {
            dir.join("bin")
        };
        for bin in bins {
            write_executable(
                &bin_dir.join(bin),
                &format!("#!/bin/sh\necho \"{bin} {version}\" \"$@\"\n"),
            );
        }
        let receipt = serde_json::json!({
            "tool": tool,
            "version": version,
            "url": format!("http://127.0.0.1:1/{tool}-{version}.tar.gz"),
            "sha256": "0".repeat(64),
            "installed_at": "2026-11-27T00:00:00Z",
            "bins": bins,
            "lts": lts,
        });
        write_file(&dir.join(".envm-receipt.json"), &receipt.to_string());
        dir
    }
}

pub fn write_file(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(path, contents).expect("write file");
}

pub fn write_executable(path: &Path, contents: &str) {
    write_file(path, contents);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A finished command's output, for assertions with readable failure messages.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(mut cmd: Command) -> Run {
        let out: Output = cmd.output().expect("spawn command");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts the exit code and returns self.
    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

pub mod dist;
pub mod npm_registry;
