//! Data-quality checks over the registry and comparison with other departments' lists.
//!
//! - [`checks`]: the checks of `jingzhun check`, each with a code, a Chinese description and a fix hint,
//!   declared once in [`checks::CHECKS`]; findings name the household, the member (by position, never by
//!   full resident ID) and the village.
//! - [`summary`]: findings counted by area (village, township, county) and check, and the downloadable list.
//! - [`department`]: department lists keyed by resident ID (medical costs, new 低保/特困, deaths, dropouts,
//!   disability, unemployment, accidents, disasters, housing appraisals; cars, businesses, property, public
//!   employees) matched to members and turned into monitoring leads (channel 部门筛查预警) or exclusion
//!   warnings for reviewers, with the unmatched IDs reported.
//!
//! Everything here is pure except the file readers and writers, which go through `jingzhun-io`.

pub mod checks;
pub mod department;
pub mod summary;

pub use checks::{run_checks, Check, CheckInput, CheckParams, Finding, CHECKS};
pub use department::{
    compare, read_department_list, write_comparison, Comparison, DepartmentKind, DepartmentList,
    DepartmentRecord, DepartmentThresholds, ExclusionWarning, Lead, Unmatched,
};
pub use summary::{summarize, write_findings, AreaCount};
