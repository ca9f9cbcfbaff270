//! The coded values of the registry, as the national system's forms and exports spell them (`../shared`
//! domain notes §2, §5, §6). Codes are stable; labels are what users read. Aliases are older or alternative
//! wordings found in exported spreadsheets.

use crate::labeled_enum;

labeled_enum! {
    pub enum Sex {
        Male = ("male", "男"),
        Female = ("female", "女"),
    }
}

labeled_enum! {
    /// 与户主关系.
    pub enum Relationship {
        Head = ("head", "户主", "本人"),
        Spouse = ("spouse", "配偶", "妻", "夫"),
        Son = ("son", "之子", "子"),
        Daughter = ("daughter", "之女", "女"),
        DaughterInLaw = ("daughter_in_law", "之儿媳", "儿媳"),
        SonInLaw = ("son_in_law", "之女婿", "女婿"),
        Grandson = ("grandson", "之孙子", "孙子"),
        Granddaughter = ("granddaughter", "之孙女", "孙女"),
        Father = ("father", "之父", "父亲"),
        Mother = ("mother", "之母", "母亲"),
        Grandparent = ("grandparent", "之祖父母", "祖父母", "之外祖父母"),
        Sibling = ("sibling", "之兄弟姐妹", "兄弟姐妹"),
        Other = ("other", "其他"),
    }
}

impl Relationship {
    /// Relationships of the generation below the head: they should be younger than the head.
    pub fn is_younger_generation(self) -> bool {
        matches!(
            self,
            Relationship::Son
                | Relationship::Daughter
                | Relationship::DaughterInLaw
                | Relationship::SonInLaw
                | Relationship::Grandson
                | Relationship::Granddaughter
        )
    }

    /// Relationships of the generations above the head: they should be older than the head.
    pub fn is_older_generation(self) -> bool {
        matches!(
            self,
            Relationship::Father | Relationship::Mother | Relationship::Grandparent
        )
    }
}

labeled_enum! {
    /// 文化程度.
    pub enum Education {
        Illiterate = ("illiterate", "文盲或半文盲", "文盲"),
        Primary = ("primary", "小学"),
        Junior = ("junior", "初中"),
        Senior = ("senior", "高中", "高中(含中专)"),
        College = ("college", "大专及以上"),
        Preschool = ("preschool", "学龄前儿童"),
    }
}

labeled_enum! {
    /// 在校生状况 (required for ages 6–23).
    pub enum SchoolingStatus {
        Preschool = ("preschool", "学前教育"),
        Primary = ("primary", "小学"),
        Junior = ("junior", "初中", "七年级", "八年级", "九年级"),
        Senior = ("senior", "普通高中", "高中"),
        SecondaryVocational = ("secondary_vocational", "中职", "中专"),
        Higher = ("higher", "高职及大专以上", "大专及以上", "本科"),
        /// Taught at home because a disability prevents attendance (送教上门): counts as attending.
        HomeTeaching = ("home_teaching", "送教上门"),
        /// Out of school for health reasons: does not break the education guarantee.
        SuspendedIllness = ("suspended_illness", "因病休学"),
        Dropout = ("dropout", "辍学", "失学辍学"),
        NotInSchool = ("not_in_school", "非在校生"),
    }
}

impl SchoolingStatus {
    /// Whether a child of compulsory-school age with this status meets the education guarantee.
    pub fn meets_compulsory_education(self) -> bool {
        !matches!(
            self,
            SchoolingStatus::Dropout | SchoolingStatus::NotInSchool | SchoolingStatus::Preschool
        )
    }
}

labeled_enum! {
    /// 健康状况.
    pub enum Health {
        Healthy = ("healthy", "健康"),
        Chronic = ("chronic", "长期慢性病"),
        SeriousIllness = ("serious_illness", "患有大病", "大病"),
        Disabled = ("disabled", "残疾"),
    }
}

labeled_enum! {
    /// 劳动技能.
    pub enum LabourAbility {
        Ordinary = ("ordinary", "普通劳动力"),
        Skilled = ("skilled", "技能劳动力"),
        Weak = ("weak", "弱劳动力或半劳动力", "弱劳动力", "半劳动力"),
        Lost = ("lost", "丧失劳动力"),
        NoLabour = ("none", "无劳动力"),
    }
}

impl LabourAbility {
    /// Whether the member counts as able to work (for the no-labour exception of risk elimination).
    pub fn can_work(self) -> bool {
        matches!(
            self,
            LabourAbility::Ordinary | LabourAbility::Skilled | LabourAbility::Weak
        )
    }
}

labeled_enum! {
    /// 务工状况.
    pub enum WorkStatus {
        NotMigrant = ("not_migrant", "无", "未务工"),
        WithinCounty = ("within_county", "县内务工", "乡镇内务工"),
        WithinProvince = ("within_province", "省内县外务工", "省内务工"),
        OutsideProvince = ("outside_province", "省外务工"),
    }
}

labeled_enum! {
    /// 识别标准.
    pub enum IdentificationStandard {
        National = ("national", "国家标准", "国家"),
        Provincial = ("provincial", "省定标准", "省定"),
        City = ("city", "市定标准", "市定"),
    }
}

labeled_enum! {
    /// 贫困户属性.
    pub enum PoorAttribute {
        Ordinary = ("ordinary", "一般贫困户"),
        Dibao = ("dibao", "低保贫困户"),
        Tekun = ("tekun", "特困供养贫困户", "特困供养户"),
        /// Older data only.
        Wubao = ("wubao", "五保户", "五保贫困户"),
    }
}

labeled_enum! {
    /// 主要致贫原因 and 其他致贫原因.
    pub enum PovertyCause {
        Illness = ("illness", "因病"),
        Disability = ("disability", "因残"),
        Schooling = ("schooling", "因学"),
        Disaster = ("disaster", "因灾"),
        LackOfLand = ("lack_of_land", "缺土地"),
        LackOfWater = ("lack_of_water", "缺水"),
        LackOfSkills = ("lack_of_skills", "缺技术"),
        LackOfLabour = ("lack_of_labour", "缺劳力", "缺劳动力"),
        LackOfCapital = ("lack_of_capital", "缺资金"),
        PoorTransport = ("poor_transport", "交通条件落后"),
        LackOfMotivation = ("lack_of_motivation", "自身发展动力不足"),
        Other = ("other", "其它", "其他"),
    }
}

labeled_enum! {
    /// 危房等级 (housing safety appraisal).
    pub enum HousingGrade {
        A = ("a", "A级", "A"),
        B = ("b", "B级", "B"),
        C = ("c", "C级", "C"),
        D = ("d", "D级", "D"),
    }
}

impl HousingGrade {
    /// A and B are safe; C and D are dangerous and must be rebuilt.
    pub fn is_safe(self) -> bool {
        matches!(self, HousingGrade::A | HousingGrade::B)
    }
}

labeled_enum! {
    /// Ways of living safely other than in an appraised A/B house.
    pub enum SafeHousingAlternative {
        RelocationHousing = ("relocation_housing", "易地搬迁安置房"),
        SafeHouseElsewhere = ("safe_house_elsewhere", "其他安全住房"),
        LongTermRental = ("long_term_rental", "长期租住"),
        CentralisedCare = ("centralised_care", "集中供养"),
    }
}

labeled_enum! {
    /// 安置方式 of poverty relocation.
    pub enum RelocationPlacement {
        Centralised = ("centralised", "集中安置"),
        Dispersed = ("dispersed", "分散安置"),
    }
}

labeled_enum! {
    /// 主要燃料类型.
    pub enum FuelType {
        Firewood = ("firewood", "柴草"),
        Coal = ("coal", "煤炭"),
        Gas = ("gas", "燃气", "天然气", "液化气"),
        Electricity = ("electricity", "电"),
        Other = ("other", "其他"),
    }
}

labeled_enum! {
    /// The three kinds of monitored households (监测对象).
    pub enum MonitoringKind {
        Unstable = ("unstable", "脱贫不稳定户"),
        Marginal = ("marginal", "边缘易致贫户"),
        SuddenHardship = ("sudden_hardship", "突发严重困难户"),
    }
}

labeled_enum! {
    /// 风险类型.
    pub enum RiskType {
        Illness = ("illness", "因病"),
        Schooling = ("schooling", "因学"),
        Disability = ("disability", "因残"),
        Disaster = ("disaster", "因自然灾害", "因灾"),
        Accident = ("accident", "因意外事故", "因意外"),
        IndustryFailure = ("industry_failure", "因产业项目失败", "因产业失败"),
        UnstableEmployment = ("unstable_employment", "因务工就业不稳", "因务工就业不稳定", "因就业不稳"),
        LackOfLabour = ("lack_of_labour", "缺劳动力", "缺劳力"),
        Housing = ("housing", "住房安全"),
        Water = ("water", "饮水安全"),
        Other = ("other", "其他"),
    }
}

labeled_enum! {
    /// How a monitoring lead was discovered.
    pub enum Channel {
        SelfApplication = ("self_application", "农户自主申报"),
        CadreCheck = ("cadre_check", "基层干部排查"),
        DepartmentAlert = ("department_alert", "部门筛查预警"),
    }
}

labeled_enum! {
    /// Decisions about a household's status, approved by people and kept as dated events.
    pub enum StatusEventKind {
        Registered = ("registered", "识别为贫困户"),
        Exited = ("exited", "脱贫"),
        Monitored = ("monitored", "纳入监测"),
        RiskEliminated = ("risk_eliminated", "风险消除"),
        Returned = ("returned", "返贫"),
        Removed = ("removed", "清退"),
    }
}

labeled_enum! {
    /// 帮扶措施 types.
    pub enum AssistanceType {
        Industry = ("industry", "产业帮扶"),
        Employment = ("employment", "就业帮扶"),
        PublicWelfarePost = ("public_welfare_post", "公益岗位"),
        Education = ("education", "教育帮扶"),
        Medical = ("medical", "医疗帮扶"),
        Housing = ("housing", "住房保障"),
        SocialAssistance = ("social_assistance", "社会救助"),
        Microcredit = ("microcredit", "小额信贷"),
        RelocationFollowUp = ("relocation_follow_up", "搬迁后续扶持"),
        Other = ("other", "其他"),
    }
}

labeled_enum! {
    /// Social assistance a person receives.
    pub enum SocialAssistance {
        NoAssistance = ("none", "无"),
        Dibao = ("dibao", "低保"),
        Tekun = ("tekun", "特困供养", "特困"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: fn(T) -> &'static str,
            from_code: fn(&str) -> Option<T>,
            label: fn(T) -> &'static str,
            from_label: fn(&str) -> Option<T>,
        ) {
            for v in all {
                assert_eq!(from_code(code(*v)), Some(*v));
                assert_eq!(from_label(label(*v)), Some(*v));
            }
        }
        check(
            PovertyCause::ALL,
            PovertyCause::code,
            PovertyCause::from_code,
            PovertyCause::label,
            PovertyCause::from_label,
        );
        check(
            RiskType::ALL,
            RiskType::code,
            RiskType::from_code,
            RiskType::label,
            RiskType::from_label,
        );
        check(
            Relationship::ALL,
            Relationship::code,
            Relationship::from_code,
            Relationship::label,
            Relationship::from_label,
        );
        assert_eq!(Relationship::parse("妻"), Some(Relationship::Spouse));
        assert_eq!(MonitoringKind::SuddenHardship.to_string(), "突发严重困难户");
        assert_eq!(
            serde_json::to_string(&MonitoringKind::Marginal).unwrap(),
            "\"marginal\""
        );
        let parsed: MonitoringKind = serde_json::from_str("\"脱贫不稳定户\"").unwrap();
        assert_eq!(parsed, MonitoringKind::Unstable);
    }
}
