//! Installs that must not be fooled or broken: malicious archives (one per bad entry type),
//! eight concurrent installs of one version, and `kill -9` in the middle of a download.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tar::EntryType;

use crate::install::{envm, install_entries, installs, partial_downloads, run_bin};
use crate::support::dist::{self, Dist, Fault, raw_entry, raw_tar};
use crate::support::{Run, TestEnv};

fn top() -> String {
    format!("node-v22.12.0-linux-{}", dist::node_arch())
}

#[test]
fn malicious_archives_are_refused_and_nothing_lands_outside() {
    let t = top();
    let ok_bin = raw_entry(
        &format!("{t}/bin/node"),
        EntryType::Regular,
        0o755,
        "",
        b"#!/bin/sh\necho hi\n",
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "dotdot",
            raw_entry(
                &format!("{t}/../../../escaped"),
                EntryType::Regular,
                0o644,
                "",
                b"x",
            ),
        ),
        (
            "absolute",
            raw_entry("/tmp/envm-escaped-abs", EntryType::Regular, 0o644, "", b"x"),
        ),
        (
            "symlink out",
            raw_entry(
                &format!("{t}/bin/evil"),
                EntryType::Symlink,
                0o777,
                "../../../../escaped",
                b"",
            ),
        ),
        (
            "absolute symlink",
            raw_entry(
                &format!("{t}/bin/evil"),
                EntryType::Symlink,
                0o777,
                "/etc/passwd",
                b"",
            ),
        ),
        (
            "hard link out",
            raw_entry(
                &format!("{t}/bin/evil"),
                EntryType::Link,
                0o644,
                "../escaped",
                b"",
            ),
        ),
        (
            "hard link absolute",
            raw_entry(
                &format!("{t}/bin/evil"),
                EntryType::Link,
                0o644,
                "/etc/passwd",
                b"",
            ),
        ),
        (
            // Each link alone stays inside; together `a/b` would be the install's parent.
            "symlink chain",
            [
                raw_entry(&format!("{t}/a"), EntryType::Symlink, 0o777, ".", b""),
                raw_entry(&format!("{t}/a/b"), EntryType::Symlink, 0o777, "..", b""),
            ]
            .concat(),
        ),
        (
            "char device",
            raw_entry(&format!("{t}/dev/null"), EntryType::Char, 0o666, "", b""),
        ),
        (
            "block device",
            raw_entry(&format!("{t}/dev/sda"), EntryType::Block, 0o660, "", b""),
        ),
        (
            "fifo",
            raw_entry(&format!("{t}/pipe"), EntryType::Fifo, 0o644, "", b""),
        ),
        (
            "setuid",
            raw_entry(
                &format!("{t}/bin/suid"),
                EntryType::Regular,
                0o4755,
                "",
                b"#!/bin/sh\n",
            ),
        ),
        (
            "setgid",
            raw_entry(
                &format!("{t}/bin/sgid"),
                EntryType::Regular,
                0o2755,
                "",
                b"#!/bin/sh\n",
            ),
        ),
    ];
    for (label, bad) in cases {
        let (env, dist) = (TestEnv::new(), Dist::start());
        // A write through a symlinked folder is tried after the bad entry for the link cases.
        let through = raw_entry(
            &format!("{t}/bin/evil/x"),
            EntryType::Regular,
            0o644,
            "",
            b"x",
        );
        let tar = raw_tar(&[ok_bin.clone(), bad, through]);
        dist.replace_node_archive("22.12.0", &tar);
        // The mirror's keys are trusted (global config) before the world is looked at.
        dist.trust_keys(&env.envm(["--version"]));
        let before = snapshot(&env.root());
        let run = Run::of(envm(&env, &dist, &["install", "node@22.12.0"])).code(1);
        assert!(
            run.stderr.contains("unsafe archive entry"),
            "{label}: {}",
            run.stderr
        );
        assert!(
            install_entries(&env, "node").is_empty(),
            "{label}: {:?}",
            install_entries(&env, "node")
        );
        assert!(
            !std::path::Path::new("/tmp/envm-escaped-abs").exists(),
            "{label}"
        );
        // Nothing new anywhere in the test's world except envm's caches.
        let after: Vec<String> = snapshot(&env.root())
            .into_iter()
            .filter(|p| !before.contains(p))
            .filter(|p| !p.contains("/envm/cache/") && !p.ends_with(".lock"))
            .filter(|p| !p.ends_with("/envm/cache") && !p.contains("/envm/data"))
            .collect();
        assert!(after.is_empty(), "{label}: new files {after:?}");
        let leftovers: Vec<String> = snapshot(&env.data())
            .into_iter()
            .filter(|p| {
                !p.ends_with(".lock") && !p.ends_with("/installs") && !p.ends_with("/installs/node")
            })
            .collect();
        assert!(leftovers.is_empty(), "{label}: {leftovers:?}");
    }
}

/// Every path under `root`.
fn snapshot(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.display().to_string());
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(p);
            }
        }
    }
    out
}

#[test]
fn eight_concurrent_installs_download_once_and_all_succeed() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let tarball = Dist::node_path("22.11.0", "tar.xz");
    // Slow enough that every process is waiting while the first one downloads.
    dist.fault(&tarball, Fault::Slow(Duration::from_millis(30)));
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = envm(&env, &dist, &["install", "node@22.11.0"]);
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(dist.hits(&tarball), 1);
    assert_eq!(install_entries(&env, "node"), ["22.11.0"]);
    assert_eq!(
        run_bin(&installs(&env, "node").join("22.11.0/bin/node")),
        "v22.11.0"
    );
}

#[test]
fn kill_9_during_a_download_then_install_again_succeeds_without_debris() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let tarball = Dist::node_path("20.18.1", "tar.xz");
    dist.fault(&tarball, Fault::Slow(Duration::from_millis(20)));
    let mut cmd = envm(&env, &dist, &["install", "node@20.18.1"]);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    // Wait until the download has started and a staging folder exists.
    let start = Instant::now();
    while !install_entries(&env, "node")
        .iter()
        .any(|n| n.starts_with(".staging"))
        || partial_downloads(&env).is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "download never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!installs(&env, "node").join("20.18.1").exists());
    Run::of(envm(&env, &dist, &["install", "node@20.18.1"])).ok();
    assert_eq!(install_entries(&env, "node"), ["20.18.1"]);
    assert!(
        partial_downloads(&env).is_empty(),
        "{:?}",
        partial_downloads(&env)
    );
    assert_eq!(
        run_bin(&installs(&env, "node").join("20.18.1/bin/node")),
        "v20.18.1"
    );
}
