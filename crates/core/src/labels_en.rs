//! English for every coded label users see, keyed `"<kind>.<code>"` (the keys the web application's
//! `Lang::label` looks up). Chinese stays with the enumerations themselves (`labeled_enum!`); the test below
//! fails when a variant has no English here. Terms follow `docs/glossary.md`.

/// `(key, English)`, sorted by key.
pub const ENGLISH: &[(&str, &str)] = &[
    ("assistance.education", "Education aid"),
    ("assistance.employment", "Employment support"),
    ("assistance.housing", "Housing security"),
    ("assistance.industry", "Industry support"),
    ("assistance.medical", "Medical aid"),
    ("assistance.microcredit", "Microcredit"),
    ("assistance.other", "Other"),
    ("assistance.public_welfare_post", "Public-welfare post"),
    ("assistance.relocation_follow_up", "Relocation follow-up"),
    ("assistance.social_assistance", "Social assistance"),
    ("attachment.consent", "Signed consent to check assets"),
    ("attachment.notice_photo", "Notice photo"),
    ("attachment.other", "Other document"),
    ("attachment.visit_photo", "Visit photo"),
    ("attribute.dibao", "Dibao poor household"),
    ("attribute.ordinary", "Ordinary poor household"),
    ("attribute.tekun", "Extreme-hardship support household"),
    ("attribute.wubao", "Five-guarantee household"),
    ("casekind.elimination", "Risk elimination"),
    ("casekind.identification", "Identification"),
    ("cause.disability", "Disability"),
    ("cause.disaster", "Disaster"),
    ("cause.illness", "Illness"),
    ("cause.lack_of_capital", "Lack of capital"),
    ("cause.lack_of_labour", "Lack of labour"),
    ("cause.lack_of_land", "Lack of land"),
    ("cause.lack_of_motivation", "Lack of motivation"),
    ("cause.lack_of_skills", "Lack of skills"),
    ("cause.lack_of_water", "Lack of water"),
    ("cause.other", "Other"),
    ("cause.poor_transport", "Poor transport"),
    ("cause.schooling", "Schooling costs"),
    ("channel.cadre_check", "Cadre check"),
    ("channel.department_alert", "Department data alert"),
    ("channel.self_application", "Self-application"),
    ("education.college", "College or above"),
    ("education.illiterate", "Illiterate or semi-literate"),
    ("education.junior", "Junior secondary"),
    ("education.preschool", "Pre-school child"),
    ("education.primary", "Primary"),
    ("education.senior", "Senior secondary"),
    ("fuel.coal", "Coal"),
    ("fuel.electricity", "Electricity"),
    ("fuel.firewood", "Firewood and straw"),
    ("fuel.gas", "Gas"),
    ("fuel.other", "Other"),
    ("health.chronic", "Chronic illness"),
    ("health.disabled", "Disabled"),
    ("health.healthy", "Healthy"),
    ("health.serious_illness", "Serious illness"),
    ("housing_grade.a", "Grade A"),
    ("housing_grade.b", "Grade B"),
    ("housing_grade.c", "Grade C"),
    ("housing_grade.d", "Grade D"),
    ("income.business", "Business income"),
    ("income.dibao_benefit", "Dibao benefit"),
    ("income.eco_compensation", "Ecological compensation"),
    ("income.family_planning", "Family-planning allowance"),
    ("income.other_transfer", "Other transfers"),
    ("income.pension", "Pension"),
    ("income.production_costs", "Production costs"),
    ("income.property_dividend", "Asset-income dividend"),
    ("income.property_other", "Other property income"),
    ("income.tekun_benefit", "Extreme-hardship support"),
    ("income.wages", "Wages"),
    ("kind.marginal", "Marginal (at risk of poverty)"),
    ("kind.sudden_hardship", "Sudden severe hardship"),
    ("kind.unstable", "Exited but unstable"),
    ("labour.lost", "Lost ability to work"),
    ("labour.none", "No labour"),
    ("labour.ordinary", "Ordinary labour"),
    ("labour.skilled", "Skilled labour"),
    ("labour.weak", "Weak or half labour"),
    ("member_change.birth", "Birth"),
    ("member_change.death", "Death"),
    ("member_change.marriage_in", "Married in"),
    ("member_change.marriage_out", "Married out"),
    ("member_change.merge_in", "Joined by household merge"),
    ("member_change.split_out", "Left by household split"),
    ("outcome.pass", "Pass"),
    ("outcome.reject", "Not included"),
    ("placement.centralised", "Centralised resettlement"),
    ("placement.dispersed", "Dispersed resettlement"),
    ("post.first_secretary", "First secretary"),
    ("post.responsible_person", "Responsible cadre"),
    ("post.village_cadre", "Village cadre"),
    ("post.work_team_member", "Village work team member"),
    ("purpose.elimination_check", "Risk elimination check"),
    ("purpose.lead_verification", "Lead verification"),
    ("purpose.measure_follow_up", "Measure follow-up"),
    ("purpose.routine", "Routine visit"),
    ("relationship.daughter", "Daughter"),
    ("relationship.daughter_in_law", "Daughter-in-law"),
    ("relationship.father", "Father"),
    ("relationship.granddaughter", "Granddaughter"),
    ("relationship.grandparent", "Grandparent"),
    ("relationship.grandson", "Grandson"),
    ("relationship.head", "Head of household"),
    ("relationship.mother", "Mother"),
    ("relationship.other", "Other"),
    ("relationship.sibling", "Sibling"),
    ("relationship.son", "Son"),
    ("relationship.son_in_law", "Son-in-law"),
    ("relationship.spouse", "Spouse"),
    ("risk.accident", "Accident"),
    ("risk.disability", "Disability"),
    ("risk.disaster", "Natural disaster"),
    ("risk.housing", "Housing safety"),
    ("risk.illness", "Illness"),
    ("risk.industry_failure", "Failed industry project"),
    ("risk.lack_of_labour", "Lack of labour"),
    ("risk.other", "Other"),
    ("risk.schooling", "Schooling costs"),
    ("risk.unstable_employment", "Unstable employment"),
    ("risk.water", "Drinking water safety"),
    ("safe_housing.centralised_care", "Centralised care"),
    ("safe_housing.long_term_rental", "Long-term rental"),
    ("safe_housing.relocation_housing", "Relocation housing"),
    ("safe_housing.safe_house_elsewhere", "Other safe housing"),
    ("schooling.dropout", "Dropped out"),
    ("schooling.higher", "Higher vocational or college"),
    ("schooling.home_teaching", "Home teaching"),
    ("schooling.junior", "Junior secondary"),
    ("schooling.not_in_school", "Not in school"),
    ("schooling.preschool", "Pre-school"),
    ("schooling.primary", "Primary"),
    ("schooling.secondary_vocational", "Secondary vocational"),
    ("schooling.senior", "Senior secondary"),
    ("schooling.suspended_illness", "Suspended for illness"),
    ("sex.female", "Female"),
    ("sex.male", "Male"),
    ("social.dibao", "Dibao"),
    ("social.none", "None"),
    ("social.tekun", "Extreme-hardship support"),
    ("standard.city", "City standard"),
    ("standard.national", "National standard"),
    ("standard.provincial", "Provincial standard"),
    ("status.exited", "Exited"),
    ("status.monitored", "Monitored"),
    ("status.registered", "Registered poor"),
    ("status.removed", "Removed"),
    ("status.returned", "Returned to poverty"),
    ("status.risk_eliminated", "Risk eliminated"),
    ("step.comparison", "Data comparison"),
    ("step.county_approval", "County approval and announcement"),
    ("step.lead", "Lead recorded"),
    ("step.township_review", "Township review"),
    ("step.village_review", "Village review and public notice"),
    ("step.visit", "Home visit (signed consent)"),
    ("work.not_migrant", "No migrant work"),
    ("work.outside_province", "Outside the province"),
    ("work.within_county", "Within the county"),
    (
        "work.within_province",
        "Within the province, outside the county",
    ),
];

/// The English of a coded label, by `"<kind>.<code>"`.
pub fn english(key: &str) -> Option<&'static str> {
    ENGLISH
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .map(|i| ENGLISH[i].1)
}

/// Every coded enumeration users see, as `(kind, codes)`: the kinds of the keys above.
pub fn kinds() -> Vec<(&'static str, Vec<&'static str>)> {
    use crate::monitoring::{CadrePost, CaseKind, Outcome, Step, VisitPurpose};
    use crate::*;
    fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| code(*v)).collect()
    }
    vec![
        ("sex", codes(Sex::ALL, Sex::code)),
        ("relationship", codes(Relationship::ALL, Relationship::code)),
        ("education", codes(Education::ALL, Education::code)),
        (
            "schooling",
            codes(SchoolingStatus::ALL, SchoolingStatus::code),
        ),
        ("health", codes(Health::ALL, Health::code)),
        ("labour", codes(LabourAbility::ALL, LabourAbility::code)),
        ("work", codes(WorkStatus::ALL, WorkStatus::code)),
        (
            "standard",
            codes(IdentificationStandard::ALL, IdentificationStandard::code),
        ),
        ("attribute", codes(PoorAttribute::ALL, PoorAttribute::code)),
        ("cause", codes(PovertyCause::ALL, PovertyCause::code)),
        (
            "housing_grade",
            codes(HousingGrade::ALL, HousingGrade::code),
        ),
        (
            "safe_housing",
            codes(SafeHousingAlternative::ALL, SafeHousingAlternative::code),
        ),
        (
            "placement",
            codes(RelocationPlacement::ALL, RelocationPlacement::code),
        ),
        ("fuel", codes(FuelType::ALL, FuelType::code)),
        ("kind", codes(MonitoringKind::ALL, MonitoringKind::code)),
        ("income", codes(IncomeComponent::ALL, IncomeComponent::code)),
        ("risk", codes(RiskType::ALL, RiskType::code)),
        ("channel", codes(Channel::ALL, Channel::code)),
        ("status", codes(StatusEventKind::ALL, StatusEventKind::code)),
        (
            "assistance",
            codes(AssistanceType::ALL, AssistanceType::code),
        ),
        (
            "social",
            codes(SocialAssistance::ALL, SocialAssistance::code),
        ),
        ("casekind", codes(CaseKind::ALL, CaseKind::code)),
        ("step", codes(Step::ALL, Step::code)),
        ("outcome", codes(Outcome::ALL, Outcome::code)),
        ("purpose", codes(VisitPurpose::ALL, VisitPurpose::code)),
        ("post", codes(CadrePost::ALL, CadrePost::code)),
        (
            "member_change",
            codes(
                crate::survey::MemberChangeKind::ALL,
                crate::survey::MemberChangeKind::code,
            ),
        ),
        (
            "attachment",
            codes(
                crate::attachment::AttachmentKind::ALL,
                crate::attachment::AttachmentKind::code,
            ),
        ),
    ]
}

/// The words `docs/glossary.md` lists under 不用的词 (`- 非贫困户 → 一般农户`), for tests of every crate
/// that shows text.
pub fn avoided_words(glossary: &str) -> Vec<&str> {
    glossary
        .split("## 不用的词")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split_once('→').map(|(w, _)| w.trim()))
        .collect()
}

/// The glossary itself, for those tests.
pub const GLOSSARY: &str = include_str!("../../../docs/glossary.md");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_its_english() {
        let mut missing = Vec::new();
        for (kind, codes) in kinds() {
            for code in codes {
                let key = format!("{kind}.{code}");
                if english(&key).is_none_or(str::is_empty) {
                    missing.push(key);
                }
            }
        }
        assert!(missing.is_empty(), "no English for {missing:?}");
    }

    #[test]
    fn the_table_is_sorted_and_has_no_stale_keys() {
        assert!(ENGLISH.windows(2).all(|w| w[0].0 < w[1].0), "sorted by key");
        let kinds = kinds();
        for (key, _) in ENGLISH {
            let (kind, code) = key.split_once('.').unwrap_or_default();
            assert!(
                kinds
                    .iter()
                    .any(|(k, codes)| *k == kind && codes.contains(&code)),
                "{key} names no label"
            );
        }
    }

    /// The words `docs/glossary.md` lists as not used appear in no label.
    #[test]
    fn labels_use_the_glossary_terms() {
        let glossary = include_str!("../../../docs/glossary.md");
        let avoided = avoided_words(glossary);
        assert!(avoided.contains(&"案件"), "{avoided:?}");
        for label in all_labels() {
            for word in &avoided {
                assert!(!label.contains(word), "label「{label}」uses「{word}」");
            }
            assert!(
                crate::text::half_width_in_chinese(label).is_empty(),
                "label「{label}」has half-width punctuation"
            );
        }
    }

    fn all_labels() -> Vec<&'static str> {
        use crate::monitoring::{CadrePost, CaseKind, Outcome, Step, VisitPurpose};
        use crate::*;
        let mut out: Vec<&'static str> = Vec::new();
        out.extend(Relationship::ALL.iter().map(|v| v.label()));
        out.extend(SchoolingStatus::ALL.iter().map(|v| v.label()));
        out.extend(PoorAttribute::ALL.iter().map(|v| v.label()));
        out.extend(MonitoringKind::ALL.iter().map(|v| v.label()));
        out.extend(RiskType::ALL.iter().map(|v| v.label()));
        out.extend(Channel::ALL.iter().map(|v| v.label()));
        out.extend(StatusEventKind::ALL.iter().map(|v| v.label()));
        out.extend(AssistanceType::ALL.iter().map(|v| v.label()));
        out.extend(CaseKind::ALL.iter().map(|v| v.label()));
        out.extend(Step::ALL.iter().map(|v| v.label()));
        out.extend(Outcome::ALL.iter().map(|v| v.label()));
        out.extend(VisitPurpose::ALL.iter().map(|v| v.label()));
        out.extend(CadrePost::ALL.iter().map(|v| v.label()));
        out
    }
}
