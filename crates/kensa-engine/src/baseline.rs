//! Baselines: gate only on what is new since an earlier run.
//!
//! A baseline is the JSON of an earlier `kensa check` (`--format json`). Findings are
//! matched by their identity, rule id + entity (`kind/id`), never by line number, so that
//! moving, reformatting or reordering the manifest changes nothing. Only the identity,
//! status, severity and title of the baseline's findings are read, so a baseline written by
//! an older kensa still reads as long as its format version is the same.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use kensa_manifest::Text;
use serde::Deserialize;

use crate::catalogue::Severity;
use crate::report::{
    BaselineState, BaselineSummary, FINDINGS_VERSION, Report, ResolvedFinding, Status,
};

/// The part of an earlier report a baseline needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Baseline {
    /// Format version; must be [`FINDINGS_VERSION`].
    pub version: String,
    /// Its as-of date.
    pub as_of: NaiveDate,
    /// Its findings.
    pub findings: Vec<BaselineFinding>,
}

/// One finding of a baseline.
#[derive(Debug, Clone, Deserialize)]
pub struct BaselineFinding {
    /// The rule id.
    pub rule: String,
    /// The entity.
    pub entity: String,
    /// Its status then.
    pub status: Status,
    /// Its severity then.
    pub severity: Severity,
    /// Its title then.
    pub title: Text,
}

/// Why a baseline could not be read.
#[derive(Debug, Clone)]
pub struct BaselineError {
    /// What is wrong, in both languages.
    pub message: Text,
    /// 1-based line and column of the error in the file, when known.
    pub at: Option<(usize, usize)>,
}

impl Baseline {
    /// Reads the JSON of an earlier `kensa check --format json`.
    ///
    /// # Errors
    /// A [`BaselineError`] when it is not such a JSON document, or of another format version.
    pub fn from_json(text: &str) -> Result<Self, BaselineError> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| BaselineError {
            message: Text::new(
                format!(
                    "kensa check --format json の出力として読めません: {e}。--baseline には以前の kensa check --format json の結果を渡してください"
                ),
                format!(
                    "not the output of `kensa check --format json`: {e}. Give --baseline the JSON of an earlier `kensa check --format json`"
                ),
            ),
            at: (e.line() > 0).then(|| (e.line(), e.column())),
        })?;
        if b.version != FINDINGS_VERSION {
            return Err(BaselineError {
                message: Text::new(
                    format!(
                        "形式のバージョン「{}」には対応していません ({FINDINGS_VERSION} のみ)。現在の kensa で基準の結果を作り直してください",
                        b.version
                    ),
                    format!(
                        "format version \"{}\" is not supported (only {FINDINGS_VERSION}); regenerate the baseline with this kensa",
                        b.version
                    ),
                ),
                at: None,
            });
        }
        Ok(b)
    }
}

/// Marks each violation of `report` new or unchanged against `baseline`, and lists the
/// baseline's violations that are gone. `file` names the baseline in the summary.
pub fn apply(report: &mut Report, baseline: &Baseline, file: &str) {
    let was_violated: HashSet<(&str, &str)> = baseline
        .findings
        .iter()
        .filter(|f| f.status == Status::Violated)
        .map(|f| (f.rule.as_str(), f.entity.as_str()))
        .collect();
    let mut new = 0;
    let mut unchanged = 0;
    for f in &mut report.findings {
        if f.status != Status::Violated {
            continue;
        }
        let state = if was_violated.contains(&(f.rule.as_str(), f.entity.as_str())) {
            unchanged += 1;
            BaselineState::Unchanged
        } else {
            new += 1;
            BaselineState::New
        };
        f.baseline = Some(state);
    }
    let now: HashMap<(&str, &str), Status> = report
        .findings
        .iter()
        .map(|f| ((f.rule.as_str(), f.entity.as_str()), f.status))
        .collect();
    let mut resolved: Vec<ResolvedFinding> = baseline
        .findings
        .iter()
        .filter(|f| f.status == Status::Violated)
        .filter_map(|f| {
            let status = now.get(&(f.rule.as_str(), f.entity.as_str())).copied();
            (status != Some(Status::Violated)).then(|| ResolvedFinding {
                rule: f.rule.clone(),
                entity: f.entity.clone(),
                severity: f.severity,
                title: f.title.clone(),
                now: status,
            })
        })
        .collect();
    resolved
        .sort_by(|a, b| (a.severity, &a.rule, &a.entity).cmp(&(b.severity, &b.rule, &b.entity)));
    resolved.dedup_by(|a, b| a.rule == b.rule && a.entity == b.entity);
    report.baseline = Some(BaselineSummary {
        file: file.to_string(),
        as_of: baseline.as_of,
        new,
        unchanged,
        resolved,
    });
}
