//! Poverty measures as the World Bank's PIP and OPHI define them.
//!
//! `y` is per-capita income, `z` the line, `N` the population (person weights); "poor" means `y < z`
//! (strict: an income exactly at the line is not poor).
//!
//! - FGT0 headcount `(1/N) Σ_{y<z} 1`, FGT1 gap `(1/N) Σ_{y<z} (1 − y/z)`, FGT2 severity
//!   `(1/N) Σ_{y<z} (1 − y/z)²`;
//! - Watts `(1/N) Σ_{0<y<z} ln(z/y)`: people with zero or negative income are counted in `N` but add nothing,
//!   because the logarithm is undefined for them;
//! - Gini from the trapezoid Lorenz curve (ties in any order give the same curve);
//! - Sen `H·[I + (1 − I)·G_p]` with `I` the income-gap ratio and `G_p` the Gini among the poor;
//! - Alkire–Foster over deprivation indicators: score `c = Σ w_j g_j`, poor if `c ≥ k`, `H = q/n`, `A` the mean
//!   score among the poor, `M0 = H·A`, censored headcounts and each indicator's contribution `w_j h_j / M0`.
//!
//! FGT, Watts and M0 are additively decomposable: the total equals the population-share-weighted sum of the
//! groups' values; [`decompose`] and [`decompose_mpi`] return each group's share of the total.

use serde::Serialize;

/// One person or household, with its weight (number of people it stands for).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    /// Per-capita income in yuan.
    pub income: f64,
    pub weight: f64,
}

impl Observation {
    pub fn new(income: f64, weight: f64) -> Self {
        Self { income, weight }
    }
}

/// The income-poverty measures of one population at one line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Measures {
    pub line: f64,
    pub population: f64,
    pub poor: f64,
    /// FGT0.
    pub headcount: f64,
    /// FGT1.
    pub gap: f64,
    /// FGT2.
    pub severity: f64,
    pub watts: f64,
    pub gini: f64,
    pub sen: f64,
    pub mean: f64,
    pub median: f64,
}

/// Computes every measure at line `z`. An empty population gives zeros (and `NaN` for mean and median).
pub fn measures(obs: &[Observation], z: f64) -> Measures {
    let population: f64 = obs.iter().map(|o| o.weight).sum();
    let mut poor = 0.0;
    let (mut gap, mut severity, mut watts) = (0.0, 0.0, 0.0);
    let mut poor_obs = Vec::new();
    for o in obs.iter().filter(|o| o.income < z) {
        let shortfall = 1.0 - o.income / z;
        poor += o.weight;
        gap += o.weight * shortfall;
        severity += o.weight * shortfall * shortfall;
        if o.income > 0.0 {
            watts += o.weight * (z / o.income).ln();
        }
        poor_obs.push(*o);
    }
    let share = |x: f64| {
        if population > 0.0 {
            x / population
        } else {
            0.0
        }
    };
    let headcount = share(poor);
    // Sen: I is the gap ratio among the poor (mean shortfall of the poor), G_p the Gini among them.
    let sen = if poor > 0.0 {
        let income_gap_ratio = gap / poor;
        headcount * (income_gap_ratio + (1.0 - income_gap_ratio) * gini(&poor_obs))
    } else {
        0.0
    };
    Measures {
        line: z,
        population,
        poor,
        headcount,
        gap: share(gap),
        severity: share(severity),
        watts: share(watts),
        gini: gini(obs),
        sen,
        mean: mean(obs),
        median: median(obs),
    }
}

pub fn mean(obs: &[Observation]) -> f64 {
    let w: f64 = obs.iter().map(|o| o.weight).sum();
    obs.iter().map(|o| o.income * o.weight).sum::<f64>() / w
}

/// The weighted median: the income at which the cumulative weight reaches half the population; when it
/// reaches exactly half at an observation's end, the midpoint between it and the next (so unit weights give
/// the usual median).
pub fn median(obs: &[Observation]) -> f64 {
    let mut sorted: Vec<Observation> = obs.iter().copied().filter(|o| o.weight > 0.0).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(|a, b| a.income.total_cmp(&b.income));
    let half = sorted.iter().map(|o| o.weight).sum::<f64>() / 2.0;
    let mut cumulative = 0.0;
    for (i, o) in sorted.iter().enumerate() {
        cumulative += o.weight;
        if (cumulative - half).abs() <= 1e-9 * half.max(1.0) {
            return match sorted.get(i + 1) {
                Some(next) => (o.income + next.income) / 2.0,
                None => o.income,
            };
        }
        if cumulative > half {
            return o.income;
        }
    }
    sorted[sorted.len() - 1].income
}

/// Gini coefficient from the trapezoid Lorenz curve: `G = 1 − Σ (p_i − p_{i−1})(L_i + L_{i−1})`.
pub fn gini(obs: &[Observation]) -> f64 {
    let mut sorted: Vec<Observation> = obs.iter().copied().filter(|o| o.weight > 0.0).collect();
    sorted.sort_by(|a, b| a.income.total_cmp(&b.income));
    let population: f64 = sorted.iter().map(|o| o.weight).sum();
    let total: f64 = sorted.iter().map(|o| o.income * o.weight).sum();
    if population <= 0.0 || total == 0.0 {
        return 0.0;
    }
    let (mut cum_income, mut area) = (0.0, 0.0);
    for o in &sorted {
        let previous = cum_income / total;
        cum_income += o.income * o.weight;
        area += (o.weight / population) * (cum_income / total + previous);
    }
    1.0 - area
}

/// A group's part in a decomposition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMeasures {
    pub group: String,
    pub population_share: f64,
    pub measures: Measures,
    /// Share of the total FGT0, FGT1, FGT2 and Watts contributed by this group; each column adds up to 1
    /// over the groups (when the total is not zero).
    pub contribution: Contribution,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Contribution {
    pub headcount: f64,
    pub gap: f64,
    pub severity: f64,
    pub watts: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decomposition {
    pub total: Measures,
    pub groups: Vec<GroupMeasures>,
}

/// Measures for each group and for their union, with each group's contribution to the additive measures.
pub fn decompose(groups: &[(String, Vec<Observation>)], z: f64) -> Decomposition {
    let all: Vec<Observation> = groups
        .iter()
        .flat_map(|(_, obs)| obs.iter().copied())
        .collect();
    let total = measures(&all, z);
    let part = |x: f64, whole: f64| if whole != 0.0 { x / whole } else { 0.0 };
    let groups = groups
        .iter()
        .map(|(name, obs)| {
            let m = measures(obs, z);
            let s = part(m.population, total.population);
            GroupMeasures {
                group: name.clone(),
                population_share: s,
                measures: m,
                contribution: Contribution {
                    headcount: part(s * m.headcount, total.headcount),
                    gap: part(s * m.gap, total.gap),
                    severity: part(s * m.severity, total.severity),
                    watts: part(s * m.watts, total.watts),
                },
            }
        })
        .collect();
    Decomposition { total, groups }
}

/// Indicators and cutoff of an Alkire–Foster measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MpiSpec {
    /// Indicator names and weights; weights should add up to 1.
    pub indicators: Vec<(String, f64)>,
    /// Poverty cutoff on the weighted deprivation score.
    pub k: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MpiError {
    #[error("多维贫困指标权重之和应为 1, 实际为 {0}")]
    Weights(f64),
    #[error("第 {index} 个观测的剥夺指标数为 {got}, 应为 {expected}")]
    Width {
        index: usize,
        got: usize,
        expected: usize,
    },
    #[error("临界值 k 应在 (0, 1] 之间, 实际为 {0}")]
    Cutoff(f64),
}

/// One unit's deprivations, in the order of [`MpiSpec::indicators`].
#[derive(Debug, Clone, PartialEq)]
pub struct Deprivations {
    pub weight: f64,
    pub deprived: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mpi {
    pub population: f64,
    pub poor: f64,
    /// Multidimensional headcount ratio.
    pub h: f64,
    /// Intensity: mean deprivation score among the poor.
    pub a: f64,
    /// Adjusted headcount ratio, `H·A`.
    pub m0: f64,
    /// Share of the population that is poor and deprived in each indicator.
    pub censored_headcounts: Vec<f64>,
    /// Each indicator's share of M0: `w_j h_j / M0`, adding up to 1.
    pub contributions: Vec<f64>,
}

pub fn mpi(units: &[Deprivations], spec: &MpiSpec) -> Result<Mpi, MpiError> {
    let weight_sum: f64 = spec.indicators.iter().map(|(_, w)| w).sum();
    if (weight_sum - 1.0).abs() > 1e-9 {
        return Err(MpiError::Weights(weight_sum));
    }
    if !(spec.k > 0.0 && spec.k <= 1.0) {
        return Err(MpiError::Cutoff(spec.k));
    }
    let width = spec.indicators.len();
    let (mut population, mut poor, mut score_sum) = (0.0, 0.0, 0.0);
    let mut censored = vec![0.0; width];
    for (index, unit) in units.iter().enumerate() {
        if unit.deprived.len() != width {
            return Err(MpiError::Width {
                index,
                got: unit.deprived.len(),
                expected: width,
            });
        }
        population += unit.weight;
        let score: f64 = spec
            .indicators
            .iter()
            .zip(&unit.deprived)
            .filter(|(_, d)| **d)
            .map(|((_, w), _)| w)
            .sum();
        // A small tolerance so that, e.g., three weights of 1/3 reach k = 1.
        if score + 1e-12 >= spec.k {
            poor += unit.weight;
            score_sum += unit.weight * score;
            for (c, d) in censored.iter_mut().zip(&unit.deprived) {
                if *d {
                    *c += unit.weight;
                }
            }
        }
    }
    let ratio = |x: f64, of: f64| if of > 0.0 { x / of } else { 0.0 };
    let h = ratio(poor, population);
    let a = ratio(score_sum, poor);
    let m0 = h * a;
    let censored_headcounts: Vec<f64> = censored.iter().map(|c| ratio(*c, population)).collect();
    let contributions = spec
        .indicators
        .iter()
        .zip(&censored_headcounts)
        .map(|((_, w), hj)| ratio(w * hj, m0))
        .collect();
    Ok(Mpi {
        population,
        poor,
        h,
        a,
        m0,
        censored_headcounts,
        contributions,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MpiGroup {
    pub group: String,
    pub population_share: f64,
    pub mpi: Mpi,
    /// The group's share of the total M0; adds up to 1 over the groups.
    pub contribution: f64,
}

/// M0 by group, with `M0 = Σ (n_ℓ/n)·M0_ℓ`.
pub fn decompose_mpi(
    groups: &[(String, Vec<Deprivations>)],
    spec: &MpiSpec,
) -> Result<(Mpi, Vec<MpiGroup>), MpiError> {
    let all: Vec<Deprivations> = groups.iter().flat_map(|(_, u)| u.iter().cloned()).collect();
    let total = mpi(&all, spec)?;
    let mut out = Vec::with_capacity(groups.len());
    for (name, units) in groups {
        let m = mpi(units, spec)?;
        let share = if total.population > 0.0 {
            m.population / total.population
        } else {
            0.0
        };
        let contribution = if total.m0 > 0.0 {
            share * m.m0 / total.m0
        } else {
            0.0
        };
        out.push(MpiGroup {
            group: name.clone(),
            population_share: share,
            mpi: m,
            contribution,
        });
    }
    Ok((total, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(incomes: &[f64]) -> Vec<Observation> {
        incomes.iter().map(|y| Observation::new(*y, 1.0)).collect()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn worked_example_one_to_five_at_line_three() {
        // Worked by hand: poor are 1 and 2 (3 is exactly at the line and not poor).
        let m = measures(&unit(&[1.0, 2.0, 3.0, 4.0, 5.0]), 3.0);
        close(m.headcount, 0.4);
        close(m.gap, (2.0 / 3.0 + 1.0 / 3.0) / 5.0);
        close(m.severity, (4.0 / 9.0 + 1.0 / 9.0) / 5.0);
        close(m.watts, (3f64.ln() + 1.5f64.ln()) / 5.0);
        close(m.gini, 40.0 / 150.0); // Σ|yi − yj| / (2 n² μ)
                                     // I = 1 − 1.5/3 = 0.5; Gini of the poor {1, 2} = 2 / (2·4·1.5) = 1/6.
        close(m.sen, 0.4 * (0.5 + 0.5 / 6.0));
        close(m.mean, 3.0);
        close(m.median, 3.0);
    }

    #[test]
    fn income_exactly_at_the_line_is_not_poor() {
        let m = measures(&unit(&[4000.0, 4000.0]), 4000.0);
        assert_eq!(
            (m.poor, m.headcount, m.gap, m.watts, m.sen),
            (0.0, 0.0, 0.0, 0.0, 0.0)
        );
        let m = measures(&unit(&[3999.99, 4000.0]), 4000.0);
        close(m.headcount, 0.5);
    }

    #[test]
    fn zero_and_negative_incomes_count_as_poor_but_add_nothing_to_watts() {
        let m = measures(&unit(&[-500.0, 0.0, 2000.0, 8000.0]), 4000.0);
        close(m.headcount, 0.75);
        close(m.watts, 2f64.ln() / 4.0);
        // The gap of a negative income exceeds one, as the formula says.
        close(m.gap, (1.125 + 1.0 + 0.5) / 4.0);
    }

    #[test]
    fn ties_in_gini_and_median() {
        close(gini(&unit(&[2.0, 2.0, 2.0, 2.0])), 0.0);
        close(gini(&unit(&[1.0, 1.0, 3.0, 3.0])), 0.25);
        close(gini(&unit(&[3.0, 1.0, 3.0, 1.0])), 0.25);
        close(median(&unit(&[1.0, 1.0, 3.0, 3.0])), 2.0);
        close(median(&unit(&[5.0, 1.0, 3.0])), 3.0);
        // Weights act as repeated observations.
        let weighted = [Observation::new(1.0, 2.0), Observation::new(3.0, 2.0)];
        close(gini(&weighted), 0.25);
        close(median(&weighted), 2.0);
    }

    #[test]
    fn fgt_and_watts_decompose_by_group() {
        let groups = vec![
            ("甲村".to_owned(), unit(&[1000.0, 2500.0, 5000.0])),
            ("乙村".to_owned(), unit(&[3000.0, 3500.0, 9000.0, 12000.0])),
            ("丙村".to_owned(), unit(&[200.0])),
        ];
        let d = decompose(&groups, 4000.0);
        let sum = |f: &dyn Fn(&GroupMeasures) -> f64| d.groups.iter().map(f).sum::<f64>();
        close(
            sum(&|g| g.population_share * g.measures.headcount),
            d.total.headcount,
        );
        close(sum(&|g| g.population_share * g.measures.gap), d.total.gap);
        close(
            sum(&|g| g.population_share * g.measures.severity),
            d.total.severity,
        );
        close(
            sum(&|g| g.population_share * g.measures.watts),
            d.total.watts,
        );
        close(sum(&|g| g.contribution.headcount), 1.0);
        close(sum(&|g| g.contribution.gap), 1.0);
        close(sum(&|g| g.contribution.severity), 1.0);
        close(sum(&|g| g.contribution.watts), 1.0);
    }

    fn spec() -> MpiSpec {
        let w = 0.25;
        MpiSpec {
            indicators: ["收入", "教育", "医疗", "住房"]
                .iter()
                .map(|n| (n.to_string(), w))
                .collect(),
            k: 0.5,
        }
    }

    fn dep(flags: [bool; 4]) -> Deprivations {
        Deprivations {
            weight: 1.0,
            deprived: flags.to_vec(),
        }
    }

    #[test]
    fn alkire_foster_worked_example() {
        // Scores: 0.75 (poor), 0.5 (poor, exactly at k), 0.25 (not poor: censored), 0.
        let units = [
            dep([true, true, false, true]),
            dep([true, false, true, false]),
            dep([false, false, false, true]),
            dep([false, false, false, false]),
        ];
        let m = mpi(&units, &spec()).unwrap();
        close(m.h, 0.5);
        close(m.a, 0.625);
        close(m.m0, 0.3125);
        // The third unit's housing deprivation is censored away.
        assert_eq!(m.censored_headcounts, vec![0.5, 0.25, 0.25, 0.25]);
        close(m.contributions.iter().sum(), 1.0);
        close(m.contributions[0], 0.25 * 0.5 / 0.3125);
    }

    #[test]
    fn m0_decomposes_by_area() {
        let groups = vec![
            (
                "甲村".to_owned(),
                vec![dep([true, true, false, true]), dep([false; 4])],
            ),
            (
                "乙村".to_owned(),
                vec![
                    dep([true, false, true, false]),
                    dep([false, false, false, true]),
                    dep([true; 4]),
                ],
            ),
        ];
        let (total, parts) = decompose_mpi(&groups, &spec()).unwrap();
        close(
            parts.iter().map(|g| g.population_share * g.mpi.m0).sum(),
            total.m0,
        );
        close(parts.iter().map(|g| g.contribution).sum(), 1.0);
    }

    #[test]
    fn bad_mpi_specs_are_refused() {
        let mut s = spec();
        s.indicators[0].1 = 0.5;
        assert!(matches!(mpi(&[], &s), Err(MpiError::Weights(_))));
        let s = MpiSpec { k: 0.0, ..spec() };
        assert!(matches!(mpi(&[], &s), Err(MpiError::Cutoff(_))));
        assert!(matches!(
            mpi(
                &[Deprivations {
                    weight: 1.0,
                    deprived: vec![true]
                }],
                &spec()
            ),
            Err(MpiError::Width { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn decomposition_holds_for_any_split(
            incomes in proptest::collection::vec(-1000.0f64..20000.0, 1..60),
            cut in 0usize..60,
            z in 100.0f64..10000.0,
        ) {
            let obs = unit(&incomes);
            let cut = cut.min(obs.len());
            let groups = vec![("a".to_owned(), obs[..cut].to_vec()), ("b".to_owned(), obs[cut..].to_vec())];
            let d = decompose(&groups, z);
            let weighted: f64 = d.groups.iter().filter(|g| g.measures.population > 0.0).map(|g| g.population_share * g.measures.gap).sum();
            proptest::prop_assert!((weighted - d.total.gap).abs() < 1e-9);
            let g = gini(&obs);
            proptest::prop_assert!(g.is_finite());
        }
    }
}
