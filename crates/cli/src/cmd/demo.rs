//! `jingzhun demo`: the one-command tour. Generates Bazhong at full scale into the embedded SQLite file
//! (once; reused afterwards), evaluates every year, prints the summary beside the published figures, creates
//! one demo account per role and level, and starts the web application.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaLevel, AreaTree};
use jingzhun_engine::{Engine, Evaluation};
use jingzhun_loader::snapshot::{self, WorkflowFacts};
use jingzhun_loader::{year_end, SideIndex, YearLoaded};
use jingzhun_policy::{PolicyPack, ProposalKind};
use jingzhun_report::economy::HouseholdTally;
use jingzhun_report::summary::{Summary, SummarySeries, BAZHONG_PUBLISHED};
use jingzhun_store::{Actor, Store, StoredHistory};
use jingzhun_synth::SynthConfig;
use jingzhun_web::Role;

use super::{progress, synth, table};

/// The years of the story: the registry's baseline, the end of poverty alleviation, and the monitoring years.
pub const FIRST_YEAR: u16 = jingzhun_loader::FIRST_YEAR;
/// The demo's data runs to the current year (its income round under way).
const LAST_YEAR: u16 = jingzhun_synth::calibration::LAST_YEAR;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 只生成、评估并打印汇总，不启动网页应用
    #[arg(long)]
    pub no_serve: bool,
    /// 网页应用监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// 规模（1 为巴中市实际人口）
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// 随机种子（同一种子生成的数据相同）
    #[arg(long, default_value_t = 2014)]
    pub seed: u64,
    /// 以 JSON 输出汇总（每年一个对象）
    #[arg(long)]
    pub json: bool,
}

pub fn run(store: Store, actor: &Actor, args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let city = jingzhun_synth::bazhong();
    if store.area_tree()?.is_empty() {
        let areas = jingzhun_io::sichuan().context("随附的四川省区划数据损坏")?;
        store.upsert_areas(&areas, actor, "演示：载入四川省行政区划")?;
    }
    let tree = store.area_tree()?;
    // The labour force in work in the economy's year; what the rules propose from the measures and saved
    // department findings, per year.
    let mut labour = None;
    let mut proposals = Vec::new();
    let mut hook = |engine: &Engine, eval: &Evaluation| {
        if engine.year() == ECONOMY_YEAR {
            labour = Some(super::economy::labour_of(engine, eval));
        }
        let total = eval.total();
        proposals.push((
            eval.year,
            total.proposals_of(ProposalKind::RiskElimination),
            total.alert_households,
        ));
    };
    // The economy's household tallies as generated (a first run): nothing to read back.
    let mut tallies = None;
    let series = if store.count_households(&city)? == 0 {
        // The data ends today (China time): nothing dated later, the open cases' time limits running
        // from today. The synthetic data has no year after 2026: run later, it ends on 2026-12-31.
        let today = jingzhun_synth::monitoring::china_date(chrono::Utc::now());
        let data_end = jingzhun_synth::data_end_on(today);
        eprintln!(
            "首次运行：生成巴中市演示数据（规模 {}，种子 {}，数据截止于 {data_end}） ...",
            args.scale, args.seed
        );
        if data_end != today {
            eprintln!(
                "注意：今天（{today}）不在合成数据的最后一年（{} 年）内，数据截止于 {data_end}；\
                 按今天计，届时在办的监测事项多已超过办理时限",
                jingzhun_synth::calibration::LAST_YEAR
            );
        }
        let config = SynthConfig {
            seed: args.seed,
            area: city,
            scale: args.scale,
            defect_rate: 0.0,
            data_end,
        };
        let (generated, loaded) = generate_and_feed(&store, actor, config, &tree, &years())?;
        // What was written: the households, the monitoring and project records, the economy records.
        for line in generated.report.lines().take(3) {
            eprintln!("{line}");
        }
        eprintln!(
            "生成、写入并装载 {} 个年度共 {:.1} 秒（{}）",
            loaded.len(),
            started.elapsed().as_secs_f64(),
            generated.steps
        );
        let saving = Instant::now();
        let series = save_generated(&store, &tree, &city, loaded, &generated.tallies, &mut hook)?;
        eprintln!(
            "逐年评估并保存快照 {:.1} 秒",
            saving.elapsed().as_secs_f64()
        );
        tallies = Some(generated.tallies);
        series
    } else {
        eprintln!(
            "使用已有的演示数据（{} 户，数据截止于首次生成之日）；删除数据库文件可按今天的日期重新生成",
            store.count_households(&city)?
        );
        evaluate_years_saving(&store, &tree, &city, LAST_YEAR, true, &mut hook)?
    };
    let figures_started = Instant::now();
    let economy = match (labour, &tallies) {
        (Some(l), Some(t)) => Some(super::economy::figures_tallied(
            &store,
            &city,
            ECONOMY_YEAR,
            l,
            t,
        )?),
        (Some(l), None) => Some(super::economy::figures(&store, &city, ECONOMY_YEAR, l)?),
        (None, _) => None,
    };
    let economy_secs = figures_started.elapsed().as_secs_f64();
    let figures_started = Instant::now();
    let mut summaries: Vec<Summary> = series.years().filter_map(|y| series.summary(y)).collect();
    // What was built, what it cost and who did the work, as of each year's end.
    let records = store.project_records_within(&city)?;
    let cadres = store.cadres_within(&city)?;
    for s in &mut summaries {
        s.projects = Some(
            jingzhun_report::projects::ProjectDetails::compute(&records, &cadres, &city, s.as_of)
                .figures,
        );
    }
    eprintln!(
        "产业就业数字 {economy_secs:.1} 秒，项目数字 {:.1} 秒",
        figures_started.elapsed().as_secs_f64()
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summaries)?);
    } else {
        print_summary(&series, args.scale);
        // What the rules propose from the measures and saved department findings (the bulk evaluation
        // reads them like the household page does).
        let line: Vec<String> = proposals
            .iter()
            .filter(|(y, ..)| *y >= 2020)
            .map(|(y, re, alert)| format!("{y} 年 {re}/{alert}"))
            .collect();
        eprintln!("符合风险消除条件户/部门预警户：{}", line.join("，"));
        if let Some(e) = &economy {
            print_economy(e);
        }
        if let Some(end) = summaries.iter().find(|s| s.year == 2020) {
            print_projects(end);
        }
    }
    eprintln!(
        "用时 {:.1} 秒（含生成、读取与 {} 个年度的评估）",
        started.elapsed().as_secs_f64(),
        summaries.len()
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let store = Arc::new(store);
    create_demo_accounts(&store, &tree, &city)?;
    super::serve::serve(store, args.bind, false)?;
    Ok(ExitCode::SUCCESS)
}

/// Evaluates every year from 2013 to `last_year` and collects the area's summary series: from the years'
/// snapshots when every one is fresh, else from the registry read once into one engine per year
/// ([`evaluate::load_years`]).
/// Shows `each` every year's engine with its evaluation.
pub fn evaluate_years_with(
    store: &Store,
    tree: &AreaTree,
    city: &AreaCode,
    last_year: u16,
    each: &mut dyn FnMut(&Engine, &Evaluation),
) -> anyhow::Result<SummarySeries> {
    evaluate_years_saving(store, tree, city, last_year, false, each)
}

/// [`evaluate_years_with`]; with `save`, the years read from the registry are kept as snapshots.
fn evaluate_years_saving(
    store: &Store,
    tree: &AreaTree,
    city: &AreaCode,
    last_year: u16,
    save: bool,
    each: &mut dyn FnMut(&Engine, &Evaluation),
) -> anyhow::Result<SummarySeries> {
    let pack = PolicyPack::builtin();
    super::policy::require_year(&pack, last_year)?;
    let years: Vec<u16> = (FIRST_YEAR..=last_year.max(FIRST_YEAR)).collect();
    let pack = PolicyPack::builtin();
    let mut fresh = Vec::new();
    for y in &years {
        match snapshot::fresh(store, city, *y, year_end(*y))? {
            Ok(info) => fresh.push(info),
            Err(why) => {
                // A missing snapshot is no news (the years are read and kept below); a stale one is.
                if matches!(why, snapshot::Staleness::Changed { .. }) {
                    eprintln!("{}", why.text());
                }
                break;
            }
        }
    }
    if fresh.len() == years.len() {
        let name = tree.get(city).map(|a| a.name.clone()).unwrap_or_default();
        let mut series = SummarySeries::new(*city, name);
        for info in &fresh {
            // The whole engine, not only its stored counts: `each` may read the households (the economy's
            // labour force in work).
            let restored = snapshot::restore(store, tree, info.clone())?;
            let eval = restored.engine.evaluate(&pack)?;
            series.add(&restored.engine, &eval);
            each(&restored.engine, &eval);
        }
        return Ok(series);
    }
    let data_seq = store.data_seq()?;
    let started = Instant::now();
    let loaded = jingzhun_loader::load_years_with_facts(
        store,
        tree,
        city,
        &years,
        &mut |_| {},
        &mut progress::Bars::default(),
    )?;
    if save {
        let read = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let series = save_years(store, tree, city, loaded, data_seq, each)?;
        eprintln!(
            "读取并装载 {} 个年度 {read:.1} 秒，逐年评估并保存快照 {:.1} 秒",
            years.len(),
            started.elapsed().as_secs_f64()
        );
        Ok(series)
    } else {
        let name = tree.get(city).map(|a| a.name.clone()).unwrap_or_default();
        let mut series = SummarySeries::new(*city, name);
        for l in &loaded {
            let eval = l.engine.evaluate(&pack)?;
            series.add(&l.engine, &eval);
            each(&l.engine, &eval);
        }
        Ok(series)
    }
}

/// The years the demo evaluates: 2013 to the current year of the data.
fn years() -> Vec<u16> {
    (FIRST_YEAR..=LAST_YEAR).collect()
}

/// Generates `config` into the store and feeds every household, as the store hands it back written (ids,
/// versions, recording times) with its measures and department findings, to one engine per year of `years`
/// ([`jingzhun_loader::feed_histories`], the code the store's read-back goes through): the engines hold
/// what [`jingzhun_loader::load_years_with_facts`] would read back, without reading it.
pub fn generate_and_feed(
    store: &Store,
    actor: &Actor,
    config: SynthConfig,
    tree: &AreaTree,
    years: &[u16],
) -> anyhow::Result<(synth::Generated, Vec<YearLoaded>)> {
    let area = config.area;
    let mut loaded = YearLoaded::empty(tree, years);
    let generated = std::thread::scope(|scope| -> anyhow::Result<synth::Generated> {
        // Feeding runs beside writing (the engines in parallel); a few batches wait at most.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<StoredHistory>, SideIndex)>(4);
        let engines = &mut loaded;
        let feeder = scope.spawn(move || {
            for (batch, side) in rx {
                jingzhun_loader::feed_histories(engines, batch, &area, &side);
            }
        });
        // Owns the sender: dropped after generating, which ends the feeder's loop.
        let mut send = move |batch: Vec<StoredHistory>, side: SideIndex| {
            // The feeder only stops early if it panicked; the join below reports that.
            let _ = tx.send((batch, side));
        };
        let generated = synth::generate_into_then(store, actor, config, Some(&mut send));
        drop(send);
        let waited = Instant::now();
        if feeder.join().is_err() {
            anyhow::bail!("装载评估引擎的线程异常退出");
        }
        eprintln!(
            "（写完后等待装载 {:.1} 秒）",
            waited.elapsed().as_secs_f64()
        );
        generated
    })?;
    Ok((generated, loaded))
}

/// Evaluates the years just generated and fed ([`generate_and_feed`]) and keeps their snapshots with the
/// monitoring workflow, the visits and the economy's household tallies beside (what `evaluate` keeps),
/// so that a report of any of these years reads nothing else. `tallies`: the households' links and
/// employment as generated.
fn save_generated(
    store: &Store,
    tree: &AreaTree,
    city: &AreaCode,
    mut loaded: Vec<YearLoaded>,
    tallies: &[HouseholdTally],
    each: &mut dyn FnMut(&Engine, &Evaluation),
) -> anyhow::Result<SummarySeries> {
    // Read after everything was written: the snapshots are fresh until the next change.
    let data_seq = store.data_seq()?;
    let started = Instant::now();
    let leads = jingzhun_loader::lead_cases(store, city).context("读取监测事项失败")?;
    // Every year's running measures and visits in one read each: the city's scan took 1–2 s whatever the
    // date, fourteen times over (47 s of the first run at full scale) before.
    let dates: Vec<NaiveDate> = loaded.iter().map(|l| l.engine.as_of()).collect();
    let read = WorkflowFacts::read_beside_on(store, city, &dates, &leads, tallies)
        .context("读取帮扶措施和走访记录失败")?;
    eprintln!(
        "（读取各年度的监测事项、帮扶措施与走访 {:.1} 秒）",
        started.elapsed().as_secs_f64()
    );
    // Read in the order of `loaded`, one per year.
    for (l, facts) in loaded.iter_mut().zip(read) {
        l.facts.workflow = Some(facts);
    }
    save_years(store, tree, city, loaded, data_seq, each)
}

fn save_years(
    store: &Store,
    tree: &AreaTree,
    city: &AreaCode,
    loaded: Vec<YearLoaded>,
    data_seq: i64,
    each: &mut dyn FnMut(&Engine, &Evaluation),
) -> anyhow::Result<SummarySeries> {
    let pack = PolicyPack::builtin();
    let name = tree.get(city).map(|a| a.name.clone()).unwrap_or_default();
    let mut series = SummarySeries::new(*city, name);
    let bar = progress::bar("逐年评估并保存快照", loaded.len() as u64, "年");
    // Where the time goes: evaluating, saving.
    let (mut evaluating, mut saving) = (0.0, 0.0);
    for l in loaded {
        let started = Instant::now();
        let eval = l.engine.evaluate(&pack)?;
        series.add(&l.engine, &eval);
        each(&l.engine, &eval);
        evaluating += started.elapsed().as_secs_f64();
        let started = Instant::now();
        snapshot::save(
            store,
            city,
            &l.engine,
            &eval,
            &l.facts,
            data_seq,
            l.data_time,
            None,
        )
        .with_context(|| format!("保存 {} 年的评估快照失败", l.engine.year()))?;
        saving += started.elapsed().as_secs_f64();
        bar.inc(1);
    }
    bar.finish_and_clear();
    eprintln!("（评估 {evaluating:.1} 秒，压缩并保存快照 {saving:.1} 秒）");
    Ok(series)
}

/// Where a figure of the demo's table comes from: how the synthetic data and the rules produce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The generator fills the data up to the published total: equal by construction.
    Filled,
    /// The generator draws with probabilities or means set from the published figure; the engine's count is
    /// close to it, not equal by construction.
    Calibrated,
    /// The engine's rules compute it from the data (the generator does not set the count).
    Rules,
    /// The generator draws it at assumed rates; nothing is published to compare with.
    Assumed,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::Filled => "补足",
            Origin::Calibrated => "校准",
            Origin::Rules => "规则",
            Origin::Assumed => "假设",
        }
    }
}

/// One row of the summary table: the summary field, its Chinese label, where the demo's figure comes
/// from, and whether the published figure scales with the demo's scale (counts of people and households do;
/// rates, incomes and the numbers of villages and counties do not).
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub field: &'static str,
    pub label: &'static str,
    pub origin: Origin,
    pub scales: bool,
}

const fn row(field: &'static str, label: &'static str, origin: Origin, scales: bool) -> Row {
    Row {
        field,
        label,
        origin,
        scales,
    }
}

/// The rows of the summary, in the order people read them (`report summary` prints the same labels).
pub const ROWS: &[Row] = &[
    row("rural_population", "农村户籍人口", Origin::Filled, true),
    row("poor_households", "建档立卡贫困户", Origin::Filled, true),
    row("poor_people", "建档立卡贫困人口", Origin::Filled, true),
    row("incidence", "贫困发生率", Origin::Filled, false),
    row(
        "poor_villages",
        "贫困村（发生率未达退出标准）",
        Origin::Filled,
        false,
    ),
    row("counties_exited", "摘帽县（累计）", Origin::Rules, false),
    row(
        "lifted_people_cumulative",
        "2014 年以来累计脱贫人口",
        Origin::Filled,
        true,
    ),
    row(
        "registered_poor_income_per_capita",
        "建档立卡户人均纯收入（元）",
        Origin::Calibrated,
        false,
    ),
    row(
        "relocated_households",
        "易地扶贫搬迁户",
        Origin::Calibrated,
        true,
    ),
    row(
        "relocated_people",
        "易地扶贫搬迁人口",
        Origin::Calibrated,
        true,
    ),
    row("dibao_people", "农村低保对象", Origin::Calibrated, true),
    row(
        "dibao_registered_poor_people",
        "其中建档立卡人口",
        Origin::Calibrated,
        true,
    ),
    row(
        "monitored_households",
        "监测对象（户）",
        Origin::Assumed,
        true,
    ),
    row("monitored_people", "监测对象（人）", Origin::Assumed, true),
    row(
        "risk_eliminated_people",
        "风险消除人口（累计）",
        Origin::Assumed,
        true,
    ),
];

/// The summary table: 2013, 2020 and the latest year, each computed figure beside the published one (scaled
/// to the demo's scale where the figure is a count), and where each figure comes from.
fn print_summary(series: &SummarySeries, scale: f64) {
    print!("{}", summary_table(series, scale));
}

pub fn summary_table(series: &SummarySeries, scale: f64) -> String {
    let (Some(first), Some(end)) = (series.summary(FIRST_YEAR), series.summary(2020)) else {
        return String::new();
    };
    let unscaled = (scale - 1.0).abs() < f64::EPSILON;
    let latest = series.years().last().and_then(|y| series.summary(y));
    let published = |year: u16, row: &Row| {
        BAZHONG_PUBLISHED
            .iter()
            .find(|p| p.year == year && p.field == row.field)
            .map(|p| {
                let value = if row.scales { p.value * scale } else { p.value };
                format_value(row.field, value)
            })
            .unwrap_or_default()
    };
    let published_head = if unscaled {
        "公布".to_owned()
    } else {
        format!("公布×{scale}")
    };
    let mut table_rows = vec![vec![
        format!("{} 汇总", first.area_name),
        format!("{FIRST_YEAR} 年"),
        published_head.clone(),
        "2020 年".to_owned(),
        published_head,
    ]];
    if let Some(l) = &latest {
        table_rows[0].push(format!("{} 年", l.year));
    }
    table_rows[0].push("来源".to_owned());
    for row in ROWS {
        let value = |s: &Summary| {
            s.get(row.field)
                .map(|v| format_value(row.field, v))
                .unwrap_or_else(|| "-".into())
        };
        let mut cells = vec![
            row.label.to_string(),
            value(&first),
            published(FIRST_YEAR, row),
            value(&end),
            published(2020, row),
        ];
        if let Some(l) = &latest {
            cells.push(value(l));
        }
        cells.push(row.origin.label().to_owned());
        table_rows.push(cells);
    }
    // Monitored households by kind, one row each.
    for kind in jingzhun_core::MonitoringKind::ALL {
        let value = |s: &Summary| {
            s.monitored_by_kind
                .get(kind.code())
                .map(|n| n.to_string())
                .unwrap_or_default()
        };
        let mut cells = vec![
            format!("  其中{}", kind.label()),
            value(&first),
            String::new(),
            value(&end),
            String::new(),
        ];
        if let Some(l) = &latest {
            cells.push(value(l));
        }
        cells.push(Origin::Assumed.label().to_owned());
        let at = table_rows
            .iter()
            .position(|r| r[0] == "监测对象（户）")
            .map_or(table_rows.len(), |i| i + 1 + kind.index() as usize);
        table_rows.insert(at, cells);
    }
    let mut out = String::from("\n");
    out.push_str(&table::render(&table_rows));
    out.push_str(&format!(
        "公布数字：巴中市人民政府 2021 年 1 月；计算数字：引擎按政策包 {} 对演示数据的评估。\n",
        end.pack_version
    ));
    if !unscaled {
        out.push_str(&format!(
            "规模 {scale}：公布列中的人数和户数已乘以 {scale}；发生率和人均收入不随规模变化；\
             贫困村数和摘帽县数按原数列出（规模小于 1 时村和县的个数不变，大于 1 时区县被复制，不可比）。\n"
        ));
    }
    out.push_str(
        "来源：补足＝生成器把数据补足到公布数，相符是构造使然（农村人口、2013 年贫困存量、贫困村、累计脱贫人数）；\
         校准＝生成器按公布数设定概率或均值抽样，引擎算得的数字接近而不必相等；\
         规则＝引擎按政策包规则从数据算出；假设＝按假设比例抽样，没有公布数可对照。\n",
    );
    out.push_str(
        "假设：摘帽县按发生率低于 3% 的次年计，退出检验视群众认可度为达标（认可度靠抽样调查，数据中没有）；\
         各区县的人口和贫困人口划分、2013 年农村收入增速、2022–2025 年的监测范围均为假设；\
         监测对象和风险消除按假设比例生成。\n",
    );
    out
}

/// The year of the published economy figures.
const ECONOMY_YEAR: u16 = 2020;

/// The economy figures of 2020 beside the published ones (`labour_in_work` has none: derived, see the
/// calibration notes in `policy/README.md`).
fn print_economy(e: &jingzhun_report::economy::EconomyFigures) {
    let labels = [
        ("industry_base_mu", "特色产业基地（亩）"),
        ("leading_enterprises", "市级及以上龙头企业"),
        (
            "collective_income_villages_over_100k",
            "集体经济收入 10 万元及以上的村（含 100 万元以上）",
        ),
        (
            "collective_income_villages_over_1m",
            "集体经济收入 100 万元及以上的村",
        ),
        ("products_on_832", "832 平台销售的扶贫产品"),
        ("labour_in_work", "脱贫人口和监测对象务工（人）"),
    ];
    let mut rows = vec![vec![
        "产业、就业、消费帮扶与村集体经济".to_owned(),
        format!("{ECONOMY_YEAR} 年"),
        "公布".to_owned(),
    ]];
    for (field, value) in e.summary_fields() {
        let label = labels
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(field, |(_, l)| *l);
        let published = jingzhun_report::economy::BAZHONG_PUBLISHED_2020
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| format!("{v:.0}"))
            .unwrap_or_else(|| "未公布".to_owned());
        let value = value
            .as_f64()
            .map_or_else(|| value.to_string(), |v| format!("{v:.0}"));
        rows.push(vec![label.to_owned(), value, published]);
    }
    println!();
    print!("{}", table::render(&rows));
    println!("「10 万元及以上」按含 100 万元以上的村理解（假定，见 policy/README.md 的校准说明）");
}

/// The figures of what was built and who did the work (2020), each beside the published value.
fn print_projects(end: &Summary) {
    let mut rows = vec![vec![
        format!("{} 项目与帮扶力量", end.area_name),
        "2020 年".to_owned(),
        "公布".to_owned(),
        "差异".to_owned(),
    ]];
    for p in jingzhun_report::projects::BAZHONG_PUBLISHED_PROJECTS {
        let value = end.get(p.field);
        let diff = value
            .filter(|_| p.value > 0.0)
            .map(|v| format!("{:+.2}%", (v - p.value) / p.value * 100.0))
            .unwrap_or_default();
        rows.push(vec![
            p.label.to_owned(),
            value.map_or_else(|| "-".to_owned(), |v| format_value(p.field, v)),
            format_value(p.field, p.value),
            diff,
        ]);
    }
    println!();
    print!("{}", table::render(&rows));
    println!("公布数字：巴中市人民政府 2021 年 1 月（驻村工作队公布为 2,000 余支）；计算数字：项目库、帮扶力量与安置点记录");
}

/// A figure for people: a rate in percent with one decimal, road length with one, anything else rounded to
/// a whole number.
pub fn format_value(field: &str, v: f64) -> String {
    if field == "rural_roads_km" {
        return format!("{v:.1}");
    }
    if field == "incidence" {
        format!("{:.1}%", v * 100.0)
    } else {
        format!("{v:.0}")
    }
}

/// One account per role and level, bound to the first areas that hold households. Passwords are generated
/// and printed once, at creation; afterwards the accounts are reused as they are.
fn create_demo_accounts(
    store: &Arc<Store>,
    tree: &AreaTree,
    city: &AreaCode,
) -> anyhow::Result<()> {
    let county = first_with_data(store, tree, city, AreaLevel::County)?;
    let township = first_with_data(store, tree, &county, AreaLevel::Township)?;
    let village = first_with_data(store, tree, &township, AreaLevel::Village)?;
    let accounts = [
        ("demo_admin", Role::Admin, *city),
        ("demo_analyst", Role::Analyst, *city),
        ("demo_county", Role::CountyApprover, county),
        ("demo_township", Role::TownshipReviewer, township),
        ("demo_village", Role::VillageCadre, village),
    ];
    println!();
    println!("演示账号（密码只在创建时显示一次）：");
    for (username, role, area) in accounts {
        let name = tree.full_name_on(&area, chrono::Local::now().date_naive());
        if store.account_by_username(username)?.is_some() {
            println!(
                "  {username:<14} {:<6} {area} {name}（已存在，密码见首次运行的输出）",
                role.label()
            );
            continue;
        }
        let password = jingzhun_web::generate_password();
        jingzhun_web::create_account(store, username, role, area, &password, false)
            .with_context(|| format!("无法创建演示账号 {username}"))?;
        println!(
            "  {username:<14} {:<6} {area} {name}  密码 {password}",
            role.label()
        );
    }
    Ok(())
}

fn first_with_data(
    store: &Store,
    tree: &AreaTree,
    within: &AreaCode,
    level: AreaLevel,
) -> anyhow::Result<AreaCode> {
    for area in tree.within_at_level(within, level) {
        if store.count_households(&area.code)? > 0 {
            return Ok(area.code);
        }
    }
    anyhow::bail!("区划 {within} 下没有{}级农户数据", level.label())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use jingzhun_engine::ProposalRecord;
    use jingzhun_engine::Rollup;

    /// A county at 1% of its size: several hundred households, with measures, cases and economy records.
    const COUNTY: &str = "511902";

    fn proposals(engine: &Engine, eval: &Evaluation) -> Vec<ProposalRecord> {
        engine.proposals(eval).collect()
    }

    fn rollups(eval: &Evaluation) -> Vec<(AreaCode, Rollup)> {
        eval.rollups().map(|(a, r)| (a, *r)).collect()
    }

    /// What the demo evaluates as it generates equals what the store gives back: every year's engine
    /// (its columns, data time and status-event facts), its proposals, rollups and summary, and the
    /// snapshots kept (with the workflow and the economy's tallies `evaluate` keeps beside).
    /// The county at 1% with seed `seed`, generated into `store` and fed to one engine per year.
    fn generated_county(
        store: &Store,
        seed: u64,
    ) -> (
        AreaTree,
        AreaCode,
        Vec<u16>,
        synth::Generated,
        Vec<YearLoaded>,
    ) {
        let actor = Actor::system("test");
        store
            .upsert_areas(&jingzhun_io::sichuan().unwrap(), &actor, "t")
            .unwrap();
        let tree = store.area_tree().unwrap();
        let area = AreaCode::parse(COUNTY).unwrap();
        let config = SynthConfig {
            seed,
            area,
            scale: 0.01,
            defect_rate: 0.0,
            ..SynthConfig::default()
        };
        let years = years();
        let (generated, fed) = generate_and_feed(store, &actor, config, &tree, &years).unwrap();
        (tree, area, years, generated, fed)
    }

    fn fed_while_generating_equals_read_back(store: &Store) {
        let (tree, area, years, generated, fed) = generated_county(store, 7);
        let read = jingzhun_loader::load_years_with_facts(
            store,
            &tree,
            &area,
            &years,
            &mut |_| {},
            &mut jingzhun_loader::Silent,
        )
        .unwrap();
        assert_eq!(fed.len(), years.len());
        assert_eq!(read.len(), years.len());
        let pack = PolicyPack::builtin();
        let name = tree.get(&area).unwrap().name.clone();
        let (mut fed_series, mut read_series) = (
            SummarySeries::new(area, name.clone()),
            SummarySeries::new(area, name),
        );
        let (mut risk_eliminations, mut alerts) = (0, Vec::new());
        for (f, r) in fed.iter().zip(&read) {
            let year = r.engine.year();
            assert_eq!(f.engine.year(), year);
            assert!(
                r.engine.households() > 300,
                "{year}: {} households",
                r.engine.households()
            );
            assert!(
                f.engine.snapshot() == r.engine.snapshot(),
                "{year}: the engines' columns differ"
            );
            assert_eq!(f.data_time, r.data_time, "{year}");
            assert!(f.facts == r.facts, "{year}: the status-event facts differ");
            let (fe, re) = (
                f.engine.evaluate(&pack).unwrap(),
                r.engine.evaluate(&pack).unwrap(),
            );
            let p = proposals(&r.engine, &re);
            assert!(
                proposals(&f.engine, &fe) == p,
                "{year}: the proposals differ"
            );
            assert!(rollups(&fe) == rollups(&re), "{year}: the rollups differ");
            risk_eliminations += re.total().proposals_of(ProposalKind::RiskElimination);
            // Counted on the fed engines: department findings not fed would show here (and above).
            alerts.push((year, fe.total().alert_households));
            fed_series.add(&f.engine, &fe);
            read_series.add(&r.engine, &re);
        }
        // The measures reached the engines (risk elimination reads them).
        assert!(
            risk_eliminations > 0,
            "no risk-elimination proposal in any year"
        );
        // So did the department findings: the lists run from 2021.
        assert_department_alerts(&alerts);
        for y in &years {
            assert_eq!(fed_series.summary(*y), read_series.summary(*y), "{y}");
        }
        // The economy's tallies as generated are those the store gives back.
        let stored = jingzhun_loader::household_tallies(store, &area, 2000..=LAST_YEAR).unwrap();
        assert!(!stored.is_empty());
        assert_eq!(generated.tallies, stored);

        // The snapshots kept: the engines read back, with what `evaluate` keeps beside.
        let saved =
            save_generated(store, &tree, &area, fed, &generated.tallies, &mut |_, _| {}).unwrap();
        let (mut kept_tallies, mut kept_measures) = (0, 0);
        for (r, y) in read.iter().zip(&years) {
            let info = snapshot::fresh(store, &area, *y, year_end(*y))
                .unwrap()
                .unwrap_or_else(|why| panic!("{y}: {}", why.text()));
            let restored = snapshot::restore(store, &tree, info).unwrap();
            assert!(restored.engine.snapshot() == r.engine.snapshot(), "{y}");
            let mut facts = r.facts.clone();
            facts.workflow = Some(WorkflowFacts::read(store, &area, year_end(*y)).unwrap());
            let w = facts.workflow.as_ref().unwrap();
            kept_tallies += w.economy.as_ref().map_or(0, Vec::len);
            kept_measures += w.measures.len();
            assert!(restored.facts == facts, "{y}: the snapshot's facts differ");
            assert_eq!(saved.summary(*y), read_series.summary(*y), "{y}");
        }
        assert!(kept_tallies > 0 && kept_measures > 0, "nothing kept beside");
    }

    /// Department alerts (部门预警户) only in the years with department lists (2021 on), and in most of
    /// them (a county at 1% has a few hundred households: a handful of alerts a year).
    fn assert_department_alerts(alerts: &[(u16, i64)]) {
        let mut with = 0;
        for (year, n) in alerts {
            if *year < 2021 {
                assert_eq!(*n, 0, "{year}: department alerts before the lists");
            } else if *n > 0 {
                with += 1;
            }
        }
        assert!(
            with >= 4,
            "department alerts in {with} years only: {alerts:?}"
        );
    }

    /// The demo's data yields department alerts, and a household planted with an inpatient cost above
    /// the pack's threshold for 一般农户 (20,000 yuan) is alerted while one just below it is not.
    #[test]
    fn demo_data_yields_department_alerts_and_a_planted_inpatient_cost_is_alerted() {
        use jingzhun_core::{DepartmentFact, DepartmentSignal, Yuan};
        use jingzhun_policy::rules::flag;
        use jingzhun_policy::RegistryState;

        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite:{}", dir.path().join("t.db").display())).unwrap();
        let (tree, area, _, _, fed) = generated_county(&store, 11);
        let actor = Actor::system("test");
        let pack = PolicyPack::builtin();
        let alerts: Vec<(u16, i64)> = fed
            .iter()
            .map(|l| {
                let eval = l.engine.evaluate(&pack).unwrap();
                (l.engine.year(), eval.total().alert_households)
            })
            .collect();
        assert_department_alerts(&alerts);

        // Two 一般农户 without findings in 2024: one planted above the threshold, one just below.
        let y2024 = fed.iter().find(|l| l.engine.year() == 2024).unwrap();
        let eval = y2024.engine.evaluate(&pack).unwrap();
        let quiet: Vec<_> = y2024
            .engine
            .outcomes(&eval)
            .filter(|o| {
                o.registry == RegistryState::NotRegistered
                    && o.monitoring.is_none()
                    && !o.assessment.has(flag::ALERT)
            })
            .map(|o| o.id)
            .take(2)
            .collect();
        assert_eq!(quiet.len(), 2);
        let date = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
        let fact = |household, yuan: i64| DepartmentFact {
            household,
            signal: DepartmentSignal::InpatientCost,
            date,
            amount: Yuan::from_fen(yuan * 100),
        };
        store
            .save_department_facts(
                &[fact(quiet[0], 20_000), fact(quiet[1], 19_999)],
                "测试：医保住院自付",
                &actor,
            )
            .unwrap();
        let read = jingzhun_loader::load_years_with_facts(
            &store,
            &tree,
            &area,
            &[2024],
            &mut |_| {},
            &mut jingzhun_loader::Silent,
        )
        .unwrap();
        let engine = &read[0].engine;
        let eval = engine.evaluate(&pack).unwrap();
        let alerted = |id| engine.assessment(&eval, id).unwrap().has(flag::ALERT);
        assert!(alerted(quiet[0]), "20,000 yuan inpatient cost not alerted");
        assert!(!alerted(quiet[1]), "19,999 yuan alerted for 一般农户");
        let before = alerts.iter().find(|(y, _)| *y == 2024).unwrap().1;
        assert_eq!(eval.total().alert_households, before + 1);
    }

    #[test]
    fn fed_while_generating_equals_read_back_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite:{}", dir.path().join("t.db").display())).unwrap();
        fed_while_generating_equals_read_back(&store);
    }

    #[test]
    fn fed_while_generating_equals_read_back_postgres() {
        let Ok(url) = std::env::var("JINGZHUN_TEST_DATABASE_URL") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but JINGZHUN_TEST_DATABASE_URL is not"
            );
            eprintln!("PostgreSQL test skipped: set JINGZHUN_TEST_DATABASE_URL to run it");
            return;
        };
        let schema = format!(
            "jz_demo_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros() % 1_000_000_000
        );
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        let store = Store::open(&format!("{url}{sep}options=-csearch_path%3D{schema}")).unwrap();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            fed_while_generating_equals_read_back(&store)
        }));
        drop(store);
        let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
    }
}
