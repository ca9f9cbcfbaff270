//! Spreadsheet-shaped input: XLSX (and the other formats calamine reads) or CSV in UTF-8/GBK, walked row by
//! row as [`Cell`]s, with the header row found among the first rows even under a merged title row or a
//! two-level merged header.
//!
//! Row numbers are 1-based, as Excel and text editors show them.

use std::path::Path;

use calamine::{open_workbook_auto, Data, DataRef, Reader, Sheets, Xlsx};
use chrono::{Duration, NaiveDate};

use std::collections::HashMap;

use crate::text_file::{decode_strict, Detected};

/// How many rows from the top of a sheet are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 6;

/// One cell as read, before any interpretation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    /// A number as stored by the spreadsheet (Excel keeps everything numeric as a double).
    Number(f64),
    Bool(bool),
    /// An Excel date serial (days since 1899-12-30), from a cell formatted as a date.
    Date(f64),
    /// An error value such as `#N/A` or `#REF!`.
    Error,
    /// A formula (text without the leading `=`), whatever its cached value: imports never take values
    /// computed by formulas.
    Formula(&'a str),
}

/// An owned [`Cell`], for rows kept while the header is searched.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedCell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(f64),
    Error,
    Formula(String),
}

impl OwnedCell {
    pub fn as_cell(&self) -> Cell<'_> {
        match self {
            OwnedCell::Empty => Cell::Empty,
            OwnedCell::Text(s) => Cell::Text(s),
            OwnedCell::Number(n) => Cell::Number(*n),
            OwnedCell::Bool(b) => Cell::Bool(*b),
            OwnedCell::Date(d) => Cell::Date(*d),
            OwnedCell::Error => Cell::Error,
            OwnedCell::Formula(f) => Cell::Formula(f),
        }
    }
}

impl From<Cell<'_>> for OwnedCell {
    fn from(c: Cell<'_>) -> Self {
        match c {
            Cell::Empty => OwnedCell::Empty,
            Cell::Text(s) => OwnedCell::Text(s.to_owned()),
            Cell::Number(n) => OwnedCell::Number(n),
            Cell::Bool(b) => OwnedCell::Bool(b),
            Cell::Date(d) => OwnedCell::Date(d),
            Cell::Error => OwnedCell::Error,
            Cell::Formula(f) => OwnedCell::Formula(f.to_owned()),
        }
    }
}

impl<'a> Cell<'a> {
    /// Converts a calamine value. ISO date strings stay text (they are parsed as text dates).
    pub fn from_data(data: &'a Data) -> Self {
        match data {
            Data::Empty => Cell::Empty,
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Float(f) => Cell::Number(*f),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(d) => Cell::Date(d.as_f64()),
            Data::Error(_) => Cell::Error,
        }
    }

    /// Converts a calamine streaming value.
    pub fn from_data_ref(data: &'a DataRef<'_>) -> Self {
        match data {
            DataRef::Empty => Cell::Empty,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s),
            DataRef::SharedString(s) => Cell::Text(s),
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::Bool(b) => Cell::Bool(*b),
            DataRef::DateTime(d) => Cell::Date(d.as_f64()),
            DataRef::Error(_) => Cell::Error,
        }
    }

    /// Whether the cell holds nothing (or only whitespace).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as a user would recognise it in a report: text as written, numbers without a useless `.0`,
    /// integral numbers of more than 11 digits in Excel's scientific form (which is what the user sees).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => (*s).to_owned(),
            Cell::Number(n) => format_number(*n),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
            Cell::Date(d) => excel_serial_to_date(*d)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| format_number(*d)),
            Cell::Error => "#错误值".to_owned(),
            Cell::Formula(f) => format!("={}", f.trim_start_matches('=')),
        }
    }
}

/// Formats a number the way a spreadsheet shows it in a general-format cell: integers without decimals,
/// and large integers (more than 11 digits) as `5.11902E+17`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e11 {
        format!("{}", n as i64)
    } else if n.fract() == 0.0 && n.is_finite() {
        let exp = n.abs().log10().floor() as i32;
        let mantissa = n / 10f64.powi(exp);
        let m = format!("{mantissa:.5}");
        let m = m.trim_end_matches('0').trim_end_matches('.');
        format!("{m}E+{exp}")
    } else {
        format!("{n}")
    }
}

/// Converts an Excel date serial (1900 date system) to a date. Serials before 1900-03-01 are off by the
/// 1900 leap-year bug and outside the registry's range anyway, so only 1900–2199 is accepted.
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !(61.0..=109_574.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(Duration::days(serial.floor() as i64))
}

/// Column letters as Excel shows them: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Why a file could not be read at all (as opposed to bad cells, which are collected as problems).
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("无法读取文件「{path}」: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("无法打开表格文件「{path}」: {reason}")]
    Workbook { path: String, reason: String },
    #[error("文件「{path}」第 {row} 行无法解析为 CSV: {reason}")]
    Csv {
        path: String,
        row: usize,
        reason: String,
    },
    #[error("文件「{path}」中没有找到表头: 前 {rows} 行中没有一行包含「{expected}」等列名")]
    NoHeader {
        path: String,
        rows: usize,
        expected: String,
    },
    #[error("文件「{path}」已损坏或不是 XLSX 格式, 未导入任何数据; 请用 Excel 打开并另存为 .xlsx 后重新导入")]
    Broken { path: String },
    #[error("文件「{path}」第 {row} 行的双引号没有闭合(从该行起到文件末尾都没有右引号), 未导入任何数据; 请检查该行的引号")]
    UnclosedQuote { path: String, row: usize },
    #[error("文件「{path}」第 {row} 行开始的双引号到第 {end} 行才闭合, 一个单元格跨越了多行: 疑似缺少右引号, 未导入任何数据; 请检查第 {row} 行的引号")]
    QuoteAcrossRows {
        path: String,
        row: usize,
        end: usize,
    },
    #[error("文件「{path}」第 {row} 行含有既不是 UTF-8 也不是 GBK 的字节(第 {offset} 字节), 未导入任何数据; 请确认文件编码(另存为「CSV UTF-8」)后重新导入")]
    Encoding {
        path: String,
        row: usize,
        offset: usize,
    },
    #[error(
        "文件「{path}」解压后过大({reason}), 不予读取: 可能是被构造的压缩文件; 请拆分后重新导入"
    )]
    TooLarge { path: String, reason: String },
}

/// How far an XLSX file may expand when read: files are checked against these before any sheet is read
/// (the sizes the archive declares), and again while the sheets are scanned (the bytes that really come).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XlsxBudget {
    /// All parts together, uncompressed.
    pub total: u64,
    /// The shared-strings part, which the reader holds in memory whole.
    pub shared_strings: u64,
    /// Parts larger than [`XlsxBudget::ratio_above`] may expand at most this many times their compressed
    /// size (spreadsheet XML compresses 5–30 times; a run of zeros 1000 times).
    pub max_ratio: u64,
    pub ratio_above: u64,
}

impl Default for XlsxBudget {
    fn default() -> Self {
        Self {
            total: 4 << 30,
            shared_strings: 512 << 20,
            max_ratio: 200,
            ratio_above: 16 << 20,
        }
    }
}

fn mib(n: u64) -> String {
    format!("{} MB", n.div_ceil(1 << 20))
}

/// Checks the sizes an XLSX archive declares against `budget` (cheap: the central directory only), and
/// decompresses the shared strings (held in memory by the reader) to check their real size. `Broken`
/// when the file is no ZIP archive.
pub fn check_xlsx_budget(path: &Path, budget: &XlsxBudget) -> Result<(), TableError> {
    let shown = path.display().to_string();
    let broken = || TableError::Broken {
        path: shown.clone(),
    };
    let too_large = |reason: String| TableError::TooLarge {
        path: shown.clone(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|source| TableError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|_| broken())?;
    let mut total = 0u64;
    let mut strings = None;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| broken())?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        if size > budget.ratio_above && size / packed.max(1) > budget.max_ratio {
            return Err(too_large(format!(
                "「{}」由 {} 解压为 {}",
                entry.name(),
                mib(packed),
                mib(size)
            )));
        }
        if entry.name() == "xl/sharedStrings.xml" {
            strings = Some(i);
        }
    }
    if total > budget.total {
        return Err(too_large(format!(
            "共 {}, 上限 {}",
            mib(total),
            mib(budget.total)
        )));
    }
    if let Some(i) = strings {
        let mut entry = archive.by_index(i).map_err(|_| broken())?;
        let cap = entry.size().min(budget.shared_strings);
        let read = std::io::copy(
            &mut std::io::Read::take(&mut entry, cap + 1),
            &mut std::io::sink(),
        )
        .map_err(|_| broken())?;
        if read > cap {
            return Err(too_large(format!("共享字符串超过 {}", mib(cap))));
        }
    }
    Ok(())
}

/// What a reader does with the rows of a file.
pub trait RowSink {
    /// One row of a sheet (CSV files have one sheet named after the file). `row` is 1-based.
    fn row(&mut self, sheet: &str, row: usize, cells: &[Cell<'_>]);
    /// The end of a sheet.
    fn end_sheet(&mut self, _sheet: &str) {}
    /// The number of rows of a sheet, when known before its rows come (XLSX; not CSV).
    fn sheet_size(&mut self, _sheet: &str, _rows: usize) {}
    /// The formula cells of a sheet, after all its rows: `(1-based row, 0-based column, formula)`. Values
    /// computed by formulas must not be imported, so a sink rejects the rows concerned.
    fn formulas(&mut self, _sheet: &str, _cells: &[(usize, usize, &str)]) {}
    /// A sheet hidden in the workbook (its rows are read like the others'; the report names it).
    fn sheet_hidden(&mut self, _sheet: &str) {}
}

/// The kind of file, from its extension: `.csv` and `.txt` are CSV, everything else goes to calamine.
pub fn is_csv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("txt"))
        .unwrap_or(false)
}

/// Reads every sheet of a workbook, or the one table of a CSV file, into `sink`. Returns the detected
/// text encoding for CSV files.
pub fn read_path(path: &Path, sink: &mut dyn RowSink) -> Result<Option<Detected>, TableError> {
    let shown = path.display().to_string();
    if is_csv(path) {
        let bytes = std::fs::read(path).map_err(|source| TableError::Io {
            path: shown.clone(),
            source,
        })?;
        let sheet = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.clone());
        let detected = read_csv_bytes(&bytes, &sheet, &shown, sink)?;
        return Ok(Some(detected));
    }
    let broken = || TableError::Broken {
        path: shown.clone(),
    };
    let xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm"].iter().any(|x| e.eq_ignore_ascii_case(x)));
    if xlsx {
        check_xlsx_budget(path, &XlsxBudget::default())?;
    }
    // Formulas need a second pass over each sheet's XML: it runs on another thread, over a second
    // handle on the file, while this one streams the values into the sink. The sink hears about
    // formulas afterwards ([`RowSink::formulas`]).
    let (values, formulas) = std::thread::scope(|scope| {
        let formulas = scope.spawn(|| read_formulas(path));
        let values = read_values(path, sink);
        let formulas = formulas.join().unwrap_or(Err(FormulaError::Broken));
        (values, formulas)
    });
    // The parser's own (English) words are not shown: a file it cannot read is broken for the user.
    values.map_err(|_| broken())?;
    let formulas = formulas.map_err(|e| match e {
        FormulaError::Broken => broken(),
        FormulaError::TooLarge(reason) => TableError::TooLarge {
            path: shown.clone(),
            reason,
        },
    })?;
    for (name, cells) in formulas {
        let cells: Vec<(usize, usize, &str)> =
            cells.iter().map(|(r, c, f)| (*r, *c, f.as_str())).collect();
        sink.formulas(&name, &cells);
    }
    Ok(None)
}

/// Streams the values of every sheet into `sink`: XLSX cell by cell (no sheet held in memory), other
/// formats through calamine's ranges.
fn read_values(path: &Path, sink: &mut dyn RowSink) -> Result<(), String> {
    let mut workbook = open_workbook_auto(path).map_err(|e| e.to_string())?;
    let names = workbook.sheet_names();
    for sheet in workbook.sheets_metadata() {
        if sheet.visible != calamine::SheetVisible::Visible {
            sink.sheet_hidden(&sheet.name);
        }
    }
    if let Sheets::Xlsx(xlsx) = &mut workbook {
        for name in &names {
            stream_xlsx_sheet(xlsx, name, sink).map_err(|e| format!("工作表「{name}」: {e}"))?;
        }
        return Ok(());
    }
    for name in &names {
        let range = workbook
            .worksheet_range(name)
            .map_err(|e| format!("工作表「{name}」: {e}"))?;
        sink.sheet_size(name, range.height());
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let pad = first_col as usize;
        let mut cells: Vec<Cell<'_>> = Vec::new();
        for (i, data_row) in range.rows().enumerate() {
            cells.clear();
            cells.extend(std::iter::repeat_n(Cell::Empty, pad));
            cells.extend(data_row.iter().map(Cell::from_data));
            sink.row(name, first_row as usize + i + 1, &cells);
        }
        sink.end_sheet(name);
    }
    Ok(())
}

fn stream_xlsx_sheet<RS: std::io::Read + std::io::Seek>(
    xlsx: &mut Xlsx<RS>,
    name: &str,
    sink: &mut dyn RowSink,
) -> Result<(), calamine::XlsxError> {
    let mut reader = xlsx.worksheet_cells_reader(name)?;
    let dims = reader.dimensions();
    if dims.end.0 > 0 {
        sink.sheet_size(name, dims.end.0 as usize + 1);
    }
    let mut values: Vec<DataRef<'_>> = Vec::new();
    let mut current: Option<u32> = None;
    let emit = |row: u32, values: &[DataRef<'_>], sink: &mut dyn RowSink| {
        let cells: Vec<Cell<'_>> = values.iter().map(Cell::from_data_ref).collect();
        sink.row(name, row as usize + 1, &cells);
    };
    while let Some(cell) = reader.next_cell()? {
        let (row, col) = cell.get_position();
        if current != Some(row) {
            if let Some(previous) = current {
                emit(previous, &values, sink);
            }
            values.clear();
            current = Some(row);
        }
        let col = col as usize;
        if values.len() <= col {
            values.resize(col + 1, DataRef::Empty);
        }
        values[col] = cell.get_value().clone();
    }
    if let Some(previous) = current {
        emit(previous, &values, sink);
    }
    sink.end_sheet(name);
    Ok(())
}

/// Whether an XLSX file may hold formulas: its worksheets' XML has an `<f>` element (namespace prefix
/// allowed). A quick scan of the decompressed XML, much cheaper than parsing it; `true` when unsure (not
/// an XLSX, unreadable), so that the formula pass runs.
pub fn may_have_formulas(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return true;
    };
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return true;
    };
    let finder = memchr::memmem::Finder::new(b"f");
    for i in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(i) else {
            return true;
        };
        let name = entry.name().to_owned();
        if !(name.starts_with("xl/worksheets/") && name.ends_with(".xml")) {
            continue;
        }
        // Chunks overlap by two bytes so that an element split between reads is still seen.
        let mut buf = vec![0u8; 1 << 16];
        let mut kept = 0;
        loop {
            let n = match entry.read(&mut buf[kept..]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(_) => return true,
            };
            let window = &buf[..kept + n];
            for pos in finder.find_iter(window) {
                let before = pos.checked_sub(1).map(|p| window[p]);
                let after = window.get(pos + 1).copied();
                if matches!(before, Some(b'<' | b':')) && matches!(after, Some(b'>' | b' ' | b'/'))
                {
                    return true;
                }
            }
            let len = kept + n;
            let keep = len.min(2);
            buf.copy_within(len - keep..len, 0);
            kept = keep;
        }
    }
    false
}

/// The formulas of every sheet that has any: (sheet, [(1-based row, 0-based column, formula)]).
type SheetFormulas = Vec<(String, Vec<(usize, usize, String)>)>;

/// Why the formula pass failed.
#[derive(Debug)]
enum FormulaError {
    Broken,
    TooLarge(String),
}

/// What a cell of a shared formula other than its first shows: the formula is the first cell's, moved.
pub const SHARED_FORMULA: &str = "(共享公式)";

fn read_formulas(path: &Path) -> Result<SheetFormulas, FormulaError> {
    if !may_have_formulas(path) {
        return Ok(Vec::new());
    }
    let file = std::fs::File::open(path).map_err(|_| FormulaError::Broken)?;
    match zip::ZipArchive::new(std::io::BufReader::new(file)) {
        Ok(mut archive) => xlsx_formulas(&mut archive),
        // Not a ZIP: XLS or ODS, whose formulas calamine reads whole.
        Err(_) => {
            let mut workbook = open_workbook_auto(path).map_err(|_| FormulaError::Broken)?;
            let mut out = Vec::new();
            for name in workbook.sheet_names() {
                let mut cells = Vec::new();
                if let Ok(range) = workbook.worksheet_formula(&name) {
                    let (r0, c0) = range.start().unwrap_or((0, 0));
                    for (r, c, f) in range.cells() {
                        if !f.is_empty() {
                            cells.push((r0 as usize + r + 1, c0 as usize + c, f.clone()));
                        }
                    }
                }
                if !cells.is_empty() {
                    out.push((name, cells));
                }
            }
            Ok(out)
        }
    }
}

/// Every cell with a formula in every worksheet, read from the sheets' XML directly: a cell counts when it
/// has an `<f>` element in any form — with its text, empty, or self-closing as the later cells of a
/// shared formula are (`<f t="shared" si="0"/>`, in a column, a row or a block), an array formula, any
/// namespace prefix. calamine's own formula reader misses the self-closing ones and the blocks.
fn xlsx_formulas<R: std::io::Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> Result<SheetFormulas, FormulaError> {
    let mut out = Vec::new();
    for (name, part) in sheet_parts(archive).map_err(|_| FormulaError::Broken)? {
        let Ok(entry) = archive.by_name(&part) else {
            continue;
        };
        let declared = entry.size();
        let reader = std::io::BufReader::new(Capped {
            inner: entry,
            left: declared,
            part: part.clone(),
        });
        let cells = scan_formulas(reader)?;
        if !cells.is_empty() {
            out.push((name, cells));
        }
    }
    Ok(out)
}

/// A part's reader that fails once more bytes come than the archive declared (the declared sizes were
/// checked against the budget; a part that lies about its size is refused rather than read on).
struct Capped<R> {
    inner: R,
    left: u64,
    part: String,
}

impl<R: std::io::Read> std::io::Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(n)
            }
            None => Err(std::io::Error::other(format!(
                "「{}」解压后比声明的大小更大",
                self.part
            ))),
        }
    }
}

/// The worksheets of a workbook in order: (sheet name, part path), from `xl/workbook.xml` and its
/// relationships.
fn sheet_parts<R: std::io::Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> Result<Vec<(String, String)>, String> {
    use quick_xml::events::Event;
    let read_part = |archive: &mut zip::ZipArchive<R>, name: &str| -> Result<Vec<u8>, String> {
        let mut entry = archive.by_name(name).map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(&mut entry, 64 << 20), &mut bytes)
            .map_err(|e| e.to_string())?;
        Ok(bytes)
    };
    let attr = |e: &quick_xml::events::BytesStart<'_>, local: &[u8], prefixed: bool| {
        e.attributes().flatten().find_map(|a| {
            let key = a.key;
            let has_prefix = key.prefix().is_some();
            (key.local_name().as_ref() == local && has_prefix == prefixed)
                .then(|| String::from_utf8_lossy(&a.value).into_owned())
        })
    };
    let rels = read_part(archive, "xl/_rels/workbook.xml.rels")?;
    let mut targets = HashMap::new();
    let mut xml = quick_xml::Reader::from_reader(rels.as_slice());
    loop {
        match xml.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) =
                    (attr(&e, b"Id", false), attr(&e, b"Target", false))
                {
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_owned(),
                        None => format!("xl/{target}"),
                    };
                    targets.insert(id, path);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let workbook = read_part(archive, "xl/workbook.xml")?;
    let mut out = Vec::new();
    let mut xml = quick_xml::Reader::from_reader(workbook.as_slice());
    loop {
        match xml.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                let name = attr(&e, b"name", false).map(|n| {
                    quick_xml::escape::unescape(&n)
                        .map(|c| c.into_owned())
                        .unwrap_or(n)
                });
                if let (Some(name), Some(path)) = (
                    name,
                    attr(&e, b"id", true).and_then(|id| targets.get(&id).cloned()),
                ) {
                    out.push((name, path));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// `AB12` → (row 11, column 27), 0-based.
fn cell_position(reference: &[u8]) -> Option<(usize, usize)> {
    let letters = reference
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut col = 0usize;
    for b in &reference[..letters] {
        col = col * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: usize = std::str::from_utf8(&reference[letters..])
        .ok()?
        .parse()
        .ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

/// The formula cells of one worksheet's XML: (1-based row, 0-based column, formula text or
/// [`SHARED_FORMULA`]).
fn scan_formulas<R: std::io::BufRead>(
    reader: R,
) -> Result<Vec<(usize, usize, String)>, FormulaError> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut cells = Vec::new();
    let (mut row, mut col) = (0usize, 0usize);
    let mut cell: Option<(usize, usize)> = None;
    let mut formula: Option<String> = None;
    let position = |e: &quick_xml::events::BytesStart<'_>| {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == b"r")
            .map(|a| a.value.into_owned())
    };
    loop {
        let event = xml.read_event_into(&mut buf).map_err(|e| {
            // A part longer than it said is refused as such; other XML errors mean a broken file.
            let text = e.to_string();
            if text.contains("解压后") {
                FormulaError::TooLarge(text)
            } else {
                FormulaError::Broken
            }
        })?;
        let is_start = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) if e.local_name().as_ref() == b"row" => {
                if let Some(r) =
                    position(&e).and_then(|r| std::str::from_utf8(&r).ok()?.parse::<usize>().ok())
                {
                    row = r.saturating_sub(1);
                }
                col = 0;
            }
            Event::End(e) if e.local_name().as_ref() == b"row" => {
                row += 1;
                col = 0;
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"c" => {
                let at = position(&e)
                    .and_then(|r| cell_position(&r))
                    .unwrap_or((row, col));
                col = at.1 + 1;
                if is_start {
                    cell = Some(at);
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"c" => cell = None,
            Event::Empty(e) if e.local_name().as_ref() == b"f" => {
                if let Some((r, c)) = cell {
                    cells.push((r + 1, c, SHARED_FORMULA.to_owned()));
                }
            }
            Event::Start(e) if e.local_name().as_ref() == b"f" && cell.is_some() => {
                formula = Some(String::new());
            }
            Event::Text(t) => {
                if let Some(f) = formula.as_mut() {
                    f.push_str(&t.unescape().map_err(|_| FormulaError::Broken)?);
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"f" => {
                if let (Some(f), Some((r, c))) = (formula.take(), cell) {
                    let f = if f.trim().is_empty() {
                        SHARED_FORMULA.to_owned()
                    } else {
                        f
                    };
                    cells.push((r + 1, c, f));
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"sheetData" => break,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(cells)
}

/// The 1-based line where a quoted field opens that never closes (`Err(row)`), or that closes on a later
/// line (`Ok(Some((row, end)))`): both would pull the rows that follow into one cell.
fn quote_problem(text: &str) -> Result<Option<(usize, usize)>, usize> {
    let bytes = text.as_bytes();
    let (mut line, mut opened) = (1usize, 0usize);
    let (mut quoted, mut field_start) = (false, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            match b {
                b'"' if bytes.get(i + 1) == Some(&b'"') => i += 1,
                b'"' => {
                    quoted = false;
                    field_start = false;
                    if line != opened {
                        return Ok(Some((opened, line)));
                    }
                }
                b'\n' => line += 1,
                _ => {}
            }
        } else {
            match b {
                b'"' if field_start => {
                    quoted = true;
                    opened = line;
                }
                b',' | b'\r' => field_start = true,
                b'\n' => {
                    line += 1;
                    field_start = true;
                }
                _ => field_start = false,
            }
        }
        i += 1;
    }
    if quoted {
        Err(opened)
    } else {
        Ok(None)
    }
}

/// Reads CSV bytes (UTF-8 with or without BOM, or GBK/GB18030) into `sink` as one sheet named `sheet`.
pub fn read_csv_bytes(
    bytes: &[u8],
    sheet: &str,
    shown: &str,
    sink: &mut dyn RowSink,
) -> Result<Detected, TableError> {
    let (text, detected) = decode_strict(bytes).map_err(|bad| TableError::Encoding {
        path: shown.to_owned(),
        row: bad.row,
        offset: bad.offset,
    })?;
    // Checked before any row reaches the sink: a quote left open must not swallow the rows below it.
    match quote_problem(&text) {
        Err(row) => {
            return Err(TableError::UnclosedQuote {
                path: shown.to_owned(),
                row,
            })
        }
        Ok(Some((row, end))) => {
            return Err(TableError::QuoteAcrossRows {
                path: shown.to_owned(),
                row,
                end,
            })
        }
        Ok(None) => {}
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    // Line numbers are counted here: the csv crate's positions are off by one after a CRLF line end.
    let mut next_row = 1usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(TableError::Csv {
                    path: shown.to_owned(),
                    row: next_row,
                    reason: e.to_string(),
                })
            }
        }
        let row = next_row;
        next_row = row
            + 1
            + record
                .iter()
                .map(|f| f.matches('\n').count())
                .sum::<usize>();
        let cells: Vec<Cell<'_>> = record
            .iter()
            .map(|s| {
                if s.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(s)
                }
            })
            .collect();
        sink.row(sheet, row, &cells);
    }
    sink.end_sheet(sheet);
    Ok(detected)
}

/// Normalises a header text for matching: half-width, no whitespace, no required-marker `*`, no unit in
/// brackets at the end (`耕地面积（亩）` → `耕地面积`), no trailing colon.
pub fn normalize_header(text: &str) -> String {
    let s: String = jingzhun_core::text::normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '※')
        .collect();
    let mut s = s.trim_end_matches([':', '：']).to_owned();
    // Strip trailing bracketed units, possibly several: 收入(元)(2020年).
    loop {
        let trimmed = s.trim_end();
        let Some(open) = (if trimmed.ends_with(')') {
            trimmed.rfind('(')
        } else if trimmed.ends_with('】') {
            trimmed.rfind('【')
        } else {
            None
        }) else {
            break;
        };
        if open == 0 {
            break;
        }
        s.truncate(open);
    }
    s
}

/// The header of one sheet, as found.
#[derive(Debug, Clone)]
pub struct Header<F> {
    /// The 1-based row number of the last header row (data starts below it).
    pub row: usize,
    /// For each column: its header text as written (for reports) and what it matched.
    pub columns: Vec<(String, Option<F>)>,
}

/// Finds the header among the first rows of a sheet: for each candidate row, each column's name is the
/// cell in that row or, when empty, the nearest non-empty cell above it (a header cell merged downwards or
/// a group title merged across); the row where most names match wins, ties going to the upper row.
/// Returns `None` when no row matches at least `min_matches` names.
pub fn find_header<F: Copy>(
    rows: &[(usize, Vec<OwnedCell>)],
    matcher: &dyn Fn(&str) -> Option<F>,
    min_matches: usize,
) -> Option<Header<F>> {
    let mut best: Option<(usize, Header<F>)> = None;
    for (index, (row_number, cells)) in rows.iter().enumerate() {
        let width = rows[..=index]
            .iter()
            .map(|(_, c)| c.len())
            .max()
            .unwrap_or(0);
        let mut columns = Vec::with_capacity(width);
        let mut score = 0;
        for col in 0..width {
            let own = cells.get(col).map(header_text).unwrap_or_default();
            let text = if own.is_empty() {
                rows[..index]
                    .iter()
                    .rev()
                    .map(|(_, c)| c.get(col).map(header_text).unwrap_or_default())
                    .find(|t| !t.is_empty())
                    .unwrap_or_default()
            } else {
                own
            };
            let matched = if text.is_empty() {
                None
            } else {
                matcher(&normalize_header(&text))
            };
            if matched.is_some() {
                score += 1;
            }
            columns.push((text, matched));
        }
        if score >= min_matches && best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Header {
                    row: *row_number,
                    columns,
                },
            ));
        }
    }
    best.map(|(_, h)| h)
}

fn header_text(cell: &OwnedCell) -> String {
    match cell {
        OwnedCell::Text(s) => jingzhun_core::text::normalize(s),
        OwnedCell::Empty => String::new(),
        other => other.as_cell().display(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_normalisation_strips_units_and_markers() {
        assert_eq!(normalize_header(" 耕地面积（亩） "), "耕地面积");
        assert_eq!(normalize_header("*证件号码"), "证件号码");
        assert_eq!(normalize_header("工资性收入(元)"), "工资性收入");
        assert_eq!(normalize_header("户 编 号："), "户编号");
    }

    #[test]
    fn numbers_and_letters_display_like_excel() {
        assert_eq!(format_number(511_902_199_001_011_200.0), "5.11902E+17");
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(
            excel_serial_to_date(41913.0),
            NaiveDate::from_ymd_opt(2014, 10, 1)
        );
    }

    #[test]
    fn header_is_found_under_a_title_and_through_merged_cells() {
        let t = |s: &str| OwnedCell::Text(s.to_owned());
        let rows = vec![
            (1, vec![t("巴州区建档立卡户信息表"), OwnedCell::Empty]),
            (2, vec![t("户编号"), t("收入情况"), OwnedCell::Empty]),
            (3, vec![OwnedCell::Empty, t("工资性收入"), t("低保金")]),
            (4, vec![t("1"), t("100"), t("200")]),
        ];
        let known = ["户编号", "工资性收入", "低保金"];
        let matcher = |s: &str| known.iter().position(|k| *k == s);
        let h = find_header(&rows, &matcher, 2).unwrap();
        assert_eq!(h.row, 3);
        let matched: Vec<_> = h.columns.iter().map(|(_, m)| *m).collect();
        assert_eq!(matched, vec![Some(0), Some(1), Some(2)]);
    }
}
