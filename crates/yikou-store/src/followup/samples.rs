//! Drawing a sample: the population (disbursed entitlements of the campaign, filtered, within the
//! scope; people without a usable phone left out and counted), its strata, the size, the allocation
//! and the draw of `yikou_domain::followup`, all recorded.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use yikou_domain::followup::{allocate, draw, SizeRule, Strata, GENERATOR, GENERATOR_VERSION};
use yikou_domain::pay::PayMethod;
use yikou_domain::Scope;

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// Which disbursed entitlements the population holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleFilter {
    #[serde(default)]
    pub projects: Vec<i64>,
    #[serde(default)]
    pub streets: Vec<String>,
    /// The projects' implementing units.
    #[serde(default)]
    pub units: Vec<String>,
    pub method: Option<PayMethod>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleParams {
    pub filter: SampleFilter,
    pub size: SizeRule,
    pub strata: Strata,
    pub min_per_stratum: u64,
    pub seed: u64,
    /// Callers to share the drawn people among (round robin within each stratum).
    pub callers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StratumMade {
    pub key: String,
    pub population: u64,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleMade {
    pub sample: i64,
    pub seed: u64,
    pub population: u64,
    pub excluded_no_phone: u64,
    pub size: u64,
    pub strata: Vec<StratumMade>,
    pub population_sha256: String,
}

/// (stratum key, entitlement id, has a phone) of the population.
async fn population(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    campaign_id: i64,
    filter: &SampleFilter,
    strata: Strata,
) -> Result<Vec<(String, i64, bool)>> {
    let (cond, arg) = crate::scope::entitlements(scope, 2);
    let key = match strata {
        Strata::Whole => "'全部'".to_string(),
        Strata::Street => "COALESCE(pe.street_code, '')".to_string(),
        Strata::Project => "pr.code".to_string(),
        Strata::Both => "COALESCE(pe.street_code, '') || '/' || pr.code".to_string(),
    };
    let mut sql = format!(
        "SELECT {key}, e.id, CASE WHEN pe.phone_key IS NULL THEN 0 ELSE 1 END
         FROM entitlements e JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
         WHERE pr.campaign_id = $1 AND e.state = 'disbursed' AND {cond}"
    );
    if !filter.projects.is_empty() {
        let ids = filter.projects.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
        sql.push_str(&format!(" AND e.project_id IN ({ids})"));
    }
    let mut texts: Vec<String> = Vec::new();
    let mut n = if arg.is_some() { 3 } else { 2 };
    if !filter.streets.is_empty() {
        let marks: Vec<String> = filter
            .streets
            .iter()
            .map(|_| {
                let m = format!("${n}");
                n += 1;
                m
            })
            .collect();
        sql.push_str(&format!(" AND pe.street_code IN ({})", marks.join(", ")));
        texts.extend(filter.streets.iter().cloned());
    }
    if !filter.units.is_empty() {
        let marks: Vec<String> = filter
            .units
            .iter()
            .map(|_| {
                let m = format!("${n}");
                n += 1;
                m
            })
            .collect();
        sql.push_str(&format!(" AND pr.unit_code IN ({})", marks.join(", ")));
        texts.extend(filter.units.iter().cloned());
    }
    if let Some(m) = filter.method {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM payment_lines l JOIN payment_batches b ON b.id = l.batch_id
               WHERE l.entitlement_id = e.id AND l.state = 'paid' AND b.method = ${n})"
        ));
        texts.push(m.code().to_string());
    }
    let rows: Vec<(String, i64, i32)> = on_tx!(&mut tx.tx, c => {
        let mut q = sqlx::query_as(&sql).bind(campaign_id);
        if let Some(a) = &arg { q = q.bind(a.clone()); }
        for t in &texts { q = q.bind(t.clone()); }
        q.fetch_all(c).await?
    });
    Ok(rows.into_iter().map(|(k, id, phone)| (k, id, phone != 0)).collect())
}

/// Draws a sample (see the module): `Conflict` when the population is empty. Audited
/// `followup.sample_create` with the seed, the generator and the population's hash.
pub async fn create_sample(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    campaign_id: i64,
    p: &SampleParams,
) -> Result<SampleMade> {
    crate::atomic!(tx, {
        let all = population(tx, scope, campaign_id, &p.filter, p.strata).await?;
        let excluded = all.iter().filter(|r| !r.2).count() as u64;
        let mut pop: Vec<(String, i64)> = all.into_iter().filter(|r| r.2).map(|r| (r.0, r.1)).collect();
        if pop.is_empty() {
            return Err(StoreError::Conflict(
                "符合条件的已发放记录中没有可以回访的对象（没有已发放记录，或都没有登记电话）".into(),
            ));
        }
        // Sorted and hashed: the population as the draw sees it, whatever order the rows came in.
        pop.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut h = Sha256::new();
        for (k, id) in &pop {
            h.update(format!("{k}\t{id}\n").as_bytes());
        }
        let sha = hex::encode(h.finalize());
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for (k, _) in &pop {
            *counts.entry(k.clone()).or_default() += 1;
        }
        let n = p.size.size(pop.len() as u64);
        let sizes: Vec<u64> = counts.values().copied().collect();
        let alloc = allocate(n, &sizes, p.min_per_stratum);
        let plan: BTreeMap<String, u64> = counts.keys().cloned().zip(alloc).collect();
        let drawn = draw(&pop, &plan, p.seed);
        let (login, at) = (tx.actor().login.clone(), now());
        let params = json!({ "filter": p.filter, "size": p.size, "strata": p.strata.code(), "min_per_stratum": p.min_per_stratum,
                             "callers": p.callers });
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO samples (campaign_id, created_by, created_at, seed, generator, generator_version, population_sha256,
               population, excluded_no_phone, size, params_json, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open') RETURNING id")
            .bind(campaign_id).bind(&login).bind(&at).bind(p.seed.to_string()).bind(GENERATOR)
            .bind(i64::from(GENERATOR_VERSION)).bind(&sha).bind(pop.len() as i64).bind(excluded as i64)
            .bind(drawn.len() as i64).bind(params.to_string()).fetch_one(c).await?);
        for (k, size) in &plan {
            on_tx!(&mut tx.tx, c => sqlx::query(
                "INSERT INTO sample_strata (sample_id, stratum, population, size) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(k).bind(counts[k] as i64).bind(*size as i64).execute(c).await?.rows_affected());
        }
        // Callers in turn within each stratum (members by id).
        let mut turn: BTreeMap<&str, usize> = BTreeMap::new();
        let mut by_stratum: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for (eid, k) in &drawn {
            by_stratum.entry(k.as_str()).or_default().push(*eid);
        }
        for (k, ids) in &by_stratum {
            for eid in ids {
                let caller = if p.callers.is_empty() {
                    None
                } else {
                    let t = turn.entry(k).or_default();
                    let c = p.callers[*t % p.callers.len()].clone();
                    *t += 1;
                    Some(c)
                };
                on_tx!(&mut tx.tx, c => sqlx::query(
                    "INSERT INTO sample_members (sample_id, entitlement_id, stratum, caller) VALUES ($1, $2, $3, $4)")
                    .bind(id).bind(eid).bind(*k).bind(&caller).execute(c).await?.rows_affected());
            }
        }
        tx.audit(
            "followup.sample_create",
            "sample",
            &id.to_string(),
            None,
            Some(&json!({ "seed": p.seed.to_string(), "generator_version": GENERATOR_VERSION, "population": pop.len(),
                          "excluded_no_phone": excluded, "size": drawn.len(), "population_sha256": sha })),
        )
        .await?;
        Ok(SampleMade {
            sample: id,
            seed: p.seed,
            population: pop.len() as u64,
            excluded_no_phone: excluded,
            size: drawn.len() as u64,
            strata: plan.iter().map(|(k, s)| StratumMade { key: k.clone(), population: counts[k], size: *s }).collect(),
            population_sha256: sha,
        })
    })
}

impl Store {
    /// The drawn entitlement ids of a sample with their stratum and caller, by id (within the scope).
    pub async fn sample_members(&self, scope: &Scope, sample_id: i64) -> Result<Vec<(i64, String, Option<String>)>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!(
            "SELECT m.entitlement_id, m.stratum, m.caller FROM sample_members m JOIN entitlements e ON e.id = m.entitlement_id
             JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             WHERE m.sample_id = $1 AND {cond} ORDER BY m.entitlement_id"
        );
        Ok(on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(sample_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        }))
    }
}
