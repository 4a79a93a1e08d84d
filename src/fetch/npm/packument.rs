//! The npm registry's package document ("packument", `GET <registry>/<name>`): the fields envm
//! reads, parsed tolerantly.
//!
//! Read: `name`, `dist-tags` (`latest`), `versions.{V}` with `name`, `version`,
//! `dist.{tarball,integrity,shasum}`, `os`, `cpu`, `libc`, and `time.{V}`. Every other field
//! (readme, maintainers, scripts, attestations …) is skipped. Both the full document and the
//! abbreviated one (`application/vnd.npm.install-v1+json`, no `time`) parse. A version entry
//! that does not have this shape (ancient releases, odd publishes) does not spoil the document:
//! it is left out of [`Packument::versions`] and refused only when asked for by name.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::integrity::{Integrity, IntegrityError};

use crate::diag::Diagnostic;

/// A package document as the registry serves it.
#[derive(Debug, Clone, Deserialize)]
pub struct Packument {
    pub name: String,
    #[serde(rename = "dist-tags", default)]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    versions: BTreeMap<String, VersionEntry>,
    /// `created`, `modified` and one ISO 8601 time per version; `unpublished` is an object.
    #[serde(default)]
    time: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum VersionEntry {
    Valid(PackageVersion),
    Malformed(serde::de::IgnoredAny),
}

/// One published version of a package.
#[derive(Debug, Clone, Deserialize)]
pub struct PackageVersion {
    pub name: String,
    pub version: String,
    pub dist: Dist,
    /// `["linux"]`; empty when any OS will do.
    #[serde(default, deserialize_with = "one_or_many")]
    pub os: Vec<String>,
    /// `["x64"]`, `["arm64"]`.
    #[serde(default, deserialize_with = "one_or_many")]
    pub cpu: Vec<String>,
    /// `["glibc"]`, `["musl"]`; newer field, often absent.
    #[serde(default, deserialize_with = "one_or_many")]
    pub libc: Vec<String>,
}

/// Where a version's tarball is and what vouches for it.
#[derive(Debug, Clone, Deserialize)]
pub struct Dist {
    /// Absolute URL on the registry that published it.
    pub tarball: String,
    /// SRI (`sha512-<base64>`); absent on some very old publishes.
    #[serde(default)]
    pub integrity: Option<String>,
    /// Hex sha1; never trusted on its own.
    #[serde(default)]
    pub shasum: Option<String>,
}

/// The document cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PackumentError {
    #[error("the registry document of {package} is not valid JSON of the expected shape: {reason}")]
    Parse { package: String, reason: String },
    #[error("the registry document is for `{found}`, not `{package}`")]
    WrongPackage { package: String, found: String },
    #[error("{package} has no `latest` dist-tag")]
    NoLatest { package: String },
    #[error("{package} has no version {version} on the registry")]
    NoSuchVersion { package: String, version: String },
    #[error("{package}@{version} is listed with a malformed entry on the registry")]
    MalformedVersion { package: String, version: String },
}

impl Diagnostic for PackumentError {
    fn hint(&self) -> Option<String> {
        match self {
            PackumentError::NoSuchVersion { .. } => Some(
                "list the versions with `envm ls-remote TOOL`; a registry mirror may lag behind"
                    .into(),
            ),
            PackumentError::Parse { .. } | PackumentError::WrongPackage { .. } => {
                Some("check ENVM_NPM_REGISTRY: it must serve npm registry documents".into())
            }
            _ => None,
        }
    }
}

impl Packument {
    /// Parses the document of `package` and checks it is that package's.
    pub fn parse(package: &str, bytes: &[u8]) -> Result<Packument, PackumentError> {
        let doc: Packument = serde_json::from_slice(bytes).map_err(|e| PackumentError::Parse {
            package: package.to_string(),
            reason: e.to_string(),
        })?;
        if doc.name != package {
            return Err(PackumentError::WrongPackage {
                package: package.to_string(),
                found: doc.name,
            });
        }
        Ok(doc)
    }

    /// `dist-tags.latest`: the version npm installs when none is asked for.
    pub fn latest(&self) -> Result<&str, PackumentError> {
        self.dist_tags
            .get("latest")
            .map(String::as_str)
            .ok_or_else(|| PackumentError::NoLatest {
                package: self.name.clone(),
            })
    }

    /// Every well-formed version, in the document's key order (not sorted by version).
    pub fn versions(&self) -> impl Iterator<Item = &str> {
        self.versions.iter().filter_map(|(key, entry)| match entry {
            VersionEntry::Valid(_) => Some(key.as_str()),
            VersionEntry::Malformed(_) => None,
        })
    }

    /// The entry of an exact version.
    pub fn version(&self, version: &str) -> Result<&PackageVersion, PackumentError> {
        match self.versions.get(version) {
            Some(VersionEntry::Valid(v)) => Ok(v),
            Some(VersionEntry::Malformed(_)) => Err(PackumentError::MalformedVersion {
                package: self.name.clone(),
                version: version.to_string(),
            }),
            None => Err(PackumentError::NoSuchVersion {
                package: self.name.clone(),
                version: version.to_string(),
            }),
        }
    }

    /// When a version was published (ISO 8601), if the document says.
    pub fn published(&self, version: &str) -> Option<&str> {
        self.time.get(version).and_then(serde_json::Value::as_str)
    }
}

impl PackageVersion {
    /// The version's integrity, refusing a missing or sha1-only one (fail closed).
    pub fn integrity(&self) -> Result<Integrity, IntegrityError> {
        match self.dist.integrity.as_deref() {
            Some(value) if !value.trim().is_empty() => Integrity::parse(value),
            _ => Err(IntegrityError::Missing {
                package: self.name.clone(),
                version: self.version.clone(),
            }),
        }
    }
}

/// `"linux"` or `["linux"]` (old publishes wrote a bare string).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trimmed from the public registry's `@oven/bun-linux-x64` document (2026-11-29), with
    /// the extra fields it carries and two odd entries added.
    const SAMPLE: &str = r##"{
      "_id": "@oven/bun-linux-x64",
      "_rev": "212-abc",
      "name": "@oven/bun-linux-x64",
      "dist-tags": {"latest": "1.4.5", "canary": "1.4.6-canary.20261120.1"},
      "versions": {
        "1.4.5": {
          "name": "@oven/bun-linux-x64", "version": "1.4.5",
          "description": "This is the Linux x64 binary for Bun",
          "homepage": "https://bun.com", "license": "MIT", "preferUnplugged": true,
          "os": ["linux"], "cpu": ["x64"], "libc": ["glibc"],
          "_id": "@oven/bun-linux-x64@1.4.5",
          "_npmUser": {"name": "jarred", "email": "x@example.com"},
          "dist": {
            "integrity": "sha512-IWX9BELoGHAUtMonkeSaNaZwXzRk+oDw6Mk+HBFXd3KHYIBNBsIGRupMZPcgNoDbJpLu6gAJjIoIVPZtt1aJ1g==",
            "shasum": "7819cc21e76b475f50edc5660da6850cd758b97a",
            "tarball": "https://registry.npmjs.org/@oven/bun-linux-x64/-/bun-linux-x64-1.4.5.tgz",
            "fileCount": 3, "unpackedSize": 107395466,
            "signatures": [{"keyid": "SHA256:x", "sig": "y"}]
          }
        },
        "1.4.6-canary.20261120.1": {
          "name": "@oven/bun-linux-x64", "version": "1.4.6-canary.20261120.1",
          "os": "linux", "cpu": "x64",
          "dist": {"tarball": "https://registry.npmjs.org/@oven/bun-linux-x64/-/bun-linux-x64-1.4.6-canary.20261120.1.tgz",
                   "shasum": "0000000000000000000000000000000000000000"}
        },
        "0.0.1": {"name": "@oven/bun-linux-x64", "version": "0.0.1", "dist": "gone"}
      },
      "time": {
        "created": "2023-01-01T00:00:00.000Z",
        "1.4.5": "2026-11-19T08:53:36+00:00",
        "unpublished": {"time": "2023-01-02T00:00:00.000Z", "versions": ["0.0.0"]}
      },
      "readme": "# big readme",
      "maintainers": [{"name": "jarred"}]
    }"##;

    #[test]
    fn parses_the_real_shape() {
        let doc = Packument::parse("@oven/bun-linux-x64", SAMPLE.as_bytes()).expect("parses");
        assert_eq!(doc.latest().expect("latest"), "1.4.5");
        let versions: Vec<&str> = doc.versions().collect();
        assert_eq!(versions, ["1.4.5", "1.4.6-canary.20261120.1"]);
        let v = doc.version("1.4.5").expect("present");
        assert_eq!(v.os, ["linux"]);
        assert_eq!(v.cpu, ["x64"]);
        assert_eq!(v.libc, ["glibc"]);
        assert!(v.dist.tarball.ends_with("/bun-linux-x64-1.4.5.tgz"));
        assert!(v.integrity().is_ok());
        assert_eq!(doc.published("1.4.5"), Some("2026-11-19T08:53:36+00:00"));
        assert_eq!(doc.published("unpublished"), None);
    }

    #[test]
    fn a_bare_string_os_is_read_as_a_list() {
        let doc = Packument::parse("@oven/bun-linux-x64", SAMPLE.as_bytes()).expect("parses");
        let canary = doc.version("1.4.6-canary.20261120.1").expect("present");
        assert_eq!(canary.os, ["linux"]);
        assert_eq!(canary.cpu, ["x64"]);
        assert!(canary.libc.is_empty());
    }

    #[test]
    fn missing_integrity_is_refused() {
        let doc = Packument::parse("@oven/bun-linux-x64", SAMPLE.as_bytes()).expect("parses");
        let canary = doc.version("1.4.6-canary.20261120.1").expect("present");
        assert!(matches!(
            canary.integrity(),
            Err(IntegrityError::Missing { .. })
        ));
    }

    #[test]
    fn odd_and_absent_versions_are_errors_only_when_asked_for() {
        let doc = Packument::parse("@oven/bun-linux-x64", SAMPLE.as_bytes()).expect("parses");
        assert!(matches!(
            doc.version("0.0.1"),
            Err(PackumentError::MalformedVersion { .. })
        ));
        assert!(matches!(
            doc.version("9.9.9"),
            Err(PackumentError::NoSuchVersion { .. })
        ));
    }

    #[test]
    fn abbreviated_document_without_time_parses() {
        let doc = Packument::parse(
            "deno",
            br#"{"name":"deno","modified":"2026-11-20T00:00:00Z","dist-tags":{"latest":"2.9.6"},
                "versions":{"2.9.6":{"name":"deno","version":"2.9.6",
                "dist":{"tarball":"https://registry.npmjs.org/deno/-/deno-2.9.6.tgz","integrity":"sha512-cr16GxYiUeH1juNvFTMOxt99V5QRVmANfy5UsZvE5hjC6P/o4Op/MBbRhLeBOL8WJpV6tr9hb+Kjb1MW0nEoVg=="}}}}"#,
        )
        .expect("parses");
        assert_eq!(doc.latest().expect("latest"), "2.9.6");
        assert_eq!(doc.published("2.9.6"), None);
    }

    #[test]
    fn wrong_package_bad_json_and_no_latest_are_errors() {
        assert!(matches!(
            Packument::parse("bun", SAMPLE.as_bytes()),
            Err(PackumentError::WrongPackage { .. })
        ));
        assert!(matches!(
            Packument::parse("bun", b"<html>proxy login</html>"),
            Err(PackumentError::Parse { .. })
        ));
        let doc = Packument::parse("bun", br#"{"name":"bun","versions":{}}"#).expect("parses");
        assert!(matches!(doc.latest(), Err(PackumentError::NoLatest { .. })));
    }
}
