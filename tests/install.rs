//! Verified installs against a fixture upstream on 127.0.0.1 (tests/support/dist.rs): each
//! tool end to end, fuzzy specs, integrity and network failures, offline mode, host fit.
//! Malicious archives, concurrency and kill -9 are in tests/install_safety.rs.

use std::path::Path;
use std::process::Command;

use crate::support::dist::{self, Dist, Fault};
use crate::support::{Run, TestEnv};

/// `envm ARGS` in `env`, reading only `dist`.
pub fn envm(env: &TestEnv, dist: &Dist, args: &[&str]) -> Command {
    let mut cmd = env.envm(args);
    dist.env(&mut cmd);
    cmd
}

/// Runs an installed executable and returns its trimmed stdout.
pub fn run_bin(path: &Path) -> String {
    let out = Command::new(path).output().expect("run installed binary");
    assert!(out.status.success(), "{} failed", path.display());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn installs(env: &TestEnv, tool: &str) -> std::path::PathBuf {
    env.data().join("installs").join(tool)
}

/// Names in `installs/TOOL` (versions, staging folders; lock files excluded).
pub fn install_entries(env: &TestEnv, tool: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(installs(env, tool)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    names.sort();
    names
}

/// Files in `cache/downloads` that are not verified archives (partial downloads).
pub fn partial_downloads(env: &TestEnv) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(env.envm_home.join("cache/downloads")) else {
        return Vec::new();
    };
    rd.flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// The `version` fields of a successful `envm ls-remote … --json`.
fn remote_versions(cmd: Command) -> Vec<String> {
    let rows = Run::of(cmd).ok().json();
    let rows = rows.as_array().expect("a JSON array");
    rows.iter()
        .map(|r| r["version"].as_str().expect("a version").to_string())
        .collect()
}

#[test]
fn node_use_installs_verifies_pins_and_runs() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let run = Run::of(envm(&env, &dist, &["use", "node@22"])).ok();
    assert!(run.stdout.contains("22.12.0"), "{}", run.stdout);
    let dir = installs(&env, "node").join("22.12.0");
    assert_eq!(run_bin(&dir.join("bin/node")), "v22.12.0");
    // npm is an in-tree symlink and keeps working.
    assert!(
        std::fs::symlink_metadata(dir.join("bin/npm"))
            .unwrap()
            .is_symlink()
    );
    assert_eq!(run_bin(&dir.join("bin/npm")), "npm 10.9.0");
    let pin = std::fs::read_to_string(env.work.join("envm.toml")).unwrap();
    assert!(pin.contains("node = \"22\""), "{pin}");
    let receipt: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(".envm-receipt.json")).unwrap()).unwrap();
    assert_eq!(receipt["lts"], "jod");
    assert_eq!(receipt["bins"], serde_json::json!(["node", "npm"]));
    let tarball = Dist::node_path("22.12.0", "tar.xz");
    assert_eq!(receipt["sha256"], dist::sha256_hex(&dist.get(&tarball)));
    assert!(receipt["url"].as_str().unwrap().ends_with(&tarball));
    // The verified archive is kept, keyed by digest.
    let kept = env.envm_home.join("cache/downloads").join(format!(
        "{}-node-v22.12.0-linux-{}.tar.xz",
        receipt["sha256"].as_str().unwrap(),
        dist::node_arch()
    ));
    assert!(kept.is_file());
    // `lts/jod` now resolves offline through the receipt.
    let run = Run::of(envm(&env, &dist, &["install", "node@lts/jod"])).ok();
    assert!(run.stdout.contains("already installed"), "{}", run.stdout);
    assert_eq!(dist.hits(&tarball), 1);
}

#[test]
fn node_fuzzy_specs_pick_the_newest_match_in_the_index() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    for (spec, want) in [
        ("latest", "23.3.0"),
        ("lts", "22.12.0"),
        ("lts/iron", "20.18.1"),
        ("22.11", "22.11.0"),
        ("^20", "20.18.1"),
    ] {
        Run::of(envm(&env, &dist, &["install", &format!("node@{spec}")])).ok();
        let bin = installs(&env, "node").join(want).join("bin/node");
        assert_eq!(run_bin(&bin), format!("v{want}"), "spec {spec}");
    }
    let versions = remote_versions(envm(&env, &dist, &["ls-remote", "node", "lts", "--json"]));
    assert_eq!(versions, ["22.12.0", "22.11.0", "20.18.1", "16.20.2"]);
}

#[test]
fn node_tar_gz_is_used_when_asked() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let mut cmd = envm(&env, &dist, &["install", "node@20"]);
    cmd.env("ENVM_NODE_ARCHIVE", "gz");
    Run::of(cmd).ok();
    assert_eq!(dist.hits(&Dist::node_path("20.18.1", "tar.gz")), 1);
    assert_eq!(dist.hits(&Dist::node_path("20.18.1", "tar.xz")), 0);
    let bin = installs(&env, "node").join("20.18.1/bin/node");
    assert_eq!(run_bin(&bin), "v20.18.1");
}

#[test]
fn python_use_picks_newest_default_variant_and_free_threaded_on_request() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    Run::of(envm(&env, &dist, &["use", "python@3.12"])).ok();
    let dir = installs(&env, "python").join("3.12.8");
    assert_eq!(run_bin(&dir.join("bin/python3")), "Python 3.12.8 (gnu)");
    assert_eq!(run_bin(&dir.join("bin/python")), "Python 3.12.8 (gnu)");
    Run::of(envm(&env, &dist, &["install", "python@3.13t"])).ok();
    let dir = installs(&env, "python").join("3.13.1t");
    assert_eq!(run_bin(&dir.join("bin/python3")), "Python 3.13.1t (gnu)");
    // `latest` skips the release candidate.
    Run::of(envm(&env, &dist, &["install", "python@latest"])).ok();
    assert!(installs(&env, "python").join("3.13.1").is_dir());
    assert!(!installs(&env, "python").join("3.14.0rc1").exists());
    let pin = std::fs::read_to_string(env.work.join("envm.toml")).unwrap();
    assert!(pin.contains("python = \"3.12\""), "{pin}");
}

#[test]
fn python_on_a_musl_host_gets_the_musl_build() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let mut cmd = envm(&env, &dist, &["install", "python@3.12"]);
    cmd.env("ENVM_TEST_HOST_LIBC", "musl");
    Run::of(cmd).ok();
    let bin = installs(&env, "python").join("3.12.8/bin/python3");
    assert_eq!(run_bin(&bin), "Python 3.12.8 (musl)");
}

#[test]
fn go_use_latest_skips_unstable_and_pin_writes_exact_version() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    Run::of(envm(&env, &dist, &["use", "--pin", "go@latest"])).ok();
    let bin = installs(&env, "go").join("1.23.4/bin/go");
    assert_eq!(
        run_bin(&bin),
        format!("go version go1.23.4 linux/{}", dist::go_arch())
    );
    let pin = std::fs::read_to_string(env.work.join("envm.toml")).unwrap();
    assert!(pin.contains("go = \"1.23.4\""), "{pin}");
    Run::of(envm(&env, &dist, &["install", "go@1.22"])).ok();
    assert!(installs(&env, "go").join("1.22.10/bin/gofmt").is_file());
}

#[test]
fn zig_use_rewrites_tarball_urls_onto_the_mirror() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    Run::of(envm(&env, &dist, &["use", "--global", "zig@latest"])).ok();
    let bin = installs(&env, "zig").join("0.14.0/zig");
    assert_eq!(run_bin(&bin), "0.14.0");
    assert_eq!(dist.hits(&Dist::zig_path("0.14.0")), 1);
    let global = std::fs::read_to_string(env.envm_home.join("config/config.toml")).unwrap();
    assert!(global.contains("zig = \"latest\""), "{global}");
}

#[test]
fn install_without_arguments_installs_everything_pinned_here() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    env.write(
        "envm.toml",
        "[tools]\nnode = \"20\"\npython = [\"3.12\", \"3.13\"]\ngo = \"1.23\"\nzig = \"0.13\"\n",
    );
    Run::of(envm(&env, &dist, &["install"])).ok();
    assert_eq!(install_entries(&env, "node"), ["20.18.1"]);
    assert_eq!(install_entries(&env, "python"), ["3.12.8", "3.13.1"]);
    assert_eq!(install_entries(&env, "go"), ["1.23.4"]);
    assert_eq!(install_entries(&env, "zig"), ["0.13.0"]);
}

#[test]
fn a_flipped_byte_fails_with_both_digests_and_leaves_nothing() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let path = Dist::node_path("22.12.0", "tar.xz");
    let good = dist.get(&path);
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x01;
    dist.put(&path, bad.clone());
    let run = Run::of(envm(&env, &dist, &["install", "node@22.12.0"])).code(1);
    assert!(run.stderr.contains("checksum mismatch"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&dist::sha256_hex(&good)),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&dist::sha256_hex(&bad)),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("{}{path}", dist.base)),
        "{}",
        run.stderr
    );
    assert!(
        install_entries(&env, "node").is_empty(),
        "{:?}",
        install_entries(&env, "node")
    );
    assert!(partial_downloads(&env).is_empty());
}

#[test]
fn a_checksum_file_lacking_the_entry_is_refused_before_downloading() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let name = format!("node-v22.12.0-linux-{}.tar.xz", dist::node_arch());
    // Only the headers are listed: neither archive format has a checksum.
    dist.put(
        "/node/v22.12.0/SHASUMS256.txt",
        format!("{}  node-v22.12.0-headers.tar.gz\n", "1".repeat(64)).into_bytes(),
    );
    let run = Run::of(envm(&env, &dist, &["install", "node@22"])).code(1);
    assert!(run.stderr.contains("has no checksum for"), "{}", run.stderr);
    assert!(run.stderr.contains(&name), "{}", run.stderr);
    assert_eq!(dist.hits(&Dist::node_path("22.12.0", "tar.xz")), 0);
    assert_eq!(dist.hits(&Dist::node_path("22.12.0", "tar.gz")), 0);
    assert!(install_entries(&env, "node").is_empty());
}

#[test]
fn a_checksum_file_listing_only_the_tar_gz_installs_it() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let name = format!("node-v22.12.0-linux-{}.tar.xz", dist::node_arch());
    dist.write_node_sums("22.12.0", Some(&name));
    Run::of(envm(&env, &dist, &["install", "node@22"])).ok();
    assert_eq!(dist.hits(&Dist::node_path("22.12.0", "tar.xz")), 0);
    assert_eq!(dist.hits(&Dist::node_path("22.12.0", "tar.gz")), 1);
}

#[test]
fn server_errors_and_cut_bodies_are_retried() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let tarball = Dist::node_path("22.12.0", "tar.xz");
    dist.fault("/node/index.json", Fault::Status(500));
    dist.fault(&tarball, Fault::Status(503));
    dist.fault(&tarball, Fault::Truncate);
    Run::of(envm(&env, &dist, &["install", "node@22"])).ok();
    assert_eq!(dist.hits("/node/index.json"), 2);
    assert_eq!(dist.hits(&tarball), 3);
    let bin = installs(&env, "node").join("22.12.0/bin/node");
    assert_eq!(run_bin(&bin), "v22.12.0");
    assert_eq!(install_entries(&env, "node"), ["22.12.0"]);
    assert!(partial_downloads(&env).is_empty());
}

#[test]
fn a_body_cut_every_time_fails_clearly_and_leaves_nothing() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let tarball = Dist::go_path("1.23.4");
    for _ in 0..4 {
        dist.fault(&tarball, Fault::Truncate);
    }
    let run = Run::of(envm(&env, &dist, &["install", "go@1.23.4"])).code(1);
    assert!(run.stderr.contains("broke off"), "{}", run.stderr);
    assert!(run.stderr.contains("tried 4 times"), "{}", run.stderr);
    assert!(install_entries(&env, "go").is_empty());
    assert!(partial_downloads(&env).is_empty());
}

#[test]
fn a_dead_server_and_a_missing_file_fail_clearly() {
    let env = TestEnv::new();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = env.envm(["install", "node@22"]);
    cmd.env("ENVM_NODE_MIRROR", format!("http://127.0.0.1:{port}/node"));
    let run = Run::of(cmd).code(1);
    assert!(run.stderr.contains("cannot reach"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("127.0.0.1:{port}/node/index.json")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);

    let dist = Dist::start();
    // The index lists 22.11.0 but the mirror lacks its tarball.
    dist.state_remove(&Dist::node_path("22.11.0", "tar.xz"));
    let run = Run::of(envm(&env, &dist, &["install", "node@22.11.0"])).code(1);
    assert!(run.stderr.contains("HTTP 404"), "{}", run.stderr);
    assert!(install_entries(&env, "node").is_empty());
    let run = Run::of(envm(&env, &dist, &["install", "node@21"])).code(1);
    assert!(
        run.stderr.contains("no node release matches `21`"),
        "{}",
        run.stderr
    );
}

#[test]
fn offline_uses_warm_caches_and_fails_clearly_when_cold() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    Run::of(envm(&env, &dist, &["install", "node@22"])).ok();
    Run::of(envm(&env, &dist, &["uninstall", "node@22.12.0"])).ok();
    assert!(install_entries(&env, "node").is_empty());
    let hits = dist.hits(&Dist::node_path("22.12.0", "tar.xz"));
    let mut cmd = envm(&env, &dist, &["install", "node@22"]);
    cmd.env("ENVM_OFFLINE", "1");
    Run::of(cmd).ok();
    assert_eq!(dist.hits(&Dist::node_path("22.12.0", "tar.xz")), hits);
    assert_eq!(dist.hits("/node/index.json"), 1);
    let bin = installs(&env, "node").join("22.12.0/bin/node");
    assert_eq!(run_bin(&bin), "v22.12.0");

    let cold = TestEnv::new();
    let mut cmd = envm(&cold, &dist, &["install", "node@22"]);
    cmd.env("ENVM_OFFLINE", "1");
    let run = Run::of(cmd).code(1);
    assert!(run.stderr.contains("ENVM_OFFLINE=1"), "{}", run.stderr);
    assert!(
        run.stderr.contains("index.json was never cached"),
        "{}",
        run.stderr
    );
    assert_eq!(dist.hits("/node/index.json"), 1);
}

#[test]
fn stale_index_is_used_when_the_network_fails_and_refresh_bypasses_the_ttl() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    Run::of(envm(&env, &dist, &["ls-remote", "go"])).ok();
    Run::of(envm(&env, &dist, &["ls-remote", "go"])).ok();
    let index = "/go/?mode=json&include=all";
    assert_eq!(dist.hits(index), 1, "fresh cache reused");
    Run::of(envm(&env, &dist, &["ls-remote", "go", "--refresh"])).ok();
    assert_eq!(dist.hits(index), 2);
    for _ in 0..4 {
        dist.fault(index, Fault::Status(502));
    }
    let run = Run::of(envm(&env, &dist, &["ls-remote", "go", "--refresh"])).ok();
    assert!(
        run.stderr.contains("using the cached copy"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("1.23.4"), "{}", run.stdout);
}

#[test]
fn host_fit_is_checked_before_downloading() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let mut cmd = envm(&env, &dist, &["install", "node@22"]);
    cmd.env("ENVM_TEST_HOST_LIBC", "glibc-2.17");
    let run = Run::of(cmd).code(1);
    assert!(
        run.stderr.contains("no build for this host"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("glibc 2.17"), "{}", run.stderr);
    assert!(run.stderr.contains("glibc 2.28"), "{}", run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    assert_eq!(dist.hits(&Dist::node_path("22.12.0", "tar.xz")), 0);
    // Node 16 needs only glibc 2.17.
    let mut cmd = envm(&env, &dist, &["install", "node@16"]);
    cmd.env("ENVM_TEST_HOST_LIBC", "glibc-2.17");
    Run::of(cmd).ok();
    // On musl, the fixture mirror (official layout) has no musl build.
    let mut cmd = envm(&env, &dist, &["install", "node@20"]);
    cmd.env("ENVM_TEST_HOST_LIBC", "musl");
    let run = Run::of(cmd).code(1);
    assert!(run.stderr.contains("musl"), "{}", run.stderr);
}

#[test]
fn uninstall_and_prune_remove_what_no_pin_uses() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    Run::of(envm(&env, &dist, &["use", "node@20"])).ok();
    Run::of(envm(&env, &dist, &["install", "node@22", "go@1.23"])).ok();
    Run::of(envm(&env, &dist, &["use", "--global", "zig@0.13"])).ok();
    let run = Run::of(envm(&env, &dist, &["prune", "--dry-run"])).ok();
    assert!(
        run.stdout.contains("would remove node 22.12.0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("would remove go 1.23.4"),
        "{}",
        run.stdout
    );
    assert_eq!(install_entries(&env, "node"), ["20.18.1", "22.12.0"]);
    Run::of(envm(&env, &dist, &["prune"])).ok();
    assert_eq!(install_entries(&env, "node"), ["20.18.1"]);
    assert!(install_entries(&env, "go").is_empty());
    assert_eq!(install_entries(&env, "zig"), ["0.13.0"]);
    // The global pin makes it the version used here: removing it takes --force.
    Run::of(envm(&env, &dist, &["uninstall", "zig@0.13.0"])).code(1);
    let run = Run::of(envm(&env, &dist, &["uninstall", "--force", "zig@0.13.0"])).ok();
    assert!(run.stdout.contains("removed zig 0.13.0"), "{}", run.stdout);
    let run = Run::of(envm(&env, &dist, &["uninstall", "zig@0.13.0"])).code(1);
    assert!(
        run.stderr.contains("not installed") || run.stderr.contains("no installed"),
        "{}",
        run.stderr
    );
}

#[test]
fn prune_keeps_what_other_projects_pinned_through_envm() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let in_dir = |dir: &str, args: &[&str]| {
        let mut cmd = envm(&env, &dist, args);
        cmd.current_dir(env.work.join(dir));
        cmd
    };
    for dir in ["a", "b", "c/deep"] {
        std::fs::create_dir_all(env.work.join(dir)).unwrap();
    }
    Run::of(in_dir("a", &["use", "node@20"])).ok();
    // A project whose pin file envm only read (`envm install` with no arguments).
    env.write("b/.nvmrc", "lts/jod\n");
    Run::of(in_dir("b", &["install"])).ok();
    Run::of(in_dir("c/deep", &["install", "node@23", "go@1.23"])).ok();
    // Seen from c/deep nothing is pinned, yet a's and b's pins are known.
    let run = Run::of(in_dir("c/deep", &["prune", "--dry-run"])).ok();
    assert!(
        run.stdout.contains("would remove node 23.3.0"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("20.18.1"), "{}", run.stdout);
    assert!(!run.stdout.contains("22.12.0"), "{}", run.stdout);
    // Once a project's pin file is gone, what it pinned is unused.
    std::fs::remove_file(env.work.join("a/envm.toml")).unwrap();
    Run::of(in_dir("c/deep", &["prune"])).ok();
    assert_eq!(install_entries(&env, "node"), ["22.12.0"]);
    assert!(install_entries(&env, "go").is_empty());
    // A known pin file that no longer parses is skipped with a warning naming it (issue 8,
    // item 24: a cloned repository must not be able to block prune everywhere).
    Run::of(in_dir("c/deep", &["install", "node@23"])).ok();
    env.write("b/.nvmrc", "lts/jod\nextra line\n");
    let run = Run::of(in_dir("c/deep", &["prune"])).ok();
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stderr.contains("b/.nvmrc:2"), "{}", run.stderr);
    assert!(install_entries(&env, "node").is_empty());
}

#[test]
fn lock_records_versions_and_install_locked_uses_exactly_them() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let toml = "[tools]\nnode = \"22\"\ngo = \"1.23\"\n";
    env.write("envm.toml", toml);
    Run::of(envm(&env, &dist, &["lock"])).ok();
    let lock = std::fs::read_to_string(env.work.join("envm.lock")).unwrap();
    let node_sha = dist::sha256_hex(&dist.get(&Dist::node_path("22.12.0", "tar.xz")));
    assert!(lock.contains("version = \"22.12.0\""), "{lock}");
    assert!(lock.contains(&node_sha), "{lock}");
    assert!(lock.contains("version = \"1.23.4\""), "{lock}");

    // Elsewhere, with upstream's indexes gone: the lock alone drives the install.
    dist.state_remove("/node/index.json");
    dist.state_remove("/go/?mode=json&include=all");
    let other = TestEnv::new();
    other.write("envm.toml", toml);
    other.write("envm.lock", &lock);
    Run::of(envm(&other, &dist, &["install", "--locked"])).ok();
    assert_eq!(install_entries(&other, "node"), ["22.12.0"]);
    assert_eq!(install_entries(&other, "go"), ["1.23.4"]);
    assert_eq!(dist.hits("/node/index.json"), 1);

    // A tampered digest is caught (against the signed SHASUMS256.txt before any download);
    // a spec the lock lacks is refused.
    let third = TestEnv::new();
    third.write("envm.toml", toml);
    third.write("envm.lock", &lock.replace(&node_sha, &"0".repeat(64)));
    let run = Run::of(envm(&third, &dist, &["install", "--locked"])).code(1);
    assert!(
        run.stderr.contains("is not the one upstream signed"),
        "{}",
        run.stderr
    );
    third.write("envm.toml", "[tools]\nzig = \"0.14\"\n");
    let run = Run::of(envm(&third, &dist, &["install", "--locked"])).code(1);
    assert!(
        run.stderr.contains("does not lock zig `0.14`"),
        "{}",
        run.stderr
    );
    assert!(install_entries(&third, "zig").is_empty());
}

#[test]
fn an_index_digest_that_is_not_a_sha256_is_refused() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let index = "/go/?mode=json&include=all";
    let sha = dist::sha256_hex(&dist.get(&Dist::go_path("1.22.10")));
    let text = String::from_utf8(dist.get(index)).unwrap();
    dist.put(index, text.replace(&sha, "../../../../escape").into_bytes());
    let run = Run::of(envm(&env, &dist, &["install", "go@1.22"])).code(1);
    assert!(run.stderr.contains("is not a SHA-256"), "{}", run.stderr);
    assert_eq!(dist.hits(&Dist::go_path("1.22.10")), 0);
    assert!(!env.root().join("escape").exists());
    assert!(install_entries(&env, "go").is_empty());
}

#[test]
fn python_catalog_is_embedded_or_read_from_a_file() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    // The built-in catalog needs no network at all.
    let mut cmd = env.envm(["ls-remote", "python", "3.12", "--json"]);
    cmd.env("ENVM_OFFLINE", "1");
    let run = Run::of(cmd).ok();
    let rows = run.json();
    assert!(rows.as_array().unwrap().len() > 3, "{}", run.stdout);
    assert!(rows[0]["version"].as_str().unwrap().starts_with("3.12."));
    // A catalog given as a file path replaces it.
    let catalog = env.write(
        "catalog.json",
        &String::from_utf8(dist.get("/python-downloads.json")).unwrap(),
    );
    let mut cmd = envm(&env, &dist, &["ls-remote", "python", "--json"]);
    cmd.env("ENVM_PYTHON_DOWNLOADS_JSON_URL", &catalog);
    let versions = remote_versions(cmd);
    assert_eq!(
        versions,
        // Stable releases newest first, then pre-releases.
        ["3.13.1t", "3.13.1", "3.12.8", "3.12.7", "3.14.0rc1"]
    );
}
