//! `kensa split` for people: the responsibility chart as text, Markdown and CSV, its
//! filters, a broken manifest, and a vendor's view over a portfolio; snapshot-tested
//! (stdout, stderr, exit code), with the CSV parsed and checked against the JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use serde_json::Value;

mod common;

use common::{kensa, root};

const CLINIC: &str = "manifests/examples/clinic-cloud-nostaff.yaml";
const BROKEN: &str = "tests/fixtures/invalid/wrong-types.yaml";
const AS_OF: &str = "2026-11-21";

/// `kensa --lang LANG split PATH --as-of … --format FORMAT EXTRA…`.
fn split(lang: &str, path: &str, format: &str, extra: &[&str]) -> Command {
    let mut cmd = kensa();
    cmd.args([
        "--lang", lang, "split", path, "--as-of", AS_OF, "--format", format,
    ]);
    cmd.args(extra);
    cmd
}

/// `kensa --lang LANG split --portfolio manifests/examples --vendor VENDOR …`.
fn vendor(lang: &str, id: &str, format: &str) -> Command {
    let mut cmd = kensa();
    cmd.args([
        "--lang",
        lang,
        "split",
        "--portfolio",
        "manifests/examples",
        "--vendor",
        id,
        "--as-of",
        AS_OF,
        "--format",
        format,
    ]);
    cmd
}

/// Stdout of a run that found gaps or none (exit 0 or 1).
fn stdout(mut cmd: Command) -> String {
    let out = cmd.output().expect("run kensa");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn json(cmd: Command) -> Value {
    serde_json::from_str(&stdout(cmd)).expect("JSON")
}

macro_rules! snapshots {
    ($($name:ident: $cmd:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_cmd_snapshot!($cmd);
        }
    )*};
}

snapshots! {
    text_ja: split("ja", CLINIC, "text", &[]);
    text_en: split("en", CLINIC, "text", &[]);
    markdown_ja: split("ja", CLINIC, "markdown", &[]);
    markdown_en: split("en", CLINIC, "markdown", &[]);
    csv_ja: split("ja", CLINIC, "csv", &[]);
    party_acme_text: split("ja", CLINIC, "text", &["--party", "vendor:acme-medical"]);
    system_ehr_markdown: split("en", CLINIC, "markdown", &["--system", "ehr"]);
    broken_manifest_exits_2: split("en", BROKEN, "text", &[]);
    vendor_portfolio_text: vendor("ja", "acme-medical", "text");
    vendor_portfolio_markdown: vendor("en", "acme-medical", "markdown");
    vendor_portfolio_csv: vendor("ja", "acme-medical", "csv");
}

/// A CSV parser after RFC 4180 (quoted fields, doubled quotes, CRLF records); panics on
/// anything else, so that a malformed file fails the test.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(
                    field.is_empty() && !was_quoted,
                    "stray quote after {field:?}"
                );
                quoted = true;
                was_quoted = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                was_quoted = false;
            }
            '\n' => panic!("bare LF ends a record (RFC 4180 wants CRLF)"),
            _ => {
                assert!(!was_quoted, "text after a closing quote");
                field.push(c);
            }
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(
        field.is_empty() && record.is_empty(),
        "last record lacks CRLF"
    );
    records
}

/// The CSV has a BOM, a header, the same number of fields on every record, and says what
/// the JSON says: one record per (rule, entity, party that does or answers for it), with
/// the title in the language asked for, even where quoting was needed.
#[test]
fn csv_parses_and_matches_the_json() {
    let text = stdout(split("en", CLINIC, "csv", &[]));
    let body = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark");
    let records = parse_csv(body);
    let header = &records[0];
    assert_eq!(
        header,
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
            "basis"
        ]
    );
    for r in &records {
        assert_eq!(r.len(), header.len(), "{r:?}");
    }
    assert!(
        records.iter().any(|r| r[1].contains(',')),
        "a title with a comma, so that quoting is exercised"
    );

    let split = json(split("en", CLINIC, "json", &[]));
    let mut expected = BTreeMap::new();
    for row in split["rows"].as_array().expect("rows") {
        let parties: BTreeSet<&str> = ["does", "accountable"]
            .iter()
            .flat_map(|k| row[k].as_array().expect("assignments"))
            .map(|a| a["party"].as_str().expect("party"))
            .collect();
        for p in parties {
            let has = |k: &str| {
                row[k]
                    .as_array()
                    .expect("assignments")
                    .iter()
                    .any(|a| a["party"] == p)
            };
            expected.insert(
                (
                    row["rule"].as_str().expect("rule").to_string(),
                    row["entity"].as_str().expect("entity").to_string(),
                    p.to_string(),
                ),
                (
                    row["title"]["en"].as_str().expect("title").to_string(),
                    has("does").to_string(),
                    has("accountable").to_string(),
                ),
            );
        }
    }
    let got: BTreeMap<_, _> = records[1..]
        .iter()
        .map(|r| {
            (
                (r[0].clone(), r[2].clone(), r[6].clone()),
                (r[1].clone(), r[9].clone(), r[10].clone()),
            )
        })
        .collect();
    assert_eq!(
        got.len(),
        records.len() - 1,
        "one record per (rule, entity, party)"
    );
    assert_eq!(got, expected);
}

/// `--party vendor:acme-medical` keeps exactly the rows acme does or answers for.
#[test]
fn party_filter_keeps_only_the_rows_of_that_party() {
    let acme = "vendor:acme-medical";
    let involves = |row: &Value| {
        ["does", "accountable"].iter().any(|k| {
            row[k]
                .as_array()
                .expect("assignments")
                .iter()
                .any(|a| a["party"] == acme)
        })
    };
    let key = |row: &Value| format!("{} {}", row["rule"], row["entity"]);
    let all = json(split("en", CLINIC, "json", &[]));
    let want: Vec<String> = all["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| involves(r))
        .map(key)
        .collect();
    assert!(!want.is_empty());
    let filtered = json(split("en", CLINIC, "json", &["--party", acme]));
    let rows = filtered["rows"].as_array().expect("rows");
    assert!(rows.iter().all(involves));
    assert_eq!(rows.iter().map(key).collect::<Vec<_>>(), want);

    // The CSV of the same filter: every (rule, entity) has a record where acme does it
    // or answers for it.
    let text = stdout(split("en", CLINIC, "csv", &["--party", acme]));
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    let mut pairs: BTreeMap<(String, String), bool> = BTreeMap::new();
    for r in &records[1..] {
        let acme_here = r[6] == acme && (r[9] == "true" || r[10] == "true");
        *pairs.entry((r[0].clone(), r[2].clone())).or_default() |= acme_here;
    }
    assert_eq!(pairs.len(), want.len());
    assert!(pairs.values().all(|v| *v), "{pairs:?}");
}

/// `--system ehr` keeps only the rows of entities of that system.
#[test]
fn system_filter_keeps_only_the_rows_of_that_system() {
    let text = stdout(split("en", CLINIC, "csv", &["--system", "ehr"]));
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    assert!(records.len() > 1);
    for r in &records[1..] {
        assert!(r[3].split(';').any(|s| s == "ehr"), "{r:?}");
    }
}

/// Terminal columns, East Asian wide characters counting two.
fn columns(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// In the Japanese text, every mark sits under a party's label, and every status under
/// the status heading, whatever the width of the Japanese around them.
#[test]
fn text_matrix_is_aligned_in_terminal_columns() {
    let text = stdout(split("ja", CLINIC, "text", &[]));
    let lines: Vec<&str> = text.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.starts_with("  要求事項 / 対象"))
        .expect("matrix header");
    let header = lines[head];
    let status_at = columns(&header[..header.find("状態").expect("status heading")]);
    // Each label spans [start, end) columns of the header.
    let mut spans = Vec::new();
    let mut col = 0;
    let mut start = None;
    let first_gap = header.find("  機関").expect("institution column");
    for (i, c) in header.char_indices() {
        if i > first_gap && col < status_at {
            match (c == ' ', start) {
                (false, None) => start = Some(col),
                (true, Some(s)) => {
                    spans.push((s, col));
                    start = None;
                }
                _ => {}
            }
        }
        col += columns(&c.to_string());
    }
    assert!(spans.len() >= 4, "{spans:?}");
    let mut rows = 0;
    for l in lines[head + 2..].iter().take_while(|l| !l.is_empty()) {
        if !l.starts_with("    ") {
            continue;
        }
        rows += 1;
        let mut col = 0;
        let mut status = None;
        for c in l.chars() {
            if "●◎○".contains(c) {
                assert!(
                    spans.iter().any(|(s, e)| (*s..*e).contains(&col)),
                    "mark at column {col} under no label: {l}"
                );
            } else if c != ' ' && col >= status_at && status.is_none() {
                status = Some(col);
            }
            col += columns(&c.to_string());
        }
        assert_eq!(status, Some(status_at), "{l}");
    }
    let split = json(split("ja", CLINIC, "json", &[]));
    assert_eq!(
        rows,
        split["rows"].as_array().expect("rows").len(),
        "one line per row"
    );
}

/// A vendor counts as itself and as the carrier of its lines: the carrier of the clinic's
/// closed line answers for failures on it, and the portfolio view says so.
#[test]
fn vendor_portfolio_includes_what_it_does_as_a_carrier() {
    let p = json(vendor("en", "sakura-hikari", "json"));
    let sites = p["sites"].as_array().expect("sites");
    assert_eq!(sites.len(), 1, "{p}");
    let rules: Vec<&str> = sites[0]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["rule"].as_str().expect("rule"))
        .collect();
    assert!(rules.contains(&"LINE-FAILURE"), "{rules:?}");
    let text = stdout(vendor("en", "sakura-hikari", "text"));
    assert!(
        text.contains("split.carrier-closed-line (as the carrier)"),
        "{text}"
    );
}

/// The vendor CSV has one record per row the vendor does, each naming the vendor.
#[test]
fn vendor_csv_lists_the_rows_the_vendor_does() {
    let p = json(vendor("en", "acme-medical", "json"));
    let rows: usize = p["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .map(|s| s["rows"].as_array().expect("rows").len())
        .sum();
    let text = stdout(vendor("en", "acme-medical", "csv"));
    let records = parse_csv(text.strip_prefix('\u{feff}').expect("BOM"));
    assert_eq!(records.len(), rows + 1);
    for r in &records[1..] {
        assert_eq!(r.len(), records[0].len());
        assert_eq!(r[9], "vendor:acme-medical");
    }
}

/// Same input, same bytes.
#[test]
fn output_is_deterministic() {
    for format in ["text", "markdown", "csv"] {
        let a = stdout(split("ja", CLINIC, format, &[]));
        let b = stdout(split("ja", CLINIC, format, &[]));
        assert_eq!(a, b, "{format}");
    }
    assert!(root().join(CLINIC).exists());
}
