//! Attachments (附件) of a household or one of its monitoring cases: the signed 授权承诺书, visit photos and
//! notice photos, uploaded from the household page (a phone's camera or files), shown there with the
//! household's history and opened or downloaded one by one.
//!
//! * The format comes from the content ([`jingzhun_core::attachment::Content`]): JPEG, PNG or PDF, at most
//!   10 MB; a renamed program is refused whatever its name or the type the browser claims. Photos keep their
//!   EXIF data, GPS position included (it shows where a visit was made); the page says which ones carry a
//!   position.
//! * Stored in the database (`attachments.content`, both backends), or, when the server is started with
//!   `--attachments-dir`, in that folder under the content's SHA-256 ([`storage`]), which the row keeps and
//!   every read checks.
//! * Scoped and audited like the registry: an attachment of a household outside the account's area answers
//!   404 (audited as such); uploads and removals write their audit entries in the store's transaction, and
//!   every view and download is recorded (`access.attachment_view`, `access.attachment_download`).
//! * Nothing is lost: removing an attachment records who, when and why; the file stays and the household
//!   page lists it as removed.
//! * Who: [`crate::access::Action::ViewAttachments`] (the roles that see personal data: a signed consent
//!   carries ID numbers), [`crate::access::Action::UploadAttachment`] and
//!   [`crate::access::Action::RemoveAttachment`] (the village and the township, who visit and review).
//!
//! Routes: `POST /households/{id}/attachments` (multipart), `GET /attachments/{attachment}`,
//! `GET /attachments/{attachment}/download`, `POST /attachments/{attachment}/remove`.

pub mod handlers;
pub mod service;
pub mod storage;
