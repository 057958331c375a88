//! The OpenAPI description of the API routes.

use axum::Json;
use serde_json::json;

/// The OpenAPI description of the routes above.
pub async fn openapi() -> Json<serde_json::Value> {
    let person_item = json!({
        "type": "object",
        "required": ["id", "name", "id_number_masked"],
        "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" },
            "id_number_masked": { "type": "string", "example": "310112********0013" },
            "sex": { "type": "string", "enum": ["M", "F"] }, "age": { "type": "integer", "nullable": true },
            "phone_masked": { "type": "string", "nullable": true },
            "street_code": { "type": "string", "nullable": true }, "committee_code": { "type": "string", "nullable": true },
            "categories": { "type": "array", "items": { "type": "string" }, "description": "当前类别代码" }
        }
    });
    let error =
        json!({ "type": "object", "properties": { "error": { "type": "string" }, "message": { "type": "string" } } });
    Json(json!({
        "openapi": "3.0.3",
        "info": { "title": "yikou 一口上下 API", "version": "1" },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "PersonItem": person_item, "Error": error }
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/people": { "get": {
                "summary": "帮困对象列表（调用者权限范围内，按编号翻页）",
                "parameters": [
                    { "name": "q", "in": "query", "schema": { "type": "string" },
                      "description": "姓名中的字，身份证号或手机号后4位；有查看完整权限的角色还可用完整身份证号、电话、身份证号后5–6位、出生日期加后4位（记录在案）" },
                    { "name": "street", "in": "query", "schema": { "type": "string" } },
                    { "name": "committee", "in": "query", "schema": { "type": "string" } },
                    { "name": "category", "in": "query", "schema": { "type": "string" } },
                    { "name": "age_min", "in": "query", "schema": { "type": "integer", "minimum": 0 } },
                    { "name": "age_max", "in": "query", "schema": { "type": "integer", "minimum": 0 } },
                    { "name": "cursor", "in": "query", "schema": { "type": "string" } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } }
                ],
                "responses": {
                    "200": { "description": "一页", "content": { "application/json": { "schema": { "type": "object", "properties": {
                        "items": { "type": "array", "items": { "$ref": "#/components/schemas/PersonItem" } },
                        "next_cursor": { "type": "string", "nullable": true } } } } } },
                    "401": { "description": "缺少或无效的令牌", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                    "403": { "description": "角色无权", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                    "422": { "description": "q 不是可查找的内容（如身份证号校验位不对），或角色不能按完整号码查找", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
                } } },
            "/api/v1/projects": { "get": {
                "summary": "当前活动中调用者范围内的帮困项目（计划与实际）",
                "responses": { "200": { "description": "项目列表" }, "401": { "description": "缺少或无效的令牌" }, "403": { "description": "角色无权" } } } },
            "/api/v1/projects/{id}": { "get": {
                "summary": "一个帮困项目（与调用者范围无关时返回404）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "项目" }, "401": { "description": "缺少或无效的令牌" }, "404": { "description": "不存在或不在范围内" } } } },
            "/api/v1/check": { "get": {
                "summary": "比对核查：调用者范围内的疑点及各类数量（读取保存的比对结果；数据变动后自动重新比对）",
                "responses": { "200": { "description": "rules_version、computed_at（计算时间，UTC）、counts 与 findings" }, "401": { "description": "缺少或无效的令牌" }, "403": { "description": "角色无权" } } } },
            "/api/v1/imports": { "post": {
                "summary": "上传名单并逐行检查（不写入）；返回 upload 编号、rows/valid/invalid 与每行问题",
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object",
                    "required": ["file"], "properties": { "file": { "type": "string", "format": "binary" }, "project": { "type": "string" } } } } } },
                "responses": { "200": { "description": "检查结果" }, "400": { "description": "缺少文件" }, "401": { "description": "缺少或无效的令牌" },
                               "403": { "description": "角色无权" }, "404": { "description": "项目不存在或不在范围内" }, "422": { "description": "文件无法读取" } } } },
            "/api/v1/imports/{upload}/commit": { "post": {
                "summary": "导入已检查的名单；accept_valid=true 时只导入正确的行；同一文件再次导入不重复",
                "parameters": [{ "name": "upload", "in": "path", "required": true, "schema": { "type": "string" } },
                               { "name": "accept_valid", "in": "query", "schema": { "type": "boolean" } }],
                "responses": { "200": { "description": "batch、rows、created、updated、unchanged、rejected、already_imported" },
                               "404": { "description": "不是调用者的上传" }, "422": { "description": "仍有错误行" } } } },
            "/api/v1/imports/batches": { "get": {
                "summary": "调用者的导入批次（区民政局：全部）",
                "responses": { "200": { "description": "items" }, "403": { "description": "角色无权" } } } },
            "/api/v1/imports/batches/{batch}/undo": { "post": {
                "summary": "撤销批次（批次中尚无已审核的帮扶记录时）",
                "parameters": [{ "name": "batch", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": { "description": "已撤销" }, "404": { "description": "不存在或不可见" }, "409": { "description": "不能撤销" } } } },
            "/api/v1/check/decisions": { "post": {
                "summary": "确认或排除一个疑点（排除须写理由）",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["key", "action"], "properties": { "key": { "type": "string" },
                    "action": { "type": "string", "enum": ["confirm", "dismiss"] }, "reason": { "type": "string" } } } } } },
                "responses": { "200": { "description": "已处理" }, "403": { "description": "角色无权" }, "404": { "description": "不存在或不在范围内" },
                               "422": { "description": "缺少理由" } } } },
            "/api/v1/payments/batches": {
                "post": {
                    "summary": "创建发放批次：一种发放方式的已批准下达记录，可限定项目、街镇、居委（审批过其中名单的人不能创建）",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                        "required": ["method"], "properties": {
                            "method": { "type": "string", "enum": ["bank", "card", "cash", "voucher", "goods", "service"] },
                            "projects": { "type": "array", "items": { "type": "integer" } },
                            "street": { "type": "string" }, "committee": { "type": "string" } } } } } },
                    "responses": { "200": { "description": "batch, batch_no, lines, amount_fen, without_account" },
                                   "403": { "description": "角色无权，或批准过其中的名单" }, "409": { "description": "没有可发放的记录" } } },
                "get": { "summary": "本活动的发放批次（范围内）", "responses": { "200": { "description": "items" } } } },
            "/api/v1/payments/batches/{id}": { "get": {
                "summary": "发放批次及其明细（账号脱敏）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "batch, reconciled, lines" }, "404": { "description": "不存在或不在范围内" } } } },
            "/api/v1/payments/batches/{id}/bank-file.csv": { "get": {
                "summary": "银行代发文件（CSV，UTF-8 带 BOM）：序号, 参考号, 户名, 账号, 金额, 摘要, 开户行",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "文件" }, "403": { "description": "角色无权" }, "422": { "description": "不是银行代发批次" } } } },
            "/api/v1/payments/batches/{id}/bank-file.xlsx": { "get": {
                "summary": "银行代发文件（Excel），列同 CSV",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "文件" }, "403": { "description": "角色无权" } } } },
            "/api/v1/payments/batches/{id}/results": { "post": {
                "summary": "导入银行结果文件（multipart 字段 file；代发文件加 处理结果、失败原因 两列；.xlsx/.xls/CSV UTF-8 或 GBK）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "lines, paid, failed, unresolved, unmatched, mismatched, duplicates, missing, already_recorded" },
                               "422": { "description": "文件无法读取或缺少列" } } } },
            "/api/v1/payments/batches/{id}/reissue": { "post": {
                "summary": "重新发放本批次的失败记录（新批次，第 N+1 次）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "batch, lines, amount_fen" }, "409": { "description": "没有可重新发放的失败记录" } } } },
            "/api/v1/payments/batches/{id}/signoff": { "post": {
                "summary": "登记签收结果（现金、实物、卡券、服务）：本范围（可限定居委）内各笔均记为已签收，exceptions 所列为未签收（须写原因）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "properties": { "committee": { "type": "string" }, "exceptions": { "type": "array", "items": { "type": "object",
                        "properties": { "line": { "type": "integer" }, "reason": { "type": "string" } } } } } } } } },
                "responses": { "200": { "description": "lines, paid, failed, already_recorded …" }, "422": { "description": "银行代发批次或缺少原因" } } } },
            "/api/v1/payments/progress": { "get": {
                "summary": "发放进度与对账：total 与各单位的 approved/disbursed/failed/pending（people, entitlements, amount_fen）",
                "responses": { "200": { "description": "total, units, projects, problems" } } } },
            "/api/v1/samples": { "post": {
                "summary": "抽取回访样本（可重现；分层、样本量按置信水平和误差或固定数、百分比）",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["seed"],
                    "properties": { "seed": { "type": "integer" }, "projects": { "type": "array", "items": { "type": "integer" } },
                        "streets": { "type": "array", "items": { "type": "string" } }, "confidence": { "type": "number" },
                        "margin": { "type": "number" }, "design_factor": { "type": "number" }, "size": { "type": "integer" },
                        "percent": { "type": "number" }, "strata": { "type": "string", "enum": ["street", "project", "street,project"] },
                        "min_per_stratum": { "type": "integer" }, "callers": { "type": "array", "items": { "type": "string" } } } } } } },
                "responses": { "200": { "description": "sample, seed, population, excluded_no_phone, size, strata" },
                               "403": { "description": "角色无权" }, "409": { "description": "没有可回访的对象" } } } },
            "/api/v1/samples/{id}/calls": { "post": {
                "summary": "记录一次回访电话（回访员只能记录分给自己的对象）；部分收到、未收到、非本人自动立问题件",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["entitlement", "reached"],
                    "properties": { "entitlement": { "type": "integer" }, "reached": { "type": "string", "enum": ["yes", "no", "wrong_number"] },
                        "received": { "type": "string", "enum": ["full", "partly", "none", "not_person"] }, "amount_fen": { "type": "integer" },
                        "satisfaction": { "type": "integer" }, "remarks": { "type": "string" } } } } } },
                "responses": { "200": { "description": "call, case" }, "404": { "description": "不是本样本（或不是您的）对象" }, "422": { "description": "记录不一致" } } } },
            "/api/v1/samples/{id}/results": { "get": {
                "summary": "回访结果：size, called, reached, confirmed, discrepancies, discrepancy_rate, ci95（Wilson）, open_cases, strata",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "结果" }, "404": { "description": "不存在或不在范围内" } } } },
            "/api/v1/samples/{id}/close": { "post": {
                "summary": "结束回访：有未办结的问题件时 409 并列出，除非区民政局写明理由（reason）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "已结束" }, "409": { "description": "open_cases 列出未办结的问题件" } } } },
            "/api/v1/exchange/export.xlsx": { "get": {
                "summary": "市级交换（Excel格式）：活动的帮困对象与帮扶记录，一个工作簿（人员、项目、帮扶记录），含完整身份证号；仅全区、有查看完整身份证号权限的角色，导出留痕。格式见 docs/EXCHANGE.md",
                "parameters": [{ "name": "campaign", "in": "query", "schema": { "type": "integer" }, "description": "活动年度，默认最新" }],
                "responses": { "200": { "description": ".xlsx" }, "403": { "description": "角色或范围无权" }, "404": { "description": "没有该年度的活动" } } } },
            "/api/v1/exchange/export.zip": { "get": {
                "summary": "市级交换（交换格式）：people.csv、projects.csv、entitlements.csv 打包为 zip（金额为分）；权限与留痕同上",
                "parameters": [{ "name": "campaign", "in": "query", "schema": { "type": "integer" }, "description": "活动年度，默认最新" }],
                "responses": { "200": { "description": ".zip" }, "403": { "description": "角色或范围无权" }, "404": { "description": "没有该年度的活动" } } } },
            "/api/v1/exchange/base-register": { "post": {
                "summary": "载入市级名单作为比对的基础名册（人员列表：交换格式的 people.csv 或 Excel 格式的“人员”表，.csv/.xlsx/.xls）：未登记的人登记，已登记的人补充名单所列类别、登记已故；同一名单再次载入不改变任何数据。有错误行时整份不载入",
                "parameters": [{ "name": "campaign", "in": "query", "schema": { "type": "integer" }, "description": "作为哪一年度活动的基础名册（类别、已故自该活动开始之日起算），默认最新" }],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object",
                    "required": ["file"], "properties": { "file": { "type": "string", "format": "binary" } } } } } },
                "responses": { "200": { "description": "file, loaded, report（rows, people_created, people_known, households_created, people_updated, categories_set, deceased_marked, categories_added）" },
                               "400": { "description": "缺少文件" }, "403": { "description": "角色或范围无权" },
                               "422": { "description": "rows_rejected：issues 列出每个错误行（row, column, code, message），未载入；或文件无法读取" } } } },
            "/api/v1/people/{id}/timeline": { "get": {
                "summary": "对象在各次活动中得到的一切，按日期：items 中每项 kind（money/goods/voucher/service/visit，热线陆续加入）、date（YYYY-MM-DD）、what、amount_fen、state、reference",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "items" }, "403": { "description": "角色无权" }, "404": { "description": "不存在或不在范围内" } } } },
            "/api/v1/vouchers": { "get": {
                "summary": "慈善超市卡券：调用者范围内的卡券（区民政局：全部；街镇：发给本街镇对象的）；items 中每项 code, person, value_fen, state（unissued/issued/redeemed/expired）, batch, supermarket, valid_until, redeemed_at, redeemed_supermarket",
                "parameters": [{ "name": "state", "in": "query", "schema": { "type": "string", "enum": ["unissued", "issued", "redeemed", "expired"] } },
                               { "name": "limit", "in": "query", "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "items" }, "403": { "description": "角色无权" }, "422": { "description": "state 不认识" } } } },
            "/api/v1/vouchers/{code}/redeem": { "post": {
                "summary": "兑换卡券：第一次 200；此后每次 409 并以中文说明（已于何时在何处兑换、已过期、尚未发放），两个同时到达也只有一个成功",
                "parameters": [{ "name": "code", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["supermarket"], "properties": { "supermarket": { "type": "string" } } } } } },
                "responses": { "200": { "description": "code, person, supermarket, redeemed_at, state" }, "403": { "description": "角色无权" },
                               "404": { "description": "卡券不存在或不在范围内" }, "409": { "description": "{\"error\": \"中文说明\", \"code\": \"not_redeemable\"}" },
                               "422": { "description": "编号校验不对或缺少超市" } } } },
            "/api/v1/visits": {
                "get": {
                    "summary": "走访慰问：本辖区当前活动的走访登记（新在前，每页100条）；person 只看某人，open=1 只看跟进事项未办结的",
                    "parameters": [{ "name": "person", "in": "query", "schema": { "type": "integer" } },
                                   { "name": "open", "in": "query", "schema": { "type": "string", "enum": ["1"] } },
                                   { "name": "page", "in": "query", "schema": { "type": "integer" } }],
                    "responses": { "200": { "description": "{\"items\": [{id, person, person_name, date, visitor_kind, visitors, money_fen, goods, goods_value_fen, needs, action}], \"total\", \"page\"}" },
                                   "403": { "description": "角色无权" } } },
                "post": {
                    "summary": "登记一次走访慰问（对象须在本辖区）：date 为 YYYY-MM-DD，visitor_kind 为 leader（区领导）、unit（成员单位或街镇）、committee（居村委），金额为分；action 为后续跟进（what, owner_unit 单位代码, due）",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                        "required": ["person", "date", "visitor_kind", "visitors"],
                        "properties": { "person": { "type": "integer" }, "date": { "type": "string" }, "visitor_kind": { "type": "string" },
                                        "visitors": { "type": "string" }, "money_fen": { "type": "integer" }, "goods": { "type": "string" },
                                        "goods_value_fen": { "type": "integer" }, "needs": { "type": "string" },
                                        "action": { "type": "object", "properties": { "what": { "type": "string" },
                                            "owner_unit": { "type": "string" }, "due": { "type": "string" } } } } } } } },
                    "responses": { "201": { "description": "{\"id\": N}" }, "403": { "description": "角色无权" },
                                   "404": { "description": "对象不存在或不在本辖区" }, "422": { "description": "填写不完整或不正确（中文说明）" } } } },
            "/api/v1/visits/actions/{id}/done": { "post": {
                "summary": "走访后续跟进事项办结（承办单位或区民政局）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "content": { "application/json": { "schema": { "type": "object",
                    "properties": { "note": { "type": "string" } } } } } },
                "responses": { "200": { "description": "{\"id\", \"done\": true}" }, "403": { "description": "角色无权" },
                               "404": { "description": "不存在或不归本单位承办" }, "409": { "description": "已办结" } } } },
            "/api/v1/hotline": {
                "get": {
                    "summary": "生活服务热线：本辖区当前活动受理的求助（新在前）及统计；state=unfinished（未办结）、overdue（已超期）、closed（已办结）",
                    "parameters": [{ "name": "state", "in": "query", "schema": { "type": "string", "enum": ["unfinished", "overdue", "closed"] } }],
                    "responses": { "200": { "description": "{\"items\": [{id, person, caller, kind, content, street_code, received_at, unit_code, due, closed_at, result, state, overdue, hours_to_close}], \"stats\": {total, open, assigned, overdue, closed, mean_hours_to_close}}" },
                                   "403": { "description": "角色无权" } } },
                "post": {
                    "summary": "受理求助：caller 来电人，person 对象（可无，须在本辖区），kind 为 medical（就医）、travel（出行）、repair（维修）、shopping（购物）、meals（助餐）、care（照料）、other，content 求助内容",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                        "required": ["caller", "kind", "content"],
                        "properties": { "caller": { "type": "string" }, "person": { "type": "integer" }, "kind": { "type": "string" },
                                        "content": { "type": "string" } } } } } },
                    "responses": { "201": { "description": "{\"id\": N}" }, "403": { "description": "角色无权" },
                                   "404": { "description": "对象不在本辖区" }, "422": { "description": "填写不完整（中文说明）" } } } },
            "/api/v1/hotline/{id}/assign": { "post": {
                "summary": "派单：unit 承办单位代码，due 办结期限 YYYY-MM-DD",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["unit", "due"], "properties": { "unit": { "type": "string" }, "due": { "type": "string" } } } } } },
                "responses": { "200": { "description": "已派单" }, "403": { "description": "角色无权" },
                               "404": { "description": "不存在或不在本辖区" }, "409": { "description": "已办结" }, "422": { "description": "单位不存在或期限已过" } } } },
            "/api/v1/hotline/{id}/close": { "post": {
                "summary": "办结（承办单位或区民政局）：result 办理结果",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["result"], "properties": { "result": { "type": "string" } } } } } },
                "responses": { "200": { "description": "已办结" }, "403": { "description": "角色无权" },
                               "404": { "description": "不存在或不归本单位承办" }, "409": { "description": "已办结" } } } },
            "/api/v1/donations": {
                "get": {
                    "summary": "社会捐赠：本单位当前活动收到的捐赠及分配去向；totals 为收到、已分配的资金和物资价值（分）",
                    "responses": { "200": { "description": "{\"items\": [{id, donor_kind, donor, money_fen, goods, goods_value_fen, receipt_no, received_on, allocated_money_fen, allocated_goods_fen, allocations}], \"totals\"}" },
                                   "403": { "description": "角色无权" } } },
                "post": {
                    "summary": "登记捐赠：donor_kind 为 company（爱心企业）、organisation（社会组织）、individual（个人）；anonymous 匿名；金额为分；receipt_no 收据编号（不可重复）",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                        "required": ["donor_kind", "receipt_no", "received_on"],
                        "properties": { "donor_kind": { "type": "string" }, "donor_name": { "type": "string" }, "anonymous": { "type": "boolean" },
                                        "money_fen": { "type": "integer" }, "goods": { "type": "string" }, "goods_value_fen": { "type": "integer" },
                                        "receipt_no": { "type": "string" }, "received_on": { "type": "string" } } } } } },
                    "responses": { "201": { "description": "{\"id\": N}" }, "403": { "description": "角色无权" },
                                   "422": { "description": "填写不完整或收据编号已登记（中文说明）" } } } },
            "/api/v1/donations/{id}/allocations": { "post": {
                "summary": "分配捐赠：project 项目，kind 为 money（计为项目的社会募集资金）或 goods（只能分给发放慰问品的项目），amount_fen 金额（分）；超过未分配部分时 409",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["project", "kind", "amount_fen"], "properties": { "project": { "type": "integer" },
                    "kind": { "type": "string", "enum": ["money", "goods"] }, "amount_fen": { "type": "integer" } } } } } },
                "responses": { "201": { "description": "{\"id\": N}" }, "403": { "description": "角色无权" },
                               "404": { "description": "捐赠或项目不存在或不在本单位范围" }, "409": { "description": "超过未分配部分（中文说明）" } } } },
            "/api/v1/services/kinds": { "get": {
                "summary": "上门服务类别：code、name、measure（hours 按小时，times 按次）",
                "responses": { "200": { "description": "{\"items\": [{code, name, measure}]}" } } } },
            "/api/v1/services/providers": {
                "get": {
                    "summary": "本单位管理的服务提供方及服务统计：deliveries 服务记录条数，people 服务人数，quantity 各类别服务量（百分之一小时或次）",
                    "responses": { "200": { "description": "{\"items\": [{id, unit_code, name, kind, contract_from, contract_until, contract_fen, deliveries, people, quantity}]}" },
                                   "403": { "description": "角色无权" } } },
                "post": {
                    "summary": "登记服务提供方：kind 为 organisation（社会组织）、volunteer（志愿者）、contract（政府购买服务，须有合同起止日期和金额）",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                        "required": ["name", "kind"], "properties": { "name": { "type": "string" }, "kind": { "type": "string" },
                        "contract_from": { "type": "string" }, "contract_until": { "type": "string" }, "contract_fen": { "type": "integer" } } } } } },
                    "responses": { "201": { "description": "{\"id\": N}" }, "403": { "description": "角色无权" }, "422": { "description": "填写不完整（中文说明）" } } } },
            "/api/v1/services/providers/{id}/deliveries": { "post": {
                "summary": "导入服务提供方的月度服务明细（multipart 字段 file：.xlsx/.xls/.csv，表头 姓名、身份证号、服务类别、服务日期、数量）：逐行核对，有错误时整份不导入并列出每处问题；同一明细重复导入不重复计入",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "{\"outcome\": \"recorded\", rows, recorded, already}" }, "403": { "description": "角色无权" },
                               "404": { "description": "服务提供方不存在或不归本单位管理" },
                               "422": { "description": "{\"error\": \"rows_rejected\", rows_with_issues, issues: [{row, column, code, message}]}，或文件无法读取" } } } },
            "/api/v1/reports/care": { "get": {
                "summary": "走访、服务与卡券汇总（当前活动，本辖区）：streets 按街镇的走访人次、走访人数、慰问金及物资（分）、上门服务条数、服务人数、热线求助件数与已办结；total 合计（人数去重）；vouchers 各批卡券的制发、已发放、已兑换、已过期、未发放张数",
                "responses": { "200": { "description": "{year, streets, total, vouchers}" }, "403": { "description": "角色无权" } } } },
            "/api/v1/vouchers/batches": { "post": {
                "summary": "制发一批卡券（区民政局）：name、face_value_fen 面值（分）、valid_from/valid_until 有效期、supermarket 慈善超市、count 张数、prefix 编号前缀（默认 LY）",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["name", "face_value_fen", "valid_from", "valid_until", "supermarket", "count"],
                    "properties": { "name": { "type": "string" }, "face_value_fen": { "type": "integer" }, "valid_from": { "type": "string" },
                                    "valid_until": { "type": "string" }, "supermarket": { "type": "string" }, "count": { "type": "integer" },
                                    "prefix": { "type": "string" } } } } } },
                "responses": { "201": { "description": "{id, count, first, last}" }, "403": { "description": "角色无权" }, "422": { "description": "填写不正确（中文说明）" } } } },
            "/api/v1/vouchers/redemptions": { "post": {
                "summary": "导入慈善超市的兑换明细（multipart：file，表头含 卡券编号、兑换日期，可有 慈善超市 列；无该列时填写 supermarket 字段）：逐行按收银兑换的规则核对，有问题时整份不登记；同一明细重复导入不重复登记",
                "responses": { "200": { "description": "{\"outcome\": \"recorded\", rows, redeemed, already}" }, "403": { "description": "角色无权" },
                               "422": { "description": "{\"error\": \"rows_rejected\", issues: [{row, column, message}]}，或文件无法读取" } } } },
            "/api/v1/public/summary": { "get": {
                "summary": "公示（无须登录）：当前活动的汇总数字——campaign（年度）、groups（group, projects, people, person_times, amount_fen）、total、streets、categories；不足5的格子为 \"<5\"，为防倒推而隐去的为 \"withheld\"，其金额为 null；不含任何个人信息",
                "security": [],
                "responses": { "200": { "description": "汇总数字" }, "404": { "description": "还没有活动" } } } },
            "/api/v1/projects/{id}/submit": { "post": {
                "summary": "提交本单位在该项目中的名单审核（比对疑点须先处理完）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "已提交：project, unit, state, entitlements, amount_fen" },
                               "403": { "description": "角色无权" }, "404": { "description": "不存在或不在范围内" },
                               "409": { "description": "仍有未处理的比对疑点（findings 列出），或名单已在审核中、没有待提交的记录；{\"error\": \"中文说明\", \"code\": …}" } } } },
            "/api/v1/projects/{id}/review": { "post": {
                "summary": "审核名单：批准下达或退回修改（退回须写意见；经办、修改或提交过该名单的人不能审核）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["unit", "decision"], "properties": { "unit": { "type": "string" },
                    "decision": { "type": "string", "enum": ["approve", "return"] }, "comment": { "type": "string" } } } } } },
                "responses": { "200": { "description": "state, entitlements, amount_fen" },
                               "403": { "description": "角色无权，或本人经手过该名单" }, "404": { "description": "不存在或不在范围内" },
                               "409": { "description": "名单不在待审核状态" }, "422": { "description": "退回未写意见" } } } },
            "/api/v1/entitlements/{id}/withdraw": { "post": {
                "summary": "撤销一笔帮扶记录（仅未提交的名单；理由必填；记入审计日志）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["reason"], "properties": { "reason": { "type": "string" } } } } } },
                "responses": { "200": { "description": "已撤销：withdrawn, person, project, amount_fen" }, "403": { "description": "角色无权（审核人不改名单）" },
                               "404": { "description": "不存在或不在范围内" }, "422": { "description": "已提交或已下达，或缺少理由" } } } },
            "/api/v1/campaign": { "get": {
                "summary": "当前活动及工作安排（附件1）：各阶段及日期",
                "responses": { "200": { "description": "活动" }, "401": { "description": "缺少或无效的令牌" } } } },
            "/api/v1/units": { "get": {
                "summary": "单位通讯录（附件2）",
                "responses": { "200": { "description": "items" }, "403": { "description": "角色无权" } } } },
            "/api/v1/audit": { "get": {
                "summary": "审计日志（审计管理员），新在前，按 cursor 翻页",
                "parameters": [
                    { "name": "actor", "in": "query", "schema": { "type": "string" } },
                    { "name": "action", "in": "query", "schema": { "type": "string" }, "description": "操作或其开头，如 auth." },
                    { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "cursor", "in": "query", "schema": { "type": "string" } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } }
                ],
                "responses": { "200": { "description": "items 与 next_cursor" }, "403": { "description": "角色无权" } } } },
            "/api/v1/users": { "get": {
                "summary": "账号列表（系统管理员、安全管理员）",
                "responses": { "200": { "description": "items" }, "403": { "description": "角色无权" } } } },
            "/api/v1/people/{id}": { "get": {
                "summary": "一个帮困对象（不在调用者范围内时返回404）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": {
                    "200": { "description": "对象", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PersonItem" } } } },
                    "401": { "description": "缺少或无效的令牌" },
                    "404": { "description": "不存在或不在范围内" }
                } } }
        }
    }))
}
