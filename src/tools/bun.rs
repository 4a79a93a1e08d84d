//! bun: the `bun` package on the npm registry (`ENVM_NPM_REGISTRY`) lists the versions; the
//! binary comes from the platform package (`@oven/bun-linux-x64`…) at `package/bin/bun`, and
//! `bunx` is a link to it.

use super::{Cache, Examples, KnownBins, SpecRules, ToolDef, ToolSource};
use crate::fetch::npm::NpmTool;
use crate::fetch::releases::SourceKind;

pub(super) static DEF: ToolDef = ToolDef {
    name: "bun",
    aliases: &[],
    version_var: "ENVM_BUN_VERSION",
    pin_files: &[],
    spec: SpecRules {
        lts: false,
        latest_aliases: &[],
        freethreaded: false,
        version_prefix: None,
    },
    examples: Examples {
        exact: "1.2.23",
        prefix: "1.2",
    },
    bin_dir: "bin",
    known_bins: KnownBins {
        exact: &["bun", "bunx"],
        prefixes: &[],
    },
    links: &[("bunx", "bun")],
    caches: &[Cache {
        var: "BUN_INSTALL_CACHE_DIR",
        folder: "bun",
    }],
    overlay: None,
};

pub(super) static SOURCE: ToolSource = ToolSource {
    kind: SourceKind::Npm(NpmTool::Bun),
    host_hint: None,
};
