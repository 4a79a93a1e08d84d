//! Minisign (Zig): throwaway Ed25519 keys made here sign `.minisig` files the way minisign
//! does (prehashed `ED`: BLAKE2b-512 of the content; legacy `Ed` over the content itself).

use envm::fetch::verify::{MinisignKeys, VerifyError};
use envm::tools::zig::MINISIGN_KEY;

use crate::support::signing::MinisignTestKey;

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
