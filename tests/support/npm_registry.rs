//! A fixture npm registry on 127.0.0.1 (the [`Dist`] server, below the path `/npm`): package
//! documents in the public registry's shape for `bun`, `deno` and their platform packages, and
//! real `.tgz` tarballs built at start-up — `package/package.json`, `package/README.md` and the
//! binary where upstream puts it (`package/bin/bun`, `package/deno`), a shell script printing
//! the name it was started under, its version and its package. `dist.integrity` is the sha512
//! of the served bytes.
//!
//! Scoped documents are served only at the path npm requests (`/npm/@oven%2fbun-linux-x64`,
//! lowercase `%2f`), so a client that forgets the encoding gets a 404. bun's `dist.tarball`
//! URLs name the public registry (clients must rewrite them onto the configured one); deno's
//! name this server, as a Verdaccio publishes its own URLs.

use std::process::Command;

use base64::Engine;
use sha2::{Digest, Sha512};

use super::dist::{Dist, gz, sha256_hex};

/// The registry's path below the server (like Artifactory's `/api/npm/<repo>`).
pub const PREFIX: &str = "/npm";
pub const PUBLIC_REGISTRY: &str = "https://registry.npmjs.org";

pub const BUN_LATEST: &str = "1.4.5";
pub const BUN_VERSIONS: &[&str] = &["1.2.23", "1.3.2", "1.4.5", "1.4.6-canary.20261120.1"];
pub const DENO_LATEST: &str = "2.9.6";
pub const DENO_VERSIONS: &[&str] = &["2.8.0", "2.9.6"];

/// (package, os, cpu, libc) as the platform packages declare them.
pub const BUN_PLATFORMS: &[(&str, &str, &str, Option<&str>)] = &[
    ("@oven/bun-linux-x64", "linux", "x64", Some("glibc")),
    (
        "@oven/bun-linux-x64-baseline",
        "linux",
        "x64",
        Some("glibc"),
    ),
    ("@oven/bun-linux-aarch64", "linux", "arm64", Some("glibc")),
    ("@oven/bun-linux-x64-musl", "linux", "x64", Some("musl")),
    (
        "@oven/bun-linux-x64-musl-baseline",
        "linux",
        "x64",
        Some("musl"),
    ),
    (
        "@oven/bun-linux-aarch64-musl",
        "linux",
        "arm64",
        Some("musl"),
    ),
    ("@oven/bun-darwin-x64", "darwin", "x64", None),
    ("@oven/bun-darwin-x64-baseline", "darwin", "x64", None),
    ("@oven/bun-darwin-aarch64", "darwin", "arm64", None),
];
pub const DENO_PLATFORMS: &[(&str, &str, &str, Option<&str>)] = &[
    ("@deno/linux-x64-glibc", "linux", "x64", None),
    ("@deno/linux-arm64-glibc", "linux", "arm64", None),
    ("@deno/darwin-x64", "darwin", "x64", None),
    ("@deno/darwin-arm64", "darwin", "arm64", None),
];

/// The running fixture registry.
pub struct NpmRegistry {
    pub server: Dist,
}

impl NpmRegistry {
    /// Starts the server and publishes every package.
    pub fn start() -> NpmRegistry {
        let registry = NpmRegistry {
            server: Dist::start(),
        };
        registry.publish("bun", BUN_VERSIONS, BUN_LATEST, BUN_PLATFORMS, "bin/bun");
        registry.publish("deno", DENO_VERSIONS, DENO_LATEST, DENO_PLATFORMS, "deno");
        registry
    }

    /// The registry's base URL, as a user would set `ENVM_NPM_REGISTRY` (trailing slash).
    pub fn url(&self) -> String {
        format!("{}{PREFIX}/", self.server.base)
    }

    /// Points `cmd` at this registry.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("ENVM_NPM_REGISTRY", self.url());
    }

    /// The path npm requests a package document at: `/npm/@oven%2fbun-linux-x64`.
    pub fn packument_path(package: &str) -> String {
        format!("{PREFIX}/{}", package.replace('/', "%2f"))
    }

    /// `/npm/@oven/bun-linux-x64/-/bun-linux-x64-1.4.5.tgz` (the registry's tarball layout).
    pub fn tarball_path(package: &str, version: &str) -> String {
        let base = package.rsplit('/').next().unwrap_or(package);
        format!("{PREFIX}/{package}/-/{base}-{version}.tgz")
    }

    /// Serves `body` as the tarball, leaving the document's integrity as it was.
    pub fn replace_tarball(&self, package: &str, version: &str, body: Vec<u8>) {
        self.server.put(&Self::tarball_path(package, version), body);
    }

    /// The served tarball.
    pub fn tarball(&self, package: &str, version: &str) -> Vec<u8> {
        self.server.get(&Self::tarball_path(package, version))
    }

    /// Serves `doc` as the package document of `package`.
    pub fn put_packument(&self, package: &str, doc: &serde_json::Value) {
        self.server
            .put(&Self::packument_path(package), doc.to_string().into_bytes());
    }

    /// The served package document.
    pub fn packument(&self, package: &str) -> serde_json::Value {
        let bytes = self.server.get(&Self::packument_path(package));
        serde_json::from_slice(&bytes).expect("fixture documents are JSON")
    }

    pub fn hits(&self, path: &str) -> usize {
        self.server.hits(path)
    }

    /// The main package (versions, `optionalDependencies`) and one package per platform.
    fn publish(
        &self,
        tool: &str,
        versions: &[&str],
        latest: &str,
        platforms: &[(&str, &str, &str, Option<&str>)],
        binary: &str,
    ) {
        let mut main_versions = serde_json::Map::new();
        for version in versions {
            let optional: serde_json::Map<String, serde_json::Value> = platforms
                .iter()
                .map(|(package, ..)| ((*package).to_string(), (*version).into()))
                .collect();
            let files = [("package.json", manifest(tool, version), 0o644)];
            let mut entry = self.publish_tarball(tool, version, &files);
            entry["optionalDependencies"] = optional.into();
            entry["bin"] = serde_json::json!({ tool: format!("bin/{tool}.exe") });
            main_versions.insert((*version).into(), entry);
        }
        self.put_packument(tool, &document(tool, latest, main_versions));

        for (package, os, cpu, libc) in platforms {
            let mut platform_versions = serde_json::Map::new();
            for version in versions {
                let script =
                    format!("#!/bin/sh\necho \"${{0##*/}} {version} ({package})\" \"$@\"\n");
                let files = [
                    ("package.json", manifest(package, version), 0o644),
                    ("README.md", format!("# {package}\n"), 0o644),
                    (binary, script, 0o755),
                ];
                let mut entry = self.publish_tarball(package, version, &files);
                entry["os"] = serde_json::json!([os]);
                entry["cpu"] = serde_json::json!([cpu]);
                entry["preferUnplugged"] = true.into();
                if let Some(libc) = libc {
                    entry["libc"] = serde_json::json!([libc]);
                }
                platform_versions.insert((*version).into(), entry);
            }
            self.put_packument(package, &document(package, latest, platform_versions));
        }
    }

    /// Builds and serves a tarball; returns its version entry (name, version, `_id`, `dist`).
    fn publish_tarball(
        &self,
        package: &str,
        version: &str,
        files: &[(&str, String, u32)],
    ) -> serde_json::Value {
        let body = gz(&npm_tar(files));
        let path = Self::tarball_path(package, version);
        // bun's documents name the public registry; deno's name this server (Verdaccio-like).
        let tarball = if package.contains("bun") {
            format!("{PUBLIC_REGISTRY}{}", path.trim_start_matches(PREFIX))
        } else {
            format!("{}{path}", self.server.base)
        };
        let entry = serde_json::json!({
            "name": package,
            "version": version,
            "description": format!("fixture build of {package}"),
            "license": "MIT",
            "_id": format!("{package}@{version}"),
            "dist": {
                "integrity": sri_sha512(&body),
                // envm never reads the sha1; a value of the right shape.
                "shasum": &sha256_hex(&body)[..40],
                "tarball": tarball,
                "fileCount": files.len(),
            },
        });
        self.server.put(&path, body);
        entry
    }
}

/// `sha512-<base64>` of `bytes`, as `dist.integrity` carries it.
pub fn sri_sha512(bytes: &[u8]) -> String {
    let digest = Sha512::digest(bytes);
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A package document in the public registry's shape.
fn document(
    package: &str,
    latest: &str,
    versions: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    let mut time = serde_json::Map::new();
    time.insert("created".into(), "2023-09-08T00:00:00.000Z".into());
    time.insert("modified".into(), "2026-11-20T00:00:00.000Z".into());
    for version in versions.keys() {
        time.insert(version.clone(), "2026-11-19T08:53:36.000Z".into());
    }
    serde_json::json!({
        "_id": package,
        "_rev": "7-fixture",
        "name": package,
        "dist-tags": {"latest": latest},
        "versions": versions,
        "time": time,
        "maintainers": [{"name": "fixture", "email": "fixture@example.com"}],
        "readme": "",
    })
}

fn manifest(package: &str, version: &str) -> String {
    serde_json::json!({"name": package, "version": version, "license": "MIT"}).to_string()
}

/// An uncompressed tar as `npm pack` writes it: every entry under `package/`, no directory
/// entries, npm's fixed mtime (1985-10-26T08:15:00Z).
pub fn npm_tar(files: &[(&str, String, u32)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, body, mode) in files {
        let mut header = tar::Header::new_ustar();
        header.set_mode(*mode);
        header.set_size(body.len() as u64);
        header.set_mtime(499_162_500);
        builder
            .append_data(&mut header, format!("package/{path}"), body.as_bytes())
            .expect("tar entry");
    }
    builder.into_inner().expect("tar")
}
