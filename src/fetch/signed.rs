//! Release signatures in the install flow, fail-closed. A tool's registry file says how its
//! upstream signs ([`Signing`]): a signed checksum document the digest must come from, and/or
//! a signature over the file itself, checked over the downloaded bytes before the install is
//! renamed into place. This module runs those hooks with the global config's `[signatures]`
//! table, and names how each artifact was vouched for (the `verified` record of receipts and
//! envm.lock). Installs only: nothing on the shim path comes here.

use std::io::Read;
use std::path::Path;

use crate::diag::Diagnostic;
use crate::fetch::index_cache::IndexError;
use crate::fetch::releases::{Artifact, Remote};
use crate::fetch::verify::{SignatureConfig, SignatureConfigError, VerifyError};
use crate::layout::Layout;
use crate::tools::Tool;
use crate::version::Version;

/// `verified` of an artifact whose digest came from upstream's unsigned checksum source.
pub const SHA256: &str = "sha256";
/// `verified` of an npm tarball checked against the registry's SRI integrity.
pub const SRI: &str = "sri";
/// `verified` of a download the user accepted unsigned (`[signatures] allow-unsigned`).
pub const UNSIGNED: &str = "unsigned";

/// How a tool's upstream signs its releases (a registry hook; see [`crate::tools`]).
pub struct Signing {
    /// The artifact's digest from a signed checksum document: replaces the plain checksum
    /// lookup. Gets the release's version (some were never signed upstream).
    pub signed_digest: Option<SignedDigest>,
    /// A signature over the file's own bytes.
    pub file_signature: Option<FileSignature>,
    /// One line for `envm doctor`: what vouches for this tool's downloads.
    pub describe: fn(&SignatureConfig) -> String,
}

impl Signing {
    /// Digests from upstream's index only (no signature yet), as `describe` says.
    pub const fn digests_only(describe: fn(&SignatureConfig) -> String) -> Signing {
        Signing {
            signed_digest: None,
            file_signature: None,
            describe,
        }
    }
}

/// See [`Signing::signed_digest`].
pub type SignedDigest =
    fn(&Remote, &SignatureConfig, &Version, &Artifact) -> Result<Vouched, SignatureError>;

/// A signature over the downloaded file.
pub struct FileSignature {
    /// Fetches the artifact's signature and checks, before downloading, that a trusted key
    /// made it: the document (`None`: the user accepted it unsigned) and the `verified` record.
    pub fetch: fn(&Remote, &SignatureConfig, &Artifact) -> Result<Fetched, SignatureError>,
    /// Verifies `signature` over `content`, the file requested as `file_name`; who signed.
    pub check: fn(
        &SignatureConfig,
        file_name: &str,
        content: &mut dyn Read,
        signature: &str,
    ) -> Result<String, VerifyError>,
}

/// A digest taken from signed text, and who signed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Vouched {
    pub sha256: String,
    pub verified: String,
}

/// A file signature as fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub document: Option<String>,
    pub verified: String,
}

/// A release whose signature is missing, bad, or not trusted; nothing was installed.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error(transparent)]
    Config(#[from] SignatureConfigError),
    #[error("{source} (from {url})")]
    Verify {
        url: String,
        #[source]
        source: Box<VerifyError>,
    },
    #[error("{tool}: no signature at {urls}; refusing to install an unsigned {tool} release")]
    Missing { tool: Tool, urls: String },
    #[error("{url} is not signed ({reason}); refusing to install it unsigned")]
    UnsignedRefused {
        tool: Tool,
        url: String,
        reason: String,
        config: String,
    },
    #[error(transparent)]
    Fetch(#[from] IndexError),
    #[error(
        "{url} (signed) has no checksum for {filename}; refusing to install an unverified file"
    )]
    NoChecksum { url: String, filename: String },
    #[error(
        "the digest of {url} in envm.lock ({locked}) is not the one upstream signed ({signed})"
    )]
    LockMismatch {
        url: String,
        locked: String,
        signed: String,
    },
}

impl Diagnostic for SignatureError {
    fn hint(&self) -> Option<String> {
        match self {
            SignatureError::Config(e) => e.hint(),
            SignatureError::Verify { source, .. } => source.hint(),
            SignatureError::Missing { .. } => Some(
                "upstream signs these releases: the mirror is incomplete or the download was \
                 tampered with; nothing was installed"
                    .into(),
            ),
            SignatureError::UnsignedRefused { tool, config, .. } => Some(format!(
                "to accept unsigned {tool} downloads, add `allow-unsigned = [\"{tool}\"]` to the \
                 [signatures] table of {config} (a warning is printed every time)"
            )),
            SignatureError::Fetch(e) => e.hint(),
            SignatureError::NoChecksum { .. } => {
                Some("the mirror is incomplete; try again later or another mirror".into())
            }
            SignatureError::LockMismatch { .. } => Some(
                "envm.lock or the mirror was tampered with; check, then regenerate it with \
                 `envm lock`"
                    .into(),
            ),
        }
    }
}

/// Settles how `artifact` of `tool` is vouched for: its digest from signed text and/or its
/// file signature, per the tool's [`Signing`]. A digest already set (from envm.lock) must be
/// the signed one.
pub fn vouch(
    tool: Tool,
    remote: &Remote,
    version: &Version,
    artifact: &mut Artifact,
) -> Result<(), SignatureError> {
    let Some(signing) = tool.source().signing else {
        return Ok(());
    };
    let config = SignatureConfig::load(remote.layout)?;
    if let Some(signed_digest) = signing.signed_digest {
        let vouched = signed_digest(remote, &config, version, artifact)?;
        if !artifact.sha256.is_empty() && artifact.sha256 != vouched.sha256 {
            return Err(SignatureError::LockMismatch {
                url: artifact.url.clone(),
                locked: artifact.sha256.clone(),
                signed: vouched.sha256,
            });
        }
        artifact.sha256 = vouched.sha256;
        artifact.verified = vouched.verified;
    }
    if let Some(file_signature) = &signing.file_signature {
        let fetched = (file_signature.fetch)(remote, &config, artifact)?;
        artifact.signature = fetched.document;
        artifact.verified = fetched.verified;
    }
    Ok(())
}

/// Checks the downloaded file at `path` against the artifact's file signature, when the
/// tool's releases carry one. Fails closed: a tool that signs its files needs a signature
/// here unless [`vouch`] recorded the user's `unsigned` opt-out.
pub fn check_file(
    tool: Tool,
    layout: &Layout,
    artifact: &Artifact,
    path: &Path,
) -> Result<(), SignatureError> {
    let Some(file_signature) = tool
        .source()
        .signing
        .and_then(|s| s.file_signature.as_ref())
    else {
        return Ok(());
    };
    let Some(document) = &artifact.signature else {
        if artifact.verified == UNSIGNED {
            return Ok(());
        }
        return Err(SignatureError::Missing {
            tool,
            urls: artifact.url.clone(),
        });
    };
    let config = SignatureConfig::load(layout)?;
    let verify_error = |source| SignatureError::Verify {
        url: artifact.url.clone(),
        source: Box::new(source),
    };
    let mut file = std::fs::File::open(path).map_err(|e| {
        verify_error(VerifyError::Read {
            file: path.display().to_string(),
            detail: e.to_string(),
        })
    })?;
    (file_signature.check)(&config, &artifact.filename, &mut file, document)
        .map_err(verify_error)?;
    Ok(())
}

/// Says, every time, that an unsigned download is installed on the user's word.
pub fn warn_unsigned(tool: Tool, url: &str, reason: &str) {
    eprintln!(
        "warning: {}: installing an UNSIGNED {tool} download ({}), because [signatures] \
         allow-unsigned lists {tool}",
        crate::diag::printable(url),
        crate::diag::printable(reason)
    );
}
