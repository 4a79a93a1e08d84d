//! The Node.js trust anchors: the release keys embedded in the binary (with the upstream commit
//! they come from) and the table of Node.js downloads that upstream never signed, so that a
//! missing signature is judged from facts, never from a 404.

/// The `nodejs/release-keys` commit the embedded keys were copied from, unchanged.
pub const NODE_RELEASE_KEYS_COMMIT: &str = "b28073028e6d6855cfb53bf7fa0137599c01f967";

/// Upstream's `keys.list`: the fingerprints of the 29 release keys.
pub const NODE_RELEASE_KEYS_LIST: &str = include_str!("node-release-keys/keys.list");

/// Every release key as `(primary fingerprint, armored public key)`, in `keys.list` order.
pub const NODE_RELEASE_KEYS: [(&str, &str); 29] = [
    (
        "4ED778F539E3634C779C87C6D7062848A1AB005C",
        include_str!("node-release-keys/keys/4ED778F539E3634C779C87C6D7062848A1AB005C.asc"),
    ),
    (
        "94AE36675C464D64BAFA68DD7434390BDBE9B9C5",
        include_str!("node-release-keys/keys/94AE36675C464D64BAFA68DD7434390BDBE9B9C5.asc"),
    ),
    (
        "1C050899334244A8AF75E53792EF661D867B9DFA",
        include_str!("node-release-keys/keys/1C050899334244A8AF75E53792EF661D867B9DFA.asc"),
    ),
    (
        "B9AE9905FFD7803F25714661B63B535A4C206CA9",
        include_str!("node-release-keys/keys/B9AE9905FFD7803F25714661B63B535A4C206CA9.asc"),
    ),
    (
        "77984A986EBC2AA786BC0F66B01FBB92821C587A",
        include_str!("node-release-keys/keys/77984A986EBC2AA786BC0F66B01FBB92821C587A.asc"),
    ),
    (
        "71DCFD284A79C3B38668286BC97EC7A07EDE3FC1",
        include_str!("node-release-keys/keys/71DCFD284A79C3B38668286BC97EC7A07EDE3FC1.asc"),
    ),
    (
        "61FC681DFB92A079F1685E77973F295594EC4689",
        include_str!("node-release-keys/keys/61FC681DFB92A079F1685E77973F295594EC4689.asc"),
    ),
    (
        "FD3A5288F042B6850C66B31F09FE44734EB7990E",
        include_str!("node-release-keys/keys/FD3A5288F042B6850C66B31F09FE44734EB7990E.asc"),
    ),
    (
        "8FCCA13FEF1D0C2E91008E09770F7A9A5AE15600",
        include_str!("node-release-keys/keys/8FCCA13FEF1D0C2E91008E09770F7A9A5AE15600.asc"),
    ),
    (
        "C4F0DFFF4E8C1A8236409D08E73BC641CC11F4C8",
        include_str!("node-release-keys/keys/C4F0DFFF4E8C1A8236409D08E73BC641CC11F4C8.asc"),
    ),
    (
        "890C08DB8579162FEE0DF9DB8BEAB4DFCF555EF4",
        include_str!("node-release-keys/keys/890C08DB8579162FEE0DF9DB8BEAB4DFCF555EF4.asc"),
    ),
    (
        "C82FA3AE1CBEDC6BE46B9360C43CEC45C17AB93C",
        include_str!("node-release-keys/keys/C82FA3AE1CBEDC6BE46B9360C43CEC45C17AB93C.asc"),
    ),
    (
        "DD8F2338BAE7501E3DD5AC78C273792F7D83545D",
        include_str!("node-release-keys/keys/DD8F2338BAE7501E3DD5AC78C273792F7D83545D.asc"),
    ),
    (
        "A48C2BEE680E841632CD4E44F07496B3EB3C1762",
        include_str!("node-release-keys/keys/A48C2BEE680E841632CD4E44F07496B3EB3C1762.asc"),
    ),
    (
        "B9E2F5981AA6E0CD28160D9FF13993A75599653C",
        include_str!("node-release-keys/keys/B9E2F5981AA6E0CD28160D9FF13993A75599653C.asc"),
    ),
    (
        "108F52B48DB57BB0CC439B2997B01419BD92F80A",
        include_str!("node-release-keys/keys/108F52B48DB57BB0CC439B2997B01419BD92F80A.asc"),
    ),
    (
        "9554F04D7259F04124DE6B476D5A82AC7E37093B",
        include_str!("node-release-keys/keys/9554F04D7259F04124DE6B476D5A82AC7E37093B.asc"),
    ),
    (
        "93C7E9E91B49E432C2F75674B0A78B0A6C481CF6",
        include_str!("node-release-keys/keys/93C7E9E91B49E432C2F75674B0A78B0A6C481CF6.asc"),
    ),
    (
        "56730D5401028683275BD23C23EFEFE93C4CFFFE",
        include_str!("node-release-keys/keys/56730D5401028683275BD23C23EFEFE93C4CFFFE.asc"),
    ),
    (
        "114F43EE0176B71C7BC219DD50A3051F888C628D",
        include_str!("node-release-keys/keys/114F43EE0176B71C7BC219DD50A3051F888C628D.asc"),
    ),
    (
        "7937DFD2AB06298B2293C3187D33FF9D0246406D",
        include_str!("node-release-keys/keys/7937DFD2AB06298B2293C3187D33FF9D0246406D.asc"),
    ),
    (
        "74F12602B6F1C4E913FAA37AD3A89613643B6201",
        include_str!("node-release-keys/keys/74F12602B6F1C4E913FAA37AD3A89613643B6201.asc"),
    ),
    (
        "141F07595B7B3FFE74309A937405533BE57C7D57",
        include_str!("node-release-keys/keys/141F07595B7B3FFE74309A937405533BE57C7D57.asc"),
    ),
    (
        "DD792F5973C6DE52C432CBDAC77ABFA00DDBF2B7",
        include_str!("node-release-keys/keys/DD792F5973C6DE52C432CBDAC77ABFA00DDBF2B7.asc"),
    ),
    (
        "A363A499291CBBC940DD62E41F10027AF002F8B0",
        include_str!("node-release-keys/keys/A363A499291CBBC940DD62E41F10027AF002F8B0.asc"),
    ),
    (
        "CC68F5A3106FF448322E48ED27F5E38D5B0A215F",
        include_str!("node-release-keys/keys/CC68F5A3106FF448322E48ED27F5E38D5B0A215F.asc"),
    ),
    (
        "C0D6248439F1D5604AAFFB4021D900FFDB233756",
        include_str!("node-release-keys/keys/C0D6248439F1D5604AAFFB4021D900FFDB233756.asc"),
    ),
    (
        "5BE8A3F6C8A5C01D106C0AD820B1A390B168D356",
        include_str!("node-release-keys/keys/5BE8A3F6C8A5C01D106C0AD820B1A390B168D356.asc"),
    ),
    (
        "655F3B5C1FB3FA8D1A0CA6BDE4A7D232B936D2FD",
        include_str!("node-release-keys/keys/655F3B5C1FB3FA8D1A0CA6BDE4A7D232B936D2FD.asc"),
    ),
];

/// Where a Node.js download comes from; upstream signs some channels and not others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeSource {
    /// `nodejs.org/dist` (or `download/release`): signed by a releaser since v0.10.
    Release,
    /// `download/rc`: release candidates, signed by the releaser like releases.
    ReleaseCandidate,
    /// `download/nightly`: built by CI, never signed.
    Nightly,
    /// `download/v8-canary`: built by CI, never signed.
    V8Canary,
    /// `unofficial-builds.nodejs.org` (musl, riscv64, …): never signed.
    UnofficialBuilds,
}

/// `(major, minor, patch)` of an official release.
type ReleaseVersion = (u64, u64, u64);

/// Official releases whose `SHASUMS256.txt.asc` upstream never signed, as `(major, minor,
/// patch)` ranges, inclusive. Based on the release keyring maintainers' own sweep of every
/// version in `dist/index.json` against the full keyring (nodejs/release-keys issue #40, June
/// 2025): everything before v0.10.0 (v0.1.x–v0.9.x; "v0.10.1 was the first signed", nodejs/node
/// PR #2455) and v0.10.7. v16.18.0 and v18.12.1 also failed that sweep, but because their
/// signer's key was missing from the keyring then, not for lack of a signature: they stay
/// signed here.
const UNSIGNED_RELEASES: &[(ReleaseVersion, ReleaseVersion)] =
    &[((0, 0, 0), (0, 9, u64::MAX)), ((0, 10, 7), (0, 10, 7))];

/// Why upstream never signed this Node.js download, or `None` when it is signed upstream (so a
/// missing signature is an error). `version` is like `v20.11.0` or `20.11.0`; one that does not
/// parse counts as signed (fail closed).
pub fn node_upstream_unsigned(source: NodeSource, version: &str) -> Option<&'static str> {
    match source {
        NodeSource::Nightly => Some("Node.js nightly builds are not signed upstream"),
        NodeSource::V8Canary => Some("Node.js v8-canary builds are not signed upstream"),
        NodeSource::UnofficialBuilds => {
            Some("Node.js unofficial builds (musl and other targets) are not signed upstream")
        }
        NodeSource::Release | NodeSource::ReleaseCandidate => {
            let version = parse_release_version(version)?;
            UNSIGNED_RELEASES
                .iter()
                .any(|(first, last)| (*first..=*last).contains(&version))
                .then_some("Node.js releases before v0.10 (and v0.10.7) were never signed upstream")
        }
    }
}

/// `v1.2.3` / `1.2.3` (a pre-release or build suffix after the patch number is ignored).
fn parse_release_version(version: &str) -> Option<ReleaseVersion> {
    let version = version.strip_prefix('v').unwrap_or(version);
    let mut parts = version.splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch_text = parts.next()?;
    let digits = patch_text
        .find(|c: char| !c.is_ascii_digit())
        .map_or(patch_text, |end| &patch_text[..end]);
    let patch = digits.parse().ok()?;
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_keys_match_upstream_keys_list() {
        let listed: Vec<&str> = NODE_RELEASE_KEYS_LIST
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        let embedded: Vec<&str> = NODE_RELEASE_KEYS.iter().map(|(fp, _)| *fp).collect();
        assert_eq!(listed, embedded);
    }

    #[test]
    fn unsigned_table_covers_only_the_known_ranges() {
        let release = NodeSource::Release;
        for unsigned in ["v0.1.14", "v0.8.22", "0.9.12", "v0.10.7"] {
            assert!(
                node_upstream_unsigned(release, unsigned).is_some(),
                "{unsigned}"
            );
        }
        for signed in [
            "v0.10.0", "v0.10.1", "v0.10.8", "v0.12.18", "v4.0.0", "v16.18.0", "v20.11.0",
        ] {
            assert!(
                node_upstream_unsigned(release, signed).is_none(),
                "{signed}"
            );
        }
        assert!(node_upstream_unsigned(NodeSource::ReleaseCandidate, "v22.0.0-rc.1").is_none());
        assert!(node_upstream_unsigned(NodeSource::Nightly, "v23.0.0-nightly2024").is_some());
        assert!(node_upstream_unsigned(NodeSource::UnofficialBuilds, "v20.11.0").is_some());
        assert!(node_upstream_unsigned(NodeSource::V8Canary, "v23.0.0-v8-canary1").is_some());
        assert!(node_upstream_unsigned(release, "not-a-version").is_none());
    }
}
