-- Accounts and sessions of the web application (SQLite). Released: never edit, add a new migration instead.
-- role is the web crate's stable role code; password_hash an argon2id PHC string; sessions are keyed by the
-- SHA-256 of their token, never the token itself.

CREATE TABLE accounts (
    id                    INTEGER PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE,
    display_name          TEXT NOT NULL,
    role                  TEXT NOT NULL,
    area_code             TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    must_change_password  INTEGER NOT NULL,
    disabled              INTEGER NOT NULL,
    created_at            TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    password_changed_at   TEXT NOT NULL
);
CREATE INDEX accounts_area ON accounts (area_code);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_account ON sessions (account_id);
