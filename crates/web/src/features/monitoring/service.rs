//! What the monitoring workflow's pages read and write: village reviews with their one notice and its
//! objections, the township's wait for the notice period, the decision notice (告知书), the household's
//! 明白卡, the inbox with its filters and counts, batch review and approval, and the inbox's XLSX export.
//!
//! Steps are recorded by `features::monitoring::cases::record_step` (one implementation for pages, API and batches);
//! the village review of several households is written by the store in one transaction
//! (`Store::record_village_review`).

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jingzhun_core::monitoring::{CaseId, CaseKind, CaseRecord, CaseState, Outcome, Step};
use jingzhun_core::notice::{
    notice_period, Objection, ObjectionId, ReviewId, ReviewedCase, VillageReview,
};
use jingzhun_core::{AreaCode, HouseholdId, HouseholdStatus, MonitoringKind, StatusEventKind};
use jingzhun_policy::PolicyPack;
use jingzhun_store::{CaseFilter, Store, StoreError, StoredReview};
use serde::Serialize;

use crate::access::{allows, Action, Role, Scope};
use crate::data::{AuditNote, Backend};
use crate::features::evaluation::service::{self as evaluation, ExplanationView};
use crate::features::monitoring::cases::{
    china_date, china_time, line_of, load_admitted, view_of, CaseLine, CaseView, DaysLimit,
    Refused, StepInput,
};
use crate::features::monitoring::workflow::{StepExt, NEAR_DAYS};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// Days a notice stays up when the policy pack has no value for the year (the domain notes' minimum).
pub const DEFAULT_NOTICE_DAYS: u16 = 5;

/// Cases per inbox page.
pub const INBOX_PAGE: usize = 50;

/// Cases at most in one batch page.
pub const BATCH_MAX: usize = 50;

pub(crate) fn store(backend: &dyn Backend) -> Result<Arc<Store>, AppError> {
    backend.report_store().ok_or(AppError::NotFound)
}

pub(crate) fn internal(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound { .. } => AppError::NotFound,
        e => {
            tracing::error!(error = %e, "monitoring store call failed");
            AppError::Internal
        }
    }
}

/// The notice period in days for `village` on `day`, from the policy pack.
pub fn notice_days(pack: &PolicyPack, village: &AreaCode, day: NaiveDate) -> u16 {
    u16::try_from(day.year())
        .ok()
        .and_then(|y| pack.effective(y, Some(village)).ok())
        .map_or(DEFAULT_NOTICE_DAYS, |e| e.params.notice_days)
}

fn head_name(h: &jingzhun_core::Household) -> String {
    h.head()
        .or(h.members.first())
        .map(|m| m.name.as_str().to_owned())
        .unwrap_or_default()
}

fn area_name(backend: &dyn Backend, code: &AreaCode) -> String {
    backend.area(code).map(|a| a.name).unwrap_or_default()
}

// ---- Village reviews ----

/// The meeting of a village review as entered: its date, who took part, the notice's complaint phone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewMeeting {
    /// `None`: today.
    pub reviewed_on: Option<NaiveDate>,
    pub participants: String,
    pub complaint_phone: String,
}

/// One household's case in a village review as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    pub case: CaseId,
    /// The step count the page showed.
    pub seen: usize,
    pub outcome: Outcome,
    pub note: String,
}

/// Why the store refused a review or step, as the sentence the user reads; other errors stay errors.
fn refusal(e: StoreError) -> Result<Refused, AppError> {
    match e {
        StoreError::Invalid(msg) => Ok(Refused::new(msg)),
        e @ (StoreError::CaseConflict { .. }
        | StoreError::StepOrder { .. }
        | StoreError::NoticeRunning { .. }) => Ok(Refused::new(e.to_string())),
        e => Err(internal(e)),
    }
}

/// Records a village review of `items` (cases of `village` due for it) with one notice. The notice is up
/// from today for the policy's number of days. A case outside the caller's area answers not found; a role
/// that may not review, 403; what the meeting lacks or a stale page comes back as [`Refused`].
#[allow(clippy::too_many_arguments)]
pub fn record_review(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    village: &AreaCode,
    meeting: &ReviewMeeting,
    items: &[ReviewItem],
    pack: &PolicyPack,
    now: DateTime<Utc>,
) -> Result<Result<ReviewId, Refused>, AppError> {
    crate::http::admit(backend, user, scope, village, "area", village.as_str())?;
    if !allows(user.account.role, Action::VillageReview) {
        return Err(AppError::Forbidden);
    }
    let today = china_date(now);
    let reviewed_on = meeting.reviewed_on.unwrap_or(today);
    if reviewed_on > today {
        return Ok(Err(Refused::new(format!(
            "评议日期 {reviewed_on} 晚于今天，请填写实际召开评议会的日期"
        ))));
    }
    for item in items {
        let c = load_admitted(backend, user, scope, &item.case.to_string())?;
        if c.village != *village {
            return Err(AppError::NotFound);
        }
    }
    let (notice_from, notice_until) = notice_period(today, notice_days(pack, village, today));
    let review = VillageReview {
        village: *village,
        reviewed_on,
        participants: meeting.participants.trim().to_owned(),
        notice_from,
        notice_until,
        complaint_phone: meeting.complaint_phone.trim().to_owned(),
        cases: items
            .iter()
            .map(|i| ReviewedCase {
                case: i.case,
                outcome: i.outcome,
                note: i.note.trim().to_owned(),
            })
            .collect(),
    };
    let seen: Vec<usize> = items.iter().map(|i| i.seen).collect();
    let actor = jingzhun_store::Actor::new(user.account.username.clone());
    match store(backend)?.record_village_review(&review, &seen, now, &actor) {
        Ok((id, _)) => Ok(Ok(id)),
        Err(e) => refusal(e).map(Err),
    }
}

/// The village review step of one case from its page or the API: a village review of this household.
#[allow(clippy::too_many_arguments)]
pub fn record_single_review(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    c: &CaseRecord,
    input: StepInput,
    days_limit: DaysLimit<'_>,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<(CaseView, Option<Refused>), AppError> {
    let meeting = input.review.clone().unwrap_or_default();
    let item = ReviewItem {
        case: c.id,
        seen: input.seen.unwrap_or(c.steps.len()),
        outcome: input.outcome,
        note: input.note.clone(),
    };
    let done = record_review(
        backend,
        user,
        scope,
        &c.village,
        &meeting,
        &[item],
        pack,
        input.now,
    )?;
    let now = backend.case(&c.id)?.ok_or(AppError::NotFound)?;
    let view = view_of(backend, user, &now, days_limit, pack, today)?;
    Ok((view, done.err()))
}

/// Why the township may not review `c` on `today` yet: its village notice is still up (for cases whose
/// village review was recorded before reviews were kept, the period runs from that step's date), or an
/// objection naming it is unresolved. `None` when it may.
pub fn notice_still_running(
    backend: &dyn Backend,
    c: &CaseRecord,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<Option<String>, AppError> {
    let store = store(backend)?;
    let until = match store.village_review_of_case(&c.id).map_err(internal)? {
        Some(r) => {
            let open = store
                .objections_of_review(r.id)
                .map_err(internal)?
                .into_iter()
                .filter(|(_, o)| o.case == Some(c.id) && !o.is_resolved())
                .count();
            if open > 0 && today > r.review.notice_until {
                return Ok(Some(format!(
                    "监测事项 {} 在公示期间有 {open} 条异议尚未处理，处理完毕后乡镇才能审核",
                    c.id
                )));
            }
            r.review.notice_until
        }
        None => match c.steps.iter().find(|s| s.step == Step::VillageReview) {
            Some(s) => {
                let posted = china_date(s.at);
                notice_period(posted, notice_days(pack, &c.village, posted)).1
            }
            None => return Ok(None),
        },
    };
    Ok((today <= until).then(|| {
        format!(
            "村内公示到 {until} 才结束（还剩 {} 天），公示期满后乡镇才能审核",
            (until - today).num_days() + 1
        )
    }))
}

/// A case due for the village review, as the review form lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DueCase {
    pub line: CaseLine,
    pub household_size: u32,
    pub monitoring_kind: Option<&'static str>,
}

/// The village review form of a village: the cases waiting for it, and the policy's notice period.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewForm {
    pub village: String,
    pub village_name: String,
    pub today: NaiveDate,
    pub notice_days: u16,
    pub cases: Vec<DueCase>,
    /// The village's reviews so far, latest first.
    pub reviews: Vec<ReviewLink>,
}

/// A review in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewLink {
    pub id: i64,
    pub reviewed_on: NaiveDate,
    pub notice_from: NaiveDate,
    pub notice_until: NaiveDate,
    pub households: usize,
    /// A case of the review, whose notice page shows the review's notice.
    pub first_case: String,
}

fn link_of(r: &StoredReview) -> ReviewLink {
    ReviewLink {
        first_case: r
            .review
            .cases
            .first()
            .map(|c| c.case.to_string())
            .unwrap_or_default(),
        id: r.id.0,
        reviewed_on: r.review.reviewed_on,
        notice_from: r.review.notice_from,
        notice_until: r.review.notice_until,
        households: r.review.cases.len(),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn review_form(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    village: &AreaCode,
    days_limit: DaysLimit<'_>,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<ReviewForm, AppError> {
    crate::http::admit(backend, user, scope, village, "area", village.as_str())?;
    let area = backend.area(village)?;
    if area.code.level() != jingzhun_core::AreaLevel::Village {
        return Err(AppError::NotFound);
    }
    let filter = CaseFilter {
        open_only: true,
        next_steps: vec![Step::VillageReview],
        limit: Some(200),
        ..CaseFilter::default()
    };
    let mut cases = Vec::new();
    for c in backend.cases_within(village, &filter)? {
        let Some(line) = line_of(backend, user.account.role, &c, days_limit, today)? else {
            continue;
        };
        let size = backend
            .household(c.household())
            .map(|r| r.household.size())
            .unwrap_or(0);
        cases.push(DueCase {
            line,
            household_size: size,
            monitoring_kind: c.monitoring_kind.map(MonitoringKind::label),
        });
    }
    let reviews = store(backend)?
        .village_reviews_within(village, 20)
        .map_err(internal)?;
    Ok(ReviewForm {
        village: village.as_str().to_owned(),
        village_name: area.name,
        today,
        notice_days: notice_days(pack, village, today),
        cases,
        reviews: reviews.iter().map(link_of).collect(),
    })
}

/// One household on a notice.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeLine {
    pub case_id: String,
    pub household: i64,
    pub head_name: String,
    pub household_size: u32,
    pub kind: CaseKind,
    pub kind_label: &'static str,
    pub monitoring_kind_label: Option<&'static str>,
    pub passed: bool,
    pub note: String,
}

/// One objection as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectionLine {
    pub id: i64,
    /// The household's head, when the objection names one.
    pub about: Option<String>,
    pub case_id: Option<String>,
    pub raised_by: String,
    pub raised_on: NaiveDate,
    pub content: String,
    pub resolution: Option<String>,
    pub resolved_on: Option<NaiveDate>,
}

/// A village review's notice: the meeting, the households that passed (the notice lists them, never IDs,
/// phones, health or the risk types) and those that did not (shown on screen, not printed), the period,
/// the complaint phone, and the objections raised.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub id: i64,
    pub village: String,
    pub village_name: String,
    /// Who puts the notice up: the villagers' committee (the village's own name when it already says so).
    pub committee: String,
    pub township_name: String,
    pub reviewed_on: NaiveDate,
    pub participants: String,
    pub notice_from: NaiveDate,
    pub notice_until: NaiveDate,
    pub notice_days: i64,
    pub complaint_phone: String,
    /// Whether the notice is up today.
    pub running: bool,
    pub listed: Vec<NoticeLine>,
    pub not_passed: Vec<NoticeLine>,
    pub objections: Vec<ObjectionLine>,
    /// Whether the caller records objections.
    pub can_object: bool,
    pub today: NaiveDate,
}

pub fn notice(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: ReviewId,
    today: NaiveDate,
) -> Result<NoticeView, AppError> {
    let store = store(backend)?;
    let r = store
        .village_review(id)
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    crate::http::admit(
        backend,
        user,
        scope,
        &r.review.village,
        "village_reviews",
        &id.to_string(),
    )?;
    let mut listed = Vec::new();
    let mut not_passed = Vec::new();
    let mut heads = std::collections::HashMap::new();
    for rc in &r.review.cases {
        let Some(c) = backend.case(&rc.case)? else {
            continue;
        };
        let rec = backend.household(c.household())?;
        let head = head_name(&rec.household);
        heads.insert(rc.case, head.clone());
        let line = NoticeLine {
            case_id: rc.case.to_string(),
            household: c.household().0,
            head_name: head,
            household_size: rec.household.size(),
            kind: c.kind,
            kind_label: c.kind.label(),
            monitoring_kind_label: c.monitoring_kind.map(MonitoringKind::label),
            passed: rc.outcome == Outcome::Pass,
            note: rc.note.clone(),
        };
        if line.passed {
            listed.push(line);
        } else {
            not_passed.push(line);
        }
    }
    let objections = store
        .objections_of_review(id)
        .map_err(internal)?
        .into_iter()
        .map(|(oid, o)| ObjectionLine {
            id: oid.0,
            about: o.case.and_then(|c| heads.get(&c).cloned()),
            case_id: o.case.map(|c| c.to_string()),
            raised_by: o.raised_by,
            raised_on: o.raised_on,
            content: o.content,
            resolution: o.resolution,
            resolved_on: o.resolved_on,
        })
        .collect();
    let village = r.review.village;
    let township_name = village
        .parent()
        .map(|t| area_name(backend, &t))
        .unwrap_or_default();
    Ok(NoticeView {
        id: id.0,
        village: village.as_str().to_owned(),
        committee: committee_of(&area_name(backend, &village)),
        village_name: area_name(backend, &village),
        township_name,
        reviewed_on: r.review.reviewed_on,
        participants: r.review.participants.clone(),
        notice_from: r.review.notice_from,
        notice_until: r.review.notice_until,
        notice_days: (r.review.notice_until - r.review.notice_from).num_days() + 1,
        complaint_phone: r.review.complaint_phone.clone(),
        running: r.review.notice_from <= today && r.review.notice_running_on(today),
        listed,
        not_passed,
        objections,
        can_object: allows(user.account.role, Action::VillageReview),
        today,
    })
}

/// The villagers' committee of a village named `name` (石城村 → 石城村村民委员会; 石城村委会 stays).
fn committee_of(name: &str) -> String {
    if name.ends_with("委会") || name.ends_with("委员会") {
        name.to_owned()
    } else {
        format!("{name}村民委员会")
    }
}

/// An objection as entered.
#[derive(Debug, Clone)]
pub struct ObjectionInput {
    pub case: Option<CaseId>,
    pub raised_by: String,
    pub raised_on: NaiveDate,
    pub content: String,
    pub resolution: Option<String>,
}

/// Records an objection against a review's notice (audited by the store); what is wrong comes back as
/// [`Refused`].
pub fn add_objection(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    review: ReviewId,
    input: ObjectionInput,
    today: NaiveDate,
) -> Result<Result<ObjectionId, Refused>, AppError> {
    let store = store(backend)?;
    let r = store
        .village_review(review)
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    crate::http::admit(
        backend,
        user,
        scope,
        &r.review.village,
        "village_reviews",
        &review.to_string(),
    )?;
    if input.raised_on > today {
        return Ok(Err(Refused::new(format!(
            "提出日期 {} 晚于今天",
            input.raised_on
        ))));
    }
    let resolved_on = input.resolution.as_ref().map(|_| today);
    let o = Objection {
        case: input.case,
        raised_by: input.raised_by,
        raised_on: input.raised_on,
        content: input.content,
        resolution: input.resolution,
        resolved_on,
    };
    let actor = jingzhun_store::Actor::new(user.account.username.clone());
    match store.add_objection(review, &o, &actor) {
        Ok(id) => Ok(Ok(id)),
        Err(e) => refusal(e).map(Err),
    }
}

/// Records how an objection was resolved (today).
pub fn resolve_objection(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    review: ReviewId,
    id: ObjectionId,
    resolution: &str,
    today: NaiveDate,
) -> Result<Result<(), Refused>, AppError> {
    let store = store(backend)?;
    let r = store
        .village_review(review)
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    crate::http::admit(
        backend,
        user,
        scope,
        &r.review.village,
        "village_reviews",
        &review.to_string(),
    )?;
    if !store
        .objections_of_review(review)
        .map_err(internal)?
        .iter()
        .any(|(oid, _)| *oid == id)
    {
        return Err(AppError::NotFound);
    }
    let actor = jingzhun_store::Actor::new(user.account.username.clone());
    match store.resolve_objection(id, resolution, today, &actor) {
        Ok(()) => Ok(Ok(())),
        Err(e) => refusal(e).map(Err),
    }
}

/// The review of a case, if its village review was recorded as one.
pub fn review_of_case(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case: &str,
) -> Result<Option<ReviewId>, AppError> {
    let c = load_admitted(backend, user, scope, case)?;
    Ok(store(backend)?
        .village_review_of_case(&c.id)
        .map_err(internal)?
        .map(|r| r.id))
}

// ---- The decision notice and the household card ----

/// The decision notice (告知书) to the household of a closed case.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionNotice {
    pub case_id: String,
    pub head_name: String,
    pub village_name: String,
    pub township_name: String,
    pub kind_label: &'static str,
    /// A risk-elimination case (else identification).
    pub elimination: bool,
    pub monitoring_kind_label: Option<&'static str>,
    /// Included or eliminated.
    pub approved: bool,
    /// The step that refused it, and why.
    pub refused_at: Option<&'static str>,
    pub reason: String,
    pub decided_on: NaiveDate,
    pub complaint_phone: Option<String>,
    /// The steps as the household reads them: label, date.
    pub steps: Vec<(&'static str, String)>,
}

pub fn decision_notice(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case: &str,
) -> Result<DecisionNotice, AppError> {
    let c = load_admitted(backend, user, scope, case)?;
    let (approved, refused_at) = match c.state() {
        CaseState::Decided => (true, None),
        CaseState::Rejected { at } => (false, Some(at.label())),
        CaseState::Open { .. } => return Err(AppError::NotFound),
    };
    let last = c.steps.last().ok_or(AppError::NotFound)?;
    let rec = backend.household(c.household())?;
    let review = store(backend)?
        .village_review_of_case(&c.id)
        .map_err(internal)?;
    Ok(DecisionNotice {
        case_id: c.id.to_string(),
        head_name: head_name(&rec.household),
        village_name: area_name(backend, &c.village),
        township_name: c
            .village
            .parent()
            .map(|t| area_name(backend, &t))
            .unwrap_or_default(),
        kind_label: c.kind.label(),
        elimination: c.kind == CaseKind::Elimination,
        monitoring_kind_label: c.monitoring_kind.map(MonitoringKind::label),
        approved,
        refused_at,
        reason: if approved {
            String::new()
        } else {
            last.note.clone()
        },
        decided_on: china_date(last.at),
        complaint_phone: review.map(|r| r.review.complaint_phone),
        steps: c
            .steps
            .iter()
            .map(|s| (s.step.label(), china_time(s.at)))
            .collect(),
    })
}

/// The household's 明白卡: who it is, how it stands, the measures it receives, its cadres and their
/// phones (the household's own card: the cadres' work phones are printed in full), the complaint phone.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdCard {
    pub household: i64,
    pub number: String,
    pub head_name: String,
    pub size: u32,
    pub village_name: String,
    pub standing: String,
    pub monitored_since: Option<NaiveDate>,
    pub measures: Vec<CardMeasure>,
    pub cadres: Vec<CardCadre>,
    pub complaint_phone: Option<String>,
    pub today: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct CardMeasure {
    pub kind: &'static str,
    pub description: String,
    pub started: NaiveDate,
    pub amount: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CardCadre {
    pub name: String,
    pub unit: String,
    pub post: &'static str,
    pub phone: Option<String>,
}

pub fn household_card(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    today: NaiveDate,
) -> Result<HouseholdCard, AppError> {
    let rec = backend.household(id)?;
    crate::http::admit(
        backend,
        user,
        scope,
        &rec.household.village,
        "household",
        &id.0.to_string(),
    )?;
    let status = HouseholdStatus::on(&rec.events, today);
    let standing = match status.monitoring {
        Some(k) => format!("监测对象（{}）", k.label()),
        None => match status.registry {
            jingzhun_core::RegistryStatus::NotRegistered => "一般农户".to_owned(),
            jingzhun_core::RegistryStatus::Poor { .. } => "建档立卡贫困户".to_owned(),
            jingzhun_core::RegistryStatus::Exited { .. } => "脱贫户".to_owned(),
            jingzhun_core::RegistryStatus::Removed { .. } => "已清退".to_owned(),
        },
    };
    let measures = backend
        .measures_of(id)?
        .into_iter()
        .filter(|(_, m)| m.is_active_on(today))
        .map(|(_, m)| CardMeasure {
            kind: m.kind.label(),
            description: m.description,
            started: m.started,
            amount: m.amount.map(|a| a.to_string()),
        })
        .collect();
    let cadres = backend
        .cadres_of(id)?
        .into_iter()
        .filter(|(_, a)| a.is_active_on(today))
        .map(|(c, _)| CardCadre {
            name: c.name.as_str().to_owned(),
            unit: c.unit,
            post: c.post.label(),
            phone: c.phone.map(|p| p.as_str().to_owned()),
        })
        .collect();
    let complaint_phone = backend
        .cases_of_household(id)?
        .iter()
        .rev()
        .find_map(|c| {
            store(backend)
                .ok()?
                .village_review_of_case(&c.id)
                .ok()
                .flatten()
        })
        .map(|r| r.review.complaint_phone);
    Ok(HouseholdCard {
        household: id.0,
        number: rec.household.number.as_str().to_owned(),
        head_name: head_name(&rec.household),
        size: rec.household.size(),
        village_name: area_name(backend, &rec.household.village),
        standing,
        monitored_since: status.monitored_since,
        measures,
        cadres,
        complaint_phone,
        today,
    })
}

/// Whether the household became monitored after `as_of` (a county decision the evaluation of that date
/// does not know yet): the date of that decision.
pub fn monitored_after(
    events: &[jingzhun_core::StatusEvent],
    as_of: NaiveDate,
) -> Option<NaiveDate> {
    events
        .iter()
        .filter(|e| e.kind == StatusEventKind::Monitored && e.effective > as_of)
        .map(|e| e.effective)
        .max()
}

// ---- The inbox ----

/// Which open cases by their time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimingFilter {
    /// Within [`NEAR_DAYS`] days of the limit.
    Near,
    Overdue,
}

/// The inbox's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxSort {
    /// Oldest lead first: the most urgent deadline first.
    #[default]
    Deadline,
    /// Newest lead first.
    Newest,
}

/// Which cases the inbox lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxQuery {
    /// Closed cases too (by lead time), not only the open ones.
    pub all: bool,
    /// Only cases within this area (inside the scope).
    pub area: Option<AreaCode>,
    /// 0-based page of [`INBOX_PAGE`] cases.
    pub page: usize,
    /// Only open cases waiting for this step.
    pub step: Option<Step>,
    pub kind: Option<CaseKind>,
    pub timing: Option<TimingFilter>,
    /// Only the open cases whose next step the caller's role records (待我办理).
    pub mine: bool,
    pub sort: InboxSort,
}

/// One page of the inbox.
#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    pub area: String,
    pub all: bool,
    pub page: usize,
    /// Whether another page follows.
    pub more: bool,
    /// Cases matching the filters (all pages).
    pub total: u64,
    pub step: Option<Step>,
    pub kind: Option<CaseKind>,
    pub timing: Option<TimingFilter>,
    pub mine: bool,
    pub sort: InboxSort,
    pub cases: Vec<CaseLine>,
    /// The steps the caller's role records (for the batch links).
    pub my_steps: Vec<Step>,
    /// The query string of the filters (without the page), for links.
    pub query: String,
    /// The filters' codes ("" when not given), for the form.
    #[serde(skip)]
    pub step_code: &'static str,
    #[serde(skip)]
    pub kind_code: &'static str,
    #[serde(skip)]
    pub timing_code: &'static str,
}

/// The steps `role` records (not the lead).
pub fn steps_of(role: Role) -> Vec<Step> {
    Step::ALL
        .iter()
        .copied()
        .filter(|s| *s != Step::Lead && allows(role, s.action()))
        .collect()
}

fn china_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(8)
}

/// The store filter of `query` for `role` on `today` (time limit `limit` days).
pub fn filter_of(query: &InboxQuery, role: Role, limit: u16, today: NaiveDate) -> CaseFilter {
    let mut f = CaseFilter {
        open_only: !query.all,
        kind: query.kind,
        newest_first: query.sort == InboxSort::Newest,
        ..CaseFilter::default()
    };
    if let Some(step) = query.step {
        f.open_only = true;
        f.next_steps = vec![step];
    }
    if query.mine {
        f.open_only = true;
        let mine = steps_of(role);
        f.next_steps = if f.next_steps.is_empty() {
            mine
        } else {
            f.next_steps.retain(|s| mine.contains(s));
            if f.next_steps.is_empty() {
                // Asked for a step that is not the caller's: nothing is theirs.
                vec![Step::Lead]
            } else {
                f.next_steps.clone()
            }
        };
    }
    // Deadline = lead date + limit: overdue when the lead is before today − limit; near when the deadline
    // is within NEAR_DAYS days from today.
    let first_on_time = today - chrono::Duration::days(i64::from(limit));
    match query.timing {
        Some(TimingFilter::Overdue) => {
            f.open_only = true;
            f.opened_before = Some(china_midnight(first_on_time));
        }
        Some(TimingFilter::Near) => {
            f.open_only = true;
            f.opened_from = Some(china_midnight(first_on_time));
            f.opened_before = Some(china_midnight(
                first_on_time + chrono::Duration::days(NEAR_DAYS + 1),
            ));
        }
        None => {}
    }
    f
}

pub fn query_string(q: &InboxQuery, area: &AreaCode) -> String {
    let mut parts = vec![format!("area={}", area.as_str())];
    if q.all {
        parts.push("all=1".into());
    }
    if let Some(s) = q.step {
        parts.push(format!("step={}", s.code()));
    }
    if let Some(k) = q.kind {
        parts.push(format!("kind={}", k.code()));
    }
    match q.timing {
        Some(TimingFilter::Near) => parts.push("timing=near".into()),
        Some(TimingFilter::Overdue) => parts.push("timing=overdue".into()),
        None => {}
    }
    if q.mine {
        parts.push("mine=1".into());
    }
    if q.sort == InboxSort::Newest {
        parts.push("sort=newest".into());
    }
    parts.join("&")
}

/// The cases of the scope (or of an area inside it) matching the filters, one page at a time.
pub fn inbox(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    query: &InboxQuery,
    days_limit: DaysLimit<'_>,
    today: NaiveDate,
) -> Result<Inbox, AppError> {
    let area = query.area.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &area, "area", area.as_str())?;
    let year = u16::try_from(today.year()).unwrap_or(2025);
    let role = user.account.role;
    let mut filter = filter_of(query, role, days_limit(&area, year), today);
    let store = store(backend)?;
    let total = store.count_cases_within(&area, &filter).map_err(internal)?;
    // One more than a page tells whether another follows.
    filter.limit = Some(INBOX_PAGE + 1);
    filter.offset = query.page.saturating_mul(INBOX_PAGE);
    let mut cases = backend.cases_within(&area, &filter)?;
    let more = cases.len() > INBOX_PAGE;
    cases.truncate(INBOX_PAGE);
    let mut lines = Vec::with_capacity(cases.len());
    for c in &cases {
        if let Some(line) = line_of(backend, role, c, days_limit, today)? {
            lines.push(line);
        }
    }
    Ok(Inbox {
        area: area.as_str().to_owned(),
        all: query.all,
        page: query.page,
        more,
        total,
        step: query.step,
        kind: query.kind,
        timing: query.timing,
        mine: query.mine,
        sort: query.sort,
        cases: lines,
        my_steps: steps_of(role),
        query: query_string(query, &area),
        step_code: query.step.map_or("", Step::code),
        kind_code: query.kind.map_or("", CaseKind::code),
        timing_code: match query.timing {
            Some(TimingFilter::Near) => "near",
            Some(TimingFilter::Overdue) => "overdue",
            None => "",
        },
    })
}

/// How many open cases of the caller's area wait for a step the caller's role records (待我办理).
pub fn todo_count(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
) -> Result<u64, AppError> {
    let steps = steps_of(user.account.role);
    if steps.is_empty() {
        return Ok(0);
    }
    let filter = CaseFilter {
        open_only: true,
        next_steps: steps,
        ..CaseFilter::default()
    };
    store(backend)?
        .count_cases_within(&scope.area(), &filter)
        .map_err(internal)
}

// ---- Batches ----

/// One case of a batch, with the facts the reviewer decides on.
#[derive(Debug, Clone, Serialize)]
pub struct BatchItem {
    pub line: CaseLine,
    pub monitoring_kind: Option<&'static str>,
    pub risk_labels: Vec<&'static str>,
    /// Latest income year and per-capita net income, in words.
    pub income: Option<String>,
    /// The two assurances and three guarantees not met, in words (empty: all met).
    pub unmet: Vec<String>,
    /// The engine's explanation of its proposals (income and what is unmet), for this household.
    pub explanations: Vec<ExplanationView>,
    /// Risk-elimination cases: whether the conditions hold.
    pub elimination_met: Option<bool>,
    /// Why the step cannot be recorded today (the notice still up…), if so.
    pub blocked: Option<String>,
    /// The notice's review, when there is one.
    pub review: Option<i64>,
}

/// A batch page: the open cases of the area waiting for `step`, with their facts.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    pub area: String,
    pub step: Step,
    pub year: u16,
    pub items: Vec<BatchItem>,
}

/// The steps that can be recorded in batches.
pub fn batch_step(code: &str) -> Option<Step> {
    match Step::from_code(code)? {
        s @ (Step::TownshipReview | Step::CountyApproval) => Some(s),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn batch(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    step: Step,
    area: Option<AreaCode>,
    days_limit: DaysLimit<'_>,
    pack: &PolicyPack,
    today: NaiveDate,
) -> Result<Batch, AppError> {
    if !allows(user.account.role, step.action()) {
        return Err(AppError::Forbidden);
    }
    let area = area.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &area, "area", area.as_str())?;
    let filter = CaseFilter {
        open_only: true,
        next_steps: vec![step],
        limit: Some(BATCH_MAX),
        ..CaseFilter::default()
    };
    let year = evaluation::default_year(today);
    let store = store(backend)?;
    let mut items = Vec::new();
    for c in backend.cases_within(&area, &filter)? {
        let Some(line) = line_of(backend, user.account.role, &c, days_limit, today)? else {
            continue;
        };
        let rec = backend.household(c.household())?;
        let side = backend.side_facts_of(c.household())?;
        let as_of = evaluation::default_as_of(year, today);
        let ev = evaluation::evaluate(&rec.household, &rec.events, &side, pack, year, as_of);
        let unmet = ev
            .guarantees
            .iter()
            .filter(|g| !g.met)
            .map(|g| g.explanation.text.clone())
            .collect();
        let mut explanations: Vec<ExplanationView> = ev.income.clone();
        for p in &ev.proposals {
            explanations.extend(p.explanations.iter().cloned());
        }
        let elimination_met = match c.kind {
            CaseKind::Elimination => Some(
                crate::features::monitoring::cases::elimination_check(backend, &rec, pack, today)?
                    .eligible,
            ),
            CaseKind::Identification => None,
        };
        let blocked = if step == Step::TownshipReview {
            notice_still_running(backend, &c, pack, today)?
        } else {
            None
        };
        let review = store
            .village_review_of_case(&c.id)
            .map_err(internal)?
            .map(|r| r.id.0);
        items.push(BatchItem {
            line,
            monitoring_kind: c.monitoring_kind.map(MonitoringKind::label),
            risk_labels: c.risk_types.iter().map(|r| r.label()).collect(),
            income: ev
                .latest_income
                .as_ref()
                .map(|li| format!("{} 年人均纯收入 {} 元", li.year, li.per_capita)),
            unmet,
            explanations,
            elimination_met,
            blocked,
            review,
        });
    }
    Ok(Batch {
        area: area.as_str().to_owned(),
        step,
        year,
        items,
    })
}

/// One decision of a batch as entered: the case, the step count its row showed.
#[derive(Debug, Clone)]
pub struct BatchDecision {
    pub case: String,
    pub seen: usize,
}

/// What became of one decision of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchResult {
    pub case: String,
    pub head_name: String,
    pub recorded: bool,
    pub message: Option<String>,
}

/// Records `step` (passed, with the reason `note`) on each confirmed case, one by one: each is its own
/// step, checked and audited like one recorded from its page; one refused does not stop the others.
#[allow(clippy::too_many_arguments)]
pub fn record_batch(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    step: Step,
    decisions: &[BatchDecision],
    note: &str,
    days_limit: DaysLimit<'_>,
    pack: &PolicyPack,
    now: DateTime<Utc>,
) -> Result<Result<Vec<BatchResult>, Refused>, AppError> {
    if !allows(user.account.role, step.action()) {
        return Err(AppError::Forbidden);
    }
    if decisions.is_empty() {
        return Ok(Err(Refused::new("请逐户勾选“确认”后再提交")));
    }
    if note.trim().is_empty() {
        return Ok(Err(Refused::new(
            "请填写审核（审定）意见，作为每一户决定的依据",
        )));
    }
    let today = china_date(now);
    let mut out = Vec::with_capacity(decisions.len());
    for d in decisions {
        let input = StepInput {
            step,
            outcome: Outcome::Pass,
            note: note.trim().to_owned(),
            seen: Some(d.seen),
            now,
            review: None,
        };
        let (view, refused) = crate::features::monitoring::cases::record_step(
            backend, user, scope, &d.case, input, days_limit, pack, today,
        )?;
        out.push(BatchResult {
            case: d.case.clone(),
            head_name: view.line.head_name.clone(),
            recorded: refused.is_none(),
            message: refused.map(|r| r.message),
        });
    }
    let recorded = out.iter().filter(|r| r.recorded).count();
    let note = AuditNote {
        actor: &user.account.username,
        action: "monitoring.batch",
        entity: "monitoring_cases",
        entity_id: step.code(),
        reason: step.label(),
        detail: serde_json::json!({
            "cases": out.iter().map(|r| r.case.as_str()).collect::<Vec<_>>(),
            "recorded": recorded,
        }),
    };
    backend.append_audit(&note)?;
    Ok(Ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_timing_filters_select_leads_by_their_deadline() {
        let q = InboxQuery {
            timing: Some(TimingFilter::Overdue),
            ..InboxQuery::default()
        };
        let f = filter_of(&q, Role::TownshipReviewer, 15, d("2025-03-20"));
        // Deadline = lead date + 15: a lead of 03-04 is due 03-19, overdue on 03-20; one of 03-05 is not.
        assert_eq!(f.opened_before, Some(china_midnight(d("2025-03-05"))));
        assert!(f.open_only);
        let q = InboxQuery {
            timing: Some(TimingFilter::Near),
            ..InboxQuery::default()
        };
        let f = filter_of(&q, Role::TownshipReviewer, 15, d("2025-03-20"));
        // Near: due 03-20 … 03-23 (3 days or fewer), i.e. leads of 03-05 … 03-08.
        assert_eq!(f.opened_from, Some(china_midnight(d("2025-03-05"))));
        assert_eq!(f.opened_before, Some(china_midnight(d("2025-03-09"))));
    }

    #[test]
    fn mine_is_the_steps_the_role_records() {
        assert_eq!(steps_of(Role::TownshipReviewer), vec![Step::TownshipReview]);
        assert_eq!(steps_of(Role::CountyApprover), vec![Step::CountyApproval]);
        assert!(steps_of(Role::Analyst).is_empty());
        let q = InboxQuery {
            mine: true,
            step: Some(Step::CountyApproval),
            ..InboxQuery::default()
        };
        let f = filter_of(&q, Role::TownshipReviewer, 15, d("2025-03-20"));
        assert_eq!(
            f.next_steps,
            vec![Step::Lead],
            "a step not one's own: nothing"
        );
    }
}
