//! The `envm` binary, and every shim: links in the shims folder point here, so the name this
//! process was started under picks the mode before anything else is set up (rustup's model).
//! `envm…` runs the command line; any other name is a shim for that executable.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let arg0 = std::env::args_os().next().unwrap_or_default();
    let name = Path::new(&arg0).file_name().unwrap_or(arg0.as_os_str());
    if name.is_empty() || name.as_encoded_bytes().starts_with(b"envm") {
        envm::cli::main()
    } else {
        envm::shim::main(name)
    }
}
