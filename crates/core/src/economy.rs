//! The vocabulary of the rural economy around the registry (issue 14): featured-industry bases (特色产业基地)
//! and their operators (经营主体: leading enterprises 龙头企业, cooperatives 合作社, family farms 家庭农场),
//! the links of operators with households (联农带农), the employment of working-age members (务工就业),
//! poverty-alleviation products (扶贫产品, 消费帮扶) with their yearly sales per platform, and the village
//! collective economy (村集体经济).
//!
//! Plain values, no I/O. Each record is checked by its `check` method, whose errors are Chinese sentences
//! naming the record; the store and the spreadsheet import call it before anything is written.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::labeled_enum;
use crate::model::HouseholdId;
use crate::{AreaCode, ResidentId, Yuan};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An operator's number (经营主体编号), chosen by whoever registers it and stable across versions.
    OperatorId
);
id_type!(
    /// An industry base's number (基地编号).
    BaseId
);
id_type!(
    /// A product's number (产品编号).
    ProductId
);

labeled_enum! {
    /// What a featured-industry base grows or raises (Bazhong's 特色产业).
    pub enum IndustryKind {
        Tea = ("tea", "茶叶"),
        Kiwi = ("kiwi", "猕猴桃"),
        Herbs = ("herbs", "中药材"),
        Livestock = ("livestock", "畜牧养殖", "畜牧", "养殖"),
        Walnut = ("walnut", "核桃"),
        Fungi = ("fungi", "食用菌"),
        Vegetables = ("vegetables", "蔬菜"),
        Fruit = ("fruit", "水果", "特色水果"),
        GrainOil = ("grain_oil", "粮油"),
        Other = ("other", "其他", "其它"),
    }
}

labeled_enum! {
    /// Kinds of operators (新型经营主体).
    pub enum OperatorKind {
        LeadingEnterprise = ("leading_enterprise", "龙头企业", "农业产业化龙头企业"),
        Cooperative = ("cooperative", "农民专业合作社", "合作社"),
        FamilyFarm = ("family_farm", "家庭农场"),
    }
}

labeled_enum! {
    /// The level at which a leading enterprise is recognised (认定级别).
    pub enum EnterpriseLevel {
        County = ("county", "县级"),
        City = ("city", "市级"),
        Province = ("province", "省级"),
        National = ("national", "国家级"),
    }
}

impl EnterpriseLevel {
    /// City level or above: what Bazhong's published count of 174 leading enterprises counts.
    pub fn city_or_above(self) -> bool {
        !matches!(self, EnterpriseLevel::County)
    }
}

labeled_enum! {
    /// How an operator brings a household along (联农带农方式).
    pub enum LinkKind {
        LandRent = ("land_rent", "土地流转租金", "土地流转"),
        Dividend = ("dividend", "入股分红", "股份分红"),
        Employment = ("employment", "务工就业", "务工"),
        ContractFarming = ("contract_farming", "订单生产", "订单收购"),
        AssetIncome = ("asset_income", "资产收益", "资产收益扶贫"),
    }
}

impl LinkKind {
    /// The household income item the link's yearly amount is part of (income accounting, domain §3).
    pub fn income_component(self) -> crate::IncomeComponent {
        use crate::IncomeComponent as C;
        match self {
            LinkKind::LandRent => C::PropertyOther,
            LinkKind::Dividend | LinkKind::AssetIncome => C::PropertyDividend,
            LinkKind::Employment => C::Wages,
            LinkKind::ContractFarming => C::Business,
        }
    }
}

labeled_enum! {
    /// A working-age member's employment in a year (就业状态), with the place for migrant work.
    pub enum EmploymentStatus {
        MigrantWithinCounty = ("migrant_within_county", "县内务工", "县内"),
        MigrantWithinProvince = ("migrant_within_province", "省内县外务工", "省内务工"),
        MigrantOutsideProvince = ("migrant_outside_province", "省外务工"),
        Local = ("local", "本地就业", "就地就近就业"),
        PublicWelfareJob = ("public_welfare_job", "公益性岗位", "公益岗位"),
        Workshop = ("workshop", "就业帮扶车间", "帮扶车间"),
        NotWorking = ("not_working", "未就业", "未务工"),
    }
}

impl EmploymentStatus {
    /// Whether the member is in work (counted in 务工规模).
    pub fn in_work(self) -> bool {
        self != EmploymentStatus::NotWorking
    }

    /// The place of work as the indicators group it.
    pub fn place(self) -> Option<WorkPlace> {
        use EmploymentStatus as S;
        match self {
            S::MigrantOutsideProvince => Some(WorkPlace::OutsideProvince),
            S::MigrantWithinProvince => Some(WorkPlace::WithinProvince),
            S::MigrantWithinCounty | S::Local | S::PublicWelfareJob | S::Workshop => {
                Some(WorkPlace::WithinCounty)
            }
            S::NotWorking => None,
        }
    }
}

labeled_enum! {
    /// Where people work, for the labour indicators.
    pub enum WorkPlace {
        WithinCounty = ("within_county", "县内"),
        WithinProvince = ("within_province", "省内县外"),
        OutsideProvince = ("outside_province", "省外"),
    }
}

labeled_enum! {
    /// Why a working-age member is not working (未就业原因).
    pub enum NotWorkingReason {
        Study = ("study", "在校就读"),
        Illness = ("illness", "疾病"),
        Disability = ("disability", "残疾"),
        Care = ("care", "照料家人"),
        NoJob = ("no_job", "未找到工作", "失业"),
        JobLost = ("job_lost", "务工中断", "返乡"),
        Other = ("other", "其他", "其它"),
    }
}

labeled_enum! {
    /// Categories of certified poverty-alleviation products (扶贫产品).
    pub enum ProductCategory {
        GrainOil = ("grain_oil", "粮油"),
        MeatEggs = ("meat_eggs", "肉禽蛋"),
        FruitVegetables = ("fruit_vegetables", "果蔬"),
        Tea = ("tea", "茶叶"),
        Herbs = ("herbs", "中药材"),
        Processed = ("processed", "加工食品"),
        Crafts = ("crafts", "手工艺品"),
        Other = ("other", "其他", "其它"),
    }
}

labeled_enum! {
    /// Where products are sold (消费帮扶渠道).
    pub enum SalesPlatform {
        P832 = ("p832", "832平台", "扶贫832", "脱贫地区农副产品网络销售平台"),
        Ecommerce = ("ecommerce", "电商平台"),
        Supermarket = ("supermarket", "商超"),
        Canteen = ("canteen", "机关食堂", "预算单位采购"),
        Fair = ("fair", "展销会"),
        Other = ("other", "其他", "其它"),
    }
}

labeled_enum! {
    /// Income sources of a village collective (村集体经济收入来源).
    pub enum CollectiveSource {
        Operating = ("operating", "经营收入"),
        Assets = ("assets", "资产收益", "发包及资产收益"),
        Services = ("services", "服务收入"),
        Subsidies = ("subsidies", "补助收入"),
    }
}

impl CollectiveSource {
    /// Whether the source counts as the collective's own income in the income bands. Subsidies do not
    /// (assumption, see the calibration notes in `policy/README.md`).
    pub fn counts_as_own(self) -> bool {
        self != CollectiveSource::Subsidies
    }
}

labeled_enum! {
    /// Villages by collective income (the bands of the indicators).
    pub enum CollectiveBand {
        None = ("none", "无收入"),
        Under50k = ("under_50k", "5万元以下"),
        From50kTo100k = ("50k_100k", "5万至10万元"),
        From100kTo1m = ("100k_1m", "10万至100万元"),
        Over1m = ("over_1m", "100万元及以上"),
    }
}

impl CollectiveBand {
    /// The band of a village's own collective income of a year (lower bounds inclusive).
    pub fn of(income: Yuan) -> CollectiveBand {
        let yuan = income.fen() / 100;
        match yuan {
            i64::MIN..=0 => CollectiveBand::None,
            1..=49_999 => CollectiveBand::Under50k,
            50_000..=99_999 => CollectiveBand::From50kTo100k,
            100_000..=999_999 => CollectiveBand::From100kTo1m,
            _ => CollectiveBand::Over1m,
        }
    }

    /// At least 100,000 yuan (includes the villages of at least 1,000,000).
    pub fn at_least_100k(self) -> bool {
        matches!(self, CollectiveBand::From100kTo1m | CollectiveBand::Over1m)
    }
}

/// Why an economy record cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EconomyError(pub String);

fn bad<T>(text: String) -> Result<T, EconomyError> {
    Err(EconomyError(text))
}

fn check_year(what: &str, year: u16) -> Result<(), EconomyError> {
    if (1949..=2100).contains(&year) {
        Ok(())
    } else {
        bad(format!("{what}的年度 {year} 无效"))
    }
}

fn check_name(what: &str, name: &str) -> Result<(), EconomyError> {
    if name.trim().is_empty() {
        bad(format!("{what}缺少名称"))
    } else {
        Ok(())
    }
}

fn check_amount(what: &str, amount: Yuan) -> Result<(), EconomyError> {
    if amount.fen() < 0 {
        bad(format!("{what}的金额不能为负"))
    } else {
        Ok(())
    }
}

/// An operator (经营主体). Leading enterprises carry their level and the year recognised; others none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operator {
    pub id: OperatorId,
    pub name: String,
    pub kind: OperatorKind,
    pub level: Option<EnterpriseLevel>,
    pub recognised_year: Option<u16>,
    /// Where it is registered: a county, township or village.
    pub area: AreaCode,
}

impl Operator {
    pub fn check(&self) -> Result<(), EconomyError> {
        let what = format!("经营主体 {}", self.id);
        if self.id.0 <= 0 {
            return bad(format!("{what}: 编号应为正整数"));
        }
        check_name(&what, &self.name)?;
        match (self.kind, self.level, self.recognised_year) {
            (OperatorKind::LeadingEnterprise, Some(_), Some(y)) => check_year(&what, y),
            (OperatorKind::LeadingEnterprise, _, _) => {
                bad(format!("{what}是龙头企业, 应填写认定级别和认定年度"))
            }
            (_, None, None) => Ok(()),
            (kind, _, _) => bad(format!(
                "{what}是{}, 不填写龙头企业认定级别和年度",
                kind.label()
            )),
        }
    }

    /// A leading enterprise recognised at city level or above by the end of `year`.
    pub fn leading_city_or_above(&self, year: u16) -> bool {
        self.kind == OperatorKind::LeadingEnterprise
            && self.level.is_some_and(EnterpriseLevel::city_or_above)
            && self.recognised_year.is_some_and(|y| y <= year)
    }
}

/// A featured-industry base (特色产业基地).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndustryBase {
    pub id: BaseId,
    pub name: String,
    pub kind: IndustryKind,
    /// Area in 亩 (mu).
    pub area_mu: f64,
    /// The village it lies in.
    pub village: AreaCode,
    pub operator: Option<OperatorId>,
    pub established: u16,
}

impl IndustryBase {
    pub fn check(&self) -> Result<(), EconomyError> {
        let what = format!("产业基地 {}", self.id);
        if self.id.0 <= 0 {
            return bad(format!("{what}: 编号应为正整数"));
        }
        check_name(&what, &self.name)?;
        if !(self.area_mu.is_finite() && self.area_mu > 0.0) {
            return bad(format!("{what}的面积 {} 亩无效: 应大于 0", self.area_mu));
        }
        check_year(&what, self.established)
    }
}

/// One household's link with an operator in one year (联农带农), with the year's amount. The amount is
/// part of the household's income item [`LinkKind::income_component`] of that year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndustryLink {
    pub household: HouseholdId,
    pub operator: OperatorId,
    pub base: Option<BaseId>,
    pub kind: LinkKind,
    pub year: u16,
    pub amount: Yuan,
}

impl IndustryLink {
    pub fn check(&self) -> Result<(), EconomyError> {
        let what = format!(
            "户(ID {})与经营主体 {} 的{}({} 年)",
            self.household,
            self.operator,
            self.kind.label(),
            self.year
        );
        check_year(&what, self.year)?;
        check_amount(&what, self.amount)
    }
}

/// A member's employment in one year (务工就业): status, months worked and the wage earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentRecord {
    pub household: HouseholdId,
    pub member: ResidentId,
    pub year: u16,
    pub status: EmploymentStatus,
    /// Months worked in the year, 0–12.
    pub months: u8,
    /// Wage income of the year (part of the household's 工资性收入).
    pub wage: Yuan,
    /// Only when not working.
    pub reason: Option<NotWorkingReason>,
}

impl EmploymentRecord {
    pub fn check(&self) -> Result<(), EconomyError> {
        // Never the resident ID in a message: the household and year name the record.
        let what = format!("户(ID {})成员 {} 年的就业记录", self.household, self.year);
        check_year(&what, self.year)?;
        check_amount(&what, self.wage)?;
        if self.months > 12 {
            return bad(format!(
                "{what}: 务工月数 {} 应在 0 到 12 之间",
                self.months
            ));
        }
        match (self.status, self.reason) {
            (EmploymentStatus::NotWorking, _) if self.months > 0 => {
                bad(format!("{what}: 未就业时务工月数应为 0"))
            }
            (EmploymentStatus::NotWorking, None) => bad(format!("{what}: 未就业应填写原因")),
            (EmploymentStatus::NotWorking, Some(_)) => Ok(()),
            (_, Some(_)) => bad(format!("{what}: 在业不填写未就业原因")),
            (_, None) if self.months == 0 => bad(format!("{what}: 在业时务工月数应大于 0")),
            (_, None) => Ok(()),
        }
    }
}

/// A certified poverty-alleviation product (扶贫产品).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub category: ProductCategory,
    pub producer: OperatorId,
    /// Where it is produced (the producer's county, township or village).
    pub area: AreaCode,
    pub certified_year: u16,
    /// The platforms it is sold on, in [`SalesPlatform::ALL`] order, without repeats.
    pub platforms: Vec<SalesPlatform>,
    /// The regional brand it is sold under (巴食巴适, 巴中云顶…), if any.
    pub brand: Option<String>,
}

impl Product {
    pub fn check(&self) -> Result<(), EconomyError> {
        let what = format!("扶贫产品 {}", self.id);
        if self.id.0 <= 0 {
            return bad(format!("{what}: 编号应为正整数"));
        }
        check_name(&what, &self.name)?;
        check_year(&what, self.certified_year)?;
        if self.platforms.windows(2).any(|w| w[0] >= w[1]) {
            return bad(format!("{what}的销售平台重复或顺序不对"));
        }
        Ok(())
    }

    /// Whether it is on the national 832 platform.
    pub fn on_832(&self) -> bool {
        self.platforms.contains(&SalesPlatform::P832)
    }
}

/// A product's sales on one platform in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSales {
    pub product: ProductId,
    pub year: u16,
    pub platform: SalesPlatform,
    pub amount: Yuan,
}

impl ProductSales {
    pub fn check(&self) -> Result<(), EconomyError> {
        let what = format!(
            "扶贫产品 {} 在{} {} 年的销售额",
            self.product,
            self.platform.label(),
            self.year
        );
        check_year(&what, self.year)?;
        check_amount(&what, self.amount)
    }
}

/// A village collective's account of one year (村集体经济): income by source, assets at the year's end,
/// and the collective's own projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectiveAccount {
    pub village: AreaCode,
    pub year: u16,
    /// Income by [`CollectiveSource`], in [`CollectiveSource::ALL`] order.
    pub income: [Yuan; 4],
    /// Collective assets at the year's end.
    pub assets: Yuan,
    pub projects: Vec<CollectiveProject>,
}

/// A project the collective runs itself (集体经济项目).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectiveProject {
    pub name: String,
    pub invested: Yuan,
    /// The project's income in the account's year (part of the account's operating income).
    pub income: Yuan,
}

impl CollectiveAccount {
    pub fn income_from(&self, source: CollectiveSource) -> Yuan {
        self.income[usize::from(source.index())]
    }

    /// The collective's own income: every source that [`CollectiveSource::counts_as_own`].
    pub fn own_income(&self) -> Yuan {
        CollectiveSource::ALL
            .iter()
            .filter(|s| s.counts_as_own())
            .map(|s| self.income_from(*s))
            .fold(Yuan::ZERO, |a, b| a + b)
    }

    pub fn band(&self) -> CollectiveBand {
        CollectiveBand::of(self.own_income())
    }

    pub fn check(&self) -> Result<(), EconomyError> {
        let what = format!("村 {} 的 {} 年集体经济账", self.village, self.year);
        check_year(&what, self.year)?;
        for (s, v) in CollectiveSource::ALL.iter().zip(self.income) {
            check_amount(&format!("{what}的{}", s.label()), v)?;
        }
        check_amount(&format!("{what}的资产"), self.assets)?;
        for p in &self.projects {
            check_name(&format!("{what}的集体项目"), &p.name)?;
            check_amount(&format!("{what}的项目「{}」", p.name), p.invested)?;
            check_amount(&format!("{what}的项目「{}」", p.name), p.income)?;
        }
        Ok(())
    }
}

/// One set of economy records of every kind: what the generator makes for a village and what the store
/// writes in one batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EconomyRecords {
    pub operators: Vec<Operator>,
    pub bases: Vec<IndustryBase>,
    pub links: Vec<IndustryLink>,
    pub employment: Vec<EmploymentRecord>,
    pub products: Vec<Product>,
    pub sales: Vec<ProductSales>,
    pub accounts: Vec<CollectiveAccount>,
}

impl EconomyRecords {
    pub fn rows(&self) -> usize {
        self.operators.len()
            + self.bases.len()
            + self.links.len()
            + self.employment.len()
            + self.products.len()
            + self.sales.len()
            + self.accounts.len()
    }

    pub fn extend(&mut self, other: EconomyRecords) {
        self.operators.extend(other.operators);
        self.bases.extend(other.bases);
        self.links.extend(other.links);
        self.employment.extend(other.employment);
        self.products.extend(other.products);
        self.sales.extend(other.sales);
        self.accounts.extend(other.accounts);
    }

    /// Counts by kind, keyed by the table names (for reports and audit details).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        BTreeMap::from([
            ("operators", self.operators.len()),
            ("bases", self.bases.len()),
            ("links", self.links.len()),
            ("employment", self.employment.len()),
            ("products", self.products.len()),
            ("sales", self.sales.len()),
            ("accounts", self.accounts.len()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(y: i64) -> Yuan {
        Yuan::from_fen(y * 100)
    }

    #[test]
    fn bands_have_inclusive_lower_bounds() {
        assert_eq!(CollectiveBand::of(Yuan::ZERO), CollectiveBand::None);
        assert_eq!(CollectiveBand::of(yuan(49_999)), CollectiveBand::Under50k);
        assert_eq!(
            CollectiveBand::of(yuan(50_000)),
            CollectiveBand::From50kTo100k
        );
        assert_eq!(
            CollectiveBand::of(yuan(99_999)),
            CollectiveBand::From50kTo100k
        );
        assert_eq!(
            CollectiveBand::of(yuan(100_000)),
            CollectiveBand::From100kTo1m
        );
        assert_eq!(CollectiveBand::of(yuan(1_000_000)), CollectiveBand::Over1m);
        assert!(CollectiveBand::Over1m.at_least_100k());
        assert!(!CollectiveBand::From50kTo100k.at_least_100k());
    }

    #[test]
    fn subsidies_are_not_own_income() {
        let a = CollectiveAccount {
            village: AreaCode::parse("511902001001").unwrap(),
            year: 2020,
            income: [yuan(60_000), yuan(30_000), yuan(5_000), yuan(500_000)],
            assets: yuan(1),
            projects: vec![],
        };
        assert_eq!(a.own_income(), yuan(95_000));
        assert_eq!(a.band(), CollectiveBand::From50kTo100k);
    }

    #[test]
    fn only_leading_enterprises_have_a_level() {
        let mut o = Operator {
            id: OperatorId(1),
            name: "巴中某茶业有限公司".into(),
            kind: OperatorKind::LeadingEnterprise,
            level: Some(EnterpriseLevel::City),
            recognised_year: Some(2016),
            area: AreaCode::parse("511902").unwrap(),
        };
        assert!(o.check().is_ok());
        assert!(o.leading_city_or_above(2020));
        assert!(!o.leading_city_or_above(2015));
        o.level = None;
        assert!(o.check().unwrap_err().0.contains("认定级别"));
        o.kind = OperatorKind::Cooperative;
        o.recognised_year = None;
        assert!(o.check().is_ok());
        o.level = Some(EnterpriseLevel::National);
        assert!(o.check().is_err());
    }

    #[test]
    fn employment_months_and_reason_agree_with_status() {
        let mut text = String::from("51190219800101001");
        text.push(crate::resident_id::check_character(text.as_bytes()));
        let member = ResidentId::parse(&text).unwrap();
        let mut r = EmploymentRecord {
            household: HouseholdId(1),
            member,
            year: 2020,
            status: EmploymentStatus::MigrantOutsideProvince,
            months: 10,
            wage: yuan(30_000),
            reason: None,
        };
        assert!(r.check().is_ok());
        r.months = 13;
        assert!(r.check().is_err());
        r.months = 0;
        assert!(r.check().is_err());
        r.status = EmploymentStatus::NotWorking;
        assert!(r.check().unwrap_err().0.contains("原因"));
        r.reason = Some(NotWorkingReason::JobLost);
        assert!(r.check().is_ok());
        r.months = 3;
        // Messages name the household and year, never the resident ID.
        assert!(!r.check().unwrap_err().0.contains("5119021980"));
    }
}
