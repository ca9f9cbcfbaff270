//! What a Chinese user reads: help in Chinese with examples, usage errors in Chinese, a missing database
//! file refused instead of created, one sentence for a year without a policy pack.

use crate::Workspace;
use assert_cmd::Command;

fn jingzhun(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("jingzhun")
        .expect("binary")
        .args(args)
        .env_remove("JINGZHUN_DB")
        .output()
        .expect("run")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_is_chinese_with_examples() {
    let out = jingzhun(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.contains("用法：jingzhun [选项] <子命令>"), "{help}");
    assert!(help.contains("子命令：") && help.contains("选项：") && help.contains("示例："));
    assert!(
        help.contains("-h, --help") && help.contains("显示本说明"),
        "{help}"
    );
    for english in ["Usage", "Options", "Commands", "Print help", "[default"] {
        assert!(!help.contains(english), "{english}: {help}");
    }

    let out = jingzhun(&["report", "summary", "-h"]);
    let help = text(&out.stdout);
    assert!(
        help.contains("用法：jingzhun report summary --area <区划代码> --year <年度> [选项]"),
        "{help}"
    );
    assert!(
        help.contains("--format <格式>") && help.contains("（默认：table）"),
        "{help}"
    );
    assert!(
        help.contains("示例：\n  jingzhun report summary --area 5119 --year 2020"),
        "{help}"
    );
}

#[test]
fn usage_errors_are_chinese() {
    // No subcommand: the help, on standard error, exit code 2.
    let out = jingzhun(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("用法：jingzhun [选项] <子命令>"));

    let out = jingzhun(&["report", "sumary"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("错误：没有子命令「sumary」。是不是要用「summary」？"),
        "{err}"
    );
    assert!(
        err.contains("查看说明和示例：jingzhun report --help"),
        "{err}"
    );

    let out = jingzhun(&["report", "summary", "--area", "5119", "--year", "二〇二〇"]);
    let err = text(&out.stderr);
    assert!(err.contains("的值「二〇二〇」无效：应为整数"), "{err}");

    let out = jingzhun(&["evaluate", "--as-of", "2020/12/31"]);
    let err = text(&out.stderr);
    assert!(err.contains("应为日期，格式 年-月-日"), "{err}");
    assert!(!err.to_lowercase().contains("error:"), "{err}");
}

#[test]
fn a_missing_database_file_is_refused_not_created() {
    let ws = Workspace::empty();
    let missing = ws.dir.path().join("巴中.db");
    let db = missing.display().to_string();
    for args in [
        vec!["report", "summary", "--area", "5119", "--year", "2020"],
        vec!["areas", "list"],
        vec!["audit", "verify"],
        vec!["serve", "--bind", "127.0.0.1:0"],
    ] {
        let mut full = vec!["--db", db.as_str()];
        full.extend(args.iter().copied());
        let out = jingzhun(&full);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("数据库文件「{db}」不存在"))
                && err.contains("jingzhun init --db"),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "one sentence: {err}");
        assert!(!missing.exists(), "{args:?} created the file");
    }
    // `init` creates it.
    let out = jingzhun(&["--db", &db, "init", "--no-areas"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(missing.exists());
}

#[test]
fn a_year_without_a_policy_pack_is_one_sentence() {
    let ws = Workspace::initialised();
    for args in [
        vec!["report", "summary", "--area", "5119", "--year", "2030"],
        vec!["evaluate", "--year", "2030", "--area", "5119"],
        vec!["policy", "show", "--year", "2030"],
    ] {
        let out = ws.cmd(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert_eq!(
            err.trim_end(),
            "错误：2030 年没有政策包：现有政策包只有 2013–2026 年的参数，2030 年的参数须先写入政策包文件，再用 --pack 指定",
            "{args:?}"
        );
    }
}

#[test]
fn an_unknown_format_is_refused_before_any_work() {
    let ws = Workspace::initialised();
    let out = ws
        .cmd(&[
            "report", "summary", "--area", "5119", "--year", "2020", "--format", "xml",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim_end(),
        "错误：不支持的输出格式「xml」（可选 table、json）"
    );
}
