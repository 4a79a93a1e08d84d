//! Installing one toolchain version, atomically: resolve against the remote index, check the
//! host fit, then under a per-(tool, version) lock stream download → verify → unpack into a
//! staging folder next to the target, write the receipt, and rename it into place. A version
//! folder therefore exists only once complete and verified. Concurrent installs of the same
//! version wait on the lock and find the work done; staging folders left by killed runs are
//! removed under the same lock. A full disk ends the install with a "disk full" error and
//! nothing half-done (no staging folder, no partial download).

use std::fs;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::fetch::http::{FetchError, Net};
use crate::fetch::npm::{self, Integrity, NpmError, VerifyingReader};
use crate::fetch::releases::{self, Artifact, ProviderError, Release, Remote, SourceKind};
use crate::fetch::signed;
use crate::fetch::unpack::{self, ArchiveKind, UnpackError};
use crate::host::Host;
use crate::layout::Layout;
use crate::resolve::installed::{self, Receipt};
use crate::tools::Tool;
use crate::version::Version;
use crate::version::spec::{Spec, SpecKind};

/// How to install.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstallOptions {
    /// Reinstall even when the version is already there.
    pub force: bool,
    /// Bypass the index cache TTL.
    pub refresh: bool,
    /// Ask the remote index first, so fuzzy specs get upstream's newest match (commands);
    /// otherwise an installed match is used without the network (shims). Either way an
    /// installed match is the fallback when the index cannot be had.
    pub remote_first: bool,
}

/// A toolchain that is installed now.
#[derive(Debug, Clone, PartialEq)]
pub struct Installed {
    pub version: Version,
    pub dir: PathBuf,
    /// True when this call installed it (false: it was already there).
    pub fresh: bool,
}

/// An install that did not happen; nothing was left behind.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Npm(#[from] NpmError),
    #[error("cannot unpack {url}: {source}")]
    Unpack {
        url: String,
        #[source]
        source: UnpackError,
    },
    #[error("{url}: {}", UnpackError::Format(filename.clone()))]
    Format { url: String, filename: String },
    #[error("cannot set up {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{url}: the expected checksum `{value}` is not a SHA-256 (64 hex digits) or an SRI integrity"
    )]
    BadDigest { url: String, value: String },
    #[error("{tool} {version} is not installed")]
    NotInstalled { tool: Tool, version: String },
    #[error("disk full at {}", path.display())]
    DiskFull { path: PathBuf },
    #[error("{url} holds no executable `{binary}`")]
    MissingBinary { url: String, binary: String },
}

impl Diagnostic for InstallError {
    fn hint(&self) -> Option<String> {
        match self {
            InstallError::Provider(e) => e.hint(),
            InstallError::Fetch(e) => e.hint(),
            InstallError::Npm(e) => e.hint(),
            InstallError::Unpack { source, .. } => source.hint(),
            InstallError::NotInstalled { tool, .. } => {
                Some(format!("see what is installed with `envm ls {tool}`"))
            }
            InstallError::Io { .. } => Some("check permissions and free space".into()),
            InstallError::DiskFull { .. } => Some(crate::fetch::http::DISK_FULL_HINT.into()),
            InstallError::Format { .. } => None,
            InstallError::MissingBinary { .. } => {
                Some("the package is not the build envm expects; nothing was installed".into())
            }
            InstallError::BadDigest { .. } => Some(
                "the index or envm.lock is damaged; retry with --refresh or `envm lock`".into(),
            ),
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| {
        if crate::fetch::http::is_disk_full(&source) {
            InstallError::DiskFull {
                path: path.to_path_buf(),
            }
        } else {
            InstallError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// A toolchain satisfying `spec`, installing the newest matching upstream release when
/// needed (see [`InstallOptions::remote_first`]; `force` reinstalls). This is the entry point
/// for shims and commands.
pub fn ensure_installed(
    layout: &Layout,
    tool: Tool,
    spec: &Spec,
    opts: &InstallOptions,
) -> Result<Installed, InstallError> {
    let have = if opts.force {
        None
    } else {
        installed_match(layout, tool, spec).and_then(|v| existing(layout, tool, &v))
    };
    if let Some(have) = &have
        && !opts.remote_first
    {
        return Ok(have.clone());
    }
    let net = Net::from_env()?;
    let remote = Remote {
        layout,
        net: &net,
        refresh: opts.refresh,
        host: Host::detect(),
    };
    match releases::resolve(tool, spec, &remote) {
        Ok(release) => {
            crate::diag::debug(|| format!("{tool}@{spec} resolves to {}", release.version));
            install_release(&remote, tool, &release, opts.force)
        }
        Err(e) => have.ok_or(e.into()),
    }
}

/// The newest installed version satisfying `spec` (LTS specs use the receipts' codenames).
pub fn installed_match(layout: &Layout, tool: Tool, spec: &Spec) -> Option<Version> {
    if matches!(spec.kind(), SpecKind::System | SpecKind::Path(_)) {
        return None;
    }
    installed::versions(layout, tool)
        .into_iter()
        .filter(|v| spec.matches(v, installed::lts_line(layout, tool, v).as_deref()))
        .max()
}

/// Installs `release` unless it already is (or always, with `force`).
pub fn install_release(
    remote: &Remote,
    tool: Tool,
    release: &Release,
    force: bool,
) -> Result<Installed, InstallError> {
    let layout = remote.layout;
    let version = &release.version;
    if !force && let Some(have) = existing(layout, tool, version) {
        return Ok(have);
    }
    // Host fit and checksum are settled before anything is downloaded.
    let artifact = releases::artifact(tool, release, remote)?;
    crate::diag::debug(|| {
        format!(
            "{tool} {version}: downloading {} (sha256 {})",
            artifact.url,
            if artifact.sha256.is_empty() {
                artifact.integrity.as_deref().unwrap_or("?")
            } else {
                &artifact.sha256
            }
        )
    });
    install_artifact(
        layout,
        remote.net,
        tool,
        (version, release.lts.as_deref()),
        &artifact,
        force,
    )
}

/// Installs `version` of `tool` from `artifact` (URL and expected digest already known, e.g.
/// from `envm.lock`), unless it already is (or always, with `force`). `lts` goes into the
/// receipt.
pub fn install_artifact(
    layout: &Layout,
    net: &Net,
    tool: Tool,
    (version, lts): (&Version, Option<&str>),
    artifact: &Artifact,
    force: bool,
) -> Result<Installed, InstallError> {
    if !force && let Some(have) = existing(layout, tool, version) {
        return Ok(have);
    }
    // The digest names the cached file, so it must be exactly what it claims to be.
    let integrity = match &artifact.integrity {
        Some(sri) => Some(Integrity::parse(sri).map_err(|_| InstallError::BadDigest {
            url: artifact.url.clone(),
            value: sri.clone(),
        })?),
        None => {
            let sha = &artifact.sha256;
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(InstallError::BadDigest {
                    url: artifact.url.clone(),
                    value: sha.clone(),
                });
            }
            None
        }
    };
    let kind = ArchiveKind::from_name(&artifact.filename).ok_or_else(|| InstallError::Format {
        url: artifact.url.clone(),
        filename: artifact.filename.clone(),
    })?;
    let tool_dir = layout.tool_installs(tool);
    fs::create_dir_all(&tool_dir).map_err(io_err(&tool_dir))?;
    let _lock = lock(&tool_dir, version)?;
    // Another envm may have finished it while this one waited for the lock.
    if !force && let Some(have) = existing(layout, tool, version) {
        return Ok(have);
    }
    let dir = layout.install_dir(tool, version);
    clean_stale(&tool_dir, version);
    let staging = tool_dir.join(format!(".staging-{version}-{}", std::process::id()));
    let downloads = layout.downloads_dir();
    fs::create_dir_all(&downloads).map_err(io_err(&downloads))?;
    let result = match &integrity {
        Some(integrity) => unpack_checked(net, artifact, integrity, kind, &downloads, &staging),
        None => unpack_streamed(net, artifact, kind, &downloads, &staging),
    };
    let result = result
        .and_then(|()| {
            let kept = kept_download(&downloads, artifact);
            signed::check_file(tool, layout, artifact, &kept).map_err(|e| {
                // A file its signature refuses is not kept for next time.
                let _ = fs::remove_file(&kept);
                InstallError::Provider(e.into())
            })
        })
        .and_then(|()| check_npm_binary(tool, artifact, &staging))
        .and_then(|()| link_programs(tool, &staging))
        .and_then(|()| {
            let receipt = Receipt {
                tool: tool.name().into(),
                version: version.to_string(),
                url: artifact.url.clone(),
                sha256: artifact.sha256.clone(),
                integrity: artifact.integrity.clone(),
                verified: Some(artifact.verified.clone()),
                installed_at: now_rfc3339(),
                bins: bins(&tool.bin_dir(&staging)),
                lts: lts.map(str::to_string),
            };
            let path = Receipt::path(&staging);
            let text = serde_json::to_vec_pretty(&receipt).unwrap_or_default();
            // A receipt (or a link by that name) shipped in the archive is replaced, not
            // written through.
            if fs::symlink_metadata(&path).is_ok() {
                fs::remove_file(&path).map_err(io_err(&path))?;
            }
            fs::write(&path, text).map_err(io_err(&path))?;
            commit(&staging, &dir, &tool_dir, version)
        });
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result?;
    after_change(layout);
    Ok(Installed {
        version: version.clone(),
        dir,
        fresh: true,
    })
}

/// Streams a sha256-checked archive into `staging` while it downloads; the result counts
/// only once the digest matched. A verified copy is kept in `downloads`.
fn unpack_streamed(
    net: &Net,
    artifact: &Artifact,
    kind: ArchiveKind,
    downloads: &Path,
    staging: &Path,
) -> Result<(), InstallError> {
    let keep = kept_download(downloads, artifact);
    net.stream_verified(&artifact.url, &artifact.sha256, &keep, |reader| {
        // Each attempt starts from an empty staging folder.
        let _ = fs::remove_dir_all(staging);
        fs::create_dir_all(staging).map_err(|e| unpack::write_error(staging, e))?;
        unpack::unpack(reader, kind, staging)
    })
    .map_err(InstallError::from)
    .and_then(|unpacked| unpacked.map_err(|source| unpack_error(artifact, source)))
}

/// Where the verified copy of a download is kept (sha256-checked ones keyed by digest).
fn kept_download(downloads: &Path, artifact: &Artifact) -> PathBuf {
    match artifact.integrity {
        Some(_) => downloads.join(&artifact.filename),
        None => downloads.join(format!("{}-{}", artifact.sha256, artifact.filename)),
    }
}

/// Downloads an integrity-checked tarball into `downloads` and unpacks it into `staging`
/// only once the whole file matched: nothing is unpacked from unverified bytes. A cached copy
/// is checked again before use.
fn unpack_checked(
    net: &Net,
    artifact: &Artifact,
    integrity: &Integrity,
    kind: ArchiveKind,
    downloads: &Path,
    staging: &Path,
) -> Result<(), InstallError> {
    let keep = kept_download(downloads, artifact);
    let cached_ok = fs::File::open(&keep)
        .ok()
        .and_then(|file| VerifyingReader::new(file, integrity).finish().ok())
        .is_some_and(|verdict| verdict.is_ok());
    if !cached_ok {
        let _ = fs::remove_file(&keep);
        npm::client::download_verified(net, &artifact.url, integrity, &keep)?;
    }
    let mut file = fs::File::open(&keep).map_err(io_err(&keep))?;
    let _ = fs::remove_dir_all(staging);
    fs::create_dir_all(staging).map_err(io_err(staging))?;
    unpack::unpack(&mut file, kind, staging).map_err(|source| unpack_error(artifact, source))
}

fn unpack_error(artifact: &Artifact, source: UnpackError) -> InstallError {
    match source {
        UnpackError::DiskFull { path } => InstallError::DiskFull { path },
        source => InstallError::Unpack {
            url: artifact.url.clone(),
            source,
        },
    }
}

/// An npm package must hold the tool's binary where the registry entry says.
fn check_npm_binary(tool: Tool, artifact: &Artifact, staging: &Path) -> Result<(), InstallError> {
    let SourceKind::Npm(npm) = tool.source().kind else {
        return Ok(());
    };
    let inside = npm.binary_in_tarball;
    let path = staging.join(inside.strip_prefix("package/").unwrap_or(inside));
    use std::os::unix::fs::PermissionsExt;
    let executable =
        fs::metadata(&path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if executable {
        Ok(())
    } else {
        Err(InstallError::MissingBinary {
            url: artifact.url.clone(),
            binary: inside.to_string(),
        })
    }
}

/// The links the tool's registry entry asks for in its bin folder (`bunx` → `bun`).
pub fn link_programs(tool: Tool, staging: &Path) -> Result<(), InstallError> {
    let bin_dir = tool.bin_dir(staging);
    for (name, target) in tool.def().links {
        let path = bin_dir.join(name);
        if fs::symlink_metadata(&path).is_ok() {
            fs::remove_file(&path).map_err(io_err(&path))?;
        }
        std::os::unix::fs::symlink(target, &path).map_err(io_err(&path))?;
    }
    Ok(())
}

/// `version` as already installed, if it is.
/// The install of `version`, when there is one.
pub fn existing(layout: &Layout, tool: Tool, version: &Version) -> Option<Installed> {
    let dir = layout.install_dir(tool, version);
    dir.is_dir().then(|| Installed {
        version: version.clone(),
        dir,
        fresh: false,
    })
}

/// Renames the finished staging folder onto `dir` (replacing an old install when forced).
fn commit(
    staging: &Path,
    dir: &Path,
    tool_dir: &Path,
    version: &Version,
) -> Result<(), InstallError> {
    if dir.exists() {
        let old = tool_dir.join(format!(".old-{version}-{}", std::process::id()));
        fs::rename(dir, &old).map_err(io_err(dir))?;
        fs::rename(staging, dir).map_err(io_err(dir))?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(staging, dir).map_err(io_err(dir))?;
    }
    Ok(())
}

/// Removes `installs/TOOL/VERSION` (atomically: renamed away, then deleted).
pub fn uninstall(layout: &Layout, tool: Tool, version: &Version) -> Result<PathBuf, InstallError> {
    let dir = layout.install_dir(tool, version);
    if !dir.is_dir() {
        return Err(InstallError::NotInstalled {
            tool,
            version: version.to_string(),
        });
    }
    let tool_dir = layout.tool_installs(tool);
    let _lock = lock(&tool_dir, version)?;
    let old = tool_dir.join(format!(".old-{version}-{}", std::process::id()));
    fs::rename(&dir, &old).map_err(io_err(&dir))?;
    fs::remove_dir_all(&old).map_err(io_err(&old))?;
    Ok(dir)
}

/// Called after installs/TOOL changed (install, uninstall, prune).
pub fn after_change(layout: &Layout) {
    // The toolchain change itself has landed; stale shims are repaired by `envm reshim`, so a
    // failure here is reported without undoing the install.
    if let Err(e) = crate::link::reshim(layout) {
        eprintln!(
            "warning: the shims were not updated: {}",
            crate::diag::printable(&e.to_string())
        );
        eprintln!("hint: run `envm reshim`");
    }
}

/// The lock file of `version` in `tool_dir`.
fn lock_path(tool_dir: &Path, version: &Version) -> PathBuf {
    tool_dir.join(format!(".{version}.lock"))
}

/// Holds `installs/TOOL/.VERSION.lock` exclusively until dropped. `envm prune` deletes idle
/// lock files, so a lock taken on a file that was unlinked meanwhile is taken again on the
/// file now at the path.
fn lock(tool_dir: &Path, version: &Version) -> Result<fs::File, InstallError> {
    use std::os::unix::fs::MetadataExt;
    let path = lock_path(tool_dir, version);
    loop {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        file.lock().map_err(io_err(&path))?;
        let held = file.metadata().map_err(io_err(&path))?;
        if fs::metadata(&path).is_ok_and(|now| (now.dev(), now.ino()) == (held.dev(), held.ino())) {
            return Ok(file);
        }
    }
}

/// Deletes the lock files in `tool_dir` no envm holds now (left by finished or killed runs);
/// returns how many. A lock file is removed while held, so no run can be inside it.
pub fn remove_idle_locks(tool_dir: &Path) -> usize {
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(entries) = fs::read_dir(tool_dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(".lock")) {
            continue;
        }
        let opened = fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(entry.path());
        let Ok(file) = opened else {
            continue;
        };
        if file.try_lock().is_ok() && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Removes the staging and replaced folders of `version` left by killed runs (the lock is
/// held, so no live run owns them). A partial download is not touched here: the next download
/// of the same archive truncates and rewrites it.
fn clean_stale(tool_dir: &Path, version: &Version) {
    let prefixes = [format!(".staging-{version}-"), format!(".old-{version}-")];
    let Ok(entries) = fs::read_dir(tool_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if prefixes.iter().any(|p| name.starts_with(p.as_str())) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Executable names in a toolchain's bin folder, sorted.
fn bins(bin_dir: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(entries) = fs::read_dir(bin_dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| {
            fs::metadata(e.path()).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.') && installed::is_plain_name(n))
        .collect();
    names.sort();
    names
}

/// The current time as RFC 3339 UTC (`2026-11-27T11:15:26Z`).
pub fn now_rfc3339() -> String {
    crate::clock::Utc::now().rfc3339()
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_shape() {
        let t = super::now_rfc3339();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }
}
