//! `envm lock`: resolve every spec pinned in project files here against the remote indexes
//! and record the exact version, URL and SHA-256 for this platform in `envm.lock`.

use super::Context;
use crate::cli::error::Error;
use crate::fetch::http::Net;
use crate::fetch::install::InstallError;
use crate::fetch::lockfile::{self, LockError, LockFile};
use crate::fetch::releases::{self, Remote};
use crate::fetch::signed;
use crate::host::Host;
use crate::project::{self, PinSource};
use crate::version::spec::SpecKind;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ask upstream for its version lists even when the cached ones are fresh
    #[arg(long)]
    pub refresh: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let path = lockfile::path_for(&ctx.cwd);
    let mut lock = LockFile::read(&path)?;
    let net = Net::from_env().map_err(InstallError::from)?;
    let host = Host::detect();
    let platform = host.platform_key();
    let remote = Remote {
        layout: &ctx.layout,
        net: &net,
        refresh: args.refresh,
        host,
    };
    let mut count = 0;
    for pin in project::find_all(&ctx.cwd, &ctx.layout)? {
        if !matches!(pin.source, PinSource::File(_)) {
            continue;
        }
        for spec in &pin.specs {
            if matches!(spec.kind(), SpecKind::System | SpecKind::Path(_)) {
                continue;
            }
            let release = releases::resolve(pin.tool, spec, &remote).map_err(InstallError::from)?;
            let artifact =
                releases::artifact(pin.tool, &release, &remote).map_err(InstallError::from)?;
            let version = release.version.to_string();
            lock.record(
                pin.tool,
                spec.as_str(),
                (&version, release.lts.as_deref()),
                &platform,
                signed::locked_artifact(artifact),
            );
            println!("locked {} {spec} -> {version} ({platform})", pin.tool);
            count += 1;
        }
    }
    if count == 0 {
        return Err(LockError::NothingPinned.into());
    }
    lock.write(&path)?;
    println!("wrote {}", path.display());
    Ok(0)
}
