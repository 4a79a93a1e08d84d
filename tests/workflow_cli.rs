//! Workflows users bring from pyenv, nvm, mise and volta, through the real `envm` binary: new
//! executables from `npm i -g` / `pip install` reachable through the shims with no `envm
//! reshim`, a name exported by two toolchains, the declared virtualenv made on `envm install`,
//! the PATH hint after `use`/`install`, and the command line's forms and messages.

use std::os::unix::process::ExitStatusExt;

use crate::install::envm as envm_with;
use crate::support::dist::Dist;
use crate::support::toolchains::{NOARGS, shim, two_projects};
use crate::support::{Run, TestEnv, write_executable};

/// A fixture package manager: `NAME i -g PKG` / `NAME install PKG` writes an executable `PKG`
/// beside itself printing `PKG from LABEL`; `kill` kills itself; `wait` sleeps; anything else
/// exits 0.
fn package_manager(label: &str) -> String {
    format!(
        r#"#!/bin/sh
bin=$(dirname "$0")
case "$1" in
  kill) kill -TERM $$ ;;
  wait) exec sleep 30 ;;
  i|install)
    [ "$2" = -g ] && shift
    printf '#!/bin/sh\necho "%s from {label}"\n' "$2" > "$bin/$2"
    chmod +x "$bin/$2" ;;
esac
"#
    )
}

#[test]
fn npm_and_pip_installs_are_reachable_through_the_shims_at_once() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    write_executable(&p.bin22.join("npm"), &package_manager("node 22"));
    let python = env.fake_install("python", "3.12.7", &["python3", "pip"], None);
    write_executable(&python.join("bin/pip"), &package_manager("python"));
    let py = env
        .write("py/.python-version", "3.12\n")
        .parent()
        .unwrap()
        .to_path_buf();
    Run::of(env.envm(["reshim"])).ok();
    assert!(!env.shims_dir().join("cowsay").exists());

    Run::of(shim(&env, "npm", &p.p22, ["i", "-g", "cowsay"])).ok();
    let out = Run::of(shim(&env, "cowsay", &p.p22, NOARGS)).ok();
    assert_eq!(out.stdout, "cowsay from node 22\n");
    Run::of(shim(&env, "pip", &py, ["install", "black"])).ok();
    assert_eq!(
        Run::of(shim(&env, "black", &py, NOARGS)).ok().stdout,
        "black from python\n"
    );
    // The package manager's exit code and signals still pass through.
    Run::of(shim(&env, "npm", &p.p22, ["other"])).code(0);
    let status = shim(&env, "npm", &p.p22, ["kill"]).status().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    // SIGTERM sent to the shim alone (a supervisor stopping it) reaches the package manager.
    let mut running = shim(&env, "npm", &p.p22, ["wait"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    // SAFETY: signals the child this test started.
    unsafe { libc::kill(running.id() as i32, libc::SIGTERM) };
    let status = running.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // Python exports `cowsay` too: each project runs the one its pin selects.
    Run::of(shim(&env, "pip", &py, ["install", "cowsay"])).ok();
    assert_eq!(
        Run::of(shim(&env, "cowsay", &py, NOARGS)).ok().stdout,
        "cowsay from python\n"
    );
    assert_eq!(
        Run::of(shim(&env, "cowsay", &p.p22, NOARGS)).ok().stdout,
        "cowsay from node 22\n"
    );
    let mut which = env.envm(["which", "cowsay"]);
    which.current_dir(&py);
    assert_eq!(
        Run::of(which).ok().stdout.trim(),
        python.join("bin/cowsay").display().to_string()
    );

    // A shim the index does not know yet (linked by hand, or by a reshim still writing the
    // index) brings the index up to date instead of failing.
    write_executable(&p.bin22.join("tsc"), "#!/bin/sh\necho tsc\n");
    std::os::unix::fs::symlink(crate::support::envm_bin(), env.shims_dir().join("tsc")).unwrap();
    assert_eq!(
        Run::of(shim(&env, "tsc", &p.p22, NOARGS)).ok().stdout,
        "tsc\n"
    );
    // An executable added behind envm's back (npm run from the bin folder in an activated
    // shell) gets its shim at the next prompt's hook.
    write_executable(&p.bin20.join("prettier"), "#!/bin/sh\necho prettier\n");
    let mut hook = env.envm(["hook-env", "bash"]);
    hook.current_dir(&p.p20);
    Run::of(hook).ok();
    assert_eq!(
        Run::of(shim(&env, "prettier", &p.p20, NOARGS)).ok().stdout,
        "prettier\n"
    );
}

#[test]
fn install_creates_the_declared_venv_and_activation_sets_virtual_env() {
    let env = TestEnv::new();
    // A `path:` toolchain whose python3 is the machine's real interpreter.
    let toolchain = env.work.join("tc/bin");
    std::fs::create_dir_all(&toolchain).unwrap();
    let real = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 on PATH");
    let real = String::from_utf8(real.stdout).unwrap();
    std::os::unix::fs::symlink(real.trim(), toolchain.join("python3")).unwrap();
    env.write(
        "envm.toml",
        "[tools]\npython = \"path:tc\"\n\n[python]\nvenv = \".venv\"\n",
    );
    Run::of(env.envm(["trust"])).ok();
    let venv = env.work.join(".venv");
    let run = Run::of(env.envm(["install"])).ok();
    assert!(venv.join("pyvenv.cfg").is_file(), "{}", run.stderr);
    let mut hook = env.envm(["hook-env", "bash"]);
    hook.env("PATH", "/usr/bin:/bin").env_remove("VIRTUAL_ENV");
    let out = Run::of(hook).ok().stdout;
    assert!(
        out.contains(&format!("export VIRTUAL_ENV='{}';", venv.display())),
        "{out}"
    );
}

#[test]
fn use_and_install_say_how_to_make_the_tool_resolve() {
    let (env, dist) = (TestEnv::new(), Dist::start());
    let hint = "`node` will not resolve to envm's version in this shell";
    let mut cmd = envm_with(&env, &dist, &["use", "node"]);
    cmd.env("PATH", "/usr/bin:/bin").env("SHELL", "/bin/zsh");
    let run = Run::of(cmd).ok();
    // No version: the latest release, as in mise.
    assert!(
        run.stdout.contains("node = \"latest\" pinned"),
        "{}",
        run.stdout
    );
    assert!(env.data().join("installs/node/23.3.0").is_dir());
    assert_eq!(run.stderr.matches(hint).count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("eval \"$(envm activate zsh)\"` to ~/.zshrc")
    );
    // Shims on PATH, or activation loaded: nothing to say.
    let mut cmd = envm_with(&env, &dist, &["install"]);
    cmd.env(
        "PATH",
        format!("{}:/usr/bin:/bin", env.shims_dir().display()),
    );
    assert!(!Run::of(cmd).ok().stderr.contains(hint));
    let mut cmd = envm_with(&env, &dist, &["install", "node@22"]);
    cmd.env("PATH", "/usr/bin:/bin").env("__ENVM_STATE", "x:");
    assert!(!Run::of(cmd).ok().stderr.contains(hint));
    let mut cmd = envm_with(&env, &dist, &["install", "node@22"]);
    cmd.env("PATH", "/usr/bin:/bin");
    assert!(Run::of(cmd).ok().stderr.contains(hint));
}

#[test]
fn exec_needs_no_double_dash_and_labels_its_requests() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let exec = |args: &[&str]| {
        let mut cmd = env.envm(args);
        cmd.current_dir(&p.p22);
        cmd
    };
    let out = Run::of(exec(&["exec", "node@20", "node", "--version"])).ok();
    assert_eq!(out.stdout, "v20.18.1\n");
    let out = Run::of(exec(&["exec", "node@20", "--", "node", "--version"])).ok();
    assert_eq!(out.stdout, "v20.18.1\n");
    // A bare tool name starts the command; its flags are the command's.
    let out = Run::of(exec(&["exec", "node", "--version"])).ok();
    assert_eq!(out.stdout, "v22.11.0\n");
    Run::of(exec(&["exec", "node@18", "sh", "-c", "exit 3"])).code(3);
    // A request that is not installed names where it came from, not "pinned here".
    let mut cmd = exec(&["exec", "node@23", "node", "--version"]);
    cmd.env("ENVM_NODE_MIRROR", "http://127.0.0.1:9/none");
    let run = Run::of(cmd).code(1);
    assert!(
        run.stderr
            .contains("node@23 (from the `envm exec` command line) is not installed"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("pinned here"), "{}", run.stderr);
}

#[test]
fn uninstalling_the_version_in_use_here_needs_force() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let mut cmd = env.envm(["uninstall", "node@22.11.0"]);
    cmd.current_dir(&p.p22);
    let run = Run::of(cmd).code(1);
    assert!(
        run.stderr.contains("is the version used here"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert!(p.bin22.is_dir());
    // Elsewhere, or with --force, it goes.
    let mut cmd = env.envm(["uninstall", "node@18.20.5"]);
    cmd.current_dir(&p.p22);
    Run::of(cmd).ok();
    let mut cmd = env.envm(["uninstall", "--force", "node@22.11.0"]);
    cmd.current_dir(&p.p22);
    Run::of(cmd).ok();
    assert!(!p.bin22.exists());
}

#[test]
fn a_missing_lock_file_is_named_with_the_way_to_make_it() {
    let env = TestEnv::new();
    env.write("envm.toml", "[tools]\nnode = \"22\"\n");
    let run = Run::of(env.envm(["install", "--locked"])).code(1);
    let lock = env.work.join("envm.lock");
    assert!(
        run.stderr
            .contains(&format!("there is no lock file at {}", lock.display())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`envm lock`"), "{}", run.stderr);
    assert!(!run.stderr.contains("entity not found"), "{}", run.stderr);
}
