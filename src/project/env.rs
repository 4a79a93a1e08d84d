//! A project's `[env]` table: variables envm sets for what runs in the project (`envm exec`,
//! shims, `envm env`, shell activation). Values may use `{{project_root}}` (the folder holding
//! the envm.toml) and `$NAME` / `${NAME}` (the environment, including earlier entries of the
//! table). Setting variables is a widening setting: it applies only once the user has run
//! `envm trust` on that exact file content. Names are checked when the file is parsed
//! ([`project_file`]): plain shell words, never envm's own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::layout::Layout;
use crate::project::PinError;
use crate::project::project_file::{self, ProjectFile};
use crate::project::trust::{self, TrustError};

/// The expanded `[env]` of one project file, in the file's key order.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectEnv {
    pub file: PathBuf,
    pub vars: Vec<(String, String)>,
}

/// An `[env]` table that cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum ProjectEnvError {
    #[error(transparent)]
    Invalid(#[from] PinError),
    #[error("{} sets variables ({names}) but is not trusted", .file.display())]
    Untrusted { file: PathBuf, names: String },
    #[error(transparent)]
    Trust(#[from] TrustError),
}

impl Diagnostic for ProjectEnvError {
    fn hint(&self) -> Option<String> {
        match self {
            ProjectEnvError::Invalid(e) => e.hint(),
            ProjectEnvError::Untrusted { file, .. } => Some(format!(
                "review its [env] table, then run `envm trust {}`",
                file.display()
            )),
            ProjectEnvError::Trust(e) => e.hint(),
        }
    }
}

/// The `[env]` of `project_file`, expanded against this process's environment; `None` when
/// the file has no (or an empty) `[env]` table. Untrusted content is an error.
pub fn load(layout: &Layout, project_file: &Path) -> Result<Option<ProjectEnv>, ProjectEnvError> {
    load_with(layout, project_file, |name| std::env::var(name).ok())
}

/// [`load`], with `$NAME` taken from `lookup` (activation passes the values variables had
/// before envm set them, so `PATH_LIKE = "$PATH_LIKE:x"` does not grow at each change).
pub fn load_with(
    layout: &Layout,
    project_file: &Path,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProjectEnv>, ProjectEnvError> {
    let Some(file) = project_file::load(project_file)? else {
        return Ok(None);
    };
    if file.env.is_empty() {
        return Ok(None);
    }
    if !trust::is_trusted_content(layout, project_file, file.text.as_bytes())? {
        let names: Vec<&str> = file.env.iter().map(|e| e.name.as_str()).collect();
        return Err(ProjectEnvError::Untrusted {
            file: project_file.to_path_buf(),
            names: names.join(", "),
        });
    }
    Ok(Some(expand_all(&file, lookup)))
}

/// The `[env]` of `file` expanded, whether or not it is trusted (for `envm trust` to show).
pub fn expand_all(file: &ProjectFile, lookup: impl Fn(&str) -> Option<String>) -> ProjectEnv {
    let root = file.path.parent().unwrap_or(Path::new("/"));
    let mut vars: Vec<(String, String)> = Vec::new();
    for entry in &file.env {
        let value = expand(&entry.value, root, |n| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .or_else(|| lookup(n))
        });
        vars.push((entry.name.clone(), value));
    }
    ProjectEnv {
        file: file.path.clone(),
        vars,
    }
}

/// Replaces `{{project_root}}` with `root` and `$NAME` / `${NAME}` with `lookup(NAME)` (empty
/// when unset). `$$` is a literal `$`.
fn expand(value: &str, root: &Path, lookup: impl Fn(&str) -> Option<String>) -> String {
    let value = value.replace("{{project_root}}", &root.to_string_lossy());
    let mut out = String::with_capacity(value.len());
    let mut rest = value.as_str();
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(braced) = after.strip_prefix('{')
            && let Some(end) = braced.find('}')
        {
            out.push_str(&lookup(&braced[..end]).unwrap_or_default());
            rest = &braced[end + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len == 0 {
                out.push('$');
            } else {
                out.push_str(&lookup(&after[..len]).unwrap_or_default());
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    out
}

/// `env` with the project's variables set (replacing earlier values of the same names).
pub fn apply(env: &mut Vec<(OsString, OsString)>, project: &ProjectEnv) {
    for (name, value) in &project.vars {
        env.retain(|(k, _)| k != name.as_str());
        env.push((name.into(), value.into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_project_root_and_variables() {
        let lookup = |n: &str| match n {
            "HOME" => Some("/home/u".to_string()),
            "A" => Some("x".to_string()),
            _ => None,
        };
        let root = Path::new("/p");
        assert_eq!(expand("{{project_root}}/bin", root, lookup), "/p/bin");
        assert_eq!(
            expand("$HOME/.cache:${A}y", root, lookup),
            "/home/u/.cache:xy"
        );
        assert_eq!(expand("$MISSING-$$-$", root, lookup), "-$-$");
    }
}
