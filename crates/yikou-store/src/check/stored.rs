//! The cross-check computed once and kept: a run's findings are stored per campaign (replacing the
//! last run's), and read back within the reader's area with the reviewers' decisions attached. A
//! stored run is current while no commit since changed what the check reads (`audit_head.check_seq`,
//! moved by every data-changing commit except decisions on findings, which are attached on reading)
//! and its check date is today's. Otherwise the first reader computes it again — once, however many
//! ask at the same time in this process — and every other reader gets the stored run.

use serde::{Deserialize, Serialize};
use time::Date;
use yikou_domain::{format_date, FindingKind, FindingStatus, Scope, Severity};

use super::{CheckCounts, CheckReport, Finding, FindingPerson};
use crate::{on_db, on_tx, Result, Store, StoreError};

/// A finding as stored: everything but its key (a column of its own) and the decision on it.
#[derive(Serialize, Deserialize)]
pub(super) struct Body {
    kind: FindingKind,
    severity: Severity,
    explanation: String,
    street: Option<String>,
    /// (id, name, masked ID number, street)
    people: Vec<(i64, String, String, Option<String>)>,
    projects: Vec<String>,
    entitlements: Vec<i64>,
    facts: String,
}

impl Body {
    fn of(f: &Finding) -> Body {
        Body {
            kind: f.kind,
            severity: f.severity,
            explanation: f.explanation.clone(),
            street: f.street_code.clone(),
            people: f
                .people
                .iter()
                .map(|p| (p.id, p.name.clone(), p.id_number_masked.clone(), p.street_code.clone()))
                .collect(),
            projects: f.projects.clone(),
            entitlements: f.entitlements.clone(),
            facts: f.facts.clone(),
        }
    }

    pub(super) fn finding(self, key: String) -> Finding {
        Finding {
            key,
            kind: self.kind,
            severity: self.severity,
            explanation: self.explanation,
            street_code: self.street,
            people: self
                .people
                .into_iter()
                .map(|(id, name, id_number_masked, street_code)| FindingPerson {
                    id,
                    name,
                    id_number_masked,
                    street_code,
                })
                .collect(),
            projects: self.projects,
            entitlements: self.entitlements,
            facts: self.facts,
            status: FindingStatus::Open,
            reason: None,
            decided_by: None,
            decided_at: None,
        }
    }
}

impl Store {
    /// The audit sequence number of the last commit that changed what the cross-check reads.
    pub async fn check_version(&self) -> Result<i64> {
        let v: Option<i64> = on_db!(&self.db, p => sqlx::query_scalar("SELECT CAST(check_seq AS BIGINT) FROM audit_head WHERE id = 1")
            .fetch_optional(p).await?);
        Ok(v.unwrap_or(0))
    }

    /// The campaign's findings within the scope as of now: the stored run when it is current,
    /// otherwise the check run again (once in this process however many ask) and kept.
    pub async fn current_check(&self, scope: &Scope, campaign_id: i64, on: Date) -> Result<CheckReport> {
        if let Some(r) = self.stored_check(scope, campaign_id, on, self.check_version().await?).await? {
            return Ok(r);
        }
        let _one = self.check_refresh.lock().await;
        // Someone else may have run it while this one waited.
        let version = self.check_version().await?;
        if let Some(r) = self.stored_check(scope, campaign_id, on, version).await? {
            return Ok(r);
        }
        let mut report = self.refresh_check_at(campaign_id, on, version).await?;
        report.keep_within(scope);
        Ok(report)
    }

    /// Runs the check over the campaign now and keeps its findings (the whole district's), unless a
    /// run of newer data was kept meanwhile. Returns the run.
    pub async fn refresh_check(&self, campaign_id: i64, on: Date) -> Result<CheckReport> {
        let _one = self.check_refresh.lock().await;
        let version = self.check_version().await?;
        self.refresh_check_at(campaign_id, on, version).await
    }

    /// Runs and keeps; `version` was read before the rows, so a commit racing the run leaves the kept
    /// run older than the data, never newer (it is run again on the next read).
    pub(super) async fn refresh_check_at(&self, campaign_id: i64, on: Date, version: i64) -> Result<CheckReport> {
        let report = self.run_check(campaign_id, on).await?;
        self.keep_check(campaign_id, on, version, &report).await?;
        Ok(report)
    }

    /// Replaces the campaign's stored run by this one in one transaction. Not audited: the findings
    /// are derived from audited data and are computed again from it at will.
    async fn keep_check(&self, campaign_id: i64, on: Date, version: i64, report: &CheckReport) -> Result<()> {
        let started = std::time::Instant::now();
        let counts = serde_json::to_string(&report.counts).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut rows = Vec::with_capacity(report.findings.len());
        let mut streets = Vec::new();
        for (i, f) in report.findings.iter().enumerate() {
            let body = serde_json::to_string(&Body::of(f)).map_err(|e| StoreError::Invalid(e.to_string()))?;
            rows.push((i as i64, f.key.as_str(), f.kind.code(), f.facts.as_str(), body));
            let mut named: Vec<&str> = f.people.iter().filter_map(|p| p.street_code.as_deref()).collect();
            named.sort_unstable();
            named.dedup();
            streets.extend(named.into_iter().map(|s| (s, i as i64)));
        }
        let mut tx = self.db.begin().await?;
        // The run's row first: on PostgreSQL it is the lock two keepers of the same campaign queue on,
        // and the one with older data keeps nothing.
        let taken = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO check_runs (campaign_id, check_seq, check_date, rules_version, computed_at, read_seconds,
               check_seconds, counts_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (campaign_id) DO UPDATE SET check_seq = excluded.check_seq, check_date = excluded.check_date,
               rules_version = excluded.rules_version, computed_at = excluded.computed_at,
               read_seconds = excluded.read_seconds, check_seconds = excluded.check_seconds,
               counts_json = excluded.counts_json
             WHERE check_runs.check_seq <= excluded.check_seq")
            .bind(campaign_id).bind(version).bind(format_date(on)).bind(report.rules_version).bind(&report.computed_at)
            .bind(report.read_seconds).bind(report.check_seconds).bind(&counts)
            .execute(c).await?.rows_affected());
        if taken == 0 {
            return Ok(());
        }
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM check_finding_streets WHERE campaign_id = $1")
            .bind(campaign_id).execute(c).await?.rows_affected());
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM check_findings WHERE campaign_id = $1")
            .bind(campaign_id).execute(c).await?.rows_affected());
        crate::dialect::insert_check_findings(&mut tx, campaign_id, &rows, &streets).await?;
        tx.commit().await?;
        tracing::info!(ms = started.elapsed().as_millis() as u64, findings = rows.len(), "check: findings kept");
        Ok(())
    }

    /// The stored run of the campaign if it is current (kept at `version` for the check date `on`),
    /// with its findings within the scope and the reviewers' decisions on them.
    pub async fn stored_check(
        &self,
        scope: &Scope,
        campaign_id: i64,
        on: Date,
        version: i64,
    ) -> Result<Option<CheckReport>> {
        let Some(run) = self.run_info(campaign_id, on, Some(version)).await? else {
            return Ok(None);
        };
        let findings: Vec<Finding> =
            self.read_kept(scope, campaign_id, "1 = 1", None).await?.into_iter().map(|(_, f)| f).collect();
        let counts = if *scope == Scope::All { run.counts } else { CheckCounts::of(&findings) };
        Ok(Some(CheckReport {
            rules_version: run.rules_version,
            counts,
            findings,
            read_seconds: run.read_seconds,
            check_seconds: run.check_seconds,
            computed_at: run.computed_at,
        }))
    }
}
