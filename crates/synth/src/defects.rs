//! Realistic data defects, injected at a configurable rate so that data checks can be tested against a known
//! answer: every injected defect is listed on its household ([`crate::GeneratedHousehold::defects`]).
//!
//! Only defects that core's types can hold are produced (an ID with a wrong check character or 13 migrant
//! months cannot exist in a [`jingzhun_core::Member`]; those belong to import tests on raw files).

use jingzhun_core::Relationship;

use crate::people;
use crate::rng::{self, SynthRng};
use crate::{DefectKind, GeneratedHousehold, InjectedDefect};

/// Whether `kind` can be injected into this household (index `i` of the village).
fn applicable(kind: DefectKind, households: &[GeneratedHousehold], i: usize) -> bool {
    let h = &households[i].household;
    // The defects go into the current record; one whose members all died has nothing to spoil.
    if h.members.is_empty() {
        return false;
    }
    match kind {
        DefectKind::DuplicateResidentId => i > 0,
        DefectKind::NoHead => true,
        DefectKind::TwoHeads => h.members.len() >= 2,
        DefectKind::ChildOlderThanHead => h
            .members
            .iter()
            .any(|m| matches!(m.relationship, Relationship::Father | Relationship::Mother)),
        DefectKind::MissingSchooling => {
            h.members.iter().any(|m| (6..=15).contains(&people::age(m)))
        }
        DefectKind::SexMismatch => true,
        DefectKind::MissingIncomeYear => h.incomes.len() > 1,
    }
}

/// Injects at most one defect per household, each household with probability `rate`.
pub(crate) fn inject(rng: &mut SynthRng, households: &mut [GeneratedHousehold], rate: f64) {
    for i in 0..households.len() {
        if !rng::chance(rng, rate) {
            continue;
        }
        let candidates: Vec<DefectKind> = DefectKind::ALL
            .iter()
            .copied()
            .filter(|k| applicable(*k, households, i))
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let kind = candidates[rng::int(rng, 0, candidates.len() as i64 - 1) as usize];
        let detail = match kind {
            DefectKind::DuplicateResidentId => {
                // The ID of someone of an earlier household of the same village, of the same sex and
                // about the same age, entered again here (so that no other check is affected).
                let (before, rest) = households.split_at_mut(i);
                let target = &mut rest[0].household;
                let Some(m) = target.members.last_mut() else {
                    continue;
                };
                let wanted_age = people::age(m);
                let start = rng::int(rng, 0, i as i64 - 1) as usize;
                let found = (0..i).map(|k| (start + k) % i).find_map(|j| {
                    before[j]
                        .household
                        .members
                        .iter()
                        .find(|o| o.sex == m.sex && (people::age(o) - wanted_age).abs() <= 2)
                        .map(|o| (j, o.resident_id))
                });
                let Some((j, copied)) = found else {
                    continue;
                };
                let source = &before[j].household;
                m.resident_id = copied;
                format!("{} 的身份证号与户 {} 重复", m.name, source.number.as_str())
            }
            DefectKind::NoHead => {
                let h = &mut households[i].household;
                for m in h.members.iter_mut() {
                    if m.relationship == Relationship::Head {
                        m.relationship = Relationship::Other;
                    }
                }
                "户内没有户主".to_owned()
            }
            DefectKind::TwoHeads => {
                let h = &mut households[i].household;
                let Some(m) = h
                    .members
                    .iter_mut()
                    .find(|m| m.relationship != Relationship::Head)
                else {
                    continue;
                };
                m.relationship = Relationship::Head;
                format!("{} 也被登记为户主", m.name)
            }
            DefectKind::ChildOlderThanHead => {
                let h = &mut households[i].household;
                let Some(m) = h.members.iter_mut().find(|m| {
                    matches!(m.relationship, Relationship::Father | Relationship::Mother)
                }) else {
                    continue;
                };
                // A parent entered as a child: a typical relationship-column slip.
                m.relationship = match m.relationship {
                    Relationship::Father => Relationship::Son,
                    _ => Relationship::Daughter,
                };
                format!("{} 登记为子女但年长于户主", m.name)
            }
            DefectKind::MissingSchooling => {
                let h = &mut households[i].household;
                let Some(m) = h
                    .members
                    .iter_mut()
                    .find(|m| (6..=15).contains(&people::age(m)))
                else {
                    continue;
                };
                m.schooling = None;
                format!("{} ({} 岁) 缺少在校生状况", m.name, people::age(m))
            }
            DefectKind::SexMismatch => {
                // The head: a relationship that does not imply a sex, so only this check fires.
                let h = &mut households[i].household;
                let Some(m) = h
                    .members
                    .iter_mut()
                    .find(|m| m.relationship == Relationship::Head)
                else {
                    continue;
                };
                m.sex = match m.sex {
                    jingzhun_core::Sex::Male => jingzhun_core::Sex::Female,
                    jingzhun_core::Sex::Female => jingzhun_core::Sex::Male,
                };
                format!("{} 的性别与身份证号不符", m.name)
            }
            DefectKind::MissingIncomeYear => {
                let h = &mut households[i].household;
                let k = rng::int(rng, 1, h.incomes.len() as i64 - 1) as usize;
                let year = h.incomes.remove(k).year;
                format!("缺少 {year} 年收入记录")
            }
        };
        let household_no = households[i].household.number.clone();
        households[i].defects.push(InjectedDefect {
            household_no,
            kind,
            detail,
        });
    }
}
