//! The gap analysis as an Excel workbook (.xlsx), for consultants who work in Excel.
//!
//! One sheet per part of the [`GapReport`]: the summary (cover facts, scores and counts),
//! the checklist filled in, the gaps, the responsibility matrix, the exceptions, the
//! evidence and every rule evaluated. Sheet names and headings are in the chosen language.
//!
//! Each table has a bold, filled header row that stays in view (frozen panes) and is
//! repeated on printed pages, an autofilter over the table, column widths from the
//! content (East Asian wide characters count double, capped, long text wrapped) and dates
//! as real Excel dates shown `yyyy-mm-dd`. The summary holds several small tables, so it
//! has neither frozen panes nor an autofilter (Excel allows one per sheet).
//!
//! The output is the same bytes for the same analysis: the document's creation time is
//! the date judged on (midnight UTC), not the time it was written.

use crate::t;
use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use kensa_engine::Severity;
use kensa_engine::report::Status;
use kensa_manifest::{Lang, Text};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Url, Workbook,
    Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use super::{Answer, GapReport, edition_name};

/// The longest text a cell holds (Excel's limit, in UTF-16 code units).
const MAX_CELL_TEXT: usize = 32_767;
/// The most hyperlinks Excel accepts on one worksheet; further URLs are written as text.
const MAX_LINKS: usize = 65_530;
/// The narrowest column, in Excel's character units.
const MIN_WIDTH: f64 = 6.0;
/// Room for the autofilter's drop-down button next to a header.
const FILTER_BUTTON: f64 = 3.0;

/// Header fill: a light blue.
const HEADER_FILL: u32 = 0x00DD_EBF7;
/// Fill of a row that needs attention (いいえ, an expired exception): a light red.
const ALERT_FILL: u32 = 0x00FF_C7CE;
/// Fill of a row to be checked (要確認): a light yellow.
const CAUTION_FILL: u32 = 0x00FF_EB9C;

/// The workbook's bytes, or why it could not be made.
///
/// # Errors
/// A message when the workbook cannot be written (for instance a table longer than
/// Excel's 1,048,576 rows).
pub fn render(gap: &GapReport, lang: Lang) -> Result<Vec<u8>, String> {
    build(gap, lang).map_err(|e| e.to_string())
}

fn build(gap: &GapReport, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(&properties(gap, lang));
    let table_style = Style::new(false);
    let summary_style = Style::new(true);

    summary_sheet(wb.add_worksheet(), gap, lang, &summary_style)?;
    let sheets = [
        (t(lang, "チェックリスト", "Checklist"), checklist(gap, lang)),
        (t(lang, "ギャップ", "Gaps"), gaps(gap, lang)),
        (t(lang, "責任分界", "Responsibility"), matrix(gap, lang)),
        (t(lang, "例外", "Exceptions"), exceptions(gap, lang)),
        (t(lang, "証跡", "Evidence"), evidence(gap, lang)),
        (t(lang, "規則一覧", "Rules"), rules(gap, lang)),
    ];
    for (name, table) in &sheets {
        table_sheet(wb.add_worksheet(), name, table, lang, &table_style)?;
    }
    wb.save_to_buffer()
}

/// Title, author and a creation time fixed by the date judged on, so that the same
/// analysis gives the same bytes.
fn properties(gap: &GapReport, lang: Lang) -> DocProperties {
    let created = excel_date(gap.cover.as_of)
        .or_else(|| ExcelDateTime::from_ymd(1980, 1, 1).ok())
        .unwrap_or_default();
    DocProperties::new()
        .set_title(format!(
            "{} — {}",
            t(lang, "ギャップ分析", "Gap analysis"),
            gap.cover.institution
        ))
        .set_author(format!("kensa {}", gap.cover.tool_version))
        .set_comment(gap.version.as_str())
        .set_creation_datetime(&created)
}

/// A date Excel can hold (1900 to 9999), else `None`.
fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    let month = u8::try_from(d.month()).ok()?;
    let day = u8::try_from(d.day()).ok()?;
    ExcelDateTime::from_ymd(year, month, day).ok()
}

/// One cell's value.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Date(NaiveDate),
    Number(f64),
    /// A share in % (0 to 100), shown as a percentage.
    Percent(f64),
    /// A URL, written as a hyperlink when it is http(s).
    Link(String),
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn count(n: usize) -> Cell {
        #[allow(clippy::cast_precision_loss)]
        Cell::Number(n as f64)
    }

    fn lines(items: impl IntoIterator<Item = impl AsRef<str>>) -> Cell {
        let mut s = String::new();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(item.as_ref());
        }
        Cell::Text(s)
    }

    fn texts(items: &[Text], lang: Lang) -> Cell {
        Cell::lines(items.iter().map(|x| x.get(lang)))
    }

    /// Its width in Excel's character units: the widest line, East Asian wide characters
    /// counting double (and ambiguous ones too in Japanese, where the fonts print them
    /// full width).
    fn width(&self, lang: Lang) -> f64 {
        let w = |s: &str| -> usize {
            s.lines()
                .map(|l| match lang {
                    Lang::Ja => l.width_cjk(),
                    Lang::En => l.width(),
                })
                .max()
                .unwrap_or(0)
        };
        let n = match self {
            Cell::Text(s) | Cell::Link(s) => w(s),
            Cell::Date(_) => 10,
            Cell::Number(n) => format!("{n}").len(),
            Cell::Percent(_) => 6,
        };
        #[allow(clippy::cast_precision_loss)]
        let n = n as f64;
        n
    }
}

/// How a row stands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Plain = 0,
    Alert = 1,
    Caution = 2,
}

#[derive(Debug, Clone)]
struct Row {
    cells: Vec<Cell>,
    mark: Mark,
}

impl Row {
    fn plain(cells: Vec<Cell>) -> Row {
        Row {
            cells,
            mark: Mark::Plain,
        }
    }
}

/// A column: its header and the widest it may grow (longer text wraps).
#[derive(Debug, Clone, Copy)]
struct Column {
    head: &'static str,
    cap: f64,
}

fn col(head: &'static str, cap: f64) -> Column {
    Column { head, cap }
}

#[derive(Debug, Clone)]
struct Table {
    columns: Vec<Column>,
    rows: Vec<Row>,
}

/// The cell formats: per kind, one for each [`Mark`].
struct Style {
    title: Format,
    heading: Format,
    header: Format,
    text: [Format; 3],
    date: [Format; 3],
    number: [Format; 3],
    percent: [Format; 3],
    link: [Format; 3],
}

impl Style {
    /// `left`: numbers aligned left (the summary, where they sit in a wide column).
    fn new(left: bool) -> Style {
        let base = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top);
        let marked = |f: Format| -> [Format; 3] {
            [
                f.clone(),
                f.clone().set_background_color(Color::RGB(ALERT_FILL)),
                f.set_background_color(Color::RGB(CAUTION_FILL)),
            ]
        };
        let numeric = |f: Format| {
            if left {
                f.set_align(FormatAlign::Left)
            } else {
                f
            }
        };
        Style {
            title: Format::new().set_bold().set_font_size(14),
            heading: Format::new().set_bold(),
            header: base
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_background_color(Color::RGB(HEADER_FILL)),
            text: marked(base.clone().set_text_wrap()),
            date: marked(
                base.clone()
                    .set_num_format("yyyy-mm-dd")
                    .set_align(FormatAlign::Left),
            ),
            number: marked(numeric(base.clone().set_num_format("0"))),
            percent: marked(numeric(base.clone().set_num_format("0.0%"))),
            link: marked(base.set_text_wrap().set_hyperlink()),
        }
    }
}

/// Cuts text to what a cell holds.
fn clip(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_CELL_TEXT || s.encode_utf16().count() <= MAX_CELL_TEXT {
        return Cow::Borrowed(s);
    }
    let mut units = 0;
    let mut out = String::new();
    for c in s.chars() {
        units += c.len_utf16();
        if units > MAX_CELL_TEXT - 1 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

/// Writes one cell; `links` counts the sheet's hyperlinks.
fn put(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    mark: Mark,
    style: &Style,
    links: &mut usize,
) -> Result<(), XlsxError> {
    let m = mark as usize;
    match cell {
        Cell::Text(s) if s.is_empty() => {
            ws.write_blank(row, col, &style.text[m])?;
        }
        Cell::Text(s) => {
            ws.write_string_with_format(row, col, clip(s), &style.text[m])?;
        }
        Cell::Date(d) => match excel_date(*d) {
            Some(dt) => {
                ws.write_datetime_with_format(row, col, &dt, &style.date[m])?;
            }
            None => {
                ws.write_string_with_format(row, col, d.to_string(), &style.text[m])?;
            }
        },
        Cell::Number(n) => {
            ws.write_number_with_format(row, col, *n, &style.number[m])?;
        }
        Cell::Percent(p) => {
            ws.write_number_with_format(row, col, p / 100.0, &style.percent[m])?;
        }
        Cell::Link(url) => {
            let web = url.starts_with("https://") || url.starts_with("http://");
            let linked = web
                && *links < MAX_LINKS
                && ws
                    .write_url_with_format(row, col, Url::new(url.as_str()), &style.link[m])
                    .is_ok();
            if linked {
                *links += 1;
            } else if url.is_empty() {
                ws.write_blank(row, col, &style.text[m])?;
            } else {
                ws.write_string_with_format(row, col, clip(url), &style.text[m])?;
            }
        }
    }
    Ok(())
}

/// Writes `table` with its header at row `top`; returns the last row written.
fn write_table(
    ws: &mut Worksheet,
    top: u32,
    table: &Table,
    style: &Style,
    links: &mut usize,
) -> Result<u32, XlsxError> {
    for (c, column) in (0u16..).zip(&table.columns) {
        ws.write_string_with_format(top, c, column.head, &style.header)?;
    }
    let mut last = top;
    for (r, row) in (top + 1..).zip(&table.rows) {
        for (c, cell) in (0u16..).zip(&row.cells) {
            put(ws, r, c, cell, row.mark, style, links)?;
        }
        last = r;
    }
    Ok(last)
}

/// Column widths from the content of `tables` (which share the sheet's columns).
fn set_widths(
    ws: &mut Worksheet,
    tables: &[&Table],
    filter: bool,
    lang: Lang,
) -> Result<(), XlsxError> {
    let columns = tables.iter().map(|t| t.columns.len()).max().unwrap_or(0);
    for (i, c) in (0..columns).zip(0u16..) {
        let mut width = MIN_WIDTH;
        let mut cap = MIN_WIDTH;
        for table in tables {
            let Some(column) = table.columns.get(i) else {
                continue;
            };
            cap = cap.max(column.cap);
            let head =
                Cell::text(column.head).width(lang) + if filter { FILTER_BUTTON } else { 0.0 };
            width = width.max(head);
            for row in &table.rows {
                if let Some(cell) = row.cells.get(i) {
                    width = width.max(cell.width(lang) + 1.0);
                }
            }
        }
        ws.set_column_width(c, width.min(cap))?;
    }
    Ok(())
}

/// A sheet holding one table.
fn table_sheet(
    ws: &mut Worksheet,
    name: &str,
    table: &Table,
    lang: Lang,
    style: &Style,
) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let mut links = 0;
    let last = write_table(ws, 0, table, style, &mut links)?;
    let last_col = u16::try_from(table.columns.len().saturating_sub(1)).unwrap_or(u16::MAX);
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last, last_col)?;
    set_widths(ws, &[table], true, lang)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn date_or_blank(d: Option<NaiveDate>) -> Cell {
    d.map_or_else(|| Cell::text(""), Cell::Date)
}

fn status_label(s: Status, lang: Lang) -> Cell {
    Cell::text(s.label().get(lang))
}

fn pattern_label(gap: &GapReport, lang: Lang) -> String {
    let p = gap.cover.pattern;
    let name = match lang {
        Lang::Ja => p.numeral(),
        Lang::En => p.code(),
    };
    format!("{name} ({})", gap.cover.pattern_name.get(lang))
}

/// The summary: cover facts, the overall score, counts and scores.
#[allow(clippy::too_many_lines)]
fn summary_sheet(
    ws: &mut Worksheet,
    gap: &GapReport,
    lang: Lang,
    style: &Style,
) -> Result<(), XlsxError> {
    ws.set_name(t(lang, "概要", "Summary"))?;
    let c = &gap.cover;
    let s = &gap.summary;
    let fact = |label: &'static str, value: Cell| Row::plain(vec![Cell::text(label), value]);

    let mut facts = vec![
        fact(
            t(lang, "医療機関", "Institution"),
            Cell::text(format!("{} ({})", c.institution, c.institution_id)),
        ),
        fact(t(lang, "種別", "Kind"), Cell::text(c.kind.get(lang))),
        fact(
            t(lang, "参照パターン", "Reference pattern"),
            Cell::text(pattern_label(gap, lang)),
        ),
        fact(
            t(lang, "パターンの判定理由", "Why this pattern"),
            Cell::text(c.pattern_explanation.get(lang)),
        ),
        fact(t(lang, "基準日", "As of"), Cell::Date(c.as_of)),
        fact(
            t(lang, "チェックリスト", "Checklist edition"),
            Cell::text(format!(
                "{} ({})",
                edition_name(&c.edition).get(lang),
                c.edition
            )),
        ),
    ];
    for (i, source) in c.sources.iter().enumerate() {
        let label = if i == 0 {
            t(lang, "準拠文書", "Sources")
        } else {
            ""
        };
        facts.push(fact(label, Cell::text(source.get(lang))));
    }
    facts.extend([
        fact(
            t(lang, "評価したルール", "Rules evaluated"),
            Cell::count(c.rules),
        ),
        fact(
            t(lang, "うち独自ルール", "of which custom"),
            Cell::count(c.custom_rules),
        ),
        fact(t(lang, "マニフェスト", "Manifest"), Cell::text(&c.manifest)),
        fact(
            t(lang, "kensa のバージョン", "kensa version"),
            Cell::text(&c.tool_version),
        ),
        fact(
            t(lang, "総合スコア", "Overall score"),
            Cell::Percent(s.score),
        ),
    ]);
    let cover = Table {
        columns: vec![
            col(t(lang, "項目", "Item"), 40.0),
            col(t(lang, "内容", "Value"), 70.0),
        ],
        rows: facts,
    };

    let mut by_status: Vec<Row> = Status::ALL
        .iter()
        .map(|st| {
            let n = match st {
                Status::CouldNotEvaluate => s.counts.could_not_evaluate,
                Status::Violated => s.counts.violated,
                Status::Upcoming => s.counts.upcoming,
                Status::Waived => s.counts.waived,
                Status::Delegated => s.counts.delegated,
                Status::Satisfied => s.counts.satisfied,
                Status::NotApplicable => s.counts.not_applicable,
            };
            Row::plain(vec![status_label(*st, lang), Cell::count(n)])
        })
        .collect();
    by_status.push(Row::plain(vec![
        Cell::text(t(lang, "合計", "Total")),
        Cell::count(s.counts.total()),
    ]));
    let by_status = Table {
        columns: vec![
            col(t(lang, "状態", "Status"), 40.0),
            col(t(lang, "件数", "Pairs"), 70.0),
        ],
        rows: by_status,
    };

    let answers = Table {
        columns: vec![
            col(t(lang, "回答", "Answer"), 40.0),
            col(t(lang, "項目数", "Items"), 70.0),
        ],
        rows: [
            Answer::Yes,
            Answer::No,
            Answer::NotApplicable,
            Answer::Unknown,
        ]
        .into_iter()
        .map(|a| {
            let n = gap.checklist.iter().filter(|x| x.answer == a).count();
            Row::plain(vec![Cell::text(a.label().get(lang)), Cell::count(n)])
        })
        .collect(),
    };

    let scores = |head: &'static str, scores: &[super::Score]| Table {
        columns: vec![
            col(head, 40.0),
            col(t(lang, "スコア", "Score"), 70.0),
            col(t(lang, "充足", "Met"), 12.0),
            col(t(lang, "対象", "Applicable"), 12.0),
        ],
        rows: scores
            .iter()
            .map(|x| {
                Row::plain(vec![
                    Cell::text(x.name.get(lang)),
                    Cell::Percent(x.score),
                    Cell::count(x.met),
                    Cell::count(x.applicable),
                ])
            })
            .collect(),
    };
    let by_volume = scores(t(lang, "編", "Volume"), &s.by_volume);
    let by_section = scores(
        t(lang, "チェックリストの区分", "Checklist section"),
        &s.by_section,
    );

    let mut by_severity: Vec<Row> = Severity::ALL
        .iter()
        .map(|sev| {
            let n = s
                .gaps_by_severity
                .iter()
                .find(|(x, _)| x == sev)
                .map_or(0, |(_, n)| *n);
            Row::plain(vec![Cell::text(sev.label().get(lang)), Cell::count(n)])
        })
        .collect();
    by_severity.push(Row::plain(vec![
        Cell::text(t(lang, "合計", "Total")),
        Cell::count(gap.gaps.len()),
    ]));
    let by_severity = Table {
        columns: vec![
            col(t(lang, "重大度", "Severity"), 40.0),
            col(t(lang, "ギャップ", "Gaps"), 70.0),
        ],
        rows: by_severity,
    };

    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} — {}",
            t(lang, "ギャップ分析", "Gap analysis"),
            clip(&c.institution)
        ),
        &style.title,
    )?;
    let blocks: [(&str, &Table); 6] = [
        (t(lang, "表紙", "Cover"), &cover),
        (t(lang, "状態別の件数", "Pairs by status"), &by_status),
        (
            t(lang, "チェックリストの回答", "Checklist answers"),
            &answers,
        ),
        (t(lang, "編ごとのスコア", "Score by volume"), &by_volume),
        (
            t(
                lang,
                "チェックリストの区分ごとのスコア",
                "Score by checklist section",
            ),
            &by_section,
        ),
        (
            t(lang, "重大度別のギャップ", "Gaps by severity"),
            &by_severity,
        ),
    ];
    let mut row = 2;
    let mut links = 0;
    for (heading, table) in blocks {
        ws.write_string_with_format(row, 0, heading, &style.heading)?;
        row = write_table(ws, row + 1, table, style, &mut links)? + 2;
    }
    let tables: Vec<&Table> = blocks.iter().map(|(_, t)| *t).collect();
    set_widths(ws, &tables, false, lang)?;
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn checklist(gap: &GapReport, lang: Lang) -> Table {
    let section = |n: u8| super::section_name(n).get(lang).to_owned();
    Table {
        columns: vec![
            col(t(lang, "番号", "No."), 8.0),
            col(t(lang, "区分", "Section"), 24.0),
            col(t(lang, "チェック項目", "Item"), 60.0),
            col(t(lang, "回答", "Answer"), 14.0),
            col(t(lang, "確認日", "Checked on"), 14.0),
            col(t(lang, "目標日", "Target date"), 14.0),
            col(t(lang, "目標 (年度)", "Target (fiscal year)"), 32.0),
            col(t(lang, "ルール", "Rules"), 24.0),
            col(t(lang, "未充足の組", "Open pairs"), 50.0),
        ],
        rows: gap
            .checklist
            .iter()
            .map(|a| Row {
                cells: vec![
                    Cell::text(&a.number),
                    Cell::text(section(a.section)),
                    Cell::text(a.title.get(lang)),
                    Cell::text(a.answer.label().get(lang)),
                    Cell::Date(a.checked_on),
                    date_or_blank(a.target.as_ref().map(|x| x.date)),
                    Cell::text(a.target.as_ref().map_or("", |x| x.label.get(lang))),
                    Cell::lines(&a.rules),
                    Cell::lines(&a.open),
                ],
                mark: match a.answer {
                    Answer::No => Mark::Alert,
                    Answer::Unknown => Mark::Caution,
                    Answer::Yes | Answer::NotApplicable => Mark::Plain,
                },
            })
            .collect(),
    }
}

fn gaps(gap: &GapReport, lang: Lang) -> Table {
    Table {
        columns: vec![
            col(t(lang, "優先度", "Priority"), 10.0),
            col(t(lang, "重大度", "Severity"), 10.0),
            col(t(lang, "状態", "Status"), 18.0),
            col(t(lang, "ルール", "Rule"), 22.0),
            col(t(lang, "要求事項", "Requirement"), 50.0),
            col(t(lang, "対象", "Entity"), 30.0),
            col(t(lang, "期限", "Deadline"), 14.0),
            col(t(lang, "期限 (年度)", "Deadline (fiscal year)"), 32.0),
            col(t(lang, "担当", "Responsible"), 24.0),
            col(t(lang, "対応方法", "Fix"), 60.0),
            col(t(lang, "出典", "Source"), 40.0),
            col("URL", 40.0),
            col(t(lang, "記載箇所", "Location"), 40.0),
        ],
        rows: gap
            .gaps
            .iter()
            .map(|g| {
                Row::plain(vec![
                    Cell::count(g.priority),
                    Cell::text(g.severity.label().get(lang)),
                    status_label(g.status, lang),
                    Cell::text(&g.rule),
                    Cell::text(g.title.get(lang)),
                    Cell::text(&g.entity),
                    Cell::Date(g.deadline.date),
                    Cell::text(g.deadline.label.get(lang)),
                    Cell::texts(&g.responsible, lang),
                    Cell::text(g.fix.get(lang)),
                    Cell::text(&g.source),
                    Cell::Link(g.url.clone()),
                    Cell::text(g.location.as_deref().unwrap_or("")),
                ])
            })
            .collect(),
    }
}

fn matrix(gap: &GapReport, lang: Lang) -> Table {
    Table {
        columns: vec![
            col(t(lang, "ルール", "Rule"), 22.0),
            col(t(lang, "要求事項", "Requirement"), 50.0),
            col(t(lang, "対象", "Entity"), 30.0),
            col(t(lang, "状態", "Status"), 18.0),
            col(t(lang, "実施", "Does"), 30.0),
            col(t(lang, "説明責任", "Answers for"), 30.0),
        ],
        rows: gap
            .matrix
            .iter()
            .map(|m| {
                Row::plain(vec![
                    Cell::text(&m.rule),
                    Cell::text(m.title.get(lang)),
                    Cell::text(&m.entity),
                    m.status
                        .map_or_else(|| Cell::text("-"), |s| status_label(s, lang)),
                    Cell::texts(&m.does, lang),
                    Cell::texts(&m.accountable, lang),
                ])
            })
            .collect(),
    }
}

fn exceptions(gap: &GapReport, lang: Lang) -> Table {
    Table {
        columns: vec![
            col("ID", 20.0),
            col(t(lang, "ルール", "Rule"), 22.0),
            col(t(lang, "対象", "Entity"), 30.0),
            col(t(lang, "理由", "Reason"), 60.0),
            col(t(lang, "承認者", "Approved by"), 20.0),
            col(t(lang, "承認日", "Approved on"), 14.0),
            col(t(lang, "有効期限", "Expires on"), 14.0),
            col(t(lang, "残り日数", "Days left"), 12.0),
            col(t(lang, "状態", "State"), 14.0),
        ],
        rows: gap
            .exceptions
            .iter()
            .map(|e| {
                let expired = e.days_left < 0;
                #[allow(clippy::cast_precision_loss)]
                let days = e.days_left as f64;
                Row {
                    cells: vec![
                        Cell::text(&e.id),
                        Cell::text(&e.rule),
                        Cell::text(&e.target),
                        Cell::text(&e.reason),
                        Cell::text(&e.approved_by),
                        Cell::Date(e.approved_on),
                        Cell::Date(e.expires_on),
                        Cell::Number(days),
                        Cell::text(if expired {
                            t(lang, "期限切れ", "expired")
                        } else {
                            t(lang, "有効", "in force")
                        }),
                    ],
                    mark: if expired { Mark::Alert } else { Mark::Plain },
                }
            })
            .collect(),
    }
}

fn evidence(gap: &GapReport, lang: Lang) -> Table {
    Table {
        columns: vec![
            col(t(lang, "文書", "Document"), 30.0),
            col(t(lang, "種類", "Kind"), 20.0),
            col(t(lang, "表題", "Title"), 40.0),
            col(t(lang, "見直し日", "Reviewed on"), 14.0),
            col(t(lang, "承認者", "Approved by"), 20.0),
            col(t(lang, "証跡", "Evidence"), 60.0),
        ],
        rows: gap
            .evidence
            .iter()
            .map(|d| {
                Row::plain(vec![
                    Cell::text(d.name.get(lang)),
                    Cell::text(&d.kind),
                    Cell::text(d.title.as_deref().unwrap_or("")),
                    date_or_blank(d.reviewed_on),
                    Cell::text(d.approved_by.as_deref().unwrap_or("")),
                    Cell::lines(&d.evidence),
                ])
            })
            .collect(),
    }
}

fn rules(gap: &GapReport, lang: Lang) -> Table {
    let mut columns = vec![
        col(t(lang, "ルール", "Rule"), 22.0),
        col(t(lang, "要求事項", "Requirement"), 50.0),
        col(t(lang, "重大度", "Severity"), 10.0),
        col(t(lang, "編", "Volume"), 30.0),
        col(t(lang, "出典", "Source"), 40.0),
        col("URL", 40.0),
    ];
    let heads: [(&'static str, &'static str); 7] = [
        ("評価不能", "Could not evaluate"),
        ("違反", "Violated"),
        ("期限前", "Upcoming"),
        ("例外承認", "Waived"),
        ("委託", "Delegated"),
        ("適合", "Satisfied"),
        ("対象外", "Not applicable"),
    ];
    columns.extend(heads.iter().map(|(ja, en)| col(t(lang, ja, en), 12.0)));
    Table {
        columns,
        rows: gap
            .appendix
            .iter()
            .map(|r| {
                let n = &r.counts;
                Row::plain(vec![
                    Cell::text(&r.rule),
                    Cell::text(r.title.get(lang)),
                    Cell::text(r.severity.label().get(lang)),
                    Cell::text(r.volume.label().get(lang)),
                    Cell::text(&r.source),
                    Cell::Link(r.url.clone()),
                    Cell::count(n.could_not_evaluate),
                    Cell::count(n.violated),
                    Cell::count(n.upcoming),
                    Cell::count(n.waived),
                    Cell::count(n.delegated),
                    Cell::count(n.satisfied),
                    Cell::count(n.not_applicable),
                ])
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_to_excels_limit() {
        assert_eq!(clip("さくら"), "さくら");
        let long = "あ".repeat(MAX_CELL_TEXT + 10);
        let cut = clip(&long);
        assert!(cut.encode_utf16().count() <= MAX_CELL_TEXT);
        assert!(cut.ends_with('…'));
        // Characters outside the BMP take two UTF-16 units each.
        let astral = "𠮷".repeat(MAX_CELL_TEXT);
        assert!(clip(&astral).encode_utf16().count() <= MAX_CELL_TEXT);
    }

    #[test]
    fn wide_characters_count_double() {
        assert!((Cell::text("さくら").width(Lang::Ja) - 6.0).abs() < f64::EPSILON);
        assert!((Cell::text("abc").width(Lang::En) - 3.0).abs() < f64::EPSILON);
        // The widest line of a multi-line cell.
        assert!((Cell::text("ab\nさくらさくら\nc").width(Lang::Ja) - 12.0).abs() < f64::EPSILON);
        // Ambiguous characters (Roman numerals) are full width in Japanese fonts.
        assert!((Cell::text("Ⅳ").width(Lang::Ja) - 2.0).abs() < f64::EPSILON);
    }

    #[test]
    fn dates_outside_excels_range_are_not_excel_dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert!(excel_date(d(2026, 11, 21)).is_some());
        assert!(excel_date(d(1800, 1, 1)).is_none());
        assert!(excel_date(d(10_000, 1, 1)).is_none());
        assert!(excel_date(d(-5, 1, 1)).is_none());
    }
}
