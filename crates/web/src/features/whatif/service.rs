//! What-if (政策推演): the caller's area evaluated by the engine under the policy pack in force and under a
//! copy with some numeric parameters changed for one year, and who would flip. Nothing is written: the
//! engine only reads, and the run is audited as a read (`whatif.run`).
//!
//! * [`parse_params`]: the editable parameters ([`EDITABLE`]: every numeric parameter of the pack, each with
//!   a bounded range) parsed from the submitted text, with a Chinese message per invalid field.
//! * [`run`]: admits the area to show (the caller's, or one below it for the drill-down), takes a run slot
//!   ([`WhatIfRuns`]: one run per account, at most [`MAX_RUNS`] at once), loads the caller's area into an
//!   engine (kept for [`ENGINE_TTL`] while the backend reports no write, so a second run, a drill-down or
//!   another page of the list reuses it), runs `Engine::whatif` and summarises the flips: by kind of
//!   proposal, by child area, and a page of the flipped households (resident IDs masked).
//!
//! The registry is read as it is now (current versions) and evaluated as of the end of the chosen year (or
//! today, for the current year): the same data the dashboard reads.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaTree, HouseholdId, Yuan};
use jingzhun_engine::{Engine, HouseholdInput, WhatIf};
use jingzhun_policy::{ParamKey, ParamKind, ParamValue, PolicyPack, ProposalKind, Rate};
use serde::Serialize;

use crate::access::Scope;
use crate::data::{AccountId, AuditNote, Backend};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;
use crate::http::page::Coded;

/// Flipped households per page of the list.
pub const PAGE_SIZE: usize = 50;
/// Runs at once across all accounts (a full-city run keeps the cores busy for seconds).
pub const MAX_RUNS: usize = 2;
/// How long a loaded engine is reused (writes through this process drop it at once).
pub const ENGINE_TTL: Duration = Duration::from_secs(300);
/// Engines and results kept.
const ENGINES_KEPT: usize = 2;
const RESULTS_KEPT: usize = 8;

/// The parameters a what-if may change, with their bounds (in the parameter's unit: yuan, percent, or the
/// count's unit). Every numeric parameter of the pack; switches and the income components are not offered.
pub const EDITABLE: &[(ParamKey, u32, u32)] = &[
    (ParamKey::PovertyLine, 0, 100_000),
    (ParamKey::MonitoringThreshold, 0, 100_000),
    (ParamKey::CompulsorySchoolAgeMin, 3, 10),
    (ParamKey::CompulsorySchoolAgeMax, 10, 20),
    (ParamKey::WaterLitresMin, 0, 500),
    (ParamKey::WaterLitresMinDry, 0, 500),
    (ParamKey::WaterFetchMinutesMax, 0, 600),
    (ParamKey::WaterOutageDaysMax, 0, 366),
    (ParamKey::EliminationStableIncomeMonths, 0, 60),
    (ParamKey::EliminationMinMonthsMonitored, 0, 60),
    (ParamKey::EliminationMinMeasures, 0, 20),
    (ParamKey::AlertMedicalInpatientExited, 0, 1_000_000),
    (ParamKey::AlertMedicalInpatientOther, 0, 1_000_000),
    (ParamKey::AlertOutpatientMonthly, 0, 100_000),
    (ParamKey::AlertEducation, 0, 1_000_000),
    (ParamKey::VillageExitIncidence, 0, 100),
    (ParamKey::CountyExitIncidence, 0, 100),
    (ParamKey::CountyWrongExitRate, 0, 100),
    (ParamKey::CountyOmissionRate, 0, 100),
    (ParamKey::CountyApprovalMin, 0, 100),
];

/// One editable parameter as the form shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ParamInput {
    pub code: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    /// The value in force for the area and year (as a plain number).
    pub current: String,
    /// The value to evaluate with (as submitted, or the current one).
    pub value: String,
    pub min: u32,
    pub max: u32,
    /// Whether `value` differs from `current`.
    pub changed: bool,
    /// What is wrong with the submitted value (Chinese, names the field and the range).
    pub error: Option<String>,
}

pub use crate::http::problem::FieldError;

/// The form: the year, the area, and every editable parameter.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIfForm {
    pub year: u16,
    pub pack: String,
    /// Set when the pack has no parameters for the year.
    pub unavailable: Option<String>,
    pub params: Vec<ParamInput>,
}

impl WhatIfForm {
    pub fn errors(&self) -> Vec<FieldError> {
        self.params
            .iter()
            .filter_map(|p| {
                p.error.as_ref().map(|m| FieldError {
                    field: p.code.to_owned(),
                    message: m.clone(),
                })
            })
            .collect()
    }

    /// The changed parameters, when every field is valid.
    pub fn changes(&self) -> Option<Vec<(ParamKey, ParamValue)>> {
        if self.params.iter().any(|p| p.error.is_some()) {
            return None;
        }
        self.params
            .iter()
            .filter(|p| p.changed)
            .map(|p| {
                let key = ParamKey::from_code(p.code)?;
                parse_value(key, &p.value).ok().map(|v| (key, v))
            })
            .collect()
    }
}

/// The plain number of a value, as the form shows and takes it (`6000`, `3`, `2.5`, `15`).
fn plain(value: ParamValue) -> String {
    match value {
        ParamValue::Yuan(y) => {
            let fen = y.fen();
            if fen % 100 == 0 {
                (fen / 100).to_string()
            } else {
                format!("{}.{:02}", fen / 100, (fen % 100).abs())
            }
        }
        ParamValue::Percent(r) => {
            let (whole, frac) = (r.0 / 100, r.0 % 100);
            match frac {
                0 => whole.to_string(),
                x if x % 10 == 0 => format!("{whole}.{}", x / 10),
                x => format!("{whole}.{x:02}"),
            }
        }
        ParamValue::Count(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn bounds(key: ParamKey) -> Option<(u32, u32)> {
    EDITABLE
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, lo, hi)| (*lo, *hi))
}

/// Parses one parameter's text in its unit, within its bounds; the error is the Chinese message.
pub fn parse_value(key: ParamKey, text: &str) -> Result<ParamValue, String> {
    let (lo, hi) = bounds(key).ok_or_else(|| format!("「{}」不可在推演中修改", key.label()))?;
    let t = text.trim().replace([',', '，'], "");
    let unit = key.unit();
    let range = || {
        format!(
            "「{}」须为 {lo} 到 {hi} 之间的{}(单位: {unit})",
            key.label(),
            if key.kind() == ParamKind::Count {
                "整数"
            } else {
                "数"
            }
        )
    };
    match key.kind() {
        ParamKind::Yuan => {
            let y = Yuan::parse(&t).map_err(|_| range())?;
            if y < Yuan::from_yuan(i64::from(lo)) || y > Yuan::from_yuan(i64::from(hi)) {
                return Err(range());
            }
            Ok(ParamValue::Yuan(y))
        }
        ParamKind::Percent => {
            let bp = parse_hundredths(&t).ok_or_else(range)?;
            if bp < lo * 100 || bp > hi * 100 {
                return Err(range());
            }
            Ok(ParamValue::Percent(Rate(bp)))
        }
        ParamKind::Count => {
            let n: u32 = t.parse().map_err(|_| range())?;
            if !(lo..=hi).contains(&n) {
                return Err(range());
            }
            Ok(ParamValue::Count(n))
        }
        ParamKind::Bool | ParamKind::Components => Err(range()),
    }
}

/// `2.5` → 250: a non-negative decimal with at most two decimals, in hundredths.
fn parse_hundredths(t: &str) -> Option<u32> {
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let frac: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    whole.checked_mul(100)?.checked_add(frac)
}

/// The form for `year` over `area`, with the submitted values (`code → text`; a missing or empty value
/// means "as in force") checked.
pub fn form(
    pack: &PolicyPack,
    area: &AreaCode,
    year: u16,
    submitted: &HashMap<String, String>,
) -> WhatIfForm {
    let mut f = WhatIfForm {
        year,
        pack: pack.version(),
        unavailable: None,
        params: Vec::new(),
    };
    let eff = match pack.effective(year, Some(area)) {
        Ok(eff) => eff,
        Err(e) => {
            f.unavailable = Some(e.to_string());
            return f;
        }
    };
    for (key, lo, hi) in EDITABLE {
        let Some(current) = eff.value(*key) else {
            continue;
        };
        let current_text = plain(current);
        let sent = submitted
            .get(key.code())
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        let (value, changed, error) = match sent {
            None => (current_text.clone(), false, None),
            Some(text) => match parse_value(*key, text) {
                Ok(v) => (text.to_owned(), v != current, None),
                Err(e) => (text.to_owned(), false, Some(e)),
            },
        };
        f.params.push(ParamInput {
            code: key.code(),
            label: key.label(),
            unit: key.unit(),
            current: current_text,
            value,
            min: *lo,
            max: *hi,
            changed,
            error,
        });
    }
    f
}

/// Flips of one kind of proposal.
#[derive(Debug, Clone, Serialize)]
pub struct KindLine {
    pub kind: Coded,
    /// Households (and their people) that would newly get this proposal.
    pub households_added: u64,
    pub people_added: u64,
    /// Households (and people) that would lose it.
    pub households_removed: u64,
    pub people_removed: u64,
}

/// Flips within one child area.
#[derive(Debug, Clone, Serialize)]
pub struct ChildLine {
    pub code: String,
    pub name: String,
    pub households: u64,
    pub people: u64,
    /// Households gaining at least one proposal / losing at least one.
    pub gaining: u64,
    pub losing: u64,
    /// Whether the child has children of its own to drill into.
    pub drill: bool,
}

/// One flipped household of the list (resident ID masked).
#[derive(Debug, Clone, Serialize)]
pub struct FlipRow {
    pub id: i64,
    pub number: String,
    pub village: String,
    pub head_id: Option<String>,
    pub size: u32,
    pub added: Vec<Coded>,
    pub removed: Vec<Coded>,
    pub per_capita_before: Option<String>,
    pub per_capita_after: Option<String>,
}

/// One changed parameter.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeLine {
    pub code: &'static str,
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

/// The result of a run, for the area shown.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIfResult {
    /// Always `"whatif"`: nothing was written.
    pub nature: &'static str,
    pub year: u16,
    pub as_of: NaiveDate,
    /// The area shown (the caller's, or one below it).
    pub area: String,
    pub area_name: String,
    /// The area above, when it is inside the caller's scope (for "up" links).
    pub parent: Option<String>,
    pub before_version: String,
    pub after_version: String,
    pub changes: Vec<ChangeLine>,
    /// Households evaluated (the caller's whole area).
    pub households: usize,
    /// Flipped households and their people within the area shown.
    pub flipped_households: u64,
    pub flipped_people: u64,
    pub kinds: Vec<KindLine>,
    pub children: Vec<ChildLine>,
    pub page: usize,
    pub pages: usize,
    pub rows: Vec<FlipRow>,
}

/// A loaded engine and the household sizes (members on record) by id.
struct LoadedArea {
    engine: Engine,
    sizes: HashMap<HouseholdId, u32>,
}

type EngineKey = (AreaCode, u16, NaiveDate, u64);
type ResultKey = (AreaCode, u16, NaiveDate, u64, String);
/// A run's result with the engine it came from (for household sizes).
type Outcome = Arc<(WhatIf, Arc<LoadedArea>)>;

/// The what-if state shared by the handlers: run slots, loaded engines and recent results.
#[derive(Default)]
pub struct WhatIfRuns {
    running: Mutex<HashSet<AccountId>>,
    engines: Mutex<Vec<(EngineKey, Instant, Arc<LoadedArea>)>>,
    results: Mutex<Vec<(ResultKey, Instant, Outcome)>>,
}

/// A run slot; released when dropped.
pub struct Slot<'a> {
    runs: &'a WhatIfRuns,
    account: AccountId,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Ok(mut r) = self.runs.running.lock() {
            r.remove(&self.account);
        }
    }
}

/// Why a run did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunRefused {
    /// Some field is invalid (messages per field).
    Invalid(Vec<FieldError>),
    /// The account already has a run going, or [`MAX_RUNS`] are going.
    Busy,
    /// No parameter differs from the values in force.
    NothingChanged,
    /// The pack has no parameters for the year.
    Unavailable(String),
}

impl WhatIfRuns {
    /// A slot for `account`, or `None` when it already runs one or too many runs are going.
    pub fn slot(&self, account: AccountId) -> Option<Slot<'_>> {
        let mut r = self.running.lock().ok()?;
        if r.contains(&account) || r.len() >= MAX_RUNS {
            return None;
        }
        r.insert(account);
        Some(Slot {
            runs: self,
            account,
        })
    }

    fn engine(
        &self,
        backend: &dyn Backend,
        area: AreaCode,
        year: u16,
        as_of: NaiveDate,
    ) -> Result<Arc<LoadedArea>, AppError> {
        let key = (area, year, as_of, backend.generation());
        if let Ok(engines) = self.engines.lock() {
            if let Some((_, _, e)) = engines
                .iter()
                .find(|(k, at, _)| *k == key && at.elapsed() < ENGINE_TTL)
            {
                return Ok(Arc::clone(e));
            }
        }
        // Loaded without holding the lock: other accounts' cached runs go on meanwhile.
        let started = Instant::now();
        let tree = AreaTree::new(Vec::new()).map_err(|_| AppError::Internal)?;
        let mut engine = Engine::new(&tree, year, as_of);
        let mut sizes = HashMap::new();
        let side = backend.side_facts_within(&area)?;
        backend.each_household(&area, &mut |row| {
            sizes.insert(row.id, row.household.size());
            engine.insert(HouseholdInput::new(
                row.id,
                &row.household,
                row.events.as_slice(),
                side.get(row.id),
            ));
        })?;
        tracing::info!(
            area = %area,
            year,
            households = engine.households(),
            heap_mb = engine.heap_bytes() / (1 << 20),
            ms = started.elapsed().as_millis() as u64,
            "what-if engine loaded"
        );
        let loaded = Arc::new(LoadedArea { engine, sizes });
        if let Ok(mut engines) = self.engines.lock() {
            engines.retain(|(k, at, _)| *k != key && at.elapsed() < ENGINE_TTL);
            if engines.len() >= ENGINES_KEPT {
                engines.remove(0);
            }
            engines.push((key, Instant::now(), Arc::clone(&loaded)));
        }
        Ok(loaded)
    }

    #[allow(clippy::too_many_arguments)]
    fn whatif(
        &self,
        backend: &dyn Backend,
        area: AreaCode,
        year: u16,
        as_of: NaiveDate,
        base: &PolicyPack,
        edited: &PolicyPack,
    ) -> Result<Outcome, AppError> {
        let key = (
            area,
            year,
            as_of,
            backend.generation(),
            edited.hash().to_owned(),
        );
        if let Ok(results) = self.results.lock() {
            if let Some((_, _, r)) = results
                .iter()
                .find(|(k, at, _)| *k == key && at.elapsed() < ENGINE_TTL)
            {
                return Ok(Arc::clone(r));
            }
        }
        let loaded = self.engine(backend, area, year, as_of)?;
        let mut w = loaded.engine.whatif(base, edited).map_err(|e| {
            tracing::error!(error = %e, "what-if run failed");
            AppError::Internal
        })?;
        w.flips.sort_by_key(|f| f.household.0);
        let r = Arc::new((w, loaded));
        if let Ok(mut results) = self.results.lock() {
            results.retain(|(k, at, _)| *k != key && at.elapsed() < ENGINE_TTL);
            if results.len() >= RESULTS_KEPT {
                results.remove(0);
            }
            results.push((key, Instant::now(), Arc::clone(&r)));
        }
        Ok(r)
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Request {
    pub year: u16,
    /// The area to show (default: the caller's own); the run covers the caller's whole area.
    pub area: Option<AreaCode>,
    /// 1-based page of the flipped households.
    pub page: usize,
    /// Every flipped household in `rows` rather than one page (the export).
    pub all_rows: bool,
    pub submitted: HashMap<String, String>,
}

/// Runs a what-if for the caller. `Ok(Err(_))` when the run was refused (invalid fields, busy, nothing
/// changed); the form comes back either way.
#[allow(clippy::too_many_arguments)]
pub fn run(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    pack: &PolicyPack,
    runs: &WhatIfRuns,
    req: &Request,
    today: NaiveDate,
) -> Result<(WhatIfForm, Result<WhatIfResult, RunRefused>), AppError> {
    let shown = req.area.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &shown, "area", shown.as_str())?;
    let f = form(pack, &scope.area(), req.year, &req.submitted);
    if let Some(u) = &f.unavailable {
        return Ok((f.clone(), Err(RunRefused::Unavailable(u.clone()))));
    }
    let errors = f.errors();
    if !errors.is_empty() {
        return Ok((f, Err(RunRefused::Invalid(errors))));
    }
    let changes = f.changes().unwrap_or_default();
    if changes.is_empty() {
        return Ok((f, Err(RunRefused::NothingChanged)));
    }
    let edited = pack
        .with_overrides(scope.area(), req.year, &changes)
        .map_err(|_| AppError::Internal)?;
    let Some(_slot) = runs.slot(user.account.id) else {
        return Ok((f, Err(RunRefused::Busy)));
    };
    let end = NaiveDate::from_ymd_opt(i32::from(req.year), 12, 31).unwrap_or(today);
    let as_of = end.min(today);
    let started = Instant::now();
    let result = runs.whatif(backend, scope.area(), req.year, as_of, pack, &edited)?;
    let (w, loaded) = (&result.0, &result.1);
    let note = AuditNote {
        actor: &user.account.username,
        action: "whatif.run",
        entity: "area",
        entity_id: shown.as_str(),
        reason: "政策推演(只读, 未改动任何数据)",
        detail: serde_json::json!({
            "year": req.year,
            "scope": scope.area().as_str(),
            "changes": changes.iter().map(|(k, v)| (k.code(), plain(*v))).collect::<Vec<_>>(),
            "flips": w.flips.len(),
        }),
    };
    backend.append_audit(&note)?;
    tracing::info!(
        account = %user.account.username,
        households = w.households,
        flips = w.flips.len(),
        ms = started.elapsed().as_millis() as u64,
        "what-if run"
    );
    let view = summarise(
        backend, scope, pack, &f, &changes, w, loaded, shown, req, as_of,
    )?;
    Ok((f, Ok(view)))
}

fn coded(k: ProposalKind) -> Coded {
    Coded {
        code: k.code(),
        label: k.label(),
    }
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    backend: &dyn Backend,
    scope: &Scope,
    pack: &PolicyPack,
    f: &WhatIfForm,
    changes: &[(ParamKey, ParamValue)],
    w: &WhatIf,
    loaded: &LoadedArea,
    shown: AreaCode,
    req: &Request,
    as_of: NaiveDate,
) -> Result<WhatIfResult, AppError> {
    let size = |id: HouseholdId| loaded.sizes.get(&id).copied().unwrap_or(0);
    let flips: Vec<_> = w
        .flips
        .iter()
        .filter(|fl| shown.contains(&fl.area))
        .collect();
    let mut kinds: Vec<KindLine> = ProposalKind::ALL
        .iter()
        .map(|k| KindLine {
            kind: coded(*k),
            households_added: 0,
            people_added: 0,
            households_removed: 0,
            people_removed: 0,
        })
        .collect();
    let mut people = 0u64;
    for fl in &flips {
        let n = u64::from(size(fl.household));
        people += n;
        for k in &fl.added {
            let line = &mut kinds[usize::from(k.index())];
            line.households_added += 1;
            line.people_added += n;
        }
        for k in &fl.removed {
            let line = &mut kinds[usize::from(k.index())];
            line.households_removed += 1;
            line.people_removed += n;
        }
    }
    let area = backend.area(&shown)?;
    let children = backend
        .children(&shown)?
        .into_iter()
        .map(|c| {
            let mut line = ChildLine {
                code: c.code.as_str().to_owned(),
                name: c.name,
                households: 0,
                people: 0,
                gaining: 0,
                losing: 0,
                drill: c.code.level() != jingzhun_core::AreaLevel::Village,
            };
            for fl in flips.iter().filter(|fl| c.code.contains(&fl.area)) {
                line.households += 1;
                line.people += u64::from(size(fl.household));
                line.gaining += u64::from(!fl.added.is_empty());
                line.losing += u64::from(!fl.removed.is_empty());
            }
            line
        })
        .collect();
    let pages = flips.len().div_ceil(PAGE_SIZE).max(1);
    let page = req.page.clamp(1, pages);
    let (skip, take) = if req.all_rows {
        (0, flips.len())
    } else {
        ((page - 1) * PAGE_SIZE, PAGE_SIZE)
    };
    let mut rows = Vec::new();
    for fl in flips.iter().skip(skip).take(take) {
        let (number, village, head_id) = match backend.household(fl.household) {
            Ok(rec) => (
                rec.household.number.as_str().to_owned(),
                rec.household.village.as_str().to_owned(),
                rec.household
                    .head()
                    .or(rec.household.members.first())
                    .map(|m| m.resident_id.masked()),
            ),
            Err(crate::data::DataError::NotFound) => {
                (String::new(), fl.area.as_str().to_owned(), None)
            }
            Err(e) => return Err(e.into()),
        };
        rows.push(FlipRow {
            id: fl.household.0,
            number,
            village,
            head_id,
            size: size(fl.household),
            added: fl.added.iter().copied().map(coded).collect(),
            removed: fl.removed.iter().copied().map(coded).collect(),
            per_capita_before: fl.per_capita_before.map(|y| y.to_string()),
            per_capita_after: fl.per_capita_after.map(|y| y.to_string()),
        });
    }
    let before = pack.effective(req.year, Some(&scope.area())).ok();
    let change_lines = changes
        .iter()
        .map(|(k, v)| ChangeLine {
            code: k.code(),
            label: k.label(),
            before: before
                .as_ref()
                .and_then(|e| e.value(*k))
                .map(plain)
                .unwrap_or_default(),
            after: plain(*v),
        })
        .collect();
    Ok(WhatIfResult {
        nature: "whatif",
        year: f.year,
        as_of,
        area: shown.as_str().to_owned(),
        area_name: area.name,
        parent: shown
            .parent()
            .filter(|p| scope.contains(p))
            .map(|p| p.as_str().to_owned()),
        before_version: w.before_version.clone(),
        after_version: w.after_version.clone(),
        changes: change_lines,
        households: w.households,
        flipped_households: flips.len() as u64,
        flipped_people: people,
        kinds,
        children,
        page,
        pages,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parsed_in_their_unit_within_bounds() {
        assert_eq!(
            parse_value(ParamKey::PovertyLine, "4,500"),
            Ok(ParamValue::Yuan(Yuan::from_yuan(4500)))
        );
        assert_eq!(
            parse_value(ParamKey::CountyExitIncidence, "2.5"),
            Ok(ParamValue::Percent(Rate(250)))
        );
        assert_eq!(
            parse_value(ParamKey::WaterOutageDaysMax, "30"),
            Ok(ParamValue::Count(30))
        );
        let e = parse_value(ParamKey::PovertyLine, "100001").unwrap_err();
        assert!(e.contains("贫困线") && e.contains("100000"), "{e}");
        assert!(parse_value(ParamKey::PovertyLine, "-1").is_err());
        assert!(parse_value(ParamKey::CountyExitIncidence, "2.555").is_err());
        assert!(parse_value(ParamKey::CountyExitIncidence, "101").is_err());
        assert!(parse_value(ParamKey::WaterOutageDaysMax, "1.5").is_err());
        assert!(parse_value(ParamKey::RegistrationOpen, "1").is_err());
    }

    #[test]
    fn the_form_marks_changed_and_invalid_fields() {
        let pack = PolicyPack::builtin();
        let area = AreaCode::parse("511902").unwrap();
        let sent: HashMap<String, String> = [
            ("poverty_line".to_owned(), "5000".to_owned()),
            ("monitoring_threshold".to_owned(), "abc".to_owned()),
            ("water_outage_days_max".to_owned(), String::new()),
        ]
        .into_iter()
        .collect();
        let f = form(&pack, &area, 2021, &sent);
        let by = |c: &str| f.params.iter().find(|p| p.code == c).unwrap();
        assert!(by("poverty_line").changed);
        assert!(by("monitoring_threshold").error.is_some());
        assert!(!by("water_outage_days_max").changed);
        assert_eq!(f.errors().len(), 1);
        assert_eq!(f.changes(), None);
        let f = form(&pack, &area, 2021, &HashMap::new());
        assert_eq!(f.params.len(), EDITABLE.len());
        assert_eq!(f.changes(), Some(vec![]));
    }

    #[test]
    fn one_run_per_account_and_few_at_once() {
        let runs = WhatIfRuns::default();
        let a = runs.slot(AccountId(1)).unwrap();
        assert!(runs.slot(AccountId(1)).is_none());
        let b = runs.slot(AccountId(2)).unwrap();
        assert!(runs.slot(AccountId(3)).is_none(), "at most {MAX_RUNS}");
        drop(a);
        assert!(runs.slot(AccountId(1)).is_some());
        drop(b);
    }
}
