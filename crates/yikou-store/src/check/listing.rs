//! The kept run one list at a time, as the 比对核查 page shows it: how many findings of each kind
//! wait or are decided, which findings one list holds (their positions, in the run's order), the
//! findings of one page, one finding by its key — each read within the reader's area, with the
//! reviewers' decisions joined on (a decision holds while the facts it was made on stay the same).
//! At city scale a page reads fifty findings, not 240,890.

use time::Date;
use yikou_domain::{FindingKind, Scope};

use super::stored::Body;
use super::{decisions, CheckCounts, Finding};
use crate::{on_db, Result, Store, StoreError};

/// When and how the kept run was made.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub rules_version: i64,
    /// UTC, RFC 3339 (pages show Beijing time).
    pub computed_at: String,
    /// Seconds spent reading the rows, and running the rules and building the findings.
    pub read_seconds: f64,
    pub check_seconds: f64,
    /// The whole district's counts (the engine's own).
    pub counts: CheckCounts,
}

/// The findings of one kind within an area: how many wait for a decision (open or reopened) and
/// how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindCount {
    pub kind: FindingKind,
    pub open: u64,
    pub total: u64,
}

/// `1` for a finding decided on its present facts, `0` for one that waits (open, or reopened since
/// its facts changed); over `check_findings cf LEFT JOIN finding_decisions d`.
const DECIDED: &str = "(CASE WHEN d.facts = cf.facts THEN 1 ELSE 0 END)";
const JOINED: &str = "check_findings cf LEFT JOIN finding_decisions d
     ON d.campaign_id = cf.campaign_id AND d.finding_key = cf.finding_key";

impl Store {
    /// Makes sure the campaign's kept run is current (runs it again, once for everyone waiting in
    /// this process, when a commit changed what it reads or the check date moved on), and says
    /// when and how it was made.
    pub async fn ensure_check(&self, campaign_id: i64, on: Date) -> Result<RunInfo> {
        if let Some(info) = self.run_info(campaign_id, on, Some(self.check_version().await?)).await? {
            return Ok(info);
        }
        let _one = self.check_refresh.lock().await;
        let version = self.check_version().await?;
        if let Some(info) = self.run_info(campaign_id, on, Some(version)).await? {
            return Ok(info);
        }
        let report = self.refresh_check_at(campaign_id, on, version).await?;
        Ok(RunInfo {
            rules_version: report.rules_version,
            computed_at: report.computed_at,
            read_seconds: report.read_seconds,
            check_seconds: report.check_seconds,
            counts: report.counts,
        })
    }

    /// Is the campaign's kept run current (made for `on`, and nothing it reads changed since)? One
    /// small read: for a server's timer.
    pub async fn check_is_current(&self, campaign_id: i64, on: Date) -> Result<bool> {
        Ok(self.run_info(campaign_id, on, Some(self.check_version().await?)).await?.is_some())
    }

    /// The kept run's facts if it was made for `on` (and, when given, at `version`).
    pub(super) async fn run_info(&self, campaign_id: i64, on: Date, version: Option<i64>) -> Result<Option<RunInfo>> {
        type Row = (i64, String, i64, String, f64, f64, String);
        let run: Option<Row> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT CAST(check_seq AS BIGINT), check_date, CAST(rules_version AS BIGINT), computed_at, read_seconds,
               check_seconds, counts_json FROM check_runs WHERE campaign_id = $1")
            .bind(campaign_id).fetch_optional(p).await?);
        let Some((seq, date, rules_version, computed_at, read, check, counts)) = run else { return Ok(None) };
        if date != yikou_domain::format_date(on) || version.is_some_and(|v| v != seq) {
            return Ok(None);
        }
        let counts =
            serde_json::from_str(&counts).map_err(|e| StoreError::Invalid(format!("保存的比对计数无法读取：{e}")))?;
        Ok(Some(RunInfo { rules_version, computed_at, read_seconds: read, check_seconds: check, counts }))
    }

    /// Per kind of finding (in report order, only kinds that occur), how many of the kept run's
    /// findings within the scope wait and how many there are.
    pub async fn check_kinds(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<KindCount>> {
        let (cond, arg) = crate::scope::findings(scope, 2);
        let sql = format!(
            "SELECT cf.kind, COUNT(*), CAST(SUM({DECIDED}) AS BIGINT) FROM {JOINED}
             WHERE cf.campaign_id = $1 AND {cond} GROUP BY cf.kind"
        );
        let rows: Vec<(String, i64, i64)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let mut out: Vec<KindCount> = rows
            .into_iter()
            .filter_map(|(code, total, decided)| {
                let kind = FindingKind::from_code(&code)?;
                Some(KindCount { kind, open: (total - decided).max(0) as u64, total: total.max(0) as u64 })
            })
            .collect();
        out.sort_by_key(|k| FindingKind::ALL.iter().position(|x| *x == k.kind));
        Ok(out)
    }

    /// The positions of the kept run's findings of `kind` within the scope that wait (`decided`
    /// false) or are decided, in the run's order.
    pub async fn check_list(
        &self,
        scope: &Scope,
        campaign_id: i64,
        kind: FindingKind,
        decided: bool,
    ) -> Result<Vec<i64>> {
        let (cond, arg) = crate::scope::findings(scope, 4);
        let sql = format!(
            "SELECT cf.position FROM {JOINED}
             WHERE cf.campaign_id = $1 AND cf.kind = $2 AND {DECIDED} = $3 AND {cond} ORDER BY cf.position"
        );
        Ok(on_db!(&self.db, p => {
            let q = sqlx::query_scalar(&sql).bind(campaign_id).bind(kind.code()).bind(i64::from(decided));
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        }))
    }

    /// The kept run's findings at these positions that lie within the scope, in the run's order,
    /// with the decisions on them.
    pub async fn check_findings_at(&self, scope: &Scope, campaign_id: i64, positions: &[i64]) -> Result<Vec<Finding>> {
        if positions.is_empty() {
            return Ok(Vec::new());
        }
        let list = positions.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        Ok(self
            .read_kept(scope, campaign_id, &format!("cf.position IN ({list})"), None)
            .await?
            .into_iter()
            .map(|(_, f)| f)
            .collect())
    }

    /// One finding of the kept run by its key, if it lies within the scope, with the decision on it;
    /// and its position.
    pub async fn check_finding(&self, scope: &Scope, campaign_id: i64, key: &str) -> Result<Option<(i64, Finding)>> {
        Ok(self.read_kept(scope, campaign_id, "cf.finding_key = $3", Some(key)).await?.pop())
    }

    pub(super) async fn read_kept(
        &self,
        scope: &Scope,
        campaign_id: i64,
        which: &str,
        key: Option<&str>,
    ) -> Result<Vec<(i64, Finding)>> {
        let (cond, arg) = crate::scope::findings(scope, 2);
        // The area's value is bound second even when its condition needs none.
        let sql = format!(
            "SELECT cf.position, cf.finding_key, cf.body FROM check_findings cf
             WHERE cf.campaign_id = $1 AND ($2 = $2) AND {which} AND {cond} ORDER BY cf.position"
        );
        let rows: Vec<(i64, String, String)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id).bind(arg.clone().unwrap_or_default());
            let q = match key { Some(k) => q.bind(k.to_string()), None => q };
            q.fetch_all(p).await?
        });
        let (mut positions, mut findings) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
        for (position, key, body) in rows {
            let body: Body = serde_json::from_str(&body)
                .map_err(|e| StoreError::Invalid(format!("保存的比对结果无法读取（{key}）：{e}")))?;
            positions.push(position);
            findings.push(body.finding(key));
        }
        decisions::attach_decisions(self, campaign_id, &mut findings).await?;
        Ok(positions.into_iter().zip(findings).collect())
    }
}
