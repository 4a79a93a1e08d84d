//! Safe unpacking of `.tar.gz` and `.tar.xz` archives into an (empty) staging folder, reading
//! from a stream so decompression and writing overlap the download (and each other: see
//! [`unpack`]).
//!
//! The archive's top folder is stripped. Refused, before anything is written for the entry:
//! `..` components, absolute paths, symlinks and hard links whose target leaves the folder,
//! entries written through a symlink, device files and FIFOs, setuid/setgid bits. Executable
//! bits and in-tree symlinks are kept; timestamps and owners are not.
//!
//! A symlink's target is resolved against what is already unpacked: the links written
//! before it are followed, component by component (so `s -> .` then `l -> s/..` is seen to
//! leave the folder), and once everything is written every link is resolved again against
//! the finished tree, since a later entry can change what an earlier target means.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use std::sync::mpsc::SyncSender;

use tar::EntryType;

use crate::fetch::http::{CHUNK, ChannelReader, IN_FLIGHT};

use crate::diag::Diagnostic;

/// Archive formats envm unpacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    TarGz,
    TarXz,
}

impl ArchiveKind {
    /// From a file name's extension.
    pub fn from_name(name: &str) -> Option<ArchiveKind> {
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(ArchiveKind::TarGz)
        } else if name.ends_with(".tar.xz") || name.ends_with(".txz") {
            Some(ArchiveKind::TarXz)
        } else {
            None
        }
    }
}

/// An archive that cannot be unpacked, or must not be.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("unsafe archive entry `{entry}`: {reason}")]
    Unsafe { entry: String, reason: &'static str },
    #[error("cannot read the archive: {0}")]
    Read(#[source] io::Error),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{0}` is not a .tar.gz or .tar.xz archive")]
    Format(String),
    #[error("the archive is empty")]
    Empty,
    #[error("disk full at {}", path.display())]
    DiskFull { path: PathBuf },
}

impl Diagnostic for UnpackError {
    fn hint(&self) -> Option<String> {
        match self {
            UnpackError::Unsafe { .. } => Some(
                "envm refuses archives that could write outside their folder; nothing was installed"
                    .into(),
            ),
            UnpackError::Write { .. } => Some("check free space and permissions".into()),
            UnpackError::DiskFull { .. } => Some(crate::fetch::http::DISK_FULL_HINT.into()),
            _ => None,
        }
    }
}

/// Unpacks `reader` (an archive of `kind`) into `dest`, which must exist and be empty.
///
/// Decompression runs on this thread and the tar entries are written on another, fed through
/// a bounded channel: inflating and the kernel's file writes overlap (python's 94 MB tree:
/// about a third of the unpacking time is spent writing files).
pub fn unpack(reader: &mut dyn Read, kind: ArchiveKind, dest: &Path) -> Result<(), UnpackError> {
    let reader = io::BufReader::with_capacity(256 * 1024, reader);
    let decoder: Box<dyn Read + '_> = match kind {
        ArchiveKind::TarGz => Box::new(flate2::read::GzDecoder::new(reader)),
        ArchiveKind::TarXz => Box::new(liblzma::read::XzDecoder::new(reader)),
    };
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || unpack_tar(ChannelReader::new(rx), dest));
        let inflated = forward(decoder, &tx);
        drop(tx);
        let written = writer.join().unwrap_or_else(|_| {
            Err(UnpackError::Read(io::Error::other(
                "the unpacking thread panicked",
            )))
        });
        match inflated {
            // A damaged stream explains whatever the writer saw after it.
            Err(e) => Err(UnpackError::Read(e)),
            Ok(()) => written,
        }
    })
}

/// Sends `decoder`'s output in chunks until it ends or the writer stops listening (it
/// refused the archive: its error is the one reported).
fn forward(mut decoder: impl Read, tx: &SyncSender<Vec<u8>>) -> io::Result<()> {
    loop {
        let mut chunk = vec![0u8; CHUNK];
        let filled = fill(&mut decoder, &mut chunk)?;
        if filled == 0 {
            return Ok(());
        }
        chunk.truncate(filled);
        if tx.send(chunk).is_err() {
            return Ok(());
        }
    }
}

fn unpack_tar(reader: impl Read, dest: &Path) -> Result<(), UnpackError> {
    let mut archive = tar::Archive::new(reader);
    let mut symlinks: HashSet<PathBuf> = HashSet::new();
    let mut buf = vec![0u8; WRITE_CHUNK];
    let mut written = 0usize;
    for entry in archive.entries().map_err(UnpackError::Read)? {
        let mut entry = entry.map_err(UnpackError::Read)?;
        let raw = entry.path().map_err(UnpackError::Read)?.into_owned();
        let name = raw.display().to_string();
        let unsafe_entry = |reason| UnpackError::Unsafe {
            entry: name.clone(),
            reason,
        };
        let Some(rel) = strip_top(&raw).map_err(unsafe_entry)? else {
            continue;
        };
        if rel.ancestors().skip(1).any(|a| symlinks.contains(a)) {
            return Err(unsafe_entry("it would be written through a symlink"));
        }
        let header = entry.header();
        let mode = header.mode().map_err(UnpackError::Read)?;
        if mode & 0o6000 != 0 {
            return Err(unsafe_entry("it has the setuid or setgid bit"));
        }
        let target = dest.join(&rel);
        let kind = header.entry_type();
        match kind {
            EntryType::Directory => mkdir(&target)?,
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                if let Some(parent) = target.parent() {
                    mkdir(parent)?;
                }
                write_file(&mut entry, &target, mode, &mut buf)?;
            }
            EntryType::Symlink => {
                let link = entry
                    .link_name()
                    .map_err(UnpackError::Read)?
                    .ok_or_else(|| unsafe_entry("a symlink without a target"))?
                    .into_owned();
                if resolve_inside(dest, &rel, &link).is_err() {
                    return Err(unsafe_entry(
                        "the symlink points outside the install folder",
                    ));
                }
                if let Some(parent) = target.parent() {
                    mkdir(parent)?;
                }
                std::os::unix::fs::symlink(&link, &target)
                    .map_err(|source| write_error(&target, source))?;
                symlinks.insert(rel.clone());
            }
            EntryType::Link => {
                let link = entry
                    .link_name()
                    .map_err(UnpackError::Read)?
                    .ok_or_else(|| unsafe_entry("a hard link without a target"))?
                    .into_owned();
                let inside = strip_top(&link)
                    .ok()
                    .flatten()
                    .filter(|l| !l.ancestors().any(|a| symlinks.contains(a)))
                    .filter(|l| is_plain_file_inside(dest, l))
                    .ok_or_else(|| {
                        unsafe_entry("the hard link points outside the install folder")
                    })?;
                if let Some(parent) = target.parent() {
                    mkdir(parent)?;
                }
                fs::hard_link(dest.join(inside), &target)
                    .map_err(|source| write_error(&target, source))?;
            }
            EntryType::XGlobalHeader
            | EntryType::XHeader
            | EntryType::GNULongName
            | EntryType::GNULongLink => continue,
            EntryType::Char | EntryType::Block => {
                return Err(unsafe_entry("device files are not allowed"));
            }
            EntryType::Fifo => return Err(unsafe_entry("FIFOs are not allowed")),
            _ => return Err(unsafe_entry("unknown entry type")),
        }
        written += 1;
    }
    if written == 0 {
        return Err(UnpackError::Empty);
    }
    // Every link again, against the finished tree.
    for rel in &symlinks {
        let Ok(link) = fs::read_link(dest.join(rel)) else {
            continue; // replaced by a later entry
        };
        if resolve_inside(dest, rel, &link).is_err() {
            return Err(UnpackError::Unsafe {
                entry: rel.display().to_string(),
                reason: "the symlink points outside the install folder",
            });
        }
    }
    Ok(())
}

/// Most links followed while resolving one target (the kernel's own limit).
const MAX_LINK_HOPS: usize = 40;

/// Why a link target was refused.
#[derive(Debug, PartialEq, Eq)]
enum Outside {
    /// It leaves `root` (or is absolute).
    Escapes,
    /// More than [`MAX_LINK_HOPS`] links.
    TooManyLinks,
}

/// Resolves a symlink at `rel` (relative to `root`) pointing at `link`, following the links
/// already written under `root` component by component, and returns where it lands relative
/// to `root`. Components that do not exist yet are taken as written.
fn resolve_inside(root: &Path, rel: &Path, link: &Path) -> Result<PathBuf, Outside> {
    let mut at: Vec<std::ffi::OsString> = rel
        .parent()
        .map(|p| p.iter().map(|c| c.to_os_string()).collect())
        .unwrap_or_default();
    let mut hops = 0;
    walk(root, &mut at, link, &mut hops)?;
    Ok(at.iter().collect())
}

fn walk(
    root: &Path,
    at: &mut Vec<std::ffi::OsString>,
    target: &Path,
    hops: &mut usize,
) -> Result<(), Outside> {
    for comp in target.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                at.pop().ok_or(Outside::Escapes)?;
            }
            Component::RootDir | Component::Prefix(_) => return Err(Outside::Escapes),
            Component::Normal(name) => {
                at.push(name.to_os_string());
                let here: PathBuf = at.iter().collect();
                if let Ok(next) = fs::read_link(root.join(&here)) {
                    *hops += 1;
                    if *hops > MAX_LINK_HOPS {
                        return Err(Outside::TooManyLinks);
                    }
                    at.pop();
                    walk(root, at, &next, hops)?;
                }
            }
        }
    }
    Ok(())
}

/// Whether `rel` is, on disk under `root`, a regular file reached through real folders only.
fn is_plain_file_inside(root: &Path, rel: &Path) -> bool {
    let mut here = root.to_path_buf();
    let count = rel.components().count();
    for (i, comp) in rel.components().enumerate() {
        here.push(comp);
        let Ok(meta) = fs::symlink_metadata(&here) else {
            return false;
        };
        let last = i + 1 == count;
        if (last && !meta.is_file()) || (!last && !meta.is_dir()) {
            return false;
        }
    }
    true
}

/// A write failure: a full disk is said as such.
pub(crate) fn write_error(path: &Path, source: io::Error) -> UnpackError {
    if crate::fetch::http::is_disk_full(&source) {
        UnpackError::DiskFull {
            path: path.to_path_buf(),
        }
    } else {
        UnpackError::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The entry's path below the archive's top folder; `None` for the top folder itself.
fn strip_top(path: &Path) -> Result<Option<PathBuf>, &'static str> {
    let mut out = PathBuf::new();
    let mut seen_top = false;
    for comp in path.components() {
        match comp {
            Component::Normal(part) if seen_top => out.push(part),
            Component::Normal(_) => seen_top = true,
            Component::CurDir => {}
            Component::ParentDir => return Err("the path contains `..`"),
            Component::RootDir | Component::Prefix(_) => return Err("the path is absolute"),
        }
    }
    if !seen_top {
        return Err("the path is empty");
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

fn mkdir(path: &Path) -> Result<(), UnpackError> {
    fs::create_dir_all(path).map_err(|source| write_error(path, source))
}

/// Bytes per `write` when unpacking a file: large writes cost fewer syscalls (std's
/// `io::copy` writes 8 KiB at a time: 13,000 writes for a 94 MB python tree, 1,500 with this).
const WRITE_CHUNK: usize = 256 * 1024;

fn write_file(
    entry: &mut impl Read,
    target: &Path,
    mode: u32,
    buf: &mut [u8],
) -> Result<(), UnpackError> {
    let err = |source| write_error(target, source);
    // An earlier entry of the same name (tar allows it) is replaced, never followed.
    if let Ok(meta) = fs::symlink_metadata(target)
        && !meta.is_dir()
    {
        fs::remove_file(target).map_err(err)?;
    }
    let mut file = fs::File::create(target).map_err(err)?;
    // Bad compressed data surfaces here as a read error; disk trouble as anything else.
    let read_error = |e: io::Error| match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            UnpackError::Read(e)
        }
        _ => err(e),
    };
    loop {
        let filled = fill(entry, buf).map_err(read_error)?;
        if filled == 0 {
            break;
        }
        file.write_all(&buf[..filled]).map_err(err)?;
        if filled < buf.len() {
            break;
        }
    }
    let perm = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
    file.set_permissions(fs::Permissions::from_mode(perm))
        .map_err(err)?;
    Ok(())
}

/// Reads into `buf` until it is full or the stream ends; how much was read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_refuses() {
        assert_eq!(strip_top(Path::new("top")), Ok(None));
        assert_eq!(
            strip_top(Path::new("top/bin/node")),
            Ok(Some(PathBuf::from("bin/node")))
        );
        assert!(strip_top(Path::new("top/../x")).is_err());
        assert!(strip_top(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn symlink_targets() {
        let root = tempfile::tempdir().unwrap();
        let inside = |rel: &str, link: &str| {
            resolve_inside(root.path(), Path::new(rel), Path::new(link)).is_ok()
        };
        assert!(inside("bin/npm", "../lib/npm-cli.js"));
        assert!(!inside("bin/npm", "../../etc"));
        assert!(!inside("bin/npm", "/etc/passwd"));
        assert!(inside("bin/python3", "python3.12"));
    }

    #[test]
    fn hard_link_targets_are_plain_files_through_real_folders() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs::create_dir(r.join("lib")).unwrap();
        fs::write(r.join("lib/real"), "x").unwrap();
        std::os::unix::fs::symlink("lib", r.join("via")).unwrap();
        std::os::unix::fs::symlink("real", r.join("lib/link")).unwrap();
        assert!(is_plain_file_inside(r, Path::new("lib/real")));
        assert!(!is_plain_file_inside(r, Path::new("via/real")));
        assert!(!is_plain_file_inside(r, Path::new("lib/link")));
        assert!(!is_plain_file_inside(r, Path::new("lib")));
        assert!(!is_plain_file_inside(r, Path::new("lib/missing")));
    }

    #[test]
    fn symlink_chains_are_followed() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::os::unix::fs::symlink(".", r.join("s")).unwrap();
        // Lexically `s/..` is the root; on disk it is the root's parent.
        assert_eq!(
            resolve_inside(r, Path::new("l1"), Path::new("s/..")),
            Err(Outside::Escapes)
        );
        std::os::unix::fs::symlink("loop", r.join("loop")).unwrap();
        assert_eq!(
            resolve_inside(r, Path::new("x"), Path::new("loop/a")),
            Err(Outside::TooManyLinks)
        );
        fs::create_dir(r.join("d")).unwrap();
        std::os::unix::fs::symlink("..", r.join("d/up")).unwrap();
        assert_eq!(
            resolve_inside(r, Path::new("d/x"), Path::new("up/d")),
            Ok(PathBuf::from("d"))
        );
    }
}
