//! The yearly income survey and member changes on the web (issue 13 §1).
//!
//! * **The village survey grid** (`GET|POST /survey?village=&year=`): one row per household of the
//!   village (current versions, by household number), the income items as columns (numeric inputs; Tab
//!   and Enter move between cells, `assets/survey.js`), each row's net and per-capita income under the
//!   policy of the year and village. A save is **all or nothing**: every cell is parsed
//!   (`core::survey::survey_amount`) and any bad one answers 422 with the grid as typed and one Chinese line
//!   per problem naming the row, the household, the column and the value; every row carries the version
//!   it was loaded at, and a household changed since answers 409 for that row (the row then shows the
//!   current data) with nothing written (`Store::save_survey`). Each changed row is a new household
//!   version, so the change feed, the audit log and the live engine (`features::live`, after every write)
//!   see it like any edit.
//! * **Member changes** (`GET /households/{id}/members`, `POST …/members/add`, `POST …/members/remove`):
//!   a member added (出生, 婚入, 合户迁入) or removed (死亡, 婚出, 分户迁出) as a dated new version with its
//!   reason (`Store::record_member_change`), field-level validation (the ID parsed, a newborn born within
//!   the year, the head replaced when the head leaves, never the last member), 409 on a stale version. A
//!   member's 户口 is recorded apart from membership (`core::survey::Hukou`): a member shares the
//!   household's income and spending (共享收支) wherever the 户口 is.
//! * **The import template** (`GET /import/template?village=&year=`): the import layout's exact columns
//!   and a guide sheet (`jingzhun_io::template`), filled with the village's households for roles that may
//!   see personal data (audited), blank otherwise; the household import reads it back.
//!
//! Access: the grid and member changes are `Action::EditHousehold` (village and township), the template
//! `Action::ImportData`; everything within the account's area (outside answers 404, audited).

pub mod handlers;
pub mod service;
