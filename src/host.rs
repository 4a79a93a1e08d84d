//! The machine envm installs for: OS, CPU architecture and C library (glibc with its version,
//! or musl). Providers use it to pick the artifact that runs here and to refuse, before any
//! download, when none does. OS specifics for the host live here only.
//!
//! Test-only: `ENVM_TEST_HOST_LIBC` (`musl`, `glibc-2.17`) replaces the detected C library so
//! tests can exercise host-fit refusals. It is not a user setting.

mod c_library;

use std::fmt;

/// CPU architectures envm ships artifacts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Aarch64,
    Other(&'static str),
}

impl Arch {
    /// envm's own spelling, Rust's: `x86_64`, `aarch64` (in messages and `envm.lock` keys).
    /// A tool's own spellings (node's `x64`, go's `amd64`) stay in that tool's code.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::Other(name) => name,
        }
    }

    /// The arch named by Rust's spelling (`std::env::consts::ARCH`).
    pub fn from_name(name: &'static str) -> Arch {
        match name {
            "x86_64" => Arch::X86_64,
            "aarch64" => Arch::Aarch64,
            other => Arch::Other(other),
        }
    }
}

/// The host's C library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    /// glibc `major.minor`.
    Glibc(u32, u32),
    Musl,
    /// macOS or an undetectable libc.
    None,
}

impl fmt::Display for Libc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Libc::Glibc(a, b) => write!(f, "glibc {a}.{b}"),
            Libc::Musl => f.write_str("musl"),
            Libc::None => f.write_str("no Linux C library"),
        }
    }
}

/// OS, arch and libc of the machine envm runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host {
    /// `linux` or `darwin`.
    pub os: &'static str,
    pub arch: Arch,
    pub libc: Libc,
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{} ({})", self.os, self.arch.as_str(), self.libc)
    }
}

/// Test-only override of the detected C library.
pub const TEST_LIBC_VAR: &str = "ENVM_TEST_HOST_LIBC";

impl Host {
    /// The host this process runs on (with the test-only libc override applied).
    pub fn detect() -> Host {
        let os = if cfg!(target_os = "macos") {
            "darwin"
        } else {
            std::env::consts::OS
        };
        let arch = Arch::from_name(std::env::consts::ARCH);
        let libc = std::env::var(TEST_LIBC_VAR)
            .ok()
            .and_then(|v| parse_libc(&v))
            .unwrap_or_else(detect_libc);
        Host { os, arch, libc }
    }
}

/// The platforms `envm lock` records when none is asked for (besides the host's own).
pub const DEFAULT_LOCK_PLATFORMS: &[&str] =
    &["linux-x64", "linux-arm64", "macos-x64", "macos-arm64"];

/// Every platform name `envm lock --platform` accepts.
pub const LOCK_PLATFORMS: &[&str] = &[
    "linux-x64",
    "linux-arm64",
    "linux-x64-musl",
    "linux-arm64-musl",
    "macos-x64",
    "macos-arm64",
];

/// The glibc assumed for another Linux host named in a lock: a current distribution's.
const LOCK_GLIBC: Libc = Libc::Glibc(2, 39);

impl Host {
    /// The portable platform name `envm.lock` files artifacts under: `linux-x64`,
    /// `linux-arm64-musl`, `macos-arm64` (`linux-riscv64` for others).
    pub fn platform_key(&self) -> String {
        let os = match self.os {
            "darwin" => "macos",
            other => other,
        };
        let arch = match self.arch {
            Arch::X86_64 => "x64",
            Arch::Aarch64 => "arm64",
            Arch::Other(name) => name,
        };
        match self.libc {
            Libc::Musl => format!("{os}-{arch}-musl"),
            _ => format!("{os}-{arch}"),
        }
    }

    /// The host a platform name stands for (the inverse of [`Host::platform_key`] for the
    /// names in [`LOCK_PLATFORMS`]); Linux without `-musl` means a current glibc.
    pub fn from_platform_key(key: &str) -> Option<Host> {
        let (rest, musl) = match key.strip_suffix("-musl") {
            Some(rest) => (rest, true),
            None => (key, false),
        };
        let (os, arch) = rest.split_once('-')?;
        let arch = match arch {
            "x64" => Arch::X86_64,
            "arm64" => Arch::Aarch64,
            _ => return None,
        };
        let (os, libc) = match (os, musl) {
            ("linux", true) => ("linux", Libc::Musl),
            ("linux", false) => ("linux", LOCK_GLIBC),
            ("macos", false) => ("darwin", Libc::None),
            _ => return None,
        };
        Some(Host { os, arch, libc })
    }
}

/// `musl`, `glibc-2.17` (also `gnu-2.17`).
fn parse_libc(text: &str) -> Option<Libc> {
    let text = text.trim().to_ascii_lowercase();
    if text == "musl" {
        return Some(Libc::Musl);
    }
    let ver = text
        .strip_prefix("glibc-")
        .or_else(|| text.strip_prefix("gnu-"))?;
    parse_glibc_version(ver)
}

fn parse_glibc_version(text: &str) -> Option<Libc> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().unwrap_or("0").parse().ok()?;
    Some(Libc::Glibc(major, minor))
}

/// The host's C library: what the system's own programs use ([`c_library`], asked once per
/// process), else what envm was built with.
fn detect_libc() -> Libc {
    static FOUND: std::sync::OnceLock<Libc> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        let system = cfg!(target_os = "linux")
            .then(|| {
                c_library::detect(std::path::Path::new("/bin/sh"), std::path::Path::new("ldd"))
            })
            .flatten();
        system.unwrap_or_else(built_with)
    })
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn built_with() -> Libc {
    // SAFETY: gnu_get_libc_version returns a pointer to a static NUL-terminated string.
    let text = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
    text.to_str()
        .ok()
        .and_then(parse_glibc_version)
        .unwrap_or(Libc::Glibc(2, 17))
}

#[cfg(all(target_os = "linux", target_env = "musl"))]
fn built_with() -> Libc {
    Libc::Musl
}

#[cfg(not(all(target_os = "linux", any(target_env = "gnu", target_env = "musl"))))]
fn built_with() -> Libc {
    Libc::None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides() {
        assert_eq!(parse_libc("musl"), Some(Libc::Musl));
        assert_eq!(parse_libc("glibc-2.17"), Some(Libc::Glibc(2, 17)));
        assert_eq!(parse_libc("nonsense"), None);
    }

    #[test]
    fn arch_names_round_trip() {
        for arch in [Arch::X86_64, Arch::Aarch64, Arch::Other("riscv64")] {
            assert_eq!(Arch::from_name(arch.as_str()), arch);
        }
        let host = Host {
            os: "linux",
            arch: Arch::Aarch64,
            libc: Libc::Musl,
        };
        assert_eq!(host.platform_key(), "linux-arm64-musl");
        for key in LOCK_PLATFORMS {
            let host = Host::from_platform_key(key).expect("known platform");
            assert_eq!(host.platform_key(), *key);
        }
        assert_eq!(Host::from_platform_key("windows-x64"), None);
        assert_eq!(host.to_string(), "linux-aarch64 (musl)");
    }

    #[test]
    fn detects_something_on_linux() {
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(matches!(detect_libc(), Libc::Glibc(2, m) if m >= 17));
        }
    }
}
