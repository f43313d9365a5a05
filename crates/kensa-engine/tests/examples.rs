//! The bundled examples show what `manifests/examples/README.md` says they show: the
//! pattern, and the gaps listed there, with their status on 2026-11-21.

use std::path::Path;

use chrono::NaiveDate;
use kensa_engine::report::Status;
use kensa_engine::{Catalogue, Options, Pattern, Report, check};
use kensa_manifest::{Limits, load};

fn report(example: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../manifests/examples")
        .join(example);
    let loaded = load(&path, &Limits::default());
    let m = loaded.manifest.as_ref().expect("valid example");
    assert!(loaded.problems.is_empty(), "{example}");
    let c = Catalogue::builtin().expect("catalogue");
    check(
        m,
        &loaded.sources,
        &c,
        &Options {
            as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
            manifest_label: example.into(),
            threads: 0,
        },
    )
    .expect("check")
}

fn expect(example: &str, pattern: Pattern, findings: &[(Status, &str, &str)], unused: &[&str]) {
    let r = report(example);
    assert_eq!(r.patterns.institution, pattern, "{example}");
    assert_eq!(r.summary.could_not_evaluate, 0, "{example}");
    for (status, rule, entity) in findings {
        let got = r
            .findings
            .iter()
            .find(|f| f.rule == *rule && f.entity == *entity)
            .map(|f| f.status);
        assert_eq!(got, Some(*status), "{example}: {rule} on {entity}");
    }
    let got: Vec<&str> = r.unused_exceptions.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(got, unused, "{example}: unused exceptions");
}

use Status::{Delegated, Upcoming, Violated, Waived};

#[test]
fn clinic_cloud_nostaff_is_pattern_iv() {
    expect(
        "clinic-cloud-nostaff.yaml",
        Pattern::IV,
        &[
            (Upcoming, "CL-R7-MFA", "system/ehr"),
            (Violated, "CL-2-7", "asset/SK-005"),
            (Violated, "CL-R7-USB", "asset/SK-005"),
        ],
        &[],
    );
}

#[test]
fn clinic_cloud_staff_is_pattern_ii_with_delegation() {
    expect(
        "clinic-cloud-staff.yaml",
        Pattern::II,
        &[
            (Violated, "CL-2-5-UNUSED", "account/sakamoto"),
            (Violated, "G-3.4.1-3", "document/bcp"),
            (Violated, "V-4-5", "contract/ct-reservation-saas"),
            (Delegated, "C-13-12", "connection/reservation-cloud"),
        ],
        &[],
    );
}

#[test]
fn dental_onprem_nostaff_is_pattern_iii_with_many_gaps() {
    expect(
        "dental-onprem-nostaff.yaml",
        Pattern::III,
        &[
            (Upcoming, "CL-R7-MFA", "system/rececon"),
            (Violated, "CL-R7-PW-1", "system/rececon"),
            (Violated, "CL-R7-PW-DEFAULT", "system/rececon"),
            (Violated, "CL-R7-RULES", "document/operating_rules"),
            (Violated, "CL-3-3", "document/bcp"),
            (Violated, "CL-3-1", "document/contact_chart"),
            (Violated, "CL-2-4", "account/uketsuke"),
            (Violated, "C-8-3-SUPPORT", "asset/SD-003"),
            (Violated, "CL-2-9-RDP", "asset/SD-001"),
            (Violated, "CL-2-3", "vendor/hokuyo-dental"),
            (Violated, "CL-3-2-RESTORE", "backup/bk-rececon"),
            (Violated, "CL-3-2-OFFLINE", "system/rececon"),
            (Violated, "CL-2-8", "asset/SD-020"),
            (Violated, "CL-2-4-AUTH", "system/dental-imaging"),
        ],
        &[],
    );
}

#[test]
fn pharmacy_is_pattern_iii_overall() {
    let r = report("pharmacy.yaml");
    assert!(r.patterns.systems.iter().any(|s| s.pattern == Pattern::IV));
    expect(
        "pharmacy.yaml",
        Pattern::III,
        &[
            (Upcoming, "CL-R7-MFA", "system/dispensing"),
            (Violated, "CL-2-2", "asset/TP-NW-01"),
            (Violated, "G-3.4.1-3", "document/bcp"),
        ],
        &[],
    );
}

#[test]
fn hospital_onprem_is_pattern_i() {
    expect(
        "hospital-onprem.yaml",
        Pattern::I,
        &[
            (Violated, "CL-2-7", "asset/AH-PC-202"),
            (Violated, "CL-2-5", "account/c5018"),
            (Violated, "CL-2-8", "asset/AH-NW-004"),
            (Violated, "CL-2-8-REMOTE", "connection/ehr-rm-vpn"),
            (Violated, "CL-3-1", "document/contact_chart"),
            (Upcoming, "CL-R7-MFA", "system/pacs"),
            (Upcoming, "CL-R7-MFA", "system/accounting"),
            (Waived, "CL-2-7", "asset/AH-MD-001"),
        ],
        &[],
    );
}

#[test]
fn hospital_mixed_is_pattern_i_with_cloud_systems_ii() {
    let r = report("hospital-mixed");
    assert!(r.patterns.systems.iter().any(|s| s.pattern == Pattern::II));
    let expired = r
        .findings
        .iter()
        .find(|f| f.rule == "CL-2-4" && f.entity == "account/dialysis-shared")
        .expect("dialysis-shared");
    assert!(expired.exception.as_ref().is_some_and(|e| e.expired));
    expect(
        "hospital-mixed",
        Pattern::I,
        &[
            (Violated, "CL-2-5", "account/u10041"),
            (Violated, "CL-2-5", "account/mc60009"),
            (Violated, "CL-2-5-UNUSED", "account/u-kurihara"),
            (Violated, "CL-2-4", "account/dialysis-shared"),
            (Violated, "CL-2-7", "asset/MNG-PC-028"),
            (Waived, "CL-2-7", "asset/MNG-MD-002"),
            (Upcoming, "CL-R7-MFA", "system/dialysis"),
        ],
        &["ex-telework-source"],
    );
}
