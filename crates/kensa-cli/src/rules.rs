//! `kensa rules` and `kensa explain ID`.

use std::io::Write;

use kensa_engine::{Pattern, Rule, Volume};
use kensa_manifest::Lang;
use serde::Serialize;

use crate::Exit;
use crate::args::{EditionArg, ExplainArgs, ListFormat, RulesArgs, VolumeArg};
use crate::check::catalogue;

fn volume(v: VolumeArg) -> Volume {
    match v {
        VolumeArg::Checklist => Volume::Checklist,
        VolumeArg::Management => Volume::Management,
        VolumeArg::Planning => Volume::Planning,
        VolumeArg::Operations => Volume::Operations,
        VolumeArg::Vendor => Volume::Vendor,
        VolumeArg::Custom => Volume::Custom,
    }
}

fn edition(e: EditionArg) -> &'static str {
    match e {
        EditionArg::R5 => "R5",
        EditionArg::R6 => "R6",
        EditionArg::R7 => "R7",
    }
}

#[derive(Serialize)]
struct RuleList<'a> {
    count: usize,
    rules: Vec<&'a Rule>,
}

pub fn list(
    args: &RulesArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let Some(c) = catalogue(&args.policies, lang, err)? else {
        return Ok(Exit::Error);
    };
    let pattern: Option<Pattern> = args.pattern.map(Into::into);
    let rules: Vec<&Rule> = c
        .rules
        .iter()
        .filter(|r| pattern.is_none_or(|p| r.patterns.contains(&p)))
        .filter(|r| args.volume.is_none_or(|v| r.volume == volume(v)))
        .filter(|r| {
            args.edition
                .is_none_or(|e| r.editions.iter().any(|x| x == edition(e)))
        })
        .collect();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &RuleList {
                    count: rules.len(),
                    rules,
                },
            )
            .map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            for r in &rules {
                let patterns: Vec<&str> = r.patterns.iter().map(|p| p.numeral()).collect();
                writeln!(
                    out,
                    "{:<18} {:<8} {:<10} {:<9} {:<11} {}",
                    r.id,
                    r.severity.name(),
                    r.volume.name(),
                    patterns.join(""),
                    r.entity_type,
                    r.title.get(lang)
                )?;
            }
            match lang {
                Lang::Ja => writeln!(out, "{} 件 (全 {} 件)", rules.len(), c.rules.len())?,
                Lang::En => writeln!(out, "{} of {} rules", rules.len(), c.rules.len())?,
            }
        }
    }
    Ok(Exit::Success)
}

pub fn explain(
    args: &ExplainArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let Some(c) = catalogue(&args.policies, lang, err)? else {
        return Ok(Exit::Error);
    };
    let Some(r) = c.rule(&args.id) else {
        let best = c.closest_rule(&args.id);
        match lang {
            Lang::Ja => writeln!(err, "✗ 規則「{}」はカタログにありません", args.id)?,
            Lang::En => writeln!(err, "✗ no rule \"{}\" in the catalogue", args.id)?,
        }
        if let Some(id) = best {
            match lang {
                Lang::Ja => writeln!(err, "  「{id}」のことですか？")?,
                Lang::En => writeln!(err, "  did you mean \"{id}\"?")?,
            }
        }
        match lang {
            Lang::Ja => writeln!(err, "  一覧: kensa rules")?,
            Lang::En => writeln!(err, "  list: kensa rules")?,
        }
        return Ok(Exit::Error);
    };
    let ja = lang == Lang::Ja;
    let label = |j: &'static str, e: &'static str| if ja { j } else { e };
    writeln!(out, "{} — {}", r.id, r.title.get(lang))?;
    writeln!(out, "{}", if ja { &r.title.en } else { &r.title.ja })?;
    writeln!(out)?;
    let patterns: Vec<&str> = r.patterns.iter().map(|p| p.numeral()).collect();
    let delegable: Vec<&str> = r.delegable.iter().map(|p| p.numeral()).collect();
    let rows: Vec<(&str, String)> = vec![
        (
            label("重要度", "severity"),
            r.severity.label().get(lang).to_string(),
        ),
        (
            label("出典", "source"),
            format!("{} — {}", r.volume.label().get(lang), r.source),
        ),
        (label("根拠箇所", "reference"), r.reference.clone()),
        ("URL", r.url.clone()),
        (
            label("対象", "applies to"),
            r.applies_to.get(lang).to_string(),
        ),
        (label("参照パターン", "patterns"), patterns.join("・")),
        (
            label("契約による委託", "delegable"),
            if delegable.is_empty() {
                label("不可", "no").to_string()
            } else {
                format!(
                    "{} ({})",
                    delegable.join("・"),
                    r.undertaking.as_deref().unwrap_or_default()
                )
            },
        ),
        (label("適用開始", "effective"), r.effective.to_string()),
        (
            label("期限", "deadline"),
            r.deadline
                .map_or_else(|| "—".to_string(), |d| d.to_string()),
        ),
        (
            label("チェックリスト版", "checklist editions"),
            if r.editions.is_empty() {
                "—".to_string()
            } else {
                r.editions.join(", ")
            },
        ),
        (
            label("判定方法", "evidence"),
            match r.evidence {
                kensa_engine::catalogue::Evidence::Automated => {
                    label("自動 (マニフェストの事実)", "automated (manifest facts)").to_string()
                }
                kensa_engine::catalogue::Evidence::Attested => label(
                    "申告 (文書の記録と証跡)",
                    "attested (document entry and evidence)",
                )
                .to_string(),
            },
        ),
        (
            label("定義", "defined in"),
            format!("{}:{}", r.file, r.line),
        ),
    ];
    for (k, v) in rows {
        writeln!(out, "  {k}: {v}")?;
    }
    writeln!(out)?;
    writeln!(out, "{}: {}", label("対処", "fix"), r.fix.get(lang))?;
    writeln!(out)?;
    writeln!(out, "{}", r.doc)?;
    Ok(Exit::Success)
}
