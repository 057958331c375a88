//! A sample's results within the reader's area: per drawn person their last call decides; counted
//! overall and by stratum — reached, not reached, wrong number; received in full, partly, not at all,
//! not the person; the discrepancy rate with its Wilson interval; satisfaction — and the needs heard.

use std::collections::BTreeMap;

use serde::Serialize;
use yikou_domain::followup::{wilson, Reached, Received};
use yikou_domain::Scope;

use crate::{on_db, Result, Store};

/// A stratum's (or the whole sample's) results.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StratumResult {
    pub key: String,
    pub size: u64,
    /// Drawn people with at least one call.
    pub called: u64,
    /// Those whose last call reached them, did not, or found the number wrong.
    pub reached: u64,
    pub not_reached: u64,
    pub wrong_number: u64,
    /// Received in full.
    pub confirmed: u64,
    /// Partly, not at all or not the person (the three apart below).
    pub discrepancies: u64,
    pub partly: u64,
    pub none: u64,
    pub not_person: u64,
    /// discrepancies / reached, and its Wilson interval at z = 1.96.
    pub discrepancy_rate: f64,
    pub ci95: (f64, f64),
    /// reached / size, confirmed / reached.
    pub reach_rate: f64,
    pub confirmation_rate: f64,
    /// The mean satisfaction (1–5) of the last calls that gave one, and how many gave each score.
    pub satisfaction: Option<f64>,
    pub satisfaction_counts: [u64; 5],
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SampleResults {
    pub total: StratumResult,
    pub open_cases: u64,
    pub strata: Vec<StratumResult>,
}

/// The last call of a drawn person.
struct Last {
    reached: Option<Reached>,
    received: Option<Received>,
    satisfaction: Option<i64>,
}

impl StratumResult {
    fn count(&mut self, last: Option<&Last>) {
        self.size += 1;
        let Some(last) = last else { return };
        self.called += 1;
        match last.reached {
            Some(Reached::Yes) => {
                self.reached += 1;
                match last.received {
                    Some(Received::Full) => self.confirmed += 1,
                    Some(Received::Partly) => self.partly += 1,
                    Some(Received::None) => self.none += 1,
                    Some(Received::NotPerson) => self.not_person += 1,
                    None => {}
                }
            }
            Some(Reached::No) => self.not_reached += 1,
            Some(Reached::WrongNumber) => self.wrong_number += 1,
            None => {}
        }
        if let Some(s @ 1..=5) = last.satisfaction {
            self.satisfaction_counts[s as usize - 1] += 1;
        }
    }

    fn finish(mut self) -> StratumResult {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.discrepancies = self.partly + self.none + self.not_person;
        self.discrepancy_rate = ratio(self.discrepancies, self.reached);
        self.ci95 = wilson(self.discrepancies, self.reached, 1.96);
        self.reach_rate = ratio(self.reached, self.size);
        self.confirmation_rate = ratio(self.confirmed, self.reached);
        let answers: u64 = self.satisfaction_counts.iter().sum();
        self.satisfaction = (answers > 0).then(|| {
            self.satisfaction_counts.iter().enumerate().map(|(i, n)| (i as u64 + 1) * n).sum::<u64>() as f64
                / answers as f64
        });
        self
    }
}

/// A need heard on a call (回访中反映的诉求), with whom it concerns (masked) and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeedHeard {
    pub entitlement_id: i64,
    pub stratum: String,
    pub name: String,
    pub id_number_masked: String,
    pub project_name: String,
    pub needs: String,
    pub at: String,
}

impl Store {
    /// The results of a sample within the scope: per member its last call decides.
    pub async fn sample_results(&self, scope: &Scope, sample_id: i64) -> Result<SampleResults> {
        let members = self.sample_members(scope, sample_id).await?;
        let lasts: Vec<(i64, String, Option<String>, Option<i64>)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT c.entitlement_id, c.reached, c.received, c.satisfaction FROM calls c
             WHERE c.sample_id = $1 AND c.id = (SELECT MAX(x.id) FROM calls x WHERE x.sample_id = c.sample_id AND x.entitlement_id = c.entitlement_id)")
            .bind(sample_id).fetch_all(p).await?);
        let last: BTreeMap<i64, Last> = lasts
            .into_iter()
            .map(|(e, r, rc, s)| {
                let received = rc.as_deref().and_then(Received::from_code);
                (e, Last { reached: Reached::from_code(&r), received, satisfaction: s })
            })
            .collect();
        let mut strata: BTreeMap<String, StratumResult> = BTreeMap::new();
        let mut total = StratumResult::default();
        for (eid, stratum, _) in &members {
            let r = strata
                .entry(stratum.clone())
                .or_insert_with(|| StratumResult { key: stratum.clone(), ..Default::default() });
            r.count(last.get(eid));
            total.count(last.get(eid));
        }
        let open_cases: i64 = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM followup_cases WHERE sample_id = $1 AND state = 'open'").bind(sample_id).fetch_one(p).await?);
        Ok(SampleResults {
            total: total.finish(),
            open_cases: open_cases as u64,
            strata: strata.into_values().map(StratumResult::finish).collect(),
        })
    }

    /// The needs heard on the calls of a sample within the scope, by stratum and entitlement.
    pub async fn sample_needs(&self, scope: &Scope, sample_id: i64) -> Result<Vec<NeedHeard>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!(
            "SELECT c.entitlement_id, m.stratum, pe.name, pe.id_masked, pr.name, c.needs, c.at
             FROM calls c JOIN sample_members m ON m.sample_id = c.sample_id AND m.entitlement_id = c.entitlement_id
             JOIN entitlements e ON e.id = c.entitlement_id JOIN people pe ON pe.id = e.person_id
             JOIN projects pr ON pr.id = e.project_id
             WHERE c.sample_id = $1 AND c.needs IS NOT NULL AND c.needs <> '' AND {cond}
             ORDER BY m.stratum, c.entitlement_id, c.id"
        );
        let rows: Vec<(i64, String, String, String, String, String, String)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(sample_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| NeedHeard {
                entitlement_id: r.0,
                stratum: r.1,
                name: r.2,
                id_number_masked: r.3,
                project_name: r.4,
                needs: r.5,
                at: r.6,
            })
            .collect())
    }
}
