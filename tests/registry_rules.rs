//! The registry rule: tool knowledge lives in `src/tools/`, and no other module of `src/`
//! names a tool. Words that name a tool are derived from the public registry
//! (`envm::tools`), so a tool is covered the day it is registered. Test code at the bottom of
//! a file (from its first `#[cfg(test)]` line) may use tools as fixtures.
//!
//! Rules: R1 code writes a `Tool::` variant or a `tools::<tool>` module path; R2 a string
//! literal holds a tool word as a whole token; R3 a comment lists three or more tools (such
//! lists go stale); R4 (every file, tests included) a comment points outside the repository.

use std::path::{Path, PathBuf};

use envm::tools::Tool;

/// Files allowed to name a tool, each with its reason. An entry that matches nothing fails.
const ALLOW: &[(&str, &str)] = &[
    ("src/cli/venv.rs", "`envm venv` is python's own command"),
    (
        "src/project/project_file.rs",
        "envm.toml's schema has python's `[python]` table (venv)",
    ),
    (
        "src/cli/doctor.rs",
        "the host report says which upstream builds the C library runs (doctor is being reworked on the sandbox branch)",
    ),
];

/// Comments pointing outside the repository that the cleanup branch (i12-cleanup) rewrites;
/// delete these entries once it is merged.
/// Words of the npm registry protocol, shared by the tools it serves: not a tool's name here.
const SHARED_WORDS: &[&str] = &["npm"];

#[derive(Debug, PartialEq)]
struct Finding {
    file: String,
    line: usize,
    rule: &'static str,
    what: String,
}

/// Rust source split into code (comments and literals blanked), string literals and comments,
/// each with its line.
#[derive(Default)]
struct Lexed {
    code: Vec<(usize, String)>,
    strings: Vec<(usize, String)>,
    comments: Vec<(usize, String)>,
}

fn lex(text: &str) -> Lexed {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Lexed::default();
    let mut line = 1;
    let mut code = String::new();
    let mut i = 0;
    let push_code = |out: &mut Lexed, line: usize, code: &mut String| {
        if !code.trim().is_empty() {
            out.code.push((line, std::mem::take(code)));
        }
        code.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            push_code(&mut out, line, &mut code);
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            let start = i;
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            out.comments.push((line, chars[start..i].iter().collect()));
        } else if c == '/' && next == Some('*') {
            let (start_line, mut depth, mut body) = (line, 1, String::new());
            i += 2;
            while i < chars.len() && depth > 0 {
                match (chars[i], chars.get(i + 1).copied()) {
                    ('*', Some('/')) => (depth, i) = (depth - 1, i + 2),
                    ('/', Some('*')) => (depth, i) = (depth + 1, i + 2),
                    (ch, _) => {
                        if ch == '\n' {
                            line += 1;
                        }
                        body.push(ch);
                        i += 1;
                    }
                }
            }
            out.comments.push((start_line, body));
        } else if c == 'r' && matches!(next, Some('#') | Some('"')) && !ident_before(&chars, i) {
            // Raw string r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                code.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let (start_line, mut body) = (line, String::new());
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if chars[j] == '\n' {
                    line += 1;
                }
                body.push(chars[j]);
                j += 1;
            }
            out.strings.push((start_line, body));
            code.push_str("\"\"");
            i = j;
        } else if c == '"' {
            let (start_line, mut body) = (line, String::new());
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    body.push(chars[i]);
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    if ch == '\n' {
                        line += 1;
                    }
                    body.push(ch);
                }
                i += 1;
            }
            i += 1;
            out.strings.push((start_line, body));
            code.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F}') or a lifetime ('a).
            let close = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&ch| ch == '\'')
                    .map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    code.push_str("' '");
                    i = end + 1;
                }
                None => {
                    code.push(c);
                    i += 1;
                }
            }
        } else {
            code.push(c);
            i += 1;
        }
    }
    push_code(&mut out, line, &mut code);
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Words naming exactly one tool: (word, case-insensitive).
fn tool_words() -> Vec<(&'static str, bool)> {
    let mut words: Vec<(Tool, &'static str, bool)> = Vec::new();
    for &tool in Tool::ALL {
        let def = tool.def();
        for name in std::iter::once(&def.name).chain(def.aliases) {
            words.push((tool, name, true));
        }
        words.push((tool, def.version_var, false));
        words.extend(def.pin_files.iter().map(|f| (tool, f.name, false)));
        words.extend(def.known_bins.exact.iter().map(|b| (tool, *b, false)));
        words.extend(def.caches.iter().map(|c| (tool, c.var, false)));
    }
    let unique = |w: &str| {
        let mut owners: Vec<Tool> = words
            .iter()
            .filter(|(_, x, _)| x.eq_ignore_ascii_case(w))
            .map(|(t, ..)| *t)
            .collect();
        owners.dedup();
        owners.len() == 1
    };
    let mut out: Vec<(&'static str, bool)> = words
        .iter()
        .filter(|(_, w, _)| unique(w) && !SHARED_WORDS.contains(w))
        .map(|(_, w, ci)| (*w, *ci))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_.+-".contains(c)))
        .filter(|t| !t.is_empty())
}

fn names_word(token: &str, word: &str, case_insensitive: bool) -> bool {
    // `python3.12` is python's; a trailing period ends a sentence.
    let token = token.trim_end_matches('.');
    if case_insensitive {
        token.eq_ignore_ascii_case(word)
    } else {
        token == word
    }
}

const OUTSIDE: &[&str] = &[
    "shared/",
    "contract.md",
    "the contract",
    "research note",
    "/work/",
];

/// Findings of R1-R3 (`generic`: the file is outside src/tools/) and R4 in `text`.
fn scan(file: &str, text: &str, words: &[(&str, bool)], generic: bool) -> Vec<Finding> {
    let cut = text
        .lines()
        .position(|l| l.trim() == "#[cfg(test)]")
        .map_or(text.len(), |n| {
            text.lines().take(n).map(|l| l.len() + 1).sum::<usize>()
        });
    let lexed = lex(&text[..cut.min(text.len())]);
    let mut found = Vec::new();
    let mut finding = |line, rule, what: String| {
        found.push(Finding {
            file: file.to_string(),
            line,
            rule,
            what,
        })
    };
    for (line, comment) in &lexed.comments {
        if let Some(hit) = OUTSIDE.iter().find(|o| comment.contains(*o)) {
            finding(
                *line,
                "R4",
                format!("comment points outside the repository: {hit}"),
            );
        }
    }
    if !generic {
        return found;
    }
    let names: Vec<&str> = Tool::ALL
        .iter()
        .flat_map(|t| std::iter::once(t.name()).chain(t.def().aliases.iter().copied()))
        .collect();
    for (line, code) in &lexed.code {
        let mut rest = code.as_str();
        while let Some(at) = rest.find("Tool::") {
            let after = &rest[at + 6..];
            let ident: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if ident.starts_with(|c: char| c.is_ascii_uppercase())
                && ident != "ALL"
                && ident != "EXAMPLE"
            {
                finding(*line, "R1", format!("Tool::{ident}"));
            }
            rest = after;
        }
        for name in &names {
            if code.contains(&format!("tools::{name}")) {
                finding(*line, "R1", format!("tools::{name}"));
            }
        }
    }
    for (line, literal) in &lexed.strings {
        for token in tokens(literal) {
            if let Some((word, _)) = words.iter().find(|(w, ci)| names_word(token, w, *ci)) {
                finding(*line, "R2", format!("\"{word}\""));
            }
        }
    }
    for (line, comment) in &lexed.comments {
        let mut named: Vec<Tool> = Tool::ALL
            .iter()
            .copied()
            .filter(|t| {
                let def = t.def();
                tokens(comment).any(|tok| {
                    std::iter::once(&def.name)
                        .chain(def.aliases)
                        .any(|n| names_word(tok, n, true))
                })
            })
            .collect();
        named.dedup();
        if named.len() >= 3 {
            let list: Vec<&str> = named.iter().map(|t| t.name()).collect();
            finding(*line, "R3", format!("a comment lists {}", list.join(", ")));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_generic_module_names_a_tool() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let words = tool_words();
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "examples"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut findings = Vec::new();
    let mut allow_used = vec![false; ALLOW.len()];
    for path in files {
        let rel = path
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("readable source");
        let generic = rel.starts_with("src/") && !rel.starts_with("src/tools/");
        for f in scan(&rel, &text, &words, generic) {
            match ALLOW.iter().position(|(file, _)| *file == rel) {
                Some(n) if f.rule != "R4" => allow_used[n] = true,
                _ => findings.push(f),
            }
        }
    }
    let report: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}: {} ({}): move tool knowledge into src/tools/<tool>.rs, or add to ALLOW with a reason",
                f.file, f.line, f.what, f.rule
            )
        })
        .collect();
    assert!(report.is_empty(), "\n{}", report.join("\n"));
    let stale: Vec<&str> = ALLOW
        .iter()
        .zip(&allow_used)
        .filter(|(_, used)| !**used)
        .map(|((file, _), _)| *file)
        .collect();
    assert!(
        stale.is_empty(),
        "ALLOW entries that match nothing: {stale:?}"
    );
}

#[test]
fn the_guard_catches_a_planted_violation() {
    let snippet = "fn f(t: Tool) -> &'static str {\n    match t { Tool::Node => \"ENVM_NODE_MIRROR nodejs\", _ => \"\" } // python, node, go\n}\n// see the contract.md\n";
    let found = scan("src/x.rs", snippet, &tool_words(), true);
    let rules: Vec<&str> = found.iter().map(|f| f.rule).collect();
    for rule in ["R1", "R2", "R3", "R4"] {
        assert!(rules.contains(&rule), "{rule} missed: {found:?}");
    }
    // Lifetimes, char literals and test code are not findings.
    let clean = "fn g<'a>(x: &'a str) -> char { 'n' }\n#[cfg(test)]\nfn t() { Tool::Node; }\n";
    assert!(scan("src/y.rs", clean, &tool_words(), true).is_empty());
}
