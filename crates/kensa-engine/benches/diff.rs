//! `kensa diff` on synthetic manifests of growing size: two versions that differ in one
//! account, each read, checked and split, then compared. `cargo bench -p kensa-engine
//! --bench diff`.
//!
//! Each size runs in its own child process, so that its peak memory (VmHWM) is its own.

use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use kensa_engine::diff::{Side, diff};
use kensa_engine::split::split;
use kensa_engine::{Catalogue, Options, check};
use kensa_manifest::synthetic::manifest;
use kensa_manifest::{Limits, load_str};

mod common;

use common::peak_rss_mb;

const CHILD: &str = "KENSA_BENCH_ENTITIES";

fn child(entities: usize) {
    let catalogue = Catalogue::builtin().expect("built-in catalogue");
    let old_text = manifest(entities);
    // One account unused for almost two years: one change, one new finding.
    let new_text = old_text.replacen(
        "{ id: u0, holder: p0, systems: [ehr], role: nurse, last_used_on: 2026-11-01 }",
        "{ id: u0, holder: p0, systems: [ehr], role: nurse, last_used_on: 2025-01-01 }",
        1,
    );
    assert_ne!(old_text, new_text, "the synthetic manifest changed shape");
    let options = Options {
        as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
        manifest_label: "bench.yaml".into(),
        threads: 0,
    };
    let runs = if entities >= 100_000 { 1 } else { 3 };
    let mut best: Option<(f64, f64, usize)> = None;
    for _ in 0..runs {
        let start = Instant::now();
        let old = load_str("old.yaml", &old_text, &Limits::default());
        let new = load_str("new.yaml", &new_text, &Limits::default());
        let (om, nm) = (
            old.manifest.as_ref().expect("valid"),
            new.manifest.as_ref().expect("valid"),
        );
        let or = check(om, &old.sources, &catalogue, &options).expect("check");
        let nr = check(nm, &new.sources, &catalogue, &options).expect("check");
        let os = split(om, &old.sources, &catalogue, &or).expect("split");
        let ns = split(nm, &new.sources, &catalogue, &nr).expect("split");
        let compare = Instant::now();
        let d = diff(
            &Side {
                label: "old.yaml".into(),
                manifest: om,
                sources: &old.sources,
                report: &or,
                split: &os,
            },
            &Side {
                label: "new.yaml".into(),
                manifest: nm,
                sources: &new.sources,
                report: &nr,
                split: &ns,
            },
        );
        let row = (
            start.elapsed().as_secs_f64(),
            compare.elapsed().as_secs_f64(),
            d.entities.changed.len(),
        );
        if best.is_none_or(|b| row.0 < b.0) {
            best = Some(row);
        }
    }
    let (total, compare, changed) = best.expect("a run");
    println!(
        "| {entities} | {:.1} MB × 2 | {changed} | {:.0} ms | {:.0} ms | {:.0} MB |",
        old_text.len() as f64 / 1e6,
        total * 1e3,
        compare * 1e3,
        peak_rss_mb(),
    );
}

fn main() {
    if let Some(n) = std::env::var(CHILD).ok().and_then(|v| v.parse().ok()) {
        child(n);
        return;
    }
    println!("best of 3 runs (1 at 100k); release build; both sides read, checked and split\n");
    println!("| entities | YAML | entities changed | total | compare only | peak RSS |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let exe = std::env::current_exe().expect("current exe");
    for entities in [1_000usize, 10_000, 100_000] {
        let status = Command::new(&exe)
            .env(CHILD, entities.to_string())
            .status()
            .expect("run child");
        assert!(status.success(), "bench child for {entities} failed");
    }
}
