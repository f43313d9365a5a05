//! The manifest of one institution, merged from its files and validated.

use serde::Serialize;

use crate::model::{
    AccessGrant, Account, Asset, Backup, Connection, Contract, Documents, Exception, Institution,
    Network, Person, Role, System, Vendor,
};

/// A validated manifest: every reference resolves, every id is unique within its kind.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The institution profile.
    pub institution: Institution,
    /// People.
    pub people: Vec<Person>,
    /// Access roles.
    pub roles: Vec<Role>,
    /// Systems.
    pub systems: Vec<System>,
    /// Assets.
    pub assets: Vec<Asset>,
    /// Internal networks.
    pub networks: Vec<Network>,
    /// External connections.
    pub connections: Vec<Connection>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// The access matrix.
    pub access_matrix: Vec<AccessGrant>,
    /// Vendors.
    pub vendors: Vec<Vendor>,
    /// Contracts.
    pub contracts: Vec<Contract>,
    /// Backups.
    pub backups: Vec<Backup>,
    /// Documents and attestations.
    pub documents: Documents,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
}

/// The kinds of entity that have an id, as used in exception targets (`kind/id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// `people`.
    Person,
    /// `roles`.
    Role,
    /// `systems`.
    System,
    /// `assets`.
    Asset,
    /// `networks`.
    Network,
    /// `connections`.
    Connection,
    /// `accounts`.
    Account,
    /// `vendors`.
    Vendor,
    /// `contracts`.
    Contract,
    /// `backups`.
    Backup,
    /// `exceptions`.
    Exception,
}

impl EntityKind {
    /// Every kind, in manifest order.
    pub const ALL: [EntityKind; 11] = [
        EntityKind::Person,
        EntityKind::Role,
        EntityKind::System,
        EntityKind::Asset,
        EntityKind::Network,
        EntityKind::Connection,
        EntityKind::Account,
        EntityKind::Vendor,
        EntityKind::Contract,
        EntityKind::Backup,
        EntityKind::Exception,
    ];

    /// The name used in `kind/id` targets.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Role => "role",
            EntityKind::System => "system",
            EntityKind::Asset => "asset",
            EntityKind::Network => "network",
            EntityKind::Connection => "connection",
            EntityKind::Account => "account",
            EntityKind::Vendor => "vendor",
            EntityKind::Contract => "contract",
            EntityKind::Backup => "backup",
            EntityKind::Exception => "exception",
        }
    }

    /// The manifest section that defines entities of this kind.
    #[must_use]
    pub fn section(self) -> &'static str {
        match self {
            EntityKind::Person => "people",
            EntityKind::Role => "roles",
            EntityKind::System => "systems",
            EntityKind::Asset => "assets",
            EntityKind::Network => "networks",
            EntityKind::Connection => "connections",
            EntityKind::Account => "accounts",
            EntityKind::Vendor => "vendors",
            EntityKind::Contract => "contracts",
            EntityKind::Backup => "backups",
            EntityKind::Exception => "exceptions",
        }
    }

    /// The Japanese noun.
    #[must_use]
    pub fn noun_ja(self) -> &'static str {
        match self {
            EntityKind::Person => "人員",
            EntityKind::Role => "役割",
            EntityKind::System => "システム",
            EntityKind::Asset => "資産",
            EntityKind::Network => "ネットワーク",
            EntityKind::Connection => "外部接続",
            EntityKind::Account => "アカウント",
            EntityKind::Vendor => "事業者",
            EntityKind::Contract => "契約",
            EntityKind::Backup => "バックアップ",
            EntityKind::Exception => "例外",
        }
    }

    /// The kind named `name` in a target.
    #[must_use]
    pub fn from_name(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl Manifest {
    /// How many entities of each kind the manifest describes.
    #[must_use]
    pub fn count(&self, kind: EntityKind) -> usize {
        match kind {
            EntityKind::Person => self.people.len(),
            EntityKind::Role => self.roles.len(),
            EntityKind::System => self.systems.len(),
            EntityKind::Asset => self.assets.len(),
            EntityKind::Network => self.networks.len(),
            EntityKind::Connection => self.connections.len(),
            EntityKind::Account => self.accounts.len(),
            EntityKind::Vendor => self.vendors.len(),
            EntityKind::Contract => self.contracts.len(),
            EntityKind::Backup => self.backups.len(),
            EntityKind::Exception => self.exceptions.len(),
        }
    }
}
