//! Domain types of jingzhun: the vocabulary every other crate speaks.
//!
//! Everything here parses rather than validates: a [`ResidentId`], an [`AreaCode`], a [`Yuan`] or a
//! [`HouseholdNo`] cannot hold an invalid value. This crate does no I/O.

pub mod area;
pub mod attachment;
pub mod codes;
pub mod department;
pub mod economy;
mod labels;
pub mod labels_en;
pub mod model;
pub mod money;
pub mod monitoring;
pub mod notice;
pub mod projects;
pub mod resident_id;
pub mod survey;
pub mod text;

pub use area::{
    Area, AreaChange, AreaChangeKind, AreaCode, AreaCodeError, AreaLevel, AreaTree, AreaTreeError,
    Settlement,
};
pub use codes::*;
pub use department::{DepartmentFact, DepartmentSignal};
pub use model::*;
pub use money::{Yuan, YuanParseError};
pub use resident_id::{ResidentId, ResidentIdError};
