//! Filling and reading `envm.lock` against upstream: a pinned spec resolved once (on this
//! host) and its file and digest looked up for every platform asked for, from the indexes and
//! checksum files alone (no archive is downloaded); and, for `envm install --locked`, the
//! download URL of a locked file on the upstream or mirror configured now, found by name
//! without reading any index.

use std::collections::BTreeMap;

use crate::fetch::http::Net;
use crate::fetch::lockfile::{LockedArtifact, LockedTool};
use crate::fetch::npm::client::pack_file_name;
use crate::fetch::npm::{NpmError, Registry, X64Level};
use crate::fetch::releases::{
    self, Artifact, LockedFile, ProviderError, Release, Remote, SourceKind,
};
use crate::host::Host;
use crate::layout::Layout;
use crate::tools::Tool;
use crate::version::Version;
use crate::version::spec::Spec;

/// Where the lookups of one `envm lock` (or `use`/`install` keeping a lock current) go.
pub struct Locker<'a> {
    pub layout: &'a Layout,
    pub net: &'a Net,
    pub refresh: bool,
    /// Platforms named on the command line fail when a tool has no build for them; the
    /// default ones are skipped with a note.
    pub explicit: bool,
}

/// A spec locked for some platforms, and the platforms skipped for lack of a build.
pub struct Locked {
    pub entry: LockedTool,
    pub skipped: Vec<(String, String)>,
}

impl Locker<'_> {
    fn remote(&self, host: Host) -> Remote<'_> {
        Remote {
            layout: self.layout,
            net: self.net,
            refresh: self.refresh,
            host,
        }
    }

    /// Resolves `spec` on this host, then records the file and digest of that version for
    /// each of `platforms`.
    pub fn lock(
        &self,
        tool: Tool,
        spec: &Spec,
        platforms: &[String],
    ) -> Result<Locked, ProviderError> {
        let host = Host::detect();
        let release = releases::resolve(tool, spec, &self.remote(host))?;
        let mut entry = LockedTool {
            name: tool.name().into(),
            spec: spec.to_string(),
            version: release.version.to_string(),
            lts: release.lts.clone(),
            platforms: BTreeMap::new(),
        };
        let mut skipped = Vec::new();
        for platform in platforms {
            match self.artifact_for(tool, &release, platform, host) {
                Ok(artifact) => {
                    entry.platforms.insert(platform.clone(), locked(artifact));
                }
                Err(e) if !self.explicit && !is_host(platform, host) => {
                    skipped.push((platform.clone(), e.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Locked { entry, skipped })
    }

    /// The artifact of `release` for `platform`: this host's own detection for its platform,
    /// the platform's generic host (current glibc, AVX2 CPUs) for the others.
    fn artifact_for(
        &self,
        tool: Tool,
        release: &Release,
        platform: &str,
        host: Host,
    ) -> Result<Artifact, ProviderError> {
        if is_host(platform, host) {
            return releases::artifact(tool, release, &self.remote(host));
        }
        let other =
            Host::from_platform_key(platform).ok_or_else(|| ProviderError::NotInstallable {
                spec: platform.to_string(),
            })?;
        let remote = self.remote(other);
        let theirs = releases::release_exact(tool, &release.version, &remote)?;
        releases::artifact_at(tool, &theirs, &remote, X64Level::Modern)
    }
}

fn is_host(platform: &str, host: Host) -> bool {
    host.platform_key() == platform
}

fn locked(artifact: Artifact) -> LockedArtifact {
    LockedArtifact {
        file: artifact.filename,
        sha256: artifact.sha256,
        integrity: artifact.integrity,
        digest_from: artifact.digest_from.as_str().to_string(),
        verified: (!artifact.verified.is_empty()).then_some(artifact.verified),
    }
}

/// A file named in `envm.lock` for `tool` on `host`, as an artifact on the upstream or mirror
/// configured now, with the locked digest. Reads no index.
pub fn locked_artifact(
    tool: Tool,
    host: &Host,
    version: &Version,
    locked: &LockedArtifact,
) -> Result<Artifact, ProviderError> {
    let url = match &tool.source().kind {
        SourceKind::Index { file_url, .. } => file_url(&LockedFile {
            host,
            version,
            file: &locked.file,
        }),
        SourceKind::Npm(npm) => {
            let package = npm
                .platform_package(host, X64Level::detect())
                .map_err(NpmError::from)?;
            let expected = pack_file_name(&package, &version.to_string());
            if expected != locked.file {
                return Err(ProviderError::LockedFileMismatch {
                    tool,
                    locked: locked.file.clone(),
                    expected,
                });
            }
            Registry::from_env()
                .and_then(|r| r.package_tarball_url(&package, &version.to_string()))
                .map_err(NpmError::from)?
        }
    };
    Ok(Artifact {
        url,
        filename: locked.file.clone(),
        sha256: locked.sha256.to_ascii_lowercase(),
        integrity: locked.integrity.clone(),
        digest_from: releases::DigestFrom::Lock,
        verified: String::new(),
        signature: None,
    })
}
