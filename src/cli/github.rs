//! GitHub Actions glue for `envm install` (`GITHUB_ACTIONS=true`): the job's later steps get
//! the pinned toolchains through the runner's own files — the folders that run them appended
//! to `$GITHUB_PATH`, the project's trusted `[env]` to `$GITHUB_ENV` — each entry once.
//!
//! Which folders: the pinned versions' own bin folders (what `envm env` puts first on PATH),
//! as setup-node and setup-python do — `which node` is the real binary, `npm i -g` tools are
//! on PATH at once, no shim resolves per directory, and a step's `working-directory` cannot
//! switch versions behind the job's back. A project with a `[sandbox]` gets the shims folder
//! instead, since the shim is where its sandbox is applied.
//!
//! The runner prepends the lines of `$GITHUB_PATH` one by one, so the last line ends up first
//! on PATH: folders are written in reverse, the default version (first pinned) last.
//! `$GITHUB_ENV` entries use the multi-line form `NAME<<DELIM`, `DELIM` random and absent from
//! the value, so a value can never inject a second variable.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::Context;
use crate::cli::error::Error;
use crate::diag::printable;
use crate::project;
use crate::project::env::{self as project_env, ProjectEnvError};
use crate::run::activate;

/// After a successful `envm install`: exports for the job's later steps, in GitHub Actions.
pub fn export_after_install(ctx: &Context) -> Result<(), Error> {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        return Ok(());
    }
    match std::env::var_os("GITHUB_PATH") {
        Some(file) if !file.is_empty() => {
            let dirs = activate::active_bin_dirs(&ctx.layout, &ctx.cwd);
            append_path(Path::new(&file), &dirs)?;
        }
        _ => {
            eprintln!("warning: GITHUB_ACTIONS=true but GITHUB_PATH is not set; PATH not exported")
        }
    }
    let vars = trusted_env(ctx)?;
    if vars.is_empty() {
        return Ok(());
    }
    match std::env::var_os("GITHUB_ENV") {
        Some(file) if !file.is_empty() => append_env(Path::new(&file), &vars),
        _ => {
            eprintln!("warning: GITHUB_ACTIONS=true but GITHUB_ENV is not set; [env] not exported");
            Ok(())
        }
    }
}

/// The project's `[env]` when it is trusted; an untrusted one is skipped with a warning.
fn trusted_env(ctx: &Context) -> Result<Vec<(String, String)>, Error> {
    let Some(file) = project::nearest_project_file(&ctx.cwd) else {
        return Ok(Vec::new());
    };
    match project_env::load(&ctx.layout, &file) {
        Ok(Some(env)) => Ok(env.vars),
        Ok(None) => Ok(Vec::new()),
        Err(e @ ProjectEnvError::Untrusted { .. }) => {
            eprintln!(
                "warning: {}; not exported to GITHUB_ENV\nhint: list the checkout in ENVM_TRUSTED_CONFIG_PATHS, or run `envm trust` first",
                printable(&e.to_string())
            );
            Ok(Vec::new())
        }
        Err(e) => Err(e.into()),
    }
}

/// Appends the folders of `dirs` (first = first on PATH) that `file` lacks.
fn append_path(file: &Path, dirs: &[PathBuf]) -> Result<(), Error> {
    let existing = read(file)?;
    let have: Vec<&str> = existing.lines().collect();
    let mut text = String::new();
    for dir in dirs.iter().rev() {
        let line = dir.to_string_lossy();
        if line.contains('\n') || have.contains(&line.as_ref()) {
            continue;
        }
        text.push_str(&line);
        text.push('\n');
    }
    append(file, &existing, &text)
}

/// Appends `NAME<<DELIM` entries for the variables whose value `file` does not already set.
fn append_env(file: &Path, vars: &[(String, String)]) -> Result<(), Error> {
    let existing = read(file)?;
    let set = parse_env_file(&existing);
    let mut text = String::new();
    for (name, value) in vars {
        if set.get(name) == Some(value) {
            continue;
        }
        let delim = delimiter(value);
        text.push_str(&format!("{name}<<{delim}\n{value}\n{delim}\n"));
    }
    append(file, &existing, &text)
}

/// The last value each name gets in a `$GITHUB_ENV` file (both `NAME=VALUE` and
/// `NAME<<DELIM` forms, as the runner reads them).
fn parse_env_file(text: &str) -> HashMap<String, String> {
    let mut set = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let heredoc = line.find("<<");
        match line.find('=') {
            Some(eq) if heredoc.is_none_or(|h| eq < h) => {
                set.insert(line[..eq].to_string(), line[eq + 1..].to_string());
            }
            _ => {
                let Some(h) = heredoc else { continue };
                let delim = &line[h + 2..];
                let body: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
                set.insert(line[..h].to_string(), body.join("\n"));
            }
        }
    }
    set
}

/// A heredoc delimiter that occurs nowhere in `value`.
fn delimiter(value: &str) -> String {
    loop {
        let delim = format!("ENVM_EOF_{}", random_hex());
        if !value.contains(&delim) {
            return delim;
        }
    }
}

/// 128 random bits, as hex.
fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    // SAFETY: getrandom writes at most `bytes.len()` bytes into the buffer.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n != bytes.len() as isize {
        // Not random enough to be unguessable, but still unique to this run.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ u128::from(std::process::id())).to_le_bytes();
    }
    crate::digest::hex(&bytes)
}

fn read(file: &Path) -> Result<String, Error> {
    match std::fs::read_to_string(file) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::msg(
            format!("cannot read {}: {e}", file.display()),
            None,
        )),
    }
}

/// Appends `text` to `file` (after a newline when its last line is unterminated).
fn append(file: &Path, existing: &str, text: &str) -> Result<(), Error> {
    if text.is_empty() {
        return Ok(());
    }
    let fail =
        |e: std::io::Error| Error::msg(format!("cannot write {}: {e}", file.display()), None);
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(fail)?;
    let sep = if existing.is_empty() || existing.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    out.write_all(format!("{sep}{text}").as_bytes())
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_env_file_forms() {
        let text = "A=1\nB<<X\nline1\nline2\nX\nC<<Y\n\nY\nD=a<<b\n";
        let set = parse_env_file(text);
        assert_eq!(set["A"], "1");
        assert_eq!(set["B"], "line1\nline2");
        assert_eq!(set["C"], "");
        assert_eq!(set["D"], "a<<b");
    }

    #[test]
    fn written_entries_read_back_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("env");
        let vars = vec![
            ("MULTI".to_string(), "a\nEVIL=1\nb".to_string()),
            ("PLAIN".to_string(), "x".to_string()),
        ];
        append_env(&file, &vars).unwrap();
        append_env(&file, &vars).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let set = parse_env_file(&text);
        assert_eq!(set["MULTI"], "a\nEVIL=1\nb");
        assert!(!set.contains_key("EVIL"));
        assert_eq!(text.matches("PLAIN<<").count(), 1, "{text}");
    }

    #[test]
    fn delimiter_avoids_the_value() {
        let d = delimiter("x");
        assert!(d.starts_with("ENVM_EOF_") && d.len() == 9 + 32);
        assert_ne!(d, delimiter("x"));
    }
}
