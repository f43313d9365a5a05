//! The timeline that `history` builds (commits cut into runs, one per thread, each
//! reusing the pieces and Cedar answers of the commit before) says, for every commit,
//! exactly what reading and checking that commit's manifest on its own says; and the
//! cached second run says it again.

use chrono::NaiveDate;
use git2::{Oid, Repository, Signature, Time};
use kensa_engine::report::Status;
use kensa_engine::{Catalogue, Options, check};
use kensa_history::git::Repo;
use kensa_history::history::{AsOf, Outcome, history};
use kensa_manifest::{Limits, load_bytes};

/// Versions of a manifest: small edits, a comment, a removal, an addition, a version
/// that does not read and its fix, CRLF line breaks, and a change of staffing.
fn versions() -> Vec<Option<String>> {
    let mut text = kensa_manifest::synthetic::manifest(60);
    let mut out = vec![Some(text.clone())];
    for i in 0..36 {
        match i % 9 {
            0 => {
                text = text.replacen(
                    &format!("{{ id: u{i}, holder: p{i}, systems: [ehr], role: nurse, last_used_on: 2026-11-01 }}"),
                    &format!("{{ id: u{i}, holder: p{i}, systems: [ehr], role: nurse, last_used_on: 2025-01-01 }}"),
                    1,
                );
            }
            1 => text = text.replacen("accounts:\n", &format!("accounts:\n  # 第{i}版\n"), 1),
            2 => {
                text = text.replacen(
                    &format!("  - id: a{i}\n"),
                    &format!("  - id: a{i}-renamed\n"),
                    1,
                )
            }
            3 => {
                let broken = text.replacen("institution:\n", "institution:\n  id: [\n", 1);
                out.push(Some(broken));
                continue;
            }
            4 => text = text.replace("dedicated_ops_staff: true", "dedicated_ops_staff: false"),
            5 => {
                out.push(Some(text.replace('\n', "\r\n")));
                continue;
            }
            6 => {
                out.push(None);
                continue;
            }
            7 => {
                text = text.replace(
                    "patch: { status: up_to_date, applied_on: 2026-10-01 }",
                    "patch: { status: pending }",
                )
            }
            _ => text = text.replace("dedicated_ops_staff: false", "dedicated_ops_staff: true"),
        }
        out.push(Some(text.clone()));
    }
    out
}

fn build(dir: &std::path::Path) -> (Oid, Vec<Oid>) {
    let repo = Repository::init(dir).expect("init");
    let mut parent: Option<Oid> = None;
    let mut commits = Vec::new();
    for (i, version) in versions().into_iter().enumerate() {
        let at = 1_767_225_600 + i64::try_from(i).expect("small") * 86_400;
        let sig = Signature::new("Tester", "t@example.invalid", &Time::new(at, 540)).expect("sig");
        let mut tb = repo.treebuilder(None).expect("tree");
        if let Some(text) = version {
            let blob = repo.blob(text.as_bytes()).expect("blob");
            tb.insert("clinic.yaml", blob, 0o100_644).expect("insert");
        }
        let other = repo.blob(format!("{i}\n").as_bytes()).expect("blob");
        tb.insert("notes.txt", other, 0o100_644).expect("insert");
        let tree = repo.find_tree(tb.write().expect("tree")).expect("tree");
        let parents: Vec<git2::Commit<'_>> = parent
            .map(|p| repo.find_commit(p).expect("parent"))
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let id = repo
            .commit(Some("HEAD"), &sig, &sig, &format!("v{i}"), &tree, &parents)
            .expect("commit");
        commits.push(id);
        parent = Some(id);
    }
    (parent.expect("commits"), commits)
}

#[test]
fn every_commit_reads_as_if_checked_on_its_own() {
    let dir = tempfile::tempdir().expect("tmp");
    let (head, _) = build(dir.path());
    let repo = Repo::open(dir.path()).expect("open");
    let catalogue = Catalogue::builtin().expect("catalogue");
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
    let mut runs = Vec::new();
    for _ in 0..2 {
        let mut calls = Vec::new();
        let tl = history(
            &repo,
            head,
            "clinic.yaml",
            &catalogue,
            AsOf::Date(as_of),
            &mut |d, t| {
                calls.push((d, t));
            },
        )
        .expect("history");
        assert_eq!(calls.last(), Some(&(tl.entries.len(), tl.entries.len())));
        runs.push(serde_json::to_string_pretty(&tl).expect("json"));
        follows_the_schema(&tl);
        let mut kinds = [0usize; 3];
        // The violations of the last commit that read, to check each entry's changes.
        let mut before: std::collections::BTreeSet<(String, String)> = Default::default();
        for e in &tl.entries {
            let commit = Oid::from_str(&e.commit).expect("oid");
            let snapshot = repo.snapshot(commit, &e.path).expect("snapshot");
            match (&e.outcome, snapshot) {
                (Outcome::Removed, None) => {
                    before.clear();
                    kinds[2] += 1;
                }
                (Outcome::Invalid { problems }, Some(s)) => {
                    let loaded = load_bytes(&e.path, s.files, &Limits::default());
                    assert!(!loaded.problems.is_empty(), "{}", e.message);
                    assert!(!problems.is_empty());
                    kinds[1] += 1;
                }
                (
                    Outcome::Checked {
                        pattern,
                        summary,
                        score: got,
                        introduced,
                        resolved,
                    },
                    Some(s),
                ) => {
                    let loaded = load_bytes(&e.path, s.files, &Limits::default());
                    let m = loaded.manifest.as_ref().expect("valid");
                    let options = Options {
                        as_of,
                        manifest_label: e.path.clone(),
                        threads: 1,
                    };
                    let report = check(m, &loaded.sources, &catalogue, &options).expect("check");
                    let now: std::collections::BTreeSet<(String, String)> = report
                        .findings
                        .iter()
                        .filter(|f| f.status == Status::Violated)
                        .map(|f| (f.rule.clone(), f.entity.clone()))
                        .collect();
                    let added: Vec<_> = now.difference(&before).cloned().collect();
                    let gone: Vec<_> = before.difference(&now).cloned().collect();
                    assert_eq!(introduced, &added, "{}", e.message);
                    assert_eq!(resolved, &gone, "{}", e.message);
                    before = now;
                    assert_eq!(
                        serde_json::to_value(summary).expect("json"),
                        serde_json::to_value(&report.summary).expect("json"),
                        "{}",
                        e.message
                    );
                    assert_eq!(*pattern, report.patterns.institution);
                    assert!((got - report.summary.score()).abs() < f64::EPSILON);
                    kinds[0] += 1;
                }
                (o, s) => panic!("{}: {o:?} but the snapshot is {:?}", e.message, s.is_some()),
            }
        }
        // Every kind of entry occurs, and the history is long enough to be cut into runs.
        assert!(kinds[0] > 20 && kinds[1] >= 4 && kinds[2] >= 4, "{kinds:?}");
    }
    assert_eq!(runs[0], runs[1], "the cached run differs");
}

/// The JSON of a timeline follows the committed schema, which is what the code generates.
fn follows_the_schema(tl: &kensa_history::history::Timeline) {
    let schema: serde_json::Value =
        serde_json::from_str(&kensa_history::history::history_schema_text()).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let value = serde_json::to_value(tl).expect("json");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn committed_history_schema_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(kensa_history::history::HISTORY_SCHEMA_PATH);
    let text = kensa_history::history::history_schema_text();
    if std::env::var_os("KENSA_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "schemas/history.v1.schema.json is stale: run KENSA_UPDATE_SCHEMA=1 cargo test -p kensa-history --test timeline"
    );
}
