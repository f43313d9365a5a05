//! Evaluation: one `applies` and one `violates` request per entity, against only the
//! policies of its type, and one status for every (rule, entity) pair.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, Request, RestrictedExpression,
};
use chrono::NaiveDate;
use kensa_manifest::model::Exception;
use kensa_manifest::{Manifest, Origin, SourceSet, Text};

use crate::catalogue::{Catalogue, Rule};
use crate::entities::{Built, PendingEntity, Subject, build};
use crate::pattern::Pattern;
use crate::report::{
    CatalogueSummary, CheckProblem, ExceptionRef, FINDINGS_VERSION, Finding, InstitutionSummary,
    Location, PatternSummary, ProblemKind, Report, SourceRef, Status, Summary, SystemPattern,
    UnusedException,
};

/// How to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// The date deadlines and expiries are judged on.
    pub as_of: NaiveDate,
    /// The manifest path as the user gave it.
    pub manifest_label: String,
    /// Threads to evaluate on; 0 for as many as the machine has (at most 8). The result
    /// does not depend on it.
    pub threads: usize,
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
    check_timed(manifest, sources, catalogue, options, None).map(|(r, _)| r)
}

/// As [`check`], asking Cedar only about entities `memo` has not seen: for evaluating
/// many versions of one manifest (its history) with one catalogue. The report is the same
/// as [`check`] gives.
///
/// # Errors
/// As [`check`].
pub fn check_with(
    manifest: &Manifest,
    sources: &SourceSet,
    catalogue: &Catalogue,
    options: &Options,
    memo: &mut Memo,
) -> Result<Report, EngineError> {
    check_timed(manifest, sources, catalogue, options, Some(memo)).map(|(r, _)| r)
}

/// Cedar's answers for entities already evaluated, by everything Cedar is shown of them
/// ([`PendingEntity::identity`]). Keep one per catalogue: the answers depend on its
/// policies. Answers not used by the last two checks are forgotten.
#[derive(Debug, Default)]
pub struct Memo {
    as_of: Option<NaiveDate>,
    answers: HashMap<Vec<u8>, (Option<Outcome>, u64)>,
    generation: u64,
    asked: usize,
    reused: usize,
}

impl Memo {
    /// An empty memory.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Entities Cedar was asked about, and entities answered from memory, since the start.
    #[must_use]
    pub fn counts(&self) -> (usize, usize) {
        (self.asked, self.reused)
    }

    /// The outcomes of `entities`, from memory or from Cedar.
    fn outcomes(
        &mut self,
        entities: Vec<PendingEntity>,
        subjects: &[Subject],
        catalogue: &Catalogue,
        as_of: NaiveDate,
        threads: usize,
    ) -> Result<Vec<Option<Outcome>>, EngineError> {
        if self.as_of != Some(as_of) {
            self.answers.clear();
            self.as_of = Some(as_of);
        }
        self.generation += 1;
        let generation = self.generation;
        let mut out: Vec<Option<Option<Outcome>>> = Vec::with_capacity(subjects.len());
        let mut missing = Vec::new();
        let mut missing_keys = Vec::new();
        let mut missing_subjects = Vec::new();
        for (e, s) in entities.into_iter().zip(subjects) {
            let key = e.identity();
            if let Some((answer, used)) = self.answers.get_mut(&key) {
                *used = generation;
                out.push(Some(answer.clone()));
                self.reused += 1;
            } else {
                out.push(None);
                missing.push(e);
                missing_keys.push(key);
                missing_subjects.push(s);
            }
        }
        self.asked += missing.len();
        let answers = evaluate_all(missing, &missing_subjects, catalogue, as_of, threads)?;
        let mut answers = missing_keys.into_iter().zip(answers);
        for slot in &mut out {
            if slot.is_none()
                && let Some((key, answer)) = answers.next()
            {
                *slot = Some(answer.clone());
                self.answers.insert(key, (answer, generation));
            }
        }
        self.answers.retain(|_, (_, used)| *used + 2 > generation);
        Ok(out.into_iter().map(Option::flatten).collect())
    }
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
    memo: Option<&mut Memo>,
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
    timings.build = t0.elapsed();

    let t1 = std::time::Instant::now();
    let outcomes = match memo {
        Some(memo) => memo.outcomes(entities, &subjects, catalogue, as_of, options.threads)?,
        None => {
            let all: Vec<&Subject> = subjects.iter().collect();
            evaluate_all(entities, &all, catalogue, as_of, options.threads)?
        }
    };
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
    let edition = manifest
        .institution
        .checklist_edition
        .map_or_else(|| "R7".to_string(), |e| format!("{e:?}"));

    // Findings are produced in their final order, (severity, rule, entity), without a
    // sort: rules in (severity, id) order, and for each the subjects of its type by key.
    let keys: Vec<String> = subjects.iter().map(Subject::key).collect();
    let mut of_type: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in subjects.iter().enumerate() {
        if outcomes[i].is_some() {
            of_type.entry(s.cedar_type).or_default().push(i);
        }
    }
    for list in of_type.values_mut() {
        list.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
    }
    let mut rule_order: Vec<usize> = (0..catalogue.rules.len()).collect();
    rule_order.sort_by_key(|&ri| (catalogue.rules[ri].severity, ri));

    let mut findings = Vec::with_capacity(of_type.get("Account").map_or(0, Vec::len) * 8);
    let mut summary = Summary::default();
    let paths: Vec<Arc<str>> = sources
        .iter()
        .map(|(_, f)| Arc::from(f.path.as_str()))
        .collect();
    for ri in rule_order {
        let rule = &catalogue.rules[ri];
        let Some(list) = of_type.get(rule.entity_type.as_str()) else {
            continue;
        };
        let mut shared = Shared::new(rule);
        for &si in list {
            let (s, key) = (&subjects[si], &keys[si]);
            let Some(outcome) = &outcomes[si] else {
                continue;
            };
            let mut f = finding(&shared, s, key, &paths);
            let (status, detail) = if let Some(err) = outcome.error(ri) {
                (
                    Status::CouldNotEvaluate,
                    Some(Arc::new(Text::new(
                        format!(
                            "Cedar で評価できませんでした: {err}。適合とは扱いません。規則かマニフェストを確認してください"
                        ),
                        format!(
                            "Cedar could not evaluate the rule: {err}. It is not counted as compliant; check the rule or the manifest"
                        ),
                    ))),
                )
            } else if !rule.patterns.contains(&s.pattern) {
                let pattern = s.pattern;
                (
                    Status::NotApplicable,
                    Some(shared.not_applicable(pattern as usize, || {
                        Text::new(
                            format!(
                                "参照パターン{}では参照対象外の項目です (適用パターン: {})",
                                pattern.numeral(),
                                numerals(&rule.patterns)
                            ),
                            format!(
                                "not read under pattern {} (applies to {})",
                                pattern.code(),
                                codes(&rule.patterns)
                            ),
                        )
                    })),
                )
            } else if rule.effective > as_of {
                (
                    Status::NotApplicable,
                    Some(shared.not_applicable(4, || {
                        Text::new(
                            format!("{} から適用されます", rule.effective),
                            format!("takes effect on {}", rule.effective),
                        )
                    })),
                )
            } else if !rule.in_edition(&edition) {
                (
                    Status::NotApplicable,
                    Some(shared.not_applicable(5, || {
                        Text::new(
                            format!(
                                "チェックリスト {edition} 版にない項目です (収録: {})",
                                rule.editions.join(", ")
                            ),
                            format!(
                                "not in the {edition} checklist edition (in: {})",
                                rule.editions.join(", ")
                            ),
                        )
                    })),
                )
            } else if !outcome.applies.contains(&ri) {
                (
                    Status::NotApplicable,
                    Some(shared.not_applicable(6, || {
                        Text::new(
                            format!("対象: {}", rule.applies_to.ja),
                            format!("applies to {}", rule.applies_to.en),
                        )
                    })),
                )
            } else if outcome.violated.contains(&ri) {
                let (status, detail) = violated_status(
                    rule,
                    s,
                    key,
                    manifest,
                    as_of,
                    &exceptions,
                    &mut used_exceptions,
                    &mut f,
                );
                (status, detail.map(Arc::new))
            } else {
                (Status::Satisfied, None)
            };
            f.status = status;
            f.detail = detail;
            if matches!(
                status,
                Status::Violated | Status::Upcoming | Status::CouldNotEvaluate
            ) {
                f.fix = Some(Arc::clone(&shared.fix));
            }
            summary.add(status);
            findings.push(f);
        }
    }

    // Exceptions that waive nothing; rule ids that name nothing.
    let mut unused_exceptions = Vec::new();
    let mut problems = Vec::new();
    let key_set: HashSet<&str> = if manifest.exceptions.len() > used_exceptions.len() {
        keys.iter().map(String::as_str).collect()
    } else {
        HashSet::new()
    };
    for e in &manifest.exceptions {
        if used_exceptions.contains(e.id.as_str()) {
            continue;
        }
        let reason = if catalogue.rule(&e.rule).is_none() {
            problems.push(unknown_rule(
                ProblemKind::UnknownRuleInException,
                &e.rule,
                (
                    format!("例外「{}」", e.id),
                    format!("exception \"{}\"", e.id),
                ),
                (
                    "何を免除するつもりか分からないため、検査は完了していません",
                    "what it meant to waive is unknown, so the check is not complete",
                ),
                catalogue,
                location(e.origin, sources),
            ));
            continue;
        } else if !key_set.contains(e.target.as_str()) {
            Text::new(
                format!("対象「{}」はマニフェストにありません", e.target),
                format!("target \"{}\" is not in the manifest", e.target),
            )
        } else {
            // Findings are in (severity, rule, entity) order.
            let seen = catalogue.rule(&e.rule).and_then(|r| {
                findings
                    .binary_search_by(|f| {
                        (f.severity, f.rule.as_str(), f.entity.as_str()).cmp(&(
                            r.severity,
                            e.rule.as_str(),
                            e.target.as_str(),
                        ))
                    })
                    .ok()
                    .map(|i| findings[i].status)
            });
            match seen {
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

    for c in &manifest.contracts {
        for r in c
            .requirements
            .iter()
            .filter(|r| catalogue.rule(r).is_none())
        {
            problems.push(unknown_rule(
                ProblemKind::UnknownRuleInContract,
                r,
                (
                    format!("契約「{}」の requirements ", c.id),
                    format!("the requirements of contract \"{}\"", c.id),
                ),
                (
                    "何を引き受けるつもりか分からないため、検査は完了していません",
                    "what it meant to take over is unknown, so the check is not complete",
                ),
                catalogue,
                location(c.origin, sources),
            ));
        }
    }
    problems.sort_by(|a, b| a.location.cmp(&b.location));
    if summary.applicable() == 0 {
        problems.push(CheckProblem {
            kind: ProblemKind::NothingApplies,
            message: Text::new(
                format!(
                    "{} 時点で、マニフェストの {} 個の対象に適用される規則が1つもありません。何も検査していないため、合格とは扱いません",
                    as_of,
                    subjects.len()
                ),
                format!(
                    "not one rule applies to the {} entities of the manifest on {}: nothing was checked, so this is not a pass",
                    subjects.len(),
                    as_of
                ),
            ),
            fix: Text::new(
                "--as-of の日付、institution.checklist_edition、--policies の規則の対象を確認してください",
                "check the --as-of date, institution.checklist_edition, and what the rules given with --policies apply to",
            ),
            location: location(manifest.institution.origin, sources),
        });
    }

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
        problems,
        baseline: None,
    };
    timings.assemble = t2.elapsed();
    Ok((report, timings))
}

/// What Cedar said about one entity, as indexes into [`Catalogue::rules`].
#[derive(Debug, Default, Clone)]
struct Outcome {
    applies: Vec<usize>,
    violated: Vec<usize>,
    errors: Vec<(usize, String)>,
}

impl Outcome {
    fn error(&self, rule: usize) -> Option<&str> {
        self.errors
            .iter()
            .find(|(r, _)| *r == rule)
            .map(|(_, e)| e.as_str())
    }
}

/// Entities per Cedar store. Policies read only the resource's own attributes (aggregates
/// are computed when building), so each batch is evaluated against a store of its own:
/// memory stays flat and the stores' set-up stays linear.
const BATCH: usize = 512;

/// Below this many entities one thread is quicker than starting more.
const PARALLEL_FROM: usize = 2 * BATCH;

/// Evaluates every entity: one `applies` and one `violates` request each, against only
/// the policies of its type, on up to as many threads as the machine has. The result is
/// in the order of `subjects` whatever the number of threads.
fn evaluate_all(
    mut entities: Vec<PendingEntity>,
    subjects: &[&Subject],
    catalogue: &Catalogue,
    as_of: NaiveDate,
    threads: usize,
) -> Result<Vec<Option<Outcome>>, EngineError> {
    let threads = if threads > 0 {
        threads
    } else if subjects.len() < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(8)
    }
    .min(subjects.len().div_ceil(BATCH))
    .max(1);
    if threads <= 1 {
        return evaluate_range(entities, subjects, catalogue, as_of);
    }
    // Contiguous shares of about equal cost (the policies an entity is evaluated
    // against), cut from the end so that each share moves out without copying.
    let cost = |s: &&Subject| {
        1 + catalogue.by_type.get(s.cedar_type).map_or(0, |t| {
            t.applies.num_of_policies() + t.violates.num_of_policies()
        })
    };
    let total: usize = subjects.iter().map(cost).sum();
    let mut cuts = Vec::with_capacity(threads);
    let mut acc = 0;
    for (i, s) in subjects.iter().enumerate() {
        if acc * threads >= total * (cuts.len() + 1) && cuts.len() + 1 < threads {
            cuts.push(i);
        }
        acc += cost(s);
    }
    let mut parts = Vec::with_capacity(threads);
    for &from in cuts.iter().rev() {
        parts.push((from, entities.split_off(from)));
    }
    parts.push((0, entities));
    parts.reverse();
    let results: Vec<Result<Vec<Option<Outcome>>, EngineError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|(from, part)| {
                let subjects = &subjects[from..from + part.len()];
                scope.spawn(move || evaluate_range(part, subjects, catalogue, as_of))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(EngineError("an evaluation thread panicked".into())))
            })
            .collect()
    });
    let mut outcomes = Vec::with_capacity(subjects.len());
    for r in results {
        outcomes.extend(r?);
    }
    Ok(outcomes)
}

/// What every request shares.
struct Queries {
    principal: EntityUid,
    applies: EntityUid,
    violates: EntityUid,
    context: Context,
}

impl Queries {
    fn new(as_of: NaiveDate) -> Result<Self, EngineError> {
        Ok(Self {
            principal: uid("Engine::\"kensa\"")?,
            applies: uid("Action::\"applies\"")?,
            violates: uid("Action::\"violates\"")?,
            context: Context::from_pairs([(
                "now".to_string(),
                RestrictedExpression::new_datetime(as_of.format("%Y-%m-%d").to_string()),
            )])
            .map_err(|e| EngineError(format!("context: {e}")))?,
        })
    }
}

fn evaluate_range(
    entities: Vec<PendingEntity>,
    subjects: &[&Subject],
    catalogue: &Catalogue,
    as_of: NaiveDate,
) -> Result<Vec<Option<Outcome>>, EngineError> {
    let authorizer = Authorizer::new();
    let q = &Queries::new(as_of)?;
    let mut outcomes = Vec::with_capacity(subjects.len());
    let mut entities = entities.into_iter();
    for batch in subjects.chunks(BATCH) {
        let built = entities
            .by_ref()
            .take(batch.len())
            .map(PendingEntity::into_entity)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EngineError(e.to_string()))?;
        // Conformance to the schema is a property of the builder, held by the tests
        // (`entities_conform_to_the_schema`); release builds do not re-check it per run.
        let schema = cfg!(debug_assertions).then_some(&catalogue.schema);
        let store = Entities::from_entities(built, schema).map_err(|e| {
            EngineError(format!(
                "entities do not conform to the schema: {}",
                error_chain(&e)
            ))
        })?;
        for s in batch {
            outcomes.push(evaluate_one(s, catalogue, q, &authorizer, &store)?);
        }
    }
    Ok(outcomes)
}

fn evaluate_one(
    s: &Subject,
    catalogue: &Catalogue,
    q: &Queries,
    authorizer: &Authorizer,
    store: &Entities,
) -> Result<Option<Outcome>, EngineError> {
    let Some(sets) = catalogue.by_type.get(s.cedar_type) else {
        return Ok(None);
    };
    let mut out = Outcome::default();
    for (action, set, is_applies) in [
        (&q.applies, &sets.applies, true),
        (&q.violates, &sets.violates, false),
    ] {
        let request = Request::new(
            q.principal.clone(),
            action.clone(),
            s.uid.clone(),
            q.context.clone(),
            None,
        )
        .map_err(|e| EngineError(format!("request for {}: {e}", s.uid)))?;
        let response = authorizer.is_authorized(&request, set, store);
        for id in response.diagnostics().reason() {
            let id: &str = id.as_ref();
            if is_applies {
                if let Some(ri) = id.strip_suffix(".applies").and_then(|r| catalogue.index(r)) {
                    out.applies.push(ri);
                }
            } else if response.decision() == Decision::Deny
                && let Some(ri) = catalogue.index(id)
            {
                out.violated.push(ri);
            }
        }
        for err in response.diagnostics().errors() {
            let cedar_policy::AuthorizationError::PolicyEvaluationError(pe) = err;
            let id: &str = pe.policy_id().as_ref();
            let rule = id.strip_suffix(".applies").unwrap_or(id);
            if let Some(ri) = catalogue.index(rule)
                && out.error(ri).is_none()
            {
                out.errors.push((ri, pe.inner().to_string()));
            }
        }
    }
    Ok(Some(out))
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
    // Delegated: the pattern lets a contract take it over, and a contract does, by the
    // requirement's group (`undertakes`) or by its id (`requirements`).
    if rule.delegable.contains(&s.pattern)
        && let Some((contract, clause)) = manifest.contracts.iter().find_map(|c| {
            if !crate::split::covers(manifest, c, s) {
                return None;
            }
            if c.requirements.contains(&rule.id) {
                return Some((c, rule.id.clone()));
            }
            let group = rule.undertaking.as_deref()?;
            c.undertakes
                .iter()
                .any(|u| crate::entities::name(u) == group)
                .then(|| (c, group.to_string()))
        })
    {
        f.delegated_to = Some(contract.id.clone());
        return (
            Status::Delegated,
            Some(Text::new(
                format!(
                    "参照パターン{}のため、契約「{}」({}) が「{clause}」を引き受けています",
                    s.pattern.numeral(),
                    contract.id,
                    contract.vendor,
                ),
                format!(
                    "pattern {}: contract \"{}\" ({}) undertakes \"{clause}\"",
                    s.pattern.code(),
                    contract.id,
                    contract.vendor,
                ),
            )),
        );
    }
    let mut expired_note = None;
    if let Some(e) = exceptions.get(&(rule.id.as_str(), key)) {
        used.insert(e.id.as_str());
        let expired = e.expires_on < as_of;
        f.exception = Some(Box::new(ExceptionRef {
            id: e.id.clone(),
            approved_by: e.approved_by.clone(),
            expires_on: e.expires_on,
            expired,
        }));
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

/// What the findings of one rule share, built once per rule rather than per finding.
struct Shared {
    title: Arc<Text>,
    source: Arc<SourceRef>,
    fix: Arc<Text>,
    severity: crate::catalogue::Severity,
    evidence: crate::catalogue::Evidence,
    rule: String,
    /// Not-applicable reasons, made on first use: one per pattern (0–3), then the
    /// effective date (4), the edition (5) and the scope (6).
    not_applicable: [Option<Arc<Text>>; 7],
}

impl Shared {
    fn new(rule: &Rule) -> Self {
        Self {
            title: Arc::new(rule.title.clone()),
            source: Arc::new(SourceRef {
                volume: rule.volume,
                citation: rule.source.clone(),
                reference: rule.reference.clone(),
                url: rule.url.clone(),
            }),
            fix: Arc::new(rule.fix.clone()),
            severity: rule.severity,
            evidence: rule.evidence,
            rule: rule.id.clone(),
            not_applicable: Default::default(),
        }
    }

    fn not_applicable(&mut self, slot: usize, make: impl FnOnce() -> Text) -> Arc<Text> {
        Arc::clone(self.not_applicable[slot].get_or_insert_with(|| Arc::new(make())))
    }
}

fn finding(shared: &Shared, s: &Subject, key: &str, paths: &[Arc<str>]) -> Finding {
    Finding {
        rule: shared.rule.clone(),
        entity: key.to_string(),
        status: Status::Satisfied,
        severity: shared.severity,
        title: Arc::clone(&shared.title),
        location: s.origin.span.map(|span| Location {
            file: paths
                .get(s.origin.file.0 as usize)
                .map_or_else(|| Arc::from(""), Arc::clone),
            line: span.line,
            column: span.column,
        }),
        pattern: s.pattern,
        detail: None,
        fix: None,
        source: Arc::clone(&shared.source),
        evidence: shared.evidence,
        delegated_to: None,
        exception: None,
        days_left: None,
        deadline: None,
        baseline: None,
    }
}

fn location(origin: Origin, sources: &SourceSet) -> Option<Location> {
    let span = origin.span?;
    Some(Location {
        file: Arc::from(sources.get(origin.file).path.as_str()),
        line: span.line,
        column: span.column,
    })
}

/// A rule id written in the manifest that is not in the catalogue.
fn unknown_rule(
    kind: ProblemKind,
    id: &str,
    (where_ja, where_en): (String, String),
    (why_ja, why_en): (&str, &str),
    catalogue: &Catalogue,
    location: Option<Location>,
) -> CheckProblem {
    let close = catalogue.closest_rule(id);
    CheckProblem {
        kind,
        message: Text::new(
            format!("{where_ja}にある規則「{id}」はカタログにありません。{why_ja}"),
            format!("{where_en} names rule \"{id}\", which is not in the catalogue: {why_en}"),
        ),
        fix: match close {
            Some(c) => Text::new(
                format!("「{c}」のことですか？ 規則の一覧は kensa rules で確認できます"),
                format!("did you mean \"{c}\"? `kensa rules` lists the rules"),
            ),
            None => Text::new(
                "規則 id を kensa rules の一覧で確認してください",
                "check the rule id against `kensa rules`",
            ),
        },
        location,
    }
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
    let cloud = systems.iter().filter(|p| p.is_cloud()).count();
    let onprem = systems.len() - cloud;
    if cloud > 0 && onprem > 0 {
        Text::new(
            format!(
                "オンプレミス型のシステムが{onprem}件、クラウドサービス型が{cloud}件あります。ガイドラインは混在時の扱いを定めていないため、最も厳しいオンプレミス型を機関全体のパターンとし、{staff_ja}ことからパターン{}です。各システムの項目はそのシステムのパターンで評価します",
                institution.numeral()
            ),
            format!(
                "{} and {}. The guideline does not cover a mix, so the institution takes the strictest (on-premise); {staff_en}: pattern {}. Each system is still evaluated under its own pattern",
                count_en(onprem, "on-premise system"),
                count_en(cloud, "cloud-service system"),
                institution.code()
            ),
        )
    } else {
        let n = systems.len();
        let (kind_ja, one_en, all_en) = if cloud > 0 {
            (
                "クラウドサービス型",
                "is a cloud service",
                "are cloud services",
            )
        } else {
            ("オンプレミス型", "is on-premise", "are on-premise")
        };
        let (subject_ja, subject_en) = if n == 1 {
            (
                "システム (1件)".to_string(),
                format!("its only system {one_en}"),
            )
        } else {
            (
                format!("すべてのシステム ({n}件)"),
                format!("all {n} systems {all_en}"),
            )
        };
        Text::new(
            format!(
                "{subject_ja} が{kind_ja}で、{staff_ja}ことからパターン{}です",
                institution.numeral()
            ),
            format!(
                "{subject_en} and {staff_en}: pattern {}",
                institution.code()
            ),
        )
    }
}

/// `1 on-premise system`, `2 on-premise systems`.
fn count_en(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
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
