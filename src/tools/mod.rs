//! The tool registry: the only place tools are enumerated. Each tool is one file in this
//! folder holding its [`ToolDef`] (names, pin files, version rules, bin folder, shim names,
//! sandbox caches) and its [`ToolSource`] (where its releases come from). Generic code asks
//! `tool.def()` / `tool.source()` and never names a tool.
//!
//! `Tool` stays a 1-byte `Copy` enum; `def()` is one `match` returning a `static`, so the
//! shim's use of the registry costs no allocation and no start-up work.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::fetch::releases::{SourceKind, ToolSource};
use crate::layout::Layout;
use crate::project::project_file::ProjectFile;
use crate::version::Version;

/// Everything generic code may ask about a tool. One `static DEF` per tool file.
pub struct ToolDef {
    /// The canonical name: specs (`node@22`), envm.toml keys, `installs/<name>`.
    pub name: &'static str,
    /// Other names users write (`nodejs` in asdf's `.tool-versions`).
    pub aliases: &'static [&'static str],
    /// `ENVM_<TOOL>_VERSION`: the per-shell override of the pin.
    pub version_var: &'static str,
    /// The tool's own pin files, read after `envm.toml` and `.tool-versions`.
    pub pin_files: &'static [PinFile],
    pub spec: SpecRules,
    pub examples: Examples,
    /// The folder holding the executables, relative to the install (`""`: the top).
    pub bin_dir: &'static str,
    /// Names that get a shim before anything is installed (the tool's own programs).
    pub known_bins: KnownBins,
    /// Links the install step creates in the bin folder: (name, target).
    pub links: &'static [(&'static str, &'static str)],
    /// The tool's caches, given a private folder in a sandboxed run.
    pub caches: &'static [Cache],
    /// A per-project install that runs before the toolchain's own bin folder (a virtualenv).
    pub overlay: Option<Overlay>,
    /// Whether running the program `name` with `args` may add executables to the toolchain's
    /// own bin folder (a package manager's global install): the shim then runs it as a child
    /// and refreshes the shims when it returns.
    pub adds_executables: fn(name: &str, args: &[OsString]) -> bool,
}

/// [`ToolDef::adds_executables`] for a tool none of whose programs install into it.
pub fn adds_nothing(_name: &str, _args: &[OsString]) -> bool {
    false
}

/// A project's own install layered over the toolchain, configured in its envm.toml.
pub struct Overlay {
    /// The overlay root `project_file` configures, when it exists and may be used.
    pub existing: fn(&Layout, &Path) -> Result<Option<PathBuf>, OverlayError>,
    /// What trusting `file` would allow through the overlay (one line), if anything: an
    /// overlay envm did not create.
    pub foreign: fn(&Layout, &ProjectFile) -> Result<Option<String>, OverlayError>,
    /// Creates the overlay the project here declares when it is missing and the tool is
    /// pinned (its first use); whether it did.
    pub ensure: fn(&Layout, &Path) -> Result<bool, OverlayError>,
    /// Its executables, relative to the root.
    pub bin_dir: &'static str,
    /// The variable a program run from it gets, naming the root.
    pub env_var: &'static str,
}

/// Creates every overlay the project at `cwd` declares and lacks (see [`Overlay::ensure`]);
/// whether any was created. `ENVM_AUTO_INSTALL=0` turns this off, as it does installs.
pub fn ensure_overlays(layout: &Layout, cwd: &Path) -> Result<bool, OverlayError> {
    let mut created = false;
    for tool in Tool::ALL {
        if let Some(overlay) = &tool.def().overlay {
            created |= (overlay.ensure)(layout, cwd)?;
        }
    }
    Ok(created)
}

/// An overlay that is configured wrongly or may not be used.
pub use python::venv::VenvConfigError as OverlayError;

/// A tool's own pin file and how it is written.
pub struct PinFile {
    pub name: &'static str,
    pub format: PinFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinFormat {
    /// One version; `comments`: `#` starts a comment; `key`: a `key=value` line gives the
    /// version under that key (nvm's `node=20.9`) and lines with other keys are ignored.
    One {
        comments: bool,
        key: Option<&'static str>,
    },
    /// Several names, one per line or space-separated, `#` comments, the first that resolves
    /// wins (pyenv); a name that is not a version (a pyenv-virtualenv env) is skipped with a
    /// warning.
    OnePerLine,
}

/// Which spec forms beyond the generic ones a tool accepts.
pub struct SpecRules {
    /// `lts`, `lts/*`, `lts/<codename>`.
    pub lts: bool,
    /// Extra spellings of `latest` (nvm's `node`).
    pub latest_aliases: &'static [&'static str],
    /// The free-threaded `t` suffix (`3.13t`).
    pub freethreaded: bool,
    /// A prefix the tool writes before version numbers (`go1.22.0`).
    pub version_prefix: Option<&'static str>,
    /// Releases written with fewer numeric components are the same as their `.0` padding to
    /// this many (`go1.13` is `1.13.0`): index versions are padded, so exact specs, sorting
    /// and install folders agree whichever way a pin file writes them. 0: no padding.
    pub release_components: usize,
    /// Names of moving release lines the index tags (`master`): a spec naming one selects the
    /// release the index currently gives it, pre-release or not.
    pub channels: &'static [&'static str],
}

impl SpecRules {
    /// Only the generic forms.
    pub const PLAIN: SpecRules = SpecRules {
        lts: false,
        latest_aliases: &[],
        freethreaded: false,
        version_prefix: None,
        release_components: 0,
        channels: &[],
    };

    /// `version` as this tool names its releases (see [`SpecRules::release_components`]).
    pub fn canonical(&self, version: Version) -> Version {
        version.padded_to(self.release_components)
    }
}

/// Versions used in hints: an exact one and a prefix.
pub struct Examples {
    pub exact: &'static str,
    pub prefix: &'static str,
}

/// Shim names a tool answers to.
pub struct KnownBins {
    pub exact: &'static [&'static str],
    pub prefixes: &'static [&'static str],
}

/// A cache variable and its folder below a sandboxed run's private cache.
pub struct Cache {
    pub var: &'static str,
    pub folder: &'static str,
}

macro_rules! registry {
    (example = $ex:ident; $($variant:ident => $module:ident),+ $(,)?) => {
        $(pub mod $module;)+
        /// A toolchain envm knows how to pin, install and run.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Tool { $($variant),+ }
        impl Tool {
            /// Every tool, in listing order.
            pub const ALL: &'static [Tool] = &[$(Tool::$variant),+];
            /// The tool hints use as an example (`envm use node@22`).
            pub const EXAMPLE: Tool = Tool::$ex;
            /// The tool's facts.
            #[inline]
            pub fn def(self) -> &'static ToolDef {
                match self { $(Tool::$variant => &$module::DEF),+ }
            }
            /// Where the tool's releases come from.
            #[inline]
            pub fn source(self) -> &'static ToolSource {
                match self { $(Tool::$variant => &$module::SOURCE),+ }
            }
        }
    };
}

registry! {
    example = Node;
    Python => python,
    Node => node,
    Go => go,
    Zig => zig,
    Bun => bun,
    Deno => deno,
}

impl Tool {
    /// The canonical name used in specs (`node@22`), pin files and the data layout.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Parses a tool name or alias, ASCII case-insensitively, without allocating.
    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.iter().copied().find(|tool| {
            let def = tool.def();
            def.name.eq_ignore_ascii_case(name)
                || def.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// `ENVM_<TOOL>_VERSION`: the per-shell override of this tool's pin.
    pub fn version_var(self) -> &'static str {
        self.def().version_var
    }

    /// The tool's own pin files, read after `envm.toml` and `.tool-versions` in each directory.
    pub fn pin_files(self) -> &'static [PinFile] {
        self.def().pin_files
    }

    /// The folder holding the tool's executables inside an install.
    pub fn bin_dir(self, install_dir: &Path) -> PathBuf {
        match self.def().bin_dir {
            "" => install_dir.to_path_buf(),
            dir => install_dir.join(dir),
        }
    }

    /// The tool owning the pin file called `file_name`, and its format.
    pub fn by_pin_file(file_name: &str) -> Option<(Tool, PinFormat)> {
        Tool::ALL.iter().find_map(|&tool| {
            tool.pin_files()
                .iter()
                .find(|f| f.name == file_name)
                .map(|f| (tool, f.format))
        })
    }

    /// The tool a program name belongs to when no install exports it yet: exact names first,
    /// then prefixes (`python3.12`).
    pub fn by_known_bin(name: &str) -> Option<Tool> {
        let all = Tool::ALL.iter().copied();
        all.clone()
            .find(|t| t.def().known_bins.exact.contains(&name))
            .or_else(|| {
                all.into_iter().find(|t| {
                    t.def()
                        .known_bins
                        .prefixes
                        .iter()
                        .any(|p| name.starts_with(p))
                })
            })
    }

    /// `node@22`: a request to show in hints.
    pub fn example_request(self) -> String {
        format!("{}@{}", self.name(), self.def().examples.prefix)
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every tool's own pin file names.
pub fn pin_file_names() -> impl Iterator<Item = &'static str> {
    Tool::ALL
        .iter()
        .flat_map(|t| t.pin_files().iter().map(|f| f.name))
}

/// "python, node, go, zig, bun and deno".
pub fn names_sentence() -> String {
    let names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// A host for tests of a tool's platform mapping.
#[cfg(test)]
pub(crate) fn test_host(
    os: &'static str,
    arch: crate::host::Arch,
    libc: crate::host::Libc,
) -> crate::host::Host {
    crate::host::Host { os, arch, libc }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_round_trip_and_aliases() {
        for &tool in Tool::ALL {
            assert_eq!(Tool::from_name(tool.name()), Some(tool));
            for alias in tool.def().aliases {
                assert_eq!(Tool::from_name(alias), Some(tool));
            }
        }
        assert_eq!(Tool::from_name("NodeJS"), Some(Tool::EXAMPLE));
        assert_eq!(Tool::from_name("ruby"), None);
    }

    #[test]
    fn registry_facts_are_unique_and_consistent() {
        let mut names = HashSet::new();
        let mut files = HashSet::new();
        let mut bins = HashSet::new();
        let mut caches = HashSet::new();
        for &tool in Tool::ALL {
            let def = tool.def();
            for name in std::iter::once(&def.name).chain(def.aliases) {
                assert!(names.insert(name.to_ascii_lowercase()), "{name} twice");
            }
            for file in def.pin_files {
                assert!(files.insert(file.name), "{} twice", file.name);
                assert_eq!(Tool::by_pin_file(file.name).map(|t| t.0), Some(tool));
            }
            for bin in def.known_bins.exact {
                assert!(bins.insert(*bin), "{bin} twice");
                assert_eq!(Tool::by_known_bin(bin), Some(tool));
            }
            for cache in def.caches {
                assert!(caches.insert(cache.var), "{} twice", cache.var);
            }
            assert_eq!(
                def.version_var,
                format!("ENVM_{}_VERSION", def.name.to_ascii_uppercase())
            );
        }
        assert!(
            names_sentence().ends_with(&format!(" and {}", Tool::ALL[Tool::ALL.len() - 1].name()))
        );
    }
}
