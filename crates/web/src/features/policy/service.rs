//! The policy pack as the account's area sees it: every parameter in force for a year with its value,
//! source, reliability and derivation (read-only; the packs are data shipped with the program).

use jingzhun_core::AreaCode;
use jingzhun_policy::PolicyPack;
use serde::Serialize;

use crate::access::Scope;
use crate::data::Backend;
use crate::http::error::AppError;
use crate::http::page::Coded;

/// One parameter in force.
#[derive(Debug, Clone, Serialize)]
pub struct ParamRow {
    pub code: &'static str,
    pub label: &'static str,
    /// The value as shown, with its unit (`6,000 元`, `3%`, `是`).
    pub value: String,
    pub reliability: Coded,
    pub source: String,
    pub derivation: Option<String>,
    /// The layer (national, province, city…) the value comes from, its file and line.
    pub layer: String,
    pub file: String,
    pub line: usize,
    /// The years the entry covers, as written in the pack (`2021–2025`).
    pub years: String,
}

/// The parameters in force for an area and a year.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    pub year: u16,
    pub area: String,
    pub area_name: String,
    pub pack: String,
    /// Set when the pack has no parameters for the year.
    pub unavailable: Option<String>,
    pub params: Vec<ParamRow>,
}

/// The parameters in force in `year` for the scope's area.
pub fn policy(
    backend: &dyn Backend,
    scope: &Scope,
    pack: &PolicyPack,
    year: u16,
) -> Result<PolicyView, AppError> {
    let area: AreaCode = scope.area();
    let area_name = backend
        .area(&area)
        .map(|a| a.name)
        .unwrap_or_else(|_| area.as_str().to_owned());
    let mut view = PolicyView {
        year,
        area: area.as_str().to_owned(),
        area_name,
        pack: pack.version(),
        unavailable: None,
        params: Vec::new(),
    };
    match pack.effective(year, Some(&area)) {
        Ok(eff) => {
            view.params = eff
                .values
                .iter()
                .map(|(key, value, p)| {
                    let unit = match key.unit() {
                        "%" | "" => String::new(),
                        u => format!(" {u}"),
                    };
                    ParamRow {
                        code: key.code(),
                        label: key.label(),
                        value: format!("{value}{unit}"),
                        reliability: Coded {
                            code: p.reliability.code(),
                            label: p.reliability.label(),
                        },
                        source: p.source.clone(),
                        derivation: p.derivation.clone(),
                        layer: p.layer.clone(),
                        file: p.file.clone(),
                        line: p.line,
                        years: if p.years.0 == p.years.1 {
                            p.years.0.to_string()
                        } else {
                            format!("{}–{}", p.years.0, p.years.1)
                        },
                    }
                })
                .collect();
        }
        Err(e) => view.unavailable = Some(e.to_string()),
    }
    Ok(view)
}
