//! The compliance diff of two manifests (`kensa diff OLD NEW`): what a change to the
//! manifest does to the institution's compliance, by entity id rather than by line.
//!
//! ```text
//! old manifest ─check─▶ report ─split─▶ split ─┐
//!                                              ├─▶ ManifestDiff
//! new manifest ─check─▶ report ─split─▶ split ─┘
//! ```
//!
//! Entities are matched by their key (`system/ehr`, `asset/srv-1`, `institution`,
//! `document/bcp`, `access_grant/<role>@<system>`), findings by rule id + entity, rows of the
//! responsibility split by requirement + entity. Moving an entry to another place in the
//! file changes nothing. Everything here is plain data in a deterministic order; nothing
//! prints.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::NaiveDate;
use kensa_manifest::{Manifest, Origin, SourceSet, Span, Text};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use similar::{Algorithm, DiffOp, TextDiff, capture_diff_slices};

use crate::catalogue::Severity;
use crate::entities::DOCUMENT_KINDS;
use crate::pattern::Pattern;
use crate::report::{CheckProblem, Finding, Location, Report, Status, Summary};
use crate::split::Split;

/// Version of the diff format.
pub const DIFF_VERSION: &str = "kensa.diff/v1";

/// Where the diff schema is to be committed, relative to the repository root.
pub const DIFF_SCHEMA_PATH: &str = "schemas/diff.v1.schema.json";

/// The JSON Schema of `kensa diff --format json`.
#[must_use]
pub fn diff_schema_text() -> String {
    crate::report::schema_text::<ManifestDiff>()
}

/// Lines of context around each change in an entity's text diff.
pub const CONTEXT_LINES: usize = 2;

/// One side of the comparison: a manifest as loaded, checked and split.
#[derive(Debug, Clone)]
pub struct Side<'a> {
    /// How the side is called for people: a path, `HEAD~1`, `main`, `working tree`.
    pub label: String,
    /// The manifest.
    pub manifest: &'a Manifest,
    /// The files it was read from (for locations).
    pub sources: &'a SourceSet,
    /// Its findings (`kensa_engine::check`).
    pub report: &'a Report,
    /// Its responsibility split (`kensa_engine::split::split`).
    pub split: &'a Split,
}

/// What changed between two manifests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestDiff {
    /// Format version, `kensa.diff/v1`.
    pub version: String,
    /// The old side.
    pub old: SideSummary,
    /// The new side.
    pub new: SideSummary,
    /// The manifest's path on each side, when it was renamed between them (`kensa diff
    /// --rev` follows renames). Filled in by whoever followed the rename; `diff` itself
    /// leaves it absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename: Option<Rename>,
    /// The institution's id, as the new side describes it.
    pub institution: String,
    /// The institution's name, as the new side describes it.
    pub institution_name: String,
    /// The change of the institution's reference pattern, if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<PatternChange>,
    /// Systems on both sides whose own pattern or hosting changed, by system id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_patterns: Vec<SystemPatternChange>,
    /// Entities added, removed and changed.
    pub entities: EntityChanges,
    /// Findings new, resolved, and changed in status.
    pub findings: FindingChanges,
    /// Requirements whose doer or answerer changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responsibility: Vec<ResponsibilityMove>,
    /// The names of the parties the responsibility moves mention, by party id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parties: BTreeMap<String, Text>,
    /// What keeps the check of the new side from being complete (a rule id that names
    /// nothing, no rule applying): the diff then fails whatever `--fail-on` says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<CheckProblem>,
}

/// One side, in short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SideSummary {
    /// How the side is called: the path given, or `<commit>:<path>` for a side read
    /// from git.
    pub label: String,
    /// The manifest, as its report names it.
    pub manifest: String,
    /// The date it was judged on.
    pub as_of: NaiveDate,
    /// The institution's reference pattern.
    pub pattern: Pattern,
    /// Its findings, counted by status.
    pub summary: Summary,
}

/// A manifest renamed between the two sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Rename {
    /// Its path on the old side, relative to the repository root.
    pub from: String,
    /// Its path on the new side, relative to the repository root.
    pub to: String,
}

/// The institution's reference pattern, before and after, with the reasoning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PatternChange {
    /// The old pattern.
    pub old: Pattern,
    /// The new pattern.
    pub new: Pattern,
    /// Why the old one.
    pub old_explanation: Text,
    /// Why the new one.
    pub new_explanation: Text,
}

/// One system's pattern, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemPatternChange {
    /// `systems[].id`.
    pub system: String,
    /// The old pattern.
    pub old: Pattern,
    /// The new pattern.
    pub new: Pattern,
    /// The old `hosting`.
    pub old_hosting: String,
    /// The new `hosting`.
    pub new_hosting: String,
}

/// Entities added, removed and changed, each list in manifest section order, then by key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EntityChanges {
    /// On the new side only (located in the new manifest).
    pub added: Vec<EntityRef>,
    /// On the old side only (located in the old manifest).
    pub removed: Vec<EntityRef>,
    /// On both sides, with different content (located in the new manifest).
    pub changed: Vec<EntityChange>,
}

/// An entity and where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EntityRef {
    /// Its key: `kind/id`, `institution`, `document/<kind>` or
    /// `access_grant/<role>@<system>` (a second grant of the same role and system gets
    /// `#2`, and so on).
    pub key: String,
    /// `institution`, `person`, `role`, `system`, `asset`, `network`, `connection`,
    /// `account`, `access_grant`, `vendor`, `contract`, `backup`, `document` or
    /// `exception`.
    pub kind: String,
    /// Where it is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// An entity whose content changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EntityChange {
    /// Its key, as for an entity added or removed: `kind/id`, `institution`,
    /// `document/<kind>` or `access_grant/<role>@<system>`.
    pub key: String,
    /// Its kind, as for an entity added or removed: `institution`, `system`, `asset`, and
    /// so on.
    pub kind: String,
    /// Where it is written in the new manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The values that changed, by path.
    pub fields: Vec<FieldChange>,
    /// A unified diff of the entity as text (keys sorted, `id` first), with two lines of
    /// context around each change.
    pub text_diff: String,
}

/// One value that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FieldChange {
    /// The path inside the entity: `authentication.mfa`, `systems[1]`,
    /// `software[0].version`. A list element added or changed is named by its index on
    /// the new side, one removed by its index on the old side.
    pub path: String,
    /// The old value; absent when the value was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The new value; absent when the value was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// What happened to the findings, matched by rule id + entity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingChanges {
    /// Violated on the new side, not on the old side (or absent there). Sorted by
    /// severity, rule id and entity.
    pub new: Vec<NewViolation>,
    /// Violated on the old side, not on the new side (or absent there). Sorted by
    /// severity, rule id and entity.
    pub resolved: Vec<ResolvedViolation>,
    /// On both sides with a different status, violated on neither. Sorted by rule id and
    /// entity.
    pub changed: Vec<StatusChange>,
    /// Could not be evaluated on the new side, and could on the old side (or was absent
    /// there). Never counted as compliant. Sorted by severity, rule id and entity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub could_not_evaluate: Vec<StatusChange>,
    /// Pairs on both sides with the same status.
    pub unchanged: usize,
    /// Among them, the pairs violated on both sides.
    pub still_violated: usize,
}

/// A violation the change introduces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewViolation {
    /// The rule id.
    pub rule: String,
    /// The entity.
    pub entity: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The rule's title.
    pub title: Text,
    /// The status now (`violated`).
    pub status: Status,
    /// The status on the old side; absent when the pair did not exist there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was: Option<Status>,
    /// Where the entity is written in the new manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Why (the deadline passed, the exception expired, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Text>,
    /// What to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Text>,
}

/// A violation the change removes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResolvedViolation {
    /// The rule id.
    pub rule: String,
    /// The entity.
    pub entity: String,
    /// The rule's severity on the old side.
    pub severity: Severity,
    /// The rule's title on the old side.
    pub title: Text,
    /// Its status now; absent when the pair no longer exists (see `gone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Status>,
    /// Why the pair no longer exists, when `now` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone: Option<Gone>,
    /// Where the entity was written in the old manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Why a violated pair of the old side has no status on the new side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gone {
    /// The entity was removed from the manifest.
    EntityRemoved,
    /// The rule is no longer in the catalogue (it has no finding on the new side).
    RuleRemoved,
    /// Both are still there, but the rule is no longer evaluated for the entity.
    NotEvaluated,
}

/// A pair whose status changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusChange {
    /// The rule id.
    pub rule: String,
    /// The entity.
    pub entity: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The rule's title.
    pub title: Text,
    /// The old status; absent when the pair did not exist on the old side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Status>,
    /// The new status.
    pub new: Status,
    /// Where the entity is written in the new manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Why the new status (the contract, the exception, the deadline, the error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Text>,
}

/// A requirement whose doer or answerer changed, that newly applies, or that no longer
/// applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResponsibilityMove {
    /// The requirement id, or `LINE-FAILURE`.
    pub rule: String,
    /// Its title.
    pub title: Text,
    /// The entity.
    pub entity: String,
    /// Where the entity is written in the new manifest (in the old one when no
    /// requirement applies to it any more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The requirement did not apply to the entity on the old side (its old party lists
    /// are empty).
    #[serde(default)]
    pub newly_applies: bool,
    /// The requirement applied to the entity on the old side and no longer does on the
    /// new side, where the entity is still described (its new party lists are empty).
    #[serde(default)]
    pub no_longer_applies: bool,
    /// A new gap: nobody does the requirement on the new side, where someone did on the
    /// old side or where it newly applies (an `unassigned` gap of `kensa split` that the
    /// old side did not have).
    #[serde(default)]
    pub new_gap: bool,
    /// For a new gap, what to do about it (the message of the `unassigned` gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Text>,
    /// The parties that do it.
    pub does: Parties,
    /// The parties that answer for it.
    pub accountable: Parties,
}

/// Party ids (as in the `parties` of `kensa split`: `institution`, `role:<role>`,
/// `vendor:<id>`, …), sorted, before and after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Parties {
    /// On the old side (empty when the requirement did not apply there).
    pub old: Vec<String>,
    /// On the new side (empty when the requirement no longer applies, or when nobody
    /// does it).
    pub new: Vec<String>,
}

impl Parties {
    /// Whether the set of parties changed.
    #[must_use]
    pub fn moved(&self) -> bool {
        self.old != self.new
    }
}

impl ManifestDiff {
    /// Whether the change introduces findings that fail at `fail_on`: a new violation at or
    /// above that severity, or a pair that newly could not be evaluated (whatever its
    /// severity: an evaluation error is never a pass). `None`: nothing fails.
    #[must_use]
    pub fn introduces(&self, fail_on: Option<Severity>) -> bool {
        let Some(threshold) = fail_on else {
            return false;
        };
        self.findings.new.iter().any(|f| f.severity <= threshold)
            || !self.findings.could_not_evaluate.is_empty()
    }

    /// Whether nothing changed: no entity, finding, pattern or responsibility.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pattern.is_none()
            && self.system_patterns.is_empty()
            && self.entities.added.is_empty()
            && self.entities.removed.is_empty()
            && self.entities.changed.is_empty()
            && self.findings.new.is_empty()
            && self.findings.resolved.is_empty()
            && self.findings.changed.is_empty()
            && self.findings.could_not_evaluate.is_empty()
            && self.responsibility.is_empty()
    }

    /// How many requirements the change leaves with nobody doing them (new gaps; see
    /// `ResponsibilityMove::new_gap`).
    #[must_use]
    pub fn new_gaps(&self) -> usize {
        self.responsibility.iter().filter(|m| m.new_gap).count()
    }
}

/// Compares two checked and split manifests.
#[must_use]
pub fn diff(old: &Side<'_>, new: &Side<'_>) -> ManifestDiff {
    let entities = entity_changes(old, new);
    let added: BTreeSet<&str> = entities.added.iter().map(|e| e.key.as_str()).collect();
    let removed: BTreeSet<&str> = entities.removed.iter().map(|e| e.key.as_str()).collect();
    let (responsibility, parties) = responsibility(old.split, new.split, &added, &removed);
    let findings = finding_changes(old.report, new.report, &removed);
    let pattern = (old.report.patterns.institution != new.report.patterns.institution).then(|| {
        PatternChange {
            old: old.report.patterns.institution,
            new: new.report.patterns.institution,
            old_explanation: old.report.patterns.explanation.clone(),
            new_explanation: new.report.patterns.explanation.clone(),
        }
    });
    let before: HashMap<&str, _> = old
        .report
        .patterns
        .systems
        .iter()
        .map(|s| (s.system.as_str(), s))
        .collect();
    let mut system_patterns: Vec<SystemPatternChange> = new
        .report
        .patterns
        .systems
        .iter()
        .filter_map(|n| {
            let o = before.get(n.system.as_str())?;
            (o.pattern != n.pattern || o.hosting != n.hosting).then(|| SystemPatternChange {
                system: n.system.clone(),
                old: o.pattern,
                new: n.pattern,
                old_hosting: o.hosting.clone(),
                new_hosting: n.hosting.clone(),
            })
        })
        .collect();
    system_patterns.sort_by(|a, b| a.system.cmp(&b.system));
    let summary = |s: &Side<'_>| SideSummary {
        label: s.label.clone(),
        manifest: s.report.manifest.clone(),
        as_of: s.report.as_of,
        pattern: s.report.patterns.institution,
        summary: s.report.summary.clone(),
    };
    ManifestDiff {
        version: DIFF_VERSION.to_string(),
        old: summary(old),
        new: summary(new),
        institution: new.report.institution.id.clone(),
        institution_name: new.report.institution.name.clone(),
        rename: None,
        pattern,
        system_patterns,
        entities,
        findings,
        responsibility,
        parties,
        problems: new.report.problems.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------

/// One entity of one side: its kind (with the section rank), content and position.
struct Entry {
    rank: usize,
    kind: &'static str,
    value: Value,
    origin: Origin,
}

/// Kinds in manifest section order.
const KINDS: [&str; 14] = [
    "institution",
    "person",
    "role",
    "system",
    "asset",
    "network",
    "connection",
    "account",
    "access_grant",
    "vendor",
    "contract",
    "backup",
    "document",
    "exception",
];

fn rank(kind: &str) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len())
}

fn to_value<T: Serialize>(item: &T) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

/// Every entity of a manifest, by key.
fn entries(m: &Manifest, sources: &SourceSet) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut put = |kind: &'static str, key: String, value: Value, origin: Origin| {
        out.insert(
            key,
            Entry {
                rank: rank(kind),
                kind,
                value,
                origin,
            },
        );
    };
    put(
        "institution",
        "institution".into(),
        to_value(&m.institution),
        m.institution.origin,
    );
    macro_rules! section {
        ($field:ident, $kind:literal) => {
            for x in &m.$field {
                put($kind, format!("{}/{}", $kind, x.id), to_value(x), x.origin);
            }
        };
    }
    section!(people, "person");
    section!(roles, "role");
    section!(systems, "system");
    section!(assets, "asset");
    section!(networks, "network");
    section!(connections, "connection");
    section!(accounts, "account");
    section!(vendors, "vendor");
    section!(contracts, "contract");
    section!(backups, "backup");
    section!(exceptions, "exception");
    let mut seen: HashMap<String, usize> = HashMap::new();
    for g in &m.access_matrix {
        let base = format!("access_grant/{}@{}", g.role, g.system);
        let n = seen.entry(base.clone()).or_default();
        *n += 1;
        let key = if *n == 1 { base } else { format!("{base}#{n}") };
        put("access_grant", key, to_value(g), g.origin);
    }
    if let Value::Object(docs) = to_value(&m.documents) {
        for (kind, value) in docs {
            let origin = document_origin(m.documents.origin, sources, &kind);
            put("document", format!("document/{kind}"), value, origin);
        }
    }
    out
}

/// Where one document kind is written: the line of its key inside the `documents` block
/// when it can be found there, else the block itself.
fn document_origin(docs: Origin, sources: &SourceSet, kind: &str) -> Origin {
    let Some(span) = docs.span else {
        return docs;
    };
    if !DOCUMENT_KINDS.contains(&kind) || docs.file.0 as usize >= sources.len() {
        return docs;
    }
    let text: &str = &sources.get(docs.file).text;
    let Some(offset) = key_offset(text, span, kind) else {
        return docs;
    };
    Origin {
        file: docs.file,
        span: Some(Span::at(text, offset, kind.len())),
    }
}

/// The byte offset of the key `kind:` among the keys of the mapping whose value starts at
/// `value` (block style: keys at the value's column; flow style: after `{` or `,`).
fn key_offset(text: &str, value: Span, kind: &str) -> Option<usize> {
    let rest = text.get(value.offset..)?;
    let needle = format!("{kind}:");
    if rest.starts_with('{') {
        let mut depth = 0usize;
        let mut after_sep = false;
        for (i, c) in rest.char_indices() {
            match c {
                '{' | '[' => {
                    depth += 1;
                    after_sep = depth == 1;
                    continue;
                }
                '}' | ']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return None;
                    }
                }
                ',' if depth == 1 => {
                    after_sep = true;
                    continue;
                }
                c if c.is_whitespace() => continue,
                _ => {
                    if after_sep && depth == 1 && rest[i..].starts_with(&needle) {
                        return Some(value.offset + i);
                    }
                }
            }
            after_sep = false;
        }
        return None;
    }
    let indent = value.column.saturating_sub(1) as usize;
    let line_start = text[..value.offset].rfind('\n').map_or(0, |i| i + 1);
    let mut at = line_start;
    for line in text[line_start..].split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        let lead = line.len() - body.len();
        let blank = body.trim().is_empty() || body.starts_with('#');
        if !blank {
            if lead < indent {
                return None;
            }
            if lead == indent && body.starts_with(&needle) {
                return Some(at + lead);
            }
        }
        at += line.len();
    }
    None
}

fn location(origin: Origin, sources: &SourceSet) -> Option<Location> {
    let span = origin.span?;
    if origin.file.0 as usize >= sources.len() {
        return None;
    }
    Some(Location {
        file: Arc::from(sources.get(origin.file).path.as_str()),
        line: span.line,
        column: span.column,
    })
}

fn entity_changes(old: &Side<'_>, new: &Side<'_>) -> EntityChanges {
    let before = entries(old.manifest, old.sources);
    let after = entries(new.manifest, new.sources);
    let mut out = EntityChanges::default();
    for (key, o) in &before {
        if !after.contains_key(key) {
            out.removed.push(EntityRef {
                key: key.clone(),
                kind: o.kind.to_string(),
                location: location(o.origin, old.sources),
            });
        }
    }
    for (key, n) in &after {
        let Some(o) = before.get(key) else {
            out.added.push(EntityRef {
                key: key.clone(),
                kind: n.kind.to_string(),
                location: location(n.origin, new.sources),
            });
            continue;
        };
        if o.value == n.value {
            continue;
        }
        let mut fields = Vec::new();
        field_changes("", &o.value, &n.value, &mut fields);
        let old_text = render_entity(&o.value);
        let new_text = render_entity(&n.value);
        let text_diff = TextDiff::from_lines(&old_text, &new_text)
            .unified_diff()
            .context_radius(CONTEXT_LINES)
            .header(
                &format!("{} {key}", old.label),
                &format!("{} {key}", new.label),
            )
            .to_string();
        out.changed.push(EntityChange {
            key: key.clone(),
            kind: n.kind.to_string(),
            location: location(n.origin, new.sources),
            fields,
            text_diff,
        });
    }
    let order = |key: &str, side: &BTreeMap<String, Entry>| side.get(key).map_or(0, |e| e.rank);
    out.added
        .sort_by(|a, b| (order(&a.key, &after), &a.key).cmp(&(order(&b.key, &after), &b.key)));
    out.removed
        .sort_by(|a, b| (order(&a.key, &before), &a.key).cmp(&(order(&b.key, &before), &b.key)));
    out.changed
        .sort_by(|a, b| (order(&a.key, &after), &a.key).cmp(&(order(&b.key, &after), &b.key)));
    out
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn change(out: &mut Vec<FieldChange>, path: String, old: Option<&Value>, new: Option<&Value>) {
    out.push(FieldChange {
        path,
        old: old.cloned(),
        new: new.cloned(),
    });
}

/// The changes from `old` to `new`, by path: objects key by key (sorted), lists element by
/// element after aligning equal elements (so that one insertion is one change).
fn field_changes(path: &str, old: &Value, new: &Value, out: &mut Vec<FieldChange>) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
            for k in keys {
                let p = child(path, k);
                match (o.get(k), n.get(k)) {
                    (Some(a), Some(b)) => field_changes(&p, a, b, out),
                    (a, b) => change(out, p, a, b),
                }
            }
        }
        (Value::Array(o), Value::Array(n)) => {
            let os: Vec<String> = o.iter().map(canonical).collect();
            let ns: Vec<String> = n.iter().map(canonical).collect();
            for op in capture_diff_slices(Algorithm::Myers, &os, &ns) {
                match op {
                    DiffOp::Equal { .. } => {}
                    DiffOp::Delete {
                        old_index, old_len, ..
                    } => {
                        for i in old_index..old_index + old_len {
                            change(out, format!("{path}[{i}]"), o.get(i), None);
                        }
                    }
                    DiffOp::Insert {
                        new_index, new_len, ..
                    } => {
                        for i in new_index..new_index + new_len {
                            change(out, format!("{path}[{i}]"), None, n.get(i));
                        }
                    }
                    DiffOp::Replace {
                        old_index,
                        old_len,
                        new_index,
                        new_len,
                    } => {
                        let both = old_len.min(new_len);
                        for k in 0..both {
                            if let (Some(a), Some(b)) = (o.get(old_index + k), n.get(new_index + k))
                            {
                                field_changes(&format!("{path}[{}]", new_index + k), a, b, out);
                            }
                        }
                        for i in old_index + both..old_index + old_len {
                            change(out, format!("{path}[{i}]"), o.get(i), None);
                        }
                        for i in new_index + both..new_index + new_len {
                            change(out, format!("{path}[{i}]"), None, n.get(i));
                        }
                    }
                }
            }
        }
        _ if old != new => change(out, path.to_string(), Some(old), Some(new)),
        _ => {}
    }
}

/// A value as one line of JSON with sorted keys, for comparing list elements.
fn canonical(v: &Value) -> String {
    let mut s = String::new();
    write_canonical(&mut s, v);
    s
}

fn write_canonical(out: &mut String, v: &Value) {
    match v {
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    write_canonical(out, x);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, x);
            }
            out.push(']');
        }
        _ => out.push_str(&v.to_string()),
    }
}

/// An entity as YAML-like text for people: block style, keys sorted with `id` first,
/// strings quoted only when they would read as something else.
#[must_use]
pub fn render_entity(v: &Value) -> String {
    let mut out = String::new();
    let lines = match v {
        Value::Object(_) | Value::Array(_) if !is_empty_container(v) => block(v),
        _ => vec![inline(v)],
    };
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    out
}

fn is_empty_container(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn sorted_keys(m: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_by(|a, b| (a.as_str() != "id", a.as_str()).cmp(&(b.as_str() != "id", b.as_str())));
    keys
}

/// A non-empty object or list as lines, without base indentation.
fn block(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::Object(m) => {
            for k in sorted_keys(m) {
                let Some(x) = m.get(k) else { continue };
                let key = yaml_key(k);
                if matches!(x, Value::Object(_) | Value::Array(_)) && !is_empty_container(x) {
                    out.push(format!("{key}:"));
                    out.extend(block(x).into_iter().map(|l| format!("  {l}")));
                } else {
                    out.push(format!("{key}: {}", inline(x)));
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                if matches!(x, Value::Object(_) | Value::Array(_)) && !is_empty_container(x) {
                    for (i, l) in block(x).into_iter().enumerate() {
                        out.push(if i == 0 {
                            format!("- {l}")
                        } else {
                            format!("  {l}")
                        });
                    }
                } else {
                    out.push(format!("- {}", inline(x)));
                }
            }
        }
        _ => out.push(inline(v)),
    }
    out
}

fn yaml_key(k: &str) -> String {
    if plain_ok(k) {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if plain_ok(s) => s.clone(),
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        _ => canonical(v),
    }
}

/// Whether a string can be written without quotes and still read as the same string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s
        || s.contains(['\n', '\r', '\t'])
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off"
    ) {
        return false;
    }
    s.parse::<f64>().is_err()
}

// ---------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------

fn text_of(t: Option<&Arc<Text>>) -> Option<Text> {
    t.map(|x| Text::clone(x))
}

/// The rules and entities the new side has findings of, and the entities removed: why a
/// pair has no finding on the new side.
struct Present<'a> {
    rules: HashSet<&'a str>,
    entities: HashSet<&'a str>,
    removed: &'a BTreeSet<&'a str>,
}

impl<'a> Present<'a> {
    fn new(report: &'a Report, removed: &'a BTreeSet<&'a str>) -> Self {
        Present {
            rules: report.findings.iter().map(|f| f.rule.as_str()).collect(),
            entities: report.findings.iter().map(|f| f.entity.as_str()).collect(),
            removed,
        }
    }

    fn gone(&self, rule: &str, entity: &str) -> Gone {
        if self.removed.contains(entity) || !self.entities.contains(entity) {
            Gone::EntityRemoved
        } else if !self.rules.contains(rule) {
            Gone::RuleRemoved
        } else {
            Gone::NotEvaluated
        }
    }
}

fn finding_changes(old: &Report, new: &Report, removed: &BTreeSet<&str>) -> FindingChanges {
    let index = |r: &'_ Report| -> BTreeMap<(String, String), usize> {
        r.findings
            .iter()
            .enumerate()
            .map(|(i, f)| ((f.rule.clone(), f.entity.clone()), i))
            .collect()
    };
    let before = index(old);
    let after = index(new);
    let present = Present::new(new, removed);
    let mut out = FindingChanges::default();
    let keys: BTreeSet<&(String, String)> = before.keys().chain(after.keys()).collect();
    for key in keys {
        let o: Option<&Finding> = before.get(key).map(|&i| &old.findings[i]);
        let n: Option<&Finding> = after.get(key).map(|&i| &new.findings[i]);
        let was = o.map(|f| f.status);
        match (o, n) {
            (Some(o), Some(n)) if o.status == n.status => {
                out.unchanged += 1;
                if n.status == Status::Violated {
                    out.still_violated += 1;
                }
            }
            (o, Some(n)) if n.status == Status::Violated => out.new.push(NewViolation {
                rule: n.rule.clone(),
                entity: n.entity.clone(),
                severity: n.severity,
                title: Text::clone(&n.title),
                status: n.status,
                was: o.map(|f| f.status),
                location: n.location.clone(),
                detail: text_of(n.detail.as_ref()),
                fix: text_of(n.fix.as_ref()),
            }),
            (Some(o), n) if o.status == Status::Violated => {
                out.resolved.push(ResolvedViolation {
                    rule: o.rule.clone(),
                    entity: o.entity.clone(),
                    severity: o.severity,
                    title: Text::clone(&o.title),
                    now: n.map(|f| f.status),
                    gone: n.is_none().then(|| present.gone(&o.rule, &o.entity)),
                    location: o.location.clone(),
                });
            }
            (Some(o), Some(n)) => out.changed.push(status_change(Some(o.status), n)),
            _ => {}
        }
        if let Some(n) = n
            && n.status == Status::CouldNotEvaluate
            && was != Some(Status::CouldNotEvaluate)
        {
            out.could_not_evaluate.push(status_change(was, n));
        }
    }
    let by_severity =
        |a: (&Severity, &String, &String), b: (&Severity, &String, &String)| a.cmp(&b);
    out.new.sort_by(|a, b| {
        by_severity(
            (&a.severity, &a.rule, &a.entity),
            (&b.severity, &b.rule, &b.entity),
        )
    });
    out.resolved.sort_by(|a, b| {
        by_severity(
            (&a.severity, &a.rule, &a.entity),
            (&b.severity, &b.rule, &b.entity),
        )
    });
    out.could_not_evaluate.sort_by(|a, b| {
        by_severity(
            (&a.severity, &a.rule, &a.entity),
            (&b.severity, &b.rule, &b.entity),
        )
    });
    // `changed` is already in (rule, entity) order: the keys were walked sorted.
    out
}

fn status_change(old: Option<Status>, n: &Finding) -> StatusChange {
    StatusChange {
        rule: n.rule.clone(),
        entity: n.entity.clone(),
        severity: n.severity,
        title: Text::clone(&n.title),
        old,
        new: n.status,
        location: n.location.clone(),
        detail: text_of(n.detail.as_ref()),
    }
}

// ---------------------------------------------------------------------------------------
// Responsibility
// ---------------------------------------------------------------------------------------

/// The rows of a split by (requirement, entity).
fn row_index(split: &Split) -> HashMap<(&str, &str), usize> {
    split
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.rule.as_str(), r.entity.as_str()), i))
        .collect()
}

/// Rows whose doers or answerers changed: rows on both sides; rows new on an entity that
/// was already there (a requirement that now applies); rows gone from an entity that is
/// still there (a requirement that no longer applies). Rows of added or removed entities
/// are not moves, since the entity list says so, unless nobody does the requirement: that
/// is a new gap wherever it is.
fn responsibility(
    old: &Split,
    new: &Split,
    added: &BTreeSet<&str>,
    removed: &BTreeSet<&str>,
) -> (Vec<ResponsibilityMove>, BTreeMap<String, Text>) {
    let before = row_index(old);
    let after = row_index(new);
    let set = |a: &[crate::split::Assignment]| -> Vec<String> {
        a.iter()
            .map(|x| x.party.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let unassigned = |rule: &str, entity: &str| -> Option<Text> {
        new.gaps
            .iter()
            .find(|g| {
                g.kind == "unassigned"
                    && g.rule.as_deref() == Some(rule)
                    && g.entity.as_deref() == Some(entity)
            })
            .map(|g| g.message.clone())
    };
    let mut moves = Vec::new();
    for n in &new.rows {
        let o = before
            .get(&(n.rule.as_str(), n.entity.as_str()))
            .map(|&i| &old.rows[i]);
        let does = Parties {
            old: o.map(|r| set(&r.does)).unwrap_or_default(),
            new: set(&n.does),
        };
        let accountable = Parties {
            old: o.map(|r| set(&r.accountable)).unwrap_or_default(),
            new: set(&n.accountable),
        };
        // Nobody does it now, and somebody did before or it did not apply.
        let new_gap = does.new.is_empty() && (o.is_none() || !does.old.is_empty());
        if o.is_none() && added.contains(n.entity.as_str()) && !new_gap {
            continue;
        }
        if does.moved() || accountable.moved() || new_gap {
            moves.push(ResponsibilityMove {
                rule: n.rule.clone(),
                title: Text::clone(&n.title),
                entity: n.entity.clone(),
                location: n.location.clone(),
                newly_applies: o.is_none(),
                no_longer_applies: false,
                new_gap,
                fix: if new_gap {
                    unassigned(&n.rule, &n.entity)
                } else {
                    None
                },
                does,
                accountable,
            });
        }
    }
    // Where each entity is written in the new manifest, for the rows that are gone.
    let written: HashMap<&str, &Location> = new
        .rows
        .iter()
        .filter_map(|r| Some((r.entity.as_str(), r.location.as_ref()?)))
        .collect();
    for o in &old.rows {
        if after.contains_key(&(o.rule.as_str(), o.entity.as_str()))
            || removed.contains(o.entity.as_str())
        {
            continue;
        }
        moves.push(ResponsibilityMove {
            rule: o.rule.clone(),
            title: Text::clone(&o.title),
            entity: o.entity.clone(),
            location: written
                .get(o.entity.as_str())
                .map(|l| (*l).clone())
                .or_else(|| o.location.clone()),
            newly_applies: false,
            no_longer_applies: true,
            new_gap: false,
            fix: None,
            does: Parties {
                old: set(&o.does),
                new: Vec::new(),
            },
            accountable: Parties {
                old: set(&o.accountable),
                new: Vec::new(),
            },
        });
    }
    moves.sort_by(|a, b| (&a.rule, &a.entity).cmp(&(&b.rule, &b.entity)));
    let mut names = BTreeMap::new();
    let mentioned: BTreeSet<&String> = moves
        .iter()
        .flat_map(|m| {
            m.does
                .old
                .iter()
                .chain(&m.does.new)
                .chain(&m.accountable.old)
                .chain(&m.accountable.new)
        })
        .collect();
    for id in mentioned {
        if let Some(p) = new.parties.iter().chain(&old.parties).find(|p| &p.id == id) {
            names.insert(id.clone(), p.name.clone());
        }
    }
    (moves, names)
}
