//! A small world: Sichuan › Bazhong › 巴州区 (two townships, three villages) and, outside it, 恩阳区 with
//! one village; households in each; one account per role bound inside 巴州区.
//!
//! **Every test runs on both backends**: these files are compiled twice (see `crates/web/Cargo.toml`), as
//! the test binary `it`, whose worlds are SQLite files, and as `it_pg`, whose worlds are fresh schemas of
//! the PostgreSQL database in `JINGZHUN_TEST_DATABASE_URL` ([`on_postgres`]). The store's PostgreSQL
//! client blocks on a runtime of its own, so a test calls the store through [`World::db`] (run on a
//! thread of its own) rather than straight from its async body.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use chrono::NaiveDate;
use http_body_util::BodyExt;
use jingzhun_core::*;
use jingzhun_store::{Actor, Store};
use jingzhun_web::{AppState, Clock, Role, StoreBackend, SystemClock, WebConfig};
use tower::ServiceExt;

pub const PASSWORD: &str = "test-password-123";
/// The village the cadre is bound to; the inside household lives here.
pub const VILLAGE_IN: &str = "511902001001";
/// Another township of the same county.
pub const VILLAGE_OTHER_TOWNSHIP: &str = "511902002001";
/// A village of another county: outside every test account.
pub const VILLAGE_OUT: &str = "511903001001";

/// Where each role's account is bound.
pub fn area_of(role: Role) -> &'static str {
    match role {
        Role::VillageCadre => VILLAGE_IN,
        Role::TownshipReviewer => "511902001",
        Role::CountyApprover | Role::Analyst | Role::Admin => "511902",
    }
}

/// A village cadre of the other county (to open cases outside every test account).
pub const OUTSIDE_CADRE: &str = "t_outside_cadre";

pub fn username(role: Role) -> String {
    format!("t_{}", role.code())
}

/// Whether this test binary's worlds are on PostgreSQL (`it_pg`) rather than SQLite (`it`).
pub fn on_postgres() -> bool {
    env!("CARGO_CRATE_NAME") == "it_pg"
}

/// Runs blocking work (store calls, raw SQL) on a thread of its own: the PostgreSQL client may not block
/// inside the test's async runtime.
pub fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// The fields of a village review's meeting, for a village review step's form (participants and the
/// notice's complaint phone).
pub const REVIEW: &str =
    "participants=%E6%9D%91%E4%B8%A4%E5%A7%94%E5%92%8C%E6%9D%91%E6%B0%91%E4%BB%A3%E8%A1%A8&complaint_phone=0827-5262100";

pub struct World {
    pub router: Router,
    /// The application state behind `router` (its limiter, caches).
    pub state: AppState,
    pub store: Arc<Store>,
    pub household_in: HouseholdId,
    /// Exited, not monitored: the household the workflow tests identify.
    pub household_in2: HouseholdId,
    pub household_other_township: HouseholdId,
    pub household_out: HouseholdId,
    /// An account in the cadre's village that the access walk may reset and disable.
    pub spare_account: jingzhun_web::AccountId,
    /// The outside cadre's account.
    pub outside_account: jingzhun_web::AccountId,
    /// The store's URL (`sqlite:…` or `postgres://…`), for tests that write rows behind the store's back.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL schema, dropped after the store (see `Drop for World`).
    schema: Option<PgSchema>,
}

impl Drop for World {
    fn drop(&mut self) {
        let schema = self.schema.take();
        drop_off_runtime(Arc::clone(&self.store), schema);
    }
}

/// A PostgreSQL store closes its connections when its last handle goes, which blocks: a thread of its own
/// keeps one handle until every other (a world's, its router's) is gone, then drops the store — and the
/// schema, after it — there rather than in the test's async runtime.
fn drop_off_runtime(store: Arc<Store>, schema: Option<PgSchema>) {
    if store.backend() != jingzhun_store::Backend::Postgres {
        return;
    }
    std::thread::spawn(move || {
        for _ in 0..6_000 {
            if Arc::strong_count(&store) == 1 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        drop(store);
        drop(schema);
    });
}

/// Another server over a world's database (see [`World::second_server`]).
pub struct Server {
    pub router: Router,
    pub store: Arc<Store>,
}

impl Server {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        Reply::read(res).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop_off_runtime(Arc::clone(&self.store), None);
    }
}

/// Drops a PostgreSQL test schema.
pub struct PgSchema {
    url: String,
    schema: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema));
        }
    }
}

fn area(code: &str, name: &str) -> Area {
    let code = AreaCode::parse(code).unwrap();
    Area {
        code,
        name: name.to_owned(),
        settlement: (code.level() == AreaLevel::Village).then_some(Settlement::Rural),
    }
}

/// A valid resident ID from its first 17 characters.
pub fn rid(first17: &str) -> ResidentId {
    let c = jingzhun_core::resident_id::check_character(first17.as_bytes());
    ResidentId::parse(&format!("{first17}{c}")).unwrap()
}

pub fn member(name: &str, id: ResidentId, relationship: Relationship) -> Member {
    Member {
        name: PersonName::parse(name).unwrap(),
        sex: id.sex(),
        resident_id: id,
        relationship,
        ethnicity: "汉族".to_owned(),
        education: Some(Education::Junior),
        schooling: None,
        health: Health::Chronic,
        labour: Some(LabourAbility::Ordinary),
        work_status: WorkStatus::NotMigrant,
        migrant_months: MigrantMonths::new(0).unwrap(),
        medical_insurance: true,
        serious_illness_insurance: true,
        pension_insurance: true,
        social_assistance: SocialAssistance::NoAssistance,
    }
}

pub fn household(number: &str, village: &str, members: Vec<Member>) -> Household {
    Household {
        number: HouseholdNo::parse(number).unwrap(),
        village: AreaCode::parse(village).unwrap(),
        natural_village: Some("石板组".to_owned()),
        phone: Some(Phone::parse("13812345678").unwrap()),
        standard: IdentificationStandard::National,
        attribute: Some(PoorAttribute::Ordinary),
        main_cause: Some(PovertyCause::Illness),
        other_causes: vec![],
        planned_exit_year: Some(2018),
        housing: Housing::default(),
        relocation: None,
        water: Water::default(),
        food_clothing_secured: true,
        electricity: true,
        sanitary_toilet: true,
        fuel: None,
        farmland_mu: Some(2.5),
        forest_mu: None,
        cooperative_member: false,
        members,
        incomes: vec![
            IncomeRecord::new(2019).with(IncomeComponent::Wages, Yuan::from_yuan(9_000)),
            IncomeRecord::new(2020).with(IncomeComponent::Wages, Yuan::from_yuan(12_000)),
        ],
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

impl World {
    /// On this binary's backend ([`on_postgres`]): SQLite in a temporary directory, or a fresh
    /// PostgreSQL schema.
    pub fn new() -> World {
        World::with_clock(Arc::new(SystemClock))
    }

    /// [`World::new`], with the application reading the time from `clock` (sessions expire by it).
    pub fn with_clock(clock: Arc<dyn Clock>) -> World {
        World::with_config(clock, |_| {})
    }

    /// [`World::with_clock`], with the application's configuration changed by `configure`.
    pub fn with_config(clock: Arc<dyn Clock>, configure: impl FnOnce(&mut WebConfig)) -> World {
        let mut config = WebConfig::new("127.0.0.1:0".parse().unwrap());
        configure(&mut config);
        if on_postgres() {
            if let Some((mut w, schema)) =
                blocking(|| World::pg_world(Arc::clone(&clock), config.clone()))
            {
                w.schema = Some(schema);
                return w;
            }
            // Only outside CI (`pg_world` panics there): the PostgreSQL binary then repeats SQLite.
        }
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("t.db").display());
        World::on(&url, Some(dir), clock, config)
    }

    /// A second application (another server behind the load balancer) over the same database, with its
    /// own store, caches and limiter: what one server changes must be visible through the other.
    pub fn second_server(&self, configure: impl FnOnce(&mut WebConfig)) -> Server {
        let mut config = WebConfig::new("127.0.0.1:0".parse().unwrap());
        configure(&mut config);
        let store = blocking(|| Arc::new(Store::open(&self.url).unwrap()));
        let state = AppState::new(
            Arc::new(StoreBackend::new(Arc::clone(&store))),
            config,
            Arc::new(SystemClock),
        );
        Server {
            router: jingzhun_web::router(state),
            store,
        }
    }

    /// Runs `f` with the store on a thread of its own (see [`blocking`]).
    pub fn db<T: Send>(&self, f: impl FnOnce(&Store) -> T + Send) -> T {
        blocking(|| f(&self.store))
    }

    fn pg_world(clock: Arc<dyn Clock>, config: WebConfig) -> Option<(World, PgSchema)> {
        let (url, schema) = World::pg_schema()?;
        Some((World::on(&url, None, clock, config), schema))
    }

    /// On PostgreSQL in a fresh schema (dropped with the guard) when `JINGZHUN_TEST_DATABASE_URL` is set;
    /// `None` otherwise, except under CI, where skipping would hide a backend.
    pub fn postgres() -> Option<(World, PgSchema)> {
        let (store_url, guard) = World::pg_schema()?;
        let config = WebConfig::new("127.0.0.1:0".parse().unwrap());
        Some((
            World::on(&store_url, None, Arc::new(SystemClock), config),
            guard,
        ))
    }

    /// [`World::postgres`] with the application reading the time from `clock`.
    pub fn postgres_with_clock(clock: Arc<dyn Clock>) -> Option<(World, PgSchema)> {
        World::pg_world(clock, WebConfig::new("127.0.0.1:0".parse().unwrap()))
    }

    /// A fresh schema of the test database: the store's URL and the guard that drops it.
    fn pg_schema() -> Option<(String, PgSchema)> {
        let Ok(url) = std::env::var("JINGZHUN_TEST_DATABASE_URL") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but JINGZHUN_TEST_DATABASE_URL is not"
            );
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                eprintln!(
                    "PostgreSQL web tests skipped (the binary it_pg repeats SQLite): \
                     set JINGZHUN_TEST_DATABASE_URL to run them"
                )
            });
            return None;
        };
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let schema = format!(
            "jz_web_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
            chrono::Utc::now().timestamp_micros() % 1_000_000_000
        );
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        let store_url = format!("{url}{sep}options=-csearch_path%3D{schema}");
        Some((store_url, PgSchema { url, schema }))
    }

    fn on(
        url: &str,
        dir: Option<tempfile::TempDir>,
        clock: Arc<dyn Clock>,
        config: WebConfig,
    ) -> World {
        let store = Arc::new(Store::open(url).unwrap());
        let actor = Actor::system("test");
        store
            .upsert_areas(
                &[
                    area("51", "四川省"),
                    area("5119", "巴中市"),
                    area("511902", "巴州区"),
                    area("511902001", "东城街道"),
                    area(VILLAGE_IN, "石城村委会"),
                    area("511902001002", "白鹤村委会"),
                    area("511902002", "西城街道"),
                    area(VILLAGE_OTHER_TOWNSHIP, "回风村委会"),
                    area("511903", "恩阳区"),
                    area("511903001", "登科街道"),
                    area(VILLAGE_OUT, "观音井村委会"),
                ],
                &actor,
                "test",
            )
            .unwrap();
        let registered = StatusEvent::new(StatusEventKind::Registered, d("2014-10-01"));
        let exited = StatusEvent::new(StatusEventKind::Exited, d("2018-12-01"));
        let mut monitored = StatusEvent::new(StatusEventKind::Monitored, d("2021-05-01"));
        monitored.monitoring_kind = Some(MonitoringKind::Unstable);
        monitored.risk_types = vec![RiskType::Illness];
        let create = |h: Household, events: &[StatusEvent]| {
            store
                .create_household(&h, events, d("2014-10-01"), &actor, "test")
                .unwrap()
                .0
        };
        let household_in = create(
            household(
                "5119020010010001",
                VILLAGE_IN,
                vec![
                    member("张三", rid("51190219700101001"), Relationship::Head),
                    member(
                        "<script>alert(1)</script>",
                        rid("51190219750202002"),
                        Relationship::Spouse,
                    ),
                ],
            ),
            &[registered.clone(), exited.clone(), monitored],
        );
        let household_in2 = create(
            household(
                "5119020010010002",
                VILLAGE_IN,
                vec![member("王二", rid("51190219600505006"), Relationship::Head)],
            ),
            &[registered.clone(), exited.clone()],
        );
        let household_other_township = create(
            household(
                "5119020020010001",
                VILLAGE_OTHER_TOWNSHIP,
                vec![member("李四", rid("51190219800303003"), Relationship::Head)],
            ),
            std::slice::from_ref(&registered),
        );
        let household_out = create(
            household(
                "5119030010010001",
                VILLAGE_OUT,
                vec![member("张五", rid("51190319800404005"), Relationship::Head)],
            ),
            &[registered, exited],
        );
        let spare_account = jingzhun_web::create_account(
            &store,
            "t_spare",
            Role::VillageCadre,
            AreaCode::parse(VILLAGE_IN).unwrap(),
            PASSWORD,
            false,
        )
        .unwrap();
        let outside_account = jingzhun_web::create_account(
            &store,
            OUTSIDE_CADRE,
            Role::VillageCadre,
            AreaCode::parse(VILLAGE_OUT).unwrap(),
            PASSWORD,
            false,
        )
        .unwrap();
        for role in Role::ALL {
            jingzhun_web::create_account(
                &store,
                &username(*role),
                *role,
                AreaCode::parse(area_of(*role)).unwrap(),
                PASSWORD,
                false,
            )
            .unwrap();
        }
        let state = AppState::new(
            Arc::new(StoreBackend::new(Arc::clone(&store))),
            config,
            clock,
        );
        World {
            router: jingzhun_web::router(state.clone()),
            state,
            store,
            household_in,
            household_in2,
            household_other_township,
            household_out,
            spare_account,
            outside_account,
            url: url.to_owned(),
            _dir: dir,
            schema: None,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        Reply::read(res).await
    }

    /// Signs in through the form (with the pre-session CSRF cookie) and returns the session.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let pre = "ab".repeat(32);
        let body = format!("_csrf={pre}&username={username}&password={password}&next=%2F");
        let res = self
            .send(
                Request::post("/login")
                    .header(header::COOKIE, format!("jz_pre={pre}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            res.body
        );
        let cookie = res
            .set_cookies
            .iter()
            .find(|c| c.starts_with("jz_session="))
            .expect("session cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let me = self
            .send(
                Request::get("/api/v1/me")
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let csrf = me.json()["csrf_token"].as_str().unwrap().to_owned();
        Session { cookie, csrf }
    }

    pub async fn login_as(&self, role: Role) -> Session {
        self.login(&username(role), PASSWORD).await
    }

    /// Opens a case on `household` as `session` and returns its id.
    pub async fn open_case(
        &self,
        session: &Session,
        household: HouseholdId,
        fields: &str,
    ) -> String {
        let res = self
            .send(session.post_form(&format!("/households/{}/leads", household.0), fields))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        res.location
            .unwrap()
            .trim_start_matches("/cases/")
            .to_owned()
    }

    /// A case rejected at the visit inside every test account's area, and one outside all of them.
    pub async fn closed_cases(&self) -> (String, String) {
        let lead = "channel=cadre_check&monitoring_kind=unstable&risk=illness";
        let cadre = self.login_as(Role::VillageCadre).await;
        let inside = self.open_case(&cadre, self.household_in2, lead).await;
        let res = self
            .send(cadre.post_form(&format!("/cases/{inside}/visit"), "outcome=reject&note=x"))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let far = self.login(OUTSIDE_CADRE, PASSWORD).await;
        let outside = self.open_case(&far, self.household_out, lead).await;
        let res = self
            .send(far.post_form(&format!("/cases/{outside}/visit"), "outcome=reject&note=x"))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        (inside, outside)
    }

    /// Ends the notice period of every village review, as if its days had passed (the township may then
    /// review its cases).
    pub fn end_notices(&self) {
        self.raw_sql(
            "UPDATE village_reviews SET notice_from = '2000-01-01', notice_until = '2000-01-05'",
        )
    }

    /// Runs SQL on the store's database directly, bypassing the store's checks.
    pub fn raw_sql(&self, sql: &str) {
        blocking(|| self.raw_sql_here(sql))
    }

    fn raw_sql_here(&self, sql: &str) {
        match self.url.strip_prefix("sqlite:") {
            Some(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.execute_batch(sql).unwrap();
            }
            None => {
                let mut c = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
                c.batch_execute(sql).unwrap();
            }
        }
    }

    /// Audit entries by `actor` with `action`.
    pub fn audit_count(&self, actor: &str, action: &str) -> usize {
        blocking(|| self.audit_count_here(actor, action))
    }

    fn audit_count_here(&self, actor: &str, action: &str) -> usize {
        self.store
            .audit_entries(&jingzhun_store::AuditFilter {
                actor: Some(actor.to_owned()),
                ..Default::default()
            })
            .unwrap()
            .iter()
            .filter(|e| e.action == action)
            .count()
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    /// `jz_session=…`
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    pub fn get(&self, uri: &str) -> Request<Body> {
        Request::get(uri)
            .header(header::COOKIE, &self.cookie)
            .body(Body::empty())
            .unwrap()
    }

    /// A form POST with the session's CSRF token added.
    pub fn post_form(&self, uri: &str, fields: &str) -> Request<Body> {
        let sep = if fields.is_empty() { "" } else { "&" };
        Request::post(uri)
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("_csrf={}{sep}{fields}", self.csrf)))
            .unwrap()
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub content_type: String,
    /// `Retry-After`, when the answer has one.
    pub retry_after: Option<String>,
    pub cache_control: String,
    pub body: String,
}

impl Reply {
    async fn read(res: Response<Body>) -> Reply {
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let set_cookies = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let retry_after = res
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let cache_control = res
            .headers()
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            set_cookies,
            content_type,
            retry_after,
            cache_control,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}
