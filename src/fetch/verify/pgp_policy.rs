//! The OpenPGP signing policy (the OpenPGP crate checks the mathematics, not this): accepted
//! hash algorithms by date, the signature type, the signing key's binding to a trusted primary,
//! its validity at the time the signature was made, and revocations.

use std::time::{SystemTime, UNIX_EPOCH};

use ::pgp::composed::{SignedPublicKey, SignedPublicSubKey};
use ::pgp::crypto::hash::HashAlgorithm;
use ::pgp::packet::{RevocationCode, Signature, SignatureType, SubpacketType};
use ::pgp::types::{KeyDetails, Tag};

use super::pgp::{Candidate, PgpSigner};
use super::{VerifyError, utc_time};

/// SHA-1 signatures are accepted only when made before this instant (2017-01-01T00:00:00Z):
/// after the first public SHA-1 collision (SHAttered, February 2017) a SHA-1 signature could be
/// a forgery's, so only ones that predate it can be trusted.
pub const SHA1_ACCEPTED_BEFORE: u32 = 1_483_228_800;

/// Whether a signature made at `made` (Unix seconds) with `hash` is acceptable.
pub fn hash_accepted(hash: HashAlgorithm, made: u32) -> bool {
    match hash {
        HashAlgorithm::Sha256 | HashAlgorithm::Sha384 | HashAlgorithm::Sha512 => true,
        HashAlgorithm::Sha1 => made < SHA1_ACCEPTED_BEFORE,
        _ => false,
    }
}

/// Applies the whole policy to `signature` over `data`, attributed to `candidate`.
pub(super) fn accept(
    file: &str,
    candidate: &Candidate<'_>,
    signature: &Signature,
    data: &[u8],
) -> Result<PgpSigner, VerifyError> {
    let signer = candidate.label();
    let refuse = Refusal {
        file,
        signer: &signer,
    };
    let Some(made) = signature.created().map(|time| time.as_secs()) else {
        return Err(VerifyError::NoCreationTime {
            file: file.to_owned(),
            signer,
        });
    };
    match signature.typ() {
        Some(SignatureType::Binary | SignatureType::Text) => {}
        other => {
            return Err(VerifyError::WrongSignatureType {
                file: file.to_owned(),
                signer,
                kind: other.map_or_else(|| "unknown".to_owned(), |typ| format!("{typ:?}")),
            });
        }
    }
    let hash = signature.hash_alg().unwrap_or(HashAlgorithm::None);
    if !hash_accepted(hash, made) {
        return Err(VerifyError::WeakHash {
            file: file.to_owned(),
            signer,
            hash: format!("{hash:?}"),
            made: utc_time(u64::from(made)),
        });
    }
    let verified = match candidate.subkey {
        Some(subkey) => signature.verify(&subkey.key, data),
        None => signature.verify(&candidate.primary.primary_key, data),
    };
    if verified.is_err() {
        return Err(VerifyError::BadSignature {
            file: file.to_owned(),
            signer,
        });
    }
    if let Some(lifetime) = signature.signature_expiration_time().map(|d| d.as_secs())
        && lifetime > 0
    {
        let expires = u64::from(made) + u64::from(lifetime);
        if expires <= now_secs() {
            return Err(VerifyError::SignatureExpired {
                file: file.to_owned(),
                signer,
                expired: utc_time(expires),
            });
        }
    }

    let primary = &candidate.primary.primary_key;
    let details = &candidate.primary.details;
    let primary_self_signatures = primary_self_signatures(candidate.primary);
    let Some(primary_binding) = primary_self_signatures.last() else {
        return Err(refuse.not_valid(made, "has no valid self-signature".to_owned()));
    };
    check_lifetime(
        &refuse,
        made,
        primary.created_at().as_secs(),
        primary_binding,
    )?;
    let primary_revocations = details.revocation_signatures.iter().filter(|sig| {
        sig.typ() == Some(SignatureType::KeyRevocation) && sig.verify_key(primary).is_ok()
    });
    check_revocations(&refuse, made, primary_revocations)?;

    match candidate.subkey {
        None => {
            if has_key_flags(primary_binding) && !primary_binding.key_flags().sign() {
                return Err(refuse.not_signing("its self-signature does not allow signing"));
            }
        }
        Some(subkey) => {
            let bindings = subkey_bindings(candidate.primary, subkey);
            let Some(binding) = bindings.last() else {
                return Err(refuse.not_signing("it has no valid binding signature from that key"));
            };
            if !binding.key_flags().sign() {
                return Err(refuse.not_signing("its binding signature does not allow signing"));
            }
            let back_signed = binding.embedded_signature().is_some_and(|backsig| {
                backsig
                    .verify_primary_key_binding(&subkey.key, primary)
                    .is_ok()
                    && self_signature_hash_accepted(backsig)
            });
            if !back_signed {
                return Err(
                    refuse.not_signing("its binding carries no valid back-signature by the subkey")
                );
            }
            check_lifetime(&refuse, made, subkey.key.created_at().as_secs(), binding)?;
            let subkey_revocations = subkey.signatures.iter().filter(|sig| {
                sig.typ() == Some(SignatureType::SubkeyRevocation)
                    && sig.verify_subkey_binding(primary, &subkey.key).is_ok()
            });
            check_revocations(&refuse, made, subkey_revocations)?;
        }
    }

    Ok(PgpSigner {
        primary_fingerprint: candidate.primary_fingerprint(),
        key_fingerprint: candidate.key_fingerprint(),
        key_id: candidate.key_id(),
        signed_at: made,
    })
}

/// The primary key's valid self-signatures (user-id certifications and direct-key signatures
/// it made over itself, with an accepted hash), oldest first.
pub(super) fn primary_self_signatures(key: &SignedPublicKey) -> Vec<&Signature> {
    let primary = &key.primary_key;
    let details = &key.details;
    let certifications = details.users.iter().flat_map(|user| {
        user.signatures.iter().filter(|sig| {
            sig.is_certification()
                && sig.typ() != Some(SignatureType::CertRevocation)
                && sig
                    .verify_certification(primary, Tag::UserId, &user.id)
                    .is_ok()
        })
    });
    let direct = details
        .direct_signatures
        .iter()
        .filter(|sig| sig.typ() == Some(SignatureType::Key) && sig.verify_key(primary).is_ok());
    let mut valid: Vec<&Signature> = certifications
        .chain(direct)
        .filter(|sig| self_signature_hash_accepted(sig))
        .collect();
    valid.sort_by_key(|sig| created(sig));
    valid
}

/// The subkey's valid binding signatures by `key`'s primary (accepted hash), oldest first.
pub(super) fn subkey_bindings<'k>(
    key: &SignedPublicKey,
    subkey: &'k SignedPublicSubKey,
) -> Vec<&'k Signature> {
    let mut valid: Vec<&Signature> = subkey
        .signatures
        .iter()
        .filter(|sig| {
            sig.typ() == Some(SignatureType::SubkeyBinding)
                && sig
                    .verify_subkey_binding(&key.primary_key, &subkey.key)
                    .is_ok()
                && self_signature_hash_accepted(sig)
        })
        .collect();
    valid.sort_by_key(|sig| created(sig));
    valid
}

/// Builds the refusals that name the file and the signing key.
struct Refusal<'a> {
    file: &'a str,
    signer: &'a str,
}

impl Refusal<'_> {
    fn not_valid(&self, made: u32, problem: String) -> VerifyError {
        VerifyError::KeyNotValid {
            file: self.file.to_owned(),
            signer: self.signer.to_owned(),
            made: utc_time(u64::from(made)),
            problem,
        }
    }

    fn not_signing(&self, problem: &str) -> VerifyError {
        VerifyError::NotASigningKey {
            file: self.file.to_owned(),
            signer: self.signer.to_owned(),
            problem: problem.to_owned(),
        }
    }
}

/// The key (created at `key_created`, with its latest self-signature `binding`) must have
/// existed and not yet expired when the signature was made.
fn check_lifetime(
    refuse: &Refusal<'_>,
    made: u32,
    key_created: u32,
    binding: &Signature,
) -> Result<(), VerifyError> {
    if made < key_created {
        let problem = format!("was only created at {}", utc_time(u64::from(key_created)));
        return Err(refuse.not_valid(made, problem));
    }
    if let Some(lifetime) = binding.key_expiration_time().map(|d| d.as_secs())
        && lifetime > 0
    {
        let expired = u64::from(key_created) + u64::from(lifetime);
        if u64::from(made) >= expired {
            return Err(refuse.not_valid(made, format!("had expired at {}", utc_time(expired))));
        }
    }
    Ok(())
}

/// A revocation (already verified as made by the primary key) refuses the key, unless it says
/// "superseded" and was made after the signature.
fn check_revocations<'s>(
    refuse: &Refusal<'_>,
    made: u32,
    revocations: impl Iterator<Item = &'s Signature>,
) -> Result<(), VerifyError> {
    for revocation in revocations {
        let revoked_at = created(revocation);
        let reason = match revocation.revocation_reason_code() {
            Some(RevocationCode::KeySuperseded) if revoked_at > made => continue,
            Some(code) => format!("{code:?}"),
            None => "no reason given".to_owned(),
        };
        let text = revocation
            .revocation_reason_string()
            .map(|text| String::from_utf8_lossy(text).trim().to_owned())
            .filter(|text| !text.is_empty())
            .map(|text| format!(": {text}"))
            .unwrap_or_default();
        return Err(VerifyError::KeyRevoked {
            file: refuse.file.to_owned(),
            signer: refuse.signer.to_owned(),
            reason: format!("{reason}{text}, at {}", utc_time(u64::from(revoked_at))),
        });
    }
    Ok(())
}

fn self_signature_hash_accepted(signature: &Signature) -> bool {
    signature
        .hash_alg()
        .is_some_and(|hash| hash_accepted(hash, created(signature)))
}

/// Creation time of a signature; one without any sorts first and counts as made at 0.
fn created(signature: &Signature) -> u32 {
    signature.created().map_or(0, |time| time.as_secs())
}

fn has_key_flags(signature: &Signature) -> bool {
    signature.config().is_some_and(|config| {
        config
            .hashed_subpackets()
            .any(|packet| packet.typ() == SubpacketType::KeyFlags)
    })
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::verify::NodeKeyring;

    #[test]
    fn sha1_cutoff_is_the_start_of_2017() {
        assert!(hash_accepted(HashAlgorithm::Sha1, SHA1_ACCEPTED_BEFORE - 1));
        assert!(!hash_accepted(HashAlgorithm::Sha1, SHA1_ACCEPTED_BEFORE));
        assert!(hash_accepted(HashAlgorithm::Sha256, SHA1_ACCEPTED_BEFORE));
        assert!(!hash_accepted(HashAlgorithm::Md5, 0));
        assert!(!hash_accepted(HashAlgorithm::Ripemd160, 0));
    }

    /// Every embedded release key has a self-signature the policy accepts, and a key that may
    /// sign (the primary or a bound, back-signed signing subkey): otherwise that releaser's
    /// signatures would all be refused.
    #[test]
    fn every_embedded_release_key_is_usable_under_the_policy() {
        let keyring = NodeKeyring::embedded().expect("embedded keys parse");
        for key in keyring.keys() {
            let fingerprint =
                crate::fetch::verify::upper_hex(key.primary_key.fingerprint().as_bytes());
            let self_signatures = primary_self_signatures(key);
            let Some(latest) = self_signatures.last() else {
                panic!("{fingerprint}: no valid self-signature");
            };
            let primary_signs = !has_key_flags(latest) || latest.key_flags().sign();
            let subkey_signs = key.public_subkeys.iter().any(|subkey| {
                subkey_bindings(key, subkey).last().is_some_and(|binding| {
                    binding.key_flags().sign()
                        && binding.embedded_signature().is_some_and(|back| {
                            back.verify_primary_key_binding(&subkey.key, &key.primary_key)
                                .is_ok()
                        })
                })
            });
            assert!(
                primary_signs || subkey_signs,
                "{fingerprint}: nothing may sign"
            );
        }
    }
}
