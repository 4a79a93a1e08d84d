//! Remote version lists (indexes, checksum files) cached under `cache/index/` with a TTL.
//!
//! A fresh copy (younger than [`TTL`], 1 h) is used without the network unless `--refresh`;
//! a stale one is used when the network fails (with a warning); with `ENVM_OFFLINE=1` any
//! cached copy is used and a missing one is an error naming the URL. Documents that never
//! change (a release's checksum file) are cached without expiry. Each kind has a size cap
//! ([`Freshness::cap`]); a larger document is refused, never cached.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::diag::Diagnostic;
use crate::digest::sha256_hex;
use crate::fetch::http::{FetchError, Net};
use crate::files::write_atomically;
use crate::layout::Layout;

/// How long a cached index is used without asking upstream again.
pub const TTL: Duration = Duration::from_secs(3600);

/// How long a document stays fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// A version list: refreshed after [`TTL`].
    Ttl,
    /// Published once, never changed (per-release checksum files).
    Immutable,
}

impl Freshness {
    /// The largest document of this kind envm reads.
    pub fn cap(self) -> u64 {
        match self {
            Freshness::Ttl => crate::fetch::http::INDEX_CAP,
            Freshness::Immutable => crate::fetch::http::CHECKSUMS_CAP,
        }
    }
}

/// A remote list could not be had, from the network or the cache.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("ENVM_OFFLINE=1 and {url} was never cached (no {})", path.display())]
    OfflineMissing { url: String, path: PathBuf },
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

impl Diagnostic for IndexError {
    fn hint(&self) -> Option<String> {
        match self {
            IndexError::OfflineMissing { .. } => Some(
                "run the same command once online (without ENVM_OFFLINE) to fill the cache".into(),
            ),
            IndexError::Fetch(e) => e.hint(),
        }
    }
}

/// Where `url` is cached: `cache/index/<label>-<hash>.txt`.
pub fn cache_path(layout: &Layout, label: &str, url: &str) -> PathBuf {
    let digest = sha256_hex(url.as_bytes());
    layout
        .index_cache_dir()
        .join(format!("{label}-{}.txt", &digest[..16]))
}

/// The text at `url`, from the cache when fresh enough, else from the network.
pub fn get(
    layout: &Layout,
    net: &Net,
    refresh: bool,
    label: &str,
    url: &str,
    freshness: Freshness,
) -> Result<String, IndexError> {
    let body = get_bytes(layout, net, refresh, label, url, freshness)?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Like [`get`], for binary documents (detached signatures).
pub fn get_bytes(
    layout: &Layout,
    net: &Net,
    refresh: bool,
    label: &str,
    url: &str,
    freshness: Freshness,
) -> Result<Vec<u8>, IndexError> {
    let path = cache_path(layout, label, url);
    let cached = std::fs::read(&path).ok();
    if net.offline {
        return cached.ok_or(IndexError::OfflineMissing {
            url: url.into(),
            path,
        });
    }
    if let Some(body) = &cached {
        let fresh = freshness == Freshness::Immutable || age(&path).is_some_and(|a| a < TTL);
        if fresh && !refresh {
            return Ok(body.clone());
        }
    }
    match net.get_bytes(url, freshness.cap(), None) {
        Ok(body) => {
            // A cache that cannot be written only costs a download next time.
            let _ = write_atomically(&path, &body);
            Ok(body)
        }
        Err(err @ FetchError::NotFound { .. }) => Err(err.into()),
        Err(err) => match cached {
            Some(body) => {
                eprintln!(
                    "warning: {}; using the cached copy from {}",
                    crate::diag::printable(&err.to_string()),
                    describe_age(&path)
                );
                Ok(body)
            }
            None => Err(err.into()),
        },
    }
}

fn age(path: &Path) -> Option<Duration> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    SystemTime::now().duration_since(modified).ok()
}

fn describe_age(path: &Path) -> String {
    match age(path) {
        Some(a) if a.as_secs() >= 3600 => format!("{} h ago", a.as_secs() / 3600),
        Some(a) => format!("{} min ago", a.as_secs() / 60),
        None => "earlier".into(),
    }
}
