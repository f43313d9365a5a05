//! Limits that keep hostile or broken input bounded in time and memory. They are
//! documented in the README ("Input limits"); change both together.

/// Resource limits for reading a manifest.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest single file, in bytes.
    pub max_file_bytes: u64,
    /// Largest manifest (all files of a folder together), in bytes.
    pub max_total_bytes: u64,
    /// Most files in a manifest folder.
    pub max_files: usize,
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Most YAML values (keys included) in a manifest, all its files together, aliases
    /// expanded. A 100k-entity manifest has about 2 million.
    pub max_nodes: usize,
    /// Most parser events replayed for aliases in one file.
    pub max_alias_replay: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_total_bytes: 256 * 1024 * 1024,
            max_files: 10_000,
            max_depth: 64,
            max_nodes: 4_000_000,
            max_alias_replay: 1_000_000,
        }
    }
}

impl Limits {
    pub(crate) fn budget(&self) -> serde_saphyr::Budget {
        let mut budget = serde_saphyr::Budget::default();
        budget.max_depth = self.max_depth;
        budget.max_nodes = self.max_nodes;
        budget.max_events = self.max_nodes.saturating_mul(2);
        budget.max_total_scalar_bytes = usize::try_from(self.max_file_bytes).unwrap_or(usize::MAX);
        budget.max_reader_input_bytes =
            Some(usize::try_from(self.max_file_bytes).unwrap_or(usize::MAX));
        budget
    }

    pub(crate) fn alias_limits(&self) -> serde_saphyr::options::AliasLimits {
        let mut limits = serde_saphyr::options::AliasLimits::default();
        limits.max_total_replayed_events = self.max_alias_replay;
        limits
    }
}
