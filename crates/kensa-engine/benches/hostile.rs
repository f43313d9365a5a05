//! The hostile-input corpus (`tests/hostile/cases.yaml`) in a release build: for each case
//! read from disk, the time to refuse it and the peak memory of doing so.
//! `cargo bench -p kensa-engine --bench hostile`.
//!
//! Each case runs in its own child process (this binary again), so that its peak memory
//! (VmHWM) is its own. The child reads the manifest as `kensa check` does, and checks it
//! when it reads; cases that need another command (`kensa history`) or a named pipe are
//! left to `cargo test -p kensa-cli --test hostile`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use kensa_engine::{Catalogue, Options, check};
use kensa_manifest::{Limits, load};
use serde::Deserialize;

mod common;

use common::peak_rss_mb;

const CHILD: &str = "KENSA_BENCH_HOSTILE";

#[derive(Deserialize)]
struct Case {
    name: String,
    what: String,
    path: Option<String>,
    generate: Option<String>,
    args: Option<Vec<String>>,
}

/// In the child: read (and, when it reads, check) `path`; print the outcome, the time and
/// the peak memory.
fn child(path: &Path) {
    let start = Instant::now();
    let loaded = load(path, &Limits::default());
    let outcome = match &loaded.manifest {
        None => loaded
            .problems
            .first()
            .map_or_else(|| "no problem?".to_owned(), |p| p.code.as_str().to_owned()),
        Some(m) => {
            let catalogue = Catalogue::builtin().expect("built-in catalogue");
            let options = Options {
                as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
                manifest_label: "hostile".into(),
                threads: 0,
            };
            match check(m, &loaded.sources, &catalogue, &options) {
                Ok(r) if r.complete() => "complete (not hostile?)".to_owned(),
                Ok(r) => format!("incomplete: {}", r.problems.len()),
                Err(e) => format!("engine error: {e}"),
            }
        }
    };
    println!(
        "{outcome}\t{:.0}\t{:.0}",
        start.elapsed().as_secs_f64() * 1e3,
        peak_rss_mb()
    );
}

fn main() {
    if let Ok(path) = std::env::var(CHILD) {
        child(Path::new(&path));
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("tests/hostile/cases.yaml")).expect("cases");
    let cases: Vec<Case> = serde_saphyr::from_str(&text).expect("cases.yaml reads");
    let scratch = tempfile::tempdir().expect("scratch");
    let me = std::env::current_exe().expect("this binary");
    println!("release build; each case in its own process; time to refuse, peak RSS\n");
    println!("| case | input | outcome | time | peak memory |");
    println!("| --- | --- | --- | ---: | ---: |");
    let (mut worst_ms, mut worst_mb) = (0.0_f64, 0.0_f64);
    for case in &cases {
        if case.args.is_some() && case.path.is_none() {
            continue;
        }
        let input: PathBuf = match (&case.path, &case.generate) {
            (Some(p), _) => root.join(p),
            (None, Some(g)) => {
                match kensa_manifest::synthetic::hostile(g, &scratch.path().join(&case.name))
                    .expect("write the input")
                {
                    Some(p) => p,
                    None => continue,
                }
            }
            (None, None) => continue,
        };
        let out = Command::new(&me)
            .env(CHILD, &input)
            .output()
            .expect("run the child");
        let line = String::from_utf8_lossy(&out.stdout);
        let mut parts = line.trim().split('\t');
        let outcome = parts.next().unwrap_or("?").to_owned();
        let ms: f64 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN);
        let mb: f64 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN);
        worst_ms = worst_ms.max(ms);
        worst_mb = worst_mb.max(mb);
        println!(
            "| {} | {} | {outcome} | {ms:.0} ms | {mb:.0} MB |",
            case.name, case.what
        );
    }
    println!("\nslowest: {worst_ms:.0} ms; most memory: {worst_mb:.0} MB");
}
