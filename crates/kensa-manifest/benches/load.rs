//! Reading and validating synthetic manifests of growing size: `cargo bench -p kensa-manifest`.
//!
//! Each size has 80% accounts (with their holders) and 20% assets, the shape of a hospital's
//! directory and asset-ledger exports. Time should grow linearly with size.

use std::time::{Duration, Instant};

use kensa_manifest::synthetic::manifest;
use kensa_manifest::{Limits, load_str};

fn main() {
    println!("| entities | YAML size | load + validate (best of runs) | per 1k entities |");
    println!("| --- | --- | --- | --- |");
    for entities in [1_000, 10_000, 100_000] {
        let text = manifest(entities);
        let runs = if entities >= 100_000 { 2 } else { 5 };
        let mut best = Duration::MAX;
        for _ in 0..runs {
            let start = Instant::now();
            let loaded = load_str("bench.yaml", &text, &Limits::default());
            let elapsed = start.elapsed();
            assert!(loaded.is_valid(), "{:?}", loaded.problems.first());
            best = best.min(elapsed);
        }
        println!(
            "| {entities} | {:.1} MB | {:.0} ms | {:.1} ms |",
            text.len() as f64 / 1e6,
            best.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e6 / entities as f64,
        );
    }
}
