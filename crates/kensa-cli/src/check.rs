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
    if let Some(dir) = &args.portfolio {
        return crate::portfolio::run(args, dir, &catalogue, lang, out, err);
    }
    let Some(path) = &args.path else {
        writeln!(
            err,
            "error: {}",
            t(lang, "PATH がありません", "PATH is missing")
        )?;
        return Ok(Exit::Error);
    };
    let loaded = kensa_manifest::load(path, &Limits::default());
    let shown = path.to_string_lossy().replace('\\', "/");
    let manifest = match &loaded.manifest {
        Some(m) if loaded.problems.is_empty() => m,
        _ => {
            write_human(&loaded.problems, &loaded.sources, lang, err)?;
            if args.format == CheckFormat::Github {
                // In a pull request, the problems show on the manifest lines too.
                let problems: Vec<_> = loaded
                    .problems
                    .iter()
                    .map(|p| {
                        kensa_report::portfolio::LocatedMessage::of(
                            p,
                            repo_relative(&loaded.sources.get(p.at.file).path),
                        )
                    })
                    .collect();
                out.write_all(kensa_report::github::render_problems(&problems, lang).as_bytes())?;
            }
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
    let mut report = match kensa_engine::check(
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
    if let Some(file) = &args.baseline {
        let Some(baseline) = read_baseline(file, lang, err)? else {
            return Ok(Exit::Error);
        };
        kensa_engine::baseline::apply(
            &mut report,
            &baseline,
            &file.to_string_lossy().replace('\\', "/"),
        );
    }
    let fail_on = args.fail_on.threshold();
    let exit = verdict(&report, fail_on);
    let repo_paths = repo_paths(&report);
    let input = kensa_report::Input {
        report: &report,
        catalogue: &catalogue,
        lang,
        fail_on,
        repo_paths: &repo_paths,
    };
    let rendered = match args.format {
        CheckFormat::Human => {
            let mut buf = Vec::new();
            write_report(&report, &loaded.sources, lang, args.show, exit, &mut buf)?;
            Output::Bytes(buf)
        }
        CheckFormat::Json => Output::Text(pretty_json(&report)?),
        CheckFormat::Sarif => Output::Text(kensa_report::sarif::render(&input)),
        CheckFormat::Junit => Output::Text(kensa_report::junit::render(&input)),
        CheckFormat::Markdown => Output::Text(kensa_report::markdown::render(&input)),
        CheckFormat::Github => Output::Text(kensa_report::github::render(&input)),
        CheckFormat::Gitlab => Output::Text(kensa_report::gitlab::render(&input)),
    };
    emit(
        rendered.as_bytes(),
        args.output.as_deref(),
        exit,
        lang,
        out,
        err,
    )
}

/// Pretty JSON with a final newline.
pub fn pretty_json<T: serde::Serialize>(value: &T) -> std::io::Result<String> {
    let mut s = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    s.push('\n');
    Ok(s)
}

/// Rendered output: text, or bytes already written by a streaming renderer.
pub enum Output {
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

impl Output {
    /// The bytes to write.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Output::Text(s) => s.as_bytes(),
            Output::Bytes(b) => b,
        }
    }
}

/// Writes the output to `file` (`--output`) or to standard output, and returns `exit`; a
/// file that cannot be written is an error (exit 2) that names it.
pub fn emit(
    bytes: &[u8],
    file: Option<&std::path::Path>,
    exit: Exit,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    if let Some(path) = file {
        if let Err(e) = std::fs::write(path, bytes) {
            writeln!(
                err,
                "✗ {}: {} ({e})",
                path.display(),
                t(lang, "書き込めません", "cannot be written")
            )?;
            return Ok(Exit::Error);
        }
        return Ok(exit);
    }
    match out.write_all(bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit),
        Err(e) => Err(e),
        Ok(()) => Ok(exit),
    }
}

/// Reads `--baseline FILE`, or says why it cannot (with the place in the file).
fn read_baseline(
    file: &std::path::Path,
    lang: Lang,
    err: &mut impl Write,
) -> std::io::Result<Option<kensa_engine::baseline::Baseline>> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            writeln!(
                err,
                "✗ {}: {} ({e})",
                file.display(),
                t(lang, "基準ファイルを読めません", "cannot read the baseline")
            )?;
            return Ok(None);
        }
    };
    match kensa_engine::baseline::Baseline::from_json(&text) {
        Ok(b) => Ok(Some(b)),
        Err(e) => {
            let at = e.at.map_or_else(String::new, |(l, c)| format!(":{l}:{c}"));
            writeln!(err, "✗ {}{at}: {}", file.display(), e.message.get(lang))?;
            Ok(None)
        }
    }
}

/// The repository-relative path of each manifest file named in the report, for formats
/// that code hosts match against the repository (SARIF, annotations, Code Quality).
pub fn repo_paths(report: &Report) -> BTreeMap<String, String> {
    let mut files: Vec<&str> = report
        .findings
        .iter()
        .filter_map(|f| f.location.as_ref())
        .chain(
            report
                .unused_exceptions
                .iter()
                .filter_map(|e| e.location.as_ref()),
        )
        .chain(report.problems.iter().filter_map(|p| p.location.as_ref()))
        .map(|l| &*l.file)
        .collect();
    files.push(&report.manifest);
    files.sort_unstable();
    files.dedup();
    files
        .into_iter()
        .map(|f| (f.to_string(), repo_relative(f)))
        .collect()
}

/// `file` relative to the root of the git repository it is in (found by walking up to a
/// `.git`), with `/`; outside a repository, as given (relative to where kensa runs).
fn repo_relative(file: &str) -> String {
    let given = std::path::Path::new(file);
    let absolute = if given.is_absolute() {
        given.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(given),
            Err(_) => return slashes(given),
        }
    };
    let absolute = absolute.canonicalize().unwrap_or(absolute);
    for dir in absolute.ancestors().skip(1) {
        if dir.join(".git").exists()
            && let Ok(rel) = absolute.strip_prefix(dir)
        {
            return slashes(rel);
        }
    }
    slashes(given)
}

fn slashes(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./")
        .map_or_else(|| s.clone(), str::to_string)
}

/// 2 when anything could not be evaluated (never a pass), 1 when a violation at or
/// above the threshold remains (with a baseline: a new one), else 0.
fn verdict(report: &Report, threshold: Option<Severity>) -> Exit {
    if !report.complete() {
        return Exit::Error;
    }
    if kensa_report::portfolio::report_fails(report, threshold) {
        Exit::Findings
    } else {
        Exit::Success
    }
}

pub fn t(lang: Lang, ja: &str, en: &str) -> String {
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
    if !report.problems.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            t(
                lang,
                "■ 検査を完了できない問題",
                "■ Problems that keep the check from being complete"
            )
        )?;
        for p in &report.problems {
            writeln!(out, "? {}", p.message.get(lang))?;
            if let Some(loc) = &p.location {
                writeln!(out, "    {}:{}:{}", loc.file, loc.line, loc.column)?;
            }
            writeln!(out, "    {}: {}", t(lang, "対処", "fix"), p.fix.get(lang))?;
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
        Exit::Error if !report.problems.is_empty() => t(
            lang,
            "✗ 判定: 検査を完了できませんでした (合格とは扱いません)",
            "✗ verdict: the check is not complete (not counted as a pass)",
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
