//! The services pages: `/services` (providers the unit manages, each with its deliveries, people
//! served and quantity per kind against its contract; the kinds; forms to register a provider and,
//! for the bureau, a kind) and `/services/providers/{id}` (its latest deliveries and the upload of
//! its monthly list: refused with every problem by row, or recorded whole).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yikou_domain::service::{quantity_text, Measure};
use yikou_domain::Fen;
use yikou_ingest::validate::RowIssue;
use yikou_service::services::{self, ImportOutcome};
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::service::{contract_text, ProviderView, ServiceKind};

use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// A provider as shown.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub unit: String,
    pub contract: String,
    pub deliveries: i64,
    pub people: i64,
    pub quantity: String,
}

fn quantity_line(v: &ProviderView, kinds: &[ServiceKind]) -> String {
    v.quantity
        .iter()
        .map(|(code, q)| match kinds.iter().find(|k| &k.code == code) {
            Some(k) => format!("{} {} {}", k.name, quantity_text(*q), k.measure.label()),
            None => format!("{code} {}", quantity_text(*q)),
        })
        .collect::<Vec<_>>()
        .join("，")
}

fn row_of(v: &ProviderView, names: &Names, kinds: &[ServiceKind]) -> Row {
    Row {
        id: v.id,
        name: v.name.clone(),
        kind: v.kind.label(),
        unit: names.unit(&v.unit_code),
        contract: contract_text(v),
        deliveries: v.deliveries,
        people: v.people,
        quantity: quantity_line(v, kinds),
    }
}

#[derive(Template)]
#[template(path = "services/list.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
    kinds: Vec<(String, String, &'static str)>,
    manages: bool,
    bureau: bool,
    notice: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    s: &SessionUser,
    notice: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let actor = s.actor();
    let providers = services::providers(&state.store, &actor).await?;
    let kinds = services::kinds(&state.store).await?;
    let names = names(state).await?;
    let rows = providers.iter().map(|v| row_of(v, &names, &kinds)).collect();
    Ok(ListPage {
        frame: frame(state, s).await?,
        rows,
        kinds: kinds.iter().map(|k| (k.code.clone(), k.name.clone(), k.measure.label())).collect(),
        manages: s.user.role.may_manage_services(),
        bureau: actor.scope == yikou_domain::Scope::All,
        notice,
        error,
    }
    .render()?)
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    done: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Signed(s): Signed,
    axum::extract::Query(p): axum::extract::Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let notice = p.done.map(|d| if d == "kind" { "已增加服务类别。" } else { "已登记服务提供方。" }.to_string());
    Ok(Html(render(&state, &s, notice, None).await?))
}

async fn refused(state: &AppState, s: &SessionUser, m: String) -> Result<Response, AppError> {
    let html = render(state, s, None, Some(m)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

#[derive(Deserialize, Default)]
pub struct ProviderForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    provider_kind: String,
    #[serde(default)]
    contract_from: String,
    #[serde(default)]
    contract_until: String,
    #[serde(default)]
    contract_amount: String,
}

pub async fn add_provider(
    State(state): State<AppState>,
    Posted(s, f): Posted<ProviderForm>,
) -> Result<Response, AppError> {
    let amount = match yuan_field("合同金额", &f.contract_amount) {
        Ok(a) if a.0 == 0 => None,
        Ok(a) => Some(a),
        Err(m) => return refused(&state, &s, m).await,
    };
    let p = match super::provider_of(&f.name, &f.provider_kind, &f.contract_from, &f.contract_until, amount) {
        Ok(p) => p,
        Err(m) => return refused(&state, &s, m).await,
    };
    match services::add_provider(&state.store, &s.actor(), &p).await {
        Ok(_) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/services?done=provider")]).into_response()),
        Err(ServiceError::Rejected(m)) => refused(&state, &s, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct KindForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    measure: String,
}

pub async fn add_kind(State(state): State<AppState>, Posted(s, f): Posted<KindForm>) -> Result<Response, AppError> {
    // The district's list: refused before the form is read for anyone else.
    if !s.user.role.may_manage_services() || s.actor().scope != yikou_domain::Scope::All {
        return Err(AppError::Forbidden);
    }
    let Some(measure) = Measure::from_code(&f.measure) else {
        return refused(&state, &s, "请选择计量方式：按次或按小时".into()).await;
    };
    match services::add_kind(&state.store, &s.actor(), f.code.trim(), &f.name, measure).await {
        Ok(()) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/services?done=kind")]).into_response()),
        Err(ServiceError::Rejected(m)) => refused(&state, &s, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "services/provider.html")]
struct ProviderPage {
    frame: Frame,
    row: Row,
    /// (date, person id, name, kind, quantity).
    deliveries: Vec<(String, i64, String, String, String)>,
    manages: bool,
    recorded: Option<String>,
    error: Option<String>,
    issues: Vec<RowIssue>,
}

async fn render_provider(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    recorded: Option<String>,
    error: Option<String>,
    issues: Vec<RowIssue>,
) -> Result<String, AppError> {
    let actor = s.actor();
    let providers = services::providers(&state.store, &actor).await?;
    let v = providers.iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    let kinds = services::kinds(&state.store).await?;
    let names = names(state).await?;
    let kind_name = |c: &str| kinds.iter().find(|k| k.code == c).map_or_else(|| c.to_string(), |k| k.name.clone());
    let deliveries = state
        .store
        .deliveries(&actor.scope, id, 200)
        .await?
        .into_iter()
        .map(|(d, p, n, k, q)| (d, p, n, kind_name(&k), quantity_text(q)))
        .collect();
    Ok(ProviderPage {
        frame: frame(state, s).await?,
        row: row_of(v, &names, &kinds),
        deliveries,
        manages: s.user.role.may_manage_services(),
        recorded,
        error,
        issues,
    }
    .render()?)
}

pub async fn provider(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    Ok(Html(render_provider(&state, &s, id, None, None, Vec::new()).await?))
}

pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Uploaded(s, mut form): Uploaded,
) -> Result<Response, AppError> {
    if !s.user.role.may_manage_services() {
        return Err(AppError::Forbidden);
    }
    let got = crate::features::imports::receive(&state, &mut form).await?;
    let Some((name, path)) = got.file.clone() else {
        let html = render_provider(&state, &s, id, None, Some("请选择服务明细文件".into()), Vec::new()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let out = services::import_deliveries(&state.store, &s.actor(), id, &path, &name).await;
    got.discard();
    let (status, recorded, error, issues) = match out {
        Ok(ImportOutcome::Recorded { rows, recorded, already }) => (
            StatusCode::OK,
            Some(format!(
                "“{name}”共 {rows} 行，已导入 {recorded} 条服务记录{}。",
                if already > 0 {
                    format!("，另有 {already} 条此前已导入，未重复计入")
                } else {
                    String::new()
                }
            )),
            None,
            Vec::new(),
        ),
        Ok(ImportOutcome::Refused { rows, rows_with_issues, issues }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(format!(
                "“{name}”共 {rows} 行，其中 {rows_with_issues} 行有错误，未导入任何一行。请按下表改正后重新上传。"
            )),
            issues,
        ),
        Err(ServiceError::Unreadable(m) | ServiceError::Rejected(m)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, None, Some(m), Vec::new())
        }
        Err(e) => return Err(e.into()),
    };
    Ok((status, Html(render_provider(&state, &s, id, recorded, error, issues).await?)).into_response())
}

const SERVICES: Export = Export { title: "上门服务统计", ascii: "services" };

/// `GET /services/export.xlsx` (and .csv): each provider's totals against its contract (audited).
pub async fn export(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    let providers = services::providers(&state.store, &s.actor()).await?;
    let kinds = services::kinds(&state.store).await?;
    let names = names(&state).await?;
    let mut table = Table::new(
        "服务提供方",
        vec![
            Column::new("服务提供方"),
            Column::new("类别"),
            Column::new("管理单位"),
            Column::new("合同期限"),
            Column::summed("合同金额（元）"),
            Column::summed("服务记录（条）"),
            Column::summed("服务人数"),
            Column::new("服务量").wide(30),
        ],
    );
    for v in &providers {
        table.push(vec![
            Value::text(v.name.clone()),
            Value::text(v.kind.label()),
            Value::text(names.unit(&v.unit_code)),
            Value::text(match (&v.contract_from, &v.contract_until) {
                (Some(f), Some(u)) => format!("{f} 至 {u}"),
                _ => String::new(),
            }),
            Value::Money(Fen(v.contract_fen.unwrap_or(0))),
            Value::Int(v.deliveries),
            Value::Int(v.people),
            Value::text(quantity_line(v, &kinds)),
        ]);
    }
    table.numbered = true;
    audited(&state, &s, "service.export", "service_provider", json!({ "rows": table.rows.len() })).await?;
    let (title, stem) = heading(&state, &s, &SERVICES, &[]).await?;
    table.title = title;
    respond(table, format, &SERVICES, &stem)
}
