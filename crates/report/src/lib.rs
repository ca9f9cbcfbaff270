//! Indicators, poverty measures and reports: what analysts, leaders and the county exit checks read.
//!
//! [`measures`] holds the income-poverty measures (FGT, Watts, Gini, Sen) and the Alkire–Foster
//! multidimensional measure, with their decompositions by area. They are plain functions over weighted
//! observations, so the engine's rollups and the reports compute them the same way.

pub mod measures;
