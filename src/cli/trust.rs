//! `envm trust [FILE] [--revoke]`: lets a pin file widen what runs in its project, by
//! recording its path and SHA-256; an edited file is untrusted again. Any pin file can be
//! trusted (`.nvmrc`, `.tool-versions`, … for their `path:` pins). Before recording, it prints
//! every widening the file makes: each `[env]` variable, each sandbox widening, each `path:`
//! pin and a virtualenv envm did not create. The content shown is the content trusted (read
//! once, without following a symlink at the file's own name).

use std::path::{Path, PathBuf};

use super::Context;
use crate::cli::error::Error;
use crate::diag::printable_line as printable;
use crate::project::env as project_env;
use crate::project::project_file::{self, ProjectFile};
use crate::project::trust;
use crate::project::{self, Pin};
use crate::python_venv;
use crate::sandbox;
use crate::version::spec::SpecKind;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project file (default: the nearest envm.toml)
    pub file: Option<PathBuf>,
    /// Forget the file instead
    #[arg(long)]
    pub revoke: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let file = match &args.file {
        Some(f) => ctx.cwd.join(f),
        None => project::nearest_project_file(&ctx.cwd).ok_or_else(|| {
            Error::msg(
                "no envm.toml here or above to trust",
                Some("give the file: `envm trust path/to/envm.toml` (or `.nvmrc`, `.tool-versions`, …)".into()),
            )
        })?,
    };
    let shown = printable(&file.display().to_string());
    if args.revoke {
        if trust::revoke(&ctx.layout, &file).map_err(Error::from)? {
            println!("no longer trusted: {shown}");
        } else {
            println!("was not trusted: {shown}");
        }
        return Ok(0);
    }
    let bytes = trust::read_no_follow(&file)?;
    let text = String::from_utf8_lossy(&bytes);
    // Parse first, so a broken file is reported rather than trusted.
    let widenings = widenings(ctx, &file, &text)?;
    if widenings.is_empty() {
        println!("{shown} widens nothing; trusting it changes nothing today");
    } else {
        println!("{shown}, once trusted, may:");
        for widening in &widenings {
            println!("  - {}", printable(widening));
        }
    }
    let (path, digest) = trust::trust_content(&ctx.layout, &file, &bytes)?;
    println!(
        "trusted {} (sha256 {digest})",
        printable(&path.display().to_string())
    );
    Ok(0)
}

/// Every widening `file` (with this `text`) makes, for people.
fn widenings(ctx: &Context, file: &Path, text: &str) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    if !project::is_project_toml(file) {
        out.extend(path_pins(&project::parse_file(file, text)?));
        return Ok(out);
    }
    let parsed = project_file::parse(file, text, project_file::Kind::Project)?;
    let env = project_env::expand_all(&parsed, |name| std::env::var(name).ok());
    for ((name, value), entry) in env.vars.iter().zip(&parsed.env) {
        if *value == entry.value {
            out.push(format!("set {name} = {value:?}"));
        } else {
            out.push(format!("set {name} = {:?} (here: {value:?})", entry.value));
        }
    }
    if let Some(sandbox) = sandbox_policy(file, &parsed)? {
        out.extend(
            sandbox
                .widening
                .iter()
                .map(|w| format!("widen the sandbox: {w}")),
        );
    }
    out.extend(path_pins(&parsed.pins));
    if let Some(venv) = python_venv::configured_in(&parsed)?
        && !python_venv::is_created_by_envm(&ctx.layout, &venv)
    {
        out.push(format!(
            "use the virtualenv {} (not created by `envm venv`): its bin/ runs as python and leads PATH",
            venv.display()
        ));
    }
    Ok(out)
}

/// The `[sandbox]` table's meaning, when the file on disk is the text being trusted.
fn sandbox_policy(
    file: &Path,
    parsed: &ProjectFile,
) -> Result<Option<sandbox::ProjectSandbox>, Error> {
    if parsed.sandbox.is_none() {
        return Ok(None);
    }
    let policy = sandbox::project_policy(file)?;
    match project_file::load(file)? {
        Some(loaded) if loaded.text == parsed.text => Ok(policy),
        _ => Err(Error::msg(
            format!("{} changed while it was read", file.display()),
            Some("run `envm trust` again".into()),
        )),
    }
}

fn path_pins(pins: &[Pin]) -> Vec<String> {
    pins.iter()
        .flat_map(|pin| {
            pin.specs.iter().filter_map(move |spec| match spec.kind() {
                SpecKind::Path(dir) => Some(format!(
                    "run {} from the folder {} (a `path:` pin)",
                    pin.tool,
                    dir.display()
                )),
                _ => None,
            })
        })
        .collect()
}
