//! Attachments of a household or one of its monitoring cases (migration 0015): the signed 授权承诺书, visit
//! photos, notice photos. The content is recognised again here ([`Content::parse`]): nothing but JPEG, PNG
//! or PDF within the size limit reaches the table, whoever calls.
//!
//! Rows are never changed or deleted: removing an attachment records who removed it, when and why
//! (`attachment_removals`), and the file stays, readable in the household's history. The content lives in
//! the row (`bytea` / BLOB), or — when the server keeps files in a folder — outside the database, named by
//! its SHA-256, which the row keeps to check what is read back.
//!
//! Every upload and removal writes its audit entry in the same transaction; the detail names the household
//! (`household_id`), the case, the kind, the format and the size, never the file's name (a name can be a
//! person's). Attachments change none of the facts the rules read: their entries are not data changes for
//! the evaluation snapshots nor households changed for the live engine (`changes`).

use chrono::{DateTime, Utc};
use jingzhun_core::attachment::{AttachmentKind, Content, MediaType};
use jingzhun_core::HouseholdId;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, Actor, Change};
use crate::db::{Get, Tx, Val};
use crate::error::{Result, StoreError};
use crate::households;
use crate::schema::code;
use crate::Store;

/// Longest file name kept (characters).
const MAX_NAME_CHARS: usize = 200;
/// Longest note or removal reason (characters).
const MAX_NOTE_CHARS: usize = 500;

/// An attachment to keep.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub household: HouseholdId,
    /// A monitoring case of the same household, or none (the household's own file).
    pub case: Option<&'a str>,
    pub kind: AttachmentKind,
    /// The name the file had on the uploader's device (shown, never trusted for the format).
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    /// Whether the content goes into the database (`false`: the caller keeps it in a folder, by SHA-256).
    pub in_database: bool,
    pub note: &'a str,
}

/// Who removed an attachment, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// An attachment as stored, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: i64,
    pub household: HouseholdId,
    pub case: Option<String>,
    pub kind: AttachmentKind,
    pub file_name: String,
    pub media_type: MediaType,
    pub size: u64,
    /// Hex SHA-256 of the content (the file's name in the attachments folder).
    pub sha256: String,
    /// The image carries a GPS position in its EXIF data (kept as taken).
    pub has_gps: bool,
    pub note: String,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
    /// The content is in the database (else in the attachments folder).
    pub in_database: bool,
    /// Set once removed; the attachment and its content stay.
    pub removal: Option<Removal>,
}

/// The hex SHA-256 of `bytes`, as [`AttachmentInfo::sha256`] holds it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

const INFO_COLS: &str =
    "a.id, a.household_id, a.case_id, a.kind, a.file_name, a.media_type, a.byte_size, \
    a.sha256, a.has_gps, a.note, a.uploaded_at, a.uploaded_by, a.content IS NOT NULL, \
    r.removed_at, r.removed_by, r.reason";
const FROM: &str = "FROM attachments a LEFT JOIN attachment_removals r ON r.attachment_id = a.id";

fn info(r: &dyn Get) -> Result<AttachmentInfo> {
    let removal = match r.opt_str(14)? {
        Some(by) => Some(Removal {
            at: r.ts(13)?,
            by: by.to_owned(),
            reason: r.str(15)?.to_owned(),
        }),
        None => None,
    };
    Ok(AttachmentInfo {
        id: r.i64(0)?,
        household: HouseholdId(r.i64(1)?),
        case: r.opt_str(2)?.map(str::to_owned),
        kind: code("attachments", "kind", r.str(3)?, AttachmentKind::from_code)?,
        file_name: r.str(4)?.to_owned(),
        media_type: code("attachments", "media_type", r.str(5)?, MediaType::from_code)?,
        size: u64::try_from(r.i64(6)?).unwrap_or(0),
        sha256: r.str(7)?.to_owned(),
        has_gps: r.bool(8)?,
        note: r.str(9)?.to_owned(),
        uploaded_at: r.ts(10)?,
        uploaded_by: r.str(11)?.to_owned(),
        in_database: r.bool(12)?,
        removal,
    })
}

fn refuse(message: impl Into<String>) -> StoreError {
    StoreError::Invalid(message.into())
}

fn add(tx: &mut Tx<'_>, at: DateTime<Utc>, a: &NewAttachment<'_>, actor: &Actor) -> Result<i64> {
    let content = Content::parse(a.bytes).map_err(|e| refuse(format!("附件无法保存：{e}")))?;
    let name = a.file_name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(refuse(format!(
            "附件的文件名须有 1 到 {MAX_NAME_CHARS} 个字符"
        )));
    }
    if a.note.chars().count() > MAX_NOTE_CHARS {
        return Err(refuse(format!("附件说明最多 {MAX_NOTE_CHARS} 个字符")));
    }
    if tx
        .query_i64(
            "SELECT id FROM households WHERE id = ?",
            &[Val::I64(a.household.0)],
        )?
        .is_none()
    {
        return Err(households::not_found(a.household));
    }
    if let Some(case) = a.case {
        let owner = tx.query_i64(
            "SELECT household_id FROM monitoring_cases WHERE id = ?",
            &[Val::Str(case)],
        )?;
        if owner != Some(a.household.0) {
            return Err(refuse(format!("监测事项 {case} 不是这一户的")));
        }
    }
    let sha = sha256_hex(a.bytes);
    let vals = [
        Val::I64(a.household.0),
        Val::opt_str(a.case),
        Val::Str(a.kind.code()),
        Val::Str(name),
        Val::Str(content.media_type.code()),
        Val::I64(a.bytes.len() as i64),
        Val::Str(&sha),
        Val::Bool(content.has_gps),
        Val::Str(a.note.trim()),
        Val::Ts(at),
        Val::Str(&actor.account),
    ];
    let body: Option<&[u8]> = a.in_database.then_some(a.bytes);
    let sql = "INSERT INTO attachments (household_id, case_id, kind, file_name, media_type, byte_size, sha256, \
               has_gps, note, uploaded_at, uploaded_by, content) \
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    let id = match tx {
        Tx::Sqlite(t) => {
            let mut stmt = t.prepare_cached(sql)?;
            let mut params: Vec<&dyn rusqlite::ToSql> =
                vals.iter().map(|v| v as &dyn rusqlite::ToSql).collect();
            params.push(&body as &dyn rusqlite::ToSql);
            stmt.query_row(params.as_slice(), |r| r.get::<_, i64>(0))?
        }
        Tx::Pg(t) => {
            let mut params = crate::db::pg_params(&vals);
            params.push(&body as &(dyn postgres::types::ToSql + Sync));
            t.query_one(crate::db::pg_sql(sql).as_ref(), &params)?
                .try_get::<_, i64>(0)?
        }
    };
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "attachment.upload",
            entity: "attachment",
            entity_id: id.to_string(),
            reason: a.kind.label(),
            detail: json!({
                "household_id": a.household.0,
                "case": a.case,
                "kind": a.kind.code(),
                "media_type": content.media_type.code(),
                "bytes": a.bytes.len(),
                "gps": content.has_gps,
                "stored": if a.in_database { "database" } else { "folder" },
            }),
        },
    )?;
    Ok(id)
}

fn one(tx: &mut Tx<'_>, id: i64) -> Result<Option<AttachmentInfo>> {
    tx.query_opt(
        &format!("SELECT {INFO_COLS} {FROM} WHERE a.id = ?"),
        &[Val::I64(id)],
        info,
    )
}

fn remove(tx: &mut Tx<'_>, at: DateTime<Utc>, id: i64, reason: &str, actor: &Actor) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_NOTE_CHARS {
        return Err(refuse(format!(
            "删除附件须写明理由（1 到 {MAX_NOTE_CHARS} 个字符）"
        )));
    }
    let Some(a) = one(tx, id)? else {
        return Err(StoreError::NotFound {
            entity: "附件",
            key: id.to_string(),
        });
    };
    if a.removal.is_some() {
        return Err(refuse(format!("附件 {id} 已经删除过")));
    }
    tx.exec(
        "INSERT INTO attachment_removals (attachment_id, removed_at, removed_by, reason) VALUES (?, ?, ?, ?)",
        &[Val::I64(id), Val::Ts(at), Val::Str(&actor.account), Val::Str(reason)],
    )?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "attachment.remove",
            entity: "attachment",
            entity_id: id.to_string(),
            reason,
            detail: json!({
                "household_id": a.household.0,
                "case": a.case,
                "kind": a.kind.code(),
            }),
        },
    )?;
    Ok(())
}

fn content(tx: &mut Tx<'_>, id: i64) -> Result<Option<Vec<u8>>> {
    let sql = "SELECT content FROM attachments WHERE id = ?";
    Ok(match tx {
        Tx::Sqlite(t) => {
            use rusqlite::OptionalExtension;
            let mut stmt = t.prepare_cached(sql)?;
            stmt.query_row([id], |r| r.get::<_, Option<Vec<u8>>>(0))
                .optional()?
                .flatten()
        }
        Tx::Pg(t) => t
            .query_opt(&sql.replace('?', "$1"), &[&id])?
            .map(|r| r.try_get::<_, Option<Vec<u8>>>(0))
            .transpose()?
            .flatten(),
    })
}

impl Store {
    /// Keeps an attachment of a household (or of one of its cases) with its audit entry, in one
    /// transaction; returns its id. Refused: content that is not JPEG, PNG or PDF or is too large, an
    /// empty file name, a case of another household, a household that does not exist.
    pub fn add_attachment(&self, a: &NewAttachment<'_>, actor: &Actor) -> Result<i64> {
        self.write(|tx, now| add(tx, now, a, actor))
    }

    /// One attachment (removed ones too), without its content.
    pub fn attachment(&self, id: i64) -> Result<Option<AttachmentInfo>> {
        self.read(|tx| one(tx, id))
    }

    /// A household's attachments, removed ones included, oldest first.
    pub fn attachments_of(&self, household: HouseholdId) -> Result<Vec<AttachmentInfo>> {
        self.read(|tx| {
            tx.query_vec(
                &format!("SELECT {INFO_COLS} {FROM} WHERE a.household_id = ? ORDER BY a.id"),
                &[Val::I64(household.0)],
                info,
            )
        })
    }

    /// The attachments of one monitoring case, removed ones included, oldest first.
    pub fn attachments_of_case(&self, case: &str) -> Result<Vec<AttachmentInfo>> {
        self.read(|tx| {
            tx.query_vec(
                &format!("SELECT {INFO_COLS} {FROM} WHERE a.case_id = ? ORDER BY a.id"),
                &[Val::Str(case)],
                info,
            )
        })
    }

    /// The content kept in the database (`None` when it is kept in the attachments folder or the
    /// attachment does not exist).
    pub fn attachment_content(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.read(|tx| content(tx, id))
    }

    /// Records the removal of an attachment (reason required) with its audit entry; the attachment and its
    /// content stay. Removing it twice is refused.
    pub fn remove_attachment(&self, id: i64, reason: &str, actor: &Actor) -> Result<()> {
        self.write(|tx, now| remove(tx, now, id, reason, actor))
    }
}
