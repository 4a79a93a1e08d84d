//! zig: builds from ziglang.org/download (`ENVM_ZIG_MIRROR`); the binary sits at the top of
//! the install.
//!
//! `index.json` of ziglang.org/download (or `ENVM_ZIG_MIRROR`): one object per release, and
//! `master` (its `version` field names the nightly; the spec `master` selects it, re-resolved
//! whenever the index names a new one), artifacts keyed `<arch>-<os>` with `tarball` and
//! `shasum`. Every tarball URL moves onto the mirror when one is set (see [`on_mirror`]), so
//! release-day builds under ziglang.org/builds/ do not escape it. Zig's Linux builds are
//! static.
//!
//! Each tarball is signed with minisign (`<tarball>.minisig`) by [`MINISIGN_KEY`] (or a
//! `[signatures] zig-keys` key); the signed trusted comment's `file:` must name the requested
//! tarball exactly. The signature is checked over the downloaded bytes before the install is
//! put in place.

use std::io::Read;

use crate::fetch::http::FetchError;
use crate::fetch::index_cache::IndexError;
use crate::fetch::releases::{
    Artifact, Candidate, LockedFile, Needs, ProviderError, Release, Remote, mirror, parse_error,
};
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
    spec: SpecRules {
        channels: &[MASTER],
        ..SpecRules::PLAIN
    },
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

pub(super) static SOURCE: ToolSource =
    ToolSource::index(index_url, releases, file_url).signed(&SIGNING);

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
        .filter_map(|(name, release)| {
            let (version, line) = release_version(&name, &release)?;
            let artifact = release.get(&target)?;
            let tarball = artifact.get("tarball")?.as_str()?;
            let shasum = artifact.get("shasum")?.as_str()?;
            Some(Release {
                version,
                lts: line,
                candidates: vec![Candidate {
                    url: on_mirror(tarball, &base),
                    sha256: Some(shasum.to_string()),
                    needs: Needs::Nothing,
                    label: target.clone(),
                    fallbacks: Vec::new(),
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

/// The locked file on the mirror configured now, in its layout (`<mirror>/<version>/<file>`,
/// or `<mirror>/<file>` for a flat mirror).
fn file_url(locked: &LockedFile) -> String {
    match mirror_layout() {
        Layout::Flat => format!("{}/{}", base(), locked.file),
        Layout::Tree => format!("{}/{}/{}", base(), locked.version, locked.file),
    }
}

/// The index's moving nightly entry, and the spec naming it.
const MASTER: &str = "master";

/// The version an index entry names, and its line: a release's key is its version; `master`
/// gives the nightly's in its `version` field.
fn release_version(name: &str, entry: &serde_json::Value) -> Option<(Version, Option<String>)> {
    if name == MASTER {
        let version = Version::parse(entry.get("version")?.as_str()?).ok()?;
        return Some((version, Some(MASTER.to_string())));
    }
    Some((Version::parse(name).ok()?, None))
}

/// `ENVM_ZIG_MIRROR_LAYOUT`: how the mirror stores tarballs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// ziglang.org's own paths below the mirror: `<mirror>/<version>/<file>` for releases,
    /// `<mirror>/builds/<file>` for what upstream serves from ziglang.org/builds/.
    Tree,
    /// Every file at the top (`<mirror>/<file>`), as the community mirrors
    /// (ziglang.org/download/community-mirrors.txt) serve them.
    Flat,
}

/// The layout is set, not detected: a mirror URL does not tell, and probing would cost a
/// request (and a 404 on a wrong guess) on every install.
fn mirror_layout() -> Layout {
    match std::env::var("ENVM_ZIG_MIRROR_LAYOUT").as_deref() {
        Ok(v) if v.trim().eq_ignore_ascii_case("flat") => Layout::Flat,
        _ => Layout::Tree,
    }
}

/// `tarball` (any URL the index gives) on the mirror `base`; unchanged without a mirror.
fn on_mirror(tarball: &str, base: &str) -> String {
    if base == UPSTREAM {
        return tarball.to_string();
    }
    let file = tarball.rsplit('/').next().unwrap_or(tarball);
    match mirror_layout() {
        Layout::Flat => format!("{base}/{file}"),
        Layout::Tree => match tarball.strip_prefix(UPSTREAM) {
            Some(rest) => format!("{base}{rest}"),
            None if tarball.starts_with(BUILDS) => format!("{base}/builds/{file}"),
            None => format!("{base}/{file}"),
        },
    }
}

/// Where upstream keeps nightlies and some release-day tarballs.
const BUILDS: &str = "https://ziglang.org/builds/";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tarball_moves_onto_the_mirror() {
        let m = "http://m/zig";
        let release = "https://ziglang.org/download/0.14.0/zig-x86_64-linux-0.14.0.tar.xz";
        let build = "https://ziglang.org/builds/zig-x86_64-linux-0.14.0.tar.xz";
        assert_eq!(on_mirror(release, UPSTREAM), release);
        assert_eq!(
            on_mirror(release, m),
            "http://m/zig/0.14.0/zig-x86_64-linux-0.14.0.tar.xz"
        );
        assert_eq!(
            on_mirror(build, m),
            "http://m/zig/builds/zig-x86_64-linux-0.14.0.tar.xz"
        );
    }
}
