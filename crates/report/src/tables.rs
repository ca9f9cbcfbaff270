//! The standard tables as an XLSX workbook: one sheet per level (county, township, village) with every
//! available indicator, Chinese headers, a frozen header row and code/name columns, number formats
//! (thousands for counts and yuan, percentages for rates); then the catalogue (指标说明) and where the
//! figures come from (数据来源).
//!
//! The tables are aggregates: they hold no resident IDs or other personal data, whatever the user's role
//! (household lists with IDs are `jingzhun export households`, masked unless the role allows).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::annual::Provenance;
use crate::indicators::{catalogue, IndicatorTable, Unit};

/// Writing the workbook failed.
#[derive(Debug, thiserror::Error)]
#[error("生成报表工作簿失败: {0}")]
pub struct TablesError(#[from] XlsxError);

/// The header of an indicator's column: name and unit.
pub fn column_header(name: &str, unit: Unit) -> String {
    match unit {
        Unit::Rate => format!("{name}(%)"),
        u => format!("{name}({})", u.label()),
    }
}

/// The workbook as bytes; `sheets` are `(sheet name, table)`, e.g. `("县级", …)`.
pub fn workbook(
    sheets: &[(&str, &IndicatorTable)],
    provenance: &Provenance,
) -> Result<Vec<u8>, TablesError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(0xDDEBF7);
    let text = Format::new().set_num_format("@");
    let count = Format::new().set_num_format("#,##0");
    let rate = Format::new().set_num_format("0.00%");
    let decimal = Format::new().set_num_format("#,##0.0");
    let columns: Vec<_> = catalogue()
        .iter()
        .enumerate()
        .filter(|(_, i)| i.unavailable.is_none())
        .collect();
    for (name, table) in sheets {
        let sheet = wb.add_worksheet();
        sheet.set_name(*name)?;
        sheet.write_string_with_format(0, 0, "区划代码", &header)?;
        sheet.write_string_with_format(0, 1, "名称", &header)?;
        sheet.set_column_width(0, 14.0)?;
        sheet.set_column_width(1, 16.0)?;
        for (c, (_, ind)) in columns.iter().enumerate() {
            let col = c as u16 + 2;
            sheet.write_string_with_format(0, col, column_header(&ind.name, ind.unit), &header)?;
            sheet.set_column_width(col, 12.0)?;
        }
        sheet.set_row_height(0, 48.0)?;
        sheet.set_freeze_panes(1, 2)?;
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string_with_format(r, 0, row.code.as_str(), &text)?;
            sheet.write_string(r, 1, &row.name)?;
            for (c, (i, ind)) in columns.iter().enumerate() {
                let Some(v) = row.values[*i] else { continue };
                let format = match ind.unit {
                    Unit::Rate => &rate,
                    Unit::Days => &decimal,
                    _ => &count,
                };
                let v = match ind.unit {
                    Unit::Rate => (v * 10_000.0).round() / 10_000.0,
                    Unit::Days => v,
                    _ => v.round(),
                };
                sheet.write_number_with_format(r, c as u16 + 2, v, format)?;
            }
        }
    }
    let sheet = wb.add_worksheet();
    sheet.set_name("指标说明")?;
    let heads = ["代码", "指标", "英文名", "单位", "统计对象", "定义", "说明"];
    for (c, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &header)?;
    }
    for (c, w) in [28.0, 28.0, 32.0, 6.0, 28.0, 60.0, 40.0].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (r, ind) in catalogue().iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &ind.code)?;
        sheet.write_string(r, 1, &ind.name)?;
        sheet.write_string(r, 2, &ind.name_en)?;
        sheet.write_string(r, 3, ind.unit.label())?;
        sheet.write_string(r, 4, &ind.counts)?;
        sheet.write_string(r, 5, &ind.definition)?;
        sheet.write_string(r, 6, ind.unavailable.map_or("", |w| w))?;
    }
    let sheet = wb.add_worksheet();
    sheet.set_name("数据来源")?;
    sheet.set_column_width(0, 14.0)?;
    sheet.set_column_width(1, 70.0)?;
    let year = sheets
        .first()
        .map(|(_, t)| t.year.to_string())
        .unwrap_or_default();
    let rows = [
        ("年度", year),
        ("评估日期", provenance.as_of.to_string()),
        ("政策包", provenance.pack_version.clone()),
        ("政策包哈希", provenance.pack_hash.clone()),
        ("数据时间", provenance.data_time.clone()),
        ("程序版本", provenance.code_version.clone()),
    ];
    for (r, (k, v)) in rows.iter().enumerate() {
        sheet.write_string_with_format(r as u32, 0, *k, &header)?;
        sheet.write_string(r as u32, 1, v)?;
    }
    Ok(wb.save_to_buffer()?)
}
