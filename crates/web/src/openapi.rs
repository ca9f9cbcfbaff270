//! The OpenAPI 3.1 document at `/api/openapi.json`, generated from the route table (`routes::table`), the
//! same table the router is built from, so every API route is documented and nothing else is. The request
//! and response schemas of each operation are written here ([`operation`]), beside the component schemas
//! of the view models the services return ([`components`]); the integration tests check that every JSON
//! route has them and that real responses match them.
//!
//! Authentication: the session cookie (`jz_session`, from signing in on `/login`). Every unsafe call (POST,
//! PATCH) must also send the session's CSRF token (`GET /api/v1/me` → `csrf_token`) in `X-CSRF-Token`: a
//! cross-site form cannot set a header, so a forged request fails with 403 `csrf`. Cross-origin requests
//! with an `Origin` header naming another host are refused too.

use axum::http::Method;
use axum::Json;
use serde_json::{json, Map, Value};

use crate::routes::{specs, Access};

fn s() -> Value {
    json!({"type": "string"})
}
fn i() -> Value {
    json!({"type": "integer"})
}
fn b() -> Value {
    json!({"type": "boolean"})
}
fn date() -> Value {
    json!({"type": "string", "format": "date"})
}
/// A string among the stable codes of a labelled enum (what serde writes for it).
fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Value {
    let all: Vec<&str> = all.iter().map(|v| code(*v)).collect();
    json!({"type": "string", "enum": all})
}
fn step() -> Value {
    codes(crate::features::monitoring::workflow::Step::ALL, |v| {
        v.code()
    })
}
fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}
fn arr(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
/// `x` or `null` (an `Option` serialises as `null`).
fn opt(x: Value) -> Value {
    json!({"anyOf": [x, {"type": "null"}]})
}
/// An object whose listed properties are all present (serde writes every field).
fn obj(props: &[(&str, Value)]) -> Value {
    let mut p = Map::new();
    for (k, v) in props {
        p.insert((*k).to_owned(), v.clone());
    }
    let required: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    json!({"type": "object", "properties": p, "required": required})
}
/// An object where only `required` must be present (request bodies).
fn body(props: &[(&str, Value)], required: &[&str]) -> Value {
    let mut o = obj(props);
    o["required"] = json!(required);
    o["additionalProperties"] = json!(false);
    o
}

/// The component schemas.
pub fn components() -> Value {
    let coded = || r("Coded");
    let expl = || r("Explanation");
    let mut m = Map::new();
    let mut put = |name: &str, v: Value| {
        m.insert(name.to_owned(), v);
    };
    put("Coded", obj(&[("code", s()), ("label", s())]));
    put("Error", obj(&[("error", s()), ("message", s())]));
    put("FieldError", obj(&[("field", s()), ("message", s())]));
    let mut problem = obj(&[
        ("error", s()),
        ("message", s()),
        ("fields", arr(r("FieldError"))),
    ]);
    problem["required"] = json!(["error", "message"]);
    put("Problem", problem);
    put(
        "Me",
        obj(&[
            ("username", s()),
            ("display_name", s()),
            ("role", s()),
            ("role_label", s()),
            ("area", s()),
            ("must_change_password", b()),
            ("csrf_token", s()),
        ]),
    );
    put(
        "AreaView",
        obj(&[
            ("code", s()),
            ("name", s()),
            ("level", s()),
            ("level_label", s()),
            ("parent", opt(s())),
            ("children", arr(obj(&[("code", s()), ("name", s())]))),
        ]),
    );
    let counts = || {
        obj(&[
            ("households", i()),
            ("people", i()),
            ("poor", i()),
            ("exited", i()),
            ("monitored", i()),
        ])
    };
    let num = || json!({"type": "number"});
    put(
        "ActionBoard",
        obj(&[
            ("area", s()),
            ("area_name", s()),
            ("year", i()),
            ("as_of", date()),
            (
                "rates",
                arr(obj(&[
                    ("code", s()),
                    ("name", s()),
                    ("name_en", s()),
                    ("definition", s()),
                    ("value", opt(num())),
                    ("text", s()),
                ])),
            ),
            (
                "children",
                arr(obj(&[
                    ("code", s()),
                    ("name", s()),
                    ("values", arr(opt(num()))),
                    ("texts", arr(s())),
                ])),
            ),
            ("sort", s()),
            ("desc", b()),
            (
                "waiting",
                arr(obj(&[
                    ("step", step()),
                    ("label", s()),
                    ("cases", i()),
                    ("mine", b()),
                ])),
            ),
            ("mine", i()),
        ]),
    );
    put(
        "Dashboard",
        obj(&[
            ("area", r("AreaView")),
            ("today", date()),
            ("counts", counts()),
            ("monitored_by_kind", arr(json!({"type": "array"}))),
            ("risk_types", arr(json!({"type": "array"}))),
            (
                "children",
                arr(obj(&[("code", s()), ("name", s()), ("counts", counts())])),
            ),
            (
                "trend",
                arr(obj(&[
                    ("year", i()),
                    ("poor", i()),
                    ("monitored_unstable", i()),
                    ("monitored_marginal", i()),
                    ("monitored_sudden", i()),
                    ("median_income", opt(i())),
                ])),
            ),
            (
                "cases",
                obj(&[
                    ("open", i()),
                    ("near", i()),
                    ("overdue", i()),
                    ("decided", i()),
                    ("rejected", i()),
                    (
                        "by_step",
                        arr(json!({"type": "array",
                            "description": "[步骤代码, 步骤名称, 等待该步骤的在办监测事项数]",
                            "prefixItems": [step(), s(), i()],
                            "minItems": 3, "maxItems": 3})),
                    ),
                ]),
            ),
        ]),
    );
    put("WarningsView", warnings_view());
    put(
        "Standing",
        obj(&[
            ("registry", s()),
            ("registry_label", s()),
            ("monitoring", opt(coded())),
            ("risk_types", arr(coded())),
        ]),
    );
    put(
        "SearchResult",
        obj(&[
            ("query", s()),
            ("within", s()),
            (
                "households",
                arr(obj(&[
                    ("id", i()),
                    ("number", s()),
                    ("village_code", s()),
                    ("village_name", s()),
                    ("head_name", s()),
                    ("head_resident_id", s()),
                    ("phone", opt(s())),
                    ("size", i()),
                    ("standing", r("Standing")),
                ])),
            ),
            ("page", i()),
            ("page_size", i()),
            ("total", i()),
            ("total_capped", b()),
            ("more", b()),
        ]),
    );
    put(
        "Explanation",
        obj(&[
            ("rule", s()),
            ("text", s()),
            ("text_zh", s()),
            ("text_en", s()),
            ("holds", b()),
            ("member", opt(s())),
            ("parameter", opt(s())),
            ("source", opt(s())),
        ]),
    );
    put(
        "Evaluation",
        obj(&[
            ("nature", s()),
            ("year", i()),
            ("as_of", date()),
            ("pack", s()),
            ("unavailable", opt(s())),
            (
                "latest_income",
                opt(obj(&[("year", i()), ("per_capita", s())])),
            ),
            ("per_capita_income", opt(s())),
            ("income", arr(expl())),
            (
                "guarantees",
                arr(obj(&[
                    ("guarantee", coded()),
                    ("met", b()),
                    ("explanation", expl()),
                ])),
            ),
            (
                "proposals",
                arr(obj(&[
                    ("kind", coded()),
                    ("monitoring_kind", opt(coded())),
                    ("risk_types", arr(coded())),
                    ("explanations", arr(expl())),
                ])),
            ),
            ("decided", opt(date())),
            (
                "elimination",
                opt(obj(&[("eligible", b()), ("conditions", arr(expl()))])),
            ),
            (
                "exit",
                opt(obj(&[("eligible", b()), ("conditions", arr(expl()))])),
            ),
        ]),
    );
    // `next` (the step due) while open, `at` (the rejected step) once rejected.
    let mut state = obj(&[(
        "state",
        json!({"type": "string", "enum": ["open", "decided", "rejected"]}),
    )]);
    state["properties"]["next"] = step();
    state["properties"]["at"] = step();
    put("CaseState", state);
    put(
        "StepView",
        obj(&[
            ("step", step()),
            ("label", s()),
            ("outcome", s()),
            ("passed", b()),
            ("by", s()),
            ("at", s()),
            ("note", s()),
        ]),
    );
    let case_kind = || codes(jingzhun_core::monitoring::CaseKind::ALL, |v| v.code());
    put(
        "CaseLink",
        obj(&[
            ("id", s()),
            ("kind", case_kind()),
            ("kind_label", s()),
            ("state", r("CaseState")),
            ("next_label", opt(s())),
            ("steps", arr(r("StepView"))),
        ]),
    );
    put(
        "MonitoringView",
        obj(&[
            (
                "measures",
                arr(obj(&[
                    ("id", i()),
                    ("kind", coded()),
                    ("description", s()),
                    ("started", date()),
                    ("ended", opt(date())),
                    ("amount", opt(s())),
                    ("cadre", opt(s())),
                    ("case", opt(s())),
                    ("running", b()),
                ])),
            ),
            (
                "visits",
                arr(obj(&[
                    ("visited_on", date()),
                    ("cadre", opt(s())),
                    ("purpose", coded()),
                    ("findings", opt(s())),
                ])),
            ),
            ("visits_total", i()),
            (
                "cadres",
                arr(obj(&[
                    ("id", i()),
                    ("name", s()),
                    ("post", coded()),
                    ("unit", s()),
                    ("phone", opt(s())),
                    ("from", date()),
                    ("to", opt(date())),
                    ("active", b()),
                ])),
            ),
        ]),
    );
    put(
        "MonitoringReply",
        obj(&[
            ("household", i()),
            ("monitoring", r("MonitoringView")),
            ("cases", arr(r("CaseLink"))),
        ]),
    );
    put(
        "HouseholdView",
        obj(&[
            ("id", i()),
            ("version", i()),
            ("number", s()),
            ("village_code", s()),
            ("village_name", s()),
            ("natural_village", opt(s())),
            ("phone", opt(s())),
            ("full_personal_data", b()),
            ("attribute", opt(coded())),
            ("main_cause", opt(coded())),
            ("standing", r("Standing")),
            (
                "members",
                arr(obj(&[
                    ("name", s()),
                    ("resident_id", s()),
                    ("sex", coded()),
                    ("relationship", coded()),
                    ("age", i()),
                    ("education", opt(coded())),
                    ("health", opt(coded())),
                    ("labour", opt(coded())),
                ])),
            ),
            (
                "incomes",
                arr(obj(&[
                    ("year", i()),
                    ("net", s()),
                    ("per_capita", s()),
                    ("per_capita_fen", i()),
                ])),
            ),
            (
                "timeline",
                arr(obj(&[
                    ("effective", date()),
                    ("kind", coded()),
                    ("monitoring_kind", opt(coded())),
                    ("risk_types", arr(coded())),
                    ("note", s()),
                ])),
            ),
            (
                "versions",
                arr(obj(&[
                    ("version", i()),
                    ("effective_from", date()),
                    ("recorded_at", s()),
                    ("recorded_by", s()),
                    ("reason", s()),
                ])),
            ),
            (
                "audit",
                opt(arr(obj(&[
                    ("seq", i()),
                    ("at", s()),
                    ("actor", s()),
                    ("action", s()),
                    ("reason", s()),
                ]))),
            ),
            ("cases", arr(r("CaseLink"))),
            ("monitoring", r("MonitoringView")),
            ("evaluation", opt(r("Evaluation"))),
        ]),
    );
    put(
        "PolicyView",
        obj(&[
            ("year", i()),
            ("area", s()),
            ("area_name", s()),
            ("pack", s()),
            ("unavailable", opt(s())),
            (
                "params",
                arr(obj(&[
                    ("code", s()),
                    ("label", s()),
                    ("value", s()),
                    ("reliability", coded()),
                    ("source", s()),
                    ("derivation", opt(s())),
                    ("layer", s()),
                    ("file", s()),
                    ("line", i()),
                    ("years", s()),
                ])),
            ),
        ]),
    );
    put(
        "CaseLine",
        obj(&[
            ("id", s()),
            ("household", i()),
            ("household_number", s()),
            ("head_name", s()),
            ("village_code", s()),
            ("village_name", s()),
            ("kind", case_kind()),
            ("kind_label", s()),
            ("state", r("CaseState")),
            ("next_label", opt(s())),
            ("mine", b()),
            ("opened", date()),
            ("deadline", opt(date())),
            (
                "timing",
                json!({"type": "string", "enum": ["on_time", "near", "overdue"]}),
            ),
            ("step_count", i()),
        ]),
    );
    put(
        "Inbox",
        obj(&[
            ("area", s()),
            ("all", b()),
            ("page", i()),
            ("more", b()),
            ("total", i()),
            (
                "step",
                opt(codes(
                    crate::features::monitoring::workflow::Step::ALL,
                    |v| v.code(),
                )),
            ),
            ("kind", opt(case_kind())),
            (
                "timing",
                opt(json!({"type": "string", "enum": ["near", "overdue"]})),
            ),
            ("mine", b()),
            (
                "sort",
                json!({"type": "string", "enum": ["deadline", "newest"]}),
            ),
            ("cases", arr(r("CaseLine"))),
            (
                "my_steps",
                arr(codes(
                    crate::features::monitoring::workflow::Step::ALL,
                    |v| v.code(),
                )),
            ),
            ("query", s()),
        ]),
    );
    let channel = || codes(jingzhun_core::Channel::ALL, |v| v.code());
    let monitoring_kind = || codes(jingzhun_core::MonitoringKind::ALL, |v| v.code());
    let risk_type = || codes(jingzhun_core::RiskType::ALL, |v| v.code());
    put(
        "CaseView",
        obj(&[
            ("line", r("CaseLine")),
            ("household", i()),
            ("village", s()),
            ("kind", case_kind()),
            ("channel", channel()),
            ("channel_label", s()),
            ("monitoring_kind", opt(monitoring_kind())),
            ("monitoring_kind_label", opt(s())),
            ("risk_types", arr(risk_type())),
            ("risk_labels", arr(s())),
            ("steps", arr(r("StepView"))),
            (
                "form",
                opt(obj(&[("step", step()), ("label", s()), ("segment", s())])),
            ),
            (
                "elimination",
                opt(obj(&[
                    ("year", i()),
                    ("as_of", date()),
                    ("measures", i()),
                    ("eligible", b()),
                    ("conditions", arr(expl())),
                ])),
            ),
        ]),
    );
    put(
        "LeadBody",
        body(
            &[
                ("channel", channel()),
                ("monitoring_kind", opt(monitoring_kind())),
                ("risk_types", arr(risk_type())),
                ("note", s()),
            ],
            &["channel"],
        ),
    );
    put(
        "StepBody",
        body(
            &[
                (
                    "outcome",
                    codes(crate::features::monitoring::workflow::Outcome::ALL, |v| {
                        v.code()
                    }),
                ),
                ("note", s()),
                (
                    "seen",
                    opt(json!({"type": "integer", "minimum": 0,
                        "description": "所依据的监测事项步骤数 (line.step_count); 已过时则答 409 并附监测事项现状"})),
                ),
                (
                    "reviewed_on",
                    opt(json!({"type": "string", "format": "date",
                        "description": "村级评议: 评议会日期 (默认今天)"})),
                ),
                (
                    "participants",
                    json!({"type": "string", "description": "村级评议: 参加评议的人员 (评议时必填)"}),
                ),
                (
                    "complaint_phone",
                    json!({"type": "string", "description": "村级评议: 公示的监督电话 (评议时必填)"}),
                ),
            ],
            &["outcome"],
        ),
    );
    put("Opened", obj(&[("case", s())]));
    project_components(&mut put);
    put(
        "Todo",
        obj(&[
            (
                "count",
                json!({"type": "integer", "minimum": 0,
                    "description": "本区域内等待本账号角色办理的在办监测事项数 (待我办理)"}),
            ),
            (
                "steps",
                json!({"type": "array", "items": {"type": "string"}}),
            ),
        ]),
    );
    put(
        "LeadRefused",
        obj(&[
            ("error", s()),
            ("message", s()),
            (
                "open_case",
                opt(json!({"type": "string", "description": "该户在办的监测事项编号"})),
            ),
        ]),
    );
    put(
        "StepRefused",
        obj(&[
            ("error", s()),
            ("message", s()),
            ("open_case", opt(s())),
            ("case", r("CaseView")),
        ]),
    );
    // The assistance forms: the JSON body's values are read as the form's text (numbers as digits;
    // `null` or "" leaves an optional field empty); a missing or invalid field answers 422 by field.
    let id_ref = |what: &str| json!({"type": ["integer", "string"], "description": what});
    put(
        "MeasureBody",
        body(
            &[
                (
                    "kind",
                    codes(jingzhun_core::AssistanceType::ALL, |v| v.code()),
                ),
                (
                    "description",
                    json!({"type": "string", "maxLength": crate::features::assistance::service::DESCRIPTION_MAX}),
                ),
                (
                    "started",
                    json!({"type": "string", "format": "date", "description": "不晚于今天"}),
                ),
                (
                    "amount",
                    opt(
                        json!({"type": ["string", "number"], "description": "元, 如 3000 或 \"1,500.50\"; 不能为负"}),
                    ),
                ),
                ("cadre", opt(id_ref("帮扶干部 ID (服务于该村或其乡镇)"))),
            ],
            &["kind", "description", "started"],
        ),
    );
    put(
        "EndMeasureBody",
        body(
            &[
                ("measure", id_ref("该户在实施的措施 ID")),
                (
                    "ended",
                    json!({"type": "string", "format": "date", "description": "不早于措施开始日期"}),
                ),
            ],
            &["measure", "ended"],
        ),
    );
    put(
        "VisitBody",
        body(
            &[
                (
                    "visited_on",
                    json!({"type": "string", "format": "date", "description": "不晚于今天"}),
                ),
                (
                    "purpose",
                    codes(jingzhun_core::monitoring::VisitPurpose::ALL, |v| v.code()),
                ),
                ("cadre", opt(id_ref("帮扶干部 ID (服务于该村或其乡镇)"))),
                (
                    "findings",
                    json!({"type": "string", "maxLength": crate::features::assistance::service::FINDINGS_MAX}),
                ),
            ],
            &["visited_on", "purpose", "findings"],
        ),
    );
    put(
        "CadreBody",
        body(
            &[
                ("cadre", id_ref("帮扶干部 ID (服务于该村或其乡镇)")),
                ("from", date()),
                (
                    "to",
                    opt(json!({"type": "string", "format": "date", "description": "不早于 from"})),
                ),
            ],
            &["cadre", "from"],
        ),
    );
    put(
        "ConflictView",
        obj(&[
            ("based_on", i()),
            ("current", i()),
            ("current_by", s()),
            (
                "rows",
                arr(obj(&[
                    ("label_key", s()),
                    ("member", opt(s())),
                    ("yours", s()),
                    ("current", s()),
                    ("differs", b()),
                ])),
            ),
        ]),
    );
    put(
        "EditForm",
        obj(&[
            ("id", i()),
            ("number", s()),
            ("version", i()),
            (
                "fields",
                arr(obj(&[
                    ("name", s()),
                    ("label_key", s()),
                    ("member", opt(s())),
                    ("input", s()),
                    ("choices", arr(obj(&[("code", s()), ("label", s())]))),
                    ("value", s()),
                    ("error", opt(s())),
                ])),
            ),
            ("reason", s()),
            ("reason_error", opt(s())),
            ("conflict", opt(r("ConflictView"))),
        ]),
    );
    put(
        "EditBody",
        body(
            &[
                ("version", i()),
                ("reason", s()),
                (
                    "fields",
                    json!({"type": "object", "description": "字段名 → 新值 (字段名见 GET …/edit)",
                        "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}),
                ),
            ],
            &["version"],
        ),
    );
    put("Saved", obj(&[("id", i()), ("version", i())]));
    put(
        "Conflict",
        obj(&[
            ("error", s()),
            ("message", s()),
            ("conflict", opt(r("ConflictView"))),
            ("current", r("EditForm")),
        ]),
    );
    // Numbers within each parameter's bounds (numeric strings are accepted too, but not documented).
    let params = crate::features::whatif::service::EDITABLE
        .iter()
        .map(|(k, lo, hi)| {
            let mut p = json!({
                "type": if k.kind() == jingzhun_policy::ParamKind::Count { "integer" } else { "number" },
                "minimum": lo, "maximum": hi,
                "description": format!("{} ({lo}–{hi} {})", k.label(), k.unit()),
            });
            if k.kind() != jingzhun_policy::ParamKind::Count {
                p["multipleOf"] = json!(0.01);
            }
            (k.code().to_owned(), p)
        })
        .collect::<Map<String, Value>>();
    let years = jingzhun_policy::pack::YEARS;
    put(
        "WhatIfBody",
        body(
            &[
                (
                    "year",
                    opt(
                        json!({"type": "integer", "minimum": years.start(), "maximum": years.end(),
                        "description": "评估年度 (默认上一个完整年度); 政策包须有该年参数"}),
                    ),
                ),
                (
                    "area",
                    opt(
                        json!({"type": "string", "pattern": "^(|[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$",
                        "description": "显示的区域 (空或不给: 账号所属区域; 须在其内)"}),
                    ),
                ),
                ("page", opt(json!({"type": "integer", "minimum": 1}))),
                (
                    "params",
                    json!({"type": "object", "properties": params, "additionalProperties": false,
                        "minProperties": 1,
                        "description": "参数代码 → 推演值 (至少一项须与现行值不同)"}),
                ),
            ],
            &["params"],
        ),
    );
    put(
        "WhatIfAnswer",
        obj(&[
            (
                "params",
                arr(obj(&[
                    ("code", s()),
                    ("label", s()),
                    ("unit", s()),
                    ("current", s()),
                    ("value", s()),
                    ("min", i()),
                    ("max", i()),
                    ("changed", b()),
                    ("error", opt(s())),
                ])),
            ),
            ("result", r("WhatIfResult")),
        ]),
    );
    put(
        "WhatIfResult",
        obj(&[
            ("nature", s()),
            ("year", i()),
            ("as_of", date()),
            ("area", s()),
            ("area_name", s()),
            ("parent", opt(s())),
            ("before_version", s()),
            ("after_version", s()),
            (
                "changes",
                arr(obj(&[
                    ("code", s()),
                    ("label", s()),
                    ("before", s()),
                    ("after", s()),
                ])),
            ),
            ("households", i()),
            ("flipped_households", i()),
            ("flipped_people", i()),
            (
                "kinds",
                arr(obj(&[
                    ("kind", coded()),
                    ("households_added", i()),
                    ("people_added", i()),
                    ("households_removed", i()),
                    ("people_removed", i()),
                ])),
            ),
            (
                "children",
                arr(obj(&[
                    ("code", s()),
                    ("name", s()),
                    ("households", i()),
                    ("people", i()),
                    ("gaining", i()),
                    ("losing", i()),
                    ("drill", b()),
                ])),
            ),
            ("page", i()),
            ("pages", i()),
            (
                "rows",
                arr(obj(&[
                    ("id", i()),
                    ("number", s()),
                    ("village", s()),
                    ("head_id", opt(s())),
                    ("size", i()),
                    ("added", arr(coded())),
                    ("removed", arr(coded())),
                    ("per_capita_before", opt(s())),
                    ("per_capita_after", opt(s())),
                ])),
            ),
        ]),
    );
    Value::Object(m)
}

/// `GET /api/v1/warnings` (see `features::warnings`).
fn warnings_view() -> Value {
    use jingzhun_report::warnings::{IncomeBand, Sort, WarningKind};
    let kind = || codes(WarningKind::ALL, |v| v.code());
    let triple = || {
        arr(json!({"type": "array", "description": "[代码, 名称, 户数]",
            "prefixItems": [s(), s(), i()], "minItems": 3, "maxItems": 3}))
    };
    obj(&[
        ("area", r("AreaView")),
        ("year", i()),
        ("as_of", date()),
        ("pack_version", s()),
        ("today", date()),
        (
            "counts",
            obj(&[
                (
                    "by_kind",
                    arr(obj(&[
                        ("kind", kind()),
                        ("label", s()),
                        ("households", i()),
                    ])),
                ),
                ("candidates_by_monitoring_kind", triple()),
                ("candidates_by_risk", triple()),
                ("by_guarantee", triple()),
                ("households", i()),
            ]),
        ),
        (
            "kinds",
            arr(
                json!({"type": "array", "prefixItems": [kind(), s()], "minItems": 2, "maxItems": 2}),
            ),
        ),
        (
            "children",
            arr(obj(&[
                ("code", s()),
                ("name", s()),
                (
                    "by_kind",
                    json!({"type": "array", "items": i(),
                    "description": "各预警类型的户数, 顺序同 kinds"}),
                ),
            ])),
        ),
        (
            "rows",
            arr(obj(&[
                ("household_id", i()),
                ("household_no", s()),
                ("head", s()),
                ("village", s()),
                ("village_name", s()),
                ("kind", kind()),
                ("kind_label", s()),
                ("subject", s()),
                ("risk_types", arr(s())),
                ("risk_text", s()),
                ("per_capita_income", opt(s())),
                ("income_band", codes(IncomeBand::ALL, |v| v.code())),
                ("income_band_label", s()),
                ("open_case", b()),
                ("due", opt(date())),
                ("case", opt(s())),
                ("lead_href", opt(s())),
            ])),
        ),
        ("total", i()),
        ("page", i()),
        ("pages", i()),
        ("filter_query", s()),
        ("kind", opt(kind())),
        ("risk", opt(s())),
        ("band", opt(s())),
        ("open_case", opt(b())),
        ("within", opt(s())),
        ("sort", codes(Sort::ALL, |v| v.code())),
        (
            "quality",
            obj(&[
                ("households", i()),
                ("total", i()),
                (
                    "checks",
                    arr(obj(&[
                        ("code", s()),
                        ("label", s()),
                        ("hint", s()),
                        ("findings", i()),
                        ("households", i()),
                    ])),
                ),
                (
                    "children",
                    arr(obj(&[
                        ("code", s()),
                        ("name", s()),
                        (
                            "findings",
                            json!({"type": "array", "items": i(),
                            "description": "各项检查发现的问题数，顺序同 checks"}),
                        ),
                    ])),
                ),
            ]),
        ),
    ])
}

/// The project library's schemas (`features::projects::api`).
fn project_components(put: &mut dyn FnMut(&str, Value)) {
    use jingzhun_core::projects::{AssetOwner, ProjectKind, Stage};
    let num = || json!({"type": "number"});
    let stage = || codes(Stage::ALL, |v| v.code());
    put(
        "ProjectView",
        obj(&[
            ("id", i()),
            ("name", s()),
            ("kind", codes(ProjectKind::ALL, |v| v.code())),
            ("kind_label", s()),
            ("area", s()),
            ("year", i()),
            ("stage", stage()),
            ("stage_label", s()),
            ("next_stage", opt(stage())),
            ("step_count", i()),
            ("planned_output", num()),
            ("actual_output", opt(num())),
            ("unit", s()),
            ("beneficiary_households", i()),
            ("budget_yuan", num()),
            ("announced_until", opt(date())),
            (
                "steps",
                arr(obj(&[
                    ("stage", stage()),
                    ("stage_label", s()),
                    ("on", date()),
                    ("announced_until", opt(date())),
                    ("owner", opt(codes(AssetOwner::ALL, |v| v.code()))),
                    ("actual_output", opt(num())),
                    ("by", s()),
                    ("at", json!({"type": "string", "format": "date-time"})),
                    ("note", s()),
                ])),
            ),
        ]),
    );
    put(
        "ProjectList",
        obj(&[
            ("area", s()),
            ("page", i()),
            ("page_size", i()),
            ("projects", arr(r("ProjectView"))),
        ]),
    );
    put(
        "ProjectStepBody",
        body(
            &[
                (
                    "stage",
                    json!({"type": "string", "description": "环节代码: /step 为 announced、under_way、completed、handed_over; /approve 为 approved、accepted"}),
                ),
                (
                    "seen",
                    json!({"type": "integer", "minimum": 0, "description": "所依据的项目环节数 (step_count); 已过时则答 409 并附项目现状"}),
                ),
                ("on", date()),
                ("announced_until", opt(date())),
                ("owner", opt(codes(AssetOwner::ALL, |v| v.code()))),
                ("actual_output", opt(num())),
                ("note", s()),
            ],
            &["stage", "seen", "on"],
        ),
    );
    put(
        "ProjectRefused",
        obj(&[
            ("error", s()),
            ("message", s()),
            ("project", r("ProjectView")),
        ]),
    );
}

/// What one operation takes and answers.
pub struct Operation {
    /// The request body's schema (unsafe methods).
    pub request: Option<Value>,
    /// The success status and its body's schema.
    pub success: (u16, Value),
    /// Other documented statuses with a body (beyond 401/403/404), each with its schema.
    pub others: Vec<(u16, Value)>,
}

/// The schemas of the JSON route `method path`; `None` for a route this function does not know (the
/// tests fail on it, so a new route cannot go undocumented).
pub fn operation(method: &Method, path: &str) -> Option<Operation> {
    let get = |schema: Value| Operation {
        request: None,
        success: (200, schema),
        others: Vec::new(),
    };
    let step = || Operation {
        request: Some(r("StepBody")),
        success: (200, r("CaseView")),
        others: vec![(400, r("Error")), (409, r("StepRefused"))],
    };
    let form = |name: &str| Operation {
        request: Some(r(name)),
        success: (201, r("MonitoringReply")),
        others: vec![(400, r("Error")), (422, r("Problem"))],
    };
    Some(match (method.as_str(), path) {
        ("GET", "/api/v1/me") => get(r("Me")),
        ("GET", "/api/v1/dashboard" | "/api/v1/dashboard/{code}") => get(r("Dashboard")),
        ("GET", "/api/v1/action") => {
            let mut o = get(r("ActionBoard"));
            o.others.push((400, r("Error")));
            o
        }
        ("GET", "/api/v1/areas/{code}") => get(r("AreaView")),
        ("GET", "/api/v1/households") => get(r("SearchResult")),
        ("GET", "/api/v1/households/{id}") => {
            let mut o = get(r("HouseholdView"));
            o.others.push((400, r("Error")));
            o
        }
        ("GET", "/api/v1/households/{id}/edit") => get(r("EditForm")),
        ("PATCH", "/api/v1/households/{id}") => Operation {
            request: Some(r("EditBody")),
            success: (200, r("Saved")),
            others: vec![
                (400, r("Problem")),
                (409, r("Conflict")),
                (422, r("Problem")),
            ],
        },
        ("GET", "/api/v1/policy") => {
            let mut o = get(r("PolicyView"));
            o.others.push((400, r("Error")));
            o
        }
        ("GET", "/api/v1/cases") => {
            let mut o = get(r("Inbox"));
            o.others.push((400, r("Error")));
            o
        }
        ("GET", "/api/v1/cases/{case}") => get(r("CaseView")),
        ("GET", "/api/v1/projects") => {
            let mut o = get(r("ProjectList"));
            o.others.push((400, r("Error")));
            o
        }
        ("GET", "/api/v1/projects/{project}") => get(r("ProjectView")),
        ("POST", "/api/v1/projects/{project}/step" | "/api/v1/projects/{project}/approve") => {
            Operation {
                request: Some(r("ProjectStepBody")),
                success: (200, r("ProjectView")),
                others: vec![(400, r("Error")), (409, r("ProjectRefused"))],
            }
        }
        ("GET", "/api/v1/cases/todo") => get(r("Todo")),
        ("GET", "/api/v1/warnings") => {
            let mut o = get(r("WarningsView"));
            o.others.push((400, r("Error")));
            o
        }
        ("POST", "/api/v1/households/{id}/leads") => Operation {
            request: Some(r("LeadBody")),
            success: (201, r("Opened")),
            others: vec![
                (400, r("Error")),
                (409, r("LeadRefused")),
                (422, r("Problem")),
            ],
        },
        (
            "POST",
            "/api/v1/cases/{case}/visit"
            | "/api/v1/cases/{case}/comparison"
            | "/api/v1/cases/{case}/village-review"
            | "/api/v1/cases/{case}/township-review"
            | "/api/v1/cases/{case}/county-approval",
        ) => step(),
        ("GET", "/api/v1/households/{id}/monitoring") => {
            let mut o = get(r("MonitoringReply"));
            o.others.push((400, r("Error")));
            o
        }
        ("POST", "/api/v1/households/{id}/measures") => form("MeasureBody"),
        ("POST", "/api/v1/households/{id}/measures/end") => form("EndMeasureBody"),
        ("POST", "/api/v1/households/{id}/visits") => form("VisitBody"),
        ("POST", "/api/v1/households/{id}/cadres") => form("CadreBody"),
        ("POST", "/api/v1/whatif") => Operation {
            request: Some(r("WhatIfBody")),
            success: (200, r("WhatIfAnswer")),
            others: vec![
                (400, r("Problem")),
                (422, r("Problem")),
                (429, r("Problem")),
            ],
        },
        _ => return None,
    })
}

fn parameters(path: &str) -> Vec<Value> {
    let mut params = Vec::new();
    if path.contains("{code}") {
        params.push(json!({"name": "code", "in": "path", "required": true,
            "description": "行政区划代码 (2/4/6/9/12 位)", "schema": {"type": "string"}}));
    }
    if path.contains("{id}") {
        params.push(json!({"name": "id", "in": "path", "required": true,
            "description": "户 ID", "schema": {"type": "integer"}}));
    }
    if path.contains("{case}") {
        params.push(json!({"name": "case", "in": "path", "required": true,
            "description": "监测事项编号 (户ID-序号)", "schema": {"type": "string"}}));
    }
    if path.contains("{project}") {
        params.push(json!({"name": "project", "in": "path", "required": true,
            "description": "项目编号", "schema": {"type": "integer"}}));
    }
    if path == "/api/v1/projects" {
        params.push(json!({"name": "area", "in": "query", "required": false,
            "description": "区域 (默认账号所属区域; 须在账号区域内)", "schema": {"type": "string"}}));
        params.push(json!({"name": "page", "in": "query", "required": false,
            "description": "页码, 从 0 起, 每页 200 个项目",
            "schema": {"type": "integer", "minimum": 0}}));
    }
    if path == "/api/v1/households" {
        params.push(json!({"name": "q", "in": "query", "required": false,
            "description": "姓名、身份证号、户编号或村名", "schema": {"type": "string"}}));
        params.push(json!({"name": "area", "in": "query", "required": false,
            "description": "限定区域(须在账号区域内)", "schema": {"type": "string"}}));
        params.push(json!({"name": "page", "in": "query", "required": false,
            "description": "结果页码, 从 1 起, 每页 20 户",
            "schema": {"type": "integer", "minimum": 1}}));
    }
    if path == "/api/v1/cases" {
        params.push(json!({"name": "all", "in": "query", "required": false,
            "description": "1 或 true: 含已办结的监测事项 (默认只列在办监测事项)", "schema": {"type": "string"}}));
        params.push(json!({"name": "area", "in": "query", "required": false,
            "description": "限定区域(须在账号区域内)", "schema": {"type": "string"}}));
        params.push(json!({"name": "page", "in": "query", "required": false,
            "description": "页码, 从 0 起, 每页 50 件",
            "schema": {"type": "integer", "minimum": 0}}));
        for (name, description) in [
            ("step", "只列等待该环节的在办事项 (visit、comparison、village_review、township_review、county_approval)"),
            ("kind", "事项类型 (identification、elimination)"),
            ("timing", "near: 临近办结时限 (3 天内); overdue: 已逾期"),
            ("mine", "1: 只列待本账号角色办理的事项 (待我办理)"),
            ("sort", "deadline (默认, 时限最近的在前) 或 newest (最新线索在前)"),
        ] {
            params.push(json!({"name": name, "in": "query", "required": false,
                "description": description, "schema": {"type": "string"}}));
        }
    }
    if path == "/api/v1/action" {
        for (name, description) in [
            ("area", "区域 (默认账号所属区域; 须在账号区域内)"),
            (
                "sort",
                "下级区域按此比率排序: monitored_share、assistance_coverage、visit_timeliness、risk_elimination_rate、overdue_rate",
            ),
            ("desc", "1: 从高到低"),
            ("year", "评估年度 (默认当年)"),
        ] {
            params.push(json!({"name": name, "in": "query", "required": false,
                "description": description, "schema": {"type": "string"}}));
        }
    }
    if path == "/api/v1/warnings" {
        for (name, description) in [
            ("area", "区域 (默认账号所属区域; 须在账号区域内)"),
            ("year", "评估年度 (默认上一个完整年度)"),
            (
                "kind",
                "预警类型代码 (monitoring_candidate、omission_suspect…)",
            ),
            ("within", "限定乡镇或村 (须在 area 内)"),
            ("risk", "风险类型代码"),
            (
                "band",
                "收入区间 (below_line、below_monitoring、above_monitoring、unknown)",
            ),
            ("open_case", "1: 只列有在办事项的户; 0: 只列没有的"),
            ("sort", "village、income、income_desc、due"),
            ("page", "页码, 从 1 起, 每页 20 条"),
        ] {
            params.push(json!({"name": name, "in": "query", "required": false,
                "description": description, "schema": {"type": "string"}}));
        }
    }
    if path == "/api/v1/households/{id}" || path == "/api/v1/policy" {
        params.push(json!({"name": "year", "in": "query", "required": false,
            "description": "评估年度 (默认上一个完整年度)",
            "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}}));
    }
    if path == "/api/v1/households/{id}" {
        params.push(json!({"name": "as_of", "in": "query", "required": false,
            "description": "评估日期 YYYY-MM-DD (默认评估年度年末, 年度未结束时为今天)",
            "schema": {"type": "string", "format": "date"}}));
    }
    params
}

fn error_ref() -> Value {
    json!({"$ref": "#/components/responses/Error"})
}

/// The document.
pub fn spec() -> Value {
    let mut paths = Map::new();
    for r in specs().into_iter().filter(|r| r.is_api()) {
        let access = match r.access {
            Access::Public => "public".to_owned(),
            Access::SignedIn => "signed_in".to_owned(),
            Access::Action(a) => serde_json::to_value(a)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        };
        let unsafe_method = !matches!(r.method, Method::GET | Method::HEAD);
        let o = operation(&r.method, r.path).unwrap_or(Operation {
            request: unsafe_method.then(|| json!({"type": "object"})),
            success: (200, json!({"type": "object"})),
            others: Vec::new(),
        });
        let content = |schema: &Value| json!({"application/json": {"schema": schema}});
        let mut responses = Map::new();
        responses.insert(
            o.success.0.to_string(),
            json!({"description": "成功", "content": content(&o.success.1)}),
        );
        for (status, schema) in &o.others {
            responses.insert(
                status.to_string(),
                json!({"description": "错误", "content": content(schema)}),
            );
        }
        for status in ["401", "403", "404"] {
            responses.insert(status.to_owned(), error_ref());
        }
        let mut op = json!({
            "operationId": format!("{}_{}", r.method.as_str().to_ascii_lowercase(),
                r.path.trim_start_matches("/api/v1/").replace(['/', '{', '}', '-'], "_")),
            "summary": r.summary,
            "x-jingzhun-action": access,
            "parameters": parameters(r.path),
            "security": if unsafe_method { json!([{"session": [], "csrf": []}]) } else { json!([{"session": []}]) },
            "responses": responses,
        });
        if let Some(req) = &o.request {
            op["requestBody"] = json!({"required": true, "content": content(req)});
        }
        let entry = paths
            .entry(r.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(r.method.as_str().to_ascii_lowercase(), op);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "jingzhun API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "建档立卡与防返贫监测。所有数据限于账号所属区域及其下级; 区域外的记录答 404。\
                认证: 登录后的会话 Cookie (jz_session); 所有修改类请求 (POST、PATCH) 还须在 X-CSRF-Token 头中\
                带上会话的 CSRF 令牌 (见 GET /api/v1/me 的 csrf_token), 跨站表单无法设置此头。\
                错误体: {\"error\": 代码, \"message\": 说明, \"fields\": [逐字段错误]}。"
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::http::auth::SESSION_COOKIE},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                    "description": "会话的 CSRF 令牌 (GET /api/v1/me 的 csrf_token); 修改类请求必需"}
            },
            "schemas": components(),
            "responses": {
                "Error": {
                    "description": "错误",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                }
            }
        }
    })
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}
