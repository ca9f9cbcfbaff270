//! `jingzhun report` on a small fixed generated registry (恩阳区 at 1% scale, seed 7): the annual review and
//! the standard tables as snapshots, and the sums that must hold (children add up to their parent; the
//! shares of a decomposition add up to 1).

use calamine::{open_workbook_auto, Data, Reader};

use crate::Workspace;

const COUNTY: &str = "511903";

fn generated() -> Workspace {
    let ws = Workspace::initialised();
    ws.run_ok(&["synth", "--area", COUNTY, "--scale", "0.01", "--seed", "7"]);
    ws
}

/// The data time is when the test generated the registry: replaced by a fixed mark.
fn without_data_time(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("数据时间") {
            Some(i) => format!("{}数据时间 [已替换]", &l[..i]),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sheet_text(path: &std::path::Path, name: &str, max_rows: usize) -> (usize, String) {
    let mut wb = open_workbook_auto(path).expect("workbook");
    let range = wb.worksheet_range(name).expect("sheet");
    let rows: Vec<String> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    let n = rows.len();
    (
        n,
        rows.into_iter()
            .take(max_rows)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[test]
fn reports_on_a_small_registry() {
    let ws = generated();

    // The annual review, every number computed.
    let md = ws.run_ok(&["report", "annual", "--area", COUNTY, "--year", "2020"]);
    insta::assert_snapshot!("annual_2020_md", without_data_time(&md));
    // A monitoring year: kinds, risk types, eliminations, returns.
    let md = ws.run_ok(&["report", "annual", "--area", COUNTY, "--year", "2023"]);
    insta::assert_snapshot!("annual_2023_md", without_data_time(&md));
    let html = ws.run_ok(&[
        "report", "annual", "--area", COUNTY, "--year", "2020", "--format", "html",
    ]);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("lang=\"zh-CN\""));
    assert!(html.contains("@page{size:A4"));

    // The standard tables, read back.
    let xlsx = ws.dir.path().join("tables.xlsx");
    let xlsx_arg = xlsx.display().to_string();
    ws.run_ok(&[
        "report", "tables", "--area", COUNTY, "--year", "2019", "--out", &xlsx_arg,
    ]);
    let (_, county) = sheet_text(&xlsx, "县级", 10);
    let (townships, township) = sheet_text(&xlsx, "乡镇级", 100);
    let (villages, village) = sheet_text(&xlsx, "村级", 6);
    let (_, source) = sheet_text(&xlsx, "数据来源", 10);
    insta::assert_snapshot!(
        "tables_2019_xlsx",
        format!(
            "[县级]\n{county}\n\n[乡镇级] {townships} 行\n{township}\n\n[村级] {villages} 行, 前 6 行\n{village}\n\n[数据来源]\n{}",
            without_data_time(&source.replace('\t', " "))
        )
    );
    let (catalogue_rows, _) = sheet_text(&xlsx, "指标说明", 0);
    assert!(catalogue_rows > 50);

    // Drill-down: the townships' counts add up to the county's.
    let json = ws.run_ok(&[
        "report",
        "indicators",
        "--area",
        COUNTY,
        "--year",
        "2023",
        "--by",
        "township",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows[0]["area"], COUNTY);
    for ind in v["indicators"].as_array().expect("indicators") {
        let unit = ind["unit"].as_str().unwrap_or_default();
        let code = ind["code"].as_str().unwrap_or_default();
        if !["households", "people", "villages"].contains(&unit) || !ind["unavailable"].is_null() {
            continue;
        }
        let whole = rows[0]["values"][code].as_f64();
        let parts: f64 = rows[1..]
            .iter()
            .filter_map(|r| r["values"][code].as_f64())
            .sum();
        assert_eq!(whole, Some(parts), "{code}: townships do not add up");
    }
    let county = &rows[0]["values"];
    let monitored = county["monitored_households"].as_f64().unwrap_or(0.0);
    assert!(monitored > 0.0, "monitoring in 2023");
    let by_kind: f64 = ["unstable", "marginal", "sudden_hardship"]
        .iter()
        .filter_map(|k| county[format!("monitored_households.{k}")].as_f64())
        .sum();
    assert_eq!(by_kind, monitored);
    let by_risk: f64 = county
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("monitored_households.risk."))
        .filter_map(|(_, v)| v.as_f64())
        .sum();
    assert!(
        by_risk > 0.0,
        "risk types of the monitoring decisions are counted"
    );

    // Measures: population shares and contributions add up to 1.
    let json = ws.run_ok(&[
        "report", "measures", "--area", COUNTY, "--year", "2016", "--format", "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let groups = v["income"]["decomposition"]["groups"]
        .as_array()
        .expect("groups");
    let sum = |f: &dyn Fn(&serde_json::Value) -> f64| groups.iter().map(f).sum::<f64>();
    assert!((sum(&|g| g["population_share"].as_f64().unwrap_or(0.0)) - 1.0).abs() < 1e-9);
    assert!((sum(&|g| g["contribution"]["headcount"].as_f64().unwrap_or(0.0)) - 1.0).abs() < 1e-9);
    assert!((sum(&|g| g["contribution"]["gap"].as_f64().unwrap_or(0.0)) - 1.0).abs() < 1e-9);
    let mpi = v["mpi"]["groups"].as_array().expect("mpi groups");
    let m0_share: f64 = mpi.iter().filter_map(|g| g["contribution"].as_f64()).sum();
    if v["mpi"]["total"]["m0"].as_f64().unwrap_or(0.0) > 0.0 {
        assert!((m0_share - 1.0).abs() < 1e-9);
    }
    // A line given in yuan, and the monitoring threshold.
    ws.run_ok(&[
        "report",
        "measures",
        "--area",
        COUNTY,
        "--year",
        "2022",
        "--line",
        "monitoring",
    ]);
    ws.run_ok(&[
        "report", "measures", "--area", COUNTY, "--year", "2016", "--line", "5000", "--k", "0.4",
    ]);

    // The county exit assessment.
    let exit = ws.run_ok(&[
        "report",
        "exit-assessment",
        "--county",
        COUNTY,
        "--year",
        "2017",
        "--approval",
        "95",
    ]);
    insta::assert_snapshot!("exit_assessment_2017", without_data_time(&exit));
}

#[test]
fn bad_arguments_are_refused_in_chinese() {
    let ws = Workspace::initialised();
    let out = ws
        .cmd(&[
            "report",
            "indicators",
            "--area",
            "5119",
            "--year",
            "2020",
            "--format",
            "pdf",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不支持的输出格式"));
    let out = ws
        .cmd(&[
            "report",
            "exit-assessment",
            "--county",
            "5119",
            "--year",
            "2020",
        ])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是县级区划代码"));
    let catalogue = ws.run_ok(&["report", "catalogue", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&catalogue).expect("json");
    assert!(v.as_array().is_some_and(|a| a.len() > 50));
}
