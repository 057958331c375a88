//! Which people a list may touch: only those of the importer's area (a department's roster may
//! list people registered by a street/town without changing them). The register a check consults
//! and the projects an import may name are the area's too.

use std::collections::HashMap;

use serde_json::json;

use super::{Existing, ImportMeta};
use crate::campaign::StoredProject;
use crate::{on_tx, Result, Store, StoreError, WriteTx};

/// The names of the people an area holds, by the keyed hash of their ID number: an open-addressing
/// table of the hashes' first 128 bits (two different numbers sharing them is as likely as guessing
/// a key), one cache line read per lookup, and the names in one text — ≈ 60 bytes a person.
pub struct RegisterNames {
    hasher: crate::crypto::IdHasher,
    /// (the keyed hash's first 16 bytes, where the name starts in `text`, where it ends); an
    /// empty slot starts at `u32::MAX`. At most half full; probed linearly.
    slots: Vec<([u8; 16], u32, u32)>,
    len: usize,
    text: String,
}

const EMPTY: ([u8; 16], u32, u32) = ([0; 16], u32::MAX, 0);

impl RegisterNames {
    pub(crate) fn with_capacity(hasher: crate::crypto::IdHasher, n: usize) -> RegisterNames {
        let size = (n.max(8) * 2).next_power_of_two();
        RegisterNames { hasher, slots: vec![EMPTY; size], len: 0, text: String::new() }
    }

    /// The slot of `head`: where it is, or the empty one where it would go.
    fn slot(&self, head: &[u8; 16]) -> usize {
        let mask = self.slots.len() - 1;
        // The keyed hash is already uniform: its first bytes are the table's hash.
        let mut at = u64::from_le_bytes(head[..8].try_into().expect("eight bytes")) as usize & mask;
        loop {
            let s = &self.slots[at];
            if s.1 == u32::MAX || s.0 == *head {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    fn insert(&mut self, head: [u8; 16], name: &str) {
        if (self.len + 1) * 2 > self.slots.len() {
            let bigger = vec![EMPTY; self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, bigger);
            for s in old.into_iter().filter(|s| s.1 != u32::MAX) {
                let at = self.slot(&s.0);
                self.slots[at] = s;
            }
        }
        let at = self.slot(&head);
        if self.slots[at].1 == u32::MAX {
            self.len += 1;
        }
        let from = self.text.len() as u32;
        self.text.push_str(name);
        self.slots[at] = (head, from, self.text.len() as u32);
    }

    /// Adds one person: the hexadecimal of the keyed hash's first 16 bytes, and the name.
    pub(crate) fn add_hex(&mut self, key: &str, name: &str) {
        let mut head = [0u8; 16];
        if hex::decode_to_slice(key, &mut head).is_ok() {
            self.insert(head, name);
        }
    }

    /// Adds the people of one packed range: `[[hex of the hash's first 16 bytes, name], …]`.
    pub(crate) fn add_packed(&mut self, packed: &str) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Row<'a>(&'a str, #[serde(borrow)] std::borrow::Cow<'a, str>);
        let rows: Vec<Row<'_>> =
            serde_json::from_str(packed).map_err(|e| StoreError::Invalid(format!("帮困对象库数据无法读取：{e}")))?;
        for Row(key, name) in rows {
            self.add_hex(key, &name);
        }
        Ok(())
    }

    /// The registered name for a canonical ID number, if the person is registered in the area.
    pub fn name_of(&self, canonical_id: &str) -> Option<&str> {
        let key = self.hasher.key(canonical_id);
        let head: [u8; 16] = key[..16].try_into().expect("sixteen bytes");
        let (_, from, to) = self.slots[self.slot(&head)];
        if from == u32::MAX {
            return None;
        }
        self.text.get(from as usize..to as usize)
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

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
    rows: &[&super::ImportRow],
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

    /// The join key and name of every person the scope may see (for "name differs" and "did you
    /// mean" while validating a list): a number from the list is looked up by its keyed hash, so
    /// nothing is decrypted however large the register is. People outside the scope are not in
    /// it, so a check reveals nothing about them.
    pub async fn register_names(&self, scope: &yikou_domain::Scope) -> Result<RegisterNames> {
        let started = std::time::Instant::now();
        let mut names = RegisterNames::with_capacity(self.keys.id_hasher(), 1 << 16);
        crate::dialect::read_register(&self.db, scope, &mut names).await?;
        names.text.shrink_to_fit();
        tracing::info!(people = names.len, ms = started.elapsed().as_millis() as u64, "register read for a check");

        Ok(names)
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
