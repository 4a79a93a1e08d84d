//! Throwaway signing keys made at test time: an OpenPGP key (rpgp) that clearsigns and
//! detach-signs checksum documents, and a minisign key that signs files the way minisign
//! does (prehashed `ED`: BLAKE2b-512 of the content; legacy `Ed` over the content itself).
//! They reach envm only through the `[signatures]` table of a test's global config.

use std::path::Path;

use blake2::{Blake2b512, Digest};
use ed25519_dalek::{Signer, SigningKey};
use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, DetachedSignature, KeyType, SecretKeyParamsBuilder,
    SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::ser::Serialize;
use pgp::types::{KeyDetails, Password, Timestamp};

pub struct MinisignTestKey {
    signing: SigningKey,
    key_id: [u8; 8],
}

impl MinisignTestKey {
    pub fn generate() -> Self {
        let signing = SigningKey::generate(&mut rand::rngs::OsRng);
        let key_id: [u8; 8] = rand::random();
        MinisignTestKey { signing, key_id }
    }

    pub fn public_base64(&self) -> String {
        let mut raw = b"Ed".to_vec();
        raw.extend_from_slice(&self.key_id);
        raw.extend_from_slice(self.signing.verifying_key().as_bytes());
        base64_encode(&raw)
    }

    /// The key id as minisign prints it.
    pub fn key_id_text(&self) -> String {
        let mut id = self.key_id;
        id.reverse();
        id.iter().map(|b| format!("{b:02X}")).collect()
    }

    /// A `.minisig` over `content` whose trusted comment is `trusted_comment`; `prehashed`
    /// chooses `ED` (BLAKE2b-512 of the content) or legacy `Ed`.
    pub fn sign(&self, content: &[u8], trusted_comment: &str, prehashed: bool) -> String {
        let (algorithm, signature) = if prehashed {
            (b"ED", self.signing.sign(&Blake2b512::digest(content)))
        } else {
            (b"Ed", self.signing.sign(content))
        };
        let mut raw = algorithm.to_vec();
        raw.extend_from_slice(&self.key_id);
        raw.extend_from_slice(&signature.to_bytes());
        let mut global_input = signature.to_bytes().to_vec();
        global_input.extend_from_slice(trusted_comment.as_bytes());
        let global = self.signing.sign(&global_input);
        format!(
            "untrusted comment: signature from minisign secret key\n{}\ntrusted comment: {}\n{}\n",
            base64_encode(&raw),
            trusted_comment,
            base64_encode(&global.to_bytes())
        )
    }

    /// A `.minisig` as Zig's release process writes it for the file `file_name`.
    pub fn sign_release_file(&self, content: &[u8], file_name: &str) -> String {
        self.sign(content, &release_comment(file_name), true)
    }
}

/// The trusted comment of a Zig release signature naming `file_name`.
pub fn release_comment(file_name: &str) -> String {
    format!("timestamp:1748000000\tfile:{file_name}\thashed")
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A throwaway OpenPGP key: an Ed25519 primary that signs.
pub struct PgpTestKey {
    key: SignedSecretKey,
}

impl PgpTestKey {
    pub fn generate() -> Self {
        let key = SecretKeyParamsBuilder::default()
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(true)
            .primary_user_id("Throwaway Test Mirror <mirror@example.invalid>".to_owned())
            .created_at(Timestamp::from_secs(1_577_836_800))
            .build()
            .expect("key params")
            .generate(rand::thread_rng())
            .expect("key generation");
        PgpTestKey { key }
    }

    pub fn armored_public(&self) -> String {
        self.key
            .to_public_key()
            .to_armored_string(ArmorOptions::default())
            .expect("armor public key")
    }

    /// Upper-case hex fingerprint of the primary key.
    pub fn fingerprint(&self) -> String {
        self.key
            .primary_key
            .fingerprint()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// `text` clearsigned (a `SHASUMS256.txt.asc`).
    pub fn clearsign(&self, text: &str) -> String {
        CleartextSignedMessage::sign(
            rand::thread_rng(),
            text,
            &self.key.primary_key,
            &Password::empty(),
        )
        .expect("clearsign")
        .to_armored_string(ArmorOptions::default())
        .expect("armor")
    }

    /// A binary detached SHA-256 signature over `data` (a `SHASUMS256.txt.sig`).
    pub fn sign_detached(&self, data: &[u8]) -> Vec<u8> {
        let primary = &self.key.primary_key;
        let mut config = SignatureConfig::v4(
            SignatureType::Binary,
            primary.algorithm(),
            HashAlgorithm::Sha256,
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as u32;
        config.hashed_subpackets = vec![
            Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
                now,
            )))
            .expect("subpacket"),
            Subpacket::regular(SubpacketData::IssuerFingerprint(primary.fingerprint()))
                .expect("subpacket"),
        ];
        config.unhashed_subpackets = vec![
            Subpacket::regular(SubpacketData::IssuerKeyId(primary.legacy_key_id()))
                .expect("subpacket"),
        ];
        let signature = config
            .sign(primary, &Password::empty(), data)
            .expect("sign");
        DetachedSignature::new(signature)
            .to_bytes()
            .expect("serialize signature")
    }
}

/// One OpenPGP and one minisign key, as a mirror that re-signs would hold them.
pub struct TestSigners {
    pub pgp: PgpTestKey,
    pub minisign: MinisignTestKey,
}

impl TestSigners {
    pub fn generate() -> Self {
        TestSigners {
            pgp: PgpTestKey::generate(),
            minisign: MinisignTestKey::generate(),
        }
    }

    /// The `[signatures]` table trusting both keys (the OpenPGP key written to `key_file`).
    pub fn config_table(&self, key_file: &Path) -> String {
        crate::support::write_file(key_file, &self.pgp.armored_public());
        format!(
            "[signatures]\nnode-keys = [\"{}\"]\nzig-keys = [\"{}\"]\n",
            key_file.display(),
            self.minisign.public_base64()
        )
    }
}
