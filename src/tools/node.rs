//! node: builds from nodejs.org/dist (`ENVM_NODE_MIRROR`), pinned in `.nvmrc` and
//! `.node-version`; LTS lines; npm, npx and corepack ship in the same install.
//!
//! `index.json` from nodejs.org/dist (or `ENVM_NODE_MIRROR`), its LTS codenames, and
//! `vX/SHASUMS256.txt` for digests, taken only from its signed text: `SHASUMS256.txt.asc`
//! (clearsigned), else `SHASUMS256.txt.sig` (detached), by the embedded Node.js release keys
//! (`fetch::verify::node_keys`) or a `[signatures] node-keys` key ([`signed_digest`]).
//! Official Linux builds need glibc 2.28 from v18 on (2.17 before); musl and glibc-2.17
//! builds live on unofficial-builds, used by default on musl hosts (never signed upstream:
//! they need `[signatures] allow-unsigned = ["node"]`).
//!
//! Archive format: `.tar.xz` by default, `ENVM_NODE_ARCHIVE=gz` for `.tar.gz`. Download and
//! unpack overlap, so an install takes about max(download, unpack). Measured with
//! benches/install.sh (same 150 MB tree): envm installs the 58 MB .tar.gz in 0.67 s and the
//! 38 MB .tar.xz in 1.89 s from loopback, so .tar.gz only wins on links faster than
//! 58 MB / 1.89 s ≈ 30 MB/s (~250 Mbit/s); below that the 35-40 % smaller .tar.xz finishes
//! first, and it keeps a smaller cached copy.

use crate::fetch::http::FetchError;
use crate::fetch::index_cache::IndexError;
use crate::fetch::releases::{
    Artifact, Candidate, LockedFile, Needs, ProviderError, Release, Remote, SourceKind, find_sum,
    mirror, parse_error,
};
use crate::fetch::signed::{self, SignatureError, Signing, Vouched};
use crate::fetch::verify::node_keys::NODE_RELEASE_KEYS;
use crate::fetch::verify::{
    NODE_RELEASE_KEYS_COMMIT, NodeKeyring, NodeSource, SignatureConfig, VerifyError,
    node_upstream_unsigned,
};
use crate::host::{Arch, Host, Libc};
use crate::tools::Tool;
use crate::version::Version;
use serde::Deserialize;
use super::{Cache, Examples, KnownBins, PinFile, PinFormat, SpecRules, ToolDef, ToolSource};

pub(super) static DEF: ToolDef = ToolDef {
    name: "node",
    aliases: &["nodejs"],
    version_var: "ENVM_NODE_VERSION",
    pin_files: &[
        PinFile {
            name: ".nvmrc",
            format: PinFormat::One {
                comments: true,
                key: Some("node"),
            },
        },
        PinFile {
            name: ".node-version",
            format: PinFormat::One {
                comments: false,
                key: None,
            },
        },
    ],
    spec: SpecRules {
        lts: true,
        latest_aliases: &["node"],
        ..SpecRules::PLAIN
    },
    examples: Examples {
        exact: "22.11.0",
        prefix: "22",
    },
    bin_dir: "bin",
    known_bins: KnownBins {
        exact: &["node", "npm", "npx", "corepack"],
        prefixes: &[],
    },
    links: &[],
    caches: &[
        Cache {
            var: "npm_config_cache",
            folder: "npm",
        },
        Cache {
            var: "YARN_CACHE_FOLDER",
            folder: "yarn",
        },
    ],
    overlay: None,
    adds_executables: package_manager_runs,
};

pub(super) static SOURCE: ToolSource = ToolSource {
    kind: SourceKind::Index {
        index_url: || index_url(&Host::detect()),
        releases,
        file_url,
    },
    host_hint: Some(host_hint),
    platform: Some(|host| format!("linux-{}", arch_token(host))),
    signing: Some(&SIGNING),
};

/// Where builds for hosts the official ones skip are.
fn host_hint(host: &Host) -> Option<String> {
    let unofficial = UNOFFICIAL;
    match host.libc {
        Libc::Musl => Some(format!(
            "node's musl builds are on unofficial-builds: set ENVM_NODE_MIRROR={unofficial}"
        )),
        Libc::Glibc(..) => Some(format!(
            "official node 18+ builds need glibc 2.28: use node 16 or older, or glibc-217 builds via ENVM_NODE_MIRROR={unofficial}"
        )),
        _ => None,
    }
}

pub const UPSTREAM: &str = "https://nodejs.org/dist";
pub const UNOFFICIAL: &str = "https://unofficial-builds.nodejs.org/download/release";

#[derive(Deserialize)]
struct Entry {
    version: String,
    #[serde(default)]
    files: Vec<String>,
    /// `false` or a codename.
    #[serde(default)]
    lts: serde_json::Value,
}

/// The dist base for this host: the mirror, else nodejs.org (unofficial-builds on musl).
fn base(host: &Host) -> String {
    let default = if host.libc == Libc::Musl {
        UNOFFICIAL
    } else {
        UPSTREAM
    };
    mirror("ENVM_NODE_MIRROR", default)
}

pub fn index_url(host: &Host) -> String {
    format!("{}/index.json", base(host))
}

/// Node's name for this host's CPU (`x64`, `arm64`).
fn arch_token(host: &Host) -> &'static str {
    match host.arch {
        Arch::X86_64 => "x64",
        Arch::Aarch64 => "arm64",
        Arch::Other(a) => a,
    }
}

/// The archive to download for build `token` of version `v`, and the other format to take
/// when the release's SHASUMS256.txt does not list it: `.tar.xz` by default
/// (`ENVM_NODE_ARCHIVE=gz` prefers `.tar.gz`); v0.12.9 and earlier publish only `.tar.gz`.
fn archive_urls(base: &str, v: &str, token: &str) -> (String, Vec<String>) {
    let (preferred, other) = match std::env::var("ENVM_NODE_ARCHIVE").as_deref() {
        Ok("gz") | Ok("tar.gz") => ("tar.gz", "tar.xz"),
        _ => ("tar.xz", "tar.gz"),
    };
    let url = |ext: &str| format!("{base}/v{v}/node-v{v}-{token}.{ext}");
    (url(preferred), vec![url(other)])
}

pub fn releases(remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let base = base(&remote.host);
    let url = format!("{base}/index.json");
    let text = remote.index(Tool::Node, &url)?;
    let entries: Vec<Entry> =
        serde_json::from_str(&text).map_err(|e| parse_error(Tool::Node, &url, e))?;
    let arch = arch_token(&remote.host);
    let mut out = Vec::new();
    for entry in entries {
        let Ok(version) = Version::parse(&entry.version) else {
            continue;
        };
        let v = version.to_string();
        let candidates = builds(&remote.host, arch, &version)
            .into_iter()
            .filter(|(listed, _, _)| entry.files.iter().any(|f| f == listed))
            .map(|(_, token, needs)| {
                let (url, fallbacks) = archive_urls(&base, &v, &token);
                Candidate {
                    url,
                    sha256: None,
                    needs,
                    label: token,
                    fallbacks,
                }
            })
            .collect();
        let lts = entry
            .lts
            .as_str()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()))
            .map(|s| s.to_ascii_lowercase());
        out.push(Release {
            version,
            lts,
            candidates,
        });
    }
    Ok(out)
}

/// The builds of `version` for the host's OS and `arch`: (the name `index.json` lists it
/// under, the file name's platform part, what it needs).
fn builds(host: &Host, arch: &str, version: &Version) -> Vec<(String, String, Needs)> {
    if host.os == "darwin" {
        return vec![(
            format!("osx-{arch}-tar"),
            format!("darwin-{arch}"),
            Needs::Nothing,
        )];
    }
    let official_glibc = if version.component(0) >= 18 {
        Needs::Glibc(2, 28)
    } else {
        Needs::Glibc(2, 17)
    };
    [
        (format!("linux-{arch}"), official_glibc),
        (format!("linux-{arch}-musl"), Needs::Musl),
        (format!("linux-{arch}-glibc-217"), Needs::Glibc(2, 17)),
    ]
    .into_iter()
    .map(|(token, needs)| (token.clone(), token, needs))
    .collect()
}

/// `<dist>/vX.Y.Z/<file>` on the mirror configured now.
fn file_url(locked: &LockedFile) -> String {
    format!("{}/v{}/{}", base(locked.host), locked.version, locked.file)
}

/// `npm` (`npm i -g`) and `corepack` (`corepack enable`) put executables into node's bin folder.
fn package_manager_runs(name: &str, _args: &[std::ffi::OsString]) -> bool {
    matches!(name, "npm" | "corepack")
}

/// The checksum document next to each release's files, and its clearsigned form.
const SUMS: &str = "SHASUMS256.txt";
const SIGNED_SUMS: &str = "SHASUMS256.txt.asc";

/// Node.js signs each release's checksum document with a releaser's OpenPGP key.
static SIGNING: Signing = Signing {
    signed_digest: Some(signed_digest),
    file_signature: None,
    describe,
};

/// For `envm doctor`: the keyring and where it comes from.
fn describe(config: &SignatureConfig) -> String {
    format!(
        "SHASUMS256.txt must be signed by one of the {} embedded Node.js release keys \
         (nodejs/release-keys commit {}) or {} extra key(s) from {}",
        NODE_RELEASE_KEYS.len(),
        NODE_RELEASE_KEYS_COMMIT,
        config.keys(Tool::Node).len(),
        config.path.display()
    )
}

/// The digest of `artifact` from the signed `SHASUMS256.txt` next to it: the clearsigned
/// `.asc`, else the detached `.sig` over `SHASUMS256.txt`. With neither, only a download the
/// table says upstream never signed may go on, and only with `allow-unsigned = ["node"]`.
fn signed_digest(
    remote: &Remote,
    config: &SignatureConfig,
    version: &Version,
    artifact: &Artifact,
) -> Result<Vouched, SignatureError> {
    let dir = artifact.url.rsplit_once('/').map_or(artifact.url.as_str(), |(d, _)| d);
    let sums_url = format!("{dir}/{SUMS}");
    let asc_url = format!("{dir}/{SIGNED_SUMS}");
    let sig_url = format!("{sums_url}.sig");
    let refused = |url: &str| {
        let url = url.to_owned();
        move |source: VerifyError| SignatureError::Verify {
            url,
            source: Box::new(source),
        }
    };
    let keyring = || NodeKeyring::with_extra_keys(&config.keys(Tool::Node));
    let (text, signer, signed_url) = match remote.immutable_bytes(Tool::Node, &asc_url) {
        Ok(asc) => {
            let signed = keyring()
                .and_then(|k| k.verify_clearsigned(SIGNED_SUMS, &String::from_utf8_lossy(&asc)))
                .map_err(refused(&asc_url))?;
            (signed.text, signed.signer, asc_url)
        }
        Err(asc_missing) => match remote.immutable_bytes(Tool::Node, &sig_url) {
            Ok(sig) => {
                let sums = remote.immutable_bytes(Tool::Node, &sums_url)?;
                let signer = keyring()
                    .and_then(|k| k.verify_detached(SUMS, &sums, &sig))
                    .map_err(refused(&sig_url))?;
                (String::from_utf8_lossy(&sums).into_owned(), signer, sig_url)
            }
            Err(sig_missing) => {
                return unsigned_digest(remote, config, version, artifact, [asc_missing, sig_missing]);
            }
        },
    };
    let sha256 = find_sum(&text, &artifact.filename).ok_or(SignatureError::NoChecksum {
        url: signed_url,
        filename: artifact.filename.clone(),
    })?;
    Ok(Vouched {
        sha256,
        verified: format!("pgp:{}", signer.primary_fingerprint),
    })
}

/// Neither signature file could be had (`missing`: the `.asc` and `.sig` errors). Only two
/// 404s count as "not published"; an offline cache miss or a network error is itself the error.
fn unsigned_digest(
    remote: &Remote,
    config: &SignatureConfig,
    version: &Version,
    artifact: &Artifact,
    missing: [IndexError; 2],
) -> Result<Vouched, SignatureError> {
    let mut urls = Vec::new();
    for err in missing {
        match err {
            IndexError::Fetch(FetchError::NotFound { url }) => urls.push(url),
            other => return Err(other.into()),
        }
    }
    let Some(reason) = node_upstream_unsigned(channel(&artifact.url), &version.to_string()) else {
        return Err(SignatureError::Missing {
            tool: Tool::Node,
            urls: urls.join(" or "),
        });
    };
    if !config.allows_unsigned(Tool::Node) {
        return Err(SignatureError::UnsignedRefused {
            tool: Tool::Node,
            url: artifact.url.clone(),
            reason: reason.to_owned(),
            config: config.path.display().to_string(),
        });
    }
    signed::warn_unsigned(Tool::Node, &artifact.url, reason);
    let dir = artifact.url.rsplit_once('/').map_or(artifact.url.as_str(), |(d, _)| d);
    let sums_url = format!("{dir}/{SUMS}");
    let sums = remote.immutable_bytes(Tool::Node, &sums_url)?;
    let sha256 = find_sum(&String::from_utf8_lossy(&sums), &artifact.filename).ok_or(
        SignatureError::NoChecksum {
            url: sums_url,
            filename: artifact.filename.clone(),
        },
    )?;
    Ok(Vouched {
        sha256,
        verified: signed::UNSIGNED.to_owned(),
    })
}

/// Which download channel `url` is on (upstream signs releases and release candidates only).
fn channel(url: &str) -> NodeSource {
    if url.contains("unofficial-builds") {
        NodeSource::UnofficialBuilds
    } else if url.contains("/download/nightly/") {
        NodeSource::Nightly
    } else if url.contains("/download/v8-canary/") {
        NodeSource::V8Canary
    } else if url.contains("/download/rc/") {
        NodeSource::ReleaseCandidate
    } else {
        NodeSource::Release
    }
}
