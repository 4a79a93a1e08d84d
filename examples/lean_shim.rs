//! A shim-only binary, for `benches/shim.sh` to compare against the one-binary model: the same
//! entry point and shim code as `src/main.rs`, without the command line linked in. envm itself
//! ships one binary.

#![no_main]

use std::os::raw::{c_char, c_int};

#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    let arg0 = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&arg0)
        .file_name()
        .unwrap_or(arg0.as_os_str())
        .to_os_string();
    c_int::from(envm::run::shim::main(&name))
}
