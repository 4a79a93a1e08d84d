//! go: builds from go.dev/dl (`ENVM_GO_MIRROR`), pinned in `.go-version`.
//!
//! The `?mode=json&include=all` index of go.dev/dl (or `ENVM_GO_MIRROR`), with a `sha256`
//! per file. Go's Linux builds are static: no C library requirement.

use crate::fetch::releases::{
    Candidate, LockedFile, Needs, ProviderError, Release, Remote, mirror, parse_error,
};
use crate::host::Arch;
use crate::tools::Tool;
use crate::version::Version;
use serde::Deserialize;
use super::{Cache, Examples, KnownBins, PinFile, PinFormat, SpecRules, ToolDef, ToolSource};

pub(super) static DEF: ToolDef = ToolDef {
    name: "go",
    aliases: &["golang"],
    version_var: "ENVM_GO_VERSION",
    pin_files: &[PinFile {
        name: ".go-version",
        format: PinFormat::One {
            comments: false,
            key: None,
        },
    }],
    spec: SpecRules {
        version_prefix: Some("go"),
        // A minor's first release before go1.21 is published as `go1.13`, not `go1.13.0`.
        release_components: 3,
        ..SpecRules::PLAIN
    },
    examples: Examples {
        exact: "1.23.4",
        prefix: "1.23",
    },
    bin_dir: "bin",
    known_bins: KnownBins {
        exact: &["go", "gofmt"],
        prefixes: &[],
    },
    links: &[],
    caches: &[
        Cache {
            var: "GOCACHE",
            folder: "go-build",
        },
        Cache {
            var: "GOMODCACHE",
            folder: "go-mod",
        },
    ],
    overlay: None,
    adds_executables: go_install,
};

pub(super) static SOURCE: ToolSource = ToolSource::index(index_url, releases, file_url).signed(&SIGNING);

/// go.dev publishes no signatures; its checksum database is a later step.
static SIGNING: crate::fetch::signed::Signing =
    crate::fetch::signed::Signing::digests_only(|_| {
        "SHA-256 digests from go.dev's JSON release index (not yet checked against the Go \
         checksum database)"
            .to_owned()
    });

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

pub fn releases(remote: &Remote) -> Result<Vec<Release>, ProviderError> {
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
            let number = entry.version.strip_prefix("go").unwrap_or(&entry.version);
            let version = Version::parse(number).ok()?;
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
                    fallbacks: Vec::new(),
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

/// `<dl>/<file>` on the mirror configured now.
fn file_url(locked: &LockedFile) -> String {
    format!("{}/{}", base(), locked.file)
}

/// `go install` lands in the toolchain when `GOBIN` points into it.
fn go_install(name: &str, args: &[std::ffi::OsString]) -> bool {
    name == "go" && args.first().is_some_and(|a| a == "install")
}
