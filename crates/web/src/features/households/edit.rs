//! Editing a household's facts: the form, field-level validation and the conflict view.
//!
//! * Every field is parsed with core's types (`Phone`, the coded enumerations, bounded numbers), so an
//!   invalid value cannot get into the registry; each invalid field gets its own message and nothing is
//!   written while any field is invalid.
//! * The form carries the version it was based on. The store refuses a stale version
//!   (`DataError::Conflict`); then the form comes back based on the current version, beside a table of
//!   the submitted values and the current ones with the differing fields marked, so the user can redo the
//!   edit. Never a silent overwrite.
//! * The change is written as a new version, audited as the account, in the store's transaction.
//!
//! A field the request does not send keeps its current value (a form always sends all of them).

use std::collections::HashMap;

use chrono::NaiveDate;
use jingzhun_core::{
    Health, Household, HouseholdId, HousingGrade, LabourAbility, Phone, SchoolingStatus, Version,
};
use serde::Serialize;

use crate::access::Scope;
use crate::data::{Backend, DataError};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// Reason recorded with the version when the user gives none.
pub const DEFAULT_REASON: &str = "网页修改农户信息";

/// Longest natural-village name and reason accepted.
const NATURAL_VILLAGE_MAX: usize = 30;
const REASON_MAX: usize = 200;

/// One choice of a select field.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
}

/// One field of the form, as shown and as submitted.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The form name (`phone`, `m0.health`, …).
    pub name: String,
    /// i18n key of the field's label.
    pub label_key: &'static str,
    /// The member the field belongs to (by name), for member fields.
    pub member: Option<String>,
    /// `text`, `tel` or `number` for inputs; ignored when `choices` is not empty.
    pub input: &'static str,
    /// Choices of a select (with `""` first when the field may be empty).
    pub choices: Vec<Choice>,
    /// The raw value (what the user typed, or the current value's code).
    pub value: String,
    /// i18n key of the problem with the value, if any.
    pub error: Option<&'static str>,
}

impl Field {
    /// The value as a person reads it: a select's label, else the text.
    pub fn display(&self) -> String {
        if self.choices.is_empty() {
            return self.value.clone();
        }
        self.choices
            .iter()
            .find(|c| c.code == self.value)
            .map(|c| c.label.to_owned())
            .unwrap_or_else(|| self.value.clone())
    }

    pub fn is_select(&self) -> bool {
        !self.choices.is_empty()
    }
}

/// One row of the conflict view: the submitted value beside the current one.
#[derive(Debug, Clone, Serialize)]
pub struct DiffRow {
    pub label_key: &'static str,
    pub member: Option<String>,
    pub yours: String,
    pub current: String,
    pub differs: bool,
}

/// The conflict view: someone saved a newer version after the form was opened.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    /// The version the refused edit was based on.
    pub based_on: i64,
    /// The current version (the form is now based on it).
    pub current: i64,
    pub current_by: String,
    pub rows: Vec<DiffRow>,
}

/// The edit page.
#[derive(Debug, Clone, Serialize)]
pub struct EditForm {
    pub id: i64,
    pub number: String,
    /// The version the form is based on (sent back as `version`).
    pub version: i64,
    pub fields: Vec<Field>,
    pub reason: String,
    /// i18n key of a problem with the reason.
    pub reason_error: Option<&'static str>,
    pub conflict: Option<ConflictView>,
}

impl EditForm {
    pub fn has_errors(&self) -> bool {
        self.reason_error.is_some() || self.fields.iter().any(|f| f.error.is_some())
    }
}

/// What a submitted edit came to.
#[derive(Debug, Clone)]
pub enum EditOutcome {
    /// Saved as this version (or nothing changed: the current version).
    Saved(Version),
    /// Some field is invalid; nothing was written.
    Invalid(EditForm),
    /// The form was based on a stale version; nothing was written.
    Conflict(EditForm),
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    optional: bool,
) -> Vec<Choice> {
    let mut out = Vec::with_capacity(all.len() + 1);
    if optional {
        out.push(Choice {
            code: "",
            label: "—",
        });
    }
    out.extend(all.iter().map(|v| Choice {
        code: code(*v),
        label: label(*v),
    }));
    out
}

fn yes_no(optional: bool) -> Vec<Choice> {
    let mut out = Vec::with_capacity(3);
    if optional {
        out.push(Choice {
            code: "",
            label: "—",
        });
    }
    out.push(Choice {
        code: "yes",
        label: "是",
    });
    out.push(Choice {
        code: "no",
        label: "否",
    });
    out
}

fn bool_code(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn opt_num(n: Option<u16>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn field(
    name: impl Into<String>,
    label_key: &'static str,
    input: &'static str,
    value: String,
) -> Field {
    Field {
        name: name.into(),
        label_key,
        member: None,
        input,
        choices: Vec::new(),
        value,
        error: None,
    }
}

fn select(
    name: impl Into<String>,
    label_key: &'static str,
    choices: Vec<Choice>,
    value: &str,
) -> Field {
    Field {
        name: name.into(),
        label_key,
        member: None,
        input: "text",
        choices,
        value: value.to_owned(),
        error: None,
    }
}

/// The form's fields with `h`'s current values.
pub fn fields_of(h: &Household) -> Vec<Field> {
    let mut f = vec![
        field(
            "phone",
            "hh.phone",
            "tel",
            h.phone
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
        ),
        field(
            "natural_village",
            "hh.natural_village",
            "text",
            h.natural_village.clone().unwrap_or_default(),
        ),
        select(
            "housing_grade",
            "edit.housing_grade",
            choices(HousingGrade::ALL, |v| v.code(), |v| v.label(), true),
            h.housing.grade.map(|g| g.code()).unwrap_or(""),
        ),
        field(
            "water_litres",
            "edit.water_litres",
            "number",
            opt_num(h.water.litres_per_person_day),
        ),
        field(
            "water_fetch_minutes",
            "edit.water_fetch_minutes",
            "number",
            opt_num(h.water.fetch_minutes),
        ),
        field(
            "water_outage_days",
            "edit.water_outage_days",
            "number",
            opt_num(h.water.outage_days_per_year),
        ),
        select(
            "water_quality_ok",
            "edit.water_quality_ok",
            yes_no(true),
            h.water.quality_ok.map(bool_code).unwrap_or(""),
        ),
        select(
            "food_clothing_secured",
            "edit.food_clothing_secured",
            yes_no(false),
            bool_code(h.food_clothing_secured),
        ),
    ];
    for (i, m) in h.members.iter().enumerate() {
        let name = m.name.as_str().to_owned();
        let mut member_fields = [
            select(
                format!("m{i}.schooling"),
                "edit.schooling",
                choices(SchoolingStatus::ALL, |v| v.code(), |v| v.label(), true),
                m.schooling.map(|s| s.code()).unwrap_or(""),
            ),
            select(
                format!("m{i}.health"),
                "member.health",
                choices(Health::ALL, |v| v.code(), |v| v.label(), false),
                m.health.code(),
            ),
            select(
                format!("m{i}.labour"),
                "member.labour",
                choices(LabourAbility::ALL, |v| v.code(), |v| v.label(), true),
                m.labour.map(|l| l.code()).unwrap_or(""),
            ),
            select(
                format!("m{i}.medical_insurance"),
                "edit.medical_insurance",
                yes_no(false),
                bool_code(m.medical_insurance),
            ),
        ];
        for mf in &mut member_fields {
            mf.member = Some(name.clone());
        }
        f.extend(member_fields);
    }
    f
}

/// Parses a bounded whole number; empty is `None`.
fn number(text: &str, max: u16) -> Result<Option<u16>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u16>() {
        Ok(n) if n <= max => Ok(Some(n)),
        _ => Err(()),
    }
}

fn yes_no_value(text: &str) -> Result<Option<bool>, ()> {
    match text {
        "" => Ok(None),
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// Applies the fields to a copy of `base`, parsing each with core's types; marks every invalid field.
fn apply(fields: &mut [Field], base: &Household) -> Option<Household> {
    let mut h = base.clone();
    for f in fields.iter_mut() {
        let v = f.value.trim().to_owned();
        let member = f
            .name
            .strip_prefix('m')
            .and_then(|rest| rest.split_once('.'))
            .and_then(|(i, key)| i.parse::<usize>().ok().map(|i| (i, key.to_owned())));
        let error: Option<&'static str> = match (f.name.as_str(), member) {
            ("phone", _) => {
                if v.is_empty() {
                    h.phone = None;
                    None
                } else {
                    match Phone::parse(&v) {
                        Ok(p) => {
                            h.phone = Some(p);
                            None
                        }
                        Err(_) => Some("edit.err.phone"),
                    }
                }
            }
            ("natural_village", _) => {
                let n = jingzhun_core::text::normalize(&v);
                // As typed: a line break or a bidirectional override is refused, not normalised away.
                if n.chars().count() > NATURAL_VILLAGE_MAX
                    || jingzhun_core::text::first_forbidden(&v).is_some()
                {
                    Some("edit.err.natural_village")
                } else {
                    h.natural_village = (!n.is_empty()).then_some(n);
                    None
                }
            }
            ("housing_grade", _) => {
                if v.is_empty() {
                    h.housing.grade = None;
                    None
                } else {
                    match HousingGrade::from_code(&v) {
                        Some(g) => {
                            h.housing.grade = Some(g);
                            None
                        }
                        None => Some("edit.err.choice"),
                    }
                }
            }
            ("water_litres", _) => match number(&v, 1000) {
                Ok(n) => {
                    h.water.litres_per_person_day = n;
                    None
                }
                Err(()) => Some("edit.err.water_litres"),
            },
            ("water_fetch_minutes", _) => match number(&v, 1440) {
                Ok(n) => {
                    h.water.fetch_minutes = n;
                    None
                }
                Err(()) => Some("edit.err.water_fetch_minutes"),
            },
            ("water_outage_days", _) => match number(&v, 366) {
                Ok(n) => {
                    h.water.outage_days_per_year = n;
                    None
                }
                Err(()) => Some("edit.err.water_outage_days"),
            },
            ("water_quality_ok", _) => match yes_no_value(&v) {
                Ok(b) => {
                    h.water.quality_ok = b;
                    None
                }
                Err(()) => Some("edit.err.choice"),
            },
            ("food_clothing_secured", _) => match yes_no_value(&v) {
                Ok(Some(b)) => {
                    h.food_clothing_secured = b;
                    None
                }
                _ => Some("edit.err.required_choice"),
            },
            (_, Some((i, key))) => match h.members.get_mut(i) {
                None => Some("edit.err.choice"),
                Some(m) => match key.as_str() {
                    "schooling" if v.is_empty() => {
                        m.schooling = None;
                        None
                    }
                    "schooling" => match SchoolingStatus::from_code(&v) {
                        Some(s) => {
                            m.schooling = Some(s);
                            None
                        }
                        None => Some("edit.err.choice"),
                    },
                    "health" => match Health::from_code(&v) {
                        Some(x) => {
                            m.health = x;
                            None
                        }
                        None => Some("edit.err.required_choice"),
                    },
                    "labour" if v.is_empty() => {
                        m.labour = None;
                        None
                    }
                    "labour" => match LabourAbility::from_code(&v) {
                        Some(l) => {
                            m.labour = Some(l);
                            None
                        }
                        None => Some("edit.err.choice"),
                    },
                    "medical_insurance" => match yes_no_value(&v) {
                        Ok(Some(b)) => {
                            m.medical_insurance = b;
                            None
                        }
                        _ => Some("edit.err.required_choice"),
                    },
                    _ => Some("edit.err.choice"),
                },
            },
            _ => Some("edit.err.choice"),
        };
        f.error = error;
    }
    fields.iter().all(|f| f.error.is_none()).then_some(h)
}

/// Loads a household for editing: not found (and audited) outside the scope.
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

/// The edit form of `id`, with the current values and version.
pub fn edit_form(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
) -> Result<EditForm, AppError> {
    let rec = load(backend, user, scope, id)?;
    // The form shows the phone number as stored (to edit it): a view of personal data, audited.
    if rec.household.phone.is_some() {
        crate::http::security::audit_personal_view(
            backend,
            user,
            "household",
            &id.0.to_string(),
            "edit_form",
            serde_json::Value::Null,
        );
    }
    Ok(EditForm {
        id: rec.id.0,
        number: rec.household.number.as_str().to_owned(),
        version: rec.version.0,
        fields: fields_of(&rec.household),
        reason: String::new(),
        reason_error: None,
        conflict: None,
    })
}

/// [`submit`] for the JSON API: a field the household's form does not have is refused (`Err` with the
/// names, answered 422 naming them) rather than silently ignored. Checked after the scope, so that the
/// answer does not tell whether a household outside it exists.
pub fn submit_exact(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<Result<EditOutcome, Vec<String>>, AppError> {
    let rec = load(backend, user, scope, id)?;
    let known: std::collections::HashSet<String> = fields_of(&rec.household)
        .into_iter()
        .map(|f| f.name)
        .collect();
    let unknown: Vec<String> = pairs
        .iter()
        .map(|(k, _)| k)
        .filter(|k| *k != "version" && *k != "reason" && !known.contains(*k))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Ok(Err(unknown));
    }
    submit(backend, user, scope, id, pairs, today).map(Ok)
}

/// Submits an edit of `id` (the form's name–value pairs, including `version` and `reason`), effective
/// `today`, audited as the account.
pub fn submit(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<EditOutcome, AppError> {
    let rec = load(backend, user, scope, id)?;
    let sent: HashMap<&str, &str> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let based_on = sent
        .get("version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or(AppError::BadRequest)?;
    let mut fields = fields_of(&rec.household);
    for f in &mut fields {
        if let Some(v) = sent.get(f.name.as_str()) {
            f.value = (*v).to_owned();
        }
    }
    let typed_reason = sent.get("reason").copied().unwrap_or("");
    let reason = jingzhun_core::text::normalize(typed_reason);
    let reason_error = (reason.chars().count() > REASON_MAX
        || jingzhun_core::text::first_forbidden(typed_reason).is_some())
    .then_some("edit.err.reason");
    let edited = apply(&mut fields, &rec.household);
    let form = |fields: Vec<Field>, version: i64, conflict: Option<ConflictView>| EditForm {
        id: rec.id.0,
        number: rec.household.number.as_str().to_owned(),
        version,
        fields,
        reason: reason.clone(),
        reason_error,
        conflict,
    };
    let edited = match (edited, reason_error) {
        (Some(h), None) => h,
        _ => return Ok(EditOutcome::Invalid(form(fields, based_on, None))),
    };
    if based_on == rec.version.0 && edited == rec.household {
        return Ok(EditOutcome::Saved(rec.version));
    }
    let why = if reason.is_empty() {
        DEFAULT_REASON
    } else {
        reason.as_str()
    };
    match backend.update_household(
        id,
        Version(based_on),
        &edited,
        today,
        &user.account.username,
        why,
    ) {
        Ok(v) => Ok(EditOutcome::Saved(v)),
        Err(DataError::Conflict) => {
            // Compare with what is current now (it may be newer than what was read above).
            let now = backend.household(id)?;
            let current = fields_of(&now.household);
            let rows = fields
                .iter()
                .map(|mine| {
                    let cur = current.iter().find(|c| c.name == mine.name);
                    DiffRow {
                        label_key: mine.label_key,
                        member: mine.member.clone(),
                        yours: mine.display(),
                        current: cur.map(Field::display).unwrap_or_default(),
                        differs: cur.is_none_or(|c| c.value.trim() != mine.value.trim()),
                    }
                })
                .collect();
            let conflict = ConflictView {
                based_on,
                current: now.version.0,
                current_by: now
                    .versions
                    .iter()
                    .max_by_key(|v| v.version)
                    .map(|v| {
                        crate::features::monitoring::cases::person_name(backend, &v.recorded_by)
                    })
                    .unwrap_or_default(),
                rows,
            };
            Ok(EditOutcome::Conflict(form(
                current,
                now.version.0,
                Some(conflict),
            )))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Household {
        use jingzhun_core::*;
        let id = {
            let first = "51190219700101001";
            let c = resident_id::check_character(first.as_bytes());
            ResidentId::parse(&format!("{first}{c}")).unwrap()
        };
        Household {
            number: HouseholdNo::parse("5119020010010001").unwrap(),
            village: AreaCode::parse("511902001001").unwrap(),
            natural_village: None,
            phone: None,
            standard: IdentificationStandard::National,
            attribute: None,
            main_cause: None,
            other_causes: vec![],
            planned_exit_year: None,
            housing: Housing::default(),
            relocation: None,
            water: Water::default(),
            food_clothing_secured: true,
            electricity: true,
            sanitary_toilet: true,
            fuel: None,
            farmland_mu: None,
            forest_mu: None,
            cooperative_member: false,
            members: vec![Member {
                name: PersonName::parse("张三").unwrap(),
                sex: id.sex(),
                resident_id: id,
                relationship: Relationship::Head,
                ethnicity: "汉族".into(),
                education: None,
                schooling: None,
                health: Health::Healthy,
                labour: None,
                work_status: WorkStatus::NotMigrant,
                migrant_months: MigrantMonths::new(0).unwrap(),
                medical_insurance: true,
                serious_illness_insurance: false,
                pension_insurance: false,
                social_assistance: SocialAssistance::NoAssistance,
            }],
            incomes: vec![],
        }
    }

    fn with(h: &Household, name: &str, value: &str) -> (Vec<Field>, Option<Household>) {
        let mut fields = fields_of(h);
        for f in &mut fields {
            if f.name == name {
                f.value = value.to_owned();
            }
        }
        let out = apply(&mut fields, h);
        (fields, out)
    }

    fn error_of(fields: &[Field], name: &str) -> Option<&'static str> {
        fields.iter().find(|f| f.name == name).and_then(|f| f.error)
    }

    #[test]
    fn unchanged_fields_give_back_the_same_household() {
        let h = sample();
        let mut fields = fields_of(&h);
        assert_eq!(apply(&mut fields, &h), Some(h));
    }

    #[test]
    fn each_field_is_parsed_with_its_type() {
        let h = sample();
        for (name, bad, key) in [
            ("phone", "0000", "edit.err.phone"),
            ("water_litres", "-1", "edit.err.water_litres"),
            ("water_litres", "1001", "edit.err.water_litres"),
            ("water_fetch_minutes", "1.5", "edit.err.water_fetch_minutes"),
            ("water_outage_days", "400", "edit.err.water_outage_days"),
            ("water_quality_ok", "maybe", "edit.err.choice"),
            ("food_clothing_secured", "", "edit.err.required_choice"),
            ("housing_grade", "E", "edit.err.choice"),
            ("m0.schooling", "school", "edit.err.choice"),
            ("m0.health", "", "edit.err.required_choice"),
            ("m0.medical_insurance", "", "edit.err.required_choice"),
            (
                "natural_village",
                &"组".repeat(31),
                "edit.err.natural_village",
            ),
        ] {
            let (fields, out) = with(&h, name, bad);
            assert!(out.is_none(), "{name}={bad} is refused");
            assert_eq!(error_of(&fields, name), Some(key), "{name}={bad}");
            let others = fields.iter().filter(|f| f.error.is_some()).count();
            assert_eq!(others, 1, "only {name} is marked");
        }
        let (_, out) = with(&h, "phone", "138 1234 5678");
        assert_eq!(out.unwrap().phone.unwrap().as_str(), "13812345678");
        let (_, out) = with(&h, "m0.health", "serious_illness");
        assert_eq!(out.unwrap().members[0].health, Health::SeriousIllness);
        let (_, out) = with(&h, "water_quality_ok", "no");
        assert_eq!(out.unwrap().water.quality_ok, Some(false));
    }
}
