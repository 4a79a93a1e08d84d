//! Minisign (Zig): throwaway Ed25519 keys made here sign `.minisig` files the way minisign
//! does (prehashed `ED`: BLAKE2b-512 of the content; legacy `Ed` over the content itself).

use blake2::{Blake2b512, Digest};
use ed25519_dalek::{Signer, SigningKey};
use envm::fetch::verify::{MinisignKeys, VerifyError};
use envm::tools::zig::MINISIGN_KEY;

use super::hex_upper;

struct MinisignTestKey {
    signing: SigningKey,
    key_id: [u8; 8],
}

impl MinisignTestKey {
    fn generate() -> Self {
        let signing = SigningKey::generate(&mut rand::rngs::OsRng);
        let key_id: [u8; 8] = rand::random();
        MinisignTestKey { signing, key_id }
    }

    fn public_base64(&self) -> String {
        let mut raw = b"Ed".to_vec();
        raw.extend_from_slice(&self.key_id);
        raw.extend_from_slice(self.signing.verifying_key().as_bytes());
        base64_encode(&raw)
    }

    fn key_id_text(&self) -> String {
        let mut id = self.key_id;
        id.reverse();
        hex_upper(&id)
    }

    /// A `.minisig` over `content` whose trusted comment is `trusted_comment`; `prehashed`
    /// chooses `ED` (BLAKE2b-512 of the content) or legacy `Ed`.
    fn sign(&self, content: &[u8], trusted_comment: &str, prehashed: bool) -> String {
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
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

const ZIG_FILE: &str = "zig-x86_64-linux-0.14.1.tar.xz";
const TARBALL: &[u8] = b"pretend this is a zig tarball";

fn zig_comment(file: &str) -> String {
    format!("timestamp:1748000000\tfile:{file}\thashed")
}

fn zig_key_only() -> MinisignKeys {
    MinisignKeys::new(&[("zig", MINISIGN_KEY)]).expect("zig key")
}

fn zig_keys_with(key: &MinisignTestKey) -> MinisignKeys {
    MinisignKeys::new(&[("zig", MINISIGN_KEY), ("zig-keys[0]", &key.public_base64())])
        .expect("zig keys")
}

#[test]
fn zig_minisig_by_extra_key_is_accepted_with_its_key_id() {
    let key = MinisignTestKey::generate();
    let minisig = key.sign(TARBALL, &zig_comment(ZIG_FILE), true);
    let signer = zig_keys_with(&key)
        .verify(ZIG_FILE, TARBALL, &minisig)
        .expect("accepted");
    assert_eq!(signer.key_id, key.key_id_text());
    assert_eq!(signer.trusted_comment, zig_comment(ZIG_FILE));

    let err = zig_key_only()
        .verify(ZIG_FILE, TARBALL, &minisig)
        .expect_err("unknown key refused");
    assert!(matches!(err, VerifyError::UnknownSigner { .. }), "{err}");
    assert!(err.to_string().contains(&key.key_id_text()), "{err}");
}

#[test]
fn zig_minisig_over_other_content_or_edited_comment_is_refused() {
    let key = MinisignTestKey::generate();
    let keys = zig_keys_with(&key);
    let minisig = key.sign(b"another tarball", &zig_comment(ZIG_FILE), true);
    let err = keys
        .verify(ZIG_FILE, TARBALL, &minisig)
        .expect_err("other content");
    assert!(matches!(err, VerifyError::BadSignature { .. }), "{err}");

    let minisig = key.sign(
        TARBALL,
        &zig_comment("zig-x86_64-linux-0.13.0.tar.xz"),
        true,
    );
    let edited = minisig.replace("0.13.0.tar.xz", "0.14.1.tar.xz");
    let err = keys
        .verify(ZIG_FILE, TARBALL, &edited)
        .expect_err("edited comment");
    assert!(matches!(err, VerifyError::BadSignature { .. }), "{err}");
}

#[test]
fn zig_file_field_must_equal_the_requested_name() {
    let key = MinisignTestKey::generate();
    let keys = zig_keys_with(&key);
    let cases = [
        "zig-x86_64-linux-0.13.0.tar.xz".to_owned(),
        format!("{ZIG_FILE}.old"),
        format!("old-{ZIG_FILE}"),
        format!("dir/{ZIG_FILE}"),
        String::new(),
    ];
    for signed_name in cases {
        let minisig = key.sign(TARBALL, &zig_comment(&signed_name), true);
        let err = keys
            .verify(ZIG_FILE, TARBALL, &minisig)
            .expect_err("file: naming something else refused");
        assert!(
            matches!(err, VerifyError::FileNameMismatch { .. }),
            "{signed_name}: {err}"
        );
    }
    let minisig = key.sign(TARBALL, "timestamp:1748000000\thashed", true);
    let err = keys
        .verify(ZIG_FILE, TARBALL, &minisig)
        .expect_err("no file field");
    assert!(matches!(err, VerifyError::NoSignedFileName { .. }), "{err}");
    let doubled = format!("timestamp:1\tfile:{ZIG_FILE}\tfile:other.tar.xz");
    let minisig = key.sign(TARBALL, &doubled, true);
    keys.verify(ZIG_FILE, TARBALL, &minisig)
        .expect_err("two file fields refused");
}

#[test]
fn zig_legacy_non_prehashed_signature_is_refused() {
    let key = MinisignTestKey::generate();
    let minisig = key.sign(TARBALL, &zig_comment(ZIG_FILE), false);
    zig_keys_with(&key)
        .verify(ZIG_FILE, TARBALL, &minisig)
        .expect_err("legacy Ed refused");
}

#[test]
fn zig_streaming_verification_reads_in_chunks() {
    let key = MinisignTestKey::generate();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let minisig = key.sign(&big, &zig_comment(ZIG_FILE), true);
    zig_keys_with(&key)
        .verify_reader(ZIG_FILE, std::io::Cursor::new(&big), &minisig)
        .expect("streamed content verifies");
}

#[test]
fn zig_key_parses_with_its_published_id() {
    assert_eq!(
        zig_key_only().key_ids(),
        vec!["D900E7558DAD3A86".to_owned()]
    );
}
