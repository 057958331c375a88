//! Who is asking, as extractors every page and API route uses: `Signed` (a browser session whose
//! password is current), `AnySigned` (even one that must still change it), `ApiUser` (a bearer
//! token), and the form extractors that check the CSRF token before a handler runs: `Posted<T>`
//! (a form of a signed-in user), `PostedAny<T>`, `PrePosted<T>` (the sign-in form, double-submit
//! cookie) and `Uploaded` (a multipart upload whose first field is the token).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Multipart, Request};
use axum::http::header::{COOKIE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::accounts::users::User;

use crate::{AppError, AppState};

pub const SESSION_COOKIE: &str = "yikou_session";
/// Before sign-in there is no session to hold a CSRF token: the login form uses a double-submit
/// cookie instead.
pub(crate) const PRE_COOKIE: &str = "yikou_pre";

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

pub(crate) fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
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

pub(crate) fn random_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
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
        // The frame now, so that a refusal or an error page keeps the menu.
        crate::frame::frame(state, &s).await.map_err(IntoResponse::into_response)?;
        Ok(Signed(s))
    }
}

/// A machine client with a bearer token (401 without one).
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let unauthorized = || crate::ApiError::App(AppError::Unauthorized).into_response();
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthorized)?;
        match state.store.token_user(token.trim()).await {
            Ok(Some(u)) => Ok(ApiUser(u)),
            Ok(None) => Err(unauthorized()),
            Err(e) => Err(crate::ApiError::from(e).into_response()),
        }
    }
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

#[derive(Deserialize, Default)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Reads a form body (the router's body limit applies), refuses it unless its `_csrf` matches
/// `expected`, then parses it as `T` (unknown fields are ignored).
async fn checked_form<T: DeserializeOwned>(
    parts: Parts,
    body: axum::body::Body,
    state: &AppState,
    expected: impl FnOnce(&Parts) -> Option<String>,
) -> Result<T, Response> {
    let token = expected(&parts);
    let bytes =
        Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(IntoResponse::into_response)?;
    let sent: CsrfField = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    if !token.is_some_and(|t| !sent.csrf.is_empty() && same(&sent.csrf, &t)) {
        return Err(AppError::Csrf.into_response());
    }
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| AppError::BadRequest("表单内容不完整，请返回上一页刷新后重新填写。".into()).into_response())
}

/// A form posted by a signed-in user (password current), its CSRF token checked.
pub struct Posted<T>(pub SessionUser, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Signed(s) = Signed::from_request_parts(&mut parts, state).await?;
        let csrf = s.csrf.clone();
        let form = checked_form(parts, body, state, |_| Some(csrf)).await?;
        Ok(Posted(s, form))
    }
}

/// A form posted by any signed-in user (also one who must still change the first password).
pub struct PostedAny<T>(pub SessionUser, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PostedAny<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let AnySigned(s) =
            AnySigned::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let csrf = s.csrf.clone();
        let form = checked_form(parts, body, state, |_| Some(csrf)).await?;
        Ok(PostedAny(s, form))
    }
}

/// A form posted before sign-in: its token must match the double-submit cookie.
pub struct PrePosted<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PrePosted<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let form = checked_form(parts, body, state, |p| cookie(&p.headers, PRE_COOKIE).map(str::to_string)).await?;
        Ok(PrePosted(form))
    }
}

/// A multipart upload by a signed-in user: its first field must be `_csrf` with the session's token
/// (checked before any of the file is read); the rest of the fields follow.
pub struct Uploaded(pub SessionUser, pub Multipart);

impl FromRequest<AppState> for Uploaded {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Signed(s) = Signed::from_request_parts(&mut parts, state).await?;
        let mut form = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| AppError::BadRequest("上传内容不完整，请重新选择文件上传。".into()).into_response())?;
        let token = match form.next_field().await {
            Ok(Some(f)) if f.name() == Some("_csrf") => f.text().await.unwrap_or_default(),
            _ => String::new(),
        };
        if token.is_empty() || !same(&token, &s.csrf) {
            return Err(AppError::Csrf.into_response());
        }
        Ok(Uploaded(s, form))
    }
}

/// A form with nothing but its CSRF token (a button).
#[derive(Deserialize)]
pub struct NoFields {}
