//! The tools envm takes from the npm registry: which package lists a tool's versions, which
//! platform package carries the binary for a host, and where the binary sits in it. Each such
//! tool fills in an [`NpmTool`] in its registry file (`src/tools/`).

use crate::diag::Diagnostic;
use crate::host::Host;

/// A tool installed from the npm registry.
#[derive(Debug)]
pub struct NpmTool {
    /// The tool's name, for messages.
    pub name: &'static str,
    /// The package whose document lists the versions (`dist-tags.latest`).
    pub package: &'static str,
    /// The package holding the binary for a host, if the tool publishes one.
    pub platform_package: fn(&Host, X64Level) -> Option<String>,
    /// The binary's path inside the package tarball (`package/…`).
    pub binary_in_tarball: &'static str,
    /// The hosts it publishes builds for, for the hint when this one has none.
    pub builds: &'static str,
}

/// Whether an x64 CPU can run builds that need AVX2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum X64Level {
    /// AVX2 present (or not an x64 host).
    Modern,
    /// No AVX2: the `-baseline` builds some tools publish.
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

/// No platform package runs on this host.
#[derive(Debug, thiserror::Error)]
#[error("{tool} publishes no build for {host} on the npm registry")]
pub struct NoPlatformPackage {
    pub tool: &'static str,
    pub host: String,
    pub builds: &'static str,
}

impl Diagnostic for NoPlatformPackage {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "{} builds exist for {}; on other hosts install {} yourself and pin `system`",
            self.tool, self.builds, self.tool
        ))
    }
}

impl NpmTool {
    /// The package holding the binary for `host`.
    pub fn platform_package(
        &self,
        host: &Host,
        level: X64Level,
    ) -> Result<String, NoPlatformPackage> {
        (self.platform_package)(host, level).ok_or_else(|| NoPlatformPackage {
            tool: self.name,
            host: host.to_string(),
            builds: self.builds,
        })
    }
}
