//! Reviewers' decisions on findings: recorded (confirmed, or dismissed with a reason) and attached
//! to a run's findings, where they hold while the facts stay the same.

use std::collections::HashMap;

use serde_json::json;
use yikou_domain::{FindingKind, FindingStatus};

use super::Finding;
use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// Names the import files (and batches) of the rosters that listed a person under another name
/// (near-duplicates by name): the reviewer can go back to the list that was filled in.
pub(super) async fn attach_roster_files(store: &Store, findings: &mut [Finding]) -> Result<()> {
    let named = |f: &Finding| f.kind == FindingKind::NearDuplicates && f.key.starts_with("near_duplicates:name:");
    let ids: Vec<i64> = findings.iter().filter(|f| named(f)).flat_map(|f| f.entitlements.iter().copied()).collect();
    let mut files: HashMap<i64, (String, String)> = HashMap::new();
    for part in ids.chunks(500) {
        let list = part.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let got: Vec<(i64, String, String)> = on_db!(&store.db, p => sqlx::query_as(&format!(
            "SELECT e.id, b.file_name, b.batch_no FROM entitlements e JOIN import_batches b ON b.id = e.batch_id
             WHERE e.id IN ({list})")).fetch_all(p).await?);
        files.extend(got.into_iter().map(|(id, file, batch)| (id, (file, batch))));
    }
    for f in findings.iter_mut().filter(|f| named(f)) {
        let mut from: Vec<String> = f
            .entitlements
            .iter()
            .filter_map(|id| files.get(id))
            .map(|(file, batch)| format!("“{file}”（批次{batch}）"))
            .collect();
        from.sort();
        from.dedup();
        if !from.is_empty() {
            f.explanation.push_str(&format!("。名单来自导入文件{}", from.join("、")));
        }
    }
    Ok(())
}

/// Decisions: kept while the facts are the same; reopened when they changed. Either way the
/// finding tells who decided last and when.
pub(super) async fn attach_decisions(store: &Store, campaign_id: i64, findings: &mut [Finding]) -> Result<()> {
    type Row = (String, String, String, String, String, String);
    let decisions: Vec<Row> = on_db!(&store.db, p => sqlx::query_as(
        "SELECT d.finding_key, d.facts, d.decision, d.reason, COALESCE(u.display_name, d.actor), d.decided_at
         FROM finding_decisions d LEFT JOIN users u ON u.login = d.actor WHERE d.campaign_id = $1")
        .bind(campaign_id).fetch_all(p).await?);
    let decisions: HashMap<String, Row> = decisions.into_iter().map(|d| (d.0.clone(), d)).collect();
    for finding in findings {
        if let Some((_, facts, decision, reason, by, at)) = decisions.get(&finding.key) {
            if *facts == finding.facts {
                finding.status =
                    if decision == "confirmed" { FindingStatus::Confirmed } else { FindingStatus::Dismissed };
                finding.reason = Some(reason.clone());
            } else {
                finding.status = FindingStatus::Reopened;
            }
            finding.decided_by = Some(by.clone());
            finding.decided_at = Some(at.clone());
        }
    }
    Ok(())
}

/// A reviewer's decision on a finding of the current run: confirmed (the data will be fixed) or
/// dismissed with a reason. Kept while the finding's facts stay the same.
pub async fn decide(
    tx: &mut WriteTx<'_>,
    campaign_id: i64,
    finding: &Finding,
    confirm: bool,
    reason: &str,
) -> Result<()> {
    let reason = reason.trim();
    if !confirm && reason.chars().count() < 2 {
        return Err(StoreError::Invalid("排除疑点必须填写理由（至少2个字）".into()));
    }
    // No savepoint: the only writes are the decision and its audit record, so a failure leaves the
    // caller's transaction to roll back.
    {
        let before: Option<(String, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT decision, reason FROM finding_decisions WHERE campaign_id = $1 AND finding_key = $2")
            .bind(campaign_id).bind(&finding.key).fetch_optional(c).await?);
        let decision = if confirm { FindingStatus::Confirmed } else { FindingStatus::Dismissed }.code();
        let actor = tx.actor().login.clone();
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO finding_decisions (campaign_id, finding_key, facts, decision, reason, actor, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (campaign_id, finding_key) DO UPDATE SET facts = excluded.facts, decision = excluded.decision,
             reason = excluded.reason, actor = excluded.actor, decided_at = excluded.decided_at")
            .bind(campaign_id).bind(&finding.key).bind(&finding.facts).bind(decision).bind(reason).bind(&actor).bind(now())
            .execute(c).await?.rows_affected());
        tx.audit(
            &format!("finding.{}", if confirm { "confirm" } else { "dismiss" }),
            "finding",
            &finding.key,
            before.map(|(d, r)| json!({ "decision": d, "reason": r })).as_ref(),
            Some(&json!({ "decision": decision, "reason": reason, "facts": finding.facts })),
        )
        .await?;
        Ok(())
    }
}
