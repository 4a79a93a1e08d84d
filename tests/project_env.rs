//! A project's `[env]` table: applied by `envm exec`, shims, `envm env` and activation once the
//! file is trusted, refused before, restored when activation leaves the project.

use std::path::Path;

use crate::support::toolchains::shim;
use crate::support::{Run, TestEnv, write_executable};

const PROJECT: &str = "[tools]\nnode = \"22\"\n\n[env]\nGREETING = \"hi from {{project_root}}\"\nLOUD = \"${GREETING}!\"\nCOUNT = 3\n";

/// A project pinning a fixture node that prints the project's variables.
fn project(env: &TestEnv) -> std::path::PathBuf {
    let dir = env.fake_install("node", "22.11.0", &["node"], None);
    write_executable(
        &dir.join("bin/node"),
        "#!/bin/sh\necho \"$GREETING|$LOUD|$COUNT\"\n",
    );
    Run::of(env.envm(["reshim"])).ok();
    let file = env.write("proj/envm.toml", PROJECT);
    file.parent().unwrap().to_path_buf()
}

fn exec_in(env: &TestEnv, dir: &Path) -> Run {
    let mut cmd = env.envm(["exec", "--", "sh", "-c", "echo \"$GREETING|$LOUD|$COUNT\""]);
    cmd.current_dir(dir);
    Run::of(cmd)
}

#[test]
fn env_table_applies_only_while_trusted() {
    let env = TestEnv::new();
    let proj = project(&env);
    let want = format!("hi from {0}|hi from {0}!|3\n", proj.display());

    // Untrusted: refused everywhere, with the way out.
    for run in [
        exec_in(&env, &proj).code(1),
        Run::of(shim(&env, "node", &proj, ["x"])).code(1),
    ] {
        assert!(run.stderr.contains("is not trusted"), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("hint: review its [env] table, then run `envm trust"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("GREETING, LOUD, COUNT"),
            "{}",
            run.stderr
        );
    }

    let mut trust = env.envm(["trust"]);
    trust.current_dir(&proj);
    let run = Run::of(trust).ok();
    // Every variable is listed (issue 8, item 14), before trust is recorded.
    for name in ["set GREETING", "set LOUD", "set COUNT"] {
        assert!(run.stdout.contains(name), "{name}: {}", run.stdout);
    }
    assert_eq!(exec_in(&env, &proj).ok().stdout, want);
    assert_eq!(Run::of(shim(&env, "node", &proj, ["x"])).ok().stdout, want);
    let mut json = env.envm(["env", "--json"]);
    json.current_dir(&proj);
    let vars = Run::of(json).ok().json();
    assert_eq!(vars["COUNT"], "3");
    assert!(
        vars["PATH"]
            .as_str()
            .unwrap()
            .contains("installs/node/22.11.0/bin")
    );

    // An edit makes it untrusted again.
    std::fs::write(proj.join("envm.toml"), format!("{PROJECT}EXTRA = \"1\"\n")).unwrap();
    exec_in(&env, &proj).code(1);
}

#[test]
fn activation_sets_and_restores_project_variables() {
    let env = TestEnv::new();
    let proj = project(&env);
    let mut trust = env.envm(["trust"]);
    trust.current_dir(&proj);
    Run::of(trust).ok();
    let hook = |dir: &Path, vars: &[(&str, &str)]| {
        let mut cmd = env.envm(["hook-env", "bash"]);
        cmd.current_dir(dir).env("PATH", "/usr/bin:/bin");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        Run::of(cmd).ok().stdout
    };
    let entered = hook(&proj, &[("GREETING", "outer")]);
    assert!(
        entered.contains(&format!("export GREETING='hi from {}';", proj.display())),
        "{entered}"
    );
    assert!(entered.contains("export COUNT='3';"), "{entered}");
    let saved = value_of(&entered, "__ENVM_SAVED");
    let state = value_of(&entered, "__ENVM_STATE");
    // Leaving: GREETING gets its old value back, the others are unset.
    let greeting = format!("hi from {}", proj.display());
    let left = hook(
        &env.work,
        &[
            ("GREETING", greeting.as_str()),
            ("COUNT", "3"),
            ("__ENVM_SAVED", saved.as_str()),
            ("__ENVM_STATE", state.as_str()),
        ],
    );
    assert!(left.contains("export GREETING='outer';"), "{left}");
    assert!(left.contains("unset COUNT;"), "{left}");
    assert!(left.contains("unset LOUD;"), "{left}");
    assert!(left.contains("unset __ENVM_SAVED;"), "{left}");
}

/// The value a line `export NAME='…';` gives NAME.
fn value_of(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| {
            l.strip_prefix(&format!("export {name}='"))
                .and_then(|v| v.strip_suffix("';"))
        })
        .unwrap_or_else(|| panic!("no {name} in {out}"))
        .replace(r"'\''", "'")
}
