//! The economy workbook (issue 14): operators, industry bases, links with households, employment, products,
//! sales and village collective accounts, one sheet each, in and out.
//!
//! # Layout
//!
//! An XLSX workbook; each sheet below is optional, sheets with other names are ignored. Row 1 holds the
//! headers (exact names, any order; other columns are ignored), data from row 2, blank rows skipped. Codes
//! may be written as the code or the Chinese label (`龙头企业` or `leading_enterprise`); amounts in yuan
//! (two decimals at most); years as four digits.
//!
//! | sheet | columns (`*` required) |
//! |---|---|
//! | 经营主体 | 经营主体编号*, 名称*, 类型*, 认定级别, 认定年度, 所在区划代码* |
//! | 产业基地 | 基地编号*, 名称*, 产业类型*, 面积(亩)*, 所在村代码*, 经营主体编号, 建成年度* |
//! | 联农带农 | 户编号*, 经营主体编号*, 基地编号, 带动方式*, 年度*, 金额(元)* |
//! | 就业 | 户编号*, 证件号码*, 年度*, 就业状态*, 务工月数*, 工资性收入(元)*, 未就业原因 |
//! | 扶贫产品 | 产品编号*, 名称*, 品类*, 生产经营主体编号*, 产地区划代码*, 认定年度*, 销售平台*, 区域品牌 |
//! | 产品销售 | 产品编号*, 年度*, 销售平台*, 销售额(元)* |
//! | 村集体经济 | 村代码*, 年度*, 经营收入(元)*, 资产收益(元)*, 服务收入(元)*, 补助收入(元)*, 资产总额(元)* |
//! | 集体经济项目 | 村代码*, 年度*, 项目名称*, 投资额(元)*, 项目收入(元)* |
//!
//! 销售平台 of a product lists platforms separated by `、`, `,` or `;`. A project belongs to the account of
//! its village and year in the same file. Households are named by 户编号 and members by their resident ID
//! (text, 18 characters): whoever imports resolves them ([`Located`] keeps sheet and row for the message).
//!
//! Every problem is collected with its sheet, row, column and value ([`Problem`]); a file with any problem
//! yields no records at all (all-or-nothing). The export writes the same layout with resident IDs masked
//! (so an export is a report, not a file to re-import employment from).

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use jingzhun_core::economy::*;
use jingzhun_core::{AreaCode, HouseholdId, HouseholdNo, Yuan};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::households::{parse_amount, parse_resident_id, text_of, Problem};
use crate::table::{column_letter, Cell};

pub const OPERATORS: &str = "经营主体";
pub const BASES: &str = "产业基地";
pub const LINKS: &str = "联农带农";
pub const EMPLOYMENT: &str = "就业";
pub const PRODUCTS: &str = "扶贫产品";
pub const SALES: &str = "产品销售";
pub const ACCOUNTS: &str = "村集体经济";
pub const PROJECTS: &str = "集体经济项目";

/// Headers of each sheet, in export order; required ones are those the module docs star.
const LAYOUT: &[(&str, &[&str], &[&str])] = &[
    (
        OPERATORS,
        &[
            "经营主体编号",
            "名称",
            "类型",
            "认定级别",
            "认定年度",
            "所在区划代码",
        ],
        &["认定级别", "认定年度"],
    ),
    (
        BASES,
        &[
            "基地编号",
            "名称",
            "产业类型",
            "面积(亩)",
            "所在村代码",
            "经营主体编号",
            "建成年度",
        ],
        &["经营主体编号"],
    ),
    (
        LINKS,
        &[
            "户编号",
            "经营主体编号",
            "基地编号",
            "带动方式",
            "年度",
            "金额(元)",
        ],
        &["基地编号"],
    ),
    (
        EMPLOYMENT,
        &[
            "户编号",
            "证件号码",
            "年度",
            "就业状态",
            "务工月数",
            "工资性收入(元)",
            "未就业原因",
        ],
        &["未就业原因"],
    ),
    (
        PRODUCTS,
        &[
            "产品编号",
            "名称",
            "品类",
            "生产经营主体编号",
            "产地区划代码",
            "认定年度",
            "销售平台",
            "区域品牌",
        ],
        &["区域品牌"],
    ),
    (SALES, &["产品编号", "年度", "销售平台", "销售额(元)"], &[]),
    (
        ACCOUNTS,
        &[
            "村代码",
            "年度",
            "经营收入(元)",
            "资产收益(元)",
            "服务收入(元)",
            "补助收入(元)",
            "资产总额(元)",
        ],
        &[],
    ),
    (
        PROJECTS,
        &["村代码", "年度", "项目名称", "投资额(元)", "项目收入(元)"],
        &[],
    ),
];

/// A record with the household it names (by number) and where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub sheet: &'static str,
    pub row: usize,
    pub household_no: HouseholdNo,
    /// `household` is `HouseholdId(0)` until resolved.
    pub record: T,
}

/// The records of an economy workbook.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EconomyFile {
    pub operators: Vec<Operator>,
    pub bases: Vec<IndustryBase>,
    pub links: Vec<Located<IndustryLink>>,
    pub employment: Vec<Located<EmploymentRecord>>,
    pub products: Vec<Product>,
    pub sales: Vec<ProductSales>,
    pub accounts: Vec<CollectiveAccount>,
}

impl EconomyFile {
    pub fn rows(&self) -> usize {
        self.operators.len()
            + self.bases.len()
            + self.links.len()
            + self.employment.len()
            + self.products.len()
            + self.sales.len()
            + self.accounts.len()
    }
}

/// Why a workbook could not be read at all, or the problems of its rows.
#[derive(Debug, thiserror::Error)]
pub enum EconomyFileError {
    #[error("无法读取工作簿: {0}")]
    Open(String),
    #[error("工作簿中没有产业就业数据表(应有工作表: 经营主体、产业基地、联农带农、就业、扶贫产品、产品销售、村集体经济、集体经济项目 之一)")]
    NoSheet,
    #[error("发现 {} 处问题, 未导入任何记录:\n{}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Problems(Vec<Problem>),
}

/// One sheet's row with its columns by header.
struct Row<'a> {
    sheet: &'static str,
    row: usize,
    cells: &'a [Data],
    columns: &'a HashMap<&'static str, usize>,
    problems: &'a mut Vec<Problem>,
}

impl Row<'_> {
    fn cell(&self, header: &str) -> Cell<'_> {
        self.columns
            .get(header)
            .and_then(|i| self.cells.get(*i))
            .map_or(Cell::Empty, Cell::from_data)
    }

    fn problem(&mut self, header: &str, value: String, reason: String) {
        let column = self
            .columns
            .get(header)
            .map(|i| format!("{header}({}列)", column_letter(*i)))
            .unwrap_or_else(|| header.to_owned());
        self.problems.push(Problem {
            sheet: self.sheet.to_owned(),
            row: self.row,
            column,
            value,
            reason,
        });
    }

    /// A value parsed by `f`, or a problem; `None` for a blank optional cell.
    fn opt<T>(&mut self, header: &str, f: impl FnOnce(Cell<'_>) -> Result<T, String>) -> Option<T> {
        let cell = self.cell(header);
        if cell.is_blank() {
            return None;
        }
        let shown = cell.display();
        match f(cell) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.problem(header, shown, reason);
                None
            }
        }
    }

    fn req<T>(&mut self, header: &str, f: impl FnOnce(Cell<'_>) -> Result<T, String>) -> Option<T> {
        if self.cell(header).is_blank() {
            self.problem(header, String::new(), "必填, 不能为空".to_owned());
            return None;
        }
        self.opt(header, f)
    }

    fn text(&mut self, header: &str) -> Option<String> {
        self.req(header, |c| Ok(text_of(c).trim().to_owned()))
    }

    fn int(&mut self, header: &str) -> Option<i64> {
        self.req(header, int)
    }

    fn year(&mut self, header: &str) -> Option<u16> {
        self.req(header, year)
    }

    fn area(&mut self, header: &str) -> Option<AreaCode> {
        self.req(header, |c| {
            AreaCode::parse(text_of(c).trim()).map_err(|e| e.to_string())
        })
    }

    fn village(&mut self, header: &str) -> Option<AreaCode> {
        self.req(header, |c| {
            let code = AreaCode::parse(text_of(c).trim()).map_err(|e| e.to_string())?;
            if code.level() == jingzhun_core::AreaLevel::Village {
                Ok(code)
            } else {
                Err("应为 12 位村级区划代码".to_owned())
            }
        })
    }

    fn amount(&mut self, header: &str) -> Option<Yuan> {
        self.req(header, |c| {
            let y = parse_amount(c)?;
            if y.fen() < 0 {
                Err("金额不能为负".to_owned())
            } else {
                Ok(y)
            }
        })
    }

    fn code<T>(&mut self, header: &str, parse: fn(&str) -> Option<T>, what: &str) -> Option<T> {
        self.req(header, |c| {
            parse(&text_of(c)).ok_or_else(|| format!("不是有效的{what}"))
        })
    }

    fn opt_code<T>(&mut self, header: &str, parse: fn(&str) -> Option<T>, what: &str) -> Option<T> {
        self.opt(header, |c| {
            parse(&text_of(c)).ok_or_else(|| format!("不是有效的{what}"))
        })
    }

    fn household_no(&mut self) -> Option<HouseholdNo> {
        self.req("户编号", |c| {
            HouseholdNo::parse(&text_of(c)).map_err(|e| e.to_string())
        })
    }

    /// A record's own check, as a row-level problem.
    fn check(&mut self, result: Result<(), EconomyError>) -> bool {
        match result {
            Ok(()) => true,
            Err(e) => {
                self.problems.push(Problem {
                    sheet: self.sheet.to_owned(),
                    row: self.row,
                    column: String::new(),
                    value: String::new(),
                    reason: e.0,
                });
                false
            }
        }
    }
}

fn int(c: Cell<'_>) -> Result<i64, String> {
    match c {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(n as i64),
        other => text_of(other)
            .trim()
            .parse::<i64>()
            .map_err(|_| "应为整数".to_owned()),
    }
}

fn year(c: Cell<'_>) -> Result<u16, String> {
    let y = int(c)?;
    u16::try_from(y)
        .ok()
        .filter(|y| (1949..=2100).contains(y))
        .ok_or_else(|| "应为四位年度".to_owned())
}

fn platforms(c: Cell<'_>) -> Result<Vec<SalesPlatform>, String> {
    let text = text_of(c);
    let mut out = Vec::new();
    for part in text
        .split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let p =
            SalesPlatform::parse(part).ok_or_else(|| format!("「{part}」不是有效的销售平台"))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.sort();
    if out.is_empty() {
        return Err("至少填写一个销售平台".to_owned());
    }
    Ok(out)
}

const UNRESOLVED: HouseholdId = HouseholdId(0);

/// Reads an economy workbook (see the module docs); all or nothing.
pub fn read_economy_xlsx(bytes: &[u8]) -> Result<EconomyFile, EconomyFileError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| EconomyFileError::Open(e.to_string()))?;
    let mut out = EconomyFile::default();
    let mut problems = Vec::new();
    let mut projects: Vec<(usize, AreaCode, u16, CollectiveProject)> = Vec::new();
    let mut found = false;
    for (sheet, headers, optional) in LAYOUT {
        let Ok(range) = book.worksheet_range(sheet) else {
            continue;
        };
        found = true;
        let mut rows = range.rows();
        let Some(header_row) = rows.next() else {
            continue;
        };
        let columns: HashMap<&'static str, usize> = headers
            .iter()
            .filter_map(|h| {
                header_row
                    .iter()
                    .position(|c| c.to_string().trim() == *h)
                    .map(|i| (*h, i))
            })
            .collect();
        let missing: Vec<&str> = headers
            .iter()
            .filter(|h| !columns.contains_key(*h) && !optional.contains(h))
            .copied()
            .collect();
        if !missing.is_empty() {
            problems.push(Problem {
                sheet: (*sheet).to_owned(),
                row: 1,
                column: String::new(),
                value: String::new(),
                reason: format!("缺少列: {}", missing.join("、")),
            });
            continue;
        }
        for (i, cells) in rows.enumerate() {
            if cells.iter().all(|c| Cell::from_data(c).is_blank()) {
                continue;
            }
            let mut r = Row {
                sheet,
                row: i + 2,
                cells,
                columns: &columns,
                problems: &mut problems,
            };
            read_row(&mut r, &mut out, &mut projects);
        }
    }
    if !found {
        return Err(EconomyFileError::NoSheet);
    }
    for (row, village, year, project) in projects {
        match out
            .accounts
            .iter_mut()
            .find(|a| a.village == village && a.year == year)
        {
            Some(a) => a.projects.push(project),
            None => problems.push(Problem {
                sheet: PROJECTS.to_owned(),
                row,
                column: String::new(),
                value: format!("{village} {year}"),
                reason: "本文件「村集体经济」表中没有该村该年度的账目".to_owned(),
            }),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(EconomyFileError::Problems(problems))
    }
}

fn read_row(
    r: &mut Row<'_>,
    out: &mut EconomyFile,
    projects: &mut Vec<(usize, AreaCode, u16, CollectiveProject)>,
) {
    match r.sheet {
        OPERATORS => {
            let (id, name, kind, level, year, area) = (
                r.int("经营主体编号"),
                r.text("名称"),
                r.code("类型", OperatorKind::parse, "经营主体类型"),
                r.opt_code("认定级别", EnterpriseLevel::parse, "认定级别"),
                r.opt("认定年度", year),
                r.area("所在区划代码"),
            );
            if let (Some(id), Some(name), Some(kind), Some(area)) = (id, name, kind, area) {
                let o = Operator {
                    id: OperatorId(id),
                    name,
                    kind,
                    level,
                    recognised_year: year,
                    area,
                };
                if r.check(o.check()) {
                    out.operators.push(o);
                }
            }
        }
        BASES => {
            let (id, name, kind, mu, village, operator, established) = (
                r.int("基地编号"),
                r.text("名称"),
                r.code("产业类型", IndustryKind::parse, "产业类型"),
                r.req("面积(亩)", |c| match c {
                    Cell::Number(n) => Ok(n),
                    other => text_of(other)
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| "应为数字".to_owned()),
                }),
                r.village("所在村代码"),
                r.opt("经营主体编号", int),
                r.year("建成年度"),
            );
            if let (
                Some(id),
                Some(name),
                Some(kind),
                Some(area_mu),
                Some(village),
                Some(established),
            ) = (id, name, kind, mu, village, established)
            {
                let b = IndustryBase {
                    id: BaseId(id),
                    name,
                    kind,
                    area_mu,
                    village,
                    operator: operator.map(OperatorId),
                    established,
                };
                if r.check(b.check()) {
                    out.bases.push(b);
                }
            }
        }
        LINKS => {
            let (no, operator, base, kind, year, amount) = (
                r.household_no(),
                r.int("经营主体编号"),
                r.opt("基地编号", int),
                r.code("带动方式", LinkKind::parse, "带动方式"),
                r.year("年度"),
                r.amount("金额(元)"),
            );
            if let (Some(no), Some(operator), Some(kind), Some(year), Some(amount)) =
                (no, operator, kind, year, amount)
            {
                let l = IndustryLink {
                    household: UNRESOLVED,
                    operator: OperatorId(operator),
                    base: base.map(BaseId),
                    kind,
                    year,
                    amount,
                };
                if r.check(l.check()) {
                    out.links.push(Located {
                        sheet: LINKS,
                        row: r.row,
                        household_no: no,
                        record: l,
                    });
                }
            }
        }
        EMPLOYMENT => {
            let today = chrono::Utc::now().date_naive();
            let (no, member, year, status, months, wage, reason) = (
                r.household_no(),
                r.req("证件号码", |c| parse_resident_id(c, today)),
                r.year("年度"),
                r.code("就业状态", EmploymentStatus::parse, "就业状态"),
                r.req("务工月数", |c| {
                    let m = int(c)?;
                    u8::try_from(m)
                        .ok()
                        .filter(|m| *m <= 12)
                        .ok_or_else(|| "应为 0 到 12 的整数".to_owned())
                }),
                r.amount("工资性收入(元)"),
                r.opt_code("未就业原因", NotWorkingReason::parse, "未就业原因"),
            );
            if let (Some(no), Some(member), Some(year), Some(status), Some(months), Some(wage)) =
                (no, member, year, status, months, wage)
            {
                let e = EmploymentRecord {
                    household: UNRESOLVED,
                    member,
                    year,
                    status,
                    months,
                    wage,
                    reason,
                };
                if r.check(e.check()) {
                    out.employment.push(Located {
                        sheet: EMPLOYMENT,
                        row: r.row,
                        household_no: no,
                        record: e,
                    });
                }
            }
        }
        PRODUCTS => {
            let (id, name, category, producer, area, certified, platforms, brand) = (
                r.int("产品编号"),
                r.text("名称"),
                r.code("品类", ProductCategory::parse, "产品品类"),
                r.int("生产经营主体编号"),
                r.area("产地区划代码"),
                r.year("认定年度"),
                r.req("销售平台", platforms),
                r.opt("区域品牌", |c| Ok(text_of(c).trim().to_owned())),
            );
            if let (
                Some(id),
                Some(name),
                Some(category),
                Some(producer),
                Some(area),
                Some(certified),
                Some(platforms),
            ) = (id, name, category, producer, area, certified, platforms)
            {
                let p = Product {
                    id: ProductId(id),
                    name,
                    category,
                    producer: OperatorId(producer),
                    area,
                    certified_year: certified,
                    platforms,
                    brand,
                };
                if r.check(p.check()) {
                    out.products.push(p);
                }
            }
        }
        SALES => {
            let (product, year, platform, amount) = (
                r.int("产品编号"),
                r.year("年度"),
                r.code("销售平台", SalesPlatform::parse, "销售平台"),
                r.amount("销售额(元)"),
            );
            if let (Some(product), Some(year), Some(platform), Some(amount)) =
                (product, year, platform, amount)
            {
                let s = ProductSales {
                    product: ProductId(product),
                    year,
                    platform,
                    amount,
                };
                if r.check(s.check()) {
                    out.sales.push(s);
                }
            }
        }
        ACCOUNTS => {
            let (village, year, op, assets_income, services, subsidies, assets) = (
                r.village("村代码"),
                r.year("年度"),
                r.amount("经营收入(元)"),
                r.amount("资产收益(元)"),
                r.amount("服务收入(元)"),
                r.amount("补助收入(元)"),
                r.amount("资产总额(元)"),
            );
            if let (
                Some(village),
                Some(year),
                Some(op),
                Some(ai),
                Some(sv),
                Some(sb),
                Some(assets),
            ) = (
                village,
                year,
                op,
                assets_income,
                services,
                subsidies,
                assets,
            ) {
                let a = CollectiveAccount {
                    village,
                    year,
                    income: [op, ai, sv, sb],
                    assets,
                    projects: Vec::new(),
                };
                if r.check(a.check()) {
                    out.accounts.push(a);
                }
            }
        }
        PROJECTS => {
            let (village, year, name, invested, income) = (
                r.village("村代码"),
                r.year("年度"),
                r.text("项目名称"),
                r.amount("投资额(元)"),
                r.amount("项目收入(元)"),
            );
            if let (Some(village), Some(year), Some(name), Some(invested), Some(income)) =
                (village, year, name, invested, income)
            {
                projects.push((
                    r.row,
                    village,
                    year,
                    CollectiveProject {
                        name,
                        invested,
                        income,
                    },
                ));
            }
        }
        _ => {}
    }
}

/// Records to export, with the household numbers links and employment name.
pub struct EconomyExport<'a> {
    pub operators: &'a [Operator],
    pub bases: &'a [IndustryBase],
    pub links: &'a [IndustryLink],
    pub employment: &'a [EmploymentRecord],
    pub products: &'a [Product],
    pub sales: &'a [ProductSales],
    pub accounts: &'a [CollectiveAccount],
    pub household_no: &'a dyn Fn(HouseholdId) -> Option<HouseholdNo>,
}

fn yuan(y: Yuan) -> f64 {
    y.fen() as f64 / 100.0
}

enum V {
    S(String),
    N(f64),
    E,
}

/// Writes the workbook in the layout of the module docs; resident IDs masked.
pub fn write_economy_xlsx(x: &EconomyExport<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new().set_bold();
    let no = |h: HouseholdId| {
        (x.household_no)(h).map_or_else(|| format!("ID {h}"), |n| n.as_str().to_owned())
    };
    let opt_n = |v: Option<f64>| v.map_or(V::E, V::N);
    let sheets: Vec<(&str, Vec<Vec<V>>)> = vec![
        (
            OPERATORS,
            x.operators
                .iter()
                .map(|o| {
                    vec![
                        V::N(o.id.0 as f64),
                        V::S(o.name.clone()),
                        V::S(o.kind.label().into()),
                        o.level.map_or(V::E, |l| V::S(l.label().into())),
                        opt_n(o.recognised_year.map(f64::from)),
                        V::S(o.area.as_str().into()),
                    ]
                })
                .collect(),
        ),
        (
            BASES,
            x.bases
                .iter()
                .map(|b| {
                    vec![
                        V::N(b.id.0 as f64),
                        V::S(b.name.clone()),
                        V::S(b.kind.label().into()),
                        V::N(b.area_mu),
                        V::S(b.village.as_str().into()),
                        opt_n(b.operator.map(|o| o.0 as f64)),
                        V::N(f64::from(b.established)),
                    ]
                })
                .collect(),
        ),
        (
            LINKS,
            x.links
                .iter()
                .map(|l| {
                    vec![
                        V::S(no(l.household)),
                        V::N(l.operator.0 as f64),
                        opt_n(l.base.map(|b| b.0 as f64)),
                        V::S(l.kind.label().into()),
                        V::N(f64::from(l.year)),
                        V::N(yuan(l.amount)),
                    ]
                })
                .collect(),
        ),
        (
            EMPLOYMENT,
            x.employment
                .iter()
                .map(|e| {
                    vec![
                        V::S(no(e.household)),
                        V::S(e.member.masked()),
                        V::N(f64::from(e.year)),
                        V::S(e.status.label().into()),
                        V::N(f64::from(e.months)),
                        V::N(yuan(e.wage)),
                        e.reason.map_or(V::E, |r| V::S(r.label().into())),
                    ]
                })
                .collect(),
        ),
        (
            PRODUCTS,
            x.products
                .iter()
                .map(|p| {
                    vec![
                        V::N(p.id.0 as f64),
                        V::S(p.name.clone()),
                        V::S(p.category.label().into()),
                        V::N(p.producer.0 as f64),
                        V::S(p.area.as_str().into()),
                        V::N(f64::from(p.certified_year)),
                        V::S(
                            p.platforms
                                .iter()
                                .map(|p| p.label())
                                .collect::<Vec<_>>()
                                .join("、"),
                        ),
                        p.brand.clone().map_or(V::E, V::S),
                    ]
                })
                .collect(),
        ),
        (
            SALES,
            x.sales
                .iter()
                .map(|s| {
                    vec![
                        V::N(s.product.0 as f64),
                        V::N(f64::from(s.year)),
                        V::S(s.platform.label().into()),
                        V::N(yuan(s.amount)),
                    ]
                })
                .collect(),
        ),
        (
            ACCOUNTS,
            x.accounts
                .iter()
                .map(|a| {
                    let mut row = vec![V::S(a.village.as_str().into()), V::N(f64::from(a.year))];
                    row.extend(a.income.iter().map(|v| V::N(yuan(*v))));
                    row.push(V::N(yuan(a.assets)));
                    row
                })
                .collect(),
        ),
        (
            PROJECTS,
            x.accounts
                .iter()
                .flat_map(|a| {
                    a.projects.iter().map(move |p| {
                        vec![
                            V::S(a.village.as_str().into()),
                            V::N(f64::from(a.year)),
                            V::S(p.name.clone()),
                            V::N(yuan(p.invested)),
                            V::N(yuan(p.income)),
                        ]
                    })
                })
                .collect(),
        ),
    ];
    for (name, rows) in sheets {
        let headers = LAYOUT
            .iter()
            .find(|(s, _, _)| *s == name)
            .map(|(_, h, _)| *h)
            .unwrap_or_default();
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &header)?;
            sheet.set_column_width(c as u16, 16.0)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, v) in row.iter().enumerate() {
                match v {
                    // Text that a spreadsheet would take for a formula is written with a leading quote.
                    V::S(s) if s.starts_with(['=', '+', '-', '@']) => {
                        sheet.write_string(r, c as u16, format!("'{s}"))?
                    }
                    V::S(s) => sheet.write_string(r, c as u16, s)?,
                    V::N(n) => sheet.write_number(r, c as u16, *n)?,
                    V::E => sheet,
                };
            }
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
        let mut b = Workbook::new();
        for (name, rows) in sheets {
            let s = b.add_worksheet();
            s.set_name(*name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    s.write_string(r as u32, c as u16, *v).unwrap();
                }
            }
        }
        b.save_to_buffer().unwrap()
    }

    fn id(seq: u32) -> String {
        let mut t = format!("51190219850101{seq:03}");
        t.push(jingzhun_core::resident_id::check_character(t.as_bytes()));
        t
    }

    #[test]
    fn every_sheet_is_read_with_codes_or_labels() {
        let member = id(5);
        let bytes = book(&[
            (
                OPERATORS,
                vec![
                    vec![
                        "经营主体编号",
                        "名称",
                        "类型",
                        "认定级别",
                        "认定年度",
                        "所在区划代码",
                    ],
                    vec!["1", "巴中某茶业公司", "龙头企业", "省级", "2016", "511902"],
                    vec!["2", "某合作社", "cooperative", "", "", "511902101001"],
                ],
            ),
            (
                BASES,
                vec![
                    vec![
                        "基地编号",
                        "名称",
                        "产业类型",
                        "面积(亩)",
                        "所在村代码",
                        "经营主体编号",
                        "建成年度",
                    ],
                    vec!["10", "茶园", "茶叶", "1200.5", "511902101001", "1", "2016"],
                ],
            ),
            (
                LINKS,
                vec![
                    vec![
                        "户编号",
                        "经营主体编号",
                        "基地编号",
                        "带动方式",
                        "年度",
                        "金额(元)",
                    ],
                    vec!["5119021010010001", "1", "10", "入股分红", "2020", "300.50"],
                ],
            ),
            (
                EMPLOYMENT,
                vec![
                    vec![
                        "户编号",
                        "证件号码",
                        "年度",
                        "就业状态",
                        "务工月数",
                        "工资性收入(元)",
                        "未就业原因",
                    ],
                    vec![
                        "5119021010010001",
                        &member,
                        "2020",
                        "省外务工",
                        "10",
                        "32000",
                        "",
                    ],
                ],
            ),
            (
                PRODUCTS,
                vec![
                    vec![
                        "产品编号",
                        "名称",
                        "品类",
                        "生产经营主体编号",
                        "产地区划代码",
                        "认定年度",
                        "销售平台",
                        "区域品牌",
                    ],
                    vec![
                        "100",
                        "巴中云顶银针",
                        "茶叶",
                        "1",
                        "511902",
                        "2019",
                        "电商平台、832平台",
                        "巴中云顶",
                    ],
                ],
            ),
            (
                SALES,
                vec![
                    vec!["产品编号", "年度", "销售平台", "销售额(元)"],
                    vec!["100", "2020", "832平台", "120000"],
                ],
            ),
            (
                ACCOUNTS,
                vec![
                    vec![
                        "村代码",
                        "年度",
                        "经营收入(元)",
                        "资产收益(元)",
                        "服务收入(元)",
                        "补助收入(元)",
                        "资产总额(元)",
                    ],
                    vec![
                        "511902101001",
                        "2020",
                        "80000",
                        "40000",
                        "5000",
                        "200000",
                        "3000000",
                    ],
                ],
            ),
            (
                PROJECTS,
                vec![
                    vec!["村代码", "年度", "项目名称", "投资额(元)", "项目收入(元)"],
                    vec!["511902101001", "2020", "茶叶加工厂", "500000", "60000"],
                ],
            ),
        ]);
        let f = read_economy_xlsx(&bytes).unwrap();
        assert_eq!(f.rows(), 8);
        assert_eq!(f.operators[1].kind, OperatorKind::Cooperative);
        assert_eq!(f.links[0].record.amount, Yuan::from_fen(30_050));
        assert_eq!(f.links[0].row, 2);
        assert_eq!(f.employment[0].record.member.as_str(), member);
        assert_eq!(
            f.products[0].platforms,
            vec![SalesPlatform::P832, SalesPlatform::Ecommerce]
        );
        assert_eq!(f.accounts[0].projects.len(), 1);
        assert_eq!(f.accounts[0].band(), CollectiveBand::From100kTo1m);
    }

    #[test]
    fn any_problem_rejects_the_file_naming_sheet_row_and_column() {
        let bytes = book(&[
            (
                OPERATORS,
                vec![
                    vec!["经营主体编号", "名称", "类型", "所在区划代码"],
                    vec!["1", "好公司", "合作社", "511902"],
                    vec!["2", "坏公司", "龙头企业", "511902"],
                    vec!["x", "", "工厂", "5119021"],
                ],
            ),
            (
                EMPLOYMENT,
                vec![
                    vec![
                        "户编号",
                        "证件号码",
                        "年度",
                        "就业状态",
                        "务工月数",
                        "工资性收入(元)",
                    ],
                    vec!["5119021010010001", &id(7), "2020", "省外务工", "13", "-5"],
                ],
            ),
            (
                PROJECTS,
                vec![
                    vec!["村代码", "年度", "项目名称", "投资额(元)", "项目收入(元)"],
                    vec!["511902101001", "2020", "光伏", "1", "1"],
                ],
            ),
        ]);
        let Err(EconomyFileError::Problems(p)) = read_economy_xlsx(&bytes) else {
            panic!("should fail");
        };
        let text: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        let all = text.join("\n");
        assert!(
            all.contains(
                "工作表「经营主体」第 3 行: 经营主体 2是龙头企业, 应填写认定级别和认定年度"
            ),
            "{all}"
        );
        assert!(
            all.contains("工作表「经营主体」第 4 行「经营主体编号(A列)」 值「x」: 应为整数"),
            "{all}"
        );
        assert!(all.contains("第 4 行「名称(B列)」"), "{all}");
        assert!(all.contains("第 4 行「类型(C列)」 值「工厂」"), "{all}");
        assert!(
            all.contains("工作表「就业」第 2 行「务工月数(E列)」 值「13」"),
            "{all}"
        );
        assert!(
            all.contains("「工资性收入(元)(F列)」 值「-5」: 金额不能为负"),
            "{all}"
        );
        assert!(all.contains("工作表「集体经济项目」第 2 行"), "{all}");
        assert!(
            !all.contains(&id(7)),
            "no resident ID in the messages of other columns"
        );
        let missing = book(&[(SALES, vec![vec!["产品编号", "年度"]])]);
        let Err(EconomyFileError::Problems(p)) = read_economy_xlsx(&missing) else {
            panic!("should fail");
        };
        assert!(
            p[0].reason.contains("缺少列: 销售平台、销售额(元)"),
            "{}",
            p[0]
        );
        assert!(matches!(
            read_economy_xlsx(&book(&[("说明", vec![])])),
            Err(EconomyFileError::NoSheet)
        ));
    }

    #[test]
    fn the_export_reads_back_except_for_masked_ids() {
        let operators = vec![Operator {
            id: OperatorId(1),
            name: "=合作社".into(),
            kind: OperatorKind::Cooperative,
            level: None,
            recognised_year: None,
            area: AreaCode::parse("511902101001").unwrap(),
        }];
        let accounts = vec![CollectiveAccount {
            village: AreaCode::parse("511902101001").unwrap(),
            year: 2021,
            income: [
                Yuan::from_yuan(1),
                Yuan::from_yuan(2),
                Yuan::from_yuan(3),
                Yuan::from_yuan(4),
            ],
            assets: Yuan::from_fen(12_345),
            projects: vec![CollectiveProject {
                name: "光伏".into(),
                invested: Yuan::from_yuan(9),
                income: Yuan::from_yuan(1),
            }],
        }];
        let bytes = write_economy_xlsx(&EconomyExport {
            operators: &operators,
            bases: &[],
            links: &[],
            employment: &[],
            products: &[],
            sales: &[],
            accounts: &accounts,
            household_no: &|_| None,
        })
        .unwrap();
        let back = read_economy_xlsx(&bytes).unwrap();
        assert_eq!(back.accounts, accounts);
        // Written with a leading quote so that no spreadsheet runs it; read back as written.
        assert_eq!(back.operators[0].name, "=合作社");
    }
}
