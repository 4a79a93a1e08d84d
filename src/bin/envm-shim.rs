//! `envm-shim`: what the links in the shims folder run when it is installed beside `envm`.
//! The same shim code as `envm` under a tool's name ([`envm::run::shim`]), in a binary that
//! links nothing else: a shim's budget is a fraction of a millisecond, and most of what it
//! costs beyond the real program's `execve` is starting a process at all — pages of code and
//! heap to fault in, and the C library's own start-up. So this binary carries only the shim
//! path (1.5 MB against envm's 9 MB, with the downloader, signatures and command line left
//! out), allocates from a bump arena ([`envm::run::arena`]), and is built for musl by
//! `scripts/install` where it can be: glibc's start-up probes the CPU's caches with `cpuid`,
//! which traps to the hypervisor on a virtual machine (≈ 4 µs each, 0.3 ms per process here;
//! `benches/shim.sh` measures both). A shim never asks which C library it was built with:
//! installing (which picks downloads for the host) runs `envm install`.
//!
//! Run under its own name it answers the shell's prompt hook, `envm-shim hook-env SHELL`
//! (the other process that runs all day; `envm activate` points the hook here), and otherwise
//! only says what it is.

#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
#[global_allocator]
static ALLOCATOR: envm::run::arena::Arena = envm::run::arena::Arena::new();

/// # Safety
/// Called by the C runtime only, with `argc` valid entries in `argv`.
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn main(
    argc: std::os::raw::c_int,
    argv: *const *const std::os::raw::c_char,
) -> std::os::raw::c_int {
    // SAFETY: the C runtime passes `argc` valid entries in `argv`.
    let name = unsafe { envm::args::init_from_c(argc, argv) };
    if name.is_empty() || name.as_encoded_bytes().starts_with(b"envm") {
        // The prompt hook (`envm activate` points it here): answered as `envm` answers it.
        if let Some(shell) = envm::run::activate::hook_env_request(&envm::args::os()) {
            return envm::run::shim::hook_main(shell).into();
        }
        eprintln!(
            "envm-shim: this is the program envm's shims run: started under the name of a \
             toolchain's program (a link in the shims folder), it runs that program. Use `envm` \
             for commands."
        );
        return 2;
    }
    envm::run::shim::main(&name).into()
}
