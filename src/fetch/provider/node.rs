//! node: `index.json` from nodejs.org/dist (or `ENVM_NODE_MIRROR`), its LTS codenames, and
//! `vX/SHASUMS256.txt` for digests. Official Linux builds need glibc 2.28 from v18 on (2.17
//! before); musl and glibc-2.17 builds live on unofficial-builds, used by default on musl hosts.
//!
//! Archive format: `.tar.xz` by default, `ENVM_NODE_ARCHIVE=gz` for `.tar.gz`. Download and
//! unpack overlap, so an install takes about max(download, unpack). Measured with
//! benches/install.sh (same 150 MB tree): envm installs the 58 MB .tar.gz in 0.67 s and the
//! 38 MB .tar.xz in 1.89 s from loopback, so .tar.gz only wins on links faster than
//! 58 MB / 1.89 s ≈ 30 MB/s (~250 Mbit/s); below that the 35-40 % smaller .tar.xz finishes
//! first, and it keeps a smaller cached copy.

use serde::Deserialize;

use super::{Candidate, Needs, ProviderError, Release, Remote, mirror, parse_error};
use crate::host::{Arch, Host, Libc};
use crate::tools::Tool;
use crate::version::Version;

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

fn extension() -> &'static str {
    match std::env::var("ENVM_NODE_ARCHIVE").as_deref() {
        Ok("gz") | Ok("tar.gz") => "tar.gz",
        _ => "tar.xz",
    }
}

pub(super) fn releases(remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let base = base(&remote.host);
    let url = format!("{base}/index.json");
    let text = remote.index(Tool::Node, &url)?;
    let entries: Vec<Entry> =
        serde_json::from_str(&text).map_err(|e| parse_error(Tool::Node, &url, e))?;
    let arch = match remote.host.arch {
        Arch::X86_64 => "x64",
        Arch::Aarch64 => "arm64",
        Arch::Other(a) => a,
    };
    let ext = extension();
    let mut out = Vec::new();
    for entry in entries {
        let Ok(version) = Version::parse(&entry.version) else {
            continue;
        };
        let v = version.to_string();
        let official_glibc = if version.component(0) >= 18 {
            Needs::Glibc(2, 28)
        } else {
            Needs::Glibc(2, 17)
        };
        let kinds = [
            (format!("linux-{arch}"), official_glibc),
            (format!("linux-{arch}-musl"), Needs::Musl),
            (format!("linux-{arch}-glibc-217"), Needs::Glibc(2, 17)),
        ];
        let candidates = kinds
            .into_iter()
            .filter(|(token, _)| entry.files.iter().any(|f| f == token))
            .map(|(token, needs)| Candidate {
                url: format!("{base}/v{v}/node-v{v}-{token}.{ext}"),
                sha256: None,
                needs,
                label: token,
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

/// The digest of `filename` from the `SHASUMS256.txt` next to `url`.
pub(super) fn checksum(
    remote: &Remote,
    url: &str,
    filename: &str,
) -> Result<String, ProviderError> {
    let dir = url.rsplit_once('/').map(|(d, _)| d).unwrap_or(url);
    let sums_url = format!("{dir}/SHASUMS256.txt");
    let text = remote.immutable(Tool::Node, &sums_url)?;
    find_sum(&text, filename).ok_or(ProviderError::NoChecksum {
        url: sums_url,
        filename: filename.to_string(),
    })
}

/// `<hex>  <filename>` lines (a `*` before the name marks binary mode in some tools).
fn find_sum(text: &str, filename: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (hex, name) = line.trim().split_once(char::is_whitespace)?;
        let name = name.trim().trim_start_matches('*');
        (name == filename && hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| hex.to_ascii_lowercase())
    })
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
