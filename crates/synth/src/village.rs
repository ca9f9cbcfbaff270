//! Generation of one village: its households, their registry history and their incomes.
//!
//! Order of decisions, all from the village's own random stream:
//! 1. households and members until the village's head-count target is reached;
//! 2. a vulnerability score per household (illness, disability, no one able to work, elderly only, plus
//!    noise); the most vulnerable households fill the village's registered-poor quota, the next ones the quota
//!    of later additions;
//! 3. exit years (county distribution), 特困 and 低保, relocation;
//! 4. income paths consistent with registration and exit, then monitoring from 2021 (which overrides the
//!    income of the years concerned), then the income components;
//! 5. defects, from a separate stream.

use chrono::{Duration, NaiveDate};
use jingzhun_core::{
    Education, FuelType, Health, Household, HouseholdNo, Housing, HousingGrade,
    IdentificationStandard, LabourAbility, Member, MigrantMonths, MonitoringKind, Phone,
    PoorAttribute, PovertyCause, Relocation, RelocationPlacement, RiskType, SafeHousingAlternative,
    SchoolingStatus, SocialAssistance, StatusEvent, StatusEventKind, Water, WorkStatus,
};

use crate::calibration::{self as cal, LAST_YEAR};
use crate::defects;
use crate::history;
use crate::ids::IdAllocator;
use crate::income::{self, idx, Path};
use crate::people;
use crate::plan::{CountyPlan, VillagePlan};
use crate::rng::{self, SynthRng};
use crate::{GeneratedHousehold, GeneratedVillage, SynthConfig, SynthError};

/// Where a household stands in the 2014–2020 campaign.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Registration {
    None,
    /// Registered at the initial registration (end-2013 stock), exits in `exit`.
    Initial {
        exit: u16,
    },
    /// Added by dynamic adjustment in `year`, exits in `exit`.
    Added {
        year: u16,
        exit: u16,
    },
}

impl Registration {
    fn exit(self) -> Option<u16> {
        match self {
            Registration::None => None,
            Registration::Initial { exit } | Registration::Added { exit, .. } => Some(exit),
        }
    }

    fn since(self) -> Option<u16> {
        match self {
            Registration::None => None,
            Registration::Initial { .. } => Some(2014),
            Registration::Added { year, .. } => Some(year),
        }
    }
}

struct Draft {
    members: Vec<Member>,
    /// Relatives who were members at the end of 2013 and died before the record date.
    ghosts: Vec<(Member, NaiveDate)>,
    vulnerability: f64,
    registration: Registration,
}

impl Draft {
    /// Members at the end of `year` (up to the record year) as the engine counts them: born by then and
    /// not dead.
    fn size_at_end_of(&self, year: u16) -> usize {
        let end = ymd(year, 12, 31);
        people::size_at_end_of(&self.members, year)
            + self.ghosts.iter().filter(|(_, died)| *died > end).count()
    }
}

fn ymd(y: u16, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(y), m, d).unwrap_or_default()
}

/// A day between (`y`, m1, d1) and (`y`, m2, d2) inclusive.
fn day_in(rng: &mut SynthRng, y: u16, from: (u32, u32), to: (u32, u32)) -> NaiveDate {
    let a = ymd(y, from.0, from.1);
    let b = ymd(y, to.0, to.1);
    let span = (b - a).num_days().max(0);
    a + Duration::days(rng::int(rng, 0, span))
}

fn vulnerability(rng: &mut SynthRng, members: &[Member]) -> f64 {
    let mut v = rng::normal(rng);
    let mut able = 0;
    let mut elderly = 0;
    for m in members {
        match m.health {
            Health::SeriousIllness | Health::Disabled => v += 0.9,
            Health::Chronic => v += 0.4,
            Health::Healthy => {}
        }
        if m.labour.is_some_and(LabourAbility::can_work) && people::age(m) < 65 {
            able += 1;
        }
        if people::age(m) >= 65 {
            elderly += 1;
        }
        if matches!(
            m.schooling,
            Some(
                SchoolingStatus::Senior
                    | SchoolingStatus::SecondaryVocational
                    | SchoolingStatus::Higher
            )
        ) {
            v += 0.25;
        }
        if m.migrant_months.get() >= 6 {
            v -= 0.25;
        }
    }
    if able == 0 {
        v += 0.8;
    }
    if elderly == members.len() {
        v += 0.4;
    }
    // Larger families carry more dependants (registered poor households averaged about 3 people).
    v += 0.15 * (members.len() as f64 - 3.0);
    // Few young children (see `calibration::YOUNG_CHILD_VULNERABILITY`).
    let young = members.len() - people::size_at_end_of(members, 2013);
    v -= cal::YOUNG_CHILD_VULNERABILITY * young as f64;
    v
}

fn main_cause(rng: &mut SynthRng, members: &[Member]) -> (PovertyCause, Vec<PovertyCause>) {
    let mut candidates = Vec::new();
    if members
        .iter()
        .any(|m| matches!(m.health, Health::SeriousIllness | Health::Chronic))
    {
        candidates.push(PovertyCause::Illness);
    }
    if members.iter().any(|m| m.health == Health::Disabled) {
        candidates.push(PovertyCause::Disability);
    }
    if members.iter().any(|m| {
        matches!(
            m.schooling,
            Some(
                SchoolingStatus::Senior
                    | SchoolingStatus::SecondaryVocational
                    | SchoolingStatus::Higher
            )
        )
    }) {
        candidates.push(PovertyCause::Schooling);
    }
    if !members
        .iter()
        .any(|m| m.labour.is_some_and(LabourAbility::can_work))
    {
        candidates.push(PovertyCause::LackOfLabour);
    }
    let generic = rng::weighted(
        rng,
        &[
            (PovertyCause::LackOfSkills, 0.3),
            (PovertyCause::LackOfCapital, 0.3),
            (PovertyCause::PoorTransport, 0.1),
            (PovertyCause::LackOfLand, 0.06),
            (PovertyCause::Disaster, 0.06),
            (PovertyCause::LackOfMotivation, 0.06),
            (PovertyCause::LackOfWater, 0.04),
            (PovertyCause::LackOfLabour, 0.05),
            (PovertyCause::Other, 0.03),
        ],
    );
    candidates.push(generic);
    // The main cause is one of the household's applicable causes, illness and disability somewhat more
    // often (nationally 因病 was the most frequent main cause, at about 40%).
    let weights: Vec<f64> = candidates
        .iter()
        .map(|c| match c {
            PovertyCause::Illness => 1.0,
            PovertyCause::Disability => 1.1,
            PovertyCause::Schooling | PovertyCause::LackOfLabour => 0.8,
            _ => 0.9,
        })
        .collect();
    let main = candidates[rng::weighted_index(rng, &weights)];
    let others: Vec<PovertyCause> = candidates
        .iter()
        .copied()
        .filter(|c| *c != main)
        .take(2)
        .collect();
    (main, others)
}

fn risk_types(rng: &mut SynthRng, members: &[Member]) -> Vec<RiskType> {
    let mut out = Vec::new();
    if members
        .iter()
        .any(|m| matches!(m.health, Health::SeriousIllness | Health::Chronic))
    {
        out.push(RiskType::Illness);
    }
    if members.iter().any(|m| m.health == Health::Disabled) {
        out.push(RiskType::Disability);
    }
    if members.iter().any(|m| {
        matches!(
            m.schooling,
            Some(
                SchoolingStatus::Senior
                    | SchoolingStatus::SecondaryVocational
                    | SchoolingStatus::Higher
            )
        )
    }) {
        out.push(RiskType::Schooling);
    }
    if !members
        .iter()
        .any(|m| m.labour.is_some_and(LabourAbility::can_work))
    {
        out.push(RiskType::LackOfLabour);
    }
    if out.is_empty() {
        out.push(rng::weighted(
            rng,
            &[
                (RiskType::UnstableEmployment, 0.5),
                (RiskType::IndustryFailure, 0.2),
                (RiskType::Disaster, 0.15),
                (RiskType::Accident, 0.1),
                (RiskType::Other, 0.05),
            ],
        ));
    }
    out.truncate(2);
    out
}

/// Marks 低保 or 特困 recipients. Returns the household attribute for a registered household.
fn assign_assistance(rng: &mut SynthRng, members: &mut [Member], registered: bool) {
    let single_elderly = members.len() == 1 && people::age(&members[0]) >= 60;
    let tekun_p = match (registered, single_elderly) {
        (true, true) => 0.4,
        (false, true) if people::age(&members[0]) >= 70 => 0.04,
        _ => 0.0,
    };
    if rng::chance(rng, tekun_p) {
        members[0].social_assistance = SocialAssistance::Tekun;
        return;
    }
    let vulnerable = members.iter().any(people::is_vulnerable);
    let base = if registered {
        cal::DIBAO_HOUSEHOLD_POOR
    } else {
        cal::DIBAO_HOUSEHOLD_OTHER
    };
    let p = base * if vulnerable { 1.35 } else { 0.55 };
    if !rng::chance(rng, p) {
        return;
    }
    if rng::chance(rng, cal::DIBAO_WHOLE_HOUSEHOLD) {
        for m in members.iter_mut() {
            m.social_assistance = SocialAssistance::Dibao;
        }
        return;
    }
    let mut any = false;
    for m in members.iter_mut() {
        if people::is_vulnerable(m) {
            m.social_assistance = SocialAssistance::Dibao;
            any = true;
        }
    }
    if !any {
        members[0].social_assistance = SocialAssistance::Dibao;
    }
}

fn phone(rng: &mut SynthRng) -> Option<Phone> {
    if !rng::chance(rng, 0.85) {
        return None;
    }
    let second = rng::weighted(
        rng,
        &[
            ('3', 0.4),
            ('5', 0.25),
            ('8', 0.25),
            ('7', 0.05),
            ('9', 0.05),
        ],
    );
    let rest = rng::int(rng, 0, 999_999_999);
    Phone::parse(&format!("1{second}{rest:09}")).ok()
}

fn water(rng: &mut SynthRng, registered: bool) -> Water {
    // A few never-registered households still fall short (for the guarantee checks to find).
    let short = !registered && rng::chance(rng, 0.004);
    let piped = rng::chance(rng, 0.85);
    Water {
        litres_per_person_day: Some(if short {
            rng::int(rng, 15, 34) as u16
        } else {
            rng::int(rng, 40, 120) as u16
        }),
        fetch_minutes: if piped {
            None
        } else {
            Some(rng::int(rng, 3, 20) as u16)
        },
        outage_days_per_year: Some(rng::int(rng, 0, 20) as u16),
        quality_ok: Some(true),
        dry_area: false,
    }
}

/// The income years a monitoring history overrides, and the events it produces.
struct Monitoring {
    kind: MonitoringKind,
    year: u16,
    eliminated: Option<u16>,
    returned: bool,
}

fn decide_monitoring(
    rng: &mut SynthRng,
    registration: Registration,
    near_poor: bool,
    members: &[Member],
) -> Option<Monitoring> {
    let kind = if registration != Registration::None && rng::chance(rng, cal::MONITOR_UNSTABLE) {
        MonitoringKind::Unstable
    } else if registration == Registration::None
        && rng::chance(
            rng,
            if near_poor {
                cal::MONITOR_MARGINAL_VULNERABLE
            } else {
                cal::MONITOR_MARGINAL_OTHER
            },
        )
    {
        MonitoringKind::Marginal
    } else if rng::chance(rng, cal::MONITOR_SUDDEN) {
        MonitoringKind::SuddenHardship
    } else {
        return None;
    };
    let year = rng::weighted(rng, &cal::MONITOR_YEARS);
    let returned = kind == MonitoringKind::Unstable && rng::chance(rng, cal::RETURN_SHARE);
    let can_work = members
        .iter()
        .any(|m| m.labour.is_some_and(LabourAbility::can_work));
    // Households with no one able to work stay monitored (domain.md §6).
    let eliminated = if returned || !can_work {
        None
    } else {
        let after = if kind == MonitoringKind::SuddenHardship {
            rng::weighted(rng, &[(Some(1u16), 0.7), (Some(2), 0.2), (None, 0.1)])
        } else {
            rng::weighted(rng, &[(Some(1u16), 0.6), (Some(2), 0.25), (None, 0.15)])
        };
        after.map(|a| year + a).filter(|y| *y <= LAST_YEAR)
    };
    Some(Monitoring {
        kind,
        year,
        eliminated,
        returned,
    })
}

/// Rewrites the income path for the monitored years and continues it with normal growth afterwards.
fn apply_monitoring(rng: &mut SynthRng, path: &mut Path, m: &Monitoring) {
    let thr = cal::monitoring_threshold;
    match m.kind {
        MonitoringKind::SuddenHardship => {
            // Income stays above the range; the hardship is spending (recorded in the event's note).
            let i = idx(m.year);
            path[i] = path[i].max(thr(m.year) * 1.05);
            return;
        }
        MonitoringKind::Unstable | MonitoringKind::Marginal => {}
    }
    if m.year >= 2022 {
        path[idx(m.year - 1)] = thr(m.year - 1) * rng::between(rng, 0.75, 0.98);
    }
    let mut recovered_from = LAST_YEAR + 1;
    if m.returned {
        path[idx(m.year)] = cal::poverty_line(m.year) * rng::between(rng, 0.7, 0.95);
        if m.year < LAST_YEAR {
            path[idx(m.year + 1)] = thr(m.year + 1) * rng::between(rng, 1.1, 1.4);
            recovered_from = m.year + 2;
        }
    } else {
        path[idx(m.year)] = thr(m.year) * rng::between(rng, 0.7, 0.97);
        let end = m.eliminated.unwrap_or(LAST_YEAR + 1);
        for year in m.year + 1..end.min(LAST_YEAR + 1) {
            path[idx(year)] = thr(year) * rng::between(rng, 0.8, 0.98);
        }
        if let Some(z) = m.eliminated {
            path[idx(z)] = thr(z) * rng::between(rng, 1.15, 1.6);
            recovered_from = z + 1;
        }
    }
    for year in recovered_from..=LAST_YEAR {
        let prev = path[idx(year - 1)];
        path[idx(year)] = (prev * 1.06 * rng::lognormal_mean_one(rng, cal::YEARLY_SHOCK_SIGMA))
            .max(thr(year) * 1.05);
    }
}

fn monitoring_events(rng: &mut SynthRng, m: &Monitoring, members: &[Member]) -> Vec<StatusEvent> {
    let mut out = Vec::new();
    let identified = day_in(rng, m.year, (3, 1), (9, 30));
    let mut event = StatusEvent::new(StatusEventKind::Monitored, identified);
    event.monitoring_kind = Some(m.kind);
    event.risk_types = if m.kind == MonitoringKind::SuddenHardship {
        vec![rng::weighted(
            rng,
            &[
                (RiskType::Illness, 0.6),
                (RiskType::Accident, 0.25),
                (RiskType::Disaster, 0.15),
            ],
        )]
    } else {
        risk_types(rng, members)
    };
    if m.kind == MonitoringKind::SuddenHardship {
        event.note = match event.risk_types.first() {
            Some(RiskType::Illness) => "大病住院自付费用高".to_owned(),
            Some(RiskType::Accident) => "意外事故致刚性支出大".to_owned(),
            _ => "自然灾害造成重大损失".to_owned(),
        };
    }
    out.push(event);
    if m.returned {
        let mut back = StatusEvent::new(
            StatusEventKind::Returned,
            identified + Duration::days(rng::int(rng, 30, 60)),
        );
        back.note = "收入低于贫困线, 返贫".to_owned();
        out.push(back);
        if m.year < LAST_YEAR {
            // From 2021 a fall back is monitored (脱贫不稳定户), so its recovery is a risk elimination;
            // before, the household returned to the registry and exited again.
            let kind = if i32::from(m.year) >= jingzhun_core::REGISTRATION_CLOSED_FROM {
                StatusEventKind::RiskEliminated
            } else {
                StatusEventKind::Exited
            };
            out.push(StatusEvent::new(
                kind,
                day_in(rng, m.year + 1, (11, 1), (12, 20)),
            ));
        }
    } else if let Some(z) = m.eliminated {
        // At least six months after identification (Anhui practice, domain.md §6).
        let earliest = identified + Duration::days(183);
        let mut date = day_in(rng, z, (6, 1), (12, 15));
        if date < earliest {
            date = earliest;
        }
        out.push(StatusEvent::new(StatusEventKind::RiskEliminated, date));
    }
    out
}

/// Generates one village.
pub(crate) fn generate(
    config: &SynthConfig,
    plan: &VillagePlan,
    county: &CountyPlan,
) -> Result<GeneratedVillage, SynthError> {
    let mut rng = rng::stream(config.seed, plan.code.as_str(), rng::STREAM_DATA);
    let mut ids = IdAllocator::new(plan.slot, plan.family_size);
    let county_code = county.code.as_str();

    // 1. Households until the head count is reached (the last one kept with the probability that makes the
    //    expected total exact). The target is the end-2013 population, counted as the engine counts it:
    //    members born by 2013-12-31 (the record is as of 2020, see `calibration::RECORD_DATE`).
    let mut drafts: Vec<Draft> = Vec::new();
    let mut people = 0.0;
    while people < plan.target_people {
        let size = 1 + rng::weighted_index(&mut rng, &cal::HOUSEHOLD_SIZE_WEIGHTS);
        let (members, families) = people::members(&mut rng, &mut ids, county_code, size)?;
        let ghosts = people::ghosts(&mut rng, &mut ids, county_code, &members, &families)?;
        let n = (people::size_at_end_of(&members, 2013) + ghosts.len()) as f64;
        let keep = people + n <= plan.target_people
            || rng::chance(&mut rng, (plan.target_people - people) / n);
        if !keep {
            break;
        }
        people += n;
        let v = vulnerability(&mut rng, &members);
        drafts.push(Draft {
            members,
            ghosts,
            vulnerability: v,
            registration: Registration::None,
        });
        if people >= plan.target_people {
            break;
        }
    }

    // 2. Quotas: most vulnerable first.
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by(|a, b| {
        drafts[*b]
            .vulnerability
            .total_cmp(&drafts[*a].vulnerability)
    });
    // Sizes at the end of 2013…2020, as the engine counts them.
    let sizes: Vec<[f64; 8]> = drafts
        .iter()
        .map(|d| std::array::from_fn(|k| d.size_at_end_of(2013 + k as u16) as f64))
        .collect();
    let size_at = |i: usize, year: u16| sizes[i][usize::from(year.clamp(2013, 2020) - 2013)];
    // A village that is not a designated poor village stays below the village exit threshold in every year:
    // its registered households, each counted at its largest size of 2013–2020, stay strictly below 3% of
    // its smallest population of those years. Households that would
    // break the cap are skipped, not stopped at, so that small households still fill the quota.
    // With deaths a household may be largest, and the village smallest, in any year: take the household's
    // largest size and the village's smallest population of 2013–2020.
    let largest: Vec<f64> = sizes
        .iter()
        .map(|s| s.iter().copied().fold(0.0, f64::max))
        .collect();
    let smallest = (0..8)
        .map(|k| sizes.iter().map(|s| s[k]).sum::<f64>())
        .fold(people, f64::min);
    let breaks_cap =
        |capped: f64| !plan.poor_village && cal::at_or_above_village_exit(capped, smallest);
    let mut capped = 0.0;
    let mut used = vec![false; drafts.len()];
    // The initial stock (end 2013): filled in people born by 2013-12-31.
    let mut initial = Vec::new();
    let mut remaining = plan.target_poor_people;
    for &i in &order {
        if remaining <= 0.0 {
            break;
        }
        let all = largest[i];
        if breaks_cap(capped + all) {
            continue;
        }
        let n = size_at(i, 2013);
        if n <= remaining || rng::chance(&mut rng, remaining / n) {
            initial.push(i);
            used[i] = true;
            remaining -= n;
            capped += all;
        } else {
            break;
        }
    }
    // A designated poor village is at or above the threshold at the end of 2013 (never binds at the
    // planned incidences, but keeps the count of poor villages exact at any scale).
    if plan.poor_village {
        let mut poor: f64 = initial.iter().map(|i| size_at(*i, 2013)).sum();
        for &i in &order {
            if cal::at_or_above_village_exit(poor, people) {
                break;
            }
            if !used[i] {
                initial.push(i);
                used[i] = true;
                poor += size_at(i, 2013);
            }
        }
    }
    // Births in the stock before its exits: the engine counts a household's members at the end of its exit
    // year, so these add to the lifted people.
    let mut births = 0.0;
    for &i in &initial {
        let exit = 2014 + rng::weighted_index(&mut rng, &county.exit_distribution) as u16;
        drafts[i].registration = Registration::Initial { exit };
        births += size_at(i, exit) - size_at(i, 2013);
    }
    // Additions by dynamic adjustment (counted at the end of their exit years), so that the village's lifted
    // people reach its share of the published total: the planned stock times `LIFTED_PER_STOCK`. The deficit
    // is taken against the planned stock, not the drawn one, so that the stock's granularity (whole
    // households) does not bias the additions at small scales; only births that already exceed the village's
    // room for growth do (see `calibration::YOUNG_CHILD_VULNERABILITY`).
    let mut remaining = plan.target_poor_people * (cal::LIFTED_PER_STOCK - 1.0) - births;
    for &i in &order {
        if remaining <= 0.0 {
            break;
        }
        if used[i] {
            continue;
        }
        let all = largest[i];
        if breaks_cap(capped + all) {
            continue;
        }
        let year = rng::weighted(&mut rng, &cal::ADDITION_YEARS);
        let exit = (year + 1 + u16::from(rng::chance(&mut rng, 0.4))).min(2020);
        let n = size_at(i, exit);
        if n <= remaining || rng::chance(&mut rng, remaining / n) {
            drafts[i].registration = Registration::Added { year, exit };
            used[i] = true;
            remaining -= n;
            capped += all;
        } else {
            break;
        }
    }
    // The next tenth of households by vulnerability are "near poor" (candidates for 边缘易致贫户).
    let mut near_poor = vec![false; drafts.len()];
    for &i in order.iter().filter(|i| !used[**i]).take(drafts.len() / 10) {
        near_poor[i] = true;
    }

    // 3–4. Everything else, household by household, in generation order.
    let mut households = Vec::with_capacity(drafts.len());
    for (i, draft) in drafts.into_iter().enumerate() {
        households.push(finish_household(&mut rng, plan, i, draft, near_poor[i])?);
    }

    // 5. Defects from their own stream, so the clean data does not depend on the defect rate.
    if config.defect_rate > 0.0 {
        let mut drng = rng::stream(config.seed, plan.code.as_str(), rng::STREAM_DEFECTS);
        defects::inject(&mut drng, &mut households, config.defect_rate);
    }

    Ok(GeneratedVillage {
        code: plan.code,
        source: plan.source,
        county: county.code,
        poor_village: plan.poor_village,
        households,
    })
}

fn finish_household(
    rng: &mut SynthRng,
    plan: &VillagePlan,
    index: usize,
    draft: Draft,
    near_poor: bool,
) -> Result<GeneratedHousehold, SynthError> {
    let Draft {
        mut members,
        ghosts,
        registration,
        ..
    } = draft;
    let registered = registration != Registration::None;
    if registered {
        keep_in_school(rng, &mut members);
    }
    assign_assistance(rng, &mut members, registered);
    let size = members.len();

    // Relocation: mostly registered households, more in poor villages and for larger families.
    let size_weight = cal::RELOCATION_SIZE_WEIGHT[(size - 1).min(6)];
    let village_weight = if plan.poor_village { 1.4 } else { 0.5 };
    let p_relocate = if registered {
        cal::RELOCATION_POOR * size_weight * village_weight
    } else {
        cal::RELOCATION_OTHER * size_weight * village_weight
    };
    let relocation = if rng::chance(rng, p_relocate) {
        let year = rng::weighted(rng, &cal::RELOCATION_YEARS);
        let placement = if rng::chance(rng, 0.7) {
            RelocationPlacement::Centralised
        } else {
            RelocationPlacement::Dispersed
        };
        let site = match placement {
            RelocationPlacement::Centralised => format!("{}集中安置点", plan.township_name),
            RelocationPlacement::Dispersed => format!("{}场镇", plan.township_name),
        };
        Some(Relocation {
            year,
            placement,
            site,
        })
    } else {
        None
    };

    // Income path.
    let mut path = match registration {
        Registration::None => income::non_poor_path(rng),
        Registration::Initial { exit } => {
            let gap = cal::POOR_2013_GAP_MIN
                + rng::exponential(rng, cal::POOR_2013_GAP_MEAN - cal::POOR_2013_GAP_MIN);
            let y2013 = (cal::poverty_line(2013) - gap).max(600.0);
            income::registered_path(rng, 2013, exit, Some(y2013))
        }
        Registration::Added { year, exit } => income::registered_path(rng, year - 1, exit, None),
    };

    // Registry events.
    let mut events = Vec::new();
    match registration {
        Registration::None => {}
        Registration::Initial { .. } => {
            let mut e = StatusEvent::new(
                StatusEventKind::Registered,
                cal::date(cal::INITIAL_REGISTRATION),
            );
            e.note = "2013年底识别, 2014年建档立卡".to_owned();
            events.push(e);
        }
        Registration::Added { year, .. } => {
            let mut e = StatusEvent::new(
                StatusEventKind::Registered,
                day_in(rng, year, (4, 1), (10, 31)),
            );
            e.note = "动态调整新识别".to_owned();
            events.push(e);
        }
    }
    if let Some(exit) = registration.exit() {
        events.push(StatusEvent::new(
            StatusEventKind::Exited,
            day_in(rng, exit, (11, 1), (12, 20)),
        ));
    }
    if let Some(m) = decide_monitoring(rng, registration, near_poor, &members) {
        apply_monitoring(rng, &mut path, &m);
        events.extend(monitoring_events(rng, &m, &members));
    }

    let forest_mu = (rng::exponential(rng, 4.0) * 10.0).round() / 10.0;
    let farmland_mu = (rng::between(rng, 0.3, 5.0) * 10.0).round() / 10.0;
    // Deaths after the record date, drawn here because the household's size in each year divides its
    // income.
    let later_deaths: Vec<Option<NaiveDate>> = members
        .iter()
        .map(|m| people::death_between(rng, people::age(m) - 7, 2021, LAST_YEAR, 1.0))
        .collect();
    let others = |year: u16| -> i64 {
        let end = ymd(year, 12, 31);
        let ghosts = ghosts.iter().filter(|(_, died)| *died > end).count() as i64;
        let dead = members
            .iter()
            .zip(&later_deaths)
            .filter(|(m, died)| {
                people::birth_year(m) <= i32::from(year) && died.is_some_and(|d| d <= end)
            })
            .count() as i64;
        ghosts - dead
    };
    let incomes = income::records(
        rng,
        &path,
        &members,
        registration.since(),
        forest_mu,
        &others,
    );

    let attribute = if registered {
        Some(
            if members
                .iter()
                .any(|m| m.social_assistance == SocialAssistance::Tekun)
            {
                PoorAttribute::Tekun
            } else if members
                .iter()
                .any(|m| m.social_assistance == SocialAssistance::Dibao)
            {
                PoorAttribute::Dibao
            } else {
                PoorAttribute::Ordinary
            },
        )
    } else {
        None
    };
    let (main_cause, other_causes) = if registered {
        let (m, o) = main_cause(rng, &members);
        (Some(m), o)
    } else {
        (None, Vec::new())
    };
    let housing = match &relocation {
        Some(_) => Housing {
            area_sqm: Some((25 * size as u32).min(125)),
            grade: None,
            safe_alternative: Some(SafeHousingAlternative::RelocationHousing),
        },
        None => Housing {
            area_sqm: Some(rng::int(rng, 45, 180) as u32),
            grade: Some(if registered {
                rng::weighted(rng, &[(HousingGrade::A, 0.55), (HousingGrade::B, 0.45)])
            } else {
                rng::weighted(
                    rng,
                    &[
                        (HousingGrade::A, 0.55),
                        (HousingGrade::B, 0.44),
                        (HousingGrade::C, 0.008),
                        (HousingGrade::D, 0.002),
                    ],
                )
            }),
            safe_alternative: None,
        },
    };
    let number = HouseholdNo::parse(&format!("{}{:04}", plan.code.as_str(), index + 1))
        .map_err(|_| SynthError::Internal("household number"))?;
    let household = Household {
        number,
        village: plan.code,
        natural_village: Some(format!("{}组", rng::int(rng, 1, 12))),
        phone: phone(rng),
        standard: IdentificationStandard::National,
        attribute,
        main_cause,
        other_causes,
        planned_exit_year: registration.exit(),
        housing,
        relocation,
        water: water(rng, registered),
        food_clothing_secured: true,
        electricity: true,
        sanitary_toilet: rng::chance(rng, if registered { 0.95 } else { 0.82 }),
        fuel: Some(rng::weighted(
            rng,
            &[
                (FuelType::Firewood, 0.35),
                (FuelType::Electricity, 0.3),
                (FuelType::Gas, 0.3),
                (FuelType::Coal, 0.05),
            ],
        )),
        farmland_mu: Some(farmland_mu),
        forest_mu: Some(forest_mu),
        cooperative_member: rng::chance(rng, if registered { 0.4 } else { 0.12 }),
        members: ensure_insured(members, registered),
        incomes,
    };
    let changes = changes(rng, &household, registration, ghosts, later_deaths);
    let mut versions = history::versions(
        household,
        changes,
        &mut events,
        cal::date(cal::INITIAL_REGISTRATION),
    );
    let (effective_from, household) = versions
        .pop()
        .ok_or(SynthError::Internal("household without versions"))?;
    Ok(GeneratedHousehold {
        household,
        effective_from,
        earlier: versions,
        events,
        defects: Vec::new(),
        pending: Vec::new(),
    })
}

/// What changes over the household's history (see [`history`]): deaths in 2021–2025 at the age-specific
/// rates, a later start or an end of 低保, the old house of a relocated household (a C/D house for a
/// registered one that moved by its exit year, a safe one otherwise), a rebuilt C/D house or water fixed
/// for some households of the initial registration (by their exit year), and the relatives who died in
/// 2014–2020 (insured like the others of a registered household).
fn changes(
    rng: &mut SynthRng,
    h: &Household,
    registration: Registration,
    ghosts: Vec<(Member, NaiveDate)>,
    later_deaths: Vec<Option<NaiveDate>>,
) -> history::Changes {
    let on_dibao = h
        .members
        .iter()
        .any(|m| m.social_assistance == SocialAssistance::Dibao);
    let dibao_from = (on_dibao && rng::chance(rng, cal::DIBAO_LATER_START))
        .then(|| ymd(rng::int(rng, 2015, 2020) as u16, 7, 1));
    let dibao_until =
        (on_dibao && rng::chance(rng, 0.15)).then(|| ymd(rng::int(rng, 2022, 2024) as u16, 7, 1));
    let registered = registration != Registration::None;
    let exit = registration.exit().unwrap_or(LAST_YEAR);
    let mut housing_before = None;
    let relocated = h.relocation.is_some();
    if let Some(r) = &h.relocation {
        let dangerous = registered && r.year <= exit;
        let old = Housing {
            area_sqm: Some(rng::int(rng, 40, 120) as u32),
            grade: Some(if dangerous {
                HousingGrade::D
            } else {
                HousingGrade::B
            }),
            safe_alternative: None,
        };
        housing_before = Some((day_in(rng, r.year, (3, 1), (10, 31)), old));
    }
    let mut water_before = None;
    if let Registration::Initial { exit } = registration {
        if !relocated && rng::chance(rng, cal::REBUILT_SHARE) {
            let year = rng::int(rng, 2014, i64::from(exit)) as u16;
            let mut old = h.housing.clone();
            old.grade = Some(rng::weighted(
                rng,
                &[(HousingGrade::C, 0.6), (HousingGrade::D, 0.4)],
            ));
            housing_before = Some((day_in(rng, year, (3, 1), (10, 31)), old));
        }
        if rng::chance(rng, cal::WATER_FIXED_SHARE) {
            let year = rng::int(rng, 2014, i64::from(exit)) as u16;
            let mut old = h.water.clone();
            old.fetch_minutes = Some(rng::int(rng, 25, 45) as u16);
            water_before = Some((day_in(rng, year, (3, 1), (10, 31)), old));
        }
    }
    let ghosts = ghosts
        .into_iter()
        .map(|(m, died)| {
            let mut insured = ensure_insured(vec![m], registered);
            (insured.remove(0), died)
        })
        .collect();
    history::Changes {
        ghosts,
        later_deaths,
        dibao_from,
        dibao_until,
        housing_before,
        relocated,
        water_before,
    }
}

/// Young people of registered households were kept in school (教育扶贫, 控辍保学): everyone of a registered
/// household who was of compulsory age at some point of 2013–2020 (16 to 22 at the record date) is recorded
/// as a student, not working. (The history gives every year its own schooling, see `history`; this is the
/// campaign's story, and the calibration was tuned with it.)
fn keep_in_school(rng: &mut SynthRng, members: &mut [Member]) {
    for m in members.iter_mut() {
        let age = people::age(m);
        if !(16..=22).contains(&age) || m.schooling != Some(SchoolingStatus::NotInSchool) {
            continue;
        }
        m.schooling = Some(if age <= 18 {
            rng::weighted(
                rng,
                &[
                    (SchoolingStatus::Senior, 0.6),
                    (SchoolingStatus::SecondaryVocational, 0.4),
                ],
            )
        } else {
            rng::weighted(
                rng,
                &[
                    (SchoolingStatus::Higher, 0.7),
                    (SchoolingStatus::SecondaryVocational, 0.3),
                ],
            )
        });
        if age >= 19 {
            m.education = Some(Education::Senior);
        }
        m.labour = Some(LabourAbility::NoLabour);
        m.work_status = WorkStatus::NotMigrant;
        m.migrant_months = MigrantMonths::default();
        m.pension_insurance = false;
    }
}

/// Registered households had basic medical insurance secured for every member (a condition of exit).
fn ensure_insured(mut members: Vec<Member>, registered: bool) -> Vec<Member> {
    if registered {
        for m in &mut members {
            m.medical_insurance = true;
            m.serious_illness_insurance = true;
        }
    }
    members
}
