//! `kensa history` on a generated repository: N commits, each changing one account of a
//! synthetic manifest of E entities (80% accounts with their holders, 20% assets). `cargo bench -p kensa-history` (release build).
//! Prints the cold run (empty cache) and the warm run (every commit cached).

use std::time::Instant;

use chrono::NaiveDate;
use kensa_engine::Catalogue;
use kensa_history::git::Repo;
use kensa_history::history::{AsOf, history};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn build_repo(dir: &std::path::Path, commits: usize, entities: usize) -> git2::Oid {
    let repo = git2::Repository::init(dir).expect("init");
    let base = kensa_manifest::synthetic::manifest(entities);
    let sig = |i: usize| {
        git2::Signature::new(
            "Bench",
            "bench@example.invalid",
            &git2::Time::new(1_767_225_600 + i64::try_from(i).unwrap_or(0) * 3600, 540),
        )
        .expect("signature")
    };
    let accounts = entities * 8 / 10;
    let mut text = base;
    let mut parent: Option<git2::Oid> = None;
    for i in 0..commits {
        // Each commit marks one account unused since an old date, or in use again once
        // every account has been marked: every commit changes the manifest.
        let k = i % accounts;
        let (from, to) = if (i / accounts).is_multiple_of(2) {
            ("2026-11-01", "2025-01-01")
        } else {
            ("2025-01-01", "2026-11-01")
        };
        let before = format!(
            "{{ id: u{k}, holder: p{k}, systems: [ehr], role: nurse, last_used_on: {from} }}"
        );
        let after = format!(
            "{{ id: u{k}, holder: p{k}, systems: [ehr], role: nurse, last_used_on: {to} }}"
        );
        text = text.replacen(&before, &after, 1);
        let blob = repo.blob(text.as_bytes()).expect("blob");
        let mut tb = repo.treebuilder(None).expect("treebuilder");
        tb.insert("clinic.yaml", blob, 0o100_644).expect("insert");
        let tree = repo
            .find_tree(tb.write().expect("tree"))
            .expect("find tree");
        let parents: Vec<git2::Commit<'_>> = parent
            .map(|p| repo.find_commit(p).expect("parent"))
            .into_iter()
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let id = repo
            .commit(
                Some("HEAD"),
                &sig(i),
                &sig(i),
                &format!("change {i}"),
                &tree,
                &refs,
            )
            .expect("commit");
        parent = Some(id);
    }
    parent.expect("a commit")
}

fn main() {
    let commits: usize = std::env::var("KENSA_BENCH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let entities: usize = std::env::var("KENSA_BENCH_ENTITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let dir = tempfile::tempdir().expect("tmp");
    let head = build_repo(dir.path(), commits, entities);
    let repo = Repo::open(dir.path()).expect("open");
    let catalogue = Catalogue::builtin().expect("catalogue");
    let as_of = AsOf::Date(NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    let cache_bytes = |dir: &std::path::Path| -> u64 {
        std::fs::read_dir(dir.join(".git/kensa/history"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    for run in ["cold", "warm"] {
        let start = Instant::now();
        let tl = history(
            &repo,
            head,
            "clinic.yaml",
            &catalogue,
            as_of,
            &mut |_, _| {},
        )
        .expect("history");
        println!(
            "{run}: {} commits × {entities} entities: {:.2} s ({} open violations)",
            tl.entries.len(),
            start.elapsed().as_secs_f64(),
            tl.open.len()
        );
    }
    #[allow(clippy::cast_precision_loss)]
    let mib = cache_bytes(dir.path()) as f64 / 1024.0 / 1024.0;
    println!("cache: {mib:.1} MiB");
}
