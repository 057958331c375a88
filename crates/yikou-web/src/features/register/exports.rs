//! 帮困对象 export (CSV, masked, audited).

use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::json;

use super::pages::{person_row, PeopleParams};
use crate::csv::*;
use crate::session::*;
use crate::{AppError, AppState};

/// The register list.
pub async fn people(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<PeopleParams>,
) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let mut query = p.query(None, 500);
    let mut csv = Csv::new(&["姓名", "身份证号", "性别", "年龄", "电话", "街镇"]);
    loop {
        let (items, next) = yikou_service::register::search(&state.store, &s.actor(), &query).await?;
        for r in items.into_iter().map(person_row) {
            csv.row(&[&r.name, &r.id_number_masked, r.sex, &r.age, &r.phone, &r.street]);
        }
        match next {
            Some(n) if !csv.full() => query.after = Some(n),
            _ => break,
        }
    }
    let what = json!({ "q": query.q, "street": query.street, "category": query.category, "rows": csv.rows });
    audited(&state, &s, "person.export", "person", what).await?;
    Ok(csv.into_response("people.csv"))
}
