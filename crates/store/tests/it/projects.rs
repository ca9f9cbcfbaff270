//! The project library and its neighbours: the workflow with its compare-and-set and announcement period,
//! funds, assets and returns, work teams, secondments, partners and donations, settlements and residents,
//! official statistics; each write audited, reads scoped by area, the bulk load all or nothing.

use chrono::{DateTime, Utc};
use jingzhun_core::monitoring::{Cadre, CadreId, CadrePost};
use jingzhun_core::projects::Settlement;
use jingzhun_core::projects::*;
use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const V1: &str = "511902101001";
const V2: &str = "511903101001";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn step(stage: Stage, on: &str) -> ProjectStep {
    ProjectStep {
        stage,
        on: d(on),
        announced_until: None,
        owner: None,
        actual_output: None,
        by: "county".into(),
        at: at("2018-03-01T02:00:00Z"),
        note: String::new(),
    }
}

fn project(id: i64, village: &str) -> Project {
    Project {
        id: ProjectId(id),
        name: "村道硬化 3.5 公里".into(),
        kind: ProjectKind::Road,
        area: code(village),
        year: 2018,
        planned_output: 3.5,
        beneficiary_households: 42,
        budget: Yuan::from_fen(175_000_000),
        steps: vec![step(Stage::Proposed, "2018-01-10")],
    }
}

fn add_household(store: &Store, n: usize, village: &str) -> HouseholdId {
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

fn audit_count(store: &Store, entity: &str) -> usize {
    store
        .audit_entries(&AuditFilter {
            entity: Some(entity.into()),
            ..AuditFilter::default()
        })
        .unwrap()
        .len()
}

/// Records every step after the proposal, the way the county would.
fn run_to_hand_over(s: &Store, id: ProjectId) -> Project {
    let mut steps = vec![step(Stage::Approved, "2018-02-01")];
    let mut a = step(Stage::Announced, "2018-02-02");
    a.announced_until = Some(d("2018-02-11"));
    steps.push(a);
    steps.push(step(Stage::UnderWay, "2018-02-12"));
    let mut c = step(Stage::Completed, "2018-10-01");
    c.actual_output = Some(3.6);
    steps.push(c);
    steps.push(step(Stage::Accepted, "2018-11-01"));
    let mut h = step(Stage::HandedOver, "2018-12-01");
    h.owner = Some(AssetOwner::VillageCollective);
    steps.push(h);
    let mut p = s.project(id).unwrap().unwrap();
    for st in steps {
        p = s
            .record_project_step(id, p.steps.len(), st, &actor())
            .unwrap();
    }
    p
}

both!(fn a_project_goes_through_its_lifecycle_with_each_step_audited(db) {
    let s = &db.store;
    let h1 = add_household(s, 1, V1);
    let h2 = add_household(s, 2, V1);
    let ids = s.next_project_ids().unwrap();
    assert_eq!(ids.project, ProjectId(1));
    let p = project(ids.project.0, V1);
    s.create_project(&p, &[h1, h2, h1], &actor()).unwrap();
    assert_eq!(s.project(p.id).unwrap(), Some(p.clone()));
    assert_eq!(s.project_beneficiaries(p.id).unwrap(), vec![h1, h2]);
    assert!(matches!(
        s.create_project(&p, &[], &actor()),
        Err(StoreError::Duplicate { .. })
    ));
    let done = run_to_hand_over(s, p.id);
    assert_eq!(done.stage(), Stage::HandedOver);
    assert_eq!(done.actual_output(), Some(3.6));
    assert_eq!(s.project(p.id).unwrap(), Some(done.clone()));
    // One entry for the proposal and one per step, naming codes, never the note.
    let entries = s
        .audit_entries(&AuditFilter {
            entity: Some("projects".into()),
            entity_id: Some(p.id.to_string()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(entries.len(), Stage::ALL.len());
    assert!(entries.iter().any(|e| e.detail.contains("announced_until")));
    assert!(s.audit_verify().unwrap().is_ok());
    assert_eq!(s.projects_within(&code("5119"), None, 0).unwrap(), vec![done]);
    assert!(s.projects_within(&code("511903"), None, 0).unwrap().is_empty());
});

both!(fn a_stale_step_is_refused_and_nothing_is_written(db) {
    let s = &db.store;
    let p = project(7, V1);
    s.create_project(&p, &[], &actor()).unwrap();
    s.record_project_step(p.id, 1, step(Stage::Approved, "2018-02-01"), &actor())
        .unwrap();
    // A second approver still looking at one step.
    let err = s
        .record_project_step(p.id, 1, step(Stage::Approved, "2018-02-01"), &actor())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::ProjectConflict { current: 2, expected: 1, .. }),
        "{err}"
    );
    assert_eq!(s.project(p.id).unwrap().unwrap().steps.len(), 2);
    assert_eq!(audit_count(s, "projects"), 2);
    let err = s
        .record_project_step(ProjectId(99), 0, step(Stage::Approved, "2018-02-01"), &actor())
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }));
});

both!(fn a_project_cannot_start_before_its_announcement_period_ends(db) {
    let s = &db.store;
    let p = project(3, V1);
    s.create_project(&p, &[], &actor()).unwrap();
    s.record_project_step(p.id, 1, step(Stage::Approved, "2018-02-01"), &actor())
        .unwrap();
    // Out of order first: no start before the announcement.
    let err = s
        .record_project_step(p.id, 2, step(Stage::UnderWay, "2018-03-01"), &actor())
        .unwrap_err();
    assert!(matches!(err, StoreError::ProjectStep { source: ProjectStepError::OutOfOrder { .. }, .. }));
    let mut a = step(Stage::Announced, "2018-02-02");
    a.announced_until = Some(d("2018-02-11"));
    s.record_project_step(p.id, 2, a, &actor()).unwrap();
    let err = s
        .record_project_step(p.id, 3, step(Stage::UnderWay, "2018-02-11"), &actor())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::ProjectStep { source: ProjectStepError::BeforeAnnouncementEnds { .. }, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("公告公示期至 2018-02-11 结束"), "{err}");
    let stored = s.project(p.id).unwrap().unwrap();
    assert_eq!(stored.stage(), Stage::Announced);
    s.record_project_step(p.id, 3, step(Stage::UnderWay, "2018-02-12"), &actor())
        .unwrap();
});

both!(fn funds_assets_and_returns_are_kept_with_their_audit(db) {
    let s = &db.store;
    let p = project(1, V1);
    s.create_project(&p, &[], &actor()).unwrap();
    let alloc = Allocation {
        project: p.id,
        source: FundSource::EastWest,
        year: 2018,
        amount: Yuan::from_fen(10_000_000),
    };
    s.add_allocation(&alloc, &actor()).unwrap();
    let spent = Spending {
        project: p.id,
        source: FundSource::EastWest,
        on: d("2018-06-30"),
        amount: Yuan::from_fen(6_000_000),
    };
    s.add_spending(&spent, &actor()).unwrap();
    let neg = Spending { amount: Yuan::from_fen(-1), ..spent.clone() };
    assert!(matches!(s.add_spending(&neg, &actor()), Err(StoreError::Invalid(_))));
    let asset = Asset {
        id: AssetId(1),
        project: p.id,
        name: "村道".into(),
        owner: AssetOwner::VillageCollective,
        value: Yuan::from_fen(170_000_000),
        handed_over: d("2018-12-01"),
    };
    // Not before the project is completed.
    assert!(matches!(s.add_asset(&asset, &actor()), Err(StoreError::Invalid(_))));
    run_to_hand_over(s, p.id);
    s.add_asset(&asset, &actor()).unwrap();
    let ret = AssetReturn {
        asset: asset.id,
        year: 2019,
        to_households: Yuan::from_fen(3_000_000),
        to_collective: Yuan::from_fen(1_000_000),
    };
    s.add_asset_return(&ret, &actor()).unwrap();
    assert!(matches!(s.add_asset_return(&ret, &actor()), Err(StoreError::Duplicate { .. })));
    let r = s.project_records_within(&code("511902")).unwrap();
    assert_eq!(r.allocations, vec![alloc]);
    assert_eq!(r.spending, vec![spent]);
    assert_eq!(r.assets, vec![asset]);
    assert_eq!(r.returns, vec![ret]);
    assert!(s.project_records_within(&code("511903")).unwrap().allocations.is_empty());
    assert_eq!(audit_count(s, "project_assets"), 2);
});

both!(fn teams_secondments_partners_and_settlements_round_trip_within_their_area(db) {
    let s = &db.store;
    for (id, post) in [(1, CadrePost::FirstSecretary), (2, CadrePost::WorkTeamMember)] {
        s.create_cadre(
            &Cadre {
                id: CadreId(id),
                name: PersonName::parse("张三").unwrap(),
                phone: None,
                unit: "通江县教育局".into(),
                post,
                area: code(V1),
            },
            &actor(),
        )
        .unwrap();
    }
    let team = WorkTeam {
        id: WorkTeamId(1),
        village: code(V1),
        unit: "通江县教育局".into(),
        from: d("2015-09-01"),
        to: Some(d("2017-08-31")),
        members: vec![(CadreId(1), TeamRole::Leader), (CadreId(2), TeamRole::Member)],
    };
    s.create_work_team(&team, &actor()).unwrap();
    let bad = WorkTeam { id: WorkTeamId(2), members: vec![(CadreId(9), TeamRole::Member)], ..team.clone() };
    assert!(matches!(s.create_work_team(&bad, &actor()), Err(StoreError::NotFound { .. })));
    let sec = Secondment {
        name: PersonName::parse("李四").unwrap(),
        unit: "巴中市卫生健康委员会".into(),
        home_area: code("5119"),
        destination: Destination::Liangshan,
        place: "昭觉县".into(),
        from: d("2018-06-01"),
        to: Some(d("2020-06-01")),
    };
    s.add_secondment(&sec, &actor()).unwrap();
    let partner = Partner {
        id: PartnerId(1),
        name: "巴中某农业开发有限公司".into(),
        kind: PartnerKind::PrivateEnterprise,
        area: code("511902"),
    };
    s.create_partner(&partner, &actor()).unwrap();
    let gift = Donation {
        partner: partner.id,
        on: d("2019-10-17"),
        amount: Yuan::from_fen(50_000_000),
        poverty_day: true,
        area: code(V1),
    };
    s.add_donation(&gift, &actor()).unwrap();
    let h = add_household(s, 1, V1);
    let site = Settlement {
        id: SettlementId(1),
        name: "白鹤聚居点".into(),
        kind: SettlementKind::Cluster,
        village: code(V1),
        capacity: 40,
        built: 2017,
        services: "扶贫车间".into(),
    };
    s.create_settlement(&site, &actor()).unwrap();
    let res = Resident { settlement: site.id, household: h, moved_in: d("2018-05-01") };
    s.add_resident(&res, &actor()).unwrap();
    // A household lives in one settlement.
    assert!(matches!(s.add_resident(&res, &actor()), Err(StoreError::Duplicate { .. })));

    let r = s.project_records_within(&code("5119")).unwrap();
    assert_eq!(r.teams, vec![team]);
    assert_eq!(r.secondments, vec![sec]);
    assert_eq!(r.partners, vec![partner]);
    assert_eq!(r.donations, vec![gift]);
    assert_eq!(r.settlements, vec![site]);
    assert_eq!(r.residents, vec![res]);
    let other = s.project_records_within(&code(V2)).unwrap();
    assert_eq!(other.rows(), 0);
    for entity in ["work_teams", "cadre_secondments", "partners", "settlements"] {
        assert!(audit_count(s, entity) >= 1, "{entity}");
    }
    assert!(s.audit_verify().unwrap().is_ok());
});

both!(fn official_statistics_are_kept_beside_and_a_reimport_keeps_the_old_value_in_the_audit(db) {
    let s = &db.store;
    let stat = |year: u16, value: f64, source: &str| OfficialStat {
        area: code("5119"),
        indicator: "rural_disposable_income".into(),
        label: "农村居民人均可支配收入".into(),
        year,
        value,
        unit: "元".into(),
        source: source.into(),
    };
    s.import_official_stats(&[stat(2012, 6_416.0, "巴中市统计局"), stat(2019, 13_000.0, "草稿")], &actor(), "导入")
        .unwrap();
    s.import_official_stats(&[stat(2019, 13_232.0, "巴中市统计局")], &actor(), "更正")
        .unwrap();
    assert_eq!(
        s.official_stats(&code("5119")).unwrap(),
        vec![stat(2012, 6_416.0, "巴中市统计局"), stat(2019, 13_232.0, "巴中市统计局")]
    );
    assert!(s.official_stats(&code("511902")).unwrap().is_empty());
    let entries = s
        .audit_entries(&AuditFilter {
            entity: Some("official_statistics".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().any(|e| e.detail.contains("13000")), "the replaced value is kept");
});

both!(fn a_bulk_load_is_all_or_nothing(db) {
    let s = &db.store;
    let h = add_household(s, 1, V1);
    let mut done = project(1, V1);
    let mut steps = vec![step(Stage::Approved, "2018-02-01")];
    let mut a = step(Stage::Announced, "2018-02-02");
    a.announced_until = Some(d("2018-02-11"));
    steps.push(a);
    for st in steps {
        done.push_step(st).unwrap();
    }
    let batch = ProjectsBatch {
        projects: vec![done.clone(), project(2, V2)],
        beneficiaries: vec![(done.id, h)],
        allocations: vec![Allocation { project: done.id, source: FundSource::Central, year: 2018, amount: Yuan::from_fen(1_000) }],
        ..ProjectsBatch::default()
    };
    assert_eq!(s.bulk_load_projects(&batch, &actor()).unwrap(), batch.rows());
    assert_eq!(s.project(done.id).unwrap(), Some(done.clone()));
    assert_eq!(s.next_project_ids().unwrap().project, ProjectId(3));
    // A project whose steps break the announcement period: nothing of the batch is written.
    let mut bad = project(3, V1);
    bad.steps = done.steps.clone();
    bad.steps.push(step(Stage::UnderWay, "2018-02-05"));
    let batch = ProjectsBatch { projects: vec![project(4, V1), bad], ..ProjectsBatch::default() };
    assert!(matches!(s.bulk_load_projects(&batch, &actor()), Err(StoreError::ProjectStep { .. })));
    assert_eq!(s.project(ProjectId(4)).unwrap(), None);
});
