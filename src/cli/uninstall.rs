//! `envm uninstall TOOL@VERSION`: remove one installed version.

use super::Context;
use crate::cli::error::Error;
use crate::fetch::install;
use crate::version::spec::{SpecKind, ToolRequest};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The exact installed version, e.g. `node@22.11.0`
    pub request: String,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let req = ToolRequest::parse(&args.request)?;
    let tool = req.tool;
    let spec = req
        .spec
        .ok_or_else(|| Error::MissingVersion(tool.name().into()))?;
    // A fuzzy spec is accepted when exactly one installed version matches it.
    let version = match spec.kind() {
        SpecKind::Exact(v) => v.clone(),
        _ => install::installed_match(&ctx.layout, tool, &spec).ok_or_else(|| {
            Error::msg(
                format!("no installed {tool} version matches `{spec}`"),
                Some(format!("see `envm ls {tool}`")),
            )
        })?,
    };
    let dir = install::uninstall(&ctx.layout, tool, &version)?;
    install::after_change(&ctx.layout);
    println!("removed {tool} {version} ({})", dir.display());
    Ok(0)
}
