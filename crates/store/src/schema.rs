//! Column lists of the registry tables and the mapping between rows and domain values.
//!
//! Every statement that touches `household_versions`, `member_versions`, `income_versions` or
//! `status_events` builds its column list from the arrays here, so the writers, the readers and the
//! PostgreSQL COPY type lists cannot drift apart. Enumerations are stored as their stable codes
//! (`code()`, never the Chinese label); sets of codes (other poverty causes, risk types) as the codes joined
//! with `,` in the order given.

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::*;
use postgres::types::Type;

use crate::db::{Get, Val};
use crate::error::{invalid, Result};

/// Column type, for PostgreSQL COPY (SQLite needs none).
#[derive(Clone, Copy)]
pub(crate) enum Ty {
    Int,
    Text,
    Date,
    Ts,
    Bool,
    Float,
}

impl Ty {
    pub fn pg(self) -> Type {
        match self {
            Ty::Int => Type::INT8,
            Ty::Text => Type::TEXT,
            Ty::Date => Type::DATE,
            Ty::Ts => Type::TIMESTAMPTZ,
            Ty::Bool => Type::BOOL,
            Ty::Float => Type::FLOAT8,
        }
    }
}

pub(crate) type Cols = &'static [(&'static str, Ty)];

pub(crate) const HOUSEHOLD_VERSION_COLS: Cols = &[
    ("household_id", Ty::Int),
    ("version", Ty::Int),
    ("effective_from", Ty::Date),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
    ("reason", Ty::Text),
    ("household_no", Ty::Text),
    ("village_code", Ty::Text),
    ("natural_village", Ty::Text),
    ("phone", Ty::Text),
    ("standard", Ty::Text),
    ("attribute", Ty::Text),
    ("main_cause", Ty::Text),
    ("other_causes", Ty::Text),
    ("planned_exit_year", Ty::Int),
    ("housing_area_sqm", Ty::Int),
    ("housing_grade", Ty::Text),
    ("safe_alternative", Ty::Text),
    ("relocation_year", Ty::Int),
    ("relocation_placement", Ty::Text),
    ("relocation_site", Ty::Text),
    ("water_litres_per_person_day", Ty::Int),
    ("water_fetch_minutes", Ty::Int),
    ("water_outage_days_per_year", Ty::Int),
    ("water_quality_ok", Ty::Bool),
    ("water_dry_area", Ty::Bool),
    ("food_clothing_secured", Ty::Bool),
    ("electricity", Ty::Bool),
    ("sanitary_toilet", Ty::Bool),
    ("fuel", Ty::Text),
    ("farmland_mu", Ty::Float),
    ("forest_mu", Ty::Float),
    ("cooperative_member", Ty::Bool),
];

pub(crate) const MEMBER_COLS: Cols = &[
    ("household_id", Ty::Int),
    ("version", Ty::Int),
    ("seq", Ty::Int),
    ("name", Ty::Text),
    ("resident_id", Ty::Text),
    ("sex", Ty::Text),
    ("relationship", Ty::Text),
    ("ethnicity", Ty::Text),
    ("education", Ty::Text),
    ("schooling", Ty::Text),
    ("health", Ty::Text),
    ("labour", Ty::Text),
    ("work_status", Ty::Text),
    ("migrant_months", Ty::Int),
    ("medical_insurance", Ty::Bool),
    ("serious_illness_insurance", Ty::Bool),
    ("pension_insurance", Ty::Bool),
    ("social_assistance", Ty::Text),
];

/// `household_id, version, year`, then one column per [`IncomeComponent`] named by its code, in
/// [`IncomeComponent::ALL`] order (the migration declares them in that order too).
pub(crate) const INCOME_COLS: Cols = &[
    ("household_id", Ty::Int),
    ("version", Ty::Int),
    ("year", Ty::Int),
    ("wages", Ty::Int),
    ("business", Ty::Int),
    ("property_dividend", Ty::Int),
    ("property_other", Ty::Int),
    ("family_planning", Ty::Int),
    ("dibao_benefit", Ty::Int),
    ("tekun_benefit", Ty::Int),
    ("pension", Ty::Int),
    ("eco_compensation", Ty::Int),
    ("other_transfer", Ty::Int),
    ("production_costs", Ty::Int),
];

/// `status_events` without its generated `id`.
pub(crate) const EVENT_COLS: Cols = &[
    ("household_id", Ty::Int),
    ("kind", Ty::Text),
    ("effective", Ty::Date),
    ("monitoring_kind", Ty::Text),
    ("risk_types", Ty::Text),
    ("note", Ty::Text),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];

pub(crate) const HOUSEHOLD_COLS: Cols = &[
    ("id", Ty::Int),
    ("household_no", Ty::Text),
    ("village_code", Ty::Text),
    ("current_version", Ty::Int),
];

/// `a, b, c` (optionally each prefixed with a table alias).
pub(crate) fn col_list(cols: Cols, alias: &str) -> String {
    cols.iter()
        .map(|(c, _)| {
            if alias.is_empty() {
                (*c).to_owned()
            } else {
                format!("{alias}.{c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `INSERT INTO table (cols) VALUES (?, …)`.
pub(crate) fn insert_sql(table: &str, cols: Cols) -> String {
    let marks = vec!["?"; cols.len()].join(", ");
    format!(
        "INSERT INTO {table} ({}) VALUES ({marks})",
        col_list(cols, "")
    )
}

/// `INSERT INTO table (cols) VALUES (?, …), (?, …), …` for `rows` rows (SQLite bulk loads).
pub(crate) fn insert_rows_sql(table: &str, cols: Cols, rows: usize) -> String {
    let one = format!("({})", vec!["?"; cols.len()].join(", "));
    format!(
        "INSERT INTO {table} ({}) VALUES {}",
        col_list(cols, ""),
        vec![one; rows.max(1)].join(", ")
    )
}

pub(crate) fn pg_types(cols: Cols) -> Vec<Type> {
    cols.iter().map(|(_, t)| t.pg()).collect()
}

/// The bookkeeping columns of a household version.
#[derive(Debug, Clone)]
pub(crate) struct VersionMeta {
    pub effective_from: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub reason: String,
}

pub(crate) fn join_codes<T: Copy>(items: &[T], code: fn(T) -> &'static str) -> String {
    items.iter().map(|c| code(*c)).collect::<Vec<_>>().join(",")
}

/// Pushes the values of one `household_versions` row, in [`HOUSEHOLD_VERSION_COLS`] order.
pub(crate) fn household_vals<'a>(
    out: &mut Vec<Val<'a>>,
    id: i64,
    version: i64,
    meta: &'a VersionMeta,
    h: &'a Household,
) {
    let rel = h.relocation.as_ref();
    out.extend([
        Val::I64(id),
        Val::I64(version),
        Val::date(meta.effective_from),
        Val::Ts(meta.recorded_at),
        Val::Str(&meta.recorded_by),
        Val::Str(&meta.reason),
        Val::Str(h.number.as_str()),
        Val::Str(h.village.as_str()),
        Val::opt_str(h.natural_village.as_deref()),
        Val::opt_str(h.phone.as_ref().map(Phone::as_str)),
        Val::Str(h.standard.code()),
        Val::opt_str(h.attribute.map(PoorAttribute::code)),
        Val::opt_str(h.main_cause.map(PovertyCause::code)),
        Val::Owned(join_codes(&h.other_causes, PovertyCause::code)),
        Val::opt_i64(h.planned_exit_year),
        Val::opt_i64(h.housing.area_sqm),
        Val::opt_str(h.housing.grade.map(HousingGrade::code)),
        Val::opt_str(h.housing.safe_alternative.map(SafeHousingAlternative::code)),
        Val::opt_i64(rel.map(|r| r.year)),
        Val::opt_str(rel.map(|r| r.placement.code())),
        Val::opt_str(rel.map(|r| r.site.as_str())),
        Val::opt_i64(h.water.litres_per_person_day),
        Val::opt_i64(h.water.fetch_minutes),
        Val::opt_i64(h.water.outage_days_per_year),
        Val::opt_bool(h.water.quality_ok),
        Val::Bool(h.water.dry_area),
        Val::Bool(h.food_clothing_secured),
        Val::Bool(h.electricity),
        Val::Bool(h.sanitary_toilet),
        Val::opt_str(h.fuel.map(FuelType::code)),
        Val::opt_f64(h.farmland_mu),
        Val::opt_f64(h.forest_mu),
        Val::Bool(h.cooperative_member),
    ]);
}

/// Pushes one `member_versions` row; `seq` is the member's 1-based position in the household.
pub(crate) fn member_vals<'a>(
    out: &mut Vec<Val<'a>>,
    id: i64,
    version: i64,
    seq: i64,
    m: &'a Member,
) {
    out.extend([
        Val::I64(id),
        Val::I64(version),
        Val::I64(seq),
        Val::Str(m.name.as_str()),
        Val::Str(m.resident_id.as_str()),
        Val::Str(m.sex.code()),
        Val::Str(m.relationship.code()),
        Val::Str(&m.ethnicity),
        Val::opt_str(m.education.map(Education::code)),
        Val::opt_str(m.schooling.map(SchoolingStatus::code)),
        Val::Str(m.health.code()),
        Val::opt_str(m.labour.map(LabourAbility::code)),
        Val::Str(m.work_status.code()),
        Val::I64(i64::from(m.migrant_months.get())),
        Val::Bool(m.medical_insurance),
        Val::Bool(m.serious_illness_insurance),
        Val::Bool(m.pension_insurance),
        Val::Str(m.social_assistance.code()),
    ]);
}

pub(crate) fn income_vals<'a>(out: &mut Vec<Val<'a>>, id: i64, version: i64, r: &IncomeRecord) {
    out.extend([Val::I64(id), Val::I64(version), Val::I64(i64::from(r.year))]);
    out.extend(r.amounts().iter().map(|y| Val::I64(y.fen())));
}

pub(crate) fn event_vals<'a>(
    out: &mut Vec<Val<'a>>,
    id: i64,
    e: &'a StatusEvent,
    recorded_at: DateTime<Utc>,
    recorded_by: &'a str,
) {
    out.extend([
        Val::I64(id),
        Val::Str(e.kind.code()),
        Val::date(e.effective),
        Val::opt_str(e.monitoring_kind.map(MonitoringKind::code)),
        Val::Owned(join_codes(&e.risk_types, RiskType::code)),
        Val::Str(&e.note),
        Val::Ts(recorded_at),
        Val::Str(recorded_by),
    ]);
}

pub(crate) fn code<T>(table: &str, col: &str, s: &str, f: fn(&str) -> Option<T>) -> Result<T> {
    f(s).ok_or_else(|| invalid(table, col, s))
}

pub(crate) fn opt_code<T>(
    table: &str,
    col: &str,
    s: Option<&str>,
    f: fn(&str) -> Option<T>,
) -> Result<Option<T>> {
    s.map(|s| code(table, col, s, f)).transpose()
}

pub(crate) fn codes<T>(
    table: &str,
    col: &str,
    s: &str,
    f: fn(&str) -> Option<T>,
) -> Result<Vec<T>> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',').map(|c| code(table, col, c, f)).collect()
}

fn small<T: TryFrom<i64>>(table: &str, col: &str, v: Option<i64>) -> Result<Option<T>> {
    v.map(|v| T::try_from(v).map_err(|_| invalid(table, col, v)))
        .transpose()
}

/// A decoded `household_versions` row (members, incomes and events left empty).
pub(crate) struct VersionRow {
    pub id: i64,
    pub version: i64,
    pub meta: VersionMeta,
    pub household: Household,
}

/// Decodes [`HOUSEHOLD_VERSION_COLS`] starting at column `o`.
pub(crate) fn decode_version(r: &dyn Get, o: usize) -> Result<VersionRow> {
    const T: &str = "household_versions";
    let number = r.str(o + 6)?;
    let village = r.str(o + 7)?;
    let phone = r.opt_str(o + 9)?;
    let rel_year = small::<u16>(T, "relocation_year", r.opt_i64(o + 18)?)?;
    let relocation = match rel_year {
        None => None,
        Some(year) => Some(Relocation {
            year,
            placement: code(
                T,
                "relocation_placement",
                r.opt_str(o + 19)?.unwrap_or_default(),
                RelocationPlacement::from_code,
            )?,
            site: r.opt_str(o + 20)?.unwrap_or_default().to_owned(),
        }),
    };
    let household = Household {
        number: HouseholdNo::parse(number).map_err(|_| invalid(T, "household_no", number))?,
        village: AreaCode::parse(village).map_err(|_| invalid(T, "village_code", village))?,
        natural_village: r.opt_str(o + 8)?.map(str::to_owned),
        phone: phone
            .map(|p| Phone::parse(p).map_err(|_| invalid(T, "phone", p)))
            .transpose()?,
        standard: code(
            T,
            "standard",
            r.str(o + 10)?,
            IdentificationStandard::from_code,
        )?,
        attribute: opt_code(T, "attribute", r.opt_str(o + 11)?, PoorAttribute::from_code)?,
        main_cause: opt_code(T, "main_cause", r.opt_str(o + 12)?, PovertyCause::from_code)?,
        other_causes: codes(T, "other_causes", r.str(o + 13)?, PovertyCause::from_code)?,
        planned_exit_year: small(T, "planned_exit_year", r.opt_i64(o + 14)?)?,
        housing: Housing {
            area_sqm: small(T, "housing_area_sqm", r.opt_i64(o + 15)?)?,
            grade: opt_code(
                T,
                "housing_grade",
                r.opt_str(o + 16)?,
                HousingGrade::from_code,
            )?,
            safe_alternative: opt_code(
                T,
                "safe_alternative",
                r.opt_str(o + 17)?,
                SafeHousingAlternative::from_code,
            )?,
        },
        relocation,
        water: Water {
            litres_per_person_day: small(T, "water_litres_per_person_day", r.opt_i64(o + 21)?)?,
            fetch_minutes: small(T, "water_fetch_minutes", r.opt_i64(o + 22)?)?,
            outage_days_per_year: small(T, "water_outage_days_per_year", r.opt_i64(o + 23)?)?,
            quality_ok: r.opt_bool(o + 24)?,
            dry_area: r.bool(o + 25)?,
        },
        food_clothing_secured: r.bool(o + 26)?,
        electricity: r.bool(o + 27)?,
        sanitary_toilet: r.bool(o + 28)?,
        fuel: opt_code(T, "fuel", r.opt_str(o + 29)?, FuelType::from_code)?,
        farmland_mu: r.opt_f64(o + 30)?,
        forest_mu: r.opt_f64(o + 31)?,
        cooperative_member: r.bool(o + 32)?,
        members: Vec::new(),
        incomes: Vec::new(),
    };
    Ok(VersionRow {
        id: r.i64(o)?,
        version: r.i64(o + 1)?,
        meta: VersionMeta {
            effective_from: r.date(o + 2)?,
            recorded_at: r.ts(o + 3)?,
            recorded_by: r.str(o + 4)?.to_owned(),
            reason: r.str(o + 5)?.to_owned(),
        },
        household,
    })
}

/// Decodes [`MEMBER_COLS`]; returns the household id and the member.
pub(crate) fn decode_member(r: &dyn Get) -> Result<(i64, Member)> {
    const T: &str = "member_versions";
    let name = r.str(3)?;
    let rid = r.str(4)?;
    let months = r.i64(13)?;
    let member = Member {
        name: PersonName::parse(name).map_err(|_| invalid(T, "name", name))?,
        // Stored IDs were valid when written; "today" must not make an old record unreadable.
        resident_id: ResidentId::parse_on(rid, NaiveDate::MAX)
            .map_err(|_| invalid(T, "resident_id", rid))?,
        sex: code(T, "sex", r.str(5)?, Sex::from_code)?,
        relationship: code(T, "relationship", r.str(6)?, Relationship::from_code)?,
        ethnicity: r.str(7)?.to_owned(),
        education: opt_code(T, "education", r.opt_str(8)?, Education::from_code)?,
        schooling: opt_code(T, "schooling", r.opt_str(9)?, SchoolingStatus::from_code)?,
        health: code(T, "health", r.str(10)?, Health::from_code)?,
        labour: opt_code(T, "labour", r.opt_str(11)?, LabourAbility::from_code)?,
        work_status: code(T, "work_status", r.str(12)?, WorkStatus::from_code)?,
        migrant_months: MigrantMonths::new(months)
            .map_err(|_| invalid(T, "migrant_months", months))?,
        medical_insurance: r.bool(14)?,
        serious_illness_insurance: r.bool(15)?,
        pension_insurance: r.bool(16)?,
        social_assistance: code(
            T,
            "social_assistance",
            r.str(17)?,
            SocialAssistance::from_code,
        )?,
    };
    Ok((r.i64(0)?, member))
}

/// Decodes [`INCOME_COLS`]; returns the household id and the record.
pub(crate) fn decode_income(r: &dyn Get) -> Result<(i64, IncomeRecord)> {
    let year = r.i64(2)?;
    let year = u16::try_from(year).map_err(|_| invalid("income_versions", "year", year))?;
    let mut record = IncomeRecord::new(year);
    for (i, c) in IncomeComponent::ALL.iter().enumerate() {
        record.set(*c, Yuan::from_fen(r.i64(3 + i)?));
    }
    Ok((r.i64(0)?, record))
}

/// Decodes [`EVENT_COLS`]; returns the household id and the event.
pub(crate) fn decode_event(r: &dyn Get) -> Result<(i64, StatusEvent)> {
    const T: &str = "status_events";
    let event = StatusEvent {
        kind: code(T, "kind", r.str(1)?, StatusEventKind::from_code)?,
        effective: r.date(2)?,
        monitoring_kind: opt_code(
            T,
            "monitoring_kind",
            r.opt_str(3)?,
            MonitoringKind::from_code,
        )?,
        risk_types: codes(T, "risk_types", r.str(4)?, RiskType::from_code)?,
        note: r.str(5)?.to_owned(),
    };
    Ok((r.i64(0)?, event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn income_columns_are_the_component_codes_in_order() {
        let names: Vec<&str> = INCOME_COLS[3..].iter().map(|(n, _)| *n).collect();
        let codes: Vec<&str> = IncomeComponent::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(names, codes);
    }

    #[test]
    fn migrations_declare_every_column() {
        for sql in [
            include_str!("../migrations/sqlite/0001_init.sql"),
            include_str!("../migrations/postgres/0001_init.sql"),
        ] {
            for cols in [HOUSEHOLD_VERSION_COLS, MEMBER_COLS, INCOME_COLS, EVENT_COLS] {
                for (c, _) in cols {
                    assert!(sql.contains(&format!("\n    {c} ")), "{c}");
                }
            }
        }
    }
}
