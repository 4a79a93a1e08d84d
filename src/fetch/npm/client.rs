//! HTTP for the npm registry: package documents (size-capped, asked for in npm's abbreviated
//! form) and platform tarballs, verified against `dist.integrity` before anyone may use them.
//!
//! Network failures are reported as [`FetchError`]s, like every other download of envm.
//! `ENVM_OFFLINE=1` forbids every request. Not done here (yet): retries and the download
//! cache, which `crate::fetch::http` owns for sha256-checked archives.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::integrity::{Integrity, IntegrityError, VerifyingReader, VerifyingWriter};
use super::packument::{Packument, PackumentError};
use super::platform::{NoPlatformPackage, NpmTool};
use super::{Registry, RegistryError};
use crate::diag::Diagnostic;
use crate::fetch::http::FetchError;

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
    pub tool: NpmTool,
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

/// The registry and an HTTP client for it.
pub struct NpmClient {
    registry: Registry,
    http: reqwest::blocking::Client,
    offline: bool,
    packument_limit: u64,
}

impl NpmClient {
    /// The registry of `ENVM_NPM_REGISTRY`, offline when `ENVM_OFFLINE=1`.
    pub fn from_env() -> Result<NpmClient, NpmError> {
        let offline = std::env::var("ENVM_OFFLINE").is_ok_and(|v| !v.is_empty() && v != "0");
        NpmClient::new(Registry::from_env()?, offline)
    }

    pub fn new(registry: Registry, offline: bool) -> Result<NpmClient, NpmError> {
        let http = reqwest::blocking::Client::builder()
            .user_agent(concat!("envm/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // Per read in the blocking client, so large downloads are not cut.
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(NpmClient {
            registry,
            http,
            offline,
            packument_limit: PACKUMENT_LIMIT,
        })
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
        let resp = self.get(&url, Some(ACCEPT_PACKUMENT))?;
        let limit = self.packument_limit;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(NpmError::TooLarge { url, limit });
        }
        let mut body = Vec::new();
        resp.take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| body_error(&url, body.len() as u64, &e))?;
        if body.len() as u64 > limit {
            return Err(NpmError::TooLarge { url, limit });
        }
        Ok(Packument::parse(package, &body)?)
    }

    /// The tarball of `version` of the tool's platform package (`platform_package`, from
    /// [`NpmTool::platform_package`]), with its integrity checked for usability before anything
    /// is downloaded: a missing or sha1-only value stops here.
    pub fn artifact(
        &self,
        tool: NpmTool,
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
        let url = &artifact.url;
        let mut resp = self.get(url, None)?;
        if resp.content_length().is_some_and(|n| n > TARBALL_LIMIT) {
            return Err(NpmError::TooLarge {
                url: url.clone(),
                limit: TARBALL_LIMIT,
            });
        }
        let partial = crate::fetch::http::partial_path(dest);
        let io_error = |path: &Path, source| NpmError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(&partial).map_err(|e| io_error(&partial, e))?;
        let mut writer = VerifyingWriter::new(file, &artifact.integrity);
        let copied = copy_capped(&mut resp, &mut writer, url, &partial);
        let verdict = copied.and_then(|got| {
            if resp.content_length().is_some_and(|total| got < total) {
                return Err(body_error(url, got, &io::ErrorKind::UnexpectedEof.into()));
            }
            let file = writer.finish().map_err(|source| NpmError::Verify {
                url: url.clone(),
                source,
            })?;
            file.sync_all().map_err(|e| io_error(&partial, e))?;
            Ok(got)
        });
        match verdict {
            Ok(got) => {
                std::fs::rename(&partial, dest).map_err(|e| io_error(dest, e))?;
                Ok(got)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    }

    /// Opens the tarball as a stream that hashes what is read. The consumer (an unpacker into
    /// a staging folder) must call [`VerifyingReader::finish`] and keep its work only when that
    /// succeeds; [`NpmClient::download`] is the way to verify before unpacking anything.
    pub fn open(
        &self,
        artifact: &Artifact,
    ) -> Result<VerifyingReader<io::Take<reqwest::blocking::Response>>, NpmError> {
        let resp = self.get(&artifact.url, None)?;
        Ok(VerifyingReader::new(
            resp.take(TARBALL_LIMIT),
            &artifact.integrity,
        ))
    }

    /// One GET, with npm's status classification.
    fn get(
        &self,
        url: &str,
        accept: Option<&str>,
    ) -> Result<reqwest::blocking::Response, NpmError> {
        if self.offline {
            return Err(FetchError::Offline { url: url.into() }.into());
        }
        let mut request = self.http.get(url);
        if let Some(accept) = accept {
            request = request.header(reqwest::header::ACCEPT, accept);
        }
        let resp = request.send().map_err(|e| FetchError::Unreachable {
            url: url.into(),
            reason: describe(&e),
            attempts: 1,
        })?;
        Ok(crate::fetch::http::checked_status(url, resp)?)
    }
}

/// `npm pack`'s file name: the scope without `@`, joined with a dash.
fn pack_file_name(package: &str, version: &str) -> String {
    let flat = package.trim_start_matches('@').replace('/', "-");
    format!("{flat}-{version}.tgz")
}

/// Copies `from` into `to`, refusing more than [`TARBALL_LIMIT`] bytes; read errors are the
/// download's, write errors the partial file's.
fn copy_capped(
    from: &mut impl Read,
    to: &mut impl Write,
    url: &str,
    partial: &Path,
) -> Result<u64, NpmError> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut got: u64 = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(body_error(url, got, &e)),
        };
        got += n as u64;
        if got > TARBALL_LIMIT {
            return Err(NpmError::TooLarge {
                url: url.to_string(),
                limit: TARBALL_LIMIT,
            });
        }
        to.write_all(&buf[..n]).map_err(|source| NpmError::Io {
            path: partial.to_path_buf(),
            source,
        })?;
    }
}

fn body_error(url: &str, got: u64, e: &io::Error) -> NpmError {
    FetchError::Body {
        url: url.to_string(),
        got,
        reason: describe(e),
        attempts: 1,
    }
    .into()
}

/// An error with its causes on one line (reqwest keeps the useful part in `source()`).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text = format!("{text}: {c_text}");
        }
        cause = c.source();
    }
    text
}
