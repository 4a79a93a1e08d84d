//! envm as a CI step (issue 9): `GITHUB_PATH` / `GITHUB_ENV` after `envm install`,
//! `ENVM_TRUSTED_CONFIG_PATHS`, plain event lines under `CI` and one progress line per
//! parallel download on a terminal, `envm env --json`'s `ENVM_PATH_ADDED`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::dist::{self, Dist, Fault};
use crate::support::pty::PtyShell;
use crate::support::{Run, TestEnv};

/// What the GitHub runner does with `$GITHUB_PATH` and `$GITHUB_ENV` before the next step:
/// each path line is put in front of PATH in turn (so the last line ends up first), each
/// `NAME=VALUE` or `NAME<<DELIM … DELIM` entry is exported.
pub const APPLY_GITHUB_FILES: &str = r#"
while IFS= read -r line; do
  [ -n "$line" ] && PATH="$line:$PATH"
done < "$GITHUB_PATH"
while IFS= read -r line; do
  case $line in
    *'<<'*)
      name=${line%%<<*}; delim=${line#*<<}; value=; first=1
      while IFS= read -r body && [ "$body" != "$delim" ]; do
        if [ $first = 1 ]; then value=$body; first=0; else value="$value"$'\n'"$body"; fi
      done
      export "$name=$value" ;;
    *=*) export "${line%%=*}=${line#*=}" ;;
  esac
done < "$GITHUB_ENV"
export PATH
"#;

/// A fresh `bash -c` that applies the GitHub files of `env`'s root, then runs `script` in
/// `dir`, with no `ENVM_*` variable and a plain system PATH.
pub fn next_step(env: &TestEnv, dir: &Path, script: &str) -> Run {
    let mut bash = Command::new("bash");
    bash.arg("-c")
        .arg(format!("{APPLY_GITHUB_FILES}\n{script}"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &env.home)
        .env("GITHUB_PATH", env.root().join("github_path"))
        .env("GITHUB_ENV", env.root().join("github_env"))
        .current_dir(dir);
    Run::of(bash)
}

/// `envm ARGS` as a GitHub Actions step: `GITHUB_*` files under the test root.
fn github_step(env: &TestEnv, dist: &Dist, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = env.envm(args);
    dist.env(&mut cmd);
    cmd.current_dir(dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_PATH", env.root().join("github_path"))
        .env("GITHUB_ENV", env.root().join("github_env"));
    cmd
}

const PROJECT: &str =
    "[tools]\nnode = \"22\"\n\n[env]\nGREETING = \"hello\"\nNOTE = \"\"\"two\nlines\"\"\"\n";

#[test]
fn install_exports_path_and_trusted_env_once_to_the_next_step() {
    let dist = Dist::start();
    let env = TestEnv::new();
    let proj = env.write("repo/envm.toml", PROJECT);
    let proj = proj.parent().unwrap();

    for _ in 0..2 {
        let mut cmd = github_step(&env, &dist, proj, &["install"]);
        cmd.env("ENVM_TRUSTED_CONFIG_PATHS", &env.work);
        Run::of(cmd).ok();
    }
    let paths = std::fs::read_to_string(env.root().join("github_path")).unwrap();
    let node_bin = env.data().join("installs/node/22.12.0/bin");
    assert_eq!(
        paths,
        format!("{}\n", node_bin.display()),
        "once, the bin folder"
    );
    let vars = std::fs::read_to_string(env.root().join("github_env")).unwrap();
    assert_eq!(vars.matches("GREETING<<ENVM_EOF_").count(), 1, "{vars}");
    assert_eq!(vars.matches("NOTE<<ENVM_EOF_").count(), 1, "{vars}");

    let run = next_step(
        &env,
        &env.root(),
        "node --version; echo \"$GREETING\"; printf '%s\\n' \"$NOTE\"",
    )
    .ok();
    assert_eq!(
        run.stdout, "v22.12.0\nhello\ntwo\nlines\n",
        "{}",
        run.stderr
    );
}

#[test]
fn untrusted_env_is_not_exported_and_first_pin_comes_first_on_path() {
    let dist = Dist::start();
    let env = TestEnv::new();
    let proj = env.write(
        "repo/envm.toml",
        "[tools]\nnode = [\"20\", \"22\"]\n\n[env]\nGREETING = \"hello\"\n",
    );
    let proj = proj.parent().unwrap();
    let run = Run::of(github_step(&env, &dist, proj, &["install"])).ok();
    assert!(
        run.stderr.contains("ENVM_TRUSTED_CONFIG_PATHS"),
        "{}",
        run.stderr
    );
    assert!(!env.root().join("github_env").exists());
    let run = next_step(&env, proj, "node --version; echo \"[$GREETING]\"").ok();
    assert_eq!(run.stdout, "v20.18.1\n[]\n");
    // Outside GitHub Actions nothing is written.
    let mut cmd = github_step(&env, &dist, proj, &["install"]);
    cmd.env("GITHUB_ACTIONS", "false")
        .env("GITHUB_PATH", env.root().join("other"));
    Run::of(cmd).ok();
    assert!(!env.root().join("other").exists());
}

/// `envm env --json` in `dir` with `ENVM_TRUSTED_CONFIG_PATHS=value`.
fn env_json(env: &TestEnv, dir: &Path, value: &str) -> Run {
    let mut cmd = env.envm(["env", "--json"]);
    cmd.current_dir(dir).env("ENVM_TRUSTED_CONFIG_PATHS", value);
    Run::of(cmd)
}

#[test]
fn trusted_config_paths_trust_only_files_really_under_them() {
    let env = TestEnv::new();
    let repo = env.write("ci/repo/envm.toml", "[env]\nTOKEN_NAME = \"ok\"\n");
    let repo = repo.parent().unwrap().to_path_buf();
    let ci = env.work.join("ci");

    let run = env_json(&env, &repo, &ci.display().to_string()).ok();
    assert_eq!(run.json()["TOKEN_NAME"], "ok");
    // Through a `..` and with other entries around it.
    let dotted = format!("/nonexistent::{}/..", repo.display());
    assert_eq!(
        env_json(&env, &repo, &dotted).ok().json()["TOKEN_NAME"],
        "ok"
    );

    // Entries that would mean "the current folder" are ignored, loudly.
    for value in ["", ":", ".", "ci", "repo", "./"] {
        let run = env_json(&env, &repo, value);
        assert_eq!(run.code, Some(1), "{value:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("not trusted"),
            "{value:?}: {}",
            run.stderr
        );
        if !value.is_empty() {
            assert!(run.stderr.contains("ignored"), "{value:?}: {}", run.stderr);
        }
    }
    // A sibling whose name starts the same is not under it.
    env.write("ci-evil/envm.toml", "[env]\nTOKEN_NAME = \"evil\"\n");
    let evil = env.work.join("ci-evil");
    env_json(&env, &evil, &ci.display().to_string()).code(1);

    // A symlinked project file is never trusted, whichever side the trusted folder is on.
    std::fs::create_dir_all(env.work.join("ci/link")).unwrap();
    std::os::unix::fs::symlink(evil.join("envm.toml"), env.work.join("ci/link/envm.toml")).unwrap();
    env_json(&env, &env.work.join("ci/link"), &ci.display().to_string()).code(1);
    std::fs::create_dir_all(env.work.join("out")).unwrap();
    std::os::unix::fs::symlink(repo.join("envm.toml"), env.work.join("out/envm.toml")).unwrap();
    env_json(&env, &env.work.join("out"), &ci.display().to_string()).code(1);

    // `/` trusts everything, as asked.
    assert_eq!(env_json(&env, &evil, "/").ok().json()["TOKEN_NAME"], "evil");
}

#[test]
fn env_json_names_the_path_entries_envm_added() {
    let env = TestEnv::new();
    let node = env.fake_install("node", "22.11.0", &["node"], None);
    let go = env.fake_install("go", "1.23.4", &["go"], None);
    env.write("envm.toml", "[tools]\nnode = \"22\"\ngo = \"1.23\"\n");
    let vars = Run::of(env.envm(["env", "--json"])).ok().json();
    let added = vars["ENVM_PATH_ADDED"].as_str().unwrap();
    let mut want = [node.join("bin"), go.join("bin")].map(|d| d.display().to_string());
    let mut got: Vec<&str> = added.split(':').collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    assert!(vars["PATH"].as_str().unwrap().starts_with(added));
}

fn has_terminal_codes(text: &str) -> bool {
    text.contains('\u{1b}') || text.contains('\r')
}

#[test]
fn ci_output_is_one_plain_line_per_event() {
    let dist = Dist::start();
    let env = TestEnv::new();
    let mut cmd = env.envm(["install", "node@22", "go@1.23"]);
    dist.env(&mut cmd);
    cmd.env("CI", "true").env("TERM", "xterm-256color");
    let run = Run::of(cmd).ok();
    assert!(!has_terminal_codes(&run.stdout), "{:?}", run.stdout);
    assert!(!has_terminal_codes(&run.stderr), "{:?}", run.stderr);
    let node = format!("node-v22.12.0-linux-{}.tar.xz", dist::node_arch());
    let go = format!("go1.23.4.linux-{}.tar.gz", dist::go_arch());
    for name in [&node, &go] {
        let lines: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.contains(name.as_str()))
            .collect();
        assert_eq!(
            lines.len(),
            2,
            "start and verified for {name}:\n{}",
            run.stderr
        );
        assert!(lines[0].starts_with("envm: downloading "), "{}", run.stderr);
        assert!(lines[1].starts_with("envm: verified ") && lines[1].ends_with("sha256 ok)"));
    }
    // A reinstall from the download cache says so, on one line too.
    let mut cmd = env.envm(["install", "--force", "node@22"]);
    dist.env(&mut cmd);
    let run = Run::of(cmd).ok();
    assert!(
        run.stderr
            .contains(&format!("envm: verified {node} (from the download cache")),
        "{}",
        run.stderr
    );
}

#[test]
fn parallel_downloads_on_a_terminal_get_a_line_each() {
    let dist = Dist::start();
    let env = TestEnv::new();
    let node_path = Dist::node_path("22.12.0", "tar.xz");
    let go_path = Dist::go_path("1.23.4");
    for path in [&node_path, &go_path] {
        dist.fault(path, Fault::Slow(Duration::from_millis(250)));
    }
    let mut cmd = env.envm(["install", "node@22", "go@1.23"]);
    dist.env(&mut cmd);
    cmd.env_remove("CI").env("TERM", "xterm-256color");
    let transcript = PtyShell::spawn(cmd).finish(Duration::from_secs(60));
    let node = node_path.rsplit('/').next().unwrap();
    let go = go_path.rsplit('/').next().unwrap();
    assert!(
        transcript.contains("installed node 22.12.0"),
        "{transcript:?}"
    );
    // Some redraw moves the cursor back up a row and draws both bars, one per terminal row
    // (the pty is 200 columns wide; a bar exactly that wide wraps without a newline). Bars
    // sharing one row never move up: each overwrites the row with `\r`.
    let redraws: Vec<&str> = transcript.split("\u{1b}[1A").skip(1).collect();
    let stacked = redraws.iter().any(|frame| {
        [(node, go), (go, node)]
            .into_iter()
            .any(|(a, b)| frame.starts_with(a) && next_row_starts_with(frame, a, b, 200))
    });
    assert!(
        stacked,
        "no frame with one line per download:\n{transcript:?}"
    );
}

/// Whether, somewhere in `transcript`, a terminal row starting with `a` is followed by a row
/// starting with `b` (after a newline, or by wrapping after `cols` plain characters).
fn next_row_starts_with(transcript: &str, a: &str, b: &str, cols: usize) -> bool {
    transcript.match_indices(a).any(|(i, _)| {
        let rest = &transcript[i..];
        let row = &rest[..rest.find(['\u{1b}', '\r']).unwrap_or(rest.len())];
        match row.split_once('\n') {
            Some((first, next)) => first.len() <= cols && next.starts_with(b),
            None => row.get(cols..).is_some_and(|next| next.starts_with(b)),
        }
    })
}
