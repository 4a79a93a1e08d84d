//! Release signatures end to end (issue 10), through the real `envm` binary against the
//! loopback mirror: node's `SHASUMS256.txt` by OpenPGP and zig's tarballs by minisign, with
//! throwaway keys made at test time and trusted only through the `[signatures]` table of the
//! test's global config. Every refusal leaves nothing installed.

use std::process::Command;

use crate::install::envm;
use crate::support::dist::{self, Dist};
use crate::support::signing::{MinisignTestKey, PgpTestKey, release_comment};
use crate::support::{Run, TestEnv, write_file};

const NODE: &str = "22.12.0";
const ZIG: &str = "0.14.0";

/// `envm ARGS` reading `dist` with none of its keys trusted.
fn envm_untrusted(env: &TestEnv, dist: &Dist, args: &[&str]) -> Command {
    let mut cmd = env.envm(args);
    dist.mirrors(&mut cmd);
    cmd
}

/// `envm install SPEC` with none of `dist`'s keys trusted: it must fail.
fn untrusted_install(env: &TestEnv, dist: &Dist, spec: &str) -> Run {
    Run::of(envm_untrusted(env, dist, &["install", spec])).code(1)
}

fn installed(env: &TestEnv, tool: &str) -> Vec<String> {
    let dir = env.data().join("installs").join(tool);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    names
}

fn receipt(env: &TestEnv, tool: &str, version: &str) -> serde_json::Value {
    let path = env
        .data()
        .join("installs")
        .join(tool)
        .join(version)
        .join(".envm-receipt.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("receipt")).expect("json")
}

fn sums_path(version: &str) -> String {
    format!("/node/v{version}/SHASUMS256.txt")
}

fn zig_file() -> String {
    Dist::zig_path(ZIG)
        .rsplit('/')
        .next()
        .expect("file name")
        .to_owned()
}

fn add_global_config(env: &TestEnv, extra: &str) {
    let path = env.envm_home.join("config/config.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    write_file(&path, &format!("{text}{extra}"));
}

#[test]
fn releases_signed_by_a_global_config_key_install_and_record_the_signer() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    Run::of(envm(&env, &dist, &["install", &format!("node@{NODE}")])).ok();
    Run::of(envm(&env, &dist, &["install", &format!("zig@{ZIG}")])).ok();
    let fingerprint = dist.signers.pgp.fingerprint();
    assert_eq!(
        receipt(&env, "node", NODE)["verified"],
        format!("pgp:{fingerprint}")
    );
    assert_eq!(
        receipt(&env, "zig", ZIG)["verified"],
        format!("minisign:{}", dist.signers.minisign.key_id_text())
    );

    env.write("envm.toml", "[tools]\nnode = \"22\"\nzig = \"0.14\"\n");
    Run::of(envm(&env, &dist, &["lock"])).ok();
    let lock = std::fs::read_to_string(env.work.join("envm.lock")).unwrap();
    assert!(
        lock.contains(&format!("verified = \"pgp:{fingerprint}\"")),
        "{lock}"
    );
    assert!(lock.contains("verified = \"minisign:"), "{lock}");

    // --locked offline re-verifies from the cached signature files, without the network.
    Run::of(envm(
        &env,
        &dist,
        &["uninstall", "--force", &format!("node@{NODE}")],
    ))
    .ok();
    Run::of(envm(
        &env,
        &dist,
        &["uninstall", "--force", &format!("zig@{ZIG}")],
    ))
    .ok();
    let asc_hits = dist.hits(&format!("{}.asc", sums_path(NODE)));
    let mut offline = envm(&env, &dist, &["install", "--locked"]);
    offline.env("ENVM_OFFLINE", "1");
    Run::of(offline).ok();
    assert_eq!(installed(&env, "node"), [NODE]);
    assert_eq!(installed(&env, "zig"), [ZIG]);
    assert_eq!(dist.hits(&format!("{}.asc", sums_path(NODE))), asc_hits);

    // A cold cache offline is an error, not a pass.
    let cold = TestEnv::new();
    cold.write("envm.toml", "[tools]\nnode = \"22\"\n");
    cold.write("envm.lock", &lock);
    let mut offline = envm(&cold, &dist, &["install", "--locked"]);
    offline.env("ENVM_OFFLINE", "1");
    let run = Run::of(offline).code(1);
    assert!(run.stderr.contains("SHASUMS256.txt.asc"), "{}", run.stderr);
    assert!(installed(&cold, "node").is_empty());
}

#[test]
fn keys_in_a_project_file_or_unknown_keys_are_refused() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let key_file = env.root().join("mirror.asc");
    let table = dist.signers.config_table(&key_file);
    env.write("envm.toml", &format!("[tools]\nnode = \"{NODE}\"\n{table}"));
    let run = Run::of(envm_untrusted(&env, &dist, &["install"])).code(1);
    assert!(
        run.stderr
            .contains("[signatures] is read from the global config only"),
        "{}",
        run.stderr
    );
    assert!(installed(&env, "node").is_empty());

    // Without the project file, the mirror's key is simply unknown.
    std::fs::remove_file(env.work.join("envm.toml")).unwrap();
    let run = untrusted_install(&env, &dist, &format!("node@{NODE}"));
    assert!(run.stderr.contains("not a trusted key"), "{}", run.stderr);
    assert!(run.stderr.contains("SHASUMS256.txt.asc"), "{}", run.stderr);
    assert!(run.stderr.contains("[signatures]"), "{}", run.stderr);
    let run = untrusted_install(&env, &dist, &format!("zig@{ZIG}"));
    assert!(
        run.stderr.contains(&dist.signers.minisign.key_id_text()),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not a trusted key"), "{}", run.stderr);

    // Another key in the global config does not vouch for this mirror either.
    let other = PgpTestKey::generate();
    let other_file = env.root().join("other.asc");
    write_file(&other_file, &other.armored_public());
    add_global_config(
        &env,
        &format!(
            "[signatures]\nnode-keys = [\"{}\"]\nzig-keys = [\"{}\"]\n",
            other_file.display(),
            MinisignTestKey::generate().public_base64()
        ),
    );
    let run = untrusted_install(&env, &dist, &format!("node@{NODE}"));
    assert!(run.stderr.contains("not a trusted key"), "{}", run.stderr);
    let run = untrusted_install(&env, &dist, &format!("zig@{ZIG}"));
    assert!(run.stderr.contains("not a trusted key"), "{}", run.stderr);
    assert!(installed(&env, "node").is_empty());
    assert!(installed(&env, "zig").is_empty());
}

#[test]
fn node_needs_a_signature_and_takes_digests_only_from_signed_text() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let sums = sums_path(NODE);
    let asc = format!("{sums}.asc");
    let sig = format!("{sums}.sig");
    let signed_sums = String::from_utf8(dist.get(&sums)).unwrap();
    let install = format!("node@{NODE}");

    // Neither .asc nor .sig: refused, even with the opt-out (upstream signs v22).
    dist.state_remove(&asc);
    let run = Run::of(envm(&env, &dist, &["install", &install])).code(1);
    assert!(run.stderr.contains("no signature at"), "{}", run.stderr);
    assert!(run.stderr.contains(".asc or "), "{}", run.stderr);
    assert!(run.stderr.contains(".sig"), "{}", run.stderr);
    add_global_config(&env, "allow-unsigned = [\"node\"]\n");
    let run = Run::of(envm(&env, &dist, &["install", &install])).code(1);
    assert!(run.stderr.contains("no signature at"), "{}", run.stderr);
    assert!(installed(&env, "node").is_empty());

    // A detached .sig over other content: refused, naming the signer.
    dist.put(&sig, dist.signers.pgp.sign_detached(b"other content\n"));
    let run = Run::of(envm(&env, &dist, &["install", "--refresh", &install])).code(1);
    assert!(run.stderr.contains("does not match"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&dist.signers.pgp.fingerprint()),
        "{}",
        run.stderr
    );
    assert!(installed(&env, "node").is_empty());

    // A mirror serving a modified archive with a matching, unsigned SHASUMS256.txt next to
    // the signed one: the digest comes from the signed text, so the archive is refused.
    let node_xz = Dist::node_path(NODE, "tar.xz");
    let original = dist.get(&node_xz);
    let evil = dist::xz(&dist::tar_of(
        &format!("node-v{NODE}-linux-{}", dist::node_arch()),
        &[dist::exe("bin/node", "echo evil")],
    ));
    dist.put(&asc, dist.signers.pgp.clearsign(&signed_sums).into_bytes());
    dist.put(&node_xz, evil.clone());
    dist.put(
        &sums,
        signed_sums
            .replace(&dist::sha256_hex(&original), &dist::sha256_hex(&evil))
            .into_bytes(),
    );
    let fresh = TestEnv::new();
    let run = Run::of(envm(&fresh, &dist, &["install", &install])).code(1);
    assert!(run.stderr.contains("checksum mismatch"), "{}", run.stderr);
    assert!(installed(&fresh, "node").is_empty());

    // The detached .sig over the served SHASUMS256.txt is the fallback for a missing .asc.
    dist.put(&node_xz, original);
    dist.put(&sums, signed_sums.clone().into_bytes());
    dist.state_remove(&asc);
    dist.put(&sig, dist.signers.pgp.sign_detached(signed_sums.as_bytes()));
    let fallback = TestEnv::new();
    Run::of(envm(&fallback, &dist, &["install", &install])).ok();
    assert_eq!(
        receipt(&fallback, "node", NODE)["verified"],
        format!("pgp:{}", dist.signers.pgp.fingerprint())
    );
}

#[test]
fn node_never_signed_upstream_needs_the_opt_out_and_warns_every_time() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    // A nightly channel: upstream never signs it. Served without signature files.
    let nightly = "/download/nightly";
    dist.put(
        &format!("{nightly}/index.json"),
        dist.get("/node/index.json"),
    );
    let version_dir = format!("/node/v{NODE}");
    for ext in ["tar.xz", "tar.gz"] {
        let path = Dist::node_path(NODE, ext);
        let moved = path.replacen("/node", nightly, 1);
        dist.put(&moved, dist.get(&path));
    }
    dist.put(
        &format!("{nightly}/v{NODE}/SHASUMS256.txt"),
        dist.get(&format!("{version_dir}/SHASUMS256.txt")),
    );
    let nightly_cmd = |env: &TestEnv, args: &[&str]| {
        let mut cmd = envm(env, &dist, args);
        cmd.env("ENVM_NODE_MIRROR", format!("{}{nightly}", dist.base));
        cmd
    };
    let install = format!("node@{NODE}");
    let run = Run::of(nightly_cmd(&env, &["install", &install])).code(1);
    assert!(
        run.stderr.contains("nightly builds are not signed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("allow-unsigned"), "{}", run.stderr);
    assert!(installed(&env, "node").is_empty());

    add_global_config(&env, "allow-unsigned = [\"node\"]\n");
    let run = Run::of(nightly_cmd(&env, &["install", &install])).ok();
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stderr.contains("UNSIGNED"), "{}", run.stderr);
    assert_eq!(receipt(&env, "node", NODE)["verified"], "unsigned");
    let run = Run::of(nightly_cmd(&env, &["install", "--force", &install])).ok();
    assert!(run.stderr.contains("UNSIGNED"), "{}", run.stderr);
}

#[test]
fn zig_signature_must_cover_the_tarball_and_name_it_exactly() {
    let dist = Dist::start();
    let tarball = Dist::zig_path(ZIG);
    let minisig = format!("{tarball}.minisig");
    let body = dist.get(&tarball);
    let name = zig_file();
    let key = &dist.signers.minisign;
    let install = format!("zig@{ZIG}");
    let refused = |why: &str, needle: &str| {
        let env = TestEnv::new();
        let run = Run::of(envm(&env, &dist, &["install", &install])).code(1);
        assert!(run.stderr.contains(needle), "{why}: {}", run.stderr);
        assert!(installed(&env, "zig").is_empty(), "{why}");
        let staging: Vec<_> = std::fs::read_dir(env.data().join("installs/zig"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".staging"))
            .collect();
        assert!(staging.is_empty(), "{why}: {staging:?}");
    };

    let other_name = name.replace(ZIG, "0.13.0");
    dist.put(
        &minisig,
        key.sign(&body, &release_comment(&other_name), true)
            .into_bytes(),
    );
    refused("file: names another file", "names");

    for substring in [format!("{name}.old"), format!("old-{name}")] {
        dist.put(
            &minisig,
            key.sign(&body, &release_comment(&substring), true)
                .into_bytes(),
        );
        refused("file: holds the name as a substring", "names");
    }

    dist.put(
        &minisig,
        key.sign_release_file(b"other content", &name).into_bytes(),
    );
    refused("signature over other content", "does not match");

    dist.state_remove(&minisig);
    refused("no .minisig", "no signature at");

    // The opt-out accepts it, with a warning, recorded as unsigned.
    let env = TestEnv::new();
    let cmd = envm(&env, &dist, &["install", &install]);
    add_global_config(&env, "allow-unsigned = [\"zig\"]\n");
    let run = Run::of(cmd).ok();
    assert!(run.stderr.contains("UNSIGNED"), "{}", run.stderr);
    assert_eq!(receipt(&env, "zig", ZIG)["verified"], "unsigned");
}

#[test]
fn doctor_says_what_vouches_for_each_tools_downloads() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let mut cmd = env.envm(["doctor"]);
    dist.trust_keys(&cmd);
    cmd.env("ENVM_PYTHON_DOWNLOADS_JSON_URL", "");
    let run = Run::of(cmd).ok();
    let commit = envm::fetch::verify::NODE_RELEASE_KEYS_COMMIT;
    assert!(run.stdout.contains(commit), "{}", run.stdout);
    assert!(run.stdout.contains("29 embedded"), "{}", run.stdout);
    assert!(run.stdout.contains("1 extra key(s)"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&dist.signers.minisign.key_id_text()),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("envm's built-in release catalog"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("go.dev's JSON release index"),
        "{}",
        run.stdout
    );

    let mut cmd = env.envm(["doctor"]);
    cmd.env(
        "ENVM_PYTHON_DOWNLOADS_JSON_URL",
        "https://example.invalid/d.json",
    );
    let run = Run::of(cmd).ok();
    assert!(
        run.stdout
            .contains("catalog at https://example.invalid/d.json"),
        "{}",
        run.stdout
    );

    // A [signatures] table envm cannot use is an error, never ignored.
    add_global_config(&env, "allow-unsigned = [\"nodejs-ish\"]\n");
    let run = Run::of(envm(&env, &dist, &["install", &format!("node@{NODE}")])).code(1);
    assert!(run.stderr.contains("is not a tool"), "{}", run.stderr);
    assert!(installed(&env, "node").is_empty());
}
