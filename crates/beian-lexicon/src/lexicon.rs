//! 词库 — word lists as data: what a word is, where it applies, how serious it is and who
//! says so.
//!
//! Lists live in `data/*.tsv` beside this crate and are compiled in, so that the binary
//! needs no files and a change to a list is a reviewed diff. A list that does not parse is
//! refused whole, with the file, line and column, because a half-read list silently misses
//! words; the bundled ones are checked by the tests.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::normalize::normalize_word;

/// 级别 — how much a hit on a word weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 提示: worth a reviewer's look; the word also occurs innocently.
    Warn,
    /// 错误: the word alone breaks the rule it comes from (still evidence, not a verdict).
    Error,
}

impl Severity {
    /// The code used in the data files (`error`, `warn`).
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warn => "warn",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warn => "提示",
        }
    }
}

/// 适用范围 — where a word is banned: everywhere, or by one province's 管局 only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// 全国: every 管局.
    National,
    /// 某省: one province, by its short name (广东, 江苏 …).
    Province(String),
}

impl Scope {
    /// Whether a word with this scope applies to a filing in `province` (a short name).
    pub fn applies_to(&self, province: &str) -> bool {
        match self {
            Scope::National => true,
            Scope::Province(p) => p == province,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::National => f.write_str("national"),
            Scope::Province(p) => f.write_str(p),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        parse_scope(&s).map_err(serde::de::Error::custom)
    }
}

/// The 31 provinces' short names, as in `beian_domain::Province::name` (a test keeps the two
/// in step; this crate does not depend on the domain at run time).
pub(crate) const PROVINCE_NAMES: [&str; 31] = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
];

fn parse_scope(s: &str) -> Result<Scope, String> {
    if s == "national" {
        Ok(Scope::National)
    } else if PROVINCE_NAMES.contains(&s) {
        Ok(Scope::Province(s.to_owned()))
    } else {
        Err(format!(
            "未知的适用范围 `{s}`：应为 national 或省份简称（如 广东）"
        ))
    }
}

/// 词条 — one word of a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The word as listed (a scanner matches its normalised form).
    pub word: String,
    /// Dotted category, family first: `name.national`, `pre_approval.news`,
    /// `violation.gambling` … (see `data/README.md`).
    pub category: String,
    /// Where it applies.
    pub scope: Scope,
    /// How much a hit weighs.
    pub severity: Severity,
    /// Who says so, as a short citation (`rules§2.4-P2`, `konsheng-MIT`, `own`).
    pub source: String,
}

impl Entry {
    /// Whether the category is `prefix` or lies under it (`name` covers `name.national`;
    /// `pre_approval.new` covers nothing).
    pub fn in_category(&self, prefix: &str) -> bool {
        category_under(&self.category, prefix)
    }
}

pub(crate) fn category_under(category: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('.');
    match category.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || prefix.is_empty(),
        None => false,
    }
}

/// 词库 — a named list of entries, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lexicon {
    name: String,
    entries: Vec<Entry>,
}

/// Why a list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconError {
    /// A line of a TSV list is wrong.
    #[error("{file} 第 {line} 行 {field} 列：{message}")]
    Line {
        /// The list's name (its file name for bundled lists).
        file: String,
        /// 1-based line number.
        line: usize,
        /// The column concerned: `word`, `category`, `scope`, `severity`, `source`, or
        /// `line` for the shape of the whole line.
        field: &'static str,
        /// What is wrong, in Chinese.
        message: String,
    },
    /// The header line is missing or not the expected one.
    #[error(
        "{file} 第 {line} 行：表头应为 `word\tcategory\tscope\tseverity\tsource`，实际为 `{found}`"
    )]
    Header {
        /// The list's name.
        file: String,
        /// 1-based line number of the first non-comment line.
        line: usize,
        /// What was there instead.
        found: String,
    },
    /// The matching automaton could not be built (too many or too long words).
    #[error("无法构建匹配自动机：{0}")]
    Automaton(String),
}

/// The expected header line.
pub const HEADER: [&str; 5] = ["word", "category", "scope", "severity", "source"];

impl Lexicon {
    /// A list from entries built in code.
    pub fn new(name: impl Into<String>, entries: Vec<Entry>) -> Lexicon {
        Lexicon {
            name: name.into(),
            entries,
        }
    }

    /// Reads a list in the bundled TSV format: `#` comment lines and blank lines anywhere, a
    /// header line `word category scope severity source` (tab-separated), then one entry a line with
    /// exactly those five tab-separated columns. Refuses unknown severities and scopes,
    /// missing or extra columns, empty fields, a word that normalises to nothing, and a
    /// (normalised word, category) pair listed twice.
    pub fn parse_tsv(name: &str, text: &str) -> Result<Lexicon, LexiconError> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let mut entries = Vec::new();
        let mut header_seen = false;
        let mut first_line_of: HashMap<(String, String), usize> = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            if !header_seen {
                if fields != HEADER {
                    return Err(LexiconError::Header {
                        file: name.to_owned(),
                        line: line_no,
                        found: line.to_owned(),
                    });
                }
                header_seen = true;
                continue;
            }
            let err = |field: &'static str, message: String| LexiconError::Line {
                file: name.to_owned(),
                line: line_no,
                field,
                message,
            };
            if fields.len() != HEADER.len() {
                let field = HEADER.get(fields.len()).copied().unwrap_or("line");
                let message = if fields.len() < HEADER.len() {
                    format!("缺少列：应有 5 列，只有 {} 列", fields.len())
                } else {
                    format!("多余的列：应有 5 列，实际 {} 列", fields.len())
                };
                return Err(err(field, message));
            }
            let [word, category, scope, severity, source] =
                [fields[0], fields[1], fields[2], fields[3], fields[4]];
            if word.is_empty() {
                return Err(err("word", "词为空".to_owned()));
            }
            let normalized = normalize_word(word);
            if normalized.is_empty() {
                return Err(err("word", format!("`{word}` 归一化后为空")));
            }
            if category.is_empty() {
                return Err(err("category", "分类为空".to_owned()));
            }
            if !category
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
            {
                return Err(err(
                    "category",
                    format!("分类 `{category}` 只能由小写字母、数字、_ 和 . 组成"),
                ));
            }
            let scope = parse_scope(scope).map_err(|m| err("scope", m))?;
            let severity = match severity {
                "error" => Severity::Error,
                "warn" => Severity::Warn,
                other => {
                    return Err(err(
                        "severity",
                        format!("未知的级别 `{other}`：应为 error 或 warn"),
                    ));
                }
            };
            if source.is_empty() {
                return Err(err("source", "来源为空".to_owned()));
            }
            let key = (normalized, category.to_owned());
            if let Some(first) = first_line_of.get(&key) {
                return Err(err(
                    "word",
                    format!("`{word}`（{category}）与第 {first} 行重复"),
                ));
            }
            first_line_of.insert(key, line_no);
            entries.push(Entry {
                word: word.to_owned(),
                category: category.to_owned(),
                scope,
                severity,
                source: source.to_owned(),
            });
        }
        if !header_seen {
            return Err(LexiconError::Header {
                file: name.to_owned(),
                line: text.lines().count().max(1),
                found: String::new(),
            });
        }
        Ok(Lexicon {
            name: name.to_owned(),
            entries,
        })
    }

    /// One of the lists compiled into this crate.
    pub fn bundled(list: BundledList) -> Result<Lexicon, LexiconError> {
        Lexicon::parse_tsv(list.file_name(), list.tsv())
    }

    /// The list's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many entries it has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries for which `keep` holds, as a list of the same name.
    pub fn filter(&self, mut keep: impl FnMut(&Entry) -> bool) -> Lexicon {
        Lexicon {
            name: self.name.clone(),
            entries: self.entries.iter().filter(|e| keep(e)).cloned().collect(),
        }
    }

    /// The entries whose category is `prefix` or lies under it (see [`Entry::in_category`]).
    pub fn with_category_prefix(&self, prefix: &str) -> Lexicon {
        self.filter(|e| e.in_category(prefix))
    }

    /// The entries that apply in `province` (a short name such as 广东): the national ones
    /// and that province's own.
    pub fn for_province(&self, province: &str) -> Lexicon {
        self.filter(|e| e.scope.applies_to(province))
    }

    /// Only the national entries.
    pub fn national(&self) -> Lexicon {
        self.filter(|e| e.scope == Scope::National)
    }

    /// The distinct categories, in first-seen order.
    pub fn categories(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for e in &self.entries {
            if !seen.contains(&e.category.as_str()) {
                seen.push(&e.category);
            }
        }
        seen
    }
}

/// 内置词库 — the lists compiled into this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BundledList {
    /// 网站名称用词 (`site_name.tsv`): §2.4 N5–N8, P2–P5.
    SiteName,
    /// 前置审批指示词 (`pre_approval.tsv`): §2.6.
    PreApproval,
    /// 违规内容词 (`violation.tsv`): §2.7 gambling, porn, fraud.
    Violation,
    /// 经营性/交互内容词 (`commercial.tsv`): §2.5.
    Commercial,
}

impl BundledList {
    /// Every bundled list.
    pub const ALL: [BundledList; 4] = [
        BundledList::SiteName,
        BundledList::PreApproval,
        BundledList::Violation,
        BundledList::Commercial,
    ];

    /// Its file name under `data/`.
    pub fn file_name(self) -> &'static str {
        match self {
            BundledList::SiteName => "site_name.tsv",
            BundledList::PreApproval => "pre_approval.tsv",
            BundledList::Violation => "violation.tsv",
            BundledList::Commercial => "commercial.tsv",
        }
    }

    /// Its text, as compiled in.
    pub fn tsv(self) -> &'static str {
        match self {
            BundledList::SiteName => include_str!("../data/site_name.tsv"),
            BundledList::PreApproval => include_str!("../data/pre_approval.tsv"),
            BundledList::Violation => include_str!("../data/violation.tsv"),
            BundledList::Commercial => include_str!("../data/commercial.tsv"),
        }
    }
}

/// Every bundled list, parsed, in [`BundledList::ALL`] order.
pub fn bundled() -> Result<Vec<Lexicon>, LexiconError> {
    BundledList::ALL
        .iter()
        .map(|&l| Lexicon::bundled(l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "word\tcategory\tscope\tseverity\tsource\n";

    fn parse(body: &str) -> Result<Lexicon, LexiconError> {
        Lexicon::parse_tsv("t.tsv", &format!("# comment\n{HEAD}{body}"))
    }

    #[test]
    fn a_good_list_parses() {
        let lex = parse(
            "赌博\tviolation.gambling\tnational\terror\town\n\
             # another comment\n\
             \n\
             官网\tname.personal_province\t广东\twarn\trules§2.4-P5\r\n",
        )
        .expect("parses");
        assert_eq!(lex.name(), "t.tsv");
        assert_eq!(lex.len(), 2);
        assert_eq!(lex.entries()[0].severity, Severity::Error);
        assert_eq!(lex.entries()[1].scope, Scope::Province("广东".into()));
        assert_eq!(lex.entries()[1].source, "rules§2.4-P5");
    }

    #[test]
    fn bad_lines_are_refused_with_line_and_field() {
        // (body, line, field, part of the message)
        let table: &[(&str, usize, &str, &str)] = &[
            (
                "赌博\tviolation.gambling\tnational\tfatal\town\n",
                3,
                "severity",
                "fatal",
            ),
            (
                "赌博\tviolation.gambling\tnational\terror\n",
                3,
                "source",
                "缺少列",
            ),
            ("赌博\tviolation.gambling\n", 3, "scope", "缺少列"),
            (
                "赌博\tv.g\tnational\terror\town\textra\n",
                3,
                "line",
                "多余的列",
            ),
            (
                "\tviolation.gambling\tnational\terror\town\n",
                3,
                "word",
                "词为空",
            ),
            (
                "\u{200B}\tv.g\tnational\terror\town\n",
                3,
                "word",
                "归一化后为空",
            ),
            ("赌博\t\tnational\terror\town\n", 3, "category", "分类为空"),
            (
                "赌博\tViolation\tnational\terror\town\n",
                3,
                "category",
                "小写",
            ),
            ("赌博\tv.g\t火星\terror\town\n", 3, "scope", "火星"),
            ("赌博\tv.g\tnational\terror\t\n", 3, "source", "来源为空"),
            (
                "赌博\tv.g\tnational\terror\town\nok\tv.g\tnational\twarn\town\n賭博\tv.g\tnational\twarn\town\n",
                5,
                "word",
                "与第 3 行重复",
            ),
        ];
        for (body, line, field, needle) in table {
            match parse(body) {
                Err(LexiconError::Line {
                    file,
                    line: l,
                    field: f,
                    message,
                }) => {
                    assert_eq!(file, "t.tsv");
                    assert_eq!((l, f), (*line, *field), "{body:?}: {message}");
                    assert!(message.contains(needle), "{body:?}: {message}");
                }
                other => panic!("{body:?}: expected a line error, got {other:?}"),
            }
        }
    }

    #[test]
    fn the_same_word_in_two_categories_is_fine() {
        let lex = parse("论坛\tname.personal_banned\tnational\terror\tx\n论坛\tpre_approval.bbs\tnational\twarn\tx\n")
            .expect("parses");
        assert_eq!(lex.len(), 2);
    }

    #[test]
    fn a_missing_or_wrong_header_is_refused() {
        let err = Lexicon::parse_tsv("h.tsv", "# only\n赌博\tv\tnational\terror\tx\n");
        assert!(
            matches!(err, Err(LexiconError::Header { line: 2, .. })),
            "{err:?}"
        );
        let err = Lexicon::parse_tsv("h.tsv", "");
        assert!(matches!(err, Err(LexiconError::Header { .. })), "{err:?}");
        let message = Lexicon::parse_tsv("h.tsv", "word\tcategory\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("h.tsv 第 1 行"), "{message}");
    }

    #[test]
    fn errors_read_in_chinese_with_file_line_and_field() {
        let err = parse("赌博\tv.g\tnational\tfatal\town\n").expect_err("refused");
        assert_eq!(
            err.to_string(),
            "t.tsv 第 3 行 severity 列：未知的级别 `fatal`：应为 error 或 warn"
        );
    }

    #[test]
    fn every_bundled_list_parses_without_duplicates() {
        let lists = bundled().expect("bundled lists parse");
        assert_eq!(lists.len(), 4);
        for lex in &lists {
            assert!(lex.len() > 10, "{}", lex.name());
            let mut seen = std::collections::HashSet::new();
            for e in lex.entries() {
                assert!(
                    seen.insert((e.word.clone(), e.category.clone())),
                    "{}: {} {}",
                    lex.name(),
                    e.word,
                    e.category
                );
                assert!(e.word.chars().count() >= 1);
            }
        }
    }

    #[test]
    fn bundled_lists_have_the_promised_categories() {
        let site = Lexicon::bundled(BundledList::SiteName).expect("parses");
        for c in [
            "name.national",
            "name.public_affairs",
            "name.sensitive",
            "name.pre_approval_field",
            "name.personal_banned",
            "name.enterprise_word",
            "name.personal_province",
        ] {
            assert!(site.categories().contains(&c), "{c}");
        }
        let pre = Lexicon::bundled(BundledList::PreApproval).expect("parses");
        for code in [
            "news",
            "publishing",
            "education",
            "medical",
            "drugs_and_devices",
            "culture",
            "broadcast",
            "bbs",
            "ride_hailing",
            "finance",
            "online_games",
            "religion",
        ] {
            let c = format!("pre_approval.{code}");
            assert!(pre.categories().contains(&c.as_str()), "{c}");
        }
        // Cancelled approvals and broad words are never errors.
        for e in pre.entries() {
            if e.in_category("pre_approval.education")
                || e.in_category("pre_approval.medical")
                || e.in_category("pre_approval.bbs")
                || ["支付", "银行", "保险", "视频", "游戏", "音乐", "图书"]
                    .contains(&e.word.as_str())
            {
                assert_eq!(e.severity, Severity::Warn, "{}", e.word);
            }
        }
        let violation = Lexicon::bundled(BundledList::Violation).expect("parses");
        assert_eq!(
            violation.categories(),
            vec!["violation.porn", "violation.gambling", "violation.fraud"]
        );
        for e in violation.entries() {
            assert!(e.word.chars().count() >= 2, "single character: {}", e.word);
        }
        let commercial = Lexicon::bundled(BundledList::Commercial).expect("parses");
        assert_eq!(
            commercial.categories(),
            vec!["content.commercial", "content.interactive"]
        );
    }

    #[test]
    fn filters_by_category_and_province() {
        let site = Lexicon::bundled(BundledList::SiteName).expect("parses");
        let national = site.with_category_prefix("name.national");
        assert_eq!(national.len(), 8);
        assert!(national.entries().iter().any(|e| e.word == "华夏"));
        assert_eq!(site.with_category_prefix("name").len(), site.len());
        assert_eq!(site.with_category_prefix("name.nation").len(), 0);

        let guangdong = site.for_province("广东");
        let jiangsu = site.for_province("江苏");
        let beijing = site.for_province("北京");
        assert!(guangdong.entries().iter().any(|e| e.word == "官网"));
        assert!(!jiangsu.entries().iter().any(|e| e.word == "官网"));
        assert!(jiangsu.entries().iter().any(|e| e.word == "淘宝"));
        assert_eq!(beijing.len(), site.national().len());
        assert!(beijing.entries().iter().all(|e| e.scope == Scope::National));
    }

    #[test]
    fn category_prefixes_respect_dots() {
        assert!(category_under("pre_approval.news", "pre_approval"));
        assert!(category_under("pre_approval.news", "pre_approval."));
        assert!(category_under("pre_approval.news", "pre_approval.news"));
        assert!(!category_under("pre_approval.news", "pre_approval.new"));
        assert!(!category_under("pre_approval_x", "pre_approval"));
        assert!(category_under("anything", ""));
    }

    #[test]
    fn province_names_match_the_domain() {
        let domain: Vec<&str> = beian_domain::province::PROVINCES
            .iter()
            .map(|p| p.name())
            .collect();
        assert_eq!(domain, PROVINCE_NAMES.to_vec());
    }

    #[test]
    fn entries_serialise_with_codes() {
        let lex = parse("官网\tname.personal_province\t广东\twarn\tx\n").expect("parses");
        let json = serde_json::to_value(&lex.entries()[0]).expect("serialise");
        assert_eq!(json["scope"], "广东");
        assert_eq!(json["severity"], "warn");
        let back: Entry = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, lex.entries()[0]);
    }
}
