//! Importing the monitoring records a county already has (issue 13 §10) on the web: the lists the national
//! monitoring system exports (监测对象, 帮扶措施, 走访记录, 帮扶干部, 结对帮扶; layout in
//! `jingzhun_io::monitoring`), uploaded, checked and shown before anything is written, then confirmed.
//!
//! * `GET /import/monitoring`: the upload form and the template link.
//! * `POST /import/monitoring` (`multipart/form-data`): the file is read and every cell checked, then
//!   checked against the registry within the account's area (`jingzhun_io::monitoring::resolve`: the
//!   household stored and in the area, the kind fitting its standing, periods in order, cadres known), and
//!   the store is asked what the import would write, in a transaction rolled back. 200 with the counts and a
//!   confirmation form, or 422 with every problem (sheet, row, column, value, reason): nothing written.
//! * `POST /import/monitoring/confirm` (token, sha256): the previewed file, kept **server-side** under a
//!   random token with its SHA-256 for [`service::PENDING_TTL`] and owned by the account that uploaded
//!   it, is checked against the registry **again** (it may have changed since) and imported in one
//!   transaction (`Store::import_monitoring`, audited). 409 when the token is unknown, expired, another
//!   account's or the SHA-256 differs; 422 when the registry now refuses it. Nothing written unless 200.
//! * `GET /import/monitoring/template`: the empty template with its guide sheet.
//!
//! Access: `Action::ImportData`, everything within the account's area; the heavy-work limiter admits the
//! upload and the confirmation like the household import.

pub mod handlers;
pub mod service;
