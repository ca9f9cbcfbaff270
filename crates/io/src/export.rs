//! Writing households back out in the import layout ([`crate::columns::COLUMNS`], one row per member) as
//! XLSX or as CSV with a UTF-8 BOM, and the import validation report as XLSX.
//!
//! No export can carry a formula: every text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return is written with a leading `'` (and always as a string, never as a formula); the importer removes
//! that quote again before `=`, `+`, `-` and `@`, so an export re-imports unchanged. With
//! [`ExportOptions::mask`] resident IDs and phone numbers are masked and every column that tells health or
//! disability is left out ([`HEALTH_REVEALING`]); such a file cannot be re-imported.
//!
//! CSV is for other programs: Excel opening a CSV turns 18-digit IDs into numbers. For people, use XLSX,
//! where ID, household number, phone and area code columns are text-formatted.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::*;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::columns::{Field, COLUMNS};
use crate::households::{ImportBatch, Problem};

/// Rows of an XLSX worksheet, header included (Excel's limit).
pub const XLSX_MAX_ROWS: u32 = 1_048_576;

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// The income year written; households without an income record of that year get empty income cells.
    /// `None` writes no income columns.
    pub income_year: Option<u16>,
    /// Mask resident IDs (`ResidentId::masked`) and phones (`Phone::masked`) and leave out every column
    /// that tells health or disability ([`HEALTH_REVEALING`]), for roles that may not see them.
    pub mask: bool,
    /// Only households in this area (and below); `None` for all.
    pub area: Option<AreaCode>,
    /// Data rows per worksheet before continuing on a new one (default and maximum: Excel's limit).
    pub rows_per_sheet: Option<u32>,
}

/// A household to export with its status events (for 首次识别时间 and 脱贫年度).
#[derive(Debug, Clone, Copy)]
pub struct ExportRecord<'a> {
    pub household: &'a Household,
    pub events: &'a [StatusEvent],
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("无法写入文件「{path}」: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("无法写入 Excel 文件「{path}」: {reason}")]
    Xlsx { path: String, reason: String },
}

/// One output value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Out {
    Empty,
    Text(String),
    /// Text that must stay text in Excel (IDs, codes, phones).
    Code(String),
    Number(f64),
}

/// Neutralises text that a spreadsheet would take as a formula: a leading `=`, `+`, `-`, `@`, tab or
/// carriage return gets a `'` in front.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn yes_no(b: bool) -> Out {
    Out::Text(if b { "是" } else { "否" }.to_owned())
}

fn opt_text<T: std::fmt::Display>(v: Option<T>) -> Out {
    v.map(|v| Out::Text(v.to_string())).unwrap_or(Out::Empty)
}

fn amount(y: Yuan) -> Out {
    Out::Number(y.fen() as f64 / 100.0)
}

fn amount_text(y: Yuan) -> String {
    let fen = y.fen();
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    match (abs / 100, abs % 100) {
        (whole, 0) => format!("{sign}{whole}"),
        (whole, fen) => format!("{sign}{whole}.{fen:02}"),
    }
}

fn first_identified(events: &[StatusEvent]) -> Option<NaiveDate> {
    events
        .iter()
        .filter(|e| e.kind == StatusEventKind::Registered)
        .map(|e| e.effective)
        .min()
}

fn exit_year(events: &[StatusEvent]) -> Option<u16> {
    events
        .iter()
        .filter(|e| e.kind == StatusEventKind::Exited)
        .map(|e| e.effective)
        .max()
        .map(|d| d.year() as u16)
}

/// The columns a masked export leaves out because their values tell a person's or a household's health or
/// disability (sensitive personal information under PIPL, like the ID):
///
/// - 健康状况 itself (长期慢性病, 患有大病, 残疾);
/// - 主要致贫原因 and 其他致贫原因 (因病, 因残);
/// - 在校生状况 (送教上门 is schooling at home for a disabled child, 因病休学 a leave for illness);
/// - 劳动技能 (丧失劳动力 and 弱劳动力 are assessed for illness or disability).
///
/// Whole columns, not single cells: a blank left where the value was 因残 would tell it as well.
pub const HEALTH_REVEALING: &[Field] = &[
    Field::Health,
    Field::MainCause,
    Field::OtherCauses,
    Field::Schooling,
    Field::Labour,
];

/// The columns written, in order.
fn columns(options: &ExportOptions) -> Vec<Field> {
    COLUMNS
        .iter()
        .map(|c| c.field)
        .filter(|f| {
            options.income_year.is_some() || !matches!(f, Field::IncomeYear | Field::Income(_))
        })
        .filter(|f| !(options.mask && HEALTH_REVEALING.contains(f)))
        .collect()
}

pub(crate) fn value(
    field: Field,
    r: &ExportRecord<'_>,
    m: &Member,
    options: &ExportOptions,
) -> Out {
    let h = r.household;
    match field {
        Field::HouseholdNo => Out::Code(h.number.to_string()),
        Field::Village => Out::Code(h.village.to_string()),
        Field::NaturalVillage => opt_text(h.natural_village.as_ref()),
        Field::Phone => match &h.phone {
            Some(p) if options.mask => Out::Code(p.masked()),
            Some(p) => Out::Code(p.as_str().to_owned()),
            None => Out::Empty,
        },
        Field::Standard => Out::Text(h.standard.label().to_owned()),
        Field::Attribute => opt_text(h.attribute),
        Field::MainCause => opt_text(h.main_cause),
        Field::OtherCauses => {
            if h.other_causes.is_empty() {
                Out::Empty
            } else {
                let labels: Vec<&str> = h.other_causes.iter().map(|c| c.label()).collect();
                Out::Text(labels.join("、"))
            }
        }
        Field::FirstIdentified => {
            opt_text(first_identified(r.events).map(|d| d.format("%Y-%m-%d").to_string()))
        }
        Field::PlannedExitYear => opt_text(h.planned_exit_year),
        Field::ExitYear => opt_text(exit_year(r.events)),
        Field::Relocated => yes_no(h.relocation.is_some()),
        Field::RelocationYear => opt_text(h.relocation.as_ref().map(|r| r.year)),
        Field::RelocationPlacement => opt_text(h.relocation.as_ref().map(|r| r.placement)),
        Field::RelocationSite => match &h.relocation {
            Some(r) if !r.site.is_empty() => Out::Text(r.site.clone()),
            _ => Out::Empty,
        },
        Field::HousingArea => h
            .housing
            .area_sqm
            .map(|v| Out::Number(f64::from(v)))
            .unwrap_or(Out::Empty),
        Field::HousingGrade => opt_text(h.housing.grade),
        Field::SafeHousing => opt_text(h.housing.safe_alternative),
        Field::WaterLitres => num_opt(h.water.litres_per_person_day),
        Field::WaterFetchMinutes => num_opt(h.water.fetch_minutes),
        Field::WaterOutageDays => num_opt(h.water.outage_days_per_year),
        Field::WaterQualityOk => h.water.quality_ok.map(yes_no).unwrap_or(Out::Empty),
        Field::DryArea => yes_no(h.water.dry_area),
        Field::FoodClothing => yes_no(h.food_clothing_secured),
        Field::Electricity => yes_no(h.electricity),
        Field::SanitaryToilet => yes_no(h.sanitary_toilet),
        Field::Fuel => opt_text(h.fuel),
        Field::Farmland => h.farmland_mu.map(Out::Number).unwrap_or(Out::Empty),
        Field::Forest => h.forest_mu.map(Out::Number).unwrap_or(Out::Empty),
        Field::Cooperative => yes_no(h.cooperative_member),
        Field::IncomeYear => match options.income_year.and_then(|y| h.income(y)) {
            Some(r) => Out::Number(f64::from(r.year)),
            None => Out::Empty,
        },
        Field::Income(c) => match options.income_year.and_then(|y| h.income(y)) {
            Some(r) => amount(r.get(c)),
            None => Out::Empty,
        },
        Field::Name => Out::Text(m.name.as_str().to_owned()),
        Field::Sex => Out::Text(m.sex.label().to_owned()),
        Field::ResidentId => Out::Code(if options.mask {
            m.resident_id.masked()
        } else {
            m.resident_id.as_str().to_owned()
        }),
        Field::Relationship => Out::Text(m.relationship.label().to_owned()),
        Field::Ethnicity => {
            if m.ethnicity.is_empty() {
                Out::Empty
            } else {
                Out::Text(m.ethnicity.clone())
            }
        }
        Field::Education => opt_text(m.education),
        Field::Schooling => opt_text(m.schooling),
        Field::Health => Out::Text(m.health.label().to_owned()),
        Field::Labour => opt_text(m.labour),
        Field::WorkStatus => Out::Text(m.work_status.label().to_owned()),
        Field::MigrantMonths => Out::Number(f64::from(m.migrant_months.get())),
        Field::MedicalInsurance => yes_no(m.medical_insurance),
        Field::SeriousIllnessInsurance => yes_no(m.serious_illness_insurance),
        Field::PensionInsurance => yes_no(m.pension_insurance),
        Field::SocialAssistance => Out::Text(m.social_assistance.label().to_owned()),
        Field::Informational => Out::Empty,
    }
}

fn num_opt(v: Option<u16>) -> Out {
    v.map(|v| Out::Number(f64::from(v))).unwrap_or(Out::Empty)
}

fn header_of(field: Field) -> &'static str {
    crate::columns::column(field)
        .map(|c| c.header)
        .unwrap_or("")
}

fn keeps(options: &ExportOptions, r: &ExportRecord<'_>) -> bool {
    options
        .area
        .as_ref()
        .is_none_or(|a| a.contains(&r.household.village))
}

/// Writes households as CSV with a UTF-8 BOM. Returns the number of member rows written.
pub fn export_csv(
    writer: impl Write,
    records: &[ExportRecord<'_>],
    options: &ExportOptions,
) -> Result<usize, std::io::Error> {
    let mut out = CsvHouseholdWriter::new(writer, options.clone())?;
    for r in records {
        out.write(r)?;
    }
    out.finish()
}

/// A CSV export written one household at a time (for streams too large to hold: synthetic registries):
/// BOM and header on creation, then [`CsvHouseholdWriter::write`] per household, then
/// [`CsvHouseholdWriter::finish`]. Writes what [`export_csv`] writes for the same households.
pub struct CsvHouseholdWriter<W: Write> {
    csv: csv::Writer<std::io::BufWriter<W>>,
    fields: Vec<Field>,
    options: ExportOptions,
    line: Vec<String>,
    rows: usize,
}

impl<W: Write> CsvHouseholdWriter<W> {
    /// Writes the BOM and the header row.
    pub fn new(writer: W, options: ExportOptions) -> Result<Self, std::io::Error> {
        let mut writer = std::io::BufWriter::with_capacity(1 << 16, writer);
        writer.write_all(b"\xEF\xBB\xBF")?;
        let mut csv = csv::Writer::from_writer(writer);
        let fields = columns(&options);
        csv.write_record(fields.iter().map(|f| header_of(*f)))?;
        Ok(Self {
            csv,
            line: Vec::with_capacity(fields.len()),
            fields,
            options,
            rows: 0,
        })
    }

    /// Writes one row per member (nothing for a household outside [`ExportOptions::area`]); returns the
    /// rows written.
    pub fn write(&mut self, r: &ExportRecord<'_>) -> Result<usize, std::io::Error> {
        if !keeps(&self.options, r) {
            return Ok(0);
        }
        for m in &r.household.members {
            self.line.clear();
            for f in &self.fields {
                self.line.push(match value(*f, r, m, &self.options) {
                    Out::Empty => String::new(),
                    Out::Text(s) | Out::Code(s) => neutralize(&s).into_owned(),
                    Out::Number(n) => match f {
                        Field::Income(_) => amount_text(Yuan::from_fen((n * 100.0).round() as i64)),
                        _ => format!("{n}"),
                    },
                });
            }
            self.csv.write_record(&self.line)?;
        }
        self.rows += r.household.members.len();
        Ok(r.household.members.len())
    }

    /// Member rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Flushes; returns the member rows written.
    pub fn finish(mut self) -> Result<usize, std::io::Error> {
        self.csv.flush()?;
        Ok(self.rows)
    }
}

/// Writes households as CSV with a UTF-8 BOM to a file.
pub fn export_csv_path(
    path: &Path,
    records: &[ExportRecord<'_>],
    options: &ExportOptions,
) -> Result<usize, ExportError> {
    let io = |source| ExportError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    export_csv(file, records, options).map_err(io)
}

struct Formats {
    header: Format,
    text: Format,
    amount: Format,
}

fn new_sheet<'w>(
    workbook: &'w mut Workbook,
    name: &str,
    headers: &[&str],
    formats: &Formats,
    text_columns: &[bool],
) -> Result<&'w mut Worksheet, XlsxError> {
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name(name)?;
    for (i, h) in headers.iter().enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, *h, &formats.header)?;
        let width = (h.chars().count() as f64 * 2.2).clamp(8.0, 30.0);
        if text_columns.get(i).copied().unwrap_or(false) {
            sheet.set_column_width(col, 21.0)?;
            sheet.set_column_format(col, &formats.text)?;
        } else {
            sheet.set_column_width(col, width)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(sheet)
}

fn sheet_name(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_owned()
    } else {
        format!("{base}({})", index + 1)
    }
}

/// Writes households as XLSX: bold frozen header, text-formatted ID and code columns, constant memory,
/// continuing on a new worksheet after [`ExportOptions::rows_per_sheet`] rows (a household is never split
/// between two sheets). Returns the member rows written.
pub fn export_xlsx(
    path: &Path,
    records: &[ExportRecord<'_>],
    options: &ExportOptions,
) -> Result<usize, ExportError> {
    let mut out = XlsxHouseholdWriter::new(path, options.clone())?;
    for r in records {
        out.write(r)?;
    }
    out.finish()
}

/// An XLSX export written one household at a time: worksheets in constant-memory mode (rows go to a
/// temporary file as they are written, so memory does not grow with the rows), a new worksheet
/// (`户籍信息`, `户籍信息(2)`, …) whenever the next household would pass [`ExportOptions::rows_per_sheet`]
/// (default and maximum: Excel's 1,048,575 data rows), the file assembled by
/// [`XlsxHouseholdWriter::finish`]. Writes what [`export_xlsx`] writes for the same households.
pub struct XlsxHouseholdWriter {
    path: std::path::PathBuf,
    workbook: Workbook,
    fields: Vec<Field>,
    headers: Vec<&'static str>,
    text_columns: Vec<bool>,
    formats: Formats,
    options: ExportOptions,
    per_sheet: u32,
    sheet_index: usize,
    row: u32,
    total: usize,
}

const XLSX_SHEET: &str = "户籍信息";

impl XlsxHouseholdWriter {
    /// Starts the workbook with its first worksheet; nothing is written to `path` before `finish`.
    pub fn new(path: &Path, options: ExportOptions) -> Result<Self, ExportError> {
        let fields = columns(&options);
        let headers: Vec<&'static str> = fields.iter().map(|f| header_of(*f)).collect();
        let text_columns: Vec<bool> = fields
            .iter()
            .map(|f| {
                matches!(
                    f,
                    Field::HouseholdNo | Field::Village | Field::Phone | Field::ResidentId
                )
            })
            .collect();
        let formats = Formats {
            header: Format::new().set_bold(),
            text: Format::new().set_num_format("@"),
            amount: Format::new().set_num_format("0.00"),
        };
        let per_sheet = options
            .rows_per_sheet
            .unwrap_or(XLSX_MAX_ROWS - 1)
            .clamp(1, XLSX_MAX_ROWS - 1);
        let mut out = Self {
            path: path.to_owned(),
            workbook: Workbook::new(),
            fields,
            headers,
            text_columns,
            formats,
            options,
            per_sheet,
            sheet_index: 0,
            row: 0,
            total: 0,
        };
        if let Err(e) = out.add_sheet(XLSX_SHEET) {
            return Err(out.err(e));
        }
        Ok(out)
    }

    fn err(&self, e: XlsxError) -> ExportError {
        ExportError::Xlsx {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// Writes one row per member (nothing for a household outside [`ExportOptions::area`]); returns the
    /// rows written.
    pub fn write(&mut self, r: &ExportRecord<'_>) -> Result<usize, ExportError> {
        if !keeps(&self.options, r) {
            return Ok(0);
        }
        let members = r.household.members.len() as u32;
        // A new sheet when this household would not fit (one larger than a sheet is split: it cannot be
        // helped, and the importer groups rows by 户编号 across sheets).
        if self.row > 0 && self.row + members > self.per_sheet {
            if let Err(e) = self.next_sheet() {
                return Err(self.err(e));
            }
        }
        if let Err(e) = self.write_rows(r) {
            return Err(self.err(e));
        }
        Ok(members as usize)
    }

    fn add_sheet(&mut self, name: &str) -> Result<(), XlsxError> {
        new_sheet(
            &mut self.workbook,
            name,
            &self.headers,
            &self.formats,
            &self.text_columns,
        )
        .map(|_| ())
    }

    fn next_sheet(&mut self) -> Result<(), XlsxError> {
        self.sheet_index += 1;
        self.row = 0;
        self.add_sheet(&sheet_name(XLSX_SHEET, self.sheet_index))
    }

    fn write_rows(&mut self, r: &ExportRecord<'_>) -> Result<(), XlsxError> {
        let mut sheet = self.workbook.worksheet_from_index(self.sheet_index)?;
        for m in &r.household.members {
            if self.row == self.per_sheet {
                self.next_sheet()?;
                sheet = self.workbook.worksheet_from_index(self.sheet_index)?;
            }
            self.row += 1;
            self.total += 1;
            let row = self.row;
            for (i, f) in self.fields.iter().enumerate() {
                let col = i as u16;
                match value(*f, r, m, &self.options) {
                    Out::Empty => {}
                    Out::Text(s) => {
                        sheet.write_string(row, col, neutralize(&s))?;
                    }
                    Out::Code(s) => {
                        sheet.write_string_with_format(
                            row,
                            col,
                            neutralize(&s),
                            &self.formats.text,
                        )?;
                    }
                    Out::Number(n) => {
                        if matches!(f, Field::Income(_)) {
                            sheet.write_number_with_format(row, col, n, &self.formats.amount)?;
                        } else {
                            sheet.write_number(row, col, n)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Member rows written so far.
    pub fn rows(&self) -> usize {
        self.total
    }

    /// Worksheets so far.
    pub fn sheets(&self) -> usize {
        self.sheet_index + 1
    }

    /// Assembles and saves the file; returns the member rows written.
    pub fn finish(mut self) -> Result<usize, ExportError> {
        let path = self.path.clone();
        match self.workbook.save(&path) {
            Ok(()) => Ok(self.total),
            Err(e) => Err(self.err(e)),
        }
    }
}

/// Writes the validation report of an import as XLSX: one sheet 导入问题 (工作表, 行号, 列, 值, 原因) and, when
/// there are any, one sheet 未识别的列.
pub fn write_report_xlsx(path: &Path, batch: &ImportBatch) -> Result<(), ExportError> {
    let err = |e: XlsxError| ExportError::Xlsx {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let formats = Formats {
        header: Format::new().set_bold(),
        text: Format::new().set_num_format("@"),
        amount: Format::new(),
    };
    let mut workbook = Workbook::new();
    let headers = ["工作表", "行号", "列", "值", "原因"];
    let sheet = new_sheet(
        &mut workbook,
        "导入问题",
        &headers,
        &formats,
        &[false, false, false, true, false],
    )
    .map_err(err)?;
    sheet.set_column_width(4, 60.0).map_err(err)?;
    let limit = (XLSX_MAX_ROWS - 1) as usize;
    for (i, p) in batch.problems.iter().take(limit).enumerate() {
        write_problem(sheet, i as u32 + 1, p, &formats).map_err(err)?;
    }
    if !batch.unknown_columns.is_empty() {
        let sheet = new_sheet(
            &mut workbook,
            "未识别的列",
            &["工作表", "列", "表头"],
            &formats,
            &[],
        )
        .map_err(err)?;
        for (i, u) in batch.unknown_columns.iter().enumerate() {
            let row = i as u32 + 1;
            sheet
                .write_string(row, 0, neutralize(&u.sheet))
                .map_err(err)?;
            sheet
                .write_string(row, 1, neutralize(&u.column))
                .map_err(err)?;
            sheet
                .write_string(row, 2, neutralize(&u.header))
                .map_err(err)?;
        }
    }
    workbook.save(path).map_err(err)
}

fn write_problem(
    sheet: &mut Worksheet,
    row: u32,
    p: &Problem,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, neutralize(&p.sheet))?;
    sheet.write_number(row, 1, p.row as f64)?;
    sheet.write_string(row, 2, neutralize(&p.column))?;
    sheet.write_string_with_format(row, 3, neutralize(&p.value), &formats.text)?;
    sheet.write_string(row, 4, neutralize(&p.reason))?;
    Ok(())
}

/// One sheet of a plain table: name, headers, rows of text.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    pub sheet: &'a str,
    pub headers: &'a [&'a str],
    pub rows: &'a [Vec<String>],
}

/// Writes a plain table (one header row, text cells, formula triggers neutralised) as XLSX: for lists
/// people download, such as data-quality findings or comparison results.
pub fn write_table_xlsx(
    path: &Path,
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<(), ExportError> {
    write_tables_xlsx(
        path,
        &[Table {
            sheet,
            headers,
            rows,
        }],
    )
}

/// Writes several plain tables, one worksheet each (continuing on further sheets past Excel's row limit).
pub fn write_tables_xlsx(path: &Path, tables: &[Table<'_>]) -> Result<(), ExportError> {
    let err = |e: XlsxError| ExportError::Xlsx {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let formats = Formats {
        header: Format::new().set_bold(),
        text: Format::new().set_num_format("@"),
        amount: Format::new(),
    };
    let mut workbook = Workbook::new();
    let per_sheet = (XLSX_MAX_ROWS - 1) as usize;
    for table in tables {
        let chunks: Vec<&[Vec<String>]> = if table.rows.is_empty() {
            vec![&[]]
        } else {
            table.rows.chunks(per_sheet).collect()
        };
        for (index, chunk) in chunks.into_iter().enumerate() {
            let ws = new_sheet(
                &mut workbook,
                &sheet_name(table.sheet, index),
                table.headers,
                &formats,
                &[],
            )
            .map_err(err)?;
            for (i, row) in chunk.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    if !v.is_empty() {
                        ws.write_string(i as u32 + 1, c as u16, neutralize(v))
                            .map_err(err)?;
                    }
                }
            }
        }
    }
    workbook.save(path).map_err(err)
}

/// How a column of a streamed table ([`XlsxTableWriter`]) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Plain text.
    Text,
    /// Text that must stay text in Excel (IDs, household numbers, phones, area codes): text-formatted.
    Code,
    /// A number.
    Number,
    /// An amount in yuan, two decimals.
    Amount,
    /// A date, written as `YYYY-MM-DD` text (sorts and reads the same in every spreadsheet).
    Date,
}

/// One column of a streamed table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableColumn<'a> {
    pub header: &'a str,
    pub kind: ColumnKind,
}

/// One cell of a streamed table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableCell<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
    Amount(Yuan),
    Date(NaiveDate),
}

impl<'a> TableCell<'a> {
    /// A text cell (borrowed).
    pub fn text(s: &'a str) -> Self {
        TableCell::Text(Cow::Borrowed(s))
    }
}

/// A one-table XLSX export written one row at a time: the worksheet in constant-memory mode (rows go to a
/// temporary file as they are written, strings inline, so memory does not grow with the rows), continuing
/// on `sheet(2)`, `sheet(3)`, … past Excel's row limit, the zip assembled from those files by
/// [`XlsxTableWriter::finish`]. Every text is written as a string (never a formula), formula triggers
/// neutralised ([`neutralize`]). For the lists people download (search results, cases, measures…).
pub struct XlsxTableWriter {
    path: std::path::PathBuf,
    workbook: Workbook,
    sheet: String,
    headers: Vec<String>,
    kinds: Vec<ColumnKind>,
    formats: Formats,
    per_sheet: u32,
    sheet_index: usize,
    row: u32,
    total: usize,
}

impl XlsxTableWriter {
    /// Starts the workbook with its first worksheet `sheet` and its header row; nothing is written to
    /// `path` before `finish`.
    pub fn new(path: &Path, sheet: &str, columns: &[TableColumn<'_>]) -> Result<Self, ExportError> {
        Self::with_rows_per_sheet(path, sheet, columns, XLSX_MAX_ROWS - 1)
    }

    /// [`XlsxTableWriter::new`] continuing on a new worksheet after `per_sheet` data rows (at most
    /// Excel's limit).
    pub fn with_rows_per_sheet(
        path: &Path,
        sheet: &str,
        columns: &[TableColumn<'_>],
        per_sheet: u32,
    ) -> Result<Self, ExportError> {
        let mut out = Self {
            path: path.to_owned(),
            workbook: Workbook::new(),
            sheet: sheet.to_owned(),
            headers: columns.iter().map(|c| c.header.to_owned()).collect(),
            kinds: columns.iter().map(|c| c.kind).collect(),
            formats: Formats {
                header: Format::new().set_bold(),
                text: Format::new().set_num_format("@"),
                amount: Format::new().set_num_format("0.00"),
            },
            per_sheet: per_sheet.clamp(1, XLSX_MAX_ROWS - 1),
            sheet_index: 0,
            row: 0,
            total: 0,
        };
        if let Err(e) = out.add_sheet() {
            return Err(out.err(e));
        }
        Ok(out)
    }

    fn err(&self, e: XlsxError) -> ExportError {
        ExportError::Xlsx {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        }
    }

    fn add_sheet(&mut self) -> Result<(), XlsxError> {
        let headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        let text: Vec<bool> = self.kinds.iter().map(|k| *k == ColumnKind::Code).collect();
        let name = sheet_name(&self.sheet, self.sheet_index);
        let sheet = new_sheet(&mut self.workbook, &name, &headers, &self.formats, &text)?;
        for (i, k) in self.kinds.iter().enumerate() {
            if matches!(k, ColumnKind::Date) {
                sheet.set_column_width(i as u16, 12.0)?;
            }
        }
        Ok(())
    }

    /// Writes one row (cells past the columns are ignored, missing ones left empty).
    pub fn write_row(&mut self, cells: &[TableCell<'_>]) -> Result<(), ExportError> {
        self.write_row_inner(cells).map_err(|e| self.err(e))
    }

    fn write_row_inner(&mut self, cells: &[TableCell<'_>]) -> Result<(), XlsxError> {
        if self.row == self.per_sheet {
            self.sheet_index += 1;
            self.row = 0;
            self.add_sheet()?;
        }
        self.row += 1;
        self.total += 1;
        let row = self.row;
        let sheet = self.workbook.worksheet_from_index(self.sheet_index)?;
        for (i, (cell, kind)) in cells.iter().zip(&self.kinds).enumerate() {
            let col = i as u16;
            match cell {
                TableCell::Empty => {}
                TableCell::Text(s) if *kind == ColumnKind::Code => {
                    sheet.write_string_with_format(row, col, neutralize(s), &self.formats.text)?;
                }
                TableCell::Text(s) => {
                    sheet.write_string(row, col, neutralize(s))?;
                }
                TableCell::Number(n) => {
                    sheet.write_number(row, col, *n)?;
                }
                TableCell::Amount(y) => {
                    sheet.write_number_with_format(
                        row,
                        col,
                        y.fen() as f64 / 100.0,
                        &self.formats.amount,
                    )?;
                }
                TableCell::Date(d) => {
                    sheet.write_string(row, col, d.format("%Y-%m-%d").to_string())?;
                }
            }
        }
        Ok(())
    }

    /// Data rows written so far.
    pub fn rows(&self) -> usize {
        self.total
    }

    /// Worksheets so far.
    pub fn sheets(&self) -> usize {
        self.sheet_index + 1
    }

    /// Assembles and saves the file; returns the data rows written.
    pub fn finish(mut self) -> Result<usize, ExportError> {
        let path = self.path.clone();
        match self.workbook.save(&path) {
            Ok(()) => Ok(self.total),
            Err(e) => Err(self.err(e)),
        }
    }
}

/// Writes a plain table as CSV with a UTF-8 BOM, formula triggers neutralised.
pub fn write_table_csv(
    writer: impl Write,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<(), std::io::Error> {
    let mut writer = std::io::BufWriter::new(writer);
    writer.write_all(b"\xEF\xBB\xBF")?;
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(headers)?;
    for row in rows {
        csv.write_record(
            row.iter()
                .map(|v| neutralize(v))
                .collect::<Vec<_>>()
                .iter()
                .map(|v| v.as_ref()),
        )?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_are_quoted() {
        for s in ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralize(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(neutralize("张三"), "张三");
        assert_eq!(amount_text(Yuan::from_fen(123_450)), "1234.50");
        assert_eq!(amount_text(Yuan::from_yuan(5)), "5");
    }

    #[test]
    fn streamed_table_reads_back_and_continues_on_new_sheets() {
        use calamine::{open_workbook, Data, Reader, Xlsx};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let columns = [
            TableColumn {
                header: "户编号",
                kind: ColumnKind::Code,
            },
            TableColumn {
                header: "说明",
                kind: ColumnKind::Text,
            },
            TableColumn {
                header: "金额",
                kind: ColumnKind::Amount,
            },
            TableColumn {
                header: "日期",
                kind: ColumnKind::Date,
            },
        ];
        let mut w = XlsxTableWriter::with_rows_per_sheet(&path, "清单", &columns, 2).unwrap();
        for i in 0..5 {
            w.write_row(&[
                TableCell::Text(Cow::Owned(format!("0{i}"))),
                TableCell::text("=1+1"),
                TableCell::Amount(Yuan::from_fen(12_345)),
                TableCell::Date(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()),
            ])
            .unwrap();
        }
        assert_eq!(w.sheets(), 3);
        assert_eq!(w.finish().unwrap(), 5);
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        assert_eq!(book.sheet_names(), ["清单", "清单(2)", "清单(3)"]);
        let first = book.worksheet_range("清单").unwrap();
        assert_eq!(first.get((0, 0)), Some(&Data::String("户编号".into())));
        assert_eq!(first.get((1, 0)), Some(&Data::String("00".into())));
        assert_eq!(first.get((1, 1)), Some(&Data::String("'=1+1".into())));
        assert_eq!(first.get((1, 2)), Some(&Data::Float(123.45)));
        assert_eq!(first.get((1, 3)), Some(&Data::String("2025-06-01".into())));
        let last = book.worksheet_range("清单(3)").unwrap();
        assert_eq!(last.height(), 2);
    }
}
