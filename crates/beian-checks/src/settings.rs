//! 核查设置 — the knobs that differ by provider or by province.

use beian_domain::Province;

/// 核查设置 — provider- and province-specific strictness.
///
/// The defaults follow the most common rule; a provider changes them for the provinces it
/// serves. They are plain data so that the same settings can later come from a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Provinces whose 管局 want the entity number (主体备案号) in the footer rather than the
    /// site number. Guangdong is the known case; elsewhere either is accepted unless
    /// `strict_site_number` is set.
    pub entity_number_provinces: Vec<Province>,
    /// When set, outside `entity_number_provinces` only the site number (-N) is accepted.
    pub strict_site_number: bool,
    /// Minimum site-name length, counting a Chinese character, letter or digit as one.
    pub min_site_name_len: usize,
    /// Minimum site-name length for personal filings (some 管局 want 4).
    pub min_personal_site_name_len: usize,
    /// The most websites a personal entity may file.
    pub personal_site_limit: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            entity_number_provinces: Province::from_abbreviation('粤').into_iter().collect(),
            strict_site_number: false,
            min_site_name_len: 3,
            min_personal_site_name_len: 3,
            personal_site_limit: 5,
        }
    }
}
