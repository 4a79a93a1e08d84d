//! zig: `index.json` of ziglang.org/download (or `ENVM_ZIG_MIRROR`): one object per release
//! (`master` skipped), artifacts keyed `<arch>-<os>` with `tarball` and `shasum`. Tarball URLs
//! on the upstream base are moved onto the mirror. Zig's Linux builds are static.

use super::{Candidate, Needs, ProviderError, Release, Remote, mirror, parse_error, rebase};
use crate::tools::Tool;
use crate::version::Version;

pub const UPSTREAM: &str = "https://ziglang.org/download";

fn base() -> String {
    mirror("ENVM_ZIG_MIRROR", UPSTREAM)
}

pub fn index_url() -> String {
    format!("{}/index.json", base())
}

pub(super) fn releases(remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let base = base();
    let url = index_url();
    let text = remote.index(Tool::Zig, &url)?;
    let index: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| parse_error(Tool::Zig, &url, e))?;
    let os = match remote.host.os {
        "darwin" => "macos",
        other => other,
    };
    let target = format!("{}-{os}", remote.arch_name());
    Ok(index
        .into_iter()
        .filter(|(name, _)| name != "master")
        .filter_map(|(name, release)| {
            let version = Version::parse(&name).ok()?;
            let artifact = release.get(&target)?;
            let tarball = artifact.get("tarball")?.as_str()?;
            let shasum = artifact.get("shasum")?.as_str()?;
            Some(Release {
                version,
                lts: None,
                candidates: vec![Candidate {
                    url: rebase(tarball, UPSTREAM, &base),
                    sha256: Some(shasum.to_string()),
                    needs: Needs::Nothing,
                    label: target.clone(),
                }],
            })
        })
        .collect())
}
