//! `envm reshim`: rebuild the shims folder from every installed toolchain's executables.

use super::Context;
use crate::cli::error::Error;
use crate::link;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Context, _args: &Args) -> Result<i32, Error> {
    let report = link::reshim(&ctx.layout)?;
    println!(
        "{} shims in {} ({} written, {} removed)",
        report.shims.len(),
        ctx.layout.shims_dir().display(),
        report.written,
        report.removed.len()
    );
    Ok(0)
}
