//! Village reviews (村级民主评议), their notices (公示) and the objections raised during a notice
//! (`jingzhun_core::notice`).
//!
//! [`Store::record_village_review`] records in ONE transaction the meeting, the village-review step of every
//! household's case it decided (each based on the step count its page showed, like any step), and the
//! notice's period: either all of it is stored or nothing. Two guarantees hold whoever writes, on both
//! backends: a case is reviewed by its village once (the link table's primary key), and the township review
//! of a case whose notice is still up — or that has an unresolved objection naming it — is refused
//! ([`StoreError::NoticeRunning`], checked by the monitoring module's step writer).
//!
//! Audit details name ids, codes and dates only: never participants, objectors' names or what they said.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use jingzhun_core::monitoring::{CaseId, CaseRecord, CaseStep, Outcome, Step};
use jingzhun_core::notice::{Objection, ObjectionId, ReviewId, ReviewedCase, VillageReview};
use jingzhun_core::AreaCode;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{Get, Tx, Val};
use crate::error::{invalid, Result, StoreError};
use crate::households;
use crate::schema::{code, col_list, insert_sql, Cols, Ty};
use crate::Store;

/// A village review as stored, with who recorded it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReview {
    pub id: ReviewId,
    pub review: VillageReview,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Without the generated `id`.
const REVIEW_COLS: Cols = &[
    ("village_code", Ty::Text),
    ("reviewed_on", Ty::Date),
    ("participants", Ty::Text),
    ("notice_from", Ty::Date),
    ("notice_until", Ty::Date),
    ("complaint_phone", Ty::Text),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Ts),
];

const LINK_COLS: Cols = &[
    ("case_id", Ty::Text),
    ("review_id", Ty::Int),
    ("seq", Ty::Int),
    ("outcome", Ty::Text),
];

/// Without the generated `id`.
const OBJECTION_COLS: Cols = &[
    ("review_id", Ty::Int),
    ("case_id", Ty::Text),
    ("raised_by", Ty::Text),
    ("raised_on", Ty::Date),
    ("content", Ty::Text),
    ("resolution", Ty::Text),
    ("resolved_on", Ty::Date),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Ts),
];

/// The China (UTC+8) date of an instant.
fn china_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(8)).date_naive()
}

fn review_not_found(id: ReviewId) -> StoreError {
    StoreError::NotFound {
        entity: "村级评议",
        key: id.to_string(),
    }
}

/// `id` then [`REVIEW_COLS`] (cases left empty).
fn decode_review(r: &dyn Get) -> Result<StoredReview> {
    const T: &str = "village_reviews";
    let village = r.str(1)?;
    Ok(StoredReview {
        id: ReviewId(r.i64(0)?),
        review: VillageReview {
            village: AreaCode::parse(village).map_err(|_| invalid(T, "village_code", village))?,
            reviewed_on: r.date(2)?,
            participants: r.str(3)?.to_owned(),
            notice_from: r.date(4)?,
            notice_until: r.date(5)?,
            complaint_phone: r.str(6)?.to_owned(),
            cases: Vec::new(),
        },
        recorded_by: r.str(7)?.to_owned(),
        recorded_at: r.ts(8)?,
    })
}

/// `id` then [`OBJECTION_COLS`] from `case_id` on: (id, review, objection).
fn decode_objection(r: &dyn Get) -> Result<(ObjectionId, ReviewId, Objection)> {
    const T: &str = "notice_objections";
    let case = r
        .opt_str(2)?
        .map(|c| CaseId::parse(c).map_err(|_| invalid(T, "case_id", c)))
        .transpose()?;
    Ok((
        ObjectionId(r.i64(0)?),
        ReviewId(r.i64(1)?),
        Objection {
            case,
            raised_by: r.str(3)?.to_owned(),
            raised_on: r.date(4)?,
            content: r.str(5)?.to_owned(),
            resolution: r.opt_str(6)?.map(str::to_owned),
            resolved_on: r.opt_date(7)?,
        },
    ))
}

/// Reads the review's households (with each one's step note) into `review`.
fn load_links(tx: &mut Tx<'_>, review: &mut StoredReview) -> Result<()> {
    const T: &str = "village_review_cases";
    let rows = tx.query_vec(
        "SELECT l.case_id, l.outcome, s.note FROM village_review_cases l \
         LEFT JOIN case_steps s ON s.case_id = l.case_id AND s.step = 'village_review' \
         WHERE l.review_id = ? ORDER BY l.seq",
        &[Val::I64(review.id.0)],
        |r| {
            let case = r.str(0)?;
            Ok(ReviewedCase {
                case: CaseId::parse(case).map_err(|_| invalid(T, "case_id", case))?,
                outcome: code(T, "outcome", r.str(1)?, Outcome::from_code)?,
                note: r.opt_str(2)?.unwrap_or_default().to_owned(),
            })
        },
    )?;
    review.review.cases = rows;
    Ok(())
}

fn get_review(tx: &mut Tx<'_>, id: ReviewId) -> Result<Option<StoredReview>> {
    let review = tx.query_opt(
        &format!(
            "SELECT id, {} FROM village_reviews WHERE id = ?",
            col_list(REVIEW_COLS, "")
        ),
        &[Val::I64(id.0)],
        decode_review,
    )?;
    match review {
        Some(mut r) => {
            load_links(tx, &mut r)?;
            Ok(Some(r))
        }
        None => Ok(None),
    }
}

fn review_id_of_case(tx: &mut Tx<'_>, case: &CaseId) -> Result<Option<ReviewId>> {
    Ok(tx
        .query_i64(
            "SELECT review_id FROM village_review_cases WHERE case_id = ?",
            &[Val::Owned(case.to_string())],
        )?
        .map(ReviewId))
}

/// Refuses the township review of `case` on the China date of `at` while its village notice is up or an
/// objection naming it is unresolved. Cases reviewed before village reviews were kept (no link) pass: the
/// caller checks those against the policy's period.
pub(crate) fn check_township_review(
    tx: &mut Tx<'_>,
    case: &CaseId,
    at: DateTime<Utc>,
) -> Result<()> {
    let Some(review) = review_id_of_case(tx, case)? else {
        return Ok(());
    };
    let until = tx
        .query_opt(
            "SELECT notice_until FROM village_reviews WHERE id = ?",
            &[Val::I64(review.0)],
            |r| r.date(0),
        )?
        .ok_or_else(|| review_not_found(review))?;
    if china_date(at) <= until {
        return Err(StoreError::NoticeRunning {
            case: *case,
            until,
            open_objections: 0,
        });
    }
    let open = tx
        .query_i64(
            "SELECT count(*) FROM notice_objections WHERE review_id = ? AND case_id = ? \
             AND resolution IS NULL",
            &[Val::I64(review.0), Val::Owned(case.to_string())],
        )?
        .unwrap_or(0);
    if open > 0 {
        return Err(StoreError::NoticeRunning {
            case: *case,
            until,
            open_objections: open as u64,
        });
    }
    Ok(())
}

fn record_review(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    review: &VillageReview,
    seen: &[usize],
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<(ReviewId, Vec<CaseRecord>)> {
    let problems = review.problems();
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems.join("；")));
    }
    if seen.len() != review.cases.len() {
        return Err(StoreError::Invalid(format!(
            "村级评议: {} 户应各有所依据的环节数, 实有 {} 个",
            review.cases.len(),
            seen.len()
        )));
    }
    let id = tx
        .query_i64(
            &format!(
                "{} RETURNING id",
                insert_sql("village_reviews", REVIEW_COLS)
            ),
            &[
                Val::Str(review.village.as_str()),
                Val::date(review.reviewed_on),
                Val::Str(review.participants.trim()),
                Val::date(review.notice_from),
                Val::date(review.notice_until),
                Val::Str(review.complaint_phone.trim()),
                Val::Str(&actor.account),
                Val::Ts(now),
            ],
        )?
        .map(ReviewId)
        .ok_or_else(|| StoreError::Invalid("村级评议未能保存".into()))?;
    let mut cases = Vec::with_capacity(review.cases.len());
    for (seq, (c, expected)) in review.cases.iter().zip(seen).enumerate() {
        let village = tx
            .query_opt(
                "SELECT village_code FROM monitoring_cases WHERE id = ?",
                &[Val::Owned(c.case.to_string())],
                |r| Ok(r.str(0)?.to_owned()),
            )?
            .ok_or_else(|| StoreError::NotFound {
                entity: "监测事项",
                key: c.case.to_string(),
            })?;
        if village != review.village.as_str() {
            return Err(StoreError::Invalid(format!(
                "监测事项 {} 不属于村 {}, 不能在该村评议",
                c.case, review.village
            )));
        }
        let step = CaseStep {
            step: Step::VillageReview,
            outcome: c.outcome,
            by: actor.account.clone(),
            at,
            note: c.note.trim().to_owned(),
        };
        let case = crate::monitoring::record_step(tx, now, &c.case, *expected, step, None, actor)?;
        tx.exec(
            &insert_sql("village_review_cases", LINK_COLS),
            &[
                Val::Owned(c.case.to_string()),
                Val::I64(id.0),
                Val::I64(seq as i64 + 1),
                Val::Str(c.outcome.code()),
            ],
        )?;
        cases.push(case);
    }
    let passed = review
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Pass)
        .count();
    audit::append(
        tx,
        now,
        actor,
        Change {
            action: "monitoring.village_review",
            entity: "village_reviews",
            entity_id: id.to_string(),
            reason: Step::VillageReview.label(),
            detail: json!({
                "village": review.village.as_str(),
                "reviewed_on": review.reviewed_on.to_string(),
                "notice_from": review.notice_from.to_string(),
                "notice_until": review.notice_until.to_string(),
                "cases": review.cases.iter().map(|c| c.case.to_string()).collect::<Vec<_>>(),
                "passed": passed,
            }),
        },
    )?;
    Ok((id, cases))
}

fn add_objection(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    review: ReviewId,
    o: &Objection,
    actor: &Actor,
) -> Result<ObjectionId> {
    let r = get_review(tx, review)?.ok_or_else(|| review_not_found(review))?;
    let bad = |why: String| {
        Err(StoreError::Invalid(format!(
            "村级评议 {review} 的异议: {why}"
        )))
    };
    if o.raised_by.trim().is_empty() {
        return bad("请填写提出异议的人（可写“匿名”）".into());
    }
    if o.content.trim().is_empty() {
        return bad("请填写异议的内容".into());
    }
    if o.raised_on < r.review.notice_from || o.raised_on > r.review.notice_until {
        return bad(format!(
            "提出日期 {} 不在公示期 {} 至 {} 内",
            o.raised_on, r.review.notice_from, r.review.notice_until
        ));
    }
    if let Some(case) = o.case {
        if !r.review.cases.iter().any(|c| c.case == case) {
            return bad(format!("监测事项 {case} 不在这次公示中"));
        }
    }
    if o.resolution.is_some() != o.resolved_on.is_some() {
        return bad("处理结果和处理日期应同时填写".into());
    }
    let id = tx
        .query_i64(
            &format!(
                "{} RETURNING id",
                insert_sql("notice_objections", OBJECTION_COLS)
            ),
            &[
                Val::I64(review.0),
                o.case.map_or(Val::Null, |c| Val::Owned(c.to_string())),
                Val::Str(o.raised_by.trim()),
                Val::date(o.raised_on),
                Val::Str(o.content.trim()),
                Val::opt_str(o.resolution.as_deref()),
                o.resolved_on.map_or(Val::Null, Val::date),
                Val::Str(&actor.account),
                Val::Ts(now),
            ],
        )?
        .map(ObjectionId)
        .ok_or_else(|| StoreError::Invalid("异议未能保存".into()))?;
    audit::append(
        tx,
        now,
        actor,
        Change {
            action: "monitoring.objection",
            entity: "notice_objections",
            entity_id: id.to_string(),
            reason: "公示期间的异议",
            detail: json!({
                "review": review.0,
                "case": o.case.map(|c| c.to_string()),
                "raised_on": o.raised_on.to_string(),
            }),
        },
    )?;
    Ok(id)
}

fn resolve_objection(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    id: ObjectionId,
    resolution: &str,
    resolved_on: NaiveDate,
    actor: &Actor,
) -> Result<()> {
    let (_, review, o) = tx
        .query_opt(
            &format!(
                "SELECT id, {} FROM notice_objections WHERE id = ?",
                col_list(&OBJECTION_COLS[..7], "")
            ),
            &[Val::I64(id.0)],
            decode_objection,
        )?
        .ok_or_else(|| StoreError::NotFound {
            entity: "异议",
            key: id.to_string(),
        })?;
    if resolution.trim().is_empty() {
        return Err(StoreError::Invalid("请填写异议的核实情况和处理结果".into()));
    }
    if o.is_resolved() {
        return Err(StoreError::Invalid(format!(
            "异议 {id} 已处理, 不能再次处理"
        )));
    }
    if resolved_on < o.raised_on {
        return Err(StoreError::Invalid(format!(
            "处理日期 {resolved_on} 早于提出日期 {}",
            o.raised_on
        )));
    }
    tx.exec(
        "UPDATE notice_objections SET resolution = ?, resolved_on = ? WHERE id = ? AND resolution IS NULL",
        &[
            Val::Str(resolution.trim()),
            Val::date(resolved_on),
            Val::I64(id.0),
        ],
    )?;
    audit::append(
        tx,
        now,
        actor,
        Change {
            action: "monitoring.objection_resolved",
            entity: "notice_objections",
            entity_id: id.to_string(),
            reason: "异议处理",
            detail: json!({ "review": review.0, "resolved_on": resolved_on.to_string() }),
        },
    )?;
    Ok(())
}

impl Store {
    /// Records a village review: the meeting, the village-review step of each of its cases (`seen[i]` is
    /// the step count the page showed for `review.cases[i]`; a stale one is [`StoreError::CaseConflict`],
    /// a case not due for village review [`StoreError::StepOrder`]), all steps at `at`, and its notice —
    /// all in one transaction. Returns the review's id and the cases as they now stand.
    pub fn record_village_review(
        &self,
        review: &VillageReview,
        seen: &[usize],
        at: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<(ReviewId, Vec<CaseRecord>)> {
        self.write(|tx, now| record_review(tx, now, review, seen, at, actor))
    }

    /// A review with its households (in the notice's order).
    pub fn village_review(&self, id: ReviewId) -> Result<Option<StoredReview>> {
        self.read(|tx| get_review(tx, id))
    }

    /// The review that decided `case` at village level, if it was recorded as one.
    pub fn village_review_of_case(&self, case: &CaseId) -> Result<Option<StoredReview>> {
        self.read(|tx| match review_id_of_case(tx, case)? {
            Some(id) => get_review(tx, id),
            None => Ok(None),
        })
    }

    /// The reviews of the villages within `area`, latest first, at most `limit`.
    pub fn village_reviews_within(
        &self,
        area: &AreaCode,
        limit: usize,
    ) -> Result<Vec<StoredReview>> {
        self.read(|tx| {
            let (lo, hi) = households::village_range(area);
            let mut reviews = tx.query_vec(
                &format!(
                    "SELECT id, {} FROM village_reviews WHERE village_code BETWEEN ? AND ? \
                     ORDER BY reviewed_on DESC, id DESC LIMIT ?",
                    col_list(REVIEW_COLS, "")
                ),
                &[
                    Val::Owned(lo),
                    Val::Owned(hi),
                    Val::I64(limit.min(i64::MAX as usize) as i64),
                ],
                decode_review,
            )?;
            for r in &mut reviews {
                load_links(tx, r)?;
            }
            Ok(reviews)
        })
    }

    /// Records an objection raised during the review's notice (on a day of its period, about one of its
    /// households or the notice as a whole; resolved already or not).
    pub fn add_objection(
        &self,
        review: ReviewId,
        objection: &Objection,
        actor: &Actor,
    ) -> Result<ObjectionId> {
        self.write(|tx, now| add_objection(tx, now, review, objection, actor))
    }

    /// Records how an unresolved objection was resolved.
    pub fn resolve_objection(
        &self,
        id: ObjectionId,
        resolution: &str,
        resolved_on: NaiveDate,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx, now| resolve_objection(tx, now, id, resolution, resolved_on, actor))
    }

    /// The objections raised against a review's notice, in the order they were recorded.
    pub fn objections_of_review(&self, review: ReviewId) -> Result<Vec<(ObjectionId, Objection)>> {
        self.read(|tx| {
            tx.query_vec(
                &format!(
                    "SELECT id, {} FROM notice_objections WHERE review_id = ? ORDER BY id",
                    col_list(&OBJECTION_COLS[..7], "")
                ),
                &[Val::I64(review.0)],
                |r| decode_objection(r).map(|(id, _, o)| (id, o)),
            )
        })
    }
}
