//! yikou ingest: rosters in (.xlsx/.xls/.csv), header mapping, row validation, templates and
//! error workbooks out. Pure file work; the store is not touched here.

pub mod bank;
pub mod columns;
pub mod deliveries;
pub mod exchange;
pub mod fxhash;
pub mod limits;
pub mod municipal;
pub mod output;
pub mod plan_sheet;
pub mod process;
pub mod read;
pub mod redemptions;
pub mod roster;
pub mod sheet;
pub mod validate;
pub mod workbook;
pub mod xls;
pub mod xlsx;
