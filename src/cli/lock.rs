//! `envm lock [--platform P]... [--refresh]`: resolve every spec pinned in project files here
//! against the remote indexes and record, in `envm.lock`, the exact version and per platform
//! the upstream file name and digest (read from indexes and checksum files, no archive
//! downloaded). Also [`keep_current`]: `envm use` and `envm install` lock new or edited pins
//! in an existing lock.

use super::Context;
use crate::cli::error::Error;
use crate::fetch::http::Net;
use crate::fetch::install::InstallError;
use crate::fetch::lockfile::{self, LockError, LockFile};
use crate::fetch::locking::Locker;
use crate::host::{DEFAULT_LOCK_PLATFORMS, Host, LOCK_PLATFORMS};
use crate::project::{self, PinSource};
use crate::tools::Tool;
use crate::version::spec::{Spec, SpecKind};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Lock for this platform (repeatable; default: this host's, linux-x64, linux-arm64,
    /// macos-x64 and macos-arm64)
    #[arg(long = "platform", value_name = "PLATFORM", value_parser = clap::builder::PossibleValuesParser::new(LOCK_PLATFORMS))]
    pub platforms: Vec<String>,
    /// Ask upstream for its version lists even when the cached ones are fresh
    #[arg(long)]
    pub refresh: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let path = lockfile::path_for(&ctx.cwd);
    let explicit = !args.platforms.is_empty();
    let platforms = if explicit {
        sorted(args.platforms.clone())
    } else {
        default_platforms()
    };
    let pins = pinned_specs(ctx)?;
    if pins.is_empty() {
        return Err(LockError::NothingPinned.into());
    }
    let net = Net::from_env().map_err(InstallError::from)?;
    let locker = Locker {
        layout: &ctx.layout,
        net: &net,
        refresh: args.refresh,
        explicit,
    };
    let mut lock = LockFile::default();
    for (tool, spec) in pins {
        lock_one(&locker, &mut lock, tool, &spec, &platforms)?;
    }
    lock.write(&path)?;
    println!("wrote {}", path.display());
    Ok(0)
}

/// Locks `tool`/`spec` into `lock`, saying what it did.
fn lock_one(
    locker: &Locker,
    lock: &mut LockFile,
    tool: Tool,
    spec: &Spec,
    platforms: &[String],
) -> Result<(), Error> {
    let locked = locker
        .lock(tool, spec, platforms)
        .map_err(InstallError::from)?;
    for (platform, why) in &locked.skipped {
        eprintln!("envm: note: {tool} {spec} is not locked for {platform}: {why}");
    }
    let done: Vec<&str> = locked.entry.platforms.keys().map(String::as_str).collect();
    println!(
        "locked {tool} {spec} -> {} ({})",
        locked.entry.version,
        done.join(", ")
    );
    lock.put(locked.entry);
    Ok(())
}

/// After `envm use` / `envm install`: when a lock exists here, pins it lacks (new or edited)
/// are locked for the platforms it already covers, and entries no pin uses are dropped.
/// Locked versions of unchanged pins stay as they are.
pub fn keep_current(ctx: &Context, refresh: bool) -> Result<(), Error> {
    let path = lockfile::path_for(&ctx.cwd);
    if !path.is_file() {
        return Ok(());
    }
    let old = LockFile::read(&path)?;
    let platforms = match old.platforms() {
        p if p.is_empty() => default_platforms(),
        p => p,
    };
    let pins = pinned_specs(ctx)?;
    let mut lock = LockFile::default();
    let mut net = None;
    for (tool, spec) in pins {
        if let Some(entry) = old.find(tool, spec.as_str()) {
            lock.put(entry.clone());
            continue;
        }
        let net = match &mut net {
            Some(net) => net,
            None => net.insert(Net::from_env().map_err(InstallError::from)?),
        };
        let locker = Locker {
            layout: &ctx.layout,
            net,
            refresh,
            explicit: false,
        };
        lock_one(&locker, &mut lock, tool, &spec, &platforms)?;
    }
    lock.write(&path)?;
    Ok(())
}

/// This host's platform and the default ones, sorted.
fn default_platforms() -> Vec<String> {
    let mut all: Vec<String> = DEFAULT_LOCK_PLATFORMS
        .iter()
        .map(|p| p.to_string())
        .collect();
    all.push(Host::detect().platform_key());
    sorted(all)
}

fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list.dedup();
    list
}

/// Every spec pinned in a project file here that envm installs (not `system`/`path:`).
fn pinned_specs(ctx: &Context) -> Result<Vec<(Tool, Spec)>, Error> {
    Ok(project::find_all(&ctx.cwd, &ctx.layout)?
        .into_iter()
        .filter(|pin| matches!(pin.source, PinSource::File(_)))
        .flat_map(|pin| {
            let tool = pin.tool;
            pin.specs.into_iter().map(move |spec| (tool, spec))
        })
        .filter(|(_, spec)| !matches!(spec.kind(), SpecKind::System | SpecKind::Path(_)))
        .collect())
}
