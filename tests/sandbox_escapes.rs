//! Escape attempts from inside `envm exec --sandbox` (docs/sandbox.md lists the threats), each a real attempt
//! against the real kernel that must fail, as root and as the unprivileged `envm-sandbox`.
//! Probes must stay harmless to the host if the sandbox regressed: no `kill(-1)`, no ptrace
//! of the test harness (the positives in `sandbox.rs` show the same probes do succeed when
//! allowed).

use std::net::TcpListener;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};

use crate::both_users;
use crate::support::sandbox::*;

const SANDBOX: &[&str] = &["--sandbox"];

both_users!(create_and_overwrite_outside_denied, |who| {
    let s = Sbx::new(who);
    let out = s.outside.display();
    let run = s.probe(&format!(
        r#"
attempt("create", lambda: open("{out}/new.txt", "w"))
attempt("overwrite", lambda: open("{out}/existing.txt", "w"))
attempt("append", lambda: open("{out}/existing.txt", "a"))
attempt("mkdir", lambda: os.mkdir("{out}/d"))
attempt("unlink", lambda: os.unlink("{out}/existing.txt"))
attempt("mkfifo", lambda: os.mkfifo("{out}/fifo"))
"#
    ));
    assert_denied(
        &run,
        &["create", "overwrite", "append", "mkdir", "unlink", "mkfifo"],
    );
    assert!(!s.outside.join("new.txt").exists());
    assert_eq!(
        std::fs::read_to_string(s.outside.join("existing.txt")).unwrap(),
        "original\n"
    );
});

both_users!(rename_and_link_across_boundary_denied, |who| {
    let s = Sbx::new(who);
    let (out, proj) = (s.outside.display(), s.project().display());
    let run = s.probe(&format!(
        r#"
attempt("rename_out", lambda: os.rename("{proj}/a.txt", "{out}/a.txt"))
attempt("rename_in", lambda: os.rename("{out}/existing.txt", "{proj}/stolen.txt"))
attempt("link_in", lambda: os.link("{out}/existing.txt", "{proj}/hard.txt"))
"#
    ));
    assert_denied(&run, &["rename_out", "rename_in", "link_in"]);
    assert!(s.project().join("a.txt").exists());
    assert!(!s.project().join("hard.txt").exists());
});

both_users!(symlink_tricks_denied, |who| {
    let s = Sbx::new(who);
    std::os::unix::fs::symlink(&s.outside, s.project().join("escape")).unwrap();
    std::os::unix::fs::symlink(s.env.home.join(".ssh/id_ed25519"), s.project().join("key"))
        .unwrap();
    let (out, proj) = (s.outside.display(), s.project().display());
    let run = s.probe(&format!(
        r#"
attempt("through_dir_link", lambda: open("{proj}/escape/new.txt", "w"))
os.symlink("{out}/existing.txt", "{proj}/made_inside")
attempt("through_new_link", lambda: open("{proj}/made_inside", "w"))
attempt("read_key_link", lambda: open("{proj}/key").read())
os.symlink("{out}/missing.txt", "{proj}/dangling")
attempt("create_via_dangling", lambda: open("{proj}/dangling", "w"))
"#
    ));
    assert_denied(
        &run,
        &[
            "through_dir_link",
            "through_new_link",
            "read_key_link",
            "create_via_dangling",
        ],
    );
    assert!(!s.outside.join("new.txt").exists());
    assert!(!s.outside.join("missing.txt").exists());
});

both_users!(proc_fd_and_truncate_tricks_denied, |who| {
    let s = Sbx::new(who);
    let out = s.outside.display();
    // Readable (the test's folders live in /tmp, which the sandbox replaces), not writable.
    let flags = ["--sandbox", "--allow-read", &out.to_string()];
    let run = s
        .py(
            &flags,
            &format!(
                r#"
fd = os.open("{out}/existing.txt", os.O_RDONLY)
attempt("reopen_proc_fd", lambda: os.open(f"/proc/self/fd/{{fd}}", os.O_WRONLY))
attempt("truncate", lambda: os.truncate("{out}/existing.txt", 0))
attempt("parent_cwd", lambda: os.readlink(f"/proc/{{os.getppid()}}/cwd"))
"#
            ),
        )
        .ok();
    assert_denied(&run, &["reopen_proc_fd", "truncate", "parent_cwd"]);
    assert_eq!(
        std::fs::read_to_string(s.outside.join("existing.txt")).unwrap(),
        "original\n"
    );
});

both_users!(envm_own_files_are_read_only, |who| {
    let s = Sbx::new(who);
    let bin = s.fake_node();
    let shims = s.env.shims_dir();
    let run = s
        .py(
            SANDBOX,
            &format!(
                r#"
attempt("replace_toolchain", lambda: open("{}", "w"))
attempt("plant_shim", lambda: open("{}/npm", "w"))
"#,
                bin.display(),
                shims.display()
            ),
        )
        .ok();
    assert_denied(&run, &["replace_toolchain", "plant_shim"]);
});

both_users!(home_secrets_unreadable, |who| {
    let s = Sbx::new(who);
    let home = s.env.home.display();
    let run = s.probe(&format!(
        r#"
attempt("ssh_key", lambda: open("{home}/.ssh/id_ed25519").read())
attempt("aws_credentials", lambda: open("{home}/.aws/credentials").read())
attempt("list_home", lambda: os.listdir("{home}"))
"#
    ));
    assert_denied(&run, &["ssh_key", "aws_credentials", "list_home"]);
    assert!(!run.stdout.contains("PRIVATE KEY"));
});

both_users!(inherited_fds_are_closed, |who| {
    let s = Sbx::new(who);
    // A shell holding a writable fd on a file outside runs envm; the sandboxed command tries
    // to write through the inherited fd.
    let script = format!(
        "exec 7>>{}/existing.txt; exec {} exec --sandbox -- /bin/sh -c 'echo pwned >&7'",
        s.outside.display(),
        crate::support::sandbox::user_envm().display()
    );
    let mut cmd = s.as_user(std::path::Path::new("/bin/sh"));
    cmd.args(["-c", &script]);
    let run = crate::support::Run::of(cmd);
    assert_ne!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(s.outside.join("existing.txt")).unwrap(),
        "original\n"
    );
});

both_users!(tcp_to_host_loopback_denied, |who| {
    let s = Sbx::new(who);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let run = s.probe(&format!(
        r#"
attempt("tcp_host", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=3))
attempt("tcp_internet", lambda: socket.create_connection(("1.1.1.1", 80), timeout=3))
def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"x", ("127.0.0.1", {port}))
    u.connect(("8.8.8.8", 53))
attempt("udp_out", udp)
"#
    ));
    assert_denied(&run, &["tcp_host", "tcp_internet", "udp_out"]);
    listener.set_nonblocking(true).unwrap();
    assert!(
        listener.accept().is_err(),
        "the host server got a connection"
    );
});

both_users!(abstract_unix_socket_denied, |who| {
    let s = Sbx::new(who);
    let name = format!("envm-test-{}-{:?}", std::process::id(), who);
    let listener =
        UnixListener::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
    let run = s.probe(&format!(
        r#"
def go():
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.connect(b"\0{name}")
attempt("abstract_unix", go)
"#
    ));
    assert_denied(&run, &["abstract_unix"]);
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err());
});

both_users!(ptrace_and_process_vm_denied, |who| {
    let s = Sbx::new(who);
    let run = s.probe(r#"
pid = os.fork()
if pid == 0:
    import time; time.sleep(5); os._exit(0)
attempt("ptrace_sibling", lambda: check(libc.ptrace(16, pid, 0, 0)))
buf = ctypes.create_string_buffer(8)
iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 8)
attempt("process_vm_readv", lambda: sc(310, pid, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0))
os.kill(pid, 9)
"#);
    assert_denied_with(&run, "ptrace_sibling", "EPERM");
    assert_denied_with(&run, "process_vm_readv", "EPERM");
});

both_users!(namespaces_and_mounts_denied, |who| {
    let s = Sbx::new(who);
    let run = s.probe(
        r#"
attempt("unshare_user", lambda: check(libc.unshare(0x10000000)))
attempt("unshare_net", lambda: check(libc.unshare(0x40000000)))
attempt("clone_newuser", lambda: sc(56, 0x10000000 | 17, 0, 0, 0, 0))
attempt("setns", lambda: sc(308, 0, 0))
attempt("x32_unshare", lambda: sc(0x40000000 | 272, 0x10000000))
attempt("mount", lambda: check(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)))
attempt("chroot_mount_api", lambda: sc(430, 0, 0))
attempt("bpf", lambda: sc(321, 0, 0, 0))
attempt("keyctl", lambda: sc(250, 0, 0, 0, 0, 0))
attempt("add_key", lambda: sc(248, 0, 0, 0, 0, 0))
attempt("perf_event_open", lambda: sc(298, 0, 0, -1, -1, 0))
attempt("io_uring_setup", lambda: sc(425, 1, 0))
attempt("userfaultfd", lambda: sc(323, 0))
attempt("init_module", lambda: sc(175, 0, 0, 0))
attempt("kexec_load", lambda: sc(246, 0, 0, 0, 0))
attempt("vsock", lambda: socket.socket(40, socket.SOCK_STREAM))
"#,
    );
    for name in [
        "unshare_user",
        "unshare_net",
        "clone_newuser",
        "setns",
        "x32_unshare",
        "mount",
        "chroot_mount_api",
        "bpf",
        "keyctl",
        "add_key",
        "perf_event_open",
        "io_uring_setup",
        "userfaultfd",
        "init_module",
        "kexec_load",
        "vsock",
    ] {
        assert_denied_with(&run, name, "EPERM");
    }
});

both_users!(clone3_is_unavailable, |who| {
    let s = Sbx::new(who);
    let run = s.probe(r#"attempt("clone3", lambda: sc(435, 0, 0))"#);
    assert_denied_with(&run, "clone3", "ENOSYS");
});

both_users!(tiocsti_denied_including_high_bits, |who| {
    let s = Sbx::new(who);
    // The run's own terminal is its stdin (no new pty can be made inside: /dev/pts is closed).
    let (_master, slave) = crate::support::pty::open_pair();
    let mut cmd = s.py_cmd(
        SANDBOX,
        r#"
import fcntl, termios
slave = 0
attempt("tiocsti", lambda: fcntl.ioctl(slave, termios.TIOCSTI, b"x"))
attempt("tiocsti_high_bits", lambda: sc(16, slave, termios.TIOCSTI | (1 << 32), ctypes.addressof(ctypes.create_string_buffer(b"x"))))
attempt("tiocsti_stdin", lambda: fcntl.ioctl(0, termios.TIOCSTI, b"x"))
"#,
    );
    cmd.stdin(std::process::Stdio::from(slave));
    let run = crate::support::Run::of(cmd).ok();
    for name in ["tiocsti", "tiocsti_high_bits", "tiocsti_stdin"] {
        assert_denied_with(&run, name, "EPERM");
    }
});

both_users!(secrets_absent_from_environ, |who| {
    let s = Sbx::new(who);
    let mut cmd = s.py_cmd(
        SANDBOX,
        r#"
print("KEYS", sorted(os.environ))
attempt("parent_environ", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read())
"#,
    );
    for (k, v) in [
        ("AWS_SECRET_ACCESS_KEY", "aws-secret"),
        ("AWS_ACCESS_KEY_ID", "aws-id"),
        ("GITHUB_TOKEN", "gh-secret"),
        ("NPM_TOKEN", "npm-secret"),
        ("DB_PASSWORD", "db-secret"),
        ("SSH_AUTH_SOCK", "/tmp/agent.sock"),
        ("KEEP_ME", "visible"),
    ] {
        cmd.env(k, v);
    }
    let run = crate::support::Run::of(cmd).ok();
    let keys = run.stdout.lines().find(|l| l.starts_with("KEYS")).unwrap();
    for secret in [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "GITHUB_TOKEN",
        "NPM_TOKEN",
        "DB_PASSWORD",
        "SSH_AUTH_SOCK",
    ] {
        assert!(!keys.contains(secret), "{secret} leaked: {keys}");
    }
    assert!(keys.contains("KEEP_ME"), "{keys}");
    assert_denied(&run, &["parent_environ"]);
    assert!(!run.stdout.contains("secret"));
});

both_users!(signals_to_host_processes_denied, |who| {
    let s = Sbx::new(who);
    let mut victim = s.as_user(std::path::Path::new("/bin/sleep"));
    victim.arg("30");
    let mut victim = victim.spawn().unwrap();
    let pid = victim.id();
    let run = s.probe(&format!(
        r#"
attempt("kill_host", lambda: os.kill({pid}, signal.SIGTERM))
attempt("kill_parent", lambda: os.kill(os.getppid(), signal.SIGTERM))
"#
    ));
    assert_denied(&run, &["kill_host", "kill_parent"]);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        victim.try_wait().unwrap().is_none(),
        "the host process was killed"
    );
    victim.kill().unwrap();
    let _ = victim.wait();
});

both_users!(no_privileges_left, |who| {
    let s = Sbx::new(who);
    let run = s
        .sh(
            SANDBOX,
            "grep -E '^(NoNewPrivs|CapEff|CapPrm|CapBnd|CapAmb|Seccomp):' /proc/self/status",
        )
        .ok();
    for line in [
        "NoNewPrivs:\t1",
        "CapEff:\t0000000000000000",
        "CapPrm:\t0000000000000000",
        "CapBnd:\t0000000000000000",
        "CapAmb:\t0000000000000000",
        "Seccomp:\t2",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?}:\n{}",
            run.stdout
        );
    }
});

both_users!(batch_runs_get_a_new_session, |who| {
    let s = Sbx::new(who);
    let run = s.probe("print('SESSION', os.getsid(0) == os.getpid())");
    assert!(run.stdout.contains("SESSION True"), "{}", run.stdout);
});

both_users!(interactive_runs_keep_the_terminal_without_tiocsti, |who| {
    let s = Sbx::new(who);
    // `script` gives envm a real pseudo-terminal: no new session then, so TIOCSTI on the
    // shared terminal must be stopped by seccomp alone.
    let probe = format!(
        "{} exec --sandbox -- {PYTHON} -c \"{}\"",
        crate::support::sandbox::user_envm().display(),
        "import os, fcntl, termios\n\
         print('TTY', os.isatty(0), os.getsid(0) == os.getpid())\n\
         try:\n    fcntl.ioctl(0, termios.TIOCSTI, b'x'); print('tiocsti ALLOWED')\n\
         except OSError as e: print('tiocsti DENIED', e.errno)"
    );
    let mut cmd = s.as_user(std::path::Path::new("/usr/bin/script"));
    cmd.args(["-qec", &probe, "/dev/null"]);
    let run = crate::support::Run::of(cmd).ok();
    assert!(run.stdout.contains("TTY True False"), "{}", run.stdout);
    assert!(run.stdout.contains("tiocsti DENIED 1"), "{}", run.stdout);
});
