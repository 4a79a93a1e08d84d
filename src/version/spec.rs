//! Version specs: what a user writes after `@` or in a pin file, and whether a concrete
//! version satisfies it.
//!
//! Forms (README lists them too): exact `3.12.7` / `v22.11.0` / `go1.22.0`, prefix `3.12`
//! (whole components), `latest` (also nvm's `node` and `stable`), node's `lts`, `lts/*` and
//! `lts/<codename>`, semver-style ranges (`^20.1`, `~1.22`, `>=3.11, <3.13`, `20.x`, `||`),
//! `system` and `path:/dir`. Pre-releases match only an exact spec that names them.

use std::fmt;
use std::path::PathBuf;

use crate::tools::Tool;
use crate::version::Version;

/// A parsed spec, keeping the text the user wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    raw: String,
    kind: SpecKind,
    freethreaded: bool,
}

/// What a spec asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecKind {
    /// Every component given (or a pre-release named): only this version.
    Exact(Version),
    /// Leading components: the newest version starting with them.
    Prefix(Vec<u64>),
    /// The newest stable release.
    Latest,
    /// Node LTS: the newest LTS release, or the newest of one line (lowercase codename).
    Lts(Option<String>),
    /// A moving line the tool's index names (`master`, see `SpecRules::channels`): the
    /// release tagged with it, pre-release or not.
    Channel(String),
    /// Alternatives (`||`) of comparator sets that must all hold.
    Range(Vec<Vec<Comparator>>),
    /// Not managed here: the next executable on PATH after envm's shims.
    System,
    /// A toolchain already unpacked at this folder.
    Path(PathBuf),
}

/// One comparator of a range, against a possibly partial version (`<3.13`, `^20.1`).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparator {
    op: Op,
    nums: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
    Caret,
    Tilde,
}

/// A spec that cannot be read, with what was wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{spec}` is not a valid {tool} version spec: {reason}")]
pub struct SpecError {
    pub tool: Tool,
    pub spec: String,
    pub reason: String,
}

impl SpecError {
    pub fn hint(&self) -> String {
        let def = self.tool.def();
        let lts = if def.spec.lts {
            ", `lts`, `lts/iron`"
        } else {
            ""
        };
        format!(
            "write an exact version (`{}`), a prefix (`{}`), `latest`{lts}, a range (`>=1.2, <2`), `system` or `path:/dir`",
            def.examples.exact, def.examples.prefix
        )
    }
}

impl Spec {
    /// Parses `text` as a spec for `tool`.
    pub fn parse(tool: Tool, text: &str) -> Result<Spec, SpecError> {
        let raw = text.trim();
        let err = |reason: &str| SpecError {
            tool,
            spec: raw.to_string(),
            reason: reason.to_string(),
        };
        if raw.is_empty() {
            return Err(err("it is empty"));
        }
        let lower = raw.to_ascii_lowercase();
        let mut freethreaded = false;
        let kind = if lower == "system" {
            SpecKind::System
        } else if let Some(path) = raw.strip_prefix("path:") {
            if path.is_empty() {
                return Err(err("`path:` needs a folder after it"));
            }
            SpecKind::Path(PathBuf::from(path))
        } else if lower == "latest"
            || lower == "stable"
            || tool.def().spec.latest_aliases.contains(&lower.as_str())
        {
            SpecKind::Latest
        } else if tool.def().spec.channels.contains(&lower.as_str()) {
            SpecKind::Channel(lower.clone())
        } else if lower == "lts" || lower.starts_with("lts/") || lower.starts_with("lts-") {
            if !tool.def().spec.lts {
                return Err(err("this tool has no LTS lines"));
            }
            match &lower[3..] {
                "" | "/*" => SpecKind::Lts(None),
                name if name[1..].chars().all(|c| c.is_ascii_alphabetic()) && name.len() > 1 => {
                    SpecKind::Lts(Some(name[1..].to_string()))
                }
                _ => return Err(err("an LTS spec is `lts`, `lts/*` or `lts/<codename>`")),
            }
        } else if is_range(raw) {
            SpecKind::Range(parse_range(raw).ok_or_else(|| err("the range cannot be read"))?)
        } else {
            // A tool's own prefix (`go1.22.0`) is not part of the number.
            let number = tool
                .def()
                .spec
                .version_prefix
                .and_then(|prefix| raw.strip_prefix(prefix))
                .unwrap_or(raw);
            let version = Version::parse(number).map_err(|_| err("it is not a version number"))?;
            if version.is_freethreaded() && !tool.def().spec.freethreaded {
                return Err(err(
                    "this tool has no free-threaded builds (the `t` suffix)",
                ));
            }
            freethreaded = version.is_freethreaded();
            if version.components().len() >= 3 || version.is_prerelease() {
                SpecKind::Exact(version)
            } else {
                SpecKind::Prefix(version.components().to_vec())
            }
        };
        Ok(Spec {
            raw: raw.to_string(),
            kind,
            freethreaded,
        })
    }

    /// The text as the user wrote it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn kind(&self) -> &SpecKind {
        &self.kind
    }

    /// Python free-threaded request (`3.13t`).
    pub fn is_freethreaded(&self) -> bool {
        self.freethreaded
    }

    /// True when matching needs upstream facts (node's LTS lines), so installed versions alone
    /// cannot decide it.
    pub fn needs_upstream_facts(&self) -> bool {
        matches!(self.kind, SpecKind::Lts(_) | SpecKind::Channel(_))
    }

    /// Whether `version` satisfies this spec. `lts_line` tells, for node, the LTS codename of a
    /// version (lowercase) when known; without it LTS specs match nothing.
    pub fn matches(&self, version: &Version, lts_line: Option<&str>) -> bool {
        if version.is_freethreaded() != self.freethreaded {
            return false;
        }
        match &self.kind {
            SpecKind::Exact(want) => version == want,
            SpecKind::Prefix(prefix) => !version.is_prerelease() && version.starts_with(prefix),
            SpecKind::Latest => !version.is_prerelease(),
            SpecKind::Lts(line) => {
                !version.is_prerelease()
                    && match (line, lts_line) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
                    }
            }
            SpecKind::Channel(want) => lts_line == Some(want.as_str()),
            SpecKind::Range(alternatives) => {
                !version.is_prerelease()
                    && alternatives
                        .iter()
                        .any(|set| set.iter().all(|c| c.matches(version)))
            }
            SpecKind::System | SpecKind::Path(_) => false,
        }
    }

    /// The newest of `candidates` that satisfies this spec.
    pub fn best_match<'a, I>(&self, candidates: I) -> Option<&'a Version>
    where
        I: IntoIterator<Item = &'a Version>,
    {
        candidates
            .into_iter()
            .filter(|v| self.matches(v, None))
            .max()
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn is_range(raw: &str) -> bool {
    raw.starts_with(['^', '~', '>', '<', '='])
        || raw.contains(',')
        || raw.contains("||")
        || raw.contains(' ')
        || raw == "*"
        || raw.ends_with(".x")
        || raw.ends_with(".*")
        || raw == "x"
}

fn parse_range(raw: &str) -> Option<Vec<Vec<Comparator>>> {
    raw.split("||")
        .map(|alternative| {
            let mut set = Vec::new();
            let mut tokens = alternative
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|t| !t.is_empty())
                .peekable();
            while let Some(token) = tokens.next() {
                // `>= 3.11` with a space: the operator stands alone.
                let token = if token.chars().all(|c| "<>=^~".contains(c)) {
                    format!("{token}{}", tokens.next()?)
                } else {
                    token.to_string()
                };
                set.push(Comparator::parse(&token)?);
            }
            (!set.is_empty()).then_some(set)
        })
        .collect()
}

impl Comparator {
    fn parse(token: &str) -> Option<Comparator> {
        let (op, rest) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("==", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
            ("^", Op::Caret),
            ("~", Op::Tilde),
        ]
        .iter()
        .find_map(|(text, op)| token.strip_prefix(text).map(|rest| (*op, rest)))
        .unwrap_or((Op::Eq, token));
        let rest = rest.trim_start_matches(['v', 'V']);
        // Wildcards end the version: `20.x`, `3.*`, `*`.
        let mut nums = Vec::new();
        for part in rest.split('.') {
            match part {
                "x" | "X" | "*" => break,
                _ => nums.push(part.parse::<u64>().ok()?),
            }
        }
        if nums.len() > 4 || (nums.is_empty() && op != Op::Eq) {
            return None;
        }
        Some(Comparator { op, nums })
    }

    fn matches(&self, v: &Version) -> bool {
        let n = &self.nums;
        let cmp = |bound: &[u64]| {
            (0..4)
                .map(|i| v.component(i).cmp(&bound.get(i).copied().unwrap_or(0)))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        };
        // A partial version stands for the whole block it starts: `<=3.12` is `<3.13`.
        let bumped = |at: usize| {
            let mut b = n[..=at].to_vec();
            b[at] += 1;
            b
        };
        let full = n.len() >= 3;
        match self.op {
            Op::Eq => v.starts_with(n),
            Op::Ge => cmp(n).is_ge(),
            Op::Lt => cmp(n).is_lt(),
            Op::Gt if full => cmp(n).is_gt(),
            Op::Gt => cmp(&bumped(n.len() - 1)).is_ge(),
            Op::Le if full => cmp(n).is_le(),
            Op::Le => cmp(&bumped(n.len() - 1)).is_lt(),
            Op::Caret => {
                let at = n
                    .iter()
                    .position(|&c| c != 0)
                    .unwrap_or(n.len() - 1)
                    .min(n.len() - 1);
                cmp(n).is_ge() && cmp(&bumped(at)).is_lt()
            }
            Op::Tilde => {
                let at = if n.len() >= 2 { 1 } else { 0 };
                cmp(n).is_ge() && cmp(&bumped(at)).is_lt()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(tool: Tool, s: &str) -> Spec {
        Spec::parse(tool, s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    /// (tool, spec, version, lts line of the version, expected)
    const TABLE: &[(Tool, &str, &str, Option<&str>, bool)] = &[
        // exact, with the `v` and `go` spellings
        (Tool::Python, "3.12.7", "3.12.7", None, true),
        (Tool::Python, "3.12.7", "3.12.8", None, false),
        (Tool::Node, "v22.11.0", "22.11.0", None, true),
        (Tool::Node, "22.11.0", "22.11.0", None, true),
        (Tool::Go, "go1.22.0", "1.22.0", None, true),
        (Tool::Go, "1.22.0", "1.22.0", None, true),
        (Tool::Zig, "0.14.0", "0.14.0", None, true),
        // prefixes are whole components
        (Tool::Python, "3.12", "3.12.7", None, true),
        (Tool::Python, "3.1", "3.12.0", None, false),
        (Tool::Python, "3.1", "3.1.4", None, true),
        (Tool::Node, "22", "22.11.0", None, true),
        (Tool::Node, "2", "22.11.0", None, false),
        (Tool::Node, "v20", "20.18.1", None, true),
        (Tool::Go, "1.20", "1.20", None, true),
        (Tool::Go, "1.20", "1.20.14", None, true),
        (Tool::Go, "1.2", "1.20.14", None, false),
        (Tool::Zig, "0.14", "0.14.1", None, true),
        // pre-releases only when named exactly
        (Tool::Python, "3.14.0rc1", "3.14.0rc1", None, true),
        (Tool::Python, "3.14", "3.14.0rc1", None, false),
        (Tool::Python, "latest", "3.14.0rc1", None, false),
        (Tool::Python, ">=3.13", "3.14.0rc1", None, false),
        (Tool::Go, "1.21rc2", "1.21rc2", None, true),
        (Tool::Go, "1.21", "1.21rc2", None, false),
        (Tool::Zig, "0.15", "0.15.0-dev.77+abc", None, false),
        // free-threaded python
        (Tool::Python, "3.13t", "3.13.1t", None, true),
        (Tool::Python, "3.13t", "3.13.1", None, false),
        (Tool::Python, "3.13", "3.13.1t", None, false),
        // latest
        (Tool::Node, "latest", "23.3.0", None, true),
        (Tool::Node, "node", "23.3.0", None, true),
        // LTS
        (Tool::Node, "lts", "22.11.0", Some("jod"), true),
        (Tool::Node, "lts/*", "20.18.1", Some("iron"), true),
        (Tool::Node, "lts/*", "23.3.0", None, false),
        (Tool::Node, "lts/iron", "20.18.1", Some("iron"), true),
        (Tool::Node, "lts/iron", "22.11.0", Some("jod"), false),
        (Tool::Node, "lts/Iron", "20.18.1", Some("iron"), true),
        // ranges
        (Tool::Node, "^20.1", "20.18.1", None, true),
        (Tool::Node, "^20.1", "20.0.9", None, false),
        (Tool::Node, "^20.1", "21.0.0", None, false),
        (Tool::Zig, "^0.14", "0.14.1", None, true),
        (Tool::Zig, "^0.14", "0.15.0", None, false),
        (Tool::Python, ">=3.11, <3.13", "3.12.7", None, true),
        (Tool::Python, ">=3.11, <3.13", "3.13.0", None, false),
        (Tool::Python, ">=3.11, <3.13", "3.10.14", None, false),
        (Tool::Python, ">= 3.11 < 3.13", "3.11.0", None, true),
        (Tool::Python, "<=3.12", "3.12.9", None, true),
        (Tool::Python, ">3.12", "3.12.9", None, false),
        (Tool::Python, ">3.12", "3.13.0", None, true),
        (Tool::Go, "~1.22", "1.22.9", None, true),
        (Tool::Go, "~1.22", "1.23.0", None, false),
        (Tool::Node, "20.x", "20.1.0", None, true),
        (Tool::Node, "18 || 20", "20.1.0", None, true),
        (Tool::Node, "18 || 20", "22.1.0", None, false),
        // system and path never match an install
        (Tool::Python, "system", "3.12.7", None, false),
        (Tool::Python, "path:/opt/py312", "3.12.7", None, false),
    ];

    #[test]
    fn spec_matching_table() {
        for &(tool, s, version, lts, want) in TABLE {
            assert_eq!(
                spec(tool, s).matches(&v(version), lts),
                want,
                "{tool} spec `{s}` against {version} (lts {lts:?})"
            );
        }
    }

    #[test]
    fn spec_kinds() {
        assert_eq!(spec(Tool::Node, "lts/*").kind(), &SpecKind::Lts(None));
        assert_eq!(spec(Tool::Node, "lts").kind(), &SpecKind::Lts(None));
        assert_eq!(
            spec(Tool::Node, "lts/Iron").kind(),
            &SpecKind::Lts(Some("iron".into()))
        );
        assert_eq!(spec(Tool::Python, "system").kind(), &SpecKind::System);
        assert_eq!(
            spec(Tool::Python, "path:/opt/py312").kind(),
            &SpecKind::Path("/opt/py312".into())
        );
        assert_eq!(
            spec(Tool::Python, "3.12").kind(),
            &SpecKind::Prefix(vec![3, 12])
        );
        assert!(matches!(
            spec(Tool::Go, "1.21rc2").kind(),
            SpecKind::Exact(_)
        ));
        assert_eq!(spec(Tool::Node, "node").kind(), &SpecKind::Latest);
        assert_eq!(spec(Tool::Python, "  3.12 ").as_str(), "3.12");
    }

    #[test]
    fn bad_specs_are_rejected() {
        for (tool, bad) in [
            (Tool::Python, ""),
            (Tool::Python, "lts"),
            (Tool::Python, "three"),
            (Tool::Node, "lts/1x"),
            (Tool::Node, "3.12t"),
            (Tool::Python, ">=abc"),
            (Tool::Python, "path:"),
            (Tool::Python, "node"),
        ] {
            let err = Spec::parse(tool, bad).expect_err(bad);
            assert!(err.to_string().contains("version spec"), "{err}");
        }
    }

    #[test]
    fn best_match_is_numeric() {
        let installed: Vec<Version> = [
            "3.9.18",
            "3.10.4",
            "3.12.0",
            "3.12.10",
            "3.12.9",
            "3.13.0rc1",
        ]
        .iter()
        .map(|s| v(s))
        .collect();
        let best = |s: &str| {
            spec(Tool::Python, s)
                .best_match(&installed)
                .map(|v| v.to_string())
        };
        assert_eq!(best("3.12").as_deref(), Some("3.12.10"));
        assert_eq!(best("latest").as_deref(), Some("3.12.10"));
        assert_eq!(best("3").as_deref(), Some("3.12.10"));
        assert_eq!(best("3.11"), None);
        assert_eq!(best("3.13.0rc1").as_deref(), Some("3.13.0rc1"));
    }
}

/// A `TOOL@SPEC` argument (`python@3.12`, `node@lts`, `go`), as commands take them.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRequest {
    pub tool: Tool,
    /// `None` when only the tool was named.
    pub spec: Option<Spec>,
}

/// A `TOOL@SPEC` argument that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToolRequestError {
    #[error("`{0}` is not a tool envm manages")]
    UnknownTool(String),
    #[error(transparent)]
    Spec(#[from] SpecError),
}

impl ToolRequest {
    pub fn parse(text: &str) -> Result<ToolRequest, ToolRequestError> {
        let (name, spec) = match text.split_once('@') {
            Some((name, spec)) => (name, Some(spec)),
            None => (text, None),
        };
        let tool =
            Tool::from_name(name).ok_or_else(|| ToolRequestError::UnknownTool(name.into()))?;
        let spec = spec.map(|s| Spec::parse(tool, s)).transpose()?;
        Ok(ToolRequest { tool, spec })
    }
}
