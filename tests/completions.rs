//! The completion scripts committed under `completions/` are exactly what
//! `envm completions SHELL` prints, so they never drift from the CLI.
//! Regenerate them with `scripts/gen-completions`.

use crate::support::{Run, TestEnv};

#[test]
fn committed_completions_match_the_cli() {
    let env = TestEnv::new();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (shell, file) in [
        ("bash", "envm.bash"),
        ("zsh", "_envm"),
        ("fish", "envm.fish"),
    ] {
        let generated = Run::of(env.envm(["completions", shell])).ok().stdout;
        let committed = std::fs::read_to_string(repo.join("completions").join(file))
            .unwrap_or_else(|e| panic!("completions/{file}: {e}; run scripts/gen-completions"));
        assert!(
            generated == committed,
            "completions/{file} is out of date with the CLI: run scripts/gen-completions"
        );
        assert!(
            generated.contains("current"),
            "{shell} completion lacks a subcommand"
        );
    }
}
