//! Which paths a sandboxed run may touch (issue 8, items 1, 2, 5, 7, 8, 14 and 19): granted
//! paths are opened once without following symlinks, PATH folders and `$HOME` reached through
//! a symlink grant nothing, tool caches are private to sandboxed runs, and only the run's own
//! terminal is open to it. Every symlink here points into the test's own folders, never at a
//! real home; probes only write inside them.

use std::os::fd::AsRawFd;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::both_users;
use crate::support::pty::{PtyShell, open_pair};
use crate::support::sandbox::*;
use crate::support::{Run, write_file};

/// Atomically exchanges the two names (`renameat2(RENAME_EXCHANGE)`); whether it worked.
fn exchange(a: &Path, b: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes()).unwrap();
    let b = std::ffi::CString::new(b.as_os_str().as_bytes()).unwrap();
    // SAFETY: two NUL-terminated paths; renameat2 touches nothing else.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    rc == 0
}

/// A home at `root/var/home/me` (with a planted key) reached as `root/homes/me` through the
/// symlink `root/homes -> var/home`, as on Fedora Silverblue; returns (home as written, real).
fn symlinked_home(s: &Sbx) -> (PathBuf, PathBuf) {
    let root = s.env.root();
    let real = root.join("var/home/me");
    write_file(&real.join(".ssh/id_ed25519"), "PRIVATE KEY\n");
    symlink("var/home", root.join("homes")).unwrap();
    (root.join("homes/me"), real)
}

both_users!(allowance_swapped_for_symlink_never_grants_outside, |who| {
    let s = Sbx::new(who);
    let build = s.project().join("build");
    let swap = s.project().join("swap");
    std::fs::create_dir(&build).unwrap();
    symlink(&s.outside, &swap).unwrap();
    s.env.write(
        "envm.toml",
        "[sandbox]\npolicy = \"read-only\"\nallow_write = [\"build\"]\n",
    );
    s.hand_over();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, build, swap) = (Arc::clone(&stop), build.clone(), swap.clone());
        std::thread::spawn(move || {
            // Stops by itself should the test's folder vanish (a failed test).
            while !stop.load(Ordering::Relaxed) && exchange(&build, &swap) {}
        })
    };
    let (mut ran, mut refused) = (0, 0);
    for _ in 0..60 {
        let run = s.py(
            &["--sandbox"],
            r#"
for _ in range(300):
    try:
        open("build/pwned", "w").write("x")
    except OSError:
        pass
"#,
        );
        if run.code == Some(0) {
            ran += 1;
        } else if run.stderr.contains("symlink") {
            refused += 1;
        }
        assert!(
            !s.outside.join("pwned").exists(),
            "a write landed outside through the swapped allowance\n{}",
            run.stderr
        );
    }
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    assert!(ran > 0 && refused > 0, "ran {ran}, refused {refused}");
});

#[test]
fn symlink_in_an_allowance_is_refused() {
    let s = Sbx::new(Who::Root);
    let link = s.project().join("link");
    symlink(&s.outside, &link).unwrap();
    let run = s.sh(
        &["--sandbox", "--allow-write", "link"],
        "echo x > link/new.txt",
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{} is a symlink", link.display())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("realpath"), "{}", run.stderr);
    s.env
        .write("envm.toml", "[sandbox]\nallow_write = [\"link/../link\"]\n");
    let run = s.sh(&["--sandbox"], "echo x > link/new.txt");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("envm.toml:1") && run.stderr.contains("is a symlink"),
        "{}",
        run.stderr
    );
    assert!(!s.outside.join("new.txt").exists());
}

both_users!(path_entry_reaching_home_grants_nothing, |who| {
    let s = Sbx::new(who);
    std::fs::create_dir_all(s.env.home.join(".cache")).unwrap();
    s.hand_over();
    let home = s.env.home.display();
    let mut cmd = s.py_cmd(
        &["--sandbox"],
        &format!(
            r#"
attempt("read_key", lambda: open("{home}/.ssh/id_ed25519").read())
attempt("list_home", lambda: os.listdir("{home}"))
"#
        ),
    );
    cmd.env("PATH", format!("{home}/.cache/..:/usr/bin:/bin"));
    let run = Run::of(cmd).ok();
    assert_denied(&run, &["read_key", "list_home"]);
});

both_users!(tool_caches_are_private_to_sandboxed_runs, |who| {
    let s = Sbx::new(who);
    let npm = s.env.home.join(".npm");
    let plant = r#"dir="${npm_config_cache:-$HOME/.npm}/_npx/1234"
mkdir -p "$dir" && echo 'planted' > "$dir/index.js" && echo "CACHE $npm_config_cache"
for v in PIP_CACHE_DIR GOCACHE GOMODCACHE ZIG_GLOBAL_CACHE_DIR YARN_CACHE_FOLDER UV_CACHE_DIR BUN_INSTALL_CACHE_DIR DENO_DIR; do
  eval "echo VAR $v=\$$v"
done"#;
    let mut cmd = s.envm(&["exec", "--sandbox", "--", "/bin/sh", "-c", plant]);
    cmd.env("npm_config_cache", &npm);
    let run = Run::of(cmd).ok();
    let private = s.env.envm_home.join("cache/sandbox");
    let cache = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("CACHE "))
        .map(PathBuf::from)
        .unwrap_or_default();
    assert!(cache.starts_with(&private), "{}", run.stdout);
    assert!(cache.join("_npx/1234/index.js").is_file());
    assert!(!npm.exists(), "the user's npm cache was written");
    let vars: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("VAR "))
        .collect();
    assert_eq!(vars.len(), 8, "{}", run.stdout);
    for line in vars {
        let value = line.split_once('=').map_or("", |(_, v)| v);
        assert!(Path::new(value).starts_with(&private), "{line}");
    }
    // Outside the sandbox nothing points at the private cache.
    let show = "echo \"npm=${npm_config_cache:-unset}\"";
    let outside_run = Run::of(s.envm(&["exec", "--", "/bin/sh", "-c", show])).ok();
    assert!(
        outside_run.stdout.contains("npm=unset"),
        "{}",
        outside_run.stdout
    );
});

both_users!(only_the_runs_own_terminal, |who| {
    let s = Sbx::new(who);
    let (_other_master, other_slave) = open_pair();
    let other = std::fs::read_link(format!("/proc/self/fd/{}", other_slave.as_raw_fd())).unwrap();
    if who == Who::Unprivileged && is_root() {
        // Without the sandbox, the test user could open this terminal.
        let status = std::process::Command::new("chown")
            .arg(SANDBOX_USER)
            .arg(&other)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let own_path = if who == Who::Root {
        r#"attempt("own_path", lambda: os.close(os.open(os.ttyname(0), os.O_RDWR | os.O_NOCTTY)))"#
    } else {
        ""
    };
    let other = other.display();
    let shell = PtyShell::spawn(s.py_cmd(
        &["--sandbox"],
        &format!(
            r#"
attempt("other_rw", lambda: os.open("{other}", os.O_RDWR | os.O_NOCTTY))
attempt("other_ro", lambda: os.open("{other}", os.O_RDONLY | os.O_NOCTTY))
attempt("ptmx", lambda: os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY))
attempt("dev_tty", lambda: os.close(os.open("/dev/tty", os.O_RDWR)))
{own_path}
print("TTY", os.isatty(0), os.isatty(1))
"#
        ),
    ));
    let transcript = shell.finish(Duration::from_secs(30)).replace('\r', "");
    let run = Run {
        code: Some(0),
        stdout: transcript,
        stderr: String::new(),
    };
    assert_denied(&run, &["other_rw", "other_ro", "ptmx"]);
    assert_allowed(&run, "dev_tty");
    if who == Who::Root {
        assert_allowed(&run, "own_path");
    }
    assert!(run.stdout.contains("TTY True True"), "{}", run.stdout);
});

both_users!(home_behind_a_symlinked_component_stays_hidden, |who| {
    let s = Sbx::new(who);
    let (home, real) = symlinked_home(&s);
    s.hand_over();
    let (home, real) = (home.display(), real.display());
    let mut cmd = s.py_cmd(
        &["--sandbox"],
        &format!(
            r#"
attempt("key_via_link", lambda: open("{home}/.ssh/id_ed25519").read())
attempt("key_real", lambda: open("{real}/.ssh/id_ed25519").read())
attempt("list_home", lambda: os.listdir("{real}"))
"#
        ),
    );
    cmd.env("HOME", home.to_string());
    let run = Run::of(cmd).ok();
    assert_denied(&run, &["key_via_link", "key_real", "list_home"]);
});

both_users!(trusted_env_cache_setting_cannot_widen_to_home, |who| {
    let s = Sbx::new(who);
    let file = s.env.write(
        "envm.toml",
        "[env]\nPIP_CACHE_DIR = \"$HOME\"\nnpm_config_cache = \"$HOME/..\"\n",
    );
    s.hand_over();
    Run::of(s.envm(&[Path::new("trust"), file.as_path()])).ok();
    let home = s.env.home.display();
    let run = s.probe(&format!(
        r#"
print("PIP", os.environ["PIP_CACHE_DIR"])
print("NPM", os.environ["npm_config_cache"])
attempt("read_key", lambda: open("{home}/.ssh/id_ed25519").read())
attempt("write_home", lambda: open("{home}/planted", "w"))
"#
    ));
    assert_denied(&run, &["read_key", "write_home"]);
    assert!(!s.env.home.join("planted").exists());
    let private = s.env.envm_home.join("cache/sandbox");
    for name in ["PIP", "NPM"] {
        let value = run
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_default();
        assert!(Path::new(value).starts_with(&private), "{}", run.stdout);
    }
});

both_users!(project_found_below_a_symlinked_home, |who| {
    let s = Sbx::new(who);
    let (home, real) = symlinked_home(&s);
    write_file(&real.join(".tool-versions"), "ruby 3.3.0\n");
    write_file(&real.join("proj/a.txt"), "project file\n");
    s.hand_over();
    let mut cmd = s.envm(&[
        "exec",
        "--sandbox",
        "--",
        "/bin/sh",
        "-c",
        "echo ok > written.txt",
    ]);
    cmd.env("HOME", &home).current_dir(home.join("proj"));
    Run::of(cmd).ok();
    assert!(real.join("proj/written.txt").is_file());
});
