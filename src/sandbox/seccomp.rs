//! The syscall layer: a default-allow seccomp deny-list compiled with `seccompiler` before the
//! fork. Denied with EPERM: ptrace and process_vm_*, the mount family, bpf, perf_event_open,
//! keyctl/add_key/request_key, unshare/setns and clone with namespace flags, io_uring,
//! userfaultfd, kexec and module loading, TIOCSTI/TIOCLINUX (compared on the low 32 bits),
//! AF_VSOCK sockets; clone3 gets ENOSYS (so libcs fall back to the filtered clone) and x32
//! syscall numbers are refused. With `no_network`, sockets other than AF_UNIX are refused too
//! (the fallback where network namespaces are not available).

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch, sock_filter,
};

use super::SandboxError;

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

/// Syscalls refused outright.
const DENIED: &[libc::c_long] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_open_tree,
    libc::SYS_move_mount,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_userfaultfd,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
];

/// Terminal injection ioctls (same numbers on x86_64 and aarch64).
const TIOCSTI: u64 = 0x5412;
const TIOCLINUX: u64 = 0x541C;

const NAMESPACE_FLAGS: [libc::c_int; 8] = [
    libc::CLONE_NEWNS,
    libc::CLONE_NEWCGROUP,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
    0x80, // CLONE_NEWTIME
];

fn cond(
    arg: u8,
    len: SeccompCmpArgLen,
    op: SeccompCmpOp,
    value: u64,
) -> Result<SeccompCondition, SandboxError> {
    SeccompCondition::new(arg, len, op, value).map_err(|e| SandboxError::Seccomp(e.to_string()))
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, SandboxError> {
    SeccompRule::new(conditions).map_err(|e| SandboxError::Seccomp(e.to_string()))
}

/// Compiles the filter; `no_network` adds the socket-family filter.
pub fn build(no_network: bool) -> Result<BpfProgram, SandboxError> {
    use SeccompCmpArgLen::{Dword, Qword};
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for &nr in DENIED {
        rules.insert(nr, Vec::new());
    }
    // clone(flags, …): refuse any namespace flag.
    let mut clone_rules = Vec::new();
    for flag in NAMESPACE_FLAGS {
        let flag = flag as u64;
        clone_rules.push(rule(vec![cond(
            0,
            Qword,
            SeccompCmpOp::MaskedEq(flag),
            flag,
        )?])?);
    }
    rules.insert(libc::SYS_clone, clone_rules);
    // ioctl(fd, TIOCSTI | TIOCLINUX): the kernel only looks at the low 32 bits of the request.
    rules.insert(
        libc::SYS_ioctl,
        vec![
            rule(vec![cond(1, Dword, SeccompCmpOp::Eq, TIOCSTI)?])?,
            rule(vec![cond(1, Dword, SeccompCmpOp::Eq, TIOCLINUX)?])?,
        ],
    );
    let socket_rule = if no_network {
        rule(vec![cond(
            0,
            Dword,
            SeccompCmpOp::Ne,
            libc::AF_UNIX as u64,
        )?])?
    } else {
        rule(vec![cond(
            0,
            Dword,
            SeccompCmpOp::Eq,
            libc::AF_VSOCK as u64,
        )?])?
    };
    rules.insert(libc::SYS_socket, vec![socket_rule]);
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        ARCH,
    )
    .map_err(|e| SandboxError::Seccomp(e.to_string()))?;
    let program: BpfProgram = filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| SandboxError::Seccomp(e.to_string()))?;
    let mut out = prologue();
    out.extend(program);
    Ok(out)
}

/// Hand-written first instructions (seccompiler has one match action per filter): clone3 gets
/// ENOSYS, and on x86_64 any x32 syscall number (bit 30) is refused, since a default-allow list
/// keyed on x86_64 numbers would not see them. The compiled program that follows checks the
/// architecture itself.
fn prologue() -> Vec<sock_filter> {
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const JGE_K: u16 = 0x35;
    const RET_K: u16 = 0x06;
    const RET_ERRNO: u32 = 0x0005_0000;
    let ins = |code, jt, jf, k| sock_filter { code, jt, jf, k };
    let mut out = vec![
        ins(LD_W_ABS, 0, 0, 0), // seccomp_data.nr
        ins(JEQ_K, 0, 1, libc::SYS_clone3 as u32),
        ins(RET_K, 0, 0, RET_ERRNO | libc::ENOSYS as u32),
    ];
    if cfg!(target_arch = "x86_64") {
        out.push(ins(JGE_K, 0, 1, 0x4000_0000));
        out.push(ins(RET_K, 0, 0, RET_ERRNO | libc::EPERM as u32));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_variants_compile() {
        assert!(super::build(true).unwrap().len() > 20);
        assert!(super::build(false).unwrap().len() > 20);
    }
}
