//! `jingzhun serve`: the web application over the database given with `--db`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jingzhun_core::AreaCode;
use jingzhun_store::{Store, StoreOptions};
use jingzhun_web::features::live::LiveConfig;
use jingzhun_web::heavy_work::HeavyLimits;
use jingzhun_web::WebConfig;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// 通过 HTTPS 提供服务时（直接或经反向代理）设置，Cookie 将带 Secure 标记
    #[arg(long)]
    pub secure_cookies: bool,
    /// 本进程同时运行的重任务（报表、导出、推演、导入）上限；每个账号同时只能运行一项，满时答复 429
    #[arg(long, env = "JINGZHUN_HEAVY_LIMIT", default_value_t = 2)]
    pub heavy_limit: usize,
    /// 只读副本（PostgreSQL 热备库，postgres://…）：报表和导出从这里读取，其余读写仍走 --db 主库
    #[arg(long, env = "JINGZHUN_READ_DB")]
    pub read_db: Option<String>,
    /// 在内存中评估并随数据变化更新的区划（默认：区划表中唯一的省）
    #[arg(long)]
    pub area: Option<String>,
    /// 在内存中评估的年度，逗号分隔（默认：上一年和当年中政策包能评估的年度）；其他年度首次使用时装载
    #[arg(long, value_delimiter = ',')]
    pub years: Vec<u16>,
    /// 附件（授权承诺书、走访照片、公示照片）保存的文件夹，按内容的 SHA-256 命名；不设则存入数据库。多台服务共用一个数据库时须共用此文件夹
    #[arg(long, env = "JINGZHUN_ATTACHMENTS_DIR", value_name = "文件夹")]
    pub attachments_dir: Option<std::path::PathBuf>,
}

pub fn run(store: Store, options: &StoreOptions, args: Args) -> anyhow::Result<ExitCode> {
    let replica = match &args.read_db {
        Some(url) => Some(Arc::new(Store::open_replica(url, options).with_context(
            || format!("无法打开只读副本「{}」", super::redact_url(url)),
        )?)),
        None => None,
    };
    let area = args
        .area
        .as_deref()
        .map(|a| AreaCode::parse(a).with_context(|| format!("区划代码「{a}」无效")))
        .transpose()?;
    let mut config = WebConfig::new(args.bind);
    config.secure_cookies = args.secure_cookies;
    config.heavy = HeavyLimits {
        overall: args.heavy_limit,
        ..HeavyLimits::default()
    };
    config.live = LiveConfig {
        area,
        years: args.years,
    };
    if let Some(dir) = args.attachments_dir {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("无法创建附件文件夹「{}」", dir.display()))?;
        let probe = dir.join(".jingzhun-write-test");
        std::fs::write(&probe, b"ok")
            .and_then(|()| std::fs::remove_file(&probe))
            .with_context(|| format!("附件文件夹「{}」不可写", dir.display()))?;
        config.attachments = jingzhun_web::features::attachments::storage::Storage::Folder(dir);
    }
    run_server(Arc::new(store), replica, config)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the web application until Ctrl-C.
pub fn serve(store: Arc<Store>, bind: SocketAddr, secure_cookies: bool) -> anyhow::Result<()> {
    let mut config = WebConfig::new(bind);
    config.secure_cookies = secure_cookies;
    run_server(store, None, config)
}

fn run_server(
    store: Arc<Store>,
    replica: Option<Arc<Store>>,
    config: WebConfig,
) -> anyhow::Result<()> {
    let bind = config.bind;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    println!("网页应用：http://{bind}/（按 Ctrl-C 停止）");
    runtime
        .block_on(jingzhun_web::serve_with(config, store, replica))
        .with_context(|| format!("网页服务在 {bind} 上出错"))?;
    Ok(())
}
