//! OpenPGP verification of Node.js `SHASUMS256.txt`: the keyring of trusted primary keys (the
//! embedded Node.js release keys plus the caller's extra keys), parsing clearsigned (`.asc`) and
//! detached (`.sig`) signatures, and choosing the trusted key each signature names. The signing
//! policy itself (hashes, bindings, validity at signing time, revocation) is in `pgp_policy`.

use std::fmt;

use ::pgp::composed::{
    CleartextSignedMessage, Deserializable, DetachedSignature, SignedPublicKey, SignedPublicSubKey,
};
use ::pgp::packet::Signature;
use ::pgp::types::KeyDetails;

use super::{VerifyError, node_keys, pgp_policy, upper_hex};

/// The trusted OpenPGP primary keys: a signature is accepted only from one of them or from a
/// signing subkey bound to one.
#[derive(Debug, Clone)]
pub struct NodeKeyring {
    keys: Vec<SignedPublicKey>,
}

/// Who made an accepted OpenPGP signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgpSigner {
    /// Fingerprint (upper-case hex) of the trusted primary key.
    pub primary_fingerprint: String,
    /// Fingerprint of the key that made the signature: the primary's, or a subkey's.
    pub key_fingerprint: String,
    /// Key id (upper-case hex) of the key that made the signature.
    pub key_id: String,
    /// When the signature was made (Unix seconds, from the signature's hashed area).
    pub signed_at: u32,
}

impl PgpSigner {
    /// Whether a subkey, rather than the primary key itself, made the signature.
    pub fn is_subkey(&self) -> bool {
        self.key_fingerprint != self.primary_fingerprint
    }
}

impl fmt::Display for PgpSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_subkey() {
            write!(
                f,
                "subkey {} of key {}",
                self.key_fingerprint, self.primary_fingerprint
            )
        } else {
            write!(f, "key {}", self.primary_fingerprint)
        }
    }
}

/// The text a clearsigned document signs, and who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedText {
    /// Exactly the signed text (dash-escaping undone, trailing whitespace trimmed and line ends
    /// normalised to `\n`, as the signature covers it); take digests only from here.
    pub text: String,
    pub signer: PgpSigner,
}

/// One trusted key a signature may come from: a primary key, or one of its subkeys.
pub(super) struct Candidate<'k> {
    pub primary: &'k SignedPublicKey,
    pub subkey: Option<&'k SignedPublicSubKey>,
}

impl Candidate<'_> {
    pub fn primary_fingerprint(&self) -> String {
        upper_hex(self.primary.primary_key.fingerprint().as_bytes())
    }

    pub fn key_fingerprint(&self) -> String {
        match self.subkey {
            Some(subkey) => upper_hex(subkey.key.fingerprint().as_bytes()),
            None => self.primary_fingerprint(),
        }
    }

    pub fn key_id(&self) -> String {
        match self.subkey {
            Some(subkey) => upper_hex(subkey.key.legacy_key_id().as_ref()),
            None => upper_hex(self.primary.primary_key.legacy_key_id().as_ref()),
        }
    }

    /// How errors name this key: `subkey FP of key FP` or `key FP`.
    pub fn label(&self) -> String {
        match self.subkey {
            Some(_) => format!(
                "subkey {} of key {}",
                self.key_fingerprint(),
                self.primary_fingerprint()
            ),
            None => format!("key {}", self.primary_fingerprint()),
        }
    }

    fn is_named_by(&self, signature: &Signature) -> bool {
        let (fingerprint, key_id) = match self.subkey {
            Some(subkey) => (subkey.key.fingerprint(), subkey.key.legacy_key_id()),
            None => (
                self.primary.primary_key.fingerprint(),
                self.primary.primary_key.legacy_key_id(),
            ),
        };
        signature.issuer_fingerprint().contains(&&fingerprint)
            || signature.issuer_key_id().contains(&&key_id)
    }
}

impl NodeKeyring {
    /// The Node.js release keys embedded in envm (see [`node_keys`]).
    pub fn embedded() -> Result<Self, VerifyError> {
        let mut keys = Vec::with_capacity(node_keys::NODE_RELEASE_KEYS.len());
        for (fingerprint, armored) in node_keys::NODE_RELEASE_KEYS {
            let source = format!("embedded Node.js release key {fingerprint}");
            let parsed = parse_public_keys(&source, armored)?;
            let Some(key) = parsed
                .into_iter()
                .find(|key| upper_hex(key.primary_key.fingerprint().as_bytes()) == *fingerprint)
            else {
                return Err(VerifyError::BadKey {
                    source_name: source,
                    detail: "it holds no key with that fingerprint".to_owned(),
                });
            };
            keys.push(key);
        }
        Ok(NodeKeyring { keys })
    }

    /// The embedded keys plus extra armored public keys, each given as `(source, armored)`
    /// where `source` names it in errors (the path from the global config's
    /// `[signatures] node-keys`).
    pub fn with_extra_keys(extra: &[(&str, &str)]) -> Result<Self, VerifyError> {
        let mut keyring = Self::embedded()?;
        for (source, armored) in extra {
            keyring.add_armored(source, armored)?;
        }
        Ok(keyring)
    }

    /// Trusts every primary key in an armored public-key block (one file may hold several);
    /// returns how many were added.
    pub fn add_armored(&mut self, source: &str, armored: &str) -> Result<usize, VerifyError> {
        let parsed = parse_public_keys(source, armored)?;
        let added = parsed.len();
        self.keys.extend(parsed);
        Ok(added)
    }

    #[cfg(test)]
    pub(super) fn keys(&self) -> &[SignedPublicKey] {
        &self.keys
    }

    /// Fingerprints (upper-case hex) of the trusted primary keys.
    pub fn primary_fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|key| upper_hex(key.primary_key.fingerprint().as_bytes()))
            .collect()
    }

    /// Verifies a clearsigned document (`SHASUMS256.txt.asc`); `file` names it in errors.
    /// At least one of its signatures must pass the policy; returns the signed text.
    pub fn verify_clearsigned(&self, file: &str, armored: &str) -> Result<SignedText, VerifyError> {
        let (message, _headers) = CleartextSignedMessage::from_string(armored).map_err(|err| {
            VerifyError::MalformedSignature {
                file: file.to_owned(),
                detail: err.to_string(),
            }
        })?;
        let signed = message.signed_text();
        let signer = self.verify_any(file, message.signatures(), signed.as_bytes())?;
        Ok(SignedText {
            text: signed.replace("\r\n", "\n"),
            signer,
        })
    }

    /// Verifies a detached signature (`SHASUMS256.txt.sig`, binary or armored) over `content`;
    /// `file` names the signed file in errors.
    pub fn verify_detached(
        &self,
        file: &str,
        content: &[u8],
        signature: &[u8],
    ) -> Result<PgpSigner, VerifyError> {
        let signatures = parse_detached(file, signature)?;
        self.verify_any(file, &signatures, content)
    }

    /// Accepts when any one signature passes; otherwise reports the most telling failure (a
    /// trusted key's refusal rather than "unknown signer").
    fn verify_any(
        &self,
        file: &str,
        signatures: &[Signature],
        data: &[u8],
    ) -> Result<PgpSigner, VerifyError> {
        let mut refusal: Option<VerifyError> = None;
        for signature in signatures {
            match self.verify_one(file, signature, data) {
                Ok(signer) => return Ok(signer),
                Err(err) => {
                    let untelling = matches!(
                        err,
                        VerifyError::UnknownSigner { .. } | VerifyError::NoIssuer { .. }
                    );
                    if refusal.is_none() || !untelling {
                        refusal = Some(err);
                    }
                }
            }
        }
        Err(refusal.unwrap_or_else(|| VerifyError::NoSignature {
            file: file.to_owned(),
        }))
    }

    fn verify_one(
        &self,
        file: &str,
        signature: &Signature,
        data: &[u8],
    ) -> Result<PgpSigner, VerifyError> {
        let candidates: Vec<Candidate<'_>> = self
            .keys
            .iter()
            .flat_map(|primary| {
                std::iter::once(Candidate {
                    primary,
                    subkey: None,
                })
                .chain(primary.public_subkeys.iter().map(move |subkey| {
                    Candidate {
                        primary,
                        subkey: Some(subkey),
                    }
                }))
            })
            .filter(|candidate| candidate.is_named_by(signature))
            .collect();
        if candidates.is_empty() {
            return Err(match issuer_label(signature) {
                Some(issuer) => VerifyError::UnknownSigner {
                    file: file.to_owned(),
                    issuer,
                },
                None => VerifyError::NoIssuer {
                    file: file.to_owned(),
                },
            });
        }
        let mut first_refusal = None;
        for candidate in &candidates {
            match pgp_policy::accept(file, candidate, signature, data) {
                Ok(signer) => return Ok(signer),
                Err(err) => {
                    first_refusal.get_or_insert(err);
                }
            }
        }
        Err(first_refusal.unwrap_or_else(|| VerifyError::NoSignature {
            file: file.to_owned(),
        }))
    }
}

/// How an unknown signature names its issuer: fingerprint when it carries one, else key id.
fn issuer_label(signature: &Signature) -> Option<String> {
    if let Some(fingerprint) = signature.issuer_fingerprint().first() {
        return Some(format!("key {}", upper_hex(fingerprint.as_bytes())));
    }
    signature
        .issuer_key_id()
        .first()
        .map(|key_id| format!("key id {}", upper_hex(key_id.as_ref())))
}

fn parse_public_keys(source: &str, armored: &str) -> Result<Vec<SignedPublicKey>, VerifyError> {
    let bad_key = |detail: String| VerifyError::BadKey {
        source_name: source.to_owned(),
        detail,
    };
    let (keys, _headers) =
        SignedPublicKey::from_string_many(armored).map_err(|err| bad_key(err.to_string()))?;
    let keys = keys
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| bad_key(err.to_string()))?;
    if keys.is_empty() {
        return Err(bad_key("it holds no public key".to_owned()));
    }
    Ok(keys)
}

fn parse_detached(file: &str, bytes: &[u8]) -> Result<Vec<Signature>, VerifyError> {
    let malformed = |detail: String| VerifyError::MalformedSignature {
        file: file.to_owned(),
        detail,
    };
    let armored = bytes
        .trim_ascii_start()
        .starts_with(b"-----BEGIN PGP SIGNATURE-----");
    let parsed: Vec<DetachedSignature> = if armored {
        let (signatures, _headers) =
            DetachedSignature::from_armor_many(bytes).map_err(|err| malformed(err.to_string()))?;
        signatures.collect::<Result<_, _>>()
    } else {
        DetachedSignature::from_bytes_many(bytes)
            .map_err(|err| malformed(err.to_string()))?
            .collect::<Result<_, _>>()
    }
    .map_err(|err| malformed(err.to_string()))?;
    if parsed.is_empty() {
        return Err(VerifyError::NoSignature {
            file: file.to_owned(),
        });
    }
    Ok(parsed
        .into_iter()
        .map(|detached| detached.signature)
        .collect())
}
