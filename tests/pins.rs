//! Pin discovery and resolution through the `envm` binary: `envm current` and `envm ls`.

use crate::support::{Run, TestEnv};

fn current_json(env: &TestEnv, dir: &std::path::Path) -> serde_json::Value {
    let mut cmd = env.envm(["current", "--json"]);
    cmd.current_dir(dir);
    Run::of(cmd).ok().json()
}

fn row<'a>(rows: &'a serde_json::Value, tool: &str) -> &'a serde_json::Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["tool"] == tool)
        .unwrap_or_else(|| panic!("no row for {tool} in {rows}"))
}

#[test]
fn nearer_file_pins_one_tool_farther_file_another() {
    let env = TestEnv::new();
    env.fake_install("node", "20.18.1", &["node"], Some("iron"));
    env.fake_install("python", "3.12.7", &["python3"], None);
    let outer = env.write(
        "proj/envm.toml",
        "[tools]\nnode = \"20\"\npython = \"3.11\"\n",
    );
    let inner = env.write("proj/sub/.python-version", "3.12\n");
    let deep = env.work.join("proj/sub/a/b/c");
    std::fs::create_dir_all(&deep).unwrap();

    let rows = current_json(&env, &deep);
    let node = row(&rows, "node");
    assert_eq!(node["requested"], "20");
    assert_eq!(node["version"], "20.18.1");
    assert_eq!(node["source"], outer.display().to_string());
    assert_eq!(node["installed"], true);
    // The nearer .python-version wins over the farther envm.toml's python.
    let python = row(&rows, "python");
    assert_eq!(python["requested"], "3.12");
    assert_eq!(python["version"], "3.12.7");
    assert_eq!(python["source"], inner.display().to_string());
    assert_eq!(rows.as_array().unwrap().len(), 2);
}

#[test]
fn envm_toml_beats_tool_versions_in_the_same_directory() {
    let env = TestEnv::new();
    let toml = env.write("envm.toml", "[tools]\nnode = \"22\"\n");
    let tv = env.write(".tool-versions", "nodejs 18\npython 3.11.9\n");
    env.write(".nvmrc", "16\n");
    let rows = current_json(&env, &env.work);
    assert_eq!(row(&rows, "node")["source"], toml.display().to_string());
    assert_eq!(row(&rows, "node")["requested"], "22");
    assert_eq!(row(&rows, "node")["installed"], false);
    assert_eq!(row(&rows, "node")["version"], serde_json::Value::Null);
    assert_eq!(row(&rows, "python")["source"], tv.display().to_string());
    assert_eq!(row(&rows, "python")["requested"], "3.11.9");
}

#[test]
fn env_var_overrides_and_global_is_the_fallback() {
    let env = TestEnv::new();
    env.fake_install("go", "1.22.3", &["go"], None);
    env.fake_install("go", "1.23.1", &["go"], None);
    env.fake_install("zig", "0.14.0", &["zig"], None);
    env.write("envm.toml", "[tools]\ngo = \"1.23\"\n");
    let global = env.envm_home.join("config/config.toml");
    crate::support::write_file(&global, "[tools]\nzig = \"0.14\"\ngo = \"1.22\"\n");

    let rows = current_json(&env, &env.work);
    assert_eq!(row(&rows, "go")["version"], "1.23.1");
    assert_eq!(row(&rows, "zig")["version"], "0.14.0");
    assert_eq!(row(&rows, "zig")["source"], "global");

    let mut cmd = env.envm(["current", "go", "--json"]);
    cmd.env("ENVM_GO_VERSION", "1.22");
    let rows = Run::of(cmd).ok().json();
    assert_eq!(row(&rows, "go")["version"], "1.22.3");
    assert_eq!(row(&rows, "go")["source"], "env");
    assert_eq!(rows.as_array().unwrap().len(), 1);
}

#[test]
fn nothing_pinned() {
    let env = TestEnv::new();
    let rows = current_json(&env, &env.work);
    assert_eq!(rows, serde_json::json!([]));
    let run = Run::of(env.envm(["current"])).ok();
    assert!(
        run.stderr.starts_with("nothing is pinned here ("),
        "{}",
        run.stderr
    );
}

#[test]
fn resolves_newest_numeric_match_and_asdf_fallbacks() {
    let env = TestEnv::new();
    for v in ["22.9.0", "22.11.0", "22.2.0", "20.18.1"] {
        env.fake_install("node", v, &["node"], None);
    }
    env.fake_install("python", "3.11.9", &["python3"], None);
    env.write(".tool-versions", "node 22\npython 3.12.7 3.11\n");
    let rows = current_json(&env, &env.work);
    assert_eq!(row(&rows, "node")["version"], "22.11.0");
    // 3.12.7 is not installed: the first installed fallback is used.
    assert_eq!(row(&rows, "python")["version"], "3.11.9");
    assert_eq!(row(&rows, "python")["requested"], "3.12.7 3.11");

    let ls = Run::of(env.envm(["ls", "node", "--json"])).ok().json();
    let active: Vec<_> = ls
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["active"] == true)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["version"], "22.11.0");
    let text = Run::of(env.envm(["ls"])).ok().stdout;
    assert!(text.contains("* 22.11.0"), "{text}");
    assert!(text.contains("  22.9.0"), "{text}");
}

#[test]
fn lts_specs_resolve_from_receipts() {
    let env = TestEnv::new();
    env.fake_install("node", "20.18.1", &["node"], Some("iron"));
    env.fake_install("node", "22.11.0", &["node"], Some("jod"));
    env.fake_install("node", "23.3.0", &["node"], None);
    for (nvmrc, want) in [
        ("lts/iron", "20.18.1"),
        ("lts/*", "22.11.0"),
        ("node", "23.3.0"),
    ] {
        env.write(".nvmrc", nvmrc);
        let rows = current_json(&env, &env.work);
        assert_eq!(row(&rows, "node")["version"], want, "{nvmrc}");
    }
    env.write(".nvmrc", "lts/hydrogen");
    let rows = current_json(&env, &env.work);
    assert_eq!(row(&rows, "node")["version"], serde_json::Value::Null);
    assert_eq!(row(&rows, "node")["installed"], false);
}

#[test]
fn malformed_files_name_file_and_line() {
    let cases = [
        (
            "envm.toml",
            "[tools]\nnode = \"22\"\npython = \"three\"\n",
            3,
        ),
        ("envm.toml", "[tools]\nnode = \n", 2),
        (".tool-versions", "# c\nnodejs 20\npython\n", 3),
        (".nvmrc", "# c\nv20\nv22\n", 3),
        (".node-version", "twenty\n", 1),
        (".go-version", "\ngo1.x\n", 2),
    ];
    for (name, text, line) in cases {
        let env = TestEnv::new();
        let path = env.write(name, text);
        let run = Run::of(env.envm(["current"])).code(1);
        let want = format!("{}:{line}:", path.display());
        assert!(run.stderr.starts_with("error: "), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(&want),
            "{name}: expected `{want}` in\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("hint: ") || name == ".nvmrc",
            "{name}: {}",
            run.stderr
        );
    }
}

#[test]
fn unreadable_directories_are_skipped() {
    let env = TestEnv::new();
    env.write("envm.toml", "[tools]\nnode = \"22\"\n");
    // A pin "file" that is a directory is not a pin file.
    std::fs::create_dir_all(env.work.join("a/.nvmrc")).unwrap();
    let rows = current_json(&env, &env.work.join("a"));
    assert_eq!(row(&rows, "node")["requested"], "22");
}
