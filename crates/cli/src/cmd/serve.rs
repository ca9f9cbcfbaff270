//! `jingzhun serve`: the web application over the database given with `--db`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jingzhun_core::AreaCode;
use jingzhun_store::Store;
use jingzhun_web::features::live::LiveConfig;
use jingzhun_web::WebConfig;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// 通过 HTTPS 提供服务时 (直接或经反向代理) 设置, Cookie 将带 Secure 标记
    #[arg(long)]
    pub secure_cookies: bool,
    /// 在内存中评估并随数据变化更新的区划 (默认: 区划表中唯一的省)
    #[arg(long)]
    pub area: Option<String>,
    /// 在内存中评估的年度, 逗号分隔 (默认: 上一年和当年中政策包能评估的年度); 其他年度首次使用时装载
    #[arg(long, value_delimiter = ',')]
    pub years: Vec<u16>,
}

pub fn run(store: Store, args: Args) -> anyhow::Result<ExitCode> {
    let area = args
        .area
        .as_deref()
        .map(|a| AreaCode::parse(a).with_context(|| format!("区划代码「{a}」无效")))
        .transpose()?;
    let live = LiveConfig {
        area,
        years: args.years,
    };
    serve_with(Arc::new(store), args.bind, args.secure_cookies, live)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the web application until Ctrl-C.
pub fn serve(store: Arc<Store>, bind: SocketAddr, secure_cookies: bool) -> anyhow::Result<()> {
    serve_with(store, bind, secure_cookies, LiveConfig::default())
}

/// [`serve`] holding `live`'s area and years evaluated in memory.
pub fn serve_with(
    store: Arc<Store>,
    bind: SocketAddr,
    secure_cookies: bool,
    live: LiveConfig,
) -> anyhow::Result<()> {
    let mut config = WebConfig::new(bind);
    config.secure_cookies = secure_cookies;
    config.live = live;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    println!("网页应用: http://{bind}/  (按 Ctrl-C 停止)");
    runtime
        .block_on(jingzhun_web::serve(config, store))
        .with_context(|| format!("网页服务在 {bind} 上出错"))?;
    Ok(())
}
