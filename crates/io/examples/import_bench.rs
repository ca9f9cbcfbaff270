//! Parsing speed of household files: writes N member rows (default 1,000,000, four per household) as CSV
//! and XLSX in the export layout, then reads both back with the importer and reports the times.
//!
//! This measures reading and validating only; writing to the store is separate (the store's bulk load).
//!
//! ```text
//! cargo run --release -p jingzhun-io --example import_bench -- [ROWS] [DIR]
//! ```
//!
//! DIR defaults to `bench-data/` (git-ignored). Existing files of the right size are reused.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;
use jingzhun_io::export::{export_csv_path, export_xlsx, ExportOptions, ExportRecord};
use jingzhun_io::households::{read_households, ReadOptions};

fn resident_id(i: usize) -> Result<ResidentId, ResidentIdError> {
    let base = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default();
    let birth = base + chrono::Duration::days((i / 499) as i64);
    let first17 = format!("511902{}{:03}", birth.format("%Y%m%d"), (i % 499) * 2 + 1);
    let text = format!("{first17}{}", check_character(first17.as_bytes()));
    ResidentId::parse(&text)
}

fn households(rows: usize) -> Result<Vec<Household>, Box<dyn std::error::Error>> {
    let relationships = [
        Relationship::Head,
        Relationship::Spouse,
        Relationship::Son,
        Relationship::Daughter,
    ];
    let names = ["张三", "李四", "王五", "赵六"];
    let mut out = Vec::with_capacity(rows / 4 + 1);
    let mut i = 0;
    while i < rows {
        let h = i / 4;
        let village = format!("5119{:02}{:03}{:03}", 2 + h % 3, 1 + h % 30, 1 + h % 20);
        let mut members = Vec::new();
        for (k, relationship) in relationships.iter().enumerate() {
            if i >= rows {
                break;
            }
            let id = resident_id(i)?;
            members.push(Member {
                name: PersonName::parse(names[k])?,
                sex: id.sex(),
                resident_id: id,
                relationship: *relationship,
                ethnicity: "汉族".to_owned(),
                education: Some(Education::Junior),
                schooling: None,
                health: Health::Healthy,
                labour: Some(LabourAbility::Ordinary),
                work_status: WorkStatus::WithinProvince,
                migrant_months: MigrantMonths::new(6)?,
                medical_insurance: true,
                serious_illness_insurance: true,
                pension_insurance: true,
                social_assistance: SocialAssistance::NoAssistance,
            });
            i += 1;
        }
        out.push(Household {
            number: HouseholdNo::parse(&format!("{village}{:06}", h))?,
            village: AreaCode::parse(&village)?,
            natural_village: Some("一组".to_owned()),
            phone: Some(Phone::parse("13812345678")?),
            standard: IdentificationStandard::National,
            attribute: Some(PoorAttribute::Ordinary),
            main_cause: Some(PovertyCause::LackOfSkills),
            other_causes: vec![PovertyCause::LackOfCapital],
            planned_exit_year: Some(2018),
            housing: Housing {
                area_sqm: Some(90),
                grade: Some(HousingGrade::B),
                safe_alternative: None,
            },
            relocation: None,
            water: Water::default(),
            food_clothing_secured: true,
            electricity: true,
            sanitary_toilet: true,
            fuel: Some(FuelType::Firewood),
            farmland_mu: Some(3.5),
            forest_mu: None,
            cooperative_member: false,
            members,
            incomes: vec![IncomeRecord::new(2023)
                .with(
                    IncomeComponent::Wages,
                    Yuan::from_yuan(20_000 + (h % 1000) as i64),
                )
                .with(IncomeComponent::ProductionCosts, Yuan::from_yuan(800))],
        });
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "bench-data".to_owned()));
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join(format!("households_{rows}.csv"));
    let xlsx = dir.join(format!("households_{rows}.xlsx"));
    let options = ExportOptions {
        income_year: Some(2023),
        ..ExportOptions::default()
    };
    if !csv.exists() || !xlsx.exists() {
        let started = Instant::now();
        let hs = households(rows)?;
        let records: Vec<ExportRecord<'_>> = hs
            .iter()
            .map(|h| ExportRecord {
                household: h,
                events: &[],
            })
            .collect();
        println!("生成 {} 户 {rows} 人: {:.1?}", hs.len(), started.elapsed());
        let started = Instant::now();
        export_csv_path(&csv, &records, &options)?;
        println!("写 CSV: {:.1?}", started.elapsed());
        let started = Instant::now();
        export_xlsx(&xlsx, &records, &options)?;
        println!("写 XLSX: {:.1?}", started.elapsed());
    }
    let read = ReadOptions::new(chrono::Local::now().date_naive());
    for path in [&csv, &xlsx] {
        let size = std::fs::metadata(path)?.len();
        let started = Instant::now();
        let batch = read_households(path, &read)?;
        let elapsed = started.elapsed();
        println!(
            "读取 {} ({:.0} MB): {} 行, {} 户, {} 人, {} 个问题, 用时 {:.2?} ({:.0} 行/秒)",
            path.display(),
            size as f64 / 1e6,
            batch.counts.rows,
            batch.counts.households,
            batch.counts.members,
            batch.problems.len(),
            elapsed,
            batch.counts.rows as f64 / elapsed.as_secs_f64()
        );
    }
    Ok(())
}
