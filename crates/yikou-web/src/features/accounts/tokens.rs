//! API tokens: one's own, and (the security administrator) another's.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_store::accounts::auth::SessionUser;

use super::users::SecretPage;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};
use axum::http::header::LOCATION;
use yikou_service::accounts;
use yikou_store::accounts::tokens::{TokenLine, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS};

pub(crate) struct TokenRow {
    id: i64,
    created_by: String,
    created_at: String,
    expires: String,
    last_used: String,
    state: &'static str,
    live: bool,
}

impl From<TokenLine> for TokenRow {
    fn from(t: TokenLine) -> TokenRow {
        TokenRow {
            id: t.id,
            created_by: t.created_by,
            created_at: time_text(&t.created_at),
            expires: unix_text(t.expires_unix),
            last_used: t.last_used_unix.map_or_else(|| "未使用".into(), unix_text),
            live: t.revoked_at.is_none(),
            state: t.state,
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/tokens.html")]
struct TokensPage {
    frame: Frame,
    title: String,
    /// Where the revoke forms post: `/account/tokens` or `/users/{login}/tokens`.
    base: String,
    /// The user's own tokens (with the form to create one), or another account's.
    own: bool,
    rows: Vec<TokenRow>,
    default_days: i64,
    max_days: i64,
    error: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    s: &SessionUser,
    login: &str,
    own: bool,
    error: Option<String>,
) -> Result<String, AppError> {
    let lines = if own {
        accounts::my_tokens(&state.store, &s.actor()).await?
    } else {
        accounts::tokens_of(&state.store, &s.actor(), Some(login)).await?
    };
    let rows = lines.into_iter().map(TokenRow::from).collect();
    let (title, base) = if own {
        ("我的访问令牌".to_string(), "/account/tokens".to_string())
    } else {
        (format!("{login} 的访问令牌"), format!("/users/{login}/tokens"))
    };
    Ok(TokensPage {
        frame: frame(state, s).await?,
        title,
        base,
        own,
        rows,
        default_days: DEFAULT_TOKEN_DAYS,
        max_days: MAX_TOKEN_DAYS,
        error,
    }
    .render()?)
}

/// 我的访问令牌: the signed-in user's own tokens.
pub async fn mine(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    Ok(Html(tokens_page(&state, &s, &s.user.login, true, None).await?))
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    days: String,
}

/// Creates a token for the signed-in user's own account, shown once.
pub async fn create(State(state): State<AppState>, Posted(s, f): Posted<NewTokenForm>) -> Result<Response, AppError> {
    let days = match f.days.trim() {
        "" => Some(DEFAULT_TOKEN_DAYS),
        d => d.parse::<i64>().ok().filter(|d| (1..=MAX_TOKEN_DAYS).contains(d)),
    };
    let Some(days) = days else {
        let page =
            tokens_page(&state, &s, &s.user.login, true, Some(format!("有效期请填1到{MAX_TOKEN_DAYS}之间的天数")))
                .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
    };
    let token = accounts::create_token(&state.store, &s.actor(), &s.user.login, days).await?;
    let page = SecretPage {
        frame: frame(&state, &s).await?,
        title: "已创建访问令牌".into(),
        lead: format!("访问令牌（只显示这一次，有效期{days}天，请交给对接系统妥善保管）："),
        secret: token,
        note: "调用接口时放在请求头 Authorization: Bearer 令牌 中；令牌与您的账号权限和工作范围相同。修改密码、账号停用或到期后令牌失效，也可随时在“我的访问令牌”中撤销。",
        back: ("/account/tokens", "返回我的访问令牌"),
    };
    Ok(Html(page.render()?).into_response())
}

fn token_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

async fn revoke(state: &AppState, s: &SessionUser, owner: &str, id: &str, back: String) -> Result<Response, AppError> {
    let id = token_id(id)?;
    if owner == s.user.login {
        accounts::revoke_my_token(&state.store, &s.actor(), id).await?;
    } else {
        accounts::revoke_token_of(&state.store, &s.actor(), Some(owner), id).await?;
    }
    Ok((StatusCode::SEE_OTHER, [(LOCATION, back)]).into_response())
}

/// Revokes one of the signed-in user's own tokens (another's is not found).
pub async fn revoke_mine(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Response, AppError> {
    let login = s.user.login.clone();
    revoke(&state, &s, &login, &id, "/account/tokens".into()).await
}

/// Another account's tokens are the security administrator's (checked by the use cases too; here
/// so a page of them answers 403 to anyone else, and 404 for an unknown account).
fn security_admin_on(s: &SessionUser) -> Result<(), AppError> {
    if !s.user.role.may_secure_accounts() {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Any account's tokens, for the security administrator.
pub async fn of_user(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(login): Path<String>,
) -> Result<Html<String>, AppError> {
    security_admin_on(&s)?;
    Ok(Html(tokens_page(&state, &s, &login, false, None).await?))
}

/// Revokes any account's token, for the security administrator.
pub async fn revoke_of_user(
    State(state): State<AppState>,
    Path((login, id)): Path<(String, String)>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Response, AppError> {
    security_admin_on(&s)?;
    let back = format!("/users/{login}/tokens");
    revoke(&state, &s, &login, &id, back).await
}
