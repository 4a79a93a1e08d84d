//! The tools envm takes from npm (bun, deno): which package lists their versions, which
//! platform package carries the binary for a host, where the binary sits in that package, and
//! which program names it answers to.
//!
//! Checked on the public registry (2026-11-29, bun 1.4.5, deno 2.9.6, `npm pack --dry-run`):
//! - bun: `@oven/bun-{linux,darwin}-{x64,aarch64}`, `-musl` on linux, and `-baseline` builds
//!   of every x64 package for CPUs without AVX2 (`@oven/bun-linux-x64-musl-baseline`). The
//!   binary is `package/bin/bun` (mode 0755). `bunx` is no file: npm's postinstall links it to
//!   the binary, which acts as bunx when started under that name.
//! - deno: `@deno/linux-{x64,arm64}-glibc`, `@deno/darwin-{x64,arm64}`; no musl build exists.
//!   The binary is `package/deno`, at the top of the package.

use crate::diag::Diagnostic;
use crate::host::{Arch, Host, Libc};

/// A tool installed from the npm registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NpmTool {
    Bun,
    Deno,
}

/// Whether an x64 CPU can run builds that need AVX2 (bun's default builds do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum X64Level {
    /// AVX2 present (or not an x64 host).
    Modern,
    /// No AVX2: bun's `-baseline` builds.
    Baseline,
}

impl X64Level {
    /// This machine's level.
    pub fn detect() -> X64Level {
        #[cfg(target_arch = "x86_64")]
        if !std::arch::is_x86_feature_detected!("avx2") {
            return X64Level::Baseline;
        }
        X64Level::Modern
    }
}

/// A program name a tool's install answers to, and the file in the install it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramName {
    /// The shim's name (`bunx`).
    pub name: &'static str,
    /// The file in the install's bin folder: the name itself, or the file a symlink of that
    /// name points to (`bunx` → `bun`), which the install step creates.
    pub link_to: Option<&'static str>,
}

/// No platform package runs on this host.
#[derive(Debug, thiserror::Error)]
#[error("{tool} publishes no build for {host} on the npm registry")]
pub struct NoPlatformPackage {
    pub tool: &'static str,
    pub host: String,
}

impl Diagnostic for NoPlatformPackage {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "{} builds exist for linux (x64, arm64{}) and macOS; on other hosts install {} yourself and pin `system`",
            self.tool,
            if self.tool == "bun" {
                ", glibc or musl"
            } else {
                ", glibc only"
            },
            self.tool
        ))
    }
}

impl NpmTool {
    pub const ALL: [NpmTool; 2] = [NpmTool::Bun, NpmTool::Deno];

    /// The tool's name in specs and the data layout.
    pub fn name(self) -> &'static str {
        match self {
            NpmTool::Bun => "bun",
            NpmTool::Deno => "deno",
        }
    }

    /// The package whose document lists the versions (`dist-tags.latest`).
    pub fn package(self) -> &'static str {
        match self {
            NpmTool::Bun => "bun",
            NpmTool::Deno => "deno",
        }
    }

    /// The package holding the binary for `host`.
    pub fn platform_package(
        self,
        host: &Host,
        level: X64Level,
    ) -> Result<String, NoPlatformPackage> {
        let none = || NoPlatformPackage {
            tool: self.name(),
            host: host.to_string(),
        };
        let arch = host.arch;
        let name = match (self, host.os, host.libc) {
            (NpmTool::Bun, "linux", Libc::Glibc(..)) => bun_name("linux", arch, "", level),
            (NpmTool::Bun, "linux", Libc::Musl) => bun_name("linux", arch, "-musl", level),
            (NpmTool::Bun, "darwin", _) => bun_name("darwin", arch, "", level),
            (NpmTool::Deno, "linux", Libc::Glibc(..)) => match arch {
                Arch::X86_64 => Some("@deno/linux-x64-glibc".to_string()),
                Arch::Aarch64 => Some("@deno/linux-arm64-glibc".to_string()),
                Arch::Other(_) => None,
            },
            (NpmTool::Deno, "darwin", _) => match arch {
                Arch::X86_64 => Some("@deno/darwin-x64".to_string()),
                Arch::Aarch64 => Some("@deno/darwin-arm64".to_string()),
                Arch::Other(_) => None,
            },
            _ => None,
        };
        name.ok_or_else(none)
    }

    /// The binary's path inside the package tarball.
    pub fn binary_in_tarball(self) -> &'static str {
        match self {
            NpmTool::Bun => "package/bin/bun",
            NpmTool::Deno => "package/deno",
        }
    }

    /// The folder, relative to an install unpacked with the tarball's `package/` stripped,
    /// that holds the programs (`""`: the install's top).
    pub fn bin_dir(self) -> &'static str {
        match self {
            NpmTool::Bun => "bin",
            NpmTool::Deno => "",
        }
    }

    /// The names the install answers to: what gets a shim.
    pub fn programs(self) -> &'static [ProgramName] {
        match self {
            NpmTool::Bun => &[
                ProgramName {
                    name: "bun",
                    link_to: None,
                },
                ProgramName {
                    name: "bunx",
                    link_to: Some("bun"),
                },
            ],
            NpmTool::Deno => &[ProgramName {
                name: "deno",
                link_to: None,
            }],
        }
    }

    /// Completes an install unpacked (with `package/` stripped) at `install_dir`: checks the
    /// binary is there and executable, and creates the links of [`NpmTool::programs`]
    /// (`bin/bunx` → `bun`, relative).
    pub fn finish_install(self, install_dir: &std::path::Path) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let bin_dir = install_dir.join(self.bin_dir());
        for program in self.programs() {
            let path = bin_dir.join(program.name);
            match program.link_to {
                Some(target) => {
                    if path.symlink_metadata().is_ok() {
                        std::fs::remove_file(&path)?;
                    }
                    std::os::unix::fs::symlink(target, &path)?;
                }
                None => {
                    let meta = std::fs::metadata(&path).map_err(|e| {
                        std::io::Error::new(
                            e.kind(),
                            format!("{}: the package has no {}", path.display(), program.name),
                        )
                    })?;
                    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("{} is not an executable file", path.display()),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// `@oven/bun-<os>-<arch><libc>[-baseline]`; baseline builds exist for x64 only.
fn bun_name(os: &str, arch: Arch, libc: &str, level: X64Level) -> Option<String> {
    let (arch, baseline) = match arch {
        Arch::X86_64 => ("x64", level == X64Level::Baseline),
        Arch::Aarch64 => ("aarch64", false),
        Arch::Other(_) => return None,
    };
    let suffix = if baseline { "-baseline" } else { "" };
    Some(format!("@oven/bun-{os}-{arch}{libc}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(os: &'static str, arch: Arch, libc: Libc) -> Host {
        Host { os, arch, libc }
    }

    #[test]
    fn bun_platform_packages() {
        let glibc = Libc::Glibc(2, 31);
        let cases = [
            (
                host("linux", Arch::X86_64, glibc),
                X64Level::Modern,
                "@oven/bun-linux-x64",
            ),
            (
                host("linux", Arch::X86_64, glibc),
                X64Level::Baseline,
                "@oven/bun-linux-x64-baseline",
            ),
            (
                host("linux", Arch::Aarch64, glibc),
                X64Level::Baseline,
                "@oven/bun-linux-aarch64",
            ),
            (
                host("linux", Arch::X86_64, Libc::Musl),
                X64Level::Modern,
                "@oven/bun-linux-x64-musl",
            ),
            (
                host("linux", Arch::X86_64, Libc::Musl),
                X64Level::Baseline,
                "@oven/bun-linux-x64-musl-baseline",
            ),
            (
                host("linux", Arch::Aarch64, Libc::Musl),
                X64Level::Modern,
                "@oven/bun-linux-aarch64-musl",
            ),
            (
                host("darwin", Arch::Aarch64, Libc::None),
                X64Level::Modern,
                "@oven/bun-darwin-aarch64",
            ),
            (
                host("darwin", Arch::X86_64, Libc::None),
                X64Level::Baseline,
                "@oven/bun-darwin-x64-baseline",
            ),
        ];
        for (h, level, want) in cases {
            assert_eq!(
                NpmTool::Bun.platform_package(&h, level).expect("exists"),
                want,
                "{h}"
            );
        }
    }

    #[test]
    fn deno_platform_packages() {
        let glibc = Libc::Glibc(2, 31);
        let cases = [
            (host("linux", Arch::X86_64, glibc), "@deno/linux-x64-glibc"),
            (
                host("linux", Arch::Aarch64, glibc),
                "@deno/linux-arm64-glibc",
            ),
            (host("darwin", Arch::X86_64, Libc::None), "@deno/darwin-x64"),
            (
                host("darwin", Arch::Aarch64, Libc::None),
                "@deno/darwin-arm64",
            ),
        ];
        for (h, want) in cases {
            for level in [X64Level::Modern, X64Level::Baseline] {
                assert_eq!(
                    NpmTool::Deno.platform_package(&h, level).expect("exists"),
                    want
                );
            }
        }
    }

    #[test]
    fn hosts_without_a_build_are_refused() {
        let musl = host("linux", Arch::X86_64, Libc::Musl);
        let err = NpmTool::Deno
            .platform_package(&musl, X64Level::Modern)
            .expect_err("deno has no musl build");
        assert!(err.to_string().contains("deno"), "{err}");
        let riscv = host("linux", Arch::Other("riscv64"), Libc::Glibc(2, 39));
        assert!(
            NpmTool::Bun
                .platform_package(&riscv, X64Level::Modern)
                .is_err()
        );
        let unknown_libc = host("linux", Arch::X86_64, Libc::None);
        assert!(
            NpmTool::Bun
                .platform_package(&unknown_libc, X64Level::Modern)
                .is_err()
        );
        let freebsd = host("freebsd", Arch::X86_64, Libc::None);
        assert!(
            NpmTool::Bun
                .platform_package(&freebsd, X64Level::Modern)
                .is_err()
        );
    }

    #[test]
    fn binaries_and_programs() {
        assert_eq!(NpmTool::Bun.binary_in_tarball(), "package/bin/bun");
        assert_eq!(NpmTool::Deno.binary_in_tarball(), "package/deno");
        for tool in NpmTool::ALL {
            // The binary's place after `package/` is stripped is the bin folder's first program.
            let first = tool.programs()[0];
            let in_install = std::path::Path::new(tool.bin_dir()).join(first.name);
            assert_eq!(
                std::path::Path::new("package").join(in_install),
                std::path::Path::new(tool.binary_in_tarball())
            );
        }
        let names: Vec<&str> = NpmTool::Bun.programs().iter().map(|p| p.name).collect();
        assert_eq!(names, ["bun", "bunx"]);
    }

    #[test]
    fn finish_install_links_bunx_and_refuses_a_missing_binary() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(NpmTool::Bun.finish_install(dir.path()).is_err());
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::fs::write(bin.join("bun"), "#!/bin/sh\n").expect("write");
        assert!(
            NpmTool::Bun.finish_install(dir.path()).is_err(),
            "not executable"
        );
        std::fs::set_permissions(bin.join("bun"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        NpmTool::Bun.finish_install(dir.path()).expect("completes");
        NpmTool::Bun.finish_install(dir.path()).expect("idempotent");
        assert_eq!(
            std::fs::read_link(bin.join("bunx")).expect("link"),
            std::path::Path::new("bun")
        );
    }
}
