//! Identifiers with the right check characters: credit codes (GB 32100 with the GB 11714
//! organisation code inside), resident ID numbers (GB 11643), mobiles from real voice
//! segments, landlines, ICP and 公安 filing numbers. The rules are written out here on
//! purpose, independently of `beian-domain`'s parsers, which the tests then use to
//! confirm every generated number.

use chrono::{Datelike, NaiveDate};

use crate::rng::Rng;

/// A city the generated entities live in: its province and one of its districts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct City {
    /// ICP filing prefix of the province (京, 粤, 蜀 …).
    pub prefix: char,
    /// Province as written at the start of an address (北京市, 广东省 …).
    pub province: &'static str,
    /// City name as part of a company name (北京, 深圳 …).
    pub name: &'static str,
    /// The city part of an address (empty for municipalities, whose province is the city).
    pub city_part: &'static str,
    /// District and its GB/T 2260 six-digit code.
    pub district: &'static str,
    /// The district's code: the start of credit codes, ID numbers and 公安 numbers.
    pub code: &'static str,
    /// Telephone area code with its leading 0.
    pub area_code: &'static str,
    /// Streets to put in addresses.
    pub streets: &'static [&'static str],
}

const fn city(
    prefix: char,
    province: &'static str,
    name: &'static str,
    city_part: &'static str,
    (district, code): (&'static str, &'static str),
    area_code: &'static str,
    streets: &'static [&'static str],
) -> City {
    City {
        prefix,
        province,
        name,
        city_part,
        district,
        code,
        area_code,
        streets,
    }
}

/// The cities, with real district codes and area codes.
pub const CITIES: &[City] = &[
    city(
        '京',
        "北京市",
        "北京",
        "",
        ("海淀区", "110108"),
        "010",
        &["中关村大街", "学院路", "知春路"],
    ),
    city(
        '京',
        "北京市",
        "北京",
        "",
        ("朝阳区", "110105"),
        "010",
        &["建国路", "望京街", "酒仙桥路"],
    ),
    city(
        '沪',
        "上海市",
        "上海",
        "",
        ("浦东新区", "310115"),
        "021",
        &["张江路", "世纪大道", "博云路"],
    ),
    city(
        '沪',
        "上海市",
        "上海",
        "",
        ("徐汇区", "310104"),
        "021",
        &["漕溪北路", "宜山路", "虹桥路"],
    ),
    city(
        '粤',
        "广东省",
        "深圳",
        "深圳市",
        ("南山区", "440305"),
        "0755",
        &["科技园南路", "深南大道", "高新南一道"],
    ),
    city(
        '粤',
        "广东省",
        "广州",
        "广州市",
        ("天河区", "440106"),
        "020",
        &["天河路", "体育西路", "黄埔大道"],
    ),
    city(
        '浙',
        "浙江省",
        "杭州",
        "杭州市",
        ("西湖区", "330106"),
        "0571",
        &["文三路", "天目山路", "古墩路"],
    ),
    city(
        '苏',
        "江苏省",
        "南京",
        "南京市",
        ("建邺区", "320105"),
        "025",
        &["江东中路", "应天大街", "河西大街"],
    ),
    city(
        '苏',
        "江苏省",
        "苏州",
        "苏州市",
        ("虎丘区", "320505"),
        "0512",
        &["狮山路", "长江路", "金山路"],
    ),
    city(
        '蜀',
        "四川省",
        "成都",
        "成都市",
        ("武侯区", "510107"),
        "028",
        &["人民南路四段", "科华北路", "玉林路"],
    ),
    city(
        '鄂',
        "湖北省",
        "武汉",
        "武汉市",
        ("武昌区", "420106"),
        "027",
        &["中南路", "中北路", "友谊大道"],
    ),
    city(
        '陕',
        "陕西省",
        "西安",
        "西安市",
        ("雁塔区", "610113"),
        "029",
        &["科技路", "小寨东路", "高新路"],
    ),
    city(
        '鲁',
        "山东省",
        "青岛",
        "青岛市",
        ("市南区", "370202"),
        "0532",
        &["香港中路", "山东路", "南京路"],
    ),
    city(
        '闽',
        "福建省",
        "厦门",
        "厦门市",
        ("思明区", "350203"),
        "0592",
        &["湖滨南路", "莲前西路", "嘉禾路"],
    ),
    city(
        '湘',
        "湖南省",
        "长沙",
        "长沙市",
        ("岳麓区", "430104"),
        "0731",
        &["麓山南路", "桐梓坡路", "枫林三路"],
    ),
    city(
        '渝',
        "重庆市",
        "重庆",
        "",
        ("渝中区", "500103"),
        "023",
        &["解放碑路", "中山三路", "大坪正街"],
    ),
    city(
        '津',
        "天津市",
        "天津",
        "",
        ("南开区", "120104"),
        "022",
        &["鞍山西道", "卫津路", "白堤路"],
    ),
    city(
        '皖',
        "安徽省",
        "合肥",
        "合肥市",
        ("蜀山区", "340104"),
        "0551",
        &["长江西路", "黄山路", "潜山路"],
    ),
    city(
        '豫',
        "河南省",
        "郑州",
        "郑州市",
        ("金水区", "410105"),
        "0371",
        &["花园路", "农业路", "经三路"],
    ),
    city(
        '滇',
        "云南省",
        "昆明",
        "昆明市",
        ("五华区", "530102"),
        "0871",
        &["东风西路", "人民中路", "青年路"],
    ),
];

/// The 31 characters of a credit code, in value order.
const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 of a credit code: 3^(i−1) mod 31.
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Weights of the first eight characters of a GB 11714 organisation code.
const ORGANIZATION_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
/// Weights of the first 17 digits of a resident ID number.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder mod 11.
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// 统一社会信用代码 of an enterprise (91…) registered in `city`, with a valid GB 11714
/// organisation code inside and the right check character.
pub fn credit_code(rng: &mut Rng, city: &City) -> String {
    let body = rng.digits(8);
    let org_sum: u32 = body
        .bytes()
        .zip(ORGANIZATION_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let org_check = match 11 - org_sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from(b'0' + n as u8),
    };
    let first17 = format!("91{}{body}{org_check}", city.code);
    let check = credit_check_character(&first17);
    format!("{first17}{check}")
}

/// The check character of the first 17 characters of a credit code.
pub fn credit_check_character(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(CREDIT_WEIGHTS)
        .map(|(b, w)| {
            let value = CREDIT_ALPHABET.iter().position(|&c| c == b).unwrap_or(0) as u32;
            value * w
        })
        .sum();
    let index = ((31 - sum % 31) % 31) as usize;
    char::from(CREDIT_ALPHABET[index])
}

/// The same code with its check character replaced by a wrong one.
pub fn break_credit_code(code: &str) -> String {
    let (first17, check) = code.split_at(code.len().saturating_sub(1));
    let current = CREDIT_ALPHABET
        .iter()
        .position(|&c| check.as_bytes().first() == Some(&c))
        .unwrap_or(0);
    let wrong = char::from(CREDIT_ALPHABET[(current + 7) % CREDIT_ALPHABET.len()]);
    format!("{first17}{wrong}")
}

/// 居民身份证号码 for someone born in `city` on `birth`.
pub fn resident_id(rng: &mut Rng, city: &City, birth: NaiveDate) -> String {
    let first17 = format!(
        "{}{:04}{:02}{:02}{}",
        city.code,
        birth.year(),
        birth.month(),
        birth.day(),
        rng.digits(3)
    );
    format!("{first17}{}", id_check_character(&first17))
}

/// The GB 11643 check character of the first 17 digits.
pub fn id_check_character(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    char::from(ID_CHECK[(sum % 11) as usize])
}

/// The same ID number with a wrong check character.
pub fn break_resident_id(id: &str) -> String {
    let (first17, check) = id.split_at(id.len().saturating_sub(1));
    let current = ID_CHECK
        .iter()
        .position(|&c| check.as_bytes().first() == Some(&c))
        .unwrap_or(0);
    format!(
        "{first17}{}",
        char::from(ID_CHECK[(current + 3) % ID_CHECK.len()])
    )
}

/// Voice segments of the three big carriers (no data-card, IoT or virtual segments).
const MOBILE_SEGMENTS: &[&str] = &[
    "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "183",
    "187", "188", "198", "130", "131", "132", "155", "156", "166", "176", "185", "186", "133",
    "153", "173", "177", "180", "181", "189", "199",
];

/// A mobile number from a real voice segment.
pub fn mobile(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(MOBILE_SEGMENTS), rng.digits(8))
}

/// A landline in `city`: area code, dash, eight digits not starting with 0 or 1.
pub fn landline(rng: &mut Rng, city: &City) -> String {
    format!("{}-{}{}", city.area_code, rng.range(2, 8), rng.digits(7))
}

/// An entity's ICP filing number (主体备案号) in the province of `prefix`.
pub fn icp_entity_number(rng: &mut Rng, prefix: char) -> String {
    let year = rng.range(2012, 2025);
    format!("{prefix}ICP备{year}{}号", rng.digits(6))
}

/// A 公安联网备案号 filed in `city`'s district.
pub fn police_number(rng: &mut Rng, city: &City) -> (String, String) {
    let digits = format!("{}{}", city.code, rng.digits(8));
    (format!("{}公网安备{digits}号", city.prefix), digits)
}

/// A birth date between 1965 and 2002.
pub fn birth_date(rng: &mut Rng) -> NaiveDate {
    let year = rng.range(1965, 2002) as i32;
    let ordinal = rng.range(1, 365) as u32;
    NaiveDate::from_yo_opt(year, ordinal).unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use beian_domain::Province;
    use beian_domain::ident::credit_code::CreditCode;
    use beian_domain::ident::icp::IcpFilingNumber;
    use beian_domain::ident::id_card::ResidentIdNumber;
    use beian_domain::ident::phone::{MobileNumber, PhoneNumber};
    use beian_domain::ident::police::PoliceFilingNumber;

    use super::*;

    #[test]
    fn generated_numbers_pass_the_parsers() {
        let mut rng = Rng::new(3);
        for city in CITIES {
            let province = Province::from_abbreviation(city.prefix).expect("prefix");
            assert!(city.province.starts_with(province.name()), "{city:?}");
            for _ in 0..50 {
                let code = credit_code(&mut rng, city);
                let parsed = CreditCode::parse(&code).expect("credit code");
                assert!(parsed.organization_code_checks(), "{code}");
                assert_eq!(parsed.province(), Some(province));
                assert!(CreditCode::parse(&break_credit_code(&code)).is_err());

                let birth = birth_date(&mut rng);
                let id = resident_id(&mut rng, city, birth);
                let parsed = ResidentIdNumber::parse(&id).expect("resident id");
                assert_eq!(parsed.birth_date(), birth);
                assert!(ResidentIdNumber::parse(&break_resident_id(&id)).is_err());

                MobileNumber::parse(&mobile(&mut rng)).expect("mobile");
                PhoneNumber::parse(&landline(&mut rng, city)).expect("landline");
                let icp =
                    IcpFilingNumber::parse(&icp_entity_number(&mut rng, city.prefix)).expect("icp");
                assert_eq!(icp.province(), province);
                let (police, _) = police_number(&mut rng, city);
                PoliceFilingNumber::parse(&police).expect("police");
            }
        }
    }
}
