//! Benchmark: resolution of one tool from a directory 20 levels deep with the pin near the root
//! and 200 installed versions (issue 2's target: under 200 µs), measured two ways:
//!
//! - as a shim does it on every call (`shim::locate`: pin discovery, the installed versions from
//!   the shims index written at reshim time, the newest match, the binary's path);
//! - through the library's plain engine (`project::find` + `resolve::resolve`, which lists
//!   `installs/node/` itself), as `envm current` does.
//!
//! Run with `cargo bench --bench resolve`. Prints the median, p90 and minimum of per-call times.

use std::ffi::OsStr;
use std::path::Path;
use std::time::Instant;

use envm::layout::Layout;
use envm::link::{self, ShimIndex};
use envm::project;
use envm::resolve::{self, Resolution};
use envm::run::shim;
use envm::tools::Tool;

fn main() {
    let root = tempfile::tempdir().expect("temp dir");
    let layout = Layout::under(&root.path().join("envm"));
    // 200 installed versions: 10 majors x 20 minors, each with an executable `node`.
    let exe = std::env::current_exe().expect("own path");
    for major in 14..24 {
        for minor in 0..20 {
            let dir = layout
                .tool_installs(Tool::Node)
                .join(format!("{major}.{minor}.0"));
            std::fs::create_dir_all(dir.join("bin")).expect("install dir");
            std::fs::copy(&exe, dir.join("bin/node")).expect("node binary");
        }
    }
    link::reshim_to(&layout, &exe).expect("reshim");
    let project = root.path().join("work/p");
    std::fs::create_dir_all(&project).expect("project");
    std::fs::write(project.join("envm.toml"), "[tools]\nnode = \"22\"\n").expect("pin");
    let mut deep = project.clone();
    for level in 0..20 {
        deep = deep.join(format!("d{level}"));
    }
    std::fs::create_dir_all(&deep).expect("deep dir");

    let shim_path = |dir: &Path| {
        let index = ShimIndex::read(&layout);
        let target =
            shim::locate(&layout, &index, dir, Tool::Node, OsStr::new("node")).expect("locate");
        target.program
    };
    let engine = |dir: &Path| {
        let pin = project::find(Tool::Node, dir, &layout)
            .expect("pins")
            .expect("pinned");
        match resolve::resolve(&layout, &pin) {
            Resolution::Installed { version, .. } => version,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(shim_path(&deep).ends_with("22.19.0/bin/node"));
    assert_eq!(engine(&deep).to_string(), "22.19.0");

    report("shim path (index)", || {
        std::hint::black_box(shim_path(&deep));
    });
    report("engine (lists installs)", || {
        std::hint::black_box(engine(&deep));
    });
}

/// Times `f` 5000 times and prints the median, p90 and minimum.
fn report(what: &str, f: impl Fn()) {
    let mut samples: Vec<f64> = (0..5000)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    println!(
        "resolve node, 20 levels deep, 200 installed, {what}: median {:.1} µs, p90 {:.1} µs, min {:.1} µs (target < 200 µs)",
        pct(0.5),
        pct(0.9),
        pct(0.0)
    );
}
