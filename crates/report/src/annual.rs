//! The annual review of an area, in Chinese, in the shape of the city's published review (Bazhong, January
//! 2021): overall situation, results of poverty alleviation, the guarantees, monitoring, figures by county,
//! poverty measures, and where the figures come from. Every number is computed (from the
//! [`SummarySeries`], an [`IndicatorTable`] and the measures); nothing is typed in.
//!
//! The report is built as a small [`Document`] and rendered to Markdown or to HTML (with a print style
//! sheet, so that a browser's "print to PDF" gives an A4 document).

use std::fmt::Write as _;

use jingzhun_core::{AssistanceType, Channel, MonitoringKind};

use crate::indicators::{catalogue, format_value, IndicatorTable, Unit};
use crate::population::IncomeMeasures;
use crate::summary::{Summary, SummarySeries};

/// Where the published numbers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub pack_version: String,
    pub pack_hash: String,
    /// The newest record read from the registry.
    pub data_time: String,
    pub as_of: chrono::NaiveDate,
    /// `jingzhun <version>`.
    pub code_version: String,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
    List(Vec<String>),
    /// Header row, then rows; columns after the first are right-aligned.
    Table(Vec<String>, Vec<Vec<String>>),
    /// Small print at the end.
    Footer(Vec<String>),
}

/// A report as blocks, rendered by [`Document::markdown`] and [`Document::html`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const PRINT_CSS: &str = "body{font-family:\"Noto Serif CJK SC\",\"Source Han Serif SC\",\"SimSun\",serif;max-width:46em;margin:2em auto;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:1.6em}\
table{border-collapse:collapse;width:100%;margin:.8em 0;font-size:.9em}th,td{border:1px solid #888;padding:.25em .5em}\
th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}\
footer{margin-top:2em;font-size:.8em;color:#444;border-top:1px solid #999}\
@page{size:A4;margin:2cm}@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}";

impl Provenance {
    /// The pack version with its hash (once, even if the version names it).
    pub fn pack_label(&self) -> String {
        let hash = self.pack_hash.get(..12).unwrap_or(&self.pack_hash);
        if self.pack_version.contains(hash) {
            self.pack_version.clone()
        } else {
            format!("{} (哈希 {hash})", self.pack_version)
        }
    }
}

impl Document {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Title(t) => {
                    let _ = writeln!(out, "# {t}\n");
                }
                Block::Heading(t) => {
                    let _ = writeln!(out, "## {t}\n");
                }
                Block::Paragraph(t) => {
                    let _ = writeln!(out, "{t}\n");
                }
                Block::List(items) => {
                    for i in items {
                        let _ = writeln!(out, "- {i}");
                    }
                    out.push('\n');
                }
                Block::Table(head, rows) => {
                    let _ = writeln!(out, "| {} |", head.join(" | "));
                    let align: Vec<&str> = (0..head.len())
                        .map(|i| if i == 0 { "---" } else { "---:" })
                        .collect();
                    let _ = writeln!(out, "|{}|", align.join("|"));
                    for r in rows {
                        let _ = writeln!(out, "| {} |", r.join(" | "));
                    }
                    out.push('\n');
                }
                Block::Footer(lines) => {
                    out.push_str("---\n\n");
                    for l in lines {
                        let _ = writeln!(out, "{l}  ");
                    }
                }
            }
        }
        out
    }

    /// A complete HTML page (`lang="zh-CN"`, print style sheet for A4).
    pub fn html(&self) -> String {
        let title = self
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Title(t) => Some(t.as_str()),
                _ => None,
            })
            .unwrap_or("报告");
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{PRINT_CSS}</style>\n</head>\n<body>\n",
            escape(title)
        );
        for block in &self.blocks {
            match block {
                Block::Title(t) => {
                    let _ = writeln!(out, "<h1>{}</h1>", escape(t));
                }
                Block::Heading(t) => {
                    let _ = writeln!(out, "<h2>{}</h2>", escape(t));
                }
                Block::Paragraph(t) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(t));
                }
                Block::List(items) => {
                    out.push_str("<ul>\n");
                    for i in items {
                        let _ = writeln!(out, "<li>{}</li>", escape(i));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table(head, rows) => {
                    out.push_str("<table>\n<thead><tr>");
                    for h in head {
                        let _ = write!(out, "<th>{}</th>", escape(h));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for r in rows {
                        out.push_str("<tr>");
                        for (i, c) in r.iter().enumerate() {
                            let class = if i == 0 { "" } else { " class=\"n\"" };
                            let _ = write!(out, "<td{class}>{}</td>", escape(c));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
                Block::Footer(lines) => {
                    out.push_str("<footer>\n");
                    for l in lines {
                        let _ = writeln!(out, "<p>{}</p>", escape(l));
                    }
                    out.push_str("</footer>\n");
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn int(x: i64) -> String {
    crate::indicators::thousands(x)
}

fn yuan(x: Option<f64>) -> String {
    x.map(|v| format!("{} 元", int(v.round() as i64)))
        .unwrap_or_else(|| "无收入记录".to_owned())
}

/// What the annual report is built from.
#[derive(Debug, Clone, Copy)]
pub struct AnnualInputs<'a> {
    pub series: &'a SummarySeries,
    pub year: u16,
    /// The area itself and its child areas (first row: the area).
    pub indicators: &'a IndicatorTable,
    pub measures: Option<&'a IncomeMeasures>,
    pub provenance: &'a Provenance,
}

/// The annual review; `None` if the series lacks the year.
pub fn annual(input: AnnualInputs<'_>) -> Option<Document> {
    let s = input.series.summary(input.year)?;
    let first_year = input.series.years().next()?;
    let base = input.series.summary(first_year)?;
    let prev = input
        .year
        .checked_sub(1)
        .and_then(|y| input.series.summary(y));
    let table = input.indicators;
    let get = |code: &str| table.get(&s.area, code);
    let mut d = Document::default();
    d.blocks.push(Block::Title(format!(
        "{}{}年脱贫攻坚与防止返贫监测工作情况",
        s.area_name, s.year
    )));
    d.blocks.push(Block::Paragraph(format!(
        "本报告数据截至 {},全部数字由登记数据按政策包规则计算得出,非人工填报。",
        s.as_of.format("%Y年%-m月%-d日")
    )));

    d.blocks.push(Block::Heading("一、基本情况".to_owned()));
    d.blocks.push(Block::Paragraph(overview(&s, &base)));

    d.blocks.push(Block::Heading("二、脱贫攻坚成效".to_owned()));
    let mut items = vec![
        format!(
            "{} 年以来累计脱贫 {} 人;本年度脱贫 {} 户 {} 人。",
            crate::summary::FIRST_EXIT_YEAR,
            int(s.lifted_people_cumulative),
            int(get("exited_in_year_households").unwrap_or(0.0) as i64),
            int(get("exited_in_year_people").unwrap_or(0.0) as i64),
        ),
        format!(
            "贫困发生率未达村退出标准的村由 {} 年末的 {} 个减至本年末的 {} 个(按各村贫困发生率计算);累计 {} 个县(区)达到摘帽条件。",
            base.year,
            int(i64::from(base.poor_villages)),
            int(i64::from(s.poor_villages)),
            s.counties_exited
        ),
        income_sentence(&s, &base, prev.as_ref()),
        format!(
            "易地扶贫搬迁 {} 户 {} 人。",
            int(s.relocated_households),
            int(s.relocated_people)
        ),
        format!(
            "农村低保对象 {} 人,其中建档立卡人口 {} 人;特困供养人员 {} 人。",
            int(s.dibao_people),
            int(s.dibao_registered_poor_people),
            int(get("tekun_people").unwrap_or(0.0) as i64)
        ),
    ];
    if let Some(median) = get("income_median.all") {
        items.push(format!(
            "农村居民人均纯收入均值 {},中位数 {}。",
            yuan(get("income_mean.all")),
            yuan(Some(median))
        ));
    }
    d.blocks.push(Block::List(items));
    d.blocks.push(Block::Table(
        [
            "年度",
            "年末贫困人口(人)",
            "贫困发生率",
            "当年脱贫人口(人)",
            "未达退出标准的村(个)",
            "监测户(户)",
        ]
        .map(str::to_owned)
        .to_vec(),
        yearly_rows(input.series, s.year),
    ));

    d.blocks
        .push(Block::Heading("三、“两不愁三保障”及饮水安全".to_owned()));
    let rows = catalogue()
        .iter()
        .filter(|i| i.code.starts_with("guarantee_coverage."))
        .map(|i| {
            vec![
                i.name.trim_end_matches("达标率").to_owned(),
                format_value(i.unit, get(&i.code)),
            ]
        })
        .collect();
    d.blocks.push(Block::Table(
        vec!["保障项目".to_owned(), "达标农户占比".to_owned()],
        rows,
    ));

    d.blocks
        .push(Block::Heading("四、防止返贫监测和帮扶".to_owned()));
    let kinds = jingzhun_core::MonitoringKind::ALL
        .iter()
        .map(|k| {
            let n = s.monitored_by_kind.get(k.code()).copied().unwrap_or(0);
            format!("{} {} 户", k.label(), int(n))
        })
        .collect::<Vec<_>>()
        .join("、");
    let mut monitoring = vec![
        format!(
            "年末在监测 {} 户 {} 人,其中{}。",
            int(s.monitored_households),
            int(s.monitored_people),
            kinds
        ),
        format!(
            "累计消除风险 {} 户 {} 人。",
            int(get("risk_eliminated_households").unwrap_or(0.0) as i64),
            int(s.risk_eliminated_people)
        ),
        format!(
            "按规则建议新纳入监测 {} 户;疑似返贫 {} 户;疑似错退 {} 户;疑似漏评 {} 户(均为规则建议, 待核实认定)。",
            int(get("monitoring_candidate_households").unwrap_or(0.0) as i64),
            int(get("return_suspect_households").unwrap_or(0.0) as i64),
            int(get("wrong_exit_suspect_households").unwrap_or(0.0) as i64),
            int(get("omission_suspect_households").unwrap_or(0.0) as i64),
        ),
    ];
    let risks: Vec<String> = catalogue()
        .iter()
        .filter(|i| i.code.starts_with("monitored_households.risk."))
        .filter_map(|i| {
            let n = get(&i.code)? as i64;
            let label = i.name.trim_start_matches("监测户: 风险");
            (n > 0).then(|| format!("{label} {} 户", int(n)))
        })
        .collect();
    if !risks.is_empty() {
        monitoring.push(format!(
            "监测户的风险类型(一户可有多种):{}。",
            risks.join("、")
        ));
    }
    if let (Some(h), Some(p)) = (get("returned_households"), get("returned_people")) {
        monitoring.push(format!(
            "本年度认定返贫 {} 户 {} 人。",
            int(h as i64),
            int(p as i64)
        ));
    }
    match get("identification_cases_decided") {
        Some(n) if n > 0.0 => monitoring.push(format!(
            "本年度县级审定监测对象识别案件 {} 件,从线索登记到审定平均用时 {:.1} 天,{} 在规定时限内完成。",
            int(n as i64),
            get("lead_to_decision_days").unwrap_or(0.0),
            get("decided_within_limit").map(pct).unwrap_or_else(|| "-".to_owned())
        )),
        _ => monitoring.push("本年度没有经监测工作流审定的识别案件。".to_owned()),
    }
    if let Some(sentence) = case_sentence(&get) {
        monitoring.push(sentence);
    }
    if let Some(sentence) = measure_sentence(&get) {
        monitoring.push(sentence);
    }
    d.blocks.push(Block::List(monitoring));

    let children: Vec<_> = table.rows.iter().filter(|r| r.code != s.area).collect();
    if !children.is_empty() {
        d.blocks.push(Block::Heading("五、分区域情况".to_owned()));
        let cols = [
            "rural_population",
            "poor_people",
            "incidence",
            "exited_in_year_people",
            "monitored_households",
            "income_mean.all",
        ];
        let mut head = vec!["区域".to_owned()];
        let defs: Vec<_> = cols
            .iter()
            .filter_map(|c| crate::indicators::indicator(c))
            .collect();
        head.extend(defs.iter().map(|i| header(i.name.as_str(), i.unit)));
        let mut rows = Vec::new();
        for r in children {
            let mut row = vec![r.name.clone()];
            for i in &defs {
                row.push(format_value(i.unit, table.get(&r.code, &i.code)));
            }
            rows.push(row);
        }
        d.blocks.push(Block::Table(head, rows));
    }

    if let Some(m) = input.measures {
        d.blocks.push(Block::Heading("六、贫困测度".to_owned()));
        let t = &m.decomposition.total;
        d.blocks.push(Block::Paragraph(format!(
            "按{}({} 元)计算,覆盖有收入记录的 {} 人:",
            m.line_kind.label(),
            int(m.line.round() as i64),
            int(t.population.round() as i64)
        )));
        d.blocks.push(Block::Table(
            vec!["测度".to_owned(), "数值".to_owned()],
            vec![
                vec!["贫困发生率 FGT0".to_owned(), pct(t.headcount)],
                vec!["贫困距 FGT1".to_owned(), format!("{:.4}", t.gap)],
                vec!["贫困强度 FGT2".to_owned(), format!("{:.4}", t.severity)],
                vec!["Watts 指数".to_owned(), format!("{:.4}", t.watts)],
                vec!["基尼系数".to_owned(), format!("{:.4}", t.gini)],
                vec!["Sen 指数".to_owned(), format!("{:.4}", t.sen)],
            ],
        ));
    }

    let unavailable: Vec<String> = catalogue()
        .iter()
        .filter_map(|i| i.unavailable.map(|why| format!("{}:{why}", i.name)))
        .collect();
    if !unavailable.is_empty() {
        d.blocks
            .push(Block::Heading("七、暂不能计算的指标".to_owned()));
        d.blocks.push(Block::List(unavailable));
    }

    let p = input.provenance;
    d.blocks.push(Block::Footer(vec![
        format!("政策包:{}", p.pack_label()),
        format!("数据时间:{}(按 {} 的状态评估)", p.data_time, p.as_of),
        format!("程序版本:{}", p.code_version),
    ]));
    Some(d)
}

/// The year's leads by channel, identifications by kind, the median time to a decision, eliminations and
/// the cases still open; `None` when no cases were given.
fn case_sentence(get: &dyn Fn(&str) -> Option<f64>) -> Option<String> {
    let count = |code: &str| get(code).map(|v| int(v as i64));
    let channels = Channel::ALL
        .iter()
        .map(|c| {
            let n = count(&format!("leads.{}", c.code()))?;
            Some(format!("{} {n} 件", c.label()))
        })
        .collect::<Option<Vec<_>>>()?
        .join("、");
    let kinds = MonitoringKind::ALL
        .iter()
        .map(|k| {
            let n = count(&format!("identified.{}", k.code()))?;
            Some(format!("{} {n} 户", k.label()))
        })
        .collect::<Option<Vec<_>>>()?
        .join("、");
    // Nothing to say in a year without cases (before the monitoring years, say).
    let any = ["leads_rejected", "elimination_cases_decided", "cases_open"]
        .iter()
        .chain(&["identification_cases_decided"])
        .any(|c| get(c).is_some_and(|v| v > 0.0))
        || Channel::ALL
            .iter()
            .any(|c| get(&format!("leads.{}", c.code())).is_some_and(|v| v > 0.0));
    if !any {
        return None;
    }
    let median = get("lead_to_decision_median_days")
        .map(|d| format!(",从线索到认定用时中位数 {d:.1} 天"))
        .unwrap_or_default();
    Some(format!(
        "本年度登记监测线索:{channels};认定监测对象:{kinds}{median};未通过 {} 件。审定风险消除 {} 件。年末在办案件 {} 件,其中超过识别时限 {} 件。",
        count("leads_rejected")?,
        count("elimination_cases_decided")?,
        count("cases_open")?,
        count("cases_overdue")?,
    ))
}

/// Households with running assistance measures, by kind, and the coverage of monitored households; `None`
/// when no measures were given.
fn measure_sentence(get: &dyn Fn(&str) -> Option<f64>) -> Option<String> {
    let households = get("assistance_measures")?;
    let kinds: Vec<String> = AssistanceType::ALL
        .iter()
        .filter_map(|k| {
            let n = get(&format!("assistance_measures.{}", k.code()))? as i64;
            (n > 0).then(|| format!("{} {} 户", k.label(), int(n)))
        })
        .collect();
    let coverage = get("assistance_coverage")
        .map(|c| format!(";监测户帮扶措施覆盖率 {}", pct(c)))
        .unwrap_or_default();
    Some(format!(
        "年末有帮扶措施在实施的农户 {} 户{}{coverage}。",
        int(households as i64),
        if kinds.is_empty() {
            String::new()
        } else {
            format!("(一户可有多类措施:{})", kinds.join("、"))
        },
    ))
}

/// One row per year of the series up to `last`: stock, incidence, exits of the year (the difference of the
/// cumulative figure), villages, monitored households.
fn yearly_rows(series: &SummarySeries, last: u16) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut before: Option<i64> = None;
    for y in series.years().filter(|y| *y <= last) {
        let Some(s) = series.summary(y) else { continue };
        let exited = if y < crate::summary::FIRST_EXIT_YEAR {
            "-".to_owned()
        } else {
            int(s.lifted_people_cumulative - before.unwrap_or(0))
        };
        before = Some(s.lifted_people_cumulative);
        rows.push(vec![
            format!("{y}"),
            int(s.poor_people),
            pct(s.incidence),
            exited,
            int(i64::from(s.poor_villages)),
            int(s.monitored_households),
        ]);
    }
    rows
}

fn header(name: &str, unit: Unit) -> String {
    match unit {
        Unit::Rate => name.to_owned(),
        u => format!("{name}({})", u.label()),
    }
}

fn overview(s: &Summary, base: &Summary) -> String {
    let mut t = format!(
        "{}共有农村户籍人口 {} 人。{} 年末建档立卡贫困户 {} 户 {} 人,贫困发生率 {}",
        s.area_name,
        int(s.rural_population),
        s.year,
        int(s.poor_households),
        int(s.poor_people),
        pct(s.incidence)
    );
    if base.year < s.year {
        let _ = write!(
            t,
            ";{} 年末为 {} 人,贫困发生率 {}",
            base.year,
            int(base.poor_people),
            pct(base.incidence)
        );
    }
    t.push('。');
    t
}

fn income_sentence(s: &Summary, base: &Summary, prev: Option<&Summary>) -> String {
    let now = s.registered_poor_income_per_capita;
    let mut t = format!("建档立卡户人均纯收入 {}", yuan(now));
    if let (Some(a), Some(b)) = (base.registered_poor_income_per_capita, now) {
        if base.year < s.year && a > 0.0 {
            let _ = write!(
                t,
                ",较 {} 年的 {}增长 {:.1}%",
                base.year,
                yuan(Some(a)),
                (b / a - 1.0) * 100.0
            );
        }
    }
    if let (Some(p), Some(b)) = (prev.and_then(|p| p.registered_poor_income_per_capita), now) {
        if p > 0.0 && prev.is_some_and(|x| x.year != base.year) {
            let _ = write!(t, ",比上年增长 {:.1}%", (b / p - 1.0) * 100.0);
        }
    }
    t.push('。');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_has_print_css() {
        let d = Document {
            blocks: vec![
                Block::Title("<script>".into()),
                Block::Table(
                    vec!["a".into(), "b".into()],
                    vec![vec!["x&y".into(), "1".into()]],
                ),
            ],
        };
        let h = d.html();
        assert!(h.contains("&lt;script&gt;") && !h.contains("<script>"));
        assert!(h.contains("@page{size:A4"));
        assert!(h.contains("<td class=\"n\">1</td>"));
        assert_eq!(
            d.markdown(),
            "# <script>\n\n| a | b |\n|---|---:|\n| x&y | 1 |\n\n"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(int(494_300), "494,300");
        assert_eq!(int(-1_000), "-1,000");
        assert_eq!(int(12), "12");
    }
}
