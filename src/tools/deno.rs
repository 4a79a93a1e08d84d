//! deno: the `deno` package on the npm registry (`ENVM_NPM_REGISTRY`) lists the versions; the
//! binary comes from the platform package (`@deno/linux-x64-glibc`…) at `package/deno`.

use super::{Cache, Examples, KnownBins, SpecRules, ToolDef, ToolSource};
use crate::fetch::npm::NpmTool;
use crate::fetch::releases::SourceKind;

pub(super) static DEF: ToolDef = ToolDef {
    name: "deno",
    aliases: &[],
    version_var: "ENVM_DENO_VERSION",
    pin_files: &[],
    spec: SpecRules {
        lts: false,
        latest_aliases: &[],
        freethreaded: false,
        version_prefix: None,
    },
    examples: Examples {
        exact: "2.1.4",
        prefix: "2.1",
    },
    bin_dir: "",
    known_bins: KnownBins {
        exact: &["deno"],
        prefixes: &[],
    },
    links: &[],
    caches: &[Cache {
        var: "DENO_DIR",
        folder: "deno",
    }],
    overlay: None,
};

pub(super) static SOURCE: ToolSource = ToolSource {
    kind: SourceKind::Npm(NpmTool::Deno),
    host_hint: None,
};
