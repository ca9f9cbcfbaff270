//! Features built as folders of their own (handlers, service, templates under `templates/<feature>/`) on
//! the shared HTTP infrastructure (auth, sessions, CSRF, errors, `access::allows`, `Scope`).

pub mod economy;
pub mod projects;
pub mod security;
