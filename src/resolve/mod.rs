//! Resolution: which installed toolchain a pin selects.
//!
//! For each spec of a pin, in order (asdf-style fallbacks), the newest installed version that
//! matches wins; `system` and `path:` specs are taken as they are — a `path:` spec from a pin
//! file only once that file is trusted (`envm trust FILE`), since it runs code the file chose
//! (pins from `ENVM_<TOOL>_VERSION`, the command line or the global config are the user's own). Specs that need upstream
//! facts (node's `lts/…`) are matched against what installs recorded in their receipts; when
//! nothing recorded those facts the pin is reported unresolved rather than guessed.

use std::path::PathBuf;

pub mod installed;
use crate::layout::Layout;
use crate::project::trust;
use crate::project::{Pin, PinSource};
use crate::tools::Tool;
use crate::version::Version;
use crate::version::spec::{Spec, SpecKind};

/// What a pin resolves to here.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// An installed version; `dir` is its install folder.
    Installed {
        spec: Spec,
        version: Version,
        dir: PathBuf,
    },
    /// `path:` — a toolchain unpacked by the user at `dir`.
    Path { spec: Spec, dir: PathBuf },
    /// `path:` in a pin file the user has not trusted: it would run code the file chose.
    Untrusted { spec: Spec, file: PathBuf },
    /// `system` — the next executable on PATH after envm's shims.
    System { spec: Spec },
    /// Nothing installed matches; installing `spec` would fix it.
    NotInstalled { spec: Spec },
    /// The spec needs upstream facts envm has not recorded yet.
    Unresolved { spec: Spec, reason: String },
}

impl Resolution {
    /// The resolved version as shown to users (`null` in JSON when there is none).
    pub fn version_label(&self) -> Option<String> {
        match self {
            Resolution::Installed { version, .. } => Some(version.to_string()),
            Resolution::Path { dir, .. } => Some(format!("path:{}", dir.display())),
            Resolution::System { .. } => Some("system".into()),
            _ => None,
        }
    }

    /// True when something runnable was found.
    pub fn is_available(&self) -> bool {
        matches!(
            self,
            Resolution::Installed { .. } | Resolution::Path { .. } | Resolution::System { .. }
        )
    }
}

/// Resolves `pin` against what is installed under `layout`.
pub fn resolve(layout: &Layout, pin: &Pin) -> Resolution {
    let installed = installed::versions(layout, pin.tool);
    resolve_among(layout, pin, &installed)
}

/// Resolves `pin` against an already-listed set of installed versions.
pub fn resolve_among(layout: &Layout, pin: &Pin, installed: &[Version]) -> Resolution {
    let mut unresolved = None;
    for spec in &pin.specs {
        match spec.kind() {
            SpecKind::System => return Resolution::System { spec: spec.clone() },
            SpecKind::Path(path) => {
                if let PinSource::File(file) = &pin.source
                    && !trust::is_trusted(layout, file).unwrap_or(false)
                {
                    return Resolution::Untrusted {
                        spec: spec.clone(),
                        file: file.clone(),
                    };
                }
                let dir = match pin.source.project_dir() {
                    Some(base) if path.is_relative() => base.join(path),
                    _ => path.clone(),
                };
                if dir.is_dir() {
                    return Resolution::Path {
                        spec: spec.clone(),
                        dir,
                    };
                }
                unresolved.get_or_insert(Resolution::Unresolved {
                    spec: spec.clone(),
                    reason: format!("the folder {} does not exist", dir.display()),
                });
            }
            SpecKind::Lts(_) | SpecKind::Channel(_) => {
                let lines: Vec<(&Version, Option<String>)> = installed
                    .iter()
                    .map(|v| (v, installed::lts_line(layout, pin.tool, v)))
                    .collect();
                let best = lines
                    .iter()
                    .filter(|(v, line)| spec.matches(v, line.as_deref()))
                    .map(|(v, _)| *v)
                    .max();
                if let Some(version) = best {
                    return installed_resolution(layout, pin.tool, spec, version);
                }
                unresolved.get_or_insert(Resolution::Unresolved {
                    spec: spec.clone(),
                    reason: format!(
                        "no installed {} release is recorded as part of that line",
                        pin.tool
                    ),
                });
            }
            _ => {
                if let Some(version) = spec.best_match(installed) {
                    return installed_resolution(layout, pin.tool, spec, version);
                }
            }
        }
    }
    // Pins hold at least one spec (every parser guarantees it); an empty one resolves to
    // nothing rather than panicking.
    let Some(first) = pin.specs.first() else {
        return Resolution::Unresolved {
            spec: Spec::parse(pin.tool, "latest").unwrap_or_else(|e| unreachable!("{e}")),
            reason: "the pin lists no version".into(),
        };
    };
    match (first.kind(), unresolved) {
        (SpecKind::Lts(_) | SpecKind::Channel(_) | SpecKind::Path(_), Some(unresolved)) => {
            unresolved
        }
        _ => Resolution::NotInstalled {
            spec: first.clone(),
        },
    }
}

fn installed_resolution(layout: &Layout, tool: Tool, spec: &Spec, version: &Version) -> Resolution {
    Resolution::Installed {
        spec: spec.clone(),
        version: version.clone(),
        dir: layout.install_dir(tool, version),
    }
}
