//! The store's one error type. User-facing variants carry Chinese messages; driver errors are wrapped as they
//! come so that operators see the database's own words.

use jingzhun_core::monitoring::{CaseId, StepOrderError};
use jingzhun_core::projects::{ProjectId, ProjectStepError};
use jingzhun_core::{AreaTreeError, HouseholdId, Version};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (a web layer maps this to 404).
    #[error("{entity}「{key}」不存在")]
    NotFound { entity: &'static str, key: String },

    /// An update was based on a stale version: someone else changed the record first.
    #[error(
        "户(ID {id})已被他人修改: 当前版本为 {current}, 本次修改基于版本 {expected}, 请刷新后重试"
    )]
    Conflict {
        id: HouseholdId,
        current: Version,
        expected: Version,
    },

    /// A case step was based on a stale step count: someone else recorded a step of the case first.
    #[error("监测案件 {case} 已被他人办理: 当前已登记 {current} 个环节, 本次操作基于 {expected} 个, 请刷新后重试")]
    CaseConflict {
        case: CaseId,
        current: usize,
        expected: usize,
    },

    /// The household already has an open monitoring case (at most one at a time). `open` names it when
    /// known (a concurrent opener on PostgreSQL only learns it from the unique index).
    #[error("户（ID {household}）已有未办结的监测事项{}，请先办结该事项", open.map(|c| format!(" {c}")).unwrap_or_default())]
    CaseAlreadyOpen {
        household: HouseholdId,
        open: Option<CaseId>,
    },

    /// A step that is not the one due, or on a closed case.
    #[error("监测案件 {case}: {source}")]
    StepOrder {
        case: CaseId,
        #[source]
        source: StepOrderError,
    },

    /// A project step was based on a stale step count: someone else recorded a step first.
    /// The township review of a case whose village notice is still up, or that has an unresolved objection.
    #[error("{}", notice_running(case, until, *open_objections))]
    NoticeRunning {
        case: jingzhun_core::monitoring::CaseId,
        /// The notice's last day.
        until: chrono::NaiveDate,
        /// Unresolved objections naming the case (0 when the notice is simply still up).
        open_objections: u64,
    },
    #[error("项目 {project} 已被他人办理: 当前已登记 {current} 个环节, 本次操作基于 {expected} 个, 请刷新后重试")]
    ProjectConflict {
        project: ProjectId,
        current: usize,
        expected: usize,
    },

    /// A project step that is not the one due, or that breaks the announcement period.
    #[error("项目 {project}: {source}")]
    ProjectStep {
        project: ProjectId,
        #[source]
        source: ProjectStepError,
    },

    /// A unique key is already taken (e.g. a household number).
    #[error("{entity}「{key}」已存在")]
    Duplicate { entity: &'static str, key: String },

    #[error("数据库迁移失败: {0}")]
    Migration(String),

    #[error("SQLite 数据库错误: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("PostgreSQL 数据库错误: {0}")]
    Postgres(#[from] postgres::Error),

    /// No database connection became free in time (every pooled connection is in use).
    #[error("数据库繁忙: {0}")]
    Busy(String),

    /// A stored value that does not parse back into a domain type, or an argument the store cannot accept.
    #[error("数据无效: {0}")]
    Invalid(String),

    /// A division change the area tree refuses (unknown area, merge across levels, merge cycle).
    #[error(transparent)]
    Area(#[from] AreaTreeError),
}

/// Columns whose values must never reach an error message, a log or the audit log in full.
const SENSITIVE_COLUMNS: [&str; 3] = ["resident_id", "phone", "name"];

/// The error for a stored value that does not parse: says table, column and value (masked where sensitive).
pub(crate) fn invalid(table: &str, column: &str, value: impl std::fmt::Display) -> StoreError {
    let value = value.to_string();
    let shown = if SENSITIVE_COLUMNS.contains(&column) {
        let keep: String = value.chars().take(2).collect();
        format!("{keep}***")
    } else {
        value
    };
    StoreError::Invalid(format!("表 {table} 列 {column} 的值「{shown}」无法解析"))
}

fn notice_running(
    case: &jingzhun_core::monitoring::CaseId,
    until: &chrono::NaiveDate,
    open_objections: u64,
) -> String {
    if open_objections > 0 {
        format!(
            "监测事项 {case} 在公示期间有 {open_objections} 条异议尚未处理，处理完毕后乡镇才能审核"
        )
    } else {
        format!("监测事项 {case} 的村内公示到 {until} 才结束，公示期满后乡镇才能审核")
    }
}
