//! Benchmark: resolution of one tool, as a shim does it on every call, from a directory 20
//! levels deep with the pin near the root and 200 installed versions. Target: < 200 µs.
//!
//! Run with `cargo bench --bench resolve`. Prints the median and p90 of per-call times.

use std::path::Path;
use std::time::Instant;

use envm::layout::Layout;
use envm::pins;
use envm::resolve::{self, Resolution};
use envm::tool::Tool;

fn main() {
    let root = tempfile::tempdir().expect("temp dir");
    let layout = Layout::under(&root.path().join("envm"));
    // 200 installed versions: 10 majors x 20 minors.
    for major in 14..24 {
        for minor in 0..20 {
            let dir = layout
                .tool_installs(Tool::Node)
                .join(format!("{major}.{minor}.0"));
            std::fs::create_dir_all(dir.join("bin")).expect("install dir");
        }
    }
    let project = root.path().join("work/p");
    std::fs::create_dir_all(&project).expect("project");
    std::fs::write(project.join("envm.toml"), "[tools]\nnode = \"22\"\n").expect("pin");
    let mut deep = project.clone();
    for level in 0..20 {
        deep = deep.join(format!("d{level}"));
    }
    std::fs::create_dir_all(&deep).expect("deep dir");

    let once = |dir: &Path| {
        let pin = pins::find(Tool::Node, dir, &layout)
            .expect("pins")
            .expect("pinned");
        match resolve::resolve(&layout, &pin) {
            Resolution::Installed { version, .. } => version,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(once(&deep).to_string(), "22.19.0");

    let mut samples: Vec<f64> = (0..5000)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(once(&deep));
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    let per_call = |f: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..2000 {
            f();
        }
        start.elapsed().as_secs_f64() * 1e6 / 2000.0
    };
    let find_only = per_call(&|| {
        std::hint::black_box(pins::find(Tool::Node, &deep, &layout).expect("pins"));
    });
    let list_only = per_call(&|| {
        std::hint::black_box(envm::installed::versions(&layout, Tool::Node));
    });
    println!(
        "resolve node from 20 levels deep, 200 installed: median {:.1} µs, p90 {:.1} µs, min {:.1} µs (target < 200 µs)",
        pct(0.5),
        pct(0.9),
        pct(0.0)
    );
    println!(
        "  of which: pin discovery {find_only:.1} µs, listing 200 installs {list_only:.1} µs (means)"
    );
}
