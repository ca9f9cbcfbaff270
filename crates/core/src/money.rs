//! Money in yuan, held as integer fen so that sums never drift.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount of money in fen (1/100 yuan). Negative amounts are allowed: a year's business income can be a loss.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Yuan(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{0}」不是有效的金额(元, 最多两位小数)")]
pub struct YuanParseError(pub String);

impl Yuan {
    pub const ZERO: Yuan = Yuan(0);

    pub const fn from_fen(fen: i64) -> Self {
        Self(fen)
    }

    pub const fn from_yuan(yuan: i64) -> Self {
        Self(yuan * 100)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Whole yuan, rounded half away from zero.
    pub const fn round_yuan(self) -> i64 {
        if self.0 >= 0 {
            (self.0 + 50) / 100
        } else {
            (self.0 - 50) / 100
        }
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Divides among `n` people, rounding to the nearest fen (half away from zero).
    pub fn per_capita(self, n: u32) -> Yuan {
        if n == 0 {
            return Yuan::ZERO;
        }
        let n = i64::from(n);
        let half = n / 2;
        Yuan(if self.0 >= 0 {
            (self.0 + half) / n
        } else {
            (self.0 - half) / n
        })
    }

    /// Parses "5480", "5,480.5", "５４８０" (full-width), "¥5480" or "5480元".
    pub fn parse(text: &str) -> Result<Self, YuanParseError> {
        let err = || YuanParseError(text.to_owned());
        let cleaned: String = text
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
            .map(crate::text::to_half_width)
            .collect();
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
            || whole.len() > 15
        {
            return Err(err());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err())?
        };
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| err())? * 10,
            _ => frac.parse().map_err(|_| err())?,
        };
        let fen = whole * 100 + frac;
        Ok(Yuan(if negative { -fen } else { fen }))
    }
}

impl fmt::Display for Yuan {
    /// Thousands separators, and fen only when there are any: `5,480`, `-12.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.0.unsigned_abs();
        let (whole, fen) = (abs / 100, abs % 100);
        let digits = whole.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        if fen == 0 {
            write!(f, "{sign}{grouped}")
        } else {
            write!(f, "{sign}{grouped}.{fen:02}")
        }
    }
}

impl FromStr for Yuan {
    type Err = YuanParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Add for Yuan {
    type Output = Yuan;
    fn add(self, rhs: Yuan) -> Yuan {
        Yuan(self.0 + rhs.0)
    }
}

impl Sub for Yuan {
    type Output = Yuan;
    fn sub(self, rhs: Yuan) -> Yuan {
        Yuan(self.0 - rhs.0)
    }
}

impl Neg for Yuan {
    type Output = Yuan;
    fn neg(self) -> Yuan {
        Yuan(-self.0)
    }
}

impl AddAssign for Yuan {
    fn add_assign(&mut self, rhs: Yuan) {
        self.0 += rhs.0;
    }
}

impl SubAssign for Yuan {
    fn sub_assign(&mut self, rhs: Yuan) {
        self.0 -= rhs.0;
    }
}

impl Sum for Yuan {
    fn sum<I: Iterator<Item = Yuan>>(iter: I) -> Yuan {
        Yuan(iter.map(|y| y.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        assert_eq!(Yuan::parse("5480").unwrap(), Yuan::from_yuan(5480));
        assert_eq!(Yuan::parse("5,480.5").unwrap(), Yuan::from_fen(548_050));
        assert_eq!(Yuan::parse("５４８０").unwrap(), Yuan::from_yuan(5480));
        assert_eq!(Yuan::parse(" ¥12.05元 ").unwrap(), Yuan::from_fen(1205));
        assert_eq!(Yuan::parse("-3.1").unwrap(), Yuan::from_fen(-310));
        for bad in ["", "abc", "1.234", "1e5", "--1", "."] {
            assert!(Yuan::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_with_thousands_separators() {
        assert_eq!(Yuan::from_yuan(5480).to_string(), "5,480");
        assert_eq!(Yuan::from_yuan(1_234_567).to_string(), "1,234,567");
        assert_eq!(Yuan::from_fen(-1250).to_string(), "-12.50");
        assert_eq!(Yuan::from_yuan(600).to_string(), "600");
    }

    #[test]
    fn tenths_add_up_exactly() {
        let total: Yuan = std::iter::repeat_n(Yuan::parse("0.1").unwrap(), 10).sum();
        assert_eq!(total, Yuan::from_yuan(1));
    }

    #[test]
    fn per_capita_rounds_to_the_nearest_fen() {
        assert_eq!(Yuan::from_yuan(10).per_capita(3), Yuan::from_fen(333));
        assert_eq!(Yuan::from_fen(500).per_capita(3), Yuan::from_fen(167));
        assert_eq!(Yuan::from_fen(-500).per_capita(3), Yuan::from_fen(-167));
        assert_eq!(Yuan::from_yuan(10).per_capita(0), Yuan::ZERO);
    }
}
