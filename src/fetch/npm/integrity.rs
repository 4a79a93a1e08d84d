//! Subresource Integrity (`dist.integrity` of an npm package version) and the streaming check
//! of a tarball against it.
//!
//! An SRI value is one or more `<algorithm>-<base64 digest>[?options]` tokens separated by
//! whitespace (`sha512-…`, `sha1-… sha512-…`). As npm's `ssri` does, the strongest algorithm
//! envm supports wins and the bytes match when they equal any digest given for it. Supported:
//! sha512, sha384, sha256. A missing value, or one with only sha1 (or only unknown algorithms),
//! is refused: envm fails closed rather than install bytes nothing vouches for.

use std::fmt;
use std::io::{self, Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::diag::Diagnostic;

/// Hash algorithms envm accepts in an SRI value, weakest first (so `Ord` picks the strongest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// The SRI prefix: `sha512`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    fn from_name(name: &str) -> Option<HashAlgorithm> {
        match name.to_ascii_lowercase().as_str() {
            "sha256" => Some(HashAlgorithm::Sha256),
            "sha384" => Some(HashAlgorithm::Sha384),
            "sha512" => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }
}

/// An SRI value that cannot vouch for a download, or bytes that do not match it.
#[derive(Debug, thiserror::Error)]
pub enum IntegrityError {
    #[error("the registry gives no integrity (dist.integrity) for {package}@{version}")]
    Missing { package: String, version: String },
    #[error(
        "integrity `{value}` offers only {offered}: envm accepts sha512, sha384 or sha256 (sha1 is refused)"
    )]
    Unsupported { value: String, offered: String },
    #[error("integrity `{value}` is malformed: {reason}")]
    Malformed { value: String, reason: String },
    #[error("integrity mismatch\n  expected {expected}\n  got      {actual}")]
    Mismatch { expected: String, actual: String },
}

impl Diagnostic for IntegrityError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            IntegrityError::Missing { .. } | IntegrityError::Unsupported { .. } => {
                "envm installs only packages with a sha-2 integrity; nothing was downloaded".into()
            }
            IntegrityError::Mismatch { .. } => {
                "the tarball is not the one the registry document vouches for: nothing was installed; check ENVM_NPM_REGISTRY".into()
            }
            IntegrityError::Malformed { .. } => return None,
        })
    }
}

/// The usable part of a `dist.integrity` value: the strongest supported algorithm and every
/// digest given for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    algorithm: HashAlgorithm,
    digests: Vec<Vec<u8>>,
}

impl Integrity {
    /// Parses an SRI value (see the module comment for what is accepted).
    pub fn parse(value: &str) -> Result<Integrity, IntegrityError> {
        let malformed = |reason: String| IntegrityError::Malformed {
            value: value.to_string(),
            reason,
        };
        let mut best: Option<Integrity> = None;
        let mut offered: Vec<String> = Vec::new();
        for token in value.split_whitespace() {
            let Some((name, rest)) = token.split_once('-') else {
                return Err(malformed(format!(
                    "`{token}` is not `<algorithm>-<base64>`"
                )));
            };
            offered.push(name.to_ascii_lowercase());
            let Some(algorithm) = HashAlgorithm::from_name(name) else {
                continue;
            };
            // Options after `?` (SRI allows them) carry nothing envm uses.
            let encoded = rest.split('?').next().unwrap_or_default();
            let digest = STANDARD
                .decode(encoded)
                .map_err(|e| malformed(format!("the {name} digest is not base64: {e}")))?;
            if digest.len() != algorithm.digest_len() {
                return Err(malformed(format!(
                    "a {name} digest has {} bytes, not {}",
                    digest.len(),
                    algorithm.digest_len()
                )));
            }
            match &mut best {
                Some(b) if b.algorithm == algorithm => b.digests.push(digest),
                Some(b) if b.algorithm > algorithm => {}
                _ => {
                    best = Some(Integrity {
                        algorithm,
                        digests: vec![digest],
                    })
                }
            }
        }
        if offered.is_empty() {
            return Err(malformed("it is empty".into()));
        }
        best.ok_or_else(|| IntegrityError::Unsupported {
            value: value.to_string(),
            offered: offered.join(", "),
        })
    }

    /// The algorithm the bytes are checked with.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// A fresh hasher for this value.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            expected: self.clone(),
            hasher: Hasher::new(self.algorithm),
            bytes: 0,
        }
    }

    /// Checks a whole buffer (small documents, tests).
    pub fn check(&self, bytes: &[u8]) -> Result<(), IntegrityError> {
        let mut verifier = self.verifier();
        verifier.update(bytes);
        verifier.finish().map(|_| ())
    }
}

/// The canonical SRI text of the value envm checks against (`sha512-<base64>`, space-separated
/// when several digests share the algorithm): what a lock file records.
impl fmt::Display for Integrity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .digests
            .iter()
            .map(|d| sri(self.algorithm, d))
            .collect();
        f.write_str(&parts.join(" "))
    }
}

fn sri(algorithm: HashAlgorithm, digest: &[u8]) -> String {
    format!("{}-{}", algorithm.name(), STANDARD.encode(digest))
}

enum Hasher {
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    fn new(algorithm: HashAlgorithm) -> Hasher {
        match algorithm {
            HashAlgorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            HashAlgorithm::Sha384 => Hasher::Sha384(Sha384::new()),
            HashAlgorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha384(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// Hashes bytes as they pass and compares the digest with an [`Integrity`] at the end.
pub struct Verifier {
    expected: Integrity,
    hasher: Hasher,
    bytes: u64,
}

impl Verifier {
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
    }

    /// How many bytes were hashed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The verdict; `Ok` carries the number of bytes checked.
    pub fn finish(self) -> Result<u64, IntegrityError> {
        let algorithm = self.expected.algorithm;
        let actual = self.hasher.finalize();
        if self.expected.digests.contains(&actual) {
            Ok(self.bytes)
        } else {
            Err(IntegrityError::Mismatch {
                expected: self.expected.to_string(),
                actual: sri(algorithm, &actual),
            })
        }
    }
}

/// A `Write` adaptor: everything written to `inner` is hashed; [`VerifyingWriter::finish`]
/// gives the verdict (and `inner` back) once the last byte is written.
pub struct VerifyingWriter<W: Write> {
    inner: W,
    verifier: Verifier,
}

impl<W: Write> VerifyingWriter<W> {
    pub fn new(inner: W, integrity: &Integrity) -> VerifyingWriter<W> {
        VerifyingWriter {
            inner,
            verifier: integrity.verifier(),
        }
    }

    /// Flushes `inner` and compares the digest; the caller must discard what was written when
    /// this fails.
    pub fn finish(mut self) -> Result<W, IntegrityError> {
        // A flush failure would be seen by the caller's next use of `inner`; the verdict is
        // about the bytes that passed through here.
        let _ = self.inner.flush();
        self.verifier.finish()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for VerifyingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.verifier.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A `Read` adaptor: everything read from `inner` is hashed. A consumer (an unpacker) may stop
/// before the end of the stream (tar's end blocks, gzip's trailer), so
/// [`VerifyingReader::finish`] reads what is left before comparing. Anything the consumer
/// produced must be kept only when `finish` succeeds.
pub struct VerifyingReader<R: Read> {
    inner: R,
    verifier: Verifier,
}

impl<R: Read> VerifyingReader<R> {
    pub fn new(inner: R, integrity: &Integrity) -> VerifyingReader<R> {
        VerifyingReader {
            inner,
            verifier: integrity.verifier(),
        }
    }

    /// Drains the rest of the stream and gives the verdict (`Ok`: bytes checked). An I/O error
    /// while draining is returned as such, not as a mismatch.
    pub fn finish(mut self) -> io::Result<Result<u64, IntegrityError>> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(self.verifier.finish())
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.verifier.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sri_of(algorithm: HashAlgorithm, bytes: &[u8]) -> String {
        let mut hasher = Hasher::new(algorithm);
        hasher.update(bytes);
        sri(algorithm, &hasher.finalize())
    }

    #[test]
    fn parses_a_real_npm_value() {
        // @oven/bun-linux-x64@1.4.5 as the public registry serves it.
        let value = "sha512-IWX9BELoGHAUtMonkeSaNaZwXzRk+oDw6Mk+HBFXd3KHYIBNBsIGRupMZPcgNoDbJpLu6gAJjIoIVPZtt1aJ1g==";
        let integrity = Integrity::parse(value).expect("valid");
        assert_eq!(integrity.algorithm(), HashAlgorithm::Sha512);
        assert_eq!(integrity.to_string(), value);
    }

    #[test]
    fn strongest_supported_algorithm_wins() {
        let body = b"tarball bytes";
        let sha1_like = format!("sha1-{}", STANDARD.encode([7u8; 20]));
        let value = format!(
            "{sha1_like} {} {}?opt md5-AAAA",
            sri_of(HashAlgorithm::Sha256, body),
            sri_of(HashAlgorithm::Sha512, body)
        );
        let integrity = Integrity::parse(&value).expect("valid");
        assert_eq!(integrity.algorithm(), HashAlgorithm::Sha512);
        integrity.check(body).expect("matches");
    }

    #[test]
    fn any_digest_of_the_strongest_algorithm_matches() {
        let value = format!(
            "{} {}",
            sri_of(HashAlgorithm::Sha512, b"old"),
            sri_of(HashAlgorithm::Sha512, b"new")
        );
        let integrity = Integrity::parse(&value).expect("valid");
        integrity.check(b"new").expect("second digest matches");
        assert!(integrity.check(b"other").is_err());
    }

    #[test]
    fn a_weaker_digest_does_not_rescue_a_strong_mismatch() {
        let value = format!(
            "{} {}",
            sri_of(HashAlgorithm::Sha256, b"evil"),
            sri_of(HashAlgorithm::Sha512, b"good")
        );
        let integrity = Integrity::parse(&value).expect("valid");
        assert!(matches!(
            integrity.check(b"evil"),
            Err(IntegrityError::Mismatch { .. })
        ));
    }

    #[test]
    fn sha1_only_and_unknown_only_are_refused() {
        let sha1 = format!("sha1-{}", STANDARD.encode([1u8; 20]));
        let err = Integrity::parse(&sha1).expect_err("sha1 only");
        assert!(matches!(err, IntegrityError::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("sha1"), "{err}");
        assert!(matches!(
            Integrity::parse("md5-AAAA"),
            Err(IntegrityError::Unsupported { .. })
        ));
    }

    #[test]
    fn malformed_values_are_refused() {
        for value in [
            "",
            "   ",
            "sha512",
            "sha512-%%%notbase64",
            "sha512-AAAA",
            "sha256-AAAA",
        ] {
            assert!(
                matches!(
                    Integrity::parse(value),
                    Err(IntegrityError::Malformed { .. })
                ),
                "{value:?} accepted"
            );
        }
    }

    #[test]
    fn mismatch_names_both_digests() {
        let integrity = Integrity::parse(&sri_of(HashAlgorithm::Sha512, b"good")).expect("valid");
        let err = integrity.check(b"bad").expect_err("mismatch");
        let text = err.to_string();
        assert!(
            text.contains(&sri_of(HashAlgorithm::Sha512, b"good")),
            "{text}"
        );
        assert!(
            text.contains(&sri_of(HashAlgorithm::Sha512, b"bad")),
            "{text}"
        );
    }

    #[test]
    fn writer_checks_what_passed_through() {
        let body = vec![42u8; 300_000];
        let integrity = Integrity::parse(&sri_of(HashAlgorithm::Sha512, &body)).expect("valid");
        let mut writer = VerifyingWriter::new(Vec::new(), &integrity);
        for chunk in body.chunks(7000) {
            writer.write_all(chunk).expect("write");
        }
        assert_eq!(writer.finish().expect("verified"), body);

        let mut writer = VerifyingWriter::new(Vec::new(), &integrity);
        writer.write_all(&body[1..]).expect("write");
        assert!(matches!(
            writer.finish(),
            Err(IntegrityError::Mismatch { .. })
        ));
    }

    #[test]
    fn reader_finish_drains_what_the_consumer_left() {
        let body = b"0123456789".repeat(1000);
        let integrity = Integrity::parse(&sri_of(HashAlgorithm::Sha512, &body)).expect("valid");
        let mut reader = VerifyingReader::new(&body[..], &integrity);
        let mut head = [0u8; 100];
        reader.read_exact(&mut head).expect("read");
        let checked = reader.finish().expect("io").expect("verified");
        assert_eq!(checked, body.len() as u64);

        let mut tampered = body.clone();
        tampered[5000] ^= 1;
        let reader = VerifyingReader::new(&tampered[..], &integrity);
        assert!(matches!(
            reader.finish().expect("io"),
            Err(IntegrityError::Mismatch { .. })
        ));
    }
}
