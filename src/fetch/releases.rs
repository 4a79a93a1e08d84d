//! Releases: what each upstream publishes. A tool's [`ToolSource`] (in its registry file under
//! `src/tools/`) says where: an index read by the tool's own parser into [`Release`]s with
//! per-platform candidates, or a package on the npm registry ([`crate::fetch::npm`]). This file picks the
//! candidate that fits the host (refusing before any download when none does) and yields the
//! [`Artifact`]: URL, file name and the expected digest (SHA-256 from upstream's checksum
//! source, or npm's SRI integrity). Mirrors (`ENVM_<TOOL>_MIRROR`) replace the upstream base
//! URL.

use crate::fetch::http::Net;
use crate::fetch::index_cache::{self, Freshness, IndexError};
use crate::fetch::npm::{NpmClient, NpmError, NpmTool, Registry, X64Level};
use crate::fetch::signed::{self, Signing};
use crate::host::{Host, Libc};
use crate::layout::Layout;
use crate::tools::Tool;
use crate::version::Version;
use crate::version::spec::{Spec, SpecKind};

mod error;
pub use error::{HostMismatch, ProviderError};

/// Where a tool's releases come from (each tool file fills one in).
pub struct ToolSource {
    pub kind: SourceKind,
    /// Extra hint when no build fits the host.
    pub host_hint: Option<fn(&Host) -> Option<String>>,
    /// This host's build name in the tool's own terms (`linux-x64`), for "has no … build";
    /// `None`: `<os>-<arch>`.
    pub platform: Option<fn(&Host) -> String>,
    /// How upstream signs its releases (see [`crate::fetch::signed`]); `None`: digests only.
    pub signing: Option<&'static Signing>,
}

impl ToolSource {
    /// A tool published on the npm registry (`npm` names its packages), with no host hint.
    pub const fn npm(npm: &'static NpmTool) -> ToolSource {
        ToolSource {
            kind: SourceKind::Npm(npm),
            host_hint: None,
            platform: None,
            signing: None,
        }
    }

    /// A release index read by the tool's own parser, with no host hint.
    pub const fn index(
        index_url: fn() -> String,
        releases: fn(&Remote<'_>) -> Result<Vec<Release>, ProviderError>,
        file_url: fn(&LockedFile<'_>) -> String,
    ) -> ToolSource {
        ToolSource {
            kind: SourceKind::Index {
                index_url,
                releases,
                file_url,
            },
            host_hint: None,
            platform: None,
            signing: None,
        }
    }

    /// The same source, its releases signed as `signing` says.
    pub const fn signed(self, signing: &'static Signing) -> ToolSource {
        ToolSource {
            signing: Some(signing),
            ..self
        }
    }
}

pub enum SourceKind {
    /// A release index read by the tool's own parser.
    Index {
        /// The index's URL (for messages).
        index_url: fn() -> String,
        releases: fn(&Remote<'_>) -> Result<Vec<Release>, ProviderError>,
        /// Where a locked file is downloaded from, on the upstream or mirror configured now,
        /// without reading any index (`envm install --locked`).
        file_url: fn(&LockedFile<'_>) -> String,
    },
    /// A package document on the npm registry and a per-platform binary package.
    Npm(&'static NpmTool),
}

/// A file named in `envm.lock`, to be found on the upstream or mirror configured now.
pub struct LockedFile<'a> {
    pub host: &'a Host,
    pub version: &'a Version,
    /// The upstream file name (`node-v22.12.0-linux-x64.tar.xz`).
    pub file: &'a str,
}

/// One upstream release of a tool, with the artifacts for this OS and arch.
#[derive(Debug, Clone)]
pub struct Release {
    pub version: Version,
    /// Node: the LTS codename, lowercase.
    pub lts: Option<String>,
    pub candidates: Vec<Candidate>,
}

/// An artifact for this OS and arch, and the C library it needs.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub url: String,
    /// Known from the index itself, or (`None`) from the SHASUMS256.txt next to the file.
    pub sha256: Option<String>,
    pub needs: Needs,
    /// Label for messages (`linux-x64`, `x86_64-unknown-linux-musl`).
    pub label: String,
    /// Other URLs of the same build (another archive format), taken in order when the sums
    /// file next to `url` does not list `url`'s file.
    pub fallbacks: Vec<String>,
}

/// What a build needs from the host's C library.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Needs {
    /// Static: runs anywhere on this OS and arch.
    Nothing,
    /// glibc of at least this version.
    Glibc(u32, u32),
    Musl,
}

impl Needs {
    fn fits(self, libc: Libc) -> bool {
        match (self, libc) {
            (Needs::Nothing, _) => true,
            (Needs::Glibc(a, b), Libc::Glibc(x, y)) => (x, y) >= (a, b),
            (Needs::Musl, Libc::Musl) => true,
            _ => false,
        }
    }

    fn describe(self) -> String {
        match self {
            Needs::Nothing => "nothing".into(),
            Needs::Glibc(a, b) => format!("glibc {a}.{b} or newer"),
            Needs::Musl => "musl".into(),
        }
    }
}

/// The file to download for one release on this host.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub url: String,
    /// The file name (last URL segment, percent-decoded `+`).
    pub filename: String,
    /// Lowercase hex SHA-256 from upstream's checksum source (empty when `integrity` is set).
    pub sha256: String,
    /// npm's SRI integrity (`sha512-…`) of the tarball, verified before it is unpacked.
    pub integrity: Option<String>,
    /// Where the digest was read.
    pub digest_from: DigestFrom,
    /// How the digest or the file is vouched for, recorded in the receipt and envm.lock:
    /// `pgp:<fingerprint>`, `minisign:<key id>`, `sri`, `sha256` or `unsigned`.
    pub verified: String,
    /// A signature over the file's own bytes, checked before the install is put in place.
    pub signature: Option<String>,
}

/// Where an artifact's expected digest was read (recorded in `envm.lock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestFrom {
    /// The tool's release index lists it next to the file.
    Index,
    /// The `SHASUMS256.txt` published next to the file.
    SumsFile,
    /// The npm registry's `dist.integrity` of the package version.
    Registry,
    /// `envm.lock`.
    Lock,
}

impl DigestFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestFrom::Index => "index",
            DigestFrom::SumsFile => "SHASUMS256.txt",
            DigestFrom::Registry => "registry",
            DigestFrom::Lock => "lock",
        }
    }
}

/// Where and how providers read upstream in this run.
pub struct Remote<'a> {
    pub layout: &'a Layout,
    pub net: &'a Net,
    /// Bypass the index cache TTL.
    pub refresh: bool,
    pub host: Host,
}

impl Remote<'_> {
    /// A version list, through the index cache.
    pub fn index(&self, tool: Tool, url: &str) -> Result<String, ProviderError> {
        let text = index_cache::get(
            self.layout,
            self.net,
            self.refresh,
            tool.name(),
            url,
            Freshness::Ttl,
        )?;
        Ok(text)
    }

    /// A document published once per release (checksum files).
    pub fn immutable(&self, tool: Tool, url: &str) -> Result<String, ProviderError> {
        let body = self.immutable_bytes(tool, url)?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// A binary document published once per release (detached signatures).
    pub fn immutable_bytes(&self, tool: Tool, url: &str) -> Result<Vec<u8>, IndexError> {
        let label = format!("{}-sums", tool.name());
        index_cache::get_bytes(
            self.layout,
            self.net,
            self.refresh,
            &label,
            url,
            Freshness::Immutable,
        )
    }
}

/// The URL of the tool's version list (for messages).
pub fn index_url(tool: Tool) -> String {
    match &tool.source().kind {
        SourceKind::Index { index_url, .. } => index_url(),
        SourceKind::Npm(npm) => Registry::from_env()
            .and_then(|r| r.packument_url(npm.package))
            .unwrap_or_else(|_| npm.package.to_string()),
    }
}

/// Every release of `tool` upstream lists, newest first, with its builds for this OS and arch
/// (none when it has none: see [`Release::installable_on`]). Versions are named as the tool
/// names its releases ([`crate::tools::SpecRules::canonical`]).
pub fn releases(tool: Tool, remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let mut list = match &tool.source().kind {
        SourceKind::Index { releases, .. } => releases(remote)?,
        SourceKind::Npm(npm) => npm_releases(npm, remote)?,
    };
    let rules = &tool.def().spec;
    for release in &mut list {
        release.version = rules.canonical(release.version.clone());
    }
    list.sort_by(|a, b| b.version.cmp(&a.version));
    list.dedup_by(|a, b| a.version == b.version);
    Ok(list)
}

/// The versions in the tool's package document. The binary is another package's, so the
/// candidate only says the release exists; [`artifact`] looks up the platform package.
fn npm_releases(npm: &'static NpmTool, remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let client = NpmClient::with_net(
        Registry::from_env().map_err(NpmError::from)?,
        remote.net.clone(),
    );
    let doc = client.packument(npm.package)?;
    // `latest` is `dist-tags.latest`: releases above it count only as prereleases (canaries),
    // which no fuzzy spec picks.
    let latest = Version::parse(doc.latest().map_err(NpmError::from)?).ok();
    Ok(doc
        .versions()
        .filter_map(|v| Version::parse(v).ok())
        .filter(|v| v.is_prerelease() || latest.as_ref().is_none_or(|latest| v <= latest))
        .map(|version| npm_release(npm, version))
        .collect())
}

/// A version of a tool on the npm registry: its candidate only says the release exists.
fn npm_release(npm: &NpmTool, version: Version) -> Release {
    Release {
        version,
        lts: None,
        candidates: vec![Candidate {
            url: String::new(),
            sha256: None,
            needs: Needs::Nothing,
            label: npm.package.to_string(),
            fallbacks: Vec::new(),
        }],
    }
}

/// The verified tarball of `release` for the remote's host, from the npm registry.
fn npm_artifact(
    npm: &'static NpmTool,
    release: &Release,
    remote: &Remote,
    level: X64Level,
) -> Result<Artifact, ProviderError> {
    let client = NpmClient::with_net(
        Registry::from_env().map_err(NpmError::from)?,
        remote.net.clone(),
    );
    let package = npm
        .platform_package(&remote.host, level)
        .map_err(NpmError::from)?;
    let found = client.artifact(npm, &package, &release.version.to_string())?;
    Ok(Artifact {
        url: found.url,
        filename: found.file_name,
        sha256: String::new(),
        integrity: Some(found.integrity.to_string()),
        digest_from: DigestFrom::Registry,
        verified: signed::SRI.to_owned(),
        signature: None,
    })
}

impl Release {
    /// Whether some build of this release runs on `host` (its OS and arch are the index's
    /// filter; this checks the C library).
    pub fn installable_on(&self, host: &Host) -> bool {
        self.candidates.iter().any(|c| c.needs.fits(host.libc))
    }
}

/// The newest release matching `spec` that has a build for this OS and arch, else the newest
/// matching one (installing it then says it has no build here).
pub fn best<'r>(spec: &Spec, releases: &'r [Release]) -> Option<&'r Release> {
    let matching = || {
        releases
            .iter()
            .filter(|r| spec.matches(&r.version, r.lts.as_deref()))
    };
    matching()
        .filter(|r| !r.candidates.is_empty())
        .max_by(|a, b| a.version.cmp(&b.version))
        .or_else(|| matching().max_by(|a, b| a.version.cmp(&b.version)))
}

/// Exactly `version` as the remote's host sees it (its builds for that host). For a tool on
/// the npm registry the release is only the version: its platform package is read by
/// [`artifact_at`].
pub fn release_exact(
    tool: Tool,
    version: &Version,
    remote: &Remote,
) -> Result<Release, ProviderError> {
    if let SourceKind::Npm(npm) = tool.source().kind {
        return Ok(npm_release(npm, version.clone()));
    }
    releases(tool, remote)?
        .into_iter()
        .find(|r| r.version == *version)
        .ok_or_else(|| ProviderError::NoBuild {
            tool,
            version: version.clone(),
            platform: remote.host.platform_key(),
        })
}

/// Resolves `spec` against the remote index: the release to install.
pub fn resolve(tool: Tool, spec: &Spec, remote: &Remote) -> Result<Release, ProviderError> {
    if matches!(spec.kind(), SpecKind::System | SpecKind::Path(_)) {
        return Err(ProviderError::NotInstallable {
            spec: spec.to_string(),
        });
    }
    let list = releases(tool, remote)?;
    best(spec, &list)
        .cloned()
        .ok_or_else(|| ProviderError::NoMatch {
            tool,
            spec: spec.to_string(),
            url: index_url(tool),
        })
}

/// The artifact of `release` that runs on this host, with its expected digest. Refuses,
/// without downloading anything, when no build fits the host's C library.
pub fn artifact(tool: Tool, release: &Release, remote: &Remote) -> Result<Artifact, ProviderError> {
    artifact_at(tool, release, remote, X64Level::detect())
}

/// The artifact of `release` for the remote's host (another platform's, for `envm lock`),
/// x64 builds for CPUs of `level`. Reads indexes and checksum files, never the archive.
pub fn artifact_at(
    tool: Tool,
    release: &Release,
    remote: &Remote,
    level: X64Level,
) -> Result<Artifact, ProviderError> {
    if let SourceKind::Npm(npm) = tool.source().kind {
        return npm_artifact(npm, release, remote, level);
    }
    if release.candidates.is_empty() {
        return Err(no_build(tool, release, &remote.host));
    }
    let fit = release
        .candidates
        .iter()
        .find(|c| c.needs.fits(remote.host.libc))
        .ok_or_else(|| host_mismatch(tool, release, remote))?;
    let signed_digest = tool
        .source()
        .signing
        .is_some_and(|s| s.signed_digest.is_some());
    let mut artifact = if fit.sha256.is_none() && !fit.fallbacks.is_empty() {
        // The archive format the sums file lists (older releases have no .tar.xz). With signed
        // digests this unsigned read only chooses the file: its digest comes from the signed
        // text below, which must list it too.
        let mut listed = listed_build(tool, remote, fit)?;
        if signed_digest {
            listed.sha256.clear();
        }
        listed
    } else {
        let mut artifact = Artifact::new(&fit.url, fit.sha256.as_deref().unwrap_or(""));
        if fit.sha256.is_none() {
            artifact.digest_from = DigestFrom::SumsFile;
            if !signed_digest {
                artifact.sha256 = sums_file_checksum(tool, remote, &fit.url, &artifact.filename)?;
            }
        }
        artifact
    };
    signed::vouch(tool, remote, &release.version, &mut artifact)?;
    Ok(artifact)
}

/// The first of `fit`'s URLs (its own, then its fallbacks) whose file the sums file next to
/// it lists: the archive formats upstream actually published for that release.
fn listed_build(tool: Tool, remote: &Remote, fit: &Candidate) -> Result<Artifact, ProviderError> {
    let checked = |url: &str| {
        let mut artifact = Artifact::new(url, "");
        artifact.sha256 = sums_file_checksum(tool, remote, url, &artifact.filename)?;
        artifact.digest_from = DigestFrom::SumsFile;
        Ok(artifact)
    };
    let first_error = match checked(&fit.url) {
        Err(e @ ProviderError::NoChecksum { .. }) => e,
        done => return done,
    };
    for url in &fit.fallbacks {
        match checked(url) {
            Err(ProviderError::NoChecksum { .. }) => continue,
            done => return done,
        }
    }
    Err(first_error)
}

/// "node 0.7.12 has no linux-x64 build": the release exists, but not for this OS and arch.
fn no_build(tool: Tool, release: &Release, host: &Host) -> ProviderError {
    let platform = match tool.source().platform {
        Some(platform) => platform(host),
        None => format!("{}-{}", host.os, host.arch.as_str()),
    };
    ProviderError::NoBuild {
        tool,
        version: release.version.clone(),
        platform,
    }
}

impl Artifact {
    /// The artifact at `url` with digest `sha256`; the file name is the URL's last segment.
    pub fn new(url: &str, sha256: &str) -> Artifact {
        let filename = url
            .rsplit('/')
            .next()
            .unwrap_or(url)
            .replace("%2B", "+")
            .replace("%2b", "+");
        Artifact {
            url: url.to_string(),
            filename,
            sha256: sha256.to_ascii_lowercase(),
            integrity: None,
            digest_from: DigestFrom::Index,
            verified: signed::SHA256.to_owned(),
            signature: None,
        }
    }
}

/// The digest of `filename` from the `SHASUMS256.txt` next to `url` (for indexes that list
/// no digests).
fn sums_file_checksum(
    tool: Tool,
    remote: &Remote,
    url: &str,
    filename: &str,
) -> Result<String, ProviderError> {
    let dir = url.rsplit_once('/').map(|(d, _)| d).unwrap_or(url);
    let sums_url = format!("{dir}/SHASUMS256.txt");
    let text = remote.immutable(tool, &sums_url)?;
    find_sum(&text, filename).ok_or(ProviderError::NoChecksum {
        url: sums_url,
        filename: filename.to_string(),
    })
}

/// `<hex>  <filename>` lines (a `*` before the name marks binary mode in some tools).
pub fn find_sum(text: &str, filename: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (hex, name) = line.trim().split_once(char::is_whitespace)?;
        let name = name.trim().trim_start_matches('*');
        (name == filename && hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| hex.to_ascii_lowercase())
    })
}

fn host_mismatch(tool: Tool, release: &Release, remote: &Remote) -> ProviderError {
    let available = release
        .candidates
        .iter()
        .map(|c| format!("{} needs {}", c.label, c.needs.describe()))
        .collect::<Vec<_>>()
        .join("; ");
    let hint = tool
        .source()
        .host_hint
        .and_then(|hint| hint(&remote.host))
        .unwrap_or_else(|| {
            format!(
                "pick an older {tool} version, or a build for {}",
                remote.host.libc
            )
        });
    ProviderError::HostMismatch(Box::new(HostMismatch {
        tool,
        version: release.version.clone(),
        host: remote.host.to_string(),
        available,
        hint,
    }))
}

/// `base` from the environment variable `var`, else `default`; no trailing slash.
pub fn mirror(var: &str, default: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v.trim().trim_end_matches('/').to_string(),
        _ => default.to_string(),
    }
}

/// Moves a URL found in an index from the upstream base onto the mirror.
pub fn rebase(url: &str, upstream: &str, base: &str) -> String {
    match url.strip_prefix(upstream) {
        Some(rest) if base != upstream => format!("{base}{rest}"),
        _ => url.to_string(),
    }
}

pub fn parse_error(tool: Tool, url: &str, reason: impl ToString) -> ProviderError {
    ProviderError::Parse {
        tool,
        url: url.to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sums() {
        let a = "a".repeat(64);
        let text = format!(
            "{a}  node-v1.0.0-linux-x64.tar.gz\n{}  other\n",
            "b".repeat(64)
        );
        assert_eq!(find_sum(&text, "node-v1.0.0-linux-x64.tar.gz"), Some(a));
        assert_eq!(find_sum(&text, "node-v1.0.0-linux-x64.tar.xz"), None);
    }
}
