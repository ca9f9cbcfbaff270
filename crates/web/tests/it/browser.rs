//! The real-browser test: Debian's headless `chromium`, driven over WebDriver (`chromedriver`) by the small
//! client below, against the application served on loopback with a real SQLite store.
//!
//! A village cadre signs in, finds a household, records a risk lead and does the village steps; a township
//! reviewer and a county approver walk the case through; the county dashboard's monitored count goes up by
//! one, then records the household's first assistance measure. A second test reads a household's proposals, edits it through a field error and a conflict (someone
//! else saves meanwhile) and opens the policy parameters. Screenshots of the main pages (phone-sized window) are saved under `target/browser-screenshots/`.
//!
//! Without `chromedriver` on the PATH the test says so and passes, unless `JINGZHUN_BROWSER_TEST=require`
//! (CI sets it after installing `chromium` and `chromium-driver`), in which case it fails.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{DateTime, Utc};
use jingzhun_web::{Clock, Role};
use serde_json::{json, Value};

use crate::support::*;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session.
pub(crate) struct Driver {
    base: String,
    session: String,
    process: Child,
    _profile: tempfile::TempDir,
}

impl Driver {
    pub(crate) fn start() -> Option<Driver> {
        Driver::start_sized(412, 1600)
    }

    /// A browser whose window is `width` × `height` CSS pixels (a phone: 390 × 844).
    pub(crate) fn start_sized(width: u32, height: u32) -> Option<Driver> {
        Driver::start_with(width, height, None)
    }

    /// [`Driver::start_sized`], saving downloads into `downloads` without asking.
    pub(crate) fn start_with(
        width: u32,
        height: u32,
        downloads: Option<&std::path::Path>,
    ) -> Option<Driver> {
        let port = free_port();
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut options = json!({"binary": "/usr/bin/chromium", "args": args});
        if let Some(dir) = downloads {
            options["prefs"] = json!({
                "download.default_directory": dir.display().to_string(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
            });
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options
        }}});
        let res: Value = ureq::post(&format!("{base}/session"))
            .send_json(caps)
            .unwrap()
            .into_json()
            .unwrap();
        let session = res["value"]["sessionId"].as_str().unwrap().to_owned();
        Some(Driver {
            base,
            session,
            process,
            _profile: profile,
        })
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.session)
    }

    pub(crate) fn post(&self, path: &str, body: Value) -> Value {
        match ureq::post(&self.url(path)).send_json(body) {
            Ok(r) => r.into_json::<Value>().unwrap()["value"].clone(),
            Err(ureq::Error::Status(code, r)) => {
                panic!(
                    "WebDriver {path}: {code} {}",
                    r.into_string().unwrap_or_default()
                )
            }
            Err(e) => panic!("WebDriver {path}: {e}"),
        }
    }

    pub(crate) fn get(&self, path: &str) -> Value {
        ureq::get(&self.url(path))
            .call()
            .unwrap()
            .into_json::<Value>()
            .unwrap()["value"]
            .clone()
    }

    pub(crate) fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    /// Finds an element, waiting up to 30 s for it to appear (pages load after form submits).
    pub(crate) fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let res = ureq::post(&self.url("/element"))
                .send_json(json!({"using": "css selector", "value": css}));
            if let Ok(r) = res {
                let v: Value = r.into_json().unwrap();
                if let Some(id) = v["value"][ELEMENT_KEY].as_str() {
                    return id.to_owned();
                }
            }
            assert!(
                Instant::now() < deadline,
                "no element {css} on {}",
                self.get("/url")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Makes `css` reachable as a person would on a phone: opens the menu when it is in the folded
    /// navigation, and the folded section (`details`) it is in.
    pub(crate) fn reveal(&self, css: &str) {
        self.find(css);
        let script = "var el = document.querySelector(arguments[0]); if (!el) return false; \
            var d = el.closest('details'); while (d) { d.open = true; d = d.parentElement.closest('details'); } \
            var t = document.getElementById('nav-toggle'); \
            if (t && el.closest('header.top nav') && !t.checked && el.getClientRects().length === 0) { t.click(); } \
            return true;";
        self.post("/execute/sync", json!({"script": script, "args": [css]}));
    }

    pub(crate) fn click(&self, css: &str) {
        self.reveal(css);
        let id = self.find(css);
        self.post(&format!("/element/{id}/click"), json!({}));
    }

    pub(crate) fn type_into(&self, css: &str, text: &str) {
        self.reveal(css);
        let id = self.find(css);
        self.post(&format!("/element/{id}/clear"), json!({}));
        self.post(&format!("/element/{id}/value"), json!({ "text": text }));
    }

    /// Sets an input's value directly (a date input takes typed keys in the locale's order, not ISO).
    fn set_value(&self, css: &str, value: &str) {
        self.find(css);
        self.post(
            "/execute/sync",
            json!({"script": "document.querySelector(arguments[0]).value = arguments[1];", "args": [css, value]}),
        );
    }

    /// Waits until the element's text contains `part` (it may be replaced meanwhile: a page loading
    /// after a submit).
    fn wait_text(&self, css: &str, part: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = ureq::post(&self.url("/element"))
                .send_json(json!({"using": "css selector", "value": css}))
                .ok()
                .and_then(|r| r.into_json::<Value>().ok())
                .and_then(|v| v["value"][ELEMENT_KEY].as_str().map(str::to_owned))
                .and_then(|id| {
                    ureq::get(&self.url(&format!("/element/{id}/text")))
                        .call()
                        .ok()
                })
                .and_then(|r| r.into_json::<Value>().ok())
                .and_then(|v| v["value"].as_str().map(str::to_owned))
                .unwrap_or_default();
            if text.contains(part) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} never showed {part}: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(crate) fn text(&self, css: &str) -> String {
        self.reveal(css);
        let id = self.find(css);
        self.get(&format!("/element/{id}/text"))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub(crate) fn current_path(&self) -> String {
        let url = self.get("/url").as_str().unwrap_or_default().to_owned();
        url.splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or(url)
    }

    /// Prints the page as Chromium prints it (A4, the print style sheet) and keeps the PDF beside the
    /// screenshots; returns its bytes.
    fn print_pdf(&self, name: &str) -> Vec<u8> {
        let data = self.post(
            "/print",
            json!({"orientation": "portrait", "page": {"width": 21.0, "height": 29.7}}),
        );
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.pdf")), &pdf).unwrap();
        pdf
    }

    /// The text of every element matching `css`.
    fn texts(&self, css: &str) -> Vec<String> {
        let found = self.post("/elements", json!({"using": "css selector", "value": css}));
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str())
                    .map(|id| {
                        self.get(&format!("/element/{id}/text"))
                            .as_str()
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn screenshot(&self, name: &str) {
        let data = self.get("/screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub(crate) fn sign_in(&self, app: &str, user: &str) {
        self.goto(&format!("{app}/login"));
        self.type_into("input[name=username]", user);
        self.type_into("input[name=password]", PASSWORD);
        self.click("form[action='/login'] button[type=submit]");
        self.find("#n-monitored");
    }

    pub(crate) fn sign_out(&self) {
        self.click("form[action='/logout'] button");
        self.find("input[name=username]");
    }

    /// How many elements match `css` now.
    pub(crate) fn count(&self, css: &str) -> usize {
        // While a page is loading the call can fail: that counts as nothing found yet.
        ureq::post(&self.url("/elements"))
            .send_json(json!({"using": "css selector", "value": css}))
            .ok()
            .and_then(|r| r.into_json::<Value>().ok())
            .and_then(|v| v["value"].as_array().map(Vec::len))
            .unwrap_or(0)
    }

    /// Records the case's next step as passed (the form is there only for the role that records it), and
    /// waits until the case page shows one more step: the submit's redirect must land before the next
    /// navigation, or it would override it.
    pub(crate) fn pass_step(&self, app: &str, case_path: &str, note: &str) {
        if self.current_path() != case_path {
            self.goto(&format!("{app}{case_path}"));
        }
        let before = self.count("ol.timeline li");
        self.type_into("textarea[name=note]", note);
        self.click("#record-step");
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.count("ol.timeline li") != before + 1 {
            assert!(Instant::now() < deadline, "the step was not recorded");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("browser-screenshots")
}

pub(crate) fn have_chromedriver() -> bool {
    Command::new("chromedriver")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Serves the world's router on loopback from a thread of its own; returns the base URL.
pub(crate) fn serve(world: &World) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let app = world.router.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
    });
    format!("http://{addr}")
}

#[test]
fn a_cadre_a_township_and_a_county_identify_a_household_in_a_real_browser() {
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
    let d = Driver::start().expect("chromedriver starts");

    // The county dashboard before.
    d.sign_in(&app, &username(Role::CountyApprover));
    let before: u64 = d.text("#n-monitored").trim().parse().unwrap();
    d.screenshot("01-county-dashboard-before");
    d.sign_out();

    // The village cadre finds the household and records a risk lead.
    d.goto(&format!("{app}/login"));
    d.screenshot("00-login");
    d.sign_in(&app, &username(Role::VillageCadre));
    d.screenshot("02-cadre-dashboard");
    d.goto(&format!("{app}/households"));
    d.type_into("input[name=q]", "王二");
    d.click("form.search button");
    d.find("li.household a");
    d.screenshot("03-search");
    d.click("li.household a");
    d.find("#record-lead");
    d.screenshot("04-household");
    d.click("#record-lead");
    d.click("input[name=risk][value=illness]");
    d.type_into("textarea[name=note]", "家中主要劳动力住院, 医疗支出大");
    d.screenshot("05-lead-form");
    d.click("form[action$='/leads'] button[type=submit]");
    d.find("#case-state");
    let case_path = d.current_path();
    assert!(case_path.starts_with("/cases/"), "{case_path}");
    for note in ["已入户，签署授权承诺书", "比对无异常"] {
        d.pass_step(&app, &case_path, note);
    }
    // The village review of this one household records its meeting.
    d.goto(&format!("{app}{case_path}"));
    d.type_into(
        "textarea[name=participants]",
        "村两委成员 5 人、村民代表 12 人",
    );
    d.type_into("input[name=complaint_phone]", "0827-5262100");
    d.pass_step(&app, &case_path, "村民代表会议评议通过");
    d.goto(&format!("{app}{case_path}/notice"));
    d.find(".notice-print");
    d.screenshot("06-village-notice");
    d.sign_out();
    // The notice's days pass.
    world.end_notices();

    // The township reviewer.
    d.sign_in(&app, &username(Role::TownshipReviewer));
    d.goto(&format!("{app}/cases"));
    d.find("li.case");
    d.screenshot("07-township-inbox");
    d.pass_step(&app, &case_path, "乡镇审核通过");
    d.sign_out();

    // The county approver approves, and the dashboard counts one more monitored household.
    d.sign_in(&app, &username(Role::CountyApprover));
    d.pass_step(&app, &case_path, "县级审定并公告");
    d.screenshot("08-case-decided");
    assert!(d.text("#case-state").contains("已识别纳入"));
    d.goto(&format!("{app}/"));
    let after: u64 = d.text("#n-monitored").trim().parse().unwrap();
    d.screenshot("09-county-dashboard-after");
    assert_eq!(after, before + 1, "the county dashboard's monitored count");
    d.sign_out();

    // The village cadre records the household's first assistance measure.
    d.sign_in(&app, &username(Role::VillageCadre));
    let household = case_path
        .trim_start_matches("/cases/")
        .split('-')
        .next()
        .unwrap()
        .to_owned();
    d.goto(&format!("{app}/households/{household}"));
    d.find("#no-measures");
    d.click("#add-measure");
    d.click("#f-kind option[value=public_welfare_post]");
    d.type_into("#f-description", "村公益性岗位: 护林员");
    d.type_into("#f-amount", "6000");
    d.screenshot("14-measure-form");
    d.click("#save");
    d.find("#measures");
    assert!(d.text("#measures").contains("村公益性岗位: 护林员"));
    assert!(d.text("#measures").contains("6,000"));
    d.screenshot("15-household-measure");
}

#[test]
fn a_cadre_reads_the_proposals_and_edits_a_household_through_a_conflict_in_a_real_browser() {
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
    let low = crate::proposals::low_income_household(&world);
    let app = serve(&world);
    let d = Driver::start().expect("chromedriver starts");
    d.sign_in(&app, &username(Role::VillageCadre));

    // The rules' proposals, apart from the decisions.
    d.goto(&format!("{app}/households/{}?year=2021", low.0));
    let proposals = d.text("#proposals");
    assert!(proposals.contains("建议纳入监测"), "{proposals}");
    assert!(
        proposals.contains("人均纯收入 5,480 元 < 2021 年监测线 6,000 元"),
        "{proposals}"
    );
    d.screenshot("10-household-proposals");

    // An invalid phone is refused with its own message; nothing is saved.
    d.click("#edit-household");
    d.type_into("input[name=phone]", "12345");
    d.click("form[action$='/edit'] button[type=submit]");
    let message = d.text(".field-error[data-field=phone]");
    assert!(message.contains("联系电话无效"), "{message}");
    d.screenshot("11-edit-invalid");

    // Someone else saves meanwhile; the cadre's submit shows both versions.
    let opened = world.db(|s| s.household(low)).unwrap();
    let mut theirs = opened.household.clone();
    theirs.natural_village = Some("河坝组".to_owned());
    world
        .db(|s| {
            s.update_household(
                low,
                opened.version,
                &theirs,
                opened.effective_from,
                &jingzhun_store::Actor::new(username(Role::TownshipReviewer)),
                "乡镇核实",
            )
        })
        .unwrap();
    d.type_into("input[name=phone]", "13900001111");
    d.click("form[action$='/edit'] button[type=submit]");
    d.find("#conflict tr.differs");
    d.screenshot("12-edit-conflict");
    assert_eq!(
        world.db(|s| s.household(low)).unwrap().household.phone,
        theirs.phone,
        "nothing overwritten"
    );

    // Redone on the current version, it saves.
    d.type_into("input[name=phone]", "13900001111");
    d.click("form[action$='/edit'] button[type=submit]");
    d.find("#proposals");
    let now = world.db(|s| s.household(low)).unwrap().household;
    assert_eq!(now.phone.unwrap().as_str(), "13900001111");
    assert_eq!(now.natural_village.as_deref(), Some("河坝组"));

    d.goto(&format!("{app}/policy?year=2021"));
    d.find("#params");
    d.screenshot("13-policy");
}

/// Whether the page is wider than the (phone-sized) window.
pub(crate) fn overflows(d: &Driver) -> bool {
    d.post(
        "/execute/sync",
        json!({"script": "return document.documentElement.scrollWidth > window.innerWidth + 1;", "args": []}),
    )
    .as_bool()
    .unwrap_or(true)
}

#[test]
fn a_county_imports_a_file_and_finds_the_reports_in_a_real_browser() {
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
    let d = Driver::start().expect("chromedriver starts");
    d.sign_in(&app, &username(Role::CountyApprover));

    // The nav leads to the import page; a real file input uploads a CSV.
    d.click("a[href='/import']");
    d.find("#upload");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("户籍表.csv");
    let h =
        crate::import::new_household("5119020010010066", VILLAGE_IN, "周九", "51190219920202002");
    std::fs::write(&path, crate::import::csv_of(&[(h, vec![])])).unwrap();
    let input = d.find("input[type=file]");
    d.post(
        &format!("/element/{input}/value"),
        json!({ "text": path.display().to_string() }),
    );
    d.click("#upload button[type=submit]");
    assert_eq!(d.text("#would-created"), "1");
    assert!(!overflows(&d), "the report fits a phone");
    d.screenshot("20-import-report");
    d.click("#confirm button[type=submit]");
    assert_eq!(d.text("#done-created"), "1");
    d.screenshot("21-import-done");
    let no = jingzhun_core::HouseholdNo::parse("5119020010010066").unwrap();
    assert!(world.db(|s| s.household_by_number(&no)).unwrap().is_some());

    d.click("a[href='/reports']");
    d.find("#downloads");
    assert!(!overflows(&d), "the reports page fits a phone");
    d.screenshot("22-reports");
}

/// A village cadre on a phone (390 × 844) opens the warning list, opens a lead from a row's proposal, finds
/// the form filled in (channel, explanation) and submits it; the list then shows the open case.
#[test]
fn a_village_cadre_on_a_phone_records_a_lead_from_the_warning_list() {
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
    let d = Driver::start_sized(390, 844).expect("chromedriver starts");
    d.sign_in(&app, &username(Role::VillageCadre));
    d.click("a[href='/warnings']");
    d.find("#warning-counts");
    d.screenshot("30-phone-warning-list");
    assert!(!overflows(&d), "the warning list fits a phone's width");
    let row = "#warning-rows li.warning[data-kind=guarantee_unmet]";
    d.find(row);
    d.click(&format!("{row} a.lead"));
    let note = d.text("textarea[name=note]");
    assert!(
        note.contains("预警清单"),
        "the lead is filled from the proposal: {note}"
    );
    assert!(note.contains("未达标") || note.contains("住房"), "{note}");
    assert_eq!(
        d.count("select[name=channel] option[value=cadre_check]:checked"),
        1
    );
    d.screenshot("31-phone-lead-from-warning");
    d.click("form[action$='/leads'] button[type=submit]");
    d.find("#case-state");
    assert!(
        d.current_path().starts_with("/cases/"),
        "{}",
        d.current_path()
    );
    d.goto(&format!("{app}/warnings?kind=guarantee_unmet&open_case=1"));
    d.find("#warning-rows li.warning");
    assert!(d.text("#warning-rows").contains("有在办事项"));
    d.screenshot("32-phone-warning-list-after");
}

/// The project workflow in a real browser: a proposed project is approved by the county, announced by the
/// township with its period, and the township's start on the period's last day is refused (409, with the
/// reason on the page); the project stays announced.
#[test]
fn a_project_is_approved_announced_and_cannot_start_inside_its_announcement_period() {
    use jingzhun_core::projects::*;
    let world = World::new();
    let project = Project {
        id: ProjectId(7),
        name: "村组道路硬化".into(),
        kind: ProjectKind::Road,
        area: jingzhun_core::AreaCode::parse(VILLAGE_IN).unwrap(),
        year: 2024,
        planned_output: 3.0,
        beneficiary_households: 42,
        budget: jingzhun_core::Yuan::from_fen(150_000_000),
        steps: vec![ProjectStep {
            stage: Stage::Proposed,
            on: chrono::NaiveDate::from_ymd_opt(2024, 1, 5).unwrap(),
            announced_until: None,
            owner: None,
            actual_output: None,
            by: "t".into(),
            at: chrono::Utc::now(),
            note: String::new(),
        }],
    };
    world
        .db(|s| s.create_project(&project, &[], &jingzhun_store::Actor::new("t")))
        .unwrap();
    let stage = |w: &World| {
        w.db(|s| s.project(ProjectId(7)))
            .unwrap()
            .map(|p| p.stage())
    };
    let app = serve(&world);
    let d = Driver::start().expect("chromedriver starts");

    // The township may read the project but not approve it: no form, the county's step.
    d.sign_in(&app, &username(Role::TownshipReviewer));
    d.goto(&format!("{app}/projects/7"));
    assert!(d.text("#stage").contains(Stage::Proposed.label()));
    assert_eq!(d.count("form[action='/projects/7/approve']"), 0);
    d.sign_out();

    // The county approves.
    d.sign_in(&app, &username(Role::CountyApprover));
    d.goto(&format!("{app}/projects/7"));
    d.set_value("input[name=on]", "2024-02-01");
    d.screenshot("40-project-approve");
    d.click("form[action='/projects/7/approve'] button[type=submit]");
    d.wait_text("#stage", Stage::Approved.label());
    assert_eq!(stage(&world), Some(Stage::Approved));
    d.sign_out();

    // The township announces it until 11 February, then tries to start it on the 11th.
    d.sign_in(&app, &username(Role::TownshipReviewer));
    d.goto(&format!("{app}/projects/7"));
    d.set_value("input[name=on]", "2024-02-02");
    d.set_value("input[name=until]", "2024-02-11");
    d.click("form[action='/projects/7/step'] button[type=submit]");
    d.find("input[name=stage][value=under_way]");
    d.wait_text("#stage", Stage::Announced.label());
    d.set_value("input[name=on]", "2024-02-11");
    d.click("form[action='/projects/7/step'] button[type=submit]");
    d.wait_text("p.error", "公告公示期至 2024-02-11 结束");
    d.screenshot("41-project-start-refused");
    assert_eq!(stage(&world), Some(Stage::Announced));
}

/// The income survey grid and a birth and a death (issue 13 §1), at a desktop and a phone (390 × 844)
/// viewport: the cadre types incomes with Enter moving down a column, sees the row totals follow, saves a
/// bad cell (the grid says which row, column and value, nothing saved), fixes it and saves; then records a
/// birth and a death on the members page.
#[test]
fn a_cadre_fills_the_income_survey_and_records_a_birth_and_a_death_in_a_real_browser() {
    for (width, height, tag) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        let world = World::with_clock(std::sync::Arc::new(crate::survey::June2025));
        let app = serve(&world);
        let d = Driver::start_sized(width, height).expect("chromedriver starts");
        d.sign_in(&app, &username(Role::VillageCadre));
        let (a, b) = (world.household_in, world.household_in2);

        // The grid of the cadre's village for 2024.
        d.goto(&format!("{app}/survey?year=2024"));
        d.find("#survey-grid");
        assert!(!overflows(&d), "{tag}: the grid scrolls inside its box");
        d.click(&format!("input[name='a{}.wages']", a.0));
        d.type_into(&format!("input[name='a{}.wages']", a.0), "15000");
        // Enter moves down the column: the next row's wages cell takes the keys.
        let first = d.find(&format!("input[name='a{}.wages']", a.0));
        d.post(
            &format!("/element/{first}/value"),
            json!({ "text": "\u{E007}" }),
        );
        let active = d.get("/element/active")[ELEMENT_KEY]
            .as_str()
            .unwrap()
            .to_owned();
        let second = d.find(&format!("input[name='a{}.wages']", b.0));
        assert_eq!(
            active, second,
            "{tag}: Enter moved down to the next household"
        );
        d.post(
            &format!("/element/{active}/value"),
            json!({ "text": "abc" }),
        );
        assert_eq!(
            d.text(&format!("#row-{} .net", a.0)),
            "15,000",
            "{tag}: the row total follows"
        );
        d.screenshot(&format!("40-{tag}-survey-typing"));
        d.click("#save-survey");
        let problems = d.text("#survey-problems");
        assert!(
            problems
                .contains("第 2 行（户编号 5119020010010002，户主 王二）「工资性收入」值「abc」"),
            "{tag}: {problems}"
        );
        d.screenshot(&format!("41-{tag}-survey-refused"));
        assert!(world
            .db(|s| s.household(a))
            .unwrap()
            .household
            .income(2024)
            .is_none());
        // Fixed and saved: both rows written.
        d.type_into(&format!("input[name='a{}.wages']", b.0), "9000");
        d.click("#save-survey");
        d.find("#survey-saved");
        assert!(d.text("#survey-saved").contains('2'), "{tag}");
        d.screenshot(&format!("42-{tag}-survey-saved"));
        let wages = |id| {
            world
                .db(|s| s.household(id))
                .unwrap()
                .household
                .income(2024)
                .map(|r| r.get(jingzhun_core::IncomeComponent::Wages))
        };
        assert_eq!(
            wages(a),
            Some(jingzhun_core::Yuan::from_yuan(15_000)),
            "{tag}"
        );
        assert_eq!(
            wages(b),
            Some(jingzhun_core::Yuan::from_yuan(9_000)),
            "{tag}"
        );

        // A birth: the form on the members page.
        d.goto(&format!("{app}/households/{}/members", b.0));
        d.find("#add-member");
        d.click("#add-member select[name=kind] option[value=birth]");
        d.type_into("#add-member input[name=name]", "王小宝");
        d.type_into("#add-member input[name=resident_id]", "511902202505010019");
        d.click("#add-member select[name=relationship] option[value=grandson]");
        d.screenshot(&format!("43-{tag}-birth-form"));
        d.click("#add-member-submit");
        d.find(".member-changes li[data-kind=birth]");
        assert!(d.text("#member-1").contains("王小宝"), "{tag}");
        d.screenshot(&format!("44-{tag}-birth-recorded"));
        // A death: the member's own removal form.
        d.click("#member-1 summary");
        d.click("#member-1 select[name=kind] option[value=death]");
        d.click("#member-1 .remove-submit");
        d.find(".member-changes li[data-kind=death]");
        assert_eq!(d.count(".member-card"), 1, "{tag}");
        assert!(!overflows(&d), "{tag}: the members page fits");
        d.screenshot(&format!("45-{tag}-death-recorded"));
        let changes = world.db(|s| s.member_changes_of(b)).unwrap();
        assert_eq!(changes.len(), 2, "{tag}");
    }
}
/// A clock the test moves forward (days of a notice pass).
struct TestClock(std::sync::Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance_days(&self, days: i64) {
        *self.0.lock().unwrap() += chrono::Duration::days(days);
    }
}

/// A case of `household` in the cadre's village, led, visited and compared an hour ago: due for the village
/// review.
fn due_for_review(
    world: &World,
    household: jingzhun_core::HouseholdId,
    now: DateTime<Utc>,
) -> String {
    use jingzhun_core::monitoring::*;
    let step = |step: Step, minutes: i64| CaseStep {
        step,
        outcome: Outcome::Pass,
        by: username(Role::VillageCadre),
        at: now - chrono::Duration::minutes(minutes),
        note: String::new(),
    };
    world.db(|s| {
        let rec = s.household(household).unwrap();
        let monitored = rec
            .events
            .iter()
            .any(|e| e.kind == jingzhun_core::StatusEventKind::Monitored);
        let id = s.next_case_id(household).unwrap();
        let actor = jingzhun_store::Actor::new(username(Role::VillageCadre));
        s.open_case(
            &CaseRecord {
                id,
                village: rec.household.village,
                kind: if monitored {
                    CaseKind::Elimination
                } else {
                    CaseKind::Identification
                },
                channel: jingzhun_core::Channel::CadreCheck,
                monitoring_kind: (!monitored).then_some(jingzhun_core::MonitoringKind::Unstable),
                risk_types: vec![jingzhun_core::RiskType::Illness],
                steps: vec![step(Step::Lead, 60)],
            },
            &actor,
        )
        .unwrap();
        s.record_case_step(&id, 1, step(Step::Visit, 50), None, &actor)
            .unwrap();
        s.record_case_step(&id, 2, step(Step::Comparison, 40), None, &actor)
            .unwrap();
        id.to_string()
    })
}

#[test]
fn a_village_notice_for_several_households_holds_the_township_back_then_the_county_approves_in_a_batch(
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
    let clock = std::sync::Arc::new(TestClock(std::sync::Mutex::new(Utc::now())));
    let world = World::with_clock(clock.clone());
    // A third household of the village, exited like 王二.
    let third = world.db(|s| {
        let h = household(
            "5119020010010003",
            VILLAGE_IN,
            vec![member(
                "李大",
                rid("51190219650606007"),
                jingzhun_core::Relationship::Head,
            )],
        );
        let events = [
            jingzhun_core::StatusEvent::new(
                jingzhun_core::StatusEventKind::Registered,
                chrono::NaiveDate::from_ymd_opt(2014, 10, 1).unwrap(),
            ),
            jingzhun_core::StatusEvent::new(
                jingzhun_core::StatusEventKind::Exited,
                chrono::NaiveDate::from_ymd_opt(2018, 12, 1).unwrap(),
            ),
        ];
        s.create_household(
            &h,
            &events,
            chrono::NaiveDate::from_ymd_opt(2014, 10, 1).unwrap(),
            &jingzhun_store::Actor::system("test"),
            "test",
        )
        .unwrap()
        .0
    });
    let now = clock.now();
    let wang = due_for_review(&world, world.household_in2, now);
    let zhang = due_for_review(&world, world.household_in, now);
    let li = due_for_review(&world, third, now);
    let app = serve(&world);
    let d = Driver::start_sized(1024, 1400).expect("chromedriver starts");

    // The village cadre reviews the three households at one meeting: two pass, one does not.
    d.sign_in(&app, &username(Role::VillageCadre));
    d.goto(&format!("{app}/cases"));
    d.click("#village-review");
    d.find("#review-form");
    assert_eq!(d.count("li.review-item"), 3);
    d.type_into(
        "textarea[name=participants]",
        "村两委成员 5 人、驻村工作队 2 人、村民代表 12 人",
    );
    d.type_into("input[name=complaint_phone]", "0827-5262100");
    d.click(&format!("input[name='outcome_{li}'][value=reject]"));
    d.type_into(
        &format!("input[name='note_{li}']"),
        "家庭人均纯收入高于监测范围",
    );
    d.screenshot("40-village-review-form");
    d.click("#record-review");
    d.find("#notice");
    let listed = d.texts("tr.notice-household");
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().any(|t| t.contains("王二")) && listed.iter().any(|t| t.contains("张三")));
    assert!(
        !d.text("#notice").contains("李大"),
        "a household that did not pass is not on the notice"
    );
    let notice = d.text("#notice");
    assert!(notice.contains("0827-5262100"), "{notice}");
    assert!(notice.contains("（盖章）"), "{notice}");
    let period = d.text("#notice-period");
    let today = (now + chrono::Duration::hours(8)).date_naive();
    assert_eq!(
        period,
        format!("{} — {}", today, today + chrono::Duration::days(4)),
        "five days from the pack"
    );
    assert!(!notice.contains("51190219600505006"), "no resident ID");
    d.screenshot("41-village-notice-several");
    let pdf = d.print_pdf("41-village-notice-several");
    assert!(pdf.starts_with(b"%PDF"), "printed");

    // An objection during the notice about 王二, resolved after checking.
    d.click(&format!("select[name=about] option[value='{wang}']"));
    d.type_into("input[name=raised_by]", "村民李四");
    d.type_into("textarea[name=content]", "该户新购小汽车一辆");
    d.click("#record-objection");
    d.find("li.objection form");
    d.type_into(
        "li.objection input[name=resolution]",
        "经核实，车辆为亲属所有，异议不成立",
    );
    d.click("li.objection button[type=submit]");
    d.find("li.objection .muted");
    assert!(d.text("#objections").contains("异议不成立"));
    d.screenshot("42-notice-objection");
    d.sign_out();

    // The township tries before the notice ends: refused with the reason.
    d.sign_in(&app, &username(Role::TownshipReviewer));
    d.goto(&format!("{app}/cases/{wang}"));
    d.type_into("textarea[name=note]", "乡镇审核通过");
    d.click("#record-step");
    let refused = d.text("#refused");
    assert!(refused.contains("公示期满后乡镇才能审核"), "{refused}");
    d.screenshot("43-township-refused-during-notice");
    d.sign_out();

    // Five days later the notice has ended: the township reviews both in a batch.
    clock.advance_days(5);
    d.sign_in(&app, &username(Role::TownshipReviewer));
    d.goto(&format!("{app}/cases/batch/township-review"));
    d.find("#batch-form");
    assert_eq!(d.count("li.batch-item"), 2);
    d.click(&format!("#item-{wang} input.confirm"));
    d.click(&format!("#item-{zhang} input.confirm"));
    d.type_into("textarea[name=note]", "公示无异议，乡镇审核通过");
    d.click("#record-batch");
    d.find("#batch-results");
    assert_eq!(
        d.count("#batch-results li.batch-done"),
        2,
        "{}",
        d.text("#batch-results")
    );
    d.screenshot("44-township-batch-after-notice");
    d.sign_out();

    // The county approves in a batch: each household's facts and explanation beside it, each confirmed.
    d.sign_in(&app, &username(Role::CountyApprover));
    d.goto(&format!("{app}/cases/batch/county-approval"));
    d.find("#batch-form");
    assert_eq!(d.count("li.batch-item"), 2);
    let item = d.text(&format!("#item-{wang}"));
    assert!(item.contains("人均纯收入"), "{item}");
    d.screenshot("45-county-batch");
    // Submitting without confirming any household records nothing.
    d.type_into("textarea[name=note]", "县级审定");
    d.click("#record-batch");
    assert!(d.text("#refused").contains("逐户勾选"));
    d.click(&format!("#item-{wang} input.confirm"));
    d.type_into("textarea[name=note]", "经审定，纳入监测");
    d.click("#record-batch");
    d.find("#batch-results");
    assert_eq!(d.count("#batch-results li.batch-done"), 1);
    assert_eq!(d.count("li.batch-item"), 1, "张三 still waits");
    d.screenshot("46-county-batch-done");

    // The decision notice, and the household page no longer proposes what was decided.
    d.goto(&format!("{app}/cases/{wang}/decision"));
    assert!(d.text("#decision-outcome").contains("已识别纳入"));
    d.screenshot("47-decision-notice");
    d.goto(&format!("{app}/households/{}", world.household_in2.0));
    d.find("#card-link");
    d.goto(&format!("{app}/households/{}/card", world.household_in2.0));
    assert!(d.text("#card-standing").contains("监测对象"));
    d.screenshot("48-household-card");
    let audits = world.db(|s| {
        s.audit_entries(&jingzhun_store::AuditFilter {
            actor: Some(username(Role::CountyApprover)),
            ..Default::default()
        })
        .unwrap()
    });
    assert_eq!(
        audits
            .iter()
            .filter(|e| e.action == "monitoring.case_step")
            .count(),
        1,
        "one audited decision, with who and when"
    );
}

#[test]
fn a_lead_that_contradicts_the_household_is_refused_on_a_phone() {
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
    let d = Driver::start_sized(390, 844).expect("chromedriver starts");
    d.sign_in(&app, &username(Role::VillageCadre));
    // 王二 is a 脱贫户: 边缘易致贫户 is for 一般农户 only, and a lead needs a risk type.
    d.goto(&format!(
        "{app}/households/{}/leads/new",
        world.household_in2.0
    ));
    d.click("select[name=monitoring_kind] option[value=marginal]");
    d.type_into("textarea[name=note]", "收入下降");
    d.click("form[action$='/leads'] button[type=submit]");
    let kind = d.text("[data-field=monitoring_kind]");
    assert!(
        kind.contains("边缘易致贫户只适用于一般农户，此户是脱贫户"),
        "{kind}"
    );
    assert!(d.text("[data-field=risk_types]").contains("风险类型"));
    assert!(d.current_path().ends_with("/leads"), "{}", d.current_path());
    d.screenshot("49-phone-lead-refused-status-mismatch");
    assert!(
        world
            .db(|s| s.cases_of_household(world.household_in2))
            .unwrap()
            .is_empty(),
        "nothing recorded"
    );
}

/// An analyst opens the export page and downloads the list of monitored households: the browser saves an
/// XLSX that calamine opens, masked (no resident ID, no health column).
#[test]
fn an_analyst_downloads_a_list_as_excel_in_a_real_browser() {
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
    let downloads = tempfile::tempdir().unwrap();
    let d = Driver::start_with(1280, 900, Some(downloads.path())).expect("chromedriver starts");
    d.sign_in(&app, &username(Role::Analyst));
    d.click("a[href='/exports']");
    d.find("#export-lists");
    d.screenshot("40-exports");
    d.click("#export-monitored button[type=submit]");
    // The file appears once the download completes (Chrome writes `.crdownload` meanwhile).
    let deadline = Instant::now() + Duration::from_secs(60);
    let file = loop {
        let done: Vec<PathBuf> = std::fs::read_dir(downloads.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
            .collect();
        if let Some(f) = done.into_iter().next() {
            break f;
        }
        assert!(Instant::now() < deadline, "no download in {downloads:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.contains("监测对象清单") && name.contains("遮蔽"),
        "{name}"
    );
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&file).unwrap();
    assert_eq!(wb.sheet_names(), ["监测对象清单"]);
    let range = wb.worksheet_range("监测对象清单").unwrap();
    let cells: Vec<String> = range.rows().flatten().map(|c| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "5119020010010001"), "{cells:?}");
    let full_id = rid("51190219700101001").as_str().to_owned();
    assert!(!cells.contains(&full_id), "masked: {cells:?}");
    assert!(!cells
        .iter()
        .any(|c| c == "成员健康状况" || c.contains("慢性病")));
    // The page stays where it was: a download, not a navigation.
    assert_eq!(d.current_path(), "/exports");
    d.screenshot("41-exports-downloaded");
}
