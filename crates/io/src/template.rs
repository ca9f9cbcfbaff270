//! The household workbook template (导入模板) for the yearly income survey: the import layout's exact
//! columns ([`crate::columns::COLUMNS`], income included) on a sheet `户籍信息`, optionally filled with a
//! village's households (one row per member, 收入年度 set to the survey year on every row, the year's
//! amounts where there are any), and a guide sheet `填写说明`: every column with its other accepted
//! headers, whether it is required, whether it is per household or per member, and what to write (the
//! coded values' labels, formats, bounds).
//!
//! The household import reads the file back as it is: the guide sheet has no header row the importer
//! recognises and is skipped, and the data sheet is the export layout. The tests read a filled template
//! back into the same households.

use jingzhun_core::*;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::columns::{Column, Field, Level, COLUMNS};
use crate::export::{neutralize, value, ExportOptions, ExportRecord, Out};

/// The data sheet's name (the export's).
pub const DATA_SHEET: &str = "户籍信息";
/// The guide sheet's name.
pub const GUIDE_SHEET: &str = "填写说明";
/// The guide sheet's headers.
pub const GUIDE_HEADERS: [&str; 5] = ["列名", "也可写作", "是否必填", "填写层级", "填写要求"];

fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    all.iter().map(|v| label(*v)).collect::<Vec<_>>().join("、")
}

/// What to write in a column, in Chinese.
pub fn guidance(field: Field) -> String {
    let choose = |list: String| format!("从以下选填：{list}");
    match field {
        Field::HouseholdNo => {
            "户编号，1–32 位数字或字母；同一户的各成员行填写相同的户编号".to_owned()
        }
        Field::Village => "村的 12 位行政区划代码（文本格式）".to_owned(),
        Field::NaturalVillage => "自然村或村民小组名称，最多 30 个字".to_owned(),
        Field::Phone => "11 位手机号或带区号的固定电话（文本格式）".to_owned(),
        Field::Standard => choose(labels(
            IdentificationStandard::ALL,
            IdentificationStandard::label,
        )),
        Field::Attribute => choose(labels(PoorAttribute::ALL, PoorAttribute::label)),
        Field::MainCause => choose(labels(PovertyCause::ALL, PovertyCause::label)),
        Field::OtherCauses => format!(
            "可填多项，用顿号、逗号分隔；{}",
            choose(labels(PovertyCause::ALL, PovertyCause::label))
        ),
        Field::FirstIdentified => "日期，如 2014-10-01".to_owned(),
        Field::PlannedExitYear | Field::ExitYear | Field::RelocationYear => {
            "四位年份，如 2019".to_owned()
        }
        Field::Relocated
        | Field::WaterQualityOk
        | Field::DryArea
        | Field::FoodClothing
        | Field::Electricity
        | Field::SanitaryToilet
        | Field::Cooperative
        | Field::MedicalInsurance
        | Field::SeriousIllnessInsurance
        | Field::PensionInsurance => "填「是」或「否」".to_owned(),
        Field::RelocationPlacement => {
            choose(labels(RelocationPlacement::ALL, RelocationPlacement::label))
        }
        Field::RelocationSite => "安置地名称".to_owned(),
        Field::HousingArea => "整数，平方米".to_owned(),
        Field::HousingGrade => choose(labels(HousingGrade::ALL, HousingGrade::label)),
        Field::SafeHousing => choose(labels(
            SafeHousingAlternative::ALL,
            SafeHousingAlternative::label,
        )),
        Field::WaterLitres => "整数，升／人·日".to_owned(),
        Field::WaterFetchMinutes => "整数，分钟（往返）".to_owned(),
        Field::WaterOutageDays => "整数，天／年".to_owned(),
        Field::Fuel => choose(labels(FuelType::ALL, FuelType::label)),
        Field::Farmland | Field::Forest => "亩，可带小数".to_owned(),
        Field::IncomeYear => {
            "收入所属年度，四位年份；有收入数据的行必须填写（模板已填好调查年度）".to_owned()
        }
        Field::Income(c) if c.is_cost() => {
            "全年金额（元），最多两位小数，不能为负；计算纯收入时扣除".to_owned()
        }
        Field::Income(_) => {
            "全年金额（元），最多两位小数，不能为负；一户的收入填在户主所在行".to_owned()
        }
        Field::Name => "成员姓名，最多 30 个字".to_owned(),
        Field::Sex => choose(labels(Sex::ALL, Sex::label)),
        Field::ResidentId => {
            "18 位公民身份号码，单元格须为文本格式（否则 Excel 会丢失末尾数字）".to_owned()
        }
        Field::Relationship => choose(labels(Relationship::ALL, Relationship::label)),
        Field::Ethnicity => "如 汉族、土家族".to_owned(),
        Field::Education => choose(labels(Education::ALL, Education::label)),
        Field::Schooling => choose(labels(SchoolingStatus::ALL, SchoolingStatus::label)),
        Field::Health => choose(labels(Health::ALL, Health::label)),
        Field::Labour => choose(labels(LabourAbility::ALL, LabourAbility::label)),
        Field::WorkStatus => choose(labels(WorkStatus::ALL, WorkStatus::label)),
        Field::MigrantMonths => "0–12 的整数（月）".to_owned(),
        Field::SocialAssistance => choose(labels(SocialAssistance::ALL, SocialAssistance::label)),
        Field::Informational => String::new(),
    }
}

/// The guide's rows, one per column of the layout, in the data sheet's order.
pub fn guide_rows() -> Vec<[String; 5]> {
    COLUMNS
        .iter()
        .map(|c: &Column| {
            [
                c.header.to_owned(),
                c.aliases.join("、"),
                if c.required { "必填" } else { "选填" }.to_owned(),
                match c.level {
                    Level::Household => "按户（户主行）",
                    Level::Member => "按人（每行）",
                }
                .to_owned(),
                guidance(c.field),
            ]
        })
        .collect()
}

/// The template as XLSX bytes: the data sheet with `records` (unmasked: the file is for filling in and
/// importing back) and the survey year `year` on every row, then the guide sheet.
pub fn template_xlsx(records: &[ExportRecord<'_>], year: u16) -> Result<Vec<u8>, XlsxError> {
    let options = ExportOptions {
        income_year: Some(year),
        ..ExportOptions::default()
    };
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let money = Format::new().set_num_format("0.00");
    let wrap = Format::new().set_text_wrap();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(DATA_SHEET)?;
    for (i, c) in COLUMNS.iter().enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, c.header, &bold)?;
        let is_text = matches!(
            c.field,
            Field::HouseholdNo | Field::Village | Field::Phone | Field::ResidentId
        );
        if is_text {
            sheet.set_column_width(col, 21.0)?;
            sheet.set_column_format(col, &text)?;
        } else {
            sheet.set_column_width(
                col,
                (c.header.chars().count() as f64 * 2.2).clamp(8.0, 30.0),
            )?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row = 0u32;
    for r in records {
        for m in &r.household.members {
            row += 1;
            for (i, c) in COLUMNS.iter().enumerate() {
                let col = i as u16;
                let out = match c.field {
                    Field::IncomeYear => Out::Number(f64::from(year)),
                    f => value(f, r, m, &options),
                };
                match out {
                    Out::Empty => {}
                    Out::Text(s) => {
                        sheet.write_string(row, col, neutralize(&s))?;
                    }
                    Out::Code(s) => {
                        sheet.write_string_with_format(row, col, neutralize(&s), &text)?;
                    }
                    Out::Number(n) if matches!(c.field, Field::Income(_)) => {
                        sheet.write_number_with_format(row, col, n, &money)?;
                    }
                    Out::Number(n) => {
                        sheet.write_number(row, col, n)?;
                    }
                }
            }
        }
    }
    let guide = workbook.add_worksheet();
    guide.set_name(GUIDE_SHEET)?;
    for (i, h) in GUIDE_HEADERS.iter().enumerate() {
        guide.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    guide.set_column_width(0, 26.0)?;
    guide.set_column_width(1, 30.0)?;
    guide.set_column_width(2, 10.0)?;
    guide.set_column_width(3, 14.0)?;
    guide.set_column_width(4, 70.0)?;
    for (i, cells) in guide_rows().iter().enumerate() {
        for (j, v) in cells.iter().enumerate() {
            if j == 4 {
                guide.write_string_with_format(i as u32 + 1, j as u16, neutralize(v), &wrap)?;
            } else {
                guide.write_string(i as u32 + 1, j as u16, neutralize(v))?;
            }
        }
    }
    let notes = [
        "一行一名成员；户的信息（户编号以外）填在户主所在行即可，其他成员行可留空。",
        "家庭成员指共同生活、共享收支的人，不论户口是否在本户；户口在外但共享收支的算本户成员。",
        "收入按年度填写全年金额；模板中的「收入年度」已填好，请勿改动。",
        "导入时整份文件逐格校验：任何一格有误，整份文件都不导入，并列出工作表、行号、列名和值。",
        "本工作表「填写说明」导入时不读取，可以保留。",
    ];
    let start = guide_rows().len() as u32 + 2;
    for (i, n) in notes.iter().enumerate() {
        guide.write_string(start + i as u32, 0, *n)?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_guidance() {
        for c in COLUMNS {
            assert!(!guidance(c.field).is_empty(), "{}", c.header);
            assert!(
                jingzhun_core::text::half_width_in_chinese(&guidance(c.field)).is_empty(),
                "{}: half-width punctuation in「{}」",
                c.header,
                guidance(c.field)
            );
        }
        assert_eq!(guide_rows().len(), COLUMNS.len());
    }
}
