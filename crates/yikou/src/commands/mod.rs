//! The commands, one module per feature (the same names as in the service, store and web crates):
//! each parses nothing itself (clap does, in `main.rs`), calls the use cases and renders the answer.

pub mod accounts;
pub mod audit;
pub mod bench;
pub mod campaign;
pub mod check;
pub mod demo;
pub mod followup;
pub mod imports;
pub mod pay;
pub mod rosters;
pub mod serve;
pub mod store;
