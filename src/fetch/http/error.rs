//! What a transfer can end with: [`FetchError`], its hints, and what counts as a full disk.

use std::io;
use std::path::PathBuf;

use super::{DISK_FULL_HINT, MAX_HTTP_TIMEOUT_SECS, STALL_MIN_BYTES};
use crate::diag::Diagnostic;
use std::time::Duration;

/// Whether a write failed because the disk or the user's quota is full.
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT))
}

/// A failed request or download, with the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("ENVM_OFFLINE=1: not downloading {url}")]
    Offline { url: String },
    #[error("{url} was not found (HTTP 404)")]
    NotFound { url: String },
    #[error("{url} answered HTTP {status}{}", retried(*attempts))]
    Status {
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error("cannot reach {url}{}: {reason}", retried(*attempts))]
    Unreachable {
        url: String,
        reason: String,
        attempts: u32,
    },
    #[error("the download of {url} broke off after {got} bytes{}: {reason}", retried(*attempts))]
    Body {
        url: String,
        got: u64,
        reason: String,
        attempts: u32,
    },
    #[error(
        "checksum mismatch for {url}\n  expected sha256 {expected}\n  got      sha256 {actual}"
    )]
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error(
        "{url} stalled: less than {STALL_MIN_BYTES} bytes arrived in {} s (after {got} bytes)",
        window.as_secs()
    )]
    Stalled {
        url: String,
        got: u64,
        window: Duration,
    },
    #[error("{url} is larger than the {} MiB envm accepts for it", cap / (1024 * 1024))]
    TooLarge { url: String, cap: u64 },
    #[error("disk full at {}", path.display())]
    DiskFull { path: PathBuf },
    #[error(
        "ENVM_HTTP_TIMEOUT=`{0}` is not a whole number of seconds from 1 to {MAX_HTTP_TIMEOUT_SECS}"
    )]
    BadTimeout(String),
}

fn retried(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (tried {attempts} times)")
    } else {
        String::new()
    }
}

impl Diagnostic for FetchError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            FetchError::Offline { .. } => {
                "unset ENVM_OFFLINE, or install this once while online so it is cached".into()
            }
            FetchError::NotFound { .. } => {
                "check the version with `envm ls-remote TOOL`; a mirror (ENVM_*_MIRROR) may lack it"
                    .into()
            }
            FetchError::Unreachable { .. } | FetchError::Status { .. } => {
                "check the network or the mirror set in ENVM_*_MIRROR; cached indexes and downloads work with ENVM_OFFLINE=1".into()
            }
            FetchError::Body { .. } => "try again; the connection was cut".into(),
            FetchError::ChecksumMismatch { .. } => {
                "the file is not the one upstream published: nothing was installed; if a mirror serves it, check the mirror".into()
            }
            FetchError::Stalled { .. } => {
                "the server or the network is too slow; try again later, use another mirror (ENVM_*_MIRROR), or raise ENVM_HTTP_TIMEOUT (seconds)".into()
            }
            FetchError::TooLarge { .. } => {
                "this is not the document upstream publishes; check the mirror set in ENVM_*_MIRROR".into()
            }
            FetchError::DiskFull { .. } => DISK_FULL_HINT.into(),
            FetchError::BadTimeout(_) => "write e.g. ENVM_HTTP_TIMEOUT=60, or unset it (30 s)".into(),
            _ => return None,
        })
    }
}

impl FetchError {
    /// Worth trying again.
    pub(super) fn transient(&self) -> bool {
        match self {
            FetchError::Unreachable { .. } | FetchError::Body { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    pub(super) fn with_attempts(mut self, n: u32) -> FetchError {
        if let FetchError::Status { attempts, .. }
        | FetchError::Unreachable { attempts, .. }
        | FetchError::Body { attempts, .. } = &mut self
        {
            *attempts = n;
        }
        self
    }
}
