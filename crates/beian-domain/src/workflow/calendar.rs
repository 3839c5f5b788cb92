//! 工作日历 — which days are working days (工作日) in mainland China, and deadlines counted
//! in them.
//!
//! A rectification period is "N working days", so a deadline depends on the State Council's
//! yearly holiday notice: days off that fall on weekdays, and weekends that become working
//! days (调休). That is data, not code: `data/holidays-cn.tsv` lists both for each covered
//! year and says where they come from. Outside the covered years the calendar refuses to
//! answer instead of guessing, so a missing year is found at the first deadline that needs
//! it, not months later by a customer.
//!
//! Deadlines are kept in Asia/Shanghai, which has had no daylight saving time since 1991,
//! so a fixed offset of +08:00 is exact: a deadline is 23:59:59 +08:00 of its last working
//! day.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};

/// The bundled calendar file, as kept in the repository.
pub const BUNDLED_HOLIDAYS: &str = include_str!("../../data/holidays-cn.tsv");

/// The name the bundled file is reported under in errors.
const BUNDLED_NAME: &str = "holidays-cn.tsv";

/// Asia/Shanghai: UTC+8 all year.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// 日历错误 — the calendar file is malformed, or a date lies outside the covered years.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A line of the calendar file cannot be read.
    #[error("{source_name} 第{line}行：{message}")]
    Line {
        /// Which file.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong, in Chinese, with the offending value.
        message: String,
    },
    /// The file as a whole is unusable (no years, a gap between years).
    #[error("{source_name}：{message}")]
    File {
        /// Which file.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// The date lies outside the years the calendar covers.
    #[error("日期 {date} 不在工作日历覆盖的年份（{first}–{last}）内，请先补充该年的节假日安排")]
    OutOfRange {
        /// The date asked about.
        date: NaiveDate,
        /// First covered year.
        first: i32,
        /// Last covered year.
        last: i32,
    },
}

/// 年份来源 — how a covered year's days are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearBasis {
    /// From the State Council's notice for that year.
    Notice,
    /// Statutory holidays only, until the notice is published.
    Provisional,
}

/// 工作日历 — the working days of the covered years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, YearBasis>,
    off: BTreeSet<NaiveDate>,
    work: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// The calendar bundled with the program (`data/holidays-cn.tsv`).
    pub fn bundled() -> Result<WorkingCalendar, CalendarError> {
        WorkingCalendar::parse(BUNDLED_HOLIDAYS, BUNDLED_NAME)
    }

    /// Parses a calendar file; `source_name` names it in errors.
    ///
    /// Each error names the line and the offending value. A `work` day must be a weekend
    /// day (a weekday is a working day anyway, so such a line is a typo), a date must lie
    /// in a declared year and appear once, and the declared years must be consecutive.
    pub fn parse(text: &str, source_name: &str) -> Result<WorkingCalendar, CalendarError> {
        let line_err = |line: usize, message: String| CalendarError::Line {
            source_name: source_name.to_owned(),
            line,
            message,
        };
        let mut years = BTreeMap::new();
        let mut days: Vec<(usize, NaiveDate, bool)> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.trim_end_matches('\r');
            if content.trim().is_empty() || content.trim_start().starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = content.split('\t').map(str::trim).collect();
            if cols[0] == "year" {
                if cols.len() < 4 || cols[3].is_empty() {
                    return Err(line_err(
                        line,
                        "年份行应为「year<TAB>年份<TAB>notice或provisional<TAB>来源」".into(),
                    ));
                }
                let year: i32 = cols[1]
                    .parse()
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| line_err(line, format!("年份「{}」无效", cols[1])))?;
                let basis = match cols[2] {
                    "notice" => YearBasis::Notice,
                    "provisional" => YearBasis::Provisional,
                    other => {
                        return Err(line_err(
                            line,
                            format!("年份依据「{other}」无效，应为 notice 或 provisional"),
                        ));
                    }
                };
                if years.insert(year, basis).is_some() {
                    return Err(line_err(line, format!("年份 {year} 重复声明")));
                }
                continue;
            }
            if cols.len() < 2 {
                return Err(line_err(
                    line,
                    format!("应为「日期<TAB>off或work<TAB>说明」，实际为「{content}」"),
                ));
            }
            let date = NaiveDate::parse_from_str(cols[0], "%Y-%m-%d")
                .map_err(|_| line_err(line, format!("日期「{}」无效，应为 YYYY-MM-DD", cols[0])))?;
            let is_off = match cols[1] {
                "off" => true,
                "work" => false,
                other => {
                    return Err(line_err(
                        line,
                        format!("类型「{other}」无效，应为 off 或 work"),
                    ));
                }
            };
            if !is_off && !is_weekend(date) {
                return Err(line_err(
                    line,
                    format!("{date} 不是周末，不需要列为调休上班日"),
                ));
            }
            days.push((line, date, is_off));
        }
        let (Some(&first), Some(&last)) = (years.keys().next(), years.keys().next_back()) else {
            return Err(CalendarError::File {
                source_name: source_name.to_owned(),
                message: "没有声明任何年份".into(),
            });
        };
        if let Some(gap) = (first..=last).find(|y| !years.contains_key(y)) {
            return Err(CalendarError::File {
                source_name: source_name.to_owned(),
                message: format!("缺少 {gap} 年：声明的年份必须连续"),
            });
        }
        let mut off = BTreeSet::new();
        let mut work = BTreeSet::new();
        for (line, date, is_off) in days {
            if !years.contains_key(&date.year()) {
                return Err(line_err(
                    line,
                    format!("{date} 所在的 {} 年没有声明", date.year()),
                ));
            }
            if off.contains(&date) || work.contains(&date) {
                return Err(line_err(line, format!("{date} 重复出现")));
            }
            if is_off {
                off.insert(date);
            } else {
                work.insert(date);
            }
        }
        Ok(WorkingCalendar { years, off, work })
    }

    /// The covered years, first to last.
    pub fn covered_years(&self) -> RangeInclusive<i32> {
        let first = self.years.keys().next().copied().unwrap_or_default();
        let last = self.years.keys().next_back().copied().unwrap_or_default();
        first..=last
    }

    /// How a covered year is known, or `None` outside the covered years.
    pub fn year_basis(&self, year: i32) -> Option<YearBasis> {
        self.years.get(&year).copied()
    }

    fn check(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if self.years.contains_key(&date.year()) {
            Ok(())
        } else {
            let years = self.covered_years();
            Err(CalendarError::OutOfRange {
                date,
                first: *years.start(),
                last: *years.end(),
            })
        }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check(date)?;
        Ok(if self.off.contains(&date) {
            false
        } else if self.work.contains(&date) {
            true
        } else {
            !is_weekend(date)
        })
    }

    /// The `n`-th working day after `start` (not counting `start` itself). With `n = 0`,
    /// `start` if it is a working day, else the next working day: a period of zero days
    /// still ends on a working day.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.check(start)?;
        let mut day = start;
        if n == 0 {
            while !self.is_working_day(day)? {
                day = next_day(day)?;
            }
            return Ok(day);
        }
        let mut left = n;
        while left > 0 {
            day = next_day(day)?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The number of working days in `(from, to]`: after `from`, up to and including `to`;
    /// zero when `to` is not after `from`. The inverse of [`Self::add_working_days`] for
    /// `n ≥ 1`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        if to <= from {
            return Ok(0);
        }
        self.check(from)?;
        self.check(to)?;
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = next_day(day)?;
            if self.is_working_day(day)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The deadline `n` working days after the moment `start`: 23:59:59 Beijing time of the
    /// `n`-th working day after the Beijing date of `start`.
    pub fn deadline_after(
        &self,
        start: DateTime<FixedOffset>,
        n: u32,
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        let date = start.with_timezone(&shanghai()).date_naive();
        let last = self.add_working_days(date, n)?;
        Ok(end_of_day(last))
    }
}

/// 23:59:59 Beijing time on `date`.
pub fn end_of_day(date: NaiveDate) -> DateTime<FixedOffset> {
    let time = NaiveTime::from_hms_opt(23, 59, 59).expect("23:59:59 is a valid time");
    shanghai()
        .from_local_datetime(&date.and_time(time))
        .single()
        .expect("a fixed offset maps every local time to one instant")
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn next_day(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    // Only reached inside the covered years (years ≤ 2100), so this never fails in
    // practice; the error keeps it total.
    date.checked_add_days(Days::new(1))
        .ok_or(CalendarError::OutOfRange {
            date,
            first: date.year(),
            last: date.year(),
        })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::bundled().expect("the bundled calendar parses")
    }

    #[test]
    fn bundled_years() {
        let cal = cal();
        assert_eq!(cal.covered_years(), 2025..=2027);
        assert_eq!(cal.year_basis(2025), Some(YearBasis::Notice));
        assert_eq!(cal.year_basis(2026), Some(YearBasis::Notice));
        assert_eq!(cal.year_basis(2027), Some(YearBasis::Provisional));
        assert_eq!(cal.year_basis(2028), None);
    }

    #[test]
    fn working_days_per_the_notices() {
        let cal = cal();
        let table = [
            ("2025-01-01", false, "元旦"),
            ("2025-01-26", true, "2025 春节前的周日调休上班"),
            ("2025-02-03", false, "春节假期中的周一"),
            ("2025-02-08", true, "春节后的周六调休上班"),
            ("2025-10-08", false, "国庆中秋的周三"),
            ("2025-10-11", true, "国庆后的周六调休上班"),
            ("2026-01-02", false, "元旦假期的周五"),
            ("2026-01-04", true, "元旦后的周日调休上班"),
            ("2026-02-23", false, "春节假期最后一天，周一"),
            ("2026-02-24", true, "春节后的周二"),
            ("2026-03-07", false, "普通周六"),
            ("2026-03-09", true, "普通周一"),
            ("2026-10-07", false, "国庆最后一天"),
            ("2026-10-10", true, "国庆后的周六调休上班"),
            ("2027-02-08", false, "2027 春节（法定）"),
        ];
        for (date, working, why) in table {
            assert_eq!(cal.is_working_day(d(date)), Ok(working), "{date} {why}");
        }
    }

    #[test]
    fn deadlines_count_working_days() {
        let cal = cal();
        let table = [
            // (start, n, expected last day)
            ("2026-03-02", 1, "2026-03-03"),
            ("2026-03-06", 1, "2026-03-09"),  // Friday → Monday
            ("2026-03-02", 10, "2026-03-16"), // two ordinary weeks
            ("2026-02-12", 1, "2026-02-13"),  // Thursday → Friday
            ("2026-02-13", 1, "2026-02-14"),  // Friday → the working Saturday
            ("2026-02-13", 2, "2026-02-24"),  // over 春节
            ("2026-09-30", 1, "2026-10-08"),  // over 国庆
            ("2026-03-07", 0, "2026-03-09"),  // zero days from a Saturday
            ("2026-03-09", 0, "2026-03-09"),  // zero days from a Monday
            ("2025-12-31", 1, "2026-01-04"),  // over 元旦 to the working Sunday
        ];
        for (start, n, want) in table {
            assert_eq!(
                cal.add_working_days(d(start), n),
                Ok(d(want)),
                "{start} + {n}"
            );
        }
        let issued = DateTime::parse_from_rfc3339("2026-02-13T17:30:00Z").expect("time");
        // 17:30 UTC on the 13th is 01:30 on the 14th in Beijing (the working Saturday).
        let deadline = cal.deadline_after(issued, 1).expect("deadline");
        assert_eq!(deadline.to_rfc3339(), "2026-02-24T23:59:59+08:00");
    }

    #[test]
    fn out_of_range_is_refused() {
        let cal = cal();
        let err = cal.add_working_days(d("2027-12-30"), 5).unwrap_err();
        assert_eq!(
            err,
            CalendarError::OutOfRange {
                date: d("2028-01-01"),
                first: 2025,
                last: 2027
            }
        );
        assert!(err.to_string().contains("2028-01-01"));
        assert!(cal.is_working_day(d("2024-12-31")).is_err());
    }

    #[test]
    fn parse_errors_name_the_line() {
        let table = [
            (
                "year\t2026\tnotice\tx\n2026-02-30\toff\tx\n",
                2,
                "2026-02-30",
            ),
            (
                "year\t2026\tnotice\tx\n2026-03-02\twork\tx\n",
                2,
                "不是周末",
            ),
            (
                "year\t2026\tnotice\tx\n\n2026-03-02\tholiday\tx\n",
                3,
                "holiday",
            ),
            (
                "year\t2026\tnotice\tx\n2025-01-01\toff\tx\n",
                2,
                "2025 年没有声明",
            ),
            (
                "year\t2026\tnotice\tx\n2026-01-01\toff\n2026-01-01\toff\n",
                3,
                "重复",
            ),
            (
                "year\t2026\tnotice\tx\nyear\t2026\tnotice\ty\n",
                2,
                "重复声明",
            ),
            ("year\t20x6\tnotice\tx\n", 1, "20x6"),
            ("year\t2026\tguess\tx\n", 1, "guess"),
            ("year\t2026\tnotice\n", 1, "年份行"),
            ("year\t2026\tnotice\tx\n2026-01-01\n", 2, "2026-01-01"),
        ];
        for (text, line, needle) in table {
            match WorkingCalendar::parse(text, "t.tsv") {
                Err(err @ CalendarError::Line { line: got, .. }) => {
                    assert_eq!(got, line, "{text:?}: {err}");
                    let shown = err.to_string();
                    assert!(shown.starts_with(&format!("t.tsv 第{line}行")), "{shown}");
                    assert!(shown.contains(needle), "{shown} lacks {needle}");
                }
                other => panic!("{text:?}: expected a line error, got {other:?}"),
            }
        }
        for text in [
            "",
            "# only a comment\n",
            "year\t2025\tnotice\tx\nyear\t2027\tnotice\tx\n",
        ] {
            assert!(
                matches!(
                    WorkingCalendar::parse(text, "t.tsv"),
                    Err(CalendarError::File { .. })
                ),
                "{text:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn adding_lands_on_a_working_day_and_inverts(offset in 0u64..900, n in 0u32..40) {
            let cal = cal();
            let start = d("2025-01-01") + Days::new(offset);
            let end = cal.add_working_days(start, n).expect("inside the covered years");
            prop_assert!(cal.is_working_day(end).expect("covered"));
            prop_assert!(end >= start);
            if n > 0 {
                prop_assert!(end > start);
                prop_assert_eq!(cal.working_days_between(start, end).expect("covered"), n);
            }
            // One day more never ends earlier, and ends later unless `n = 0` rolled a day
            // off forward to the same working day.
            let plus_one = cal.add_working_days(start, n + 1).expect("covered");
            prop_assert!(plus_one >= end);
            if n > 0 || cal.is_working_day(start).expect("covered") {
                prop_assert!(plus_one > end);
            }
        }

        #[test]
        fn monotonic_in_start_and_in_n(a in 0u64..900, b in 0u64..900, n in 0u32..30, m in 0u32..30) {
            let cal = cal();
            let (lo, hi) = (a.min(b), a.max(b));
            let base = d("2025-01-01");
            let x = cal.add_working_days(base + Days::new(lo), n).expect("covered");
            let y = cal.add_working_days(base + Days::new(hi), n).expect("covered");
            prop_assert!(x <= y);
            let (small, big) = (n.min(m), n.max(m));
            let p = cal.add_working_days(base + Days::new(lo), small).expect("covered");
            let q = cal.add_working_days(base + Days::new(lo), big).expect("covered");
            prop_assert!(p <= q);
        }

        #[test]
        fn between_is_additive(a in 0u64..1000, b in 0u64..1000, c in 0u64..1000) {
            let cal = cal();
            let mut v = [a, b, c];
            v.sort_unstable();
            let base = d("2025-01-01");
            let [x, y, z] = v.map(|o| base + Days::new(o));
            let xy = cal.working_days_between(x, y).expect("covered");
            let yz = cal.working_days_between(y, z).expect("covered");
            prop_assert_eq!(cal.working_days_between(x, z).expect("covered"), xy + yz);
        }
    }
}
