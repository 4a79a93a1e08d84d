//! Installs against a hostile upstream, archive or disk (issue 8, items 16–18 and 24):
//! symlink chains that only leave the folder once earlier links are followed, stalled and
//! oversized transfers, a full disk, versions carrying terminal escapes, and `prune` facing
//! folders, lock files and pin files it did not expect.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tar::EntryType;

use crate::install::{envm, install_entries, installs, partial_downloads};
use crate::support::dist::{self, Dist, Fault, raw_entry, raw_tar};
use crate::support::{Run, TestEnv};

const VERSION: &str = "22.12.0";

fn top() -> String {
    format!("node-v{VERSION}-linux-{}", dist::node_arch())
}

fn entry(rel: &str, kind: EntryType, link: &str, body: &[u8]) -> Vec<u8> {
    let mode = if kind == EntryType::Regular {
        0o755
    } else {
        0o777
    };
    raw_entry(&format!("{}/{rel}", top()), kind, mode, link, body)
}

/// `s -> .`, `l1 -> s/..`, `l2 -> l1/..` … `l15 -> l14/..`: each target is inside the folder
/// when read as text, but on disk `l1` is already the folder's parent and `l15` is `/`.
fn chain() -> Vec<Vec<u8>> {
    let mut entries = vec![
        entry("bin/node", EntryType::Regular, "", b"#!/bin/sh\necho hi\n"),
        entry("s", EntryType::Symlink, ".", b""),
        entry("l1", EntryType::Symlink, "s/..", b""),
    ];
    for n in 2..=15 {
        entries.push(entry(
            &format!("l{n}"),
            EntryType::Symlink,
            &format!("l{}/..", n - 1),
            b"",
        ));
    }
    entries
}

/// Installs `tar` as node 22.12.0 with each compression and checks it is refused with
/// nothing left: no version folder, no staging folder, no partial download.
fn assert_refused_both_ways(tar: &[u8], label: &str) {
    for ext in ["gz", "xz"] {
        let (env, dist) = (TestEnv::new(), Dist::start());
        dist.replace_node_archive(VERSION, tar);
        let mut cmd = envm(&env, &dist, &["install", &format!("node@{VERSION}")]);
        cmd.env("ENVM_NODE_ARCHIVE", ext);
        let run = Run::of(cmd).code(1);
        assert!(
            run.stderr.contains("unsafe archive entry"),
            "{label} ({ext}): {}",
            run.stderr
        );
        assert!(
            install_entries(&env, "node").is_empty(),
            "{label} ({ext}): left {:?}",
            install_entries(&env, "node")
        );
        assert!(partial_downloads(&env).is_empty(), "{label} ({ext})");
    }
}

#[test]
fn symlink_chain_through_unpacked_links_is_refused() {
    let mut entries = chain();
    entries.push(entry(
        "bin/passwd",
        EntryType::Symlink,
        "../l15/etc/passwd",
        b"",
    ));
    assert_refused_both_ways(&raw_tar(&entries), "symlink chain");
}

#[test]
fn hard_link_through_a_symlink_chain_is_refused() {
    let mut entries = chain();
    entries.push(raw_entry(
        &format!("{}/bin/passwd", top()),
        EntryType::Link,
        0o644,
        &format!("{}/l15/etc/passwd", top()),
        b"",
    ));
    assert_refused_both_ways(&raw_tar(&entries), "hard link chain");
}

#[test]
fn links_inside_the_folder_still_install() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let tar = raw_tar(&[
        entry(
            "lib/real",
            EntryType::Regular,
            "",
            b"#!/bin/sh\necho real\n",
        ),
        entry("lib/here", EntryType::Symlink, ".", b""),
        entry("bin/node", EntryType::Symlink, "../lib/here/real", b""),
        raw_entry(
            &format!("{}/bin/hard", top()),
            EntryType::Link,
            0o755,
            &format!("{}/lib/real", top()),
            b"",
        ),
    ]);
    dist.replace_node_archive(VERSION, &tar);
    Run::of(envm(&env, &dist, &["install", &format!("node@{VERSION}")])).ok();
    let bin = installs(&env, "node").join(VERSION).join("bin");
    assert_eq!(crate::install::run_bin(&bin.join("node")), "real");
    assert_eq!(crate::install::run_bin(&bin.join("hard")), "real");
}

#[test]
fn a_receipt_shipped_in_the_archive_is_replaced_not_written_through() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let tar = raw_tar(&[
        entry(
            "bin/node",
            EntryType::Regular,
            "",
            b"#!/bin/sh\necho real\n",
        ),
        entry(".envm-receipt.json", EntryType::Symlink, "bin/node", b""),
    ]);
    dist.replace_node_archive(VERSION, &tar);
    Run::of(envm(&env, &dist, &["install", &format!("node@{VERSION}")])).ok();
    let dir = installs(&env, "node").join(VERSION);
    assert_eq!(crate::install::run_bin(&dir.join("bin/node")), "real");
    let receipt = std::fs::symlink_metadata(dir.join(".envm-receipt.json")).unwrap();
    assert!(receipt.is_file());
}

#[test]
fn a_bad_http_timeout_is_an_error_naming_it() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    for bad in ["abc", "0", "99999999999999999"] {
        let mut cmd = envm(&env, &dist, &["install", "node@22"]);
        cmd.env("ENVM_HTTP_TIMEOUT", bad);
        let run = Run::of(cmd).code(1);
        assert!(
            run.stderr.contains("ENVM_HTTP_TIMEOUT"),
            "{bad}: {}",
            run.stderr
        );
    }
}

/// `len` bytes that do not compress (xorshift).
fn noise(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Runs `cmd`, killing it after `limit`; returns its output and how long it ran.
fn run_with_limit(mut cmd: Command, limit: Duration) -> (Output, Duration) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn envm");
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    (out, started.elapsed())
}

#[test]
fn a_trickling_archive_download_fails_at_the_stall_deadline() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let tarball = Dist::node_path(VERSION, "tar.xz");
    dist.fault(&tarball, Fault::Trickle(Duration::from_secs(1)));
    let mut cmd = envm(&env, &dist, &["install", &format!("node@{VERSION}")]);
    cmd.env("ENVM_HTTP_TIMEOUT", "2");
    let (out, took) = run_with_limit(cmd, Duration::from_secs(20));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}: {stderr}");
    assert!(stderr.contains("stalled"), "{stderr}");
    assert!(stderr.contains(&tarball), "{stderr}");
    // A stall is not retried, and nothing is left behind.
    assert_eq!(dist.hits(&tarball), 1);
    assert!(install_entries(&env, "node").is_empty());
    assert!(partial_downloads(&env).is_empty());
}

#[test]
fn a_download_that_goes_silent_fails_at_the_stall_deadline() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let tar = raw_tar(&[entry(
        "lib/blob",
        EntryType::Regular,
        "",
        &noise(256 * 1024),
    )]);
    dist.replace_node_archive(VERSION, &tar);
    let tarball = Dist::node_path(VERSION, "tar.xz");
    dist.fault(&tarball, Fault::Hang(Duration::from_secs(60)));
    let mut cmd = envm(&env, &dist, &["install", &format!("node@{VERSION}")]);
    cmd.env("ENVM_HTTP_TIMEOUT", "2");
    let (out, took) = run_with_limit(cmd, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}: {stderr}");
    assert!(
        stderr.contains("stalled") && stderr.contains(&tarball),
        "{stderr}"
    );
    assert_eq!(dist.hits(&tarball), 1);
    assert!(partial_downloads(&env).is_empty());
}

#[test]
fn a_trickling_index_fails_at_the_stall_deadline() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    dist.fault("/node/index.json", Fault::Trickle(Duration::from_secs(1)));
    let mut cmd = envm(&env, &dist, &["install", "node@22"]);
    cmd.env("ENVM_HTTP_TIMEOUT", "2");
    let (out, took) = run_with_limit(cmd, Duration::from_secs(20));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}: {stderr}");
    assert!(
        stderr.contains("stalled") && stderr.contains("/node/index.json"),
        "{stderr}"
    );
}

#[test]
fn an_oversized_index_is_refused_with_the_cap_named() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let mut huge = b"[".to_vec();
    huge.resize(33 * 1024 * 1024, b' ');
    huge.extend_from_slice(b"]\n");
    dist.put("/node/index.json", huge);
    let run = Run::of(envm(&env, &dist, &["install", "node@22"])).code(1);
    assert!(run.stderr.contains("/node/index.json"), "{}", run.stderr);
    assert!(run.stderr.contains("32 MiB"), "{}", run.stderr);
    assert_eq!(
        dist.hits("/node/index.json"),
        1,
        "an oversized document is not retried"
    );
    // Nothing of it was cached.
    let cached = std::fs::read_dir(env.envm_home.join("cache/index"))
        .map(|rd| rd.count())
        .unwrap_or(0);
    assert_eq!(cached, 0);
}

/// Runs `envm install node@22.12.0` with `ENVM_HOME` on a 1 MiB tmpfs (in a private user and
/// mount namespace, so root and users alike), then lists everything left on it.
fn install_on_tiny_disk(tar: &[u8]) -> Option<(Run, Vec<String>, usize)> {
    let namespaces = Command::new("unshare")
        .args(["-Urm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !namespaces {
        eprintln!("skipped: `unshare -Urm` is not available here (no user namespaces)");
        return None;
    }
    let (env, dist) = (TestEnv::new(), Dist::start());
    dist.replace_node_archive(VERSION, tar);
    let mut cmd = Command::new("unshare");
    // The mirror's keys, trusted in a global config copied onto the tmpfs.
    let config = env.root().join("dist-config.toml");
    dist.trust_keys_in(&config, &env.root());
    cmd.args(["-Urm", "sh", "-c"]).arg(
        r#"mount -t tmpfs -o size=1m envm-test "$ENVM_HOME" || exit 90
mkdir -p "$ENVM_HOME/config" && cp "$1" "$ENVM_HOME/config/config.toml" || exit 91
"$0" install node@22.12.0; rc=$?
cd "$ENVM_HOME" && find . -mindepth 1 >&1
exit $rc"#,
    );
    cmd.arg(crate::support::envm_bin()).arg(&config);
    env.prepare(&mut cmd);
    dist.env(&mut cmd);
    let run = Run::of(cmd);
    let left: Vec<String> = run.stdout.lines().map(str::to_string).collect();
    let hits = dist.hits(&Dist::node_path(VERSION, "tar.xz"));
    Some((run, left, hits))
}

fn assert_disk_full_clean(label: &str, outcome: Option<(Run, Vec<String>, usize)>) {
    let Some((run, left, hits)) = outcome else {
        return;
    };
    assert_eq!(run.code, Some(1), "{label}: {}", run.stderr);
    assert!(
        run.stderr.contains("disk full at"),
        "{label}: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("tried"), "{label}: {}", run.stderr);
    assert_eq!(hits, 1, "{label}: a full disk is not retried");
    // A verified, complete download may stay in the cache; nothing partial may.
    let half_done: Vec<&String> = left
        .iter()
        .filter(|p| {
            p.contains(".staging-")
                || p.ends_with(".partial")
                || p.starts_with("./data/installs/node/") && !p.ends_with(".lock")
        })
        .collect();
    assert!(half_done.is_empty(), "{label}: left {half_done:?}");
}

#[test]
fn a_full_disk_while_downloading_is_one_clear_error() {
    // 2 MiB that do not compress: the download itself does not fit.
    let tar = raw_tar(&[entry("lib/blob", EntryType::Regular, "", &noise(2 << 20))]);
    assert_disk_full_clean("download", install_on_tiny_disk(&tar));
}

#[test]
fn a_full_disk_while_unpacking_is_one_clear_error() {
    // A small download that unpacks to 4 MiB.
    let zeros = vec![0u8; 4 << 20];
    let tar = raw_tar(&[entry("lib/blob", EntryType::Regular, "", &zeros)]);
    assert_disk_full_clean("unpack", install_on_tiny_disk(&tar));
}

const HOSTILE: &str = "22.12.0-dev.1+\u{1b}[31mred";

#[test]
fn a_lock_file_version_with_escapes_is_refused_without_printing_them() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    env.write("envm.toml", &format!("[tools]\nnode = \"{VERSION}\"\n"));
    Run::of(envm(&env, &dist, &["lock"])).ok();
    let lock_path = env.work.join("envm.lock");
    let lock = std::fs::read_to_string(&lock_path).unwrap();
    let hostile = lock.replace(
        &format!("version = \"{VERSION}\""),
        &format!("version = \"{}\"", HOSTILE.replace('\u{1b}', "\\u001b")),
    );
    assert_ne!(lock, hostile, "the lock names the version");
    std::fs::write(&lock_path, hostile).unwrap();
    let run = Run::of(envm(&env, &dist, &["install", "--locked"]));
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(run.stderr.contains("envm.lock"), "{}", run.stderr);
    assert!(install_entries(&env, "node").is_empty());
}

#[test]
fn specs_with_escapes_are_refused_without_printing_them() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    for spec in [
        "node@22.12.0-rc.1+\u{1b}[31m",
        "node@\u{1b}]0;x\u{7}22",
        "node@22\u{9b}1m",
    ] {
        let run = Run::of(envm(&env, &dist, &["install", spec]));
        assert_ne!(run.code, Some(0), "{spec:?}");
        assert!(run.stderr.contains("error"), "{spec:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains(['\u{1b}', '\u{7}', '\u{9b}']),
            "{spec:?}: {:?}",
            run.stderr
        );
    }
    assert!(install_entries(&env, "node").is_empty());
}

#[test]
fn index_versions_with_escapes_are_never_listed_or_installed() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let mut index: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&dist.get("/zig/index.json")).unwrap();
    let release = index["0.14.0"].clone();
    index.insert("0.15.0-dev.1+\u{1b}]0;pwned\u{7}".into(), release);
    dist.put("/zig/index.json", serde_json::to_vec(&index).unwrap());
    let run = Run::of(envm(&env, &dist, &["ls-remote", "zig"])).ok();
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(run.stdout.contains("0.14.0"), "{}", run.stdout);
    let run = Run::of(envm(&env, &dist, &["install", "zig@0.15.0-dev.1"]));
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(
        install_entries(&env, "zig")
            .iter()
            .all(|n| !n.contains('\u{1b}'))
    );
}

#[test]
fn an_install_folder_with_escapes_is_not_a_version() {
    let env = TestEnv::new();
    env.fake_install("node", VERSION, &["node"], None);
    let bad = installs(&env, "node").join("22.0.0-rc.1+\u{1b}[2J");
    std::fs::create_dir_all(bad.join("bin")).unwrap();
    let run = Run::of(env.envm(["ls", "node"])).ok();
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
}

fn prune(env: &TestEnv) -> Run {
    Run::of(env.envm(["prune"])).ok()
}

#[test]
fn prune_leaves_a_non_canonical_version_folder_alone_with_a_warning() {
    let env = TestEnv::new();
    env.fake_install("node", "22.11.0", &["node"], None);
    let odd = installs(&env, "node").join("v97.0.0");
    std::fs::create_dir_all(odd.join("bin")).unwrap();
    let run = prune(&env);
    assert!(run.stderr.contains("v97.0.0"), "{}", run.stderr);
    assert!(odd.is_dir());
    assert!(!installs(&env, "node").join("22.11.0").exists());
}

#[test]
fn prune_removes_leftover_lock_files() {
    let env = TestEnv::new();
    env.fake_install("node", "22.11.0", &["node"], None);
    let dir = installs(&env, "node");
    for name in [".22.11.0.lock", ".20.0.0.lock"] {
        std::fs::write(dir.join(name), "").unwrap();
    }
    prune(&env);
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn prune_skips_a_tracked_pin_file_that_no_longer_parses() {
    let env = TestEnv::new();
    env.fake_install("node", "22.11.0", &["node"], None);
    env.fake_install("node", "20.18.1", &["node"], None);
    let kept = env.write("kept/.nvmrc", "20.18.1\n");
    let hostile = env.write("hostile\u{1b}[31m/envm.toml", "[tools\nnode = \n");
    let tracked: String = [&kept, &hostile]
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    crate::support::write_file(&env.data().join("tracked-pins"), &tracked);
    let run = prune(&env);
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stderr.contains("envm.toml"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(installs(&env, "node").join("20.18.1").is_dir());
    assert!(!installs(&env, "node").join("22.11.0").exists());
    assert!(Path::new(&hostile).is_file());
}
