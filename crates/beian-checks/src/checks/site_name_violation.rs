//! site.name_violation — 网站名称违规.
//!
//! A filed site name is judged on its form and its words:
//! - form: long enough (a Chinese character, letter or digit counts one; `()-` and spaces
//!   count nothing), not only digits or Latin letters, not a domain or URL, no symbols
//!   beyond `() -` and the middle dot;
//! - words, from `site_name.tsv`: national-level and public-affairs words are only for
//!   government bodies; sensitive words for nobody; words of a field that needs a
//!   pre-approval are a warning; a personal filing may not use the personal-banned or
//!   enterprise words, and a province's own extra list applies to filings there.

use beian_domain::filing::EntityKind;
use beian_domain::{CheckId, Evidence, Finding, Province, Status, Target};

use crate::lexicons::{SCANNERS, by_category};
use crate::{FilingCheck, FilingContext, Settings, entity_province};

pub struct NameViolation;

impl FilingCheck for NameViolation {
    fn id(&self) -> CheckId {
        CheckId::SiteNameViolation
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let kind = ctx.filing.entity.kind;
        let province = entity_province(&ctx.filing.entity);
        ctx.websites()
            .map(|(target, website)| finding(&website.name, kind, province, ctx.settings, target))
            .collect()
    }
}

fn finding(
    name: &str,
    kind: EntityKind,
    province: Option<Province>,
    settings: &Settings,
    target: Target,
) -> Finding {
    let problems = judge(name, kind, province, settings);
    let status = problems.iter().map(|p| p.0).max().unwrap_or(Status::Pass);
    let message = if problems.is_empty() {
        format!("网站名称“{name}”未发现违规")
    } else {
        let list: Vec<&str> = problems.iter().map(|p| p.1.as_str()).collect();
        format!("网站名称“{name}”：{}", list.join("；"))
    };
    let mut finding = Finding::new(CheckId::SiteNameViolation, status, target, message)
        .field("网站名称")
        .with(Evidence::new("网站名称", name));
    for (_, _, words) in &problems {
        if !words.is_empty() {
            finding = finding.with(Evidence::new("命中词", words.join("、")));
        }
    }
    finding
}

/// Every problem with a site name: (severity as a status, description, words hit).
pub fn judge(
    name: &str,
    kind: EntityKind,
    province: Option<Province>,
    settings: &Settings,
) -> Vec<(Status, String, Vec<String>)> {
    let mut problems = Vec::new();
    let trimmed = name.trim();
    let min = if kind == EntityKind::Personal {
        settings.min_personal_site_name_len
    } else {
        settings.min_site_name_len
    };
    let length = counted_length(trimmed);
    if length < min {
        problems.push((
            Status::Fail,
            format!("名称过短（计 {length} 个字，至少 {min} 个）"),
            vec![],
        ));
    }
    if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit() || c == ' ') {
        problems.push((Status::Fail, "名称不能只有数字".to_owned(), vec![]));
    } else if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_alphabetic() || c == ' ') {
        problems.push((Status::Fail, "名称不能只有英文字母".to_owned(), vec![]));
    }
    if looks_like_domain_or_url(trimmed) {
        problems.push((Status::Fail, "名称不能是域名或网址".to_owned(), vec![]));
    }
    let symbols: String = trimmed.chars().filter(|c| !allowed_char(*c)).collect();
    if !symbols.is_empty() {
        problems.push((
            Status::Fail,
            format!("名称含有不允许的符号“{symbols}”"),
            vec![],
        ));
    }

    let hits = SCANNERS.site_name.scan(trimmed);
    let groups = by_category(&hits, "name.", province.map(Province::name));
    let government = kind == EntityKind::Government;
    for (category, group) in &groups {
        let words = group.words.clone();
        let quoted = format!("“{}”", words.join("”“"));
        let problem = match category.as_str() {
            "name.national" if !government => Some((
                Status::Fail,
                format!("使用了国家级词汇{quoted}，仅国家级单位可用"),
            )),
            "name.public_affairs" if !government => Some((
                Status::Fail,
                format!("使用了公共事务类词汇{quoted}，仅相应的政府机关可用"),
            )),
            "name.sensitive" => Some((Status::Fail, format!("含有敏感词{quoted}"))),
            "name.pre_approval_field" => Some((
                Status::Warn,
                format!("含有需前置审批领域的词{quoted}，须有相应审批才可使用"),
            )),
            "name.personal_banned" if kind == EntityKind::Personal => {
                Some((Status::Fail, format!("个人网站名称不能使用{quoted}")))
            }
            "name.enterprise_word" if kind == EntityKind::Personal => Some((
                Status::Fail,
                format!("{quoted}属于企业或经营性词汇，个人网站不能使用"),
            )),
            "name.personal_province" if kind == EntityKind::Personal => Some((
                Status::Warn,
                format!(
                    "{}管局不允许个人网站名称使用{quoted}",
                    province.map(Province::name).unwrap_or("所在省")
                ),
            )),
            _ => None,
        };
        if let Some((status, message)) = problem {
            problems.push((status, message, words));
        }
    }
    problems
}

/// Length as the naming rules count it: `()-` and spaces count nothing.
fn counted_length(name: &str) -> usize {
    name.chars()
        .filter(|c| !matches!(c, '(' | ')' | '（' | '）' | '-' | ' ' | '·'))
        .count()
}

fn allowed_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '(' | ')' | '（' | '）' | '-' | ' ' | '·')
}

fn looks_like_domain_or_url(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("www.")
        || (lower.contains('.')
            && lower
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(name: &str, kind: EntityKind) -> Status {
        judge(
            name,
            kind,
            Province::from_abbreviation('京'),
            &Settings::default(),
        )
        .iter()
        .map(|p| p.0)
        .max()
        .unwrap_or(Status::Pass)
    }

    #[test]
    fn site_names_follow_the_naming_rules() {
        use EntityKind::{Company, Government, Personal};
        let cases = [
            (
                "云帆数据",
                Company,
                Status::Pass,
                "an ordinary company site",
            ),
            (
                "云帆数据官网",
                Company,
                Status::Pass,
                "官网 is fine for a company",
            ),
            (
                "小红的旅行笔记",
                Personal,
                Status::Pass,
                "an ordinary personal site",
            ),
            (
                "中国旅游博客",
                Personal,
                Status::Fail,
                "national word and 博客",
            ),
            ("中华美食", Company, Status::Fail, "中华 for a company"),
            (
                "中华人民共和国工业和信息化部",
                Government,
                Status::Pass,
                "a national body",
            ),
            (
                "海淀区人民政府",
                Company,
                Status::Fail,
                "public-affairs name for a company",
            ),
            (
                "小红的技术博客",
                Personal,
                Status::Fail,
                "博客 on a personal site",
            ),
            (
                "云帆科技有限公司",
                Personal,
                Status::Fail,
                "enterprise words on a personal site",
            ),
            ("城市新闻", Company, Status::Warn, "a pre-approval field"),
            ("AB", Company, Status::Fail, "too short and only letters"),
            ("12345", Company, Status::Fail, "only digits"),
            ("example.cn", Company, Status::Fail, "a domain"),
            ("云帆★数据", Company, Status::Fail, "a symbol"),
            (
                "云帆(北京)数据",
                Company,
                Status::Pass,
                "brackets are allowed",
            ),
            ("赌博攻略", Company, Status::Fail, "a sensitive word"),
            (
                "Yunfan数据",
                Company,
                Status::Pass,
                "mixed letters and Chinese",
            ),
        ];
        for (name, kind, expected, why) in cases {
            assert_eq!(status(name, kind), expected, "{why}: {name}");
        }
    }

    #[test]
    fn brackets_and_dashes_do_not_count_towards_length() {
        assert_eq!(counted_length("(云帆)"), 2);
        assert_eq!(counted_length("A-1 号"), 3);
    }
}
