//! Engine behaviour with small custom catalogues: every status, exceptions, time,
//! delegation, patterns, and "could not evaluate" never counted as compliant.

use chrono::NaiveDate;
use kensa_engine::report::Status;
use kensa_engine::{Catalogue, Options, Pattern, ProblemKind, Report, check};
use kensa_manifest::{Limits, load_str};

fn rule(id: &str, ty: &str, extra: &str, violates: &str, applies: &str) -> String {
    format!(
        r#"
/// doc
///
/// ```yaml
/// x: 1
/// ```
@id("{id}")
@title_ja("題") @title_en("title")
@severity("high") @volume("custom") @source("s") @reference("r") @url("https://example.invalid/")
@patterns("I,II,III,IV") @delegable("") @responsible("institution") @effective("2024-01-01")
@editions("") @evidence("automated") @scope("x")
@applies_to_ja("対象") @applies_to_en("target")
@fix_ja("直す") @fix_en("fix")
{extra}
forbid (principal, action == Action::"violates", resource is {ty}) when {{ {violates} }};
@id("{id}.applies")
permit (principal, action == Action::"applies", resource is {ty}) when {{ {applies} }};
"#
    )
}

fn catalogue(rules: &[String]) -> Catalogue {
    let text = rules.join("\n");
    Catalogue::from_texts(&[("custom.cedar", text.as_str())], false)
        .unwrap_or_else(|e| panic!("{:?}", e.iter().map(|e| &e.message.en).collect::<Vec<_>>()))
}

const BASE: &str = r#"apiVersion: kensa/v1
institution:
  id: t
  name: テスト
  type: clinic
  online_eligibility: false
  dedicated_ops_staff: false
people:
  - { id: boss, name: 院長, roles: [executive, security_manager] }
  - { id: gone, name: 退職者, status: left, left_on: 2025-03-31 }
systems:
  - { id: emr, name: 電子カルテ, category: ehr, hosting: on_premise, handles_medical_info: true }
  - { id: web, name: 予約, category: reservation, hosting: cloud_saas, handles_medical_info: false }
assets:
  - { id: srv-1, name: サーバ, kind: server, systems: [emr] }
  - { id: pc-1, name: PC, kind: terminal_pc, systems: [emr] }
accounts:
  - { id: a-boss, holder: boss, systems: [emr] }
  - { id: a-gone, holder: gone, systems: [emr] }
"#;

fn run(manifest: &str, c: &Catalogue, as_of: &str) -> Report {
    let loaded = load_str("m.yaml", manifest, &Limits::default());
    let m = loaded.manifest.unwrap_or_else(|| {
        panic!(
            "{:?}",
            loaded
                .problems
                .iter()
                .map(|p| &p.message.en)
                .collect::<Vec<_>>()
        )
    });
    assert!(loaded.problems.is_empty());
    check(
        &m,
        &loaded.sources,
        c,
        &Options {
            as_of: NaiveDate::parse_from_str(as_of, "%Y-%m-%d").expect("date"),
            manifest_label: "m.yaml".into(),
            threads: 0,
        },
    )
    .expect("check")
}

fn status(r: &Report, rule: &str, entity: &str) -> Status {
    r.findings
        .iter()
        .find(|f| f.rule == rule && f.entity == entity)
        .unwrap_or_else(|| panic!("no finding {rule} {entity}"))
        .status
}

#[test]
fn violated_satisfied_and_not_applicable_are_told_apart() {
    let c = catalogue(&[rule(
        "T-LEAVER",
        "Account",
        "",
        r#"resource.holder_status == "left""#,
        "true",
    )]);
    let r = run(BASE, &c, "2026-11-21");
    assert_eq!(status(&r, "T-LEAVER", "account/a-gone"), Status::Violated);
    assert_eq!(status(&r, "T-LEAVER", "account/a-boss"), Status::Satisfied);
    assert_eq!(r.summary.violated, 1);
    assert_eq!(r.summary.satisfied, 1);
    let c = catalogue(&[rule(
        "T-SRV",
        "Asset",
        "",
        "!resource.access_log_enabled",
        r#"resource.kind == "server""#,
    )]);
    let r = run(BASE, &c, "2026-11-21");
    assert_eq!(status(&r, "T-SRV", "asset/srv-1"), Status::Violated);
    let na = r
        .findings
        .iter()
        .find(|f| f.entity == "asset/pc-1")
        .expect("pc-1");
    assert_eq!(na.status, Status::NotApplicable);
    assert_eq!(
        na.detail.as_ref().map(|d| d.en.as_str()),
        Some("applies to target")
    );
    // The finding points at the manifest entry.
    let loc = r
        .findings
        .iter()
        .find(|f| f.entity == "asset/srv-1")
        .and_then(|f| f.location.clone())
        .expect("location");
    assert_eq!((&*loc.file, loc.line), ("m.yaml", 15));
}

#[test]
fn an_evaluation_error_is_could_not_evaluate_never_compliant() {
    // Strictly valid, but overflows at run time for any clinic: Cedar skips such a forbid
    // and would allow; the engine must report it.
    let c = catalogue(&[rule(
        "T-OVERFLOW",
        "Institution",
        "",
        "resource.system_count * 9223372036854775807 > 0",
        "true",
    )]);
    let r = run(BASE, &c, "2026-11-21");
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "T-OVERFLOW")
        .expect("finding");
    assert_eq!(f.status, Status::CouldNotEvaluate);
    assert!(f.detail.as_ref().is_some_and(|d| d.en.contains("overflow")));
    assert_eq!(r.summary.could_not_evaluate, 1);
    assert_eq!(r.summary.satisfied, 0);
    // An error in the applicability policy is just as loud.
    let c = catalogue(&[rule(
        "T-OVERFLOW2",
        "Institution",
        "",
        "resource.system_count < 0",
        "resource.system_count * 9223372036854775807 > 0",
    )]);
    let r = run(BASE, &c, "2026-11-21");
    assert_eq!(
        status(&r, "T-OVERFLOW2", "institution"),
        Status::CouldNotEvaluate
    );
}

#[test]
fn exceptions_waive_until_they_expire_and_unused_ones_are_reported() {
    let c = catalogue(&[rule(
        "T-LEAVER",
        "Account",
        "",
        r#"resource.holder_status == "left""#,
        "true",
    )]);
    let with_exceptions = format!(
        "{BASE}exceptions:
  - {{ id: ex-1, rule: T-LEAVER, target: account/a-gone, reason: 引継ぎ中, approved_by: boss, approved_on: 2026-04-01, expires_on: 2026-12-31 }}
  - {{ id: ex-2, rule: T-LEAVER, target: account/a-boss, reason: 不要, approved_by: boss, approved_on: 2026-04-01, expires_on: 2026-12-31 }}
  - {{ id: ex-3, rule: NO-SUCH-RULE, target: account/a-boss, reason: 誤記, approved_by: boss, approved_on: 2026-04-01, expires_on: 2026-12-31 }}
"
    );
    let r = run(&with_exceptions, &c, "2026-11-21");
    assert_eq!(status(&r, "T-LEAVER", "account/a-gone"), Status::Waived);
    let unused: Vec<&str> = r.unused_exceptions.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(unused, ["ex-2"]);
    // It says why: the pair is already satisfied.
    assert!(
        r.unused_exceptions[0].reason.en.contains("is satisfied"),
        "{}",
        r.unused_exceptions[0].reason.en
    );
    // A rule that does not exist is not a harmless leftover: what the exception meant to
    // waive is unknown, so the check is not complete.
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].kind, ProblemKind::UnknownRuleInException);
    assert!(r.problems[0].message.en.contains("\"NO-SUCH-RULE\""));
    assert!(r.problems[0].message.en.contains("exception \"ex-3\""));
    assert_eq!(r.problems[0].location.as_ref().map(|l| l.line), Some(23));
    assert!(!r.complete());
    // After expiry the violation is back, and says why.
    let r = run(&with_exceptions, &c, "2027-01-01");
    let f = r
        .findings
        .iter()
        .find(|f| f.entity == "account/a-gone")
        .expect("finding");
    assert_eq!(f.status, Status::Violated);
    assert!(f.exception.as_ref().is_some_and(|e| e.expired));
    assert!(
        f.detail
            .as_ref()
            .is_some_and(|d| d.en.contains("expired on 2026-12-31"))
    );
}

#[test]
fn deadlines_make_upcoming_with_days_left_then_violated() {
    let c = catalogue(&[rule(
        "T-MFA",
        "System",
        r#"@deadline("2027-04-01")"#,
        "!resource.mfa",
        "resource.medical",
    )]);
    let r = run(BASE, &c, "2026-11-21");
    let f = r
        .findings
        .iter()
        .find(|f| f.entity == "system/emr")
        .expect("emr");
    assert_eq!(f.status, Status::Upcoming);
    assert_eq!(f.days_left, Some(131));
    assert_eq!(
        status(&run(BASE, &c, "2027-04-01"), "T-MFA", "system/emr"),
        Status::Violated
    );
}

#[test]
fn effective_dates_and_patterns_are_data_on_the_rule() {
    let c = catalogue(&[rule("T-LATER", "System", "", "true", "true")
        .replace(r#"@effective("2024-01-01")"#, r#"@effective("2030-01-01")"#)]);
    let r = run(BASE, &c, "2026-11-21");
    assert!(r.findings.iter().all(|f| f.status == Status::NotApplicable));
    let c = catalogue(&[rule("T-ONPREM", "System", "", "true", "true")
        .replace(r#"@patterns("I,II,III,IV")"#, r#"@patterns("I,III")"#)]);
    let r = run(BASE, &c, "2026-11-21");
    assert_eq!(status(&r, "T-ONPREM", "system/emr"), Status::Violated);
    let web = r
        .findings
        .iter()
        .find(|f| f.entity == "system/web")
        .expect("web");
    assert_eq!(web.status, Status::NotApplicable);
    assert_eq!(web.pattern, Pattern::IV);
    // Mixed on-premise and cloud: the institution takes the strictest.
    assert_eq!(r.patterns.institution, Pattern::III);
}

#[test]
fn delegation_needs_a_cloud_pattern_and_a_contract_that_undertakes_it() {
    let c = catalogue(&[rule(
        "T-LOG",
        "System",
        r#"@undertaking("access_logs")"#,
        "!resource.access_log_enabled",
        "true",
    )
    .replace(r#"@delegable("")"#, r#"@delegable("II,IV")"#)]);
    let m = format!(
        "{BASE}vendors:
  - {{ id: v, name: 事業者, roles: [cloud_provider] }}
contracts:
  - {{ id: k, vendor: v, kind: cloud_service, systems: [web, emr], undertakes: [access_logs] }}
"
    );
    let r = run(&m, &c, "2026-11-21");
    let web = r
        .findings
        .iter()
        .find(|f| f.entity == "system/web")
        .expect("web");
    assert_eq!(web.status, Status::Delegated);
    assert_eq!(web.delegated_to.as_deref(), Some("k"));
    // On-premise (pattern Ⅲ) cannot hand it over, contract or not.
    assert_eq!(status(&r, "T-LOG", "system/emr"), Status::Violated);
    // A contract may also name the requirement itself.
    let by_id = m.replace("undertakes: [access_logs]", "requirements: [T-LOG]");
    let r = run(&by_id, &c, "2026-11-21");
    assert_eq!(status(&r, "T-LOG", "system/web"), Status::Delegated);
    // Neither: violated.
    let neither = m.replace("undertakes: [access_logs]", "undertakes: [backups]");
    let r = run(&neither, &c, "2026-11-21");
    assert_eq!(status(&r, "T-LOG", "system/web"), Status::Violated);
    assert!(r.complete());
    // A requirement id that names nothing (a typo) takes nothing over, and says so: what
    // the contract meant is unknown, so the check is not complete.
    let typo = m.replace("undertakes: [access_logs]", "requirements: [t-log2]");
    let r = run(&typo, &c, "2026-11-21");
    assert_eq!(status(&r, "T-LOG", "system/web"), Status::Violated);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let p = &r.problems[0];
    assert_eq!(p.kind, ProblemKind::UnknownRuleInContract);
    assert!(p.message.en.contains("contract \"k\""), "{}", p.message.en);
    assert!(p.fix.en.contains("did you mean \"T-LOG\""), "{}", p.fix.en);
    assert_eq!(
        p.location.as_ref().map(|l| (l.line, l.column)),
        Some((23, 5))
    );
    assert!(!r.complete());
}

#[test]
fn a_check_where_no_rule_applies_is_not_a_pass() {
    // A rule that applies to nothing in this manifest.
    let c = catalogue(&[rule(
        "T-NOTHING",
        "Account",
        "",
        "true",
        r#"resource.holder_status == "nobody has this status""#,
    )]);
    let r = run(BASE, &c, "2026-11-21");
    assert_eq!(r.summary.applicable(), 0);
    assert_eq!(r.summary.violated, 0);
    let kinds: Vec<ProblemKind> = r.problems.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [ProblemKind::NothingApplies]);
    assert!(r.problems[0].message.en.contains("nothing was checked"));
    assert!(!r.complete());
    // Nor before the rules take effect.
    let c = catalogue(&[rule(
        "T-ALL",
        "Account",
        "",
        r#"resource.holder_status == "none""#,
        "true",
    )]);
    assert!(run(BASE, &c, "2026-11-21").complete());
    let early = run(BASE, &c, "2023-12-31");
    assert_eq!(early.problems.len(), 1);
    assert!(early.problems[0].message.en.contains("on 2023-12-31"));
}

#[test]
fn findings_are_deterministic() {
    let c = catalogue(&[
        rule("T-A", "Account", "", "true", "true"),
        rule("T-B", "Asset", "", "true", "true"),
    ]);
    let r = run(BASE, &c, "2026-11-21");
    let a = serde_json::to_string(&r).expect("json");
    let b = serde_json::to_string(&run(BASE, &c, "2026-11-21")).expect("json");
    assert_eq!(a, b);
    // One finding per (rule, entity), in (severity, rule, entity) order.
    assert!(r.findings.len() >= 4, "{}", r.findings.len());
    for w in r.findings.windows(2) {
        assert!(
            (w[0].severity, &w[0].rule, &w[0].entity) < (w[1].severity, &w[1].rule, &w[1].entity),
            "{} {} before {} {}",
            w[0].rule,
            w[0].entity,
            w[1].rule,
            w[1].entity
        );
    }
}

#[test]
fn malformed_rules_are_rejected_with_their_place() {
    let bad = rule("T-X", "Account", "", "true", "true")
        .replace("@severity(\"high\")", "@severity(\"urgent\")");
    let e = Catalogue::from_texts(&[("x.cedar", bad.as_str())], false).expect_err("must fail");
    assert!(e.iter().any(|e| e.message.en.contains("@severity must be")));
    assert_eq!(e[0].file, "x.cedar");
    let dup = format!(
        "{}\n{}",
        rule("T-X", "Account", "", "true", "true"),
        rule("T-X", "Asset", "", "true", "true")
    );
    let e = Catalogue::from_texts(&[("x.cedar", dup.as_str())], false).expect_err("must fail");
    assert!(
        e.iter()
            .any(|e| e.message.en.contains("duplicate @id(\"T-X\")"))
    );
    let no_applies = rule("T-X", "Account", "", "true", "true");
    let no_applies = &no_applies[..no_applies.find("@id(\"T-X.applies\")").expect("applies")];
    let e = Catalogue::from_texts(&[("x.cedar", no_applies)], false).expect_err("must fail");
    assert!(
        e.iter()
            .any(|e| e.message.en.contains("applicability policy"))
    );
    let builtin_custom = rule("T-X", "Account", "", "true", "true");
    let e = Catalogue::from_texts(&[("x.cedar", builtin_custom.as_str())], true)
        .expect_err("must fail");
    assert!(
        e.iter()
            .any(|e| e.message.en.contains("built-in rule cannot"))
    );
}

#[test]
fn committed_findings_schema_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(kensa_engine::report::FINDINGS_SCHEMA_PATH);
    let text = kensa_engine::report::findings_schema_text();
    if std::env::var_os("KENSA_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "schemas/findings.v1.schema.json is stale: run KENSA_UPDATE_SCHEMA=1 cargo test -p kensa-engine committed_findings_schema_is_fresh"
    );
}

/// Release builds skip Cedar's per-run schema conformance check of the entities, so this
/// test holds the builder to the schema: every example, every rule fixture and a
/// synthetic manifest build entities that conform to `policies/schema.cedarschema`.
#[test]
fn entities_conform_to_the_schema() {
    let c = Catalogue::builtin().expect("catalogue");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    for dir in ["manifests/examples", "policies/fixtures"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yaml") {
                    paths.push(p);
                }
            }
        }
    }
    assert!(paths.len() > 200, "found only {} manifests", paths.len());
    let synthetic = kensa_manifest::synthetic::manifest(300);
    let mut checked = 0;
    for (label, loaded) in paths
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                kensa_manifest::load(p, &Limits::default()),
            )
        })
        .chain(std::iter::once((
            "synthetic".to_string(),
            load_str("synthetic.yaml", &synthetic, &Limits::default()),
        )))
    {
        let Some(m) = loaded.manifest else { continue };
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
        let built = kensa_engine::entities::build(&m, as_of).expect("build");
        let entities: Vec<_> = built
            .entities
            .into_iter()
            .map(|e| e.into_entity().expect("entity"))
            .collect();
        if let Err(e) = cedar_policy::Entities::from_entities(entities, Some(&c.schema)) {
            panic!("{label}: {e}");
        }
        checked += 1;
    }
    assert!(checked > 200);
}

/// Evaluation is spread over threads in contiguous shares; the report must not depend on
/// how many.
#[test]
fn the_report_does_not_depend_on_the_number_of_threads() {
    let c = Catalogue::builtin().expect("catalogue");
    let text = kensa_manifest::synthetic::manifest(2_500);
    let loaded = load_str("synthetic.yaml", &text, &Limits::default());
    let m = loaded.manifest.expect("valid synthetic manifest");
    let json = |threads| {
        let r = check(
            &m,
            &loaded.sources,
            &c,
            &Options {
                as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
                manifest_label: "synthetic.yaml".into(),
                threads,
            },
        )
        .expect("check");
        assert!(r.findings.len() > 10_000);
        assert!(
            r.findings
                .windows(2)
                .all(|w| (w[0].severity, &w[0].rule, &w[0].entity)
                    < (w[1].severity, &w[1].rule, &w[1].entity))
        );
        serde_json::to_string(&r).expect("json")
    };
    let one = json(1);
    assert_eq!(one, json(2));
    assert_eq!(one, json(3));
}

/// A baseline matches findings by rule and entity, never by line: a moved entry is
/// unchanged, a new violation is new, a fixed one is resolved.
#[test]
fn baselines_match_by_identity_not_by_line() {
    use kensa_engine::BaselineState;
    use kensa_engine::baseline::{Baseline, apply};
    let c = catalogue(&[rule(
        "T-SERVER",
        "Asset",
        "",
        r#"resource.kind == "server""#,
        "true",
    )]);
    let before = run(BASE, &c, "2026-11-21");
    assert_eq!(status(&before, "T-SERVER", "asset/srv-1"), Status::Violated);
    let json = serde_json::to_string(&before).expect("json");
    let baseline = Baseline::from_json(&json).expect("baseline");

    // Entries reordered (srv-1 moves down), a new server added, nothing fixed yet.
    let after_text = BASE.replace(
        "  - { id: srv-1, name: サーバ, kind: server, systems: [emr] }\n  - { id: pc-1, name: PC, kind: terminal_pc, systems: [emr] }\n",
        "  - { id: pc-1, name: PC, kind: terminal_pc, systems: [emr] }\n  - { id: srv-2, name: サーバ2, kind: server, systems: [emr] }\n  - { id: srv-1, name: サーバ, kind: server, systems: [emr] }\n",
    );
    assert_ne!(after_text, BASE);
    let mut after = run(&after_text, &c, "2026-11-21");
    apply(&mut after, &baseline, "before.json");
    let state = |r: &Report, e: &str| {
        r.findings
            .iter()
            .find(|f| f.rule == "T-SERVER" && f.entity == e)
            .and_then(|f| f.baseline)
    };
    assert_eq!(state(&after, "asset/srv-1"), Some(BaselineState::Unchanged));
    assert_eq!(state(&after, "asset/srv-2"), Some(BaselineState::New));
    assert_eq!(state(&after, "asset/pc-1"), None, "not violated: no state");
    let b = after.baseline.as_ref().expect("summary");
    assert_eq!((b.new, b.unchanged, b.resolved.len()), (1, 1, 0));

    // srv-1 removed: its violation is resolved, and says it is gone.
    let removed = BASE.replace(
        "  - { id: srv-1, name: サーバ, kind: server, systems: [emr] }\n",
        "",
    );
    let mut after = run(&removed, &c, "2026-11-21");
    apply(&mut after, &baseline, "before.json");
    let b = after.baseline.as_ref().expect("summary");
    assert_eq!((b.new, b.unchanged), (0, 0));
    assert_eq!(b.resolved.len(), 1);
    assert_eq!(b.resolved[0].entity, "asset/srv-1");
    assert_eq!(b.resolved[0].now, None);

    // Not a findings document, or another version: a clear error.
    let err = Baseline::from_json("{\"version\": 1}").expect_err("not a report");
    assert!(err.message.en.contains("kensa check --format json"));
    let err = Baseline::from_json(&json.replace("kensa.findings/v1", "kensa.findings/v0"))
        .expect_err("other version");
    assert!(err.message.en.contains("v0"));
}

/// A contract covers a line only when it names the line (or covers everything), as in
/// the responsibility split: the same reading in `check` and in `split`.
#[test]
fn delegation_of_a_line_needs_a_contract_that_names_it() {
    let c = catalogue(&[rule(
        "T-LINE",
        "Connection",
        r#"@undertaking("network_security")"#,
        "!resource.monitored",
        "true",
    )
    .replace(r#"@delegable("")"#, r#"@delegable("II,IV")"#)]);
    let base = format!(
        "{BASE}vendors:
  - {{ id: v, name: 事業者, roles: [cloud_provider] }}
networks:
  - {{ id: lan, kind: lan }}
connections:
  - {{ id: saas, to: cloud_service, line: internet, network: lan, vendor: v, systems: [web] }}
contracts:
"
    );
    let status_with = |contract: &str| {
        let r = run(&format!("{base}  - {contract}\n"), &c, "2026-11-21");
        status(&r, "T-LINE", "connection/saas")
    };
    assert_eq!(
        status_with(
            "{ id: k, vendor: v, kind: cloud_service, systems: [web], connections: [saas], undertakes: [network_security] }"
        ),
        Status::Delegated
    );
    assert_eq!(
        status_with("{ id: k, vendor: v, kind: cloud_service, undertakes: [network_security] }"),
        Status::Delegated,
        "a contract that names nothing covers everything"
    );
    assert_eq!(
        status_with(
            "{ id: k, vendor: v, kind: cloud_service, systems: [web], undertakes: [network_security] }"
        ),
        Status::Violated,
        "a contract for the system does not cover its line unless it names it"
    );
}
