//! `envm complete COMMAND [WORD]` (hidden): the candidates the completion scripts under
//! `completions/` ask for while the user types a `TOOL@VERSION` argument of COMMAND. Tool
//! names (with `@` for `uninstall`), then, once the word holds `@`, the installed versions of
//! that tool. Reads only the installs folder: no network, no project files.

use super::Context;
use crate::cli::error::Error;
use crate::resolve::installed;
use crate::tools::Tool;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The command whose argument is being completed (`uninstall`, `install`, `use`)
    pub command: String,
    /// What the user typed so far
    #[arg(default_value = "", allow_hyphen_values = true)]
    pub word: String,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    for candidate in candidates(ctx, &args.command, &args.word) {
        println!("{candidate}");
    }
    Ok(0)
}

/// The candidates starting with `word`.
fn candidates(ctx: &Context, command: &str, word: &str) -> Vec<String> {
    let only_installed = command == "uninstall";
    let list = match word.split_once('@') {
        Some((name, _)) => match Tool::from_name(name) {
            Some(tool) => installed::versions(&ctx.layout, tool)
                .into_iter()
                .rev()
                .map(|version| format!("{name}@{version}"))
                .collect(),
            None => Vec::new(),
        },
        None => Tool::ALL
            .iter()
            .filter(|&&tool| !only_installed || !installed::versions(&ctx.layout, tool).is_empty())
            .map(|tool| match only_installed {
                true => format!("{tool}@"),
                false => tool.name().to_string(),
            })
            .collect(),
    };
    list.into_iter().filter(|c| c.starts_with(word)).collect()
}
