//! `kensa check` end to end on synthetic manifests of growing size:
//! `cargo bench -p kensa-engine`.
//!
//! Each size runs in its own child process, so that its peak memory (VmHWM) is its own.
//! The table splits the time between reading the YAML (parse, schema, references),
//! building the Cedar entities, and evaluating Cedar (constructing each batch's entity
//! store and answering the requests, on as many threads as the machine has; set
//! `KENSA_BENCH_THREADS=1` to measure one thread).

use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use kensa_engine::{Catalogue, Options, check_timed};
use kensa_manifest::synthetic::manifest;
use kensa_manifest::{Limits, load_str};

mod common;

use common::peak_rss_mb;

const CHILD: &str = "KENSA_BENCH_ENTITIES";

fn child(entities: usize) {
    let catalogue = Catalogue::builtin().expect("built-in catalogue");
    let text = manifest(entities);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
    let runs = if entities >= 100_000 { 1 } else { 3 };
    let mut best: Option<(f64, f64, f64, f64, usize)> = None;
    for _ in 0..runs {
        let start = Instant::now();
        let loaded = load_str("bench.yaml", &text, &Limits::default());
        let parsed = start.elapsed().as_secs_f64();
        let m = loaded.manifest.as_ref().expect("valid synthetic manifest");
        let (report, t) = check_timed(
            m,
            &loaded.sources,
            &catalogue,
            &Options {
                as_of,
                manifest_label: "bench.yaml".into(),
                threads: std::env::var("KENSA_BENCH_THREADS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            },
            None,
        )
        .expect("check");
        let total = start.elapsed().as_secs_f64();
        let row = (
            total,
            parsed,
            t.build.as_secs_f64(),
            t.evaluate.as_secs_f64(),
            report.findings.len(),
        );
        if best.is_none_or(|b| row.0 < b.0) {
            best = Some(row);
        }
    }
    let (total, parsed, build, evaluate, findings) = best.expect("a run");
    println!(
        "| {entities} | {:.1} MB | {findings} | {:.0} ms | {:.0} ms ({:.0}%) | {:.0} ms | {:.0} ms ({:.0}%) | {:.0} MB |",
        text.len() as f64 / 1e6,
        total * 1e3,
        parsed * 1e3,
        parsed / total * 100.0,
        build * 1e3,
        evaluate * 1e3,
        evaluate / total * 100.0,
        peak_rss_mb(),
    );
}

fn main() {
    if let Some(n) = std::env::var(CHILD).ok().and_then(|v| v.parse().ok()) {
        child(n);
        return;
    }
    let rules = Catalogue::builtin().map(|c| c.rules.len()).unwrap_or(0);
    let threads = std::env::var("KENSA_BENCH_THREADS").unwrap_or_else(|_| "all".into());
    println!("{rules} rules; best of 3 runs (1 at 100k); release build; threads: {threads}\n");
    println!(
        "| entities | YAML | findings | total | read YAML | build entities | Cedar | peak RSS |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let exe = std::env::current_exe().expect("current exe");
    for entities in [1_000usize, 10_000, 100_000] {
        let status = Command::new(&exe)
            .env(CHILD, entities.to_string())
            .status()
            .expect("run child");
        assert!(status.success(), "bench child for {entities} failed");
    }
}
