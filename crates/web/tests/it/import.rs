//! The import pages: upload → validation report (nothing written) → confirm (one transaction, on the
//! previewed basis) → result with the audit entry. Files are made with `jingzhun_io`'s own export, so they
//! are in the layout the reader expects.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use jingzhun_core::*;
use jingzhun_io::{ExportOptions, ExportRecord};
use jingzhun_store::{Actor, AuditFilter};
use jingzhun_web::Role;

use crate::support::*;

const BOUNDARY: &str = "----jzTestBoundary7MA4YWxk";

/// A `multipart/form-data` upload of `data` as `filename`, with the session's CSRF token (or `csrf`).
pub fn upload_request(
    session: &Session,
    csrf: Option<&str>,
    filename: &str,
    data: &[u8],
) -> Request<Body> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n",
            csrf.unwrap_or(&session.csrf)
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post("/import")
        .header(header::COOKIE, &session.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}

/// A new household of the cadre's village.
pub fn new_household(number: &str, village: &str, head: &str, id17: &str) -> Household {
    household(
        number,
        village,
        vec![member(head, rid(id17), Relationship::Head)],
    )
}

/// The households and their events as a CSV in the import layout (UTF-8 with BOM), incomes of 2020.
pub fn csv_of(households: &[(Household, Vec<StatusEvent>)]) -> Vec<u8> {
    let records: Vec<ExportRecord<'_>> = households
        .iter()
        .map(|(h, e)| ExportRecord {
            household: h,
            events: e,
        })
        .collect();
    let mut out = Vec::new();
    let options = ExportOptions {
        income_year: Some(2020),
        ..ExportOptions::default()
    };
    jingzhun_io::export_csv(&mut out, &records, &options).unwrap();
    out
}

/// A file that is valid for the village cadre: the inside household as stored (unchanged), the second one
/// with a new phone (changed) and a new household.
fn good_file(w: &World) -> Vec<(Household, Vec<StatusEvent>)> {
    let a = w.db(|s| s.household(w.household_in)).unwrap();
    let b = w.db(|s| s.household(w.household_in2)).unwrap();
    let mut changed = b.household.clone();
    changed.phone = Some(Phone::parse("13911112222").unwrap());
    vec![
        (a.household, a.events),
        (changed, b.events),
        (
            new_household("5119020010010099", VILLAGE_IN, "赵六", "51190219880808008"),
            vec![],
        ),
    ]
}

/// Everything an import could change: every household's version and the audit chain's length and head.
fn registry_state(w: &World) -> (Vec<(i64, i64)>, u64, String) {
    let mut versions = Vec::new();
    w.db(|s| {
        s.scan_households(&AreaCode::parse("51").unwrap(), None, &mut |s| {
            versions.push((s.id.0, s.version.0));
            Ok(())
        })
    })
    .unwrap();
    versions.sort();
    let audit = w.db(|s| s.audit_verify()).unwrap();
    (versions, audit.entries, audit.head_hash)
}

/// The hidden field `name` of the confirmation form.
fn hidden(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name}: {body}"));
    let rest = &body[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn text_of(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id}: {body}"));
    let rest = &body[at + id.len() + 6..];
    rest[..rest.find('<').unwrap()].trim().to_owned()
}

#[tokio::test]
async fn a_good_file_is_previewed_without_writing_then_committed_with_its_audit_entry() {
    let w = World::new();
    let s = w.login_as(Role::VillageCadre).await;
    let form = w.send(s.get("/import")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));

    let before = registry_state(&w);
    let file = csv_of(&good_file(&w));
    let res = w.send(upload_request(&s, None, "户籍表.csv", &file)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(text_of(&res.body, "would-created"), "1");
    assert_eq!(text_of(&res.body, "would-updated"), "1");
    assert_eq!(text_of(&res.body, "would-unchanged"), "1");
    assert!(res.body.contains("UTF-8 (BOM)"));
    assert_eq!(registry_state(&w), before, "a preview writes nothing");

    let token = hidden(&res.body, "token");
    let sha = hidden(&res.body, "sha256");
    assert_eq!(sha, jingzhun_web::services::import::sha256_hex(&file));
    let done = w
        .send(s.post_form("/import/confirm", &format!("token={token}&sha256={sha}")))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(text_of(&done.body, "done-created"), "1");
    assert_eq!(text_of(&done.body, "done-updated"), "1");
    let seq: i64 = text_of(&done.body, "audit-seq").parse().unwrap();
    let entries = w
        .db(|s| {
            s.audit_entries(&AuditFilter {
                actor: Some(username(Role::VillageCadre)),
                ..Default::default()
            })
        })
        .unwrap();
    let commit = entries
        .iter()
        .find(|e| e.action == "import.commit")
        .unwrap();
    assert_eq!(commit.seq, seq);
    assert!(commit.detail.contains(&sha));
    assert!(
        entries.iter().any(|e| e.action == "household.create"),
        "the store's own per-household entries, as the importer"
    );
    let no = HouseholdNo::parse("5119020010010099").unwrap();
    let created = w.db(|s| s.household_by_number(&no)).unwrap().unwrap();
    assert_eq!(created.household.members[0].name.as_str(), "赵六");
    let changed = w.db(|s| s.household(w.household_in2)).unwrap();
    assert_eq!(changed.household.phone.unwrap().as_str(), "13911112222");
    assert!(w.db(|s| s.audit_verify()).unwrap().is_ok());

    // The token commits once.
    let again = w
        .send(s.post_form("/import/confirm", &format!("token={token}&sha256={sha}")))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("预览已失效"));
}

#[tokio::test]
async fn bad_cells_are_reported_with_where_and_what_and_nothing_is_kept() {
    let w = World::new();
    let s = w.login_as(Role::VillageCadre).await;
    let before = registry_state(&w);
    let good = String::from_utf8(csv_of(&good_file(&w))).unwrap();
    let id = rid("51190219880808008").as_str().to_owned();
    let other = rid("51190219600505006").as_str().to_owned();
    // Two resident IDs with a wrong check character, in two rows.
    let wrong = |id: &str| {
        let last = if id.ends_with('0') { '1' } else { '0' };
        format!("{}{last}", &id[..17])
    };
    let broken = good
        .replace(&id, &wrong(&id))
        .replace(&other, &wrong(&other));
    assert_ne!(broken, good);
    let res = w
        .send(upload_request(&s, None, "坏表.csv", broken.as_bytes()))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("id=\"problems\""));
    let total: usize = text_of(&res.body, "problems-total")
        .split(':')
        .nth(1)
        .unwrap()
        .split('·')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(total >= 2, "{total}");
    assert!(res.body.contains("证件号码"), "the column is named");
    assert!(res.body.contains(&wrong(&id)), "the value is shown");
    assert!(res.body.contains(&wrong(&other)));
    assert!(!res.body.contains("name=\"token\""), "no confirmation");
    assert_eq!(registry_state(&w), before);
}

#[tokio::test]
async fn a_file_with_a_household_outside_the_area_is_refused_whole_with_the_rows_named() {
    let w = World::new();
    let s = w.login_as(Role::TownshipReviewer).await;
    let mut file = good_file(&w);
    file.push((
        new_household(
            "5119020020010077",
            VILLAGE_OTHER_TOWNSHIP,
            "钱七",
            "51190219900909009",
        ),
        vec![],
    ));
    let before = registry_state(&w);
    let denied = w.audit_count(
        &username(Role::TownshipReviewer),
        "import.refused_outside_area",
    );
    let res = w
        .send(upload_request(&s, None, "跨乡镇.csv", &csv_of(&file)))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("id=\"outside\""));
    assert!(res.body.contains("5119020020010077"));
    assert!(res.body.contains(VILLAGE_OTHER_TOWNSHIP));
    assert_eq!(
        text_of(&res.body, "outside-total")
            .split(':')
            .nth(1)
            .unwrap()
            .split('·')
            .next()
            .unwrap()
            .trim(),
        "1"
    );
    assert!(!res.body.contains("name=\"token\""));
    assert_eq!(
        w.audit_count(
            &username(Role::TownshipReviewer),
            "import.refused_outside_area"
        ),
        denied + 1
    );
    // Nothing but that audit entry.
    let after = registry_state(&w);
    assert_eq!(after.0, before.0);
    assert_eq!(after.1, before.1 + 1);

    // The county above both townships may import the same file.
    let c = w.login_as(Role::CountyApprover).await;
    let res = w
        .send(upload_request(&c, None, "跨乡镇.csv", &csv_of(&file)))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(text_of(&res.body, "would-created"), "2");
}

#[tokio::test]
async fn a_stored_household_filed_outside_cannot_be_moved_in_by_a_file() {
    let w = World::new();
    let s = w.login_as(Role::VillageCadre).await;
    // The outside household, filed here by the file.
    let out = w.db(|s| s.household(w.household_out)).unwrap();
    let mut moved = out.household.clone();
    moved.village = AreaCode::parse(VILLAGE_IN).unwrap();
    let res = w
        .send(upload_request(
            &s,
            None,
            "迁入.csv",
            &csv_of(&[(moved, out.events)]),
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    // Refused at the file already: a household number carries its own village's code, so a number of
    // another village cannot be filed here (the store's outside check stays behind it).
    assert!(
        res.body.contains("id=\"outside\"") || res.body.contains("开头"),
        "{}",
        res.body
    );
    assert!(res.body.contains(out.household.number.as_str()));
}

#[tokio::test]
async fn a_gbk_csv_and_an_xlsx_are_read() {
    let w = World::new();
    let s = w.login_as(Role::CountyApprover).await;
    let utf8 = String::from_utf8(csv_of(&good_file(&w))).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(utf8.trim_start_matches('\u{feff}'));
    assert!(!unmappable);
    let res = w
        .send(upload_request(&s, None, "户籍表GBK.csv", &gbk))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("GBK/GB18030"));
    assert_eq!(text_of(&res.body, "would-created"), "1");
    let token = hidden(&res.body, "token");
    let sha = hidden(&res.body, "sha256");
    let done = w
        .send(s.post_form("/import/confirm", &format!("token={token}&sha256={sha}")))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let no = HouseholdNo::parse("5119020010010099").unwrap();
    let created = w.db(|s| s.household_by_number(&no)).unwrap().unwrap();
    assert_eq!(
        created.household.members[0].name.as_str(),
        "赵六",
        "decoded from GBK"
    );

    // The same households as XLSX: all known now, nothing to change.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("户籍表.xlsx");
    let file = good_file(&w);
    let records: Vec<ExportRecord<'_>> = file
        .iter()
        .map(|(h, e)| ExportRecord {
            household: h,
            events: e,
        })
        .collect();
    let options = ExportOptions {
        income_year: Some(2020),
        ..ExportOptions::default()
    };
    jingzhun_io::export_xlsx(&path, &records, &options).unwrap();
    let res = w
        .send(upload_request(
            &s,
            None,
            "户籍表.xlsx",
            &std::fs::read(&path).unwrap(),
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(text_of(&res.body, "would-created"), "0");
    assert_eq!(text_of(&res.body, "would-updated"), "0");
    assert_eq!(text_of(&res.body, "would-unchanged"), "3");
}

#[tokio::test]
async fn a_stale_preview_commits_nothing() {
    let w = World::new();
    let s = w.login_as(Role::VillageCadre).await;
    async fn preview(w: &World, s: &Session) -> (String, String) {
        let file = csv_of(&good_file(w));
        let res = w.send(upload_request(s, None, "户籍表.csv", &file)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        (hidden(&res.body, "token"), hidden(&res.body, "sha256"))
    }

    // The store changes between preview and confirmation: someone edits a household the file matches.
    let (token, sha) = preview(&w, &s).await;
    let stored = w.db(|s| s.household(w.household_in)).unwrap();
    let mut h = stored.household.clone();
    h.cooperative_member ^= true;
    w.db(|s| {
        s.update_household(
            stored.id,
            stored.version,
            &h,
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            &Actor::new("别人"),
            "核实",
        )
    })
    .unwrap();
    let before = registry_state(&w);
    let res = w
        .send(s.post_form("/import/confirm", &format!("token={token}&sha256={sha}")))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("预览之后库中数据已有变化"));
    assert_eq!(registry_state(&w), before);
    let no = HouseholdNo::parse("5119020010010099").unwrap();
    assert!(w.db(|s| s.household_by_number(&no)).unwrap().is_none());

    // A digest other than the previewed file's, an unknown token, another account's token: refused.
    let (token, _) = preview(&w, &s).await;
    let res = w
        .send(s.post_form(
            "/import/confirm",
            &format!("token={token}&sha256={}", "0".repeat(64)),
        ))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = w
        .send(s.post_form(
            "/import/confirm",
            &format!("token={}&sha256={}", "a".repeat(64), "0".repeat(64)),
        ))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let (token, sha) = preview(&w, &s).await;
    let other = w.login("t_spare", PASSWORD).await;
    let res = w
        .send(other.post_form("/import/confirm", &format!("token={token}&sha256={sha}")))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // (Signing in is audited; the registry is as it was.)
    assert_eq!(registry_state(&w).0, before.0);
    assert_eq!(
        w.audit_count(&username(Role::VillageCadre), "import.commit"),
        0
    );
    assert_eq!(w.audit_count("t_spare", "import.commit"), 0);
}

#[tokio::test]
async fn uploads_need_the_csrf_token_and_the_role() {
    let w = World::new();
    let s = w.login_as(Role::VillageCadre).await;
    let file = csv_of(&good_file(&w));
    let res = w
        .send(upload_request(
            &s,
            Some(&"0".repeat(64)),
            "户籍表.csv",
            &file,
        ))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let a = w.login_as(Role::Analyst).await;
    let res = w.send(upload_request(&a, None, "户籍表.csv", &file)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // A form without a file comes back asking for one.
    let res = w.send(s.post_form("/import", "")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("请选择要上传的文件"));
    // Not a spreadsheet.
    let res = w.send(upload_request(&s, None, "x.pdf", b"%PDF-1.4")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("不是支持的表格格式"));
}

#[tokio::test]
async fn the_import_pages_switch_to_english_and_show_in_the_nav_of_importers_only() {
    let w = World::new();
    let s = w.login_as(Role::CountyApprover).await;
    let mut req = s.get("/import");
    req.headers_mut().insert(
        header::COOKIE,
        format!("{}; lang=en", s.cookie).parse().unwrap(),
    );
    let res = w.send(req).await;
    assert!(res.body.contains("Import households"), "{}", res.body);
    assert!(!res.body.contains('‽'));
    let home = w.send(s.get("/")).await;
    assert!(home.body.contains("href=\"/import\""));
    assert!(home.body.contains("href=\"/reports\""));
    let a = w.login_as(Role::Analyst).await;
    let home = w.send(a.get("/")).await;
    assert!(!home.body.contains("href=\"/import\""));
    assert!(home.body.contains("href=\"/reports\""));
}

/// Preview, a stale confirmation, a fresh preview and its commit, with every direct store call off the
/// async worker (the PostgreSQL client is synchronous).
async fn preview_stale_then_commit(w: &World) {
    let s = w.login_as(Role::TownshipReviewer).await;
    let file = tokio::task::block_in_place(|| csv_of(&good_file(w)));
    let before = tokio::task::block_in_place(|| registry_state(w));
    let res = w.send(upload_request(&s, None, "户籍表.csv", &file)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(text_of(&res.body, "would-created"), "1");
    assert_eq!(
        tokio::task::block_in_place(|| registry_state(w)),
        before,
        "a preview writes nothing"
    );
    let (token, sha) = (hidden(&res.body, "token"), hidden(&res.body, "sha256"));
    tokio::task::block_in_place(|| {
        let stored = w.db(|s| s.household(w.household_in2)).unwrap();
        let mut h = stored.household.clone();
        h.electricity ^= true;
        w.db(|s| {
            s.update_household(
                stored.id,
                stored.version,
                &h,
                chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                &Actor::new("别人"),
                "核实",
            )
        })
        .unwrap();
    });
    let res = w
        .send(s.post_form("/import/confirm", &format!("token={token}&sha256={sha}")))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let no = HouseholdNo::parse("5119020010010099").unwrap();
    assert!(
        tokio::task::block_in_place(|| w.db(|s| s.household_by_number(&no)).unwrap()).is_none()
    );

    let res = w.send(upload_request(&s, None, "户籍表.csv", &file)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (token, sha) = (hidden(&res.body, "token"), hidden(&res.body, "sha256"));
    let done = w
        .send(s.post_form("/import/confirm", &format!("token={token}&sha256={sha}")))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(text_of(&done.body, "done-created"), "1");
    tokio::task::block_in_place(|| {
        assert!(w.db(|s| s.household_by_number(&no)).unwrap().is_some());
        assert!(w.db(|s| s.audit_verify()).unwrap().is_ok());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_commits_only_on_its_basis_on_sqlite() {
    preview_stale_then_commit(&World::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_commits_only_on_its_basis_on_postgresql() {
    let Some((w, schema)) = tokio::task::block_in_place(World::postgres) else {
        return;
    };
    preview_stale_then_commit(&w).await;
    tokio::task::block_in_place(move || {
        drop(w);
        drop(schema);
    });
}
