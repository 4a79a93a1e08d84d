//! The whole path a user takes: a shim in a project whose pinned version is not installed
//! installs it from the (loopback) upstream, verified, then runs it — and `ENVM_AUTO_INSTALL=0`
//! stops short with a hint instead.

use crate::install::{envm, installs};
use crate::support::dist::Dist;
use crate::support::toolchains::shim;
use crate::support::{Run, TestEnv};

#[test]
fn a_shim_installs_its_missing_pin_then_runs_it() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    // Any install creates the `node` shim.
    Run::of(envm(&env, &dist, &["install", "node@20"])).ok();
    assert!(env.shims_dir().join("node").exists());
    let project = env.write("proj/envm.toml", "[tools]\nnode = \"22\"\n");
    let project = project.parent().unwrap();

    let mut cmd = shim(&env, "node", project, ["--version"]);
    cmd.env("ENVM_AUTO_INSTALL", "0");
    dist.env(&mut cmd);
    let run = Run::of(cmd).code(1);
    assert!(
        run.stderr.contains("hint: envm install node@22"),
        "{}",
        run.stderr
    );
    assert!(!installs(&env, "node").join("22.12.0").exists());

    let mut cmd = shim(&env, "node", project, ["--version"]);
    dist.env(&mut cmd);
    let run = Run::of(cmd).ok();
    assert_eq!(run.stdout, "v22.12.0\n", "{}", run.stderr);
    assert!(run.stderr.contains("installing"), "{}", run.stderr);
    assert!(installs(&env, "node").join("22.12.0/bin/node").is_file());
    // The next call finds it installed: no second download, nothing on stderr.
    let mut cmd = shim(&env, "node", project, ["--version"]);
    dist.env(&mut cmd);
    let run = Run::of(cmd).ok();
    assert_eq!(run.stdout, "v22.12.0\n");
    assert_eq!(run.stderr, "");
    assert_eq!(dist.hits(&Dist::node_path("22.12.0", "tar.xz")), 1);
}
