//! The sandbox's mount and PID namespaces (issue 8, items 9, 11, 12, 13): `.git`, pin files
//! and envm's own folders stay read-only inside writable roots, no process outlives the run,
//! host processes are out of reach and invisible, and `/tmp` and `/dev/shm` are private.
//! Each probe is harmless if the sandbox fails: it touches only the test's own files and a
//! `sleep` the test started.

use std::path::Path;
use std::time::Duration;

use crate::both_users;
use crate::support::Run;
use crate::support::sandbox::*;

both_users!(background_processes_end_with_the_run, |who| {
    let s = Sbx::new(who);
    s.sh(
        &["--sandbox"],
        "(setsid sh -c 'sleep 1; echo late > late.txt' &); echo started > started.txt",
    )
    .ok();
    assert!(s.project().join("started.txt").exists());
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        !s.project().join("late.txt").exists(),
        "a background process outlived the sandboxed run"
    );
});

both_users!(host_processes_are_out_of_reach_and_invisible, |who| {
    let s = Sbx::new(who);
    let mut victim = s.as_user(Path::new("/bin/sleep"));
    let mut victim = victim.arg("30").spawn().unwrap();
    let pid = victim.id();
    let ioprio_set = libc::SYS_ioprio_set;
    let run = s.probe(&format!(
        r#"
import resource
pid = {pid}
attempt("renice", lambda: os.setpriority(os.PRIO_PROCESS, pid, 19))
attempt("affinity", lambda: os.sched_setaffinity(pid, {{0}}))
attempt("prlimit", lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (64, 64)))
attempt("ioprio", lambda: sc({ioprio_set}, 1, pid, 3 << 13))
attempt("cmdline", lambda: open(f"/proc/{{pid}}/cmdline").read())
print("VISIBLE", str(pid) in os.listdir("/proc"))
"#
    ));
    for name in ["renice", "affinity", "prlimit", "ioprio", "cmdline"] {
        assert_denied(&run, &[name]);
        let line = run.stdout.lines().find(|l| l.starts_with(name)).unwrap();
        assert!(
            line.ends_with("ESRCH") || line.ends_with("ENOENT"),
            "{line}\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("VISIBLE False"), "{}", run.stdout);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let nice = stat
        .rsplit(") ")
        .next()
        .unwrap()
        .split(' ')
        .nth(16)
        .unwrap();
    assert_eq!(nice, "0", "the host process was reniced");
    victim.kill().unwrap();
    let _ = victim.wait();
});

both_users!(host_tmp_and_shm_are_private, |who| {
    let s = Sbx::new(who);
    let name = format!("envm-planted-{}-{who:?}", std::process::id());
    let planted = [
        Path::new("/tmp").join(&name),
        Path::new("/dev/shm").join(&name),
    ];
    for file in &planted {
        std::fs::write(file, "host secret\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let made = format!("/dev/shm/{name}-made-inside");
    let run = s.probe(&format!(
        r#"
attempt("tmp", lambda: open("/tmp/{name}").read())
attempt("shm", lambda: open("/dev/shm/{name}").read())
attempt("list_tmp", lambda: print("TMP", os.listdir("/tmp")))
attempt("shm_write", lambda: open("{made}", "w").write("x"))
"#
    ));
    for file in &planted {
        let _ = std::fs::remove_file(file);
    }
    assert_denied_with(&run, "tmp", "ENOENT");
    assert_denied_with(&run, "shm", "ENOENT");
    assert!(!run.stdout.contains(&name), "{}", run.stdout);
    assert!(!run.stdout.contains("host secret"));
    assert_allowed(&run, "shm_write");
    assert!(!Path::new(&made).exists(), "{made} reached the host");
});

both_users!(git_and_pin_files_are_read_only, |who| {
    let s = Sbx::new(who);
    let p = s.project();
    for (file, text) in [
        (".git/config", "[core]\n"),
        (".git/hooks/README", "hooks\n"),
        ("envm.toml", "[tools]\n"),
        (".nvmrc", "system\n"),
        ("sub/v", "system\n"),
        ("other.txt", "original\n"),
    ] {
        crate::support::write_file(&p.join(file), text);
    }
    std::os::unix::fs::symlink("sub/v", p.join(".python-version")).unwrap();
    s.hand_over();
    let run = s.probe(
        r#"
attempt("git_hook", lambda: open(".git/hooks/pre-commit", "w").write("x"))
attempt("git_config", lambda: open(".git/config", "a").write("x"))
attempt("envm_toml", lambda: open("envm.toml", "a").write("x"))
attempt("nvmrc", lambda: open(".nvmrc", "w").write("x"))
attempt("unlink_envm_toml", lambda: os.unlink("envm.toml"))
attempt("replace_nvmrc", lambda: os.rename("other.txt", ".nvmrc"))
attempt("replace_link", lambda: os.unlink(".python-version"))
attempt("link_target", lambda: open("sub/v", "w").write("x"))
attempt("other", lambda: open("other.txt", "w").write("changed\n"))
attempt("new_file", lambda: open("new.txt", "w").write("new\n"))
"#,
    );
    assert_denied(
        &run,
        &[
            "git_hook",
            "git_config",
            "envm_toml",
            "nvmrc",
            "unlink_envm_toml",
            "replace_nvmrc",
            "replace_link",
            "link_target",
        ],
    );
    assert_allowed(&run, "other");
    assert_allowed(&run, "new_file");
    assert!(!p.join(".git/hooks/pre-commit").exists());
    assert_eq!(
        std::fs::read_to_string(p.join(".git/config")).unwrap(),
        "[core]\n"
    );
    assert_eq!(
        std::fs::read_to_string(p.join("envm.toml")).unwrap(),
        "[tools]\n"
    );
    assert_eq!(
        std::fs::read_to_string(p.join("sub/v")).unwrap(),
        "system\n"
    );
    assert_eq!(
        std::fs::read_to_string(p.join("other.txt")).unwrap(),
        "changed\n"
    );
});

#[test]
fn gitdir_target_of_a_git_file_is_read_only() {
    let s = Sbx::new(Who::Root);
    let p = s.project();
    crate::support::write_file(&p.join(".git"), "gitdir: meta/repo\n");
    crate::support::write_file(&p.join("meta/repo/config"), "[core]\n");
    let run = s.probe(
        r#"
attempt("gitdir_config", lambda: open("meta/repo/config", "a").write("x"))
attempt("gitdir_hook", lambda: open("meta/repo/hooks", "w").write("x"))
attempt("git_file", lambda: open(".git", "w").write("gitdir: /elsewhere\n"))
"#,
    );
    assert_denied(&run, &["gitdir_config", "gitdir_hook", "git_file"]);
    assert_eq!(
        std::fs::read_to_string(p.join("meta/repo/config")).unwrap(),
        "[core]\n"
    );
}

both_users!(envm_home_inside_the_project_is_read_only, |who| {
    let s = Sbx::new(who);
    let home = s.project().join(".envm");
    let node = home.join("data/installs/node/22.11.0/bin/node");
    crate::support::write_executable(&node, "#!/bin/sh\necho node\n");
    crate::support::write_file(&home.join("config/trusted.json"), "{}\n");
    std::fs::create_dir_all(home.join("data/shims")).unwrap();
    s.hand_over();
    let code = format!(
        r#"
attempt("trusted_json", lambda: open("{home}/config/trusted.json", "w").write("x"))
attempt("toolchain", lambda: open("{node}", "w").write("x"))
attempt("plant_shim", lambda: open("{home}/data/shims/npm", "w").write("x"))
attempt("project", lambda: open("other.txt", "w").write("ok"))
"#,
        home = home.display(),
        node = node.display()
    );
    let mut cmd = s.py_cmd(&["--sandbox"], &code);
    cmd.env("ENVM_HOME", &home);
    let run = Run::of(cmd).ok();
    assert_denied(&run, &["trusted_json", "toolchain", "plant_shim"]);
    assert_allowed(&run, "project");
    assert_eq!(
        std::fs::read_to_string(home.join("config/trusted.json")).unwrap(),
        "{}\n"
    );
    assert!(!home.join("data/shims/npm").exists());
});

#[test]
fn doctor_lists_mount_and_pid_namespaces() {
    let s = Sbx::new(Who::Root);
    let run = Run::of(s.envm(&["doctor", "--json"])).ok();
    let checks = run.json();
    for name in ["mount namespace", "pid namespace"] {
        let check = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no {name} check: {checks}"));
        assert_eq!(check["ok"], true, "{check}");
    }
}

/// A run whose folders all lie outside `/tmp` gets a fresh tmpfs as `/tmp` (mounted in its own
/// namespace: no host folder is made per run), writable and empty.
#[test]
fn private_tmp_is_a_fresh_tmpfs_when_nothing_lives_in_host_tmp() {
    let envm = crate::support::envm_bin();
    let Ok(base) = tempfile::Builder::new()
        .prefix("envm-fresh-tmp-")
        .tempdir_in("/var/tmp")
    else {
        return; // no /var/tmp to keep the test's folders out of /tmp
    };
    if envm.starts_with("/tmp") {
        return; // envm itself would have to be kept visible in the private /tmp
    }
    let root = base.path().canonicalize().unwrap();
    let (home, project) = (root.join("home"), root.join("project"));
    crate::support::write_file(&project.join("envm.toml"), "[tools]\n");
    std::fs::create_dir_all(&home).unwrap();
    let script = r#"echo "TMPDIR=$TMPDIR"; grep ' /tmp ' /proc/self/mountinfo; echo x > /tmp/made && ls -A /tmp"#;
    let mut cmd = std::process::Command::new(&envm);
    cmd.args(["exec", "--sandbox", "--", "/bin/sh", "-c", script])
        .current_dir(&project)
        .env("HOME", &home)
        .env("ENVM_HOME", root.join("envm"))
        .env("PATH", "/usr/bin:/bin");
    let run = Run::of(cmd).ok();
    assert!(run.stdout.contains("TMPDIR=/tmp\n"), "{}", run.stdout);
    // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE OPTIONS; the
    // last line for /tmp is the mount visible there.
    let line = run
        .stdout
        .lines()
        .rfind(|l| l.split_whitespace().nth(4) == Some("/tmp"))
        .unwrap_or_else(|| panic!("no mount on /tmp: {}", run.stdout));
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        fields[3], "/",
        "a bind of a host folder, not a fresh tmpfs: {line}"
    );
    let fstype = fields.iter().skip_while(|f| **f != "-").nth(1);
    assert_eq!(fstype, Some(&"tmpfs"), "{line}");
    assert!(
        run.stdout.ends_with("\nmade\n"),
        "not empty before: {}",
        run.stdout
    );
}
