//! Source files and positions: where in which file a value was written.

use std::sync::Arc;

use serde::Serialize;

/// Index of a file in a [`SourceSet`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileId(pub u32);

/// A region of a source file. Offsets and lengths are in bytes; line and column are
/// 1-based, the column counted in characters (as editors show it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// Byte offset of the start.
    pub offset: usize,
    /// Length in bytes (0 for a point).
    pub len: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Span {
    /// The span of `byte_offset..byte_offset + len` in `text`, with line and column
    /// computed from the text.
    #[must_use]
    pub fn at(text: &str, byte_offset: usize, len: usize) -> Span {
        let offset = floor_char_boundary(text, byte_offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Span {
            offset,
            len: len.min(text.len() - offset),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where an entity or value was written: a file and a span in it. `span` is `None` when
/// the position is not known (for example, a file that could not be read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// The region in it.
    pub span: Option<Span>,
}

/// One source file as read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user should see it (relative when the user gave a relative path).
    pub path: String,
    /// The text, without a leading byte-order mark. Empty when the file could not be read
    /// as text.
    pub text: Arc<str>,
}

/// All files read for one manifest.
#[derive(Debug, Clone, Default)]
pub struct SourceSet {
    files: Vec<SourceFile>,
}

impl SourceSet {
    /// Adds a file and returns its id.
    pub fn add(&mut self, path: String, text: Arc<str>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile { path, text });
        id
    }

    /// The file with this id.
    ///
    /// # Panics
    /// Never for ids this set handed out.
    #[must_use]
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Replaces the text of a file (used once the file has been decoded).
    pub fn set_text(&mut self, id: FileId, text: Arc<str>) {
        self.files[id.0 as usize].text = text;
    }

    /// All files, in the order they were read.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    /// Number of files.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
