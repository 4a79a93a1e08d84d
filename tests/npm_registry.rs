//! bun and deno from an npm registry, through envm's `npm_registry` API over real HTTP on
//! 127.0.0.1 (the fixture registry of `support::npm_registry`): `latest` from the package
//! document, the platform package's tarball fetched from the rewritten URL, verified against
//! `dist.integrity`, unpacked with envm's unpacker and run.

use std::path::Path;
use std::process::Command;

use envm::diag::Diagnostic;
use envm::fetch::http::FetchError;
use envm::fetch::npm::{
    IntegrityError, NpmClient, NpmError, NpmTool, Registry, X64Level, client::PACKUMENT_LIMIT,
};
use envm::fetch::unpack::{ArchiveKind, unpack};
use envm::host::Host;

use crate::support::Run;
use crate::support::dist::{Fault, gz};
use crate::support::npm_registry::{
    BUN_LATEST, BUN_VERSIONS, DENO_LATEST, NpmRegistry, PUBLIC_REGISTRY, npm_tar,
};

fn client(registry: &NpmRegistry) -> NpmClient {
    let configured = Registry::new(&registry.url()).expect("fixture URL is valid");
    NpmClient::new(configured, false).expect("client")
}

fn host_package(tool: NpmTool) -> String {
    tool.platform_package(&Host::detect(), X64Level::detect())
        .expect("the test host has a build")
}

/// Unpacks a verified tarball the way an install does (top `package/` folder stripped).
fn unpack_into(tarball: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).expect("mkdir");
    let mut file = std::fs::File::open(tarball).expect("open tarball");
    unpack(&mut file, ArchiveKind::TarGz, dest).expect("unpacks");
}

fn run(program: &Path) -> Run {
    let mut cmd = Command::new(program);
    cmd.arg("--version");
    Run::of(cmd).ok()
}

#[test]
fn bun_latest_installs_from_the_tarball_url_rewritten_onto_the_registry() {
    let registry = NpmRegistry::start();
    let client = client(&registry);

    let doc = client.packument("bun").expect("bun's document");
    assert_eq!(doc.latest().expect("latest"), BUN_LATEST);
    let mut versions: Vec<&str> = doc.versions().collect();
    versions.sort_unstable();
    let mut expected = BUN_VERSIONS.to_vec();
    expected.sort_unstable();
    assert_eq!(versions, expected);

    let package = host_package(NpmTool::Bun);
    let artifact = client
        .artifact(NpmTool::Bun, &package, BUN_LATEST)
        .expect("artifact");
    let published = registry.packument(&package)["versions"][BUN_LATEST]["dist"]["tarball"]
        .as_str()
        .expect("tarball URL")
        .to_string();
    assert!(published.starts_with(PUBLIC_REGISTRY), "{published}");
    let tarball_path = NpmRegistry::tarball_path(&package, BUN_LATEST);
    assert_eq!(
        artifact.url,
        format!("{}{tarball_path}", registry.server.base)
    );
    assert_eq!(
        artifact.file_name,
        format!(
            "{}-{BUN_LATEST}.tgz",
            package.trim_start_matches('@').replace('/', "-")
        )
    );

    // npm's request paths: the scoped name with its slash encoded, nothing else.
    assert_eq!(registry.hits(&NpmRegistry::packument_path(&package)), 1);
    assert_eq!(registry.hits(&format!("/npm/{package}")), 0);

    let dir = tempfile::tempdir().expect("temp dir");
    let tgz = dir.path().join(&artifact.file_name);
    let size = client.download(&artifact, &tgz).expect("verified download");
    assert_eq!(size, registry.tarball(&package, BUN_LATEST).len() as u64);
    assert_eq!(registry.hits(&tarball_path), 1);

    let install = dir.path().join("install");
    unpack_into(&tgz, &install);
    NpmTool::Bun.finish_install(&install).expect("bunx linked");
    let bun = run(&install.join("bin/bun"));
    assert_eq!(
        bun.stdout.trim(),
        format!("bun {BUN_LATEST} ({package}) --version")
    );
    let bunx = run(&install.join("bin/bunx"));
    assert!(
        bunx.stdout.starts_with(&format!("bunx {BUN_LATEST} ")),
        "{}",
        bunx.stdout
    );
}

#[test]
fn deno_tarball_on_the_registrys_own_host_is_fetched_as_published() {
    let registry = NpmRegistry::start();
    let client = client(&registry);
    let latest = client
        .packument("deno")
        .expect("deno's document")
        .latest()
        .expect("latest")
        .to_string();
    assert_eq!(latest, DENO_LATEST);

    let package = host_package(NpmTool::Deno);
    let artifact = client
        .artifact(NpmTool::Deno, &package, &latest)
        .expect("artifact");
    let published = registry.packument(&package)["versions"][&latest]["dist"]["tarball"]
        .as_str()
        .expect("tarball URL")
        .to_string();
    assert_eq!(artifact.url, published);

    let dir = tempfile::tempdir().expect("temp dir");
    let tgz = dir.path().join(&artifact.file_name);
    client.download(&artifact, &tgz).expect("verified download");
    let install = dir.path().join("install");
    unpack_into(&tgz, &install);
    NpmTool::Deno
        .finish_install(&install)
        .expect("binary present");
    let deno = run(&install.join("deno"));
    assert_eq!(
        deno.stdout.trim(),
        format!("deno {DENO_LATEST} ({package}) --version")
    );
}

#[test]
fn a_tarball_that_does_not_match_its_integrity_is_refused_and_leaves_nothing() {
    let registry = NpmRegistry::start();
    let client = client(&registry);
    let package = host_package(NpmTool::Bun);
    // A well-formed package with other contents: only the integrity check stands in the way.
    let evil = gz(&npm_tar(&[(
        "bin/bun",
        "#!/bin/sh\necho evil\n".to_string(),
        0o755,
    )]));
    registry.replace_tarball(&package, BUN_LATEST, evil);
    let artifact = client
        .artifact(NpmTool::Bun, &package, BUN_LATEST)
        .expect("artifact");

    let dir = tempfile::tempdir().expect("temp dir");
    let tgz = dir.path().join(&artifact.file_name);
    let err = client
        .download(&artifact, &tgz)
        .expect_err("mismatch refused");
    assert!(
        matches!(
            err,
            NpmError::Verify {
                source: IntegrityError::Mismatch { .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(&artifact.url), "{err}");
    assert!(err.hint().is_some());
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // The streaming path gives the same verdict once the unpacker is done.
    let staging = dir.path().join("staging");
    std::fs::create_dir_all(&staging).expect("mkdir");
    let mut stream = client.open(&artifact).expect("open");
    unpack(&mut stream, ArchiveKind::TarGz, &staging).expect("well-formed tarball");
    let verdict = stream.finish().expect("read to the end");
    assert!(
        matches!(verdict, Err(IntegrityError::Mismatch { .. })),
        "{verdict:?}"
    );
}

#[test]
fn missing_or_sha1_only_integrity_is_refused_before_any_download() {
    let registry = NpmRegistry::start();
    let client = client(&registry);
    let package = host_package(NpmTool::Bun);
    let mut doc = registry.packument(&package);
    let sha1 = "sha1-eBnMIedrR19Q7cVmDaaFDNdYuXo=";
    for integrity in [serde_json::json!(sha1), serde_json::Value::Null] {
        doc["versions"][BUN_LATEST]["dist"]["integrity"] = integrity;
        registry.put_packument(&package, &doc);
        let err = client
            .artifact(NpmTool::Bun, &package, BUN_LATEST)
            .expect_err("refused");
        assert!(
            matches!(
                err,
                NpmError::Integrity {
                    source: IntegrityError::Unsupported { .. } | IntegrityError::Missing { .. },
                    ..
                }
            ),
            "{err}"
        );
    }
    assert_eq!(
        registry.hits(&NpmRegistry::tarball_path(&package, BUN_LATEST)),
        0
    );
}

#[test]
fn a_cut_off_tarball_is_an_error_and_leaves_nothing() {
    let registry = NpmRegistry::start();
    let client = client(&registry);
    let package = host_package(NpmTool::Bun);
    let artifact = client
        .artifact(NpmTool::Bun, &package, BUN_LATEST)
        .expect("artifact");
    registry.server.fault(
        &NpmRegistry::tarball_path(&package, BUN_LATEST),
        Fault::Truncate,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let err = client
        .download(&artifact, &dir.path().join(&artifact.file_name))
        .expect_err("cut off");
    assert!(
        matches!(err, NpmError::Fetch(FetchError::Body { .. })),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
}

#[test]
fn package_documents_are_capped_missing_packages_not_found_and_offline_forbids_requests() {
    let registry = NpmRegistry::start();
    let err = client(&registry)
        .with_packument_limit(1024)
        .packument("bun")
        .expect_err("bun's document is over 1 KiB");
    assert!(
        matches!(err, NpmError::TooLarge { limit: 1024, .. }),
        "{err}"
    );
    assert!(
        client(&registry).packument("bun").is_ok(),
        "under {PACKUMENT_LIMIT}"
    );

    let err = client(&registry)
        .packument("@oven/bun-plan9-x64")
        .expect_err("no such package");
    assert!(
        matches!(err, NpmError::Fetch(FetchError::NotFound { .. })),
        "{err}"
    );

    let configured = Registry::new(&registry.url()).expect("valid");
    let offline = NpmClient::new(configured, true).expect("client");
    let err = offline.packument("deno").expect_err("offline");
    assert!(
        matches!(err, NpmError::Fetch(FetchError::Offline { .. })),
        "{err}"
    );
    assert_eq!(registry.hits(&NpmRegistry::packument_path("deno")), 0);
}
