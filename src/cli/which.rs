//! `envm which BIN`: the path of the binary the shim called BIN would run here.

use std::ffi::OsString;

use super::Context;
use crate::cli::error::Error;
use crate::link::ShimIndex;
use crate::run::shim::{self, ShimError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// An executable name a toolchain exports (node, npm, python3, go, zig, …)
    pub bin: OsString,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let index = ShimIndex::read(&ctx.layout);
    let tool = index
        .tool_for(&args.bin)
        .ok_or_else(|| ShimError::UnknownShim {
            name: args.bin.to_string_lossy().into_owned(),
        })?;
    let target = shim::locate(&ctx.layout, &index, &ctx.cwd, tool, &args.bin)?;
    println!("{}", target.program.display());
    Ok(0)
}
