//! Which environment variables a sandboxed command sees: everything except what looks like a
//! credential, unless named with `--allow-env` / `allow_env`. A variable is a credential by its
//! name (a word such as `TOKEN`, `SECRET`, `KEY`, `JWT`, `DSN`, `AUTH`, `PASSWORD` anywhere in
//! it, a family such as `AWS_*`, a known name such as `SSH_AUTH_SOCK` or `KUBECONFIG`) or by its
//! value (a URL carrying a password: `scheme://user:pass@host`).

use std::ffi::OsString;

/// Words of a name (split at anything not a letter or digit) that mark a credential:
/// `NPM_TOKEN`, `SECRET_KEY_BASE`, `CI_JOB_JWT_V2`, `SENTRY_DSN`, `npm_config_//host/:_authToken`.
const SECRET_WORDS: [&str; 20] = [
    "TOKEN",
    "SECRET",
    "SECRETS",
    "KEY",
    "APIKEY",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "PAT",
    "JWT",
    "DSN",
    "AUTH",
    "AUTHTOKEN",
    "ACCESSTOKEN",
    "CREDENTIAL",
    "CREDENTIALS",
    "COOKIE",
    "PASSPHRASE",
    "PRIVATE",
];

/// Fragments that mark a credential wherever they appear in a name (`PGPASSWORD`,
/// `AZURE_STORAGE_CONNECTION_STRING`).
const SECRET_FRAGMENTS: [&str; 4] = [
    "PASSWORD",
    "PASSWD",
    "CONNECTION_STRING",
    "CONNECTIONSTRING",
];

/// Exact names that are credentials or lead to them.
const SECRET_NAMES: [&str; 5] = [
    "SSH_AUTH_SOCK",
    "GPG_AGENT_INFO",
    "NETRC",
    "KUBECONFIG",
    "PGPASSFILE",
];

/// Name prefixes whose whole family is dropped (cloud credentials and their profiles).
const SECRET_PREFIXES: [&str; 3] = ["AWS_", "AZURE_CLIENT", "GOOGLE_GHA_CREDS"];

/// Names that hold a secret-looking word but are ordinary (the working directory).
const NOT_SECRET: [&str; 2] = ["PWD", "OLDPWD"];

/// Whether the variable `name` looks like a credential by its name (case-insensitive).
pub fn is_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if NOT_SECRET.contains(&upper.as_str()) {
        return false;
    }
    SECRET_NAMES.contains(&upper.as_str())
        || SECRET_PREFIXES.iter().any(|p| upper.starts_with(p))
        || SECRET_FRAGMENTS.iter().any(|f| upper.contains(f))
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| SECRET_WORDS.contains(&word))
}

/// Whether `value` carries a password in a URL (`scheme://user:pass@host…`, anywhere in it).
pub fn has_url_password(value: &[u8]) -> bool {
    let mut rest = value;
    while let Some(at) = find(rest, b"://") {
        let after = &rest[at + 3..];
        let authority_end = after
            .iter()
            .position(|b| matches!(b, b'/' | b'?' | b'#') || b.is_ascii_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        if let Some(userinfo_end) = authority.iter().rposition(|b| *b == b'@') {
            let userinfo = &authority[..userinfo_end];
            if let Some(colon) = userinfo.iter().position(|b| *b == b':')
                && colon + 1 < userinfo.len()
            {
                return true;
            }
        }
        rest = after;
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
        let secret = is_secret(&name) || has_url_password(value.as_encoded_bytes());
        if secret && !allow.iter().any(|a| a.as_str() == name) {
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
            "PGPASSWORD",
            "MYSQL_PWD",
            "CI_JOB_JWT",
            "CI_JOB_JWT_V2",
            "SYSTEM_ACCESSTOKEN",
            "npm_config_//registry.example.org/:_authToken",
            "NPM_CONFIG__AUTH",
            "npm_config__authToken",
            "DOCKER_AUTH_CONFIG",
            "SECRET_KEY_BASE",
            "AZURE_STORAGE_CONNECTION_STRING",
            "SQLCONNECTIONSTRING",
            "SENTRY_DSN",
            "JWT",
            "PASSWD",
            "TOKEN",
            "GH_TOKEN",
            "GITHUB_PAT",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
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
            "PWD",
            "OLDPWD",
            "TOKENIZERS_PARALLELISM",
            "GIT_AUTHOR_NAME",
            "XAUTHORITY",
            "DATABASE_URL",
            "PATHEXT",
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

    #[test]
    fn urls_with_a_password_are_secret_by_value() {
        for value in [
            "postgres://app:hunter2@db:5432/app",
            "redis://:s3cret@cache:6379/0",
            "https://pypi.example.org/simple https://u:tok@private.example.org/simple",
            "mysql://root:pw@127.0.0.1/x?ssl=1",
        ] {
            assert!(has_url_password(value.as_bytes()), "{value}");
        }
        for value in [
            "postgres://localhost/app",
            "ssh://git@example.org/repo.git",
            "https://example.org/a:b@c",
            "https://user:@example.org/",
            "/usr/bin:/bin",
            "x://",
        ] {
            assert!(!has_url_password(value.as_bytes()), "{value}");
        }
        let env = vec![
            ("DATABASE_URL".into(), "postgres://a:b@h/db".into()),
            ("HOMEPAGE".into(), "https://example.org/".into()),
        ];
        let (kept, dropped) = filter(&env, &[]);
        assert_eq!(dropped, vec!["DATABASE_URL".to_string()]);
        assert_eq!(kept.len(), 1);
    }
}
