//! Synthetic registries generated directly in columnar form, for benchmarks and tests.
//!
//! Not the project's data generator (that is `crates/synth`): a seeded, dependency-free generator whose
//! only purpose is realistic-enough shapes and proportions for timing the engine. Areas: province 51,
//! 500 households per village, 20 villages per township, 20 townships per county, 10 counties per city.

use chrono::NaiveDate;
use jingzhun_core::{
    AreaCode, Health, HouseholdId, HousingGrade, IncomeComponent, LabourAbility, MonitoringKind,
    SchoolingStatus,
};
use jingzhun_policy::{
    DepartmentFacts, HousingFacts, MemberFacts, RegistryState, StatusFacts, WaterFacts,
};

use crate::{AreaIndex, Columns, CompactHousehold, Engine};

/// SplitMix64: small, fast, good enough for synthetic data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

pub const HOUSEHOLDS_PER_VILLAGE: usize = 500;

/// The village code of village number `v` (0-based) in the synthetic tree.
pub fn village_code(v: usize) -> AreaCode {
    let township = v / 20;
    let county = township / 20;
    let city = county / 10;
    let text = format!(
        "51{:02}{:02}{:03}{:03}",
        city + 1,
        county % 10 + 1,
        township % 20 + 1,
        v % 20 + 1
    );
    AreaCode::parse(&text).unwrap_or_else(|_| unreachable!("always 12 digits of province 51"))
}

/// Fills `h` with household number `i`, drawn from `rng`. Reuses `h.members`' allocation.
pub fn household(rng: &mut Rng, i: u64, area: u32, year: u16, h: &mut CompactHousehold) {
    h.id = HouseholdId(i as i64 + 1);
    h.area = area;
    h.members.clear();
    let size = 1 + rng.below(3) + rng.below(3); // 1–5, mean 3
    for k in 0..size {
        let child = k >= 2 && rng.chance(600);
        let age = if child {
            rng.below(18) as u8
        } else {
            20 + rng.below(60) as u8
        };
        // Born evenly over the year: about a third have their birthday between the cutoff and year end.
        let school_age = if age > 0 && rng.chance(333) {
            age - 1
        } else {
            age
        };
        let schooling = if (6..=15).contains(&school_age) {
            Some(if rng.chance(10) {
                SchoolingStatus::Dropout
            } else if rng.chance(5) {
                SchoolingStatus::SuspendedIllness
            } else if age < 12 {
                SchoolingStatus::Primary
            } else {
                SchoolingStatus::Junior
            })
        } else {
            None
        };
        let health = match rng.below(100) {
            0..=84 => Health::Healthy,
            85..=93 => Health::Chronic,
            94..=96 => Health::SeriousIllness,
            _ => Health::Disabled,
        };
        let labour = if child || age < 16 {
            None
        } else if age > 70 || health == Health::Disabled {
            Some(LabourAbility::Lost)
        } else if rng.chance(150) {
            Some(LabourAbility::Weak)
        } else {
            Some(LabourAbility::Ordinary)
        };
        h.members.push(MemberFacts {
            age,
            // Born evenly over the year: a third have their birthday between the cutoff and year end.
            school_age: if age > 0 && rng.chance(333) {
                age - 1
            } else {
                age
            },
            schooling,
            education: None,
            health,
            labour,
            medical_insurance: !rng.chance(8),
        });
    }
    // Per-capita income: a skewed draw, mostly 4,000–30,000 yuan, a tail below the lines.
    let pc_yuan = 2_000 + rng.below(8_000) + rng.below(8_000) + rng.below(16_000);
    let total_fen = (pc_yuan * size * 100) as i64;
    let mut income = [0i32; IncomeComponent::COUNT];
    let wages = total_fen * (40 + rng.below(40) as i64) / 100;
    let transfers = total_fen / 10;
    let business = total_fen - wages - transfers;
    let costs = business / 4;
    let put = |inc: &mut [i32; IncomeComponent::COUNT], c: IncomeComponent, fen: i64| {
        inc[usize::from(c.index())] = fen.clamp(0, i64::from(i32::MAX)) as i32;
    };
    put(&mut income, IncomeComponent::Wages, wages);
    put(&mut income, IncomeComponent::Business, business + costs);
    put(&mut income, IncomeComponent::Pension, transfers / 2);
    put(
        &mut income,
        IncomeComponent::OtherTransfer,
        transfers - transfers / 2,
    );
    put(&mut income, IncomeComponent::ProductionCosts, costs);
    h.income = if rng.chance(5) { None } else { Some(income) };
    h.food_clothing = !rng.chance(3);
    h.housing = HousingFacts {
        grade: Some(match rng.below(100) {
            0..=59 => HousingGrade::A,
            60..=97 => HousingGrade::B,
            98 => HousingGrade::C,
            _ => HousingGrade::D,
        }),
        alternative: None,
        relocated: rng.chance(20),
    };
    h.water = WaterFacts {
        litres_per_person_day: Some(30 + rng.below(60) as u16),
        fetch_minutes: if rng.chance(100) {
            Some(5 + rng.below(20) as u16)
        } else {
            None
        },
        outage_days_per_year: Some(rng.below(30) as u16),
        quality_ok: Some(!rng.chance(10)),
        dry_area: rng.chance(50),
    };
    let day = |y: i32, d: u64| NaiveDate::from_yo_opt(y, 1 + d as u32);
    let roll = rng.below(1000);
    h.status = if roll < 150 {
        let exit_year = 2014 + rng.below(7) as i32;
        let monitored = i32::from(year) >= 2020 && rng.chance(120);
        StatusFacts {
            registry: RegistryState::Exited,
            registry_since: day(exit_year, rng.below(360)),
            monitoring: monitored.then_some(MonitoringKind::Unstable),
            monitored_since: if monitored {
                day(i32::from(year), rng.below(300))
            } else {
                None
            },
        }
    } else if roll < 160 && year <= 2020 {
        StatusFacts {
            registry: RegistryState::Poor,
            registry_since: day(2014, rng.below(360)),
            monitoring: None,
            monitored_since: None,
        }
    } else if roll < 180 && year >= 2020 {
        StatusFacts {
            registry: RegistryState::NotRegistered,
            registry_since: None,
            monitoring: Some(MonitoringKind::Marginal),
            monitored_since: day(i32::from(year) - 1, rng.below(360)),
        }
    } else {
        StatusFacts::NOT_REGISTERED
    };
    h.department = DepartmentFacts::NONE;
    if h.status.monitoring.is_some() {
        h.department.measures = rng.below(3) as u16;
    }
    if rng.chance(5) {
        h.department.medical_inpatient_oop =
            jingzhun_core::Yuan::from_yuan(rng.below(40_000) as i64);
    }
}

/// An engine holding `households` synthetic households (about 3 members each).
pub fn engine(households: usize, seed: u64, year: u16, as_of: NaiveDate) -> Engine {
    let villages = households.div_ceil(HOUSEHOLDS_PER_VILLAGE).max(1);
    let mut areas = AreaIndex::default();
    let village_index: Vec<u32> = (0..villages)
        .map(|v| areas.intern(village_code(v)))
        .collect();
    let mut cols = Columns::with_capacity(households, households * 3 + households / 10);
    let mut rng = Rng::new(seed);
    let mut h = CompactHousehold {
        id: HouseholdId(0),
        area: 0,
        members: Vec::with_capacity(8),
        income: None,
        food_clothing: true,
        housing: HousingFacts::default(),
        water: WaterFacts::default(),
        status: StatusFacts::NOT_REGISTERED,
        department: DepartmentFacts::NONE,
        registry: Default::default(),
    };
    for i in 0..households {
        household(
            &mut rng,
            i as u64,
            village_index[i / HOUSEHOLDS_PER_VILLAGE],
            year,
            &mut h,
        );
        cols.put(&h);
    }
    Engine::from_compact(areas, cols, year, as_of)
}
