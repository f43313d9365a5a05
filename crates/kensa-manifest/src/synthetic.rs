//! Synthetic manifests of any size, for benchmarks (`cargo bench`).
//!
//! Each has 80% accounts (with their holders) and 20% assets, the shape of a hospital's
//! directory and asset-ledger exports.

use std::fmt::Write as _;

/// A valid manifest with `entities` accounts and assets (80% / 20%), plus one holder per
/// account.
#[must_use]
pub fn manifest(entities: usize) -> String {
    let accounts = entities * 8 / 10;
    let assets = entities - accounts;
    let mut s = String::from(
        "apiVersion: kensa/v1\ninstitution:\n  id: bench-hospital\n  name: ベンチ病院\n  type: hospital\n  beds: 800\n  online_eligibility: true\n  dedicated_ops_staff: true\nroles:\n  - { id: nurse, name: 看護師 }\nsystems:\n  - { id: ehr, name: 電子カルテ, category: ehr, hosting: on_premise, handles_medical_info: true, vendor: v1 }\nvendors:\n  - { id: v1, name: ベンダー }\nnetworks:\n  - { id: lan, kind: lan }\npeople:\n",
    );
    for i in 0..accounts {
        let _ = writeln!(s, "  - {{ id: p{i}, name: 職員 {i}, job_type: nurse }}");
    }
    s.push_str("assets:\n");
    for i in 0..assets {
        let _ = write!(
            s,
            "  - id: a{i}\n    name: 端末{i}\n    kind: terminal_pc\n    location: 病棟\n    os: Windows 11\n    os_version: 23H2\n    vendor: v1\n    systems: [ehr]\n    networks: [lan]\n    patch: {{ status: up_to_date, applied_on: 2026-10-01 }}\n"
        );
    }
    s.push_str("accounts:\n");
    for i in 0..accounts {
        let _ = writeln!(
            s,
            "  - {{ id: u{i}, holder: p{i}, systems: [ehr], role: nurse, last_used_on: 2026-11-01 }}"
        );
    }
    s
}
