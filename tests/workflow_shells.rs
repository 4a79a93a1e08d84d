//! Real bash and zsh on a pseudo-terminal, in the workflows users already have: `cd proj &&
//! node` on one line (bash's DEBUG-trap hook), and a virtualenv the user activates with
//! `source .venv/bin/activate` staying in front of the hook's toolchains.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::pty::PtyShell;
use crate::support::toolchains::two_projects;
use crate::support::{TestEnv, envm_bin};

/// Quoted for bash and zsh (test paths hold no quotes).
fn q(path: &Path) -> String {
    format!("'{}'", path.display())
}

/// An interactive shell (`argv`) in `env`'s world with only the system folders on PATH;
/// `run` types lines, each recording one line into the results file, and returns them.
struct Session {
    shell: PtyShell,
    out_file: std::path::PathBuf,
    expected: usize,
}

impl Session {
    fn start(env: &TestEnv, argv: &[&str]) -> Session {
        let out_file = env.root().join("results.txt");
        std::fs::write(&out_file, "").unwrap();
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..]);
        env.prepare(&mut cmd);
        cmd.env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("TERM", "dumb")
            .env_remove("VIRTUAL_ENV");
        Session {
            shell: PtyShell::spawn(cmd),
            out_file,
            expected: 0,
        }
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.out_file)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Types `line` (`OUT` stands for the results file) without waiting.
    fn send(&mut self, line: &str) {
        self.shell.send(&line.replace("OUT", &q(&self.out_file)));
    }

    /// Types `line`, which appends one line to the results file, and waits for it.
    fn record(&mut self, line: &str) {
        self.send(line);
        self.expected += 1;
        let want = self.expected;
        self.shell
            .wait_until(line, Duration::from_secs(20), || self.lines().len() >= want);
    }

    fn finish(mut self) -> Vec<String> {
        self.send("exit");
        let lines = self.lines();
        self.shell.finish(Duration::from_secs(10));
        lines
    }
}

#[test]
fn bash_cd_and_run_on_one_line_uses_the_new_directorys_version() {
    let env = TestEnv::new();
    let p = two_projects(&env);
    let mut s = Session::start(&env, &["bash", "--norc", "--noprofile", "-i"]);
    // A DEBUG trap set before activation keeps running after it.
    s.send("trap '_mine=$((${_mine:-0}+1))' DEBUG");
    s.send(&format!("eval \"$({} activate bash)\"", q(&envm_bin())));
    s.record(&format!("cd {} && node --version >> OUT", q(&p.p20)));
    s.record(&format!("cd {} && node --version >> OUT", q(&p.p22)));
    s.record(&format!("cd {}; node --version >> OUT", q(&p.p20)));
    // A command that fails keeps its status for `$?` and `&&`.
    s.record("false; echo \"status:$?\" >> OUT");
    s.record("trap -p DEBUG >> OUT");
    s.record("echo \"mine:$((_mine > 0))\" >> OUT");
    let results = s.finish();
    assert_eq!(
        results[..4],
        ["v20.18.1", "v22.11.0", "v20.18.1", "status:1"]
    );
    assert!(
        results[4].contains("_envm_on_debug; _mine="),
        "{results:#?}"
    );
    assert_eq!(results[5], "mine:1");
}

/// `python -m venv` of the machine's python3 (a real activate script).
fn user_venv(at: &Path) {
    let status = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(at)
        .status()
        .expect("python3 must be on PATH (Debian: apt-get install python3)");
    assert!(status.success());
}

fn activated_venv_wins(argv: &[&str], activate: &str) {
    let env = TestEnv::new();
    let toolchain = env.fake_install("python", "3.12.7", &["python", "python3"], None);
    let project = env
        .write("proj/envm.toml", "[tools]\npython = \"3.12\"\n")
        .parent()
        .unwrap()
        .to_path_buf();
    std::fs::create_dir_all(project.join("sub")).unwrap();
    let venv = project.join("uvenv");
    user_venv(&venv);
    let mut s = Session::start(&env, argv);
    s.send(&format!("eval \"$({} {activate})\"", q(&envm_bin())));
    s.send(&format!("cd {}", q(&project)));
    let record = "echo \"$(command -v python)|${VIRTUAL_ENV:-}\" >> OUT";
    s.record(record);
    s.send("source uvenv/bin/activate");
    s.record(record);
    // Moving inside the project makes the hook recompute: the venv stays first.
    s.send("cd sub");
    s.record(record);
    s.send("deactivate");
    s.record(record);
    let results = s.finish();
    let ours = format!("{}|", toolchain.join("bin/python").display());
    let theirs = format!("{}|{}", venv.join("bin/python").display(), venv.display());
    assert_eq!(results, [ours.clone(), theirs.clone(), theirs, ours]);
}

#[test]
fn bash_a_venv_the_user_activates_wins() {
    activated_venv_wins(&["bash", "--norc", "--noprofile", "-i"], "activate bash");
}

#[test]
fn zsh_a_venv_the_user_activates_wins() {
    activated_venv_wins(&["zsh", "-f", "-i"], "activate zsh");
}
