//! 一口比对 over a stored campaign: the rule set in force (versioned, audited), the rows the engine
//! needs (read packed as one JSON value per table: far fewer driver round trips than row by row),
//! findings with stable keys and Chinese explanations, and reviewers' decisions that survive re-runs.
//!
//! The steps of a run: `load` reads the rows, `engine` turns them into the domain engine's
//! input and runs the rules, `findings` builds the findings kind by kind (masked ID numbers read
//! with the people), `decisions` attaches reviewers' decisions (and records new decisions).

mod decisions;
mod engine;
mod findings;
mod listing;
mod load;
mod stored;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;
use yikou_domain::rules::RuleSet;
use yikou_domain::{CountingUnit, FindingKind, FindingStatus, Scope, Severity};

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

pub use decisions::decide;
pub use listing::{KindCount, RunInfo};

/// Every count `yikou check --json` reports. The first six mean exactly what peer_check.py counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckCounts {
    pub dup_in_project: u64,
    pub dup_exclusive: u64,
    pub household_twice: u64,
    pub omissions: u64,
    pub ineligible: u64,
    pub deceased_paid: u64,
    pub near_duplicates: u64,
    pub moved_away_paid: u64,
    pub ineligible_condition: u64,
    pub exclusion_broken: u64,
    pub two_streets: u64,
    pub amount_outside: u64,
    pub over_budget: u64,
    pub over_cap: u64,
    /// People the visit coverage rule names who have no visit in the campaign.
    pub not_visited: u64,
}

impl CheckCounts {
    /// The counter of one kind of finding.
    pub fn of_kind(&mut self, kind: FindingKind) -> &mut u64 {
        use FindingKind as K;
        match kind {
            K::DupInProject => &mut self.dup_in_project,
            K::DupExclusive => &mut self.dup_exclusive,
            K::HouseholdTwice => &mut self.household_twice,
            K::Omissions => &mut self.omissions,
            K::Ineligible => &mut self.ineligible,
            K::DeceasedPaid => &mut self.deceased_paid,
            K::NearDuplicates => &mut self.near_duplicates,
            K::MovedAwayPaid => &mut self.moved_away_paid,
            K::IneligibleCondition => &mut self.ineligible_condition,
            K::ExclusionBroken => &mut self.exclusion_broken,
            K::TwoStreets => &mut self.two_streets,
            K::AmountOutside => &mut self.amount_outside,
            K::OverBudget => &mut self.over_budget,
            K::OverCap => &mut self.over_cap,
            K::NotVisited => &mut self.not_visited,
        }
    }

    /// The count of one kind of finding.
    pub fn get(mut self, kind: FindingKind) -> u64 {
        *self.of_kind(kind)
    }

    /// Counts the findings by kind.
    pub fn of(findings: &[Finding]) -> CheckCounts {
        let mut c = CheckCounts::default();
        for f in findings {
            *c.of_kind(f.kind) += 1;
        }
        c
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingPerson {
    pub id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub street_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable across runs: the type and the codes/ids of what is involved.
    pub key: String,
    #[serde(rename = "type")]
    pub kind: FindingKind,
    pub severity: Severity,
    pub explanation: String,
    /// The street/town the finding belongs to (the first person's), for filtering.
    pub street_code: Option<String>,
    pub people: Vec<FindingPerson>,
    pub projects: Vec<String>,
    pub entitlements: Vec<i64>,
    /// A digest of the facts; a decision holds while they stay the same.
    pub facts: String,
    /// open, confirmed, dismissed, or reopened (dismissed or confirmed before, facts changed since).
    pub status: FindingStatus,
    pub reason: Option<String>,
    /// Who made the decision in force (or the one the changed facts reopened): the account's display
    /// name, its login when the account is gone. Not in the API's JSON, which keeps its fields.
    #[serde(skip)]
    pub decided_by: Option<String>,
    /// When (as stored: UTC, RFC 3339); pages show Beijing time.
    #[serde(skip)]
    pub decided_at: Option<String>,
}

impl Finding {
    /// Is this finding within the scope? A street reviews the findings about its people; the
    /// bureau all; departments and committees do not review the district-wide check.
    pub fn within(&self, scope: &Scope) -> bool {
        match scope {
            Scope::All => true,
            Scope::Street(c) => self.people.iter().any(|p| p.street_code.as_deref() == Some(c.as_str())),
            Scope::Nothing | Scope::Committee(_) | Scope::Unit(_) => false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub rules_version: i64,
    pub counts: CheckCounts,
    pub findings: Vec<Finding>,
    /// Seconds spent reading the rows and running the rules.
    #[serde(skip)]
    pub read_seconds: f64,
    #[serde(skip)]
    pub check_seconds: f64,
    /// When the run was made (UTC, RFC 3339; pages show Beijing time).
    pub computed_at: String,
}

fn digest(parts: &[String]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

impl CheckReport {
    /// Keeps only the findings within the scope, counted again (the whole district's counts are the
    /// engine's own and stay).
    pub fn keep_within(&mut self, scope: &Scope) {
        if *scope != Scope::All {
            self.findings.retain(|f| f.within(scope));
            self.counts = CheckCounts::of(&self.findings);
        }
    }

    /// The findings a user of this scope may see and decide.
    pub fn within<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.within(scope))
    }
}

impl Store {
    /// The rule set in force and its version; version 0 is the default taken from the projects
    /// (their exclusive groups and counting units) when the bureau has saved none.
    pub async fn rules(&self, campaign_id: i64) -> Result<(i64, RuleSet)> {
        let saved: Option<(i64, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT version, rules_json FROM rule_sets WHERE campaign_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(campaign_id).fetch_optional(p).await?);
        if let Some((v, text)) = saved {
            let rules = serde_json::from_str(&text)
                .map_err(|e| StoreError::Invalid(format!("第{v}版比对规则无法读取：{e}")))?;
            return Ok((v, rules));
        }
        let mut rules = RuleSet::default();
        for sp in self.projects(&Scope::All, campaign_id).await? {
            if let Some(g) = &sp.project.exclusive_group {
                rules.exclusive_groups.entry(g.clone()).or_default().push(sp.project.code.clone());
            }
            if sp.project.counting_unit == CountingUnit::Household {
                rules.per_household.push(sp.project.code.clone());
            }
        }
        Ok((0, rules))
    }

    /// Runs every rule over the campaign and attaches the reviewers' decisions.
    pub async fn run_check(&self, campaign_id: i64, on: Date) -> Result<CheckReport> {
        let started = std::time::Instant::now();
        let computed_at = now();
        let rows = load::rows(self, campaign_id, on).await?;
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            people = rows.people.len(),
            entitlements = rows.entitlements.len(),
            "check: rows read"
        );
        let read_seconds = started.elapsed().as_secs_f64();
        let input = engine::Input::prepare(&rows, on);
        tracing::info!(ms = started.elapsed().as_millis() as u64, "check: rows prepared");
        let found = input.run(&rows);
        tracing::info!(ms = started.elapsed().as_millis() as u64, "check: rules run");
        let mut findings = findings::build(&rows, &input, &found);
        let (counts, rules_version) = (found.counts(), rows.rules_version);
        // The rows and the engine's tables are let go before anything else is read.
        drop((found, input, rows));
        tracing::info!(ms = started.elapsed().as_millis() as u64, findings = findings.len(), "check: findings built");
        decisions::attach_roster_files(self, &mut findings).await?;
        decisions::attach_decisions(self, campaign_id, &mut findings).await?;
        let check_seconds = started.elapsed().as_secs_f64() - read_seconds;
        Ok(CheckReport { rules_version, counts, findings, read_seconds, check_seconds, computed_at })
    }
}

/// Saves a new version of the campaign's rules after checking every code in it.
pub async fn save_rules(tx: &mut WriteTx<'_>, campaign_id: i64, rules: &RuleSet) -> Result<i64> {
    crate::atomic!(tx, {
        let projects: Vec<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM projects WHERE campaign_id = $1")
            .bind(campaign_id).fetch_all(c).await?);
        let categories: Vec<String> =
            on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM categories").fetch_all(c).await?);
        let p: Vec<&str> = projects.iter().map(String::as_str).collect();
        let c: Vec<&str> = categories.iter().map(String::as_str).collect();
        let problems = rules.problems(&p, &c);
        if !problems.is_empty() {
            return Err(StoreError::Invalid(format!("比对规则有{}处问题：{}", problems.len(), problems.join("；"))));
        }
        let last: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT MAX(version) FROM rule_sets WHERE campaign_id = $1").bind(campaign_id).fetch_one(c).await?);
        let version = last.unwrap_or(0) + 1;
        let text = serde_json::to_string(rules).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let actor = tx.actor().login.clone();
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO rule_sets (campaign_id, version, rules_json, actor, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(campaign_id).bind(version).bind(&text).bind(&actor).bind(now()).execute(c).await?.rows_affected());
        let after: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        tx.audit(
            "rules.save",
            "campaign",
            &campaign_id.to_string(),
            None,
            Some(&json!({ "version": version, "rules": after })),
        )
        .await?;
        Ok(version)
    })
}

/// Counts per finding type and street/town (for the overview page and the summary sheet).
pub fn by_type_and_street(findings: &[Finding]) -> BTreeMap<(FindingKind, String), u64> {
    let mut out = BTreeMap::new();
    for f in findings {
        *out.entry((f.kind, f.street_code.clone().unwrap_or_default())).or_default() += 1;
    }
    out
}
