//! Builds the Cedar entities of `policies/schema.cedarschema` from a manifest.
//!
//! Entities are built natively (`Entity::new` with `RestrictedExpression`), not through
//! JSON, and every aggregate Cedar cannot compute (it has no quantifiers) is computed
//! here, once, in linear time.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::str::FromStr;

use cedar_policy::{Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use chrono::NaiveDate;
use kensa_manifest::model::{
    AccessLog, AccountStatus, AssetKind, AuthMethod, EmploymentStatus, GovernanceRole, JobType,
    Privilege,
};
use kensa_manifest::{Manifest, Origin};
use serde::Serialize;

use crate::pattern::Pattern;

/// First day of 令和9年度 (FY2027), the two-factor authentication target.
pub const FY2027_START: &str = "2027-04-01";

/// One entity the engine evaluates: a manifest entry (or the institution, or a document
/// kind) with its Cedar identity, location and pattern.
#[derive(Debug, Clone)]
pub struct Subject {
    /// `institution`, `person`, `asset`, … or `document`.
    pub kind: &'static str,
    /// The manifest id (the document kind for documents, the institution id for it).
    pub id: String,
    /// The Cedar entity type.
    pub cedar_type: &'static str,
    /// The Cedar uid.
    pub uid: EntityUid,
    /// Where it is written.
    pub origin: Origin,
    /// The pattern it is read under.
    pub pattern: Pattern,
    /// Indexes into `manifest.systems` of the systems it belongs to (for delegation).
    /// Empty for institution-wide entities, which every contract can cover.
    pub systems: Vec<usize>,
}

impl Subject {
    /// Its key in findings and exception targets: `kind/id`, or `institution`.
    #[must_use]
    pub fn key(&self) -> String {
        if self.kind == "institution" {
            "institution".to_string()
        } else {
            format!("{}/{}", self.kind, self.id)
        }
    }
}

/// The document kinds, in manifest order.
pub const DOCUMENT_KINDS: [&str; 12] = [
    "security_policy",
    "operating_rules",
    "contact_chart",
    "bcp",
    "training",
    "risk_assessment",
    "audit",
    "asset_inventory",
    "account_review",
    "incident_response",
    "vendor_management",
    "privacy_policy",
];

/// Entities built from a manifest, ready for Cedar.
#[derive(Debug)]
pub struct Built {
    /// The Cedar entities, in the same order as `subjects`, not yet constructed: the
    /// evaluator constructs them in batches, on as many threads as the machine has.
    pub entities: Vec<PendingEntity>,
    /// What each entity is.
    pub subjects: Vec<Subject>,
    /// Each system's pattern, in manifest order.
    pub system_patterns: Vec<Pattern>,
    /// The institution's pattern.
    pub institution_pattern: Pattern,
}

/// An entity's uid and attributes, before Cedar evaluates them into an [`Entity`].
#[derive(Debug)]
pub struct PendingEntity {
    uid: EntityUid,
    attrs: Vec<(&'static str, Val)>,
}

/// An attribute value, kept plain until Cedar needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Str(String),
    Bool(bool),
    Long(i64),
    Date(NaiveDate),
    Set(Vec<String>),
}

impl Val {
    fn expression(self) -> RestrictedExpression {
        match self {
            Val::Str(s) => RestrictedExpression::new_string(s),
            Val::Bool(b) => RestrictedExpression::new_bool(b),
            Val::Long(l) => RestrictedExpression::new_long(l),
            Val::Date(d) => RestrictedExpression::new_datetime(iso_date(d)),
            Val::Set(items) => RestrictedExpression::new_set(
                items.into_iter().map(RestrictedExpression::new_string),
            ),
        }
    }
}

impl PendingEntity {
    /// Constructs the Cedar entity (no parents: every aggregate is an attribute).
    ///
    /// # Errors
    /// A [`BuildError`] when an attribute does not evaluate (a defect in kensa).
    pub fn into_entity(self) -> Result<Entity, BuildError> {
        let id = self.uid.to_string();
        let attrs: HashMap<String, RestrictedExpression> = self
            .attrs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.expression()))
            .collect();
        Entity::new(self.uid, attrs, HashSet::new()).map_err(|e| BuildError(format!("{id}: {e}")))
    }

    /// Everything Cedar is shown of the entity, as bytes: two entities with the same
    /// identity get the same answers from the same policies on the same date.
    #[must_use]
    pub fn identity(&self) -> Vec<u8> {
        self.encode(true, |_| true)
    }

    /// The entity's type and the attributes in `read`, as bytes, without its id: two
    /// entities with the same shape get the same answers from policies that read nothing
    /// else of them (see `split::resource_reads`).
    #[must_use]
    pub fn shape(&self, read: &std::collections::BTreeSet<String>) -> Vec<u8> {
        self.encode(false, |k| read.contains(k))
    }

    fn encode(&self, with_id: bool, keep: impl Fn(&str) -> bool) -> Vec<u8> {
        fn text(out: &mut Vec<u8>, s: &str) {
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        let mut out = Vec::with_capacity(64 + self.attrs.len() * 24);
        text(&mut out, &self.uid.type_name().to_string());
        if with_id {
            text(&mut out, self.uid.id().unescaped());
        }
        for (k, v) in self.attrs.iter().filter(|(k, _)| keep(k)) {
            text(&mut out, k);
            match v {
                Val::Str(s) => {
                    out.push(0);
                    text(&mut out, s);
                }
                Val::Bool(b) => out.extend([1, u8::from(*b)]),
                Val::Long(l) => {
                    out.push(2);
                    out.extend_from_slice(&l.to_le_bytes());
                }
                Val::Date(d) => {
                    out.push(3);
                    out.extend_from_slice(&d.to_epoch_days().to_le_bytes());
                }
                Val::Set(items) => {
                    out.push(4);
                    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                    for i in items {
                        text(&mut out, i);
                    }
                }
            }
        }
        out
    }
}

/// A failure to build an entity: a defect in kensa (the schema and the builder disagree),
/// never the user's input, which was validated before.
#[derive(Debug, Clone)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Attributes in the order they are set (a later value of a name replaces the earlier
/// one when Cedar reads them).
#[derive(Default)]
struct Attrs(Vec<(&'static str, Val)>);

impl Attrs {
    fn s(&mut self, k: &'static str, v: impl Into<String>) {
        self.0.push((k, Val::Str(v.into())));
    }
    fn b(&mut self, k: &'static str, v: bool) {
        self.0.push((k, Val::Bool(v)));
    }
    fn l(&mut self, k: &'static str, v: usize) {
        self.0
            .push((k, Val::Long(i64::try_from(v).unwrap_or(i64::MAX))));
    }
    fn ol(&mut self, k: &'static str, v: Option<u32>) {
        if let Some(v) = v {
            self.0.push((k, Val::Long(i64::from(v))));
        }
    }
    fn ob(&mut self, k: &'static str, v: Option<bool>) {
        if let Some(v) = v {
            self.b(k, v);
        }
    }
    fn d(&mut self, k: &'static str, v: Option<NaiveDate>) {
        if let Some(v) = v {
            self.0.push((k, Val::Date(v)));
        }
    }
    fn set<I, S>(&mut self, k: &'static str, v: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0
            .push((k, Val::Set(v.into_iter().map(Into::into).collect())));
    }
    fn log(&mut self, log: Option<&AccessLog>) {
        self.b("access_log_recorded", log.is_some());
        self.b("access_log_enabled", log.is_some_and(|l| l.enabled));
        self.set(
            "access_log_fields",
            log.map(|l| l.fields.iter().map(name).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        self.ol(
            "access_log_retention_days",
            log.and_then(|l| l.retention_days),
        );
        self.d("access_log_reviewed_on", log.and_then(|l| l.reviewed_on));
        self.b(
            "access_log_tamper_protected",
            log.is_some_and(|l| l.tamper_protected),
        );
        self.b(
            "access_log_access_restricted",
            log.is_some_and(|l| l.access_restricted),
        );
    }
}

/// The snake_case name of a manifest enum value.
pub fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// `YYYY-MM-DD`, without going through a format string (it runs once per date field).
fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    let mut s = String::with_capacity(10);
    let _ = write!(s, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
    s
}

/// Entity type names, parsed once per type rather than once per entity.
#[derive(Default)]
struct TypeNames(HashMap<&'static str, EntityTypeName>);

impl TypeNames {
    fn uid(&mut self, cedar_type: &'static str, id: &str) -> Result<EntityUid, BuildError> {
        let t = match self.0.get(cedar_type) {
            Some(t) => t.clone(),
            None => {
                let t = EntityTypeName::from_str(cedar_type)
                    .map_err(|e| BuildError(format!("entity type {cedar_type}: {e}")))?;
                self.0.insert(cedar_type, t.clone());
                t
            }
        };
        Ok(EntityUid::from_type_name_and_id(t, EntityId::new(id)))
    }
}

/// Builds every entity of `manifest`, judging expiries on `as_of`.
///
/// # Errors
/// A [`BuildError`] when an entity cannot be constructed (a defect in kensa).
#[allow(clippy::too_many_lines)]
pub fn build(manifest: &Manifest, as_of: NaiveDate) -> Result<Built, BuildError> {
    let inst = &manifest.institution;
    let staff = inst.dedicated_ops_staff;
    let fy2027 = NaiveDate::from_ymd_opt(2027, 4, 1).unwrap_or(NaiveDate::MIN);

    // --- indexes ---------------------------------------------------------------------
    let sys_index: HashMap<&str, usize> = manifest
        .systems
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let system_patterns: Vec<Pattern> = manifest
        .systems
        .iter()
        .map(|s| Pattern::of_hosting(s.hosting, staff))
        .collect();
    let institution_pattern = system_patterns
        .iter()
        .copied()
        .reduce(Pattern::stricter)
        .unwrap_or(Pattern::of(false, staff));
    let strictest = |systems: &[usize]| -> Pattern {
        systems
            .iter()
            .map(|&i| system_patterns[i])
            .reduce(Pattern::stricter)
            .unwrap_or(institution_pattern)
    };
    let resolve = |ids: &[String]| -> Vec<usize> {
        ids.iter()
            .filter_map(|id| sys_index.get(id.as_str()).copied())
            .collect()
    };
    let medical_of = |systems: &[usize]| -> bool {
        systems.is_empty()
            || systems
                .iter()
                .any(|&i| manifest.systems[i].handles_medical_info)
    };

    let people: HashMap<&str, &kensa_manifest::model::Person> =
        manifest.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let roles: HashMap<&str, &kensa_manifest::model::Role> =
        manifest.roles.iter().map(|r| (r.id.as_str(), r)).collect();

    // Per-system aggregates.
    let n = manifest.systems.len();
    let mut sys_contracts = vec![0usize; n];
    let mut sys_undertaken: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    for c in &manifest.contracts {
        for i in resolve(&c.systems) {
            sys_contracts[i] += 1;
            sys_undertaken[i].extend(c.undertakes.iter().map(name));
        }
    }
    let mut sys_backups = vec![0usize; n];
    let mut sys_offline = vec![false; n];
    let mut sys_immutable = vec![false; n];
    let mut sys_restore: Vec<Option<NaiveDate>> = vec![None; n];
    for b in &manifest.backups {
        for i in resolve(&b.systems) {
            sys_backups[i] += 1;
            sys_offline[i] |= b.offline_copy;
            sys_immutable[i] |= b.immutable_copy;
            sys_restore[i] = sys_restore[i].max(b.restore_tested_on);
        }
    }
    let mut sys_accounts = vec![0usize; n];
    let mut sys_admins = vec![0usize; n];
    let mut sys_shared = vec![0usize; n];
    let mut person_accounts: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut role_accounts: HashMap<&str, usize> = HashMap::new();
    for a in &manifest.accounts {
        let active = a.status == AccountStatus::Active;
        for i in resolve(&a.systems) {
            sys_accounts[i] += 1;
            if active && a.privilege == Privilege::Admin {
                sys_admins[i] += 1;
            }
            if active && a.kind == kensa_manifest::model::AccountKind::Shared {
                sys_shared[i] += 1;
            }
        }
        if let Some(h) = &a.holder {
            let e = person_accounts.entry(h.as_str()).or_default();
            e.0 += 1;
            if active {
                e.1 += 1;
            }
        }
        if let Some(r) = &a.role {
            *role_accounts.entry(r.as_str()).or_default() += 1;
        }
    }
    let mut sys_grants = vec![0usize; n];
    let mut role_grants: HashMap<&str, usize> = HashMap::new();
    for g in &manifest.access_matrix {
        if let Some(&i) = sys_index.get(g.system.as_str()) {
            sys_grants[i] += 1;
        }
        *role_grants.entry(g.role.as_str()).or_default() += 1;
    }
    let mut sys_servers = vec![0usize; n];
    for a in &manifest.assets {
        if a.kind == AssetKind::Server {
            for i in resolve(&a.systems) {
                sys_servers[i] += 1;
            }
        }
    }
    let mut vendor_contracts: HashMap<&str, usize> = HashMap::new();
    let mut vendor_medical: HashSet<&str> = HashSet::new();
    for c in &manifest.contracts {
        *vendor_contracts.entry(c.vendor.as_str()).or_default() += 1;
        if medical_of(&resolve(&c.systems)) {
            vendor_medical.insert(c.vendor.as_str());
        }
    }
    for s in &manifest.systems {
        if s.handles_medical_info
            && let Some(v) = &s.vendor
        {
            vendor_medical.insert(v.as_str());
        }
    }
    let contract_connections: HashSet<&str> = manifest
        .contracts
        .iter()
        .flat_map(|c| c.connections.iter().map(String::as_str))
        .collect();
    let contracted_systems: HashSet<usize> = manifest
        .contracts
        .iter()
        .flat_map(|c| resolve(&c.systems))
        .collect();

    let active_role = |r: GovernanceRole| {
        manifest
            .people
            .iter()
            .any(|p| p.status != EmploymentStatus::Left && p.roles.contains(&r))
    };

    let mut entities = Vec::new();
    let mut subjects = Vec::new();
    let mut types = TypeNames::default();
    let mut push = |kind: &'static str,
                    cedar_type: &'static str,
                    id: &str,
                    origin: Origin,
                    pattern: Pattern,
                    systems: Vec<usize>,
                    mut a: Attrs|
     -> Result<(), BuildError> {
        a.s("pattern", pattern.code());
        let uid = types.uid(cedar_type, id)?;
        entities.push(PendingEntity {
            uid: uid.clone(),
            attrs: a.0,
        });
        subjects.push(Subject {
            kind,
            id: id.to_string(),
            cedar_type,
            uid,
            origin,
            pattern,
            systems,
        });
        Ok(())
    };

    // --- institution -------------------------------------------------------------------
    {
        let mut a = Attrs::default();
        a.s("kind", name(&inst.kind));
        a.l("beds", inst.beds.unwrap_or(0) as usize);
        a.b("online_eligibility", inst.online_eligibility);
        a.b("dedicated_ops_staff", staff);
        a.s(
            "edition",
            inst.checklist_edition
                .map_or_else(|| "R7".to_string(), |e| name(&e).to_uppercase()),
        );
        a.b(
            "has_medical_system",
            manifest.systems.iter().any(|s| s.handles_medical_info),
        );
        a.l("system_count", n);
        let cloud = manifest
            .systems
            .iter()
            .filter(|s| s.hosting.is_cloud())
            .count();
        a.l("cloud_system_count", cloud);
        a.l("on_premise_system_count", n - cloud);
        a.l("asset_count", manifest.assets.len());
        let count_kind = |k: &[AssetKind]| {
            manifest
                .assets
                .iter()
                .filter(|x| k.contains(&x.kind))
                .count()
        };
        a.l("server_count", count_kind(&[AssetKind::Server]));
        a.l(
            "terminal_count",
            count_kind(&[AssetKind::TerminalPc, AssetKind::MobileTerminal]),
        );
        a.l(
            "network_device_count",
            count_kind(&[AssetKind::NetworkDevice]),
        );
        a.b("has_executive", active_role(GovernanceRole::Executive));
        a.b(
            "has_security_manager",
            active_role(GovernanceRole::SecurityManager),
        );
        a.b(
            "has_planning_manager",
            active_role(GovernanceRole::PlanningManager),
        );
        a.b(
            "has_system_operator",
            active_role(GovernanceRole::SystemOperator),
        );
        a.b("has_ciso", active_role(GovernanceRole::Ciso));
        a.b("has_csirt", active_role(GovernanceRole::CsirtMember));
        a.b(
            "has_privacy_officer",
            active_role(GovernanceRole::PrivacyOfficer),
        );
        a.l("vendor_count", manifest.vendors.len());
        a.l("contract_count", manifest.contracts.len());
        a.b("has_vendor_contract", !manifest.contracts.is_empty());
        a.l(
            "medical_systems_without_grants",
            (0..n)
                .filter(|&i| manifest.systems[i].handles_medical_info && sys_grants[i] == 0)
                .count(),
        );
        a.l(
            "medical_systems_without_backup",
            (0..n)
                .filter(|&i| manifest.systems[i].handles_medical_info && sys_backups[i] == 0)
                .count(),
        );
        a.l("access_grant_count", manifest.access_matrix.len());
        a.l("backup_count", manifest.backups.len());
        a.l(
            "offline_backup_count",
            manifest.backups.iter().filter(|b| b.offline_copy).count(),
        );
        a.l(
            "immutable_backup_count",
            manifest.backups.iter().filter(|b| b.immutable_copy).count(),
        );
        a.l("exception_count", manifest.exceptions.len());
        push(
            "institution",
            "Institution",
            &inst.id,
            inst.origin,
            institution_pattern,
            Vec::new(),
            a,
        )?;
    }

    // --- people and roles --------------------------------------------------------------
    for p in &manifest.people {
        let mut a = Attrs::default();
        a.set("roles", p.roles.iter().map(name));
        a.s(
            "job_type",
            p.job_type
                .map_or_else(|| "unrecorded".to_string(), |j| name(&j)),
        );
        a.s("status", name(&p.status));
        a.d("left_on", p.left_on);
        let (all, active) = person_accounts
            .get(p.id.as_str())
            .copied()
            .unwrap_or_default();
        a.l("account_count", all);
        a.l("active_account_count", active);
        push(
            "person",
            "Person",
            &p.id,
            p.origin,
            institution_pattern,
            Vec::new(),
            a,
        )?;
    }
    for r in &manifest.roles {
        let mut a = Attrs::default();
        a.b("administrative", r.administrative);
        a.l(
            "grant_count",
            role_grants.get(r.id.as_str()).copied().unwrap_or(0),
        );
        a.l(
            "account_count",
            role_accounts.get(r.id.as_str()).copied().unwrap_or(0),
        );
        push(
            "role",
            "Role",
            &r.id,
            r.origin,
            institution_pattern,
            Vec::new(),
            a,
        )?;
    }

    // --- systems -----------------------------------------------------------------------
    for (i, s) in manifest.systems.iter().enumerate() {
        let mut a = Attrs::default();
        a.s("category", name(&s.category));
        a.s("hosting", name(&s.hosting));
        a.b("cloud", s.hosting.is_cloud());
        a.b("medical", s.handles_medical_info);
        a.b("network_connected", s.network_connected);
        a.b("has_vendor", s.vendor.is_some());
        let auth = s.authentication.as_ref();
        a.b("auth_recorded", auth.is_some());
        a.b("auth_required", auth.is_some_and(|x| x.required));
        a.set(
            "auth_methods",
            auth.map(|x| x.methods.iter().map(name).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        a.b(
            "uses_password",
            auth.is_some_and(|x| x.methods.contains(&AuthMethod::Password)),
        );
        a.b("mfa", auth.is_some_and(|x| x.mfa));
        a.d("mfa_planned_on", auth.and_then(|x| x.mfa_planned_on));
        let pw = auth.and_then(|x| x.password_policy.as_ref());
        a.b("password_policy_recorded", pw.is_some());
        a.l(
            "password_min_length",
            pw.map_or(0, |p| p.min_length as usize),
        );
        a.l(
            "password_character_classes",
            pw.map_or(0, |p| {
                p.character_classes
                    .iter()
                    .map(name)
                    .collect::<BTreeSet<_>>()
                    .len()
            }),
        );
        a.ol("password_rotation_days", pw.and_then(|p| p.rotation_days));
        a.b(
            "password_reuse_prevented",
            pw.is_some_and(|p| p.reuse_prevented),
        );
        a.b(
            "password_defaults_changed",
            pw.is_some_and(|p| p.defaults_changed),
        );
        a.b("password_lockout", pw.is_some_and(|p| p.lockout));
        a.log(s.access_log.as_ref());
        let op = s.operation.as_ref();
        a.d("operation_since", op.and_then(|o| o.since));
        a.d("operation_until", op.and_then(|o| o.until));
        a.b(
            "in_operation_fy2027",
            op.and_then(|o| o.until).is_none_or(|u| u >= fy2027),
        );
        a.ob("admin_separation", s.admin_separation);
        a.ob(
            "required_services_documented",
            s.required_services_documented,
        );
        a.b("electronic_signature", s.electronic_signature);
        a.b("digitises_paper", s.digitises_paper);
        a.l("contract_count", sys_contracts[i]);
        a.set("undertaken", sys_undertaken[i].iter().cloned());
        a.l("backup_count", sys_backups[i]);
        a.b("offline_backup", sys_offline[i]);
        a.b("immutable_backup", sys_immutable[i]);
        a.d("restore_tested_on", sys_restore[i]);
        a.l("account_count", sys_accounts[i]);
        a.l("admin_account_count", sys_admins[i]);
        a.l("shared_account_count", sys_shared[i]);
        a.l("grant_count", sys_grants[i]);
        a.l("server_count", sys_servers[i]);
        push(
            "system",
            "System",
            &s.id,
            s.origin,
            system_patterns[i],
            vec![i],
            a,
        )?;
    }

    // --- assets ------------------------------------------------------------------------
    for x in &manifest.assets {
        let systems = resolve(&x.systems);
        let mut a = Attrs::default();
        a.s("kind", name(&x.kind));
        a.s("form", name(&x.form));
        a.b("medical", medical_of(&systems));
        a.l("system_count", systems.len());
        let mut missing: Vec<&str> = Vec::new();
        let empty = |o: &Option<String>| o.as_deref().is_none_or(|s| s.trim().is_empty());
        if empty(&x.ledger_no) {
            missing.push("ledger_no");
        }
        if empty(&x.location) {
            missing.push("location");
        }
        if empty(&x.department) && x.owner.is_none() {
            missing.push("department");
        }
        if empty(&x.manufacturer) {
            missing.push("manufacturer");
        }
        if empty(&x.model) {
            missing.push("model");
        }
        if empty(&x.os) && matches!(x.kind, AssetKind::Server | AssetKind::TerminalPc) {
            missing.push("os");
        }
        if empty(&x.os_version) && empty(&x.firmware_version) {
            missing.push("os_version");
        }
        if empty(&x.ip_address)
            && empty(&x.hostname)
            && x.form != kensa_manifest::model::AssetForm::Cloud
        {
            missing.push("ip_address");
        }
        if x.vendor.is_none() {
            missing.push("vendor");
        }
        if x.support_ends_on.is_none() {
            missing.push("support_ends_on");
        }
        if x.security_measures.is_empty()
            && matches!(x.kind, AssetKind::Server | AssetKind::TerminalPc)
        {
            missing.push("security_measures");
        }
        if empty(&x.purpose) && systems.is_empty() {
            missing.push("purpose");
        }
        a.set("ledger_missing", missing);
        a.s("os", x.os.clone().unwrap_or_default());
        a.s("os_version", x.os_version.clone().unwrap_or_default());
        a.d("support_ends_on", x.support_ends_on);
        a.set("security_measures", x.security_measures.iter().map(name));
        let patch = x.patch.as_ref();
        a.s(
            "patch_status",
            patch.map_or_else(|| "unrecorded".to_string(), |p| name(&p.status)),
        );
        a.d("patch_applied_on", patch.and_then(|p| p.applied_on));
        a.d("patch_checked_on", patch.and_then(|p| p.checked_on));
        a.ob(
            "unnecessary_services_stopped",
            x.unnecessary_services_stopped,
        );
        let rm = x.remote_maintenance.as_ref();
        a.s(
            "remote_maintenance",
            rm.map_or_else(|| "unrecorded".to_string(), |r| name(&r.status)),
        );
        a.d(
            "remote_maintenance_confirmed_on",
            rm.and_then(|r| r.confirmed_on),
        );
        a.b(
            "remote_maintenance_connection_recorded",
            rm.is_some_and(|r| r.connection.is_some()),
        );
        let rd = x.remote_desktop.as_ref();
        a.b("remote_desktop_enabled", rd.is_some_and(|r| r.enabled));
        a.b(
            "remote_desktop_authenticated",
            rd.is_some_and(|r| r.authenticated),
        );
        a.b(
            "remote_desktop_access_restricted",
            rd.is_some_and(|r| r.access_restricted),
        );
        a.b(
            "remote_desktop_history_retained",
            rd.is_some_and(|r| r.history_retained),
        );
        a.ob("external_media_restricted", x.external_media_restricted);
        let sr = x.source_restriction.as_ref();
        a.b("source_restriction_recorded", sr.is_some());
        a.b("source_restriction_enabled", sr.is_some_and(|r| r.enabled));
        a.s(
            "source_restriction_mode",
            sr.and_then(|r| r.mode)
                .map_or_else(|| "unrecorded".to_string(), |m| name(&m)),
        );
        a.b(
            "source_restriction_by_address_protocol_port",
            sr.is_some_and(|r| r.by_address_protocol_port),
        );
        a.d(
            "source_restriction_reviewed_on",
            sr.and_then(|r| r.reviewed_on),
        );
        a.ob(
            "management_interface_external",
            x.management_interface_external,
        );
        let log = x.access_log.as_ref().or_else(|| {
            systems
                .iter()
                .find_map(|&i| manifest.systems[i].access_log.as_ref())
        });
        a.log(log);
        let mut undertaken = BTreeSet::new();
        for &i in &systems {
            undertaken.extend(sys_undertaken[i].iter().cloned());
        }
        a.set("undertaken", undertaken);
        push(
            "asset",
            "Asset",
            &x.id,
            x.origin,
            strictest(&systems),
            systems,
            a,
        )?;
    }

    // --- networks and connections ------------------------------------------------------
    for w in &manifest.networks {
        let mut a = Attrs::default();
        a.s("kind", name(&w.kind));
        a.b("carries_medical_info", w.carries_medical_info);
        a.l("separated_count", w.separated_from.len());
        let wireless = w.wireless.as_ref();
        a.b(
            "wireless",
            wireless.is_some() || w.kind == kensa_manifest::model::NetworkKind::Wireless,
        );
        a.s(
            "wireless_encryption",
            wireless.map_or_else(|| "unrecorded".to_string(), |x| name(&x.encryption)),
        );
        a.b(
            "wireless_device_authentication",
            wireless.is_some_and(|x| x.device_authentication),
        );
        push(
            "network",
            "Network",
            &w.id,
            w.origin,
            institution_pattern,
            Vec::new(),
            a,
        )?;
    }
    for c in &manifest.connections {
        let systems = resolve(&c.systems);
        let mut a = Attrs::default();
        a.s("to", name(&c.to));
        a.s("line", name(&c.line));
        a.b("medical", medical_of(&systems));
        a.l("system_count", systems.len());
        a.b("has_boundary_device", c.via.is_some());
        a.b("has_carrier", c.carrier.is_some());
        a.b("has_vendor", c.vendor.is_some());
        a.s("carrier", c.carrier.clone().unwrap_or_default());
        a.s("vendor", c.vendor.clone().unwrap_or_default());
        a.s(
            "managed_by",
            c.managed_by
                .map_or_else(|| "unrecorded".to_string(), |m| name(&m)),
        );
        a.b("encrypted", c.encrypted);
        a.b("mutual_authentication", c.mutual_authentication);
        a.b("source_restricted", c.source_restricted);
        a.b("mfa", c.mfa);
        a.b("monitored", c.monitored);
        a.b(
            "covered_by_contract",
            contract_connections.contains(c.id.as_str())
                || systems.iter().any(|i| contracted_systems.contains(i)),
        );
        push(
            "connection",
            "Connection",
            &c.id,
            c.origin,
            strictest(&systems),
            systems,
            a,
        )?;
    }

    // --- accounts ----------------------------------------------------------------------
    for acc in &manifest.accounts {
        let systems = resolve(&acc.systems);
        let mut a = Attrs::default();
        a.s("kind", name(&acc.kind));
        a.s("privilege", name(&acc.privilege));
        a.s("status", name(&acc.status));
        a.b("medical", medical_of(&systems));
        a.l("system_count", systems.len());
        let holder = acc.holder.as_deref().and_then(|h| people.get(h));
        a.b("has_holder", holder.is_some());
        a.s(
            "holder_status",
            holder.map_or_else(|| "none".to_string(), |p| name(&p.status)),
        );
        a.d("holder_left_on", holder.and_then(|p| p.left_on));
        a.b(
            "holder_is_administrator",
            holder.is_some_and(|p| {
                p.roles.contains(&GovernanceRole::SystemOperator)
                    || p.roles.contains(&GovernanceRole::SecurityManager)
                    || p.job_type == Some(JobType::ItStaff)
            }),
        );
        a.b(
            "role_administrative",
            acc.role
                .as_deref()
                .and_then(|r| roles.get(r))
                .is_some_and(|r| r.administrative),
        );
        a.b("mfa", acc.mfa);
        a.d("created_on", acc.created_on);
        a.d("last_used_on", acc.last_used_on);
        push(
            "account",
            "Account",
            &acc.id,
            acc.origin,
            strictest(&systems),
            systems,
            a,
        )?;
    }

    // --- vendors and contracts ---------------------------------------------------------
    let vendor_by_id: HashMap<&str, &kensa_manifest::model::Vendor> = manifest
        .vendors
        .iter()
        .map(|v| (v.id.as_str(), v))
        .collect();
    let valid_certs = |v: &kensa_manifest::model::Vendor| -> Vec<String> {
        v.certifications
            .iter()
            .filter(|c| c.valid_until.is_none_or(|d| d >= as_of))
            .map(|c| name(&c.kind))
            .collect()
    };
    for v in &manifest.vendors {
        let mut a = Attrs::default();
        a.set("roles", v.roles.iter().map(name));
        let d = v.disclosure.as_ref();
        a.s(
            "disclosure",
            d.map_or_else(|| "none".to_string(), |d| name(&d.kind)),
        );
        a.d("disclosure_requested_on", d.and_then(|d| d.requested_on));
        a.d("disclosure_received_on", d.and_then(|d| d.received_on));
        a.set("certifications", valid_certs(v));
        a.l(
            "expired_certification_count",
            v.certifications
                .iter()
                .filter(|c| c.valid_until.is_some_and(|d| d < as_of))
                .count(),
        );
        a.d("checklist_answered_on", v.vendor_checklist_answered_on);
        a.l(
            "contract_count",
            vendor_contracts.get(v.id.as_str()).copied().unwrap_or(0),
        );
        a.b(
            "supplies_medical_system",
            vendor_medical.contains(v.id.as_str()),
        );
        push(
            "vendor",
            "Vendor",
            &v.id,
            v.origin,
            institution_pattern,
            Vec::new(),
            a,
        )?;
    }
    for c in &manifest.contracts {
        let systems = resolve(&c.systems);
        let mut a = Attrs::default();
        a.s("kind", name(&c.kind));
        a.b("medical", medical_of(&systems));
        a.b(
            "cloud",
            systems
                .iter()
                .any(|&i| manifest.systems[i].hosting.is_cloud())
                || matches!(
                    c.kind,
                    kensa_manifest::model::ContractKind::CloudService
                        | kensa_manifest::model::ContractKind::Hosting
                ),
        );
        a.l("system_count", systems.len());
        a.set("undertakes", c.undertakes.iter().map(name));
        a.b(
            "responsibility_split_documented",
            c.responsibility_split_documented,
        );
        a.b("confidentiality", c.confidentiality);
        let loc = c.data_location.as_ref();
        a.b("data_location_recorded", loc.is_some());
        a.s(
            "data_country",
            loc.map(|l| l.country.clone()).unwrap_or_default(),
        );
        a.b(
            "japanese_jurisdiction",
            loc.is_some_and(|l| l.japanese_jurisdiction),
        );
        a.s(
            "incident_notification",
            c.incident_notification
                .map_or_else(|| "unrecorded".to_string(), |t| name(&t)),
        );
        a.b("periodic_reporting", c.periodic_reporting);
        a.b("audit_rights", c.audit_rights);
        a.b("secondary_use_prohibited", c.secondary_use_prohibited);
        let rm = c.remote_maintenance.as_ref();
        a.b("remote_maintenance_terms_recorded", rm.is_some());
        a.b("remote_maintenance_used", rm.is_some_and(|r| r.used));
        a.b(
            "remote_maintenance_advance_approval",
            rm.is_some_and(|r| r.advance_approval),
        );
        a.b(
            "remote_maintenance_source_restricted",
            rm.is_some_and(|r| r.source_restricted),
        );
        a.b("remote_maintenance_logged", rm.is_some_and(|r| r.logged));
        a.b(
            "remote_maintenance_work_reports",
            rm.is_some_and(|r| r.work_reports),
        );
        a.b("remote_maintenance_mfa", rm.is_some_and(|r| r.mfa));
        a.l("subcontractor_count", c.subcontractors.len());
        a.l(
            "unapproved_subcontractor_count",
            c.subcontractors
                .iter()
                .filter(|s| !s.approved_by_institution)
                .count(),
        );
        a.l(
            "subcontractors_without_flowdown",
            c.subcontractors
                .iter()
                .filter(|s| !s.responsibility_in_subcontract)
                .count(),
        );
        a.l(
            "foreign_subcontractor_count",
            c.subcontractors
                .iter()
                .filter(|s| {
                    s.country
                        .as_deref()
                        .is_some_and(|x| !x.eq_ignore_ascii_case("JP"))
                })
                .count(),
        );
        let t = c.termination.as_ref();
        a.b("termination_recorded", t.is_some());
        a.b("data_return", t.is_some_and(|t| t.data_return));
        a.b(
            "return_format_recorded",
            t.is_some_and(|t| t.return_format.is_some()),
        );
        a.b(
            "deletion_certificate",
            t.is_some_and(|t| t.deletion_certificate),
        );
        a.b("migration_support", t.is_some_and(|t| t.migration_support));
        a.d("signed_on", c.signed_on);
        a.d("expires_on", c.expires_on);
        a.b("evidence_recorded", c.evidence.is_some());
        let vendor = vendor_by_id.get(c.vendor.as_str());
        a.set(
            "vendor_certifications",
            vendor.map(|v| valid_certs(v)).unwrap_or_default(),
        );
        a.s(
            "vendor_disclosure",
            vendor
                .and_then(|v| v.disclosure.as_ref())
                .map_or_else(|| "none".to_string(), |d| name(&d.kind)),
        );
        push(
            "contract",
            "Contract",
            &c.id,
            c.origin,
            strictest(&systems),
            systems,
            a,
        )?;
    }

    // --- backups -----------------------------------------------------------------------
    for b in &manifest.backups {
        let systems = resolve(&b.systems);
        let mut a = Attrs::default();
        a.b("medical", medical_of(&systems));
        a.l("system_count", systems.len());
        a.b(
            "scope_recorded",
            b.scope.as_deref().is_some_and(|s| !s.trim().is_empty()),
        );
        a.s(
            "frequency",
            b.frequency
                .map_or_else(|| "unrecorded".to_string(), |f| name(&f)),
        );
        a.l("generations", b.generations.unwrap_or(0) as usize);
        let media: BTreeSet<String> = b.media.iter().map(name).collect();
        a.l("media_count", media.len());
        a.set("media", media);
        a.b("offline_copy", b.offline_copy);
        a.b("immutable_copy", b.immutable_copy);
        a.b("offsite_copy", b.offsite_copy);
        a.b("restore_procedure", b.restore_procedure);
        a.d("restore_tested_on", b.restore_tested_on);
        a.b("operated_by_vendor", b.operated_by.is_some());
        push(
            "backup",
            "Backup",
            &b.id,
            b.origin,
            strictest(&systems),
            systems,
            a,
        )?;
    }

    // --- documents ---------------------------------------------------------------------
    let docs = &manifest.documents;
    for kind in DOCUMENT_KINDS {
        let mut a = Attrs::default();
        a.s("kind", kind);
        let plain = match kind {
            "security_policy" => docs.security_policy.as_ref(),
            "operating_rules" => docs.operating_rules.as_ref(),
            "training" => docs.training.as_ref(),
            "risk_assessment" => docs.risk_assessment.as_ref(),
            "audit" => docs.audit.as_ref(),
            "asset_inventory" => docs.asset_inventory.as_ref(),
            "account_review" => docs.account_review.as_ref(),
            "incident_response" => docs.incident_response.as_ref(),
            "vendor_management" => docs.vendor_management.as_ref(),
            "privacy_policy" => docs.privacy_policy.as_ref(),
            _ => None,
        };
        let (recorded, reviewed, next, approved, evidence) = match kind {
            "contact_chart" => match &docs.contact_chart {
                Some(c) => (
                    true,
                    Some(c.reviewed_on),
                    None,
                    c.approved_by.is_some(),
                    c.evidence.len(),
                ),
                None => (false, None, None, false, 0),
            },
            "bcp" => match &docs.bcp {
                Some(c) => (
                    true,
                    Some(c.reviewed_on),
                    None,
                    c.approved_by.is_some(),
                    c.evidence.len(),
                ),
                None => (false, None, None, false, 0),
            },
            _ => match plain {
                Some(d) => (
                    true,
                    Some(d.reviewed_on),
                    d.next_review_on,
                    d.approved_by.is_some(),
                    d.evidence.len(),
                ),
                None => (false, None, None, false, 0),
            },
        };
        a.b("recorded", recorded);
        a.d("reviewed_on", reviewed);
        a.d("next_review_on", next);
        a.b("approved", approved);
        a.l("evidence_count", evidence);
        let chart = docs
            .contact_chart
            .as_ref()
            .filter(|_| kind == "contact_chart");
        a.set(
            "external_contacts",
            chart
                .map(|c| c.external.iter().map(name).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        a.l(
            "internal_contact_count",
            chart.map_or(0, |c| c.internal.len()),
        );
        let bcp = docs.bcp.as_ref().filter(|_| kind == "bcp");
        a.b(
            "covers_cyber_attack",
            bcp.is_some_and(|b| b.covers_cyber_attack),
        );
        a.set(
            "scenarios",
            bcp.map(|b| b.scenarios.iter().map(name).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        a.d("exercised_on", bcp.and_then(|b| b.exercised_on));
        let origin = if recorded && docs.origin.span.is_some() {
            docs.origin
        } else {
            inst.origin
        };
        push(
            "document",
            "Document",
            kind,
            origin,
            institution_pattern,
            Vec::new(),
            a,
        )?;
    }

    Ok(Built {
        entities,
        subjects,
        system_patterns,
        institution_pattern,
    })
}
