//! Writing the generator's project library, funds, assets, forces and settlements (issue 15) after the
//! households and monitoring records they refer to: household numbers become the store's ids, the
//! generator's ids are moved past those already stored, and the work teams are formed from the cadres the
//! monitoring records stored (`jingzhun_synth::projects::work_teams`).

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use jingzhun_core::monitoring::Cadre;
use jingzhun_core::projects::*;
use jingzhun_core::{AreaCode, HouseholdId, HouseholdNo};
use jingzhun_store::{Actor, ProjectsBatch, Store};
use jingzhun_synth::projects::{self as gen, VillageFacts};

/// Generates and loads the records of `area`; returns the rows written.
pub fn load(
    store: &Store,
    actor: &Actor,
    area: &AreaCode,
    seed: u64,
    scale: f64,
    mut villages: Vec<VillageFacts>,
) -> anyhow::Result<usize> {
    let generated =
        gen::generate(seed, area, scale, &mut villages).context("生成项目库数据失败")?;
    let mut ids: HashMap<HouseholdNo, HouseholdId> = store
        .household_ids_within(area)
        .context("读取已写入农户的 ID 失败")?
        .into_iter()
        .collect();
    let mut cadres: Vec<Cadre> = store.cadres_within(area)?;
    for v in villages.iter().filter(|v| !area.contains(&v.code)) {
        ids.extend(store.household_ids_within(&v.code)?);
        cadres.extend(store.cadres_within(&v.code)?);
    }
    let next = store.next_project_ids().context("读取项目编号失败")?;
    let household = |no: &HouseholdNo| {
        ids.get(no)
            .copied()
            .with_context(|| format!("户 {} 未写入", no.as_str()))
    };
    let pid = |p: ProjectId| ProjectId(p.0 + next.project.0 - 1);
    let aid = |a: AssetId| AssetId(a.0 + next.asset.0 - 1);
    let sid = |s: SettlementId| SettlementId(s.0 + next.settlement.0 - 1);
    let partner = |p: PartnerId| PartnerId(p.0 + next.partner.0 - 1);
    let mut batch = ProjectsBatch::default();
    for mut p in generated.projects {
        p.id = pid(p.id);
        batch.projects.push(p);
    }
    for (p, no) in &generated.beneficiaries {
        batch.beneficiaries.push((pid(*p), household(no)?));
    }
    for mut a in generated.allocations {
        a.project = pid(a.project);
        batch.allocations.push(a);
    }
    for mut s in generated.spending {
        s.project = pid(s.project);
        batch.spending.push(s);
    }
    for mut a in generated.assets {
        a.id = aid(a.id);
        a.project = pid(a.project);
        batch.assets.push(a);
    }
    for mut r in generated.returns {
        r.asset = aid(r.asset);
        batch.returns.push(r);
    }
    batch.secondments = generated.secondments;
    for mut p in generated.partners {
        p.id = partner(p.id);
        batch.partners.push(p);
    }
    for mut d in generated.donations {
        d.partner = partner(d.partner);
        batch.donations.push(d);
    }
    for mut s in generated.settlements {
        s.id = sid(s.id);
        batch.settlements.push(s);
    }
    for (s, no, moved_in) in &generated.residents {
        batch.residents.push(Resident {
            settlement: sid(*s),
            household: household(no)?,
            moved_in: *moved_in,
        });
    }
    let mut by_village: BTreeMap<AreaCode, Vec<Cadre>> = BTreeMap::new();
    for c in cadres {
        by_village.entry(c.area).or_default().push(c);
    }
    let mut team = next.team;
    for cadres in by_village.values() {
        let teams = gen::work_teams(cadres, team);
        team = WorkTeamId(team.0 + teams.len() as i64);
        batch.teams.extend(teams);
    }
    store
        .bulk_load_projects(&batch, actor)
        .context("写入项目库数据失败")
}

/// One line for the generation report.
pub fn summary(rows: usize) -> String {
    format!("项目库、资金、资产、帮扶力量与安置点记录：{rows} 行")
}
