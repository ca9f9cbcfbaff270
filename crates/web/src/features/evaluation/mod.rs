//! One household's proposals, computed on request with the policy rules and explained
//! (`jingzhun_policy::explain`); the household page and API and the monitoring workflow's case view show
//! them. No routes of its own.

pub mod service;
