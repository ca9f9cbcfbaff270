//! The area tree below the caller's area.

use jingzhun_core::AreaCode;
use serde::Serialize;

use crate::access::Scope;
use crate::data::Backend;
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// An area with its direct children.
#[derive(Debug, Clone, Serialize)]
pub struct AreaView {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub level_label: &'static str,
    /// The parent, when it is inside the caller's scope (for "up" links).
    pub parent: Option<String>,
    pub children: Vec<AreaLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaLine {
    pub code: String,
    pub name: String,
}

/// `code` (default: the scope's own area) and its children; outside the scope answers not found.
pub fn area(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    code: Option<AreaCode>,
) -> Result<AreaView, AppError> {
    let code = code.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &code, "area", code.as_str())?;
    let parent = code.parent().filter(|p| scope.contains(p));
    view(backend, code, parent)
}

/// `code` and its children, with `parent` as the link up (the caller decides whether it may follow it);
/// no admission check: for work done on nobody's behalf, such as the server's warm-up.
pub fn view(
    backend: &dyn Backend,
    code: AreaCode,
    parent: Option<AreaCode>,
) -> Result<AreaView, AppError> {
    let area = backend.area(&code)?;
    let children = backend
        .children(&code)?
        .into_iter()
        .map(|a| AreaLine {
            code: a.code.as_str().to_owned(),
            name: a.name,
        })
        .collect();
    let parent = parent.map(|p| p.as_str().to_owned());
    Ok(AreaView {
        code: code.as_str().to_owned(),
        name: area.name,
        level: code.level().code(),
        level_label: code.level().label(),
        parent,
        children,
    })
}
