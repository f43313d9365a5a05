//! The gap analysis of the bundled examples: the checklist answered from the findings,
//! the gaps in priority order with their deadlines and responsible parties, exceptions
//! with their expiry, and the table of checklist items covering every checklist rule.

mod common;

use chrono::NaiveDate;
use common::{catalogue, example_report, examples, root};
use kensa_engine::Volume;
use kensa_engine::report::Status;
use kensa_manifest::{Limits, load};
use kensa_report::gap::{Answer, GapReport, analyse, checklist_rules, fiscal_year_end};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn gap_of(name: &str) -> GapReport {
    let loaded = load(
        &root().join("manifests/examples").join(name),
        &Limits::default(),
    );
    let m = loaded.manifest.as_ref().expect("valid example");
    let report = example_report(name);
    let split =
        kensa_engine::split::split(m, &loaded.sources, catalogue(), &report).expect("split");
    analyse(m, &report, &split, catalogue())
}

#[test]
fn every_checklist_rule_answers_exactly_one_item() {
    let table = checklist_rules();
    for r in catalogue()
        .rules
        .iter()
        .filter(|r| r.volume == Volume::Checklist)
    {
        let items: Vec<&str> = table
            .iter()
            .filter(|(_, id)| *id == r.id)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(items.len(), 1, "{} is in items {items:?}", r.id);
    }
    for (item, id) in &table {
        assert!(
            catalogue().rule(id).is_some(),
            "item {item} names unknown rule {id}"
        );
    }
}

#[test]
fn the_fiscal_year_ends_on_the_next_march_31() {
    assert_eq!(fiscal_year_end(date(2026, 11, 21)), date(2027, 3, 31));
    assert_eq!(fiscal_year_end(date(2027, 2, 1)), date(2027, 3, 31));
    assert_eq!(fiscal_year_end(date(2027, 3, 31)), date(2027, 3, 31));
    assert_eq!(fiscal_year_end(date(2027, 4, 1)), date(2028, 3, 31));
}

#[test]
fn checklist_answers_follow_the_findings() {
    for name in examples() {
        let report = example_report(&name);
        let gap = gap_of(&name);
        assert!(gap.checklist.len() >= 15, "{name}");
        for item in &gap.checklist {
            let statuses: Vec<Status> = report
                .findings
                .iter()
                .filter(|f| item.rules.contains(&f.rule))
                .map(|f| f.status)
                .collect();
            let open = statuses
                .iter()
                .any(|s| matches!(s, Status::Violated | Status::Upcoming));
            let met = statuses
                .iter()
                .any(|s| matches!(s, Status::Satisfied | Status::Delegated | Status::Waived));
            let expected = if open {
                Answer::No
            } else if statuses.contains(&Status::CouldNotEvaluate) {
                Answer::Unknown
            } else if met {
                Answer::Yes
            } else {
                Answer::NotApplicable
            };
            assert_eq!(item.answer, expected, "{name} item {}", item.number);
            assert_eq!(item.checked_on, date(2026, 11, 21));
            match item.answer {
                Answer::No | Answer::Unknown => {
                    let t = item.target.as_ref().expect("a target for いいえ");
                    assert!(
                        t.date > date(2026, 11, 21) && t.date <= date(2027, 4, 1),
                        "{t:?}"
                    );
                    assert!(!item.open.is_empty());
                }
                _ => assert!(item.target.is_none() && item.open.is_empty()),
            }
        }
        let yes = gap
            .checklist
            .iter()
            .filter(|c| c.answer == Answer::Yes)
            .count();
        assert_eq!(gap.summary.checklist_yes, yes);
    }
}

#[test]
fn two_factor_authentication_is_due_by_fy2027_not_this_fiscal_year() {
    let gap = gap_of("clinic-cloud-nostaff.yaml");
    let mfa = gap
        .checklist
        .iter()
        .find(|c| c.rules.iter().any(|r| r == "CL-R7-MFA"))
        .expect("MFA item");
    assert_eq!(mfa.answer, Answer::No);
    let t = mfa.target.as_ref().expect("target");
    assert_eq!(t.date, date(2027, 4, 1));
    assert!(t.label.ja.contains("令和9年度"), "{}", t.label.ja);
    let patch = gap
        .checklist
        .iter()
        .find(|c| c.number == "2-7")
        .expect("2-7");
    let t = patch.target.as_ref().expect("target");
    assert_eq!(t.date, date(2027, 3, 31));
    assert!(t.label.ja.contains("令和8年度中"), "{}", t.label.ja);
}

#[test]
fn gaps_are_every_open_pair_most_urgent_first() {
    for name in examples() {
        let report = example_report(&name);
        let gap = gap_of(&name);
        let open =
            report.summary.violated + report.summary.upcoming + report.summary.could_not_evaluate;
        assert_eq!(gap.gaps.len(), open, "{name}");
        for (i, g) in gap.gaps.iter().enumerate() {
            assert_eq!(g.priority, i + 1);
            assert!(!g.responsible.is_empty(), "{name} {} {}", g.rule, g.entity);
            assert!(
                !g.fix.ja.is_empty() && !g.fix.en.is_empty(),
                "{} has no fix",
                g.rule
            );
        }
        for w in gap.gaps.windows(2) {
            assert!(
                (w[0].severity, w[0].deadline.date) <= (w[1].severity, w[1].deadline.date),
                "{name}: {} before {}",
                w[0].rule,
                w[1].rule
            );
        }
    }
}

#[test]
fn exceptions_carry_their_expiry() {
    let gap = gap_of("hospital-onprem.yaml");
    assert!(!gap.exceptions.is_empty());
    for e in &gap.exceptions {
        assert_eq!(e.days_left, (e.expires_on - date(2026, 11, 21)).num_days());
    }
    for w in gap.exceptions.windows(2) {
        assert!(w[0].expires_on <= w[1].expires_on);
    }
}

#[test]
fn the_analysis_is_deterministic_and_complete() {
    let a = serde_json::to_string(&gap_of("hospital-mixed")).expect("json");
    let b = serde_json::to_string(&gap_of("hospital-mixed")).expect("json");
    assert_eq!(a, b);
    let gap = gap_of("hospital-mixed");
    assert_eq!(gap.appendix.len(), catalogue().rules.len());
    assert!(!gap.matrix.is_empty() && !gap.evidence.is_empty());
    assert!(gap.summary.by_section.iter().all(|s| s.met <= s.applicable));
}

/// A check that could not be evaluated is never taken as はい: its item is 要確認, with a
/// target, and the pair is a gap.
#[test]
fn what_could_not_be_evaluated_is_to_be_checked_never_yes() {
    let name = "clinic-cloud-nostaff.yaml";
    let loaded = load(
        &root().join("manifests/examples").join(name),
        &Limits::default(),
    );
    let m = loaded.manifest.as_ref().expect("valid example");
    let mut report = example_report(name);
    let f = report
        .findings
        .iter_mut()
        .find(|f| f.rule == "CL-1-1")
        .expect("CL-1-1");
    assert_eq!(f.status, Status::Satisfied);
    f.status = Status::CouldNotEvaluate;
    report.summary.satisfied -= 1;
    report.summary.could_not_evaluate += 1;
    let split =
        kensa_engine::split::split(m, &loaded.sources, catalogue(), &report).expect("split");
    let gap = analyse(m, &report, &split, catalogue());
    let item = gap
        .checklist
        .iter()
        .find(|c| c.number == "1-1")
        .expect("1-1");
    assert_eq!(item.answer, Answer::Unknown);
    assert!(item.target.is_some());
    assert!(
        gap.gaps
            .iter()
            .any(|g| g.rule == "CL-1-1" && g.status == Status::CouldNotEvaluate)
    );
}
