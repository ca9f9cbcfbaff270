//! Official statistics from a CSV (统计部门数据): one figure per row, kept beside the registry's own figures
//! and never mixed with them (`jingzhun_core::projects::OfficialStat`).
//!
//! Columns (header row, in any order): 区划代码, 指标代码, 指标名称, 年度, 数值, 单位, 来源. UTF-8 (with or
//! without BOM) or GBK. Every bad value is reported with its row, column and value, and nothing is
//! returned unless every row is valid (all or nothing).

use jingzhun_core::projects::OfficialStat;
use jingzhun_core::AreaCode;

use crate::text_file::decode;

const COLUMNS: [&str; 7] = [
    "区划代码",
    "指标代码",
    "指标名称",
    "年度",
    "数值",
    "单位",
    "来源",
];

/// Why a statistics file was refused: every problem, each naming its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("统计数据文件「{file}」有 {} 处问题:\n{}", problems.len(), problems.join("\n"))]
pub struct OfficialStatsError {
    pub file: String,
    pub problems: Vec<String>,
}

/// Parses the statistics of `bytes` (the file named `file`).
pub fn read_official_stats(
    file: &str,
    bytes: &[u8],
) -> Result<Vec<OfficialStat>, OfficialStatsError> {
    let (text, _) = decode(bytes);
    let fail = |problems: Vec<String>| OfficialStatsError {
        file: file.to_owned(),
        problems,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(vec![format!("第 1 行: 无法读取表头({e})")]))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut at = [0usize; 7];
    let mut problems = Vec::new();
    for (i, name) in COLUMNS.iter().enumerate() {
        match header.iter().position(|h| h == name) {
            Some(p) => at[i] = p,
            None => problems.push(format!("第 1 行: 缺少列「{name}」")),
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("第 {row} 行: 无法读取({e})"));
                continue;
            }
        };
        let cell = |i: usize| record.get(at[i]).unwrap_or("").trim().to_owned();
        let mut bad = |col: usize, value: &str, why: &str| {
            problems.push(format!(
                "第 {row} 行「{}」列: 值「{value}」{why}",
                COLUMNS[col]
            ));
        };
        let area = AreaCode::parse(&cell(0));
        if area.is_err() {
            bad(0, &cell(0), "不是有效的区划代码");
        }
        let indicator = cell(1);
        if indicator.is_empty()
            || !indicator
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            bad(1, &indicator, "应为字母、数字、下划线组成的代码");
        }
        for (col, what) in [(2, "指标名称"), (5, "单位"), (6, "来源")] {
            if cell(col).is_empty() {
                bad(col, "", &format!("为空: 须注明{what}"));
            }
        }
        let year = cell(3)
            .parse::<u16>()
            .ok()
            .filter(|y| (1949..=2100).contains(y));
        if year.is_none() {
            bad(3, &cell(3), "不是有效的年度");
        }
        let value = cell(4)
            .replace(',', "")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
        if value.is_none() {
            bad(4, &cell(4), "不是数值");
        }
        if let (Ok(area), Some(year), Some(value)) = (area, year, value) {
            out.push(OfficialStat {
                area,
                indicator,
                label: cell(2),
                year,
                value,
                unit: cell(5),
                source: cell(6),
            });
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "区划代码,指标代码,指标名称,年度,数值,单位,来源\n\
        5119,rural_disposable_income,农村居民人均可支配收入,2012,\"6,416\",元,巴中市统计局\n\
        5119,rural_disposable_income,农村居民人均可支配收入,2019,13232,元,巴中市统计局\n";

    #[test]
    fn reads_the_bureau_figures_with_their_source() {
        let stats = read_official_stats("s.csv", GOOD.as_bytes()).unwrap();
        assert_eq!(stats.len(), 2);
        assert_eq!(stats[0].value, 6_416.0);
        assert_eq!(stats[1].year, 2019);
        assert_eq!(stats[1].source, "巴中市统计局");
    }

    #[test]
    fn every_bad_value_is_named_and_nothing_is_returned() {
        let text = "区划代码,指标代码,指标名称,年度,数值,单位,来源\n\
            5119,rural_disposable_income,农村居民人均可支配收入,二〇一二,6416,元,巴中市统计局\n\
            51x9,rural_disposable_income,农村居民人均可支配收入,2019,abc,元,\n";
        let err = read_official_stats("s.csv", text.as_bytes()).unwrap_err();
        let all = err.to_string();
        assert!(all.contains("第 2 行「年度」列: 值「二〇一二」"), "{all}");
        assert!(all.contains("第 3 行「区划代码」列: 值「51x9」"), "{all}");
        assert!(all.contains("第 3 行「数值」列: 值「abc」"), "{all}");
        assert!(all.contains("第 3 行「来源」列"), "{all}");
        let missing =
            read_official_stats("s.csv", "区划代码,年度\n5119,2012\n".as_bytes()).unwrap_err();
        assert!(missing.to_string().contains("缺少列「数值」"));
    }
}
