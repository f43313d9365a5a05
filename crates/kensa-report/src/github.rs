//! GitHub Actions workflow commands: one annotation per finding to act on, shown on the
//! manifest line in the pull request's diff and in the run summary.
//!
//! Levels: critical and high violations, rules that could not be evaluated and problems
//! that keep the check from being complete are `error`, medium `warning`, low and upcoming deadlines `notice`. With a baseline, only
//! new violations are annotated (the ones already there are not the change's doing).
//! GitHub shows a limited number of annotations per step, so the most severe come first.

use std::fmt::Write as _;

use kensa_engine::{BaselineState, Severity, Status};

use kensa_manifest::Lang;

use crate::Input;
use crate::portfolio::LocatedMessage;

/// Renders the annotations, then a one-line summary.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let r = input.report;
    let lang = input.lang;
    let mut out = String::new();
    // First: GitHub shows a limited number of annotations.
    for p in &r.problems {
        let mut props = Vec::new();
        if let Some(l) = &p.location {
            props.push(format!("file={}", property(input.repo_path(&l.file))));
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.column));
        }
        props.push(format!(
            "title={}",
            property(crate::t(
                lang,
                "kensa: 検査を完了できません",
                "kensa: the check is not complete"
            ))
        ));
        let _ = writeln!(
            out,
            "::error {}::{}",
            props.join(","),
            data(&crate::problem_text(p, lang))
        );
    }
    for f in &r.findings {
        let level = match f.status {
            Status::CouldNotEvaluate => "error",
            Status::Violated if f.baseline == Some(BaselineState::Unchanged) => continue,
            Status::Violated => match f.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                Severity::Low => "notice",
            },
            Status::Upcoming => "notice",
            _ => continue,
        };
        let mut props = Vec::new();
        if let Some(l) = &f.location {
            props.push(format!("file={}", property(input.repo_path(&l.file))));
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.column));
        }
        props.push(format!(
            "title={}",
            property(&format!(
                "{} [{}] {}",
                f.rule,
                f.status.label().get(lang),
                f.title.get(lang)
            ))
        ));
        let mut message = format!("{}: {}", f.entity, f.title.get(lang));
        if let Some(d) = &f.detail {
            let _ = write!(message, "\n{}", d.get(lang));
        }
        if let Some(fix) = &f.fix {
            let label = match lang {
                kensa_manifest::Lang::Ja => "対処",
                kensa_manifest::Lang::En => "fix",
            };
            let _ = write!(message, "\n{label}: {}", fix.get(lang));
        }
        let _ = write!(
            message,
            "\n{} ({}) · kensa explain {}",
            f.source.citation, f.source.reference, f.rule
        );
        let _ = writeln!(out, "::{level} {}::{}", props.join(","), data(&message));
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "{}",
        match lang {
            kensa_manifest::Lang::Ja => format!(
                "kensa: {} — 違反 {} · 期限前 {} · 評価不能 {} · 例外承認 {} · 委託 {} · 適合 {} · 対象外 {}",
                r.manifest,
                s.violated,
                s.upcoming,
                s.could_not_evaluate,
                s.waived,
                s.delegated,
                s.satisfied,
                s.not_applicable
            ),
            kensa_manifest::Lang::En => format!(
                "kensa: {} — violated {} · upcoming {} · could not evaluate {} · waived {} · delegated {} · satisfied {} · not applicable {}",
                r.manifest,
                s.violated,
                s.upcoming,
                s.could_not_evaluate,
                s.waived,
                s.delegated,
                s.satisfied,
                s.not_applicable
            ),
        }
    );
    out
}

/// A manifest that could not be read, as error annotations on the lines of its problems
/// (`file` relative to the repository root; line 0 when unknown).
#[must_use]
pub fn render_problems(problems: &[LocatedMessage], lang: Lang) -> String {
    let mut out = String::new();
    for p in problems {
        let mut props = vec![format!("file={}", property(&p.file))];
        if p.line > 0 {
            props.push(format!("line={}", p.line));
            props.push(format!("col={}", p.column));
        }
        props.push(format!("title={}", property("kensa")));
        let _ = writeln!(
            out,
            "::error {}::{}",
            props.join(","),
            data(p.message.get(lang))
        );
    }
    out
}

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::{data, property};

    #[test]
    fn escapes_what_github_reads_as_syntax() {
        assert_eq!(data("50%\nnext\r"), "50%25%0Anext%0D");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
