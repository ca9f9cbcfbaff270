//! `jingzhun policy`: show the parameters in force for a year and an area with where each comes from, and
//! check pack files. Also the loading of packs that `evaluate` and `whatif` share.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use jingzhun_core::AreaCode;
use jingzhun_policy::{PackError, PolicyPack};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// 显示某年某地区生效的参数，及每个参数的来源、可靠程度和所在文件行
    Show {
        /// 年度（如 2024）
        #[arg(long)]
        year: u16,
        /// 区划代码；不填则显示全国默认
        #[arg(long)]
        area: Option<String>,
        /// 政策包文件夹（*.toml）；默认为随程序发布的政策包
        #[arg(long)]
        pack: Option<PathBuf>,
        /// 输出格式：table 或 json
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// 校验政策包文件或文件夹，错误附行号列号
    Check {
        /// 一个或多个 TOML 文件，或一个政策包文件夹
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

pub fn run(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Show {
            year,
            area,
            pack,
            format,
        } => {
            let pack = load_pack(pack.as_deref())?;
            require_year(&pack, year)?;
            let area = area.as_deref().map(AreaCode::parse).transpose()?;
            let effective = pack.effective(year, area.as_ref())?;
            match format.as_str() {
                "json" => println!("{}", serde_json::to_string_pretty(&effective)?),
                "table" => {
                    println!("政策包：{}", pack.version());
                    print!("{effective}");
                }
                other => bail!("不支持的输出格式「{other}」（可选 table、json）"),
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Check { paths } => check(&paths),
    }
}

/// The pack in `dir` (every `*.toml` in it, in name order), or the shipped pack.
/// Refuses a year the pack has no national parameters for, in one sentence that says which years it has.
pub fn require_year(pack: &PolicyPack, year: u16) -> anyhow::Result<()> {
    if pack.effective(year, None).is_ok() {
        return Ok(());
    }
    let covered: Vec<u16> = (1980..=2100)
        .filter(|y| pack.effective(*y, None).is_ok())
        .collect();
    match (covered.first(), covered.last()) {
        (Some(first), Some(last)) => bail!(
            "{year} 年没有政策包：现有政策包只有 {first}–{last} 年的参数，{year} 年的参数须先写入政策包文件，再用 --pack 指定"
        ),
        _ => bail!("政策包没有任何年度的全国参数，无法评估 {year} 年"),
    }
}

pub fn load_pack(dir: Option<&Path>) -> anyhow::Result<PolicyPack> {
    let Some(dir) = dir else {
        return Ok(PolicyPack::builtin());
    };
    let sources = read_sources(dir)?;
    PolicyPack::from_sources(&sources)
        .map_err(|errors| anyhow::anyhow!("政策包有误:\n{}", list(&errors)))
}

fn read_sources(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("无法读取政策包文件夹「{}」", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        if files.is_empty() {
            bail!("「{}」中没有 .toml 政策文件", path.display());
        }
        files
    } else {
        vec![path.to_owned()]
    };
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("无法读取「{}」", f.display()))?;
            Ok((f.display().to_string(), text))
        })
        .collect()
}

fn list(errors: &[PackError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut sources = Vec::new();
    for path in paths {
        sources.extend(read_sources(path)?);
    }
    let mut errors: Vec<PackError> = sources
        .iter()
        .flat_map(|(name, text)| PolicyPack::check(name, text))
        .collect();
    // A whole pack (a folder, or several files) is also checked as a pack: national default present,
    // every parameter covered for every year, one file per area.
    let whole_pack = paths.len() > 1 || paths.iter().any(|p| p.is_dir());
    if errors.is_empty() && whole_pack {
        if let Err(e) = PolicyPack::from_sources(&sources) {
            errors = e;
        }
    }
    if errors.is_empty() {
        println!("政策包文件无误（{} 个文件）", sources.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{}", list(&errors));
        println!("共 {} 处错误", errors.len());
        Ok(ExitCode::FAILURE)
    }
}
