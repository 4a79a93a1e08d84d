//! The mount layer, applied in the sandbox's own mount namespace: read-only bind mounts over
//! what a later run *outside* the sandbox executes or trusts when it lies inside a writable
//! root (`.git` and its `gitdir:` target, `envm.toml` and every pin file, envm's data and
//! config folders), a private `/tmp`, a fresh tmpfs on `/dev/shm`, and a fresh `/proc` for
//! the PID namespace.
//!
//! [`prepare`] decides everything before the fork (it allocates, follows no symlink in a
//! protected path, and records each path's device and inode); [`apply`] and [`mount_proc`] run
//! in the child and do not allocate. The child reopens each path with `O_PATH|O_NOFOLLOW` and
//! mounts only if it is still the inode the parent saw, so a path swapped for a symlink in
//! between fails the run instead of redirecting a mount. Mounts are made with the new mount
//! API (`open_tree` clone, `mount_setattr`, `move_mount` onto that very fd).
//!
//! Roots the run needs that live under `/tmp` (a project in `/tmp`, a test's `ENVM_HOME`) are
//! bound back into the private folder at the same path, inside folders the sandbox may
//! traverse but not list.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::SandboxError;
use super::mount_api::mount_tmpfs;
use super::mount_api::{
    MOUNT_ATTR_NODEV, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY, Node, bind, make_private,
};
pub use super::mount_api::{READ_ACCESS, allow_beneath, mount_proc};
use super::namespaces::StepError;
use crate::layout::Layout;
use crate::project::PROJECT_FILES;

/// Every mount the child makes, in order.
#[derive(Debug, Default)]
pub struct MountPlan {
    /// Read-only bind mounts over themselves, deepest first.
    read_only: Vec<Node>,
    /// (root, its mount point inside a private folder, mount attributes): roots kept
    /// visible there, outer ones first.
    kept: Vec<(Node, Node, u64)>,
    /// (private folder, the system folder it replaces): `/tmp`.
    private: Vec<(Node, Node)>,
    /// Whether /tmp is replaced by a fresh tmpfs instead.
    fresh_tmp: bool,
    /// Whether /dev/shm exists, to be replaced by a fresh tmpfs.
    shm: bool,
    /// Landlock's full rights on this kernel, for the rule on the fresh /dev/shm.
    full_access: u64,
    /// Folders made mode 0111 in the private folders, opened again on drop so they can be
    /// deleted.
    closed: Vec<PathBuf>,
}

impl Drop for MountPlan {
    fn drop(&mut self) {
        for dir in &self.closed {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
}

/// What [`prepare`] needs from `run_sandboxed`.
pub struct Request<'a> {
    pub layout: &'a Layout,
    /// Every writable root (their protected files become read-only).
    pub writable: Vec<PathBuf>,
    /// The paths the run reads (project, toolchains, the program, `--allow-read` paths): kept
    /// visible, with the writable roots, if they lie under `/tmp` (none may lie in `/dev/shm`).
    pub visible: Vec<PathBuf>,
    /// The host folder that replaces `/tmp` (canonical); `None`: a fresh tmpfs does.
    pub tmp: Option<&'a Path>,
}

fn c_path(path: &Path) -> Result<CString, SandboxError> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| SandboxError::BadPath {
        path: path.to_path_buf(),
        source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
    })
}

/// A node for `path` as it is now, without following a final symlink.
fn node(path: &Path) -> Result<Node, SandboxError> {
    let meta = std::fs::symlink_metadata(path).map_err(|source| SandboxError::BadPath {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Node {
        path: c_path(path)?,
        id: Some((meta.dev(), meta.ino())),
    })
}

fn system_node(path: &str) -> Result<Node, SandboxError> {
    Ok(Node {
        path: c_path(Path::new(path))?,
        id: None,
    })
}

/// The file names a later run outside reads from a project folder: envm's and the tools' pin
/// files, and git's folder.
fn protected_names() -> impl Iterator<Item = &'static str> {
    PROJECT_FILES
        .iter()
        .copied()
        .chain(crate::tools::pin_file_names())
        .chain([".git"])
}

/// The git folders a `.git` *file* (worktree, submodule) leads to: its `gitdir:` and that
/// folder's `commondir`, where hooks and config live.
fn git_file_targets(git_file: &Path) -> Vec<PathBuf> {
    let read_line = |file: &Path, prefix: &str| -> Option<PathBuf> {
        let text = std::fs::read_to_string(file).ok()?;
        let line = text.lines().next()?.trim();
        let rest = line.strip_prefix(prefix).unwrap_or(line).trim();
        (!rest.is_empty()).then(|| file.parent().unwrap_or(Path::new("/")).join(rest))
    };
    let Some(gitdir) = read_line(git_file, "gitdir:") else {
        return Vec::new();
    };
    let common = read_line(&gitdir.join("commondir"), "");
    [Some(gitdir), common].into_iter().flatten().collect()
}

/// The paths to make read-only: each protected name in each writable root (a symlink itself
/// and, when it lands inside a writable root, its target), the targets of a `.git` file, and
/// envm's data and config folders when a writable root holds them. Canonical writable roots.
pub fn protected_paths(writable: &[PathBuf], layout: &Layout) -> Vec<PathBuf> {
    let inside = |p: &Path| writable.iter().any(|w| p.starts_with(w));
    let mut out = Vec::new();
    let add_target = |out: &mut Vec<PathBuf>, p: &Path| {
        if let Ok(target) = p.canonicalize()
            && inside(&target)
        {
            out.push(target);
        }
    };
    for root in writable {
        for name in protected_names() {
            let path = root.join(name);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            out.push(path.clone());
            if meta.file_type().is_symlink() {
                add_target(&mut out, &path);
            } else if name == ".git" && meta.is_file() {
                for target in git_file_targets(&path) {
                    add_target(&mut out, &target);
                }
            }
        }
    }
    for own in [&layout.data, &layout.config] {
        // Made now if missing, so the run cannot make it (with planted shims) instead.
        if !own.exists() && landing(own).is_some_and(|p| inside(&p)) {
            let _ = std::fs::create_dir_all(own);
        }
        add_target(&mut out, own);
    }
    out.sort();
    out.dedup();
    out
}

/// Where the missing `path` would be: its nearest existing ancestor in canonical form, plus
/// the rest.
fn landing(path: &Path) -> Option<PathBuf> {
    let existing = path.ancestors().find(|a| a.exists())?;
    let rest = path.strip_prefix(existing).ok()?;
    Some(existing.canonicalize().ok()?.join(rest))
}

/// For the system folder `replaced` (its canonical path) and its private stand-in `private`:
/// the visible roots under it, each with its mount point at the same place in `private` and
/// its mount attributes. Landlock grants what the private folder grants to everything below
/// it, so a root the run may not write is bound read-only. A root inside another one is
/// carried by that one's recursive bind, unless it is writable inside a read-only one: then
/// it is bound again, onto itself inside the first bind (same inode, checked). Folders made
/// on the way are recorded in `closed` (mode 0111 once all are made: the sandbox may enter
/// them, not list them).
fn keep_under(
    replaced: &Path,
    private: &Path,
    visible: &[PathBuf],
    writable: &[PathBuf],
    closed: &mut Vec<PathBuf>,
) -> Result<Vec<(Node, Node, u64)>, SandboxError> {
    let mut under: Vec<PathBuf> = visible
        .iter()
        .filter(|p| p.starts_with(replaced) && *p != replaced)
        .cloned()
        .collect();
    under.sort();
    under.dedup();
    let is_writable = |p: &Path| writable.iter().any(|w| p.starts_with(w));
    let mut kept: Vec<(PathBuf, bool)> = Vec::new();
    let mut out = Vec::new();
    for root in under {
        let writes = is_writable(&root);
        let carrier = kept.iter().rev().find(|(k, _)| root.starts_with(k));
        if carrier.is_some_and(|(_, carrier_writes)| *carrier_writes || !writes) {
            continue;
        }
        let (Ok(rel), Ok(meta)) = (
            root.strip_prefix(replaced),
            std::fs::symlink_metadata(&root),
        ) else {
            continue;
        };
        let point = private.join(rel);
        let source = node(&root)?;
        let target = if carrier.is_some() {
            // Inside the carrier's bind, the mount point is this very root.
            Node {
                path: c_path(&point)?,
                id: source.id,
            }
        } else {
            make_mount_point(private, rel, meta.is_dir(), closed)?;
            node(&point)?
        };
        let attrs = if writes {
            0
        } else {
            MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV
        };
        out.push((source, target, attrs));
        kept.push((root, writes));
    }
    Ok(out)
}

/// Makes `private/rel` (a folder or an empty file) and the folders leading to it, recording
/// those in `closed`.
fn make_mount_point(
    private: &Path,
    rel: &Path,
    dir: bool,
    closed: &mut Vec<PathBuf>,
) -> Result<(), SandboxError> {
    let point = private.join(rel);
    let made = |e: std::io::Error| SandboxError::Io {
        what: format!("cannot prepare {} in the private temp dir", point.display()),
        source: e,
    };
    for dir in rel.parent().into_iter().flat_map(Path::ancestors) {
        let dir = private.join(dir);
        if dir != private && !closed.contains(&dir) {
            closed.push(dir);
        }
    }
    if let Some(parent) = point.parent() {
        std::fs::create_dir_all(parent).map_err(made)?;
    }
    if dir {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&point)
            .map_err(made)
    } else {
        std::fs::File::create(&point).map(drop).map_err(made)
    }
}

/// `paths` that are absolute and not symlinks now. Each was resolved without following
/// symlinks by `roots`; one swapped for a symlink since (inside a writable tree) is left out,
/// never followed: following it could keep a folder outside visible, and writable.
fn real_paths<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> Vec<PathBuf> {
    paths
        .filter(|p| {
            p.is_absolute()
                && std::fs::symlink_metadata(p).is_ok_and(|m| !m.file_type().is_symlink())
        })
        .cloned()
        .collect()
}

fn tmp_root() -> Result<PathBuf, SandboxError> {
    Path::new("/tmp")
        .canonicalize()
        .map_err(|source| SandboxError::BadPath {
            path: PathBuf::from("/tmp"),
            source,
        })
}

/// Whether any of `paths` (roots a run needs) lies under /tmp: the private /tmp must then be
/// a host folder they are bound back into, not a fresh tmpfs.
pub fn any_under_tmp<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> bool {
    let Ok(tmp_root) = tmp_root() else {
        return false;
    };
    real_paths(paths)
        .iter()
        .any(|p| p.starts_with(&tmp_root) && *p != tmp_root)
}

/// Works out every mount (before the fork): see the module comment.
pub fn prepare(req: &Request) -> Result<MountPlan, SandboxError> {
    let writable = real_paths(req.writable.iter());
    let mut protected = protected_paths(&writable, req.layout);
    // Deepest first: a folder cloned later carries the read-only mounts made inside it.
    protected.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    let read_only = protected
        .iter()
        .map(|p| node(p))
        .collect::<Result<_, _>>()?;

    // The private folders themselves are never kept (each replaces its system folder).
    let visible: Vec<PathBuf> = real_paths(writable.iter().chain(&req.visible))
        .into_iter()
        .filter(|p| {
            req.tmp
                .is_none_or(|tmp| !p.starts_with(tmp) && !tmp.starts_with(p))
        })
        .collect();

    let mut plan = MountPlan::default();
    plan.read_only = read_only;
    let mut closed = Vec::new();
    if let Ok(shm_root) = Path::new("/dev/shm").canonicalize() {
        // A fresh tmpfs, with nothing of the host's kept.
        if let Some(inside) = visible
            .iter()
            .find(|p| p.starts_with(&shm_root) && **p != shm_root)
        {
            return Err(SandboxError::Io {
                what: format!(
                    "{} lies in /dev/shm, which a sandboxed run gets a private, empty one of",
                    inside.display()
                ),
                source: std::io::Error::from(std::io::ErrorKind::Unsupported),
            });
        }
        plan.shm = true;
    }
    plan.full_access = <landlock::AccessFs as landlock::Access>::from_all(landlock::ABI::from(
        super::landlock::kernel_abi(),
    ))
    .bits();
    let tmp_root = tmp_root()?;
    match req.tmp {
        Some(tmp) => {
            plan.kept.extend(keep_under(
                &tmp_root,
                tmp,
                &visible,
                &writable,
                &mut closed,
            )?);
            plan.private.push((node(tmp)?, system_node("/tmp")?));
        }
        None if visible
            .iter()
            .any(|p| p.starts_with(&tmp_root) && *p != tmp_root) =>
        {
            return Err(SandboxError::Io {
                what: "a root under /tmp needs a host folder for the private /tmp".into(),
                source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
            });
        }
        None => plan.fresh_tmp = true,
    }
    for dir in &closed {
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o111));
    }
    plan.closed = closed;
    Ok(plan)
}

/// Makes every mount (run in the child, in its new mount namespace, before forking the PID
/// namespace's init): private propagation, read-only binds, kept roots, private folders.
pub fn apply(plan: &MountPlan, ruleset_fd: i32) -> Result<(), StepError> {
    make_private().map_err(|e| ("making mounts private", e))?;
    for node in &plan.read_only {
        bind(
            node,
            node,
            MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
        )
        .map_err(|e| ("read-only bind mount", e))?;
    }
    for (root, point, attrs) in &plan.kept {
        bind(root, point, *attrs).map_err(|e| ("keeping a root visible in the private /tmp", e))?;
    }
    for (private, system) in &plan.private {
        bind(private, system, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
            .map_err(|e| ("private /tmp and /dev/shm", e))?;
    }
    let fresh = [(plan.fresh_tmp, c"/tmp"), (plan.shm, c"/dev/shm")];
    for (_, dir) in fresh.iter().filter(|(wanted, _)| *wanted) {
        mount_tmpfs(dir).map_err(|e| ("private /tmp and /dev/shm", e))?;
        if ruleset_fd >= 0 {
            allow_beneath(ruleset_fd, dir, plan.full_access)
                .map_err(|e| ("private /tmp and /dev/shm", e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protects_pins_git_and_envm_folders_inside_writable_roots_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let project = root.join("p");
        std::fs::create_dir_all(project.join(".git/hooks")).unwrap();
        std::fs::create_dir_all(project.join("gitdata")).unwrap();
        std::fs::create_dir_all(project.join("sub")).unwrap();
        for f in ["envm.toml", ".nvmrc", "other.txt", "sub/v"] {
            std::fs::write(project.join(f), "x").unwrap();
        }
        std::os::unix::fs::symlink("sub/v", project.join(".python-version")).unwrap();
        let inside = Layout::under(&project.join(".envm"));
        std::fs::create_dir_all(&inside.data).unwrap();
        std::fs::create_dir_all(&inside.config).unwrap();
        let got = protected_paths(std::slice::from_ref(&project), &inside);
        for want in [
            ".git",
            "envm.toml",
            ".nvmrc",
            ".python-version",
            "sub/v",
            ".envm/data",
            ".envm/config",
        ] {
            assert!(got.contains(&project.join(want)), "{want}: {got:?}");
        }
        assert!(!got.contains(&project.join("other.txt")));
        assert!(
            !got.iter()
                .any(|p| p.file_name() == Some(std::ffi::OsStr::new(".envm")))
        );
        // A .git file: its gitdir (inside the project) too.
        std::fs::remove_dir_all(project.join(".git")).unwrap();
        std::fs::write(project.join(".git"), "gitdir: gitdata\n").unwrap();
        let outside = Layout::under(&root.join("elsewhere"));
        let got = protected_paths(std::slice::from_ref(&project), &outside);
        assert!(got.contains(&project.join("gitdata")), "{got:?}");
        assert!(!got.iter().any(|p| p.starts_with(root.join("elsewhere"))));
    }

    #[test]
    fn keeps_roots_read_only_unless_writable_and_binds_writable_ones_inside_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let replaced = root.join("sys");
        let private = root.join("private");
        for d in ["sys/a/proj/sub", "sys/a/data", "sys/c", "private"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let visible = [
            replaced.join("a"),
            replaced.join("a/proj"),
            replaced.join("a/proj/sub"),
            replaced.join("a/data"),
            replaced.join("c"),
        ];
        let writable = [replaced.join("a/proj")];
        let mut closed = Vec::new();
        let got = keep_under(&replaced, &private, &visible, &writable, &mut closed).unwrap();
        let got: Vec<(String, u64)> = got
            .iter()
            .map(|(_, point, attrs)| (point.path.to_string_lossy().into_owned(), *attrs))
            .collect();
        let p = |rel: &str| private.join(rel).display().to_string();
        let ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        assert_eq!(got, [(p("a"), ro), (p("a/proj"), 0), (p("c"), ro)]);
        assert!(private.join("c").is_dir());
        assert!(
            !private.join("a/proj").exists(),
            "made inside the bind only"
        );
    }
}
