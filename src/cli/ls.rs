//! `envm ls [TOOL] [--json]`: installed versions under `installs/`, the one active here
//! marked with `*`.

use serde::Serialize;

use super::{Context, print_json};
use crate::cli::error::Error;
use crate::project;
use crate::resolve::installed;
use crate::resolve::{self, Resolution};
use crate::tools::Tool;
use crate::version::Version;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this tool
    #[arg(value_enum)]
    pub tool: Option<Tool>,
    /// Print JSON: [{"tool","version","path","active"}]
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct LsRow {
    tool: &'static str,
    version: String,
    path: String,
    active: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let tools: Vec<Tool> = match &args.tool {
        Some(tool) => vec![*tool],
        None => Tool::ALL.to_vec(),
    };
    let mut rows = Vec::new();
    for tool in tools {
        let versions = installed::versions(&ctx.layout, tool);
        if versions.is_empty() {
            continue;
        }
        // A broken pin file here only loses the `*` mark: listing needs no pins.
        let active: Option<Version> = match project::find(tool, &ctx.cwd, &ctx.layout) {
            Ok(Some(pin)) => match resolve::resolve_among(&ctx.layout, &pin, &versions) {
                Resolution::Installed { version, .. } => Some(version),
                _ => None,
            },
            Ok(None) => None,
            Err(e) => {
                eprintln!(
                    "envm: warning: {}; not marking the {tool} version used here",
                    crate::diag::printable_line(&e.to_string())
                );
                None
            }
        };
        for version in versions.iter().rev() {
            rows.push(LsRow {
                tool: tool.name(),
                version: version.to_string(),
                path: ctx.layout.install_dir(tool, version).display().to_string(),
                active: active.as_ref() == Some(version),
            });
        }
    }
    if args.json {
        print_json(&rows)?;
        return Ok(0);
    }
    if rows.is_empty() {
        eprintln!("nothing installed yet");
        eprintln!(
            "hint: install a toolchain with `envm install TOOL@SPEC`, e.g. `envm install {}`",
            Tool::EXAMPLE.example_request()
        );
        return Ok(0);
    }
    let mut last_tool = "";
    for row in &rows {
        if row.tool != last_tool {
            println!("{}", row.tool);
            last_tool = row.tool;
        }
        println!("{} {}", if row.active { "*" } else { " " }, row.version);
    }
    Ok(0)
}
