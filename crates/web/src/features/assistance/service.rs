//! A household's assistance (帮扶) on its page: assistance measures, visits and the cadres paired with it,
//! and the forms that record them (add a measure, end one, record a visit, pair a cadre), each field
//! parsed into core's types with its own Chinese message and nothing written unless every field is valid.
//!
//! Personal data: a cadre's phone is shown in full only to roles that may see personal data, masked
//! otherwise; visit findings (which may mention health) only to those roles. The store writes each
//! change's audit entry (ids, codes and dates only).

use chrono::NaiveDate;
use jingzhun_core::monitoring::{
    Assignment, Cadre, CadreId, Measure, MeasureId, Visit, VisitPurpose,
};
use jingzhun_core::{AreaCode, AreaLevel, AssistanceType, HouseholdId, Yuan};
use serde::Serialize;

use crate::access::{allows, Action, Scope};
use crate::data::{Backend, DataError, HouseholdRecord};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

use crate::http::page::Coded;

/// Longest measure description and visit findings, in characters.
pub const DESCRIPTION_MAX: usize = 200;
pub const FINDINGS_MAX: usize = 2000;
/// Most visits the page lists (newest first).
pub const VISITS_SHOWN: usize = 50;

/// One assistance measure as shown.
#[derive(Debug, Clone, Serialize)]
pub struct MeasureView {
    pub id: i64,
    pub kind: Coded,
    pub description: String,
    pub started: NaiveDate,
    pub ended: Option<NaiveDate>,
    /// Yuan, e.g. `3,000.00`.
    pub amount: Option<String>,
    pub cadre: Option<String>,
    pub case: Option<String>,
    /// Whether it runs today.
    pub running: bool,
}

/// One visit as shown.
#[derive(Debug, Clone, Serialize)]
pub struct VisitView {
    pub visited_on: NaiveDate,
    pub cadre: Option<String>,
    pub purpose: Coded,
    /// `None` for roles that may not see personal data (findings may mention health).
    pub findings: Option<String>,
}

/// One paired cadre as shown.
#[derive(Debug, Clone, Serialize)]
pub struct CadreView {
    pub id: i64,
    pub name: String,
    pub post: Coded,
    pub unit: String,
    /// Full for roles that see personal data, masked (`138****5678`) otherwise.
    pub phone: Option<String>,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub active: bool,
}

/// The household's assistance, for its page and `GET /api/v1/households/{id}`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MonitoringView {
    pub measures: Vec<MeasureView>,
    /// Newest first, at most [`VISITS_SHOWN`].
    pub visits: Vec<VisitView>,
    pub visits_total: usize,
    pub cadres: Vec<CadreView>,
}

fn coded(code: &'static str, label: &'static str) -> Coded {
    Coded { code, label }
}

/// The assistance of a household the caller has been admitted to.
pub fn of_household(
    backend: &dyn Backend,
    user: &CurrentUser,
    household: HouseholdId,
    today: NaiveDate,
) -> Result<MonitoringView, AppError> {
    let full = allows(user.account.role, Action::ViewPersonalData);
    let cadres = backend.cadres_of(household)?;
    let mut names: std::collections::HashMap<CadreId, String> = cadres
        .iter()
        .map(|(c, _)| (c.id, c.name.as_str().to_owned()))
        .collect();
    let measures = backend.measures_of(household)?;
    let mut visits = backend.visits_of(household)?;
    visits.reverse();
    let visits_total = visits.len();
    visits.truncate(VISITS_SHOWN);
    // Measures and visits may name a cadre no longer paired with the household.
    let mut name_of = |id: Option<CadreId>| -> Result<Option<String>, AppError> {
        let Some(id) = id else { return Ok(None) };
        if let Some(n) = names.get(&id) {
            return Ok(Some(n.clone()));
        }
        let name = backend.cadre(id)?.map(|c| c.name.as_str().to_owned());
        if let Some(n) = &name {
            names.insert(id, n.clone());
        }
        Ok(name)
    };
    let mut out = MonitoringView {
        visits_total,
        ..MonitoringView::default()
    };
    for (id, m) in measures {
        out.measures.push(MeasureView {
            id: id.0,
            kind: coded(m.kind.code(), m.kind.label()),
            running: m.is_active_on(today),
            description: m.description,
            started: m.started,
            ended: m.ended,
            amount: m.amount.map(|a| a.to_string()),
            cadre: name_of(m.cadre)?,
            case: m.case.map(|c| c.to_string()),
        });
    }
    for (_, v) in visits {
        out.visits.push(VisitView {
            visited_on: v.visited_on,
            cadre: name_of(v.cadre)?,
            purpose: coded(v.purpose.code(), v.purpose.label()),
            findings: full.then_some(v.findings),
        });
    }
    out.cadres = cadres
        .into_iter()
        .map(|(c, a)| CadreView {
            id: c.id.0,
            name: c.name.as_str().to_owned(),
            post: coded(c.post.code(), c.post.label()),
            unit: c.unit,
            phone: c.phone.map(|p| {
                if full {
                    p.as_str().to_owned()
                } else {
                    p.masked()
                }
            }),
            from: a.from,
            to: a.to,
            active: a.is_active_on(today),
        })
        .collect();
    Ok(out)
}

// ---- Forms ----

/// Which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    AddMeasure,
    EndMeasure,
    AddVisit,
    AssignCadre,
}

impl FormKind {
    /// The i18n key of the form's title.
    pub fn title_key(self) -> &'static str {
        match self {
            FormKind::AddMeasure => "mon.add_measure",
            FormKind::EndMeasure => "mon.end_measure",
            FormKind::AddVisit => "mon.add_visit",
            FormKind::AssignCadre => "mon.assign",
        }
    }

    /// Where the form posts, below `/households/{id}`.
    pub fn segment(self) -> &'static str {
        match self {
            FormKind::AddMeasure => "measures",
            FormKind::EndMeasure => "measures/end",
            FormKind::AddVisit => "visits",
            FormKind::AssignCadre => "cadres",
        }
    }
}

/// One field of a form: what it shows, what was entered, and what is wrong with it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub name: &'static str,
    /// The i18n key of its label.
    pub label: &'static str,
    /// `text`, `date`, `select` or `textarea`.
    pub input: &'static str,
    pub value: String,
    /// `(value, label)` for selects; the first is the empty choice when the field is optional.
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub error: Option<String>,
}

/// A form of this module, filled or to fill.
#[derive(Debug, Clone, Serialize)]
pub struct FormView {
    pub kind: FormKind,
    pub household: i64,
    pub household_number: String,
    pub fields: Vec<FieldView>,
}

impl FormView {
    pub fn action(&self) -> String {
        format!("/households/{}/{}", self.household, self.kind.segment())
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    /// Each invalid field with its message, in form order, for the JSON API's `fields` (the common
    /// error form of `http::problem`).
    pub fn errors(&self) -> Vec<crate::http::problem::FieldError> {
        self.fields
            .iter()
            .filter_map(|f| {
                Some(crate::http::problem::FieldError {
                    field: f.name.to_owned(),
                    message: f.error.clone()?,
                })
            })
            .collect()
    }
}

/// What a submitted form did.
#[derive(Debug, Clone)]
pub enum FormOutcome {
    Saved,
    /// Nothing written; the form with each invalid field's message.
    Invalid(FormView),
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

/// The household (admitted) and the cadres who may be named for it: those serving its village or its
/// township.
fn admitted(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
) -> Result<HouseholdRecord, AppError> {
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

fn candidate_cadres(backend: &dyn Backend, village: &AreaCode) -> Result<Vec<Cadre>, AppError> {
    let township = village.ancestor_at(AreaLevel::Township).unwrap_or(*village);
    Ok(backend
        .cadres_within(&township)?
        .into_iter()
        .filter(|c| c.area.contains(village))
        .collect())
}

fn cadre_options(cadres: &[Cadre], optional: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if optional {
        out.push((String::new(), "—".to_owned()));
    }
    out.extend(cadres.iter().map(|c| {
        (
            c.id.to_string(),
            format!("{} · {} · {}", c.name, c.post.label(), c.unit),
        )
    }));
    out
}

fn field(
    name: &'static str,
    label: &'static str,
    input: &'static str,
    required: bool,
) -> FieldView {
    FieldView {
        name,
        label,
        input,
        value: String::new(),
        options: Vec::new(),
        required,
        error: None,
    }
}

fn with_options(mut f: FieldView, options: Vec<(String, String)>) -> FieldView {
    f.options = options;
    f
}

fn coded_options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    std::iter::once((String::new(), "—".to_owned()))
        .chain(
            all.iter()
                .map(|v| (code(*v).to_owned(), label(*v).to_owned())),
        )
        .collect()
}

/// The fields of `kind` for household `rec` (values empty).
fn fields_of(
    backend: &dyn Backend,
    kind: FormKind,
    rec: &HouseholdRecord,
    today: NaiveDate,
) -> Result<Vec<FieldView>, AppError> {
    let village = rec.household.village;
    Ok(match kind {
        FormKind::AddMeasure => {
            let cadres = candidate_cadres(backend, &village)?;
            vec![
                with_options(
                    field("kind", "mon.kind", "select", true),
                    coded_options(AssistanceType::ALL, |v| v.code(), |v| v.label()),
                ),
                field("description", "mon.description", "text", true),
                field("started", "mon.started", "date", true),
                field("amount", "mon.amount", "text", false),
                with_options(
                    field("cadre", "mon.cadre", "select", false),
                    cadre_options(&cadres, true),
                ),
            ]
        }
        FormKind::EndMeasure => {
            let running: Vec<(String, String)> = backend
                .measures_of(rec.id)?
                .into_iter()
                .filter(|(_, m)| m.ended.is_none_or(|e| e >= today))
                .map(|(id, m)| {
                    (
                        id.to_string(),
                        format!("{} · {} · {}", m.kind.label(), m.description, m.started),
                    )
                })
                .collect();
            vec![
                with_options(
                    field("measure", "mon.measure", "select", true),
                    std::iter::once((String::new(), "—".to_owned()))
                        .chain(running)
                        .collect(),
                ),
                field("ended", "mon.ended", "date", true),
            ]
        }
        FormKind::AddVisit => {
            let cadres = candidate_cadres(backend, &village)?;
            vec![
                field("visited_on", "mon.visited_on", "date", true),
                with_options(
                    field("purpose", "mon.purpose", "select", true),
                    coded_options(VisitPurpose::ALL, |v| v.code(), |v| v.label()),
                ),
                with_options(
                    field("cadre", "mon.cadre", "select", false),
                    cadre_options(&cadres, true),
                ),
                field("findings", "mon.findings", "textarea", true),
            ]
        }
        FormKind::AssignCadre => {
            let cadres = candidate_cadres(backend, &village)?;
            vec![
                with_options(
                    field("cadre", "mon.cadre", "select", true),
                    cadre_options(&cadres, true),
                ),
                field("from", "mon.from", "date", true),
                field("to", "mon.to", "date", false),
            ]
        }
    })
}

/// The empty form `kind` for household `id` (dates default to today).
pub fn form(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    kind: FormKind,
    today: NaiveDate,
) -> Result<FormView, AppError> {
    let rec = admitted(backend, user, scope, id)?;
    let mut fields = fields_of(backend, kind, &rec, today)?;
    for f in &mut fields {
        if f.input == "date" && f.required {
            f.value = today.to_string();
        }
    }
    Ok(FormView {
        kind,
        household: id.0,
        household_number: rec.household.number.as_str().to_owned(),
        fields,
    })
}

/// Parses fields one by one, keeping what was entered and each field's message.
struct Parser<'a> {
    pairs: &'a [(String, String)],
    fields: Vec<FieldView>,
}

impl Parser<'_> {
    /// The entered text of `name`, recorded on its field; `None` (with the message) when a required field
    /// is empty.
    fn text(&mut self, name: &str) -> Option<String> {
        let v = value(self.pairs, name).to_owned();
        let f = self.fields.iter_mut().find(|f| f.name == name)?;
        f.value = v.clone();
        if v.is_empty() {
            if f.required {
                f.error = Some(if f.input == "select" {
                    "必须选择一项".to_owned()
                } else {
                    "此项必须填写".to_owned()
                });
            }
            return None;
        }
        Some(v)
    }

    fn fail(&mut self, name: &str, message: String) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.error = Some(message);
        }
    }

    /// A date of the form `YYYY-MM-DD`.
    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let t = self.text(name)?;
        match NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(
                    name,
                    format!("日期「{t}」无效, 应为 年-月-日, 如 2024-03-01"),
                );
                None
            }
        }
    }

    /// A choice among the field's options, parsed by `parse`.
    fn choice<T>(&mut self, name: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let t = self.text(name)?;
        let listed = self
            .fields
            .iter()
            .find(|f| f.name == name)
            .is_some_and(|f| f.options.iter().any(|(v, _)| *v == t));
        match parse(&t).filter(|_| listed) {
            Some(v) => Some(v),
            None => {
                self.fail(name, "请从列表中选择".to_owned());
                None
            }
        }
    }

    fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }
}

fn not_after_today(p: &mut Parser<'_>, name: &str, d: Option<NaiveDate>, today: NaiveDate) {
    if let Some(d) = d.filter(|d| *d > today) {
        p.fail(name, format!("日期 {d} 晚于今天 {today}"));
    }
}

fn bounded(p: &mut Parser<'_>, name: &str, max: usize) -> Option<String> {
    let t = p.text(name)?;
    let n = t.chars().count();
    if n > max {
        p.fail(name, format!("最多 {max} 个字, 现有 {n} 个字"));
        return None;
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        p.fail(name, "不能含控制字符".to_owned());
        return None;
    }
    Some(t)
}

/// Submits form `kind` for household `id` with the entered `pairs`: saved, or the form with each invalid
/// field's message (nothing written).
pub fn submit(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    kind: FormKind,
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<FormOutcome, AppError> {
    let rec = admitted(backend, user, scope, id)?;
    let fields = fields_of(backend, kind, &rec, today)?;
    let mut p = Parser { pairs, fields };
    let actor = user.account.username.as_str();
    let cadre_id = |t: &str| t.parse::<i64>().ok().map(CadreId);
    let saved = match kind {
        FormKind::AddMeasure => {
            let kind = p.choice("kind", AssistanceType::from_code);
            let description = bounded(&mut p, "description", DESCRIPTION_MAX);
            let started = p.date("started");
            not_after_today(&mut p, "started", started, today);
            let amount = match p.text("amount") {
                None => None,
                Some(t) => match Yuan::parse(&t) {
                    Ok(a) if a.fen() >= 0 => Some(a),
                    Ok(_) => {
                        p.fail("amount", "金额不能为负".to_owned());
                        None
                    }
                    Err(_) => {
                        p.fail(
                            "amount",
                            format!("金额「{t}」无效, 应为元, 如 3000 或 1,500.50"),
                        );
                        None
                    }
                },
            };
            let cadre = p.choice("cadre", cadre_id);
            match (kind, description, started) {
                (Some(kind), Some(description), Some(started)) if !p.has_errors() => {
                    let m = Measure {
                        household: id,
                        kind,
                        description,
                        started,
                        ended: None,
                        amount,
                        case: None,
                        cadre,
                    };
                    backend.add_measure(&m, actor).map(|_| ())
                }
                _ => return Ok(FormOutcome::Invalid(form_of(FormKind::AddMeasure, &rec, p))),
            }
        }
        FormKind::EndMeasure => {
            let measure = p.choice("measure", |t| t.parse::<i64>().ok().map(MeasureId));
            let ended = p.date("ended");
            let started = match measure {
                Some(m) => backend
                    .measures_of(id)?
                    .into_iter()
                    .find(|(mid, _)| *mid == m)
                    .map(|(_, x)| x.started),
                None => None,
            };
            if let (Some(s), Some(e)) = (started, ended) {
                if e < s {
                    p.fail("ended", format!("结束日期 {e} 早于措施开始日期 {s}"));
                }
            }
            match (measure, ended) {
                (Some(m), Some(e)) if !p.has_errors() => backend.end_measure(m, e, actor),
                _ => return Ok(FormOutcome::Invalid(form_of(FormKind::EndMeasure, &rec, p))),
            }
        }
        FormKind::AddVisit => {
            let visited_on = p.date("visited_on");
            not_after_today(&mut p, "visited_on", visited_on, today);
            let purpose = p.choice("purpose", VisitPurpose::from_code);
            let cadre = p.choice("cadre", cadre_id);
            let findings = bounded(&mut p, "findings", FINDINGS_MAX);
            match (visited_on, purpose, findings) {
                (Some(visited_on), Some(purpose), Some(findings)) if !p.has_errors() => {
                    let v = Visit {
                        household: id,
                        cadre,
                        visited_on,
                        purpose,
                        findings,
                    };
                    backend.add_visit(&v, actor).map(|_| ())
                }
                _ => return Ok(FormOutcome::Invalid(form_of(FormKind::AddVisit, &rec, p))),
            }
        }
        FormKind::AssignCadre => {
            let cadre = p.choice("cadre", cadre_id);
            let from = p.date("from");
            let to = p.date("to");
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    p.fail("to", format!("结对结束日期 {t} 早于开始日期 {f}"));
                }
            }
            // Checked here too, so that the message names the field whatever the backend says.
            if let (Some(c), Some(f)) = (cadre, from) {
                let taken = backend
                    .cadres_of(id)?
                    .iter()
                    .any(|(_, a)| a.cadre == c && a.from == f);
                if taken {
                    p.fail("from", format!("该干部已于 {f} 起与此户结对"));
                }
            }
            match (cadre, from) {
                (Some(cadre), Some(from)) if !p.has_errors() => {
                    let a = Assignment {
                        cadre,
                        household: id,
                        from,
                        to,
                    };
                    match backend.assign_cadre(&a, actor) {
                        Err(DataError::Duplicate(_)) => {
                            p.fail("from", format!("该干部已于 {from} 起与此户结对"));
                            return Ok(FormOutcome::Invalid(form_of(
                                FormKind::AssignCadre,
                                &rec,
                                p,
                            )));
                        }
                        other => other,
                    }
                }
                _ => {
                    return Ok(FormOutcome::Invalid(form_of(
                        FormKind::AssignCadre,
                        &rec,
                        p,
                    )))
                }
            }
        }
    };
    saved?;
    Ok(FormOutcome::Saved)
}

fn form_of(kind: FormKind, rec: &HouseholdRecord, p: Parser<'_>) -> FormView {
    FormView {
        kind,
        household: rec.id.0,
        household_number: rec.household.number.as_str().to_owned(),
        fields: p.fields,
    }
}

/// JSON values of an API body as the form's text pairs (numbers and booleans as text; nulls dropped).
pub fn pairs_of_json(body: &serde_json::Value) -> Result<Vec<(String, String)>, AppError> {
    let obj = body.as_object().ok_or(AppError::BadRequest)?;
    Ok(obj
        .iter()
        .filter_map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.clone(), text))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(pairs: &[(String, String)], fields: Vec<FieldView>) -> Parser<'_> {
        Parser { pairs, fields }
    }

    fn pairs(kv: &[(&str, &str)]) -> Vec<(String, String)> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn each_field_gets_its_own_message() {
        let input = pairs(&[
            ("started", "2024-13-01"),
            ("kind", "nonsense"),
            ("description", ""),
        ]);
        let mut p = parser(
            &input,
            vec![
                with_options(
                    field("kind", "mon.kind", "select", true),
                    coded_options(AssistanceType::ALL, |v| v.code(), |v| v.label()),
                ),
                field("description", "mon.description", "text", true),
                field("started", "mon.started", "date", true),
                field("amount", "mon.amount", "text", false),
            ],
        );
        assert_eq!(p.choice("kind", AssistanceType::from_code), None);
        assert_eq!(p.text("description"), None);
        assert_eq!(p.date("started"), None);
        assert_eq!(p.text("amount"), None, "optional and empty");
        let err = |n: &str| p.fields.iter().find(|f| f.name == n).unwrap().error.clone();
        assert_eq!(err("kind").as_deref(), Some("请从列表中选择"));
        assert_eq!(err("description").as_deref(), Some("此项必须填写"));
        assert!(err("started").unwrap().contains("2024-13-01"));
        assert_eq!(err("amount"), None);
        assert_eq!(
            p.fields[2].value, "2024-13-01",
            "what was entered comes back"
        );
    }

    #[test]
    fn a_choice_must_be_one_of_the_listed_options() {
        let input = pairs(&[("cadre", "99")]);
        let mut p = parser(
            &input,
            vec![with_options(
                field("cadre", "mon.cadre", "select", false),
                vec![(String::new(), "—".into()), ("7".into(), "张".into())],
            )],
        );
        // A cadre id that parses but is not offered (another township's cadre) is refused.
        assert_eq!(p.choice("cadre", |t| t.parse::<i64>().ok()), None);
        assert!(p.has_errors());
    }

    #[test]
    fn long_or_control_text_is_refused() {
        let long = "字".repeat(DESCRIPTION_MAX + 1);
        let input = pairs(&[("description", long.as_str()), ("findings", "a\u{7}b")]);
        let mut p = parser(
            &input,
            vec![
                field("description", "mon.description", "text", true),
                field("findings", "mon.findings", "textarea", true),
            ],
        );
        assert_eq!(bounded(&mut p, "description", DESCRIPTION_MAX), None);
        assert_eq!(bounded(&mut p, "findings", FINDINGS_MAX), None);
        assert!(p.fields.iter().all(|f| f.error.is_some()));
    }

    #[test]
    fn json_bodies_become_form_pairs() {
        let v = serde_json::json!({"kind": "employment", "amount": 3000, "cadre": null});
        let mut p = pairs_of_json(&v).unwrap();
        p.sort();
        assert_eq!(p, pairs(&[("amount", "3000"), ("kind", "employment")]));
        assert!(pairs_of_json(&serde_json::json!([1])).is_err());
    }
}
