//! The portable envm.lock (issue 9): several platforms locked from the loopback indexes and
//! checksum files alone, no URLs in the file, `install --locked` taking the locked bytes from
//! a different mirror than the lock was written with and reading no index, a drifted digest
//! refused with nothing installed, pins edited after locking and a missing platform refused
//! with the command that fixes it, and `envm use` keeping the lock current.

use crate::install::{envm, install_entries};
use crate::support::dist::{self, Dist, NODE_RELEASES, ZIG_RELEASES};
use crate::support::{Run, TestEnv};

const PINS: &str = "[tools]\nnode = \"22\"\npython = \"3.12\"\ngo = \"1.23\"\nzig = \"0.14\"\n";
const DEFAULTS: [&str; 4] = ["linux-arm64", "linux-x64", "macos-arm64", "macos-x64"];

/// The index documents and checksum files `install --locked` must never ask for.
const INDEXES: &[&str] = &[
    "/node/index.json",
    "/go/?mode=json&include=all",
    "/zig/index.json",
    "/python-downloads.json",
];

fn other_arch(rust_arch: &str) -> &'static str {
    if rust_arch == "aarch64" {
        "x86_64"
    } else {
        "aarch64"
    }
}

fn fake_sha(name: &str) -> String {
    dist::sha256_hex(name.as_bytes())
}

/// Adds every tool's builds for the other platforms to the fixture's indexes and checksum
/// files (with digests of nothing that is served: locking must not download them).
fn publish_other_platforms(dist: &Dist) {
    let node_other = if dist::node_arch() == "x64" {
        "arm64"
    } else {
        "x64"
    };
    for (version, _) in NODE_RELEASES {
        let path = format!("/node/v{version}/SHASUMS256.txt");
        let mut sums = String::from_utf8(dist.get(&path)).unwrap();
        for token in [
            format!("linux-{node_other}"),
            "darwin-x64".into(),
            "darwin-arm64".into(),
        ] {
            let name = format!("node-v{version}-{token}.tar.xz");
            sums.push_str(&format!("{}  {name}\n", fake_sha(&name)));
        }
        dist.publish_signed_sums(version, &sums);
    }
    let index = String::from_utf8(dist.get("/node/index.json")).unwrap();
    let index = index.replace("\"osx-arm64-tar\"", "\"osx-arm64-tar\",\"osx-x64-tar\"");
    dist.put("/node/index.json", index.into_bytes());

    let go_index = "/go/?mode=json&include=all";
    let mut go: Vec<serde_json::Value> = serde_json::from_slice(&dist.get(go_index)).unwrap();
    let go_other = if dist::go_arch() == "amd64" {
        "arm64"
    } else {
        "amd64"
    };
    for entry in &mut go {
        let version = entry["version"].as_str().unwrap().to_string();
        let files = entry["files"].as_array_mut().unwrap();
        for (os, arch) in [("linux", go_other), ("darwin", "amd64")] {
            let name = format!("{version}.{os}-{arch}.tar.gz");
            files.push(serde_json::json!({"filename": name, "os": os, "arch": arch,
                "version": version, "sha256": fake_sha(&name), "size": 1, "kind": "archive"}));
        }
    }
    dist.put(go_index, serde_json::to_vec(&go).unwrap());

    let mut zig: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&dist.get("/zig/index.json")).unwrap();
    for version in ZIG_RELEASES {
        let release = zig[*version].as_object_mut().unwrap();
        for target in [
            format!("{}-linux", other_arch(dist::arch())),
            "x86_64-macos".into(),
            "aarch64-macos".into(),
        ] {
            let (arch, os) = target.split_once('-').unwrap();
            let name = format!("zig-{os}-{arch}-{version}.tar.xz");
            // Every upstream tarball has its `.minisig` beside it (over the fake content).
            let minisig = dist
                .signers
                .minisign
                .sign_release_file(name.as_bytes(), &name);
            dist.put(
                &format!("/zig/{version}/{name}.minisig"),
                minisig.into_bytes(),
            );
            release.insert(
                target.clone(),
                serde_json::json!({
                "tarball": format!("https://ziglang.org/download/{version}/{name}"),
                "shasum": fake_sha(&name), "size": "1"}),
            );
        }
    }
    dist.put("/zig/index.json", serde_json::to_vec(&zig).unwrap());

    let mut python: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&dist.get("/python-downloads.json")).unwrap();
    let host = dist::arch();
    for (key, entry) in python.clone() {
        if entry["libc"] != "gnu" {
            continue;
        }
        for (os, arch, libc, triple) in [
            (
                "linux",
                other_arch(host),
                "gnu",
                format!("{}-unknown-linux-gnu", other_arch(host)),
            ),
            ("darwin", "x86_64", "none", "x86_64-apple-darwin".into()),
            ("darwin", "aarch64", "none", "aarch64-apple-darwin".into()),
        ] {
            let mut copy = entry.clone();
            let url = entry["url"].as_str().unwrap();
            let url = url.replace(&format!("{host}-unknown-linux-gnu"), &triple);
            copy["sha256"] = fake_sha(&url).into();
            copy["url"] = url.into();
            copy["os"] = os.into();
            copy["libc"] = libc.into();
            copy["arch"]["family"] = arch.into();
            python.insert(format!("{key}-{os}-{arch}"), copy);
        }
    }
    dist.put(
        "/python-downloads.json",
        serde_json::to_vec(&python).unwrap(),
    );
}

fn host_platform() -> &'static str {
    if dist::arch() == "aarch64" {
        "linux-arm64"
    } else {
        "linux-x64"
    }
}

fn read_lock(env: &TestEnv) -> (String, toml::Value) {
    let text = std::fs::read_to_string(env.work.join("envm.lock")).expect("envm.lock");
    let value = toml::from_str(&text).expect("valid TOML");
    (text, value)
}

fn entry<'a>(lock: &'a toml::Value, tool: &str) -> &'a toml::Value {
    lock["tool"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str() == Some(tool))
        .unwrap_or_else(|| panic!("{tool} is locked"))
}

/// Hits on every path of `dist` that an archive is served from, for the locked versions.
fn archive_hits(dist: &Dist) -> usize {
    dist.hits(&Dist::node_path("22.12.0", "tar.xz"))
        + dist.hits(&Dist::go_path("1.23.4"))
        + dist.hits(&Dist::zig_path("0.14.0"))
        + dist.hits(&Dist::python_path("3.12.8", false, "gnu"))
}

#[test]
fn lock_records_every_default_platform_from_indexes_alone_without_urls() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    publish_other_platforms(&dist);
    env.write("envm.toml", PINS);
    Run::of(envm(&env, &dist, &["lock"])).ok();
    let (text, lock) = read_lock(&env);
    assert_eq!(archive_hits(&dist), 0, "locking downloaded an archive");
    assert!(!text.contains("http"), "a URL in the lock:\n{text}");
    assert!(!text.contains(&dist.base), "{text}");
    let names: Vec<&str> = lock["tool"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["go", "node", "python", "zig"], "sorted by tool");
    for tool in ["go", "node", "python", "zig"] {
        let platforms = entry(&lock, tool)["platforms"].as_table().unwrap();
        let keys: Vec<&String> = platforms.keys().collect();
        assert_eq!(keys, DEFAULTS, "{tool}:\n{text}");
    }
    let node = &entry(&lock, "node")["platforms"];
    assert_eq!(
        node["macos-arm64"]["file"].as_str(),
        Some("node-v22.12.0-darwin-arm64.tar.xz")
    );
    let served = dist.get(&Dist::node_path("22.12.0", "tar.xz"));
    assert_eq!(
        node[host_platform()]["sha256"].as_str(),
        Some(dist::sha256_hex(&served).as_str())
    );
    assert_eq!(
        node["macos-x64"]["digest_from"].as_str(),
        Some("SHASUMS256.txt")
    );
    let go = &entry(&lock, "go")["platforms"];
    assert_eq!(
        go["macos-x64"]["file"].as_str(),
        Some("go1.23.4.darwin-amd64.tar.gz")
    );
    assert_eq!(go["macos-x64"]["digest_from"].as_str(), Some("index"));
    let zig = &entry(&lock, "zig")["platforms"];
    assert_eq!(
        zig["macos-arm64"]["file"].as_str(),
        Some("zig-macos-aarch64-0.14.0.tar.xz")
    );
    let python = &entry(&lock, "python")["platforms"];
    let file = python["macos-arm64"]["file"].as_str().unwrap();
    assert!(
        file.starts_with("cpython-3.12.8+") && file.contains("aarch64-apple-darwin"),
        "{file}"
    );

    // Stable: locking again writes the same text; `--platform` chooses the platforms.
    Run::of(envm(&env, &dist, &["lock"])).ok();
    assert_eq!(read_lock(&env).0, text);
    Run::of(envm(
        &env,
        &dist,
        &[
            "lock",
            "--platform",
            "macos-arm64",
            "--platform",
            "linux-x64",
        ],
    ))
    .ok();
    let (_, lock) = read_lock(&env);
    let keys: Vec<&String> = entry(&lock, "go")["platforms"]
        .as_table()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["linux-x64", "macos-arm64"]);
    let run = Run::of(envm(&env, &dist, &["lock", "--platform", "windows-x64"])).code(2);
    assert!(run.stderr.contains("windows-x64"), "{}", run.stderr);
}

#[test]
fn install_locked_takes_the_locked_bytes_from_another_mirror_and_reads_no_index() {
    let (env, written_with) = (TestEnv::new(), Dist::start());
    publish_other_platforms(&written_with);
    env.write("envm.toml", PINS);
    Run::of(envm(&env, &written_with, &["lock"])).ok();

    // Another mirror, same files (and upstream's signatures): the lock names files, not
    // where they are.
    let mirror = Dist::mirror_of(&written_with);
    Run::of(envm(&env, &mirror, &["install", "--locked"])).ok();
    for (tool, version) in [
        ("node", "22.12.0"),
        ("go", "1.23.4"),
        ("zig", "0.14.0"),
        ("python", "3.12.8"),
    ] {
        assert_eq!(install_entries(&env, tool), [version], "{tool}");
    }
    for index in INDEXES {
        assert_eq!(mirror.hits(index), 0, "{index} was read under --locked");
    }
    assert_eq!(mirror.hits("/node/v22.12.0/SHASUMS256.txt"), 0);
    // The locked digests are checked again against this mirror's signatures (not indexes).
    assert_eq!(mirror.hits("/node/v22.12.0/SHASUMS256.txt.asc"), 1);
    assert_eq!(
        mirror.hits(&format!("{}.minisig", Dist::zig_path("0.14.0"))),
        1
    );
    assert_eq!(archive_hits(&mirror), 4);
    assert_eq!(archive_hits(&written_with), 0);

    // Everything installed: no network at all. A warm download cache: none either.
    let offline = |cmd: &mut std::process::Command| {
        cmd.env("ENVM_OFFLINE", "1");
    };
    let mut cmd = envm(&env, &mirror, &["install", "--locked"]);
    offline(&mut cmd);
    Run::of(cmd).ok();
    Run::of(envm(&env, &mirror, &["uninstall", "--force", "go@1.23.4"])).ok();
    let mut cmd = envm(&env, &mirror, &["install", "--locked"]);
    offline(&mut cmd);
    Run::of(cmd).ok();
    assert_eq!(install_entries(&env, "go"), ["1.23.4"]);
    assert_eq!(archive_hits(&mirror), 4);
}

#[test]
fn a_drifted_digest_fails_without_installing() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    env.write("envm.toml", "[tools]\nnode = \"22\"\n");
    Run::of(envm(&env, &dist, &["lock", "--platform", host_platform()])).ok();
    let tar = dist::tar_of("node", &[dist::exe("bin/node", "echo drifted")]);
    // A mirror serves other bytes under the locked name, beside upstream's signed sums.
    let drifted = Dist::mirror_of(&dist);
    drifted.put(&Dist::node_path("22.12.0", "tar.xz"), dist::xz(&tar));
    let run = Run::of(envm(&env, &drifted, &["install", "--locked"])).code(1);
    assert!(run.stderr.contains("checksum mismatch"), "{}", run.stderr);
    assert!(install_entries(&env, "node").is_empty());
    assert_eq!(drifted.hits("/node/index.json"), 0);
    // Upstream re-released the file (signed sums matching the new bytes): the lock refuses.
    let resigned = Dist::mirror_of(&dist);
    resigned.replace_node_archive("22.12.0", &tar);
    let run = Run::of(envm(&env, &resigned, &["install", "--locked"])).code(1);
    assert!(
        run.stderr.contains("in envm.lock")
            && run.stderr.contains("is not the one upstream signed"),
        "{}",
        run.stderr
    );
    assert!(install_entries(&env, "node").is_empty());
    assert_eq!(resigned.hits(&Dist::node_path("22.12.0", "tar.xz")), 0);
    assert_eq!(resigned.hits("/node/index.json"), 0);
}

#[test]
fn pins_edited_after_locking_and_missing_platforms_fail_with_the_fix() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    publish_other_platforms(&dist);
    env.write("envm.toml", "[tools]\nnode = \"22\"\ngo = \"1.23\"\n");
    Run::of(envm(&env, &dist, &["lock"])).ok();
    env.write("envm.toml", "[tools]\nnode = \"22\"\ngo = \"1.22\"\n");
    let run = Run::of(envm(&env, &dist, &["install", "--locked"])).code(1);
    assert!(
        run.stderr.contains("go is pinned as `1.22`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`1.23`"), "{}", run.stderr);
    assert!(install_entries(&env, "node").is_empty() && install_entries(&env, "go").is_empty());

    // A lock written for other platforms only names the command that adds this one.
    env.write("envm.toml", "[tools]\nnode = \"22\"\n");
    Run::of(envm(&env, &dist, &["lock", "--platform", "macos-arm64"])).ok();
    let run = Run::of(envm(&env, &dist, &["install", "--locked"])).code(1);
    let mut both = ["macos-arm64", host_platform()];
    both.sort();
    let command = format!("envm lock --platform {} --platform {}", both[0], both[1]);
    assert!(run.stderr.contains(&command), "{}", run.stderr);
    Run::of(envm(
        &env,
        &dist,
        &command.split(' ').skip(1).collect::<Vec<_>>(),
    ))
    .ok();
    Run::of(envm(&env, &dist, &["install", "--locked"])).ok();
    assert_eq!(install_entries(&env, "node"), ["22.12.0"]);
}

#[test]
fn use_and_install_keep_an_existing_lock_current() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    publish_other_platforms(&dist);
    env.write("envm.toml", "[tools]\ngo = \"1.23\"\n");
    Run::of(envm(
        &env,
        &dist,
        &[
            "lock",
            "--platform",
            host_platform(),
            "--platform",
            "macos-x64",
        ],
    ))
    .ok();
    Run::of(envm(&env, &dist, &["use", "go@1.22", "node@22"])).ok();
    let (text, lock) = read_lock(&env);
    assert!(
        !text.contains("1.23.4"),
        "the replaced pin stays locked:\n{text}"
    );
    let go = entry(&lock, "go");
    assert_eq!(go["version"].as_str(), Some("1.22.10"));
    let keys: Vec<&String> = go["platforms"].as_table().unwrap().keys().collect();
    let mut want = [host_platform(), "macos-x64"];
    want.sort();
    assert_eq!(keys, want);
    assert_eq!(entry(&lock, "node")["version"].as_str(), Some("22.12.0"));
    // A pin edited by hand is locked by the next plain install.
    env.write("envm.toml", "[tools]\ngo = \"1.22\"\nnode = \"20\"\n");
    Run::of(envm(&env, &dist, &["install"])).ok();
    let (_, lock) = read_lock(&env);
    assert_eq!(entry(&lock, "node")["version"].as_str(), Some("20.18.1"));
    Run::of(envm(&env, &dist, &["install", "--locked"])).ok();
}

#[test]
fn npm_published_tools_lock_every_platform_and_install_from_another_registry_unread() {
    use crate::support::npm_registry::NpmRegistry;
    let npm = |env: &TestEnv, registry: &NpmRegistry, args: &[&str]| {
        let mut cmd = env.envm(args);
        registry.env(&mut cmd);
        cmd
    };
    let (env, written_with) = (TestEnv::new(), NpmRegistry::start());
    env.write("envm.toml", "[tools]\nbun = \"1.3\"\ndeno = \"2.9\"\n");
    Run::of(npm(&env, &written_with, &["lock"])).ok();
    let (text, lock) = read_lock(&env);
    assert!(!text.contains("http"), "{text}");
    let bun = &entry(&lock, "bun")["platforms"];
    assert_eq!(
        bun["macos-arm64"]["file"].as_str(),
        Some("oven-bun-darwin-aarch64-1.3.2.tgz")
    );
    assert!(
        bun["linux-arm64"]["integrity"]
            .as_str()
            .unwrap()
            .starts_with("sha512-")
    );
    let deno = &entry(&lock, "deno")["platforms"];
    assert_eq!(
        deno["macos-x64"]["file"].as_str(),
        Some("deno-darwin-x64-2.9.6.tgz")
    );

    let other = NpmRegistry::start();
    Run::of(npm(&env, &other, &["install", "--locked"])).ok();
    assert!(env.data().join("installs/bun/1.3.2").is_dir());
    assert!(env.data().join("installs/deno/2.9.6").is_dir());
    for package in [
        "bun",
        "deno",
        "@oven/bun-linux-x64",
        "@deno/linux-x64-glibc",
    ] {
        assert_eq!(
            other.hits(&NpmRegistry::packument_path(package)),
            0,
            "{package}"
        );
    }
}
