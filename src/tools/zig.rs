//! zig: builds from ziglang.org/download (`ENVM_ZIG_MIRROR`); the binary sits at the top of
//! the install.

use super::{Cache, Examples, KnownBins, SpecRules, ToolDef, ToolSource};
use crate::fetch::provider::{self, SourceKind};

pub(super) static DEF: ToolDef = ToolDef {
    name: "zig",
    aliases: &[],
    version_var: "ENVM_ZIG_VERSION",
    pin_files: &[],
    spec: SpecRules {
        lts: false,
        latest_aliases: &[],
        freethreaded: false,
        version_prefix: None,
    },
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
};

pub(super) static SOURCE: ToolSource = ToolSource {
    kind: SourceKind::Index {
        index_url: provider::zig::index_url,
        releases: provider::zig::releases,
    },
    host_hint: None,
};
