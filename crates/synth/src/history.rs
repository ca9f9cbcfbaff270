//! A household's history: the versions of its record from the start of the registry to the last generated
//! year, each a full snapshot in force from its date until the next one.
//!
//! A household is drawn as its record at [`crate::calibration::RECORD_DATE`] (members alive then, their 2020 schooling, the
//! 2020 低保 recipients, housing after relocation or rebuilding). Its history adds what changed around that
//! record, and only what the rules read: deaths (relatives who died in 2014–2020 are members of the earlier
//! versions; members of the record may die in 2021–2025), the schooling of each year, the start and end of
//! 低保, the rebuilding of a C/D house, the move of a relocated household and the fixing of its water. A new
//! version is written on the date of each such change; all members' facts are brought up to that year then
//! (schooling as of the school year that the year-end evaluation reads), so one version serves every year
//! until the next. A schooling change alone makes a version (on 1 September) only when a child's
//! compulsory-education status as the rules read it would otherwise be wrong that year: most households
//! need one to three versions.
//!
//! Births need no version: every version lists the children born later, and the engine leaves out members
//! born after its evaluation date (as the calibration counts them).
//!
//! A household whose last member dies keeps a last version with no members and gets a
//! [`StatusEventKind::Removed`] event (销户) on that date; its later events are dropped.

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{
    Household, Housing, Member, PoorAttribute, Relationship, SchoolingStatus, SocialAssistance,
    StatusEvent, StatusEventKind, Water,
};

use crate::calibration::LAST_YEAR;
use crate::people;

/// What changes over a household's history, decided by the village generator.
pub(crate) struct Changes {
    /// Relatives alive at the end of 2013 who died before the record date, with the date.
    pub ghosts: Vec<(Member, NaiveDate)>,
    /// For each member of the record: the date of death, if in 2021–2025.
    pub later_deaths: Vec<Option<NaiveDate>>,
    /// The year the household's 低保 began, if after 2013 (before it, no member is a recipient).
    pub dibao_from: Option<NaiveDate>,
    /// The date its 低保 ended, if it did by the last year (渐退).
    pub dibao_until: Option<NaiveDate>,
    /// Housing before a change (rebuilding or relocation) and the date of the change. For a relocation the
    /// record's relocation is also left out of the versions before the move.
    pub housing_before: Option<(NaiveDate, Housing)>,
    pub relocated: bool,
    /// Water before it was fixed, and the date.
    pub water_before: Option<(NaiveDate, Water)>,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Age on the enrolment cutoff (31 August) of `year`: what the rules call the school age in an evaluation
/// at the end of `year`.
fn school_age(m: &Member, year: u16) -> i64 {
    i64::from(m.age_on(ymd(i32::from(year), 8, 31)))
}

fn meets(s: Option<SchoolingStatus>) -> bool {
    s.is_some_and(SchoolingStatus::meets_compulsory_education)
}

/// The member's schooling in the school year that starts in `year`, consistent with the record's 2020
/// status: children of compulsory age (6–15 on 31 August) are at school (those taught at home or suspended
/// for illness in 2020 stay so from 2020 on); the years after follow the 2020 status (a student of 2020 was
/// one from 16, went on to higher education if recorded there, and left at 19 or 23).
pub(crate) fn schooling_in(m: &Member, year: u16) -> Option<SchoolingStatus> {
    use SchoolingStatus::*;
    let recorded = m.schooling;
    let age = school_age(m, year);
    let compulsory = (6..=15).contains(&age);
    if year == 2020 && (!compulsory || meets(recorded)) {
        return recorded;
    }
    match age {
        // 学前: also for those not born yet (every version lists later births; the engine leaves them out)
        // and the youngest, so that a version left in force for years never shows a school-age child
        // without a status.
        ..=5 => Some(Preschool),
        6..=15 => match recorded {
            Some(HomeTeaching | SuspendedIllness) if year >= 2020 => recorded,
            _ if age <= 11 => Some(Primary),
            _ => Some(Junior),
        },
        _ if people::age(m) < 16 => Some(if age <= 18 { Senior } else { NotInSchool }),
        _ => Some(match recorded {
            Some(Higher) if age <= 18 => Senior,
            Some(Higher) if age <= 22 => Higher,
            Some(s @ (Senior | SecondaryVocational)) if age <= 18 => s,
            _ => NotInSchool,
        }),
    }
}

/// Whether `date` falls before `until` (or there is no end).
fn before(date: NaiveDate, until: Option<NaiveDate>) -> bool {
    until.is_none_or(|u| date < u)
}

/// One member slot of the history: the member as recorded and when they died, if they did.
struct Slot {
    member: Member,
    died: Option<NaiveDate>,
}

/// Builds the versions (oldest first, the first from `first`) and adjusts `events` (a Removed event when
/// the last member dies). `record` is the household as drawn for the record date.
pub(crate) fn versions(
    record: Household,
    changes: Changes,
    events: &mut Vec<StatusEvent>,
    first: NaiveDate,
) -> Vec<(NaiveDate, Household)> {
    let Changes {
        ghosts,
        later_deaths,
        dibao_from,
        dibao_until,
        housing_before,
        relocated,
        water_before,
    } = changes;
    let mut slots: Vec<Slot> = record
        .members
        .iter()
        .cloned()
        .zip(later_deaths.iter().copied().chain(std::iter::repeat(None)))
        .map(|(member, died)| Slot { member, died })
        .collect();
    slots.extend(ghosts.into_iter().map(|(member, d)| Slot {
        member,
        died: Some(d),
    }));

    let snapshot = |date: NaiveDate, year: u16| -> Household {
        let mut h = record.clone();
        h.incomes = Vec::new();
        h.members = slots
            .iter()
            .filter(|s| before(date, s.died))
            .map(|s| {
                let mut m = s.member.clone();
                m.schooling = schooling_in(&m, year);
                let on_dibao = dibao_from.is_none_or(|f| f <= date) && before(date, dibao_until);
                if m.social_assistance == SocialAssistance::Dibao && !on_dibao {
                    m.social_assistance = SocialAssistance::NoAssistance;
                }
                m
            })
            .collect();
        rehead(&mut h.members);
        if let Some((on, old)) = &housing_before {
            if date < *on {
                h.housing = old.clone();
                if relocated {
                    h.relocation = None;
                }
            }
        }
        if let Some((on, old)) = &water_before {
            if date < *on {
                h.water = old.clone();
            }
        }
        if h.attribute.is_some() {
            h.attribute = Some(attribute(&h.members));
        }
        h
    };

    // Dates of the changes other than schooling, by year.
    let mut dated: Vec<NaiveDate> = slots.iter().filter_map(|s| s.died).collect();
    dated.extend(dibao_from);
    dated.extend(dibao_until);
    dated.extend(housing_before.as_ref().map(|(d, _)| *d));
    dated.extend(water_before.as_ref().map(|(d, _)| *d));
    dated.retain(|d| *d > first);
    dated.sort_unstable();
    dated.dedup();

    let mut out = vec![(first, snapshot(first, first.year() as u16))];
    let mut removed = None;
    for year in (first.year() as u16 + 1)..=LAST_YEAR {
        let mut dates: Vec<NaiveDate> = dated
            .iter()
            .copied()
            .filter(|d| d.year() == i32::from(year))
            .collect();
        if dates.is_empty() {
            // Would the version in force at this year's end misstate a child's compulsory schooling?
            let end = ymd(i32::from(year), 12, 31);
            let Some((_, current)) = out.last() else {
                break;
            };
            let stale = current.members.iter().any(|m| {
                m.birth_date() <= end
                    && (6..=15).contains(&school_age(m, year))
                    && meets(m.schooling) != meets(schooling_in(m, year))
            });
            if stale {
                dates.push(ymd(i32::from(year), 9, 1));
            }
        }
        for date in dates {
            let h = snapshot(date, year);
            let empty = h.members.is_empty();
            out.push((date, h));
            if empty {
                removed = Some(date);
                break;
            }
        }
        if removed.is_some() {
            break;
        }
    }
    if let Some(on) = removed {
        events.retain(|e| e.effective < on);
        let mut e = StatusEvent::new(StatusEventKind::Removed, on);
        e.note = "户内人员均已死亡, 销户".to_owned();
        events.push(e);
    }

    // Incomes: each version those of the years up to the year its successor takes effect; the last all.
    let next_years: Vec<Option<i32>> = out
        .iter()
        .skip(1)
        .map(|(d, _)| Some(d.year()))
        .chain(std::iter::once(None))
        .collect();
    for ((_, h), until) in out.iter_mut().zip(next_years) {
        h.incomes = record
            .incomes
            .iter()
            .filter(|r| until.is_none_or(|u| i32::from(r.year) <= u))
            .cloned()
            .collect();
    }
    out
}

/// The registered household's attribute from its members' assistance.
fn attribute(members: &[Member]) -> PoorAttribute {
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
    }
}

/// After the head died: the spouse becomes head, or else the oldest member; the others' relationships are
/// restated towards the new head where they follow (the head's children's spouses and children become the
/// new head's spouse and children, siblings and grandparents), otherwise recorded as other relatives.
fn rehead(members: &mut [Member]) {
    if members.is_empty() || members.iter().any(|m| m.relationship == Relationship::Head) {
        return;
    }
    use Relationship::*;
    let pick = members
        .iter()
        .position(|m| m.relationship == Spouse)
        .or_else(|| {
            members
                .iter()
                .enumerate()
                .min_by_key(|(_, m)| m.birth_date())
                .map(|(i, _)| i)
        })
        .unwrap_or(0);
    let was = members[pick].relationship;
    let head_sex = members[pick].sex;
    let mut spouse_taken = false;
    for (i, m) in members.iter_mut().enumerate() {
        if i == pick {
            m.relationship = Head;
            continue;
        }
        m.relationship = match (was, m.relationship) {
            (
                Spouse,
                r @ (Son | Daughter | DaughterInLaw | SonInLaw | Grandson | Granddaughter),
            ) => r,
            (Son | Daughter, DaughterInLaw | SonInLaw) if !spouse_taken && m.sex != head_sex => {
                spouse_taken = true;
                Spouse
            }
            (Son | Daughter, Grandson) => Son,
            (Son | Daughter, Granddaughter) => Daughter,
            (Son | Daughter, Son | Daughter) => Sibling,
            (Son | Daughter, Father | Mother) => Grandparent,
            _ => Other,
        };
    }
}
