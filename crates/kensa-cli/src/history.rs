//! `kensa diff` and `kensa history`: what a change does to compliance, and when each gap
//! began.

use std::io::{IsTerminal, Write};

use kensa_engine::diff::{Side, diff};
use kensa_engine::split::{Split, split};
use kensa_engine::{Catalogue, Options, Report};
use kensa_history::git::{GitError, Repo};
use kensa_history::history::{AsOf, history};
use kensa_manifest::{Lang, Limits, Loaded};

use crate::Exit;
use crate::args::{DiffArgs, DiffFormat, HistoryArgs, HistoryFormat};
use crate::check::{catalogue, emit, pretty_json, t};
use crate::diagnostics::write_human;

/// One side of a diff: the manifest as read, and what checking and splitting it gave.
struct Evaluated {
    label: String,
    loaded: Loaded,
    report: Report,
    split: Split,
}

/// Checks and splits a loaded manifest, or reports why it cannot.
fn evaluate(
    label: String,
    loaded: Loaded,
    catalogue: &Catalogue,
    as_of: chrono::NaiveDate,
    lang: Lang,
    err: &mut impl Write,
) -> std::io::Result<Option<Evaluated>> {
    let Some(manifest) = loaded
        .manifest
        .as_ref()
        .filter(|_| loaded.problems.is_empty())
    else {
        write_human(&loaded.problems, &loaded.sources, lang, err)?;
        writeln!(
            err,
            "✗ {label}: {}",
            t(
                lang,
                "マニフェストに問題があるため比較できません",
                "the manifest has problems, so there is nothing to compare"
            )
        )?;
        return Ok(None);
    };
    let options = Options {
        as_of,
        manifest_label: label.clone(),
        threads: 0,
    };
    let result =
        kensa_engine::check(manifest, &loaded.sources, catalogue, &options).and_then(|report| {
            split(manifest, &loaded.sources, catalogue, &report).map(|s| (report, s))
        });
    match result {
        Ok((report, split)) => Ok(Some(Evaluated {
            label,
            loaded,
            report,
            split,
        })),
        Err(e) => {
            writeln!(err, "error: {label}: {e}")?;
            Ok(None)
        }
    }
}

fn git_error(e: &GitError, lang: Lang, err: &mut impl Write) -> std::io::Result<Exit> {
    writeln!(err, "✗ {}", e.message.get(lang))?;
    Ok(Exit::Error)
}

fn side(e: &Evaluated) -> Option<Side<'_>> {
    Some(Side {
        label: e.label.clone(),
        manifest: e.loaded.manifest.as_ref()?,
        sources: &e.loaded.sources,
        report: &e.report,
        split: &e.split,
    })
}

pub fn run_diff(
    args: &DiffArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let Some(catalogue) = catalogue(&args.policies, lang, err)? else {
        return Ok(Exit::Error);
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let (old, new) = if let Some(range) = &args.rev {
        let [path] = args.paths.as_slice() else {
            writeln!(
                err,
                "✗ {}",
                t(
                    lang,
                    "--rev では、リポジトリ内のマニフェストのパスを1つだけ指定してください (例: kensa diff --rev main..HEAD manifests/clinic.yaml)",
                    "with --rev, give exactly one path: the manifest in the repository (e.g. kensa diff --rev main..HEAD manifests/clinic.yaml)"
                )
            )?;
            return Ok(Exit::Error);
        };
        let (repo, rel) = match Repo::discover(path) {
            Ok(r) => r,
            Err(e) => return git_error(&e, lang, err),
        };
        let (base, head) = match repo.resolve_range(range) {
            Ok(r) => r,
            Err(e) => return git_error(&e, lang, err),
        };
        let mut sides = Vec::new();
        for commit in [base, head] {
            let snapshot = match repo.snapshot(commit, &rel) {
                Ok(Some(s)) => s,
                Ok(None) => {
                    writeln!(
                        err,
                        "✗ {rel}: {} {}",
                        t(lang, "このパスはコミットにありません:", "is not in commit"),
                        commit
                    )?;
                    return Ok(Exit::Error);
                }
                Err(e) => return git_error(&e, lang, err),
            };
            let short = commit.to_string().chars().take(8).collect::<String>();
            let label = format!("{short}:{rel}");
            let loaded = kensa_manifest::load_bytes(&rel, snapshot.files, &Limits::default());
            let Some(side) = evaluate(label, loaded, &catalogue, as_of, lang, err)? else {
                return Ok(Exit::Error);
            };
            sides.push(side);
        }
        let new = sides.pop();
        let old = sides.pop();
        match (old, new) {
            (Some(o), Some(n)) => (o, n),
            _ => return Ok(Exit::Error),
        }
    } else {
        let [old_path, new_path] = args.paths.as_slice() else {
            writeln!(
                err,
                "✗ {}",
                t(
                    lang,
                    "比較する2つのマニフェスト (OLD NEW) か、--rev BASE..HEAD PATH を指定してください",
                    "give two manifests (OLD NEW), or --rev BASE..HEAD PATH"
                )
            )?;
            return Ok(Exit::Error);
        };
        let mut sides = Vec::new();
        for path in [old_path, new_path] {
            let label = path.to_string_lossy().replace('\\', "/");
            let loaded = kensa_manifest::load(path, &Limits::default());
            let Some(side) = evaluate(label, loaded, &catalogue, as_of, lang, err)? else {
                return Ok(Exit::Error);
            };
            sides.push(side);
        }
        let new = sides.pop();
        let old = sides.pop();
        match (old, new) {
            (Some(o), Some(n)) => (o, n),
            _ => return Ok(Exit::Error),
        }
    };
    let (Some(o), Some(n)) = (side(&old), side(&new)) else {
        return Ok(Exit::Error);
    };
    let d = diff(&o, &n);
    let fail_on = args.fail_on.threshold();
    let exit = if new.report.summary.could_not_evaluate > 0 {
        Exit::Error
    } else if d.introduces(fail_on) {
        Exit::Findings
    } else {
        Exit::Success
    };
    let text = match args.format {
        DiffFormat::Text => kensa_report::diff::text(&d, lang),
        DiffFormat::Markdown => kensa_report::diff::markdown(&d, lang, fail_on),
        DiffFormat::Json => pretty_json(&d)?,
    };
    emit(
        text.as_bytes(),
        args.output.as_deref(),
        exit,
        lang,
        out,
        err,
    )
}

pub fn run_history(
    args: &HistoryArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let as_of = match args.as_of.as_deref() {
        None => AsOf::Date(chrono::Local::now().date_naive()),
        Some("commit") => AsOf::Commit,
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => AsOf::Date(d),
            Err(_) => {
                writeln!(
                    err,
                    "✗ --as-of {d}: {}",
                    t(
                        lang,
                        "YYYY-MM-DD の日付か commit を指定してください",
                        "give a date as YYYY-MM-DD, or `commit`"
                    )
                )?;
                return Ok(Exit::Error);
            }
        },
    };
    let Some(catalogue) = catalogue(&args.policies, lang, err)? else {
        return Ok(Exit::Error);
    };
    let (repo, rel) = match Repo::discover(&args.path) {
        Ok(r) => r,
        Err(e) => return git_error(&e, lang, err),
    };
    let from = match repo.resolve(&args.rev) {
        Ok(r) => r,
        Err(e) => return git_error(&e, lang, err),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(t(lang, "コミットを評価しています", "evaluating commits"));
        bar
    });
    let mut progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let timeline = match history(&repo, from, &rel, &catalogue, as_of, &mut progress) {
        Ok(t) => t,
        Err(e) => {
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            return git_error(&e, lang, err);
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if timeline.entries.is_empty() {
        writeln!(
            err,
            "! {rel}: {}",
            t(
                lang,
                "このマニフェストを変更したコミットがありません",
                "no commit has changed this manifest"
            )
        )?;
    }
    let text = match args.format {
        HistoryFormat::Text => kensa_history::render::text(&timeline, lang),
        HistoryFormat::Json => pretty_json(&timeline)?,
        HistoryFormat::Csv => kensa_history::render::csv(&timeline, lang),
        HistoryFormat::Html => kensa_history::render::html(&timeline, lang),
    };
    emit(
        text.as_bytes(),
        args.output.as_deref(),
        Exit::Success,
        lang,
        out,
        err,
    )
}
