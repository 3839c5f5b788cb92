//! The bundled word lists, compiled once into scanners, and how hits are summarised.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use beian_lexicon::{BundledList, Hit, Lexicon, MatchMode, Scanner, Severity};

/// One scanner per bundled list.
pub struct Scanners {
    /// 网站名称用词, every occurrence (names are short; each word counts).
    pub site_name: Scanner,
    /// 前置审批指示词.
    pub pre_approval: Scanner,
    /// 违规内容词.
    pub violation: Scanner,
    /// 经营性与交互内容词.
    pub commercial: Scanner,
}

/// Built on first use. The bundled data is compiled in and a test parses it, so a
/// failure here is a build defect, not an input error.
pub static SCANNERS: LazyLock<Scanners> = LazyLock::new(|| {
    let build = |list: BundledList, mode: MatchMode| {
        let lexicon = Lexicon::bundled(list)
            .unwrap_or_else(|e| panic!("bundled lexicon {} is broken: {e}", list.file_name()));
        Scanner::with_mode(&[lexicon], mode).unwrap_or_else(|e| {
            panic!("bundled lexicon {} does not compile: {e}", list.file_name())
        })
    };
    Scanners {
        site_name: build(BundledList::SiteName, MatchMode::Overlapping),
        pre_approval: build(BundledList::PreApproval, MatchMode::LeftmostLongest),
        violation: build(BundledList::Violation, MatchMode::LeftmostLongest),
        commercial: build(BundledList::Commercial, MatchMode::LeftmostLongest),
    }
});

/// The hits of one category: which words, how often, the strongest severity, and a few
/// contexts to show as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CategoryHits {
    /// Distinct words as listed, in first-seen order.
    pub words: Vec<String>,
    /// All occurrences.
    pub count: usize,
    /// Whether any hit is an `error` entry of this category.
    pub has_error: bool,
    /// Up to [`MAX_CONTEXTS`] `…context…` snippets with byte offsets.
    pub contexts: Vec<(usize, String)>,
}

/// How many contexts a summary keeps per category.
pub const MAX_CONTEXTS: usize = 5;

/// Groups hits by the category of each of their entries that starts with `prefix` and
/// applies in `province` (national entries always apply).
pub fn by_category(
    hits: &[Hit<'_>],
    prefix: &str,
    province: Option<&str>,
) -> BTreeMap<String, CategoryHits> {
    let mut groups: BTreeMap<String, CategoryHits> = BTreeMap::new();
    for hit in hits {
        for entry in hit.entries_in(prefix) {
            let applies = match province {
                Some(p) => entry.scope.applies_to(p),
                None => entry.scope == beian_lexicon::Scope::National,
            };
            if !applies {
                continue;
            }
            let group = groups.entry(entry.category.clone()).or_default();
            if !group.words.contains(&entry.word) {
                group.words.push(entry.word.clone());
            }
            group.count += 1;
            group.has_error |= entry.severity == Severity::Error;
            if group.contexts.len() < MAX_CONTEXTS {
                group.contexts.push((hit.start, hit.context.clone()));
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_list_builds() {
        let scanners = &*SCANNERS;
        assert!(scanners.site_name.pattern_count() > 0);
        assert!(scanners.pre_approval.pattern_count() > 0);
        assert!(scanners.violation.pattern_count() > 0);
        assert!(scanners.commercial.pattern_count() > 0);
    }

    #[test]
    fn hits_group_by_category_and_scope() {
        let hits = SCANNERS.site_name.scan("中国人民论坛");
        let national = by_category(&hits, "name.", None);
        assert!(national.contains_key("name.national"), "{national:?}");
        let words = &national["name.national"].words;
        assert!(words.contains(&"中国".to_owned()) && words.contains(&"人民".to_owned()));
    }
}
