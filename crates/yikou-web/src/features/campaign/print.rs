//! 签收表: a project's roster for printing — every row the user's area holds (not one screen's page),
//! numbered, with the total, blank columns for the recipient's signature and date, and the sign-off
//! lines; the print stylesheet repeats the header on each sheet and numbers the pages. Printing a
//! whole roster is on record like an export.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::Fen;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// Rows on one printed sheet (A4 portrait, 11 pt, with the repeated header and the sheet's subtotal):
/// each sheet is its own table, so that its 本页小计 is the sum of exactly the rows above it.
const ROWS_PER_SHEET: usize = 20;

/// A printed roster stops here (a sheet of this many rows is already some 400 pages); the page
/// says so and how to print by street instead.
const MAX_PRINTED: usize = 20_000;

pub struct PrintRow {
    pub no: usize,
    pub name: String,
    pub id_masked: String,
    pub street: String,
    pub committee: String,
    pub household: String,
    pub amount: String,
}

/// One printed sheet: its rows and their subtotal.
pub struct Sheet {
    pub rows: Vec<PrintRow>,
    pub count: String,
    pub subtotal: String,
    pub last: bool,
}

#[derive(Template)]
#[template(path = "campaign/roster_print.html")]
struct RosterPrint {
    frame: Frame,
    id: i64,
    /// The project's name, for the way back.
    project: String,
    title: String,
    unit: String,
    campaign: String,
    printed_on: String,
    sheets: Vec<Sheet>,
    rows: usize,
    count: String,
    total: String,
    cut: bool,
    /// A per-household project prints 户内人数; a per-person one has no such column.
    households: bool,
    /// The columns before 金额 (for the subtotal rows' span).
    lead: usize,
}

pub async fn roster(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let (c, sp) = yikou_service::campaign::visible_project(&state.store, &scope, id).await?;
    let names = names(&state).await?;
    let (mut lines, mut after, mut cut) = (Vec::new(), 0i64, false);
    loop {
        let (page, next) = state.store.project_roster(&scope, id, after, 500).await?;
        for l in page {
            if lines.len() == MAX_PRINTED {
                cut = true;
                break;
            }
            lines.push(l);
        }
        match next {
            Some(n) if !cut => after = n,
            _ => break,
        }
    }
    // In the order the sheets are handed out: by street/town, then committee, then as listed.
    lines.sort_by(|a, b| (&a.street_code, &a.committee_code).cmp(&(&b.street_code, &b.committee_code)));
    let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
    let amounts: Vec<i64> = lines.iter().map(|l| l.amount_fen).collect();
    let rows: Vec<PrintRow> = lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| PrintRow {
            no: i + 1,
            name: l.name,
            id_masked: l.id_number_masked,
            street: l.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            committee: l.committee_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            household: l.household_size.map(|h| h.to_string()).unwrap_or_default(),
            amount: Fen(l.amount_fen).yuan(),
        })
        .collect();
    let households = sp.project.counting_unit == yikou_domain::CountingUnit::Household;
    let what = json!({ "project": sp.project.code, "rows": rows.len() });
    yikou_service::audit::record_export(&state.store, &s.actor(), "project.print", "project", &what).await?;
    let frame = frame(&state, &s).await?;
    let n = rows.len();
    let mut sheets: Vec<Sheet> = Vec::new();
    let mut rows = rows.into_iter();
    for chunk in amounts.chunks(ROWS_PER_SHEET) {
        let sheet_rows: Vec<PrintRow> = rows.by_ref().take(chunk.len()).collect();
        sheets.push(Sheet {
            count: group_thousands(sheet_rows.len() as u64),
            subtotal: Fen(chunk.iter().sum()).yuan(),
            rows: sheet_rows,
            last: false,
        });
    }
    if let Some(l) = sheets.last_mut() {
        l.last = true;
    }
    Ok(Html(
        RosterPrint {
            id,
            project: sp.project.name.clone(),
            title: format!("{}（{}）签收表", sp.project.name, sp.project.code),
            unit: frame.unit_name.clone(),
            campaign: c.campaign.name,
            printed_on: format_date_cn(yikou_domain::today()),
            count: group_thousands(n as u64),
            total: Fen(total).yuan(),
            sheets,
            rows: n,
            cut,
            households,
            lead: if households { 6 } else { 5 },
            frame,
        }
        .render()?,
    ))
}
