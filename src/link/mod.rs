//! The shims folder: one link to the `envm` binary per executable that any installed toolchain
//! exports, and the index (`bin → tool`) the shim reads to know which tool a name belongs to
//! without scanning installs. The index also records each install's bin-folder stamp, so the
//! shims follow `npm i -g` and `pip install` by themselves ([`fresh`]); a name several
//! toolchains export runs the one pinned where it is typed ([`pick`]).
//!
//! Every write is atomic (a uniquely named temporary link or file, then `rename`), so a shim
//! being executed while `envm reshim` runs — even several reshims at once — always finds either
//! the old or the new entry, never a missing one.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::diag::Diagnostic;
use crate::files::write_atomically;
use crate::layout::Layout;
use crate::resolve::installed::{self, Receipt};
use crate::tools::Tool;
use crate::version::Version;

mod fresh;
mod pick;

pub use fresh::{refresh_if_stale, watches_for_new_executables};
pub use pick::tool_here;

/// Name of the index inside the shims folder (hidden, never a shim itself). One line per shim,
/// `BIN\tTOOL[,TOOL…]` (every tool exporting it, in `Tool::ALL` order), then one line per
/// tool, `@TOOL\tSTAMP\tVERSION VERSION…`: the installed versions, valid while the
/// `installs/TOOL` folder still has that modification stamp (an install or uninstall changes
/// it), so a shim need not list and parse every install; then one line per install,
/// `!TOOL\tVERSION\tSTAMP`, its bin folder's stamp when the shims were built (`npm i -g`,
/// `pip install` change it: see [`fresh`]).
pub const INDEX_FILE: &str = ".envm-index";

/// A shim folder operation that failed, naming the path.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("cannot find the envm executable to link shims to")]
    CurrentExe(#[source] io::Error),
    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Diagnostic for LinkError {
    fn hint(&self) -> Option<String> {
        match self {
            LinkError::CurrentExe(_) => Some("run envm by its full path".into()),
            LinkError::Io { .. } => {
                Some("check that envm's data folder is writable, then run `envm reshim`".into())
            }
        }
    }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> LinkError + 'a {
    move |source| LinkError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// What one reshim did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ReshimReport {
    /// Every shim name now present, sorted.
    pub shims: Vec<String>,
    /// Shims created or re-pointed by this run.
    pub written: usize,
    /// Stale shims removed (no installed toolchain exports them any more).
    pub removed: Vec<String>,
}

/// Rebuilds the shims folder from what is installed: a link to the shim binary
/// ([`crate::binaries::shim_target`]: `envm-shim` beside the running envm, else envm itself)
/// for every exported executable, stale ones removed, and the index rewritten.
pub fn reshim(layout: &Layout) -> Result<ReshimReport, LinkError> {
    let exe = crate::binaries::current().map_err(LinkError::CurrentExe)?;
    reshim_to(layout, &crate::binaries::shim_target(&exe))
}

/// [`reshim`] with the link target given (tests and benchmarks point shims at a chosen binary).
pub fn reshim_to(layout: &Layout, exe: &Path) -> Result<ReshimReport, LinkError> {
    let shims = layout.shims_dir();
    std::fs::create_dir_all(&shims).map_err(io_err("create", &shims))?;
    // One reshim at a time: each lists the installs once it holds the lock, so one that
    // started earlier (two tools installed in parallel) cannot remove the shims of an install
    // that landed after its listing.
    let lock_path = shims.join(".reshim.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err("open", &lock_path))?;
    lock.lock().map_err(io_err("lock", &lock_path))?;
    // Stamped before listing: an install landing in between leaves a stale stamp, never a
    // stale list under a fresh stamp.
    let stamps: Vec<(Tool, String)> = Tool::ALL
        .iter()
        .copied()
        .map(|tool| (tool, installs_stamp(layout, tool)))
        .collect();
    let bin_stamps = fresh::bin_dir_stamps(layout);
    let wanted = exported_bins(layout);
    let mut report = ReshimReport::default();
    for name in wanted.keys() {
        let link = shims.join(name);
        if std::fs::read_link(&link).is_ok_and(|target| target == exe) {
            continue;
        }
        let temp = temp_name(&shims, name);
        std::os::unix::fs::symlink(exe, &temp).map_err(io_err("create the shim", &temp))?;
        if let Err(source) = std::fs::rename(&temp, &link) {
            let _ = std::fs::remove_file(&temp);
            return Err(io_err("replace the shim", &link)(source));
        }
        report.written += 1;
    }
    let mut index = String::new();
    for (name, tools) in &wanted {
        let tools: Vec<&str> = tools.iter().map(|t| t.name()).collect();
        index.push_str(&format!("{name}\t{}\n", tools.join(",")));
    }
    for (tool, stamp) in stamps {
        let versions: Vec<String> = installed::versions(layout, tool)
            .iter()
            .map(|v| v.to_string())
            .collect();
        index.push_str(&format!("@{tool}\t{stamp}\t{}\n", versions.join(" ")));
    }
    index.push_str(fresh::STAMPS_MARKER);
    index.push('\n');
    for (tool, version, stamp) in bin_stamps {
        index.push_str(&format!("!{tool}\t{version}\t{stamp}\n"));
    }
    write_atomically(&shims.join(INDEX_FILE), index.as_bytes()).map_err(|e| LinkError::Io {
        action: "write",
        path: e.path,
        source: e.source,
    })?;
    let entries = std::fs::read_dir(&shims).map_err(io_err("list", &shims))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || wanted.contains_key(name) {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => report.removed.push(name.to_string()),
            // A concurrent reshim removed it first.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("remove the stale shim", &entry.path())(e)),
        }
    }
    report.shims = wanted.into_keys().collect();
    Ok(report)
}

/// Every executable name installed toolchains export, with the tools exporting it in
/// `Tool::ALL` order (a shim picks the one pinned where it runs).
pub fn exported_bins(layout: &Layout) -> BTreeMap<String, Vec<Tool>> {
    let mut bins = BTreeMap::new();
    for &tool in Tool::ALL {
        for version in installed::versions(layout, tool) {
            let dir = layout.install_dir(tool, &version);
            let from_receipt = Receipt::read(&dir).map(|r| r.bins).unwrap_or_default();
            // The bin folder is listed too: `npm i -g` adds executables no receipt names.
            for name in from_receipt
                .into_iter()
                .chain(executables_in(&tool.bin_dir(&dir)))
            {
                if is_shim_name(&name) {
                    let tools: &mut Vec<Tool> = bins.entry(name).or_default();
                    if !tools.contains(&tool) {
                        tools.push(tool);
                    }
                }
            }
        }
    }
    bins
}

/// Names that may become shims: plain file names, never envm's own.
fn is_shim_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.starts_with("envm")
        && !name.contains('/')
        && !name.contains('\t')
        && !name.contains('\n')
}

/// Executable files (or links to them) directly in `dir`.
fn executables_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| is_executable_file(&e.path()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect()
}

/// Whether `path` is (or links to) a file with an execute bit.
fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `installs/TOOL`'s modification time as `SECONDS.NANOSECONDS`, `-` when it is missing.
fn installs_stamp(layout: &Layout, tool: Tool) -> String {
    folder_stamp(&layout.tool_installs(tool))
}

/// A folder's modification time as `SECONDS.NANOSECONDS`, `-` when it is missing.
fn folder_stamp(dir: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(dir) {
        Ok(m) => format!("{}.{}", m.mtime(), m.mtime_nsec()),
        Err(_) => "-".into(),
    }
}

/// The index reshim wrote, as read by a shim (empty when there is none).
pub struct ShimIndex {
    text: String,
}

impl ShimIndex {
    pub fn read(layout: &Layout) -> ShimIndex {
        let text = std::fs::read_to_string(layout.shims_dir().join(INDEX_FILE)).unwrap_or_default();
        ShimIndex { text }
    }

    /// The tool providing the shim called `name` (the first, when several export it): from
    /// the index, else from the names each tool is known to export (a shims folder written by
    /// an older envm).
    pub fn tool_for(&self, name: &OsStr) -> Option<Tool> {
        self.tools_for(name).first().copied()
    }

    /// Every tool exporting `name`, in `Tool::ALL` order ([`Self::tool_for`]'s sources).
    pub fn tools_for(&self, name: &OsStr) -> Vec<Tool> {
        let Some(name) = name.to_str() else {
            return Vec::new();
        };
        let listed = self
            .text
            .lines()
            .find_map(|line| match line.split_once('\t') {
                Some((bin, tools)) if bin == name => {
                    Some(tools.split(',').filter_map(Tool::from_name).collect())
                }
                _ => None,
            });
        listed.unwrap_or_else(|| Tool::by_known_bin(name).into_iter().collect())
    }

    /// `tool`'s installed versions, oldest first: from the index while its stamp is current,
    /// else listed from `installs/TOOL`.
    pub fn versions(&self, layout: &Layout, tool: Tool) -> Vec<Version> {
        let prefix = format!("@{tool}\t");
        let listed = self.text.lines().find_map(|l| l.strip_prefix(&prefix));
        if let Some((stamp, versions)) = listed.and_then(|l| l.split_once('\t'))
            && stamp == installs_stamp(layout, tool)
            && let Ok(versions) = versions.split_whitespace().map(Version::parse).collect()
        {
            return versions;
        }
        installed::versions(layout, tool)
    }
}

/// The tool providing the shim called `name` (see [`ShimIndex::tool_for`]).
pub fn tool_for_bin(layout: &Layout, name: &OsStr) -> Option<Tool> {
    ShimIndex::read(layout).tool_for(name)
}

/// A temporary name beside the final one, unique across processes and threads.
fn temp_name(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut temp = OsString::from(".");
    temp.push(name.trim_start_matches('.'));
    temp.push(format!(".tmp-{}-{n}", std::process::id()));
    dir.join(temp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_names() {
        assert_eq!(Tool::by_known_bin("python3.12"), Some(Tool::Python));
        assert_eq!(Tool::by_known_bin("pip3"), Some(Tool::Python));
        assert_eq!(Tool::by_known_bin("npx"), Some(Tool::Node));
        assert_eq!(Tool::by_known_bin("gofmt"), Some(Tool::Go));
        assert_eq!(Tool::by_known_bin("ls"), None);
    }

    #[test]
    fn shim_names_exclude_envm_and_hidden() {
        assert!(is_shim_name("node"));
        assert!(!is_shim_name("envm"));
        assert!(!is_shim_name(".hidden"));
        assert!(!is_shim_name(""));
    }
}
