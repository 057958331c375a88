//! The vouchers page `/vouchers` (慈善超市卡券): batches with issued, redeemed, expired and not yet
//! given; the area's vouchers by state; a cashier's redemption by code; a supermarket's redemption
//! list uploaded (refused whole with every problem by row, or recorded; the same list twice records
//! nothing twice); a new batch made by the bureau.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::voucher::{VoucherBatch, VoucherState};
use yikou_domain::{parse_date, Fen};
use yikou_ingest::validate::RowIssue;
use yikou_service::vouchers::{self, RedemptionOutcome};
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "vouchers/list.html")]
struct ListPage {
    frame: Frame,
    /// (name, supermarket, face, valid until, made, issued, redeemed, expired, unissued).
    batches: Vec<[String; 9]>,
    /// (code, person id, value, state, redeemed where and when).
    vouchers: Vec<(String, Option<i64>, String, &'static str, String)>,
    state: String,
    states: Vec<(&'static str, &'static str)>,
    redeems: bool,
    makes: bool,
    notice: Option<String>,
    error: Option<String>,
    issues: Vec<RowIssue>,
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    state: Option<String>,
    done: Option<String>,
}

async fn render(
    state: &AppState,
    s: &SessionUser,
    wanted: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    issues: Vec<RowIssue>,
) -> Result<String, AppError> {
    let actor = s.actor();
    let batches = vouchers::batches(&state.store, &actor)
        .await?
        .into_iter()
        .map(|b| {
            [
                b.name,
                b.supermarket,
                Fen(b.face_value_fen).yuan(),
                b.valid_until,
                b.made.to_string(),
                b.issued.to_string(),
                b.redeemed.to_string(),
                b.expired.to_string(),
                b.unissued.to_string(),
            ]
        })
        .collect();
    let which = wanted.as_deref().and_then(VoucherState::from_code);
    let list = vouchers::list(&state.store, &actor, which, 200).await?;
    let vouchers = list
        .into_iter()
        .map(|v| {
            let at = match (&v.redeemed_supermarket, &v.redeemed_at) {
                (Some(m), Some(t)) => format!("{m} {}", time_text(t)),
                _ => String::new(),
            };
            (v.code, v.person, Fen(v.value_fen).yuan(), v.state.label(), at)
        })
        .collect();
    Ok(ListPage {
        frame: frame(state, s).await?,
        batches,
        vouchers,
        state: wanted.unwrap_or_default(),
        states: VoucherState::ALL.iter().map(|v| (v.code(), v.label())).collect(),
        redeems: s.user.role.may_redeem_vouchers(),
        makes: s.user.role.may_make_vouchers(),
        notice,
        error,
        issues,
    }
    .render()?)
}

pub async fn list(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let notice = p.done.map(|d| match d.as_str() {
        "batch" => "已制发一批卡券。".to_string(),
        _ => "已兑换。".to_string(),
    });
    Ok(Html(render(&state, &s, p.state, notice, None, Vec::new()).await?))
}

async fn refused(
    state: &AppState,
    s: &SessionUser,
    status: StatusCode,
    m: String,
    issues: Vec<RowIssue>,
) -> Result<Response, AppError> {
    let html = render(state, s, None, None, Some(m), issues).await?;
    Ok((status, Html(html)).into_response())
}

#[derive(Deserialize, Default)]
pub struct RedeemForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    supermarket: String,
}

/// A cashier's redemption by code.
pub async fn redeem(State(state): State<AppState>, Posted(s, f): Posted<RedeemForm>) -> Result<Response, AppError> {
    match vouchers::redeem(&state.store, &s.actor(), &f.code, &f.supermarket).await {
        Ok(_) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/vouchers?done=redeem")]).into_response()),
        Err(ServiceError::Conflict(m) | ServiceError::Rejected(m)) => {
            refused(&state, &s, StatusCode::CONFLICT, m, Vec::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A supermarket's redemption list (multipart: `file`, `supermarket` for rows without one).
pub async fn upload(State(state): State<AppState>, Uploaded(s, mut form): Uploaded) -> Result<Response, AppError> {
    if !s.user.role.may_redeem_vouchers() {
        return Err(AppError::Forbidden);
    }
    let got = crate::features::imports::receive(&state, &mut form).await?;
    let Some((name, path)) = got.file.clone() else {
        return refused(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, "请选择兑换明细文件".into(), Vec::new()).await;
    };
    let market = got.field("supermarket").unwrap_or_default();
    let out = vouchers::import_redemptions(&state.store, &s.actor(), &path, &market).await;
    got.discard();
    match out {
        Ok(RedemptionOutcome::Recorded { rows, redeemed, already }) => {
            let extra = if already > 0 {
                format!("，另有 {already} 张此前已登记，未重复计入")
            } else {
                String::new()
            };
            let notice = format!("“{name}”共 {rows} 行，已登记兑换 {redeemed} 张{extra}。");
            Ok(Html(render(&state, &s, None, Some(notice), None, Vec::new()).await?).into_response())
        }
        Ok(RedemptionOutcome::Refused { rows, issues }) => {
            let m = format!("“{name}”共 {rows} 行，其中 {} 处有问题，未登记任何一张。请核对后重新上传。", issues.len());
            refused(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, m, issues).await
        }
        Err(ServiceError::Unreadable(m)) => refused(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, m, Vec::new()).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct BatchForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    face_value: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    supermarket: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    prefix: String,
}

/// The bureau makes a batch.
pub async fn create_batch(
    State(state): State<AppState>,
    Posted(s, f): Posted<BatchForm>,
) -> Result<Response, AppError> {
    if !s.user.role.may_make_vouchers() {
        return Err(AppError::Forbidden);
    }
    let batch = (|| {
        Ok::<_, String>(VoucherBatch {
            name: f.name.trim().to_string(),
            face_value: Fen::parse(&f.face_value).map_err(|e| format!("面值“{}”不正确：{e}", f.face_value.trim()))?,
            valid_from: parse_date(&f.valid_from).ok_or("有效期开始日期不正确")?,
            valid_until: parse_date(&f.valid_until).ok_or("有效期截止日期不正确")?,
            supermarket: f.supermarket.clone(),
            count: f.count.trim().parse().map_err(|_| format!("张数“{}”不正确", f.count.trim()))?,
            prefix: f.prefix.trim().to_string(),
        })
    })();
    let b = match batch {
        Ok(b) => b,
        Err(m) => return refused(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, m, Vec::new()).await,
    };
    match vouchers::create_batch(&state.store, &s.actor(), &b).await {
        Ok(_) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/vouchers?done=batch")]).into_response()),
        Err(ServiceError::Rejected(m) | ServiceError::Conflict(m)) => {
            refused(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, m, Vec::new()).await
        }
        Err(e) => Err(e.into()),
    }
}
