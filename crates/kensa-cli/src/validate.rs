//! `kensa validate PATH...`

use std::io::Write;

use kensa_manifest::{EntityKind, Lang, Limits, Loaded, Manifest};
use serde::Serialize;

use crate::Exit;
use crate::args::{ValidateArgs, ValidateFormat};
use crate::diagnostics::{JsonProblem, json_problem, write_human};

#[derive(Serialize)]
struct JsonManifest<'a> {
    path: String,
    valid: bool,
    files: Vec<&'a str>,
    problems: Vec<JsonProblem<'a>>,
}

pub fn run(
    args: &ValidateArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let limits = Limits::default();
    let loaded: Vec<Loaded> = args
        .paths
        .iter()
        .map(|p| kensa_manifest::load(p, &limits))
        .collect();
    let exit = if loaded.iter().all(Loaded::is_valid) {
        Exit::Success
    } else {
        Exit::Error
    };
    match write_report(args, lang, &loaded, out, err) {
        // The verdict stands even when the reader closed the pipe early.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit),
        Err(e) => Err(e),
        Ok(()) => Ok(exit),
    }
}

fn write_report(
    args: &ValidateArgs,
    lang: Lang,
    loaded: &[Loaded],
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<()> {
    match args.format {
        ValidateFormat::Json => {
            let report: Vec<JsonManifest<'_>> = args
                .paths
                .iter()
                .zip(loaded)
                .map(|(path, l)| JsonManifest {
                    path: path.to_string_lossy().replace('\\', "/"),
                    valid: l.is_valid(),
                    files: l.sources.iter().map(|(_, f)| f.path.as_str()).collect(),
                    problems: l
                        .problems
                        .iter()
                        .map(|p| json_problem(p, &l.sources, lang))
                        .collect(),
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
        }
        ValidateFormat::Human => {
            for (path, l) in args.paths.iter().zip(loaded) {
                let shown = path.to_string_lossy().replace('\\', "/");
                match &l.manifest {
                    Some(m) if l.problems.is_empty() => {
                        writeln!(out, "{}", valid_line(&shown, m, l.sources.len(), lang))?;
                    }
                    _ => {
                        write_human(&l.problems, &l.sources, lang, err)?;
                        let n = l.problems.len();
                        match lang {
                            Lang::Ja => writeln!(err, "✗ {shown}: {n} 件の問題があります")?,
                            Lang::En => writeln!(
                                err,
                                "✗ {shown}: {n} problem{}",
                                if n == 1 { "" } else { "s" }
                            )?,
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn valid_line(path: &str, m: &Manifest, files: usize, lang: Lang) -> String {
    let counts: Vec<String> = EntityKind::ALL
        .into_iter()
        .filter(|k| m.count(*k) > 0)
        .map(|k| match lang {
            Lang::Ja => format!("{} {}", k.noun_ja(), m.count(k)),
            Lang::En => format!("{} {}", m.count(k), k.section()),
        })
        .collect();
    match lang {
        Lang::Ja => format!(
            "✓ {path}: 有効なマニフェストです（{}、ファイル {files}）: {}",
            m.institution.name,
            counts.join("、")
        ),
        Lang::En => format!(
            "✓ {path}: valid manifest ({}, {files} file{}): {}",
            m.institution.name,
            if files == 1 { "" } else { "s" },
            counts.join(", ")
        ),
    }
}
