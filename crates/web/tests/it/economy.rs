//! The economy pages: the lists of the account's area only, the XLSX export by POST with CSRF (masked,
//! audited), and the household page's links and members' work — on both backends.

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{Reader, Xlsx};
use http_body_util::BodyExt;
use jingzhun_core::economy::*;
use jingzhun_core::{AreaCode, Yuan};
use jingzhun_store::{Actor, EconomyBatch};
use jingzhun_web::Role;
use tower::ServiceExt;

use crate::support::*;

fn worlds() -> Vec<(World, Option<PgSchema>)> {
    let mut out = vec![(World::new(), None)];
    if let Some((w, g)) = World::postgres() {
        out.push((w, Some(g)));
    }
    out
}

fn code(s: &str) -> AreaCode {
    AreaCode::parse(s).unwrap()
}

fn coop(id: i64, name: &str, village: &str) -> Operator {
    Operator {
        id: OperatorId(id),
        name: name.into(),
        kind: OperatorKind::Cooperative,
        level: None,
        recognised_year: None,
        area: code(village),
    }
}

fn base(id: i64, name: &str, village: &str) -> IndustryBase {
    IndustryBase {
        id: BaseId(id),
        name: name.into(),
        kind: IndustryKind::Tea,
        area_mu: 100.0,
        village: code(village),
        operator: None,
        established: 2016,
    }
}

fn account(village: &str) -> CollectiveAccount {
    CollectiveAccount {
        village: code(village),
        year: 2020,
        income: [
            Yuan::from_yuan(150_000),
            Yuan::ZERO,
            Yuan::ZERO,
            Yuan::from_yuan(10),
        ],
        assets: Yuan::from_yuan(1_000_000),
        projects: vec![],
    }
}

fn seed(w: &World) -> String {
    let member = w.store.household(w.household_in).unwrap().household.members[0].resident_id;
    let batch = EconomyBatch {
        operators: vec![
            coop(1, "本村茶叶专业合作社", VILLAGE_IN),
            coop(2, "邻乡养殖专业合作社", VILLAGE_OTHER_TOWNSHIP),
            coop(3, "外县猕猴桃专业合作社", VILLAGE_OUT),
        ],
        bases: vec![
            base(10, "本村白茶基地", VILLAGE_IN),
            base(11, "邻乡茶园", VILLAGE_OTHER_TOWNSHIP),
            base(12, "外县茶园", VILLAGE_OUT),
        ],
        accounts: vec![account(VILLAGE_IN), account(VILLAGE_OUT)],
        links: vec![IndustryLink {
            household: w.household_in,
            operator: OperatorId(1),
            base: Some(BaseId(10)),
            kind: LinkKind::Dividend,
            year: 2020,
            amount: Yuan::from_yuan(321),
        }],
        employment: vec![EmploymentRecord {
            household: w.household_in,
            member,
            year: 2020,
            status: EmploymentStatus::Workshop,
            months: 9,
            wage: Yuan::from_yuan(13_500),
            reason: None,
        }],
        ..EconomyBatch::default()
    };
    w.store
        .save_economy(&batch, &Actor::new("录入员"), "测试数据")
        .unwrap();
    member.as_str().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_list_the_area_only_and_export_masked_and_audited() {
    for (w, guard) in tokio::task::block_in_place(worlds) {
        let member = tokio::task::block_in_place(|| seed(&w));

        // A county approver (511902): both townships, not the other county.
        let c = w.login_as(Role::CountyApprover).await;
        let page = w.send(c.get("/economy?year=2020")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("本村白茶基地") && page.body.contains("邻乡茶园"));
        assert!(page.body.contains("本村茶叶专业合作社"));
        assert!(!page.body.contains("外县"), "outside the county");
        assert!(page.body.contains("10万至100万元"));

        // A village cadre: the village only.
        let v = w.login_as(Role::VillageCadre).await;
        let page = w.send(v.get("/economy?year=2020")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("本村白茶基地"));
        assert!(!page.body.contains("邻乡茶园"), "outside the village");
        assert_eq!(
            w.send(v.get("/economy?year=abc")).await.status,
            StatusCode::BAD_REQUEST
        );

        // The export: POST with the CSRF token only.
        let a = w.login_as(Role::Analyst).await;
        let mut forged = a.post_form("/economy/export", "year=2020");
        *forged.body_mut() = axum::body::Body::from("year=2020");
        assert_eq!(w.send(forged).await.status, StatusCode::FORBIDDEN);
        let count = |w: &World| {
            tokio::task::block_in_place(|| {
                w.audit_count(&username(Role::Analyst), "export.economy")
            })
        };
        let before = count(&w);
        let res = w
            .router
            .clone()
            .oneshot(a.post_form("/economy/export", "year=2020"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let cells = |book: &mut Xlsx<_>, sheet: &str| -> Vec<String> {
            book.worksheet_range(sheet)
                .unwrap()
                .rows()
                .flatten()
                .map(|c| c.to_string())
                .collect()
        };
        let work = cells(&mut book, "就业");
        assert!(!work.contains(&member), "resident IDs masked");
        assert!(
            work.iter().any(|c| c.contains("****") || c.contains('*')),
            "{work:?}"
        );
        let bases = cells(&mut book, "产业基地");
        assert!(bases.iter().any(|c| c == "邻乡茶园"));
        assert!(!bases.iter().any(|c| c == "外县茶园"));
        assert_eq!(count(&w), before + 1);

        // The household page: its link and its member's work, by name.
        let page = w
            .send(c.get(&format!("/households/{}", w.household_in)))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("联农带农与务工就业"), "{}", page.body);
        assert!(page.body.contains("本村茶叶专业合作社") && page.body.contains("入股分红"));
        assert!(page.body.contains("就业帮扶车间"));
        let other = w
            .send(c.get(&format!("/households/{}", w.household_other_township)))
            .await;
        assert!(
            !other.body.contains("联农带农与务工就业"),
            "no section without records"
        );
        tokio::task::block_in_place(|| drop((w, guard)));
    }
}
