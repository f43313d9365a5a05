//! Checking with a [`Memo`] (as `kensa history` does over many versions of a manifest)
//! gives byte for byte the report that checking without one gives, and asks Cedar only
//! about the entities that changed.

use std::path::Path;

use chrono::NaiveDate;
use kensa_engine::{Catalogue, Memo, Options, check, check_with};
use kensa_manifest::{Limits, load, load_str};

fn options(as_of: NaiveDate) -> Options {
    Options {
        as_of,
        manifest_label: "m.yaml".into(),
        threads: 0,
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// Checks `loaded` with and without `memo`; they must agree to the byte.
fn agree(
    label: &str,
    loaded: &kensa_manifest::Loaded,
    c: &Catalogue,
    memo: &mut Memo,
    as_of: NaiveDate,
) {
    let m = loaded
        .manifest
        .as_ref()
        .unwrap_or_else(|| panic!("{label} does not load"));
    let plain = check(m, &loaded.sources, c, &options(as_of)).expect("check");
    let remembered = check_with(m, &loaded.sources, c, &options(as_of), memo).expect("check");
    assert_eq!(
        serde_json::to_string_pretty(&plain).expect("json"),
        serde_json::to_string_pretty(&remembered).expect("json"),
        "{label} on {as_of}"
    );
}

#[test]
fn remembered_answers_give_the_same_report() {
    let c = Catalogue::builtin().expect("catalogue");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests/examples");
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    let mut memo = Memo::new();
    // Every example twice (the second time from memory), on two dates (a new date
    // forgets everything: `now` is shown to Cedar), then each with one change.
    for as_of in [date(2026, 11, 21), date(2027, 6, 1)] {
        for path in &names {
            let loaded = load(path, &Limits::default());
            agree(&path.display().to_string(), &loaded, &c, &mut memo, as_of);
            agree(&path.display().to_string(), &loaded, &c, &mut memo, as_of);
        }
    }
    let (asked, reused) = memo.counts();
    assert!(reused >= asked, "{asked} {reused}");
    for path in names.iter().filter(|p| p.is_file()) {
        let text = std::fs::read_to_string(path).expect("read");
        for changed in [
            text.replacen("mfa: true", "mfa: false", 1),
            text.replacen("dedicated_ops_staff: false", "dedicated_ops_staff: true", 1),
            text.replacen("hosting: on_premise", "hosting: cloud", 1),
        ] {
            let loaded = load_str("m.yaml", &changed, &Limits::default());
            if loaded.manifest.is_some() {
                agree(
                    &path.display().to_string(),
                    &loaded,
                    &c,
                    &mut memo,
                    date(2026, 11, 21),
                );
            }
        }
    }
}

#[test]
fn only_changed_entities_are_asked_again() {
    let c = Catalogue::builtin().expect("catalogue");
    let base = kensa_manifest::synthetic::manifest(100);
    let mut memo = Memo::new();
    let as_of = date(2026, 11, 21);
    let first = load_str("m.yaml", &base, &Limits::default());
    agree("first", &first, &c, &mut memo, as_of);
    let (asked, _) = memo.counts();
    assert!(asked > 100, "{asked}");
    // One account becomes unused: that account alone is asked about again (the
    // institution's and systems' aggregates do not count unused accounts).
    let changed = base.replacen(
        "{ id: u7, holder: p7, systems: [ehr], role: nurse, last_used_on: 2026-11-01 }",
        "{ id: u7, holder: p7, systems: [ehr], role: nurse, last_used_on: 2025-01-01 }",
        1,
    );
    assert_ne!(changed, base);
    let second = load_str("m.yaml", &changed, &Limits::default());
    agree("second", &second, &c, &mut memo, as_of);
    let (after, _) = memo.counts();
    assert!(after > asked && after - asked <= 3, "{asked} {after}");
    let report = check(
        second.manifest.as_ref().expect("valid"),
        &second.sources,
        &c,
        &options(as_of),
    )
    .expect("check");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.entity == "account/u7" && f.status == kensa_engine::Status::Violated)
    );
}
