//! The logic of the monitoring-history import pages (see the module docs one level up).

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_io::monitoring::{read_monitoring, read_monitoring_csv, resolve, MonitoringFile};
use jingzhun_io::Problem;
use jingzhun_store::MonitoringImported;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::access::Scope;
use crate::data::{AccountId, Backend};
use crate::features::import::service::{ProblemView, PROBLEMS_SHOWN};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// How long a preview may be confirmed.
pub const PENDING_TTL: Duration = Duration::from_secs(30 * 60);
/// Previews kept at most (the oldest is dropped first).
const MAX_PENDING: usize = 8;

/// The counts of an import (what it would write, or wrote).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub decisions: usize,
    pub cadres: usize,
    pub assignments: usize,
    pub measures: usize,
    pub visits: usize,
    /// Records already stored (not written again).
    pub present: usize,
}

impl From<MonitoringImported> for Counts {
    fn from(o: MonitoringImported) -> Self {
        Self {
            decisions: o.decisions,
            cadres: o.cadres,
            assignments: o.assignments,
            measures: o.measures,
            visits: o.visits,
            present: o.present(),
        }
    }
}

/// The check of an uploaded file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file_name: String,
    pub sha256: String,
    /// What was read, one line.
    pub summary: String,
    /// Why the file could not be read at all.
    pub unreadable: Option<String>,
    pub problems: Vec<ProblemView>,
    pub problems_total: usize,
    /// Why the store refuses the records.
    pub refused: Option<String>,
    pub would: Option<Counts>,
    pub token: Option<String>,
}

/// A confirmed import.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub file_name: String,
    pub sha256: String,
    pub counts: Counts,
}

/// What a confirmation came to.
#[derive(Debug, Clone)]
pub enum Confirmed {
    Done(Done),
    /// Unknown, expired, another account's token, or another file: nothing written (an i18n key).
    Stale(&'static str),
    /// The registry refuses the records now: nothing written.
    Refused(Report),
}

struct Pending {
    token: String,
    account: AccountId,
    area: jingzhun_core::AreaCode,
    sha256: String,
    file: MonitoringFile,
    expires: DateTime<Utc>,
}

/// Previews waiting for confirmation, in this process.
fn pending() -> &'static Mutex<Vec<Pending>> {
    static PENDING: OnceLock<Mutex<Vec<Pending>>> = OnceLock::new();
    PENDING.get_or_init(|| Mutex::new(Vec::new()))
}

fn views(problems: &[Problem]) -> Vec<ProblemView> {
    problems
        .iter()
        .take(PROBLEMS_SHOWN)
        .map(|p| ProblemView {
            sheet: p.sheet.clone(),
            row: p.row,
            column: p.column.clone(),
            value: p.value.clone(),
            reason: p.reason.clone(),
        })
        .collect()
}

/// Reads the uploaded bytes: CSV in memory, a workbook through a temporary file (the reader streams
/// sheets from a file).
fn read(name: &str, bytes: &[u8]) -> Result<MonitoringFile, String> {
    let lower = name.to_lowercase();
    if lower.ends_with(".csv") || lower.ends_with(".txt") {
        return read_monitoring_csv(bytes, name).map_err(|e| e.to_string());
    }
    let ext = lower
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| ["xlsx", "xlsm", "xls", "ods"].contains(e))
        .unwrap_or("xlsx");
    let path = std::env::temp_dir().join(format!(
        "jingzhun-monitoring-{}.{ext}",
        crate::http::auth::random_hex(16)
    ));
    std::fs::write(&path, bytes).map_err(|e| format!("无法暂存上传的文件：{e}"))?;
    let read = read_monitoring(&path);
    let _ = std::fs::remove_file(&path);
    let mut file = read.map_err(|e| e.to_string().replace(&path.display().to_string(), name))?;
    file.source = name.to_owned();
    Ok(file)
}

/// Checks `file` against the registry within `scope` and asks the store what it would write (or writes
/// it, with `commit`).
#[allow(clippy::too_many_arguments)]
fn check(
    b: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    file: &MonitoringFile,
    sha256: &str,
    today: NaiveDate,
    commit: bool,
) -> Result<Report, AppError> {
    let mut report = Report {
        file_name: file.source.clone(),
        sha256: sha256.to_owned(),
        summary: file.summary(),
        unreadable: None,
        problems: Vec::new(),
        problems_total: 0,
        refused: None,
        would: None,
        token: None,
    };
    let households = b.registered_households(&file.household_numbers(), &scope.area())?;
    let cadres = b.cadres_within(&scope.area())?;
    let history = match resolve(file, &households, &scope.area(), &cadres, today) {
        Ok(h) => h,
        Err(problems) => {
            report.problems_total = problems.len();
            report.problems = views(&problems);
            return Ok(report);
        }
    };
    let reason = format!(
        "网页导入监测帮扶记录「{}」（SHA-256 {}）",
        file.source,
        &sha256[..sha256.len().min(16)]
    );
    match b.import_monitoring(
        &history,
        &scope.area(),
        &user.account.username,
        &reason,
        !commit,
    )? {
        Ok(out) => report.would = Some(out.into()),
        Err(why) => report.refused = Some(why),
    }
    Ok(report)
}

/// `POST /import/monitoring`: reads and checks an upload; nothing is written.
#[allow(clippy::too_many_arguments)]
pub fn preview(
    b: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    name: &str,
    bytes: Vec<u8>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Report, AppError> {
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let file = match read(name, &bytes) {
        Ok(f) => f,
        Err(why) => {
            return Ok(Report {
                file_name: name.to_owned(),
                sha256,
                summary: String::new(),
                unreadable: Some(why),
                problems: Vec::new(),
                problems_total: 0,
                refused: None,
                would: None,
                token: None,
            })
        }
    };
    let mut report = check(b, user, scope, &file, &sha256, today, false)?;
    if report.would.is_some() {
        let token = crate::http::auth::random_hex(32);
        let mut list = pending().lock().map_err(|_| AppError::Internal)?;
        list.retain(|p| p.expires > now);
        if list.len() >= MAX_PENDING {
            list.remove(0);
        }
        list.push(Pending {
            token: token.clone(),
            account: user.account.id,
            area: scope.area(),
            sha256: sha256.clone(),
            file,
            expires: now + chrono::Duration::from_std(PENDING_TTL).unwrap_or_default(),
        });
        report.token = Some(token);
    }
    Ok(report)
}

/// `POST /import/monitoring/confirm`: imports the kept preview, checked again against the registry.
pub fn confirm(
    b: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    token: &str,
    sha256: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Confirmed, AppError> {
    let taken = {
        let mut list = pending().lock().map_err(|_| AppError::Internal)?;
        list.retain(|p| p.expires > now);
        let at = list.iter().position(|p| {
            p.token == token && p.account == user.account.id && p.area == scope.area()
        });
        at.map(|i| list.remove(i))
    };
    let Some(p) = taken else {
        return Ok(Confirmed::Stale("import.stale_token"));
    };
    if p.sha256 != sha256 {
        return Ok(Confirmed::Stale("import.stale_file"));
    }
    let report = check(b, user, scope, &p.file, &p.sha256, today, true)?;
    match report.would {
        Some(counts) => Ok(Confirmed::Done(Done {
            file_name: report.file_name,
            sha256: report.sha256,
            counts,
        })),
        None => Ok(Confirmed::Refused(report)),
    }
}

/// `GET /import/monitoring/template`: the empty template.
pub fn template() -> Result<Vec<u8>, AppError> {
    jingzhun_io::monitoring::monitoring_template_xlsx().map_err(|_| AppError::Internal)
}
