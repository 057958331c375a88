//! 各成员单位总结 as stored: one report per (campaign, unit), replaced when filed again (audited
//! `report.unit_file` with the version and the figures; the text itself stays in the table).

use serde::Serialize;
use serde_json::json;

use crate::{now, on_db, on_tx, Result, Store, WriteTx};

/// A unit's report as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitReport {
    pub unit_code: String,
    pub body: String,
    /// The figures as they stood when filed (`yikou_domain::report::Figures` as JSON).
    pub figures_json: String,
    pub filed_by: String,
    pub filed_at: String,
    pub version: i64,
}

/// Files (or files again) the unit's report for the campaign: the version it now has.
pub async fn file_unit_report(
    tx: &mut WriteTx<'_>,
    campaign_id: i64,
    unit: &str,
    body: &str,
    figures_json: &str,
) -> Result<i64> {
    crate::atomic!(tx, {
        let before: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT CAST(version AS BIGINT) FROM unit_reports WHERE campaign_id = $1 AND unit_code = $2")
            .bind(campaign_id).bind(unit).fetch_optional(c).await?);
        let version = before.unwrap_or(0) + 1;
        let (login, at) = (tx.actor().login.clone(), now());
        on_tx!(&mut tx.tx, c => sqlx::query(
            "DELETE FROM unit_reports WHERE campaign_id = $1 AND unit_code = $2")
            .bind(campaign_id).bind(unit).execute(c).await?.rows_affected());
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO unit_reports (campaign_id, unit_code, body, figures_json, filed_by, filed_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(campaign_id).bind(unit).bind(body).bind(figures_json).bind(&login).bind(&at).bind(version)
            .execute(c).await?.rows_affected());
        tx.audit(
            "report.unit_file",
            "unit",
            unit,
            before.map(|v| json!({ "version": v })).as_ref(),
            Some(&json!({ "version": version, "campaign": campaign_id, "characters": body.chars().count() })),
        )
        .await?;
        Ok(version)
    })
}

impl Store {
    /// The reports filed for a campaign, by unit code.
    pub async fn unit_reports(&self, campaign_id: i64) -> Result<Vec<UnitReport>> {
        let rows: Vec<(String, String, String, String, String, i64)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT unit_code, body, figures_json, filed_by, filed_at, CAST(version AS BIGINT) FROM unit_reports
             WHERE campaign_id = $1 ORDER BY unit_code")
            .bind(campaign_id).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(unit_code, body, figures_json, filed_by, filed_at, version)| UnitReport {
                unit_code,
                body,
                figures_json,
                filed_by,
                filed_at,
                version,
            })
            .collect())
    }
}
