//! Minisign verification of release files: the caller's trusted public keys (a tool's own key
//! lives in its registry file, extra keys come from the global config), prehashed (`ED`)
//! signatures only, and the signed trusted comment's `file:` field, which must equal the
//! requested file name exactly (reference minisign does not check it; a substring match would
//! let a mirror serve another signed file under this name).

use std::io::Read;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use minisign_verify::{PublicKey, Signature};

use super::{VerifyError, upper_hex};

/// Who made an accepted minisign signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinisignSigner {
    /// The key id as minisign prints it (16 upper-case hex digits).
    pub key_id: String,
    /// The signed trusted comment (`timestamp:N<TAB>file:NAME<TAB>hashed`).
    pub trusted_comment: String,
}

/// The trusted minisign public keys.
#[derive(Clone)]
pub struct MinisignKeys {
    keys: Vec<TrustedMinisignKey>,
}

#[derive(Clone)]
struct TrustedMinisignKey {
    key_id: [u8; 8],
    key: PublicKey,
}

impl std::fmt::Debug for MinisignKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self
            .keys
            .iter()
            .map(|key| key_id_text(&key.key_id))
            .collect();
        f.debug_struct("MinisignKeys")
            .field("key_ids", &ids)
            .finish()
    }
}

impl MinisignKeys {
    /// These public keys (`RW…` base64, or whole `minisign.pub` files), each given as
    /// `(source, key)`; `source` names it in errors.
    pub fn new(keys: &[(&str, &str)]) -> Result<Self, VerifyError> {
        let mut trusted = MinisignKeys { keys: Vec::new() };
        for (source, key) in keys {
            trusted.add(source, key)?;
        }
        Ok(trusted)
    }

    /// The key id of the trusted key `minisig` names (before any content is read), or
    /// [`VerifyError::UnknownSigner`]: lets a caller refuse, and record the signer, before
    /// downloading the file.
    pub fn trusted_signer(&self, file_name: &str, minisig: &str) -> Result<String, VerifyError> {
        let key_id = signature_key_id(minisig).ok_or_else(|| VerifyError::MalformedSignature {
            file: file_name.to_owned(),
            detail: "no signature line".to_owned(),
        })?;
        let signer = key_id_text(&key_id);
        if self.keys.iter().any(|key| key.key_id == key_id) {
            Ok(signer)
        } else {
            Err(VerifyError::UnknownSigner {
                file: file_name.to_owned(),
                issuer: format!("minisign key {signer}"),
            })
        }
    }

    /// Trusts one more public key: its base64 line, or a whole `minisign.pub` file.
    pub fn add(&mut self, source: &str, key: &str) -> Result<(), VerifyError> {
        let bad_key = |detail: &str| VerifyError::BadKey {
            source_name: source.to_owned(),
            detail: detail.to_owned(),
        };
        let line = key
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with("untrusted comment:"))
            .ok_or_else(|| bad_key("no key in it"))?;
        let parsed = PublicKey::from_base64(line)
            .map_err(|err| bad_key(&format!("not a minisign public key ({err})")))?;
        let raw = STANDARD.decode(line).map_err(|_| bad_key("not base64"))?;
        let key_id = key_id_of(&raw).ok_or_else(|| bad_key("too short"))?;
        self.keys.push(TrustedMinisignKey {
            key_id,
            key: parsed,
        });
        Ok(())
    }

    /// Key ids of the trusted keys.
    pub fn key_ids(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|key| key_id_text(&key.key_id))
            .collect()
    }

    /// Verifies `minisig` (the `.minisig` file's text) over `content`, which was requested as
    /// `file_name` (the file name as requested, the last segment of its URL).
    pub fn verify(
        &self,
        file_name: &str,
        content: &[u8],
        minisig: &str,
    ) -> Result<MinisignSigner, VerifyError> {
        self.verify_reader(file_name, content, minisig)
    }

    /// Like [`MinisignKeys::verify`], reading the content from `reader` in chunks.
    pub fn verify_reader(
        &self,
        file_name: &str,
        mut reader: impl Read,
        minisig: &str,
    ) -> Result<MinisignSigner, VerifyError> {
        let malformed = |detail: String| VerifyError::MalformedSignature {
            file: file_name.to_owned(),
            detail,
        };
        let signature = Signature::decode(minisig).map_err(|err| malformed(err.to_string()))?;
        let signature_key_id =
            signature_key_id(minisig).ok_or_else(|| malformed("no signature line".to_owned()))?;
        let signer = key_id_text(&signature_key_id);
        let Some(trusted) = self.keys.iter().find(|key| key.key_id == signature_key_id) else {
            return Err(VerifyError::UnknownSigner {
                file: file_name.to_owned(),
                issuer: format!("minisign key {signer}"),
            });
        };
        // Legacy (non-prehashed, `Ed`) signatures are refused: every minisign since
        // 0.9 sign prehashed.
        let mut stream = trusted.key.verify_stream(&signature).map_err(|err| {
            malformed(format!(
                "{err} (only prehashed `ED` signatures are accepted)"
            ))
        })?;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = reader.read(&mut buffer).map_err(|err| VerifyError::Read {
                file: file_name.to_owned(),
                detail: err.to_string(),
            })?;
            if read == 0 {
                break;
            }
            stream.update(&buffer[..read]);
        }
        stream.finalize().map_err(|_| VerifyError::BadSignature {
            file: file_name.to_owned(),
            signer: format!("minisign key {signer}"),
        })?;

        // The trusted comment is covered by the global signature checked above.
        let trusted_comment = signature.trusted_comment().to_owned();
        let mut named = trusted_comment
            .split('\t')
            .filter_map(|field| field.strip_prefix("file:"));
        match (named.next(), named.next()) {
            (Some(signed), None) if signed == file_name => Ok(MinisignSigner {
                key_id: signer,
                trusted_comment,
            }),
            (Some(signed), None) => Err(VerifyError::FileNameMismatch {
                file: file_name.to_owned(),
                signed: signed.to_owned(),
            }),
            (Some(_), Some(_)) => Err(VerifyError::FileNameMismatch {
                file: file_name.to_owned(),
                signed: trusted_comment.clone(),
            }),
            (None, _) => Err(VerifyError::NoSignedFileName {
                file: file_name.to_owned(),
                signer: format!("minisign key {signer}"),
            }),
        }
    }
}

/// Key id bytes of a decoded public key or signature: 2 algorithm bytes, then the 8-byte id.
fn key_id_of(raw: &[u8]) -> Option<[u8; 8]> {
    raw.get(2..10)?.try_into().ok()
}

/// The key id a `.minisig` names (its second line; untrusted, used only to pick the key).
fn signature_key_id(minisig: &str) -> Option<[u8; 8]> {
    let line = minisig
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("untrusted comment:"))?;
    key_id_of(&STANDARD.decode(line).ok()?)
}

/// Minisign prints key ids as the little-endian 64-bit number in upper-case hex.
fn key_id_text(key_id: &[u8; 8]) -> String {
    let mut big_endian = *key_id;
    big_endian.reverse();
    upper_hex(&big_endian)
}
