//! Features of the web application, each in its own folder (handlers, service, templates).

pub mod security;
