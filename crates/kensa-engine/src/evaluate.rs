//! Evaluation: one `applies` and one `violates` request per entity, against only the
//! policies of its type, and one status for every (rule, entity) pair.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, Request, RestrictedExpression,
};
use chrono::NaiveDate;
use kensa_manifest::model::Exception;
use kensa_manifest::{Manifest, Origin, SourceSet, Text};

use crate::catalogue::{CATCH_ALL, Catalogue, Rule};
use crate::entities::{Built, Subject, build};
use crate::pattern::Pattern;
use crate::report::{
    CatalogueSummary, ExceptionRef, FINDINGS_VERSION, Finding, InstitutionSummary, Location,
    PatternSummary, Report, SourceRef, Status, Summary, SystemPattern, UnusedException,
};

/// How to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// The date deadlines and expiries are judged on.
    pub as_of: NaiveDate,
    /// The manifest path as the user gave it.
    pub manifest_label: String,
}

/// A failure of the engine itself (never of the user's input, which was validated).
#[derive(Debug, Clone)]
pub struct EngineError(pub String);

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EngineError {}

/// Time spent in each phase, for the benchmark.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Building Cedar entities.
    pub build: std::time::Duration,
    /// Cedar evaluation.
    pub evaluate: std::time::Duration,
    /// Statuses, exceptions, sorting.
    pub assemble: std::time::Duration,
}

/// Checks `manifest` against `catalogue`.
///
/// # Errors
/// An [`EngineError`] when the engine cannot build or query Cedar (a defect in kensa).
pub fn check(
    manifest: &Manifest,
    sources: &SourceSet,
    catalogue: &Catalogue,
    options: &Options,
) -> Result<Report, EngineError> {
    check_timed(manifest, sources, catalogue, options).map(|(r, _)| r)
}

/// As [`check`], also returning the time spent in each phase.
///
/// # Errors
/// As [`check`].
#[allow(clippy::too_many_lines)]
pub fn check_timed(
    manifest: &Manifest,
    sources: &SourceSet,
    catalogue: &Catalogue,
    options: &Options,
) -> Result<(Report, Timings), EngineError> {
    let mut timings = Timings::default();
    let t0 = std::time::Instant::now();
    let as_of = options.as_of;
    let Built {
        entities,
        subjects,
        system_patterns,
        institution_pattern,
    } = build(manifest, as_of).map_err(|e| EngineError(e.to_string()))?;
    let entities = Entities::from_entities(entities, Some(&catalogue.schema)).map_err(|e| {
        EngineError(format!(
            "entities do not conform to the schema: {}",
            error_chain(&e)
        ))
    })?;
    timings.build = t0.elapsed();

    let t1 = std::time::Instant::now();
    let principal = uid("Engine::\"kensa\"")?;
    let applies_action = uid("Action::\"applies\"")?;
    let violates_action = uid("Action::\"violates\"")?;
    let context = Context::from_pairs([(
        "now".to_string(),
        RestrictedExpression::new_datetime(as_of.format("%Y-%m-%d").to_string()),
    )])
    .map_err(|e| EngineError(format!("context: {e}")))?;
    let authorizer = Authorizer::new();

    struct Outcome {
        applies: HashSet<String>,
        violated: HashSet<String>,
        errors: HashMap<String, String>,
    }
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(subjects.len());
    for s in &subjects {
        let Some(sets) = catalogue.by_type.get(s.cedar_type) else {
            outcomes.push(None);
            continue;
        };
        let mut out = Outcome {
            applies: HashSet::new(),
            violated: HashSet::new(),
            errors: HashMap::new(),
        };
        for (action, set, is_applies) in [
            (&applies_action, &sets.applies, true),
            (&violates_action, &sets.violates, false),
        ] {
            let request = Request::new(
                principal.clone(),
                action.clone(),
                s.uid.clone(),
                context.clone(),
                Some(&catalogue.schema),
            )
            .map_err(|e| EngineError(format!("request for {}: {e}", s.uid)))?;
            let response = authorizer.is_authorized(&request, set, &entities);
            for id in response.diagnostics().reason() {
                let id = id.to_string();
                if is_applies {
                    if let Some(rule) = id.strip_suffix(".applies") {
                        out.applies.insert(rule.to_string());
                    }
                } else if response.decision() == Decision::Deny && id != CATCH_ALL {
                    out.violated.insert(id);
                }
            }
            for err in response.diagnostics().errors() {
                let cedar_policy::AuthorizationError::PolicyEvaluationError(pe) = err;
                let id = pe.policy_id().to_string();
                let rule = id.strip_suffix(".applies").unwrap_or(&id).to_string();
                out.errors
                    .entry(rule)
                    .or_insert_with(|| pe.inner().to_string());
            }
        }
        outcomes.push(Some(out));
    }
    timings.evaluate = t1.elapsed();

    let t2 = std::time::Instant::now();
    // Exceptions by (rule, target).
    let mut exceptions: HashMap<(&str, &str), &Exception> = HashMap::new();
    for e in &manifest.exceptions {
        exceptions
            .entry((e.rule.as_str(), e.target.as_str()))
            .or_insert(e);
    }
    let mut used_exceptions: HashSet<&str> = HashSet::new();
    let mut seen_pairs: HashMap<(&str, String), Status> = HashMap::new();
    let edition = manifest
        .institution
        .checklist_edition
        .map_or_else(|| "R7".to_string(), |e| format!("{e:?}"));

    let mut findings = Vec::new();
    let mut summary = Summary::default();
    for (s, outcome) in subjects.iter().zip(&outcomes) {
        let Some(outcome) = outcome else { continue };
        let Some(sets) = catalogue.by_type.get(s.cedar_type) else {
            continue;
        };
        let key = s.key();
        for &ri in &sets.rules {
            let rule = &catalogue.rules[ri];
            let mut f = finding(rule, s, &key, sources);
            let (status, detail) = if let Some(err) = outcome.errors.get(&rule.id) {
                (
                    Status::CouldNotEvaluate,
                    Some(Text::new(
                        format!(
                            "Cedar で評価できませんでした: {err}。適合とは扱いません。規則かマニフェストを確認してください"
                        ),
                        format!(
                            "Cedar could not evaluate the rule: {err}. It is not counted as compliant; check the rule or the manifest"
                        ),
                    )),
                )
            } else if !rule.patterns.contains(&s.pattern) {
                (
                    Status::NotApplicable,
                    Some(Text::new(
                        format!(
                            "参照パターン{}では参照対象外の項目です (適用パターン: {})",
                            s.pattern.numeral(),
                            numerals(&rule.patterns)
                        ),
                        format!(
                            "not read under pattern {} (applies to {})",
                            s.pattern.code(),
                            codes(&rule.patterns)
                        ),
                    )),
                )
            } else if rule.effective > as_of {
                (
                    Status::NotApplicable,
                    Some(Text::new(
                        format!("{} から適用されます", rule.effective),
                        format!("takes effect on {}", rule.effective),
                    )),
                )
            } else if !rule.in_edition(&edition) {
                (
                    Status::NotApplicable,
                    Some(Text::new(
                        format!(
                            "チェックリスト {edition} 版にない項目です (収録: {})",
                            rule.editions.join(", ")
                        ),
                        format!(
                            "not in the {edition} checklist edition (in: {})",
                            rule.editions.join(", ")
                        ),
                    )),
                )
            } else if !outcome.applies.contains(&rule.id) {
                (
                    Status::NotApplicable,
                    Some(Text::new(
                        format!("対象: {}", rule.applies_to.ja),
                        format!("applies to {}", rule.applies_to.en),
                    )),
                )
            } else if outcome.violated.contains(&rule.id) {
                violated_status(
                    rule,
                    s,
                    &key,
                    manifest,
                    as_of,
                    &exceptions,
                    &mut used_exceptions,
                    &mut f,
                )
            } else {
                (Status::Satisfied, None)
            };
            f.status = status;
            f.detail = detail;
            if matches!(
                status,
                Status::Violated | Status::Upcoming | Status::CouldNotEvaluate
            ) {
                f.fix = Some(rule.fix.clone());
            }
            summary.add(status);
            seen_pairs.insert((rule.id.as_str(), key.clone()), status);
            findings.push(f);
        }
    }

    // Exceptions that waive nothing.
    let mut unused_exceptions = Vec::new();
    for e in &manifest.exceptions {
        if used_exceptions.contains(e.id.as_str()) {
            continue;
        }
        let reason = if catalogue.rule(&e.rule).is_none() {
            Text::new(
                format!(
                    "規則「{}」はカタログにありません (kensa rules で一覧を確認できます)",
                    e.rule
                ),
                format!(
                    "rule \"{}\" is not in the catalogue (see `kensa rules`)",
                    e.rule
                ),
            )
        } else if !subjects.iter().any(|s| s.key() == e.target) {
            Text::new(
                format!("対象「{}」はマニフェストにありません", e.target),
                format!("target \"{}\" is not in the manifest", e.target),
            )
        } else {
            match seen_pairs.get(&(e.rule.as_str(), e.target.clone())) {
                None => Text::new(
                    format!(
                        "規則「{}」は「{}」を評価しません (対象の種類が違います)",
                        e.rule, e.target
                    ),
                    format!(
                        "rule \"{}\" does not evaluate \"{}\" (different entity kind)",
                        e.rule, e.target
                    ),
                ),
                Some(st) => Text::new(
                    format!(
                        "「{}」の「{}」は{}のため、例外は不要です。削除を検討してください",
                        e.target,
                        e.rule,
                        st.label().ja
                    ),
                    format!(
                        "\"{}\" is {} for \"{}\", so the exception is not needed; consider removing it",
                        e.target,
                        st.label().en,
                        e.rule
                    ),
                ),
            }
        };
        unused_exceptions.push(UnusedException {
            id: e.id.clone(),
            rule: e.rule.clone(),
            target: e.target.clone(),
            reason,
            location: location(e.origin, sources),
        });
    }

    findings
        .sort_by(|a, b| (a.severity, &a.rule, &a.entity).cmp(&(b.severity, &b.rule, &b.entity)));

    let explanation = explain_pattern(manifest, &system_patterns, institution_pattern);
    let report = Report {
        version: FINDINGS_VERSION.to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        as_of,
        manifest: options.manifest_label.clone(),
        institution: InstitutionSummary {
            id: manifest.institution.id.clone(),
            name: manifest.institution.name.clone(),
            edition,
        },
        patterns: PatternSummary {
            institution: institution_pattern,
            explanation,
            systems: manifest
                .systems
                .iter()
                .zip(&system_patterns)
                .map(|(s, p)| SystemPattern {
                    system: s.id.clone(),
                    pattern: *p,
                    hosting: serde_json::to_value(s.hosting)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                })
                .collect(),
        },
        summary,
        catalogue: CatalogueSummary {
            rules: catalogue.rules.len(),
            builtin_rules: catalogue.rules.iter().filter(|r| r.builtin).count(),
            custom_policy_dirs: catalogue.custom_dirs.clone(),
        },
        findings,
        unused_exceptions,
    };
    timings.assemble = t2.elapsed();
    Ok((report, timings))
}

#[allow(clippy::too_many_arguments)]
fn violated_status<'m>(
    rule: &Rule,
    s: &Subject,
    key: &str,
    manifest: &'m Manifest,
    as_of: NaiveDate,
    exceptions: &HashMap<(&str, &str), &'m Exception>,
    used: &mut HashSet<&'m str>,
    f: &mut Finding,
) -> (Status, Option<Text>) {
    // Delegated: the pattern lets a contract take it over, and a contract does.
    if rule.delegable.contains(&s.pattern)
        && let Some(undertaking) = &rule.undertaking
        && let Some(contract) = manifest.contracts.iter().find(|c| {
            c.undertakes.iter().any(|u| {
                serde_json::to_value(u)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    == Some(undertaking.clone())
            }) && (s.systems.is_empty()
                || c.systems
                    .iter()
                    .any(|id| s.systems.iter().any(|&i| manifest.systems[i].id == *id)))
        })
    {
        f.delegated_to = Some(contract.id.clone());
        return (
            Status::Delegated,
            Some(Text::new(
                format!(
                    "参照パターン{}のため、契約「{}」({}) が「{}」を引き受けています",
                    s.pattern.numeral(),
                    contract.id,
                    contract.vendor,
                    undertaking
                ),
                format!(
                    "pattern {}: contract \"{}\" ({}) undertakes \"{}\"",
                    s.pattern.code(),
                    contract.id,
                    contract.vendor,
                    undertaking
                ),
            )),
        );
    }
    let mut expired_note = None;
    if let Some(e) = exceptions.get(&(rule.id.as_str(), key)) {
        used.insert(e.id.as_str());
        let expired = e.expires_on < as_of;
        f.exception = Some(ExceptionRef {
            id: e.id.clone(),
            approved_by: e.approved_by.clone(),
            expires_on: e.expires_on,
            expired,
        });
        if !expired {
            return (
                Status::Waived,
                Some(Text::new(
                    format!(
                        "例外「{}」({} 承認, {} まで): {}",
                        e.id, e.approved_by, e.expires_on, e.reason
                    ),
                    format!(
                        "exception \"{}\" (approved by {}, until {}): {}",
                        e.id, e.approved_by, e.expires_on, e.reason
                    ),
                )),
            );
        }
        expired_note = Some(Text::new(
            format!(
                "例外「{}」は {} に期限切れです。違反に戻りました。見直して更新するか、是正してください",
                e.id, e.expires_on
            ),
            format!(
                "exception \"{}\" expired on {}; the violation is back. Renew it after review, or fix the gap",
                e.id, e.expires_on
            ),
        ));
    }
    if let Some(deadline) = rule.deadline {
        f.deadline = Some(deadline);
        if deadline > as_of {
            let days = (deadline - as_of).num_days();
            f.days_left = Some(days);
            return (
                Status::Upcoming,
                Some(Text::new(
                    format!("期限 {deadline} まであと {days} 日"),
                    format!("{days} days left until the deadline {deadline}"),
                )),
            );
        }
    }
    (Status::Violated, expired_note)
}

fn finding(rule: &Rule, s: &Subject, key: &str, sources: &SourceSet) -> Finding {
    Finding {
        rule: rule.id.clone(),
        entity: key.to_string(),
        status: Status::Satisfied,
        severity: rule.severity,
        title: rule.title.clone(),
        location: location(s.origin, sources),
        pattern: s.pattern,
        detail: None,
        fix: None,
        source: SourceRef {
            volume: rule.volume,
            citation: rule.source.clone(),
            reference: rule.reference.clone(),
            url: rule.url.clone(),
        },
        evidence: rule.evidence,
        delegated_to: None,
        exception: None,
        days_left: None,
        deadline: None,
    }
}

fn location(origin: Origin, sources: &SourceSet) -> Option<Location> {
    let span = origin.span?;
    Some(Location {
        file: sources.get(origin.file).path.clone(),
        line: span.line,
        column: span.column,
    })
}

fn uid(s: &str) -> Result<EntityUid, EngineError> {
    EntityUid::from_str(s).map_err(|e| EngineError(format!("{s}: {e}")))
}

fn numerals(ps: &[Pattern]) -> String {
    ps.iter()
        .map(|p| p.numeral())
        .collect::<Vec<_>>()
        .join("・")
}

fn codes(ps: &[Pattern]) -> String {
    ps.iter().map(|p| p.code()).collect::<Vec<_>>().join(", ")
}

fn explain_pattern(manifest: &Manifest, systems: &[Pattern], institution: Pattern) -> Text {
    let staff_ja = if manifest.institution.dedicated_ops_staff {
        "システム運用専任の担当者がいる"
    } else {
        "システム運用専任の担当者がいない"
    };
    let staff_en = if manifest.institution.dedicated_ops_staff {
        "it has dedicated system-operation staff"
    } else {
        "it has no dedicated system-operation staff"
    };
    if systems.is_empty() {
        return Text::new(
            format!(
                "システムの記載がないため、オンプレミス型として扱い、{staff_ja}ことからパターン{}です",
                institution.numeral()
            ),
            format!(
                "no system is recorded, so it is read as on-premise; {staff_en}: pattern {}",
                institution.code()
            ),
        );
    }
    let mut counts: BTreeMap<Pattern, usize> = BTreeMap::new();
    for p in systems {
        *counts.entry(*p).or_default() += 1;
    }
    let cloud = systems.iter().filter(|p| p.is_cloud()).count();
    let onprem = systems.len() - cloud;
    if cloud > 0 && onprem > 0 {
        Text::new(
            format!(
                "オンプレミス型のシステムが{onprem}件、クラウドサービス型が{cloud}件あります。ガイドラインは混在時の扱いを定めていないため、最も厳しいオンプレミス型を機関全体のパターンとし、{staff_ja}ことからパターン{}です。各システムの項目はそのシステムのパターンで評価します",
                institution.numeral()
            ),
            format!(
                "{onprem} on-premise and {cloud} cloud-service systems. The guideline does not cover a mix, so the institution takes the strictest (on-premise); {staff_en}: pattern {}. Each system is still evaluated under its own pattern",
                institution.code()
            ),
        )
    } else if cloud > 0 {
        Text::new(
            format!(
                "すべてのシステム ({cloud}件) がクラウドサービス型で、{staff_ja}ことからパターン{}です",
                institution.numeral()
            ),
            format!(
                "all {cloud} systems are cloud services and {staff_en}: pattern {}",
                institution.code()
            ),
        )
    } else {
        Text::new(
            format!(
                "すべてのシステム ({onprem}件) がオンプレミス型で、{staff_ja}ことからパターン{}です",
                institution.numeral()
            ),
            format!(
                "all {onprem} systems are on-premise and {staff_en}: pattern {}",
                institution.code()
            ),
        )
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
