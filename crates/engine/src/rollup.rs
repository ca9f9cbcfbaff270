//! Counts per area, added up the tree (village → township → county → city → province).
//!
//! A household contributes to its village's [`Rollup`] and, through propagation, to every ancestor.
//! Contributions are signed so that an incremental update subtracts the old and adds the new.

use jingzhun_core::{MonitoringKind, Yuan};
use jingzhun_policy::{flag, AreaCounts, Assessment, Guarantee, ProposalKind, Rate, RegistryState};
use serde::{Deserialize, Serialize};

use crate::columns::RegistryFacts;

macro_rules! rollup {
    (
        scalars { $($(#[$sm:meta])* $s:ident),+ $(,)? }
        arrays { $($(#[$am:meta])* $a:ident : $n:expr => $names:expr),+ $(,)? }
    ) => {
        /// The counts of one area. Households and people are those of the registry held by the engine.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct Rollup {
            $($(#[$sm])* pub $s: i64,)+
            $($(#[$am])* pub $a: [i64; $n],)+
        }

        impl Rollup {
            pub fn add(&mut self, o: &Rollup) {
                $(self.$s += o.$s;)+
                $(for i in 0..$n { self.$a[i] += o.$a[i]; })+
            }

            pub fn sub(&mut self, o: &Rollup) {
                $(self.$s -= o.$s;)+
                $(for i in 0..$n { self.$a[i] -= o.$a[i]; })+
            }

            /// Every count with a stable name (`households`, `proposals.omission_suspect`, …).
            pub fn fields(&self) -> Vec<(String, i64)> {
                let mut v = vec![$((stringify!($s).to_owned(), self.$s)),+];
                $(for (i, name) in $names.iter().enumerate() {
                    v.push((format!("{}.{}", stringify!($a), name), self.$a[i]));
                })+
                v
            }
        }
    };
}

fn proposal_names() -> Vec<&'static str> {
    ProposalKind::ALL.iter().map(|k| k.code()).collect()
}
fn monitoring_names() -> Vec<&'static str> {
    MonitoringKind::ALL.iter().map(|k| k.code()).collect()
}
fn guarantee_names() -> Vec<&'static str> {
    Guarantee::ALL.iter().map(|k| k.code()).collect()
}

rollup! {
    scalars {
        households,
        people,
        /// People in households whose income of the year is recorded.
        income_known_people,
        /// Σ per-capita income × household size, in fen (for the mean per-capita income).
        income_sum_fen,
        /// Registered poor (建档立卡贫困户, not exited) households and people.
        poor_households,
        poor_people,
        exited_households,
        exited_people,
        /// Households whose exit took effect in the evaluated year, and their people.
        exited_in_year_households,
        exited_in_year_people,
        removed_households,
        non_registered_people,
        monitored_people,
        below_line_people,
        below_monitoring_people,
        no_labour_households,
        /// Households on which a department-alert rule fired (medical, education, disaster, accident, job
        /// loss), from the dated department findings.
        alert_households,
        /// Households ever registered as poor up to the evaluation date (including those since exited).
        ever_registered_households,
        ever_registered_people,
        /// People of ever-registered households whose income of the year is recorded, and Σ per-capita
        /// income × household size over them, in fen (for the registered poor's mean income).
        ever_registered_income_people,
        ever_registered_income_sum_fen,
        /// Relocated (易地扶贫搬迁) in or before the evaluated year.
        relocated_households,
        relocated_people,
        /// 低保 and 特困 recipients, and the 低保 recipients of ever-registered households.
        dibao_people,
        dibao_ever_registered_people,
        tekun_people,
        /// Households whose risk was eliminated at some time up to the evaluation date, and their people.
        risk_eliminated_households,
        risk_eliminated_people,
    }
    arrays {
        /// Households under monitoring, by kind (decisions).
        monitored_households: 3 => monitoring_names(),
        /// Households with each proposal.
        proposals: 8 => proposal_names(),
        /// People in households with each proposal.
        proposal_people: 8 => proposal_names(),
        /// Monitoring proposals by proposed kind.
        proposed_monitoring: 3 => monitoring_names(),
        /// Households failing each guarantee.
        guarantee_failures: 5 => guarantee_names(),
    }
}

impl Rollup {
    /// 贫困发生率: registered poor people ÷ population.
    pub fn incidence(&self) -> Option<Rate> {
        Rate::of(self.poor_people.max(0) as u64, self.people.max(0) as u64)
    }

    /// Mean per-capita net income, weighting households by size.
    pub fn mean_per_capita_income(&self) -> Option<Yuan> {
        (self.income_known_people > 0)
            .then(|| Yuan::from_fen(self.income_sum_fen / self.income_known_people))
    }

    pub fn proposals_of(&self, kind: ProposalKind) -> i64 {
        self.proposals[usize::from(kind.index())]
    }

    /// The counts the village and county exit rules read.
    pub fn area_counts(&self) -> AreaCounts {
        let u = |x: i64| x.max(0) as u64;
        AreaCounts {
            population: u(self.people),
            poor_people: u(self.poor_people),
            exited_people: u(self.exited_people),
            wrong_exit_people: u(
                self.proposal_people[usize::from(ProposalKind::WrongExitSuspect.index())]
            ),
            non_registered_people: u(self.non_registered_people),
            omission_people: u(
                self.proposal_people[usize::from(ProposalKind::OmissionSuspect.index())]
            ),
            approval: None,
        }
    }
}

/// What one household adds to its areas' counts (`sign` = 1) or takes away (`sign` = -1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct HouseholdKey {
    pub size: i64,
    pub facts: RegistryFacts,
    pub registry: RegistryState,
    pub exited_in_year: bool,
    pub monitoring: Option<MonitoringKind>,
}

#[inline]
pub(crate) fn contribute(r: &mut Rollup, h: &HouseholdKey, a: &Assessment, sign: i64) {
    let size = h.size * sign;
    r.households += sign;
    r.people += size;
    if a.has(flag::INCOME_KNOWN) {
        r.income_known_people += size;
        r.income_sum_fen += a.per_capita_fen * size;
    }
    match h.registry {
        RegistryState::NotRegistered => r.non_registered_people += size,
        RegistryState::Poor => {
            r.poor_households += sign;
            r.poor_people += size;
        }
        RegistryState::Exited => {
            r.exited_households += sign;
            r.exited_people += size;
            if h.exited_in_year {
                r.exited_in_year_households += sign;
                r.exited_in_year_people += size;
            }
        }
        RegistryState::Removed => r.removed_households += sign,
    }
    if let Some(k) = h.monitoring {
        r.monitored_households[usize::from(k.index())] += sign;
        r.monitored_people += size;
    }
    let f = &h.facts;
    if f.ever_registered {
        r.ever_registered_households += sign;
        r.ever_registered_people += size;
        if a.has(flag::INCOME_KNOWN) {
            r.ever_registered_income_people += size;
            r.ever_registered_income_sum_fen += a.per_capita_fen * size;
        }
        r.dibao_ever_registered_people += i64::from(f.dibao_members) * sign;
    }
    if f.relocated {
        r.relocated_households += sign;
        r.relocated_people += size;
    }
    r.dibao_people += i64::from(f.dibao_members) * sign;
    r.tekun_people += i64::from(f.tekun_members) * sign;
    if f.risk_eliminated {
        r.risk_eliminated_households += sign;
        r.risk_eliminated_people += size;
    }
    if a.has(flag::BELOW_LINE) {
        r.below_line_people += size;
    }
    if a.has(flag::BELOW_MONITORING) {
        r.below_monitoring_people += size;
    }
    if a.has(flag::NO_LABOUR) {
        r.no_labour_households += sign;
    }
    if a.has(flag::ALERT) {
        r.alert_households += sign;
    }
    let proposals = a.flags >> 16;
    if proposals != 0 {
        for i in 0..ProposalKind::ALL.len() {
            if proposals & (1 << i) != 0 {
                r.proposals[i] += sign;
                r.proposal_people[i] += size;
            }
        }
        if let Some(k) = a.monitoring_kind {
            r.proposed_monitoring[usize::from(k.index())] += sign;
        }
    }
    let failures = (a.flags >> 8) & 0x1f;
    if failures != 0 {
        for i in 0..5 {
            if failures & (1 << i) != 0 {
                r.guarantee_failures[i] += sign;
            }
        }
    }
}
