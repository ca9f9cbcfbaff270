//! The monitoring workflow as the policy runs it (issue 13 §2, §3).
//!
//! - **Village review** (村级民主评议): one meeting reviews several households of a village; it records
//!   its date and participants, every household's village-review step, and ONE notice (公示) listing the
//!   households that passed, printable with its period, the complaint phone, the date and room for the
//!   seal. The period is the policy pack's `notice_days`; the township cannot review a case before the
//!   notice has ended, nor while an objection naming it is unresolved (refused with the reason: 409, 422 on
//!   forms that come back with it). Objections are recorded with who, when, what and how resolved.
//! - **Decision notice** (告知书) to the household of a closed case, and the household's **明白卡**
//!   (its standing, the measures it receives, its cadres and their phones).
//! - **Inboxes**: filters (step, area, kind, near or past the time limit, mine), sort, the "待我办理" count
//!   in the navigation (`GET /api/v1/cases/todo`, read by `assets/nav.js`), batch township review and
//!   county approval (each household's facts and the engine's explanation beside it, each confirmed on its
//!   own row, each decision its own audited step), and the XLSX export of the list for the same filters
//!   (`POST /cases/export` is the exports feature's handler `inbox`: the one list export, audited,
//!   streamed, risk types only for roles that see personal data).
//!
//! Steps are recorded by [`cases::record_step`] (pages, API and batches alike); the store writes a village
//! review in one transaction and refuses an early township review itself, whoever writes.
//!
//! * [`workflow`]: the steps, their order, roles and time limit (pure).
//! * [`cases`]: the cases on the store's case tables — read by id, household or area, never all at once —,
//!   leads (from people and from other departments), steps, and risk elimination's conditions.
//! * [`case_handlers`] (a case and its step forms) and [`api`] (the same as JSON, and leads).
//! * [`service`] and [`handlers`]: inboxes, village reviews with their notice, objections, batches, the
//!   decision notice and the household card.
//! * [`templates`]: the case page.

pub mod api;
pub mod case_handlers;
pub mod cases;
pub mod handlers;
pub mod service;
pub mod templates;
pub mod workflow;
