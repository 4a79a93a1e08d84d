//! `envm ls-remote TOOL [PREFIX] [--json]`: versions upstream offers for this OS and arch,
//! newest first, LTS codenames and installed ones marked.

use serde::Serialize;

use super::{Context, print_json};
use crate::cli::error::Error;
use crate::fetch::http::Net;
use crate::fetch::provider::{self, Remote};
use crate::host::Host;
use crate::resolve::installed;
use crate::tools::Tool;
use crate::version::spec::Spec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// python, node, go or zig
    pub tool: String,
    /// Only versions matching this spec (e.g. `22`, `3.12`, `lts`)
    pub prefix: Option<String>,
    /// Print JSON: [{"version","lts","installed"}]
    #[arg(long)]
    pub json: bool,
    /// Ask upstream even when the cached list is fresh
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Serialize)]
struct Row {
    version: String,
    lts: Option<String>,
    installed: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let tool = Tool::from_name(&args.tool).ok_or_else(|| Error::UnknownTool(args.tool.clone()))?;
    let spec = args
        .prefix
        .as_deref()
        .map(|p| Spec::parse(tool, p))
        .transpose()?;
    let net = Net::from_env().map_err(crate::fetch::install::InstallError::from)?;
    let remote = Remote {
        layout: &ctx.layout,
        net: &net,
        refresh: args.refresh,
        host: Host::detect(),
    };
    let releases =
        provider::releases(tool, &remote).map_err(crate::fetch::install::InstallError::from)?;
    let have = installed::versions(&ctx.layout, tool);
    let rows: Vec<Row> = releases
        .into_iter()
        .filter(|r| match &spec {
            Some(spec) => spec.matches(&r.version, r.lts.as_deref()),
            None => true,
        })
        .map(|r| Row {
            installed: have.contains(&r.version),
            version: r.version.to_string(),
            lts: r.lts,
        })
        .collect();
    if args.json {
        print_json(&rows)?;
        return Ok(0);
    }
    for row in &rows {
        let lts = row
            .lts
            .as_deref()
            .map(|l| format!(" (lts/{l})"))
            .unwrap_or_default();
        let mark = if row.installed { " [installed]" } else { "" };
        println!("{}{lts}{mark}", row.version);
    }
    Ok(0)
}
