//! The donations page `/donations`: totals received, allocated and left; the form that records a
//! donation (values kept when refused); each donation's allocations and the form that allocates what
//! is left to a project; the export.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yikou_domain::donation::{AllocationKind, Donation, DonorKind};
use yikou_domain::{format_date, parse_date, Fen, Form};
use yikou_service::donations;
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::donation::DonationView;

use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// A donation as shown.
pub struct Row {
    pub id: i64,
    pub received_on: String,
    pub donor: String,
    pub donor_kind: &'static str,
    pub receipt_no: String,
    pub money: String,
    pub goods: String,
    pub money_left: String,
    pub goods_left: String,
    pub open: bool,
    /// (project, kind, amount in 元).
    pub allocations: Vec<(String, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "donations/list.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
    totals: [String; 6],
    manages: bool,
    kinds: Vec<(&'static str, &'static str)>,
    /// (id, name, gift pack?) of the projects the user may allocate to.
    projects: Vec<(i64, String, bool)>,
    form: DonationForm,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct DonationForm {
    #[serde(default)]
    donor_kind: String,
    #[serde(default)]
    donor_name: String,
    #[serde(default)]
    anonymous: Option<String>,
    #[serde(default)]
    money: String,
    #[serde(default)]
    goods: String,
    #[serde(default)]
    goods_value: String,
    #[serde(default)]
    receipt_no: String,
    #[serde(default)]
    received_on: String,
}

impl DonationForm {
    fn donation(&self) -> Result<Donation, String> {
        Ok(Donation {
            donor_kind: DonorKind::from_code(&self.donor_kind).ok_or("请选择捐赠方类别")?,
            donor_name: self.donor_name.clone(),
            anonymous: self.anonymous.is_some(),
            money: yuan_field("捐赠金额", &self.money)?,
            goods: self.goods.clone(),
            goods_value: yuan_field("物资价值", &self.goods_value)?,
            receipt_no: self.receipt_no.clone(),
            received_on: parse_date(&self.received_on)
                .ok_or_else(|| format!("收到日期“{}”不正确，应形如 2020-01-05", self.received_on.trim()))?,
        })
    }
}

fn left(total: i64, allocated: i64) -> String {
    Fen(total - allocated).yuan()
}

async fn render(
    state: &AppState,
    s: &SessionUser,
    form: DonationForm,
    notice: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let actor = s.actor();
    let items = donations::list(&state.store, &actor).await?;
    let sum = |f: fn(&DonationView) -> i64| items.iter().map(f).sum::<i64>();
    let (money, money_done) = (sum(|d| d.money_fen), sum(|d| d.allocated_money_fen));
    let (goods, goods_done) = (sum(|d| d.goods_value_fen), sum(|d| d.allocated_goods_fen));
    let totals = [
        Fen(money).yuan(),
        Fen(money_done).yuan(),
        left(money, money_done),
        Fen(goods).yuan(),
        Fen(goods_done).yuan(),
        left(goods, goods_done),
    ];
    let rows = items
        .iter()
        .map(|d| Row {
            id: d.id,
            received_on: d.received_on.clone(),
            donor: d.donor.clone(),
            donor_kind: d.donor_kind.label(),
            receipt_no: d.receipt_no.clone(),
            money: if d.money_fen > 0 { Fen(d.money_fen).yuan() } else { String::new() },
            goods: if d.goods.is_empty() {
                String::new()
            } else {
                format!("{}（价值{}元）", d.goods, Fen(d.goods_value_fen).yuan())
            },
            money_left: left(d.money_fen, d.allocated_money_fen),
            goods_left: left(d.goods_value_fen, d.allocated_goods_fen),
            open: d.allocated_money_fen < d.money_fen || d.allocated_goods_fen < d.goods_value_fen,
            allocations: d
                .allocations
                .iter()
                .map(|a| (a.project_name.clone(), a.kind.label(), Fen(a.amount_fen).yuan()))
                .collect(),
        })
        .collect();
    let campaign = yikou_service::campaign::current(&state.store).await?;
    let projects = state
        .store
        .projects(&actor.scope, campaign.id)
        .await?
        .into_iter()
        // Donations go to the projects the unit runs itself (the bureau: any).
        .filter(|p| actor.scope == yikou_domain::Scope::All || p.project.unit_code == s.user.unit_code)
        .map(|p| (p.id, format!("{}（{}）", p.project.name, p.project.code), p.project.form == Form::GiftPack))
        .collect();
    Ok(ListPage {
        frame: frame(state, s).await?,
        rows,
        totals,
        manages: s.user.role.may_manage_donations(),
        kinds: DonorKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        projects,
        form,
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
    let form = DonationForm {
        donor_kind: "company".into(),
        received_on: format_date(yikou_domain::today()),
        ..DonationForm::default()
    };
    let notice = p.done.map(|d| if d == "record" { "已登记捐赠。" } else { "已分配。" }.to_string());
    Ok(Html(render(&state, &s, form, notice, None).await?))
}

async fn refused(state: &AppState, s: &SessionUser, form: DonationForm, m: String) -> Result<Response, AppError> {
    let html = render(state, s, form, None, Some(m)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

pub async fn record(State(state): State<AppState>, Posted(s, f): Posted<DonationForm>) -> Result<Response, AppError> {
    let d = match f.donation() {
        Ok(d) => d,
        Err(m) => return refused(&state, &s, f, m).await,
    };
    match donations::record(&state.store, &s.actor(), &d).await {
        Ok(_) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/donations?done=record")]).into_response()),
        Err(ServiceError::Rejected(m)) => refused(&state, &s, f, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct AllocateForm {
    #[serde(default)]
    project: String,
    /// money or goods.
    #[serde(default)]
    part: String,
    #[serde(default)]
    amount: String,
}

pub async fn allocate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<AllocateForm>,
) -> Result<Response, AppError> {
    let blank = DonationForm::default();
    let Ok(project) = f.project.trim().parse::<i64>() else {
        return refused(&state, &s, blank, "请选择项目".into()).await;
    };
    let Some(kind) = AllocationKind::from_code(&f.part) else {
        return refused(&state, &s, blank, "请选择分配资金还是物资".into()).await;
    };
    let amount = match yuan_field("分配金额", &f.amount) {
        Ok(a) => a,
        Err(m) => return refused(&state, &s, blank, m).await,
    };
    match donations::allocate(&state.store, &s.actor(), id, project, kind, amount).await {
        Ok(_) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/donations?done=allocate")]).into_response()),
        Err(ServiceError::Rejected(m) | ServiceError::Conflict(m)) => refused(&state, &s, blank, m).await,
        Err(e) => Err(e.into()),
    }
}

const DONATIONS: Export = Export { title: "社会捐赠登记", ascii: "donations" };

/// `GET /donations/export.xlsx` (and .csv): the unit's donations with allocated and left (audited).
pub async fn export(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    let items = donations::list(&state.store, &s.actor()).await?;
    let names = names(&state).await?;
    let mut table = Table::new(
        "社会捐赠",
        vec![
            Column::new("收到日期"),
            Column::new("收据编号"),
            Column::new("捐赠方"),
            Column::new("类别"),
            Column::new("接收单位"),
            Column::summed("捐赠金额（元）"),
            Column::summed("已分配金额（元）"),
            Column::summed("未分配金额（元）"),
            Column::new("物资"),
            Column::summed("物资价值（元）"),
            Column::summed("已分配物资（元）"),
            Column::new("分配去向").wide(30),
        ],
    );
    for d in &items {
        let to = d
            .allocations
            .iter()
            .map(|a| format!("{}{}{}元", a.project_name, a.kind.label(), Fen(a.amount_fen).yuan()))
            .collect::<Vec<_>>()
            .join("；");
        table.push(vec![
            Value::text(d.received_on.clone()),
            Value::text(d.receipt_no.clone()),
            Value::text(d.donor.clone()),
            Value::text(d.donor_kind.label()),
            Value::text(names.unit(&d.unit_code)),
            Value::Money(Fen(d.money_fen)),
            Value::Money(Fen(d.allocated_money_fen)),
            Value::Money(Fen(d.money_fen - d.allocated_money_fen)),
            Value::text(d.goods.clone()),
            Value::Money(Fen(d.goods_value_fen)),
            Value::Money(Fen(d.allocated_goods_fen)),
            Value::text(to),
        ]);
    }
    table.numbered = true;
    audited(&state, &s, "donation.export", "donation", json!({ "rows": table.rows.len() })).await?;
    let (title, stem) = heading(&state, &s, &DONATIONS, &[]).await?;
    table.title = title;
    respond(table, format, &DONATIONS, &stem)
}
