//! Sign-in, sign-out, password change, and the extractors every page and API route uses to know who
//! is asking: `Signed` (a browser session, CSRF token at hand) and `ApiUser` (a bearer token).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use yikou_store::auth::{LoginOutcome, SessionUser};
use yikou_store::users::User;

use crate::{AppError, AppState};

pub const SESSION_COOKIE: &str = "yikou_session";
/// Before sign-in there is no session to hold a CSRF token: the login form uses a double-submit
/// cookie instead.
const PRE_COOKIE: &str = "yikou_pre";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie text is ASCII")
}

/// Constant-time comparison for tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A signed-in browser user whose password is current (a first-login password must be changed
/// before anything else).
pub struct Signed(pub SessionUser);

/// A signed-in browser user, even one who must still change the first password.
pub struct AnySigned(pub SessionUser);

async fn session_of(parts: &Parts, state: &AppState) -> Result<SessionUser, AppError> {
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
    state.store.session(token, &state.config.policy).await?.ok_or(AppError::Unauthorized)
}

impl FromRequestParts<AppState> for AnySigned {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(AnySigned(session_of(parts, state).await?))
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let s = session_of(parts, state).await.map_err(IntoResponse::into_response)?;
        if s.user.must_change_password {
            return Err((StatusCode::SEE_OTHER, [(LOCATION, "/password")]).into_response());
        }
        Ok(Signed(s))
    }
}

/// A machine client with a bearer token (401 without one).
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let unauthorized = || {
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({ "error": "unauthorized", "message": "需要有效的访问令牌" })),
            )
                .into_response()
        };
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthorized)?;
        match state.store.token_user(token.trim()).await {
            Ok(Some(u)) => Ok(ApiUser(u)),
            Ok(None) => Err(unauthorized()),
            Err(e) => Err(AppError::from(e).into_response()),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    csrf: &'a str,
    error: Option<String>,
    login: &'a str,
}

fn random_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn login_page(state: &AppState, error: Option<String>, login: &str) -> Result<Response, AppError> {
    let csrf = random_hex();
    let html = LoginPage { csrf: &csrf, error: error.clone(), login }.render()?;
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    Ok((status, [(SET_COOKIE, set_cookie(PRE_COOKIE, &csrf, None, state.config.secure_cookies))], Html(html))
        .into_response())
}

pub async fn login_form(State(state): State<AppState>) -> Result<Response, AppError> {
    login_page(&state, None, "")
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// The client's address for counting failed sign-ins per source: the connection's peer, or
/// "unknown" when the server was not given it (a test calling the router directly).
pub struct Source(pub String);

impl FromRequestParts<AppState> for Source {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(Source(peer.unwrap_or_else(|| "unknown".into())))
    }
}

pub async fn login(
    State(state): State<AppState>,
    Source(from): Source,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    if !cookie(&headers, PRE_COOKIE).is_some_and(|c| same(c, &f.csrf)) {
        return Err(AppError::Csrf);
    }
    let policy = &state.config.policy;
    // One answer for a wrong password, an unknown login, a disabled account and a busy source.
    match state.store.login(&f.login, &f.password, policy, &from).await? {
        LoginOutcome::Ok { user, token } => {
            let to = if user.must_change_password { "/password" } else { "/" };
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (LOCATION, HeaderValue::from_static(to)),
                    (SET_COOKIE, set_cookie(SESSION_COOKIE, &token, None, state.config.secure_cookies)),
                ],
            )
                .into_response())
        }
        LoginOutcome::Refused => {
            let (n, minutes) = (policy.max_failures, (policy.lock_seconds / 60).max(1));
            login_page(&state, Some(format!("登录名或密码不正确。连续错误{n}次将锁定账号{minutes}分钟。")), &f.login)
        }
        LoginOutcome::Locked { until } => {
            let minutes = ((until - yikou_store::auth::unix_now()).max(60) + 59) / 60;
            login_page(
                &state,
                Some(format!("账号已锁定，请约{minutes}分钟后再试；如需立即使用，请联系安全管理员解锁。")),
                &f.login,
            )
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    AnySigned(s): AnySigned,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    state.store.logout(&s).await?;
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
#[template(path = "password.html")]
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
    #[serde(rename = "_csrf")]
    csrf: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    AnySigned(s): AnySigned,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    let error = if f.new != f.confirm {
        Some("两次输入的新密码不一致".to_string())
    } else {
        match state.store.change_password(&s, &f.old, &f.new).await {
            Ok(()) => None,
            Err(yikou_store::StoreError::Invalid(m)) => Some(m),
            Err(e) => return Err(e.into()),
        }
    };
    match error {
        Some(error) => {
            let html =
                PasswordPage { csrf: &s.csrf, first: s.user.must_change_password, error: Some(error) }.render()?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        // Every session of the user ended with the change: sign in again with the new password.
        None => Ok((StatusCode::SEE_OTHER, [(LOCATION, "/login")]).into_response()),
    }
}
