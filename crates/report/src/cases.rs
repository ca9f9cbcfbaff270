//! The monitoring inbox (监测事项清单) as XLSX: one row per case as the inbox lists it, with the filters
//! that chose them written above. Names only: no resident IDs or phone numbers; risk types (which can
//! reveal illness or disability) only when the caller says the reader may see them.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One case as the inbox shows it, already in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseRow {
    pub case_id: String,
    pub household_number: String,
    pub head_name: String,
    pub village_name: String,
    pub village_code: String,
    pub kind: String,
    pub monitoring_kind: String,
    /// Empty when masked.
    pub risk_types: String,
    /// The step waited for, or how the case ended.
    pub state: String,
    pub opened: String,
    pub deadline: String,
    /// 已逾期 / 临期 / empty.
    pub timing: String,
}

/// The workbook: a title line (`title`), the filters (`filters`), then the list.
pub fn workbook(
    title: &str,
    filters: &str,
    rows: &[CaseRow],
    masked: bool,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("监测事项")?;
    sheet.write_string_with_format(0, 0, title, &bold)?;
    sheet.write_string(
        1,
        0,
        format!(
            "{filters}{}",
            if masked {
                "；风险类型已遮蔽"
            } else {
                ""
            }
        ),
    )?;
    let headers = [
        "事项编号",
        "户编号",
        "户主",
        "行政村",
        "村代码",
        "事项类型",
        "监测对象类型",
        "风险类型",
        "办理环节",
        "线索日期",
        "办结时限",
        "时限",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        let cells = [
            &r.case_id,
            &r.household_number,
            &r.head_name,
            &r.village_name,
            &r.village_code,
            &r.kind,
            &r.monitoring_kind,
            &r.risk_types,
            &r.state,
            &r.opened,
            &r.deadline,
            &r.timing,
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, v.as_str())?;
        }
    }
    for (c, w) in [12, 20, 10, 16, 14, 14, 14, 20, 16, 12, 12, 8]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *w)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workbook_is_a_zip_with_the_list() {
        let rows = vec![CaseRow {
            case_id: "7-1".into(),
            head_name: "王二".into(),
            ..CaseRow::default()
        }];
        let bytes = workbook("监测事项清单", "全部", &rows, true).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
