//! The catalogue tests: ids, annotations, strict validation, coverage, and every rule
//! against its violating and compliant fixture.
//!
//! Fixtures live in `policies/fixtures/<RULE-ID>/{violating,compliant}.yaml`. Each is a
//! complete manifest whose header states, for that rule, exactly which entities get
//! which status:
//!
//! ```yaml
//! # expect: violated asset/srv-1
//! # expect: not_applicable asset/pc-1
//! # as-of: 2026-11-21        (optional; the default)
//! ```
//!
//! A violating fixture must expect at least one `violated` (or `upcoming`) entity, a
//! compliant one at least one `satisfied` entity, and neither may leave the rule
//! unevaluated. To check one policy file while writing it, set
//! `KENSA_POLICY_FILE=policies/vendor.cedar`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use kensa_engine::catalogue::BUILTIN;
use kensa_engine::{Catalogue, Options, Status, check};
use kensa_manifest::{Limits, load};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn show(errors: &[kensa_engine::PolicyError]) -> String {
    errors
        .iter()
        .map(|e| {
            let line = e
                .labels
                .first()
                .map(|(o, _)| e.text[..*o].matches('\n').count() + 1)
                .unwrap_or(0);
            format!(
                "{}:{line}: {}{}",
                e.file,
                e.message.en,
                e.help
                    .as_deref()
                    .map(|h| format!(" (help: {h})"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The catalogue under test: every built-in file, or only `KENSA_POLICY_FILE`.
fn catalogue() -> Catalogue {
    match std::env::var("KENSA_POLICY_FILE") {
        Ok(file) => {
            let text = std::fs::read_to_string(root().join(&file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            Catalogue::from_texts(&[(file.as_str(), text.as_str())], true)
                .unwrap_or_else(|e| panic!("{}", show(&e)))
        }
        Err(_) => Catalogue::builtin().unwrap_or_else(|e| panic!("{}", show(&e))),
    }
}

#[test]
fn builtin_catalogue_loads_and_validates_strictly() {
    let c = Catalogue::builtin().unwrap_or_else(|e| panic!("{}", show(&e)));
    assert!(c.rules.iter().all(|r| r.builtin));
}

#[test]
fn builtin_files_are_the_files_on_disk() {
    // The catalogue compiled into the binary is the one in policies/.
    for (file, text) in BUILTIN {
        let on_disk = std::fs::read_to_string(root().join(file)).expect(file);
        assert_eq!(&on_disk, text, "{file} differs from the compiled copy");
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("policies"))
        .expect("policies/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".cedar"))
        .map(|n| format!("policies/{n}"))
        .collect();
    on_disk.sort();
    let mut compiled: Vec<String> = BUILTIN.iter().map(|(f, _)| (*f).to_string()).collect();
    compiled.sort();
    assert_eq!(
        on_disk, compiled,
        "every policies/*.cedar file is compiled in"
    );
}

#[test]
fn catalogue_has_at_least_80_rules_and_every_checklist_item() {
    let c = Catalogue::builtin().unwrap_or_else(|e| panic!("{}", show(&e)));
    assert!(c.rules.len() >= 80, "only {} rules", c.rules.len());
    let ids: BTreeSet<&str> = c.rules.iter().map(|r| r.id.as_str()).collect();
    // Every item of the checklist (seed 004) and of the 令和7年度 additions.
    for item in [
        "CL-0",
        "CL-1-1",
        "CL-2-1",
        "CL-2-2",
        "CL-2-3",
        "CL-2-4",
        "CL-2-5",
        "CL-2-6",
        "CL-2-7",
        "CL-2-8",
        "CL-2-9",
        "CL-3-1",
        "CL-3-2",
        "CL-3-3",
        "CL-R7-PW-1",
        "CL-R7-PW-2",
        "CL-R7-USB",
        "CL-R7-MFA",
        "CL-R7-RULES",
    ] {
        let covered = ids.contains(item)
            || ids.iter().any(|id| {
                id.starts_with(&format!("{item}-")) || id.starts_with(&format!("{item}."))
            });
        assert!(covered, "checklist item {item} has no rule");
    }
    for v in [
        "checklist",
        "management",
        "planning",
        "operations",
        "vendor",
    ] {
        assert!(
            c.rules.iter().any(|r| r.volume.name() == v),
            "no rule from volume {v}"
        );
    }
    assert!(
        c.rules
            .iter()
            .any(|r| r.evidence == kensa_engine::catalogue::Evidence::Attested)
    );
}

#[test]
fn every_rule_has_a_violating_and_a_compliant_fixture() {
    let c = catalogue();
    let mut missing = Vec::new();
    for r in &c.rules {
        for kind in ["violating", "compliant"] {
            let p = root().join(format!("policies/fixtures/{}/{kind}.yaml", r.id));
            if !p.is_file() {
                missing.push(format!("{}/{kind}.yaml", r.id));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing fixtures:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_fixture_without_a_rule() {
    let c = Catalogue::builtin().unwrap_or_else(|e| panic!("{}", show(&e)));
    for entry in std::fs::read_dir(root().join("policies/fixtures"))
        .expect("fixtures")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        assert!(c.rule(&name).is_some(), "fixtures for unknown rule {name}");
    }
}

struct Expectation {
    as_of: NaiveDate,
    by_status: BTreeMap<Status, BTreeSet<String>>,
}

fn parse_header(text: &str, file: &str) -> Expectation {
    let mut as_of = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
    let mut by_status: BTreeMap<Status, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# expect:") {
            let mut words = rest.split_whitespace();
            let status = words.next().unwrap_or_default();
            let status = Status::ALL
                .into_iter()
                .find(|s| s.name() == status)
                .unwrap_or_else(|| panic!("{file}: unknown status {status}"));
            by_status
                .entry(status)
                .or_default()
                .extend(words.map(str::to_string));
        } else if let Some(rest) = line.strip_prefix("# as-of:") {
            as_of = NaiveDate::parse_from_str(rest.trim(), "%Y-%m-%d")
                .unwrap_or_else(|e| panic!("{file}: as-of: {e}"));
        }
    }
    Expectation { as_of, by_status }
}

#[test]
fn every_rule_behaves_on_its_fixtures() {
    let c = catalogue();
    let mut failures = Vec::new();
    for r in &c.rules {
        for kind in ["violating", "compliant"] {
            let rel = format!("policies/fixtures/{}/{kind}.yaml", r.id);
            let path = root().join(&rel);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // reported by every_rule_has_a_violating_and_a_compliant_fixture
            };
            let exp = parse_header(&text, &rel);
            let needed = if kind == "violating" {
                exp.by_status.contains_key(&Status::Violated)
                    || exp.by_status.contains_key(&Status::Upcoming)
            } else {
                exp.by_status.contains_key(&Status::Satisfied)
            };
            if !needed {
                failures.push(format!(
                    "{rel}: the header must expect at least one {} entity",
                    if kind == "violating" {
                        "violated"
                    } else {
                        "satisfied"
                    }
                ));
                continue;
            }
            let loaded = load(&path, &Limits::default());
            let Some(manifest) = loaded.manifest else {
                failures.push(format!(
                    "{rel}: not a valid manifest: {}",
                    loaded
                        .problems
                        .iter()
                        .map(|p| p.message.en.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
                continue;
            };
            let report = check(
                &manifest,
                &loaded.sources,
                &c,
                &Options {
                    as_of: exp.as_of,
                    manifest_label: rel.clone(),
                    threads: 0,
                },
            )
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
            let mut actual: BTreeMap<Status, BTreeSet<String>> = BTreeMap::new();
            for f in report.findings.iter().filter(|f| f.rule == r.id) {
                actual.entry(f.status).or_default().insert(f.entity.clone());
            }
            if let Some(cne) = actual.get(&Status::CouldNotEvaluate) {
                failures.push(format!("{rel}: could not evaluate on {cne:?}"));
            }
            for (status, want) in &exp.by_status {
                let got = actual.get(status).cloned().unwrap_or_default();
                if &got != want {
                    failures.push(format!(
                        "{rel}: {} expected {want:?}, got {got:?}",
                        status.name()
                    ));
                }
            }
            if kind == "compliant"
                && let Some(v) = actual.get(&Status::Violated)
            {
                failures.push(format!("{rel}: compliant fixture still violates on {v:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_documents_itself() {
    let c = catalogue();
    for r in &c.rules {
        assert!(!r.title.ja.is_empty() && !r.title.en.is_empty(), "{}", r.id);
        assert!(r.doc.contains("```yaml"), "{}: no compliant example", r.id);
        assert!(!r.patterns.is_empty(), "{}", r.id);
        assert!(!r.reference.is_empty() && !r.source.is_empty(), "{}", r.id);
    }
}
