//! The OpenAPI 3.1 document at `/api/openapi.json`, generated from the route table (`routes::table`), the
//! same table the router is built from, so every API route is documented and nothing else is.

use axum::Json;
use serde_json::{json, Map, Value};

use crate::routes::{specs, Access};

/// The document.
pub fn spec() -> Value {
    let mut paths = Map::new();
    for r in specs().into_iter().filter(|r| r.is_api()) {
        let mut params = Vec::new();
        if r.path.contains("{code}") {
            params.push(json!({"name": "code", "in": "path", "required": true,
                "description": "行政区划代码 (2/4/6/9/12 位)", "schema": {"type": "string"}}));
        }
        if r.path.contains("{id}") {
            params.push(json!({"name": "id", "in": "path", "required": true,
                "description": "户 ID", "schema": {"type": "integer"}}));
        }
        if r.path.contains("{case}") {
            params.push(json!({"name": "case", "in": "path", "required": true,
                "description": "监测案件编号 (户ID-序号)", "schema": {"type": "string"}}));
        }
        if r.path == "/api/v1/cases" {
            params.push(json!({"name": "all", "in": "query", "required": false,
                "description": "1: 含已办结案件 (默认只列办理中的)", "schema": {"type": "string"}}));
            params.push(json!({"name": "area", "in": "query", "required": false,
                "description": "限定区域(须在账号区域内)", "schema": {"type": "string"}}));
            params.push(json!({"name": "page", "in": "query", "required": false,
                "description": "页码, 从 0 起, 每页 50 件", "schema": {"type": "integer"}}));
        }
        if r.path == "/api/v1/households" {
            params.push(json!({"name": "q", "in": "query", "required": false,
                "description": "姓名、身份证号、户编号或村名", "schema": {"type": "string"}}));
            params.push(json!({"name": "area", "in": "query", "required": false,
                "description": "限定区域(须在账号区域内)", "schema": {"type": "string"}}));
        }
        let access = match r.access {
            Access::Public => "public".to_owned(),
            Access::SignedIn => "signed_in".to_owned(),
            Access::Action(a) => serde_json::to_value(a)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        };
        let op = json!({
            "summary": r.summary,
            "x-jingzhun-action": access,
            "parameters": params,
            "security": [{"session": []}],
            "responses": {
                "200": {"description": "成功", "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"}
            }
        });
        let mut op = op;
        if r.method == axum::http::Method::POST {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}});
            if let Some(p) = op["parameters"].as_array_mut() {
                p.push(json!({"name": "X-CSRF-Token", "in": "header", "required": true,
                    "description": "会话的 CSRF 令牌 (见 /api/v1/me)", "schema": {"type": "string"}}));
            }
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
            if ["/measures", "/measures/end", "/visits", "/cadres"]
                .iter()
                .any(|s| r.path.ends_with(s))
            {
                op["responses"]["422"] = json!({"description": "字段无效, 未保存: fields 列出每个字段的问题",
                    "content": {"application/json": {"schema": {"type": "object",
                        "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}});
            }
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
            "description": "建档立卡与防返贫监测。所有数据限于账号所属区域及其下级; 区域外的记录答 404。"
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}
            },
            "responses": {
                "Error": {
                    "description": "错误",
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["error", "message"],
                        "properties": {"error": {"type": "string"}, "message": {"type": "string"}}
                    }}}
                }
            }
        }
    })
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}
