//! The dashboard for action (§7 of issue 13): for the caller's area (or one below it), the rates
//! 监测对象占比, 帮扶措施覆盖率, 走访及时率, 风险消除率 and 逾期率 from the indicator catalogue over the
//! live evaluation ([`service`]), the child areas in a table sortable by each rate, and the open cases
//! waiting per step with those the caller's role records next (待我办理). The trends of monitored
//! households by kind over the years are the dashboard's own chart.
//!
//! Shown on the dashboard (`GET /` and `GET /areas/{code}`, `?sort=<rate>&desc=1`) once the live
//! registry is loaded (the page never waits for the load), and as JSON at `GET /api/v1/action`.

pub mod handlers;
pub mod service;
