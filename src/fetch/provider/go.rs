//! go: the `?mode=json&include=all` index of go.dev/dl (or `ENVM_GO_MIRROR`), with a `sha256`
//! per file. Go's Linux builds are static: no C library requirement.

use serde::Deserialize;

use super::{Candidate, Needs, ProviderError, Release, Remote, mirror, parse_error};
use crate::host::Arch;
use crate::tools::Tool;
use crate::version::Version;

pub const UPSTREAM: &str = "https://go.dev/dl";

#[derive(Deserialize)]
struct Entry {
    version: String,
    #[serde(default)]
    files: Vec<File>,
}

#[derive(Deserialize)]
struct File {
    filename: String,
    os: String,
    arch: String,
    sha256: String,
    kind: String,
}

fn base() -> String {
    mirror("ENVM_GO_MIRROR", UPSTREAM)
}

pub fn index_url() -> String {
    format!("{}/?mode=json&include=all", base())
}

pub(super) fn releases(remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let base = base();
    let url = index_url();
    let text = remote.index(Tool::Go, &url)?;
    let entries: Vec<Entry> =
        serde_json::from_str(&text).map_err(|e| parse_error(Tool::Go, &url, e))?;
    let arch = match remote.host.arch {
        Arch::X86_64 => "amd64",
        Arch::Aarch64 => "arm64",
        Arch::Other(a) => a,
    };
    let os = remote.host.os;
    Ok(entries
        .into_iter()
        .filter_map(|entry| {
            let version = Version::parse(&entry.version).ok()?;
            let candidates = entry
                .files
                .into_iter()
                .filter(|f| {
                    f.kind == "archive"
                        && f.os == os
                        && f.arch == arch
                        && f.filename.ends_with(".tar.gz")
                })
                .map(|f| Candidate {
                    url: format!("{base}/{}", f.filename),
                    sha256: Some(f.sha256),
                    needs: Needs::Nothing,
                    label: format!("{os}-{arch}"),
                })
                .collect();
            Some(Release {
                version,
                lts: None,
                candidates,
            })
        })
        .collect())
}
