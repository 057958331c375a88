//! 修改银行账户: a person's 户名, 开户行 and 账号 (the number never shown whole: the form starts
//! blank and shows the masked one), for the roles that keep the register's contacts; audited with
//! masked numbers; a bad number re-shows the form with the message beside it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_service::ServiceError;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "register/bank.html")]
struct BankPage {
    frame: Frame,
    id: i64,
    name: String,
    current: String,
    holder: String,
    bank_name: String,
    error: Option<String>,
}

async fn page_of(
    state: &AppState,
    s: &yikou_store::accounts::auth::SessionUser,
    id: i64,
    typed: Option<(&str, &str)>,
    error: Option<String>,
) -> Result<String, AppError> {
    if !s.user.role.may_edit_contacts() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let p = state.store.person(&scope, id).await?.ok_or(AppError::NotFound)?;
    let b = state.store.bank_account(&scope, id).await?.unwrap_or_default();
    let current = match &b.account_masked {
        Some(m) => {
            format!("{}，{}，账号 {m}", b.holder.clone().unwrap_or_default(), b.bank_name.clone().unwrap_or_default())
        }
        None => "未登记".into(),
    };
    let (holder, bank_name) = match typed {
        Some((h, n)) => (h.to_string(), n.to_string()),
        None => (b.holder.unwrap_or_else(|| p.name.clone()), b.bank_name.unwrap_or_default()),
    };
    Ok(BankPage { frame: frame(state, s).await?, id, name: p.name, current, holder, bank_name, error }.render()?)
}

pub async fn bank_form(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    Ok(Html(page_of(&state, &s, id, None, None).await?))
}

#[derive(Deserialize)]
pub struct BankFields {
    #[serde(default)]
    holder: String,
    #[serde(default)]
    bank_name: String,
    #[serde(default)]
    account: String,
}

pub async fn bank_save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<BankFields>,
) -> Result<Response, AppError> {
    if f.account.trim().is_empty() {
        let html =
            page_of(&state, &s, id, Some((&f.holder, &f.bank_name)), Some("请填写账号（8至30位数字）".into())).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    match yikou_service::pay::set_bank_account(&state.store, &s.actor(), id, &f.holder, &f.bank_name, &f.account).await
    {
        Ok(()) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/people/{id}?saved=1"))]).into_response()),
        Err(ServiceError::Rejected(m)) => {
            let html = page_of(&state, &s, id, Some((&f.holder, &f.bank_name)), Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
