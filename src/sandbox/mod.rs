//! The process sandbox behind `envm exec --sandbox` and sandboxed shims: the clap flags, the
//! errors, and the one entry point the exec path calls instead of `execve`.
//!
//! Layers (each kernel-enforced, each named when missing): Landlock for the filesystem and for
//! signal / abstract-socket scoping ([`landlock`]), user, network, IPC, mount and PID
//! namespaces ([`namespaces`]; with a seccomp socket filter under best-effort where they are
//! refused), read-only pin files and envm folders plus private /tmp, /dev/shm and /proc in the
//! mount namespace ([`mounts`], [`mount_api`]), envm's own init as PID 1 ([`init`]), a seccomp
//! deny-list ([`seccomp`]), `no_new_privs`, no capabilities, closed inherited fds, a new session
//! for batch runs, parent-death signal; [`report`] carries a failed step back from the child.
//! [`policy`] turns flags and `[sandbox]` tables into [`Settings`]; [`roots`] decides which
//! paths a run may touch; [`crate::project::trust`] records which project files may widen
//! them; [`env_filter`] drops
//! secrets; [`spawn`] forks, applies the layers in the child and waits.
//!
//! No re-exec helper is needed: the layers are applied in a freshly forked child, which is
//! single-threaded whatever the parent is, so `unshare(CLONE_NEWUSER)` works there. Everything
//! that allocates (paths, rules, BPF, argv, envp) is prepared before the fork.

pub mod env_filter;
pub mod init;
pub mod landlock;
pub mod mount_api;
pub mod mounts;
pub mod namespaces;
pub mod policy;
pub mod report;
pub mod roots;
pub mod seccomp;
pub mod spawn;

use std::ffi::OsString;
use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::project::trust::TrustError;

pub use policy::{FsPolicy, ProjectSandbox, Settings, decide, project_dir, project_policy};
pub use spawn::run_sandboxed;

/// `--sandbox[=POLICY]` and its allowances, shared by `envm exec` (flattened into its args).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SandboxFlags {
    /// Run the command in a sandbox: `workspace-write` (default: write only the project, tool
    /// caches and a private temp dir), `read-only`, or `best-effort` (workspace-write, but run
    /// with the layers this host can enforce and print the missing ones)
    #[arg(
        long,
        value_name = "POLICY",
        num_args = 0..=1,
        require_equals = true
    )]
    pub sandbox: Option<Option<PolicyName>>,
    /// Sandbox: allow network access
    #[arg(long)]
    pub allow_net: bool,
    /// Sandbox: also allow reading PATH (repeatable)
    #[arg(long, value_name = "PATH")]
    pub allow_read: Vec<PathBuf>,
    /// Sandbox: also allow writing PATH (repeatable)
    #[arg(long, value_name = "PATH")]
    pub allow_write: Vec<PathBuf>,
    /// Sandbox: keep the environment variable NAME even if it looks like a secret (repeatable)
    #[arg(long, value_name = "NAME")]
    pub allow_env: Vec<String>,
}

impl SandboxFlags {
    /// Whether any allowance flag was given.
    pub fn has_allowances(&self) -> bool {
        self.allow_net
            || !self.allow_read.is_empty()
            || !self.allow_write.is_empty()
            || !self.allow_env.is_empty()
    }
}

/// The names `--sandbox=` and `policy = "…"` accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyName {
    WorkspaceWrite,
    ReadOnly,
    BestEffort,
}

impl PolicyName {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyName::WorkspaceWrite => "workspace-write",
            PolicyName::ReadOnly => "read-only",
            PolicyName::BestEffort => "best-effort",
        }
    }
}

/// Everything that can stop a sandboxed run before or while it starts.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox cannot be fully enforced on this host; missing: {}", .missing.join("; "))]
    Unavailable { missing: Vec<String> },
    #[error("{} widens the sandbox but is not trusted: {}", .file.display(), .widening.join(", "))]
    Untrusted {
        file: PathBuf,
        widening: Vec<String>,
    },
    #[error("{}:{line}: {message}", .file.display())]
    Config {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox path {} does not exist or cannot be opened: {source}", .path.display())]
    BadPath {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Allowance(#[from] roots::AllowanceError),
    #[error("refusing {} as the sandbox's private tool cache: it holds {}", .dir.display(), .holds.display())]
    UnsafeCache { dir: PathBuf, holds: PathBuf },
    #[error("refusing to sandbox with {} as the project folder: it is / or holds your home folder, which would all become writable", .dir.display())]
    ProjectIsHome { dir: PathBuf },
    #[error("--allow-net, --allow-read, --allow-write and --allow-env need --sandbox")]
    AllowWithoutSandbox,
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot build the Landlock ruleset: {0}")]
    Landlock(String),
    #[error("cannot build the seccomp filter: {0}")]
    Seccomp(String),
    #[error("sandbox set-up failed at {stage}: {source}")]
    Setup {
        stage: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("command not found: {}", .program.to_string_lossy())]
    CommandNotFound { program: OsString },
    #[error("cannot run {}: {source}", .program.display())]
    Exec {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Trust(#[from] TrustError),
}

impl Diagnostic for SandboxError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            SandboxError::Unavailable { .. } => "`envm doctor` shows what this host supports; `--sandbox=best-effort` runs with the layers that work and prints the missing ones".into(),
            SandboxError::Untrusted { file, .. } => format!(
                "review the [sandbox] table, then run `envm trust {}` (narrowing settings never need trust)",
                file.display()
            ),
            SandboxError::Config { .. } => "[sandbox] accepts policy = \"workspace-write\" | \"read-only\" | \"best-effort\", allow_net = true, allow_read = [paths], allow_write = [paths], allow_env = [names]".into(),
            SandboxError::BadPath { .. } => "create the folder first, or fix the path".into(),
            SandboxError::Allowance(e) => e.hint(),
            SandboxError::UnsafeCache { .. } => "point ENVM_HOME (or XDG_CACHE_HOME) at a cache dir beside your home, not above it".into(),
            SandboxError::ProjectIsHome { .. } => "run from a project folder (one holding envm.toml or another pin file, below your home)".into(),
            SandboxError::AllowWithoutSandbox => "add --sandbox, or a [sandbox] table to envm.toml".into(),
            SandboxError::CommandNotFound { .. } => "check the name, or that its toolchain is pinned and installed".into(),
            SandboxError::Setup { .. } => "`envm doctor` shows which sandbox layers this host supports".into(),
            SandboxError::Trust(e) => return e.hint(),
            _ => return None,
        })
    }

    fn exit_code(&self) -> i32 {
        match self {
            SandboxError::CommandNotFound { .. } => 127,
            SandboxError::Exec { .. } => 126,
            _ => 1,
        }
    }
}
