//! Findings counted by area and check, and the downloadable list.

use std::collections::BTreeMap;
use std::path::Path;

use jingzhun_core::{AreaCode, AreaLevel};
use jingzhun_io::export::{write_table_csv, write_table_xlsx, ExportError};

use crate::checks::Finding;

/// How many findings of one check an area has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaCount {
    pub area: AreaCode,
    pub level: AreaLevel,
    pub check: &'static str,
    /// Findings (not households: a household with two members missing schooling counts 2).
    pub count: usize,
}

/// Counts per check for every village, township and county that has findings, ordered by area code and
/// check code (a county comes before its townships, a township before its villages).
pub fn summarize(findings: &[Finding]) -> Vec<AreaCount> {
    let mut counts: BTreeMap<(String, &'static str), (AreaCode, usize)> = BTreeMap::new();
    for f in findings {
        for level in [AreaLevel::County, AreaLevel::Township, AreaLevel::Village] {
            if let Some(area) = f.area.ancestor_at(level) {
                counts
                    .entry((area.as_str().to_owned(), f.check.code))
                    .or_insert((area, 0))
                    .1 += 1;
            }
        }
    }
    counts
        .into_iter()
        .map(|((_, check), (area, count))| AreaCount {
            level: area.level(),
            area,
            check,
            count,
        })
        .collect()
}

/// The columns of the downloadable list.
pub const FINDING_HEADERS: [&str; 7] = [
    "检查代码",
    "检查项目",
    "行政区划代码",
    "户编号",
    "成员序号",
    "问题说明",
    "处理建议",
];

/// The findings as rows of text, in [`FINDING_HEADERS`] order.
pub fn finding_rows(findings: &[Finding]) -> Vec<Vec<String>> {
    findings
        .iter()
        .map(|f| {
            vec![
                f.check.code.to_owned(),
                f.check.label.to_owned(),
                f.area.to_string(),
                f.household_no.to_string(),
                f.member.map(|m| m.to_string()).unwrap_or_default(),
                f.detail.clone(),
                f.check.hint.to_owned(),
            ]
        })
        .collect()
}

/// Writes the findings as XLSX, or as CSV with a BOM when the file name ends in `.csv`.
pub fn write_findings(path: &Path, findings: &[Finding]) -> Result<(), ExportError> {
    let rows = finding_rows(findings);
    if jingzhun_io::table::is_csv(path) {
        let io = |source| ExportError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::create(path).map_err(io)?;
        write_table_csv(file, &FINDING_HEADERS, &rows).map_err(io)
    } else {
        write_table_xlsx(path, "数据质量问题", &FINDING_HEADERS, &rows)
    }
}
