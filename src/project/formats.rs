//! Parsers for every pin-file dialect envm reads: asdf's `.tool-versions`, and each tool's own
//! pin files in the format its registry entry names ([`PinFormat`]); envm's own `envm.toml`
//! goes to its schema, [`super::project_file`].

use std::path::Path;

use super::{Pin, PinError, PinSource};
use crate::tools::{PinFormat, Tool};
use crate::version::spec::Spec;

/// Files any tool may be pinned in, read before the tools' own files.
pub const PROJECT_FILES: [&str; 3] = ["envm.toml", ".envm.toml", ".tool-versions"];

/// Parses a pin file by its name. `path` is used for the file name and in errors.
pub fn parse_file(path: &Path, text: &str) -> Result<Vec<Pin>, PinError> {
    let name = file_name(path);
    if name == ".tool-versions" {
        return parse_tool_versions(path, text);
    }
    match Tool::by_pin_file(name) {
        Some((tool, PinFormat::One { comments, key })) => {
            parse_single(path, text, tool, (comments, key))
        }
        Some((tool, PinFormat::OnePerLine)) => parse_one_per_line(path, text, tool),
        None => Ok(super::project_file::parse_cached(path, text)?.pins.clone()),
    }
}

/// Whether `path` is read with envm.toml's schema (any name but the other tools' pin files).
pub fn is_project_toml(path: &Path) -> bool {
    let name = file_name(path);
    name != ".tool-versions" && Tool::by_pin_file(name).is_none()
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn malformed(
    path: &Path,
    line: usize,
    message: impl Into<String>,
    hint: Option<String>,
) -> PinError {
    // Messages quote what the file holds: never print its control characters raw.
    PinError::Malformed {
        path: path.to_path_buf(),
        line,
        message: crate::diag::printable_line(&message.into()),
        hint,
    }
}

fn parse_spec(path: &Path, line: usize, tool: Tool, text: &str) -> Result<Spec, PinError> {
    Spec::parse(tool, text).map_err(|e| malformed(path, line, e.to_string(), Some(e.hint())))
}

fn file_pin(path: &Path, tool: Tool, specs: Vec<Spec>) -> Pin {
    Pin {
        tool,
        specs,
        source: PinSource::File(path.to_path_buf()),
    }
}

/// The part of a line before a `#` comment, trimmed.
fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or("").trim()
}

/// asdf's `.tool-versions`: `tool version [version...]` per line, `#` comments, `nodejs` as an
/// alias of node; a tool on two lines: the first counts, as in asdf. Tools envm does not
/// manage are left for asdf.
fn parse_tool_versions(path: &Path, text: &str) -> Result<Vec<Pin>, PinError> {
    let mut pins: Vec<Pin> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = strip_comment(raw);
        let mut words = content.split_whitespace();
        let Some(name) = words.next() else { continue };
        let Some(tool) = Tool::from_name(name) else {
            continue;
        };
        let specs = words
            .map(|w| parse_spec(path, line, tool, w))
            .collect::<Result<Vec<_>, _>>()?;
        if specs.is_empty() {
            return Err(malformed(
                path,
                line,
                format!("`{name}` has no version"),
                Some(format!(
                    "write `{name} <version>`, e.g. `{name} {}`",
                    tool.def().examples.prefix
                )),
            ));
        }
        if pins.iter().any(|p| p.tool == tool) {
            continue;
        }
        pins.push(file_pin(path, tool, specs));
    }
    Ok(pins)
}

/// pyenv's `.python-version`: names one per line or space-separated, `#` comments; the first
/// that resolves wins. A name that is not a version spec (a pyenv-virtualenv env such as
/// `myproject`, or `miniconda3-latest`) is skipped with a warning rather than breaking the
/// directory.
fn parse_one_per_line(path: &Path, text: &str, tool: Tool) -> Result<Vec<Pin>, PinError> {
    let mut specs = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        for name in strip_comment(raw).split_whitespace() {
            match Spec::parse(tool, name) {
                Ok(spec) => specs.push(spec),
                Err(_) => skipped_name(path, index + 1, tool, name),
            }
        }
    }
    Ok(if specs.is_empty() {
        Vec::new()
    } else {
        vec![file_pin(path, tool, specs)]
    })
}

/// The warning for a name [`parse_one_per_line`] skips.
fn skipped_name(path: &Path, line: usize, tool: Tool, name: &str) {
    eprintln!(
        "envm: warning: {}:{line}: `{}` is not a {tool} version (a virtualenv name?); skipped",
        crate::diag::printable_line(&path.display().to_string()),
        crate::diag::printable_line(name)
    );
}

/// A file holding one version (nvm's `.nvmrc` also takes `#` comments and `key=value` lines,
/// of which only `key` counts).
fn parse_single(
    path: &Path,
    text: &str,
    tool: Tool,
    (comments, key): (bool, Option<&str>),
) -> Result<Vec<Pin>, PinError> {
    let mut spec: Option<Spec> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = if comments {
            strip_comment(raw)
        } else {
            raw.trim()
        };
        let Some(content) = keyed_value(line, key) else {
            continue;
        };
        if content.is_empty() {
            continue;
        }
        if spec.is_some() || content.split_whitespace().count() > 1 {
            return Err(malformed(
                path,
                index + 1,
                format!("`{content}`: this file holds one version, and one is already given"),
                Some(format!(
                    "keep a single line such as `{}`",
                    tool.def().examples.prefix
                )),
            ));
        }
        spec = Some(parse_spec(path, index + 1, tool, content)?);
    }
    Ok(spec
        .map(|s| vec![file_pin(path, tool, vec![s])])
        .unwrap_or_default())
}

/// The version a line gives: the line itself, or for a `name=value` line in a file with a
/// version `key`, the value when `name` is that key (`None`: another key, ignored).
fn keyed_value<'a>(line: &'a str, key: Option<&str>) -> Option<&'a str> {
    match (key, line.split_once('=')) {
        (Some(key), Some((name, value))) => (name.trim() == key).then(|| value.trim()),
        _ => Some(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(pins: &[Pin], tool: Tool) -> Vec<String> {
        pins.iter()
            .find(|p| p.tool == tool)
            .map(|p| p.specs.iter().map(|s| s.as_str().to_string()).collect())
            .unwrap_or_default()
    }

    fn line_of(err: PinError) -> usize {
        match err {
            PinError::Malformed { line, .. } => line,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn tool_versions_as_asdf_writes_it() {
        let text = "# pins\nnodejs 20.11.0 18   # fallback\npython 3.12.1 3.11\nruby 3.3.0\n\n";
        let pins = parse_file(Path::new("/p/.tool-versions"), text).unwrap();
        assert_eq!(specs(&pins, Tool::Node), ["20.11.0", "18"]);
        assert_eq!(specs(&pins, Tool::Python), ["3.12.1", "3.11"]);
        assert_eq!(pins.len(), 2);
        let pins = parse_file(Path::new("/p/.tool-versions"), "nodejs 20\nnode 18\n").unwrap();
        assert_eq!(specs(&pins, Tool::Node), ["20"]);
        let err = parse_file(Path::new("/p/.tool-versions"), "python 3.12\nnodejs\n").unwrap_err();
        assert_eq!(line_of(err), 2);
        let err = parse_file(Path::new("/p/.tool-versions"), "\n\ngo banana\n").unwrap_err();
        assert_eq!(line_of(err), 3);
    }

    #[test]
    fn nvmrc_forms() {
        for (text, want) in [
            ("v20\n", "v20"),
            ("lts/*", "lts/*"),
            ("# comment\nlts/iron # note\n", "lts/iron"),
            ("node\n", "node"),
            ("20.11.1\n", "20.11.1"),
            ("node=20.9\nlts_codename=iron\n", "20.9"),
            ("# nvm\nfoo = bar\nnode = lts/iron\n", "lts/iron"),
        ] {
            let pins = parse_file(Path::new("/p/.nvmrc"), text).unwrap();
            assert_eq!(specs(&pins, Tool::Node), [want], "{text:?}");
        }
        assert!(
            parse_file(Path::new("/p/.nvmrc"), "# only a comment\n")
                .unwrap()
                .is_empty()
        );
        let err = parse_file(Path::new("/p/.nvmrc"), "20\n22\n").unwrap_err();
        assert_eq!(line_of(err), 2);
        let err = parse_file(Path::new("/p/.nvmrc"), "iojs-v3\n").unwrap_err();
        assert_eq!(line_of(err), 1);
    }

    #[test]
    fn python_version_is_multi_line() {
        let pins = parse_file(
            Path::new("/p/.python-version"),
            "3.12.1\n# c\n3.11\nsystem\n",
        )
        .unwrap();
        assert_eq!(specs(&pins, Tool::Python), ["3.12.1", "3.11", "system"]);
        let pins = parse_file(
            Path::new("/p/.python-version"),
            "myenv 3.12 3.11.7\nminiconda3-latest\n",
        )
        .unwrap();
        assert_eq!(specs(&pins, Tool::Python), ["3.12", "3.11.7"]);
        assert!(
            parse_file(Path::new("/p/.python-version"), "myenv\n")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn go_and_node_version_files() {
        let pins = parse_file(Path::new("/p/.go-version"), "go1.22.0\n").unwrap();
        assert_eq!(specs(&pins, Tool::Go), ["go1.22.0"]);
        let pins = parse_file(Path::new("/p/.node-version"), "22.11.0").unwrap();
        assert_eq!(specs(&pins, Tool::Node), ["22.11.0"]);
    }

    #[test]
    fn envm_toml_tools_table() {
        let text = "# project\n[tools]\nnode = \"22\"\npython = [\"3.12\", \"3.11\"]\ngo = 1\n\n[env]\nX = \"1\"\n";
        let pins = parse_file(Path::new("/p/envm.toml"), text).unwrap();
        assert_eq!(specs(&pins, Tool::Node), ["22"]);
        assert_eq!(specs(&pins, Tool::Python), ["3.12", "3.11"]);
        assert_eq!(specs(&pins, Tool::Go), ["1"]);
        let err = parse_file(
            Path::new("/p/envm.toml"),
            "[tools]\nnode = \"22\"\nruby = \"3\"\n",
        )
        .unwrap_err();
        assert_eq!(line_of(err), 3);
        let err = parse_file(Path::new("/p/envm.toml"), "[tools]\npython = 3.10\n").unwrap_err();
        assert_eq!(line_of(err), 2);
        let err =
            parse_file(Path::new("/p/envm.toml"), "[tools]\n\nnode = \"banana\"\n").unwrap_err();
        assert_eq!(line_of(err), 3);
        let err = parse_file(Path::new("/p/envm.toml"), "[tools\nnode = 1\n").unwrap_err();
        assert_eq!(line_of(err), 1);
    }
}
