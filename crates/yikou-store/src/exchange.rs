//! Loading and exporting a campaign in the exchange layout, and reading a campaign's rows for the
//! cross-check. Records that are well-formed but conflict (duplicates, ineligible or deceased people)
//! load as they are: finding them is the check's job.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use time::Date;
use yikou_domain::exchange::{ExEntitlement, ExPerson, ExProject, Exchange};
use yikou_domain::reference::{UnitKind, BUREAU_CODE, DISTRICT_CODE};
use yikou_domain::{format_date, CountingUnit, EntitlementState, Fen, Form, IdNumber, Project, Standard, UnitGroup};

use crate::campaign::{create_project, insert_entitlements, NewEntitlement};
use crate::register::{insert_households, insert_people, NewPerson};
use crate::{on_db, on_tx, Result, Store, StoreError, WriteTx};

/// Projects of 相关职能部门 in a load name no unit; they are filed under this one.
pub const EXCHANGE_UNIT: &str = "310112-EXCH";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    pub people_created: u64,
    pub people_known: u64,
    pub households_created: u64,
    pub projects_created: u64,
    pub entitlements_created: u64,
    /// Category codes the sender used that yikou did not know; added to the reference data.
    pub categories_added: Vec<String>,
    /// Exclusive groups named by the sender.
    pub exclusive_groups: Vec<String>,
}

/// Loads a whole campaign. The campaign must have no project with the same codes (a second load of
/// the same files is refused, not doubled).
pub async fn load_campaign(tx: &mut WriteTx<'_>, campaign_id: i64, ex: &Exchange, since: Date) -> Result<LoadReport> {
    crate::atomic!(tx, {
        let mut report = LoadReport::default();
        let existing: Vec<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM projects WHERE campaign_id = $1")
            .bind(campaign_id).fetch_all(c).await?);
        if let Some(p) = ex.projects.iter().find(|p| existing.contains(&p.project_id)) {
            return Err(StoreError::Conflict(format!(
                "该活动中已有项目“{}”：这些文件似乎已经载入过，未重复载入",
                p.project_id
            )));
        }

        let used = ex
            .people
            .iter()
            .flat_map(|p| p.categories.iter())
            .chain(ex.projects.iter().flat_map(|p| p.target_categories.iter()));
        report.categories_added = add_categories(tx, used, "exchange load").await?;
        let unit: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM units WHERE code = $1")
            .bind(EXCHANGE_UNIT).fetch_optional(c).await?);
        if unit.is_none() && ex.projects.iter().any(|p| p.unit_group == UnitGroup::Departments) {
            crate::reference::add_unit(
                tx,
                EXCHANGE_UNIT,
                "其他职能部门（交换载入）",
                UnitKind::Organisation,
                DISTRICT_CODE,
            )
            .await?;
        }

        let people = load_people(tx, &ex.people, since).await?;
        report.households_created = people.households_created;
        report.people_created = people.created;
        report.people_known = people.known;
        let (person_ids, household_ids) = (people.person_ids, people.household_ids);

        // Projects: the layout names group, exclusivity, per-household and targets; the standard is
        // taken as the range the amounts span.
        let mut project_ids = Vec::with_capacity(ex.projects.len());
        let mut groups: Vec<String> = Vec::new();
        for (j, p) in ex.projects.iter().enumerate() {
            let amounts: Vec<i64> = ex.entitlements.iter().filter(|e| e.project == j).map(|e| e.amount_fen).collect();
            let (min, max) = (amounts.iter().min().copied().unwrap_or(0), amounts.iter().max().copied().unwrap_or(0));
            let project = Project {
                code: p.project_id.clone(),
                name: format!("交换载入项目 {}", p.project_id),
                unit_code: match p.unit_group {
                    UnitGroup::CivilAffairs => BUREAU_CODE.to_string(),
                    UnitGroup::Departments => EXCHANGE_UNIT.to_string(),
                    UnitGroup::Streets => DISTRICT_CODE.to_string(),
                },
                unit_group: p.unit_group,
                target_categories: p.target_categories.clone(),
                form: Form::Cash,
                standard: Standard::Range { min: Fen(min), max: Fen(max.max(1)) },
                counting_unit: if p.per_household { CountingUnit::Household } else { CountingUnit::Person },
                planned_count: amounts.len() as i64,
                planned_budget: vec![("TXZC".into(), Fen(amounts.iter().sum()))],
                exclusive_group: p.exclusive_group.clone(),
            };
            if let Some(g) = &p.exclusive_group {
                if !groups.contains(g) {
                    groups.push(g.clone());
                }
            }
            project_ids.push(create_project(tx, campaign_id, &project).await?);
        }
        report.projects_created = project_ids.len() as u64;
        report.exclusive_groups = groups;

        let rows: Vec<NewEntitlement> = ex
            .entitlements
            .iter()
            .map(|e| NewEntitlement {
                external_id: Some(e.entitlement_id.clone()),
                project_id: project_ids[e.project],
                person_id: person_ids[e.person],
                household_id: ex.people[e.person].household_id.as_ref().and_then(|h| household_ids.get(h).copied()),
                household_size: None,
                source_code: "TXZC".into(),
                amount: Fen(e.amount_fen),
                listed_name: Some(ex.people[e.person].name.clone()),
            })
            .collect();
        report.entitlements_created =
            insert_entitlements(tx, &rows, EntitlementState::Draft, "exchange").await?.len() as u64;
        tx.audit(
            "exchange.load",
            "campaign",
            &campaign_id.to_string(),
            None,
            Some(&serde_json::to_value(&report).unwrap_or_default()),
        )
        .await?;
        Ok(report)
    })
}

impl Store {
    /// The campaign in the exchange layout: the sender's ids where the records came from a load,
    /// `P<id>`/`E<id>` for records made here. ID numbers are decrypted for the file.
    pub async fn export_campaign(&self, campaign_id: i64, on: Date) -> Result<Exchange> {
        let on = format_date(on);
        let people: Vec<(i64, Option<String>, Vec<u8>, String, Option<String>, Option<String>, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT pe.id, pe.external_id, pe.id_cipher, pe.name, pe.street_code, h.code, pe.deceased_on
                 FROM people pe LEFT JOIN households h ON h.id = pe.household_id ORDER BY pe.id").fetch_all(p).await?);
        let cats: Vec<(i64, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT person_id, category_code FROM person_categories WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)
             ORDER BY person_id, start_date, category_code")
            .bind(&on).fetch_all(p).await?);
        let mut by_person: HashMap<i64, Vec<String>> = HashMap::new();
        for (p, c) in cats {
            by_person.entry(p).or_default().push(c);
        }
        let mut index = HashMap::new();
        let mut ex = Exchange::default();
        for (id, ext, cipher, name, street, household, deceased) in people {
            let id_number = IdNumber::parse(&self.keys.decrypt(&cipher)?).map_err(|_| StoreError::Decrypt)?;
            index.insert(id, ex.people.len());
            ex.people.push(ExPerson {
                person_id: ext.unwrap_or_else(|| format!("P{id}")),
                id_number,
                name,
                street_code: street,
                household_id: household,
                categories: by_person.remove(&id).unwrap_or_default(),
                deceased: deceased.is_some(),
            });
        }
        let stored = self.projects(&yikou_domain::Scope::All, campaign_id).await?;
        let mut project_index = HashMap::new();
        for sp in &stored {
            project_index.insert(sp.id, ex.projects.len());
            ex.projects.push(ExProject {
                project_id: sp.project.code.clone(),
                unit_group: sp.project.unit_group,
                exclusive_group: sp.project.exclusive_group.clone(),
                per_household: sp.project.counting_unit == CountingUnit::Household,
                target_categories: sp.project.target_categories.clone(),
            });
        }
        let ents: Vec<(i64, Option<String>, i64, i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT e.id, e.external_id, e.project_id, e.person_id, e.amount_fen FROM entitlements e
             JOIN projects pr ON pr.id = e.project_id WHERE pr.campaign_id = $1 ORDER BY e.id")
            .bind(campaign_id).fetch_all(p).await?);
        for (id, ext, project, person, amount) in ents {
            ex.entitlements.push(ExEntitlement {
                entitlement_id: ext.unwrap_or_else(|| format!("E{id}")),
                project: project_index[&project],
                person: index[&person],
                amount_fen: amount,
            });
        }
        Ok(ex)
    }
}

/// Category codes the sender used that yikou did not know join the reference data (named by
/// their code until someone names them); the codes added.
async fn add_categories<'a>(
    tx: &mut WriteTx<'_>,
    used: impl Iterator<Item = &'a String>,
    source: &str,
) -> Result<Vec<String>> {
    let known: Vec<String> =
        on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT code FROM categories").fetch_all(c).await?);
    let mut used: Vec<&str> = used.map(String::as_str).collect();
    used.sort_unstable();
    used.dedup();
    let mut added = Vec::new();
    for code in used.into_iter().filter(|c| !known.iter().any(|k| k == c)) {
        on_tx!(&mut tx.tx, c => sqlx::query("INSERT INTO categories (code, name, sort) VALUES ($1, $1, 1000)")
            .bind(code).execute(c).await?.rows_affected());
        added.push(code.to_string());
    }
    if !added.is_empty() {
        let after = json!({ "codes": added, "source": source });
        tx.audit("category.create", "category", "*", None, Some(&after)).await?;
    }
    Ok(added)
}

/// The people of a load in the register: each sender's row's person id (the register keeps one
/// record per ID number), the households by the sender's code, and what was new.
struct LoadedPeople {
    person_ids: Vec<i64>,
    /// Each row's person's distribution key (from the keyed hash already computed for the lookup).
    person_keys: Vec<i64>,
    household_ids: HashMap<String, i64>,
    created: u64,
    known: u64,
    households_created: u64,
    /// Rows whose person was registered before this load (index into the sender's rows).
    known_rows: Vec<usize>,
}

async fn load_people(tx: &mut WriteTx<'_>, people: &[ExPerson], since: Date) -> Result<LoadedPeople> {
    // Households: the sender's codes, reused where the register has them (looked up in bulk).
    let mut codes: Vec<&str> = people.iter().filter_map(|p| p.household_id.as_deref()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut household_ids: HashMap<String, i64> = HashMap::new();
    for part in codes.chunks(500) {
        let got = crate::dialect::households_by_code(&mut tx.tx, part).await?;
        household_ids.extend(got.into_iter().map(|(id, code)| (code, id)));
    }
    let mut wanted: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    let mut queued = std::collections::HashSet::new();
    for p in people {
        if let Some(h) = &p.household_id {
            if !household_ids.contains_key(h) && queued.insert(h.as_str()) {
                wanted.push((h.clone(), p.street_code.clone(), None));
            }
        }
    }
    let mut households_created = 0;
    if !wanted.is_empty() {
        let ids = insert_households(tx, &wanted).await?;
        households_created = ids.len() as u64;
        for (w, id) in wanted.iter().zip(ids) {
            household_ids.insert(w.0.clone(), id);
        }
    }

    // People: the register keeps one record per ID number.
    let mut person_ids: Vec<i64> = vec![0; people.len()];
    let mut new_people = Vec::new();
    let mut new_index = Vec::new();
    let mut known_rows = Vec::new();
    let mut known_count = 0;
    let keys: Vec<Vec<u8>> = people.iter().map(|p| tx.keys().id_key(p.id_number.as_str())).collect();
    let known = crate::imports::existing_people(tx, &keys).await?;
    // The same ID number under a second person_id of the sender is the same person; the name
    // that record carries stays on its entitlements for the near-duplicate review.
    let mut first_new: HashMap<&[u8], usize> = HashMap::new();
    let mut same_as: Vec<(usize, usize)> = Vec::new();
    for (i, p) in people.iter().enumerate() {
        match known.get(&keys[i]).map(|e| e.id) {
            Some(id) => {
                person_ids[i] = id;
                known_rows.push(i);
                known_count += 1;
            }
            None if first_new.contains_key(keys[i].as_slice()) => {
                same_as.push((i, first_new[keys[i].as_slice()]));
                known_count += 1;
            }
            None => {
                first_new.insert(keys[i].as_slice(), i);
                new_people.push(NewPerson {
                    external_id: Some(p.person_id.clone()).filter(|id| !id.is_empty()),
                    id_number: p.id_number.clone(),
                    name: if p.name.trim().is_empty() {
                        format!("（未提供姓名）{}", p.person_id)
                    } else {
                        p.name.clone()
                    },
                    phone: None,
                    address: None,
                    street_code: p.street_code.clone(),
                    committee_code: None,
                    household_id: p.household_id.as_ref().and_then(|h| household_ids.get(h).copied()),
                    is_household_head: false,
                    categories: p.categories.iter().map(|c| (c.clone(), since, None)).collect(),
                });
                new_index.push(i);
            }
        }
    }
    let ids = insert_people(tx, &new_people, "exchange").await?;
    let created = ids.len() as u64;
    let mut deceased = Vec::new();
    for (i, id) in new_index.iter().zip(ids) {
        person_ids[*i] = id;
        if people[*i].deceased {
            deceased.push(id);
        }
    }
    for (i, first) in same_as {
        person_ids[i] = person_ids[first];
    }
    mark_deceased(tx, &deceased, since).await?;
    let person_keys = keys.iter().map(|k| crate::distribution::person_key(k)).collect();
    Ok(LoadedPeople {
        person_ids,
        person_keys,
        household_ids,
        created,
        known: known_count,
        households_created,
        known_rows,
    })
}

/// Records people as deceased on `since` (those not recorded so already); how many were.
async fn mark_deceased(tx: &mut WriteTx<'_>, ids: &[i64], since: Date) -> Result<u64> {
    let mut marked = 0;
    for part in ids.chunks(500) {
        let list = part.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        marked += on_tx!(&mut tx.tx, c => sqlx::query(&format!(
            "UPDATE people SET deceased_on = $1 WHERE id IN ({list}) AND deceased_on IS NULL"
        ))
        .bind(format_date(since)).execute(c).await?.rows_affected());
    }
    Ok(marked)
}

/// What loading a municipal roster as the base register did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BaseReport {
    /// Rows of the roster.
    pub rows: u64,
    pub people_created: u64,
    pub people_known: u64,
    pub households_created: u64,
    /// Registered people who gained a category the roster names (and memberships added).
    pub people_updated: u64,
    pub categories_set: u64,
    /// Registered people the roster names as deceased, now recorded so.
    pub deceased_marked: u64,
    pub categories_added: Vec<String>,
}

/// Loads a municipal roster (the people layout) as the base register for the cross-check: people
/// not registered are registered with their categories from `on`; registered people gain the
/// categories the roster names that they do not have on `on` (none is ended: the roster speaks for
/// its own categories only) and are recorded deceased when it says so. Loading the same roster
/// again changes nothing. One audit record with the counts (no one's number).
pub async fn load_base_register(tx: &mut WriteTx<'_>, people: &[ExPerson], on: Date) -> Result<BaseReport> {
    crate::atomic!(tx, {
        let mut report = BaseReport { rows: people.len() as u64, ..Default::default() };
        report.categories_added =
            add_categories(tx, people.iter().flat_map(|p| p.categories.iter()), "base register").await?;
        // The same ID number on several rows is one person: their categories together, deceased if
        // any row says so (so a second load of the same roster finds nothing left to do).
        let mut merged: Vec<ExPerson> = Vec::with_capacity(people.len());
        let mut at: HashMap<&str, usize> = HashMap::new();
        for p in people {
            match at.get(p.id_number.as_str()) {
                Some(&i) => {
                    let m = &mut merged[i];
                    for c in &p.categories {
                        if !m.categories.contains(c) {
                            m.categories.push(c.clone());
                        }
                    }
                    m.deceased |= p.deceased;
                }
                None => {
                    at.insert(p.id_number.as_str(), merged.len());
                    // The roster's own row ids (or row numbers) are not kept as the person's sender id:
                    // they repeat across rosters and files; the register's own id stands in the export.
                    merged.push(ExPerson { person_id: String::new(), ..p.clone() });
                }
            }
        }
        let people = &merged[..];
        let loaded = load_people(tx, people, on).await?;
        report.people_created = loaded.created;
        report.people_known = loaded.known;
        report.households_created = loaded.households_created;
        let ids: Vec<i64> = loaded.known_rows.iter().map(|&i| loaded.person_ids[i]).collect();
        let day = format_date(on);
        let mut current: std::collections::HashSet<(i64, String)> = std::collections::HashSet::new();
        for part in ids.chunks(500) {
            let list = part.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let rows: Vec<(i64, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(&format!(
                "SELECT person_id, category_code FROM person_categories WHERE person_id IN ({list})
                 AND start_date <= $1 AND (end_date IS NULL OR end_date >= $1)"
            ))
            .bind(&day).fetch_all(c).await?);
            current.extend(rows);
        }
        let mut added: Vec<(i64, i64, String, String, Option<String>)> = Vec::new();
        let mut updated = std::collections::HashSet::new();
        let mut deceased = Vec::new();
        for &i in &loaded.known_rows {
            let id = loaded.person_ids[i];
            for code in &people[i].categories {
                if current.insert((id, code.clone())) {
                    added.push((id, loaded.person_keys[i], code.clone(), day.clone(), None));
                    updated.insert(id);
                }
            }
            if people[i].deceased {
                deceased.push(id);
            }
        }
        crate::dialect::insert_categories(&mut tx.tx, &added, None).await?;
        report.categories_set = added.len() as u64;
        report.people_updated = updated.len() as u64;
        report.deceased_marked = mark_deceased(tx, &deceased, on).await?;
        let after = serde_json::to_value(&report).unwrap_or_default();
        tx.audit("register.base_load", "person", "*", None, Some(&after)).await?;
        Ok(report)
    })
}
