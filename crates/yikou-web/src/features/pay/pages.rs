//! 发放与对账 pages: progress that adds up (by unit and project), the batches, a form to make one;
//! a batch's page with its lines, bank file, result upload and re-issue. A refusal shows the same
//! page again with the message; nothing is half done.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use yikou_domain::pay::{LineState, PayMethod};
use yikou_domain::Fen;
use yikou_service::pay::{self as use_case, FileFormat};
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::pay::{BatchFilter, BatchView, ResultCounts, Tally, UnitProgress};

use crate::csv::{attachment, Format};
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// A row of the progress table.
pub struct ProgressRow {
    pub name: String,
    pub approved: String,
    pub disbursed: String,
    pub failed: String,
    pub pending: String,
    pub approved_money: String,
    pub disbursed_money: String,
    pub failed_money: String,
    pub pending_money: String,
    pub adds_up: bool,
}

fn n(t: &Tally) -> String {
    format!("{} 人 / {} 条", t.people, t.entitlements)
}

fn progress_row(name: String, p: &UnitProgress) -> ProgressRow {
    ProgressRow {
        name,
        approved: n(&p.approved),
        disbursed: n(&p.disbursed),
        failed: n(&p.failed),
        pending: n(&p.pending),
        approved_money: Fen(p.approved.amount_fen).yuan(),
        disbursed_money: Fen(p.disbursed.amount_fen).yuan(),
        failed_money: Fen(p.failed.amount_fen).yuan(),
        pending_money: Fen(p.pending.amount_fen).yuan(),
        adds_up: p.adds_up(),
    }
}

pub struct BatchRow {
    pub id: i64,
    pub no: String,
    pub method: &'static str,
    pub created: String,
    pub by: String,
    pub lines: i64,
    pub amount: String,
    pub paid: i64,
    pub failed: i64,
    pub open: i64,
    pub reconciled: bool,
}

fn batch_row(b: &BatchView) -> BatchRow {
    BatchRow {
        id: b.id,
        no: b.batch_no.clone(),
        method: b.method.label(),
        created: time_text(&b.created_at),
        by: b.created_by.clone(),
        lines: b.lines,
        amount: Fen(b.amount_fen).yuan(),
        paid: b.paid,
        failed: b.failed,
        open: b.open,
        reconciled: b.reconciled(),
    }
}

#[derive(Template)]
#[template(path = "pay/payments.html")]
struct PaymentsPage {
    frame: Frame,
    total: ProgressRow,
    units: Vec<ProgressRow>,
    groups: Vec<ProgressRow>,
    projects: Vec<ProgressRow>,
    problems: Vec<String>,
    batches: Vec<BatchRow>,
    methods: Vec<(&'static str, &'static str)>,
    project_choices: Vec<(i64, String)>,
    streets: Vec<(String, String)>,
    /// (id, "name，面值 X 元，剩 N 张") of the campaign's voucher batches.
    voucher_batches: Vec<(i64, String)>,
    error: Option<String>,
}

async fn render_payments(state: &AppState, s: &SessionUser, error: Option<String>) -> Result<String, AppError> {
    let actor = s.actor();
    let p = use_case::progress(&state.store, &actor).await?;
    let names = names(state).await?;
    let campaign = yikou_service::campaign::current(&state.store).await?;
    let projects = state.store.projects(&actor.scope, campaign.id).await?;
    let project_name = |code: &str| {
        projects
            .iter()
            .find(|p| p.project.code == code)
            .map_or(code.to_string(), |p| format!("{}（{code}）", p.project.name))
    };
    Ok(PaymentsPage {
        frame: frame(state, s).await?,
        total: progress_row("合计".into(), &p.total),
        units: p.units.iter().map(|u| progress_row(names.unit(&u.unit), u)).collect(),
        groups: p.groups.iter().map(|u| progress_row(u.unit.clone(), u)).collect(),
        projects: p.projects.iter().map(|u| progress_row(project_name(&u.unit), u)).collect(),
        problems: p.problems.clone(),
        batches: use_case::batches(&state.store, &actor).await?.iter().map(batch_row).collect(),
        methods: PayMethod::ALL.iter().map(|m| (m.code(), m.label())).collect(),
        project_choices: projects.iter().map(|p| (p.id, format!("{}（{}）", p.project.name, p.project.code))).collect(),
        streets: yikou_domain::reference::streets().map(|u| (u.code.to_string(), u.name.to_string())).collect(),
        voucher_batches: state
            .store
            .voucher_batches(campaign.id)
            .await?
            .into_iter()
            .map(|(id, name, face, until, left)| {
                (id, format!("{name}（面值 {} 元，有效期至 {until}，剩 {left} 张）", yikou_domain::Fen(face).yuan()))
            })
            .collect(),
        error,
    }
    .render()?)
}

/// 发放与对账.
pub async fn payments(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    Ok(Html(render_payments(&state, &s, None).await?))
}

/// The batch form: a method, optionally projects (several) and a street/town.
pub async fn create(
    State(state): State<AppState>,
    Posted(s, f): Posted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !s.user.role.may_pay() {
        return Err(AppError::Forbidden);
    }
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
    let method = get("method").and_then(|m| PayMethod::from_code(&m));
    let (state, s) = (&state, &s);
    let refuse = |status: StatusCode, m: String| async move {
        let html = render_payments(state, s, Some(m)).await?;
        Ok::<Response, AppError>((status, Html(html)).into_response())
    };
    let Some(method) = method else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "请选择发放方式".into()).await;
    };
    let projects: Vec<i64> =
        f.iter().filter(|(n, v)| n == "project" && !v.is_empty()).filter_map(|(_, v)| v.parse().ok()).collect();
    let filter = BatchFilter {
        projects,
        street: get("street"),
        committee: None,
        voucher_batch: get("voucher_batch").and_then(|v| v.parse().ok()),
    };
    match use_case::create_batch(&state.store, &s.actor(), method, &filter).await {
        Ok(m) => {
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/payments/batches/{}?made=1", m.id))])
                .into_response())
        }
        Err(e @ (ServiceError::Conflict(_) | ServiceError::Refused(_) | ServiceError::Rejected(_))) => {
            let status = match e {
                ServiceError::Refused(_) => StatusCode::FORBIDDEN,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            refuse(status, e.to_string()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct LineRow {
    pub line_no: i64,
    pub reference: String,
    pub person_id: i64,
    pub name: String,
    pub id_masked: String,
    pub street: String,
    pub committee: String,
    pub project: String,
    pub amount: String,
    pub account: String,
    pub state: &'static str,
    pub reason: String,
    pub attempt: i64,
}

#[derive(Template)]
#[template(path = "pay/batch.html")]
struct BatchPage {
    frame: Frame,
    b: BatchRow,
    by_bank: bool,
    sha: String,
    lines: Vec<LineRow>,
    reissuable: usize,
    /// Non-bank batches: each committee's sheet — (code, name, lines, still open).
    committees: Vec<(String, String, usize, usize)>,
    may_sign: bool,
    made: bool,
    counts: Option<ResultCounts>,
    error: Option<String>,
    notice: Option<String>,
}

async fn render_batch(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    made: bool,
    counts: Option<ResultCounts>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<String, AppError> {
    let (b, lines) = use_case::batch(&state.store, &s.actor(), id).await?;
    let names = names(state).await?;
    let reissuable = lines.iter().filter(|l| l.state == LineState::Failed && !l.reissued).count();
    let mut committees: Vec<(String, String, usize, usize)> = Vec::new();
    if !b.method.by_bank() {
        for l in &lines {
            let code = l.committee_code.clone().unwrap_or_default();
            match committees.iter_mut().find(|c| c.0 == code) {
                Some(c) => {
                    c.2 += 1;
                    c.3 += usize::from(l.state.is_open());
                }
                None => {
                    let name = if code.is_empty() { "（未填居委）".to_string() } else { names.unit(&code) };
                    committees.push((code.clone(), name, 1, usize::from(l.state.is_open())))
                }
            }
        }
    }
    let lines = lines
        .into_iter()
        .map(|l| LineRow {
            line_no: l.line_no,
            reference: l.reference,
            person_id: l.person_id,
            name: l.name,
            id_masked: l.id_number_masked,
            street: l.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            committee: l.committee_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            project: l.project_name,
            amount: Fen(l.amount_fen).yuan(),
            account: l.account_masked.unwrap_or_default(),
            state: l.state.label(),
            reason: match (l.reason, l.bank_reason) {
                (Some(r), Some(w)) if !w.is_empty() => format!("{}（银行：{w}）", r.label()),
                (Some(r), _) => r.label().to_string(),
                (None, Some(w)) => w,
                (None, None) => String::new(),
            } + if l.reissued { "；已重新发放" } else { "" },
            attempt: l.attempt,
        })
        .collect();
    Ok(BatchPage {
        frame: frame(state, s).await?,
        by_bank: b.method.by_bank(),
        sha: b.file_sha256.clone().unwrap_or_default(),
        b: batch_row(&b),
        lines,
        reissuable,
        committees,
        may_sign: s.user.role.may_record_signoff(),
        made,
        counts,
        error,
        notice,
    }
    .render()?)
}

#[derive(serde::Deserialize, Default)]
pub struct BatchParams {
    made: Option<String>,
    /// After a sheet was recorded: lines signed and not.
    signed: Option<i64>,
    unsigned: Option<i64>,
}

pub async fn batch(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<BatchParams>,
) -> Result<Html<String>, AppError> {
    let notice = q.signed.map(|n| format!("已登记签收结果：已签收 {n} 笔，未签收 {} 笔。", q.unsigned.unwrap_or(0)));
    Ok(Html(render_batch(&state, &s, id, q.made.is_some(), None, None, notice).await?))
}

/// The bank file (CSV or .xlsx): the accounts in full, so for the payers only; audited.
pub async fn bank_file(
    State(state): State<AppState>,
    Signed(s): Signed,
    format: Format,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let f = match format {
        Format::Csv => FileFormat::Csv,
        Format::Xlsx => FileFormat::Xlsx,
    };
    let (b, bytes, name) = use_case::bank_file(&state.store, &s.actor(), id, f).await?;
    Ok(bank_file_response(&b.batch_no, f, bytes, &name))
}

/// A bank file as a download (the page's and the API's).
pub(super) fn bank_file_response(batch_no: &str, f: FileFormat, bytes: Vec<u8>, name: &str) -> Response {
    let (kind, ext) = match f {
        FileFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        FileFormat::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    let disposition = attachment(name, &format!("bank-{batch_no}.{ext}"));
    ([(CONTENT_TYPE, kind.to_string()), (CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

/// The bank's result file: recorded, and the page again with the counts (or the reason it could
/// not be read, nothing recorded).
pub async fn results(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Uploaded(s, mut form): Uploaded,
) -> Result<Response, AppError> {
    if !s.user.role.may_pay() {
        return Err(AppError::Forbidden);
    }
    let got = crate::features::imports::receive(&state, &mut form).await?;
    let Some((_, path)) = got.file.clone() else {
        let html = render_batch(&state, &s, id, false, None, Some("请选择银行返回的结果文件".into()), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let out = use_case::record_results(&state.store, &s.actor(), id, &path).await;
    got.discard();
    match out {
        Ok(c) => Ok(Html(render_batch(&state, &s, id, false, Some(c), None, None).await?).into_response()),
        Err(ServiceError::Unreadable(m)) => {
            let html = render_batch(&state, &s, id, false, None, Some(m), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 重新发放 the failed lines.
pub async fn reissue(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, _f): Posted<NoFields>,
) -> Result<Response, AppError> {
    match use_case::reissue(&state.store, &s.actor(), id).await {
        Ok(m) => {
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/payments/batches/{}?made=1", m.id))])
                .into_response())
        }
        Err(e @ (ServiceError::Conflict(_) | ServiceError::Refused(_))) => {
            let status =
                if matches!(e, ServiceError::Refused(_)) { StatusCode::FORBIDDEN } else { StatusCode::CONFLICT };
            let html = render_batch(&state, &s, id, false, None, Some(e.to_string()), None).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
