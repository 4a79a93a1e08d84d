//! The trust gate (issue 8, items 3, 4, 6, 14, 15, 20, 21, 22): what a cloned repository's pin
//! files may make envm do before the user ran `envm trust` on them. Planted "repo code" only
//! writes a marker file in the test's own temp folder, so a failing check is harmless.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::sandbox::{Sbx, Who};
use crate::support::toolchains::shim;
use crate::support::{Run, TestEnv, write_executable, write_file};

/// A script that proves it ran by creating `marker`, then prints `label`.
fn planted(path: &Path, marker: &Path, label: &str) {
    write_executable(
        path,
        &format!("#!/bin/sh\ntouch '{}'\necho {label}\n", marker.display()),
    );
}

fn marker(env: &TestEnv) -> PathBuf {
    env.root().join("repo-code-ran")
}

fn hook_path(env: &TestEnv) -> Run {
    let mut hook = env.envm(["hook-env", "bash"]);
    hook.env("PATH", "/usr/bin:/bin");
    Run::of(hook)
}

#[test]
fn symlinked_envm_toml_is_not_trusted_through_its_target() {
    let env = TestEnv::new();
    env.write("trusted/envm.toml", "[env]\nDEPLOY_TOKEN = \"s3cret\"\n");
    let mut trust = env.envm(["trust", "envm.toml"]);
    trust.current_dir(env.work.join("trusted"));
    Run::of(trust).ok();
    std::fs::create_dir_all(env.work.join("evil")).unwrap();
    let link = env.work.join("evil/envm.toml");
    std::os::unix::fs::symlink("../trusted/envm.toml", &link).unwrap();

    let mut vars = env.envm(["env", "--json"]);
    vars.current_dir(env.work.join("evil"));
    let run = Run::of(vars);
    assert!(!run.stdout.contains("s3cret"), "{}", run.stdout);
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stderr.contains("not trusted"), "{}", run.stderr);

    // Trusting the link itself is refused: trust names a file at its own path.
    let run = Run::of(env.envm(["trust", "evil/envm.toml"]));
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);

    // The real project keeps its trust.
    let mut vars = env.envm(["env", "--json"]);
    vars.current_dir(env.work.join("trusted"));
    assert!(Run::of(vars).ok().stdout.contains("s3cret"));
}

#[test]
fn path_pin_in_nvmrc_runs_only_once_trusted() {
    let env = TestEnv::new();
    env.fake_install("node", "22.11.0", &["node"], None);
    Run::of(env.envm(["reshim"])).ok();
    let ran = marker(&env);
    planted(&env.work.join("tc/bin/node"), &ran, "repo-node");
    env.write(".nvmrc", "path:tc\n");

    let run = Run::of(shim(&env, "node", &env.work, ["-v"]));
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stderr.contains("envm trust"), "{}", run.stderr);
    assert!(run.stderr.contains(".nvmrc"), "{}", run.stderr);
    for args in [&["which", "node"][..], &["exec", "--", "node", "-v"]] {
        let run = Run::of(env.envm(args));
        assert_ne!(run.code, Some(0), "{args:?}: {}", run.stdout);
        assert!(run.stderr.contains("envm trust"), "{}", run.stderr);
    }
    assert!(!ran.exists(), "the repo's node ran untrusted");

    Run::of(env.envm(["trust", ".nvmrc"])).ok();
    let run = Run::of(shim(&env, "node", &env.work, ["-v"])).ok();
    assert_eq!(run.stdout, "repo-node\n");
    // An edit revokes it.
    env.write(".nvmrc", "path:tc\n# edited\n");
    Run::of(shim(&env, "node", &env.work, ["-v"])).code(1);
}

#[test]
fn path_pin_in_tool_versions_stays_off_path_under_activation() {
    let env = TestEnv::new();
    let ran = marker(&env);
    for name in ["zig", "ls", "git"] {
        planted(&env.work.join(name), &ran, name);
    }
    env.write(".tool-versions", "zig path:.\n");
    let work = env.work.display().to_string();

    let run = hook_path(&env).ok();
    let path_line = run.stdout.lines().find(|l| l.starts_with("export PATH="));
    assert!(
        path_line.is_none_or(|l| !l.contains(&work)),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("envm trust"), "{}", run.stderr);
    let vars = Run::of(env.envm(["env", "--json"])).ok().json();
    assert!(!vars["PATH"].as_str().unwrap().contains(&work), "{vars}");

    Run::of(env.envm(["trust", ".tool-versions"])).ok();
    let run = hook_path(&env).ok();
    assert!(
        run.stdout.contains(&format!("export PATH='{work}")),
        "{}",
        run.stdout
    );
    assert!(!ran.exists());
}

#[test]
fn unreadable_pin_or_config_file_is_an_error() {
    let s = Sbx::new(Who::Unprivileged);
    s.fake_node();
    Run::of(s.envm(&["reshim"])).ok();
    let project = s.project().to_path_buf();
    write_file(&project.join(".nvmrc"), "22\n");
    let config = project.join("envm.toml");
    write_file(&config, "[sandbox]\npolicy = \"read-only\"\n");
    s.hand_over();
    let node = s.env.shims_dir().join("node");
    let run_node = || {
        let mut cmd = s.as_user(&node);
        cmd.current_dir(&project).arg("-v");
        Run::of(cmd)
    };
    let lock = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };

    // What code inside the sandbox could do: make the config unreadable for the next run.
    lock(&config, 0o000);
    let run = run_node();
    assert_eq!(run.code, Some(1), "ran: {}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
    assert!(run.stderr.contains("envm.toml"), "{}", run.stderr);
    let run = Run::of(s.envm(&["exec", "--", "/bin/true"]));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let mut hook = s.envm(&["hook-env", "bash"]);
    hook.current_dir(&project);
    let run = Run::of(hook);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
    assert!(!run.stdout.contains("installs/node"), "{}", run.stdout);

    // A tool's own pin file too.
    lock(&config, 0o644);
    lock(&project.join(".nvmrc"), 0o000);
    let run = run_node();
    assert_eq!(run.code, Some(1), "ran: {}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(".nvmrc"), "{}", run.stderr);
}

#[test]
fn unknown_table_or_key_in_envm_toml_is_an_error() {
    let env = TestEnv::new();
    env.fake_install("node", "22.11.0", &["node"], None);
    Run::of(env.envm(["reshim"])).ok();
    for (text, line, name) in [
        (
            "[tools]\nnode = \"22\"\n\n[sandbx]\npolicy = \"read-only\"\n",
            4,
            "sandbx",
        ),
        (
            "[tools]\nnode = \"22\"\n[python]\nvenv = \".venv\"\nvenvv = \"x\"\n",
            5,
            "venvv",
        ),
    ] {
        env.write("envm.toml", text);
        let at = format!("envm.toml:{line}");
        for run in [
            Run::of(shim(&env, "node", &env.work, ["-v"])),
            Run::of(env.envm(["exec", "--", "true"])),
            Run::of(env.envm(["current"])),
        ] {
            assert_eq!(run.code, Some(1), "{text}\n{}", run.stdout);
            assert!(run.stderr.contains(&at), "{at}: {}", run.stderr);
            assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
        }
    }
}

/// A python install whose `python3` prints `envm-python`, and a planted foreign venv at
/// `rel` (relative to the work folder) whose `bin/` writes the marker.
fn foreign_venv(env: &TestEnv, rel: &str) -> PathBuf {
    env.fake_install("python", "3.11.99", &["python3"], None);
    Run::of(env.envm(["reshim"])).ok();
    let venv = env.work.join(rel);
    write_file(&venv.join("pyvenv.cfg"), "home = /usr/bin\n");
    for name in ["python3", "ls", "git"] {
        planted(&venv.join("bin").join(name), &marker(env), "repo-python");
    }
    venv
}

#[test]
fn foreign_venv_needs_trust() {
    let env = TestEnv::new();
    let venv = foreign_venv(&env, "tools/fakevenv");
    env.write(
        "envm.toml",
        "[tools]\npython = \"3.11\"\n\n[python]\nvenv = \"tools/fakevenv\"\n",
    );
    let run = Run::of(shim(&env, "python3", &env.work, ["-V"]));
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stderr.contains("envm trust"), "{}", run.stderr);
    let run = hook_path(&env).ok();
    assert!(
        !run.stdout.contains(&venv.display().to_string()),
        "{}",
        run.stdout
    );
    assert!(!marker(&env).exists(), "the repo's venv ran untrusted");

    Run::of(env.envm(["trust"])).ok();
    let run = Run::of(shim(&env, "python3", &env.work, ["-V"])).ok();
    assert_eq!(run.stdout, "repo-python\n");
}

#[test]
fn venv_outside_the_project_is_refused_even_trusted() {
    let env = TestEnv::new();
    let outside = foreign_venv(&env, "../x");
    for setting in ["../x".to_string(), outside.display().to_string()] {
        env.write(
            "envm.toml",
            &format!("[tools]\npython = \"3.11\"\n\n[python]\nvenv = \"{setting}\"\n"),
        );
        Run::of(env.envm(["trust"]));
        let run = Run::of(shim(&env, "python3", &env.work, ["-V"]));
        assert_eq!(run.code, Some(1), "{setting}: {}", run.stdout);
        assert!(
            run.stderr.contains("envm.toml:5") && run.stderr.contains("inside the project"),
            "{}",
            run.stderr
        );
        let run = hook_path(&env);
        assert!(!run.stdout.contains("/x/bin"), "{}", run.stdout);
    }
    assert!(!marker(&env).exists());
}

#[test]
fn envm_venv_refuses_a_target_outside_the_project() {
    let env = TestEnv::new();
    // An interpreter whose `-m venv DIR` just makes DIR/pyvenv.cfg.
    let install = env.fake_install("python", "3.11.99", &[], None);
    write_executable(
        &install.join("bin/python3"),
        "#!/bin/sh\nmkdir -p \"$3\" && echo 'home = /' > \"$3/pyvenv.cfg\"\n",
    );
    let escaped = env.root().join("escaped");
    env.write(
        "envm.toml",
        "[tools]\npython = \"3.11\"\n\n[python]\nvenv = \"../escaped\"\n",
    );
    let run = Run::of(env.envm(["venv"]));
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(!escaped.exists(), "envm venv wrote outside the project");

    env.write("envm.toml", "[tools]\npython = \"3.11\"\n");
    for target in ["../escaped", "/tmp/../.."] {
        let run = Run::of(env.envm(["venv", target]));
        assert_eq!(run.code, Some(1), "{target}: {}", run.stdout);
        assert!(
            run.stderr.contains("not inside the project"),
            "{}",
            run.stderr
        );
    }
    assert!(!escaped.exists());
    // Inside: made, recorded as envm's own, and used without trust.
    Run::of(env.envm(["venv", "inner"])).ok();
    assert!(env.work.join("inner/pyvenv.cfg").is_file());
    // A folder envm did not make is never taken over (its planted bin/ would survive).
    write_file(&env.work.join("planted/bin/ls"), "x");
    let run = Run::of(env.envm(["venv", "planted"]));
    assert_eq!(run.code, Some(1), "{}", run.stdout);
}

#[test]
fn trust_lists_every_widening_before_recording() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.work.join("tc/bin")).unwrap();
    std::fs::create_dir_all(env.work.join("v")).unwrap();
    std::fs::write(env.work.join("v/pyvenv.cfg"), "home = /\n").unwrap();
    env.write(
        "envm.toml",
        "[tools]\nzig = \"path:tc\"\n\n[env]\nPIP_CACHE_DIR = \"$HOME\"\nGREETING = \"hi\"\n\n[python]\nvenv = \"v\"\n\n[sandbox]\nallow_net = true\n",
    );
    let run = Run::of(env.envm(["trust"])).ok();
    let out = &run.stdout;
    let home = env.home.display().to_string();
    for want in [
        "PIP_CACHE_DIR",
        home.as_str(),
        "GREETING",
        "allow_net",
        "`path:` pin",
        "tc",
        "virtualenv",
    ] {
        assert!(out.contains(want), "missing {want}:\n{out}");
    }
    let trusted_at = out.find("trusted ").unwrap();
    assert!(out.find("PIP_CACHE_DIR").unwrap() < trusted_at, "{out}");

    // A pin file other than envm.toml: its path: pins.
    env.write(".nvmrc", "path:tc\n");
    let out = Run::of(env.envm(["trust", ".nvmrc"])).ok().stdout;
    assert!(out.contains("`path:` pin"), "{out}");
}

/// bash, zsh and fish: statements `envm env --shell` and `envm hook-env` print, evaluated.
fn eval_in(env: &TestEnv, shell: &str) {
    let envm = crate::support::envm_bin();
    let script = match shell {
        "fish" => format!(
            "{0} env --shell fish | source; {0} hook-env fish | source; true",
            envm.display()
        ),
        _ => format!(
            "eval \"$({0} env --shell {shell})\"; eval \"$({0} hook-env {shell})\"; true",
            envm.display()
        ),
    };
    let mut cmd = Command::new(shell);
    cmd.args(["-c", &script]);
    env.prepare(&mut cmd);
    cmd.env("XDG_CONFIG_HOME", env.home.join(".config"))
        .env("XDG_DATA_HOME", env.home.join(".local/share"));
    Run::of(cmd);
}

#[test]
fn env_names_never_become_shell_code() {
    let env = TestEnv::new();
    let ran = marker(&env);
    let m = ran.display();
    for (entry, name) in [
        (format!("\"X;touch {m};Y\" = \"1\""), "X;touch"),
        (format!("\"A\\ntouch {m}\\nB\" = \"1\""), "touch"),
        ("ENVM_HOME = \"/tmp\"".to_string(), "ENVM_HOME"),
        ("__ENVM_STATE = \"x\"".to_string(), "__ENVM_STATE"),
    ] {
        env.write("envm.toml", &format!("[env]\n{entry}\n"));
        let run = Run::of(env.envm(["trust"]));
        assert_eq!(run.code, Some(1), "{entry}: {}", run.stdout);
        assert!(run.stderr.contains("envm.toml:2"), "{}", run.stderr);
        assert!(run.stderr.contains(name), "{}", run.stderr);
        assert!(
            !run.stderr.contains('\x1b') && !run.stderr.contains("\ntouch"),
            "{:?}",
            run.stderr
        );
        for shell in ["bash", "zsh", "fish"] {
            eval_in(&env, shell);
            assert!(
                !ran.exists(),
                "{shell} ran code from the [env] name {entry}"
            );
        }
    }
}

// Inside envm's sandbox, Landlock hides pin files above the project (`~/.tool-versions`):
// those are skipped there, as before, while a file made unreadable by its permissions is an
// error everywhere.
crate::both_users!(
    pin_files_hidden_by_the_sandbox_are_skipped_inside_it,
    |who| {
        let s = Sbx::new(who);
        write_file(&s.env.home.join(".tool-versions"), "python system\n");
        let project = s.env.home.join("proj");
        write_file(&project.join("a.txt"), "x\n");
        s.hand_over();
        let envm = crate::support::sandbox::user_envm();
        let mut cmd = s.envm(&[
            OsStr::new("exec"),
            OsStr::new("--sandbox"),
            OsStr::new("--"),
        ]);
        cmd.arg(&envm).arg("current").current_dir(&project);
        let run = Run::of(cmd);
        assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
        assert!(!run.stderr.contains("cannot read"), "{}", run.stderr);
    }
);
