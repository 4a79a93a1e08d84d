//! python: CPython builds from python-build-standalone ([`catalog`]), pinned in pyenv's `.python-version`; a project's virtualenv is
//! its overlay.

pub mod catalog;
mod declared;
pub mod venv;

use std::path::{Path, PathBuf};

use super::{
    Cache, Examples, KnownBins, Overlay, PinFile, PinFormat, SpecRules, ToolDef, ToolSource,
};
use crate::layout::Layout;
use crate::project::project_file::ProjectFile;
use venv::VenvConfigError;

pub(super) static DEF: ToolDef = ToolDef {
    name: "python",
    aliases: &["python3", "cpython"],
    version_var: "ENVM_PYTHON_VERSION",
    pin_files: &[PinFile {
        name: ".python-version",
        format: PinFormat::OnePerLine,
    }],
    spec: SpecRules {
        freethreaded: true,
        ..SpecRules::PLAIN
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
    overlay: Some(Overlay {
        existing: venv::existing,
        foreign: foreign_venv,
        ensure: declared::ensure,
        bin_dir: "bin",
        env_var: "VIRTUAL_ENV",
    }),
    adds_executables: pip_runs,
};

/// `pip`, `pip3`, `pip3.12` install console scripts into the interpreter's bin folder.
fn pip_runs(name: &str, _args: &[std::ffi::OsString]) -> bool {
    name.strip_prefix("pip")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `envm trust`'s line for a virtualenv the file configures that `envm venv` did not create.
fn foreign_venv(layout: &Layout, file: &ProjectFile) -> Result<Option<String>, VenvConfigError> {
    Ok(venv::configured_in(file)?
        .filter(|venv: &PathBuf| !venv::is_created_by_envm(layout, venv))
        .map(|venv: PathBuf| {
            format!(
                "use the virtualenv {} (not created by `envm venv`): its bin/ runs as python and leads PATH",
                Path::new(&venv).display()
            )
        }))
}

pub(super) static SOURCE: ToolSource =
    ToolSource::index(catalog::catalog_source, catalog::releases, catalog::file_url).signed(&SIGNING);

/// python-build-standalone publishes no signatures: digests come from envm's catalog.
static SIGNING: crate::fetch::signed::Signing =
    crate::fetch::signed::Signing::digests_only(|_| match std::env::var(catalog::CATALOG_VAR) {
        Ok(url) if !url.trim().is_empty() => format!(
            "SHA-256 digests from the catalog at {} (your {}: your choice)",
            crate::diag::printable(url.trim()),
            catalog::CATALOG_VAR
        ),
        _ => "SHA-256 digests from envm's built-in release catalog".to_owned(),
    });
