//! A shim for a name that only another version of the toolchain exports (an `npm i -g` package
//! can export `ls`, `git` or `sudo`) must not shadow the system's program: where the pinned
//! version lacks the name, the shim runs the next one on PATH.

use crate::support::toolchains::{path_of, shim, two_projects};
use crate::support::{Run, TestEnv, write_executable};

#[test]
fn a_name_the_pinned_version_lacks_runs_the_next_one_on_path() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    // Node 22 (pinned in p22) got a global package exporting `git`; node 20 did not.
    write_executable(
        &p.bin22.join("git"),
        "#!/bin/sh\necho toolchain git \"$@\"\n",
    );
    Run::of(env.envm(["reshim"])).ok();
    assert!(env.shims_dir().join("git").exists(), "git shim was made");
    let sys = env.root().join("system-bin");
    write_executable(&sys.join("git"), "#!/bin/sh\necho system git \"$@\"\n");

    // Where the pinned toolchain has it, it runs.
    let mut cmd = shim(&env, "git", &p.p22, ["status"]);
    cmd.env("PATH", path_of(&[&env.shims_dir(), &sys]));
    assert_eq!(Run::of(cmd).ok().stdout, "toolchain git status\n");

    // Where it lacks it, the system's runs instead of a 127.
    let mut cmd = shim(&env, "git", &p.p20, ["status"]);
    cmd.env("PATH", path_of(&[&env.shims_dir(), &sys]));
    assert_eq!(Run::of(cmd).ok().stdout, "system git status\n");

    // `envm which` agrees with the shim.
    let mut which = env.envm(["which", "git"]);
    which
        .current_dir(&p.p20)
        .env("PATH", path_of(&[&env.shims_dir(), &sys]));
    let out = Run::of(which).ok();
    assert_eq!(out.stdout.trim(), sys.join("git").to_string_lossy());

    // With nothing else on PATH, the name is still not found (127 with a hint).
    let mut cmd = shim(&env, "git", &p.p20, ["status"]);
    cmd.env("PATH", std::env::join_paths([&env.shims_dir()]).unwrap());
    let out = Run::of(cmd).code(127);
    assert!(out.stderr.contains("has no `git`"), "{}", out.stderr);
}
