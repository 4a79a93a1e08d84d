//! A fixture upstream: a real HTTP/1.1 server on 127.0.0.1 (std::net, one thread per
//! connection) serving tiny generated toolchains in the exact upstream layouts — node
//! `index.json` + `vX/SHASUMS256.txt` + tarballs, a python-build-standalone catalog in uv's
//! format, go's `?mode=json&include=all` index, zig's `index.json` — with fault injection
//! (status codes, truncated bodies, slow bodies) and per-path request counts.
//!
//! Like a mirror that re-signs, it signs what it serves with throwaway keys made at start
//! (`SHASUMS256.txt.asc`, `<zig tarball>.minisig`); [`Dist::env`] registers them in the
//! command's global config (`[signatures]`), the only way envm takes a key.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::signing::TestSigners;

/// A fault served instead of (or while serving) the next response for a path.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer with this status and an empty body.
    Status(u16),
    /// Announce the full length, send half the body, close.
    Truncate,
    /// Send the body in small pieces with this pause between them.
    Slow(Duration),
    /// Send the body one byte at a time with this pause between bytes (a stalled transfer).
    Trickle(Duration),
    /// Announce the full length, send half the body, then go silent for this long.
    Hang(Duration),
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Vec<u8>>,
    faults: HashMap<String, VecDeque<Fault>>,
    hits: HashMap<String, usize>,
}

/// The running server and the fixture releases it serves.
pub struct Dist {
    pub base: String,
    state: Arc<Mutex<State>>,
    pub signers: Arc<TestSigners>,
}

pub fn arch() -> &'static str {
    std::env::consts::ARCH
}

/// node's arch token.
pub fn node_arch() -> &'static str {
    if arch() == "aarch64" { "arm64" } else { "x64" }
}

/// go's arch token.
pub fn go_arch() -> &'static str {
    if arch() == "aarch64" {
        "arm64"
    } else {
        "amd64"
    }
}

pub use envm::digest::sha256_hex;

pub const NODE_RELEASES: &[(&str, Option<&str>)] = &[
    ("23.3.0", None),
    ("22.12.0", Some("Jod")),
    ("22.11.0", Some("Jod")),
    ("20.18.1", Some("Iron")),
    ("16.20.2", Some("Gallium")),
];
/// (version, free-threaded, libc)
pub const PYTHON_RELEASES: &[(&str, bool, &str)] = &[
    ("3.14.0rc1", false, "gnu"),
    ("3.13.1", false, "gnu"),
    ("3.13.1", true, "gnu"),
    ("3.12.8", false, "gnu"),
    ("3.12.8", false, "musl"),
    ("3.12.7", false, "gnu"),
];
/// (version, stable)
pub const GO_RELEASES: &[(&str, bool)] = &[
    ("1.24rc1", false),
    ("1.23.4", true),
    ("1.23.3", true),
    ("1.22.10", true),
];
pub const ZIG_RELEASES: &[&str] = &["0.14.0", "0.13.0"];
pub const PBS_TAG: &str = "20241206";

/// One archive entry of a fixture toolchain.
pub enum Item {
    File(String, String, u32),
    Symlink(String, String),
}

impl Dist {
    /// Starts the server and publishes every fixture release.
    pub fn start() -> Dist {
        Self::start_signed_by(Arc::new(TestSigners::generate()))
    }

    /// Another mirror of the same upstream: the same files, signed by the same keys (as a
    /// mirror copies upstream's signatures; it cannot make them).
    pub fn mirror_of(other: &Dist) -> Dist {
        Self::start_signed_by(other.signers.clone())
    }

    fn start_signed_by(signers: Arc<TestSigners>) -> Dist {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        let dist = Dist {
            base,
            state,
            signers,
        };
        dist.publish_node();
        dist.publish_python();
        dist.publish_go();
        dist.publish_zig();
        dist
    }

    /// Sets the mirrors and catalog URL so `cmd` reads this server only, and trusts the
    /// server's signing keys in the global config of `cmd`'s `ENVM_HOME`.
    pub fn env(&self, cmd: &mut Command) {
        self.trust_keys(cmd);
        self.mirrors(cmd);
    }

    /// Sets the mirrors and catalog URL so `cmd` reads this server only (keys not trusted).
    pub fn mirrors(&self, cmd: &mut Command) {
        cmd.env("ENVM_NODE_MIRROR", format!("{}/node", self.base))
            .env("ENVM_GO_MIRROR", format!("{}/go", self.base))
            .env("ENVM_ZIG_MIRROR", format!("{}/zig", self.base))
            .env("ENVM_PYTHON_MIRROR", format!("{}/pbs", self.base))
            .env(
                "ENVM_PYTHON_DOWNLOADS_JSON_URL",
                format!("{}/python-downloads.json", self.base),
            );
    }

    /// Adds this server's `[signatures]` table to the global config of `cmd`'s `ENVM_HOME`
    /// (unless it has one).
    pub fn trust_keys(&self, cmd: &Command) {
        let home = cmd
            .get_envs()
            .find(|(key, _)| *key == "ENVM_HOME")
            .and_then(|(_, value)| value.map(std::path::PathBuf::from));
        if let Some(home) = home {
            self.trust_keys_in(&home.join("config/config.toml"), &home.join("dist-keys"));
        }
    }

    /// Adds this server's `[signatures]` table to the config file `config` (unless it has
    /// one), its OpenPGP key written into `key_dir`.
    pub fn trust_keys_in(&self, config: &std::path::Path, key_dir: &std::path::Path) {
        let text = std::fs::read_to_string(config).unwrap_or_default();
        if text.contains("[signatures]") {
            return;
        }
        let table = self.signers.config_table(&key_dir.join("mirror.asc"));
        super::write_file(config, &format!("{text}\n{table}"));
    }

    pub fn put(&self, path: &str, body: Vec<u8>) {
        self.state.lock().unwrap().routes.insert(path.into(), body);
    }

    /// Stops serving `path` (404 from now on).
    pub fn state_remove(&self, path: &str) {
        self.state.lock().unwrap().routes.remove(path);
    }

    pub fn get(&self, path: &str) -> Vec<u8> {
        self.state.lock().unwrap().routes[path].clone()
    }

    pub fn fault(&self, path: &str, fault: Fault) {
        let mut state = self.state.lock().unwrap();
        state
            .faults
            .entry(path.into())
            .or_default()
            .push_back(fault);
    }

    pub fn hits(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// `/node/vV/node-vV-linux-ARCH.EXT`
    pub fn node_path(version: &str, ext: &str) -> String {
        format!(
            "/node/v{version}/node-v{version}-linux-{}.{ext}",
            node_arch()
        )
    }

    /// Replaces a node release's archives with `tar` compressed both ways and re-publishes
    /// SHASUMS256.txt with their digests (so only envm's archive checks stand in the way).
    pub fn replace_node_archive(&self, version: &str, tar: &[u8]) {
        self.put(&Self::node_path(version, "tar.gz"), gz(tar));
        self.put(&Self::node_path(version, "tar.xz"), xz(tar));
        self.write_node_sums(version, None);
    }

    /// (Re)writes `vV/SHASUMS256.txt` from the served archives, leaving `skip` out.
    pub fn write_node_sums(&self, version: &str, skip: Option<&str>) {
        let mut sums = format!("{}  node-v{version}-headers.tar.gz\n", "1".repeat(64));
        for ext in ["tar.gz", "tar.xz"] {
            let name = format!("node-v{version}-linux-{}.{ext}", node_arch());
            if skip == Some(name.as_str()) {
                continue;
            }
            let body = self.get(&Self::node_path(version, ext));
            sums.push_str(&format!("{}  {name}\n", sha256_hex(&body)));
        }
        self.publish_signed_sums(version, &sums);
    }

    /// Serves `sums` as `vV/SHASUMS256.txt` and its clearsigned `.asc` (by this server's key).
    pub fn publish_signed_sums(&self, version: &str, sums: &str) {
        let asc = self.signers.pgp.clearsign(sums);
        self.put(
            &format!("/node/v{version}/SHASUMS256.txt.asc"),
            asc.into_bytes(),
        );
        self.put(
            &format!("/node/v{version}/SHASUMS256.txt"),
            sums.as_bytes().to_vec(),
        );
    }

    /// (Re)signs the served zig tarball of `version` (`.minisig`, by this server's key).
    pub fn sign_zig(&self, version: &str) {
        let path = Self::zig_path(version);
        let body = self.get(&path);
        let name = path.rsplit('/').next().unwrap_or_default();
        let minisig = self.signers.minisign.sign_release_file(&body, name);
        self.put(&format!("{path}.minisig"), minisig.into_bytes());
    }

    fn publish_node(&self) {
        let mut index = Vec::new();
        for (version, lts) in NODE_RELEASES {
            let top = format!("node-v{version}-linux-{}", node_arch());
            let items = vec![
                exe("bin/node", &format!("echo v{version}")),
                exe("lib/node_modules/npm/bin/npm-cli.js", "echo npm 10.9.0"),
                Item::Symlink(
                    "bin/npm".into(),
                    "../lib/node_modules/npm/bin/npm-cli.js".into(),
                ),
                Item::File("README.md".into(), "node fixture\n".into(), 0o644),
            ];
            let tar = tar_of(&top, &items);
            self.put(&Self::node_path(version, "tar.gz"), gz(&tar));
            self.put(&Self::node_path(version, "tar.xz"), xz(&tar));
            self.write_node_sums(version, None);
            let lts = match lts {
                Some(name) => serde_json::Value::from(*name),
                None => serde_json::Value::Bool(false),
            };
            index.push(serde_json::json!({
                "version": format!("v{version}"),
                "date": "2024-12-03",
                "files": ["headers", "linux-arm64", "linux-x64", "osx-arm64-tar", "src"],
                "npm": "10.9.0",
                "lts": lts,
                "security": false,
            }));
        }
        // index.json as nodejs-dist-indexer writes it: one entry per line.
        let lines: Vec<String> = index.iter().map(|e| e.to_string()).collect();
        let text = format!("[\n{}\n]\n", lines.join(",\n"));
        self.put("/node/index.json", text.into_bytes());
    }

    /// The catalog path of a python build (as in the upstream release, `+` written `%2B`).
    pub fn python_path(version: &str, freethreaded: bool, libc: &str) -> String {
        let flavor = if freethreaded {
            "freethreaded-install_only_stripped"
        } else {
            "install_only_stripped"
        };
        format!(
            "/pbs/{PBS_TAG}/cpython-{version}%2B{PBS_TAG}-{}-unknown-linux-{libc}-{flavor}.tar.gz",
            arch()
        )
    }

    fn publish_python(&self) {
        let mut catalog = serde_json::Map::new();
        for (version, ft, libc) in PYTHON_RELEASES {
            let mm: Vec<&str> = version.splitn(3, '.').collect();
            let minor_ver = format!("{}.{}", mm[0], mm[1]);
            let t = if *ft { "t" } else { "" };
            let exe_name = format!("python{minor_ver}{t}");
            let items = vec![
                exe(
                    &format!("bin/{exe_name}"),
                    &format!("echo \"Python {version}{t} ({libc})\""),
                ),
                Item::Symlink("bin/python3".into(), exe_name.clone()),
                Item::Symlink("bin/python".into(), "python3".into()),
                Item::File(
                    format!("lib/python{minor_ver}{t}/os.py"),
                    "# fixture\n".into(),
                    0o644,
                ),
            ];
            let body = gz(&tar_of("python", &items));
            let path = Self::python_path(version, *ft, libc);
            let sha = sha256_hex(&body);
            self.put(&path, body);
            let patch_num: String = mm[2].chars().take_while(|c| c.is_ascii_digit()).collect();
            let pre = &mm[2][patch_num.len()..];
            let variant = if *ft { "+freethreaded" } else { "" };
            let key = format!("cpython-{version}{variant}-linux-{}-{libc}", arch());
            catalog.insert(
                key,
                serde_json::json!({
                    "name": "cpython",
                    "arch": {"family": arch(), "variant": null},
                    "os": "linux",
                    "libc": libc,
                    "major": mm[0].parse::<u64>().unwrap(),
                    "minor": mm[1].parse::<u64>().unwrap(),
                    "patch": patch_num.parse::<u64>().unwrap(),
                    "prerelease": pre,
                    "url": format!(
                        "https://github.com/astral-sh/python-build-standalone/releases/download{}",
                        path.trim_start_matches("/pbs")
                    ),
                    "sha256": sha,
                    "variant": if *ft { serde_json::Value::from("freethreaded") } else { serde_json::Value::Null },
                    "build": PBS_TAG,
                }),
            );
        }
        let text = serde_json::to_string_pretty(&catalog).unwrap();
        self.put("/python-downloads.json", text.into_bytes());
    }

    pub fn go_path(version: &str) -> String {
        format!("/go/go{version}.linux-{}.tar.gz", go_arch())
    }

    fn publish_go(&self) {
        let mut index = Vec::new();
        for (version, stable) in GO_RELEASES {
            let items = vec![
                exe(
                    "bin/go",
                    &format!("echo \"go version go{version} linux/{}\"", go_arch()),
                ),
                exe("bin/gofmt", "echo gofmt"),
                Item::File("VERSION".into(), format!("go{version}\n"), 0o644),
            ];
            let body = gz(&tar_of("go", &items));
            let sha = sha256_hex(&body);
            let size = body.len();
            self.put(&Self::go_path(version), body);
            index.push(serde_json::json!({
                "version": format!("go{version}"),
                "stable": stable,
                "files": [
                    {"filename": format!("go{version}.darwin-arm64.tar.gz"), "os": "darwin",
                     "arch": "arm64", "version": format!("go{version}"), "sha256": "0".repeat(64),
                     "size": 1, "kind": "archive"},
                    {"filename": format!("go{version}.linux-{}.tar.gz", go_arch()), "os": "linux",
                     "arch": go_arch(), "version": format!("go{version}"), "sha256": sha,
                     "size": size, "kind": "archive"},
                    {"filename": format!("go{version}.src.tar.gz"), "os": "", "arch": "",
                     "version": format!("go{version}"), "sha256": "0".repeat(64), "size": 1,
                     "kind": "source"},
                ],
            }));
        }
        self.put_go_index(&index);
    }

    /// Serves `index` as go.dev/dl's `?mode=json&include=all`: Go's json.Encoder with
    /// SetIndent("", " ") and a trailing newline.
    pub fn put_go_index(&self, index: &[serde_json::Value]) {
        let mut text = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut ser = serde_json::Serializer::with_formatter(&mut text, fmt);
        serde::Serialize::serialize(index, &mut ser).unwrap();
        text.push(b'\n');
        self.put("/go/?mode=json&include=all", text);
    }

    pub fn zig_path(version: &str) -> String {
        format!("/zig/{version}/zig-{}-linux-{version}.tar.xz", arch())
    }

    fn publish_zig(&self) {
        let mut index = serde_json::Map::new();
        index.insert(
            "master".into(),
            serde_json::json!({"version": "0.15.0-dev.1+abc", "date": "2025-01-01"}),
        );
        for version in ZIG_RELEASES {
            let top = format!("zig-{}-linux-{version}", arch());
            let items = vec![
                exe("zig", &format!("echo {version}")),
                Item::File("lib/std/std.zig".into(), "// fixture\n".into(), 0o644),
            ];
            let body = xz(&tar_of(&top, &items));
            let sha = sha256_hex(&body);
            let size = body.len().to_string();
            let path = Self::zig_path(version);
            self.put(&path, body);
            self.sign_zig(version);
            let mut release = serde_json::Map::new();
            release.insert("date".into(), "2025-03-05".into());
            release.insert(
                format!("{}-linux", arch()),
                serde_json::json!({
                    "tarball": format!("https://ziglang.org/download{}", path.trim_start_matches("/zig")),
                    "shasum": sha,
                    "size": size,
                }),
            );
            index.insert((*version).into(), release.into());
        }
        let text = serde_json::to_string_pretty(&index).unwrap();
        self.put("/zig/index.json", text.into_bytes());
    }
}

pub fn exe(path: &str, body: &str) -> Item {
    Item::File(path.into(), format!("#!/bin/sh\n{body}\n"), 0o755)
}

/// An uncompressed tar with everything under `top/`.
pub fn tar_of(top: &str, items: &[Item]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut dir = tar::Header::new_gnu();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o755);
    dir.set_size(0);
    builder
        .append_data(&mut dir, format!("{top}/"), std::io::empty())
        .unwrap();
    for item in items {
        match item {
            Item::File(path, body, mode) => {
                let mut h = tar::Header::new_gnu();
                h.set_mode(*mode);
                h.set_size(body.len() as u64);
                builder
                    .append_data(&mut h, format!("{top}/{path}"), body.as_bytes())
                    .unwrap();
            }
            Item::Symlink(path, target) => {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                builder
                    .append_link(&mut h, format!("{top}/{path}"), target)
                    .unwrap();
            }
        }
    }
    builder.into_inner().unwrap()
}

/// A tar entry written byte for byte (no path checks), for malicious archives.
pub fn raw_entry(name: &str, kind: tar::EntryType, mode: u32, link: &str, body: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_old();
    {
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        old.linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(body.len() as u64);
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(body);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

/// A tar of raw entries, ended properly.
pub fn raw_tar(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out: Vec<u8> = entries.concat();
    out.extend_from_slice(&[0u8; 1024]);
    out
}

pub fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let (body, fault) = {
        let mut s = state.lock().unwrap();
        *s.hits.entry(target.clone()).or_default() += 1;
        let fault = s.faults.get_mut(&target).and_then(|q| q.pop_front());
        (s.routes.get(&target).cloned(), fault)
    };
    let Some(body) = body else {
        let _ = stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        );
        return;
    };
    let head = |status: &str, len: usize| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
        )
    };
    match fault {
        Some(Fault::Status(code)) => {
            let _ = stream.write_all(head(&format!("{code} Injected"), 0).as_bytes());
        }
        Some(Fault::Truncate) => {
            let _ = stream.write_all(head("200 OK", body.len()).as_bytes());
            let _ = stream.write_all(&body[..body.len() / 2]);
            let _ = stream.flush();
        }
        Some(Fault::Slow(pause)) => {
            let _ = stream.write_all(head("200 OK", body.len()).as_bytes());
            for piece in body.chunks(64) {
                if stream.write_all(piece).is_err() {
                    return;
                }
                let _ = stream.flush();
                std::thread::sleep(pause);
            }
        }
        Some(Fault::Hang(pause)) => {
            let _ = stream.write_all(head("200 OK", body.len()).as_bytes());
            let _ = stream.write_all(&body[..body.len() / 2]);
            let _ = stream.flush();
            std::thread::sleep(pause);
        }
        Some(Fault::Trickle(pause)) => {
            let _ = stream.write_all(head("200 OK", body.len()).as_bytes());
            for byte in body.chunks(1) {
                if stream
                    .write_all(byte)
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    return;
                }
                std::thread::sleep(pause);
            }
        }
        None => {
            let _ = stream.write_all(head("200 OK", body.len()).as_bytes());
            let _ = stream.write_all(&body);
        }
    }
}
