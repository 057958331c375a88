//! One error story for the web: every handler fails with an [`AppError`]; store and use-case errors
//! convert into it once (a missing record is 404, a refusal the user can correct is 422 with its
//! Chinese message, a state that changed meanwhile 409, anything else 500 with nothing of the cause shown). Pages render it as a Chinese
//! page, the API (through [`ApiError`]) as `{"error": code, "message": …}` with the same status.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;

/// What a handler can fail with.
#[derive(Debug)]
pub enum AppError {
    /// Not signed in.
    Unauthorized,
    /// Signed in, but the role may not do this.
    Forbidden,
    /// Signed in, but the role may not do this, or not to this record (a roster one prepared): the
    /// message says what (API clients read it).
    Refused(String),
    /// Does not exist, or lies outside the user's area (never told apart).
    NotFound,
    /// A form without the right CSRF token.
    Csrf,
    /// A request the user can correct (the message says how).
    BadRequest(String),
    /// An uploaded file that cannot be read as a list.
    Unreadable(String),
    /// Too many lists are being checked: try again shortly (503).
    Busy(String),
    /// Refused for a reason the user can correct (nothing was written); the message says how.
    Rejected(String),
    /// The state changed meanwhile or already holds (already undone, decided or present): 409.
    Conflict(String),
    Internal(String),
}

impl From<yikou_store::StoreError> for AppError {
    fn from(e: yikou_store::StoreError) -> AppError {
        AppError::from(yikou_service::ServiceError::from(e))
    }
}

impl From<yikou_service::ServiceError> for AppError {
    fn from(e: yikou_service::ServiceError) -> AppError {
        use yikou_service::ServiceError as S;
        match e {
            S::NotFound => AppError::NotFound,
            S::Forbidden => AppError::Forbidden,
            S::Refused(m) => AppError::Refused(m),
            S::Conflict(m) => AppError::Conflict(m),
            S::Rejected(m) => AppError::Rejected(m),
            S::Unreadable(m) => AppError::Unreadable(m),
            S::Internal(m) => AppError::Internal(m),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(e.to_string())
    }
}

/// How an error is answered: status, the API's error code, the page title and the message.
struct Answer<'a> {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    message: &'a str,
}

impl AppError {
    fn answer(&self) -> Answer<'_> {
        let a = |status, code, title, message| Answer { status, code, title, message };
        match self {
            AppError::Unauthorized => a(StatusCode::UNAUTHORIZED, "unauthorized", "请先登录", "需要有效的访问令牌"),
            AppError::Forbidden => a(
                StatusCode::FORBIDDEN,
                "forbidden",
                "无权访问",
                "您的角色不能使用此功能。如需使用，请联系安全管理员。",
            ),
            AppError::Refused(m) => a(StatusCode::FORBIDDEN, "forbidden", "无权访问", m),
            AppError::NotFound => {
                a(StatusCode::NOT_FOUND, "not_found", "未找到", "要找的内容不存在，或不在您的工作范围内。")
            }
            AppError::Csrf => {
                a(StatusCode::FORBIDDEN, "csrf", "页面已过期", "表单已过期或来源不明，请返回上一页刷新后重试。")
            }
            AppError::BadRequest(m) => a(StatusCode::BAD_REQUEST, "bad_request", "需要修改", m),
            AppError::Unreadable(m) => a(StatusCode::UNPROCESSABLE_ENTITY, "unreadable", "文件无法读取", m),
            AppError::Busy(m) => a(StatusCode::SERVICE_UNAVAILABLE, "busy", "系统繁忙", m),
            AppError::Rejected(m) => a(StatusCode::UNPROCESSABLE_ENTITY, "rejected", "未完成", m),
            AppError::Conflict(m) => a(StatusCode::CONFLICT, "conflict", "未完成", m),
            AppError::Internal(_) => a(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "系统错误",
                "处理请求时出错，请稍后重试；如反复出现，请联系系统管理员。",
            ),
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            // Store messages carry no ID numbers or names; still, only the start goes to the log.
            tracing::error!(error = %e.chars().take(200).collect::<String>(), "request failed");
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        if matches!(self, AppError::Unauthorized) {
            // Back to the page asked for after signing in (a session that expired mid-work).
            let to = crate::context::return_to()
                .map_or_else(|| "/login".to_string(), |t| format!("/login?next={}", crate::frame::encode(&t)));
            return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
        }
        let a = self.answer();
        (a.status, Html(crate::frame::message_page(a.title, a.message))).into_response()
    }
}

/// An [`AppError`] answered as JSON (the API's routes return `Result<_, ApiError>`), or a refusal
/// with its own code where the API promises one (`rows_rejected`, `not_undoable`).
#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    Coded {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// The payment workflow's answer (its contract): `{"error": "中文说明", "code": code, …}` with
    /// more fields where the refusal lists things (the open findings of a roster).
    Said {
        status: StatusCode,
        code: &'static str,
        message: String,
        more: serde_json::Map<String, serde_json::Value>,
    },
}

impl ApiError {
    pub fn coded(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Coded { status, code, message: message.into() }
    }

    /// An error answered as `{"error": "中文说明", "code": …}` (the payment workflow's contract).
    pub fn said(e: impl Into<AppError>) -> ApiError {
        let e = e.into();
        e.log();
        let a = e.answer();
        ApiError::Said { status: a.status, code: a.code, message: a.message.to_string(), more: Default::default() }
    }

    /// The same with a code and status of its own.
    pub fn said_as(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Said { status, code, message: message.into(), more: Default::default() }
    }

    /// Adds a field to a `said` answer.
    pub fn with(mut self, key: &str, value: serde_json::Value) -> ApiError {
        if let ApiError::Said { more, .. } = &mut self {
            more.insert(key.to_string(), value);
        }
        self
    }
}

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError::App(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            ApiError::App(e) => {
                e.log();
                let a = e.answer();
                (a.status, a.code, a.message)
            }
            ApiError::Coded { status, code, message } => (*status, *code, message.as_str()),
            ApiError::Said { status, code, message, more } => {
                let mut body = more.clone();
                body.insert("error".into(), serde_json::json!(message));
                body.insert("code".into(), serde_json::json!(code));
                return (*status, Json(serde_json::Value::Object(body))).into_response();
            }
        };
        (status, Json(serde_json::json!({ "error": code, "message": message }))).into_response()
    }
}

/// What an API handler returns.
pub type ApiResult<T = Json<serde_json::Value>> = Result<T, ApiError>;

/// A date sent to the API as `YYYY-MM-DD`, or the refusal naming the field (422, Chinese).
pub(crate) fn api_date(field: &str, text: &str) -> Result<time::Date, AppError> {
    yikou_domain::parse_date(text)
        .ok_or_else(|| AppError::Rejected(format!("{field} 应为 YYYY-MM-DD 格式的日期，实为“{text}”")))
}
