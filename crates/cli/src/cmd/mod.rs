//! Subcommands. Each takes parsed arguments and an open store, and prints for people (Chinese) unless asked
//! for JSON.

pub mod accounts;
pub mod areas;
pub mod audit;
pub mod check;
pub mod demo;
pub mod department;
pub mod economy;
pub mod evaluate;
pub mod export;
pub mod import;
pub mod import_monitoring;
pub mod init;
pub mod parquet;
pub mod policy;
pub mod progress;
pub mod projects;
pub mod report;
pub mod serve;
pub mod synth;
pub mod synth_monitoring;
pub mod synth_national;
pub mod synth_out;
pub mod synth_projects;
pub mod table;
pub mod warnings;

use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Instant;

use anyhow::Context;
use jingzhun_store::{Actor, Store, StoreOptions};

use crate::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = match cli.command {
        // Commands that need no database.
        Command::Policy(command) => return policy::run(command),
        Command::Import(import::ImportCommand::MonitoringTemplate(args)) => {
            return import_monitoring::template(args)
        }
        // Synthetic data written to files or straight into the engine.
        Command::Synth(args) if !args.needs_store() => return synth_out::run(args),
        other => other,
    };
    let actor = actor(cli.actor.as_deref());
    // Only `init` and `demo` create a database; a mistyped path elsewhere must not leave an empty one.
    if !matches!(command, Command::Init(_) | Command::Demo(_)) {
        require_existing(&cli.db)?;
    }
    let options = StoreOptions {
        pg_pool_size: cli.pg_pool_size,
        pg_bulk_pool_size: cli.pg_bulk_pool_size,
        ..StoreOptions::default()
    };
    let store = if cli.read_only {
        Store::open_replica(&cli.db, &options)
            .with_context(|| format!("无法只读打开数据库「{}」", redact_url(&cli.db)))?
    } else {
        open_store_with(&cli.db, &options)?
    };
    match command {
        Command::Init(args) => init::run(&store, &actor, args),
        Command::Areas(command) => areas::run(&store, &actor, command),
        Command::Audit(command) => audit::run(&store, command),
        Command::Synth(args) => synth::run(&store, &actor, args),
        Command::Evaluate(args) => evaluate::run_evaluate(&store, args),
        Command::Whatif(args) => evaluate::run_whatif(&store, args),
        Command::Serve(args) => serve::run(store, &options, args),
        Command::Warnings(args) => warnings::run(store, args),
        Command::Demo(args) => demo::run(store, &actor, args),
        Command::Report(command) => report::run(&store, command),
        Command::Accounts(command) => accounts::run(store, command),
        Command::Import(command) => import::run(&store, &actor, command),
        Command::Export(command) => export::run(&store, command),
        Command::Check(args) => check::run(&store, args),
        Command::Department(command) => department::run(store, command),
        Command::Projects(command) => projects::run(&store, &actor, command),
        Command::Policy(command) => policy::run(command),
    }
}

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Notes when the process started (first thing in `main`), for `--timings`.
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// Seconds since the process started ([`mark_start`]).
pub fn since_start() -> f64 {
    STARTED.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// Opens a store with the default pool sizes (for commands that open a second store of their own).
#[allow(dead_code)]
pub fn open_store(db: &str) -> anyhow::Result<Store> {
    open_store_with(db, &StoreOptions::default())
}

pub fn open_store_with(db: &str, options: &StoreOptions) -> anyhow::Result<Store> {
    Store::open_with(db, options).with_context(|| format!("无法打开数据库「{}」", redact_url(db)))
}

/// Refuses a SQLite file that does not exist (a PostgreSQL URL is checked by connecting).
pub fn require_existing(db: &str) -> anyhow::Result<()> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return Ok(());
    }
    let path = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
        .unwrap_or(db);
    if path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    anyhow::bail!(
        "数据库文件「{path}」不存在：新建数据库请运行 `jingzhun init --db {path}`，已有的数据库请用 --db（或环境变量 JINGZHUN_DB）给出它的路径"
    )
}

/// The account recorded in the audit log for command-line changes.
fn actor(given: Option<&str>) -> Actor {
    let name = given
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .unwrap_or_else(|| "命令行".to_owned());
    Actor {
        account: format!("cli:{name}"),
    }
}

/// A database URL with its password hidden, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("jingzhun.db"), "jingzhun.db");
    }
}
