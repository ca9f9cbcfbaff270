//! Every route of the application, in one table: method, path, what access it needs, and its handler.
//!
//! The router is built from this table ([`router`]), the OpenAPI document is generated from it
//! (`openapi.rs`), and the access-control test walks it with every role, so the three cannot drift apart.
//! A route's [`Access::Action`] must be the action its handler's `Can<…>` extractor names; the test checks
//! the resulting behaviour for every role.

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, patch, post, MethodRouter};
use axum::{middleware, Router};

use crate::access::Action;
use crate::features::monitoring::case_handlers::step_action;
use crate::features::monitoring::workflow::Step;
use crate::http::error::render_errors;
use crate::http::headers;
use crate::http::{assets, csrf, i18n, upload};
use crate::state::AppState;
use crate::{features, openapi};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, assets, language switch, the OpenAPI document).
    Public,
    /// Any signed-in account, even one that must still change its password (sign-out, password change).
    SignedIn,
    /// A signed-in account whose role [`crate::access::allows`] the action, within its area.
    Action(Action),
}

/// One route's description.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    /// Axum path syntax: `{id}` is a household id, `{code}` an area code, `{case}` a monitoring case, `{account}`
    /// an account id, `{attachment}` an attachment id.
    pub path: &'static str,
    pub access: Access,
    /// One line for the OpenAPI document.
    pub summary: &'static str,
}

impl RouteSpec {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/v1/")
    }
}

fn spec(method: Method, path: &'static str, access: Access, summary: &'static str) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        summary,
    }
}

/// The table.
pub fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::{Public, SignedIn};
    use Action as A;
    vec![
        // Public.
        (
            spec(Method::GET, "/login", Public, "登录页"),
            get(features::accounts::handlers::login_form),
        ),
        (
            spec(Method::POST, "/login", Public, "登录"),
            post(features::accounts::handlers::login),
        ),
        (
            spec(Method::GET, "/lang", Public, "切换语言"),
            get(i18n::switch_lang::<AppState>),
        ),
        // The project library (features/projects).
        (
            spec(
                Method::GET,
                "/projects",
                Access::Action(A::ViewProjects),
                "项目库与帮扶力量",
            ),
            get(crate::features::projects::handlers::list),
        ),
        (
            spec(
                Method::POST,
                "/projects/export",
                Access::Action(A::ViewProjects),
                "导出项目库(XLSX)",
            ),
            post(crate::features::projects::handlers::export),
        ),
        (
            spec(
                Method::GET,
                "/projects/{project}",
                Access::Action(A::ViewProjects),
                "项目详情",
            ),
            get(crate::features::projects::handlers::show),
        ),
        (
            spec(
                Method::POST,
                "/projects/{project}/step",
                Access::Action(A::RecordProjectStep),
                "登记项目环节",
            ),
            post(crate::features::projects::handlers::step),
        ),
        (
            spec(
                Method::POST,
                "/projects/{project}/approve",
                Access::Action(A::ApproveProject),
                "审批或验收项目(县级)",
            ),
            post(crate::features::projects::handlers::approve),
        ),
        (
            spec(Method::GET, "/healthz", Public, "健康检查"),
            get(healthz),
        ),
        (
            spec(Method::GET, "/assets/{file}", Public, "静态资源"),
            get(assets::asset),
        ),
        (
            spec(Method::GET, "/api/openapi.json", Public, "OpenAPI 文档"),
            get(openapi::document),
        ),
        // Any signed-in account.
        (
            spec(Method::POST, "/logout", SignedIn, "退出"),
            post(features::accounts::handlers::logout),
        ),
        (
            spec(Method::GET, "/password", SignedIn, "修改密码页"),
            get(features::accounts::handlers::password_form),
        ),
        (
            spec(Method::POST, "/password", SignedIn, "修改密码"),
            post(features::accounts::handlers::change_password),
        ),
        (
            spec(Method::GET, "/api/v1/me", SignedIn, "当前账号"),
            get(features::accounts::api::me),
        ),
        // Pages.
        (
            spec(
                Method::GET,
                "/",
                Access::Action(A::ViewDashboard),
                "本区域概览",
            ),
            get(features::dashboard::handlers::home),
        ),
        (
            spec(
                Method::GET,
                "/areas/{code}",
                Access::Action(A::ViewDashboard),
                "下级区域概览",
            ),
            get(features::dashboard::handlers::area_dashboard),
        ),
        (
            spec(
                Method::GET,
                "/households",
                Access::Action(A::SearchHouseholds),
                "农户查询",
            ),
            get(features::households::handlers::search),
        ),
        (
            spec(
                Method::GET,
                "/households/{id}",
                Access::Action(A::ViewHousehold),
                "农户详情",
            ),
            get(features::households::handlers::household),
        ),
        (
            spec(
                Method::GET,
                "/households/{id}/edit",
                Access::Action(A::EditHousehold),
                "修改农户信息页",
            ),
            get(features::households::handlers::edit_form),
        ),
        (
            spec(
                Method::POST,
                "/households/{id}/edit",
                Access::Action(A::EditHousehold),
                "修改农户信息(基于表单所示版本)",
            ),
            post(features::households::handlers::edit),
        ),
        // The income survey and member changes (`features::survey`).
        (
            spec(
                Method::GET,
                "/survey",
                Access::Action(A::EditHousehold),
                "年度收入采集表（village、year）",
            ),
            get(crate::features::survey::handlers::grid),
        ),
        (
            spec(
                Method::POST,
                "/survey",
                Access::Action(A::EditHousehold),
                "保存收入采集表（整表保存，任一行有误或已被他人修改则不保存）",
            ),
            post(crate::features::survey::handlers::save),
        ),
        (
            spec(
                Method::GET,
                "/households/{id}/members",
                Access::Action(A::EditHousehold),
                "家庭成员与人口变动",
            ),
            get(crate::features::survey::handlers::members),
        ),
        (
            spec(
                Method::POST,
                "/households/{id}/members/add",
                Access::Action(A::EditHousehold),
                "增加成员（出生、婚入、合户迁入）",
            ),
            post(crate::features::survey::handlers::add),
        ),
        (
            spec(
                Method::POST,
                "/households/{id}/members/remove",
                Access::Action(A::EditHousehold),
                "减少成员（死亡、婚出、分户迁出）",
            ),
            post(crate::features::survey::handlers::remove),
        ),
        (
            spec(
                Method::GET,
                "/import/template",
                Access::Action(A::ImportData),
                "导入模板 XLSX（含填写说明；village、year）",
            ),
            get(crate::features::survey::handlers::template),
        ),
        (
            spec(
                Method::GET,
                "/policy",
                Access::Action(A::ViewPolicyParams),
                "本区域生效的政策参数 (year)",
            ),
            get(features::policy::handlers::policy),
        ),
        (
            spec(
                Method::GET,
                "/whatif",
                Access::Action(A::RunWhatIf),
                "政策推演表单 (year, 参数; 只显示表单, 不运行)",
            ),
            get(features::whatif::handlers::page),
        ),
        (
            spec(
                Method::POST,
                "/whatif",
                Access::Action(A::RunWhatIf),
                "运行政策推演 (表单: year, 参数, area, page)",
            ),
            post(features::whatif::handlers::run),
        ),
        (
            spec(
                Method::GET,
                "/admin/accounts",
                Access::Action(A::ManageAccounts),
                "账号管理",
            ),
            get(features::accounts::handlers::accounts),
        ),
        (
            spec(
                Method::POST,
                "/admin/accounts",
                Access::Action(A::ManageAccounts),
                "新建账号",
            ),
            post(features::accounts::handlers::create_account),
        ),
        (
            spec(
                Method::POST,
                "/admin/accounts/{account}/reset",
                Access::Action(A::ManageAccounts),
                "重置密码",
            ),
            post(features::accounts::handlers::reset_password),
        ),
        (
            spec(
                Method::POST,
                "/admin/accounts/{account}/disable",
                Access::Action(A::ManageAccounts),
                "停用账号",
            ),
            post(features::accounts::handlers::disable_account),
        ),
        (
            spec(
                Method::POST,
                "/admin/accounts/{account}/enable",
                Access::Action(A::ManageAccounts),
                "启用账号",
            ),
            post(features::accounts::handlers::enable_account),
        ),
        // Spreadsheet import: upload → validation report → confirm (see `features::import`).
        (
            spec(
                Method::GET,
                "/import",
                Access::Action(A::ImportData),
                "导入户籍表页",
            ),
            get(features::import::handlers::form),
        ),
        (
            spec(
                Method::POST,
                "/import",
                Access::Action(A::ImportData),
                "上传户籍表并校验(multipart/form-data; 不写入)",
            ),
            post(features::import::handlers::upload).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD_BYTES)),
        ),
        (
            spec(
                Method::POST,
                "/import/confirm",
                Access::Action(A::ImportData),
                "确认导入已预览的文件 (token, sha256)",
            ),
            post(features::import::handlers::confirm),
        ),
        // Importing a county's monitoring records (`features::monitoring_import`).
        (
            spec(
                Method::GET,
                "/import/monitoring",
                Access::Action(A::ImportData),
                "导入监测帮扶记录页",
            ),
            get(crate::features::monitoring_import::handlers::form),
        ),
        (
            spec(
                Method::POST,
                "/import/monitoring",
                Access::Action(A::ImportData),
                "上传监测帮扶记录并校验(multipart/form-data; 不写入)",
            ),
            post(crate::features::monitoring_import::handlers::upload)
                .layer(DefaultBodyLimit::max(upload::MAX_UPLOAD_BYTES)),
        ),
        (
            spec(
                Method::POST,
                "/import/monitoring/confirm",
                Access::Action(A::ImportData),
                "确认导入已预览的监测帮扶记录 (token, sha256)",
            ),
            post(crate::features::monitoring_import::handlers::confirm),
        ),
        (
            spec(
                Method::GET,
                "/import/monitoring/template",
                Access::Action(A::ImportData),
                "监测帮扶记录导入模板 XLSX（含填写说明）",
            ),
            get(crate::features::monitoring_import::handlers::template),
        ),
        // Report downloads for the account's area (see `features::reports`).
        (
            spec(
                Method::GET,
                "/reports",
                Access::Action(A::DownloadReports),
                "报表下载页 (year)",
            ),
            get(features::reports::handlers::page),
        ),
        (
            spec(
                Method::POST,
                "/reports/tables",
                Access::Action(A::DownloadReports),
                "标准报表 XLSX (表单: year)",
            ),
            post(features::reports::handlers::tables),
        ),
        (
            spec(
                Method::POST,
                "/reports/annual",
                Access::Action(A::DownloadReports),
                "年度报告 (表单: year, format=html|md)",
            ),
            post(features::reports::handlers::annual),
        ),
        (
            spec(
                Method::POST,
                "/reports/export",
                Access::Action(A::DownloadReports),
                "农户清单导出 (表单: format=xlsx|csv, year; 按角色遮蔽证件号码与健康信息, 记入审计)",
            ),
            post(features::reports::handlers::export),
        ),
        // The rural economy (`features::economy`).
        (
            spec(
                Method::GET,
                "/economy",
                Access::Action(A::ViewDashboard),
                "产业基地、经营主体、扶贫产品与村集体经济 (year)",
            ),
            get(crate::features::economy::handlers::page),
        ),
        (
            spec(
                Method::POST,
                "/economy/export",
                Access::Action(A::DownloadReports),
                "产业就业数据导出 XLSX (year; 证件号码遮蔽, 记入审计)",
            ),
            post(crate::features::economy::handlers::export),
        ),
        // The monitoring workflow.
        (
            spec(
                Method::GET,
                "/cases",
                Access::Action(A::ViewHousehold),
                "监测线索与办理事项",
            ),
            get(crate::features::monitoring::handlers::inbox),
        ),
        (
            spec(
                Method::GET,
                "/households/{id}/leads/new",
                Access::Action(A::RecordLead),
                "登记风险线索页",
            ),
            get(features::households::lead::lead_form),
        ),
        (
            spec(
                Method::POST,
                "/households/{id}/leads",
                Access::Action(A::RecordLead),
                "登记风险线索",
            ),
            post(features::households::lead::create_lead),
        ),
        (
            spec(
                Method::GET,
                "/cases/{case}",
                Access::Action(A::ViewHousehold),
                "监测事项",
            ),
            get(features::monitoring::case_handlers::case),
        ),
        (
            spec(
                Method::GET,
                "/cases/{case}/notice",
                Access::Action(A::ViewHousehold),
                "村级公示 (该户所在村级评议的公示, 列出评议通过的各户; 可打印)",
            ),
            get(crate::features::monitoring::handlers::notice),
        ),
        (
            spec(
                Method::POST,
                "/cases/{case}/visit",
                Access::Action(step_action(Step::Visit)),
                "入户核实",
            ),
            post(features::monitoring::case_handlers::visit),
        ),
        (
            spec(
                Method::POST,
                "/cases/{case}/comparison",
                Access::Action(step_action(Step::Comparison)),
                "数据比对",
            ),
            post(features::monitoring::case_handlers::comparison),
        ),
        (
            spec(
                Method::POST,
                "/cases/{case}/village-review",
                Access::Action(step_action(Step::VillageReview)),
                "村级评议公示",
            ),
            post(features::monitoring::case_handlers::village_review),
        ),
        (
            spec(
                Method::POST,
                "/cases/{case}/township-review",
                Access::Action(step_action(Step::TownshipReview)),
                "乡镇审核",
            ),
            post(features::monitoring::case_handlers::township_review),
        ),
        (
            spec(
                Method::POST,
                "/cases/{case}/county-approval",
                Access::Action(step_action(Step::CountyApproval)),
                "县级审定",
            ),
            post(features::monitoring::case_handlers::county_approval),
        ),
        // The monitoring workflow as cadres run it (see `features::monitoring`).
        (
            spec(
                Method::POST,
                "/cases/export",
                Access::Action(A::DownloadReports),
                "监测事项清单导出 XLSX (同列表筛选; 风险类型按角色遮蔽, 记入审计)",
            ),
            post(crate::features::exports::handlers::inbox),
        ),
        (
            spec(
                Method::GET,
                "/villages/{code}/review",
                Access::Action(A::VillageReview),
                "村级民主评议: 本村待评议的各户",
            ),
            get(crate::features::monitoring::handlers::review_form),
        ),
        (
            spec(
                Method::POST,
                "/villages/{code}/review",
                Access::Action(A::VillageReview),
                "登记村级民主评议 (日期、参加人员、各户结果) 并生成一份公示",
            ),
            post(crate::features::monitoring::handlers::record_review),
        ),
        (
            spec(
                Method::POST,
                "/cases/{case}/objections",
                Access::Action(A::VillageReview),
                "登记公示期间的异议 (提出人、日期、内容、处理结果)",
            ),
            post(crate::features::monitoring::handlers::add_objection),
        ),
        (
            spec(
                Method::POST,
                "/cases/{case}/objections/resolve",
                Access::Action(A::VillageReview),
                "登记异议的核实处理结果",
            ),
            post(crate::features::monitoring::handlers::resolve_objection),
        ),
        (
            spec(
                Method::GET,
                "/cases/{case}/decision",
                Access::Action(A::ViewHousehold),
                "告知书 (办结事项的决定, 可打印)",
            ),
            get(crate::features::monitoring::handlers::decision),
        ),
        (
            spec(
                Method::GET,
                "/households/{id}/card",
                Access::Action(A::ViewHousehold),
                "明白卡 (享受的帮扶政策、帮扶干部及电话, 可打印)",
            ),
            get(crate::features::monitoring::handlers::card),
        ),
        (
            spec(
                Method::GET,
                "/cases/batch/township-review",
                Access::Action(step_action(Step::TownshipReview)),
                "批量乡镇审核: 待审核各户的收入、保障情况和规则说明",
            ),
            get(crate::features::monitoring::handlers::township_batch),
        ),
        (
            spec(
                Method::POST,
                "/cases/batch/township-review",
                Access::Action(step_action(Step::TownshipReview)),
                "批量乡镇审核 (逐户确认, 每户一条审计记录)",
            ),
            post(crate::features::monitoring::handlers::record_township_batch),
        ),
        (
            spec(
                Method::GET,
                "/cases/batch/county-approval",
                Access::Action(step_action(Step::CountyApproval)),
                "批量县级审定: 待审定各户的收入、保障情况和规则说明",
            ),
            get(crate::features::monitoring::handlers::county_batch),
        ),
        (
            spec(
                Method::POST,
                "/cases/batch/county-approval",
                Access::Action(step_action(Step::CountyApproval)),
                "批量县级审定 (逐户确认, 每户一条审计记录)",
            ),
            post(crate::features::monitoring::handlers::record_county_batch),
        ),
        // A household's assistance: measures, visits, paired cadres.
        (
            spec(
                Method::GET,
                "/households/{id}/measures/new",
                Access::Action(A::RecordMeasure),
                "登记帮扶措施页",
            ),
            get(features::assistance::handlers::measure_form),
        ),
        (
            spec(
                Method::POST,
                "/households/{id}/measures",
                Access::Action(A::RecordMeasure),
                "登记帮扶措施",
            ),
            post(features::assistance::handlers::add_measure),
        ),
        (
            spec(
                Method::GET,
                "/households/{id}/measures/end",
                Access::Action(A::RecordMeasure),
                "结束帮扶措施页",
            ),
            get(features::assistance::handlers::end_measure_form),
        ),
        (
            spec(
                Method::POST,
                "/households/{id}/measures/end",
                Access::Action(A::RecordMeasure),
                "结束帮扶措施",
            ),
            post(features::assistance::handlers::end_measure),
        ),
        (
            spec(
                Method::GET,
                "/households/{id}/visits/new",
                Access::Action(A::RecordVisit),
                "登记走访页",
            ),
            get(features::assistance::handlers::visit_form),
        ),
        (
            spec(
                Method::POST,
                "/households/{id}/visits",
                Access::Action(A::RecordVisit),
                "登记走访",
            ),
            post(features::assistance::handlers::add_visit),
        ),
        (
            spec(
                Method::GET,
                "/households/{id}/cadres/new",
                Access::Action(A::AssignCadre),
                "结对帮扶干部页",
            ),
            get(features::assistance::handlers::assign_form),
        ),
        (
            spec(
                Method::POST,
                "/households/{id}/cadres",
                Access::Action(A::AssignCadre),
                "结对帮扶干部",
            ),
            post(features::assistance::handlers::assign_cadre),
        ),
        // Warning lists (see `features::warnings`).
        (
            spec(
                Method::GET,
                "/warnings",
                Access::Action(A::ViewWarnings),
                "预警清单 (area, year, kind, within, risk, band, open_case, sort, page)",
            ),
            get(crate::features::warnings::handlers::page),
        ),
        (
            spec(
                Method::POST,
                "/warnings/export",
                Access::Action(A::ViewWarnings),
                "预警清单 XLSX (同列表的筛选; 按角色遮蔽证件号码, 记入审计)",
            ),
            post(crate::features::warnings::handlers::export),
        ),
        // List exports (see `features::exports`): POST, limited, masked, audited, streamed.
        (
            spec(
                Method::GET,
                "/exports",
                Access::Action(A::ViewHousehold),
                "导出清单页",
            ),
            get(crate::features::exports::handlers::page),
        ),
        (
            spec(
                Method::POST,
                "/exports/search",
                Access::Action(A::SearchHouseholds),
                "导出农户查询结果(XLSX; q, area)",
            ),
            post(crate::features::exports::handlers::search),
        ),
        (
            spec(
                Method::POST,
                "/exports/cases",
                Access::Action(A::ViewHousehold),
                "导出监测事项清单(XLSX; area, all)",
            ),
            post(crate::features::exports::handlers::cases),
        ),
        (
            spec(
                Method::POST,
                "/exports/monitored",
                Access::Action(A::ViewHousehold),
                "导出监测对象清单(XLSX; area)",
            ),
            post(crate::features::exports::handlers::monitored),
        ),
        (
            spec(
                Method::POST,
                "/exports/measures",
                Access::Action(A::ViewHousehold),
                "导出帮扶措施清单(XLSX; area)",
            ),
            post(crate::features::exports::handlers::measures),
        ),
        (
            spec(
                Method::POST,
                "/exports/visits",
                Access::Action(A::ViewHousehold),
                "导出走访记录清单(XLSX; area)",
            ),
            post(crate::features::exports::handlers::visits),
        ),
        (
            spec(
                Method::POST,
                "/exports/cadres",
                Access::Action(A::ViewHousehold),
                "导出帮扶干部清单(XLSX; area)",
            ),
            post(crate::features::exports::handlers::cadres),
        ),
        (
            spec(
                Method::POST,
                "/exports/whatif",
                Access::Action(A::RunWhatIf),
                "导出政策推演变化户(XLSX; 同推演表单)",
            ),
            post(crate::features::exports::handlers::whatif),
        ),
        // JSON API.
        (
            spec(
                Method::GET,
                "/api/v1/action",
                Access::Action(A::ViewDashboard),
                "行动看板: 区域及下级区域的监测对象占比、帮扶措施覆盖率、走访及时率、风险消除率、逾期率, 待办理事项",
            ),
            get(crate::features::action::handlers::api),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/dashboard",
                Access::Action(A::ViewDashboard),
                "本区域指标",
            ),
            get(features::dashboard::api::dashboard_own),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/dashboard/{code}",
                Access::Action(A::ViewDashboard),
                "某区域指标",
            ),
            get(features::dashboard::api::dashboard),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/areas/{code}",
                Access::Action(A::ViewAreas),
                "区域及其下级",
            ),
            get(features::areas::api::area),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/households",
                Access::Action(A::SearchHouseholds),
                "农户查询 (q, area, page)",
            ),
            get(features::households::api::search),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/households/{id}",
                Access::Action(A::ViewHousehold),
                "农户详情",
            ),
            get(features::households::api::household),
        ),
        (
            spec(
                Method::PATCH,
                "/api/v1/households/{id}",
                Access::Action(A::EditHousehold),
                "修改农户信息(基于 version; 版本过期答 409 并给出双方内容)",
            ),
            patch(features::households::edit_api::update),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/households/{id}/edit",
                Access::Action(A::EditHousehold),
                "可修改的字段及其当前值和版本",
            ),
            get(features::households::edit_api::form),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/policy",
                Access::Action(A::ViewPolicyParams),
                "本区域生效的政策参数 (year)",
            ),
            get(features::policy::api::policy),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/whatif",
                Access::Action(A::RunWhatIf),
                "政策推演: 调整参数后哪些农户的建议会变化 (只读)",
            ),
            post(features::whatif::handlers::api),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases",
                Access::Action(A::ViewHousehold),
                "监测事项列表 (all, area, page)",
            ),
            get(features::monitoring::api::cases),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case}",
                Access::Action(A::ViewHousehold),
                "监测事项",
            ),
            get(features::monitoring::api::case),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/todo",
                Access::Action(A::ViewHousehold),
                "待我办理: 等待本账号角色办理的在办监测事项数",
            ),
            get(crate::features::monitoring::handlers::todo),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/households/{id}/leads",
                Access::Action(A::RecordLead),
                "登记风险线索",
            ),
            post(features::monitoring::api::create_lead),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case}/visit",
                Access::Action(step_action(Step::Visit)),
                "入户核实",
            ),
            post(features::monitoring::api::visit),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case}/comparison",
                Access::Action(step_action(Step::Comparison)),
                "数据比对",
            ),
            post(features::monitoring::api::comparison),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case}/village-review",
                Access::Action(step_action(Step::VillageReview)),
                "村级评议公示",
            ),
            post(features::monitoring::api::village_review),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case}/township-review",
                Access::Action(step_action(Step::TownshipReview)),
                "乡镇审核",
            ),
            post(features::monitoring::api::township_review),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case}/county-approval",
                Access::Action(step_action(Step::CountyApproval)),
                "县级审定",
            ),
            post(features::monitoring::api::county_approval),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/households/{id}/monitoring",
                Access::Action(A::ViewHousehold),
                "农户的帮扶措施、走访、结对干部和监测事项",
            ),
            get(features::assistance::handlers::api_monitoring),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/households/{id}/measures",
                Access::Action(A::RecordMeasure),
                "登记帮扶措施 (kind, description, started, amount, cadre)",
            ),
            post(features::assistance::handlers::api_add_measure),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/households/{id}/measures/end",
                Access::Action(A::RecordMeasure),
                "结束帮扶措施 (measure, ended)",
            ),
            post(features::assistance::handlers::api_end_measure),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/households/{id}/visits",
                Access::Action(A::RecordVisit),
                "登记走访 (visited_on, purpose, cadre, findings)",
            ),
            post(features::assistance::handlers::api_add_visit),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/households/{id}/cadres",
                Access::Action(A::AssignCadre),
                "结对帮扶干部 (cadre, from, to)",
            ),
            post(features::assistance::handlers::api_assign_cadre),
        ),
        // Attachments (features/attachments).
        (
            spec(
                Method::POST,
                "/households/{id}/attachments",
                Access::Action(A::UploadAttachment),
                "上传附件(multipart/form-data: kind, case, note, file; JPEG、PNG 或 PDF)",
            ),
            post(crate::features::attachments::handlers::upload).layer(DefaultBodyLimit::max(
                jingzhun_core::attachment::MAX_ATTACHMENT_BYTES + 1024 * 1024,
            )),
        ),
        (
            spec(
                Method::GET,
                "/attachments/{attachment}",
                Access::Action(A::ViewAttachments),
                "查看附件",
            ),
            get(crate::features::attachments::handlers::view),
        ),
        (
            spec(
                Method::GET,
                "/attachments/{attachment}/download",
                Access::Action(A::ViewAttachments),
                "下载附件",
            ),
            get(crate::features::attachments::handlers::download),
        ),
        (
            spec(
                Method::POST,
                "/attachments/{attachment}/remove",
                Access::Action(A::RemoveAttachment),
                "删除附件(reason; 文件保留在户的历史中)",
            ),
            post(crate::features::attachments::handlers::remove),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/projects",
                Access::Action(A::ViewProjects),
                "项目库 (area, page)",
            ),
            get(crate::features::projects::api::list),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/projects/{project}",
                Access::Action(A::ViewProjects),
                "项目及其流程",
            ),
            get(crate::features::projects::api::show),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/projects/{project}/step",
                Access::Action(A::RecordProjectStep),
                "登记项目环节 (公告公示、开工、完工、资产移交)",
            ),
            post(crate::features::projects::api::step),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/projects/{project}/approve",
                Access::Action(A::ApproveProject),
                "县级审批、验收项目",
            ),
            post(crate::features::projects::api::approve),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/warnings",
                Access::Action(A::ViewWarnings),
                "预警清单 (area, year, kind, within, risk, band, open_case, sort, page)",
            ),
            get(crate::features::warnings::handlers::api),
        ),
    ]
}

/// The descriptions alone.
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

/// The application: every route of [`table`], CSRF protection on unsafe requests, error rendering,
/// security headers and compression.
pub fn router(state: AppState) -> Router {
    // ECharts and the style sheet compressed once, in the background.
    crate::http::assets::warm();
    let mut app: Router<AppState> = Router::new();
    for (spec, handler) in table() {
        app = app.route(spec.path, handler);
    }
    app.layer(middleware::from_fn_with_state(
        state.clone(),
        crate::features::live::after_write,
    ))
    .layer(middleware::from_fn_with_state(
        state.clone(),
        csrf::guard::<AppState>,
    ))
    .layer(middleware::from_fn(render_errors))
    .layer(middleware::map_response(headers::security_headers))
    .layer(headers::compression())
    .with_state(state)
}

/// `GET /healthz`.
pub async fn healthz() -> &'static str {
    "ok"
}
