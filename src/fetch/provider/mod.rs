//! Providers: what each upstream publishes. One file per tool reads its real index format
//! ([`node`], [`python`], [`go`], [`zig`]) into [`Release`]s with per-platform candidates; this
//! file picks the candidate that fits the host (refusing before any download when none does)
//! and yields the [`Artifact`]: URL, file name and the expected SHA-256 from upstream's
//! checksum source. Mirrors (`ENVM_<TOOL>_MIRROR`) replace the upstream base URL.

mod go;
mod node;
mod python;
mod zig;

use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::fetch::http::Net;
use crate::fetch::index_cache::{self, Freshness, IndexError};
use crate::host::{Host, Libc};
use crate::layout::Layout;
use crate::tools::Tool;
use crate::version::Version;
use crate::version::spec::{Spec, SpecKind};

/// One upstream release of a tool, with the artifacts for this OS and arch.
#[derive(Debug, Clone)]
pub struct Release {
    pub version: Version,
    /// Node: the LTS codename, lowercase.
    pub lts: Option<String>,
    candidates: Vec<Candidate>,
}

/// An artifact for this OS and arch, and the C library it needs.
#[derive(Debug, Clone)]
struct Candidate {
    url: String,
    /// Known from the index itself (python, go, zig); node's comes from SHASUMS256.txt.
    sha256: Option<String>,
    needs: Needs,
    /// Label for messages (`linux-x64`, `x86_64-unknown-linux-musl`).
    label: String,
}

/// What a build needs from the host's C library.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Needs {
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
    /// Lowercase hex SHA-256 from upstream's checksum source.
    pub sha256: String,
}

/// Upstream could not tell what to install.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot read the {tool} index at {url}: {reason}")]
    Parse {
        tool: Tool,
        url: String,
        reason: String,
    },
    #[error("cannot read the python catalog {}: {source}", path.display())]
    Catalog {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no {tool} release matches `{spec}` in {url}")]
    NoMatch {
        tool: Tool,
        spec: String,
        url: String,
    },
    #[error(
        "{} {} has no build for this host, {}: {}",
        .0.tool, .0.version, .0.host, .0.available
    )]
    HostMismatch(Box<HostMismatch>),
    #[error("{url} has no checksum for {filename}; refusing to install an unverified file")]
    NoChecksum { url: String, filename: String },
    #[error("`{spec}` is not something envm installs")]
    NotInstallable { spec: String },
}

impl Diagnostic for ProviderError {
    fn hint(&self) -> Option<String> {
        match self {
            ProviderError::Index(e) => e.hint(),
            ProviderError::NoMatch { tool, .. } => Some(format!(
                "see what exists with `envm ls-remote {tool}`, or try `--refresh`"
            )),
            ProviderError::HostMismatch(m) => Some(m.hint.clone()),
            ProviderError::NoChecksum { .. } => {
                Some("the mirror or upstream is incomplete; try again later or another mirror".into())
            }
            ProviderError::NotInstallable { .. } => {
                Some("`system` and `path:` specs use toolchains envm does not install".into())
            }
            ProviderError::Catalog { .. } | ProviderError::Parse { .. } => Some(
                "check ENVM_PYTHON_DOWNLOADS_JSON_URL / the ENVM_*_MIRROR setting, or retry with --refresh"
                    .into(),
            ),
        }
    }
}

/// No build of a release fits the host's C library.
#[derive(Debug)]
pub struct HostMismatch {
    pub tool: Tool,
    pub version: Version,
    pub host: String,
    /// Each build and what it needs.
    pub available: String,
    pub hint: String,
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
    fn index(&self, tool: Tool, url: &str) -> Result<String, ProviderError> {
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
    fn immutable(&self, tool: Tool, url: &str) -> Result<String, ProviderError> {
        let label = format!("{}-sums", tool.name());
        let text = index_cache::get(
            self.layout,
            self.net,
            self.refresh,
            &label,
            url,
            Freshness::Immutable,
        )?;
        Ok(text)
    }

    fn arch_name(&self) -> &'static str {
        self.host.arch.as_str()
    }
}

/// The URL of the tool's version list (for messages).
pub fn index_url(tool: Tool) -> String {
    match tool {
        Tool::Node => node::index_url(&crate::host::Host::detect()),
        Tool::Python => python::catalog_source(),
        Tool::Go => go::index_url(),
        Tool::Zig => zig::index_url(),
    }
}

/// Every release of `tool` that has some build for this OS and arch, newest first.
pub fn releases(tool: Tool, remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let mut list = match tool {
        Tool::Node => node::releases(remote)?,
        Tool::Python => python::releases(remote)?,
        Tool::Go => go::releases(remote)?,
        Tool::Zig => zig::releases(remote)?,
    };
    list.retain(|r| !r.candidates.is_empty());
    list.sort_by(|a, b| b.version.cmp(&a.version));
    list.dedup_by(|a, b| a.version == b.version);
    Ok(list)
}

/// The newest release matching `spec`.
pub fn best<'r>(spec: &Spec, releases: &'r [Release]) -> Option<&'r Release> {
    releases
        .iter()
        .filter(|r| spec.matches(&r.version, r.lts.as_deref()))
        .max_by(|a, b| a.version.cmp(&b.version))
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
    let fit = release
        .candidates
        .iter()
        .find(|c| c.needs.fits(remote.host.libc))
        .ok_or_else(|| host_mismatch(tool, release, remote))?;
    let mut artifact = Artifact::new(&fit.url, fit.sha256.as_deref().unwrap_or(""));
    if fit.sha256.is_none() {
        artifact.sha256 = node::checksum(remote, &fit.url, &artifact.filename)?;
    }
    Ok(artifact)
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
        }
    }
}

fn host_mismatch(tool: Tool, release: &Release, remote: &Remote) -> ProviderError {
    let available = release
        .candidates
        .iter()
        .map(|c| format!("{} needs {}", c.label, c.needs.describe()))
        .collect::<Vec<_>>()
        .join("; ");
    let hint = match (tool, remote.host.libc) {
        (Tool::Node, Libc::Musl) => format!(
            "node's musl builds are on unofficial-builds: set ENVM_NODE_MIRROR={}",
            node::UNOFFICIAL
        ),
        (Tool::Node, Libc::Glibc(..)) => format!(
            "official node 18+ builds need glibc 2.28: use node 16 or older, or glibc-217 builds via ENVM_NODE_MIRROR={}",
            node::UNOFFICIAL
        ),
        _ => format!(
            "pick an older {tool} version, or a build for {}",
            remote.host.libc
        ),
    };
    ProviderError::HostMismatch(Box::new(HostMismatch {
        tool,
        version: release.version.clone(),
        host: remote.host.to_string(),
        available,
        hint,
    }))
}

/// `base` from the environment variable `var`, else `default`; no trailing slash.
fn mirror(var: &str, default: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v.trim().trim_end_matches('/').to_string(),
        _ => default.to_string(),
    }
}

/// Moves a URL found in an index from the upstream base onto the mirror.
fn rebase(url: &str, upstream: &str, base: &str) -> String {
    match url.strip_prefix(upstream) {
        Some(rest) if base != upstream => format!("{base}{rest}"),
        _ => url.to_string(),
    }
}

fn parse_error(tool: Tool, url: &str, reason: impl ToString) -> ProviderError {
    ProviderError::Parse {
        tool,
        url: url.to_string(),
        reason: reason.to_string(),
    }
}
