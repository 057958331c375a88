//! 签收表 of a non-bank batch, one per committee (居村委): printed (A4, the header on every sheet, 本页
//! 小计 and 合计), then recorded — all signed, or the lines not handed over each with its reason.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::pay::{LineState, PayMethod};
use yikou_domain::Fen;
use yikou_service::pay as use_case;
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::pay::{LineView, Unsigned};

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// Rows on one printed sheet.
const ROWS_PER_SHEET: usize = 20;

#[derive(Deserialize, Default)]
pub struct Which {
    committee: Option<String>,
}

pub struct SheetRow {
    pub no: usize,
    pub name: String,
    pub id_masked: String,
    pub what: String,
}

pub struct Sheet {
    pub rows: Vec<SheetRow>,
    pub subtotal: String,
    pub last: bool,
}

#[derive(Template)]
#[template(path = "pay/sheet.html")]
struct SheetPage {
    frame: Frame,
    id: i64,
    title: String,
    sub: String,
    goods: bool,
    sheets: Vec<Sheet>,
    count: usize,
    total: String,
}

/// The lines of a batch the user may see, of one committee when named.
async fn lines_of(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    committee: Option<&str>,
) -> Result<(yikou_store::pay::BatchView, Vec<LineView>), AppError> {
    let (b, lines) = use_case::batch(&state.store, &s.actor(), id).await?;
    let lines =
        lines.into_iter().filter(|l| committee.is_none_or(|c| l.committee_code.as_deref() == Some(c))).collect();
    Ok((b, lines))
}

/// 打印签收表 of one committee (or all the user sees).
pub async fn sheet(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
    Query(q): Query<Which>,
) -> Result<Html<String>, AppError> {
    let committee = q.committee.as_deref().filter(|c| !c.is_empty());
    let (b, lines) = lines_of(&state, &s, id, committee).await?;
    if b.method.by_bank() {
        return Err(AppError::Rejected(format!("批次 {} 是银行代发，没有签收表：请导出银行代发文件", b.batch_no)));
    }
    if lines.is_empty() {
        return Err(AppError::NotFound);
    }
    let names = names(&state).await?;
    let goods = matches!(b.method, PayMethod::Goods | PayMethod::Service);
    let campaign = yikou_service::campaign::current(&state.store).await?;
    let mut projects: Vec<&str> = lines.iter().map(|l| l.project_name.as_str()).collect();
    projects.dedup();
    let payer = match state.store.active_user(&b.created_by).await? {
        Some(u) => names.unit(&u.unit_code),
        None => "区民政局".into(),
    };
    let place = committee.map(|c| names.unit(c)).unwrap_or_else(|| "（全部）".into());
    yikou_service::audit::record_export(
        &state.store,
        &s.actor(),
        "payment.sheet_print",
        "payment_batch",
        &serde_json::json!({ "batch": b.batch_no, "committee": committee, "rows": lines.len() }),
    )
    .await?;
    let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
    let count = lines.len();
    // Vouchers handed out on the lines (卡券 batches made with a voucher batch): their codes beside
    // the amount, so the recipient signs for those very vouchers.
    let mut codes: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (line, code) in yikou_store::voucher::codes_of_batch(&state.store, id).await? {
        codes.entry(line).or_default().push(code);
    }
    let mut sheets = Vec::new();
    for (k, chunk) in lines.chunks(ROWS_PER_SHEET).enumerate() {
        sheets.push(Sheet {
            rows: chunk
                .iter()
                .enumerate()
                .map(|(i, l)| SheetRow {
                    no: k * ROWS_PER_SHEET + i + 1,
                    name: l.name.clone(),
                    id_masked: l.id_number_masked.clone(),
                    what: match (goods, codes.get(&l.id)) {
                        (true, _) => l.project_name.clone(),
                        (false, Some(c)) => format!("{}（卡券 {}）", Fen(l.amount_fen).yuan(), c.join("、")),
                        (false, None) => Fen(l.amount_fen).yuan(),
                    },
                })
                .collect(),
            subtotal: if goods {
                format!("{} 份", chunk.len())
            } else {
                Fen(chunk.iter().map(|l| l.amount_fen).sum()).yuan()
            },
            last: false,
        });
    }
    if let Some(l) = sheets.last_mut() {
        l.last = true;
    }
    Ok(Html(
        SheetPage {
            frame: frame(&state, &s).await?,
            id,
            title: format!("{} {}签收表", campaign.campaign.name, projects.join("、")),
            sub: format!("发放单位：{payer} · 居村委：{place} · 批次 {}（{}）", b.batch_no, b.method.label()),
            goods,
            sheets,
            count,
            total: if goods { format!("{count} 份") } else { Fen(total).yuan() },
        }
        .render()?,
    ))
}

pub struct SignRow {
    pub line_no: i64,
    pub name: String,
    pub id_masked: String,
    pub what: String,
    pub unsigned: bool,
    pub reason: String,
    pub done: &'static str,
}

#[derive(Template)]
#[template(path = "pay/signoff.html")]
struct SignoffPage {
    frame: Frame,
    id: i64,
    batch_no: String,
    committee: String,
    place: String,
    rows: Vec<SignRow>,
    error: Option<String>,
}

async fn render_signoff(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    committee: Option<&str>,
    typed: &[(i64, String)],
    error: Option<String>,
) -> Result<String, AppError> {
    let (b, lines) = lines_of(state, s, id, committee).await?;
    let names = names(state).await?;
    let rows = lines
        .iter()
        .map(|l| {
            let t = typed.iter().find(|(n, _)| *n == l.line_no);
            SignRow {
                line_no: l.line_no,
                name: l.name.clone(),
                id_masked: l.id_number_masked.clone(),
                what: Fen(l.amount_fen).yuan(),
                unsigned: t.is_some(),
                reason: t.map(|t| t.1.clone()).unwrap_or_default(),
                done: if l.state.is_open() {
                    ""
                } else if l.state == LineState::Paid {
                    "已签收"
                } else {
                    "未签收"
                },
            }
        })
        .collect();
    Ok(SignoffPage {
        frame: frame(state, s).await?,
        id,
        batch_no: b.batch_no,
        committee: committee.unwrap_or_default().to_string(),
        place: committee.map(|c| names.unit(c)).unwrap_or_else(|| "全部".into()),
        rows,
        error,
    }
    .render()?)
}

/// 登记签收结果: the form.
pub async fn signoff_form(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
    Query(q): Query<Which>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.may_record_signoff() {
        return Err(AppError::Forbidden);
    }
    let committee = q.committee.as_deref().filter(|c| !c.is_empty());
    Ok(Html(render_signoff(&state, &s, id, committee, &[], None).await?))
}

/// 登记签收结果: every line on the sheet signed but those ticked 未签收, each with its reason.
pub async fn signoff(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !s.user.role.may_record_signoff() {
        return Err(AppError::Forbidden);
    }
    let committee = f.iter().find(|(k, _)| k == "committee").map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let unsigned: Vec<(i64, String)> = f
        .iter()
        .filter(|(k, _)| k == "unsigned")
        .filter_map(|(_, v)| v.parse::<i64>().ok())
        .map(|n| {
            let reason = f.iter().find(|(k, _)| *k == format!("reason_{n}")).map(|(_, v)| v.trim().to_string());
            (n, reason.unwrap_or_default())
        })
        .collect();
    let exceptions: Vec<Unsigned> = unsigned.iter().map(|(n, r)| Unsigned { line_no: *n, reason: r.clone() }).collect();
    match use_case::record_signoff(&state.store, &s.actor(), id, committee.as_deref(), &exceptions).await {
        Ok(c) => {
            let to = format!("/payments/batches/{id}?signed={}&unsigned={}", c.paid, c.failed);
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
        }
        Err(ServiceError::Rejected(m)) => {
            let html = render_signoff(&state, &s, id, committee.as_deref(), &unsigned, Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
