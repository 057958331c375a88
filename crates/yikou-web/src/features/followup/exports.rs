//! 回访结果 export (Excel or CSV, audited): the results by stratum — size, called, reached, confirmed,
//! discrepancies, 问题率 with its 95% interval, satisfaction — with the total row.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use crate::csv::*;
use crate::session::*;
use crate::{AppError, AppState};

const RESULTS: Export = Export { title: "电话回访结果", ascii: "followup" };

pub async fn results(
    State(state): State<AppState>,
    Signed(s): Signed,
    format: Format,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let r = yikou_service::followup::results(&state.store, &s.actor(), id).await?;
    let head = state.store.sample(id).await?.ok_or(AppError::NotFound)?;
    let labels = super::report::Labels::load(&state, &s.actor(), head.campaign_id).await?;
    let mut table = Table::new(
        "回访结果",
        vec![
            Column::new("层"),
            Column::summed("样本"),
            Column::summed("已拨打"),
            Column::summed("接通"),
            Column::summed("未接通"),
            Column::summed("号码有误"),
            Column::summed("足额收到"),
            Column::summed("部分收到"),
            Column::summed("未收到"),
            Column::summed("非本人"),
            Column::summed("有问题"),
            Column::new("问题率（%）"),
            Column::new("95%置信区间下限（%）"),
            Column::new("95%置信区间上限（%）"),
            Column::new("满意度（1–5分）"),
        ],
    );
    for x in r.strata.iter() {
        table.push(vec![
            Value::text(labels.stratum(&x.key)),
            Value::Int(x.size as i64),
            Value::Int(x.called as i64),
            Value::Int(x.reached as i64),
            Value::Int(x.not_reached as i64),
            Value::Int(x.wrong_number as i64),
            Value::Int(x.confirmed as i64),
            Value::Int(x.partly as i64),
            Value::Int(x.none as i64),
            Value::Int(x.not_person as i64),
            Value::Int(x.discrepancies as i64),
            Value::Decimal(x.discrepancy_rate * 100.0, 1),
            Value::Decimal(x.ci95.0 * 100.0, 1),
            Value::Decimal(x.ci95.1 * 100.0, 1),
            x.satisfaction.map_or(Value::Empty, |v| Value::Decimal(v, 2)),
        ]);
    }
    table.numbered = true;
    table.totals = true;
    let t = &r.total;
    let (title, stem) = heading(
        &state,
        &s,
        &RESULTS,
        &[
            ("样本", format!("第 {id} 号")),
            (
                "合计问题率",
                format!(
                    "{:.1}%（95%置信区间 {:.1}%–{:.1}%）",
                    t.discrepancy_rate * 100.0,
                    t.ci95.0 * 100.0,
                    t.ci95.1 * 100.0
                ),
            ),
            ("未办结问题件", r.open_cases.to_string()),
        ],
    )
    .await?;
    table.title = title;
    let stem = format!("{stem}_第{id}号样本");
    audited(&state, &s, "followup.export", "sample", json!({ "sample": id, "rows": table.rows.len() })).await?;
    respond(table, format, &RESULTS, &stem)
}
