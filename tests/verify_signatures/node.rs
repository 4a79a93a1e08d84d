//! OpenPGP (Node.js): the real v20.11.0 anchor against the embedded release keys, and
//! throwaway keys generated here for every refusal the policy makes. Keys that rpgp's key
//! builder cannot shape (an expiry, a binding without the signing flag or back-signature, a
//! revocation) get their binding or revocation signature made here with rpgp's
//! `SignatureConfig` and swapped in.

use std::path::PathBuf;

use envm::fetch::verify::{NodeKeyring, PgpSigner, VerifyError};
use pgp::bytes::Bytes;
use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, KeyType,
    SecretKeyParamsBuilder, SignedSecretKey, SubkeyParamsBuilder,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{
    KeyFlags, RevocationCode, Signature, SignatureConfig, SignatureType, Subpacket, SubpacketData,
};
use pgp::ser::Serialize;
use pgp::types::{Duration, KeyDetails, Password, Timestamp};

use super::hex_upper;

const ANCHOR_PRIMARY: &str = "A363A499291CBBC940DD62E41F10027AF002F8B0";
const ANCHOR_SUBKEY: &str = "A6023530FC53461FEC91F99C04CD3F2FDE079578";

const Y2015: u32 = 1_420_070_400; // 2015-01-01
const MID_2016: u32 = 1_464_739_200; // 2016-06-01
const Y2018: u32 = 1_514_764_800; // 2018-01-01
const Y2020: u32 = 1_577_836_800; // 2020-01-01
const DAY: u32 = 86_400;

const CONTENT: &[u8] = b"0123abcd  node-v99.0.0-linux-x64.tar.xz\n";

fn anchor_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/node-sig-v20.11.0")
}

fn anchor() -> (Vec<u8>, Vec<u8>) {
    let dir = anchor_dir();
    let content = std::fs::read(dir.join("SHASUMS256.txt")).expect("anchor SHASUMS256.txt");
    let signature = std::fs::read(dir.join("SHASUMS256.txt.sig")).expect("anchor .sig");
    (content, signature)
}

// ---------- OpenPGP helpers ----------

/// A throwaway Ed25519 key: a signing-capable primary plus one subkey, both created at `created`.
fn throwaway_key(created: u32, subkey_can_sign: bool) -> SignedSecretKey {
    throwaway_key_of(KeyType::Ed25519Legacy, created, subkey_can_sign)
}

fn throwaway_key_of(key_type: KeyType, created: u32, subkey_can_sign: bool) -> SignedSecretKey {
    let subkey = SubkeyParamsBuilder::default()
        .key_type(key_type.clone())
        .can_sign(subkey_can_sign)
        .can_authenticate(!subkey_can_sign)
        .created_at(Timestamp::from_secs(created))
        .build()
        .expect("subkey params");
    SecretKeyParamsBuilder::default()
        .key_type(key_type)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id("Throwaway Mirror <mirror@example.invalid>".to_owned())
        .created_at(Timestamp::from_secs(created))
        .subkey(subkey)
        .build()
        .expect("key params")
        .generate(rand::thread_rng())
        .expect("key generation")
}

fn armored_public(key: &SignedSecretKey) -> String {
    key.to_public_key()
        .to_armored_string(ArmorOptions::default())
        .expect("armor public key")
}

fn keyring_with(key: &SignedSecretKey) -> NodeKeyring {
    let armored = armored_public(key);
    NodeKeyring::with_extra_keys(&[("/etc/envm/mirror-key.asc", &armored)]).expect("keyring")
}

#[derive(Clone, Copy)]
enum By {
    Primary,
    Subkey,
}

fn hashed(data: SubpacketData) -> Subpacket {
    Subpacket::regular(data).expect("subpacket")
}

/// A detached binary signature over `data` made at `made` with `hash`.
fn sign_detached(
    key: &SignedSecretKey,
    by: By,
    hash: HashAlgorithm,
    made: u32,
    data: &[u8],
) -> Vec<u8> {
    let (algorithm, fingerprint, key_id) = match by {
        By::Primary => (
            key.primary_key.algorithm(),
            key.primary_key.fingerprint(),
            key.primary_key.legacy_key_id(),
        ),
        By::Subkey => {
            let subkey = &key.secret_subkeys[0].key;
            (
                subkey.algorithm(),
                subkey.fingerprint(),
                subkey.legacy_key_id(),
            )
        }
    };
    let mut config = SignatureConfig::v4(SignatureType::Binary, algorithm, hash);
    config.hashed_subpackets = vec![
        hashed(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
            made,
        ))),
        hashed(SubpacketData::IssuerFingerprint(fingerprint)),
    ];
    config.unhashed_subpackets = vec![hashed(SubpacketData::IssuerKeyId(key_id))];
    let signature = match by {
        By::Primary => config.sign(&key.primary_key, &Password::empty(), data),
        By::Subkey => config.sign(&key.secret_subkeys[0].key, &Password::empty(), data),
    }
    .expect("sign");
    DetachedSignature::new(signature)
        .to_bytes()
        .expect("serialize signature")
}

/// Replaces the subkey's binding with one made here: signing flag or not, an expiry after
/// `expires_after` seconds or none, with or without the subkey's back-signature.
fn rebind_subkey(
    key: &mut SignedSecretKey,
    sign_flag: bool,
    expires_after: Option<u32>,
    backsig: bool,
) {
    let primary = &key.primary_key;
    let subkey = &key.secret_subkeys[0].key;
    let mut flags = KeyFlags::default();
    flags.set_sign(sign_flag);
    let mut subpackets = vec![
        hashed(SubpacketData::SignatureCreationTime(subkey.created_at())),
        hashed(SubpacketData::IssuerFingerprint(primary.fingerprint())),
        hashed(SubpacketData::KeyFlags(flags)),
    ];
    if let Some(seconds) = expires_after {
        subpackets.push(hashed(SubpacketData::KeyExpirationTime(
            Duration::from_secs(seconds),
        )));
    }
    if backsig {
        let back = subkey
            .sign_primary_key_binding(rand::thread_rng(), primary.public_key(), &Password::empty())
            .expect("back-signature");
        subpackets.push(hashed(SubpacketData::EmbeddedSignature(Box::new(back))));
    }
    let mut config = SignatureConfig::v4(
        SignatureType::SubkeyBinding,
        primary.algorithm(),
        HashAlgorithm::Sha256,
    );
    config.hashed_subpackets = subpackets;
    let binding = config
        .sign_subkey_binding(
            primary,
            primary.public_key(),
            &Password::empty(),
            subkey.public_key(),
        )
        .expect("binding signature");
    key.secret_subkeys[0].signatures = vec![binding];
}

fn revoke_primary(key: &mut SignedSecretKey, at: u32, code: RevocationCode) {
    let mut config = SignatureConfig::v4(
        SignatureType::KeyRevocation,
        key.primary_key.algorithm(),
        HashAlgorithm::Sha256,
    );
    config.hashed_subpackets = vec![
        hashed(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
            at,
        ))),
        hashed(SubpacketData::IssuerFingerprint(
            key.primary_key.fingerprint(),
        )),
        hashed(SubpacketData::RevocationReason(
            code,
            Bytes::from_static(b"test revocation"),
        )),
    ];
    let revocation: Signature = config
        .sign_key(
            &key.primary_key,
            &Password::empty(),
            key.primary_key.public_key(),
        )
        .expect("revocation");
    key.details.revocation_signatures.push(revocation);
}

fn fingerprint(key: &SignedSecretKey, by: By) -> String {
    let fingerprint = match by {
        By::Primary => key.primary_key.fingerprint(),
        By::Subkey => key.secret_subkeys[0].key.fingerprint(),
    };
    hex_upper(fingerprint.as_bytes())
}

// ---------- the real anchor ----------

#[test]
fn node_anchor_v20_11_0_verifies_with_embedded_keys() {
    let (content, signature) = anchor();
    let keyring = NodeKeyring::embedded().expect("embedded keys parse");
    assert_eq!(keyring.primary_fingerprints().len(), 29);
    let signer = keyring
        .verify_detached("SHASUMS256.txt", &content, &signature)
        .expect("v20.11.0 verifies");
    assert_eq!(signer.primary_fingerprint, ANCHOR_PRIMARY);
    assert_eq!(signer.key_fingerprint, ANCHOR_SUBKEY);
    assert_eq!(signer.key_id, &ANCHOR_SUBKEY[24..]);
    assert!(signer.is_subkey());
    assert_eq!(
        signer.to_string(),
        format!("subkey {ANCHOR_SUBKEY} of key {ANCHOR_PRIMARY}")
    );
}

#[test]
fn node_anchor_with_one_flipped_byte_fails() {
    let (mut content, signature) = anchor();
    content[100] ^= 0x01;
    let keyring = NodeKeyring::embedded().expect("embedded keys parse");
    let err = keyring
        .verify_detached("SHASUMS256.txt", &content, &signature)
        .expect_err("a flipped byte must fail");
    assert!(matches!(err, VerifyError::BadSignature { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("SHASUMS256.txt") && message.contains(ANCHOR_SUBKEY),
        "{message}"
    );
}

#[test]
fn embedded_keyring_is_the_listed_release_keys() {
    // (Each key's usability under the policy is checked by a unit test in pgp_policy.)
    let keyring = NodeKeyring::embedded().expect("embedded keys parse");
    assert_eq!(
        keyring.primary_fingerprints(),
        envm::fetch::verify::node_keys::NODE_RELEASE_KEYS
            .iter()
            .map(|(fp, _)| fp.to_string())
            .collect::<Vec<_>>()
    );
}

// ---------- throwaway OpenPGP keys ----------

#[test]
fn throwaway_key_is_accepted_only_when_added_as_an_extra_key() {
    let key = throwaway_key(Y2020, true);
    let made = Y2020 + DAY;
    let signature = sign_detached(&key, By::Subkey, HashAlgorithm::Sha256, made, CONTENT);

    let signer: PgpSigner = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect("accepted as an extra key");
    assert_eq!(signer.primary_fingerprint, fingerprint(&key, By::Primary));
    assert_eq!(signer.key_fingerprint, fingerprint(&key, By::Subkey));
    assert_eq!(signer.signed_at, made);

    let err = NodeKeyring::embedded()
        .expect("embedded keys")
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect_err("unknown key refused");
    assert!(matches!(err, VerifyError::UnknownSigner { .. }), "{err}");
    assert!(
        err.to_string().contains(&fingerprint(&key, By::Subkey)),
        "{err}"
    );
}

#[test]
fn primary_key_signature_and_armored_signature_are_accepted() {
    let key = throwaway_key(Y2020, true);
    let binary = sign_detached(
        &key,
        By::Primary,
        HashAlgorithm::Sha512,
        Y2020 + DAY,
        CONTENT,
    );
    let parsed = DetachedSignature::from_bytes(&binary[..]).expect("parse");
    let armored = parsed
        .to_armored_bytes(ArmorOptions::default())
        .expect("armor");
    let signer = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &armored)
        .expect("armored primary-key signature accepted");
    assert!(!signer.is_subkey());
    assert_eq!(signer.primary_fingerprint, fingerprint(&key, By::Primary));
}

#[test]
fn clearsigned_text_is_returned_and_tampering_refused() {
    let key = throwaway_key(Y2020, true);
    let text = "0123abcd  node-v99.0.0-linux-x64.tar.xz\n-dash  node-v99.0.0.tar.gz\n";
    let message = CleartextSignedMessage::sign(
        rand::thread_rng(),
        text,
        &key.primary_key,
        &Password::empty(),
    )
    .expect("clearsign");
    let armored = message
        .to_armored_string(ArmorOptions::default())
        .expect("armor");
    let keyring = keyring_with(&key);
    let signed = keyring
        .verify_clearsigned("SHASUMS256.txt.asc", &armored)
        .expect("clearsigned accepted");
    assert_eq!(signed.text, text);
    assert_eq!(
        signed.signer.primary_fingerprint,
        fingerprint(&key, By::Primary)
    );

    let tampered = armored.replace("0123abcd", "0123abce");
    let err = keyring
        .verify_clearsigned("SHASUMS256.txt.asc", &tampered)
        .expect_err("tampered text refused");
    assert!(matches!(err, VerifyError::BadSignature { .. }), "{err}");
}

#[test]
fn valid_signature_over_other_content_is_refused() {
    let key = throwaway_key(Y2020, true);
    let signature = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 + DAY,
        b"other",
    );
    let err = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect_err("signature over other content refused");
    assert!(matches!(err, VerifyError::BadSignature { .. }), "{err}");
    assert!(
        err.to_string().contains(&fingerprint(&key, By::Subkey)),
        "{err}"
    );
}

#[test]
fn sha1_is_refused_after_2016_and_accepted_before() {
    // RSA: the OpenPGP crate itself refuses SHA-1 with Ed25519 (as RFC 9580 asks).
    let key = throwaway_key_of(KeyType::Rsa(2048), Y2015, true);
    let keyring = keyring_with(&key);
    let late = sign_detached(&key, By::Subkey, HashAlgorithm::Sha1, Y2018, CONTENT);
    let err = keyring
        .verify_detached("SHASUMS256.txt", CONTENT, &late)
        .expect_err("SHA-1 in 2018 refused");
    assert!(matches!(err, VerifyError::WeakHash { .. }), "{err}");
    assert!(err.to_string().contains("2018-01-01"), "{err}");

    let early = sign_detached(&key, By::Subkey, HashAlgorithm::Sha1, MID_2016, CONTENT);
    keyring
        .verify_detached("SHASUMS256.txt", CONTENT, &early)
        .expect("SHA-1 made in 2016 accepted");
}

#[test]
fn subkey_without_signing_flag_is_refused() {
    let key = throwaway_key(Y2020, false);
    let signature = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 + DAY,
        CONTENT,
    );
    let err = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect_err("non-signing subkey refused");
    assert!(matches!(err, VerifyError::NotASigningKey { .. }), "{err}");

    // The same when a binding is re-made without the flag but with a back-signature.
    let mut key = throwaway_key(Y2020, true);
    rebind_subkey(&mut key, false, None, true);
    let signature = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 + DAY,
        CONTENT,
    );
    let err = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect_err("binding without signing flag refused");
    assert!(matches!(err, VerifyError::NotASigningKey { .. }), "{err}");
}

#[test]
fn unbound_subkey_is_refused() {
    let mut key = throwaway_key(Y2020, true);
    key.secret_subkeys[0].signatures.clear();
    let signature = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 + DAY,
        CONTENT,
    );
    let err = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect_err("subkey without binding refused");
    // The key parser already drops a subkey that carries no binding at all.
    assert!(
        matches!(
            err,
            VerifyError::NotASigningKey { .. } | VerifyError::UnknownSigner { .. }
        ),
        "{err}"
    );

    // A binding made by another primary key does not bind it either.
    let mut key = throwaway_key(Y2020, true);
    let stranger = throwaway_key(Y2020, true);
    key.secret_subkeys[0].signatures = stranger.secret_subkeys[0].signatures.clone();
    let signature = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 + DAY,
        CONTENT,
    );
    let err = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect_err("foreign binding refused");
    assert!(matches!(err, VerifyError::NotASigningKey { .. }), "{err}");

    // Signing flag but no back-signature: the subkey never agreed to belong to this primary.
    let mut key = throwaway_key(Y2020, true);
    rebind_subkey(&mut key, true, None, false);
    let signature = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 + DAY,
        CONTENT,
    );
    let err = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect_err("binding without back-signature refused");
    assert!(matches!(err, VerifyError::NotASigningKey { .. }), "{err}");
}

#[test]
fn signature_made_while_the_key_was_expired_is_refused() {
    let mut key = throwaway_key(Y2020, true);
    rebind_subkey(&mut key, true, Some(365 * DAY), true);
    let keyring = keyring_with(&key);

    // Made within the key's year: accepted, although the key has expired since.
    let in_time = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 + 100 * DAY,
        CONTENT,
    );
    keyring
        .verify_detached("SHASUMS256.txt", CONTENT, &in_time)
        .expect("a key that expired later is fine");

    let too_late = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 + 400 * DAY,
        CONTENT,
    );
    let err = keyring
        .verify_detached("SHASUMS256.txt", CONTENT, &too_late)
        .expect_err("made after expiry refused");
    assert!(matches!(err, VerifyError::KeyNotValid { .. }), "{err}");
    assert!(
        err.to_string().contains("had expired at 2020-12-31"),
        "{err}"
    );

    let too_early = sign_detached(
        &key,
        By::Subkey,
        HashAlgorithm::Sha256,
        Y2020 - DAY,
        CONTENT,
    );
    let err = keyring
        .verify_detached("SHASUMS256.txt", CONTENT, &too_early)
        .expect_err("made before the key existed refused");
    assert!(matches!(err, VerifyError::KeyNotValid { .. }), "{err}");
}

#[test]
fn revoked_key_is_refused_unless_superseded_after_signing() {
    let made = Y2020 + DAY;
    let mut key = throwaway_key(Y2020, true);
    revoke_primary(&mut key, Y2020 + 10 * DAY, RevocationCode::KeySuperseded);
    let signature = sign_detached(&key, By::Subkey, HashAlgorithm::Sha256, made, CONTENT);
    keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect("superseded after the signature: still fine");

    revoke_primary(&mut key, Y2020 + 20 * DAY, RevocationCode::KeyCompromised);
    let err = keyring_with(&key)
        .verify_detached("SHASUMS256.txt", CONTENT, &signature)
        .expect_err("compromised key refused");
    assert!(matches!(err, VerifyError::KeyRevoked { .. }), "{err}");
    assert!(
        err.to_string().contains(&fingerprint(&key, By::Primary)),
        "{err}"
    );
}

#[test]
fn unparsable_extra_key_names_its_file() {
    let err = NodeKeyring::with_extra_keys(&[("/etc/envm/broken.asc", "not a key")])
        .expect_err("garbage refused");
    assert!(err.to_string().contains("/etc/envm/broken.asc"), "{err}");
}
