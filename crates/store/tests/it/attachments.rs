//! Attachments (migration 0015): content kept as sent and recognised from its bytes, removals recorded and
//! never deletions, audit entries without file names, cases of another household refused.

use jingzhun_core::attachment::{AttachmentKind, MediaType, MAX_ATTACHMENT_BYTES};
use jingzhun_core::*;
use jingzhun_store::{AuditFilter, NewAttachment};

use crate::both;
use crate::support::*;

fn add(store: &jingzhun_store::Store, n: usize, village: &str) -> HouseholdId {
    store
        .create_household(
            &household(n, village),
            &[],
            d("2014-10-01"),
            &actor(),
            "建档",
        )
        .unwrap()
        .0
}

/// The start of a JPEG file followed by `n` bytes of image data.
fn jpeg(n: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    v.extend((0..n).map(|i| (i % 251) as u8));
    v
}

fn new<'a>(h: HouseholdId, name: &'a str, bytes: &'a [u8], in_db: bool) -> NewAttachment<'a> {
    NewAttachment {
        household: h,
        case: None,
        kind: AttachmentKind::Consent,
        file_name: name,
        bytes,
        in_database: in_db,
        note: "户主签字",
    }
}

both!(fn attachments_are_kept_as_sent_and_removals_keep_them(db) {
    let s = &db.store;
    let h = add(s, 1, "511902101001");
    let photo = jpeg(300_000);
    let id = s.add_attachment(&new(h, "张三授权承诺书.jpg", &photo, true), &actor()).unwrap();
    let pdf = b"%PDF-1.7\n1 0 obj\n%%EOF\n".to_vec();
    let in_folder = s.add_attachment(&new(h, "notice.pdf", &pdf, false), &actor()).unwrap();

    let a = s.attachment(id).unwrap().unwrap();
    assert_eq!(a.household, h);
    assert_eq!(a.media_type, MediaType::Jpeg);
    assert_eq!(a.size, photo.len() as u64);
    assert_eq!(a.sha256, jingzhun_store::sha256_hex(&photo));
    assert_eq!(a.file_name, "张三授权承诺书.jpg");
    assert!(a.in_database && a.removal.is_none() && !a.has_gps);
    assert_eq!(s.attachment_content(id).unwrap().unwrap(), photo);
    // Kept in a folder: the row, its digest, no content.
    let f = s.attachment(in_folder).unwrap().unwrap();
    assert_eq!(f.media_type, MediaType::Pdf);
    assert!(!f.in_database);
    assert_eq!(s.attachment_content(in_folder).unwrap(), None);

    // Removal: recorded with its reason, the file stays; twice is refused; no reason is refused.
    assert!(s.remove_attachment(id, "  ", &actor()).is_err());
    s.remove_attachment(id, "拍错了户", &actor()).unwrap();
    assert!(s.remove_attachment(id, "再删", &actor()).is_err());
    let all = s.attachments_of(h).unwrap();
    assert_eq!(all.len(), 2);
    let removal = all[0].removal.as_ref().unwrap();
    assert_eq!(removal.reason, "拍错了户");
    assert_eq!(removal.by, actor().account);
    assert_eq!(s.attachment_content(id).unwrap().unwrap(), photo, "never lost");

    // Audited, without the file name.
    let entries = s
        .audit_entries(&AuditFilter { entity: Some("attachment".into()), ..Default::default() })
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["attachment.remove", "attachment.upload", "attachment.upload"]);
    for e in &entries {
        assert!(!e.detail.contains("张三"), "{}", e.detail);
        assert!(e.detail.contains(&format!("\"household_id\":{}", h.0)), "{}", e.detail);
        assert!(!jingzhun_store::is_data_change(&e.action));
    }
    // Not a change of the household's facts: the live engine has nothing to re-evaluate.
    let seq = s.audit_entries(&AuditFilter { limit: Some(1), ..Default::default() }).unwrap()[0].seq;
    let before_uploads = seq - 3;
    assert!(s.changes_after(before_uploads).unwrap().households.is_empty());
});

both!(fn attachments_refuse_what_is_not_an_image_or_pdf(db) {
    let s = &db.store;
    let h = add(s, 1, "511902101001");
    let other = add(s, 2, "511902101001");
    // A Windows program named like a photo.
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    let e = s.add_attachment(&new(h, "照片.jpg", &exe, true), &actor()).unwrap_err();
    assert!(e.to_string().contains("Windows 可执行程序"), "{e}");
    // Too large.
    let big = jpeg(MAX_ATTACHMENT_BYTES);
    let e = s.add_attachment(&new(h, "big.jpg", &big, true), &actor()).unwrap_err();
    assert!(e.to_string().contains("超过附件上限"), "{e}");
    // No name; an unknown household.
    assert!(s.add_attachment(&new(h, " ", &jpeg(10), true), &actor()).is_err());
    assert!(s.add_attachment(&new(HouseholdId(9_999), "a.jpg", &jpeg(10), true), &actor()).is_err());
    // A case of another household.
    let case = jingzhun_core::monitoring::CaseId::new(other, 1).unwrap();
    let small = jpeg(10);
    let mut a = new(h, "a.jpg", &small, true);
    let case_text = case.to_string();
    a.case = Some(&case_text);
    assert!(s.add_attachment(&a, &actor()).is_err());
    assert!(s.attachments_of(h).unwrap().is_empty(), "nothing written");
});
