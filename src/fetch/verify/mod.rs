//! Release-signature verification, fail-closed: checksum documents signed with OpenPGP
//! ([`pgp`]) and files signed with minisign ([`minisign`]), plus the global config's
//! `[signatures]` table ([`config`]).
//!
//! This module owns the signing policy and the OpenPGP keyring data ([`node_keys`]: the
//! embedded release keys with their source commit and the table of releases upstream never
//! signed, which the tool's registry file points at). Verification does no I/O: callers hand
//! in the signature documents, the signed bytes and the trusted keys and get back who signed,
//! or a [`VerifyError`] naming the file and the signer's fingerprint / key id.
//!
//! Nothing on the shim path uses this module: only installs verify.
//!
//! OpenPGP policy (enforced here, not by the OpenPGP crate):
//! - data signatures are binary or text signatures over the document, hashed with SHA-256,
//!   SHA-384 or SHA-512; SHA-1 only when the signature was made before 2017-01-01. The same
//!   rule applies to the self-signatures that bind a key.
//! - the signer is a trusted primary key, or a subkey of one bound by a valid binding signature
//!   that carries the signing flag and a valid back-signature;
//! - the signature was made while that key (and its primary) was valid: after its creation and
//!   before its expiry (a key that expired *later* is fine);
//! - a revoked key is refused, unless the revocation says "superseded" and came after the
//!   signature.

pub mod config;
pub mod minisign;
pub mod node_keys;
pub mod pgp;
mod pgp_policy;

pub use config::{SignatureConfig, SignatureConfigError};
pub use minisign::{MinisignKeys, MinisignSigner};
pub use node_keys::{NODE_RELEASE_KEYS_COMMIT, NodeSource, node_upstream_unsigned};
pub use pgp::{NodeKeyring, PgpSigner, SignedText};

/// Why a signature was not accepted. Every variant names the signed file and, once known, the
/// signer (OpenPGP fingerprint or minisign key id).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{file}: cannot read the signature: {detail}")]
    MalformedSignature { file: String, detail: String },
    #[error("{file}: the signature file holds no signature")]
    NoSignature { file: String },
    #[error("{file}: the signature names no issuer key, so no trusted key can be chosen")]
    NoIssuer { file: String },
    #[error("{file}: signed by {issuer}, which is not a trusted key")]
    UnknownSigner { file: String, issuer: String },
    #[error("{file}: the signature by {signer} does not match the file's content")]
    BadSignature { file: String, signer: String },
    #[error(
        "{file}: the signature by {signer} uses {hash}, which is not accepted for a signature made {made}"
    )]
    WeakHash {
        file: String,
        signer: String,
        hash: String,
        made: String,
    },
    #[error(
        "{file}: the signature by {signer} is a {kind} signature, not a signature over a document"
    )]
    WrongSignatureType {
        file: String,
        signer: String,
        kind: String,
    },
    #[error("{file}: the signature by {signer} carries no creation time")]
    NoCreationTime { file: String, signer: String },
    #[error("{file}: the signature by {signer} expired at {expired}")]
    SignatureExpired {
        file: String,
        signer: String,
        expired: String,
    },
    #[error("{file}: signed by {signer} at {made}, but that key {problem}")]
    KeyNotValid {
        file: String,
        signer: String,
        made: String,
        problem: String,
    },
    #[error("{file}: signed by {signer}, which was revoked ({reason})")]
    KeyRevoked {
        file: String,
        signer: String,
        reason: String,
    },
    #[error(
        "{file}: signed by {signer}, which is not bound to its primary key as a signing key: {problem}"
    )]
    NotASigningKey {
        file: String,
        signer: String,
        problem: String,
    },
    #[error("{source_name}: cannot use it as a public key: {detail}")]
    BadKey { source_name: String, detail: String },
    #[error("{file}: the signed comment names {signed:?}, not {file:?}")]
    FileNameMismatch { file: String, signed: String },
    #[error("{file}: the signed comment by {signer} names no file")]
    NoSignedFileName { file: String, signer: String },
    #[error("{file}: cannot read the content to verify: {detail}")]
    Read { file: String, detail: String },
}

impl VerifyError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            VerifyError::UnknownSigner { .. } => Some(
                "if this mirror re-signs releases with its own key, add that public key to the \
                 `[signatures]` table of the global config (`<tool>-keys = [\"/abs/key-file\"]` or \
                 an inline minisign key \"RW…\"); otherwise the download was tampered with"
                    .to_owned(),
            ),
            VerifyError::BadSignature { .. } | VerifyError::FileNameMismatch { .. } => Some(
                "the download does not match what upstream signed: it was corrupted or tampered \
                 with; nothing was installed"
                    .to_owned(),
            ),
            VerifyError::BadKey { .. } => Some(
                "check the `[signatures]` keys in the global config: each `<tool>-keys` entry is \
                 an absolute path to a public key file (armored OpenPGP or minisign.pub) or an \
                 inline minisign public key (RW…)"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a Unix time, for error messages and records.
pub(crate) fn utc_time(unix_secs: u64) -> String {
    crate::clock::Utc::from_unix(unix_secs).readable()
}

/// Upper-case hex of key material ids (fingerprints, key ids).
pub(crate) fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_time_formats_known_instants() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(1_483_228_800), "2017-01-01 00:00:00 UTC");
        assert_eq!(utc_time(1_748_736_000), "2025-06-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn upper_hex_pads_bytes() {
        assert_eq!(upper_hex(&[0x0a, 0xff]), "0AFF");
    }
}
