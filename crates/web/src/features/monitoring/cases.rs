//! Running the monitoring workflow: leads, the inbox, a case page, recording steps, the village notice.
//!
//! Cases are the store's rows (`jingzhun_store::monitoring`), read by id, by household or by area, never
//! all at once. Every function takes the caller's [`Scope`]: a case belongs to the household's village,
//! and a case outside the scope answers not found (audited) like any other record. The county approval's
//! decision (纳入监测 or 风险消除) is written by the store with the step, in one transaction.
//!
//! What the store refuses for a reason the user should read (a household with an open case, a step
//! based on a stale page, a step out of turn) and a risk elimination whose conditions do not hold come
//! back as [`Refused`] with the Chinese reason, which pages and the API show with status 409 beside the
//! case as it now stands.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jingzhun_core::monitoring::{CaseId, CaseRecord};
use jingzhun_core::{
    AreaCode, Channel, HouseholdId, HouseholdStatus, MonitoringKind, RegistryStatus, RiskType,
    StatusEvent, StatusEventKind,
};
use jingzhun_policy::{explain, FactsSource, OwnedFacts, PolicyPack};
use serde::Serialize;

use crate::access::Scope;
use crate::data::{Backend, DataError, HouseholdRecord};
use crate::features::monitoring::workflow::*;
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

use crate::features::evaluation::service::ExplanationView;

/// Gives the identification time limit in days for an area and a year.
pub type DaysLimit<'a> = &'a (dyn Fn(&AreaCode, u16) -> u16 + Sync);

/// Audit entity of a refused access to a case (the store audits case writes under its own table name).
const CASE_AUDIT_ENTITY: &str = "monitoring_cases";

pub use crate::features::monitoring::service::{inbox, Inbox, InboxQuery, INBOX_PAGE};

/// A lead as entered.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub channel: Channel,
    pub monitoring_kind: Option<MonitoringKind>,
    pub risk_types: Vec<RiskType>,
    pub note: String,
}

/// A write refused for a reason the user should read (answered with 409; with field errors, 422).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub message: String,
    /// The household's open case, when a lead was refused because of it.
    pub open_case: Option<String>,
    /// What is wrong field by field, when the lead contradicts the household or misses a field.
    pub fields: Vec<crate::http::problem::FieldError>,
}

impl Refused {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            open_case: None,
            fields: Vec::new(),
        }
    }

    fn invalid(fields: Vec<crate::http::problem::FieldError>) -> Self {
        Self {
            message: "线索与农户的情况不符或缺少内容，未登记，请按提示修改".to_owned(),
            open_case: None,
            fields,
        }
    }
}

/// What a lead for identification must agree with (the household's standing today): 脱贫不稳定户 only for a
/// 脱贫户, 边缘易致贫户 only for a 一般农户, 突发严重困难户 for either, nothing for a removed household or a
/// registered poor household not yet exited; and at least one risk type.
pub fn lead_field_errors(
    status: &RegistryStatus,
    kind: Option<MonitoringKind>,
    risk_types: &[RiskType],
) -> Vec<crate::http::problem::FieldError> {
    let error = |field: &str, message: String| crate::http::problem::FieldError {
        field: field.to_owned(),
        message,
    };
    let standing = match status {
        RegistryStatus::NotRegistered => "一般农户",
        RegistryStatus::Poor { .. } => "建档立卡贫困户（未脱贫）",
        RegistryStatus::Exited { .. } => "脱贫户",
        RegistryStatus::Removed { .. } => "已清退的户",
    };
    let mut out = Vec::new();
    match (kind, status) {
        (None, _) => out.push(error(
            "monitoring_kind",
            "请选择拟纳入的监测对象类型".to_owned(),
        )),
        (Some(_), RegistryStatus::Removed { .. }) => out.push(error(
            "monitoring_kind",
            "此户已清退，不能登记监测线索".to_owned(),
        )),
        (Some(MonitoringKind::Unstable), RegistryStatus::Exited { .. })
        | (Some(MonitoringKind::Marginal), RegistryStatus::NotRegistered)
        | (
            Some(MonitoringKind::SuddenHardship),
            RegistryStatus::Exited { .. } | RegistryStatus::NotRegistered,
        ) => {}
        (Some(k), _) => {
            let fits = match k {
                MonitoringKind::Unstable => "脱贫户",
                MonitoringKind::Marginal => "一般农户",
                MonitoringKind::SuddenHardship => "脱贫户或一般农户",
            };
            out.push(error(
                "monitoring_kind",
                format!("{}只适用于{fits}，此户是{standing}", k.label()),
            ));
        }
    }
    if risk_types.is_empty() {
        out.push(error("risk_types", "请至少选择一项风险类型".to_owned()));
    }
    out
}

pub(crate) fn china_time(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub(crate) fn china_date(at: DateTime<Utc>) -> NaiveDate {
    (at + chrono::Duration::hours(8)).date_naive()
}

fn parse_case_id(text: &str) -> Result<CaseId, AppError> {
    CaseId::parse(text).map_err(|_| AppError::NotFound)
}

/// One recorded step, as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub step: Step,
    pub label: &'static str,
    pub outcome: &'static str,
    pub passed: bool,
    pub by: String,
    /// China time.
    pub at: String,
    pub note: String,
}

/// The name people know whoever recorded something by: the account's display name, else its user name;
/// an actor of the command line or an import (`cli:张三`) shows the name after the colon. Pages show this,
/// never the account code.
pub fn person_name(backend: &dyn Backend, by: &str) -> String {
    match backend.account_by_username(by) {
        Ok(a) if !a.account.display_name.trim().is_empty() => a.account.display_name,
        _ => by.split_once(':').map_or(by, |(_, name)| name).to_owned(),
    }
}

/// [`person_name`] of each distinct recorder, looked up once.
pub fn names_of<'a>(
    backend: &dyn Backend,
    recorders: impl Iterator<Item = &'a str>,
) -> std::collections::HashMap<String, String> {
    let mut names = std::collections::HashMap::new();
    for by in recorders {
        if !names.contains_key(by) {
            names.insert(by.to_owned(), person_name(backend, by));
        }
    }
    names
}

fn steps_of(backend: &dyn Backend, c: &CaseRecord) -> Vec<StepView> {
    let names = names_of(backend, c.steps.iter().map(|s| s.by.as_str()));
    c.steps
        .iter()
        .map(|s| StepView {
            step: s.step,
            label: s.step.label(),
            outcome: s.outcome.label(),
            passed: s.outcome == Outcome::Pass,
            by: names.get(&s.by).cloned().unwrap_or_else(|| s.by.clone()),
            at: china_time(s.at),
            note: s.note.clone(),
        })
        .collect()
}

/// A household's case with every step, for the household page's case history.
#[derive(Debug, Clone, Serialize)]
pub struct CaseLink {
    pub id: String,
    pub kind: CaseKind,
    pub kind_label: &'static str,
    pub state: CaseState,
    /// The next step's label while open.
    pub next_label: Option<&'static str>,
    pub steps: Vec<StepView>,
}

/// The cases of one household, oldest first (the caller has already been admitted to the household).
pub fn of_household(
    backend: &dyn Backend,
    household: HouseholdId,
) -> Result<Vec<CaseLink>, AppError> {
    Ok(backend
        .cases_of_household(household)?
        .into_iter()
        .map(|c| {
            let state = c.state();
            CaseLink {
                id: c.id.to_string(),
                kind: c.kind,
                kind_label: c.kind.label(),
                state,
                next_label: match state {
                    CaseState::Open { next } => Some(next.label()),
                    _ => None,
                },
                steps: steps_of(backend, &c),
            }
        })
        .collect())
}

/// A case the caller may see: unknown ids answer not found, and so does a case outside the scope
/// (audited).
pub(crate) fn load_admitted(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case_id: &str,
) -> Result<CaseRecord, AppError> {
    let id = parse_case_id(case_id)?;
    let c = backend.case(&id)?.ok_or(AppError::NotFound)?;
    crate::http::admit(
        backend,
        user,
        scope,
        &c.village,
        CASE_AUDIT_ENTITY,
        &id.to_string(),
    )?;
    Ok(c)
}

/// Opens a case from a lead on a household: identification if the household is not monitored, risk
/// elimination if it is. While the household has another open case the lead is [`Refused`] (409) and
/// names that case.
pub fn open_lead(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    household: HouseholdId,
    lead: NewLead,
    now: DateTime<Utc>,
) -> Result<Result<CaseId, Refused>, AppError> {
    let rec = backend.household(household)?;
    crate::http::admit(
        backend,
        user,
        scope,
        &rec.household.village,
        "household",
        &household.0.to_string(),
    )?;
    open_case(backend, &user.account.username, &rec, lead, now)
}

/// Opens a case from a hit in another department's data (channel 部门筛查预警), recorded as `actor` (a
/// system account such as `system:department-compare`; the command that calls this runs with the
/// operator's rights over the whole database, so there is no area scope to check). Returns `None`, writing
/// nothing, when the household already has an open case: the hit is then for the reviewers of that case.
pub fn open_department_lead(
    backend: &dyn Backend,
    actor: &str,
    household: HouseholdId,
    lead: NewLead,
    today: NaiveDate,
) -> Result<Option<String>, AppError> {
    let rec = backend.household(household)?;
    // The lead is dated now, on the day the caller gives (the command's clock).
    let now = Utc::now();
    let now = if china_date(now) == today {
        now
    } else {
        today
            .and_hms_opt(4, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(now)
    };
    Ok(open_case(backend, actor, &rec, lead, now)?
        .ok()
        .map(|id| id.to_string()))
}

/// Opens an identification case (or a risk-elimination case for a monitored household). Reads only this
/// household's next case number; the store refuses a second open case (its unique index settles races).
fn open_case(
    backend: &dyn Backend,
    by: &str,
    rec: &HouseholdRecord,
    lead: NewLead,
    now: DateTime<Utc>,
) -> Result<Result<CaseId, Refused>, AppError> {
    let today = china_date(now);
    let monitored = HouseholdStatus::on(&rec.events, today).monitoring.is_some();
    let kind = if monitored {
        CaseKind::Elimination
    } else {
        CaseKind::Identification
    };
    if kind == CaseKind::Identification {
        let status = HouseholdStatus::on(&rec.events, today).registry;
        let fields = lead_field_errors(&status, lead.monitoring_kind, &lead.risk_types);
        if !fields.is_empty() {
            return Ok(Err(Refused::invalid(fields)));
        }
    }
    let id = backend.next_case_id(rec.id)?;
    let case = CaseRecord {
        id,
        village: rec.household.village,
        kind,
        channel: lead.channel,
        monitoring_kind: lead
            .monitoring_kind
            .filter(|_| kind == CaseKind::Identification),
        risk_types: lead.risk_types,
        steps: vec![StepRecord {
            step: Step::Lead,
            outcome: Outcome::Pass,
            by: by.to_owned(),
            at: now,
            note: lead.note,
        }],
    };
    match backend.open_case(&case, by) {
        Ok(()) => Ok(Ok(id)),
        Err(DataError::CaseAlreadyOpen { message, open }) => Ok(Err(Refused {
            message,
            open_case: open.map(|c| c.to_string()),
            fields: Vec::new(),
        })),
        // Another opener took the same number first: it holds the household's open case.
        Err(DataError::Duplicate(_)) => Ok(Err(Refused::new(format!(
            "户(ID {})刚刚由他人登记了监测事项, 请刷新后查看",
            rec.id
        )))),
        Err(e) => Err(e.into()),
    }
}

/// What a case came to, as the key of its words in `i18n` (已识别纳入, 不予纳入, 已风险消除, 不予消除): pages
/// say the outcome of a closed case, not only that it is closed.
pub fn closed_key(kind: CaseKind, state: CaseState) -> &'static str {
    match (state, kind) {
        (CaseState::Decided, CaseKind::Identification) => "closed.included",
        (CaseState::Decided, CaseKind::Elimination) => "closed.eliminated",
        (CaseState::Rejected { .. }, CaseKind::Identification) => "closed.not_included",
        (CaseState::Rejected { .. }, CaseKind::Elimination) => "closed.not_eliminated",
        (CaseState::Open { .. }, _) => "cases.closed",
    }
}

impl CaseLine {
    pub fn closed_key(&self) -> &'static str {
        closed_key(self.kind, self.state)
    }
}

impl CaseLink {
    pub fn closed_key(&self) -> &'static str {
        closed_key(self.kind, self.state)
    }
}

/// One line of the inbox.
#[derive(Debug, Clone, Serialize)]
pub struct CaseLine {
    pub id: String,
    pub household: i64,
    pub household_number: String,
    pub head_name: String,
    pub village_code: String,
    pub village_name: String,
    pub kind: CaseKind,
    pub kind_label: &'static str,
    pub state: CaseState,
    pub next_label: Option<&'static str>,
    /// Whether the caller's role records the next step.
    pub mine: bool,
    pub opened: NaiveDate,
    pub deadline: Option<NaiveDate>,
    pub timing: Timing,
    /// Steps recorded so far (the step forms send it back, so a stale page is refused).
    pub step_count: usize,
}

pub(crate) fn line_of(
    backend: &dyn Backend,
    role: crate::access::Role,
    c: &CaseRecord,
    days_limit: DaysLimit<'_>,
    today: NaiveDate,
) -> Result<Option<CaseLine>, AppError> {
    let rec = match backend.household(c.household()) {
        Ok(r) => r,
        Err(DataError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let h = &rec.household;
    let year = u16::try_from(today.year()).unwrap_or(2025);
    let limit = days_limit(&c.village, year);
    let state = c.state();
    let next = match state {
        CaseState::Open { next } => Some(next),
        _ => None,
    };
    Ok(Some(CaseLine {
        id: c.id.to_string(),
        household: c.household().0,
        household_number: h.number.as_str().to_owned(),
        head_name: h
            .head()
            .or(h.members.first())
            .map(|m| m.name.as_str().to_owned())
            .unwrap_or_default(),
        village_code: c.village.as_str().to_owned(),
        village_name: backend.area(&c.village).map(|a| a.name).unwrap_or_default(),
        kind: c.kind,
        kind_label: c.kind.label(),
        state,
        next_label: next.map(Step::label),
        mine: next.is_some_and(|n| c.check(n, role).is_ok()),
        opened: c.opened_at().map(china_date).unwrap_or(today),
        deadline: c.deadline(limit),
        timing: c.timing(limit, today),
        step_count: c.steps.len(),
    }))
}

/// The conditions of risk elimination for a household (domain notes §6), as the policy rules state them
/// with the pack's parameters: income stable, guarantees met, monitored long enough, at least the
/// required assistance measures, and someone able to work (a household without is kept monitored).
#[derive(Debug, Clone, Serialize)]
pub struct EliminationCheck {
    /// The income year the rules read.
    pub year: u16,
    pub as_of: NaiveDate,
    /// Assistance measures counted (those running at some time since the household was monitored).
    pub measures: u16,
    pub eligible: bool,
    pub conditions: Vec<ExplanationView>,
}

impl EliminationCheck {
    /// Why the county may not approve, one sentence per unmet condition.
    pub fn refusal(&self) -> Option<String> {
        if self.eligible {
            return None;
        }
        let unmet: Vec<&str> = self
            .conditions
            .iter()
            .filter(|c| !c.holds)
            .map(|c| c.text.as_str())
            .collect();
        Some(if unmet.is_empty() {
            "不符合风险消除条件".to_owned()
        } else {
            format!("不符合风险消除条件, 不能审定通过: {}", unmet.join("; "))
        })
    }
}

/// The household's measures the elimination rules count on `today`: those that ran at some time since
/// the household was monitored (all of them when it is not), as the facts builder counts them.
pub fn measures_counted(
    backend: &dyn Backend,
    rec: &HouseholdRecord,
    today: NaiveDate,
) -> Result<u16, AppError> {
    let since = HouseholdStatus::on(&rec.events, today).monitored_since;
    let side = backend.side_facts_of(rec.id)?;
    Ok(jingzhun_policy::measures_counted(
        &side.measures,
        since,
        today,
    ))
}

/// Evaluates the elimination conditions of `rec` on `today` under `pack`, with the household's
/// measures from the store. The income year is the latest one recorded (up to `today`'s year).
pub fn elimination_check(
    backend: &dyn Backend,
    rec: &HouseholdRecord,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<EliminationCheck, AppError> {
    let this_year = u16::try_from(today.year()).unwrap_or(0);
    let year = rec
        .household
        .incomes
        .iter()
        .map(|r| r.year)
        .filter(|y| *y <= this_year)
        .max()
        .unwrap_or_else(|| crate::features::evaluation::service::default_year(today));
    let side = backend.side_facts_of(rec.id)?;
    let src = FactsSource {
        household: &rec.household,
        events: &rec.events,
        side: &side,
    };
    let facts = OwnedFacts::build(src, year, today);
    let measures = facts.department.measures;
    let mut check = EliminationCheck {
        year,
        as_of: today,
        measures,
        eligible: false,
        conditions: Vec::new(),
    };
    let eff = match pack.effective(year, Some(&rec.household.village)) {
        Ok(eff) => eff,
        Err(e) => {
            check.conditions.push(plain(
                "elimination.params",
                format!("{year} 年没有适用的政策参数: {e}"),
                format!("No policy parameters apply for {year}: {e}"),
            ));
            return Ok(check);
        }
    };
    let ev = explain(&facts.view(), &eff);
    match ev.elimination {
        Some(e) => {
            check.eligible = e.eligible;
            check.conditions = e
                .conditions
                .iter()
                .map(|x| crate::features::evaluation::service::explanation(x, &rec.household))
                .collect();
        }
        None => check.conditions.push(plain(
            "elimination.not_monitored",
            "该户当前不是监测对象, 无需风险消除".to_owned(),
            "The household is not monitored; there is no risk to eliminate".to_owned(),
        )),
    }
    Ok(check)
}

/// A condition the web states itself (no rule behind it), in both languages; `text` is the Chinese one
/// until the page picks the request's language.
fn plain(rule: &'static str, zh: String, en: String) -> ExplanationView {
    ExplanationView {
        rule,
        text: zh.clone(),
        text_zh: zh,
        text_en: en,
        holds: false,
        member: None,
        parameter: None,
        source: None,
    }
}

/// A case page.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub line: CaseLine,
    pub household: i64,
    pub village: String,
    pub kind: CaseKind,
    pub channel: Channel,
    pub channel_label: &'static str,
    pub monitoring_kind: Option<MonitoringKind>,
    pub monitoring_kind_label: Option<&'static str>,
    pub risk_types: Vec<RiskType>,
    pub risk_labels: Vec<&'static str>,
    pub steps: Vec<StepView>,
    /// The next step, when the caller's role records it.
    pub form: Option<StepForm>,
    /// Risk-elimination cases: the conditions the county approval needs, as they stand today.
    pub elimination: Option<EliminationCheck>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepForm {
    pub step: Step,
    pub label: &'static str,
    pub segment: &'static str,
}

#[allow(clippy::too_many_arguments)]
pub fn case(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case_id: &str,
    days_limit: DaysLimit<'_>,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<CaseView, AppError> {
    let c = load_admitted(backend, user, scope, case_id)?;
    view_of(backend, user, &c, days_limit, pack, today)
}

pub(crate) fn view_of(
    backend: &dyn Backend,
    user: &CurrentUser,
    c: &CaseRecord,
    days_limit: DaysLimit<'_>,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<CaseView, AppError> {
    let line =
        line_of(backend, user.account.role, c, days_limit, today)?.ok_or(AppError::NotFound)?;
    let form = match c.state() {
        CaseState::Open { next } if c.check(next, user.account.role).is_ok() => Some(StepForm {
            step: next,
            label: next.label(),
            segment: next.segment(),
        }),
        _ => None,
    };
    let elimination = match c.kind {
        CaseKind::Elimination => {
            let rec = backend.household(c.household())?;
            Some(elimination_check(backend, &rec, pack, today)?)
        }
        CaseKind::Identification => None,
    };
    Ok(CaseView {
        line,
        household: c.household().0,
        village: c.village.as_str().to_owned(),
        kind: c.kind,
        channel: c.channel,
        channel_label: c.channel.label(),
        monitoring_kind: c.monitoring_kind,
        monitoring_kind_label: c.monitoring_kind.map(MonitoringKind::label),
        risk_types: c.risk_types.clone(),
        risk_labels: c.risk_types.iter().map(|r| r.label()).collect(),
        steps: steps_of(backend, c),
        form,
        elimination,
    })
}

/// A step to record.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub step: Step,
    pub outcome: Outcome,
    pub note: String,
    /// The step count of the page the step was recorded on; `None` takes the case as read now.
    pub seen: Option<usize>,
    /// When it is recorded (the application's clock).
    pub now: DateTime<Utc>,
    /// The village review's meeting (date, participants, the notice's complaint phone): required for the
    /// village review step, which is recorded as a village review of this one household.
    pub review: Option<crate::features::monitoring::service::ReviewMeeting>,
}

/// Records a step. A role that may not answers 403. A step out of turn, on a closed case or from a stale
/// page (another step was recorded since `seen`) is [`Refused`] with the reason and the case as it now
/// stands; so is a county approval of a risk elimination whose conditions do not hold. A passed county
/// approval writes the decision on the household in the same transaction as the step.
#[allow(clippy::too_many_arguments)]
pub fn record_step(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case_id: &str,
    input: StepInput,
    days_limit: DaysLimit<'_>,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<(CaseView, Option<Refused>), AppError> {
    let c = load_admitted(backend, user, scope, case_id)?;
    let refuse = |c: &CaseRecord, why: String| -> Result<(CaseView, Option<Refused>), AppError> {
        let view = view_of(backend, user, c, days_limit, pack, today)?;
        Ok((view, Some(Refused::new(why))))
    };
    match c.check(input.step, user.account.role) {
        Err(StepRefusal::Role) => return Err(AppError::Forbidden),
        // The store says why (out of turn or closed), and a stale page first; see below.
        Ok(()) | Err(StepRefusal::Closed | StepRefusal::OutOfOrder { .. }) => {}
    }
    if input.step == Step::VillageReview {
        return crate::features::monitoring::service::record_single_review(
            backend, user, scope, &c, input, days_limit, pack, today,
        );
    }
    if input.step == Step::TownshipReview
        && input.outcome == Outcome::Pass
        && c.state()
            == (CaseState::Open {
                next: Step::TownshipReview,
            })
        && input.seen.is_none_or(|s| s == c.steps.len())
    {
        if let Some(why) =
            crate::features::monitoring::service::notice_still_running(backend, &c, pack, today)?
        {
            return refuse(&c, why);
        }
    }
    // A refusal records its reason (不予纳入 needs a why); a stale page is left to the store to refuse.
    if input.outcome == Outcome::Reject
        && input.note.trim().is_empty()
        && input.seen.is_none_or(|s| s == c.steps.len())
    {
        return refuse(&c, "不通过须写明理由（填在“说明”栏）".to_owned());
    }
    let decides = input.step == Step::CountyApproval && input.outcome == Outcome::Pass;
    let mut decision = None;
    let due = c.state()
        == CaseState::Open {
            next: Step::CountyApproval,
        };
    if decides && due && input.seen.is_none_or(|s| s == c.steps.len()) {
        let rec = backend.household(c.household())?;
        if c.kind == CaseKind::Elimination {
            if let Some(why) = elimination_check(backend, &rec, pack, today)?.refusal() {
                return refuse(&c, why);
            }
        }
        let mut event = match c.kind {
            CaseKind::Identification => {
                let mut e = StatusEvent::new(StatusEventKind::Monitored, today);
                e.monitoring_kind = c.monitoring_kind;
                e.risk_types = c.risk_types.clone();
                e
            }
            CaseKind::Elimination => StatusEvent::new(StatusEventKind::RiskEliminated, today),
        };
        event.note = format!("监测事项 {} 县级审定", c.id);
        decision = Some(event);
    }
    let step = StepRecord {
        step: input.step,
        outcome: input.outcome,
        by: user.account.username.clone(),
        at: input.now,
        note: input.note,
    };
    let expected = input.seen.unwrap_or(c.steps.len());
    match backend.record_case_step(
        &c.id,
        expected,
        step,
        decision.as_ref(),
        &user.account.username,
    ) {
        Ok(now) => Ok((view_of(backend, user, &now, days_limit, pack, today)?, None)),
        Err(DataError::CaseRefused(why)) => {
            let now = backend.case(&c.id)?.ok_or(AppError::NotFound)?;
            refuse(&now, why)
        }
        Err(e) => Err(e.into()),
    }
}

/// The printable village notice (公示): names, village and the proposed decision; never resident IDs,
/// phone numbers, health, disability or the risk types (which can reveal illness).
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub case_id: String,
    pub village_name: String,
    pub head_name: String,
    pub household_size: u32,
    pub kind_label: &'static str,
    pub monitoring_kind_label: Option<&'static str>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

pub fn notice(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case_id: &str,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<Notice, AppError> {
    let c = load_admitted(backend, user, scope, case_id)?;
    let rec = backend.household(c.household())?;
    let h = &rec.household;
    let from = c
        .steps
        .iter()
        .find(|s| s.step == Step::VillageReview)
        .map(|s| china_date(s.at))
        .unwrap_or(today);
    Ok(Notice {
        case_id: c.id.to_string(),
        village_name: backend.area(&h.village).map(|a| a.name).unwrap_or_default(),
        head_name: h
            .head()
            .or(h.members.first())
            .map(|m| m.name.as_str().to_owned())
            .unwrap_or_default(),
        household_size: h.size(),
        kind_label: c.kind.label(),
        monitoring_kind_label: c.monitoring_kind.map(MonitoringKind::label),
        from,
        to: jingzhun_core::notice::notice_period(
            from,
            crate::features::monitoring::service::notice_days(pack, &h.village, from),
        )
        .1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The workflow counts measures with the facts builder's rule (`jingzhun_policy::measures_counted`).
    #[test]
    fn measures_count_when_they_ran_since_monitoring_began() {
        let m = |started: &str, ended: Option<&str>| jingzhun_policy::MeasureSpan {
            started: d(started),
            ended: ended.map(d),
        };
        let today = d("2024-06-01");
        let since = Some(d("2023-01-01"));
        let ms = [
            m("2022-01-01", Some("2022-12-31")), // ended before monitoring
            m("2022-06-01", Some("2023-03-01")), // overlaps
            m("2023-05-01", None),               // running
            m("2024-07-01", None),               // not yet started
        ];
        let count = jingzhun_policy::measures_counted;
        assert_eq!(count(&ms, since, today), 2);
        assert_eq!(count(&ms, None, today), 3);
        assert_eq!(count(&[], since, today), 0);
    }

    #[test]
    fn an_eligible_check_refuses_nothing_and_an_ineligible_one_says_why() {
        let cond = |text: &str, holds| ExplanationView {
            rule: "r",
            text: text.into(),
            text_zh: text.into(),
            text_en: String::new(),
            holds,
            member: None,
            parameter: None,
            source: None,
        };
        let mut c = EliminationCheck {
            year: 2023,
            as_of: d("2024-01-01"),
            measures: 0,
            eligible: true,
            conditions: vec![cond("收入稳定", true)],
        };
        assert_eq!(c.refusal(), None);
        c.eligible = false;
        c.conditions.push(cond("帮扶措施 0 项 < 1 项", false));
        let why = c.refusal().unwrap();
        assert!(
            why.contains("帮扶措施 0 项") && !why.contains("收入稳定"),
            "{why}"
        );
    }
}
