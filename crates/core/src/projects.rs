//! The rest of the registry's world (issue 15): the project library (项目库) with its lifecycle, funds by
//! source with their spending, the assets projects leave (扶贫项目资产) and their returns, the assistance
//! forces beyond paired cadres (village work teams, cadres sent to other regions, partner enterprises and
//! social organisations with their donations), relocation follow-up (安置点 and their residents) and official
//! statistics kept beside the registry.
//!
//! The project lifecycle is a fixed order of stages, each recorded as a step with who, when and its date:
//! 储备 (proposed) → 已审批 (approved) → 已公告公示 (announced, with its period) → 实施中 (under way) →
//! 已完工 (completed) → 已验收 (accepted) → 资产已移交 (assets handed over, with the owner). A project cannot
//! start before its announcement period has ended ([`Project::push_step`] refuses it). Who may record which
//! step is the web layer's business (`access::allows`); the order and the dates are checked here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::monitoring::CadreId;
use crate::{labeled_enum, AreaCode, HouseholdId, PersonName, Yuan};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A project of the project library.
    ProjectId
);
id_type!(
    /// A project asset.
    AssetId
);
id_type!(
    /// A village work team (驻村工作队).
    WorkTeamId
);
id_type!(
    /// A partner enterprise or social organisation.
    PartnerId
);
id_type!(
    /// A relocation settlement (安置点).
    SettlementId
);

labeled_enum! {
    /// What a project builds or supports.
    pub enum ProjectKind {
        Road = ("road", "道路交通"),
        DrinkingWater = ("drinking_water", "安全饮水"),
        Housing = ("housing", "危房改造"),
        School = ("school", "学校建设"),
        HealthFacility = ("health_facility", "医疗卫生设施"),
        Settlement = ("settlement", "安置点建设"),
        Industry = ("industry", "产业发展"),
        Employment = ("employment", "就业扶贫"),
        Other = ("other", "其他"),
    }
}

impl ProjectKind {
    /// The unit of the project's planned and real output.
    pub const fn unit(self) -> &'static str {
        match self {
            ProjectKind::Road => "公里",
            ProjectKind::School => "所",
            ProjectKind::HealthFacility => "个",
            ProjectKind::Employment => "人",
            ProjectKind::Other => "项",
            ProjectKind::DrinkingWater
            | ProjectKind::Housing
            | ProjectKind::Settlement
            | ProjectKind::Industry => "户",
        }
    }
}

labeled_enum! {
    /// The stages of a project, in their fixed order.
    pub enum Stage {
        Proposed = ("proposed", "储备"),
        Approved = ("approved", "已审批"),
        Announced = ("announced", "已公告公示"),
        UnderWay = ("under_way", "实施中"),
        Completed = ("completed", "已完工"),
        Accepted = ("accepted", "已验收"),
        HandedOver = ("handed_over", "资产已移交"),
    }
}

impl Stage {
    /// The stage after this one, `None` after the hand-over.
    pub fn next(self) -> Option<Stage> {
        Stage::ALL.get(usize::from(self.index()) + 1).copied()
    }

    /// Whether recording this stage is an approval (only the county approves).
    pub fn is_approval(self) -> bool {
        self == Stage::Approved
    }
}

labeled_enum! {
    /// Who owns a project's assets after the hand-over (资产移交).
    pub enum AssetOwner {
        VillageCollective = ("village_collective", "村集体"),
        Household = ("household", "农户"),
        Public = ("public", "公益性资产(国有)"),
    }
}

/// One recorded step of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectStep {
    pub stage: Stage,
    /// The day the step took effect (approval date, first day of the announcement, start, …).
    pub on: NaiveDate,
    /// Last day of the announcement period (公示期), for [`Stage::Announced`] only.
    pub announced_until: Option<NaiveDate>,
    /// The assets' owner, for [`Stage::HandedOver`] only.
    pub owner: Option<AssetOwner>,
    /// Real output at completion (in the kind's unit), for [`Stage::Completed`] only.
    pub actual_output: Option<f64>,
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// Why a step cannot be recorded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProjectStepError {
    #[error("项目当前为「{current}」, 下一环节应为「{due}」, 不能登记「{requested}」")]
    OutOfOrder {
        current: Stage,
        due: Stage,
        requested: Stage,
    },
    #[error("项目资产已移交, 流程已结束")]
    Finished,
    #[error("公告公示期至 {until} 结束, 项目最早于 {earliest} 开工")]
    BeforeAnnouncementEnds {
        until: NaiveDate,
        earliest: NaiveDate,
    },
    #[error("公告公示须注明公示期截止日期, 且不早于公示开始日期")]
    Period,
    #[error("资产移交须注明资产权属")]
    Owner,
    #[error("完工须登记实际完成量(不小于 0)")]
    Output,
    #[error("「{stage}」的日期 {on} 早于上一环节的日期 {previous}")]
    Earlier {
        stage: Stage,
        on: NaiveDate,
        previous: NaiveDate,
    },
}

/// A project of the project library with its steps (the first is always [`Stage::Proposed`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub kind: ProjectKind,
    /// Village, township or county code.
    pub area: AreaCode,
    /// The plan year (年度).
    pub year: u16,
    /// Planned output in the kind's unit.
    pub planned_output: f64,
    /// Beneficiary households (带贫户数); the linked registered households are kept apart.
    pub beneficiary_households: u32,
    pub budget: Yuan,
    pub steps: Vec<ProjectStep>,
}

impl Project {
    /// The stage reached (the last step's).
    pub fn stage(&self) -> Stage {
        self.steps.last().map_or(Stage::Proposed, |s| s.stage)
    }

    /// The step that recorded `stage`, if it was recorded.
    pub fn step(&self, stage: Stage) -> Option<&ProjectStep> {
        self.steps.iter().find(|s| s.stage == stage)
    }

    /// The real output, once completed.
    pub fn actual_output(&self) -> Option<f64> {
        self.step(Stage::Completed).and_then(|s| s.actual_output)
    }

    /// The announcement period (first and last day), once announced.
    pub fn announcement(&self) -> Option<(NaiveDate, NaiveDate)> {
        let s = self.step(Stage::Announced)?;
        Some((s.on, s.announced_until?))
    }

    /// The asset owner, once handed over.
    pub fn owner(&self) -> Option<AssetOwner> {
        self.step(Stage::HandedOver).and_then(|s| s.owner)
    }

    /// Whether the project was completed by the end of `year` (counts towards what was built).
    pub fn completed_by(&self, date: NaiveDate) -> bool {
        self.step(Stage::Completed).is_some_and(|s| s.on <= date)
    }

    /// Checks that `step` may follow the steps recorded so far.
    pub fn check_step(&self, step: &ProjectStep) -> Result<(), ProjectStepError> {
        let current = self.stage();
        if self.steps.is_empty() {
            if step.stage != Stage::Proposed {
                return Err(ProjectStepError::OutOfOrder {
                    current,
                    due: Stage::Proposed,
                    requested: step.stage,
                });
            }
        } else {
            let due = current.next().ok_or(ProjectStepError::Finished)?;
            if step.stage != due {
                return Err(ProjectStepError::OutOfOrder {
                    current,
                    due,
                    requested: step.stage,
                });
            }
        }
        if let Some(previous) = self.steps.last().map(|s| s.on) {
            if step.on < previous {
                return Err(ProjectStepError::Earlier {
                    stage: step.stage,
                    on: step.on,
                    previous,
                });
            }
        }
        match step.stage {
            Stage::Announced if step.announced_until.is_none_or(|u| u < step.on) => {
                return Err(ProjectStepError::Period);
            }
            Stage::UnderWay => {
                if let Some((_, until)) = self.announcement() {
                    if step.on <= until {
                        return Err(ProjectStepError::BeforeAnnouncementEnds {
                            until,
                            earliest: until.succ_opt().unwrap_or(until),
                        });
                    }
                }
            }
            Stage::Completed if step.actual_output.is_none_or(|o| !o.is_finite() || o < 0.0) => {
                return Err(ProjectStepError::Output);
            }
            Stage::HandedOver if step.owner.is_none() => {
                return Err(ProjectStepError::Owner);
            }
            _ => {}
        }
        Ok(())
    }

    /// Appends `step` if it is the one due (see [`Project::check_step`]).
    pub fn push_step(&mut self, step: ProjectStep) -> Result<(), ProjectStepError> {
        self.check_step(&step)?;
        self.steps.push(step);
        Ok(())
    }
}

labeled_enum! {
    /// Where a fund allocation comes from.
    pub enum FundSource {
        Central = ("central", "中央财政"),
        Provincial = ("provincial", "省级财政"),
        City = ("city", "市级财政"),
        County = ("county", "县级财政"),
        EastWest = ("east_west", "东西部扶贫协作(浙江丽水)"),
        Designated = ("designated", "定点帮扶"),
        SocialDonation = ("social_donation", "社会捐赠"),
        Enterprise = ("enterprise", "企业投入"),
    }
}

/// Money allocated to a project from one source in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub project: ProjectId,
    pub source: FundSource,
    pub year: u16,
    pub amount: Yuan,
}

/// Money of one source spent on a project on a day (支出).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spending {
    pub project: ProjectId,
    pub source: FundSource,
    pub on: NaiveDate,
    pub amount: Yuan,
}

/// What a completed project left (扶贫项目资产).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    pub id: AssetId,
    pub project: ProjectId,
    pub name: String,
    pub owner: AssetOwner,
    pub value: Yuan,
    pub handed_over: NaiveDate,
}

/// An asset's yearly return: for industry assets the income distributed to households and to the
/// village collective.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetReturn {
    pub asset: AssetId,
    pub year: u16,
    pub to_households: Yuan,
    pub to_collective: Yuan,
}

labeled_enum! {
    /// A member's place in a village work team.
    pub enum TeamRole {
        Leader = ("leader", "第一书记(队长)"),
        Member = ("member", "队员"),
    }
}

/// A village work team (驻村工作队) with its members (cadres of the cadre table) and its term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkTeam {
    pub id: WorkTeamId,
    pub village: AreaCode,
    /// The unit that sent the team (派出单位).
    pub unit: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub members: Vec<(CadreId, TeamRole)>,
}

impl WorkTeam {
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        self.from <= date && self.to.is_none_or(|t| date <= t)
    }
}

labeled_enum! {
    /// Where a seconded cadre went.
    pub enum Destination {
        Liangshan = ("liangshan", "凉山彝族自治州"),
        Other = ("other", "其他地区"),
    }
}

/// A cadre sent to work in another region (e.g. 援凉干部 to Liangshan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secondment {
    pub name: PersonName,
    pub unit: String,
    /// The county or city that sent the cadre.
    pub home_area: AreaCode,
    pub destination: Destination,
    /// The county worked in, as written (e.g. 昭觉县).
    pub place: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

labeled_enum! {
    /// A partner that contributes to poverty alleviation.
    pub enum PartnerKind {
        PrivateEnterprise = ("private_enterprise", "民营企业"),
        StateEnterprise = ("state_enterprise", "国有企业"),
        SocialOrganisation = ("social_organisation", "社会组织"),
        Unit = ("unit", "机关事业单位"),
    }
}

/// A partner enterprise or social organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    pub kind: PartnerKind,
    /// The area it assists.
    pub area: AreaCode,
}

/// A contribution (捐赠) of a partner, counted among the social funds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Donation {
    pub partner: PartnerId,
    pub on: NaiveDate,
    pub amount: Yuan,
    /// Given on a poverty-alleviation day (扶贫日, 17 October) campaign.
    pub poverty_day: bool,
    /// The area that received it.
    pub area: AreaCode,
}

labeled_enum! {
    /// What kind of place a settlement is.
    pub enum SettlementKind {
        CentralVillage = ("central_village", "中心村"),
        Cluster = ("cluster", "聚居点"),
        NewVillage = ("new_village", "扶贫新村"),
    }
}

/// A relocation settlement (安置点) with its capacity in households.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub id: SettlementId,
    pub name: String,
    pub kind: SettlementKind,
    pub village: AreaCode,
    pub capacity: u32,
    pub built: u16,
    /// Industries and services of the settlement (扶贫车间, 社区工厂, …), as written.
    pub services: String,
}

/// A relocated household living in a settlement since `moved_in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    pub settlement: SettlementId,
    pub household: HouseholdId,
    pub moved_in: NaiveDate,
}

/// How many members of a household are in work. The employment of members is the economy module's
/// (issue 14); the relocation follow-up reads it only through this trait, so that its source can be
/// replaced at merge without touching the indicator.
pub trait HouseholdEmployment {
    /// Members in work, `None` when the household has no labour force on record (no member of working age
    /// with an employment record of the year).
    fn workers(&self, household: HouseholdId) -> Option<u32>;
}

/// The employment of a settlement's labour force: households with and without anyone in work.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SettlementEmployment {
    pub households: u32,
    pub with_worker: u32,
    pub workers: u32,
    /// Households without a labour force on record (no one of working age): not warned about.
    pub no_labour: u32,
    /// Relocated households with a labour force and no one in work (each one a warning, 预警: the policy
    /// asks for at least one member in work in every relocated household with labour).
    pub without_worker: Vec<HouseholdId>,
}

/// The employment of `residents` as `employment` reports it.
pub fn settlement_employment(
    residents: &[Resident],
    employment: &dyn HouseholdEmployment,
) -> SettlementEmployment {
    let mut out = SettlementEmployment::default();
    for r in residents {
        out.households += 1;
        let Some(n) = employment.workers(r.household) else {
            out.no_labour += 1;
            continue;
        };
        out.workers += n;
        if n > 0 {
            out.with_worker += 1;
        } else {
            out.without_worker.push(r.household);
        }
    }
    out
}

/// An area-level figure from an official source (e.g. the statistics bureau's 农村居民人均可支配收入),
/// shown beside the registry's own figures and never mixed with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficialStat {
    pub area: AreaCode,
    /// A short stable code (e.g. `rural_disposable_income`).
    pub indicator: String,
    /// What users read (e.g. 农村居民人均可支配收入).
    pub label: String,
    pub year: u16,
    pub value: f64,
    pub unit: String,
    /// Where the figure comes from (e.g. 巴中市统计局).
    pub source: String,
}

/// The records of the project library and its neighbours, as one batch to load or one area's records
/// read for reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectRecords {
    pub projects: Vec<Project>,
    pub beneficiaries: Vec<(ProjectId, HouseholdId)>,
    pub allocations: Vec<Allocation>,
    pub spending: Vec<Spending>,
    pub assets: Vec<Asset>,
    pub returns: Vec<AssetReturn>,
    pub teams: Vec<WorkTeam>,
    pub secondments: Vec<Secondment>,
    pub partners: Vec<Partner>,
    pub donations: Vec<Donation>,
    pub settlements: Vec<Settlement>,
    pub residents: Vec<Resident>,
}

impl ProjectRecords {
    pub fn rows(&self) -> usize {
        self.projects.len()
            + self.projects.iter().map(|p| p.steps.len()).sum::<usize>()
            + self.beneficiaries.len()
            + self.allocations.len()
            + self.spending.len()
            + self.assets.len()
            + self.returns.len()
            + self.teams.len()
            + self.teams.iter().map(|t| t.members.len()).sum::<usize>()
            + self.secondments.len()
            + self.partners.len()
            + self.donations.len()
            + self.settlements.len()
            + self.residents.len()
    }

    /// Appends `other`.
    pub fn extend(&mut self, other: ProjectRecords) {
        self.projects.extend(other.projects);
        self.beneficiaries.extend(other.beneficiaries);
        self.allocations.extend(other.allocations);
        self.spending.extend(other.spending);
        self.assets.extend(other.assets);
        self.returns.extend(other.returns);
        self.teams.extend(other.teams);
        self.secondments.extend(other.secondments);
        self.partners.extend(other.partners);
        self.donations.extend(other.donations);
        self.settlements.extend(other.settlements);
        self.residents.extend(other.residents);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn step(stage: Stage, on: NaiveDate) -> ProjectStep {
        ProjectStep {
            stage,
            on,
            announced_until: None,
            owner: None,
            actual_output: None,
            by: "tester".into(),
            at: DateTime::<Utc>::from_timestamp(1_600_000_000, 0).unwrap(),
            note: String::new(),
        }
    }

    fn project() -> Project {
        Project {
            id: ProjectId(1),
            name: "村道硬化".into(),
            kind: ProjectKind::Road,
            area: AreaCode::parse("511921100201").unwrap(),
            year: 2018,
            planned_output: 3.5,
            beneficiary_households: 40,
            budget: Yuan::from_fen(100_000_000),
            steps: vec![],
        }
    }

    #[test]
    fn stages_follow_their_fixed_order_to_the_hand_over() {
        let mut p = project();
        p.push_step(step(Stage::Proposed, d(2018, 1, 5))).unwrap();
        let err = p
            .push_step(step(Stage::Announced, d(2018, 2, 1)))
            .unwrap_err();
        assert!(matches!(
            err,
            ProjectStepError::OutOfOrder {
                due: Stage::Approved,
                ..
            }
        ));
        p.push_step(step(Stage::Approved, d(2018, 2, 1))).unwrap();
        let mut a = step(Stage::Announced, d(2018, 2, 2));
        assert_eq!(p.check_step(&a), Err(ProjectStepError::Period));
        a.announced_until = Some(d(2018, 2, 11));
        p.push_step(a).unwrap();
        assert_eq!(p.announcement(), Some((d(2018, 2, 2), d(2018, 2, 11))));
        // Not before the announcement period has ended, not even on its last day.
        let err = p
            .push_step(step(Stage::UnderWay, d(2018, 2, 11)))
            .unwrap_err();
        assert_eq!(
            err,
            ProjectStepError::BeforeAnnouncementEnds {
                until: d(2018, 2, 11),
                earliest: d(2018, 2, 12)
            }
        );
        p.push_step(step(Stage::UnderWay, d(2018, 2, 12))).unwrap();
        let mut c = step(Stage::Completed, d(2018, 10, 1));
        assert_eq!(p.check_step(&c), Err(ProjectStepError::Output));
        c.actual_output = Some(3.6);
        p.push_step(c).unwrap();
        assert!(p.completed_by(d(2018, 12, 31)) && !p.completed_by(d(2018, 9, 30)));
        let err = p
            .push_step(step(Stage::Accepted, d(2018, 9, 1)))
            .unwrap_err();
        assert!(matches!(err, ProjectStepError::Earlier { .. }));
        p.push_step(step(Stage::Accepted, d(2018, 11, 1))).unwrap();
        assert_eq!(
            p.check_step(&step(Stage::HandedOver, d(2018, 12, 1))),
            Err(ProjectStepError::Owner)
        );
        let mut h = step(Stage::HandedOver, d(2018, 12, 1));
        h.owner = Some(AssetOwner::VillageCollective);
        p.push_step(h).unwrap();
        assert_eq!(p.stage(), Stage::HandedOver);
        assert_eq!(p.actual_output(), Some(3.6));
        assert_eq!(
            p.push_step(step(Stage::HandedOver, d(2018, 12, 2))),
            Err(ProjectStepError::Finished)
        );
    }

    struct Fixed;
    impl HouseholdEmployment for Fixed {
        fn workers(&self, h: HouseholdId) -> Option<u32> {
            (h.0 != 2).then_some(h.0 as u32 % 3)
        }
    }

    #[test]
    fn a_relocated_household_with_no_one_in_work_is_warned_about() {
        let residents: Vec<Resident> = (1..=4)
            .map(|i| Resident {
                settlement: SettlementId(1),
                household: HouseholdId(i),
                moved_in: d(2018, 6, 1),
            })
            .collect();
        let e = settlement_employment(&residents, &Fixed);
        assert_eq!(e.households, 4);
        // 1 → 1 worker, 2 → no labour force on record, 3 → 0, 4 → 1.
        assert_eq!(e.with_worker, 2);
        assert_eq!(e.workers, 2);
        assert_eq!(e.no_labour, 1);
        assert_eq!(e.without_worker, vec![HouseholdId(3)]);
    }
}
