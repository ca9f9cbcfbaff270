//! Test databases: every test runs on SQLite (a temporary file) and, when `JINGZHUN_TEST_DATABASE_URL` is
//! set, on PostgreSQL in a fresh schema of its own that is dropped afterwards.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;
use jingzhun_store::{Actor, Clock, Store};

pub const PG_URL_VAR: &str = "JINGZHUN_TEST_DATABASE_URL";

/// Runs the body once per backend: `both!(fn name(db) { … })` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    (fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($db: &$crate::support::TestDb) $body
            #[test]
            fn sqlite() {
                run(&$crate::support::TestDb::sqlite())
            }
            #[test]
            fn postgres() {
                if let Some(db) = $crate::support::TestDb::postgres() {
                    run(&db)
                }
            }
        }
    };
}

/// A clock that starts at 2024-01-01T08:00:00.123456789Z and advances one second per reading.
pub struct StepClock(AtomicI64);

impl StepClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(1_704_096_000)))
    }
}

impl Clock for StepClock {
    fn now(&self) -> DateTime<Utc> {
        let s = self.0.fetch_add(1, Ordering::SeqCst);
        DateTime::from_timestamp(s, 123_456_789).unwrap()
    }
}

enum Kind {
    Sqlite { path: PathBuf },
    Pg { url: String, schema: String },
}

pub struct TestDb {
    pub store: Store,
    kind: Kind,
    _dir: Option<tempfile::TempDir>,
}

static SCHEMA_COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.db");
        let store = Store::open(&format!("sqlite:{}", path.display()))
            .unwrap()
            .with_clock(StepClock::new());
        TestDb {
            store,
            kind: Kind::Sqlite { path },
            _dir: Some(dir),
        }
    }

    /// `None` (after saying so) when no PostgreSQL URL is configured; panics under CI, where skipping would
    /// hide a whole backend.
    pub fn postgres() -> Option<TestDb> {
        let Ok(url) = std::env::var(PG_URL_VAR) else {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but {PG_URL_VAR} is not: PostgreSQL tests must run in CI");
            }
            // Once per run, and past the test harness's output capture so that it is actually seen.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "PostgreSQL tests skipped: set {PG_URL_VAR} to run them"
                );
            });
            return None;
        };
        let schema = format!(
            "jz_test_{}_{}_{}",
            std::process::id(),
            SCHEMA_COUNTER.fetch_add(1, Ordering::SeqCst),
            Utc::now().timestamp_micros() % 1_000_000
        );
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        // The application name lets a test find the store's own server process (see the reconnect test).
        let store_url =
            format!("{url}{sep}options=-csearch_path%3D{schema}&application_name={schema}");
        let store = Store::open(&store_url)
            .unwrap()
            .with_clock(StepClock::new());
        Some(TestDb {
            store,
            kind: Kind::Pg {
                url: store_url,
                schema,
            },
            _dir: None,
        })
    }

    /// Runs SQL on a separate connection, behind the store's back (to tamper with data).
    pub fn raw(&self, sql: &str) {
        match &self.kind {
            Kind::Sqlite { path } => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.execute_batch(sql).unwrap();
            }
            Kind::Pg { url, .. } => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
                c.batch_execute(sql).unwrap();
            }
        }
    }

    /// A single integer from a raw query.
    pub fn raw_i64(&self, sql: &str) -> i64 {
        match &self.kind {
            Kind::Sqlite { path } => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.query_row(sql, [], |r| r.get(0)).unwrap()
            }
            Kind::Pg { url, .. } => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
                c.query_one(sql, &[]).unwrap().get(0)
            }
        }
    }

    /// The PostgreSQL URL of the test schema (`None` on SQLite).
    pub fn url(&self) -> Option<&str> {
        match &self.kind {
            Kind::Pg { url, .. } => Some(url),
            Kind::Sqlite { .. } => None,
        }
    }

    pub fn is_pg(&self) -> bool {
        matches!(self.kind, Kind::Pg { .. })
    }

    /// Reopens the same database (to test migrations on an existing one).
    pub fn reopen(&self) -> Result<Store, jingzhun_store::StoreError> {
        match &self.kind {
            Kind::Sqlite { path } => Store::open(&format!("sqlite:{}", path.display())),
            Kind::Pg { url, .. } => Store::open(url),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Kind::Pg { url, schema } = &self.kind {
            if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn code(s: &str) -> AreaCode {
    AreaCode::parse(s).unwrap()
}

pub fn actor() -> Actor {
    Actor::new("村干部-张三")
}

/// A valid resident ID: region, birth date and a sequence number, with the right check character.
pub fn resident_id(region: &str, birth: &str, seq: u32) -> ResidentId {
    let first17 = format!("{region}{birth}{:03}", seq % 1000);
    let check = check_character(first17.as_bytes());
    ResidentId::parse_on(&format!("{first17}{check}"), d("2026-01-01")).unwrap()
}

/// A member with every optional field set or not depending on `n`.
pub fn member(n: usize, relationship: Relationship) -> Member {
    let full = n.is_multiple_of(2);
    Member {
        name: PersonName::parse(["欧阳 修", "张三", "李四", "王五", "赵六"][n % 5]).unwrap(),
        resident_id: resident_id(
            ["511902", "513701", "513001"][n % 3],
            &format!("19{:02}0{}1{}", 40 + n % 60, 1 + n % 9, n % 10),
            (n * 7 + 1) as u32,
        ),
        sex: if n.is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        },
        relationship,
        ethnicity: ["汉族", "土家族", "彝族"][n % 3].into(),
        education: full.then_some(Education::Junior),
        schooling: full.then_some(SchoolingStatus::HomeTeaching),
        health: [
            Health::Healthy,
            Health::Chronic,
            Health::SeriousIllness,
            Health::Disabled,
        ][n % 4],
        labour: full.then_some(LabourAbility::Weak),
        work_status: WorkStatus::ALL[n % WorkStatus::ALL.len()],
        migrant_months: MigrantMonths::new((n % 13) as i64).unwrap(),
        medical_insurance: full,
        serious_illness_insurance: !full,
        pension_insurance: n.is_multiple_of(3),
        social_assistance: SocialAssistance::ALL[n % 3],
    }
}

/// A household with members and incomes; `n` varies every field, including None values, Chinese text and
/// negative amounts.
pub fn household(n: usize, village: &str) -> Household {
    let full = n.is_multiple_of(2);
    let mut members = vec![member(n, Relationship::Head)];
    for i in 0..(n % 4) {
        members.push(member(n + i + 1, Relationship::ALL[1 + (n + i) % 12]));
    }
    let incomes = (2014..2014 + (n % 13) as u16 + 1)
        .map(|year| {
            let mut r = IncomeRecord::new(year);
            for (i, c) in IncomeComponent::ALL.iter().enumerate() {
                let fen = ((n as i64 + 1) * 1_000 + i as i64 * 37 + i64::from(year)) % 900_000;
                r.set(*c, Yuan::from_fen(fen));
            }
            if n.is_multiple_of(3) {
                // A loss-making year.
                r.set(IncomeComponent::Business, Yuan::from_fen(-123_456));
            }
            r
        })
        .collect();
    Household {
        number: HouseholdNo::parse(&format!("{village}{n:06}")).unwrap(),
        village: code(village),
        natural_village: full.then(|| format!("{}组 (老鹰岩)", n % 9 + 1)),
        phone: full.then(|| Phone::parse(&format!("138{:08}", n % 100_000_000)).unwrap()),
        standard: IdentificationStandard::ALL[n % IdentificationStandard::ALL.len()],
        attribute: full.then(|| PoorAttribute::ALL[n % PoorAttribute::ALL.len()]),
        main_cause: full.then(|| PovertyCause::ALL[n % PovertyCause::ALL.len()]),
        other_causes: if full {
            vec![PovertyCause::LackOfCapital, PovertyCause::Other]
        } else {
            vec![]
        },
        planned_exit_year: full.then_some(2018 + (n % 3) as u16),
        housing: Housing {
            area_sqm: full.then_some(60 + n as u32 % 100),
            grade: full.then_some(HousingGrade::C),
            safe_alternative: full.then_some(SafeHousingAlternative::LongTermRental),
        },
        relocation: full.then(|| Relocation {
            year: 2017,
            placement: RelocationPlacement::Centralised,
            site: "恩阳区柳林镇安置点".into(),
        }),
        water: Water {
            litres_per_person_day: full.then_some(60),
            fetch_minutes: full.then_some(25),
            outage_days_per_year: full.then_some(3),
            quality_ok: full.then_some(n.is_multiple_of(4)),
            dry_area: n.is_multiple_of(5),
        },
        food_clothing_secured: full,
        electricity: !full,
        sanitary_toilet: n.is_multiple_of(3),
        fuel: full.then_some(FuelType::Firewood),
        farmland_mu: full.then_some(1.5 + n as f64 * 0.1),
        forest_mu: if full { None } else { Some(0.3) },
        cooperative_member: n.is_multiple_of(7),
        members,
        incomes,
    }
}

pub fn events(n: usize) -> Vec<StatusEvent> {
    let mut out = vec![StatusEvent::new(
        StatusEventKind::Registered,
        d("2014-10-01"),
    )];
    if n.is_multiple_of(2) {
        out.push(StatusEvent::new(StatusEventKind::Exited, d("2018-12-01")));
        let mut m = StatusEvent::new(StatusEventKind::Monitored, d("2021-05-01"));
        m.monitoring_kind = Some(MonitoringKind::Unstable);
        m.risk_types = vec![RiskType::Illness, RiskType::UnstableEmployment];
        m.note = "家中有人患大病, 需持续关注".into();
        out.push(m);
    }
    out
}

/// The division tree used by the tests.
pub fn areas() -> Vec<Area> {
    let a = |c: &str, n: &str| Area {
        code: code(c),
        name: n.into(),
        settlement: (c.len() == 12).then(|| Settlement::from_name(n)),
    };
    vec![
        a("51", "四川省"),
        a("5119", "巴中市"),
        a("511902", "巴州区"),
        a("511903", "恩阳区"),
        a("511902001", "东城街道"),
        a("511902101", "曾口镇"),
        a("511903101", "柳林镇"),
        a("511902001001", "鼓楼社区居委会"),
        a("511902101001", "阿坝村村民委员会"),
        a("511902101002", "中心村村民委员会"),
        a("511902101003", "白鹤村村民委员会"),
        a("511903101001", "兴隆村村民委员会"),
    ]
}
