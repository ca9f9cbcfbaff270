//! The rural economy pages (issue 14): `GET /economy` lists the industry bases, operators, products and
//! village collective accounts within the account's area for a year, with the area's economy figures;
//! `POST /economy/export` downloads them as the economy workbook (resident IDs masked, audited). The
//! household page shows the household's links with operators and its members' work
//! ([`service::household_view`]). Reads go through the store (`Backend::report_store`).

pub mod handlers;
pub mod service;
