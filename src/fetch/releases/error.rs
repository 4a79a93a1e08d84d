//! What can stop envm from knowing what to install: [`ProviderError`] and its hints.

use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::fetch::index_cache::IndexError;
use crate::fetch::npm::NpmError;
use crate::fetch::signed::SignatureError;
use crate::tools::Tool;
use crate::version::Version;

/// Upstream could not tell what to install.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot read the {tool} index at {url}: {reason}")]
    Parse {
        tool: Tool,
        url: String,
        reason: String,
    },
    #[error("cannot read the release catalog {}: {source}", path.display())]
    Catalog {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no {tool} release matches `{spec}` in {url}")]
    NoMatch {
        tool: Tool,
        spec: String,
        url: String,
    },
    #[error(
        "{} {} has no build for this host, {}: {}",
        .0.tool, .0.version, .0.host, .0.available
    )]
    HostMismatch(Box<HostMismatch>),
    #[error("{tool} {version} has no {platform} build")]
    NoBuild {
        tool: Tool,
        version: Version,
        platform: String,
    },
    #[error("{url} has no checksum for {filename}; refusing to install an unverified file")]
    NoChecksum { url: String, filename: String },
    #[error("`{spec}` is not something envm installs")]
    NotInstallable { spec: String },
    #[error(transparent)]
    Npm(#[from] NpmError),
    #[error("envm.lock names {locked} for {tool}, but this host needs {expected}")]
    LockedFileMismatch {
        tool: Tool,
        locked: String,
        expected: String,
    },
    #[error(transparent)]
    Signature(Box<SignatureError>),
}

impl From<SignatureError> for ProviderError {
    fn from(e: SignatureError) -> Self {
        ProviderError::Signature(Box::new(e))
    }
}

impl Diagnostic for ProviderError {
    fn hint(&self) -> Option<String> {
        match self {
            ProviderError::Index(e) => e.hint(),
            ProviderError::NoMatch { tool, .. } => Some(format!(
                "see what exists with `envm ls-remote {tool}`, or try `--refresh`"
            )),
            ProviderError::HostMismatch(m) => Some(m.hint.clone()),
            ProviderError::NoBuild { tool, .. } => Some(format!(
                "`envm ls-remote {tool}` lists the versions this host can install"
            )),
            ProviderError::NoChecksum { .. } => Some(
                "the mirror or upstream is incomplete; try again later or another mirror".into(),
            ),
            ProviderError::Npm(e) => e.hint(),
            ProviderError::LockedFileMismatch { .. } => {
                Some("run `envm lock` on this host and commit envm.lock".into())
            }
            ProviderError::Signature(e) => e.hint(),
            ProviderError::NotInstallable { .. } => {
                Some("`system` and `path:` specs use toolchains envm does not install".into())
            }
            ProviderError::Catalog { .. } | ProviderError::Parse { .. } => Some(
                "check the ENVM_*_MIRROR / ENVM_*_URL settings, or retry with --refresh".into(),
            ),
        }
    }
}

/// No build of a release fits the host's C library.
#[derive(Debug)]
pub struct HostMismatch {
    pub tool: Tool,
    pub version: Version,
    pub host: String,
    /// Each build and what it needs.
    pub available: String,
    pub hint: String,
}
