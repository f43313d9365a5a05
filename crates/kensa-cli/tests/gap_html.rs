//! `kensa gap --format html` from the command line: one self-contained page, in Japanese
//! unless `--lang en`, the same bytes for the same date judged on.

mod common;

use common::kensa;

const EXAMPLE: &str = "manifests/examples/clinic-cloud-nostaff.yaml";

fn page(extra: &[&str]) -> String {
    let out = kensa()
        .args(["gap", EXAMPLE, "--as-of", "2026-11-21", "--format", "html"])
        .args(extra)
        .output()
        .expect("run kensa gap");
    assert!(
        out.status.success(),
        "kensa gap failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 page")
}

#[test]
fn the_page_is_japanese_by_default_and_the_same_each_time() {
    let first = page(&[]);
    assert!(first.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
    assert!(first.trim_end().ends_with("</html>"));
    assert!(first.contains("さくら内科クリニック"));
    assert!(first.contains("パターンⅣ"));
    assert!(first.contains("チェックリスト回答"));
    assert_eq!(first, page(&[]), "two runs gave different pages");
}

#[test]
fn english_on_request() {
    let en = page(&["--lang", "en"]);
    assert!(en.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(en.contains("Pattern IV"));
    assert!(en.contains("Executive summary"));
    assert!(!en.contains("エグゼクティブサマリー"));
}

#[test]
fn written_to_a_file_with_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gap.html");
    let out = kensa()
        .args([
            "gap",
            EXAMPLE,
            "--as-of",
            "2026-11-21",
            "--format",
            "html",
            "-o",
        ])
        .arg(&path)
        .output()
        .expect("run kensa gap");
    assert!(out.status.success());
    let written = std::fs::read_to_string(&path).expect("the page");
    assert_eq!(written, page(&[]));
}

/// The text a reader sees, in page order: tags dropped (block elements end a line), style
/// sheets left out, entities decoded, blank runs collapsed.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        if rest.starts_with("<style") {
            rest = rest.find("</style>").map_or("", |e| &rest[e + 8..]);
            continue;
        }
        let close = rest.find('>').map_or(rest.len(), |c| c + 1);
        let tag = &rest[1..close.saturating_sub(1)];
        let name = tag
            .trim_start_matches('/')
            .split([' ', '\n'])
            .next()
            .unwrap_or("");
        if matches!(
            name,
            "p" | "div"
                | "li"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "section"
                | "br"
                | "table"
                | "header"
                | "footer"
                | "text"
        ) {
            out.push('\n');
        } else if matches!(name, "td" | "th") && !tag.starts_with('/') {
            out.push_str(" | ");
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && l != "|")
        .collect::<Vec<_>>()
        .join("\n")
}

/// The page's text, whole, for the pattern Ⅳ clinic in Japanese.
#[test]
fn the_text_of_the_page() {
    insta::assert_snapshot!(visible_text(&page(&[])));
}
