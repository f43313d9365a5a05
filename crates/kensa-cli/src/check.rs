//! `kensa check PATH`: evaluate a manifest against the catalogue.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use kensa_engine::report::{Finding, Report, Status};
use kensa_engine::{Catalogue, Options, Severity};
use kensa_manifest::{Lang, Limits, SourceSet};

use crate::Exit;
use crate::args::{CheckArgs, CheckFormat, Show};
use crate::diagnostics::{write_human, write_policy_errors};

/// Loads the catalogue with the extra policy folders, or reports why it cannot.
pub fn catalogue(
    dirs: &[std::path::PathBuf],
    lang: Lang,
    err: &mut impl Write,
) -> std::io::Result<Option<Catalogue>> {
    match Catalogue::load(dirs) {
        Ok(c) => Ok(Some(c)),
        Err(errors) => {
            write_policy_errors(&errors, lang, err)?;
            let n = errors.len();
            match lang {
                Lang::Ja => writeln!(err, "✗ ポリシーに {n} 件の問題があります")?,
                Lang::En => writeln!(
                    err,
                    "✗ {n} problem{} in the policies",
                    if n == 1 { "" } else { "s" }
                )?,
            }
            Ok(None)
        }
    }
}

pub fn run(
    args: &CheckArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let Some(catalogue) = catalogue(&args.policies, lang, err)? else {
        return Ok(Exit::Error);
    };
    let loaded = kensa_manifest::load(&args.path, &Limits::default());
    let shown = args.path.to_string_lossy().replace('\\', "/");
    let manifest = match &loaded.manifest {
        Some(m) if loaded.problems.is_empty() => m,
        _ => {
            write_human(&loaded.problems, &loaded.sources, lang, err)?;
            let n = loaded.problems.len();
            match lang {
                Lang::Ja => writeln!(
                    err,
                    "✗ {shown}: {n} 件の問題があるため検査できません (kensa validate で確認できます)"
                )?,
                Lang::En => writeln!(
                    err,
                    "✗ {shown}: {n} problem{} — cannot check (see `kensa validate`)",
                    if n == 1 { "" } else { "s" }
                )?,
            }
            return Ok(Exit::Error);
        }
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let report = match kensa_engine::check(
        manifest,
        &loaded.sources,
        &catalogue,
        &Options {
            as_of,
            manifest_label: shown,
            threads: 0,
        },
    ) {
        Ok(r) => r,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(Exit::Error);
        }
    };
    let exit = verdict(&report, args.fail_on.threshold());
    let written = match args.format {
        CheckFormat::Json => serde_json::to_writer_pretty(&mut *out, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        CheckFormat::Human => write_report(&report, &loaded.sources, lang, args.show, exit, out),
    };
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit),
        Err(e) => Err(e),
        Ok(()) => Ok(exit),
    }
}

/// 2 when anything could not be evaluated (never a pass), 1 when a violation at or
/// above the threshold remains, else 0.
fn verdict(report: &Report, threshold: Option<Severity>) -> Exit {
    if report.summary.could_not_evaluate > 0 {
        return Exit::Error;
    }
    let failing = threshold.is_some_and(|t| {
        report
            .findings
            .iter()
            .any(|f| f.status == Status::Violated && f.severity <= t)
    });
    if failing {
        Exit::Findings
    } else {
        Exit::Success
    }
}

fn t(lang: Lang, ja: &str, en: &str) -> String {
    match lang {
        Lang::Ja => ja.to_string(),
        Lang::En => en.to_string(),
    }
}

#[allow(clippy::too_many_lines)]
fn write_report(
    report: &Report,
    sources: &SourceSet,
    lang: Lang,
    show: Show,
    exit: Exit,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let p = &report.patterns;
    writeln!(
        out,
        "{} — {} ({})",
        report.institution.name,
        match lang {
            Lang::Ja => format!("参照パターン{}", numeral(p.institution)),
            Lang::En => format!("reference pattern {}", p.institution.code()),
        },
        p.institution.describe().get(lang)
    )?;
    writeln!(out, "  {}", p.explanation.get(lang))?;
    for s in &p.systems {
        writeln!(
            out,
            "  system/{:<24} {:<4} {}",
            s.system,
            numeral(s.pattern),
            s.hosting
        )?;
    }
    let s = &report.summary;
    writeln!(
        out,
        "{}",
        match lang {
            Lang::Ja => format!(
                "{} 時点 · チェックリスト {} 版 · 規則 {} 件 · 判定 {} 件",
                report.as_of,
                report.institution.edition,
                report.catalogue.rules,
                s.total()
            ),
            Lang::En => format!(
                "as of {} · checklist edition {} · {} rules · {} results",
                report.as_of,
                report.institution.edition,
                report.catalogue.rules,
                s.total()
            ),
        }
    )?;
    let counts: Vec<String> = Status::ALL
        .into_iter()
        .map(|st| {
            let n = match st {
                Status::CouldNotEvaluate => s.could_not_evaluate,
                Status::Violated => s.violated,
                Status::Upcoming => s.upcoming,
                Status::Waived => s.waived,
                Status::Delegated => s.delegated,
                Status::Satisfied => s.satisfied,
                Status::NotApplicable => s.not_applicable,
            };
            format!("{} {n}", st.label().get(lang))
        })
        .collect();
    writeln!(out, "  {}", counts.join(" · "))?;

    let shown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| {
            show == Show::All || !matches!(f.status, Status::Satisfied | Status::NotApplicable)
        })
        .collect();
    let mut snippets = Snippets::new(sources);
    let mut by_severity: BTreeMap<Severity, Vec<&Finding>> = BTreeMap::new();
    for f in shown {
        by_severity.entry(f.severity).or_default().push(f);
    }
    for (severity, mut findings) in by_severity {
        findings
            .sort_by(|a, b| (a.status, &a.rule, &a.entity).cmp(&(b.status, &b.rule, &b.entity)));
        writeln!(out)?;
        match lang {
            Lang::Ja => writeln!(
                out,
                "■ 重要度 {} ({}) {} 件",
                severity.label().ja,
                severity.name(),
                findings.len()
            )?,
            Lang::En => writeln!(out, "■ {} severity: {}", severity.name(), findings.len())?,
        }
        for f in findings {
            writeln!(
                out,
                "{} {} [{}] {} — {}",
                mark(f.status),
                f.rule,
                f.status.label().get(lang),
                f.entity,
                f.title.get(lang)
            )?;
            if let Some(loc) = &f.location {
                writeln!(out, "    {}:{}:{}", loc.file, loc.line, loc.column)?;
                if let Some(line) = snippets.line(&loc.file, loc.line) {
                    writeln!(out, "    {:>5} │ {line}", loc.line)?;
                }
            }
            if let Some(d) = &f.detail {
                writeln!(out, "    {}", d.get(lang))?;
            }
            if let Some(fix) = &f.fix {
                writeln!(out, "    {}: {}", t(lang, "対処", "fix"), fix.get(lang))?;
            }
            writeln!(
                out,
                "    {}: {} ({}) · kensa explain {}",
                t(lang, "出典", "source"),
                f.source.citation,
                f.source.reference,
                f.rule
            )?;
        }
    }
    if !report.unused_exceptions.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            t(
                lang,
                "■ 何も免除していない例外",
                "■ Exceptions that waive nothing"
            )
        )?;
        for e in &report.unused_exceptions {
            writeln!(
                out,
                "! {} ({} → {}): {}",
                e.id,
                e.rule,
                e.target,
                e.reason.get(lang)
            )?;
            if let Some(loc) = &e.location {
                writeln!(out, "    {}:{}:{}", loc.file, loc.line, loc.column)?;
            }
        }
    }
    writeln!(out)?;
    let verdict = match exit {
        Exit::Success => t(lang, "✓ 判定: 合格", "✓ verdict: pass"),
        Exit::Findings => t(
            lang,
            "✗ 判定: 是正が必要な違反があります",
            "✗ verdict: violations need remediation",
        ),
        Exit::Error => t(
            lang,
            "✗ 判定: 評価できなかった規則があります (適合とは扱いません)",
            "✗ verdict: some rules could not be evaluated (not counted as compliant)",
        ),
    };
    writeln!(out, "{verdict}")?;
    Ok(())
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::CouldNotEvaluate => "?",
        Status::Violated => "✗",
        Status::Upcoming => "◷",
        Status::Waived => "~",
        Status::Delegated => "→",
        Status::Satisfied => "✓",
        Status::NotApplicable => "-",
    }
}

fn numeral(p: kensa_engine::Pattern) -> &'static str {
    p.numeral()
}

/// Lines of the manifest files, indexed on first use (a report can quote thousands).
struct Snippets<'a> {
    sources: &'a SourceSet,
    lines: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Snippets<'a> {
    fn new(sources: &'a SourceSet) -> Self {
        Self {
            sources,
            lines: HashMap::new(),
        }
    }

    /// Line `line` (1-based) of `file`, cut to 160 characters: a hostile or minified line
    /// would flood the terminal.
    fn line(&mut self, file: &str, line: u32) -> Option<String> {
        if !self.lines.contains_key(file) {
            let (_, f) = self.sources.iter().find(|(_, f)| f.path == file)?;
            self.lines.insert(f.path.as_str(), f.text.lines().collect());
        }
        let text = self.lines.get(file)?.get(line.checked_sub(1)? as usize)?;
        Some(text.chars().take(160).collect())
    }
}
