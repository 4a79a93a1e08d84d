//! Which environment variables a sandboxed command sees: everything except what looks like a
//! credential (`*_TOKEN`, `*_KEY`, `*_SECRET`, `*_PASSWORD`, `AWS_*`, GitHub credentials,
//! `SSH_AUTH_SOCK`, …), unless named with `--allow-env` / `allow_env`.

use std::ffi::OsString;

/// Name suffixes that mark a credential.
const SECRET_SUFFIXES: [&str; 9] = [
    "_TOKEN",
    "_KEY",
    "_SECRET",
    "_PASSWORD",
    "_PASSWD",
    "_PASS",
    "_CREDENTIALS",
    "_AUTH",
    "_PAT",
];

/// Exact names that are credentials or lead to them.
const SECRET_NAMES: [&str; 7] = [
    "SSH_AUTH_SOCK",
    "GPG_AGENT_INFO",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "NETRC",
    "KUBECONFIG",
];

/// Name prefixes whose whole family is dropped (cloud and forge credentials).
const SECRET_PREFIXES: [&str; 4] = ["AWS_", "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN"];

/// Whether `name` looks like a credential (case-insensitive).
pub fn is_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAMES.contains(&upper.as_str())
        || SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s))
        || SECRET_PREFIXES.iter().any(|p| upper.starts_with(p))
        || (upper.starts_with("GITHUB_")
            && ["TOKEN", "SECRET", "KEY", "PAT"]
                .iter()
                .any(|w| upper.contains(w)))
}

/// `env` without the secrets not named in `allow`; returns the kept pairs and the dropped names.
pub fn filter(
    env: &[(OsString, OsString)],
    allow: &[String],
) -> (Vec<(OsString, OsString)>, Vec<String>) {
    let mut kept = Vec::with_capacity(env.len());
    let mut dropped = Vec::new();
    for (key, value) in env {
        let name = key.to_string_lossy();
        if is_secret(&name) && !allow.iter().any(|a| a.as_str() == name) {
            dropped.push(name.into_owned());
        } else {
            kept.push((key.clone(), value.clone()));
        }
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_secret() {
        for name in [
            "GITHUB_TOKEN",
            "NPM_TOKEN",
            "AWS_ACCESS_KEY_ID",
            "AWS_PROFILE",
            "OPENAI_API_KEY",
            "DB_PASSWORD",
            "client_secret",
            "SSH_AUTH_SOCK",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ] {
            assert!(is_secret(name), "{name}");
        }
    }

    #[test]
    fn ordinary_names_are_kept() {
        for name in [
            "PATH",
            "HOME",
            "LANG",
            "GITHUB_ACTIONS",
            "GITHUB_WORKSPACE",
            "KEYBOARD",
            "TERM",
        ] {
            assert!(!is_secret(name), "{name}");
        }
    }

    #[test]
    fn allow_keeps_a_secret() {
        let env = vec![
            ("NPM_TOKEN".into(), "x".into()),
            ("GH_TOKEN".into(), "y".into()),
            ("PATH".into(), "/bin".into()),
        ];
        let (kept, dropped) = filter(&env, &["NPM_TOKEN".to_string()]);
        assert_eq!(kept.len(), 2);
        assert_eq!(dropped, vec!["GH_TOKEN".to_string()]);
    }
}
