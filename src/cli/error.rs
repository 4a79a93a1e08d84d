//! The errors a command can end with: every stage's own error ([`Error`] wraps them as they
//! are) and the few that only the command line has. [`crate::diag`] prints them: `error: …`,
//! then `hint: …` lines, and an exit code (0 ok, 1 error, 2 usage, 127 command not found).

use crate::diag::Diagnostic;
use crate::fetch::install::InstallError;
use crate::fetch::lockfile::LockError;
use crate::layout::NoHomeError;
use crate::link::LinkError;
use crate::project::PinError;
use crate::project::env::ProjectEnvError;
use crate::project::trust::TrustError;
use crate::project::write::PinWriteError;
use crate::python_venv::VenvConfigError;
use crate::run::exec::ExecError;
use crate::run::shim::ShimError;
use crate::sandbox::SandboxError;
use crate::version::spec::{SpecError, ToolRequestError};

/// Every error a command can end with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Pin(#[from] PinError),
    #[error(transparent)]
    PinWrite(#[from] PinWriteError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Request(#[from] ToolRequestError),
    #[error(transparent)]
    Install(Box<InstallError>),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    NoHome(#[from] NoHomeError),
    #[error(transparent)]
    Shim(#[from] ShimError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    ProjectEnv(#[from] ProjectEnvError),
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Venv(#[from] VenvConfigError),
    #[error("cannot read the current directory: {0}")]
    CurrentDir(#[source] std::io::Error),
    #[error("`{0}` is not a tool envm manages")]
    UnknownTool(String),
    #[error("`{0}` names no version")]
    MissingVersion(String),
    /// A failure with its own message and hint, for command code that has no better type.
    #[error("{message}")]
    Other {
        message: String,
        hint: Option<String>,
        code: i32,
    },
}

impl From<InstallError> for Error {
    fn from(e: InstallError) -> Error {
        Error::Install(Box::new(e))
    }
}

impl Error {
    /// An error with a message, an optional hint and exit code 1.
    pub fn msg(message: impl Into<String>, hint: Option<String>) -> Error {
        Error::Other {
            message: message.into(),
            hint,
            code: 1,
        }
    }
}

impl Diagnostic for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Error::Pin(e) => e.hint(),
            Error::PinWrite(e) => e.hint(),
            Error::Spec(e) | Error::Request(ToolRequestError::Spec(e)) => Some(e.hint()),
            Error::Request(ToolRequestError::UnknownTool(_)) => Some(
                "envm manages python, node, go and zig: write `TOOL@SPEC`, e.g. `node@22`".into(),
            ),
            Error::Install(e) => e.hint(),
            Error::Lock(e) => e.hint(),
            Error::Sandbox(e) => e.hint(),
            Error::ProjectEnv(e) => e.hint(),
            Error::Trust(e) => e.hint(),
            Error::Venv(e) => e.hint(),
            Error::NoHome(e) => e.hint(),
            Error::Shim(e) => e.hint(),
            Error::Link(e) => e.hint(),
            Error::Exec(e) => e.hint(),
            Error::CurrentDir(_) => Some("cd into a folder that exists".into()),
            Error::UnknownTool(_) => Some("envm manages python, node, go and zig".into()),
            Error::MissingVersion(name) => Some(format!(
                "write it as `{name}@<version>`, e.g. `{name}@latest`"
            )),
            Error::Other { hint, .. } => hint.clone(),
        }
    }

    fn exit_code(&self) -> i32 {
        match self {
            Error::Other { code, .. } => *code,
            Error::Shim(e) => e.exit_code(),
            Error::Exec(e) => e.exit_code(),
            Error::Sandbox(e) => e.exit_code(),
            Error::NoHome(e) => e.exit_code(),
            _ => 1,
        }
    }
}
