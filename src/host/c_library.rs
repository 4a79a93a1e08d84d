//! Which C library this machine's programs run on, read off the system rather than off envm's
//! own build. envm ships statically linked: the glibc inside it is the build machine's (2.39
//! on the release builders), so asking it (`gnu_get_libc_version`) would accept toolchains
//! that need a newer glibc than the host has, and a musl-built envm would call every host
//! musl. The toolchains envm installs are dynamically linked like the system's own programs,
//! so the answer is theirs: the ELF interpreter `/bin/sh` names (`ld-musl-…` or glibc's
//! `ld-linux-…`), and for glibc the version its loader reports (`--version`), else `ldd`'s.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Libc;

/// The C library of the programs on this system, judged by `sh` (normally `/bin/sh`), with
/// `ldd` as the second witness; `None` when neither tells.
pub fn detect(sh: &Path, ldd: &Path) -> Option<Libc> {
    match elf_interpreter(sh) {
        Some(loader) if is_musl_loader(&loader) => Some(Libc::Musl),
        Some(loader) => version_report(Command::new(&loader).arg("--version"))
            .or_else(|| version_report(Command::new(ldd).arg("--version"))),
        // A static `/bin/sh` (busybox): only `ldd` can tell.
        None => version_report(Command::new(ldd).arg("--version")),
    }
}

fn is_musl_loader(loader: &Path) -> bool {
    loader
        .file_name()
        .is_some_and(|n| n.as_encoded_bytes().starts_with(b"ld-musl"))
}

/// What `--version` of a loader or `ldd` says: musl's mention it by name (on stderr, exit 1);
/// glibc's first line ends with the version (`ld.so (Debian GLIBC 2.36-9) stable release
/// version 2.36.`, `ldd (GNU libc) 2.17`).
fn version_report(command: &mut Command) -> Option<Libc> {
    let out = command.stdin(std::process::Stdio::null()).output().ok()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stdout.contains("musl") || stderr.contains("musl") {
        return Some(Libc::Musl);
    }
    if !out.status.success() {
        return None;
    }
    let first = stdout.lines().next()?;
    let version = first.split_whitespace().last()?.trim_end_matches('.');
    super::parse_glibc_version(version)
}

/// The `PT_INTERP` path of the 64- or 32-bit little-endian ELF file at `path`; `None` for a
/// static program, a script, or anything unreadable.
pub fn elf_interpreter(path: &Path) -> Option<PathBuf> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut head = Vec::new();
    file.by_ref().take(64 * 1024).read_to_end(&mut head).ok()?;
    if head.get(..4)? != b"\x7fELF" || *head.get(5)? != 1 {
        return None;
    }
    let wide = match head.get(4)? {
        2 => true,
        1 => false,
        _ => return None,
    };
    let (phoff, phentsize, phnum) = if wide {
        (
            le(&head, 0x20, 8)?,
            le(&head, 0x36, 2)?,
            le(&head, 0x38, 2)?,
        )
    } else {
        (
            le(&head, 0x1c, 4)?,
            le(&head, 0x2a, 2)?,
            le(&head, 0x2c, 2)?,
        )
    };
    const PT_INTERP: u64 = 3;
    for i in 0..phnum {
        let ph = usize::try_from(phoff.checked_add(i.checked_mul(phentsize)?)?).ok()?;
        if le(&head, ph, 4)? != PT_INTERP {
            continue;
        }
        let (offset, size) = if wide {
            (le(&head, ph + 0x08, 8)?, le(&head, ph + 0x20, 8)?)
        } else {
            (le(&head, ph + 0x04, 4)?, le(&head, ph + 0x10, 4)?)
        };
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(size).ok()?)?;
        let text = head.get(start..end)?;
        let text = text.split(|b| *b == 0).next()?;
        let text = std::str::from_utf8(text).ok()?;
        return text.starts_with('/').then(|| PathBuf::from(text));
    }
    None
}

/// The little-endian unsigned integer of `width` bytes at `at`.
fn le(bytes: &[u8], at: usize, width: usize) -> Option<u64> {
    let field = bytes.get(at..at.checked_add(width)?)?;
    Some(field.iter().rev().fold(0, |n, b| (n << 8) | u64::from(*b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A minimal 64-bit ELF file whose one program header is `PT_INTERP` naming `loader`.
    fn elf_with_interpreter(loader: &str) -> Vec<u8> {
        let mut elf = vec![0u8; 64 + 56];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2; // 64-bit
        elf[5] = 1; // little-endian
        elf[0x20..0x28].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
        elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
        elf[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
        elf[64..68].copy_from_slice(&3u32.to_le_bytes()); // PT_INTERP
        let at = elf.len() as u64;
        let size = loader.len() as u64 + 1;
        elf[64 + 0x08..64 + 0x10].copy_from_slice(&at.to_le_bytes());
        elf[64 + 0x20..64 + 0x28].copy_from_slice(&size.to_le_bytes());
        elf.extend_from_slice(loader.as_bytes());
        elf.push(0);
        elf
    }

    fn script(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn the_system_says_which_c_library_and_which_glibc() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let no_ldd = dir.join("no-ldd");
        // A glibc loader reporting 2.17: what the host has, whatever envm was built with.
        let loader = dir.join("ld-linux-x86-64.so.2");
        script(
            &loader,
            "#!/bin/sh\necho 'ld.so (GNU libc) stable release version 2.17.'\necho 'Copyright'\n",
        );
        let sh = dir.join("sh");
        std::fs::write(&sh, elf_with_interpreter(loader.to_str().unwrap())).unwrap();
        assert_eq!(elf_interpreter(&sh), Some(loader.clone()));
        assert_eq!(detect(&sh, &no_ldd), Some(Libc::Glibc(2, 17)));
        // A loader without `--version`: `ldd` answers.
        script(&loader, "#!/bin/sh\nexit 127\n");
        let ldd = dir.join("ldd");
        script(
            &ldd,
            "#!/bin/sh\necho 'ldd (Ubuntu GLIBC 2.31-0ubuntu9) 2.31'\n",
        );
        assert_eq!(detect(&sh, &ldd), Some(Libc::Glibc(2, 31)));
        assert_eq!(detect(&sh, &no_ldd), None);
        // musl's loader is known by name; its ldd says so on stderr.
        let musl_sh = dir.join("musl-sh");
        std::fs::write(&musl_sh, elf_with_interpreter("/lib/ld-musl-x86_64.so.1")).unwrap();
        assert_eq!(detect(&musl_sh, &no_ldd), Some(Libc::Musl));
        let static_sh = dir.join("static-sh");
        std::fs::write(&static_sh, b"#!/bin/true\n").unwrap();
        script(&ldd, "#!/bin/sh\necho 'musl libc (x86_64)' >&2\nexit 1\n");
        assert_eq!(detect(&static_sh, &ldd), Some(Libc::Musl));
        // Truncated or foreign files are not read past their end.
        let mut cut = elf_with_interpreter("/lib/ld-musl-x86_64.so.1");
        cut.truncate(100);
        std::fs::write(&static_sh, cut).unwrap();
        assert_eq!(elf_interpreter(&static_sh), None);
    }

    #[test]
    fn this_machine_matches_what_ldd_reports() {
        let Some(loader) = elf_interpreter(Path::new("/bin/sh")) else {
            return;
        };
        let found = detect(Path::new("/bin/sh"), Path::new("ldd"));
        if is_musl_loader(&loader) {
            assert_eq!(found, Some(Libc::Musl));
        } else {
            let ldd = Command::new("ldd").arg("--version").output().unwrap();
            let text = String::from_utf8_lossy(&ldd.stdout);
            let version = text
                .lines()
                .next()
                .unwrap()
                .split_whitespace()
                .last()
                .unwrap();
            assert_eq!(found, super::super::parse_glibc_version(version));
        }
    }
}
