//! The completion scripts committed under `completions/` are exactly what
//! `envm completions SHELL` prints for all five shells, so they never drift from the CLI
//! (regenerate them with `scripts/gen-completions`); hidden commands stay out of them; and the
//! `TOOL@VERSION` arguments complete dynamically to tool names and installed versions, through
//! the hidden `envm complete`, in real bash and fish.

use std::process::Command;

use crate::support::{Run, TestEnv, envm_bin};

const SHELLS: [(&str, &str); 5] = [
    ("bash", "envm.bash"),
    ("zsh", "_envm"),
    ("fish", "envm.fish"),
    ("elvish", "envm.elv"),
    ("powershell", "_envm.ps1"),
];

fn repo() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_completions_match_the_cli() {
    let env = TestEnv::new();
    for (shell, file) in SHELLS {
        let generated = Run::of(env.envm(["completions", shell])).ok().stdout;
        let committed = std::fs::read_to_string(repo().join("completions").join(file))
            .unwrap_or_else(|e| panic!("completions/{file}: {e}; run scripts/gen-completions"));
        assert!(
            generated == committed,
            "completions/{file} is out of date with the CLI: run scripts/gen-completions"
        );
        assert!(
            generated.contains("current"),
            "{shell} completion lacks a subcommand"
        );
        assert!(
            !generated.contains("hook-env"),
            "{shell} completes the hidden hook-env"
        );
        assert!(
            generated.contains("envm complete"),
            "{shell} has no dynamic completion"
        );
    }
}

/// A test world with node 22.11.0 and 20.18.1 and go 1.23.4 installed.
fn with_installs() -> TestEnv {
    let env = TestEnv::new();
    env.fake_install("node", "22.11.0", &["node"], None);
    env.fake_install("node", "20.18.1", &["node"], None);
    env.fake_install("go", "1.23.4", &["go"], None);
    env
}

fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_complete_helper_lists_tools_and_installed_versions() {
    let env = with_installs();
    let run = Run::of(env.envm(["complete", "uninstall", "node@"])).ok();
    assert_eq!(lines(&run.stdout), ["node@22.11.0", "node@20.18.1"]);
    let run = Run::of(env.envm(["complete", "uninstall", "node@2"])).ok();
    assert_eq!(lines(&run.stdout), ["node@22.11.0", "node@20.18.1"]);
    // uninstall offers only tools with installs; install offers every tool.
    let run = Run::of(env.envm(["complete", "uninstall", ""])).ok();
    assert_eq!(lines(&run.stdout), ["node@", "go@"]);
    let run = Run::of(env.envm(["complete", "install", "n"])).ok();
    assert_eq!(lines(&run.stdout), ["node"]);
    let help = Run::of(env.envm(["--help"])).ok().stdout;
    assert!(
        !help.contains("complete ") && !help.contains("hook-env"),
        "{help}"
    );
}

/// Runs `script` in `shell` with the test's envm first on PATH.
fn shell(env: &TestEnv, shell: &str, script: &str) -> String {
    let bin_dir = envm_bin().parent().expect("bin dir").to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(shell);
    cmd.arg("-c").arg(script);
    env.prepare(&mut cmd);
    cmd.env("PATH", path);
    let run = Run::of(cmd).ok();
    run.stdout
}

#[test]
fn bash_and_fish_complete_installed_versions_after_the_at() {
    let env = with_installs();
    let bash = repo().join("completions/envm.bash");
    let script = format!(
        r#"source '{}'
COMP_LINE='envm uninstall node@2'; COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=(envm uninstall node @ 2); COMP_CWORD=4
_envm_dynamic envm 2 @
printf '%s\n' "${{COMPREPLY[@]}}""#,
        bash.display()
    );
    let out = shell(&env, "bash", &script);
    assert_eq!(lines(&out), ["22.11.0", "20.18.1"], "bash: {out}");

    if Command::new("fish").arg("--version").output().is_ok() {
        let fish = repo().join("completions/envm.fish");
        let script = format!(
            "source '{}'; complete -C 'envm uninstall node@'",
            fish.display()
        );
        let out = shell(&env, "fish", &script);
        let got: Vec<&str> = lines(&out)
            .into_iter()
            .map(|l| l.split('\t').next().unwrap_or(l))
            .collect();
        assert_eq!(got, ["node@20.18.1", "node@22.11.0"], "fish: {out}");
    }
}

#[test]
fn zsh_completes_installed_versions_on_tab() {
    if Command::new("zsh").arg("--version").output().is_err() {
        return;
    }
    let env = with_installs();
    let functions = env.root().join("zfunc");
    std::fs::create_dir_all(&functions).unwrap();
    std::fs::copy(repo().join("completions/_envm"), functions.join("_envm")).unwrap();
    let bin_dir = envm_bin().parent().expect("bin dir").to_path_buf();
    let mut cmd = Command::new("zsh");
    cmd.args(["-f", "-i"]);
    env.prepare(&mut cmd);
    cmd.env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("TERM", "dumb");
    let mut zsh = crate::support::pty::PtyShell::spawn(cmd);
    zsh.send(&format!(
        "PS1='ZP> '; fpath=({} $fpath); autoload -U compinit; compinit -u -D; echo R''EADY",
        functions.display()
    ));
    let timeout = std::time::Duration::from_secs(20);
    zsh.wait_until("zsh to start", timeout, || {
        let out = zsh.output();
        out.split_once("READY")
            .is_some_and(|(_, after)| after.contains("ZP> "))
    });
    zsh.type_keys("envm uninstall node@\t\t");
    zsh.wait_until("the installed versions", timeout, || {
        let out = zsh.output();
        out.contains("node@22.11.0") && out.contains("node@20.18.1")
    });
    // Ctrl-U clears the line; then leave.
    zsh.type_keys("\x15");
    zsh.send("exit");
    zsh.finish(timeout);
}
