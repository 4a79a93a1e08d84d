//! `envm trust [FILE] [--revoke]`: lets a project file widen the sandbox (and set `[env]`), by
//! recording its path and SHA-256; an edited file is untrusted again.

use std::path::PathBuf;

use super::Context;
use crate::error::Error;
use crate::pins;
use crate::project_env;
use crate::sandbox::{self, trust};

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
        None => pins::nearest_project_file(&ctx.cwd).ok_or_else(|| {
            Error::msg(
                "no envm.toml here or above to trust",
                Some("give the file: `envm trust path/to/envm.toml`".into()),
            )
        })?,
    };
    if args.revoke {
        if trust::revoke(&ctx.layout, &file).map_err(Error::from)? {
            println!("no longer trusted: {}", file.display());
        } else {
            println!("was not trusted: {}", file.display());
        }
        return Ok(0);
    }
    // Parse first, so a broken file is reported rather than trusted.
    let project = sandbox::project_policy(&file)?;
    let (path, digest) = trust::trust(&ctx.layout, &file)?;
    println!("trusted {} (sha256 {digest})", path.display());
    if let Some(p) = project.filter(|p| !p.widening.is_empty()) {
        println!("it may now widen the sandbox: {}", p.widening.join(", "));
    }
    if let Some(vars) = project_env::load(&ctx.layout, &file)? {
        let names: Vec<&str> = vars.vars.iter().map(|(n, _)| n.as_str()).collect();
        println!("it may now set: {}", names.join(", "));
    }
    Ok(0)
}
