//! python: CPython builds from python-build-standalone (the catalog in
//! `crate::fetch::provider`), pinned in pyenv's `.python-version`; a project's virtualenv is
//! its overlay.

use super::{Cache, Examples, KnownBins, PinFile, PinFormat, SpecRules, ToolDef, ToolSource};
use crate::fetch::provider::{self, SourceKind};

pub(super) static DEF: ToolDef = ToolDef {
    name: "python",
    aliases: &["python3", "cpython"],
    version_var: "ENVM_PYTHON_VERSION",
    pin_files: &[PinFile {
        name: ".python-version",
        format: PinFormat::OnePerLine,
    }],
    spec: SpecRules {
        lts: false,
        latest_aliases: &[],
        freethreaded: true,
    },
    examples: Examples {
        exact: "3.12.7",
        prefix: "3.12",
    },
    bin_dir: "bin",
    known_bins: KnownBins {
        exact: &[],
        prefixes: &["python", "pip"],
    },
    links: &[],
    caches: &[
        Cache {
            var: "PIP_CACHE_DIR",
            folder: "pip",
        },
        Cache {
            var: "UV_CACHE_DIR",
            folder: "uv",
        },
    ],
    overlay: true,
};

pub(super) static SOURCE: ToolSource = ToolSource {
    kind: SourceKind::Index {
        index_url: provider::python::catalog_source,
        releases: provider::python::releases,
    },
    host_hint: None,
};
