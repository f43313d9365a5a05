//! A timeline for people: text for the terminal, CSV for spreadsheets, and one
//! self-contained HTML page with the trend as an inline SVG chart.

use std::fmt::Write as _;

use kensa_engine::Pattern;
use kensa_manifest::Lang;
use unicode_width::UnicodeWidthStr as _;

use crate::history::{Blame, Entry, Outcome, Timeline};

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

/// The pattern as the rest of the output in `lang` writes it: the guideline's Roman
/// numeral (Ⅲ) in Japanese, its code (III) in English.
fn pattern_name(pattern: Pattern, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => pattern.numeral(),
        Lang::En => pattern.code(),
    }
}

/// Terminal columns of `s`: East Asian wide and fullwidth characters take two.
/// Ambiguous-width characters (such as Ⅲ) count as one, as most terminals draw them.
fn width(s: &str) -> usize {
    s.width()
}

/// `s` followed by spaces up to `w` columns.
fn pad_right(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

/// `s` preceded by spaces up to `w` columns.
fn pad_left(s: &str, w: usize) -> String {
    let mut out: String = std::iter::repeat_n(' ', w.saturating_sub(width(s))).collect();
    out.push_str(s);
    out
}

/// "N commits changed it" (and since when, in a shallow clone), in `lang`.
fn changed_by(tl: &Timeline, lang: Lang) -> String {
    let boundary = tl.entries.iter().any(|e| e.boundary);
    let n = tl.entries.iter().filter(|e| !e.boundary).count();
    match lang {
        Lang::Ja => {
            let since = if boundary {
                "このクローンで最古のコミット以降に"
            } else {
                ""
            };
            format!("{since}変更したコミット {n} 件")
        }
        Lang::En => {
            let count = match n {
                0 => "no commit changed it".to_string(),
                1 => "1 commit changed it".to_string(),
                n => format!("{n} commits changed it"),
            };
            if boundary {
                format!("{count} since the oldest commit in this clone")
            } else {
                count
            }
        }
    }
}

/// Which date the commits were judged on.
fn judged(tl: &Timeline, lang: Lang) -> String {
    match tl.as_of.as_str() {
        "commit" => t(
            lang,
            "各コミットの日付で判定",
            "each judged on its own date",
        )
        .to_string(),
        d => format!("{} {d}", t(lang, "判定日", "judged on")),
    }
}

/// The title: the manifest's path.
fn title(tl: &Timeline, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{} の履歴", tl.path),
        Lang::En => format!("history of {}", tl.path),
    }
}

/// What a shallow clone's timeline lacks, and how to fetch it.
fn shallow_note(lang: Lang) -> &'static str {
    t(
        lang,
        "シャロークローンのため、これより古い履歴はありません (`git fetch --unshallow` で全履歴を取得できます)",
        "this is a shallow clone: older history is not here (`git fetch --unshallow` fetches all of it)",
    )
}

/// The notes on an entry: a rename, the oldest commit of a shallow clone.
fn notes(e: &Entry, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(old) = &e.renamed_from {
        out.push(match lang {
            Lang::Ja => format!("{old} から名前変更"),
            Lang::En => format!("renamed from {old}"),
        });
    }
    if e.boundary {
        out.push(
            t(
                lang,
                "このクローンで最古のコミット",
                "the oldest commit in this clone",
            )
            .into(),
        );
    }
    out
}

/// The severity label, as `kensa check` and `kensa diff` print it: `[重大]`, `[high]`.
fn severity(b: &Blame, lang: Lang) -> String {
    format!("[{}]", b.severity.label().get(lang))
}

/// The commit that introduced an open violation: `a916d32`, or `a916d32 以前` /
/// `a916d32 or earlier` when the history is cut short before it.
fn since(b: &Blame, lang: Lang) -> (String, &'static str) {
    let suffix = if b.or_earlier {
        t(lang, " 以前", " or earlier")
    } else {
        ""
    };
    (b.since_short.clone(), suffix)
}

/// Whether the newest entry that reads was checked (so that an empty list of open
/// violations means none, not nothing to say).
fn newest_checked(tl: &Timeline) -> bool {
    tl.entries
        .iter()
        .rev()
        .find(|e| !matches!(e.outcome, Outcome::Invalid { .. }))
        .is_some_and(|e| matches!(e.outcome, Outcome::Checked { .. }))
}

/// One line of the text table.
enum Row {
    /// A checked commit: date, commit, pattern, score and the counts.
    Checked([String; 7]),
    /// A commit that did not read or removed the manifest: date, commit, and what
    /// happened, spanning the other columns.
    Other([String; 2], String),
}

/// Text for the terminal: one line per commit, then the open violations with the commit
/// that introduced each.
#[must_use]
pub fn text(tl: &Timeline, lang: Lang) -> String {
    const GAP: &str = "  ";
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} ({})",
        title(tl, lang),
        changed_by(tl, lang),
        judged(tl, lang)
    );
    if tl.truncated {
        let _ = writeln!(out, "! {}", shallow_note(lang));
    }
    let heads = [
        t(lang, "日付", "date"),
        t(lang, "コミット", "commit"),
        t(lang, "パターン", "pattern"),
        t(lang, "適合率", "score"),
        t(lang, "違反", "violated"),
        t(lang, "期限前", "upcoming"),
        t(lang, "評価不能", "not evaluated"),
    ];
    let right = [false, false, false, true, true, true, true];
    let rows: Vec<Row> = tl
        .entries
        .iter()
        .map(|e| match &e.outcome {
            Outcome::Checked {
                pattern,
                summary,
                score,
                ..
            } => Row::Checked([
                day(&e.date).to_string(),
                e.short.clone(),
                pattern_name(*pattern, lang).to_string(),
                format!("{score:.1}%"),
                summary.violated.to_string(),
                summary.upcoming.to_string(),
                summary.could_not_evaluate.to_string(),
            ]),
            Outcome::Invalid { .. } => Row::Other(
                [day(&e.date).to_string(), e.short.clone()],
                t(lang, "読めないマニフェスト", "invalid manifest").into(),
            ),
            Outcome::Removed => Row::Other(
                [day(&e.date).to_string(), e.short.clone()],
                t(lang, "マニフェストを削除", "manifest removed").into(),
            ),
        })
        .collect();
    let mut widths = heads.map(width);
    for row in &rows {
        let cells: &[String] = match row {
            Row::Checked(cells) => cells,
            Row::Other(cells, _) => cells,
        };
        for (w, cell) in widths.iter_mut().zip(cells) {
            *w = (*w).max(width(cell));
        }
    }
    // What a commit that did not read spans: from the pattern to the last count.
    let span = widths[2..].iter().sum::<usize>() + GAP.len() * (widths.len() - 3);
    let indent = widths[0] + widths[1] + 2 * GAP.len();
    let cell = |i: usize, s: &str| {
        if right[i] {
            pad_left(s, widths[i])
        } else {
            pad_right(s, widths[i])
        }
    };
    let mut line: Vec<String> = heads.iter().enumerate().map(|(i, h)| cell(i, h)).collect();
    line.push(t(lang, "作成者: 内容", "author: summary").into());
    let _ = writeln!(out, "{}", line.join(GAP));
    for (e, row) in tl.entries.iter().zip(&rows) {
        let mut who = format!("{}: {}", e.author, e.message);
        for note in notes(e, lang) {
            let _ = write!(who, " ({note})");
        }
        let mut line: Vec<String> = match row {
            Row::Checked(cells) => cells.iter().enumerate().map(|(i, c)| cell(i, c)).collect(),
            Row::Other(cells, what) => vec![
                cell(0, &cells[0]),
                cell(1, &cells[1]),
                pad_right(what, span),
            ],
        };
        line.push(who);
        let _ = writeln!(out, "{}", line.join(GAP).trim_end());
        if let Outcome::Invalid { problems } = &e.outcome {
            for p in problems.iter().take(2) {
                let _ = writeln!(out, "{:indent$}{}", "", p.get(lang));
            }
            if problems.len() > 2 {
                let more = problems.len() - 2;
                let _ = writeln!(
                    out,
                    "{:indent$}{}",
                    "",
                    match lang {
                        Lang::Ja => format!("(ほか {more} 件)"),
                        Lang::En => format!("({more} more)"),
                    }
                );
            }
        }
    }
    if !tl.entries.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            t(
                lang,
                "適合率: 該当する規則×対象のうち適合・委託・例外承認の割合 (評価不能は適合と扱いません)",
                "score: share of the applicable checks met, delegated or waived (not evaluated never counts as met)"
            )
        );
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
            let (short, suffix) = since(b, lang);
            let _ = writeln!(
                out,
                "  {} {} {}  ← {short}{suffix} ({} {})",
                severity(b, lang),
                b.rule,
                b.entity,
                day(&b.since_date),
                b.author
            );
            let _ = writeln!(out, "      {}", b.title.get(lang));
        }
        if tl.open.iter().any(|b| b.or_earlier) {
            let _ = writeln!(
                out,
                "{}",
                t(
                    lang,
                    "「以前」: このクローンで最古のコミットにすでにあった違反です。それより前のコミットで始まった可能性があります",
                    "\"or earlier\": the violation is already there in the oldest commit of this clone, so it may have begun before it"
                )
            );
        }
    } else if newest_checked(tl) {
        let _ = writeln!(
            out,
            "\n{}",
            t(lang, "未解消の違反はありません", "No open violations")
        );
    }
    out
}

/// The columns of the CSV, one line per commit. `problem` is the first problem of a
/// manifest that did not read, empty otherwise.
const CSV_HEADER: [&str; 18] = [
    "date",
    "commit",
    "author",
    "message",
    "path",
    "renamed_from",
    "boundary",
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
    "problem",
];

/// CSV (UTF-8 with a byte-order mark, CRLF): one line per commit, every line with the
/// same columns. Column names and values (`checked`, `III`, `true`) are the same in
/// every language; only a problem's text is in `lang`.
#[must_use]
pub fn csv(tl: &Timeline, lang: Lang) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&CSV_HEADER.join(","));
    out.push_str("\r\n");
    for e in &tl.entries {
        let mut cells = vec![
            e.date.clone(),
            e.commit.clone(),
            e.author.clone(),
            e.message.clone(),
            e.path.clone(),
            e.renamed_from.clone().unwrap_or_default(),
            e.boundary.to_string(),
        ];
        let mut problem = String::new();
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
                cells.extend(std::iter::repeat_n(String::new(), 9));
                problem = problems
                    .iter()
                    .map(|p| p.get(lang))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            Outcome::Removed => {
                cells.push("removed".into());
                cells.extend(std::iter::repeat_n(String::new(), 9));
            }
        }
        cells.push(problem);
        debug_assert_eq!(cells.len(), CSV_HEADER.len());
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// One CSV field: kept from being read as a formula by a spreadsheet (a leading `'`
/// before `=`, `+`, `-`, `@`, a tab or a carriage return), then quoted when it holds a
/// comma, a quote or a line break (quotes doubled).
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#d9534f"><title>{} {}: {}</title></rect>"##,
                x + step * 0.15,
                h - pad - bh,
                step * 0.7,
                bh,
                html_escape(&e.short),
                html_escape(day(&e.date)),
                html_escape(&match lang {
                    Lang::Ja => format!("違反 {} 件 · 適合率 {score:.1}%", summary.violated),
                    Lang::En => format!("{} violated · score {score:.1}%", summary.violated),
                })
            );
            let y = pad + (h - 2.0 * pad) * (1.0 - score / 100.0);
            line.push(format!("{:.1},{:.1}", x + step * 0.5, y));
        } else {
            let what = match e.outcome {
                Outcome::Removed => t(lang, "マニフェストを削除", "manifest removed"),
                _ => t(lang, "読めないマニフェスト", "invalid manifest"),
            };
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="6" fill="#999"><title>{} {}: {}</title></rect>"##,
                x + step * 0.15,
                h - pad - 6.0,
                step * 0.7,
                html_escape(&e.short),
                html_escape(day(&e.date)),
                html_escape(what)
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
        r##"<text x="{pad}" y="16" font-size="12" fill="#d9534f">{} ({} {max_v})</text><text x="{}" y="16" font-size="12" fill="#0275d8" text-anchor="end">{} (0–100%)</text></svg>"##,
        t(lang, "■ 違反", "■ violated"),
        t(lang, "最大", "max"),
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
    let title = format!("kensa — {}", title(tl, lang));
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title><style>
body{{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:2rem;color:#222}}
table{{border-collapse:collapse;width:100%;font-size:.9rem}}th,td{{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}}
td.n,th.n{{text-align:right}}.invalid{{color:#a00}}.note{{color:#555;font-size:.85em}}.sev{{white-space:nowrap}}svg{{max-width:100%;height:auto}}
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
        "<p>{} · {}</p>",
        html_escape(&changed_by(tl, lang)),
        html_escape(&judged(tl, lang))
    );
    if tl.truncated {
        let _ = write!(
            out,
            r#"<p class="note">{}</p>"#,
            html_escape(shallow_note(lang))
        );
    }
    out.push_str(&chart(&entries, lang));
    let _ = write!(
        out,
        r#"<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th></tr></thead><tbody>"#,
        t(lang, "推移", "Timeline"),
        t(lang, "日付", "Date"),
        t(lang, "コミット", "Commit"),
        t(lang, "作成者", "Author"),
        t(lang, "内容", "Summary"),
        t(lang, "パターン", "Pattern"),
        t(lang, "適合率", "Score"),
        t(lang, "違反", "Violated"),
        t(lang, "期限前", "Upcoming"),
        t(lang, "評価不能", "Not evaluated"),
    );
    for e in &entries {
        let mut summary = html_escape(&e.message);
        for note in notes(e, lang) {
            let _ = write!(
                summary,
                r#"<br><span class="note">{}</span>"#,
                html_escape(&note)
            );
        }
        let cells = match &e.outcome {
            Outcome::Checked {
                pattern,
                summary: s,
                score,
                ..
            } => format!(
                r#"<td>{}</td><td class="n">{score:.1}%</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td>"#,
                pattern_name(*pattern, lang),
                s.violated,
                s.upcoming,
                s.could_not_evaluate
            ),
            Outcome::Invalid { problems } => {
                let mut cell = format!(
                    r#"<td colspan="5" class="invalid">{}"#,
                    t(lang, "読めないマニフェスト", "invalid manifest")
                );
                for p in problems {
                    let _ = write!(cell, "<br><code>{}</code>", html_escape(p.get(lang)));
                }
                cell.push_str("</td>");
                cell
            }
            Outcome::Removed => format!(
                r#"<td colspan="5">{}</td>"#,
                t(lang, "マニフェストを削除", "manifest removed")
            ),
        };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{summary}</td>{cells}</tr>"#,
            html_escape(day(&e.date)),
            html_escape(&e.short),
            html_escape(&e.author),
        );
    }
    out.push_str("</tbody></table>");
    let _ = write!(
        out,
        "<p class=\"note\">{}</p>",
        t(
            lang,
            "適合率: 該当する規則×対象のうち適合・委託・例外承認の割合。評価不能は適合と扱いません。",
            "Score: share of the applicable checks met, delegated or waived. Checks not evaluated never count as met."
        )
    );
    let _ = write!(
        out,
        "<h2>{} ({})</h2>",
        t(lang, "未解消の違反", "Open violations"),
        tl.open.len(),
    );
    if tl.open.is_empty() {
        if newest_checked(tl) {
            let _ = write!(
                out,
                "<p>{}</p>",
                t(lang, "未解消の違反はありません", "No open violations")
            );
        }
    } else {
        let _ = write!(
            out,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "重大度", "Severity"),
            t(lang, "規則", "Rule"),
            t(lang, "対象", "Entity"),
            t(lang, "内容", "Requirement"),
            t(lang, "持ち込んだコミット", "Introduced by"),
        );
        for b in &tl.open {
            let (short, suffix) = since(b, lang);
            let _ = write!(
                out,
                r#"<tr><td class="sev">{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td><code>{}</code>{} {} {}</td></tr>"#,
                html_escape(b.severity.label().get(lang)),
                html_escape(&b.rule),
                html_escape(&b.entity),
                html_escape(b.title.get(lang)),
                html_escape(&short),
                html_escape(suffix),
                html_escape(day(&b.since_date)),
                html_escape(&b.author)
            );
        }
        out.push_str("</tbody></table>");
        if tl.open.iter().any(|b| b.or_earlier) {
            let _ = write!(
                out,
                r#"<p class="note">{}</p>"#,
                html_escape(t(
                    lang,
                    "「以前」: このクローンで最古のコミットにすでにあった違反です。それより前のコミットで始まった可能性があります。",
                    "\"or earlier\": the violation is already there in the oldest commit of this clone, so it may have begun before it."
                ))
            );
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use kensa_engine::{Pattern, Severity, Summary};
    use kensa_manifest::{Lang, Text};

    use super::{CSV_HEADER, csv, html, text, width};
    use crate::history::{Blame, Entry, Outcome, Timeline};

    fn entry(short: &str, day: &str, outcome: Outcome) -> Entry {
        Entry {
            commit: format!("{short}{}", "0".repeat(40 - short.len())),
            short: short.into(),
            date: format!("{day}T09:00:00+09:00"),
            author: "山田 花子".into(),
            message: "初版".into(),
            path: "clinic.yaml".into(),
            renamed_from: None,
            boundary: false,
            outcome,
        }
    }

    fn checked(pattern: Pattern, violated: usize, score: f64) -> Outcome {
        Outcome::Checked {
            pattern,
            summary: Summary {
                violated,
                upcoming: 1,
                satisfied: 3,
                ..Summary::default()
            },
            score,
            introduced: Vec::new(),
            resolved: Vec::new(),
        }
    }

    /// A shallow clone's timeline: the oldest commit of the clone, a commit whose
    /// manifest does not read (with a comma, quotes and a formula in its fields), a
    /// rename, and two open violations, one older than the clone.
    fn timeline() -> Timeline {
        let mut oldest = entry("a916d32", "2026-01-05", checked(Pattern::III, 12, 50.0));
        oldest.boundary = true;
        oldest.path = "old/clinic.yaml".into();
        let mut broken = entry(
            "7bb1316",
            "2026-04-01",
            Outcome::Invalid {
                problems: vec![
                    Text::new(
                        "clinic.yaml:5:9: `3` は `institution.type` に使えない値です",
                        "clinic.yaml:5:9: `3` is not a valid value for `institution.type`, \"clinic\" expected",
                    ),
                    Text::new("二つ目", "second"),
                ],
            },
        );
        broken.author = "Doe, \"J\"".into();
        broken.message = "=SUM(A1) <b>&</b>".into();
        broken.path = "old/clinic.yaml".into();
        let mut moved = entry("520253f", "2026-06-01", checked(Pattern::IV, 9, 100.0));
        moved.renamed_from = Some("old/clinic.yaml".into());
        moved.message = "Move the manifest".into();
        let blame = |rule: &str, severity, e: &Entry, or_earlier| Blame {
            rule: rule.into(),
            entity: "system/ehr".into(),
            severity,
            title: Text::new(
                "パスワードの使い回しを禁止している",
                "Password reuse is prohibited",
            ),
            since: e.commit.clone(),
            since_short: e.short.clone(),
            since_date: e.date.clone(),
            author: e.author.clone(),
            or_earlier,
        };
        let open = vec![
            blame("CL-2-7", Severity::Critical, &moved, false),
            blame("C-8-5", Severity::High, &oldest, true),
        ];
        Timeline {
            version: crate::history::HISTORY_VERSION.into(),
            path: "clinic.yaml".into(),
            head: moved.commit.clone(),
            as_of: "2026-11-21".into(),
            truncated: true,
            entries: vec![oldest, broken, moved],
            open,
        }
    }

    /// The display column at which `needle` starts in `line`.
    fn column(line: &str, needle: &str) -> usize {
        let at = line
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in {line:?}"));
        width(&line[..at])
    }

    /// The display column at which `needle` ends in `line`.
    fn column_end(line: &str, needle: &str) -> usize {
        column(line, needle) + width(needle)
    }

    #[test]
    fn japanese_columns_line_up_by_display_width() {
        let out = text(&timeline(), Lang::Ja);
        let lines: Vec<&str> = out.lines().collect();
        let header = lines
            .iter()
            .find(|l| l.starts_with("日付"))
            .expect("header");
        let row = |short: &str| {
            *lines
                .iter()
                .find(|l| l.contains(short) && !l.contains('←'))
                .expect("row")
        };
        let (first, broken, moved) = (row("a916d32"), row("7bb1316"), row("520253f"));
        // Padding by characters would put each column further left in the header
        // than in the rows (日付 is two characters, four columns).
        for (r, short, numeral) in [(first, "a916d32", "Ⅲ"), (moved, "520253f", "Ⅳ")] {
            assert_eq!(column(header, "コミット"), column(r, short));
            assert_eq!(column(header, "パターン"), column(r, numeral));
            assert_eq!(column_end(header, "適合率"), column_end(r, "%"));
            assert_eq!(column(header, "作成者"), column(r, "山田"));
        }
        assert_eq!(column_end(header, "違反"), column_end(first, "12"));
        assert_eq!(column_end(header, "違反"), column_end(moved, " 9"));
        // A commit that does not read spans the counts; its author lines up too.
        assert_eq!(
            column(header, "パターン"),
            column(broken, "読めないマニフェスト")
        );
        assert_eq!(column(header, "作成者"), column(broken, "Doe"));
        // Its problem is shown under it, from the pattern column.
        let problem = lines
            .iter()
            .find(|l| l.contains("institution.type"))
            .expect("problem line");
        assert_eq!(
            column(header, "パターン"),
            column(problem, "clinic.yaml:5:9")
        );
        // Japanese output writes the pattern as the guideline does, not as ASCII.
        assert!(!out.contains("III"), "{out}");
        for line in &lines {
            assert_eq!(line.trim_end(), *line, "trailing spaces: {line:?}");
        }
    }

    #[test]
    fn headers_are_words_and_counts_are_plural_or_singular() {
        let en = text(&timeline(), Lang::En);
        let header = en.lines().find(|l| l.starts_with("date")).expect("header");
        for word in [
            "commit",
            "pattern",
            "score",
            "violated",
            "upcoming",
            "not evaluated",
        ] {
            assert!(header.contains(word), "{header}");
        }
        assert!(width(header) <= 100, "{header}");
        assert!(
            en.starts_with(
                "history of clinic.yaml — 2 commits changed it since the oldest commit in this clone (judged on 2026-11-21)\n"
            ),
            "{en}"
        );
        assert!(en.contains(" III "), "English keeps the pattern code: {en}");
        let ja = text(&timeline(), Lang::Ja);
        assert!(
            ja.starts_with(
                "clinic.yaml の履歴 — このクローンで最古のコミット以降に変更したコミット 2 件 (判定日 2026-11-21)\n"
            ),
            "{ja}"
        );
        assert!(ja.contains("シャロークローン"), "{ja}");
        assert!(!ja.contains("浅い"), "{ja}");

        let mut one = timeline();
        one.entries.truncate(1);
        one.entries[0].boundary = false;
        one.truncated = false;
        assert!(text(&one, Lang::En).contains(" — 1 commit changed it ("));
        assert!(text(&one, Lang::Ja).contains(" — 変更したコミット 1 件 ("));
    }

    #[test]
    fn renames_the_oldest_commit_and_older_violations_are_marked() {
        let ja = text(&timeline(), Lang::Ja);
        assert!(
            ja.contains("Move the manifest (old/clinic.yaml から名前変更)"),
            "{ja}"
        );
        assert!(ja.contains("初版 (このクローンで最古のコミット)"), "{ja}");
        assert!(
            ja.contains("[重大] CL-2-7 system/ehr  ← 520253f (2026-06-01 山田 花子)"),
            "{ja}"
        );
        assert!(
            ja.contains("[高] C-8-5 system/ehr  ← a916d32 以前 (2026-01-05 山田 花子)"),
            "{ja}"
        );
        assert!(
            ja.contains("      パスワードの使い回しを禁止している\n"),
            "{ja}"
        );
        let en = text(&timeline(), Lang::En);
        assert!(
            en.contains("Move the manifest (renamed from old/clinic.yaml)"),
            "{en}"
        );
        assert!(en.contains("(the oldest commit in this clone)"), "{en}");
        assert!(
            en.contains("[critical] CL-2-7 system/ehr  ← 520253f (2026-06-01"),
            "{en}"
        );
        assert!(
            en.contains("[high] C-8-5 system/ehr  ← a916d32 or earlier (2026-01-05"),
            "{en}"
        );

        let rows: Vec<Vec<String>> = records(&csv(&timeline(), Lang::En));
        let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).expect("column");
        assert_eq!(rows[1][col("boundary")], "true");
        assert_eq!(rows[1][col("renamed_from")], "");
        assert_eq!(rows[3][col("boundary")], "false");
        assert_eq!(rows[3][col("renamed_from")], "old/clinic.yaml");

        let page = html(&timeline(), Lang::Ja);
        assert!(page.contains("old/clinic.yaml から名前変更"), "{page}");
        assert!(page.contains("このクローンで最古のコミット"), "{page}");
        assert!(
            page.contains("<code>a916d32</code> 以前 2026-01-05"),
            "{page}"
        );
        assert!(
            page.contains(r#"<td class="sev">重大</td>"#)
                && page.contains(r#"<td class="sev">高</td>"#),
            "{page}"
        );
    }

    /// Records of an RFC 4180 CSV (quoted fields may hold commas, doubled quotes and
    /// line breaks), without the byte-order mark.
    fn records(text: &str) -> Vec<Vec<String>> {
        let text = text.strip_prefix('\u{feff}').expect("byte-order mark");
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') if field.is_empty() => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'), "CRLF");
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => {
                    assert!(c != '\n' && c != '"', "bare {c:?} outside quotes");
                    field.push(c);
                }
            }
        }
        assert!(
            !quoted && field.is_empty() && row.is_empty(),
            "the last line ends"
        );
        rows
    }

    #[test]
    fn csv_has_a_problem_column_and_the_same_columns_on_every_line() {
        for lang in [Lang::Ja, Lang::En] {
            let rows = records(&csv(&timeline(), lang));
            assert_eq!(rows.len(), 4);
            for row in &rows {
                assert_eq!(row.len(), CSV_HEADER.len(), "{row:?}");
            }
            assert_eq!(rows[0], CSV_HEADER.map(String::from).to_vec());
            let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).expect("column");
            let broken = &rows[2];
            assert_eq!(broken[col("outcome")], "invalid");
            assert_eq!(
                broken[col("score")],
                "",
                "the score column holds scores only"
            );
            assert!(broken[col("problem")].starts_with("clinic.yaml:5:9: `3`"));
            assert!(
                broken[col("problem")].contains('\n'),
                "every problem, one a line"
            );
            assert_eq!(rows[1][col("problem")], "");
            assert_eq!(rows[1][col("score")], "50.0");
            assert_eq!(rows[1][col("pattern")], "III");
            // Quoting round-trips; a formula is defused.
            assert_eq!(broken[col("author")], "Doe, \"J\"");
            assert_eq!(broken[col("message")], "'=SUM(A1) <b>&</b>");
        }
        let en = csv(&timeline(), Lang::En);
        assert!(en.contains(",\"Doe, \"\"J\"\"\","), "{en}");
        assert!(en.contains("\"\"clinic\"\" expected"), "{en}");
    }

    #[test]
    fn html_shows_counts_problems_and_severities_escaped_in_one_file() {
        let page = html(&timeline(), Lang::En);
        assert!(
            page.contains(r#"<td class="n">1</td>"#),
            "the upcoming count: {page}"
        );
        assert!(page.contains("Upcoming"), "{page}");
        assert!(
            page.contains("<code>clinic.yaml:5:9: `3` is not a valid value for `institution.type`, &quot;clinic&quot; expected</code>"),
            "{page}"
        );
        assert!(page.contains("=SUM(A1) &lt;b&gt;&amp;&lt;/b&gt;"), "{page}");
        assert!(page.contains("Doe, &quot;J&quot;"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
        assert!(
            page.contains(r#"<td class="sev">critical</td>"#)
                && page.contains(r#"<td class="sev">high</td>"#),
            "{page}"
        );
        assert!(
            page.contains("<code>a916d32</code> or earlier 2026-01-05"),
            "{page}"
        );
        assert!(page.contains("<td>III</td>"), "{page}");
        assert!(page.contains("shallow clone"), "{page}");
        for external in ["<script", "<link", "src=", "url(", "@import"] {
            assert!(!page.contains(external), "{external}");
        }
        let ja = html(&timeline(), Lang::Ja);
        assert!(
            ja.contains("<td>Ⅲ</td>") && ja.contains("<td>Ⅳ</td>"),
            "{ja}"
        );
        assert!(!ja.contains(">III<"), "{ja}");
        assert!(ja.contains("期限前") && ja.contains("評価不能"), "{ja}");
        assert!(
            ja.contains("`3` は `institution.type` に使えない値です"),
            "{ja}"
        );
    }
}
