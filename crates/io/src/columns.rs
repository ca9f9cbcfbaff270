//! The household spreadsheet layout, declared once: which header texts mean which field, whether a column
//! is required, and in what order the exporter writes them. The importer matches headers through
//! [`match_header`]; the exporter writes [`COLUMNS`] in order under each column's first name.
//!
//! The layout is the national system's export (`../shared` domain notes §2): one row per member, the
//! household's columns repeated on each row (or only on the head's row). Income is one year per file: the
//! year comes from the 收入年度 column when there is one, otherwise from the importer's `income_year`
//! option.

use std::collections::HashMap;
use std::sync::OnceLock;

use jingzhun_core::IncomeComponent;

use crate::table::normalize_header;

/// Whether a field belongs to the household or to one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Household,
    Member,
}

/// Every field the layout knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    HouseholdNo,
    Village,
    NaturalVillage,
    Phone,
    Standard,
    Attribute,
    MainCause,
    OtherCauses,
    FirstIdentified,
    PlannedExitYear,
    ExitYear,
    Relocated,
    RelocationYear,
    RelocationPlacement,
    RelocationSite,
    HousingArea,
    HousingGrade,
    SafeHousing,
    WaterLitres,
    WaterFetchMinutes,
    WaterOutageDays,
    WaterQualityOk,
    DryArea,
    FoodClothing,
    Electricity,
    SanitaryToilet,
    Fuel,
    Farmland,
    Forest,
    Cooperative,
    IncomeYear,
    Income(IncomeComponent),
    Name,
    Sex,
    ResidentId,
    Relationship,
    Ethnicity,
    Education,
    Schooling,
    Health,
    Labour,
    WorkStatus,
    MigrantMonths,
    MedicalInsurance,
    SeriousIllnessInsurance,
    PensionInsurance,
    SocialAssistance,
    /// A column known to be in national exports but not imported (names of areas, row numbers, the head's
    /// name repeated): not reported as unknown.
    Informational,
}

/// One column of the layout.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub field: Field,
    /// The header the exporter writes; the importer accepts it and the aliases.
    pub header: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
    pub level: Level,
}

const fn col(field: Field, header: &'static str, aliases: &'static [&'static str]) -> Column {
    Column {
        field,
        header,
        aliases,
        required: false,
        level: Level::Household,
    }
}

const fn req(mut c: Column) -> Column {
    c.required = true;
    c
}

const fn member(mut c: Column) -> Column {
    c.level = Level::Member;
    c
}

const fn income(c: IncomeComponent) -> Column {
    col(Field::Income(c), c.label(), &[])
}

/// The layout, in export order.
pub const COLUMNS: &[Column] = &[
    req(col(Field::HouseholdNo, "户编号", &["户码", "户号"])),
    req(col(
        Field::Village,
        "行政区划代码",
        &[
            "村行政区划代码",
            "行政村代码",
            "村代码",
            "区划代码",
            "村级区划代码",
        ],
    )),
    col(Field::NaturalVillage, "自然村", &["自然村(组)", "村民小组"]),
    col(
        Field::Phone,
        "联系电话",
        &["电话", "户主联系电话", "手机号码"],
    ),
    col(Field::Standard, "识别标准", &[]),
    col(Field::Attribute, "贫困户属性", &["户属性"]),
    col(Field::MainCause, "主要致贫原因", &[]),
    col(
        Field::OtherCauses,
        "其他致贫原因",
        &[
            "次要致贫原因",
            "其他致贫原因1",
            "其他致贫原因2",
            "其他致贫原因一",
            "其他致贫原因二",
        ],
    ),
    col(
        Field::FirstIdentified,
        "首次识别时间",
        &["识别时间", "建档立卡时间"],
    ),
    col(Field::PlannedExitYear, "计划脱贫年度", &[]),
    col(Field::ExitYear, "脱贫年度", &["脱贫年份"]),
    col(
        Field::Relocated,
        "是否易地搬迁户",
        &["是否易地扶贫搬迁户", "易地搬迁户"],
    ),
    col(Field::RelocationYear, "搬迁年度", &["搬迁年份"]),
    col(Field::RelocationPlacement, "安置方式", &[]),
    col(Field::RelocationSite, "安置地", &["安置地点"]),
    col(Field::HousingArea, "住房面积", &[]),
    col(
        Field::HousingGrade,
        "危房等级",
        &["住房安全等级", "房屋等级"],
    ),
    col(
        Field::SafeHousing,
        "住房安全保障方式",
        &["其他安全住房方式"],
    ),
    col(Field::WaterLitres, "人均日供水量", &[]),
    col(Field::WaterFetchMinutes, "取水往返时间", &[]),
    col(Field::WaterOutageDays, "年停水天数", &[]),
    col(Field::WaterQualityOk, "水质是否达标", &["饮水是否安全"]),
    col(Field::DryArea, "是否干旱地区", &[]),
    col(Field::FoodClothing, "是否不愁吃穿", &["吃穿是否有保障"]),
    col(Field::Electricity, "是否通生活用电", &["是否通电"]),
    col(Field::SanitaryToilet, "有无卫生厕所", &["是否有卫生厕所"]),
    col(Field::Fuel, "主要燃料类型", &[]),
    col(Field::Farmland, "耕地面积", &[]),
    col(Field::Forest, "林地面积", &[]),
    col(
        Field::Cooperative,
        "是否加入农民专业合作社",
        &["是否加入合作社"],
    ),
    col(Field::IncomeYear, "收入年度", &["年度"]),
    income(IncomeComponent::Wages),
    income(IncomeComponent::Business),
    income(IncomeComponent::PropertyDividend),
    income(IncomeComponent::PropertyOther),
    income(IncomeComponent::FamilyPlanning),
    income(IncomeComponent::DibaoBenefit),
    income(IncomeComponent::TekunBenefit),
    income(IncomeComponent::Pension),
    income(IncomeComponent::EcoCompensation),
    income(IncomeComponent::OtherTransfer),
    income(IncomeComponent::ProductionCosts),
    req(member(col(Field::Name, "姓名", &["成员姓名"]))),
    member(col(Field::Sex, "性别", &[])),
    req(member(col(
        Field::ResidentId,
        "证件号码",
        &["身份证号码", "身份证号", "公民身份号码", "身份证件号码"],
    ))),
    req(member(col(
        Field::Relationship,
        "与户主关系",
        &["与户主的关系"],
    ))),
    member(col(Field::Ethnicity, "民族", &[])),
    member(col(Field::Education, "文化程度", &[])),
    member(col(Field::Schooling, "在校生状况", &["在校生情况"])),
    member(col(Field::Health, "健康状况", &[])),
    member(col(Field::Labour, "劳动技能", &["劳动能力"])),
    member(col(Field::WorkStatus, "务工状况", &["务工情况"])),
    member(col(
        Field::MigrantMonths,
        "务工时间",
        &["务工时间(月)", "务工月数"],
    )),
    member(col(
        Field::MedicalInsurance,
        "是否参加城乡居民基本医疗保险",
        &["是否参加基本医疗保险", "是否参加新农合"],
    )),
    member(col(Field::SeriousIllnessInsurance, "是否参加大病保险", &[])),
    member(col(
        Field::PensionInsurance,
        "是否参加城乡居民基本养老保险",
        &["是否参加基本养老保险"],
    )),
    member(col(
        Field::SocialAssistance,
        "是否低保特困",
        &["是否低保/特困", "低保特困情况", "社会救助"],
    )),
];

/// Headers of national exports that are known but not imported (bank accounts among them: the registry
/// does not keep them; per-capita income is recomputed from the items, never taken from the file).
pub const INFORMATIONAL: &[&str] = &[
    "序号",
    "省",
    "省份",
    "市",
    "地市",
    "市州",
    "县",
    "县(市、区)",
    "县市区",
    "区县",
    "乡",
    "乡镇",
    "乡(镇)",
    "镇",
    "行政村",
    "村",
    "户主姓名",
    "家庭人口数",
    "人口数",
    "户人数",
    "人数",
    "人编号",
    "政治面貌",
    "开户银行",
    "开户银行名称",
    "银行卡号",
    "银行账号",
    "脱贫属性",
    "户类型",
    "是否军烈属",
    "是否独生子女户",
    "是否双女户",
    "年人均纯收入",
    "人均纯收入",
];

/// The field a (raw) header text names, or `None` for an unknown column.
pub fn match_header(text: &str) -> Option<Field> {
    match_normalized(&normalize_header(text))
}

/// Like [`match_header`] for a header already passed through [`normalize_header`].
pub fn match_normalized(normalized: &str) -> Option<Field> {
    catalogue().get(normalized).copied()
}

/// Every normalised header and alias with its field, built once.
fn catalogue() -> &'static HashMap<String, Field> {
    static CATALOGUE: OnceLock<HashMap<String, Field>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut map = HashMap::new();
        for h in INFORMATIONAL {
            map.insert(normalize_header(h), Field::Informational);
        }
        // Catalogue entries win over informational names; the first entry naming a header wins.
        for c in COLUMNS.iter().rev() {
            for name in std::iter::once(&c.header).chain(c.aliases.iter()) {
                map.insert(normalize_header(name), c.field);
            }
        }
        map
    })
}

/// The catalogue entry of a field.
pub fn column(field: Field) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.field == field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_and_alias_matches_its_own_field_only() {
        for c in COLUMNS {
            assert_eq!(match_header(c.header), Some(c.field), "{}", c.header);
            for a in c.aliases {
                assert_eq!(match_header(a), Some(c.field), "{a}");
            }
        }
        assert_eq!(match_header("证件号码（必填）"), Some(Field::ResidentId));
        assert_eq!(match_header("户主姓名"), Some(Field::Informational));
        assert_eq!(match_header("微信号"), None);
    }
}
