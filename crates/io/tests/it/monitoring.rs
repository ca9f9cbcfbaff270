//! The monitoring records' layout: every table read from XLSX (under a title row, date cells, labels or
//! codes) and CSV (GBK), every bad cell named by sheet, row, column and value, checks against the
//! registry, and the template read back.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use jingzhun_core::monitoring::VisitPurpose;
use jingzhun_core::*;
use jingzhun_io::monitoring::{
    monitoring_template_xlsx, read_monitoring, read_monitoring_csv, resolve, RegisteredHousehold,
    CADRES, GUIDE_SHEET, MEASURES, MONITORED, PAIRINGS, VISITS,
};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const EXITED: &str = "5119020010010001";
const ORDINARY: &str = "5119020020030007";
const ELSEWHERE: &str = "5119030010010002";

/// Cells: text, or `#n` a number, or `@date` a date cell.
fn book(path: &Path, sheets: &[(&str, Vec<Vec<&str>>)]) {
    let mut b = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let s = b.add_worksheet();
        s.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                if let Some(n) = v.strip_prefix('#') {
                    s.write_number(r, c, n.parse::<f64>().unwrap()).unwrap();
                } else if let Some(t) = v.strip_prefix('@') {
                    let dt = ExcelDateTime::parse_from_str(t).unwrap();
                    s.write_datetime_with_format(r, c, &dt, &date).unwrap();
                } else if !v.is_empty() {
                    s.write_string(r, c, *v).unwrap();
                }
            }
        }
    }
    b.save(path).unwrap();
}

fn registry() -> HashMap<HouseholdNo, RegisteredHousehold> {
    let h = |no: &str, id: i64, village: &str, events: Vec<StatusEvent>| {
        (
            HouseholdNo::parse(no).unwrap(),
            RegisteredHousehold {
                id: HouseholdId(id),
                village: AreaCode::parse(village).unwrap(),
                events,
            },
        )
    };
    [
        h(
            EXITED,
            1,
            "511902001001",
            vec![
                StatusEvent::new(StatusEventKind::Registered, d("2014-10-01")),
                StatusEvent::new(StatusEventKind::Exited, d("2018-12-31")),
            ],
        ),
        h(ORDINARY, 2, "511902002003", vec![]),
        h(ELSEWHERE, 3, "511903001001", vec![]),
    ]
    .into_iter()
    .collect()
}

fn full_workbook(path: &Path) {
    book(
        path,
        &[
            (
                MONITORED,
                vec![
                    vec!["巴州区监测对象信息表（导出）"],
                    vec![
                        "户编号",
                        "户主姓名",
                        "监测对象类型",
                        "识别监测时间",
                        "返贫致贫风险",
                        "风险消除时间",
                    ],
                    vec![
                        EXITED,
                        "张三",
                        "脱贫不稳定户",
                        "@2021-05-10",
                        "因病、因学",
                        "2022/6/30",
                    ],
                    vec![EXITED, "张三", "unstable", "2023年3月1日", "illness", ""],
                    vec![ORDINARY, "孙八", "边缘易致贫户", "2022-03-01", "因灾", ""],
                ],
            ),
            (
                MEASURES,
                vec![
                    vec![
                        "户编号",
                        "措施类型",
                        "措施内容",
                        "开始日期",
                        "结束日期",
                        "帮扶金额（元）",
                        "帮扶干部姓名",
                        "帮扶干部联系电话",
                    ],
                    vec![
                        EXITED,
                        "医疗帮扶",
                        "资助参保",
                        "2021-06-01",
                        "2021-12-31",
                        "#380.5",
                        "王五",
                        "",
                    ],
                    vec![ORDINARY, "公益岗位", "护林员", "2022-04-01", "", "", "", ""],
                ],
            ),
            (
                VISITS,
                vec![
                    vec![
                        "户编号",
                        "走访日期",
                        "走访类型",
                        "走访情况",
                        "帮扶干部姓名",
                        "帮扶干部联系电话",
                    ],
                    vec![
                        EXITED,
                        "2021-05-01",
                        "线索核实",
                        "家中有病人住院",
                        "王五",
                        "13800001111",
                    ],
                ],
            ),
            (
                CADRES,
                vec![
                    vec!["姓名", "联系电话", "工作单位", "职务", "所在区划代码"],
                    vec![
                        "王五",
                        "13800001111",
                        "县农业农村局",
                        "帮扶责任人",
                        "511902001001",
                    ],
                ],
            ),
            (
                PAIRINGS,
                vec![
                    vec![
                        "户编号",
                        "帮扶干部姓名",
                        "帮扶干部联系电话",
                        "结对开始日期",
                        "结对结束日期",
                    ],
                    vec![EXITED, "王五", "", "2021-05-10", ""],
                ],
            ),
        ],
    );
}

#[test]
fn every_table_is_read_and_resolved_against_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("监测.xlsx");
    full_workbook(&path);
    let file = read_monitoring(&path).unwrap();
    assert!(file.is_valid(), "{:#?}", file.problems);
    assert_eq!(
        (
            file.identifications.len(),
            file.measures.len(),
            file.visits.len(),
            file.cadres.len(),
            file.pairings.len()
        ),
        (3, 2, 1, 1, 1)
    );
    let area = AreaCode::parse("511902").unwrap();
    let h = resolve(&file, &registry(), &area, &[], d("2026-12-01")).unwrap();
    let decisions: Vec<(i64, StatusEventKind, NaiveDate)> = h
        .decisions
        .iter()
        .map(|(id, e)| (id.0, e.kind, e.effective))
        .collect();
    assert_eq!(
        decisions,
        vec![
            (1, StatusEventKind::Monitored, d("2021-05-10")),
            (1, StatusEventKind::RiskEliminated, d("2022-06-30")),
            (1, StatusEventKind::Monitored, d("2023-03-01")),
            (2, StatusEventKind::Monitored, d("2022-03-01")),
        ]
    );
    assert_eq!(
        h.decisions[0].1.risk_types,
        vec![RiskType::Illness, RiskType::Schooling]
    );
    assert_eq!(h.decisions[3].1.risk_types, vec![RiskType::Disaster]);
    assert_eq!(
        h.decisions[3].1.monitoring_kind,
        Some(MonitoringKind::Marginal)
    );
    assert_eq!(h.measures[0].amount, Some(Yuan::from_fen(38_050)));
    assert_eq!(
        h.measures[0].cadre,
        Some(h.cadres[0].id),
        "the name alone names the one 王五"
    );
    assert_eq!(h.measures[1].ended, None);
    assert_eq!(h.visits[0].purpose, VisitPurpose::LeadVerification);
    assert_eq!(h.assignments[0].household, HouseholdId(1));
}

#[test]
fn bad_cells_are_named_by_sheet_row_column_and_value_and_nothing_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("坏.xlsx");
    book(
        &path,
        &[
            (
                MONITORED,
                vec![
                    vec![
                        "户编号",
                        "监测对象类别",
                        "识别纳入日期",
                        "风险类型",
                        "风险消除日期",
                    ],
                    vec![EXITED, "贫困户", "2021-05-10", "因病", ""],
                    vec![
                        "#5119020010010001",
                        "脱贫不稳定户",
                        "2021-13-01",
                        "因穷",
                        "2020-01-01",
                    ],
                    vec![ORDINARY, "边缘易致贫户", "2022-03-01", "", ""],
                ],
            ),
            (
                MEASURES,
                vec![
                    vec![
                        "户编号",
                        "措施类型",
                        "措施内容",
                        "开始日期",
                        "结束日期",
                        "帮扶金额",
                    ],
                    vec![EXITED, "发钱", "资助", "2021-06-01", "2021-05-01", "-3"],
                ],
            ),
            (VISITS, vec![vec!["户编号", "走访情况"], vec![EXITED, "好"]]),
        ],
    );
    let file = read_monitoring(&path).unwrap();
    let all: Vec<String> = file.problems.iter().map(|p| p.to_string()).collect();
    let all = all.join("\n");
    for want in [
        "工作表「监测对象」第 2 行「监测对象类别(B列)」 值「贫困户」: 不是有效的监测对象类别",
        "工作表「监测对象」第 3 行「户编号(A列)」 值「5.11902E+15」: 户编号被存成了数字",
        "工作表「监测对象」第 3 行「识别纳入日期(C列)」 值「2021-13-01」",
        "工作表「监测对象」第 3 行「风险类型(D列)」 值「因穷」: 「因穷」不是有效的风险类型",
        "工作表「监测对象」第 4 行「风险类型(D列)」: 必填，不能为空",
        "工作表「帮扶措施」第 2 行「措施类型(B列)」 值「发钱」: 不是有效的措施类型",
        "工作表「帮扶措施」第 2 行「结束日期(E列)」 值「2021-05-01」: 早于开始日期（2021-06-01）",
        "工作表「帮扶措施」第 2 行「帮扶金额(F列)」 值「-3」: 金额不能为负",
        "工作表「走访记录」第 1 行: 「走访记录」表缺少必填列：走访日期、走访类型，整张表未读取",
    ] {
        assert!(all.contains(want), "missing「{want}」in:\n{all}");
    }
    let area = AreaCode::parse("511902").unwrap();
    assert!(
        resolve(&file, &registry(), &area, &[], d("2026-12-01")).is_err(),
        "nothing kept"
    );
}

#[test]
fn registry_checks_name_the_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("核对.xlsx");
    book(
        &path,
        &[(
            MONITORED,
            vec![
                vec![
                    "户编号",
                    "监测对象类别",
                    "识别纳入日期",
                    "风险类型",
                    "风险消除日期",
                ],
                vec![ORDINARY, "脱贫不稳定户", "2021-05-10", "因病", ""],
                vec![EXITED, "边缘易致贫户", "2016-05-10", "因病", ""],
                vec![EXITED, "突发严重困难户", "2021-05-10", "因病", "2022-01-01"],
                vec![EXITED, "突发严重困难户", "2021-12-01", "因病", ""],
                vec!["5119020099990001", "边缘易致贫户", "2021-05-10", "因病", ""],
                vec![ELSEWHERE, "边缘易致贫户", "2021-05-10", "因病", ""],
                vec![ORDINARY, "边缘易致贫户", "2030-01-01", "因病", ""],
            ],
        )],
    );
    let file = read_monitoring(&path).unwrap();
    assert!(file.is_valid(), "{:#?}", file.problems);
    let area = AreaCode::parse("511902").unwrap();
    let problems = resolve(&file, &registry(), &area, &[], d("2026-12-01")).unwrap_err();
    let all: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let all = all.join("\n");
    for want in [
        "第 2 行「监测对象类别(B列)」 值「脱贫不稳定户」: 脱贫不稳定户只适用于脱贫户，此户在 2021-05-10 是一般农户",
        "第 3 行「监测对象类别(B列)」 值「边缘易致贫户」: 边缘易致贫户只适用于一般农户，此户在 2016-05-10 是建档立卡贫困户（未脱贫）",
        "第 5 行「识别纳入日期(C列)」 值「2021-12-01」: 与第 4 行的监测期重叠",
        "第 6 行「户编号(A列)」 值「5119020099990001」: 登记数据中没有这一户",
        "第 7 行「户编号(A列)」 值「5119030010010002」: 此户属于 511903001001，不在导入账号的管辖区划 511902 内",
        "第 8 行「识别纳入日期(C列)」 值「2030-01-01」: 晚于今天（2026-12-01）",
    ] {
        assert!(all.contains(want), "missing「{want}」in:\n{all}");
    }
}

#[test]
fn a_csv_in_gbk_is_one_table_recognised_by_its_headers() {
    let text = "户编号,措施类型,措施内容,开始日期,帮扶金额(元),帮扶干部姓名\r\n\
                5119020020030007,小额信贷,产业贷款贴息,2022-04-01,50000,李四\r\n\
                5119020020030007,就业帮扶,,2022-04-01,,\r\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let file = read_monitoring_csv(&bytes, "措施.csv").unwrap();
    assert_eq!(file.tables, vec![("措施.csv".to_owned(), MEASURES)]);
    let all: Vec<String> = file.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        all,
        vec!["工作表「措施.csv」第 3 行「措施内容(C列)」: 必填，不能为空".to_owned()]
    );
    // The cadre 李四 is found among the stored cadres of the area when the file has no cadre table.
    let text = "户编号,措施类型,措施内容,开始日期,帮扶干部姓名\n5119020020030007,小额信贷,贴息,2022-04-01,李四\n";
    let file = read_monitoring_csv(text.as_bytes(), "措施.csv").unwrap();
    let stored = jingzhun_core::monitoring::Cadre {
        id: jingzhun_core::monitoring::CadreId(77),
        name: PersonName::parse("李四").unwrap(),
        phone: None,
        unit: "镇政府".to_owned(),
        post: jingzhun_core::monitoring::CadrePost::VillageCadre,
        area: AreaCode::parse("511902002003").unwrap(),
    };
    let area = AreaCode::parse("511902").unwrap();
    let h = resolve(
        &file,
        &registry(),
        &area,
        std::slice::from_ref(&stored),
        d("2026-12-01"),
    )
    .unwrap();
    assert_eq!(h.cadres.len(), 1);
    assert_eq!(h.cadres[0].unit, stored.unit);
    assert_eq!(h.measures[0].cadre, Some(h.cadres[0].id));
    let problems = resolve(&file, &registry(), &area, &[], d("2026-12-01")).unwrap_err();
    assert!(
        problems[0]
            .to_string()
            .contains("「帮扶干部姓名(E列)」 值「李四」: 「帮扶干部」表和系统中都没有这位干部"),
        "{}",
        problems[0]
    );
}

#[test]
fn the_template_reads_back_empty_and_guides_every_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("模板.xlsx");
    std::fs::write(&path, monitoring_template_xlsx().unwrap()).unwrap();
    let file = read_monitoring(&path).unwrap();
    assert!(file.is_valid(), "{:#?}", file.problems);
    assert_eq!(file.tables.len(), 5);
    assert_eq!(file.skipped_sheets, vec![GUIDE_SHEET.to_owned()]);
    // The guide names every column of every table and says the headers are assumed.
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let guide = wb.worksheet_range(GUIDE_SHEET).unwrap();
    let text: Vec<String> = guide
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    let text = text.join("\n");
    for (_, columns) in jingzhun_io::monitoring::TABLES {
        for c in *columns {
            assert!(text.contains(c.header), "{}", c.header);
        }
    }
    assert!(text.contains("假定的列名"), "{text}");
}
