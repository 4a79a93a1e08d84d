//! `envm env` (the environment envm would set here) and `envm venv` (a virtualenv made by the
//! pinned interpreter itself).

use std::process::Command;

use crate::support::{Run, TestEnv};

#[test]
fn env_puts_pinned_toolchains_first_on_path() {
    let env = TestEnv::new();
    let node22 = env.fake_install("node", "22.11.0", &["node"], None);
    env.fake_install("node", "20.18.1", &["node"], None);
    env.write("envm.toml", "[tools]\nnode = \"22\"\n");

    let vars = Run::of(env.envm(["env", "--json"])).ok().json();
    let path = vars["PATH"].as_str().unwrap();
    let first = path.split(':').next().unwrap();
    assert_eq!(first, node22.join("bin").display().to_string());

    let script = Run::of(env.envm(["env", "--shell", "bash"])).ok().stdout;
    assert!(script.starts_with("export PATH='"), "{script}");
    let mut bash = Command::new("bash");
    bash.args(["-c", &format!("{script}\nnode --version")]);
    env.prepare(&mut bash);
    assert_eq!(Run::of(bash).ok().stdout, "node 22.11.0 --version\n");

    let plain = Run::of(env.envm(["env"])).ok().stdout;
    assert_eq!(plain, format!("PATH={path}\n"));
}

/// The machine's real CPython (`sys.executable` of `python3` on PATH).
fn real_python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 must be on PATH for the venv test (Debian: apt-get install python3)");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn venv_is_made_by_the_pinned_interpreter() {
    let env = TestEnv::new();
    // A `path:` toolchain whose python3 is the machine's real interpreter.
    let toolchain = env.work.join("tc/bin");
    std::fs::create_dir_all(&toolchain).unwrap();
    std::os::unix::fs::symlink(real_python(), toolchain.join("python3")).unwrap();

    // Not pinned: a clear error.
    let run = Run::of(env.envm(["venv"])).code(1);
    assert!(
        run.stderr.contains("python is not pinned"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);

    env.write(
        "envm.toml",
        "[tools]\npython = \"path:tc\"\n\n[python]\nvenv = \"env1\"\n",
    );
    // A `path:` pin runs code the file chose: it needs trust (issue 8, item 4).
    Run::of(env.envm(["trust"])).ok();
    let sub = env.work.join("src");
    std::fs::create_dir_all(&sub).unwrap();
    let mut cmd = env.envm(["venv"]);
    cmd.current_dir(&sub);
    Run::of(cmd).ok();
    let cfg = std::fs::read_to_string(env.work.join("env1/pyvenv.cfg")).unwrap();
    assert!(cfg.contains("home = "), "{cfg}");
    let out = Command::new(env.work.join("env1/bin/python"))
        .args(["-c", "import sys; print(sys.prefix != sys.base_prefix)"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "True\n");

    Run::of(env.envm(["venv", "other"])).ok();
    assert!(env.work.join("other/pyvenv.cfg").is_file());
}

#[test]
fn python_shims_and_activation_use_the_project_venv() {
    let env = TestEnv::new();
    // An "installed" python whose python3 is the machine's real interpreter.
    let bin = env.data().join("installs/python/3.11.99/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(real_python(), bin.join("python3")).unwrap();
    Run::of(env.envm(["reshim"])).ok();
    env.write(
        "envm.toml",
        "[tools]\npython = \"3.11\"\n\n[python]\nvenv = \".venv\"\n",
    );
    let python = |args: &[&str]| {
        let mut cmd = crate::support::toolchains::shim(&env, "python3", &env.work, args);
        cmd.env_remove("VIRTUAL_ENV");
        Run::of(cmd).ok().stdout
    };
    let prefix = "import sys, os; print(sys.prefix, os.environ.get('VIRTUAL_ENV'))";
    // No venv yet: the interpreter itself.
    let before = python(&["-c", prefix]);
    assert!(before.ends_with(" None\n"), "{before}");
    Run::of(env.envm(["venv"])).ok();
    let venv = env.work.join(".venv");
    assert_eq!(
        python(&["-c", prefix]),
        format!("{0} {0}\n", venv.display())
    );
    let which = Run::of(env.envm(["which", "python3"])).ok().stdout;
    assert_eq!(which.trim(), venv.join("bin/python3").display().to_string());
    // Activation: the venv's bin leads PATH, then the interpreter's.
    let mut hook = env.envm(["hook-env", "bash"]);
    hook.env("PATH", "/usr/bin:/bin");
    let out = Run::of(hook).ok().stdout;
    assert!(
        out.contains(&format!(
            "export PATH='{}:{}:/usr/bin:/bin';",
            venv.join("bin").display(),
            bin.display()
        )),
        "{out}"
    );
}
