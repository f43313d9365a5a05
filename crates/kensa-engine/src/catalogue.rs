//! The requirement catalogue: Cedar policies in `policies/*.cedar`, one requirement per
//! pair of policies, with the annotations that make it a rule.
//!
//! A rule `X` is two policies in the same file:
//!
//! ```cedar
//! /// documentation block (what it checks, why, how to fix, a compliant example)
//! @id("X") @title_ja("…") @title_en("…") @severity("high") …
//! forbid (principal, action == Action::"violates", resource is Asset) when { … };
//!
//! @id("X.applies")
//! permit (principal, action == Action::"applies", resource is Asset) when { … };
//! ```
//!
//! The catalogue parses each file on its own (so that errors point into it), re-keys the
//! policies by `@id` (Cedar itself ignores it), checks every annotation, validates every
//! policy against `policies/schema.cedarschema` in strict mode, and partitions the
//! policies by entity type so that an entity is only ever shown the rules that can
//! concern it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use cedar_policy::{
    ActionConstraint, Effect, Policy, PolicyId, PolicySet, ResourceConstraint, Schema,
    ValidationMode, Validator,
};
use chrono::NaiveDate;
use kensa_manifest::Text;
use miette::Diagnostic;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::pattern::Pattern;

/// The Cedar schema of the entities the engine builds.
pub const SCHEMA_SOURCE: &str = include_str!("../../../policies/schema.cedarschema");

/// The built-in catalogue, compiled into the binary so that `kensa check` needs no files
/// besides the manifest.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "policies/checklist.cedar",
        include_str!("../../../policies/checklist.cedar"),
    ),
    (
        "policies/checklist-r7.cedar",
        include_str!("../../../policies/checklist-r7.cedar"),
    ),
    (
        "policies/management.cedar",
        include_str!("../../../policies/management.cedar"),
    ),
    (
        "policies/planning.cedar",
        include_str!("../../../policies/planning.cedar"),
    ),
    (
        "policies/operations.cedar",
        include_str!("../../../policies/operations.cedar"),
    ),
    (
        "policies/vendor.cedar",
        include_str!("../../../policies/vendor.cedar"),
    ),
    (
        "policies/responsibility.cedar",
        include_str!("../../../policies/responsibility.cedar"),
    ),
];

/// Severity of a rule, highest first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 重大: exploited in real incidents, or a legal obligation.
    Critical,
    /// 高.
    High,
    /// 中.
    #[default]
    Medium,
    /// 低.
    Low,
}

impl Severity {
    /// Every severity, highest first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The name used in annotations and output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    /// The label in both languages.
    #[must_use]
    pub fn label(self) -> Text {
        match self {
            Severity::Critical => Text::new("重大", "critical"),
            Severity::High => Text::new("高", "high"),
            Severity::Medium => Text::new("中", "medium"),
            Severity::Low => Text::new("低", "low"),
        }
    }

    /// The severity named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The source volume of a rule.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Volume {
    /// 医療機関におけるサイバーセキュリティ対策チェックリスト (MHLW).
    Checklist,
    /// 医療情報システムの安全管理に関するガイドライン 第6.0版 経営管理編.
    Management,
    /// 同 企画管理編.
    Planning,
    /// 同 システム運用編.
    Operations,
    /// 医療情報を取り扱う情報システム・サービスの提供事業者における安全管理ガイドライン / METI
    /// guideline for information-processing businesses (seed 001).
    Vendor,
    /// An institution's or vendor's own rule (`--policies`).
    Custom,
}

impl Volume {
    /// Every volume.
    pub const ALL: [Volume; 6] = [
        Volume::Checklist,
        Volume::Management,
        Volume::Planning,
        Volume::Operations,
        Volume::Vendor,
        Volume::Custom,
    ];

    /// The name used in annotations and output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Volume::Checklist => "checklist",
            Volume::Management => "management",
            Volume::Planning => "planning",
            Volume::Operations => "operations",
            Volume::Vendor => "vendor",
            Volume::Custom => "custom",
        }
    }

    /// The label in both languages.
    #[must_use]
    pub fn label(self) -> Text {
        match self {
            Volume::Checklist => Text::new(
                "サイバーセキュリティ対策チェックリスト",
                "cyber-security checklist",
            ),
            Volume::Management => Text::new("ガイドライン 経営管理編", "guideline: governance"),
            Volume::Planning => Text::new("ガイドライン 企画管理編", "guideline: management"),
            Volume::Operations => Text::new("ガイドライン システム運用編", "guideline: control"),
            Volume::Vendor => Text::new(
                "事業者向けガイドライン (経済産業省)",
                "vendor guideline (METI)",
            ),
            Volume::Custom => Text::new("独自ルール", "custom rule"),
        }
    }

    /// The volume named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Volume> {
        Volume::ALL.into_iter().find(|v| v.name() == name)
    }
}

/// How a rule is proven.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// From facts the manifest records about systems, assets, accounts…
    Automated,
    /// From a document entry the institution attests (review date and evidence).
    Attested,
}

/// Who carries a requirement by default.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Responsible {
    /// 医療機関等.
    Institution,
    /// 医療情報システム・サービス事業者.
    Vendor,
    /// 回線事業者 (network carrier).
    Carrier,
    /// Shared between institution and vendor.
    Shared,
}

impl Responsible {
    fn from_name(name: &str) -> Option<Responsible> {
        match name {
            "institution" => Some(Responsible::Institution),
            "vendor" => Some(Responsible::Vendor),
            "carrier" => Some(Responsible::Carrier),
            "shared" => Some(Responsible::Shared),
            _ => None,
        }
    }
}

/// One requirement.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Rule {
    /// Stable id, e.g. `CL-2-6`.
    pub id: String,
    /// Title.
    pub title: Text,
    /// Severity.
    pub severity: Severity,
    /// Source volume.
    pub volume: Volume,
    /// The requirement as cited, e.g. 「チェックリスト 2-6」 or 「企画管理編 12.2 ④」.
    pub source: String,
    /// Seed file and lines, or volume/section.
    pub reference: String,
    /// Public URL of the source.
    pub url: String,
    /// The Cedar entity type it concerns.
    pub entity_type: String,
    /// What it concerns, in words (used as the not-applicable reason).
    pub applies_to: Text,
    /// Reference patterns it applies to.
    pub patterns: Vec<Pattern>,
    /// Patterns under which a vendor contract may take it over.
    pub delegable: Vec<Pattern>,
    /// The contract undertaking that takes it over (`contracts[].undertakes`).
    pub undertaking: Option<String>,
    /// Who carries it by default.
    pub responsible: Responsible,
    /// Effective from.
    pub effective: NaiveDate,
    /// Deadline: before it a violation is reported as upcoming.
    pub deadline: Option<NaiveDate>,
    /// Checklist editions it belongs to (empty for guideline requirements).
    pub editions: Vec<String>,
    /// Automated or attested.
    pub evidence: Evidence,
    /// Checklist scope: server, terminal, network_device, organisation, system, contract…
    pub scope: String,
    /// What to do when it is violated.
    pub fix: Text,
    /// The documentation block (Markdown).
    pub doc: String,
    /// The file it is defined in.
    pub file: String,
    /// The line of its `@id` annotation.
    pub line: u32,
    /// Whether it is part of kensa's own catalogue.
    pub builtin: bool,
}

impl Rule {
    /// Whether it belongs to the checklist edition `edition` (rules outside the checklist
    /// belong to every edition).
    #[must_use]
    pub fn in_edition(&self, edition: &str) -> bool {
        self.editions.is_empty() || self.editions.iter().any(|e| e == edition)
    }
}

/// A problem in a policy file, located in it.
#[derive(Debug, Clone)]
pub struct PolicyError {
    /// The file, as the user should see it.
    pub file: String,
    /// Its text.
    pub text: Arc<str>,
    /// What is wrong.
    pub message: Text,
    /// Byte ranges in `text` the message is about.
    pub labels: Vec<(usize, usize)>,
    /// A hint.
    pub help: Option<String>,
}

/// The policies of one entity type.
#[derive(Debug, Clone, Default)]
pub struct TypeSets {
    /// The `applies` permits.
    pub applies: PolicySet,
    /// The `violates` forbids plus a catch-all permit.
    pub violates: PolicySet,
    /// Indexes into [`Catalogue::rules`] of the rules for this type, in id order.
    pub rules: Vec<usize>,
}

/// A loaded, validated catalogue.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The rules, sorted by id.
    pub rules: Vec<Rule>,
    /// Policies per Cedar entity type name.
    pub by_type: BTreeMap<String, TypeSets>,
    /// The Cedar schema.
    pub schema: Schema,
    /// Folders of custom policies added.
    pub custom_dirs: Vec<String>,
    /// The responsibility-split policies (`split.*`: actions `does`, `accountable`, `warns`).
    pub split: PolicySet,
    /// What each split policy says, by id.
    pub split_policies: Vec<SplitPolicy>,
}

/// Ids of responsibility-split policies start with this.
pub const SPLIT_PREFIX: &str = "split.";

/// A responsibility-split policy: the reason a party does or answers for a requirement, or
/// a gap.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SplitPolicy {
    /// Its id, e.g. `split.contract`.
    pub id: String,
    /// The kind of basis: default, contract, pattern, carrier, accountability or gap.
    pub basis: String,
    /// The gap it reports, for a `forbid` on `does` or a `warns` policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<String>,
    /// The reason, as shown in the split.
    pub title: Text,
    /// Where the rule comes from.
    pub source: String,
    /// Built in, or from a custom policy folder.
    pub builtin: bool,
}

/// Reads a split policy's annotations.
fn split_policy_from(
    id: &str,
    policy: &Policy,
    source: &Source,
) -> Result<SplitPolicy, Vec<PolicyError>> {
    let at = find_id(&source.text, id).unwrap_or(0);
    let mut errors = Vec::new();
    let known = ["id", "basis", "gap", "title_ja", "title_en", "source"];
    for (key, _) in policy.annotations() {
        if !known.contains(&key) {
            errors.push(file_error(
                source,
                at,
                Text::new(
                    format!("{id}: 未知のアノテーション @{key} (責任分界のポリシーは @basis、@gap、@title_ja、@title_en、@source を持ちます)"),
                    format!("{id}: unknown annotation @{key} (a split policy has @basis, @gap, @title_ja, @title_en and @source)"),
                ),
            ));
        }
    }
    let mut get = |key: &str| -> String {
        match policy.annotation(key).map(str::trim) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => {
                errors.push(file_error(
                    source,
                    at,
                    Text::new(
                        format!("{id}: アノテーション @{key} がありません"),
                        format!("{id}: annotation @{key} is missing"),
                    ),
                ));
                String::new()
            }
        }
    };
    let basis = get("basis");
    let title = Text::new(get("title_ja"), get("title_en"));
    let src = get("source");
    const BASES: [&str; 6] = [
        "default",
        "contract",
        "pattern",
        "carrier",
        "accountability",
        "gap",
    ];
    if !basis.is_empty() && !BASES.contains(&basis.as_str()) {
        errors.push(file_error(
            source,
            at,
            Text::new(
                format!(
                    "{id}: @basis「{basis}」は {} のいずれかにしてください",
                    BASES.join(", ")
                ),
                format!(
                    "{id}: @basis \"{basis}\" must be one of {}",
                    BASES.join(", ")
                ),
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SplitPolicy {
        id: id.to_string(),
        basis,
        gap: policy.annotation("gap").map(str::to_string),
        title,
        source: src,
        builtin: source.builtin,
    })
}

/// Id of the catch-all permit the engine adds to every `violates` set.
pub const CATCH_ALL: &str = "kensa.not-violated";

/// Annotations every rule must carry.
pub const REQUIRED_ANNOTATIONS: &[&str] = &[
    "title_ja",
    "title_en",
    "severity",
    "volume",
    "source",
    "reference",
    "url",
    "patterns",
    "delegable",
    "responsible",
    "effective",
    "editions",
    "evidence",
    "scope",
    "applies_to_ja",
    "applies_to_en",
    "fix_ja",
    "fix_en",
];

/// Annotations a rule may carry.
pub const OPTIONAL_ANNOTATIONS: &[&str] = &["undertaking", "deadline"];

struct Source {
    file: String,
    text: Arc<str>,
    builtin: bool,
}

impl Catalogue {
    /// The built-in catalogue only.
    ///
    /// # Errors
    /// Every problem found in the built-in policy files (a build defect that the
    /// catalogue tests catch).
    pub fn builtin() -> Result<Catalogue, Vec<PolicyError>> {
        Catalogue::load(&[])
    }

    /// The built-in catalogue plus every `*.cedar` file under each of `dirs` (recursively,
    /// in path order).
    ///
    /// # Errors
    /// Every problem found: unreadable files, parse errors, missing or malformed
    /// annotations, duplicate ids, policies that fail strict validation.
    pub fn load(dirs: &[PathBuf]) -> Result<Catalogue, Vec<PolicyError>> {
        let mut sources: Vec<Source> = BUILTIN
            .iter()
            .map(|(file, text)| Source {
                file: (*file).to_string(),
                text: Arc::from(*text),
                builtin: true,
            })
            .collect();
        let mut errors = Vec::new();
        for dir in dirs {
            read_policy_dir(dir, &mut sources, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Catalogue::from_sources(
            &sources,
            dirs.iter().map(|d| d.display().to_string()).collect(),
        )
    }

    /// A catalogue of the given files only, read as built-in (`builtin`) or custom
    /// policies. Used by the catalogue tests to check one file at a time.
    ///
    /// # Errors
    /// As [`Catalogue::load`].
    pub fn from_texts(
        files: &[(&str, &str)],
        builtin: bool,
    ) -> Result<Catalogue, Vec<PolicyError>> {
        let sources: Vec<Source> = files
            .iter()
            .map(|(file, text)| Source {
                file: (*file).to_string(),
                text: Arc::from(*text),
                builtin,
            })
            .collect();
        Catalogue::from_sources(&sources, Vec::new())
    }

    fn from_sources(
        sources: &[Source],
        custom_dirs: Vec<String>,
    ) -> Result<Catalogue, Vec<PolicyError>> {
        let schema_text: Arc<str> = Arc::from(SCHEMA_SOURCE);
        let schema = match Schema::from_cedarschema_str(SCHEMA_SOURCE) {
            Ok((schema, _warnings)) => schema,
            Err(e) => {
                return Err(vec![diagnostic_error(
                    "policies/schema.cedarschema",
                    &schema_text,
                    &e,
                )]);
            }
        };
        let mut errors = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        // Policy id → (source index) for locating validation errors.
        let mut origin_of: BTreeMap<String, usize> = BTreeMap::new();
        let mut violations: BTreeMap<String, Policy> = BTreeMap::new();
        let mut split = PolicySet::new();
        let mut split_policies: Vec<SplitPolicy> = Vec::new();
        let mut applies: BTreeMap<String, Policy> = BTreeMap::new();
        let mut all = PolicySet::new();

        for (si, source) in sources.iter().enumerate() {
            let parsed = match PolicySet::from_str(&source.text) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(diagnostic_error(&source.file, &source.text, &e));
                    continue;
                }
            };
            if parsed.templates().next().is_some() {
                errors.push(file_error(
                    source,
                    0,
                    Text::new(
                        "テンプレート (?principal / ?resource) は使えません",
                        "templates (?principal / ?resource) are not supported",
                    ),
                ));
            }
            for policy in parsed.policies() {
                let Some(id) = policy.annotation("id").map(str::to_string) else {
                    let at = find_policy_start(&source.text, policy);
                    errors.push(file_error(
                        source,
                        at,
                        Text::new(
                            "@id のないポリシーがあります。すべてのポリシーに @id(\"…\") を付けてください",
                            "a policy has no @id; give every policy an @id(\"…\")",
                        ),
                    ));
                    continue;
                };
                let at = find_id(&source.text, &id).unwrap_or(0);
                if let Some(prev) = origin_of.get(&id) {
                    let prev_file = &sources[*prev].file;
                    errors.push(file_error(
                        source,
                        at,
                        Text::new(
                            format!("@id(\"{id}\") が重複しています (最初の定義: {prev_file})"),
                            format!("duplicate @id(\"{id}\") (first defined in {prev_file})"),
                        ),
                    ));
                    continue;
                }
                origin_of.insert(id.clone(), si);
                let policy = policy.new_id(PolicyId::new(&id));
                if let Err(e) = all.add(policy.clone()) {
                    errors.push(file_error(
                        source,
                        at,
                        Text::new(e.to_string(), e.to_string()),
                    ));
                    continue;
                }
                if id.starts_with(SPLIT_PREFIX) {
                    match split_policy_from(&id, &policy, source) {
                        Ok(p) => {
                            split_policies.push(p);
                            // Fresh set, unique ids: `add` cannot fail.
                            let _ = split.add(policy);
                        }
                        Err(mut errs) => errors.append(&mut errs),
                    }
                } else if let Some(rule_id) = id.strip_suffix(".applies") {
                    applies.insert(rule_id.to_string(), policy);
                } else {
                    violations.insert(id, policy);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        // Strict validation of everything at once.
        let validator = Validator::new(schema.clone());
        let result = validator.validate(&all, ValidationMode::Strict);
        for e in result.validation_errors() {
            let id = e.policy_id().to_string();
            let Some(si) = origin_of.get(&id) else {
                continue;
            };
            errors.push(diagnostic_error(&sources[*si].file, &sources[*si].text, e));
        }
        for w in result.validation_warnings() {
            let id = w.policy_id().to_string();
            let Some(si) = origin_of.get(&id) else {
                continue;
            };
            errors.push(diagnostic_error(&sources[*si].file, &sources[*si].text, w));
        }

        for (id, policy) in &violations {
            let si = origin_of[id];
            let source = &sources[si];
            match rule_from(id, policy, applies.get(id), source) {
                Ok(rule) => rules.push(rule),
                Err(mut errs) => errors.append(&mut errs),
            }
        }
        for id in applies.keys() {
            if !violations.contains_key(id) {
                let source = &sources[origin_of[&format!("{id}.applies")]];
                let at = find_id(&source.text, &format!("{id}.applies")).unwrap_or(0);
                errors.push(file_error(
                    source,
                    at,
                    Text::new(
                        format!(
                            "「{id}.applies」に対応する違反ポリシー @id(\"{id}\") がありません"
                        ),
                        format!("\"{id}.applies\" has no violation policy @id(\"{id}\")"),
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let mut by_type: BTreeMap<String, TypeSets> = BTreeMap::new();
        for (i, rule) in rules.iter().enumerate() {
            let sets = by_type.entry(rule.entity_type.clone()).or_default();
            sets.rules.push(i);
            // Both added to fresh sets; ids are unique, so `add` cannot fail.
            let _ = sets.violates.add(violations[&rule.id].clone());
            let _ = sets.applies.add(applies[&rule.id].clone());
        }
        for sets in by_type.values_mut() {
            let catch_all = Policy::parse(
                Some(PolicyId::new(CATCH_ALL)),
                r#"permit (principal, action == Action::"violates", resource);"#,
            )
            .map_err(|e| vec![diagnostic_error("<engine>", &Arc::from(""), &e)])?;
            let _ = sets.violates.add(catch_all);
        }
        split_policies.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Catalogue {
            rules,
            by_type,
            schema,
            custom_dirs,
            split,
            split_policies,
        })
    }

    /// The split policy with this id.
    #[must_use]
    pub fn split_policy(&self, id: &str) -> Option<&SplitPolicy> {
        self.split_policies
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.split_policies[i])
    }

    /// The rule with this id.
    #[must_use]
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.index(id).map(|i| &self.rules[i])
    }

    /// The id of the rule closest to `id`, when one is close enough to be a likely typo
    /// (`cl-2-6`, `CL-26`, `CL-2-66`).
    #[must_use]
    pub fn closest_rule(&self, id: &str) -> Option<&str> {
        let wanted = id.trim().to_uppercase();
        self.rules
            .iter()
            .map(|r| (strsim::jaro_winkler(&wanted, &r.id), r.id.as_str()))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
            .map(|(_, id)| id)
    }

    /// The index in [`Catalogue::rules`] of the rule with this id.
    #[must_use]
    pub fn index(&self, id: &str) -> Option<usize> {
        self.rules.binary_search_by(|r| r.id.as_str().cmp(id)).ok()
    }
}

fn read_policy_dir(dir: &Path, sources: &mut Vec<Source>, errors: &mut Vec<PolicyError>) {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    if !dir.is_dir() {
        errors.push(PolicyError {
            file: dir.display().to_string(),
            text: Arc::from(""),
            message: Text::new(
                "ポリシーのフォルダが見つからないか、フォルダではありません",
                "the policy folder does not exist or is not a folder",
            ),
            labels: Vec::new(),
            help: None,
        });
        return;
    }
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                errors.push(io_error(&d, &e));
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "cedar") {
                files.push(path);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        errors.push(PolicyError {
            file: dir.display().to_string(),
            text: Arc::from(""),
            message: Text::new(
                "フォルダに .cedar ファイルがありません",
                "the folder has no .cedar file",
            ),
            labels: Vec::new(),
            help: None,
        });
    }
    for path in files {
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => sources.push(Source {
                    file: path.display().to_string(),
                    text: Arc::from(text.trim_start_matches('\u{feff}')),
                    builtin: false,
                }),
                Err(e) => errors.push(PolicyError {
                    file: path.display().to_string(),
                    text: Arc::from(""),
                    message: Text::new(
                        format!(
                            "UTF-8 ではありません ({} バイト目)",
                            e.utf8_error().valid_up_to()
                        ),
                        format!("not UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
                    ),
                    labels: Vec::new(),
                    help: None,
                }),
            },
            Err(e) => errors.push(io_error(&path, &e)),
        }
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> PolicyError {
    PolicyError {
        file: path.display().to_string(),
        text: Arc::from(""),
        message: Text::new(format!("読み込めません: {e}"), format!("cannot read: {e}")),
        labels: Vec::new(),
        help: None,
    }
}

fn file_error(source: &Source, at: usize, message: Text) -> PolicyError {
    PolicyError {
        file: source.file.clone(),
        text: source.text.clone(),
        message,
        labels: vec![(at, 0)],
        help: None,
    }
}

fn diagnostic_error<E: Diagnostic + std::fmt::Display>(
    file: &str,
    text: &Arc<str>,
    e: &E,
) -> PolicyError {
    let mut message = e.to_string();
    // Parse errors carry one related diagnostic per error; include them all.
    if let Some(related) = e.related() {
        for r in related {
            message.push_str("\n  ");
            message.push_str(&r.to_string());
        }
    }
    let mut labels: Vec<(usize, usize)> = e
        .labels()
        .map(|ls| ls.map(|l| (l.offset(), l.len())).collect())
        .unwrap_or_default();
    if let Some(related) = e.related() {
        for r in related {
            if let Some(ls) = r.labels() {
                labels.extend(ls.map(|l| (l.offset(), l.len())));
            }
        }
    }
    labels.retain(|(o, l)| o + l <= text.len());
    PolicyError {
        file: file.to_string(),
        text: text.clone(),
        message: Text::new(message.clone(), message),
        labels,
        help: e.help().map(|h| h.to_string()),
    }
}

/// Byte offset of `@id("<id>")` in `text`.
fn find_id(text: &str, id: &str) -> Option<usize> {
    text.find(&format!("@id(\"{id}\")"))
}

fn find_policy_start(text: &str, policy: &Policy) -> usize {
    // Without a stable location API, point at the first line of its Cedar text.
    let first = policy.to_string();
    let head = first.lines().next().unwrap_or_default();
    text.find(head.trim()).unwrap_or(0)
}

fn line_of(text: &str, offset: usize) -> u32 {
    u32::try_from(text[..offset.min(text.len())].matches('\n').count() + 1).unwrap_or(u32::MAX)
}

/// The `///` documentation block above the annotations that contain `@id("<id>")`.
#[must_use]
pub fn doc_block(text: &str, id: &str) -> String {
    let Some(at) = find_id(text, id) else {
        return String::new();
    };
    let lines: Vec<&str> = text[..at].lines().collect();
    // The line holding @id may have annotations before it on the same line: skip it.
    let mut i = lines.len();
    if text[..at].ends_with('\n') {
        // @id starts its own line.
    } else {
        i = i.saturating_sub(1);
    }
    // Skip annotation lines above.
    while i > 0 && lines[i - 1].trim_start().starts_with('@') {
        i -= 1;
    }
    let mut doc = Vec::new();
    while i > 0 {
        let l = lines[i - 1].trim_start();
        if let Some(rest) = l.strip_prefix("///") {
            doc.push(rest.strip_prefix(' ').unwrap_or(rest));
            i -= 1;
        } else {
            break;
        }
    }
    doc.reverse();
    doc.join("\n").trim().to_string()
}

fn rule_from(
    id: &str,
    policy: &Policy,
    applies: Option<&Policy>,
    source: &Source,
) -> Result<Rule, Vec<PolicyError>> {
    let at = find_id(&source.text, id).unwrap_or(0);
    let mut errors = Vec::new();
    let mut err = |ja: String, en: String| errors.push(file_error(source, at, Text::new(ja, en)));

    if !valid_rule_id(id) {
        err(
            format!(
                "規則ID「{id}」は英大文字で始まり、「-」で区切った形にしてください (例: CL-2-6)"
            ),
            format!("rule id \"{id}\" must be upper-case words joined by '-' (e.g. CL-2-6)"),
        );
    }
    let known: BTreeSet<&str> = REQUIRED_ANNOTATIONS
        .iter()
        .chain(OPTIONAL_ANNOTATIONS)
        .copied()
        .chain(["id"])
        .collect();
    for (key, _) in policy.annotations() {
        if !known.contains(key) {
            err(
                format!("{id}: 未知のアノテーション @{key}"),
                format!("{id}: unknown annotation @{key}"),
            );
        }
    }
    for key in REQUIRED_ANNOTATIONS {
        if policy
            .annotation(key)
            .is_none_or(|v| v.trim().is_empty() && !matches!(*key, "editions" | "delegable"))
        {
            err(
                format!("{id}: アノテーション @{key} がありません"),
                format!("{id}: annotation @{key} is missing"),
            );
        }
    }
    let get = |key: &str| {
        policy
            .annotation(key)
            .unwrap_or_default()
            .trim()
            .to_string()
    };

    // Shape of the violation policy.
    let entity_type = match policy.resource_constraint() {
        ResourceConstraint::Is(t) => t.to_string(),
        _ => {
            err(
                format!("{id}: 違反ポリシーの resource は「resource is 型」の形にしてください"),
                format!("{id}: the violation policy must constrain `resource is <Type>`"),
            );
            String::new()
        }
    };
    if policy.effect() != Effect::Forbid
        || !matches!(policy.action_constraint(), ActionConstraint::Eq(ref a) if a.to_string() == r#"Action::"violates""#)
    {
        err(
            format!(
                "{id}: 違反ポリシーは forbid (principal, action == Action::\"violates\", resource is 型) の形にしてください"
            ),
            format!(
                "{id}: the violation policy must be `forbid (principal, action == Action::\"violates\", resource is <Type>)`"
            ),
        );
    }
    match applies {
        None => err(
            format!("{id}: 適用条件のポリシー @id(\"{id}.applies\") がありません"),
            format!("{id}: the applicability policy @id(\"{id}.applies\") is missing"),
        ),
        Some(a) => {
            let same_type = matches!(a.resource_constraint(), ResourceConstraint::Is(t) if t.to_string() == entity_type);
            if a.effect() != Effect::Permit
                || !matches!(a.action_constraint(), ActionConstraint::Eq(ref x) if x.to_string() == r#"Action::"applies""#)
                || !same_type
            {
                err(
                    format!(
                        "{id}.applies: permit (principal, action == Action::\"applies\", resource is {entity_type}) の形にしてください"
                    ),
                    format!(
                        "{id}.applies: must be `permit (principal, action == Action::\"applies\", resource is {entity_type})`"
                    ),
                );
            }
        }
    }

    let severity = Severity::from_name(&get("severity"));
    if severity.is_none() && policy.annotation("severity").is_some() {
        err(
            format!("{id}: @severity は critical / high / medium / low のいずれかです"),
            format!("{id}: @severity must be critical, high, medium or low"),
        );
    }
    let volume = Volume::from_name(&get("volume"));
    if volume.is_none() && policy.annotation("volume").is_some() {
        err(
            format!(
                "{id}: @volume は checklist / management / planning / operations / vendor / custom のいずれかです"
            ),
            format!(
                "{id}: @volume must be checklist, management, planning, operations, vendor or custom"
            ),
        );
    }
    let volume = volume.unwrap_or(Volume::Custom);
    if source.builtin == (volume == Volume::Custom) {
        if source.builtin {
            err(
                format!("{id}: 組み込みの規則に @volume(\"custom\") は使えません"),
                format!("{id}: a built-in rule cannot have @volume(\"custom\")"),
            );
        } else {
            err(
                format!("{id}: 独自ルールは @volume(\"custom\") にしてください"),
                format!("{id}: a custom rule must have @volume(\"custom\")"),
            );
        }
    }
    let patterns = parse_patterns(&get("patterns"));
    let delegable = parse_patterns(&get("delegable"));
    match (&patterns, &delegable) {
        (Some(p), Some(d)) if !p.is_empty() => {
            if d.iter().any(|x| !x.is_cloud() || !p.contains(x)) {
                err(
                    format!("{id}: @delegable に書けるのは @patterns に含まれる II / IV だけです"),
                    format!(
                        "{id}: @delegable may only name II or IV, and only patterns in @patterns"
                    ),
                );
            }
        }
        _ => err(
            format!(
                "{id}: @patterns は I,II,III,IV をカンマで区切ったもの (空は不可)、@delegable は II,IV のうち0個以上です"
            ),
            format!(
                "{id}: @patterns is a comma-separated subset of I,II,III,IV (not empty); @delegable a subset of II,IV"
            ),
        ),
    }
    let undertaking = policy
        .annotation("undertaking")
        .map(|s| s.trim().to_string());
    if delegable.as_ref().is_some_and(|d| !d.is_empty()) && undertaking.is_none() {
        err(
            format!(
                "{id}: @delegable があるときは、どの契約事項で委託されるかを @undertaking で指定してください"
            ),
            format!(
                "{id}: a delegable rule needs @undertaking (the contract undertaking that takes it over)"
            ),
        );
    }
    if let Some(u) = &undertaking
        && !UNDERTAKINGS.contains(&u.as_str())
    {
        err(
            format!("{id}: @undertaking(\"{u}\") は contracts[].undertakes の値ではありません"),
            format!("{id}: @undertaking(\"{u}\") is not a contracts[].undertakes value"),
        );
    }
    let responsible = Responsible::from_name(&get("responsible"));
    if responsible.is_none() && policy.annotation("responsible").is_some() {
        err(
            format!("{id}: @responsible は institution / vendor / carrier / shared のいずれかです"),
            format!("{id}: @responsible must be institution, vendor, carrier or shared"),
        );
    }
    let effective = NaiveDate::parse_from_str(&get("effective"), "%Y-%m-%d").ok();
    if effective.is_none() && policy.annotation("effective").is_some() {
        err(
            format!("{id}: @effective は YYYY-MM-DD の日付です"),
            format!("{id}: @effective must be a YYYY-MM-DD date"),
        );
    }
    let deadline = match policy.annotation("deadline") {
        None => None,
        Some(d) => match NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                err(
                    format!("{id}: @deadline は YYYY-MM-DD の日付です"),
                    format!("{id}: @deadline must be a YYYY-MM-DD date"),
                );
                None
            }
        },
    };
    let editions: Vec<String> = get("editions")
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if editions
        .iter()
        .any(|e| !matches!(e.as_str(), "R5" | "R6" | "R7"))
    {
        err(
            format!("{id}: @editions は R5,R6,R7 のうち0個以上です"),
            format!("{id}: @editions is a comma-separated subset of R5,R6,R7"),
        );
    }
    if volume == Volume::Checklist && editions.is_empty() {
        err(
            format!("{id}: チェックリストの規則には @editions が必要です"),
            format!("{id}: a checklist rule needs @editions"),
        );
    }
    let evidence = match get("evidence").as_str() {
        "automated" => Some(Evidence::Automated),
        "attested" => Some(Evidence::Attested),
        _ => {
            if policy.annotation("evidence").is_some() {
                err(
                    format!("{id}: @evidence は automated か attested です"),
                    format!("{id}: @evidence must be automated or attested"),
                );
            }
            None
        }
    };
    if source.builtin && !get("url").starts_with("https://") {
        err(
            format!("{id}: @url は https:// で始まる出典のURLです"),
            format!("{id}: @url must be the https:// URL of the source"),
        );
    }
    let doc = doc_block(&source.text, id);
    if source.builtin && (doc.is_empty() || !doc.contains("```yaml")) {
        err(
            format!(
                "{id}: 説明ブロック (/// で始まる行) に、確認内容・理由・直し方と ```yaml の適合例を書いてください"
            ),
            format!(
                "{id}: the documentation block (/// lines) must say what it checks, why, how to fix, and give a ```yaml compliant example"
            ),
        );
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let (
        Some(severity),
        Some(patterns),
        Some(delegable),
        Some(responsible),
        Some(effective),
        Some(evidence),
    ) = (
        severity,
        patterns,
        delegable,
        responsible,
        effective,
        evidence,
    )
    else {
        return Err(vec![file_error(
            source,
            at,
            Text::new(format!("{id}: 不正な規則"), format!("{id}: malformed rule")),
        )]);
    };
    Ok(Rule {
        id: id.to_string(),
        title: Text::new(get("title_ja"), get("title_en")),
        severity,
        volume,
        source: get("source"),
        reference: get("reference"),
        url: get("url"),
        entity_type,
        applies_to: Text::new(get("applies_to_ja"), get("applies_to_en")),
        patterns,
        delegable,
        undertaking,
        responsible,
        effective,
        deadline,
        editions,
        evidence,
        scope: get("scope"),
        fix: Text::new(get("fix_ja"), get("fix_en")),
        doc,
        file: source.file.clone(),
        line: line_of(&source.text, at),
        builtin: source.builtin,
    })
}

/// The values of `contracts[].undertakes`.
pub const UNDERTAKINGS: &[&str] = &[
    "manuals",
    "design_documents",
    "evidence",
    "access_logs",
    "backups",
    "patching",
    "hardening",
    "account_management",
    "network_security",
    "malware_protection",
    "physical_security",
    "incident_response",
    "disaster_recovery",
    "remote_maintenance",
    "encryption",
];

fn parse_patterns(s: &str) -> Option<Vec<Pattern>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let p = Pattern::from_code(part)?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.sort();
    Some(out)
}

/// Whether `id` is a well-formed rule id (as exceptions name them).
#[must_use]
pub fn valid_rule_id(id: &str) -> bool {
    let mut parts = id.split('-');
    let Some(head) = parts.next() else {
        return false;
    };
    let head_ok = head.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && head
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let mut rest = 0;
    for p in parts {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return false;
        }
        rest += 1;
    }
    head_ok && rest > 0 && !id.ends_with(".applies")
}
