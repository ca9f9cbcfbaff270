//! Reading household spreadsheets in the national system's export layout ([`crate::columns`]): XLSX or CSV
//! (UTF-8 with or without BOM, GBK/GB18030), header row found under merged title rows, column order free.
//!
//! Reading never stops at the first bad cell: every problem is collected with its sheet, row, column, value
//! and a Chinese reason, and the caller decides (the registry import writes nothing unless
//! [`ImportBatch::is_valid`]). Resident IDs that Excel stored as numbers have lost digits and are rejected
//! with their row, never "repaired".
//!
//! Members are grouped into households by 户编号, in order of first appearance; the household's own columns
//! are taken from the head's row (与户主关系 = 户主), or the household's first row when it has no head. Only
//! that row's household columns are checked.
//!
//! [`validate`] is pure (cells in, batch out); [`read_households`] adds the file reading.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use jingzhun_core::*;

use crate::columns::{match_normalized, Field, COLUMNS};
use crate::table::{
    self, column_letter, excel_serial_to_date, find_header, format_number, Cell, Header, OwnedCell,
    RowSink, TableError, HEADER_SEARCH_ROWS,
};
use crate::text_file::Detected;

/// Options of a household import.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The year of the income columns when the file has no 收入年度 column.
    pub income_year: Option<u16>,
    /// The date resident IDs are judged against (a birth date after it is invalid).
    pub today: NaiveDate,
}

impl ReadOptions {
    pub fn new(today: NaiveDate) -> Self {
        Self {
            income_year: None,
            today,
        }
    }
}

/// One bad cell (or row, or header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub sheet: String,
    /// 1-based row number as the spreadsheet shows it.
    pub row: usize,
    /// The column's header as written in the file, with its letter: `证件号码(E列)`. Empty for row-level
    /// problems.
    pub column: String,
    pub value: String,
    /// Why, in Chinese.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "工作表「{}」第 {} 行", self.sheet, self.row)?;
        if !self.column.is_empty() {
            write!(f, "「{}」", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, " 值「{}」", self.value)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A column whose header the layout does not know: reported, not fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownColumn {
    pub sheet: String,
    /// Excel column letter.
    pub column: String,
    pub header: String,
}

/// Counts of what was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub sheets: usize,
    /// Data rows (non-empty rows below the header).
    pub rows: usize,
    pub households: usize,
    pub members: usize,
}

/// A household as read, with the facts of the export that are status events rather than household fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedHousehold {
    pub household: Household,
    /// 首次识别时间: when the household was first registered as poor.
    pub first_identified: Option<NaiveDate>,
    /// 脱贫年度.
    pub exit_year: Option<u16>,
    /// Where the household's columns were read from (the head's row, or the first row).
    pub sheet: String,
    pub row: usize,
}

impl ParsedHousehold {
    /// The status events the export implies: 识别为贫困户 on the first identification date, and 脱贫 on
    /// 31 December of the exit year (the export gives only the year). The store appends them only when the
    /// household has no such event yet.
    pub fn status_events(&self) -> Vec<StatusEvent> {
        let mut events = Vec::new();
        if let Some(d) = self.first_identified {
            events.push(StatusEvent::new(StatusEventKind::Registered, d));
        }
        if let Some(d) = self
            .exit_year
            .and_then(|y| NaiveDate::from_ymd_opt(i32::from(y), 12, 31))
        {
            events.push(StatusEvent::new(StatusEventKind::Exited, d));
        }
        events
    }
}

/// The result of reading a household file.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// The file as given, for messages.
    pub source: String,
    pub encoding: Option<Detected>,
    pub households: Vec<ParsedHousehold>,
    pub problems: Vec<Problem>,
    pub unknown_columns: Vec<UnknownColumn>,
    pub counts: Counts,
    /// Sheets hidden in the workbook: read like the others, named so that nobody imports rows they never
    /// saw.
    pub hidden_sheets: Vec<String>,
    /// Sheets skipped because no header row was found among their first rows (nothing of them imported).
    pub skipped_sheets: Vec<String>,
}

impl ImportBatch {
    /// True when nothing is wrong: the batch may be written.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// One problem as shown on screen: file, sheet, row, column, value and reason.
    pub fn describe(&self, problem: &Problem) -> String {
        format!("文件「{}」{problem}", self.source)
    }

    /// A one-line summary for the screen.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "文件「{}」: {} 个工作表, {} 行, {} 户, {} 人",
            self.source,
            self.counts.sheets,
            self.counts.rows,
            self.counts.households,
            self.counts.members
        );
        if !self.unknown_columns.is_empty() {
            let names: Vec<String> = self
                .unknown_columns
                .iter()
                .map(|u| format!("{}({}列)", u.header, u.column))
                .collect();
            s.push_str(&format!("; 未识别的列(未导入): {}", names.join("、")));
        }
        if !self.hidden_sheets.is_empty() {
            s.push_str(&format!(
                "; 隐藏的工作表(已一并读取): {}",
                self.hidden_sheets.join("、")
            ));
        }
        if !self.skipped_sheets.is_empty() {
            s.push_str(&format!(
                "; 未找到表头而跳过的工作表(未导入): {}",
                self.skipped_sheets.join("、")
            ));
        }
        if self.problems.is_empty() {
            s.push_str("; 没有发现问题");
        } else {
            s.push_str(&format!("; {} 个问题, 未导入任何数据", self.problems.len()));
        }
        s
    }

    /// The households, without the import facts.
    pub fn into_households(self) -> Vec<Household> {
        self.households.into_iter().map(|p| p.household).collect()
    }
}

/// Reads a household file (XLSX/XLS/ODS by calamine, `.csv`/`.txt` as CSV). Fails only when the file cannot
/// be read or has no recognisable header; bad cells are in [`ImportBatch::problems`].
pub fn read_households(path: &Path, options: &ReadOptions) -> Result<ImportBatch, TableError> {
    let mut validator = Validator::new(options.clone());
    let encoding = table::read_path(path, &mut validator)?;
    let mut batch = validator.finish();
    batch.source = path.display().to_string();
    batch.encoding = encoding;
    if batch.counts.sheets == 0 {
        return Err(no_header(&batch.source));
    }
    Ok(batch)
}

/// How far a read has come, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Rows passed to the validator so far (all rows, header and blank ones included).
    pub rows_done: usize,
    /// All rows of the file, when known (XLSX, once the sheets are loaded; not CSV).
    pub rows_total: Option<usize>,
}

/// Like [`read_households`], calling `progress` every few thousand rows and once at the end.
pub fn read_households_with_progress(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportBatch, TableError> {
    let mut sink = ProgressSink {
        validator: Validator::new(options.clone()),
        progress,
        done: 0,
        total: None,
    };
    let encoding = table::read_path(path, &mut sink)?;
    (sink.progress)(Progress {
        rows_done: sink.done,
        rows_total: Some(sink.done),
    });
    let mut batch = sink.validator.finish();
    batch.source = path.display().to_string();
    batch.encoding = encoding;
    if batch.counts.sheets == 0 {
        return Err(no_header(&batch.source));
    }
    Ok(batch)
}

struct ProgressSink<'p> {
    validator: Validator,
    progress: &'p mut dyn FnMut(Progress),
    done: usize,
    total: Option<usize>,
}

impl RowSink for ProgressSink<'_> {
    fn row(&mut self, sheet: &str, row: usize, cells: &[Cell<'_>]) {
        self.validator.row(sheet, row, cells);
        self.done += 1;
        if self.done & 8191 == 0 {
            (self.progress)(Progress {
                rows_done: self.done,
                rows_total: self.total,
            });
        }
    }

    fn end_sheet(&mut self, sheet: &str) {
        self.validator.end_sheet(sheet);
    }

    fn sheet_size(&mut self, _sheet: &str, rows: usize) {
        self.total = Some(self.total.unwrap_or(0) + rows);
    }

    fn formulas(&mut self, sheet: &str, cells: &[(usize, usize, &str)]) {
        self.validator.formulas(sheet, cells);
    }

    fn sheet_hidden(&mut self, sheet: &str) {
        self.validator.sheet_hidden(sheet);
    }
}

/// Reads household CSV bytes (any supported encoding); `name` is used as the sheet name in problems.
pub fn read_households_csv(
    bytes: &[u8],
    name: &str,
    options: &ReadOptions,
) -> Result<ImportBatch, TableError> {
    let mut validator = Validator::new(options.clone());
    let encoding = table::read_csv_bytes(bytes, name, name, &mut validator)?;
    let mut batch = validator.finish();
    batch.source = name.to_owned();
    batch.encoding = Some(encoding);
    if batch.counts.sheets == 0 {
        return Err(no_header(name));
    }
    Ok(batch)
}

fn no_header(path: &str) -> TableError {
    TableError::NoHeader {
        path: path.to_owned(),
        rows: HEADER_SEARCH_ROWS,
        expected: "户编号、姓名、证件号码、与户主关系".to_owned(),
    }
}

/// Validates rows already in memory: `(sheet name, rows)` with each row's cells from column A. Pure: no
/// file, no clock. Sheets without a recognisable header are skipped (and counted as no sheet).
pub fn validate(sheets: &[(String, Vec<Vec<OwnedCell>>)], options: &ReadOptions) -> ImportBatch {
    let mut validator = Validator::new(options.clone());
    for (name, rows) in sheets {
        for (i, row) in rows.iter().enumerate() {
            let cells: Vec<Cell<'_>> = row.iter().map(OwnedCell::as_cell).collect();
            validator.row(name, i + 1, &cells);
        }
        validator.end_sheet(name);
    }
    validator.finish()
}

/// Where a member row came from.
#[derive(Debug, Clone)]
struct Origin {
    sheet: String,
    row: usize,
}

/// The household columns of one row, kept until the household is complete.
struct HouseholdPart {
    origin: Origin,
    household: Option<Household>,
    first_identified: Option<NaiveDate>,
    exit_year: Option<u16>,
    problems: Vec<Problem>,
    from_head: bool,
}

struct Group {
    part: Option<HouseholdPart>,
    members: Vec<Member>,
    /// The first row of the household (for a household without a head).
    first: Origin,
    /// The row of its head (与户主关系 = 户主), once one was seen.
    head: Option<Origin>,
    /// The village code as written on the first row that had one.
    village: Option<String>,
}

/// The streaming validator: rows in, batch out. Implements [`RowSink`] for the table readers.
pub struct Validator {
    options: ReadOptions,
    pending: Vec<(usize, Vec<OwnedCell>)>,
    header: Option<SheetHeader>,
    groups: Vec<Group>,
    index: HashMap<HouseholdNo, usize>,
    seen_ids: HashMap<ResidentId, (String, usize)>,
    problems: Vec<Problem>,
    unknown_columns: Vec<UnknownColumn>,
    counts: Counts,
    /// Headers of the sheets already read, for formulas reported after the rows.
    finished: Vec<(String, SheetHeader)>,
    /// Formula cells in imported columns: (sheet, row, column name) → formula.
    formula_cells: HashMap<(String, usize, String), String>,
    hidden_sheets: Vec<String>,
    skipped_sheets: Vec<String>,
}

/// The longest cell text accepted (far below XLSX's 32,767 characters per cell, so every export can write
/// back what was imported); free-text fields have their own, smaller limits.
pub const MAX_CELL_CHARS: usize = jingzhun_core::text::MAX_FREE_TEXT_CHARS;
/// 民族.
pub const MAX_ETHNICITY_CHARS: usize = 20;
/// 自然村(组) and 安置点.
pub const MAX_PLACE_CHARS: usize = 100;

/// Why a formula cell is refused.
const FORMULA_REASON: &str =
    "单元格是公式: 导入不计算公式, 请将该列复制后「选择性粘贴为数值」再导入";

struct SheetHeader {
    header: Header<Field>,
    /// Column index of each field (first occurrence).
    positions: HashMap<Field, usize>,
    /// Further 其他致贫原因 columns (其他致贫原因1, 其他致贫原因2).
    extra_causes: Vec<usize>,
    /// Columns without a header text, where data would otherwise be dropped unnoticed.
    blank: Vec<usize>,
    complete: bool,
}

impl SheetHeader {
    fn cell<'c>(&self, cells: &[Cell<'c>], field: Field) -> Option<(usize, Cell<'c>)> {
        let i = *self.positions.get(&field)?;
        Some((i, cells.get(i).copied().unwrap_or(Cell::Empty)))
    }

    fn column_name(&self, index: usize) -> String {
        let text = self
            .header
            .columns
            .get(index)
            .map(|(t, _)| t.as_str())
            .unwrap_or("");
        format!("{text}({}列)", column_letter(index))
    }
}

impl Validator {
    pub fn new(options: ReadOptions) -> Self {
        Self {
            options,
            pending: Vec::new(),
            header: None,
            groups: Vec::new(),
            index: HashMap::new(),
            seen_ids: HashMap::new(),
            problems: Vec::new(),
            unknown_columns: Vec::new(),
            counts: Counts::default(),
            finished: Vec::new(),
            formula_cells: HashMap::new(),
            hidden_sheets: Vec::new(),
            skipped_sheets: Vec::new(),
        }
    }

    /// The batch: households in order of first appearance.
    pub fn finish(self) -> ImportBatch {
        let mut problems = self.problems;
        let mut households = Vec::with_capacity(self.groups.len());
        let mut members = 0;
        for group in self.groups {
            // Every household has its head: without one, whose household is it, and who signs?
            if group.head.is_none() {
                problems.push(Problem {
                    sheet: group.first.sheet.clone(),
                    row: group.first.row,
                    column: String::new(),
                    value: String::new(),
                    reason: "该户没有户主(没有一行的「与户主关系」为「户主」), 整户未导入"
                        .to_owned(),
                });
            }
            let Some(part) = group.part else { continue };
            problems.extend(part.problems);
            if let Some(mut household) = part.household {
                members += group.members.len();
                household.members = group.members;
                households.push(ParsedHousehold {
                    household,
                    first_identified: part.first_identified,
                    exit_year: part.exit_year,
                    sheet: part.origin.sheet,
                    row: part.origin.row,
                });
            }
        }
        if !self.formula_cells.is_empty() {
            let cells = self.formula_cells;
            problems.retain(|p| !cells.contains_key(&(p.sheet.clone(), p.row, p.column.clone())));
            let mut formulas: Vec<_> = cells.into_iter().collect();
            formulas.sort();
            problems.extend(
                formulas
                    .into_iter()
                    .map(|((sheet, row, column), f)| Problem {
                        sheet,
                        row,
                        column,
                        value: format!("={}", f.trim_start_matches('=')),
                        reason: FORMULA_REASON.to_owned(),
                    }),
            );
        }
        problems.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
        let mut counts = self.counts;
        counts.households = households.len();
        counts.members = members;
        ImportBatch {
            source: String::new(),
            encoding: None,
            households,
            problems,
            unknown_columns: self.unknown_columns,
            counts,
            hidden_sheets: self.hidden_sheets,
            skipped_sheets: self.skipped_sheets,
        }
    }

    fn settle_header(&mut self, sheet: &str) {
        let pending = std::mem::take(&mut self.pending);
        let matcher = |s: &str| match_normalized(s);
        let Some(header) = find_header(&pending, &matcher, 3) else {
            if !self.skipped_sheets.iter().any(|s| s == sheet) {
                self.skipped_sheets.push(sheet.to_owned());
            }
            return;
        };
        self.counts.sheets += 1;
        let mut positions = HashMap::new();
        let mut extra_causes = Vec::new();
        let mut blank = Vec::new();
        for (i, (text, field)) in header.columns.iter().enumerate() {
            match field {
                Some(Field::Informational) => {}
                Some(Field::OtherCauses) if positions.contains_key(&Field::OtherCauses) => {
                    extra_causes.push(i)
                }
                Some(f) if positions.contains_key(f) => self.unknown_columns.push(UnknownColumn {
                    sheet: sheet.to_owned(),
                    column: column_letter(i),
                    header: format!("{text}(与前面的列重复, 未导入)"),
                }),
                Some(f) => {
                    positions.insert(*f, i);
                }
                None if !text.is_empty() => self.unknown_columns.push(UnknownColumn {
                    sheet: sheet.to_owned(),
                    column: column_letter(i),
                    header: text.clone(),
                }),
                None => blank.push(i),
            }
        }
        let mut complete = true;
        for c in COLUMNS.iter().filter(|c| c.required) {
            if !positions.contains_key(&c.field) {
                complete = false;
                self.problems.push(Problem {
                    sheet: sheet.to_owned(),
                    row: header.row,
                    column: c.header.to_owned(),
                    value: String::new(),
                    reason: format!("缺少必需的列「{}」, 本工作表的数据行均未导入", c.header),
                });
            }
        }
        let has_income = positions.keys().any(|f| matches!(f, Field::Income(_)));
        if has_income
            && !positions.contains_key(&Field::IncomeYear)
            && self.options.income_year.is_none()
        {
            complete = false;
            self.problems.push(Problem {
                sheet: sheet.to_owned(),
                row: header.row,
                column: "收入年度".to_owned(),
                value: String::new(),
                reason: "表中有收入列但没有「收入年度」列, 导入时也未指定收入年度(--year)"
                    .to_owned(),
            });
        }
        let header_row = header.row;
        self.header = Some(SheetHeader {
            header,
            positions,
            extra_causes,
            blank,
            complete,
        });
        for (row, cells) in pending.into_iter().filter(|(r, _)| *r > header_row) {
            let cells: Vec<Cell<'_>> = cells.iter().map(OwnedCell::as_cell).collect();
            self.data_row(sheet, row, &cells);
        }
    }

    fn data_row(&mut self, sheet: &str, row: usize, cells: &[Cell<'_>]) {
        if cells.iter().all(Cell::is_blank) {
            return;
        }
        let Some(header) = self.header.take() else {
            return;
        };
        // A header repeated further down (a concatenated export) is skipped.
        let repeated = header
            .cell(cells, Field::ResidentId)
            .map(|(_, c)| match c {
                // IDs start with a digit: only other text can be a repeated header.
                Cell::Text(t) if !t.trim_start().starts_with(|ch: char| ch.is_ascii_digit()) => {
                    match_normalized(&table::normalize_header(t)) == Some(Field::ResidentId)
                }
                _ => false,
            })
            .unwrap_or(false);
        if header.complete && !repeated {
            self.counts.rows += 1;
            for &i in &header.blank {
                if cells.get(i).is_some_and(|c| !c.is_blank())
                    && !self
                        .unknown_columns
                        .iter()
                        .any(|u| u.sheet == sheet && u.column == column_letter(i))
                {
                    self.unknown_columns.push(UnknownColumn {
                        sheet: sheet.to_owned(),
                        column: column_letter(i),
                        header: "(无表头, 数据未导入)".to_owned(),
                    });
                }
            }
            self.member_row(&header, sheet, row, cells);
        }
        self.header = Some(header);
    }

    fn member_row(&mut self, header: &SheetHeader, sheet: &str, row: usize, cells: &[Cell<'_>]) {
        let mut ctx = RowCtx {
            header,
            sheet,
            row,
            cells,
            problems: Vec::new(),
        };
        let number = ctx.required(Field::HouseholdNo, |c| match c {
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                HouseholdNo::parse(&format_number(n)).map_err(|e| e.to_string())
            }
            Cell::Number(n) => Err(format!(
                "户编号被 Excel 存为数字「{}」, 后几位已丢失, 请将该列设为文本格式后重新导出",
                format_number(n)
            )),
            other => HouseholdNo::parse(&text_of(other)).map_err(|e| e.to_string()),
        });
        let member = parse_member(&mut ctx, &self.options);
        if let Some(m) = &member {
            if let Some((s, r)) = self.seen_ids.get(&m.resident_id) {
                let (i, c) = header
                    .cell(cells, Field::ResidentId)
                    .unwrap_or((0, Cell::Empty));
                let reason = format!("证件号码与工作表「{s}」第 {r} 行重复");
                ctx.problems.push(Problem {
                    sheet: sheet.to_owned(),
                    row,
                    column: header.column_name(i),
                    value: c.display(),
                    reason,
                });
            } else {
                self.seen_ids.insert(m.resident_id, (sheet.to_owned(), row));
            }
        }
        let is_head = member
            .as_ref()
            .map(|m| m.relationship == Relationship::Head)
            .unwrap_or_else(|| {
                header
                    .cell(cells, Field::Relationship)
                    .map(|(_, c)| Relationship::parse(&text_of(c)) == Some(Relationship::Head))
                    .unwrap_or(false)
            });
        let problems = std::mem::take(&mut ctx.problems);
        self.problems.extend(problems);
        let Some(number) = number else { return };
        let group_index = match self.index.get(&number) {
            Some(i) => *i,
            None => {
                self.groups.push(Group {
                    part: None,
                    members: Vec::new(),
                    first: Origin {
                        sheet: sheet.to_owned(),
                        row,
                    },
                    head: None,
                    village: None,
                });
                self.index.insert(number.clone(), self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        // Two households under one 户编号 are refused, never merged into one: a second head, or another
        // village on a row of the same number.
        let here = Origin {
            sheet: sheet.to_owned(),
            row,
        };
        let village = header
            .cell(cells, Field::Village)
            .filter(|(_, c)| !c.is_blank())
            .map(|(i, c)| (i, c, text_of(c).into_owned()));
        let group = &mut self.groups[group_index];
        let mut clash = None;
        if is_head {
            match &group.head {
                Some(first) => {
                    clash = Some(format!(
                        "户编号「{number}」在工作表「{}」第 {} 行已有户主: 同一户编号下有两户, 不予合并; 请核对户编号",
                        first.sheet, first.row
                    ))
                }
                None => group.head = Some(here.clone()),
            }
        }
        if let Some((i, c, text)) = &village {
            match &group.village {
                Some(first) if first != text => {
                    let (i, c) = (*i, *c);
                    self.problems.push(Problem {
                        sheet: sheet.to_owned(),
                        row,
                        column: header.column_name(i),
                        value: c.display(),
                        reason: format!(
                            "户编号「{number}」的其他行属于「{first}」: 同一户编号下有两户, 不予合并; 请核对户编号"
                        ),
                    });
                }
                Some(_) => {}
                None => group.village = Some(text.clone()),
            }
        }
        if let Some(reason) = clash {
            let (i, c) = header
                .cell(cells, Field::HouseholdNo)
                .unwrap_or((0, Cell::Empty));
            self.problems.push(Problem {
                sheet: sheet.to_owned(),
                row,
                column: header.column_name(i),
                value: c.display(),
                reason,
            });
        }
        let needs_part = match &self.groups[group_index].part {
            None => true,
            Some(p) => is_head && !p.from_head,
        };
        if needs_part {
            let mut ctx = RowCtx {
                header,
                sheet,
                row,
                cells,
                problems: Vec::new(),
            };
            let mut part = parse_household(&mut ctx, &self.options);
            part.problems = ctx.problems;
            part.from_head = is_head;
            self.groups[group_index].part = Some(part);
        }
        if let Some(m) = member {
            self.groups[group_index].members.push(m);
        }
    }
}

impl RowSink for Validator {
    fn row(&mut self, sheet: &str, row: usize, cells: &[Cell<'_>]) {
        if self.header.is_none() {
            if self.pending.len() < HEADER_SEARCH_ROWS {
                self.pending
                    .push((row, cells.iter().map(|c| OwnedCell::from(*c)).collect()));
                if self.pending.len() == HEADER_SEARCH_ROWS {
                    self.settle_header(sheet);
                }
            }
            return;
        }
        self.data_row(sheet, row, cells);
    }

    fn end_sheet(&mut self, sheet: &str) {
        if self.header.is_none() && !self.pending.is_empty() {
            self.settle_header(sheet);
        }
        if let Some(header) = self.header.take() {
            self.finished.push((sheet.to_owned(), header));
        }
        self.pending.clear();
    }

    fn sheet_hidden(&mut self, sheet: &str) {
        self.hidden_sheets.push(sheet.to_owned());
    }

    fn formulas(&mut self, sheet: &str, cells: &[(usize, usize, &str)]) {
        let Some((_, header)) = self.finished.iter().find(|(name, _)| name == sheet) else {
            return;
        };
        if !header.complete {
            return;
        }
        for (row, col, formula) in cells {
            let imported = matches!(
                header.header.columns.get(*col),
                Some((_, Some(field))) if *field != Field::Informational
            );
            if *row > header.header.row && imported {
                self.formula_cells.insert(
                    (sheet.to_owned(), *row, header.column_name(*col)),
                    (*formula).to_owned(),
                );
            }
        }
    }
}

struct RowCtx<'r, 'c> {
    header: &'r SheetHeader,
    sheet: &'r str,
    row: usize,
    cells: &'r [Cell<'c>],
    problems: Vec<Problem>,
}

impl<'c> RowCtx<'_, 'c> {
    /// The cell of a field, when the column exists and the cell is not blank.
    fn get(&self, field: Field) -> Option<(usize, Cell<'c>)> {
        let (i, c) = self.header.cell(self.cells, field)?;
        if c.is_blank() {
            None
        } else {
            Some((i, c))
        }
    }

    fn problem(&mut self, index: usize, cell: Cell<'_>, reason: String) {
        self.problems.push(Problem {
            sheet: self.sheet.to_owned(),
            row: self.row,
            column: self.header.column_name(index),
            value: cell.display(),
            reason,
        });
    }

    /// An optional field: `None` when blank or invalid (the problem recorded).
    fn optional<T>(
        &mut self,
        field: Field,
        parse: impl FnOnce(Cell<'_>) -> Result<T, String>,
    ) -> Option<T> {
        let (i, c) = self.get(field)?;
        if let Cell::Formula(_) = c {
            self.problem(i, c, FORMULA_REASON.to_owned());
            return None;
        }
        // As typed, before normalisation (which would make a line break a space): no control or
        // bidirectional-override character, and no text longer than any export can write back.
        if let Cell::Text(raw) = c {
            if let Err(e) = jingzhun_core::text::check_free_text(raw, MAX_CELL_CHARS) {
                let shown: String = raw
                    .chars()
                    .map(|ch| {
                        if jingzhun_core::text::is_forbidden(ch) {
                            '?'
                        } else {
                            ch
                        }
                    })
                    .take(60)
                    .collect();
                self.problems.push(Problem {
                    sheet: self.sheet.to_owned(),
                    row: self.row,
                    column: self.header.column_name(i),
                    value: shown,
                    reason: e.to_string(),
                });
                return None;
            }
        }
        match parse(c) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.problem(i, c, reason);
                None
            }
        }
    }

    /// A required field: a blank cell is a problem too.
    fn required<T>(
        &mut self,
        field: Field,
        parse: impl FnOnce(Cell<'_>) -> Result<T, String>,
    ) -> Option<T> {
        if self.get(field).is_none() {
            let i = self.header.positions.get(&field).copied().unwrap_or(0);
            let name = crate::columns::column(field)
                .map(|c| c.header)
                .unwrap_or("");
            self.problem(i, Cell::Empty, format!("「{name}」不能为空"));
            return None;
        }
        self.optional(field, parse)
    }

    /// A coded value by label, alias or code.
    fn coded<T>(&mut self, field: Field, what: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
        self.optional(field, |c| {
            parse(&text_of(c)).ok_or_else(|| format!("不是有效的{what}"))
        })
    }

    fn flag(&mut self, field: Field) -> Option<bool> {
        self.optional(field, parse_bool)
    }
}

/// The text of a cell: normalised (half-width, spaces collapsed), a leading `'` that an export put before
/// `=`, `+`, `-`, `@` removed, numbers without `.0`.
pub fn text_of(cell: Cell<'_>) -> Cow<'_, str> {
    match cell {
        Cell::Text(s) if is_plain(s) => Cow::Borrowed(s),
        Cell::Text(s) => {
            let s = jingzhun_core::text::normalize(s);
            match s.strip_prefix('\'') {
                Some(rest) if rest.starts_with(['=', '+', '-', '@']) => Cow::Owned(rest.to_owned()),
                _ => Cow::Owned(s),
            }
        }
        other => Cow::Owned(other.display()),
    }
}

/// Whether text is already what [`jingzhun_core::text::normalize`] would make of it and has no quote to
/// remove: the common case, which then costs no allocation.
fn is_plain(s: &str) -> bool {
    // ASCII whitespace as `char::is_whitespace` sees it (which includes the vertical tab).
    let ws = |b: u8| b.is_ascii_whitespace() || b == 0x0b;
    let bytes = s.as_bytes();
    let Some((&first, &last)) = bytes.first().zip(bytes.last()) else {
        return true;
    };
    if first == b'\'' || ws(first) || ws(last) {
        return false;
    }
    if s.is_ascii() {
        return !bytes
            .windows(2)
            .any(|w| ws(w[0]) && (ws(w[1]) || w[0] != b' '));
    }
    let mut previous_space = false;
    for c in s.chars() {
        let space = c.is_whitespace();
        if (space && (previous_space || c != ' '))
            || matches!(c, '\u{3000}' | '\u{FF01}'..='\u{FF5E}' | '\u{200B}'..='\u{200D}' | '\u{FEFF}')
        {
            return false;
        }
        previous_space = space;
    }
    true
}

/// 是/否 and their variants.
pub fn parse_bool(cell: Cell<'_>) -> Result<bool, String> {
    match cell {
        Cell::Bool(b) => Ok(b),
        Cell::Number(1.0) => Ok(true),
        Cell::Number(0.0) => Ok(false),
        other => match text_of(other).to_ascii_lowercase().as_str() {
            "是" | "有" | "已参加" | "参加" | "y" | "yes" | "true" | "1" | "√" => Ok(true),
            "否" | "无" | "未参加" | "没有" | "n" | "no" | "false" | "0" | "×" => Ok(false),
            _ => Err("应为「是」或「否」".to_owned()),
        },
    }
}

/// Free text within `max` characters (after normalisation).
fn bounded_text(cell: Cell<'_>, max: usize) -> Result<String, String> {
    let text = text_of(cell).into_owned();
    jingzhun_core::text::check_free_text(&text, max).map_err(|e| e.to_string())?;
    Ok(text)
}

/// A date as an Excel serial or as text: 2014-10-01, 2014/10/01, 2014.10.01, 2014年10月1日, 20141001
/// (a time after a space is ignored).
///
/// A year alone (`2014` typed as a number, or `2014`/`2014年` as text) is that year, taken as its
/// 31 December like 脱贫年度 — never the Excel serial 2014, which is 1905-07-06 (serials 1900–2100 fall in
/// 1905, before any registry).
pub fn parse_date(cell: Cell<'_>) -> Result<NaiveDate, String> {
    let bad = || "不是有效日期(应为 2014-10-01、2014/10/01、2014年10月1日 或 20141001)".to_owned();
    let year_end = |y: f64| NaiveDate::from_ymd_opt(y as i32, 12, 31).ok_or_else(bad);
    match cell {
        Cell::Number(n) | Cell::Date(n) if (1900.0..=2100.0).contains(&n) && n.fract() == 0.0 => {
            year_end(n)
        }
        Cell::Number(n) | Cell::Date(n) => {
            if (19_000_101.0..=21_001_231.0).contains(&n) && n.fract() == 0.0 {
                return NaiveDate::parse_from_str(&format_number(n), "%Y%m%d").map_err(|_| bad());
            }
            excel_serial_to_date(n).ok_or_else(bad)
        }
        other => {
            let text = text_of(other);
            let text = text.split(' ').next().unwrap_or("");
            let year = text.trim_end_matches('年');
            if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) {
                return year.parse::<f64>().map_err(|_| bad()).and_then(year_end);
            }
            for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"] {
                if let Ok(d) = NaiveDate::parse_from_str(text, fmt) {
                    if (1900..=2200).contains(&chrono::Datelike::year(&d)) {
                        return Ok(d);
                    }
                }
            }
            if text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()) {
                if let Some(d) = text.parse::<f64>().ok().and_then(excel_serial_to_date) {
                    return Ok(d);
                }
            }
            Err(bad())
        }
    }
}

/// A year 1949–2100, as a number or text ("2019", "2019年").
pub fn parse_year(cell: Cell<'_>) -> Result<u16, String> {
    let text = text_of(cell);
    let text = text.trim_end_matches('年');
    match text.parse::<u16>() {
        Ok(y) if (1949..=2100).contains(&y) => Ok(y),
        _ => Err("不是有效年份(应为 1949–2100 的四位数字)".to_owned()),
    }
}

/// A non-negative number (areas, mu).
pub fn parse_quantity(cell: Cell<'_>) -> Result<f64, String> {
    let value = match cell {
        Cell::Number(n) => Some(n),
        other => text_of(other).replace([',', '，'], "").parse::<f64>().ok(),
    };
    match value {
        Some(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err("不是有效的非负数".to_owned()),
    }
}

fn parse_small(cell: Cell<'_>, max: f64) -> Result<u16, String> {
    let v = parse_quantity(cell)?;
    if v > max {
        return Err(format!("超出合理范围(0–{max})"));
    }
    Ok(v.round() as u16)
}

/// An amount in yuan: a number or text accepted by [`Yuan::parse`].
pub fn parse_amount(cell: Cell<'_>) -> Result<Yuan, String> {
    match cell {
        Cell::Number(n) if n.is_finite() && n.abs() < 1e13 => {
            Ok(Yuan::from_fen((n * 100.0).round() as i64))
        }
        other => Yuan::parse(&text_of(other)).map_err(|e| e.to_string()),
    }
}

/// A resident ID: text only. A numeric cell has lost its last digits in Excel and is rejected.
///
/// 证件号码 may also hold a disability certificate number (残疾人证号): the 18-character ID followed by the
/// disability category (1–7) and grade (1–4). Its ID part is taken; category and grade are not kept (the
/// member record has no field for them).
pub fn parse_resident_id(cell: Cell<'_>, today: NaiveDate) -> Result<ResidentId, String> {
    match cell {
        Cell::Number(n) => Err(format!(
            "身份证号被 Excel 存为数字「{}」, 后几位已丢失, 不予修复; 请将该列设为文本格式后重新导出",
            format_number(n)
        )),
        other => {
            let text = text_of(other);
            let bytes = text.as_bytes();
            let disability_card = bytes.len() == 20
                && matches!(bytes[18], b'1'..=b'7')
                && matches!(bytes[19], b'1'..=b'4');
            let id_part = if disability_card { &text[..18] } else { &text[..] };
            ResidentId::parse_on(id_part, today).map_err(|e| match e {
                // Excel keeps 15 significant digits: an ID that went through a number ends in 000.
                ResidentIdError::CheckCharacter { .. } if text.trim().ends_with("000") => format!(
                    "{e}; 末三位为 000, 疑似曾被 Excel 存为数字而丢失了后几位, 请以文本格式重新导出"
                ),
                e => e.to_string(),
            })
        }
    }
}

fn parse_member(ctx: &mut RowCtx<'_, '_>, options: &ReadOptions) -> Option<Member> {
    let before = ctx.problems.len();
    let name = ctx.required(Field::Name, |c| {
        PersonName::parse(&text_of(c)).map_err(|e| e.to_string())
    });
    let today = options.today;
    let resident_id = ctx.required(Field::ResidentId, |c| parse_resident_id(c, today));
    let relationship = ctx.required(Field::Relationship, |c| {
        Relationship::parse(&text_of(c)).ok_or_else(|| "不是有效的与户主关系".to_owned())
    });
    let sex = ctx.coded(Field::Sex, "性别(男/女)", Sex::parse);
    if let (Some(sex), Some(id)) = (sex, resident_id) {
        if sex != id.sex() {
            if let Some((i, c)) = ctx.get(Field::Sex) {
                ctx.problem(
                    i,
                    c,
                    format!("性别与身份证号不符(身份证号为{})", id.sex().label()),
                );
            }
        }
    }
    let ethnicity = ctx
        .optional(Field::Ethnicity, |c| bounded_text(c, MAX_ETHNICITY_CHARS))
        .unwrap_or_default();
    let education = ctx.coded(Field::Education, "文化程度", Education::parse);
    let schooling = ctx.coded(Field::Schooling, "在校生状况", SchoolingStatus::parse);
    let health = ctx
        .coded(Field::Health, "健康状况", Health::parse)
        .unwrap_or(Health::Healthy);
    let labour = ctx.coded(Field::Labour, "劳动技能", LabourAbility::parse);
    let work_status = ctx
        .coded(Field::WorkStatus, "务工状况", WorkStatus::parse)
        .unwrap_or(WorkStatus::NotMigrant);
    let migrant_months = ctx
        .optional(Field::MigrantMonths, |c| {
            let text = text_of(c);
            let text = text.trim_end_matches("个月").trim_end_matches('月');
            let v: f64 = text
                .parse()
                .map_err(|_| "务工时间应为 0–12 的整数(月)".to_owned())?;
            if v.fract() != 0.0 {
                return Err("务工时间应为 0–12 的整数(月)".to_owned());
            }
            MigrantMonths::new(v as i64).map_err(|e| e.to_string())
        })
        .unwrap_or_default();
    let medical_insurance = ctx.flag(Field::MedicalInsurance).unwrap_or(false);
    let serious_illness_insurance = ctx.flag(Field::SeriousIllnessInsurance).unwrap_or(false);
    let pension_insurance = ctx.flag(Field::PensionInsurance).unwrap_or(false);
    let social_assistance = ctx
        .optional(Field::SocialAssistance, |c| {
            let t = text_of(c);
            if t == "否" {
                return Ok(SocialAssistance::NoAssistance);
            }
            SocialAssistance::parse(&t).ok_or_else(|| "应为「无」「低保」或「特困供养」".to_owned())
        })
        .unwrap_or(SocialAssistance::NoAssistance);
    if ctx.problems.len() > before {
        return None;
    }
    let resident_id = resident_id?;
    Some(Member {
        name: name?,
        sex: resident_id.sex(),
        resident_id,
        relationship: relationship?,
        ethnicity,
        education,
        schooling,
        health,
        labour,
        work_status,
        migrant_months,
        medical_insurance,
        serious_illness_insurance,
        pension_insurance,
        social_assistance,
    })
}

fn split_causes(text: &str) -> impl Iterator<Item = &str> {
    text.split(['、', ',', '，', ';', '；', '/', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn parse_household(ctx: &mut RowCtx<'_, '_>, options: &ReadOptions) -> HouseholdPart {
    let origin = Origin {
        sheet: ctx.sheet.to_owned(),
        row: ctx.row,
    };
    let before = ctx.problems.len();
    let number = ctx
        .get(Field::HouseholdNo)
        .and_then(|(_, c)| HouseholdNo::parse(&text_of(c)).ok());
    let village = ctx.required(Field::Village, |c| {
        let code = AreaCode::parse(&text_of(c)).map_err(|e| e.to_string())?;
        if code.level() != AreaLevel::Village {
            return Err("应为 12 位村级行政区划代码".to_owned());
        }
        Ok(code)
    });
    let natural_village = ctx.optional(Field::NaturalVillage, |c| bounded_text(c, MAX_PLACE_CHARS));
    let phone = ctx.optional(Field::Phone, |c| {
        Phone::parse(&text_of(c)).map_err(|e| e.to_string())
    });
    let standard = ctx
        .coded(
            Field::Standard,
            "识别标准(国家标准/省定标准/市定标准)",
            IdentificationStandard::parse,
        )
        .unwrap_or(IdentificationStandard::National);
    let attribute = ctx.coded(Field::Attribute, "贫困户属性", PoorAttribute::parse);
    let main_cause = ctx.coded(Field::MainCause, "致贫原因", PovertyCause::parse);
    let parse_causes = |c: Cell<'_>| {
        let text = text_of(c);
        let causes: Option<Vec<PovertyCause>> =
            split_causes(&text).map(PovertyCause::parse).collect();
        match causes {
            Some(v) if v.len() <= 2 => Ok(v),
            Some(_) => Err("其他致贫原因最多两项".to_owned()),
            None => Err("含有无效的致贫原因(多项用「、」分隔)".to_owned()),
        }
    };
    let mut other_causes = ctx
        .optional(Field::OtherCauses, parse_causes)
        .unwrap_or_default();
    for i in ctx.header.extra_causes.clone() {
        let c = ctx.cells.get(i).copied().unwrap_or(Cell::Empty);
        if c.is_blank() {
            continue;
        }
        match parse_causes(c) {
            Ok(more) if other_causes.len() + more.len() <= 2 => other_causes.extend(more),
            Ok(_) => ctx.problem(i, c, "其他致贫原因最多两项".to_owned()),
            Err(reason) => ctx.problem(i, c, reason),
        }
    }
    let today = options.today;
    let first_identified = ctx.optional(Field::FirstIdentified, |c| {
        let d = parse_date(c)?;
        if d > today {
            return Err(format!("日期在今天({today})之后"));
        }
        Ok(d)
    });
    let planned_exit_year = ctx.optional(Field::PlannedExitYear, parse_year);
    let this_year = chrono::Datelike::year(&today);
    let exit_year = ctx.optional(Field::ExitYear, |c| {
        let y = parse_year(c)?;
        if i32::from(y) > this_year {
            return Err(format!("脱贫年度在今年({this_year})之后"));
        }
        if let Some(d) = first_identified {
            let registered = chrono::Datelike::year(&d);
            if i32::from(y) < registered {
                return Err(format!("脱贫年度早于首次识别时间({d}): 不能在纳入之前脱贫"));
            }
        }
        Ok(y)
    });
    let relocated = ctx.flag(Field::Relocated).unwrap_or(false);
    let relocation_year = ctx.optional(Field::RelocationYear, parse_year);
    let placement = ctx.coded(
        Field::RelocationPlacement,
        "安置方式(集中安置/分散安置)",
        RelocationPlacement::parse,
    );
    let site = ctx
        .optional(Field::RelocationSite, |c| bounded_text(c, MAX_PLACE_CHARS))
        .unwrap_or_default();
    let relocation = if relocated {
        match (relocation_year, placement) {
            (Some(year), Some(placement)) => Some(Relocation {
                year,
                placement,
                site,
            }),
            _ => {
                let i = ctx
                    .header
                    .positions
                    .get(&Field::Relocated)
                    .copied()
                    .unwrap_or(0);
                ctx.problem(
                    i,
                    Cell::Text("是"),
                    "易地搬迁户须填写「搬迁年度」和「安置方式」".to_owned(),
                );
                None
            }
        }
    } else {
        None
    };
    let housing = Housing {
        area_sqm: ctx.optional(Field::HousingArea, |c| {
            let v = parse_quantity(c)?;
            if v > 100_000.0 {
                return Err("住房面积超出合理范围".to_owned());
            }
            Ok(v.round() as u32)
        }),
        grade: ctx.coded(
            Field::HousingGrade,
            "危房等级(A/B/C/D)",
            HousingGrade::parse,
        ),
        safe_alternative: ctx.coded(
            Field::SafeHousing,
            "住房安全保障方式",
            SafeHousingAlternative::parse,
        ),
    };
    let water = Water {
        litres_per_person_day: ctx.optional(Field::WaterLitres, |c| parse_small(c, 10_000.0)),
        fetch_minutes: ctx.optional(Field::WaterFetchMinutes, |c| parse_small(c, 1_440.0)),
        outage_days_per_year: ctx.optional(Field::WaterOutageDays, |c| parse_small(c, 366.0)),
        quality_ok: ctx.flag(Field::WaterQualityOk),
        dry_area: ctx.flag(Field::DryArea).unwrap_or(false),
    };
    let food_clothing_secured = ctx.flag(Field::FoodClothing).unwrap_or(true);
    let electricity = ctx.flag(Field::Electricity).unwrap_or(true);
    let sanitary_toilet = ctx.flag(Field::SanitaryToilet).unwrap_or(false);
    let fuel = ctx.coded(Field::Fuel, "主要燃料类型", FuelType::parse);
    let farmland_mu = ctx.optional(Field::Farmland, parse_quantity);
    let forest_mu = ctx.optional(Field::Forest, parse_quantity);
    let cooperative_member = ctx.flag(Field::Cooperative).unwrap_or(false);
    let incomes = parse_income(ctx, options);
    // A household number carries its own village's code: a number of another village (another area's
    // household) cannot be written through this row.
    if let (Some(number), Some(village)) = (&number, &village) {
        if !number.as_str().starts_with(village.as_str()) {
            if let Some((i, c)) = ctx.get(Field::HouseholdNo) {
                ctx.problem(
                    i,
                    c,
                    format!(
                        "户编号应以本户所在村的行政区划代码「{village}」开头(户编号前 12 位为村代码)"
                    ),
                );
            }
        }
    }
    let household = match (number, village) {
        (Some(number), Some(village)) if ctx.problems.len() == before => Some(Household {
            number,
            village,
            natural_village,
            phone,
            standard,
            attribute,
            main_cause,
            other_causes,
            planned_exit_year,
            housing,
            relocation,
            water,
            food_clothing_secured,
            electricity,
            sanitary_toilet,
            fuel,
            farmland_mu,
            forest_mu,
            cooperative_member,
            members: Vec::new(),
            incomes,
        }),
        _ => None,
    };
    HouseholdPart {
        origin,
        household,
        first_identified,
        exit_year,
        problems: Vec::new(),
        from_head: false,
    }
}

fn parse_income(ctx: &mut RowCtx<'_, '_>, options: &ReadOptions) -> Vec<IncomeRecord> {
    let mut amounts = Vec::new();
    for c in IncomeComponent::ALL {
        if let Some(v) = ctx.optional(Field::Income(*c), |cell| {
            let v = parse_amount(cell)?;
            if v < Yuan::ZERO {
                return Err("收入和支出金额不能为负数".to_owned());
            }
            Ok(v)
        }) {
            amounts.push((*c, v));
        }
    }
    if amounts.is_empty() {
        return Vec::new();
    }
    let year = ctx
        .optional(Field::IncomeYear, parse_year)
        .or(options.income_year);
    let Some(year) = year else {
        let i = ctx
            .header
            .positions
            .get(&Field::IncomeYear)
            .copied()
            .unwrap_or(0);
        ctx.problem(i, Cell::Empty, "有收入数据但未填写「收入年度」".to_owned());
        return Vec::new();
    };
    let mut record = IncomeRecord::new(year);
    for (c, v) in amounts {
        record.set(c, v);
    }
    vec![record]
}

/// Resident IDs seen in the batch, for duplicate checks by callers.
pub fn resident_ids(batch: &ImportBatch) -> HashSet<ResidentId> {
    batch
        .households
        .iter()
        .flat_map(|h| h.household.members.iter().map(|m| m.resident_id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn plain_text_is_already_normalised(s in "[ a-z0-9\\t\\u{0b}\\u{3000}\\u{FF10}-\\u{FF19}张'=-]{0,8}") {
            if is_plain(&s) {
                prop_assert_eq!(jingzhun_core::text::normalize(&s), s.clone());
            }
            let expected = jingzhun_core::text::normalize(&s);
            let got = text_of(Cell::Text(&s));
            let stripped = expected
                .strip_prefix('\'')
                .filter(|r| r.starts_with(['=', '+', '-', '@']))
                .unwrap_or(&expected);
            prop_assert_eq!(got.as_ref(), stripped);
        }
    }
}
