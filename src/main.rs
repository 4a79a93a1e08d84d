//! The `envm` binary.

fn main() -> std::process::ExitCode {
    envm::cli::main()
}
