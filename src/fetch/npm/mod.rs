//! bun and deno from the npm registry: where the registry is (`ENVM_NPM_REGISTRY`), the URLs
//! npm itself would request, and the pieces a tool's install is made of — the package document
//! ([`packument`]), the platform package and binary layout ([`platform`]), the `dist.integrity`
//! check ([`integrity`]) and the HTTP client that fetches them ([`client`]).
//!
//! URLs follow npm's client: a scoped name is requested with its slash encoded
//! (`<registry>/@oven%2fbun-linux-x64`), and a tarball URL on the default registry is fetched
//! from the configured one instead (same path below it), so an internal Verdaccio or
//! Artifactory npm remote serves every download. Tarball URLs on any other host are used as
//! published. Integrity, not the host, is what vouches for a tarball.

pub mod client;
pub mod integrity;
pub mod packument;
pub mod platform;

use crate::diag::Diagnostic;
pub use client::{Artifact, NpmClient, NpmError};
pub use integrity::{Integrity, IntegrityError, VerifyingReader, VerifyingWriter};
pub use packument::{PackageVersion, Packument, PackumentError};
pub use platform::{NpmTool, X64Level};

/// The public npm registry.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org";
/// The variable that replaces it.
pub const REGISTRY_VAR: &str = "ENVM_NPM_REGISTRY";

/// Hosts whose tarball URLs are rewritten onto the configured registry (npm's
/// `replace-registry-host` default: the public registry, either scheme).
const DEFAULT_TARBALL_PREFIXES: [&str; 2] =
    ["https://registry.npmjs.org/", "http://registry.npmjs.org/"];

/// A registry address that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{REGISTRY_VAR}=`{value}` is not a registry address: {reason}")]
    BadRegistry { value: String, reason: &'static str },
    #[error("`{0}` is not an npm package name envm requests")]
    BadName(String),
    #[error("the tarball URL `{url}` is not http(s)")]
    BadTarballUrl { url: String },
}

impl Diagnostic for RegistryError {
    fn hint(&self) -> Option<String> {
        match self {
            RegistryError::BadRegistry { .. } => Some(format!(
                "set {REGISTRY_VAR} to the registry's base URL, e.g. https://npm.example.com/api/npm/npm-remote, or unset it for {DEFAULT_REGISTRY}"
            )),
            _ => None,
        }
    }
}

/// The registry envm reads bun and deno from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// No trailing slash.
    base: String,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry {
            base: DEFAULT_REGISTRY.to_string(),
        }
    }
}

impl Registry {
    /// `ENVM_NPM_REGISTRY`, or the public registry when it is unset or empty.
    pub fn from_env() -> Result<Registry, RegistryError> {
        Registry::from_setting(std::env::var(REGISTRY_VAR).ok().as_deref())
    }

    /// The registry a value of `ENVM_NPM_REGISTRY` names (`None` or blank: the default).
    pub fn from_setting(value: Option<&str>) -> Result<Registry, RegistryError> {
        match value.map(str::trim) {
            None | Some("") => Ok(Registry::default()),
            Some(value) => Registry::new(value),
        }
    }

    /// A registry at `base` (`http(s)://host[:port][/path]`; trailing slashes are dropped).
    pub fn new(base: &str) -> Result<Registry, RegistryError> {
        let bad = |reason| RegistryError::BadRegistry {
            value: base.to_string(),
            reason,
        };
        let trimmed = base.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| bad("it must start with http:// or https://"))?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(bad("it names no host"));
        }
        if rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
            return Err(bad(
                "it must be a plain base URL, without query, fragment or spaces",
            ));
        }
        Ok(Registry {
            base: trimmed.to_string(),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Whether this is the public registry.
    pub fn is_default(&self) -> bool {
        self.base == DEFAULT_REGISTRY
    }

    /// `<registry>/bun`, `<registry>/@oven%2fbun-linux-x64`.
    pub fn packument_url(&self, package: &str) -> Result<String, RegistryError> {
        Ok(format!("{}/{}", self.base, escaped_name(package)?))
    }

    /// Where the registry serves `version` of `package` without reading its document:
    /// `<registry>/@scope/name/-/name-1.2.3.tgz`, the layout every npm registry uses.
    pub fn package_tarball_url(
        &self,
        package: &str,
        version: &str,
    ) -> Result<String, RegistryError> {
        escaped_name(package)?;
        let unscoped = package.rsplit('/').next().unwrap_or(package);
        Ok(format!(
            "{}/{package}/-/{unscoped}-{version}.tgz",
            self.base
        ))
    }

    /// Where to download a `dist.tarball`: moved onto this registry when it names the public
    /// one, as published otherwise.
    pub fn tarball_url(&self, published: &str) -> Result<String, RegistryError> {
        let published = published.trim();
        for prefix in DEFAULT_TARBALL_PREFIXES {
            if let Some(path) = published.strip_prefix(prefix) {
                return Ok(format!("{}/{path}", self.base));
            }
        }
        if published.starts_with("https://") || published.starts_with("http://") {
            Ok(published.to_string())
        } else {
            Err(RegistryError::BadTarballUrl {
                url: published.to_string(),
            })
        }
    }
}

/// A package name as npm puts it in a URL: `@scope%2fname` for a scoped name (npm-package-arg's
/// `escapedName`, lowercase `%2f`), the name itself otherwise. Only names npm could publish are
/// accepted (lowercase letters, digits, `-._~`, one scope), so nothing else needs escaping.
pub fn escaped_name(package: &str) -> Result<String, RegistryError> {
    let bad = || RegistryError::BadName(package.to_string());
    let plain = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._~".contains(c))
    };
    match package.strip_prefix('@') {
        Some(scoped) => {
            let (scope, name) = scoped.split_once('/').ok_or_else(bad)?;
            if plain(scope) && plain(name) {
                Ok(format!("@{scope}%2f{name}"))
            } else {
                Err(bad())
            }
        }
        None if plain(package) => Ok(package.to_string()),
        None => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_names_are_encoded_as_npm_does() {
        assert_eq!(escaped_name("bun").expect("ok"), "bun");
        assert_eq!(
            escaped_name("@oven/bun-linux-x64").expect("ok"),
            "@oven%2fbun-linux-x64"
        );
        assert_eq!(
            escaped_name("@deno/linux-x64-glibc").expect("ok"),
            "@deno%2flinux-x64-glibc"
        );
        for bad in [
            "", "@oven", "@oven/", "@/bun", "Bun", "../etc", "a/b", "@a/b/c", "x y", "a?b",
        ] {
            assert!(escaped_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn packument_urls() {
        let public = Registry::default();
        assert_eq!(
            public.packument_url("@oven/bun-linux-x64").expect("ok"),
            "https://registry.npmjs.org/@oven%2fbun-linux-x64"
        );
        let internal = Registry::new("https://art.example.com/api/npm/npm-remote/").expect("valid");
        assert_eq!(
            internal.packument_url("deno").expect("ok"),
            "https://art.example.com/api/npm/npm-remote/deno"
        );
    }

    #[test]
    fn registry_setting() {
        assert!(Registry::from_setting(None).expect("default").is_default());
        assert!(
            Registry::from_setting(Some("  "))
                .expect("default")
                .is_default()
        );
        assert_eq!(
            Registry::from_setting(Some("http://127.0.0.1:4873//"))
                .expect("valid")
                .base(),
            "http://127.0.0.1:4873"
        );
        for bad in [
            "registry.npmjs.org",
            "ftp://x",
            "https://",
            "https:///path",
            "https://x?a=1",
        ] {
            assert!(
                Registry::from_setting(Some(bad)).is_err(),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn tarballs_on_the_public_registry_move_to_the_configured_one() {
        let internal = Registry::new("http://127.0.0.1:4873/npm").expect("valid");
        let published = "https://registry.npmjs.org/@oven/bun-linux-x64/-/bun-linux-x64-1.4.5.tgz";
        assert_eq!(
            internal.tarball_url(published).expect("ok"),
            "http://127.0.0.1:4873/npm/@oven/bun-linux-x64/-/bun-linux-x64-1.4.5.tgz"
        );
        assert_eq!(
            internal
                .tarball_url("http://registry.npmjs.org/deno/-/deno-2.9.6.tgz")
                .expect("ok"),
            "http://127.0.0.1:4873/npm/deno/-/deno-2.9.6.tgz"
        );
        // Only that host: a look-alike is used as published, and a registry's own URL too.
        for other in [
            "https://registry.npmjs.org.evil.example/deno/-/deno-2.9.6.tgz",
            "https://npm.example.com/deno/-/deno-2.9.6.tgz",
        ] {
            assert_eq!(internal.tarball_url(other).expect("ok"), other);
        }
        assert_eq!(
            Registry::default().tarball_url(published).expect("ok"),
            published
        );
        for bad in [
            "file:///etc/passwd",
            "/deno/-/deno-2.9.6.tgz",
            "ftp://x/y.tgz",
        ] {
            assert!(internal.tarball_url(bad).is_err(), "{bad:?} accepted");
        }
    }
}
