//! Where every table goes when a city's PostgreSQL becomes a Citus cluster (issue 18, point 6).
//!
//! A person's rows — the register row, categories, entitlements, payment lines, call-backs, visits,
//! services — are distributed by the person's key ([`person_key`]: the first 56 bits of the keyed
//! hash of the ID number) and co-located, so one person's page, one payment line's check and the
//! duplicate check (the same ID number is the same key) each stay on one shard. Vouchers exist before
//! they are given to anyone, so they are distributed by their own code; the stored cross-check by its
//! campaign. Everything small, or read by every shard (units, categories, projects, users, the audit
//! log, households), is a reference table, copied to every node.
//!
//! `tests/distribution.rs` holds the live PostgreSQL schema to Citus's rules with this list, and
//! `yikou db distribute` prints [`statements`]. Why not by region: docs/SCALING.md.

/// How one table is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Sharded by `column`, its shards placed with those of `colocate_with` (itself: a new group).
    Distributed { column: &'static str, colocate_with: &'static str },
    /// Copied whole to every node.
    Reference,
    /// Kept on the coordinator only (bookkeeping no query joins).
    Coordinator,
}

/// A table and its placement.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub placement: Placement,
}

/// The distribution column of a person's rows.
pub const PERSON_KEY: &str = "person_key";

const fn person(name: &'static str) -> Table {
    Table { name, placement: Placement::Distributed { column: PERSON_KEY, colocate_with: "people" } }
}

const fn reference(name: &'static str) -> Table {
    Table { name, placement: Placement::Reference }
}

/// Every table of the schema, each reference table after the tables it refers to and each
/// distributed table after the one it is placed with (the order the statements must run in).
pub const TABLES: &[Table] = &[
    Table { name: "schema_migrations", placement: Placement::Coordinator },
    reference("meta"),
    reference("units"),
    reference("categories"),
    reference("funding_sources"),
    reference("campaigns"),
    reference("campaign_phases"),
    reference("projects"),
    reference("project_targets"),
    reference("project_budgets"),
    reference("users"),
    reference("sessions"),
    reference("api_tokens"),
    reference("pending_uploads"),
    reference("login_failures"),
    reference("source_failures"),
    reference("audit_log"),
    reference("audit_head"),
    reference("import_batches"),
    reference("households"),
    reference("rule_sets"),
    reference("finding_decisions"),
    reference("check_runs"),
    reference("rosters"),
    reference("roster_hands"),
    reference("roster_events"),
    reference("payment_batches"),
    reference("samples"),
    reference("sample_strata"),
    reference("unit_reports"),
    reference("voucher_batches"),
    reference("hotline_requests"),
    reference("donations"),
    reference("donation_allocations"),
    reference("service_kinds"),
    reference("service_providers"),
    person("people"),
    person("person_categories"),
    person("entitlements"),
    person("import_person_changes"),
    person("payment_lines"),
    person("sample_members"),
    person("calls"),
    person("followup_cases"),
    person("visits"),
    person("visit_actions"),
    person("service_deliveries"),
    Table { name: "vouchers", placement: Placement::Distributed { column: "code", colocate_with: "vouchers" } },
    Table {
        name: "voucher_redemptions",
        placement: Placement::Distributed { column: "code", colocate_with: "vouchers" },
    },
    Table {
        name: "check_findings",
        placement: Placement::Distributed { column: "campaign_id", colocate_with: "check_findings" },
    },
    Table {
        name: "check_finding_streets",
        placement: Placement::Distributed { column: "campaign_id", colocate_with: "check_findings" },
    },
];

/// The placement of `table`, if it is one of the schema's.
pub fn placement(table: &str) -> Option<Placement> {
    TABLES.iter().find(|t| t.name == table).map(|t| t.placement)
}

/// The distribution key of the person whose ID number has the keyed hash `id_key`: its first seven
/// bytes, big-endian, as a non-negative integer (the migrations compute the same in SQL).
pub fn person_key(id_key: &[u8]) -> i64 {
    let mut b = [0u8; 8];
    b[1..].copy_from_slice(&id_key[..7]);
    i64::from_be_bytes(b)
}

/// A foreign key: `table(columns)` refers to `references(referenced)`, column by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub table: String,
    pub name: String,
    pub columns: Vec<String>,
    pub references: String,
    pub referenced: Vec<String>,
}

/// What the rules look at in a live schema.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub tables: std::collections::BTreeSet<String>,
    /// `(table, column)` of every NOT NULL column.
    pub not_null: std::collections::BTreeSet<(String, String)>,
    /// `(table, index, columns)` of every primary key, unique constraint and unique index.
    pub unique: Vec<(String, String, Vec<String>)>,
    pub foreign_keys: Vec<ForeignKey>,
}

/// Where Citus's rules are broken by `catalog` with the placements of [`TABLES`], one sentence
/// each; empty when the schema can be distributed as [`statements`] say.
pub fn violations(catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    let position = |name: &str| TABLES.iter().position(|t| t.name == name);
    for t in &catalog.tables {
        if placement(t).is_none() {
            out.push(format!("table {t} has no placement (add it to distribution::TABLES)"));
        }
    }
    for t in TABLES {
        if !catalog.tables.contains(t.name) {
            out.push(format!("table {} is placed but not in the schema", t.name));
        }
        if let Placement::Distributed { column, .. } = t.placement {
            if !catalog.not_null.contains(&(t.name.to_string(), column.to_string())) {
                out.push(format!("{}.{column}, its distribution column, is missing or may be NULL", t.name));
            }
        }
    }
    for (table, index, columns) in &catalog.unique {
        if let Some(Placement::Distributed { column, .. }) = placement(table) {
            if !columns.iter().any(|c| c == column) {
                out.push(format!("{table}: unique key {index} ({}) leaves out {column}", columns.join(", ")));
            }
        }
    }
    for fk in &catalog.foreign_keys {
        let (Some(from), Some(to)) = (placement(&fk.table), placement(&fk.references)) else { continue };
        let what = format!("{}: foreign key {} to {}", fk.table, fk.name, fk.references);
        let broken = match (from, to) {
            (
                Placement::Distributed { column: a, colocate_with: ga },
                Placement::Distributed { column: b, colocate_with: gb },
            ) => {
                if ga != gb {
                    Some(format!("{what} joins two groups of shards ({ga}, {gb})"))
                } else if !fk.columns.iter().zip(&fk.referenced).any(|(x, y)| x == a && y == b) {
                    Some(format!("{what} does not pair {a} with {b}"))
                } else {
                    None
                }
            }
            (Placement::Distributed { .. }, Placement::Reference) | (Placement::Reference, Placement::Reference) => {
                None
            }
            (Placement::Reference, Placement::Distributed { .. }) => {
                Some(format!("{what}: a reference table cannot refer to a distributed one"))
            }
            (_, Placement::Coordinator) | (Placement::Coordinator, _) => {
                Some(format!("{what}: a coordinator-only table takes part in no foreign key"))
            }
        };
        match broken {
            Some(b) => out.push(b),
            None if position(&fk.references) > position(&fk.table) => {
                out.push(format!("{what}: {} must be listed (and placed) first", fk.references))
            }
            None => {}
        }
    }
    out
}

impl crate::Store {
    /// Where this store's live schema breaks Citus's rules ([`violations`]); `None` on SQLite.
    pub async fn distribution_violations(&self) -> crate::Result<Option<Vec<String>>> {
        Ok(crate::dialect::catalog::read(self.db()).await?.map(|c| violations(&c)))
    }
}

/// The statements that make a PostgreSQL database of this schema (with the Citus extension and its
/// workers added) a distributed one, in order, with `shards` shards per distributed table.
pub fn statements(shards: u32) -> Vec<String> {
    let mut out = vec![format!("SET citus.shard_count = {shards};")];
    for t in TABLES {
        match t.placement {
            Placement::Reference => out.push(format!("SELECT create_reference_table('{}');", t.name)),
            Placement::Distributed { column, colocate_with } if colocate_with == t.name => {
                out.push(format!("SELECT create_distributed_table('{}', '{column}', colocate_with => 'none');", t.name))
            }
            Placement::Distributed { column, colocate_with } => out.push(format!(
                "SELECT create_distributed_table('{}', '{column}', colocate_with => '{colocate_with}');",
                t.name
            )),
            Placement::Coordinator => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fk(table: &str, columns: &[&str], references: &str, referenced: &[&str]) -> ForeignKey {
        let v = |c: &[&str]| c.iter().map(|x| x.to_string()).collect();
        ForeignKey {
            table: table.into(),
            name: format!("{table}_fk"),
            columns: v(columns),
            references: references.into(),
            referenced: v(referenced),
        }
    }

    /// A schema that follows the rules: every listed table, each distributed one with its column.
    fn lawful() -> Catalog {
        let mut c = Catalog::default();
        for t in TABLES {
            c.tables.insert(t.name.into());
            if let Placement::Distributed { column, .. } = t.placement {
                c.not_null.insert((t.name.into(), column.into()));
                c.unique.push((t.name.into(), format!("{}_pkey", t.name), vec!["id".into(), column.into()]));
            }
        }
        c.foreign_keys.push(fk("entitlements", &["person_id", "person_key"], "people", &["id", "person_key"]));
        c.foreign_keys.push(fk("entitlements", &["project_id"], "projects", &["id"]));
        c.foreign_keys.push(fk("projects", &["unit_code"], "units", &["code"]));
        c
    }

    #[test]
    fn the_rules_hold_for_a_lawful_schema_and_name_each_kind_of_break() {
        assert_eq!(violations(&lawful()), Vec::<String>::new());
        let broken = |f: &dyn Fn(&mut Catalog)| {
            let mut c = lawful();
            f(&mut c);
            violations(&c)
        };
        let one = |v: Vec<String>, words: &str| {
            assert_eq!(v.len(), 1, "{v:?}");
            assert!(v[0].contains(words), "{v:?}");
        };
        one(broken(&|c| _ = c.tables.insert("new_table".into())), "no placement");
        one(broken(&|c| _ = c.tables.remove("units")), "not in the schema");
        one(broken(&|c| _ = c.not_null.remove(&("calls".into(), "person_key".into()))), "may be NULL");
        one(
            broken(&|c| c.unique.push(("payment_lines".into(), "by_reference".into(), vec!["reference".into()]))),
            "leaves out person_key",
        );
        one(broken(&|c| c.foreign_keys.push(fk("entitlements", &["person_id"], "people", &["id"]))), "does not pair");
        one(
            broken(&|c| c.foreign_keys.push(fk("vouchers", &["person_id"], "people", &["id"]))),
            "two groups of shards",
        );
        one(
            broken(&|c| c.foreign_keys.push(fk("hotline_requests", &["person_id"], "people", &["id"]))),
            "cannot refer to a distributed",
        );
        one(broken(&|c| c.foreign_keys.push(fk("units", &["x"], "schema_migrations", &["version"]))), "coordinator");
        one(
            broken(&|c| c.foreign_keys.push(fk("units", &["project"], "projects", &["id"]))),
            "listed (and placed) first",
        );
    }

    #[test]
    fn the_person_key_is_the_hash_s_first_seven_bytes_and_never_negative() {
        assert_eq!(person_key(&[0, 0, 0, 0, 0, 0, 1, 0xff]), 1);
        assert_eq!(person_key(&[0xff; 32]), (1 << 56) - 1);
        assert_eq!(person_key(&[0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]), 0x12_3456_789a_bcde);
    }

    #[test]
    fn every_table_is_listed_once_and_each_group_starts_with_its_own_table() {
        let mut seen = std::collections::BTreeSet::new();
        for (i, t) in TABLES.iter().enumerate() {
            assert!(seen.insert(t.name), "{} listed twice", t.name);
            if let Placement::Distributed { colocate_with, .. } = t.placement {
                let first = TABLES.iter().position(|o| o.name == colocate_with).expect("group's table listed");
                assert!(first <= i, "{} before the table it is placed with", t.name);
            }
        }
        let s = statements(32);
        assert_eq!(s[0], "SET citus.shard_count = 32;");
        assert!(s.contains(&"SELECT create_distributed_table('people', 'person_key', colocate_with => 'none');".into()));
        assert!(s.contains(
            &"SELECT create_distributed_table('entitlements', 'person_key', colocate_with => 'people');".into()
        ));
        assert!(s.contains(&"SELECT create_reference_table('units');".into()));
        assert!(!s.iter().any(|l| l.contains("schema_migrations")));
    }
}
