//! `kensa gap PATH`: the gap analysis (ギャップ分析), from one evaluation.

use std::io::{IsTerminal, Write};

use kensa_engine::Options;
use kensa_engine::split::split;
use kensa_manifest::{Lang, Limits};
use kensa_report::gap;

use crate::Exit;
use crate::args::{GapArgs, GapFormat};
use crate::check::{catalogue, emit, pretty_json, t};
use crate::diagnostics::write_human;

pub fn run(
    args: &GapArgs,
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
    let shown = args.path.to_string_lossy().replace('\\', "/");
    let loaded = kensa_manifest::load(&args.path, &Limits::default());
    let Some(manifest) = loaded
        .manifest
        .as_ref()
        .filter(|_| loaded.problems.is_empty())
    else {
        write_human(&loaded.problems, &loaded.sources, lang, err)?;
        writeln!(
            err,
            "✗ {shown}: {}",
            t(
                lang,
                "マニフェストに問題があるためギャップ分析を作れません (kensa validate で確認できます)",
                "the manifest has problems, so there is no gap analysis (see `kensa validate`)"
            )
        )?;
        return Ok(Exit::Error);
    };
    let options = Options {
        as_of,
        manifest_label: shown.clone(),
        threads: 0,
    };
    let result =
        kensa_engine::check(manifest, &loaded.sources, &catalogue, &options).and_then(|report| {
            split(manifest, &loaded.sources, &catalogue, &report).map(|s| (report, s))
        });
    let (report, split) = match result {
        Ok(r) => r,
        Err(e) => {
            writeln!(err, "error: {shown}: {e}")?;
            return Ok(Exit::Error);
        }
    };
    // A report a director reads must not look complete when the check was not: refuse,
    // naming why, as for a manifest that does not read.
    if !report.problems.is_empty() {
        for p in &report.problems {
            let at = p.location.as_ref().map_or_else(String::new, |l| {
                format!("{}:{}:{}: ", l.file, l.line, l.column)
            });
            writeln!(err, "✗ {at}{}", p.message.get(lang))?;
            writeln!(err, "  {}: {}", t(lang, "対処", "fix"), p.fix.get(lang))?;
        }
        writeln!(
            err,
            "✗ {shown}: {}",
            t(
                lang,
                "検査を完了できないためギャップ分析を作れません",
                "the check is not complete, so there is no gap analysis"
            )
        )?;
        return Ok(Exit::Error);
    }
    let analysis = gap::analyse(manifest, &report, &split, &catalogue);
    let bytes = match args.format {
        GapFormat::Json => pretty_json(&analysis)?.into_bytes(),
        GapFormat::Markdown => gap::markdown::render(&analysis, lang).into_bytes(),
        GapFormat::Csv => gap::csv::render(&analysis, lang).into_bytes(),
        GapFormat::Html => gap::html::render(&analysis, lang).into_bytes(),
        GapFormat::Xlsx => {
            if args.output.is_none() && std::io::stdout().is_terminal() {
                writeln!(
                    err,
                    "✗ {}",
                    t(
                        lang,
                        "Excel ファイルは端末には表示できません。--output FILE.xlsx で保存先を指定してください",
                        "an Excel workbook cannot be shown on a terminal: give --output FILE.xlsx"
                    )
                )?;
                return Ok(Exit::Error);
            }
            match gap::xlsx::render(&analysis, lang) {
                Ok(b) => b,
                Err(e) => {
                    writeln!(
                        err,
                        "✗ {}: {e}",
                        t(
                            lang,
                            "Excel ファイルを作れません",
                            "cannot make the workbook"
                        )
                    )?;
                    return Ok(Exit::Error);
                }
            }
        }
    };
    emit(
        &bytes,
        args.output.as_deref(),
        Exit::Success,
        lang,
        out,
        err,
    )
}
