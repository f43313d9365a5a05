//! The gap analysis as one self-contained HTML page: a consultant's deliverable that a
//! director can be briefed from, on screen or printed on A4.
//!
//! The page has a cover (its own first page when printed), an executive summary with
//! charts drawn as inline SVG, the MHLW checklist filled in, the prioritised gaps, the
//! responsibility matrix, the exceptions, the documents on file and an appendix of every
//! rule evaluated. Nothing is fetched: no fonts, style sheets, images or scripts; the only
//! outside addresses are the links to the rules' public sources. Every text from the
//! manifest or the catalogue is escaped. The output depends only on the analysis (and so
//! only on the date judged on, not on the clock).

use crate::t;
use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use kensa_engine::report::{Status, Summary};
use kensa_engine::{Severity, Volume};
use kensa_manifest::{Lang, Text};

use super::{Answer, GapItem, GapReport, MatrixRow, Score, edition_name};

/// Appends formatted text to a `String` (which cannot fail).
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Gaps shown in the executive summary's list of priorities.
const TOP_PRIORITIES: usize = 5;

/// Exceptions expiring within this many days are flagged.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// The page.
#[must_use]
pub fn render(gap: &GapReport, lang: Lang) -> String {
    let mut out = String::with_capacity(256 * 1024);
    head(&mut out, gap, lang);
    out.push_str("<body>\n<div class=\"doc\">\n");
    cover(&mut out, gap, lang);
    summary(&mut out, gap, lang);
    checklist(&mut out, gap, lang);
    gaps(&mut out, gap, lang);
    matrix(&mut out, gap, lang);
    exceptions(&mut out, gap, lang);
    evidence(&mut out, gap, lang);
    appendix(&mut out, gap, lang);
    colophon(&mut out, gap, lang);
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

/// Escapes text for HTML content and quoted attribute values.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a double-quoted CSS string inside a `<style>` element: quotes and
/// backslashes, line breaks and other control characters, and `<` and `>` so that no
/// text can close the element.
fn css_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '<' | '>' | '&' => w!(out, "\\{:x} ", u32::from(c)),
            c if c.is_control() => w!(out, "\\{:x} ", u32::from(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A link to a public source; any other address (`javascript:`, a relative path, an
/// empty one) is shown as text only.
fn link(url: &str, text: &str) -> String {
    let lower = url.trim_start().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(url.trim_start()),
            escape(text)
        )
    } else {
        escape(text)
    }
}

/// A date as written in running text.
fn plain_date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Lang::En => d.format("%-d %B %Y").to_string(),
    }
}

/// A date as written on the cover: in Japanese, with its 令和 year too.
fn long_date(d: NaiveDate, lang: Lang) -> String {
    let plain = plain_date(d, lang);
    // 令和 began on 2019-05-01.
    if lang == Lang::En || d < NaiveDate::from_ymd_opt(2019, 5, 1).unwrap_or(d) {
        return plain;
    }
    let year = match d.year() - 2018 {
        1 => "元".to_owned(),
        y => y.to_string(),
    };
    format!("{plain} (令和{year}年{}月{}日)", d.month(), d.day())
}

/// Text as a sentence: its first letter in capitals (English texts of the model start in
/// lower case, to be used inside a sentence too).
fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The reference pattern as the guideline writes it.
fn pattern_label(gap: &GapReport, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("パターン{}", gap.cover.pattern.numeral()),
        Lang::En => format!("Pattern {}", gap.cover.pattern.code()),
    }
}

/// Names joined as a list, escaped.
fn names(list: &[Text], lang: Lang) -> String {
    let parts: Vec<String> = list.iter().map(|n| escape(n.get(lang))).collect();
    parts.join(t(lang, "、", ", "))
}

/// A number followed by a counter word in Japanese (件, 項目) or nothing in English.
fn count(n: usize, lang: Lang, unit: &'static str) -> String {
    match lang {
        Lang::Ja => format!("{n} {unit}"),
        Lang::En => n.to_string(),
    }
}

/// How a score reads: good (90 % and over), fair (70 % and over) or poor.
fn grade(score: f64) -> &'static str {
    if score >= 90.0 {
        "good"
    } else if score >= 70.0 {
        "fair"
    } else {
        "poor"
    }
}

fn severity_class(s: Severity) -> &'static str {
    s.name()
}

fn answer_class(a: Answer) -> &'static str {
    match a {
        Answer::Yes => "yes",
        Answer::No => "no",
        Answer::NotApplicable => "na",
        Answer::Unknown => "unknown",
    }
}

fn status_class(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Satisfied) => "st-ok",
        Some(Status::Delegated) => "st-delegated",
        Some(Status::Waived) => "st-waived",
        Some(Status::Violated) => "st-violated",
        Some(Status::Upcoming) => "st-upcoming",
        Some(Status::CouldNotEvaluate) => "st-unknown",
        Some(Status::NotApplicable) | None => "st-none",
    }
}

// ------------------------------------------------------------------------------------
// The head and the style sheet.

const STYLE: &str = r#"
:root{
  --ink:#1b2430;--muted:#566273;--faint:#8b95a3;--line:#dfe3e9;--rule:#c9d0d9;--soft:#f5f7fa;
  --navy:#13294b;--navy2:#1f4a86;--gold:#b08d45;
  --ok:#157347;--ok-bg:#e6f4ec;--ng:#b42318;--ng-bg:#fdeeed;--warn:#b45309;--warn-bg:#fff4e2;
  --na:#6b7280;--na-bg:#eef0f3;--crit:#7a1616;--high:#c2410c;--med:#a16207;--low:#64748b;
}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:#e6eaf0;color:var(--ink);
  font-family:"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",sans-serif;
  font-size:14px;line-height:1.7;line-break:strict;overflow-wrap:break-word;
  font-variant-numeric:tabular-nums;-webkit-font-smoothing:antialiased}
h1,h2,h3,.kpi-value,.pattern-name{font-feature-settings:"palt";letter-spacing:.02em}
a{color:var(--navy2);text-decoration:none;border-bottom:1px solid #c5d3e8}
a:hover{border-bottom-color:var(--navy2)}
code,.mono{font-family:ui-monospace,"SFMono-Regular","Menlo","Consolas","Noto Sans Mono CJK JP",monospace;font-size:.86em;overflow-wrap:anywhere}
.doc{max-width:1120px;margin:28px auto;background:#fff;
  box-shadow:0 1px 2px rgba(16,24,40,.08),0 10px 30px rgba(16,24,40,.10)}
section{padding:44px 64px 36px}
section+section{border-top:1px solid var(--line)}
h2{font-size:24px;line-height:1.35;margin:0 0 6px;color:var(--navy);display:flex;align-items:baseline;gap:14px}
h2 .num{font-size:13px;font-weight:700;color:#fff;background:var(--navy);border-radius:3px;
  padding:2px 9px;letter-spacing:.06em;position:relative;top:-3px}
h3{font-size:15px;margin:28px 0 10px;color:var(--navy);padding-left:10px;border-left:4px solid var(--gold);line-height:1.4}
.intro{color:var(--muted);margin:0 0 22px;max-width:60em}
.empty{color:var(--muted);background:var(--soft);border:1px dashed var(--rule);padding:14px 18px;border-radius:6px}

/* Cover */
.cover-top{background:var(--navy);color:#fff;padding:40px 64px 38px;border-bottom:5px solid var(--gold)}
.brand{display:flex;justify-content:space-between;font-size:12px;letter-spacing:.12em;color:#c8d3e6;margin-bottom:40px}
.brand b{color:#fff;letter-spacing:.18em}
.doc-type{margin:0;font-size:15px;color:#e6cf97;letter-spacing:.14em;font-weight:600}
.cover h1{margin:8px 0 14px;font-size:42px;line-height:1.25;font-weight:700}
.cover-lead{margin:0;max-width:46em;color:#dbe3f0;font-size:14px}
.cover-date{margin:22px 0 0;font-size:16px;font-weight:600}
.cover-date span{font-weight:400;color:#c8d3e6;font-size:13px;margin-right:12px}
.cover{border-bottom:1px solid var(--line)}
.cover-body{padding:34px 64px 38px;display:grid;grid-template-columns:1.15fr 1fr;gap:28px 48px}
.pattern{grid-column:1/-1;display:flex;gap:24px;align-items:center;padding:20px 24px;
  background:var(--soft);border:1px solid var(--line);border-radius:8px}
.pattern-numeral{flex:0 0 auto;width:84px;height:84px;display:flex;align-items:center;justify-content:center;
  background:#fff;border:2px solid var(--navy);border-radius:8px;color:var(--navy);font-size:46px;font-weight:700;line-height:1}
.pattern .k{margin:0;font-size:12px;color:var(--muted);letter-spacing:.08em}
.pattern-name{margin:2px 0 4px;font-size:19px;font-weight:700;color:var(--navy);line-height:1.45}
.pattern-expl{margin:0;color:var(--muted);font-size:13.5px}
.facts{margin:0;display:grid;grid-template-columns:auto 1fr;gap:0;align-content:start;border-top:2px solid var(--navy)}
.facts dt,.facts dd{margin:0;padding:8px 0;border-bottom:1px solid var(--line);font-size:13.5px}
.facts dt{color:var(--muted);padding-right:22px;white-space:nowrap}
.facts dd{font-weight:600}
.facts dd small{font-weight:400;color:var(--muted)}
.cover-side h2{font-size:13px;color:var(--muted);margin:0 0 6px;letter-spacing:.08em;display:block}
.sources{margin:0 0 22px;padding:0;list-style:none;border-top:2px solid var(--navy)}
.sources li{padding:8px 0 8px 18px;border-bottom:1px solid var(--line);font-size:12.5px;line-height:1.55;position:relative}
.sources li::before{content:"";position:absolute;left:2px;top:15px;width:6px;height:6px;background:var(--gold);border-radius:1px}
.toc{margin:0;padding:0;list-style:none;columns:2;column-gap:24px;font-size:12.5px}
.toc li{break-inside:avoid;padding:3px 0}
.toc a{display:flex}
.toc a{border:0;color:var(--ink)}
.toc .n{flex:0 0 2.4em;color:var(--gold);font-weight:700}

/* Executive summary */
.keymsg{font-size:15.5px;line-height:1.85;margin:14px 0 26px;padding:16px 22px;background:#f3f6fb;
  border-left:4px solid var(--navy);border-radius:0 6px 6px 0}
.keymsg strong{color:var(--navy)}
.keymsg strong.bad{color:var(--ng)}
.kpis{display:grid;grid-template-columns:1.5fr 1fr 1fr 1fr;gap:14px;margin-bottom:28px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:16px 18px;background:#fff;position:relative;overflow:hidden}
.kpi::before{content:"";position:absolute;left:0;top:0;right:0;height:3px;background:var(--navy)}
.kpi.alert::before{background:var(--ng)}
.kpi-label{font-size:12px;color:var(--muted);letter-spacing:.04em;margin:0 0 4px}
.kpi-value{font-size:32px;font-weight:700;line-height:1.15;color:var(--navy);margin:0}
.kpi-value small{font-size:14px;font-weight:600;color:var(--muted);margin-left:3px}
.kpi-value.bad{color:var(--ng)}
.kpi-sub{font-size:12px;color:var(--muted);margin:6px 0 0;line-height:1.5}
.kpi-score{display:flex;gap:16px;align-items:center}
.kpi-score svg{flex:0 0 auto}
.pill{display:inline-block;font-size:11.5px;font-weight:600;padding:0 7px;border-radius:10px;line-height:1.65;white-space:nowrap}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:20px 36px;margin-bottom:8px}
figure{margin:0}
figcaption{font-size:13.5px;font-weight:700;color:var(--navy);margin:0 0 10px;padding-bottom:6px;border-bottom:1px solid var(--rule)}
.bars{display:grid;grid-template-columns:minmax(0,1fr) 120px 88px;align-items:center;gap:7px 12px;font-size:12.5px}
.bars .lbl{line-height:1.35}
.bars svg{width:120px;height:14px;display:block}
.bars .val{text-align:right;font-weight:700;white-space:nowrap}
.bars .val small{font-weight:400;color:var(--muted);margin-left:4px;font-size:11px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:10px 0 0;font-size:11.5px;color:var(--muted)}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.g-good{fill:var(--ok);background:var(--ok)}.g-fair{fill:#d08a0a;background:#d08a0a}.g-poor{fill:var(--ng);background:var(--ng)}
.track{fill:#edf0f4}.tick{stroke:rgba(255,255,255,.55);stroke-width:1}
.breakdown svg{width:100%;height:22px;display:block;border-radius:3px}
.s-met{fill:var(--ok);background:var(--ok)}.s-delegated{fill:#3f7fbf;background:#3f7fbf}.s-waived{fill:#8c6bb1;background:#8c6bb1}
.s-upcoming{fill:#e0a030;background:#e0a030}.s-violated{fill:var(--ng);background:var(--ng)}.s-unknown{fill:#6b7280;background:#6b7280}
.sev-bars{grid-template-columns:64px minmax(0,1fr) 40px}
.sev-bars svg{width:100%}
.sev-critical{fill:var(--crit);background:var(--crit)}.sev-high{fill:var(--high);background:var(--high)}
.sev-medium{fill:#d4a017;background:#d4a017}.sev-low{fill:var(--low);background:var(--low)}
.top{margin:0;padding:0;list-style:none;counter-reset:top}
.top li{display:grid;grid-template-columns:32px auto 1fr auto;gap:10px;align-items:baseline;padding:8px 0;border-bottom:1px solid var(--line);font-size:13px}
.top .p{font-weight:700;color:var(--navy)}
.top .d{color:var(--muted);font-size:12px;white-space:nowrap}
.top .e{display:block;color:var(--muted);font-size:11.5px}

/* Badges */
.sev{display:inline-block;min-width:3.2em;text-align:center;font-size:11.5px;font-weight:700;padding:1px 7px;border-radius:3px;color:#fff;white-space:nowrap}
.sev.critical{background:var(--crit)}.sev.high{background:var(--high)}.sev.medium{background:#b8860b}.sev.low{background:var(--low)}
.ans{display:inline-block;min-width:4.6em;text-align:center;font-size:12.5px;font-weight:700;padding:2px 8px;border-radius:4px;white-space:nowrap}
.ans.yes{color:var(--ok);background:var(--ok-bg);border:1px solid #b7dec8}
.ans.no{color:#fff;background:var(--ng);border:1px solid var(--ng)}
.ans.na{color:var(--na);background:var(--na-bg);border:1px solid #d6dae0}
.ans.unknown{color:var(--warn);background:var(--warn-bg);border:1px solid #f2cf95}
.chip{display:inline-block;font-size:11px;padding:0 6px;border-radius:3px;border:1px solid;white-space:nowrap;margin-left:6px;vertical-align:1px}
.chip.st-upcoming{color:var(--warn);border-color:#f2cf95;background:var(--warn-bg)}
.chip.st-unknown{color:var(--na);border-color:#d6dae0;background:var(--na-bg)}
.tally{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 16px}
.tally span{font-size:12.5px;padding:3px 10px;border-radius:14px;background:var(--soft);border:1px solid var(--line)}
.tally b{margin-left:6px}

/* Tables */
table{width:100%;border-collapse:collapse;font-size:12.5px;line-height:1.6;table-layout:fixed}
thead th{background:var(--navy);color:#fff;font-weight:600;text-align:left;padding:7px 10px;font-size:12px;letter-spacing:.03em;vertical-align:bottom}
td{padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
.matrix td{padding:6px 10px}
.matrix td[rowspan]{border-right:1px solid var(--line)}
tbody tr.group th{background:#eef2f8;color:var(--navy);text-align:left;font-size:12.5px;padding:7px 10px;border-bottom:1px solid var(--rule);border-top:1px solid var(--rule)}
tbody tr.group th small{font-weight:400;color:var(--muted);margin-left:10px}
td.n,th.n{text-align:right;white-space:nowrap}
td.c,th.c{text-align:center}
td.nw{white-space:nowrap}
td .sub{display:block;color:var(--muted);font-size:11.5px;margin-top:3px}
td .open{display:block;color:var(--ng);font-size:11px;margin-top:4px}
tr.cl-row.no td{background:#fff6f5}
tr.cl-row.no td:first-child{box-shadow:inset 4px 0 0 var(--ng)}
tr.cl-row.unknown td:first-child{box-shadow:inset 4px 0 0 #e0a030}
tr.cl-row td.num{font-weight:700;color:var(--navy);white-space:nowrap}
.target{font-weight:600;color:var(--ng)}
.gaps td.prio{font-weight:700;font-size:15px;color:var(--navy);text-align:center}
.gaps tr.critical td:first-child{box-shadow:inset 4px 0 0 var(--crit)}
.gaps tr.high td:first-child{box-shadow:inset 4px 0 0 var(--high)}
.gaps tr.medium td:first-child{box-shadow:inset 4px 0 0 #d4a017}
.gaps tr.low td:first-child{box-shadow:inset 4px 0 0 var(--low)}
.gaps .ttl{font-weight:700;display:block;line-height:1.5}
.gaps .fix{display:block;margin-top:4px}
.gaps .where{display:block;margin-top:5px;color:var(--muted);font-size:11.5px}
.rule{font-family:ui-monospace,"SFMono-Regular","Menlo","Consolas",monospace;font-size:11px;color:var(--muted);white-space:nowrap}
.ents{display:flex;flex-wrap:wrap;gap:3px 6px}
.ent{font-size:11px;white-space:nowrap;font-family:ui-monospace,"SFMono-Regular","Menlo","Consolas",monospace}
.ent::before{content:"";display:inline-block;width:7px;height:7px;border-radius:50%;margin-right:4px;vertical-align:1px;background:#c3c9d2}
.ent.st-ok::before{background:var(--ok)}.ent.st-delegated::before{background:#3f7fbf}.ent.st-waived::before{background:#8c6bb1}
.ent.st-violated::before{background:var(--ng)}.ent.st-upcoming::before{background:#e0a030}.ent.st-unknown::before{background:#6b7280}
.ent.st-violated,.ent.st-upcoming{color:var(--ng);font-weight:700}
tr.expired td{background:#fff6f5}
.days{font-weight:700;white-space:nowrap}
.days.expired{color:var(--ng)}.days.soon{color:var(--warn)}
.counts-cell .pill{margin:0 4px 2px 0}
.p-ok{color:var(--ok);background:var(--ok-bg)}.p-ng{color:var(--ng);background:var(--ng-bg)}
.p-warn{color:var(--warn);background:var(--warn-bg)}.p-na{color:var(--na);background:var(--na-bg)}
.p-del{color:#2f6aa6;background:#e8f0fa}.p-wv{color:#6e4f96;background:#f1ecf7}
.colophon{padding:22px 64px 30px;font-size:11.5px;color:var(--muted);border-top:1px solid var(--line);background:var(--soft)}
.colophon p{margin:0 0 4px}

@media screen and (max-width:900px){
  section,.cover-top,.cover-body,.colophon{padding-left:22px;padding-right:22px}
  .cover-body,.charts{grid-template-columns:1fr}
  .kpis{grid-template-columns:1fr 1fr}
}

/* Print: A4, the cover its own page, each major part on a new page. */
@page{size:A4;margin:16mm 14mm 17mm}
@page:first{margin:0}
@media print{
  body{background:#fff;font-size:9.5pt;line-height:1.65}
  .doc{max-width:none;margin:0;box-shadow:none}
  .cover{border-bottom:0;height:296mm;display:flex;flex-direction:column;break-after:page;overflow:hidden}
  .cover-top{flex:0 0 40%;display:flex;flex-direction:column;justify-content:flex-end;padding:20mm 18mm 12mm}
  .brand{margin-bottom:auto}
  .cover h1{font-size:30pt}
  .cover-body{flex:1 1 auto;padding:10mm 18mm 12mm;align-content:start;grid-template-columns:1fr 1fr;gap:7mm 10mm}
  .pattern{padding:4mm 5mm}
  .pattern-numeral{width:20mm;height:20mm;font-size:30pt}
  .pattern-name{font-size:13pt}
  .facts dt,.facts dd{padding:2mm 0;font-size:9pt}
  .sources li{font-size:8.5pt;padding:1.6mm 0 1.6mm 4mm}
  .toc{columns:1;font-size:9pt}
  .toc li{padding:.6mm 0}
  section{padding:0}
  section+section{border-top:0}
  section.major{break-before:page}
  section.minor{margin-top:12mm}
  h2{font-size:17pt}
  h2,h3,figcaption{break-after:avoid}
  .keymsg{margin:2mm 0 4mm;padding:2.5mm 5mm;font-size:9.8pt;line-height:1.75}
  .kpis{grid-template-columns:1.7fr 1fr 1fr 1fr;gap:2.5mm;margin-bottom:5mm}
  .kpi{padding:3mm 3.5mm}
  .kpi-score{gap:3mm}
  .kpi-score svg{width:19mm;height:19mm}
  .kpi-label{font-size:7.5pt;margin-bottom:.5mm}
  .kpi-value{font-size:17pt}
  .kpi-value[style]{font-size:13pt!important}
  .kpi-value small{font-size:8pt}
  .kpi-sub{font-size:7.5pt;margin-top:1mm}
  figcaption{font-size:9.5pt;margin-bottom:2mm}
  .legend{font-size:7.5pt;margin-top:2mm}
  .top li{padding:1.2mm 0;font-size:8.5pt;line-height:1.5}
  h3{margin:5mm 0 2mm;font-size:11pt}
  td{padding:1.6mm 2mm}
  .matrix td{padding:1.2mm 2mm}
  thead th{padding:1.8mm 2mm}
  .tally{margin-bottom:3mm}
  .tally span{font-size:8.5pt;padding:.5mm 2.5mm}
  .ans{font-size:8pt;padding:.3mm 1.5mm}
  .intro{margin-bottom:4mm}
  .charts{grid-template-columns:1fr 1fr;gap:4mm 8mm}
  .bars{grid-template-columns:minmax(0,1fr) 26mm 18mm;font-size:8pt;gap:1.6mm 2.5mm}
  .bars svg{width:26mm;height:3.4mm}
  .sev-bars{grid-template-columns:12mm minmax(0,1fr) 8mm}
  .sev-bars svg{width:100%}
  table{font-size:8.5pt}
  thead{display:table-header-group}
  thead th{font-size:8pt}
  tr,.kpi,figure,.pattern,.top li,.keymsg{break-inside:avoid}
  a{border-bottom:0;color:inherit}
  .colophon{padding:8mm 0 0;background:none;border-top:1px solid var(--line);margin-top:10mm}
}
"#;

fn head(out: &mut String, gap: &GapReport, lang: Lang) {
    let c = &gap.cover;
    let title = format!(
        "{} — {} ({})",
        t(lang, "ギャップ分析報告書", "Gap analysis report"),
        c.institution,
        c.as_of
    );
    w!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"kensa {}\">\n<title>{}</title>\n<style>",
        t(lang, "ja", "en"),
        escape(&c.tool_version),
        escape(&title)
    );
    out.push_str(STYLE);
    // The running header and page numbers of the printed pages (not on the cover).
    let running = format!(
        "{} — {}",
        c.institution,
        t(lang, "ギャップ分析報告書", "Gap analysis report")
    );
    w!(
        out,
        "@page{{@top-left{{content:{};font-size:7.5pt;color:#8b95a3}}\
         @top-right{{content:{};font-size:7.5pt;color:#8b95a3}}\
         @bottom-right{{content:counter(page) \" / \" counter(pages);font-size:7.5pt;color:#8b95a3}}}}\n\
         @page:first{{@top-left{{content:none}}@top-right{{content:none}}@bottom-right{{content:none}}}}\n",
        css_string(&running),
        css_string(&format!("{} {}", t(lang, "確認日", "As of"), c.as_of))
    );
    out.push_str("</style>\n</head>\n");
}

// ------------------------------------------------------------------------------------
// The cover.

/// The parts of the page, for the contents.
fn parts(lang: Lang) -> [(&'static str, &'static str, &'static str); 7] {
    [
        (
            "1",
            "summary",
            t(lang, "エグゼクティブサマリー", "Executive summary"),
        ),
        (
            "2",
            "checklist",
            t(lang, "チェックリスト回答", "The MHLW checklist, answered"),
        ),
        ("3", "gaps", t(lang, "優先対応課題", "Prioritised gaps")),
        (
            "4",
            "matrix",
            t(lang, "責任分担表", "Responsibility matrix"),
        ),
        ("5", "exceptions", t(lang, "例外承認", "Exceptions")),
        (
            "6",
            "evidence",
            t(lang, "文書と証跡", "Documents and evidence"),
        ),
        (
            t(lang, "付録", "A"),
            "appendix",
            t(lang, "評価ルール一覧", "Rules evaluated"),
        ),
    ]
}

fn heading(out: &mut String, lang: Lang, id: &str) {
    if let Some((n, _, name)) = parts(lang).into_iter().find(|(_, i, _)| *i == id) {
        w!(out, "<h2><span class=\"num\">{n}</span>{name}</h2>\n");
    }
}

fn cover(out: &mut String, gap: &GapReport, lang: Lang) {
    let c = &gap.cover;
    let edition = edition_name(&c.edition);
    out.push_str("<header class=\"cover\" id=\"cover\">\n<div class=\"cover-top\">\n");
    w!(
        out,
        "<div class=\"brand\"><span>{}</span><b>KENSA</b></div>\n",
        t(
            lang,
            "医療情報システム 安全管理評価",
            "MEDICAL INFORMATION SYSTEM SECURITY REVIEW"
        )
    );
    w!(
        out,
        "<p class=\"doc-type\">{}</p>\n<h1>{}</h1>\n",
        t(lang, "ギャップ分析報告書", "Gap analysis report"),
        escape(&c.institution)
    );
    match lang {
        Lang::Ja => w!(
            out,
            "<p class=\"cover-lead\">「医療情報システムの安全管理に関するガイドライン」第6.0版 及び \
             「医療機関におけるサイバーセキュリティ対策チェックリスト」({}) に照らした現状評価と、\
             対応すべき課題の優先順位</p>\n",
            escape(&edition.ja)
        ),
        Lang::En => w!(
            out,
            "<p class=\"cover-lead\">Where the institution stands against the MHLW Guidelines for \
             the Security Management of Medical Information Systems (6th edition) and the \
             cyber-security checklist ({}), and what to do first</p>\n",
            escape(&edition.en)
        ),
    }
    w!(
        out,
        "<p class=\"cover-date\"><span>{}</span>{}</p>\n</div>\n",
        t(lang, "確認日", "As of"),
        escape(&long_date(c.as_of, lang))
    );

    out.push_str("<div class=\"cover-body\">\n<div class=\"pattern\">");
    w!(
        out,
        "<div class=\"pattern-numeral\" aria-hidden=\"true\">{}</div><div><p class=\"k\">{}</p>\
         <p class=\"pattern-name\">{}{}{}</p><p class=\"pattern-expl\">{}</p></div></div>\n",
        match lang {
            Lang::Ja => c.pattern.numeral(),
            Lang::En => c.pattern.code(),
        },
        t(
            lang,
            "参照パターン (ガイドライン 第6.0版)",
            "Reference pattern (guideline, 6th edition)"
        ),
        escape(&pattern_label(gap, lang)),
        t(lang, "：", ": "),
        escape(c.pattern_name.get(lang)),
        escape(&sentence(c.pattern_explanation.get(lang)))
    );

    out.push_str("<dl class=\"facts\">\n");
    let fact = |out: &mut String, k: &str, v: String| {
        w!(out, "<dt>{k}</dt><dd>{v}</dd>\n");
    };
    fact(
        out,
        t(lang, "対象施設", "Institution"),
        format!(
            "{} <small>({} · <code>{}</code>)</small>",
            escape(&c.institution),
            escape(c.kind.get(lang)),
            escape(&c.institution_id)
        ),
    );
    fact(
        out,
        t(lang, "確認日", "As of"),
        escape(&c.as_of.to_string()),
    );
    fact(
        out,
        t(lang, "チェックリスト", "Checklist edition"),
        format!(
            "{} <small>({})</small>",
            escape(edition.get(lang)),
            escape(&c.edition)
        ),
    );
    fact(
        out,
        t(lang, "評価ルール", "Rules evaluated"),
        match lang {
            Lang::Ja => format!(
                "{} 件 <small>(うち独自ルール {} 件)</small>",
                c.rules, c.custom_rules
            ),
            Lang::En => format!("{} <small>({} custom)</small>", c.rules, c.custom_rules),
        },
    );
    fact(
        out,
        t(lang, "マニフェスト", "Manifest"),
        format!("<code>{}</code>", escape(&c.manifest)),
    );
    fact(
        out,
        t(lang, "作成", "Prepared with"),
        format!("kensa {}", escape(&c.tool_version)),
    );
    out.push_str("</dl>\n<div class=\"cover-side\">\n");
    w!(
        out,
        "<h2>{}</h2>\n<ul class=\"sources\">\n",
        t(lang, "準拠資料", "Sources")
    );
    for s in &c.sources {
        w!(out, "<li>{}</li>\n", escape(s.get(lang)));
    }
    w!(
        out,
        "</ul>\n<h2>{}</h2>\n<ol class=\"toc\">\n",
        t(lang, "目次", "Contents")
    );
    for (n, id, name) in parts(lang) {
        w!(
            out,
            "<li><a href=\"#{id}\"><span class=\"n\">{n}</span>{name}</a></li>\n"
        );
    }
    out.push_str("</ol>\n</div>\n</div>\n</header>\n");
}

// ------------------------------------------------------------------------------------
// The executive summary.

/// A horizontal bar (0–100 %) as inline SVG, with gridlines at each quarter.
fn bar_svg(pct: f64, class: &str, label: &str) -> String {
    let width = pct.clamp(0.0, 100.0) * 2.0;
    format!(
        "<svg viewBox=\"0 0 200 16\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">\
         <rect class=\"track\" x=\"0\" y=\"0\" width=\"200\" height=\"16\" rx=\"2\"/>\
         <rect class=\"{class}\" x=\"0\" y=\"0\" width=\"{width:.2}\" height=\"16\" rx=\"2\"/>\
         <line class=\"tick\" x1=\"50\" y1=\"0\" x2=\"50\" y2=\"16\"/>\
         <line class=\"tick\" x1=\"100\" y1=\"0\" x2=\"100\" y2=\"16\"/>\
         <line class=\"tick\" x1=\"150\" y1=\"0\" x2=\"150\" y2=\"16\"/></svg>",
        escape(label)
    )
}

/// The overall score as a ring.
fn donut(score: f64, lang: Lang) -> String {
    let r = 46.0_f64;
    let circumference = 2.0 * std::f64::consts::PI * r;
    let filled = circumference * score.clamp(0.0, 100.0) / 100.0;
    format!(
        "<svg width=\"112\" height=\"112\" viewBox=\"0 0 112 112\" role=\"img\" aria-label=\"{label} {score:.1}%\">\
         <circle cx=\"56\" cy=\"56\" r=\"{r}\" fill=\"none\" stroke=\"#edf0f4\" stroke-width=\"12\"/>\
         <circle cx=\"56\" cy=\"56\" r=\"{r}\" fill=\"none\" \
         stroke-width=\"12\" stroke-dasharray=\"{filled:.2} {circumference:.2}\" transform=\"rotate(-90 56 56)\" \
         style=\"stroke:var(--{var})\"/>\
         <text x=\"56\" y=\"58\" text-anchor=\"middle\" font-size=\"22\" font-weight=\"700\" fill=\"#13294b\">{score:.1}</text>\
         <text x=\"56\" y=\"76\" text-anchor=\"middle\" font-size=\"11\" fill=\"#566273\">%</text></svg>",
        label = escape(t(lang, "総合スコア", "Overall score")),
        var = match grade(score) {
            "good" => "ok",
            "fair" => "warn",
            _ => "ng",
        },
    )
}

fn score_bars(out: &mut String, scores: &[Score], lang: Lang) {
    out.push_str("<div class=\"bars\">\n");
    for s in scores {
        let name = s.name.get(lang);
        w!(
            out,
            "<span class=\"lbl\">{}</span>{}<span class=\"val\">{:.1}%<small>{}/{}</small></span>\n",
            escape(name),
            bar_svg(s.score, &format!("g-{}", grade(s.score)), name),
            s.score,
            s.met,
            s.applicable
        );
    }
    out.push_str("</div>\n");
}

fn grade_legend(out: &mut String, lang: Lang) {
    w!(
        out,
        "<p class=\"legend\"><span><i class=\"g-good\"></i>{}</span><span><i class=\"g-fair\"></i>{}</span>\
         <span><i class=\"g-poor\"></i>{}</span></p>\n",
        t(lang, "90%以上", "90% and over"),
        t(lang, "70%以上 90%未満", "70–90%"),
        t(lang, "70%未満", "under 70%")
    );
}

#[allow(clippy::too_many_lines)]
fn summary(out: &mut String, gap: &GapReport, lang: Lang) {
    let s = &gap.summary;
    let counts = &s.counts;
    let total_items = gap.checklist.len();
    let by_sev: HashMap<Severity, usize> = s.gaps_by_severity.iter().copied().collect();
    let sev = |v: Severity| by_sev.get(&v).copied().unwrap_or(0);
    let earliest = gap.gaps.iter().min_by_key(|g| g.deadline.date);

    out.push_str("<section id=\"summary\" class=\"major\">\n");
    heading(out, lang, "summary");

    // The key message, in two or three sentences.
    out.push_str("<p class=\"keymsg\">");
    match lang {
        Lang::Ja => {
            w!(
                out,
                "適用される評価 (要件×対象) {} 件のうち {} 件を満たしており、総合スコアは <strong>{:.1}%</strong> です。",
                counts.applicable(),
                counts.met(),
                s.score
            );
            w!(
                out,
                "チェックリスト {} 項目のうち「はい」は {} 項目、<strong class=\"{}\">「いいえ」は {} 項目</strong>です。",
                total_items,
                s.checklist_yes,
                if s.checklist_no > 0 { "bad" } else { "" },
                s.checklist_no
            );
            if gap.gaps.is_empty() {
                out.push_str("対応が必要な課題はありません。");
            } else {
                w!(
                    out,
                    "対応が必要な課題は <strong class=\"bad\">{} 件</strong> (うち重大 {} 件、高 {} 件) で、",
                    gap.gaps.len(),
                    sev(Severity::Critical),
                    sev(Severity::High)
                );
                if let Some(g) = earliest {
                    w!(
                        out,
                        "最も早い目標日は <strong>{}</strong> です。",
                        escape(&plain_date(g.deadline.date, lang))
                    );
                }
            }
        }
        Lang::En => {
            w!(
                out,
                "Of the {} requirement checks that apply, {} are met: an overall score of <strong>{:.1}%</strong>. ",
                counts.applicable(),
                counts.met(),
                s.score
            );
            w!(
                out,
                "<strong class=\"{}\">{} of the {} checklist items are answered No</strong> ({} Yes). ",
                if s.checklist_no > 0 { "bad" } else { "" },
                s.checklist_no,
                total_items,
                s.checklist_yes
            );
            if gap.gaps.is_empty() {
                out.push_str("No gap needs action.");
            } else {
                w!(
                    out,
                    "<strong class=\"bad\">{} gaps</strong> need action ({} critical, {} high)",
                    gap.gaps.len(),
                    sev(Severity::Critical),
                    sev(Severity::High)
                );
                if let Some(g) = earliest {
                    w!(
                        out,
                        "; the earliest target date is <strong>{}</strong>.",
                        escape(&plain_date(g.deadline.date, lang))
                    );
                } else {
                    out.push('.');
                }
            }
        }
    }
    out.push_str("</p>\n");

    // The key figures.
    out.push_str("<div class=\"kpis\">\n");
    w!(
        out,
        "<div class=\"kpi kpi-score\">{}<div><p class=\"kpi-label\">{}</p><p class=\"kpi-value\">{}<small>/ {}</small></p>\
         <p class=\"kpi-sub\">{}</p></div></div>\n",
        donut(s.score, lang),
        t(
            lang,
            "総合スコア (充足 / 適用)",
            "Overall score (met / applicable)"
        ),
        counts.met(),
        count(counts.applicable(), lang, "件"),
        match lang {
            Lang::Ja => format!(
                "委託・例外承認を含む。対象外 {} 件は除く",
                counts.not_applicable
            ),
            Lang::En => format!(
                "delegated and waived included; {} not applicable left out",
                counts.not_applicable
            ),
        }
    );
    w!(
        out,
        "<div class=\"kpi{}\"><p class=\"kpi-label\">{}</p><p class=\"kpi-value{}\">{}<small>/ {}</small></p>\
         <p class=\"kpi-sub\">{} {} · {} {} · {} {}</p></div>\n",
        if s.checklist_no > 0 { " alert" } else { "" },
        t(
            lang,
            "チェックリスト「いいえ」",
            "Checklist items answered No"
        ),
        if s.checklist_no > 0 { " bad" } else { "" },
        s.checklist_no,
        count(total_items, lang, "項目"),
        t(lang, "はい", "Yes"),
        s.checklist_yes,
        t(lang, "いいえ", "No"),
        s.checklist_no,
        t(lang, "その他", "other"),
        s.checklist_other
    );
    let sev_line: Vec<String> = Severity::ALL
        .iter()
        .map(|v| format!("{} {}", escape(v.label().get(lang)), sev(*v)))
        .collect();
    w!(
        out,
        "<div class=\"kpi{}\"><p class=\"kpi-label\">{}</p><p class=\"kpi-value{}\">{}<small>{}</small></p>\
         <p class=\"kpi-sub\">{}</p></div>\n",
        if gap.gaps.is_empty() { "" } else { " alert" },
        t(lang, "対応が必要な課題", "Gaps to act on"),
        if sev(Severity::Critical) > 0 {
            " bad"
        } else {
            ""
        },
        gap.gaps.len(),
        t(lang, "件", ""),
        sev_line.join(" · ")
    );
    match earliest {
        Some(g) => w!(
            out,
            "<div class=\"kpi\"><p class=\"kpi-label\">{}</p><p class=\"kpi-value\" style=\"font-size:22px\">{}</p>\
             <p class=\"kpi-sub\">{}</p></div>\n",
            t(lang, "最も早い目標日", "Earliest target date"),
            escape(&g.deadline.date.to_string()),
            escape(g.deadline.label.get(lang))
        ),
        None => w!(
            out,
            "<div class=\"kpi\"><p class=\"kpi-label\">{}</p><p class=\"kpi-value\" style=\"font-size:22px\">—</p>\
             <p class=\"kpi-sub\">{}</p></div>\n",
            t(lang, "最も早い目標日", "Earliest target date"),
            t(lang, "期限のある課題はありません", "no gap has a deadline")
        ),
    }
    out.push_str("</div>\n");

    // The charts.
    out.push_str("<div class=\"charts\">\n<figure>\n");
    w!(
        out,
        "<figcaption>{}</figcaption>\n",
        t(
            lang,
            "ガイドライン・資料別スコア",
            "Score per guideline volume"
        )
    );
    score_bars(out, &s.by_volume, lang);
    grade_legend(out, lang);
    out.push_str("</figure>\n<figure>\n");
    w!(
        out,
        "<figcaption>{}</figcaption>\n",
        t(
            lang,
            "チェックリスト区分別スコア",
            "Score per checklist section"
        )
    );
    score_bars(out, &s.by_section, lang);
    grade_legend(out, lang);
    out.push_str("</figure>\n");

    // The breakdown of the applicable checks.
    out.push_str("<figure class=\"breakdown\">\n");
    w!(
        out,
        "<figcaption>{}</figcaption>\n",
        t(lang, "判定の内訳", "Breakdown of the applicable checks")
    );
    let parts = [
        ("s-met", Status::Satisfied, counts.satisfied),
        ("s-delegated", Status::Delegated, counts.delegated),
        ("s-waived", Status::Waived, counts.waived),
        ("s-upcoming", Status::Upcoming, counts.upcoming),
        ("s-violated", Status::Violated, counts.violated),
        (
            "s-unknown",
            Status::CouldNotEvaluate,
            counts.could_not_evaluate,
        ),
    ];
    let total = counts.applicable();
    w!(
        out,
        "<svg viewBox=\"0 0 1000 22\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        t(lang, "判定の内訳", "Breakdown of the applicable checks")
    );
    if total == 0 {
        out.push_str("<rect class=\"track\" x=\"0\" y=\"0\" width=\"1000\" height=\"22\"/>");
    } else {
        let mut x = 0.0_f64;
        for (class, _, n) in parts {
            if n == 0 {
                continue;
            }
            #[allow(clippy::cast_precision_loss)]
            let width = n as f64 * 1000.0 / total as f64;
            w!(
                out,
                "<rect class=\"{class}\" x=\"{x:.2}\" y=\"0\" width=\"{width:.2}\" height=\"22\"/>"
            );
            x += width;
        }
    }
    out.push_str("</svg>\n<p class=\"legend\">");
    for (class, status, n) in parts {
        w!(
            out,
            "<span><i class=\"{class}\"></i>{} <b>{n}</b></span>",
            escape(status.label().get(lang))
        );
    }
    w!(
        out,
        "<span>{} <b>{}</b> ({})</span></p>\n</figure>\n",
        escape(Status::NotApplicable.label().get(lang)),
        counts.not_applicable,
        t(lang, "集計から除外", "left out")
    );

    // The gaps by severity.
    out.push_str("<figure>\n");
    w!(
        out,
        "<figcaption>{}</figcaption>\n<div class=\"bars sev-bars\">\n",
        t(lang, "重要度別の課題数", "Gaps by severity")
    );
    let most = Severity::ALL
        .iter()
        .map(|v| sev(*v))
        .max()
        .unwrap_or(0)
        .max(1);
    for v in Severity::ALL {
        let n = sev(v);
        #[allow(clippy::cast_precision_loss)]
        let pct = n as f64 * 100.0 / most as f64;
        let name = v.label();
        w!(
            out,
            "<span class=\"lbl\"><span class=\"sev {}\">{}</span></span>{}<span class=\"val\">{n}</span>\n",
            severity_class(v),
            escape(name.get(lang)),
            bar_svg(pct, &format!("sev-{}", v.name()), name.get(lang))
        );
    }
    out.push_str("</div>\n</figure>\n</div>\n");

    // The first things to do.
    if !gap.gaps.is_empty() {
        w!(
            out,
            "<h3>{}</h3>\n<ol class=\"top\">\n",
            t(lang, "優先して対応すべき課題", "What to do first")
        );
        for g in gap.gaps.iter().take(TOP_PRIORITIES) {
            w!(
                out,
                "<li><span class=\"p\">#{}</span><span class=\"sev {}\">{}</span>\
                 <span>{}<span class=\"e\">{} · {}</span></span><span class=\"d\">{}</span></li>\n",
                g.priority,
                severity_class(g.severity),
                escape(g.severity.label().get(lang)),
                escape(g.title.get(lang)),
                escape(&g.entity),
                names(&g.responsible, lang),
                escape(g.deadline.label.get(lang))
            );
        }
        out.push_str("</ol>\n");
        if gap.gaps.len() > TOP_PRIORITIES {
            w!(
                out,
                "<p class=\"intro\" style=\"margin-top:8px\"><a href=\"#gaps\">{}</a></p>\n",
                match lang {
                    Lang::Ja => format!(
                        "ほか {} 件は「3 優先対応課題」を参照",
                        gap.gaps.len() - TOP_PRIORITIES
                    ),
                    Lang::En => format!(
                        "{} more in 3, Prioritised gaps",
                        gap.gaps.len() - TOP_PRIORITIES
                    ),
                }
            );
        }
    }
    out.push_str("</section>\n");
}

// ------------------------------------------------------------------------------------
// The checklist.

fn section_name(section: u8, lang: Lang) -> &'static str {
    match section {
        0 => t(
            lang,
            "医療情報システムの有無",
            "Medical information systems",
        ),
        1 => t(lang, "1 体制構築", "1 Organisation"),
        2 => t(
            lang,
            "2 医療情報システムの管理・運用",
            "2 Management and operation of the systems",
        ),
        _ => t(
            lang,
            "3 インシデント発生に備えた対応",
            "3 Preparing for incidents",
        ),
    }
}

fn checklist(out: &mut String, gap: &GapReport, lang: Lang) {
    let edition = edition_name(&gap.cover.edition);
    out.push_str("<section id=\"checklist\" class=\"major\">\n");
    heading(out, lang, "checklist");
    match lang {
        Lang::Ja => w!(
            out,
            "<p class=\"intro\">「医療機関におけるサイバーセキュリティ対策チェックリスト」({}) の医療機関確認用の各項目に、\
             マニフェストの記録から回答したものです。「いいえ」の項目には目標日を示しています。\
             対象となるものが記録されていない項目は「確認不要」、評価できなかった項目は「要確認」としています (「はい」とはみなしません)。</p>\n",
            escape(&edition.ja)
        ),
        Lang::En => w!(
            out,
            "<p class=\"intro\">Each item of the MHLW cyber-security checklist for medical institutions ({}), \
             answered from what the manifest records. Items answered No carry a target date. \
             Items with nothing in scope are Not applicable; items that could not be evaluated are To be checked \
             (never taken as Yes).</p>\n",
            escape(&edition.en)
        ),
    }
    let tally = |a: Answer| gap.checklist.iter().filter(|c| c.answer == a).count();
    out.push_str("<p class=\"tally\">");
    for a in [
        Answer::Yes,
        Answer::No,
        Answer::NotApplicable,
        Answer::Unknown,
    ] {
        w!(
            out,
            "<span><span class=\"ans {}\">{}</span><b>{}</b></span>",
            answer_class(a),
            escape(a.label().get(lang)),
            count(tally(a), lang, "項目")
        );
    }
    out.push_str("</p>\n");
    w!(
        out,
        "<table class=\"checklist\">\n<colgroup><col style=\"width:7%\"><col><col style=\"width:10%\">\
         <col style=\"width:11%\"><col style=\"width:21%\"></colgroup>\n\
         <thead><tr><th>{}</th><th>{}</th><th class=\"c\">{}</th><th>{}</th><th>{}</th></tr></thead>\n",
        t(lang, "番号", "No."),
        t(lang, "確認項目", "Item"),
        t(lang, "回答", "Answer"),
        t(lang, "確認日", "Checked on"),
        t(lang, "目標日 (いいえの場合)", "Target date (if No)")
    );
    let mut current: Option<u8> = None;
    for item in &gap.checklist {
        if current != Some(item.section) {
            if current.is_some() {
                out.push_str("</tbody>\n");
            }
            current = Some(item.section);
            w!(
                out,
                "<tbody>\n<tr class=\"group\"><th colspan=\"5\">{}</th></tr>\n",
                section_name(item.section, lang)
            );
        }
        let class = answer_class(item.answer);
        w!(
            out,
            "<tr class=\"cl-row {class}\"><td class=\"num\">{}</td><td>{}",
            escape(&item.number),
            escape(item.title.get(lang))
        );
        if !item.open.is_empty() {
            let open: Vec<String> = item.open.iter().map(|o| escape(o)).collect();
            w!(
                out,
                "<span class=\"open\">{}: {}</span>",
                t(lang, "未充足", "Not met"),
                open.join(", ")
            );
        }
        w!(
            out,
            "</td><td class=\"c\"><span class=\"ans {class}\">{}</span></td><td class=\"nw\">{}</td><td>",
            escape(item.answer.label().get(lang)),
            item.checked_on
        );
        match &item.target {
            Some(target) => w!(
                out,
                "<span class=\"target\">{}</span>",
                escape(target.label.get(lang))
            ),
            None => out.push('—'),
        }
        out.push_str("</td></tr>\n");
    }
    if current.is_some() {
        out.push_str("</tbody>\n");
    }
    out.push_str("</table>\n</section>\n");
}

// ------------------------------------------------------------------------------------
// The gaps.

fn gap_row(out: &mut String, g: &GapItem, lang: Lang) {
    let sev = severity_class(g.severity);
    w!(
        out,
        "<tr class=\"gap-row {sev}\"><td class=\"prio\">{}</td><td class=\"c\"><span class=\"sev {sev}\">{}</span>",
        g.priority,
        escape(g.severity.label().get(lang))
    );
    if matches!(g.status, Status::Upcoming | Status::CouldNotEvaluate) {
        w!(
            out,
            "<span class=\"chip {}\" style=\"margin:4px 0 0\">{}</span>",
            status_class(Some(g.status)),
            escape(g.status.label().get(lang))
        );
    }
    w!(
        out,
        "</td><td><span class=\"ttl\">{}</span><span class=\"fix\">{}</span><span class=\"where\"><code>{}</code>",
        escape(g.title.get(lang)),
        escape(g.fix.get(lang)),
        escape(&g.entity)
    );
    if let Some(loc) = &g.location {
        w!(out, " · <code>{}</code>", escape(loc));
    }
    w!(
        out,
        "</span></td><td><span class=\"target\">{}</span></td><td>{}</td><td><span class=\"rule\">{}</span><br>{}</td></tr>\n",
        escape(g.deadline.label.get(lang)),
        names(&g.responsible, lang),
        escape(&g.rule),
        link(&g.url, &g.source)
    );
}

fn gaps(out: &mut String, gap: &GapReport, lang: Lang) {
    out.push_str("<section id=\"gaps\" class=\"major\">\n");
    heading(out, lang, "gaps");
    w!(
        out,
        "<p class=\"intro\">{}</p>\n",
        t(
            lang,
            "満たしていない要件を、重要度、目標日の順に並べたものです。目標日は要件自体に期限があればその日、なければ確認日の年度末です。担当は責任分担 (契約・役割) から求めています。",
            "Requirements not met, by severity and then target date. The target is the requirement's own deadline when it has one, else the end of the fiscal year of the date judged on. The responsible party comes from the responsibility split (contracts and roles)."
        )
    );
    if gap.gaps.is_empty() {
        w!(
            out,
            "<p class=\"empty\">{}</p>\n</section>\n",
            t(
                lang,
                "対応が必要な課題はありません。",
                "No gap needs action."
            )
        );
        return;
    }
    w!(
        out,
        "<table class=\"gaps\">\n<colgroup><col style=\"width:6%\"><col style=\"width:7%\"><col>\
         <col style=\"width:13%\"><col style=\"width:12%\"><col style=\"width:15%\"></colgroup>\n\
         <thead><tr><th class=\"c\">{}</th><th class=\"c\">{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        t(lang, "優先", "#"),
        t(lang, "重要度", "Severity"),
        t(
            lang,
            "課題と対応 (対象 · 記載箇所)",
            "Gap and what to do (entity · location)"
        ),
        t(lang, "目標日", "Target date"),
        t(lang, "担当", "Responsible"),
        t(lang, "根拠", "Source")
    );
    for g in &gap.gaps {
        gap_row(out, g, lang);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

// ------------------------------------------------------------------------------------
// The responsibility matrix.

/// Parties as a key.
fn parties(list: &[Text]) -> Vec<(&str, &str)> {
    list.iter()
        .map(|n| (n.ja.as_str(), n.en.as_str()))
        .collect()
}

/// The rows of the matrix for one requirement, split by who does it and who answers for
/// it: each split is one line listing its entities.
struct MatrixRule<'a> {
    first: &'a MatrixRow,
    splits: Vec<Vec<&'a MatrixRow>>,
}

fn matrix(out: &mut String, gap: &GapReport, lang: Lang) {
    out.push_str("<section id=\"matrix\" class=\"major\">\n");
    heading(out, lang, "matrix");
    w!(
        out,
        "<p class=\"intro\">{}</p>\n",
        t(
            lang,
            "適用される要件ごとに、実施する者 (実施) と説明責任を負う者 (説明責任) を示します。実施者と説明責任者が同じ対象はまとめて記載し、各対象の判定を色で示しています。",
            "For each requirement that applies, who does it and who answers for it. Entities with the same parties are listed together, each coloured by its status."
        )
    );
    if gap.matrix.is_empty() {
        w!(
            out,
            "<p class=\"empty\">{}</p>\n</section>\n",
            t(
                lang,
                "適用される要件はありません。",
                "No requirement applies."
            )
        );
        return;
    }
    let mut rules: Vec<MatrixRule> = Vec::new();
    let mut of_rule: HashMap<&str, usize> = HashMap::new();
    for r in &gap.matrix {
        let i = *of_rule.entry(r.rule.as_str()).or_insert_with(|| {
            rules.push(MatrixRule {
                first: r,
                splits: Vec::new(),
            });
            rules.len() - 1
        });
        let splits = &mut rules[i].splits;
        let key = (parties(&r.does), parties(&r.accountable));
        match splits
            .iter_mut()
            .find(|s| (parties(&s[0].does), parties(&s[0].accountable)) == key)
        {
            Some(s) => s.push(r),
            None => splits.push(vec![r]),
        }
    }
    out.push_str("<p class=\"legend\" style=\"margin:0 0 12px\">");
    for (class, status) in [
        ("st-ok", Status::Satisfied),
        ("st-delegated", Status::Delegated),
        ("st-waived", Status::Waived),
        ("st-upcoming", Status::Upcoming),
        ("st-violated", Status::Violated),
        ("st-unknown", Status::CouldNotEvaluate),
    ] {
        w!(
            out,
            "<span class=\"key ent {class}\" style=\"font-family:inherit\">{}</span>",
            escape(status.label().get(lang))
        );
    }
    out.push_str("</p>\n");
    w!(
        out,
        "<table class=\"matrix\">\n<colgroup><col style=\"width:36%\"><col><col style=\"width:17%\"><col style=\"width:16%\"></colgroup>\n\
         <thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        t(lang, "要件", "Requirement"),
        t(lang, "対象", "Entities"),
        t(lang, "実施", "Does"),
        t(lang, "説明責任", "Answers for")
    );
    for rule in &rules {
        for (i, split) in rule.splits.iter().enumerate() {
            out.push_str("<tr class=\"mx-row\">");
            if i == 0 {
                w!(
                    out,
                    "<td rowspan=\"{}\"><span class=\"rule\">{}</span><br>{}</td>",
                    rule.splits.len(),
                    escape(&rule.first.rule),
                    escape(rule.first.title.get(lang))
                );
            }
            out.push_str("<td><span class=\"ents\">");
            for r in split {
                let label = r
                    .status
                    .map_or_else(String::new, |s| s.label().get(lang).to_owned());
                w!(
                    out,
                    "<span class=\"ent {}\" title=\"{}\">{}</span>",
                    status_class(r.status),
                    escape(&label),
                    escape(&r.entity)
                );
            }
            w!(
                out,
                "</span></td><td>{}</td><td>{}</td></tr>\n",
                names(&split[0].does, lang),
                names(&split[0].accountable, lang)
            );
        }
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

// ------------------------------------------------------------------------------------
// The exceptions and the evidence.

fn exceptions(out: &mut String, gap: &GapReport, lang: Lang) {
    out.push_str("<section id=\"exceptions\" class=\"major\">\n");
    heading(out, lang, "exceptions");
    w!(
        out,
        "<p class=\"intro\">{}</p>\n",
        t(
            lang,
            "マニフェストに記録された例外承認と、その有効期限までの残日数です (確認日時点)。期限切れの例外は要件を免除しません。",
            "The exceptions the manifest records and the days left until each expires (at the date judged on). An expired exception waives nothing."
        )
    );
    if gap.exceptions.is_empty() {
        w!(
            out,
            "<p class=\"empty\">{}</p>\n</section>\n",
            t(
                lang,
                "例外承認の記録はありません。",
                "No exception is recorded."
            )
        );
        return;
    }
    w!(
        out,
        "<table class=\"exceptions\">\n<colgroup><col style=\"width:10%\"><col style=\"width:10%\"><col style=\"width:12%\"><col>\
         <col style=\"width:10%\"><col style=\"width:9%\"><col style=\"width:9%\"><col style=\"width:10%\"></colgroup>\n<thead><tr><th>ID</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>\n",
        t(lang, "要件", "Rule"),
        t(lang, "対象", "Entity"),
        t(lang, "理由", "Reason"),
        t(lang, "承認者", "Approved by"),
        t(lang, "承認日", "Approved on"),
        t(lang, "有効期限", "Expires on"),
        t(lang, "残日数", "Days left")
    );
    for e in &gap.exceptions {
        let (row, class, days) = if e.days_left < 0 {
            (
                " expired",
                "expired",
                match lang {
                    Lang::Ja => format!("期限切れ ({} 日経過)", -e.days_left),
                    Lang::En => format!("expired ({} days ago)", -e.days_left),
                },
            )
        } else if e.days_left <= EXPIRY_WARNING_DAYS {
            (
                "",
                "soon",
                match lang {
                    Lang::Ja => format!("残り {} 日", e.days_left),
                    Lang::En => format!("{} days", e.days_left),
                },
            )
        } else {
            (
                "",
                "",
                match lang {
                    Lang::Ja => format!("{} 日", e.days_left),
                    Lang::En => format!("{} days", e.days_left),
                },
            )
        };
        w!(
            out,
            "<tr class=\"ex-row{row}\"><td><code>{}</code></td><td><span class=\"rule\">{}</span></td><td><code>{}</code></td>\
             <td>{}</td><td>{}</td><td class=\"nw\">{}</td><td class=\"nw\">{}</td><td class=\"n\"><span class=\"days {class}\">{}</span></td></tr>\n",
            escape(&e.id),
            escape(&e.rule),
            escape(&e.target),
            escape(&e.reason),
            escape(&e.approved_by),
            e.approved_on,
            e.expires_on,
            escape(&days)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn evidence(out: &mut String, gap: &GapReport, lang: Lang) {
    out.push_str("<section id=\"evidence\" class=\"minor\">\n");
    heading(out, lang, "evidence");
    w!(
        out,
        "<p class=\"intro\">{}</p>\n",
        t(
            lang,
            "マニフェストに記録された文書と、その見直し日・承認者・証跡の保管場所です。",
            "The documents the manifest records, with their review date, approver and where the evidence is kept."
        )
    );
    if gap.evidence.is_empty() {
        w!(
            out,
            "<p class=\"empty\">{}</p>\n</section>\n",
            t(
                lang,
                "記録された文書はありません。",
                "No document is recorded."
            )
        );
        return;
    }
    w!(
        out,
        "<table class=\"evidence\">\n<colgroup><col style=\"width:20%\"><col style=\"width:28%\"><col style=\"width:13%\">\
         <col style=\"width:12%\"><col></colgroup>\n\
         <thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        t(lang, "文書", "Document"),
        t(lang, "表題", "Title"),
        t(lang, "最終見直し日", "Last reviewed"),
        t(lang, "承認者", "Approved by"),
        t(lang, "証跡の保管場所", "Evidence kept at")
    );
    for d in &gap.evidence {
        let evidence: Vec<String> = d.evidence.iter().map(|e| escape(e)).collect();
        w!(
            out,
            "<tr class=\"ev-row\"><td>{}<span class=\"sub\"><code>{}</code></span></td><td>{}</td><td class=\"nw\">{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(d.name.get(lang)),
            escape(&d.kind),
            d.title.as_deref().map_or_else(|| "—".to_owned(), escape),
            d.reviewed_on
                .map_or_else(|| "—".to_owned(), |r| r.to_string()),
            d.approved_by
                .as_deref()
                .map_or_else(|| "—".to_owned(), escape),
            if evidence.is_empty() {
                format!(
                    "<span style=\"color:var(--faint)\">{}</span>",
                    t(lang, "記録なし", "none recorded")
                )
            } else {
                evidence.join("<br>")
            }
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

// ------------------------------------------------------------------------------------
// The appendix.

fn count_pills(c: &Summary, lang: Lang) -> String {
    let mut out = String::new();
    for (class, status, n) in [
        ("p-ok", Status::Satisfied, c.satisfied),
        ("p-del", Status::Delegated, c.delegated),
        ("p-wv", Status::Waived, c.waived),
        ("p-warn", Status::Upcoming, c.upcoming),
        ("p-ng", Status::Violated, c.violated),
        ("p-na", Status::CouldNotEvaluate, c.could_not_evaluate),
        ("p-na", Status::NotApplicable, c.not_applicable),
    ] {
        if n > 0 {
            w!(
                out,
                "<span class=\"pill {class}\">{} {n}</span>",
                escape(status.label().get(lang))
            );
        }
    }
    if out.is_empty() {
        out.push_str(t(lang, "対象なし", "nothing in scope"));
    }
    out
}

fn appendix(out: &mut String, gap: &GapReport, lang: Lang) {
    out.push_str("<section id=\"appendix\" class=\"major\">\n");
    heading(out, lang, "appendix");
    w!(
        out,
        "<p class=\"intro\">{}</p>\n",
        match lang {
            Lang::Ja => format!(
                "評価に用いた {} 件のルールすべてと、その根拠、対象ごとの判定の件数です。",
                gap.appendix.len()
            ),
            Lang::En => format!(
                "All {} rules evaluated, with their sources and the count of their checks by status.",
                gap.appendix.len()
            ),
        }
    );
    w!(
        out,
        "<table class=\"appendix\">\n<colgroup><col style=\"width:13%\"><col><col style=\"width:7%\"><col style=\"width:22%\"><col style=\"width:18%\"></colgroup>\n\
         <thead><tr><th>{}</th><th>{}</th><th class=\"c\">{}</th><th>{}</th><th>{}</th></tr></thead>\n",
        t(lang, "ルール", "Rule"),
        t(lang, "要件", "Requirement"),
        t(lang, "重要度", "Severity"),
        t(lang, "根拠", "Source"),
        t(lang, "判定", "Results")
    );
    let mut current: Option<Volume> = None;
    for r in &gap.appendix {
        if current != Some(r.volume) {
            if current.is_some() {
                out.push_str("</tbody>\n");
            }
            current = Some(r.volume);
            let n = gap.appendix.iter().filter(|x| x.volume == r.volume).count();
            w!(
                out,
                "<tbody>\n<tr class=\"group\"><th colspan=\"5\">{}<small>{}</small></th></tr>\n",
                escape(r.volume.label().get(lang)),
                match lang {
                    Lang::Ja => format!("{n} 件"),
                    Lang::En => format!("{n} rules"),
                }
            );
        }
        w!(
            out,
            "<tr class=\"ap-row\"><td><span class=\"rule\">{}</span></td><td>{}</td><td class=\"c\"><span class=\"sev {}\">{}</span></td>\
             <td>{}</td><td class=\"counts-cell\">{}</td></tr>\n",
            escape(&r.rule),
            escape(r.title.get(lang)),
            severity_class(r.severity),
            escape(r.severity.label().get(lang)),
            link(&r.url, &r.source),
            count_pills(&r.counts, lang)
        );
    }
    if current.is_some() {
        out.push_str("</tbody>\n");
    }
    out.push_str("</table>\n</section>\n");
}

fn colophon(out: &mut String, gap: &GapReport, lang: Lang) {
    let c = &gap.cover;
    out.push_str("<footer class=\"colophon\">\n");
    match lang {
        Lang::Ja => w!(
            out,
            "<p>本報告書は kensa {} が <code>{}</code> の記録をもとに {} 時点で作成したものです。\
             マニフェストに記録されていない事実は評価に含まれません。</p>\n\
             <p>形式: {} · 施設 ID: <code>{}</code></p>\n",
            escape(&c.tool_version),
            escape(&c.manifest),
            escape(&long_date(c.as_of, lang)),
            escape(&gap.version),
            escape(&c.institution_id)
        ),
        Lang::En => w!(
            out,
            "<p>Prepared by kensa {} from the records of <code>{}</code>, as of {}. \
             Facts the manifest does not record are not assessed.</p>\n\
             <p>Format: {} · institution id: <code>{}</code></p>\n",
            escape(&c.tool_version),
            escape(&c.manifest),
            escape(&long_date(c.as_of, lang)),
            escape(&gap.version),
            escape(&c.institution_id)
        ),
    }
    out.push_str("</footer>\n");
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::NaiveDate;
    use kensa_engine::split::split;
    use kensa_engine::{Catalogue, Options};
    use kensa_manifest::{Limits, load};

    use super::super::{ExceptionRow, analyse};
    use super::*;

    /// The gap analysis of a bundled example as of 2026-11-21.
    fn example(name: &str) -> GapReport {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../manifests/examples")
            .join(name);
        let loaded = load(&path, &Limits::default());
        let manifest = loaded.manifest.as_ref().expect("valid example");
        let catalogue = Catalogue::builtin().expect("built-in catalogue");
        let options = Options {
            as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
            manifest_label: format!("manifests/examples/{name}"),
            threads: 1,
        };
        let report =
            kensa_engine::check(manifest, &loaded.sources, &catalogue, &options).expect("check");
        let split = split(manifest, &loaded.sources, &catalogue, &report).expect("split");
        analyse(manifest, &report, &split, &catalogue)
    }

    fn clinic() -> GapReport {
        example("clinic-cloud-nostaff.yaml")
    }

    /// Every value of `attr="…"` in the page.
    fn attributes<'a>(html: &'a str, attr: &str) -> Vec<(usize, &'a str)> {
        let needle = format!(" {attr}=\"");
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(i) = html[from..].find(&needle) {
            let start = from + i + needle.len();
            let end = start + html[start..].find('"').expect("closed attribute");
            found.push((from + i, &html[start..end]));
            from = end;
        }
        found
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("さくら内科"), "さくら内科");
        assert_eq!(
            css_string("a\"b\\c</style>\n"),
            "\"a\\\"b\\\\c\\3c /style\\3e \\a \""
        );
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let mut gap = clinic();
        let evil = "<script>alert('x')</script> & \"quoted\"";
        gap.cover.institution = evil.to_owned();
        gap.cover.manifest = evil.to_owned();
        gap.checklist[0].title.ja = evil.to_owned();
        gap.gaps[0].fix.ja = evil.to_owned();
        gap.gaps[0].entity = evil.to_owned();
        gap.gaps[0].url = "javascript:alert(1)".to_owned();
        gap.gaps[1].url = "https://example.org/?a=1&b=\"2\"".to_owned();
        gap.exceptions.push(ExceptionRow {
            id: evil.to_owned(),
            rule: "CL-2-7".to_owned(),
            target: "asset/<x>".to_owned(),
            reason: evil.to_owned(),
            approved_by: evil.to_owned(),
            approved_on: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            expires_on: NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
            days_left: -20,
        });
        let html = render(&gap, Lang::Ja);
        assert!(!html.contains("<script"), "a script element got through");
        assert!(
            !html.contains("javascript:"),
            "a javascript: link got through"
        );
        assert!(
            html.contains(
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"
            )
        );
        assert!(html.contains("href=\"https://example.org/?a=1&amp;b=&quot;2&quot;\""));
        // The institution's name in the running header of printed pages cannot close the
        // style sheet.
        assert_eq!(html.matches("</style>").count(), 1);
        assert!(html.contains("\\3c script\\3e alert('x')\\3c /script\\3e  \\26  \\\"quoted\\\""));
        // The expired exception is flagged.
        assert!(html.contains("<tr class=\"ex-row expired\">"));
        assert!(html.contains("期限切れ (20 日経過)"));
    }

    #[test]
    fn nothing_is_fetched() {
        let gap = clinic();
        for lang in [Lang::Ja, Lang::En] {
            let html = render(&gap, lang);
            let lower = html.to_ascii_lowercase();
            for banned in [
                "<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(",
            ] {
                assert!(!lower.contains(banned), "{banned} in the page");
            }
            assert!(attributes(&html, "src").is_empty(), "a src attribute");
            assert!(attributes(&html, "srcset").is_empty());
            let sources: Vec<&str> = gap
                .gaps
                .iter()
                .map(|g| g.url.as_str())
                .chain(gap.appendix.iter().map(|r| r.url.as_str()))
                .collect();
            let hrefs = attributes(&html, "href");
            assert!(!hrefs.is_empty());
            for (at, href) in hrefs {
                if let Some(anchor) = href.strip_prefix('#') {
                    let id = format!("id=\"{anchor}\"");
                    assert!(html.contains(&id), "{href} goes nowhere");
                    continue;
                }
                let tag_start = html[..at].rfind('<').expect("in a tag");
                assert!(
                    html[tag_start..].starts_with("<a "),
                    "an outside address outside a link: {href}"
                );
                assert!(sources.contains(&href), "{href} is not a rule's source");
            }
            // No other outside address anywhere but in those links.
            let links = html.matches("<a href=\"http").count();
            assert_eq!(lower.matches("http").count(), links);
        }
    }

    #[test]
    fn every_part_is_there() {
        let gap = clinic();
        let html = render(&gap, Lang::Ja);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
        for id in [
            "cover",
            "summary",
            "checklist",
            "gaps",
            "matrix",
            "exceptions",
            "evidence",
            "appendix",
        ] {
            assert_eq!(html.matches(&format!("id=\"{id}\"")).count(), 1, "{id}");
        }
        for text in [
            "さくら内科クリニック",
            "診療所",
            "パターンⅣ",
            "クラウドサービス型・システム運用専任の担当者なし",
            "令和7年度版",
            "102 件",
            "kensa 0.1.0",
            "エグゼクティブサマリー",
            "チェックリスト回答",
            "80.9",
            "<svg",
        ] {
            assert!(html.contains(text), "{text} missing");
        }
        for source in &gap.cover.sources {
            assert!(html.contains(&escape(&source.ja)));
        }
        assert_eq!(
            html.matches("<tr class=\"cl-row ").count(),
            gap.checklist.len()
        );
        assert_eq!(
            html.matches("<tr class=\"cl-row no\">").count(),
            gap.summary.checklist_no
        );
        assert_eq!(html.matches("<tr class=\"gap-row ").count(), gap.gaps.len());
        assert_eq!(
            html.matches("<tr class=\"ap-row\">").count(),
            gap.appendix.len()
        );
        assert_eq!(
            html.matches("<tr class=\"ev-row\">").count(),
            gap.evidence.len()
        );
        // Every pair of the matrix is shown once, grouped by rule and parties.
        assert_eq!(
            html.matches("<span class=\"ent st-").count(),
            gap.matrix.len()
        );
        assert!(html.matches("<tr class=\"mx-row\">").count() < gap.matrix.len());
        // The first gap's fix and its target.
        let first = &gap.gaps[0];
        assert!(html.contains(&escape(&first.fix.ja)));
        assert!(html.contains(&escape(&first.deadline.label.ja)));
    }

    #[test]
    fn english_uses_the_ascii_pattern_code() {
        let gap = clinic();
        let html = render(&gap, Lang::En);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(html.contains("Pattern IV"));
        assert!(!html.contains("パターンⅣ"));
        assert!(html.contains("Executive summary"));
        assert!(html.contains(">No</span>"));
        assert!(html.contains(&escape(&gap.gaps[0].fix.en)));
    }

    #[test]
    fn prints_on_a4_with_a_cover_page() {
        let html = render(&clinic(), Lang::Ja);
        assert!(html.contains("@page{size:A4;"));
        assert!(html.contains("@page:first{margin:0}"));
        assert!(html.contains("break-after:page"));
        assert!(html.contains("section.major{break-before:page}"));
        assert!(html.contains("thead{display:table-header-group}"));
        assert!(html.contains("tr,.kpi"));
        assert!(html.contains("break-inside:avoid"));
    }

    #[test]
    fn the_same_analysis_gives_the_same_page() {
        let a = render(&clinic(), Lang::Ja);
        let b = render(&clinic(), Lang::Ja);
        assert_eq!(a, b);
    }

    #[test]
    fn a_clean_institution_has_no_gap_table() {
        let mut gap = clinic();
        gap.gaps.clear();
        gap.summary.gaps_by_severity.clear();
        gap.exceptions.clear();
        let html = render(&gap, Lang::Ja);
        assert!(html.contains("対応が必要な課題はありません。"));
        assert!(!html.contains("<table class=\"gaps\">"));
        assert!(html.contains("例外承認の記録はありません。"));
    }

    #[test]
    fn dates_read_naturally() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
        assert_eq!(long_date(d, Lang::Ja), "2026年11月21日 (令和8年11月21日)");
        assert_eq!(long_date(d, Lang::En), "21 November 2026");
        let d = NaiveDate::from_ymd_opt(2019, 5, 1).expect("date");
        assert_eq!(long_date(d, Lang::Ja), "2019年5月1日 (令和元年5月1日)");
        let d = NaiveDate::from_ymd_opt(2019, 4, 30).expect("date");
        assert_eq!(long_date(d, Lang::Ja), "2019年4月30日");
    }
}
