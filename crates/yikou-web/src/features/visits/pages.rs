//! The visits pages: `/visits` (the area's visits, newest first, 100 a page; only those with an open
//! follow-up on request; each open follow-up completed by its owner), `/visits/new?person=` (the form,
//! values kept when refused) and the export.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::reference::UnitKind;
use yikou_domain::visit::{Visit, VisitAction, VisitorKind};
use yikou_domain::{format_date, parse_date, Fen};
use yikou_service::visits;
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::paging::Seek;
use yikou_store::visit::{VisitPage, VisitQuery, VisitView};

use super::api::PAGE;
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// A visit as shown.
pub struct Row {
    pub person: i64,
    pub name: String,
    pub street: String,
    pub date: String,
    pub visitors: String,
    pub money: String,
    pub goods: String,
    pub needs: String,
    /// (id, what, owner, due, done text or None while open, may the user complete it).
    pub action: Option<(i64, String, String, String, Option<String>, bool)>,
}

#[derive(Template)]
#[template(path = "visits/list.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
    total: String,
    open: bool,
    /// 首页, 上一页, 下一页 (keyset pages).
    first: Option<String>,
    prev: Option<String>,
    next: Option<String>,
    notice: Option<String>,
    /// The visit rule: the categories' names, its version.
    coverage: String,
    version: i64,
    /// May change the rule (the district's reviewers): every category, ticked when covered.
    rule_choices: Option<Vec<(String, String, bool)>>,
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    open: Option<String>,
    /// Keyset paging: the visits after / before this one (newest first).
    after: Option<i64>,
    before: Option<i64>,
    done: Option<String>,
}

fn visitors_text(v: &VisitView) -> String {
    format!("{}：{}", v.visitor_kind.label(), v.visitors)
}

fn goods_text(v: &VisitView) -> String {
    if v.goods.is_empty() {
        String::new()
    } else if v.goods_value_fen > 0 {
        format!("{}（价值{}元）", v.goods, Fen(v.goods_value_fen).yuan())
    } else {
        v.goods.clone()
    }
}

pub async fn list(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let open = p.open.as_deref() == Some("1");
    let seek = match (p.after, p.before) {
        (Some(a), _) => Seek::After(a),
        (None, Some(b)) => Seek::Before(b),
        (None, None) => Seek::First,
    };
    let q = VisitQuery { open_actions: open, seek, limit: PAGE, ..VisitQuery::default() };
    let VisitPage { items, total, prev, next } = visits::list(&state.store, &s.actor(), q).await?;
    let names = names(&state).await?;
    let unit = s.user.unit_code.clone();
    let may_act = s.user.role.may_record_visits();
    let rows = items
        .iter()
        .map(|v| Row {
            person: v.person,
            name: v.person_name.clone(),
            street: v.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            date: v.date.clone(),
            visitors: visitors_text(v),
            money: if v.money_fen > 0 { Fen(v.money_fen).yuan() } else { String::new() },
            goods: goods_text(v),
            needs: v.needs.clone(),
            action: v.action.as_ref().map(|a| {
                let done = a.done_on.as_ref().map(|d| match a.done_note.as_deref().filter(|n| !n.is_empty()) {
                    Some(n) => format!("{d} 办结：{n}"),
                    None => format!("{d} 办结"),
                });
                let mine = may_act && (s.actor().scope == yikou_domain::Scope::All || a.owner_unit == unit);
                (a.id, a.what.clone(), names.unit(&a.owner_unit), a.due.clone(), done, mine)
            }),
        })
        .collect();
    let (version, covered) = visits::coverage(&state.store).await?;
    let coverage = covered.iter().map(|c| names.category(c)).collect::<Vec<_>>().join("、");
    let rule_choices = if s.user.role.may_review() && s.actor().scope == yikou_domain::Scope::All {
        let all = state.store.categories().await?;
        Some(all.into_iter().map(|c| (c.code.clone(), c.name, covered.contains(&c.code))).collect())
    } else {
        None
    };
    let link = |key: &str, n: i64| format!("/visits?{key}={n}{}", if open { "&open=1" } else { "" });
    let page_html = ListPage {
        frame: frame(&state, &s).await?,
        rows,
        total: group_thousands(total.max(0) as u64),
        open,
        first: prev.map(|_| if open { "/visits?open=1".to_string() } else { "/visits".to_string() }),
        prev: prev.map(|k| link("before", k)),
        next: next.map(|k| link("after", k)),
        notice: p.done.map(|d| {
            if d == "rule" { "已保存应走访类别（比对规则新版本）。" } else { "已登记办结。" }.to_string()
        }),
        coverage,
        version,
        rule_choices,
    };
    Ok(Html(page_html.render()?))
}

const VISITS: Export = Export { title: "走访慰问登记", ascii: "visits" };

/// `GET /visits/export.xlsx` (and .csv): every visit of the area (audited `visit.export`).
pub async fn export(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    // Every visit of the area, page after page (keyset: however many there are).
    let mut items = Vec::new();
    let mut seek = Seek::First;
    loop {
        let q = VisitQuery { seek, limit: 5_000, ..VisitQuery::default() };
        let page = visits::list(&state.store, &s.actor(), q).await?;
        items.extend(page.items);
        match page.next {
            Some(k) => seek = Seek::After(k),
            None => break,
        }
    }
    let names = names(&state).await?;
    let mut table = Table::new(
        "走访慰问",
        vec![
            Column::new("走访日期"),
            Column::new("姓名"),
            Column::new("街镇"),
            Column::new("走访人"),
            Column::summed("慰问金（元）"),
            Column::new("慰问品"),
            Column::summed("慰问品价值（元）"),
            Column::new("了解到的需求").wide(30),
            Column::new("后续跟进事项").wide(24),
            Column::new("承办单位"),
            Column::new("办结期限"),
            Column::new("办结情况"),
        ],
    );
    for v in &items {
        let a = v.action.as_ref();
        table.push(vec![
            Value::text(v.date.clone()),
            Value::text(v.person_name.clone()),
            Value::text(v.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
            Value::text(visitors_text(v)),
            Value::Money(Fen(v.money_fen)),
            Value::text(v.goods.clone()),
            Value::Money(Fen(v.goods_value_fen)),
            Value::text(v.needs.clone()),
            Value::text(a.map(|a| a.what.clone()).unwrap_or_default()),
            Value::text(a.map(|a| names.unit(&a.owner_unit)).unwrap_or_default()),
            Value::text(a.map(|a| a.due.clone()).unwrap_or_default()),
            Value::text(
                a.map(|a| a.done_on.clone().map_or("未办结".into(), |d| format!("{d} 办结"))).unwrap_or_default(),
            ),
        ]);
    }
    table.numbered = true;
    audited(&state, &s, "visit.export", "visit", json!({ "rows": table.rows.len() })).await?;
    let (title, stem) = heading(&state, &s, &VISITS, &[]).await?;
    table.title = title;
    respond(table, format, &VISITS, &stem)
}

/// The form's fields, as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
pub struct VisitForm {
    #[serde(default)]
    person: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    visitor_kind: String,
    #[serde(default)]
    visitors: String,
    #[serde(default)]
    money: String,
    #[serde(default)]
    goods: String,
    #[serde(default)]
    goods_value: String,
    #[serde(default)]
    needs: String,
    #[serde(default)]
    action_what: String,
    #[serde(default)]
    action_owner: String,
    #[serde(default)]
    action_due: String,
}

impl VisitForm {
    fn visit(&self) -> Result<Visit, String> {
        let person_id = self.person.trim().parse().map_err(|_| "请从帮困对象页面进入登记走访".to_string())?;
        let day =
            parse_date(&self.date).ok_or_else(|| format!("走访日期“{}”不正确，应形如 2020-01-10", self.date.trim()))?;
        let visitor_kind = VisitorKind::from_code(&self.visitor_kind).ok_or("请选择走访人类别")?;
        let action = if self.action_what.trim().is_empty() {
            None
        } else {
            let due = parse_date(&self.action_due)
                .ok_or_else(|| format!("办结期限“{}”不正确，应形如 2020-01-20", self.action_due.trim()))?;
            Some(VisitAction { what: self.action_what.clone(), owner_unit: self.action_owner.clone(), due })
        };
        Ok(Visit {
            person_id,
            day,
            visitor_kind,
            visitors: self.visitors.clone(),
            money: yuan_field("慰问金", &self.money)?,
            goods: self.goods.clone(),
            goods_value: yuan_field("慰问品价值", &self.goods_value)?,
            needs: self.needs.clone(),
            action,
        })
    }
}

#[derive(Template)]
#[template(path = "visits/new.html")]
struct NewPage {
    frame: Frame,
    person: i64,
    name: String,
    id_masked: String,
    form: VisitForm,
    kinds: Vec<(&'static str, &'static str)>,
    /// (code, name) of the units that may own a follow-up.
    owners: Vec<(String, String)>,
    error: Option<String>,
}

async fn new_page(
    state: &AppState,
    s: &SessionUser,
    form: VisitForm,
    error: Option<String>,
) -> Result<String, AppError> {
    if !s.user.role.may_record_visits() {
        return Err(AppError::Forbidden);
    }
    let id: i64 = form.person.trim().parse().map_err(|_| AppError::NotFound)?;
    let p = state.store.person(&s.actor().scope, id).await?.ok_or(AppError::NotFound)?;
    let mut owners: Vec<(String, String)> = state
        .store
        .units()
        .await?
        .into_iter()
        .filter(|u| u.kind != UnitKind::Committee || u.code == s.user.unit_code)
        .map(|u| (u.code, u.name))
        .collect();
    owners.sort_by_key(|(c, _)| c != &s.user.unit_code);
    Ok(NewPage {
        frame: frame(state, s).await?,
        person: id,
        name: p.name,
        id_masked: p.id_number_masked,
        form,
        kinds: VisitorKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        owners,
        error,
    }
    .render()?)
}

#[derive(Deserialize, Default)]
pub struct NewParams {
    person: Option<String>,
}

pub async fn new(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<NewParams>,
) -> Result<Html<String>, AppError> {
    let form = VisitForm {
        person: p.person.unwrap_or_default(),
        date: format_date(yikou_domain::today()),
        visitor_kind: if matches!(s.actor().scope, yikou_domain::Scope::Committee(_)) { "committee" } else { "unit" }
            .into(),
        action_owner: s.user.unit_code.clone(),
        ..VisitForm::default()
    };
    Ok(Html(new_page(&state, &s, form, None).await?))
}

pub async fn record(State(state): State<AppState>, Posted(s, f): Posted<VisitForm>) -> Result<Response, AppError> {
    let refused = |m: String| async {
        let html = new_page(&state, &s, f.clone(), Some(m)).await?;
        Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    };
    let v = match f.visit() {
        Ok(v) => v,
        Err(m) => return refused(m).await,
    };
    match visits::record(&state.store, &s.actor(), &v).await {
        Ok(_) => {
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/people/{}?visited=1", v.person_id))])
                .into_response())
        }
        Err(ServiceError::Rejected(m)) => refused(m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct DoneForm {
    #[serde(default)]
    note: String,
}

pub async fn done(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<DoneForm>,
) -> Result<Response, AppError> {
    visits::complete_action(&state.store, &s.actor(), id, &f.note).await?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/visits?open=1&done=1".to_string())]).into_response())
}

/// `POST /visits/coverage`: the categories every living member of which is to be visited (ticked
/// boxes `category`), saved as a new version of the campaign's rules.
pub async fn set_coverage(
    State(state): State<AppState>,
    Posted(s, f): Posted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let categories: Vec<String> = f.into_iter().filter(|(k, _)| k == "category").map(|(_, v)| v).collect();
    visits::set_coverage(&state.store, &s.actor(), categories).await?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/visits?done=rule".to_string())]).into_response())
}
