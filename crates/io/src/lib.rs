//! Reading and writing the files counties live in: administrative division tables, household spreadsheets
//! in the national system's export layout (XLSX, CSV in UTF-8 or GBK) and their exports, the validation
//! report, and the Parquet export of evaluated household-years for analysis outside the product
//! ([`parquet`]; no personal data).
//!
//! This crate turns bytes into domain values and back, and reports every bad cell with where it was
//! (file, sheet, row, column, value) and why, in Chinese. It never touches the database.

pub mod columns;
pub mod divisions;
pub mod economy;
pub mod export;
pub mod households;
pub mod monitoring;
pub mod official;
pub mod parquet;
pub mod table;
pub mod template;
pub mod text_file;

pub use divisions::{read_division_path, sichuan, DivisionError};
pub use export::{
    export_csv, export_csv_path, export_xlsx, neutralize, write_report_xlsx, ColumnKind,
    CsvHouseholdWriter, ExportError, ExportOptions, ExportRecord, TableCell, TableColumn,
    XlsxHouseholdWriter, XlsxTableWriter,
};
pub use households::{
    read_households, read_households_csv, read_households_with_progress, validate, ImportBatch,
    ParsedHousehold, Problem, Progress, ReadOptions, UnknownColumn,
};
pub use table::{Cell, OwnedCell, TableError};
