//! The filesystem layer: a Landlock ruleset built in the parent (paths opened, rules added)
//! and enforced in the child. Reads: the whole system except `$HOME` (whose siblings at every
//! level are granted one by one), plus the project, the toolchains and named paths. Writes:
//! the writable roots only. Also scopes signals and abstract unix sockets to the sandbox (ABI 6).

use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, BitFlags, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreated, RulesetCreatedAttr, Scope,
};

use super::SandboxError;

/// The newest ABI whose filesystem rights this module asks for (best effort below it).
const FS_ABI: ABI = ABI::V9;

/// Rights that only make sense on directories.
fn file_only(access: BitFlags<AccessFs>) -> BitFlags<AccessFs> {
    access & AccessFs::from_file(FS_ABI)
}

/// The Landlock ABI version the running kernel offers (0: none).
pub fn kernel_abi() -> i32 {
    // SAFETY: LANDLOCK_CREATE_RULESET_VERSION with a null attribute only queries the version.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32, // LANDLOCK_CREATE_RULESET_VERSION
        )
    };
    if v < 0 { 0 } else { v as i32 }
}

/// What the kernel's Landlock ABI `abi` cannot enforce of this module's rules, for people.
pub fn missing(abi: i32) -> Vec<String> {
    let mut out = Vec::new();
    if abi < 1 {
        out.push("Landlock filesystem rules (the kernel has no Landlock: needs Linux 5.13+ with landlock in lsm=)".to_string());
        return out;
    }
    if abi < 3 {
        out.push(format!(
            "Landlock truncate control (kernel ABI {abi}, needs 3: Linux 6.2)"
        ));
    }
    if abi < 6 {
        out.push(format!(
            "Landlock signal and abstract-unix-socket scoping (kernel ABI {abi}, needs 6: Linux 6.12)"
        ));
    }
    out
}

/// The paths a run may touch, sorted into the three kinds of rule.
#[derive(Debug, Default)]
pub struct Roots {
    /// Read, list and execute beneath these.
    pub read: Vec<PathBuf>,
    /// Every right beneath these.
    pub write: Vec<PathBuf>,
    /// Character devices that may be opened for reading, writing and ioctls.
    pub devices: Vec<PathBuf>,
}

/// Devices every program may use.
pub const DEVICES: [&str; 8] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/ptmx",
    "/dev/pts",
];

/// Everything readable except `home`: every entry of `/`, and on the way down to `home`, every
/// sibling of the folder leading to it. `None` (no home) means all of `/`.
pub fn system_except(home: Option<&Path>) -> Vec<PathBuf> {
    let Some(home) = home.filter(|h| h.is_absolute() && h.parent().is_some()) else {
        return vec![PathBuf::from("/")];
    };
    let mut out = Vec::new();
    let mut child = home;
    while let Some(dir) = child.parent() {
        if let Ok(entries) = std::fs::read_dir(dir) {
            out.extend(
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p != child),
            );
        }
        child = dir;
    }
    out
}

/// Builds and creates the ruleset (not yet enforced). Paths in `optional` that cannot be opened
/// are skipped (they were found by listing folders); every other path must open.
pub fn build(roots: &Roots) -> Result<RulesetCreated, SandboxError> {
    let err = |e: landlock::RulesetError| SandboxError::Landlock(e.to_string());
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(FS_ABI))
        .map_err(err)?
        .scope(Scope::from_all(ABI::V6))
        .map_err(err)?
        .create()
        .map_err(err)?;
    let read = AccessFs::from_read(FS_ABI);
    let all = AccessFs::from_all(FS_ABI);
    let device = AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::IoctlDev | AccessFs::ReadDir;
    let kinds: [(&[PathBuf], BitFlags<AccessFs>); 3] = [
        (&roots.read, read),
        (&roots.write, all),
        (&roots.devices, device),
    ];
    for (paths, access) in kinds {
        for path in paths {
            let Ok(meta) = std::fs::metadata(path) else {
                continue;
            };
            let Ok(fd) = PathFd::new(path) else {
                continue;
            };
            let access = if meta.is_dir() {
                access
            } else {
                file_only(access)
            };
            ruleset = ruleset
                .add_rule(PathBeneath::new(fd, access))
                .map_err(err)?;
        }
    }
    Ok(ruleset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_except_leaves_out_home_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for d in ["home", "work", "envm"] {
            std::fs::create_dir(root.join(d)).unwrap();
        }
        let got = system_except(Some(&root.join("home")));
        assert!(got.contains(&root.join("work")));
        assert!(got.contains(&root.join("envm")));
        assert!(got.contains(&PathBuf::from("/usr")));
        assert!(
            !got.iter().any(|p| root.join("home").starts_with(p)),
            "{got:?}"
        );
    }

    #[test]
    fn abi_gaps_are_named() {
        assert_eq!(missing(7), Vec::<String>::new());
        assert_eq!(missing(5).len(), 1);
        assert!(missing(0)[0].contains("no Landlock"));
    }
}
