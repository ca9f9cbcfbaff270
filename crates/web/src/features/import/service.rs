//! The spreadsheet import of the web application: upload → validation report → confirm → result.
//!
//! 1. [`preview`] reads the uploaded file with `jingzhun_io` (XLSX/XLS/ODS, or CSV in UTF-8, UTF-8 with BOM
//!    or GBK), checks every village against the division tree and the importer's [`Scope`], and, when
//!    nothing is wrong, asks the store what the import would do (new / changed / unchanged households) in a
//!    transaction that is rolled back. Nothing is written. A file with any bad cell, or with any household
//!    outside the importer's area (by the file's village, or because its number belongs to a stored
//!    household filed outside), is refused whole, with the rows named.
//! 2. A committable preview is kept **server-side** ([`PendingImports`]) under a random token, with the
//!    file's bytes, their SHA-256, the parsed batch and the store's basis (the current version of every
//!    stored household the batch matches). It belongs to the account that uploaded it and expires after
//!    [`PENDING_TTL`].
//! 3. [`confirm`] commits exactly the kept batch, after checking the token's owner, the SHA-256 the page
//!    showed and the kept bytes, in one transaction that first checks the basis
//!    (`Store::import_households_on_basis`): if a matched household was edited, or a number of the file
//!    created, since the preview, nothing is written and the user is asked to preview again. The store
//!    writes one audit entry per household changed; this service adds one for the import as a whole (file
//!    name, SHA-256, counts) and shows it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::{AreaCode, AreaLevel};
use jingzhun_io::{ImportBatch, ReadOptions};
use jingzhun_store::{ImportBasis, ImportOutcome, ImportedHousehold};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::access::Scope;
use crate::data::{AccountId, AuditNote, Backend, DataError};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// How long a preview may be confirmed.
pub const PENDING_TTL: Duration = Duration::from_secs(30 * 60);
/// Previews kept at most (the oldest is dropped first): each holds a file and its parsed households.
pub const MAX_PENDING: usize = 8;
/// Previews one account may have waiting: a new upload beyond it replaces that account's oldest.
pub const MAX_PENDING_PER_ACCOUNT: usize = 3;
/// Problems listed on the page (all are counted).
pub const PROBLEMS_SHOWN: usize = 500;
/// Audit entity of whole imports (entity id: the file's SHA-256).
pub const IMPORT_ENTITY: &str = "household_import";

/// One bad cell as the report lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProblemView {
    pub sheet: String,
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// A household of the file that lies outside the importer's area.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OutsideRow {
    pub sheet: String,
    pub row: usize,
    pub number: String,
    pub village: String,
}

/// What an import would do (or did).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub events_added: usize,
}

impl From<ImportOutcome> for Counts {
    fn from(o: ImportOutcome) -> Self {
        Self {
            created: o.created,
            updated: o.updated,
            unchanged: o.unchanged,
            events_added: o.events_added,
        }
    }
}

/// The validation report of an uploaded file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: usize,
    /// `UTF-8`, `UTF-8 (BOM)` or `GBK/GB18030` for CSV files.
    pub encoding: Option<&'static str>,
    pub sheets: usize,
    pub rows: usize,
    pub households: usize,
    pub members: usize,
    /// Headers the layout does not know (not imported), with their column letters.
    pub unknown_columns: Vec<String>,
    /// Why the file could not be read at all (no header, not a spreadsheet…).
    pub unreadable: Option<String>,
    pub problems: Vec<ProblemView>,
    pub problems_total: usize,
    pub outside: Vec<OutsideRow>,
    /// Why the registry refuses the batch (a resident ID of another household, …).
    pub refused: Option<String>,
    /// What the import would do, when the file may be imported.
    pub would: Option<Counts>,
    /// The token to confirm with, when the file may be imported.
    pub token: Option<String>,
    /// When the token expires (China time).
    pub expires: Option<String>,
}

impl ImportReport {
    /// Whether the file may be committed.
    pub fn committable(&self) -> bool {
        self.token.is_some()
    }
}

/// The result of a committed import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportDone {
    pub file_name: String,
    pub sha256: String,
    pub counts: Counts,
    /// The import's own audit entry: sequence number, time (China), actor, reason.
    pub audit_seq: Option<i64>,
    pub audit_at: Option<String>,
    pub audit_actor: String,
    pub audit_reason: String,
}

/// What a confirmation came to.
#[derive(Debug, Clone, Serialize)]
pub enum Confirmed {
    Done(ImportDone),
    /// The preview cannot be committed any more (unknown or expired token, another account's, a
    /// different file, or the store changed since): nothing was written.
    Stale(&'static str),
    /// The registry refused the batch at commit: nothing was written.
    Refused(String),
}

/// A preview waiting for its confirmation.
struct Pending {
    account: AccountId,
    scope: AreaCode,
    file_name: String,
    sha256: String,
    bytes: Vec<u8>,
    batch: Vec<ImportedHousehold>,
    basis: ImportBasis,
    effective: NaiveDate,
    created: DateTime<Utc>,
}

/// The previews waiting for confirmation, by token (in memory: a restart forgets them, and the user
/// uploads again).
#[derive(Default)]
pub struct PendingImports {
    entries: Mutex<HashMap<String, Pending>>,
}

impl PendingImports {
    fn put(&self, token: String, p: Pending, now: DateTime<Utc>) {
        if let Ok(mut e) = self.entries.lock() {
            e.retain(|_, v| !expired(v.created, now));
            // Per account first: one account's uploads make room among its own previews only, never by
            // dropping another account's.
            loop {
                let own: Vec<(&String, &Pending)> =
                    e.iter().filter(|(_, v)| v.account == p.account).collect();
                if own.len() < MAX_PENDING_PER_ACCOUNT {
                    break;
                }
                let Some(oldest) = own
                    .iter()
                    .min_by_key(|(_, v)| v.created)
                    .map(|(k, _)| (*k).clone())
                else {
                    break;
                };
                e.remove(&oldest);
            }
            while e.len() >= MAX_PENDING {
                let Some(oldest) = e
                    .iter()
                    .min_by_key(|(_, v)| v.created)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                e.remove(&oldest);
            }
            e.insert(token, p);
        }
    }

    fn take(&self, token: &str) -> Option<Pending> {
        self.entries.lock().ok()?.remove(token)
    }

    /// How many previews are waiting (for tests).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn expired(created: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created
        > chrono::Duration::from_std(PENDING_TTL).unwrap_or_else(|_| chrono::Duration::minutes(30))
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn china(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The file's extension, lowercased.
fn extension(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads the uploaded bytes as a household file; `Err` is the Chinese reason it cannot be read at all.
fn read(file_name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ImportBatch, String> {
    if bytes.is_empty() {
        return Err(format!("文件「{file_name}」是空的"));
    }
    match extension(file_name).as_str() {
        "csv" | "txt" => {
            jingzhun_io::read_households_csv(bytes, file_name, options).map_err(|e| e.to_string())
        }
        ext @ ("xlsx" | "xlsm" | "xls" | "ods") => {
            // calamine reads workbooks from files: the upload goes to a private temporary file, removed
            // after reading.
            let path = std::env::temp_dir().join(format!(
                "jingzhun-upload-{}.{ext}",
                crate::http::auth::random_hex(16)
            ));
            std::fs::write(&path, bytes).map_err(|e| format!("无法暂存上传的文件: {e}"))?;
            let result = jingzhun_io::read_households(&path, options);
            let _ = std::fs::remove_file(&path);
            let shown = path.display().to_string();
            match result {
                Ok(mut batch) => {
                    batch.source = file_name.to_owned();
                    Ok(batch)
                }
                Err(e) => Err(e.to_string().replace(&shown, file_name)),
            }
        }
        _ => Err(format!(
            "文件「{file_name}」不是支持的表格格式 (可用 .xlsx、.xls、.ods 或 .csv)"
        )),
    }
}

fn encoding_label(d: jingzhun_io::text_file::Detected) -> &'static str {
    use jingzhun_io::text_file::Detected;
    match d {
        Detected::Utf8 => "UTF-8",
        Detected::Utf8Bom => "UTF-8 (BOM)",
        Detected::Gb18030 => "GBK/GB18030",
    }
}

/// Villages of the batch that are not 12-digit villages of the division tree, as problems (like the
/// command-line import).
fn check_villages(backend: &dyn Backend, batch: &mut ImportBatch) -> Result<(), AppError> {
    let mut known: HashMap<AreaCode, bool> = HashMap::new();
    let mut problems = Vec::new();
    for p in &batch.households {
        let village = p.household.village;
        let exists = match known.get(&village) {
            Some(k) => *k,
            None => {
                let k = match backend.area(&village) {
                    Ok(_) => true,
                    Err(DataError::NotFound) => false,
                    Err(e) => return Err(e.into()),
                };
                known.insert(village, k);
                k
            }
        };
        let reason = if !exists {
            "行政区划代码不在库中的行政区划内, 请核对代码"
        } else if village.level() != AreaLevel::Village {
            "行政区划代码应为 12 位村(社区)级代码"
        } else {
            continue;
        };
        problems.push(jingzhun_io::Problem {
            sheet: p.sheet.clone(),
            row: p.row,
            column: "行政区划代码".to_owned(),
            value: village.to_string(),
            reason: reason.to_owned(),
        });
    }
    batch.problems.extend(problems);
    batch
        .problems
        .sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
    Ok(())
}

/// Reads and checks an uploaded file and, if it may be imported, keeps it for [`confirm`] (see the module
/// docs). Writes nothing to the registry.
#[allow(clippy::too_many_arguments)]
pub fn preview(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    pending: &PendingImports,
    file_name: &str,
    bytes: Vec<u8>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ImportReport, AppError> {
    let sha256 = sha256_hex(&bytes);
    let mut report = ImportReport {
        file_name: file_name.to_owned(),
        sha256: sha256.clone(),
        size_bytes: bytes.len(),
        encoding: None,
        sheets: 0,
        rows: 0,
        households: 0,
        members: 0,
        unknown_columns: Vec::new(),
        unreadable: None,
        problems: Vec::new(),
        problems_total: 0,
        outside: Vec::new(),
        refused: None,
        would: None,
        token: None,
        expires: None,
    };
    let mut batch = match read(file_name, &bytes, &ReadOptions::new(today)) {
        Ok(b) => b,
        Err(reason) => {
            report.unreadable = Some(reason);
            return Ok(report);
        }
    };
    check_villages(backend, &mut batch)?;
    report.encoding = batch.encoding.map(encoding_label);
    report.sheets = batch.counts.sheets;
    report.rows = batch.counts.rows;
    report.households = batch.counts.households;
    report.members = batch.counts.members;
    report.unknown_columns = batch
        .unknown_columns
        .iter()
        .map(|u| format!("{}({}列)", u.header, u.column))
        .collect();
    report.problems_total = batch.problems.len();
    report.problems = batch
        .problems
        .iter()
        .take(PROBLEMS_SHOWN)
        .map(|p| ProblemView {
            sheet: p.sheet.clone(),
            row: p.row,
            column: p.column.clone(),
            value: p.value.clone(),
            reason: p.reason.clone(),
        })
        .collect();
    report.outside = batch
        .households
        .iter()
        .filter(|p| !scope.contains(&p.household.village))
        .map(|p| OutsideRow {
            sheet: p.sheet.clone(),
            row: p.row,
            number: p.household.number.as_str().to_owned(),
            village: p.household.village.to_string(),
        })
        .collect();
    if !report.outside.is_empty() {
        audit_outside(backend, user, scope, &report);
    }
    if report.problems_total > 0 || !report.outside.is_empty() || batch.households.is_empty() {
        if batch.households.is_empty() && report.problems_total == 0 {
            report.unreadable = Some(format!("文件「{file_name}」中没有农户数据"));
        }
        return Ok(report);
    }
    let items: Vec<ImportedHousehold> = batch
        .households
        .iter()
        .map(|p| ImportedHousehold {
            events: p.status_events(),
            household: p.household.clone(),
        })
        .collect();
    let actor = &user.account.username;
    let reason = import_reason(file_name, &sha256);
    let preview = match backend.preview_import(&scope.area(), &items, today, actor, &reason)? {
        Ok(p) => p,
        Err(refused) => {
            // Refusals by the registry (a resident ID already in another household, perhaps outside the
            // area) are audited: repeated attempts to learn where someone is registered show up.
            let area = scope.area();
            let note = crate::data::AuditNote {
                actor,
                action: "import.refused",
                entity: "area",
                entity_id: area.as_str(),
                reason: "导入被拒绝: 与库中其他户冲突",
                detail: serde_json::json!({
                    "file": file_name,
                    "sha256": sha256,
                    "households": items.len(),
                }),
            };
            backend.append_audit(&note)?;
            report.refused = Some(refused);
            return Ok(report);
        }
    };
    if !preview.outside.is_empty() {
        let numbers: BTreeSet<&str> = preview.outside.iter().map(String::as_str).collect();
        report.outside = batch
            .households
            .iter()
            .filter(|p| numbers.contains(p.household.number.as_str()))
            .map(|p| OutsideRow {
                sheet: p.sheet.clone(),
                row: p.row,
                number: p.household.number.as_str().to_owned(),
                village: p.household.village.to_string(),
            })
            .collect();
        audit_outside(backend, user, scope, &report);
        return Ok(report);
    }
    report.would = Some(preview.outcome.into());
    let token = crate::http::auth::random_hex(32);
    report.token = Some(token.clone());
    report.expires = Some(china(
        now + chrono::Duration::from_std(PENDING_TTL).unwrap_or_default(),
    ));
    pending.put(
        token,
        Pending {
            account: user.account.id,
            scope: scope.area(),
            file_name: file_name.to_owned(),
            sha256,
            bytes,
            batch: items,
            basis: preview.basis,
            effective: today,
            created: now,
        },
        now,
    );
    Ok(report)
}

fn import_reason(file_name: &str, sha256: &str) -> String {
    format!(
        "网页导入户籍表「{file_name}」(SHA-256 {})",
        &sha256[..16.min(sha256.len())]
    )
}

/// An import that reached outside the account's area is refused and audited (numbers and villages only).
fn audit_outside(backend: &dyn Backend, user: &CurrentUser, scope: &Scope, report: &ImportReport) {
    let rows: Vec<serde_json::Value> = report
        .outside
        .iter()
        .take(50)
        .map(|o| serde_json::json!({ "number": o.number, "village": o.village }))
        .collect();
    let note = AuditNote {
        actor: &user.account.username,
        action: "import.refused_outside_area",
        entity: IMPORT_ENTITY,
        entity_id: &report.sha256,
        reason: "导入文件中有农户不在账号所属区域内, 整个文件未导入",
        detail: serde_json::json!({
            "scope": scope.area().as_str(),
            "file": report.file_name,
            "outside": report.outside.len(),
            "rows": rows,
        }),
    };
    if let Err(e) = backend.append_audit(&note) {
        tracing::error!(error = %e, "audit append failed");
    }
}

/// Commits the preview kept under `token` (see the module docs). `sha256` is the digest the report page
/// showed; it must be the kept file's.
pub fn confirm(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    pending: &PendingImports,
    token: &str,
    sha256: &str,
    now: DateTime<Utc>,
) -> Result<Confirmed, AppError> {
    // Taken, not read: a token commits at most once, whatever happens next.
    let Some(p) = pending.take(token) else {
        return Ok(Confirmed::Stale("import.stale_token"));
    };
    if p.account != user.account.id || p.scope != scope.area() {
        // Not this account's preview: put nothing back and say no more than for an unknown token.
        return Ok(Confirmed::Stale("import.stale_token"));
    }
    if expired(p.created, now) {
        return Ok(Confirmed::Stale("import.stale_token"));
    }
    if !crate::http::csrf::same_token(sha256, &p.sha256) || sha256_hex(&p.bytes) != p.sha256 {
        return Ok(Confirmed::Stale("import.stale_file"));
    }
    let actor = &user.account.username;
    let reason = import_reason(&p.file_name, &p.sha256);
    let outcome = match backend.commit_import(&p.batch, p.effective, actor, &reason, &p.basis) {
        Ok(Ok(o)) => o,
        Ok(Err(refused)) => return Ok(Confirmed::Refused(refused)),
        Err(DataError::Conflict) => return Ok(Confirmed::Stale("import.stale_store")),
        Err(e) => return Err(e.into()),
    };
    let counts = Counts::from(outcome);
    let note = AuditNote {
        actor,
        action: "import.commit",
        entity: IMPORT_ENTITY,
        entity_id: &p.sha256,
        reason: &reason,
        detail: serde_json::json!({
            "file": p.file_name,
            "sha256": p.sha256,
            "bytes": p.bytes.len(),
            "scope": scope.area().as_str(),
            "effective": p.effective,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "events_added": counts.events_added,
        }),
    };
    backend.append_audit(&note)?;
    let entry = backend
        .audit_of(IMPORT_ENTITY, &p.sha256, 1)?
        .into_iter()
        .next();
    Ok(Confirmed::Done(ImportDone {
        file_name: p.file_name,
        sha256: p.sha256,
        counts,
        audit_seq: entry.as_ref().map(|e| e.seq),
        audit_at: entry.as_ref().map(|e| e.at_china()),
        audit_actor: actor.clone(),
        audit_reason: reason,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_spreadsheets_are_read() {
        let o = ReadOptions::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default());
        assert!(read("a.pdf", b"x", &o)
            .unwrap_err()
            .contains("不是支持的表格格式"));
        assert!(read("a.csv", b"", &o).unwrap_err().contains("空的"));
        assert!(read("a.xlsx", b"not a zip", &o)
            .unwrap_err()
            .contains("a.xlsx"));
    }

    #[test]
    fn pending_previews_expire_and_are_bounded() {
        let now = Utc::now();
        let pending = PendingImports::default();
        let pa = |account, created| Pending {
            account: AccountId(account),
            scope: AreaCode::parse("511902").unwrap_or_else(|_| unreachable!()),
            file_name: String::new(),
            sha256: String::new(),
            bytes: Vec::new(),
            batch: Vec::new(),
            basis: ImportBasis::default(),
            effective: NaiveDate::default(),
            created,
        };
        let p = |created| pa(1, created);
        for i in 0..MAX_PENDING + 3 {
            pending.put(format!("t{i}"), pa(i as i64, now), now);
        }
        assert_eq!(pending.len(), MAX_PENDING);
        let old = now - chrono::Duration::hours(1);
        pending.put("old".into(), p(old), old);
        let later = now + chrono::Duration::minutes(1);
        pending.put("new".into(), p(later), later);
        assert!(
            pending.take("old").is_none(),
            "expired previews are dropped"
        );
        assert!(pending.take("new").is_some());
        assert!(pending.take("new").is_none(), "a token is taken once");
    }

    #[test]
    fn import_previews_are_per_account() {
        let now = Utc::now();
        let pending = PendingImports::default();
        let p = |account, minutes| Pending {
            account: AccountId(account),
            scope: AreaCode::parse("511902").unwrap_or_else(|_| unreachable!()),
            file_name: String::new(),
            sha256: String::new(),
            bytes: Vec::new(),
            batch: Vec::new(),
            basis: ImportBasis::default(),
            effective: NaiveDate::default(),
            created: now + chrono::Duration::seconds(minutes),
        };
        pending.put("theirs".into(), p(2, 0), now);
        for i in 0..20 {
            pending.put(format!("mine{i}"), p(1, i + 1), now);
        }
        assert!(
            pending.take("theirs").is_some(),
            "one account's uploads never push out another account's preview"
        );
        assert_eq!(pending.len(), MAX_PENDING_PER_ACCOUNT);
    }
}
