//! Shell activation: real interactive bash, zsh and fish on a pseudo-terminal evaluating
//! `envm activate`, moving between projects; `envm hook-env`'s cache and PATH hygiene; the
//! init scripts pass shellcheck.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::pty::PtyShell;
use crate::support::toolchains::{TwoProjects, two_projects};
use crate::support::{Run, TestEnv, envm_bin};

/// Quoted for all three shells (test paths hold no quotes).
fn q(path: &Path) -> String {
    format!("'{}'", path.display())
}

struct ShellSyntax {
    /// argv of an interactive shell that reads no startup files.
    argv: &'static [&'static str],
    activate: &'static str,
    /// Appends `TAG:` and the output of `node --version` (or PATH) to the results file.
    record_node: &'static str,
    record_path: &'static str,
}

const BASH: ShellSyntax = ShellSyntax {
    argv: &["bash", "--norc", "--noprofile", "-i"],
    activate: "eval \"$(ENVM activate bash)\"",
    record_node: "echo \"TAG:$(node --version 2>&1)\" >> OUT",
    record_path: "echo \"PATH:$PATH\" >> OUT",
};
const ZSH: ShellSyntax = ShellSyntax {
    argv: &["zsh", "-f", "-i"],
    activate: "eval \"$(ENVM activate zsh)\"",
    record_node: "echo \"TAG:$(node --version 2>&1)\" >> OUT",
    record_path: "echo \"PATH:$PATH\" >> OUT",
};
const FISH: ShellSyntax = ShellSyntax {
    argv: &["fish", "--no-config", "-i"],
    activate: "ENVM activate fish | source",
    record_node: "echo \"TAG:\"(node --version 2>&1) >> OUT",
    record_path: "echo \"PATH:\"(string join : $PATH) >> OUT",
};

/// Drives one interactive shell through two projects and back, 50 prompts of `cd`, and a
/// folder without pins; checks what `node --version` says each time and PATH's hygiene.
fn activation_in_real_shell(syntax: &ShellSyntax) {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let out_file = env.root().join("results.txt");
    std::fs::write(&out_file, "").unwrap();
    let mut cmd = Command::new(syntax.argv[0]);
    cmd.args(&syntax.argv[1..]);
    env.prepare(&mut cmd);
    // No node anywhere on PATH unless envm puts one there.
    cmd.env("PATH", "/usr/local/bin:/bin")
        .env("TERM", "dumb")
        .env("XDG_CONFIG_HOME", env.home.join(".config"))
        .env("XDG_DATA_HOME", env.home.join(".local/share"));
    let mut shell = PtyShell::spawn(cmd);
    let fill = |line: &str, tag: &str| {
        line.replace("ENVM", &q(&envm_bin()))
            .replace("OUT", &q(&out_file))
            .replace("TAG", tag)
    };
    let lines = || {
        std::fs::read_to_string(&out_file)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let mut expected = 0;
    let mut step = |shell: &mut PtyShell, line: String, records: bool| {
        shell.send(&line);
        if records {
            expected += 1;
            let want = expected;
            shell.wait_until(&line, Duration::from_secs(20), || lines().len() >= want);
        }
    };
    step(&mut shell, fill(syntax.activate, ""), false);
    let sub = p.p22.join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    let visits: [(&Path, &str); 5] = [
        (&p.p20, "v20.18.1"),
        (&p.p22, "v22.11.0"),
        (&sub, "v22.11.0"),
        (&p.p20, "v20.18.1"),
        (&p.p22, "v22.11.0"),
    ];
    for (i, (dir, _)) in visits.iter().enumerate() {
        step(&mut shell, format!("cd {}", q(dir)), false);
        step(&mut shell, fill(syntax.record_node, &format!("v{i}")), true);
    }
    for i in 0..50 {
        let dir = if i % 2 == 0 {
            p.p20.clone()
        } else {
            p.sub_or_root(i)
        };
        step(&mut shell, format!("cd {}", q(&dir)), false);
    }
    // Prompt 51: in p22 (the loop ends at i = 49, which is p22 itself).
    step(&mut shell, fill(syntax.record_node, "after50"), true);
    step(&mut shell, fill(syntax.record_path, ""), true);
    step(&mut shell, format!("cd {}", q(&env.work)), false);
    step(&mut shell, fill(syntax.record_path, ""), true);
    shell.send("exit");
    shell.finish(Duration::from_secs(10));

    let results = lines();
    for (i, (_, want)) in visits.iter().enumerate() {
        assert_eq!(results[i], format!("v{i}:{want}"), "all: {results:#?}");
    }
    assert_eq!(results[5], "after50:v22.11.0", "all: {results:#?}");
    let path_in_p22 = results[6].strip_prefix("PATH:").unwrap();
    let entries: Vec<&str> = path_in_p22.split(':').collect();
    let unique: HashSet<&&str> = entries.iter().collect();
    assert_eq!(
        unique.len(),
        entries.len(),
        "duplicates in PATH: {path_in_p22}"
    );
    assert_eq!(entries[0], p.bin22.display().to_string());
    assert!(!path_in_p22.contains(&p.bin20.display().to_string()));
    assert_eq!(entries.len(), 3, "PATH grew: {path_in_p22}");
    // Leaving the projects takes their toolchains off PATH.
    assert_eq!(results[7], "PATH:/usr/local/bin:/bin", "all: {results:#?}");
}

impl TwoProjects {
    /// p22 or one of its subfolders, alternating, so prompts move between pins and between
    /// folders of one project.
    fn sub_or_root(&self, i: usize) -> std::path::PathBuf {
        if i % 4 == 1 {
            self.p22.clone()
        } else {
            self.p22.join("a")
        }
    }
}

#[test]
fn bash_prompt_hook_follows_cd() {
    activation_in_real_shell(&BASH);
}

#[test]
fn zsh_prompt_hook_follows_cd() {
    activation_in_real_shell(&ZSH);
}

#[test]
fn fish_prompt_hook_follows_cd() {
    activation_in_real_shell(&FISH);
}

/// Runs `envm hook-env bash` in `dir` with the given PATH and state.
fn hook(env: &TestEnv, dir: &Path, path: &str, state: Option<&str>) -> String {
    let mut cmd = env.envm(["hook-env", "bash"]);
    cmd.current_dir(dir).env("PATH", path);
    if let Some(state) = state {
        cmd.env("__ENVM_STATE", state);
    }
    Run::of(cmd).ok().stdout
}

/// The value a line `export NAME='…';` of hook output gives NAME.
fn exported(out: &str, name: &str) -> Option<String> {
    out.lines().find_map(|l| {
        l.strip_prefix(&format!("export {name}='"))
            .and_then(|v| v.strip_suffix("';"))
            .map(str::to_string)
    })
}

#[test]
fn hook_env_is_silent_until_the_directory_or_a_pin_file_changes() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let first = hook(&env, &p.p20, "/usr/bin:/bin", None);
    let path = exported(&first, "PATH").unwrap();
    assert_eq!(path, format!("{}:/usr/bin:/bin", p.bin20.display()));
    let state = exported(&first, "__ENVM_STATE").unwrap();
    assert_eq!(hook(&env, &p.p20, &path, Some(&state)), "");
    // Editing the pin file changes the answer.
    std::thread::sleep(Duration::from_millis(20));
    env.write("p20/.nvmrc", "22\n");
    let changed = hook(&env, &p.p20, &path, Some(&state));
    let new_path = exported(&changed, "PATH").unwrap();
    assert_eq!(new_path, format!("{}:/usr/bin:/bin", p.bin22.display()));
    // A new pin file in a nearer folder too.
    let state = exported(&changed, "__ENVM_STATE").unwrap();
    let sub = p.p20.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let in_sub = hook(&env, &sub, &new_path, Some(&state));
    let state = exported(&in_sub, "__ENVM_STATE").unwrap();
    assert_eq!(hook(&env, &sub, &new_path, Some(&state)), "");
    env.write("p20/sub/.node-version", "18\n");
    let out = hook(&env, &sub, &new_path, Some(&state));
    assert!(
        exported(&out, "PATH").unwrap().starts_with(
            &env.data()
                .join("installs/node/18.20.5/bin")
                .display()
                .to_string()
        ),
        "{out}"
    );
    // PATH reset by the user behind the hook's back: the toolchain is put back.
    let out = hook(&env, &p.p22, "/usr/bin:/bin", None);
    let state = exported(&out, "__ENVM_STATE").unwrap();
    let again = hook(&env, &p.p22, "/usr/bin:/bin", Some(&state));
    assert_eq!(
        exported(&again, "PATH").unwrap(),
        format!("{}:/usr/bin:/bin", p.bin22.display())
    );
}

#[test]
fn the_prompt_hook_runs_envm_shim_which_answers_as_envm_does() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let script = Run::of(env.envm(["activate", "bash"])).ok().stdout;
    let shim_bin = crate::support::shim_bin();
    assert!(
        script.starts_with(&format!("_ENVM_BIN={}\n", q(&shim_bin))),
        "{script}"
    );
    // The same output from both binaries, first visit and unchanged.
    let answer = |bin: &Path, state: Option<&str>, path: &str| {
        let mut cmd = Command::new(bin);
        cmd.args(["hook-env", "bash"]);
        env.prepare(&mut cmd);
        cmd.current_dir(&p.p22).env("PATH", path);
        if let Some(state) = state {
            cmd.env("__ENVM_STATE", state);
        }
        Run::of(cmd).ok().stdout
    };
    let first = answer(&shim_bin, None, "/usr/bin:/bin");
    assert_eq!(first, answer(&envm_bin(), None, "/usr/bin:/bin"));
    let path = exported(&first, "PATH").unwrap();
    assert_eq!(path, format!("{}:/usr/bin:/bin", p.bin22.display()));
    let state = exported(&first, "__ENVM_STATE").unwrap();
    assert_eq!(answer(&shim_bin, Some(&state), &path), "");
    // Anything else is not a hook: envm-shim only says what it is.
    let mut cmd = Command::new(&shim_bin);
    cmd.args(["hook-env", "tcsh"]);
    env.prepare(&mut cmd);
    Run::of(cmd).code(2);
}

#[test]
fn activate_shims_puts_the_shims_folder_on_path_once() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let script = format!(
        "eval \"$({envm} activate bash --shims)\"; eval \"$({envm} activate bash --shims)\"; echo \"$PATH\"; node --version",
        envm = q(&envm_bin())
    );
    let mut cmd = Command::new("bash");
    cmd.args(["--norc", "-c", &script]);
    env.prepare(&mut cmd);
    cmd.current_dir(&p.p20).env("PATH", "/usr/local/bin:/bin");
    let out = Run::of(cmd).ok();
    assert_eq!(
        out.stdout,
        format!(
            "{}:/usr/local/bin:/bin\nv20.18.1\n",
            env.shims_dir().display()
        )
    );
}

#[test]
fn bash_init_script_passes_shellcheck() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("shims/envm.bash");
    let out = Command::new("shellcheck")
        .args(["--shell=bash", "--severity=style"])
        .arg(&script)
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => panic!("cannot run shellcheck ({e}): run .ci/deps to install it"),
    };
    assert!(
        out.status.success(),
        "shellcheck found problems:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // What `envm activate bash` prints (the script plus the line naming envm) too.
    let env = TestEnv::new();
    let printed = Run::of(env.envm(["activate", "bash"])).ok().stdout;
    let file = env.root().join("printed.bash");
    std::fs::write(&file, printed).unwrap();
    let out = Command::new("shellcheck")
        .args(["--shell=bash", "--severity=style"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_sandboxed_project_is_activated_through_the_shims() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    // Without [sandbox]: the toolchain's own folder leads PATH.
    let out = hook(&env, &p.p22, "/usr/bin:/bin", None);
    assert_eq!(
        exported(&out, "PATH").unwrap(),
        format!("{}:/usr/bin:/bin", p.bin22.display())
    );
    // With it, the shims do (each applies the project's sandbox); the bare toolchain folder
    // is not on PATH at all.
    let state = exported(&out, "__ENVM_STATE").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    env.write(
        "p22/envm.toml",
        "[tools]\nnode = \"22\"\n\n[sandbox]\npolicy = \"read-only\"\n",
    );
    let out = hook(
        &env,
        &p.p22,
        &format!("{}:/usr/bin:/bin", p.bin22.display()),
        Some(&state),
    );
    assert_eq!(
        exported(&out, "PATH").unwrap(),
        format!("{}:/usr/bin:/bin", env.shims_dir().display())
    );
}
