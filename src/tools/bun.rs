//! bun: the `bun` package on the npm registry (`ENVM_NPM_REGISTRY`) lists the versions; the
//! binary comes from the platform package (`@oven/bun-linux-x64`…) at `package/bin/bun`, and
//! `bunx` is a link to it.

use super::{Cache, Examples, KnownBins, SpecRules, ToolDef, ToolSource};
use crate::fetch::npm::{NpmTool, X64Level};
use crate::host::{Arch, Host, Libc};

pub(super) static DEF: ToolDef = ToolDef {
    name: "bun",
    aliases: &[],
    version_var: "ENVM_BUN_VERSION",
    pin_files: &[],
    spec: SpecRules::PLAIN,
    examples: Examples {
        exact: "1.2.23",
        prefix: "1.2",
    },
    bin_dir: "bin",
    known_bins: KnownBins {
        exact: &["bun", "bunx"],
        prefixes: &[],
    },
    links: &[("bunx", "bun")],
    caches: &[Cache {
        var: "BUN_INSTALL_CACHE_DIR",
        folder: "bun",
    }],
    overlay: None,
    adds_executables: super::adds_nothing,
};

pub(super) static SOURCE: ToolSource = ToolSource::npm(&NPM);

/// Hosts bun publishes builds for.
const BUILDS: &str = "linux (x64, arm64; glibc or musl) and macOS";

/// bun on the npm registry.
pub static NPM: NpmTool = NpmTool {
    name: "bun",
    package: "bun",
    platform_package,
    binary_in_tarball: "package/bin/bun",
    builds: BUILDS,
};

/// `@oven/bun-<os>-<arch>[-musl][-baseline]`; baseline builds (no AVX2) exist for x64 only.
fn platform_package(host: &Host, level: X64Level) -> Option<String> {
    let libc = match (host.os, host.libc) {
        ("linux", Libc::Glibc(..)) => "",
        ("linux", Libc::Musl) => "-musl",
        ("darwin", _) => "",
        _ => return None,
    };
    let (arch, baseline) = match host.arch {
        Arch::X86_64 => ("x64", level == X64Level::Baseline),
        Arch::Aarch64 => ("aarch64", false),
        Arch::Other(_) => return None,
    };
    let suffix = if baseline { "-baseline" } else { "" };
    Some(format!("@oven/bun-{}-{arch}{libc}{suffix}", host.os))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::test_host as host;

    #[test]
    fn platform_packages() {
        let glibc = Libc::Glibc(2, 31);
        let (modern, baseline) = (X64Level::Modern, X64Level::Baseline);
        let cases = [
            (host("linux", Arch::X86_64, glibc), modern, "@oven/bun-linux-x64"),
            (host("linux", Arch::X86_64, glibc), baseline, "@oven/bun-linux-x64-baseline"),
            (host("linux", Arch::Aarch64, glibc), baseline, "@oven/bun-linux-aarch64"),
            (host("linux", Arch::X86_64, Libc::Musl), modern, "@oven/bun-linux-x64-musl"),
            (host("linux", Arch::X86_64, Libc::Musl), baseline, "@oven/bun-linux-x64-musl-baseline"),
            (host("linux", Arch::Aarch64, Libc::Musl), modern, "@oven/bun-linux-aarch64-musl"),
            (host("darwin", Arch::Aarch64, Libc::None), modern, "@oven/bun-darwin-aarch64"),
            (host("darwin", Arch::X86_64, Libc::None), baseline, "@oven/bun-darwin-x64-baseline"),
        ];
        for (h, level, want) in cases {
            assert_eq!(NPM.platform_package(&h, level).expect("exists"), want, "{h}");
        }
        for h in [
            host("linux", Arch::Other("riscv64"), Libc::Glibc(2, 39)),
            host("linux", Arch::X86_64, Libc::None),
            host("freebsd", Arch::X86_64, Libc::None),
        ] {
            assert!(NPM.platform_package(&h, modern).is_err(), "{h}");
        }
    }

}
