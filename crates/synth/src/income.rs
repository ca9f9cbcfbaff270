//! Yearly incomes: a per-capita net income path per household (2013–2025), then its split into the
//! components of the national accounting, so that the components' net is exactly the path's value.

use jingzhun_core::{IncomeComponent, IncomeRecord, Member, SocialAssistance, Yuan};

use crate::calibration::{self as cal, FIRST_YEAR, YEARS};
use crate::people;
use crate::rng::{self, SynthRng};

/// Per-capita net income by year, index 0 = 2013.
pub(crate) type Path = [f64; YEARS];

pub(crate) fn idx(year: u16) -> usize {
    usize::from(year - FIRST_YEAR)
}

fn line(year: u16) -> f64 {
    cal::poverty_line(year)
}

/// Mean income index of never-registered households: geometric 2013 → 2019, then the growth assumptions.
fn non_poor_mean(year: u16) -> f64 {
    if year <= 2019 {
        let t = f64::from(year - 2013) / 6.0;
        cal::NON_POOR_MEAN_2013 * (cal::NON_POOR_MEAN_2019 / cal::NON_POOR_MEAN_2013).powf(t)
    } else {
        let mut v = cal::NON_POOR_MEAN_2019;
        for g in &cal::GROWTH_AFTER_2019[..usize::from(year - 2019)] {
            v *= g;
        }
        v
    }
}

/// Continues a path after `from` with the general growth and household shocks.
fn grow_after(rng: &mut SynthRng, path: &mut Path, from: u16) {
    for year in from + 1..=cal::LAST_YEAR {
        let i = idx(year);
        let g = non_poor_mean(year) / non_poor_mean(year - 1);
        path[i] = path[i - 1] * g * rng::lognormal_mean_one(rng, cal::YEARLY_SHOCK_SIGMA);
        // Outside monitoring, incomes stay above the monitoring range (monitoring overrides later).
        if year >= 2020 {
            path[i] = path[i].max(cal::monitoring_threshold(year) * 1.05);
        }
    }
}

/// A never-registered household: lognormal around the non-poor mean, never below the line (or, after
/// 2020, the monitoring range).
pub(crate) fn non_poor_path(rng: &mut SynthRng) -> Path {
    let mut path = [0.0; YEARS];
    let level = rng::lognormal_mean_one(rng, cal::NON_POOR_SIGMA);
    let mut shock = 1.0;
    for year in FIRST_YEAR..=2020 {
        if year > FIRST_YEAR {
            shock *= rng::lognormal_mean_one(rng, cal::YEARLY_SHOCK_SIGMA);
        }
        let mut floor = line(year) * 1.12;
        if year == 2020 {
            // Outside the 2020 monitoring range too.
            floor = floor.max(cal::monitoring_threshold(2020) * 1.05);
        }
        path[idx(year)] = (non_poor_mean(year) * level * shock).max(floor);
    }
    grow_after(rng, &mut path, 2020);
    path
}

/// A registered household: below the line each year in `below` (inclusive range of years), at or above it
/// from `exit`, reaching a 2020 level around the calibrated mean. `before` is the per-capita income as a
/// multiple of the line in the years before `below` (additions only).
pub(crate) fn registered_path(
    rng: &mut SynthRng,
    first_below: u16,
    exit: u16,
    first_2013: Option<f64>,
) -> Path {
    let mut path = [0.0; YEARS];
    // Years before poverty (additions): somewhat above the line.
    let above = rng::between(rng, 1.1, 1.5);
    for year in FIRST_YEAR..first_below {
        path[idx(year)] = line(year) * above * rng::lognormal_mean_one(rng, 0.04);
    }
    // Poor years: a ratio to the line that creeps up but stays below it.
    let mut ratio = match first_2013 {
        Some(y) => y / line(FIRST_YEAR),
        None => rng::between(rng, 0.7, 0.95),
    };
    for year in first_below..exit {
        if year == FIRST_YEAR {
            if let Some(y) = first_2013 {
                path[0] = y;
                continue;
            }
        }
        ratio = (ratio * 1.015 * rng::lognormal_mean_one(rng, 0.04)).min(0.985);
        path[idx(year)] = line(year) * ratio;
    }
    // 2020 level: around the calibrated mean, higher for earlier exits.
    let exit_index = usize::from(exit.clamp(2014, 2020) - 2014);
    let y2020 = (cal::target::POOR_INCOME_2020
        * cal::POOR_2020_BY_EXIT[exit_index]
        * rng::lognormal_mean_one(rng, cal::POOR_2020_SIGMA))
    .max(cal::POOR_2020_FLOOR);
    if exit >= 2020 {
        path[idx(2020)] = y2020;
    } else {
        let y_exit = line(exit) * rng::between(rng, 1.08, 1.6);
        path[idx(exit)] = y_exit.min(y2020);
        // Log-linear from the exit year to 2020, with small noise, never back below the line.
        let span = f64::from(2020 - exit);
        for year in exit + 1..2020 {
            let t = f64::from(year - exit) / span;
            let v = path[idx(exit)].ln() * (1.0 - t) + y2020.ln() * t;
            path[idx(year)] = (v.exp() * rng::lognormal_mean_one(rng, 0.04)).max(line(year) * 1.05);
        }
        path[idx(2020)] = y2020;
    }
    grow_after(rng, &mut path, 2020);
    path
}

/// Splits per-capita incomes into components. Transfers come from the household's facts (低保 and 特困
/// recipients, pensioners, forest land), property and wages from fixed shares, and business income takes the
/// rest, with production costs chosen so that the net is exactly the path's value times the household size of
/// the year (members born by its end, as the engine counts them).
pub(crate) fn records(
    rng: &mut SynthRng,
    path: &Path,
    members: &[Member],
    registered_from: Option<u16>,
    forest_mu: f64,
    // Members of the year's version besides those of `members` born by its end: relatives alive then who
    // died before the record date, less members who died after it (see `history`).
    others: &dyn Fn(u16) -> i64,
) -> Vec<IncomeRecord> {
    let births: Vec<i32> = members.iter().map(people::birth_year).collect();
    // Members of the household in `year`: born by its end (the engine leaves out later births, and divides
    // the household's net income by the members it keeps).
    let present = |year: u16, assistance: Option<SocialAssistance>| {
        members
            .iter()
            .zip(&births)
            .filter(|(m, b)| {
                **b <= i32::from(year) && assistance.is_none_or(|a| m.social_assistance == a)
            })
            .count()
    };
    let migrants = members
        .iter()
        .filter(|m| m.migrant_months.get() > 0)
        .count();
    let wage_share = if migrants > 0 {
        rng::between(rng, 0.55, 0.8)
    } else {
        rng::between(rng, 0.1, 0.3)
    };
    let family_planning = rng::chance(rng, 0.03);
    let mut out = Vec::with_capacity(YEARS);
    for (i, per_capita) in path.iter().enumerate() {
        let year = FIRST_YEAR + i as u16;
        let n = (present(year, None) as i64 + others(year)).max(1);
        let dibao = present(year, Some(SocialAssistance::Dibao)) as f64;
        let tekun = present(year, Some(SocialAssistance::Tekun)) as f64;
        let total_fen = (per_capita * 100.0).round() as i64 * n;
        // Benefits are paid from the year they are recorded; for simplicity 低保 and 特困 status is taken
        // as constant over the years (the record is a snapshot, see calibration::RECORD_DATE).
        let pensioners = births
            .iter()
            .filter(|b| i64::from(year) - i64::from(**b) >= 60)
            .count() as f64;
        let mut transfers = [
            (IncomeComponent::DibaoBenefit, dibao * cal::DIBAO_BENEFIT[i]),
            (
                IncomeComponent::TekunBenefit,
                tekun * cal::DIBAO_BENEFIT[i] * cal::TEKUN_FACTOR,
            ),
            (IncomeComponent::Pension, pensioners * cal::PENSION[i]),
            (IncomeComponent::EcoCompensation, forest_mu * 15.0),
            (
                IncomeComponent::FamilyPlanning,
                if family_planning { 960.0 } else { 0.0 },
            ),
            (
                IncomeComponent::OtherTransfer,
                if registered_from.is_some_and(|r| year >= r && year <= 2020) {
                    300.0 + 100.0 * f64::from(year.saturating_sub(2014))
                } else {
                    0.0
                },
            ),
        ];
        // Transfers may not exceed 85% of the net: scale them down when the path is low.
        let transfer_total: f64 = transfers.iter().map(|(_, v)| v).sum::<f64>() * 100.0;
        let cap = 0.85 * total_fen as f64;
        if transfer_total > cap && transfer_total > 0.0 {
            let k = (cap / transfer_total).max(0.0);
            for t in transfers.iter_mut() {
                t.1 *= k;
            }
        }
        let mut record = IncomeRecord::new(year);
        let mut rest = total_fen;
        for (component, yuan) in transfers {
            let fen = (yuan * 100.0).round() as i64;
            if fen > 0 {
                record.set(component, Yuan::from_fen(fen));
                rest -= fen;
            }
        }
        // Asset-income dividends for registered households from 2017, other property income otherwise.
        let property = if registered_from.is_some() && year >= 2017 {
            (
                IncomeComponent::PropertyDividend,
                20_000 + 5_000 * i64::from(year - 2017).min(4),
            )
        } else {
            (
                IncomeComponent::PropertyOther,
                (rest.max(0) as f64 * 0.015) as i64,
            )
        };
        if rest > property.1 && property.1 > 0 {
            record.set(property.0, Yuan::from_fen(property.1));
            rest -= property.1;
        }
        if rest > 0 {
            let wages = (rest as f64 * wage_share) as i64;
            let business_net = rest - wages;
            let business_gross = (business_net as f64 / 0.7) as i64;
            record.set(IncomeComponent::Wages, Yuan::from_fen(wages));
            record.set(IncomeComponent::Business, Yuan::from_fen(business_gross));
            record.set(
                IncomeComponent::ProductionCosts,
                Yuan::from_fen(business_gross - business_net),
            );
        } else if rest < 0 {
            // Rounding only: absorb as production costs.
            record.set(IncomeComponent::ProductionCosts, Yuan::from_fen(-rest));
        }
        out.push(record);
    }
    out
}

/// Household per-capita net income of a record (all components counted).
pub fn per_capita(record: &IncomeRecord, size: u32) -> f64 {
    record.net(|_| true).per_capita(size).as_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_paths_cross_the_line_in_the_exit_year() {
        let mut rng = rng::stream(3, "paths", 1);
        for exit in 2014..=2020u16 {
            for _ in 0..200 {
                let path = registered_path(&mut rng, 2013, exit, Some(2_400.0));
                for year in 2013..exit {
                    assert!(path[idx(year)] < line(year), "{year} {exit} {path:?}");
                }
                assert!(path[idx(exit)] >= line(exit), "{exit} {path:?}");
                for year in exit..=2020 {
                    assert!(path[idx(year)] >= line(year), "{year} {exit}");
                }
            }
        }
    }

    #[test]
    fn non_poor_paths_stay_above_the_line() {
        let mut rng = rng::stream(3, "np", 1);
        for _ in 0..1000 {
            let path = non_poor_path(&mut rng);
            for year in 2013..=2020u16 {
                assert!(path[idx(year)] >= line(year));
            }
        }
    }
}
