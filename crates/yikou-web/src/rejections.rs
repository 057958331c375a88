//! The framework's own refusals — a JSON body with a field missing or of the wrong type, a body that
//! is not JSON, a missing Content-Type, a path id that is not a number, a query that does not parse,
//! a body over the limit — come from axum as short English plain text. This layer turns each into
//! the application's answer in Chinese: `{"error": "bad_request", "message"}` under /api/, a page elsewhere, with
//! the same status.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::ApiError;

/// The Chinese words for an axum refusal's text.
pub fn chinese(status: StatusCode, text: &str) -> String {
    let quoted = |after: &str| text.split(after).nth(1).and_then(|rest| rest.split('`').nth(1)).map(str::to_string);
    if status == StatusCode::PAYLOAD_TOO_LARGE || text.contains("length limit exceeded") {
        return "提交的内容过大，请减少后重试".into();
    }
    if text.contains("Content-Type") {
        return "请求须以 JSON 发送（请求头 Content-Type: application/json）".into();
    }
    if text.contains("Cannot parse") {
        return match quoted("Cannot parse") {
            Some(v) => format!("地址中的“{v}”应为数字编号"),
            None => "地址中的编号应为数字".into(),
        };
    }
    if text.contains("missing field") {
        return match quoted("missing field") {
            Some(f) => format!("缺少必填字段 {f}"),
            None => "缺少必填字段".into(),
        };
    }
    if text.contains("query string") {
        return "查询参数不正确（如页码、数量应为数字），请检查地址".into();
    }
    if text.contains("parse the request body as JSON") || text.contains("EOF while parsing") {
        return "请求内容不是有效的 JSON".into();
    }
    if text.contains("invalid type") || text.contains("invalid value") || text.contains("unknown variant") {
        // "…target type: person: invalid type: …" names the field before the reason.
        let field = text
            .split(": invalid")
            .next()
            .and_then(|head| head.rsplit(": ").next())
            .filter(|f| !f.contains(' ') && !f.is_empty());
        return match field {
            Some(f) => format!("字段 {f} 的类型或取值不正确（金额为整数分，日期为 YYYY-MM-DD，编号为数字）"),
            None => "请求内容的类型或取值不正确".into(),
        };
    }
    "请求不正确，请检查后重试".into()
}

/// Rewrites a framework refusal (plain text, 400/413/415/422) into the application's Chinese answer.
pub async fn in_chinese(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let refused = matches!(status.as_u16(), 400 | 413 | 415 | 422);
    if !plain || !refused {
        return res;
    }
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024).await.unwrap_or_default();
    let message = chinese(status, &String::from_utf8_lossy(&bytes));
    if api {
        ApiError::coded(status, "bad_request", message).into_response()
    } else {
        (status, Html(crate::frame::message_page("请求不正确", &message))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axum_refusals_read_in_chinese() {
        let s = StatusCode::UNPROCESSABLE_ENTITY;
        assert_eq!(
            chinese(
                s,
                "Failed to deserialize the JSON body into the target type: missing field `due` at line 1 column 22"
            ),
            "缺少必填字段 due"
        );
        assert!(chinese(s, "Failed to deserialize the JSON body into the target type: person: invalid type: string \"8\", expected i64 at line 1 column 12").starts_with("字段 person 的类型"));
        assert_eq!(
            chinese(StatusCode::BAD_REQUEST, "Invalid URL: Cannot parse `abc` to a `i64`"),
            "地址中的“abc”应为数字编号"
        );
        assert!(chinese(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Expected request with `Content-Type: application/json`")
            .contains("JSON"));
        assert!(chinese(StatusCode::BAD_REQUEST, "Failed to parse the request body as JSON: expected value")
            .contains("不是有效的 JSON"));
        assert!(chinese(StatusCode::BAD_REQUEST, "Failed to deserialize query string: page: invalid digit")
            .contains("查询参数"));
        assert!(chinese(StatusCode::PAYLOAD_TOO_LARGE, "Failed to buffer the request body: length limit exceeded")
            .contains("过大"));
        for t in ["x", "Failed", ""] {
            assert!(!chinese(s, t).is_ascii(), "{t}");
        }
    }
}
