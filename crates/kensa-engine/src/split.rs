//! The responsibility split (責任分界): for every applicable (requirement, entity) pair,
//! the party that does it and the party that answers for it, with the basis, and the gaps.
//!
//! Who does what is decided by the Cedar policies of `policies/responsibility.cedar`
//! (actions `does`, `accountable`, `warns`), not here: this module builds the parties and
//! the requests, asks, and reports. Structural gaps that need no rule (nobody does it, two
//! vendors claim it, a contract names a requirement that does not exist) are found here.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;
use std::sync::Arc;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression,
};
use chrono::NaiveDate;
use kensa_manifest::model::{EmploymentStatus, GovernanceRole};
use kensa_manifest::{Manifest, Origin, SourceSet, Text};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, Responsible};
use crate::entities::{Subject, build, name};
use crate::evaluate::EngineError;
use crate::pattern::Pattern;
use crate::report::{Location, Report, Status};

/// Version of the split format.
pub const SPLIT_VERSION: &str = "kensa.split/v1";

/// Where the split schema is committed, relative to the repository root.
pub const SPLIT_SCHEMA_PATH: &str = "schemas/split.v1.schema.json";

/// The JSON Schema of `kensa split --format json`.
#[must_use]
pub fn split_schema_text() -> String {
    crate::report::schema_text::<Split>()
}

/// The line item asked of every connection: who answers for failures on the line.
pub const LINE_FAILURE: &str = "LINE-FAILURE";

/// The split of one manifest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Split {
    /// Format version, `kensa.split/v1`.
    pub version: String,
    /// The date it was judged on.
    pub as_of: NaiveDate,
    /// The manifest, as given.
    pub manifest: String,
    /// The institution's id.
    pub institution: String,
    /// The institution's name.
    pub institution_name: String,
    /// The institution's reference pattern.
    pub pattern: Pattern,
    /// Every party, in a stable order: the institution, its roles, vendors, carriers,
    /// subcontractors.
    pub parties: Vec<PartyInfo>,
    /// One row per applicable (requirement, entity) pair, plus a line item per connection.
    pub rows: Vec<Row>,
    /// What is wrong with the split.
    pub gaps: Vec<Gap>,
    /// The split policies, by id, as cited by the rows and gaps.
    pub bases: Vec<crate::catalogue::SplitPolicy>,
}

/// A party of the split.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PartyInfo {
    /// Its id in the split: `institution`, `role:<role>`, `vendor:<id>`, `carrier:<id>` or
    /// `subcontractor:<vendor>/<name>`.
    pub id: String,
    /// institution, role, vendor, carrier or subcontractor.
    pub kind: String,
    /// Its name for people.
    pub name: Text,
    /// For a role: the people who hold it; for a subcontractor: the vendor it works under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<String>,
    /// Where it is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// One (requirement, entity) pair and who carries it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Row {
    /// The requirement id, or `LINE-FAILURE`.
    pub rule: String,
    /// Its title.
    pub title: Arc<Text>,
    /// The entity (`kind/id` or `institution`).
    pub entity: String,
    /// The systems the entity belongs to (`systems[].id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<String>,
    /// The pattern the entity is read under.
    pub pattern: Pattern,
    /// Its status in `kensa check` (absent for line items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Where the entity is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The parties that do it, with the policies that say so.
    pub does: Vec<Assignment>,
    /// The parties that answer for it.
    pub accountable: Vec<Assignment>,
}

/// A party and the split policies that give it the requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Assignment {
    /// The party (`PartyInfo::id`).
    pub party: String,
    /// The split policies (`split.*`) that say so.
    pub basis: Vec<String>,
}

/// Something wrong with the split. Its identity is kind + rule + entity + party.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Gap {
    /// unassigned, overlap, not_delegable, unknown_requirement, no_disclosure,
    /// could_not_evaluate, or a kind a custom policy names with @gap.
    pub kind: String,
    /// The requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// The party concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The split policy that reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// What is wrong and what to do.
    pub message: Text,
    /// Where to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

struct PartyDef {
    info: PartyInfo,
    uid: EntityUid,
    entity: Entity,
    kind: &'static str,
}

fn uid(ty: &str, id: &str) -> Result<EntityUid, EngineError> {
    let t = EntityTypeName::from_str(ty).map_err(|e| EngineError(format!("{ty}: {e}")))?;
    Ok(EntityUid::from_type_name_and_id(t, EntityId::new(id)))
}

fn location(origin: Origin, sources: &SourceSet) -> Option<Location> {
    let span = origin.span?;
    Some(Location {
        file: Arc::from(sources.get(origin.file).path.as_str()),
        line: span.line,
        column: span.column,
    })
}

fn role_name(r: GovernanceRole) -> Text {
    match r {
        GovernanceRole::Executive => Text::new("経営層", "executive"),
        GovernanceRole::SecurityManager => {
            Text::new("医療情報システム安全管理責任者", "security manager")
        }
        GovernanceRole::PlanningManager => Text::new("企画管理者", "planning manager"),
        GovernanceRole::SystemOperator => Text::new("システム運用担当者", "system operator"),
        _ => Text::new(name(&r), name(&r)),
    }
}

/// The roles the split assigns to.
const ROLES: [GovernanceRole; 4] = [
    GovernanceRole::Executive,
    GovernanceRole::SecurityManager,
    GovernanceRole::PlanningManager,
    GovernanceRole::SystemOperator,
];

#[allow(clippy::too_many_lines)]
fn parties(
    manifest: &Manifest,
    sources: &SourceSet,
    catalogue: &Catalogue,
    gaps: &mut Vec<Gap>,
) -> Result<Vec<PartyDef>, EngineError> {
    let mut out = Vec::new();
    let mut push = |kind: &'static str,
                    id: String,
                    info_name: Text,
                    detail: Vec<String>,
                    loc: Option<Location>,
                    staffed: bool,
                    clauses: BTreeSet<String>,
                    disclosure: bool|
     -> Result<(), EngineError> {
        let party_id = match kind {
            "institution" => "institution".to_string(),
            _ => format!("{kind}:{id}"),
        };
        let u = uid("Party", &party_id)?;
        let attrs = HashMap::from([
            (
                "kind".to_string(),
                RestrictedExpression::new_string(kind.to_string()),
            ),
            ("id".to_string(), RestrictedExpression::new_string(id)),
            (
                "staffed".to_string(),
                RestrictedExpression::new_bool(staffed),
            ),
            (
                "clauses".to_string(),
                RestrictedExpression::new_set(
                    clauses.into_iter().map(RestrictedExpression::new_string),
                ),
            ),
            (
                "disclosure".to_string(),
                RestrictedExpression::new_bool(disclosure),
            ),
        ]);
        let entity = Entity::new(u.clone(), attrs, Default::default())
            .map_err(|e| EngineError(format!("{party_id}: {e}")))?;
        out.push(PartyDef {
            info: PartyInfo {
                id: party_id,
                kind: kind.to_string(),
                name: info_name,
                detail,
                location: loc,
            },
            uid: u,
            entity,
            kind,
        });
        Ok(())
    };

    let inst = &manifest.institution;
    push(
        "institution",
        "institution".into(),
        Text::new(inst.name.clone(), inst.name.clone()),
        Vec::new(),
        location(inst.origin, sources),
        true,
        BTreeSet::new(),
        true,
    )?;
    for r in ROLES {
        let holders: Vec<String> = manifest
            .people
            .iter()
            .filter(|p| p.status != EmploymentStatus::Left && p.roles.contains(&r))
            .map(|p| p.id.clone())
            .collect();
        let loc = manifest
            .people
            .iter()
            .find(|p| p.roles.contains(&r))
            .and_then(|p| location(p.origin, sources));
        let staffed = !holders.is_empty();
        push(
            "role",
            name(&r),
            role_name(r),
            holders,
            loc,
            staffed,
            BTreeSet::new(),
            true,
        )?;
    }

    let carriers: BTreeSet<&str> = manifest
        .connections
        .iter()
        .filter_map(|c| c.carrier.as_deref())
        .collect();
    for v in &manifest.vendors {
        let mut clauses = BTreeSet::new();
        for c in manifest.contracts.iter().filter(|c| c.vendor == v.id) {
            let scopes = contract_scopes(c);
            for u in &c.undertakes {
                for s in &scopes {
                    clauses.insert(format!("g:{}@{s}", name(u)));
                }
            }
            for r in &c.requirements {
                if catalogue.rule(r).is_none() {
                    gaps.push(Gap {
                        kind: "unknown_requirement".into(),
                        rule: Some(r.clone()),
                        entity: Some(format!("contract/{}", c.id)),
                        party: Some(format!("vendor:{}", v.id)),
                        policy: None,
                        message: Text::new(
                            format!(
                                "契約「{}」の requirements にある「{r}」はカタログにありません (kensa rules で一覧を確認できます)",
                                c.id
                            ),
                            format!(
                                "contract \"{}\" names requirement \"{r}\", which is not in the catalogue (see `kensa rules`)",
                                c.id
                            ),
                        ),
                        location: location(c.origin, sources),
                    });
                }
                for s in &scopes {
                    clauses.insert(format!("r:{r}@{s}"));
                }
            }
        }
        let disclosure = v
            .disclosure
            .as_ref()
            .is_some_and(|d| d.received_on.is_some());
        let loc = location(v.origin, sources);
        // Every vendor is a party; one that carries a line is also a carrier: the same
        // company in two capacities (its own obligations, and the line).
        push(
            "vendor",
            v.id.clone(),
            Text::new(v.name.clone(), v.name.clone()),
            Vec::new(),
            loc.clone(),
            true,
            clauses,
            disclosure,
        )?;
        if carriers.contains(v.id.as_str()) {
            push(
                "carrier",
                v.id.clone(),
                Text::new(v.name.clone(), v.name.clone()),
                Vec::new(),
                loc,
                true,
                BTreeSet::new(),
                disclosure,
            )?;
        }
    }
    for c in &manifest.contracts {
        for sub in &c.subcontractors {
            push(
                "subcontractor",
                format!("{}/{}", c.vendor, sub.name),
                Text::new(sub.name.clone(), sub.name.clone()),
                vec![format!("vendor:{}", c.vendor)],
                location(c.origin, sources),
                true,
                BTreeSet::new(),
                true,
            )?;
        }
    }
    // A subcontractor named in two contracts is one party.
    let mut seen = BTreeSet::new();
    out.retain(|p| seen.insert(p.info.id.clone()));
    Ok(out)
}

/// What a contract covers: its systems and its connections (`conn:<id>`); one that names
/// neither covers everything (`*`).
pub(crate) fn contract_scopes(c: &kensa_manifest::model::Contract) -> Vec<String> {
    if c.systems.is_empty() && c.connections.is_empty() {
        vec!["*".to_string()]
    } else {
        c.systems
            .iter()
            .cloned()
            .chain(c.connections.iter().map(|x| format!("conn:{x}")))
            .collect()
    }
}

/// The scopes whose contracts cover an entity: a line is covered by the contracts that
/// name it, a network only by contracts that cover everything, anything else by the
/// contracts of its systems (an institution-wide entity: of any system). Always `*`.
pub(crate) fn subject_scopes(manifest: &Manifest, s: &Subject) -> Vec<String> {
    let mut scopes: Vec<String> = match s.kind {
        "connection" => vec![format!("conn:{}", s.id)],
        "network" => Vec::new(),
        _ if s.systems.is_empty() => manifest.systems.iter().map(|x| x.id.clone()).collect(),
        _ => s
            .systems
            .iter()
            .map(|&i| manifest.systems[i].id.clone())
            .collect(),
    };
    scopes.push("*".to_string());
    scopes
}

/// Whether a contract covers an entity (the same reading as the split's clauses).
pub(crate) fn covers(
    manifest: &Manifest,
    c: &kensa_manifest::model::Contract,
    s: &Subject,
) -> bool {
    let theirs = subject_scopes(manifest, s);
    contract_scopes(c).iter().any(|x| theirs.contains(x))
}

/// The vendors an entity names: its vendor, a contract's vendor, a line's vendor and carrier.
fn related_vendors(manifest: &Manifest, s: &Subject) -> BTreeSet<String> {
    let mut v = BTreeSet::new();
    let id = s.id.as_str();
    match s.kind {
        "vendor" => {
            v.insert(id.to_string());
        }
        "contract" => {
            if let Some(c) = manifest.contracts.iter().find(|c| c.id == id) {
                v.insert(c.vendor.clone());
            }
        }
        "system" => {
            if let Some(x) = manifest.systems.iter().find(|x| x.id == id) {
                v.extend(x.vendor.clone());
            }
        }
        "asset" => {
            if let Some(x) = manifest.assets.iter().find(|x| x.id == id) {
                v.extend(x.vendor.clone());
            }
        }
        "connection" => {
            if let Some(x) = manifest.connections.iter().find(|x| x.id == id) {
                v.extend(x.vendor.clone());
                v.extend(x.carrier.clone());
            }
        }
        _ => {}
    }
    v
}

/// The rows of one chunk of items, with their gaps.
type Chunk = Result<Vec<(Row, Vec<Gap>)>, EngineError>;

/// What Cedar answered to one question of the split.
#[derive(Debug, Clone)]
struct Answer {
    allow: bool,
    reasons: Vec<String>,
    errors: Vec<(String, String)>,
}

/// Answers by (party, [action, taken over, delegated], the rest of the context, resource
/// shape).
type Answers = HashMap<(String, [u8; 3], Arc<str>, Vec<u8>), Answer>;

/// The attributes of the resource the split policies read, when that is all they read of
/// it: then two entities of the same type with the same values of those attributes get
/// the same answers, whatever their ids. `None` when a policy uses the resource in another
/// way (`resource == …`, `resource in …`, `resource["…"]`, the resource as a value), or
/// reads an attribute by a name that is not a plain identifier.
///
/// The policies are read as text: strings and comments are skipped, and each `resource`
/// must be followed by `.name`, `has name`, `is Type`, or end the scope (`,` or `)`).
fn resource_reads(policies: &PolicySet) -> Option<BTreeSet<String>> {
    let mut read = BTreeSet::new();
    for policy in policies.policies() {
        let text = policy.to_string();
        let b = text.as_bytes();
        let ident = |at: usize| -> usize {
            let mut end = at;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                end += 1;
            }
            end
        };
        let skip_space = |mut at: usize| -> usize {
            while at < b.len() && b[at].is_ascii_whitespace() {
                at += 1;
            }
            at
        };
        // Depth of brackets inside the scope, `permit (…)`: there a plain `resource`
        // (followed by `,` or `)`) is the scope itself; in the conditions it is a value.
        let (mut effect_seen, mut scope_depth) = (false, None::<usize>);
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                b'(' => {
                    if effect_seen && scope_depth.is_none() {
                        scope_depth = Some(0);
                        effect_seen = false;
                    } else if let Some(d) = scope_depth.as_mut().filter(|d| **d < usize::MAX) {
                        *d += 1;
                    }
                    i += 1;
                }
                b')' => {
                    scope_depth = match scope_depth {
                        Some(0) => Some(usize::MAX),
                        Some(d) if d < usize::MAX => Some(d - 1),
                        other => other,
                    };
                    i += 1;
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let end = ident(i);
                    let word = &text[i..end];
                    if (word == "permit" || word == "forbid") && scope_depth.is_none() {
                        effect_seen = true;
                    }
                    let in_scope = scope_depth.is_some_and(|d| d < usize::MAX);
                    if word == "resource" {
                        let next = skip_space(end);
                        let word_end = ident(next);
                        let after = &text[next..word_end];
                        match b.get(next) {
                            Some(b'.') => {
                                let name = skip_space(next + 1);
                                let name_end = ident(name);
                                if name_end == name {
                                    return None;
                                }
                                read.insert(text[name..name_end].to_owned());
                            }
                            Some(b',' | b')') if in_scope => {}
                            _ if after == "is" => {
                                // `resource is T in …` asks about the resource's id.
                                let mut at = skip_space(word_end);
                                while at < b.len()
                                    && (b[at].is_ascii_alphanumeric()
                                        || b[at] == b'_'
                                        || b[at] == b':')
                                {
                                    at += 1;
                                }
                                let at = skip_space(at);
                                if &text[at..ident(at)] == "in" {
                                    return None;
                                }
                            }
                            _ if after == "has" => {
                                let name = skip_space(word_end);
                                let name_end = ident(name);
                                if name_end == name {
                                    return None;
                                }
                                read.insert(text[name..name_end].to_owned());
                            }
                            _ => return None,
                        }
                    }
                    i = end;
                }
                _ => i += 1,
            }
        }
    }
    Some(read)
}

struct Item<'a> {
    rule: String,
    title: Arc<Text>,
    volume: &'static str,
    responsible: &'static str,
    delegable: bool,
    group: Option<&'a str>,
    subject: usize,
    status: Option<Status>,
}

/// Splits the responsibility for every applicable pair of `report` (the result of
/// checking `manifest` with `catalogue`).
///
/// # Errors
/// An [`EngineError`] when Cedar cannot be queried (a defect in kensa).
#[allow(clippy::too_many_lines)]
pub fn split(
    manifest: &Manifest,
    sources: &SourceSet,
    catalogue: &Catalogue,
    report: &Report,
) -> Result<Split, EngineError> {
    split_impl(manifest, sources, catalogue, report, true)
}

/// [`split`], answering from the cache of shapes when `reuse` (and the policies allow it).
fn split_impl(
    manifest: &Manifest,
    sources: &SourceSet,
    catalogue: &Catalogue,
    report: &Report,
    reuse: bool,
) -> Result<Split, EngineError> {
    let built = build(manifest, report.as_of).map_err(|e| EngineError(e.to_string()))?;
    let subjects = built.subjects;
    let by_key: HashMap<String, usize> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key(), i))
        .collect();
    let mut gaps = Vec::new();
    let parties = parties(manifest, sources, catalogue, &mut gaps)?;

    // The rows: every pair that applies, then a line item per connection.
    let mut items: Vec<Item<'_>> = Vec::new();
    for f in &report.findings {
        if f.status == Status::NotApplicable {
            continue;
        }
        let (Some(&si), Some(rule)) = (by_key.get(&f.entity), catalogue.rule(&f.rule)) else {
            continue;
        };
        items.push(Item {
            rule: f.rule.clone(),
            title: Arc::clone(&f.title),
            volume: rule.volume.name(),
            responsible: match rule.responsible {
                Responsible::Institution => "institution",
                Responsible::Vendor => "vendor",
                Responsible::Carrier => "carrier",
                Responsible::Shared => "shared",
            },
            delegable: rule.delegable.contains(&subjects[si].pattern),
            group: rule.undertaking.as_deref(),
            subject: si,
            status: Some(f.status),
        });
    }
    let line_title = Arc::new(Text::new(
        "回線に起因する障害への対応 (責任分界点)",
        "Failures on the line (the demarcation point)",
    ));
    for (si, s) in subjects.iter().enumerate() {
        if s.kind == "connection" {
            items.push(Item {
                rule: LINE_FAILURE.to_string(),
                title: Arc::clone(&line_title),
                volume: "line",
                responsible: "institution",
                delegable: false,
                group: None,
                subject: si,
                status: None,
            });
        }
    }

    // Rows about entities of the same shape (type and the attributes the split policies
    // read) get the same answers: each thread asks Cedar once per question and shape.
    let reads = resource_reads(&catalogue.split).filter(|_| reuse);
    let shapes: Option<Vec<Vec<u8>>> = reads
        .as_ref()
        .map(|read| built.entities.iter().map(|e| e.shape(read)).collect());

    // One store: the entities the rows are about, and the parties.
    let needed: BTreeSet<usize> = items.iter().map(|i| i.subject).collect();
    let mut entities: Vec<Entity> = Vec::with_capacity(needed.len() + parties.len());
    for (i, pending) in built.entities.into_iter().enumerate() {
        if needed.contains(&i) {
            entities.push(
                pending
                    .into_entity()
                    .map_err(|e| EngineError(e.to_string()))?,
            );
        }
    }
    entities.extend(parties.iter().map(|p| p.entity.clone()));
    let store = Entities::from_entities(entities, None)
        .map_err(|e| EngineError(format!("split entities: {e}")))?;

    let authorizer = Authorizer::new();
    let does = uid("Action", "does")?;
    let accountable = uid("Action", "accountable")?;
    let warns = uid("Action", "warns")?;
    // One row: every question for every party, and the gaps they raise.
    let one = |item: &Item<'_>, cache: &mut Answers| -> Result<(Row, Vec<Gap>), EngineError> {
        let mut gaps = Vec::new();
        let s = &subjects[item.subject];
        let scopes = subject_scopes(manifest, s);
        let mut keys = BTreeSet::new();
        for scope in &scopes {
            if let Some(g) = item.group {
                keys.insert(format!("g:{g}@{scope}"));
            }
            keys.insert(format!("r:{}@{scope}", item.rule));
        }
        let vendors = related_vendors(manifest, s);
        let shape = shapes.as_ref().map(|s| s[item.subject].as_slice());
        // The context's values, as the cache sees them.
        // The context's values but the two flags, as the cache sees them: the same for
        // every question about this row.
        let context_key: Option<Arc<str>> = shape.map(|_| {
            Arc::from(format!(
                "{}\0{}\0{}\0{}\0{}\0{:?}\0{:?}",
                item.rule,
                item.volume,
                s.pattern.code(),
                item.delegable,
                item.responsible,
                vendors,
                keys
            ))
        });
        let context = |taken_over: bool, delegated: bool| -> Result<Context, EngineError> {
            Context::from_pairs([
                (
                    "rule".to_string(),
                    RestrictedExpression::new_string(item.rule.clone()),
                ),
                (
                    "volume".to_string(),
                    RestrictedExpression::new_string(item.volume.to_string()),
                ),
                (
                    "pattern".to_string(),
                    RestrictedExpression::new_string(s.pattern.code().to_string()),
                ),
                (
                    "delegable".to_string(),
                    RestrictedExpression::new_bool(item.delegable),
                ),
                (
                    "responsible".to_string(),
                    RestrictedExpression::new_string(item.responsible.to_string()),
                ),
                (
                    "vendors".to_string(),
                    RestrictedExpression::new_set(
                        vendors
                            .iter()
                            .cloned()
                            .map(RestrictedExpression::new_string),
                    ),
                ),
                (
                    "keys".to_string(),
                    RestrictedExpression::new_set(
                        keys.iter().cloned().map(RestrictedExpression::new_string),
                    ),
                ),
                (
                    "taken_over".to_string(),
                    RestrictedExpression::new_bool(taken_over),
                ),
                (
                    "delegated".to_string(),
                    RestrictedExpression::new_bool(delegated),
                ),
            ])
            .map_err(|e| EngineError(format!("split context: {e}")))
        };
        let loc = location(s.origin, sources);
        let key = s.key();
        let ask = |party: &PartyDef,
                   action: (u8, &EntityUid),
                   (taken_over, delegated): (bool, bool),
                   gaps: &mut Vec<Gap>,
                   cache: &mut Answers|
         -> Result<Option<Vec<String>>, EngineError> {
            let cache_key = shape.zip(context_key.as_ref()).map(|(shape, context)| {
                (
                    party.info.id.clone(),
                    [action.0, u8::from(taken_over), u8::from(delegated)],
                    Arc::clone(context),
                    shape.to_vec(),
                )
            });
            let answer = match cache_key.as_ref().and_then(|k| cache.get(k)) {
                Some(answer) => answer.clone(),
                None => {
                    let request = Request::new(
                        party.uid.clone(),
                        action.1.clone(),
                        s.uid.clone(),
                        context(taken_over, delegated)?,
                        None,
                    )
                    .map_err(|e| EngineError(format!("split request: {e}")))?;
                    let response = authorizer.is_authorized(&request, &catalogue.split, &store);
                    let answer = Answer {
                        allow: response.decision() == Decision::Allow,
                        reasons: response
                            .diagnostics()
                            .reason()
                            .map(ToString::to_string)
                            .collect(),
                        errors: response
                            .diagnostics()
                            .errors()
                            .map(|err| {
                                let cedar_policy::AuthorizationError::PolicyEvaluationError(pe) =
                                    err;
                                (pe.policy_id().to_string(), pe.inner().to_string())
                            })
                            .collect(),
                    };
                    if let Some(k) = cache_key {
                        cache.insert(k, answer.clone());
                    }
                    answer
                }
            };
            for (policy, error) in &answer.errors {
                gaps.push(Gap {
                    kind: "could_not_evaluate".into(),
                    rule: Some(item.rule.clone()),
                    entity: Some(key.clone()),
                    party: Some(party.info.id.clone()),
                    policy: Some(policy.clone()),
                    message: Text::new(
                        format!(
                            "責任分界のポリシー「{policy}」を評価できませんでした: {error}。この当事者の分担は未確定です"
                        ),
                        format!(
                            "split policy \"{policy}\" could not be evaluated: {error}; this party's share is undecided"
                        ),
                    ),
                    location: loc.clone(),
                });
            }
            let reasons = answer.reasons;
            if answer.allow {
                return Ok(Some(reasons));
            }
            // A forbid that names a gap: the claim is rejected, and said so.
            for id in &reasons {
                if let Some(gap) = catalogue
                    .split_policy(id)
                    .and_then(|p| p.gap.clone().map(|g| (p, g)))
                {
                    let (policy, kind) = gap;
                    gaps.push(Gap {
                        kind,
                        rule: Some(item.rule.clone()),
                        entity: Some(key.clone()),
                        party: Some(party.info.id.clone()),
                        policy: Some(policy.id.clone()),
                        message: policy.title.clone(),
                        location: loc.clone(),
                    });
                }
            }
            Ok(None)
        };

        // Vendors and carriers first, then the institution's roles.
        let mut doers: Vec<Assignment> = Vec::new();
        for p in parties
            .iter()
            .filter(|p| matches!(p.kind, "vendor" | "carrier"))
        {
            if let Some(basis) = ask(p, (0, &does), (false, false), &mut gaps, cache)? {
                doers.push(Assignment {
                    party: p.info.id.clone(),
                    basis,
                });
            }
        }
        let outside = doers.len();
        let taken_over = outside > 0 && item.responsible != "shared";
        for p in parties.iter().filter(|p| p.kind == "role") {
            if let Some(basis) = ask(p, (0, &does), (taken_over, false), &mut gaps, cache)? {
                doers.push(Assignment {
                    party: p.info.id.clone(),
                    basis,
                });
            }
        }
        let mut answer = Vec::new();
        for p in parties.iter().filter(|p| p.kind == "institution") {
            if let Some(basis) = ask(p, (1, &accountable), (taken_over, false), &mut gaps, cache)? {
                answer.push(Assignment {
                    party: p.info.id.clone(),
                    basis,
                });
            }
        }
        for d in &doers {
            let delegated = d.basis.iter().any(|id| {
                catalogue
                    .split_policy(id)
                    .is_some_and(|p| p.basis == "contract")
            });
            if let Some(p) = parties.iter().find(|p| p.info.id == d.party)
                && let Some(reasons) =
                    ask(p, (2, &warns), (taken_over, delegated), &mut gaps, cache)?
            {
                for id in reasons {
                    if let Some(policy) = catalogue.split_policy(&id) {
                        gaps.push(Gap {
                            kind: policy.gap.clone().unwrap_or_else(|| "warning".into()),
                            rule: Some(item.rule.clone()),
                            entity: Some(key.clone()),
                            party: Some(d.party.clone()),
                            policy: Some(policy.id.clone()),
                            message: policy.title.clone(),
                            location: loc.clone(),
                        });
                    }
                }
            }
        }
        if doers.is_empty() {
            gaps.push(Gap {
                kind: "unassigned".into(),
                rule: Some(item.rule.clone()),
                entity: Some(key.clone()),
                party: None,
                policy: None,
                message: unassigned_message(item, s),
                location: loc.clone(),
            });
        }
        if outside > 1 {
            let names: Vec<&str> = doers[..outside].iter().map(|d| d.party.as_str()).collect();
            gaps.push(Gap {
                kind: "overlap".into(),
                rule: Some(item.rule.clone()),
                entity: Some(key.clone()),
                party: Some(names.join(", ")),
                policy: None,
                message: Text::new(
                    format!(
                        "「{}」を複数の事業者が引き受けています ({})。どちらが実施するか契約で一つに決めてください",
                        item.rule,
                        names.join("、")
                    ),
                    format!(
                        "more than one vendor undertakes \"{}\" ({}); settle in the contracts which one does it",
                        item.rule,
                        names.join(", ")
                    ),
                ),
                location: loc.clone(),
            });
        }
        Ok((
            Row {
                rule: item.rule.clone(),
                title: Arc::clone(&item.title),
                entity: key,
                systems: systems_of(manifest, s),
                pattern: s.pattern,
                status: item.status,
                location: loc,
                does: doers,
                accountable: answer,
            },
            gaps,
        ))
    };

    // Rows are independent: spread them over the cores in contiguous chunks, in order.
    let threads = if items.len() < 512 {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(8)
    };
    let chunk = items.len().div_ceil(threads).max(1);
    let results: Vec<Chunk> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let one = &one;
                scope.spawn(move || {
                    let mut cache = Answers::new();
                    part.iter().map(|item| one(item, &mut cache)).collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(EngineError("a split thread panicked".into())))
            })
            .collect()
    });
    let mut rows = Vec::with_capacity(items.len());
    let mut cited: BTreeSet<String> = BTreeSet::new();
    for part in results {
        for (row, mut found) in part? {
            for a in row.does.iter().chain(&row.accountable) {
                cited.extend(a.basis.iter().cloned());
            }
            gaps.append(&mut found);
            rows.push(row);
        }
    }
    rows.sort_by(|a, b| (&a.rule, &a.entity).cmp(&(&b.rule, &b.entity)));
    gaps.sort_by(|a, b| {
        (&a.kind, &a.rule, &a.entity, &a.party).cmp(&(&b.kind, &b.rule, &b.entity, &b.party))
    });
    cited.extend(gaps.iter().filter_map(|g| g.policy.clone()));
    let bases = catalogue
        .split_policies
        .iter()
        .filter(|p| cited.contains(&p.id))
        .cloned()
        .collect();
    Ok(Split {
        version: SPLIT_VERSION.to_string(),
        as_of: report.as_of,
        manifest: report.manifest.clone(),
        institution: manifest.institution.id.clone(),
        institution_name: manifest.institution.name.clone(),
        pattern: report.patterns.institution,
        parties: parties.into_iter().map(|p| p.info).collect(),
        rows,
        gaps,
        bases,
    })
}

fn systems_of(manifest: &Manifest, s: &Subject) -> Vec<String> {
    s.systems
        .iter()
        .map(|&i| manifest.systems[i].id.clone())
        .collect()
}

fn unassigned_message(item: &Item<'_>, s: &Subject) -> Text {
    if item.rule == LINE_FAILURE {
        return Text::new(
            "この接続の回線障害に責任を負う当事者がいません。回線事業者 (carrier) と運用者 (managed_by) を記録し、想定される障害ごとの責任を契約で定めてください",
            "nobody answers for failures on this line; record its carrier and who manages it (managed_by), and settle in the contracts who answers for each expected failure",
        );
    }
    if matches!(s.pattern, Pattern::IV) && item.delegable {
        let group = item.group.unwrap_or("");
        return Text::new(
            format!(
                "参照パターンⅣでは、この項目は事業者との契約で担うことが前提ですが、引き受けている契約がありません。契約の undertakes に「{group}」を加えるか、requirements に「{}」を加えてください",
                item.rule
            ),
            format!(
                "under pattern IV this item is expected to be covered by a vendor contract, and no contract undertakes it; add \"{group}\" to a contract's undertakes, or \"{}\" to its requirements",
                item.rule
            ),
        );
    }
    Text::new(
        "実施する当事者がいません。担当する役割 (people[].roles) を持つ在籍者を記録するか、契約で事業者に委ねてください",
        "nobody does it: record an active person holding the role that carries it (people[].roles), or have a vendor undertake it in a contract",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(text: &str) -> Option<Vec<String>> {
        let set = PolicySet::from_str(text).expect("policies");
        resource_reads(&set).map(|r| r.into_iter().collect())
    }

    #[test]
    fn the_policies_read_only_named_attributes_of_the_resource() {
        let builtin = Catalogue::builtin().expect("catalogue");
        let read =
            resource_reads(&builtin.split).expect("the built-in split policies are cacheable");
        assert!(
            read.contains("line") && read.contains("managed_by"),
            "{read:?}"
        );
        assert_eq!(
            reads(
                r#"permit (principal, action, resource is System) when { resource.vendor == "v" && resource has carrier && context.rule == "resource" }; // resource == x"#
            ),
            Some(vec!["carrier".to_owned(), "vendor".to_owned()])
        );
        // Anything that could see the resource's id turns the cache off.
        for text in [
            r#"permit (principal, action, resource == System::"emr");"#,
            r#"permit (principal, action, resource) when { resource in System::"emr" };"#,
            r#"permit (principal, action, resource) when { principal.owns.contains(resource) };"#,
            r#"permit (principal, action, resource) when { resource["vendor"] == "v" };"#,
            r#"permit (principal, action, resource) when { resource has "odd name" };"#,
            r#"permit (principal, action, resource is System in System::"emr");"#,
        ] {
            assert_eq!(reads(text), None, "{text}");
        }
    }

    #[test]
    fn answers_reused_by_shape_equal_answers_asked_one_by_one() {
        let catalogue = Catalogue::builtin().expect("catalogue");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut examples: Vec<std::path::PathBuf> =
            std::fs::read_dir(root.join("manifests/examples"))
                .expect("examples")
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "yaml"))
                .collect();
        examples.push(root.join("tests/fixtures/valid/findings.yaml"));
        let synthetic = kensa_manifest::load_str(
            "synthetic.yaml",
            &kensa_manifest::synthetic::manifest(600),
            &kensa_manifest::Limits::default(),
        );
        let mut loaded: Vec<kensa_manifest::Loaded> = examples
            .iter()
            .map(|p| kensa_manifest::load(p, &kensa_manifest::Limits::default()))
            .collect();
        loaded.push(synthetic);
        for l in &loaded {
            let m = l.manifest.as_ref().expect("valid example");
            let options = crate::Options {
                as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
                manifest_label: "m".into(),
                threads: 1,
            };
            let report = crate::check(m, &l.sources, &catalogue, &options).expect("check");
            let reused = split_impl(m, &l.sources, &catalogue, &report, true).expect("split");
            let asked = split_impl(m, &l.sources, &catalogue, &report, false).expect("split");
            assert!(!asked.rows.is_empty());
            assert_eq!(
                serde_json::to_string(&reused).expect("json"),
                serde_json::to_string(&asked).expect("json"),
                "{}",
                m.institution.id
            );
        }
    }
}
