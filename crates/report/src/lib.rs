//! Indicators, poverty measures and reports: what analysts, leaders and the county exit checks read.
//!
//! - [`measures`]: the income-poverty measures (FGT, Watts, Gini, Sen) and the Alkire–Foster
//!   multidimensional measure, with their decompositions by area — plain functions over weighted
//!   observations.
//! - [`indicators`]: the indicator catalogue (one place: code, names, definition, unit, what it counts)
//!   and its values for any areas side by side, from an evaluation.
//! - [`population`]: the measures of an area's population from an evaluation (income measures at a line,
//!   the guarantees' Alkire–Foster measure), decomposed by child areas.
//! - [`annual`]: the annual review in Chinese (Markdown, HTML with a print style sheet), with provenance.
//! - [`tables`]: the standard tables as XLSX, one sheet per level.
//! - [`summary`]: the city's headline figures for a year (the shape of Bazhong's published review), built
//!   from the engine's evaluations of consecutive years, and the published figures to compare them with.

pub mod annual;
pub mod economy;
pub mod indicators;
pub mod measures;
pub mod population;
pub mod projects;
pub mod summary;
pub mod tables;
pub mod warnings;
