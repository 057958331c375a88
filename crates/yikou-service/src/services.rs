//! 上门服务 as use cases (issue 17, point 2): the service kinds (the bureau adds), providers (a unit
//! registers the ones it manages), and a provider's monthly delivery list imported from Excel: every
//! row checked — ID number, a person of the actor's area under that name, a known kind, a real day
//! inside the contract's period, a positive quantity — and, as in the roster import, the list is
//! refused with every problem named (row, column, what to do) or recorded whole; the same list twice
//! records nothing twice.

use std::path::Path;

use yikou_domain::service::{parse_quantity, Measure, Provider};
use yikou_domain::{parse_date, Actor, IdNumber, Scope};
use yikou_ingest::deliveries::{loose_date, read_deliveries, DeliveryRow};
use yikou_ingest::validate::RowIssue;
use yikou_store::service::{self, NewDelivery, ProviderView, ServiceKind};
use yikou_store::Store;

use crate::{Result, ServiceError};

fn may_manage(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_manage_services()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

pub async fn kinds(store: &Store) -> Result<Vec<ServiceKind>> {
    Ok(store.service_kinds().await?)
}

/// Adds a service kind: the district's list, so the bureau only.
pub async fn add_kind(store: &Store, actor: &Actor, code: &str, name: &str, measure: Measure) -> Result<()> {
    may_manage(actor)?;
    if actor.scope != Scope::All {
        return Err(ServiceError::Refused("服务类别是全区统一的，由区民政局增加".into()));
    }
    let mut tx = store.write(actor).await?;
    service::add_kind(&mut tx, code, name, measure).await?;
    tx.commit().await?;
    Ok(())
}

/// Registers a provider the actor's unit manages; its id.
pub async fn add_provider(store: &Store, actor: &Actor, p: &Provider) -> Result<i64> {
    may_manage(actor)?;
    let mut tx = store.write(actor).await?;
    let id = service::add_provider(&mut tx, &actor.scope, p).await?;
    tx.commit().await?;
    Ok(id)
}

/// The providers the actor's unit manages, with their totals.
pub async fn providers(store: &Store, actor: &Actor) -> Result<Vec<ProviderView>> {
    if actor.role.is_some_and(|r| !r.may_manage_services() && !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(store.providers(&actor.scope).await?)
}

/// What a delivery list came to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ImportOutcome {
    /// Recorded (`already`: rows of an earlier import of the same deliveries, left as they were).
    Recorded { rows: usize, recorded: u64, already: u64 },
    /// Nothing recorded: every problem, by row.
    Refused { rows: usize, rows_with_issues: usize, issues: Vec<RowIssue> },
}

fn issue(row: u32, column: &str, code: &str, message: String) -> RowIssue {
    RowIssue { row, column: column.into(), code: code.into(), message, warning: false }
}

/// Imports a provider's delivery list (`name`: the file's name, kept as the deliveries' source).
pub async fn import_deliveries(
    store: &Store,
    actor: &Actor,
    provider_id: i64,
    path: &Path,
    name: &str,
) -> Result<ImportOutcome> {
    may_manage(actor)?;
    // A provider outside the actor's unit is "not found" before the file is read.
    if !store.providers(&actor.scope).await?.iter().any(|p| p.id == provider_id) {
        return Err(ServiceError::NotFound);
    }
    let owned = path.to_path_buf();
    let rows = tokio::task::spawn_blocking(move || read_deliveries(&owned))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| ServiceError::Unreadable(e.to_string()))?;
    let kinds = store.service_kinds().await?;
    let mut tx = store.write(actor).await?;
    let provider = service::provider_in(&mut tx, &actor.scope, provider_id).await?;
    let period = (
        provider.contract_from.as_deref().and_then(parse_date),
        provider.contract_until.as_deref().and_then(parse_date),
    );
    let mut issues = Vec::new();
    let mut parsed: Vec<(&DeliveryRow, IdNumber, String, time::Date, i64)> = Vec::new();
    for r in &rows {
        let before = issues.len();
        let id = if r.id_number.trim().is_empty() {
            issues.push(issue(r.row, "身份证号", "id_missing", "请填写身份证号".into()));
            None
        } else {
            IdNumber::parse(&r.id_number)
                .map_err(|e| issues.push(issue(r.row, "身份证号", "id_invalid", format!("身份证号不正确：{e}"))))
                .ok()
        };
        let kind = kinds.iter().find(|k| k.name == r.kind.trim() || k.code == r.kind.trim());
        if kind.is_none() {
            let known = kinds.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join("、");
            issues.push(issue(
                r.row,
                "服务类别",
                "kind_unknown",
                format!("服务类别“{}”不在目录中，应为：{known}", r.kind),
            ));
        }
        let day = loose_date(&r.date);
        match day {
            None => issues.push(issue(
                r.row,
                "服务日期",
                "date_invalid",
                format!("服务日期“{}”不正确，应形如 2020-01-05", r.date),
            )),
            Some(d) if d > yikou_domain::today() => {
                issues.push(issue(r.row, "服务日期", "date_future", format!("服务日期 {d} 在今天之后")))
            }
            Some(d) if period.0.is_some_and(|f| d < f) || period.1.is_some_and(|u| d > u) => issues.push(issue(
                r.row,
                "服务日期",
                "outside_contract",
                format!(
                    "服务日期 {d} 不在合同期内（{} 至 {}）",
                    provider.contract_from.clone().unwrap_or_default(),
                    provider.contract_until.clone().unwrap_or_default()
                ),
            )),
            Some(_) => {}
        }
        let quantity = parse_quantity(&r.quantity);
        let whole = |q: i64| kind.is_none_or(|k| k.measure == Measure::Hours || q % 100 == 0);
        if let (Some(q), Some(k)) = (quantity, kind) {
            if !whole(q) {
                issues.push(issue(
                    r.row,
                    "数量",
                    "quantity_not_whole",
                    format!("{}按次计，数量“{}”应为整数", k.name, r.quantity.trim()),
                ));
            }
        }
        if quantity.is_none() {
            issues.push(issue(
                r.row,
                "数量",
                "quantity_invalid",
                format!("数量“{}”不正确：应为大于0的数（小时或次数，最多两位小数）", r.quantity),
            ));
        }
        if issues.len() == before {
            if let (Some(id), Some(k), Some(d), Some(q)) = (id, kind, day, quantity.filter(|q| whole(*q))) {
                parsed.push((r, id, k.code.clone(), d, q));
            }
        }
    }
    let ids: Vec<IdNumber> = parsed.iter().map(|p| p.1.clone()).collect();
    let people = service::resolve_people(&mut tx, &actor.scope, &ids).await?;
    let mut deliveries = Vec::new();
    for (r, id, kind, day, q) in &parsed {
        match people.get(id.as_str()) {
            None => issues.push(issue(
                r.row,
                "身份证号",
                "not_in_area",
                format!("本辖区登记名册中没有身份证号 {}：请先登记该对象，或核对号码", id.masked()),
            )),
            Some((_, registered)) if !r.name.trim().is_empty() && r.name.trim() != registered => issues.push(issue(
                r.row,
                "姓名",
                "name_mismatch",
                format!("姓名“{}”与登记名册不符（名册为“{registered}”），请核对", r.name.trim()),
            )),
            Some((person_id, _)) => deliveries.push(NewDelivery {
                person_id: *person_id,
                kind_code: kind.clone(),
                day: *day,
                quantity_centi: *q,
            }),
        }
    }
    if !issues.is_empty() {
        issues.sort_by_key(|i| i.row);
        let mut with: Vec<u32> = issues.iter().map(|i| i.row).collect();
        with.dedup();
        drop(tx);
        return Ok(ImportOutcome::Refused { rows: rows.len(), rows_with_issues: with.len(), issues });
    }
    let (recorded, already) = service::record_deliveries(&mut tx, provider_id, &deliveries, name).await?;
    tx.commit().await?;
    Ok(ImportOutcome::Recorded { rows: rows.len(), recorded, already })
}
