//! Checks across entities and files: unique ids, references that resolve, sections that
//! appear once, dates that do not contradict each other; then the merge into a
//! [`Manifest`].

use std::collections::HashMap;

use crate::check::{FileTree, display_path};
use crate::load::ParsedFile;
use crate::manifest::{EntityKind, Manifest};
use crate::model::{AccountKind, Documents, ManifestFile};
use crate::problem::{Code, Problem, Text};
use crate::schema::{Seg, did_you_mean};
use crate::source::{FileId, Origin, SourceSet, Span};
use crate::yaml::Node;
use serde_saphyr::Spanned;

fn ids(m: &ManifestFile, kind: EntityKind) -> Vec<&str> {
    fn of<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<&str> {
        items.iter().map(id).collect()
    }
    match kind {
        EntityKind::Person => of(&m.people, |x| &x.id),
        EntityKind::Role => of(&m.roles, |x| &x.id),
        EntityKind::System => of(&m.systems, |x| &x.id),
        EntityKind::Asset => of(&m.assets, |x| &x.id),
        EntityKind::Network => of(&m.networks, |x| &x.id),
        EntityKind::Connection => of(&m.connections, |x| &x.id),
        EntityKind::Account => of(&m.accounts, |x| &x.id),
        EntityKind::Vendor => of(&m.vendors, |x| &x.id),
        EntityKind::Contract => of(&m.contracts, |x| &x.id),
        EntityKind::Backup => of(&m.backups, |x| &x.id),
        EntityKind::Exception => of(&m.exceptions, |x| &x.id),
    }
}

fn path(section: &str, index: usize, rest: &[&str]) -> Vec<Seg> {
    let mut p = vec![Seg::Key(section.to_owned()), Seg::Index(index)];
    p.extend(rest.iter().map(|k| Seg::Key((*k).to_owned())));
    p
}

#[derive(Default)]
struct Index<'a> {
    defined: HashMap<(EntityKind, &'a str), Origin>,
    by_kind: HashMap<EntityKind, Vec<&'a str>>,
}

impl Index<'_> {
    fn has(&self, kind: EntityKind, id: &str) -> bool {
        self.defined.contains_key(&(kind, id))
    }
}

/// One file for the checks across files: its tree (for locating problems) and model.
pub(crate) struct FileRef<'a> {
    pub file: FileId,
    pub root: &'a Spanned<Node>,
    pub model: &'a ManifestFile,
}

/// Checks `files` together, then merges them when no problem was found (here or before).
pub(crate) fn check_and_merge(
    sources: &SourceSet,
    files: Vec<ParsedFile>,
    all_clean: bool,
    problems: &mut Vec<Problem>,
) -> Option<Manifest> {
    let refs: Vec<FileRef<'_>> = files
        .iter()
        .map(|f| FileRef {
            file: f.file,
            root: &f.root,
            model: &f.model,
        })
        .collect();
    check(sources, &refs, all_clean, problems);
    if !problems.is_empty() {
        return None;
    }
    merge(files.into_iter().map(|f| f.model))
}

/// The checks across files: unique ids, sections that appear once, references that
/// resolve, dates that agree. Problems are added to `problems`.
pub(crate) fn check(
    sources: &SourceSet,
    files: &[FileRef<'_>],
    all_clean: bool,
    problems: &mut Vec<Problem>,
) {
    let trees: Vec<FileTree<'_>> = files
        .iter()
        .map(|f| FileTree {
            file: f.file,
            text: &sources.get(f.file).text,
            root: f.root,
        })
        .collect();

    // Unique ids, per kind, across files.
    let mut index = Index::default();
    for (f, tree) in files.iter().zip(&trees) {
        for kind in EntityKind::ALL {
            for (i, id) in ids(f.model, kind).into_iter().enumerate() {
                let at = tree.origin(&path(kind.section(), i, &["id"]));
                if let Some(first) = index.defined.get(&(kind, id)) {
                    problems.push(
                        Problem::new(
                            Code::DuplicateId,
                            at,
                            Text::new(
                                format!("{} の id `{id}` が重複しています", kind.noun_ja()),
                                format!("duplicate {} id `{id}`", kind.name()),
                            ),
                        )
                        .label(Text::new("2回目の定義", "defined again here"))
                        .related(*first, Text::new("最初の定義", "first defined here"))
                        .help(Text::new(
                            "id は種類ごとに一意にしてください。同じものなら一方を削除し、別のものなら id を変えてください",
                            "ids are unique within a kind: remove one if they are the same, or rename one",
                        )),
                    );
                } else {
                    index.defined.insert((kind, id), at);
                    index.by_kind.entry(kind).or_default().push(id);
                }
            }
        }
    }

    // Sections that appear once per manifest.
    let institution = once(
        files,
        &trees,
        "institution",
        |m| m.institution.is_some(),
        problems,
    );
    let _ = once(
        files,
        &trees,
        "documents",
        |m| m.documents.is_some(),
        problems,
    );
    if institution.is_none() && !files.is_empty() && all_clean {
        let first = &trees[0];
        problems.push(
            Problem::new(
                Code::MissingInstitution,
                Origin {
                    file: first.file,
                    span: Some(Span::at(first.text, 0, 0)),
                },
                Text::new(
                    "マニフェストに `institution`（医療機関等の概要）がありません",
                    "the manifest has no `institution` (the institution profile)",
                ),
            )
            .help(Text::new(
                "いずれか1つのファイルに `institution:` を書いてください（id、name、type、online_eligibility、dedicated_ops_staff）",
                "add `institution:` to one of its files (id, name, type, online_eligibility, dedicated_ops_staff)",
            )),
        );
    }

    for (f, tree) in files.iter().zip(&trees) {
        if all_clean {
            references(f.model, tree, &index, problems);
        }
        consistency(f.model, tree, problems);
    }
}

fn once(
    files: &[FileRef<'_>],
    trees: &[FileTree<'_>],
    section: &str,
    present: impl Fn(&ManifestFile) -> bool,
    problems: &mut Vec<Problem>,
) -> Option<Origin> {
    let mut first: Option<Origin> = None;
    for (f, tree) in files.iter().zip(trees) {
        if !present(f.model) {
            continue;
        }
        let at = tree.key_origin(&[Seg::Key(section.to_owned())]);
        match first {
            None => first = Some(at),
            Some(before) => problems.push(
                Problem::new(
                    Code::DuplicateSection,
                    at,
                    Text::new(
                        format!("`{section}` は1つのマニフェストに1回だけ書けます"),
                        format!("`{section}` may appear only once in a manifest"),
                    ),
                )
                .label(Text::new("2回目", "second occurrence"))
                .related(before, Text::new("最初の記述", "first written here"))
                .help(Text::new(
                    "どちらか一方のファイルにまとめてください",
                    "keep it in one of the files",
                )),
            ),
        }
    }
    first
}

struct Refs<'a, 'b> {
    index: &'a Index<'a>,
    tree: &'a FileTree<'b>,
    out: &'a mut Vec<Problem>,
}

impl Refs<'_, '_> {
    fn one(&mut self, kind: EntityKind, id: Option<&str>, at: Vec<Seg>) {
        if let Some(id) = id
            && !self.index.has(kind, id)
        {
            self.dangling(kind, id, &at);
        }
    }

    fn many(&mut self, kind: EntityKind, ids: &[String], at: &[Seg]) {
        for (i, id) in ids.iter().enumerate() {
            if !self.index.has(kind, id) {
                let mut p = at.to_vec();
                p.push(Seg::Index(i));
                self.dangling(kind, id, &p);
            }
        }
    }

    fn dangling(&mut self, kind: EntityKind, id: &str, at: &[Seg]) {
        let here = display_path(at);
        let known = self.index.by_kind.get(&kind).cloned().unwrap_or_default();
        let help = match did_you_mean(id, &known) {
            Some(s) => Text::new(
                format!("`{s}` のことですか？"),
                format!("did you mean `{s}`?"),
            ),
            None => Text::new(
                format!(
                    "`{}:` に id `{id}` の{}を定義するか、参照を直してください",
                    kind.section(),
                    kind.noun_ja()
                ),
                format!(
                    "define a {} with id `{id}` under `{}:`, or fix the reference",
                    kind.name(),
                    kind.section()
                ),
            ),
        };
        self.out.push(
            Problem::new(
                Code::DanglingReference,
                self.tree.origin(at),
                Text::new(
                    format!(
                        "`{here}` が存在しない{} `{id}` を参照しています",
                        kind.noun_ja()
                    ),
                    format!(
                        "`{here}` refers to {} `{id}`, which is not defined",
                        kind.name()
                    ),
                ),
            )
            .label(Text::new("未定義", "not defined"))
            .help(help),
        );
    }
}

fn references(m: &ManifestFile, tree: &FileTree<'_>, index: &Index<'_>, out: &mut Vec<Problem>) {
    use EntityKind as K;
    let mut r = Refs { index, tree, out };
    for (i, s) in m.systems.iter().enumerate() {
        r.one(
            K::Vendor,
            s.vendor.as_deref(),
            path("systems", i, &["vendor"]),
        );
        if let Some(a) = &s.authentication {
            r.one(
                K::Vendor,
                a.managed_by.as_deref(),
                path("systems", i, &["authentication", "managed_by"]),
            );
        }
    }
    for (i, a) in m.assets.iter().enumerate() {
        r.one(K::Person, a.owner.as_deref(), path("assets", i, &["owner"]));
        r.one(
            K::Vendor,
            a.vendor.as_deref(),
            path("assets", i, &["vendor"]),
        );
        r.many(K::System, &a.systems, &path("assets", i, &["systems"]));
        r.many(K::Network, &a.networks, &path("assets", i, &["networks"]));
        if let Some(rm) = &a.remote_maintenance {
            r.one(
                K::Vendor,
                rm.vendor.as_deref(),
                path("assets", i, &["remote_maintenance", "vendor"]),
            );
            r.one(
                K::Connection,
                rm.connection.as_deref(),
                path("assets", i, &["remote_maintenance", "connection"]),
            );
        }
    }
    for (i, n) in m.networks.iter().enumerate() {
        r.many(
            K::Network,
            &n.separated_from,
            &path("networks", i, &["separated_from"]),
        );
    }
    for (i, c) in m.connections.iter().enumerate() {
        r.one(
            K::Network,
            Some(&c.network),
            path("connections", i, &["network"]),
        );
        r.one(K::Asset, c.via.as_deref(), path("connections", i, &["via"]));
        r.one(
            K::Vendor,
            c.carrier.as_deref(),
            path("connections", i, &["carrier"]),
        );
        r.one(
            K::Vendor,
            c.vendor.as_deref(),
            path("connections", i, &["vendor"]),
        );
        r.many(K::System, &c.systems, &path("connections", i, &["systems"]));
    }
    for (i, a) in m.accounts.iter().enumerate() {
        r.one(
            K::Person,
            a.holder.as_deref(),
            path("accounts", i, &["holder"]),
        );
        r.one(K::Role, a.role.as_deref(), path("accounts", i, &["role"]));
        r.many(K::System, &a.systems, &path("accounts", i, &["systems"]));
    }
    for (i, g) in m.access_matrix.iter().enumerate() {
        r.one(K::Role, Some(&g.role), path("access_matrix", i, &["role"]));
        r.one(
            K::System,
            Some(&g.system),
            path("access_matrix", i, &["system"]),
        );
    }
    for (i, c) in m.contracts.iter().enumerate() {
        r.one(
            K::Vendor,
            Some(&c.vendor),
            path("contracts", i, &["vendor"]),
        );
        r.many(K::System, &c.systems, &path("contracts", i, &["systems"]));
        r.many(
            K::Connection,
            &c.connections,
            &path("contracts", i, &["connections"]),
        );
    }
    for (i, b) in m.backups.iter().enumerate() {
        r.many(K::System, &b.systems, &path("backups", i, &["systems"]));
        r.one(
            K::Vendor,
            b.operated_by.as_deref(),
            path("backups", i, &["operated_by"]),
        );
    }
    if let Some(d) = &m.documents {
        document_refs(d, &mut r);
    }
    for (i, e) in m.exceptions.iter().enumerate() {
        r.one(
            K::Person,
            Some(&e.approved_by),
            path("exceptions", i, &["approved_by"]),
        );
        if let Some((kind, id)) = e.target.split_once('/')
            && let Some(kind) = EntityKind::from_name(kind)
        {
            r.one(kind, Some(id), path("exceptions", i, &["target"]));
        }
    }
}

fn document_refs(d: &Documents, r: &mut Refs<'_, '_>) {
    let approver = |name: &str| {
        vec![
            Seg::Key("documents".to_owned()),
            Seg::Key(name.to_owned()),
            Seg::Key("approved_by".to_owned()),
        ]
    };
    let simple = [
        ("security_policy", &d.security_policy),
        ("operating_rules", &d.operating_rules),
        ("training", &d.training),
        ("risk_assessment", &d.risk_assessment),
        ("audit", &d.audit),
        ("asset_inventory", &d.asset_inventory),
        ("account_review", &d.account_review),
        ("incident_response", &d.incident_response),
        ("vendor_management", &d.vendor_management),
        ("privacy_policy", &d.privacy_policy),
    ];
    for (name, doc) in simple {
        if let Some(doc) = doc {
            r.one(
                EntityKind::Person,
                doc.approved_by.as_deref(),
                approver(name),
            );
        }
    }
    if let Some(c) = &d.contact_chart {
        r.one(
            EntityKind::Person,
            c.approved_by.as_deref(),
            approver("contact_chart"),
        );
        r.many(
            EntityKind::Person,
            &c.internal,
            &[
                Seg::Key("documents".to_owned()),
                Seg::Key("contact_chart".to_owned()),
                Seg::Key("internal".to_owned()),
            ],
        );
    }
    if let Some(b) = &d.bcp {
        r.one(
            EntityKind::Person,
            b.approved_by.as_deref(),
            approver("bcp"),
        );
    }
}

fn inconsistent(tree: &FileTree<'_>, at: &[Seg], ja: String, en: String, help: Text) -> Problem {
    Problem::new(Code::Inconsistent, tree.origin(at), Text::new(ja, en))
        .label(Text::new("矛盾", "contradiction"))
        .help(help)
}

fn consistency(m: &ManifestFile, tree: &FileTree<'_>, out: &mut Vec<Problem>) {
    for (i, s) in m.systems.iter().enumerate() {
        if let Some(op) = &s.operation
            && let (Some(since), Some(until)) = (op.since, op.until)
            && until < since
        {
            out.push(inconsistent(
                tree,
                &path("systems", i, &["operation", "until"]),
                format!("稼働終了日 {until} が稼働開始日 {since} より前です"),
                format!("end of operation {until} is before its start {since}"),
                Text::new("日付を確認してください", "check the dates"),
            ));
        }
    }
    for (i, a) in m.accounts.iter().enumerate() {
        if a.kind == AccountKind::Personal && a.holder.is_none() {
            out.push(
                Problem::new(
                    Code::MissingField,
                    tree.origin(&path("accounts", i, &[])),
                    Text::new(
                        format!("個人アカウント `{}` に利用者（holder）がありません", a.id),
                        format!("personal account `{}` has no `holder`", a.id),
                    ),
                )
                .label(Text::new("`holder` が必要", "needs `holder`"))
                .help(Text::new(
                    "`holder:` に人員の id を書くか、共用・サービス用なら `kind: shared` / `kind: service` と書いてください",
                    "set `holder:` to a person's id, or say `kind: shared` / `kind: service` for shared or service accounts",
                )),
            );
        }
    }
    for (i, c) in m.contracts.iter().enumerate() {
        if let (Some(signed), Some(expires)) = (c.signed_on, c.expires_on)
            && expires < signed
        {
            out.push(inconsistent(
                tree,
                &path("contracts", i, &["expires_on"]),
                format!("契約期限 {expires} が締結日 {signed} より前です"),
                format!("the contract expires ({expires}) before it was signed ({signed})"),
                Text::new("日付を確認してください", "check the dates"),
            ));
        }
    }
    for (i, e) in m.exceptions.iter().enumerate() {
        if e.expires_on < e.approved_on {
            out.push(inconsistent(
                tree,
                &path("exceptions", i, &["expires_on"]),
                format!(
                    "例外の有効期限 {} が承認日 {} より前です",
                    e.expires_on, e.approved_on
                ),
                format!(
                    "the exception expires ({}) before it was approved ({})",
                    e.expires_on, e.approved_on
                ),
                Text::new(
                    "有効期限は承認日以降の日付にしてください",
                    "the expiry must be on or after the approval date",
                ),
            ));
        }
    }
}

/// Merges checked files, in order, into one manifest.
pub(crate) fn merge(files: impl IntoIterator<Item = ManifestFile>) -> Option<Manifest> {
    let mut institution = None;
    let mut documents = None;
    let mut out = ManifestFile::default();
    for m in files {
        institution = institution.or(m.institution);
        documents = documents.or(m.documents);
        out.people.extend(m.people);
        out.roles.extend(m.roles);
        out.systems.extend(m.systems);
        out.assets.extend(m.assets);
        out.networks.extend(m.networks);
        out.connections.extend(m.connections);
        out.accounts.extend(m.accounts);
        out.access_matrix.extend(m.access_matrix);
        out.vendors.extend(m.vendors);
        out.contracts.extend(m.contracts);
        out.backups.extend(m.backups);
        out.exceptions.extend(m.exceptions);
    }
    Some(Manifest {
        institution: institution?,
        people: out.people,
        roles: out.roles,
        systems: out.systems,
        assets: out.assets,
        networks: out.networks,
        connections: out.connections,
        accounts: out.accounts,
        access_matrix: out.access_matrix,
        vendors: out.vendors,
        contracts: out.contracts,
        backups: out.backups,
        documents: documents.unwrap_or_default(),
        exceptions: out.exceptions,
    })
}
