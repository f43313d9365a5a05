//! The reference patterns Ⅰ–Ⅳ of the guideline (seed 000, lines 535–620).
//!
//! |                         | on-premise | cloud service |
//! |-------------------------|------------|---------------|
//! | dedicated operations staff | Ⅰ       | Ⅱ             |
//! | no dedicated staff      | Ⅲ          | Ⅳ             |
//!
//! A system's pattern is its hosting × the institution's staffing. The institution's is
//! the strictest of its systems: on-premise (Ⅰ/Ⅲ) must read every chapter, so a single
//! on-premise system makes the whole institution Ⅰ or Ⅲ.

use kensa_manifest::Text;
use kensa_manifest::model::Hosting;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A reference pattern.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Pattern {
    /// Ⅰ: on-premise, dedicated operations staff.
    I,
    /// Ⅱ: cloud service, dedicated operations staff.
    II,
    /// Ⅲ: on-premise, no dedicated staff.
    III,
    /// Ⅳ: cloud service, no dedicated staff.
    IV,
}

impl Pattern {
    /// Every pattern.
    pub const ALL: [Pattern; 4] = [Pattern::I, Pattern::II, Pattern::III, Pattern::IV];

    /// The pattern of a system with this hosting.
    #[must_use]
    pub fn of(cloud: bool, dedicated_staff: bool) -> Pattern {
        match (cloud, dedicated_staff) {
            (false, true) => Pattern::I,
            (true, true) => Pattern::II,
            (false, false) => Pattern::III,
            (true, false) => Pattern::IV,
        }
    }

    /// The pattern of a system hosted this way.
    #[must_use]
    pub fn of_hosting(hosting: Hosting, dedicated_staff: bool) -> Pattern {
        Pattern::of(hosting.is_cloud(), dedicated_staff)
    }

    /// Whether it is a cloud-service pattern (Ⅱ or Ⅳ), where a contract may take some
    /// requirements over.
    #[must_use]
    pub fn is_cloud(self) -> bool {
        matches!(self, Pattern::II | Pattern::IV)
    }

    /// The stricter of two patterns: on-premise wins over cloud.
    #[must_use]
    pub fn stricter(self, other: Pattern) -> Pattern {
        if self.is_cloud() { other } else { self }
    }

    /// The ASCII name used in annotations and in Cedar (`"I"` … `"IV"`).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Pattern::I => "I",
            Pattern::II => "II",
            Pattern::III => "III",
            Pattern::IV => "IV",
        }
    }

    /// The Roman numeral as printed in the guideline.
    #[must_use]
    pub fn numeral(self) -> &'static str {
        match self {
            Pattern::I => "Ⅰ",
            Pattern::II => "Ⅱ",
            Pattern::III => "Ⅲ",
            Pattern::IV => "Ⅳ",
        }
    }

    /// The pattern named `code` (`I`, `II`, `III`, `IV`).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Pattern> {
        Pattern::ALL.into_iter().find(|p| p.code() == code)
    }

    /// A one-line description.
    #[must_use]
    pub fn describe(self) -> Text {
        match self {
            Pattern::I => Text::new(
                "オンプレミス型・システム運用専任の担当者あり",
                "on-premise, dedicated system-operation staff",
            ),
            Pattern::II => Text::new(
                "クラウドサービス型・システム運用専任の担当者あり",
                "cloud service, dedicated system-operation staff",
            ),
            Pattern::III => Text::new(
                "オンプレミス型・システム運用専任の担当者なし",
                "on-premise, no dedicated system-operation staff",
            ),
            Pattern::IV => Text::new(
                "クラウドサービス型・システム運用専任の担当者なし",
                "cloud service, no dedicated system-operation staff",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrants_match_the_guideline_table() {
        assert_eq!(Pattern::of(false, true), Pattern::I);
        assert_eq!(Pattern::of(true, true), Pattern::II);
        assert_eq!(Pattern::of(false, false), Pattern::III);
        assert_eq!(Pattern::of(true, false), Pattern::IV);
    }

    #[test]
    fn on_premise_is_stricter_than_cloud() {
        assert_eq!(Pattern::II.stricter(Pattern::I), Pattern::I);
        assert_eq!(Pattern::I.stricter(Pattern::II), Pattern::I);
        assert_eq!(Pattern::IV.stricter(Pattern::III), Pattern::III);
        assert_eq!(Pattern::IV.stricter(Pattern::IV), Pattern::IV);
    }
}
