//! What other departments' data says about a household (数据比对), as dated facts: the findings that
//! `jingzhun department compare --save` keeps per household, which the rules read as department alerts.

use chrono::NaiveDate;

use crate::{HouseholdId, Yuan};

crate::labeled_enum! {
    /// A department finding the rules read (the alert kinds of domain notes §6). Codes match the
    /// department list kinds they come from.
    pub enum DepartmentSignal {
        /// Out-of-pocket inpatient cost of a member over the list's period (医保).
        InpatientCost = ("inpatient_cost", "医保住院自付费用"),
        /// Largest monthly out-of-pocket outpatient cost of a member (医保).
        OutpatientCost = ("outpatient_cost", "医保门诊自付费用"),
        /// Out-of-pocket high-school or vocational costs (教育).
        EducationCost = ("education_cost", "高中及中职自付教育费用"),
        /// Disaster losses (应急管理).
        Disaster = ("disaster", "灾害损失"),
        /// Accident harming a working-age member (公安).
        Accident = ("accident", "意外事故"),
        /// Unemployment or loss of migrant work of a working-age member (人社).
        JobLoss = ("unemployment", "失业及务工中断"),
    }
}

/// One department finding about one household, dated: the amount compared with the threshold (zero for
/// findings without one) on the date the list reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepartmentFact {
    pub household: HouseholdId,
    pub signal: DepartmentSignal,
    pub date: NaiveDate,
    pub amount: Yuan,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_codes_round_trip() {
        for s in DepartmentSignal::ALL {
            assert_eq!(DepartmentSignal::from_code(s.code()), Some(*s));
        }
    }
}
