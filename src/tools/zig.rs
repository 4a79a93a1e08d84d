//! zig: builds from ziglang.org/download (`ENVM_ZIG_MIRROR`); the binary sits at the top of
//! the install.
//!
//! `index.json` of ziglang.org/download (or `ENVM_ZIG_MIRROR`): one object per release
//! (`master` skipped), artifacts keyed `<arch>-<os>` with `tarball` and `shasum`. Tarball URLs
//! on the upstream base are moved onto the mirror. Zig's Linux builds are static.
//!
//! Each tarball is signed with minisign (`<tarball>.minisig`) by [`MINISIGN_KEY`] (or a
//! `[signatures] zig-keys` key); the signed trusted comment's `file:` must name the requested
//! tarball exactly. The signature is checked over the downloaded bytes before the install is
//! put in place.

use std::io::Read;

use crate::fetch::http::FetchError;
use crate::fetch::index_cache::IndexError;
use crate::fetch::releases::{Artifact, Candidate, Needs, ProviderError, Release, Remote, mirror, parse_error, rebase};
use crate::fetch::signed::{self, FileSignature, Fetched, SignatureError, Signing};
use crate::fetch::verify::{MinisignKeys, SignatureConfig, VerifyError};
use crate::tools::Tool;
use crate::version::Version;
use super::{Cache, Examples, KnownBins, SpecRules, ToolDef, ToolSource};

pub(super) static DEF: ToolDef = ToolDef {
    name: "zig",
    aliases: &[],
    version_var: "ENVM_ZIG_VERSION",
    pin_files: &[],
    spec: SpecRules::PLAIN,
    examples: Examples {
        exact: "0.14.0",
        prefix: "0.14",
    },
    bin_dir: "",
    known_bins: KnownBins {
        exact: &["zig"],
        prefixes: &[],
    },
    links: &[],
    caches: &[Cache {
        var: "ZIG_GLOBAL_CACHE_DIR",
        folder: "zig",
    }],
    overlay: None,
    adds_executables: super::adds_nothing,
};

pub(super) static SOURCE: ToolSource = ToolSource::index(index_url, releases).signed(&SIGNING);

pub const UPSTREAM: &str = "https://ziglang.org/download";

fn base() -> String {
    mirror("ENVM_ZIG_MIRROR", UPSTREAM)
}

pub fn index_url() -> String {
    format!("{}/index.json", base())
}

pub fn releases(remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let base = base();
    let url = index_url();
    let text = remote.index(Tool::Zig, &url)?;
    let index: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| parse_error(Tool::Zig, &url, e))?;
    let os = match remote.host.os {
        "darwin" => "macos",
        other => other,
    };
    let target = format!("{}-{os}", remote.host.arch.as_str());
    Ok(index
        .into_iter()
        .filter(|(name, _)| name != "master")
        .filter_map(|(name, release)| {
            let version = Version::parse(&name).ok()?;
            let artifact = release.get(&target)?;
            let tarball = artifact.get("tarball")?.as_str()?;
            let shasum = artifact.get("shasum")?.as_str()?;
            Some(Release {
                version,
                lts: None,
                candidates: vec![Candidate {
                    url: rebase(tarball, UPSTREAM, &base),
                    sha256: Some(shasum.to_string()),
                    needs: Needs::Nothing,
                    label: target.clone(),
                }],
            })
        })
        .collect())
}

/// Zig's release signing key, as published on ziglang.org's download page.
pub const MINISIGN_KEY: &str = "RWSGOq2NVecA2UPNdBUZykf1CCb147pkmdtYxgb3Ti+JO/wCYvhbAb/U";

/// Zig signs each tarball itself.
static SIGNING: Signing = Signing {
    signed_digest: None,
    file_signature: Some(FileSignature {
        fetch: fetch_minisig,
        check: check_minisig,
    }),
    describe,
};

/// For `envm doctor`: the trusted minisign keys.
fn describe(config: &SignatureConfig) -> String {
    match trusted_keys(config) {
        Ok(keys) => format!(
            "each tarball must carry a minisign signature naming it, by key {}",
            keys.key_ids().join(", ")
        ),
        Err(e) => format!("the [signatures] keys cannot be used: {e}"),
    }
}

/// Zig's key plus the global config's `zig-keys`.
fn trusted_keys(config: &SignatureConfig) -> Result<MinisignKeys, VerifyError> {
    let mut keys = vec![("Zig's built-in minisign key", MINISIGN_KEY)];
    keys.extend(config.keys(Tool::Zig));
    MinisignKeys::new(&keys)
}

/// `<tarball>.minisig`, made by a trusted key; missing only with `allow-unsigned = ["zig"]`.
fn fetch_minisig(
    remote: &Remote,
    config: &SignatureConfig,
    artifact: &Artifact,
) -> Result<Fetched, SignatureError> {
    let url = format!("{}.minisig", artifact.url);
    match remote.immutable_bytes(Tool::Zig, &url) {
        Ok(body) => {
            let document = String::from_utf8_lossy(&body).into_owned();
            let key_id = trusted_keys(config)
                .and_then(|keys| keys.trusted_signer(&artifact.filename, &document))
                .map_err(|source| SignatureError::Verify {
                    url: url.clone(),
                    source: Box::new(source),
                })?;
            Ok(Fetched {
                document: Some(document),
                verified: format!("minisign:{key_id}"),
            })
        }
        Err(IndexError::Fetch(FetchError::NotFound { .. })) if config.allows_unsigned(Tool::Zig) => {
            signed::warn_unsigned(Tool::Zig, &artifact.url, "no .minisig published");
            Ok(Fetched {
                document: None,
                verified: signed::UNSIGNED.to_owned(),
            })
        }
        Err(IndexError::Fetch(FetchError::NotFound { .. })) => Err(SignatureError::Missing {
            tool: Tool::Zig,
            urls: url,
        }),
        Err(other) => Err(other.into()),
    }
}

/// The minisign signature over the downloaded tarball, whose signed `file:` must be
/// `file_name` exactly.
fn check_minisig(
    config: &SignatureConfig,
    file_name: &str,
    content: &mut dyn Read,
    signature: &str,
) -> Result<String, VerifyError> {
    let signer = trusted_keys(config)?.verify_reader(file_name, content, signature)?;
    Ok(format!("minisign:{}", signer.key_id))
}
