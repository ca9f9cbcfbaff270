//! Administrative areas: codes, levels, the division tree and its history (renames and merges).
//!
//! Codes are 2 (province), 4 (city), 6 (county, GB/T 2260), 9 (township) or 12 (village, NBS statistical
//! codes) digits; "A contains B" is a prefix test on the code.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::labeled_enum! {
    /// The five levels of the division tree.
    pub enum AreaLevel {
        Province = ("province", "省"),
        City = ("city", "市"),
        County = ("county", "县"),
        Township = ("township", "乡镇"),
        Village = ("village", "村"),
    }
}

impl AreaLevel {
    /// Number of digits in a code of this level.
    pub const fn digits(self) -> usize {
        match self {
            AreaLevel::Province => 2,
            AreaLevel::City => 4,
            AreaLevel::County => 6,
            AreaLevel::Township => 9,
            AreaLevel::Village => 12,
        }
    }

    fn from_digits(n: usize) -> Option<Self> {
        Some(match n {
            2 => AreaLevel::Province,
            4 => AreaLevel::City,
            6 => AreaLevel::County,
            9 => AreaLevel::Township,
            12 => AreaLevel::Village,
            _ => return None,
        })
    }

    pub fn parent(self) -> Option<Self> {
        Some(match self {
            AreaLevel::Province => return None,
            AreaLevel::City => AreaLevel::Province,
            AreaLevel::County => AreaLevel::City,
            AreaLevel::Township => AreaLevel::County,
            AreaLevel::Village => AreaLevel::Township,
        })
    }

    pub fn child(self) -> Option<Self> {
        Some(match self {
            AreaLevel::Province => AreaLevel::City,
            AreaLevel::City => AreaLevel::County,
            AreaLevel::County => AreaLevel::Township,
            AreaLevel::Township => AreaLevel::Village,
            AreaLevel::Village => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreaCodeError {
    #[error("行政区划代码「{0}」应为 2、4、6、9 或 12 位数字")]
    Length(String),
    #[error("行政区划代码「{0}」只能包含数字")]
    Characters(String),
    #[error("行政区划代码「{0}」的省级代码不能为 00")]
    Zero(String),
}

/// A valid administrative area code. Ordered as text, so a parent sorts before its children.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode {
    // Twelve ASCII digits, zero-padded on the right; `len` says how many are significant.
    digits: [u8; 12],
    len: u8,
}

impl AreaCode {
    /// Parses a code of 2, 4, 6, 9 or 12 digits. Full-width digits and spaces are normalised, and the
    /// 12-digit zero-padded forms of higher levels (`511900000000`) are reduced to their significant digits.
    pub fn parse(text: &str) -> Result<Self, AreaCodeError> {
        let normalized = crate::text::normalize(text);
        if !normalized.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AreaCodeError::Characters(text.to_owned()));
        }
        let mut s = normalized.as_str();
        if s.len() == 12 || s.len() == 9 || s.len() == 6 {
            // Strip padding: village sequences and township sequences never end in all zeros.
            for level in [
                AreaLevel::Township,
                AreaLevel::County,
                AreaLevel::City,
                AreaLevel::Province,
            ] {
                let d = level.digits();
                if d < s.len() && s[d..].bytes().all(|b| b == b'0') {
                    s = &s[..d];
                }
            }
        }
        if AreaLevel::from_digits(s.len()).is_none() {
            return Err(AreaCodeError::Length(text.to_owned()));
        }
        if &s[..2] == "00" {
            return Err(AreaCodeError::Zero(text.to_owned()));
        }
        let mut digits = [b'0'; 12];
        digits[..s.len()].copy_from_slice(s.as_bytes());
        Ok(Self {
            digits,
            len: s.len() as u8,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The 12-digit zero-padded form used by the statistical division files.
    pub fn padded(&self) -> &str {
        std::str::from_utf8(&self.digits).unwrap_or_default()
    }

    pub fn level(&self) -> AreaLevel {
        AreaLevel::from_digits(usize::from(self.len)).unwrap_or(AreaLevel::Village)
    }

    pub fn parent(&self) -> Option<AreaCode> {
        let level = self.level().parent()?;
        self.ancestor_at(level)
    }

    /// The area of `level` that contains this one (itself at its own level).
    pub fn ancestor_at(&self, level: AreaLevel) -> Option<AreaCode> {
        let d = level.digits();
        if d > usize::from(self.len) {
            return None;
        }
        let mut digits = [b'0'; 12];
        digits[..d].copy_from_slice(&self.digits[..d]);
        Some(Self {
            digits,
            len: d as u8,
        })
    }

    /// All areas from the province down to this one.
    pub fn ancestors_and_self(&self) -> impl Iterator<Item = AreaCode> + '_ {
        AreaLevel::ALL
            .iter()
            .filter_map(move |l| self.ancestor_at(*l))
    }

    /// Whether `other` is this area or lies inside it.
    pub fn contains(&self, other: &AreaCode) -> bool {
        self.len <= other.len
            && self.digits[..usize::from(self.len)] == other.digits[..usize::from(self.len)]
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AreaCode({})", self.as_str())
    }
}

impl FromStr for AreaCode {
    type Err = AreaCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for AreaCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AreaCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

crate::labeled_enum! {
    /// Whether a village-level unit is a rural village (村委会) or an urban community (居委会/社区).
    pub enum Settlement {
        Rural = ("rural", "村委会"),
        Urban = ("urban", "居委会"),
    }
}

impl Settlement {
    /// Classifies a village-level name as the statistical files spell it.
    pub fn from_name(name: &str) -> Self {
        if name.ends_with("村委会") || name.ends_with("村民委员会") {
            Settlement::Rural
        } else {
            Settlement::Urban
        }
    }
}

/// One area of the division tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub code: AreaCode,
    pub name: String,
    /// Set for village-level units only.
    pub settlement: Option<Settlement>,
}

impl Area {
    pub fn level(&self) -> AreaLevel {
        self.code.level()
    }

    pub fn is_rural_village(&self) -> bool {
        self.settlement == Some(Settlement::Rural)
    }
}

/// A change to the tree that takes effect on a date: older records keep their code and still resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaChange {
    pub code: AreaCode,
    pub effective: NaiveDate,
    pub kind: AreaChangeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AreaChangeKind {
    Renamed {
        name: String,
    },
    /// The area was merged into `into`; its records now belong to `into`.
    Merged {
        into: AreaCode,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreaTreeError {
    #[error("行政区划「{code}」的上级「{parent}」不存在")]
    MissingParent { code: AreaCode, parent: AreaCode },
    #[error("行政区划「{0}」不存在")]
    Unknown(AreaCode),
    #[error("行政区划「{from}」只能并入同级区划, 「{into}」级别不同")]
    MergeLevel { from: AreaCode, into: AreaCode },
    #[error("行政区划「{0}」的合并形成了循环")]
    MergeCycle(AreaCode),
}

/// The division tree with its history. Pure data: loading and storing happen elsewhere.
#[derive(Debug, Clone, Default)]
pub struct AreaTree {
    areas: BTreeMap<AreaCode, Area>,
    children: HashMap<AreaCode, Vec<AreaCode>>,
    changes: Vec<AreaChange>,
}

impl AreaTree {
    /// Builds a tree; every area's parent must be present (provinces excepted).
    pub fn new(areas: impl IntoIterator<Item = Area>) -> Result<Self, AreaTreeError> {
        let mut tree = AreaTree::default();
        for area in areas {
            tree.areas.insert(area.code, area);
        }
        for code in tree.areas.keys() {
            if let Some(parent) = code.parent() {
                if !tree.areas.contains_key(&parent) {
                    return Err(AreaTreeError::MissingParent {
                        code: *code,
                        parent,
                    });
                }
                tree.children.entry(parent).or_default().push(*code);
            }
        }
        Ok(tree)
    }

    /// Records a rename or merge. Changes are kept in effective-date order.
    pub fn apply(&mut self, change: AreaChange) -> Result<(), AreaTreeError> {
        if !self.areas.contains_key(&change.code) {
            return Err(AreaTreeError::Unknown(change.code));
        }
        if let AreaChangeKind::Merged { into } = &change.kind {
            if !self.areas.contains_key(into) {
                return Err(AreaTreeError::Unknown(*into));
            }
            if into.level() != change.code.level() {
                return Err(AreaTreeError::MergeLevel {
                    from: change.code,
                    into: *into,
                });
            }
        }
        let at = self
            .changes
            .partition_point(|c| c.effective <= change.effective);
        self.changes.insert(at, change.clone());
        // A chain of merges must end; undo the insertion if it closes a loop.
        let far_future = NaiveDate::MAX;
        if self.resolve(&change.code, far_future).is_none() {
            self.changes.remove(at);
            return Err(AreaTreeError::MergeCycle(change.code));
        }
        Ok(())
    }

    pub fn get(&self, code: &AreaCode) -> Option<&Area> {
        self.areas.get(code)
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    pub fn areas(&self) -> impl Iterator<Item = &Area> {
        self.areas.values()
    }

    pub fn changes(&self) -> &[AreaChange] {
        &self.changes
    }

    /// Direct children, in code order.
    pub fn children(&self, code: &AreaCode) -> &[AreaCode] {
        self.children.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every area strictly inside `code`, in code order.
    pub fn descendants(&self, code: &AreaCode) -> impl Iterator<Item = &Area> + '_ {
        let start = *code;
        self.areas
            .range(start..)
            .skip(1)
            .take_while(move |(c, _)| start.contains(c))
            .map(|(_, a)| a)
    }

    /// Areas of `level` inside `code`.
    pub fn within_at_level(
        &self,
        code: &AreaCode,
        level: AreaLevel,
    ) -> impl Iterator<Item = &Area> + '_ {
        self.descendants(code).filter(move |a| a.level() == level)
    }

    /// The code that records filed under `code` belong to on `date`, following merges in force by then.
    /// `None` only if merges form a loop (which [`AreaTree::apply`] refuses).
    pub fn resolve(&self, code: &AreaCode, date: NaiveDate) -> Option<AreaCode> {
        let mut current = *code;
        for _ in 0..=self.changes.len() {
            let merged = self.changes.iter().find_map(|c| match &c.kind {
                AreaChangeKind::Merged { into } if c.code == current && c.effective <= date => {
                    Some(*into)
                }
                _ => None,
            });
            match merged {
                Some(into) => current = into,
                None => return Some(current),
            }
        }
        None
    }

    /// The name `code` had on `date`, taking renames into account.
    pub fn name_on(&self, code: &AreaCode, date: NaiveDate) -> Option<&str> {
        let area = self.areas.get(code)?;
        let renamed = self.changes.iter().rev().find_map(|c| match &c.kind {
            AreaChangeKind::Renamed { name } if c.code == *code && c.effective <= date => {
                Some(name.as_str())
            }
            _ => None,
        });
        Some(renamed.unwrap_or(&area.name))
    }

    /// Whether `code` still exists on `date` (was not merged away by then).
    pub fn is_active_on(&self, code: &AreaCode, date: NaiveDate) -> bool {
        self.areas.contains_key(code) && self.resolve(code, date) == Some(*code)
    }

    /// "省 市 县 乡镇 村" as of `date`.
    pub fn full_name_on(&self, code: &AreaCode, date: NaiveDate) -> String {
        code.ancestors_and_self()
            .filter_map(|c| self.name_on(&c, date))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap()
    }

    #[test]
    fn parses_each_level_and_rejects_bad_codes() {
        assert_eq!(code("51").level(), AreaLevel::Province);
        assert_eq!(code("5119").level(), AreaLevel::City);
        assert_eq!(code("511902").level(), AreaLevel::County);
        assert_eq!(code("511902001").level(), AreaLevel::Township);
        assert_eq!(code("511902001001").level(), AreaLevel::Village);
        assert_eq!(code("511900000000"), code("5119"));
        assert_eq!(code("５１１９"), code("5119"));
        assert!(matches!(
            AreaCode::parse("511"),
            Err(AreaCodeError::Length(_))
        ));
        assert!(matches!(
            AreaCode::parse("51a9"),
            Err(AreaCodeError::Characters(_))
        ));
        assert!(matches!(
            AreaCode::parse("0019"),
            Err(AreaCodeError::Zero(_))
        ));
    }

    #[test]
    fn parents_and_containment_across_all_levels() {
        let village = code("511902001001");
        let chain: Vec<_> = village
            .ancestors_and_self()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(chain, ["51", "5119", "511902", "511902001", "511902001001"]);
        assert_eq!(village.parent(), Some(code("511902001")));
        assert_eq!(code("51").parent(), None);
        assert!(code("5119").contains(&village));
        assert!(village.contains(&village));
        assert!(!village.contains(&code("511902001")));
        assert!(!code("511903").contains(&village));
        assert_eq!(code("5119").padded(), "511900000000");
    }

    fn small_tree() -> AreaTree {
        let area = |c: &str, n: &str| Area {
            code: code(c),
            name: n.into(),
            settlement: (c.len() == 12).then(|| Settlement::from_name(n)),
        };
        AreaTree::new([
            area("51", "四川省"),
            area("5119", "巴中市"),
            area("511902", "巴州区"),
            area("511902001", "某镇"),
            area("511902001001", "甲村村民委员会"),
            area("511902001002", "乙村村民委员会"),
            area("511902001003", "某社区居委会"),
        ])
        .unwrap()
    }

    #[test]
    fn tree_navigation() {
        let tree = small_tree();
        assert_eq!(tree.children(&code("511902001")).len(), 3);
        assert_eq!(
            tree.within_at_level(&code("51"), AreaLevel::Village)
                .count(),
            3
        );
        assert_eq!(
            tree.within_at_level(&code("51"), AreaLevel::Village)
                .filter(|a| a.is_rural_village())
                .count(),
            2
        );
        assert_eq!(
            tree.full_name_on(&code("511902001001"), NaiveDate::MIN),
            "四川省 巴中市 巴州区 某镇 甲村村民委员会"
        );
        let orphan = AreaTree::new([Area {
            code: code("511902"),
            name: "x".into(),
            settlement: None,
        }]);
        assert!(matches!(orphan, Err(AreaTreeError::MissingParent { .. })));
    }

    #[test]
    fn merged_and_renamed_villages_keep_resolving() {
        let mut tree = small_tree();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        tree.apply(AreaChange {
            code: code("511902001002"),
            effective: d("2020-06-01"),
            kind: AreaChangeKind::Merged {
                into: code("511902001001"),
            },
        })
        .unwrap();
        tree.apply(AreaChange {
            code: code("511902001001"),
            effective: d("2020-06-01"),
            kind: AreaChangeKind::Renamed {
                name: "甲乙村村民委员会".into(),
            },
        })
        .unwrap();
        assert_eq!(
            tree.resolve(&code("511902001002"), d("2019-12-31")),
            Some(code("511902001002"))
        );
        assert_eq!(
            tree.resolve(&code("511902001002"), d("2020-06-01")),
            Some(code("511902001001"))
        );
        assert_eq!(
            tree.name_on(&code("511902001001"), d("2019-01-01")),
            Some("甲村村民委员会")
        );
        assert_eq!(
            tree.name_on(&code("511902001001"), d("2021-01-01")),
            Some("甲乙村村民委员会")
        );
        assert!(!tree.is_active_on(&code("511902001002"), d("2021-01-01")));
        let cycle = tree.apply(AreaChange {
            code: code("511902001001"),
            effective: d("2021-01-01"),
            kind: AreaChangeKind::Merged {
                into: code("511902001002"),
            },
        });
        assert_eq!(cycle, Err(AreaTreeError::MergeCycle(code("511902001001"))));
        let level = tree.apply(AreaChange {
            code: code("511902001003"),
            effective: d("2021-01-01"),
            kind: AreaChangeKind::Merged {
                into: code("511902001"),
            },
        });
        assert!(matches!(level, Err(AreaTreeError::MergeLevel { .. })));
    }
}
