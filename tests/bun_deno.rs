//! bun and deno end to end through the real envm binary against the loopback npm registry of
//! `support::npm_registry`: ls-remote from the package document, verified installs from the
//! platform package (tarball URLs on the public registry fetched from the configured one),
//! shims (`bun`, `bunx`, `deno`), pins in envm.toml and `.tool-versions`, `ENVM_<TOOL>_VERSION`,
//! envm.lock with the integrity, and a tarball that does not match its integrity refused with
//! nothing installed.

use std::path::Path;
use std::process::Command;

use envm::fetch::npm::{NpmTool, X64Level};
use envm::host::Host;
use envm::tools::bun;

use crate::support::dist::gz;
use crate::support::npm_registry::{
    BUN_LATEST, DENO_LATEST, NpmRegistry, PUBLIC_REGISTRY, npm_tar,
};
use crate::support::{Run, TestEnv};

fn envm(env: &TestEnv, registry: &NpmRegistry, args: &[&str]) -> Command {
    let mut cmd = env.envm(args);
    registry.env(&mut cmd);
    cmd
}

/// Runs the shim `name` with `args`, PATH = the shims folder and the system's.
fn shim(env: &TestEnv, registry: &NpmRegistry, name: &str, args: &[&str]) -> Run {
    let mut cmd = Command::new(env.shims_dir().join(name));
    cmd.args(args);
    shim_env(env, registry, &mut cmd);
    Run::of(cmd)
}

/// Runs the shim `name` with extra environment variables.
fn shim_with(env: &TestEnv, registry: &NpmRegistry, name: &str, vars: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env.shims_dir().join(name));
    shim_env(env, registry, &mut cmd);
    cmd.envs(vars.iter().copied());
    Run::of(cmd)
}

fn shim_env(env: &TestEnv, registry: &NpmRegistry, cmd: &mut Command) {
    env.prepare(cmd);
    registry.env(cmd);
    let path = std::env::join_paths([
        env.shims_dir().as_path(),
        Path::new("/usr/bin"),
        Path::new("/bin"),
    ])
    .expect("PATH");
    cmd.env("PATH", path);
}

/// What a fixture binary printed starts with `prefix` (name, version).
#[track_caller]
fn assert_prints(stdout: &str, prefix: &str) {
    assert!(stdout.starts_with(prefix), "{stdout}");
}

fn host_package(tool: &NpmTool) -> String {
    tool.platform_package(&Host::detect(), X64Level::detect())
        .expect("the test host has a build")
}

fn remote_versions(run: Run) -> Vec<String> {
    let rows = run.ok().json();
    rows.as_array()
        .expect("a JSON array")
        .iter()
        .map(|r| r["version"].as_str().expect("a version").to_string())
        .collect()
}

#[test]
fn ls_remote_lists_the_package_documents_versions() {
    let env = TestEnv::new();
    let registry = NpmRegistry::start();
    let bun = remote_versions(Run::of(envm(
        &env,
        &registry,
        &["ls-remote", "bun", "--json"],
    )));
    assert!(bun.contains(&BUN_LATEST.to_string()), "{bun:?}");
    assert!(bun.contains(&"1.2.23".to_string()), "{bun:?}");
    let deno = remote_versions(Run::of(envm(
        &env,
        &registry,
        &["ls-remote", "deno", "2.8", "--json"],
    )));
    assert_eq!(deno, ["2.8.0"]);
    assert_eq!(registry.hits(&NpmRegistry::packument_path("bun")), 1);
}

#[test]
fn bun_installs_verified_from_the_configured_registry_and_its_shims_run() {
    let env = TestEnv::new();
    let registry = NpmRegistry::start();
    let package = host_package(&bun::NPM);
    let out = Run::of(envm(&env, &registry, &["install", "bun"])).ok();
    assert!(out.stdout.contains(BUN_LATEST), "{}", out.stdout);

    // The document names the public registry; the tarball came from the configured one.
    let published = registry.packument(&package)["versions"][BUN_LATEST]["dist"]["tarball"]
        .as_str()
        .expect("tarball URL")
        .to_string();
    assert!(published.starts_with(PUBLIC_REGISTRY), "{published}");
    let tarball_path = NpmRegistry::tarball_path(&package, BUN_LATEST);
    assert_eq!(registry.hits(&tarball_path), 1);

    let dir = env.data().join("installs/bun").join(BUN_LATEST);
    let receipt: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(".envm-receipt.json")).expect("receipt"))
            .expect("JSON receipt");
    assert!(
        receipt["integrity"]
            .as_str()
            .is_some_and(|i| i.starts_with("sha512-")),
        "{receipt}"
    );
    assert_eq!(
        receipt["url"].as_str(),
        Some(format!("{}{tarball_path}", registry.server.base).as_str())
    );
    assert_eq!(
        std::fs::read_link(dir.join("bin/bunx")).expect("bunx is a link"),
        Path::new("bun")
    );

    env.write("envm.toml", "[tools]\nbun = \"latest\"\n");
    let bun = shim(&env, &registry, "bun", &["--version"]).ok();
    assert_eq!(
        bun.stdout.trim(),
        format!("bun {BUN_LATEST} ({package}) --version")
    );
    let bunx = shim(&env, &registry, "bunx", &["cowsay"]).ok();
    assert_prints(bunx.stdout.as_str(), &format!("bunx {BUN_LATEST} "));
    // Again: nothing is downloaded twice.
    Run::of(envm(&env, &registry, &["install", "bun", "--force"])).ok();
    assert_eq!(registry.hits(&tarball_path), 1);
}

#[test]
fn use_pins_deno_in_envm_toml_and_the_shim_runs_it() {
    let env = TestEnv::new();
    let registry = NpmRegistry::start();
    Run::of(envm(&env, &registry, &["use", "deno@2.8"])).ok();
    let toml = std::fs::read_to_string(env.work.join("envm.toml")).expect("envm.toml");
    assert!(toml.contains("deno"), "{toml}");
    let deno = shim(&env, &registry, "deno", &["-V"]).ok();
    assert_prints(deno.stdout.as_str(), "deno 2.8.0 (@deno/");

    // ENVM_DENO_VERSION overrides the pin.
    Run::of(envm(
        &env,
        &registry,
        &["install", &format!("deno@{DENO_LATEST}")],
    ))
    .ok();
    let out = shim_with(
        &env,
        &registry,
        "deno",
        &[("ENVM_DENO_VERSION", DENO_LATEST)],
    )
    .ok();
    assert_prints(out.stdout.as_str(), &format!("deno {DENO_LATEST} "));
}

#[test]
fn tool_versions_pins_bun_and_the_lock_records_the_integrity() {
    let env = TestEnv::new();
    let registry = NpmRegistry::start();
    env.write(".tool-versions", "bun 1.3.2\ndeno 2.9.6\n");
    Run::of(envm(&env, &registry, &["install"])).ok();
    let bun = shim(&env, &registry, "bun", &[]).ok();
    assert_prints(bun.stdout.as_str(), "bun 1.3.2 ");
    let current = Run::of(envm(&env, &registry, &["current", "bun", "--json"])).ok();
    assert!(current.stdout.contains("1.3.2"), "{}", current.stdout);

    env.write("envm.toml", "[tools]\nbun = \"1.3\"\n");
    Run::of(envm(&env, &registry, &["lock"])).ok();
    let lock = std::fs::read_to_string(env.work.join("envm.lock")).expect("envm.lock");
    assert!(lock.contains("integrity = \"sha512-"), "{lock}");
    // The lock alone installs it (after the install is gone).
    Run::of(envm(
        &env,
        &registry,
        &["uninstall", "--force", "bun@1.3.2"],
    ))
    .ok();
    Run::of(envm(&env, &registry, &["install", "--locked"])).ok();
    assert!(env.data().join("installs/bun/1.3.2").is_dir());
}

#[test]
fn a_tarball_that_does_not_match_its_integrity_is_refused_and_nothing_is_installed() {
    let env = TestEnv::new();
    let registry = NpmRegistry::start();
    let package = host_package(&bun::NPM);
    let evil = gz(&npm_tar(&[(
        "bin/bun",
        "#!/bin/sh\necho evil\n".to_string(),
        0o755,
    )]));
    registry.replace_tarball(&package, BUN_LATEST, evil);
    let out = Run::of(envm(
        &env,
        &registry,
        &["install", &format!("bun@{BUN_LATEST}")],
    ));
    assert_ne!(out.code, Some(0), "{}", out.stdout);
    assert!(out.stderr.contains("integrity"), "{}", out.stderr);
    let installs = env.data().join("installs/bun");
    let left: Vec<String> = std::fs::read_dir(&installs)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with(".lock"))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
    let downloads = env.envm_home.join("cache/downloads");
    let kept: Vec<_> = std::fs::read_dir(&downloads)
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(kept.is_empty(), "kept: {kept:?}");
    assert!(
        !env.shims_dir().join("bun").exists() || shim(&env, &registry, "bun", &[]).code != Some(0)
    );
}

#[test]
fn latest_is_the_dist_tag_not_the_highest_version() {
    let env = TestEnv::new();
    let registry = NpmRegistry::start();
    let mut doc = registry.packument("bun");
    doc["dist-tags"]["latest"] = "1.3.2".into();
    registry.put_packument("bun", &doc);
    let out = Run::of(envm(&env, &registry, &["install", "bun@latest"])).ok();
    assert!(out.stdout.contains("1.3.2"), "{}", out.stdout);
    assert!(env.data().join("installs/bun/1.3.2").is_dir());
    assert!(!env.data().join("installs/bun").join(BUN_LATEST).exists());
}

#[test]
fn a_package_without_the_binary_is_refused_and_nothing_is_installed() {
    let env = TestEnv::new();
    let registry = NpmRegistry::start();
    let package = host_package(&bun::NPM);
    // A verified tarball (its integrity republished) that lacks `package/bin/bun`.
    let empty = gz(&npm_tar(&[("README.md", "# nothing\n".to_string(), 0o644)]));
    let mut doc = registry.packument(&package);
    doc["versions"][BUN_LATEST]["dist"]["integrity"] =
        crate::support::npm_registry::sri_sha512(&empty).into();
    registry.put_packument(&package, &doc);
    registry.replace_tarball(&package, BUN_LATEST, empty);
    let out = Run::of(envm(
        &env,
        &registry,
        &["install", &format!("bun@{BUN_LATEST}")],
    ));
    assert_ne!(out.code, Some(0), "{}", out.stdout);
    assert!(out.stderr.contains("package/bin/bun"), "{}", out.stderr);
    assert!(!env.data().join("installs/bun").join(BUN_LATEST).exists());
}
