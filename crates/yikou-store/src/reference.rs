//! Reference data in the database: units (单位), categories (类别), funding sources (资金来源).

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use yikou_domain::reference::{UnitKind, CATEGORIES, FUNDING_SOURCES, UNITS};

use crate::{on_db, on_tx, Result, Store, StoreError, WriteTx};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FundingSource {
    pub code: String,
    pub name: String,
}

/// Loads the shipped reference data (idempotent: existing codes are left as the bureau edited them).
pub async fn seed(tx: &mut WriteTx<'_>) -> Result<()> {
    crate::atomic!(tx, {
        for (i, u) in UNITS.iter().enumerate() {
            on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO units (code, name, kind, parent_code, sort) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING")
            .bind(u.code).bind(u.name).bind(u.kind.code()).bind(u.parent).bind(i as i64)
            .execute(c).await?.rows_affected());
        }
        // Parents first so that the foreign key holds.
        for pass in [true, false] {
            for (i, c) in CATEGORIES.iter().enumerate().filter(|(_, c)| c.parent.is_none() == pass) {
                on_tx!(&mut tx.tx, conn => sqlx::query(
                "INSERT INTO categories (code, name, parent_code, sort) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
                .bind(c.code).bind(c.name).bind(c.parent).bind(i as i64)
                .execute(conn).await?.rows_affected());
            }
        }
        for (i, f) in FUNDING_SOURCES.iter().enumerate() {
            on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO funding_sources (code, name, sort) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING")
            .bind(f.code).bind(f.name).bind(i as i64)
            .execute(c).await?.rows_affected());
        }
        let after =
            json!({ "units": UNITS.len(), "categories": CATEGORIES.len(), "funding_sources": FUNDING_SOURCES.len() });
        tx.audit("reference.seed", "reference", "default", None, Some(&after)).await
    })
}

/// Adds a unit (e.g. a committee under a street). Refuses an unknown parent or a duplicate code.
pub async fn add_unit(tx: &mut WriteTx<'_>, code: &str, name: &str, kind: UnitKind, parent: &str) -> Result<()> {
    crate::atomic!(tx, {
        if name.trim().is_empty() || code.trim().is_empty() {
            return Err(StoreError::Invalid("单位代码和名称不能为空".into()));
        }
        let parent_exists: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM units WHERE code = $1")
        .bind(parent).fetch_optional(c).await?);
        if parent_exists.is_none() {
            return Err(StoreError::Invalid(format!("上级单位“{parent}”不存在")));
        }
        let inserted = on_tx!(&mut tx.tx, c => sqlx::query(
        "INSERT INTO units (code, name, kind, parent_code) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
        .bind(code).bind(name.trim()).bind(kind.code()).bind(parent)
        .execute(c).await?.rows_affected());
        if inserted == 0 {
            return Err(StoreError::Invalid(format!("单位代码“{code}”已存在")));
        }
        let after = json!({ "code": code, "name": name.trim(), "kind": kind.code(), "parent": parent });
        tx.audit("unit.create", "unit", code, None, Some(&after)).await
    })
}

impl Store {
    pub async fn units(&self) -> Result<Vec<Unit>> {
        Ok(on_db!(&self.db, p => {
            let rows = sqlx::query("SELECT code, name, kind, parent_code FROM units ORDER BY sort, code").fetch_all(p).await?;
            rows.iter().map(|r| Ok::<_, sqlx::Error>(Unit {
                code: r.try_get("code")?, name: r.try_get("name")?, kind: r.try_get("kind")?, parent_code: r.try_get("parent_code")?,
            })).collect::<Result<Vec<_>, _>>()?
        }))
    }

    pub async fn unit(&self, code: &str) -> Result<Option<Unit>> {
        Ok(self.units().await?.into_iter().find(|u| u.code == code))
    }

    pub async fn categories(&self) -> Result<Vec<Category>> {
        Ok(on_db!(&self.db, p => {
            let rows = sqlx::query("SELECT code, name, parent_code FROM categories ORDER BY sort, code").fetch_all(p).await?;
            rows.iter().map(|r| Ok::<_, sqlx::Error>(Category {
                code: r.try_get("code")?, name: r.try_get("name")?, parent_code: r.try_get("parent_code")?,
            })).collect::<Result<Vec<_>, _>>()?
        }))
    }

    pub async fn funding_sources(&self) -> Result<Vec<FundingSource>> {
        Ok(on_db!(&self.db, p => {
            let rows = sqlx::query("SELECT code, name FROM funding_sources ORDER BY sort, code").fetch_all(p).await?;
            rows.iter().map(|r| Ok::<_, sqlx::Error>(FundingSource { code: r.try_get("code")?, name: r.try_get("name")? }))
                .collect::<Result<Vec<_>, _>>()?
        }))
    }
}
