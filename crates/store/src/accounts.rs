//! Accounts and sessions of the web application: the rows and the SQL only. Password hashing, roles and
//! access rules are the web crate's business; the store keeps the role as its stable code and the password
//! as the PHC string it is given, and sessions by the SHA-256 of their token (never the token).
//!
//! Account changes are audited in the same transaction (never with the hash in the detail); sessions are
//! not (they are not registry data), but sign-ins and refused accesses are recorded through
//! [`Store::record_access`].

use chrono::{DateTime, Utc};
use jingzhun_core::AreaCode;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{Get, Val};
use crate::error::{invalid, Result, StoreError};
use crate::Store;

/// An account row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// The web crate's role code.
    pub role: String,
    pub area: AreaCode,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccountRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub area: AreaCode,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// A session, stored under the SHA-256 of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const ACCOUNT_COLS: &str = "id, username, display_name, role, area_code, password_hash, \
                            must_change_password, disabled, created_at";

fn decode_account(r: &dyn Get) -> Result<AccountRow> {
    let area = r.str(4)?;
    Ok(AccountRow {
        id: r.i64(0)?,
        username: r.str(1)?.to_owned(),
        display_name: r.str(2)?.to_owned(),
        role: r.str(3)?.to_owned(),
        area: AreaCode::parse(area).map_err(|_| invalid("accounts", "area_code", area))?,
        password_hash: r.str(5)?.to_owned(),
        must_change_password: r.bool(6)?,
        disabled: r.bool(7)?,
        created_at: r.ts(8)?,
    })
}

fn not_found(key: String) -> StoreError {
    StoreError::NotFound {
        entity: "账号",
        key,
    }
}

impl Store {
    /// Creates an account; [`StoreError::Duplicate`] if the user name is taken. Audited.
    pub fn create_account(&self, new: &NewAccountRow<'_>, actor: &Actor) -> Result<i64> {
        self.write(|tx, now| {
            let taken = tx.query_i64(
                "SELECT id FROM accounts WHERE username = ?",
                &[Val::Str(new.username)],
            )?;
            if taken.is_some() {
                return Err(StoreError::Duplicate {
                    entity: "用户名",
                    key: new.username.to_owned(),
                });
            }
            tx.exec(
                "INSERT INTO accounts (username, display_name, role, area_code, password_hash, \
                 must_change_password, disabled, created_at, created_by, password_changed_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    Val::Str(new.username),
                    Val::Str(new.display_name),
                    Val::Str(new.role),
                    Val::Str(new.area.as_str()),
                    Val::Str(new.password_hash),
                    Val::Bool(new.must_change_password),
                    Val::Bool(false),
                    Val::Ts(now),
                    Val::Str(&actor.account),
                    Val::Ts(now),
                ],
            )?;
            let id = tx
                .query_i64(
                    "SELECT id FROM accounts WHERE username = ?",
                    &[Val::Str(new.username)],
                )?
                .ok_or_else(|| not_found(new.username.to_owned()))?;
            audit::append(
                tx,
                now,
                actor,
                Change {
                    action: "account.create",
                    entity: "account",
                    entity_id: id.to_string(),
                    reason: "",
                    detail: json!({
                        "username": new.username,
                        "role": new.role,
                        "area": new.area.as_str(),
                    }),
                },
            )?;
            Ok(id)
        })
    }

    /// The account with `id`; [`StoreError::NotFound`] if none.
    pub fn account(&self, id: i64) -> Result<AccountRow> {
        self.read(|tx| {
            tx.query_opt(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?"),
                &[Val::I64(id)],
                decode_account,
            )?
            .ok_or_else(|| not_found(format!("ID {id}")))
        })
    }

    pub fn account_by_username(&self, username: &str) -> Result<Option<AccountRow>> {
        self.read(|tx| {
            tx.query_opt(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE username = ?"),
                &[Val::Str(username)],
                decode_account,
            )
        })
    }

    /// Accounts bound to `within` or an area below it, by user name.
    pub fn accounts_within(&self, within: &AreaCode) -> Result<Vec<AccountRow>> {
        let prefix = within.as_str();
        // Area codes are digit strings: every code starting with `prefix` sorts in [prefix, prefix + ':').
        let hi = format!("{prefix}:");
        self.read(|tx| {
            tx.query_vec(
                &format!(
                    "SELECT {ACCOUNT_COLS} FROM accounts WHERE area_code >= ? AND area_code < ? \
                     ORDER BY username"
                ),
                &[Val::Str(prefix), Val::Str(&hi)],
                decode_account,
            )
        })
    }

    /// Replaces an account's password hash and sets its forced-change flag. Audited (without the hash).
    pub fn set_account_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
        actor: &Actor,
        reason: &str,
    ) -> Result<()> {
        self.write(|tx, now| {
            let n = tx.exec(
                "UPDATE accounts SET password_hash = ?, must_change_password = ?, password_changed_at = ? \
                 WHERE id = ?",
                &[
                    Val::Str(password_hash),
                    Val::Bool(must_change),
                    Val::Ts(now),
                    Val::I64(id),
                ],
            )?;
            if n == 0 {
                return Err(not_found(format!("ID {id}")));
            }
            audit::append(
                tx,
                now,
                actor,
                Change {
                    action: "account.password",
                    entity: "account",
                    entity_id: id.to_string(),
                    reason,
                    detail: json!({ "must_change": must_change }),
                },
            )?;
            Ok(())
        })
    }

    /// Enables or disables an account (and ends its sessions when disabling). Audited.
    pub fn set_account_disabled(
        &self,
        id: i64,
        disabled: bool,
        actor: &Actor,
        reason: &str,
    ) -> Result<()> {
        self.write(|tx, now| {
            let n = tx.exec(
                "UPDATE accounts SET disabled = ? WHERE id = ?",
                &[Val::Bool(disabled), Val::I64(id)],
            )?;
            if n == 0 {
                return Err(not_found(format!("ID {id}")));
            }
            if disabled {
                tx.exec("DELETE FROM sessions WHERE account_id = ?", &[Val::I64(id)])?;
            }
            audit::append(
                tx,
                now,
                actor,
                Change {
                    action: if disabled {
                        "account.disable"
                    } else {
                        "account.enable"
                    },
                    entity: "account",
                    entity_id: id.to_string(),
                    reason,
                    detail: serde_json::Value::Null,
                },
            )?;
            Ok(())
        })
    }

    /// Stores a new session under the hash of its token.
    pub fn create_session(&self, token_hash: &str, s: &SessionRow) -> Result<()> {
        self.write(|tx, _| {
            tx.exec(
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at) \
                 VALUES (?, ?, ?, ?, ?)",
                &[
                    Val::Str(token_hash),
                    Val::I64(s.account_id),
                    Val::Str(&s.csrf_token),
                    Val::Ts(s.created_at),
                    Val::Ts(s.expires_at),
                ],
            )?;
            Ok(())
        })
    }

    pub fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        self.read(|tx| {
            tx.query_opt(
                "SELECT account_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = ?",
                &[Val::Str(token_hash)],
                |r| {
                    Ok(SessionRow {
                        account_id: r.i64(0)?,
                        csrf_token: r.str(1)?.to_owned(),
                        created_at: r.ts(2)?,
                        expires_at: r.ts(3)?,
                    })
                },
            )
        })
    }

    /// Moves a session's end to `expires_at` (a session in use stays open for its idle period, never past
    /// its absolute end, which the caller computes).
    pub fn extend_session(&self, token_hash: &str, expires_at: DateTime<Utc>) -> Result<()> {
        self.write(|tx, _| {
            tx.exec(
                "UPDATE sessions SET expires_at = ? WHERE token_hash = ?",
                &[Val::Ts(expires_at), Val::Str(token_hash)],
            )?;
            Ok(())
        })
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.write(|tx, _| {
            tx.exec(
                "DELETE FROM sessions WHERE token_hash = ?",
                &[Val::Str(token_hash)],
            )?;
            Ok(())
        })
    }

    /// Ends every session of an account except `keep` (the one changing its password).
    pub fn delete_sessions_of(&self, account_id: i64, keep: Option<&str>) -> Result<()> {
        self.write(|tx, _| {
            tx.exec(
                "DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?",
                &[Val::I64(account_id), Val::Str(keep.unwrap_or(""))],
            )?;
            Ok(())
        })
    }

    /// Removes sessions that expired before `now`; returns how many.
    pub fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        self.write(|tx, _| tx.exec("DELETE FROM sessions WHERE expires_at < ?", &[Val::Ts(now)]))
    }

    /// Appends an audit entry that records an access rather than a change: a sign-in, a failed sign-in, a
    /// refused access outside the account's area. `detail` must not contain personal data.
    pub fn record_access(
        &self,
        actor: &Actor,
        action: &str,
        entity: &str,
        entity_id: &str,
        reason: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let entry = Access {
            actor: actor.clone(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: entity_id.to_owned(),
            reason: reason.to_owned(),
            detail,
        };
        // Refused at once from inside one of this store's callbacks, before queueing: waiting there for
        // another caller's batch could wait forever on the connection this thread holds.
        self.enter()?;
        let q = &self.accesses;
        let mut state = q.state.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = state.next;
        state.next += 1;
        state.queue.push((ticket, entry));
        loop {
            if let Some(done) = state.done.remove(&ticket) {
                return done.map_err(StoreError::Invalid);
            }
            if state.writing {
                state = q.written.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Nobody is writing: this call writes every entry waiting (its own among them) in one
            // transaction, and the others find their outcome when it ends.
            state.writing = true;
            let batch: Vec<(u64, Access)> = {
                let n = state.queue.len().min(ACCESS_BATCH_MAX);
                state.queue.drain(..n).collect()
            };
            drop(state);
            // A panic while writing must not leave `writing` set (every later call would wait forever): the
            // others get an error, and the panic goes on in this call once they are told.
            let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.write(|tx, now| {
                    for (_, a) in &batch {
                        audit::append(
                            tx,
                            now,
                            &a.actor,
                            Change {
                                action: &a.action,
                                entity: &a.entity,
                                entity_id: a.entity_id.clone(),
                                reason: &a.reason,
                                detail: a.detail.clone(),
                            },
                        )?;
                    }
                    Ok(())
                })
            }));
            let (outcome, panicked): (Result<()>, _) = match written {
                Ok(r) => (r, None),
                Err(p) => (
                    Err(StoreError::Invalid("写入访问审计记录时出错".into())),
                    Some(p),
                ),
            };
            let shared = outcome.as_ref().map(|_| ()).map_err(|e| e.to_string());
            state = q.state.lock().unwrap_or_else(|e| e.into_inner());
            let mut mine = false;
            for (t, _) in &batch {
                if *t == ticket {
                    mine = true;
                } else {
                    state.done.insert(*t, shared.clone());
                }
            }
            if panicked.is_some() && !mine {
                // This call's own entry was not in the batch (more were waiting than a batch takes) and it
                // will not wait for it now: nobody else should write it or keep its outcome.
                state.queue.retain(|(t, _)| *t != ticket);
            }
            state.writing = false;
            q.written.notify_all();
            drop(state);
            if let Some(p) = panicked {
                std::panic::resume_unwind(p);
            }
            if mine {
                return outcome;
            }
            state = q.state.lock().unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// At most this many access entries are written in one transaction.
const ACCESS_BATCH_MAX: usize = 512;

/// One access entry waiting to be written.
struct Access {
    actor: Actor,
    action: String,
    entity: String,
    entity_id: String,
    reason: String,
    detail: serde_json::Value,
}

/// Access entries (a view of unmasked personal data on every household page of some roles, sign-ins) are
/// written by group commit: each is its own transaction otherwise, and appends to the audit chain are
/// serial (one head, an advisory lock on PostgreSQL) and each commit waits for its flush to disk, which at
/// a few milliseconds caps a shared server at a few hundred page views a second whatever else it does. A
/// call still returns only once its entry is committed (or with the batch's error).
#[derive(Default)]
pub(crate) struct AccessQueue {
    state: std::sync::Mutex<AccessState>,
    written: std::sync::Condvar,
}

#[derive(Default)]
struct AccessState {
    next: u64,
    queue: Vec<(u64, Access)>,
    /// A call is writing a batch.
    writing: bool,
    /// Outcomes of written entries not yet collected by their callers, by ticket.
    done: std::collections::HashMap<u64, std::result::Result<(), String>>,
}
