//! Which people a list may touch: only those of the importer's area (a department's roster may
//! list people registered by a street/town without changing them). The register a check consults
//! and the projects an import may name are the area's too.

use std::collections::HashMap;

use serde_json::json;

use super::{Existing, ImportMeta};
use crate::campaign::StoredProject;
use crate::{on_db, on_tx, Result, Store, WriteTx};

/// What an import may do with a person already registered, by the actor's area.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// The person is in the actor's area: new facts are recorded.
    Own,
    /// A department's roster may list a person registered by a street/town under the registered
    /// name, but does not change the person's register facts.
    ListOnly,
    /// Outside the actor's area: the row is left out and the person is not touched.
    Outside,
}

/// For each row of a chunk, what the import may do with the person it names.
pub(super) async fn reach_of(
    tx: &mut WriteTx<'_>,
    rows: &[super::ImportRow],
    keys: &[Vec<u8>],
    existing: &HashMap<Vec<u8>, Existing>,
) -> Result<Vec<Reach>> {
    use yikou_domain::Scope;
    let scope = tx.actor().scope.clone();
    // For a department: the known people already on one of its rosters are its own.
    let mut on_rosters = std::collections::HashSet::new();
    if let Scope::Unit(unit) = &scope {
        let ids: Vec<i64> = existing.values().map(|e| e.id).collect();
        for part in ids.chunks(500) {
            let list = part.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let got: Vec<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(&format!(
                "SELECT DISTINCT e.person_id FROM entitlements e JOIN projects pr ON pr.id = e.project_id
                 WHERE pr.unit_code = $1 AND e.person_id IN ({list})"))
                .bind(unit).fetch_all(c).await?);
            on_rosters.extend(got);
        }
    }
    Ok(keys
        .iter()
        .zip(rows)
        .map(|(k, row)| match existing.get(k) {
            None => Reach::Own,
            Some(e) => match &scope {
                Scope::All => Reach::Own,
                Scope::Street(c) if e.street_code.as_deref() == Some(c.as_str()) => Reach::Own,
                Scope::Committee(c) if e.committee_code.as_deref() == Some(c.as_str()) => Reach::Own,
                Scope::Unit(_) if on_rosters.contains(&e.id) => Reach::Own,
                // An ID number alone must not pull someone into a department's view (a security
                // probe did so): the roster must name them as registered, else the row is left out
                // with the same neutral message as any other person outside the area.
                Scope::Unit(_) if e.name.trim() == row.name.trim() => Reach::ListOnly,
                _ => Reach::Outside,
            },
        })
        .collect())
}

impl Store {
    /// Records an import refused because rows name people registered outside the actor's area:
    /// the file, how many rows and their masked ID numbers (so that probing shows in the log).
    pub async fn audit_outside_refusal(
        &self,
        actor: &yikou_domain::Actor,
        meta: &ImportMeta,
        masked_ids: &[String],
    ) -> Result<()> {
        let mut tx = self.write(actor).await?;
        tx.audit(
            "import.refused_outside",
            "import_batch",
            "-",
            None,
            Some(&json!({ "file": meta.file_name, "sha256": meta.file_hash, "outside_rows": masked_ids.len(), "masked_ids": masked_ids.iter().take(200).collect::<Vec<_>>(), "rows": meta.rows })),
        )
        .await?;
        tx.commit().await
    }

    /// The canonical ID number and name of every person the scope may see (for "name differs" and
    /// "did you mean" while validating a list). People outside the scope are not in it, so a check
    /// reveals nothing about them. Decrypted in memory only; never logged.
    pub async fn register_names(&self, scope: &yikou_domain::Scope) -> Result<HashMap<String, String>> {
        let (cond, arg) = crate::scope::people(scope, 1);
        let sql = format!("SELECT pe.id_cipher, pe.name FROM people pe WHERE {cond}");
        let rows: Vec<(Vec<u8>, String)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let mut out = HashMap::with_capacity(rows.len());
        for (blob, name) in rows {
            out.insert(self.keys.decrypt(&blob)?, name);
        }
        Ok(out)
    }

    /// A project of a campaign by its code, if the scope may see it (a project outside it is not
    /// found, like any other record).
    pub async fn project_by_code(
        &self,
        scope: &yikou_domain::Scope,
        campaign_id: i64,
        code: &str,
    ) -> Result<Option<StoredProject>> {
        Ok(self.projects(scope, campaign_id).await?.into_iter().find(|p| p.project.code == code.trim()))
    }
}
