//! A timeline for people: text for the terminal, CSV for spreadsheets, and one
//! self-contained HTML page with the trend as an inline SVG chart.

use std::fmt::Write as _;

use kensa_manifest::Lang;

use crate::history::{Entry, Outcome, Timeline};

fn t<'a>(lang: Lang, ja: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

/// The date part of an RFC 3339 date.
fn day(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

/// Text for the terminal: one line per commit, then the open violations with the commit
/// that introduced each.
#[must_use]
pub fn text(tl: &Timeline, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — {} {} ({})",
        t(lang, "履歴", "history of"),
        tl.path,
        tl.entries.len(),
        t(lang, "件のコミットが変更", "commits changed it"),
        match tl.as_of.as_str() {
            "commit" => t(
                lang,
                "各コミットの日付で判定",
                "each judged on its own date"
            )
            .to_string(),
            d => format!("{} {d}", t(lang, "判定日", "judged on")),
        }
    );
    if tl.truncated {
        let _ = writeln!(
            out,
            "! {}",
            t(
                lang,
                "浅いクローンのため、これより古い履歴はありません (git fetch --unshallow で取得できます)",
                "a shallow clone: older history is missing (git fetch --unshallow fetches it)"
            )
        );
    }
    let _ = writeln!(
        out,
        "{:<10}  {:<9}  {:<4} {:>6}  {:>4} {:>4} {:>4}  {}",
        t(lang, "日付", "date"),
        t(lang, "コミット", "commit"),
        t(lang, "型", "pat."),
        t(lang, "点", "score"),
        t(lang, "違反", "viol"),
        t(lang, "期限", "upc."),
        t(lang, "不能", "cne"),
        t(lang, "作成者: 内容", "author: summary"),
    );
    for e in &tl.entries {
        let who = format!("{}: {}", e.author, e.message);
        match &e.outcome {
            Outcome::Checked {
                pattern,
                summary,
                score,
                ..
            } => {
                let _ = writeln!(
                    out,
                    "{:<10}  {:<9}  {:<4} {:>6.1}  {:>4} {:>4} {:>4}  {who}",
                    day(&e.date),
                    e.short,
                    pattern.code(),
                    score,
                    summary.violated,
                    summary.upcoming,
                    summary.could_not_evaluate
                );
            }
            Outcome::Invalid { problems } => {
                let _ = writeln!(
                    out,
                    "{:<10}  {:<9}  {}  {who}",
                    day(&e.date),
                    e.short,
                    t(lang, "読めないマニフェスト", "manifest does not read"),
                );
                for p in problems.iter().take(2) {
                    let _ = writeln!(out, "{:<23}{}", "", p.get(lang));
                }
            }
            Outcome::Removed => {
                let _ = writeln!(
                    out,
                    "{:<10}  {:<9}  {}  {who}",
                    day(&e.date),
                    e.short,
                    t(lang, "削除", "removed"),
                );
            }
        }
    }
    if !tl.open.is_empty() {
        let _ = writeln!(
            out,
            "\n{} ({})",
            t(
                lang,
                "未解消の違反と、それを持ち込んだコミット",
                "Open violations and the commit that introduced each"
            ),
            tl.open.len()
        );
        for b in &tl.open {
            let _ = writeln!(
                out,
                "  {} {} — {}  ← {} {} {}",
                b.rule,
                b.entity,
                b.title.get(lang),
                b.since_short,
                day(&b.since_date),
                b.author
            );
        }
    }
    out
}

/// CSV (UTF-8 with a byte-order mark, CRLF): one line per commit.
#[must_use]
pub fn csv(tl: &Timeline, lang: Lang) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "date",
        "commit",
        "author",
        "message",
        "path",
        "outcome",
        "pattern",
        "score",
        "violated",
        "upcoming",
        "could_not_evaluate",
        "waived",
        "delegated",
        "satisfied",
        "not_applicable",
    ];
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for e in &tl.entries {
        let mut cells = vec![
            e.date.clone(),
            e.commit.clone(),
            e.author.clone(),
            e.message.clone(),
            e.path.clone(),
        ];
        match &e.outcome {
            Outcome::Checked {
                pattern,
                summary: s,
                score,
                ..
            } => {
                cells.push("checked".into());
                cells.push(pattern.code().into());
                cells.push(format!("{score:.1}"));
                for n in [
                    s.violated,
                    s.upcoming,
                    s.could_not_evaluate,
                    s.waived,
                    s.delegated,
                    s.satisfied,
                    s.not_applicable,
                ] {
                    cells.push(n.to_string());
                }
            }
            Outcome::Invalid { problems } => {
                cells.push("invalid".into());
                cells.push(String::new());
                cells.push(
                    problems
                        .first()
                        .map(|p| p.get(lang).to_string())
                        .unwrap_or_default(),
                );
                cells.extend(std::iter::repeat_n(String::new(), 7));
            }
            Outcome::Removed => {
                cells.push("removed".into());
                cells.extend(std::iter::repeat_n(String::new(), 9));
            }
        }
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// One CSV field: quoted when it needs to be, and kept from being read as a formula.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The trend as an inline SVG: violations (bars) and the score (line), one step per commit.
fn chart(entries: &[&Entry], lang: Lang) -> String {
    let (w, h, pad) = (720.0_f64, 220.0_f64, 36.0_f64);
    let n = entries.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let step = (w - 2.0 * pad) / n as f64;
    let max_v = entries
        .iter()
        .filter_map(|e| match &e.outcome {
            Outcome::Checked { summary, .. } => Some(summary.violated),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        html_escape(t(
            lang,
            "違反件数と適合率の推移",
            "violations and score over time"
        ))
    );
    let _ = write!(
        svg,
        r##"<line x1="{pad}" y1="{y}" x2="{x2}" y2="{y}" stroke="#888"/>"##,
        y = h - pad,
        x2 = w - pad
    );
    let mut line = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x = pad + step * i as f64;
        if let Outcome::Checked { summary, score, .. } = &e.outcome {
            #[allow(clippy::cast_precision_loss)]
            let bh = (h - 2.0 * pad) * summary.violated as f64 / max_v as f64;
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#d9534f"><title>{} {}: {} {}</title></rect>"##,
                x + step * 0.15,
                h - pad - bh,
                step * 0.7,
                bh,
                html_escape(&e.short),
                html_escape(day(&e.date)),
                summary.violated,
                t(lang, "件の違反", "violations")
            );
            let y = pad + (h - 2.0 * pad) * (1.0 - score / 100.0);
            line.push(format!("{:.1},{:.1}", x + step * 0.5, y));
        } else {
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="6" fill="#999"><title>{} {}</title></rect>"##,
                x + step * 0.15,
                h - pad - 6.0,
                step * 0.7,
                html_escape(&e.short),
                t(lang, "読めない・削除", "unreadable or removed")
            );
        }
    }
    if !line.is_empty() {
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="#0275d8" stroke-width="2"/>"##,
            line.join(" ")
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{pad}" y="16" font-size="12" fill="#d9534f">{} (max {max_v})</text><text x="{}" y="16" font-size="12" fill="#0275d8" text-anchor="end">{} (0–100%)</text></svg>"##,
        t(lang, "■ 違反", "■ violations"),
        w - pad,
        t(lang, "― 適合率", "― score")
    );
    svg
}

/// One self-contained HTML page: the chart, the timeline and the open violations.
#[must_use]
pub fn html(tl: &Timeline, lang: Lang) -> String {
    let entries: Vec<&Entry> = tl.entries.iter().collect();
    let mut out = String::new();
    let title = format!("kensa — {} {}", t(lang, "履歴", "history of"), tl.path);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title><style>
body{{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:2rem;color:#222}}
table{{border-collapse:collapse;width:100%;font-size:.9rem}}th,td{{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}}
td.n{{text-align:right}}.invalid{{color:#a00}}svg{{max-width:100%;height:auto}}
@media print{{body{{margin:0}}h2{{page-break-before:auto}}}}
</style></head><body>"#,
        match lang {
            Lang::Ja => "ja",
            Lang::En => "en",
        },
        html_escape(&title)
    );
    let _ = write!(out, "<h1>{}</h1>", html_escape(&title));
    let _ = write!(
        out,
        "<p>{} {} · {}</p>",
        entries.len(),
        t(lang, "件のコミット", "commits"),
        html_escape(&match tl.as_of.as_str() {
            "commit" => t(
                lang,
                "各コミットの日付で判定",
                "each judged on its own date"
            )
            .to_string(),
            d => format!("{} {d}", t(lang, "判定日", "judged on")),
        })
    );
    out.push_str(&chart(&entries, lang));
    let _ = write!(
        out,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "推移", "Timeline"),
        t(lang, "日付", "Date"),
        t(lang, "コミット", "Commit"),
        t(lang, "作成者", "Author"),
        t(lang, "内容", "Summary"),
        t(lang, "パターン", "Pattern"),
        t(lang, "適合率", "Score"),
        t(lang, "違反", "Violations"),
    );
    for e in &entries {
        let (pattern, score, violated) = match &e.outcome {
            Outcome::Checked {
                pattern,
                summary,
                score,
                ..
            } => (
                pattern.code().to_string(),
                format!("{score:.1}%"),
                summary.violated.to_string(),
            ),
            Outcome::Invalid { .. } => (
                String::new(),
                String::new(),
                format!(
                    r#"<span class="invalid">{}</span>"#,
                    t(lang, "読めない", "does not read")
                ),
            ),
            Outcome::Removed => (
                String::new(),
                String::new(),
                t(lang, "削除", "removed").into(),
            ),
        };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            html_escape(day(&e.date)),
            html_escape(&e.short),
            html_escape(&e.author),
            html_escape(&e.message),
            pattern,
            score,
            violated
        );
    }
    out.push_str("</tbody></table>");
    let _ = write!(
        out,
        "<h2>{} ({})</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "未解消の違反", "Open violations"),
        tl.open.len(),
        t(lang, "規則", "Rule"),
        t(lang, "対象", "Entity"),
        t(lang, "内容", "Requirement"),
        t(lang, "持ち込んだコミット", "Introduced by"),
    );
    for b in &tl.open {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td><code>{}</code> {} {}</td></tr>",
            html_escape(&b.rule),
            html_escape(&b.entity),
            html_escape(b.title.get(lang)),
            html_escape(&b.since_short),
            html_escape(day(&b.since_date)),
            html_escape(&b.author)
        );
    }
    out.push_str("</tbody></table></body></html>\n");
    out
}
