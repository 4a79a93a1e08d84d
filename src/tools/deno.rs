//! deno: the `deno` package on the npm registry (`ENVM_NPM_REGISTRY`) lists the versions; the
//! binary comes from the platform package (`@deno/linux-x64-glibc`…) at `package/deno`.

use super::{Cache, Examples, KnownBins, SpecRules, ToolDef, ToolSource};
use crate::fetch::npm::{NpmTool, X64Level};
use crate::host::{Arch, Host, Libc};

pub(super) static DEF: ToolDef = ToolDef {
    name: "deno",
    aliases: &[],
    version_var: "ENVM_DENO_VERSION",
    pin_files: &[],
    spec: SpecRules::PLAIN,
    examples: Examples {
        exact: "2.1.4",
        prefix: "2.1",
    },
    bin_dir: "",
    known_bins: KnownBins {
        exact: &["deno"],
        prefixes: &[],
    },
    links: &[],
    caches: &[Cache {
        var: "DENO_DIR",
        folder: "deno",
    }],
    overlay: None,
    adds_executables: super::adds_nothing,
};

pub(super) static SOURCE: ToolSource = ToolSource::npm(&NPM);

/// deno on the npm registry.
pub static NPM: NpmTool = NpmTool {
    name: "deno",
    package: "deno",
    platform_package,
    binary_in_tarball: "package/deno",
    builds: "linux (x64, arm64; glibc only) and macOS",
};

/// `@deno/linux-{x64,arm64}-glibc`, `@deno/darwin-{x64,arm64}`; no musl build exists.
fn platform_package(host: &Host, _level: X64Level) -> Option<String> {
    let arch = match host.arch {
        Arch::X86_64 => "x64",
        Arch::Aarch64 => "arm64",
        Arch::Other(_) => return None,
    };
    match (host.os, host.libc) {
        ("linux", Libc::Glibc(..)) => Some(format!("@deno/linux-{arch}-glibc")),
        ("darwin", _) => Some(format!("@deno/darwin-{arch}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::test_host as host;

    #[test]
    fn platform_packages() {
        let glibc = Libc::Glibc(2, 31);
        let cases = [
            (host("linux", Arch::X86_64, glibc), "@deno/linux-x64-glibc"),
            (host("linux", Arch::Aarch64, glibc), "@deno/linux-arm64-glibc"),
            (host("darwin", Arch::X86_64, Libc::None), "@deno/darwin-x64"),
            (host("darwin", Arch::Aarch64, Libc::None), "@deno/darwin-arm64"),
        ];
        for (h, want) in cases {
            for level in [X64Level::Modern, X64Level::Baseline] {
                assert_eq!(NPM.platform_package(&h, level).expect("exists"), want);
            }
        }
        let musl = host("linux", Arch::X86_64, Libc::Musl);
        let err = NPM
            .platform_package(&musl, X64Level::Modern)
            .expect_err("no musl build");
        assert!(err.to_string().contains("deno"), "{err}");
    }

}
