//! Reading manifests from git objects: snapshots, history, repository layouts
//! (worktree, linked worktree, detached HEAD, bare, shallow) and errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature, Time};
use kensa_history::git::{Change, GitError, GitErrorKind, Repo};
use kensa_manifest::Lang;
use tempfile::TempDir;

/// A repository in a temporary folder, committed to with fixed signatures.
struct Fixture {
    dir: TempDir,
    repo: Repository,
    clock: i64,
}

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

impl Fixture {
    fn new() -> Fixture {
        let dir = TempDir::new().expect("temp dir");
        let repo = Repository::init_opts(
            dir.path(),
            RepositoryInitOptions::new().initial_head("main"),
        )
        .expect("init");
        Fixture {
            dir,
            repo,
            clock: 0,
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }

    fn remove(&self, path: &str) {
        let full = self.root().join(path);
        if full.is_dir() {
            std::fs::remove_dir_all(full).expect("rm -r");
        } else {
            std::fs::remove_file(full).expect("rm");
        }
    }

    fn rename(&self, from: &str, to: &str) {
        let to = self.root().join(to);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::rename(self.root().join(from), to).expect("mv");
    }

    fn signature(&mut self) -> Signature<'static> {
        self.clock += 1;
        Signature::new(
            "山田 花子",
            "hanako@example.jp",
            &Time::new(START + self.clock * 3600, 540),
        )
        .expect("signature")
    }

    /// Stages the whole worktree and commits it on `HEAD`.
    fn commit(&mut self, message: &str) -> Oid {
        let parents: Vec<Oid> = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.target())
            .into_iter()
            .collect();
        self.commit_on("HEAD", &parents, message)
    }

    /// Stages the whole worktree and commits it with `parents`, updating `reference`.
    fn commit_on(&mut self, reference: &str, parents: &[Oid], message: &str) -> Oid {
        let signature = self.signature();
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"], IndexAddOption::DEFAULT, None)
            .expect("add");
        index.update_all(["*"], None).expect("update");
        index.write().expect("write index");
        let tree = self
            .repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("find tree");
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).expect("parent"))
            .collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        self.repo
            .commit(
                Some(reference),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .expect("commit")
    }

    fn open(&self) -> Repo {
        Repo::open(self.root()).expect("open")
    }

    fn blob_id(&self, text: &str) -> Oid {
        Oid::hash_object(git2::ObjectType::Blob, text.as_bytes()).expect("hash")
    }
}

/// A manifest-like text of many lines, so that an edit keeps it similar for rename
/// detection.
fn yaml(version: u32) -> String {
    let mut text = format!("# version {version}\ninstitution:\n  name: テスト医院\n");
    for i in 0..30 {
        text.push_str(&format!("  field_{i}: value {i}\n"));
    }
    text
}

fn git(args: &[&str], dir: &Path) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_TERMINAL_PROMPT", "0")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

fn summary(changes: &[Change]) -> Vec<(Oid, String, Option<String>)> {
    changes
        .iter()
        .map(|c| (c.commit, c.path.clone(), c.renamed_from.clone()))
        .collect()
}

fn err<T: std::fmt::Debug>(result: Result<T, GitError>) -> GitError {
    result.expect_err("an error")
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().expect("canonicalize")
}

#[test]
fn file_manifest_snapshot_reads_the_blob_at_each_commit() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    f.write("README.md", "readme\n");
    let c1 = f.commit("Add manifest");
    f.write("kensa.yaml", &yaml(2));
    let c2 = f.commit("Edit manifest");
    let repo = f.open();

    let old = repo
        .snapshot(c1, "kensa.yaml")
        .expect("ok")
        .expect("present");
    assert_eq!(old.id, f.blob_id(&yaml(1)));
    assert_eq!(
        old.files,
        vec![("kensa.yaml".to_owned(), yaml(1).into_bytes())]
    );
    let new = repo
        .snapshot(c2, "./kensa.yaml")
        .expect("ok")
        .expect("present");
    assert_eq!(new.id, f.blob_id(&yaml(2)));
    assert_eq!(new.files[0].1, yaml(2).into_bytes());
    assert_eq!(repo.entry_id(c2, "kensa.yaml").expect("ok"), Some(new.id));

    assert_eq!(repo.snapshot(c2, "missing.yaml").expect("ok"), None);
    assert_eq!(repo.snapshot(c2, "kensa.yaml/inner").expect("ok"), None);
    assert_eq!(repo.entry_id(c2, "nope/kensa.yaml").expect("ok"), None);
    assert!(!repo.is_bare());
    assert!(!repo.is_shallow());
}

#[test]
fn folder_manifest_snapshot_collects_yaml_files_recursively_sorted() {
    let mut f = Fixture::new();
    f.write("site/z.yaml", "z: 1\n");
    f.write("site/a.yaml", "a: 1\n");
    f.write("site/sub/b.yml", "b: 1\n");
    f.write("site/sub/deeper/c.yaml", "c: 1\n");
    f.write("site/.hidden.yaml", "hidden: 1\n");
    f.write("site/.drafts/d.yaml", "hidden: 2\n");
    f.write("site/notes.md", "not yaml\n");
    f.write("site/data.json", "{}\n");
    f.write("other.yaml", "outside: 1\n");
    let c = f.commit("Add folder");
    let repo = f.open();

    let snapshot = repo.snapshot(c, "site").expect("ok").expect("present");
    let tree = f.repo.find_commit(c).expect("commit").tree().expect("tree");
    assert_eq!(snapshot.id, tree.get_name("site").expect("entry").id());
    let labels: Vec<&str> = snapshot.files.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "site/a.yaml",
            "site/sub/b.yml",
            "site/sub/deeper/c.yaml",
            "site/z.yaml"
        ]
    );
    assert_eq!(snapshot.files[1].1, b"b: 1\n");
    // A trailing slash names the same folder.
    assert_eq!(repo.snapshot(c, "site/").expect("ok"), Some(snapshot));

    // The root folder itself: labels without a prefix.
    let root = repo.snapshot(c, "").expect("ok").expect("present");
    assert_eq!(root.id, tree.id());
    let labels: Vec<&str> = root.files.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "other.yaml",
            "site/a.yaml",
            "site/sub/b.yml",
            "site/sub/deeper/c.yaml",
            "site/z.yaml"
        ]
    );
}

#[test]
fn folder_snapshot_loads_like_the_folder_on_disk() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests/examples");
    let source = examples.join("hospital-mixed");
    let mut f = Fixture::new();
    for entry in std::fs::read_dir(&source).expect("read dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path()).expect("read");
        f.write(&format!("manifests/hospital/{name}"), &text);
    }
    let c = f.commit("Add the hospital manifest");
    let repo = f.open();
    let snapshot = repo
        .snapshot(c, "manifests/hospital")
        .expect("ok")
        .expect("present");
    assert_eq!(snapshot.files.len(), 6);
    let limits = kensa_manifest::Limits::default();
    let from_git = kensa_manifest::load_bytes("manifests/hospital", snapshot.files, &limits);
    let from_disk = kensa_manifest::load(&f.root().join("manifests/hospital"), &limits);
    assert!(from_disk.is_valid(), "{:?}", from_disk.problems);
    assert!(from_git.is_valid(), "{:?}", from_git.problems);
    let git_manifest = from_git.manifest.expect("manifest");
    let disk_manifest = from_disk.manifest.expect("manifest");
    assert_eq!(
        serde_json::to_value(&git_manifest).expect("json"),
        serde_json::to_value(&disk_manifest).expect("json"),
        "the manifest read from git is the one on disk"
    );
}

#[test]
fn history_lists_only_commits_that_changed_the_manifest_newest_first() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let c1 = f.commit("Add manifest");
    f.write("other.txt", "1\n");
    let _c2 = f.commit("Unrelated");
    f.write("kensa.yaml", &yaml(2));
    let c3 = f.commit("Edit manifest\n\nWith a body\nof two lines.\n");
    f.write("other.txt", "2\n");
    let c4 = f.commit("Unrelated again");
    f.write("kensa.yaml", &yaml(3));
    let c5 = f.commit("Edit manifest again");
    f.remove("kensa.yaml");
    let c6 = f.commit("Remove manifest");
    let repo = f.open();

    let history = repo.history(c5, "kensa.yaml").expect("history");
    assert!(!history.truncated);
    assert_eq!(history.boundary, None);
    let ids: Vec<Oid> = history.changes.iter().map(|c| c.commit).collect();
    assert_eq!(ids, [c5, c3, c1]);
    let entries: Vec<Option<Oid>> = history.changes.iter().map(|c| c.entry).collect();
    assert_eq!(
        entries,
        [
            Some(f.blob_id(&yaml(3))),
            Some(f.blob_id(&yaml(2))),
            Some(f.blob_id(&yaml(1)))
        ]
    );
    let middle = &history.changes[1];
    assert_eq!(middle.summary, "Edit manifest");
    assert_eq!(middle.author, "山田 花子");
    assert_eq!(middle.time, START + 3 * 3600);
    assert_eq!(middle.offset_minutes, 540);
    assert_eq!(middle.path, "kensa.yaml");
    assert!(middle.short.len() >= 7);
    assert!(c3.to_string().starts_with(&middle.short));
    assert_eq!(
        f.repo
            .revparse_single(&middle.short)
            .expect("short id resolves")
            .id(),
        c3
    );

    // From an older commit: only what is reachable from there.
    let older = repo.history(c4, "kensa.yaml").expect("history");
    let ids: Vec<Oid> = older.changes.iter().map(|c| c.commit).collect();
    assert_eq!(ids, [c3, c1]);

    // A deleted manifest: the deletion is a change without entry.
    let deleted = repo.history(c6, "kensa.yaml").expect("history");
    let ids: Vec<Oid> = deleted.changes.iter().map(|c| c.commit).collect();
    assert_eq!(ids, [c6, c5, c3, c1]);
    assert_eq!(deleted.changes[0].entry, None);
    assert_eq!(deleted.changes[0].summary, "Remove manifest");

    // Same input, same output.
    assert_eq!(repo.history(c5, "kensa.yaml").expect("history"), history);
}

#[test]
fn history_of_a_folder_manifest_counts_changes_to_any_file_in_it() {
    let mut f = Fixture::new();
    f.write("site/a.yaml", "a: 1\n");
    let c1 = f.commit("Add");
    f.write("site/notes.md", "notes\n");
    let c2 = f.commit("Notes in the folder");
    f.write("elsewhere.yaml", "x: 1\n");
    let _c3 = f.commit("Unrelated");
    f.write("site/sub/b.yaml", "b: 1\n");
    let c4 = f.commit("Add a file");
    let repo = f.open();
    let history = repo.history(c4, "site").expect("history");
    let ids: Vec<Oid> = history.changes.iter().map(|c| c.commit).collect();
    // Any change to the folder's tree counts (the entry id is the tree id).
    assert_eq!(ids, [c4, c2, c1]);
    assert_eq!(
        history.changes[0].entry,
        repo.entry_id(c4, "site").expect("ok")
    );
}

#[test]
fn history_follows_a_renamed_file() {
    let mut f = Fixture::new();
    f.write("old.yaml", &yaml(1));
    let c1 = f.commit("Add");
    f.write("old.yaml", &yaml(2));
    let c2 = f.commit("Edit");
    f.rename("old.yaml", "conf/new.yaml");
    let c3 = f.commit("Rename");
    f.write("conf/new.yaml", &yaml(3));
    let c4 = f.commit("Edit after rename");
    // Renamed and edited in the same commit (still similar).
    f.rename("conf/new.yaml", "final.yaml");
    f.write("final.yaml", &yaml(4));
    let c5 = f.commit("Rename and edit");
    let repo = f.open();

    let history = repo.history(c5, "final.yaml").expect("history");
    assert_eq!(
        summary(&history.changes),
        [
            (
                c5,
                "final.yaml".to_owned(),
                Some("conf/new.yaml".to_owned())
            ),
            (c4, "conf/new.yaml".to_owned(), None),
            (c3, "conf/new.yaml".to_owned(), Some("old.yaml".to_owned())),
            (c2, "old.yaml".to_owned(), None),
            (c1, "old.yaml".to_owned(), None),
        ]
    );
    // The pure rename keeps the entry id.
    assert_eq!(history.changes[2].entry, Some(f.blob_id(&yaml(2))));
    assert_eq!(history.changes[3].entry, Some(f.blob_id(&yaml(2))));
    // The old path can be read at the older commit.
    let old = repo.snapshot(c2, "old.yaml").expect("ok").expect("present");
    assert_eq!(old.files[0].1, yaml(2).into_bytes());
}

#[test]
fn history_does_not_invent_a_rename_for_a_new_unrelated_file() {
    let mut f = Fixture::new();
    f.write("a.yaml", &yaml(1));
    let _c1 = f.commit("Add a");
    f.write("b.yaml", "completely: different\n");
    let c2 = f.commit("Add b");
    let repo = f.open();
    let history = repo.history(c2, "b.yaml").expect("history");
    assert_eq!(summary(&history.changes), [(c2, "b.yaml".to_owned(), None)]);
}

#[test]
fn history_follows_a_moved_folder() {
    let mut f = Fixture::new();
    f.write("conf/a.yaml", &yaml(1));
    f.write("conf/sub/b.yaml", &yaml(10));
    let c1 = f.commit("Add");
    f.write("conf/a.yaml", &yaml(2));
    let c2 = f.commit("Edit");
    // Moved whole: the same tree under another path.
    f.rename("conf", "manifests/site");
    let c3 = f.commit("Move the folder");
    f.write("manifests/site/sub/b.yaml", &yaml(11));
    let c4 = f.commit("Edit after move");
    // Moved and edited in the same commit.
    f.rename("manifests/site", "site");
    f.write("site/a.yaml", &yaml(3));
    let c5 = f.commit("Move and edit");
    let repo = f.open();

    let history = repo.history(c5, "site").expect("history");
    assert_eq!(
        summary(&history.changes),
        [
            (c5, "site".to_owned(), Some("manifests/site".to_owned())),
            (c4, "manifests/site".to_owned(), None),
            (c3, "manifests/site".to_owned(), Some("conf".to_owned())),
            (c2, "conf".to_owned(), None),
            (c1, "conf".to_owned(), None),
        ]
    );
    assert_eq!(
        history.changes[2].entry,
        repo.entry_id(c2, "conf").expect("ok")
    );
}

#[test]
fn merge_commits_are_compared_with_their_first_parent_only() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let c1 = f.commit("Add");
    // A feature branch edits the manifest.
    f.write("kensa.yaml", &yaml(2));
    let feature = f.commit_on("refs/heads/feature", &[c1], "Feature edit");
    // Meanwhile main changes something else.
    f.write("kensa.yaml", &yaml(1));
    f.write("other.txt", "main\n");
    let m1 = f.commit("Main work");
    // Merge the feature into main.
    f.write("kensa.yaml", &yaml(2));
    let merge = f.commit_on("HEAD", &[m1, feature], "Merge feature");
    // A merge that does not change the manifest relative to the first parent.
    f.write("side.txt", "side\n");
    let side = f.commit_on("refs/heads/side", &[merge], "Side work");
    f.remove("side.txt");
    f.write("more.txt", "more\n");
    let m2 = f.commit("More main work");
    f.write("side.txt", "side\n");
    let merge2 = f.commit_on("HEAD", &[m2, side], "Merge side");
    let repo = f.open();

    let history = repo.history(merge2, "kensa.yaml").expect("history");
    let ids: Vec<Oid> = history.changes.iter().map(|c| c.commit).collect();
    assert_eq!(
        ids,
        [merge, c1],
        "the feature commit is not on the first-parent line"
    );
    assert_eq!(history.changes[0].summary, "Merge feature");
}

#[test]
fn works_on_a_detached_head() {
    let mut f = Fixture::new();
    f.write("manifests/kensa.yaml", &yaml(1));
    let c1 = f.commit("Add");
    f.write("manifests/kensa.yaml", &yaml(2));
    let c2 = f.commit("Edit");
    f.write("manifests/kensa.yaml", &yaml(3));
    let c3 = f.commit("Edit again");
    f.repo.set_head_detached(c2).expect("detach");
    assert!(f.repo.head_detached().expect("head"));

    let (repo, path) = Repo::discover(&f.root().join("manifests/kensa.yaml")).expect("discover");
    assert_eq!(path, "manifests/kensa.yaml");
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), c2);
    assert_eq!(repo.resolve("main").expect("main"), c3);
    let history = repo
        .history(repo.resolve("HEAD").expect("HEAD"), &path)
        .expect("history");
    let ids: Vec<Oid> = history.changes.iter().map(|c| c.commit).collect();
    assert_eq!(ids, [c2, c1]);
    let snapshot = repo.snapshot(c2, &path).expect("ok").expect("present");
    assert_eq!(snapshot.files[0].1, yaml(2).into_bytes());
}

#[test]
fn works_in_a_linked_worktree() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let c1 = f.commit("Add");
    f.write("kensa.yaml", &yaml(2));
    let c2 = f.commit("Edit");
    let outside = TempDir::new().expect("temp dir");
    let wt_path = outside.path().join("wt");
    f.repo.worktree("wt", &wt_path, None).expect("worktree add");
    assert!(
        wt_path.join(".git").is_file(),
        "a linked worktree has a .git file"
    );

    let (repo, path) = Repo::discover(&wt_path.join("kensa.yaml")).expect("discover");
    assert_eq!(path, "kensa.yaml");
    assert!(!repo.is_bare());
    assert_eq!(
        canonical(repo.cache_dir().parent().expect("parent")),
        canonical(&f.root().join(".git")),
        "the cache is in the common git folder"
    );
    assert!(repo.cache_dir().ends_with("kensa"));
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), c2);
    let history = repo.history(c2, &path).expect("history");
    let ids: Vec<Oid> = history.changes.iter().map(|c| c.commit).collect();
    assert_eq!(ids, [c2, c1]);
    let snapshot = repo.snapshot(c1, &path).expect("ok").expect("present");
    assert_eq!(snapshot.files[0].1, yaml(1).into_bytes());

    // Opened directly, and discovered from a file that does not exist there.
    let opened = Repo::open(&wt_path).expect("open");
    assert_eq!(opened.resolve("HEAD").expect("HEAD"), c2);
    let (_, path) = Repo::discover(&wt_path.join("new/dir/x.yaml")).expect("discover");
    assert_eq!(path, "new/dir/x.yaml");
}

#[test]
fn works_in_a_bare_repository() {
    let mut f = Fixture::new();
    f.write("manifests/site/a.yaml", "a: 1\n");
    let c1 = f.commit("Add");
    f.write("manifests/site/a.yaml", "a: 2\n");
    let c2 = f.commit("Edit");
    let outside = TempDir::new().expect("temp dir");
    let bare_path = outside.path().join("repo.git");
    git2::build::RepoBuilder::new()
        .bare(true)
        .clone(f.root().to_str().expect("utf-8 temp path"), &bare_path)
        .expect("bare clone");

    let (repo, path) = Repo::discover(&bare_path.join("manifests/site")).expect("discover");
    assert!(repo.is_bare());
    assert_eq!(path, "manifests/site");
    assert_eq!(
        canonical(repo.cache_dir().parent().expect("parent")),
        canonical(&bare_path)
    );
    assert_eq!(repo.resolve("main").expect("main"), c2);
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), c2);
    let snapshot = repo.snapshot(c2, &path).expect("ok").expect("present");
    assert_eq!(
        snapshot.files,
        vec![("manifests/site/a.yaml".to_owned(), b"a: 2\n".to_vec())]
    );
    let history = repo.history(c2, &path).expect("history");
    let ids: Vec<Oid> = history.changes.iter().map(|c| c.commit).collect();
    assert_eq!(ids, [c2, c1]);

    let opened = Repo::open(&bare_path).expect("open");
    assert!(opened.is_bare());
    assert_eq!(
        opened.entry_id(c1, "manifests/site/a.yaml").expect("ok"),
        Some(Oid::hash_object(git2::ObjectType::Blob, b"a: 1\n").expect("hash"))
    );
}

#[test]
fn shallow_clone_names_the_fetch_command_and_truncates_history() {
    let mut f = Fixture::new();
    let mut commits = Vec::new();
    for i in 1..=5 {
        f.write("kensa.yaml", &yaml(i));
        commits.push(f.commit(&format!("Version {i}")));
    }
    f.write("other.txt", "x\n");
    let head = f.commit("Unrelated");
    let outside = TempDir::new().expect("temp dir");
    let url = format!("file://{}", f.root().display());
    git(
        &["clone", "--quiet", "--depth", "2", &url, "shallow"],
        outside.path(),
    );
    let clone = outside.path().join("shallow");

    let (repo, path) = Repo::discover(&clone.join("kensa.yaml")).expect("discover");
    assert!(repo.is_shallow());
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), head);
    assert_eq!(repo.resolve("HEAD~1").expect("HEAD~1"), commits[4]);

    // An older commit by id: not in the clone.
    let e = err(repo.resolve(&commits[0].to_string()));
    assert_eq!(e.kind, GitErrorKind::ShallowClone);
    assert!(e.message.en.contains("git fetch --unshallow"), "{e}");
    assert!(e.message.en.contains("fetch-depth: 0"), "{e}");
    assert!(e.message.ja.contains("git fetch --unshallow"));
    assert!(e.message.en.contains(&commits[0].to_string()));
    assert!(
        e.message
            .en
            .contains("fetch the whole history with `git fetch --unshallow`"),
        "{e}"
    );
    assert!(
        !e.message.en.contains("fetch it with the whole history"),
        "{e}"
    );

    // Above the boundary by ancestry: how far to deepen.
    let e = err(repo.resolve("HEAD~3"));
    assert_eq!(e.kind, GitErrorKind::ShallowClone);
    assert!(e.message.en.contains("git fetch --deepen=2"), "{e}");
    assert!(e.message.en.contains("`HEAD~3`"), "{e}");

    // A range reaching past the boundary.
    let e = err(repo.resolve_range("HEAD~4..HEAD"));
    assert_eq!(e.kind, GitErrorKind::ShallowClone);
    assert!(e.message.en.contains("git fetch --deepen=3"), "{e}");

    let history = repo.history(head, &path).expect("history");
    let history_copy = history.clone();
    assert!(history.truncated);
    let ids: Vec<Oid> = history.changes.iter().map(|c| c.commit).collect();
    assert_eq!(ids, Vec::<Oid>::new(), "HEAD did not change the manifest");
    let boundary = history.boundary.expect("boundary");
    assert_eq!(boundary.commit, commits[4]);
    assert_eq!(boundary.path, "kensa.yaml");
    assert_eq!(boundary.entry, Some(f.blob_id(&yaml(5))));

    // A linked worktree of the shallow clone (the `shallow` file is in the common git
    // folder) stops at the same boundary.
    let shallow_git = Repository::open(&clone).expect("open clone");
    let wt_path = outside.path().join("wt");
    shallow_git
        .worktree("wt", &wt_path, None)
        .expect("worktree add");
    let (linked, path) = Repo::discover(&wt_path.join("kensa.yaml")).expect("discover");
    assert!(linked.is_shallow());
    let linked_history = linked.history(head, &path).expect("history");
    assert_eq!(linked_history, history_copy);
    let e = err(linked.resolve("HEAD~3"));
    assert_eq!(e.kind, GitErrorKind::ShallowClone);

    // A typo in a shallow clone still says the path is not there.
    let e = err(repo.history(head, "nope.yaml"));
    assert_eq!(e.kind, GitErrorKind::PathNotFound);
    assert!(e.message.en.contains("git fetch --unshallow"), "{e}");
}

#[test]
fn a_path_not_in_the_repository_is_reported_with_the_revision() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let c = f.commit("Add");
    let repo = f.open();
    let e = err(repo.history(c, "manifests/missing.yaml"));
    assert_eq!(e.kind, GitErrorKind::PathNotFound);
    let short = &c.to_string()[..7];
    assert!(e.message.en.contains("`manifests/missing.yaml`"), "{e}");
    assert!(e.message.en.contains(short), "{e}");
    assert!(e.message(Lang::Ja).contains("manifests/missing.yaml"));
    assert!(e.message(Lang::Ja).contains(short));

    let e = err(repo.snapshot(c, "../kensa.yaml"));
    assert_eq!(e.kind, GitErrorKind::PathNotFound);
    assert!(e.message.en.contains(".."));
}

/// A manifest written in the worktree but never committed is said to be not committed
/// yet (with what to do), not to be a wrong path; staged is not committed either. A path
/// committed only after the revision walked from, or on disk nowhere, keeps the message
/// that asks to check the path.
#[test]
fn a_path_in_the_worktree_but_never_committed_is_not_committed_yet() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let first = f.commit("Add");
    f.write("later.yaml", &yaml(2));
    let head = f.commit("Add later");
    f.write("manifests/new.yaml", &yaml(3));
    let repo = f.open();

    let e = err(repo.history(head, "manifests/new.yaml"));
    assert_eq!(e.kind, GitErrorKind::PathNotFound);
    assert!(
        e.message
            .en
            .contains("`manifests/new.yaml` is not committed yet"),
        "{e}"
    );
    assert!(e.message.en.contains("git commit"), "{e}");
    assert!(!e.message.en.contains("check the path"), "{e}");
    assert!(
        e.message(Lang::Ja).contains("まだコミットされていません"),
        "{}",
        e.message.ja
    );
    assert!(e.message(Lang::Ja).contains("git commit"));

    // Staged, still not committed.
    git(&["add", "manifests/new.yaml"], f.root());
    let e = err(repo.history(head, "manifests/new.yaml"));
    assert!(e.message.en.contains("not committed yet"), "{e}");

    // A folder manifest whose files are all new.
    f.write("site/a.yaml", &yaml(4));
    let e = err(repo.history(head, "site"));
    assert!(e.message.en.contains("`site` is not committed yet"), "{e}");

    // Committed, but after the revision walked from: the path is right, the revision
    // is not, so no "not committed yet".
    let e = err(repo.history(first, "later.yaml"));
    assert_eq!(e.kind, GitErrorKind::PathNotFound);
    assert!(!e.message.en.contains("not committed"), "{e}");
    assert!(e.message.en.contains("check the path"), "{e}");

    // Nowhere on disk: a wrong path.
    let e = err(repo.history(head, "manifests/typo.yaml"));
    assert!(e.message.en.contains("check the path"), "{e}");
    assert!(!e.message(Lang::Ja).contains("まだコミット"));
}

#[test]
fn not_a_repository_names_the_path() {
    let dir = TempDir::new().expect("temp dir");
    let e = err(Repo::open(dir.path()));
    assert_eq!(e.kind, GitErrorKind::NotARepository);
    let shown = dir.path().to_string_lossy().into_owned();
    assert!(e.message.en.contains(&shown), "{e}");
    assert!(e.message.ja.contains(&shown));

    // Discovery walks up from a missing file; nothing above a temp dir is a repository
    // (checked first, so that the test means what it says).
    if Repository::discover(dir.path()).is_err() {
        let file = dir.path().join("missing/kensa.yaml");
        let e = err(Repo::discover(&file));
        assert_eq!(e.kind, GitErrorKind::NotARepository);
        assert!(e.message.en.contains("missing/kensa.yaml"), "{e}");
        assert!(e.message.en.contains("git init"), "{e}");
    }
}

#[test]
fn discover_gives_the_path_relative_to_the_repository_root() {
    let mut f = Fixture::new();
    f.write("manifests/site/a.yaml", "a: 1\n");
    f.commit("Add");
    let cases = [
        ("manifests/site/a.yaml", "manifests/site/a.yaml"),
        ("manifests/site", "manifests/site"),
        ("manifests/./site/../site/a.yaml", "manifests/site/a.yaml"),
        (
            "manifests/not/yet/there.yaml",
            "manifests/not/yet/there.yaml",
        ),
        ("", ""),
    ];
    for (given, expected) in cases {
        let (repo, path) = Repo::discover(&f.root().join(given)).expect("discover");
        assert_eq!(path, expected, "{given}");
        assert_eq!(canonical(repo.root()), canonical(f.root()));
    }
    let repo = f.open();
    let head = repo.resolve("HEAD").expect("HEAD");
    let e = err(repo.snapshot(head, "a\0b"));
    assert_eq!(e.kind, GitErrorKind::PathNotFound);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed() {
    let mut f = Fixture::new();
    f.write("real/a.yaml", "a: 1\n");
    f.write("site/b.yaml", "b: 1\n");
    std::os::unix::fs::symlink("../real/a.yaml", f.root().join("site/link.yaml")).expect("link");
    std::os::unix::fs::symlink("real/a.yaml", f.root().join("kensa.yaml")).expect("link");
    let c = f.commit("Add links");
    let repo = f.open();
    // Inside a folder: skipped.
    let snapshot = repo.snapshot(c, "site").expect("ok").expect("present");
    let labels: Vec<&str> = snapshot.files.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["site/b.yaml"]);
    // As the manifest: an error naming the target.
    let e = err(repo.snapshot(c, "kensa.yaml"));
    assert_eq!(e.kind, GitErrorKind::Other);
    assert!(e.message.en.contains("real/a.yaml"), "{e}");
    // Discovered under the link's own name, not its target.
    let (_, path) = Repo::discover(&f.root().join("kensa.yaml")).expect("discover");
    assert_eq!(path, "kensa.yaml");
}

/// The loose object file of `id`.
fn loose(f: &Fixture, id: Oid) -> PathBuf {
    let hex = id.to_string();
    f.root()
        .join(".git/objects")
        .join(&hex[..2])
        .join(&hex[2..])
}

#[test]
fn a_missing_blob_is_corrupt_and_names_the_object() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let c1 = f.commit("Add");
    f.write("kensa.yaml", &yaml(2));
    let c2 = f.commit("Edit");
    let blob = f.blob_id(&yaml(2));
    let object = loose(&f, blob);
    assert!(object.is_file());
    std::fs::remove_file(&object).expect("delete the object");

    let repo = f.open();
    let e = err(repo.snapshot(c2, "kensa.yaml"));
    assert_eq!(e.kind, GitErrorKind::Corrupt);
    assert!(e.message.en.contains(&blob.to_string()), "{e}");
    assert!(e.message.en.contains("git fsck"), "{e}");
    assert!(e.message.ja.contains(&blob.to_string()));
    // Ids and history need trees only.
    assert_eq!(repo.entry_id(c2, "kensa.yaml").expect("ok"), Some(blob));
    let ids: Vec<Oid> = repo
        .history(c2, "kensa.yaml")
        .expect("history")
        .changes
        .iter()
        .map(|c| c.commit)
        .collect();
    assert_eq!(ids, [c2, c1]);
}

#[test]
fn a_damaged_blob_is_corrupt() {
    let mut f = Fixture::new();
    f.write("site/a.yaml", "a: 1\n");
    let c = f.commit("Add");
    let blob = Oid::hash_object(git2::ObjectType::Blob, b"a: 1\n").expect("hash");
    let object = loose(&f, blob);
    let mut permissions = std::fs::metadata(&object).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&object, permissions).expect("writable");
    std::fs::write(&object, b"\x78\x01garbage, not zlib").expect("damage");

    let repo = f.open();
    let e = err(repo.snapshot(c, "site"));
    assert_eq!(e.kind, GitErrorKind::Corrupt);
    assert!(e.message.en.contains(&blob.to_string()), "{e}");
    assert!(e.message.en.contains("site/a.yaml"), "{e}");
}

#[test]
fn a_missing_parent_commit_outside_a_shallow_clone_is_corrupt() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let c1 = f.commit("Add");
    f.write("kensa.yaml", &yaml(2));
    let c2 = f.commit("Edit");
    std::fs::remove_file(loose(&f, c1)).expect("delete the commit");
    let repo = f.open();
    let e = err(repo.history(c2, "kensa.yaml"));
    assert_eq!(e.kind, GitErrorKind::Corrupt);
    assert!(e.message.en.contains(&c1.to_string()), "{e}");
}

#[test]
fn resolve_names_commits_tags_and_ancestors() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let c1 = f.commit("One");
    f.write("kensa.yaml", &yaml(2));
    let c2 = f.commit("Two");
    let signature = f.signature();
    let target = f.repo.find_object(c1, None).expect("object");
    f.repo
        .tag("v1.0", &target, &signature, "Release", false)
        .expect("annotated tag");
    let repo = f.open();

    assert_eq!(repo.resolve("HEAD").expect("HEAD"), c2);
    assert_eq!(repo.resolve("main").expect("main"), c2);
    assert_eq!(repo.resolve("HEAD~1").expect("HEAD~1"), c1);
    assert_eq!(repo.resolve("HEAD^").expect("HEAD^"), c1);
    assert_eq!(repo.resolve("v1.0").expect("annotated tag peeled"), c1);
    assert_eq!(repo.resolve(&c1.to_string()[..8]).expect("prefix"), c1);

    for missing in ["nope", "HEAD~5", "0000000", "refs/heads/gone"] {
        let e = err(repo.resolve(missing));
        assert_eq!(e.kind, GitErrorKind::RevisionNotFound, "{missing}: {e}");
        assert!(e.message.en.contains(&format!("`{missing}`")), "{e}");
    }
    let e = err(repo.resolve(""));
    assert_eq!(e.kind, GitErrorKind::RevisionNotFound);
    let e = err(repo.resolve("HEAD^{tree}"));
    assert_eq!(e.kind, GitErrorKind::RevisionNotFound);
    assert!(e.message.en.contains("not a commit"), "{e}");
}

#[test]
fn resolve_in_an_empty_repository_says_there_is_no_commit() {
    let f = Fixture::new();
    let repo = f.open();
    let e = err(repo.resolve("HEAD"));
    assert_eq!(e.kind, GitErrorKind::RevisionNotFound);
    assert!(e.message.en.contains("no commit"), "{e}");
}

#[test]
fn resolve_range_parses_two_and_three_dots_and_single_revisions() {
    let mut f = Fixture::new();
    f.write("kensa.yaml", &yaml(1));
    let c1 = f.commit("One");
    f.write("kensa.yaml", &yaml(2));
    let c2 = f.commit("Two");
    f.write("kensa.yaml", &yaml(3));
    let c3 = f.commit("Three");
    f.write("feature.txt", "f\n");
    let feature = f.commit_on("refs/heads/feature", &[c1], "Feature");
    f.remove("feature.txt");
    // An unrelated history.
    let orphan = f.commit_on("refs/heads/orphan", &[], "Orphan");
    let repo = f.open();

    assert_eq!(repo.resolve_range("main~2..main").expect("ok"), (c1, c3));
    assert_eq!(
        repo.resolve_range(&format!("{c2}..{c3}")).expect("ok"),
        (c2, c3)
    );
    assert_eq!(repo.resolve_range("feature...main").expect("ok"), (c1, c3));
    assert_eq!(
        repo.resolve_range("main...feature").expect("ok"),
        (c1, feature)
    );
    assert_eq!(repo.resolve_range("HEAD~1").expect("ok"), (c2, c3));
    assert_eq!(repo.resolve_range("HEAD~2..").expect("ok"), (c1, c3));
    assert_eq!(repo.resolve_range("..feature").expect("ok"), (c3, feature));
    assert_eq!(repo.resolve_range(" main~1..main ").expect("ok"), (c2, c3));

    for invalid in ["", "   ", "..", "...", "a..b..c", "main..main..main"] {
        let e = err(repo.resolve_range(invalid));
        assert_eq!(e.kind, GitErrorKind::RevisionNotFound, "{invalid:?}: {e}");
        assert!(e.message.en.contains("BASE..HEAD"), "{invalid:?}: {e}");
    }
    let e = err(repo.resolve_range("nope..main"));
    assert_eq!(e.kind, GitErrorKind::RevisionNotFound);
    assert!(e.message.en.contains("`nope`"), "{e}");
    let e = err(repo.resolve_range("main..nope"));
    assert!(e.message.en.contains("`nope`"), "{e}");

    let e = err(repo.resolve_range("orphan...main"));
    assert_eq!(e.kind, GitErrorKind::RevisionNotFound);
    assert!(e.message.en.contains("no common ancestor"), "{e}");
    assert_eq!(
        repo.resolve_range("orphan..main").expect("ok"),
        (orphan, c3)
    );
}

#[test]
fn history_of_a_thousand_commits_lists_each_change_to_a_folder() {
    let f = Fixture::new();
    let repo = &f.repo;
    // Build the commits straight from trees: a manifest folder of 50 files, one file
    // edited every third commit, other files in between.
    let signature = Signature::new("A", "a@example.jp", &Time::new(START, 0)).expect("sig");
    let mut parent: Option<Oid> = None;
    let mut expected = Vec::new();
    let mut files: Vec<Oid> = (0..50)
        .map(|i| repo.blob(format!("f: {i}\n").as_bytes()).expect("blob"))
        .collect();
    for n in 0..1000u32 {
        let mut other = repo.treebuilder(None).expect("builder");
        other
            .insert(
                "other.txt",
                repo.blob(format!("{n}\n").as_bytes()).expect("blob"),
                0o100_644,
            )
            .expect("insert");
        let changes_manifest = n % 3 == 0;
        if changes_manifest {
            let i = (n as usize) % files.len();
            files[i] = repo
                .blob(format!("f: {i}\nn: {n}\n").as_bytes())
                .expect("blob");
        }
        let mut site = repo.treebuilder(None).expect("builder");
        for (i, blob) in files.iter().enumerate() {
            site.insert(format!("f{i:02}.yaml"), *blob, 0o100_644)
                .expect("insert");
        }
        let mut manifests = repo.treebuilder(None).expect("builder");
        manifests
            .insert("site", site.write().expect("tree"), 0o040_000)
            .expect("insert");
        let mut root = repo.treebuilder(None).expect("builder");
        root.insert("manifests", manifests.write().expect("tree"), 0o040_000)
            .expect("insert");
        root.insert("docs", other.write().expect("tree"), 0o040_000)
            .expect("insert");
        let tree = repo.find_tree(root.write().expect("tree")).expect("tree");
        let parents: Vec<git2::Commit<'_>> = parent
            .map(|p| repo.find_commit(p).expect("parent"))
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let id = repo
            .commit(
                None,
                &signature,
                &signature,
                &format!("c{n}"),
                &tree,
                &parents,
            )
            .expect("commit");
        if changes_manifest {
            expected.push(id);
        }
        parent = Some(id);
    }
    expected.reverse();
    let head = parent.expect("commits");
    let kensa = f.open();
    let history = kensa.history(head, "manifests/site").expect("history");
    let ids: Vec<Oid> = history.changes.iter().map(|c| c.commit).collect();
    assert_eq!(ids, expected);
}
