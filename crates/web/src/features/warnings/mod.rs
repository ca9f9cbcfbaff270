//! Warning lists (预警清单): for any area in the account's scope and a year, the households the rules flag
//! (monitoring candidates by kind and risk type, omission and wrong-exit suspects, suspected returns to
//! poverty, unmet guarantees, department alerts, households eligible for risk elimination) and the
//! monitoring work that waits (open cases near or past their time limit, measures about to end).
//!
//! Counts and rows come from the server's live evaluation ([`crate::features::live`]): the same outcomes
//! the rollups, the stored proposals and the Parquet export count. Counts by kind are shown with the child
//! areas side by side; the list filters by kind, township or village, risk type, income band and open case,
//! sorts and pages; the XLSX download is masked as the role requires and audited. A row's "登记风险线索"
//! opens the lead form filled from the proposal ([`service::lead_prefill`]). The village cadre's home page
//! shows what waits ([`service::waiting`]).
//!
//! Routes: `GET /warnings`, `GET /api/v1/warnings`, `POST /warnings/export` (see `routes::table`).

pub mod handlers;
pub mod service;
