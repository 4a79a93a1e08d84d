//! The sandbox's environment scrubber against the credentials CI systems, databases and
//! package managers really use: by name and by value (a URL with a password in it).

use crate::support::sandbox::Sbx;

const SECRETS: [(&str, &str); 19] = [
    ("PGPASSWORD", "pg-secret"),
    ("MYSQL_PWD", "mysql-secret"),
    (
        "DATABASE_URL",
        "postgres://app:db-secret@db.internal:5432/app",
    ),
    ("REDIS_URL", "redis://:redis-secret@cache:6379/0"),
    (
        "PIP_INDEX_URL",
        "https://ci:pip-secret@pypi.internal/simple",
    ),
    ("CI_JOB_JWT", "jwt-secret"),
    ("CI_JOB_JWT_V2", "jwt2-secret"),
    ("SYSTEM_ACCESSTOKEN", "azure-secret"),
    ("npm_config_//registry.internal/:_authToken", "npmrc-secret"),
    ("NPM_CONFIG__AUTH", "npmauth-secret"),
    ("NPM_CONFIG__AUTHTOKEN", "npmauthtoken-secret"),
    ("DOCKER_AUTH_CONFIG", "docker-secret"),
    ("SECRET_KEY_BASE", "rails-secret"),
    ("AZURE_STORAGE_CONNECTION_STRING", "conn-secret"),
    (
        "SENTRY_DSN",
        "https://sentry-secret@o1.ingest.example.org/1",
    ),
    ("JWT", "bare-jwt-secret"),
    ("PASSWD", "passwd-secret"),
    ("MY_APP_URL", "https://user:url-secret@api.example.org/"),
    ("GITHUB_PAT", "pat-secret"),
];

crate::both_users!(credentials_by_name_and_by_value_are_dropped, |who| {
    let s = Sbx::new(who);
    let mut cmd = s.py_cmd(
        &["--sandbox"],
        r#"
for k, v in sorted(os.environ.items()):
    print("VAR", k, v)
"#,
    );
    for (k, v) in SECRETS {
        cmd.env(k, v);
    }
    cmd.env("PLAIN_URL", "postgres://localhost/app")
        .env("GIT_REMOTE", "ssh://git@example.org/repo.git");
    let run = crate::support::Run::of(cmd).ok();
    for (name, _) in SECRETS {
        assert!(
            !run.stdout.contains(&format!("VAR {name} ")),
            "{name} leaked:\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("secret"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("VAR PLAIN_URL postgres://localhost/app")
    );
    assert!(
        run.stdout
            .contains("VAR GIT_REMOTE ssh://git@example.org/repo.git")
    );
});

crate::both_users!(allow_env_still_keeps_a_url_secret, |who| {
    let s = Sbx::new(who);
    let mut cmd = s.py_cmd(
        &["--sandbox", "--allow-env", "DATABASE_URL"],
        "print('DB', os.environ.get('DATABASE_URL'))",
    );
    cmd.env("DATABASE_URL", "postgres://a:kept@h/db");
    let run = crate::support::Run::of(cmd).ok();
    assert!(
        run.stdout.contains("DB postgres://a:kept@h/db"),
        "{}",
        run.stdout
    );
});
