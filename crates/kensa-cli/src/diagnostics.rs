//! Rendering manifest problems as miette diagnostics (human) or JSON (machines).

use std::fmt;
use std::io::IsTerminal;
use std::sync::Arc;

use kensa_manifest::{Lang, Origin, Problem, SourceSet};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use serde::Serialize;

/// A problem ready for miette, in one language.
struct Report {
    code: String,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    label: Option<LabeledSpan>,
    secondary: Vec<LabeledSpan>,
    related: Vec<Report>,
    severity: miette::Severity,
}

impl Report {
    fn new(problem: &Problem, sources: &SourceSet, lang: Lang) -> Report {
        let mut report = Report::at(
            problem.at,
            problem.message.get(lang),
            problem.label.as_ref().map(|l| l.get(lang).to_owned()),
            sources,
        );
        report.code = format!("kensa::{}", problem.code.as_str());
        report.help = problem.help.as_ref().map(|h| h.get(lang).to_owned());
        for related in &problem.related {
            let label = related.label.get(lang).to_owned();
            // A second place in the same file is a second label on the same snippet;
            // one in another file is a related diagnostic with its own snippet.
            if related.at.file == problem.at.file
                && report.source.is_some()
                && let Some(span) = related.at.span
            {
                report.secondary.push(LabeledSpan::new_with_span(
                    Some(label),
                    (span.offset, span.len),
                ));
            } else {
                let mut r = Report::at(related.at, &label, Some(label.clone()), sources);
                r.severity = miette::Severity::Advice;
                report.related.push(r);
            }
        }
        report
    }

    fn at(at: Origin, message: &str, label: Option<String>, sources: &SourceSet) -> Report {
        let file = sources.get(at.file);
        match at.span {
            // A snippet of a very long line (minified or hostile input) would flood the
            // terminal, and one with a control or bidirectional formatting character would
            // be shown other than it is: name the position instead.
            Some(span) if !snippet_safe(&file.text, span.offset) => Report {
                code: String::new(),
                message: format!("{}:{}:{}: {message}", file.path, span.line, span.column),
                help: None,
                source: None,
                label: None,
                secondary: Vec::new(),
                related: Vec::new(),
                severity: miette::Severity::Error,
            },
            Some(span) => Report {
                code: String::new(),
                message: message.to_owned(),
                help: None,
                source: Some(
                    NamedSource::new(&file.path, Arc::clone(&file.text)).with_language("yaml"),
                ),
                label: Some(LabeledSpan::new_primary_with_span(
                    label,
                    (span.offset, span.len),
                )),
                secondary: Vec::new(),
                related: Vec::new(),
                severity: miette::Severity::Error,
            },
            // Without a position the path leads the message, so the file is still named.
            None => Report {
                code: String::new(),
                message: format!("{}: {message}", file.path),
                help: None,
                source: None,
                label: None,
                secondary: Vec::new(),
                related: Vec::new(),
                severity: miette::Severity::Error,
            },
        }
    }
}

const MAX_SNIPPET_LINE: usize = 400;

/// Whether the lines a snippet at `offset` shows (its line and the one on each side) can
/// be printed as they are: none longer than [`MAX_SNIPPET_LINE`] bytes, and none with a
/// character that changes how the text around it is shown.
fn snippet_safe(text: &str, offset: usize) -> bool {
    let bytes = text.as_bytes();
    let offset = offset.min(text.len());
    let line_start = |at: usize| {
        bytes[..at]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
    };
    let line_end = |at: usize| {
        bytes[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(text.len(), |i| at + i)
    };
    let (start, end) = (line_start(offset), line_end(offset));
    if end - start > MAX_SNIPPET_LINE {
        return false;
    }
    let first = line_start(start.saturating_sub(1));
    let last = line_end((end + 1).min(text.len()));
    text.get(first..last)
        .is_some_and(|window| !window.chars().any(kensa_manifest::problem::is_unsafe_char))
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels: Vec<LabeledSpan> = self.label.iter().chain(&self.secondary).cloned().collect();
        (!labels.is_empty()).then(|| Box::new(labels.into_iter()) as Box<dyn Iterator<Item = _>>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
        }
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
}

/// The miette handler: colour only on a terminal without `NO_COLOR`, 100 columns.
fn handler() -> GraphicalReportHandler {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
}

/// Writes every problem as a miette diagnostic.
pub fn write_human(
    problems: &[Problem],
    sources: &SourceSet,
    lang: Lang,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let handler = handler();
    for problem in problems {
        let report = Report::new(problem, sources, lang);
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_err() {
            text = report.message.clone();
        }
        writeln!(out, "{text}")?;
    }
    Ok(())
}

/// One problem in JSON output.
#[derive(Serialize)]
pub struct JsonProblem<'a> {
    code: &'static str,
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
    help: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
}

/// A related place in JSON output.
#[derive(Serialize)]
pub struct JsonRelated<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

/// The JSON form of a problem.
pub fn json_problem<'a>(
    problem: &'a Problem,
    sources: &'a SourceSet,
    lang: Lang,
) -> JsonProblem<'a> {
    JsonProblem {
        code: problem.code.as_str(),
        file: &sources.get(problem.at.file).path,
        line: problem.at.span.map(|s| s.line),
        column: problem.at.span.map(|s| s.column),
        message: problem.message.get(lang),
        help: problem.help.as_ref().map(|h| h.get(lang)),
        related: problem
            .related
            .iter()
            .map(|r| JsonRelated {
                file: &sources.get(r.at.file).path,
                line: r.at.span.map(|s| s.line),
                column: r.at.span.map(|s| s.column),
                message: r.label.get(lang),
            })
            .collect(),
    }
}

/// Writes problems in policy files (`--policies`, or a defect in the built-in catalogue)
/// as miette diagnostics pointing into the Cedar text.
pub fn write_policy_errors(
    errors: &[kensa_engine::PolicyError],
    lang: Lang,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let handler = handler();
    for e in errors {
        let mut labels = e.labels.iter().filter(|(o, l)| o + l <= e.text.len());
        let first = labels.next();
        let report = Report {
            code: "kensa::policy".to_owned(),
            message: if first.is_some() {
                e.message.get(lang).to_owned()
            } else {
                format!("{}: {}", e.file, e.message.get(lang))
            },
            help: e.help.clone(),
            source: first.map(|_| NamedSource::new(&e.file, Arc::clone(&e.text))),
            label: first.map(|(o, l)| LabeledSpan::new_primary_with_span(None, (*o, *l))),
            secondary: labels
                .map(|(o, l)| LabeledSpan::new_with_span(None, (*o, *l)))
                .collect(),
            related: Vec::new(),
            severity: miette::Severity::Error,
        };
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_err() {
            text = report.message.clone();
        }
        writeln!(out, "{text}")?;
    }
    Ok(())
}
