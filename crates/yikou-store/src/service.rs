//! 上门服务 (issue 17, point 2): service kinds, providers kept by the unit that manages them, and
//! deliveries to people of that unit's area — each delivery of a kind by a provider to a person on a
//! day recorded once (a unique index: the same monthly list twice changes nothing twice). Totals per
//! provider for the contract: deliveries, people served, quantity per kind.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use yikou_domain::service::{check_kind, Measure, Provider, ProviderError, ProviderKind};
use yikou_domain::{format_date, Fen, IdNumber, Scope};

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

fn rejected(e: ProviderError) -> StoreError {
    StoreError::rejected("service_invalid", e.to_string())
}

/// A service kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceKind {
    pub code: String,
    pub name: String,
    pub measure: Measure,
}

/// Adds a service kind (the bureau's list grows; a code or name taken is refused).
pub async fn add_kind(tx: &mut WriteTx<'_>, code: &str, name: &str, measure: Measure) -> Result<()> {
    check_kind(code, name).map_err(rejected)?;
    crate::atomic!(tx, {
        let taken: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_kinds WHERE code = $1 OR name = $2")
            .bind(code).bind(name.trim()).fetch_one(c).await?);
        if taken > 0 {
            return Err(StoreError::rejected(
                "service_invalid",
                format!("服务类别“{}”或代码“{code}”已有", name.trim()),
            ));
        }
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO service_kinds (code, name, measure, sort) VALUES ($1, $2, $3, (SELECT COALESCE(MAX(sort), 0) + 1 FROM service_kinds))")
            .bind(code).bind(name.trim()).bind(measure.code()).execute(c).await?.rows_affected());
        tx.audit(
            "service.kind_add",
            "service_kind",
            code,
            None,
            Some(&json!({ "name": name.trim(), "measure": measure.code() })),
        )
        .await?;
        Ok(())
    })
}

/// Registers a provider managed by the actor's unit; its id.
pub async fn add_provider(tx: &mut WriteTx<'_>, scope: &Scope, p: &Provider) -> Result<i64> {
    p.check().map_err(rejected)?;
    crate::atomic!(tx, {
        let (unit, login) = (crate::scope::own_unit(scope), tx.actor().login.clone());
        let c = p.contract;
        let id: i64 = on_tx!(&mut tx.tx, conn => sqlx::query_scalar(
            "INSERT INTO service_providers (unit_code, name, kind, contract_from, contract_until, contract_fen, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(&unit).bind(p.name.trim()).bind(p.kind.code()).bind(c.map(|c| format_date(c.from)))
            .bind(c.map(|c| format_date(c.until))).bind(c.map(|c| c.amount.0)).bind(&login).bind(now())
            .fetch_one(conn).await?);
        let after = json!({ "name": p.name.trim(), "kind": p.kind.code(), "unit": unit, "contract_fen": c.map(|c| c.amount.0) });
        tx.audit("service.provider_add", "service_provider", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

/// A provider as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderView {
    pub id: i64,
    pub unit_code: String,
    pub name: String,
    pub kind: ProviderKind,
    pub contract_from: Option<String>,
    pub contract_until: Option<String>,
    pub contract_fen: Option<i64>,
    /// Deliveries recorded, people served, and quantity (hundredths) per service kind code.
    pub deliveries: i64,
    pub people: i64,
    pub quantity: Vec<(String, i64)>,
}

/// The provider the scope may manage, inside a write; `NotFound` otherwise.
pub async fn provider_in(tx: &mut WriteTx<'_>, scope: &Scope, id: i64) -> Result<ProviderView> {
    let (cond, arg) = crate::scope::providers(scope, 2);
    let sql = format!(
        "SELECT sp.id, sp.unit_code, sp.name, sp.kind, sp.contract_from, sp.contract_until, sp.contract_fen
         FROM service_providers sp WHERE sp.id = $1 AND {cond}"
    );
    let row: Option<ProviderRow> = on_tx!(&mut tx.tx, c => {
        let q = sqlx::query_as(&sql).bind(id);
        let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
        q.fetch_optional(c).await?
    });
    row.map(view).ok_or_else(|| StoreError::NotFound("该服务提供方".into()))
}

type ProviderRow = (i64, String, String, String, Option<String>, Option<String>, Option<i64>);

fn view(r: ProviderRow) -> ProviderView {
    ProviderView {
        id: r.0,
        unit_code: r.1,
        name: r.2,
        kind: ProviderKind::from_code(&r.3).unwrap_or(ProviderKind::Organisation),
        contract_from: r.4,
        contract_until: r.5,
        contract_fen: r.6,
        deliveries: 0,
        people: 0,
        quantity: Vec::new(),
    }
}

/// The people of the scope with these ID numbers: ID number → (person id, registered name).
pub async fn resolve_people(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    ids: &[IdNumber],
) -> Result<HashMap<String, (i64, String)>> {
    let (cond, arg) = crate::scope::people(scope, 2);
    let sql = format!("SELECT pe.id, pe.name FROM people pe WHERE pe.id_key = $1 AND {cond}");
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(id.as_str()) {
            continue;
        }
        let key = tx.keys().id_key(id.as_str());
        let found: Option<(i64, String)> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_as(&sql).bind(key.clone());
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(c).await?
        });
        if let Some(f) = found {
            out.insert(id.as_str().to_string(), f);
        }
    }
    Ok(out)
}

/// A delivery to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub person_id: i64,
    pub kind_code: String,
    pub day: time::Date,
    pub quantity_centi: i64,
}

/// Records a provider's deliveries (people already resolved within the scope); (recorded, already
/// there). One audit record for the list, with its counts and source.
pub async fn record_deliveries(
    tx: &mut WriteTx<'_>,
    provider_id: i64,
    rows: &[NewDelivery],
    source: &str,
) -> Result<(u64, u64)> {
    crate::atomic!(tx, {
        let (login, at) = (tx.actor().login.clone(), now());
        let mut recorded = 0u64;
        for r in rows {
            recorded += on_tx!(&mut tx.tx, c => sqlx::query(
                "INSERT INTO service_deliveries (provider_id, person_id, kind_code, delivered_on, quantity_centi, source,
                 created_by, created_at, person_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE((SELECT p.person_key FROM people p WHERE p.id = $2), -1))
                 ON CONFLICT (provider_id, person_id, kind_code, delivered_on, person_key) DO NOTHING")
                .bind(provider_id).bind(r.person_id).bind(&r.kind_code).bind(format_date(r.day)).bind(r.quantity_centi)
                .bind(source).bind(&login).bind(&at).execute(c).await?.rows_affected());
        }
        let already = rows.len() as u64 - recorded;
        let after = json!({ "rows": rows.len(), "recorded": recorded, "already": already, "source": source });
        tx.audit("service.deliveries_import", "service_provider", &provider_id.to_string(), None, Some(&after)).await?;
        Ok((recorded, already))
    })
}

impl Store {
    /// The service kinds, in their order.
    pub async fn service_kinds(&self) -> Result<Vec<ServiceKind>> {
        let rows: Vec<(String, String, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT code, name, measure FROM service_kinds ORDER BY sort, code").fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(code, name, m)| ServiceKind {
                code,
                name,
                measure: Measure::from_code(&m).unwrap_or(Measure::Times),
            })
            .collect())
    }

    /// The providers the scope manages, with their totals.
    pub async fn providers(&self, scope: &Scope) -> Result<Vec<ProviderView>> {
        let (cond, arg) = crate::scope::providers(scope, 1);
        let sql = format!(
            "SELECT sp.id, sp.unit_code, sp.name, sp.kind, sp.contract_from, sp.contract_until, sp.contract_fen
             FROM service_providers sp WHERE {cond} ORDER BY sp.id"
        );
        let rows: Vec<ProviderRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let mut out: Vec<ProviderView> = rows.into_iter().map(view).collect();
        let totals_sql = format!(
            "SELECT d.provider_id, d.kind_code, CAST(COUNT(*) AS BIGINT), CAST(SUM(d.quantity_centi) AS BIGINT)
             FROM service_deliveries d JOIN service_providers sp ON sp.id = d.provider_id WHERE {cond}
             GROUP BY d.provider_id, d.kind_code ORDER BY d.provider_id, d.kind_code"
        );
        let totals: Vec<(i64, String, i64, i64)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&totals_sql);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let people_sql = format!(
            "SELECT d.provider_id, CAST(COUNT(DISTINCT d.person_id) AS BIGINT) FROM service_deliveries d
             JOIN service_providers sp ON sp.id = d.provider_id WHERE {cond} GROUP BY d.provider_id"
        );
        let people: Vec<(i64, i64)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&people_sql);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        for v in &mut out {
            for (_, kind, n, q) in totals.iter().filter(|t| t.0 == v.id) {
                v.deliveries += n;
                v.quantity.push((kind.clone(), *q));
            }
            v.people = people.iter().find(|p| p.0 == v.id).map_or(0, |p| p.1);
        }
        Ok(out)
    }

    /// A provider's deliveries to people of the scope, newest first: (date, person id, name, kind
    /// code, quantity in hundredths); at most `limit`.
    pub async fn deliveries(
        &self,
        scope: &Scope,
        provider_id: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64, String, String, i64)>> {
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!(
            "SELECT d.delivered_on, d.person_id, pe.name, d.kind_code, d.quantity_centi FROM service_deliveries d
             JOIN people pe ON pe.id = d.person_id WHERE d.provider_id = $1 AND {cond}
             ORDER BY d.delivered_on DESC, d.id DESC LIMIT {}",
            limit.clamp(1, 100_000)
        );
        Ok(on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(provider_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        }))
    }
}

/// The contract's money as shown (元), or blank.
pub fn contract_text(v: &ProviderView) -> String {
    match (&v.contract_from, &v.contract_until, v.contract_fen) {
        (Some(f), Some(u), Some(a)) => format!("{f} 至 {u}，{} 元", Fen(a).yuan()),
        _ => String::new(),
    }
}
