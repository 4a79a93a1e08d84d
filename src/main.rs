//! The `envm` binary, and every shim: links in the shims folder point here, so the name this
//! process was started under picks the mode before anything else is set up (rustup's model).
//! `envm…` runs the command line; any other name is a shim for that executable.
//!
//! `main` is the C entry point (`no_main`): a shim's whole budget is a fraction of a
//! millisecond, and std's own start-up (stack-guard discovery through `/proc/self/maps`,
//! signal handlers, stdio checks) is a tenth of a millisecond of it. Nothing here needs it:
//! arguments and environment come from std as usual, a broken pipe ends the process the
//! ordinary Unix way, and stdout is flushed before returning.

#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn main(
    _argc: std::os::raw::c_int,
    _argv: *const *const std::os::raw::c_char,
) -> std::os::raw::c_int {
    use std::io::Write;
    use std::path::Path;
    let arg0 = std::env::args_os().next().unwrap_or_default();
    let name = Path::new(&arg0).file_name().unwrap_or(arg0.as_os_str());
    let code = if name.is_empty() || name.as_encoded_bytes().starts_with(b"envm") {
        envm::cli::status()
    } else {
        envm::run::shim::main(name)
    };
    let _ = std::io::stdout().flush();
    code.into()
}
