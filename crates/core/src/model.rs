//! The registry's records: households, their members, yearly incomes, guarantee facts and status events.
//!
//! These are plain values. History (versions, effective and recorded times) and audit are the store's
//! business; evaluation is the policy and engine crates'.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::codes::*;
use crate::{AreaCode, ResidentId, Yuan};

/// Database identity of a household (stable across versions and renumbering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HouseholdId(pub i64);

impl fmt::Display for HouseholdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A household's version: it increases by one with every change, and an update names the version it was
/// based on so that a stale update is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(pub i64);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a field of a record is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("户编号「{0}」无效: 应为 1–32 位数字或字母")]
    HouseholdNo(String),
    #[error("姓名「{0}」无效: 不能为空, 最多 30 个字")]
    PersonName(String),
    #[error("联系电话「{0}」无效: 应为 11 位手机号或带区号的固定电话")]
    Phone(String),
    #[error("务工时间「{0}」无效: 应为 0–12 个月")]
    MigrantMonths(String),
}

/// 户编号: the household number of the national system.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct HouseholdNo(String);

impl HouseholdNo {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let s = crate::text::normalize(text);
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(Self(s))
        } else {
            Err(FieldError::HouseholdNo(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HouseholdNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HouseholdNo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A person's name: not empty, at most 30 characters, whitespace normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let s = crate::text::normalize(text);
        if s.is_empty() || s.chars().count() > 30 || s.chars().any(char::is_control) {
            return Err(FieldError::PersonName(text.to_owned()));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form shown on public notices: family name kept, the rest masked (张*, 欧阳**).
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        let first: String = chars.next().into_iter().collect();
        format!("{first}{}", "*".repeat(chars.count()))
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PersonName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A phone number: an 11-digit mobile number starting with 1, or a fixed line of 7–12 digits with an
/// optional area-code hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let s: String = crate::text::normalize(text)
            .chars()
            .filter(|c| *c != ' ')
            .collect();
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let mobile = digits.len() == 11 && digits.starts_with('1') && digits == s;
        let fixed = (7..=12).contains(&digits.len())
            && s.chars().all(|c| c.is_ascii_digit() || c == '-')
            && s.matches('-').count() <= 1;
        if mobile || fixed {
            Ok(Self(s))
        } else {
            Err(FieldError::Phone(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 138****5678: first three and last four kept.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 8 {
            return "*".repeat(chars.len());
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Months of migrant work in a year, 0–12.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MigrantMonths(u8);

impl MigrantMonths {
    pub fn new(months: i64) -> Result<Self, FieldError> {
        if (0..=12).contains(&months) {
            Ok(Self(months as u8))
        } else {
            Err(FieldError::MigrantMonths(months.to_string()))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl<'de> Deserialize<'de> for MigrantMonths {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(i64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A member of a household (家庭成员).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: PersonName,
    pub resident_id: ResidentId,
    pub sex: Sex,
    pub relationship: Relationship,
    /// 民族, as written (汉族, 土家族, …).
    pub ethnicity: String,
    pub education: Option<Education>,
    pub schooling: Option<SchoolingStatus>,
    pub health: Health,
    pub labour: Option<LabourAbility>,
    pub work_status: WorkStatus,
    pub migrant_months: MigrantMonths,
    pub medical_insurance: bool,
    pub serious_illness_insurance: bool,
    pub pension_insurance: bool,
    pub social_assistance: SocialAssistance,
}

impl Member {
    pub fn birth_date(&self) -> NaiveDate {
        self.resident_id.birth_date()
    }

    pub fn age_on(&self, date: NaiveDate) -> u32 {
        self.resident_id.age_on(date)
    }
}

crate::labeled_enum! {
    /// Each item of the yearly income accounting. Which ones count towards net income is a policy
    /// parameter; production costs are always subtracted.
    pub enum IncomeComponent {
        Wages = ("wages", "工资性收入"),
        Business = ("business", "生产经营性收入"),
        PropertyDividend = ("property_dividend", "资产收益扶贫分红"),
        PropertyOther = ("property_other", "其他财产性收入"),
        FamilyPlanning = ("family_planning", "计划生育金"),
        DibaoBenefit = ("dibao_benefit", "低保金"),
        TekunBenefit = ("tekun_benefit", "特困供养金"),
        Pension = ("pension", "养老保险金"),
        EcoCompensation = ("eco_compensation", "生态补偿金"),
        OtherTransfer = ("other_transfer", "其他转移性收入"),
        ProductionCosts = ("production_costs", "生产经营性支出"),
    }
}

impl IncomeComponent {
    pub const COUNT: usize = 11;

    /// Whether the component is subtracted rather than added.
    pub fn is_cost(self) -> bool {
        self == IncomeComponent::ProductionCosts
    }
}

/// One household's income accounting for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeRecord {
    pub year: u16,
    amounts: [Yuan; IncomeComponent::COUNT],
}

impl IncomeRecord {
    pub fn new(year: u16) -> Self {
        Self {
            year,
            amounts: [Yuan::ZERO; IncomeComponent::COUNT],
        }
    }

    pub fn get(&self, component: IncomeComponent) -> Yuan {
        self.amounts[usize::from(component.index())]
    }

    pub fn set(&mut self, component: IncomeComponent, amount: Yuan) {
        self.amounts[usize::from(component.index())] = amount;
    }

    pub fn with(mut self, component: IncomeComponent, amount: Yuan) -> Self {
        self.set(component, amount);
        self
    }

    /// Household net income: the counted components, less production costs.
    pub fn net(&self, counts: impl Fn(IncomeComponent) -> bool) -> Yuan {
        IncomeComponent::ALL
            .iter()
            .map(|c| match (c.is_cost(), counts(*c)) {
                (true, _) => -self.get(*c),
                (false, true) => self.get(*c),
                (false, false) => Yuan::ZERO,
            })
            .sum()
    }

    pub fn amounts(&self) -> &[Yuan; IncomeComponent::COUNT] {
        &self.amounts
    }
}

/// Housing facts (住房).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Housing {
    /// 住房面积 in whole square metres.
    pub area_sqm: Option<u32>,
    pub grade: Option<HousingGrade>,
    /// Set when the household lives safely somewhere other than its appraised house.
    pub safe_alternative: Option<SafeHousingAlternative>,
}

/// Poverty relocation (易地扶贫搬迁).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relocation {
    pub year: u16,
    pub placement: RelocationPlacement,
    /// 安置地, as written.
    pub site: String,
}

/// Drinking-water facts (饮水安全), measured against the policy's criteria.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Water {
    pub litres_per_person_day: Option<u16>,
    /// Round trip to fetch water, when not at home.
    pub fetch_minutes: Option<u16>,
    pub outage_days_per_year: Option<u16>,
    pub quality_ok: Option<bool>,
    pub dry_area: bool,
}

/// A household (户) as recorded at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    pub number: HouseholdNo,
    /// The village (12-digit code) the household belongs to.
    pub village: AreaCode,
    pub natural_village: Option<String>,
    pub phone: Option<Phone>,
    pub standard: IdentificationStandard,
    pub attribute: Option<PoorAttribute>,
    pub main_cause: Option<PovertyCause>,
    pub other_causes: Vec<PovertyCause>,
    pub planned_exit_year: Option<u16>,
    pub housing: Housing,
    pub relocation: Option<Relocation>,
    pub water: Water,
    pub food_clothing_secured: bool,
    pub electricity: bool,
    pub sanitary_toilet: bool,
    pub fuel: Option<FuelType>,
    pub farmland_mu: Option<f64>,
    pub forest_mu: Option<f64>,
    pub cooperative_member: bool,
    pub members: Vec<Member>,
    pub incomes: Vec<IncomeRecord>,
}

impl Household {
    pub fn head(&self) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.relationship == Relationship::Head)
    }

    pub fn income(&self, year: u16) -> Option<&IncomeRecord> {
        self.incomes.iter().find(|r| r.year == year)
    }

    pub fn size(&self) -> u32 {
        self.members.len() as u32
    }
}

/// A decision about a household, effective on a date. Events are appended, never edited or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub kind: StatusEventKind,
    pub effective: NaiveDate,
    /// Set for [`StatusEventKind::Monitored`].
    pub monitoring_kind: Option<MonitoringKind>,
    pub risk_types: Vec<RiskType>,
    pub note: String,
}

impl StatusEvent {
    pub fn new(kind: StatusEventKind, effective: NaiveDate) -> Self {
        Self {
            kind,
            effective,
            monitoring_kind: None,
            risk_types: Vec::new(),
            note: String::new(),
        }
    }
}

/// Where a household stands in the registry on a date, derived from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "registry", rename_all = "snake_case")]
pub enum RegistryStatus {
    /// Never registered as poor.
    NotRegistered,
    /// Registered poor (建档立卡贫困户), not yet exited.
    Poor { since: NaiveDate },
    /// Exited poverty.
    Exited { on: NaiveDate },
    /// Removed from the registry (清退, e.g. wrongly registered).
    Removed { on: NaiveDate },
}

/// A household's standing on a date: registry status and, separately, monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdStatus {
    pub registry: RegistryStatus,
    /// Set while the household is monitored (identified and not yet eliminated).
    pub monitoring: Option<MonitoringKind>,
    pub monitored_since: Option<NaiveDate>,
    pub ever_registered: bool,
    pub risk_types: Vec<RiskType>,
}

/// The first year in which nobody is newly registered as 建档立卡贫困户 (domain notes §6b): a 返贫 event
/// from this year on makes the household a monitoring object (脱贫不稳定户) instead.
pub const REGISTRATION_CLOSED_FROM: i32 = 2021;

impl HouseholdStatus {
    /// Replays events effective on or before `date`, in order.
    pub fn on(events: &[StatusEvent], date: NaiveDate) -> Self {
        let mut sorted: Vec<&StatusEvent> = events.iter().filter(|e| e.effective <= date).collect();
        sorted.sort_by_key(|e| e.effective);
        let mut status = HouseholdStatus {
            registry: RegistryStatus::NotRegistered,
            monitoring: None,
            monitored_since: None,
            ever_registered: false,
            risk_types: Vec::new(),
        };
        for e in sorted {
            match e.kind {
                // From 2021 nobody is newly registered (domain notes §6b): a household that falls back
                // is a monitoring object (脱贫不稳定户), and its registry status stays as it was.
                StatusEventKind::Returned if e.effective.year() >= REGISTRATION_CLOSED_FROM => {
                    status.monitoring = Some(MonitoringKind::Unstable);
                    status.monitored_since = Some(e.effective);
                    status.risk_types = e.risk_types.clone();
                }
                StatusEventKind::Registered | StatusEventKind::Returned => {
                    status.registry = RegistryStatus::Poor { since: e.effective };
                    status.ever_registered = true;
                    status.monitoring = None;
                    status.monitored_since = None;
                }
                StatusEventKind::Exited => {
                    status.registry = RegistryStatus::Exited { on: e.effective }
                }
                StatusEventKind::Removed => {
                    status.registry = RegistryStatus::Removed { on: e.effective };
                    status.monitoring = None;
                    status.monitored_since = None;
                }
                StatusEventKind::Monitored => {
                    status.monitoring = e.monitoring_kind;
                    status.monitored_since = Some(e.effective);
                    status.risk_types = e.risk_types.clone();
                }
                StatusEventKind::RiskEliminated => {
                    status.monitoring = None;
                    status.monitored_since = None;
                }
            }
        }
        status
    }

    pub fn is_registered_poor(&self) -> bool {
        matches!(self.registry, RegistryStatus::Poor { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_return_from_2021_is_monitoring_not_registration() {
        let exited = StatusEvent::new(StatusEventKind::Exited, d("2019-11-30"));
        let before = StatusEvent::new(StatusEventKind::Returned, d("2020-06-01"));
        let s = HouseholdStatus::on(&[exited.clone(), before], d("2020-12-31"));
        assert!(s.is_registered_poor());
        let after = StatusEvent::new(StatusEventKind::Returned, d("2021-01-01"));
        let s = HouseholdStatus::on(&[exited, after], d("2021-12-31"));
        assert_eq!(
            s.registry,
            RegistryStatus::Exited {
                on: d("2019-11-30")
            }
        );
        assert_eq!(s.monitoring, Some(MonitoringKind::Unstable));
        assert_eq!(s.monitored_since, Some(d("2021-01-01")));
    }

    #[test]
    fn household_numbers_names_and_phones_parse() {
        assert_eq!(
            HouseholdNo::parse(" 5119020010010001 ").unwrap().as_str(),
            "5119020010010001"
        );
        assert!(HouseholdNo::parse("").is_err());
        assert!(HouseholdNo::parse("12 34").is_err());
        assert_eq!(PersonName::parse("欧阳 修").unwrap().masked(), "欧***");
        assert!(PersonName::parse("  ").is_err());
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert!(Phone::parse("0827-5251234").is_ok());
        assert!(Phone::parse("12345").is_err());
        assert!(MigrantMonths::new(13).is_err());
    }

    #[test]
    fn net_income_subtracts_costs_and_skips_uncounted_items() {
        let record = IncomeRecord::new(2021)
            .with(IncomeComponent::Wages, Yuan::from_yuan(10_000))
            .with(IncomeComponent::Pension, Yuan::from_yuan(1_200))
            .with(IncomeComponent::ProductionCosts, Yuan::from_yuan(800));
        assert_eq!(record.net(|_| true), Yuan::from_yuan(10_400));
        assert_eq!(
            record.net(|c| c != IncomeComponent::Pension),
            Yuan::from_yuan(9_200)
        );
    }

    #[test]
    fn status_replays_events_in_date_order() {
        let mut monitored = StatusEvent::new(StatusEventKind::Monitored, d("2021-05-01"));
        monitored.monitoring_kind = Some(MonitoringKind::Unstable);
        let events = vec![
            monitored,
            StatusEvent::new(StatusEventKind::Registered, d("2014-10-01")),
            StatusEvent::new(StatusEventKind::Exited, d("2018-12-01")),
            StatusEvent::new(StatusEventKind::RiskEliminated, d("2022-06-01")),
        ];
        assert_eq!(
            HouseholdStatus::on(&events, d("2013-12-31")).registry,
            RegistryStatus::NotRegistered
        );
        assert!(HouseholdStatus::on(&events, d("2016-01-01")).is_registered_poor());
        let s = HouseholdStatus::on(&events, d("2021-12-31"));
        assert_eq!(
            s.registry,
            RegistryStatus::Exited {
                on: d("2018-12-01")
            }
        );
        assert_eq!(s.monitoring, Some(MonitoringKind::Unstable));
        assert_eq!(
            HouseholdStatus::on(&events, d("2023-01-01")).monitoring,
            None
        );
        assert!(HouseholdStatus::on(&events, d("2023-01-01")).ever_registered);
    }
}
