//! Toolchain version numbers as the four upstreams write them, ordered numerically.
//!
//! One type serves every tool: `22.11.0` (node, after its `v` is dropped), `3.12.7`,
//! `3.14.0rc1` and `3.13.1t` (python: pre-release and free-threaded suffixes), `1.22.0` and
//! `1.21rc2` (go, after its `go` prefix is dropped), `0.14.0` and `0.15.0-dev.1+abc` (zig).
//! Ordering compares components as numbers (`3.9 < 3.10`), a pre-release sorts before its
//! release, and `dev < a < b < rc`.
//!
//! Whatever the source (a spec, `envm.lock`, an index, a folder name, a receipt), a version
//! holds only `[0-9A-Za-z.+-]`: it names folders and lock files and is printed.

pub mod spec;

use std::cmp::Ordering;
use std::fmt;

/// Most components any upstream uses.
const MAX_COMPONENTS: usize = 4;

/// A parsed version. `Display` gives the canonical form envm uses for install folders.
#[derive(Debug, Clone)]
pub struct Version {
    nums: [u64; MAX_COMPONENTS],
    len: u8,
    pre: Option<Pre>,
    freethreaded: bool,
}

/// A pre-release suffix: its text as written (`rc1`, `-dev.3+abc`) and its sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pre {
    text: Box<str>,
    rank: u8,
    num: u64,
}

/// Why a version string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a version number")]
pub struct VersionParseError {
    pub text: String,
}

impl Version {
    /// Parses a version, accepting a leading `v` and a trailing `t` (a free-threaded build).
    /// A tool's own prefix (`SpecRules::version_prefix`) is stripped by the caller first.
    pub fn parse(text: &str) -> Result<Version, VersionParseError> {
        Self::parse_inner(text).ok_or_else(|| VersionParseError {
            text: text.to_string(),
        })
    }

    /// Whether `text` uses only the characters a version may hold (`[0-9A-Za-z.+-]`).
    pub fn is_safe_text(text: &str) -> bool {
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'))
    }

    /// Parses a folder name under `installs/TOOL/`: only the canonical spelling envm writes
    /// (`22.11.0`, not `v22.11.0`), so the folder found is the folder used.
    pub fn parse_canonical(name: &str) -> Option<Version> {
        Version::parse(name).ok().filter(|v| v.to_string() == name)
    }

    fn parse_inner(text: &str) -> Option<Version> {
        let mut rest = text.trim();
        if !Self::is_safe_text(rest) {
            return None;
        }
        rest = rest
            .strip_prefix('v')
            .or_else(|| rest.strip_prefix('V'))
            .unwrap_or(rest);
        let freethreaded = match rest.strip_suffix('t') {
            Some(stripped) if stripped.ends_with(|c: char| c.is_ascii_digit()) => {
                rest = stripped;
                true
            }
            _ => false,
        };
        let mut nums = [0u64; MAX_COMPONENTS];
        let mut len = 0usize;
        loop {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || len == MAX_COMPONENTS {
                return None;
            }
            nums[len] = rest[..digits].parse().ok()?;
            len += 1;
            rest = &rest[digits..];
            match rest.strip_prefix('.') {
                Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
                _ => break,
            }
        }
        let pre = if rest.is_empty() {
            None
        } else {
            Some(Pre::parse(rest)?)
        };
        Some(Version {
            nums,
            len: len as u8,
            pre,
            freethreaded,
        })
    }

    /// The numeric components as written (`[3, 12]` for `3.12`).
    pub fn components(&self) -> &[u64] {
        &self.nums[..self.len as usize]
    }

    /// Component `i`, or 0 when the version was written with fewer components.
    pub fn component(&self, i: usize) -> u64 {
        self.nums.get(i).copied().unwrap_or(0)
    }

    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some()
    }

    /// Python's free-threaded builds (`3.13t`).
    pub fn is_freethreaded(&self) -> bool {
        self.freethreaded
    }

    /// The same version with the free-threaded flag set as given.
    pub fn with_freethreaded(mut self, freethreaded: bool) -> Version {
        self.freethreaded = freethreaded;
        self
    }

    /// A version from plain components, for callers that build one from an index.
    pub fn from_components(components: &[u64]) -> Version {
        let mut nums = [0u64; MAX_COMPONENTS];
        let len = components.len().min(MAX_COMPONENTS);
        nums[..len].copy_from_slice(&components[..len]);
        Version {
            nums,
            len: len as u8,
            pre: None,
            freethreaded: false,
        }
    }

    /// A stable version written with fewer than `n` components, padded with zeros (`1.13` →
    /// `1.13.0` for n = 3); anything else as it is.
    pub fn padded_to(mut self, n: usize) -> Version {
        let n = n.min(MAX_COMPONENTS);
        if self.pre.is_none() && (self.len as usize) < n {
            self.len = n as u8;
        }
        self
    }

    /// True when this version's leading components equal `prefix` (whole components only:
    /// `3.1` is not a prefix of `3.12.0`).
    pub fn starts_with(&self, prefix: &[u64]) -> bool {
        prefix.len() <= self.len as usize && self.components()[..prefix.len()] == *prefix
    }

    fn cmp_numbers(&self, other: &Version) -> Ordering {
        (0..MAX_COMPONENTS)
            .map(|i| self.nums[i].cmp(&other.nums[i]))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl Pre {
    /// `rc1`, `a2`, `b3`, `beta1`, `-rc.1`, `-dev.1234+abcdef`: every upstream's spelling.
    fn parse(text: &str) -> Option<Pre> {
        let body = text.strip_prefix('-').unwrap_or(text);
        let body = body.split('+').next().unwrap_or(body);
        let word_len = body.bytes().take_while(u8::is_ascii_alphabetic).count();
        if word_len == 0 {
            return None;
        }
        let (word, tail) = body.split_at(word_len);
        let tail = tail.strip_prefix('.').unwrap_or(tail);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if tail.len() != digits {
            return None;
        }
        let num = if digits == 0 { 0 } else { tail.parse().ok()? };
        let rank = match word.to_ascii_lowercase().as_str() {
            "dev" | "nightly" => 0,
            "a" | "alpha" => 1,
            "b" | "beta" => 2,
            "rc" | "c" => 3,
            _ => return None,
        };
        Some(Pre {
            text: text.into(),
            rank,
            num,
        })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.cmp_numbers(other)
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => (a.rank, a.num, &a.text).cmp(&(b.rank, b.num, &b.text)),
            })
            .then_with(|| self.freethreaded.cmp(&other.freethreaded))
            .then_with(|| self.len.cmp(&other.len))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.to_string().hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.components().iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        if let Some(pre) = &self.pre {
            f.write_str(&pre.text)?;
        }
        if self.freethreaded {
            f.write_str("t")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Version {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Version, VersionParseError> {
        Version::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn parses_every_upstream_spelling() {
        let cases = [
            ("22.11.0", "22.11.0"),
            ("v22.11.0", "22.11.0"),
            ("3.12.7", "3.12.7"),
            ("3.14.0rc1", "3.14.0rc1"),
            ("3.13.0a4", "3.13.0a4"),
            ("3.13.1t", "3.13.1t"),
            ("1.21rc2", "1.21rc2"),
            ("1.20", "1.20"),
            ("0.14.0", "0.14.0"),
            ("0.15.0-dev.1234+abcdef", "0.15.0-dev.1234+abcdef"),
        ];
        for (input, shown) in cases {
            assert_eq!(v(input).to_string(), shown, "{input}");
        }
        assert!(v("3.14.0rc1").is_prerelease());
        assert!(v("1.21rc2").is_prerelease());
        assert!(!v("3.13.1t").is_prerelease());
        assert!(v("3.13.1t").is_freethreaded());
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "abc",
            "3..1",
            "3.12.",
            "3.12.x",
            "1.2.3.4.5",
            "22.1.0-",
            "3.12rcX",
            "lts",
            "1.0.0+\x1b[31m",
            "0.15.0-dev.1+a b",
            "1.2.3+x/y",
            "1.2.3+é",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn orders_numerically_not_lexically() {
        let mut list: Vec<Version> = [
            "3.10.0",
            "3.9.18",
            "3.12.0",
            "3.12.0rc1",
            "3.12.0b2",
            "3.12.0a1",
            "3.11.10",
            "3.11.9",
        ]
        .iter()
        .map(|s| v(s))
        .collect();
        list.sort();
        let shown: Vec<String> = list.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            shown,
            [
                "3.9.18",
                "3.10.0",
                "3.11.9",
                "3.11.10",
                "3.12.0a1",
                "3.12.0b2",
                "3.12.0rc1",
                "3.12.0"
            ]
        );
        assert!(v("1.21rc2") < v("1.21.0"));
        assert!(v("0.15.0-dev.5") < v("0.15.0"));
    }

    #[test]
    fn folder_names_must_be_canonical() {
        assert!(Version::parse_canonical("97.0.0").is_some());
        assert!(Version::parse_canonical("v97.0.0").is_none());
        assert!(Version::parse_canonical("97.0.0 ").is_none());
        assert!(Version::parse_canonical("0.15.0-dev.1+abc").is_some());
    }

    #[test]
    fn prefix_is_by_whole_components() {
        assert!(v("3.12.7").starts_with(&[3, 12]));
        assert!(!v("3.12.7").starts_with(&[3, 1]));
        assert!(!v("3.12").starts_with(&[3, 12, 0]));
    }
}
