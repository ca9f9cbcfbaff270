//! The yearly income survey (收入核查／年度收入采集) and member changes (人口变动): the vocabulary.
//!
//! * [`MemberChangeKind`]: why a person joins or leaves a household — birth, death, marriage in or out,
//!   a household split (分户) or merge (合户) — each with a stable code and a Chinese label, and whether it
//!   adds or removes a member.
//! * [`Hukou`]: where a member's household registration (户口) is. It is kept apart from membership: a
//!   member is whoever lives in the household and shares its income and spending (共享收支), wherever the
//!   户口 is (a daughter-in-law whose 户口 stayed in her parents' village is a member; a son whose 户口 is
//!   still here but who set up his own household elsewhere is not).
//! * [`survey_amount`]: an income item as typed in the survey grid, parsed with its bounds.
//!
//! Plain values, no I/O; the store keeps the changes with the household version they made.

use serde::{Deserialize, Serialize};

use crate::{ResidentId, Yuan};

crate::labeled_enum! {
    /// Why a member joins or leaves a household.
    pub enum MemberChangeKind {
        Birth = ("birth", "出生"),
        MarriageIn = ("marriage_in", "婚入"),
        MergeIn = ("merge_in", "合户迁入"),
        Death = ("death", "死亡"),
        MarriageOut = ("marriage_out", "婚出"),
        SplitOut = ("split_out", "分户迁出"),
    }
}

impl MemberChangeKind {
    /// The kinds that add a member.
    pub const ADDING: &'static [MemberChangeKind] = &[
        MemberChangeKind::Birth,
        MemberChangeKind::MarriageIn,
        MemberChangeKind::MergeIn,
    ];
    /// The kinds that remove a member.
    pub const REMOVING: &'static [MemberChangeKind] = &[
        MemberChangeKind::Death,
        MemberChangeKind::MarriageOut,
        MemberChangeKind::SplitOut,
    ];

    /// Whether the change adds a member (else it removes one).
    pub fn adds(self) -> bool {
        Self::ADDING.contains(&self)
    }
}

/// Longest 户口所在地 accepted (characters).
pub const HUKOU_PLACE_MAX: usize = 60;

/// Where a member's 户口 is: in this household's booklet, or somewhere else (named as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "where", content = "place", rename_all = "snake_case")]
pub enum Hukou {
    /// In this household's 户口簿.
    InHousehold,
    /// Elsewhere: the place as written (a village, a town, a school's collective 户口…).
    Elsewhere(String),
}

/// Why a 户口 place was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("户口所在地「{0}」无效：户口不在本户时须填写所在地，最多 60 个字，不能含控制字符")]
pub struct HukouError(pub String);

impl Hukou {
    /// `in_household` as chosen, `place` as typed (required and checked when not in the household).
    pub fn parse(in_household: bool, place: &str) -> Result<Hukou, HukouError> {
        if in_household {
            return Ok(Hukou::InHousehold);
        }
        let p = crate::text::normalize(place);
        if p.is_empty()
            || p.chars().count() > HUKOU_PLACE_MAX
            || crate::text::first_forbidden(place).is_some()
        {
            return Err(HukouError(place.to_owned()));
        }
        Ok(Hukou::Elsewhere(p))
    }

    /// As shown: 本户 or the place.
    pub fn label(&self) -> &str {
        match self {
            Hukou::InHousehold => "在本户",
            Hukou::Elsewhere(p) => p,
        }
    }

    pub fn place(&self) -> Option<&str> {
        match self {
            Hukou::InHousehold => None,
            Hukou::Elsewhere(p) => Some(p),
        }
    }
}

/// A member change as recorded: what happened to whom, when, with a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChange {
    pub kind: MemberChangeKind,
    pub resident_id: ResidentId,
    pub name: crate::PersonName,
    pub effective: chrono::NaiveDate,
    pub note: String,
}

/// The largest amount one income item of one household may have in a survey (¥10,000,000): above it is
/// a typing error (an extra digit or two), not an income.
pub const SURVEY_AMOUNT_MAX: Yuan = Yuan::from_yuan(10_000_000);

/// Why an amount typed in the survey was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("应为金额（元），最多两位小数")]
    NotAnAmount,
    #[error("不能为负数")]
    Negative,
    #[error("超过 1000 万元，请核对")]
    TooLarge,
}

/// An income item as typed in the survey grid: empty is zero; "5480", "5,480.50", full-width digits and
/// "¥"/"元" are accepted; negative amounts and amounts over [`SURVEY_AMOUNT_MAX`] are refused.
pub fn survey_amount(text: &str) -> Result<Yuan, AmountError> {
    if text.trim().is_empty() {
        return Ok(Yuan::ZERO);
    }
    let y = Yuan::parse(text).map_err(|_| AmountError::NotAnAmount)?;
    if y < Yuan::ZERO {
        return Err(AmountError::Negative);
    }
    if y > SURVEY_AMOUNT_MAX {
        return Err(AmountError::TooLarge);
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_with_their_bounds() {
        assert_eq!(survey_amount(""), Ok(Yuan::ZERO));
        assert_eq!(survey_amount("5,480.5"), Ok(Yuan::from_fen(548_050)));
        assert_eq!(survey_amount("１２００"), Ok(Yuan::from_yuan(1_200)));
        assert_eq!(survey_amount("-1"), Err(AmountError::Negative));
        assert_eq!(survey_amount("12.345"), Err(AmountError::NotAnAmount));
        assert_eq!(survey_amount("abc"), Err(AmountError::NotAnAmount));
        assert_eq!(survey_amount("10000001"), Err(AmountError::TooLarge));
        assert_eq!(survey_amount("10000000"), Ok(SURVEY_AMOUNT_MAX));
    }

    #[test]
    fn a_hukou_elsewhere_needs_its_place() {
        assert_eq!(Hukou::parse(true, "whatever"), Ok(Hukou::InHousehold));
        assert_eq!(
            Hukou::parse(false, " 平昌县 白衣镇 "),
            Ok(Hukou::Elsewhere("平昌县 白衣镇".to_owned()))
        );
        assert!(Hukou::parse(false, "  ").is_err());
        assert!(Hukou::parse(false, &"村".repeat(61)).is_err());
        assert!(Hukou::parse(false, "白衣\n镇").is_err());
    }

    #[test]
    fn kinds_add_or_remove() {
        for k in MemberChangeKind::ALL {
            assert_ne!(
                MemberChangeKind::ADDING.contains(k),
                MemberChangeKind::REMOVING.contains(k),
                "{k:?}"
            );
        }
        assert!(MemberChangeKind::Birth.adds());
        assert!(!MemberChangeKind::Death.adds());
    }
}
