//! `kensa check` end to end, as a user runs it: the release binary on synthetic manifests
//! of growing size, written to a scratch folder, in human and JSON output (written to a
//! sink). `cargo bench -p kensa-cli`. Memory is measured by `cargo bench -p kensa-engine`.

use std::process::{Command, Stdio};
use std::time::Instant;

const RUNS: usize = 5;

fn main() {
    let dir = tempfile::tempdir().expect("scratch folder");
    println!("median of {RUNS} runs; release build; `kensa check --as-of 2026-11-21`\n");
    println!("| entities | YAML | human | json |");
    println!("| --- | --- | --- | --- |");
    for entities in [1_000usize, 10_000, 100_000] {
        let path = dir.path().join(format!("synthetic-{entities}.yaml"));
        let text = kensa_manifest::synthetic::manifest(entities);
        std::fs::write(&path, &text).expect("write manifest");
        let runs = if entities >= 100_000 { 1 } else { RUNS };
        let time = |format: &str| {
            let mut times: Vec<f64> = (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    let status = Command::new(env!("CARGO_BIN_EXE_kensa"))
                        .args(["check", "--as-of", "2026-11-21", "--format", format])
                        .arg(&path)
                        .stdout(Stdio::null())
                        .status()
                        .expect("run kensa");
                    // The synthetic manifest has violations: exit 1, never 2.
                    assert_eq!(status.code(), Some(1), "kensa check {format}");
                    start.elapsed().as_secs_f64()
                })
                .collect();
            times.sort_by(f64::total_cmp);
            times[times.len() / 2]
        };
        let human = time("human");
        let json = time("json");
        println!(
            "| {entities} | {:.1} MB | {:.0} ms | {:.0} ms |",
            text.len() as f64 / 1e6,
            human * 1e3,
            json * 1e3
        );
    }
}
