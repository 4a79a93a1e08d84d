//! Safe unpacking of `.tar.gz` and `.tar.xz` archives into an (empty) staging folder, reading
//! from a stream so decompression and writing overlap the download.
//!
//! The archive's top folder is stripped. Refused, before anything is written for the entry:
//! `..` components, absolute paths, symlinks and hard links whose target leaves the folder,
//! entries written through a symlink, device files and FIFOs, setuid/setgid bits. Executable
//! bits and in-tree symlinks are kept; timestamps and owners are not.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use tar::EntryType;

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
}

impl UnpackError {
    pub fn hint(&self) -> Option<String> {
        match self {
            UnpackError::Unsafe { .. } => Some(
                "envm refuses archives that could write outside their folder; nothing was installed"
                    .into(),
            ),
            UnpackError::Write { .. } => Some("check free space and permissions".into()),
            _ => None,
        }
    }
}

/// Unpacks `reader` (an archive of `kind`) into `dest`, which must exist and be empty.
pub fn unpack(reader: &mut dyn Read, kind: ArchiveKind, dest: &Path) -> Result<(), UnpackError> {
    let reader = io::BufReader::with_capacity(256 * 1024, reader);
    match kind {
        ArchiveKind::TarGz => unpack_tar(flate2::read::GzDecoder::new(reader), dest),
        ArchiveKind::TarXz => unpack_tar(liblzma::read::XzDecoder::new(reader), dest),
    }
}

fn unpack_tar(reader: impl Read, dest: &Path) -> Result<(), UnpackError> {
    let mut archive = tar::Archive::new(reader);
    let mut symlinks: HashSet<PathBuf> = HashSet::new();
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
                write_file(&mut entry, &target, mode)?;
            }
            EntryType::Symlink => {
                let link = entry
                    .link_name()
                    .map_err(UnpackError::Read)?
                    .ok_or_else(|| unsafe_entry("a symlink without a target"))?
                    .into_owned();
                if !symlink_stays_inside(&rel, &link) {
                    return Err(unsafe_entry(
                        "the symlink points outside the install folder",
                    ));
                }
                if let Some(parent) = target.parent() {
                    mkdir(parent)?;
                }
                std::os::unix::fs::symlink(&link, &target).map_err(|source| {
                    UnpackError::Write {
                        path: target.clone(),
                        source,
                    }
                })?;
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
                    .ok_or_else(|| {
                        unsafe_entry("the hard link points outside the install folder")
                    })?;
                if let Some(parent) = target.parent() {
                    mkdir(parent)?;
                }
                fs::hard_link(dest.join(inside), &target).map_err(|source| UnpackError::Write {
                    path: target.clone(),
                    source,
                })?;
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
    Ok(())
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

/// Whether a symlink at `rel` (relative to the install root) pointing at `link` resolves,
/// lexically, to a place inside the install root.
fn symlink_stays_inside(rel: &Path, link: &Path) -> bool {
    if link.is_absolute() {
        return false;
    }
    let mut depth: Vec<&std::ffi::OsStr> = rel
        .parent()
        .map(|p| {
            p.components()
                .filter_map(|c| match c {
                    Component::Normal(n) => Some(n),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    for comp in link.components() {
        match comp {
            Component::Normal(n) => depth.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

fn mkdir(path: &Path) -> Result<(), UnpackError> {
    fs::create_dir_all(path).map_err(|source| UnpackError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn write_file(entry: &mut impl Read, target: &Path, mode: u32) -> Result<(), UnpackError> {
    let err = |source| UnpackError::Write {
        path: target.to_path_buf(),
        source,
    };
    // An earlier entry of the same name (tar allows it) is replaced, never followed.
    if let Ok(meta) = fs::symlink_metadata(target)
        && !meta.is_dir()
    {
        fs::remove_file(target).map_err(err)?;
    }
    let mut file = fs::File::create(target).map_err(err)?;
    // Bad compressed data surfaces here as a read error; disk trouble as anything else.
    io::copy(entry, &mut file).map_err(|e| match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            UnpackError::Read(e)
        }
        _ => err(e),
    })?;
    let perm = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
    file.set_permissions(fs::Permissions::from_mode(perm))
        .map_err(err)?;
    Ok(())
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
        let npm = Path::new("bin/npm");
        assert!(symlink_stays_inside(npm, Path::new("../lib/npm-cli.js")));
        assert!(!symlink_stays_inside(npm, Path::new("../../etc")));
        assert!(!symlink_stays_inside(npm, Path::new("/etc/passwd")));
        assert!(symlink_stays_inside(
            Path::new("bin/python3"),
            Path::new("python3.12")
        ));
    }
}
