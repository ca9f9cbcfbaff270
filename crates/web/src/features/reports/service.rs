//! Downloads for the caller's area: the standard indicator tables (XLSX) and the annual review (HTML or
//! Markdown) built by `jingzhun_loader` from the registry (the same code as `jingzhun report tables` and
//! `jingzhun report annual`), and the household list in the import layout (XLSX or CSV via
//! `jingzhun_io::export`).
//!
//! * **Scope**: everything is built from the households within the account's own area (the loader scans
//!   only that area), so a township account's report holds its township and nothing else.
//! * **Reuse**: building a report needs the engine over the area's households for every year since 2013
//!   (cumulative exits, the yearly summary). The loaded and evaluated area ([`ReportData`]) is kept in a
//!   small [`ReportCache`] per area and year, so the tables and the review of one area share one load, and
//!   repeated downloads do not load again while the registry is unchanged (backend generation) and the
//!   entry is younger than [`REPORT_TTL`].
//! * **Personal data**: the reports hold aggregates only. The household export masks resident IDs and
//!   phone numbers unless the role may see them (`Action::ViewPersonalData`: never the analyst), and every
//!   export writes an audit entry (who, which area, which format, masked or not, how many rows).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use jingzhun_core::AreaCode;
use jingzhun_io::{ExportOptions, ExportRecord};
use jingzhun_loader::{LoadError, ReportData, Silent, FIRST_YEAR};
use jingzhun_policy::PolicyPack;

use crate::access::{allows, Action, Scope};
use crate::data::{AuditNote, Backend};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// How long a loaded area is reused.
pub const REPORT_TTL: Duration = Duration::from_secs(10 * 60);
/// Loaded areas kept at most (each holds an engine over its households).
pub const REPORT_CACHE_ENTRIES: usize = 2;
/// Audit entity of household exports (entity id: the area).
pub const EXPORT_ENTITY: &str = "household_export";

pub use crate::http::download::Download;

/// A loaded area: the backend generation it was loaded at, when, and the data.
type Cached = (u64, Instant, Arc<ReportData>);

/// Loaded areas, by area and year (see the module docs).
#[derive(Default)]
pub struct ReportCache {
    entries: Mutex<HashMap<(AreaCode, u16), Cached>>,
}

impl ReportCache {
    fn get(&self, area: AreaCode, year: u16, generation: u64) -> Option<Arc<ReportData>> {
        let e = self.entries.lock().ok()?;
        let (g, at, data) = e.get(&(area, year))?;
        (*g == generation && at.elapsed() < REPORT_TTL).then(|| Arc::clone(data))
    }

    fn put(&self, area: AreaCode, year: u16, generation: u64, data: Arc<ReportData>) {
        if let Ok(mut e) = self.entries.lock() {
            e.retain(|_, (g, at, _)| *g == generation && at.elapsed() < REPORT_TTL);
            while e.len() >= REPORT_CACHE_ENTRIES {
                let Some(oldest) = e.iter().min_by_key(|(_, (_, at, _))| *at).map(|(k, _)| *k)
                else {
                    break;
                };
                e.remove(&oldest);
            }
            e.insert((area, year), (generation, Instant::now(), data));
        }
    }
}

/// The year of a report: the one asked for, or the latest complete year. Years before the registry or
/// after the current one are a bad request.
pub fn report_year(asked: Option<u16>, today: NaiveDate) -> Result<u16, AppError> {
    let current = u16::try_from(today.year()).unwrap_or(u16::MAX);
    let year = asked.unwrap_or_else(|| current.saturating_sub(1));
    if year < FIRST_YEAR || year > current {
        return Err(AppError::BadRequest);
    }
    Ok(year)
}

fn load_error(e: LoadError) -> AppError {
    tracing::error!(error = %e, "building a report failed");
    match e {
        LoadError::NoResults | LoadError::NoHistory | LoadError::UnknownArea(_) => {
            AppError::NotFound
        }
        _ => AppError::Internal,
    }
}

/// The caller's area loaded and evaluated for `year` with its history, from the cache when fresh.
fn loaded(
    backend: &dyn Backend,
    scope: &Scope,
    year: u16,
    pack: &PolicyPack,
    cache: &ReportCache,
) -> Result<Arc<ReportData>, AppError> {
    let area = scope.area();
    let generation = backend.generation();
    if let Some(d) = cache.get(area, year, generation) {
        return Ok(d);
    }
    let store = backend.report_store().ok_or_else(|| {
        tracing::error!("reports need a store-backed backend");
        AppError::Internal
    })?;
    let data =
        ReportData::load(&store, &area, year, None, true, pack, &mut Silent).map_err(load_error)?;
    let data = Arc::new(data);
    cache.put(area, year, generation, Arc::clone(&data));
    Ok(data)
}

fn area_label(backend: &dyn Backend, area: &AreaCode) -> String {
    backend
        .area(area)
        .map(|a| format!("{}{}", a.name, a.code))
        .unwrap_or_else(|_| area.to_string())
}

/// The standard indicator tables of the caller's area for `year` (XLSX: one sheet per level down to
/// villages, with notes and sources).
pub fn tables(
    backend: &dyn Backend,
    scope: &Scope,
    year: u16,
    pack: &PolicyPack,
    cache: &ReportCache,
) -> Result<Download, AppError> {
    let data = loaded(backend, scope, year, pack, cache)?;
    let bytes = data.tables_workbook().map_err(load_error)?;
    Ok(Download {
        bytes,
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename: format!(
            "{}_{year}年_标准报表.xlsx",
            area_label(backend, &scope.area())
        ),
    })
}

/// Formats of the annual review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewFormat {
    Html,
    Markdown,
}

impl ReviewFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "" | "html" => Some(Self::Html),
            "md" | "markdown" => Some(Self::Markdown),
            _ => None,
        }
    }
}

/// The annual review of the caller's area for `year`.
pub fn annual(
    backend: &dyn Backend,
    scope: &Scope,
    year: u16,
    format: ReviewFormat,
    pack: &PolicyPack,
    cache: &ReportCache,
) -> Result<Download, AppError> {
    let data = loaded(backend, scope, year, pack, cache)?;
    let doc = data.annual_review().map_err(load_error)?;
    let base = format!("{}_{year}年_年度报告", area_label(backend, &scope.area()));
    Ok(match format {
        ReviewFormat::Html => Download {
            bytes: doc.html().into_bytes(),
            content_type: "text/html; charset=utf-8",
            filename: format!("{base}.html"),
        },
        ReviewFormat::Markdown => Download {
            bytes: doc.markdown().into_bytes(),
            content_type: "text/markdown; charset=utf-8",
            filename: format!("{base}.md"),
        },
    })
}

/// Formats of the household export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "" | "xlsx" => Some(Self::Xlsx),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }
}

/// Whether the caller's exports show resident IDs and phone numbers in full.
pub fn exports_full_identity(user: &CurrentUser) -> bool {
    allows(user.account.role, Action::ViewPersonalData)
}

/// Every current household of the caller's area in the import layout (one row per member), with the
/// incomes of `income_year`; identity data masked unless the role may see it. Audited.
pub fn households(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    format: ExportFormat,
    income_year: u16,
) -> Result<Download, AppError> {
    let area = scope.area();
    let mut rows = Vec::new();
    backend.each_household_for_report(&area, &mut |r| rows.push(r))?;
    rows.sort_by(|a, b| {
        (a.household.village, a.household.number.as_str())
            .cmp(&(b.household.village, b.household.number.as_str()))
    });
    let records: Vec<ExportRecord<'_>> = rows
        .iter()
        .map(|r| ExportRecord {
            household: &r.household,
            events: &r.events,
        })
        .collect();
    let mask = !exports_full_identity(user);
    let options = ExportOptions {
        income_year: Some(income_year),
        mask,
        area: Some(area),
        rows_per_sheet: None,
    };
    let internal = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "household export failed");
        AppError::Internal
    };
    let (bytes, members) = match format {
        ExportFormat::Csv => {
            let mut out = Vec::new();
            let n =
                jingzhun_io::export_csv(&mut out, &records, &options).map_err(|e| internal(&e))?;
            (out, n)
        }
        ExportFormat::Xlsx => {
            // The XLSX writer streams to a file (constant memory): a private temporary one, read back.
            let path = std::env::temp_dir().join(format!(
                "jingzhun-export-{}.xlsx",
                crate::http::auth::random_hex(16)
            ));
            let written = jingzhun_io::export_xlsx(&path, &records, &options);
            let bytes = std::fs::read(&path);
            let _ = std::fs::remove_file(&path);
            let n = written.map_err(|e| internal(&e))?;
            (bytes.map_err(|e| internal(&e))?, n)
        }
    };
    let note = AuditNote {
        actor: &user.account.username,
        action: "export.households",
        entity: EXPORT_ENTITY,
        entity_id: area.as_str(),
        reason: if mask {
            "导出农户清单（证件号码、电话已遮蔽，不含健康与残疾信息）"
        } else {
            "导出农户清单(含完整证件号码、电话)"
        },
        detail: serde_json::json!({
            "format": format.code(),
            "masked": mask,
            "households": records.len(),
            "members": members,
            "income_year": income_year,
        }),
    };
    // An export that cannot be audited is not handed out.
    backend.append_audit(&note)?;
    Ok(Download {
        bytes,
        content_type: match format {
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Csv => "text/csv; charset=utf-8",
        },
        filename: format!(
            "{}_农户清单{}.{}",
            area_label(backend, &area),
            if mask { "_遮蔽" } else { "" },
            format.code()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_years_are_bounded() {
        let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        assert_eq!(report_year(None, today), Ok(2024));
        assert_eq!(report_year(Some(2013), today), Ok(2013));
        assert_eq!(report_year(Some(2012), today), Err(AppError::BadRequest));
        assert_eq!(report_year(Some(2026), today), Err(AppError::BadRequest));
    }

    #[test]
    fn formats_parse() {
        assert_eq!(ExportFormat::parse("csv"), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse(""), Some(ExportFormat::Xlsx));
        assert_eq!(ExportFormat::parse("pdf"), None);
        assert_eq!(ReviewFormat::parse("md"), Some(ReviewFormat::Markdown));
        assert_eq!(ReviewFormat::parse("docx"), None);
    }
}
