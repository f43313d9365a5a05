//! The responsibility split for people: the matrix (requirements × parties, does /
//! accountable) and the gaps, as text, Markdown and CSV; and a vendor's view over a
//! portfolio.

use crate::t;
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use kensa_engine::Pattern;
use kensa_engine::report::Location;
use kensa_engine::split::{Assignment, Gap, PartyInfo, Row, Split};
use kensa_manifest::Lang;
use serde::{Deserialize, Serialize};

use crate::markdown::{code, esc};

/// Version of the vendor-portfolio format.
pub const VENDOR_PORTFOLIO_VERSION: &str = "kensa.vendor-portfolio/v1";

/// Keeps the rows a party does or answers for (`party`: a party id such as
/// `vendor:acme`, or a bare id matched against any kind), and the rows of entities of a
/// system; gaps follow their rows (gaps without a row, such as an unknown requirement in a
/// contract, stay when they name the party or no filter by system is given).
#[must_use]
pub fn filter(mut s: Split, party: Option<&str>, system: Option<&str>) -> Split {
    let matches_party = |id: &str| {
        party.is_none_or(|p| id == p || id.split_once(':').is_some_and(|(_, rest)| rest == p))
    };
    let keep_row = |r: &Row| {
        system.is_none_or(|sys| r.systems.iter().any(|x| x == sys))
            && (party.is_none()
                || r.does
                    .iter()
                    .chain(&r.accountable)
                    .any(|a| matches_party(&a.party)))
    };
    let kept: std::collections::BTreeSet<(String, String)> = s
        .rows
        .iter()
        .filter(|r| keep_row(r))
        .map(|r| (r.rule.clone(), r.entity.clone()))
        .collect();
    s.rows
        .retain(|r| kept.contains(&(r.rule.clone(), r.entity.clone())));
    let keep_gap = |g: &Gap| {
        let in_rows = match (&g.rule, &g.entity) {
            (Some(r), Some(e)) => kept.contains(&(r.clone(), e.clone())),
            _ => false,
        };
        let names_party = g
            .party
            .as_deref()
            .is_some_and(|p| p.split(", ").any(matches_party));
        if party.is_none() && system.is_none() {
            return true;
        }
        if party.is_some() && names_party {
            return system.is_none() || in_rows;
        }
        in_rows && (party.is_none() || g.kind == "unassigned" || names_party)
    };
    s.gaps.retain(|g| keep_gap(g));
    // The split policies: those the remaining rows and gaps still cite.
    let cited: std::collections::BTreeSet<&str> = s
        .rows
        .iter()
        .flat_map(|r| r.does.iter().chain(&r.accountable))
        .flat_map(|a| a.basis.iter().map(String::as_str))
        .chain(s.gaps.iter().filter_map(|g| g.policy.as_deref()))
        .collect();
    let bases = s
        .bases
        .iter()
        .filter(|b| cited.contains(b.id.as_str()))
        .cloned()
        .collect();
    s.bases = bases;
    s
}

/// What one vendor has undertaken at one institution, and the gaps its contracts leave.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VendorSite {
    /// The institution's manifest, relative to the portfolio folder.
    pub path: String,
    /// The institution.
    pub institution: String,
    /// Its name.
    pub institution_name: String,
    /// The rows the vendor does.
    pub rows: Vec<Row>,
    /// Gaps that name the vendor, and the pairs nobody does.
    pub gaps: Vec<Gap>,
}

impl VendorSite {
    /// The vendor's part of a split; `None` when the institution does not name the vendor.
    /// The vendor counts as itself and, where it runs a line, as its carrier
    /// (`carrier:<id>`).
    #[must_use]
    pub fn of(path: &str, s: Split, vendor: &str) -> Option<VendorSite> {
        let ids = vendor_ids(vendor);
        if !s.parties.iter().any(|p| ids.contains(&p.id)) {
            return None;
        }
        let rows = s
            .rows
            .into_iter()
            .filter(|r| r.does.iter().any(|a| ids.contains(&a.party)))
            .collect();
        let gaps = s
            .gaps
            .into_iter()
            .filter(|g| g.kind == "unassigned" || names_vendor(g, &ids))
            .collect();
        Some(VendorSite {
            path: path.to_string(),
            institution: s.institution,
            institution_name: s.institution_name,
            rows,
            gaps,
        })
    }
}

/// A vendor's view over a portfolio.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VendorPortfolio {
    /// Format version.
    pub version: String,
    /// The vendor (`vendors[].id`).
    pub vendor: String,
    /// The date it was judged on.
    pub as_of: NaiveDate,
    /// The portfolio folder, as given.
    pub root: String,
    /// The institutions that name the vendor.
    pub sites: Vec<VendorSite>,
}

// ---------------------------------------------------------------------------------------
// Rendering for people.

/// Widest column label of the text matrix, in terminal columns.
const LABEL_MAX: usize = 10;

/// Above this many rows, the Markdown matrix is folded (gaps and summary come first).
pub const MARKDOWN_FOLD_ROWS: usize = 60;

/// The gap kinds in the order they are shown; kinds a custom policy adds come after them.
const GAP_ORDER: [&str; 6] = [
    "unassigned",
    "overlap",
    "not_delegable",
    "no_disclosure",
    "unknown_requirement",
    "could_not_evaluate",
];

/// Terminal columns of a character: East Asian wide and fullwidth characters take two,
/// combining marks and controls none, anything else one (ambiguous-width characters such
/// as ● and … count as one, as most terminals draw them).
fn char_width(c: char) -> usize {
    let u = u32::from(c);
    if c.is_control()
        || matches!(
            u,
            0x0300..=0x036F | 0x200B..=0x200F | 0x20D0..=0x20FF | 0x3099..=0x309A | 0xFE00..=0xFE0F
        )
    {
        return 0;
    }
    if matches!(
        u,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD
    ) {
        2
    } else {
        1
    }
}

/// Terminal columns of a string.
fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` followed by spaces up to `w` columns.
fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

/// `s` cut to at most `max` columns, with `…` where it was cut.
fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw + 1 > max {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` centred in `w` columns (a leaning to the left).
fn centre(s: &str, w: usize) -> String {
    let free = w.saturating_sub(width(s));
    let left = free / 2;
    let mut out = " ".repeat(left);
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', free - left));
    out
}

/// Pushes a line, without trailing spaces.
fn line(out: &mut String, s: &str) {
    out.push_str(s.trim_end());
    out.push('\n');
}

/// The short label of the institution and its roles.
fn role_label(id: &str, lang: Lang) -> Option<&'static str> {
    Some(match id {
        "institution" => t(lang, "機関", "inst"),
        "role:executive" => t(lang, "経営", "exec"),
        "role:security_manager" => t(lang, "安全", "sec"),
        "role:planning_manager" => t(lang, "企画", "plan"),
        "role:system_operator" => t(lang, "運用", "ops"),
        _ => return None,
    })
}

/// A party as a column of the matrix.
struct Column<'a> {
    /// `PartyInfo::id`.
    id: &'a str,
    /// The short label.
    label: String,
    /// The party, when the split lists it.
    info: Option<&'a PartyInfo>,
}

/// The parties that do or answer for at least one row, in the split's order of parties,
/// with unique labels of at most `max` columns.
fn columns(s: &Split, lang: Lang, max: usize) -> Vec<Column<'_>> {
    let used: BTreeSet<&str> = s
        .rows
        .iter()
        .flat_map(|r| r.does.iter().chain(&r.accountable))
        .map(|a| a.party.as_str())
        .collect();
    let mut ids: Vec<(&str, Option<&PartyInfo>)> = s
        .parties
        .iter()
        .filter(|p| used.contains(p.id.as_str()))
        .map(|p| (p.id.as_str(), Some(p)))
        .collect();
    // A party no entry of `parties` describes (a custom policy's): after the others.
    for id in &used {
        if !s.parties.iter().any(|p| p.id == *id) {
            ids.push((id, None));
        }
    }
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for (id, info) in ids {
        let base = role_label(id, lang).map_or_else(
            || match id.split_once(':') {
                Some(("subcontractor", rest)) => {
                    rest.split_once('/').map_or(rest, |(_, n)| n).to_string()
                }
                Some((_, rest)) => rest.to_string(),
                None => id.to_string(),
            },
            str::to_string,
        );
        let mut label = truncate(&base, max);
        if taken.contains(&label) && id.starts_with("carrier:") {
            label = truncate(&format!("{}{base}", t(lang, "回線:", "line:")), max);
        }
        let mut n = 2;
        while taken.contains(&label) {
            let suffix = format!("#{n}");
            label = format!(
                "{}{suffix}",
                truncate(&base, max.saturating_sub(suffix.len()))
            );
            n += 1;
        }
        taken.insert(label.clone());
        out.push(Column { id, label, info });
    }
    out
}

/// ● does, ◎ does and answers for, ○ answers for only.
fn mark(row: &Row, party: &str) -> &'static str {
    let does = row.does.iter().any(|a| a.party == party);
    let answers = row.accountable.iter().any(|a| a.party == party);
    match (does, answers) {
        (true, true) => "◎",
        (true, false) => "●",
        (false, true) => "○",
        (false, false) => "",
    }
}

/// The legend of the marks.
fn legend(lang: Lang) -> &'static str {
    t(
        lang,
        "● 実施する  ◎ 実施し、説明責任も負う  ○ 説明責任のみ負う",
        "● does it  ◎ does it and answers for it  ○ answers for it only",
    )
}

/// A gap kind for people.
fn gap_label(kind: &str, lang: Lang) -> &str {
    match kind {
        "unassigned" => t(lang, "実施者なし", "unassigned"),
        "overlap" => t(lang, "重複", "overlap"),
        "not_delegable" => t(lang, "委託できない事項", "not delegable"),
        "no_disclosure" => t(lang, "MDS/SDS 未受領", "no MDS/SDS"),
        "unknown_requirement" => t(lang, "不明な要求事項", "unknown requirement"),
        "could_not_evaluate" => t(lang, "評価不能", "could not evaluate"),
        "warning" => t(lang, "注意", "warning"),
        other => other,
    }
}

/// Gaps grouped by kind: the known kinds in their order, then the others by name.
fn gaps_by_kind(gaps: &[Gap]) -> Vec<(&str, Vec<&Gap>)> {
    let mut groups: BTreeMap<(usize, &str), Vec<&Gap>> = BTreeMap::new();
    for g in gaps {
        let rank = GAP_ORDER
            .iter()
            .position(|k| *k == g.kind)
            .unwrap_or(GAP_ORDER.len());
        groups.entry((rank, g.kind.as_str())).or_default().push(g);
    }
    groups.into_iter().map(|((_, k), v)| (k, v)).collect()
}

/// `overlap 3 · no MDS/SDS 7`.
fn gap_counts(gaps: &[Gap], lang: Lang) -> String {
    gaps_by_kind(gaps)
        .iter()
        .map(|(k, v)| format!("{} {}", gap_label(k, lang), v.len()))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The gap kinds of each (rule, entity) pair.
fn row_gaps(gaps: &[Gap]) -> BTreeMap<(&str, &str), Vec<&str>> {
    let mut out: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for g in gaps_by_kind(gaps).into_iter().flat_map(|(_, v)| v) {
        if let (Some(r), Some(e)) = (&g.rule, &g.entity) {
            let kinds = out.entry((r.as_str(), e.as_str())).or_default();
            if !kinds.contains(&g.kind.as_str()) {
                kinds.push(&g.kind);
            }
        }
    }
    out
}

/// `file:line:column`.
fn place(loc: Option<&Location>) -> Option<String> {
    loc.map(|l| format!("{}:{}:{}", l.file, l.line, l.column))
}

/// The status of a row for people (`-` for a line item, which `kensa check` does not judge).
fn status_label(row: &Row, lang: Lang) -> String {
    row.status
        .map_or_else(|| "-".to_string(), |s| s.label().get(lang).to_string())
}

/// The pattern for people: the numeral in Japanese, the ASCII name in English, then what
/// it means.
fn pattern_label(p: Pattern, lang: Lang) -> String {
    let name = match lang {
        Lang::Ja => p.numeral(),
        Lang::En => p.code(),
    };
    format!("{name} ({})", p.describe().get(lang))
}

/// Rows grouped by requirement (the rows are sorted by rule).
fn by_rule(rows: &[Row]) -> Vec<&[Row]> {
    rows.chunk_by(|a, b| a.rule == b.rule).collect()
}

/// What a party is, for the legend: its name, and who holds a role or whom a
/// subcontractor works under.
fn party_name(c: &Column<'_>, lang: Lang) -> String {
    let Some(p) = c.info else {
        return String::new();
    };
    let name = p.name.get(lang);
    match p.kind.as_str() {
        "role" if p.detail.is_empty() => {
            format!("{name} ({})", t(lang, "担当者なし", "nobody holds it"))
        }
        "role" => format!(
            "{name} ({}{})",
            t(lang, "担当: ", "held by "),
            p.detail.join(", ")
        ),
        "subcontractor" if !p.detail.is_empty() => match lang {
            Lang::Ja => format!("{name} ({} の再委託先)", p.detail.join(", ")),
            Lang::En => format!("{name} (subcontractor of {})", p.detail.join(", ")),
        },
        _ => name.to_string(),
    }
}

/// Rows per party, in the order of the columns: those it does (`accountable` false) or
/// answers for (true).
fn counts(s: &Split, cols: &[Column<'_>], accountable: bool) -> Vec<(String, usize)> {
    cols.iter()
        .map(|c| {
            let n = s
                .rows
                .iter()
                .filter(|r| {
                    let list = if accountable { &r.accountable } else { &r.does };
                    list.iter().any(|a| a.party == c.id)
                })
                .count();
            (c.label.clone(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn join_counts(counts: &[(String, usize)], lang: Lang) -> String {
    if counts.is_empty() {
        return t(lang, "なし", "none").to_string();
    }
    counts
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Number of rows and requirements: `160 行 (要求事項 85 件)`.
fn rows_phrase(rows: usize, rules: usize, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{rows} 行 (要求事項 {rules} 件)"),
        Lang::En => format!(
            "{rows} row{} ({rules} requirement{})",
            if rows == 1 { "" } else { "s" },
            if rules == 1 { "" } else { "s" }
        ),
    }
}

/// Number of gaps and their kinds: `10 件 (重複 3 · MDS/SDS 未受領 7)`.
fn gaps_phrase(gaps: &[Gap], lang: Lang) -> String {
    if gaps.is_empty() {
        return t(lang, "なし", "none").to_string();
    }
    match lang {
        Lang::Ja => format!("{} 件 ({})", gaps.len(), gap_counts(gaps, lang)),
        Lang::En => format!("{} ({})", gaps.len(), gap_counts(gaps, lang)),
    }
}

/// Aligned `label  value` lines, indented by two.
fn key_values(out: &mut String, pairs: &[(&str, String)]) {
    let w = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    for (k, v) in pairs {
        line(out, &format!("  {}  {v}", pad(k, w)));
    }
}

/// The gaps, grouped by kind, each with its place and message.
fn text_gaps(out: &mut String, gaps: &[Gap], lang: Lang, indent: &str) {
    for (kind, group) in gaps_by_kind(gaps) {
        let label = gap_label(kind, lang);
        let name = if label == kind {
            label.to_string()
        } else {
            format!("{label} [{kind}]")
        };
        let head = match lang {
            Lang::Ja => format!("{name} {} 件", group.len()),
            Lang::En => format!("{name}: {}", group.len()),
        };
        line(out, &format!("{indent}{head}"));
        for g in group {
            let mut first: Vec<String> = Vec::new();
            first.extend(place(g.location.as_ref()));
            first.extend(g.rule.clone());
            first.extend(g.entity.clone());
            if let Some(p) = &g.party {
                first.push(format!("[{p}]"));
            }
            line(out, &format!("{indent}  {}", first.join("  ")));
            line(out, &format!("{indent}    {}", g.message.get(lang)));
        }
    }
}

/// The split as a responsibility chart for a terminal: a header and a summary, the legend,
/// the matrix (requirements × parties), the split policies it rests on, and the gaps.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn text(s: &Split, lang: Lang) -> String {
    let mut out = String::new();
    let cols = columns(s, lang, LABEL_MAX);
    let full = columns(s, lang, usize::MAX);
    let groups = by_rule(&s.rows);

    line(
        &mut out,
        &format!(
            "{} — {} ({})",
            t(lang, "責任分界表", "Responsibility split"),
            s.institution_name,
            s.institution
        ),
    );
    key_values(
        &mut out,
        &[
            (t(lang, "マニフェスト", "manifest"), s.manifest.clone()),
            (
                t(lang, "参照パターン", "pattern"),
                pattern_label(s.pattern, lang),
            ),
            (t(lang, "判定日", "as of"), s.as_of.to_string()),
        ],
    );
    out.push('\n');

    line(&mut out, t(lang, "概要", "Summary"));
    key_values(
        &mut out,
        &[
            (
                t(lang, "件数", "size"),
                rows_phrase(s.rows.len(), groups.len(), lang),
            ),
            (
                t(lang, "実施", "done by"),
                join_counts(&counts(s, &full, false), lang),
            ),
            (
                t(lang, "説明責任", "answered for by"),
                join_counts(&counts(s, &full, true), lang),
            ),
            (t(lang, "ギャップ", "gaps"), gaps_phrase(&s.gaps, lang)),
        ],
    );
    out.push('\n');

    line(&mut out, t(lang, "凡例", "Legend"));
    line(&mut out, &format!("  {}", legend(lang)));
    let lw = cols.iter().map(|c| width(&c.label)).max().unwrap_or(0);
    let iw = cols.iter().map(|c| width(c.id)).max().unwrap_or(0);
    for c in &cols {
        line(
            &mut out,
            &format!(
                "  {}  {}  {}",
                pad(&c.label, lw),
                pad(c.id, iw),
                party_name(c, lang)
            ),
        );
    }
    out.push('\n');

    line(
        &mut out,
        t(
            lang,
            "責任分界表 (要求事項 × 当事者)",
            "Matrix (requirements × parties)",
        ),
    );
    if s.rows.is_empty() {
        line(
            &mut out,
            &format!("  {}", t(lang, "該当する行はありません", "no rows")),
        );
    } else {
        let head = t(lang, "要求事項 / 対象", "requirement / entity");
        let first_w = s
            .rows
            .iter()
            .map(|r| 4 + width(&r.entity))
            .chain([2 + width(head)])
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = cols.iter().map(|c| width(&c.label).max(1)).collect();
        let status_head = t(lang, "状態", "status");
        let mut h = pad(&format!("  {head}"), first_w);
        for (c, w) in cols.iter().zip(&widths) {
            h.push_str("  ");
            h.push_str(&pad(&c.label, *w));
        }
        h.push_str("  ");
        h.push_str(status_head);
        let rule_w = width(&h);
        line(&mut out, &h);
        line(
            &mut out,
            &format!("  {}", "-".repeat(rule_w.saturating_sub(2))),
        );
        let flagged = row_gaps(&s.gaps);
        for group in &groups {
            let Some(first) = group.first() else { continue };
            line(
                &mut out,
                &format!("  {}  {}", first.rule, first.title.get(lang)),
            );
            for r in *group {
                let mut l = pad(&format!("    {}", r.entity), first_w);
                for (c, w) in cols.iter().zip(&widths) {
                    l.push_str("  ");
                    l.push_str(&centre(mark(r, c.id), *w));
                }
                l.push_str("  ");
                l.push_str(&status_label(r, lang));
                if let Some(kinds) = flagged.get(&(r.rule.as_str(), r.entity.as_str())) {
                    let names: Vec<&str> = kinds.iter().map(|k| gap_label(k, lang)).collect();
                    l.push_str(&format!("  ⚠ {}", names.join(", ")));
                }
                line(&mut out, &l);
            }
        }
    }
    out.push('\n');

    line(
        &mut out,
        t(lang, "根拠 (責任分界ポリシー)", "Basis (split policies)"),
    );
    if s.bases.is_empty() {
        line(&mut out, &format!("  {}", t(lang, "なし", "none")));
    }
    let bw = s.bases.iter().map(|b| width(&b.id)).max().unwrap_or(0);
    for b in &s.bases {
        let custom = if b.builtin {
            ""
        } else {
            t(lang, " (独自ポリシー)", " (custom policy)")
        };
        line(
            &mut out,
            &format!("  {}  {}{custom}", pad(&b.id, bw), b.title.get(lang)),
        );
        if !b.source.is_empty() {
            line(
                &mut out,
                &format!(
                    "  {}  {}{}",
                    pad("", bw),
                    t(lang, "出典: ", "source: "),
                    b.source
                ),
            );
        }
    }
    out.push('\n');

    if s.gaps.is_empty() {
        line(
            &mut out,
            &format!(
                "{}: {}",
                t(lang, "ギャップ", "Gaps"),
                t(lang, "ありません", "none")
            ),
        );
    } else {
        line(
            &mut out,
            &match lang {
                Lang::Ja => format!("ギャップ {} 件", s.gaps.len()),
                Lang::En => format!("Gaps: {}", s.gaps.len()),
            },
        );
        text_gaps(&mut out, &s.gaps, lang, "  ");
    }
    out
}

/// A Markdown table row.
fn md_row(out: &mut String, cells: &[String]) {
    out.push_str("| ");
    out.push_str(&cells.join(" | "));
    out.push_str(" |\n");
}

/// The gaps as a Markdown table: kind, requirement, entity, party, place, message.
fn md_gaps(out: &mut String, gaps: &[Gap], lang: Lang) {
    md_row(
        out,
        &[
            t(lang, "種類", "kind").into(),
            t(lang, "要求事項", "requirement").into(),
            t(lang, "対象", "entity").into(),
            t(lang, "当事者", "party").into(),
            t(lang, "場所", "place").into(),
            t(lang, "内容", "message").into(),
        ],
    );
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for (kind, group) in gaps_by_kind(gaps) {
        for g in group {
            md_row(
                out,
                &[
                    esc(gap_label(kind, lang)),
                    g.rule.as_deref().map(code).unwrap_or_default(),
                    g.entity.as_deref().map(code).unwrap_or_default(),
                    g.party
                        .as_deref()
                        .map(|p| p.split(", ").map(code).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default(),
                    place(g.location.as_ref())
                        .as_deref()
                        .map(code)
                        .unwrap_or_default(),
                    esc(g.message.get(lang)),
                ],
            );
        }
    }
}

/// Opens a fold when a table is long.
fn fold_open(out: &mut String, fold: bool, summary: &str) {
    if fold {
        out.push_str(&format!("<details><summary>{}</summary>\n\n", esc(summary)));
    }
}

fn fold_close(out: &mut String, fold: bool) {
    if fold {
        out.push_str("\n</details>\n");
    }
}

/// The split as Markdown: the summary and the parties, the gaps, the matrix (folded when
/// long), and the split policies it rests on.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn markdown(s: &Split, lang: Lang) -> String {
    let mut out = String::new();
    let cols = columns(s, lang, usize::MAX);
    let groups = by_rule(&s.rows);

    out.push_str(&format!(
        "## {}: {}\n\n",
        t(lang, "責任分界表", "Responsibility split"),
        esc(&s.institution_name)
    ));
    out.push_str(&format!(
        "{} · {} {} · {} {} · {}\n\n",
        code(&s.institution),
        t(lang, "参照パターン", "pattern"),
        esc(&pattern_label(s.pattern, lang)),
        t(lang, "判定日", "as of"),
        s.as_of,
        code(&s.manifest)
    ));
    let verdict = if s.gaps.is_empty() {
        format!("✅ **{}**", t(lang, "ギャップなし", "No gaps"))
    } else {
        format!(
            "⚠️ **{}** ({})",
            match lang {
                Lang::Ja => format!("ギャップ {} 件", s.gaps.len()),
                Lang::En => format!(
                    "{} gap{}",
                    s.gaps.len(),
                    if s.gaps.len() == 1 { "" } else { "s" }
                ),
            },
            esc(&gap_counts(&s.gaps, lang))
        )
    };
    out.push_str(&format!(
        "{verdict} · {}\n\n",
        rows_phrase(s.rows.len(), groups.len(), lang)
    ));

    out.push_str(&format!("### {}\n\n", t(lang, "当事者", "Parties")));
    if cols.is_empty() {
        out.push_str(t(lang, "該当する行はありません。\n\n", "No rows.\n\n"));
    } else {
        md_row(
            &mut out,
            &[
                t(lang, "列", "column").into(),
                t(lang, "当事者", "party").into(),
                t(lang, "名称", "name").into(),
                t(lang, "実施", "does").into(),
                t(lang, "説明責任", "answers for").into(),
            ],
        );
        out.push_str("| --- | --- | --- | ---: | ---: |\n");
        for c in &cols {
            let does = s
                .rows
                .iter()
                .filter(|r| r.does.iter().any(|a| a.party == c.id))
                .count();
            let answers = s
                .rows
                .iter()
                .filter(|r| r.accountable.iter().any(|a| a.party == c.id))
                .count();
            md_row(
                &mut out,
                &[
                    esc(&c.label),
                    code(c.id),
                    esc(&party_name(c, lang)),
                    does.to_string(),
                    answers.to_string(),
                ],
            );
        }
        out.push('\n');
    }

    out.push_str(&format!("### {}\n\n", t(lang, "ギャップ", "Gaps")));
    if s.gaps.is_empty() {
        out.push_str(t(
            lang,
            "ありません。どの行にも実施する当事者が一つ決まっています。\n\n",
            "None: every row has one party that does it.\n\n",
        ));
    } else {
        md_gaps(&mut out, &s.gaps, lang);
        out.push('\n');
    }

    out.push_str(&format!("### {}\n\n", t(lang, "責任分界表", "Matrix")));
    if !s.rows.is_empty() {
        out.push_str(&format!("{}\n\n", legend(lang)));
        let fold = s.rows.len() > MARKDOWN_FOLD_ROWS;
        fold_open(
            &mut out,
            fold,
            &rows_phrase(s.rows.len(), groups.len(), lang),
        );
        let mut head = vec![
            t(lang, "要求事項", "requirement").to_string(),
            t(lang, "対象", "entity").to_string(),
        ];
        head.extend(cols.iter().map(|c| esc(&c.label)));
        head.push(t(lang, "状態", "status").to_string());
        md_row(&mut out, &head);
        let mut sep = vec!["---".to_string(), "---".to_string()];
        sep.extend(cols.iter().map(|_| ":-:".to_string()));
        sep.push("---".to_string());
        md_row(&mut out, &sep);
        let flagged = row_gaps(&s.gaps);
        for group in &groups {
            for (i, r) in group.iter().enumerate() {
                let mut cells = vec![
                    if i == 0 {
                        format!("{} {}", code(&r.rule), esc(r.title.get(lang)))
                    } else {
                        String::new()
                    },
                    code(&r.entity),
                ];
                cells.extend(cols.iter().map(|c| mark(r, c.id).to_string()));
                let mut status = esc(&status_label(r, lang));
                if let Some(kinds) = flagged.get(&(r.rule.as_str(), r.entity.as_str())) {
                    let names: Vec<String> =
                        kinds.iter().map(|k| esc(gap_label(k, lang))).collect();
                    status.push_str(&format!(" ⚠️ {}", names.join(", ")));
                }
                cells.push(status);
                md_row(&mut out, &cells);
            }
        }
        fold_close(&mut out, fold);
        out.push('\n');
    } else {
        out.push_str(t(lang, "該当する行はありません。\n\n", "No rows.\n\n"));
    }

    out.push_str(&format!(
        "### {}\n\n",
        t(lang, "根拠 (責任分界ポリシー)", "Basis (split policies)")
    ));
    if s.bases.is_empty() {
        out.push_str(t(lang, "なし。\n", "None.\n"));
    }
    for b in &s.bases {
        let custom = if b.builtin {
            ""
        } else {
            t(lang, " (独自ポリシー)", " (custom policy)")
        };
        out.push_str(&format!(
            "- {} {}{custom}",
            code(&b.id),
            esc(b.title.get(lang))
        ));
        if !b.source.is_empty() {
            out.push_str(&format!(
                " — {}{}",
                t(lang, "出典: ", "source: "),
                esc(&b.source)
            ));
        }
        out.push('\n');
    }
    out
}

/// A CSV field (RFC 4180), with a leading `'` on text a spreadsheet would run as a formula.
pub(crate) fn csv_field(s: &str) -> String {
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

/// A CSV record, CRLF-terminated.
pub(crate) fn csv_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    let cells: Vec<String> = fields.iter().map(|f| csv_field(f.as_ref())).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// The split policies behind a party's share of a row, each once.
fn basis_of(row: &Row, party: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in row.does.iter().chain(&row.accountable) {
        if a.party == party {
            for b in &a.basis {
                if !out.contains(b) {
                    out.push(b.clone());
                }
            }
        }
    }
    out
}

/// The split as CSV for a spreadsheet: one record per (requirement, entity, party), with
/// whether the party does it and whether it answers for it. UTF-8 with a byte-order mark,
/// so that Excel reads the Japanese; the gaps are not in it (see the text, Markdown or JSON).
#[must_use]
pub fn csv(s: &Split, lang: Lang) -> String {
    let mut out = String::from('\u{feff}');
    csv_record(
        &mut out,
        &[
            "rule",
            "title",
            "entity",
            "systems",
            "pattern",
            "status",
            "party",
            "party_kind",
            "party_name",
            "does",
            "accountable",
            "basis",
        ],
    );
    let cols = columns(s, lang, usize::MAX);
    for r in &s.rows {
        let common = [
            r.rule.clone(),
            r.title.get(lang).to_string(),
            r.entity.clone(),
            r.systems.join(";"),
            r.pattern.code().to_string(),
            r.status.map(|x| x.name().to_string()).unwrap_or_default(),
        ];
        let mut any = false;
        for c in &cols {
            let does = r.does.iter().any(|a| a.party == c.id);
            let answers = r.accountable.iter().any(|a| a.party == c.id);
            if !does && !answers {
                continue;
            }
            any = true;
            let mut fields = common.to_vec();
            fields.extend([
                c.id.to_string(),
                c.info.map(|p| p.kind.clone()).unwrap_or_default(),
                c.info
                    .map(|p| p.name.get(lang).to_string())
                    .unwrap_or_default(),
                does.to_string(),
                answers.to_string(),
                basis_of(r, c.id).join(";"),
            ]);
            csv_record(&mut out, &fields);
        }
        if !any {
            // A row nobody does or answers for keeps a record, with no party.
            let mut fields = common.to_vec();
            fields.extend(["", "", "", "false", "false", ""].map(str::to_string));
            csv_record(&mut out, &fields);
        }
    }
    out
}

/// The party ids a vendor can appear as.
fn vendor_ids(vendor: &str) -> [String; 2] {
    [format!("vendor:{vendor}"), format!("carrier:{vendor}")]
}

/// The vendor's assignments in a row: (party id, basis).
fn vendor_share<'r>(row: &'r Row, ids: &[String]) -> Vec<&'r Assignment> {
    row.does.iter().filter(|a| ids.contains(&a.party)).collect()
}

/// Whether a gap names one of the vendor's ids.
fn names_vendor(g: &Gap, ids: &[String]) -> bool {
    g.party
        .as_deref()
        .is_some_and(|p| p.split(", ").any(|x| ids.iter().any(|i| i == x)))
}

/// The rules among a site's rows.
fn rule_count(rows: &[Row]) -> usize {
    by_rule(rows).len()
}

/// The basis of the vendor's share of a row (each id through `id`), noting when it does
/// it as the carrier.
fn vendor_basis(row: &Row, ids: &[String], lang: Lang, id: fn(&str) -> String) -> String {
    vendor_share(row, ids)
        .iter()
        .map(|a| {
            let basis = a.basis.iter().map(|b| id(b)).collect::<Vec<_>>().join(", ");
            if a.party.starts_with("carrier:") {
                format!(
                    "{basis} ({})",
                    t(lang, "回線事業者として", "as the carrier")
                )
            } else {
                basis
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The gaps of a site that name the vendor, and the pairs there nobody does.
fn site_gaps(s: &VendorSite, ids: &[String]) -> (Vec<Gap>, Vec<Gap>) {
    let named = s
        .gaps
        .iter()
        .filter(|g| names_vendor(g, ids))
        .cloned()
        .collect();
    let open = s
        .gaps
        .iter()
        .filter(|g| g.kind == "unassigned" && !names_vendor(g, ids))
        .cloned()
        .collect();
    (named, open)
}

/// One site's summary line: what the vendor does there, its gaps, what nobody does.
fn site_summary(s: &VendorSite, named: usize, open: usize, lang: Lang, dots: bool) -> String {
    let rows = rows_phrase(s.rows.len(), rule_count(&s.rows), lang);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match lang {
        Lang::Ja => {
            let sep = if dots { " · " } else { "、" };
            format!(
                "実施 {rows}{sep}この事業者に関わるギャップ {named} 件{sep}実施者のいない事項 {open} 件"
            )
        }
        Lang::En => {
            let sep = if dots { " · " } else { "; " };
            format!(
                "does {rows}{sep}{named} gap{} naming the vendor{sep}{open} pair{} nobody does",
                plural(named),
                plural(open)
            )
        }
    }
}

/// A vendor's view over a portfolio, for a terminal: a line per institution, then per
/// institution what the vendor does (requirement, entity, status, basis), the gaps that
/// name it and the pairs nobody does there.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn vendor_text(p: &VendorPortfolio, lang: Lang) -> String {
    let mut out = String::new();
    let ids = vendor_ids(&p.vendor);
    line(
        &mut out,
        &match lang {
            Lang::Ja => format!("事業者 {} の責任分界 — ポートフォリオ", p.vendor),
            Lang::En => format!("Responsibility split of vendor {} — portfolio", p.vendor),
        },
    );
    let rows: usize = p.sites.iter().map(|s| s.rows.len()).sum();
    let named: usize = p
        .sites
        .iter()
        .map(|s| s.gaps.iter().filter(|g| names_vendor(g, &ids)).count())
        .sum();
    let open: usize = p
        .sites
        .iter()
        .map(|s| s.gaps.iter().filter(|g| g.kind == "unassigned").count())
        .sum();
    key_values(
        &mut out,
        &[
            (t(lang, "フォルダ", "folder"), p.root.clone()),
            (t(lang, "判定日", "as of"), p.as_of.to_string()),
            (
                t(lang, "機関", "institutions"),
                match lang {
                    Lang::Ja => format!(
                        "{} (実施 {rows} 行、この事業者に関わるギャップ {named} 件、実施者のいない事項 {open} 件)",
                        p.sites.len()
                    ),
                    Lang::En => format!(
                        "{} ({rows} rows done, {named} gaps naming the vendor, {open} pairs nobody does)",
                        p.sites.len()
                    ),
                },
            ),
        ],
    );
    out.push('\n');
    if p.sites.is_empty() {
        line(
            &mut out,
            t(
                lang,
                "この事業者を記載している機関はありません",
                "no institution names this vendor",
            ),
        );
        return out;
    }

    // One line per site.
    let heads = [
        t(lang, "機関", "institution"),
        t(lang, "実施", "done"),
        t(lang, "ギャップ", "gaps"),
        t(lang, "実施者なし", "unassigned"),
    ];
    let names: Vec<String> = p
        .sites
        .iter()
        .map(|s| format!("{} ({})", s.institution_name, s.path))
        .collect();
    let nw = names
        .iter()
        .map(|n| width(n))
        .chain([width(heads[0])])
        .max()
        .unwrap_or(0);
    let cw: Vec<usize> = heads[1..].iter().map(|h| width(h).max(4)).collect();
    let mut h = format!("  {}", pad(heads[0], nw));
    for (head, w) in heads[1..].iter().zip(&cw) {
        h.push_str(&format!("  {}", pad(head, *w)));
    }
    line(&mut out, &h);
    for (s, name) in p.sites.iter().zip(&names) {
        let counts = [
            s.rows.len(),
            s.gaps.iter().filter(|g| names_vendor(g, &ids)).count(),
            s.gaps.iter().filter(|g| g.kind == "unassigned").count(),
        ];
        let mut l = format!("  {}", pad(name, nw));
        for (n, w) in counts.iter().zip(&cw) {
            let n = n.to_string();
            l.push_str(&format!("  {}{n}", " ".repeat(w.saturating_sub(n.len()))));
        }
        line(&mut out, &l);
    }

    for s in &p.sites {
        out.push('\n');
        line(
            &mut out,
            &format!("{} ({}) — {}", s.institution_name, s.institution, s.path),
        );
        let (named, open) = site_gaps(s, &ids);
        line(
            &mut out,
            &format!(
                "  {}",
                site_summary(s, named.len(), open.len(), lang, false)
            ),
        );
        line(
            &mut out,
            &format!("  {}", t(lang, "実施している事項", "What it does")),
        );
        if s.rows.is_empty() {
            line(&mut out, &format!("    {}", t(lang, "なし", "nothing")));
        }
        let ew = s.rows.iter().map(|r| width(&r.entity)).max().unwrap_or(0);
        let sw = s
            .rows
            .iter()
            .map(|r| width(&status_label(r, lang)))
            .max()
            .unwrap_or(0);
        let flagged = row_gaps(&named);
        for group in by_rule(&s.rows) {
            let Some(first) = group.first() else { continue };
            line(
                &mut out,
                &format!("    {}  {}", first.rule, first.title.get(lang)),
            );
            for r in group {
                let mut l = format!(
                    "      {}  {}  {}",
                    pad(&r.entity, ew),
                    pad(&status_label(r, lang), sw),
                    vendor_basis(r, &ids, lang, str::to_string)
                );
                if let Some(kinds) = flagged.get(&(r.rule.as_str(), r.entity.as_str())) {
                    let names: Vec<&str> = kinds.iter().map(|k| gap_label(k, lang)).collect();
                    l.push_str(&format!("  ⚠ {}", names.join(", ")));
                }
                line(&mut out, &l);
            }
        }
        if !named.is_empty() {
            line(
                &mut out,
                &format!(
                    "  {}",
                    t(lang, "この事業者に関わるギャップ", "Gaps naming the vendor")
                ),
            );
            text_gaps(&mut out, &named, lang, "    ");
        }
        if !open.is_empty() {
            line(
                &mut out,
                &format!(
                    "  {}",
                    t(
                        lang,
                        "実施者のいない事項 (契約で引き受けられるもの)",
                        "Pairs nobody does (a contract could take them on)"
                    )
                ),
            );
            text_gaps(&mut out, &open, lang, "    ");
        }
    }
    out
}

/// A vendor's view over a portfolio, as Markdown: a table of institutions, then per
/// institution the gaps and what the vendor does.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn vendor_markdown(p: &VendorPortfolio, lang: Lang) -> String {
    let mut out = String::new();
    let ids = vendor_ids(&p.vendor);
    out.push_str(&match lang {
        Lang::Ja => format!("## 事業者 {} の責任分界\n\n", code(&p.vendor)),
        Lang::En => format!("## Responsibility split of vendor {}\n\n", code(&p.vendor)),
    });
    out.push_str(&format!(
        "{} {} · {} {} · {}\n\n",
        t(lang, "ポートフォリオ", "Portfolio"),
        code(&p.root),
        t(lang, "判定日", "as of"),
        p.as_of,
        match lang {
            Lang::Ja => format!("{} 機関", p.sites.len()),
            Lang::En => format!(
                "{} institution{}",
                p.sites.len(),
                if p.sites.len() == 1 { "" } else { "s" }
            ),
        }
    ));
    if p.sites.is_empty() {
        out.push_str(t(
            lang,
            "この事業者を記載している機関はありません。\n",
            "No institution names this vendor.\n",
        ));
        return out;
    }
    md_row(
        &mut out,
        &[
            t(lang, "機関", "institution").into(),
            t(lang, "マニフェスト", "manifest").into(),
            t(lang, "実施", "done").into(),
            t(lang, "ギャップ", "gaps").into(),
            t(lang, "実施者なし", "unassigned").into(),
        ],
    );
    out.push_str("| --- | --- | ---: | ---: | ---: |\n");
    for s in &p.sites {
        md_row(
            &mut out,
            &[
                format!("{} ({})", esc(&s.institution_name), code(&s.institution)),
                code(&s.path),
                s.rows.len().to_string(),
                s.gaps
                    .iter()
                    .filter(|g| names_vendor(g, &ids))
                    .count()
                    .to_string(),
                s.gaps
                    .iter()
                    .filter(|g| g.kind == "unassigned")
                    .count()
                    .to_string(),
            ],
        );
    }
    for s in &p.sites {
        out.push_str(&format!(
            "\n### {} ({})\n\n",
            esc(&s.institution_name),
            code(&s.institution)
        ));
        let (named, open) = site_gaps(s, &ids);
        out.push_str(&format!(
            "{} · {}\n\n",
            code(&s.path),
            site_summary(s, named.len(), open.len(), lang, true)
        ));
        if !named.is_empty() {
            out.push_str(&format!(
                "**{}**\n\n",
                t(lang, "この事業者に関わるギャップ", "Gaps naming the vendor")
            ));
            md_gaps(&mut out, &named, lang);
            out.push('\n');
        }
        if !open.is_empty() {
            out.push_str(&format!(
                "**{}**\n\n",
                t(
                    lang,
                    "実施者のいない事項 (契約で引き受けられるもの)",
                    "Pairs nobody does (a contract could take them on)"
                )
            ));
            md_gaps(&mut out, &open, lang);
            out.push('\n');
        }
        out.push_str(&format!(
            "**{}**\n\n",
            t(lang, "実施している事項", "What it does")
        ));
        if s.rows.is_empty() {
            out.push_str(t(lang, "なし。\n", "Nothing.\n"));
            continue;
        }
        let fold = s.rows.len() > MARKDOWN_FOLD_ROWS;
        fold_open(
            &mut out,
            fold,
            &rows_phrase(s.rows.len(), rule_count(&s.rows), lang),
        );
        md_row(
            &mut out,
            &[
                t(lang, "要求事項", "requirement").into(),
                t(lang, "対象", "entity").into(),
                t(lang, "状態", "status").into(),
                t(lang, "根拠", "basis").into(),
            ],
        );
        out.push_str("| --- | --- | --- | --- |\n");
        let flagged = row_gaps(&named);
        for group in by_rule(&s.rows) {
            for (i, r) in group.iter().enumerate() {
                let mut status = esc(&status_label(r, lang));
                if let Some(kinds) = flagged.get(&(r.rule.as_str(), r.entity.as_str())) {
                    let names: Vec<String> =
                        kinds.iter().map(|k| esc(gap_label(k, lang))).collect();
                    status.push_str(&format!(" ⚠️ {}", names.join(", ")));
                }
                md_row(
                    &mut out,
                    &[
                        if i == 0 {
                            format!("{} {}", code(&r.rule), esc(r.title.get(lang)))
                        } else {
                            String::new()
                        },
                        code(&r.entity),
                        status,
                        vendor_basis(r, &ids, lang, code),
                    ],
                );
            }
        }
        fold_close(&mut out, fold);
    }
    out
}

/// A vendor's view over a portfolio as CSV: one record per (institution, requirement,
/// entity) the vendor does, with the gap kinds that name it on that pair. UTF-8 with a
/// byte-order mark.
#[must_use]
pub fn vendor_csv(p: &VendorPortfolio, lang: Lang) -> String {
    let mut out = String::from('\u{feff}');
    csv_record(
        &mut out,
        &[
            "site",
            "institution",
            "institution_name",
            "rule",
            "title",
            "entity",
            "systems",
            "pattern",
            "status",
            "party",
            "basis",
            "gaps",
        ],
    );
    let ids = vendor_ids(&p.vendor);
    for s in &p.sites {
        let mut flagged: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for g in s.gaps.iter().filter(|g| names_vendor(g, &ids)) {
            if let (Some(r), Some(e)) = (&g.rule, &g.entity) {
                let kinds = flagged.entry((r.as_str(), e.as_str())).or_default();
                if !kinds.contains(&g.kind.as_str()) {
                    kinds.push(&g.kind);
                }
            }
        }
        for r in &s.rows {
            let share = vendor_share(r, &ids);
            let parties: Vec<&str> = share.iter().map(|a| a.party.as_str()).collect();
            let mut basis: Vec<&str> = Vec::new();
            for b in share.iter().flat_map(|a| &a.basis) {
                if !basis.contains(&b.as_str()) {
                    basis.push(b);
                }
            }
            csv_record(
                &mut out,
                &[
                    s.path.clone(),
                    s.institution.clone(),
                    s.institution_name.clone(),
                    r.rule.clone(),
                    r.title.get(lang).to_string(),
                    r.entity.clone(),
                    r.systems.join(";"),
                    r.pattern.code().to_string(),
                    r.status.map(|x| x.name().to_string()).unwrap_or_default(),
                    parties.join(";"),
                    basis.join(";"),
                    flagged
                        .get(&(r.rule.as_str(), r.entity.as_str()))
                        .map(|k| k.join(";"))
                        .unwrap_or_default(),
                ],
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use kensa_manifest::Text;

    use super::*;

    fn party(id: &str, kind: &str, name: &str) -> PartyInfo {
        PartyInfo {
            id: id.into(),
            kind: kind.into(),
            name: Text::new(name, name),
            detail: Vec::new(),
            location: None,
        }
    }

    fn assign(party: &str, basis: &str) -> Assignment {
        Assignment {
            party: party.into(),
            basis: vec![basis.into()],
        }
    }

    fn split() -> Split {
        let row = |rule: &str, does: Vec<Assignment>, accountable: Vec<Assignment>| Row {
            rule: rule.into(),
            title: Arc::new(Text::new(
                "回線の障害, 対応",
                "Line failures, \"demarcation\"",
            )),
            entity: "connection/line".into(),
            systems: vec!["ehr".into(), "pacs".into()],
            pattern: Pattern::IV,
            status: None,
            location: None,
            does,
            accountable,
        };
        Split {
            version: kensa_engine::split::SPLIT_VERSION.into(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
            manifest: "m.yaml".into(),
            institution: "x".into(),
            institution_name: "=機関".into(),
            pattern: Pattern::IV,
            parties: vec![
                party("institution", "institution", "=機関"),
                party("vendor:hinode-tsushin", "vendor", "ひので通信"),
                party("carrier:hinode-tsushin", "carrier", "ひので通信"),
            ],
            rows: vec![
                row(
                    "A-1",
                    vec![assign("institution", "split.a")],
                    vec![assign("institution", "split.b")],
                ),
                row(
                    "LINE-FAILURE",
                    vec![assign("carrier:hinode-tsushin", "split.c")],
                    vec![assign("institution", "split.b")],
                ),
            ],
            gaps: Vec::new(),
            bases: Vec::new(),
        }
    }

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("要求事項 / 対象"), 15);
        assert_eq!(width("ｱ"), 1);
        assert_eq!(width("ＡＢ"), 4);
        assert_eq!(pad("機関", 6), "機関  ");
        assert_eq!(truncate("north-dental-imaging", 10), "north-den…");
        assert_eq!(truncate("医療情報システム", 7), "医療情…");
        assert_eq!(width(&truncate("医療情報システム", 7)), 7);
    }

    #[test]
    fn a_vendor_and_its_carrier_get_distinct_labels() {
        let s = split();
        let labels: Vec<String> = columns(&s, Lang::En, LABEL_MAX)
            .into_iter()
            .map(|c| c.label)
            .collect();
        // The vendor does nothing here, so it is no column.
        assert_eq!(labels, ["inst", "hinode-ts…"]);
        let mut s = split();
        s.rows[0]
            .does
            .push(assign("vendor:hinode-tsushin", "split.c"));
        let labels: Vec<String> = columns(&s, Lang::Ja, LABEL_MAX)
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert_eq!(labels, ["機関", "hinode-ts…", "回線:hino…"]);
    }

    #[test]
    fn marks_say_who_does_and_who_answers() {
        let s = split();
        assert_eq!(mark(&s.rows[0], "institution"), "◎");
        assert_eq!(mark(&s.rows[1], "institution"), "○");
        assert_eq!(mark(&s.rows[1], "carrier:hinode-tsushin"), "●");
        assert_eq!(mark(&s.rows[1], "vendor:hinode-tsushin"), "");
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let out = csv(&split(), Lang::En);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert!(lines[0].starts_with("\u{feff}rule,title,"));
        assert_eq!(
            lines[1],
            "A-1,\"Line failures, \"\"demarcation\"\"\",connection/line,ehr;pacs,IV,,\
             institution,institution,'=機関,true,true,split.a;split.b"
        );
        assert_eq!(lines.len(), 5, "header, 3 records, and the empty end");
        assert_eq!(lines[4], "");
    }

    #[test]
    fn markdown_escapes_table_cells() {
        assert_eq!(esc("a|b <c>"), "a\\|b &lt;c&gt;");
        assert_eq!(code("x|y"), "`x\\|y`");
    }
}
