//! `kensa gap --format html` opened in a real browser: headless Chromium reads the page of
//! the pattern Ⅳ clinic example, takes a screenshot of its first screen and prints it on
//! A4. Chromium is installed by `.ci/test-tools chromium` (the test runs it when Chromium is
//! missing); when it still cannot be found, the test fails and says so.
//!
//! `cargo test -p kensa-cli --test gap_browser -- --ignored` refreshes the README's
//! screenshot, `docs/gap-report.png`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{kensa, root};

const EXAMPLE: &str = "manifests/examples/clinic-cloud-nostaff.yaml";
const AS_OF: &str = "2026-11-21";
/// A4 at 150 dpi.
const WIDTH: u32 = 1240;
const HEIGHT: u32 = 1754;
/// How long one run of Chromium may take.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Where the tests write: the page, screenshots, the PDF and Chromium's profiles.
fn work() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gap_browser");
    std::fs::create_dir_all(&dir).expect("work folder");
    dir
}

/// The first of `chromium` and `chromium-browser` on the PATH.
fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Headless Chromium, installed by `.ci/test-tools chromium` when missing.
fn chromium() -> &'static Path {
    static CHROMIUM: OnceLock<PathBuf> = OnceLock::new();
    CHROMIUM.get_or_init(|| {
        if let Some(found) = find_chromium() {
            return found;
        }
        let out = Command::new(root().join(".ci/test-tools"))
            .arg("chromium")
            .output();
        let (installed, log) = match &out {
            Ok(out) => (
                out.status.success(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ),
            Err(e) => (false, format!("cannot run it: {e}")),
        };
        match find_chromium() {
            Some(found) if installed => found,
            _ => panic!(
                "headless Chromium is needed to check the HTML gap analysis and was not found \
                 (neither `chromium` nor `chromium-browser` is on the PATH). Run `.ci/test-tools` \
                 (as root or with sudo: it installs the Debian packages chromium and \
                 fonts-noto-cjk).\n.ci/test-tools chromium said:\n{log}"
            ),
        }
    })
}

/// The page of the example, in Japanese, written once.
fn page() -> &'static Path {
    static PAGE: OnceLock<PathBuf> = OnceLock::new();
    PAGE.get_or_init(|| {
        let path = work().join("gap.html");
        let out = kensa()
            .args(["gap", EXAMPLE, "--as-of", AS_OF, "--format", "html", "-o"])
            .arg(&path)
            .output()
            .expect("run kensa gap");
        assert!(
            out.status.success(),
            "kensa gap failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        path
    })
}

/// The institution's name, from the analysis as JSON.
fn institution() -> String {
    let out = kensa()
        .args(["gap", EXAMPLE, "--as-of", AS_OF, "--format", "json"])
        .output()
        .expect("run kensa gap");
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("gap JSON");
    json["cover"]["institution"]
        .as_str()
        .expect("the institution's name")
        .to_owned()
}

fn url(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).expect("absolute path");
    format!("file://{}", absolute.display())
}

/// Runs headless Chromium with `args` and then `target`, in its own profile, killing it
/// when it takes longer than [`TIMEOUT`].
fn run_chromium(profile: &str, args: &[String], target: &str) -> Output {
    let profile = work().join(format!("profile-{profile}"));
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(target)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Drain the pipes while waiting, so that a chatty Chromium cannot block on them.
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took more than {TIMEOUT:?} on {target}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

/// A screenshot of the first screen of `target`, A4-sized.
fn screenshot(target: &str, png: &Path) -> Vec<u8> {
    let _ = std::fs::remove_file(png);
    let out = run_chromium(
        png.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("screenshot"),
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={WIDTH},{HEIGHT}"),
        ],
        target,
    );
    assert!(
        out.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()))
}

/// The width and height of a PNG, from its IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {:?}",
        &png[..png.len().min(8)]
    );
    assert_eq!(&png[12..16], b"IHDR", "the first chunk is not IHDR");
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (be(16), be(20))
}

/// Pages of a PDF: its `/Type /Page` objects (not the `/Type /Pages` tree).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

/// The width and height of each `/MediaBox [x0 y0 x1 y1]` of a PDF.
fn media_boxes(pdf: &[u8]) -> Vec<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    text.split("/MediaBox [")
        .skip(1)
        .filter_map(|rest| {
            let numbers: Vec<f64> = rest
                .split(']')
                .next()?
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            match numbers[..] {
                [x0, y0, x1, y1] => Some((x1 - x0, y1 - y0)),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_browser_reads_the_checklist_and_the_pattern() {
    let out = run_chromium("dom", &["--dump-dom".to_owned()], &url(page()));
    assert!(
        out.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8(out.stdout).expect("UTF-8 DOM");
    let name = institution();
    assert!(dom.contains(&name), "{name} is not in the page");
    for text in ["チェックリスト", "パターンⅣ", "Ⅳ", "エグゼクティブサマリー"]
    {
        assert!(dom.contains(text), "「{text}」 is not in the page");
    }
    assert!(
        dom.contains(">はい</span>") && dom.contains(">いいえ</span>"),
        "no はい / いいえ answer in the page"
    );
    // The browser built the tables: one row per checklist item.
    assert!(dom.matches("<tr class=\"cl-row ").count() >= 15);
    assert!(!dom.contains("<script"));
}

#[test]
fn the_first_screen_is_an_a4_sized_picture_of_the_cover() {
    let dir = work();
    let png = screenshot(&url(page()), &dir.join("first.png"));
    assert_eq!(png_size(&png), (WIDTH, HEIGHT));
    // An empty page of the same size, for comparison: the cover and the charts take far
    // more bytes than a page of one colour.
    let empty = dir.join("empty.html");
    std::fs::write(&empty, "<!DOCTYPE html><html><body></body></html>").expect("empty page");
    let blank = screenshot(&url(&empty), &dir.join("blank.png"));
    assert_eq!(png_size(&blank), (WIDTH, HEIGHT));
    assert!(
        png.len() > 10 * blank.len() && png.len() > 50_000,
        "the screenshot looks blank: {} bytes, an empty page {} bytes",
        png.len(),
        blank.len()
    );
}

#[test]
fn it_prints_on_several_a4_pages() {
    let pdf_path = work().join("gap.pdf");
    let _ = std::fs::remove_file(&pdf_path);
    let out = run_chromium(
        "pdf",
        &[
            format!("--print-to-pdf={}", pdf_path.display()),
            "--no-pdf-header-footer".to_owned(),
        ],
        &url(page()),
    );
    assert!(
        out.status.success(),
        "chromium --print-to-pdf failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read(&pdf_path).expect("the PDF");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let pages = pdf_pages(&pdf);
    // The cover, then each major part on a page of its own: the summary, the checklist,
    // the gaps, the matrix, the exceptions and the appendix.
    assert!(
        pages >= 7,
        "{pages} pages: the print styles do not break pages"
    );
    // A4 portrait: 595 × 842 points, on every page.
    let boxes = media_boxes(&pdf);
    assert!(!boxes.is_empty(), "no page size in the PDF");
    for (w, h) in boxes {
        assert!(
            (w - 595.0).abs() < 1.0 && (h - 842.0).abs() < 1.0,
            "a page of {w} × {h} points is not A4"
        );
    }
}

/// Refreshes `docs/gap-report.png`, the README's picture of the first screen (Japanese,
/// the pattern Ⅳ clinic, as of 2026-11-21).
#[test]
#[ignore = "writes docs/gap-report.png"]
fn refresh_the_readme_screenshot() {
    let docs = root().join("docs");
    std::fs::create_dir_all(&docs).expect("docs folder");
    let png = screenshot(&url(page()), &docs.join("gap-report.png"));
    assert_eq!(png_size(&png), (WIDTH, HEIGHT));
    assert!(png.len() < 400_000, "{} bytes", png.len());
}
