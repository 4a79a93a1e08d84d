//! `envm activate bash|zsh|fish [--shims]`: print the shell init to `eval` (or `source`).

use super::Context;
use crate::cli::error::Error;
use crate::run::activate::{self, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// bash, zsh or fish
    pub shell: Shell,
    /// Only put the shims folder on PATH instead of hooking the prompt
    #[arg(long)]
    pub shims: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let envm = crate::binaries::current()
        .map_err(|e| Error::msg(format!("cannot find the envm executable: {e}"), None))?;
    // The prompt hook runs the binary that starts fastest: envm-shim, when it is beside envm.
    let hook = crate::binaries::shim_target(&envm);
    let shims = args.shims.then(|| ctx.layout.shims_dir());
    print!(
        "{}",
        activate::init_script(args.shell, &hook, shims.as_deref())
    );
    Ok(0)
}
