-- Accounts and sessions of the web application (PostgreSQL). Released: never edit, add a new migration
-- instead. role is the web crate's stable role code; password_hash an argon2id PHC string; sessions are keyed
-- by the SHA-256 of their token, never the token itself.

CREATE TABLE accounts (
    id                    BIGSERIAL PRIMARY KEY,
    username              TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name          TEXT NOT NULL,
    role                  TEXT COLLATE "C" NOT NULL,
    area_code             TEXT COLLATE "C" NOT NULL,
    password_hash         TEXT NOT NULL,
    must_change_password  BOOLEAN NOT NULL,
    disabled              BOOLEAN NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    created_by            TEXT NOT NULL,
    password_changed_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX accounts_area ON accounts (area_code);

CREATE TABLE sessions (
    token_hash  TEXT COLLATE "C" PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    csrf_token  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
