//! What was built, what it cost and who did the work (issue 15): the summary's project, force and
//! relocation figures, the funds indicators (execution rate by source and area, share to industry, funds
//! per beneficiary), assets and their returns, team coverage, and the annual review's sections on them —
//! all computed from the stored records ([`ProjectRecords`]) and the cadre table, never typed in.
//!
//! Official statistics ([`OfficialStat`]) are shown beside these figures in their own table, with their
//! source, and never added to or compared inside the registry's own numbers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use jingzhun_core::monitoring::{Cadre, CadrePost};
use jingzhun_core::projects::*;
use jingzhun_core::AreaCode;
use serde::Serialize;

use crate::annual::{Block, Document};
use crate::summary::Published;

/// The first year counted by the cumulative figures (the registry's first campaign year).
pub const SINCE: i32 = 2014;

/// The summary's figures of issue 15 (`report summary --format json`, flattened into the summary).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProjectFigures {
    pub central_villages: i64,
    pub settlement_sites: i64,
    pub new_villages: i64,
    pub rural_roads_km: f64,
    pub schools_improved: i64,
    pub health_facility_projects: i64,
    pub houses_renovated: i64,
    pub assisting_cadres: i64,
    pub first_secretaries: i64,
    pub work_teams: i64,
    pub cadres_sent_liangshan: i64,
    pub social_funds_yuan: f64,
    pub private_enterprises_assisting: i64,
    pub poverty_day_donations_yuan: f64,
}

/// Allocated and spent money of one source (or area), and the execution rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FundLine {
    pub allocated_yuan: f64,
    pub spent_yuan: f64,
    /// Spent ÷ allocated (支出进度), `None` when nothing was allocated.
    pub execution_rate: Option<f64>,
}

impl FundLine {
    fn add(&mut self, allocated: f64, spent: f64) {
        self.allocated_yuan += allocated;
        self.spent_yuan += spent;
        self.execution_rate =
            (self.allocated_yuan > 0.0).then(|| self.spent_yuan / self.allocated_yuan);
    }
}

/// Funds, assets, forces and relocation figures of an area up to a date, for the review and the pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProjectDetails {
    pub figures: ProjectFigures,
    /// Completed projects by kind (count, output in the kind's unit).
    pub completed_by_kind: BTreeMap<&'static str, (i64, f64)>,
    pub by_source: BTreeMap<&'static str, FundLine>,
    /// By the child area the project lies in (county for a city, …).
    pub by_area: BTreeMap<String, FundLine>,
    pub total: FundLine,
    /// Share of allocated funds that went to industry projects.
    pub industry_share: Option<f64>,
    /// Allocated yuan per beneficiary household (带贫户).
    pub funds_per_beneficiary: Option<f64>,
    pub assets: i64,
    pub asset_value_by_owner: BTreeMap<&'static str, f64>,
    /// Returns of the year: to households, to collectives.
    pub returns_households_yuan: f64,
    pub returns_collective_yuan: f64,
    /// Villages with a work team in place some time in the year, and villages with registered households.
    pub villages_with_team: i64,
    pub relocated_in_settlements: i64,
    pub partners: i64,
}

fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

impl ProjectDetails {
    /// Computes everything of `r` within `area` up to the end of `as_of`; `cadres` is the cadre table of the
    /// area (assisting cadres and first secretaries count it, one truth with the monitoring records).
    pub fn compute(
        r: &ProjectRecords,
        cadres: &[Cadre],
        area: &AreaCode,
        as_of: NaiveDate,
    ) -> Self {
        let within = |c: &AreaCode| area.contains(c);
        let since = NaiveDate::from_ymd_opt(SINCE, 1, 1).unwrap_or_default();
        let mut d = ProjectDetails::default();
        let projects: HashMap<ProjectId, &Project> = r
            .projects
            .iter()
            .filter(|p| within(&p.area))
            .map(|p| (p.id, p))
            .collect();
        let f = &mut d.figures;
        for p in projects.values() {
            let Some(done) = p
                .step(Stage::Completed)
                .filter(|s| s.on <= as_of && s.on >= since)
            else {
                continue;
            };
            let out = done.actual_output.unwrap_or(0.0);
            let e = d.completed_by_kind.entry(p.kind.code()).or_default();
            e.0 += 1;
            e.1 += out;
            match p.kind {
                ProjectKind::Road => f.rural_roads_km += out,
                ProjectKind::School => f.schools_improved += out.round() as i64,
                ProjectKind::HealthFacility => f.health_facility_projects += 1,
                ProjectKind::Housing => f.houses_renovated += out.round() as i64,
                _ => {}
            }
        }
        f.rural_roads_km = (f.rural_roads_km * 100.0).round() / 100.0;
        for s in r.settlements.iter().filter(|s| within(&s.village)) {
            if i32::from(s.built) > as_of.year() {
                continue;
            }
            match s.kind {
                SettlementKind::CentralVillage => f.central_villages += 1,
                SettlementKind::Cluster => f.settlement_sites += 1,
                SettlementKind::NewVillage => f.new_villages += 1,
            }
        }
        let settlements: BTreeSet<SettlementId> = r
            .settlements
            .iter()
            .filter(|s| within(&s.village))
            .map(|s| s.id)
            .collect();
        d.relocated_in_settlements = r
            .residents
            .iter()
            .filter(|x| settlements.contains(&x.settlement) && x.moved_in <= as_of)
            .count() as i64;
        for c in cadres.iter().filter(|c| within(&c.area)) {
            if c.post != CadrePost::VillageCadre {
                f.assisting_cadres += 1;
            }
            if c.post == CadrePost::FirstSecretary {
                f.first_secretaries += 1;
            }
        }
        let teams: Vec<&WorkTeam> = r
            .teams
            .iter()
            .filter(|t| within(&t.village) && t.from <= as_of)
            .collect();
        f.work_teams = teams.len() as i64;
        d.villages_with_team = villages_with_team(&r.teams, area, as_of).len() as i64;
        f.cadres_sent_liangshan = r
            .secondments
            .iter()
            .filter(|s| within(&s.home_area))
            .filter(|s| s.destination == Destination::Liangshan && s.from <= as_of)
            .count() as i64;
        let mut givers: BTreeSet<PartnerId> = BTreeSet::new();
        let mut social = 0i64;
        let mut day = 0i64;
        for g in r
            .donations
            .iter()
            .filter(|g| within(&g.area) && g.on >= since && g.on <= as_of)
        {
            social += g.amount.fen();
            if g.poverty_day {
                day += g.amount.fen();
            }
            givers.insert(g.partner);
        }
        f.social_funds_yuan = yuan(social);
        f.poverty_day_donations_yuan = yuan(day);
        f.private_enterprises_assisting = r
            .partners
            .iter()
            .filter(|p| p.kind == PartnerKind::PrivateEnterprise && givers.contains(&p.id))
            .count() as i64;
        d.partners = givers.len() as i64;
        // Funds: allocations of the years up to as_of, spending up to as_of.
        let child = |c: &AreaCode| -> String {
            let level = area.level().child().unwrap_or(area.level());
            c.ancestor_at(level).unwrap_or(*c).as_str().to_owned()
        };
        let mut alloc_by: HashMap<(ProjectId, FundSource), i64> = HashMap::new();
        let year = as_of.year() as u16;
        let mut industry = 0i64;
        let mut all = 0i64;
        for a in r.allocations.iter().filter(|a| a.year <= year) {
            let Some(p) = projects.get(&a.project) else {
                continue;
            };
            *alloc_by.entry((a.project, a.source)).or_default() += a.amount.fen();
            all += a.amount.fen();
            if p.kind == ProjectKind::Industry {
                industry += a.amount.fen();
            }
        }
        let mut spent_by: HashMap<(ProjectId, FundSource), i64> = HashMap::new();
        for s in r.spending.iter().filter(|s| s.on <= as_of) {
            if projects.contains_key(&s.project) {
                *spent_by.entry((s.project, s.source)).or_default() += s.amount.fen();
            }
        }
        let keys: BTreeSet<(ProjectId, FundSource)> =
            alloc_by.keys().chain(spent_by.keys()).copied().collect();
        for k in keys {
            let a = yuan(alloc_by.get(&k).copied().unwrap_or(0));
            let s = yuan(spent_by.get(&k).copied().unwrap_or(0));
            d.by_source.entry(k.1.code()).or_default().add(a, s);
            if let Some(p) = projects.get(&k.0) {
                d.by_area.entry(child(&p.area)).or_default().add(a, s);
            }
            d.total.add(a, s);
        }
        d.industry_share = (all > 0).then(|| industry as f64 / all as f64);
        let beneficiaries: i64 = projects
            .values()
            .filter(|p| p.year <= year && p.stage() >= Stage::Approved)
            .map(|p| i64::from(p.beneficiary_households))
            .sum();
        d.funds_per_beneficiary = (beneficiaries > 0).then(|| yuan(all) / beneficiaries as f64);
        let mut asset_ids = BTreeSet::new();
        for a in r
            .assets
            .iter()
            .filter(|a| projects.contains_key(&a.project) && a.handed_over <= as_of)
        {
            d.assets += 1;
            asset_ids.insert(a.id);
            *d.asset_value_by_owner.entry(a.owner.code()).or_default() += yuan(a.value.fen());
        }
        for x in r
            .returns
            .iter()
            .filter(|x| x.year == year && asset_ids.contains(&x.asset))
        {
            d.returns_households_yuan += yuan(x.to_households.fen());
            d.returns_collective_yuan += yuan(x.to_collective.fen());
        }
        d
    }
}

/// The villages of `area` with a work team in place some time in the year of `as_of` (sent by `as_of`, not
/// withdrawn before the year began).
pub fn villages_with_team(
    teams: &[WorkTeam],
    area: &AreaCode,
    as_of: NaiveDate,
) -> BTreeSet<AreaCode> {
    let mut v = team_villages(teams, as_of);
    v.retain(|village| area.contains(village));
    v
}

/// The villages of `teams` with a work team in place some time in the year of `as_of`, wherever they are.
pub fn team_villages(teams: &[WorkTeam], as_of: NaiveDate) -> BTreeSet<AreaCode> {
    let year_start = NaiveDate::from_ymd_opt(as_of.year(), 1, 1).unwrap_or(as_of);
    teams
        .iter()
        .filter(|t| t.from <= as_of)
        .filter(|t| t.to.is_none_or(|to| to >= year_start))
        .map(|t| t.village)
        .collect()
}

/// What the project indicators are computed from: the records of the project library and its neighbours
/// and the cadre table of an area (any superset of the areas asked for).
#[derive(Debug, Clone, Default)]
pub struct ProjectInputs {
    pub records: ProjectRecords,
    pub cadres: Vec<Cadre>,
}

impl ProjectInputs {
    /// The records [`ProjectDetails::compute`] counts for `area` (and any area inside it): the details of
    /// an area from this subset equal those from the whole. Partners are all kept (they are counted
    /// through the area's donations).
    pub fn within(&self, area: &AreaCode) -> ProjectInputs {
        let r = &self.records;
        let projects: Vec<Project> = r
            .projects
            .iter()
            .filter(|p| area.contains(&p.area))
            .cloned()
            .collect();
        let ids: BTreeSet<ProjectId> = projects.iter().map(|p| p.id).collect();
        let assets: Vec<Asset> = r
            .assets
            .iter()
            .filter(|a| ids.contains(&a.project))
            .cloned()
            .collect();
        let asset_ids: BTreeSet<AssetId> = assets.iter().map(|a| a.id).collect();
        let settlements: Vec<Settlement> = r
            .settlements
            .iter()
            .filter(|x| area.contains(&x.village))
            .cloned()
            .collect();
        let settlement_ids: BTreeSet<SettlementId> = settlements.iter().map(|x| x.id).collect();
        ProjectInputs {
            records: ProjectRecords {
                beneficiaries: r
                    .beneficiaries
                    .iter()
                    .filter(|(p, _)| ids.contains(p))
                    .copied()
                    .collect(),
                allocations: r
                    .allocations
                    .iter()
                    .filter(|a| ids.contains(&a.project))
                    .cloned()
                    .collect(),
                spending: r
                    .spending
                    .iter()
                    .filter(|x| ids.contains(&x.project))
                    .cloned()
                    .collect(),
                returns: r
                    .returns
                    .iter()
                    .filter(|x| asset_ids.contains(&x.asset))
                    .cloned()
                    .collect(),
                teams: r
                    .teams
                    .iter()
                    .filter(|t| area.contains(&t.village))
                    .cloned()
                    .collect(),
                secondments: r
                    .secondments
                    .iter()
                    .filter(|x| area.contains(&x.home_area))
                    .cloned()
                    .collect(),
                partners: r.partners.clone(),
                donations: r
                    .donations
                    .iter()
                    .filter(|g| area.contains(&g.area))
                    .cloned()
                    .collect(),
                residents: r
                    .residents
                    .iter()
                    .filter(|x| settlement_ids.contains(&x.settlement))
                    .cloned()
                    .collect(),
                settlements,
                assets,
                projects,
            },
            cadres: self
                .cadres
                .iter()
                .filter(|c| area.contains(&c.area))
                .cloned()
                .collect(),
        }
    }
}

/// The details of each of `areas` (any levels) as of `as_of`, in the order given: the project
/// indicators at every level. Each area is computed by [`ProjectDetails::compute`] from the records within
/// its nearest listed ancestor ([`ProjectInputs::within`]).
pub fn details_by_area(
    areas: &[AreaCode],
    inputs: &ProjectInputs,
    as_of: NaiveDate,
) -> Vec<(AreaCode, ProjectDetails)> {
    let mut order: Vec<usize> = (0..areas.len()).collect();
    order.sort_by_key(|i| (areas[*i].level().digits(), areas[*i]));
    let mut subsets: HashMap<AreaCode, ProjectInputs> = HashMap::new();
    let mut out: Vec<Option<ProjectDetails>> = vec![None; areas.len()];
    for i in order {
        let area = areas[i];
        let ancestors: Vec<AreaCode> = area.ancestors_and_self().filter(|a| *a != area).collect();
        let parent = ancestors
            .iter()
            .rev()
            .find_map(|a| subsets.get(a))
            .unwrap_or(inputs);
        let sub = parent.within(&area);
        out[i] = Some(ProjectDetails::compute(
            &sub.records,
            &sub.cadres,
            &area,
            as_of,
        ));
        if area.level() != jingzhun_core::AreaLevel::Village {
            subsets.insert(area, sub);
        }
    }
    areas
        .iter()
        .zip(out)
        .map(|(a, d)| (*a, d.unwrap_or_default()))
        .collect()
}

/// Bazhong's published figures of issue 15 (Bazhong city government, Jan 2021; "over 2,000" work teams
/// as 2,000, a lower bound).
pub const BAZHONG_PUBLISHED_PROJECTS: &[Published] = &[
    p("central_villages", "中心村(个)", 144.0),
    p("settlement_sites", "聚居点(个)", 2_174.0),
    p("new_villages", "扶贫新村(个)", 1_125.0),
    p("rural_roads_km", "新改建农村公路(公里)", 20_749.0),
    p("schools_improved", "改善办学条件学校(所)", 405.0),
    p("health_facility_projects", "医疗卫生设施项目(个)", 1_854.0),
    p("houses_renovated", "危房改造(户)", 173_000.0),
    p("assisting_cadres", "帮扶干部(名)", 62_900.0),
    p("first_secretaries", "第一书记(名)", 2_112.0),
    p("work_teams", "驻村工作队(支, 公布为 2,000 余支)", 2_000.0),
    p("cadres_sent_liangshan", "援凉干部(名)", 132.0),
    p(
        "social_funds_yuan",
        "2014 年以来社会帮扶资金(元)",
        858_000_000.0,
    ),
    p(
        "private_enterprises_assisting",
        "参与帮扶的民营企业(家)",
        937.0,
    ),
    p(
        "poverty_day_donations_yuan",
        "扶贫日募集资金(元)",
        280_000_000.0,
    ),
];

const fn p(field: &'static str, label: &'static str, value: f64) -> Published {
    Published {
        year: 2020,
        field,
        label,
        value,
    }
}

fn int(x: f64) -> String {
    let n = x.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn wan(yuan: f64) -> String {
    format!("{:.1} 万元", yuan / 10_000.0)
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// The review's sections on projects, funds, assets, assistance forces and relocation follow-up, written as
/// the city's year-end account; `official` are the statistics kept beside (shown apart, with source);
/// `area_names` names the child areas of the funds table.
pub fn review_sections(
    d: &ProjectDetails,
    official: &[OfficialStat],
    relocation: Option<&SettlementEmployment>,
    area_names: &dyn Fn(&str) -> String,
) -> Vec<Block> {
    let f = &d.figures;
    let mut b = Vec::new();
    b.push(Block::Heading("基础设施和公共服务项目".to_owned()));
    b.push(Block::Paragraph(format!(
        "{SINCE} 年以来,新改建农村公路 {} 公里,改善办学条件学校 {} 所,实施医疗卫生设施项目 {} 个,完成危房改造 {} 户;建成中心村 {} 个、聚居点 {} 个、扶贫新村 {} 个。",
        int(f.rural_roads_km),
        int(f.schools_improved as f64),
        int(f.health_facility_projects as f64),
        int(f.houses_renovated as f64),
        int(f.central_villages as f64),
        int(f.settlement_sites as f64),
        int(f.new_villages as f64),
    )));
    let rows = ProjectKind::ALL
        .iter()
        .filter_map(|k| {
            d.completed_by_kind.get(k.code()).map(|(n, out)| {
                vec![
                    k.label().to_owned(),
                    int(*n as f64),
                    format!("{} {}", int(*out), k.unit()),
                ]
            })
        })
        .collect();
    b.push(Block::Table(
        ["项目类别", "已完工项目(个)", "完成量"]
            .map(str::to_owned)
            .to_vec(),
        rows,
    ));
    b.push(Block::Heading("扶贫资金".to_owned()));
    b.push(Block::Paragraph(format!(
        "累计安排项目资金 {},已支出 {},支出进度 {};投向产业项目的资金占 {},户均带贫资金 {} 元。",
        wan(d.total.allocated_yuan),
        wan(d.total.spent_yuan),
        pct(d.total.execution_rate),
        pct(d.industry_share),
        d.funds_per_beneficiary.map_or_else(|| "—".to_owned(), int),
    )));
    let mut rows: Vec<Vec<String>> = FundSource::ALL
        .iter()
        .filter_map(|s| {
            d.by_source.get(s.code()).map(|l| {
                vec![
                    s.label().to_owned(),
                    wan(l.allocated_yuan),
                    wan(l.spent_yuan),
                    pct(l.execution_rate),
                ]
            })
        })
        .collect();
    rows.extend(d.by_area.iter().map(|(code, l)| {
        vec![
            area_names(code),
            wan(l.allocated_yuan),
            wan(l.spent_yuan),
            pct(l.execution_rate),
        ]
    }));
    b.push(Block::Table(
        ["资金来源 / 区域", "安排", "支出", "支出进度"]
            .map(str::to_owned)
            .to_vec(),
        rows,
    ));
    b.push(Block::Heading("扶贫项目资产".to_owned()));
    let owners: Vec<String> = AssetOwner::ALL
        .iter()
        .filter_map(|o| {
            d.asset_value_by_owner
                .get(o.code())
                .map(|v| format!("{} {}", o.label(), wan(*v)))
        })
        .collect();
    b.push(Block::Paragraph(format!(
        "已移交项目资产 {} 项({});本年度资产收益分配给农户 {},村集体 {}。",
        int(d.assets as f64),
        owners.join(","),
        wan(d.returns_households_yuan),
        wan(d.returns_collective_yuan),
    )));
    b.push(Block::Heading("帮扶力量".to_owned()));
    b.push(Block::Paragraph(format!(
        "累计选派帮扶干部 {} 名,其中第一书记 {} 名;派驻驻村工作队 {} 支,本年度有 {} 个村有工作队在岗;选派援凉干部 {} 名。{} 家民营企业参与帮扶,{SINCE} 年以来社会帮扶资金 {},其中扶贫日募集 {}。",
        int(f.assisting_cadres as f64),
        int(f.first_secretaries as f64),
        int(f.work_teams as f64),
        int(d.villages_with_team as f64),
        int(f.cadres_sent_liangshan as f64),
        int(f.private_enterprises_assisting as f64),
        wan(f.social_funds_yuan),
        wan(f.poverty_day_donations_yuan),
    )));
    b.push(Block::Heading("易地扶贫搬迁后续扶持".to_owned()));
    b.push(Block::Paragraph(format!(
        "安置点(中心村、聚居点、扶贫新村)共 {} 个,入住搬迁户 {} 户。",
        int((f.central_villages + f.settlement_sites + f.new_villages) as f64),
        int(d.relocated_in_settlements as f64),
    )));
    if let Some(e) = relocation.filter(|e| e.households > e.no_labour) {
        let with_labour = e.households - e.no_labour;
        b.push(Block::Paragraph(format!(
            "有劳动力的搬迁户 {} 户,其中 {} 户至少一人就业(就业 {} 人),占 {};有劳动力而无人就业的 {} 户已列入预警清单(搬迁户无人就业)。",
            int(f64::from(with_labour)),
            int(f64::from(e.with_worker)),
            int(f64::from(e.workers)),
            pct(Some(f64::from(e.with_worker) / f64::from(with_labour))),
            int(e.without_worker.len() as f64),
        )));
    }
    if !official.is_empty() {
        b.push(Block::Heading("附:统计部门数据(与登记数据分列)".to_owned()));
        b.push(Block::Table(
            ["指标", "年度", "数值", "来源"].map(str::to_owned).to_vec(),
            official
                .iter()
                .map(|s| {
                    vec![
                        s.label.clone(),
                        s.year.to_string(),
                        format!("{} {}", int(s.value), s.unit),
                        s.source.clone(),
                    ]
                })
                .collect(),
        ));
    }
    b
}

const NUMERALS: [&str; 20] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
    "十五", "十六", "十七", "十八", "十九", "二十",
];

/// Inserts `sections` into `doc` before its footer, numbering their headings after the document's own
/// (an appendix, 附, is not numbered).
pub fn append_sections(doc: &mut Document, sections: Vec<Block>) {
    let mut n = doc
        .blocks
        .iter()
        .filter(|b| matches!(b, Block::Heading(h) if !h.starts_with('附')))
        .count();
    let sections: Vec<Block> = sections
        .into_iter()
        .map(|b| match b {
            Block::Heading(h) if !h.starts_with('附') => {
                n += 1;
                let numeral = NUMERALS.get(n - 1).copied().unwrap_or("");
                Block::Heading(format!("{numeral}、{h}"))
            }
            other => other,
        })
        .collect();
    let at = doc
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Footer(_)))
        .unwrap_or(doc.blocks.len());
    doc.blocks.splice(at..at, sections);
}

/// The project library of an area as an XLSX workbook: one sheet of projects (stage, outputs, budget) and
/// one of funds by source and area. No personal data (beneficiaries are counted, never named).
pub fn projects_workbook(
    projects: &[Project],
    details: &ProjectDetails,
    area_names: &dyn Fn(&str) -> String,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("项目库")?;
    let head = [
        "项目编号",
        "项目名称",
        "类别",
        "区划代码",
        "年度",
        "环节",
        "计划完成量",
        "实际完成量",
        "单位",
        "带贫户数",
        "预算(元)",
        "公示截止",
        "资产权属",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (i, p) in projects.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, p.id.0 as f64)?;
        sheet.write_string(r, 1, &p.name)?;
        sheet.write_string(r, 2, p.kind.label())?;
        sheet.write_string(r, 3, p.area.as_str())?;
        sheet.write_number(r, 4, f64::from(p.year))?;
        sheet.write_string(r, 5, p.stage().label())?;
        sheet.write_number(r, 6, p.planned_output)?;
        if let Some(x) = p.actual_output() {
            sheet.write_number(r, 7, x)?;
        }
        sheet.write_string(r, 8, p.kind.unit())?;
        sheet.write_number(r, 9, f64::from(p.beneficiary_households))?;
        sheet.write_number(r, 10, p.budget.fen() as f64 / 100.0)?;
        if let Some((_, until)) = p.announcement() {
            sheet.write_string(r, 11, until.to_string())?;
        }
        if let Some(o) = p.owner() {
            sheet.write_string(r, 12, o.label())?;
        }
    }
    let funds = book.add_worksheet();
    funds.set_name("资金")?;
    for (c, h) in ["资金来源 / 区域", "安排(元)", "支出(元)", "支出进度"]
        .iter()
        .enumerate()
    {
        funds.write_string(0, c as u16, *h)?;
    }
    let lines = FundSource::ALL
        .iter()
        .filter_map(|s| d_line(&details.by_source, s.code()).map(|l| (s.label().to_owned(), l)))
        .chain(details.by_area.iter().map(|(c, l)| (area_names(c), l)));
    for (r, (name, l)) in (1u32..).zip(lines) {
        funds.write_string(r, 0, &name)?;
        funds.write_number(r, 1, l.allocated_yuan)?;
        funds.write_number(r, 2, l.spent_yuan)?;
        if let Some(x) = l.execution_rate {
            funds.write_number(r, 3, x)?;
        }
    }
    book.save_to_buffer()
}

fn d_line<'a>(m: &'a BTreeMap<&'static str, FundLine>, code: &str) -> Option<&'a FundLine> {
    m.get(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use jingzhun_core::monitoring::CadreId;
    use jingzhun_core::{PersonName, Yuan};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn road(id: i64, village: &str, km: f64, completed: NaiveDate) -> Project {
        let step = |stage, on| ProjectStep {
            stage,
            on,
            announced_until: (stage == Stage::Announced).then_some(on),
            owner: (stage == Stage::HandedOver).then_some(AssetOwner::Public),
            actual_output: (stage == Stage::Completed).then_some(km),
            by: "x".into(),
            at: DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
            note: String::new(),
        };
        Project {
            id: ProjectId(id),
            name: "路".into(),
            kind: ProjectKind::Road,
            area: AreaCode::parse(village).unwrap(),
            year: 2018,
            planned_output: km,
            beneficiary_households: 10,
            budget: Yuan::from_fen(1_000_000),
            steps: vec![
                step(Stage::Proposed, d(2018, 1, 1)),
                step(Stage::Approved, d(2018, 1, 2)),
                step(Stage::Announced, d(2018, 1, 3)),
                step(Stage::UnderWay, d(2018, 1, 4)),
                step(Stage::Completed, completed),
            ],
        }
    }

    #[test]
    fn figures_count_what_was_completed_within_the_area_by_the_date() {
        let mut r = ProjectRecords::default();
        r.projects
            .push(road(1, "511902101001", 3.25, d(2018, 9, 1)));
        r.projects.push(road(2, "511903101001", 2.0, d(2018, 9, 1)));
        r.projects.push(road(3, "511902101002", 1.0, d(2021, 3, 1)));
        r.allocations.push(Allocation {
            project: ProjectId(1),
            source: FundSource::Central,
            year: 2018,
            amount: Yuan::from_fen(10_000),
        });
        r.spending.push(Spending {
            project: ProjectId(1),
            source: FundSource::Central,
            on: d(2018, 5, 1),
            amount: Yuan::from_fen(2_500),
        });
        r.partners.push(Partner {
            id: PartnerId(1),
            name: "甲".into(),
            kind: PartnerKind::PrivateEnterprise,
            area: AreaCode::parse("511902").unwrap(),
        });
        r.partners.push(Partner {
            id: PartnerId(2),
            name: "乙".into(),
            kind: PartnerKind::PrivateEnterprise,
            area: AreaCode::parse("511902").unwrap(),
        });
        for (on, fen, day) in [(d(2013, 5, 1), 1_000, false), (d(2019, 10, 17), 500, true)] {
            r.donations.push(Donation {
                partner: PartnerId(1),
                on,
                amount: Yuan::from_fen(fen),
                poverty_day: day,
                area: AreaCode::parse("511902101001").unwrap(),
            });
        }
        let cadre = |id, post| Cadre {
            id: CadreId(id),
            name: PersonName::parse("张三").unwrap(),
            phone: None,
            unit: "u".into(),
            post,
            area: AreaCode::parse("511902101001").unwrap(),
        };
        let cadres = [
            cadre(1, CadrePost::FirstSecretary),
            cadre(2, CadrePost::WorkTeamMember),
            cadre(3, CadrePost::VillageCadre),
            cadre(4, CadrePost::ResponsiblePerson),
        ];
        let area = AreaCode::parse("511902").unwrap();
        let x = ProjectDetails::compute(&r, &cadres, &area, d(2020, 12, 31));
        assert_eq!(x.figures.rural_roads_km, 3.25);
        assert_eq!(x.figures.assisting_cadres, 3);
        assert_eq!(x.figures.first_secretaries, 1);
        // Donations before 2014 are not counted; the enterprise that gave counts once.
        assert_eq!(x.figures.social_funds_yuan, 5.0);
        assert_eq!(x.figures.poverty_day_donations_yuan, 5.0);
        assert_eq!(x.figures.private_enterprises_assisting, 1);
        assert_eq!(x.total.execution_rate, Some(0.25));
        assert_eq!(x.by_source["central"].allocated_yuan, 100.0);
        let early = ProjectDetails::compute(&r, &cadres, &area, d(2018, 8, 31));
        assert_eq!(early.figures.rural_roads_km, 0.0);
        let names = |c: &str| c.to_owned();
        let blocks = review_sections(&x, &[], None, &names);
        let text = format!("{blocks:?}");
        assert!(text.contains("新改建农村公路 3 公里"), "{text}");
        assert!(text.contains("支出进度 25.0%"), "{text}");
        let mut doc = Document {
            blocks: vec![
                Block::Title("t".into()),
                Block::Heading("一、基本情况".into()),
                Block::Footer(vec![]),
            ],
        };
        append_sections(&mut doc, blocks);
        assert_eq!(
            doc.blocks[2],
            Block::Heading("二、基础设施和公共服务项目".into())
        );
        assert!(matches!(doc.blocks.last(), Some(Block::Footer(_))));
    }
}
