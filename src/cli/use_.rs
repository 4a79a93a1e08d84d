//! `envm use TOOL@SPEC... [--global] [--pin]`: resolve against the remote index, install if
//! missing, then pin it in the nearest `envm.toml` (creating `./envm.toml`), or the global
//! config with `--global`; `--pin` writes the exact version instead of the spec.

use super::Context;
use crate::cli::error::Error;
use crate::fetch::install::{self, InstallOptions};
use crate::project::{self, write::write_pin};
use crate::version::spec::{Spec, SpecKind, ToolRequest};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to use, e.g. `node@22`, `python@3.12` (`node` alone: the latest release)
    #[arg(required = true)]
    pub requests: Vec<String>,
    /// Pin in the global config instead of the project
    #[arg(long)]
    pub global: bool,
    /// Pin the exact resolved version instead of the spec
    #[arg(long)]
    pub pin: bool,
    /// Ask upstream for its version list even when the cached one is fresh
    #[arg(long)]
    pub refresh: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let requests = args
        .requests
        .iter()
        .map(|text| {
            let req = ToolRequest::parse(text)?;
            // No version means the newest release, as in mise.
            let spec = match req.spec {
                Some(spec) => spec,
                None => Spec::parse(req.tool, "latest")?,
            };
            Ok((req.tool, spec))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let file = if args.global {
        ctx.layout.global_config()
    } else {
        project::nearest_project_file(&ctx.cwd).unwrap_or_else(|| ctx.cwd.join("envm.toml"))
    };
    let opts = InstallOptions {
        force: false,
        refresh: args.refresh,
        remote_first: true,
    };
    let tools: Vec<_> = requests.iter().map(|(tool, _)| *tool).collect();
    for (tool, spec) in requests {
        let pinned = match spec.kind() {
            SpecKind::System | SpecKind::Path(_) => spec.to_string(),
            _ => {
                let done = install::ensure_installed(&ctx.layout, tool, &spec, &opts)?;
                if done.fresh {
                    println!(
                        "installed {tool} {} in {}",
                        done.version,
                        done.dir.display()
                    );
                }
                if args.pin {
                    done.version.to_string()
                } else {
                    spec.to_string()
                }
            }
        };
        let change = write_pin(&file, tool, &pinned)?;
        if !args.global {
            project::tracked::record(&ctx.layout, std::slice::from_ref(&file));
        }
        match change.previous {
            Some(prev) if prev == pinned => {
                println!("{tool} = \"{pinned}\" already pinned in {}", file.display())
            }
            Some(prev) => println!("{tool}: \"{prev}\" -> \"{pinned}\" in {}", file.display()),
            None => println!("{tool} = \"{pinned}\" pinned in {}", file.display()),
        }
    }
    if !args.global {
        super::lock::keep_current(ctx, args.refresh)?;
    }
    super::path_hint::print_if_unreachable(&ctx.layout, &tools);
    Ok(0)
}
