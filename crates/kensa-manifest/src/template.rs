//! Starting manifests written by `kensa init`: commented, valid, and specific to the kind
//! of institution and where its main system runs.

use crate::model::{Hosting, InstitutionType};

/// What the starting manifest describes.
#[derive(Debug, Clone)]
pub struct TemplateOptions {
    /// Kind of institution.
    pub kind: InstitutionType,
    /// Where the main system runs.
    pub hosting: Hosting,
    /// Whether there are staff dedicated to system operation.
    pub dedicated_ops_staff: bool,
    /// Name of the institution.
    pub name: Option<String>,
    /// What the `yaml-language-server` modeline points at.
    pub schema_ref: String,
}

fn kind_values(
    kind: InstitutionType,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    // (type, default name, main system category, main system name, beds line)
    match kind {
        InstitutionType::Hospital => (
            "hospital",
            "○○病院",
            "ehr",
            "電子カルテシステム",
            "  beds: 100",
        ),
        InstitutionType::DentalClinic => (
            "dental_clinic",
            "○○歯科医院",
            "receipt_computer",
            "レセプトコンピュータ",
            "  beds: 0",
        ),
        InstitutionType::Pharmacy => (
            "pharmacy",
            "○○薬局",
            "dispensing",
            "調剤システム",
            "  # beds: (薬局は不要)",
        ),
        _ => (
            "clinic",
            "○○クリニック",
            "ehr",
            "電子カルテシステム",
            "  beds: 0",
        ),
    }
}

/// The text of a starting manifest. It passes `kensa validate` as written; every value is
/// a placeholder to be replaced with the institution's own.
#[must_use]
pub fn render(o: &TemplateOptions) -> String {
    let (kind, default_name, category, system_name, beds) = kind_values(o.kind);
    let name = o.name.as_deref().unwrap_or(default_name);
    let hosting = match o.hosting {
        Hosting::OnPremise => "on_premise",
        Hosting::CloudIaas => "cloud_iaas",
        Hosting::CloudPaas => "cloud_paas",
        Hosting::CloudSaas => "cloud_saas",
    };
    let pattern = match (o.hosting.is_cloud(), o.dedicated_ops_staff) {
        (false, true) => "Ⅰ",
        (true, true) => "Ⅱ",
        (false, false) => "Ⅲ",
        (true, false) => "Ⅳ",
    };
    let staff = o.dedicated_ops_staff;
    let name_yaml = yaml_string(name);
    let mut t = String::new();
    t.push_str(&format!(
        "# yaml-language-server: $schema={schema}
# kensa マニフェスト / kensa manifest — {name}
# 参照パターン {pattern} の想定で作成したひな型です。値はすべて仮のものなので、実態に合わせて書き換えてください。
# A starting manifest for reference pattern {pattern}; every value is a placeholder.
# 検証 / validate:  kensa validate <this file>
apiVersion: kensa/v1

# 医療機関等の概要 / institution profile
institution:
  id: my-institution            # 英数字の識別子 / ASCII identifier
  name: {name_yaml}
  type: {kind}
{beds}
  online_eligibility: true      # オンライン資格確認を導入しているか
  dedicated_ops_staff: {staff}   # システム運用専任の担当者がいるか（パターンⅠ/Ⅱ と Ⅲ/Ⅳ を分ける）
  checklist_edition: r7         # 準拠するチェックリストの版

# 体制 / people and their roles (checklist 1-1: 医療情報システム安全管理責任者)
people:
  - id: director
    name: 院長 氏名
    roles: [executive, security_manager{planning}]
    job_type: {director_job}
  - id: clerk-1
    name: 事務 氏名
    job_type: medical_clerk

# アクセス権限の役割 / access roles (checklist 2-4)
roles:
  - id: doctor
    name: 医師
  - id: clerk
    name: 医療事務
  - id: admin
    name: システム管理者
    administrative: true

# 情報システム / systems
systems:
  - id: main-system
    name: {system_name}
    category: {category}
    hosting: {hosting}            # on_premise | cloud_iaas | cloud_paas | cloud_saas
    vendor: main-vendor
    handles_medical_info: true
    authentication:
      methods: [password]
      mfa: false                # 二要素認証（令和9年度までに必要）/ two-factor authentication (needed by FY2027)
      password_policy:
        min_length: 8
        character_classes: [upper, lower, digit, symbol]
        rotation_days: 90
        reuse_prevented: true
        defaults_changed: true
    access_log:
      enabled: true
      fields: [user_id, login_time, duration, operation]
    operation:
      since: 2024-04-01
      until: 2030-03-31
  - id: oqs
    name: オンライン資格確認端末
    category: online_eligibility
    hosting: on_premise
    vendor: main-vendor
    handles_medical_info: true

# 情報資産台帳 / asset ledger (checklist 2-1)
assets:
{server}  - id: pc-reception
    name: 受付用PC
    kind: terminal_pc
    location: 1F受付
    os: Windows 11
    os_version: 23H2
    vendor: main-vendor
    systems: [main-system, oqs]
    networks: [lan]
    security_measures: [antivirus]
    patch: {{ status: up_to_date, applied_on: 2026-10-15, checked_on: 2026-11-01 }}
    unnecessary_services_stopped: true
    external_media_restricted: true
  - id: router-1
    name: オンライン資格確認用ルータ
    kind: network_device
    location: 事務室
    firmware_version: \"1.0.0\"
    vendor: main-vendor
    networks: [lan]
    patch: {{ status: up_to_date, checked_on: 2026-11-01 }}
    source_restriction: {{ enabled: true, mode: allowlist, by_address_protocol_port: true }}
    management_interface_external: false

# 院内ネットワーク / internal networks
networks:
  - id: lan
    name: 院内LAN
    kind: lan

# 外部接続 / external connections (checklist 2-8)
connections:
  - id: oqs-line
    name: オンライン資格確認回線
    to: online_eligibility
    line: closed_network
    network: lan
    via: router-1
    encrypted: true
    mutual_authentication: true
    source_restricted: true
  - id: internet
    name: インターネット接続
    to: internet
    line: internet
    network: lan
    via: router-1
    source_restricted: true

# 利用者アカウント / accounts (checklist 2-4, 2-5)
accounts:
  - id: director
    holder: director
    systems: [main-system]
    role: admin
    privilege: admin
  - id: clerk-1
    holder: clerk-1
    systems: [main-system, oqs]
    role: clerk

# アクセス権限表 / access matrix: role × system × information
access_matrix:
  - {{ role: doctor, system: main-system, permission: write }}
  - {{ role: clerk, system: main-system, permission: read }}
  - {{ role: admin, system: main-system, permission: admin }}

# 事業者 / vendors (checklist 2-3: MDS/SDS)
vendors:
  - id: main-vendor
    name: ○○メディカル株式会社
    roles: [system_vendor, maintenance]
    disclosure: {{ kind: {disclosure}, requested_on: 2026-04-01 }}

# 契約 / contracts: what the vendor undertakes
contracts:
  - id: main-contract
    vendor: main-vendor
    kind: {contract_kind}
    systems: [main-system]
    undertakes: [{undertakes}]
    responsibility_split_documented: true
    confidentiality: true
    incident_notification: immediate
    data_location: {{ country: JP, japanese_jurisdiction: true }}
    remote_maintenance: {{ used: {remote}, advance_approval: true, source_restricted: true, logged: true, work_reports: true }}
    termination: {{ data_return: true, deletion_certificate: true }}

# バックアップ / backups (checklist 3-2)
backups:
  - id: main-backup
    systems: [main-system]
    frequency: daily
    generations: 7
    media: [{media}]
    offline_copy: true
    immutable_copy: false
    restore_procedure: true
{backup_by}
# 規程・文書 / documents and attestations, each with a review date and evidence
documents:
  security_policy: {{ reviewed_on: 2026-04-01, approved_by: director, evidence: [\"規程集/基本方針.pdf\"] }}
  operating_rules: {{ reviewed_on: 2026-04-01, approved_by: director }}
  contact_chart:                # 連絡体制図 (checklist 3-1)
    reviewed_on: 2026-04-01
    internal: [director]
    external: [system_vendor, mhlw, police, prefectural_health_department]
  bcp:                          # サイバー攻撃を想定したBCP (checklist 3-3)
    reviewed_on: 2026-04-01
    covers_cyber_attack: true
    scenarios: [ransomware, system_outage]

# 例外 / accepted exceptions (rule, target, reason, approver, expiry)
exceptions: []
",
        schema = o.schema_ref,
        planning = if staff { "" } else { ", planning_manager" },
        director_job = match o.kind {
            InstitutionType::DentalClinic => "dentist",
            InstitutionType::Pharmacy => "pharmacist",
            _ => "physician",
        },
        server = if o.hosting.is_cloud() {
            String::new()
        } else {
            "  - id: server-1
    name: サーバ
    kind: server
    location: サーバ室
    os: Windows Server 2022
    vendor: main-vendor
    systems: [main-system]
    networks: [lan]
    security_measures: [antivirus]
    patch: { status: up_to_date, applied_on: 2026-10-15, checked_on: 2026-11-01 }
    unnecessary_services_stopped: true
    remote_maintenance: { status: not_used, confirmed_on: 2026-04-01, vendor: main-vendor }
    access_log: { enabled: true, fields: [user_id, login_time, duration, operation], tamper_protected: true }
"
            .to_owned()
        },
        disclosure = if o.hosting.is_cloud() { "sds" } else { "mds" },
        contract_kind = if o.hosting.is_cloud() { "cloud_service" } else { "maintenance" },
        undertakes = if o.hosting.is_cloud() {
            "manuals, design_documents, access_logs, backups, patching"
        } else {
            "manuals, patching"
        },
        remote = if o.hosting.is_cloud() { "false" } else { "true" },
        media = if o.hosting.is_cloud() { "cloud" } else { "disk" },
        backup_by = if o.hosting.is_cloud() {
            "    operated_by: main-vendor\n"
        } else {
            ""
        },
    ));
    t
}

/// A YAML scalar for `s`, quoted when needed.
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}
