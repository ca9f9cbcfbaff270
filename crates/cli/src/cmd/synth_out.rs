//! `jingzhun synth --out …` and `jingzhun synth --engine`: the generator's stream written somewhere other
//! than the database, without opening one. The tree is the shipped Sichuan division tree.
//!
//! **Files** are in the national spreadsheet layout that `jingzhun import households` reads (one row per
//! member, [`jingzhun_io::CsvHouseholdWriter`] / [`jingzhun_io::XlsxHouseholdWriter`]), written village by
//! village as the generator produces them: memory holds a few batches of villages, whatever the size.
//! - `--out FILE.csv` / `--out FILE.xlsx`: one file. An XLSX sheet could hold 1,048,575 data rows, but
//!   workbooks here continue on sheets 户籍信息(2), 户籍信息(3), … after [`XLSX_ROWS_PER_SHEET`] rows (a
//!   household never spans two sheets): rust_xlsxwriter's constant-memory mode streams cells to a temporary
//!   file but reads each sheet's file back whole when the workbook is saved (about 2.7 KB per row here), so
//!   the sheet size is what bounds memory. A national run in one workbook would be hundreds of sheets:
//!   use a folder.
//! - `--out DIR` (`--format csv|xlsx`): one file per county, `户籍信息_<county>.<ext>`.
//! - The layout carries one income year per file: `--year` (default 2025), or `--all-years` for one file per
//!   year (`…_2013.csv` … `…_2026.csv`); importing them one after the other gives the store every year
//!   (imports merge incomes by year). Of the status events the layout carries the first identification
//!   date (首次识别时间) and the exit year (脱贫年度, read back as 31 December); monitoring, risk
//!   elimination, returns and removals have no column and are not written.
//! - Synthetic areas (scale above 1) are written as a division file, `合成区划.csv` in the folder or
//!   `<file>.合成区划.csv`, to load with `jingzhun areas import` before importing the households.
//!
//! **Engine** (`--engine`): households go straight into [`jingzhun_engine::Engine::insert`] (ids numbered
//! in stream order), one year is evaluated, and the rollup of the run's area is printed with the time of
//! each step and the peak memory of the process.
//!
//! Generation runs on a thread of its own (villages in parallel batches on rayon's pool) and hands villages
//! over through a bounded channel, so writing overlaps generating and memory stays bounded.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{bail, Context};
use jingzhun_core::{AreaCode, AreaLevel, AreaTree, HouseholdId};
use jingzhun_engine::{Engine, HouseholdInput};
use jingzhun_io::{CsvHouseholdWriter, ExportOptions, ExportRecord, XlsxHouseholdWriter};
use jingzhun_synth::calibration::{FIRST_YEAR, LAST_YEAR};
use jingzhun_synth::{Calibration, GeneratedVillage, Generator, SynthError};

use super::synth::Args;
use super::{evaluate, policy::load_pack, progress};

/// Data rows per XLSX worksheet: about 550 MB to assemble at save time (see the module docs).
pub const XLSX_ROWS_PER_SHEET: u32 = 200_000;

/// File format of `--out` folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    fn of_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }
}

/// `synth` without a database: files or the engine.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let areas = jingzhun_io::sichuan().context("随附的四川省区划数据损坏")?;
    let tree = AreaTree::new(areas.clone()).context("随附的四川省区划数据损坏")?;
    let config = args.config(&tree)?;
    let year = args.year.unwrap_or(LAST_YEAR);
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        bail!("年度 {year} 超出合成数据的年度范围（{FIRST_YEAR}–{LAST_YEAR}）");
    }
    // Checked before the plan is built, so that a bad path fails at once.
    let target = match &args.out {
        Some(out) => Some(Target::new(out, args.format)?),
        None => None,
    };
    let generator = Generator::new(&tree, config.clone()).context("无法按此配置生成数据")?;
    let synthetic = jingzhun_synth::synthetic_areas(&generator, &tree);
    eprintln!(
        "生成区划 {} ，规模 {:.4}，种子 {}: 约 {:.0} 户，{} 个村{}",
        config.area,
        config.scale,
        config.seed,
        generator.expected_households(),
        generator.villages().len(),
        if synthetic.is_empty() {
            String::new()
        } else {
            format!(
                ", 其中合成县 {} 个",
                synthetic
                    .iter()
                    .filter(|a| a.level() == AreaLevel::County)
                    .count()
            )
        }
    );
    match target {
        Some(target) => {
            let years: Vec<u16> = if args.all_years {
                (FIRST_YEAR..=LAST_YEAR).collect()
            } else {
                vec![year]
            };
            to_files(&generator, target, &years, &synthetic)
        }
        None => {
            let mut all = areas;
            all.extend(synthetic);
            let tree = AreaTree::new(all).context("合成区划与区划树冲突")?;
            to_engine(&generator, &tree, year, args.pack.as_deref())
        }
    }
}

/// Streams villages to `each` in generation order, generating on another thread meanwhile. Stops at the
/// first error (of the generator or of `each`).
pub fn stream(
    generator: &Generator,
    each: &mut dyn FnMut(GeneratedVillage) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    with_villages(generator, |villages| {
        for village in villages {
            each(village.context("生成中断")?)?;
        }
        Ok(())
    })
}

/// Runs `f` over the generator's villages in order while they are generated on another thread (villages
/// in parallel batches of 32 on rayon's pool), so that whatever `f` does with them overlaps generating.
/// The channel holds 64 villages: a few thousand households at most are in flight. The iteration ends
/// after the first generator error; when `f` returns early, generation stops too.
pub fn with_villages<T>(
    generator: &Generator,
    f: impl FnOnce(&mut dyn Iterator<Item = Result<GeneratedVillage, SynthError>>) -> T,
) -> T {
    let (tx, rx) = sync_channel(64);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for village in generator.par_iter(32) {
                let failed = village.is_err();
                // A closed channel means the consumer stopped: stop generating too.
                if tx.send(village).is_err() || failed {
                    break;
                }
            }
        });
        // Dropped when `f` returns, which ends a producer still waiting to send.
        let mut villages = rx.into_iter();
        f(&mut villages)
    })
}

/// Where files go.
struct Target {
    /// A folder (one file per county) or a file.
    path: PathBuf,
    folder: bool,
    format: FileFormat,
}

impl Target {
    fn new(out: &Path, format: Option<FileFormat>) -> anyhow::Result<Self> {
        let by_extension = FileFormat::of_path(out);
        let folder = out.is_dir() || (by_extension.is_none() && out.extension().is_none());
        let format = match (folder, by_extension, format) {
            (true, _, f) => f.unwrap_or(FileFormat::Csv),
            (false, Some(e), Some(f)) if e != f => bail!(
                "输出文件「{}」的扩展名与 --format {} 不符",
                out.display(),
                f.extension()
            ),
            (false, Some(e), _) => e,
            (false, None, _) => bail!(
                "无法确定输出格式：「{}」应为 .csv 或 .xlsx 文件，或一个文件夹（配合 --format）",
                out.display()
            ),
        };
        if folder {
            std::fs::create_dir_all(out)
                .with_context(|| format!("无法创建输出文件夹「{}」", out.display()))?;
        } else {
            // Fail now rather than after generating: the file's folder must exist and be writable.
            let probe = out.with_file_name(format!(
                ".{}.jingzhun-probe",
                out.file_name().and_then(|n| n.to_str()).unwrap_or("synth")
            ));
            File::create(&probe)
                .with_context(|| format!("无法创建输出文件「{}」", out.display()))?;
            let _ = std::fs::remove_file(&probe);
        }
        Ok(Self {
            path: out.to_owned(),
            folder,
            format,
        })
    }

    /// The file of one county (folders) or of the run, for one income year (when several are written).
    fn file(&self, county: &AreaCode, year: u16, years: usize) -> PathBuf {
        let ext = self.format.extension();
        let suffix = if years > 1 {
            format!("_{year}")
        } else {
            String::new()
        };
        if self.folder {
            return self.path.join(format!("户籍信息_{county}{suffix}.{ext}"));
        }
        if suffix.is_empty() {
            return self.path.clone();
        }
        let stem = self
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("户籍信息");
        self.path.with_file_name(format!("{stem}{suffix}.{ext}"))
    }

    fn division_file(&self) -> PathBuf {
        if self.folder {
            return self.path.join("合成区划.csv");
        }
        let mut name = self.path.as_os_str().to_owned();
        name.push(".合成区划.csv");
        PathBuf::from(name)
    }
}

/// One open output file.
enum Sink {
    // Boxed: writers are large (buffers, a workbook) and only a handful are open at a time.
    Csv(Box<CsvHouseholdWriter<File>>),
    Xlsx(Box<XlsxHouseholdWriter>),
}

/// The files of one county (folders) or of the run, one per income year.
struct Open {
    county: AreaCode,
    sinks: Vec<(PathBuf, ExportOptions, Sink)>,
}

/// A file written, for the summary.
struct Written {
    path: PathBuf,
    rows: usize,
    sheets: usize,
}

fn open(target: &Target, county: AreaCode, years: &[u16]) -> anyhow::Result<Open> {
    let mut sinks = Vec::with_capacity(years.len());
    for &year in years {
        let path = target.file(&county, year, years.len());
        let options = ExportOptions {
            income_year: Some(year),
            rows_per_sheet: Some(XLSX_ROWS_PER_SHEET),
            ..ExportOptions::default()
        };
        let sink = match target.format {
            FileFormat::Csv => {
                let file = File::create(&path)
                    .with_context(|| format!("无法创建输出文件「{}」", path.display()))?;
                Sink::Csv(Box::new(
                    CsvHouseholdWriter::new(file, options.clone())
                        .with_context(|| format!("无法写入文件「{}」", path.display()))?,
                ))
            }
            FileFormat::Xlsx => {
                Sink::Xlsx(Box::new(XlsxHouseholdWriter::new(&path, options.clone())?))
            }
        };
        sinks.push((path, options, sink));
    }
    Ok(Open { county, sinks })
}

fn close(open: Open, written: &mut Vec<Written>) -> anyhow::Result<()> {
    for (path, _, sink) in open.sinks {
        let (rows, sheets) = match sink {
            Sink::Csv(w) => (
                w.finish()
                    .with_context(|| format!("无法写入文件「{}」", path.display()))?,
                1,
            ),
            Sink::Xlsx(w) => {
                let sheets = w.sheets();
                (w.finish()?, sheets)
            }
        };
        written.push(Written { path, rows, sheets });
    }
    Ok(())
}

fn to_files(
    generator: &Generator,
    target: Target,
    years: &[u16],
    synthetic: &[jingzhun_core::Area],
) -> anyhow::Result<ExitCode> {
    let bar = progress::bar(
        "生成并写入",
        generator.expected_households().round() as u64,
        "户",
    );
    let started = Instant::now();
    let mut calibration = Calibration::default();
    let mut current: Option<Open> = None;
    let mut written = Vec::new();
    let mut households = 0u64;
    let mut counties = BTreeSet::new();
    stream(generator, &mut |village| {
        calibration.add_village(&village);
        // Folders: a county's villages come one after the other, so its files are closed for good
        // when the next county starts.
        let key = if target.folder {
            village.county
        } else {
            generator.config().area
        };
        if current.as_ref().is_none_or(|o| o.county != key) {
            if !counties.insert(key) {
                bail!("内部错误：县 {key} 的村不连续");
            }
            if let Some(done) = current.take() {
                close(done, &mut written)?;
            }
            current = Some(open(&target, key, years)?);
        }
        let Some(open) = current.as_mut() else {
            bail!("内部错误：没有打开的输出文件");
        };
        for g in &village.households {
            let record = ExportRecord {
                household: &g.household,
                events: &g.events,
            };
            for (path, _, sink) in open.sinks.iter_mut() {
                match sink {
                    Sink::Csv(w) => {
                        w.write(&record)
                            .with_context(|| format!("无法写入文件「{}」", path.display()))?;
                    }
                    Sink::Xlsx(w) => {
                        w.write(&record)?;
                    }
                }
            }
        }
        households += village.households.len() as u64;
        bar.set_position(households);
        Ok(())
    })?;
    if let Some(done) = current.take() {
        bar.set_message("保存文件");
        close(done, &mut written)?;
    }
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let rows: usize = written.iter().map(|w| w.rows).sum();
    println!(
        "已生成 {households} 户，写入 {} 个文件共 {rows} 行（{seconds:.1} 秒，{:.0} 户/秒）",
        written.len(),
        households as f64 / seconds.max(1e-9),
    );
    for w in written.iter().take(20) {
        let sheets = if w.sheets > 1 {
            format!("（{} 个工作表）", w.sheets)
        } else {
            String::new()
        };
        println!("  {}: {} 行{sheets}", w.path.display(), w.rows);
    }
    if written.len() > 20 {
        println!("  … 另有 {} 个文件", written.len() - 20);
    }
    if !synthetic.is_empty() {
        let path = target.division_file();
        write_divisions(&path, synthetic)?;
        println!(
            "合成区划 {} 个写入「{}」：导入户籍表前先运行 `jingzhun areas import {}`",
            synthetic.len(),
            path.display(),
            path.display()
        );
    }
    print!("{}", calibration.figures().report(generator.scale()));
    Ok(ExitCode::SUCCESS)
}

/// A division file `jingzhun areas import` reads: code and name, one area a row.
fn write_divisions(path: &Path, areas: &[jingzhun_core::Area]) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = areas
        .iter()
        .map(|a| vec![a.code.to_string(), a.name.clone()])
        .collect();
    let file =
        File::create(path).with_context(|| format!("无法创建输出文件「{}」", path.display()))?;
    jingzhun_io::export::write_table_csv(file, &["代码", "名称"], &rows)
        .with_context(|| format!("无法写入文件「{}」", path.display()))
}

fn to_engine(
    generator: &Generator,
    tree: &AreaTree,
    year: u16,
    pack: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let pack = load_pack(pack)?;
    let as_of = evaluate::year_end(year);
    let bar = progress::bar(
        "生成并载入",
        generator.expected_households().round() as u64,
        "户",
    );
    let started = Instant::now();
    let mut engine = Engine::new(tree, year, as_of);
    let mut next_id = 0i64;
    stream(generator, &mut |village| {
        for g in &village.households {
            next_id += 1;
            engine.insert(HouseholdInput::from((
                HouseholdId(next_id),
                &g.household,
                g.events.as_slice(),
            )));
        }
        bar.set_position(next_id as u64);
        Ok(())
    })?;
    bar.finish_and_clear();
    let loaded = started.elapsed().as_secs_f64();
    let bar = progress::spinner(&format!("评估 {year} 年"));
    let started = Instant::now();
    let eval = engine.evaluate(&pack)?;
    let evaluated = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let area = generator.config().area;
    let rollup = eval.rollup(&area).copied().unwrap_or_default();
    println!(
        "{year} 年评估（截至 {as_of}），政策包 {}: {} 户 {} 人；生成并载入 {loaded:.1} 秒（{:.0} 户/秒），评估 {evaluated:.2} 秒；引擎占用 {:.0} MiB{}",
        eval.pack_version,
        engine.households(),
        engine.members(),
        engine.households() as f64 / loaded.max(1e-9),
        engine.heap_bytes() as f64 / (1024.0 * 1024.0),
        peak_rss()
            .map(|kib| format!(", 进程峰值内存 {:.0} MiB", kib as f64 / 1024.0))
            .unwrap_or_default()
    );
    evaluate::print_table(tree, &eval, &area, &rollup);
    Ok(ExitCode::SUCCESS)
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`), when the system says.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
