//! Upstream data as it really is (issue 11) and pin files as the peers write them, through the
//! real `envm` binary against loopback indexes of the exact upstream shapes: go's `go1.20`
//! first releases, zig's `builds/` tarballs, `master` and flat mirrors, node's `.tar.gz`-only
//! era and releases without a build for this host, `ls-remote`'s listing, pyenv / asdf / nvm
//! pin dialects, and commands that need no pins in a directory whose pins are broken.

use crate::support::dist::{Dist, Item, arch, exe, go_arch, gz, node_arch, sha256_hex, tar_of, xz};
use crate::support::{Run, TestEnv};

fn envm(env: &TestEnv, dist: &Dist, args: &[&str]) -> Run {
    let mut cmd = env.envm(args);
    dist.env(&mut cmd);
    Run::of(cmd)
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// go.dev/dl's `?mode=json&include=all`: `go1.20.1` and the minor's first release `go1.20`.
fn publish_go_first_releases(dist: &Dist) {
    let mut index = Vec::new();
    for version in ["1.20.1", "1.20"] {
        let body = gz(&tar_of(
            "go",
            &[exe("bin/go", &format!("echo go{version}"))],
        ));
        let filename = format!("go{version}.linux-{}.tar.gz", go_arch());
        index.push(serde_json::json!({
            "version": format!("go{version}"),
            "stable": true,
            "files": [{"filename": filename, "os": "linux", "arch": go_arch(),
                       "version": format!("go{version}"), "sha256": sha256_hex(&body),
                       "size": body.len(), "kind": "archive"}],
        }));
        dist.put(&format!("/go/{filename}"), body);
    }
    dist.put_go_index(&index);
}

#[test]
fn go_x_y_and_x_y_0_are_the_same_release() {
    let env = TestEnv::new();
    let dist = Dist::start();
    publish_go_first_releases(&dist);
    let listed = envm(&env, &dist, &["ls-remote", "go"]).ok();
    assert_eq!(lines(&listed.stdout), ["1.20.1", "1.20.0"]);
    let done = envm(&env, &dist, &["install", "go@go1.20.0"]).ok();
    assert!(
        done.stdout.contains("installed go 1.20.0"),
        "{}",
        done.stdout
    );
    assert!(env.data().join("installs/go/1.20.0/bin/go").exists());
    // `.go-version` written either way resolves to that install.
    for text in ["1.20.0\n", "go1.20.0\n"] {
        env.write(".go-version", text);
        let rows = Run::of(env.envm(["current", "--json"])).ok().json();
        assert_eq!(rows[0]["version"], "1.20.0", "{text:?}: {rows}");
    }
}

/// A zig index whose 0.14.1 tarball sits under ziglang.org/builds/ and whose `master` names
/// `dev`; the files are served at `<prefix>/<file>` when `flat`, else in upstream's tree.
fn publish_zig(dist: &Dist, prefix: &str, dev: &str, flat: bool) {
    let mut index = serde_json::Map::new();
    for (key, version, upstream_dir) in [
        ("master", dev, "https://ziglang.org/builds"),
        ("0.14.1", "0.14.1", "https://ziglang.org/builds"),
    ] {
        let file = format!("zig-{}-linux-{version}.tar.xz", arch());
        let top = file.trim_end_matches(".tar.xz").to_string();
        let body = xz(&tar_of(&top, &[exe("zig", &format!("echo {version}"))]));
        let served = if flat {
            format!("{prefix}/{file}")
        } else {
            format!("{prefix}/builds/{file}")
        };
        let mut entry = serde_json::Map::new();
        if key == "master" {
            entry.insert("version".into(), version.into());
        }
        entry.insert("date".into(), "2025-06-05".into());
        entry.insert(
            format!("{}-linux", arch()),
            serde_json::json!({"tarball": format!("{upstream_dir}/{file}"),
                               "shasum": sha256_hex(&body), "size": body.len().to_string()}),
        );
        index.insert(key.into(), entry.into());
        // Signed as upstream signs every tarball: `<tarball>.minisig` beside it.
        let minisig = dist.signers.minisign.sign_release_file(&body, &file);
        dist.put(&format!("{served}.minisig"), minisig.into_bytes());
        dist.put(&served, body);
    }
    let text = serde_json::to_string_pretty(&index).unwrap();
    dist.put(&format!("{prefix}/index.json"), text.into_bytes());
}

#[test]
fn zig_builds_tarballs_and_master_come_from_the_mirror() {
    let env = TestEnv::new();
    let dist = Dist::start();
    publish_zig(&dist, "/zig", "0.15.0-dev.7+aaa", false);
    envm(&env, &dist, &["install", "zig@0.14.1"]).ok();
    assert_eq!(
        dist.hits(&format!("/zig/builds/zig-{}-linux-0.14.1.tar.xz", arch())),
        1
    );
    let first = envm(&env, &dist, &["install", "zig@master"]).ok();
    assert!(
        first.stdout.contains("0.15.0-dev.7+aaa"),
        "{}",
        first.stdout
    );
    // The index moves master on: the next install of `master` follows it.
    publish_zig(&dist, "/zig", "0.15.0-dev.9+bbb", false);
    let second = envm(&env, &dist, &["install", "zig@master", "--refresh"]).ok();
    assert!(
        second.stdout.contains("0.15.0-dev.9+bbb"),
        "{}",
        second.stdout
    );
    let listed = envm(&env, &dist, &["ls-remote", "zig"]).ok();
    assert_eq!(
        lines(&listed.stdout),
        [
            "0.14.1 [installed]",
            "0.15.0-dev.9+bbb (master) [installed]"
        ]
    );
    env.write("envm.toml", "[tools]\nzig = \"master\"\n");
    let rows = Run::of(env.envm(["current", "--json"])).ok().json();
    assert_eq!(rows[0]["version"], "0.15.0-dev.9+bbb", "{rows}");
}

#[test]
fn zig_flat_mirror_layout() {
    let env = TestEnv::new();
    let dist = Dist::start();
    publish_zig(&dist, "/flat", "0.15.0-dev.7+aaa", true);
    let mut cmd = env.envm(["install", "zig@0.14.1"]);
    dist.env(&mut cmd);
    cmd.env("ENVM_ZIG_MIRROR", format!("{}/flat", dist.base))
        .env("ENVM_ZIG_MIRROR_LAYOUT", "flat");
    Run::of(cmd).ok();
    assert_eq!(
        dist.hits(&format!("/flat/zig-{}-linux-0.14.1.tar.xz", arch())),
        1
    );
}

/// Adds node releases to the index: v0.12.9 with only a `.tar.gz` listed in its SHASUMS256.txt
/// (as before the `.tar.xz` era) and v0.7.12 with no binary build at all.
fn publish_old_node(dist: &Dist) {
    let version = "0.12.9";
    let top = format!("node-v{version}-linux-{}", node_arch());
    let body = gz(&tar_of(
        &top,
        &[
            exe("bin/node", &format!("echo v{version}")),
            Item::File("README.md".into(), "old\n".into(), 0o644),
        ],
    ));
    let name = format!("node-v{version}-linux-{}.tar.gz", node_arch());
    let sums = format!(
        "{}  node-v{version}.tar.gz\n{}  {name}\n",
        "2".repeat(64),
        sha256_hex(&body)
    );
    dist.put(&Dist::node_path(version, "tar.gz"), body);
    // v0.12.9 is signed upstream (SHASUMS256.txt.asc), like every release since v0.10.
    dist.publish_signed_sums(version, &sums);
    let index = String::from_utf8(dist.get("/node/index.json")).unwrap();
    let old = [
        serde_json::json!({"version": "v0.12.9", "date": "2015-12-04",
            "files": ["headers", "linux-arm64", "linux-x64", "osx-x64-tar", "src"],
            "npm": "2.14.9", "v8": "3.28.71.19", "lts": false, "security": true}),
        serde_json::json!({"version": "v0.7.12", "date": "2012-06-19", "files": ["src"],
            "npm": "1.1.32", "lts": false, "security": false}),
    ];
    let tail: Vec<String> = old.iter().map(|e| e.to_string()).collect();
    let text = format!(
        "{},\n{}\n]\n",
        index.trim_end().trim_end_matches(']').trim_end(),
        tail.join(",\n")
    );
    dist.put("/node/index.json", text.into_bytes());
}

#[test]
fn node_before_tar_xz_installs_the_listed_tar_gz() {
    let env = TestEnv::new();
    let dist = Dist::start();
    publish_old_node(&dist);
    let done = envm(&env, &dist, &["install", "node@0.12.9"]).ok();
    assert!(
        done.stdout.contains("installed node 0.12.9"),
        "{}",
        done.stdout
    );
    assert_eq!(dist.hits(&Dist::node_path("0.12.9", "tar.gz")), 1);
}

#[test]
fn a_release_without_a_build_here_says_so() {
    let env = TestEnv::new();
    let dist = Dist::start();
    publish_old_node(&dist);
    let failed = envm(&env, &dist, &["install", "node@0.7.12"]).code(1);
    assert!(
        failed
            .stderr
            .contains(&format!("node 0.7.12 has no linux-{} build", node_arch())),
        "{}",
        failed.stderr
    );
    // ls-remote lists only what this host can install, and says when nothing matches.
    let listed = envm(&env, &dist, &["ls-remote", "node"]).ok();
    assert!(!listed.stdout.contains("0.7.12"), "{}", listed.stdout);
    assert!(listed.stdout.contains("0.12.9"), "{}", listed.stdout);
    let none = envm(&env, &dist, &["ls-remote", "node", "0.7"]).ok();
    assert_eq!(none.stdout, "");
    assert!(
        none.stderr.contains("no node release matches `0.7`"),
        "{}",
        none.stderr
    );
}

#[test]
fn ls_remote_puts_stable_releases_first_and_debug_log_shows_the_choice() {
    let env = TestEnv::new();
    let dist = Dist::start();
    let listed = envm(&env, &dist, &["ls-remote", "go"]).ok();
    assert_eq!(
        lines(&listed.stdout),
        ["1.23.4", "1.23.3", "1.22.10", "1.24rc1"]
    );
    let mut cmd = env.envm(["install", "go@1.23"]);
    dist.env(&mut cmd);
    cmd.env("ENVM_LOG", "debug");
    let run = Run::of(cmd).ok();
    assert!(
        run.stderr.contains("go@1.23 resolves to 1.23.4"),
        "{}",
        run.stderr
    );
    let url = format!("{}{}", dist.base, Dist::go_path("1.23.4"));
    assert!(
        run.stderr.contains(&format!("downloading {url}")),
        "{}",
        run.stderr
    );
}

fn current(env: &TestEnv) -> Run {
    Run::of(env.envm(["current", "--json"]))
}

#[test]
fn python_version_with_several_names_and_virtualenv_names() {
    let env = TestEnv::new();
    env.fake_install("python", "3.11.9", &["python3"], None);
    env.write(
        ".python-version",
        "myproject-env 3.12 3.11\nminiconda3-latest\n",
    );
    let run = current(&env).ok();
    let rows = run.json();
    assert_eq!(rows[0]["version"], "3.11.9", "{rows}");
    assert!(
        run.stderr
            .contains("`myproject-env` is not a python version"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`miniconda3-latest`"), "{}", run.stderr);
}

#[test]
fn tool_versions_twice_first_line_counts_and_nvmrc_key_value() {
    let env = TestEnv::new();
    env.fake_install("node", "20.9.0", &["node"], None);
    env.fake_install("node", "18.20.0", &["node"], None);
    env.write(
        "a/.tool-versions",
        "nodejs 20.9.0\npython 3.12\nnode 18.20.0\n",
    );
    env.write("b/.nvmrc", "# nvm\nlts_codename=iron\nnode=20.9\n");
    for dir in ["a", "b"] {
        let mut cmd = env.envm(["current", "--json"]);
        cmd.current_dir(env.work.join(dir));
        let rows = Run::of(cmd).ok().json();
        let node = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["tool"] == "node")
            .unwrap();
        assert_eq!(node["version"], "20.9.0", "{dir}: {rows}");
    }
}

#[test]
fn commands_needing_no_pins_work_beside_broken_pin_files() {
    let env = TestEnv::new();
    let dist = Dist::start();
    env.fake_install("node", "20.9.0", &["node"], None);
    env.write(".nvmrc", "20\n22\n");
    env.write(".tool-versions", "nodejs\n");
    let ls = Run::of(env.envm(["ls"])).ok();
    assert!(ls.stdout.contains("20.9.0"), "{}", ls.stdout);
    envm(&env, &dist, &["ls-remote", "node"]).ok();
    let doctor = Run::of(env.envm(["doctor"]));
    assert!(
        doctor.stdout.contains("pins here"),
        "{}{}",
        doctor.stdout,
        doctor.stderr
    );
    env.write("envm.toml", "[tools]\nnode = \"20\"\n");
    Run::of(env.envm(["trust"])).ok();
    // What needs the pins still reports the broken file.
    let failed = Run::of(env.envm(["current"]));
    assert_ne!(failed.code, Some(0));
}
