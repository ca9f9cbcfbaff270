//! Household composition and members: relationships with age gaps that fit, names, resident IDs, education,
//! schooling, health, labour, migrant work and insurance. Ages are as of [`crate::calibration::RECORD_DATE`].

use chrono::{Datelike, Duration};
use jingzhun_core::{
    Education, Health, LabourAbility, Member, MigrantMonths, PersonName, Relationship,
    SchoolingStatus, Sex, SocialAssistance, WorkStatus,
};

use crate::calibration as cal;
use crate::ids::{self, IdAllocator};
use crate::names;
use crate::rng::{self, SynthRng};
use crate::SynthError;

/// A member before the ID is assigned.
struct Draft {
    relationship: Relationship,
    sex: Sex,
    age: i64,
    /// Index into the household's family names.
    family: usize,
}

fn opposite(sex: Sex) -> Sex {
    match sex {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

fn child_of_head(rng: &mut SynthRng, head_age: i64, family: usize) -> Draft {
    // Born when the head was 21 to 42 (and at most 35 years old now: older children have left).
    let max_age = (head_age - 21).clamp(0, 35);
    let min_age = (head_age - 42).clamp(0, max_age);
    let age = rng::int(rng, min_age, max_age);
    let sex = if rng::chance(rng, 0.52) {
        Sex::Male
    } else {
        Sex::Female
    };
    let relationship = match sex {
        Sex::Male => Relationship::Son,
        Sex::Female => Relationship::Daughter,
    };
    Draft {
        relationship,
        sex,
        age,
        family,
    }
}

fn spouse_of(rng: &mut SynthRng, head_sex: Sex, head_age: i64, family: usize) -> Draft {
    // Husbands are usually a little older than their wives.
    let gap = rng::int(rng, -2, 6);
    let age = match head_sex {
        Sex::Male => head_age - gap,
        Sex::Female => head_age + gap,
    }
    .clamp(20, 98);
    Draft {
        relationship: Relationship::Spouse,
        sex: opposite(head_sex),
        age,
        family,
    }
}

fn parents_of_head(rng: &mut SynthRng, head_age: i64, count: usize, family: usize) -> Vec<Draft> {
    let father_age = (head_age + rng::int(rng, 22, 34)).min(99);
    let mut out = Vec::new();
    let father_first = count == 2 || rng::chance(rng, 0.35);
    if father_first {
        out.push(Draft {
            relationship: Relationship::Father,
            sex: Sex::Male,
            age: father_age,
            family,
        });
    }
    if count == 2 || !father_first {
        // The mother keeps her own family name (index past the household's names).
        out.push(Draft {
            relationship: Relationship::Mother,
            sex: Sex::Female,
            age: (father_age - rng::int(rng, 0, 5)).max(head_age + 18),
            family: usize::MAX,
        });
    }
    out
}

/// A three-generation household headed by the oldest generation: head, spouse, son, daughter-in-law and
/// `grandchildren` grandchildren.
fn senior_household(
    rng: &mut SynthRng,
    head_sex: Sex,
    with_spouse: bool,
    with_daughter_in_law: bool,
    grandchildren: usize,
) -> Vec<Draft> {
    let head_age = rng::int(rng, 52, 82);
    let mut out = vec![Draft {
        relationship: Relationship::Head,
        sex: head_sex,
        age: head_age,
        family: 0,
    }];
    if with_spouse {
        out.push(spouse_of(rng, head_sex, head_age, 1));
    }
    let son_age = head_age - rng::int(rng, 23, 30);
    out.push(Draft {
        relationship: Relationship::Son,
        sex: Sex::Male,
        age: son_age,
        family: 0,
    });
    if with_daughter_in_law {
        out.push(Draft {
            relationship: Relationship::DaughterInLaw,
            sex: Sex::Female,
            age: (son_age + rng::int(rng, -4, 2)).max(20),
            family: usize::MAX,
        });
    }
    for _ in 0..grandchildren {
        let age = rng::int(rng, 0, (son_age - 20).max(0));
        let sex = if rng::chance(rng, 0.52) {
            Sex::Male
        } else {
            Sex::Female
        };
        out.push(Draft {
            relationship: if sex == Sex::Male {
                Relationship::Grandson
            } else {
                Relationship::Granddaughter
            },
            sex,
            age,
            family: 0,
        });
    }
    out
}

/// A household headed by the middle generation: head, spouse (optional), `children` children and
/// `parents` parents of the head.
fn middle_household(
    rng: &mut SynthRng,
    head_sex: Sex,
    with_spouse: bool,
    children: usize,
    parents: usize,
) -> Vec<Draft> {
    let head_age = if parents > 0 {
        rng::int(rng, 25, 62)
    } else if children > 0 {
        rng::int(rng, 26, 70)
    } else {
        rng::int(rng, 22, 88)
    };
    let mut out = vec![Draft {
        relationship: Relationship::Head,
        sex: head_sex,
        age: head_age,
        family: 0,
    }];
    if with_spouse {
        out.push(spouse_of(rng, head_sex, head_age, 1));
    }
    // Children carry the father's family name.
    let child_family = if head_sex == Sex::Female && with_spouse {
        1
    } else {
        0
    };
    for _ in 0..children {
        out.push(child_of_head(rng, head_age, child_family));
    }
    if parents > 0 {
        out.extend(parents_of_head(rng, head_age, parents, 0));
    }
    out
}

fn single(rng: &mut SynthRng, head_sex: Sex) -> Vec<Draft> {
    let age = match rng::weighted_index(rng, &[0.42, 0.35, 0.23]) {
        0 => rng::int(rng, 60, 92),
        1 => rng::int(rng, 40, 59),
        _ => rng::int(rng, 22, 39),
    };
    vec![Draft {
        relationship: Relationship::Head,
        sex: head_sex,
        age,
        family: 0,
    }]
}

fn compose(rng: &mut SynthRng, size: usize) -> Vec<Draft> {
    let head_sex = if rng::chance(rng, 0.86) {
        Sex::Male
    } else {
        Sex::Female
    };
    match size {
        0 | 1 => single(rng, head_sex),
        2 => match rng::weighted_index(rng, &[0.65, 0.2, 0.15]) {
            0 => middle_household(rng, head_sex, true, 0, 0),
            1 => middle_household(rng, head_sex, false, 1, 0),
            _ => middle_household(rng, head_sex, false, 0, 1),
        },
        3 => match rng::weighted_index(rng, &[0.65, 0.15, 0.2]) {
            0 => middle_household(rng, head_sex, true, 1, 0),
            1 => middle_household(rng, head_sex, true, 0, 1),
            _ => middle_household(rng, head_sex, false, 2, 0),
        },
        4 => match rng::weighted_index(rng, &[0.55, 0.3, 0.15]) {
            0 => middle_household(rng, head_sex, true, 2, 0),
            1 => middle_household(rng, head_sex, true, 1, 1),
            _ => senior_household(rng, head_sex, true, false, 1),
        },
        5 => match rng::weighted_index(rng, &[0.4, 0.2, 0.4]) {
            0 => middle_household(rng, head_sex, true, 2, 1),
            1 => middle_household(rng, head_sex, true, 1, 2),
            _ => senior_household(rng, head_sex, true, true, 1),
        },
        6 => match rng::weighted_index(rng, &[0.5, 0.5]) {
            0 => middle_household(rng, head_sex, true, 2, 2),
            _ => senior_household(rng, head_sex, true, true, 2),
        },
        _ => senior_household(rng, head_sex, true, true, size.saturating_sub(4)),
    }
}

fn education_for(rng: &mut SynthRng, birth_year: i32, age: i64) -> Education {
    use Education::*;
    if age < 6 {
        return Preschool;
    }
    if age <= 11 {
        return Primary;
    }
    if age <= 14 {
        return Junior;
    }
    let table: &[(Education, f64)] = match birth_year {
        y if y < 1950 => &[(Illiterate, 0.45), (Primary, 0.45), (Junior, 0.1)],
        y if y < 1965 => &[
            (Illiterate, 0.2),
            (Primary, 0.5),
            (Junior, 0.25),
            (Senior, 0.05),
        ],
        y if y < 1980 => &[
            (Illiterate, 0.05),
            (Primary, 0.35),
            (Junior, 0.48),
            (Senior, 0.1),
            (College, 0.02),
        ],
        y if y < 1995 => &[
            (Primary, 0.15),
            (Junior, 0.55),
            (Senior, 0.2),
            (College, 0.1),
        ],
        _ if age <= 18 => &[(Junior, 0.5), (Senior, 0.5)],
        _ => &[(Junior, 0.35), (Senior, 0.35), (College, 0.3)],
    };
    rng::weighted(rng, table)
}

fn schooling_for(rng: &mut SynthRng, age: i64, health: Health) -> Option<SchoolingStatus> {
    use SchoolingStatus::*;
    Some(match age {
        a if a < 3 => return None,
        3..=5 => {
            if rng::chance(rng, 0.75) {
                Preschool
            } else {
                NotInSchool
            }
        }
        6..=15 => {
            // Children of compulsory age attend, are taught at home (disability) or suspended (illness).
            if health == Health::Disabled && rng::chance(rng, 0.4) {
                HomeTeaching
            } else if health == Health::SeriousIllness && rng::chance(rng, 0.3) {
                SuspendedIllness
            } else {
                match age {
                    6..=11 => Primary,
                    12..=14 => Junior,
                    _ => rng::weighted(
                        rng,
                        &[(Junior, 0.5), (Senior, 0.4), (SecondaryVocational, 0.1)],
                    ),
                }
            }
        }
        16..=18 => rng::weighted(
            rng,
            &[
                (Senior, 0.55),
                (SecondaryVocational, 0.25),
                (NotInSchool, 0.2),
            ],
        ),
        19..=23 => rng::weighted(rng, &[(Higher, 0.35), (NotInSchool, 0.65)]),
        _ => NotInSchool,
    })
}

fn health_for(rng: &mut SynthRng, age: i64) -> Health {
    let a = age as f64;
    let serious = 0.006 + a * 0.0003;
    let disabled = 0.025 + a * 0.0004;
    let chronic = 0.02 + a * 0.0028;
    let x = rng::unit(rng);
    if x < serious {
        Health::SeriousIllness
    } else if x < serious + disabled {
        Health::Disabled
    } else if x < serious + disabled + chronic {
        Health::Chronic
    } else {
        Health::Healthy
    }
}

fn labour_for(rng: &mut SynthRng, age: i64, health: Health, student: bool) -> LabourAbility {
    use LabourAbility::*;
    if age < 16 || student {
        return NoLabour;
    }
    match health {
        Health::SeriousIllness => {
            if rng::chance(rng, 0.5) {
                Lost
            } else {
                Weak
            }
        }
        Health::Disabled => rng::weighted(rng, &[(Lost, 0.4), (Weak, 0.4), (Ordinary, 0.2)]),
        Health::Chronic if age >= 60 => rng::weighted(rng, &[(Weak, 0.7), (Lost, 0.3)]),
        Health::Chronic => rng::weighted(rng, &[(Weak, 0.6), (Ordinary, 0.4)]),
        Health::Healthy => match age {
            16..=59 => rng::weighted(rng, &[(Ordinary, 0.76), (Skilled, 0.2), (Weak, 0.04)]),
            60..=69 => rng::weighted(rng, &[(Ordinary, 0.45), (Weak, 0.5), (Lost, 0.05)]),
            _ => rng::weighted(rng, &[(NoLabour, 0.5), (Weak, 0.4), (Lost, 0.1)]),
        },
    }
}

fn work_for(rng: &mut SynthRng, age: i64, labour: LabourAbility) -> (WorkStatus, u8) {
    if !labour.can_work() || !(16..=64).contains(&age) {
        return (WorkStatus::NotMigrant, 0);
    }
    let mut p = match age {
        16..=45 => 0.7,
        46..=59 => 0.45,
        _ => 0.15,
    };
    if labour == LabourAbility::Weak {
        p *= 0.5;
    }
    if !rng::chance(rng, p) {
        return (WorkStatus::NotMigrant, 0);
    }
    let status = rng::weighted(
        rng,
        &[
            (WorkStatus::OutsideProvince, 0.55),
            (WorkStatus::WithinProvince, 0.25),
            (WorkStatus::WithinCounty, 0.2),
        ],
    );
    let months = match status {
        WorkStatus::WithinCounty => rng::int(rng, 3, 12),
        _ => rng::weighted(
            rng,
            &[(12i64, 0.4), (11, 0.2), (10, 0.2), (8, 0.1), (6, 0.1)],
        ),
    };
    (status, months as u8)
}

fn ethnicity(rng: &mut SynthRng) -> &'static str {
    if rng::chance(rng, 0.996) {
        "汉族"
    } else {
        rng::weighted(
            rng,
            &[("土家族", 0.4), ("回族", 0.3), ("苗族", 0.2), ("藏族", 0.1)],
        )
    }
}

/// Draws a household's members (alive at the record date) and the family names it uses (the head's
/// first), for relatives drawn later (see [`ghosts`]).
pub(crate) fn members(
    rng: &mut SynthRng,
    ids: &mut IdAllocator,
    county: &str,
    size: usize,
) -> Result<(Vec<Member>, [&'static str; 2]), SynthError> {
    let drafts = compose(rng, size);
    let families = [names::surname(rng), names::surname(rng)];
    let mut out = Vec::with_capacity(drafts.len());
    for d in drafts {
        out.push(member(rng, ids, county, &families, d)?);
    }
    Ok((out, families))
}

/// One member from its draft: birth date from the age at the record date, ID, name and the rest.
fn member(
    rng: &mut SynthRng,
    ids: &mut IdAllocator,
    county: &str,
    families: &[&'static str; 2],
    d: Draft,
) -> Result<Member, SynthError> {
    let record = cal::date(cal::RECORD_DATE);
    // Latest birth date drawn, leaving room for the ID allocator to move a date forward.
    let latest = record - Duration::days(60);
    let days_back = d.age * 365 + rng::int(rng, 0, 364) + d.age / 4;
    let birth = (record - Duration::days(days_back)).min(latest);
    let birth_year = birth.year();
    let regions = ids::region_choices(county, birth_year);
    let region = rng::weighted(rng, regions.as_slice());
    let id = ids
        .allocate(region, birth, d.sex)
        .map_err(|_| SynthError::IdCapacity)?;
    let age = i64::from(id.age_on(record));
    let family = match d.family {
        i if i < families.len() => families[i],
        _ => names::surname(rng),
    };
    let name = names::full_name(rng, family, d.sex, id.birth_date().year());
    let name = PersonName::parse(&name).map_err(|_| SynthError::Internal("name"))?;
    let health = health_for(rng, age);
    let schooling = schooling_for(rng, age, health);
    let student = matches!(
        schooling,
        Some(
            SchoolingStatus::Senior
                | SchoolingStatus::SecondaryVocational
                | SchoolingStatus::Higher
        )
    );
    let education = education_for(rng, birth_year, age);
    let labour = labour_for(rng, age, health, student);
    let (work_status, months) = work_for(rng, age, labour);
    let medical = rng::chance(rng, 0.995);
    Ok(Member {
        name,
        resident_id: id,
        sex: d.sex,
        relationship: d.relationship,
        ethnicity: ethnicity(rng).to_owned(),
        education: Some(education),
        schooling,
        health,
        labour: Some(labour),
        work_status,
        migrant_months: MigrantMonths::new(i64::from(months))
            .map_err(|_| SynthError::Internal("months"))?,
        medical_insurance: medical,
        serious_illness_insurance: medical && rng::chance(rng, 0.99),
        pension_insurance: age >= 16 && !student && rng::chance(rng, 0.93),
        social_assistance: SocialAssistance::NoAssistance,
    })
}

/// Relatives who were members at the end of 2013 and died before the record date, so are not in it: the
/// head's spouse (when the record has none) and the head's parents (when it has fewer than two), each
/// drawn year by year at the age-specific death rate of [`cal::death_rate`] (times
/// [`cal::EARLIER_DEATHS`]); a relative who would have survived to the record date was never a member.
/// Returns each with the date of death (ages as if alive at the record date, so their IDs fit).
pub(crate) fn ghosts(
    rng: &mut SynthRng,
    ids: &mut IdAllocator,
    county: &str,
    members: &[Member],
    families: &[&'static str; 2],
) -> Result<Vec<(Member, chrono::NaiveDate)>, SynthError> {
    let Some(head) = members
        .iter()
        .find(|m| m.relationship == Relationship::Head)
    else {
        return Ok(Vec::new());
    };
    let head_age = age(head);
    let mut candidates = Vec::new();
    let has = |r: Relationship| members.iter().any(|m| m.relationship == r);
    if !has(Relationship::Spouse) && head_age >= 35 {
        candidates.push(spouse_of(rng, head.sex, head_age, 1));
    }
    if head_age <= 62 {
        let parents = parents_of_head(rng, head_age, 2, 0);
        for p in parents {
            if !has(p.relationship) {
                candidates.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for d in candidates {
        let Some(died) = death_between(rng, d.age - 7, 2014, 2020, cal::EARLIER_DEATHS) else {
            continue;
        };
        let mut m = member(rng, ids, county, families, d)?;
        // Old age or illness; not a student, not working away.
        if m.health == Health::Healthy && rng::chance(rng, 0.5) {
            m.health = Health::Chronic;
        }
        m.schooling = Some(SchoolingStatus::NotInSchool);
        m.work_status = WorkStatus::NotMigrant;
        m.migrant_months = MigrantMonths::default();
        out.push((m, died));
    }
    Ok(out)
}

/// The date of death of someone aged `age_2013` at the end of 2013, if it falls in `from..=to` (each year
/// at [`cal::death_rate`] of the age reached, times `factor`).
pub(crate) fn death_between(
    rng: &mut SynthRng,
    age_2013: i64,
    from: u16,
    to: u16,
    factor: f64,
) -> Option<chrono::NaiveDate> {
    for year in from..=to {
        let age = age_2013 + i64::from(year) - 2013;
        if rng::chance(rng, (cal::death_rate(age) * factor).min(1.0)) {
            let day = rng::int(rng, 0, 364);
            let start = chrono::NaiveDate::from_ymd_opt(i32::from(year), 1, 1)?;
            return Some(start + Duration::days(day));
        }
    }
    None
}

/// Age in whole years at the record date.
pub(crate) fn age(member: &Member) -> i64 {
    i64::from(member.age_on(cal::date(cal::RECORD_DATE)))
}

/// Members born by the end of `year`: the household's size as the engine counts it in an evaluation as of
/// that year's end (members born later are left out).
pub(crate) fn size_at_end_of(members: &[Member], year: u16) -> usize {
    members
        .iter()
        .filter(|m| birth_year(m) <= i32::from(year))
        .count()
}

/// Birth year, for ages in income years.
pub(crate) fn birth_year(member: &Member) -> i32 {
    member.birth_date().year()
}

pub(crate) fn is_vulnerable(member: &Member) -> bool {
    member.health != Health::Healthy || age(member) >= 65
}
