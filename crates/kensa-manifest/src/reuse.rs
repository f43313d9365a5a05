//! Loading many versions of one manifest (the commits of its history) without reading
//! the same entries again.
//!
//! Successive versions of a manifest differ in a few entries. [`Reuse`] cuts each file
//! into its top-level blocks and list entries, reads each piece as a small file of its
//! own (the way a manifest folder is read), and keeps what it read by the piece's text,
//! so the next version only reads the pieces that changed. The pieces are then checked
//! together and merged exactly as the files of a folder are, and every origin is moved
//! back to its place in the real file.
//!
//! The result is the same as [`load_bytes`](crate::load_bytes) gives, to the byte of
//! every origin: the tests hold the two to that. Only files whose layout is plain enough
//! to cut without reading YAML are cut: top-level keys at column 0, list entries as
//! block sequences, no anchors or aliases, tabs, directives or document markers, and a
//! size well inside the node budget. Any other file, and any version with a problem, is
//! read whole by `load_bytes`, so problems are reported exactly as `kensa validate`
//! reports them.

use std::collections::HashMap;
use std::sync::Arc;

use serde_saphyr::Spanned;

use crate::limits::Limits;
use crate::load::{ParsedFile, each_origin, load_bytes, parse_file};
use crate::model::ManifestFile;
use crate::refs::{self, FileRef};
use crate::source::{FileId, SourceSet};
use crate::yaml::Node;
use crate::{Loaded, Problem};

/// The list sections, whose entries are read one by one.
const LISTS: [&str; 12] = [
    "people",
    "roles",
    "systems",
    "assets",
    "networks",
    "connections",
    "accounts",
    "access_matrix",
    "vendors",
    "contracts",
    "backups",
    "exceptions",
];

/// The line every piece starts with.
const API: &str = "apiVersion: kensa/v1\n";

/// What was read of earlier versions, by piece.
#[derive(Default)]
pub struct Reuse {
    /// One map per kind of piece: top-level blocks, then each list section.
    pieces: Vec<HashMap<String, Piece>>,
    /// The number of the current load, for forgetting pieces no longer written.
    generation: u64,
    /// Loads served from pieces, pieces read, and pieces found already read.
    served: usize,
    read: usize,
    reused: usize,
}

struct Piece {
    /// The small file the piece was read as.
    text: Arc<str>,
    root: Spanned<Node>,
    model: ManifestFile,
    /// Bytes and lines of `text` before the piece.
    prefix_bytes: usize,
    prefix_lines: u32,
    used: u64,
}

/// A piece of a file: a top-level block (`section` is `None`) or one entry of a list
/// section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cut {
    start: usize,
    end: usize,
    /// 1-based line of `start`.
    line: u32,
    section: Option<usize>,
}

impl Reuse {
    /// An empty memory.
    #[must_use]
    pub fn new() -> Self {
        Self {
            pieces: (0..=LISTS.len()).map(|_| HashMap::new()).collect(),
            ..Self::default()
        }
    }

    /// Loads served from pieces (the others were read whole), pieces read, and pieces
    /// reused, since the start.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.served, self.read, self.reused)
    }

    /// Loads a manifest from files in memory, as [`load_bytes`] does, reading only the
    /// pieces not seen in the last two loads.
    #[must_use]
    pub fn load_bytes(
        &mut self,
        label: &str,
        mut files: Vec<(String, Vec<u8>)>,
        limits: &Limits,
    ) -> Loaded {
        if self.pieces.is_empty() {
            self.pieces = (0..=LISTS.len()).map(|_| HashMap::new()).collect();
        }
        self.generation += 1;
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let loaded = self.try_load(&files, limits);
        let generation = self.generation;
        for map in &mut self.pieces {
            map.retain(|_, p| p.used + 2 > generation);
        }
        loaded.unwrap_or_else(|| load_bytes(label, files, limits))
    }

    fn try_load(&mut self, files: &[(String, Vec<u8>)], limits: &Limits) -> Option<Loaded> {
        if files.is_empty() {
            return None;
        }
        let mut sources = SourceSet::default();
        let mut texts: Vec<(FileId, &str, Vec<Cut>)> = Vec::with_capacity(files.len());
        let mut total: u64 = 0;
        for (name, bytes) in files {
            let size = bytes.len() as u64;
            total += size;
            // Within every budget of a whole-manifest read, whatever the pieces: a value
            // takes at least two bytes (`[a,a]`), so this many bytes hold at most a quarter
            // of the node budget.
            if size > limits.max_file_bytes
                || total > limits.max_total_bytes
                || usize::try_from(total).map_or(true, |t| t.saturating_mul(2) > limits.max_nodes)
                || bytes.starts_with(&[0xFF, 0xFE])
                || bytes.starts_with(&[0xFE, 0xFF])
            {
                return None;
            }
            let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            let text = std::str::from_utf8(bytes).ok()?;
            let cuts = cut(text)?;
            let file = sources.add(name.clone(), Arc::from(text));
            texts.push((file, text, cuts));
        }
        // Read the pieces not read before.
        let generation = self.generation;
        for (_, text, cuts) in &texts {
            for c in cuts {
                let body = &text[c.start..c.end];
                let map = &mut self.pieces[c.section.map_or(0, |s| s + 1)];
                if let Some(p) = map.get_mut(body) {
                    p.used = generation;
                    self.reused += 1;
                    continue;
                }
                let mut small = String::with_capacity(API.len() + 20 + body.len());
                small.push_str(API);
                if let Some(s) = c.section {
                    small.push_str(LISTS[s]);
                    small.push_str(":\n");
                }
                let prefix_bytes = small.len();
                let prefix_lines = u32::try_from(small.matches('\n').count()).unwrap_or(0);
                small.push_str(body);
                let ParsedFile { root, model, .. } = parse_file(&small, FileId(0), limits).ok()?;
                self.read += 1;
                map.insert(
                    body.to_owned(),
                    Piece {
                        text: Arc::from(small),
                        root,
                        model,
                        prefix_bytes,
                        prefix_lines,
                        used: generation,
                    },
                );
            }
        }
        // Check them together as the files of a folder are checked.
        let mut scratch = SourceSet::default();
        let mut refs = Vec::new();
        let mut placed = Vec::new();
        for (file, text, cuts) in &texts {
            for c in cuts {
                let p = self.pieces[c.section.map_or(0, |s| s + 1)].get(&text[c.start..c.end])?;
                let id = scratch.add(String::new(), Arc::clone(&p.text));
                refs.push(FileRef {
                    file: id,
                    root: &p.root,
                    model: &p.model,
                });
                placed.push((p, *file, *c));
            }
        }
        let mut problems: Vec<Problem> = Vec::new();
        refs::check(&scratch, &refs, true, &mut problems);
        if !problems.is_empty() {
            return None;
        }
        let models = placed.into_iter().map(|(p, file, c)| {
            let mut model = p.model.clone();
            each_origin(&mut model, |_, _, origin| {
                origin.file = file;
                if let Some(span) = &mut origin.span {
                    span.offset = span.offset.saturating_sub(p.prefix_bytes) + c.start;
                    span.line = span.line.saturating_sub(p.prefix_lines + 1) + c.line;
                }
            });
            model
        });
        let manifest = refs::merge(models)?;
        self.served += 1;
        Some(Loaded {
            sources,
            manifest: Some(manifest),
            problems,
        })
    }
}

/// Where a line starts, what it holds without its line break, and its number.
struct Line<'a> {
    start: usize,
    body: &'a str,
    number: u32,
}

fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let mut start = 0;
    let mut number = 0u32;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let rest = &text[start..];
        let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let raw = &rest[..len];
        let body = raw.strip_suffix('\n').unwrap_or(raw);
        let body = body.strip_suffix('\r').unwrap_or(body);
        number += 1;
        let line = Line {
            start,
            body,
            number,
        };
        start += len;
        Some(line)
    })
}

/// What the scanner is inside of.
enum In {
    /// Before the first key, or after `apiVersion`.
    Top,
    /// A top-level block (a mapping, a scalar or a flow list).
    Block,
    /// A list section: its index, its entries' indentation once seen, its entries so far.
    List(usize, Option<usize>, usize),
}

/// Cuts `text` into top-level blocks and list entries, or `None` when its layout is not
/// plain enough to cut without reading it as YAML.
fn cut(text: &str) -> Option<Vec<Cut>> {
    if text.bytes().any(|b| matches!(b, b'&' | b'*' | b'\t')) || text.contains('\u{feff}') {
        return None;
    }
    // YAML allows no control character anywhere, not even in a comment; the comments
    // above `apiVersion` are in no piece, so no piece would report one.
    if text
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\r') || matches!(c, '\u{fffe}' | '\u{ffff}'))
    {
        return None;
    }
    let mut cuts: Vec<Cut> = Vec::new();
    let mut open: Option<Cut> = None;
    let mut state = In::Top;
    let mut keys: Vec<&str> = Vec::new();
    let mut api = false;
    let close = |open: &mut Option<Cut>, cuts: &mut Vec<Cut>, at: usize| {
        if let Some(mut c) = open.take() {
            c.end = at;
            cuts.push(c);
        }
    };
    // Comment lines that cannot belong to the piece before them (they are indented no
    // more than its entries) go with the next piece, so that a comment added above an
    // entry does not change its neighbour. Blank lines stay: a `|+` scalar keeps them.
    let mut lead: Option<(usize, u32)> = None;
    for line in lines(text) {
        let body = line.body;
        if body.contains('\r') {
            return None;
        }
        let trimmed = body.trim_start_matches(' ');
        let indent = body.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            let low = match &state {
                In::List(_, Some(n), _) => indent <= *n,
                In::Block => indent == 0,
                In::Top | In::List(_, None, _) => true,
            };
            if lead.is_none() && low && !trimmed.is_empty() {
                lead = Some((line.start, line.number));
            }
            continue;
        }
        let (start, number) = lead.take().unwrap_or((line.start, line.number));
        let entry = trimmed == "-" || trimmed.starts_with("- ");
        if entry && let In::List(section, n, count) = &mut state {
            let first = n.is_none();
            if first || *n == Some(indent) {
                *n = Some(indent);
                close(&mut open, &mut cuts, start);
                *count += 1;
                open = Some(Cut {
                    start,
                    end: start,
                    line: number,
                    section: Some(*section),
                });
                continue;
            }
        }
        if indent == 0 {
            if let In::List(_, _, 0) = state {
                return None;
            }
            let (key, rest) = top_key(body)?;
            if keys.contains(&key) {
                return None;
            }
            keys.push(key);
            close(&mut open, &mut cuts, start);
            let rest = rest.trim_matches(' ');
            let empty = rest.is_empty() || rest.starts_with('#');
            if key == "apiVersion" {
                let value = rest.split(" #").next().unwrap_or_default().trim_end();
                if value != "kensa/v1" {
                    return None;
                }
                api = true;
                state = In::Top;
            } else if let (true, Some(section)) = (empty, LISTS.iter().position(|s| *s == key)) {
                state = In::List(section, None, 0);
            } else {
                state = In::Block;
                open = Some(Cut {
                    start,
                    end: start,
                    line: number,
                    section: None,
                });
            }
            continue;
        }
        match &mut state {
            In::Top => return None,
            In::Block => {}
            In::List(_, None, _) => return None,
            In::List(_, Some(n), _) => {
                if indent <= *n {
                    return None;
                }
            }
        }
    }
    if let In::List(_, _, 0) = state {
        return None;
    }
    close(&mut open, &mut cuts, text.len());
    api.then_some(cuts)
}

/// A top-level `key:` line: the key and what follows the colon.
fn top_key(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let key = &line[..colon];
    let rest = &line[colon + 1..];
    let mut chars = key.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    (plain && (rest.is_empty() || rest.starts_with(' '))).then_some((key, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Option<Vec<(Option<&'static str>, u32, &str)>> {
        cut(text).map(|cuts| {
            cuts.iter()
                .map(|c| (c.section.map(|s| LISTS[s]), c.line, &text[c.start..c.end]))
                .collect()
        })
    }

    #[test]
    fn cuts_blocks_and_entries() {
        let text = "apiVersion: kensa/v1\ninstitution:\n  id: x\n# note\naccounts:\n  # first\n  - id: a\n    holder: p\n\n  - { id: b }\ndocuments: {}\n";
        assert_eq!(
            pieces(text),
            Some(vec![
                (None, 2, "institution:\n  id: x\n"),
                (
                    Some("accounts"),
                    6,
                    "  # first\n  - id: a\n    holder: p\n\n"
                ),
                (Some("accounts"), 10, "  - { id: b }\n"),
                (None, 11, "documents: {}\n"),
            ])
        );
    }

    #[test]
    fn entries_at_column_zero() {
        let text = "apiVersion: kensa/v1\nroles:\n- id: a\n  name: A\n- id: b\n";
        assert_eq!(
            pieces(text),
            Some(vec![
                (Some("roles"), 3, "- id: a\n  name: A\n"),
                (Some("roles"), 5, "- id: b\n"),
            ])
        );
    }

    #[test]
    fn declines_what_it_cannot_cut_safely() {
        for text in [
            "institution: {}\n",                                            // no apiVersion
            "apiVersion: kensa/v2\n",                                       // another version
            "apiVersion: \"kensa/v1\"\n",                                   // quoted
            "apiVersion: kensa/v1\nroles:\n",                               // empty list
            "apiVersion: kensa/v1\nroles:\n  id: a\n",                      // not a list
            "apiVersion: kensa/v1\nroles:\n    - id: a\n  - id: b\n",       // odd indentation
            "apiVersion: kensa/v1\nroles: &r\n  - id: a\n",                 // anchor
            "apiVersion: kensa/v1\nroles:\n  - id: a\nroles:\n  - id: b\n", // key twice
            "apiVersion: kensa/v1\n---\n",                                  // documents
            "apiVersion: kensa/v1\n\"roles\":\n  - id: a\n",                // quoted key
            "apiVersion: kensa/v1\nroles:\n\t- id: a\n",                    // tab
            "apiVersion: kensa/v1\r\nroles:\r  - id: a\n",                  // lone CR
            "- a\n",                                                        // not a mapping
            "apiVersion: kensa/v1\nroles:\n  - id: a\n ]\n",                // odd continuation
        ] {
            assert_eq!(pieces(text), None, "{text:?}");
        }
    }

    #[test]
    fn crlf_lines_are_cut_like_lf_lines() {
        let text = "apiVersion: kensa/v1\r\nroles:\r\n  - id: a\r\n  - id: b\r\n";
        assert_eq!(
            pieces(text),
            Some(vec![
                (Some("roles"), 3, "  - id: a\r\n"),
                (Some("roles"), 4, "  - id: b\r\n"),
            ])
        );
    }
}
