//! Shims through real links in a temp shims folder, real processes: per-directory versions,
//! pass-through of arguments, stdin, exit codes and signals, PATH fallback, the recursion
//! guard, auto-install, `envm which`, `envm exec`, and reshims racing running shims.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use crate::support::toolchains::{NOARGS, install_node, path_of, shim, two_projects};
use crate::support::{Run, TestEnv, write_executable};

#[test]
fn cd_between_projects_changes_what_runs_and_subdirs_inherit() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let sub = p.p22.join("src/deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    for _ in 0..2 {
        let out = Run::of(shim(&env, "node", &p.p20, ["--version"])).ok();
        assert_eq!(out.stdout, "v20.18.1\n");
        let out = Run::of(shim(&env, "node", &p.p22, ["--version"])).ok();
        assert_eq!(out.stdout, "v22.11.0\n");
    }
    let out = Run::of(shim(&env, "node", &sub, ["--version"])).ok();
    assert_eq!(out.stdout, "v22.11.0\n");
    // Another binary of the same toolchain goes through the same pin.
    let out = Run::of(shim(&env, "npx", &p.p20, ["x"])).ok();
    assert_eq!(out.stdout, "npx 20.18.1 x\n");
}

#[test]
fn version_env_var_overrides_the_project_pin() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let mut cmd = shim(&env, "node", &p.p22, NOARGS);
    cmd.arg("--version").env("ENVM_NODE_VERSION", "18");
    assert_eq!(Run::of(cmd).ok().stdout, "v18.20.5\n");
}

#[test]
fn arguments_stdin_and_exit_codes_pass_through() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let out = Run::of(shim(
        &env,
        "node",
        &p.p20,
        ["args", "two words", "line\nbreak", "", "*", "$HOME"],
    ))
    .ok();
    assert_eq!(out.stdout, "[two words]\n[line\nbreak]\n[]\n[*]\n[$HOME]\n");

    let mut child = shim(&env, "node", &p.p20, NOARGS)
        .arg("stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"fed through\nstdin\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "fed through\nstdin\n");

    for code in [0, 3, 255] {
        Run::of(shim(&env, "node", &p.p20, ["exit", &code.to_string()])).code(code);
    }
    // The shim replaced itself: the signal reaches the parent as the program's own.
    let status = shim(&env, "node", &p.p20, ["kill"]).status().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
}

#[test]
fn argv0_is_the_real_path_and_the_toolchain_leads_path() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let argv0 = Run::of(shim(&env, "node", &p.p22, ["argv0"])).ok().stdout;
    assert_eq!(argv0.trim(), p.bin22.join("node").display().to_string());
    let path = Run::of(shim(&env, "node", &p.p22, ["path"])).ok().stdout;
    let first = path.trim().split(':').next().unwrap().to_string();
    assert_eq!(first, p.bin22.display().to_string());
    // ENVM_LOG says how the pin was resolved, on stderr only.
    let mut logged = shim(&env, "node", &p.p22, ["--version"]);
    logged.env("ENVM_LOG", "debug");
    let out = Run::of(logged).ok();
    assert_eq!(out.stdout, "v22.11.0\n");
    assert!(
        out.stderr.contains("node: node 22.11.0 (") && out.stderr.contains("envm.toml) → "),
        "{}",
        out.stderr
    );
    // A binary the pinned toolchain does not have is never another version's: with nothing
    // else of that name on PATH it is "command not found" (shim_passthrough covers the rest).
    std::fs::remove_file(p.bin22.join("npx")).unwrap();
    let mut npx = shim(&env, "npx", &p.p22, NOARGS);
    npx.env("PATH", std::env::join_paths([&env.shims_dir()]).unwrap());
    let out = Run::of(npx).code(127);
    assert!(
        out.stderr.contains("node 22.11.0 has no `npx`"),
        "{}",
        out.stderr
    );
    // `envm which` names the same binary.
    let mut which = env.envm(["which", "node"]);
    which.current_dir(&p.p22);
    assert_eq!(Run::of(which).ok().stdout.trim(), argv0.trim());
    let mut which = env.envm(["which", "npm"]);
    which.current_dir(&p.p20);
    assert_eq!(
        Run::of(which).ok().stdout.trim(),
        p.bin20.join("npm").display().to_string()
    );
}

/// A folder holding a "system" `node` that says so.
fn system_node(env: &TestEnv) -> std::path::PathBuf {
    let sys = env.root().join("system-bin");
    write_executable(&sys.join("node"), "#!/bin/sh\necho system node \"$@\"\n");
    sys
}

#[test]
fn unpinned_tool_runs_the_next_node_on_path_or_exits_127() {
    let env = TestEnv::new();
    two_projects(&env);
    let sys = system_node(&env);
    let mut cmd = shim(&env, "node", &env.work, NOARGS);
    cmd.arg("hi")
        .env("PATH", path_of(&[&env.shims_dir(), &sys]));
    assert_eq!(Run::of(cmd).ok().stdout, "system node hi\n");

    let mut cmd = shim(&env, "node", &env.work, NOARGS);
    cmd.env("PATH", std::env::join_paths([&env.shims_dir()]).unwrap());
    let out = Run::of(cmd).code(127);
    assert!(
        out.stderr.contains("node is not pinned here"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: pin a version with `envm use node@"),
        "{}",
        out.stderr
    );
    let mut which = env.envm(["which", "node"]);
    which.env("PATH", std::env::join_paths([&env.shims_dir()]).unwrap());
    Run::of(which).code(127);
}

#[test]
fn system_spec_runs_the_next_node_on_path() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let sys = system_node(&env);
    env.write("p22/sys/.nvmrc", "system\n");
    let mut cmd = shim(&env, "node", &p.p22.join("sys"), NOARGS);
    cmd.arg("x").env("PATH", path_of(&[&env.shims_dir(), &sys]));
    assert_eq!(Run::of(cmd).ok().stdout, "system node x\n");
}

#[test]
fn recursion_guard_holds_with_the_shims_folder_twice_on_path() {
    let env = TestEnv::new();
    two_projects(&env);
    let sys = system_node(&env);
    // The shims folder twice, once through another spelling (a symlink to it).
    let alias = env.root().join("shims-alias");
    std::os::unix::fs::symlink(env.shims_dir(), &alias).unwrap();
    let shims = env.shims_dir();
    let mut cmd = shim(&env, "node", &env.work, NOARGS);
    cmd.env("PATH", path_of(&[&shims, &alias, &shims, &sys]));
    assert_eq!(Run::of(cmd).ok().stdout, "system node\n");

    let mut cmd = shim(&env, "node", &env.work, NOARGS);
    cmd.env(
        "PATH",
        std::env::join_paths([&shims, &alias, &shims]).unwrap(),
    );
    Run::of(cmd).code(127);

    // A "system" node that calls node again would loop through the shim: the depth counter
    // stops it.
    let looping = env.root().join("loop-bin");
    write_executable(&looping.join("node"), "#!/bin/sh\nexec node \"$@\"\n");
    let mut cmd = shim(&env, "node", &env.work, NOARGS);
    cmd.env("PATH", path_of(&[&shims, &looping]));
    let out = Run::of(cmd).code(1);
    assert!(out.stderr.contains("shim recursion"), "{}", out.stderr);
}

/// The `node` shim in a project pinning node 23, which is not installed.
fn shim_pinned_to_missing_23(env: &TestEnv) -> Command {
    two_projects(env);
    let proj = env.write("p23/.nvmrc", "23\n");
    shim(env, "node", proj.parent().unwrap(), NOARGS)
}

#[test]
fn pinned_but_missing_with_auto_install_off_fails_with_the_hint() {
    let env = TestEnv::new();
    let mut cmd = shim_pinned_to_missing_23(&env);
    cmd.env("ENVM_AUTO_INSTALL", "0");
    let out = Run::of(cmd).code(1);
    assert!(
        out.stderr.contains("node@23 is pinned by"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: envm install node@23"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn pinned_but_missing_runs_envm_install_and_reports_its_failure() {
    let env = TestEnv::new();
    let mut cmd = shim_pinned_to_missing_23(&env);
    // Nothing answers there: the install the shim starts cannot succeed.
    cmd.env("ENVM_NODE_MIRROR", "http://127.0.0.1:9/dist")
        .env("ENVM_OFFLINE", "1");
    let out = Run::of(cmd).code(1);
    assert!(out.stderr.contains("installing it"), "{}", out.stderr);
    assert!(
        out.stderr.contains("installing node@23 failed"),
        "{}",
        out.stderr
    );
    // Whatever the install printed went to stderr, not into the program's stdout.
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn exec_puts_requested_and_pinned_toolchains_first() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let mut cmd = env.envm(["exec", "--", "node", "--version"]);
    cmd.current_dir(&p.p22);
    assert_eq!(Run::of(cmd).ok().stdout, "v22.11.0\n");
    let mut cmd = env.envm(["exec", "node@20", "--", "node", "--version"]);
    cmd.current_dir(&p.p22);
    assert_eq!(Run::of(cmd).ok().stdout, "v20.18.1\n");
    // Children see the toolchain too: a shell started by exec finds that node.
    let mut cmd = env.envm([
        "exec",
        "node@18",
        "--",
        "sh",
        "-c",
        "node --version; exit 3",
    ]);
    cmd.current_dir(&p.p22);
    assert_eq!(Run::of(cmd).code(3).stdout, "v18.20.5\n");
    let mut cmd = env.envm(["exec", "--", "node", "exit", "255"]);
    cmd.current_dir(&p.p22);
    Run::of(cmd).code(255);
    let mut cmd = env.envm(["exec", "--", "node", "kill"]);
    cmd.current_dir(&p.p22);
    assert_eq!(cmd.status().unwrap().signal(), Some(libc::SIGTERM));
    let out = Run::of(env.envm(["exec", "--", "no-such-command-envm"])).code(127);
    assert!(
        out.stderr.contains("`no-such-command-envm` not found"),
        "{}",
        out.stderr
    );
    let mut cmd = env.envm(["exec", "node@23", "--", "node"]);
    cmd.env("ENVM_AUTO_INSTALL", "0");
    let out = Run::of(cmd).code(1);
    assert!(
        out.stderr.contains("hint: envm install node@23"),
        "{}",
        out.stderr
    );
}

#[test]
fn reshim_links_every_exported_binary_and_removes_stale_ones() {
    let env = TestEnv::new();
    install_node(&env, "22.11.0");
    let py = env.fake_install(
        "python",
        "3.12.7",
        &["python", "python3", "python3.12", "pip", "pip3"],
        None,
    );
    Run::of(env.envm(["reshim"])).ok();
    let names = shim_names(&env);
    assert_eq!(
        names,
        [
            "node",
            "npm",
            "npx",
            "pip",
            "pip3",
            "python",
            "python3",
            "python3.12"
        ]
    );
    for name in &names {
        let target = std::fs::read_link(env.shims_dir().join(name)).unwrap();
        assert_eq!(target, crate::support::shim_bin());
    }
    // A binary added after install (`npm i -g`) gets a shim on reshim, and runs.
    let bin22 = env.data().join("installs/node/22.11.0/bin");
    write_executable(&bin22.join("tsc"), "#!/bin/sh\necho tsc from 22\n");
    Run::of(env.envm(["reshim"])).ok();
    assert!(shim_names(&env).contains(&"tsc".to_string()));
    env.write(".nvmrc", "22\n");
    assert_eq!(
        Run::of(shim(&env, "tsc", &env.work, NOARGS)).ok().stdout,
        "tsc from 22\n"
    );
    // Uninstalling python removes its shims.
    std::fs::remove_dir_all(&py).unwrap();
    let out = Run::of(env.envm(["reshim"])).ok();
    assert!(out.stdout.contains("5 removed"), "{}", out.stdout);
    assert_eq!(shim_names(&env), ["node", "npm", "npx", "tsc"]);
}

fn shim_names(env: &TestEnv) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.shims_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn concurrent_reshims_never_break_a_running_shim() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    // Two copies of envm: each reshim re-points every shim at its own copy, so every round
    // replaces every link and rewrites the index while shims are being started.
    let copies: Vec<_> = ["envm-a", "envm-b"]
        .iter()
        .map(|name| {
            let path = env.root().join(name);
            executable_copy(&crate::support::envm_bin(), &path);
            path
        })
        .collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reshimmers: Vec<_> = copies
        .iter()
        .map(|exe| {
            let mut cmd = Command::new(exe);
            cmd.arg("reshim");
            env.prepare(&mut cmd);
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut rounds = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let out = cmd.output().unwrap();
                    assert!(out.status.success(), "{out:?}");
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    for i in 0..150 {
        let dir = if i % 2 == 0 { &p.p20 } else { &p.p22 };
        let want = if i % 2 == 0 {
            "v20.18.1\n"
        } else {
            "v22.11.0\n"
        };
        let out = Run::of(shim(&env, "node", dir, ["--version"])).ok();
        assert_eq!(out.stdout, want);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in reshimmers {
        assert!(r.join().unwrap() > 2, "reshims did not run concurrently");
    }
}

#[test]
fn shims_run_the_shim_binary_beside_envm_else_envm_itself() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    // Built side by side: the shims run `envm-shim`, and an unpinned install through it runs
    // the `envm` beside it (ENVM_AUTO_INSTALL covered in the tests above).
    let target = std::fs::read_link(env.shims_dir().join("node")).unwrap();
    assert_eq!(target, crate::support::shim_bin());
    // Under its own name it only says what it is.
    let mut cmd = Command::new(crate::support::shim_bin());
    env.prepare(&mut cmd);
    let out = Run::of(cmd).code(2);
    assert!(
        out.stderr.contains("Use `envm` for commands"),
        "{}",
        out.stderr
    );

    // envm alone in a folder (a copied binary): its reshim links the shims to envm itself,
    // which runs them.
    let lone = env.root().join("lone");
    std::fs::create_dir_all(&lone).unwrap();
    executable_copy(&crate::support::envm_bin(), &lone.join("envm"));
    let mut cmd = Command::new(lone.join("envm"));
    cmd.arg("reshim");
    env.prepare(&mut cmd);
    Run::of(cmd).ok();
    for name in ["node", "npm", "npx"] {
        let target = std::fs::read_link(env.shims_dir().join(name)).unwrap();
        assert_eq!(target, lone.join("envm"));
    }
    let out = Run::of(shim(&env, "node", &p.p20, ["--version"])).ok();
    assert_eq!(out.stdout, "v20.18.1\n");
    // doctor says so, from either envm.
    let mut cmd = Command::new(lone.join("envm"));
    cmd.args(["doctor", "--json"]);
    env.prepare(&mut cmd);
    let lone_says = shim_binary_check(Run::of(cmd).ok());
    assert_eq!(lone_says["ok"], false);
    assert!(
        lone_says["detail"]
            .as_str()
            .unwrap()
            .contains("no envm-shim beside")
    );
    // Its prompt hook is envm itself too.
    let mut cmd = Command::new(lone.join("envm"));
    cmd.args(["activate", "bash"]);
    env.prepare(&mut cmd);
    let script = Run::of(cmd).ok().stdout;
    let hook_line = format!("_ENVM_BIN='{}'\n", lone.join("envm").display());
    assert!(script.starts_with(&hook_line), "{script}");
    let built_says = shim_binary_check(Run::of(env.envm(["doctor", "--json"])).ok());
    assert_eq!(built_says["ok"], false);
    assert!(
        built_says["detail"]
            .as_str()
            .unwrap()
            .contains("`envm reshim` re-points them")
    );

    // A shim binary without its envm cannot install what is missing, and says why.
    let bare = env.root().join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    executable_copy(&crate::support::shim_bin(), &bare.join("envm-shim"));
    let link = env.shims_dir().join("node");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(bare.join("envm-shim"), &link).unwrap();
    let proj = env.write("p23/.nvmrc", "23\n");
    let out = Run::of(shim(&env, "node", proj.parent().unwrap(), NOARGS)).code(1);
    assert!(out.stderr.contains("no `envm` beside"), "{}", out.stderr);
    let out = Run::of(shim(&env, "node", &p.p22, ["--version"])).ok();
    assert_eq!(out.stdout, "v22.11.0\n");
}

/// The "shim binary" entry of `envm doctor --json`'s output.
fn shim_binary_check(doctor: Run) -> serde_json::Value {
    let checks = doctor.json();
    let found = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "shim binary");
    found.expect("doctor has a shim binary check").clone()
}

/// Makes `dst` a runnable copy of the executable `src`. A hard link needs no write at all;
/// a real copy is written through an fd that a fork in another test thread can inherit until
/// that child execs, and running the copy meanwhile fails with ETXTBSY ("Text file busy"), so
/// it is retried until no such writer is left (once it ran, none can appear: the fd is gone).
fn executable_copy(src: &std::path::Path, dst: &std::path::Path) {
    if std::fs::hard_link(src, dst).is_ok() {
        return;
    }
    std::fs::copy(src, dst).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match Command::new(dst).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                assert!(std::time::Instant::now() < deadline, "{dst:?} stays busy");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => {
                other.unwrap();
                return;
            }
        }
    }
}

#[test]
fn a_version_installed_after_the_last_reshim_is_used() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    // The index lists the versions reshim saw; a later install changes `installs/node`, so
    // the shim lists it again instead of trusting the index.
    install_node(&env, "20.19.0");
    let out = Run::of(shim(&env, "node", &p.p20, ["--version"])).ok();
    assert_eq!(out.stdout, "v20.19.0\n");
    std::fs::remove_dir_all(env.data().join("installs/node/20.19.0")).unwrap();
    let out = Run::of(shim(&env, "node", &p.p20, ["--version"])).ok();
    assert_eq!(out.stdout, "v20.18.1\n");
}
