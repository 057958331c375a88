//! 走访、服务与卡券汇总 `/reports/care`: visits, services and hotline requests by street (people once
//! in the total), charity vouchers by batch — issued, redeemed, expired, not yet given — with the
//! export and `GET /api/v1/reports/care`.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use axum::Json;
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::Fen;
use yikou_service::reports as use_case;
use yikou_store::report::care::CareRow;

use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{ApiResult, AppError, AppState};

/// A row as shown: the street's name and its figures.
pub struct Line {
    pub street: String,
    pub cells: [String; 7],
}

fn line(name: String, r: &CareRow) -> Line {
    let n = |v: i64| group_thousands(v.max(0) as u64);
    Line {
        street: name,
        cells: [
            n(r.visits),
            n(r.visited_people),
            Fen(r.visit_value_fen).yuan(),
            n(r.deliveries),
            n(r.served_people),
            n(r.requests),
            n(r.requests_closed),
        ],
    }
}

#[derive(Template)]
#[template(path = "reports/care.html")]
struct CarePage {
    frame: Frame,
    year: i32,
    lines: Vec<Line>,
    total: Line,
    /// (batch, supermarket, face value, valid until, made, issued, redeemed, expired, unissued, redeemed value).
    vouchers: Vec<[String; 10]>,
}

pub async fn page(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    let care = use_case::care(&state.store, &s.actor()).await?;
    let names = names(&state).await?;
    let street = |c: &Option<String>| c.as_deref().map_or_else(|| "未登记街镇".to_string(), |c| names.unit(c));
    let lines = care.streets.iter().map(|r| line(street(&r.street), r)).collect();
    let vouchers = care
        .vouchers
        .iter()
        .map(|v| {
            [
                v.name.clone(),
                v.supermarket.clone(),
                Fen(v.face_value_fen).yuan(),
                v.valid_until.clone(),
                v.made.to_string(),
                v.issued.to_string(),
                v.redeemed.to_string(),
                v.expired.to_string(),
                v.unissued.to_string(),
                Fen(v.face_value_fen * v.redeemed).yuan(),
            ]
        })
        .collect();
    let page = CarePage {
        frame: frame(&state, &s).await?,
        year: care.year,
        lines,
        total: line("合计".into(), &care.total),
        vouchers,
    };
    Ok(Html(page.render()?))
}

const CARE: Export = Export { title: "走访与服务汇总", ascii: "care-summary" };

/// `GET /reports/care.xlsx` (and .csv): the street table (the total counts people once, so it is
/// the store's, not a sum of the rows).
pub async fn export(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    let care = use_case::care(&state.store, &s.actor()).await?;
    let names = names(&state).await?;
    let mut table = Table::new(
        "走访与服务",
        vec![
            Column::new("街镇"),
            Column::new("走访人次"),
            Column::new("走访人数"),
            Column::new("慰问金及物资（元）"),
            Column::new("上门服务（条）"),
            Column::new("服务人数"),
            Column::new("热线求助（件）"),
            Column::new("已办结（件）"),
        ],
    );
    for r in care.streets.iter().chain(std::iter::once(&care.total)) {
        let name = if std::ptr::eq(r, &care.total) {
            "合计".to_string()
        } else {
            r.street.as_deref().map_or_else(|| "未登记街镇".to_string(), |c| names.unit(c))
        };
        table.push(vec![
            Value::text(name),
            Value::Int(r.visits),
            Value::Int(r.visited_people),
            Value::Money(Fen(r.visit_value_fen)),
            Value::Int(r.deliveries),
            Value::Int(r.served_people),
            Value::Int(r.requests),
            Value::Int(r.requests_closed),
        ]);
    }
    audited(&state, &s, "report.export", "campaign", json!({ "report": "care", "rows": table.rows.len() })).await?;
    let (title, stem) = heading(&state, &s, &CARE, &[]).await?;
    table.title = title;
    respond(table, format, &CARE, &stem)
}

/// `GET /api/v1/reports/care` → `{"year", "streets": [...], "total", "vouchers": [...]}`.
pub async fn api(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    Ok(Json(json!(use_case::care(&state.store, &u.actor()).await?)))
}
