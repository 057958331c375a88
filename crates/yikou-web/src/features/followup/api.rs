//! 随机电话回访 API (the contract of issue 15): calls, results, closing; and drawing a sample.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::followup::{CallAnswer, Reached, Received, SizeRule, Strata};
use yikou_service::followup as use_case;
use yikou_store::followup::{SampleFilter, SampleParams};

use crate::session::*;
use crate::{ApiError, ApiResult, AppState};

#[derive(Deserialize)]
pub struct NewSample {
    #[serde(default)]
    projects: Vec<i64>,
    #[serde(default)]
    streets: Vec<String>,
    #[serde(default)]
    units: Vec<String>,
    confidence: Option<f64>,
    margin: Option<f64>,
    design_factor: Option<f64>,
    size: Option<u64>,
    percent: Option<f64>,
    strata: Option<String>,
    min_per_stratum: Option<u64>,
    #[serde(default)]
    callers: Vec<String>,
    seed: u64,
}

/// Draws a sample: `{"sample", "seed", "population", "excluded_no_phone", "size", "strata": [...]}`.
pub async fn create(State(state): State<AppState>, ApiUser(u): ApiUser, Json(b): Json<NewSample>) -> ApiResult {
    let strata = match b.strata.as_deref() {
        None => Strata::Whole,
        Some(s) => Strata::from_code(s).ok_or_else(|| {
            ApiError::said_as(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_strata",
                "strata 须为 street、project 或 street,project",
            )
        })?,
    };
    let size = match (b.size, b.percent) {
        (Some(n), _) => SizeRule::Fixed(n),
        (None, Some(p)) => SizeRule::Percent(p),
        (None, None) => SizeRule::Formula {
            confidence: b.confidence.unwrap_or(95.0),
            margin: b.margin.unwrap_or(5.0),
            design_factor: b.design_factor.unwrap_or(1.5),
        },
    };
    let params = SampleParams {
        filter: SampleFilter { projects: b.projects, streets: b.streets, units: b.units, method: None },
        size,
        strata,
        min_per_stratum: b.min_per_stratum.unwrap_or(2),
        seed: b.seed,
        callers: b.callers,
    };
    let made = use_case::create_sample(&state.store, &u.actor(), None, &params).await.map_err(ApiError::said)?;
    Ok(Json(serde_json::to_value(&made).unwrap_or_default()))
}

#[derive(Deserialize)]
pub struct Call {
    entitlement: i64,
    reached: String,
    received: Option<String>,
    amount_fen: Option<i64>,
    satisfaction: Option<u8>,
    needs: Option<String>,
    remarks: Option<String>,
}

/// Records a call: `{"call": ID, "case": ID|null}`.
pub async fn call(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(c): Json<Call>,
) -> ApiResult {
    let bad = |m: &str| ApiError::said_as(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m.to_string());
    let reached = Reached::from_code(&c.reached).ok_or_else(|| bad("reached 须为 yes、no 或 wrong_number"))?;
    let received = c
        .received
        .as_deref()
        .map(|r| Received::from_code(r).ok_or_else(|| bad("received 须为 full、partly、none 或 not_person")))
        .transpose()?;
    let answer = CallAnswer {
        reached,
        received,
        amount_fen: c.amount_fen,
        satisfaction: c.satisfaction,
        needs: c.needs,
        remarks: c.remarks,
    };
    match use_case::record_call(&state.store, &u.actor(), id, c.entitlement, &answer).await {
        Ok((call, case)) => Ok(Json(json!({ "call": call, "case": case }))),
        Err(e) => Err(ApiError::said(e)),
    }
}

/// `{"size", "called", "reached", "confirmed", "discrepancies", "discrepancy_rate", "ci95": [lo, hi],
/// "open_cases", "strata": [...]}`.
pub async fn results(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let r = use_case::results(&state.store, &u.actor(), id).await.map_err(ApiError::said)?;
    let t = &r.total;
    let strata: Vec<_> = r
        .strata
        .iter()
        .map(|s| {
            json!({ "key": s.key, "size": s.size, "called": s.called, "reached": s.reached, "confirmed": s.confirmed,
                    "discrepancies": s.discrepancies, "discrepancy_rate": s.discrepancy_rate, "ci95": [s.ci95.0, s.ci95.1],
                    "satisfaction": s.satisfaction })
        })
        .collect();
    Ok(Json(json!({
        "size": t.size, "called": t.called, "reached": t.reached, "confirmed": t.confirmed,
        "discrepancies": t.discrepancies, "discrepancy_rate": t.discrepancy_rate, "ci95": [t.ci95.0, t.ci95.1],
        "satisfaction": t.satisfaction, "open_cases": r.open_cases, "strata": strata,
    })))
}

#[derive(Deserialize, Default)]
pub struct Close {
    reason: Option<String>,
}

/// Closes the sample: 409 with the open cases listed unless none is open or the bureau gives a reason.
pub async fn close(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Option<Json<Close>>,
) -> ApiResult {
    let reason = body.and_then(|Json(c)| c.reason);
    match use_case::close(&state.store, &u.actor(), id, reason.as_deref()).await {
        Ok(c) => Ok(Json(json!({ "sample": c.sample, "state": "closed", "open_cases": c.open_cases }))),
        Err(e) => {
            let open = state.store.sample_cases(&u.actor().scope, id).await.unwrap_or_default();
            let open: Vec<i64> = open.iter().filter(|c| c.state == "open").map(|c| c.id).collect();
            Err(ApiError::said(e).with("open_cases", json!(open)))
        }
    }
}
