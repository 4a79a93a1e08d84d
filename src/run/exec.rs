//! Running a program with toolchains active: the environment it gets (the resolved toolchains'
//! bin folders first on PATH, the shim recursion counter) and the final `execve` that replaces
//! envm with it. Shims and `envm exec` both end here, so exit status and signals are the
//! program's own. The sandbox wraps [`exec_replace`] by running its own final step instead.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// Counts shim hops in the environment; a shim refuses to run past [`MAX_SHIM_DEPTH`].
pub const SHIM_DEPTH_VAR: &str = "ENVM_SHIM_DEPTH";
/// More nested shim calls than this means a shim is finding itself.
pub const MAX_SHIM_DEPTH: u32 = 20;

/// A program that could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("`{}` not found", program.to_string_lossy())]
    NotFound { program: OsString },
    #[error("cannot run {}", program.display())]
    Exec {
        program: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Diagnostic for ExecError {
    fn hint(&self) -> Option<String> {
        match self {
            ExecError::NotFound { .. } => Some(format!(
                "check the name; pin or name its toolchain (`envm exec {} -- {}`)",
                crate::tools::Tool::EXAMPLE.example_request(),
                crate::tools::Tool::EXAMPLE.name()
            )),
            ExecError::Exec { .. } => Some("check that the file is an executable".into()),
        }
    }

    /// The shell's convention: 127 not found, 126 found but not runnable.
    fn exit_code(&self) -> i32 {
        match self {
            ExecError::NotFound { .. } => 127,
            ExecError::Exec { source, .. } if source.kind() == io::ErrorKind::NotFound => 127,
            ExecError::Exec { .. } => 126,
        }
    }
}

/// A complete environment, in the order it is passed to the program.
pub type Env = Vec<(OsString, OsString)>;

/// This process's environment with `dirs` first on PATH (each once: earlier copies are
/// dropped, so PATH does not grow) and, when given, the shim depth counter set to `depth`.
pub fn toolchain_env(dirs: &[PathBuf], depth: Option<u32>) -> Env {
    let mut env: Env = std::env::vars_os()
        .filter(|(k, _)| k != "PATH" && (depth.is_none() || k != SHIM_DEPTH_VAR))
        .collect();
    let path = std::env::var_os("PATH").unwrap_or_default();
    env.push(("PATH".into(), prepend_path(dirs, &path)));
    if let Some(depth) = depth {
        env.push((SHIM_DEPTH_VAR.into(), depth.to_string().into()));
    }
    env
}

/// `dirs` followed by the entries of `path` that are not among them.
pub fn prepend_path(dirs: &[PathBuf], path: &OsStr) -> OsString {
    let mut out = OsString::new();
    let mut push = |entry: &OsStr| {
        if !out.is_empty() {
            out.push(":");
        }
        out.push(entry);
    };
    for dir in dirs {
        push(dir.as_os_str());
    }
    for entry in split_path(path) {
        if !dirs.iter().any(|d| d.as_os_str() == entry) {
            push(entry);
        }
    }
    out
}

/// The entries of a PATH-like value, empty ones dropped.
pub fn split_path(path: &OsStr) -> impl Iterator<Item = &OsStr> {
    path.as_bytes()
        .split(|b| *b == b':')
        .filter(|e| !e.is_empty())
        .map(OsStr::from_bytes)
}

/// The PATH value of `env`.
pub fn env_path(env: &Env) -> Option<&OsStr> {
    env.iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_os_str())
}

/// Finds `name` the way `execvp` would from `cwd`: a name with a `/` is `cwd` joined with it,
/// unchecked (running it says why it cannot run); otherwise the first executable `name` in a
/// folder of `path` (a PATH value; relative folders are taken from `cwd`, empty ones skipped).
pub fn find_program(name: &OsStr, path: Option<&OsStr>, cwd: &Path) -> Option<PathBuf> {
    if name.as_bytes().contains(&b'/') {
        return Some(cwd.join(name));
    }
    split_path(path?)
        .map(|dir| cwd.join(dir).join(name))
        .find(|candidate| is_executable(candidate))
}

/// A regular file (after links) with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Replaces this process with `program` (`argv[0]` = `arg0`, then `args`) running in exactly
/// `env`. Returns only when the exec failed.
pub fn exec_replace(program: &Path, arg0: &OsStr, args: &[OsString], env: &Env) -> ExecError {
    let source = std::process::Command::new(program)
        .arg0(arg0)
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .exec();
    ExecError::Exec {
        program: program.to_path_buf(),
        source,
    }
}

/// Set on the envm commands a shim or hook runs: they print no "put the shims on PATH" hint.
pub const NO_PATH_HINT_VAR: &str = "__ENVM_NO_PATH_HINT";

/// Runs envm's command line (this binary, or the `envm` beside the shim binary) with `args`
/// in `cwd` as a child and waits: stdin closed, its stdout sent to stderr, so the stdout of
/// the program it runs for stays clean.
pub fn run_envm_child(args: &[&OsStr], cwd: &Path) -> io::Result<std::process::ExitStatus> {
    use std::os::fd::AsFd;
    let exe = crate::binaries::command_line(&crate::binaries::current()?)?;
    let stderr = io::stderr().as_fd().try_clone_to_owned()?;
    std::process::Command::new(exe)
        .args(args)
        .current_dir(cwd)
        // A shim is evidently reachable: no "put the shims on PATH" hint from that install.
        .env(NO_PATH_HINT_VAR, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(stderr))
        .status()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepend_drops_earlier_copies_and_empty_entries() {
        let dirs = [PathBuf::from("/t/node/bin"), PathBuf::from("/t/go/bin")];
        let path = OsStr::new("/usr/bin:/t/go/bin::/bin:/t/node/bin");
        assert_eq!(
            prepend_path(&dirs, path),
            OsString::from("/t/node/bin:/t/go/bin:/usr/bin:/bin")
        );
        // Applying it again does not grow PATH.
        let again = prepend_path(&dirs, &prepend_path(&dirs, path));
        assert_eq!(again, prepend_path(&dirs, path));
    }

    #[test]
    fn find_program_resolves_slash_names_against_cwd() {
        let cwd = Path::new("/work/dir");
        let find =
            |name: &str, path: &str| find_program(OsStr::new(name), Some(OsStr::new(path)), cwd);
        assert_eq!(find("./x", "/bin"), Some(PathBuf::from("/work/dir/./x")));
        assert_eq!(
            find("sub/x", "/bin"),
            Some(PathBuf::from("/work/dir/sub/x"))
        );
        assert!(find("sh", "/nonexistent:/bin").is_some());
        assert!(find("no-such-program-x", "/bin").is_none());
        assert!(find_program(OsStr::new("sh"), None, cwd).is_none());
    }

    #[test]
    fn find_program_takes_relative_path_entries_from_cwd() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let tool = bin.join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let found = find_program(OsStr::new("tool"), Some(OsStr::new("bin")), dir.path());
        assert_eq!(found, Some(dir.path().join("bin").join("tool")));
    }
}
