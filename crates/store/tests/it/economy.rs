//! The economy tables: every record kind round-trips, changes are new versions with their history and
//! audit, writes are all-or-nothing, bulk loads refuse stored keys, reads are scoped by area.

use jingzhun_core::economy::*;
use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const V1: &str = "511902101001";
const V2: &str = "511903101001";

fn yuan(y: i64) -> Yuan {
    Yuan::from_yuan(y)
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

fn leading(id: i64, area: &str) -> Operator {
    Operator {
        id: OperatorId(id),
        name: format!("巴中云顶茶业有限公司{id}"),
        kind: OperatorKind::LeadingEnterprise,
        level: Some(EnterpriseLevel::Province),
        recognised_year: Some(2016),
        area: code(area),
    }
}

fn coop(id: i64, area: &str) -> Operator {
    Operator {
        id: OperatorId(id),
        name: format!("某村猕猴桃专业合作社{id}"),
        kind: OperatorKind::Cooperative,
        level: None,
        recognised_year: None,
        area: code(area),
    }
}

/// One of everything, in two villages of two counties.
fn batch(h1: HouseholdId, h2: HouseholdId, member: &ResidentId) -> EconomyBatch {
    EconomyBatch {
        operators: vec![leading(1, "511902"), coop(2, V2)],
        bases: vec![
            IndustryBase {
                id: BaseId(10),
                name: "白茶基地".into(),
                kind: IndustryKind::Tea,
                area_mu: 1250.5,
                village: code(V1),
                operator: Some(OperatorId(1)),
                established: 2015,
            },
            IndustryBase {
                id: BaseId(11),
                name: "猕猴桃园".into(),
                kind: IndustryKind::Kiwi,
                area_mu: 300.0,
                village: code(V2),
                operator: None,
                established: 2018,
            },
        ],
        links: vec![
            IndustryLink {
                household: h1,
                operator: OperatorId(1),
                base: Some(BaseId(10)),
                kind: LinkKind::Dividend,
                year: 2020,
                amount: yuan(300),
            },
            IndustryLink {
                household: h2,
                operator: OperatorId(2),
                base: None,
                kind: LinkKind::LandRent,
                year: 2020,
                amount: yuan(800),
            },
        ],
        employment: vec![EmploymentRecord {
            household: h1,
            member: *member,
            year: 2020,
            status: EmploymentStatus::MigrantOutsideProvince,
            months: 10,
            wage: yuan(32_000),
            reason: None,
        }],
        products: vec![Product {
            id: ProductId(100),
            name: "巴中云顶银针".into(),
            category: ProductCategory::Tea,
            producer: OperatorId(1),
            area: code("511902101"),
            certified_year: 2019,
            platforms: vec![SalesPlatform::P832, SalesPlatform::Ecommerce],
            brand: Some("巴中云顶".into()),
        }],
        sales: vec![ProductSales {
            product: ProductId(100),
            year: 2020,
            platform: SalesPlatform::P832,
            amount: yuan(120_000),
        }],
        accounts: vec![CollectiveAccount {
            village: code(V1),
            year: 2020,
            income: [yuan(80_000), yuan(40_000), yuan(5_000), yuan(200_000)],
            assets: yuan(3_000_000),
            projects: vec![CollectiveProject {
                name: "村集体茶叶加工厂".into(),
                invested: yuan(500_000),
                income: yuan(60_000),
            }],
        }],
    }
}

fn setup(s: &Store) -> (HouseholdId, HouseholdId, ResidentId) {
    let h1 = add_household(s, 1, V1);
    let h2 = add_household(s, 2, V2);
    let member = s.household(h1).unwrap().household.members[0].resident_id;
    (h1, h2, member)
}

both!(fn every_kind_round_trips_and_is_scoped(db) {
    let s = &db.store;
    let (h1, h2, member) = setup(s);
    let b = batch(h1, h2, &member);
    let loaded = s.save_economy(&b, &actor(), "录入产业就业数据").unwrap();
    assert_eq!(loaded.rows(), b.rows());

    let city = code("5119");
    let ops: Vec<Operator> = s.operators_within(&city).unwrap().into_iter().map(|v| v.record).collect();
    assert_eq!(ops, b.operators);
    let county = s.operators_within(&code("511902")).unwrap();
    assert_eq!(county.len(), 1, "the cooperative of 511903 is outside 511902");
    let bases: Vec<_> = s.bases_within(&city).unwrap().into_iter().map(|v| v.record).collect();
    assert_eq!(bases, b.bases);
    assert_eq!(s.bases_within(&code(V2)).unwrap().len(), 1);
    let links: Vec<_> = s.links_within(&city, Some(2020)).unwrap().into_iter().map(|v| v.record).collect();
    assert_eq!(links, b.links);
    assert!(s.links_within(&city, Some(2019)).unwrap().is_empty());
    assert_eq!(s.links_within(&code("511903"), None).unwrap()[0].record.household, h2);
    let work: Vec<_> = s.employment_of(h1).unwrap().into_iter().map(|v| v.record).collect();
    assert_eq!(work, b.employment);
    assert_eq!(s.employment_within(&code("511903"), None).unwrap().len(), 0);
    let products: Vec<_> = s.products_within(&code("511902")).unwrap().into_iter().map(|v| v.record).collect();
    assert_eq!(products, b.products);
    assert!(s.products_within(&code("511903")).unwrap().is_empty());
    let sales: Vec<_> = s.sales_within(&city, Some(2020)).unwrap().into_iter().map(|v| v.record).collect();
    assert_eq!(sales, b.sales);
    let accounts: Vec<_> = s.collective_accounts_within(&city, Some(2020)).unwrap().into_iter().map(|v| v.record).collect();
    assert_eq!(accounts, b.accounts);
    let v = &s.operator(OperatorId(1)).unwrap().unwrap();
    assert_eq!((v.version, v.recorded_by.as_str(), v.reason.as_str()), (1, "村干部-张三", "录入产业就业数据"));
});

both!(fn a_change_is_a_new_version_with_history_and_audit(db) {
    let s = &db.store;
    let (h1, h2, member) = setup(s);
    s.save_economy(&batch(h1, h2, &member), &actor(), "录入").unwrap();
    let mut op = leading(1, "511902");
    op.level = Some(EnterpriseLevel::National);
    op.recognised_year = Some(2019);
    let mut account = batch(h1, h2, &member).accounts.remove(0);
    account.income[0] = yuan(1_200_000);
    account.projects.clear();
    let mut link = batch(h1, h2, &member).links.remove(0);
    link.amount = yuan(450);
    let change = EconomyBatch {
        operators: vec![op.clone()],
        links: vec![link.clone()],
        accounts: vec![account.clone()],
        ..EconomyBatch::default()
    };
    let before = s.audit_entries(&AuditFilter::default()).unwrap().len();
    s.save_economy(&change, &Actor::new("县农业农村局-李四"), "升为国家级龙头企业").unwrap();

    let current = s.operator(OperatorId(1)).unwrap().unwrap();
    assert_eq!((current.version, &current.record), (2, &op));
    let history = s.operator_history(OperatorId(1)).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].record.level, Some(EnterpriseLevel::Province), "the old version is kept");
    assert_eq!(history[1].recorded_by, "县农业农村局-李四");
    assert_eq!(s.operators_within(&code("5119")).unwrap().len(), 2, "one current record per operator");

    let links = s.links_of(h1).unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].record.amount, yuan(450));
    let link_versions = s.link_history(h1, OperatorId(1), LinkKind::Dividend, 2020).unwrap();
    assert_eq!(link_versions.iter().map(|v| v.record.amount).collect::<Vec<_>>(), vec![yuan(300), yuan(450)]);

    let accounts = s.collective_accounts_within(&code(V1), Some(2020)).unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].record, account);
    assert_eq!(accounts[0].record.band(), CollectiveBand::Over1m);
    let account_versions = s.collective_account_history(&code(V1), 2020).unwrap();
    assert_eq!(account_versions.len(), 2);
    assert_eq!(account_versions[0].record.projects.len(), 1, "each version keeps its own projects");

    let entries = s.audit_entries(&AuditFilter::default()).unwrap();
    assert_eq!(entries.len() - before, 3, "one entry per record written");
    let op_entry = entries.iter().find(|e| e.entity == "economy_operator" && e.action == "economy.update").unwrap();
    assert_eq!(op_entry.entity_id, "1");
    assert!(op_entry.detail.contains("\"version\":2"));
    assert!(s.audit_verify().unwrap().is_ok());
});

both!(fn a_bad_record_writes_nothing(db) {
    let s = &db.store;
    let (h1, h2, member) = setup(s);
    let before = s.audit_entries(&AuditFilter::default()).unwrap().len();
    // An unknown operator in the last link: nothing of the batch is stored.
    let mut b = batch(h1, h2, &member);
    b.links[1].operator = OperatorId(99);
    let e = s.save_economy(&b, &actor(), "录入").unwrap_err();
    assert!(e.to_string().contains("经营主体 99 不存在"), "{e}");
    // A household that does not exist.
    let mut b = batch(h1, h2, &member);
    b.employment[0].household = HouseholdId(9_999);
    assert!(s.save_economy(&b, &actor(), "录入").is_err());
    // A record that fails its own check: months beyond 12.
    let mut b = batch(h1, h2, &member);
    b.employment[0].months = 13;
    let e = s.save_economy(&b, &actor(), "录入").unwrap_err().to_string();
    assert!(e.contains("务工月数"), "{e}");
    assert!(!e.contains(member.as_str()), "no resident ID in errors");
    assert!(s.operators_within(&code("51")).unwrap().is_empty());
    assert!(s.collective_accounts_within(&code("51"), None).unwrap().is_empty());
    assert_eq!(s.audit_entries(&AuditFilter::default()).unwrap().len(), before);
});

both!(fn bulk_loads_write_version_one_and_refuse_stored_keys(db) {
    let s = &db.store;
    let (h1, h2, member) = setup(s);
    let b = batch(h1, h2, &member);
    let loaded = s.bulk_load_economy(&b, &Actor::system("synth"), "生成演示数据").unwrap();
    assert_eq!(loaded.rows(), b.rows());
    let accounts = s.collective_accounts_within(&code("5119"), None).unwrap();
    assert_eq!(accounts[0].version, 1);
    assert_eq!(accounts[0].record, b.accounts[0]);
    assert_eq!(s.employment_of(h1).unwrap()[0].record, b.employment[0]);
    let entries = s.audit_entries(&AuditFilter::default()).unwrap();
    let bulk = entries.iter().find(|e| e.action == "economy.bulk_load").unwrap();
    assert!(bulk.detail.contains("\"employment\":1"), "{}", bulk.detail);
    assert!(!bulk.detail.contains(member.as_str()));
    // The same keys again: refused, nothing more written.
    assert!(s.bulk_load_economy(&b, &Actor::system("synth"), "再次生成").is_err());
    assert_eq!(s.operators_within(&code("5119")).unwrap().len(), 2);
    assert_eq!(s.audit_entries(&AuditFilter::default()).unwrap().len(), entries.len());
    assert!(s.audit_verify().unwrap().is_ok());
});
