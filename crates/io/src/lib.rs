//! Reading and writing the files counties live in: administrative division tables today; household
//! spreadsheets (XLSX, CSV in UTF-8 or GBK) and exports as they land.
//!
//! This crate turns bytes into domain values and back, and reports every bad cell with where it was
//! (file, row, column, value) and why, in Chinese. It never touches the database.

pub mod divisions;
pub mod text_file;

pub use divisions::{read_division_path, sichuan, DivisionError};
