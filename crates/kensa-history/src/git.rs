//! Manifests read straight from git objects: no checkout, no working tree needed.
//!
//! Works the same in a normal worktree, a linked worktree (`git worktree add`), on a
//! detached HEAD and in a bare repository. A manifest is one YAML file or a folder of
//! `.yaml`/`.yml` files (recursively, hidden entries skipped), as on disk; a
//! [`Snapshot`] holds its files in memory for [`kensa_manifest::load_bytes`].
//!
//! Paths inside the repository are relative to its root, with `/` between components;
//! the empty path is the root folder itself.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use git2::{
    Commit, Delta, DiffFindOptions, DiffOptions, ErrorClass, ErrorCode, ObjectType, Oid,
    Repository, Tree,
};
use kensa_manifest::{Lang, Text};

/// A git repository holding kensa manifests.
pub struct Repo {
    repo: Repository,
    /// Commits whose parents are not in this clone (the `shallow` file).
    shallow: HashSet<Oid>,
}

impl fmt::Debug for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repo")
            .field("path", &self.repo.path())
            .field("bare", &self.repo.is_bare())
            .field("shallow", &self.is_shallow())
            .finish()
    }
}

/// A manifest as stored in one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The id of the manifest's blob (a file) or tree (a folder): equal ids mean equal
    /// manifests, so this is the key to cache results under.
    pub id: Oid,
    /// The YAML files, sorted by label: `<path>` for a file manifest,
    /// `<path>/<sub/path>.yaml` for a folder (`<sub/path>.yaml` for the root folder).
    pub files: Vec<(String, Vec<u8>)>,
}

/// A commit that changed a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The commit.
    pub commit: Oid,
    /// Its abbreviated id: at least 7 hex digits, unambiguous in the repository.
    pub short: String,
    /// When it was committed (committer time, as `git log --format=%ct`), in seconds
    /// since the Unix epoch.
    pub time: i64,
    /// The committer's UTC offset, in minutes.
    pub offset_minutes: i32,
    /// The author's name (without e-mail address).
    pub author: String,
    /// The subject of the commit message (its first paragraph, on one line).
    pub summary: String,
    /// The manifest's path at this commit (renames are followed).
    pub path: String,
    /// The manifest's blob or tree id at this commit; `None` when the commit deleted it.
    pub entry: Option<Oid>,
    /// The manifest's path in the first parent, when this commit renamed it.
    pub renamed_from: Option<String>,
}

/// The commits that changed a manifest, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// Each commit on the first-parent line whose manifest differs from its first
    /// parent's (a different entry id, or a rename), newest first. The root commit
    /// counts when the manifest exists there.
    pub changes: Vec<Change>,
    /// Whether the walk stopped at the boundary of a shallow clone: older changes exist
    /// but are not in this clone.
    pub truncated: bool,
    /// When truncated, the oldest commit the clone holds on the first-parent line, with
    /// the manifest's path and entry there. It did not necessarily change the manifest;
    /// it shows the oldest state that can be read.
    pub boundary: Option<Change>,
}

/// What went wrong reading git.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GitErrorKind {
    /// The path is not inside a git repository (or the repository cannot be opened).
    NotARepository,
    /// A revision (branch, tag, commit, range) does not name a commit.
    RevisionNotFound,
    /// A revision or part of the history is missing because the clone is shallow.
    ShallowClone,
    /// The manifest path is not in the repository (at the revision named), or outside it.
    PathNotFound,
    /// A git object is missing or damaged.
    Corrupt,
    /// Anything else libgit2 reported.
    Other,
}

/// An error reading git, located and with what to do, in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitError {
    /// What kind of error.
    pub kind: GitErrorKind,
    /// What went wrong and what to do.
    pub message: Text,
}

impl GitError {
    fn new(kind: GitErrorKind, ja: impl Into<String>, en: impl Into<String>) -> GitError {
        GitError {
            kind,
            message: Text::new(ja, en),
        }
    }

    /// An error of kind [`GitErrorKind::Other`] with its message.
    #[must_use]
    pub fn other(ja: impl Into<String>, en: impl Into<String>) -> GitError {
        GitError::new(GitErrorKind::Other, ja, en)
    }

    /// The message in `lang`.
    #[must_use]
    pub fn message(&self, lang: Lang) -> &str {
        self.message.get(lang)
    }
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message.en)
    }
}

impl std::error::Error for GitError {}

/// A manifest entry in a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    id: Oid,
    kind: Option<ObjectType>,
    mode: i32,
}

const SYMLINK_MODE: i32 = 0o120_000;

impl Repo {
    /// Finds the repository containing `path` and returns it with the path relative to
    /// the repository root (with `/`). `path` need not exist: the nearest existing
    /// folder above it is searched from, so a path inside a bare repository
    /// (`repo.git/manifests/a.yaml`) names `manifests/a.yaml` there.
    ///
    /// # Errors
    /// [`GitErrorKind::NotARepository`] when no repository contains `path`;
    /// [`GitErrorKind::PathNotFound`] when `path` is not under the repository's root
    /// (its worktree, or the folder of a bare repository) or is not UTF-8.
    pub fn discover(path: &Path) -> Result<(Repo, String), GitError> {
        let shown = display(path);
        let absolute = std::path::absolute(path).map_err(|e| not_a_repository(&shown, &e))?;
        let absolute = lexical(&absolute);
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        // A symbolic link is kept as named (git stores the link itself), not resolved.
        if existing
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
            && let (Some(parent), Some(name)) = (existing.parent(), existing.file_name())
        {
            rest.push(name.to_owned());
            existing = parent;
        }
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => break,
            }
        }
        let real = existing
            .canonicalize()
            .map_err(|e| not_a_repository(&shown, &e))?;
        let search = if real.is_dir() {
            real.as_path()
        } else {
            real.parent().unwrap_or(real.as_path())
        };
        let repo = Repository::discover(search).map_err(|e| open_error(&shown, &e))?;
        let repo = Repo::wrap(repo);
        let root = repo.root();
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let mut full = real;
        for name in rest.iter().rev() {
            full.push(name);
        }
        let Ok(relative) = full.strip_prefix(&root) else {
            return Err(GitError::new(
                GitErrorKind::PathNotFound,
                format!(
                    "`{shown}` はリポジトリ `{}` の外にあります。リポジトリの中のマニフェストを指定してください",
                    display(&root)
                ),
                format!(
                    "`{shown}` is outside the repository `{}`: give a manifest inside it",
                    display(&root)
                ),
            ));
        };
        let mut parts = Vec::new();
        for part in relative.components() {
            match part.as_os_str().to_str() {
                Some(s) => parts.push(s.to_owned()),
                None => {
                    return Err(GitError::new(
                        GitErrorKind::PathNotFound,
                        format!("`{shown}` のパスが UTF-8 ではありません。名前を変更してください"),
                        format!("the path `{shown}` is not UTF-8: rename it"),
                    ));
                }
            }
        }
        Ok((repo, parts.join("/")))
    }

    /// Opens the repository at `dir`: a worktree's top folder (normal or linked) or a
    /// bare repository's folder. Paths are then given relative to its root.
    ///
    /// # Errors
    /// [`GitErrorKind::NotARepository`] when `dir` is not a repository.
    pub fn open(dir: &Path) -> Result<Repo, GitError> {
        Repository::open(dir)
            .map(Repo::wrap)
            .map_err(|e| open_error(&display(dir), &e))
    }

    /// Another handle on the same repository, for reading it on another thread.
    ///
    /// # Errors
    /// [`GitErrorKind::NotARepository`] when it can no longer be opened.
    pub fn reopen(&self) -> Result<Repo, GitError> {
        let dir = self.root();
        Repository::open(dir)
            .map(|repo| Repo {
                repo,
                shallow: self.shallow.clone(),
            })
            .map_err(|e| open_error(&display(dir), &e))
    }

    fn wrap(repo: Repository) -> Repo {
        let mut shallow = HashSet::new();
        // libgit2 reads `shallow` from the worktree's git dir; git keeps it in the
        // common dir, so read both.
        for dir in [repo.path(), repo.commondir()] {
            if let Ok(text) = std::fs::read_to_string(dir.join("shallow")) {
                shallow.extend(text.lines().filter_map(|l| Oid::from_str(l.trim()).ok()));
            }
        }
        Repo { repo, shallow }
    }

    /// The underlying libgit2 repository.
    #[must_use]
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The folder repository paths are relative to: the worktree, or the git folder of a
    /// bare repository.
    #[must_use]
    pub fn root(&self) -> &Path {
        self.repo.workdir().unwrap_or_else(|| self.repo.path())
    }

    /// Whether this is a shallow clone (part of the history is not here).
    #[must_use]
    pub fn is_shallow(&self) -> bool {
        !self.shallow.is_empty() || self.repo.is_shallow()
    }

    /// Whether this is a bare repository (no worktree).
    #[must_use]
    pub fn is_bare(&self) -> bool {
        self.repo.is_bare()
    }

    /// Where kensa may keep its cache: `<git dir>/kensa`, in the common git folder for
    /// linked worktrees (shared by all worktrees of the repository).
    #[must_use]
    pub fn cache_dir(&self) -> PathBuf {
        self.repo.commondir().join("kensa")
    }

    /// Resolves a commit-ish (`HEAD`, `main`, `v1.0`, `abc1234`, `HEAD~3`, anything
    /// `git rev-parse` takes) to a commit id; tags are peeled to their commit.
    ///
    /// # Errors
    /// [`GitErrorKind::RevisionNotFound`] when it names no commit;
    /// [`GitErrorKind::ShallowClone`] when it is missing from a shallow clone, with the
    /// command that fetches it; [`GitErrorKind::Corrupt`] for a damaged object.
    pub fn resolve(&self, rev: &str) -> Result<Oid, GitError> {
        if rev.trim().is_empty() {
            return Err(GitError::new(
                GitErrorKind::RevisionNotFound,
                "リビジョンが空です。ブランチ、タグ、コミットのいずれかを指定してください（例: `HEAD`, `main`, `v1.0`）",
                "the revision is empty: give a branch, tag or commit (e.g. `HEAD`, `main`, `v1.0`)",
            ));
        }
        let object = match self.repo.revparse_single(rev) {
            Ok(object) => object,
            Err(e) => return Err(self.revision_error(rev, &e)),
        };
        match object.peel_to_commit() {
            Ok(commit) => Ok(commit.id()),
            Err(e)
                if is_damage(&e)
                    && !matches!(e.code(), ErrorCode::Peel | ErrorCode::InvalidSpec) =>
            {
                Err(corrupt(object.id(), &same(format!("`{rev}`")), &e))
            }
            Err(_) => {
                let kind = object.kind().map_or("object", |k| k.str());
                Err(GitError::new(
                    GitErrorKind::RevisionNotFound,
                    format!(
                        "`{rev}` はコミットではなく {kind} です。ブランチ、タグ、コミットを指定してください"
                    ),
                    format!("`{rev}` is a {kind}, not a commit: give a branch, tag or commit"),
                ))
            }
        }
    }

    fn revision_error(&self, rev: &str, e: &git2::Error) -> GitError {
        if e.code() == ErrorCode::Ambiguous {
            return GitError::new(
                GitErrorKind::RevisionNotFound,
                format!("`{rev}` は複数のオブジェクトに一致します。ID の桁数を増やしてください"),
                format!("`{rev}` is ambiguous: give more hex digits of the commit id"),
            );
        }
        if e.code() == ErrorCode::InvalidSpec {
            return GitError::new(
                GitErrorKind::RevisionNotFound,
                format!(
                    "`{rev}` はリビジョンとして読めません（{}）。ブランチ、タグ、コミットを指定してください",
                    e.message()
                ),
                format!(
                    "`{rev}` is not a valid revision ({}): give a branch, tag or commit",
                    e.message()
                ),
            );
        }
        let missing = matches!(
            e.code(),
            ErrorCode::NotFound | ErrorCode::UnbornBranch | ErrorCode::Peel
        );
        if !missing && is_damage(e) {
            return GitError::new(
                GitErrorKind::Corrupt,
                format!(
                    "`{rev}` を読む途中で壊れたオブジェクトがありました: {}。`git fsck` で確認し、クローンし直してください",
                    e.message()
                ),
                format!(
                    "a damaged object was met reading `{rev}`: {}. Check with `git fsck`, or clone again",
                    e.message()
                ),
            );
        }
        if !missing {
            return other(&same(format!("`{rev}`")), e);
        }
        if self.is_shallow() {
            return self.shallow_error(rev);
        }
        let no_commit = matches!(self.repo.head(), Err(h) if h.code() == ErrorCode::UnbornBranch)
            && self
                .repo
                .references()
                .is_ok_and(|mut refs| refs.next().is_none());
        if no_commit {
            return GitError::new(
                GitErrorKind::RevisionNotFound,
                format!(
                    "リポジトリにまだコミットがないため `{rev}` がありません。マニフェストをコミットしてください"
                ),
                format!(
                    "`{rev}` does not exist yet: the repository has no commit. Commit the manifest first"
                ),
            );
        }
        GitError::new(
            GitErrorKind::RevisionNotFound,
            format!(
                "リビジョン `{rev}` が見つかりません。ブランチ、タグ、コミットを指定してください（`git log --oneline` でコミットを一覧できます）"
            ),
            format!(
                "revision `{rev}` not found: give a branch, tag or commit (`git log --oneline` lists commits)"
            ),
        )
    }

    /// A revision missing from a shallow clone, with the command that fetches it.
    fn shallow_error(&self, rev: &str) -> GitError {
        let (base, generations) = split_ancestry(rev);
        let mut fetch_ja = String::new();
        let mut fetch_en = String::new();
        if generations > 0
            && !base.is_empty()
            && let Ok(start) = self
                .repo
                .revparse_single(base)
                .and_then(|o| o.peel_to_commit())
        {
            let (available, reached_root) = self.first_parent_depth(&start, generations);
            if reached_root {
                return GitError::new(
                    GitErrorKind::RevisionNotFound,
                    format!(
                        "`{rev}` は最初のコミットより前を指しています（`{base}` の祖先は {available} 世代までです）"
                    ),
                    format!(
                        "`{rev}` goes past the first commit (`{base}` has {available} generations of ancestors)"
                    ),
                );
            }
            let missing = generations.saturating_sub(available);
            if missing > 0 {
                fetch_ja = format!("`git fetch --deepen={missing}` で取得するか、");
                fetch_en = format!("fetch it with `git fetch --deepen={missing}`, or ");
            }
        }
        // "fetch it with `--deepen`, or the whole history with …", or only the latter.
        let en_fetch = if fetch_en.is_empty() {
            "fetch the whole history with".to_owned()
        } else {
            format!("{fetch_en}the whole history with")
        };
        GitError::new(
            GitErrorKind::ShallowClone,
            format!(
                "`{rev}` はこのシャロークローン（履歴の一部だけの clone）にありません。{fetch_ja}`git fetch --unshallow` で全履歴を取得してください（リモートのブランチやタグなら `git fetch --unshallow origin <名前>` の後 `origin/<名前>` を指定）。GitHub Actions では actions/checkout に `fetch-depth: 0` を指定してください"
            ),
            format!(
                "`{rev}` is not in this shallow clone (a clone with part of the history): {en_fetch} `git fetch --unshallow` (for a branch or tag of the remote: `git fetch --unshallow origin <name>`, then use `origin/<name>`). In GitHub Actions, set `fetch-depth: 0` on actions/checkout"
            ),
        )
    }

    /// How many first-parent generations above `start` are in the clone (at most
    /// `limit`), and whether the walk ended at a true root commit.
    fn first_parent_depth(&self, start: &Commit<'_>, limit: usize) -> (usize, bool) {
        let mut commit = start.clone();
        let mut depth = 0;
        while depth < limit {
            if self.shallow.contains(&commit.id()) {
                return (depth, false);
            }
            let Some(parent) = commit.parent_ids().next() else {
                return (depth, true);
            };
            match self.repo.find_commit(parent) {
                Ok(parent) => commit = parent,
                Err(_) => return (depth, false),
            }
            depth += 1;
        }
        (depth, false)
    }

    /// Resolves a range to `(base, head)`:
    ///
    /// - `BASE..HEAD`: the two revisions as given;
    /// - `BASE...HEAD`: the merge base of the two, and `HEAD`;
    /// - a side left empty is `HEAD` (`v1.0..` is `v1.0..HEAD`, `..main` is `HEAD..main`);
    /// - a single revision `REV` is `REV..HEAD` (what changed since `REV`).
    ///
    /// # Errors
    /// [`GitErrorKind::RevisionNotFound`] for a malformed range (empty, `..`, more than
    /// one `..`), a side that names no commit, or two sides without a common ancestor;
    /// [`GitErrorKind::ShallowClone`] when a side or the merge base is missing from a
    /// shallow clone.
    pub fn resolve_range(&self, range: &str) -> Result<(Oid, Oid), GitError> {
        let invalid = || {
            GitError::new(
                GitErrorKind::RevisionNotFound,
                format!(
                    "`{range}` は範囲として読めません。`BASE..HEAD`、`BASE...HEAD`、または1つのリビジョン（そこから HEAD まで）を指定してください"
                ),
                format!(
                    "`{range}` is not a range: give `BASE..HEAD`, `BASE...HEAD`, or one revision (from there to HEAD)"
                ),
            )
        };
        let range = range.trim();
        if range.is_empty() {
            return Err(invalid());
        }
        let (base, head, symmetric) = if let Some((a, b)) = range.split_once("...") {
            (a, b, true)
        } else if let Some((a, b)) = range.split_once("..") {
            (a, b, false)
        } else {
            (range, "HEAD", false)
        };
        if base.contains("..") || head.contains("..") || (base.is_empty() && head.is_empty()) {
            return Err(invalid());
        }
        let base_rev = if base.is_empty() { "HEAD" } else { base };
        let head_rev = if head.is_empty() { "HEAD" } else { head };
        let base_id = self.resolve(base_rev)?;
        let head_id = self.resolve(head_rev)?;
        if !symmetric {
            return Ok((base_id, head_id));
        }
        match self.repo.merge_base(base_id, head_id) {
            Ok(merge_base) => Ok((merge_base, head_id)),
            Err(e) if e.code() == ErrorCode::NotFound && self.is_shallow() => Err(GitError::new(
                GitErrorKind::ShallowClone,
                format!(
                    "`{base_rev}` と `{head_rev}` の共通の祖先がこのシャロークローンにありません。`git fetch --unshallow` で全履歴を取得してください。GitHub Actions では actions/checkout に `fetch-depth: 0` を指定してください"
                ),
                format!(
                    "the common ancestor of `{base_rev}` and `{head_rev}` is not in this shallow clone: fetch the whole history with `git fetch --unshallow`. In GitHub Actions, set `fetch-depth: 0` on actions/checkout"
                ),
            )),
            Err(e) if e.code() == ErrorCode::NotFound => Err(GitError::new(
                GitErrorKind::RevisionNotFound,
                format!(
                    "`{base_rev}` と `{head_rev}` に共通の祖先がありません。`BASE..HEAD`（ドット2つ）で直接比べてください"
                ),
                format!(
                    "`{base_rev}` and `{head_rev}` have no common ancestor: compare them directly with `BASE..HEAD` (two dots)"
                ),
            )),
            Err(e) if is_damage(&e) => Err(corrupt(head_id, &same(format!("`{range}`")), &e)),
            Err(e) => Err(other(&same(format!("`{range}`")), &e)),
        }
    }

    /// The manifest at `path` in `commit`: the file's bytes, or every `.yaml`/`.yml`
    /// file under the folder (recursively; hidden entries, symbolic links and
    /// submodules skipped). `Ok(None)` when the path does not exist there.
    ///
    /// # Errors
    /// [`GitErrorKind::RevisionNotFound`] when `commit` is not a commit here;
    /// [`GitErrorKind::PathNotFound`] for a path leaving the repository (`..`);
    /// [`GitErrorKind::Corrupt`] when an object is missing or damaged;
    /// [`GitErrorKind::Other`] when the path is a symbolic link or a submodule.
    pub fn snapshot(&self, commit: Oid, path: &str) -> Result<Option<Snapshot>, GitError> {
        let path = clean_path(path)?;
        let commit = self.commit(commit)?;
        let tree = self.tree_of(&commit)?;
        let Some(entry) = self.entry_in(&tree, &commit, &path)? else {
            return Ok(None);
        };
        match entry.kind {
            Some(ObjectType::Blob) if entry.mode == SYMLINK_MODE => {
                let target = self
                    .repo
                    .find_blob(entry.id)
                    .map(|b| String::from_utf8_lossy(b.content()).into_owned())
                    .unwrap_or_default();
                Err(GitError::new(
                    GitErrorKind::Other,
                    format!(
                        "`{path}` はシンボリックリンク（→ `{target}`）です。リンク先のマニフェストのパスを指定してください"
                    ),
                    format!(
                        "`{path}` is a symbolic link (to `{target}`): give the path of the manifest it points to"
                    ),
                ))
            }
            Some(ObjectType::Blob) => {
                let bytes = self.blob(entry.id, &path, &commit)?;
                Ok(Some(Snapshot {
                    id: entry.id,
                    files: vec![(path, bytes)],
                }))
            }
            Some(ObjectType::Tree) => {
                let files = self.folder(entry.id, &path, &commit)?;
                Ok(Some(Snapshot {
                    id: entry.id,
                    files,
                }))
            }
            _ => Err(GitError::new(
                GitErrorKind::Other,
                format!(
                    "`{path}` はサブモジュールです。kensa はこのリポジトリの中のマニフェストだけを読みます。サブモジュールの中で実行してください"
                ),
                format!(
                    "`{path}` is a submodule: kensa reads manifests of this repository only; run it inside the submodule"
                ),
            )),
        }
    }

    /// The id of the manifest's blob or tree at `path` in `commit`, without reading any
    /// file; `Ok(None)` when the path does not exist there.
    ///
    /// # Errors
    /// As [`Repo::snapshot`], except that links and submodules give their id.
    pub fn entry_id(&self, commit: Oid, path: &str) -> Result<Option<Oid>, GitError> {
        let path = clean_path(path)?;
        let commit = self.commit(commit)?;
        let tree = self.tree_of(&commit)?;
        Ok(self.entry_in(&tree, &commit, &path)?.map(|e| e.id))
    }

    /// The commits that changed the manifest at `path`, walking first parents from
    /// `from`, newest first: each commit whose entry id for the manifest differs from
    /// its first parent's, the root commit when the manifest exists there. Merge commits
    /// are compared with their first parent only. Renames are followed: when the
    /// manifest is absent from the parent, the parent's path is found by rename
    /// detection (a file renamed, possibly edited; a folder moved whole, or whose files
    /// were renamed into it), and the walk continues under that path. The walk stops at
    /// the boundary of a shallow clone ([`History::truncated`]).
    ///
    /// # Errors
    /// [`GitErrorKind::PathNotFound`] when the manifest exists neither at `from` nor in
    /// any commit walked; [`GitErrorKind::RevisionNotFound`] when `from` is not a commit;
    /// [`GitErrorKind::Corrupt`] when a commit or tree is missing or damaged.
    pub fn history(&self, from: Oid, path: &str) -> Result<History, GitError> {
        let start_path = clean_path(path)?;
        let mut path = start_path.clone();
        let mut commit = self.commit(from)?;
        let mut tree = self.tree_of(&commit)?;
        let mut entry = self.entry_in(&tree, &commit, &path)?;
        let mut found = entry.is_some();
        let mut changes = Vec::new();
        let mut boundary = None;
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(commit.id()) {
                return Err(GitError::new(
                    GitErrorKind::Corrupt,
                    format!(
                        "コミット {} の親をたどると循環しています（grafts / replace の設定を確認してください）",
                        commit.id()
                    ),
                    format!(
                        "the parents of commit {} form a cycle: check the grafts / replace settings",
                        commit.id()
                    ),
                ));
            }
            if self.shallow.contains(&commit.id()) {
                boundary = Some(self.change(&commit, &path, entry, None));
                break;
            }
            let Some(parent_id) = commit.parent_ids().next() else {
                if entry.is_some() {
                    changes.push(self.change(&commit, &path, entry, None));
                }
                break;
            };
            let parent = match self.repo.find_commit(parent_id) {
                Ok(parent) => parent,
                Err(e) if e.code() == ErrorCode::NotFound && self.is_shallow() => {
                    boundary = Some(self.change(&commit, &path, entry, None));
                    break;
                }
                Err(e) => {
                    return Err(corrupt(
                        parent_id,
                        &Text::new(
                            format!("コミット {} の親", commit.id()),
                            format!("the parent of commit {}", commit.id()),
                        ),
                        &e,
                    ));
                }
            };
            let parent_tree = self.tree_of(&parent)?;
            let mut parent_path = path.clone();
            let mut parent_entry = if parent.tree_id() == tree.id() {
                entry
            } else {
                self.entry_in(&parent_tree, &parent, &path)?
            };
            let mut renamed_from = None;
            if let (Some(now), None) = (entry, parent_entry)
                && let Some(old) = self.rename_source(&parent_tree, &tree, &path, now)?
            {
                parent_entry = self.entry_in(&parent_tree, &parent, &old)?;
                parent_path.clone_from(&old);
                renamed_from = Some(old);
            }
            if entry != parent_entry || renamed_from.is_some() {
                changes.push(self.change(&commit, &path, entry, renamed_from));
            }
            found |= parent_entry.is_some();
            commit = parent;
            tree = parent_tree;
            path = parent_path;
            entry = parent_entry;
        }
        if !found {
            return Err(self.path_not_found(&start_path, from, boundary.is_some()));
        }
        Ok(History {
            changes,
            truncated: boundary.is_some(),
            boundary,
        })
    }

    fn path_not_found(&self, path: &str, at: Oid, truncated: bool) -> GitError {
        let short = self.short(at);
        let shown = if path.is_empty() { "." } else { path };
        if self.only_in_worktree(path) {
            return GitError::new(
                GitErrorKind::PathNotFound,
                format!(
                    "`{shown}` はまだコミットされていません（作業ツリーにはありますが、コミット {short} にもその履歴にもありません）。`git add` と `git commit` でコミットすると履歴を追えます。今の内容は `kensa check` で確認できます"
                ),
                format!(
                    "`{shown}` is not committed yet: it is in the working tree, but neither in commit {short} nor in its history. Commit it (`git add`, then `git commit`) to start its history; `kensa check` checks it as it is now"
                ),
            );
        }
        let (more_ja, more_en) = if truncated {
            (
                "（このシャロークローンにある範囲の履歴。それより前にあった場合は `git fetch --unshallow` で全履歴を取得してください）",
                " (the part of it in this shallow clone; if it existed earlier, fetch the whole history with `git fetch --unshallow`)",
            )
        } else {
            ("", "")
        };
        GitError::new(
            GitErrorKind::PathNotFound,
            format!(
                "`{shown}` はコミット {short} にも、その履歴{more_ja}にもありません。リポジトリのルートからのパスを確認してください"
            ),
            format!(
                "`{shown}` is neither in commit {short} nor in its history{more_en}: check the path (relative to the repository root)"
            ),
        )
    }

    /// Whether `path` (relative to the root) exists in the worktree but not in the
    /// commit `HEAD` points to: a manifest written but not committed yet.
    fn only_in_worktree(&self, path: &str) -> bool {
        let Some(workdir) = self.repo.workdir() else {
            return false;
        };
        if path.is_empty() || workdir.join(path).symlink_metadata().is_err() {
            return false;
        }
        let in_head = self
            .repo
            .head()
            .and_then(|head| head.peel_to_tree())
            .is_ok_and(|tree| tree.get_path(Path::new(path)).is_ok());
        !in_head
    }

    fn change(
        &self,
        commit: &Commit<'_>,
        path: &str,
        entry: Option<Entry>,
        renamed_from: Option<String>,
    ) -> Change {
        let time = commit.time();
        Change {
            commit: commit.id(),
            short: self.short(commit.id()),
            time: time.seconds(),
            offset_minutes: time.offset_minutes(),
            author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
            summary: commit
                .summary_bytes()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default(),
            path: path.to_owned(),
            entry: entry.map(|e| e.id),
            renamed_from,
        }
    }

    /// The shortest unambiguous abbreviation (at least 7 digits) of `id`.
    fn short(&self, id: Oid) -> String {
        self.repo
            .find_object(id, None)
            .ok()
            .and_then(|o| o.short_id().ok())
            .and_then(|b| b.as_str().ok().map(str::to_owned))
            .unwrap_or_else(|| id.to_string().chars().take(12).collect())
    }

    fn commit(&self, id: Oid) -> Result<Commit<'_>, GitError> {
        self.repo.find_commit(id).map_err(|e| {
            if is_damage(&e) && e.code() != ErrorCode::NotFound {
                corrupt(id, &Text::new("コミット", "commit"), &e)
            } else if e.code() == ErrorCode::NotFound && self.is_shallow() {
                self.shallow_error(&id.to_string())
            } else {
                GitError::new(
                    GitErrorKind::RevisionNotFound,
                    format!("コミット {id} がこのリポジトリにありません"),
                    format!("commit {id} is not in this repository"),
                )
            }
        })
    }

    fn tree_of<'r>(&'r self, commit: &Commit<'r>) -> Result<Tree<'r>, GitError> {
        commit.tree().map_err(|e| {
            corrupt(
                commit.tree_id(),
                &Text::new(
                    format!("コミット {} のツリー", commit.id()),
                    format!("the tree of commit {}", commit.id()),
                ),
                &e,
            )
        })
    }

    /// The entry at `path` in `tree` (the tree itself for the empty path).
    fn entry_in(
        &self,
        tree: &Tree<'_>,
        commit: &Commit<'_>,
        path: &str,
    ) -> Result<Option<Entry>, GitError> {
        if path.is_empty() {
            return Ok(Some(Entry {
                id: tree.id(),
                kind: Some(ObjectType::Tree),
                mode: 0o040_000,
            }));
        }
        match tree.get_path(Path::new(path)) {
            Ok(entry) => Ok(Some(Entry {
                id: entry.id(),
                kind: entry.kind(),
                mode: entry.filemode(),
            })),
            Err(e) if e.code() == ErrorCode::NotFound && e.class() == ErrorClass::Tree => Ok(None),
            Err(e) => Err(GitError::new(
                GitErrorKind::Corrupt,
                format!(
                    "コミット {} の `{path}` を読む途中で、git オブジェクトが見つからないか壊れていました: {}。`git fsck` で確認し、クローンし直してください",
                    commit.id(),
                    e.message()
                ),
                format!(
                    "a git object is missing or damaged on the way to `{path}` in commit {}: {}. Check with `git fsck`, or clone again",
                    commit.id(),
                    e.message()
                ),
            )),
        }
    }

    fn blob(&self, id: Oid, label: &str, commit: &Commit<'_>) -> Result<Vec<u8>, GitError> {
        self.repo
            .find_blob(id)
            .map(|b| b.content().to_vec())
            .map_err(|e| {
                let what = Text::new(
                    format!("コミット {} の `{label}`", commit.id()),
                    format!("`{label}` in commit {}", commit.id()),
                );
                corrupt(id, &what, &e)
            })
    }

    /// Every YAML file under the folder `id` at `path`, sorted by label.
    fn folder(
        &self,
        id: Oid,
        path: &str,
        commit: &Commit<'_>,
    ) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        let mut files = Vec::new();
        let mut pending = vec![(id, path.to_owned())];
        while let Some((id, prefix)) = pending.pop() {
            let tree = self.repo.find_tree(id).map_err(|e| {
                let shown = if prefix.is_empty() { "." } else { &prefix };
                let what = Text::new(
                    format!("コミット {} の `{shown}`", commit.id()),
                    format!("`{shown}` in commit {}", commit.id()),
                );
                corrupt(id, &what, &e)
            })?;
            for entry in &tree {
                let name = String::from_utf8_lossy(entry.name_bytes());
                if name.starts_with('.') {
                    continue;
                }
                let label = if prefix.is_empty() {
                    name.into_owned()
                } else {
                    format!("{prefix}/{name}")
                };
                match entry.kind() {
                    Some(ObjectType::Tree) => pending.push((entry.id(), label)),
                    Some(ObjectType::Blob)
                        if entry.filemode() != SYMLINK_MODE
                            && (label.ends_with(".yaml") || label.ends_with(".yml")) =>
                    {
                        let bytes = self.blob(entry.id(), &label, commit)?;
                        files.push((label, bytes));
                    }
                    _ => {}
                }
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    /// Where the manifest at `path` (absent from `old`, present in `new` as `now`) came
    /// from, by rename detection between the two trees.
    fn rename_source(
        &self,
        old: &Tree<'_>,
        new: &Tree<'_>,
        path: &str,
        now: Entry,
    ) -> Result<Option<String>, GitError> {
        let fail = |e: git2::Error| {
            other(
                &Text::new(
                    format!("ツリー {} と {} の間の名前変更", old.id(), new.id()),
                    format!("the renames between trees {} and {}", old.id(), new.id()),
                ),
                &e,
            )
        };
        let mut options = DiffOptions::new();
        options.skip_binary_check(true);
        let mut diff = self
            .repo
            .diff_tree_to_tree(Some(old), Some(new), Some(&mut options))
            .map_err(fail)?;
        let is_folder = now.kind == Some(ObjectType::Tree);
        if is_folder {
            // A folder moved whole: one of the deleted files' folders is the same tree.
            let mut candidates = Vec::new();
            for delta in diff.deltas() {
                if delta.status() != Delta::Deleted {
                    continue;
                }
                let Some(deleted) = delta.old_file().path_bytes() else {
                    continue;
                };
                let deleted = String::from_utf8_lossy(deleted);
                let mut folder = deleted.as_ref();
                while let Some((parent, _)) = folder.rsplit_once('/') {
                    folder = parent;
                    candidates.push(folder.to_owned());
                }
            }
            candidates.sort();
            candidates.dedup();
            for candidate in candidates {
                if let Ok(entry) = old.get_path(Path::new(&candidate))
                    && entry.id() == now.id
                    && new.get_path(Path::new(&candidate)).is_err()
                {
                    return Ok(Some(candidate));
                }
            }
        }
        let mut find = DiffFindOptions::new();
        find.renames(true);
        diff.find_similar(Some(&mut find)).map_err(fail)?;
        if !is_folder {
            for delta in diff.deltas() {
                if delta.status() == Delta::Renamed
                    && delta.new_file().path_bytes() == Some(path.as_bytes())
                    && let Some(from) = delta.old_file().path_bytes()
                {
                    return Ok(Some(String::from_utf8_lossy(from).into_owned()));
                }
            }
            return Ok(None);
        }
        // A folder moved and edited: its files were renamed from `<old>/<same sub path>`;
        // the old folder most of them came from, if it no longer exists, is the source.
        let prefix = format!("{path}/");
        let mut votes: BTreeMap<String, usize> = BTreeMap::new();
        for delta in diff.deltas() {
            if delta.status() != Delta::Renamed {
                continue;
            }
            let (Some(to), Some(from)) =
                (delta.new_file().path_bytes(), delta.old_file().path_bytes())
            else {
                continue;
            };
            let (to, from) = (String::from_utf8_lossy(to), String::from_utf8_lossy(from));
            let Some(sub) = to.strip_prefix(&prefix) else {
                continue;
            };
            if let Some(folder) = from.strip_suffix(sub).and_then(|f| f.strip_suffix('/'))
                && !folder.is_empty()
            {
                *votes.entry(folder.to_owned()).or_default() += 1;
            }
        }
        let mut ranked: Vec<(String, usize)> = votes.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (folder, _) in ranked {
            let was_folder = old
                .get_path(Path::new(&folder))
                .is_ok_and(|e| e.kind() == Some(ObjectType::Tree));
            if was_folder && new.get_path(Path::new(&folder)).is_err() {
                return Ok(Some(folder));
            }
        }
        Ok(None)
    }
}

/// Splits `HEAD~3^` into `("HEAD", 4)`: the base and the generations above it.
fn split_ancestry(rev: &str) -> (&str, usize) {
    let mut rest = rev;
    let mut generations = 0usize;
    loop {
        let digits = rest.len() - rest.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let before = &rest[..rest.len() - digits];
        let (op, number) = (before.chars().last(), &rest[rest.len() - digits..]);
        match op {
            Some('~') => {
                let n = if number.is_empty() {
                    1
                } else {
                    number.parse::<usize>().unwrap_or(usize::MAX)
                };
                generations = generations.saturating_add(n);
            }
            Some('^') => {
                let n = number.parse::<usize>().unwrap_or(1);
                generations = generations.saturating_add(usize::from(n != 0));
            }
            _ => return (rest, generations),
        }
        rest = &before[..before.len() - 1];
    }
}

/// A repository path with `/` separators, without `.`, empty components or a leading
/// `/`; `..` is refused.
fn clean_path(path: &str) -> Result<String, GitError> {
    if path.contains('\0') {
        return Err(GitError::new(
            GitErrorKind::PathNotFound,
            format!(
                "`{}` は NUL 文字を含むため、パスとして使えません",
                path.escape_debug()
            ),
            format!(
                "`{}` contains a NUL character: it cannot be a path",
                path.escape_debug()
            ),
        ));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(GitError::new(
                    GitErrorKind::PathNotFound,
                    format!(
                        "`{path}` は `..` を含みます。リポジトリのルートからのパスを指定してください"
                    ),
                    format!(
                        "`{path}` contains `..`: give the path relative to the repository root"
                    ),
                ));
            }
            part => parts.push(part),
        }
    }
    Ok(parts.join("/"))
}

/// `path` with `.` and `..` resolved without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Whether libgit2 reports a missing or damaged object.
fn is_damage(e: &git2::Error) -> bool {
    matches!(
        e.class(),
        ErrorClass::Odb | ErrorClass::Zlib | ErrorClass::Object
    ) || e.code() == ErrorCode::HashsumMismatch
}

fn corrupt(id: Oid, what: &Text, e: &git2::Error) -> GitError {
    GitError::new(
        GitErrorKind::Corrupt,
        format!(
            "git オブジェクト {id}（{}）が見つからないか壊れています: {}。`git fsck` で確認し、リモートから取り直すか（`git fetch`）、クローンし直してください（部分クローン `--filter` では一度チェックアウトすると取得されます）",
            what.ja,
            e.message()
        ),
        format!(
            "the git object {id} ({}) is missing or damaged: {}. Check with `git fsck`, then fetch it again (`git fetch`) or clone again (in a partial clone, `--filter`, checking the revision out once fetches it)",
            what.en,
            e.message()
        ),
    )
}

/// The same words in both languages (a revision, a path).
fn same(words: String) -> Text {
    Text::new(words.clone(), words)
}

fn other(what: &Text, e: &git2::Error) -> GitError {
    GitError::new(
        GitErrorKind::Other,
        format!("{} を git から読めませんでした: {}", what.ja, e.message()),
        format!("could not read {} from git: {}", what.en, e.message()),
    )
}

fn not_a_repository(shown: &str, e: &std::io::Error) -> GitError {
    GitError::new(
        GitErrorKind::NotARepository,
        format!("`{shown}` を git リポジトリとして開けません: {e}"),
        format!("cannot open `{shown}` as a git repository: {e}"),
    )
}

fn open_error(shown: &str, e: &git2::Error) -> GitError {
    if e.code() == ErrorCode::Owner {
        return GitError::new(
            GitErrorKind::NotARepository,
            format!(
                "`{shown}` のリポジトリは別のユーザーが所有しています。信頼できる場合は `git config --global --add safe.directory <リポジトリのパス>` を実行してください（{}）",
                e.message()
            ),
            format!(
                "the repository of `{shown}` is owned by another user: if you trust it, run `git config --global --add safe.directory <repository path>` ({})",
                e.message()
            ),
        );
    }
    if e.code() == ErrorCode::NotFound {
        return GitError::new(
            GitErrorKind::NotARepository,
            format!(
                "`{shown}` は git リポジトリの中にありません。リポジトリ（作業ツリーまたは bare リポジトリ）の中のマニフェストを指定するか、`git init` でリポジトリを作成してください"
            ),
            format!(
                "`{shown}` is not inside a git repository: give a manifest inside a repository (a worktree or a bare repository), or create one with `git init`"
            ),
        );
    }
    GitError::new(
        GitErrorKind::NotARepository,
        format!(
            "`{shown}` の git リポジトリを開けません: {}。`git status` で状態を確認してください",
            e.message()
        ),
        format!(
            "cannot open the git repository of `{shown}`: {}. Check it with `git status`",
            e.message()
        ),
    )
}
