//! `envm ls-remote TOOL [PREFIX] [--json]`: versions upstream offers that this host can
//! install (OS, arch and C library), stable releases newest first and pre-releases after them,
//! LTS codenames (or the index's line, zig's `master`) and installed ones marked; a line on
//! stderr when nothing matches.

use serde::Serialize;

use super::{Context, print_json};
use crate::cli::error::Error;
use crate::fetch::http::Net;
use crate::fetch::releases::{self, Remote};
use crate::host::Host;
use crate::resolve::installed;
use crate::tools::Tool;
use crate::version::spec::Spec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The tool
    #[arg(value_enum)]
    pub tool: Tool,
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
    let tool = args.tool;
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
        releases::releases(tool, &remote).map_err(crate::fetch::install::InstallError::from)?;
    let have = installed::versions(&ctx.layout, tool);
    let mut listed: Vec<_> = releases
        .into_iter()
        .filter(|r| r.installable_on(&remote.host))
        .filter(|r| match &spec {
            Some(spec) => spec.matches(&r.version, r.lts.as_deref()),
            None => true,
        })
        .collect();
    // Stable releases first (newest first), then pre-releases: `head -1` is the newest stable.
    listed.sort_by(|a, b| {
        (a.version.is_prerelease(), &b.version).cmp(&(b.version.is_prerelease(), &a.version))
    });
    if listed.is_empty() && !args.json {
        let what = args
            .prefix
            .as_deref()
            .map(|p| format!(" matches `{}`", crate::diag::printable_line(p)))
            .unwrap_or_else(|| " is listed".into());
        eprintln!("no {tool} release{what} for this host ({})", remote.host);
        return Ok(0);
    }
    let rows: Vec<Row> = listed
        .into_iter()
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
            .map(|l| match tool.def().spec.lts {
                true => format!(" (lts/{l})"),
                false => format!(" ({l})"),
            })
            .unwrap_or_default();
        let mark = if row.installed { " [installed]" } else { "" };
        println!("{}{lts}{mark}", row.version);
    }
    Ok(0)
}
