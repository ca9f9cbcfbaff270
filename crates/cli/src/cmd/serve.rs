//! `jingzhun serve`: the web application over the database given with `--db`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jingzhun_store::Store;
use jingzhun_web::WebConfig;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// 通过 HTTPS 提供服务时（直接或经反向代理）设置，Cookie 将带 Secure 标记
    #[arg(long)]
    pub secure_cookies: bool,
}

pub fn run(store: Store, args: Args) -> anyhow::Result<ExitCode> {
    serve(Arc::new(store), args.bind, args.secure_cookies)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the web application until Ctrl-C.
pub fn serve(store: Arc<Store>, bind: SocketAddr, secure_cookies: bool) -> anyhow::Result<()> {
    let mut config = WebConfig::new(bind);
    config.secure_cookies = secure_cookies;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    println!("网页应用：http://{bind}/（按 Ctrl-C 停止）");
    runtime
        .block_on(jingzhun_web::serve(config, store))
        .with_context(|| format!("网页服务在 {bind} 上出错"))?;
    Ok(())
}
