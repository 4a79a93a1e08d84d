//! `envm doctor [--json]`: what works on this host and what doesn't — the sandbox layers
//! (Landlock ABI, user, mount and PID namespaces, seccomp, x32), the libc toolchains are built against,
//! whether the shims folder is on PATH and which binary its links run, and the pins found here — each ok or missing, with
//! what that means.

use serde::Serialize;

use super::{Context, current::requested_text, print_json};
use crate::cli::error::Error;
use crate::fetch::releases::SourceKind;
use crate::fetch::verify::SignatureConfig;
use crate::project;
use crate::sandbox::{landlock, namespaces};
use crate::tools::Tool;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON: [{"check","ok","detail"}]
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Check {
    check: &'static str,
    ok: bool,
    detail: String,
}

fn check(check: &'static str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        check,
        ok,
        detail: detail.into(),
    }
}

fn landlock_check() -> Check {
    let abi = landlock::kernel_abi();
    let missing = landlock::missing(abi);
    if missing.is_empty() {
        check(
            "landlock",
            true,
            format!(
                "ABI {abi}: filesystem rules, truncate, signal and abstract-socket scoping are enforced"
            ),
        )
    } else {
        check(
            "landlock",
            false,
            format!(
                "ABI {abi}: {} — `--sandbox` refuses to run, `--sandbox=best-effort` runs without it",
                missing.join("; ")
            ),
        )
    }
}

fn userns_check() -> Check {
    match namespaces::probe_user_namespaces() {
        Ok(()) => check(
            "user namespaces",
            true,
            "the sandbox gets its own network (loopback only), IPC, mount and PID namespaces",
        ),
        Err(why) => check(
            "user namespaces",
            false,
            format!(
                "{why}: `--sandbox` refuses to run (no mount or PID namespace either); `--sandbox=best-effort` cuts the network with a seccomp filter refusing non-unix sockets instead"
            ),
        ),
    }
}

/// The mount and PID namespace checks (one probe for both).
fn isolation_checks() -> [Check; 2] {
    let probe = namespaces::probe_isolation();
    let refuses = "`--sandbox` refuses to run, `--sandbox=best-effort` runs without it";
    let mount = match probe.mount {
        Ok(()) => check(
            "mount namespace",
            true,
            "inside writable folders .git, envm.toml, pin files and envm's own folders are mounted read-only; /tmp and /dev/shm are private",
        ),
        Err(why) => check(
            "mount namespace",
            false,
            format!(
                "{why}: .git, pin files and envm's folders would stay writable and /tmp shared; {refuses}"
            ),
        ),
    };
    let pid = match probe.pid {
        Ok(()) => check(
            "pid namespace",
            true,
            "no process outlives the run; host processes and their /proc entries are invisible",
        ),
        Err(why) => check(
            "pid namespace",
            false,
            format!(
                "{why}: background processes could outlive the run and host processes stay visible; {refuses}"
            ),
        ),
    };
    [mount, pid]
}

fn seccomp_check() -> Check {
    // SAFETY: PR_GET_SECCOMP takes no pointer.
    let mode = unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) };
    if mode < 0 {
        return check(
            "seccomp",
            false,
            "the kernel has no seccomp: ptrace, mount, bpf, keyctl and TIOCSTI cannot be blocked, `--sandbox` refuses to run",
        );
    }
    let x32 = if cfg!(target_arch = "x86_64") {
        // SAFETY: getpid through its x32 number: returns -1/ENOSYS when x32 is disabled.
        let rc = unsafe { libc::syscall(0x4000_0000 | libc::SYS_getpid) };
        if rc < 0 {
            "; x32 syscalls disabled"
        } else {
            "; x32 syscalls enabled (refused by the filter)"
        }
    } else {
        ""
    };
    let nested = if mode == 2 {
        " (envm itself already runs under a filter)"
    } else {
        ""
    };
    check("seccomp", true, format!("filters available{nested}{x32}"))
}

/// The host's C library as the system's own programs use it (not the one envm was built with).
fn libc_check() -> Check {
    use crate::host::{Host, Libc};
    match Host::detect().libc {
        Libc::Glibc(major, minor) => check(
            "libc",
            true,
            format!(
                "glibc {major}.{minor}: python-build-standalone gnu builds and official node/go/zig builds run"
            ),
        ),
        Libc::Musl => check(
            "libc",
            false,
            "musl: glibc-linked toolchains (official node builds) will not run",
        ),
        Libc::None => check(
            "libc",
            true,
            "not Linux: toolchains are picked by OS and CPU",
        ),
    }
}

fn shims_check(ctx: &Context) -> Check {
    let shims = ctx.layout.shims_dir();
    let on_path =
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d == shims));
    if on_path {
        check(
            "shims on PATH",
            true,
            format!(
                "{} is on PATH: pinned versions apply in every shell",
                shims.display()
            ),
        )
    } else {
        check(
            "shims on PATH",
            false,
            format!(
                "{} is not on PATH: pinned versions apply only through `envm exec` or `envm activate`",
                shims.display()
            ),
        )
    }
}

/// Which binary the shims run: `envm-shim` beside envm (the small one), else envm itself; and
/// whether the links in the shims folder point there yet.
fn shim_binary_check(ctx: &Context) -> Check {
    let Ok(exe) = crate::binaries::current() else {
        return check("shim binary", false, "cannot tell where envm runs from");
    };
    let target = crate::binaries::shim_target(&exe);
    let linked = std::fs::read_dir(ctx.layout.shims_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| !e.file_name().as_encoded_bytes().starts_with(b"."))
        .find_map(|e| std::fs::read_link(e.path()).ok());
    if linked.as_ref().is_some_and(|l| *l != target) {
        return check(
            "shim binary",
            false,
            format!(
                "the shims run {}, not {}: `envm reshim` re-points them",
                linked.unwrap_or_default().display(),
                target.display()
            ),
        );
    }
    if target == exe {
        check(
            "shim binary",
            false,
            format!(
                "no {} beside {}: shims run envm itself, which starts slower (scripts/install and get-envm.sh install both)",
                crate::binaries::SHIM,
                exe.display()
            ),
        )
    } else {
        check(
            "shim binary",
            true,
            format!("shims run {}", target.display()),
        )
    }
}

fn pins_check(ctx: &Context) -> Check {
    match project::find_all(&ctx.cwd, &ctx.layout) {
        Ok(found) if found.is_empty() => check(
            "pins here",
            false,
            "no tool is pinned here: shims fall through to PATH (`envm use TOOL@SPEC` pins one)",
        ),
        Ok(found) => {
            let list: Vec<String> = found
                .iter()
                .map(|p| {
                    format!(
                        "{} {} ({})",
                        p.tool.name(),
                        requested_text(p),
                        p.source.describe()
                    )
                })
                .collect();
            check("pins here", true, list.join(", "))
        }
        Err(e) => check("pins here", false, format!("{e}")),
    }
}

/// Per tool, what vouches for its downloads (signatures, or digests only), with the global
/// config's `[signatures]` keys.
fn download_checks(ctx: &Context) -> Vec<Check> {
    let config = match SignatureConfig::load(&ctx.layout) {
        Ok(config) => config,
        Err(e) => return vec![check("signatures", false, e.to_string())],
    };
    Tool::ALL
        .iter()
        .map(|tool| match (tool.source().signing, &tool.source().kind) {
            (Some(signing), _) => check(tool.name(), true, (signing.describe)(&config)),
            (None, SourceKind::Npm(_)) => check(
                tool.name(),
                true,
                "SRI integrity (sha512) from the npm registry's package document",
            ),
            (None, _) => check(tool.name(), true, "SHA-256 digests from upstream's index"),
        })
        .collect()
}

pub fn run(ctx: &Context, args: &Args) -> Result<i32, Error> {
    let [mount, pid] = isolation_checks();
    let mut checks = vec![
        landlock_check(),
        userns_check(),
        mount,
        pid,
        seccomp_check(),
        libc_check(),
        shims_check(ctx),
        shim_binary_check(ctx),
        pins_check(ctx),
    ];
    checks.extend(download_checks(ctx));
    if args.json {
        print_json(&checks)?;
        return Ok(0);
    }
    for c in &checks {
        let status = if c.ok { "ok" } else { "missing" };
        println!("{status:<8} {:<16} {}", c.check, c.detail);
    }
    Ok(0)
}
