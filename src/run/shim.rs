//! The shim: what runs when `envm` is invoked under another name (`node`, `python3`, …)
//! through a link in the shims folder. The hot path, taken before any CLI parsing:
//! argv[0] → the tool exporting that name (the index [`crate::link`] writes) → the pin here
//! ([`crate::project::find`]) → the newest installed match ([`crate::resolve`]) → `execve` of
//! the real binary with its toolchain's bin folder first on PATH ([`crate::run::exec`]).
//!
//! No network, no logging unless `ENVM_LOG` is set. An unpinned tool (or a `system` pin) runs
//! the next executable of that name on PATH after the shims folder. A pinned version that is not
//! installed is installed by running `envm install TOOL@SPEC` first, unless
//! `ENVM_AUTO_INSTALL=0`.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

use crate::diag;
use crate::diag::Diagnostic;
use crate::layout::{Layout, NoHomeError};
use crate::link::ShimIndex;
use crate::project::env::{self as project_env, ProjectEnvError};
use crate::project::{self, Pin, PinError};
use crate::resolve::{self, Resolution};
use crate::run::exec::{self, ExecError, MAX_SHIM_DEPTH, SHIM_DEPTH_VAR};
use crate::sandbox::{self, SandboxError};
use crate::tools::OverlayError as VenvConfigError;
use crate::tools::Tool;

/// Why a shim (or `envm which`) found nothing to run, or could not run it. The shim's one
/// error type: the errors of the stages it goes through are carried as they are.
#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    #[error("shim recursion: `{name}` went through envm's shims {depth} times")]
    Recursion { name: String, depth: u32 },
    #[error("`{name}` is not an executable of any installed toolchain")]
    UnknownShim { name: String },
    #[error("{tool} is not pinned here and no other `{name}` is on PATH")]
    NotFound { tool: Tool, name: String },
    #[error("{tool} is pinned to `system` ({source_desc}) but no other `{name}` is on PATH")]
    NoSystem {
        tool: Tool,
        name: String,
        source_desc: String,
    },
    #[error("{tool}@{spec} is pinned by {source_desc} but not installed")]
    NotInstalled {
        tool: Tool,
        spec: String,
        source_desc: String,
    },
    #[error("{tool}@{spec} (pinned by {source_desc}) cannot be resolved: {reason}")]
    Unresolved {
        tool: Tool,
        spec: String,
        source_desc: String,
        reason: String,
    },
    #[error("{tool}@{spec} is pinned by {}, which is not trusted: a `path:` pin runs code the file chose", file.display())]
    UntrustedPath {
        tool: Tool,
        spec: String,
        file: PathBuf,
    },
    #[error("{tool} {version} has no `{name}` in {}", bin_dir.display())]
    MissingBin {
        tool: Tool,
        version: String,
        name: String,
        bin_dir: PathBuf,
    },
    #[error("installing {request} failed ({status})")]
    InstallFailed { request: String, status: String },
    #[error("cannot run `envm install {request}`")]
    InstallSpawn {
        request: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the current directory: {0}")]
    CurrentDir(#[source] io::Error),
    #[error(transparent)]
    NoHome(#[from] NoHomeError),
    #[error(transparent)]
    Pin(#[from] PinError),
    #[error(transparent)]
    Venv(#[from] VenvConfigError),
    #[error(transparent)]
    ProjectEnv(#[from] ProjectEnvError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    Exec(#[from] ExecError),
}

impl Diagnostic for ShimError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            ShimError::Recursion { name, .. } => {
                format!("a `{name}` on PATH leads back to the shim; check PATH")
            }
            ShimError::UnknownShim { .. } => "run `envm reshim` to rebuild the shims".into(),
            ShimError::NotFound { tool, .. } => {
                format!("pin a version with `envm use {tool}@<version>`, or install one on PATH")
            }
            ShimError::NoSystem { tool, .. } => {
                format!("install {tool} on the system, or pin a version with `envm use`")
            }
            ShimError::NotInstalled { tool, spec, .. } => format!("envm install {tool}@{spec}"),
            ShimError::Unresolved { tool, .. } => {
                format!("run `envm install {tool}@<version>` or change the pin")
            }
            ShimError::MissingBin { .. } => {
                "pin a version that has it, or run `envm reshim`".into()
            }
            ShimError::UntrustedPath { file, .. } => format!(
                "review it and the folder it names, then run `envm trust {}`",
                file.display()
            ),
            ShimError::InstallFailed { request, .. } | ShimError::InstallSpawn { request, .. } => {
                format!("run `envm install {request}` to see why")
            }
            ShimError::CurrentDir(_) => "cd into a folder that exists".into(),
            ShimError::NoHome(e) => return e.hint(),
            ShimError::Pin(e) => return e.hint(),
            ShimError::Venv(e) => return e.hint(),
            ShimError::ProjectEnv(e) => return e.hint(),
            ShimError::Sandbox(e) => return e.hint(),
            ShimError::Exec(e) => return e.hint(),
        })
    }

    /// 127 when nothing runnable exists under that name, 1 otherwise.
    fn exit_code(&self) -> i32 {
        match self {
            ShimError::UnknownShim { .. }
            | ShimError::NotFound { .. }
            | ShimError::NoSystem { .. }
            | ShimError::MissingBin { .. } => 127,
            ShimError::Sandbox(e) => e.exit_code(),
            ShimError::Exec(e) => e.exit_code(),
            _ => 1,
        }
    }
}

/// The binary a shim runs here, and why.
#[derive(Debug, Clone)]
pub struct Target {
    pub tool: Tool,
    /// The real executable; also its `argv[0]`.
    pub program: PathBuf,
    /// The toolchain's bin folder, put first on PATH (none for a system binary).
    pub bin_dir: Option<PathBuf>,
    /// The pin that selected it (none when unpinned).
    pub pin: Option<Pin>,
    /// The nearest `envm.toml` at or above the working directory: its `[sandbox]` table, if
    /// any, makes the program run sandboxed.
    pub project_file: Option<PathBuf>,
    /// The project's overlay the program belongs to (a virtualenv): the variable naming its
    /// root, and the root.
    pub overlay: Option<(&'static str, PathBuf)>,
    /// What was picked, for logs: a version, `path:…` or `system`.
    pub label: String,
}

/// Entry point when argv[0] is not `envm`. Returns (the exit status) only on failure.
pub fn main(name: &OsStr) -> u8 {
    let code = match run(name) {
        Ok(code) => code,
        Err(err) => diag::report(&err),
    };
    code.clamp(0, 255) as u8
}

/// Entry point for `envm-shim hook-env SHELL` (the shell's prompt hook, see
/// [`crate::run::activate::hook_env_now`]): prints the PATH update; returns the exit status.
pub fn hook_main(shell: crate::run::activate::Shell) -> u8 {
    use std::io::Write;
    let answer = Layout::from_env()
        .map_err(ShimError::from)
        .and_then(|layout| {
            let cwd = std::env::current_dir().map_err(ShimError::CurrentDir)?;
            Ok(crate::run::activate::hook_env_now(shell, &layout, &cwd))
        });
    match answer {
        Ok(out) => {
            // A closed stdout (the prompt went away) is not worth an error.
            let _ = io::stdout().write_all(out.as_bytes());
            0
        }
        Err(err) => diag::report(&err).clamp(0, 255) as u8,
    }
}

/// Runs the program the shim stands for; returns only with a sandboxed run's exit code, or
/// an error (an unsandboxed program replaces this process).
fn run(name: &OsStr) -> Result<i32, ShimError> {
    let name_text = name.to_string_lossy();
    let depth = std::env::var(SHIM_DEPTH_VAR)
        .ok()
        .and_then(|d| d.parse::<u32>().ok())
        .unwrap_or(0);
    if depth >= MAX_SHIM_DEPTH {
        return Err(ShimError::Recursion {
            name: name_text.into_owned(),
            depth,
        });
    }
    let layout = Layout::from_env()?;
    let cwd = std::env::current_dir().map_err(ShimError::CurrentDir)?;
    let index = ShimIndex::read(&layout);
    let tool = crate::link::tool_here(&layout, &index, &cwd, name).ok_or_else(|| {
        ShimError::UnknownShim {
            name: name_text.to_string(),
        }
    })?;
    // A declared overlay (a project virtualenv) is created on its first use; a failure is
    // reported and the toolchain's own program still runs.
    if let Some(overlay) = &tool.def().overlay
        && let Err(err) = (overlay.ensure)(&layout, &cwd)
    {
        diag::report(&err);
    }
    let target = match locate(&layout, &index, &cwd, tool, name) {
        Err(ShimError::NotInstalled {
            tool,
            spec,
            source_desc,
        }) => {
            install_missing(tool, &spec, &source_desc)?;
            locate(&layout, &index, &cwd, tool, name)?
        }
        other => other?,
    };
    log(|| {
        let from = target
            .pin
            .as_ref()
            .map_or("no pin".into(), |p| p.source.describe());
        format!(
            "{name_text}: {tool} {} ({from}) → {}",
            target.label,
            target.program.display()
        )
    });
    let args: Vec<OsString> = crate::args::os().into_iter().skip(1).collect();
    let dirs: Vec<PathBuf> = target.bin_dir.iter().cloned().collect();
    let mut env = exec::toolchain_env(&dirs, Some(depth + 1));
    if let Some((var, root)) = &target.overlay {
        env.retain(|(k, _)| k != var);
        env.push((var.into(), root.into()));
    }
    if let Some(file) = target.project_file.as_deref()
        && let Some(vars) = project_env::load(&layout, file)?
    {
        project_env::apply(&mut env, &vars);
    }
    if let Some(settings) = project_sandbox(&layout, &cwd, target.project_file.as_deref())? {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let project_dir = sandbox::project_dir(&cwd, home.as_deref());
        let program = target.program.as_os_str();
        return Ok(sandbox::run_sandboxed(
            &settings,
            &layout,
            &project_dir,
            program,
            &args,
            &env,
        )?);
    }
    if crate::link::watches_for_new_executables(tool, name, &args) {
        return Ok(crate::run::watched::run_then_refresh(
            &layout,
            &target.program,
            &args,
            &env,
        )?);
    }
    // Unsandboxed, the program replaces the shim: its exit status and signals are its own.
    Err(exec::exec_replace(&target.program, target.program.as_os_str(), &args, &env).into())
}

/// The sandbox a project's `envm.toml` asks for with a `[sandbox]` table (trust checked).
fn project_sandbox(
    layout: &Layout,
    cwd: &Path,
    project_file: Option<&Path>,
) -> Result<Option<sandbox::Settings>, ShimError> {
    let Some(file) = project_file else {
        return Ok(None);
    };
    let Some(project) = sandbox::project_policy(file)? else {
        return Ok(None);
    };
    Ok(sandbox::decide(None, Some(project), layout, cwd)?)
}

/// What the shim called `name` (a binary exported by `tool`) runs from `cwd`.
pub fn locate(
    layout: &Layout,
    index: &ShimIndex,
    cwd: &Path,
    tool: Tool,
    name: &OsStr,
) -> Result<Target, ShimError> {
    let name_text = || name.to_string_lossy().into_owned();
    let (pin, project_file) = project::find_with_project_file(tool, cwd, layout)?;
    let Some(pin) = pin else {
        let program = next_on_path(layout, name).ok_or_else(|| ShimError::NotFound {
            tool,
            name: name_text(),
        })?;
        return Ok(system_target(tool, program, None, project_file));
    };
    let source_desc = pin.source.describe();
    let installed = index.versions(layout, tool);
    let (label, dir) = match resolve::resolve_among(layout, &pin, &installed) {
        Resolution::Installed { version, dir, .. } => (version.to_string(), dir),
        Resolution::Path { dir, .. } => (format!("path:{}", dir.display()), dir),
        Resolution::System { .. } => {
            let program = next_on_path(layout, name).ok_or_else(|| ShimError::NoSystem {
                tool,
                name: name_text(),
                source_desc,
            })?;
            return Ok(system_target(tool, program, Some(pin), project_file));
        }
        Resolution::NotInstalled { spec } => {
            return Err(ShimError::NotInstalled {
                tool,
                spec: spec.to_string(),
                source_desc,
            });
        }
        Resolution::Unresolved { spec, reason } => {
            return Err(ShimError::Unresolved {
                tool,
                spec: spec.to_string(),
                source_desc,
                reason,
            });
        }
        Resolution::Untrusted { spec, file } => {
            let spec = spec.to_string();
            return Err(ShimError::UntrustedPath { tool, spec, file });
        }
    };
    let mut bin_dir = tool.bin_dir(&dir);
    // The project's overlay (a virtualenv), once created, is where the tool's programs run
    // from.
    let mut in_overlay = None;
    if let (Some(overlay), Some(file)) = (&tool.def().overlay, project_file.as_deref())
        && let Some(root) = (overlay.existing)(layout, file)?
        && exec::is_executable(&root.join(overlay.bin_dir).join(name))
    {
        bin_dir = root.join(overlay.bin_dir);
        in_overlay = Some((overlay.env_var, root));
    }
    let program = bin_dir.join(name);
    if !exec::is_executable(&program) {
        // Another version of the toolchain exported this name (any `npm i -g` package can
        // export `ls` or `git`): the pinned one lacks it, so the name is not the toolchain's
        // here and runs what it would run without envm.
        return match next_on_path(layout, name) {
            Some(program) => Ok(system_target(tool, program, Some(pin), project_file)),
            None => Err(ShimError::MissingBin {
                tool,
                version: label,
                name: name_text(),
                bin_dir,
            }),
        };
    }
    Ok(Target {
        tool,
        program,
        bin_dir: Some(bin_dir),
        pin: Some(pin),
        project_file,
        overlay: in_overlay,
        label,
    })
}

fn system_target(
    tool: Tool,
    program: PathBuf,
    pin: Option<Pin>,
    project_file: Option<PathBuf>,
) -> Target {
    Target {
        tool,
        program,
        bin_dir: None,
        pin,
        project_file,
        overlay: None,
        label: "system".into(),
    }
}

/// The next executable called `name` on PATH that is not a shim: folders that are the shims
/// folder (under any spelling) are skipped, and so is any file that is envm or its shim
/// binary.
pub fn next_on_path(layout: &Layout, name: &OsStr) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let shims = layout.shims_dir();
    let shims_real = std::fs::canonicalize(&shims).ok();
    let own = crate::binaries::current()
        .map(|exe| crate::binaries::both(&exe))
        .unwrap_or_default();
    for dir in exec::split_path(&path) {
        let dir = Path::new(dir);
        if dir == shims || (shims_real.is_some() && std::fs::canonicalize(dir).ok() == shims_real) {
            continue;
        }
        let candidate = dir.join(name);
        if !exec::is_executable(&candidate) {
            continue;
        }
        if !own.is_empty()
            && std::fs::canonicalize(&candidate).is_ok_and(|real| own.contains(&real))
        {
            continue;
        }
        return Some(candidate);
    }
    None
}

/// Installs `tool@spec`, pinned by `source_desc`, unless `ENVM_AUTO_INSTALL=0` (then the
/// error says how to install it).
pub fn install_missing(tool: Tool, spec: &str, source_desc: &str) -> Result<(), ShimError> {
    if std::env::var_os("ENVM_AUTO_INSTALL").is_some_and(|v| v == "0") {
        return Err(ShimError::NotInstalled {
            tool,
            spec: spec.to_string(),
            source_desc: source_desc.to_string(),
        });
    }
    install(tool, spec, source_desc)
}

/// Runs `<this envm> install TOOL@SPEC` as a child: its progress and messages go to stderr,
/// so the shimmed program's stdout stays clean.
fn install(tool: Tool, spec: &str, source_desc: &str) -> Result<(), ShimError> {
    let request = format!("{tool}@{spec}");
    let spawn_err = |source| ShimError::InstallSpawn {
        request: request.clone(),
        source,
    };
    eprintln!("envm: {request} (from {source_desc}) is not installed; installing it");
    let cwd = std::env::current_dir().map_err(spawn_err)?;
    let args = [OsStr::new("install"), OsStr::new(&request)];
    let status = exec::run_envm_child(&args, &cwd).map_err(spawn_err)?;
    if status.success() {
        Ok(())
    } else {
        Err(ShimError::InstallFailed {
            request,
            status: status.to_string(),
        })
    }
}

/// Writes a debug line on stderr when `ENVM_LOG` is set (the message is built only then).
fn log(message: impl FnOnce() -> String) {
    crate::diag::debug(message)
}
