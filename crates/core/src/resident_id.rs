//! The 18-character resident identity number of GB 11643-1999.
//!
//! A [`ResidentId`] can only hold a number whose province prefix is real, whose birth date exists and is not in
//! the future, and whose check character is right. The region part is where the number was first issued, which
//! is often not a current county code (Bazhong residents carry 5137xx and 5130xx codes), so only the province
//! prefix is checked here; an unknown county is a data-quality warning elsewhere, never a parse error.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Sex;

/// Why a text is not a resident ID. Each kind of defect has its own variant so that import reports can say
/// exactly what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("身份证号长度应为18位(或旧式15位), 实际为{0}位")]
    Length(usize),
    #[error("身份证号含有非法字符「{0}」: 前17位须为数字, 末位为数字或X")]
    Characters(char),
    #[error("身份证号前两位「{0}」不是有效的省级行政区划代码")]
    Region(String),
    #[error("身份证号中的出生日期「{0}」不是有效日期")]
    Date(String),
    #[error("身份证号中的出生日期「{0}」晚于今天")]
    FutureDate(String),
    #[error("身份证号校验码错误: 应为「{expected}」, 实际为「{actual}」")]
    CheckCharacter { expected: char, actual: char },
    #[error("身份证号疑似被 Excel 存为数字「{0}」, 后几位已丢失, 请以文本格式重新导出")]
    ScientificNotation(String),
}

/// Province-level codes of GB/T 2260 (including Hong Kong, Macao and Taiwan, whose residents hold IDs too).
const PROVINCE_CODES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// A valid 18-character resident ID, stored upper-case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct ResidentId([u8; 18]);

/// Computes the ISO 7064 MOD 11-2 check character of the first 17 digits.
pub fn check_character(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize] as char
}

impl ResidentId {
    /// Parses an 18-character ID, or converts a 15-digit one (born 19xx), checking dates against `today`.
    pub fn parse_on(text: &str, today: NaiveDate) -> Result<Self, ResidentIdError> {
        let text = text.trim();
        if text.contains(['E', 'e']) && text.contains('.') {
            return Err(ResidentIdError::ScientificNotation(text.to_owned()));
        }
        let chars = text.chars().count();
        match chars {
            18 => Self::parse18(text.as_bytes(), today),
            15 => Self::parse15(text.as_bytes(), today),
            n => Err(ResidentIdError::Length(n)),
        }
    }

    /// Parses against today's date. Use [`ResidentId::parse_on`] where the date must be fixed (tests, imports
    /// judged as of a date).
    pub fn parse(text: &str) -> Result<Self, ResidentIdError> {
        Self::parse_on(text, chrono::Local::now().date_naive())
    }

    fn parse18(bytes: &[u8], today: NaiveDate) -> Result<Self, ResidentIdError> {
        let mut id = [0u8; 18];
        for (i, &b) in bytes.iter().enumerate() {
            let ok = b.is_ascii_digit() || (i == 17 && (b == b'X' || b == b'x'));
            if !ok {
                return Err(ResidentIdError::Characters(b as char));
            }
            id[i] = b.to_ascii_uppercase();
        }
        check_region_and_date(&id[..6], &id[6..14], today)?;
        let expected = check_character(&id[..17]);
        if expected != id[17] as char {
            return Err(ResidentIdError::CheckCharacter {
                expected,
                actual: id[17] as char,
            });
        }
        Ok(Self(id))
    }

    fn parse15(bytes: &[u8], today: NaiveDate) -> Result<Self, ResidentIdError> {
        if let Some(&b) = bytes.iter().find(|b| !b.is_ascii_digit()) {
            return Err(ResidentIdError::Characters(b as char));
        }
        // The 15-digit form (before 1999) has a two-digit year, always 19xx, and no check character.
        let mut id = [0u8; 18];
        id[..6].copy_from_slice(&bytes[..6]);
        id[6..8].copy_from_slice(b"19");
        id[8..17].copy_from_slice(&bytes[6..15]);
        check_region_and_date(&id[..6], &id[6..14], today)?;
        id[17] = check_character(&id[..17]) as u8;
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and 'X' are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The six-digit region code where the number was first issued.
    pub fn region_code(&self) -> &str {
        &self.as_str()[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        parse_date(&self.0[6..14]).unwrap_or_default()
    }

    /// Odd sequence numbers are men, even ones women.
    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `date`.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        age_on(self.birth_date(), date)
    }

    /// The masked form shown on lists and public notices: region and last character kept.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}************{}", &s[..4], &s[16..])
    }
}

/// Age in whole years on `date` of someone born on `birth`.
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> u32 {
    let mut years = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

fn parse_date(digits: &[u8]) -> Option<NaiveDate> {
    let s = std::str::from_utf8(digits).ok()?;
    let y: i32 = s[..4].parse().ok()?;
    let m: u32 = s[4..6].parse().ok()?;
    let d: u32 = s[6..8].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

fn check_region_and_date(
    region: &[u8],
    date: &[u8],
    today: NaiveDate,
) -> Result<(), ResidentIdError> {
    let province = (region[0] - b'0') * 10 + (region[1] - b'0');
    if !PROVINCE_CODES.contains(&province) {
        return Err(ResidentIdError::Region(format!("{province:02}")));
    }
    let date_text = String::from_utf8_lossy(date).into_owned();
    let birth = parse_date(date).ok_or_else(|| ResidentIdError::Date(date_text.clone()))?;
    if birth.year() < 1850 {
        return Err(ResidentIdError::Date(date_text));
    }
    if birth > today {
        return Err(ResidentIdError::FutureDate(date_text));
    }
    Ok(())
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ResidentId {
    // Debug output ends up in logs; never print a full ID there.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

impl FromStr for ResidentId {
    type Err = ResidentIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<ResidentId> for String {
    fn from(id: ResidentId) -> Self {
        id.as_str().to_owned()
    }
}

impl<'de> Deserialize<'de> for ResidentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_character(first17.as_bytes()))
    }

    #[test]
    fn accepts_valid_ids_and_reads_birth_and_sex() {
        // The GB 11643 example number.
        let id = ResidentId::parse_on("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        let bazhong = with_check("51190219800101001");
        let id = ResidentId::parse_on(&bazhong, today()).unwrap();
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.region_code(), "511902");
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()), 40);
        assert_eq!(
            id.age_on(NaiveDate::from_ymd_opt(2019, 12, 31).unwrap()),
            39
        );
    }

    #[test]
    fn lower_case_x_is_accepted_and_stored_upper_case() {
        let id = ResidentId::parse_on("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn old_region_codes_are_accepted() {
        // 巴中地区 (5137xx) and 达县地区 (5130xx) no longer exist but their IDs are valid.
        assert!(ResidentId::parse_on(&with_check("51372319750304123"), today()).is_ok());
        assert!(ResidentId::parse_on(&with_check("51302919620817231"), today()).is_ok());
    }

    #[test]
    fn fifteen_digit_ids_are_converted() {
        let id = ResidentId::parse_on("513723750304123", today()).unwrap();
        assert_eq!(id.as_str(), with_check("51372319750304123"));
        assert_eq!(
            ResidentId::parse_on("513723751304123", today()),
            Err(ResidentIdError::Date("19751304".into()))
        );
    }

    #[test]
    fn rejects_each_kind_of_defect_with_its_own_reason() {
        assert_eq!(
            ResidentId::parse_on("5119021980", today()),
            Err(ResidentIdError::Length(10))
        );
        assert_eq!(
            ResidentId::parse_on("51190219800101A01X", today()),
            Err(ResidentIdError::Characters('A'))
        );
        assert_eq!(
            ResidentId::parse_on(&with_check("99190219800101001"), today()),
            Err(ResidentIdError::Region("99".into()))
        );
        assert_eq!(
            ResidentId::parse_on(&with_check("51190219800230001"), today()),
            Err(ResidentIdError::Date("19800230".into()))
        );
        assert_eq!(
            ResidentId::parse_on(&with_check("51190220300101001"), today()),
            Err(ResidentIdError::FutureDate("20300101".into()))
        );
        let good = with_check("51190219800101001");
        let wrong = if good.ends_with('1') { "0" } else { "1" };
        let bad = format!("{}{wrong}", &good[..17]);
        assert!(matches!(
            ResidentId::parse_on(&bad, today()),
            Err(ResidentIdError::CheckCharacter { .. })
        ));
        assert!(matches!(
            ResidentId::parse_on("5.11902E+17", today()),
            Err(ResidentIdError::ScientificNotation(_))
        ));
    }

    #[test]
    fn debug_output_is_masked() {
        let id = ResidentId::parse_on("11010519491231002X", today()).unwrap();
        assert_eq!(format!("{id:?}"), "ResidentId(1101************2X)");
    }

    proptest::proptest! {
        #[test]
        fn every_valid_id_round_trips(seq in 0u32..1000, days in 0i64..40_000) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Duration::days(days);
            let text = with_check(&format!("511921{}{seq:03}", birth.format("%Y%m%d")));
            let id = ResidentId::parse_on(&text, today()).unwrap();
            proptest::prop_assert_eq!(id.as_str(), text.as_str());
            proptest::prop_assert_eq!(id.birth_date(), birth);
            proptest::prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
        }
    }
}
