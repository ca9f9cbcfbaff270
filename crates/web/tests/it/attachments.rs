//! Attachments (issue 13 §6): a signed consent uploaded to a household and shown on its page, opened and
//! downloaded (audited), removed with a reason and still there; refused: a program renamed `.jpg` (the type
//! comes from the content, not the name or the header), a file over the limit, a household outside the
//! account's area, a role that may not see personal data; kept in a folder when the server has one.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use jingzhun_core::attachment::MAX_ATTACHMENT_BYTES;
use jingzhun_web::Role;

use crate::support::*;

const BOUNDARY: &str = "----jzattach";

/// The start of a JPEG file followed by `n` bytes.
pub fn jpeg(n: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    v.extend((0..n).map(|i| (i % 251) as u8));
    v
}

/// A multipart upload of `data` as `filename` (declared `content_type`) to household `id`.
pub fn upload(
    s: &Session,
    id: i64,
    fields: &[(&str, &str)],
    filename: &str,
    content_type: &str,
    data: &[u8],
) -> Request<Body> {
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        )
    };
    field("_csrf", &s.csrf);
    for (k, v) in fields {
        field(k, v);
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post(format!("/households/{id}/attachments"))
        .header(header::COOKIE, &s.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}

async fn bytes_of(w: &World, req: Request<Body>) -> (StatusCode, String, String, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let res = w.router.clone().oneshot(req).await.unwrap();
    let h = res.headers();
    let get = |k: header::HeaderName| {
        h.get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (ct, cd) = (get(header::CONTENT_TYPE), get(header::CONTENT_DISPOSITION));
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, ct, cd, bytes)
}

fn attachment_ids(w: &World, h: jingzhun_core::HouseholdId) -> Vec<i64> {
    w.db(|s| s.attachments_of(h))
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_uploads_a_signed_consent_sees_it_opens_it_and_removes_it() {
    let w = World::new();
    let cadre = w.login_as(Role::VillageCadre).await;
    let h = w.household_in;
    let photo = jpeg(40_000);
    let res = w
        .send(upload(
            &cadre,
            h.0,
            &[("kind", "consent"), ("note", "户主签字")],
            "授权承诺书.jpg",
            "image/jpeg",
            &photo,
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        res.location.as_deref(),
        Some(format!("/households/{}#attachments", h.0).as_str())
    );
    let ids = attachment_ids(&w, h);
    assert_eq!(ids.len(), 1);
    let id = ids[0];

    // Shown on the household page, with who filed it by name.
    let page = w.send(cadre.get(&format!("/households/{}", h.0))).await;
    assert!(page.body.contains("授权承诺书.jpg"), "{}", page.body);
    assert!(page
        .body
        .contains(&format!("<img src=\"/attachments/{id}\"")));
    assert!(page.body.contains("户主签字"));
    assert!(page.body.contains("id=\"upload-attachment\""));

    // Opened as the image it is (from its content), downloaded under its name; both audited.
    let (status, ct, cd, bytes) = bytes_of(&w, cadre.get(&format!("/attachments/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "image/jpeg");
    assert!(cd.starts_with("inline;"), "{cd}");
    assert_eq!(bytes, photo);
    let (status, _, cd, _) = bytes_of(&w, cadre.get(&format!("/attachments/{id}/download"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"),
        "{cd}"
    );
    let user = username(Role::VillageCadre);
    assert_eq!(w.audit_count(&user, "attachment.upload"), 1);
    assert_eq!(w.audit_count(&user, "access.attachment_view"), 1);
    assert_eq!(w.audit_count(&user, "access.attachment_download"), 1);

    // The township reviewer opens it too; an analyst (no personal data) neither sees nor opens it.
    let township = w.login_as(Role::TownshipReviewer).await;
    let (status, ..) = bytes_of(&w, township.get(&format!("/attachments/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    let analyst = w.login_as(Role::Analyst).await;
    let (status, ..) = bytes_of(&w, analyst.get(&format!("/attachments/{id}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let page = w.send(analyst.get(&format!("/households/{}", h.0))).await;
    assert!(!page.body.contains("授权承诺书.jpg"));
    assert!(page.body.contains("id=\"attachments-hidden\""));

    // Removal needs a reason; it is recorded and the file stays.
    let res = w
        .send(cadre.post_form(&format!("/attachments/{id}/remove"), "reason="))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = w
        .send(cadre.post_form(
            &format!("/attachments/{id}/remove"),
            "reason=%E6%8B%8D%E9%94%99%E4%BA%86",
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.send(cadre.get(&format!("/households/{}", h.0))).await;
    assert!(page.body.contains("已删除"), "{}", page.body);
    assert!(page.body.contains("拍错了"));
    let (status, _, _, bytes) = bytes_of(&w, cadre.get(&format!("/attachments/{id}"))).await;
    assert_eq!((status, bytes), (StatusCode::OK, photo), "never lost");
    assert_eq!(w.audit_count(&user, "attachment.remove"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_renamed_to_jpg_is_refused_from_its_content() {
    let w = World::new();
    let cadre = w.login_as(Role::VillageCadre).await;
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00This program cannot be run in DOS mode.".to_vec();
    let res = w
        .send(upload(
            &cadre,
            w.household_in.0,
            &[("kind", "visit_photo")],
            "走访照片.jpg",
            "image/jpeg",
            &exe,
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Windows 可执行程序"), "{}", res.body);
    assert!(
        res.body.contains("走访照片.jpg"),
        "names the file: {}",
        res.body
    );
    assert!(
        attachment_ids(&w, w.household_in).is_empty(),
        "nothing written"
    );
    // No file at all; an unknown kind.
    let res = w
        .send(cadre.post_form(
            &format!("/households/{}/attachments", w.household_in.0),
            "kind=consent",
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = w
        .send(upload(
            &cadre,
            w.household_in.0,
            &[("kind", "selfie")],
            "a.jpg",
            "image/jpeg",
            &jpeg(10),
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(attachment_ids(&w, w.household_in).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_file_is_refused_with_the_limit() {
    let w = World::new();
    let cadre = w.login_as(Role::VillageCadre).await;
    let big = jpeg(MAX_ATTACHMENT_BYTES);
    let res = w
        .send(upload(
            &cadre,
            w.household_in.0,
            &[("kind", "visit_photo")],
            "大照片.jpg",
            "image/jpeg",
            &big,
        ))
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(res.body.contains("10 MB"), "{}", res.body);
    assert!(
        attachment_ids(&w, w.household_in).is_empty(),
        "nothing written"
    );
    // Exactly at the limit is kept.
    let at_limit = jpeg(MAX_ATTACHMENT_BYTES - 20);
    let res = w
        .send(upload(
            &cadre,
            w.household_in.0,
            &[("kind", "visit_photo")],
            "刚好.jpg",
            "image/jpeg",
            &at_limit,
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_outside_the_area_can_neither_upload_nor_open_nor_remove() {
    let w = World::new();
    let cadre = w.login_as(Role::VillageCadre).await;
    let res = w
        .send(upload(
            &cadre,
            w.household_in.0,
            &[("kind", "consent")],
            "a.pdf",
            "application/pdf",
            b"%PDF-1.4\n%%EOF\n",
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = attachment_ids(&w, w.household_in)[0];

    // The cadre of the next county.
    let outside = w.login(OUTSIDE_CADRE, PASSWORD).await;
    for req in [
        outside.get(&format!("/attachments/{id}")),
        outside.get(&format!("/attachments/{id}/download")),
        outside.post_form(&format!("/attachments/{id}/remove"), "reason=x"),
        upload(
            &outside,
            w.household_in.0,
            &[("kind", "consent")],
            "b.pdf",
            "application/pdf",
            b"%PDF-1.4\n",
        ),
    ] {
        let uri = req.uri().to_string();
        let res = w.send(req).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{uri}: {}", res.body);
    }
    assert_eq!(w.audit_count(OUTSIDE_CADRE, "access_outside_area"), 4);
    let all = w.db(|s| s.attachments_of(w.household_in)).unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].removal.is_none());
    // And the cadre's own household of another case: a case of another household is refused.
    let res = w
        .send(upload(
            &cadre,
            w.household_in.0,
            &[("kind", "consent"), ("case", "999999-1")],
            "c.pdf",
            "application/pdf",
            b"%PDF-1.4\n",
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_go_to_the_configured_folder_by_digest() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_path_buf();
    let w = World::with_config(std::sync::Arc::new(jingzhun_web::SystemClock), |c| {
        c.attachments = jingzhun_web::features::attachments::storage::Storage::Folder(folder);
    });
    let cadre = w.login_as(Role::VillageCadre).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\0IEND\xaeB`\x82".to_vec();
    let res = w
        .send(upload(
            &cadre,
            w.household_in.0,
            &[("kind", "notice_photo")],
            "公示.png",
            "application/octet-stream",
            &png,
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let a = w
        .db(|s| s.attachments_of(w.household_in))
        .unwrap()
        .remove(0);
    assert!(!a.in_database);
    assert_eq!(w.db(|s| s.attachment_content(a.id)).unwrap(), None);
    let file = dir.path().join(&a.sha256[..2]).join(&a.sha256);
    assert_eq!(std::fs::read(&file).unwrap(), png);
    let (status, ct, _, bytes) = bytes_of(&w, cadre.get(&format!("/attachments/{}", a.id))).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "image/png"));
    assert_eq!(bytes, png);
    // A file changed behind the application's back is not served.
    std::fs::write(&file, b"\x89PNG tampered").unwrap();
    let (status, ..) = bytes_of(&w, cadre.get(&format!("/attachments/{}", a.id))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_photo_is_filed_with_a_case_from_the_case_page() {
    let w = World::new();
    let cadre = w.login_as(Role::VillageCadre).await;
    let lead = "channel=cadre_check&monitoring_kind=unstable&risk=illness";
    let case = w.open_case(&cadre, w.household_in2, lead).await;
    let h = w.household_in2.0;
    let page = w.send(cadre.get(&format!("/cases/{case}"))).await;
    let link = format!("/households/{h}?case={case}#attachments");
    assert!(page.body.contains(&link), "{}", page.body);
    let form = w
        .send(cadre.get(&format!("/households/{h}?case={case}")))
        .await;
    assert!(
        form.body
            .contains(&format!("<option value=\"{case}\" selected>")),
        "{}",
        form.body
    );
    let res = w
        .send(upload(
            &cadre,
            h,
            &[("kind", "notice_photo"), ("case", &case.to_string())],
            "公示现场.jpg",
            "image/jpeg",
            &jpeg(2_000),
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let a = w
        .db(|s| s.attachments_of(w.household_in2))
        .unwrap()
        .remove(0);
    assert_eq!(a.case.as_deref(), Some(case.to_string().as_str()));
    let page = w.send(cadre.get(&format!("/households/{h}"))).await;
    assert!(page.body.contains("公示照片"), "{}", page.body);
    assert!(page
        .body
        .contains(&format!("<a href=\"/cases/{case}\">{case}</a>")));
}
