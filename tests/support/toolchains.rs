//! Fixture toolchains for the shim and activation tests: a `node` whose behaviour the test
//! picks with its first argument, two projects pinning different versions of it, and ways to
//! run a shim or a shell in a test's world.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Run, TestEnv, write_executable};

/// The fixture `node`: `--version` prints `vVERSION`; `args` prints each argument in
/// brackets; `stdin` copies stdin; `exit N` exits N; `kill` kills itself with SIGTERM;
/// `argv0` prints `$0`; `path` prints PATH.
pub fn node_script(version: &str) -> String {
    format!(
        r#"#!/bin/sh
case "$1" in
  --version) echo "v{version}" ;;
  args) shift; printf '[%s]\n' "$@" ;;
  stdin) cat ;;
  exit) exit "$2" ;;
  kill) kill -TERM $$ ;;
  argv0) echo "$0" ;;
  path) echo "$PATH" ;;
  *) echo "node {version}" "$@" ;;
esac
"#
    )
}

/// Installs the fixture node `version` (with `npm` and `npx` beside it); returns its bin dir.
pub fn install_node(env: &TestEnv, version: &str) -> PathBuf {
    let dir = env.fake_install("node", version, &["node", "npm", "npx"], None);
    let bin = dir.join("bin");
    write_executable(&bin.join("node"), &node_script(version));
    bin
}

/// Two projects under the work folder: `p20` pins node 20 in `.nvmrc`, `p22` pins node 22 in
/// `envm.toml`; both versions are installed and the shims built.
pub struct TwoProjects {
    pub p20: PathBuf,
    pub p22: PathBuf,
    pub bin20: PathBuf,
    pub bin22: PathBuf,
}

pub fn two_projects(env: &TestEnv) -> TwoProjects {
    let bin20 = install_node(env, "20.18.1");
    let bin22 = install_node(env, "22.11.0");
    install_node(env, "18.20.5");
    let p20 = env
        .write("p20/.nvmrc", "20\n")
        .parent()
        .unwrap()
        .to_path_buf();
    let p22 = env
        .write("p22/envm.toml", "[tools]\nnode = \"22\"\n")
        .parent()
        .unwrap()
        .to_path_buf();
    Run::of(env.envm(["reshim"])).ok();
    TwoProjects {
        p20,
        p22,
        bin20,
        bin22,
    }
}

/// PATH made of `dirs` then the system's basic folders.
pub fn path_of(dirs: &[&Path]) -> std::ffi::OsString {
    let mut parts: Vec<&OsStr> = dirs.iter().map(|d| d.as_os_str()).collect();
    parts.push(OsStr::new("/usr/bin"));
    parts.push(OsStr::new("/bin"));
    std::env::join_paths(parts).unwrap()
}

/// No arguments, for [`shim`].
pub const NOARGS: [&str; 0] = [];

/// The shim `name` run with `args` in `cwd`, with the shims folder first on PATH.
pub fn shim<I, S>(env: &TestEnv, name: &str, cwd: &Path, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(env.shims_dir().join(name));
    cmd.args(args);
    env.prepare(&mut cmd);
    cmd.current_dir(cwd)
        .env("PATH", path_of(&[&env.shims_dir()]));
    cmd
}
