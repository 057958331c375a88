//! CSV exports: a file Excel opens (UTF-8 with BOM, cells that cannot start a formula), each export audited.

use axum::response::{IntoResponse, Response};
use yikou_store::accounts::auth::SessionUser;

use crate::{AppError, AppState};

/// More rows than this are not written into one file (Excel's own limit is 1,048,576).
pub(crate) const MAX_ROWS: usize = 200_000;

/// A CSV download Excel opens as is: UTF-8 with a BOM, CRLF, every cell quoted, and a cell that
/// starts like a formula (= + - @) prefixed with ' so Excel shows it as text.
pub(crate) struct Csv {
    text: String,
    pub(crate) rows: usize,
}

impl Csv {
    pub(crate) fn new(header: &[&str]) -> Csv {
        // The header is the program's own text: written as is.
        Csv { text: format!("\u{feff}{}\r\n", header.join(",")), rows: 0 }
    }

    pub(crate) fn row(&mut self, cells: &[&str]) {
        let quoted: Vec<String> = cells
            .iter()
            .map(|v| {
                let v = if v.starts_with(['=', '+', '-', '@']) { format!("'{v}") } else { v.to_string() };
                format!("\"{}\"", v.replace('"', "\"\""))
            })
            .collect();
        self.text.push_str(&quoted.join(","));
        self.text.push_str("\r\n");
        self.rows += 1;
    }

    pub(crate) fn full(&self) -> bool {
        self.rows >= MAX_ROWS
    }

    pub(crate) fn into_response(self, file_name: &str) -> Response {
        (
            [
                (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            ],
            self.text,
        )
            .into_response()
    }
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
