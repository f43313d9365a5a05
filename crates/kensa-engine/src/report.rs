//! Findings as plain data: everything a renderer needs, so that no renderer goes back to
//! the manifest or to Cedar. The JSON form of [`Report`] is `schemas/findings.v1.schema.json`.

use std::sync::Arc;

use chrono::NaiveDate;
use kensa_manifest::Text;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalogue::{Evidence, Severity, Volume};
use crate::pattern::Pattern;

/// Version of the findings format.
pub const FINDINGS_VERSION: &str = "kensa.findings/v1";

/// The result of checking one manifest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Format version, `kensa.findings/v1`.
    pub version: String,
    /// The kensa version that produced it.
    pub tool_version: String,
    /// The date deadlines and expiries were judged on (`--as-of`).
    pub as_of: NaiveDate,
    /// The manifest checked (as given on the command line).
    pub manifest: String,
    /// The institution.
    pub institution: InstitutionSummary,
    /// The reference pattern of the institution and of each system.
    pub patterns: PatternSummary,
    /// Counts of findings by status.
    pub summary: Summary,
    /// The rules evaluated: how many, and which catalogue files they came from.
    pub catalogue: CatalogueSummary,
    /// One finding per (rule, entity) pair, sorted by severity, rule id and entity.
    pub findings: Vec<Finding>,
    /// Exceptions that waive nothing: unknown rule, unknown target, or a pair that is not
    /// violated.
    pub unused_exceptions: Vec<UnusedException>,
    /// What keeps the check from being complete: a rule id that names nothing, or no rule
    /// applying at all. Any of them fails the run (exit 2) whatever `--fail-on` says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<CheckProblem>,
    /// The comparison with an earlier run (`kensa check --baseline FILE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
}

/// A violation compared with a baseline: new, or already violated in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    /// Not violated in the baseline: this run introduced it.
    New,
    /// Violated in the baseline too.
    Unchanged,
}

/// What the comparison with a baseline found. Findings are matched by rule id and entity,
/// never by line, so moving an entry in the manifest changes nothing.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BaselineSummary {
    /// The baseline file, as given.
    pub file: String,
    /// The baseline's as-of date.
    pub as_of: NaiveDate,
    /// Violations that are new.
    pub new: usize,
    /// Violations already in the baseline.
    pub unchanged: usize,
    /// Violations of the baseline that are gone: fixed, waived, delegated, or their rule
    /// or entity removed.
    pub resolved: Vec<ResolvedFinding>,
}

/// A violation of the baseline that this run no longer has.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ResolvedFinding {
    /// The rule id.
    pub rule: String,
    /// The entity.
    pub entity: String,
    /// The severity in the baseline.
    pub severity: Severity,
    /// The title in the baseline.
    pub title: Text,
    /// Its status now; absent when the rule or the entity no longer exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Status>,
}

/// Who the institution is.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InstitutionSummary {
    /// `institution.id`.
    pub id: String,
    /// `institution.name`.
    pub name: String,
    /// The checklist edition it is measured against.
    pub edition: String,
}

/// The reference patterns, with the reasoning.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PatternSummary {
    /// The institution's pattern: the strictest of its systems.
    pub institution: Pattern,
    /// Why, in both languages.
    pub explanation: Text,
    /// Each system's own pattern, in manifest order.
    pub systems: Vec<SystemPattern>,
}

/// One system's pattern.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SystemPattern {
    /// `systems[].id`.
    pub system: String,
    /// Its pattern.
    pub pattern: Pattern,
    /// `systems[].hosting`.
    pub hosting: String,
}

/// Counts of each status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Requirement broken.
    pub violated: usize,
    /// Requirement met.
    pub satisfied: usize,
    /// Requirement does not concern the entity.
    pub not_applicable: usize,
    /// A contract takes the requirement over.
    pub delegated: usize,
    /// An exception waives it until it expires.
    pub waived: usize,
    /// Broken, but its deadline has not come yet.
    pub upcoming: usize,
    /// Cedar could not evaluate it. Never counted as compliant.
    pub could_not_evaluate: usize,
}

impl Summary {
    /// Adds one finding of this status.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Violated => self.violated += 1,
            Status::Satisfied => self.satisfied += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::Delegated => self.delegated += 1,
            Status::Waived => self.waived += 1,
            Status::Upcoming => self.upcoming += 1,
            Status::CouldNotEvaluate => self.could_not_evaluate += 1,
        }
    }

    /// Pairs met: satisfied, delegated or waived.
    #[must_use]
    pub fn met(&self) -> usize {
        self.satisfied + self.delegated + self.waived
    }

    /// Pairs that apply: met, violated, upcoming or not evaluated (never counted as met).
    #[must_use]
    pub fn applicable(&self) -> usize {
        self.met() + self.violated + self.upcoming + self.could_not_evaluate
    }

    /// The share of the applicable pairs that are met, in %, to one decimal (100 when
    /// nothing applies).
    #[must_use]
    pub fn score(&self) -> f64 {
        let applicable = self.applicable();
        if applicable == 0 {
            return 100.0;
        }
        #[allow(clippy::cast_precision_loss)]
        let pct = self.met() as f64 * 100.0 / applicable as f64;
        (pct * 10.0).round() / 10.0
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Summary) {
        self.violated += other.violated;
        self.satisfied += other.satisfied;
        self.not_applicable += other.not_applicable;
        self.delegated += other.delegated;
        self.waived += other.waived;
        self.upcoming += other.upcoming;
        self.could_not_evaluate += other.could_not_evaluate;
    }

    /// Total number of findings.
    #[must_use]
    pub fn total(&self) -> usize {
        self.violated
            + self.satisfied
            + self.not_applicable
            + self.delegated
            + self.waived
            + self.upcoming
            + self.could_not_evaluate
    }
}

/// What was evaluated.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CatalogueSummary {
    /// Number of rules.
    pub rules: usize,
    /// Number of built-in rules among them.
    pub builtin_rules: usize,
    /// Folders of custom policies added with `--policies`.
    pub custom_policy_dirs: Vec<String>,
}

/// The status of one (rule, entity) pair.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Cedar could not evaluate the rule for this entity (never a pass).
    CouldNotEvaluate,
    /// The requirement is broken.
    Violated,
    /// Broken, but the deadline has not come yet.
    Upcoming,
    /// Waived by an exception until it expires.
    Waived,
    /// Taken over by a contract (patterns Ⅱ/Ⅳ).
    Delegated,
    /// The requirement is met.
    Satisfied,
    /// The requirement does not concern this entity.
    NotApplicable,
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Status; 7] = [
        Status::CouldNotEvaluate,
        Status::Violated,
        Status::Upcoming,
        Status::Waived,
        Status::Delegated,
        Status::Satisfied,
        Status::NotApplicable,
    ];

    /// The snake_case name used in JSON.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Status::CouldNotEvaluate => "could_not_evaluate",
            Status::Violated => "violated",
            Status::Upcoming => "upcoming",
            Status::Waived => "waived",
            Status::Delegated => "delegated",
            Status::Satisfied => "satisfied",
            Status::NotApplicable => "not_applicable",
        }
    }

    /// The label in both languages.
    #[must_use]
    pub fn label(self) -> Text {
        match self {
            Status::CouldNotEvaluate => Text::new("評価不能", "could not evaluate"),
            Status::Violated => Text::new("違反", "violated"),
            Status::Upcoming => Text::new("期限前", "upcoming"),
            Status::Waived => Text::new("例外承認", "waived"),
            Status::Delegated => Text::new("委託", "delegated"),
            Status::Satisfied => Text::new("適合", "satisfied"),
            Status::NotApplicable => Text::new("対象外", "not applicable"),
        }
    }
}

/// One (rule, entity) pair and its status. Its identity is `rule` + `entity`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// The rule id, e.g. `CL-2-6`.
    pub rule: String,
    /// The entity, as `kind/id` (e.g. `asset/srv-1`), `institution` or `document/bcp`.
    pub entity: String,
    /// The status.
    pub status: Status,
    /// The rule's severity.
    pub severity: Severity,
    /// The rule's title.
    pub title: Arc<Text>,
    /// Where the entity is written in the manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The pattern the entity is read under.
    pub pattern: Pattern,
    /// Why this status: the reason it does not apply, the exception, the contract, the
    /// deadline, or the evaluation error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Arc<Text>>,
    /// What to do (for violated, upcoming and could-not-evaluate findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Arc<Text>>,
    /// Where the requirement comes from.
    pub source: Arc<SourceRef>,
    /// Automated (from manifest facts) or attested (reads a document entry).
    pub evidence: Evidence,
    /// The contract a delegated requirement falls to (`contracts[].id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegated_to: Option<String>,
    /// The exception that waives it (or that expired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<Box<ExceptionRef>>,
    /// Days until the deadline, for upcoming findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// The deadline, for upcoming findings and findings past it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// For violations, when checked against a baseline: new or unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

/// A place in a manifest file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    /// The file, as the user gave it.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// Where a requirement comes from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SourceRef {
    /// The source volume.
    pub volume: Volume,
    /// The requirement as cited (e.g. 「チェックリスト 2-6」).
    pub citation: String,
    /// Seed file and lines, or section.
    pub reference: String,
    /// Public URL of the source document.
    pub url: String,
}

/// An exception as applied to a finding.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ExceptionRef {
    /// `exceptions[].id`.
    pub id: String,
    /// Who approved it.
    pub approved_by: String,
    /// When it expires (or expired).
    pub expires_on: NaiveDate,
    /// Whether it had expired on the `--as-of` date.
    pub expired: bool,
}

/// Why a check is not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// An exception names a rule the catalogue does not have: what it meant to waive is
    /// unknown.
    UnknownRuleInException,
    /// A contract's `requirements` names a rule the catalogue does not have: what it meant
    /// to take over is unknown.
    UnknownRuleInContract,
    /// Not one rule applies to any entity of the manifest: nothing was checked.
    NothingApplies,
}

impl ProblemKind {
    /// The name, as in JSON (`unknown_rule_in_exception`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::UnknownRuleInException => "unknown_rule_in_exception",
            ProblemKind::UnknownRuleInContract => "unknown_rule_in_contract",
            ProblemKind::NothingApplies => "nothing_applies",
        }
    }
}

/// Something that keeps a check from being complete. It is never a pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CheckProblem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// What is wrong.
    pub message: Text,
    /// What to do.
    pub fix: Text,
    /// Where it is written, when it is written somewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// An exception that waives nothing.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UnusedException {
    /// `exceptions[].id`.
    pub id: String,
    /// The rule it names.
    pub rule: String,
    /// The target it names.
    pub target: String,
    /// Why it waives nothing.
    pub reason: Text,
    /// Where it is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Report {
    /// Whether every rule was evaluated and nothing keeps the check from being complete.
    /// An incomplete check fails (exit 2) whatever `--fail-on` says.
    #[must_use]
    pub fn complete(&self) -> bool {
        self.summary.could_not_evaluate == 0 && self.problems.is_empty()
    }

    /// Findings that are not satisfied or not applicable: what a reader acts on.
    pub fn actionable(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| !matches!(f.status, Status::Satisfied | Status::NotApplicable))
    }
}

/// Where the findings schema is committed, relative to the repository root.
pub const FINDINGS_SCHEMA_PATH: &str = "schemas/findings.v1.schema.json";

/// The JSON Schema (draft-07) of [`Report`], as committed in `schemas/`: pretty JSON with
/// a final newline. Optional fields are left out rather than null.
#[must_use]
pub fn findings_schema_text() -> String {
    schema_text::<Report>()
}

/// The JSON Schema of a serialised type, in canonical form (sorted keys, optional fields
/// not nullable).
#[must_use]
pub fn schema_text<T: JsonSchema>() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut value = serde_json::to_value(schema).unwrap_or(serde_json::Value::Null);
    kensa_manifest::schema::optional_not_nullable(&mut value);
    kensa_manifest::schema::canonical_text(&value)
}
