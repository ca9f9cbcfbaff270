//! The one export service: a list's columns (with the personal data each carries), its rows streamed
//! into `jingzhun_io::XlsxTableWriter` (constant memory: rows go to a temporary file as they come, the zip
//! is assembled from it), masking as the role requires, and the audit entry.
//!
//! Masking is decided here, not by each list: a column declares what it carries ([`Personal`]) and a
//! value carries its type ([`Value::ResidentId`], [`Value::Phone`]). For a role without
//! `Action::ViewPersonalData` resident IDs and phones are masked and the health columns (health,
//! disability, a visit's findings, a household's risk types such as 因病/因残) are left out whole; a plain
//! text offered for an identity column is written empty rather than in full.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use jingzhun_core::{AreaCode, Phone, ResidentId, Yuan};
use jingzhun_io::{ColumnKind, TableCell, TableColumn, XlsxTableWriter};
use serde::Serialize;

use crate::access::{allows, Action};
use crate::data::{AuditNote, Backend};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// The lists that export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Household search results (农户查询结果).
    Search,
    /// Monitoring cases (监测事项) of the inbox.
    Cases,
    /// Households under monitoring (监测对象).
    Monitored,
    /// Assistance measures (帮扶措施).
    Measures,
    /// Home visits (走访记录).
    Visits,
    /// Assisting cadres (帮扶干部).
    Cadres,
    /// What-if flips (政策推演变化户).
    WhatIf,
    /// Warning lists (预警清单).
    Warnings,
}

impl ListKind {
    pub const ALL: &'static [ListKind] = &[
        ListKind::Search,
        ListKind::Cases,
        ListKind::Monitored,
        ListKind::Measures,
        ListKind::Visits,
        ListKind::Cadres,
        ListKind::WhatIf,
        ListKind::Warnings,
    ];

    /// Stable code (audit action `export.<code>`, the route `/exports/<code>`).
    pub fn code(self) -> &'static str {
        match self {
            ListKind::Search => "search",
            ListKind::Cases => "cases",
            ListKind::Monitored => "monitored",
            ListKind::Measures => "measures",
            ListKind::Visits => "visits",
            ListKind::Cadres => "cadres",
            ListKind::WhatIf => "whatif",
            ListKind::Warnings => "warnings",
        }
    }

    /// The list's name (sheet name and file name).
    pub fn label(self) -> &'static str {
        match self {
            ListKind::Search => "农户查询结果",
            ListKind::Cases => "监测事项清单",
            ListKind::Monitored => "监测对象清单",
            ListKind::Measures => "帮扶措施清单",
            ListKind::Visits => "走访记录清单",
            ListKind::Cadres => "帮扶干部清单",
            ListKind::WhatIf => "政策推演变化户清单",
            ListKind::Warnings => "预警清单",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }
}

/// What personal data a column carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    No,
    /// Resident IDs: masked for roles without `ViewPersonalData`.
    ResidentId,
    /// Phone numbers: masked likewise.
    Phone,
    /// Health, disability, or what reveals them: left out for roles without `ViewPersonalData`.
    Health,
}

/// One column of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col {
    pub header: &'static str,
    pub kind: ColumnKind,
    pub personal: Personal,
}

/// A column without personal data.
pub const fn col(header: &'static str, kind: ColumnKind) -> Col {
    Col {
        header,
        kind,
        personal: Personal::No,
    }
}

/// A column with personal data.
pub const fn personal(header: &'static str, kind: ColumnKind, personal: Personal) -> Col {
    Col {
        header,
        kind,
        personal,
    }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
    Amount(Yuan),
    Date(NaiveDate),
    ResidentId(&'a ResidentId),
    Phone(&'a Phone),
    /// Identity data already masked where it comes from (the search index keeps only masked forms).
    Masked(String),
}

impl<'a> Value<'a> {
    pub fn text(s: impl Into<Cow<'a, str>>) -> Self {
        Value::Text(s.into())
    }

    pub fn opt_date(d: Option<NaiveDate>) -> Self {
        d.map(Value::Date).unwrap_or(Value::Empty)
    }
}

/// The sheet a list's rows are written to: masks and leaves out columns as the role requires.
pub struct Sheet {
    writer: XlsxTableWriter,
    cols: Vec<Col>,
    /// Indices of the columns written.
    keep: Vec<usize>,
    mask: bool,
}

impl Sheet {
    fn new(path: &Path, sheet: &str, cols: &[Col], mask: bool) -> Result<Self, AppError> {
        let keep: Vec<usize> = (0..cols.len())
            .filter(|i| !(mask && cols[*i].personal == Personal::Health))
            .collect();
        let columns: Vec<TableColumn<'_>> = keep
            .iter()
            .map(|i| TableColumn {
                header: cols[*i].header,
                kind: cols[*i].kind,
            })
            .collect();
        let writer = XlsxTableWriter::new(path, sheet, &columns).map_err(internal)?;
        Ok(Self {
            writer,
            cols: cols.to_vec(),
            keep,
            mask,
        })
    }

    /// Whether identity data is masked and health columns left out.
    pub fn masked(&self) -> bool {
        self.mask
    }

    /// Writes one row: one value per column of the list, in order.
    pub fn row(&mut self, values: &[Value<'_>]) -> Result<(), AppError> {
        debug_assert_eq!(values.len(), self.cols.len(), "one value per column");
        let mut cells = Vec::with_capacity(self.keep.len());
        for i in &self.keep {
            let personal = self.cols[*i].personal;
            let v = values.get(*i).unwrap_or(&Value::Empty);
            cells.push(cell(v, personal, self.mask));
        }
        self.writer.write_row(&cells).map_err(internal)
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.writer.rows()
    }

    fn finish(self) -> Result<usize, AppError> {
        self.writer.finish().map_err(internal)
    }
}

fn cell<'v>(v: &'v Value<'_>, personal: Personal, mask: bool) -> TableCell<'v> {
    let identity = matches!(personal, Personal::ResidentId | Personal::Phone);
    match v {
        Value::Empty => TableCell::Empty,
        // A plain text in an identity column may be the full number: never written masked-as-required.
        Value::Text(_) if mask && identity => TableCell::Empty,
        Value::Text(s) => TableCell::Text(Cow::Borrowed(s.as_ref())),
        Value::Number(n) => TableCell::Number(*n),
        Value::Amount(y) => TableCell::Amount(*y),
        Value::Date(d) => TableCell::Date(*d),
        Value::ResidentId(id) if mask => TableCell::Text(Cow::Owned(id.masked())),
        Value::ResidentId(id) => TableCell::Text(Cow::Borrowed(id.as_str())),
        Value::Phone(p) if mask => TableCell::Text(Cow::Owned(p.masked())),
        Value::Phone(p) => TableCell::Text(Cow::Borrowed(p.as_str())),
        Value::Masked(s) => TableCell::Text(Cow::Borrowed(s.as_str())),
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "writing a list export failed");
    AppError::Internal
}

/// What is exported: the list, the area it covers, and its filters (for the audit entry; never a
/// resident ID typed into a search).
#[derive(Debug, Clone)]
pub struct Export {
    pub list: ListKind,
    pub area: AreaCode,
    pub area_name: String,
    pub filters: serde_json::Value,
}

/// A built export: the file (already unlinked: it disappears when closed), its length and name.
#[derive(Debug)]
pub struct Download {
    pub file: File,
    pub len: u64,
    pub filename: String,
    pub rows: usize,
    pub masked: bool,
}

/// Removes the temporary file however the export ends.
struct TempPath(PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether the caller's exports show identity and health data in full.
pub fn full_identity(user: &CurrentUser) -> bool {
    allows(user.account.role, Action::ViewPersonalData)
}

/// Builds the export of a list: `fill` writes its rows into the sheet (masked as the caller's role
/// requires), then the file is finished and the export audited (who, which list and area, the filters,
/// how many rows, masked or not). An export that cannot be audited is not handed out.
pub fn build(
    backend: &dyn Backend,
    user: &CurrentUser,
    export: &Export,
    cols: &[Col],
    fill: impl FnOnce(&mut Sheet) -> Result<(), AppError>,
) -> Result<Download, AppError> {
    let mask = !full_identity(user);
    let temp = TempPath(std::env::temp_dir().join(format!(
        "jingzhun-list-{}.xlsx",
        crate::http::auth::random_hex(16)
    )));
    let mut sheet = Sheet::new(&temp.0, export.list.label(), cols, mask)?;
    fill(&mut sheet)?;
    let rows = sheet.finish()?;
    let file = File::open(&temp.0).map_err(internal)?;
    let len = file.metadata().map_err(internal)?.len();
    drop(temp);
    let action = format!("export.{}", export.list.code());
    let reason = if mask {
        format!(
            "导出{}(证件号码、电话已遮蔽，健康状况未导出)",
            export.list.label()
        )
    } else {
        format!("导出{}(含完整证件号码、电话)", export.list.label())
    };
    backend.append_audit(&AuditNote {
        actor: &user.account.username,
        action: &action,
        entity: "export",
        entity_id: export.area.as_str(),
        reason: &reason,
        detail: serde_json::json!({
            "list": export.list.code(),
            "filters": export.filters,
            "rows": rows,
            "masked": mask,
        }),
    })?;
    Ok(Download {
        file,
        len,
        filename: format!(
            "{}_{}{}.xlsx",
            export.area_name,
            export.list.label(),
            if mask { "_遮蔽" } else { "" }
        ),
        rows,
        masked: mask,
    })
}

/// Area names by code, read once per export.
pub struct AreaNames<'a> {
    backend: &'a dyn Backend,
    names: HashMap<AreaCode, String>,
}

impl<'a> AreaNames<'a> {
    pub fn new(backend: &'a dyn Backend) -> Self {
        Self {
            backend,
            names: HashMap::new(),
        }
    }

    /// The names of `area` and every area below it, read before rows stream (a list read while the store
    /// streams another must not wait for the store).
    pub fn preload(backend: &'a dyn Backend, area: &AreaCode) -> Result<Self, AppError> {
        let mut names = Self::new(backend);
        let mut todo = vec![*area];
        names.names.insert(*area, backend.area(area)?.name);
        while let Some(code) = todo.pop() {
            if code.level() == jingzhun_core::AreaLevel::Village {
                continue;
            }
            for c in backend.children(&code)? {
                todo.push(c.code);
                names.names.insert(c.code, c.name);
            }
        }
        Ok(names)
    }

    pub fn name(&mut self, code: &AreaCode) -> &str {
        let backend = self.backend;
        self.names.entry(*code).or_insert_with(|| {
            backend
                .area(code)
                .map(|a| a.name)
                .unwrap_or_else(|_| code.as_str().to_owned())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_masked_and_plain_text_never_leaks_into_identity_columns() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        let phone = Phone::parse("13812345678").unwrap();
        let v = Value::ResidentId(&id);
        assert_eq!(
            cell(&v, Personal::ResidentId, true),
            TableCell::Text(Cow::Owned(id.masked()))
        );
        assert_eq!(
            cell(&v, Personal::ResidentId, false),
            TableCell::text("11010519491231002X")
        );
        let p = Value::Phone(&phone);
        assert_eq!(
            cell(&p, Personal::Phone, true),
            TableCell::Text(Cow::Owned(phone.masked()))
        );
        let plain = Value::text("11010519491231002X");
        assert_eq!(cell(&plain, Personal::ResidentId, true), TableCell::Empty);
        assert_eq!(
            cell(&plain, Personal::No, true),
            TableCell::text("11010519491231002X")
        );
    }

    #[test]
    fn list_codes_round_trip() {
        for k in ListKind::ALL {
            assert_eq!(ListKind::from_code(k.code()), Some(*k));
        }
    }
}
