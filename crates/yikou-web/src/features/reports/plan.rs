//! 附表1 rebuilt from data: `/reports/plan` (a page that prints on A4 landscape) and
//! `/reports/plan.xlsx` (the government's layout: merged headers, 万元 as numbers, subtotals and total).
//! Money is rounded to hundredths of 万元 per project, and the subtotals and total are the sums of the
//! rounded lines, so that every printed column adds up.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use yikou_domain::money::group_thousands;
use yikou_domain::plan_table::LineKind;
use yikou_ingest::plan_sheet::{PlanRow, PlanSheet};
use yikou_service::reports as use_case;

use yikou_store::accounts::auth::SessionUser;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// Fen to hundredths of 万元 (1 = 100 元), rounded half up.
fn cents(fen: i64) -> i64 {
    (fen + 5_000).div_euclid(10_000)
}

async fn sheet(state: &AppState, s: &SessionUser) -> Result<PlanSheet, AppError> {
    let (campaign, table, facts) = use_case::plan_table(&state.store, &state.report_facts, &s.actor()).await?;
    let names = names(state).await?;
    let sources: Vec<String> = table.sources.iter().map(|c| names.source(c)).collect();
    let mut rows = Vec::new();
    let mut sums: Vec<i64> = vec![0; 3 + sources.len()];
    let mut total_sums: Vec<i64> = vec![0; 3 + sources.len()];
    let (mut no, mut in_group, mut projects) = (0, 0, 0);
    for line in &table.lines {
        match line.kind {
            LineKind::Project => {
                let p = &facts.projects[line.project.expect("a project line")];
                no += 1;
                in_group += 1;
                let money: Vec<i64> = [line.planned_fen, line.listed_fen, line.disbursed_fen]
                    .into_iter()
                    .chain(line.by_source_fen.iter().copied())
                    .map(cents)
                    .collect();
                for (a, b) in sums.iter_mut().zip(&money) {
                    *a += b;
                }
                rows.push(PlanRow {
                    bold: false,
                    texts: [
                        no.to_string(),
                        names.unit(&p.unit_code),
                        p.name.clone(),
                        p.targets.iter().map(|c| names.category(c)).collect::<Vec<_>>().join("、"),
                        p.standard.clone(),
                    ],
                    planned_times: line.planned_times,
                    listed_times: line.listed_times,
                    people: line.people,
                    wan_cents: money,
                });
            }
            LineKind::Subtotal => {
                for (a, b) in total_sums.iter_mut().zip(&sums) {
                    *a += b;
                }
                projects += in_group;
                rows.push(PlanRow {
                    bold: true,
                    texts: [
                        String::new(),
                        format!("{} 小计", line.group.label()),
                        format!("{in_group} 个项目"),
                        String::new(),
                        String::new(),
                    ],
                    planned_times: line.planned_times,
                    listed_times: line.listed_times,
                    people: line.people,
                    wan_cents: std::mem::replace(&mut sums, vec![0; 3 + sources.len()]),
                });
                in_group = 0;
            }
            LineKind::Total => rows.push(PlanRow {
                bold: true,
                texts: [String::new(), "合计".into(), format!("{projects} 个项目"), String::new(), String::new()],
                planned_times: line.planned_times,
                listed_times: line.listed_times,
                people: line.people,
                wan_cents: total_sums.clone(),
            }),
        }
    }
    let unit = names.unit(&s.user.unit_code);
    Ok(PlanSheet {
        title: format!("{}项目安排表", campaign.campaign.name),
        subtitle: format!(
            "（据系统数据生成，{unit}，{} ；人数按人去重；金额单位：万元）",
            yikou_domain::format_date(yikou_domain::today())
        ),
        sources,
        rows,
    })
}

pub struct Cells {
    pub bold: bool,
    pub texts: [String; 5],
    pub counts: [String; 3],
    pub money: Vec<String>,
}

#[derive(Template)]
#[template(path = "reports/plan.html")]
struct PlanPage {
    frame: Frame,
    title: String,
    subtitle: String,
    sources: Vec<String>,
    rows: Vec<Cells>,
}

/// `GET /reports/plan`.
pub async fn page(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    let sh = sheet(&state, &s).await?;
    let n = |v: i64| group_thousands(v.max(0) as u64);
    let rows = sh
        .rows
        .iter()
        .map(|r| Cells {
            bold: r.bold,
            texts: r.texts.clone(),
            counts: [n(r.planned_times), n(r.listed_times), n(r.people)],
            money: r
                .wan_cents
                .iter()
                .map(|c| format!("{}.{:02}", group_thousands((c / 100) as u64), c % 100))
                .collect(),
        })
        .collect();
    let page =
        PlanPage { frame: frame(&state, &s).await?, title: sh.title, subtitle: sh.subtitle, sources: sh.sources, rows };
    Ok(Html(page.render()?))
}

/// `GET /reports/plan.xlsx`.
pub async fn workbook(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    let sh = sheet(&state, &s).await?;
    let bytes = sh.to_xlsx().map_err(|e| AppError::Internal(format!("附表1无法生成：{e}")))?;
    let name = format!("{}.xlsx", sh.title);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, crate::csv::attachment(&name, "plan-table.xlsx")),
        ],
        bytes,
    )
        .into_response())
}
