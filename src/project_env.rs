//! A project's `[env]` table: variables envm sets for what runs in the project (`envm exec`,
//! shims, `envm env`, shell activation). Values may use `{{project_root}}` (the folder holding
//! the envm.toml) and `$NAME` / `${NAME}` (the environment, including earlier entries of the
//! table). Setting variables is a widening setting: it applies only once the user has run
//! `envm trust` on that exact file content.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::layout::Layout;
use crate::sandbox::{SandboxError, trust};

/// The expanded `[env]` of one project file, in the file's key order.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectEnv {
    pub file: PathBuf,
    pub vars: Vec<(String, String)>,
}

/// An `[env]` table that cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum ProjectEnvError {
    #[error("{}:{line}: {message}", .file.display())]
    Invalid {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{} sets variables ({names}) but is not trusted", .file.display())]
    Untrusted { file: PathBuf, names: String },
    #[error(transparent)]
    Trust(#[from] SandboxError),
}

impl ProjectEnvError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ProjectEnvError::Invalid { .. } => Some(
                "[env] holds `NAME = \"value\"` entries; values may use {{project_root}} and $NAME"
                    .into(),
            ),
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
    let Ok(text) = std::fs::read_to_string(project_file) else {
        return Ok(None);
    };
    // Most project files have no [env]: skip the parse (this runs in every shim call).
    if !text.contains("env") {
        return Ok(None);
    }
    let table = parse(project_file, &text)?;
    if table.is_empty() {
        return Ok(None);
    }
    if !trust::is_trusted(layout, project_file)? {
        let names: Vec<&str> = table.iter().map(|(name, _)| name.as_str()).collect();
        return Err(ProjectEnvError::Untrusted {
            file: project_file.to_path_buf(),
            names: names.join(", "),
        });
    }
    let root = project_file.parent().unwrap_or(Path::new("/"));
    let mut vars: Vec<(String, String)> = Vec::new();
    for (name, value) in table {
        let value = expand(&value, root, |n| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .or_else(|| lookup(n))
        });
        vars.push((name, value));
    }
    Ok(Some(ProjectEnv {
        file: project_file.to_path_buf(),
        vars,
    }))
}

/// The `[env]` entries in file order, values as written (numbers and booleans as text).
fn parse(file: &Path, text: &str) -> Result<Vec<(String, String)>, ProjectEnvError> {
    #[derive(Deserialize)]
    struct ProjectToml {
        env: Option<toml::Spanned<toml::Table>>,
    }
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let invalid = |line: usize, message: String| ProjectEnvError::Invalid {
        file: file.to_path_buf(),
        line,
        message,
    };
    let doc: ProjectToml = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(s.start)).unwrap_or(1);
        invalid(line, e.message().trim().to_string())
    })?;
    let Some(table) = doc.env else {
        return Ok(Vec::new());
    };
    let line = line_of(table.span().start);
    // `preserve_order` keeps the file's order, which expansion of `$NAME` follows.
    let mut entries = Vec::new();
    for (name, value) in table.into_inner() {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(invalid(line, format!("`{name}` is not a variable name")));
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(invalid(
                    line,
                    format!(
                        "[env] {name}: a {} is not a variable value",
                        other.type_str()
                    ),
                ));
            }
        };
        entries.push((name, value));
    }
    Ok(entries)
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

    #[test]
    fn keeps_file_order_and_rejects_tables() {
        let file = Path::new("/p/envm.toml");
        let text = "[env]\nZED = \"1\"\nALPHA = \"$ZED\"\nN = 3\n";
        let entries = parse(file, text).unwrap();
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ZED", "ALPHA", "N"]);
        assert!(matches!(
            parse(file, "[tools]\nnode = \"22\"\n\n[env]\nX = [1]\n"),
            Err(ProjectEnvError::Invalid { line: 4, .. })
        ));
    }
}
