//! Drawing a sample: the population (disbursed entitlements of the campaign, filtered, within the
//! scope; people without a usable phone left out and counted), its strata, the size, the allocation
//! and the draw of `yikou_domain::followup`, all recorded.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use yikou_domain::followup::{allocate, draw_sorted, SizeRule, Strata, GENERATOR, GENERATOR_VERSION};
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// Rows per multi-row INSERT (4 parameters each: well under either backend's limit).
const ROWS_PER_INSERT: usize = 500;

/// `INSERT INTO {table} VALUES ($1, …), (…)` for `rows` rows of `width` parameters.
fn values_insert(table: &str, width: usize, rows: usize) -> String {
    values_insert_with(table, width, rows, |_| String::new())
}

/// [`values_insert`] with `extra(row)` appended to each row's values (an expression over the row's
/// parameters).
fn values_insert_with(table: &str, width: usize, rows: usize, extra: impl Fn(usize) -> String) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let marks = (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ");
            format!("({marks}{})", extra(r))
        })
        .collect();
    format!("INSERT INTO {table} VALUES {}", tuples.join(", "))
}

/// The population as read: (street/town, project, entitlement id, has a phone).
type Member = (Option<String>, i64, i64, i64);

/// The disbursed entitlements of the campaign that pass the filter and the scope, read packed as one
/// JSON value (one driver round trip instead of one per row) through the person-ordered index.
async fn population(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    campaign_id: i64,
    filter: &SampleFilter,
) -> Result<Vec<Member>> {
    let (cond, arg) = crate::scope::entitlements(scope, 2);
    // CROSS JOIN: SQLite keeps this order (entitlements by person through `entitlements_person`, then
    // each person and project by key); PostgreSQL plans it as the inner join it is.
    let mut rest = format!(
        "FROM entitlements e CROSS JOIN people pe CROSS JOIN projects pr
         WHERE pe.id = e.person_id AND pr.id = e.project_id AND pr.campaign_id = $1 AND e.state = 'disbursed' AND {cond}"
    );
    if !filter.projects.is_empty() {
        let ids = filter.projects.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
        rest.push_str(&format!(" AND e.project_id IN ({ids})"));
    }
    let mut texts: Vec<String> = Vec::new();
    let mut n = if arg.is_some() { 3 } else { 2 };
    let mut marks = |values: &[String], texts: &mut Vec<String>| {
        let m: Vec<String> = values
            .iter()
            .map(|_| {
                n += 1;
                format!("${}", n - 1)
            })
            .collect();
        texts.extend(values.iter().cloned());
        m.join(", ")
    };
    if !filter.streets.is_empty() {
        rest.push_str(&format!(" AND pe.street_code IN ({})", marks(&filter.streets, &mut texts)));
    }
    if !filter.units.is_empty() {
        rest.push_str(&format!(" AND pr.unit_code IN ({})", marks(&filter.units, &mut texts)));
    }
    if let Some(m) = filter.method {
        let mark = marks(&[m.code().to_string()], &mut texts);
        rest.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM payment_lines l JOIN payment_batches b ON b.id = l.batch_id
               WHERE l.entitlement_id = e.id AND l.state = 'paid' AND b.method = {mark})"
        ));
    }
    let sql = crate::dialect::packed_select(
        &tx.tx,
        "pe.street_code, e.project_id, e.id, CASE WHEN pe.phone_key IS NULL THEN 0 ELSE 1 END",
        &rest,
    );
    let packed: Option<String> = on_tx!(&mut tx.tx, c => {
        let mut q = sqlx::query_scalar(&sql).bind(campaign_id);
        if let Some(a) = &arg { q = q.bind(a.clone()); }
        for t in &texts { q = q.bind(t.clone()); }
        q.fetch_one(c).await?
    });
    crate::dialect::unpack(packed, "回访总体")
}

/// The population in strata: the strata's keys in order, and (stratum, entitlement id) sorted by both
/// — the order the draw and the population's hash are defined over.
fn stratify(rows: &[Member], codes: &HashMap<i64, String>, strata: Strata) -> (Vec<String>, Vec<(u32, i64)>) {
    let key = |street: &Option<String>, project: i64| -> String {
        let street = street.as_deref().unwrap_or("");
        let code = codes.get(&project).map_or("", String::as_str);
        match strata {
            Strata::Whole => "全部".into(),
            Strata::Street => street.to_string(),
            Strata::Project => code.to_string(),
            Strata::Both => format!("{street}/{code}"),
        }
    };
    // Distinct (street, project) pairs first: few, whatever the population's size.
    let mut pair_index: HashMap<(Option<&str>, i64), u32> = HashMap::new();
    let mut keys: Vec<String> = Vec::new();
    let mut key_index: HashMap<String, u32> = HashMap::new();
    let mut pop: Vec<(u32, i64)> = Vec::with_capacity(rows.len());
    for (street, project, id, _) in rows {
        let k = *pair_index.entry((street.as_deref(), *project)).or_insert_with(|| {
            let k = key(street, *project);
            *key_index.entry(k.clone()).or_insert_with(|| {
                keys.push(k);
                keys.len() as u32 - 1
            })
        });
        pop.push((k, *id));
    }
    // Keys in order; strata renumbered by rank.
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_unstable_by(|a, b| keys[*a as usize].cmp(&keys[*b as usize]));
    let mut rank = vec![0u32; keys.len()];
    for (r, k) in order.iter().enumerate() {
        rank[*k as usize] = r as u32;
    }
    for m in &mut pop {
        m.0 = rank[m.0 as usize];
    }
    pop.sort_unstable();
    let sorted = order.iter().map(|k| keys[*k as usize].clone()).collect();
    (sorted, pop)
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
        let mut with_phone = population(tx, scope, campaign_id, &p.filter).await?;
        let read = with_phone.len();
        with_phone.retain(|r| r.3 != 0);
        let excluded = (read - with_phone.len()) as u64;
        if with_phone.is_empty() {
            return Err(StoreError::Conflict(
                "符合条件的已发放记录中没有可以回访的对象（没有已发放记录，或都没有登记电话）".into(),
            ));
        }
        let codes: Vec<(i64, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT id, code FROM projects WHERE campaign_id = $1").bind(campaign_id).fetch_all(c).await?);
        let codes: HashMap<i64, String> = codes.into_iter().collect();
        let (keys, mut pop) = stratify(&with_phone, &codes, p.strata);
        drop(with_phone);
        // The population's hash: one line "stratum<TAB>entitlement id" per member, in draw order.
        let mut h = Sha256::new();
        let mut line = String::new();
        for (k, id) in &pop {
            line.clear();
            line.push_str(&keys[*k as usize]);
            line.push('\t');
            line.push_str(&id.to_string());
            line.push('\n');
            h.update(line.as_bytes());
        }
        let sha = hex::encode(h.finalize());
        let mut sizes = vec![0u64; keys.len()];
        for (k, _) in &pop {
            sizes[*k as usize] += 1;
        }
        let n = p.size.size(pop.len() as u64);
        let take = allocate(n, &sizes, p.min_per_stratum);
        let mut slices: Vec<&mut [i64]> = Vec::with_capacity(keys.len());
        let mut ids: Vec<i64> = pop.iter().map(|m| m.1).collect();
        let mut rest = ids.as_mut_slice();
        for size in &sizes {
            let (head, tail) = rest.split_at_mut(*size as usize);
            slices.push(head);
            rest = tail;
        }
        let drawn: Vec<(i64, String)> =
            draw_sorted(&mut slices, &take, p.seed).into_iter().map(|(id, s)| (id, keys[s].clone())).collect();
        pop.clear();
        let counts: BTreeMap<String, u64> = keys.iter().cloned().zip(sizes.iter().copied()).collect();
        let plan: BTreeMap<String, u64> = keys.iter().cloned().zip(take).collect();
        let population_size: u64 = sizes.iter().sum();
        let (login, at) = (tx.actor().login.clone(), now());
        let params = json!({ "filter": p.filter, "size": p.size, "strata": p.strata.code(), "min_per_stratum": p.min_per_stratum,
                             "callers": p.callers });
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO samples (campaign_id, created_by, created_at, seed, generator, generator_version, population_sha256,
               population, excluded_no_phone, size, params_json, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open') RETURNING id")
            .bind(campaign_id).bind(&login).bind(&at).bind(p.seed.to_string()).bind(GENERATOR)
            .bind(i64::from(GENERATOR_VERSION)).bind(&sha).bind(population_size as i64).bind(excluded as i64)
            .bind(drawn.len() as i64).bind(params.to_string()).fetch_one(c).await?);
        let strata_rows: Vec<(String, i64, i64)> =
            plan.iter().map(|(k, size)| (k.clone(), counts[k] as i64, *size as i64)).collect();
        for part in strata_rows.chunks(ROWS_PER_INSERT) {
            let sql = values_insert("sample_strata (sample_id, stratum, population, size)", 4, part.len());
            on_tx!(&mut tx.tx, c => {
                let mut q = sqlx::query(&sql);
                for (k, pop, size) in part { q = q.bind(id).bind(k).bind(*pop).bind(*size); }
                q.execute(c).await?.rows_affected()
            });
        }
        // Callers in turn within each stratum (members by id).
        let mut turn: BTreeMap<&str, usize> = BTreeMap::new();
        let mut members: Vec<(i64, &str, Option<&str>)> = Vec::with_capacity(drawn.len());
        let mut by_stratum: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for (eid, k) in &drawn {
            by_stratum.entry(k.as_str()).or_default().push(*eid);
        }
        for (k, ids) in &by_stratum {
            for eid in ids {
                let caller = (!p.callers.is_empty()).then(|| {
                    let t = turn.entry(k).or_default();
                    *t += 1;
                    p.callers[(*t - 1) % p.callers.len()].as_str()
                });
                members.push((*eid, k, caller));
            }
        }
        for part in members.chunks(ROWS_PER_INSERT) {
            // Each member with its person's key, read from the entitlement (its second parameter).
            let sql = values_insert_with(
                "sample_members (sample_id, entitlement_id, stratum, caller, person_key)",
                4,
                part.len(),
                |r| format!(", COALESCE((SELECT e.person_key FROM entitlements e WHERE e.id = ${}), -1)", r * 4 + 2),
            );
            on_tx!(&mut tx.tx, c => {
                let mut q = sqlx::query(&sql);
                for (eid, k, caller) in part { q = q.bind(id).bind(*eid).bind(*k).bind(*caller); }
                q.execute(c).await?.rows_affected()
            });
        }
        tx.audit(
            "followup.sample_create",
            "sample",
            &id.to_string(),
            None,
            Some(&json!({ "seed": p.seed.to_string(), "generator_version": GENERATOR_VERSION, "population": population_size,
                          "excluded_no_phone": excluded, "size": drawn.len(), "population_sha256": sha })),
        )
        .await?;
        Ok(SampleMade {
            sample: id,
            seed: p.seed,
            population: population_size,
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
