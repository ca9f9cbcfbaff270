//! The command line in Chinese: clap's own words (the usage line, the section headings, `-h`/`-V`, the
//! `[default: …]` notes and its error messages) replaced, one example per command, and a placeholder in
//! Chinese for every option value.
//!
//! The derive attributes in `main.rs` and `cmd/*` describe the commands and options; [`command`] walks the
//! built command tree once and dresses it: every command gets a Chinese template, usage line and its
//! examples from [`EXAMPLES`]; every option gets its Chinese value name, and its default, environment
//! variable and possible values appended to its help in Chinese. The tests check that nothing English is
//! left, that every command has an example and every option an explanation.

use std::fmt::Write as _;

use clap::builder::{PossibleValue, StyledStr};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};

use crate::Cli;

/// Examples, one entry per command (its full path), each a few lines: a command and what it does.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "jingzhun",
        "jingzhun demo --scale 0.02 --no-serve     生成小规模演示数据并打印汇总\n\
         jingzhun init --db 巴中.db                建立新数据库并载入四川省区划\n\
         jingzhun report summary --db 巴中.db --area 5119 --year 2020\n\
         jingzhun 子命令 --help                    查看某个子命令的说明和示例",
    ),
    (
        "jingzhun demo",
        "jingzhun demo                              全量演示并启动网页应用（首次约需 3 分钟）\n\
         jingzhun demo --scale 0.02 --no-serve      小规模演示，只打印汇总表",
    ),
    (
        "jingzhun init",
        "jingzhun init --db 巴中.db                 新建数据库文件并载入四川省区划\n\
         jingzhun init --db postgres://用户:密码@localhost/jingzhun --no-areas",
    ),
    (
        "jingzhun areas",
        "jingzhun areas show 511902\n\
         jingzhun areas list 5119 --level county",
    ),
    (
        "jingzhun areas show",
        "jingzhun areas show 511902                 巴州区的名称、上级和下辖数量\n\
         jingzhun areas show 511902 --as-of 2015-06-30",
    ),
    (
        "jingzhun areas list",
        "jingzhun areas list 5119                   巴中市的各区县\n\
         jingzhun areas list 511902 --level village --rural",
    ),
    (
        "jingzhun areas import",
        "jingzhun areas import 区划代码.csv          导入统计用区划代码表（代码、名称两列）",
    ),
    (
        "jingzhun areas rename",
        "jingzhun areas rename 511902001 江北街道 --effective 2024-01-01 --reason 川府民政〔2023〕12号",
    ),
    (
        "jingzhun areas merge",
        "jingzhun areas merge 511902101201 --into 511902101202 --effective 2024-01-01 --reason 村级建制调整",
    ),
    (
        "jingzhun audit",
        "jingzhun audit verify\n\
         jingzhun audit log --entity household --limit 20",
    ),
    (
        "jingzhun audit verify",
        "jingzhun audit verify                      重算整条哈希链\n\
         jingzhun audit verify --expect-head 3f2a…  并核对上次记下的链头",
    ),
    (
        "jingzhun audit log",
        "jingzhun audit log --limit 20\n\
         jingzhun audit log --by cli:张三 --entity household",
    ),
    (
        "jingzhun synth",
        "jingzhun synth --scale 0.05                巴中市 5% 规模写入数据库\n\
         jingzhun synth --area 511902 --out 巴州区.xlsx --year 2020\n\
         jingzhun synth --scale 0.05 --data-end 2026-09-15   数据截止于 2026 年 9 月 15 日\n\
         jingzhun synth --national --scale 0.01 --engine",
    ),
    (
        "jingzhun policy",
        "jingzhun policy show --year 2024 --area 5119\n\
         jingzhun policy check policy/",
    ),
    (
        "jingzhun policy show",
        "jingzhun policy show --year 2024 --area 5119     2024 年巴中市生效的参数及其来源\n\
         jingzhun policy show --year 2020 --format json",
    ),
    (
        "jingzhun policy check",
        "jingzhun policy check policy/               校验整个政策包文件夹\n\
         jingzhun policy check 我的调整.toml",
    ),
    (
        "jingzhun evaluate",
        "jingzhun evaluate --year 2024 --area 5119  评估巴中市 2024 年并保存建议\n\
         jingzhun evaluate --year 2020 --no-save --format json",
    ),
    (
        "jingzhun whatif",
        "jingzhun whatif --pack 调整后政策包/ --year 2024 --area 5119 --show 50",
    ),
    (
        "jingzhun report",
        "jingzhun report summary --area 5119 --year 2020\n\
         jingzhun report tables --area 511902 --year 2024 --out 巴州区2024.xlsx",
    ),
    (
        "jingzhun report summary",
        "jingzhun report summary --area 5119 --year 2020         汇总表\n\
         jingzhun report summary --area 5119 --year 2020 --format json",
    ),
    (
        "jingzhun report catalogue",
        "jingzhun report catalogue\n\
         jingzhun report catalogue --format json",
    ),
    (
        "jingzhun report indicators",
        "jingzhun report indicators --area 5119 --year 2024 --by county\n\
         jingzhun report indicators --area 511902 --year 2024 --format xlsx --out 指标.xlsx",
    ),
    (
        "jingzhun report measures",
        "jingzhun report measures --area 5119 --year 2019\n\
         jingzhun report measures --area 5119 --year 2024 --line monitoring --by county",
    ),
    (
        "jingzhun report employment-leads",
        "jingzhun report employment-leads --area 511902 --year 2024\n\
         jingzhun report employment-leads --area 5119 --year 2024 --format json",
    ),
    (
        "jingzhun warnings",
        "jingzhun warnings --area 511902 --year 2024                  各类预警户数和前 50 条\n\
         jingzhun warnings --area 5119 --year 2024 --kind risk_elimination --format json\n\
         jingzhun warnings --area 511902 --format xlsx --out 预警清单.xlsx",
    ),
    (
        "jingzhun import economy",
        "jingzhun import economy 产业就业.xlsx --dry-run     只校验，不写入\n\
         jingzhun import economy 产业就业.xlsx",
    ),
    (
        "jingzhun export economy",
        "jingzhun export economy --area 511902 --out 产业就业_511902.xlsx\n\
         jingzhun export economy --area 5119 --year 2020",
    ),
    (
        "jingzhun projects",
        "jingzhun projects import-stats 统计局_农村居民收入.csv\n\
         jingzhun projects export --area 5119 --out 项目库.xlsx",
    ),
    (
        "jingzhun projects import-stats",
        "jingzhun projects import-stats 统计局_农村居民收入.csv     与登记数据分列显示",
    ),
    (
        "jingzhun projects export",
        "jingzhun projects export --area 511921 --out 通江县项目库.xlsx",
    ),
    (
        "jingzhun report annual",
        "jingzhun report annual --area 5119 --year 2023 --format html --out 巴中2023年度报告.html",
    ),
    (
        "jingzhun report tables",
        "jingzhun report tables --area 511902 --year 2024 --out 巴州区2024.xlsx",
    ),
    (
        "jingzhun report exit-assessment",
        "jingzhun report exit-assessment --county 511902 --year 2017 --approval 96.5",
    ),
    (
        "jingzhun serve",
        "jingzhun serve --db 巴中.db --bind 0.0.0.0:8080\n\
         jingzhun serve --db 巴中.db --secure-cookies     经 HTTPS 反向代理提供服务时",
    ),
    (
        "jingzhun accounts",
        "jingzhun accounts create --username admin --role admin --area 5119",
    ),
    (
        "jingzhun accounts create",
        "jingzhun accounts create --username admin --role admin --area 5119     自动生成密码\n\
         jingzhun accounts create --username bzq_xz --role township_reviewer --area 511902001",
    ),
    (
        "jingzhun import",
        "jingzhun import households 户籍表.xlsx --dry-run\n\
         jingzhun import monitoring 监测帮扶记录.xlsx --area 511902",
    ),
    (
        "jingzhun import households",
        "jingzhun import households 户籍表.xlsx --dry-run      只校验，不写入\n\
         jingzhun import households 户籍表.csv --year 2024 --effective 2024-06-30",
    ),
    (
        "jingzhun import monitoring",
        "jingzhun import monitoring 监测帮扶记录.xlsx --area 511902 --dry-run     只校验，不写入\n\
         jingzhun import monitoring 监测对象.csv --account bzq_xz              以该账号的所属区划为导入范围",
    ),
    (
        "jingzhun import monitoring-template",
        "jingzhun import monitoring-template 监测帮扶记录导入模板.xlsx     生成空白模板及填写说明",
    ),
    (
        "jingzhun export",
        "jingzhun export households --area 511902 --out 巴州区.xlsx --mask",
    ),
    (
        "jingzhun export households",
        "jingzhun export households --area 511902 --out 巴州区.xlsx --mask\n\
         jingzhun export households --area 5119 --status monitored --year 2024",
    ),
    (
        "jingzhun export parquet",
        "jingzhun export parquet --area 5119 --from 2019 --to 2024 --out 评估结果/",
    ),
    (
        "jingzhun check",
        "jingzhun check --area 511902 --year 2024 --out 问题清单.xlsx\n\
         jingzhun check --area 5119 --deaths 死亡名单.xlsx",
    ),
    (
        "jingzhun department",
        "jingzhun department compare 医保住院.xlsx --kind inpatient_cost --area 5119",
    ),
    (
        "jingzhun department compare",
        "jingzhun department compare 医保住院.xlsx --kind inpatient_cost --area 5119\n\
         jingzhun department compare 民政低保.csv --kind new_dibao --save    登记为风险线索",
    ),
];

/// Chinese placeholders for option values, by the option's id (`--as-of <日期>`).
const VALUE_NAMES: &[(&str, &str)] = &[
    ("db", "数据库"),
    ("actor", "操作人"),
    ("account", "账号"),
    ("area", "区划代码"),
    ("county", "县级区划代码"),
    ("code", "区划代码"),
    ("into", "区划代码"),
    ("year", "年度"),
    ("from", "年度"),
    ("to", "年度"),
    ("as_of", "日期"),
    ("effective", "日期"),
    ("format", "格式"),
    ("out", "文件"),
    ("report", "文件"),
    ("deaths", "文件"),
    ("file", "文件"),
    ("path", "文件"),
    ("paths", "文件"),
    ("pack", "政策包"),
    ("base", "政策包"),
    ("seed", "种子"),
    ("writers", "连接数"),
    ("scale", "规模"),
    ("defects", "比例"),
    ("data_end", "日期"),
    ("bind", "地址"),
    ("name", "名称"),
    ("reason", "依据"),
    ("level", "层级"),
    ("by", "层级"),
    ("expect_head", "链头哈希"),
    ("entity", "对象类型"),
    ("limit", "条数"),
    ("username", "用户名"),
    ("role", "角色"),
    ("password", "密码"),
    ("kind", "名单种类"),
    ("approval", "百分数"),
    ("line", "标准"),
    ("k", "临界值"),
    ("weights", "权重"),
    ("show", "户数"),
    ("status", "状态"),
    ("threads", "线程数"),
    ("batch", "批量"),
    ("pg_pool_size", "连接数"),
    ("pg_bulk_pool_size", "连接数"),
    ("heavy_limit", "个数"),
    ("read_db", "数据库"),
    ("live_area", "区划代码"),
    ("live_years", "年度"),
    ("years", "年度"),
    ("date", "日期"),
];

/// The parsed command line, or the process exits: help and version to standard output (code 0), a usage
/// error in Chinese to standard error (code 2).
pub fn parse() -> Cli {
    let matches = match command().try_get_matches() {
        Ok(m) => m,
        Err(err) => exit_with(&err),
    };
    match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => exit_with(&err),
    }
}

fn exit_with(err: &clap::Error) -> ! {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => err.exit(),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // The help of the command that needs a subcommand (already Chinese), on standard error.
            eprint!("{}", err.render());
            std::process::exit(2)
        }
        _ => {
            eprint!("{}", message(err));
            std::process::exit(2)
        }
    }
}

/// The whole command tree, dressed in Chinese.
pub fn command() -> Command {
    let root = Cli::command()
        .about("精准：建档立卡与防止返贫监测系统（登记、评估、监测帮扶与报表）")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .global(true)
                .display_order(999)
                .help("显示本说明：用法、选项和示例"),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本号"),
        );
    dress(root, "jingzhun")
}

fn dress(cmd: Command, path: &str) -> Command {
    let cmd = cmd.mut_args(dress_arg);
    let usage = usage_of(&cmd, path);
    let template = template_of(&cmd);
    let mut cmd = cmd.override_usage(usage).help_template(template);
    if let Some((_, example)) = EXAMPLES.iter().find(|(p, _)| *p == path) {
        let mut text = String::from("示例：\n");
        for line in example.lines() {
            let _ = writeln!(text, "  {}", line.trim_start());
        }
        cmd = cmd.after_help(text.trim_end().to_owned());
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = format!("{path} {name}");
        cmd = cmd.mut_subcommand(&name, |sub| dress(sub, &sub_path));
    }
    cmd
}

fn dress_arg(arg: Arg) -> Arg {
    if arg.get_id() == "help" || arg.get_id() == "version" {
        return arg;
    }
    let id = arg.get_id().as_str().to_owned();
    let mut notes: Vec<String> = Vec::new();
    let possible: Vec<PossibleValue> = arg.get_possible_values();
    if !possible.is_empty() && arg.get_action().takes_values() {
        let names: Vec<&str> = possible
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(PossibleValue::get_name)
            .collect();
        notes.push(format!("可选：{}", names.join("、")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        notes.push(format!("默认：{}", defaults.join("、")));
    }
    if let Some(env) = arg.get_env() {
        notes.push(format!("也可用环境变量 {}", env.to_string_lossy()));
    }
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    let help = if notes.is_empty() {
        help
    } else {
        format!("{help}（{}）", notes.join("；"))
    };
    let mut arg = arg.hide_env(true).help(help);
    if arg.is_global_set() {
        // --db and --actor after the command's own options.
        arg = arg.display_order(900);
    }
    if arg.get_action().takes_values() {
        arg = arg.hide_default_value(true).hide_possible_values(true);
        if let Some((_, name)) = VALUE_NAMES.iter().find(|(i, _)| *i == id) {
            arg = arg.value_name(*name);
        }
    }
    arg
}

/// `jingzhun report summary --area <区划代码> --year <年度> [选项]`: the path, the required options with
/// their values, the positional arguments, and what else may follow.
fn usage_of(cmd: &Command, path: &str) -> String {
    let mut parts = vec![path.to_owned()];
    let mut optional = false;
    for arg in cmd.get_arguments() {
        if arg.is_hide_set() {
            continue;
        }
        let value = placeholder(arg);
        if arg.is_positional() {
            if arg.is_required_set() {
                parts.push(format!("<{value}>"));
            } else {
                parts.push(format!("[{value}]"));
            }
        } else if arg.is_required_set() {
            parts.push(format!(
                "--{} <{value}>",
                arg.get_long().unwrap_or_default()
            ));
        } else if !arg.is_global_set() || arg.get_id() != "help" {
            optional = true;
        }
    }
    if optional {
        parts.push("[选项]".to_owned());
    }
    if cmd.has_subcommands() {
        parts.push("<子命令>".to_owned());
    }
    parts.join(" ")
}

fn placeholder(arg: &Arg) -> String {
    let name = arg
        .get_value_names()
        .and_then(|n| n.first())
        .map(ToString::to_string)
        .unwrap_or_else(|| arg.get_id().to_string());
    if matches!(arg.get_num_args(), Some(r) if r.max_values() > 1) {
        format!("{name}…")
    } else {
        name
    }
}

fn template_of(cmd: &Command) -> String {
    let mut t = String::from("{about-with-newline}\n用法：{usage}\n");
    if cmd.has_subcommands() {
        t.push_str("\n子命令：\n{subcommands}\n");
    }
    if cmd.get_positionals().next().is_some() {
        t.push_str("\n参数：\n{positionals}\n");
    }
    t.push_str("\n选项：\n{options}{after-help}");
    t
}

/// A usage error in Chinese: what is wrong, a suggestion when clap has one, the usage line and where to
/// read more.
pub fn message(err: &clap::Error) -> String {
    let text = |kind: ContextKind| match err.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join("、")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        Some(ContextValue::StyledStrs(v)) => Some(
            v.iter()
                .map(StyledStr::to_string)
                .collect::<Vec<_>>()
                .join("、"),
        ),
        Some(ContextValue::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let arg = text(ContextKind::InvalidArg).unwrap_or_default();
    let value = text(ContextKind::InvalidValue).unwrap_or_default();
    let mut out = String::from("错误：");
    match err.kind() {
        ErrorKind::UnknownArgument => {
            let _ = write!(out, "没有选项「{arg}」");
        }
        ErrorKind::InvalidSubcommand => {
            let sub = text(ContextKind::InvalidSubcommand).unwrap_or_default();
            let _ = write!(out, "没有子命令「{sub}」");
        }
        ErrorKind::InvalidValue => {
            if value.is_empty() {
                let _ = write!(out, "选项 {arg} 缺少取值");
            } else {
                let _ = write!(out, "选项 {arg} 的值「{value}」无效");
            }
            if let Some(valid) = text(ContextKind::ValidValue) {
                let _ = write!(out, "（可选：{valid}）");
            }
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(err)
                .map(|e| e.to_string())
                .unwrap_or_default();
            let _ = write!(
                out,
                "选项 {arg} 的值「{value}」无效：{}",
                value_problem(&why)
            );
        }
        ErrorKind::MissingRequiredArgument => {
            let _ = write!(out, "缺少必填项：{arg}");
        }
        ErrorKind::MissingSubcommand => {
            out.push_str("缺少子命令");
        }
        ErrorKind::ArgumentConflict => {
            let prior = text(ContextKind::PriorArg).unwrap_or_default();
            let _ = write!(out, "选项 {arg} 不能与 {prior} 同时使用");
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            let _ = write!(out, "选项 {arg} 的取值个数不对");
        }
        ErrorKind::NoEquals => {
            let _ = write!(out, "选项 {arg} 须用等号给值（如 {arg}=值）");
        }
        _ => {
            out.push_str("命令行有误");
            if !arg.is_empty() {
                let _ = write!(out, "：{arg}");
            }
        }
    }
    out.push('。');
    if let Some(s) = text(ContextKind::SuggestedArg)
        .or_else(|| text(ContextKind::SuggestedSubcommand))
        .or_else(|| text(ContextKind::SuggestedValue))
    {
        let _ = write!(out, "是不是要用「{s}」？");
    }
    out.push('\n');
    if let Some(usage) = text(ContextKind::Usage) {
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        let _ = writeln!(out, "\n用法：{usage}");
        let command = usage.split(" --").next().unwrap_or(usage);
        let command: Vec<&str> = command
            .split_whitespace()
            .take_while(|w| !w.starts_with('<') && !w.starts_with('['))
            .collect();
        let _ = writeln!(out, "查看说明和示例：{} --help", command.join(" "));
    }
    out
}

/// Rust's parse errors, in Chinese.
fn value_problem(why: &str) -> String {
    if why.contains("invalid digit")
        || why.contains("number too large")
        || why.contains("empty string")
    {
        "应为整数（如 2024）".to_owned()
    } else if why.contains("invalid float literal") {
        "应为数字（如 0.05）".to_owned()
    } else if why.contains("input contains invalid characters")
        || why.contains("premature end of input")
        || why.contains("input is out of range")
        || why.contains("trailing input")
    {
        "应为日期，格式 年-月-日（如 2024-06-30）".to_owned()
    } else if why.contains("invalid socket address") {
        "应为地址和端口（如 127.0.0.1:8080）".to_owned()
    } else {
        why.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_commands() -> Vec<(String, Command)> {
        fn walk(cmd: &Command, path: String, out: &mut Vec<(String, Command)>) {
            for sub in cmd.get_subcommands() {
                walk(sub, format!("{path} {}", sub.get_name()), out);
            }
            out.push((path, cmd.clone()));
        }
        let mut cmd = command();
        cmd.build();
        let mut out = Vec::new();
        walk(&cmd, "jingzhun".to_owned(), &mut out);
        out
    }

    #[test]
    fn every_command_has_a_chinese_description_and_an_example() {
        let mut missing = Vec::new();
        for (path, cmd) in all_commands() {
            if cmd.get_about().is_none() {
                missing.push(format!("{path}: 没有说明"));
            }
            if !EXAMPLES.iter().any(|(p, _)| *p == path) {
                missing.push(format!("{path}: 没有示例"));
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
        // No example for a command that does not exist.
        let paths: Vec<String> = all_commands().into_iter().map(|(p, _)| p).collect();
        for (p, _) in EXAMPLES {
            assert!(paths.iter().any(|q| q == p), "示例的命令不存在：{p}");
        }
    }

    #[test]
    fn every_option_is_explained() {
        let mut missing = Vec::new();
        for (path, cmd) in all_commands() {
            for arg in cmd.get_arguments() {
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                if help.trim().is_empty() || help.starts_with('（') {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "选项没有说明：{missing:#?}");
    }

    #[test]
    fn help_pages_have_no_english_left() {
        let english = [
            "Usage",
            "Options",
            "Arguments",
            "Commands",
            "Print help",
            "Print version",
            "[default",
            "[env",
            "[possible",
            "[OPTIONS]",
            "<COMMAND>",
        ];
        for (path, mut cmd) in all_commands() {
            let help = cmd.render_help().to_string();
            for word in english {
                assert!(
                    !help.contains(word),
                    "{path} --help 含有「{word}」：\n{help}"
                );
            }
            // Placeholders are Chinese: no `<AREA>`.
            let upper = help
                .split('<')
                .skip(1)
                .filter_map(|s| s.split('>').next())
                .find(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
            assert!(upper.is_none(), "{path}：英文占位符 <{upper:?}>");
            assert!(
                help.contains("用法：") && help.contains("示例："),
                "{path}:\n{help}"
            );
        }
    }

    #[test]
    fn help_text_uses_full_width_punctuation() {
        for (path, mut cmd) in all_commands() {
            let help = cmd.render_help().to_string();
            // The examples are commands, typed as they are; everything above them is Chinese text.
            let text = help.split("示例：").next().unwrap_or_default();
            let bad = jingzhun_core::text::half_width_in_chinese(text);
            assert!(bad.is_empty(), "{path} --help 有半角标点：{bad:#?}");
        }
    }

    #[test]
    fn usage_errors_are_chinese_with_a_suggestion() {
        let err = command()
            .try_get_matches_from(["jingzhun", "report", "sumary"])
            .unwrap_err();
        let m = message(&err);
        assert!(m.starts_with("错误：没有子命令「sumary」。"), "{m}");
        assert!(m.contains("是不是要用「summary」？"), "{m}");
        assert!(m.contains("查看说明和示例：jingzhun report --help"), "{m}");

        let err = command()
            .try_get_matches_from([
                "jingzhun", "report", "summary", "--area", "5119", "--year", "x",
            ])
            .unwrap_err();
        let m = message(&err);
        assert!(
            m.contains("选项 --year <年度> 的值「x」无效：应为整数"),
            "{m}"
        );
        assert!(!m.contains("invalid"), "{m}");

        let err = command()
            .try_get_matches_from(["jingzhun", "report", "summary", "--area", "5119"])
            .unwrap_err();
        let m = message(&err);
        assert!(m.contains("缺少必填项：--year <年度>"), "{m}");
        assert!(
            m.contains("用法：jingzhun report summary --area <区划代码> --year <年度> [选项]"),
            "{m}"
        );
    }
}
