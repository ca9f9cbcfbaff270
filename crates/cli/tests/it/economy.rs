//! The economy records through the binary: generated with the registry, in `report summary`, exported,
//! and imported all-or-nothing with Chinese errors.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use rust_xlsxwriter::Workbook;

use crate::Workspace;

const COUNTY: &str = "511903";

fn workbook(path: &std::path::Path, sheets: &[(&str, Vec<Vec<String>>)]) {
    let mut b = Workbook::new();
    for (name, rows) in sheets {
        let s = b.add_worksheet();
        s.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                s.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    b.save(path).unwrap();
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

fn count(ws: &Workspace, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn generated_summarised_exported_and_imported() {
    let ws = Workspace::initialised();
    ws.run_ok(&["synth", "--area", COUNTY, "--scale", "0.01", "--seed", "7"]);
    let out = ws.run_ok(&[
        "report", "summary", "--area", COUNTY, "--year", "2020", "--format", "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for field in [
        "industry_base_mu",
        "leading_enterprises",
        "collective_income_villages_over_100k",
        "collective_income_villages_over_1m",
        "products_on_832",
        "labour_in_work",
    ] {
        assert!(v[field].is_number(), "{field} missing: {out}");
    }
    assert!(v["industry_base_mu"].as_f64().unwrap() > 0.0);
    assert!(v["labour_in_work"].as_i64().unwrap() > 0);

    // The export: every sheet, resident IDs masked.
    let file = ws.dir.path().join("产业就业.xlsx");
    ws.run_ok(&[
        "export",
        "economy",
        "--area",
        COUNTY,
        "--year",
        "2020",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(file.exists());

    // Re-importing the export fails on the masked IDs, and writes nothing.
    let audit = count(&ws, "SELECT count(*) FROM audit_log");
    let out = ws
        .cmd(&["import", "economy", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("工作表「就业」第 2 行「证件号码(B列)」"),
        "{err}"
    );
    assert!(err.contains("未导入任何记录"), "{err}");
    assert_eq!(count(&ws, "SELECT count(*) FROM audit_log"), audit);

    // A good workbook: a new operator, a village account of 2030 and a link for a stored household.
    let (no, village): (String, String) = rusqlite::Connection::open(ws.db())
        .unwrap()
        .query_row(
            "SELECT household_no, village_code FROM households ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let good = ws.dir.path().join("good.xlsx");
    let sheets = |amount: &str| {
        vec![
            (
                "经营主体",
                vec![
                    row(&["经营主体编号", "名称", "类型", "所在区划代码"]),
                    row(&["9", "恩阳区某食用菌专业合作社", "合作社", &village]),
                ],
            ),
            (
                "联农带农",
                vec![
                    row(&["户编号", "经营主体编号", "带动方式", "年度", "金额(元)"]),
                    row(&[&no, "9", "土地流转租金", "2030", amount]),
                ],
            ),
            (
                "村集体经济",
                vec![
                    row(&[
                        "村代码",
                        "年度",
                        "经营收入(元)",
                        "资产收益(元)",
                        "服务收入(元)",
                        "补助收入(元)",
                        "资产总额(元)",
                    ]),
                    row(&[&village, "2030", "1200000", "0", "0", "50000", "9000000"]),
                ],
            ),
        ]
    };
    workbook(&good, &sheets("800"));
    let out = ws.run_ok(&["import", "economy", good.to_str().unwrap()]);
    assert!(out.contains("已导入"), "{out}");
    // Again with another amount: a second version of the link, the first kept.
    workbook(&good, &sheets("900"));
    ws.run_ok(&["import", "economy", good.to_str().unwrap()]);
    assert_eq!(
        count(&ws, "SELECT count(*) FROM industry_links WHERE year = 2030"),
        2
    );
    assert_eq!(
        count(
            &ws,
            "SELECT max(version) FROM industry_links WHERE year = 2030"
        ),
        2
    );
    assert_eq!(
        count(
            &ws,
            "SELECT max(version) FROM economy_operators WHERE id = 9"
        ),
        2
    );

    // An unknown household: refused by row and column, nothing written.
    let bad = ws.dir.path().join("bad.xlsx");
    workbook(
        &bad,
        &[(
            "联农带农",
            vec![
                row(&["户编号", "经营主体编号", "带动方式", "年度", "金额(元)"]),
                row(&["9999999999", "9", "入股分红", "2030", "10"]),
            ],
        )],
    );
    let out = ws
        .cmd(&["import", "economy", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("工作表「联农带农」第 2 行「户编号」 值「9999999999」: 登记数据中没有这一户"),
        "{err}"
    );

    // The employment warning: a planted job loss in 2025 makes a lead for that household, and only it.
    let leads = |ws: &Workspace| -> Vec<serde_json::Value> {
        let out = ws.run_ok(&[
            "report",
            "employment-leads",
            "--area",
            COUNTY,
            "--year",
            "2025",
            "--format",
            "json",
        ]);
        serde_json::from_str(&out).unwrap()
    };
    let before = leads(&ws);
    let (household, no, member): (i64, String, String) = rusqlite::Connection::open(ws.db())
        .unwrap()
        .query_row(
            "SELECT e.household_id, h.household_no, e.member_id FROM employment_records e \
             JOIN households h ON h.id = e.household_id \
             JOIN employment_records n ON n.household_id = e.household_id AND n.member_id = e.member_id AND n.year = 2025 \
             WHERE e.year = 2024 AND e.months >= 10 AND e.status = 'migrant_outside_province' \
             ORDER BY e.household_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(before.iter().all(|l| l["household"] != household));
    let planted = ws.dir.path().join("planted.xlsx");
    workbook(
        &planted,
        &[(
            "就业",
            vec![
                row(&[
                    "户编号",
                    "证件号码",
                    "年度",
                    "就业状态",
                    "务工月数",
                    "工资性收入(元)",
                    "未就业原因",
                ]),
                row(&[&no, &member, "2025", "未就业", "0", "0", "务工中断"]),
            ],
        )],
    );
    ws.run_ok(&["import", "economy", planted.to_str().unwrap()]);
    let after = leads(&ws);
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    let lead = after.iter().find(|l| l["household"] == household).unwrap();
    assert_eq!(lead["risk"], "unstable_employment");
    assert!(
        !lead.to_string().contains(&member),
        "the member's ID is masked"
    );
}
