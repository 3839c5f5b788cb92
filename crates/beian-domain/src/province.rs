//! 省份简称 — the 31 provincial filing authorities (管局) and their abbreviations.
//!
//! The filing prefix of an ICP number is the abbreviation of the province whose 管局
//! approved it. Four of them differ from the everyday abbreviation (蜀, 黔, 滇, 陇 rather
//! than 川, 贵, 云, 甘): those everyday forms are kept as [`Province::from_alias`] so that
//! a footer showing them can be flagged as a likely typo instead of silently accepted.

use std::fmt;

/// 省级行政区 — one of the 31 provinces, regions and municipalities that run a 管局.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Province {
    abbreviation: char,
    name: &'static str,
    code: u8,
}

/// The 31 provinces in GB/T 2260 order. Hong Kong, Macao and Taiwan cannot file.
pub const PROVINCES: [Province; 31] = [
    p('京', "北京", 11),
    p('津', "天津", 12),
    p('冀', "河北", 13),
    p('晋', "山西", 14),
    p('蒙', "内蒙古", 15),
    p('辽', "辽宁", 21),
    p('吉', "吉林", 22),
    p('黑', "黑龙江", 23),
    p('沪', "上海", 31),
    p('苏', "江苏", 32),
    p('浙', "浙江", 33),
    p('皖', "安徽", 34),
    p('闽', "福建", 35),
    p('赣', "江西", 36),
    p('鲁', "山东", 37),
    p('豫', "河南", 41),
    p('鄂', "湖北", 42),
    p('湘', "湖南", 43),
    p('粤', "广东", 44),
    p('桂', "广西", 45),
    p('琼', "海南", 46),
    p('渝', "重庆", 50),
    p('蜀', "四川", 51),
    p('黔', "贵州", 52),
    p('滇', "云南", 53),
    p('藏', "西藏", 54),
    p('陕', "陕西", 61),
    p('陇', "甘肃", 62),
    p('青', "青海", 63),
    p('宁', "宁夏", 64),
    p('新', "新疆", 65),
];

/// Everyday abbreviations that are *not* filing prefixes, with the province they mean.
/// 川/贵/云/甘 come from vehicle plates and habit; 申/秦/楚 are literary names.
const ALIASES: [(char, char); 7] = [
    ('川', '蜀'),
    ('贵', '黔'),
    ('云', '滇'),
    ('甘', '陇'),
    ('申', '沪'),
    ('秦', '陕'),
    ('楚', '鄂'),
];

const fn p(abbreviation: char, name: &'static str, code: u8) -> Province {
    Province {
        abbreviation,
        name,
        code,
    }
}

impl Province {
    /// The province whose filing prefix is `c` (one of the 31), or `None`.
    pub fn from_abbreviation(c: char) -> Option<Province> {
        PROVINCES.iter().copied().find(|p| p.abbreviation == c)
    }

    /// The province that an everyday but wrong prefix such as 川 stands for.
    pub fn from_alias(c: char) -> Option<Province> {
        let (_, real) = ALIASES.iter().find(|(alias, _)| *alias == c)?;
        Province::from_abbreviation(*real)
    }

    /// The province whose GB/T 2260 two-digit code is `code` (11 for 北京 …).
    pub fn from_code(code: u8) -> Option<Province> {
        PROVINCES.iter().copied().find(|p| p.code == code)
    }

    /// The province with this Chinese name, with or without 省/市/自治区 suffixes.
    pub fn from_name(name: &str) -> Option<Province> {
        PROVINCES
            .iter()
            .copied()
            .find(|p| name == p.name || name.starts_with(p.name))
    }

    /// The one-character filing prefix (京, 蜀 …).
    pub fn abbreviation(self) -> char {
        self.abbreviation
    }

    /// The short Chinese name (北京, 四川 …).
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The GB/T 2260 code: the first two digits of ID numbers and 公安 numbers.
    pub fn code(self) -> u8 {
        self.code
    }

    /// Whether `c` is a character that starts a filing prefix, right or wrong.
    pub fn is_prefix_like(c: char) -> bool {
        Province::from_abbreviation(c).is_some() || Province::from_alias(c).is_some()
    }
}

impl fmt::Display for Province {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_31_distinct_prefixes_and_codes() {
        let mut abbreviations: Vec<char> = PROVINCES.iter().map(|p| p.abbreviation).collect();
        abbreviations.sort_unstable();
        abbreviations.dedup();
        assert_eq!(abbreviations.len(), 31);
        let mut codes: Vec<u8> = PROVINCES.iter().map(|p| p.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 31);
    }

    #[test]
    fn sichuan_guizhou_yunnan_gansu_use_their_filing_prefixes() {
        for (prefix, name) in [
            ('蜀', "四川"),
            ('黔', "贵州"),
            ('滇', "云南"),
            ('陇', "甘肃"),
        ] {
            assert_eq!(
                Province::from_abbreviation(prefix).map(Province::name),
                Some(name)
            );
        }
        for alias in ['川', '贵', '云', '甘', '港', '澳', '台', '萌'] {
            assert_eq!(Province::from_abbreviation(alias), None, "{alias}");
        }
    }

    #[test]
    fn aliases_point_to_the_real_province() {
        assert_eq!(
            Province::from_alias('川').map(Province::abbreviation),
            Some('蜀')
        );
        assert_eq!(Province::from_alias('甘').map(Province::code), Some(62));
        assert_eq!(Province::from_alias('萌'), None);
    }

    #[test]
    fn codes_and_names_find_provinces() {
        assert_eq!(
            Province::from_code(44).map(Province::abbreviation),
            Some('粤')
        );
        assert_eq!(Province::from_code(10), None);
        assert_eq!(Province::from_name("广东省").map(Province::code), Some(44));
        assert_eq!(
            Province::from_name("内蒙古自治区").map(Province::code),
            Some(15)
        );
    }
}
