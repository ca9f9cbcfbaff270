//! Features in their own folders (mod.rs + handlers + service, templates under `templates/<feature>/`),
//! on the shared HTTP infrastructure: auth, sessions, CSRF, errors, `access::allows` and `Scope`.

pub mod projects;
