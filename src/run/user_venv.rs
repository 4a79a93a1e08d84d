//! Virtualenvs in an activated shell. One the user activates (`source .venv/bin/activate`:
//! `VIRTUAL_ENV` set, its `bin` put first on PATH) stays in front of the toolchains the hook
//! manages, so `python` is the venv's. The project's own venv (`[python] venv`, put on PATH by
//! the hook) gets `VIRTUAL_ENV` set, as its activate script would.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::run::exec;

/// The variable a virtualenv's activate script sets.
pub const VAR: &str = "VIRTUAL_ENV";

/// The `bin` folder of the virtualenv the user activated: `VIRTUAL_ENV`'s, when it is on
/// `path` and is not one of the folders the hook put there (`ours`).
pub fn activated_bin(
    virtual_env: Option<&OsStr>,
    path: &OsStr,
    ours: &[PathBuf],
) -> Option<PathBuf> {
    let bin = Path::new(virtual_env.filter(|v| !v.is_empty())?).join("bin");
    let on_path = exec::split_path(path).any(|entry| entry == bin.as_os_str());
    (on_path && !ours.contains(&bin)).then_some(bin)
}

/// What leads PATH: the user's virtualenv (if any), then the hook's folders.
pub fn lead(user_venv_bin: Option<&Path>, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut lead: Vec<PathBuf> = user_venv_bin.map(Path::to_path_buf).into_iter().collect();
    lead.extend(
        dirs.iter()
            .filter(|d| Some(d.as_path()) != user_venv_bin)
            .cloned(),
    );
    lead
}

/// The virtualenv among the hook's folders (a `bin` beside a `pyvenv.cfg`): only the
/// project's own venv, which `active_bin_dirs` admits once envm made it or it is trusted.
pub fn declared_venv_of(dirs: &[PathBuf]) -> Option<PathBuf> {
    dirs.iter()
        .filter_map(|bin| bin.parent())
        .find(|venv| venv.join("pyvenv.cfg").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_venv_the_hook_put_on_path_is_not_the_users() {
        let path = OsStr::new("/p/.venv/bin:/t/python/bin:/usr/bin");
        let ours = [
            PathBuf::from("/p/.venv/bin"),
            PathBuf::from("/t/python/bin"),
        ];
        assert_eq!(
            activated_bin(Some(OsStr::new("/p/.venv")), path, &ours),
            None
        );
        let user = activated_bin(
            Some(OsStr::new("/u/env")),
            OsStr::new("/u/env/bin:/usr/bin"),
            &ours,
        );
        assert_eq!(user, Some(PathBuf::from("/u/env/bin")));
        assert_eq!(
            activated_bin(Some(OsStr::new("/u/env")), OsStr::new("/usr/bin"), &ours),
            None
        );
        assert_eq!(
            lead(user.as_deref(), &ours),
            [
                PathBuf::from("/u/env/bin"),
                ours[0].clone(),
                ours[1].clone()
            ]
        );
    }
}
