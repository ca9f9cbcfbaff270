//! The rows of each list, read the way its page reads them, written through [`service::build`].
//!
//! Each function checks the area against the caller's scope (outside answers 404 and is audited), reads
//! the whole list (not one page), and streams it into the sheet.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, Health, HouseholdId, HouseholdStatus, RiskType};
use jingzhun_io::ColumnKind::{Amount, Code, Date, Number, Text};

use super::service::Personal::ResidentId as IdCol;
use super::service::{self, col, personal, AreaNames, Col, Download, Export, ListKind, Value};
use super::service::{Personal::Health as HealthCol, Personal::Phone as PhoneCol};
use crate::access::Scope;
use crate::data::Backend;
use crate::features::monitoring::cases::{CaseLine, DaysLimit};
use crate::features::monitoring::service::{self as monitoring, InboxQuery};
use crate::features::monitoring::workflow::Timing;
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use jingzhun_core::monitoring::CaseRecord;

fn export_of(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    list: ListKind,
    area: Option<AreaCode>,
    filters: serde_json::Value,
) -> Result<Export, AppError> {
    let area = area.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &area, "area", area.as_str())?;
    let area_name = backend.area(&area)?.name;
    Ok(Export {
        list,
        area,
        area_name,
        filters,
    })
}

fn risks(rs: &[RiskType]) -> String {
    rs.iter().map(|r| r.label()).collect::<Vec<_>>().join("、")
}

fn registry_label(status: &HouseholdStatus) -> &'static str {
    use jingzhun_core::RegistryStatus as R;
    match status.registry {
        R::NotRegistered => "一般农户",
        R::Poor { .. } => "贫困户（未脱贫）",
        R::Exited { .. } => "脱贫户",
        R::Removed { .. } => "已清退",
    }
}

// ---- Search results ----

const SEARCH_COLS: &[Col] = &[
    col("户编号", Code),
    col("户主", Text),
    personal("户主证件号码", Code, IdCol),
    personal("联系电话", Code, PhoneCol),
    col("行政村", Text),
    col("村代码", Code),
    col("人数", Number),
    col("户类型", Text),
    col("监测类型", Text),
    personal("风险类型", Text, HealthCol),
];

/// Every household matching a search (not one page) within the scope or `area`. The search index keeps
/// only masked identity data, so this list is masked for every role. A search by resident ID is audited
/// as such and its text is never written to the audit.
pub fn search(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    text: &str,
    area: Option<AreaCode>,
    today: NaiveDate,
) -> Result<Download, AppError> {
    let by_id = crate::http::security::is_resident_id_query(user, text);
    let normalized = jingzhun_core::text::normalize(text);
    let filters = if by_id {
        serde_json::json!({ "q_by_resident_id": true, "characters": normalized.len() })
    } else {
        serde_json::json!({ "q": normalized })
    };
    let export = export_of(backend, user, scope, ListKind::Search, area, filters)?;
    let query = crate::data::SearchQuery {
        text: normalized,
        id_tails: service::full_identity(user),
    };
    let found = if query.text.is_empty() {
        Default::default()
    } else {
        backend.search_households(&export.area, &query, 0, usize::MAX / 2)?
    };
    let mut names = AreaNames::new(backend);
    service::build(backend, user, &export, SEARCH_COLS, |sheet| {
        for h in &found.hits {
            let status = HouseholdStatus::on(&h.events, today);
            sheet.row(&[
                Value::text(h.number.as_str()),
                Value::text(h.head_name.as_str()),
                Value::Masked(h.head_resident_id.clone()),
                h.phone.clone().map(Value::Masked).unwrap_or(Value::Empty),
                Value::text(names.name(&h.village).to_owned()),
                Value::text(h.village.as_str()),
                Value::Number(f64::from(h.size)),
                Value::text(registry_label(&status)),
                Value::text(status.monitoring.map(|k| k.label()).unwrap_or("")),
                Value::text(risks(&status.risk_types)),
            ])?;
        }
        Ok(())
    })
}

// ---- Cases ----

const CASE_COLS: &[Col] = &[
    col("事项编号", Code),
    col("户编号", Code),
    col("户主", Text),
    col("行政村", Text),
    col("村代码", Code),
    col("事项类型", Text),
    col("监测类型", Text),
    personal("风险类型", Text, HealthCol),
    col("办理情况", Text),
    col("登记日期", Date),
    col("办理时限", Date),
    col("时限", Text),
];

/// The cases of the scope (or of the query's area inside it) that the inbox shows for `query` (every page,
/// in its order): the cases export and the inbox's export are this one list. Risk types are health data:
/// left out for roles that do not see personal data.
pub fn cases(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    query: &InboxQuery,
    days_limit: DaysLimit<'_>,
    today: NaiveDate,
) -> Result<Download, AppError> {
    let mut export = export_of(
        backend,
        user,
        scope,
        ListKind::Cases,
        query.area,
        serde_json::Value::Null,
    )?;
    export.filters =
        serde_json::json!({ "filters": monitoring::query_string(query, &export.area) });
    let year = u16::try_from(today.year()).unwrap_or(2025);
    let role = user.account.role;
    let mut filter = monitoring::filter_of(query, role, days_limit(&export.area, year), today);
    filter.limit = None;
    filter.offset = 0;
    let found = backend.cases_within(&export.area, &filter)?;
    let mut rows = Vec::with_capacity(found.len());
    for c in found {
        if let Some(line) =
            crate::features::monitoring::cases::line_of(backend, role, &c, days_limit, today)?
        {
            rows.push((line, c));
        }
    }
    case_lines(backend, user, &export, rows)
}

/// Writes inbox lines with their cases (already filtered and sorted) as the cases list.
fn case_lines(
    backend: &dyn Backend,
    user: &CurrentUser,
    export: &Export,
    rows: impl IntoIterator<Item = (CaseLine, CaseRecord)>,
) -> Result<Download, AppError> {
    service::build(backend, user, export, CASE_COLS, |sheet| {
        for (c, case) in rows {
            let state = match c.next_label {
                Some(n) => format!("待{n}"),
                None => Lang::Zh.t(c.closed_key()).to_owned(),
            };
            let timing = match (c.next_label, c.timing) {
                (None, _) => "",
                (Some(_), Timing::OnTime) => "正常",
                (Some(_), Timing::Near) => Lang::Zh.t("cases.near"),
                (Some(_), Timing::Overdue) => Lang::Zh.t("cases.overdue"),
            };
            sheet.row(&[
                Value::text(c.id),
                Value::text(c.household_number),
                Value::text(c.head_name),
                Value::text(c.village_name),
                Value::text(c.village_code),
                Value::text(c.kind_label),
                Value::text(case.monitoring_kind.map(|k| k.label()).unwrap_or("")),
                Value::text(risks(&case.risk_types)),
                Value::text(state),
                Value::Date(c.opened),
                Value::opt_date(c.deadline),
                Value::text(timing),
            ])?;
        }
        Ok(())
    })
}

// ---- Monitored households ----

const MONITORED_COLS: &[Col] = &[
    col("户编号", Code),
    col("户主", Text),
    personal("户主证件号码", Code, IdCol),
    personal("联系电话", Code, PhoneCol),
    col("行政村", Text),
    col("村代码", Code),
    col("人数", Number),
    col("监测类型", Text),
    col("纳入监测日期", Date),
    personal("风险类型", Text, HealthCol),
    personal("成员健康状况", Text, HealthCol),
];

/// The households under monitoring on `today` within the scope (or `area`), by village and number.
pub fn monitored(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    area: Option<AreaCode>,
    today: NaiveDate,
) -> Result<Download, AppError> {
    let export = export_of(
        backend,
        user,
        scope,
        ListKind::Monitored,
        area,
        serde_json::json!({ "on": today.to_string() }),
    )?;
    let mut names = AreaNames::preload(backend, &export.area)?;
    service::build(backend, user, &export, MONITORED_COLS, |sheet| {
        let mut failed = None;
        backend.each_household_for_report(&export.area, &mut |r| {
            if failed.is_some() {
                return;
            }
            let status = HouseholdStatus::on(&r.events, today);
            let Some(kind) = status.monitoring else {
                return;
            };
            let h = &r.household;
            let head = h.head().or(h.members.first());
            let health: Vec<String> = h
                .members
                .iter()
                .filter(|m| m.health != Health::Healthy)
                .map(|m| format!("{}：{}", m.name.as_str(), m.health.label()))
                .collect();
            let row = sheet.row(&[
                Value::text(h.number.as_str()),
                Value::text(head.map(|m| m.name.as_str()).unwrap_or("")),
                head.map(|m| Value::ResidentId(&m.resident_id))
                    .unwrap_or(Value::Empty),
                h.phone.as_ref().map(Value::Phone).unwrap_or(Value::Empty),
                Value::text(names.name(&h.village).to_owned()),
                Value::text(h.village.as_str()),
                Value::Number(h.members.len() as f64),
                Value::text(kind.label()),
                Value::opt_date(status.monitored_since),
                Value::text(risks(&status.risk_types)),
                Value::text(health.join("；")),
            ]);
            if let Err(e) = row {
                failed = Some(e);
            }
        })?;
        failed.map_or(Ok(()), Err)
    })
}

// ---- Measures and visits ----

/// What the measure and visit lists show of a household.
struct HouseholdLabel {
    number: String,
    head: String,
    village: AreaCode,
}

fn household_labels(
    backend: &dyn Backend,
    area: &AreaCode,
) -> Result<HashMap<HouseholdId, HouseholdLabel>, AppError> {
    let mut out = HashMap::new();
    backend.each_household_for_report(area, &mut |r| {
        let h = &r.household;
        out.insert(
            r.id,
            HouseholdLabel {
                number: h.number.as_str().to_owned(),
                head: h
                    .head()
                    .or(h.members.first())
                    .map(|m| m.name.as_str().to_owned())
                    .unwrap_or_default(),
                village: h.village,
            },
        );
    })?;
    Ok(out)
}

const MEASURE_COLS: &[Col] = &[
    col("户编号", Code),
    col("户主", Text),
    col("行政村", Text),
    col("村代码", Code),
    col("措施类型", Text),
    col("措施内容", Text),
    col("开始日期", Date),
    col("结束日期", Date),
    col("金额(元)", Amount),
    col("状态", Text),
    col("监测事项编号", Code),
];

/// Every assistance measure of the households within the scope (or `area`), with whether it runs on
/// `today`.
pub fn measures(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    area: Option<AreaCode>,
    today: NaiveDate,
) -> Result<Download, AppError> {
    let export = export_of(
        backend,
        user,
        scope,
        ListKind::Measures,
        area,
        serde_json::json!({ "on": today.to_string() }),
    )?;
    let labels = household_labels(backend, &export.area)?;
    let mut names = AreaNames::preload(backend, &export.area)?;
    service::build(backend, user, &export, MEASURE_COLS, |sheet| {
        let mut failed = None;
        backend.each_measure_within(&export.area, &mut |_, m| {
            if failed.is_some() {
                return;
            }
            let Some(l) = labels.get(&m.household) else {
                return;
            };
            let row = sheet.row(&[
                Value::text(l.number.as_str()),
                Value::text(l.head.as_str()),
                Value::text(names.name(&l.village).to_owned()),
                Value::text(l.village.as_str()),
                Value::text(m.kind.label()),
                Value::text(m.description.as_str()),
                Value::Date(m.started),
                Value::opt_date(m.ended),
                m.amount.map(Value::Amount).unwrap_or(Value::Empty),
                Value::text(if m.is_active_on(today) {
                    "实施中"
                } else if m.started > today {
                    "未开始"
                } else {
                    "已结束"
                }),
                m.case
                    .as_ref()
                    .map(|c| Value::text(c.to_string()))
                    .unwrap_or(Value::Empty),
            ]);
            if let Err(e) = row {
                failed = Some(e);
            }
        })?;
        failed.map_or(Ok(()), Err)
    })
}

const VISIT_COLS: &[Col] = &[
    col("户编号", Code),
    col("户主", Text),
    col("行政村", Text),
    col("村代码", Code),
    col("走访日期", Date),
    col("走访目的", Text),
    col("帮扶干部", Text),
    // What the visitor found may mention health.
    personal("走访情况", Text, HealthCol),
];

/// Every visit to the households within the scope (or `area`).
pub fn visits(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    area: Option<AreaCode>,
) -> Result<Download, AppError> {
    let export = export_of(
        backend,
        user,
        scope,
        ListKind::Visits,
        area,
        serde_json::json!({}),
    )?;
    let labels = household_labels(backend, &export.area)?;
    // Cadres serve a village or a township: those of the township above a village cover its visits (read
    // first: no second store read while the visits stream).
    let cadre_area = match export.area.level() {
        jingzhun_core::AreaLevel::Village => export.area.parent().unwrap_or(export.area),
        _ => export.area,
    };
    let cadres: HashMap<jingzhun_core::monitoring::CadreId, String> = backend
        .cadres_within(&cadre_area)?
        .into_iter()
        .map(|c| (c.id, c.name.as_str().to_owned()))
        .collect();
    let mut names = AreaNames::preload(backend, &export.area)?;
    service::build(backend, user, &export, VISIT_COLS, |sheet| {
        let mut failed = None;
        backend.each_visit_within(&export.area, &mut |_, v| {
            if failed.is_some() {
                return;
            }
            let Some(l) = labels.get(&v.household) else {
                return;
            };
            let cadre = v
                .cadre
                .map(|c| cadres.get(&c).cloned().unwrap_or_else(|| c.to_string()))
                .unwrap_or_default();
            let row = sheet.row(&[
                Value::text(l.number.as_str()),
                Value::text(l.head.as_str()),
                Value::text(names.name(&l.village).to_owned()),
                Value::text(l.village.as_str()),
                Value::Date(v.visited_on),
                Value::text(v.purpose.label()),
                Value::text(cadre),
                Value::text(v.findings.as_str()),
            ]);
            if let Err(e) = row {
                failed = Some(e);
            }
        })?;
        failed.map_or(Ok(()), Err)
    })
}

// ---- Cadres ----

const CADRE_COLS: &[Col] = &[
    col("干部编号", Code),
    col("姓名", Text),
    col("职务", Text),
    col("工作单位", Text),
    personal("联系电话", Code, PhoneCol),
    col("服务区域", Text),
    col("区域代码", Code),
];

/// The assisting cadres serving areas within the scope (or `area`).
pub fn cadres(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    area: Option<AreaCode>,
) -> Result<Download, AppError> {
    let export = export_of(
        backend,
        user,
        scope,
        ListKind::Cadres,
        area,
        serde_json::json!({}),
    )?;
    let list = backend.cadres_within(&export.area)?;
    let mut names = AreaNames::new(backend);
    service::build(backend, user, &export, CADRE_COLS, |sheet| {
        for c in &list {
            sheet.row(&[
                Value::text(c.id.to_string()),
                Value::text(c.name.as_str()),
                Value::text(c.post.label()),
                Value::text(c.unit.as_str()),
                c.phone.as_ref().map(Value::Phone).unwrap_or(Value::Empty),
                Value::text(names.name(&c.area).to_owned()),
                Value::text(c.area.as_str()),
            ])?;
        }
        Ok(())
    })
}

// ---- What-if flips ----

const WHATIF_COLS: &[Col] = &[
    col("户编号", Code),
    col("村代码", Code),
    personal("户主证件号码", Code, IdCol),
    col("人数", Number),
    col("新增建议", Text),
    col("取消建议", Text),
    col("调整前人均纯收入(元)", Text),
    col("调整后人均纯收入(元)", Text),
];

/// Every flipped household of a what-if run (the run's result, all pages), for the area shown.
pub fn whatif_flips(
    backend: &dyn Backend,
    user: &CurrentUser,
    export: &Export,
    rows: &[crate::features::whatif::service::FlipRow],
) -> Result<Download, AppError> {
    service::build(backend, user, export, WHATIF_COLS, |sheet| {
        for r in rows {
            let kinds = |v: &[crate::http::page::Coded]| {
                v.iter().map(|c| c.label).collect::<Vec<_>>().join("、")
            };
            sheet.row(&[
                Value::text(r.number.as_str()),
                Value::text(r.village.as_str()),
                r.head_id.clone().map(Value::Masked).unwrap_or(Value::Empty),
                Value::Number(f64::from(r.size)),
                Value::text(kinds(&r.added)),
                Value::text(kinds(&r.removed)),
                Value::text(r.per_capita_before.clone().unwrap_or_default()),
                Value::text(r.per_capita_after.clone().unwrap_or_default()),
            ])?;
        }
        Ok(())
    })
}

// ---- Warning lists ----

const WARNING_COLS: &[Col] = &[
    col("预警类型", Text),
    col("说明", Text),
    col("户编号", Code),
    col("户主", Text),
    personal("户主证件号码", Code, IdCol),
    col("行政村", Text),
    col("村代码", Code),
    personal("风险类型", Text, HealthCol),
    col("人均纯收入(元)", Amount),
    col("收入区间", Text),
    col("有在办事项", Text),
];

/// The rows of a warning list with their labels (the head's ID in full only when `full`).
pub fn warnings(
    backend: &dyn Backend,
    user: &CurrentUser,
    export: &Export,
    rows: &[(
        &jingzhun_report::warnings::WarningRow,
        jingzhun_report::warnings::RowLabel,
    )],
    full: bool,
) -> Result<Download, AppError> {
    use jingzhun_report::warnings as rw;
    service::build(backend, user, export, WARNING_COLS, |sheet| {
        for (r, label) in rows {
            sheet.row(&[
                Value::text(r.kind.label()),
                Value::text(rw::subject(r)),
                Value::text(label.number.as_str()),
                Value::text(label.head.as_str()),
                if full {
                    Value::text(label.head_id.as_str())
                } else {
                    Value::Masked(label.head_id.clone())
                },
                Value::text(label.village_name.as_str()),
                Value::text(r.village.as_str()),
                Value::text(rw::risk_text(r)),
                r.per_capita.map(Value::Amount).unwrap_or(Value::Empty),
                Value::text(r.band.label()),
                Value::text(if r.open_case { "是" } else { "否" }),
            ])?;
        }
        Ok(())
    })
}
