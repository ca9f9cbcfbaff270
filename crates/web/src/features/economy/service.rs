//! What the economy pages show, from the store, always within the caller's [`Scope`].

use std::collections::{HashMap, HashSet};

use jingzhun_core::economy::*;
use jingzhun_core::{AreaCode, HouseholdId, HouseholdNo, Yuan};
use jingzhun_io::economy::{write_economy_xlsx, EconomyExport};
use jingzhun_report::economy::{EconomyData, EconomyFigures};
use jingzhun_store::Store;

use crate::access::Scope;
use crate::data::{AuditNote, Backend};
use crate::http::auth::CurrentUser;
use crate::http::download::Download;
use crate::http::error::AppError;

fn store(b: &dyn Backend) -> Result<std::sync::Arc<Store>, AppError> {
    b.report_store().ok_or_else(|| {
        tracing::error!("the economy pages need a store-backed backend");
        AppError::Internal
    })
}

fn internal(e: &jingzhun_store::StoreError) -> AppError {
    tracing::error!("economy: {e}");
    AppError::Internal
}

fn yuan(y: Yuan) -> String {
    format!("{:.2}", y.fen() as f64 / 100.0)
}

pub struct OperatorRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub level: String,
    pub area: String,
}

pub struct BaseRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub area_mu: String,
    pub village: String,
    pub operator: String,
    pub established: u16,
}

pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub category: &'static str,
    pub platforms: String,
    pub brand: String,
    pub sales: String,
}

pub struct AccountRow {
    pub village: String,
    pub own_income: String,
    pub subsidies: String,
    pub assets: String,
    pub band: &'static str,
    pub projects: usize,
}

/// The economy of the caller's area in a year.
pub struct Listing {
    pub area_name: String,
    pub year: u16,
    /// The figures (the labour force is not counted here: it needs an evaluation; see the reports).
    pub figures: EconomyFigures,
    pub operators: Vec<OperatorRow>,
    pub bases: Vec<BaseRow>,
    pub products: Vec<ProductRow>,
    pub accounts: Vec<AccountRow>,
}

fn data(store: &Store, area: &AreaCode, year: Option<u16>) -> Result<EconomyData, AppError> {
    let cur = |e| internal(&e);
    let v =
        |x: Vec<jingzhun_store::Versioned<_>>| x.into_iter().map(|v| v.record).collect::<Vec<_>>();
    Ok(EconomyData {
        operators: v(store.operators_within(area).map_err(cur)?),
        bases: store
            .bases_within(area)
            .map_err(cur)?
            .into_iter()
            .map(|v| v.record)
            .collect(),
        products: store
            .products_within(area)
            .map_err(cur)?
            .into_iter()
            .map(|v| v.record)
            .collect(),
        sales: store
            .sales_within(area, year)
            .map_err(cur)?
            .into_iter()
            .map(|v| v.record)
            .collect(),
        accounts: store
            .collective_accounts_within(area, year)
            .map_err(cur)?
            .into_iter()
            .map(|v| v.record)
            .collect(),
        ..EconomyData::default()
    })
}

pub fn listing(b: &dyn Backend, scope: &Scope, year: u16) -> Result<Listing, AppError> {
    let area = scope.area();
    let store = store(b)?;
    let d = data(&store, &area, Some(year))?;
    let figures = EconomyFigures::compute(&area, year, &d, &HashSet::new());
    let names: HashMap<OperatorId, String> =
        d.operators.iter().map(|o| (o.id, o.name.clone())).collect();
    let mut sales: HashMap<ProductId, Yuan> = HashMap::new();
    for s in &d.sales {
        *sales.entry(s.product).or_insert(Yuan::ZERO) += s.amount;
    }
    Ok(Listing {
        area_name: b.area(&area).map(|a| a.name).unwrap_or_default(),
        year,
        figures,
        operators: d
            .operators
            .iter()
            .map(|o| OperatorRow {
                id: o.id.0,
                name: o.name.clone(),
                kind: o.kind.label(),
                level: match (o.level, o.recognised_year) {
                    (Some(l), Some(y)) => format!("{}({y} 年)", l.label()),
                    _ => String::new(),
                },
                area: o.area.to_string(),
            })
            .collect(),
        bases: d
            .bases
            .iter()
            .map(|x| BaseRow {
                id: x.id.0,
                name: x.name.clone(),
                kind: x.kind.label(),
                area_mu: format!("{:.1}", x.area_mu),
                village: x.village.to_string(),
                operator: x
                    .operator
                    .and_then(|o| names.get(&o).cloned())
                    .unwrap_or_default(),
                established: x.established,
            })
            .collect(),
        products: d
            .products
            .iter()
            .map(|p| ProductRow {
                id: p.id.0,
                name: p.name.clone(),
                category: p.category.label(),
                platforms: p
                    .platforms
                    .iter()
                    .map(|p| p.label())
                    .collect::<Vec<_>>()
                    .join("、"),
                brand: p.brand.clone().unwrap_or_default(),
                sales: yuan(sales.get(&p.id).copied().unwrap_or(Yuan::ZERO)),
            })
            .collect(),
        accounts: d
            .accounts
            .iter()
            .map(|a| AccountRow {
                village: a.village.to_string(),
                own_income: yuan(a.own_income()),
                subsidies: yuan(a.income_from(CollectiveSource::Subsidies)),
                assets: yuan(a.assets),
                band: a.band().label(),
                projects: a.projects.len(),
            })
            .collect(),
    })
}

/// The economy workbook of the caller's area (a year's yearly records, or all years), resident IDs
/// masked; audited before it is handed out.
pub fn export(
    b: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    year: Option<u16>,
) -> Result<Download, AppError> {
    let area = scope.area();
    let store = store(b)?;
    let d = data(&store, &area, year)?;
    let links: Vec<IndustryLink> = store
        .links_within(&area, year)
        .map_err(|e| internal(&e))?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let employment: Vec<EmploymentRecord> = store
        .employment_within(&area, year)
        .map_err(|e| internal(&e))?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let numbers: HashMap<HouseholdId, HouseholdNo> = store
        .household_ids_within(&area)
        .map_err(|e| internal(&e))?
        .into_iter()
        .map(|(no, id)| (id, no))
        .collect();
    let bytes = write_economy_xlsx(&EconomyExport {
        operators: &d.operators,
        bases: &d.bases,
        links: &links,
        employment: &employment,
        products: &d.products,
        sales: &d.sales,
        accounts: &d.accounts,
        household_no: &|id| numbers.get(&id).cloned(),
    })
    .map_err(|e| {
        tracing::error!("economy export: {e}");
        AppError::Internal
    })?;
    let note = AuditNote {
        actor: &user.account.username,
        action: "export.economy",
        entity: "economy_export",
        entity_id: area.as_str(),
        reason: "导出产业就业数据(证件号码已遮蔽)",
        detail: serde_json::json!({
            "year": year,
            "operators": d.operators.len(),
            "bases": d.bases.len(),
            "links": links.len(),
            "employment": employment.len(),
            "products": d.products.len(),
            "accounts": d.accounts.len(),
        }),
    };
    b.append_audit(&note)?;
    Ok(Download {
        bytes,
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename: format!(
            "产业就业_{}{}.xlsx",
            area,
            year.map(|y| format!("_{y}")).unwrap_or_default()
        ),
    })
}

pub struct LinkRow {
    pub year: u16,
    pub operator: String,
    pub kind: &'static str,
    pub amount: String,
}

pub struct WorkRow {
    pub year: u16,
    /// The member's name (the resident ID stays off the page).
    pub member: String,
    pub status: &'static str,
    pub months: u8,
    pub wage: String,
    pub reason: &'static str,
}

/// A household's links and its members' work, newest year first.
#[derive(Default)]
pub struct HouseholdEconomy {
    pub links: Vec<LinkRow>,
    pub work: Vec<WorkRow>,
}

/// The household page's economy section, its members' names by resident ID given (the page has the
/// household loaded already). The caller has already checked the household is in scope.
pub fn household_view(
    b: &dyn Backend,
    id: HouseholdId,
    members: &HashMap<String, String>,
) -> Result<HouseholdEconomy, AppError> {
    let Some(store) = b.report_store() else {
        return Ok(HouseholdEconomy::default());
    };
    let links = store.links_of(id).map_err(|e| internal(&e))?;
    let work = store.employment_of(id).map_err(|e| internal(&e))?;
    let mut names: HashMap<OperatorId, String> = HashMap::new();
    let mut name_of = |op: OperatorId| -> Result<String, AppError> {
        if let Some(n) = names.get(&op) {
            return Ok(n.clone());
        }
        let n = store
            .operator(op)
            .map_err(|e| internal(&e))?
            .map_or_else(|| format!("经营主体 {op}"), |v| v.record.name);
        names.insert(op, n.clone());
        Ok(n)
    };
    let mut out = HouseholdEconomy::default();
    for l in links.into_iter().rev() {
        let l = l.record;
        out.links.push(LinkRow {
            year: l.year,
            operator: name_of(l.operator)?,
            kind: l.kind.label(),
            amount: yuan(l.amount),
        });
    }
    for w in work.into_iter().rev() {
        let w = w.record;
        out.work.push(WorkRow {
            year: w.year,
            member: members
                .get(w.member.as_str())
                .cloned()
                .unwrap_or_else(|| w.member.masked()),
            status: w.status.label(),
            months: w.months,
            wage: yuan(w.wage),
            reason: w.reason.map_or("", NotWorkingReason::label),
        });
    }
    Ok(out)
}
