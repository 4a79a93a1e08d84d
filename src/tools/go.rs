//! go: builds from go.dev/dl (`ENVM_GO_MIRROR`), pinned in `.go-version`.

use super::{Cache, Examples, KnownBins, PinFile, PinFormat, SpecRules, ToolDef, ToolSource};
use crate::fetch::provider::{self, SourceKind};

pub(super) static DEF: ToolDef = ToolDef {
    name: "go",
    aliases: &["golang"],
    version_var: "ENVM_GO_VERSION",
    pin_files: &[PinFile {
        name: ".go-version",
        format: PinFormat::One { comments: false },
    }],
    spec: SpecRules {
        lts: false,
        latest_aliases: &[],
        freethreaded: false,
        version_prefix: Some("go"),
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
};

pub(super) static SOURCE: ToolSource = ToolSource {
    kind: SourceKind::Index {
        index_url: provider::go::index_url,
        releases: provider::go::releases,
    },
    host_hint: None,
};
