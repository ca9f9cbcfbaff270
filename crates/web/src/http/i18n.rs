//! Chinese first, with an English switch: every user-facing string of the web application, in one table.
//!
//! The language comes from the `lang` cookie (set by `GET /lang?to=en`); Chinese is the default. Labels of
//! coded enumerations (roles, monitoring kinds, …) are looked up by `"<kind>.<code>"`; a key missing from
//! the table falls back to the Chinese text the caller passes, so a label never disappears.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::http::cookies::{self, CookieOptions};
use crate::http::HttpState;

/// The display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of `<html lang>`.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (for the switch link).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The text of `key`; `‽` when the table lacks it (tests render every template in both languages).
    pub fn t(self, key: &str) -> &'static str {
        lookup(key)
            .map(|(zh, en)| if self == Lang::En { en } else { zh })
            .unwrap_or("‽")
    }

    /// A coded label: English from the table when switched, else (or when missing) the Chinese label.
    pub fn label(self, kind: &str, code: &str, zh: &'static str) -> &'static str {
        if self == Lang::Zh {
            return zh;
        }
        let key = format!("{kind}.{code}");
        lookup(&key)
            .map(|(_, en)| en)
            .or_else(|| jingzhun_core::labels_en::english(&key))
            .unwrap_or(zh)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(from_parts(parts))
    }
}

/// The language of a request (cookie `lang`).
pub fn from_parts(parts: &Parts) -> Lang {
    cookies::get(&parts.headers, "lang")
        .and_then(|v| Lang::parse(&v))
        .unwrap_or_default()
}

fn lookup(key: &str) -> Option<(&'static str, &'static str)> {
    TABLE
        .binary_search_by(|(k, _, _)| (*k).cmp(key))
        .ok()
        .map(|i| (TABLE[i].1, TABLE[i].2))
}

/// `(key, 中文, English)`, sorted by key (a test checks the order, so lookups can binary-search).
pub(crate) const TABLE: &[(&str, &str, &str)] = &[
    ("account.area", "所属区域", "Area"),
    ("account.create", "新建账号", "Create account"),
    ("account.created", "账号已创建，初始密码只显示这一次", "Account created; the initial password is shown only once"),
    ("account.disable", "停用", "Disable"),
    ("account.disabled", "已停用", "Disabled"),
    ("account.enable", "启用", "Enable"),
    ("account.must_change", "首次登录须改密码", "Must change password"),
    ("account.reset", "重置密码", "Reset password"),
    ("account.role", "角色", "Role"),
    ("account.username", "用户名", "User name"),
    ("accounts.title", "账号管理", "Accounts"),
    ("action.as_of", "评估日", "as of"),
    ("action.title", "行动看板", "Dashboard for action"),
    ("action.waiting", "待办理的监测事项（待我办理）", "Cases waiting (mine)"),
    ("app.name", "精准 · 防返贫监测", "Jingzhun · Return-to-poverty monitoring"),
    ("area.children", "下级区域", "Areas below"),
    ("area.code", "区划代码", "Area code"),
    ("area.name", "名称", "Name"),
    ("att.back", "返回本户", "Back to the household"),
    ("att.case", "关联监测事项", "Procedure"),
    ("att.case_none", "不关联（本户材料）", "None (the household's own file)"),
    ("att.download", "下载", "Download"),
    ("att.file", "文件", "File"),
    ("att.for_case", "附件：上传本事项的授权承诺书、走访和公示照片", "Attachments: upload this procedure's signed consent, visit and notice photos"),
    ("att.gps", "含拍摄位置", "Has GPS position"),
    ("att.gps_note", "照片带有拍摄地点（EXIF GPS），原样保留；能查看附件的人都看得到", "The photo carries where it was taken (EXIF GPS), kept as taken; whoever may open attachments can read it"),
    ("att.hidden", "附件含个人信息（身份证号、签名、照片），本角色不能查看", "Attachments hold personal data (ID numbers, signatures, photos); this role cannot open them"),
    ("att.kind", "类别", "Kind"),
    ("att.none", "还没有附件", "No attachments yet"),
    ("att.note", "说明", "Note"),
    ("att.reason", "删除理由", "Reason for removal"),
    ("att.refused", "附件未保存", "Attachment not saved"),
    ("att.remove", "删除", "Remove"),
    ("att.removed", "已删除", "Removed"),
    ("att.rules", "只收 JPEG、PNG 照片和 PDF 文件，每个不超过 10 MB，格式按文件内容识别（与文件名无关）。照片的拍摄位置（EXIF GPS）原样保留，能查看附件的人都看得到。删除只作记录，文件仍留在本户历史中。", "JPEG, PNG or PDF only, at most 10 MB each, recognised from the content (not the name). Photos keep where they were taken (EXIF GPS) as taken; whoever may open attachments can read it. Removing records the removal; the file stays in the household's history."),
    ("att.submit", "上传", "Upload"),
    ("att.title", "附件", "Attachments"),
    ("att.upload", "上传附件（授权承诺书、走访照片、公示照片）", "Upload (signed consent, visit or notice photo)"),
    ("audit.action", "操作", "Action"),
    ("audit.actor", "操作人", "By"),
    ("audit.at", "时间", "When"),
    ("audit.title", "审计记录", "Audit trail"),
    ("batch.all_met", "“两不愁三保障”及饮水安全均已保障", "Food, clothing, schooling, health care, housing and water all assured"),
    ("batch.confirm", "确认此户", "Confirm this household"),
    ("batch.done", "已登记", "Recorded"),
    ("batch.explanation", "规则说明", "How the rules explain it"),
    ("batch.intro", "逐户核对收入和保障情况后勾选“确认此户”，只有勾选的户会被登记；每一户各记一条办理记录和审计记录。", "Check each household's income and assurances and tick 'Confirm this household'; only ticked households are recorded, each as its own step with its own audit entry."),
    ("batch.note", "审核（审定）意见（作为每一户决定的依据）", "Opinion (recorded as the reason of every decision)"),
    ("batch.results", "本次批量办理结果", "Results of this batch"),
    ("batch.submit", "登记所确认的各户", "Record the confirmed households"),
    ("batch.title", "批量办理", "Batch"),
    ("card.measures", "享受的帮扶政策和措施", "Policies and measures received"),
    ("card.print", "打印明白卡", "Print the household policy card"),
    ("card.printed", "打印日期", "Printed on"),
    ("card.standing", "家庭类别", "Standing"),
    ("card.title", "明白卡", "Household policy card"),
    ("case.deadline", "办理时限", "Time limit"),
    ("case.decision", "打印告知书", "Print the notification letter"),
    ("case.kind", "事项", "Procedure"),
    ("case.note", "说明", "Note"),
    ("case.notice", "打印村级公示", "Print the village notice"),
    ("case.pass", "通过", "Pass"),
    ("case.record", "提交", "Submit"),
    ("case.reject", "不通过", "Reject"),
    ("case.steps", "办理步骤", "Steps"),
    ("case.title", "监测事项", "Case"),
    ("casekind.elimination", "风险消除", "Risk elimination"),
    ("casekind.identification", "监测对象识别", "Identification"),
    ("cases.any", "全部", "Any"),
    ("cases.closed", "已办结", "Closed"),
    ("cases.empty", "暂无监测事项", "No cases"),
    ("cases.export", "导出 Excel", "Export to Excel"),
    ("cases.filter", "筛选", "Filter"),
    ("cases.mine", "待我办理", "For me"),
    ("cases.near", "临近时限", "Due soon"),
    ("cases.next", "待办步骤", "Next step"),
    ("cases.overdue", "已超时", "Overdue"),
    ("cases.sort", "排序", "Order"),
    ("cases.sort_deadline", "时限最近的在前", "Nearest time limit first"),
    ("cases.sort_newest", "最新线索在前", "Newest lead first"),
    ("cases.step", "办理环节", "Step"),
    ("cases.title", "监测线索与办理事项", "Leads and cases"),
    ("cases.total", "符合条件的监测事项", "Matching cases"),
    ("closed.eliminated", "已风险消除", "Risk eliminated"),
    ("closed.included", "已识别纳入", "Identified and included"),
    ("closed.not_eliminated", "不予消除（继续监测）", "Not eliminated (still monitored)"),
    ("closed.not_included", "不予纳入", "Not included"),
    ("common.days", "天", "days"),
    ("common.hidden", "不可见", "hidden"),
    ("common.no", "否", "No"),
    ("common.none", "无", "None"),
    ("common.persons", "人", "persons"),
    ("common.yes", "是", "Yes"),
    ("common.yuan", "元", "yuan"),
    ("dash.cases_open", "办理中", "Open"),
    ("dash.exited", "脱贫户", "Exited households"),
    ("dash.households", "农户数", "Households"),
    ("dash.income", "户人均纯收入（中位数）", "Per-capita net income (median)"),
    ("dash.monitored", "监测对象户数", "Monitored households"),
    ("dash.monitored_by_kind", "监测对象（按类型）", "Monitored, by kind"),
    ("dash.people", "人口", "People"),
    ("dash.poor", "贫困户（未脱贫）", "Registered poor (not exited)"),
    ("dash.risk_types", "风险类型", "Risk types"),
    ("dash.title", "概览", "Dashboard"),
    ("decision.approved_intro", "经入户核实、村级民主评议和公示、乡镇审核、县级审定，你户", "After the home visit, the village review and notice, the township review and the county approval, your household is "),
    ("decision.dear", "户：", ":"),
    ("decision.issuer", "人民政府", "Government"),
    ("decision.objection", "如对本决定有异议，可在收到本告知书之日起 7 日内向乡镇人民政府反映。", "If you object to this decision, tell the township government within 7 days of receiving this notice."),
    ("decision.reason", "理由", "Reason"),
    ("decision.refused_at", "未通过的环节", "Step that refused it"),
    ("decision.refused_intro", "经核实，你户本次申请", "After verification, your household's application is "),
    ("decision.title", "告知书", "Notification letter"),
    ("edit.conflict_intro", "您打开表单后，此户已有新版本。下表对照您提交的内容和当前内容，不同之处已标出；下面的表单已按当前版本重新填写，请重新修改后保存。", "Since you opened the form, a newer version was saved. The table compares what you submitted with what is current, differences marked; the form below now shows the current version: redo your change and save."),
    ("edit.conflict_title", "保存失败：他人已修改此户", "Not saved: someone else changed this household"),
    ("edit.current", "当前版本", "Current"),
    ("edit.err.choice", "请从列表中选择", "Choose from the list"),
    ("edit.err.natural_village", "自然村名称最多 30 个字，不能含控制字符", "Natural village: at most 30 characters"),
    ("edit.err.phone", "联系电话无效：应为 11 位手机号或带区号的固定电话", "Invalid phone: 11-digit mobile or fixed line with area code"),
    ("edit.err.reason", "修改原因最多 200 个字", "Reason: at most 200 characters"),
    ("edit.err.required_choice", "必须选择一项", "Choose one"),
    ("edit.err.water_fetch_minutes", "取水往返时间应为 0–1440 的整数分钟（可留空）", "Minutes: a whole number 0–1440 (or empty)"),
    ("edit.err.water_litres", "人均日供水量应为 0–1000 的整数（可留空）", "Litres: a whole number 0–1000 (or empty)"),
    ("edit.err.water_outage_days", "年停水天数应为 0–366 的整数（可留空）", "Days: a whole number 0–366 (or empty)"),
    ("edit.field", "字段", "Field"),
    ("edit.fix_fields", "有字段填写不正确，未保存，请按提示修改", "Some fields are invalid; nothing was saved"),
    ("edit.food_clothing_secured", "不愁吃、不愁穿", "Food and clothing secured"),
    ("edit.housing_grade", "危房等级", "Housing safety grade"),
    ("edit.medical_insurance", "参加基本医疗保险", "Basic medical insurance"),
    ("edit.reason", "修改原因", "Reason for the change"),
    ("edit.schooling", "在校生状况", "Schooling"),
    ("edit.submit", "保存", "Save"),
    ("edit.title", "修改农户信息", "Edit household"),
    ("edit.water_fetch_minutes", "取水往返时间（分钟）", "Round trip to fetch water (minutes)"),
    ("edit.water_litres", "人均日供水量（升）", "Water per person per day (litres)"),
    ("edit.water_outage_days", "年停水天数", "Days without water per year"),
    ("edit.water_quality_ok", "水质达标", "Water quality meets the standard"),
    ("edit.yours", "您提交的", "Yours"),
    ("error.bad_request", "请求无效", "Bad request"),
    ("error.busy", "服务器正忙于其他报表、导出、推演或导入，请稍后再试（您本人同时只能进行一项此类操作）", "The server is busy with other reports, exports, what-if runs or imports; try again shortly (one such task per account at a time)"),
    ("error.conflict", "数据已被他人修改，请刷新后重试", "Someone else changed this record; reload and try again"),
    ("error.csrf", "表单已过期或来源无效，请刷新页面后重试", "The form expired or came from elsewhere; reload the page and try again"),
    ("error.forbidden", "您的角色无权进行此操作", "Your role may not do this"),
    ("error.internal", "服务器内部错误，已记录，请稍后重试", "Internal error (logged); please try again later"),
    ("error.method_not_allowed", "此地址不支持该请求方法", "This address does not take that method"),
    ("error.not_found", "页面或记录不存在", "Not found"),
    ("error.rate_limited", "尝试次数过多，请稍后再试", "Too many attempts; try again later"),
    ("error.title", "出错了", "Something went wrong"),
    ("error.too_large", "上传的文件太大", "The uploaded file is too large"),
    ("error.unauthenticated", "请先登录", "Please sign in"),
    ("eval.as_of", "状态截至", "status as of"),
    ("eval.computed", "系统计算，不是审批结论", "Computed, not a decision"),
    ("eval.decided", "经审批的决定", "Approved decisions"),
    ("eval.decided_on", "已经县级审定纳入监测，决定日期", "Included in monitoring by the county's decision of"),
    ("eval.elimination", "风险消除条件", "Risk elimination conditions"),
    ("eval.exit", "脱贫退出条件", "Exit conditions"),
    ("eval.guarantees", "两不愁三保障及饮水安全", "Guarantees"),
    ("eval.intro", "以下由政策规则根据本户登记数据计算得出，仅供核实参考；状态变更须经入户核实、评议和审批。", "Computed by the policy rules from this household's registry data, for checking only; a change of status needs a visit, a review and an approval."),
    ("eval.latest_income", "最近收入年度人均纯收入", "Per capita, latest income year"),
    ("eval.met", "达到", "Met"),
    ("eval.no_income", "该年度无收入记录", "No income record for the year"),
    ("eval.none", "无建议", "No proposals"),
    ("eval.pack", "政策参数包", "Policy pack"),
    ("eval.proposals", "建议", "Proposals"),
    ("eval.title", "系统建议", "System proposals"),
    ("eval.unmet", "未达到", "Not met"),
    ("eval.year", "评估年度", "Evaluation year"),
    ("eval.year_submit", "按年度计算", "Evaluate year"),
    ("exports.all_cases", "含已办结的事项", "Closed cases too"),
    ("exports.audited", "每次导出都记入审计日志。", "Every export is recorded in the audit log."),
    ("exports.cadres", "帮扶干部清单", "Assisting cadres"),
    ("exports.cases", "监测事项清单", "Monitoring cases"),
    ("exports.download", "导出 Excel", "Export to Excel"),
    ("exports.elsewhere", "农户查询结果、政策推演变化户和预警清单在各自页面导出。", "Search results, what-if changes and warning lists are exported from their own pages."),
    ("exports.full", "导出含完整证件号码、电话和健康状况。", "Exports include full ID numbers, phones and health."),
    ("exports.intro", "以下清单按账号所属区域整体导出为 Excel 文件。", "These lists of your whole area are exported as Excel files."),
    ("exports.masked", "证件号码、电话已遮蔽，健康状况、残疾和走访情况不导出。", "ID numbers and phones are masked; health, disability and visit findings are left out."),
    ("exports.measures", "帮扶措施清单", "Assistance measures"),
    ("exports.monitored", "监测对象清单", "Households under monitoring"),
    ("exports.search", "农户查询结果", "Search results"),
    ("exports.title", "导出清单", "Export lists"),
    ("exports.visits", "走访记录清单", "Visits"),
    ("exports.warnings", "预警清单", "Warning lists"),
    ("exports.whatif", "政策推演变化户清单", "What-if changes"),
    ("guarantee.education", "义务教育有保障", "Compulsory education"),
    ("guarantee.food_clothing", "不愁吃、不愁穿", "Food and clothing"),
    ("guarantee.housing", "住房安全有保障", "Safe housing"),
    ("guarantee.medical", "基本医疗有保障", "Basic medical care"),
    ("guarantee.water", "饮水安全有保障", "Safe drinking water"),
    ("hh.attribute", "贫困户属性", "Attribute"),
    ("hh.head", "户主", "Head"),
    ("hh.history", "版本历史", "Versions"),
    ("hh.incomes", "收入", "Income"),
    ("hh.members", "家庭成员", "Members"),
    ("hh.members_link", "人口变动", "Member changes"),
    ("hh.natural_village", "自然村", "Natural village"),
    ("hh.net_income", "家庭纯收入", "Net income"),
    ("hh.no", "户编号", "Household no."),
    ("hh.per_capita", "人均纯收入", "Per capita"),
    ("hh.phone", "联系电话", "Phone"),
    ("hh.record_lead", "登记风险线索", "Record a risk lead"),
    ("hh.sections", "本户各部分", "Sections"),
    ("hh.size", "人数", "Size"),
    ("hh.status", "状态", "Status"),
    ("hh.timeline", "状态时间线", "Status timeline"),
    ("hh.village", "村", "Village"),
    ("hh.year", "年度", "Year"),
    ("import.again", "再导入一个文件", "Import another file"),
    ("import.check", "上传并校验", "Upload and check"),
    ("import.column", "列", "Column"),
    ("import.confirm", "确认导入", "Confirm import"),
    ("import.confirm_note", "确认后将按上面的预览在一个事务中全部导入；如库中数据在预览后有变化，将不会导入，需重新预览。", "On confirmation the previewed file is imported in one transaction, all or nothing; if the registry changed since the preview, nothing is imported and you preview again."),
    ("import.created", "新增户", "New households"),
    ("import.done", "导入完成", "Import done"),
    ("import.events", "补记状态事件", "Status events added"),
    ("import.expires", "有效至", "valid until"),
    ("import.file", "文件", "File"),
    ("import.formats", "支持 .xlsx、.xls、.ods 与 .csv（UTF-8、带 BOM 的 UTF-8 或 GBK），国家系统导出格式；最大", "National-system export layout as .xlsx, .xls, .ods or .csv (UTF-8, UTF-8 with BOM or GBK); at most"),
    ("import.intro", "上传户籍表后先显示校验结果与将要新增、修改、不变的户数，此时不写入任何数据；确认后整批导入，要么全部成功，要么全部不导入。", "An uploaded file is checked first: the problems and the numbers of new, changed and unchanged households are shown and nothing is written; on confirmation it is imported all or nothing."),
    ("import.monitoring_link", "导入已有的监测帮扶记录（监测对象、帮扶措施、走访、帮扶干部）", "Import existing monitoring records (monitored households, measures, visits, cadres)"),
    ("import.more_problems", "只列出前 500 个问题，请修改后重新上传", "Only the first 500 problems are listed; fix them and upload again"),
    ("import.no_file", "请选择要上传的文件", "Choose a file to upload"),
    ("import.nothing_written", "未写入任何数据", "nothing was written"),
    ("import.number", "户编号", "Household no."),
    ("import.outside", "以下农户不在本账号所属区域内，整个文件不能导入", "These households lie outside your area; the whole file is refused"),
    ("import.problems", "发现问题", "Problems found"),
    ("import.read", "工作表 · 行 · 户 · 人", "Sheets · rows · households · people"),
    ("import.reason", "原因", "Reason"),
    ("import.refused", "库中数据不允许导入", "The registry refuses the file"),
    ("import.report", "校验结果", "Validation report"),
    ("import.row", "行号", "Row"),
    ("import.sheet", "工作表", "Sheet"),
    ("import.size", "大小", "Size"),
    ("import.stale_file", "确认的文件与预览的文件不一致，未导入任何数据，请重新上传", "The confirmed file is not the previewed one; nothing was imported, upload again"),
    ("import.stale_store", "预览之后库中数据已有变化，未导入任何数据；请重新上传预览后再确认", "The registry changed since the preview; nothing was imported, upload and preview again"),
    ("import.stale_token", "预览已失效（已过期、已导入或不属于本账号），未导入任何数据，请重新上传", "The preview is no longer valid (expired, already imported or not yours); nothing was imported, upload again"),
    ("import.title", "导入户籍表", "Import households"),
    ("import.unchanged", "不变户", "Unchanged households"),
    ("import.unknown_columns", "未识别的列（不导入）", "Unknown columns (not imported)"),
    ("import.updated", "修改户", "Changed households"),
    ("import.upload", "上传文件", "Upload a file"),
    ("import.value", "值", "Value"),
    ("import.would", "确认后将", "On confirmation"),
    ("kind.marginal", "边缘易致贫户", "Marginal (at risk of poverty)"),
    ("kind.sudden_hardship", "突发严重困难户", "Sudden severe hardship"),
    ("kind.unstable", "脱贫不稳定户", "Exited but unstable"),
    ("lead.channel", "发现渠道", "Channel"),
    ("lead.kind", "监测对象类型", "Kind of monitored household"),
    ("lead.submit", "登记线索", "Record lead"),
    ("lead.title", "登记风险线索", "Record a risk lead"),
    ("login.failed", "用户名或密码错误", "Wrong user name or password"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.title", "登录", "Sign in"),
    ("login.username", "用户名", "User name"),
    ("member.education", "文化程度", "Education"),
    ("member.health", "健康状况", "Health"),
    ("member.labour", "劳动技能", "Labour"),
    ("member.name", "姓名", "Name"),
    ("member.relationship", "与户主关系", "Relationship"),
    ("member.resident_id", "证件号码", "Resident ID"),
    ("member.sex", "性别", "Sex"),
    ("members.add", "增加成员", "Add a member"),
    ("members.add_submit", "确认增加", "Add"),
    ("members.age_suffix", "岁", "years"),
    ("members.conflict", "您打开页面后，此户已有新版本，本次未保存。下方已显示最新成员，请核对后重新提交。", "Since you opened the page a newer version was saved; nothing was written. The current members are shown below: check and submit again."),
    ("members.effective", "变动日期", "Date of the change"),
    ("members.err.birth_age", "出生登记的成员应在变动日期前一年内出生", "A birth must be within the year before the date"),
    ("members.err.effective", "变动日期应为 2013 年以后、不晚于今天的日期", "Date: from 2013 and not after today"),
    ("members.err.ethnicity", "民族最多 20 个字", "Ethnicity: at most 20 characters"),
    ("members.err.hukou_place", "户口不在本户时须填写所在地，最多 60 个字", "Give the registration place (at most 60 characters)"),
    ("members.err.kind", "请选择变动原因", "Choose a reason"),
    ("members.err.last_member", "不能减少户内唯一的成员", "The only member cannot be removed"),
    ("members.err.member", "请选择要减少的成员", "Choose the member"),
    ("members.err.name", "姓名不能为空，最多 30 个字", "Name: required, at most 30 characters"),
    ("members.err.new_head", "户主减少时须指定新户主", "Choose the new head"),
    ("members.err.note", "备注最多 200 个字", "Note: at most 200 characters"),
    ("members.err.relationship", "请选择与户主关系（本户已有户主）", "Choose the relationship (the household has a head)"),
    ("members.err.resident_id", "证件号码无效、晚于变动日期出生，或已是本户成员", "Invalid resident ID, born after the date, or already a member"),
    ("members.ethnicity", "民族", "Ethnicity"),
    ("members.history", "人口变动记录", "Member changes"),
    ("members.hukou", "户口所在地", "Household registration"),
    ("members.hukou_elsewhere", "不在本户（共享收支）", "Elsewhere (shares income and spending)"),
    ("members.hukou_here", "在本户", "In this household"),
    ("members.hukou_place", "户口所在地，如 平昌县白衣镇", "Registration place"),
    ("members.membership_rule", "家庭成员指共同生活、共享收支的人，不论户口是否在本户；户口所在地单独登记。", "Members are those who live together and share income and spending, wherever their household registration is; the registration place is recorded separately."),
    ("members.new_head", "新户主", "New head of household"),
    ("members.no_changes", "暂无人口变动记录。", "No member changes recorded."),
    ("members.note", "备注", "Note"),
    ("members.reason", "变动原因", "Reason"),
    ("members.remove", "减少此成员", "Remove this member"),
    ("members.remove_submit", "确认减少", "Remove"),
    ("members.title", "家庭成员与人口变动", "Members and member changes"),
    ("mimport.assignments", "结对帮扶", "Pairings"),
    ("mimport.cadres", "帮扶干部", "Cadres"),
    ("mimport.confirm_note", "确认后将再次核对登记数据，并在一个事务中全部导入；任何一条不符合，全部不导入。", "On confirmation the file is checked against the registry again and imported in one transaction, all or nothing."),
    ("mimport.decisions", "纳入监测和风险消除记录", "Identification and elimination decisions"),
    ("mimport.formats", "支持 .xlsx（Excel、WPS）与 .csv（UTF-8 或 GBK，一个文件一张表）；最大", "Accepted: .xlsx (Excel, WPS) and .csv (UTF-8 or GBK, one table per file); at most"),
    ("mimport.intro", "导入本区域已有的监测帮扶记录（全国防返贫监测信息系统导出的监测对象、帮扶措施、走访记录、帮扶干部、结对帮扶），免去重新录入。上传后先显示校验结果和将写入的条数，此时不写入任何数据；户须已在系统中且在本账号所属区域内，确认后整批导入，要么全部成功，要么全部不导入。", "Import the monitoring records your area already has (the national monitoring system's lists of monitored households, measures, visits, cadres and pairings) instead of typing them again. An upload is checked first and nothing is written; households must already be registered and lie in your area; on confirmation everything is imported or nothing."),
    ("mimport.measures", "帮扶措施", "Assistance measures"),
    ("mimport.present", "系统中已有（不重复写入）", "Already stored (not written again)"),
    ("mimport.read", "读取", "Read"),
    ("mimport.template", "下载导入模板（含各表列名和填写说明）", "Download the template (columns of every table and a guide)"),
    ("mimport.title", "导入监测帮扶记录", "Import monitoring records"),
    ("mimport.visits", "走访记录", "Visits"),
    ("mon.add_measure", "登记帮扶措施", "Add an assistance measure"),
    ("mon.add_visit", "登记走访", "Record a visit"),
    ("mon.all_cases", "全部监测事项", "All cases"),
    ("mon.amount", "金额（元）", "Amount (yuan)"),
    ("mon.assign", "结对帮扶干部", "Pair a cadre"),
    ("mon.by_step", "办理中（按待办步骤）", "Open, by next step"),
    ("mon.cadre", "帮扶干部", "Cadre"),
    ("mon.cadres", "结对帮扶干部", "Paired cadres"),
    ("mon.conditions_intro", "县级审定风险消除须全部满足以下条件（按政策参数计算）", "The county may approve risk elimination only when all these conditions hold (computed with the policy parameters)"),
    ("mon.description", "措施内容", "Description"),
    ("mon.end_measure", "结束帮扶措施", "End a measure"),
    ("mon.ended", "结束日期", "Ended"),
    ("mon.findings", "走访情况", "Findings"),
    ("mon.from", "结对开始", "From"),
    ("mon.kind", "措施类型", "Kind"),
    ("mon.measure", "帮扶措施", "Measure"),
    ("mon.measures", "帮扶措施", "Assistance measures"),
    ("mon.next_page", "下一页", "Next page"),
    ("mon.none", "暂无", "None"),
    ("mon.open_cases", "办理中的监测事项", "Open cases"),
    ("mon.post", "职务", "Post"),
    ("mon.prev_page", "上一页", "Previous page"),
    ("mon.purpose", "走访目的", "Purpose"),
    ("mon.refused", "未办理", "Not recorded"),
    ("mon.running", "实施中", "Running"),
    ("mon.started", "开始日期", "Started"),
    ("mon.submit", "保存", "Save"),
    ("mon.to", "结对结束", "To"),
    ("mon.unit", "工作单位", "Work unit"),
    ("mon.visited_on", "走访日期", "Visited on"),
    ("mon.visits", "走访记录", "Visits"),
    ("nav.accounts", "账号", "Accounts"),
    ("nav.cases", "监测", "Monitoring"),
    ("nav.dashboard", "概览", "Dashboard"),
    ("nav.exports", "导出", "Exports"),
    ("nav.households", "农户", "Households"),
    ("nav.import", "导入", "Import"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.menu", "菜单", "Menu"),
    ("nav.password", "改密码", "Password"),
    ("nav.policy", "政策", "Policy"),
    ("nav.projects", "项目", "Projects"),
    ("nav.reports", "报表", "Reports"),
    ("nav.survey", "收入采集", "Income survey"),
    ("nav.todo", "待我办理", "My tasks"),
    ("nav.warnings", "预警", "Warnings"),
    ("nav.whatif", "推演", "What-if"),
    ("notice.intro", "经农户申请（或干部排查、部门预警）、入户核实和村民主评议，拟将下列农户纳入监测（或标注风险消除），现予公示。", "After application or checks, a home visit and the village review, the following household is proposed; this notice is public."),
    ("notice.intro_many", "经农户申请（或干部排查、部门预警）、入户核实和村级民主评议，拟将下列农户纳入防返贫监测（或标注风险消除），现予公示。", "After application or checks, home visits and the village review, the following households are proposed for monitoring (or risk elimination); this notice is public."),
    ("notice.no", "序号", "No."),
    ("notice.not_listed", "评议未通过（不公示）", "Not passed by the review (not on the notice)"),
    ("notice.not_running", "不在公示期内", "Not within the notice period"),
    ("notice.objection", "公示期内如有异议，请向村委会或乡镇人民政府反映。", "Objections during the notice period go to the village committee or the township government."),
    ("notice.period", "公示期", "Notice period"),
    ("notice.phone", "监督电话", "Complaint phone"),
    ("notice.print", "用浏览器打印本页即为公示", "Print this page from the browser to post the notice"),
    ("notice.running", "公示中", "Notice up"),
    ("notice.seal", "（盖章）", "(seal)"),
    ("notice.title", "防返贫监测对象公示", "Public notice: monitored households"),
    ("objection.about", "涉及农户", "About household"),
    ("objection.content", "异议内容", "What was raised"),
    ("objection.none", "公示期间暂无异议", "No objections"),
    ("objection.open", "未处理", "Unresolved"),
    ("objection.raised_by", "提出人", "Raised by"),
    ("objection.raised_on", "提出日期", "Raised on"),
    ("objection.record", "登记异议", "Record the objection"),
    ("objection.resolution", "核实处理结果", "How it was resolved"),
    ("objection.resolve", "登记处理结果", "Record the resolution"),
    ("objection.title", "公示期间的异议", "Objections during the notice"),
    ("objection.whole", "整个公示", "The notice as a whole"),
    ("password.confirm", "再次输入新密码", "Repeat new password"),
    ("password.current", "当前密码", "Current password"),
    ("password.forced", "首次登录，请设置新密码后继续", "First sign-in: set a new password to continue"),
    ("password.guessable", "新密码太容易被猜到（常见密码、键盘顺序、用户名加数字等），请换一个更长、更不规则的密码", "The new password is easy to guess (a common password, a keyboard run, the user name with digits, ...); choose a longer, less regular one"),
    ("password.mismatch", "两次输入的新密码不一致", "The new passwords differ"),
    ("password.new", "新密码", "New password"),
    ("password.rate_limited", "当前密码输错次数过多，请 15 分钟后再试", "Too many wrong current passwords; try again in 15 minutes"),
    ("password.submit", "修改密码", "Change password"),
    ("password.title", "修改密码", "Change password"),
    ("password.too_weak", "新密码至少 10 个字符，且不能与用户名或当前密码相同", "At least 10 characters, not the user name or the current password"),
    ("password.wrong_current", "当前密码不正确", "The current password is wrong"),
    ("policy.derivation", "推算方法", "Derivation"),
    ("policy.intro", "本区域该年度生效的政策参数，每项注明出处、可靠程度和推算方法（只读）。", "The parameters in force in your area for the year, each with its source, reliability and derivation (read only)."),
    ("policy.layer", "所在参数包", "Pack layer"),
    ("policy.param", "参数", "Parameter"),
    ("policy.reliability", "可靠程度", "Reliability"),
    ("policy.show", "查看", "Show"),
    ("policy.source", "出处", "Source"),
    ("policy.title", "政策参数", "Policy parameters"),
    ("policy.value", "取值", "Value"),
    ("projects.project", "项目详情", "Project"),
    ("projects.title", "项目库与帮扶力量", "Projects and assistance forces"),
    ("proposal.guarantee_issue", "三保障问题", "Guarantee unmet (for the responsible department)"),
    ("proposal.meets_exit", "符合脱贫退出条件", "Meets the exit conditions"),
    ("proposal.monitoring_candidate", "建议纳入监测", "Should be monitored"),
    ("proposal.omission_suspect", "疑似漏评", "Suspected omission"),
    ("proposal.return_to_poverty", "疑似返贫", "Suspected return to poverty"),
    ("proposal.risk_elimination", "符合风险消除条件", "Meets risk elimination"),
    ("proposal.should_register", "建议识别为贫困户", "Should be registered as poor"),
    ("proposal.wrong_exit_suspect", "疑似错退", "Suspected wrong exit"),
    ("registry.exited", "脱贫户", "Lifted household"),
    ("registry.not_registered", "一般农户", "Ordinary household"),
    ("registry.poor", "贫困户（未脱贫）", "Registered poor (not exited)"),
    ("registry.removed", "已清退", "Removed"),
    ("reliability.assumed", "假设值", "Assumed"),
    ("reliability.local", "地方做法", "Local practice"),
    ("reliability.official", "官方文件", "Official document"),
    ("reliability.weak", "二手资料", "Secondary source"),
    ("reports.annual", "年度报告", "Annual review"),
    ("reports.audited", "每次导出都记入审计日志。", "Every export is recorded in the audit log."),
    ("reports.full_identity", "按您的角色，导出含完整证件号码与电话。", "Your role exports full resident IDs and phone numbers."),
    ("reports.households", "农户清单（导入格式，每人一行）", "Household list (import layout, one row per person)"),
    ("reports.indicators", "指标报表", "Indicator tables"),
    ("reports.intro", "以下报表只含本账号所属区域的数据，按所选年度年末的状态计算。", "These reports cover your area only, as of the end of the chosen year."),
    ("reports.masked", "证件号码与电话已遮蔽，不含健康状况、致贫原因、在校生状况和劳动技能（可反映疾病或残疾）。", "Resident IDs and phone numbers are masked; health, poverty causes, schooling status and labour ability (which tell illness or disability) are left out."),
    ("reports.slow", "首次生成需逐年评估本区域全部农户，大的区域可能需要一些时间。", "The first build evaluates every household of your area year by year; large areas take a while."),
    ("reports.tables", "标准报表：县、乡镇、村各一张工作表", "Standard tables: one sheet per county, township and village level"),
    ("reports.title", "报表下载", "Reports"),
    ("review.date", "评议日期", "Date of the review"),
    ("review.households", "参加评议的农户", "Households reviewed"),
    ("review.intro", "一次评议会评议本村多户：登记评议日期和参加人员，逐户登记评议结果；评议通过的各户列入同一份公示。", "One meeting reviews several households of the village: record its date and who took part, and each household's outcome; those that pass are listed on one notice."),
    ("review.none", "本村暂无待评议的监测事项", "No case of the village waits for the village review"),
    ("review.one_intro", "只评议这一户；同时评议多户请用", "This reviews this household only; to review several households together use "),
    ("review.participants", "参加评议人员", "Participants"),
    ("review.participants_hint", "如：村两委成员 5 人、驻村工作队 2 人、村民代表 12 人", "e.g. 5 members of the village committees, 2 of the work team, 12 villagers' representatives"),
    ("review.past", "本村历次评议", "Past reviews of the village"),
    ("review.submit", "登记评议并生成公示", "Record the review and make the notice"),
    ("review.title", "村级民主评议", "Village democratic review"),
    ("role.admin", "系统管理员", "Administrator"),
    ("role.analyst", "分析员", "Analyst"),
    ("role.county_approver", "县级审定员", "County approver"),
    ("role.township_reviewer", "乡镇审核员", "Township reviewer"),
    ("role.village_cadre", "村级信息员", "Village cadre"),
    ("search.empty", "没有符合条件的农户", "No household matches"),
    ("search.found", "符合条件的农户", "Matching households"),
    ("search.next", "下一页", "Next page"),
    ("search.placeholder", "姓名、身份证号、户编号或村名", "Name, resident ID, household no. or village"),
    ("search.prev", "上一页", "Previous page"),
    ("search.shown", "本页", "This page"),
    ("search.submit", "查询", "Search"),
    ("search.title", "农户查询", "Household search"),
    ("status.exited", "脱贫", "Exited"),
    ("status.monitored", "纳入监测", "Monitored"),
    ("status.registered", "识别为贫困户", "Registered poor"),
    ("status.removed", "清退", "Removed"),
    ("status.returned", "返贫", "Returned to poverty"),
    ("status.risk_eliminated", "风险消除", "Risk eliminated"),
    ("survey.choose_village", "请选择一个村。", "Choose a village."),
    ("survey.hint", "金额单位为元，空白按 0 计；Tab 键向右，回车键向下。整张表一起保存：任一格有误或任一户已被他人修改，都不会保存。", "Amounts in yuan, blank counts as 0; Tab moves right, Enter moves down. The grid is saved as a whole: if any cell is invalid or any household was changed by someone else, nothing is saved."),
    ("survey.household", "户主／户编号", "Head / household no."),
    ("survey.net", "家庭纯收入", "Net income"),
    ("survey.no_households", "本村没有农户。", "No households in this village."),
    ("survey.not_saved", "未保存：整张表都没有写入，请按下列提示修改后重新保存", "Not saved: nothing in the grid was written; fix the problems below and save again"),
    ("survey.open", "打开", "Open"),
    ("survey.per_capita", "人均纯收入", "Per capita"),
    ("survey.save", "保存整张表", "Save the grid"),
    ("survey.saved", "已保存，本次更新的户数：", "Saved; households updated: "),
    ("survey.size", "人口", "Members"),
    ("survey.template", "下载导入模板（含填写说明）", "Download the import template (with a guide)"),
    ("survey.title", "年度收入采集", "Yearly income survey"),
    ("survey.village", "村", "Village"),
    ("survey.year", "收入年度", "Income year"),
    ("survey.year_suffix", "年度", "(year)"),
    ("warn.all", "全部", "All"),
    ("warn.apply", "筛选", "Filter"),
    ("warn.as_of", "评估日期", "Evaluated as of"),
    ("warn.band", "收入区间", "Income band"),
    ("warn.candidates_by_kind", "建议纳入监测（按类型）", "Monitoring candidates, by kind"),
    ("warn.case_near", "办理事项临近时限", "Cases near their time limit"),
    ("warn.case_overdue", "办理事项已超时限", "Cases past their time limit"),
    ("warn.counts", "各类预警户数", "Households by warning"),
    ("warn.department_alert", "部门数据预警", "Department alerts"),
    ("warn.empty", "没有符合条件的预警", "No warnings match"),
    ("warn.export", "导出 XLSX", "Download XLSX"),
    ("warn.guarantee_unmet", "“三保障”和饮水安全未达标", "Guarantees unmet"),
    ("warn.guarantees", "未达标户数（按保障项目）", "Unmet, by guarantee"),
    ("warn.has_case", "有在办事项", "Open case"),
    ("warn.households", "有预警的户数", "Households with warnings"),
    ("warn.kind", "预警类型", "Warning"),
    ("warn.lead", "登记风险线索", "Record a lead"),
    ("warn.measure_ending", "帮扶措施即将到期", "Measures ending"),
    ("warn.monitoring_candidate", "建议纳入监测", "Monitoring candidates"),
    ("warn.no", "否", "No"),
    ("warn.omission_suspect", "疑似漏评", "Omission suspects"),
    ("warn.open_case", "有在办事项", "Open case"),
    ("warn.quality", "数据质量检查", "Data-quality checks"),
    ("warn.quality_checked", "检查户数", "Households checked"),
    ("warn.quality_findings", "问题数", "Findings"),
    ("warn.quality_hint", "处理建议", "How to fix"),
    ("warn.quality_households", "涉及户数", "Households"),
    ("warn.return_to_poverty", "疑似返贫", "Suspected returns to poverty"),
    ("warn.risk_elimination", "符合风险消除条件", "Eligible for risk elimination"),
    ("warn.rows", "条数", "Rows"),
    ("warn.sort", "排序", "Sort"),
    ("warn.title", "预警清单", "Warning lists"),
    ("warn.waiting", "待处理预警", "Waiting for you"),
    ("warn.within", "乡镇/村", "Township / village"),
    ("warn.wrong_exit_suspect", "疑似错退", "Wrong-exit suspects"),
    ("warn.year", "年度", "Year"),
    ("warn.yes", "是", "Yes"),
    ("whatif.after", "调整后", "Changed"),
    ("whatif.before", "现行", "In force"),
    ("whatif.busy", "您已有一项推演在运行，或同时运行的推演过多，请稍后再试", "You already have a what-if running, or too many are running; try again shortly"),
    ("whatif.by_kind", "按建议类别", "By kind of proposal"),
    ("whatif.current", "现行值", "In force"),
    ("whatif.evaluated", "参与推演的农户", "Households evaluated"),
    ("whatif.flipped", "建议变化的户数 / 人数", "Households / people that flip"),
    ("whatif.gain", "新增（户 / 人）", "Gain (households / people)"),
    ("whatif.head_id", "户主身份证号", "Head's resident ID"),
    ("whatif.hh_people", "数字为户数 / 人数。", "Figures are households / people."),
    ("whatif.households", "建议变化的农户", "Households that flip"),
    ("whatif.intro", "调整本区域某一年度的政策参数，看哪些农户的系统建议会随之变化。只读：不改动任何登记数据，也不改动现行政策。", "Change this area's policy parameters for one year and see whose proposals would change. Read only: nothing in the registry or the policy in force is changed."),
    ("whatif.lose", "取消（户 / 人）", "Lose (households / people)"),
    ("whatif.new", "推演值", "What-if value"),
    ("whatif.next", "下一页", "Next"),
    ("whatif.nothing_written", "推演结果，未写入任何数据。", "What-if result; nothing was written."),
    ("whatif.prev", "上一页", "Previous"),
    ("whatif.run", "推演", "Run what-if"),
    ("whatif.title", "政策推演", "Policy what-if"),
    ("whatif.unchanged", "没有修改任何参数：请至少改动一项", "No parameter was changed: change at least one"),
    ("whatif.up", "上一级", "Up"),
];

/// `?to=` and `?back=` of the language switch.
#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    #[serde(default)]
    back: String,
}

/// `GET /lang?to=en&back=/path`: sets the `lang` cookie and goes back.
pub async fn switch_lang<S: HttpState>(
    State(state): State<S>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or_default();
    let mut res = Redirect::to(crate::http::params::safe_next(&q.back)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(
            "lang",
            lang.code(),
            CookieOptions {
                http_only: false,
                secure: state.secure_cookies(),
                max_age_secs: Some(365 * 24 * 3600),
            },
        ),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in TABLE.windows(2) {
            assert!(w[0].0 < w[1].0, "{} must sort before {}", w[0].0, w[1].0);
        }
    }

    #[test]
    fn labels_fall_back_to_chinese() {
        assert_eq!(
            Lang::En.label("role", "village_cadre", "村级信息员"),
            "Village cadre"
        );
        assert_eq!(Lang::En.label("nope", "x", "某"), "某");
        assert_eq!(
            Lang::Zh.label("role", "village_cadre", "村级信息员"),
            "村级信息员"
        );
        assert_eq!(Lang::Zh.t("login.title"), "登录");
        assert_eq!(Lang::En.t("login.title"), "Sign in");
    }

    /// Every coded label of core (step names, risk types, relationships, measure kinds, …) and every
    /// registry standing has its English text when the page is switched to English.
    #[test]
    fn every_label_has_its_english() {
        let mut missing = Vec::new();
        for (kind, codes) in jingzhun_core::labels_en::kinds() {
            for code in codes {
                let en = Lang::En.label(kind, code, "中文");
                if en == "中文" || en.chars().any(jingzhun_core::text::is_chinese) {
                    missing.push(format!("{kind}.{code}"));
                }
            }
        }
        for code in ["not_registered", "poor", "exited", "removed"] {
            if Lang::En.label("registry", code, "中文") == "中文" {
                missing.push(format!("registry.{code}"));
            }
        }
        for (key, zh, en) in TABLE {
            if en.trim().is_empty() || en.chars().any(jingzhun_core::text::is_chinese) {
                missing.push(format!("{key}: {zh}"));
            }
        }
        assert!(missing.is_empty(), "no English for {missing:#?}");
    }

    /// The Chinese of every label uses the glossary's terms (docs/glossary.md, 不用的词) and full-width
    /// punctuation.
    #[test]
    fn chinese_labels_use_the_glossary_and_full_width_punctuation() {
        let avoided = jingzhun_core::labels_en::avoided_words(jingzhun_core::labels_en::GLOSSARY);
        assert!(avoided.contains(&"非贫困户") && avoided.contains(&"案件"));
        let mut bad = Vec::new();
        for (key, zh, _) in TABLE {
            for word in &avoided {
                if zh.contains(word) {
                    bad.push(format!("{key}: {zh}（{word}）"));
                }
            }
            for place in jingzhun_core::text::half_width_in_chinese(zh) {
                bad.push(format!("{key}: 半角标点「{place}」"));
            }
        }
        assert!(bad.is_empty(), "{bad:#?}");
    }

    /// No page template and no string of the web crate's code says a word the glossary does not use.
    #[test]
    fn pages_and_messages_use_the_glossary_terms() {
        let avoided = jingzhun_core::labels_en::avoided_words(jingzhun_core::labels_en::GLOSSARY);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![root.join("src"), root.join("templates")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 20, "{files:?}");
        let mut bad = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).expect("read");
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                // Comments (English, and may name the words to avoid) and this test's own file are not pages.
                if code.starts_with("//") || path.ends_with("i18n.rs") {
                    continue;
                }
                for word in &avoided {
                    if line.contains(word) {
                        bad.push(format!("{}:{}: {word}", path.display(), n + 1));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{bad:#?}");
    }
}
