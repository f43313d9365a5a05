//! What the fuzz targets share: how an input is cut into versions and files, the
//! built-in catalogue, and the invariants every check, split and diff must keep.
//!
//! An input is one or more versions of a manifest separated by `0xFF`; each version is
//! one file, or the files of a manifest folder separated by `0xFE`. Neither byte can occur
//! in UTF-8 text, so a seed made of a real manifest is read as that manifest.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use kensa_engine::diff::{ManifestDiff, Side};
use kensa_engine::split::Split;
use kensa_engine::{Catalogue, Memo, Options, Report, Severity, Status, Summary};
use kensa_manifest::{Lang, Limits, Loaded, SourceSet};

/// Separates versions of a manifest (the sides of a diff).
pub const VERSION_SEP: u8 = 0xFF;

/// Separates the files of a manifest folder.
pub const FILE_SEP: u8 = 0xFE;

/// At most this many files per version.
pub const MAX_FILES: usize = 8;

/// The limits every target reads with: the defaults, with a tenth of the alias and node
/// budget. The same checks stop the same inputs, but an input at the limit (an alias
/// bomb takes about 0.6 s to stop in a release build) stays well inside the per-input
/// timeout once the sanitizer and coverage instrumentation slow it tenfold.
#[must_use]
pub fn limits() -> Limits {
    let default = Limits::default();
    Limits {
        max_nodes: default.max_nodes / 10,
        max_alias_replay: default.max_alias_replay / 10,
        ..default
    }
}

/// The date every check is judged on: after the FY2027 two-factor deadline, so that
/// deadlines both past and to come are exercised.
#[must_use]
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 5, 1).unwrap_or_default()
}

/// The built-in catalogue, loaded once.
///
/// # Panics
/// When the built-in policies do not load (a defect of the build, not of the input).
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| match Catalogue::builtin() {
        Ok(c) => c,
        Err(e) => panic!("the built-in catalogue does not load: {e:?}"),
    })
}

/// The versions of an input: the bytes between `0xFF`s.
#[must_use]
pub fn versions(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == VERSION_SEP).collect()
}

/// The two sides of a diff: before and after the first `0xFF`, or the input twice.
#[must_use]
pub fn sides(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == VERSION_SEP) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    }
}

/// One version as `load_bytes` takes it: `fuzz.yaml`, or a folder `fuzz` of the files
/// between `0xFE`s.
#[must_use]
pub fn files(version: &[u8]) -> (String, Vec<(String, Vec<u8>)>) {
    let parts: Vec<&[u8]> = version.splitn(MAX_FILES, |&b| b == FILE_SEP).collect();
    if parts.len() == 1 {
        let name = "fuzz.yaml".to_owned();
        return (name.clone(), vec![(name, version.to_vec())]);
    }
    let files = parts
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("fuzz/{i:02}.yaml"), p.to_vec()))
        .collect();
    ("fuzz".to_owned(), files)
}

/// Loads one version.
#[must_use]
pub fn load(version: &[u8]) -> (String, Loaded) {
    let (label, files) = files(version);
    let loaded = kensa_manifest::load_bytes(&label, files, &limits());
    // A manifest comes back only without problems.
    assert!(
        loaded.manifest.is_none() || loaded.problems.is_empty(),
        "a manifest came back with problems: {:?}",
        loaded.problems
    );
    (label, loaded)
}

/// Everything a load gives, as text (how the tests compare two loads).
#[must_use]
pub fn seen(l: &Loaded) -> String {
    let sources: Vec<(String, String)> = l
        .sources
        .iter()
        .map(|(_, f)| (f.path.clone(), f.text.to_string()))
        .collect();
    format!("{:#?}\n{:#?}\n{sources:?}", l.manifest, l.problems)
}

/// A valid manifest, checked and split.
pub struct Checked {
    /// The label it was loaded under.
    pub label: String,
    /// The load (with a manifest).
    pub loaded: Loaded,
    /// `kensa_engine::check` of it.
    pub report: Report,
    /// `kensa_engine::split::split` of it.
    pub split: Split,
}

impl Checked {
    /// The manifest as a side of a diff.
    ///
    /// # Panics
    /// Never: a `Checked` always holds a manifest.
    #[must_use]
    pub fn side(&self, label: &str) -> Side<'_> {
        Side {
            label: label.to_owned(),
            manifest: self
                .loaded
                .manifest
                .as_ref()
                .expect("a checked load has a manifest"),
            sources: &self.loaded.sources,
            report: &self.report,
            split: &self.split,
        }
    }
}

/// The options every check uses.
#[must_use]
pub fn options(label: &str) -> Options {
    Options {
        as_of: as_of(),
        manifest_label: label.to_owned(),
        threads: 1,
    }
}

/// Checks and splits a valid load, asserting what must hold of any report and split;
/// `None` when the load has no manifest.
///
/// # Panics
/// When the engine fails on a valid manifest, or an invariant is broken.
#[must_use]
pub fn check(label: String, loaded: Loaded) -> Option<Checked> {
    let manifest = loaded.manifest.as_ref()?;
    let c = catalogue();
    let report = match kensa_engine::check(manifest, &loaded.sources, c, &options(&label)) {
        Ok(r) => r,
        Err(e) => panic!("check failed on a valid manifest: {e}"),
    };
    report_invariants(&report, &loaded.sources);
    let split = match kensa_engine::split::split(manifest, &loaded.sources, c, &report) {
        Ok(s) => s,
        Err(e) => panic!("split failed on a valid manifest: {e}"),
    };
    split_invariants(&split, &report);
    Some(Checked {
        label,
        loaded,
        report,
        split,
    })
}

/// What holds of every report: counts, order, identity and locations.
///
/// # Panics
/// When one does not hold.
pub fn report_invariants(report: &Report, sources: &SourceSet) {
    let mut counted = Summary::default();
    for f in &report.findings {
        counted.add(f.status);
    }
    assert_eq!(
        report.summary, counted,
        "summary counts ≠ findings by status"
    );
    assert_eq!(report.summary.total(), report.findings.len());

    // Sorted by (severity, rule, entity), each (rule, entity) pair once.
    for w in report.findings.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert!(
            (a.severity, &a.rule, &a.entity) < (b.severity, &b.rule, &b.entity),
            "findings out of order or repeated: {} {} then {} {}",
            a.rule,
            a.entity,
            b.rule,
            b.entity
        );
    }
    let mut pairs = HashSet::new();
    for f in &report.findings {
        assert!(
            pairs.insert((f.rule.as_str(), f.entity.as_str())),
            "pair twice: {} {}",
            f.rule,
            f.entity
        );
        let actionable = matches!(
            f.status,
            Status::Violated | Status::Upcoming | Status::CouldNotEvaluate
        );
        assert_eq!(f.fix.is_some(), actionable, "{} {}: fix", f.rule, f.entity);
    }

    // Every location is inside a file that was read.
    let lines: BTreeMap<&str, usize> = sources
        .iter()
        .map(|(_, f)| (f.path.as_str(), f.text.lines().count()))
        .collect();
    let locations = report
        .findings
        .iter()
        .filter_map(|f| f.location.as_ref())
        .chain(
            report
                .unused_exceptions
                .iter()
                .filter_map(|e| e.location.as_ref()),
        );
    for l in locations {
        let Some(&n) = lines.get(&*l.file) else {
            panic!("location in a file not read: {}", l.file);
        };
        assert!(
            l.line >= 1 && l.column >= 1 && l.line as usize <= n.max(1),
            "location {}:{}:{} outside the file ({n} lines)",
            l.file,
            l.line,
            l.column
        );
    }
}

/// What holds of a split made from `report`.
///
/// # Panics
/// When one does not hold.
pub fn split_invariants(split: &Split, report: &Report) {
    let statuses: BTreeMap<(&str, &str), Status> = report
        .findings
        .iter()
        .map(|f| ((f.rule.as_str(), f.entity.as_str()), f.status))
        .collect();
    let mut rows = 0;
    for r in &split.rows {
        let Some(status) = r.status else { continue };
        rows += 1;
        assert_ne!(status, Status::NotApplicable, "{} {}", r.rule, r.entity);
        assert_eq!(
            statuses.get(&(r.rule.as_str(), r.entity.as_str())),
            Some(&status),
            "split row {} {} ≠ its finding",
            r.rule,
            r.entity
        );
    }
    let applicable = report
        .findings
        .iter()
        .filter(|f| f.status != Status::NotApplicable)
        .count();
    assert_eq!(rows, applicable, "split rows ≠ applicable findings");
}

/// The report as JSON, as `kensa check --format json` writes it.
///
/// # Panics
/// When it does not serialise.
#[must_use]
pub fn json<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(s) => s,
        Err(e) => panic!("does not serialise: {e}"),
    }
}

/// Asserts that `text` is JSON.
///
/// # Panics
/// When it is not.
pub fn assert_json(what: &str, text: &str) {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        panic!("{what} is not JSON: {e}\n{text}");
    }
}

/// Evaluates the manifest again, on a memo twice, and asserts the reports are the one
/// already made, to the byte of their JSON.
///
/// # Panics
/// When they differ.
pub fn assert_deterministic(checked: &Checked) {
    let Some(manifest) = checked.loaded.manifest.as_ref() else {
        return;
    };
    let first = json(&checked.report);
    let options = options(&checked.label);
    let mut memo = Memo::new();
    for round in 0..2 {
        let again = match kensa_engine::check_with(
            manifest,
            &checked.loaded.sources,
            catalogue(),
            &options,
            &mut memo,
        ) {
            Ok(r) => r,
            Err(e) => panic!("check failed on a valid manifest: {e}"),
        };
        assert!(
            first == json(&again),
            "evaluating again (round {round}) gives another report"
        );
    }
    // The JSON reads back as the same report.
    match serde_json::from_str::<Report>(&first) {
        Ok(back) => assert!(first == json(&back), "the report JSON does not round-trip"),
        Err(e) => panic!("the report JSON does not read back: {e}"),
    }
}

/// Compares a manifest with itself against an existing baseline of itself: no violation
/// is new and none is resolved.
///
/// # Panics
/// When one is.
pub fn assert_own_baseline(report: &Report) {
    let baseline = match kensa_engine::baseline::Baseline::from_json(&json(report)) {
        Ok(b) => b,
        Err(e) => panic!("the report does not read as a baseline: {}", e.message.en),
    };
    let mut again = report.clone();
    kensa_engine::baseline::apply(&mut again, &baseline, "baseline.json");
    let Some(b) = &again.baseline else {
        panic!("no baseline summary");
    };
    assert_eq!(b.new, 0, "new violations against its own baseline");
    assert_eq!(b.unchanged, report.summary.violated);
    assert!(b.resolved.is_empty(), "resolved against its own baseline");
}

/// Renders the report and the split in every format.
///
/// # Panics
/// When a JSON format is not JSON.
pub fn render_all(checked: &Checked, (lang, fail_on): (Lang, Option<Severity>)) {
    let repo_paths = BTreeMap::new();
    let input = kensa_report::Input {
        report: &checked.report,
        catalogue: catalogue(),
        lang,
        fail_on,
        repo_paths: &repo_paths,
    };
    assert_json("SARIF", &kensa_report::sarif::render(&input));
    assert_json("GitLab Code Quality", &kensa_report::gitlab::render(&input));
    let _ = kensa_report::markdown::render(&input);
    let _ = kensa_report::junit::render(&input);
    let _ = kensa_report::github::render(&input);
    let _ = kensa_report::split::text(&checked.split, lang);
    let _ = kensa_report::split::markdown(&checked.split, lang);
    let _ = kensa_report::split::csv(&checked.split, lang);
    let _ = json(&checked.split);
}

/// The language and threshold to render with, from the input's length (so that every
/// combination is exercised without costing a rendering each).
#[must_use]
pub fn rendering(data: &[u8]) -> (Lang, Option<Severity>) {
    let lang = if data.len().is_multiple_of(2) {
        Lang::Ja
    } else {
        Lang::En
    };
    let i = (data.len() / 2) % (Severity::ALL.len() + 1);
    (lang, Severity::ALL.get(i).copied())
}

/// Asserts what holds of a diff of a manifest with itself.
///
/// # Panics
/// When it does not.
pub fn assert_self_diff(checked: &Checked) {
    let side = checked.side("self");
    let d = kensa_engine::diff::diff(&side, &side);
    assert!(
        d.entities.added.is_empty() && d.entities.removed.is_empty(),
        "entities added or removed against itself"
    );
    assert!(
        d.entities.changed.is_empty(),
        "entities changed against itself: {:?}",
        d.entities
            .changed
            .iter()
            .map(|c| &c.key)
            .collect::<Vec<_>>()
    );
    assert!(
        d.findings.new.is_empty() && d.findings.resolved.is_empty(),
        "violations new or resolved against itself"
    );
    assert!(d.is_empty(), "a diff with itself is not empty: {d:#?}");
    assert_eq!(d.findings.unchanged, checked.report.findings.len());
    assert_eq!(d.findings.still_violated, checked.report.summary.violated);
}

/// Asserts that `back` (the diff new → old) mirrors `d` (old → new).
///
/// # Panics
/// When it does not.
pub fn assert_mirrored(d: &ManifestDiff, back: &ManifestDiff) {
    let keys = |v: &[kensa_engine::diff::EntityRef]| -> BTreeSet<String> {
        v.iter().map(|e| e.key.clone()).collect()
    };
    assert_eq!(keys(&d.entities.added), keys(&back.entities.removed));
    assert_eq!(keys(&d.entities.removed), keys(&back.entities.added));
    let changed = |d: &ManifestDiff| -> BTreeSet<String> {
        d.entities.changed.iter().map(|e| e.key.clone()).collect()
    };
    assert_eq!(changed(d), changed(back));
    let pairs_new = |d: &ManifestDiff| -> BTreeSet<(String, String)> {
        d.findings
            .new
            .iter()
            .map(|f| (f.rule.clone(), f.entity.clone()))
            .collect()
    };
    let pairs_resolved = |d: &ManifestDiff| -> BTreeSet<(String, String)> {
        d.findings
            .resolved
            .iter()
            .map(|f| (f.rule.clone(), f.entity.clone()))
            .collect()
    };
    assert_eq!(pairs_new(d), pairs_resolved(back));
    assert_eq!(pairs_resolved(d), pairs_new(back));
    assert_eq!(d.findings.unchanged, back.findings.unchanged);
    assert_eq!(d.findings.still_violated, back.findings.still_violated);
    assert_eq!(d.findings.changed.len(), back.findings.changed.len());
}

/// Renders a diff in every format, and reads its JSON back.
///
/// # Panics
/// When the JSON does not read back as the same diff.
pub fn render_diff(d: &ManifestDiff, (lang, fail_on): (Lang, Option<Severity>)) {
    let _ = kensa_report::diff::text(d, lang);
    let _ = kensa_report::diff::markdown(d, lang, fail_on);
    let text = json(d);
    match serde_json::from_str::<ManifestDiff>(&text) {
        Ok(back) => assert!(text == json(&back), "the diff JSON does not round-trip"),
        Err(e) => panic!("the diff JSON does not read back: {e}"),
    }
}
