//! The compliance diff of two manifests: entities, findings, responsibility and pattern
//! compared by id, never by line.

use chrono::NaiveDate;
use kensa_engine::diff::{DIFF_VERSION, Gone, ManifestDiff, Side, diff};
use kensa_engine::split::{Split, split};
use kensa_engine::{Catalogue, Options, Report, Severity, Status, check};
use kensa_manifest::{Limits, Loaded, load_str};
use serde_json::json;

/// After the FY2027 two-factor deadline (2027-04-01), so a missing 2FA is violated.
fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 5, 1).expect("date")
}

struct Checked {
    loaded: Loaded,
    report: Report,
    split: Split,
}

fn checked(file: &str, text: &str, c: &Catalogue) -> Checked {
    let loaded = load_str(file, text, &Limits::default());
    let m = loaded.manifest.as_ref().unwrap_or_else(|| {
        panic!(
            "{file}: {:?}",
            loaded
                .problems
                .iter()
                .map(|p| &p.message.en)
                .collect::<Vec<_>>()
        )
    });
    assert!(loaded.problems.is_empty(), "{file}");
    let options = Options {
        as_of: as_of(),
        manifest_label: file.into(),
        threads: 0,
    };
    let report = check(m, &loaded.sources, c, &options).expect("check");
    let split = split(m, &loaded.sources, c, &report).expect("split");
    Checked {
        loaded,
        report,
        split,
    }
}

fn side<'a>(label: &str, c: &'a Checked) -> Side<'a> {
    Side {
        label: label.into(),
        manifest: c.loaded.manifest.as_ref().expect("manifest"),
        sources: &c.loaded.sources,
        report: &c.report,
        split: &c.split,
    }
}

fn diff_texts(old: &str, new: &str) -> ManifestDiff {
    let c = builtin();
    let o = checked("old.yaml", old, &c);
    let n = checked("new.yaml", new, &c);
    diff(&side("old", &o), &side("new", &n))
}

/// The 1-based line that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> u32 {
    let i = text
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix}"));
    u32::try_from(i + 1).expect("line")
}

fn builtin() -> Catalogue {
    Catalogue::builtin().expect("catalogue")
}

/// A small clinic: one on-premise EHR with passwords, two-factor authentication, a long
/// password and lock-out; one terminal PC.
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
    hosting: on_premise
    vendor: v1
    handles_medical_info: true
    information: [診療録, 処方]
    authentication:
      methods: [password]
      mfa: true
      password_policy: { min_length: 13, lockout: true }
assets:
  - id: pc-1
    name: 受付PC
    kind: terminal_pc
    systems: [ehr]
    networks: [lan]
vendors:
  - { id: v1, name: 事業者1, roles: [system_vendor] }
networks:
  - { id: lan, kind: lan }
"#;

fn mfa_off() -> String {
    BASE.replace("      mfa: true\n", "      mfa: false\n")
}

#[test]
fn turning_off_two_factor_authentication_is_one_new_violation() {
    let d = diff_texts(BASE, &mfa_off());
    assert_eq!(d.version, DIFF_VERSION);
    assert_eq!((d.old.label.as_str(), d.new.label.as_str()), ("old", "new"));
    let new: Vec<(&str, &str)> = d
        .findings
        .new
        .iter()
        .map(|f| (f.rule.as_str(), f.entity.as_str()))
        .collect();
    assert_eq!(new, [("CL-R7-MFA", "system/ehr")], "{:#?}", d.findings.new);
    let f = &d.findings.new[0];
    assert_eq!(f.status, Status::Violated);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.was, Some(Status::Satisfied));
    assert!(f.fix.is_some());
    let loc = f.location.as_ref().expect("location");
    assert_eq!(&*loc.file, "new.yaml");
    assert_eq!(loc.line, 11, "the system's entry");
    assert!(d.findings.resolved.is_empty(), "{:#?}", d.findings.resolved);
    assert!(d.findings.could_not_evaluate.is_empty());

    // The entity: one field, and a text diff that shows it.
    assert!(d.entities.added.is_empty() && d.entities.removed.is_empty());
    assert_eq!(d.entities.changed.len(), 1);
    let e = &d.entities.changed[0];
    assert_eq!((e.key.as_str(), e.kind.as_str()), ("system/ehr", "system"));
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(11));
    assert_eq!(e.fields.len(), 1, "{:#?}", e.fields);
    assert_eq!(e.fields[0].path, "authentication.mfa");
    assert_eq!(e.fields[0].old, Some(json!(true)));
    assert_eq!(e.fields[0].new, Some(json!(false)));
    let lines: Vec<&str> = e.text_diff.lines().collect();
    assert!(lines.contains(&"--- old system/ehr"), "{}", e.text_diff);
    assert!(lines.contains(&"+++ new system/ehr"), "{}", e.text_diff);
    assert!(lines.contains(&"-  mfa: true"), "{}", e.text_diff);
    assert!(lines.contains(&"+  mfa: false"), "{}", e.text_diff);
    // Two lines of context around the one change, and nothing else.
    let body: Vec<&&str> = lines
        .iter()
        .filter(|l| !l.starts_with("---") && !l.starts_with("+++") && !l.starts_with("@@"))
        .collect();
    assert_eq!(body.len(), 6, "{}", e.text_diff);
    assert!(d.pattern.is_none() && d.system_patterns.is_empty());
    assert_eq!(
        d.findings.still_violated,
        d.new.summary.violated - 1,
        "every other violation is still there"
    );
    assert_eq!(d.new.summary.violated, d.old.summary.violated + 1);

    // The other way round: the violation is resolved, and nothing is new.
    let back = diff_texts(&mfa_off(), BASE);
    assert!(back.findings.new.is_empty());
    assert_eq!(back.findings.resolved.len(), 1);
    assert_eq!(back.findings.resolved[0].rule, "CL-R7-MFA");
    assert_eq!(back.findings.resolved[0].now, Some(Status::Satisfied));
}

#[test]
fn introduces_respects_the_threshold() {
    let d = diff_texts(BASE, &mfa_off());
    assert!(d.introduces(Some(Severity::Critical)));
    assert!(d.introduces(Some(Severity::Low)));
    assert!(!d.introduces(None), "no threshold: nothing fails");
    let back = diff_texts(&mfa_off(), BASE);
    assert!(
        !back.introduces(Some(Severity::Low)),
        "a fix introduces nothing"
    );

    // A new violation below the threshold does not fail it.
    let mut low = d.clone();
    low.findings.new[0].severity = Severity::Medium;
    assert!(!low.introduces(Some(Severity::Critical)));
    assert!(!low.introduces(Some(Severity::High)));
    assert!(low.introduces(Some(Severity::Medium)));
    assert!(low.introduces(Some(Severity::Low)));

    // A pair that newly could not be evaluated fails at any threshold.
    let mut unknown = back.clone();
    let change = kensa_engine::diff::StatusChange {
        rule: "X-1".into(),
        entity: "system/ehr".into(),
        severity: Severity::Low,
        title: kensa_manifest::Text::new("x", "x"),
        old: Some(Status::Satisfied),
        new: Status::CouldNotEvaluate,
        location: None,
        detail: None,
    };
    unknown.findings.could_not_evaluate.push(change);
    assert!(unknown.introduces(Some(Severity::Critical)));
    assert!(!unknown.introduces(None));
}

#[test]
fn an_added_asset_is_added_with_its_new_findings() {
    let new = BASE.replace(
        "vendors:\n",
        "  - id: pc-2
    name: 診察室PC
    kind: terminal_pc
    systems: [ehr]
    networks: [lan]
vendors:\n",
    );
    let d = diff_texts(BASE, &new);
    let added: Vec<(&str, &str)> = d
        .entities
        .added
        .iter()
        .map(|e| (e.key.as_str(), e.kind.as_str()))
        .collect();
    assert_eq!(added, [("asset/pc-2", "asset")]);
    let loc = d.entities.added[0].location.as_ref().expect("location");
    assert_eq!(
        (&*loc.file, loc.line),
        ("new.yaml", line_of(&new, "  - id: pc-2"))
    );
    assert!(d.entities.removed.is_empty());
    assert!(d.entities.changed.is_empty(), "{:#?}", d.entities.changed);
    // The new PC's gaps are new violations of pc-2, never of pc-1.
    let pc1: Vec<&str> = d
        .findings
        .new
        .iter()
        .filter(|f| f.entity == "asset/pc-1")
        .map(|f| f.rule.as_str())
        .collect();
    assert!(pc1.is_empty(), "pc-1 did not change: {pc1:?}");
    let pc2: Vec<&str> = d
        .findings
        .new
        .iter()
        .filter(|f| f.entity == "asset/pc-2")
        .map(|f| f.rule.as_str())
        .collect();
    assert!(!pc2.is_empty(), "{:#?}", d.findings.new);
    assert!(d.findings.new.iter().all(|f| f.was.is_none()));
    // Rows of an added entity are not responsibility moves.
    assert!(
        d.responsibility.iter().all(|m| m.entity != "asset/pc-2"),
        "{:#?}",
        d.responsibility
    );
}

#[test]
fn a_removed_entity_is_removed_and_its_violations_resolved_with_no_status_now() {
    let old = BASE.replace(
        "vendors:\n",
        "  - id: pc-2
    name: 診察室PC
    kind: terminal_pc
    systems: [ehr]
    networks: [lan]
vendors:\n",
    );
    let d = diff_texts(&old, BASE);
    assert_eq!(d.entities.removed.len(), 1);
    let r = &d.entities.removed[0];
    assert_eq!((r.key.as_str(), r.kind.as_str()), ("asset/pc-2", "asset"));
    assert_eq!(
        r.location.as_ref().map(|l| (&*l.file, l.line)),
        Some(("old.yaml", line_of(&old, "  - id: pc-2"))),
        "located in the old manifest"
    );
    let gone: Vec<_> = d
        .findings
        .resolved
        .iter()
        .filter(|f| f.entity == "asset/pc-2")
        .collect();
    assert!(!gone.is_empty());
    assert!(gone.iter().all(|f| f.now.is_none()), "{gone:#?}");
    assert!(
        gone.iter().all(|f| f.gone == Some(Gone::EntityRemoved)),
        "the diff says why: the entity was removed: {gone:#?}"
    );
    assert!(
        gone.iter()
            .all(|f| f.location.as_ref().is_some_and(|l| &*l.file == "old.yaml"))
    );
    assert!(d.findings.new.is_empty(), "{:#?}", d.findings.new);
    assert!(!d.introduces(Some(Severity::Low)));
}

#[test]
fn moving_entries_around_changes_nothing() {
    // The same manifest with sections, list entries and keys in another order.
    let moved = r#"apiVersion: kensa/v1
networks:
  - { kind: lan, id: lan }
vendors:
  - { id: v1, name: 事業者1, roles: [system_vendor] }
assets:
  - id: pc-1
    networks: [lan]
    systems: [ehr]
    kind: terminal_pc
    name: 受付PC
systems:
  - id: ehr
    authentication:
      password_policy: { lockout: true, min_length: 13 }
      mfa: true
      methods: [password]
    handles_medical_info: true
    information: [診療録, 処方]
    vendor: v1
    hosting: on_premise
    category: ehr
    name: 電子カルテ
people:
  - { id: boss, name: 院長, roles: [executive, security_manager, planning_manager] }
institution:
  id: t
  name: テスト診療所
  type: clinic
  online_eligibility: false
  dedicated_ops_staff: false
"#;
    let d = diff_texts(BASE, moved);
    assert!(d.is_empty(), "{d:#?}");
    assert!(d.findings.new.is_empty() && d.findings.resolved.is_empty());
    assert!(d.findings.changed.is_empty());
    assert_eq!(d.findings.unchanged, d.new.summary.total());
    assert_eq!(d.old.summary, d.new.summary);
    assert!(d.responsibility.is_empty(), "{:#?}", d.responsibility);
}

#[test]
fn list_changes_are_named_by_index_and_an_insertion_is_one_change() {
    let new = BASE.replace(
        "information: [診療録, 処方]",
        "information: [診療録, 画像, 処方]",
    );
    let d = diff_texts(BASE, &new);
    assert_eq!(d.entities.changed.len(), 1);
    let fields = &d.entities.changed[0].fields;
    assert_eq!(fields.len(), 1, "{fields:#?}");
    assert_eq!(fields[0].path, "information[1]");
    assert_eq!(fields[0].old, None);
    assert_eq!(fields[0].new, Some(json!("画像")));
    // A removal is named by the old index.
    let d = diff_texts(&new, BASE);
    let fields = &d.entities.changed[0].fields;
    assert_eq!(fields.len(), 1, "{fields:#?}");
    assert_eq!(fields[0].path, "information[1]");
    assert_eq!(fields[0].old, Some(json!("画像")));
    assert_eq!(fields[0].new, None);
    // A value that appears is a change with no old value.
    let notes = BASE.replace(
        "    handles_medical_info: true\n",
        "    handles_medical_info: true\n    notes: \"yes: really\"\n",
    );
    let d = diff_texts(BASE, &notes);
    let e = &d.entities.changed[0];
    assert_eq!(e.fields.len(), 1);
    assert_eq!(e.fields[0].path, "notes");
    assert_eq!(e.fields[0].old, None);
    assert!(
        e.text_diff.lines().any(|l| l == "+notes: \"yes: really\""),
        "strings that would read as something else are quoted: {}",
        e.text_diff
    );
}

/// Pattern Ⅱ: a cloud EHR and a dedicated system operator, who does the technical items
/// unless a contract takes them over.
fn pattern_ii() -> String {
    BASE.replace("dedicated_ops_staff: false", "dedicated_ops_staff: true")
        .replace("hosting: on_premise", "hosting: cloud_saas")
        .replace(
            "roles: [executive, security_manager, planning_manager] }",
            "roles: [executive, security_manager, planning_manager] }\n  - { id: ops, name: 運用, roles: [system_operator] }",
        )
}

#[test]
fn a_contract_that_undertakes_a_group_moves_the_responsibility_to_the_vendor() {
    let old = pattern_ii();
    let new = format!(
        "{old}contracts:\n  - {{ id: k1, vendor: v1, kind: cloud_service, systems: [ehr], undertakes: [evidence] }}\n"
    );
    let d = diff_texts(&old, &new);
    assert_eq!(
        d.entities
            .added
            .iter()
            .map(|e| e.key.as_str())
            .collect::<Vec<_>>(),
        ["contract/k1"]
    );
    let moves: Vec<_> = d
        .responsibility
        .iter()
        .filter(|m| m.entity == "system/ehr" && m.does.new.contains(&"vendor:v1".to_string()))
        .collect();
    assert!(!moves.is_empty(), "{:#?}", d.responsibility);
    for m in &moves {
        assert!(!m.newly_applies, "{m:#?}");
        assert!(
            !m.does.old.is_empty() && m.does.old.iter().all(|p| p.starts_with("role:")),
            "from one of the institution's roles: {m:#?}"
        );
        assert_eq!(m.does.new, ["vendor:v1"], "{m:#?}");
        assert!(m.does.moved());
        assert_eq!(
            m.accountable.old, m.accountable.new,
            "the institution still answers"
        );
        assert_eq!(m.accountable.new, ["institution"]);
    }
    // The vendor is now contracted: requirements on it apply that did not before, and
    // say who does them.
    let vendor: Vec<_> = d
        .responsibility
        .iter()
        .filter(|m| m.entity == "vendor/v1")
        .collect();
    assert!(!vendor.is_empty(), "{:#?}", d.responsibility);
    for m in vendor {
        assert!(m.newly_applies && m.does.old.is_empty() && m.accountable.old.is_empty());
        assert_eq!(m.accountable.new, ["institution"]);
    }
    // The parties are named.
    assert_eq!(
        d.parties.get("vendor:v1").map(|t| t.ja.as_str()),
        Some("事業者1")
    );
    assert!(d.parties.contains_key("role:system_operator"));
    // Sorted by requirement, then entity.
    let keys: Vec<(&str, &str)> = d
        .responsibility
        .iter()
        .map(|m| (m.rule.as_str(), m.entity.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    // The delegated findings change status; none of them is a new violation (the new
    // contract has findings of its own).
    assert!(
        d.findings.new.iter().all(|f| f.entity != "system/ehr"),
        "{:#?}",
        d.findings.new
    );
    assert!(
        d.findings
            .changed
            .iter()
            .any(|c| c.entity == "system/ehr" && c.new == Status::Delegated)
            || d.findings
                .resolved
                .iter()
                .any(|r| r.entity == "system/ehr" && r.now == Some(Status::Delegated)),
        "{:#?}",
        d.findings
    );
}

#[test]
fn a_hosting_change_moves_the_pattern() {
    let new = BASE.replace("hosting: on_premise", "hosting: cloud_saas");
    let d = diff_texts(BASE, &new);
    let p = d.pattern.as_ref().expect("pattern change");
    assert_eq!(
        (p.old, p.new),
        (kensa_engine::Pattern::III, kensa_engine::Pattern::IV)
    );
    assert_ne!(p.old_explanation, p.new_explanation);
    assert_eq!((d.old.pattern, d.new.pattern), (p.old, p.new));
    assert_eq!(d.system_patterns.len(), 1);
    let s = &d.system_patterns[0];
    assert_eq!(s.system, "ehr");
    assert_eq!(
        (s.old_hosting.as_str(), s.new_hosting.as_str()),
        ("on_premise", "cloud_saas")
    );
    let e = &d.entities.changed[0];
    assert_eq!(e.key, "system/ehr");
    assert_eq!(e.fields[0].path, "hosting");
    assert_eq!(e.fields[0].new, Some(json!("cloud_saas")));
}

#[test]
fn documents_and_grants_are_entities_of_their_own() {
    let old = format!(
        "{BASE}roles:\n  - {{ id: dr, name: 医師 }}\naccess_matrix:\n  - {{ role: dr, system: ehr, permission: read }}\ndocuments:\n  security_policy: {{ reviewed_on: 2026-04-01 }}\n"
    );
    let new = old
        .replace("permission: read", "permission: write")
        .replace(
            "  security_policy: { reviewed_on: 2026-04-01 }\n",
            "  security_policy: { reviewed_on: 2026-04-01 }\n  bcp: { reviewed_on: 2026-04-01, covers_cyber_attack: true }\n",
        );
    let d = diff_texts(&old, &new);
    let changed: Vec<&str> = d.entities.changed.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(changed, ["access_grant/dr@ehr"]);
    assert_eq!(d.entities.changed[0].fields[0].path, "permission");
    let added: Vec<&str> = d.entities.added.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(added, ["document/bcp"]);
    let bcp = d.entities.added[0].location.as_ref().expect("location");
    assert_eq!(bcp.line, line_of(&new, "  bcp:"), "the document's own line");
    assert_eq!(bcp.column, 3);
}

#[test]
fn the_diff_is_deterministic_and_round_trips() {
    let new = format!(
        "{}contracts:\n  - {{ id: k1, vendor: v1, kind: cloud_service, systems: [ehr], undertakes: [account_management] }}\n",
        mfa_off().replace("hosting: on_premise", "hosting: cloud_saas")
    );
    let a = serde_json::to_string_pretty(&diff_texts(BASE, &new)).expect("json");
    let b = serde_json::to_string_pretty(&diff_texts(BASE, &new)).expect("json");
    assert_eq!(a, b);
    let back: ManifestDiff = serde_json::from_str(&a).expect("parse");
    assert_eq!(back, diff_texts(BASE, &new));
    let v: serde_json::Value = serde_json::from_str(&a).expect("value");
    assert_eq!(v["version"], DIFF_VERSION);
    assert!(
        v["findings"]["new"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
}

#[test]
fn the_schema_describes_the_diff() {
    let text = kensa_engine::diff::diff_schema_text();
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    assert_eq!(schema["title"], "ManifestDiff");
    for key in ["entities", "findings", "old", "new", "version"] {
        assert!(
            schema["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == key)),
            "{key}"
        );
    }
}

/// The committed `schemas/diff.v1.schema.json` is what the types generate;
/// `KENSA_UPDATE_SCHEMA=1` rewrites it.
#[test]
fn committed_diff_schema_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(kensa_engine::diff::DIFF_SCHEMA_PATH);
    let text = kensa_engine::diff::diff_schema_text();
    if std::env::var_os("KENSA_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "schemas/diff.v1.schema.json is stale: run KENSA_UPDATE_SCHEMA=1 cargo test -p kensa-engine --test diff committed_diff_schema_is_fresh"
    );
}

#[test]
fn a_document_written_in_flow_style_is_found_on_its_own_line() {
    let old = format!("{BASE}documents: {{ security_policy: {{ reviewed_on: 2026-04-01 }} }}\n");
    let new = format!(
        "{BASE}documents: {{ security_policy: {{ reviewed_on: 2026-04-01 }}, bcp: {{ reviewed_on: 2026-04-01, covers_cyber_attack: true }} }}\n"
    );
    let d = diff_texts(&old, &new);
    assert_eq!(d.entities.added.len(), 1);
    let loc = d.entities.added[0].location.as_ref().expect("location");
    let line = new.lines().last().expect("line");
    assert_eq!(loc.line, line_of(&new, "documents:"));
    assert_eq!(
        loc.column as usize,
        line[..line.find("bcp:").expect("bcp")].chars().count() + 1
    );
}

#[test]
fn every_example_compared_with_itself_changes_nothing() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests/examples");
    let c = builtin();
    let mut seen = 0;
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .expect("examples")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    for path in names {
        let loaded = kensa_manifest::load(&path, &Limits::default());
        let m = loaded.manifest.as_ref().expect("example manifest");
        let options = Options {
            as_of: as_of(),
            manifest_label: path.display().to_string(),
            threads: 0,
        };
        let report = check(m, &loaded.sources, &c, &options).expect("check");
        let s = split(m, &loaded.sources, &c, &report).expect("split");
        let side = Side {
            label: "a".into(),
            manifest: m,
            sources: &loaded.sources,
            report: &report,
            split: &s,
        };
        let d = diff(&side, &side);
        assert!(d.is_empty(), "{}: {d:#?}", path.display());
        assert_eq!(d.findings.unchanged, report.findings.len());
        assert_eq!(d.findings.still_violated, report.summary.violated);
        seen += 1;
    }
    assert!(seen >= 5, "{seen}");
}

#[test]
fn a_pair_that_can_no_longer_be_evaluated_is_reported_and_fails() {
    let c = builtin();
    let old = checked("old.yaml", BASE, &c);
    let mut report = old.report.clone();
    let satisfied = report
        .findings
        .iter()
        .position(|f| f.status == Status::Satisfied && f.severity == Severity::Low)
        .or_else(|| {
            report
                .findings
                .iter()
                .position(|f| f.status == Status::Satisfied)
        })
        .expect("a satisfied finding");
    let violated = report
        .findings
        .iter()
        .position(|f| f.status == Status::Violated)
        .expect("a violated finding");
    report.findings[satisfied].status = Status::CouldNotEvaluate;
    report.findings[violated].status = Status::CouldNotEvaluate;
    let (s_rule, s_entity) = (
        report.findings[satisfied].rule.clone(),
        report.findings[satisfied].entity.clone(),
    );
    let v_rule = report.findings[violated].rule.clone();
    let new = Side {
        report: &report,
        ..side("new", &old)
    };
    let d = diff(&side("old", &old), &new);
    let cne: Vec<(&str, Option<Status>)> = d
        .findings
        .could_not_evaluate
        .iter()
        .map(|c| (c.rule.as_str(), c.old))
        .collect();
    assert_eq!(cne.len(), 2, "{cne:?}");
    assert!(cne.contains(&(s_rule.as_str(), Some(Status::Satisfied))));
    assert!(cne.contains(&(v_rule.as_str(), Some(Status::Violated))));
    assert_eq!(d.findings.changed.len(), 1);
    assert_eq!(
        (
            d.findings.changed[0].rule.as_str(),
            d.findings.changed[0].entity.as_str()
        ),
        (s_rule.as_str(), s_entity.as_str())
    );
    assert_eq!(d.findings.resolved.len(), 1);
    assert_eq!(d.findings.resolved[0].now, Some(Status::CouldNotEvaluate));
    assert!(d.findings.new.is_empty());
    assert!(d.introduces(Some(Severity::Critical)), "never a pass");
    assert!(!d.introduces(None));
}

/// A violation without a finding on the new side says why: its rule left the catalogue
/// (no finding of it at all), or it is no longer evaluated for an entity that is still
/// there.
#[test]
fn a_resolved_violation_without_a_status_says_why() {
    let c = builtin();
    let old = checked("old.yaml", &mfa_off(), &c);
    let rule = "CL-R7-MFA";
    assert!(
        old.report
            .findings
            .iter()
            .any(|f| f.rule == rule && f.entity == "system/ehr" && f.status == Status::Violated)
    );
    let mut without_rule = old.report.clone();
    without_rule.findings.retain(|f| f.rule != rule);
    let new = Side {
        report: &without_rule,
        ..side("new", &old)
    };
    let d = diff(&side("old", &old), &new);
    assert_eq!(d.findings.resolved.len(), 1, "{:#?}", d.findings.resolved);
    let r = &d.findings.resolved[0];
    assert_eq!(
        (r.rule.as_str(), r.now, r.gone),
        (rule, None, Some(Gone::RuleRemoved))
    );

    // The rule is still there for another entity, and the entity for other rules.
    let mut without_pair = old.report.clone();
    let other = without_pair
        .findings
        .iter()
        .find(|f| f.rule != rule && f.entity == "system/ehr")
        .cloned()
        .expect("another rule on the EHR");
    let mut elsewhere = other.clone();
    elsewhere.rule = rule.to_string();
    elsewhere.entity = "system/other".to_string();
    without_pair
        .findings
        .retain(|f| !(f.rule == rule && f.entity == "system/ehr"));
    without_pair.findings.push(elsewhere);
    let new = Side {
        report: &without_pair,
        ..side("new", &old)
    };
    let d = diff(&side("old", &old), &new);
    let r = d
        .findings
        .resolved
        .iter()
        .find(|r| r.rule == rule)
        .expect("resolved");
    assert_eq!((r.now, r.gone), (None, Some(Gone::NotEvaluated)));
    // A status now needs no reason.
    let back = diff_texts(&mfa_off(), BASE);
    assert!(back.findings.resolved.iter().all(|r| r.gone.is_none()));
}

/// Responsibility is reported both ways: a requirement that starts to apply to an entity
/// when two-factor authentication is turned off (lock-out, for a password-only system)
/// stops applying when it is turned back on, with the same parties.
#[test]
fn a_requirement_that_stops_applying_is_reported_like_one_that_starts() {
    let on = diff_texts(BASE, &mfa_off());
    let off = diff_texts(&mfa_off(), BASE);
    let starts: Vec<_> = on
        .responsibility
        .iter()
        .filter(|m| m.newly_applies)
        .collect();
    assert!(!starts.is_empty(), "{:#?}", on.responsibility);
    let stops: Vec<_> = off
        .responsibility
        .iter()
        .filter(|m| m.no_longer_applies)
        .collect();
    assert_eq!(
        starts
            .iter()
            .map(|m| (&m.rule, &m.entity))
            .collect::<Vec<_>>(),
        stops
            .iter()
            .map(|m| (&m.rule, &m.entity))
            .collect::<Vec<_>>(),
        "every requirement that starts one way stops the other way"
    );
    for (a, b) in starts.iter().zip(&stops) {
        assert!(!a.no_longer_applies && !b.newly_applies);
        assert_eq!(a.does.new, b.does.old);
        assert_eq!(a.accountable.new, b.accountable.old);
        assert!(b.does.new.is_empty() && b.accountable.new.is_empty());
        assert!(!b.new_gap, "a requirement that no longer applies is no gap");
        // Located in the new manifest, where the entity still is.
        assert_eq!(
            b.location.as_ref().map(|l| &*l.file),
            Some("new.yaml"),
            "{b:#?}"
        );
    }
    assert!(
        off.responsibility
            .iter()
            .any(|m| m.rule == "C-14-2-LOCKOUT" && m.entity == "system/ehr"),
        "{:#?}",
        off.responsibility
    );
    // A removed entity's rows are not repeated: the entity list says it is removed.
    let with_pc2 = BASE.replace(
        "vendors:\n",
        "  - { id: pc-2, name: 診察室PC, kind: terminal_pc, systems: [ehr], networks: [lan] }\nvendors:\n",
    );
    let removed = diff_texts(&with_pc2, BASE);
    assert_eq!(removed.entities.removed.len(), 1);
    assert!(
        removed
            .responsibility
            .iter()
            .all(|m| m.entity != "asset/pc-2"),
        "{:#?}",
        removed.responsibility
    );
}

/// A requirement left with nobody doing it is a new gap: moving the EHR to the cloud
/// (pattern IV, no contract) takes the lock-out away from the planning manager, and no
/// vendor undertakes it.
#[test]
fn a_move_to_nobody_is_a_new_gap_with_what_to_do() {
    let old = mfa_off();
    let new = old.replace("hosting: on_premise", "hosting: cloud_saas");
    let d = diff_texts(&old, &new);
    let gaps: Vec<_> = d.responsibility.iter().filter(|m| m.new_gap).collect();
    assert!(!gaps.is_empty(), "{:#?}", d.responsibility);
    assert_eq!(d.new_gaps(), gaps.len());
    let m = gaps
        .iter()
        .find(|m| m.rule == "C-14-2-LOCKOUT" && m.entity == "system/ehr")
        .expect("lock-out on the EHR");
    assert!(!m.does.old.is_empty() && m.does.new.is_empty(), "{m:#?}");
    assert!(!m.newly_applies && !m.no_longer_applies);
    let fix = m.fix.as_ref().expect("what to do");
    assert!(fix.en.contains("contract"), "{fix:?}");
    for g in &gaps {
        assert!(g.does.new.is_empty() && g.fix.is_some(), "{g:#?}");
    }
    // Moves that keep a doer are no gaps; back on premises, the gap closes.
    assert!(
        d.responsibility
            .iter()
            .filter(|m| !m.does.new.is_empty())
            .all(|m| !m.new_gap)
    );
    let back = diff_texts(&new, &old);
    assert_eq!(back.new_gaps(), 0, "{:#?}", back.responsibility);
    assert!(
        back.responsibility
            .iter()
            .any(|m| m.rule == "C-14-2-LOCKOUT" && m.does.old.is_empty() && !m.does.new.is_empty())
    );
}
