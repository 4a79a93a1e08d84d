//! What a sandboxed run may touch ([`Roots`], handed to the Landlock layer), decided in one
//! place: the whole system except `$HOME` and `/dev`, the project, envm's own data and config
//! (its toolchains), the program and envm itself, a private tool cache per project, a few
//! devices and the run's own terminal, the private temp dir, and the user's allowances.
//!
//! Paths are compared and granted in canonical form only, and symlinks are never followed
//! when granting: a symlink beside `$HOME` (`/home -> var/home`) grants nothing, PATH folders
//! grant nothing (toolchains live in envm's data dir), and a symlink in an allowance is an
//! error naming it. Tool caches are envm's choice, never the environment's: each cache a tool's
//! registry entry names gets a folder under envm's cache dir, set in the run's environment over
//! whatever the user or a trusted `[env]` set, so nothing written inside is used outside.

use std::ffi::OsString;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::SandboxError;
use super::landlock::{Roots, open_no_symlinks};
use super::policy::{FsPolicy, Settings};
use crate::layout::Layout;

/// Devices every program may use (besides its own terminal).
pub const DEVICES: [&str; 6] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
];

/// The cache variables of sandboxed runs and their folder under the private cache: every
/// tool's, from the registry.
pub fn cache_vars() -> impl Iterator<Item = &'static crate::tools::Cache> {
    crate::tools::Tool::ALL
        .iter()
        .flat_map(|tool| tool.def().caches.iter())
}

/// Why a sandbox allowance (`allow_read`, `allow_write`, `--allow-…`) was refused.
#[derive(Debug, thiserror::Error)]
pub enum AllowanceError {
    #[error("sandbox path {} is a symlink (to {}); sandbox allowances never follow symlinks", .link.display(), .target.display())]
    Symlink { link: PathBuf, target: PathBuf },
    #[error("sandbox path {} does not exist or cannot be opened: {source}", .path.display())]
    Unopenable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AllowanceError {
    pub fn hint(&self) -> String {
        match self {
            AllowanceError::Symlink { link, .. } => format!(
                "name the real path instead (`realpath {}` prints it)",
                link.display()
            ),
            AllowanceError::Unopenable { .. } => "create the folder first, or fix the path".into(),
        }
    }
}

/// `written` (relative to the canonical folder `base`) as a canonical path, walked one
/// component at a time without following symlinks: a symlink anywhere is an error naming it.
pub fn resolve_allowance(base: &Path, written: &Path) -> Result<PathBuf, AllowanceError> {
    let mut out = if written.is_absolute() {
        PathBuf::from("/")
    } else {
        base.to_path_buf()
    };
    let unopenable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AllowanceError::Unopenable { path, source }
    };
    for component in written.components() {
        match component {
            Component::ParentDir => {
                // The folder left was just checked not to be a symlink: `..` is its parent.
                out.pop();
            }
            Component::Normal(name) => {
                out.push(name);
                let meta = std::fs::symlink_metadata(&out).map_err(unopenable(&out))?;
                if meta.file_type().is_symlink() {
                    let target = std::fs::read_link(&out).unwrap_or_default();
                    return Err(AllowanceError::Symlink { link: out, target });
                }
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    std::fs::symlink_metadata(&out).map_err(unopenable(&out))?;
    Ok(out)
}

/// Why the absolute `path` cannot be opened without following symlinks, for an error.
pub fn allowance_error(path: &Path, source: std::io::Error) -> AllowanceError {
    match resolve_allowance(Path::new("/"), path) {
        Err(e) => e,
        Ok(_) => AllowanceError::Unopenable {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// `home` in canonical form (`None` when unset, relative, missing or `/`).
pub fn canonical_home(home: Option<&Path>) -> Option<PathBuf> {
    home.filter(|h| h.is_absolute())
        .and_then(|h| h.canonicalize().ok())
        .filter(|h| h.parent().is_some())
}

/// Where a run happens: its project folder and home, both canonical.
#[derive(Debug, Clone)]
pub struct Site {
    pub project: PathBuf,
    pub home: Option<PathBuf>,
}

impl Site {
    /// The canonical project folder and `$HOME` of `env`; refuses a project folder that is `/`
    /// or holds the home folder (all of it would become writable).
    pub fn locate(project_dir: &Path, env: &[(OsString, OsString)]) -> Result<Site, SandboxError> {
        let project = project_dir
            .canonicalize()
            .map_err(|source| SandboxError::Io {
                what: format!("cannot open project folder {}", project_dir.display()),
                source,
            })?;
        let home = env
            .iter()
            .find(|(k, _)| k == "HOME")
            .and_then(|(_, v)| canonical_home(Some(Path::new(v))));
        if project.parent().is_none() || home.as_ref().is_some_and(|h| h.starts_with(&project)) {
            return Err(SandboxError::ProjectIsHome { dir: project });
        }
        Ok(Site { project, home })
    }
}

/// Everything `settings` lets a run of `program` at `site` touch (but its private temp dir,
/// which the caller adds). Sets the private tool caches in `env` (over any value already
/// there).
pub fn compute(
    settings: &Settings,
    layout: &Layout,
    site: &Site,
    program: &Path,
    env: &mut Vec<(OsString, OsString)>,
) -> Result<Roots, SandboxError> {
    let own: Vec<PathBuf> = [layout.data.as_path(), layout.config.as_path()]
        .into_iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let cache = private_cache(layout, site, &own)?;
    env.retain(|(key, _)| !cache_vars().any(|c| key.eq_ignore_ascii_case(c.var)));
    for c in cache_vars() {
        env.push((c.var.into(), cache.join(c.folder).into_os_string()));
    }
    let mut roots = Roots {
        read_entries: system_except(site.home.as_deref()),
        list_only: vec![PathBuf::from("/dev")],
        devices: DEVICES.iter().map(PathBuf::from).collect(),
        terminals: own_terminals(),
        allowed_read: settings.allow_read.clone(),
        allowed_write: settings.allow_write.clone(),
        ..Roots::default()
    };
    roots.read.push(PathBuf::from("/dev/shm"));
    roots.read.push(site.project.clone());
    roots.read.extend(envm_folders(layout, site, own));
    // The program, envm and its shim binary (shims inside run it): one file each, canonical.
    roots.read.extend(program.canonicalize().ok());
    if let Ok(exe) = crate::binaries::current() {
        roots.read.extend(crate::binaries::both(&exe));
    }
    if settings.fs == FsPolicy::WorkspaceWrite {
        roots.write.push(site.project.clone());
        roots.write.push(cache);
    }
    Ok(roots)
}

/// envm's data and config dirs (`own`, canonical), readable for the toolchains, shims and
/// global pins; one that holds `$HOME` (an odd `ENVM_HOME`) gives only those parts.
fn envm_folders(layout: &Layout, site: &Site, own: Vec<PathBuf>) -> Vec<PathBuf> {
    let holds_home = |dir: &PathBuf| site.home.as_ref().is_some_and(|h| h.starts_with(dir));
    if !own.iter().any(holds_home) {
        return own;
    }
    [
        layout.installs_root(),
        layout.shims_dir(),
        layout.global_config(),
    ]
    .iter()
    .filter_map(|p| p.canonicalize().ok())
    .filter(|p| !holds_home(p))
    .collect()
}

/// The private tool cache of the project at `site` (created): `cache/sandbox/<hash of the
/// project's path>`, a real folder (no symlink on its way below envm's cache dir) that
/// holds neither `$HOME` nor envm's own folders `own`.
fn private_cache(layout: &Layout, site: &Site, own: &[PathBuf]) -> Result<PathBuf, SandboxError> {
    let digest = Sha256::digest(site.project.as_os_str().as_encoded_bytes());
    let key = crate::digest::hex(&digest[..16]);
    let io = |what: &str, dir: &Path| {
        let what = format!("{what} {}", dir.display());
        move |source| SandboxError::Io { what, source }
    };
    let cache_root = &layout.cache;
    std::fs::create_dir_all(cache_root).map_err(io(
        "cannot create the sandbox's private tool cache in",
        cache_root,
    ))?;
    let cache_root = cache_root
        .canonicalize()
        .map_err(io("cannot open envm's cache dir", cache_root))?;
    let dir = cache_root.join("sandbox").join(key);
    std::fs::create_dir_all(&dir)
        .map_err(io("cannot create the sandbox's private tool cache", &dir))?;
    // A symlink planted on the way (by an earlier run, were the cache dir writable) is refused.
    open_no_symlinks(&dir).map_err(|e| allowance_error(&dir, e))?;
    let held = site.home.iter().chain(own).find(|p| p.starts_with(&dir));
    if let Some(held) = held {
        return Err(SandboxError::UnsafeCache {
            dir,
            holds: held.clone(),
        });
    }
    Ok(dir)
}

/// Every folder whose entries are readable: all of `/` except `/dev` (devices are granted one
/// by one) and, on the way down to `home`, every sibling of the folder leading to it. Symlinks
/// among those entries are skipped when the rules are built, so one pointing into `home`
/// grants nothing.
fn system_except(home: Option<&Path>) -> Vec<(PathBuf, Vec<OsString>)> {
    let dev = OsString::from("dev");
    let mut out = Vec::new();
    let mut child = home.unwrap_or(Path::new("/"));
    while let Some(dir) = child.parent() {
        let mut except: Vec<OsString> = child.file_name().map(Into::into).into_iter().collect();
        if dir.parent().is_none() {
            except.push(dev.clone());
        }
        out.push((dir.to_path_buf(), except));
        child = dir;
    }
    if out.is_empty() {
        out.push((PathBuf::from("/"), vec![dev]));
    }
    out
}

/// The terminal devices of fds 0–2 (the run's own terminal), as duplicated fds.
fn own_terminals() -> Vec<OwnedFd> {
    let mut out: Vec<OwnedFd> = Vec::new();
    for fd in 0..3 {
        // SAFETY: isatty only inspects the fd number.
        if unsafe { libc::isatty(fd) } != 1 {
            continue;
        }
        // SAFETY: isatty succeeded, so fd is open for the whole of this call.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        if let Ok(dup) = borrowed.try_clone_to_owned() {
            out.push(dup);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_except_leaves_out_home_and_dev() {
        let got = system_except(Some(Path::new("/srv/users/me")));
        let names = |dir: &str| {
            got.iter()
                .find(|(d, _)| d == Path::new(dir))
                .map(|(_, e)| e.clone())
                .unwrap()
        };
        assert_eq!(names("/srv/users"), vec![OsString::from("me")]);
        assert_eq!(names("/srv"), vec![OsString::from("users")]);
        assert_eq!(
            names("/"),
            vec![OsString::from("srv"), OsString::from("dev")]
        );
        assert_eq!(
            system_except(None),
            vec![(PathBuf::from("/"), vec![OsString::from("dev")])]
        );
    }

    #[test]
    fn allowances_refuse_symlinks_and_resolve_dotdot() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("proj/build")).unwrap();
        std::fs::create_dir(root.join("outside")).unwrap();
        std::os::unix::fs::symlink("../outside", root.join("proj/link")).unwrap();
        let proj = root.join("proj");
        assert_eq!(
            resolve_allowance(&proj, Path::new("build/./")).unwrap(),
            proj.join("build")
        );
        assert_eq!(
            resolve_allowance(&proj, Path::new("build/../../outside")).unwrap(),
            root.join("outside")
        );
        for written in ["link", "link/../build", "build/../link"] {
            match resolve_allowance(&proj, Path::new(written)) {
                Err(AllowanceError::Symlink { link, .. }) => assert_eq!(link, proj.join("link")),
                other => panic!("{written}: {other:?}"),
            }
        }
        assert!(matches!(
            resolve_allowance(&proj, Path::new("missing")),
            Err(AllowanceError::Unopenable { .. })
        ));
    }
}
