//! The rows the check needs, read packed as one JSON value per table (far fewer driver round trips
//! than row by row).

use serde::de::DeserializeOwned;
use time::Date;
use yikou_domain::rules::RuleSet;
use yikou_domain::{format_date, Scope};

use crate::campaign::StoredProject;
use crate::db::Db;
use crate::dialect::{packed_ranges, Bind, PerBackend};
use crate::{Result, Store, StoreError};

/// A person: (id, household, deceased by the check date (0/1), moved away by then (0/1), street, name,
/// birth date as the number yyyymmdd, sex (1 male, 2 female, 0 not known), masked ID number). Dates
/// and codes as small numbers: at city scale 72 MB less than as texts.
pub(super) type PersonTuple = (i64, Option<i64>, u8, u8, Option<Text>, Text, Option<i64>, u8, Text);
/// An entitlement: (id, project, person, household, household_size, amount, source, listed_name).
pub(super) type EntitlementTuple = (i64, i64, i64, Option<i64>, Option<i64>, i64, Text, Option<Text>);
/// The rows' texts (codes, dates, names) are short: kept inline, up to 24 bytes, instead of one
/// allocation each (at city scale 14 million of them, ≈ 0.3 GB).
pub(super) type Text = compact_str::CompactString;

/// Everything one run reads: people and entitlements ordered by id.
pub(super) struct Rows {
    pub(super) people: Vec<PersonTuple>,
    /// (person, category) memberships current on the check date.
    pub(super) categories: Vec<(i64, Text)>,
    pub(super) entitlements: Vec<EntitlementTuple>,
    pub(super) rules_version: i64,
    pub(super) rules: RuleSet,
    pub(super) projects: Vec<StoredProject>,
    /// People visited during the campaign (走访慰问), for the visit coverage rule.
    pub(super) visited: Vec<i64>,
}

/// Reads one packed JSON array produced by the database (`json_group_array` on SQLite, `json_agg`
/// on PostgreSQL) into rows.
async fn packed<T: DeserializeOwned, B: Bind + 'static>(db: &Db, sql: &PerBackend, bind: B) -> Result<Vec<T>> {
    match crate::dialect::text_scalar(db, sql, bind).await? {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Invalid(format!("比对数据无法解析：{e}"))),
    }
}

/// Reads the campaign's rows, the rules in force and the projects.
pub(super) async fn rows(store: &Store, campaign_id: i64, on: Date) -> Result<Rows> {
    let on_s = format_date(on);
    // The reads are independent: on separate connections of the pool they run side by side.
    let people_columns = format!(
        "id, household_id, CASE WHEN deceased_on <= '{on_s}' THEN 1 ELSE 0 END,
         CASE WHEN moved_away_on <= '{on_s}' THEN 1 ELSE 0 END, street_code, name,
         CAST(REPLACE(birth_date, '-', '') AS BIGINT), CASE sex WHEN 'M' THEN 1 WHEN 'F' THEN 2 ELSE 0 END, id_masked"
    );
    let people_read = async {
        let mut people: Vec<PersonTuple> = Vec::new();
        packed_ranges(
            &store.db,
            "people",
            &people_columns,
            "FROM people WHERE id > $1 AND id <= $2 AND $3 = $3",
            0i64,
            &mut people,
        )
        .await?;
        Ok::<_, StoreError>(people)
    };
    let cats_read = packed::<(i64, Text), _>(
        &store.db,
        &PerBackend {
            sqlite: "SELECT json_group_array(json_array(person_id, category_code)) FROM person_categories
                     WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)",
            postgres: "SELECT json_agg(json_build_array(person_id, category_code))::text FROM person_categories
                     WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)",
        },
        on_s,
    );
    let ents_read = async {
        let mut entitlements: Vec<EntitlementTuple> = Vec::new();
        // `+e.project_id`: scan the range in id order rather than visit each row through the
        // project index (random page reads for a campaign's every row).
        packed_ranges(
            &store.db,
            "entitlements",
            "e.id, e.project_id, e.person_id, e.household_id, e.household_size, e.amount_fen, e.source_code, e.listed_name",
            "FROM entitlements e WHERE e.id > $1 AND e.id <= $2
             AND +e.project_id IN (SELECT id FROM projects WHERE campaign_id = $3)",
            campaign_id,
            &mut entitlements,
        )
        .await?;
        Ok::<_, StoreError>(entitlements)
    };
    let visited_read = packed::<i64, _>(
        &store.db,
        &PerBackend {
            sqlite: "SELECT json_group_array(DISTINCT person_id) FROM visits WHERE campaign_id = $1",
            postgres: "SELECT json_agg(DISTINCT person_id)::text FROM visits WHERE campaign_id = $1",
        },
        campaign_id,
    );
    let (rules_read, projects_read) = (store.rules(campaign_id), store.projects(&Scope::All, campaign_id));
    // The two large tables one after the other, each a range of ids at a time on one connection
    // (at city scale two whole-table texts and the rows of both at once took 1.2 GB).
    let (mut people, categories, (rules_version, rules), projects, visited) =
        tokio::try_join!(people_read, cats_read, rules_read, projects_read, visited_read)?;
    people.sort_unstable_by_key(|p| p.0);
    let mut entitlements = ents_read.await?;
    entitlements.sort_unstable_by_key(|e| e.0);
    Ok(Rows { people, categories, entitlements, rules_version, rules, projects, visited })
}
