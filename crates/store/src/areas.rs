//! The division tree: areas (upserted in bulk from the statistical files) and dated changes (renames and
//! merges), which are appended and never edited, so that old records keep resolving.
//!
//! An upsert overwrites an area's current name (the audit log keeps the count and code range of each load);
//! a rename that must stay visible on past dates is recorded with [`crate::Store::record_area_change`].

use chrono::{DateTime, Utc};
use jingzhun_core::{Area, AreaChange, AreaChangeKind, AreaCode, AreaTree, Settlement};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{Tx, Val};
use crate::error::{invalid, Result};

const UPSERT: &str = "INSERT INTO areas (code, name, settlement) VALUES (?, ?, ?) \
                      ON CONFLICT (code) DO UPDATE SET name = excluded.name, settlement = excluded.settlement";

fn area_vals(a: &Area) -> [Val<'_>; 3] {
    [
        Val::Str(a.code.as_str()),
        Val::Str(&a.name),
        Val::opt_str(a.settlement.map(Settlement::code)),
    ]
}

pub(crate) fn upsert(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    areas: &[Area],
    actor: &Actor,
    reason: &str,
) -> Result<usize> {
    match tx {
        Tx::Sqlite(_) => {
            for a in areas {
                tx.exec(UPSERT, &area_vals(a))?;
            }
        }
        Tx::Pg(t) => {
            // Prepared once: a national division file has about 700,000 rows.
            let stmt = t.prepare(&crate::db::pg_sql(UPSERT))?;
            for a in areas {
                let vals = area_vals(a);
                t.execute(&stmt, &crate::db::pg_params(&vals))?;
            }
        }
    }
    let first = areas.iter().map(|a| a.code).min();
    let last = areas.iter().map(|a| a.code).max();
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "area.upsert",
            entity: "area",
            entity_id: match (first, last) {
                (Some(a), Some(b)) => format!("{a}..{b}"),
                _ => String::new(),
            },
            reason,
            detail: json!({
                "count": areas.len(),
                "first_code": first.map(|c| c.to_string()),
                "last_code": last.map(|c| c.to_string()),
            }),
        },
    )?;
    Ok(areas.len())
}

pub(crate) fn tree(tx: &mut Tx<'_>) -> Result<AreaTree> {
    let parse =
        |table: &str, col: &str, s: &str| AreaCode::parse(s).map_err(|_| invalid(table, col, s));
    let areas = tx.query_vec(
        "SELECT code, name, settlement FROM areas ORDER BY code",
        &[],
        |r| {
            let settlement = r
                .opt_str(2)?
                .map(|s| Settlement::from_code(s).ok_or_else(|| invalid("areas", "settlement", s)))
                .transpose()?;
            Ok(Area {
                code: parse("areas", "code", r.str(0)?)?,
                name: r.str(1)?.to_owned(),
                settlement,
            })
        },
    )?;
    let changes = tx.query_vec(
        "SELECT code, effective, kind, new_name, into_code FROM area_changes ORDER BY effective, id",
        &[],
        |r| {
            let kind = match r.str(2)? {
                "renamed" => AreaChangeKind::Renamed {
                    name: r.opt_str(3)?.unwrap_or_default().to_owned(),
                },
                "merged" => AreaChangeKind::Merged {
                    into: parse(
                        "area_changes",
                        "into_code",
                        r.opt_str(4)?.unwrap_or_default(),
                    )?,
                },
                other => return Err(invalid("area_changes", "kind", other)),
            };
            Ok(AreaChange {
                code: parse("area_changes", "code", r.str(0)?)?,
                effective: r.date(1)?,
                kind,
            })
        },
    )?;
    let mut tree = AreaTree::new(areas)?;
    for c in changes {
        tree.apply(c)?;
    }
    Ok(tree)
}

pub(crate) fn record_change(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    change: &AreaChange,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    // Validate against the tree as stored: unknown areas, merges across levels and merge cycles are refused.
    let mut tree = tree(tx)?;
    tree.apply(change.clone())?;
    let (kind, new_name, into) = match &change.kind {
        AreaChangeKind::Renamed { name } => ("renamed", Some(name.as_str()), None),
        AreaChangeKind::Merged { into } => ("merged", None, Some(into.as_str())),
    };
    tx.exec(
        "INSERT INTO area_changes (code, effective, kind, new_name, into_code, recorded_at, recorded_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            Val::Str(change.code.as_str()),
            Val::date(change.effective),
            Val::Str(kind),
            Val::opt_str(new_name),
            Val::opt_str(into),
            Val::Ts(at),
            Val::Str(&actor.account),
        ],
    )?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "area.change",
            entity: "area",
            entity_id: change.code.to_string(),
            reason,
            detail: json!({
                "kind": kind,
                "effective": change.effective.to_string(),
                "name": new_name,
                "into": into,
            }),
        },
    )?;
    Ok(())
}
