//! Policy as data, and the rules that read it.
//!
//! - [`pack`]: policy packs in TOML (national default → province → city, most specific wins, per year),
//!   where every value carries its source and reliability; [`PolicyPack::check`] reports errors with line
//!   numbers and [`PolicyPack::effective`] gives the parameters in force with their provenance.
//! - [`rules`]: pure functions from a household's facts and the parameters to guarantees, proposals and
//!   their explanations (in Chinese and as structured data), plus the village and county exit tests.
//! - [`facts`]: the one way to build a household's facts for a date ([`OwnedFacts::build`]), which every
//!   evaluating path calls (engine, household page, workflow, dashboard, reports, export, what-if).
//!
//! No I/O: callers read files and hand their text in. Proposals are suggestions; decisions are status
//! events that people approve, and nothing here creates one.

pub mod facts;
pub mod pack;
pub mod reason;
pub mod rules;

pub use facts::{department_on, measures_counted, FactsSource, MeasureSpan, SideFacts};
pub use pack::{
    ComponentSet, EffectiveError, EffectiveParams, Entry, Layer, PackError, ParamKey, ParamKind,
    ParamValue, Params, PolicyPack, Provenance, Rate, Reliability,
};
pub use reason::{Note, Reason, Subject};
pub use rules::{
    assess, assess_with, county_exit, explain, flag, school_year_cutoff, village_exit, AreaCounts,
    AreaExit, Assessment, Comparison, DepartmentFacts, EliminationOutcome, Explanation, Guarantee,
    GuaranteeOutcome, HouseholdEvaluation, HouseholdFacts, HousingFacts, MemberFacts, Op,
    OwnedFacts, Proposal, ProposalKind, RegistryState, StatusFacts, WaterFacts,
};

#[cfg(test)]
mod rules_tests;
