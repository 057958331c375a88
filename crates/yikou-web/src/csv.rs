//! Exports: every 导出Excel builds one typed table ([`Table`]) and hands it out as a real workbook
//! (`…/export.xlsx`: a title block naming unit, campaign, time and filters, typed cells, 序号 and
//! 合计) or as the CSV beside it (`…/export.csv`: UTF-8 with BOM, cells that cannot start a
//! formula, the same columns as always). Both carry a Chinese file name, and each export is audited
//! the same way whichever file is taken.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use yikou_store::accounts::auth::SessionUser;

pub(crate) use yikou_ingest::sheet::{Column, Table, Value};

use crate::frame::{campaign_line, encode, names, unix_text};
use crate::{AppError, AppState};

/// More rows than this are not written into one file (Excel's own limit is 1,048,576).
pub(crate) const MAX_ROWS: usize = 200_000;

/// Has the table as many rows as one file takes?
pub(crate) fn full(t: &Table) -> bool {
    t.rows.len() >= MAX_ROWS
}

/// Which file was asked for: read from the path, so one handler serves `export.csv` and
/// `export.xlsx` alike (same checks, same table, same audit record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

impl Format {
    fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(if parts.uri.path().ends_with(".xlsx") { Format::Xlsx } else { Format::Csv })
    }
}

/// What an export is: its Chinese title (帮困对象, 比对核查疑点 …) and the ASCII name older tools
/// and the CSV always used (people, findings …).
pub(crate) struct Export<'a> {
    pub title: &'a str,
    pub ascii: &'a str,
}

/// The title block above the header — "古美街道帮困对象", the campaign, when and by whom, the
/// filters in force — and the file's name without extension: "古美街道帮困对象_2026-12-02".
pub(crate) async fn heading(
    state: &AppState,
    s: &SessionUser,
    what: &Export<'_>,
    filters: &[(&str, String)],
) -> Result<(Vec<String>, String), AppError> {
    let unit = names(state).await?.unit(&s.user.unit_code);
    let mut lines = vec![format!("{unit}{}", what.title)];
    if let Some(c) = campaign_line(state).await? {
        lines.push(format!("帮困活动：{c}"));
    }
    let now = unix_text(time::OffsetDateTime::now_utc().unix_timestamp());
    lines.push(format!("导出时间：{now}（北京时间） 导出人：{}", s.user.display_name));
    let set: Vec<String> = filters.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}：{v}")).collect();
    lines.push(if set.is_empty() {
        "筛选条件：无（全部）".into()
    } else {
        format!("筛选条件：{}", set.join("；"))
    });
    let today = yikou_domain::today();
    Ok((lines, format!("{unit}{}_{today}", what.title)))
}

/// A download's Content-Disposition: the Chinese `name` (RFC 5987) and an ASCII `fallback` for old
/// clients, kept to characters every client takes in a quoted header value.
pub(crate) fn attachment(name: &str, fallback: &str) -> String {
    let ascii: String =
        fallback.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encode(name))
}

/// The table as the file asked for, named `<stem>.<ext>` (with an ASCII fallback for old clients).
pub(crate) fn respond(table: &Table, format: Format, what: &Export<'_>, stem: &str) -> Result<Response, AppError> {
    let ext = format.ext();
    let disposition = attachment(&format!("{stem}.{ext}"), &format!("{}_{}.{ext}", what.ascii, yikou_domain::today()));
    let (kind, body) = match format {
        Format::Csv => ("text/csv; charset=utf-8", table.to_csv().into_bytes()),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            table.to_xlsx().map_err(|e| AppError::Internal(format!("writing the workbook: {e}")))?,
        ),
    };
    Ok(([(CONTENT_TYPE, kind.to_string()), (CONTENT_DISPOSITION, disposition)], body).into_response())
}

/// Records who exported what (the filters in force and how many rows).
pub(crate) async fn audited(
    state: &AppState,
    s: &SessionUser,
    action: &str,
    entity: &str,
    what: serde_json::Value,
) -> Result<(), AppError> {
    Ok(yikou_service::audit::record_export(&state.store, &s.actor(), action, entity, &what).await?)
}
