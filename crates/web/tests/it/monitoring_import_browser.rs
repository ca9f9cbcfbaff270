//! The monitoring-records import page (`/import/monitoring`, issue 13 §10) in a real browser (see
//! `browser.rs` for the driver), on a desktop window and on a phone (390 × 844): a village cadre uploads a
//! workbook written by `jingzhun_io::monitoring::write_monitoring_xlsx` (the layout of the template), sees
//! the preview with what would be written and nothing written yet, confirms, sees the counts, and finds
//! the imported decision and measure (desktop) or measure and visit (phone) on the household page.
//! Screenshots under `target/browser-screenshots/` (50–57).

use chrono::NaiveDate;
use jingzhun_core::monitoring::{Measure, MonitoringHistory, Visit, VisitPurpose};
use jingzhun_core::{
    AssistanceType, HouseholdId, HouseholdNo, MonitoringKind, RiskType, StatusEvent,
    StatusEventKind, Yuan,
};
use jingzhun_io::monitoring::{write_monitoring_xlsx, MonitoringExport};
use jingzhun_web::Role;
use serde_json::{json, Value};

use crate::browser::{have_chromedriver, overflows, serve, Driver};
use crate::support::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn script(d: &Driver, js: &str) -> Value {
    d.post("/execute/sync", json!({"script": js, "args": []}))
}

fn number(w: &World, id: HouseholdId) -> HouseholdNo {
    w.db(|s| s.household(id)).unwrap().household.number
}

/// The workbook the national system's export (or our template, filled in) would be: `records` written by
/// the io crate's writer, saved as `name` in `dir`.
fn workbook(
    w: &World,
    records: &MonitoringHistory,
    dir: &std::path::Path,
    name: &str,
) -> std::path::PathBuf {
    let numbers = [
        (w.household_in, number(w, w.household_in)),
        (w.household_in2, number(w, w.household_in2)),
    ];
    let no = |h: HouseholdId| {
        numbers
            .iter()
            .find(|(id, _)| *id == h)
            .map(|(_, n)| n.clone())
    };
    let bytes = write_monitoring_xlsx(&MonitoringExport {
        records,
        household_no: &no,
    })
    .unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Uploads `path` on the import page, checks the preview (`would` decisions and measures, nothing
/// written), confirms and checks the counts written.
fn import(d: &Driver, app: &str, path: &std::path::Path, would: (&str, &str), shots: [&str; 3]) {
    d.goto(&format!("{app}/import/monitoring"));
    d.find("#template-link");
    let input = d.find("#upload input[name=file]");
    d.post(
        &format!("/element/{input}/value"),
        json!({ "text": path.display().to_string() }),
    );
    d.screenshot(shots[0]);
    d.click("#upload button[type=submit]");
    d.find("#import-report");
    assert_eq!(
        d.count("#problems"),
        0,
        "no problems: {}",
        d.text("#import-report")
    );
    assert_eq!(d.text("#would-decisions"), would.0);
    assert_eq!(d.text("#would-measures"), would.1);
    assert_eq!(d.count("#import-done"), 0, "a preview writes nothing");
    assert!(!overflows(d), "the preview fits the window");
    d.screenshot(shots[1]);
    d.click("#confirm button[type=submit]");
    d.find("#import-done");
    assert_eq!(d.text("#done-decisions"), would.0);
    assert_eq!(d.text("#done-measures"), would.1);
    assert!(!overflows(d), "the result fits the window");
    d.screenshot(shots[2]);
}

fn measure(h: HouseholdId, kind: AssistanceType, text: &str, started: &str) -> Measure {
    Measure {
        household: h,
        kind,
        description: text.to_owned(),
        started: d(started),
        ended: None,
        amount: Some(Yuan::from_yuan(3_000)),
        case: None,
        cadre: None,
    }
}

#[test]
fn a_cadre_imports_monitoring_records_on_a_desktop_and_on_a_phone_and_finds_them_on_the_household_page(
) {
    if !have_chromedriver() {
        let required = std::env::var("JINGZHUN_BROWSER_TEST").is_ok_and(|v| v == "require");
        assert!(
            !required,
            "JINGZHUN_BROWSER_TEST=require but chromedriver is missing"
        );
        eprintln!("skipped: chromedriver not found (apt-get install chromium chromium-driver)");
        return;
    }
    let world = World::new();
    let app = serve(&world);
    let dir = tempfile::tempdir().unwrap();

    // Desktop: an exited household identified for monitoring in 2023, with the measure decided for it.
    let h2 = world.household_in2;
    let mut identified = StatusEvent::new(StatusEventKind::Monitored, d("2023-05-10"));
    identified.monitoring_kind = Some(MonitoringKind::Unstable);
    identified.risk_types = vec![RiskType::Illness];
    let desktop = workbook(
        &world,
        &MonitoringHistory {
            decisions: vec![(h2, identified)],
            measures: vec![measure(
                h2,
                AssistanceType::Medical,
                "医疗救助：住院自付部分再救助",
                "2023-05-20",
            )],
            ..MonitoringHistory::default()
        },
        dir.path(),
        "监测对象（桌面）.xlsx",
    );
    let d1 = Driver::start_sized(1280, 900).expect("chromedriver starts");
    d1.sign_in(&app, &username(Role::VillageCadre));
    import(
        &d1,
        &app,
        &desktop,
        ("1", "1"),
        [
            "50-desktop-monitoring-import-form",
            "51-desktop-monitoring-import-preview",
            "52-desktop-monitoring-import-done",
        ],
    );
    d1.goto(&format!("{app}/households/{}", h2.0));
    d1.find("#timeline");
    // (The reader keeps the text; punctuation may come back half-width, so the words are compared.)
    let timeline = d1.text("#timeline");
    assert!(
        timeline.contains("2023-05-10") && timeline.contains("纳入监测"),
        "{timeline}"
    );
    let measures = d1.text("#measures");
    assert!(
        measures.contains("住院自付部分再救助") && measures.contains("2023-05-20"),
        "{measures}"
    );
    d1.screenshot("53-desktop-household-imported");
    d1.sign_out();
    drop(d1);

    // Phone: a measure and a visit of a household monitored since 2021.
    let h1 = world.household_in;
    let phone = workbook(
        &world,
        &MonitoringHistory {
            measures: vec![measure(
                h1,
                AssistanceType::PublicWelfarePost,
                "公益岗位：村道保洁员",
                "2024-03-01",
            )],
            visits: vec![Visit {
                household: h1,
                cadre: None,
                visited_on: d("2024-04-02"),
                purpose: VisitPurpose::MeasureFollowUp,
                findings: "公益岗位已上岗，工资按月发放".to_owned(),
            }],
            ..MonitoringHistory::default()
        },
        dir.path(),
        "帮扶措施（手机）.xlsx",
    );
    let d2 = Driver::start_sized(390, 844).expect("chromedriver starts");
    // Headless Chromium keeps windows at least 500 px wide: the phone's screen is emulated instead.
    d2.post(
        "/goog/cdp/execute",
        json!({"cmd": "Emulation.setDeviceMetricsOverride",
               "params": {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}}),
    );
    d2.sign_in(&app, &username(Role::VillageCadre));
    assert_eq!(script(&d2, "return window.innerWidth;"), json!(390));
    import(
        &d2,
        &app,
        &phone,
        ("0", "1"),
        [
            "54-phone-monitoring-import-form",
            "55-phone-monitoring-import-preview",
            "56-phone-monitoring-import-done",
        ],
    );
    d2.goto(&format!("{app}/households/{}#assistance", h1.0));
    d2.reveal("#measures");
    let measures = d2.text("#measures");
    assert!(
        measures.contains("村道保洁员") && measures.contains("2024-03-01"),
        "{measures}"
    );
    let visits = d2.text("#visits");
    assert!(visits.contains("2024-04-02"), "{visits}");
    assert!(!overflows(&d2), "the household page fits the phone");
    d2.screenshot("57-phone-household-imported");
}
