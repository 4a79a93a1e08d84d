//! `envm exec --sandbox` positives (writes inside the project, toolchains run, allowances
//! widen, exit codes and signals pass through), project `[sandbox]` tables and `envm trust`,
//! degradation when the host refuses a layer, and `envm doctor`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::both_users;
use crate::support::Run;
use crate::support::sandbox::*;

const SANDBOX: &[&str] = &["--sandbox"];

both_users!(writes_inside_project_and_private_tmp, |who| {
    let s = Sbx::new(who);
    let run = s.probe(
        r#"
open("new.txt", "w").write("made inside\n")
os.makedirs("build/out")
os.rename("new.txt", "build/out/moved.txt")
os.link("a.txt", "hard.txt")
tmp = os.environ["TMPDIR"]
open(tmp + "/scratch-" + str(os.getpid()), "w").write("x")
print("TMP", tmp)
print("SCRATCH", "/tmp/scratch-" + str(os.getpid()))
attempt("shared_tmp", lambda: open("/tmp/envm-shared-" + str(os.getpid()), "w").write("x"))
print("SHARED", "/tmp/envm-shared-" + str(os.getpid()))
attempt("dev_null", lambda: open("/dev/null", "w").write("x"))
"#,
    );
    assert_eq!(
        std::fs::read_to_string(s.project().join("build/out/moved.txt")).unwrap(),
        "made inside\n"
    );
    assert!(s.project().join("hard.txt").exists());
    // /tmp is the run's own: writable, and nothing lands in the host's.
    assert_allowed(&run, "shared_tmp");
    let shared = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("SHARED "))
        .unwrap();
    assert!(
        !std::path::Path::new(shared).exists(),
        "{shared} reached the host's /tmp"
    );
    assert_allowed(&run, "dev_null");
    // $TMPDIR is the private /tmp; nothing written there reaches the host's.
    let line = |prefix: &str| {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap()
            .to_string()
    };
    assert_eq!(line("TMP "), "/tmp");
    let scratch = line("SCRATCH ");
    assert!(
        !std::path::Path::new(&scratch).exists(),
        "{scratch} reached the host"
    );
});

both_users!(toolchain_runs, |who| {
    let s = Sbx::new(who);
    let node = s.fake_node();
    let run = Run::of(s.envm(&[
        "exec",
        "--sandbox",
        "--",
        node.to_str().unwrap(),
        "--version",
    ]))
    .ok();
    assert_eq!(run.stdout.trim(), "node 22.11.0 --version");
    let run = s.py(SANDBOX, "print('python', sys.version_info[0])").ok();
    assert!(run.stdout.contains("python 3"));
});

/// A one-shot server on the host's loopback that answers `hello` and reports whether it was reached.
fn hello_server() -> (u16, std::thread::JoinHandle<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok((mut conn, _)) = listener.accept() {
                let _ = conn.write_all(b"hello");
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    });
    (port, handle)
}

both_users!(allow_net_reaches_host_server, |who| {
    let s = Sbx::new(who);
    let (port, server) = hello_server();
    let code =
        format!("print('GOT', socket.create_connection(('127.0.0.1', {port}), timeout=5).recv(5))");
    let run = s.py(&["--sandbox", "--allow-net"], &code).ok();
    assert!(run.stdout.contains("GOT b'hello'"), "{}", run.stdout);
    assert!(server.join().unwrap());
});

both_users!(loopback_inside_the_sandbox_works, |who| {
    let s = Sbx::new(who);
    let run = s.probe(
        r#"
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname(), timeout=3)
conn, _ = srv.accept(); conn.sendall(b"ok"); print("LOOP", c.recv(2))
"#,
    );
    assert!(run.stdout.contains("LOOP b'ok'"), "{}", run.stdout);
});

both_users!(allow_write_and_read_widen, |who| {
    let s = Sbx::new(who);
    let out = s.outside.display().to_string();
    let aws = s.env.home.join(".aws").display().to_string();
    let code = format!(
        r#"
attempt("write_outside", lambda: open("{out}/new.txt", "w").write("ok"))
attempt("read_aws", lambda: open("{aws}/credentials").read())
attempt("read_ssh", lambda: open("{}/.ssh/id_ed25519").read())
"#,
        s.env.home.display()
    );
    let run = s
        .py(
            &["--sandbox", "--allow-write", &out, "--allow-read", &aws],
            &code,
        )
        .ok();
    assert_allowed(&run, "write_outside");
    assert_allowed(&run, "read_aws");
    assert_denied(&run, &["read_ssh"]);
    assert_eq!(
        std::fs::read_to_string(s.outside.join("new.txt")).unwrap(),
        "ok"
    );
});

both_users!(allow_env_keeps_a_secret, |who| {
    let s = Sbx::new(who);
    let mut cmd = s.py_cmd(
        &["--sandbox", "--allow-env", "NPM_TOKEN"],
        "print('ENV', os.environ.get('NPM_TOKEN'), os.environ.get('GH_TOKEN'))",
    );
    cmd.env("NPM_TOKEN", "npm-1").env("GH_TOKEN", "gh-2");
    let run = Run::of(cmd).ok();
    assert!(run.stdout.contains("ENV npm-1 None"), "{}", run.stdout);
});

both_users!(read_only_policy_blocks_project_writes, |who| {
    let s = Sbx::new(who);
    let run = s
        .py(
            &["--sandbox=read-only"],
            r#"
attempt("write_project", lambda: open("b.txt", "w"))
attempt("read_project", lambda: open("a.txt").read())
attempt("write_tmpdir", lambda: open(os.environ["TMPDIR"] + "/x", "w"))
"#,
        )
        .ok();
    assert_denied(&run, &["write_project"]);
    assert_allowed(&run, "read_project");
    assert_allowed(&run, "write_tmpdir");
});

both_users!(exit_codes_and_signals_pass_through, |who| {
    let s = Sbx::new(who);
    s.sh(SANDBOX, "exit 42").code(42);
    s.sh(SANDBOX, "kill -TERM $$").code(143);
    s.sh(SANDBOX, "kill -KILL $$").code(137);
    Run::of(s.envm(&["exec", "--sandbox", "--", "no-such-command-xyz"])).code(127);
});

both_users!(signals_are_forwarded, |who| {
    let s = Sbx::new(who);
    let mut child = spawn_sandboxed_sh(&s, "echo started > started; exec sleep 30");
    wait_for(&s.project().join("started"));
    let start = Instant::now();
    // SAFETY: signalling the envm process this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(start.elapsed() < Duration::from_secs(10));
});

both_users!(sandbox_dies_with_envm, |who| {
    let s = Sbx::new(who);
    // Inside its PID namespace the process's own `$$` means nothing here: find it by a
    // unique argument instead.
    let seconds = format!("30.{}{}", std::process::id(), who as u8);
    let mut child = spawn_sandboxed_sh(&s, &format!("echo go > started; exec sleep {seconds}"));
    read_when_ready(&s.project().join("started"));
    let pid = host_pid_with_arg(&seconds).expect("the sandboxed sleep on the host");
    child.kill().unwrap(); // SIGKILL: envm gets no chance to clean up
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(5);
    // SAFETY: signal 0 only checks that the process exists.
    while unsafe { libc::kill(pid, 0) } == 0 {
        assert!(
            Instant::now() < deadline,
            "sandboxed process {pid} outlived envm"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
});

/// The host PID of the process whose last argument is `arg`.
pub fn host_pid_with_arg(arg: &str) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if cmdline.split(|b| *b == 0).any(|a| a == arg.as_bytes()) {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// `envm exec --sandbox -- /bin/sh -c SCRIPT`, started in the background.
fn spawn_sandboxed_sh(s: &Sbx, script: &str) -> std::process::Child {
    s.envm(&["exec", "--sandbox", "--", "/bin/sh", "-c", script])
        .spawn()
        .unwrap()
}

fn wait_for(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_when_ready(path: &std::path::Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(path) {
            let _ = f.read_to_string(&mut text);
            if text.ends_with('\n') {
                return text;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

both_users!(trust_gates_widening_project_files, |who| {
    let s = Sbx::new(who);
    let file = s.project().join("envm.toml");
    let text = "[tools]\nnode = \"system\"\n\n[sandbox]\nallow_write = [\"../outside\"]\n";
    std::fs::write(&file, text).unwrap();
    let write_outside = "echo hi > ../outside/new.txt";
    // Untrusted: refused, nothing run.
    let run = Run::of(s.envm(&["exec", "--", "/bin/sh", "-c", "echo ran > ran.txt"])).code(1);
    assert!(
        run.stderr.contains("not trusted") && run.stderr.contains("envm trust"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("outside the project"), "{}", run.stderr);
    assert!(!s.project().join("ran.txt").exists());
    // Trusted: the table applies (sandboxed, outside folder writable) without --sandbox.
    Run::of(s.envm(&["trust"])).ok();
    s.sh(&[], write_outside).ok();
    assert!(s.outside.join("new.txt").exists());
    s.sh(&[], "cat ~/.ssh/id_ed25519").code(1);
    // Edited: untrusted again.
    std::fs::write(&file, format!("{text}# edited\n")).unwrap();
    s.sh(&[], write_outside).code(1);
    // Re-trusted, then revoked.
    Run::of(s.envm(&["trust", "envm.toml"])).ok();
    s.sh(&[], write_outside).ok();
    Run::of(s.envm(&["trust", "--revoke"])).ok();
    let run = s.sh(&[], write_outside).code(1);
    assert!(run.stderr.contains("not trusted"), "{}", run.stderr);
});

both_users!(narrowing_project_file_applies_untrusted, |who| {
    let s = Sbx::new(who);
    std::fs::write(
        s.project().join("envm.toml"),
        "[sandbox]\npolicy = \"read-only\"\n",
    )
    .unwrap();
    let run = s
        .py(
            &[],
            r#"attempt("write_project", lambda: open("b.txt", "w"))"#,
        )
        .ok();
    assert_denied(&run, &["write_project"]);
});

#[test]
fn bad_sandbox_table_names_file_and_line() {
    let s = Sbx::new(Who::Root);
    std::fs::write(
        s.project().join("envm.toml"),
        "[sandbox]\npolicy = \"loose\"\n",
    )
    .unwrap();
    let run = s.sh(&[], "true").code(1);
    assert!(run.stderr.contains("envm.toml:2"), "{}", run.stderr);
}

#[test]
fn allowances_without_sandbox_are_an_error() {
    let s = Sbx::new(Who::Root);
    let run = s.sh(&["--allow-net"], "true").code(1);
    assert!(run.stderr.contains("need --sandbox"), "{}", run.stderr);
}

/// Runs envm under a seccomp filter (installed by a Python wrapper) that makes syscall `nr`
/// fail with `errno`, to play a host that lacks a layer. Refusing `unshare` plays a host
/// without user namespaces, so a `clone` into a new user namespace is refused too.
fn envm_on_crippled_host(s: &Sbx, nr: i64, errno: i32, args: &[&str]) -> Run {
    let clone_nr = if nr == libc::SYS_unshare {
        libc::SYS_clone
    } else {
        i64::from(u32::MAX)
    };
    let newuser = libc::CLONE_NEWUSER;
    let wrapper = format!(
        r#"
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
prog = b"".join([
    struct.pack("HBBI", 0x20, 0, 0, 0),             # ld nr
    struct.pack("HBBI", 0x15, 3, 0, {nr}),          # jeq nr -> deny
    struct.pack("HBBI", 0x15, 0, 3, {clone_nr}),    # jeq clone (with user ns flag) -> flags
    struct.pack("HBBI", 0x20, 0, 0, 16),            # ld flags (low word of arg 0)
    struct.pack("HBBI", 0x45, 0, 1, {newuser}),     # jset CLONE_NEWUSER -> deny
    struct.pack("HBBI", 0x06, 0, 0, 0x50000 | {errno}),
    struct.pack("HBBI", 0x06, 0, 0, 0x7fff0000),    # allow
])
buf = ctypes.create_string_buffer(prog)
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fp = Fprog(len(prog) // 8, ctypes.addressof(buf))
assert libc.prctl(38, 1, 0, 0, 0) == 0
assert libc.prctl(22, 2, ctypes.byref(fp), 0, 0) == 0, ctypes.get_errno()
os.execv(sys.argv[1], sys.argv[1:])
"#
    );
    let mut cmd = s.as_user(std::path::Path::new(PYTHON));
    cmd.args(["-c", &wrapper])
        .arg(crate::support::sandbox::user_envm())
        .args(args);
    Run::of(cmd)
}

both_users!(missing_landlock_refuses_unless_best_effort, |who| {
    let s = Sbx::new(who);
    let nr = libc::SYS_landlock_create_ruleset;
    let run = envm_on_crippled_host(
        &s,
        nr,
        libc::ENOSYS,
        &[
            "exec",
            "--sandbox",
            "--",
            "/bin/sh",
            "-c",
            "echo ran > ran.txt",
        ],
    )
    .code(1);
    assert!(
        run.stderr.contains("Landlock filesystem rules"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("best-effort"), "{}", run.stderr);
    assert!(
        !s.project().join("ran.txt").exists(),
        "ran without the sandbox"
    );
    let run = envm_on_crippled_host(
        &s,
        nr,
        libc::ENOSYS,
        &[
            "exec",
            "--sandbox=best-effort",
            "--",
            "/bin/sh",
            "-c",
            "echo ran > ran.txt",
        ],
    )
    .ok();
    assert!(
        run.stderr.contains("NOT enforced") && run.stderr.contains("Landlock"),
        "{}",
        run.stderr
    );
    assert!(s.project().join("ran.txt").exists());
});

both_users!(refused_namespaces_fall_back_to_socket_filter, |who| {
    let s = Sbx::new(who);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let code = format!(
        r#"
import socket, errno
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3); print("tcp ALLOWED")
except OSError as e:
    print("tcp DENIED", errno.errorcode.get(e.errno))
a, b = socket.socketpair(); a.send(b"u"); print("unix", b.recv(1))
"#
    );
    // Without user namespaces there are no mount and PID namespaces either: refused...
    let run = envm_on_crippled_host(
        &s,
        libc::SYS_unshare,
        libc::EPERM,
        &["exec", "--sandbox", "--", PYTHON, "-c", &code],
    )
    .code(1);
    assert!(
        run.stderr.contains("mount and PID namespaces") && run.stderr.contains("best-effort"),
        "{}",
        run.stderr
    );
    // ...unless best-effort, which cuts the network with the socket filter instead.
    let run = envm_on_crippled_host(
        &s,
        libc::SYS_unshare,
        libc::EPERM,
        &["exec", "--sandbox=best-effort", "--", PYTHON, "-c", &code],
    )
    .ok();
    assert!(
        run.stdout.contains("tcp DENIED EPERM"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("unix b'u'"), "{}", run.stdout);
    assert!(
        run.stderr.contains("seccomp socket filter"),
        "{}",
        run.stderr
    );
    let run = envm_on_crippled_host(&s, libc::SYS_unshare, libc::EPERM, &["doctor"]).ok();
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("missing") && l.contains("user namespaces")),
        "{}",
        run.stdout
    );
});

#[test]
fn doctor_reports_each_check() {
    let s = Sbx::new(Who::Root);
    std::fs::write(s.project().join(".nvmrc"), "22\n").unwrap();
    let run = Run::of(s.envm(&["doctor", "--json"])).ok();
    let checks = run.json();
    let names: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    // Then one line per tool: what vouches for its downloads.
    let tools = envm::tools::Tool::ALL.iter().map(|t| t.name());
    let expected: Vec<&str> = [
        "landlock",
        "user namespaces",
        "mount namespace",
        "pid namespace",
        "seccomp",
        "libc",
        "shims on PATH",
        "shim binary",
        "pins here",
    ]
    .into_iter()
    .chain(tools)
    .collect();
    assert_eq!(names, expected);
    let by = |n: &str| {
        checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by("landlock")["ok"], true, "{}", by("landlock"));
    assert_eq!(by("shims on PATH")["ok"], false);
    assert_eq!(by("shim binary")["ok"], true, "{}", by("shim binary"));
    assert!(
        by("pins here")["detail"]
            .as_str()
            .unwrap()
            .contains("node 22")
    );
    let mut cmd = s.envm(&["doctor"]);
    cmd.env(
        "PATH",
        format!("{}:/usr/bin:/bin", s.env.shims_dir().display()),
    );
    let run = Run::of(cmd).ok();
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("shims on PATH")),
        "{}",
        run.stdout
    );
}

both_users!(project_sandbox_table_applies_to_shims, |who| {
    let s = Sbx::new(who);
    // A fixture node whose `node sh SCRIPT` runs SCRIPT, reached through its real shim.
    let node = s.fake_node();
    crate::support::write_executable(
        &node,
        "#!/bin/sh\nif [ \"$1\" = sh ]; then exec /bin/sh -c \"$2\"; fi\necho node\n",
    );
    let pins = s.project().join("envm.toml");
    std::fs::write(&pins, "[tools]\nnode = \"22\"\n").unwrap();
    s.hand_over();
    Run::of(s.envm(&["reshim"])).ok();
    let shim = s.env.shims_dir().join("node");
    let script = format!(
        "echo in > inside.txt && echo out > {}/shim.txt",
        s.outside.display()
    );
    let run_shim = || {
        let mut cmd = s.as_user(&shim);
        cmd.args(["sh", &script]);
        Run::of(cmd)
    };
    // Without a [sandbox] table the shim runs unconfined: the control case.
    run_shim().ok();
    assert!(s.outside.join("shim.txt").exists());
    std::fs::remove_file(s.outside.join("shim.txt")).unwrap();
    std::fs::remove_file(s.project().join("inside.txt")).unwrap();
    // With one (narrowing only, so no trust needed), every shim run here is sandboxed, also
    // from a subfolder whose own .nvmrc pins the tool.
    std::fs::write(
        &pins,
        "[tools]\nnode = \"22\"\n\n[sandbox]\npolicy = \"workspace-write\"\n",
    )
    .unwrap();
    let run = run_shim();
    assert_ne!(run.code, Some(0), "{}", run.stderr);
    assert!(s.project().join("inside.txt").exists(), "{}", run.stderr);
    assert!(!s.outside.join("shim.txt").exists());
    let sub = s.project().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join(".nvmrc"), "22\n").unwrap();
    s.hand_over();
    let mut cmd = s.as_user(&shim);
    cmd.current_dir(&sub).args(["sh", &script]);
    let run = Run::of(cmd);
    assert_ne!(run.code, Some(0), "{}", run.stderr);
    assert!(sub.join("inside.txt").exists(), "{}", run.stderr);
    assert!(!s.outside.join("shim.txt").exists());
});
