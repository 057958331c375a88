//! Sign-in, sign-out and the password change.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::session::*;
use crate::{AppError, AppState};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::HeaderValue;
use yikou_store::accounts::auth::LoginOutcome;

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage<'a> {
    csrf: &'a str,
    error: Option<String>,
    /// Said above the form (the password was just changed).
    notice: Option<&'static str>,
    login: &'a str,
    next: &'a str,
}

/// Where a sign-in may lead: a page of this site only (a path, never another host).
fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.starts_with("/login");
    ok.then_some(next).filter(|n| n.chars().all(|c| !c.is_control()))
}

fn login_page(state: &AppState, error: Option<String>, login: &str, next: &str) -> Result<Response, AppError> {
    login_page_with(state, error, None, login, next)
}

fn login_page_with(
    state: &AppState,
    error: Option<String>,
    notice: Option<&'static str>,
    login: &str,
    next: &str,
) -> Result<Response, AppError> {
    let csrf = random_hex();
    let next = safe_next(next).unwrap_or("");
    let html = LoginPage { csrf: &csrf, error: error.clone(), notice, login, next }.render()?;
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    Ok((status, [(SET_COOKIE, set_cookie(PRE_COOKIE, &csrf, None, state.config.secure_cookies))], Html(html))
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    /// Set after a password change (every session ended with it).
    #[serde(default)]
    changed: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Result<Response, AppError> {
    let notice = q.changed.is_some().then_some("密码已修改，请用新密码重新登录。");
    login_page_with(&state, None, notice, "", &q.next)
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    /// The page to return to (an expired session's).
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    Source(from): Source,
    PrePosted(f): PrePosted<LoginForm>,
) -> Result<Response, AppError> {
    let policy = &state.config.policy;
    // One answer for a wrong password, an unknown login, a disabled account and a busy source.
    match yikou_service::accounts::sign_in(&state.store, &f.login, &f.password, policy, &from).await? {
        LoginOutcome::Ok { user, token } => {
            let to = if user.must_change_password { "/password" } else { safe_next(&f.next).unwrap_or("/") };
            let to = HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/"));
            Ok((
                StatusCode::SEE_OTHER,
                [(LOCATION, to), (SET_COOKIE, set_cookie(SESSION_COOKIE, &token, None, state.config.secure_cookies))],
            )
                .into_response())
        }
        LoginOutcome::Refused => {
            let (n, minutes) = (policy.max_failures, (policy.lock_seconds / 60).max(1));
            login_page(
                &state,
                Some(format!("登录名或密码不正确。连续错误{n}次将锁定账号{minutes}分钟。")),
                &f.login,
                &f.next,
            )
        }
        LoginOutcome::Locked { until } => {
            let minutes = ((until - yikou_store::accounts::auth::unix_now()).max(60) + 59) / 60;
            let call = yikou_service::accounts::help_line(&state.store).await?;
            login_page(
                &state,
                Some(format!("账号已锁定，请约{minutes}分钟后再试；如需立即使用，请联系{call}解锁。")),
                &f.login,
                &f.next,
            )
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    PostedAny(s, NoFields {}): PostedAny<NoFields>,
) -> Result<Response, AppError> {
    yikou_service::accounts::sign_out(&state.store, &s).await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (LOCATION, HeaderValue::from_static("/login")),
            (SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies)),
        ],
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage<'a> {
    csrf: &'a str,
    first: bool,
    error: Option<String>,
}

pub async fn password_form(AnySigned(s): AnySigned) -> Result<Html<String>, AppError> {
    Ok(Html(PasswordPage { csrf: &s.csrf, first: s.user.must_change_password, error: None }.render()?))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    old: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    PostedAny(s, f): PostedAny<PasswordForm>,
) -> Result<Response, AppError> {
    let error = match yikou_service::accounts::change_password(&state.store, &s, &f.old, &f.new, &f.confirm).await {
        Ok(()) => None,
        Err(yikou_service::ServiceError::Rejected(m)) => Some(m),
        Err(e) => return Err(e.into()),
    };
    match error {
        Some(error) => {
            let html =
                PasswordPage { csrf: &s.csrf, first: s.user.must_change_password, error: Some(error) }.render()?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        // Every session of the user ended with the change: sign in again with the new password.
        None => Ok((StatusCode::SEE_OTHER, [(LOCATION, "/login?changed=1")]).into_response()),
    }
}
