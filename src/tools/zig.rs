//! zig: builds from ziglang.org/download (`ENVM_ZIG_MIRROR`); the binary sits at the top of
//! the install.
//!
//! `index.json` of ziglang.org/download (or `ENVM_ZIG_MIRROR`): one object per release
//! (`master` skipped), artifacts keyed `<arch>-<os>` with `tarball` and `shasum`. Tarball URLs
//! on the upstream base are moved onto the mirror. Zig's Linux builds are static.

use crate::fetch::releases::{
    Candidate, LockedFile, Needs, ProviderError, Release, Remote, mirror, parse_error, rebase,
};
use crate::tools::Tool;
use crate::version::Version;
use super::{Cache, Examples, KnownBins, SpecRules, ToolDef, ToolSource};

pub(super) static DEF: ToolDef = ToolDef {
    name: "zig",
    aliases: &[],
    version_var: "ENVM_ZIG_VERSION",
    pin_files: &[],
    spec: SpecRules::PLAIN,
    examples: Examples {
        exact: "0.14.0",
        prefix: "0.14",
    },
    bin_dir: "",
    known_bins: KnownBins {
        exact: &["zig"],
        prefixes: &[],
    },
    links: &[],
    caches: &[Cache {
        var: "ZIG_GLOBAL_CACHE_DIR",
        folder: "zig",
    }],
    overlay: None,
    adds_executables: super::adds_nothing,
};

pub(super) static SOURCE: ToolSource = ToolSource::index(index_url, releases, file_url);

pub const UPSTREAM: &str = "https://ziglang.org/download";

fn base() -> String {
    mirror("ENVM_ZIG_MIRROR", UPSTREAM)
}

pub fn index_url() -> String {
    format!("{}/index.json", base())
}

pub fn releases(remote: &Remote) -> Result<Vec<Release>, ProviderError> {
    let base = base();
    let url = index_url();
    let text = remote.index(Tool::Zig, &url)?;
    let index: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| parse_error(Tool::Zig, &url, e))?;
    let os = match remote.host.os {
        "darwin" => "macos",
        other => other,
    };
    let target = format!("{}-{os}", remote.host.arch.as_str());
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

/// `<download>/<version>/<file>` on the mirror configured now.
fn file_url(locked: &LockedFile) -> String {
    format!("{}/{}/{}", base(), locked.version, locked.file)
}
