//! The rules' view of one household, computed on request: per-capita income, the guarantees of the
//! evaluation year and the proposals, each with its Chinese explanation (`jingzhun_policy::explain` under
//! the built-in pack's parameters for the household's village). No engine: one household, one year, any
//! date; the facts come from the one builder (`OwnedFacts::build`) with the household's side facts (dated
//! department findings, measures), so the page says what the engine's bulk evaluation says.
//!
//! These are **proposals** (系统建议, recomputed at will), never decisions; the page keeps them apart from
//! the status timeline, which holds what people approved.

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{Household, StatusEvent};
use jingzhun_policy::{
    explain, EffectiveParams, Explanation, FactsSource, OwnedFacts, PolicyPack, SideFacts,
};
use serde::Serialize;

use crate::http::page::Coded;

/// One explanation as shown: the sentence, whether its condition held, and who or what decided it.
#[derive(Debug, Clone, Serialize)]
pub struct ExplanationView {
    /// Stable rule code, e.g. `income.below_monitoring`.
    pub rule: &'static str,
    /// The sentence in the request's language (Chinese unless switched to English), e.g.
    /// `人均纯收入 5,480 元 < 2021 年监测线 6,000 元`.
    pub text: String,
    /// The Chinese sentence.
    pub text_zh: String,
    /// The English sentence, rendered by `jingzhun_policy` from the same structured reason (not translated).
    pub text_en: String,
    pub holds: bool,
    /// The member the rule is about (by name), if any.
    pub member: Option<String>,
    /// The policy parameter compared against, with its source, if any.
    pub parameter: Option<String>,
    pub source: Option<String>,
}

/// One guarantee of 两不愁三保障 (and drinking water).
#[derive(Debug, Clone, Serialize)]
pub struct GuaranteeView {
    pub guarantee: Coded,
    pub met: bool,
    pub explanation: ExplanationView,
}

/// One proposal of the rules with its reasons.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub kind: Coded,
    pub monitoring_kind: Option<Coded>,
    pub risk_types: Vec<Coded>,
    pub explanations: Vec<ExplanationView>,
}

/// Whether a monitored household meets the conditions of risk elimination, condition by condition.
#[derive(Debug, Clone, Serialize)]
pub struct EliminationView {
    pub eligible: bool,
    pub conditions: Vec<ExplanationView>,
}

/// Whether a registered poor household meets the exit conditions; when it does not, the conditions say what
/// failed with the comparison (e.g. `人均纯收入 3,999 元 < 2020 年贫困线 4,000 元`).
#[derive(Debug, Clone, Serialize)]
pub struct ExitView {
    pub eligible: bool,
    pub conditions: Vec<ExplanationView>,
}

/// The latest year with an income record and its per-capita net income (all components counted as the
/// pack of that year says).
#[derive(Debug, Clone, Serialize)]
pub struct LatestIncome {
    pub year: u16,
    pub per_capita: String,
}

/// Everything the rules say about one household in one year.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationView {
    /// Always `"proposal"`: computed by the rules, not approved by anyone.
    pub nature: &'static str,
    pub year: u16,
    /// The date status is replayed to: the end of `year`, or today when the year is not over.
    pub as_of: NaiveDate,
    /// The pack's version (layers and content hash), as reports carry it.
    pub pack: String,
    /// Set when the pack has no parameters for the year (then nothing else is).
    pub unavailable: Option<String>,
    pub latest_income: Option<LatestIncome>,
    /// Per-capita net income of `year`, if the household has an income record for it.
    pub per_capita_income: Option<String>,
    pub income: Vec<ExplanationView>,
    pub guarantees: Vec<GuaranteeView>,
    pub proposals: Vec<ProposalView>,
    /// The approved decision that settles a proposal of this evaluation (the county included the household
    /// in monitoring after its date): the decision's date. The proposal it settles is then not listed.
    pub decided: Option<NaiveDate>,
    pub elimination: Option<EliminationView>,
    /// Set for registered poor households.
    pub exit: Option<ExitView>,
}

impl EvaluationView {
    /// Shows every sentence in English (`text` becomes `text_en`; `text_zh` keeps the Chinese).
    pub fn in_english(&mut self) {
        let en = |e: &mut ExplanationView| e.text = e.text_en.clone();
        self.income.iter_mut().for_each(en);
        self.guarantees
            .iter_mut()
            .for_each(|g| en(&mut g.explanation));
        self.proposals
            .iter_mut()
            .flat_map(|p| p.explanations.iter_mut())
            .for_each(en);
        if let Some(el) = &mut self.elimination {
            el.conditions.iter_mut().for_each(en);
        }
        if let Some(x) = &mut self.exit {
            x.conditions.iter_mut().for_each(en);
        }
    }
}

/// The latest complete year on `today` (the default evaluation year).
pub fn default_year(today: NaiveDate) -> u16 {
    u16::try_from(today.year() - 1).unwrap_or(0)
}

pub(crate) fn explanation(e: &Explanation, h: &Household) -> ExplanationView {
    ExplanationView {
        rule: e.rule,
        text: e.text.clone(),
        text_zh: e.text.clone(),
        text_en: e.text_en(),
        holds: e.holds,
        member: e
            .member
            .and_then(|i| h.members.get(usize::from(i)))
            .map(|m| m.name.as_str().to_owned()),
        parameter: e.comparison.as_ref().map(|c| c.param_label.to_owned()),
        source: e
            .comparison
            .as_ref()
            .map(|c| c.source.clone())
            .filter(|s| !s.is_empty()),
    }
}

fn coded_of(code: &'static str, label: &'static str) -> Coded {
    Coded { code, label }
}

/// The latest income year of `h` with its per-capita net income under `pack`'s counted components of
/// that year (all components when the pack has no parameters for it).
fn latest_income(h: &Household, pack: &PolicyPack) -> Option<LatestIncome> {
    let r = h.incomes.iter().max_by_key(|r| r.year)?;
    let net = match pack.effective(r.year, Some(&h.village)) {
        Ok(eff) => r.net(|c| eff.params.counted_components.contains(c)),
        Err(_) => r.net(|_| true),
    };
    Some(LatestIncome {
        year: r.year,
        per_capita: net.per_capita(h.size()).to_string(),
    })
}

/// The evaluation date of `year` on `today`: the year's end, or today while the year is not over.
pub fn default_as_of(year: u16, today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), 12, 31)
        .unwrap_or(today)
        .min(today)
}

/// Evaluates `household` (with its status `events` and its side facts: dated department findings and
/// measures) for `year` as of `as_of` under `pack`'s parameters for its village.
pub fn evaluate(
    household: &Household,
    events: &[StatusEvent],
    side: &SideFacts,
    pack: &PolicyPack,
    year: u16,
    as_of: NaiveDate,
) -> EvaluationView {
    let mut view = EvaluationView {
        nature: "proposal",
        year,
        as_of,
        pack: pack.version(),
        unavailable: None,
        latest_income: latest_income(household, pack),
        per_capita_income: None,
        income: Vec::new(),
        guarantees: Vec::new(),
        proposals: Vec::new(),
        decided: None,
        elimination: None,
        exit: None,
    };
    let eff: EffectiveParams = match pack.effective(year, Some(&household.village)) {
        Ok(eff) => eff,
        Err(e) => {
            view.unavailable = Some(e.to_string());
            return view;
        }
    };
    let src = FactsSource {
        household,
        events,
        side,
    };
    let facts = OwnedFacts::build(src, year, as_of);
    let ev = explain(&facts.view(), &eff);
    let ex = |e: &Explanation| explanation(e, household);
    view.per_capita_income = ev.per_capita_income.map(|y| y.to_string());
    view.income = ev.income.iter().map(ex).collect();
    view.guarantees = ev
        .guarantees
        .iter()
        .map(|g| GuaranteeView {
            guarantee: coded_of(g.guarantee.code(), g.guarantee.label()),
            met: g.met,
            explanation: ex(&g.explanation),
        })
        .collect();
    view.proposals = ev
        .proposals
        .iter()
        .map(|p| ProposalView {
            kind: coded_of(p.kind.code(), p.kind.label()),
            monitoring_kind: p.monitoring_kind.map(|k| coded_of(k.code(), k.label())),
            risk_types: p
                .risk_types
                .iter()
                .map(|r| coded_of(r.code(), r.label()))
                .collect(),
            explanations: p.explanations.iter().map(ex).collect(),
        })
        .collect();
    view.elimination = ev.elimination.as_ref().map(|e| EliminationView {
        eligible: e.eligible,
        conditions: e.conditions.iter().map(ex).collect(),
    });
    view.exit = ev.exit.as_ref().map(|e| ExitView {
        eligible: e.eligible,
        conditions: e.conditions.iter().map(ex).collect(),
    });
    view
}
