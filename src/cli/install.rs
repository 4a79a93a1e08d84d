//! `envm install [TOOL@SPEC...] [--force] [--refresh]`: install the named versions, or with no
//! arguments everything pinned for the current directory, one thread per tool, then keep an
//! existing `envm.lock` current. `--locked` installs exactly what `envm.lock` records for this
//! platform, each file found by name on the upstream or mirror configured now (no index read).

use super::Context;
use crate::cli::error::Error;
use crate::fetch::http::Net;
use crate::fetch::install::{self, InstallOptions};
use crate::fetch::lockfile::{self, LockError, LockFile};
use crate::fetch::locking;
use crate::fetch::releases::Remote;
use crate::fetch::signed;
use crate::host::Host;
use crate::layout::Layout;
use crate::project;
use crate::tools::Tool;
use crate::version::Version;
use crate::version::spec::{Spec, SpecKind, ToolRequest};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to install, e.g. `node@22 python@3.12`; none: everything pinned here
    pub requests: Vec<String>,
    /// Reinstall even when already installed
    #[arg(long)]
    pub force: bool,
    /// Ask upstream for its version list even when the cached one is fresh
    #[arg(long)]
    pub refresh: bool,
    /// Install exactly what envm.lock records (version, file, digest) from the mirror configured
    /// now, reading no index; fail for anything it lacks
    #[arg(long)]
    pub locked: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let opts = InstallOptions {
        force: args.force,
        refresh: args.refresh,
        remote_first: true,
    };
    let jobs = if args.requests.is_empty() {
        pinned_jobs(ctx)?
    } else {
        requested_jobs(&args.requests)?
    };
    let locked = if args.locked {
        Some(Locked::load(ctx, &jobs)?)
    } else {
        None
    };
    if jobs.is_empty() {
        // `path:` and `system` pins need no install, but a declared overlay (virtualenv) may.
        if args.requests.is_empty() && crate::tools::ensure_overlays(&ctx.layout, &ctx.cwd)? {
            return Ok(0);
        }
        println!(
            "nothing is pinned here; name what to install, e.g. `envm install {}`",
            Tool::EXAMPLE.example_request()
        );
        return Ok(0);
    }
    // Tools in parallel; versions of one tool in order (they share the tool's folder).
    let results: Vec<Vec<Result<String, Error>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = Tool::ALL
            .iter()
            .copied()
            .map(|tool| {
                let specs: Vec<&Spec> = jobs
                    .iter()
                    .filter(|(t, _)| *t == tool)
                    .map(|(_, s)| s)
                    .collect();
                let layout = &ctx.layout;
                let locked = locked.as_ref();
                scope.spawn(move || {
                    specs
                        .into_iter()
                        .map(|spec| match locked {
                            Some(locked) => locked.install(layout, tool, spec, &opts),
                            None => install_one(layout, tool, spec, &opts),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err(Error::msg("an install thread panicked", None))])
            })
            .collect()
    });
    let mut first_error = None;
    for result in results.into_iter().flatten() {
        match result {
            Ok(line) => println!("{line}"),
            Err(e) if first_error.is_none() => first_error = Some(e),
            Err(e) => {
                crate::diag::report(&e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => {
            // Everything pinned here is installed: the project's declared overlays too.
            if args.requests.is_empty() {
                crate::tools::ensure_overlays(&ctx.layout, &ctx.cwd)?;
                if !args.locked {
                    super::lock::keep_current(ctx, args.refresh)?;
                }
            }
            let tools: Vec<Tool> = jobs.iter().map(|(tool, _)| *tool).collect();
            super::path_hint::print_if_unreachable(&ctx.layout, &tools);
            super::github::export_after_install(ctx).map(|()| 0)
        }
    }
}

fn install_one(
    layout: &Layout,
    tool: Tool,
    spec: &Spec,
    opts: &InstallOptions,
) -> Result<String, Error> {
    let done = install::ensure_installed(layout, tool, spec, opts)?;
    Ok(describe(tool, &done))
}

fn describe(tool: Tool, done: &install::Installed) -> String {
    if done.fresh {
        format!(
            "installed {tool} {} in {}",
            done.version,
            done.dir.display()
        )
    } else {
        format!("{tool} {} is already installed", done.version)
    }
}

/// `--locked`: the lock file, checked up front to cover every job on this platform. Reads no
/// index: each file is looked up by name on the upstream or mirror configured now.
struct Locked {
    lock: LockFile,
    host: Host,
    platform: String,
    /// Made on first use: nothing is needed when everything is installed.
    net: std::sync::OnceLock<Result<Net, String>>,
}

impl Locked {
    fn load(ctx: &Context, jobs: &[(Tool, Spec)]) -> Result<Locked, Error> {
        let path = lockfile::path_for(&ctx.cwd);
        let lock = match LockFile::read_existing(&path)? {
            Some(lock) => lock,
            None => return Err(LockError::NotFound { path }.into()),
        };
        let host = Host::detect();
        let platform = host.platform_key();
        for (tool, spec) in jobs {
            let Some(entry) = lock.find(*tool, spec.as_str()) else {
                return Err(lock.not_locked(&path, *tool, spec.as_str()).into());
            };
            if !entry.platforms.contains_key(&platform) {
                return Err(LockError::Missing {
                    command: lockfile::add_platform_command(&lock, &platform),
                    path,
                    tool: *tool,
                    spec: spec.to_string(),
                    platform,
                }
                .into());
            }
        }
        Ok(Locked {
            lock,
            host,
            platform,
            net: std::sync::OnceLock::new(),
        })
    }

    fn net(&self) -> Result<&Net, Error> {
        self.net
            .get_or_init(|| Net::from_env().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::msg(e.clone(), None))
    }

    fn install(
        &self,
        layout: &Layout,
        tool: Tool,
        spec: &Spec,
        opts: &InstallOptions,
    ) -> Result<String, Error> {
        let entry = self
            .lock
            .find(tool, spec.as_str())
            .ok_or_else(|| Error::msg(format!("envm.lock lacks {tool} {spec}"), None))?;
        let locked = entry
            .platforms
            .get(&self.platform)
            .ok_or_else(|| Error::msg(format!("envm.lock lacks {tool} {spec}"), None))?;
        let version = Version::parse(&entry.version)
            .map_err(|e| Error::msg(format!("envm.lock: {e}"), None))?;
        if !opts.force
            && let Some(have) = install::existing(layout, tool, &version)
        {
            return Ok(describe(tool, &have));
        }
        let mut artifact = locking::locked_artifact(tool, &self.host, &version, locked)
            .map_err(install::InstallError::from)?;
        // The lock's digest is checked against the signed one again (from the cached
        // signature files when offline); its `verified` record is not trusted.
        let remote = Remote {
            layout,
            net: self.net()?,
            refresh: false,
            host: Host::detect(),
        };
        signed::vouch(tool, &remote, &version, &mut artifact)
            .map_err(|e| install::InstallError::Provider(e.into()))?;
        let done = install::install_artifact(
            layout,
            self.net()?,
            tool,
            (&version, entry.lts.as_deref()),
            &artifact,
            opts.force,
        )?;
        Ok(describe(tool, &done))
    }
}

/// `TOOL@SPEC` arguments; a bare tool name means its latest release.
fn requested_jobs(requests: &[String]) -> Result<Vec<(Tool, Spec)>, Error> {
    requests
        .iter()
        .map(|text| {
            let req = ToolRequest::parse(text)?;
            let spec = match req.spec {
                Some(spec) => spec,
                None => Spec::parse(req.tool, "latest")?,
            };
            Ok((req.tool, spec))
        })
        .collect()
}

/// Every spec pinned for the current directory that envm installs (not `system`/`path:`).
fn pinned_jobs(ctx: &Context) -> Result<Vec<(Tool, Spec)>, Error> {
    let pins = project::find_all(&ctx.cwd, &ctx.layout)?;
    let files: Vec<_> = pins
        .iter()
        .filter_map(|p| match &p.source {
            project::PinSource::File(file) => Some(file.clone()),
            _ => None,
        })
        .collect();
    project::tracked::record(&ctx.layout, &files);
    Ok(pins
        .into_iter()
        .flat_map(|pin| {
            let tool = pin.tool;
            pin.specs.into_iter().map(move |s| (tool, s))
        })
        .filter(|(_, s)| !matches!(s.kind(), SpecKind::System | SpecKind::Path(_)))
        .collect())
}
