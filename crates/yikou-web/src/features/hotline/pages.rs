//! The hotline page `/hotline`: counts (待派单, 办理中, 已超期, 已办结, mean hours to close), the
//! intake form (a person's page links here with the person filled in), the list filtered, each
//! request given to a unit (a select of units) and closed by it; refusals re-render with the reason.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yikou_domain::hotline::{HotlineRequest, RequestKind, RequestState};
use yikou_domain::reference::UnitKind;
use yikou_domain::{format_date, parse_date};
use yikou_service::hotline;
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::hotline::{HotlineStats, RequestView};

use super::filter_of;
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// A request as shown.
pub struct Row {
    pub id: i64,
    pub received: String,
    pub caller: String,
    pub person: Option<(i64, String)>,
    pub kind: &'static str,
    pub content: String,
    pub street: String,
    pub unit: String,
    pub due: String,
    pub state: &'static str,
    pub overdue: bool,
    pub result: String,
    pub may_close: bool,
    pub may_assign: bool,
}

#[derive(Template)]
#[template(path = "hotline/list.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
    stats: HotlineStats,
    mean_hours: String,
    filter: String,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    person: Option<(i64, String)>,
    form: TakeForm,
    default_due: String,
    handles: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    state: Option<String>,
    person: Option<String>,
    done: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct TakeForm {
    #[serde(default)]
    caller: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    content: String,
}

fn state_text(v: &RequestView) -> &'static str {
    if v.overdue {
        "已超期"
    } else {
        v.state.label()
    }
}

async fn render(
    state: &AppState,
    s: &SessionUser,
    filter: Option<&str>,
    form: TakeForm,
    notice: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let actor = s.actor();
    let (items, stats) = hotline::list(&state.store, &actor, filter_of(filter)?).await?;
    let names = names(state).await?;
    let handles = s.user.role.may_handle_hotline();
    let unit = s.user.unit_code.clone();
    let all = actor.scope == yikou_domain::Scope::All;
    let rows = items
        .iter()
        .map(|v| Row {
            id: v.id,
            received: time_text(&v.received_at),
            caller: v.caller.clone(),
            person: v.person.zip(v.person_name.clone()),
            kind: v.kind.label(),
            content: v.content.clone(),
            street: v.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            unit: v.unit_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            due: v.due.clone().unwrap_or_default(),
            state: state_text(v),
            overdue: v.overdue,
            result: match (&v.closed_at, &v.result) {
                (Some(at), Some(r)) => {
                    format!("{} 办结：{r}（用时 {} 小时）", time_text(at), v.hours_to_close.unwrap_or(0))
                }
                _ => String::new(),
            },
            may_close: handles
                && v.state == RequestState::Assigned
                && (all || v.unit_code.as_deref() == Some(unit.as_str())),
            may_assign: handles && v.state != RequestState::Closed,
        })
        .collect();
    let person = match form.person.trim().parse::<i64>() {
        Ok(id) => state.store.person(&actor.scope, id).await?.map(|p| (id, p.name)),
        Err(_) => None,
    };
    let units: Vec<(String, String)> = state
        .store
        .units()
        .await?
        .into_iter()
        .filter(|u| u.kind != UnitKind::Committee || u.code == unit)
        .map(|u| (u.code, u.name))
        .collect();
    Ok(ListPage {
        frame: frame(state, s).await?,
        rows,
        mean_hours: stats.mean_hours_to_close.map(|h| format!("{h:.1}")).unwrap_or_else(|| "—".into()),
        stats,
        filter: filter.unwrap_or("").to_string(),
        kinds: RequestKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        units,
        person,
        form,
        default_due: format_date(yikou_domain::today() + time::Duration::days(3)),
        handles,
        notice,
        error,
    }
    .render()?)
}

pub async fn list(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let form = TakeForm { person: p.person.unwrap_or_default(), kind: "medical".into(), ..TakeForm::default() };
    let notice = p.done.map(|d| match d.as_str() {
        "take" => "已受理。请在下方列表中派单给承办单位。".to_string(),
        "assign" => "已派单。".to_string(),
        _ => "已登记办结。".to_string(),
    });
    Ok(Html(render(&state, &s, p.state.as_deref(), form, notice, None).await?))
}

async fn refused(state: &AppState, s: &SessionUser, form: TakeForm, m: String) -> Result<Response, AppError> {
    let html = render(state, s, None, form, None, Some(m)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

fn back(done: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/hotline?done={done}"))]).into_response()
}

pub async fn take(State(state): State<AppState>, Posted(s, f): Posted<TakeForm>) -> Result<Response, AppError> {
    let Some(kind) = RequestKind::from_code(&f.kind) else {
        return refused(&state, &s, f, "请选择求助类别".into()).await;
    };
    let person_id = match f.person.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return refused(&state, &s, f.clone(), "对象编号不正确，请从帮困对象页面进入".into()).await,
        },
    };
    let r = HotlineRequest { caller: f.caller.clone(), person_id, kind, content: f.content.clone() };
    match hotline::take(&state.store, &s.actor(), &r).await {
        Ok(_) => Ok(back("take")),
        Err(ServiceError::Rejected(m)) => refused(&state, &s, f, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct AssignForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    due: String,
}

pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<AssignForm>,
) -> Result<Response, AppError> {
    let Some(due) = parse_date(&f.due) else {
        return refused(
            &state,
            &s,
            TakeForm::default(),
            format!("办结期限“{}”不正确，应形如 2020-01-20", f.due.trim()),
        )
        .await;
    };
    match hotline::assign(&state.store, &s.actor(), id, &f.unit, due).await {
        Ok(()) => Ok(back("assign")),
        Err(ServiceError::Rejected(m)) => refused(&state, &s, TakeForm::default(), m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    #[serde(default)]
    result: String,
}

pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<CloseForm>,
) -> Result<Response, AppError> {
    match hotline::close(&state.store, &s.actor(), id, &f.result).await {
        Ok(()) => Ok(back("close")),
        Err(ServiceError::Rejected(m)) => refused(&state, &s, TakeForm::default(), m).await,
        Err(e) => Err(e.into()),
    }
}

const HOTLINE: Export = Export { title: "生活服务热线求助", ascii: "hotline" };

/// `GET /hotline/export.xlsx` (and .csv): the area's requests (audited `hotline.export`).
pub async fn export(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    let (items, _) = hotline::list(&state.store, &s.actor(), filter_of(None)?).await?;
    let names = names(&state).await?;
    let mut table = Table::new(
        "热线求助",
        vec![
            Column::new("受理时间（北京时间）"),
            Column::new("来电人"),
            Column::new("对象"),
            Column::new("类别"),
            Column::new("求助内容").wide(30),
            Column::new("街镇"),
            Column::new("承办单位"),
            Column::new("办结期限"),
            Column::new("状态"),
            Column::new("办结时间（北京时间）"),
            Column::summed("用时（小时）"),
            Column::new("办理结果").wide(24),
        ],
    );
    for v in &items {
        table.push(vec![
            Value::text(time_text(&v.received_at)),
            Value::text(v.caller.clone()),
            Value::text(v.person_name.clone().unwrap_or_default()),
            Value::text(v.kind.label()),
            Value::text(v.content.clone()),
            Value::text(v.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
            Value::text(v.unit_code.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
            Value::text(v.due.clone().unwrap_or_default()),
            Value::text(state_text(v)),
            Value::text(v.closed_at.as_deref().map(time_text).unwrap_or_default()),
            v.hours_to_close.map_or(Value::text(""), Value::Int),
            Value::text(v.result.clone().unwrap_or_default()),
        ]);
    }
    table.numbered = true;
    audited(&state, &s, "hotline.export", "hotline_request", json!({ "rows": table.rows.len() })).await?;
    let (title, stem) = heading(&state, &s, &HOTLINE, &[]).await?;
    table.title = title;
    respond(table, format, &HOTLINE, &stem)
}
