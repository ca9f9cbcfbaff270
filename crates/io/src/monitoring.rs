//! The monitoring records a county already has (issue 13 §10): monitored households with their kind,
//! identification date and risk types, the decisions on them (识别纳入, 风险消除 with dates), assistance
//! measures, visits, assisting cadres and their pairings with households — read from the lists the
//! national monitoring system (全国防返贫监测信息系统) exports, written back in the same layout, and a
//! template with a guide sheet.
//!
//! # Layout
//!
//! Five tables. In an XLSX workbook (as Excel or WPS writes it) each is a sheet named as below; a sheet
//! with another name is recognised by its headers, and sheets that match no table (such as the guide
//! sheet 填写说明) are skipped and named in the summary. A CSV file (UTF-8 with or without BOM, or GBK)
//! holds one table, recognised by its headers. The header row may sit under a title row (among the first
//! six rows), columns in any order, other columns ignored, blank rows skipped. Headers are matched after
//! normalisation (full-width to half-width, units in brackets and `*` removed), so `帮扶金额（元）` is
//! `帮扶金额`; each column also accepts the other wordings [`TABLES`] lists.
//!
//! | sheet | columns (`*` required) |
//! |---|---|
//! | 监测对象 | 户编号*, 户主姓名, 监测对象类别*, 识别纳入日期*, 风险类型*, 风险消除日期 |
//! | 帮扶措施 | 户编号*, 措施类型*, 措施内容*, 开始日期*, 结束日期, 帮扶金额(元), 帮扶干部姓名, 帮扶干部联系电话 |
//! | 走访记录 | 户编号*, 走访日期*, 走访类型*, 走访情况, 帮扶干部姓名, 帮扶干部联系电话 |
//! | 帮扶干部 | 姓名*, 联系电话, 工作单位*, 职务*, 所在区划代码* |
//! | 结对帮扶 | 户编号*, 帮扶干部姓名*, 帮扶干部联系电话, 结对开始日期*, 结对结束日期 |
//!
//! **The headers are assumed.** No public source gives the exact column names of the national system's
//! exports; these are its official Chinese terms (监测对象类别, 识别纳入, 风险类型, 风险消除, 帮扶措施,
//! 帮扶干部, 结对帮扶, 走访), and the alternative wordings seen in county lists are accepted. The guide
//! sheet of the template says so too.
//!
//! A row of 监测对象 is one monitoring period of a household: the 纳入监测 decision on 识别纳入日期 (with
//! its kind and risk types) and, when filled, the 风险消除 decision on 风险消除日期. A household identified
//! twice has two rows. Codes are written as their Chinese label or their code (`因病` or `illness`);
//! several risk types are separated by `、`, `,` or `;`. Dates as `2021-03-15`, `2021/3/15`,
//! `2021年3月15日` or a date cell. Cadres are named in the other tables by name and phone (the phone may
//! be left out when the name is unique among the cadres).
//!
//! # Reading and checking
//!
//! [`read_monitoring`] reads a file and checks every cell, collecting every problem with its sheet, row,
//! column (header and letter) and value ([`Problem`]). [`resolve`] then checks the records against the
//! registry — the household exists and lies in the importing account's area, the kind fits the household's
//! standing on the identification date (脱贫不稳定户 for a 脱贫户, 边缘易致贫户 for a 一般农户,
//! 突发严重困难户 for either), a household's monitoring periods do not overlap, cadres named in the other
//! tables exist — and yields one [`MonitoringHistory`] or every problem: a file with any problem imports
//! nothing.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use jingzhun_core::monitoring::{
    Assignment, Cadre, CadreId, CadrePost, Measure, MonitoringHistory,
};
use jingzhun_core::monitoring::{Visit, VisitPurpose};
use jingzhun_core::{
    AreaCode, AssistanceType, HouseholdId, HouseholdNo, HouseholdStatus, MonitoringKind,
    PersonName, Phone, RegistryStatus, RiskType, StatusEvent, StatusEventKind, Yuan,
};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::households::{parse_amount, parse_date, text_of, Problem};
use crate::table::{
    self, column_letter, find_header, normalize_header, Cell, OwnedCell, RowSink, TableError,
    HEADER_SEARCH_ROWS,
};
use crate::text_file::Detected;

pub const MONITORED: &str = "监测对象";
pub const MEASURES: &str = "帮扶措施";
pub const VISITS: &str = "走访记录";
pub const CADRES: &str = "帮扶干部";
pub const PAIRINGS: &str = "结对帮扶";
/// The guide sheet of the template and of exports (skipped when read).
pub const GUIDE_SHEET: &str = "填写说明";

const NO: &str = "户编号";
const HEAD: &str = "户主姓名";
const KIND: &str = "监测对象类别";
const IDENTIFIED: &str = "识别纳入日期";
const RISKS: &str = "风险类型";
const ELIMINATED: &str = "风险消除日期";
const M_KIND: &str = "措施类型";
const M_TEXT: &str = "措施内容";
const M_START: &str = "开始日期";
const M_END: &str = "结束日期";
const M_AMOUNT: &str = "帮扶金额(元)";
const C_NAME_REF: &str = "帮扶干部姓名";
const C_PHONE_REF: &str = "帮扶干部联系电话";
const V_DATE: &str = "走访日期";
const V_PURPOSE: &str = "走访类型";
const V_FINDINGS: &str = "走访情况";
const C_NAME: &str = "姓名";
const C_PHONE: &str = "联系电话";
const C_UNIT: &str = "工作单位";
const C_POST: &str = "职务";
const C_AREA: &str = "所在区划代码";
const P_FROM: &str = "结对开始日期";
const P_TO: &str = "结对结束日期";

/// What a column asks for, for the guide.
#[derive(Debug, Clone, Copy)]
enum Guide {
    Text(&'static str),
    Kinds,
    Risks,
    MeasureKinds,
    Purposes,
    Posts,
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    /// Other wordings accepted for the header.
    pub aliases: &'static [&'static str],
    pub required: bool,
    guide: Guide,
}

const fn col(
    header: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    guide: Guide,
) -> Column {
    Column {
        header,
        aliases,
        required,
        guide,
    }
}

const HOUSEHOLD_NO: Column = col(
    NO,
    &["监测户编号"],
    true,
    Guide::Text("户编号，与户籍表（建档立卡信息）中的户编号相同，文本格式"),
);
const CADRE_NAME_REF: Column = col(
    C_NAME_REF,
    &["帮扶责任人", "帮扶责任人姓名", "走访人", "走访干部"],
    false,
    Guide::Text("「帮扶干部」表中的干部姓名"),
);
const CADRE_PHONE_REF: Column = col(
    C_PHONE_REF,
    &["帮扶责任人联系电话", "帮扶责任人电话", "走访干部联系电话"],
    false,
    Guide::Text("该干部在「帮扶干部」表中的联系电话；姓名在表中唯一时可不填"),
);

/// The tables of the layout, in export order (see the module docs).
pub const TABLES: &[(&str, &[Column])] = &[
    (
        MONITORED,
        &[
            HOUSEHOLD_NO,
            col(
                HEAD,
                &["户主"],
                false,
                Guide::Text("户主姓名，仅供核对，不导入"),
            ),
            col(
                KIND,
                &["监测对象类型", "监测类型", "监测对象属性"],
                true,
                Guide::Kinds,
            ),
            col(
                IDENTIFIED,
                &[
                    "识别纳入时间",
                    "纳入监测日期",
                    "纳入监测时间",
                    "识别监测时间",
                    "识别时间",
                ],
                true,
                Guide::Text("纳入监测（县级审定）的日期，如 2021-03-15"),
            ),
            col(
                RISKS,
                &[
                    "返贫致贫风险",
                    "致贫返贫风险",
                    "风险类别",
                    "主要风险类型",
                    "返贫致贫风险类型",
                ],
                true,
                Guide::Risks,
            ),
            col(
                ELIMINATED,
                &["风险消除时间", "标注风险消除日期", "标注风险消除时间"],
                false,
                Guide::Text("已标注风险消除的，填风险消除（县级审定）日期；尚未消除的留空"),
            ),
        ],
    ),
    (
        MEASURES,
        &[
            HOUSEHOLD_NO,
            col(
                M_KIND,
                &["帮扶措施类型", "帮扶类型"],
                true,
                Guide::MeasureKinds,
            ),
            col(
                M_TEXT,
                &["帮扶内容", "措施名称", "帮扶措施内容"],
                true,
                Guide::Text("措施的具体内容，如「城乡居民医保资助参保」，最多 200 个字"),
            ),
            col(
                M_START,
                &["开始时间", "帮扶开始日期", "帮扶开始时间", "落实日期"],
                true,
                Guide::Text("措施开始的日期，如 2021-04-01"),
            ),
            col(
                M_END,
                &["结束时间", "帮扶结束日期", "帮扶结束时间"],
                false,
                Guide::Text("措施结束的日期，不早于开始日期；仍在实施的留空"),
            ),
            col(
                M_AMOUNT,
                &["金额", "帮扶资金", "资金"],
                false,
                Guide::Text("金额（元），最多两位小数，不能为负；没有金额的留空"),
            ),
            CADRE_NAME_REF,
            CADRE_PHONE_REF,
        ],
    ),
    (
        VISITS,
        &[
            HOUSEHOLD_NO,
            col(
                V_DATE,
                &["走访时间"],
                true,
                Guide::Text("走访的日期，如 2022-05-20"),
            ),
            col(V_PURPOSE, &["走访事由", "走访目的"], true, Guide::Purposes),
            col(
                V_FINDINGS,
                &["走访内容", "走访记录", "走访情况记录"],
                false,
                Guide::Text("走访发现的情况，最多 500 个字"),
            ),
            CADRE_NAME_REF,
            CADRE_PHONE_REF,
        ],
    ),
    (
        CADRES,
        &[
            col(
                C_NAME,
                &["干部姓名", "帮扶干部姓名", "帮扶责任人姓名"],
                true,
                Guide::Text("帮扶干部姓名，最多 30 个字"),
            ),
            col(
                C_PHONE,
                &["手机号码", "电话", "帮扶干部联系电话"],
                false,
                Guide::Text("11 位手机号或带区号的固定电话（文本格式）；同名的干部必须填写"),
            ),
            col(
                C_UNIT,
                &["单位", "派出单位", "帮扶单位"],
                true,
                Guide::Text("工作单位，如 县农业农村局"),
            ),
            col(
                C_POST,
                &["帮扶身份", "身份", "干部类型", "职责"],
                true,
                Guide::Posts,
            ),
            col(
                C_AREA,
                &["区划代码", "所在村代码", "帮扶村代码"],
                true,
                Guide::Text("干部帮扶的村或乡镇的行政区划代码（9 或 12 位，文本格式）"),
            ),
        ],
    ),
    (
        PAIRINGS,
        &[
            HOUSEHOLD_NO,
            col(
                C_NAME_REF,
                &["帮扶责任人", "帮扶责任人姓名"],
                true,
                Guide::Text("「帮扶干部」表中的干部姓名"),
            ),
            CADRE_PHONE_REF,
            col(
                P_FROM,
                &["结对开始时间", "结对时间", "结对日期"],
                true,
                Guide::Text("结对帮扶开始的日期，如 2021-01-01"),
            ),
            col(
                P_TO,
                &["结对结束时间", "结对结束"],
                false,
                Guide::Text("结对结束的日期，不早于开始日期；仍在结对的留空"),
            ),
        ],
    ),
];

fn columns_of(table: &str) -> &'static [Column] {
    TABLES
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, c)| *c)
        .unwrap_or_default()
}

fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    all.iter().map(|v| label(*v)).collect::<Vec<_>>().join("、")
}

/// What to write in a column, in Chinese.
pub fn guidance(column: &Column) -> String {
    let choose = |list: String| format!("从以下选填：{list}");
    match column.guide {
        Guide::Text(t) => t.to_owned(),
        Guide::Kinds => format!(
            "{}；脱贫不稳定户只适用于脱贫户，边缘易致贫户只适用于一般农户，突发严重困难户两者均可",
            choose(labels(MonitoringKind::ALL, MonitoringKind::label))
        ),
        Guide::Risks => format!(
            "至少一项，多项用顿号、逗号或分号分隔；{}",
            choose(labels(RiskType::ALL, RiskType::label))
        ),
        Guide::MeasureKinds => choose(labels(AssistanceType::ALL, AssistanceType::label)),
        Guide::Purposes => choose(labels(VisitPurpose::ALL, VisitPurpose::label)),
        Guide::Posts => choose(labels(CadrePost::ALL, CadrePost::label)),
    }
}

/// A record with the household it names (by number) and where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub sheet: String,
    pub row: usize,
    pub household_no: HouseholdNo,
    pub record: T,
}

/// A cadre as the other tables name one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CadreRef {
    pub name: PersonName,
    pub phone: Option<Phone>,
}

/// One monitoring period (a row of 监测对象).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    pub kind: MonitoringKind,
    pub identified: NaiveDate,
    pub risk_types: Vec<RiskType>,
    pub eliminated: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRow {
    pub kind: AssistanceType,
    pub description: String,
    pub started: NaiveDate,
    pub ended: Option<NaiveDate>,
    pub amount: Option<Yuan>,
    pub cadre: Option<CadreRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    pub visited_on: NaiveDate,
    pub purpose: VisitPurpose,
    pub findings: String,
    pub cadre: Option<CadreRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingRow {
    pub cadre: CadreRef,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// A cadre row; `cadre.id` is its place among the file's cadres (1, 2, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadreRow {
    pub sheet: String,
    pub row: usize,
    pub cadre: Cadre,
}

/// What a monitoring file holds, read and checked cell by cell (not yet against the registry).
#[derive(Debug, Clone, Default)]
pub struct MonitoringFile {
    /// The file as given, for messages.
    pub source: String,
    pub encoding: Option<Detected>,
    pub identifications: Vec<Located<Identification>>,
    pub measures: Vec<Located<MeasureRow>>,
    pub visits: Vec<Located<VisitRow>>,
    pub pairings: Vec<Located<PairingRow>>,
    pub cadres: Vec<CadreRow>,
    pub problems: Vec<Problem>,
    /// Each sheet read and the table it was read as.
    pub tables: Vec<(String, &'static str)>,
    /// Sheets that match no table (nothing of them imported).
    pub skipped_sheets: Vec<String>,
    /// Sheets hidden in the workbook (read like the others; named so that nobody imports rows unseen).
    pub hidden_sheets: Vec<String>,
    /// `(sheet, header)` → the header as written with its letter: `户编号(A列)`.
    columns: HashMap<(String, &'static str), String>,
    /// `(name, phone)` of each cadre → its row, for duplicates.
    cadre_rows: HashMap<(String, Option<String>), usize>,
}

impl MonitoringFile {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// Every household number the file names.
    pub fn household_numbers(&self) -> Vec<HouseholdNo> {
        let mut out: Vec<HouseholdNo> = self
            .identifications
            .iter()
            .map(|l| l.household_no.clone())
            .chain(self.measures.iter().map(|l| l.household_no.clone()))
            .chain(self.visits.iter().map(|l| l.household_no.clone()))
            .chain(self.pairings.iter().map(|l| l.household_no.clone()))
            .collect();
        out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        out.dedup();
        out
    }

    /// The column of `header` in `sheet` as the file writes it, with its letter.
    fn column(&self, sheet: &str, header: &'static str) -> String {
        self.columns
            .get(&(sheet.to_owned(), header))
            .cloned()
            .unwrap_or_else(|| header.to_owned())
    }

    /// One line: what was read.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "「{}」：监测对象 {} 条，帮扶措施 {} 条，走访记录 {} 条，帮扶干部 {} 名，结对帮扶 {} 条",
            self.source,
            self.identifications.len(),
            self.measures.len(),
            self.visits.len(),
            self.cadres.len(),
            self.pairings.len()
        );
        if !self.skipped_sheets.is_empty() {
            s.push_str(&format!(
                "；未识别、未导入的工作表：{}",
                self.skipped_sheets.join("、")
            ));
        }
        if !self.hidden_sheets.is_empty() {
            s.push_str(&format!(
                "；其中隐藏的工作表：{}（已一并读取）",
                self.hidden_sheets.join("、")
            ));
        }
        s
    }
}

/// A sheet's rows with their 1-based numbers.
type Rows = Vec<(usize, Vec<OwnedCell>)>;

/// The rows of every sheet, kept for the header search and the parse.
#[derive(Default)]
struct Collect {
    sheets: Vec<(String, Rows)>,
    formulas: HashMap<String, Vec<(usize, usize)>>,
    hidden: Vec<String>,
}

impl RowSink for Collect {
    fn row(&mut self, sheet: &str, row: usize, cells: &[Cell<'_>]) {
        if self.sheets.last().is_none_or(|(s, _)| s != sheet) {
            self.sheets.push((sheet.to_owned(), Vec::new()));
        }
        if let Some((_, rows)) = self.sheets.last_mut() {
            rows.push((row, cells.iter().map(|c| OwnedCell::from(*c)).collect()));
        }
    }

    fn formulas(&mut self, sheet: &str, cells: &[(usize, usize, &str)]) {
        self.formulas
            .entry(sheet.to_owned())
            .or_default()
            .extend(cells.iter().map(|(r, c, _)| (*r, *c)));
    }

    fn sheet_hidden(&mut self, sheet: &str) {
        self.hidden.push(sheet.to_owned());
    }
}

/// Reads a monitoring file (XLSX or CSV; see the module docs) and checks every cell.
pub fn read_monitoring(path: &Path) -> Result<MonitoringFile, TableError> {
    let mut sink = Collect::default();
    let encoding = table::read_path(path, &mut sink)?;
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(parse_sheets(source, encoding, sink))
}

/// Reads CSV bytes holding one table (for a file already in memory).
pub fn read_monitoring_csv(bytes: &[u8], name: &str) -> Result<MonitoringFile, TableError> {
    let mut sink = Collect::default();
    let encoding = table::read_csv_bytes(bytes, name, name, &mut sink)?;
    Ok(parse_sheets(name.to_owned(), Some(encoding), sink))
}

fn matcher(columns: &'static [Column]) -> impl Fn(&str) -> Option<&'static str> {
    move |text: &str| {
        columns
            .iter()
            .find(|c| {
                normalize_header(c.header) == text
                    || c.aliases.iter().any(|a| normalize_header(a) == text)
            })
            .map(|c| c.header)
    }
}

/// The table a sheet holds: its name if it is a table's, else the table whose headers it matches best
/// (all required ones present).
fn pick_table(
    name: &str,
    rows: &[(usize, Vec<OwnedCell>)],
) -> Option<(&'static str, table::Header<&'static str>)> {
    let top: Vec<(usize, Vec<OwnedCell>)> = rows.iter().take(HEADER_SEARCH_ROWS).cloned().collect();
    let found = |table: &'static str, columns: &'static [Column]| {
        let m = matcher(columns);
        find_header(&top, &m, 1).map(|h| (table, h))
    };
    if let Some((table, columns)) = TABLES.iter().find(|(t, _)| *t == name) {
        return found(table, columns);
    }
    let mut best: Option<(usize, &'static str, table::Header<&'static str>)> = None;
    for (table, columns) in TABLES {
        let Some((_, h)) = found(table, columns) else {
            continue;
        };
        let matched: Vec<&str> = h.columns.iter().filter_map(|(_, m)| *m).collect();
        let complete = columns
            .iter()
            .filter(|c| c.required)
            .all(|c| matched.contains(&c.header));
        if complete && best.as_ref().is_none_or(|(n, _, _)| matched.len() > *n) {
            best = Some((matched.len(), table, h));
        }
    }
    best.map(|(_, t, h)| (t, h))
}

fn parse_sheets(source: String, encoding: Option<Detected>, sink: Collect) -> MonitoringFile {
    let mut file = MonitoringFile {
        source,
        encoding,
        hidden_sheets: sink.hidden.clone(),
        ..MonitoringFile::default()
    };
    for (name, rows) in &sink.sheets {
        if name == GUIDE_SHEET {
            file.skipped_sheets.push(name.clone());
            continue;
        }
        let Some((table, header)) = pick_table(name, rows) else {
            if TABLES.iter().any(|(t, _)| t == name) {
                missing_columns(&mut file, name, table_of(name), &[], 1);
            } else if rows
                .iter()
                .any(|(_, c)| c.iter().any(|c| !c.as_cell().is_blank()))
            {
                file.skipped_sheets.push(name.clone());
            }
            continue;
        };
        let columns = columns_of(table);
        let by_header: HashMap<&'static str, usize> = header
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, (_, m))| m.map(|h| (h, i)))
            .collect();
        for (i, (text, m)) in header.columns.iter().enumerate() {
            if let Some(h) = m {
                file.columns.insert(
                    (name.clone(), *h),
                    format!("{text}({}列)", column_letter(i)),
                );
            }
        }
        let missing: Vec<&str> = columns
            .iter()
            .filter(|c| c.required && !by_header.contains_key(c.header))
            .map(|c| c.header)
            .collect();
        if !missing.is_empty() {
            missing_columns(&mut file, name, table, &missing, header.row);
            continue;
        }
        file.tables.push((name.clone(), table));
        let formulas: Vec<(usize, usize)> = sink.formulas.get(name).cloned().unwrap_or_default();
        for (row, cells) in rows.iter().filter(|(r, _)| *r > header.row) {
            if cells.iter().all(|c| c.as_cell().is_blank()) {
                continue;
            }
            let mut r = Row {
                sheet: name,
                row: *row,
                cells,
                by_header: &by_header,
                file: &mut file,
            };
            let mut formula = false;
            for (_, c) in formulas.iter().filter(|(fr, _)| fr == row) {
                if let Some((h, _)) = by_header.iter().find(|(_, i)| **i == *c) {
                    r.problem(
                        h,
                        String::new(),
                        "由公式计算的值不导入，请改为直接填写".to_owned(),
                    );
                    formula = true;
                }
            }
            if !formula {
                read_row(table, &mut r);
            }
        }
    }
    if file.tables.is_empty() && file.problems.is_empty() {
        file.problems.push(Problem {
            sheet: file.source.clone(),
            row: 1,
            column: String::new(),
            value: String::new(),
            reason: format!(
                "没有找到监测帮扶数据表：应有工作表「{}」之一，或包含其列名的表头",
                TABLES
                    .iter()
                    .map(|(t, _)| *t)
                    .collect::<Vec<_>>()
                    .join("」「")
            ),
        });
    }
    file
}

fn table_of(name: &str) -> &'static str {
    TABLES
        .iter()
        .find(|(t, _)| *t == name)
        .map(|(t, _)| *t)
        .unwrap_or(MONITORED)
}

fn missing_columns(
    file: &mut MonitoringFile,
    sheet: &str,
    table: &str,
    missing: &[&str],
    row: usize,
) {
    let missing: Vec<&str> = if missing.is_empty() {
        columns_of(table)
            .iter()
            .filter(|c| c.required)
            .map(|c| c.header)
            .collect()
    } else {
        missing.to_vec()
    };
    file.problems.push(Problem {
        sheet: sheet.to_owned(),
        row,
        column: String::new(),
        value: String::new(),
        reason: format!(
            "「{table}」表缺少必填列：{}，整张表未读取",
            missing.join("、")
        ),
    });
}

/// One row of a sheet with its columns by header.
struct Row<'a> {
    sheet: &'a str,
    row: usize,
    cells: &'a [OwnedCell],
    by_header: &'a HashMap<&'static str, usize>,
    file: &'a mut MonitoringFile,
}

impl Row<'_> {
    fn cell(&self, header: &str) -> Cell<'_> {
        self.by_header
            .get(header)
            .and_then(|i| self.cells.get(*i))
            .map_or(Cell::Empty, OwnedCell::as_cell)
    }

    fn problem(&mut self, header: &str, value: String, reason: String) {
        let column = self
            .by_header
            .get(header)
            .map(|i| {
                let key = (self.sheet.to_owned(), header_static(header));
                self.file
                    .columns
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| format!("{header}({}列)", column_letter(*i)))
            })
            .unwrap_or_else(|| header.to_owned());
        self.file.problems.push(Problem {
            sheet: self.sheet.to_owned(),
            row: self.row,
            column,
            value,
            reason,
        });
    }

    /// A value parsed by `f`, or a problem; `None` for a blank optional cell.
    fn opt<T>(&mut self, header: &str, f: impl FnOnce(Cell<'_>) -> Result<T, String>) -> Option<T> {
        let cell = self.cell(header);
        if cell.is_blank() {
            return None;
        }
        let shown = cell.display();
        match f(cell) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.problem(header, shown, reason);
                None
            }
        }
    }

    fn req<T>(&mut self, header: &str, f: impl FnOnce(Cell<'_>) -> Result<T, String>) -> Option<T> {
        if self.cell(header).is_blank() {
            self.problem(header, String::new(), "必填，不能为空".to_owned());
            return None;
        }
        self.opt(header, f)
    }

    fn household_no(&mut self) -> Option<HouseholdNo> {
        self.req(NO, |c| match c {
            Cell::Number(_) if c.display().contains('E') => {
                Err("户编号被存成了数字，末尾数字已丢失；请把该列设为文本格式后重新填写".to_owned())
            }
            c => HouseholdNo::parse(&text_of(c)).map_err(|e| e.to_string()),
        })
    }

    fn text(&mut self, header: &str, max: usize, required: bool) -> Option<String> {
        let f = |c: Cell<'_>| {
            let t = text_of(c).trim().to_owned();
            jingzhun_core::text::check_free_text(&t, max).map_err(|e| e.to_string())?;
            Ok(t)
        };
        if required {
            self.req(header, f)
        } else {
            self.opt(header, f)
        }
    }

    fn date(&mut self, header: &str, required: bool) -> Option<NaiveDate> {
        if required {
            self.req(header, parse_date)
        } else {
            self.opt(header, parse_date)
        }
    }

    fn code<T>(&mut self, header: &str, parse: fn(&str) -> Option<T>, what: &str) -> Option<T> {
        let what = what.to_owned();
        self.req(header, move |c| {
            parse(&text_of(c)).ok_or_else(|| format!("不是有效的{what}"))
        })
    }

    /// A cadre named by name (and phone) in `name`/`phone` columns.
    fn cadre_ref(&mut self, required: bool) -> Option<CadreRef> {
        let name = if required {
            self.req(C_NAME_REF, person_name)
        } else {
            self.opt(C_NAME_REF, person_name)
        };
        let phone = self.opt(C_PHONE_REF, phone);
        if name.is_none() && phone.is_some() {
            self.problem(
                C_NAME_REF,
                String::new(),
                "填写了帮扶干部联系电话，也应填写帮扶干部姓名".to_owned(),
            );
        }
        name.map(|name| CadreRef { name, phone })
    }

    fn not_after(
        &mut self,
        later: &str,
        date: Option<NaiveDate>,
        earlier: Option<NaiveDate>,
        what: &str,
    ) -> bool {
        match (date, earlier) {
            (Some(d), Some(e)) if d < e => {
                self.problem(later, d.to_string(), format!("早于{what}（{e}）"));
                false
            }
            _ => true,
        }
    }
}

/// The `&'static str` of a header constant (headers are looked up by value).
fn header_static(header: &str) -> &'static str {
    TABLES
        .iter()
        .flat_map(|(_, c)| c.iter())
        .find(|c| c.header == header)
        .map(|c| c.header)
        .unwrap_or("")
}

fn person_name(c: Cell<'_>) -> Result<PersonName, String> {
    PersonName::parse(&text_of(c)).map_err(|e| e.to_string())
}

fn phone(c: Cell<'_>) -> Result<Phone, String> {
    Phone::parse(&text_of(c)).map_err(|e| e.to_string())
}

fn risk_types(c: Cell<'_>) -> Result<Vec<RiskType>, String> {
    let text = text_of(c);
    let mut out = Vec::new();
    for part in text
        .split(['、', ',', '，', ';', '；', '/'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let r = RiskType::parse(part).ok_or_else(|| {
            format!(
                "「{part}」不是有效的风险类型（可填：{}）",
                labels(RiskType::ALL, RiskType::label)
            )
        })?;
        if !out.contains(&r) {
            out.push(r);
        }
    }
    if out.is_empty() {
        return Err("至少填写一项风险类型".to_owned());
    }
    Ok(out)
}

fn area(c: Cell<'_>) -> Result<AreaCode, String> {
    AreaCode::parse(text_of(c).trim()).map_err(|e| e.to_string())
}

fn read_row(table: &'static str, r: &mut Row<'_>) {
    let sheet = r.sheet.to_owned();
    let row = r.row;
    match table {
        MONITORED => {
            let (no, kind, identified, risks, eliminated) = (
                r.household_no(),
                r.code(KIND, MonitoringKind::parse, "监测对象类别"),
                r.date(IDENTIFIED, true),
                r.req(RISKS, risk_types),
                r.date(ELIMINATED, false),
            );
            let ordered = r.not_after(ELIMINATED, eliminated, identified, "识别纳入日期");
            if let (Some(no), Some(kind), Some(identified), Some(risk_types), true) =
                (no, kind, identified, risks, ordered)
            {
                r.file.identifications.push(Located {
                    sheet,
                    row,
                    household_no: no,
                    record: Identification {
                        kind,
                        identified,
                        risk_types,
                        eliminated,
                    },
                });
            }
        }
        MEASURES => {
            let (no, kind, description, started, ended, amount, cadre) = (
                r.household_no(),
                r.code(M_KIND, AssistanceType::parse, "措施类型"),
                r.text(M_TEXT, 200, true),
                r.date(M_START, true),
                r.date(M_END, false),
                r.opt(M_AMOUNT, |c| {
                    let y = parse_amount(c)?;
                    if y.fen() < 0 {
                        Err("金额不能为负".to_owned())
                    } else {
                        Ok(y)
                    }
                }),
                r.cadre_ref(false),
            );
            let ordered = r.not_after(M_END, ended, started, "开始日期");
            if let (Some(no), Some(kind), Some(description), Some(started), true) =
                (no, kind, description, started, ordered)
            {
                r.file.measures.push(Located {
                    sheet,
                    row,
                    household_no: no,
                    record: MeasureRow {
                        kind,
                        description,
                        started,
                        ended,
                        amount,
                        cadre,
                    },
                });
            }
        }
        VISITS => {
            let (no, visited_on, purpose, findings, cadre) = (
                r.household_no(),
                r.date(V_DATE, true),
                r.code(V_PURPOSE, VisitPurpose::parse, "走访类型"),
                r.text(V_FINDINGS, 500, false),
                r.cadre_ref(false),
            );
            if let (Some(no), Some(visited_on), Some(purpose)) = (no, visited_on, purpose) {
                r.file.visits.push(Located {
                    sheet,
                    row,
                    household_no: no,
                    record: VisitRow {
                        visited_on,
                        purpose,
                        findings: findings.unwrap_or_default(),
                        cadre,
                    },
                });
            }
        }
        CADRES => {
            let (name, phone, unit, post, area) = (
                r.req(C_NAME, person_name),
                r.opt(C_PHONE, phone),
                r.text(C_UNIT, 60, true),
                r.code(C_POST, CadrePost::parse, "职务"),
                r.req(C_AREA, area),
            );
            if let (Some(name), Some(unit), Some(post), Some(area)) = (name, unit, post, area) {
                let key = (
                    name.as_str().to_owned(),
                    phone.as_ref().map(|p| p.as_str().to_owned()),
                );
                if let Some(first) = r.file.cadre_rows.get(&key).copied() {
                    r.problem(
                        C_NAME,
                        name.as_str().to_owned(),
                        format!("与第 {first} 行的干部姓名、联系电话相同：同一干部只填一行"),
                    );
                    return;
                }
                let id = CadreId(r.file.cadres.len() as i64 + 1);
                r.file.cadre_rows.insert(key, row);
                r.file.cadres.push(CadreRow {
                    sheet,
                    row,
                    cadre: Cadre {
                        id,
                        name,
                        phone,
                        unit,
                        post,
                        area,
                    },
                });
            }
        }
        PAIRINGS => {
            let (no, cadre, from, to) = (
                r.household_no(),
                r.cadre_ref(true),
                r.date(P_FROM, true),
                r.date(P_TO, false),
            );
            let ordered = r.not_after(P_TO, to, from, "结对开始日期");
            if let (Some(no), Some(cadre), Some(from), true) = (no, cadre, from, ordered) {
                r.file.pairings.push(Located {
                    sheet,
                    row,
                    household_no: no,
                    record: PairingRow { cadre, from, to },
                });
            }
        }
        _ => {}
    }
}

/// A stored household as [`resolve`] needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredHousehold {
    pub id: HouseholdId,
    pub village: AreaCode,
    /// Its status events (any order).
    pub events: Vec<StatusEvent>,
}

/// How a household stands in the registry on `date`, from its registry events only (monitoring events
/// are what the file brings).
fn standing(events: &[StatusEvent], date: NaiveDate) -> RegistryStatus {
    let registry: Vec<StatusEvent> = events
        .iter()
        .filter(|e| {
            !matches!(
                e.kind,
                StatusEventKind::Monitored | StatusEventKind::RiskEliminated
            )
        })
        .cloned()
        .collect();
    HouseholdStatus::on(&registry, date).registry
}

/// Why `kind` does not fit a household standing at `status`, if it does not (the rule of the lead form).
pub fn kind_misfit(kind: MonitoringKind, status: &RegistryStatus) -> Option<String> {
    let standing = match status {
        RegistryStatus::NotRegistered => "一般农户",
        RegistryStatus::Poor { .. } => "建档立卡贫困户（未脱贫）",
        RegistryStatus::Exited { .. } => "脱贫户",
        RegistryStatus::Removed { .. } => "已清退的户",
    };
    let fits = match (kind, status) {
        (MonitoringKind::Unstable, RegistryStatus::Exited { .. })
        | (MonitoringKind::Marginal, RegistryStatus::NotRegistered)
        | (
            MonitoringKind::SuddenHardship,
            RegistryStatus::Exited { .. } | RegistryStatus::NotRegistered,
        ) => return None,
        (MonitoringKind::Unstable, _) => "脱贫户",
        (MonitoringKind::Marginal, _) => "一般农户",
        (MonitoringKind::SuddenHardship, _) => "脱贫户或一般农户",
    };
    Some(format!(
        "{}只适用于{fits}，此户当日是{standing}",
        kind.label()
    ))
}

/// The note of the decisions an import records.
pub const DECISION_NOTE: &str = "导入的历史监测记录";

/// Checks `file` against the registry and turns it into the records to store (see the module docs):
/// `households` holds the stored households the file names (by number; absent when not stored), `area`
/// is the importing account's area, `stored_cadres` the cadres already stored in it (the other tables
/// may name them when the file has no 帮扶干部 table), `today` bounds every date. Any problem, the file's
/// own included, yields all of them and no records.
pub fn resolve(
    file: &MonitoringFile,
    households: &HashMap<HouseholdNo, RegisteredHousehold>,
    area: &AreaCode,
    stored_cadres: &[Cadre],
    today: NaiveDate,
) -> Result<MonitoringHistory, Vec<Problem>> {
    let mut problems = file.problems.clone();
    let mut out = MonitoringHistory::default();
    let mut problem =
        |sheet: &str, row: usize, header: &'static str, value: String, reason: String| {
            problems.push(Problem {
                sheet: sheet.to_owned(),
                row,
                column: file.column(sheet, header),
                value,
                reason,
            });
        };
    let mut household = |l_sheet: &str, row: usize, no: &HouseholdNo| -> Option<HouseholdId> {
        match households.get(no) {
            None => {
                problem(
                    l_sheet,
                    row,
                    NO,
                    no.as_str().to_owned(),
                    "登记数据中没有这一户；请核对户编号，或先导入户籍表".to_owned(),
                );
                None
            }
            Some(h) if !area.contains(&h.village) => {
                problem(
                    l_sheet,
                    row,
                    NO,
                    no.as_str().to_owned(),
                    format!(
                        "此户属于 {}，不在导入账号的管辖区划 {area} 内；整份文件未导入",
                        h.village
                    ),
                );
                None
            }
            Some(h) => Some(h.id),
        }
    };
    // Resolve households first (so each row names its own problem), then check what depends on them.
    let ids: Vec<Option<HouseholdId>> = file
        .identifications
        .iter()
        .map(|l| household(&l.sheet, l.row, &l.household_no))
        .collect();
    let measure_ids: Vec<Option<HouseholdId>> = file
        .measures
        .iter()
        .map(|l| household(&l.sheet, l.row, &l.household_no))
        .collect();
    let visit_ids: Vec<Option<HouseholdId>> = file
        .visits
        .iter()
        .map(|l| household(&l.sheet, l.row, &l.household_no))
        .collect();
    let pairing_ids: Vec<Option<HouseholdId>> = file
        .pairings
        .iter()
        .map(|l| household(&l.sheet, l.row, &l.household_no))
        .collect();

    // Dates not in the future.
    let mut future = |sheet: &str, row: usize, header: &'static str, d: Option<NaiveDate>| {
        if let Some(d) = d.filter(|d| *d > today) {
            problem(
                sheet,
                row,
                header,
                d.to_string(),
                format!("晚于今天（{today}）"),
            );
        }
    };
    for l in &file.identifications {
        future(&l.sheet, l.row, IDENTIFIED, Some(l.record.identified));
        future(&l.sheet, l.row, ELIMINATED, l.record.eliminated);
    }
    for l in &file.measures {
        future(&l.sheet, l.row, M_START, Some(l.record.started));
    }
    for l in &file.visits {
        future(&l.sheet, l.row, V_DATE, Some(l.record.visited_on));
    }
    for l in &file.pairings {
        future(&l.sheet, l.row, P_FROM, Some(l.record.from));
    }

    // Monitoring periods: the kind fits, periods of one household do not overlap.
    let mut by_household: HashMap<HouseholdId, Vec<&Located<Identification>>> = HashMap::new();
    for (l, id) in file.identifications.iter().zip(&ids) {
        if let Some(id) = id {
            by_household.entry(*id).or_default().push(l);
        }
    }
    let events_of: HashMap<HouseholdId, &RegisteredHousehold> =
        households.values().map(|h| (h.id, h)).collect();
    let mut order: Vec<HouseholdId> = by_household.keys().copied().collect();
    order.sort();
    for id in order {
        let mut periods = by_household.remove(&id).unwrap_or_default();
        periods.sort_by_key(|l| (l.record.identified, l.row));
        let stored = events_of
            .get(&id)
            .map(|h| h.events.as_slice())
            .unwrap_or(&[]);
        for (i, l) in periods.iter().enumerate() {
            let rec = &l.record;
            if let Some(why) = kind_misfit(rec.kind, &standing(stored, rec.identified)) {
                problem(
                    &l.sheet,
                    l.row,
                    KIND,
                    rec.kind.label().to_owned(),
                    why.replace("当日", &format!("在 {} ", rec.identified)),
                );
            }
            if let Some(next) = periods.get(i + 1) {
                let open = match rec.eliminated {
                    None => true,
                    Some(e) => e > next.record.identified,
                };
                if open {
                    problem(
                        &next.sheet,
                        next.row,
                        IDENTIFIED,
                        next.record.identified.to_string(),
                        format!(
                            "与第 {} 行的监测期重叠：{} 纳入监测后，到这一日期尚未风险消除",
                            l.row, rec.identified
                        ),
                    );
                }
            }
            let mut event = StatusEvent::new(StatusEventKind::Monitored, rec.identified);
            event.monitoring_kind = Some(rec.kind);
            event.risk_types = rec.risk_types.clone();
            event.note = DECISION_NOTE.to_owned();
            out.decisions.push((id, event));
            if let Some(e) = rec.eliminated {
                let mut event = StatusEvent::new(StatusEventKind::RiskEliminated, e);
                event.note = DECISION_NOTE.to_owned();
                out.decisions.push((id, event));
            }
        }
    }

    // Cadres: the file's, within the area; then those the other tables name.
    out.cadres = file.cadres.iter().map(|c| c.cadre.clone()).collect();
    for c in &file.cadres {
        if !area.contains(&c.cadre.area) {
            problem(
                &c.sheet,
                c.row,
                C_AREA,
                c.cadre.area.to_string(),
                format!("不在导入账号的管辖区划 {area} 内"),
            );
        }
    }
    // Cadres by name: the file's (then the stored ones taken in), and the stored ones of the area.
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in out.cadres.iter().enumerate() {
        by_name
            .entry(c.name.as_str().to_owned())
            .or_default()
            .push(i);
    }
    let mut stored_by_name: HashMap<&str, Vec<&Cadre>> = HashMap::new();
    for c in stored_cadres {
        stored_by_name.entry(c.name.as_str()).or_default().push(c);
    }
    let mut cadre_of =
        |sheet: &str, row: usize, r: &CadreRef, out: &mut MonitoringHistory| -> Option<CadreId> {
            let matches = |c: &Cadre| r.phone.is_none() || c.phone == r.phone;
            let local: Vec<CadreId> = by_name
                .get(r.name.as_str())
                .map(|v| {
                    v.iter()
                        .map(|i| &out.cadres[*i])
                        .filter(|c| matches(c))
                        .map(|c| c.id)
                        .collect()
                })
                .unwrap_or_default();
            let found: Result<CadreId, String> = match local.as_slice() {
                [one] => Ok(*one),
                [_, _, ..] => Err("同名的帮扶干部有多位，请填写帮扶干部联系电话".to_owned()),
                [] => {
                    let stored: Vec<&Cadre> = stored_by_name
                        .get(r.name.as_str())
                        .map(|v| v.iter().copied().filter(|c| matches(c)).collect())
                        .unwrap_or_default();
                    match stored.as_slice() {
                        [one] => {
                            let id = CadreId(out.cadres.len() as i64 + 1);
                            by_name
                                .entry(one.name.as_str().to_owned())
                                .or_default()
                                .push(out.cadres.len());
                            out.cadres.push(Cadre {
                                id,
                                ..(*one).clone()
                            });
                            Ok(id)
                        }
                        [_, _, ..] => {
                            Err("系统中同名的帮扶干部有多位，请填写帮扶干部联系电话".to_owned())
                        }
                        [] => Err("「帮扶干部」表和系统中都没有这位干部".to_owned()),
                    }
                }
            };
            match found {
                Ok(id) => Some(id),
                Err(reason) => {
                    let shown = match &r.phone {
                        Some(p) => format!("{} {}", r.name.as_str(), p.as_str()),
                        None => r.name.as_str().to_owned(),
                    };
                    problem(sheet, row, C_NAME_REF, shown, reason);
                    None
                }
            }
        };
    for (l, id) in file.measures.iter().zip(measure_ids) {
        let cadre = match &l.record.cadre {
            Some(r) => match cadre_of(&l.sheet, l.row, r, &mut out) {
                Some(c) => Some(c),
                None => continue,
            },
            None => None,
        };
        if let Some(household) = id {
            let m = &l.record;
            out.measures.push(Measure {
                household,
                kind: m.kind,
                description: m.description.clone(),
                started: m.started,
                ended: m.ended,
                amount: m.amount,
                case: None,
                cadre,
            });
        }
    }
    for (l, id) in file.visits.iter().zip(visit_ids) {
        let cadre = match &l.record.cadre {
            Some(r) => match cadre_of(&l.sheet, l.row, r, &mut out) {
                Some(c) => Some(c),
                None => continue,
            },
            None => None,
        };
        if let Some(household) = id {
            let v = &l.record;
            out.visits.push(Visit {
                household,
                cadre,
                visited_on: v.visited_on,
                purpose: v.purpose,
                findings: v.findings.clone(),
            });
        }
    }
    for (l, id) in file.pairings.iter().zip(pairing_ids) {
        let Some(cadre) = cadre_of(&l.sheet, l.row, &l.record.cadre, &mut out) else {
            continue;
        };
        if let Some(household) = id {
            out.assignments.push(Assignment {
                cadre,
                household,
                from: l.record.from,
                to: l.record.to,
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
        Err(problems)
    }
}

// ---- Writing ----

enum V {
    S(String),
    /// Text a spreadsheet must keep as text (codes, numbers, phones).
    T(String),
    N(f64),
    E,
}

/// Records to write, with the household numbers they name.
pub struct MonitoringExport<'a> {
    /// Cadre ids as the references use them (stored or local).
    pub records: &'a MonitoringHistory,
    pub household_no: &'a dyn Fn(HouseholdId) -> Option<HouseholdNo>,
}

/// Writes the workbook in the layout of the module docs, with the guide sheet: unmasked (phones of
/// cadres included), for moving records between systems, not for reading.
pub fn write_monitoring_xlsx(x: &MonitoringExport<'_>) -> Result<Vec<u8>, XlsxError> {
    let r = x.records;
    let no = |h: HouseholdId| {
        (x.household_no)(h).map_or_else(|| format!("ID {h}"), |n| n.as_str().to_owned())
    };
    let cadres: HashMap<CadreId, &Cadre> = r.cadres.iter().map(|c| (c.id, c)).collect();
    let cadre_cells = |id: Option<CadreId>| -> [V; 2] {
        match id.and_then(|id| cadres.get(&id)) {
            Some(c) => [
                V::S(c.name.as_str().to_owned()),
                c.phone
                    .as_ref()
                    .map_or(V::E, |p| V::T(p.as_str().to_owned())),
            ],
            None => [V::E, V::E],
        }
    };
    let date = |d: NaiveDate| V::T(d.to_string());
    let opt_date = |d: Option<NaiveDate>| d.map_or(V::E, date);

    // Monitoring periods: each 纳入监测 with the first 风险消除 after it.
    let mut decisions: Vec<&(HouseholdId, StatusEvent)> = r.decisions.iter().collect();
    decisions.sort_by_key(|(h, e)| (*h, e.effective, e.kind.index()));
    let mut periods: Vec<Vec<V>> = Vec::new();
    let mut i = 0;
    while i < decisions.len() {
        let (h, e) = decisions[i];
        i += 1;
        if e.kind != StatusEventKind::Monitored {
            continue;
        }
        let eliminated = decisions[i..]
            .iter()
            .take_while(|(h2, e2)| h2 == h && e2.kind != StatusEventKind::Monitored)
            .find(|(_, e2)| e2.kind == StatusEventKind::RiskEliminated)
            .map(|(_, e2)| e2.effective);
        periods.push(vec![
            V::T(no(*h)),
            V::E,
            e.monitoring_kind
                .map_or(V::E, |k| V::S(k.label().to_owned())),
            date(e.effective),
            V::S(labels(&e.risk_types, RiskType::label)),
            opt_date(eliminated),
        ]);
    }
    let sheets: Vec<(&str, Vec<Vec<V>>)> = vec![
        (MONITORED, periods),
        (
            MEASURES,
            r.measures
                .iter()
                .map(|m| {
                    let [name, phone] = cadre_cells(m.cadre);
                    vec![
                        V::T(no(m.household)),
                        V::S(m.kind.label().to_owned()),
                        V::S(m.description.clone()),
                        date(m.started),
                        opt_date(m.ended),
                        m.amount.map_or(V::E, |a| V::N(a.fen() as f64 / 100.0)),
                        name,
                        phone,
                    ]
                })
                .collect(),
        ),
        (
            VISITS,
            r.visits
                .iter()
                .map(|v| {
                    let [name, phone] = cadre_cells(v.cadre);
                    vec![
                        V::T(no(v.household)),
                        date(v.visited_on),
                        V::S(v.purpose.label().to_owned()),
                        V::S(v.findings.clone()),
                        name,
                        phone,
                    ]
                })
                .collect(),
        ),
        (
            CADRES,
            r.cadres
                .iter()
                .map(|c| {
                    vec![
                        V::S(c.name.as_str().to_owned()),
                        c.phone
                            .as_ref()
                            .map_or(V::E, |p| V::T(p.as_str().to_owned())),
                        V::S(c.unit.clone()),
                        V::S(c.post.label().to_owned()),
                        V::T(c.area.as_str().to_owned()),
                    ]
                })
                .collect(),
        ),
        (
            PAIRINGS,
            r.assignments
                .iter()
                .map(|a| {
                    let [name, phone] = cadre_cells(Some(a.cadre));
                    vec![
                        V::T(no(a.household)),
                        name,
                        phone,
                        date(a.from),
                        opt_date(a.to),
                    ]
                })
                .collect(),
        ),
    ];
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let money = Format::new().set_num_format("0.00");
    let mut book = Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (c, column) in columns_of(name).iter().enumerate() {
            let c = c as u16;
            sheet.write_string_with_format(0, c, column.header, &bold)?;
            sheet.set_column_width(c, 18.0)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (i, row) in rows.iter().enumerate() {
            let i = i as u32 + 1;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                match v {
                    V::S(s) => {
                        sheet.write_string(i, c, crate::export::neutralize(s))?;
                    }
                    V::T(s) => {
                        sheet.write_string_with_format(
                            i,
                            c,
                            crate::export::neutralize(s),
                            &text,
                        )?;
                    }
                    V::N(n) => {
                        sheet.write_number_with_format(i, c, *n, &money)?;
                    }
                    V::E => {}
                }
            }
        }
    }
    write_guide(&mut book)?;
    book.save_to_buffer()
}

/// The guide sheet's headers.
pub const GUIDE_HEADERS: [&str; 5] = ["工作表", "列名", "也可写作", "是否必填", "填写要求"];

/// The guide's rows: every column of every table.
pub fn guide_rows() -> Vec<[String; 5]> {
    TABLES
        .iter()
        .flat_map(|(sheet, columns)| {
            columns.iter().map(move |c| {
                [
                    (*sheet).to_owned(),
                    c.header.to_owned(),
                    c.aliases.join("、"),
                    if c.required { "必填" } else { "选填" }.to_owned(),
                    guidance(c),
                ]
            })
        })
        .collect()
}

/// The notes below the guide's rows.
pub const GUIDE_NOTES: &[&str] = &[
    "本模板用于把已有的监测帮扶记录（全国防返贫监测信息系统导出的名单）一次导入本系统，免去重新录入。",
    "列名说明：全国防返贫监测信息系统导出表的确切列名没有公开资料，本模板的列名采用其通用中文表述（为假定的列名）；导出表的列名不同时，可改为「也可写作」中的写法，或改成本模板的列名。",
    "「监测对象」一行是一户的一个监测期：纳入监测的日期、类别和风险类型，已标注风险消除的再填风险消除日期；同一户多次纳入监测的填多行，监测期不能重叠。",
    "户编号须是系统中已有的户（先导入户籍表），且在导入账号的管辖区划内；任何一行不符合，整份文件都不导入。",
    "帮扶措施、走访记录和结对帮扶中的干部按姓名和联系电话对应「帮扶干部」表中的一行；姓名唯一时可不填电话。",
    "导入时整份文件逐格校验：任何一格有误，整份文件都不导入，并列出工作表、行号、列名和值。重复导入同一份文件不会重复记录。",
    "本工作表「填写说明」导入时不读取，可以保留。",
];

fn write_guide(book: &mut Workbook) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let guide = book.add_worksheet();
    guide.set_name(GUIDE_SHEET)?;
    for (i, h) in GUIDE_HEADERS.iter().enumerate() {
        guide.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (i, w) in [12.0, 18.0, 34.0, 10.0, 70.0].iter().enumerate() {
        guide.set_column_width(i as u16, *w)?;
    }
    let rows = guide_rows();
    for (i, cells) in rows.iter().enumerate() {
        for (j, v) in cells.iter().enumerate() {
            if j == 4 {
                guide.write_string_with_format(i as u32 + 1, j as u16, v, &wrap)?;
            } else {
                guide.write_string(i as u32 + 1, j as u16, v)?;
            }
        }
    }
    let start = rows.len() as u32 + 2;
    for (i, n) in GUIDE_NOTES.iter().enumerate() {
        guide.write_string(start + i as u32, 0, *n)?;
    }
    Ok(())
}

/// The empty template: every table's sheet with its headers, then the guide sheet.
pub fn monitoring_template_xlsx() -> Result<Vec<u8>, XlsxError> {
    write_monitoring_xlsx(&MonitoringExport {
        records: &MonitoringHistory::default(),
        household_no: &|_| None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_guidance_in_full_width_punctuation() {
        for (sheet, columns) in TABLES {
            for c in *columns {
                let g = guidance(c);
                assert!(!g.is_empty(), "{sheet} {}", c.header);
                assert!(
                    jingzhun_core::text::half_width_in_chinese(&g).is_empty(),
                    "{sheet} {}: 「{g}」",
                    c.header
                );
            }
        }
        for n in GUIDE_NOTES {
            assert!(
                jingzhun_core::text::half_width_in_chinese(n).is_empty(),
                "{n}"
            );
        }
    }

    #[test]
    fn a_kind_fits_the_household_standing() {
        let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
        assert_eq!(
            kind_misfit(MonitoringKind::Unstable, &RegistryStatus::Exited { on: d }),
            None
        );
        assert_eq!(
            kind_misfit(MonitoringKind::Marginal, &RegistryStatus::NotRegistered),
            None
        );
        assert!(
            kind_misfit(MonitoringKind::Marginal, &RegistryStatus::Exited { on: d })
                .is_some_and(|m| m.contains("边缘易致贫户只适用于一般农户"))
        );
        assert!(kind_misfit(
            MonitoringKind::SuddenHardship,
            &RegistryStatus::Poor { since: d }
        )
        .is_some());
    }
}
