//! `kensa split PATH` and `kensa split --vendor ID --portfolio DIR`: the responsibility split.

use std::io::Write;
use std::path::Path;

use kensa_engine::split::{Split, split};
use kensa_engine::{Catalogue, Options};
use kensa_manifest::{Lang, Limits};
use kensa_report::split::{VendorPortfolio, VendorSite};

use crate::Exit;
use crate::args::{SplitArgs, SplitFormat};
use crate::check::{catalogue, emit, pretty_json, t};
use crate::diagnostics::write_human;

pub fn run(
    args: &SplitArgs,
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
    if let (Some(dir), Some(vendor)) = (&args.portfolio, &args.vendor) {
        return portfolio(args, dir, vendor, &catalogue, as_of, lang, out, err);
    }
    let Some(path) = &args.path else {
        writeln!(
            err,
            "error: {}",
            t(lang, "PATH がありません", "PATH is missing")
        )?;
        return Ok(Exit::Error);
    };
    let shown = path.to_string_lossy().replace('\\', "/");
    let s = match split_one(path, &shown, &catalogue, as_of, lang, err)? {
        Ok(s) => s,
        Err(exit) => return Ok(exit),
    };
    let s = kensa_report::split::filter(s, args.party.as_deref(), args.system.as_deref());
    let exit = if s.gaps.is_empty() {
        Exit::Success
    } else {
        Exit::Findings
    };
    let text = match args.format {
        SplitFormat::Json => pretty_json(&s)?,
        SplitFormat::Text => kensa_report::split::text(&s, lang),
        SplitFormat::Markdown => kensa_report::split::markdown(&s, lang),
        SplitFormat::Csv => kensa_report::split::csv(&s, lang),
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

/// Loads, checks and splits one manifest; an invalid one is reported on `err`.
fn split_one(
    path: &Path,
    shown: &str,
    catalogue: &Catalogue,
    as_of: chrono::NaiveDate,
    lang: Lang,
    err: &mut impl Write,
) -> std::io::Result<Result<Split, Exit>> {
    let loaded = kensa_manifest::load(path, &Limits::default());
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
                "マニフェストに問題があるため責任分界を作れません (kensa validate で確認できます)",
                "the manifest has problems, so there is no split (see `kensa validate`)"
            )
        )?;
        return Ok(Err(Exit::Error));
    };
    let options = Options {
        as_of,
        manifest_label: shown.to_string(),
        threads: 0,
    };
    let result = kensa_engine::check(manifest, &loaded.sources, catalogue, &options)
        .and_then(|report| split(manifest, &loaded.sources, catalogue, &report));
    match result {
        Ok(s) => Ok(Ok(s)),
        Err(e) => {
            writeln!(err, "error: {shown}: {e}")?;
            Ok(Err(Exit::Error))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn portfolio(
    args: &SplitArgs,
    dir: &Path,
    vendor: &str,
    catalogue: &Catalogue,
    as_of: chrono::NaiveDate,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let Some(all) = crate::portfolio::institutions_or_say_why(dir, lang, err)? else {
        return Ok(Exit::Error);
    };
    let root = dir.to_string_lossy().replace('\\', "/");
    let mut sites = Vec::new();
    let mut failed = false;
    for (name, path) in all {
        let shown = format!("{}/{name}", root.trim_end_matches('/'));
        match split_one(&path, &shown, catalogue, as_of, lang, err)? {
            Ok(s) => {
                if let Some(site) = VendorSite::of(&name, s, vendor) {
                    sites.push(site);
                }
            }
            Err(_) => failed = true,
        }
    }
    let report = VendorPortfolio {
        version: kensa_report::split::VENDOR_PORTFOLIO_VERSION.to_string(),
        vendor: vendor.to_string(),
        as_of,
        root,
        sites,
    };
    let exit = if failed {
        Exit::Error
    } else if report.sites.iter().any(|s| !s.gaps.is_empty()) {
        Exit::Findings
    } else {
        Exit::Success
    };
    let text = match args.format {
        SplitFormat::Json => pretty_json(&report)?,
        SplitFormat::Text => kensa_report::split::vendor_text(&report, lang),
        SplitFormat::Markdown => kensa_report::split::vendor_markdown(&report, lang),
        SplitFormat::Csv => kensa_report::split::vendor_csv(&report, lang),
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
