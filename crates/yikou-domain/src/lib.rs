//! yikou domain: the pure rules of the relief campaign (帮困送温暖). No I/O here.

pub mod access;
pub mod area;
pub mod audit;
pub mod campaign;
pub mod check;
pub mod clock;
pub mod donation;
pub mod entitlement;
pub mod exchange;
pub mod finding;
pub mod followup;
pub mod hotline;
pub mod id_number;
pub mod imports;
pub mod money;
pub mod pay;
pub mod phone;
pub mod plan_table;
pub mod privacy;
pub mod project;
pub mod publish;
pub mod reference;
pub mod report;
pub mod rng;
pub mod roster;
pub mod rules;
pub mod search;
pub mod service;
pub mod summary;
pub mod visit;
pub mod voucher;

pub use access::{Actor, PendingAct, Role, Scope};
pub use area::AreaCode;
pub use campaign::{Campaign, Phase, PhaseWindow};
pub use entitlement::{Entitlement, EntitlementState};
pub use finding::{FindingKind, FindingStatus, Severity};
pub use id_number::{IdNumber, Sex};
pub use money::Fen;
pub use phone::Phone;
pub use project::{CountingUnit, Form, Project, Standard, UnitGroup};

use time::Date;

/// Today's date in China Standard Time (UTC+8), the calendar the users live in.
pub fn today() -> Date {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date()
}

/// Whole years from `birth` to `at`.
pub fn age_between(birth: Date, at: Date) -> i32 {
    let mut age = at.year() - birth.year();
    if (u8::from(at.month()), at.day()) < (u8::from(birth.month()), birth.day()) {
        age -= 1;
    }
    age
}

/// Parses an ISO date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// A calendar day as the system stores and shows it: `YYYY-MM-DD` in text, JSON and CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub Date);

impl Day {
    /// Reads `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Day> {
        parse_date(s).map(Day)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_date(self.0))
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Formats an ISO date `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
