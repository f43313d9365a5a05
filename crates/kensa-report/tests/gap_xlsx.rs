//! `kensa gap --format xlsx`: the workbook of the pattern Ⅳ clinic example, read back
//! (cells with calamine, the sheet XML from the zip) and checked.

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::NaiveDate;
use kensa_manifest::{Lang, Limits, load};
use kensa_report::gap::{self, Answer, ExceptionRow, GapReport};

/// The gap analysis of the pattern Ⅳ clinic as of 2026-11-21.
fn clinic() -> GapReport {
    let name = "clinic-cloud-nostaff.yaml";
    let report = common::example_report(name);
    let loaded = load(
        &common::root().join("manifests/examples").join(name),
        &Limits::default(),
    );
    let manifest = loaded.manifest.as_ref().expect("valid example");
    let split = kensa_engine::split::split(manifest, &loaded.sources, common::catalogue(), &report)
        .expect("split");
    gap::analyse(manifest, &report, &split, common::catalogue())
}

fn render(gap: &GapReport, lang: Lang) -> Vec<u8> {
    gap::xlsx::render(gap, lang).expect("workbook")
}

/// The files of the workbook's zip, by name.
fn parts(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("zip entry");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("UTF-8 XML");
        out.insert(f.name().expect("entry name").into_owned(), s);
    }
    out
}

/// Every cell of every sheet, by sheet name in workbook order.
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("calamine reads it");
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("sheet");
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

fn sheet<'a>(all: &'a [(String, Vec<Vec<Data>>)], name: &str) -> &'a [Vec<Data>] {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.replace('\n', " ⏎ "),
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        Data::Float(f) => format!("{f:.4}"),
        Data::Int(i) => i.to_string(),
        Data::DateTime(_) => d
            .as_date()
            .map_or_else(|| format!("{d:?}"), |x| format!("[date {x}]")),
        other => format!("{other:?}"),
    }
}

/// A sheet as text: one line a row, cells separated by ` | `.
fn dump(rows: &[Vec<Data>]) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().map(text).collect();
        out.push_str(cells.join(" | ").trim_end_matches([' ', '|']));
        out.push('\n');
    }
    out
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The `sheetN.xml` of the sheet named `name`, from the workbook's order.
fn sheet_xml<'a>(parts: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    let workbook = &parts["xl/workbook.xml"];
    let index = workbook
        .split("<sheet ")
        .skip(1)
        .position(|s| s.starts_with(&format!("name=\"{name}\"")))
        .unwrap_or_else(|| panic!("no sheet {name}"));
    &parts[&format!("xl/worksheets/sheet{}.xml", index + 1)]
}

/// The value of `attr` in the first tag of `xml` that has it.
fn attr<'a>(xml: &'a str, attr: &str) -> Option<&'a str> {
    let start = xml.find(&format!(" {attr}=\""))? + attr.len() + 3;
    xml[start..].split('"').next()
}

/// The fill colour (`AARRGGBB`) of the cell `cell` (e.g. `D3`) of a sheet, if it has one.
fn fill_of(parts: &BTreeMap<String, String>, sheet: &str, cell: &str) -> Option<String> {
    let tag = sheet.split(&format!("<c r=\"{cell}\"")).nth(1)?;
    let style: usize = attr(tag.split('>').next()?, "s")?.parse().ok()?;
    let styles = &parts["xl/styles.xml"];
    let xfs = styles
        .split("<cellXfs")
        .nth(1)?
        .split("</cellXfs>")
        .next()?;
    let xf = xfs.split("<xf ").nth(style + 1)?;
    let fill: usize = attr(&format!(" {xf}"), "fillId")?.parse().ok()?;
    let fills = styles.split("<fills").nth(1)?.split("</fills>").next()?;
    let f = fills.split("<fill>").nth(fill + 1)?;
    attr(f, "rgb").map(str::to_owned)
}

fn column_letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i).expect("few columns"))
}

const SHEETS_JA: [&str; 7] = [
    "概要",
    "チェックリスト",
    "ギャップ",
    "責任分界",
    "例外",
    "証跡",
    "規則一覧",
];

#[test]
fn the_workbook_has_one_sheet_per_part_named_in_the_language() {
    let gap = clinic();
    let names = |lang| -> Vec<String> {
        sheets(&render(&gap, lang))
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    assert_eq!(names(Lang::Ja), SHEETS_JA);
    assert_eq!(
        names(Lang::En),
        [
            "Summary",
            "Checklist",
            "Gaps",
            "Responsibility",
            "Exceptions",
            "Evidence",
            "Rules"
        ]
    );
    let parts = parts(&render(&gap, Lang::Ja));
    for name in SHEETS_JA {
        assert!(
            parts["xl/workbook.xml"].contains(&format!("<sheet name=\"{name}\"")),
            "{name}"
        );
    }
}

#[test]
fn texts_are_shared_strings() {
    let gap = clinic();
    let parts = parts(&render(&gap, Lang::Ja));
    let strings = &parts["xl/sharedStrings.xml"];
    assert!(strings.contains("さくら内科クリニック"));
    assert!(strings.contains("<t>はい</t>"));
    assert!(strings.contains("<t>いいえ</t>"));
}

#[test]
fn two_renders_are_the_same_bytes_created_on_the_date_judged_on() {
    let gap = clinic();
    let a = render(&gap, Lang::Ja);
    let b = render(&gap, Lang::Ja);
    assert!(a == b, "two renders of the same analysis differ");
    let core = &parts(&a)["docProps/core.xml"];
    assert!(
        core.contains(">2026-11-21T00:00:00Z</dcterms:created>"),
        "{core}"
    );
    // Another date judged on, another creation time.
    let mut later = gap.clone();
    later.cover.as_of = NaiveDate::from_ymd_opt(2027, 1, 5).expect("date");
    assert!(
        parts(&render(&later, Lang::Ja))["docProps/core.xml"].contains(">2027-01-05T00:00:00Z<")
    );
}

#[test]
fn every_table_has_a_frozen_filtered_header_of_the_model_length() {
    let gap = clinic();
    assert!(!gap.checklist.is_empty() && !gap.gaps.is_empty() && !gap.matrix.is_empty());
    let parts = parts(&render(&gap, Lang::Ja));
    let tables = [
        ("チェックリスト", gap.checklist.len(), 9),
        ("ギャップ", gap.gaps.len(), 13),
        ("責任分界", gap.matrix.len(), 6),
        ("例外", gap.exceptions.len(), 9),
        ("証跡", gap.evidence.len(), 6),
        ("規則一覧", gap.appendix.len(), 13),
    ];
    for (name, rows, columns) in tables {
        let xml = sheet_xml(&parts, name);
        assert_eq!(count(xml, "<row "), rows + 1, "{name}: rows");
        let last = column_letter(columns - 1);
        assert!(
            xml.contains(&format!("<autoFilter ref=\"A1:{last}{}\"/>", rows + 1)),
            "{name}: autofilter"
        );
        assert!(
            xml.contains(
                r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            ),
            "{name}: frozen header"
        );
        // Bold header with a fill.
        let fill = fill_of(&parts, xml, "A1").unwrap_or_default();
        assert!(fill.ends_with("DDEBF7"), "{name}: header fill {fill}");
        // Widths set for every column, within bounds.
        let last_col = xml
            .rsplit("<col ")
            .next()
            .and_then(|c| c.split(" max=\"").nth(1))
            .and_then(|v| v.split('"').next());
        assert_eq!(
            last_col,
            Some(columns.to_string().as_str()),
            "{name}: widths"
        );
        for w in xml.split(" width=\"").skip(1) {
            let w: f64 = w
                .split('"')
                .next()
                .and_then(|w| w.parse().ok())
                .expect("width");
            assert!((6.0..=61.0).contains(&w), "{name}: width {w}");
        }
    }
    // The summary has several tables, so neither.
    let summary = sheet_xml(&parts, "概要");
    assert!(!summary.contains("<autoFilter") && !summary.contains("<pane "));
}

#[test]
fn the_checklist_answers_with_dates_and_highlights_no() {
    let gap = clinic();
    let bytes = render(&gap, Lang::Ja);
    let all = sheets(&bytes);
    let rows = sheet(&all, "チェックリスト");
    assert_eq!(rows.len(), gap.checklist.len() + 1);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
    let parts = parts(&bytes);
    let xml = sheet_xml(&parts, "チェックリスト");
    let mut seen = (false, false);
    for (i, (row, item)) in rows[1..].iter().zip(&gap.checklist).enumerate() {
        assert_eq!(text(&row[0]), item.number);
        assert_eq!(text(&row[3]), item.answer.label().ja);
        assert_eq!(row[4].as_date(), Some(as_of), "確認日 is an Excel date");
        assert_eq!(row[5].as_date(), item.target.as_ref().map(|t| t.date));
        let fill = fill_of(&parts, xml, &format!("D{}", i + 2));
        match item.answer {
            Answer::No => {
                seen.0 = true;
                assert!(row[6].get_string().is_some_and(|s| s.contains("年度")));
                assert_eq!(fill.as_deref(), Some("FFFFC7CE"), "{}", item.number);
            }
            Answer::Yes => {
                seen.1 = true;
                assert_eq!(fill, None, "{}", item.number);
            }
            _ => {}
        }
    }
    assert!(seen.0 && seen.1, "the example has both はい and いいえ");
    assert!(parts["xl/styles.xml"].contains("formatCode=\"yyyy-mm-dd\""));
}

#[test]
fn gaps_keep_priority_order_with_dated_deadlines_and_links() {
    let gap = clinic();
    let bytes = render(&gap, Lang::Ja);
    let all = sheets(&bytes);
    let rows = sheet(&all, "ギャップ");
    assert_eq!(rows.len(), gap.gaps.len() + 1);
    for (row, g) in rows[1..].iter().zip(&gap.gaps) {
        assert_eq!(
            row[0].as_f64(),
            Some(f64::from(u32::try_from(g.priority).expect("small")))
        );
        assert_eq!(text(&row[3]), g.rule);
        assert_eq!(text(&row[5]), g.entity);
        assert_eq!(row[6].as_date(), Some(g.deadline.date));
        assert_eq!(text(&row[7]), g.deadline.label.ja);
        assert_eq!(text(&row[11]), g.url);
    }
    let parts = parts(&bytes);
    let links = gap
        .gaps
        .iter()
        .filter(|g| g.url.starts_with("http"))
        .count();
    assert!(links > 0);
    assert_eq!(count(sheet_xml(&parts, "ギャップ"), "<hyperlink "), links);
}

#[test]
fn expired_exceptions_are_highlighted_and_odd_values_are_written_as_text() {
    let mut gap = clinic();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
    gap.exceptions = vec![
        ExceptionRow {
            id: "ex-old".into(),
            rule: "CL-2-7".into(),
            target: "asset/pc-1".into(),
            reason: "更新待ち".into(),
            approved_by: "dr-sato".into(),
            approved_on: d(2025, 1, 1),
            expires_on: d(2026, 11, 1),
            days_left: -20,
        },
        ExceptionRow {
            id: "ex-new".into(),
            rule: "CL-2-9".into(),
            target: "asset/pc-2".into(),
            reason: "x".repeat(40_000),
            approved_by: "dr-sato".into(),
            approved_on: d(1800, 1, 1),
            expires_on: d(2027, 3, 31),
            days_left: 130,
        },
    ];
    gap.gaps[0].url = "javascript:alert(1)".into();
    gap.gaps[1].url = format!("https://example.org/{}", "a".repeat(3_000));
    let bytes = render(&gap, Lang::En);
    let all = sheets(&bytes);
    let rows = sheet(&all, "Exceptions");
    assert_eq!(text(&rows[1][0]), "ex-old");
    assert_eq!(text(&rows[1][7]), "-20");
    assert_eq!(text(&rows[1][8]), "expired");
    assert_eq!(text(&rows[2][8]), "in force");
    // Too long for a cell: cut to Excel's limit.
    let reason = text(&rows[2][3]);
    assert!(reason.ends_with('…') && reason.chars().count() <= 32_767);
    // Before 1900: not an Excel date, so written as text.
    assert_eq!(text(&rows[2][5]), "1800-01-01");
    let parts = parts(&bytes);
    let xml = sheet_xml(&parts, "Exceptions");
    assert_eq!(fill_of(&parts, xml, "A2").as_deref(), Some("FFFFC7CE"));
    assert_eq!(fill_of(&parts, xml, "A3"), None);
    // Only http(s) URLs Excel accepts become links; the others stay as text.
    let gaps = sheet(&all, "Gaps");
    assert_eq!(text(&gaps[1][11]), "javascript:alert(1)");
    assert!(text(&gaps[2][11]).starts_with("https://example.org/aaa"));
    let links = gap
        .gaps
        .iter()
        .filter(|g| g.url.starts_with("http"))
        .count()
        - 1;
    assert_eq!(count(sheet_xml(&parts, "Gaps"), "<hyperlink "), links);
}

#[test]
fn an_empty_analysis_still_has_every_header() {
    let mut gap = clinic();
    gap.checklist.clear();
    gap.gaps.clear();
    gap.matrix.clear();
    gap.exceptions.clear();
    gap.evidence.clear();
    gap.appendix.clear();
    let bytes = render(&gap, Lang::Ja);
    let parts = parts(&bytes);
    for name in &SHEETS_JA[1..] {
        let xml = sheet_xml(&parts, name);
        assert_eq!(count(xml, "<row "), 1, "{name}");
        assert!(xml.contains("<autoFilter ref=\"A1:"), "{name}");
    }
}

#[test]
fn snapshots_of_each_sheet() {
    let gap = clinic();
    let keys = [
        "summary",
        "checklist",
        "gaps",
        "responsibility",
        "exceptions",
        "evidence",
        "rules",
    ];
    let version = regex_escape(&gap.cover.tool_version);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&format!(r"\b{version}\b"), "[version]");
    settings.bind(|| {
        for (lang, suffix) in [(Lang::Ja, ""), (Lang::En, "_en")] {
            for (key, (_, rows)) in keys.iter().zip(sheets(&render(&gap, lang))) {
                // In English, the sheets whose headings and labels are translated.
                if lang == Lang::En && !matches!(*key, "summary" | "checklist") {
                    continue;
                }
                insta::assert_snapshot!(format!("{key}{suffix}"), dump(&rows));
            }
        }
    });
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}
