//! `jingzhun audit`: verify the hash chain of the audit log, and read it.

use std::process::ExitCode;

use clap::Subcommand;
use jingzhun_store::{AuditFilter, Store};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// 校验审计日志的哈希链：任何历史记录被修改、删除或调换顺序都会被发现
    Verify {
        /// 之前记下的链头哈希；给出时还会检查日志末尾是否被截断
        #[arg(long)]
        expect_head: Option<String>,
    },
    /// 查看审计记录（最新的在前）
    Log {
        /// 只看某类对象（household, area, …）
        #[arg(long)]
        entity: Option<String>,
        /// 只看某个操作人（如 cli:张三）
        #[arg(long = "by")]
        by: Option<String>,
        /// 显示最近多少条
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

pub fn run(store: &Store, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { expect_head } => verify(store, expect_head.as_deref()),
        AuditCommand::Log { entity, by, limit } => {
            let filter = AuditFilter {
                entity,
                actor: by,
                limit: Some(limit),
                ..AuditFilter::default()
            };
            for e in store.audit_entries(&filter)? {
                println!(
                    "#{}\t{}\t{}\t{}\t{} {}\t{}",
                    e.seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.reason
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn verify(store: &Store, expect_head: Option<&str>) -> anyhow::Result<ExitCode> {
    let report = store.audit_verify()?;
    let mut ok = report.problems.is_empty();
    for problem in &report.problems {
        println!("问题：{problem}");
    }
    if let Some(expected) = expect_head {
        if !report.head_hash.eq_ignore_ascii_case(expected) {
            ok = false;
            println!(
                "问题：链头哈希为 {}，与记下的 {expected} 不符（日志末尾可能被截断或替换）",
                report.head_hash
            );
        }
    }
    if ok {
        println!(
            "审计日志完好：{} 条记录，链头哈希 {}",
            report.entries, report.head_hash
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "审计日志校验失败：共 {} 条记录，发现 {} 处问题",
            report.entries,
            report.problems.len()
        );
        Ok(ExitCode::from(2))
    }
}
