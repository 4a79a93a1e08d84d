//! The `envm` binary. The name this process was started under picks the mode before anything
//! else is set up (rustup's model): `envm…` runs the command line; any other name is a shim
//! for that executable. Shims link to the smaller `envm-shim` (`src/bin/envm-shim.rs`) when
//! it is installed beside this binary, and here otherwise.
//!
//! `main` is the C entry point (`no_main`): a shim's whole budget is a fraction of a
//! millisecond, and std's own start-up (stack-guard discovery through `/proc/self/maps`,
//! signal handlers, stdio checks) is a tenth of a millisecond of it. Nothing here needs it:
//! the arguments are the `argc`/`argv` given here (std's are empty on musl without its
//! `main`; [`envm::args`] keeps them), the environment comes from libc's `environ`, a broken
//! pipe ends the process the ordinary Unix way, and stdout is flushed before returning.

#![cfg_attr(not(test), no_main)]

/// # Safety
/// Called by the C runtime only, with `argc` valid entries in `argv`.
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn main(
    argc: std::os::raw::c_int,
    argv: *const *const std::os::raw::c_char,
) -> std::os::raw::c_int {
    use std::io::Write;
    // SAFETY: the C runtime passes `argc` valid entries in `argv`.
    let name = unsafe { envm::args::init_from_c(argc, argv) };
    let code = if name.is_empty() || name.as_encoded_bytes().starts_with(b"envm") {
        envm::cli::status()
    } else {
        envm::run::shim::main(&name)
    };
    let _ = std::io::stdout().flush();
    code.into()
}
