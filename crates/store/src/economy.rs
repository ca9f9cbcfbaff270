//! The rural economy's tables (issue 14): operators, featured-industry bases, links with households
//! (联农带农), employment, products and their sales, village collective accounts with their projects.
//!
//! History like the households': no row is updated or deleted. Every record has a key (an operator's id;
//! a link's household, operator, kind and year; a member's year of employment; a village's year of
//! accounts…); a change writes the key's next `version` with who, when and why, and the current record of a
//! key is its highest version. Two ways in, both one transaction with their audit:
//!
//! - [`Store::save_economy`]: any records, each written as the next version of its key, one audit entry
//!   per record (the spreadsheet import and single edits);
//! - [`Store::bulk_load_economy`]: records whose keys are new (version 1), written in bulk (PostgreSQL
//!   `COPY`), one audit entry with the counts (the generator).
//!
//! References are checked before anything is written: a base, link or product names an operator stored or
//! in the same batch; links and employment name stored households (a foreign key settles it too).
//!
//! Audit details name ids, codes, years and versions only: never a resident ID (employment rows are keyed
//! by the member's ID, the audit names the household and year).

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use jingzhun_core::economy::*;
use jingzhun_core::{AreaCode, HouseholdId, ResidentId, Yuan};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::bulk::copy_rows;
use crate::db::{Conn, Get, Tx, Val};
use crate::error::{invalid, Result, StoreError};
use crate::households::village_range;
use crate::schema::{code, codes, col_list, insert_sql, join_codes, opt_code, Cols, Ty};
use crate::Store;

/// A record as stored: the record, its version and who recorded it when and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub record: T,
    pub version: i64,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub reason: String,
}

/// Records to write with [`Store::save_economy`] or [`Store::bulk_load_economy`]: the one record set of
/// the economy, as the generator makes it ([`EconomyRecords`]).
pub type EconomyBatch = EconomyRecords;

/// The store's checks of a batch before it is written (the records' own checks live in core).
trait CheckBatch {
    fn check(&self, stored_operator: &mut dyn FnMut(OperatorId) -> Result<bool>) -> Result<()>;
}

impl CheckBatch for EconomyBatch {
    /// Every record's own check, then operator references inside the batch or among `stored`.
    fn check(&self, stored_operator: &mut dyn FnMut(OperatorId) -> Result<bool>) -> Result<()> {
        let inv = |e: EconomyError| StoreError::Invalid(e.0);
        self.operators
            .iter()
            .try_for_each(|o| o.check().map_err(inv))?;
        self.bases.iter().try_for_each(|b| b.check().map_err(inv))?;
        self.links.iter().try_for_each(|l| l.check().map_err(inv))?;
        self.employment
            .iter()
            .try_for_each(|e| e.check().map_err(inv))?;
        self.products
            .iter()
            .try_for_each(|p| p.check().map_err(inv))?;
        self.sales.iter().try_for_each(|s| s.check().map_err(inv))?;
        self.accounts
            .iter()
            .try_for_each(|a| a.check().map_err(inv))?;
        let in_batch: HashSet<OperatorId> = self.operators.iter().map(|o| o.id).collect();
        let mut known = in_batch.clone();
        // `what` is only written out for a refusal, not formatted for each of millions of links.
        let mut need = |id: OperatorId, what: &dyn Fn() -> String| -> Result<()> {
            if known.contains(&id) {
                return Ok(());
            }
            if stored_operator(id)? {
                known.insert(id);
                return Ok(());
            }
            Err(StoreError::Invalid(format!(
                "{}引用的经营主体 {id} 不存在",
                what()
            )))
        };
        for b in &self.bases {
            if let Some(o) = b.operator {
                need(o, &|| format!("产业基地 {}", b.id))?;
            }
        }
        for l in &self.links {
            need(l.operator, &|| {
                format!("户(ID {})的联农带农记录", l.household)
            })?;
        }
        for p in &self.products {
            need(p.producer, &|| format!("扶贫产品 {}", p.id))?;
        }
        Ok(())
    }
}

/// Rows written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EconomyLoaded {
    pub operators: usize,
    pub bases: usize,
    pub links: usize,
    pub employment: usize,
    pub products: usize,
    pub sales: usize,
    pub accounts: usize,
}

impl EconomyLoaded {
    fn of(b: &EconomyBatch) -> Self {
        Self {
            operators: b.operators.len(),
            bases: b.bases.len(),
            links: b.links.len(),
            employment: b.employment.len(),
            products: b.products.len(),
            sales: b.sales.len(),
            accounts: b.accounts.len(),
        }
    }

    pub fn rows(&self) -> usize {
        self.operators
            + self.bases
            + self.links
            + self.employment
            + self.products
            + self.sales
            + self.accounts
    }

    pub fn add(&mut self, o: EconomyLoaded) {
        self.operators += o.operators;
        self.bases += o.bases;
        self.links += o.links;
        self.employment += o.employment;
        self.products += o.products;
        self.sales += o.sales;
        self.accounts += o.accounts;
    }
}

// ---- Tables ----

/// The bookkeeping columns every table ends with (collective projects excepted).
const META: [(&str, Ty); 3] = [
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
    ("reason", Ty::Text),
];

/// One table: its name, key columns (before `version`), the data columns after it.
struct Table {
    name: &'static str,
    entity: &'static str,
    key: Cols,
    cols: Cols,
    /// [`Table::all`], built once.
    all: OnceLock<Vec<(&'static str, Ty)>>,
}

impl Table {
    /// Every column in insert order: key, version, data, meta.
    fn all(&self) -> Vec<(&'static str, Ty)> {
        let mut v: Vec<_> = self.key.to_vec();
        v.push(("version", Ty::Int));
        v.extend_from_slice(self.cols);
        v.extend_from_slice(&META);
        v
    }

    fn leaked(&'static self) -> Cols {
        self.all.get_or_init(|| self.all())
    }

    /// `SELECT key…, version, data…, meta… FROM table t WHERE <current> AND <cond>`.
    fn select(&'static self, cond: &str, current_only: bool) -> String {
        let cols = col_list(self.leaked(), "t");
        let same_key = self
            .key
            .iter()
            .map(|(k, _)| format!("x.{k} = t.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let current = if current_only {
            format!(
                "t.version = (SELECT max(x.version) FROM {} x WHERE {same_key})",
                self.name
            )
        } else {
            "1 = 1".to_owned()
        };
        format!(
            "SELECT {cols} FROM {} t WHERE {current} AND {cond}",
            self.name
        )
    }

    fn next_version_sql(&self) -> String {
        let cond = self
            .key
            .iter()
            .map(|(k, _)| format!("{k} = ?"))
            .collect::<Vec<_>>()
            .join(" AND ");
        format!(
            "SELECT coalesce(max(version), 0) + 1 FROM {} WHERE {cond}",
            self.name
        )
    }
}

static OPERATORS: Table = Table {
    name: "economy_operators",
    entity: "economy_operator",
    key: &[("id", Ty::Int)],
    cols: &[
        ("name", Ty::Text),
        ("kind", Ty::Text),
        ("level", Ty::Text),
        ("recognised_year", Ty::Int),
        ("area_code", Ty::Text),
    ],
    all: OnceLock::new(),
};

static BASES: Table = Table {
    name: "industry_bases",
    entity: "industry_base",
    key: &[("id", Ty::Int)],
    cols: &[
        ("name", Ty::Text),
        ("kind", Ty::Text),
        ("area_mu", Ty::Float),
        ("village_code", Ty::Text),
        ("operator_id", Ty::Int),
        ("established", Ty::Int),
    ],
    all: OnceLock::new(),
};

static LINKS: Table = Table {
    name: "industry_links",
    entity: "industry_link",
    key: &[
        ("household_id", Ty::Int),
        ("operator_id", Ty::Int),
        ("kind", Ty::Text),
        ("year", Ty::Int),
    ],
    cols: &[("base_id", Ty::Int), ("amount_fen", Ty::Int)],
    all: OnceLock::new(),
};

static EMPLOYMENT: Table = Table {
    name: "employment_records",
    entity: "employment",
    key: &[
        ("household_id", Ty::Int),
        ("member_id", Ty::Text),
        ("year", Ty::Int),
    ],
    cols: &[
        ("status", Ty::Text),
        ("months", Ty::Int),
        ("wage_fen", Ty::Int),
        ("not_working", Ty::Text),
    ],
    all: OnceLock::new(),
};

static PRODUCTS: Table = Table {
    name: "economy_products",
    entity: "economy_product",
    key: &[("id", Ty::Int)],
    cols: &[
        ("name", Ty::Text),
        ("category", Ty::Text),
        ("producer_id", Ty::Int),
        ("area_code", Ty::Text),
        ("certified_year", Ty::Int),
        ("platforms", Ty::Text),
        ("brand", Ty::Text),
    ],
    all: OnceLock::new(),
};

static SALES: Table = Table {
    name: "product_sales",
    entity: "product_sales",
    key: &[
        ("product_id", Ty::Int),
        ("year", Ty::Int),
        ("platform", Ty::Text),
    ],
    cols: &[("amount_fen", Ty::Int)],
    all: OnceLock::new(),
};

static ACCOUNTS: Table = Table {
    name: "collective_accounts",
    entity: "collective_account",
    key: &[("village_code", Ty::Text), ("year", Ty::Int)],
    cols: &[
        ("operating_fen", Ty::Int),
        ("assets_income_fen", Ty::Int),
        ("services_fen", Ty::Int),
        ("subsidies_fen", Ty::Int),
        ("assets_fen", Ty::Int),
    ],
    all: OnceLock::new(),
};

const PROJECT_COLS: Cols = &[
    ("village_code", Ty::Text),
    ("year", Ty::Int),
    ("version", Ty::Int),
    ("seq", Ty::Int),
    ("name", Ty::Text),
    ("invested_fen", Ty::Int),
    ("income_fen", Ty::Int),
];

// ---- Rows: key values, data values ----

fn operator_key(o: &Operator) -> Vec<Val<'static>> {
    vec![Val::I64(o.id.0)]
}
fn operator_data(o: &Operator) -> Vec<Val<'_>> {
    vec![
        Val::Str(&o.name),
        Val::Str(o.kind.code()),
        Val::opt_str(o.level.map(EnterpriseLevel::code)),
        Val::opt_i64(o.recognised_year),
        Val::Str(o.area.as_str()),
    ]
}
fn base_key(b: &IndustryBase) -> Vec<Val<'static>> {
    vec![Val::I64(b.id.0)]
}
fn base_data(b: &IndustryBase) -> Vec<Val<'_>> {
    vec![
        Val::Str(&b.name),
        Val::Str(b.kind.code()),
        Val::F64(b.area_mu),
        Val::Str(b.village.as_str()),
        Val::opt_i64(b.operator.map(|o| o.0)),
        Val::I64(i64::from(b.established)),
    ]
}
fn link_key(l: &IndustryLink) -> Vec<Val<'static>> {
    vec![
        Val::I64(l.household.0),
        Val::I64(l.operator.0),
        Val::Str(l.kind.code()),
        Val::I64(i64::from(l.year)),
    ]
}
fn link_data(l: &IndustryLink) -> Vec<Val<'_>> {
    vec![
        Val::I64(l.base.map_or(0, |b| b.0)),
        Val::I64(l.amount.fen()),
    ]
}
fn employment_key(e: &EmploymentRecord) -> Vec<Val<'_>> {
    vec![
        Val::I64(e.household.0),
        Val::Str(e.member.as_str()),
        Val::I64(i64::from(e.year)),
    ]
}
fn employment_data(e: &EmploymentRecord) -> Vec<Val<'_>> {
    vec![
        Val::Str(e.status.code()),
        Val::I64(i64::from(e.months)),
        Val::I64(e.wage.fen()),
        Val::opt_str(e.reason.map(NotWorkingReason::code)),
    ]
}
fn product_key(p: &Product) -> Vec<Val<'static>> {
    vec![Val::I64(p.id.0)]
}
fn product_data(p: &Product) -> Vec<Val<'_>> {
    vec![
        Val::Str(&p.name),
        Val::Str(p.category.code()),
        Val::I64(p.producer.0),
        Val::Str(p.area.as_str()),
        Val::I64(i64::from(p.certified_year)),
        Val::Owned(join_codes(&p.platforms, SalesPlatform::code)),
        Val::opt_str(p.brand.as_deref()),
    ]
}
fn sales_key(s: &ProductSales) -> Vec<Val<'static>> {
    vec![
        Val::I64(s.product.0),
        Val::I64(i64::from(s.year)),
        Val::Str(s.platform.code()),
    ]
}
fn sales_data(s: &ProductSales) -> Vec<Val<'static>> {
    vec![Val::I64(s.amount.fen())]
}
fn account_key(a: &CollectiveAccount) -> Vec<Val<'_>> {
    vec![Val::Str(a.village.as_str()), Val::I64(i64::from(a.year))]
}
fn account_data(a: &CollectiveAccount) -> Vec<Val<'static>> {
    let mut v: Vec<Val<'static>> = a.income.iter().map(|y| Val::I64(y.fen())).collect();
    v.push(Val::I64(a.assets.fen()));
    v
}

fn row<'a>(
    key: Vec<Val<'a>>,
    version: i64,
    data: Vec<Val<'a>>,
    at: DateTime<Utc>,
    actor: &'a Actor,
    reason: &'a str,
) -> Vec<Val<'a>> {
    let mut v = key;
    v.push(Val::I64(version));
    v.extend(data);
    v.extend([Val::Ts(at), Val::Str(&actor.account), Val::Str(reason)]);
    v
}

fn project_rows(a: &CollectiveAccount, version: i64) -> impl Iterator<Item = Vec<Val<'_>>> {
    a.projects.iter().enumerate().map(move |(i, p)| {
        vec![
            Val::Str(a.village.as_str()),
            Val::I64(i64::from(a.year)),
            Val::I64(version),
            Val::I64(i as i64 + 1),
            Val::Str(&p.name),
            Val::I64(p.invested.fen()),
            Val::I64(p.income.fen()),
        ]
    })
}

// ---- Decoding (columns in `Table::all` order) ----

fn year(r: &dyn Get, i: usize, t: &str, c: &str) -> Result<u16> {
    let v = r.i64(i)?;
    u16::try_from(v).map_err(|_| invalid(t, c, v))
}

fn area(r: &dyn Get, i: usize, t: &str, c: &str) -> Result<AreaCode> {
    let s = r.str(i)?;
    AreaCode::parse(s).map_err(|_| invalid(t, c, s))
}

/// The version and meta columns: `version` at `v`, meta at `m`.
fn versioned<T>(r: &dyn Get, v: usize, m: usize, record: T) -> Result<Versioned<T>> {
    Ok(Versioned {
        record,
        version: r.i64(v)?,
        recorded_at: r.ts(m)?,
        recorded_by: r.str(m + 1)?.to_owned(),
        reason: r.str(m + 2)?.to_owned(),
    })
}

fn decode_operator(r: &dyn Get) -> Result<Versioned<Operator>> {
    const T: &str = "economy_operators";
    let o = Operator {
        id: OperatorId(r.i64(0)?),
        name: r.str(2)?.to_owned(),
        kind: code(T, "kind", r.str(3)?, OperatorKind::from_code)?,
        level: opt_code(T, "level", r.opt_str(4)?, EnterpriseLevel::from_code)?,
        recognised_year: r
            .opt_i64(5)?
            .map(|y| u16::try_from(y).map_err(|_| invalid(T, "recognised_year", y)))
            .transpose()?,
        area: area(r, 6, T, "area_code")?,
    };
    versioned(r, 1, 7, o)
}

fn decode_base(r: &dyn Get) -> Result<Versioned<IndustryBase>> {
    const T: &str = "industry_bases";
    let b = IndustryBase {
        id: BaseId(r.i64(0)?),
        name: r.str(2)?.to_owned(),
        kind: code(T, "kind", r.str(3)?, IndustryKind::from_code)?,
        area_mu: r.opt_f64(4)?.unwrap_or_default(),
        village: area(r, 5, T, "village_code")?,
        operator: r.opt_i64(6)?.map(OperatorId),
        established: year(r, 7, T, "established")?,
    };
    versioned(r, 1, 8, b)
}

fn decode_link(r: &dyn Get) -> Result<Versioned<IndustryLink>> {
    const T: &str = "industry_links";
    let base = r.i64(5)?;
    let l = IndustryLink {
        household: HouseholdId(r.i64(0)?),
        operator: OperatorId(r.i64(1)?),
        kind: code(T, "kind", r.str(2)?, LinkKind::from_code)?,
        year: year(r, 3, T, "year")?,
        base: (base != 0).then_some(BaseId(base)),
        amount: Yuan::from_fen(r.i64(6)?),
    };
    versioned(r, 4, 7, l)
}

fn decode_employment(r: &dyn Get) -> Result<Versioned<EmploymentRecord>> {
    const T: &str = "employment_records";
    let id = r.str(1)?;
    let months = r.i64(5)?;
    let e = EmploymentRecord {
        household: HouseholdId(r.i64(0)?),
        member: ResidentId::parse(id).map_err(|_| invalid(T, "resident_id", id))?,
        year: year(r, 2, T, "year")?,
        status: code(T, "status", r.str(4)?, EmploymentStatus::from_code)?,
        months: u8::try_from(months).map_err(|_| invalid(T, "months", months))?,
        wage: Yuan::from_fen(r.i64(6)?),
        reason: opt_code(T, "not_working", r.opt_str(7)?, NotWorkingReason::from_code)?,
    };
    versioned(r, 3, 8, e)
}

fn decode_product(r: &dyn Get) -> Result<Versioned<Product>> {
    const T: &str = "economy_products";
    let p = Product {
        id: ProductId(r.i64(0)?),
        name: r.str(2)?.to_owned(),
        category: code(T, "category", r.str(3)?, ProductCategory::from_code)?,
        producer: OperatorId(r.i64(4)?),
        area: area(r, 5, T, "area_code")?,
        certified_year: year(r, 6, T, "certified_year")?,
        platforms: codes(T, "platforms", r.str(7)?, SalesPlatform::from_code)?,
        brand: r.opt_str(8)?.map(str::to_owned),
    };
    versioned(r, 1, 9, p)
}

fn decode_sales(r: &dyn Get) -> Result<Versioned<ProductSales>> {
    const T: &str = "product_sales";
    let s = ProductSales {
        product: ProductId(r.i64(0)?),
        year: year(r, 1, T, "year")?,
        platform: code(T, "platform", r.str(2)?, SalesPlatform::from_code)?,
        amount: Yuan::from_fen(r.i64(4)?),
    };
    versioned(r, 3, 5, s)
}

fn decode_account(r: &dyn Get) -> Result<Versioned<CollectiveAccount>> {
    const T: &str = "collective_accounts";
    let a = CollectiveAccount {
        village: area(r, 0, T, "village_code")?,
        year: year(r, 1, T, "year")?,
        income: [
            Yuan::from_fen(r.i64(3)?),
            Yuan::from_fen(r.i64(4)?),
            Yuan::from_fen(r.i64(5)?),
            Yuan::from_fen(r.i64(6)?),
        ],
        assets: Yuan::from_fen(r.i64(7)?),
        projects: Vec::new(),
    };
    versioned(r, 2, 8, a)
}

/// Bounds of the codes that start with `area`'s code (any length): `code >= lo AND code < hi`.
fn prefix_range(area: &AreaCode) -> (String, String) {
    let p = area.as_str();
    (p.to_owned(), format!("{p}:"))
}

// ---- Writing ----

fn stored_operator(tx: &mut Tx<'_>, id: OperatorId) -> Result<bool> {
    Ok(tx
        .query_i64(
            "SELECT count(*) FROM economy_operators WHERE id = ?",
            &[Val::I64(id.0)],
        )?
        .unwrap_or(0)
        > 0)
}

fn household_exists(tx: &mut Tx<'_>, id: HouseholdId) -> Result<()> {
    tx.query_i64("SELECT id FROM households WHERE id = ?", &[Val::I64(id.0)])?
        .map(|_| ())
        .ok_or_else(|| crate::households::not_found(id))
}

/// Writes one record as the next version of its key, with its audit entry; returns the version.
#[allow(clippy::too_many_arguments)]
fn save_one(
    tx: &mut Tx<'_>,
    table: &'static Table,
    key: Vec<Val<'_>>,
    data: Vec<Val<'_>>,
    entity_id: String,
    at: DateTime<Utc>,
    actor: &Actor,
    reason: &str,
) -> Result<i64> {
    let version = tx.query_i64(&table.next_version_sql(), &key)?.unwrap_or(1);
    let vals = row(key, version, data, at, actor, reason);
    tx.exec(&insert_sql(table.name, table.leaked()), &vals)?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: if version == 1 {
                "economy.create"
            } else {
                "economy.update"
            },
            entity: table.entity,
            entity_id,
            reason,
            detail: json!({ "version": version }),
        },
    )?;
    Ok(version)
}

fn save(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    b: &EconomyBatch,
    actor: &Actor,
    reason: &str,
) -> Result<EconomyLoaded> {
    b.check(&mut |id| stored_operator(tx, id))?;
    for h in b
        .links
        .iter()
        .map(|l| l.household)
        .chain(b.employment.iter().map(|e| e.household))
        .collect::<HashSet<_>>()
    {
        household_exists(tx, h)?;
    }
    let w =
        |tx: &mut Tx<'_>, t: &'static Table, key: Vec<Val<'_>>, data: Vec<Val<'_>>, id: String| {
            save_one(tx, t, key, data, id, at, actor, reason)
        };
    for o in &b.operators {
        w(
            tx,
            &OPERATORS,
            operator_key(o),
            operator_data(o),
            o.id.to_string(),
        )?;
    }
    for x in &b.bases {
        w(tx, &BASES, base_key(x), base_data(x), x.id.to_string())?;
    }
    for l in &b.links {
        let id = format!(
            "{}/{}/{}/{}",
            l.household,
            l.operator,
            l.kind.code(),
            l.year
        );
        w(tx, &LINKS, link_key(l), link_data(l), id)?;
    }
    for e in &b.employment {
        // The household and year, never the member's resident ID.
        let id = format!("{}/{}", e.household, e.year);
        w(tx, &EMPLOYMENT, employment_key(e), employment_data(e), id)?;
    }
    for p in &b.products {
        w(
            tx,
            &PRODUCTS,
            product_key(p),
            product_data(p),
            p.id.to_string(),
        )?;
    }
    for s in &b.sales {
        let id = format!("{}/{}/{}", s.product, s.year, s.platform.code());
        w(tx, &SALES, sales_key(s), sales_data(s), id)?;
    }
    for a in &b.accounts {
        let id = format!("{}/{}", a.village, a.year);
        let version = w(tx, &ACCOUNTS, account_key(a), account_data(a), id)?;
        for vals in project_rows(a, version) {
            tx.exec(&insert_sql("collective_projects", PROJECT_COLS), &vals)?;
        }
    }
    Ok(EconomyLoaded::of(b))
}

fn bulk_load(
    conn: &mut Conn,
    at: DateTime<Utc>,
    b: &EconomyBatch,
    actor: &Actor,
    reason: &str,
) -> Result<EconomyLoaded> {
    let mut tx = conn.begin_write()?;
    b.check(&mut |id| stored_operator(&mut tx, id))?;
    let tables: [(&'static Table, Vec<Vec<Val<'_>>>); 7] = [
        (
            &OPERATORS,
            b.operators
                .iter()
                .map(|o| row(operator_key(o), 1, operator_data(o), at, actor, reason))
                .collect(),
        ),
        (
            &BASES,
            b.bases
                .iter()
                .map(|x| row(base_key(x), 1, base_data(x), at, actor, reason))
                .collect(),
        ),
        (
            &LINKS,
            b.links
                .iter()
                .map(|l| row(link_key(l), 1, link_data(l), at, actor, reason))
                .collect(),
        ),
        (
            &EMPLOYMENT,
            b.employment
                .iter()
                .map(|e| row(employment_key(e), 1, employment_data(e), at, actor, reason))
                .collect(),
        ),
        (
            &PRODUCTS,
            b.products
                .iter()
                .map(|p| row(product_key(p), 1, product_data(p), at, actor, reason))
                .collect(),
        ),
        (
            &SALES,
            b.sales
                .iter()
                .map(|s| row(sales_key(s), 1, sales_data(s), at, actor, reason))
                .collect(),
        ),
        (
            &ACCOUNTS,
            b.accounts
                .iter()
                .map(|a| row(account_key(a), 1, account_data(a), at, actor, reason))
                .collect(),
        ),
    ];
    let projects: Vec<Vec<Val<'_>>> = b.accounts.iter().flat_map(|a| project_rows(a, 1)).collect();
    match &mut tx {
        Tx::Sqlite(t) => {
            for (table, rows) in tables {
                crate::bulk::insert_many(t, table.name, table.leaked(), rows.into_iter())?;
            }
            crate::bulk::insert_many(t, "collective_projects", PROJECT_COLS, projects.into_iter())?;
        }
        Tx::Pg(t) => {
            for (table, rows) in tables {
                copy_rows(t, table.name, table.leaked(), rows.into_iter())?;
            }
            copy_rows(t, "collective_projects", PROJECT_COLS, projects.into_iter())?;
        }
    }
    let loaded = EconomyLoaded::of(b);
    audit::append(
        &mut tx,
        at,
        actor,
        Change {
            action: "economy.bulk_load",
            entity: "economy",
            entity_id: String::new(),
            reason,
            detail: json!(b.counts()),
        },
    )?;
    tx.commit()?;
    if let Conn::Pg(c) = conn {
        c.batch_execute(
            "ANALYZE economy_operators, industry_bases, industry_links, employment_records, \
             economy_products, product_sales, collective_accounts, collective_projects",
        )?;
    }
    Ok(loaded)
}

// ---- Reading ----

fn within_households(
    table: &'static Table,
    area: &AreaCode,
    year: Option<u16>,
) -> (String, Vec<Val<'static>>) {
    let (lo, hi) = village_range(area);
    let mut cond =
        "t.household_id IN (SELECT h.id FROM households h WHERE h.village_code BETWEEN ? AND ?)"
            .to_owned();
    let mut params = vec![Val::Owned(lo), Val::Owned(hi)];
    if let Some(y) = year {
        cond.push_str(" AND t.year = ?");
        params.push(Val::I64(i64::from(y)));
    }
    (table.select(&cond, true), params)
}

fn projects_of(tx: &mut Tx<'_>, a: &mut Versioned<CollectiveAccount>) -> Result<()> {
    a.record.projects = tx.query_vec(
        "SELECT name, invested_fen, income_fen FROM collective_projects \
         WHERE village_code = ? AND year = ? AND version = ? ORDER BY seq",
        &[
            Val::Str(a.record.village.as_str()),
            Val::I64(i64::from(a.record.year)),
            Val::I64(a.version),
        ],
        |r| {
            Ok(CollectiveProject {
                name: r.str(0)?.to_owned(),
                invested: Yuan::from_fen(r.i64(1)?),
                income: Yuan::from_fen(r.i64(2)?),
            })
        },
    )?;
    Ok(())
}

// ---- The API ----

impl Store {
    /// Writes each record as the next version of its key, each with its audit entry, all in one
    /// transaction: everything is stored or nothing.
    pub fn save_economy(
        &self,
        batch: &EconomyBatch,
        actor: &Actor,
        reason: &str,
    ) -> Result<EconomyLoaded> {
        self.write(|tx, now| save(tx, now, batch, actor, reason))
    }

    /// Writes records whose keys are all new (version 1) in bulk, with one audit entry for the batch; a key
    /// already stored fails the whole batch.
    pub fn bulk_load_economy(
        &self,
        batch: &EconomyBatch,
        actor: &Actor,
        reason: &str,
    ) -> Result<EconomyLoaded> {
        let mut conn = self.lock()?;
        let now = self.now();
        bulk_load(&mut conn.guard, now, batch, actor, reason)
    }

    /// The current record of an operator.
    pub fn operator(&self, id: OperatorId) -> Result<Option<Versioned<Operator>>> {
        self.read(|tx| {
            tx.query_opt(
                &OPERATORS.select("t.id = ?", true),
                &[Val::I64(id.0)],
                decode_operator,
            )
        })
    }

    /// Every version of an operator, oldest first.
    pub fn operator_history(&self, id: OperatorId) -> Result<Vec<Versioned<Operator>>> {
        self.read(|tx| {
            tx.query_vec(
                &(OPERATORS.select("t.id = ?", false) + " ORDER BY t.version"),
                &[Val::I64(id.0)],
                decode_operator,
            )
        })
    }

    /// Operators registered within `area`, by id.
    pub fn operators_within(&self, area: &AreaCode) -> Result<Vec<Versioned<Operator>>> {
        let (lo, hi) = prefix_range(area);
        self.read(|tx| {
            tx.query_vec(
                &(OPERATORS.select("t.area_code >= ? AND t.area_code < ?", true)
                    + " ORDER BY t.id"),
                &[Val::Owned(lo), Val::Owned(hi)],
                decode_operator,
            )
        })
    }

    /// Industry bases in the villages of `area`, by id.
    pub fn bases_within(&self, area: &AreaCode) -> Result<Vec<Versioned<IndustryBase>>> {
        let (lo, hi) = village_range(area);
        self.read(|tx| {
            tx.query_vec(
                &(BASES.select("t.village_code BETWEEN ? AND ?", true) + " ORDER BY t.id"),
                &[Val::Owned(lo), Val::Owned(hi)],
                decode_base,
            )
        })
    }

    /// Every version of a base, oldest first.
    pub fn base_history(&self, id: BaseId) -> Result<Vec<Versioned<IndustryBase>>> {
        self.read(|tx| {
            tx.query_vec(
                &(BASES.select("t.id = ?", false) + " ORDER BY t.version"),
                &[Val::I64(id.0)],
                decode_base,
            )
        })
    }

    /// Products made within `area`, by id.
    pub fn products_within(&self, area: &AreaCode) -> Result<Vec<Versioned<Product>>> {
        let (lo, hi) = prefix_range(area);
        self.read(|tx| {
            tx.query_vec(
                &(PRODUCTS.select("t.area_code >= ? AND t.area_code < ?", true) + " ORDER BY t.id"),
                &[Val::Owned(lo), Val::Owned(hi)],
                decode_product,
            )
        })
    }

    /// Sales of the products made within `area` (all years, or one).
    pub fn sales_within(
        &self,
        area: &AreaCode,
        year: Option<u16>,
    ) -> Result<Vec<Versioned<ProductSales>>> {
        let (lo, hi) = prefix_range(area);
        let mut cond = "t.product_id IN (SELECT p.id FROM economy_products p \
                        WHERE p.area_code >= ? AND p.area_code < ?)"
            .to_owned();
        let mut params = vec![Val::Owned(lo), Val::Owned(hi)];
        if let Some(y) = year {
            cond.push_str(" AND t.year = ?");
            params.push(Val::I64(i64::from(y)));
        }
        self.read(|tx| {
            tx.query_vec(
                &(SALES.select(&cond, true) + " ORDER BY t.product_id, t.year, t.platform"),
                &params,
                decode_sales,
            )
        })
    }

    /// A household's links with operators, by year.
    pub fn links_of(&self, household: HouseholdId) -> Result<Vec<Versioned<IndustryLink>>> {
        self.read(|tx| {
            tx.query_vec(
                &(LINKS.select("t.household_id = ?", true)
                    + " ORDER BY t.year, t.operator_id, t.kind"),
                &[Val::I64(household.0)],
                decode_link,
            )
        })
    }

    /// Every version of one link, oldest first.
    pub fn link_history(
        &self,
        household: HouseholdId,
        operator: OperatorId,
        kind: LinkKind,
        year: u16,
    ) -> Result<Vec<Versioned<IndustryLink>>> {
        self.read(|tx| {
            tx.query_vec(
                &(LINKS.select(
                    "t.household_id = ? AND t.operator_id = ? AND t.kind = ? AND t.year = ?",
                    false,
                ) + " ORDER BY t.version"),
                &[
                    Val::I64(household.0),
                    Val::I64(operator.0),
                    Val::Str(kind.code()),
                    Val::I64(i64::from(year)),
                ],
                decode_link,
            )
        })
    }

    /// Links of the households of `area` (all years, or one).
    pub fn links_within(
        &self,
        area: &AreaCode,
        year: Option<u16>,
    ) -> Result<Vec<Versioned<IndustryLink>>> {
        let (sql, params) = within_households(&LINKS, area, year);
        self.read(|tx| {
            tx.query_vec(
                &(sql + " ORDER BY t.household_id, t.year, t.operator_id, t.kind"),
                &params,
                decode_link,
            )
        })
    }

    /// A household's members' employment, by year.
    pub fn employment_of(
        &self,
        household: HouseholdId,
    ) -> Result<Vec<Versioned<EmploymentRecord>>> {
        self.read(|tx| {
            tx.query_vec(
                &(EMPLOYMENT.select("t.household_id = ?", true) + " ORDER BY t.year, t.member_id"),
                &[Val::I64(household.0)],
                decode_employment,
            )
        })
    }

    /// Employment of the members of the households of `area` (all years, or one).
    pub fn employment_within(
        &self,
        area: &AreaCode,
        year: Option<u16>,
    ) -> Result<Vec<Versioned<EmploymentRecord>>> {
        let (sql, params) = within_households(&EMPLOYMENT, area, year);
        self.read(|tx| {
            tx.query_vec(
                &(sql + " ORDER BY t.household_id, t.year, t.member_id"),
                &params,
                decode_employment,
            )
        })
    }

    /// Collective accounts of the villages of `area` (all years, or one), with their projects.
    pub fn collective_accounts_within(
        &self,
        area: &AreaCode,
        year: Option<u16>,
    ) -> Result<Vec<Versioned<CollectiveAccount>>> {
        let (lo, hi) = village_range(area);
        let mut cond = "t.village_code BETWEEN ? AND ?".to_owned();
        let mut params = vec![Val::Owned(lo), Val::Owned(hi)];
        if let Some(y) = year {
            cond.push_str(" AND t.year = ?");
            params.push(Val::I64(i64::from(y)));
        }
        self.read(|tx| {
            let mut out = tx.query_vec(
                &(ACCOUNTS.select(&cond, true) + " ORDER BY t.village_code, t.year"),
                &params,
                decode_account,
            )?;
            for a in &mut out {
                projects_of(tx, a)?;
            }
            Ok(out)
        })
    }

    /// Every version of a village's account of a year, oldest first, each with its projects.
    pub fn collective_account_history(
        &self,
        village: &AreaCode,
        year: u16,
    ) -> Result<Vec<Versioned<CollectiveAccount>>> {
        self.read(|tx| {
            let mut out = tx.query_vec(
                &(ACCOUNTS.select("t.village_code = ? AND t.year = ?", false)
                    + " ORDER BY t.version"),
                &[Val::Str(village.as_str()), Val::I64(i64::from(year))],
                decode_account,
            )?;
            for a in &mut out {
                projects_of(tx, a)?;
            }
            Ok(out)
        })
    }
}
