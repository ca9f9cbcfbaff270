//! `jingzhun accounts`: create accounts from the command line (the first administrator, or in bulk).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use jingzhun_core::AreaCode;
use jingzhun_store::Store;
use jingzhun_web::Role;

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// 新建账号；不给密码时生成随机密码并打印，首次登录须修改
    Create {
        /// 用户名（登录时使用）
        #[arg(long)]
        username: String,
        /// 角色：village_cadre/村级信息员，township_reviewer/乡镇审核员，county_approver/县级审定员，
        /// analyst/分析员，admin/系统管理员
        #[arg(long)]
        role: String,
        /// 账号所属区划（只能看到和处理该区划及以下）
        #[arg(long)]
        area: String,
        /// 初始密码（至少 10 个字符）；不给则自动生成
        #[arg(long)]
        password: Option<String>,
    },
}

pub fn run(store: Store, command: AccountsCommand) -> anyhow::Result<ExitCode> {
    match command {
        AccountsCommand::Create {
            username,
            role,
            area,
            password,
        } => {
            let role = Role::parse(&role).with_context(|| format!("「{role}」不是有效的角色"))?;
            let area = AreaCode::parse(&area)?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(jingzhun_web::generate_password);
            jingzhun_web::create_account(&Arc::new(store), &username, role, area, &password, true)
                .with_context(|| format!("无法创建账号「{username}」"))?;
            println!("已创建账号 {username}（{}，区划 {area}）", role.label());
            if generated {
                println!("初始密码：{password}（首次登录须修改）");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
