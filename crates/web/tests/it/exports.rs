//! Excel export on every list (`features::exports`): each list downloaded and opened with calamine, in
//! full for a role that may see personal data and masked for one that may not (no resident ID, phone,
//! health, disability or visit finding in the file), each audited with its list, filters and row count;
//! POST with the CSRF token only; limited by the heavy-work limiter. On SQLite and PostgreSQL.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use calamine::{Reader, Xlsx};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use jingzhun_core::monitoring::{Cadre, CadreId, CadrePost, Measure, Visit, VisitPurpose};
use jingzhun_core::*;
use jingzhun_store::{Actor, AuditFilter};
use jingzhun_web::data::AccountId;
use jingzhun_web::heavy_work::HeavyKind;
use jingzhun_web::Role;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::*;

macro_rules! sync {
    ($e:expr) => {
        tokio::task::block_in_place(|| $e)
    };
}

fn worlds() -> Vec<(World, Option<PgSchema>)> {
    let mut out = vec![(World::new(), None)];
    if let Some((w, g)) = World::postgres() {
        out.push((w, Some(g)));
    }
    out
}

const FINDINGS: &str = "户主腿部残疾，行动需轮椅";
const CADRE_PHONE: &str = "13900001111";
const HOUSEHOLD_PHONE: &str = "13812345678";

/// A download: status, content type, the raw bytes.
struct File {
    status: StatusCode,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

async fn fetch(w: &World, req: Request<Body>) -> File {
    let res = w.router.clone().oneshot(req).await.unwrap();
    let header_of = |name| {
        res.headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (content_type, disposition) = (
        header_of(header::CONTENT_TYPE),
        header_of(header::CONTENT_DISPOSITION),
    );
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    File {
        status,
        content_type,
        disposition,
        bytes,
    }
}

/// The first worksheet of a workbook: its name and rows of cell texts (header first).
fn sheet(bytes: &[u8]) -> (String, Vec<Vec<String>>) {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let rows = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    (name, rows)
}

fn column<'a>(rows: &'a [Vec<String>], header: &str) -> Vec<&'a str> {
    let i = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}: {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].as_str()).collect()
}

fn account_id(w: &World, role: Role) -> AccountId {
    let name = username(role);
    AccountId(w.db(|s| s.account_by_username(&name).unwrap().unwrap().id))
}

/// A cadre, a measure and a visit for the monitored household, and an open case on the other one.
async fn seed(w: &World) -> CadreId {
    let hh = w.household_in;
    let cadre = sync!({
        let id = w.db(|s| s.next_cadre_id()).unwrap();
        w.db(|s| {
            s.create_cadre(
                &Cadre {
                    id,
                    name: PersonName::parse("赵六").unwrap(),
                    phone: Some(Phone::parse(CADRE_PHONE).unwrap()),
                    unit: "巴州区农业农村局".into(),
                    post: CadrePost::ResponsiblePerson,
                    area: AreaCode::parse(VILLAGE_IN).unwrap(),
                },
                &Actor::system("test"),
            )
        })
        .unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        w.db(|s| {
            s.add_measure(
                &Measure {
                    household: hh,
                    kind: AssistanceType::Employment,
                    description: "护林员岗位".into(),
                    started: d("2021-06-01"),
                    ended: None,
                    amount: Some(Yuan::from_yuan(3000)),
                    case: None,
                    cadre: Some(id),
                },
                &Actor::system("test"),
            )
        })
        .unwrap();
        w.db(|s| {
            s.add_visit(
                &Visit {
                    household: hh,
                    cadre: Some(id),
                    visited_on: d("2021-07-01"),
                    purpose: VisitPurpose::Routine,
                    findings: FINDINGS.into(),
                },
                &Actor::system("test"),
            )
        })
        .unwrap();
        id
    });
    let village = w.login_as(Role::VillageCadre).await;
    w.open_case(
        &village,
        w.household_in2,
        "channel=cadre_check&monitoring_kind=unstable&risk=illness",
    )
    .await;
    cadre
}

/// Every list: the route, its form fields, the sheet's name, and a column each row fills.
const LISTS: &[(&str, &str, &str, &str)] = &[
    ("/exports/search", "q=%E5%BC%A0", "农户查询结果", "户编号"),
    ("/exports/cases", "all=1", "监测事项清单", "事项编号"),
    ("/exports/monitored", "", "监测对象清单", "户编号"),
    ("/exports/measures", "", "帮扶措施清单", "措施内容"),
    ("/exports/visits", "", "走访记录清单", "走访日期"),
    ("/exports/cadres", "", "帮扶干部清单", "姓名"),
    (
        "/exports/whatif",
        "year=2020&poverty_line=20000",
        "政策推演变化户清单",
        "户编号",
    ),
    ("/warnings/export", "", "预警清单", "预警类型"),
];

/// The audit detail of the newest `export.<list>` entry of `role`.
fn audited(w: &World, role: Role, action: &str) -> Value {
    let entries = w.db(|s| {
        s.audit_entries(&AuditFilter {
            actor: Some(username(role)),
            ..Default::default()
        })
        .unwrap()
    });
    let e = entries
        .iter()
        .rev()
        .find(|e| e.action == action)
        .unwrap_or_else(|| panic!("{action} audited"));
    assert_eq!(e.entity, "export");
    serde_json::from_str(&e.detail).unwrap()
}

async fn every_list(w: &World) {
    seed(w).await;
    // The county approver sees personal data; the analyst does not (and runs what-if like the county).
    let county = w.login_as(Role::CountyApprover).await;
    let analyst = w.login_as(Role::Analyst).await;
    let ids: Vec<String> = [
        "51190219700101001",
        "51190219750202002",
        "51190219600505006",
    ]
    .iter()
    .map(|f| rid(f).as_str().to_owned())
    .collect();
    for (uri, fields, name, filled) in LISTS {
        for (s, role, masked) in [
            (&county, Role::CountyApprover, false),
            (&analyst, Role::Analyst, true),
        ] {
            let f = fetch(w, s.post_form(uri, fields)).await;
            assert_eq!(
                f.status,
                StatusCode::OK,
                "{uri} {role:?}: {}",
                String::from_utf8_lossy(&f.bytes)
            );
            assert_eq!(
                f.content_type,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            );
            assert!(f.disposition.starts_with("attachment;"), "{uri}");
            assert_eq!(
                f.disposition.contains("%E9%81%AE%E8%94%BD"),
                masked,
                "{uri}: 遮蔽 in the name"
            );
            let (sheet_name, rows) = sheet(&f.bytes);
            assert_eq!(&sheet_name, name, "{uri}");
            assert!(
                rows.len() >= 2,
                "{uri} {role:?}: a header and rows: {rows:?}"
            );
            assert!(
                column(&rows, filled).iter().all(|v| !v.is_empty()),
                "{uri}: {filled} filled"
            );
            let text = rows.iter().flatten().cloned().collect::<Vec<_>>().join("|");
            if masked {
                // No resident ID, phone, health, disability or visit finding in a masked export.
                for id in &ids {
                    assert!(!text.contains(id.as_str()), "{uri}: full ID in {text}");
                }
                for personal in [
                    HOUSEHOLD_PHONE,
                    CADRE_PHONE,
                    FINDINGS,
                    "长期慢性病",
                    "残疾",
                    "患有大病",
                    "因病",
                ] {
                    assert!(!text.contains(personal), "{uri}: {personal} in {text}");
                }
                for header in ["成员健康状况", "走访情况", "风险类型"] {
                    assert!(!rows[0].iter().any(|h| h == header), "{uri}: {header}");
                }
            }
            // Audited: who, which list, the filters, the rows, masked or not.
            let list = uri.trim_start_matches("/exports/").trim_start_matches('/');
            let action = if *uri == "/warnings/export" {
                "export.warnings".to_owned()
            } else {
                format!("export.{list}")
            };
            let detail = sync!(audited(w, role, &action));
            assert_eq!(detail["masked"], masked, "{uri}");
            assert_eq!(
                detail["rows"].as_u64(),
                Some(rows.len() as u64 - 1),
                "{uri}"
            );
            assert!(detail["filters"].is_object(), "{uri}");
        }
    }

    // In full for the county: the identity, health and findings the lists carry.
    let full = |uri: &'static str| {
        let county = &county;
        async move { sheet(&fetch(w, county.post_form(uri, "")).await.bytes).1 }
    };
    let monitored = full("/exports/monitored").await;
    assert_eq!(monitored.len(), 2, "one monitored household: {monitored:?}");
    assert_eq!(column(&monitored, "户主证件号码"), [ids[0].as_str()]);
    assert_eq!(column(&monitored, "联系电话"), [HOUSEHOLD_PHONE]);
    assert_eq!(column(&monitored, "监测类型"), ["脱贫不稳定户"]);
    assert_eq!(column(&monitored, "行政村"), ["石城村委会"]);
    assert_eq!(column(&monitored, "风险类型"), ["因病"]);
    assert!(column(&monitored, "成员健康状况")[0].contains("张三：长期慢性病"));
    let measures = full("/exports/measures").await;
    assert_eq!(column(&measures, "措施内容"), ["护林员岗位"]);
    assert_eq!(column(&measures, "金额(元)"), ["3000"]);
    assert_eq!(column(&measures, "状态"), ["实施中"]);
    let visits = full("/exports/visits").await;
    assert_eq!(column(&visits, "走访情况"), [FINDINGS]);
    assert_eq!(column(&visits, "帮扶干部"), ["赵六"]);
    assert_eq!(column(&visits, "行政村"), ["石城村委会"]);
    let cadres = full("/exports/cadres").await;
    assert_eq!(column(&cadres, "联系电话"), [CADRE_PHONE]);
    let cases = full("/exports/cases").await;
    assert_eq!(cases.len(), 2, "the open case: {cases:?}");
    assert_eq!(column(&cases, "户编号"), ["5119020010010002"]);

    // The village cadre's exports stay in the village; another area answers 404.
    let village = w.login_as(Role::VillageCadre).await;
    let f = fetch(w, village.post_form("/exports/monitored", "area=511902002")).await;
    assert_eq!(f.status, StatusCode::NOT_FOUND);

    // POST with the session's token only; never a GET.
    let f = fetch(
        w,
        Request::post("/exports/monitored")
            .header(header::COOKIE, &county.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("area="))
            .unwrap(),
    )
    .await;
    assert_eq!(f.status, StatusCode::FORBIDDEN);
    let f = fetch(w, county.get("/exports/monitored")).await;
    assert_eq!(f.status, StatusCode::METHOD_NOT_ALLOWED);

    // Heavy work: while the county's place is taken, its export is refused with Retry-After.
    let permit = sync!(w
        .state
        .heavy()
        .admit(account_id(w, Role::CountyApprover), HeavyKind::Report)
        .unwrap());
    let res = w.send(county.post_form("/exports/measures", "")).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.retry_after.is_some());
    drop(permit);
    let res = w.send(county.post_form("/exports/measures", "")).await;
    assert_eq!(res.status, StatusCode::OK);

    // The page offers the lists, with the CSRF token in every form.
    let page = w.send(county.get("/exports")).await;
    assert_eq!(page.status, StatusCode::OK);
    for list in ["monitored", "measures", "visits", "cadres", "cases"] {
        assert!(
            page.body.contains(&format!("action=\"/exports/{list}\"")),
            "{list}"
        );
    }
    assert!(page.body.contains(&county.csrf));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_exports_masked_audited_and_limited() {
    for (w, guard) in sync!(worlds()) {
        every_list(&w).await;
        sync!({
            drop(w);
            drop(guard);
        });
    }
}
