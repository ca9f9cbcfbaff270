//! What the survey grid, the member pages and the template download read and write, through the store
//! behind the backend (`jingzhun_store::survey`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::survey::{survey_amount, Hukou, MemberChange, MemberChangeKind};
use jingzhun_core::*;
use jingzhun_policy::PolicyPack;
use jingzhun_store::{Actor, Store, StoreError, SurveyOutcome, SurveyRow};
use serde::Serialize;

use crate::access::{Action, Scope};
use crate::data::Backend;
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// Reason recorded with the versions a survey save writes.
pub const SURVEY_REASON: &str = "年度收入采集（网页收入核查表）";
/// Most rows one grid shows and saves (a village has a few hundred households).
pub const GRID_MAX_ROWS: usize = 2_000;
/// Longest note of a member change.
const NOTE_MAX: usize = 200;

fn store(backend: &dyn Backend) -> Result<Arc<Store>, AppError> {
    backend.report_store().ok_or(AppError::NotFound)
}

fn internal(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound { .. } => AppError::NotFound,
        StoreError::Conflict { .. } => AppError::Conflict,
        other => {
            tracing::error!(error = %other, "survey storage error");
            AppError::Internal
        }
    }
}

/// One column of the grid: an income item.
#[derive(Debug, Clone, Serialize)]
pub struct GridColumn {
    pub code: &'static str,
    pub label: &'static str,
    /// Subtracted (production costs).
    pub cost: bool,
    /// Counted towards net income by the policy of the year and village.
    pub counted: bool,
}

/// One cell as shown and as submitted.
#[derive(Debug, Clone, Serialize)]
pub struct GridCell {
    /// The input's name: `a{household}.{component}`.
    pub name: String,
    pub value: String,
    pub error: Option<String>,
}

/// One row: a household of the village.
#[derive(Debug, Clone, Serialize)]
pub struct GridRow {
    pub id: i64,
    pub number: String,
    pub head: String,
    pub size: u32,
    /// The version the row was loaded at (sent back as `v{id}`).
    pub version: i64,
    pub cells: Vec<GridCell>,
    /// Net income of the row (the policy's counted items less costs), as shown on load or save.
    pub net: String,
    pub per_capita: String,
    /// Changed by someone else since the grid was loaded: the row now shows the current data.
    pub conflict: bool,
}

/// The grid page.
#[derive(Debug, Clone, Serialize)]
pub struct Grid {
    pub village: Option<String>,
    pub village_name: String,
    pub year: u16,
    pub columns: Vec<GridColumn>,
    pub rows: Vec<GridRow>,
    /// The villages the account may open (for a township or county account).
    pub villages: Vec<(String, String)>,
    /// Row-level problems, in Chinese, naming the row, the household, the column and the value.
    pub problems: Vec<String>,
    /// Households saved by the last save (after a redirect).
    pub saved: Option<usize>,
}

fn columns(pack: &PolicyPack, year: u16, village: &AreaCode) -> Vec<GridColumn> {
    let counted = pack
        .effective(year, Some(village))
        .map(|e| e.params.counted_components)
        .ok();
    IncomeComponent::ALL
        .iter()
        .map(|c| GridColumn {
            code: c.code(),
            label: c.label(),
            cost: c.is_cost(),
            counted: counted.is_none_or(|s| s.contains(*c)),
        })
        .collect()
}

fn cell_name(id: HouseholdId, c: IncomeComponent) -> String {
    format!("a{}.{}", id.0, c.code())
}

fn amount_text(y: Yuan) -> String {
    if y == Yuan::ZERO {
        return String::new();
    }
    let fen = y.fen();
    match (fen / 100, fen % 100) {
        (w, 0) => w.to_string(),
        (w, f) => format!("{w}.{f:02}"),
    }
}

fn net_of(cols: &[GridColumn], r: &IncomeRecord) -> Yuan {
    r.net(|c| cols.iter().any(|g| g.code == c.code() && g.counted))
}

fn head_name(h: &Household) -> String {
    h.head()
        .or(h.members.first())
        .map(|m| m.name.as_str().to_owned())
        .unwrap_or_default()
}

fn row_of(cols: &[GridColumn], s: &jingzhun_store::StoredHousehold, year: u16) -> GridRow {
    let h = &s.household;
    let record = h.income(year).cloned();
    let cells = IncomeComponent::ALL
        .iter()
        .map(|c| GridCell {
            name: cell_name(s.id, *c),
            value: record
                .as_ref()
                .map(|r| amount_text(r.get(*c)))
                .unwrap_or_default(),
            error: None,
        })
        .collect();
    let net = record.as_ref().map(|r| net_of(cols, r));
    GridRow {
        id: s.id.0,
        number: h.number.as_str().to_owned(),
        head: head_name(h),
        size: h.size(),
        version: s.version.0,
        cells,
        net: net.map(|n| n.to_string()).unwrap_or_default(),
        per_capita: net
            .map(|n| n.per_capita(h.size()).to_string())
            .unwrap_or_default(),
        conflict: false,
    }
}

/// The villages under the scope's area (the area itself when it is a village), by code.
fn villages_of(backend: &dyn Backend, scope: &Scope) -> Result<Vec<(String, String)>, AppError> {
    let root = scope.area();
    if root.level() == AreaLevel::Village {
        let a = backend.area(&root)?;
        return Ok(vec![(root.as_str().to_owned(), a.name)]);
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(code) = stack.pop() {
        for child in backend.children(&code)? {
            if child.code.level() == AreaLevel::Village {
                out.push((child.code.as_str().to_owned(), child.name));
            } else if out.len() < 5_000 {
                stack.push(child.code);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The village's households at their current versions, by household number.
fn households_of(
    store: &Store,
    village: &AreaCode,
) -> Result<Vec<jingzhun_store::StoredHousehold>, AppError> {
    let mut out = Vec::new();
    store
        .scan_households(village, None, &mut |s| {
            out.push(s);
            Ok(())
        })
        .map_err(internal)?;
    out.sort_by(|a, b| a.household.number.cmp(&b.household.number));
    if out.len() > GRID_MAX_ROWS {
        out.truncate(GRID_MAX_ROWS);
    }
    Ok(out)
}

/// The grid of `village` (inside the scope; outside answers 404, audited) for `year`. Without a village,
/// the account's own village, or the list of villages to choose from.
pub fn grid(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    pack: &PolicyPack,
    village: Option<AreaCode>,
    year: u16,
) -> Result<Grid, AppError> {
    let villages = villages_of(backend, scope)?;
    let village =
        village.or_else(|| (scope.area().level() == AreaLevel::Village).then(|| scope.area()));
    let Some(village) = village else {
        return Ok(Grid {
            village: None,
            village_name: String::new(),
            year,
            columns: Vec::new(),
            rows: Vec::new(),
            villages,
            problems: Vec::new(),
            saved: None,
        });
    };
    if village.level() != AreaLevel::Village {
        return Err(AppError::NotFound);
    }
    crate::http::admit(backend, user, scope, &village, "area", village.as_str())?;
    let store = store(backend)?;
    let cols = columns(pack, year, &village);
    let rows = households_of(&store, &village)?
        .iter()
        .map(|s| row_of(&cols, s, year))
        .collect();
    Ok(Grid {
        village: Some(village.as_str().to_owned()),
        village_name: backend.area(&village).map(|a| a.name).unwrap_or_default(),
        year,
        columns: cols,
        rows,
        villages,
        problems: Vec::new(),
        saved: None,
    })
}

/// What a grid save came to.
pub enum SaveOutcome {
    /// Written: the households whose data changed, of the grid of `village` and `year`.
    Saved {
        written: usize,
        village: String,
        year: u16,
    },
    /// Some cell is invalid: nothing written; the grid with the typed values and the problems.
    Invalid(Grid),
    /// Some row's household changed since the grid was loaded: nothing written; those rows show the
    /// current data and version, the others keep what was typed.
    Conflict(Grid),
}

/// The date a survey of `year` takes effect from: today while the year runs, its last day afterwards (the
/// incomes are the year's: its evaluation as of the year's end reads them; the store never dates a
/// version before the one it replaces).
pub fn effective_for(year: u16, today: NaiveDate) -> NaiveDate {
    jingzhun_loader::year_end(year).min(today)
}

fn row_label(n: usize, h: &Household) -> String {
    format!("第 {n} 行（户编号 {}，户主 {}）", h.number, head_name(h))
}

/// Saves a grid (`year`, `village`, `v{id}` versions and `a{id}.{component}` amounts), all or nothing,
/// effective `today`.
pub fn save(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    pack: &PolicyPack,
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<SaveOutcome, AppError> {
    let sent: HashMap<&str, &str> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let year = sent
        .get("year")
        .and_then(|y| y.trim().parse::<u16>().ok())
        .filter(|y| (2013..=2100).contains(y))
        .ok_or(AppError::BadRequest)?;
    let village = sent
        .get("village")
        .and_then(|v| AreaCode::parse(v.trim()).ok())
        .filter(|v| v.level() == AreaLevel::Village)
        .ok_or(AppError::BadRequest)?;
    crate::http::admit(backend, user, scope, &village, "area", village.as_str())?;
    let store = store(backend)?;
    let stored = households_of(&store, &village)?;
    let cols = columns(pack, year, &village);
    // The rows sent, in the grid's order: every `v{id}` names a household of this village.
    let by_id: HashMap<i64, &jingzhun_store::StoredHousehold> =
        stored.iter().map(|s| (s.id.0, s)).collect();
    let mut sent_rows: Vec<(&jingzhun_store::StoredHousehold, i64)> = Vec::new();
    for (k, v) in pairs {
        let Some(id) = k.strip_prefix('v').and_then(|i| i.parse::<i64>().ok()) else {
            continue;
        };
        // Not (or no longer) a household of this village: it moved since the grid was loaded.
        let s = by_id.get(&id).ok_or(AppError::Conflict)?;
        let version = v.trim().parse::<i64>().map_err(|_| AppError::BadRequest)?;
        sent_rows.push((s, version));
    }
    if sent_rows.is_empty() {
        return Err(AppError::BadRequest);
    }
    let mut problems = Vec::new();
    let mut shown = Vec::with_capacity(sent_rows.len());
    let mut rows = Vec::with_capacity(sent_rows.len());
    for (n, (s, version)) in sent_rows.iter().enumerate() {
        let mut h = s.household.clone();
        let mut record = IncomeRecord::new(year);
        let mut cells = Vec::with_capacity(IncomeComponent::COUNT);
        let mut row_ok = true;
        for c in IncomeComponent::ALL {
            let name = cell_name(s.id, *c);
            let typed = sent.get(name.as_str()).copied().unwrap_or("");
            let error = match survey_amount(typed) {
                Ok(y) => {
                    record.set(*c, y);
                    None
                }
                Err(e) => {
                    row_ok = false;
                    let msg = format!(
                        "{}「{}」值「{}」：{e}",
                        row_label(n + 1, &s.household),
                        c.label(),
                        typed.trim()
                    );
                    problems.push(msg);
                    Some(e.to_string())
                }
            };
            cells.push(GridCell {
                name,
                value: typed.trim().to_owned(),
                error,
            });
        }
        let net = row_ok.then(|| net_of(&cols, &record));
        shown.push(GridRow {
            id: s.id.0,
            number: s.household.number.as_str().to_owned(),
            head: head_name(&s.household),
            size: s.household.size(),
            version: *version,
            cells,
            net: net.map(|n| n.to_string()).unwrap_or_default(),
            per_capita: net
                .map(|n| n.per_capita(s.household.size()).to_string())
                .unwrap_or_default(),
            conflict: false,
        });
        // An all-empty row of a household without that year's record stays without one.
        let empty = IncomeComponent::ALL
            .iter()
            .all(|c| record.get(*c) == Yuan::ZERO);
        match h.incomes.iter_mut().find(|r| r.year == year) {
            Some(r) => *r = record,
            None if empty => {}
            None => {
                h.incomes.push(record);
                h.incomes.sort_by_key(|r| r.year);
            }
        }
        rows.push(SurveyRow {
            id: s.id,
            expected: Version(*version),
            household: h,
        });
    }
    let grid = |rows: Vec<GridRow>, problems: Vec<String>| Grid {
        village: Some(village.as_str().to_owned()),
        village_name: backend.area(&village).map(|a| a.name).unwrap_or_default(),
        year,
        columns: cols.clone(),
        rows,
        villages: villages_of(backend, scope).unwrap_or_default(),
        problems,
        saved: None,
    };
    if !problems.is_empty() {
        return Ok(SaveOutcome::Invalid(grid(shown, problems)));
    }
    let actor = Actor::new(user.account.username.clone());
    match store
        .save_survey(&rows, effective_for(year, today), &actor, SURVEY_REASON)
        .map_err(internal)?
    {
        SurveyOutcome::Saved(written) => Ok(SaveOutcome::Saved {
            written: written.len(),
            village: village.as_str().to_owned(),
            year,
        }),
        SurveyOutcome::Stale(stale) => {
            let mut problems = Vec::new();
            for (id, current) in stale {
                let Some(pos) = shown.iter().position(|r| r.id == id.0) else {
                    continue;
                };
                let now = store.household(id).map_err(internal)?;
                let mut fresh = row_of(&cols, &now, year);
                fresh.conflict = true;
                problems.push(format!(
                    "{}：您打开表格后此户已被他人修改（当前为第 {} 版），本次未保存任何数据；该行已换成最新数据，请核对后重新保存",
                    row_label(pos + 1, &now.household),
                    current.0
                ));
                shown[pos] = fresh;
            }
            Ok(SaveOutcome::Conflict(grid(shown, problems)))
        }
    }
}

// ---- Members ----

/// One member as the members page shows it (the ID masked: a list).
#[derive(Debug, Clone, Serialize)]
pub struct MemberLine {
    pub index: usize,
    pub name: String,
    pub masked_id: String,
    pub sex_code: &'static str,
    pub sex: &'static str,
    pub relationship_code: &'static str,
    pub relationship: &'static str,
    pub age: u32,
    pub hukou: String,
    pub hukou_elsewhere: bool,
    pub is_head: bool,
}

/// One recorded change.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeLine {
    pub kind_code: &'static str,
    pub kind: &'static str,
    pub name: String,
    pub effective: String,
    pub note: String,
    pub by: String,
    pub version: i64,
}

/// A choice of a select.
#[derive(Debug, Clone, Serialize)]
pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

/// The members page.
#[derive(Debug, Clone, Serialize)]
pub struct MembersView {
    pub id: i64,
    pub number: String,
    pub head: String,
    pub version: i64,
    pub members: Vec<MemberLine>,
    pub changes: Vec<ChangeLine>,
    pub adding: Vec<Opt>,
    pub removing: Vec<Opt>,
    pub relationships: Vec<Opt>,
    /// The add form as typed, with its problems (i18n keys by field).
    pub form: BTreeMap<String, String>,
    pub errors: BTreeMap<String, &'static str>,
    /// The member the removal form was for, when it came back with problems.
    pub remove_index: Option<usize>,
    /// Someone saved a newer version meanwhile: nothing was written.
    pub conflict: bool,
    pub today: String,
}

impl MembersView {
    pub fn value(&self, key: &str) -> &str {
        self.form.get(key).map(String::as_str).unwrap_or("")
    }

    pub fn error(&self, key: &str) -> Option<&'static str> {
        self.errors.get(key).copied()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

fn opts<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Opt> {
    all.iter()
        .map(|v| Opt {
            code: code(*v),
            label: label(*v),
        })
        .collect()
}

fn load(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
) -> Result<crate::data::HouseholdRecord, AppError> {
    let rec = backend.household(id)?;
    crate::http::admit(
        backend,
        user,
        scope,
        &rec.household.village,
        "household",
        &id.0.to_string(),
    )?;
    Ok(rec)
}

/// The members page of `id`.
pub fn members(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    today: NaiveDate,
) -> Result<MembersView, AppError> {
    let rec = load(backend, user, scope, id)?;
    view_of(backend, &rec, today)
}

fn view_of(
    backend: &dyn Backend,
    rec: &crate::data::HouseholdRecord,
    today: NaiveDate,
) -> Result<MembersView, AppError> {
    let store = store(backend)?;
    let hukou = store.member_hukou_of(rec.id).map_err(internal)?;
    let changes = store.member_changes_of(rec.id).map_err(internal)?;
    let h = &rec.household;
    Ok(MembersView {
        id: rec.id.0,
        number: h.number.as_str().to_owned(),
        head: head_name(h),
        version: rec.version.0,
        members: h
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let k = hukou
                    .get(&m.resident_id)
                    .cloned()
                    .unwrap_or(Hukou::InHousehold);
                MemberLine {
                    index: i,
                    name: m.name.as_str().to_owned(),
                    masked_id: m.resident_id.masked(),
                    sex_code: m.sex.code(),
                    sex: m.sex.label(),
                    relationship_code: m.relationship.code(),
                    relationship: m.relationship.label(),
                    age: m.age_on(today),
                    hukou_elsewhere: matches!(k, Hukou::Elsewhere(_)),
                    hukou: k.label().to_owned(),
                    is_head: m.relationship == Relationship::Head,
                }
            })
            .collect(),
        changes: changes
            .iter()
            .rev()
            .map(|c| ChangeLine {
                kind_code: c.change.kind.code(),
                kind: c.change.kind.label(),
                name: c.change.name.as_str().to_owned(),
                effective: c.change.effective.to_string(),
                note: c.change.note.clone(),
                by: crate::features::monitoring::cases::person_name(backend, &c.recorded_by),
                version: c.version.0,
            })
            .collect(),
        adding: opts(MemberChangeKind::ADDING, |v| v.code(), |v| v.label()),
        removing: opts(MemberChangeKind::REMOVING, |v| v.code(), |v| v.label()),
        relationships: opts(&Relationship::ALL[1..], |v| v.code(), |v| v.label()),
        form: BTreeMap::new(),
        errors: BTreeMap::new(),
        remove_index: None,
        conflict: false,
        today: today.to_string(),
    })
}

/// What a member change came to.
pub enum ChangeOutcome {
    Saved,
    /// Some field is invalid; nothing written.
    Invalid(MembersView),
    /// Based on a stale version; nothing written.
    Conflict(MembersView),
}

fn date_field(
    v: &str,
    today: NaiveDate,
    errors: &mut BTreeMap<String, &'static str>,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) if d <= today && d.year() >= 2013 => Some(d),
        _ => {
            errors.insert("effective".into(), "members.err.effective");
            None
        }
    }
}

fn note_field(v: &str, errors: &mut BTreeMap<String, &'static str>) -> String {
    let n = jingzhun_core::text::normalize(v);
    if n.chars().count() > NOTE_MAX || jingzhun_core::text::first_forbidden(v).is_some() {
        errors.insert("note".into(), "members.err.note");
    }
    n
}

/// A new member with what the form gives (the rest at neutral values, edited later on the edit page).
fn new_member(
    name: PersonName,
    id: ResidentId,
    relationship: Relationship,
    ethnicity: String,
) -> Member {
    Member {
        name,
        sex: id.sex(),
        resident_id: id,
        relationship,
        ethnicity,
        education: None,
        schooling: None,
        health: Health::Healthy,
        labour: None,
        work_status: WorkStatus::NotMigrant,
        migrant_months: MigrantMonths::default(),
        medical_insurance: false,
        serious_illness_insurance: false,
        pension_insurance: false,
        social_assistance: SocialAssistance::NoAssistance,
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    backend: &dyn Backend,
    user: &CurrentUser,
    rec: &crate::data::HouseholdRecord,
    based_on: i64,
    after: Household,
    change: MemberChange,
    hukou: Option<Hukou>,
    mut view: MembersView,
    today: NaiveDate,
) -> Result<ChangeOutcome, AppError> {
    let store = store(backend)?;
    let actor = Actor::new(user.account.username.clone());
    let reason = format!("人口变动：{}", change.kind.label());
    match store.record_member_change(
        rec.id,
        Version(based_on),
        &after,
        &change,
        hukou.as_ref(),
        &actor,
        &reason,
    ) {
        Ok(_) => Ok(ChangeOutcome::Saved),
        Err(StoreError::Conflict { .. }) => {
            let now = backend.household(rec.id)?;
            let mut fresh = view_of(backend, &now, today)?;
            fresh.form = std::mem::take(&mut view.form);
            fresh.remove_index = view.remove_index;
            fresh.conflict = true;
            Ok(ChangeOutcome::Conflict(fresh))
        }
        Err(StoreError::Invalid(_)) => {
            view.errors
                .insert("resident_id".into(), "members.err.resident_id");
            Ok(ChangeOutcome::Invalid(view))
        }
        Err(e) => Err(internal(e)),
    }
}

/// Adds a member (birth, marriage in, merge in) from the add form.
pub fn add_member(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<ChangeOutcome, AppError> {
    let rec = load(backend, user, scope, id)?;
    let mut view = view_of(backend, &rec, today)?;
    let sent: BTreeMap<String, String> = pairs
        .iter()
        .filter(|(k, _)| k != crate::http::csrf::FORM_FIELD)
        .cloned()
        .collect();
    let get = |k: &str| sent.get(k).map(String::as_str).unwrap_or("");
    let based_on = get("version")
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest)?;
    let mut errors = BTreeMap::new();
    let kind = MemberChangeKind::from_code(get("kind")).filter(|k| k.adds());
    if kind.is_none() {
        errors.insert("kind".into(), "members.err.kind");
    }
    let name = PersonName::parse(get("name")).ok();
    if name.is_none() {
        errors.insert("name".into(), "members.err.name");
    }
    let effective = date_field(get("effective"), today, &mut errors);
    let resident = match ResidentId::parse(get("resident_id").trim()) {
        Ok(r)
            if effective.is_none_or(|d| r.birth_date() <= d)
                && !rec.household.members.iter().any(|m| m.resident_id == r) =>
        {
            Some(r)
        }
        _ => {
            errors.insert("resident_id".into(), "members.err.resident_id");
            None
        }
    };
    let relationship = Relationship::from_code(get("relationship"))
        .filter(|r| *r != Relationship::Head || rec.household.head().is_none());
    if relationship.is_none() {
        errors.insert("relationship".into(), "members.err.relationship");
    }
    let ethnicity = {
        let e = jingzhun_core::text::normalize(get("ethnicity"));
        if e.chars().count() > 20
            || jingzhun_core::text::first_forbidden(get("ethnicity")).is_some()
        {
            errors.insert("ethnicity".into(), "members.err.ethnicity");
        }
        if e.is_empty() {
            "汉族".to_owned()
        } else {
            e
        }
    };
    let hukou = match Hukou::parse(get("hukou") != "elsewhere", get("hukou_place")) {
        Ok(h) => Some(h),
        Err(_) => {
            errors.insert("hukou_place".into(), "members.err.hukou_place");
            None
        }
    };
    let note = note_field(get("note"), &mut errors);
    if kind == Some(MemberChangeKind::Birth) {
        // A birth is a newborn: born within the year before the date it is recorded as of.
        if let (Some(r), Some(d)) = (&resident, effective) {
            if r.birth_date() < d - chrono::Duration::days(366) {
                errors.insert("resident_id".into(), "members.err.birth_age");
            }
        }
    }
    view.form = sent.clone();
    if !errors.is_empty() || based_on <= 0 {
        view.errors = errors;
        return Ok(ChangeOutcome::Invalid(view));
    }
    let (Some(kind), Some(name), Some(effective), Some(resident), Some(relationship)) =
        (kind, name, effective, resident, relationship)
    else {
        return Err(AppError::BadRequest);
    };
    let mut after = rec.household.clone();
    after
        .members
        .push(new_member(name.clone(), resident, relationship, ethnicity));
    let change = MemberChange {
        kind,
        resident_id: resident,
        name,
        effective,
        note,
    };
    finish(
        backend, user, &rec, based_on, after, change, hukou, view, today,
    )
}

/// Removes a member (death, marriage out, split out) from the removal form of member `member`.
pub fn remove_member(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<ChangeOutcome, AppError> {
    let rec = load(backend, user, scope, id)?;
    let mut view = view_of(backend, &rec, today)?;
    let sent: BTreeMap<String, String> = pairs
        .iter()
        .filter(|(k, _)| k != crate::http::csrf::FORM_FIELD)
        .cloned()
        .collect();
    let get = |k: &str| sent.get(k).map(String::as_str).unwrap_or("");
    let based_on = get("version")
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest)?;
    let mut errors = BTreeMap::new();
    let index = get("member").trim().parse::<usize>().ok();
    let member = index.and_then(|i| rec.household.members.get(i));
    if member.is_none() {
        errors.insert("member".into(), "members.err.member");
    }
    let kind = MemberChangeKind::from_code(get("kind")).filter(|k| !k.adds());
    if kind.is_none() {
        errors.insert("kind".into(), "members.err.kind");
    }
    let effective = date_field(get("effective"), today, &mut errors);
    let note = note_field(get("note"), &mut errors);
    if rec.household.members.len() <= 1 && member.is_some() {
        errors.insert("member".into(), "members.err.last_member");
    }
    // The head leaves: another member becomes the head.
    let new_head = match member {
        Some(m) if m.relationship == Relationship::Head => {
            match get("new_head").trim().parse::<usize>().ok() {
                Some(j) if Some(j) != index && j < rec.household.members.len() => Some(j),
                _ => {
                    errors.insert("new_head".into(), "members.err.new_head");
                    None
                }
            }
        }
        _ => None,
    };
    view.form = sent.clone();
    view.remove_index = index;
    if !errors.is_empty() || based_on <= 0 {
        view.errors = errors;
        return Ok(ChangeOutcome::Invalid(view));
    }
    let (Some(i), Some(m), Some(kind), Some(effective)) = (index, member, kind, effective) else {
        return Err(AppError::BadRequest);
    };
    let change = MemberChange {
        kind,
        resident_id: m.resident_id,
        name: m.name.clone(),
        effective,
        note,
    };
    let mut after = rec.household.clone();
    if let Some(j) = new_head {
        after.members[j].relationship = Relationship::Head;
    }
    after.members.remove(i);
    finish(
        backend, user, &rec, based_on, after, change, None, view, today,
    )
}

// ---- Template ----

/// The import template of `village` (or of the account's village; blank for other accounts without one)
/// for `year`: filled with the village's households when the role may see personal data (the file holds
/// full IDs), blank otherwise. A filled download is audited.
pub fn template(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    village: Option<AreaCode>,
    year: u16,
) -> Result<(String, Vec<u8>), AppError> {
    let village =
        village.or_else(|| (scope.area().level() == AreaLevel::Village).then(|| scope.area()));
    let full = crate::access::allows(user.account.role, Action::ViewPersonalData);
    let mut filled = Vec::new();
    if let (Some(v), true) = (village, full) {
        if v.level() != AreaLevel::Village {
            return Err(AppError::NotFound);
        }
        crate::http::admit(backend, user, scope, &v, "area", v.as_str())?;
        let store = store(backend)?;
        filled = households_of(&store, &v)?;
        crate::http::security::audit_personal_view(
            backend,
            user,
            "area",
            v.as_str(),
            "survey_template",
            serde_json::json!({ "households": filled.len(), "year": year }),
        );
    }
    let records: Vec<jingzhun_io::ExportRecord<'_>> = filled
        .iter()
        .map(|s| jingzhun_io::ExportRecord {
            household: &s.household,
            events: &s.events,
        })
        .collect();
    let bytes = jingzhun_io::template::template_xlsx(&records, year).map_err(|e| {
        tracing::error!(error = %e, "template");
        AppError::Internal
    })?;
    let name = match (village, full) {
        (Some(v), true) => format!("收入采集模板-{}-{year}.xlsx", v.as_str()),
        _ => format!("农户导入模板-{year}.xlsx"),
    };
    Ok((name, bytes))
}
