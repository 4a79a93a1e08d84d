//! envm's two executables: `envm`, the command line, and `envm-shim`, the small binary the
//! links in the shims folder point to (everything a shim does and nothing else, so it starts
//! with little to map; see `src/bin/envm-shim.rs`). Either can stand in for the other's
//! shim role: `envm` run under a tool's name is a shim too, which is what shims point to when
//! no `envm-shim` sits beside it (a `cargo install` of an older layout, a copied binary).

use std::io;
use std::path::{Path, PathBuf};

/// The command line's file name.
pub const ENVM: &str = "envm";
/// The shim binary's file name, beside `envm`.
pub const SHIM: &str = "envm-shim";

/// The running executable, in canonical form (`/proc/self/exe`).
pub fn current() -> io::Result<PathBuf> {
    std::env::current_exe()
}

/// What shims made by the executable `exe` link to: `exe` itself when it is the shim binary,
/// else the `envm-shim` beside it when there is one (canonical, so every envm and every shim
/// computes the same target), else `exe`.
pub fn shim_target(exe: &Path) -> PathBuf {
    if exe.file_name().is_some_and(|n| n == SHIM) {
        return exe.to_path_buf();
    }
    sibling(exe, SHIM).unwrap_or_else(|| exe.to_path_buf())
}

/// The `envm` command line to run commands with (a shim's `envm install`): `exe` itself,
/// or the `envm` beside it when `exe` is the shim binary.
pub fn command_line(exe: &Path) -> io::Result<PathBuf> {
    if exe.file_name().is_none_or(|n| n != SHIM) {
        return Ok(exe.to_path_buf());
    }
    sibling(exe, ENVM).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "no `{ENVM}` beside {}: install both binaries in one folder",
                exe.display()
            ),
        )
    })
}

/// `exe` and its partner binary when present, canonical: the files a sandbox grants and a
/// PATH search skips.
pub fn both(exe: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = exe.canonicalize().into_iter().collect();
    for partner in [sibling(exe, ENVM), sibling(exe, SHIM)]
        .into_iter()
        .flatten()
    {
        if !all.contains(&partner) {
            all.push(partner);
        }
    }
    all
}

/// The executable file `name` in `exe`'s folder, canonical.
fn sibling(exe: &Path, name: &str) -> Option<PathBuf> {
    let path = exe.parent()?.join(name).canonicalize().ok()?;
    crate::run::exec::is_executable(&path).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn executable(path: &Path) {
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn shims_point_at_the_shim_binary_beside_envm_else_at_envm() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        let envm = dir.join(ENVM);
        executable(&envm);
        assert_eq!(shim_target(&envm), envm);
        assert_eq!(command_line(&envm).unwrap(), envm);
        assert_eq!(both(&envm), vec![envm.clone()]);
        let shim = dir.join(SHIM);
        executable(&shim);
        assert_eq!(shim_target(&envm), shim);
        assert_eq!(shim_target(&shim), shim);
        assert_eq!(command_line(&shim).unwrap(), envm);
        assert_eq!(both(&shim).len(), 2);
        // A shim binary without its envm cannot run commands.
        std::fs::remove_file(&envm).unwrap();
        let err = command_line(&shim).unwrap_err();
        assert!(err.to_string().contains("no `envm` beside"), "{err}");
        // Not executable: not a shim target.
        let lone = tempfile::tempdir().unwrap();
        let envm = lone.path().canonicalize().unwrap().join(ENVM);
        executable(&envm);
        std::fs::write(envm.with_file_name(SHIM), "").unwrap();
        assert_eq!(shim_target(&envm), envm);
    }
}
