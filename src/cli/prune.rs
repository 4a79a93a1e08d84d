//! `envm prune [--dry-run]`: remove installs that no known pin uses. Known pins are those
//! seen from the current directory (env, project files up to `/`), the global config, and the
//! pin files envm has worked with elsewhere (`envm use`, `envm install`: see
//! [`project::tracked`]); for each spec of each pin the newest installed match is kept (list
//! pins keep every entry).
//!
//! A tracked pin file that no longer parses is skipped with a warning naming it (a hostile
//! repository must not block prune everywhere). Folders under `installs/TOOL/` that are not
//! in envm's own version spelling (`v22.0.0`) are left alone with a warning. Idle
//! `.VERSION.lock` files are removed.

use super::Context;
use crate::cli::error::Error;
use crate::diag::printable;
use crate::fetch::install;
use crate::project;
use crate::resolve::installed;
use crate::tools::Tool;
use crate::version::Version;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only say what would be removed
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let mut pins = project::find_all(&ctx.cwd, &ctx.layout)?;
    // The global config's pins count even for tools a project pins here.
    // Seen from `/`, no project file applies (barring one at `/`), so this yields the global
    // config's pins.
    pins.extend(project::find_all(std::path::Path::new("/"), &ctx.layout)?);
    let tracked = project::tracked::pins(&ctx.layout);
    for err in &tracked.unreadable {
        warn(&format!(
            "skipping a tracked pin file that no longer parses: {err}; installs only it pins may be removed"
        ));
    }
    pins.extend(tracked.pins);
    let mut keep: Vec<(Tool, Version)> = Vec::new();
    for pin in &pins {
        for spec in &pin.specs {
            if let Some(v) = install::installed_match(&ctx.layout, pin.tool, spec) {
                keep.push((pin.tool, v));
            }
        }
    }
    let mut removed = 0;
    for tool in Tool::ALL {
        for foreign in installed::foreign_entries(&ctx.layout, tool) {
            warn(&format!(
                "leaving {} alone: its name is not a {tool} version as envm writes it",
                foreign.display()
            ));
        }
        for version in installed::versions(&ctx.layout, tool) {
            if keep.contains(&(tool, version.clone())) {
                continue;
            }
            removed += 1;
            if args.dry_run {
                println!("would remove {tool} {version}");
            } else {
                install::uninstall(&ctx.layout, tool, &version)?;
                println!("removed {tool} {version}");
            }
        }
    }
    if !args.dry_run {
        for tool in Tool::ALL {
            install::remove_idle_locks(&ctx.layout.tool_installs(tool));
        }
        project::tracked::compact(&ctx.layout)?;
    }
    if removed == 0 {
        println!("nothing to prune: every install is used by a pin");
    } else if !args.dry_run {
        install::after_change(&ctx.layout);
    }
    Ok(0)
}

/// A warning on stderr, with control characters from paths or files escaped.
fn warn(message: &str) {
    eprintln!("warning: {}", printable(message));
}
