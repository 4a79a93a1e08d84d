//! The GitHub Action's shell steps (scripts/action-install, run here as the runner would,
//! with `GITHUB_PATH`, `GITHUB_ENV`, `GITHUB_OUTPUT` and `RUNNER_TEMP` pointed at temp files)
//! and the release installer scripts/get-envm.sh against a loopback release server.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ci::next_step;
use crate::support::dist::{Dist, sha256_hex};
use crate::support::{Run, TestEnv, envm_bin};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

/// `scripts/action-install STEP` as the runner runs it, in the workspace `env.work`.
fn action_step(env: &TestEnv, dist: &Dist, step: &str, inputs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new("bash");
    cmd.arg(script("action-install")).arg(step);
    env.prepare(&mut cmd);
    dist.env(&mut cmd);
    let root = env.root();
    std::fs::create_dir_all(root.join("runner_temp")).unwrap();
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_PATH", root.join("github_path"))
        .env("GITHUB_ENV", root.join("github_env"))
        .env("GITHUB_OUTPUT", root.join("github_output"))
        .env("RUNNER_TEMP", root.join("runner_temp"))
        .env("ENVM_BIN_DIR", envm_bin().parent().unwrap());
    for (name, value) in inputs {
        cmd.env(name, value);
    }
    Run::of(cmd)
}

/// The value of `name` last written to GITHUB_OUTPUT.
fn output(env: &TestEnv, name: &str) -> String {
    let text = std::fs::read_to_string(env.root().join("github_output")).unwrap();
    let prefix = format!("{name}=");
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .to_string()
}

#[test]
fn action_steps_install_the_pins_for_the_next_step() {
    let dist = Dist::start();
    let env = TestEnv::new();
    env.write(
        "repo/envm.toml",
        "[tools]\nnode = \"22\"\n\n[env]\nGREETING = \"from [env]\"\n",
    );
    let inputs = [("INPUT_WORKING_DIRECTORY", "repo")];
    action_step(&env, &dist, "setup", &inputs).ok();
    let key = output(&env, "cache-key");
    assert!(
        key.starts_with("envm-toolchains-") && key.contains("-pins-"),
        "{key}"
    );
    assert_eq!(
        output(&env, "envm-home"),
        env.envm_home.display().to_string()
    );
    assert!(output(&env, "source-key").starts_with("envm-bin-"));

    let trusted = env.work.display().to_string();
    let inputs = [
        ("INPUT_WORKING_DIRECTORY", "repo"),
        ("ENVM_TRUSTED_CONFIG_PATHS", trusted.as_str()),
    ];
    let run = action_step(&env, &dist, "install", &inputs).ok();
    assert!(
        run.stdout.contains("installed node 22.12.0"),
        "{}",
        run.stdout
    );
    // A second run (e.g. the action used twice in a job) adds nothing.
    action_step(&env, &dist, "install", &inputs).ok();
    let paths = std::fs::read_to_string(env.root().join("github_path")).unwrap();
    let lines: Vec<&str> = paths.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "envm's folder and node's, once each: {paths}"
    );
    let vars = std::fs::read_to_string(env.root().join("github_env")).unwrap();
    assert_eq!(vars.matches("GREETING<<").count(), 1, "{vars}");

    let step = next_step(
        &env,
        &env.root(),
        "node --version; echo \"$GREETING\"; envm --version",
    );
    let step = step.ok();
    assert_eq!(
        step.stdout, "v22.12.0\nfrom [env]\nenvm 0.1.0\n",
        "{}",
        step.stderr
    );

    // The key follows the pins, and envm.lock replaces them when there is one.
    env.write("repo/.nvmrc", "22\n");
    action_step(&env, &dist, "setup", &inputs).ok();
    let with_nvmrc = output(&env, "cache-key");
    assert_ne!(with_nvmrc, key);
    env.write("repo/envm.lock", "# lock\n");
    action_step(&env, &dist, "setup", &inputs).ok();
    assert!(output(&env, "cache-key").contains("-lock-"));
}

/// A release server with a fake envm and envm-shim per platform and SHA256SUMS for all four.
fn publish_release(dist: &Dist, prefix: &str) -> String {
    let mut sums = String::new();
    for arch in ["x64", "arm64"] {
        for name in ["envm", "envm-shim"] {
            let asset = format!("{name}-linux-{arch}");
            let body = format!("#!/bin/sh\necho \"{name} 9.9.9 ({arch})\"\n").into_bytes();
            sums.push_str(&format!("{}  {asset}\n", sha256_hex(&body)));
            dist.put(&format!("{prefix}/{asset}"), body);
        }
    }
    dist.put(&format!("{prefix}/SHA256SUMS"), sums.clone().into_bytes());
    sums
}

fn host_asset() -> &'static str {
    if std::env::consts::ARCH == "aarch64" {
        "arm64"
    } else {
        "x64"
    }
}

fn get_envm(env: &TestEnv, dist: &Dist, version: Option<&str>, dir: &Path) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg(script("get-envm.sh"));
    env.prepare(&mut cmd);
    cmd.env("ENVM_INSTALL_BASE_URL", format!("{}/releases", dist.base))
        .env("ENVM_INSTALL_DIR", dir)
        .env_remove("GITHUB_PATH");
    match version {
        Some(v) => cmd.env("ENVM_VERSION", v),
        None => cmd.env_remove("ENVM_VERSION"),
    };
    Run::of(cmd)
}

#[test]
fn get_envm_installs_the_verified_binary_for_this_host() {
    let dist = Dist::start();
    let env = TestEnv::new();
    publish_release(&dist, "/releases/download/v9.9.9");
    publish_release(&dist, "/releases/latest/download");
    for (version, dir) in [(Some("v9.9.9"), "tagged"), (None, "latest")] {
        let dir = env.root().join(dir);
        let run = get_envm(&env, &dist, version, &dir).ok();
        assert!(run.stderr.contains("verified"), "{}", run.stderr);
        let out = Command::new(dir.join("envm"))
            .arg("--version")
            .output()
            .unwrap();
        let want = format!("envm 9.9.9 ({})\n", host_asset());
        assert_eq!(String::from_utf8_lossy(&out.stdout), want);
        let out = Command::new(dir.join("envm-shim")).output().unwrap();
        let want = format!("envm-shim 9.9.9 ({})\n", host_asset());
        assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    }
}

#[test]
fn get_envm_refuses_a_tampered_binary_and_installs_nothing() {
    let dist = Dist::start();
    let env = TestEnv::new();
    let prefix = "/releases/download/v9.9.9";
    let sums = publish_release(&dist, prefix);
    let dir = env.root().join("bin");
    // Either binary tampered with: refused, and neither is installed.
    for name in ["envm-shim", "envm"] {
        let asset = format!("{prefix}/{name}-linux-{}", host_asset());
        dist.put(&asset, b"#!/bin/sh\necho owned\n".to_vec());
        let run = get_envm(&env, &dist, Some("v9.9.9"), &dir).code(1);
        assert!(run.stderr.contains("checksum mismatch"), "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("for {name}-linux")),
            "{}",
            run.stderr
        );
        assert!(!dir.exists(), "nothing installed");
    }

    // No entry for this host's binary: refused as well (fail closed).
    let other: String = sums
        .lines()
        .filter(|l| !l.ends_with(host_asset()))
        .map(|l| format!("{l}\n"))
        .collect();
    dist.put(&format!("{prefix}/SHA256SUMS"), other.into_bytes());
    let run = get_envm(&env, &dist, Some("v9.9.9"), &dir).code(1);
    assert!(run.stderr.contains("no entry"), "{}", run.stderr);
    assert!(!dir.exists());
    // A tag that could escape the URL is refused before any request.
    get_envm(&env, &dist, Some("../../x"), &dir).code(1);
}

#[test]
fn action_and_install_scripts_are_shellcheck_clean() {
    for (shell, name) in [
        ("sh", "get-envm.sh"),
        ("bash", "action-install"),
        ("bash", "install"),
    ] {
        let out = Command::new("shellcheck")
            .arg(format!("--shell={shell}"))
            .arg(script(name))
            .output()
            .expect("shellcheck must be installed (.ci/deps)");
        let found = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {found}");
    }
    let action = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"));
    let action = action.unwrap();
    for input in ["working-directory:", "install-args:", "cache:", "version:"] {
        assert!(action.contains(input), "action.yml lacks {input}");
    }
}

#[test]
fn action_download_step_installs_the_released_envm() {
    let dist = Dist::start();
    let env = TestEnv::new();
    publish_release(&dist, "/releases/download/v9.9.9");
    let bin = env.root().join("tool_cache/envm/bin");
    let base = format!("{}/releases", dist.base);
    let bin_text = bin.display().to_string();
    let inputs = [
        ("INPUT_VERSION", "v9.9.9"),
        ("ENVM_INSTALL_BASE_URL", base.as_str()),
        ("ENVM_BIN_DIR", bin_text.as_str()),
    ];
    action_step(&env, &dist, "download", &inputs).ok();
    let out = Command::new(bin.join("envm"))
        .arg("--version")
        .output()
        .unwrap();
    let want = format!("envm 9.9.9 ({})\n", host_asset());
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    assert!(bin.join("envm-shim").is_file());
    // The install step, not the download, puts it on the job's PATH.
    assert!(!env.root().join("github_path").exists());
}
