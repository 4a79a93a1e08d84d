//! The one schema of `envm.toml` (and `.envm.toml`, and the global `config.toml`): `[tools]`,
//! `[env]`, `[python]` and `[sandbox]`. Every consumer (pin discovery, `[env]`, the venv, the
//! sandbox policy, `envm trust`) reads the file through [`load`] or [`parse`], so one parse
//! decides what the file means. Unknown tables and keys are errors naming the file, the line
//! and the name (a typo such as `[sandbx]` must never silently drop a sandbox), and `[env]`
//! names are checked here, at parse time, before any of them can reach a shell.
//!
//! [`load`] keeps each file parsed once per process (a shim reads the same envm.toml for its
//! pin, its `[env]`, its venv and its sandbox).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::{Pin, PinError, PinSource};
use crate::diag::printable_line;
use crate::sandbox::PolicyName;
use crate::tools::Tool;
use crate::version::spec::Spec;

/// Which kind of TOML file is read: a project's envm.toml or the user's global config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Project,
    Global,
}

/// One parsed envm.toml, with the text it was parsed from (trust hashes exactly that text).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectFile {
    pub path: PathBuf,
    pub text: String,
    pub pins: Vec<Pin>,
    /// `[env]`, in the file's order.
    pub env: Vec<EnvEntry>,
    /// `[python] venv`, as written.
    pub venv: Option<Located<String>>,
    pub sandbox: Option<SandboxTable>,
    /// `[signatures]` as written (global config only; read by `fetch::verify::config`).
    pub signatures: Option<Located<toml::Table>>,
}

/// A value and the line it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
}

/// One `[env]` entry; the value as written (numbers and booleans as text).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvEntry {
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// The `[sandbox]` table as written; [`crate::sandbox::project_policy`] gives it meaning.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SandboxTable {
    pub line: usize,
    pub policy: Option<PolicyName>,
    pub allow_net: bool,
    pub allow_read: Vec<String>,
    pub allow_write: Vec<String>,
    pub allow_env: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    tools: BTreeMap<String, toml::Spanned<ToolValue>>,
    env: Option<toml::Spanned<EnvTable>>,
    python: Option<PythonTable>,
    sandbox: Option<toml::Spanned<RawSandbox>>,
    /// Signature keys and opt-outs: the global config only.
    signatures: Option<toml::Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ToolValue {
    One(Scalar),
    Many(Vec<Scalar>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PythonTable {
    venv: Option<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSandbox {
    policy: Option<PolicyName>,
    #[serde(default)]
    allow_net: bool,
    #[serde(default)]
    allow_read: Vec<String>,
    #[serde(default)]
    allow_write: Vec<String>,
    #[serde(default)]
    allow_env: Vec<String>,
}

/// `[env]` entries in the file's order, each value with its span.
struct EnvTable(Vec<(String, toml::Spanned<toml::Value>)>);

impl<'de> Deserialize<'de> for EnvTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<EnvTable, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = EnvTable;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of `NAME = \"value\"` entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvTable, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(EnvTable(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

const TOOLS_HINT: &str =
    "envm.toml pins tools as `[tools]` entries: `TOOL = \"SPEC\"` or `TOOL = [\"SPEC\", \"SPEC\"]`";
const SCHEMA_HINT: &str = "envm.toml holds the tables [tools], [env], [python] (venv) and [sandbox] (policy, allow_net, allow_read, allow_write, allow_env)";

fn malformed(path: &Path, line: usize, message: impl AsRef<str>, hint: Option<&str>) -> PinError {
    PinError::Malformed {
        path: path.to_path_buf(),
        line,
        message: printable_line(message.as_ref()),
        hint: hint.map(str::to_string),
    }
}

/// Parses `text`, the content of `path`.
pub fn parse(path: &Path, text: &str, kind: Kind) -> Result<ProjectFile, PinError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(s.start)).unwrap_or(1);
        let message = e.message().trim().to_string();
        let hint = if message.contains("unknown field") {
            SCHEMA_HINT
        } else {
            TOOLS_HINT
        };
        malformed(
            path,
            line,
            format!("invalid envm.toml: {message}"),
            Some(hint),
        )
    })?;
    if kind == Kind::Project
        && let Some(signatures) = &raw.signatures
    {
        return Err(malformed(
            path,
            line_of(signatures.span().start),
            "[signatures] is read from the global config only",
            Some("move it to config.toml in envm's config folder"),
        ));
    }
    let mut pins = Vec::new();
    for (name, value) in raw.tools {
        let line = line_of(value.span().start);
        pins.push(tool_pin(path, line, &name, value.into_inner())?);
    }
    let mut env = Vec::new();
    if let Some(table) = raw.env {
        for (name, value) in table.into_inner().0 {
            let line = line_of(value.span().start);
            env.push(env_entry(path, line, name, value.into_inner())?);
        }
    }
    let venv = raw.python.and_then(|p| p.venv).map(|v| Located {
        line: line_of(v.span().start),
        value: v.into_inner(),
    });
    let sandbox = raw.sandbox.map(|spanned| {
        let line = line_of(spanned.span().start);
        let t = spanned.into_inner();
        SandboxTable {
            line,
            policy: t.policy,
            allow_net: t.allow_net,
            allow_read: t.allow_read,
            allow_write: t.allow_write,
            allow_env: t.allow_env,
        }
    });
    let signatures = raw.signatures.map(|table| Located {
        line: line_of(table.span().start),
        value: table.into_inner(),
    });
    Ok(ProjectFile {
        path: path.to_path_buf(),
        text: text.to_string(),
        pins,
        env,
        venv,
        sandbox,
        signatures,
    })
}

fn tool_pin(path: &Path, line: usize, name: &str, value: ToolValue) -> Result<Pin, PinError> {
    let tool = Tool::from_name(name).ok_or_else(|| {
        malformed(
            path,
            line,
            format!("unknown tool `{name}` in [tools]"),
            Some(&format!("envm manages {}", crate::tools::names_sentence())),
        )
    })?;
    let scalars = match value {
        ToolValue::One(s) => vec![s],
        ToolValue::Many(list) => list,
    };
    if scalars.is_empty() {
        return Err(malformed(
            path,
            line,
            format!("`{name}` lists no version"),
            None,
        ));
    }
    let parse_spec = |text: &str| {
        Spec::parse(tool, text).map_err(|e| malformed(path, line, e.to_string(), Some(&e.hint())))
    };
    let specs = scalars
        .into_iter()
        .map(|s| match s {
            Scalar::Text(t) => parse_spec(&t),
            Scalar::Integer(i) => parse_spec(&i.to_string()),
            Scalar::Float(f) => Err(malformed(
                path,
                line,
                format!(
                    "`{name} = {f}` is a number, and numbers lose trailing zeros (3.10 reads as 3.1)"
                ),
                Some(&format!("quote the version: {name} = \"{f}\"")),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Pin {
        tool,
        specs,
        source: PinSource::File(path.to_path_buf()),
    })
}

fn env_entry(
    path: &Path,
    line: usize,
    name: String,
    value: toml::Value,
) -> Result<EnvEntry, PinError> {
    const ENV_HINT: &str = "[env] holds `NAME = \"value\"` entries: NAME is letters, digits and `_` (not starting with a digit, not envm's own ENVM_*), values may use {{project_root}} and $NAME";
    if let Some(problem) = env_name_problem(&name) {
        return Err(malformed(
            path,
            line,
            format!("[env] `{name}` {problem}"),
            Some(ENV_HINT),
        ));
    }
    let value = match value {
        toml::Value::String(s) => s,
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => {
            return Err(malformed(
                path,
                line,
                format!(
                    "[env] {name}: a {} is not a variable value",
                    other.type_str()
                ),
                Some(ENV_HINT),
            ));
        }
    };
    Ok(EnvEntry { name, value, line })
}

/// Why `name` may not be set by a project's `[env]`, or `None` when it may.
pub fn env_name_problem(name: &str) -> Option<&'static str> {
    if !is_variable_name(name) {
        return Some("is not a variable name (`[A-Za-z_][A-Za-z0-9_]*`)");
    }
    let upper = name.to_ascii_uppercase();
    if ["ENVM_", "_ENVM_", "__ENVM_"]
        .iter()
        .any(|prefix| upper.starts_with(prefix))
    {
        return Some("is envm's own variable; a project cannot set it");
    }
    None
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a name every shell takes as a plain word.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

type Cache = Mutex<HashMap<PathBuf, Arc<ProjectFile>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// The project file at `path`, read and parsed once per process; `None` when it does not
/// exist. A file that exists but cannot be read, or does not parse, is an error.
pub fn load(path: &Path) -> Result<Option<Arc<ProjectFile>>, PinError> {
    if let Ok(map) = cache().lock()
        && let Some(found) = map.get(path)
    {
        return Ok(Some(found.clone()));
    }
    match super::read_if_exists(path)? {
        Some(text) => parse_cached(path, &text).map(Some),
        None => Ok(None),
    }
}

/// [`parse`] of a project file whose text the caller has read; kept for [`load`].
pub fn parse_cached(path: &Path, text: &str) -> Result<Arc<ProjectFile>, PinError> {
    if let Ok(map) = cache().lock()
        && let Some(found) = map.get(path).filter(|f| f.text == text)
    {
        return Ok(found.clone());
    }
    let parsed = Arc::new(parse(path, text, Kind::Project)?);
    if let Ok(mut map) = cache().lock() {
        map.insert(path.to_path_buf(), parsed.clone());
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_line(text: &str) -> (usize, String) {
        match parse(Path::new("/p/envm.toml"), text, Kind::Project) {
            Err(PinError::Malformed { line, message, .. }) => (line, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_table_in_one_parse() {
        let text = "[tools]\nnode = \"22\"\n[env]\nZED = \"1\"\nALPHA = 2\n[python]\nvenv = \".venv\"\n[sandbox]\npolicy = \"read-only\"\nallow_net = true\n";
        let file = parse(Path::new("/p/envm.toml"), text, Kind::Project).unwrap();
        assert_eq!(file.pins.len(), 1);
        let names: Vec<(&str, usize)> =
            file.env.iter().map(|e| (e.name.as_str(), e.line)).collect();
        assert_eq!(names, [("ZED", 4), ("ALPHA", 5)]);
        assert_eq!(file.venv.unwrap().line, 7);
        let sandbox = file.sandbox.unwrap();
        assert_eq!((sandbox.line, sandbox.allow_net), (8, true));
    }

    #[test]
    fn unknown_tables_and_keys_name_line_and_name() {
        let (line, message) =
            err_line("[tools]\nnode = \"22\"\n\n[sandbx]\npolicy = \"read-only\"\n");
        assert_eq!(line, 4, "{message}");
        assert!(message.contains("sandbx"), "{message}");
        let (line, message) = err_line("[sandbox]\npolicy = \"read-only\"\nallow_netw = true\n");
        assert_eq!(line, 3, "{message}");
        assert!(message.contains("allow_netw"), "{message}");
        let (line, message) = err_line("[python]\nvenv = \"v\"\nvenvs = \"w\"\n");
        assert_eq!(line, 3, "{message}");
        assert!(message.contains("venvs"), "{message}");
        let (line, _) = err_line("[tools]\n[signatures]\nzig-keys = []\n");
        assert_eq!(line, 2);
        assert!(
            parse(
                Path::new("/c/config.toml"),
                "[signatures]\nzig-keys = []\n",
                Kind::Global
            )
            .is_ok()
        );
    }

    #[test]
    fn env_names_are_plain_and_not_envms() {
        for bad in [
            "\"X;touch f;Y\" = \"1\"",
            "\"A\\nB\" = \"1\"",
            "ENVM_HOME = \"/x\"",
            "_envm_bin = \"x\"",
            "__ENVM_STATE = \"x\"",
            "\"1X\" = \"1\"",
            "\"\" = \"1\"",
        ] {
            let (line, message) = err_line(&format!("[tools]\n[env]\nOK = \"1\"\n{bad}\n"));
            assert_eq!(line, 4, "{bad}: {message}");
            assert!(!message.contains('\n'), "{message:?}");
        }
        assert!(is_variable_name("_a1"));
    }
}
