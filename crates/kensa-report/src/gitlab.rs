//! GitLab Code Quality report: a JSON array of issues that GitLab shows in the merge
//! request widget and on the diff, comparing the branch with its target by fingerprint.
//!
//! Fingerprints are the finding's identity (rule + entity), so moving an entry in the
//! manifest does not make GitLab report it as fixed and new. Severity: critical →
//! `blocker`, high → `critical`, medium → `major`, low → `minor`, upcoming → `info`, could
//! not evaluate and a problem that keeps the check from being complete → `blocker`.

use kensa_engine::{Severity, Status};
use serde::Serialize;

use crate::{Input, fingerprint};

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: String,
    categories: [&'static str; 1],
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// Renders the report as a Code Quality JSON array.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let lang = input.lang;
    let mut issues: Vec<Issue<'_>> = input
        .report
        .findings
        .iter()
        .filter_map(|f| {
            let severity = match f.status {
                Status::CouldNotEvaluate => "blocker",
                Status::Upcoming => "info",
                Status::Violated => match f.severity {
                    Severity::Critical => "blocker",
                    Severity::High => "critical",
                    Severity::Medium => "major",
                    Severity::Low => "minor",
                },
                _ => return None,
            };
            let (path, line) = f.location.as_ref().map_or_else(
                || (input.repo_path(&input.report.manifest).to_string(), 1),
                |l| (input.repo_path(&l.file).to_string(), l.line),
            );
            let mut description = format!(
                "{} [{}] {}: {}",
                f.rule,
                f.status.label().get(lang),
                f.entity,
                f.title.get(lang)
            );
            if let Some(d) = &f.detail {
                description.push_str(" — ");
                description.push_str(d.get(lang));
            }
            Some(Issue {
                kind: "issue",
                check_name: &f.rule,
                description,
                categories: ["Security"],
                fingerprint: fingerprint(&f.rule, &f.entity),
                severity,
                location: IssueLocation {
                    path,
                    lines: Lines { begin: line },
                },
            })
        })
        .collect();
    for p in &input.report.problems {
        let (path, line) = p.location.as_ref().map_or_else(
            || (input.repo_path(&input.report.manifest).to_string(), 1),
            |l| (input.repo_path(&l.file).to_string(), l.line),
        );
        issues.push(Issue {
            kind: "issue",
            check_name: p.kind.name(),
            description: crate::problem_text(p, lang).replace('\n', " — "),
            categories: ["Security"],
            fingerprint: fingerprint(p.kind.name(), &p.message.en),
            severity: "blocker",
            location: IssueLocation {
                path,
                lines: Lines { begin: line },
            },
        });
    }
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}
