//! HTTP for the npm registry: package documents (size-capped, asked for in npm's abbreviated
//! form) and platform tarballs, verified against `dist.integrity` before anyone may use them.
//!
//! Requests go through [`Net`] like every other download of envm: retries with backoff, the
//! `ENVM_HTTP_TIMEOUT` stall deadline, size caps, and `ENVM_OFFLINE=1` forbidding requests.

use crate::diag::Diagnostic;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::integrity::{Integrity, IntegrityError, VerifyingReader};
use super::packument::{Packument, PackumentError};
use super::platform::{NoPlatformPackage, NpmTool};
use super::{Registry, RegistryError};
use crate::fetch::http::{FetchError, Net};

/// Largest package document accepted: 32 MiB. bun's full document on the public registry is a
/// few MB (about 200 versions with all their metadata) and grows by one version a week or so;
/// the abbreviated form envm asks for is smaller still. 32 MiB leaves a margin of ten and more
/// while bounding what a broken or hostile registry can make envm hold in memory.
pub const PACKUMENT_LIMIT: u64 = 32 << 20;
/// Largest tarball accepted: 1 GiB (bun's is 52 MB compressed, deno's 42 MB).
pub const TARBALL_LIMIT: u64 = 1 << 30;

/// What npm sends: the abbreviated document where the registry has one, the full one otherwise.
const ACCEPT_PACKUMENT: &str =
    "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";

/// Anything that stops a bun or deno artifact from being resolved or downloaded.
#[derive(Debug, thiserror::Error)]
pub enum NpmError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{url} is larger than envm accepts ({limit} bytes)")]
    TooLarge { url: String, limit: u64 },
    #[error(transparent)]
    Packument(#[from] PackumentError),
    #[error(transparent)]
    Platform(#[from] NoPlatformPackage),
    #[error("{package}@{version}: {source}")]
    Integrity {
        package: String,
        version: String,
        #[source]
        source: IntegrityError,
    },
    #[error("{url}: {source}")]
    Verify {
        url: String,
        #[source]
        source: IntegrityError,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Diagnostic for NpmError {
    fn hint(&self) -> Option<String> {
        match self {
            NpmError::Registry(e) => e.hint(),
            NpmError::Fetch(e) => e.hint(),
            NpmError::TooLarge { .. } => Some(
                "check ENVM_NPM_REGISTRY: the registry sent far more than a package holds".into(),
            ),
            NpmError::Packument(e) => e.hint(),
            NpmError::Platform(e) => e.hint(),
            NpmError::Integrity { source, .. } | NpmError::Verify { source, .. } => source.hint(),
            NpmError::Io { .. } => Some("check free space and permissions".into()),
        }
    }
}

/// A platform tarball chosen for download: what to fetch and what it must hash to.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub tool: &'static NpmTool,
    /// The platform package (`@oven/bun-linux-x64`).
    pub package: String,
    pub version: String,
    /// Where it is downloaded from (rewritten onto the configured registry).
    pub url: String,
    /// The tarball's file name as `npm pack` gives it (`oven-bun-linux-x64-1.4.5.tgz`,
    /// `deno-linux-x64-glibc-2.9.6.tgz`): unique per package, for the cache and the lock.
    pub file_name: String,
    pub integrity: Integrity,
}

/// The registry and the network policy of this run ([`Net`]: retries, the stall deadline,
/// `ENVM_OFFLINE`).
pub struct NpmClient {
    registry: Registry,
    net: Net,
    packument_limit: u64,
}

impl NpmClient {
    /// The registry of `ENVM_NPM_REGISTRY`, with the network settings of the environment.
    pub fn from_env() -> Result<NpmClient, NpmError> {
        Ok(NpmClient::with_net(Registry::from_env()?, Net::from_env()?))
    }

    /// `registry` with the network settings of the environment; `offline` forbids requests.
    pub fn new(registry: Registry, offline: bool) -> Result<NpmClient, NpmError> {
        let mut net = Net::from_env()?;
        net.offline |= offline;
        Ok(NpmClient::with_net(registry, net))
    }

    /// `registry` over `net`.
    pub fn with_net(registry: Registry, net: Net) -> NpmClient {
        NpmClient {
            registry,
            net,
            packument_limit: PACKUMENT_LIMIT,
        }
    }

    /// Lowers the package document cap (tests).
    pub fn with_packument_limit(mut self, bytes: u64) -> NpmClient {
        self.packument_limit = bytes;
        self
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// `GET <registry>/<escaped name>`, parsed.
    pub fn packument(&self, package: &str) -> Result<Packument, NpmError> {
        let url = self.registry.packument_url(package)?;
        let body = self
            .net
            .get_bytes(&url, self.packument_limit, Some(ACCEPT_PACKUMENT))
            .map_err(too_large)?;
        Ok(Packument::parse(package, &body)?)
    }

    /// The tarball of `version` of the tool's platform package (`platform_package`, from
    /// [`NpmTool::platform_package`]), with its integrity checked for usability before anything
    /// is downloaded: a missing or sha1-only value stops here.
    pub fn artifact(
        &self,
        tool: &'static NpmTool,
        platform_package: &str,
        version: &str,
    ) -> Result<Artifact, NpmError> {
        let doc = self.packument(platform_package)?;
        let entry = doc.version(version)?;
        let integrity = entry.integrity().map_err(|source| NpmError::Integrity {
            package: platform_package.to_string(),
            version: version.to_string(),
            source,
        })?;
        let url = self.registry.tarball_url(&entry.dist.tarball)?;
        Ok(Artifact {
            tool,
            package: platform_package.to_string(),
            version: version.to_string(),
            url,
            file_name: pack_file_name(platform_package, version),
            integrity,
        })
    }

    /// Downloads the tarball to `dest`, verified: the bytes go to a partial file next to it
    /// which becomes `dest` only when they match the integrity; otherwise nothing is left.
    /// Returns the size.
    pub fn download(&self, artifact: &Artifact, dest: &Path) -> Result<u64, NpmError> {
        download_verified(&self.net, &artifact.url, &artifact.integrity, dest)
    }

    /// Opens the tarball as a stream that hashes what is read. The consumer (an unpacker into
    /// a staging folder) must call [`VerifyingReader::finish`] and keep its work only when that
    /// succeeds; [`NpmClient::download`] is the way to verify before unpacking anything.
    pub fn open(
        &self,
        artifact: &Artifact,
    ) -> Result<VerifyingReader<io::Take<reqwest::blocking::Response>>, NpmError> {
        let resp = self.net.open(&artifact.url)?;
        Ok(VerifyingReader::new(
            resp.take(TARBALL_LIMIT),
            &artifact.integrity,
        ))
    }
}

/// Downloads `url` to `dest` over `net`, kept only when it matches `integrity` (at most
/// [`TARBALL_LIMIT`] bytes). Returns the size.
pub fn download_verified(
    net: &Net,
    url: &str,
    integrity: &Integrity,
    dest: &Path,
) -> Result<u64, NpmError> {
    let check = |partial: &Path| -> Result<(), NpmError> {
        let file = std::fs::File::open(partial).map_err(|source| NpmError::Io {
            path: partial.to_path_buf(),
            source,
        })?;
        let verdict = VerifyingReader::new(file, integrity)
            .finish()
            .map_err(|source| NpmError::Io {
                path: partial.to_path_buf(),
                source,
            })?;
        verdict.map(drop).map_err(|source| NpmError::Verify {
            url: url.to_string(),
            source,
        })
    };
    net.download_checked(url, dest, TARBALL_LIMIT, check)
        .map_err(too_large)?
}

/// The cap refusal in npm's terms.
fn too_large(e: FetchError) -> NpmError {
    match e {
        FetchError::TooLarge { url, cap } => NpmError::TooLarge { url, limit: cap },
        e => e.into(),
    }
}

/// `npm pack`'s file name: the scope without `@`, joined with a dash.
pub fn pack_file_name(package: &str, version: &str) -> String {
    let flat = package.trim_start_matches('@').replace('/', "-");
    format!("{flat}-{version}.tgz")
}
