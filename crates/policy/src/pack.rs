//! Policy packs: the parameters of the rules as data, with their sources.
//!
//! A pack is one or more TOML files. Each file is a *layer* for one region: the national default (no `area`),
//! a province (`area = "51"`), a city (`area = "5119"`) or a county. For a year and an area, the effective
//! value of each parameter comes from the most specific layer that contains the area and has an entry for
//! that year. Every entry carries its `source` and `reliability`; entries marked `assumed` must say how the
//! value was derived (`derivation`).
//!
//! ```toml
//! [pack]
//! name = "全国默认"
//! version = "2025.1"
//!
//! [[value]]
//! param = "poverty_line"
//! years = "2016-2017"
//! value = 2952
//! reliability = "weak"
//! source = "国家统计局农村贫困监测报告(二手资料)"
//! ```
//!
//! This module does no I/O: the caller reads the files and hands their text in.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use jingzhun_core::{AreaCode, IncomeComponent, Yuan};
use serde::Serialize;
use sha2::{Digest, Sha256};
use toml_edit::{ImDocument, Item, Table, Value};

jingzhun_core::labeled_enum! {
    /// How far a value can be trusted (domain notes: official / local / weak; plus assumed).
    pub enum Reliability {
        Official = ("official", "官方文件"),
        Local = ("local", "地方做法"),
        Weak = ("weak", "二手资料"),
        Assumed = ("assumed", "假设值"),
    }
}

jingzhun_core::labeled_enum! {
    /// Every parameter a pack can set. The code is the `param` key in the TOML files.
    pub enum ParamKey {
        PovertyLine = ("poverty_line", "贫困线"),
        MonitoringThreshold = ("monitoring_threshold", "监测线"),
        CountedIncomeComponents = ("counted_income_components", "计入纯收入的收入项"),
        VillageExitIncidence = ("village_exit_incidence", "贫困村退出贫困发生率上限"),
        CountyExitIncidence = ("county_exit_incidence", "贫困县退出贫困发生率上限"),
        CountyWrongExitRate = ("county_wrong_exit_rate", "贫困县退出错退率上限"),
        CountyOmissionRate = ("county_omission_rate", "贫困县退出漏评率上限"),
        CountyApprovalMin = ("county_approval_min", "贫困县退出群众认可度下限"),
        CompulsorySchoolAgeMin = ("compulsory_school_age_min", "义务教育起始年龄"),
        CompulsorySchoolAgeMax = ("compulsory_school_age_max", "义务教育截止年龄"),
        WaterLitresMin = ("water_litres_min", "人均日供水量下限"),
        WaterLitresMinDry = ("water_litres_min_dry", "干旱地区人均日供水量下限"),
        WaterFetchMinutesMax = ("water_fetch_minutes_max", "取水往返时间上限"),
        WaterOutageDaysMax = ("water_outage_days_max", "年停水天数上限"),
        EliminationStableIncomeMonths = ("elimination_stable_income_months", "风险消除收入稳定月数"),
        EliminationMinMonthsMonitored = ("elimination_min_months_monitored", "风险消除最短监测月数"),
        EliminationMinMeasures = ("elimination_min_measures", "风险消除最少帮扶措施数"),
        EliminationNoLabourException = ("elimination_no_labour_exception", "无劳动能力户不标注风险消除"),
        IdentificationDaysLimit = ("identification_days_limit", "监测对象识别时限"),
        NoticeDays = ("notice_days", "村内公示天数"),
        AlertMedicalInpatientExited = ("alert_medical_inpatient_exited", "医保预警: 脱贫户住院自付"),
        AlertMedicalInpatientOther = ("alert_medical_inpatient_other", "医保预警: 其他户住院自付"),
        AlertOutpatientMonthly = ("alert_outpatient_monthly", "医保预警: 月门诊自付"),
        AlertEducation = ("alert_education", "教育预警: 高中及职教自付"),
        RegistrationOpen = ("registration_open", "开展贫困户识别"),
        MonitoringOpen = ("monitoring_open", "开展防返贫监测"),
    }
}

/// The kind of value a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Yuan per year (or per month for the outpatient alert); integer or decimal.
    Yuan,
    /// A percentage, written as a number of percent (`3` or `2.5`), up to two decimals.
    Percent,
    /// A whole number (ages, litres, minutes, days, months, counts).
    Count,
    Bool,
    /// A list of income component codes.
    Components,
}

impl ParamKey {
    pub fn kind(self) -> ParamKind {
        use ParamKey::*;
        match self {
            PovertyLine
            | MonitoringThreshold
            | AlertMedicalInpatientExited
            | AlertMedicalInpatientOther
            | AlertOutpatientMonthly
            | AlertEducation => ParamKind::Yuan,
            CountedIncomeComponents => ParamKind::Components,
            VillageExitIncidence | CountyExitIncidence | CountyWrongExitRate
            | CountyOmissionRate | CountyApprovalMin => ParamKind::Percent,
            EliminationNoLabourException | RegistrationOpen | MonitoringOpen => ParamKind::Bool,
            _ => ParamKind::Count,
        }
    }

    /// Unit shown after a value.
    pub fn unit(self) -> &'static str {
        use ParamKey::*;
        match self {
            CompulsorySchoolAgeMin | CompulsorySchoolAgeMax => "岁",
            WaterLitresMin | WaterLitresMinDry => "升/人·日",
            WaterFetchMinutesMax => "分钟",
            WaterOutageDaysMax | IdentificationDaysLimit | NoticeDays => "天",
            EliminationStableIncomeMonths | EliminationMinMonthsMonitored => "个月",
            EliminationMinMeasures => "项",
            _ => match self.kind() {
                ParamKind::Yuan => "元",
                ParamKind::Percent => "%",
                _ => "",
            },
        }
    }
}

/// A rate in hundredths of a percent (basis points), so that comparisons are exact: 3% is `Rate(300)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Rate(pub u32);

impl Rate {
    pub const fn percent(p: u32) -> Self {
        Rate(p * 100)
    }

    /// Whether `part / whole` is strictly below this rate (exact integer arithmetic). An empty whole is
    /// below any positive rate.
    pub fn exceeds_ratio(self, part: u64, whole: u64) -> bool {
        u128::from(part) * 10_000 < u128::from(self.0) * u128::from(whole)
    }

    /// `part / whole` as a rate, rounded to the nearest basis point (`None` when `whole` is 0).
    pub fn of(part: u64, whole: u64) -> Option<Rate> {
        if whole == 0 {
            return None;
        }
        let bp = (u128::from(part) * 10_000 + u128::from(whole) / 2) / u128::from(whole);
        Some(Rate(u32::try_from(bp).unwrap_or(u32::MAX)))
    }
}

impl fmt::Display for Rate {
    /// `3%`, `2.5%`, `16.34%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole}%"),
            x if x % 10 == 0 => write!(f, "{whole}.{}%", x / 10),
            x => write!(f, "{whole}.{x:02}%"),
        }
    }
}

/// A set of income components, as a bit set over [`IncomeComponent::index`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ComponentSet(pub u16);

impl ComponentSet {
    pub fn all() -> Self {
        IncomeComponent::ALL.iter().copied().collect()
    }

    pub fn contains(self, c: IncomeComponent) -> bool {
        self.0 & (1 << c.index()) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = IncomeComponent> {
        IncomeComponent::ALL
            .iter()
            .copied()
            .filter(move |c| self.contains(*c))
    }
}

impl FromIterator<IncomeComponent> for ComponentSet {
    fn from_iter<T: IntoIterator<Item = IncomeComponent>>(iter: T) -> Self {
        ComponentSet(iter.into_iter().fold(0, |acc, c| acc | (1 << c.index())))
    }
}

impl Serialize for ComponentSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// One parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum ParamValue {
    Yuan(Yuan),
    Percent(Rate),
    Count(u32),
    Bool(bool),
    Components(ComponentSet),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Yuan(y) => write!(f, "{y}"),
            ParamValue::Percent(r) => write!(f, "{r}"),
            ParamValue::Count(n) => write!(f, "{n}"),
            ParamValue::Bool(b) => f.write_str(if *b { "是" } else { "否" }),
            ParamValue::Components(set) => {
                let labels: Vec<&str> = set.iter().map(|c| c.label()).collect();
                f.write_str(&labels.join("、"))
            }
        }
    }
}

/// The parameters the rules read, for one year and one area. Small and `Copy`, for the engine's hot loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Params {
    pub poverty_line: Yuan,
    pub monitoring_threshold: Yuan,
    pub counted_components: ComponentSet,
    pub village_exit_incidence: Rate,
    pub county_exit_incidence: Rate,
    pub county_wrong_exit_rate: Rate,
    pub county_omission_rate: Rate,
    pub county_approval_min: Rate,
    pub compulsory_school_age_min: u8,
    pub compulsory_school_age_max: u8,
    pub water_litres_min: u16,
    pub water_litres_min_dry: u16,
    pub water_fetch_minutes_max: u16,
    pub water_outage_days_max: u16,
    pub elimination_stable_income_months: u8,
    pub elimination_min_months_monitored: u8,
    pub elimination_min_measures: u8,
    pub elimination_no_labour_exception: bool,
    pub identification_days_limit: u16,
    /// Days the village notice (公示) of a village review stays up; the township reviews after it ends.
    pub notice_days: u16,
    pub alert_medical_inpatient_exited: Yuan,
    pub alert_medical_inpatient_other: Yuan,
    pub alert_outpatient_monthly: Yuan,
    pub alert_education: Yuan,
    pub registration_open: bool,
    pub monitoring_open: bool,
}

impl Params {
    fn from_values(values: &BTreeMap<ParamKey, ParamValue>) -> Result<Self, ParamKey> {
        let yuan = |k: ParamKey| match values.get(&k) {
            Some(ParamValue::Yuan(y)) => Ok(*y),
            _ => Err(k),
        };
        let rate = |k: ParamKey| match values.get(&k) {
            Some(ParamValue::Percent(r)) => Ok(*r),
            _ => Err(k),
        };
        let count = |k: ParamKey| match values.get(&k) {
            Some(ParamValue::Count(n)) => Ok(*n),
            _ => Err(k),
        };
        let small = |k: ParamKey| count(k).map(|n| u8::try_from(n).unwrap_or(u8::MAX));
        let medium = |k: ParamKey| count(k).map(|n| u16::try_from(n).unwrap_or(u16::MAX));
        let flag = |k: ParamKey| match values.get(&k) {
            Some(ParamValue::Bool(b)) => Ok(*b),
            _ => Err(k),
        };
        use ParamKey::*;
        Ok(Params {
            poverty_line: yuan(PovertyLine)?,
            monitoring_threshold: yuan(MonitoringThreshold)?,
            counted_components: match values.get(&CountedIncomeComponents) {
                Some(ParamValue::Components(c)) => *c,
                _ => return Err(CountedIncomeComponents),
            },
            village_exit_incidence: rate(VillageExitIncidence)?,
            county_exit_incidence: rate(CountyExitIncidence)?,
            county_wrong_exit_rate: rate(CountyWrongExitRate)?,
            county_omission_rate: rate(CountyOmissionRate)?,
            county_approval_min: rate(CountyApprovalMin)?,
            compulsory_school_age_min: small(CompulsorySchoolAgeMin)?,
            compulsory_school_age_max: small(CompulsorySchoolAgeMax)?,
            water_litres_min: medium(WaterLitresMin)?,
            water_litres_min_dry: medium(WaterLitresMinDry)?,
            water_fetch_minutes_max: medium(WaterFetchMinutesMax)?,
            water_outage_days_max: medium(WaterOutageDaysMax)?,
            elimination_stable_income_months: small(EliminationStableIncomeMonths)?,
            elimination_min_months_monitored: small(EliminationMinMonthsMonitored)?,
            elimination_min_measures: small(EliminationMinMeasures)?,
            elimination_no_labour_exception: flag(EliminationNoLabourException)?,
            identification_days_limit: medium(IdentificationDaysLimit)?,
            notice_days: medium(NoticeDays)?,
            alert_medical_inpatient_exited: yuan(AlertMedicalInpatientExited)?,
            alert_medical_inpatient_other: yuan(AlertMedicalInpatientOther)?,
            alert_outpatient_monthly: yuan(AlertOutpatientMonthly)?,
            alert_education: yuan(AlertEducation)?,
            registration_open: flag(RegistrationOpen)?,
            monitoring_open: flag(MonitoringOpen)?,
        })
    }
}

/// Where an effective value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The layer's name (`[pack] name`).
    pub layer: String,
    /// The file name the layer was read from.
    pub file: String,
    /// The layer's area; `None` for the national default.
    pub layer_area: Option<AreaCode>,
    pub years: (u16, u16),
    pub reliability: Reliability,
    pub source: String,
    pub derivation: Option<String>,
    /// 1-based line of the entry in its file.
    pub line: usize,
}

/// The parameters in force for a year and an area, each with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveParams {
    pub year: u16,
    pub area: Option<AreaCode>,
    pub params: Params,
    /// One entry per parameter, in [`ParamKey::ALL`] order.
    pub values: Vec<(ParamKey, ParamValue, Provenance)>,
}

impl EffectiveParams {
    pub fn provenance(&self, key: ParamKey) -> Option<&Provenance> {
        self.values.iter().find(|v| v.0 == key).map(|v| &v.2)
    }

    pub fn value(&self, key: ParamKey) -> Option<ParamValue> {
        self.values.iter().find(|v| v.0 == key).map(|v| v.1)
    }
}

impl fmt::Display for EffectiveParams {
    /// The table `jingzhun policy show` prints: parameter, value, reliability, layer and line, source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let area = self
            .area
            .map(|a| a.to_string())
            .unwrap_or_else(|| "全国".into());
        writeln!(f, "{} 年 {area} 生效的政策参数", self.year)?;
        for (key, value, p) in &self.values {
            let unit = match key.unit() {
                "%" | "" => String::new(),
                u => format!(" {u}"),
            };
            let years = if p.years.0 == p.years.1 {
                format!("{} 年", p.years.0)
            } else {
                format!("{}–{} 年", p.years.0, p.years.1)
            };
            writeln!(
                f,
                "{}({}): {value}{unit}  [{}] 来自 {} ({}:{}, {years}); 出处: {}",
                key.label(),
                key.code(),
                p.reliability.label(),
                p.layer,
                p.file,
                p.line,
                p.source
            )?;
            if let Some(d) = &p.derivation {
                writeln!(f, "    推算方法: {d}")?;
            }
        }
        Ok(())
    }
}

/// A problem in a pack file, located by line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct PackError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Errors of [`PolicyPack::effective`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EffectiveError {
    #[error("{year} 年 {area} 没有参数「{param}」的取值(请在全国默认包中补齐)")]
    Missing {
        year: u16,
        area: String,
        param: ParamKey,
    },
}

/// One `[[value]]` entry of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub param: ParamKey,
    pub from: u16,
    pub to: u16,
    pub value: ParamValue,
    pub reliability: Reliability,
    pub source: String,
    pub derivation: Option<String>,
    pub line: usize,
}

/// One file of a pack: the values of one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub file: String,
    pub name: String,
    pub area: Option<AreaCode>,
    pub version: String,
    pub entries: Vec<Entry>,
}

/// Years every national default must cover.
pub const YEARS: std::ops::RangeInclusive<u16> = 2013..=2026;

const BUILTIN: &[(&str, &str)] = &[
    (
        "national.toml",
        include_str!("../../../policy/national.toml"),
    ),
    ("sichuan.toml", include_str!("../../../policy/sichuan.toml")),
    ("bazhong.toml", include_str!("../../../policy/bazhong.toml")),
];

/// A policy pack: its layers, from the national default to the most specific.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyPack {
    layers: Vec<Layer>,
    hash: String,
}

impl PolicyPack {
    /// The pack shipped in the repository's `policy/` folder, embedded at compile time.
    pub fn builtin() -> Self {
        // The embedded files are checked by this crate's tests; a failure here is a build defect.
        #[allow(clippy::expect_used)]
        Self::from_sources(BUILTIN).expect("内置政策包有误(应被测试发现)")
    }

    /// The embedded files, `(file name, text)`, e.g. for `policy show --builtin` or for writing them out.
    pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
        BUILTIN
    }

    /// Builds a pack from `(file name, text)` pairs (the caller reads the files). All errors of all files
    /// are reported, each with its line.
    pub fn from_sources<N: AsRef<str>, T: AsRef<str>>(
        sources: &[(N, T)],
    ) -> Result<Self, Vec<PackError>> {
        let mut errors = Vec::new();
        let mut layers = Vec::new();
        let mut hasher = Sha256::new();
        for (name, text) in sources {
            hasher.update(name.as_ref().as_bytes());
            hasher.update([0]);
            hasher.update(text.as_ref().as_bytes());
            hasher.update([0]);
            match parse_layer(name.as_ref(), text.as_ref()) {
                Ok(layer) => layers.push(layer),
                Err(mut e) => errors.append(&mut e),
            }
        }
        let mut seen: BTreeMap<Option<AreaCode>, &str> = BTreeMap::new();
        for layer in &layers {
            if let Some(other) = seen.insert(layer.area, &layer.file) {
                errors.push(PackError {
                    file: layer.file.clone(),
                    line: 1,
                    column: 1,
                    message: format!(
                        "区域「{}」已由 {other} 定义, 每个区域只能有一个文件",
                        area_label(layer.area)
                    ),
                });
            }
        }
        match layers.iter().find(|l| l.area.is_none()) {
            None => errors.push(PackError {
                file: sources
                    .first()
                    .map(|s| s.0.as_ref().to_owned())
                    .unwrap_or_default(),
                line: 1,
                column: 1,
                message: "政策包缺少全国默认文件(不设 area 的文件)".into(),
            }),
            Some(national) => {
                for key in ParamKey::ALL {
                    let missing: Vec<u16> = YEARS
                        .filter(|y| {
                            !national
                                .entries
                                .iter()
                                .any(|e| e.param == *key && (e.from..=e.to).contains(y))
                        })
                        .collect();
                    if !missing.is_empty() {
                        errors.push(PackError {
                            file: national.file.clone(),
                            line: 1,
                            column: 1,
                            message: format!(
                                "全国默认文件缺少参数「{}」({}) 在 {} 年的取值",
                                key.label(),
                                key.code(),
                                join_years(&missing)
                            ),
                        });
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        layers.sort_by_key(|l| l.area.map(|a| a.as_str().len()).unwrap_or(0));
        let hash: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self { layers, hash })
    }

    /// Checks one file on its own (syntax, parameter names, types, years, sources). Returns every problem
    /// found, in file order; an empty list means the file is valid.
    pub fn check(file: &str, text: &str) -> Vec<PackError> {
        match parse_layer(file, text) {
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        }
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// SHA-256 of the files' names and texts, in hex: identifies exactly which pack produced a result.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// A short version label: the layers' `version` values and the first 12 hex digits of the hash.
    pub fn version(&self) -> String {
        let versions: Vec<String> = self
            .layers
            .iter()
            .map(|l| format!("{}@{}", l.name, l.version))
            .collect();
        format!("{} #{}", versions.join(", "), &self.hash[..12])
    }

    /// The parameters in force in `year` for `area` (`None`: the national default), each from the most
    /// specific layer containing the area that has an entry for the year.
    pub fn effective(
        &self,
        year: u16,
        area: Option<&AreaCode>,
    ) -> Result<EffectiveParams, EffectiveError> {
        let mut values = Vec::with_capacity(ParamKey::ALL.len());
        let mut map = BTreeMap::new();
        for key in ParamKey::ALL {
            let found = self
                .layers
                .iter()
                .rev()
                .filter(|l| match (l.area, area) {
                    (None, _) => true,
                    (Some(la), Some(a)) => la.contains(a),
                    (Some(_), None) => false,
                })
                .find_map(|l| {
                    l.entries
                        .iter()
                        .find(|e| e.param == *key && e.from <= year && year <= e.to)
                        .map(|e| (l, e))
                });
            let Some((layer, entry)) = found else {
                return Err(EffectiveError::Missing {
                    year,
                    area: area_label(area.copied()),
                    param: *key,
                });
            };
            map.insert(*key, entry.value);
            values.push((
                *key,
                entry.value,
                Provenance {
                    layer: layer.name.clone(),
                    file: layer.file.clone(),
                    layer_area: layer.area,
                    years: (entry.from, entry.to),
                    reliability: entry.reliability,
                    source: entry.source.clone(),
                    derivation: entry.derivation.clone(),
                    line: entry.line,
                },
            ));
        }
        let params = Params::from_values(&map).map_err(|param| EffectiveError::Missing {
            year,
            area: area_label(area.copied()),
            param,
        })?;
        Ok(EffectiveParams {
            year,
            area: area.copied(),
            params,
            values,
        })
    }

    /// A what-if copy of this pack: `values` are in force in `year` for `area` and everything below it,
    /// whatever any layer says; every other value is unchanged. The values go first in the layer of `area`
    /// (a new layer named 推演 when the pack has none) and in every more specific layer inside it, marked
    /// `assumed` with the source 推演调整. The hash covers the changes, so the version differs from the
    /// original's. A value of the wrong kind for its parameter is refused with that parameter.
    pub fn with_overrides(
        &self,
        area: AreaCode,
        year: u16,
        values: &[(ParamKey, ParamValue)],
    ) -> Result<PolicyPack, ParamKey> {
        for (key, value) in values {
            let ok = matches!(
                (key.kind(), value),
                (ParamKind::Yuan, ParamValue::Yuan(_))
                    | (ParamKind::Percent, ParamValue::Percent(_))
                    | (ParamKind::Count, ParamValue::Count(_))
                    | (ParamKind::Bool, ParamValue::Bool(_))
                    | (ParamKind::Components, ParamValue::Components(_))
            );
            if !ok {
                return Err(*key);
            }
        }
        let entries: Vec<Entry> = values
            .iter()
            .map(|(param, value)| Entry {
                param: *param,
                from: year,
                to: year,
                value: *value,
                reliability: Reliability::Assumed,
                source: "推演调整".to_owned(),
                derivation: Some("网页推演中设定的假设值, 不是现行政策".to_owned()),
                line: 0,
            })
            .collect();
        let mut layers = self.layers.clone();
        if !layers.iter().any(|l| l.area == Some(area)) {
            layers.push(Layer {
                file: "whatif".to_owned(),
                name: "推演".to_owned(),
                area: Some(area),
                version: year.to_string(),
                entries: Vec::new(),
            });
            layers.sort_by_key(|l| l.area.map(|a| a.as_str().len()).unwrap_or(0));
        }
        for layer in layers
            .iter_mut()
            .filter(|l| l.area.is_some_and(|la| area.contains(&la)))
        {
            layer.entries.splice(0..0, entries.iter().cloned());
        }
        let mut hasher = Sha256::new();
        hasher.update(self.hash.as_bytes());
        hasher.update(area.as_str().as_bytes());
        hasher.update(year.to_le_bytes());
        for (key, value) in values {
            hasher.update(format!("\0{}={value:?}", key.code()).as_bytes());
        }
        let hash = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(PolicyPack { layers, hash })
    }

    /// The areas of the layers that contain `area`, most specific last. Two areas with the same list get
    /// the same parameters, which lets the engine resolve parameters once per distinct list.
    pub fn layer_key(&self, area: &AreaCode) -> Vec<Option<AreaCode>> {
        self.layers
            .iter()
            .filter(|l| l.area.is_none_or(|la| la.contains(area)))
            .map(|l| l.area)
            .collect()
    }
}

fn area_label(area: Option<AreaCode>) -> String {
    area.map(|a| a.to_string()).unwrap_or_else(|| "全国".into())
}

fn join_years(years: &[u16]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < years.len() {
        let mut j = i;
        while j + 1 < years.len() && years[j + 1] == years[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            years[i].to_string()
        } else {
            format!("{}–{}", years[i], years[j])
        });
        i = j + 1;
    }
    parts.join("、")
}

/// Maps byte offsets to 1-based (line, column in characters).
struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    fn at(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, col)
    }
}

struct Ctx<'a> {
    file: &'a str,
    lines: Lines<'a>,
    errors: Vec<PackError>,
}

impl Ctx<'_> {
    fn err(&mut self, span: Option<Range<usize>>, message: String) {
        let (line, column) = self.lines.at(span.map(|s| s.start).unwrap_or(0));
        self.errors.push(PackError {
            file: self.file.to_owned(),
            line,
            column,
            message,
        });
    }
}

fn parse_layer(file: &str, text: &str) -> Result<Layer, Vec<PackError>> {
    let mut ctx = Ctx {
        file,
        lines: Lines { text },
        errors: Vec::new(),
    };
    let doc = match ImDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let msg = e.message().trim().to_owned();
            ctx.err(e.span(), format!("TOML 语法错误: {msg}"));
            return Err(ctx.errors);
        }
    };
    let root = doc.as_table();
    for (key, item) in root.iter() {
        if key != "pack" && key != "value" {
            let span = root.get_key_value(key).and_then(|(k, _)| k.span());
            ctx.err(
                span.or_else(|| item.span()),
                format!("未知的顶层项「{key}」, 只允许 [pack] 和 [[value]]"),
            );
        }
    }
    let mut name = String::new();
    let mut version = String::new();
    let mut area = None;
    match root.get("pack").and_then(Item::as_table) {
        None => ctx.err(
            Some(0..0),
            "缺少 [pack] 表(name、version、可选 area)".into(),
        ),
        Some(meta) => {
            name = req_str(&mut ctx, meta, "name", "[pack]").unwrap_or_default();
            version = req_str(&mut ctx, meta, "version", "[pack]").unwrap_or_default();
            for (key, _) in meta.iter() {
                if !matches!(key, "name" | "version" | "area" | "notes") {
                    let span = meta.get_key_value(key).and_then(|(k, _)| k.span());
                    ctx.err(span, format!("[pack] 中未知的字段「{key}」"));
                }
            }
            if let Some((k, item)) = meta.get_key_value("area") {
                match item.as_str().map(AreaCode::parse) {
                    Some(Ok(code)) if code.level() == jingzhun_core::AreaLevel::Village => ctx.err(
                        item.span().or(k.span()),
                        "area 不能是村级代码(政策覆盖到省、市、县、乡镇)".into(),
                    ),
                    Some(Ok(code)) => area = Some(code),
                    Some(Err(e)) => ctx.err(item.span().or(k.span()), e.to_string()),
                    None => ctx.err(
                        item.span().or(k.span()),
                        "area 应为行政区划代码字符串, 如 \"51\"".into(),
                    ),
                }
            }
        }
    }
    let mut entries: Vec<Entry> = Vec::new();
    match root.get("value") {
        None => {}
        Some(Item::ArrayOfTables(values)) => {
            for table in values.iter() {
                if let Some(entry) = parse_entry(&mut ctx, table) {
                    if let Some(other) = entries.iter().find(|e| {
                        e.param == entry.param && e.from <= entry.to && entry.from <= e.to
                    }) {
                        let msg = format!(
                            "参数「{}」的年份 {}–{} 与第 {} 行的条目重叠",
                            entry.param.code(),
                            entry.from,
                            entry.to,
                            other.line
                        );
                        let span = table.span();
                        ctx.err(span, msg);
                    }
                    entries.push(entry);
                }
            }
        }
        Some(other) => ctx.err(
            other.span(),
            "value 应写成 [[value]] 表数组, 每个条目一个参数".into(),
        ),
    }
    if ctx.errors.is_empty() {
        Ok(Layer {
            file: file.to_owned(),
            name,
            area,
            version,
            entries,
        })
    } else {
        ctx.errors.sort_by_key(|e| (e.line, e.column));
        Err(ctx.errors)
    }
}

fn req_str(ctx: &mut Ctx<'_>, table: &Table, key: &str, within: &str) -> Option<String> {
    match table.get_key_value(key) {
        None => {
            ctx.err(table.span(), format!("{within} 缺少字段「{key}」"));
            None
        }
        Some((k, item)) => match item.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(_) => {
                ctx.err(item.span().or(k.span()), format!("字段「{key}」不能为空"));
                None
            }
            None => {
                ctx.err(
                    item.span().or(k.span()),
                    format!("字段「{key}」应为字符串, 实为 {}", item.type_name()),
                );
                None
            }
        },
    }
}

fn parse_entry(ctx: &mut Ctx<'_>, table: &Table) -> Option<Entry> {
    let line = ctx.lines.at(table.span().map(|s| s.start).unwrap_or(0)).0;
    let mut ok = true;
    for (key, _) in table.iter() {
        if !matches!(
            key,
            "param" | "years" | "value" | "reliability" | "source" | "derivation" | "note"
        ) {
            let span = table.get_key_value(key).and_then(|(k, _)| k.span());
            ctx.err(
                span,
                format!("[[value]] 中未知的字段「{key}」(允许: param、years、value、reliability、source、derivation、note)"),
            );
            ok = false;
        }
    }
    let param = req_str(ctx, table, "param", "[[value]]").and_then(|p| {
        let found = ParamKey::from_code(&p);
        if found.is_none() {
            let span = table.get("param").and_then(Item::span);
            ctx.err(span, format!("未知的参数「{p}」"));
        }
        found
    });
    let years = match table.get_key_value("years") {
        None => {
            ctx.err(table.span(), "[[value]] 缺少字段「years」".into());
            None
        }
        Some((_, item)) => {
            let parsed = match (item.as_integer(), item.as_str()) {
                (Some(y), _) => u16::try_from(y).ok().map(|y| (y, y)),
                (_, Some(s)) => parse_years(s),
                _ => None,
            };
            match parsed {
                Some((from, to)) if from <= to && from >= 2000 && to <= 2100 => Some((from, to)),
                _ => {
                    ctx.err(
                        item.span(),
                        "years 应为年份或年份区间, 如 2016 或 \"2016-2017\"(2000–2100)".into(),
                    );
                    None
                }
            }
        }
    };
    let reliability = req_str(ctx, table, "reliability", "[[value]]").and_then(|r| {
        let found = Reliability::parse(&r);
        if found.is_none() {
            let span = table.get("reliability").and_then(Item::span);
            ctx.err(
                span,
                format!("可靠性「{r}」无效, 应为 official、local、weak 或 assumed"),
            );
        }
        found
    });
    let source = req_str(ctx, table, "source", "[[value]]");
    let derivation = match table.get("derivation") {
        None => None,
        Some(item) => match item.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            _ => {
                ctx.err(item.span(), "derivation 应为非空字符串".into());
                ok = false;
                None
            }
        },
    };
    if reliability == Some(Reliability::Assumed) && derivation.is_none() {
        let span = table.get("reliability").and_then(Item::span);
        ctx.err(
            span,
            "可靠性为 assumed 的取值必须用 derivation 说明推算方法".into(),
        );
        ok = false;
    }
    let value = match (param, table.get("value")) {
        (_, None) => {
            ctx.err(table.span(), "[[value]] 缺少字段「value」".into());
            None
        }
        (None, Some(_)) => None,
        (Some(key), Some(item)) => {
            let parsed = item.as_value().and_then(|v| parse_value(key, v));
            match &parsed {
                Some(Ok(_)) => {}
                Some(Err(msg)) => ctx.err(item.span(), msg.clone()),
                None => ctx.err(item.span(), format!("参数「{}」的取值类型不对", key.code())),
            }
            parsed.and_then(Result::ok)
        }
    };
    if !ok {
        return None;
    }
    let (from, to) = years?;
    Some(Entry {
        param: param?,
        from,
        to,
        value: value?,
        reliability: reliability?,
        source: source?,
        derivation,
        line,
    })
}

fn parse_years(s: &str) -> Option<(u16, u16)> {
    let s = s.trim();
    match s.split_once(['-', '–']) {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let y = s.parse().ok()?;
            Some((y, y))
        }
    }
}

fn parse_value(key: ParamKey, v: &Value) -> Option<Result<ParamValue, String>> {
    let name = key.code();
    Some(match key.kind() {
        ParamKind::Yuan => {
            let fen = match (v.as_integer(), v.as_float()) {
                (Some(i), _) => i.checked_mul(100),
                (_, Some(f)) if f.is_finite() => Some((f * 100.0).round() as i64),
                _ => None,
            };
            match fen {
                Some(fen) if fen >= 0 => Ok(ParamValue::Yuan(Yuan::from_fen(fen))),
                _ => Err(format!("参数「{name}」应为不小于 0 的金额(元)")),
            }
        }
        ParamKind::Percent => {
            let bp = match (v.as_integer(), v.as_float()) {
                (Some(i), _) => i.checked_mul(100),
                (_, Some(f)) if f.is_finite() => Some((f * 100.0).round() as i64),
                _ => None,
            };
            match bp {
                Some(bp) if (0..=10_000).contains(&bp) => Ok(ParamValue::Percent(Rate(bp as u32))),
                _ => Err(format!(
                    "参数「{name}」应为 0–100 之间的百分数, 如 3 表示 3%"
                )),
            }
        }
        ParamKind::Count => match v.as_integer() {
            Some(i) if (0..=100_000).contains(&i) => Ok(ParamValue::Count(i as u32)),
            _ => Err(format!("参数「{name}」应为非负整数")),
        },
        ParamKind::Bool => match v.as_bool() {
            Some(b) => Ok(ParamValue::Bool(b)),
            None => Err(format!("参数「{name}」应为 true 或 false")),
        },
        ParamKind::Components => {
            let arr = v.as_array()?;
            let mut set = Vec::new();
            for item in arr.iter() {
                match item.as_str().and_then(IncomeComponent::parse) {
                    Some(c) if !c.is_cost() => set.push(c),
                    Some(_) => {
                        return Some(Err("生产经营性支出总是扣除, 不能列为计入项".to_owned()))
                    }
                    None => {
                        return Some(Err(format!(
                            "「{}」不是收入项代码(如 wages、pension)",
                            item.as_str().unwrap_or("?")
                        )))
                    }
                }
            }
            Ok(ParamValue::Components(set.into_iter().collect()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap()
    }

    #[test]
    fn overrides_hold_in_their_area_and_year_only() {
        let pack = PolicyPack::builtin();
        let county = code("511902");
        let line = Yuan::from_yuan(9_999);
        for area in [county, code("5119"), code("51")] {
            let edited = pack
                .with_overrides(
                    area,
                    2021,
                    &[(ParamKey::PovertyLine, ParamValue::Yuan(line))],
                )
                .unwrap();
            assert_ne!(edited.hash(), pack.hash());
            let inside = edited.effective(2021, Some(&code("511902001001"))).unwrap();
            assert_eq!(inside.params.poverty_line, line, "{area}");
            assert_eq!(
                inside
                    .provenance(ParamKey::PovertyLine)
                    .unwrap()
                    .reliability,
                Reliability::Assumed
            );
            // Everything else, other years and other areas are as before.
            let before = pack.effective(2021, Some(&code("511902001001"))).unwrap();
            assert_eq!(
                inside.params.monitoring_threshold,
                before.params.monitoring_threshold
            );
            assert_eq!(
                edited.effective(2020, Some(&code("511902001001"))).unwrap(),
                pack.effective(2020, Some(&code("511902001001"))).unwrap()
            );
            let elsewhere = code("511101001001");
            let other = edited.effective(2021, Some(&elsewhere)).unwrap().params;
            if area == code("51") {
                assert_eq!(other.poverty_line, line);
            } else {
                assert_eq!(
                    other,
                    pack.effective(2021, Some(&elsewhere)).unwrap().params
                );
            }
        }
        assert_eq!(
            pack.with_overrides(
                county,
                2021,
                &[(ParamKey::PovertyLine, ParamValue::Count(1))]
            ),
            Err(ParamKey::PovertyLine)
        );
    }

    #[test]
    fn builtin_pack_is_valid_and_complete() {
        for (name, text) in PolicyPack::builtin_sources() {
            assert_eq!(PolicyPack::check(name, text), vec![], "{name}");
        }
        let pack = PolicyPack::builtin();
        for year in YEARS {
            pack.effective(year, None).unwrap();
            pack.effective(year, Some(&code("511902001001"))).unwrap();
        }
        assert_eq!(pack.hash().len(), 64);
        assert!(pack.version().contains('#'));
    }

    #[test]
    fn poverty_lines_and_thresholds_with_provenance() {
        let pack = PolicyPack::builtin();
        let expect = [
            (2013, 2736, Reliability::Weak),
            (2014, 2800, Reliability::Weak),
            (2015, 2855, Reliability::Weak),
            (2016, 2952, Reliability::Weak),
            (2017, 2952, Reliability::Weak),
            (2018, 2995, Reliability::Weak),
            (2019, 3218, Reliability::Official),
            (2020, 4000, Reliability::Official),
        ];
        for (year, line, rel) in expect {
            let e = pack.effective(year, None).unwrap();
            assert_eq!(e.params.poverty_line, Yuan::from_yuan(line), "{year}");
            assert_eq!(
                e.provenance(ParamKey::PovertyLine).unwrap().reliability,
                rel
            );
        }
        let e = pack.effective(2021, None).unwrap();
        assert_eq!(e.params.monitoring_threshold, Yuan::from_yuan(6000));
        assert_eq!(
            e.provenance(ParamKey::MonitoringThreshold)
                .unwrap()
                .reliability,
            Reliability::Official
        );
    }

    #[test]
    fn most_specific_layer_wins() {
        let pack = PolicyPack::builtin();
        let national = pack.effective(2019, None).unwrap();
        let sichuan = pack.effective(2019, Some(&code("51"))).unwrap();
        let bazhong = pack.effective(2019, Some(&code("511902001001"))).unwrap();
        assert_eq!(national.params.county_exit_incidence, Rate::percent(2));
        assert_eq!(sichuan.params.county_exit_incidence, Rate::percent(3));
        assert_eq!(bazhong.params.county_exit_incidence, Rate::percent(3));
        assert_eq!(
            bazhong
                .provenance(ParamKey::CountyExitIncidence)
                .unwrap()
                .layer_area,
            Some(code("51"))
        );
        // Sichuan's 2023 threshold is assumed and says how it was derived.
        let sc2023 = pack.effective(2023, Some(&code("5119"))).unwrap();
        let p = sc2023.provenance(ParamKey::MonitoringThreshold).unwrap();
        assert_eq!(p.reliability, Reliability::Assumed);
        assert!(p.derivation.is_some());
        assert!(sc2023.params.monitoring_threshold > Yuan::from_yuan(6000));
        // Another province keeps the national default.
        let gd = pack.effective(2023, Some(&code("44"))).unwrap();
        assert_eq!(gd.params.monitoring_threshold, Yuan::from_yuan(6000));
        let shown = sc2023.to_string();
        assert!(shown.contains("监测线"), "{shown}");
        assert!(shown.contains("推算方法"), "{shown}");
    }

    #[test]
    fn check_reports_errors_with_line_numbers() {
        let text = r#"[pack]
name = "测试"
version = "1"
area = "51"

[[value]]
param = "poverty_line"
years = "2016-2017"
value = 2952
reliability = "weak"
source = "x"

[[value]]
param = "povety_line"
years = 2018
value = 2995
reliability = "weak"
source = "x"

[[value]]
param = "monitoring_threshold"
years = "2023"
value = 6700
reliability = "assumed"
source = "x"

[[value]]
param = "poverty_line"
years = "2017"
value = "很多"
reliability = "sure"
source = "x"
"#;
        let errors = PolicyPack::check("test.toml", text);
        let summary: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert!(
            summary
                .iter()
                .any(|(l, m)| *l == 14 && m.contains("未知的参数「povety_line」")),
            "{summary:?}"
        );
        assert!(
            summary
                .iter()
                .any(|(l, m)| *l == 24 && m.contains("derivation")),
            "{summary:?}"
        );
        assert!(summary.iter().any(|(l, _)| *l == 30), "{summary:?}");
        assert!(
            summary.iter().any(|(l, m)| *l == 31 && m.contains("sure")),
            "{summary:?}"
        );

        let broken = "[pack]\nname = \"x\"\nversion = \"1\"\n\n[[value]]\nparam = \"poverty_line\"\nyears = \"2019\nvalue = 1\n";
        let errors = PolicyPack::check("broken.toml", broken);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 7, "{}", errors[0]);
        assert!(errors[0].message.starts_with("TOML 语法错误"));
        assert!(errors[0].to_string().starts_with("broken.toml:7:"));
    }

    #[test]
    fn overlapping_years_and_incomplete_national_are_errors() {
        let text = "[pack]\nname = \"x\"\nversion = \"1\"\n[[value]]\nparam = \"poverty_line\"\nyears = \"2016-2017\"\nvalue = 1\nreliability = \"weak\"\nsource = \"s\"\n[[value]]\nparam = \"poverty_line\"\nyears = \"2017\"\nvalue = 1\nreliability = \"weak\"\nsource = \"s\"\n";
        let errors = PolicyPack::check("a.toml", text);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 10);
        assert!(errors[0].message.contains("重叠"));
        let errors =
            PolicyPack::from_sources(&[("a.toml", "[pack]\nname = \"x\"\nversion = \"1\"\n")])
                .unwrap_err();
        assert!(errors.iter().any(|e| e.message.contains("poverty_line")));
    }

    #[test]
    fn rates_compare_exactly() {
        assert!(!Rate::percent(3).exceeds_ratio(3, 100));
        assert!(Rate::percent(3).exceeds_ratio(299, 10_000));
        assert_eq!(Rate::of(1, 3).unwrap().to_string(), "33.33%");
        assert_eq!(Rate(250).to_string(), "2.5%");
    }
}

#[cfg(test)]
mod show_tests {
    use super::*;

    #[test]
    fn show_table_names_value_reliability_layer_and_line() {
        let pack = PolicyPack::builtin();
        let text = pack
            .effective(2023, Some(&AreaCode::parse("511902").unwrap()))
            .unwrap()
            .to_string();
        assert!(text.starts_with("2023 年 511902 生效的政策参数"), "{text}");
        assert!(
            text.contains("监测线(monitoring_threshold): 6,700 元  [假设值] 来自 四川省 (sichuan.toml:31, 2023 年)"),
            "{text}"
        );
        assert!(
            text.contains("贫困县退出贫困发生率上限(county_exit_incidence): 3%  [官方文件]"),
            "{text}"
        );
        assert!(
            text.contains("巴中市 (bazhong.toml:10, 2021–2025 年)"),
            "{text}"
        );
    }
}
