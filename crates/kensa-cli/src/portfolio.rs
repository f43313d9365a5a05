//! `kensa check --portfolio DIR [--shard K/N]` and `kensa merge`: many institutions at once.

use std::io::Write;
use std::path::{Path, PathBuf};

use kensa_engine::{Catalogue, Options};
use kensa_manifest::{Lang, Limits};
use kensa_report::portfolio::{
    Institution, LocatedMessage, Outcome, PORTFOLIO_VERSION, Portfolio, ShardRef, Verdict, merge,
    shard_of,
};

use crate::Exit;
use crate::args::{CheckArgs, CheckFormat, MergeArgs, MergeFormat};
use crate::check::{emit, pretty_json, t};

/// The institutions of a portfolio folder: each YAML file and each sub-folder (hidden
/// entries skipped), by path.
fn institutions(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        if path.is_dir() || is_yaml {
            found.push((name, path));
        }
    }
    found.sort();
    Ok(found)
}

/// The institutions of a portfolio folder, or a message on `err` saying why there are
/// none (the folder does not read, or holds no manifest).
pub fn institutions_or_say_why(
    dir: &Path,
    lang: Lang,
    err: &mut impl Write,
) -> std::io::Result<Option<Vec<(String, PathBuf)>>> {
    match institutions(dir) {
        Ok(all) if !all.is_empty() => Ok(Some(all)),
        Ok(_) => {
            writeln!(
                err,
                "✗ {}: {}",
                dir.display(),
                t(
                    lang,
                    "機関のマニフェスト (YAML ファイルかフォルダ) がありません",
                    "no institution manifests (YAML files or folders) in it"
                )
            )?;
            Ok(None)
        }
        Err(e) => {
            writeln!(
                err,
                "✗ {}: {} ({e})",
                dir.display(),
                t(
                    lang,
                    "ポートフォリオのフォルダを読めません",
                    "cannot read the portfolio folder"
                )
            )?;
            Ok(None)
        }
    }
}

pub fn run(
    args: &CheckArgs,
    dir: &Path,
    catalogue: &Catalogue,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    if !matches!(
        args.format,
        CheckFormat::Human | CheckFormat::Json | CheckFormat::Markdown
    ) {
        writeln!(
            err,
            "✗ {}",
            t(
                lang,
                "--portfolio の出力形式は human、json、markdown のいずれかです (機関ごとの SARIF などは各マニフェストに kensa check を実行してください)",
                "--portfolio writes human, json or markdown (for SARIF and the other formats, run kensa check on each manifest)"
            )
        )?;
        return Ok(Exit::Error);
    }
    let Some(all) = institutions_or_say_why(dir, lang, err)? else {
        return Ok(Exit::Error);
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let root = dir.to_string_lossy().replace('\\', "/");
    let mut entries = Vec::new();
    for (name, path) in all {
        if let Some(s) = args.shard
            && shard_of(&name, s.total) != s.index
        {
            continue;
        }
        let loaded = kensa_manifest::load(&path, &Limits::default());
        let outcome = match &loaded.manifest {
            Some(m) if loaded.problems.is_empty() => {
                let label = format!("{}/{name}", root.trim_end_matches('/'));
                match kensa_engine::check(
                    m,
                    &loaded.sources,
                    catalogue,
                    &Options {
                        as_of,
                        manifest_label: label,
                        threads: 0,
                    },
                ) {
                    Ok(report) => Outcome::Checked {
                        report: Box::new(report),
                    },
                    Err(e) => {
                        writeln!(err, "error: {name}: {e}")?;
                        return Ok(Exit::Error);
                    }
                }
            }
            _ => Outcome::Invalid {
                problems: loaded
                    .problems
                    .iter()
                    .map(|p| {
                        LocatedMessage::of(p, loaded.sources.get(p.at.file).path.replace('\\', "/"))
                    })
                    .collect(),
            },
        };
        entries.push(Institution {
            path: name,
            outcome,
        });
    }
    let portfolio = Portfolio {
        version: PORTFOLIO_VERSION.to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        as_of,
        root,
        shards: args
            .shard
            .map(|s| ShardRef {
                index: s.index,
                total: s.total,
            })
            .into_iter()
            .collect(),
        institutions: entries,
    };
    let fail_on = args.fail_on.threshold();
    let format = match args.format {
        CheckFormat::Json => MergeFormat::Json,
        CheckFormat::Markdown => MergeFormat::Markdown,
        _ => MergeFormat::Human,
    };
    write_portfolio(
        &portfolio,
        format,
        fail_on,
        args.output.as_deref(),
        lang,
        out,
        err,
    )
}

/// `kensa merge FILE...`.
pub fn merge_files(
    args: &MergeArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let mut parts = Vec::new();
    for file in &args.files {
        let shown = file.to_string_lossy().replace('\\', "/");
        let parsed = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                serde_json::from_str::<Portfolio>(&text)
                    .map_err(|e| format!("{}:{}: {e}", e.line(), e.column()))
            });
        match parsed {
            Ok(p) => parts.push((shown, p)),
            Err(e) => {
                writeln!(
                    err,
                    "✗ {shown}: {} ({e})",
                    t(
                        lang,
                        "kensa check --portfolio --format json の結果として読めません",
                        "not the output of `kensa check --portfolio --format json`"
                    )
                )?;
                return Ok(Exit::Error);
            }
        }
    }
    let merged = match merge(parts) {
        Ok(m) => m,
        Err(e) => {
            writeln!(err, "✗ {}", e.0.get(lang))?;
            return Ok(Exit::Error);
        }
    };
    let missing = merged.missing_shards();
    if !missing.is_empty() {
        writeln!(
            err,
            "! {}: {}",
            t(lang, "結果のないシャード", "shards without results"),
            missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    write_portfolio(
        &merged,
        args.format,
        args.fail_on.threshold(),
        args.output.as_deref(),
        lang,
        out,
        err,
    )
}

fn write_portfolio(
    p: &Portfolio,
    format: MergeFormat,
    fail_on: Option<kensa_engine::Severity>,
    output: Option<&Path>,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let exit = match p.verdict(fail_on) {
        Verdict::Pass => Exit::Success,
        Verdict::Fail => Exit::Findings,
        Verdict::Error => Exit::Error,
    };
    let text = match format {
        MergeFormat::Json => pretty_json(p)?,
        MergeFormat::Markdown => kensa_report::markdown::render_portfolio(p, lang, fail_on),
        MergeFormat::Human => human(p, lang, exit),
    };
    emit(text.as_bytes(), output, exit, lang, out, err)
}

fn human(p: &Portfolio, lang: Lang, exit: Exit) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} — {} {} · {} {}",
        t(lang, "ポートフォリオ", "portfolio"),
        p.root,
        p.institutions.len(),
        t(lang, "機関", "institutions"),
        t(lang, "判定日", "as of"),
        p.as_of
    );
    if !p.shards.is_empty() {
        let _ = writeln!(
            s,
            "  {}: {}",
            t(lang, "シャード", "shards"),
            p.shards
                .iter()
                .map(|r| format!("{}/{}", r.index, r.total))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        s,
        "  {:<28} {:<4} {:>6} {:>6} {:>6} {:>6}",
        t(lang, "マニフェスト", "manifest"),
        t(lang, "型", "pat."),
        t(lang, "違反", "viol."),
        t(lang, "期限前", "upc."),
        t(lang, "評価不能", "cne"),
        t(lang, "適合", "sat.")
    );
    for i in &p.institutions {
        match &i.outcome {
            Outcome::Checked { report } => {
                let c = &report.summary;
                let _ = writeln!(
                    s,
                    "{} {:<28} {:<4} {:>6} {:>6} {:>6} {:>6}  {}",
                    if c.violated + c.could_not_evaluate > 0 {
                        "✗"
                    } else {
                        "✓"
                    },
                    i.path,
                    report.patterns.institution.numeral(),
                    c.violated,
                    c.upcoming,
                    c.could_not_evaluate,
                    c.satisfied,
                    report.institution.name
                );
            }
            Outcome::Invalid { problems } => {
                let _ = writeln!(
                    s,
                    "? {:<28} {}",
                    i.path,
                    t(lang, "マニフェストが不正です", "invalid manifest")
                );
                for m in problems.iter().take(5) {
                    let _ = writeln!(
                        s,
                        "    {}:{}:{}: {}",
                        m.file,
                        m.line,
                        m.column,
                        m.message.get(lang)
                    );
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "{}",
        match exit {
            Exit::Success => t(lang, "✓ 判定: 合格", "✓ verdict: pass"),
            Exit::Findings => t(
                lang,
                "✗ 判定: 是正が必要な違反があります",
                "✗ verdict: violations need remediation"
            ),
            Exit::Error => t(
                lang,
                "✗ 判定: 検査できなかった機関または規則があります",
                "✗ verdict: some institutions or rules could not be checked"
            ),
        }
    );
    s
}
