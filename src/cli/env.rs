//! `envm env [--json] [--shell SHELL]`: the environment envm would set in this directory (the
//! pinned toolchains' bin folders first on PATH), for CI steps and scripts that cannot use
//! shims or activation — e.g. `envm env --json` feeding a CI system's PATH, or
//! `eval "$(envm env --shell bash)"` once in a script.

use std::collections::BTreeMap;

use super::{Context, print_json};
use crate::activate::{self, Shell};
use crate::error::Error;
use crate::exec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON object of variable names to values
    #[arg(long, conflicts_with = "shell")]
    pub json: bool,
    /// Print statements for this shell to evaluate (bash, zsh, fish)
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let dirs = activate::active_bin_dirs(&ctx.layout, &ctx.cwd);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let new_path = exec::prepend_path(&dirs, &path);
    if args.json {
        let vars = BTreeMap::from([("PATH", new_path.to_string_lossy().into_owned())]);
        print_json(&vars)?;
    } else if let Some(shell) = args.shell {
        print!("{}", shell.export("PATH", &new_path));
    } else {
        println!("PATH={}", new_path.to_string_lossy());
    }
    Ok(0)
}
