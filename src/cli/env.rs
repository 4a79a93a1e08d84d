//! `envm env [--json] [--shell SHELL]`: the environment envm would set in this directory (the
//! pinned toolchains' bin folders first on PATH, and the project's trusted `[env]`), for CI
//! steps and scripts that cannot use shims or activation — e.g. `envm env --json` feeding a CI
//! system's PATH (its `ENVM_PATH_ADDED` lists the folders envm added), or
//! `eval "$(envm env --shell bash)"` once in a script.

use std::collections::BTreeMap;
use std::ffi::OsStr;

use super::{Context, print_json};
use crate::cli::error::Error;
use crate::project;
use crate::project::env as project_env;
use crate::run::activate::{self, Shell};
use crate::run::exec;

/// `--json` only: the folders envm put in front of PATH, in PATH order, `:`-separated (a
/// plain string like every value, and an `ENVM_*` name no `[env]` can set or shadow).
pub const PATH_ADDED: &str = "ENVM_PATH_ADDED";

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
    let mut vars: Vec<(String, String)> = vec![(
        "PATH".into(),
        exec::prepend_path(&dirs, &path)
            .to_string_lossy()
            .into_owned(),
    )];
    if let Some(file) = project::nearest_project_file(&ctx.cwd)
        && let Some(project) = project_env::load(&ctx.layout, &file)?
    {
        vars.retain(|(name, _)| !project.vars.iter().any(|(n, _)| n == name));
        vars.extend(project.vars);
    }
    if args.json {
        let mut map: BTreeMap<String, String> = vars.into_iter().collect();
        let added: Vec<_> = dirs.iter().map(|d| d.to_string_lossy()).collect();
        map.insert(PATH_ADDED.into(), added.join(":"));
        print_json(&map)?;
    } else if let Some(shell) = args.shell {
        for (name, value) in &vars {
            print!("{}", shell.export(name, OsStr::new(value)));
        }
    } else {
        for (name, value) in &vars {
            println!("{name}={value}");
        }
    }
    Ok(0)
}
