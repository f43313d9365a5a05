//! Portfolios: many institutions checked at once (a vendor's or consultant's clients),
//! split into stable shards for parallel CI jobs, and merged back into one summary.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kensa_engine::{Report, Severity, Status};
use kensa_manifest::Text;
use serde::{Deserialize, Serialize};

/// Version of the portfolio format.
pub const PORTFOLIO_VERSION: &str = "kensa.portfolio/v1";

/// The results of a portfolio, or of one shard of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Portfolio {
    /// Format version, `kensa.portfolio/v1`.
    pub version: String,
    /// The kensa version that produced it.
    pub tool_version: String,
    /// The date deadlines and expiries were judged on.
    pub as_of: NaiveDate,
    /// The portfolio folder, as given.
    pub root: String,
    /// The shards these results cover; empty when the whole portfolio was checked at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardRef>,
    /// One entry per institution, by path.
    pub institutions: Vec<Institution>,
}

/// A share of a portfolio: `index` of `total`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShardRef {
    /// Which share.
    pub index: u32,
    /// Of how many.
    pub total: u32,
}

/// One institution of a portfolio.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Institution {
    /// Its manifest file or folder, relative to the portfolio folder, with `/`.
    pub path: String,
    /// What came of checking it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What came of checking one institution.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Checked: its findings.
    Checked {
        /// The report.
        report: Box<Report>,
    },
    /// Its manifest is not valid: the problems, located.
    Invalid {
        /// The problems.
        problems: Vec<LocatedMessage>,
    },
}

/// A message with its place.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocatedMessage {
    /// The file.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
    /// What is wrong.
    pub message: Text,
}

impl LocatedMessage {
    /// A manifest problem, its file named `file`.
    #[must_use]
    pub fn of(problem: &kensa_manifest::Problem, file: String) -> Self {
        let span = problem.at.span;
        Self {
            file,
            line: span.map_or(0, |s| s.line),
            column: span.map_or(0, |s| s.column),
            message: problem.message.clone(),
        }
    }
}

/// The shard (1-based) an institution falls in: FNV-1a of its path, so that adding or
/// removing an institution never moves the others.
#[must_use]
pub fn shard_of(path: &str, total: u32) -> u32 {
    let h = crate::fnv1a64(path);
    u32::try_from(h % u64::from(total.max(1))).unwrap_or(0) + 1
}

/// Why results cannot be merged.
#[derive(Debug, Clone)]
pub struct MergeError(pub Text);

/// Merges the results of shards (or of whole runs) of one portfolio.
///
/// # Errors
/// When the parts are of another format version, judged on different dates, split in
/// different ways, or name the same institution twice.
pub fn merge(parts: Vec<(String, Portfolio)>) -> Result<Portfolio, MergeError> {
    let Some((_, first)) = parts.first() else {
        return Err(MergeError(Text::new(
            "結合する結果がありません",
            "nothing to merge",
        )));
    };
    let as_of = first.as_of;
    let root = first.root.clone();
    let tool_version = first.tool_version.clone();
    let mut shards = Vec::new();
    let mut by_path: BTreeMap<String, (String, Institution)> = BTreeMap::new();
    for (file, p) in parts {
        if p.version != PORTFOLIO_VERSION {
            return Err(MergeError(Text::new(
                format!(
                    "{file}: 形式「{}」は kensa check --portfolio --format json の結果ではありません",
                    p.version
                ),
                format!(
                    "{file}: format \"{}\" is not the output of `kensa check --portfolio --format json`",
                    p.version
                ),
            )));
        }
        if p.as_of != as_of {
            return Err(MergeError(Text::new(
                format!(
                    "{file}: 判定日 {} が他の結果 ({as_of}) と違います。同じ --as-of で実行してください",
                    p.as_of
                ),
                format!(
                    "{file}: judged on {}, the others on {as_of}; run every shard with the same --as-of",
                    p.as_of
                ),
            )));
        }
        shards.extend(p.shards.iter().copied());
        for inst in p.institutions {
            if let Some((other, _)) = by_path.get(&inst.path) {
                return Err(MergeError(Text::new(
                    format!(
                        "「{}」が {other} と {file} の両方にあります。シャードが重なっています",
                        inst.path
                    ),
                    format!(
                        "\"{}\" is in both {other} and {file}: the shards overlap",
                        inst.path
                    ),
                )));
            }
            by_path.insert(inst.path.clone(), (file.clone(), inst));
        }
    }
    shards.sort();
    shards.dedup();
    if let Some(total) = shards.first().map(|s| s.total) {
        if shards.iter().any(|s| s.total != total) {
            return Err(MergeError(Text::new(
                "シャードの分け方 (K/N の N) が結果ごとに違います",
                "the results were split in different ways (different N in K/N)",
            )));
        }
        // Every shard present: the merge is the whole portfolio.
        if shards.len() == total as usize {
            shards.clear();
        }
    }
    Ok(Portfolio {
        version: PORTFOLIO_VERSION.to_string(),
        tool_version,
        as_of,
        root,
        shards,
        institutions: by_path.into_values().map(|(_, i)| i).collect(),
    })
}

impl Portfolio {
    /// Shards of `total` that these results lack (empty when complete or unsharded).
    #[must_use]
    pub fn missing_shards(&self) -> Vec<u32> {
        let Some(total) = self.shards.first().map(|s| s.total) else {
            return Vec::new();
        };
        (1..=total)
            .filter(|k| !self.shards.iter().any(|s| s.index == *k))
            .collect()
    }

    /// The exit decision over every institution: an invalid manifest or an incomplete
    /// check (a rule that could not be evaluated, a rule id that names nothing) is an error; else a violation at or above `fail_on` fails.
    #[must_use]
    pub fn verdict(&self, fail_on: Option<Severity>) -> Verdict {
        let mut failing = false;
        for i in &self.institutions {
            match &i.outcome {
                Outcome::Invalid { .. } => return Verdict::Error,
                Outcome::Checked { report } => {
                    if !report.complete() {
                        return Verdict::Error;
                    }
                    failing |= report_fails(report, fail_on);
                }
            }
        }
        if failing {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }
}

/// Pass, fail (findings at or above the threshold) or error (could not judge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing at or above the threshold.
    Pass,
    /// Violations at or above the threshold remain.
    Fail,
    /// Something could not be judged: an invalid manifest or a rule not evaluated.
    Error,
}

/// Whether a report has a violation at or above `fail_on` that counts: with a baseline,
/// only new violations count.
#[must_use]
pub fn report_fails(report: &Report, fail_on: Option<Severity>) -> bool {
    fail_on.is_some_and(|t| {
        report.findings.iter().any(|f| {
            f.status == Status::Violated
                && f.severity <= t
                && f.baseline != Some(kensa_engine::BaselineState::Unchanged)
        })
    })
}
