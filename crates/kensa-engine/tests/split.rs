//! The responsibility split: each policy of `policies/responsibility.cedar` and each kind
//! of gap, on the pattern Ⅳ clinic example and on small manifests made for one case each.

use std::path::Path;

use chrono::NaiveDate;
use kensa_engine::catalogue::BUILTIN;
use kensa_engine::split::{LINE_FAILURE, Split, split};
use kensa_engine::{Catalogue, Options, check};
use kensa_manifest::{Limits, load, load_str};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
}

fn split_of(label: &str, loaded: &kensa_manifest::Loaded, c: &Catalogue) -> Split {
    let m = loaded.manifest.as_ref().unwrap_or_else(|| {
        panic!(
            "{label}: {:?}",
            loaded
                .problems
                .iter()
                .map(|p| &p.message.en)
                .collect::<Vec<_>>()
        )
    });
    assert!(loaded.problems.is_empty(), "{label}");
    let options = Options {
        as_of: as_of(),
        manifest_label: label.into(),
        threads: 0,
    };
    let report = check(m, &loaded.sources, c, &options).expect("check");
    split(m, &loaded.sources, c, &report).expect("split")
}

fn split_str(text: &str, c: &Catalogue) -> Split {
    split_of("m.yaml", &load_str("m.yaml", text, &Limits::default()), c)
}

fn builtin() -> Catalogue {
    Catalogue::builtin().expect("catalogue")
}

/// The parties that do `rule` on `entity`.
fn doers(s: &Split, rule: &str, entity: &str) -> Vec<String> {
    s.rows
        .iter()
        .find(|r| r.rule == rule && r.entity == entity)
        .unwrap_or_else(|| panic!("no row {rule} {entity}"))
        .does
        .iter()
        .map(|a| a.party.clone())
        .collect()
}

/// The basis of `party` doing `rule` on `entity`.
fn basis(s: &Split, rule: &str, entity: &str, party: &str) -> Vec<String> {
    s.rows
        .iter()
        .find(|r| r.rule == rule && r.entity == entity)
        .and_then(|r| r.does.iter().find(|a| a.party == party))
        .unwrap_or_else(|| panic!("{party} does not do {rule} {entity}"))
        .basis
        .clone()
}

fn gaps(s: &Split, kind: &str) -> Vec<(String, String)> {
    s.gaps
        .iter()
        .filter(|g| g.kind == kind)
        .map(|g| {
            (
                g.rule.clone().unwrap_or_default(),
                g.entity.clone().unwrap_or_default(),
            )
        })
        .collect()
}

const CLINIC: &str = "manifests/examples/clinic-cloud-nostaff.yaml";

fn clinic_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(CLINIC),
    )
    .expect("example")
}

#[test]
fn pattern_iv_clinic_vendor_does_the_contract_institution_answers_for_all() {
    let c = builtin();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let s = split_of(CLINIC, &load(&root.join(CLINIC), &Limits::default()), &c);
    assert!(s.rows.len() > 100, "{}", s.rows.len());
    // The institution answers for every row, whoever does it.
    for r in &s.rows {
        assert!(
            r.accountable
                .iter()
                .any(|a| a.party == "institution" && a.basis == ["split.accountable"]),
            "{} {}",
            r.rule,
            r.entity
        );
    }
    // The cloud EHR vendor does what its contract undertakes, on the EHR.
    for rule in ["C-18-1-IMMUTABLE", "C-14-2-LOCKOUT", "M-5-2"] {
        let d = doers(&s, rule, "system/ehr");
        assert_eq!(d, ["vendor:acme-medical"], "{rule}");
        assert_eq!(
            basis(&s, rule, "system/ehr", "vendor:acme-medical"),
            ["split.contract"]
        );
    }
    // What a contract cannot take over stays with the planning manager, read as the person
    // in charge (pattern Ⅳ, no dedicated staff).
    let d = doers(&s, "CL-2-4-AUTH", "system/ehr");
    assert_eq!(d, ["role:planning_manager"]);
    // The closed line to the online eligibility network: the carrier, to its router.
    assert_eq!(
        doers(&s, LINE_FAILURE, "connection/oqs-line"),
        ["carrier:sakura-hikari"]
    );
    assert_eq!(
        basis(
            &s,
            LINE_FAILURE,
            "connection/oqs-line",
            "carrier:sakura-hikari"
        ),
        ["split.carrier-closed-line"]
    );
    // Nothing the guideline requires is left to nobody.
    assert_eq!(gaps(&s, "unassigned"), Vec::<(String, String)>::new());

    // Remove one clause: what it covered becomes unassigned, with a message that says how
    // to fix it.
    let text = clinic_text();
    let without = text.replacen(
        "patching, hardening, account_management,",
        "patching, hardening,",
        1,
    );
    assert_ne!(without, text);
    let s = split_str(&without, &c);
    let unassigned = gaps(&s, "unassigned");
    assert!(
        unassigned.contains(&("C-14-2-LOCKOUT".to_string(), "system/ehr".to_string())),
        "{unassigned:?}"
    );
    let g = s
        .gaps
        .iter()
        .find(|g| g.kind == "unassigned" && g.rule.as_deref() == Some("C-14-2-LOCKOUT"))
        .expect("gap");
    assert!(
        g.message.en.contains("account_management"),
        "{}",
        g.message.en
    );
    assert!(g.location.is_some());
    assert!(doers(&s, "C-14-2-LOCKOUT", "system/ehr").is_empty());
}

/// A small institution: one cloud EHR, a planning manager, no dedicated staff (pattern Ⅳ).
const BASE: &str = r#"apiVersion: kensa/v1
institution:
  id: t
  name: テスト診療所
  type: clinic
  online_eligibility: false
  dedicated_ops_staff: false
people:
  - { id: boss, name: 院長, roles: [executive, security_manager, planning_manager] }
systems:
  - id: ehr
    name: 電子カルテ
    category: ehr
    hosting: cloud_saas
    vendor: v1
    handles_medical_info: true
    authentication: { methods: [password], mfa: false, password_policy: { min_length: 8, lockout: false } }
vendors:
  - { id: v1, name: 事業者1, roles: [system_vendor] }
  - { id: v2, name: 事業者2, roles: [maintenance] }
  - { id: net, name: 回線事業者, roles: [carrier] }
networks:
  - { id: lan, kind: lan }
"#;

fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn a_contract_clause_by_group_or_by_requirement_gives_the_vendor_the_work() {
    let c = builtin();
    let s = split_str(
        &with(
            "contracts:\n  - { id: k1, vendor: v1, kind: cloud_service, systems: [ehr], undertakes: [account_management] }\n",
        ),
        &c,
    );
    assert_eq!(doers(&s, "C-14-2-LOCKOUT", "system/ehr"), ["vendor:v1"]);
    let s = split_str(
        &with(
            "contracts:\n  - { id: k1, vendor: v1, kind: cloud_service, systems: [ehr], requirements: [C-14-2-LOCKOUT] }\n",
        ),
        &c,
    );
    assert_eq!(doers(&s, "C-14-2-LOCKOUT", "system/ehr"), ["vendor:v1"]);
    // Without it, under pattern Ⅳ, nobody: the guideline expects the contract to cover it.
    let s = split_str(BASE, &c);
    assert!(doers(&s, "C-14-2-LOCKOUT", "system/ehr").is_empty());
    assert!(gaps(&s, "unassigned").contains(&("C-14-2-LOCKOUT".into(), "system/ehr".into())));
}

#[test]
fn a_contract_cannot_take_over_what_pattern_iv_does_not_let_it() {
    let c = builtin();
    // CL-2-4-AUTH (user authentication required) is not simplifiable.
    let s = split_str(
        &with(
            "contracts:\n  - { id: k1, vendor: v1, kind: cloud_service, systems: [ehr], requirements: [CL-2-4-AUTH] }\n",
        ),
        &c,
    );
    assert_eq!(
        doers(&s, "CL-2-4-AUTH", "system/ehr"),
        ["role:planning_manager"]
    );
    let g = s
        .gaps
        .iter()
        .find(|g| g.kind == "not_delegable")
        .expect("not delegable");
    assert_eq!(g.rule.as_deref(), Some("CL-2-4-AUTH"));
    assert_eq!(g.party.as_deref(), Some("vendor:v1"));
    assert_eq!(g.policy.as_deref(), Some("split.not-delegable"));
}

#[test]
fn unknown_requirements_overlaps_and_missing_disclosures_are_gaps() {
    let c = builtin();
    let s = split_str(
        &with(
            "contracts:
  - { id: k1, vendor: v1, kind: cloud_service, systems: [ehr], undertakes: [account_management], requirements: [NO-SUCH-RULE] }
  - { id: k2, vendor: v2, kind: maintenance, undertakes: [account_management] }
",
        ),
        &c,
    );
    let unknown = s
        .gaps
        .iter()
        .find(|g| g.kind == "unknown_requirement")
        .expect("unknown requirement");
    assert_eq!(unknown.rule.as_deref(), Some("NO-SUCH-RULE"));
    assert_eq!(unknown.entity.as_deref(), Some("contract/k1"));
    assert!(unknown.location.as_ref().is_some_and(|l| l.line > 1));
    assert!(gaps(&s, "overlap").contains(&("C-14-2-LOCKOUT".into(), "system/ehr".into())));
    let mut d = doers(&s, "C-14-2-LOCKOUT", "system/ehr");
    d.sort();
    assert_eq!(d, ["vendor:v1", "vendor:v2"]);
    // Neither vendor has an MDS/SDS on file: each delegation says so.
    let no: Vec<_> = s
        .gaps
        .iter()
        .filter(|g| g.kind == "no_disclosure" && g.rule.as_deref() == Some("C-14-2-LOCKOUT"))
        .filter_map(|g| g.party.clone())
        .collect();
    assert_eq!(no.len(), 2, "{no:?}");
    // With a disclosure received, no such gap for that vendor.
    let text = with("contracts:\n  - { id: k1, vendor: v1, kind: cloud_service, systems: [ehr], undertakes: [account_management] }\n")
        .replace(
            "  - { id: v1, name: 事業者1, roles: [system_vendor] }",
            "  - { id: v1, name: 事業者1, roles: [system_vendor], disclosure: { kind: sds, received_on: 2026-04-01 } }",
        );
    let s = split_str(&text, &c);
    assert!(gaps(&s, "no_disclosure").is_empty(), "{:?}", s.gaps);
}

#[test]
fn the_institution_s_roles_follow_the_volumes_and_the_pattern() {
    let c = builtin();
    // Pattern Ⅳ: management to the executive, planning to the planning manager.
    let s = split_str(BASE, &c);
    let management = s
        .rows
        .iter()
        .find(|r| r.rule.starts_with("G-"))
        .expect("a management row");
    assert_eq!(
        management
            .does
            .iter()
            .map(|a| a.party.as_str())
            .collect::<Vec<_>>(),
        ["role:executive"]
    );
    assert_eq!(management.does[0].basis, ["split.executive"]);
    let planning = s
        .rows
        .iter()
        .find(|r| r.rule.starts_with("M-"))
        .expect("a planning row");
    assert_eq!(planning.does[0].party, "role:planning_manager");
    assert_eq!(planning.does[0].basis, ["split.planning-manager"]);

    // Pattern Ⅰ (on-premise, dedicated staff) with an operator: technical items to the
    // system operator.
    let one = BASE
        .replace("dedicated_ops_staff: false", "dedicated_ops_staff: true")
        .replace("hosting: cloud_saas", "hosting: on_premise")
        .replace(
            "roles: [executive, security_manager, planning_manager] }",
            "roles: [executive, security_manager, planning_manager] }\n  - { id: ops, name: 運用, roles: [system_operator] }",
        );
    let s = split_str(&one, &c);
    assert_eq!(
        doers(&s, "CL-2-4-AUTH", "system/ehr"),
        ["role:system_operator"]
    );
    assert_eq!(
        basis(&s, "CL-2-4-AUTH", "system/ehr", "role:system_operator"),
        ["split.system-operator"]
    );
    // Without the operator on file, nobody: a role with no active holder does nothing.
    let unstaffed = one.replace(
        "roles: [system_operator]",
        "roles: [system_operator], status: left, left_on: 2026-01-31",
    );
    let s = split_str(&unstaffed, &c);
    assert!(doers(&s, "CL-2-4-AUTH", "system/ehr").is_empty());
    assert!(gaps(&s, "unassigned").contains(&("CL-2-4-AUTH".into(), "system/ehr".into())));

    // Pattern Ⅲ (on-premise, no staff): the planning manager reads as the person in charge.
    let three = BASE.replace("hosting: cloud_saas", "hosting: on_premise");
    let s = split_str(&three, &c);
    assert_eq!(
        doers(&s, "C-14-2-LOCKOUT", "system/ehr"),
        ["role:planning_manager"]
    );
    assert_eq!(
        basis(&s, "C-14-2-LOCKOUT", "system/ehr", "role:planning_manager"),
        ["split.planning-manager-as-operator"]
    );
}

#[test]
fn lines_follow_the_carrier_rules() {
    let c = builtin();
    let lines = "connections:
  - { id: closed, to: online_eligibility, line: closed_network, network: lan, carrier: net, managed_by: carrier }
  - { id: vpn-carrier, to: partner, line: internet_vpn, network: lan, carrier: net, managed_by: carrier }
  - { id: vpn-vendor, to: cloud_service, line: internet_vpn, network: lan, carrier: net, vendor: v1, managed_by: vendor, systems: [ehr] }
  - { id: vpn-self, to: partner, line: internet_vpn, network: lan, carrier: net, managed_by: institution }
";
    let s = split_str(&with(lines), &c);
    assert_eq!(
        doers(&s, LINE_FAILURE, "connection/closed"),
        ["carrier:net"]
    );
    assert_eq!(
        basis(&s, LINE_FAILURE, "connection/vpn-carrier", "carrier:net"),
        ["split.carrier-provided-vpn"]
    );
    assert_eq!(
        doers(&s, LINE_FAILURE, "connection/vpn-vendor"),
        ["vendor:v1"]
    );
    assert_eq!(
        basis(&s, LINE_FAILURE, "connection/vpn-vendor", "vendor:v1"),
        ["split.vendor-managed-line"]
    );
    // An internet VPN the institution runs: the carrier bears nothing; under pattern Ⅳ the
    // planning manager answers for it.
    assert_eq!(
        doers(&s, LINE_FAILURE, "connection/vpn-self"),
        ["role:planning_manager"]
    );
}

#[test]
fn vendor_obligations_fall_to_the_vendor_concerned() {
    let c = builtin();
    let s = split_str(
        &with("contracts:\n  - { id: k1, vendor: v1, kind: cloud_service, systems: [ehr] }\n"),
        &c,
    );
    let row = s
        .rows
        .iter()
        .find(|r| {
            r.entity == "contract/k1"
                && c.rule(&r.rule).is_some_and(|rule| {
                    matches!(
                        rule.responsible,
                        kensa_engine::catalogue::Responsible::Vendor
                    )
                })
        })
        .expect("a vendor obligation on the contract");
    assert_eq!(row.does[0].party, "vendor:v1");
    assert_eq!(row.does[0].basis, ["split.vendor-obligation"]);
}

#[test]
fn a_split_policy_that_cannot_be_evaluated_is_a_gap_never_silence() {
    let mut files: Vec<(&str, &str)> = BUILTIN.to_vec();
    let broken = r#"
@id("split.broken")
@basis("default")
@title_ja("壊れた規則") @title_en("a broken rule")
@source("test")
permit (principal is Party, action == Action::"does", resource)
when { context.rule == "CL-2-4-AUTH" && 9223372036854775807 + 1 > 0 };
"#;
    files.push(("custom/broken.cedar", broken));
    let c = Catalogue::from_texts(&files, true)
        .unwrap_or_else(|e| panic!("{:?}", e.iter().map(|e| &e.message.en).collect::<Vec<_>>()));
    let s = split_str(BASE, &c);
    let g = s
        .gaps
        .iter()
        .find(|g| g.kind == "could_not_evaluate")
        .expect("could not evaluate");
    assert_eq!(g.policy.as_deref(), Some("split.broken"));
    assert_eq!(g.rule.as_deref(), Some("CL-2-4-AUTH"));
}

#[test]
fn split_policies_need_their_annotations() {
    let mut files: Vec<(&str, &str)> = BUILTIN.to_vec();
    let bad = r#"
@id("split.bad")
@title_ja("題")
permit (principal is Party, action == Action::"does", resource);
"#;
    files.push(("custom/bad.cedar", bad));
    let errors = Catalogue::from_texts(&files, true).expect_err("missing annotations");
    let text: Vec<&str> = errors.iter().map(|e| e.message.en.as_str()).collect();
    assert!(text.iter().any(|m| m.contains("@basis")), "{text:?}");
    assert!(text.iter().any(|m| m.contains("@source")), "{text:?}");
}

#[test]
fn the_split_is_deterministic() {
    let c = builtin();
    let a = serde_json::to_string(&split_str(&clinic_text(), &c)).expect("json");
    let b = serde_json::to_string(&split_str(&clinic_text(), &c)).expect("json");
    assert_eq!(a, b);
}

/// Each bundled example shows the split `manifests/examples/README.md` describes: the
/// institution answers for every row, vendors do what their contracts undertake, and the
/// gaps are the ones listed there.
#[test]
fn each_example_shows_its_documented_split() {
    let c = builtin();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests/examples");
    let expected: [(&str, &[(&str, usize)]); 6] = [
        (
            "clinic-cloud-nostaff.yaml",
            &[("no_disclosure", 7), ("overlap", 3)],
        ),
        ("clinic-cloud-staff.yaml", &[("overlap", 9)]),
        (
            "dental-onprem-nostaff.yaml",
            &[("no_disclosure", 1), ("unassigned", 2)],
        ),
        (
            "hospital-onprem.yaml",
            &[("no_disclosure", 6), ("overlap", 2)],
        ),
        ("pharmacy.yaml", &[("unassigned", 2)]),
        ("hospital-mixed", &[("no_disclosure", 6), ("overlap", 7)]),
    ];
    for (name, kinds) in expected {
        let s = split_of(name, &load(&root.join(name), &Limits::default()), &c);
        let mut actual: std::collections::BTreeMap<&str, usize> = Default::default();
        for g in &s.gaps {
            *actual.entry(g.kind.as_str()).or_default() += 1;
        }
        let expected: std::collections::BTreeMap<&str, usize> = kinds.iter().copied().collect();
        assert_eq!(actual, expected, "{name}");
        assert!(
            s.rows
                .iter()
                .all(|r| r.accountable.iter().any(|a| a.party == "institution")),
            "{name}"
        );
        assert!(
            s.rows.iter().any(|r| r
                .does
                .iter()
                .any(|a| a.basis.contains(&"split.contract".to_string()))),
            "{name}: a vendor does something under a contract"
        );
        assert!(
            s.rows
                .iter()
                .any(|r| r.rule == LINE_FAILURE && !r.does.is_empty()),
            "{name}: a line has its demarcation"
        );
    }
}

#[test]
fn committed_split_schema_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(kensa_engine::split::SPLIT_SCHEMA_PATH);
    let text = kensa_engine::split::split_schema_text();
    if std::env::var_os("KENSA_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "schemas/split.v1.schema.json is stale: run KENSA_UPDATE_SCHEMA=1 cargo test -p kensa-engine --test split committed_split_schema_is_fresh"
    );
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    assert_eq!(schema["title"], "Split");
}
