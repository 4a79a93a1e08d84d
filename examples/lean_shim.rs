//! A shim-only binary, for `benches/shim.sh` to compare against the one-binary model: the same
//! shim code without the CLI linked in. envm itself ships one binary (`src/main.rs`).

fn main() -> std::process::ExitCode {
    let arg0 = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&arg0)
        .file_name()
        .unwrap_or(arg0.as_os_str())
        .to_os_string();
    envm::shim::main(&name)
}
