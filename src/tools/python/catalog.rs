//! python: the python-build-standalone catalog in uv's `download-metadata.json` format. The
//! default catalog is embedded (`downloads.json`); `ENVM_PYTHON_DOWNLOADS_JSON_URL`
//! (http(s) URL or file path) replaces it. `ENVM_PYTHON_MIRROR` replaces the GitHub release
//! prefix of catalog URLs. Only `install_only` builds are used, `install_only_stripped` first;
//! the default variant unless the spec asks for free-threaded (`3.13t`); gnu before musl.

use std::path::PathBuf;

use serde::Deserialize;

use crate::fetch::releases::{
    Candidate, LockedFile, Needs, ProviderError, Release, Remote, mirror, parse_error, rebase,
};
use crate::tools::Tool;
use crate::version::Version;

pub const UPSTREAM: &str = "https://github.com/astral-sh/python-build-standalone/releases/download";
pub(super) const CATALOG_VAR: &str = "ENVM_PYTHON_DOWNLOADS_JSON_URL";
const EMBEDDED: &str = include_str!("downloads.json");

#[derive(Deserialize)]
struct Entry {
    name: String,
    arch: EntryArch,
    os: String,
    libc: String,
    major: u64,
    minor: u64,
    patch: u64,
    #[serde(default)]
    prerelease: Option<String>,
    url: String,
    sha256: Option<String>,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Deserialize)]
struct EntryArch {
    family: String,
    #[serde(default)]
    variant: Option<String>,
}

/// Where the catalog comes from, for messages.
pub fn catalog_source() -> String {
    match std::env::var(CATALOG_VAR) {
        Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
        _ => "the python catalog built into envm".into(),
    }
}

fn catalog_text(remote: &Remote) -> Result<String, ProviderError> {
    let source = match std::env::var(CATALOG_VAR) {
        Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
        _ => return Ok(EMBEDDED.to_string()),
    };
    if source.starts_with("http://") || source.starts_with("https://") {
        return remote.index(Tool::Python, &source);
    }
    let path = PathBuf::from(source.strip_prefix("file://").unwrap_or(&source));
    std::fs::read_to_string(&path).map_err(|source| ProviderError::Catalog { path, source })
}

pub fn releases(remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let text = catalog_text(remote)?;
    let catalog: std::collections::BTreeMap<String, Entry> =
        serde_json::from_str(&text).map_err(|e| parse_error(Tool::Python, &catalog_source(), e))?;
    let base = mirror("ENVM_PYTHON_MIRROR", UPSTREAM);
    let arch = remote.host.arch.as_str();
    // (version, preference) -> candidates; preference orders stripped before install_only.
    let mut by_version: Vec<(Version, Vec<(u8, Candidate)>)> = Vec::new();
    for entry in catalog.into_values() {
        if entry.name != "cpython"
            || entry.os != remote.host.os
            || entry.arch.family != arch
            || entry.arch.variant.is_some()
        {
            continue;
        }
        let freethreaded = match entry.variant.as_deref() {
            None | Some("") => false,
            Some("freethreaded") => true,
            Some(_) => continue,
        };
        let flavor = if entry.url.contains("install_only_stripped") {
            0
        } else if entry.url.contains("install_only") {
            1
        } else {
            continue;
        };
        let Some(sha256) = entry.sha256 else { continue };
        let text = format!(
            "{}.{}.{}{}",
            entry.major,
            entry.minor,
            entry.patch,
            entry.prerelease.as_deref().unwrap_or("")
        );
        let Ok(version) = Version::parse(&text) else {
            continue;
        };
        let version = version.with_freethreaded(freethreaded);
        let (needs, libc_rank) = match entry.libc.as_str() {
            "gnu" => (Needs::Glibc(2, 17), 0),
            "musl" => (Needs::Musl, 2),
            "none" => (Needs::Nothing, 0),
            _ => continue,
        };
        let candidate = Candidate {
            url: rebase(&entry.url, UPSTREAM, &base),
            sha256: Some(sha256),
            needs,
            label: format!("{arch}-{}", entry.libc),
            fallbacks: Vec::new(),
        };
        let rank = libc_rank + flavor;
        match by_version.iter_mut().find(|(v, _)| *v == version) {
            Some((_, list)) => list.push((rank, candidate)),
            None => by_version.push((version, vec![(rank, candidate)])),
        }
    }
    Ok(by_version
        .into_iter()
        .map(|(version, mut list)| {
            list.sort_by_key(|(rank, _)| *rank);
            Release {
                version,
                lts: None,
                candidates: list.into_iter().map(|(_, c)| c).collect(),
            }
        })
        .collect())
}

/// `<releases>/<build tag>/<file>` on `ENVM_PYTHON_MIRROR` (else GitHub): the tag is the
/// build date after the `+` in the file name, and the `+` is written `%2B` as upstream does.
pub fn file_url(locked: &LockedFile) -> String {
    let base = mirror("ENVM_PYTHON_MIRROR", UPSTREAM);
    let tag = build_tag(locked.file).unwrap_or_default();
    format!("{base}/{tag}/{}", locked.file.replace('+', "%2B"))
}

/// `20241206` in `cpython-3.12.8+20241206-x86_64-unknown-linux-gnu-install_only.tar.gz`.
fn build_tag(file: &str) -> Option<&str> {
    let (_, rest) = file.split_once('+')?;
    rest.split('-').next().filter(|tag| !tag.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_tags() {
        assert_eq!(
            build_tag("cpython-3.12.8+20241206-x86_64-unknown-linux-gnu-install_only.tar.gz"),
            Some("20241206")
        );
        assert_eq!(build_tag("cpython.tar.gz"), None);
    }
}
