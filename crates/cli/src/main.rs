//! `jingzhun`: the command-line tool. Each subcommand lives in its own module under `cmd/`; this file only
//! parses arguments, opens the store and reports errors in Chinese.

mod cmd;
mod help;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// 精准：建档立卡与防止返贫监测系统（registry, evaluation and monitoring for poverty alleviation）.
#[derive(Debug, Parser)]
#[command(name = "jingzhun", version, about, long_about = None)]
pub struct Cli {
    /// 数据库：SQLite 文件路径或 `postgres://用户:密码@主机/库名`；除 init 和 demo 外，文件须已存在
    #[arg(
        long,
        global = true,
        env = "JINGZHUN_DB",
        default_value = "jingzhun.db"
    )]
    pub db: String,

    /// PostgreSQL：交互请求（页面、修改、登录）的连接池大小
    #[arg(
        long,
        global = true,
        env = "JINGZHUN_PG_POOL_SIZE",
        default_value_t = 8
    )]
    pub pg_pool_size: u32,

    /// PostgreSQL：长时间任务（全区扫描、批量写入、导入）的连接池大小，与交互请求的连接池分开
    #[arg(
        long,
        global = true,
        env = "JINGZHUN_PG_BULK_POOL_SIZE",
        default_value_t = 3
    )]
    pub pg_bulk_pool_size: u32,

    /// 只读打开 --db（PostgreSQL 热备库或只读副本）：不执行迁移，任何写入都被数据库拒绝；供报表、导出和
    /// `evaluate --no-save` 在副本上运行
    #[arg(long, global = true, env = "JINGZHUN_READ_ONLY")]
    pub read_only: bool,

    /// 操作人（记入审计日志）；默认为当前系统用户
    #[arg(long, global = true, env = "JINGZHUN_ACTOR")]
    pub actor: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 演示：生成巴中市全量合成数据（仅首次），逐年评估，与公布数字对照，并启动网页应用
    Demo(cmd::demo::Args),
    /// 初始化数据库：建表迁移并载入随附的四川省行政区划
    Init(cmd::init::Args),
    /// 行政区划：查看、导入、更名与合并
    #[command(subcommand)]
    Areas(cmd::areas::AreasCommand),
    /// 审计日志：校验哈希链、查看记录
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// 生成合成的建档立卡数据（按巴中市公开数据校准；同一种子结果相同）
    Synth(cmd::synth::Args),
    /// 政策包：查看生效参数及来源，校验政策文件
    #[command(subcommand)]
    Policy(cmd::policy::PolicyCommand),
    /// 评估全部农户：收入、两不愁三保障、各项建议，逐级汇总，并保存建议及其依据
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// 推演：按调整后的政策包评估，列出建议发生变化的农户和各区划计数变化（不改动官方数据）
    Whatif(cmd::evaluate::WhatIfArgs),
    /// 报表：年度汇总等
    #[command(subcommand)]
    Report(cmd::report::ReportCommand),
    /// 启动网页应用（中文界面，按账号所属区划限定可见范围）
    Serve(cmd::serve::Args),
    /// 预警清单：建议纳入监测、疑似漏评错退、三保障未达标、部门预警、可消除风险、事项临近时限、措施到期
    Warnings(cmd::warnings::WarningsArgs),
    /// 账号管理：新建账号（如第一个系统管理员）
    #[command(subcommand)]
    Accounts(cmd::accounts::AccountsCommand),
    /// 导入数据（户籍表）：全部校验通过才写入，有问题时输出问题清单
    #[command(subcommand)]
    Import(cmd::import::ImportCommand),
    /// 导出数据（户籍表）：XLSX 或带 BOM 的 CSV, 可脱敏
    #[command(subcommand)]
    Export(cmd::export::ExportCommand),
    /// 数据质量检查：按检查项目和区划计数，可输出问题清单
    Check(cmd::check::CheckArgs),
    /// 部门数据比对：医保、民政、教育等名单与家庭成员比对，生成风险线索
    #[command(subcommand)]
    Department(cmd::department::DepartmentCommand),
    /// 项目库与统计数据：导入统计部门数据（CSV），导出项目库（XLSX）
    #[command(subcommand)]
    Projects(cmd::projects::ProjectsCommand),
}

fn main() -> ExitCode {
    cmd::mark_start();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("JINGZHUN_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = help::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("错误：{}", error_text(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each said once: a cause whose text the message before it already contains
/// (an error that wraps another and prints it) is left out.
fn error_text(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(text.trim()) {
            continue;
        }
        if !out.is_empty() {
            out.push('：');
        }
        out.push_str(&text);
    }
    out
}
