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
    pub kind: UnitKind,
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
            return Err(StoreError::rejected("unit_incomplete", "单位代码和名称不能为空"));
        }
        let parent_exists: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM units WHERE code = $1")
        .bind(parent).fetch_optional(c).await?);
        if parent_exists.is_none() {
            return Err(StoreError::rejected("unit_parent_unknown", format!("上级单位“{parent}”不存在")));
        }
        let inserted = on_tx!(&mut tx.tx, c => sqlx::query(
        "INSERT INTO units (code, name, kind, parent_code) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
        .bind(code).bind(name.trim()).bind(kind.code()).bind(parent)
        .execute(c).await?.rows_affected());
        if inserted == 0 {
            return Err(StoreError::Conflict(format!("单位代码“{code}”已存在")));
        }
        let after = json!({ "code": code, "name": name.trim(), "kind": kind.code(), "parent": parent });
        tx.audit("unit.create", "unit", code, None, Some(&after)).await
    })
}

/// A stored unit kind (written from [`UnitKind::code`]).
fn unit_kind(code: &str) -> Result<UnitKind> {
    UnitKind::from_code(code)
        .ok_or_else(|| StoreError::Sql(sqlx::Error::Decode(format!("单位类型“{code}”无法识别：单位表已损坏").into())))
}

/// A unit with its campaign contact (通讯录, 附件2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitContact {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_code: Option<String>,
    pub contact_name: Option<String>,
    pub contact_title: Option<String>,
    pub office_phone: Option<String>,
    pub mobile: Option<String>,
}

/// What a contact may be set to; blank fields clear.
#[derive(Debug, Clone, Default)]
pub struct ContactUpdate {
    pub contact_name: String,
    pub contact_title: String,
    pub office_phone: String,
    pub mobile: String,
}

/// Sets a unit's contact. Phone numbers must be valid (mobile or Shanghai landline); audited with
/// the values before and after (staff contacts, not beneficiaries' data).
pub async fn set_contact(tx: &mut WriteTx<'_>, code: &str, u: &ContactUpdate) -> Result<()> {
    let clean = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let phone = |s: &str, what: &str| -> Result<Option<String>> {
        match clean(s) {
            None => Ok(None),
            Some(p) => yikou_domain::Phone::parse(&p).map(|p| Some(p.canonical())).map_err(|_| {
                StoreError::Invalid(format!("{what}“{p}”不是有效的电话号码（手机11位，或上海固话8位，可带021）"))
            }),
        }
    };
    let (office, mobile) = (phone(&u.office_phone, "办公电话")?, phone(&u.mobile, "手机")?);
    if clean(&u.contact_name).is_some_and(|n| n.chars().count() > 30) {
        return Err(StoreError::Invalid("联系人姓名过长（超过30个字）".into()));
    }
    let before: Option<(Option<String>, Option<String>, Option<String>, Option<String>)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
        "SELECT contact_name, contact_title, office_phone, mobile FROM units WHERE code = $1").bind(code).fetch_optional(c).await?);
    let before = before.ok_or_else(|| StoreError::NotFound("该单位".into()))?;
    on_tx!(&mut tx.tx, c => sqlx::query(
        "UPDATE units SET contact_name = $1, contact_title = $2, office_phone = $3, mobile = $4 WHERE code = $5")
        .bind(clean(&u.contact_name)).bind(clean(&u.contact_title)).bind(&office).bind(&mobile).bind(code)
        .execute(c).await?.rows_affected());
    tx.audit(
        "unit.contact",
        "unit",
        code,
        Some(&json!({ "name": before.0, "title": before.1, "office_phone": before.2, "mobile": before.3 })),
        Some(&json!({ "name": clean(&u.contact_name), "title": clean(&u.contact_title), "office_phone": office, "mobile": mobile })),
    )
    .await
}

impl Store {
    /// Every unit with its contact, in reference order.
    pub async fn contacts(&self) -> Result<Vec<UnitContact>> {
        type Row =
            (String, String, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT code, name, kind, parent_code, contact_name, contact_title, office_phone, mobile FROM units ORDER BY sort, code")
            .fetch_all(p).await?);
        rows.into_iter()
            .map(|(code, name, kind, parent_code, contact_name, contact_title, office_phone, mobile)| {
                Ok(UnitContact {
                    code,
                    name,
                    kind: unit_kind(&kind)?,
                    parent_code,
                    contact_name,
                    contact_title,
                    office_phone,
                    mobile,
                })
            })
            .collect()
    }

    pub async fn units(&self) -> Result<Vec<Unit>> {
        let rows: Vec<(String, String, String, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT code, name, kind, parent_code FROM units ORDER BY sort, code").fetch_all(p).await?);
        rows.into_iter()
            .map(|(code, name, kind, parent_code)| Ok(Unit { code, name, kind: unit_kind(&kind)?, parent_code }))
            .collect()
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
