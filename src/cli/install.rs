//! `envm install [TOOL@SPEC...] [--force] [--refresh]`: install the named versions, or with no
//! arguments everything pinned for the current directory, one thread per tool. `--locked`
//! installs exactly what `envm.lock` records.

use super::Context;
use crate::cli::error::Error;
use crate::fetch::http::Net;
use crate::fetch::install::{self, InstallOptions};
use crate::fetch::lockfile::{self, LockError, LockFile};
use crate::fetch::releases::{Artifact, Remote};
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
    /// Install exactly what envm.lock records (version, URL, sha256); fail for anything it lacks
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

/// `--locked`: the lock file, checked up front to cover every job on this platform.
struct Locked {
    lock: LockFile,
    platform: String,
    net: Net,
}

impl Locked {
    fn load(ctx: &Context, jobs: &[(Tool, Spec)]) -> Result<Locked, Error> {
        let path = lockfile::path_for(&ctx.cwd);
        if !path.is_file() {
            return Err(LockError::NotFound { path }.into());
        }
        let lock = LockFile::read(&path)?;
        let platform = Host::detect().platform_key();
        for (tool, spec) in jobs {
            let covered = lock
                .find(*tool, spec.as_str())
                .is_some_and(|t| t.platforms.contains_key(&platform));
            if !covered {
                return Err(LockError::Missing {
                    path,
                    tool: *tool,
                    spec: spec.to_string(),
                    platform,
                }
                .into());
            }
        }
        let net = Net::from_env().map_err(install::InstallError::from)?;
        Ok(Locked {
            lock,
            platform,
            net,
        })
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
        let artifact = entry
            .platforms
            .get(&self.platform)
            .ok_or_else(|| Error::msg(format!("envm.lock lacks {tool} {spec}"), None))?;
        let version = Version::parse(&entry.version)
            .map_err(|e| Error::msg(format!("envm.lock: {e}"), None))?;
        let mut artifact = Artifact {
            integrity: artifact.integrity.clone(),
            ..Artifact::new(&artifact.url, &artifact.sha256)
        };
        if artifact.integrity.is_some() {
            artifact.verified = signed::SRI.to_owned();
        }
        // The lock's digest is checked against the signed one again (from the cached
        // signature files when offline); its `verified` record is not trusted.
        let remote = Remote {
            layout,
            net: &self.net,
            refresh: false,
            host: Host::detect(),
        };
        if opts.force || !layout.install_dir(tool, &version).is_dir() {
            signed::vouch(tool, &remote, &version, &mut artifact)
                .map_err(|e| install::InstallError::Provider(e.into()))?;
        }
        let done = install::install_artifact(
            layout,
            &self.net,
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
