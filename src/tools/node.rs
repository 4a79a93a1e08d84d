//! node: builds from nodejs.org/dist (`ENVM_NODE_MIRROR`), pinned in `.nvmrc` and
//! `.node-version`; LTS lines; npm, npx and corepack ship in the same install.

use super::{Cache, Examples, KnownBins, PinFile, PinFormat, SpecRules, ToolDef, ToolSource};
use crate::fetch::provider::{self, SourceKind};
use crate::host::{Host, Libc};

pub(super) static DEF: ToolDef = ToolDef {
    name: "node",
    aliases: &["nodejs"],
    version_var: "ENVM_NODE_VERSION",
    pin_files: &[
        PinFile {
            name: ".nvmrc",
            format: PinFormat::One { comments: true },
        },
        PinFile {
            name: ".node-version",
            format: PinFormat::One { comments: false },
        },
    ],
    spec: SpecRules {
        lts: true,
        latest_aliases: &["node"],
        freethreaded: false,
        version_prefix: None,
    },
    examples: Examples {
        exact: "22.11.0",
        prefix: "22",
    },
    bin_dir: "bin",
    known_bins: KnownBins {
        exact: &["node", "npm", "npx", "corepack"],
        prefixes: &[],
    },
    links: &[],
    caches: &[
        Cache {
            var: "npm_config_cache",
            folder: "npm",
        },
        Cache {
            var: "YARN_CACHE_FOLDER",
            folder: "yarn",
        },
    ],
    overlay: None,
};

pub(super) static SOURCE: ToolSource = ToolSource {
    kind: SourceKind::Index {
        index_url: || provider::node::index_url(&Host::detect()),
        releases: provider::node::releases,
    },
    host_hint: Some(host_hint),
};

/// Where builds for hosts the official ones skip are.
fn host_hint(host: &Host) -> Option<String> {
    let unofficial = provider::node::UNOFFICIAL;
    match host.libc {
        Libc::Musl => Some(format!(
            "node's musl builds are on unofficial-builds: set ENVM_NODE_MIRROR={unofficial}"
        )),
        Libc::Glibc(..) => Some(format!(
            "official node 18+ builds need glibc 2.28: use node 16 or older, or glibc-217 builds via ENVM_NODE_MIRROR={unofficial}"
        )),
        _ => None,
    }
}
