//! The monitoring workflow on the store's case tables, and a household's assistance (measures, visits,
//! paired cadres), over HTTP on SQLite and (when `JINGZHUN_TEST_DATABASE_URL` is set) PostgreSQL.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use jingzhun_core::monitoring::{
    Cadre, CadreId, CadrePost, CaseId, CaseKind, CaseRecord, CaseStep, Outcome, Step,
};
use jingzhun_core::*;
use jingzhun_store::{Actor, MonitoringBatch};
use jingzhun_web::Role;

use crate::support::*;

/// The store's PostgreSQL client blocks on its own runtime: calls from a test go through this.
macro_rules! sync {
    ($e:expr) => {
        tokio::task::block_in_place(|| $e)
    };
}

/// A SQLite world, and a PostgreSQL one when configured (with the guard that drops its schema).
fn worlds() -> Vec<(World, Option<PgSchema>)> {
    let mut out = vec![(World::new(), None)];
    if let Some((w, g)) = World::postgres() {
        out.push((w, Some(g)));
    }
    out
}

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

pub fn json_post(s: &Session, uri: &str, body: serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", &s.csrf)
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn cadre(w: &World, name: &str, village: &str) -> CadreId {
    let id = sync!(w.db(|s| s.next_cadre_id()).unwrap());
    w.db(|s| {
        s.create_cadre(
            &Cadre {
                id,
                name: PersonName::parse(name).unwrap(),
                phone: Some(Phone::parse("13900001111").unwrap()),
                unit: "巴州区农业农村局".into(),
                post: CadrePost::ResponsiblePerson,
                area: AreaCode::parse(village).unwrap(),
            },
            &Actor::system("test"),
        )
    })
    .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measures_visits_and_pairings_are_recorded_through_validated_forms() {
    for (w, _guard) in sync!(worlds()) {
        let hh = w.household_in;
        let ours = sync!(cadre(&w, "赵六", VILLAGE_IN));
        let theirs = sync!(cadre(&w, "孙七", VILLAGE_OTHER_TOWNSHIP));
        let village = w.login_as(Role::VillageCadre).await;
        let township = w.login_as(Role::TownshipReviewer).await;
        let county = w.login_as(Role::CountyApprover).await;
        let analyst = w.login_as(Role::Analyst).await;
        let base = format!("/households/{}", hh.0);

        let form = w.send(village.get(&format!("{base}/measures/new"))).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("赵六"), "the village's cadre is offered");
        assert!(!form.body.contains("孙七"), "another township's is not");

        // Every invalid field says what is wrong with it, and nothing is written.
        let bad = w
            .send(village.post_form(
                &format!("{base}/measures"),
                &format!("kind=&description=&started=2024-13-01&amount=abc&cadre={theirs}"),
            ))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        for message in [
            "必须选择一项",
            "此项必须填写",
            "2024-13-01",
            "金额「abc」无效",
            "请从列表中选择",
        ] {
            assert!(bad.body.contains(message), "{message}: {}", bad.body);
        }
        assert!(sync!(w.db(|s| s.measures_of(hh)).unwrap()).is_empty());

        let t = today();
        let ok = w
            .send(village.post_form(
                &format!("{base}/measures"),
                &format!(
                    "kind=public_welfare_post&description=%E6%8A%A4%E6%9E%97%E5%91%98%E5%B2%97%E4%BD%8D&started={t}&amount=3000&cadre={ours}"
                ),
            ))
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let measures = sync!(w.db(|s| s.measures_of(hh)).unwrap());
        assert_eq!(measures.len(), 1);
        assert_eq!(measures[0].1.description, "护林员岗位");
        assert_eq!(measures[0].1.cadre, Some(ours));
        assert_eq!(measures[0].1.amount, Some(Yuan::from_yuan(3000)));
        assert_eq!(
            sync!(w.audit_count(&username(Role::VillageCadre), "monitoring.measure_add")),
            1
        );

        // A visit; its findings may mention health: only roles that see personal data read them.
        let visit = w
            .send(village.post_form(
                &format!("{base}/visits"),
                &format!("visited_on={t}&purpose=routine&cadre={ours}&findings=%E8%80%81%E4%BA%BA%E4%BD%8F%E9%99%A2"),
            ))
            .await;
        assert_eq!(visit.status, StatusCode::SEE_OTHER, "{}", visit.body);
        let future = w
            .send(village.post_form(
                &format!("{base}/visits"),
                &format!(
                    "visited_on={}&purpose=routine&findings=x",
                    t + Duration::days(3)
                ),
            ))
            .await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(future.body.contains("晚于今天"));
        assert_eq!(sync!(w.db(|s| s.visits_of(hh)).unwrap()).len(), 1);

        // Pairing: the township pairs, the village may not; a cadre from elsewhere is not offered.
        let pair = format!("{base}/cadres");
        assert_eq!(
            w.send(village.post_form(&pair, &format!("cadre={ours}&from={t}")))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let elsewhere = w
            .send(township.post_form(&pair, &format!("cadre={theirs}&from={t}")))
            .await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(elsewhere.body.contains("请从列表中选择"));
        let paired = w
            .send(township.post_form(&pair, &format!("cadre={ours}&from={t}")))
            .await;
        assert_eq!(paired.status, StatusCode::SEE_OTHER, "{}", paired.body);
        let again = w
            .send(township.post_form(&pair, &format!("cadre={ours}&from={t}")))
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("已于"), "{}", again.body);

        // What each role reads.
        let seen = w
            .send(county.get(&format!("/api/v1/households/{}", hh.0)))
            .await
            .json();
        let m = &seen["monitoring"];
        assert_eq!(m["measures"][0]["description"], "护林员岗位");
        assert_eq!(m["measures"][0]["cadre"], "赵六");
        assert_eq!(m["measures"][0]["running"], true);
        assert_eq!(m["visits"][0]["findings"], "老人住院");
        assert_eq!(m["cadres"][0]["name"], "赵六");
        assert_eq!(m["cadres"][0]["phone"], "13900001111");
        let masked = w
            .send(analyst.get(&format!("/api/v1/households/{}/monitoring", hh.0)))
            .await
            .json();
        assert_eq!(
            masked["monitoring"]["visits"][0]["findings"],
            serde_json::Value::Null
        );
        assert_eq!(masked["monitoring"]["cadres"][0]["phone"], "139****1111");
        let page = w.send(analyst.get(&base)).await;
        assert!(page.body.contains("护林员岗位") && page.body.contains("赵六"));
        assert!(!page.body.contains("老人住院") && !page.body.contains("13900001111"));

        // The pages and forms render in both languages without a missing text.
        for lang in ["zh", "en"] {
            for (session, uri) in [
                (&village, base.clone()),
                (&village, format!("{base}/measures/new")),
                (&village, format!("{base}/measures/end")),
                (&village, format!("{base}/visits/new")),
                (&township, format!("{base}/cadres/new")),
            ] {
                let res = w
                    .send(
                        Request::get(uri.as_str())
                            .header(header::COOKIE, format!("{}; lang={lang}", session.cookie))
                            .body(Body::empty())
                            .unwrap(),
                    )
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{uri}");
                assert!(!res.body.contains('‽'), "{uri} in {lang}");
            }
        }

        // Ending a measure: not before it started.
        let mid = measures[0].0;
        let early = w
            .send(village.post_form(
                &format!("{base}/measures/end"),
                &format!("measure={mid}&ended=1999-01-01"),
            ))
            .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(early.body.contains("早于措施开始日期"));
        let ended = w
            .send(village.post_form(
                &format!("{base}/measures/end"),
                &format!("measure={mid}&ended={t}"),
            ))
            .await;
        assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
        assert_eq!(
            sync!(w.db(|s| s.measures_of(hh)).unwrap())[0].1.ended,
            Some(t)
        );

        // The same through the JSON API.
        let created = w
            .send(json_post(
                &village,
                &format!("/api/v1/households/{}/measures", hh.0),
                serde_json::json!({"kind": "medical", "description": "大病救助", "started": t.to_string(), "amount": 1500}),
            ))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(
            created.json()["monitoring"]["measures"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let invalid = w
            .send(json_post(
                &village,
                &format!("/api/v1/households/{}/measures", hh.0),
                serde_json::json!({"kind": "nonsense", "started": "2024-02-30"}),
            ))
            .await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        let j = invalid.json();
        let message = |name: &str| {
            j["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["field"] == name)
                .map(|f| f["message"].as_str().unwrap().to_owned())
        };
        assert_eq!(message("kind").as_deref(), Some("请从列表中选择"));
        assert_eq!(message("description").as_deref(), Some("此项必须填写"));
        assert!(message("started").unwrap().contains("2024-02-30"));
        assert_eq!(message("amount"), None, "an optional empty field is fine");
        assert_eq!(sync!(w.db(|s| s.measures_of(hh)).unwrap()).len(), 2);
        sync!(drop((w, _guard)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_lead_and_a_stale_step_are_refused_with_the_reason() {
    for (w, _guard) in sync!(worlds()) {
        let cadre = w.login_as(Role::VillageCadre).await;
        let township = w.login_as(Role::TownshipReviewer).await;
        let lead = "channel=cadre_check&monitoring_kind=unstable&risk=illness";
        let id = w.open_case(&cadre, w.household_in2, lead).await;
        assert_eq!(id, format!("{}-1", w.household_in2.0));

        // One open case per household: the refusal names it.
        let again = w
            .send(cadre.post_form(&format!("/households/{}/leads", w.household_in2.0), lead))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.body.contains("未办结的监测事项"), "{}", again.body);
        assert!(again.body.contains(&format!("/cases/{id}")));
        let api = w
            .send(json_post(
                &cadre,
                &format!("/api/v1/households/{}/leads", w.household_in2.0),
                serde_json::json!({"channel": "self_application", "monitoring_kind": "unstable", "risk_types": ["illness"]}),
            ))
            .await;
        assert_eq!(api.status, StatusCode::CONFLICT);
        assert_eq!(api.json()["open_case"], id.as_str());
        assert_eq!(
            sync!(w.db(|s| s.cases_of_household(w.household_in2)).unwrap()).len(),
            1
        );

        // Two pages showing the lead: the first visit is recorded, the second is stale.
        let page = w.send(cadre.get(&format!("/cases/{id}"))).await;
        assert!(page.body.contains(r#"name="seen" value="1""#));
        let visit = format!("/cases/{id}/visit");
        let first = w.send(cadre.post_form(&visit, "outcome=pass&seen=1")).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        let stale = w
            .send(cadre.post_form(&visit, "outcome=reject&seen=1"))
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("已被他人办理"), "{}", stale.body);
        assert!(
            stale.body.contains("数据比对"),
            "the page shows the case as it now stands"
        );
        let stale_api = w
            .send(json_post(
                &cadre,
                &format!("/api/v1/cases/{id}/comparison"),
                serde_json::json!({"outcome": "pass", "seen": 1}),
            ))
            .await;
        assert_eq!(stale_api.status, StatusCode::CONFLICT);
        let body = stale_api.json();
        assert_eq!(body["case"]["line"]["step_count"], 2);
        assert!(body["message"].as_str().unwrap().contains("已被他人办理"));
        // Out of turn.
        let early = w
            .send(township.post_form(
                &format!("/cases/{id}/township-review"),
                "outcome=pass&seen=2",
            ))
            .await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        assert!(early.body.contains("当前应办理"), "{}", early.body);

        let case = sync!(w.db(|s| s.case(&CaseId::parse(&id).unwrap())).unwrap()).unwrap();
        assert_eq!(case.steps.len(), 2, "only the first visit was stored");
        assert_eq!(case.steps[1].outcome, Outcome::Pass);
        // Every step is audited by the store, as the account.
        assert_eq!(
            sync!(w.audit_count(&username(Role::VillageCadre), "monitoring.case_open")),
            1
        );
        assert_eq!(
            sync!(w.audit_count(&username(Role::VillageCadre), "monitoring.case_step")),
            1
        );
        sync!(drop((w, _guard)));
    }
}

/// A monitored household in the cadre's village that meets every elimination condition but the
/// measures: safe house and water, an income well above the lines, monitored since 2021, `labour` for its
/// one member.
fn monitored_household(
    w: &World,
    number: &str,
    since: NaiveDate,
    labour: LabourAbility,
) -> HouseholdId {
    let year = u16::try_from(today().year()).unwrap();
    let mut m = member(
        "钱八",
        rid(&format!("51190219800101{}", &number[13..])),
        Relationship::Head,
    );
    m.labour = Some(labour);
    m.health = Health::Healthy;
    let mut h = household(number, VILLAGE_IN, vec![m]);
    h.housing.grade = Some(HousingGrade::A);
    h.water.litres_per_person_day = Some(100);
    h.water.quality_ok = Some(true);
    h.incomes = (year - 3..year)
        .map(|y| IncomeRecord::new(y).with(IncomeComponent::Wages, Yuan::from_yuan(40_000)))
        .collect();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut monitored = StatusEvent::new(StatusEventKind::Monitored, since);
    monitored.monitoring_kind = Some(MonitoringKind::Unstable);
    monitored.risk_types = vec![RiskType::Illness];
    let events = [
        StatusEvent::new(StatusEventKind::Registered, d("2014-10-01")),
        StatusEvent::new(StatusEventKind::Exited, d("2018-12-01")),
        monitored,
    ];
    sync!(w
        .db(|s| s.create_household(&h, &events, d("2014-10-01"), &Actor::system("test"), "test"))
        .unwrap())
    .0
}

/// Opens a lead on a monitored household (a risk-elimination case) and walks it to the county.
async fn to_county(w: &World, household: HouseholdId) -> String {
    let cadre = w.login_as(Role::VillageCadre).await;
    let township = w.login_as(Role::TownshipReviewer).await;
    let id = w
        .open_case(
            &cadre,
            household,
            "channel=cadre_check&monitoring_kind=unstable&risk=illness",
        )
        .await;
    for (s, seg) in [
        (&cadre, "visit"),
        (&cadre, "comparison"),
        (&cadre, "village-review"),
        (&township, "township-review"),
    ] {
        if seg == "township-review" {
            w.end_notices();
        }
        let res = w
            .send(s.post_form(
                &format!("/cases/{id}/{seg}"),
                &format!("outcome=pass&{REVIEW}"),
            ))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{seg}: {}", res.body);
    }
    id
}

fn holds(case: &serde_json::Value, rule: &str) -> bool {
    case["elimination"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == rule)
        .unwrap_or_else(|| panic!("{rule} in {case}"))["holds"]
        .as_bool()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risk_elimination_needs_a_measure_enough_months_and_someone_able_to_work() {
    for (w, _guard) in sync!(worlds()) {
        let county = w.login_as(Role::CountyApprover).await;
        let cadre = w.login_as(Role::VillageCadre).await;
        let t = today();
        let long_ago = NaiveDate::from_ymd_opt(2021, 5, 1).unwrap();
        let measure = |h: HouseholdId| {
            cadre.post_form(
                &format!("/households/{}/measures", h.0),
                &format!("kind=employment&description=%E5%B0%B1%E4%B8%9A&started={t}"),
            )
        };
        let approve =
            |id: &str| county.post_form(&format!("/cases/{id}/county-approval"), "outcome=pass");

        // Without a measure the approval is refused, with the reason; the case page shows the conditions.
        let h = monitored_household(&w, "5119020010010009", long_ago, LabourAbility::Ordinary);
        let id = to_county(&w, h).await;
        let case = w
            .send(county.get(&format!("/api/v1/cases/{id}")))
            .await
            .json();
        assert_eq!(case["line"]["kind"], "elimination");
        assert!(!holds(&case, "elimination.measures"));
        for rule in [
            "elimination.income",
            "elimination.guarantees",
            "elimination.months_monitored",
        ] {
            assert!(holds(&case, rule), "{rule}: {case}");
        }
        let refused = w.send(approve(&id)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(refused.body.contains("不符合风险消除条件") && refused.body.contains("帮扶措施"));
        assert!(
            refused.body.contains(r#"id="elimination""#),
            "the conditions are shown"
        );
        let status = |h: HouseholdId| {
            let s = sync!(w.db(|s| s.household(h)).unwrap());
            HouseholdStatus::on(&s.events, t).monitoring
        };
        assert!(status(h).is_some(), "still monitored");
        // With one, it is approved and the household's risk is eliminated in the same write.
        assert_eq!(w.send(measure(h)).await.status, StatusCode::SEE_OTHER);
        let ok = w.send(approve(&id)).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(status(h), None);
        let events = sync!(w.db(|s| s.household(h)).unwrap()).events;
        assert_eq!(events.last().unwrap().kind, StatusEventKind::RiskEliminated);

        // Identified too recently.
        let recent = monitored_household(
            &w,
            "5119020010010010",
            t - Duration::days(30),
            LabourAbility::Ordinary,
        );
        let id = to_county(&w, recent).await;
        assert_eq!(w.send(measure(recent)).await.status, StatusCode::SEE_OTHER);
        let case = w
            .send(county.get(&format!("/api/v1/cases/{id}")))
            .await
            .json();
        assert!(holds(&case, "elimination.measures"));
        assert!(!holds(&case, "elimination.months_monitored"));
        let refused = w.send(approve(&id)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(refused.body.contains("纳入监测月数"), "{}", refused.body);
        assert!(status(recent).is_some());

        // No one able to work: the rules keep the household monitored, and the page says so.
        let no_labour =
            monitored_household(&w, "5119020010010011", long_ago, LabourAbility::NoLabour);
        let id = to_county(&w, no_labour).await;
        assert_eq!(
            w.send(measure(no_labour)).await.status,
            StatusCode::SEE_OTHER
        );
        let page = w.send(county.get(&format!("/cases/{id}"))).await;
        assert!(page.body.contains("继续监测"), "{}", page.body);
        let refused = w.send(approve(&id)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(refused.body.contains("继续监测"));
        assert!(status(no_labour).is_some());
        sync!(drop((w, _guard)));
    }
}

/// Before the case tables, every lead and every case page read every case in the database (folded from
/// the audit log). Now a case is read by its id and a lead reads only its household's next number: a
/// case row elsewhere that cannot even be decoded does not disturb them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_case_does_not_read_every_case() {
    for (w, _guard) in sync!(worlds()) {
        let other = w.household_other_township.0;
        sync!(w.raw_sql(&format!(
            "INSERT INTO monitoring_cases (id, household_id, case_no, village_code, kind, channel, \
             monitoring_kind, risk_types, opened_at, state, next_step, closed_at, step_count, \
             last_step_at) \
             VALUES ('{other}-1', {other}, 1, '{VILLAGE_OTHER_TOWNSHIP}', 'not_a_kind', 'cadre_check', \
             NULL, '', '2024-01-01T00:00:00.000000Z', 'open', 'visit', NULL, 1, \
             '2024-01-01T00:00:00.000000Z')"
        )));
        let cadre = w.login_as(Role::VillageCadre).await;
        let id = w
            .open_case(
                &cadre,
                w.household_in2,
                "channel=cadre_check&monitoring_kind=unstable&risk=illness",
            )
            .await;
        for uri in [
            format!("/cases/{id}"),
            format!("/households/{}", w.household_in2.0),
            "/cases".to_owned(),
        ] {
            let res = w.send(cadre.get(&uri)).await;
            assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.body);
        }
        let step = w
            .send(cadre.post_form(&format!("/cases/{id}/visit"), "outcome=pass"))
            .await;
        assert_eq!(step.status, StatusCode::SEE_OTHER, "{}", step.body);
        // The county's list does read that row, and says so rather than showing a wrong list.
        let county = w.login_as(Role::CountyApprover).await;
        let listed = w.send(county.get("/cases")).await;
        assert_eq!(listed.status, StatusCode::INTERNAL_SERVER_ERROR);
        sync!(drop((w, _guard)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_counts_cases_by_step_and_against_the_time_limit() {
    for (w, _guard) in sync!(worlds()) {
        let t = today();
        let at = |days_ago: i64| {
            (t - Duration::days(days_ago))
                .and_hms_opt(2, 0, 0)
                .unwrap()
                .and_utc()
        };
        let case = |h: HouseholdId, village: &str, days_ago: i64, steps: &[Step]| CaseRecord {
            id: CaseId::new(h, 1).unwrap(),
            village: AreaCode::parse(village).unwrap(),
            kind: CaseKind::Identification,
            channel: Channel::CadreCheck,
            monitoring_kind: Some(MonitoringKind::Marginal),
            risk_types: vec![],
            steps: steps
                .iter()
                .map(|s| CaseStep {
                    step: *s,
                    outcome: Outcome::Pass,
                    by: "t".into(),
                    at: at(days_ago),
                    note: String::new(),
                })
                .collect(),
        };
        // The limit is 15 days: 40 days ago is overdue, 13 days ago is due within 3 days.
        let batch = MonitoringBatch {
            cases: vec![
                case(w.household_in, VILLAGE_IN, 40, &[Step::Lead]),
                case(w.household_in2, VILLAGE_IN, 13, &[Step::Lead, Step::Visit]),
                case(
                    w.household_other_township,
                    VILLAGE_OTHER_TOWNSHIP,
                    1,
                    &[Step::Lead, Step::Visit],
                ),
                case(w.household_out, VILLAGE_OUT, 40, &[Step::Lead]),
            ],
            ..MonitoringBatch::default()
        };
        sync!(w
            .db(|s| s.bulk_load_monitoring(&batch, &Actor::system("test")))
            .unwrap());
        let county = w.login_as(Role::CountyApprover).await;
        let d = w.send(county.get("/api/v1/dashboard")).await.json();
        let c = &d["cases"];
        assert_eq!(c["open"], 3, "{c}");
        assert_eq!(c["overdue"], 1, "{c}");
        assert_eq!(c["near"], 1, "{c}");
        assert_eq!(
            c["by_step"],
            serde_json::json!([
                ["visit", "入户核实（签署授权承诺书）", 1],
                ["comparison", "数据比对", 2]
            ])
        );
        let page = w.send(county.get("/")).await;
        assert!(page.body.contains(r#"id="cases-by-step""#));
        assert!(page.body.contains("/cases?area=511902"));
        let township = w.login_as(Role::TownshipReviewer).await;
        let d = w.send(township.get("/api/v1/dashboard")).await.json();
        assert_eq!(d["cases"]["open"], 2, "the township counts its own");
        // The inbox lists the open cases, oldest first, scoped.
        let inbox = w.send(county.get("/api/v1/cases")).await.json();
        let ids: Vec<&str> = inbox["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                format!("{}-1", w.household_in.0),
                format!("{}-1", w.household_in2.0),
                format!("{}-1", w.household_other_township.0)
            ]
        );
        assert_eq!(inbox["cases"][0]["timing"], "overdue");
        // The inbox's filters: by step, near or past the time limit, mine; newest first.
        let ids = |v: &serde_json::Value| -> Vec<String> {
            v["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let comparison = w
            .send(county.get("/api/v1/cases?step=comparison"))
            .await
            .json();
        assert_eq!(
            (ids(&comparison).len(), &comparison["total"]),
            (2, &serde_json::json!(2))
        );
        let overdue = w
            .send(county.get("/api/v1/cases?timing=overdue"))
            .await
            .json();
        assert_eq!(ids(&overdue), [format!("{}-1", w.household_in.0)]);
        let near = w.send(county.get("/api/v1/cases?timing=near")).await.json();
        assert_eq!(near["total"], 1, "{near}");
        assert!(near["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["timing"] == "near"));
        let mine = w.send(county.get("/api/v1/cases?mine=1")).await.json();
        assert_eq!(mine["total"], 0, "nothing waits for the county");
        let newest = w.send(county.get("/api/v1/cases?sort=newest")).await.json();
        let mut reversed = ids(&inbox);
        reversed.reverse();
        assert_eq!(ids(&newest), reversed);
        let bad = w.send(county.get("/api/v1/cases?timing=soon")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let todo = w.send(county.get("/api/v1/cases/todo")).await.json();
        assert_eq!(todo["count"], 0);
        let cadre = w.login_as(Role::VillageCadre).await;
        let todo = w.send(cadre.get("/api/v1/cases/todo")).await.json();
        assert_eq!(
            todo["count"], 2,
            "the village's visit and comparison wait for the cadre: {todo}"
        );
        let outside = w.send(county.get("/api/v1/cases?area=511903")).await;
        assert_eq!(outside.status, StatusCode::NOT_FOUND);
        sync!(drop((w, _guard)));
    }
}
