//! JUnit XML, for the test dashboards of CI systems (GitLab's test report, Jenkins' JUnit
//! view, Azure Pipelines' test results): every rule × entity that was evaluated is one test
//! case, so a dashboard counts and lists them like tests.
//!
//! - The root `testsuites` element is named `kensa`.
//! - One `testsuite` per rule, in report order (most severe first, then by rule id), named
//!   `<rule id> <title>`; its properties give the rule (`kensa.rule`, `kensa.severity`,
//!   `kensa.source`, `kensa.url`) and the run (`kensa.institution`, `kensa.as_of`,
//!   `kensa.pattern`, `kensa.fail_on`, and `kensa.baseline` when compared with one), so
//!   that each suite reads on its own.
//! - One `testcase` per finding: `name` is the entity (`asset/srv-1`), `classname` the rule
//!   id as is, and the `file` and `line` attributes the place in the manifest (the file
//!   relative to the repository root, as GitLab shows it).
//!
//! | status | JUnit | `type` | `message` |
//! | --- | --- | --- | --- |
//! | violated | `failure` | severity (`high`) | title — detail |
//! | could not evaluate | `error` (never a pass) | `could_not_evaluate` | label: the error |
//! | satisfied | passed | | |
//! | not applicable, delegated, waived | `skipped` | status name | label: the reason |
//! | upcoming | `skipped` | `upcoming` | label: days left until the deadline |
//!
//! The text of each `failure`, `error` and `skipped` element opens with its message (GitLab
//! shows the text, not the message), then, except for not-applicable findings, gives the
//! place in the manifest, the severity and pattern, what to do, the source and the
//! `kensa explain` command.
//!
//! An upcoming finding breaks a requirement whose deadline has not come: it does not fail
//! today, so it is skipped rather than failed, and its message says how many days are left.
//! Every violation is a failure whatever `--fail-on` or a baseline say (dashboards compare
//! runs themselves); the failure's text says whether it is new or already in the baseline
//! (`kensa check --baseline`), and when it does not fail the check. Violations of the
//! baseline that this run no longer has are not test cases of this run and do not appear.
//!
//! A problem that keeps the check from being complete (a rule id in an exception or a
//! contract that names nothing, no rule applying at all) is a test case in `error` in a
//! last suite, `kensa check completeness`.
//!
//! Texts for people follow [`Input::lang`]. There are no timestamps or durations, so the
//! same report renders to the same bytes.

use std::collections::HashMap;

use kensa_engine::report::Finding;
use kensa_engine::{BaselineState, Severity, Status};
use kensa_manifest::Lang;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::Input;

/// Renders the report as JUnit XML (UTF-8, with the XML declaration and a final newline).
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let mut report = Report::new("kensa");
    // Rules in the order they first appear: the report is sorted by severity, rule id and
    // entity, so each rule's findings are contiguous and most severe rules come first.
    let mut rules: Vec<(&str, Vec<&Finding>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for f in &input.report.findings {
        let i = *index.entry(&f.rule).or_insert_with(|| {
            rules.push((&f.rule, Vec::new()));
            rules.len() - 1
        });
        rules[i].1.push(f);
    }
    for (id, findings) in rules {
        report.add_test_suite(suite(input, id, &findings));
    }
    if !input.report.problems.is_empty() {
        report.add_test_suite(problems(input));
    }
    // Writing to memory fails only on an I/O error, which a Vec never has.
    report.to_string().unwrap_or_default()
}

/// The suite of one rule.
fn suite(input: &Input<'_>, id: &str, findings: &[&Finding]) -> TestSuite {
    let lang = input.lang;
    let first = findings[0];
    let title = first.title.get(lang);
    let mut suite = TestSuite::new(one_line(&format!("{id} {title}")));
    let r = input.report;
    suite.add_properties([
        Property::new("kensa.rule", id),
        Property::new("kensa.severity", first.severity.name()),
        Property::new("kensa.source", source(first)),
        Property::new("kensa.url", first.source.url.as_str()),
        Property::new("kensa.institution", r.institution.id.as_str()),
        Property::new("kensa.as_of", r.as_of.to_string()),
        Property::new("kensa.pattern", r.patterns.institution.code()),
        Property::new(
            "kensa.fail_on",
            input.fail_on.map_or("none", Severity::name),
        ),
    ]);
    if let Some(b) = &r.baseline {
        suite.add_property(Property::new("kensa.baseline", b.file.as_str()));
    }
    suite.add_test_cases(findings.iter().map(|f| case(input, f)));
    suite
}

/// The suite `kensa`: one test case in error per problem that keeps the check from being
/// complete (a rule id that names nothing, no rule applying), so a dashboard never shows
/// an incomplete check as green.
fn problems(input: &Input<'_>) -> TestSuite {
    let lang = input.lang;
    let mut suite = TestSuite::new(t(lang, "kensa 検査の完了", "kensa check completeness"));
    suite.add_test_cases(input.report.problems.iter().map(|p| {
        let message = one_line(p.message.get(lang));
        let mut text = message.clone();
        if let Some(l) = &p.location {
            text.push_str(&format!(
                "\n{}:{}:{}",
                input.repo_path(&l.file),
                l.line,
                l.column
            ));
        }
        text.push_str(&format!(
            "\n{}: {}",
            t(lang, "対処", "fix"),
            p.fix.get(lang)
        ));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_type(p.kind.name())
            .set_message(message)
            .set_description(text);
        let mut case = TestCase::new(p.kind.name(), status);
        case.set_classname("kensa");
        if let Some(l) = &p.location {
            case.extra
                .insert("file".into(), input.repo_path(&l.file).into());
            case.extra.insert("line".into(), l.line.to_string().into());
        }
        case
    }));
    suite
}

/// The test case of one finding.
fn case(input: &Input<'_>, f: &Finding) -> TestCase {
    let lang = input.lang;
    let mut status = match f.status {
        Status::Satisfied => TestCaseStatus::success(),
        Status::Violated => TestCaseStatus::non_success(NonSuccessKind::Failure),
        Status::CouldNotEvaluate => TestCaseStatus::non_success(NonSuccessKind::Error),
        Status::NotApplicable | Status::Delegated | Status::Waived | Status::Upcoming => {
            TestCaseStatus::skipped()
        }
    };
    if f.status != Status::Satisfied {
        let message = one_line(&message(f, lang));
        let ty = match f.status {
            Status::Violated => f.severity.name(),
            other => other.name(),
        };
        // GitLab shows the element's text, not its message: the text opens with it.
        let text = match f.status {
            Status::NotApplicable => message.clone(),
            _ => format!("{message}\n{}", details(input, f)),
        };
        status
            .set_type(ty)
            .set_message(message)
            .set_description(text);
    }
    let mut case = TestCase::new(f.entity.as_str(), status);
    case.set_classname(f.rule.as_str());
    if let Some(l) = &f.location {
        case.extra
            .insert("file".into(), input.repo_path(&l.file).into());
        case.extra.insert("line".into(), l.line.to_string().into());
    }
    case
}

/// The one-line message: `<title> — <detail>` for a violation, `<status label>: <why>`
/// for an error or a skip.
fn message(f: &Finding, lang: Lang) -> String {
    if f.status == Status::Violated {
        let title = f.title.get(lang);
        return match &f.detail {
            Some(d) => format!("{title} — {}", d.get(lang)),
            None => title.to_string(),
        };
    }
    let label = f.status.label();
    let label = label.get(lang);
    let why = match (&f.detail, f.status, f.days_left, f.deadline) {
        (Some(d), _, _, _) => d.get(lang).to_string(),
        (None, Status::Upcoming, Some(days), Some(deadline)) => match lang {
            Lang::Ja => format!("期限 {deadline} まであと {days} 日"),
            Lang::En => format!("{days} days left until the deadline {deadline}"),
        },
        (None, Status::Upcoming, Some(days), None) => match lang {
            Lang::Ja => format!("期限まであと {days} 日"),
            Lang::En => format!("{days} days left"),
        },
        (None, ..) => return label.to_string(),
    };
    format!("{label}: {why}")
}

/// What follows the message in the text of a failure, an error or a skip that asks
/// something of the reader: where, how severe, what to do, where the requirement comes
/// from.
fn details(input: &Input<'_>, f: &Finding) -> String {
    let lang = input.lang;
    let mut lines = Vec::new();
    if let Some(l) = &f.location {
        lines.push(format!(
            "{}:{}:{}",
            input.repo_path(&l.file),
            l.line,
            l.column
        ));
    }
    lines.push(match lang {
        Lang::Ja => format!(
            "{} · 重要度 {} ({}) · 参照パターン{}",
            f.entity,
            f.severity.label().ja,
            f.severity.name(),
            f.pattern.numeral()
        ),
        Lang::En => format!(
            "{} · {} severity · pattern {}",
            f.entity,
            f.severity.name(),
            f.pattern.code()
        ),
    });
    match f.baseline {
        Some(BaselineState::New) => lines.push(
            t(
                lang,
                "基準にはない新規の違反です",
                "new: not violated in the baseline",
            )
            .to_string(),
        ),
        Some(BaselineState::Unchanged) => lines.push(
            t(
                lang,
                "基準にもある既存の違反です。判定は不合格になりません",
                "unchanged: violated in the baseline too; it does not fail the check",
            )
            .to_string(),
        ),
        None => {}
    }
    if f.status == Status::Violated
        && f.baseline != Some(BaselineState::Unchanged)
        && input.fail_on.is_none_or(|t| f.severity > t)
    {
        let threshold = input.fail_on.map_or("none", Severity::name);
        lines.push(match lang {
            Lang::Ja => format!("この違反では判定は不合格になりません (--fail-on {threshold})"),
            Lang::En => format!("this violation does not fail the check (--fail-on {threshold})"),
        });
    }
    if let Some(fix) = &f.fix {
        lines.push(format!("{}: {}", t(lang, "対処", "fix"), fix.get(lang)));
    }
    lines.push(format!(
        "{}: {} · kensa explain {}",
        t(lang, "出典", "source"),
        source(f),
        f.rule
    ));
    if !f.source.url.is_empty() {
        lines.push(f.source.url.clone());
    }
    lines.join("\n")
}

/// The requirement as cited, with its reference.
fn source(f: &Finding) -> String {
    if f.source.reference.is_empty() {
        f.source.citation.clone()
    } else {
        format!("{} ({})", f.source.citation, f.source.reference)
    }
}

/// Line breaks in an attribute are read back as spaces; make them spaces up front so the
/// message reads the same everywhere.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn t(lang: Lang, ja: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}
