//! The sandbox policy model: what a run may read, write, reach and see ([`Settings`]), read from
//! `--sandbox` flags and from a project's `[sandbox]` table, and which parts of a table widen
//! the defaults (those need `envm trust`).
//!
//! `[sandbox]` in envm.toml (the table's presence opts the project in):
//! `policy = "workspace-write" | "read-only" | "best-effort"`, `allow_net = true`,
//! `allow_read = ["path", …]`, `allow_write = ["path", …]` (relative to the file's folder),
//! `allow_env = ["NAME", …]`. Narrowing (read-only, paths inside the project, non-secret names)
//! applies at once; widening (best-effort, network, paths outside the project, secret names)
//! only once the file is trusted.

use std::path::{Path, PathBuf};

use super::{PolicyName, SandboxError, SandboxFlags, env_filter, roots};
use crate::layout::Layout;
use crate::project::PinError;
use crate::project::trust;

/// What the filesystem layer allows writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsPolicy {
    /// The project folder, the tool caches and a private temp dir.
    WorkspaceWrite,
    /// Only the private temp dir (and /dev/null-like devices).
    ReadOnly,
}

/// A sandboxed run's allowances, paths absolute and canonical.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub fs: FsPolicy,
    /// Run with the layers this host can enforce, printing the missing ones, instead of refusing.
    pub best_effort: bool,
    pub allow_net: bool,
    pub allow_read: Vec<PathBuf>,
    pub allow_write: Vec<PathBuf>,
    pub allow_env: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            fs: FsPolicy::WorkspaceWrite,
            best_effort: false,
            allow_net: false,
            allow_read: Vec::new(),
            allow_write: Vec::new(),
            allow_env: Vec::new(),
        }
    }
}

impl Settings {
    fn apply_policy(&mut self, name: PolicyName) {
        match name {
            PolicyName::WorkspaceWrite => self.fs = FsPolicy::WorkspaceWrite,
            PolicyName::ReadOnly => self.fs = FsPolicy::ReadOnly,
            PolicyName::BestEffort => {
                self.fs = FsPolicy::WorkspaceWrite;
                self.best_effort = true;
            }
        }
    }
}

/// A project's `[sandbox]` table: its settings and the parts of it that widen the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSandbox {
    pub file: PathBuf,
    pub settings: Settings,
    /// Human descriptions of each widening entry (`allow_net`, `allow_write /srv (outside the
    /// project)`, …); empty when the table only narrows.
    pub widening: Vec<String>,
}

/// The `[sandbox]` table of `project_file` (an envm.toml), or `None` when the file is missing
/// or has no such table. Trust is checked later, by [`decide`].
pub fn project_policy(project_file: &Path) -> Result<Option<ProjectSandbox>, SandboxError> {
    // The one schema (parsed once per process, shared with pin discovery): an unknown table
    // or key is an error there, so a typo never drops the sandbox.
    let file = match crate::project::project_file::load(project_file) {
        Ok(Some(file)) => file,
        Ok(None) => return Ok(None),
        Err(PinError::Unreadable { path, source }) => {
            return Err(SandboxError::Read { path, source });
        }
        Err(PinError::Malformed {
            path,
            line,
            message,
            ..
        }) => {
            return Err(SandboxError::Config {
                file: path,
                line,
                message,
            });
        }
        Err(other) => {
            return Err(SandboxError::Config {
                file: project_file.to_path_buf(),
                line: 1,
                message: other.to_string(),
            });
        }
    };
    let Some(table) = file.sandbox.clone() else {
        return Ok(None);
    };
    let line = table.line;
    let config_error = |line: usize, message: String| SandboxError::Config {
        file: project_file.to_path_buf(),
        line,
        message,
    };
    let dir = project_file.parent().unwrap_or(Path::new("/"));
    let project = dir.canonicalize().map_err(|source| SandboxError::Read {
        path: dir.to_path_buf(),
        source,
    })?;

    let mut settings = Settings::default();
    let mut widening = Vec::new();
    if let Some(name) = table.policy {
        settings.apply_policy(name);
        if name == PolicyName::BestEffort {
            widening.push("policy = \"best-effort\"".to_string());
        }
    }
    if table.allow_net {
        settings.allow_net = true;
        widening.push("allow_net".to_string());
    }
    for (key, list, out) in [
        ("allow_read", &table.allow_read, &mut settings.allow_read),
        ("allow_write", &table.allow_write, &mut settings.allow_write),
    ] {
        for raw in list {
            let path = roots::resolve_allowance(&project, Path::new(raw))
                .map_err(|e| config_error(line, format!("{key}: `{raw}`: {e}")))?;
            if !path.starts_with(&project) {
                widening.push(format!("{key} {} (outside the project)", path.display()));
            }
            out.push(path);
        }
    }
    for name in table.allow_env {
        if env_filter::is_secret(&name) {
            widening.push(format!("allow_env {name}"));
        }
        settings.allow_env.push(name);
    }
    Ok(Some(ProjectSandbox {
        file: project_file.to_path_buf(),
        settings,
        widening,
    }))
}

/// Whether and how to sandbox: `flags` from the command line (none for a shim), `project`
/// from [`project_policy`]. `None` means run unsandboxed. Untrusted widening is refused;
/// command-line allowances are the user's own and always apply. Relative flag paths are
/// taken from `cwd`.
pub fn decide(
    flags: Option<&SandboxFlags>,
    project: Option<ProjectSandbox>,
    layout: &Layout,
    cwd: &Path,
) -> Result<Option<Settings>, SandboxError> {
    let requested = flags.and_then(|f| f.sandbox);
    if requested.is_none() && project.is_none() {
        if flags.is_some_and(SandboxFlags::has_allowances) {
            return Err(SandboxError::AllowWithoutSandbox);
        }
        return Ok(None);
    }
    let mut settings = match project {
        Some(project) => {
            if !project.widening.is_empty() && !trust::is_trusted(layout, &project.file)? {
                return Err(SandboxError::Untrusted {
                    file: project.file,
                    widening: project.widening,
                });
            }
            project.settings
        }
        None => Settings::default(),
    };
    let Some(flags) = flags else {
        return Ok(Some(settings));
    };
    if let Some(Some(name)) = flags.sandbox {
        settings.apply_policy(name);
    }
    settings.allow_net |= flags.allow_net;
    for (list, out) in [
        (&flags.allow_read, &mut settings.allow_read),
        (&flags.allow_write, &mut settings.allow_write),
    ] {
        for path in list {
            out.push(roots::resolve_allowance(cwd, path)?);
        }
    }
    settings.allow_env.extend(flags.allow_env.iter().cloned());
    Ok(Some(settings))
}

/// The sandbox's project folder for a run in `cwd`: the nearest folder at or above `cwd`
/// holding a pin file, else `cwd`. Folders at or above `home` are never chosen (a pin file
/// in the home folder does not make the whole home the project).
pub fn project_dir(cwd: &Path, home: Option<&Path>) -> PathBuf {
    let names = crate::project::PROJECT_FILES.iter().chain(
        crate::tools::Tool::ALL
            .iter()
            .flat_map(|t| t.own_pin_files().iter()),
    );
    let names: Vec<&str> = names.copied().collect();
    // Compared in canonical form: a home reached through a symlink (`/home -> var/home`)
    // still stops the search.
    let home = roots::canonical_home(home);
    let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    cwd.ancestors()
        .take_while(|dir| home.as_ref().is_none_or(|h| !h.starts_with(dir)))
        .find(|dir| names.iter().any(|n| dir.join(n).is_file()))
        .unwrap_or(&cwd)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(
        text: &str,
    ) -> (
        tempfile::TempDir,
        Result<Option<ProjectSandbox>, SandboxError>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("envm.toml");
        std::fs::write(&file, text).unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        let got = project_policy(&file);
        (dir, got)
    }

    #[test]
    fn narrowing_table_needs_no_trust() {
        let (_d, got) = project(
            "[tools]\nnode = \"22\"\n[sandbox]\npolicy = \"read-only\"\nallow_write = [\"out\"]\nallow_env = [\"LANG\"]\n",
        );
        let got = got.unwrap().unwrap();
        assert_eq!(got.settings.fs, FsPolicy::ReadOnly);
        assert!(got.widening.is_empty(), "{:?}", got.widening);
    }

    #[test]
    fn widening_entries_are_listed() {
        let (_d, got) = project(
            "[sandbox]\nallow_net = true\nallow_read = [\"/usr\"]\nallow_env = [\"NPM_TOKEN\"]\n",
        );
        let got = got.unwrap().unwrap();
        assert_eq!(got.widening.len(), 3, "{:?}", got.widening);
    }

    #[test]
    fn dotdot_escape_counts_as_outside() {
        let (_d, got) = project("[sandbox]\nallow_write = [\"out/../..\"]\n");
        assert_eq!(got.unwrap().unwrap().widening.len(), 1);
    }

    #[test]
    fn unknown_key_names_line() {
        let (_d, got) = project("[tools]\n\n[sandbox]\nallow_netw = true\n");
        match got {
            Err(SandboxError::Config { line, message, .. }) => {
                assert_eq!(line, 4, "{message}");
                assert!(message.contains("allow_netw"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn project_dir_stops_below_home() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let sub = home.join("proj/src");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(home.join(".tool-versions"), "node 22\n").unwrap();
        assert_eq!(project_dir(&sub, Some(&home)), sub);
        std::fs::write(home.join("proj/.nvmrc"), "22\n").unwrap();
        assert_eq!(project_dir(&sub, Some(&home)), home.join("proj"));
    }

    #[test]
    fn project_dir_compares_canonical_home() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let real_home = root.join("var/home/me");
        std::fs::create_dir_all(real_home.join("proj")).unwrap();
        std::fs::write(real_home.join(".tool-versions"), "ruby 3.3.0\n").unwrap();
        std::os::unix::fs::symlink("var/home", root.join("homes")).unwrap();
        let home = root.join("homes/me");
        let proj = real_home.join("proj");
        assert_eq!(project_dir(&proj, Some(&home)), proj);
    }

    #[test]
    fn symlinked_allowance_names_the_link() {
        // A fresh folder: project files are parsed once per process, so the file is written
        // before its first read.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink("out", dir.path().join("link")).unwrap();
        std::fs::write(
            dir.path().join("envm.toml"),
            "[sandbox]\nallow_read = [\"link\"]\n",
        )
        .unwrap();
        match project_policy(&dir.path().join("envm.toml")) {
            Err(SandboxError::Config { message, .. }) => {
                assert!(message.contains("link is a symlink"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_table_is_none() {
        let (_d, got) = project("[tools]\nnode = \"22\"\n");
        assert!(got.unwrap().is_none());
    }
}
