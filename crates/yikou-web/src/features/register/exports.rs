//! 帮困对象 export (Excel or CSV, masked, audited).

use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::json;

use super::pages::PeopleParams;
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

const PEOPLE: Export = Export { title: "帮困对象", ascii: "people" };

/// The register list with the filters in force; ID numbers and phones masked as on the page.
pub async fn people(
    State(state): State<AppState>,
    Signed(s): Signed,
    format: Format,
    Query(p): Query<PeopleParams>,
) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    // A filter typed wrong is refused, not dropped (an export of everyone instead of the ages asked for).
    let wrong: Vec<String> = p.problems().into_iter().map(|(_, m)| m).collect();
    if !wrong.is_empty() {
        return Err(AppError::Rejected(format!("{}：请改正筛选条件后再导出", wrong.join("；"))));
    }
    let names = names(&state).await?;
    // Registration order, so that the export can follow the list by key however the page sorts.
    let query = yikou_store::register::PeopleQuery {
        sort: Default::default(),
        desc: false,
        seek: yikou_store::register::Seek::First,
        ..p.query(500)
    };
    let rows = yikou_service::register::count(&state.store, &s.actor(), &query).await?;
    let mut table = Table::new(
        "帮困对象",
        vec![
            Column::new("姓名").wide(8),
            Column::new("身份证号").wide(22),
            Column::new("性别"),
            Column::new("年龄"),
            Column::new("电话").wide(14),
            Column::new("街镇").wide(12),
            Column::new("居委").wide(16),
            Column::new("类别").wide(24),
        ],
    );
    table.numbered = true;
    let filters = [
        // As the audit shows it: a whole number typed into the box is masked in the file's title too.
        (
            "姓名、身份证号或电话",
            match query.q.as_deref().map(yikou_domain::search::Needle::parse) {
                Some(Some(Ok(n))) => n.masked(),
                _ => query.q.clone().unwrap_or_default(),
            },
        ),
        ("街镇", query.street.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
        ("居委", query.committee.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
        ("类别", query.category.as_deref().map(|c| names.category(c)).unwrap_or_default()),
        (
            "年龄",
            match (query.age_min, query.age_max) {
                (None, None) => String::new(),
                (a, b) => format!(
                    "{}至{}岁",
                    a.map(|a| a.to_string()).unwrap_or_default(),
                    b.map(|b| b.to_string()).unwrap_or_default()
                ),
            },
        ),
    ];
    let (title, stem) = heading(&state, &s, &PEOPLE, &filters).await?;
    table.title = title;
    let what = json!({
        "q": query.q, "street": query.street, "committee": query.committee, "category": query.category,
        "age_min": query.age_min, "age_max": query.age_max, "rows": rows,
    });
    audited(&state, &s, "person.export", "person", what).await?;
    let actor = s.actor();
    Ok(streamed(table, format, &PEOPLE, &stem, move |out: Rows| async move {
        let mut query = query;
        loop {
            let (items, next) = yikou_service::register::export_page(&state.store, &actor, &query).await?;
            let page = items
                .into_iter()
                .map(|p| {
                    vec![
                        Value::text(p.name),
                        Value::id(p.id_number_masked),
                        Value::text(p.sex.label()),
                        p.age.map_or(Value::Empty, |a| Value::Int(a.into())),
                        Value::id(p.phone_masked.unwrap_or_default()),
                        Value::text(p.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
                        Value::text(p.committee_code.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
                        Value::text(p.categories.iter().map(|c| names.category(c)).collect::<Vec<_>>().join("、")),
                    ]
                })
                .collect();
            match out.then(page, next).await {
                Some(n) => query.seek = yikou_store::register::Seek::After(n),
                None => return Ok(()),
            }
        }
    }))
}
