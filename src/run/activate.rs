//! Shell activation without shims: the init scripts (`shims/envm.{bash,zsh,fish}`, embedded)
//! and `envm hook-env`, which each prompt calls to put the toolchains pinned for the current
//! directory first on PATH.
//!
//! The hook keeps its state in one exported variable, [`STATE_VAR`]: a key over everything
//! that can change the answer (the directory, the mtimes of every pin file that could apply,
//! the installed versions, the `ENVM_<TOOL>_VERSION` overrides) and the folders it put on
//! PATH. When the key is unchanged and those folders still lead PATH, it prints nothing. On a
//! change it takes its previous folders off PATH and puts the new ones first, so PATH never
//! grows and leaving a project removes its toolchains.

use std::ffi::{OsStr, OsString};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::diag::printable_line;
use crate::layout::Layout;
use crate::project::dir::{self, stamp_path};
use crate::project::project_file::is_variable_name;
use crate::project::{self, PROJECT_FILES};
use crate::resolve::{self, Resolution};
use crate::run::exec;
use crate::run::shim::ShimError;
use crate::run::user_venv;
use crate::tools::Tool;

/// The exported variable holding the hook's cache key and the folders it added to PATH.
pub const STATE_VAR: &str = "__ENVM_STATE";

/// The exported variable holding, as JSON, the values that the variables envm set from a
/// project's `[env]` had before (`null`: unset), so leaving the project restores them.
pub const SAVED_VAR: &str = "__ENVM_SAVED";

/// A shell envm can activate in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    /// `bash`, `zsh` or `fish`.
    pub fn from_name(name: &OsStr) -> Option<Shell> {
        match name.to_str()? {
            "bash" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            _ => None,
        }
    }

    fn script(self) -> &'static str {
        match self {
            Shell::Bash => include_str!("../../shims/envm.bash"),
            Shell::Zsh => include_str!("../../shims/envm.zsh"),
            Shell::Fish => include_str!("../../shims/envm.fish"),
        }
    }

    /// `s` as one word in this shell's syntax.
    fn quote(self, s: &OsStr) -> String {
        let s = s.to_string_lossy();
        match self {
            Shell::Bash | Shell::Zsh => format!("'{}'", s.replace('\'', r"'\''")),
            Shell::Fish => format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'")),
        }
    }

    /// A statement removing `name` from the environment; nothing for a name that is not a
    /// plain shell word (it could only come from a tampered state variable).
    pub fn unset(self, name: &str) -> String {
        if !is_variable_name(name) {
            return String::new();
        }
        match self {
            Shell::Bash | Shell::Zsh => format!("unset {name};\n"),
            Shell::Fish => format!("set -e {name};\n"),
        }
    }

    /// A statement exporting `name=value` (for fish, PATH is set as a list). The value is
    /// always quoted; a name that is not a plain shell word gives no statement at all, so
    /// no name ever becomes shell code (project names are checked when parsed, too).
    pub fn export(self, name: &str, value: &OsStr) -> String {
        if !is_variable_name(name) {
            return String::new();
        }
        match self {
            Shell::Bash | Shell::Zsh => format!("export {name}={};\n", self.quote(value)),
            Shell::Fish if name == "PATH" => {
                let items: Vec<String> = exec::split_path(value).map(|e| self.quote(e)).collect();
                format!("set -gx PATH {};\n", items.join(" "))
            }
            Shell::Fish => format!("set -gx {name} {};\n", self.quote(value)),
        }
    }
}

/// What `envm activate SHELL` prints: with `shims`, a line putting that folder on PATH;
/// otherwise the path of the hook's binary and the shell's hook script.
///
/// The hook runs `_ENVM_BIN hook-env SHELL` before every prompt: `_ENVM_BIN` is `hook`, the
/// binary that answers it fastest (`envm-shim` beside envm, else envm).
pub fn init_script(shell: Shell, hook: &Path, shims: Option<&Path>) -> String {
    if let Some(shims) = shims {
        let dir = shell.quote(shims.as_os_str());
        return match shell {
            Shell::Bash | Shell::Zsh => format!(
                "case \":${{PATH}}:\" in *:{dir}:*) ;; *) export PATH={dir}:\"$PATH\" ;; esac\n"
            ),
            Shell::Fish => format!("contains -- {dir} $PATH; or set -gx PATH {dir} $PATH\n"),
        };
    }
    let bin = shell.quote(hook.as_os_str());
    let set_bin = match shell {
        Shell::Bash | Shell::Zsh => format!("_ENVM_BIN={bin}\n"),
        Shell::Fish => format!("set -g _ENVM_BIN {bin}\n"),
    };
    set_bin + shell.script()
}

/// The hook's state from the previous prompt.
struct State {
    key: String,
    dirs: Vec<PathBuf>,
}

impl State {
    fn parse(text: &OsStr) -> Option<State> {
        let text = text.to_str()?;
        let (key, dirs) = text.split_once(':')?;
        Some(State {
            key: key.to_string(),
            dirs: exec::split_path(OsStr::new(dirs))
                .map(PathBuf::from)
                .collect(),
        })
    }

    fn render(&self) -> OsString {
        let mut out = OsString::from(&self.key);
        out.push(":");
        out.push(join_path(&self.dirs));
        out
    }
}

fn join_path(dirs: &[PathBuf]) -> OsString {
    let mut out = OsString::new();
    for (i, dir) in dirs.iter().enumerate() {
        if i > 0 {
            out.push(":");
        }
        out.push(dir);
    }
    out
}

/// What `envm hook-env SHELL` prints in `cwd`, given the shell's `PATH` and previous
/// `state` (the value of [`STATE_VAR`]): nothing when nothing changed, else statements
/// setting PATH and the new state. Problems with pins are reported on stderr, once per
/// change, and never stop the prompt.
/// The shell when `args` (argv) is exactly `… hook-env SHELL` with a known shell: the form
/// activation runs before every prompt, answered by `envm` and by `envm-shim` without the
/// command line's parser.
pub fn hook_env_request(args: &[OsString]) -> Option<Shell> {
    match args {
        [_, command, shell] if command == "hook-env" => Shell::from_name(shell),
        _ => None,
    }
}

/// What the prompt hook prints in `cwd` now: shims refreshed for what `npm i -g` or `pip
/// install` added since the last prompt (one stat per install when nothing changed; a failure
/// must not break the prompt), then [`hook_env`] over this process's environment.
pub fn hook_env_now(shell: Shell, layout: &Layout, cwd: &Path) -> String {
    let _ = crate::link::refresh_if_stale(layout);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let state = std::env::var_os(STATE_VAR);
    let saved = std::env::var_os(SAVED_VAR);
    hook_env(
        shell,
        layout,
        cwd,
        &path,
        state.as_deref(),
        saved.as_deref(),
        std::env::var_os("VIRTUAL_ENV").as_deref(),
    )
}

pub fn hook_env(
    shell: Shell,
    layout: &Layout,
    cwd: &Path,
    path: &OsStr,
    state: Option<&OsStr>,
    saved: Option<&OsStr>,
    virtual_env: Option<&OsStr>,
) -> String {
    let previous = state.and_then(State::parse);
    let key = cache_key(layout, cwd);
    let previous_dirs = previous.as_ref().map_or(&[][..], |p| &p.dirs[..]);
    let user_venv = user_venv::activated_bin(virtual_env, path, previous_dirs);
    if let Some(prev) = &previous
        && prev.key == key
        && path_starts_with(path, &user_venv::lead(user_venv.as_deref(), &prev.dirs))
    {
        return String::new();
    }
    let dirs = active_bin_dirs(layout, cwd);
    let mut kept: Vec<&OsStr> = exec::split_path(path).collect();
    kept.retain(|entry| !previous_dirs.iter().any(|d| d.as_os_str() == *entry));
    let rest = join_path(&kept.into_iter().map(PathBuf::from).collect::<Vec<_>>());
    let new_path = exec::prepend_path(&user_venv::lead(user_venv.as_deref(), &dirs), &rest);
    let project_venv = match user_venv {
        Some(_) => None,
        None => user_venv::declared_venv_of(&dirs),
    };
    let new_state = State { key, dirs };
    let mut out = String::new();
    if new_path != path {
        out.push_str(&shell.export("PATH", &new_path));
    }
    let user_venv_active = user_venv.is_some();
    out.push_str(&project_vars(
        shell,
        layout,
        cwd,
        saved,
        project_venv,
        user_venv_active,
    ));
    out.push_str(&shell.export(STATE_VAR, &new_state.render()));
    out
}

/// Statements that undo the previous project's `[env]` and apply this one's (trusted only),
/// and keep [`SAVED_VAR`] up to date.
fn project_vars(
    shell: Shell,
    layout: &Layout,
    cwd: &Path,
    saved: Option<&OsStr>,
    project_venv: Option<PathBuf>,
    user_venv_active: bool,
) -> String {
    type Saved = std::collections::BTreeMap<String, Option<String>>;
    let previous: Saved = saved
        .and_then(OsStr::to_str)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let original = |name: &str| match previous.get(name) {
        Some(value) => value.clone(),
        None => std::env::var(name).ok(),
    };
    let mut vars = match project::nearest_project_file(cwd) {
        Some(file) => match crate::project::env::load_with(layout, &file, original) {
            Ok(vars) => vars.map(|v| v.vars).unwrap_or_default(),
            Err(err) => {
                report(&err);
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    if let Some(venv) = project_venv {
        vars.retain(|(name, _)| name != user_venv::VAR);
        vars.push((user_venv::VAR.into(), venv.to_string_lossy().into_owned()));
    }
    let mut out = String::new();
    for (name, value) in &previous {
        if vars.iter().any(|(n, _)| n == name) {
            continue;
        }
        // A virtualenv the user activated since owns VIRTUAL_ENV now.
        if name == user_venv::VAR && user_venv_active {
            continue;
        }
        match value {
            Some(value) => out.push_str(&shell.export(name, OsStr::new(value))),
            None => out.push_str(&shell.unset(name)),
        }
    }
    let mut now = Saved::new();
    for (name, value) in &vars {
        now.insert(name.clone(), original(name));
        out.push_str(&shell.export(name, OsStr::new(value)));
    }
    if !now.is_empty() {
        let text = serde_json::to_string(&now).unwrap_or_default();
        out.push_str(&shell.export(SAVED_VAR, OsStr::new(&text)));
    } else if saved.is_some() {
        out.push_str(&shell.unset(SAVED_VAR));
    }
    out
}

/// True when `path`'s first entries are exactly `dirs`.
fn path_starts_with(path: &OsStr, dirs: &[PathBuf]) -> bool {
    let mut entries = exec::split_path(path);
    dirs.iter()
        .all(|d| entries.next().is_some_and(|e| e == d.as_os_str()))
}

/// The bin folders of every toolchain pinned and available here, in `Tool::ALL` order.
/// Pins that are missing or cannot be resolved are reported on stderr and left out.
///
/// A python project's virtualenv (`[python] venv`, once created) comes first.
///
/// In a project whose `envm.toml` has a `[sandbox]` table (or cannot be read or parsed) the
/// answer is the shims folder instead: the toolchains' binaries must not be reachable
/// unsandboxed, and each shim applies the project's sandbox or reports why it cannot.
pub fn active_bin_dirs(layout: &Layout, cwd: &Path) -> Vec<PathBuf> {
    let project_file = project::nearest_project_file(cwd);
    if let Some(file) = &project_file {
        match crate::sandbox::project_policy(file) {
            Ok(Some(_)) => return vec![layout.shims_dir()],
            Ok(None) => {}
            // Fail closed: a project file that cannot be read (or parsed) may hold a
            // [sandbox]; the shims then refuse to run, with the reason, instead of the
            // toolchains running unsandboxed.
            Err(err) => {
                report(&err);
                return vec![layout.shims_dir()];
            }
        }
    }
    let pins = match project::find_all(cwd, layout) {
        Ok(pins) => pins,
        Err(err) => {
            report(&err);
            return Vec::new();
        }
    };
    let mut dirs = Vec::new();
    for pin in pins {
        match resolve::resolve(layout, &pin) {
            Resolution::Installed { dir, .. } | Resolution::Path { dir, .. } => {
                // The project's overlay (virtualenv), once created, comes before the toolchain.
                if let Some(overlay) = &pin.tool.def().overlay
                    && let Some(file) = &project_file
                {
                    if let Err(err) = (overlay.ensure)(layout, cwd) {
                        report(&err);
                    }
                    match (overlay.existing)(layout, file) {
                        Ok(Some(root)) => dirs.push(root.join(overlay.bin_dir)),
                        Ok(None) => {}
                        Err(err) => report(&err),
                    }
                }
                dirs.push(pin.tool.bin_dir(&dir));
            }
            Resolution::NotInstalled { spec } => report(&ShimError::NotInstalled {
                tool: pin.tool,
                spec: spec.to_string(),
                source_desc: pin.source.describe(),
            }),
            Resolution::Unresolved { spec, reason } => report(&ShimError::Unresolved {
                tool: pin.tool,
                spec: spec.to_string(),
                source_desc: pin.source.describe(),
                reason,
            }),
            Resolution::Untrusted { spec, file } => report(&ShimError::UntrustedPath {
                tool: pin.tool,
                spec: spec.to_string(),
                file,
            }),
            Resolution::System { .. } => {}
        }
    }
    dirs
}

/// Prints a problem with the pins here without stopping the prompt (control characters a
/// file put in it shown escaped).
fn report(err: &dyn Diagnostic) {
    eprintln!("envm: {}", printable_line(&err.to_string()));
    if let Some(hint) = err.hint() {
        eprintln!("hint: {}", printable_line(&hint));
    }
}

/// A hash of everything the active toolchains depend on: the directory; the size and mtime
/// of every pin file at or above it, of the global config and of the trust store; the
/// installs folders' mtimes
/// (an install or uninstall changes them); the `ENVM_<TOOL>_VERSION` values.
fn cache_key(layout: &Layout, cwd: &Path) -> String {
    let mut hasher = DefaultHasher::new();
    cwd.as_os_str().as_bytes().hash(&mut hasher);
    layout.data.as_os_str().as_bytes().hash(&mut hasher);
    let names: Vec<&str> = PROJECT_FILES
        .iter()
        .copied()
        .chain(crate::tools::pin_file_names())
        .collect();
    let mut project_dir_seen = false;
    for dir in dir::ancestors(cwd) {
        for name in &names {
            if let Some(stamp) = dir.stamp(name) {
                (dir.path, name, stamp).hash(&mut hasher);
                // The project folder's own stamp changes when `envm venv` creates its
                // virtualenv there.
                if !project_dir_seen && PROJECT_FILES[..2].contains(name) {
                    project_dir_seen = true;
                    stamp_path(dir.path).hash(&mut hasher);
                }
            }
        }
    }
    stamp_path(&layout.global_config()).hash(&mut hasher);
    // `envm trust` changes whether a project's [env] applies.
    stamp_path(&crate::project::trust::store_path(layout)).hash(&mut hasher);
    for &tool in Tool::ALL {
        stamp_path(&layout.tool_installs(tool)).hash(&mut hasher);
        std::env::var_os(tool.version_var()).hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_backslashes() {
        let s = OsStr::new(r"/a b/it's\x");
        assert_eq!(Shell::Bash.quote(s), r"'/a b/it'\''s\x'");
        assert_eq!(Shell::Fish.quote(s), r"'/a b/it\'s\\x'");
    }

    #[test]
    fn names_that_are_not_shell_words_give_no_statement() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            for name in ["X;touch f;Y", "A\nB", "$(id)", ""] {
                assert_eq!(shell.export(name, OsStr::new("1")), "", "{name:?}");
                assert_eq!(shell.unset(name), "", "{name:?}");
            }
            assert!(shell.export("OK_1", OsStr::new("a'b")).contains("OK_1"));
        }
    }

    #[test]
    fn state_round_trips() {
        let state = State {
            key: "00ff".into(),
            dirs: vec!["/a/bin".into(), "/b/bin".into()],
        };
        let parsed = State::parse(&state.render()).unwrap();
        assert_eq!(parsed.key, "00ff");
        assert_eq!(parsed.dirs, state.dirs);
    }

    #[test]
    fn leaving_a_project_removes_its_dirs_and_path_never_grows() {
        let root = tempfile::tempdir().unwrap();
        let layout = Layout::under(root.path());
        let prev = State {
            key: "stale".into(),
            dirs: vec!["/old/bin".into()],
        }
        .render();
        let out = hook_env(
            Shell::Bash,
            &layout,
            root.path(),
            OsStr::new("/old/bin:/usr/bin:/bin"),
            Some(&prev),
            None,
            None,
        );
        assert!(out.contains("export PATH='/usr/bin:/bin';"), "{out}");
        assert!(out.contains(STATE_VAR));
    }
}
