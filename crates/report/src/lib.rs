//! Indicators, poverty measures and reports: what analysts, leaders and the county exit checks read.
//!
//! - [`measures`]: the income-poverty measures (FGT, Watts, Gini, Sen) and the Alkire–Foster
//!   multidimensional measure, with their decompositions by area — plain functions over weighted
//!   observations.
//! - [`summary`]: the city's headline figures for a year (the shape of Bazhong's published review), built
//!   from the engine's evaluations of consecutive years, and the published figures to compare them with.

pub mod measures;
pub mod summary;
