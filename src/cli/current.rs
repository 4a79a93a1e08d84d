//! `envm current [TOOL] [--json]`: for each tool pinned here, what was requested, what it
//! resolves to among installed versions, where the pin came from, and whether it is installed.

use serde::Serialize;

use super::{Context, print_json};
use crate::cli::error::Error;
use crate::project::{self, Pin};
use crate::resolve::{self, Resolution};
use crate::tools::Tool;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this tool (python, node, go, zig)
    pub tool: Option<String>,
    /// Print JSON: [{"tool","requested","version","source","installed"}]
    #[arg(long)]
    pub json: bool,
}

/// One row of `envm current --json`: tool, requested spec, resolved version (null when none
/// is installed), where the pin came from, and whether it is installed.
#[derive(Debug, Serialize)]
pub struct CurrentRow {
    pub tool: &'static str,
    pub requested: String,
    pub version: Option<String>,
    pub source: String,
    pub installed: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let pins: Vec<Pin> = match &args.tool {
        Some(name) => {
            let tool = Tool::from_name(name).ok_or_else(|| Error::UnknownTool(name.clone()))?;
            project::find(tool, &ctx.cwd, &ctx.layout)?
                .into_iter()
                .collect()
        }
        None => project::find_all(&ctx.cwd, &ctx.layout)?,
    };
    let rows: Vec<(CurrentRow, Resolution)> = pins
        .iter()
        .map(|pin| {
            let resolution = resolve::resolve(&ctx.layout, pin);
            let row = CurrentRow {
                tool: pin.tool.name(),
                requested: requested_text(pin),
                version: resolution.version_label(),
                source: pin.source.label(),
                installed: resolution.is_available(),
            };
            (row, resolution)
        })
        .collect();
    if args.json {
        print_json(&rows.iter().map(|(row, _)| row).collect::<Vec<_>>())?;
        return Ok(0);
    }
    if rows.is_empty() {
        let what = args.tool.as_deref().unwrap_or("no tool");
        eprintln!("{what} is not pinned here ({})", ctx.cwd.display());
        eprintln!("hint: pin one with `envm use TOOL@SPEC`, e.g. `envm use node@22`");
        return Ok(0);
    }
    for ((row, resolution), pin) in rows.iter().zip(&pins) {
        let from = pin.source.describe();
        match resolution {
            Resolution::NotInstalled { spec } => println!(
                "{:<7} {:<10} not installed (requested {}, from {from}) — run `envm install {}@{spec}`",
                row.tool, "-", row.requested, row.tool
            ),
            Resolution::Unresolved { reason, .. } => println!(
                "{:<7} {:<10} unresolved: {reason} (requested {}, from {from})",
                row.tool, "-", row.requested
            ),
            _ => println!(
                "{:<7} {:<10} (requested {}, from {from})",
                row.tool,
                row.version.as_deref().unwrap_or("-"),
                row.requested
            ),
        }
    }
    Ok(0)
}

/// The pin's specs as written, space-separated as in `.tool-versions`.
pub fn requested_text(pin: &Pin) -> String {
    pin.specs
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
