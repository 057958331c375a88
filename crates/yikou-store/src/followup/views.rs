//! What the follow-up pages read: the samples, one sample's head, its members with the person
//! (masked), project, amount and the last call; and the one phone a caller must dial (decrypted for
//! that call only, audited).

use serde::Serialize;
use serde_json::json;
use yikou_domain::{Actor, Role};

use crate::contacts::open_text;
use crate::{on_db, on_tx, Result, Store, StoreError};

/// A sample as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleView {
    pub id: i64,
    pub campaign_id: i64,
    pub created_by: String,
    pub created_at: String,
    pub seed: String,
    pub generator: String,
    pub generator_version: i64,
    pub population_sha256: String,
    pub population: i64,
    pub excluded_no_phone: i64,
    pub size: i64,
    pub params_json: String,
    pub state: String,
    pub close_reason: Option<String>,
}

impl SampleView {
    /// The filters, size rule and strata the sample was drawn with.
    pub fn params(&self) -> Option<super::SampleParams> {
        // The seed is kept in its own column (as text: a u64 may exceed what JSON readers keep exact).
        let mut v: serde_json::Value = serde_json::from_str(&self.params_json).ok()?;
        v.as_object_mut()?.insert("seed".into(), self.seed.parse::<u64>().ok()?.into());
        serde_json::from_value(v).ok()
    }
}

/// What waits in the follow-up for someone (the home page): open cases theirs to resolve (their unit
/// paid; the bureau: all) and how many of them are past their deadline; for a caller, the people of their share still to reach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FollowupWork {
    pub cases_open: i64,
    pub cases_overdue: i64,
    pub calls_waiting: i64,
}

/// A drawn person as the sample's page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberView {
    pub entitlement_id: i64,
    pub stratum: String,
    pub caller: Option<String>,
    pub person_id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub phone_masked: Option<String>,
    pub project_name: String,
    pub amount_fen: i64,
    /// The last call: reached, received (codes).
    pub last_reached: Option<String>,
    pub last_received: Option<String>,
    pub calls: i64,
}

const SAMPLE_SELECT: &str =
    "SELECT s.id, s.created_by, s.created_at, s.seed, s.generator, s.generator_version, s.population_sha256,
    s.population, s.excluded_no_phone, s.size, s.params_json, s.state, s.close_reason, s.campaign_id FROM samples s";

type SampleRow = (i64, String, String, String, String, i64, String, i64, i64, i64, String, String, Option<String>, i64);

fn sample_view(r: SampleRow) -> SampleView {
    SampleView {
        id: r.0,
        created_by: r.1,
        created_at: r.2,
        seed: r.3,
        generator: r.4,
        generator_version: r.5,
        population_sha256: r.6,
        population: r.7,
        excluded_no_phone: r.8,
        size: r.9,
        params_json: r.10,
        state: r.11,
        close_reason: r.12,
        campaign_id: r.13,
    }
}

impl Store {
    /// The samples of a campaign, newest first (their figures are the whole sample's; the members
    /// and results a page shows are the reader's area's).
    pub async fn samples(&self, campaign_id: i64) -> Result<Vec<SampleView>> {
        let sql = format!("{SAMPLE_SELECT} WHERE s.campaign_id = $1 ORDER BY s.id DESC");
        let rows: Vec<SampleRow> = on_db!(&self.db, p => sqlx::query_as(&sql).bind(campaign_id).fetch_all(p).await?);
        Ok(rows.into_iter().map(sample_view).collect())
    }

    pub async fn sample(&self, id: i64) -> Result<Option<SampleView>> {
        let sql = format!("{SAMPLE_SELECT} WHERE s.id = $1");
        let row: Option<SampleRow> = on_db!(&self.db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        Ok(row.map(sample_view))
    }

    /// The members of a sample within the scope (a caller: their share only), by entitlement id.
    pub async fn sample_member_views(&self, actor: &Actor, sample_id: i64) -> Result<Vec<MemberView>> {
        let (cond, arg) = crate::scope::entitlements(&actor.scope, 2);
        let mine = if actor.role == Some(Role::Caller) { " AND (m.caller IS NULL OR m.caller = $3)" } else { "" };
        let mine = if arg.is_some() { mine.to_string() } else { mine.replace("$3", "$2") };
        let sql = format!(
            "SELECT m.entitlement_id, m.stratum, m.caller, pe.id, pe.name, pe.id_masked, pe.phone_masked, pr.name,
               COALESCE(e.approved_amount_fen, e.amount_fen),
               (SELECT c.reached FROM calls c WHERE c.sample_id = m.sample_id AND c.entitlement_id = m.entitlement_id ORDER BY c.id DESC LIMIT 1),
               (SELECT c.received FROM calls c WHERE c.sample_id = m.sample_id AND c.entitlement_id = m.entitlement_id ORDER BY c.id DESC LIMIT 1),
               (SELECT COUNT(*) FROM calls c WHERE c.sample_id = m.sample_id AND c.entitlement_id = m.entitlement_id)
             FROM sample_members m JOIN entitlements e ON e.id = m.entitlement_id JOIN people pe ON pe.id = e.person_id
             JOIN projects pr ON pr.id = e.project_id
             WHERE m.sample_id = $1 AND {cond}{mine} ORDER BY m.entitlement_id"
        );
        type Row = (
            i64,
            String,
            Option<String>,
            i64,
            String,
            String,
            Option<String>,
            String,
            i64,
            Option<String>,
            Option<String>,
            i64,
        );
        let rows: Vec<Row> = on_db!(&self.db, p => {
            let mut q = sqlx::query_as(&sql).bind(sample_id);
            if let Some(a) = &arg { q = q.bind(a.clone()); }
            if actor.role == Some(Role::Caller) { q = q.bind(actor.login.clone()); }
            q.fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| MemberView {
                entitlement_id: r.0,
                stratum: r.1,
                caller: r.2,
                person_id: r.3,
                name: r.4,
                id_number_masked: r.5,
                phone_masked: r.6,
                project_name: r.7,
                amount_fen: r.8,
                last_reached: r.9,
                last_received: r.10,
                calls: r.11,
            })
            .collect())
    }

    /// The follow-up work of the campaign within the actor's area: open and overdue cases; for a
    /// caller, the members of open samples shared to them by name not yet reached (never called, or the last
    /// call did not get through; a wrong number is not dialled again).
    pub async fn followup_work(&self, actor: &Actor, campaign_id: i64) -> Result<FollowupWork> {
        let cases = self.followup_cases(&actor.scope, campaign_id).await?;
        let mut w = FollowupWork {
            cases_open: cases.iter().filter(|c| c.open && c.mine).count() as i64,
            cases_overdue: cases.iter().filter(|c| c.overdue && c.mine).count() as i64,
            calls_waiting: 0,
        };
        if actor.role == Some(Role::Caller) {
            for s in self.samples(campaign_id).await?.iter().filter(|s| s.state == "open") {
                let members = self.sample_member_views(actor, s.id).await?;
                w.calls_waiting += members
                    .iter()
                    .filter(|m| m.caller.as_deref() == Some(actor.login.as_str()))
                    .filter(|m| matches!(m.last_reached.as_deref(), None | Some("no")))
                    .count() as i64;
            }
        }
        Ok(w)
    }

    /// The phone a caller dials for a member of their share (decrypted for this call, audited
    /// `followup.phone_view`; the record holds no number).
    pub async fn member_phone(&self, actor: &Actor, sample_id: i64, entitlement_id: i64) -> Result<Option<String>> {
        let members = self.sample_member_views(actor, sample_id).await?;
        let m = members
            .iter()
            .find(|m| m.entitlement_id == entitlement_id)
            .ok_or_else(|| StoreError::NotFound("该回访对象".into()))?;
        let mut tx = self.write(actor).await?;
        let cipher: Option<Vec<u8>> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT phone_cipher FROM people WHERE id = $1")
            .bind(m.person_id).fetch_one(c).await?);
        let phone = open_text(&self.keys, cipher.as_deref())?;
        tx.audit(
            "followup.phone_view",
            "person",
            &m.person_id.to_string(),
            None,
            Some(&json!({ "sample": sample_id, "entitlement": entitlement_id })),
        )
        .await?;
        tx.commit().await?;
        Ok(phone)
    }
}
