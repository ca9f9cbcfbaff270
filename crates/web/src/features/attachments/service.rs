//! What the attachment routes do, always within the caller's [`Scope`]: the household's attachments as the
//! page lists them, an upload checked from its content, an attachment opened (audited), a removal recorded.

use std::sync::Arc;

use jingzhun_core::attachment::{AttachmentKind, Content, ContentError, MAX_ATTACHMENT_BYTES};
use jingzhun_core::HouseholdId;
use jingzhun_store::{AttachmentInfo, NewAttachment, Store, StoreError};
use serde_json::json;

use super::storage::{self, Storage};
use crate::access::Scope;
use crate::data::{AuditNote, Backend};
use crate::features::monitoring::cases::names_of;
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

fn store(b: &dyn Backend) -> Result<Arc<Store>, AppError> {
    b.primary_store().ok_or_else(|| {
        tracing::error!("attachments need a store-backed backend");
        AppError::Internal
    })
}

fn internal(e: &StoreError) -> AppError {
    tracing::error!("attachments: {e}");
    AppError::Internal
}

fn china_time(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A size as people read it: `850 KB`, `2.4 MB`.
fn size_text(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// One attachment as the household page shows it.
pub struct AttachmentView {
    pub id: i64,
    pub kind: AttachmentKind,
    pub file_name: String,
    pub format: &'static str,
    pub is_image: bool,
    pub size: String,
    pub has_gps: bool,
    pub note: String,
    pub uploaded_at: String,
    /// The uploader's name (never the account code).
    pub uploaded_by: String,
    pub case: Option<String>,
    pub removed: Option<RemovedView>,
}

/// Who removed an attachment, when and why.
pub struct RemovedView {
    pub at: String,
    pub by: String,
    pub reason: String,
}

/// The attachments section of the household page.
pub struct HouseholdAttachments {
    pub household: i64,
    /// The role may open attachments (they carry personal data: a signed consent has ID numbers).
    pub can_view: bool,
    pub can_upload: bool,
    pub can_remove: bool,
    pub items: Vec<AttachmentView>,
    /// The household's monitoring cases, for the upload form.
    pub cases: Vec<String>,
    /// The case the upload form preselects (`?case=` from the case page).
    pub preselect: String,
    pub max_mb: usize,
}

impl HouseholdAttachments {
    /// The kinds the upload form offers.
    pub fn kinds(&self) -> &'static [AttachmentKind] {
        AttachmentKind::ALL
    }

    /// Attachments that are not removed.
    pub fn current(&self) -> usize {
        self.items.iter().filter(|a| a.removed.is_none()).count()
    }
}

fn views(b: &dyn Backend, items: Vec<AttachmentInfo>) -> Vec<AttachmentView> {
    let names = names_of(
        b,
        items.iter().flat_map(|a| {
            std::iter::once(a.uploaded_by.as_str()).chain(a.removal.as_ref().map(|r| r.by.as_str()))
        }),
    );
    let name = |by: &str| names.get(by).cloned().unwrap_or_else(|| by.to_owned());
    items
        .into_iter()
        .map(|a| AttachmentView {
            id: a.id,
            kind: a.kind,
            format: a.media_type.label(),
            is_image: a.media_type.is_image(),
            size: size_text(a.size),
            has_gps: a.has_gps,
            note: a.note,
            uploaded_at: china_time(a.uploaded_at),
            uploaded_by: name(&a.uploaded_by),
            case: a.case,
            removed: a.removal.map(|r| RemovedView {
                at: china_time(r.at),
                by: name(&r.by),
                reason: r.reason,
            }),
            file_name: a.file_name,
        })
        .collect()
}

/// The section for household `id`, whose page the caller may see (the page checked the scope). Roles that
/// may not open attachments get the section without them.
pub fn household_section(
    b: &dyn Backend,
    id: HouseholdId,
    can_view: bool,
    can_upload: bool,
    can_remove: bool,
    preselect: &str,
) -> Result<HouseholdAttachments, AppError> {
    let items = if can_view {
        let s = store(b)?;
        views(b, s.attachments_of(id).map_err(|e| internal(&e))?)
    } else {
        Vec::new()
    };
    let cases = if can_upload {
        b.cases_of_household(id)?
            .into_iter()
            .map(|c| c.id.to_string())
            .collect()
    } else {
        Vec::new()
    };
    let preselect = if cases.iter().any(|c| c == preselect) {
        preselect.to_owned()
    } else {
        String::new()
    };
    Ok(HouseholdAttachments {
        household: id.0,
        can_view,
        can_upload,
        can_remove,
        items,
        cases,
        preselect,
        max_mb: MAX_ATTACHMENT_BYTES / (1024 * 1024),
    })
}

/// What the upload form sent.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub kind: String,
    pub case: String,
    pub note: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// Why an upload was not kept: the message for the person, and whether the file was too large.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub too_large: bool,
}

fn refused(message: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
        too_large: false,
    }
}

/// Checks the household's area, then the form and the content (from its bytes), then keeps the file (in
/// the folder first, when one is configured) and its row with the audit entry. `Ok(Err(_))`: refused,
/// nothing written.
pub fn upload(
    b: &dyn Backend,
    where_to: &Storage,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    form: UploadForm,
) -> Result<Result<i64, Refusal>, AppError> {
    let rec = b.household(id)?;
    crate::http::admit(
        b,
        user,
        scope,
        &rec.household.village,
        "household",
        &id.0.to_string(),
    )?;
    let Some(file_name) = form.file_name.filter(|n| !n.trim().is_empty()) else {
        return Ok(Err(refused("请选择要上传的文件（照片或 PDF）")));
    };
    let Some(kind) = AttachmentKind::from_code(form.kind.trim()) else {
        return Ok(Err(refused("请选择附件类别")));
    };
    let content = match Content::parse(&form.bytes) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Err(Refusal {
                message: format!("「{file_name}」未保存：{e}"),
                too_large: matches!(e, ContentError::TooLarge { .. }),
            }))
        }
    };
    let case = form.case.trim();
    let s = store(b)?;
    let sha = jingzhun_store::sha256_hex(&form.bytes);
    if let Storage::Folder(dir) = where_to {
        storage::save(dir, &sha, &form.bytes).map_err(|e| {
            tracing::error!(error = %e, dir = %dir.display(), "attachment not written to the folder");
            AppError::Internal
        })?;
    }
    let new = NewAttachment {
        household: id,
        case: (!case.is_empty()).then_some(case),
        kind,
        file_name: &file_name,
        bytes: &form.bytes,
        in_database: matches!(where_to, Storage::Database),
        note: &form.note,
    };
    match s.add_attachment(&new, &jingzhun_store::Actor::new(&user.account.username)) {
        Ok(id) => {
            tracing::info!(attachment = id, format = %content, "attachment kept");
            Ok(Ok(id))
        }
        Err(StoreError::Invalid(message)) => Ok(Err(refused(message))),
        Err(StoreError::NotFound { .. }) => Err(AppError::NotFound),
        Err(e) => Err(internal(&e)),
    }
}

/// An attachment's description and content, as opened.
pub struct Opened {
    pub info: AttachmentInfo,
    pub bytes: Vec<u8>,
}

/// The attachment (removed ones too: nothing is lost) if its household is in the caller's area; every
/// opening is audited (`access.attachment_view` or `access.attachment_download`).
pub fn open(
    b: &dyn Backend,
    where_to: &Storage,
    user: &CurrentUser,
    scope: &Scope,
    id: i64,
    download: bool,
) -> Result<Opened, AppError> {
    let s = store(b)?;
    let info = s
        .attachment(id)
        .map_err(|e| internal(&e))?
        .ok_or(AppError::NotFound)?;
    let rec = b.household(info.household)?;
    crate::http::admit(
        b,
        user,
        scope,
        &rec.household.village,
        "attachment",
        &id.to_string(),
    )?;
    let bytes = if info.in_database {
        s.attachment_content(id)
            .map_err(|e| internal(&e))?
            .ok_or(AppError::NotFound)?
    } else {
        let Storage::Folder(dir) = where_to else {
            tracing::error!(
                attachment = id,
                "the attachment is kept in a folder, but the server has no --attachments-dir"
            );
            return Err(AppError::Internal);
        };
        storage::load(dir, &info.sha256).map_err(|e| {
            tracing::error!(attachment = id, error = %e, "attachment file unreadable");
            AppError::Internal
        })?
    };
    let note = AuditNote {
        actor: &user.account.username,
        action: if download {
            "access.attachment_download"
        } else {
            "access.attachment_view"
        },
        entity: "attachment",
        entity_id: &id.to_string(),
        reason: info.kind.label(),
        detail: json!({ "household_id": info.household.0 }),
    };
    b.append_audit(&note)?;
    Ok(Opened { info, bytes })
}

/// Records the removal of attachment `id` (in the caller's area) with its reason; returns its household.
/// `Ok(Err(_))`: refused (no reason, removed already), nothing written.
pub fn remove(
    b: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: i64,
    reason: &str,
) -> Result<Result<HouseholdId, Refusal>, AppError> {
    let s = store(b)?;
    let info = s
        .attachment(id)
        .map_err(|e| internal(&e))?
        .ok_or(AppError::NotFound)?;
    let rec = b.household(info.household)?;
    crate::http::admit(
        b,
        user,
        scope,
        &rec.household.village,
        "attachment",
        &id.to_string(),
    )?;
    match s.remove_attachment(
        id,
        reason,
        &jingzhun_store::Actor::new(&user.account.username),
    ) {
        Ok(()) => Ok(Ok(info.household)),
        Err(StoreError::Invalid(message)) => Ok(Err(refused(message))),
        Err(e) => Err(internal(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(1), "1 KB");
        assert_eq!(size_text(850 * 1024), "850 KB");
        assert_eq!(size_text(2_516_582), "2.4 MB");
    }
}
