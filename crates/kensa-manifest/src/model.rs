//! The institution manifest, version 1 (`apiVersion: kensa/v1`).
//!
//! These types are the single source of truth: the JSON Schema in
//! `schemas/manifest.v1.schema.json` is generated from them, so every doc comment here is
//! what an editor shows when completing a manifest.
//!
//! Field names are `snake_case`; identifiers of entities (`id`) are ASCII slugs so that
//! findings keep a stable identity (rule id + entity id) across reports and commits.
//! Names and free text may be Japanese.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::source::Origin;

/// The `apiVersion` every manifest file declares.
pub const API_VERSION: &str = "kensa/v1";

/// One manifest file. A manifest is one such file, or a folder of them that together
/// describe one institution (医療機関等); list sections of all files are concatenated.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "kensa institution manifest v1 (医療機関等マニフェスト)",
    description = "Describes one institution's medical information systems, assets, networks, \
                   accounts, vendors and contracts, backups, documents and exceptions, for \
                   evaluation against the MHLW 医療情報システムの安全管理に関するガイドライン 第6.0版 \
                   and its cyber-security checklist. A folder of such files describes one \
                   institution together; `institution` appears in exactly one of them."
)]
pub struct ManifestFile {
    /// Manifest format version. Always `kensa/v1`.
    #[serde(rename = "apiVersion")]
    #[schemars(extend("const" = "kensa/v1"))]
    pub api_version: String,
    /// The institution profile (医療機関等の概要). Exactly once per manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<Institution>,
    /// People and the roles they hold (体制・役割).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Person>,
    /// Access roles (職種・担当業務) used by accounts and the access matrix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Information systems (医療情報システム and others).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<System>,
    /// The asset ledger (情報資産台帳): servers, terminal PCs, mobile terminals, network
    /// devices, medical devices and storage media.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Asset>,
    /// Internal networks and segments (院内ネットワーク).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<Network>,
    /// External connections (外部接続): internet, closed networks, the online eligibility
    /// network, remote-maintenance VPNs, regional networks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<Connection>,
    /// User accounts (利用者アカウント台帳).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<Account>,
    /// The access matrix: which role may do what with which information in which system
    /// (職種・担当業務別の情報区分毎のアクセス利用権限, checklist 2-4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_matrix: Vec<AccessGrant>,
    /// Vendors (医療情報システム・サービス事業者), maintenance companies and carriers
    /// (回線事業者).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendors: Vec<Vendor>,
    /// Contracts with vendors (契約): what each vendor undertakes, and on what terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<Contract>,
    /// Backups (バックアップ) of data and systems (checklist 3-2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backups: Vec<Backup>,
    /// Documents and attestations (規程・文書): what no configuration can prove, each with a
    /// review date and evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Documents>,
    /// Accepted exceptions (例外): a rule waived for one target, with a reason, an approver
    /// and an expiry. Expired exceptions stop applying.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
}

/// A stable identifier: ASCII letters, digits, `.`, `_` and `-`, starting with a letter or
/// digit (at most 128 characters).
pub type Id = String;

// ---------------------------------------------------------------------------------------
// Institution
// ---------------------------------------------------------------------------------------

/// The institution profile (医療機関等の概要).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    /// Identifier of the institution (ASCII slug, e.g. `sakura-clinic`).
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Name (名称), e.g. さくら内科クリニック.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Kind of institution (医療機関等の種別).
    #[serde(rename = "type")]
    pub kind: InstitutionType,
    /// Number of beds (病床数); 0 or absent for clinics without beds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beds: Option<u32>,
    /// 医療機関コード / 薬局コード (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Prefecture (都道府県), for the contact chart's prefectural health department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefecture: Option<String>,
    /// Whether the institution uses online eligibility confirmation (オンライン資格確認).
    pub online_eligibility: bool,
    /// Whether it has staff dedicated to system operation (システム運用専任の担当者). Decides
    /// reference pattern Ⅰ/Ⅱ (yes) or Ⅲ/Ⅳ (no).
    pub dedicated_ops_staff: bool,
    /// Checklist edition the institution is measured against (チェックリストの版). Defaults
    /// to the newest edition kensa knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checklist_edition: Option<ChecklistEdition>,
    /// Free-text notes (備考).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Kind of institution (医療機関等の種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionType {
    /// 病院 (20 beds or more).
    Hospital,
    /// 診療所 (clinic).
    Clinic,
    /// 歯科診療所 (dental clinic).
    DentalClinic,
    /// 薬局 (pharmacy).
    Pharmacy,
    /// 助産所 (midwifery home).
    MidwiferyHome,
    /// 訪問看護ステーション (home-nursing station).
    HomeNursingStation,
    /// 介護事業者 (care provider).
    CareProvider,
    /// 地域医療連携ネットワーク運営主体 (regional network operator).
    RegionalNetworkOperator,
}

/// Edition of the MHLW cyber-security checklist (医療機関におけるサイバーセキュリティ対策チェックリスト).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistEdition {
    /// 令和5年度版 (FY2023).
    R5,
    /// 令和6年度版 (FY2024).
    R6,
    /// 令和7年度版 (FY2025): adds password, reuse, external media, 二要素認証 and 運用管理規程 items.
    R7,
}

// ---------------------------------------------------------------------------------------
// People and roles
// ---------------------------------------------------------------------------------------

/// A person (職員・関係者) and the governance roles they hold.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Identifier (ASCII slug).
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Name (氏名).
    #[schemars(length(min = 1))]
    pub name: String,
    /// Governance roles (体制上の役割), e.g. `security_manager` (医療情報システム安全管理責任者).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<GovernanceRole>,
    /// Job type (職種).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_type: Option<JobType>,
    /// Department (所属部署).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Employment status (在籍状況). Defaults to `active`.
    #[serde(default)]
    pub status: EmploymentStatus,
    /// Date the person left or was transferred (退職日・異動日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_on: Option<NaiveDate>,
    /// Contact (連絡先): phone or e-mail, for the incident contact chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Governance role (体制上の役割).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceRole {
    /// 経営層 (executive, e.g. 院長・理事長).
    Executive,
    /// 医療情報システム安全管理責任者 (security manager, checklist 1-1).
    SecurityManager,
    /// 企画管理者 (planning manager).
    PlanningManager,
    /// システム運用担当者 (system operator).
    SystemOperator,
    /// 情報セキュリティ責任者 (CISO).
    Ciso,
    /// 医療機関内CSIRT の構成員 (CSIRT member).
    CsirtMember,
    /// 個人情報保護責任者 (privacy officer).
    PrivacyOfficer,
    /// 部門責任者 (department head).
    DepartmentHead,
}

/// Job type (職種).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobType {
    /// 医師.
    Physician,
    /// 歯科医師.
    Dentist,
    /// 薬剤師.
    Pharmacist,
    /// 看護師・准看護師.
    Nurse,
    /// 医療技術職 (臨床検査技師、放射線技師など).
    MedicalTechnologist,
    /// 医療事務 (medical clerk).
    MedicalClerk,
    /// 事務職 (administration).
    Administrator,
    /// 情報システム担当 (IT staff).
    ItStaff,
    /// 委託先・派遣の作業者 (contractor).
    Contractor,
    /// その他.
    Other,
}

/// Employment status (在籍状況).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentStatus {
    /// 在籍.
    #[default]
    Active,
    /// 休職.
    OnLeave,
    /// 異動 (transferred to a post that no longer needs its accounts).
    Transferred,
    /// 退職.
    Left,
}

/// An access role (職種・担当業務), the row of the access matrix.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Identifier (ASCII slug), e.g. `nurse-ward`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Name (名称), e.g. 病棟看護師.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Whether this role administers systems (管理者権限を持つ役割).
    #[serde(default)]
    pub administrative: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

// ---------------------------------------------------------------------------------------
// Systems
// ---------------------------------------------------------------------------------------

/// An information system (情報システム).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// Identifier (ASCII slug), e.g. `ehr`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Name (名称), e.g. 電子カルテシステム.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Category (システム種別).
    pub category: SystemCategory,
    /// Where it runs (提供形態): on the premises or as a cloud service. With
    /// `dedicated_ops_staff` this decides the reference pattern Ⅰ–Ⅳ.
    pub hosting: Hosting,
    /// The vendor (事業者) that supplies or runs it: a `vendors[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Id>,
    /// Whether it stores, shows or carries patient-identifying medical information
    /// (医療情報を取り扱う). Billing and online eligibility count.
    pub handles_medical_info: bool,
    /// Whether it is connected to any network (ネットワーク接続). Offline systems are still
    /// in scope of the guideline.
    #[serde(default = "default_true")]
    pub network_connected: bool,
    /// Information categories it holds (情報区分), e.g. 診療録, 画像, 処方.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub information: Vec<String>,
    /// How users sign in (認証).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Authentication>,
    /// Application access log (アクセスログ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log: Option<AccessLog>,
    /// Operation period (稼働期間). `until` decides whether the 二要素認証 requirement for
    /// systems in operation in 令和9年度 (FY2027) applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<OperationPeriod>,
    /// Whether the system separates administrator and general accounts (管理者・一般の分離).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_separation: Option<bool>,
    /// Whether the services and software it needs are documented (必要なサービスの文書化),
    /// so that everything else can be stopped (checklist 2-9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_services_documented: Option<bool>,
    /// Whether electronic signatures are used for legally required signing (電子署名).
    #[serde(default)]
    pub electronic_signature: bool,
    /// Whether paper records are scanned into it (紙の診療録等の電子化).
    #[serde(default)]
    pub digitises_paper: bool,
    /// Free-text notes (備考).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

fn default_true() -> bool {
    true
}

/// System category (システム種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SystemCategory {
    /// 電子カルテ (electronic health record).
    Ehr,
    /// レセプトコンピュータ (receipt computer).
    ReceiptComputer,
    /// 医事会計システム (medical accounting).
    MedicalAccounting,
    /// オーダリングシステム (ordering).
    Ordering,
    /// 画像管理システム PACS.
    Pacs,
    /// 検査システム (laboratory).
    Laboratory,
    /// 調剤・薬局システム (dispensing).
    Dispensing,
    /// 部門システム (departmental system).
    Departmental,
    /// オンライン資格確認 (online eligibility confirmation).
    OnlineEligibility,
    /// 電子処方箋 (electronic prescriptions).
    ElectronicPrescription,
    /// 地域医療連携 (regional network).
    RegionalNetwork,
    /// 予約システム (reservations).
    Reservation,
    /// グループウェア・メール (groupware, mail).
    Groupware,
    /// その他 (other).
    Other,
}

/// Where a system runs (提供形態).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Hosting {
    /// オンプレミス型: the institution holds and runs it.
    OnPremise,
    /// クラウドサービス型 (IaaS): the institution runs it on rented infrastructure.
    CloudIaas,
    /// クラウドサービス型 (PaaS).
    CloudPaas,
    /// クラウドサービス型 (SaaS): used as a service the institution does not hold.
    CloudSaas,
}

impl Hosting {
    /// Whether this is a cloud service (クラウドサービス型).
    #[must_use]
    pub fn is_cloud(self) -> bool {
        !matches!(self, Hosting::OnPremise)
    }
}

/// How users sign in to a system (認証).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Authentication {
    /// Whether sign-in is required at all (認証の有無).
    #[serde(default = "default_true")]
    pub required: bool,
    /// Factors in use (認証要素).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<AuthMethod>,
    /// Whether two-factor authentication (二要素認証) is enforced for every user.
    #[serde(default)]
    pub mfa: bool,
    /// Planned date of introducing 二要素認証, when not yet in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_planned_on: Option<NaiveDate>,
    /// Password policy (パスワードポリシー), when passwords are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// Whether the institution or the vendor sets these (設定の管理主体): a `vendors[].id`,
    /// absent when the institution does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<Id>,
}

/// Authentication factor (認証要素).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// パスワード.
    Password,
    /// ICカード (HPKI cards included).
    IcCard,
    /// 生体認証 (biometrics).
    Biometric,
    /// ワンタイムパスワード (OTP).
    Otp,
    /// クライアント証明書 (client certificate).
    Certificate,
}

/// Password policy (パスワードポリシー), per checklist 令和7年度 items 2-⑦ and 2-⑧.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Minimum length (最小文字数).
    pub min_length: u32,
    /// Character classes required (文字種): letters, digits, symbols.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub character_classes: Vec<CharacterClass>,
    /// Rotation interval in days (定期変更の間隔); absent when not rotated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_days: Option<u32>,
    /// Whether reuse of passwords is prevented (使い回しの禁止).
    #[serde(default)]
    pub reuse_prevented: bool,
    /// Whether factory-default passwords have been changed (初期パスワードの変更).
    #[serde(default)]
    pub defaults_changed: bool,
    /// Lock-out after failed attempts (アカウントロック).
    #[serde(default)]
    pub lockout: bool,
}

/// Character class (文字種).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CharacterClass {
    /// 英大文字.
    Upper,
    /// 英小文字.
    Lower,
    /// 数字.
    Digit,
    /// 記号.
    Symbol,
}

/// An access log (アクセスログ), checklist 2-6.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessLog {
    /// Whether access is logged (取得の有無).
    pub enabled: bool,
    /// What each entry records (記録項目).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<LogField>,
    /// How many days entries are kept (保存期間).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Date of the last review (最終確認日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_on: Option<NaiveDate>,
    /// Whether the log is protected against deletion and tampering (改ざん防止).
    #[serde(default)]
    pub tamper_protected: bool,
    /// Whether access to the log itself is restricted (閲覧制限).
    #[serde(default)]
    pub access_restricted: bool,
}

/// What a log entry records (記録項目).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogField {
    /// ユーザID.
    UserId,
    /// ログイン時刻.
    LoginTime,
    /// アクセス時間.
    Duration,
    /// 操作内容 (operations on medical information).
    Operation,
    /// 接続元 (source address or terminal).
    Source,
}

/// Operation period (稼働期間).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationPeriod {
    /// In operation since (稼働開始日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<NaiveDate>,
    /// Expected end of operation or replacement (稼働終了・更新予定日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

// ---------------------------------------------------------------------------------------
// Assets
// ---------------------------------------------------------------------------------------

/// An entry of the asset ledger (情報資産台帳), with the columns of the JMA template
/// (資料1) and of the checklist 2-1 procedure.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    /// Identifier (ASCII slug); often the management number (管理番号).
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Device name (機器名称), unique within the institution.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Kind of asset (種別).
    pub kind: AssetKind,
    /// Form (形態): hardware, virtual machine or cloud (ハードウェア・仮想マシン・クラウド).
    #[serde(default)]
    pub form: AssetForm,
    /// Management number (管理番号), when it differs from `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_no: Option<String>,
    /// Location (設置場所), e.g. 2F事務室.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Managing department or user (管理部門/使用者).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Person responsible (管理責任者): a `people[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    /// Manufacturer (製造事業者名).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Model number (型番).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Serial number (製造番号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_no: Option<String>,
    /// Host name (ホスト名).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// IP address (IPアドレス), or `DHCP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// Operating system (OS), e.g. `Windows 11`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// OS version or build (OSバージョン).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// Firmware version (ファームウェア), for network and medical devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<String>,
    /// Installed software and versions (ソフトウェア).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub software: Vec<Software>,
    /// Purchase date (購入年月日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchased_on: Option<NaiveDate>,
    /// End of support or maintenance (サポート期限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_ends_on: Option<NaiveDate>,
    /// Supplier or maintenance company (システム事業者/購入先): a `vendors[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Id>,
    /// Systems it belongs to (関連するシステム): `systems[].id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<Id>,
    /// Networks it is attached to (接続ネットワーク): `networks[].id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<Id>,
    /// Main purpose (主な用途).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Summary of the data stored on it (保存されているデータの概要).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_summary: Option<String>,
    /// Licence information (ライセンス).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Security measures in place (セキュリティ対策).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_measures: Vec<SecurityMeasure>,
    /// Security patches (セキュリティパッチ), checklist 2-7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<PatchState>,
    /// Whether unnecessary software and services are stopped (不要なソフトウェア・サービスの
    /// 停止), checklist 2-9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unnecessary_services_stopped: Option<bool>,
    /// Remote maintenance (リモートメンテナンス), checklist 2-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_maintenance: Option<RemoteMaintenance>,
    /// Remote desktop (リモートデスクトップ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_desktop: Option<RemoteDesktop>,
    /// Whether USB storage and other external media are restricted (外部記録媒体の接続制限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_media_restricted: Option<bool>,
    /// Connection-source restriction (接続元制限), for network devices, checklist 2-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_restriction: Option<SourceRestriction>,
    /// Whether its management interface can be reached from outside (管理画面の外部公開).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_interface_external: Option<bool>,
    /// Access log kept on the device (アクセスログ), checklist 2-6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log: Option<AccessLog>,
    /// Free-text notes (備考).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Kind of asset (機器の種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    /// サーバ.
    Server,
    /// 端末PC.
    TerminalPc,
    /// モバイル端末 (tablets, smartphones).
    MobileTerminal,
    /// ネットワーク機器 (routers, switches, UTM, VPN devices, wireless access points).
    NetworkDevice,
    /// 医療機器 (connected medical devices, modalities).
    MedicalDevice,
    /// 記録媒体 (external disks, USB memory, optical media, tapes).
    StorageMedia,
}

/// Form of an asset (形態), the 種別 column of the JMA ledger template.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetForm {
    /// ハードウェア.
    #[default]
    Hardware,
    /// 仮想マシン.
    VirtualMachine,
    /// クラウド.
    Cloud,
}

/// Installed software (ソフトウェア).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Software {
    /// Name (名称).
    pub name: String,
    /// Version (バージョン).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Security measure on an asset (セキュリティ対策).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecurityMeasure {
    /// ウイルス対策ソフト.
    Antivirus,
    /// EDR.
    Edr,
    /// ホストファイアウォール.
    HostFirewall,
    /// ディスク暗号化.
    DiskEncryption,
    /// デバイス制御 (USB 等).
    DeviceControl,
    /// アプリケーション許可リスト.
    ApplicationAllowlist,
}

/// Patch state (セキュリティパッチの適用状況).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchState {
    /// Status (状況).
    pub status: PatchStatus,
    /// Date patches were last applied (最終適用日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_on: Option<NaiveDate>,
    /// Date the patch status was last checked (最終確認日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_on: Option<NaiveDate>,
}

/// Patch status (適用状況).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PatchStatus {
    /// 最新 (all applicable patches applied).
    UpToDate,
    /// 未適用あり (patches pending).
    Pending,
    /// 不明 (unknown).
    Unknown,
}

/// Remote maintenance of an asset (リモートメンテナンス).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteMaintenance {
    /// Whether the asset is maintained remotely (利用の有無).
    pub status: RemoteMaintenanceStatus,
    /// Date this was confirmed with the vendor (事業者への確認日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_on: Option<NaiveDate>,
    /// The maintenance company: a `vendors[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Id>,
    /// The connection it comes through: a `connections[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<Id>,
}

/// Whether an asset is maintained remotely (リモートメンテナンスの有無).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemoteMaintenanceStatus {
    /// 利用している.
    Used,
    /// 利用していない.
    NotUsed,
    /// 不明 (not yet confirmed with the vendor).
    Unknown,
}

/// Remote desktop settings (リモートデスクトップ).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteDesktop {
    /// Whether remote desktop is enabled (有効).
    pub enabled: bool,
    /// Whether it requires authentication (認証).
    #[serde(default)]
    pub authenticated: bool,
    /// Whether who may connect is restricted (接続制限).
    #[serde(default)]
    pub access_restricted: bool,
    /// Whether the connection history is kept (接続履歴の保存).
    #[serde(default)]
    pub history_retained: bool,
}

/// Connection-source restriction on a network device (接続元制限).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRestriction {
    /// Whether it is in place (実施の有無).
    pub enabled: bool,
    /// Allow-list or deny-list (許可リスト・拒否リスト).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<RestrictionMode>,
    /// Whether IP address, protocol and port are all restricted (IP・プロトコル・ポート).
    #[serde(default)]
    pub by_address_protocol_port: bool,
    /// Date the rules were last reviewed (最終確認日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_on: Option<NaiveDate>,
}

/// Mode of a restriction (制限方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RestrictionMode {
    /// 許可リスト方式 (only what is listed is allowed).
    Allowlist,
    /// 拒否リスト方式 (what is listed is blocked).
    Denylist,
}

// ---------------------------------------------------------------------------------------
// Networks and connections
// ---------------------------------------------------------------------------------------

/// An internal network or segment (院内ネットワーク・セグメント).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Identifier (ASCII slug), e.g. `clinic-lan`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Name (名称).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Kind of segment (種別).
    pub kind: NetworkKind,
    /// Whether medical information flows on it (医療情報の流通).
    #[serde(default = "default_true")]
    pub carries_medical_info: bool,
    /// Networks it is separated from (分離されたネットワーク): `networks[].id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub separated_from: Vec<Id>,
    /// Wireless LAN settings (無線LAN), when `kind` is `wireless`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wireless: Option<Wireless>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Kind of internal network (ネットワーク種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    /// 院内LAN (wired).
    Lan,
    /// 無線LAN.
    Wireless,
    /// DMZ.
    Dmz,
    /// 医療機器用セグメント.
    MedicalDevices,
    /// 管理用セグメント.
    Management,
    /// 来院者用 Wi-Fi (guest).
    Guest,
}

/// Wireless LAN settings (無線LAN).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Wireless {
    /// Encryption (暗号化方式).
    pub encryption: WirelessEncryption,
    /// Whether devices are authenticated (端末認証, e.g. IEEE 802.1X or MAC filtering).
    #[serde(default)]
    pub device_authentication: bool,
}

/// Wireless encryption (無線LANの暗号化).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WirelessEncryption {
    /// WPA3.
    Wpa3,
    /// WPA2.
    Wpa2,
    /// WEP (broken).
    Wep,
    /// 暗号化なし.
    None,
}

/// An external connection (外部接続).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// Identifier (ASCII slug), e.g. `oqs-line`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Name (名称).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it connects to (接続先).
    pub to: ConnectionTarget,
    /// The line (回線種別): 専用線, 閉域網 (IP-VPN), インターネットVPN or plain internet.
    pub line: LineType,
    /// The internal network it leaves from: a `networks[].id`.
    pub network: Id,
    /// The device at the boundary (接続機器): an `assets[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Id>,
    /// The carrier (回線事業者): a `vendors[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<Id>,
    /// The counterpart vendor, for vendor connections: a `vendors[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Id>,
    /// Systems that use it: `systems[].id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<Id>,
    /// Who manages the boundary/VPN device (VPN装置の管理主体).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<Party>,
    /// Whether traffic is encrypted (暗号化).
    #[serde(default)]
    pub encrypted: bool,
    /// Whether both ends authenticate each other (相互認証).
    #[serde(default)]
    pub mutual_authentication: bool,
    /// Whether the connecting sources are restricted (接続元制限).
    #[serde(default)]
    pub source_restricted: bool,
    /// Whether two-factor authentication is required for people connecting (二要素認証).
    #[serde(default)]
    pub mfa: bool,
    /// Whether communication logs are kept and monitored (通信ログの監視).
    #[serde(default)]
    pub monitored: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// What an external connection reaches (接続先).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionTarget {
    /// インターネット.
    Internet,
    /// オンライン資格確認等システム (the online eligibility network).
    OnlineEligibility,
    /// リモートメンテナンス (a vendor's maintenance access).
    RemoteMaintenance,
    /// クラウドサービス (a vendor's cloud service).
    CloudService,
    /// 地域医療連携ネットワーク.
    RegionalNetwork,
    /// 他の医療機関等・事業者 (other institutions or vendors).
    Partner,
    /// テレワーク・在宅からの接続 (staff connecting from outside).
    RemoteAccess,
}

/// Line type (回線種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineType {
    /// 専用線 (leased line).
    LeasedLine,
    /// 閉域網 (IP-VPN).
    ClosedNetwork,
    /// インターネットVPN (IPsec).
    InternetVpn,
    /// インターネット (TLS or none).
    Internet,
    /// モバイル回線.
    Mobile,
}

/// A party in the responsibility split (責任分界の当事者).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// 医療機関等.
    Institution,
    /// 事業者 (vendor).
    Vendor,
    /// 回線事業者 (carrier).
    Carrier,
}

// ---------------------------------------------------------------------------------------
// Accounts and access
// ---------------------------------------------------------------------------------------

/// A user account (利用者アカウント).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Identifier (ASCII slug): the account name.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Who the account belongs to (利用者): a `people[].id`. Absent for shared or service
    /// accounts, which `kind` then says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<Id>,
    /// Kind of account (アカウント種別). Defaults to `personal`.
    #[serde(default)]
    pub kind: AccountKind,
    /// Systems it signs in to: `systems[].id`.
    pub systems: Vec<Id>,
    /// Access role (職種・担当業務): a `roles[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Id>,
    /// Privilege (権限): administrator or general user.
    #[serde(default)]
    pub privilege: Privilege,
    /// Status (状態).
    #[serde(default)]
    pub status: AccountStatus,
    /// Created on (作成日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<NaiveDate>,
    /// Last sign-in (最終利用日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_on: Option<NaiveDate>,
    /// Whether two-factor authentication is enabled for it (二要素認証).
    #[serde(default)]
    pub mfa: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Kind of account (アカウント種別).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// 個人アカウント.
    #[default]
    Personal,
    /// 共用アカウント (shared by several people).
    Shared,
    /// サービス・システム用アカウント.
    Service,
    /// 事業者の保守用アカウント (vendor maintenance).
    VendorMaintenance,
}

/// Privilege (権限).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    /// 一般ユーザ.
    #[default]
    General,
    /// 管理者.
    Admin,
}

/// Account status (状態).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// 有効.
    #[default]
    Active,
    /// 無効化済み.
    Disabled,
    /// 削除済み.
    Deleted,
}

/// One cell of the access matrix (アクセス権限表).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessGrant {
    /// The role (職種・担当業務): a `roles[].id`.
    pub role: Id,
    /// The system: a `systems[].id`.
    pub system: Id,
    /// Information categories (情報区分), e.g. 診療録. Empty means all the system holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub information: Vec<String>,
    /// What the role may do (権限).
    pub permission: Permission,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Permission in the access matrix (権限).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// 権限なし.
    None,
    /// 参照.
    Read,
    /// 参照・更新.
    Write,
    /// 管理.
    Admin,
}

// ---------------------------------------------------------------------------------------
// Vendors and contracts
// ---------------------------------------------------------------------------------------

/// A vendor (医療情報システム・サービス事業者), maintenance company or carrier.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    /// Identifier (ASCII slug).
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Name (事業者名).
    #[schemars(length(min = 1))]
    pub name: String,
    /// What the vendor is to the institution (事業者の役割).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<VendorRole>,
    /// Contact person, phone or e-mail (担当者・連絡先).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Security disclosure (製造業者/サービス事業者による医療情報セキュリティ開示書 MDS/SDS),
    /// checklist 2-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<Disclosure>,
    /// Certifications (第三者認証): ISMS, プライバシーマーク and others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certifications: Vec<Certification>,
    /// Date the vendor answered the checklist for vendors (事業者確認用).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_checklist_answered_on: Option<NaiveDate>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// What a vendor is to the institution (事業者の役割).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VendorRole {
    /// システム事業者 (supplies systems).
    SystemVendor,
    /// クラウドサービス事業者.
    CloudProvider,
    /// 保守事業者 (maintenance).
    Maintenance,
    /// 回線事業者 (carrier).
    Carrier,
    /// 情報セキュリティ事業者.
    SecurityVendor,
    /// データセンター・外部保存受託事業者.
    DataCenter,
}

/// A security disclosure (MDS/SDS).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// MDS (製造業者) or SDS (サービス事業者).
    pub kind: DisclosureKind,
    /// Requested on (依頼日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_on: Option<NaiveDate>,
    /// Received on (受領日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
    /// Where the document is kept (保管場所・証跡).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// Kind of security disclosure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureKind {
    /// 製造業者による医療情報セキュリティ開示書 (MDS).
    Mds,
    /// サービス事業者による医療情報セキュリティ開示書 (SDS).
    Sds,
}

/// A certification (第三者認証).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    /// Scheme (認証の種類).
    pub kind: CertificationKind,
    /// Certificate number (登録番号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Valid until (有効期限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

/// Certification scheme (認証の種類).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificationKind {
    /// ISMS (ISO/IEC 27001).
    Isms,
    /// ISMSクラウドセキュリティ (ISO/IEC 27017).
    IsmsCloud,
    /// プライバシーマーク.
    PrivacyMark,
    /// ISMAP.
    Ismap,
    /// その他.
    Other,
}

/// A contract with a vendor (契約).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Identifier (ASCII slug).
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// The vendor: a `vendors[].id`.
    pub vendor: Id,
    /// Kind of contract (契約種別).
    pub kind: ContractKind,
    /// Systems it covers: `systems[].id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<Id>,
    /// Connections it covers (e.g. a carrier's line): `connections[].id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<Id>,
    /// Signed on (締結日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<NaiveDate>,
    /// Expires on (契約期限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    /// What the vendor undertakes (事業者が担う範囲). Under reference patterns Ⅱ/Ⅳ these
    /// may take over the institution's corresponding requirements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undertakes: Vec<Undertaking>,
    /// Requirements it takes over by id (e.g. `CL-2-6`, see `kensa rules`), beyond the
    /// groups in `undertakes` (個別に引き受ける遵守事項).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,
    /// Whether the responsibility split is written down (責任分界の明確化).
    #[serde(default)]
    pub responsibility_split_documented: bool,
    /// Whether confidentiality duties are written in (守秘義務).
    #[serde(default)]
    pub confidentiality: bool,
    /// Where data is stored and which law reaches it (データの所在・準拠法).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_location: Option<DataLocation>,
    /// How fast the vendor notifies incidents (インシデント通知).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_notification: Option<NotificationTerm>,
    /// Whether the vendor reports its operation status periodically (定期報告).
    #[serde(default)]
    pub periodic_reporting: bool,
    /// Whether the institution may audit, or receives third-party audit results (監査).
    #[serde(default)]
    pub audit_rights: bool,
    /// Whether use of the data beyond the contract is prohibited (目的外利用の禁止).
    #[serde(default)]
    pub secondary_use_prohibited: bool,
    /// Remote-maintenance terms (リモートメンテナンスの条件).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_maintenance: Option<RemoteMaintenanceTerms>,
    /// Subcontractors (再委託先).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcontractors: Vec<Subcontractor>,
    /// Termination terms (契約終了時の取扱い).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination: Option<Termination>,
    /// Where the signed contract is kept (証跡).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Kind of contract (契約種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractKind {
    /// クラウドサービス利用契約 (SaaS, PaaS, IaaS).
    CloudService,
    /// 保守契約.
    Maintenance,
    /// 導入・構築契約.
    Implementation,
    /// 外部保存・データセンター.
    Hosting,
    /// 回線契約.
    Network,
    /// 運用委託.
    Operations,
}

/// What a vendor undertakes under a contract (事業者が担う範囲).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Undertaking {
    /// 取扱説明書・マニュアルの整備 (企画管理編 4.4).
    Manuals,
    /// 設計書・運用文書の整備 (企画管理編 4.4).
    DesignDocuments,
    /// 安全管理の証跡 (企画管理編 5).
    Evidence,
    /// アクセスログ・操作ログの取得と管理.
    AccessLogs,
    /// バックアップ.
    Backups,
    /// セキュリティパッチの適用・脆弱性対応.
    Patching,
    /// 不要なサービスの停止・設定の堅牢化.
    Hardening,
    /// 利用者アカウント・認証の管理.
    AccountManagement,
    /// ネットワークの境界防御・接続元制限.
    NetworkSecurity,
    /// マルウェア対策.
    MalwareProtection,
    /// 物理的安全対策 (data centre).
    PhysicalSecurity,
    /// インシデント対応.
    IncidentResponse,
    /// 障害・災害時の復旧.
    DisasterRecovery,
    /// リモートメンテナンス.
    RemoteMaintenance,
    /// 暗号化.
    Encryption,
}

/// Where contracted data is kept (データの所在).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataLocation {
    /// Country of storage as an ISO 3166 code (保存国), e.g. `JP`.
    #[schemars(regex(pattern = r"^[A-Z]{2}$"))]
    pub country: String,
    /// Whether Japanese law reaches the data (国内法の執行が及ぶ).
    pub japanese_jurisdiction: bool,
}

/// How fast incidents are notified (通知の期限).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationTerm {
    /// ただちに (immediately on recognising the event).
    Immediate,
    /// 24時間以内.
    Within24h,
    /// 72時間以内.
    Within72h,
    /// 定めなし・努力義務.
    Undefined,
}

/// Remote-maintenance terms in a contract (リモートメンテナンスの条件).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteMaintenanceTerms {
    /// Whether remote maintenance is part of the contract (実施の有無).
    pub used: bool,
    /// Whether each session needs the institution's advance approval (事前承認).
    #[serde(default)]
    pub advance_approval: bool,
    /// Whether the connecting sources are restricted (接続元制限).
    #[serde(default)]
    pub source_restricted: bool,
    /// Whether sessions are logged (作業ログ).
    #[serde(default)]
    pub logged: bool,
    /// Whether a work report follows each session (作業報告).
    #[serde(default)]
    pub work_reports: bool,
    /// Whether two-factor authentication is required (二要素認証).
    #[serde(default)]
    pub mfa: bool,
}

/// A subcontractor (再委託先).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subcontractor {
    /// Name (名称).
    pub name: String,
    /// What it does (委託内容).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Country where it keeps or processes data (ISO 3166 code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Z]{2}$"))]
    pub country: Option<String>,
    /// Whether the institution approved it (医療機関等の承認).
    #[serde(default)]
    pub approved_by_institution: bool,
    /// Whether the responsibility scope is written in the subcontract (責任範囲の明記).
    #[serde(default)]
    pub responsibility_in_subcontract: bool,
}

/// Termination terms (契約終了時の取扱い).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Termination {
    /// Whether data is returned (データの返却).
    #[serde(default)]
    pub data_return: bool,
    /// Format of returned data (返却形式), e.g. CSV, SS-MIX2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_format: Option<String>,
    /// Whether a deletion certificate is issued (消去証明).
    #[serde(default)]
    pub deletion_certificate: bool,
    /// Whether migration to another vendor is supported (移行支援).
    #[serde(default)]
    pub migration_support: bool,
}

// ---------------------------------------------------------------------------------------
// Backups
// ---------------------------------------------------------------------------------------

/// A backup (バックアップ), checklist 3-2.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// Identifier (ASCII slug).
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// Systems whose data it covers: `systems[].id`.
    pub systems: Vec<Id>,
    /// What it covers (対象), e.g. 診療録データベース.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// How often it runs (頻度).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<BackupFrequency>,
    /// Generations kept (世代数).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generations: Option<u32>,
    /// Media in use (媒体).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<BackupMedium>,
    /// Whether a copy is kept offline (オフライン保管).
    #[serde(default)]
    pub offline_copy: bool,
    /// Whether a copy cannot be altered (改ざん不可・イミュータブル).
    #[serde(default)]
    pub immutable_copy: bool,
    /// Whether a copy is kept off-site (遠隔地保管).
    #[serde(default)]
    pub offsite_copy: bool,
    /// Whether the restore procedure is written down (復旧手順書).
    #[serde(default)]
    pub restore_procedure: bool,
    /// Date of the last restore test (最終復旧テスト日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_tested_on: Option<NaiveDate>,
    /// Who runs it: a `vendors[].id`; absent when the institution does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operated_by: Option<Id>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Backup frequency (頻度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackupFrequency {
    /// 常時・レプリケーション.
    Continuous,
    /// 毎日.
    Daily,
    /// 毎週.
    Weekly,
    /// 毎月.
    Monthly,
}

/// Backup medium (媒体).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackupMedium {
    /// 外付けディスク・NAS.
    Disk,
    /// テープ.
    Tape,
    /// 光ディスク.
    Optical,
    /// クラウドストレージ.
    Cloud,
}

// ---------------------------------------------------------------------------------------
// Documents and attestations
// ---------------------------------------------------------------------------------------

/// Documents and attestations (規程・文書). Each is what the institution attests, with the
/// date it was last reviewed and where the evidence is.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Documents {
    /// 情報セキュリティ基本方針・安全管理の方針 (security policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_policy: Option<Document>,
    /// 運用管理規程 (operating rules), checklist 令和7年度.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_rules: Option<Document>,
    /// 連絡体制図 (incident contact chart), checklist 3-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_chart: Option<ContactChart>,
    /// サイバー攻撃を想定した事業継続計画 (cyber BCP), checklist 3-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bcp: Option<Bcp>,
    /// 情報セキュリティ教育・訓練 (training).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<Document>,
    /// リスク分析・評価 (risk assessment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_assessment: Option<Document>,
    /// 監査 (internal or external audit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<Document>,
    /// 情報資産台帳の棚卸し (asset ledger inventory), checklist 2-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_inventory: Option<Document>,
    /// 利用者アカウントの棚卸し (account review), checklist 2-5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_review: Option<Document>,
    /// インシデント対応手順 (incident response procedure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_response: Option<Document>,
    /// 委託先管理 (vendor management and responsibility split table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_management: Option<Document>,
    /// 個人情報保護方針 (privacy policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_policy: Option<Document>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// A document or attestation (文書・証跡).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Title (文書名).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Date last reviewed, or held for training (最終見直し日・実施日).
    pub reviewed_on: NaiveDate,
    /// Who approved it: a `people[].id` (承認者).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<Id>,
    /// Where the evidence is (証跡): a path, URL or cabinet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Next review due (次回見直し予定日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_review_on: Option<NaiveDate>,
}

/// The incident contact chart (連絡体制図).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactChart {
    /// Date last reviewed (最終見直し日).
    pub reviewed_on: NaiveDate,
    /// Who approved it: a `people[].id` (承認者).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<Id>,
    /// Where the evidence is (証跡); the chart must also exist on paper.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// External bodies it lists (外部の連絡先).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external: Vec<ExternalContact>,
    /// People in the internal reporting line: `people[].id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub internal: Vec<Id>,
}

/// An external body in the contact chart (外部の連絡先).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExternalContact {
    /// 医療情報システム事業者.
    SystemVendor,
    /// 厚生労働省.
    Mhlw,
    /// 都道府県警察.
    Police,
    /// 都道府県の衛生主管部局.
    PrefecturalHealthDepartment,
    /// 情報セキュリティ事業者.
    SecurityVendor,
    /// 顧問弁護士等.
    LegalAdvisor,
    /// 個人情報保護委員会.
    Ppc,
    /// 保険会社.
    Insurer,
    /// 日本医師会・歯科医師会・薬剤師会の相談窓口.
    ProfessionalAssociation,
}

/// The business continuity plan for cyber attacks (サイバー攻撃を想定したBCP).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bcp {
    /// Date last reviewed (最終見直し日).
    pub reviewed_on: NaiveDate,
    /// Who approved it: a `people[].id` (承認者).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<Id>,
    /// Where the evidence is (証跡).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Whether it covers cyber attacks, not only disasters (サイバー攻撃の想定).
    pub covers_cyber_attack: bool,
    /// Scenarios it covers (想定事象).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<BcpScenario>,
    /// Date of the last exercise (最終訓練日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercised_on: Option<NaiveDate>,
}

/// A scenario a BCP covers (想定事象).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BcpScenario {
    /// ランサムウェア (encryption and extortion).
    Ransomware,
    /// 情報漏えい (data leak).
    DataLeak,
    /// システム停止 (outage).
    SystemOutage,
    /// ネットワーク停止.
    NetworkOutage,
    /// 事業者側の障害 (vendor-side incident).
    VendorIncident,
}

// ---------------------------------------------------------------------------------------
// Exceptions
// ---------------------------------------------------------------------------------------

/// An accepted exception (例外): one rule waived for one target until it expires.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// Identifier (ASCII slug).
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"))]
    pub id: Id,
    /// The rule waived (規則ID), e.g. `CL-2-7`.
    #[schemars(regex(pattern = r"^[A-Z][A-Z0-9]*(-[A-Za-z0-9.]+)+$"))]
    pub rule: String,
    /// The target, as `kind/id` (e.g. `asset/pc-3`, `system/ehr`, `document/bcp`), or
    /// `institution`.
    #[schemars(regex(
        pattern = r"^(institution|document/(security_policy|operating_rules|contact_chart|bcp|training|risk_assessment|audit|asset_inventory|account_review|incident_response|vendor_management|privacy_policy)|(person|role|system|asset|network|connection|account|vendor|contract|backup)/[A-Za-z0-9][A-Za-z0-9._-]{0,127})$"
    ))]
    pub target: String,
    /// Why the risk is accepted (理由).
    #[schemars(length(min = 1))]
    pub reason: String,
    /// Who approved it (承認者): a `people[].id`.
    pub approved_by: Id,
    /// Approved on (承認日).
    pub approved_on: NaiveDate,
    /// Expires on (有効期限). Required: exceptions are reviewed, not forgotten.
    pub expires_on: NaiveDate,
    /// Ticket or evidence (証跡).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}
