//! 交换格式 records (exchange layout): a campaign as people, projects and entitlements with the
//! sender's own opaque ids. Reading and writing the files is in `yikou-ingest`; loading them into the
//! register is in `yikou-store`.

use crate::{IdNumber, UnitGroup};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExPerson {
    pub person_id: String,
    pub id_number: IdNumber,
    pub name: String,
    pub street_code: Option<String>,
    pub household_id: Option<String>,
    pub categories: Vec<String>,
    pub deceased: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExProject {
    pub project_id: String,
    pub unit_group: UnitGroup,
    pub exclusive_group: Option<String>,
    pub per_household: bool,
    pub target_categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExEntitlement {
    pub entitlement_id: String,
    /// Index into `projects`.
    pub project: usize,
    /// Index into `people`.
    pub person: usize,
    pub amount_fen: i64,
}

#[derive(Debug, Default)]
pub struct Exchange {
    pub people: Vec<ExPerson>,
    pub projects: Vec<ExProject>,
    pub entitlements: Vec<ExEntitlement>,
}
