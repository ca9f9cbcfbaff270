//! The thin layer that lets one SQL text run on both backends.
//!
//! Statements are written once with `?` placeholders and turned into `$1, $2, …` for PostgreSQL
//! ([`pg_sql`]). Parameters are [`Val`]s, which each driver binds in its own representation (dates as ISO
//! text on SQLite and `DATE` on PostgreSQL, and so on), and rows are read through [`Get`], so that the code
//! that maps rows to domain types exists once. Where the SQL itself differs (DDL, COPY, locking), callers
//! match on [`Tx`] explicitly instead of hiding the difference here.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use postgres::types::{IsNull, ToSql, Type};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use crate::error::{invalid, Result};

/// A statement parameter.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Null,
    I64(i64),
    F64(f64),
    Str(&'a str),
    Owned(String),
    Bool(bool),
    Date(NaiveDate),
    Ts(DateTime<Utc>),
}

impl<'a> Val<'a> {
    pub fn opt_i64(v: Option<impl Into<i64>>) -> Val<'a> {
        v.map_or(Val::Null, |v| Val::I64(v.into()))
    }

    pub fn opt_str(v: Option<&'a str>) -> Val<'a> {
        v.map_or(Val::Null, Val::Str)
    }

    pub fn opt_f64(v: Option<f64>) -> Val<'a> {
        v.map_or(Val::Null, Val::F64)
    }

    pub fn opt_bool(v: Option<bool>) -> Val<'a> {
        v.map_or(Val::Null, Val::Bool)
    }

    /// A date, clamped to years 1–9999 so that ISO text (SQLite) and `DATE` (PostgreSQL) order the same way.
    pub fn date(d: NaiveDate) -> Val<'a> {
        Val::Date(clamp_date(d))
    }
}

pub(crate) fn clamp_date(d: NaiveDate) -> NaiveDate {
    // `NaiveDate::MIN`/`MAX` are legitimate "no bound" arguments; beyond four-digit years ISO text would stop
    // sorting chronologically.
    let lo = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let hi = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    d.clamp(lo, hi)
}

/// The ISO date text stored by SQLite.
pub(crate) fn date_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// The canonical timestamp text: UTC, microseconds, fixed width, so text order is time order. Used for SQLite
/// storage and for the audit hash on both backends.
pub(crate) fn ts_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Truncates to microseconds, the precision both backends keep, so that what is hashed is what is stored.
pub(crate) fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

impl rusqlite::ToSql for Val<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Owned(Value::Null),
            Val::I64(v) => ToSqlOutput::Owned(Value::Integer(*v)),
            Val::F64(v) => ToSqlOutput::Owned(Value::Real(*v)),
            Val::Str(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Owned(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(*b))),
            Val::Date(d) => ToSqlOutput::Owned(Value::Text(date_text(*d))),
            Val::Ts(t) => ToSqlOutput::Owned(Value::Text(ts_text(*t))),
        })
    }
}

impl ToSql for Val<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::I64(v) => v.to_sql(ty, out),
            Val::F64(v) => v.to_sql(ty, out),
            Val::Str(s) => s.to_sql(ty, out),
            Val::Owned(s) => s.to_sql(ty, out),
            Val::Bool(b) => b.to_sql(ty, out),
            Val::Date(d) => d.to_sql(ty, out),
            Val::Ts(t) => t.to_sql(ty, out),
        }
    }

    // Every column this crate binds is declared by its own migrations (BIGINT, TEXT, DATE, TIMESTAMPTZ,
    // BOOLEAN, DOUBLE PRECISION); a mismatch is a bug the test suite catches on PostgreSQL.
    fn accepts(_ty: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// Rewrites `?` placeholders as `$1, $2, …` (outside quoted strings) for PostgreSQL.
pub(crate) fn pg_sql(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Typed access to a result row, whichever driver produced it.
pub(crate) trait Get {
    fn i64(&self, i: usize) -> Result<i64>;
    fn opt_i64(&self, i: usize) -> Result<Option<i64>>;
    fn opt_f64(&self, i: usize) -> Result<Option<f64>>;
    fn str(&self, i: usize) -> Result<&str>;
    fn opt_str(&self, i: usize) -> Result<Option<&str>>;
    fn bool(&self, i: usize) -> Result<bool>;
    fn opt_bool(&self, i: usize) -> Result<Option<bool>>;
    fn date(&self, i: usize) -> Result<NaiveDate>;
    fn opt_date(&self, i: usize) -> Result<Option<NaiveDate>>;
    fn ts(&self, i: usize) -> Result<DateTime<Utc>>;
    /// The column's name, for error messages.
    fn name(&self, i: usize) -> String;
}

fn sqlite_text<'r>(v: ValueRef<'r>, i: usize) -> Result<Option<&'r str>> {
    match v {
        ValueRef::Null => Ok(None),
        other => Ok(Some(other.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, other.data_type(), Box::new(e))
        })?)),
    }
}

fn parse_date(s: &str, column: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| invalid("(查询结果)", column, s))
}

impl Get for rusqlite::Row<'_> {
    fn i64(&self, i: usize) -> Result<i64> {
        Ok(self.get(i)?)
    }
    fn opt_i64(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.get(i)?)
    }
    fn opt_f64(&self, i: usize) -> Result<Option<f64>> {
        Ok(self.get(i)?)
    }
    fn str(&self, i: usize) -> Result<&str> {
        sqlite_text(self.get_ref(i)?, i)?.ok_or_else(|| invalid("(结果)", &format!("#{i}"), "NULL"))
    }
    fn opt_str(&self, i: usize) -> Result<Option<&str>> {
        sqlite_text(self.get_ref(i)?, i)
    }
    fn bool(&self, i: usize) -> Result<bool> {
        Ok(self.get::<_, i64>(i)? != 0)
    }
    fn opt_bool(&self, i: usize) -> Result<Option<bool>> {
        Ok(self.get::<_, Option<i64>>(i)?.map(|v| v != 0))
    }
    fn date(&self, i: usize) -> Result<NaiveDate> {
        parse_date(self.str(i)?, &self.name(i))
    }
    fn opt_date(&self, i: usize) -> Result<Option<NaiveDate>> {
        self.opt_str(i)?
            .map(|s| parse_date(s, &self.name(i)))
            .transpose()
    }
    fn ts(&self, i: usize) -> Result<DateTime<Utc>> {
        let s = self.str(i)?;
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| invalid("(查询结果)", &self.name(i), s))
    }
    fn name(&self, i: usize) -> String {
        self.as_ref()
            .column_name(i)
            .map_or_else(|_| format!("#{i}"), str::to_owned)
    }
}

impl Get for postgres::Row {
    fn i64(&self, i: usize) -> Result<i64> {
        Ok(self.try_get(i)?)
    }
    fn opt_i64(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.try_get(i)?)
    }
    fn opt_f64(&self, i: usize) -> Result<Option<f64>> {
        Ok(self.try_get(i)?)
    }
    fn str(&self, i: usize) -> Result<&str> {
        Ok(self.try_get(i)?)
    }
    fn opt_str(&self, i: usize) -> Result<Option<&str>> {
        Ok(self.try_get(i)?)
    }
    fn bool(&self, i: usize) -> Result<bool> {
        Ok(self.try_get(i)?)
    }
    fn opt_bool(&self, i: usize) -> Result<Option<bool>> {
        Ok(self.try_get(i)?)
    }
    fn date(&self, i: usize) -> Result<NaiveDate> {
        Ok(self.try_get(i)?)
    }
    fn opt_date(&self, i: usize) -> Result<Option<NaiveDate>> {
        Ok(self.try_get(i)?)
    }
    fn ts(&self, i: usize) -> Result<DateTime<Utc>> {
        Ok(self.try_get(i)?)
    }
    fn name(&self, i: usize) -> String {
        self.columns()
            .get(i)
            .map_or_else(|| format!("#{i}"), |c| c.name().to_owned())
    }
}

/// One open connection.
// A handful per process, each held in place by its pool or mutex: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    Pg(PgClient),
}

/// Statements prepared on one PostgreSQL connection, by SQL text, at most this many (SQL built with a
/// variable number of placeholders would otherwise grow it without bound; when full it starts over).
const PG_STATEMENTS_MAX: usize = 512;

/// A PostgreSQL connection with its prepared statements. Preparing a text costs a round trip and the
/// server's parse and plan; a cached statement runs in one round trip (Bind/Execute), which is most of a
/// page's cost on PostgreSQL (a household page runs dozens of small statements). SQLite has the same with
/// `prepare_cached`.
pub(crate) struct PgClient {
    client: postgres::Client,
    statements: std::collections::HashMap<String, postgres::Statement>,
}

impl PgClient {
    pub fn new(client: postgres::Client) -> Self {
        PgClient {
            client,
            statements: std::collections::HashMap::new(),
        }
    }
}

impl std::ops::Deref for PgClient {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        &self.client
    }
}

impl std::ops::DerefMut for PgClient {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

/// A PostgreSQL transaction, with its connection's statement cache when it came from [`Conn::begin_read`]
/// or [`Conn::begin_write`]. Derefs to the driver's transaction for the statements written against it.
pub(crate) struct PgTx<'c> {
    tx: postgres::Transaction<'c>,
    statements: Option<&'c mut std::collections::HashMap<String, postgres::Statement>>,
}

impl<'c> PgTx<'c> {
    /// A transaction that prepares its statements each time (for connections outside the pools).
    pub fn uncached(tx: postgres::Transaction<'c>) -> Self {
        PgTx {
            tx,
            statements: None,
        }
    }

    pub fn commit(self) -> std::result::Result<(), postgres::Error> {
        self.tx.commit()
    }

    /// The prepared statement of `sql` (with `?` placeholders), from the cache when there is one.
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        let Some(cache) = self.statements.as_deref_mut() else {
            return Ok(self.tx.prepare(pg_sql(sql).as_ref())?);
        };
        if let Some(s) = cache.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(pg_sql(sql).as_ref())?;
        if cache.len() >= PG_STATEMENTS_MAX {
            cache.clear();
        }
        cache.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

impl<'c> std::ops::Deref for PgTx<'c> {
    type Target = postgres::Transaction<'c>;
    fn deref(&self) -> &postgres::Transaction<'c> {
        &self.tx
    }
}

impl<'c> std::ops::DerefMut for PgTx<'c> {
    fn deref_mut(&mut self) -> &mut postgres::Transaction<'c> {
        &mut self.tx
    }
}

impl Conn {
    /// A write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so that a transaction
    /// that reads and then writes cannot fail half-way with SQLITE_BUSY.
    pub fn begin_write(&mut self) -> Result<Tx<'_>> {
        Ok(match self {
            Conn::Sqlite(c) => {
                Tx::Sqlite(c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
            }
            Conn::Pg(PgClient { client, statements }) => Tx::Pg(PgTx {
                tx: client.transaction()?,
                statements: Some(statements),
            }),
        })
    }

    /// A read transaction: one consistent snapshot across several statements (a scan runs four).
    pub fn begin_read(&mut self) -> Result<Tx<'_>> {
        Ok(match self {
            Conn::Sqlite(c) => {
                Tx::Sqlite(c.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?)
            }
            Conn::Pg(PgClient { client, statements }) => Tx::Pg(PgTx {
                tx: client
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()?,
                statements: Some(statements),
            }),
        })
    }
}

/// An open transaction on either backend. Dropping it without [`Tx::commit`] rolls back.
pub(crate) enum Tx<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Pg(PgTx<'c>),
}

pub(crate) fn pg_params<'v>(params: &'v [Val<'_>]) -> Vec<&'v (dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Tx<'_> {
    pub fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit()?,
            Tx::Pg(t) => t.commit()?,
        }
        Ok(())
    }

    /// Runs a statement; returns the number of rows changed.
    pub fn exec(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64> {
        match self {
            Tx::Sqlite(t) => {
                let mut stmt = t.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Tx::Pg(t) => {
                let stmt = t.statement(sql)?;
                Ok(t.tx.execute(&stmt, &pg_params(params))?)
            }
        }
    }

    /// Streams the rows of a query to `f`.
    pub fn query(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        f: &mut dyn FnMut(&dyn Get) -> Result<()>,
    ) -> Result<()> {
        match self {
            Tx::Sqlite(t) => {
                let mut stmt = t.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
                while let Some(row) = rows.next()? {
                    f(row)?;
                }
            }
            Tx::Pg(t) => {
                use postgres::fallible_iterator::FallibleIterator;
                let refs = pg_params(params);
                let stmt = t.statement(sql)?;
                let mut rows = t.tx.query_raw(&stmt, refs.iter().copied())?;
                while let Some(row) = rows.next()? {
                    f(&row)?;
                }
            }
        }
        Ok(())
    }

    /// The first row mapped by `f`, if any.
    pub fn query_opt<T>(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        f: impl FnOnce(&dyn Get) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        self.query(sql, params, &mut |row| {
            if let Some(f) = f.take() {
                out = Some(f(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// All rows mapped by `f`.
    pub fn query_vec<T>(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        mut f: impl FnMut(&dyn Get) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.query(sql, params, &mut |row| {
            out.push(f(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// A single `i64` (e.g. `count(*)`); `None` for no row or NULL.
    pub fn query_i64(&mut self, sql: &str, params: &[Val<'_>]) -> Result<Option<i64>> {
        Ok(self.query_opt(sql, params, |r| r.opt_i64(0))?.flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            pg_sql("SELECT '?' FROM t WHERE a = ? AND b IN (?, ?)"),
            "SELECT '?' FROM t WHERE a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(pg_sql("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn dates_and_timestamps_have_sortable_text() {
        let d = NaiveDate::from_ymd_opt(2021, 3, 4).unwrap();
        assert_eq!(date_text(d), "2021-03-04");
        assert_eq!(
            date_text(clamp_date(NaiveDate::MAX)),
            "9999-12-31",
            "a far bound must still compare as text"
        );
        let t = DateTime::from_timestamp(1_700_000_000, 5_000).unwrap();
        assert_eq!(ts_text(t), "2023-11-14T22:13:20.000005Z");
    }
}
