//! The JUnit XML renderer, read back by a real JUnit consumer (junitparser) and by
//! quick-junit's own reader.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use kensa_engine::report::BaselineSummary;
use kensa_engine::{BaselineState, Report, Severity, Status};
use kensa_manifest::{Lang, Text};
use kensa_report::{Input, junit};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus};
use serde_json::Value;

/// Reads a JUnit file with junitparser and prints what it saw as JSON: the declared
/// counts of the root, and every suite and case with its results.
const CONSUMER: &str = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped

xml = JUnitXml.fromfile(sys.argv[1])
out = {
    "name": xml.name,
    "declared": {"tests": xml.tests, "failures": xml.failures, "errors": xml.errors, "skipped": xml.skipped},
    "counted": {"tests": 0, "failures": 0, "errors": 0, "skipped": 0},
    "suites": [],
}
for suite in xml:
    s = {
        "name": suite.name,
        "declared": {"tests": suite.tests, "failures": suite.failures, "errors": suite.errors, "skipped": suite.skipped},
        "properties": {p.name: p.value for p in suite.properties()},
        "cases": [],
    }
    for case in suite:
        out["counted"]["tests"] += 1
        results = []
        for r in case.result:
            kind = {Failure: "failure", Error: "error", Skipped: "skipped"}[type(r)]
            out["counted"][kind if kind == "skipped" else kind + "s"] += 1
            results.append({"kind": kind, "type": r.type, "message": r.message, "text": r.text})
        s["cases"].append({
            "name": case.name,
            "classname": case.classname,
            "file": case._elem.get("file"),
            "line": case._elem.get("line"),
            "results": results,
        })
    out["suites"].append(s)
print(json.dumps(out, ensure_ascii=False))
"#;

fn input<'a>(
    report: &'a Report,
    lang: Lang,
    repo_paths: &'a BTreeMap<String, String>,
) -> Input<'a> {
    Input {
        report,
        catalogue: common::catalogue(),
        lang,
        fail_on: Some(Severity::Low),
        repo_paths,
    }
}

/// What junitparser reads from `xml`.
fn consume(xml: &str) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kensa.junit.xml");
    std::fs::write(&path, xml).expect("write the report");
    let out = Command::new(common::python())
        .arg("-c")
        .arg(CONSUMER)
        .arg(&path)
        .output()
        .expect("run junitparser");
    assert!(
        out.status.success(),
        "junitparser could not read the report:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("junitparser's JSON")
}

/// The quick-junit test case of a finding, read back from `xml`.
fn parsed_case(xml: &str, rule: &str, entity: &str) -> TestCase {
    let parsed = quick_junit::Report::deserialize_from_str(xml).expect("well-formed JUnit XML");
    let mut found = parsed
        .test_suites
        .into_iter()
        .flat_map(|s| s.test_cases)
        .filter(|c| c.classname.as_deref() == Some(rule) && c.name.as_str() == entity);
    let case = found
        .next()
        .unwrap_or_else(|| panic!("no test case {rule} {entity}"));
    assert!(found.next().is_none(), "two test cases {rule} {entity}");
    case
}

/// The junitparser view of a finding's test case.
fn consumed_case<'v>(seen: &'v Value, rule: &str, entity: &str) -> &'v Value {
    seen["suites"]
        .as_array()
        .expect("suites")
        .iter()
        .flat_map(|s| s["cases"].as_array().expect("cases"))
        .find(|c| c["classname"] == rule && c["name"] == entity)
        .unwrap_or_else(|| panic!("junitparser saw no test case {rule} {entity}"))
}

#[test]
fn a_real_consumer_counts_what_the_summary_counts() {
    let no_paths = BTreeMap::new();
    for name in common::examples() {
        let report = common::example_report(&name);
        for lang in [Lang::Ja, Lang::En] {
            let xml = junit::render(&input(&report, lang, &no_paths));
            let seen = consume(&xml);
            let s = &report.summary;
            let expected = serde_json::json!({
                "tests": report.findings.len(),
                "failures": s.violated,
                "errors": s.could_not_evaluate,
                "skipped": s.not_applicable + s.delegated + s.waived + s.upcoming,
            });
            assert_eq!(seen["counted"], expected, "{name} {lang:?}: cases read");
            assert_eq!(
                seen["declared"], expected,
                "{name} {lang:?}: counts declared"
            );
            assert_eq!(seen["name"], "kensa");
            for suite in seen["suites"].as_array().expect("suites") {
                let cases = suite["cases"].as_array().expect("cases");
                assert_eq!(
                    suite["declared"]["tests"],
                    cases.len(),
                    "{name}: {}",
                    suite["name"]
                );
                let rule = suite["properties"]["kensa.rule"]
                    .as_str()
                    .expect("kensa.rule");
                assert!(
                    suite["name"]
                        .as_str()
                        .expect("name")
                        .starts_with(&format!("{rule} "))
                );
                assert!(cases.iter().all(|c| c["classname"] == rule));
                assert_eq!(suite["properties"]["kensa.as_of"], "2026-11-21");
                assert_eq!(
                    suite["properties"]["kensa.institution"],
                    *report.institution.id
                );
            }
            // One suite per rule, in report order, with one case per finding in order.
            let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
            rules.dedup();
            let suites: Vec<&str> = seen["suites"]
                .as_array()
                .expect("suites")
                .iter()
                .map(|s| s["properties"]["kensa.rule"].as_str().expect("kensa.rule"))
                .collect();
            assert_eq!(suites, rules, "{name}");
            let cases: Vec<(&str, &str)> = seen["suites"]
                .as_array()
                .expect("suites")
                .iter()
                .flat_map(|s| s["cases"].as_array().expect("cases"))
                .map(|c| {
                    (
                        c["classname"].as_str().expect("classname"),
                        c["name"].as_str().expect("name"),
                    )
                })
                .collect();
            let findings: Vec<(&str, &str)> = report
                .findings
                .iter()
                .map(|f| (f.rule.as_str(), f.entity.as_str()))
                .collect();
            assert_eq!(cases, findings, "{name}");
        }
    }
}

#[test]
fn each_status_maps_to_its_junit_result() {
    let no_paths = BTreeMap::new();
    let mut seen_statuses = Vec::new();
    for name in common::examples() {
        let report = common::example_report(&name);
        let xml = junit::render(&input(&report, Lang::Ja, &no_paths));
        let consumed = consume(&xml);
        // The first finding of each status in this example.
        for status in Status::ALL {
            let Some(f) = report.findings.iter().find(|f| f.status == status) else {
                continue;
            };
            seen_statuses.push(status);
            let case = parsed_case(&xml, &f.rule, &f.entity);
            let c = consumed_case(&consumed, &f.rule, &f.entity);
            let loc = f.location.as_ref().expect("examples locate every finding");
            assert_eq!(c["file"], &*loc.file, "{c}");
            assert!(
                loc.file.starts_with(&format!("manifests/examples/{name}")),
                "{c}"
            );
            assert_eq!(c["line"], loc.line.to_string().as_str(), "{c}");
            let what = format!("{name}: {} {} ({status:?})", f.rule, f.entity);
            match (&case.status, status) {
                (TestCaseStatus::Success { .. }, Status::Satisfied) => {
                    assert_eq!(c["results"], serde_json::json!([]), "{what}");
                }
                (
                    TestCaseStatus::NonSuccess {
                        kind: NonSuccessKind::Failure,
                        message,
                        ty,
                        description,
                        ..
                    },
                    Status::Violated,
                ) => {
                    let message = message.as_deref().expect("a message");
                    assert!(message.starts_with(&f.title.ja), "{what}: {message}");
                    assert_eq!(ty.as_deref(), Some(f.severity.name()), "{what}");
                    let text = description.as_deref().expect("a text");
                    let mut lines = text.lines();
                    assert_eq!(lines.next(), Some(message), "{what}: {text}");
                    let place = format!("{}:{}:{}", loc.file, loc.line, loc.column);
                    assert_eq!(lines.next(), Some(place.as_str()), "{what}: {text}");
                    let fix = f.fix.as_ref().expect("violations say what to do");
                    assert!(
                        text.contains(&format!("対処: {}", fix.ja)),
                        "{what}: {text}"
                    );
                    assert!(text.contains(&f.source.citation), "{what}: {text}");
                    assert!(
                        text.contains(&format!("kensa explain {}", f.rule)),
                        "{what}"
                    );
                    assert_eq!(c["results"][0]["kind"], "failure", "{what}");
                    assert_eq!(c["results"][0]["message"], message, "{what}");
                }
                (
                    TestCaseStatus::NonSuccess {
                        kind: NonSuccessKind::Error,
                        message,
                        ..
                    },
                    Status::CouldNotEvaluate,
                ) => {
                    let message = message.as_deref().expect("a message");
                    assert!(message.starts_with("評価不能"), "{what}: {message}");
                }
                (
                    TestCaseStatus::Skipped {
                        message,
                        ty,
                        description,
                    },
                    Status::NotApplicable | Status::Delegated | Status::Waived | Status::Upcoming,
                ) => {
                    let message = message.as_deref().expect("a message");
                    let text = description.as_deref().expect("a text");
                    if status == Status::NotApplicable {
                        assert_eq!(text, message, "{what}");
                    } else {
                        assert!(text.starts_with(&format!("{message}\n")), "{what}: {text}");
                        assert!(
                            text.contains(&format!("kensa explain {}", f.rule)),
                            "{what}"
                        );
                    }
                    let label = status.label();
                    assert!(
                        message.starts_with(&format!("{}: ", label.ja)),
                        "{what}: {message}"
                    );
                    let detail = f.detail.as_ref().expect("a reason");
                    assert!(message.ends_with(&detail.ja), "{what}: {message}");
                    assert_eq!(ty.as_deref(), Some(status.name()), "{what}");
                    if status == Status::Upcoming {
                        let days = f.days_left.expect("days left");
                        assert!(
                            message.contains(&format!("あと {days} 日")),
                            "{what}: {message}"
                        );
                    }
                    assert_eq!(c["results"][0]["kind"], "skipped", "{what}");
                    assert_eq!(c["results"][0]["message"], message, "{what}");
                }
                (other, _) => panic!("{what}: rendered as {other:?}"),
            }
        }
    }
    // The examples exercise the statuses this test is about.
    for status in [
        Status::Violated,
        Status::Satisfied,
        Status::NotApplicable,
        Status::Upcoming,
        Status::Waived,
        Status::Delegated,
    ] {
        assert!(seen_statuses.contains(&status), "no example has {status:?}");
    }
}

#[test]
fn english_upcoming_says_the_days_left() {
    let no_paths = BTreeMap::new();
    let (report, f) = common::examples()
        .into_iter()
        .find_map(|name| {
            let report = common::example_report(&name);
            let f = report
                .findings
                .iter()
                .find(|f| f.status == Status::Upcoming)?
                .clone();
            Some((report, f))
        })
        .expect("an example with an upcoming finding");
    let xml = junit::render(&input(&report, Lang::En, &no_paths));
    let case = parsed_case(&xml, &f.rule, &f.entity);
    let TestCaseStatus::Skipped { message, .. } = &case.status else {
        panic!("upcoming is skipped: {case:?}");
    };
    let days = f.days_left.expect("days left");
    let message = message.as_deref().expect("a message");
    assert!(message.starts_with("upcoming: "), "{message}");
    assert!(message.contains(&format!("{days} days left")), "{message}");
}

#[test]
fn the_same_report_renders_to_the_same_bytes() {
    let no_paths = BTreeMap::new();
    for name in common::examples() {
        let report = common::example_report(&name);
        let again = common::example_report(&name);
        let a = junit::render(&input(&report, Lang::Ja, &no_paths));
        let b = junit::render(&input(&again, Lang::Ja, &no_paths));
        assert!(a == b, "{name}: two renders differ");
        assert!(
            a.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            "{name}"
        );
        assert!(a.ends_with('\n'), "{name}");
        assert!(!a.contains("timestamp=") && !a.contains("time="), "{name}");
    }
}

#[test]
fn text_is_escaped_and_read_back_unchanged() {
    let no_paths = BTreeMap::new();
    let name = common::examples().into_iter().next().expect("an example");
    let mut report = common::example_report(&name);
    let title = Text::new(
        "記録 <検証> & \"確認\" 'する'",
        "records <checked> & \"verified\" 'done'",
    );
    let detail = Text::new("期限切れ <&\"> ]]> の例外", "expired <&\"> ]]> exception");
    let entity = "asset/a&b<c>\"d\"";
    let f = report
        .findings
        .iter_mut()
        .find(|f| f.status == Status::Violated)
        .expect("a violation");
    f.title = Arc::new(title.clone());
    f.detail = Some(Arc::new(detail.clone()));
    f.entity = entity.to_string();
    let rule = f.rule.clone();
    let fix = f.fix.clone().expect("a fix");
    for lang in [Lang::Ja, Lang::En] {
        let xml = junit::render(&input(&report, lang, &no_paths));
        assert!(
            !xml.contains("<検証>") && !xml.contains("<checked>"),
            "not escaped"
        );
        let seen = consume(&xml);
        let c = consumed_case(&seen, &rule, entity);
        let result = &c["results"][0];
        assert_eq!(result["kind"], "failure");
        let message = format!("{} — {}", title.get(lang), detail.get(lang));
        assert_eq!(result["message"], message.as_str());
        let text = result["text"].as_str().expect("text");
        assert_eq!(text.lines().next(), Some(message.as_str()), "{text}");
        assert!(text.contains(fix.get(lang)), "{text}");
        let suite = seen["suites"]
            .as_array()
            .expect("suites")
            .iter()
            .find(|s| s["properties"]["kensa.rule"] == rule.as_str())
            .expect("the rule's suite");
        // The suite takes its title from the rule's first finding.
        let first = report
            .findings
            .iter()
            .find(|f| f.rule == rule)
            .expect("a finding");
        assert_eq!(
            suite["name"],
            format!("{rule} {}", first.title.get(lang)).as_str()
        );
    }
    // Japanese text comes back as written.
    let xml = junit::render(&input(&report, Lang::Ja, &no_paths));
    let seen = consume(&xml);
    let ja = report
        .findings
        .iter()
        .find(|f| f.status == Status::Violated && f.entity != entity)
        .expect("another violation");
    let c = consumed_case(&seen, &ja.rule, &ja.entity);
    assert!(
        c["results"][0]["message"]
            .as_str()
            .expect("message")
            .starts_with(&ja.title.ja),
        "{c}"
    );
    assert!(!ja.title.ja.is_ascii());
}

#[test]
fn files_are_named_relative_to_the_repository() {
    let name = common::examples().into_iter().next().expect("an example");
    let report = common::example_report(&name);
    let f = report
        .findings
        .iter()
        .find(|f| f.status == Status::Violated)
        .expect("a violation");
    let file = f.location.as_ref().expect("a location").file.to_string();
    let paths = BTreeMap::from([(file, "infra/kensa/manifest.yaml".to_string())]);
    let xml = junit::render(&input(&report, Lang::En, &paths));
    let seen = consume(&xml);
    let c = consumed_case(&seen, &f.rule, &f.entity);
    assert_eq!(c["file"], "infra/kensa/manifest.yaml");
    let text = c["results"][0]["text"].as_str().expect("text");
    let place = format!(
        "infra/kensa/manifest.yaml:{}:",
        f.location.as_ref().expect("a location").line
    );
    assert!(
        text.lines().nth(1).expect("a place").starts_with(&place),
        "{text}"
    );
}

#[test]
fn a_violation_under_the_threshold_says_it_does_not_fail() {
    let no_paths = BTreeMap::new();
    let (report, f) = common::examples()
        .into_iter()
        .find_map(|name| {
            let report = common::example_report(&name);
            let f = report
                .findings
                .iter()
                .find(|f| f.status == Status::Violated && f.severity > Severity::Critical)?
                .clone();
            Some((report, f))
        })
        .expect("an example with a violation below critical");
    let note = "does not fail the check (--fail-on critical)";
    let mut strict = input(&report, Lang::En, &no_paths);
    strict.fail_on = Some(Severity::Critical);
    let TestCaseStatus::NonSuccess { description, .. } =
        parsed_case(&junit::render(&strict), &f.rule, &f.entity).status
    else {
        panic!("a violation is a failure");
    };
    assert!(description.as_deref().expect("text").contains(note));
    let TestCaseStatus::NonSuccess { description, .. } = parsed_case(
        &junit::render(&input(&report, Lang::En, &no_paths)),
        &f.rule,
        &f.entity,
    )
    .status
    else {
        panic!("a violation is a failure");
    };
    assert!(
        !description
            .as_deref()
            .expect("text")
            .contains("does not fail")
    );
}

#[test]
fn what_could_not_be_evaluated_is_an_error() {
    let no_paths = BTreeMap::new();
    let name = common::examples().into_iter().next().expect("an example");
    let mut report = common::example_report(&name);
    let f = report
        .findings
        .iter_mut()
        .find(|f| f.status == Status::Satisfied)
        .expect("a satisfied finding");
    f.status = Status::CouldNotEvaluate;
    f.detail = Some(Arc::new(Text::new(
        "属性 patch.status がありません",
        "attribute patch.status is missing",
    )));
    let (rule, entity) = (f.rule.clone(), f.entity.clone());
    report.summary.satisfied -= 1;
    report.summary.could_not_evaluate += 1;
    let xml = junit::render(&input(&report, Lang::En, &no_paths));
    let seen = consume(&xml);
    assert_eq!(seen["counted"]["errors"], 1);
    assert_eq!(seen["declared"]["errors"], 1);
    assert_eq!(seen["counted"]["failures"], report.summary.violated);
    let result = &consumed_case(&seen, &rule, &entity)["results"][0];
    assert_eq!(result["kind"], "error");
    assert_eq!(result["type"], "could_not_evaluate");
    assert_eq!(
        result["message"],
        "could not evaluate: attribute patch.status is missing"
    );
}

#[test]
fn a_baseline_says_which_violations_are_new() {
    let no_paths = BTreeMap::new();
    let name = common::examples().into_iter().next().expect("an example");
    let mut report = common::example_report(&name);
    let mut violations = report
        .findings
        .iter_mut()
        .filter(|f| f.status == Status::Violated);
    let new = violations.next().expect("a violation");
    new.baseline = Some(BaselineState::New);
    let new = (new.rule.clone(), new.entity.clone());
    let old = violations.next().expect("another violation");
    old.baseline = Some(BaselineState::Unchanged);
    let old = (old.rule.clone(), old.entity.clone());
    report.baseline = Some(BaselineSummary {
        file: "kensa-baseline.json".to_string(),
        as_of: report.as_of,
        new: 1,
        unchanged: 1,
        resolved: Vec::new(),
    });
    let xml = junit::render(&input(&report, Lang::En, &no_paths));
    let seen = consume(&xml);
    // Still failures: the summary's count, whatever the baseline says.
    assert_eq!(seen["counted"]["failures"], report.summary.violated);
    let text = |(rule, entity): &(String, String)| {
        let c = consumed_case(&seen, rule, entity);
        assert_eq!(c["results"][0]["kind"], "failure", "{c}");
        c["results"][0]["text"].as_str().expect("text").to_string()
    };
    let new_text = text(&new);
    assert!(
        new_text.contains("new: not violated in the baseline"),
        "{new_text}"
    );
    assert!(!new_text.contains("does not fail the check"), "{new_text}");
    let old_text = text(&old);
    assert!(
        old_text.contains("unchanged: violated in the baseline too; it does not fail the check"),
        "{old_text}"
    );
    for suite in seen["suites"].as_array().expect("suites") {
        assert_eq!(suite["properties"]["kensa.baseline"], "kensa-baseline.json");
    }
}
