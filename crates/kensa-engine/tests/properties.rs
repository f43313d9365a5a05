//! Properties of evaluation, over generated variations of the bundled examples: the
//! result does not depend on the order of entries or of the files of a folder; evaluation is idempotent; a manifest
//! written back to YAML and read again evaluates the same; adding an exception never adds
//! a violation.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;
use kensa_engine::report::Status;
use kensa_engine::{Catalogue, Options, Report, check};
use kensa_manifest::model::Exception;
use kensa_manifest::{Limits, Manifest, SourceSet, load, load_str};
use proptest::prelude::*;

fn catalogue() -> &'static Catalogue {
    static C: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    C.get_or_init(|| Catalogue::builtin().expect("catalogue"))
}

/// A bundled example, with the files its origins point into.
fn example(name: &str) -> (Manifest, SourceSet) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../manifests/examples")
        .join(name);
    let loaded = load(&path, &Limits::default());
    let m = loaded.manifest.unwrap_or_else(|| panic!("{name} is valid"));
    (m, loaded.sources)
}

/// The manifest as a user would write it, read back.
fn written_and_read(m: &Manifest) -> (Manifest, SourceSet) {
    let text = format!(
        "apiVersion: kensa/v1\n{}",
        serde_saphyr::to_string(m).expect("serialise")
    );
    let loaded = load_str("m.yaml", &text, &Limits::default());
    assert!(
        loaded.problems.is_empty(),
        "{:?}",
        loaded
            .problems
            .iter()
            .map(|p| &p.message.en)
            .collect::<Vec<_>>()
    );
    (loaded.manifest.expect("manifest"), loaded.sources)
}

fn evaluate((m, sources): &(Manifest, SourceSet)) -> Report {
    let options = Options {
        as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
        manifest_label: "m.yaml".into(),
        threads: 0,
    };
    check(m, sources, catalogue(), &options).expect("check")
}

/// What a finding says, without where it is written.
fn verdicts(r: &Report) -> Vec<(String, String, Status)> {
    r.findings
        .iter()
        .map(|f| (f.rule.clone(), f.entity.clone(), f.status))
        .collect()
}

fn violated(r: &Report) -> BTreeSet<(String, String)> {
    r.findings
        .iter()
        .filter(|f| f.status == Status::Violated)
        .map(|f| (f.rule.clone(), f.entity.clone()))
        .collect()
}

/// Reorders `items` by the keys drawn for them (a random permutation).
fn permute<T>(items: &mut Vec<T>, keys: &[u64]) {
    let mut keyed: Vec<(u64, usize, T)> = items
        .drain(..)
        .enumerate()
        .map(|(i, x)| (keys.get(i).copied().unwrap_or(0), i, x))
        .collect();
    keyed.sort_by_key(|(k, i, _)| (*k, *i));
    items.extend(keyed.into_iter().map(|(_, _, x)| x));
}

const EXAMPLES: [&str; 3] = [
    "clinic-cloud-nostaff.yaml",
    "hospital-onprem.yaml",
    "pharmacy.yaml",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn findings_do_not_depend_on_the_order_of_the_files_of_a_folder(
        keys in prop::collection::vec(any::<u64>(), 6),
    ) {
        // The hospital kept in six files, read in another order: files are read in name
        // order, so new names drawn for them reorder them.
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests/examples/hospital-mixed");
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&folder)
            .expect("folder")
            .filter_map(Result::ok)
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read")))
            .collect();
        files.sort();
        prop_assert_eq!(files.len(), 6);
        let as_is = kensa_manifest::load_bytes("hospital-mixed", files.clone(), &Limits::default());
        let before = verdicts(&evaluate(&(as_is.manifest.expect("valid"), as_is.sources)));
        let renamed: Vec<(String, Vec<u8>)> = files
            .into_iter()
            .zip(&keys)
            .map(|((name, bytes), k)| (format!("{k:020}-{name}"), bytes))
            .collect();
        let reordered = kensa_manifest::load_bytes("hospital-mixed", renamed, &Limits::default());
        prop_assert!(reordered.problems.is_empty());
        let after = verdicts(&evaluate(&(reordered.manifest.expect("valid"), reordered.sources)));
        prop_assert_eq!(before, after);
    }

    #[test]
    fn findings_do_not_depend_on_the_order_of_entries(
        which in 0..EXAMPLES.len(),
        keys in prop::collection::vec(any::<u64>(), 64),
    ) {
        let m = example(EXAMPLES[which]);
        let before = verdicts(&evaluate(&m));
        let mut shuffled = m.0.clone();
        permute(&mut shuffled.people, &keys);
        permute(&mut shuffled.roles, &keys[1..]);
        permute(&mut shuffled.systems, &keys[2..]);
        permute(&mut shuffled.assets, &keys[3..]);
        permute(&mut shuffled.networks, &keys[4..]);
        permute(&mut shuffled.connections, &keys[5..]);
        permute(&mut shuffled.accounts, &keys[6..]);
        permute(&mut shuffled.access_matrix, &keys[7..]);
        permute(&mut shuffled.vendors, &keys[8..]);
        permute(&mut shuffled.contracts, &keys[9..]);
        permute(&mut shuffled.backups, &keys[10..]);
        permute(&mut shuffled.exceptions, &keys[11..]);
        // Through YAML, as a user reordering the file would.
        let after = verdicts(&evaluate(&written_and_read(&shuffled)));
        prop_assert_eq!(before, after);
    }

    #[test]
    fn an_exception_never_adds_a_violation(
        which in 0..EXAMPLES.len(),
        pick in any::<prop::sample::Index>(),
        days in 0i64..800,
    ) {
        let m = example(EXAMPLES[which]);
        let report = evaluate(&m);
        let before = violated(&report);
        // An exception for a violated pair (every example has some).
        let candidates: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.status == Status::Violated)
            .collect();
        prop_assert!(!candidates.is_empty());
        let f = *pick.get(&candidates);
        let mut waived = m.clone();
        let people = &m.0.people;
        let approved = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        waived.0.exceptions.push(Exception {
            id: "generated-exception".into(),
            rule: f.rule.clone(),
            target: f.entity.clone(),
            reason: "generated".into(),
            approved_by: people.first().map(|p| p.id.clone()).unwrap_or_default(),
            approved_on: approved,
            expires_on: approved + chrono::Duration::days(days),
            evidence: None,
            origin: kensa_manifest::Origin::default(),
        });
        let after = violated(&evaluate(&waived));
        prop_assert!(after.is_subset(&before), "{:?}", after.difference(&before).collect::<Vec<_>>());
        // And it waives what it names while it is in force (2026-11-21 is day 324).
        let pair = (f.rule.clone(), f.entity.clone());
        if days >= 324 {
            prop_assert!(!after.contains(&pair), "{pair:?} is still violated");
        }
    }
}

#[test]
fn evaluation_is_idempotent_and_survives_a_round_trip_through_yaml() {
    for name in EXAMPLES
        .into_iter()
        .chain(["hospital-mixed", "dental-onprem-nostaff.yaml"])
    {
        let m = example(name);
        let first = evaluate(&m);
        let second = evaluate(&m);
        assert_eq!(
            serde_json::to_string(&first).expect("json"),
            serde_json::to_string(&second).expect("json"),
            "{name}"
        );
        assert_eq!(
            verdicts(&first),
            verdicts(&evaluate(&written_and_read(&m.0))),
            "{name}"
        );
    }
}
