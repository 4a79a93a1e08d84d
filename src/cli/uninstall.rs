//! `envm uninstall TOOL@VERSION [--force]`: remove one installed version; the one the current
//! directory uses only with `--force` (as nvm refuses to remove the active version).

use super::Context;
use crate::cli::error::Error;
use crate::fetch::install;
use crate::project;
use crate::resolve::{self, Resolution};
use crate::version::spec::{SpecKind, ToolRequest};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The exact installed version, e.g. `node@22.11.0`
    pub request: String,
    /// Remove it even when the current directory uses it
    #[arg(long)]
    pub force: bool,
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
    if !args.force
        && let Some(pin) = project::find(tool, &ctx.cwd, &ctx.layout)?
        && let Resolution::Installed { version: used, .. } = resolve::resolve(&ctx.layout, &pin)
        && used == version
    {
        return Err(Error::msg(
            format!(
                "{tool} {version} is the version used here (pinned by {})",
                pin.source.describe()
            ),
            Some(format!(
                "remove it anyway with `envm uninstall --force {tool}@{version}`, or change the pin first"
            )),
        ));
    }
    let dir = install::uninstall(&ctx.layout, tool, &version)?;
    install::after_change(&ctx.layout);
    println!("removed {tool} {version} ({})", dir.display());
    Ok(0)
}
