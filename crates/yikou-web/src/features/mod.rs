//! The web's features, each a module with its router, pages, API and exports; the same names as the
//! use cases in `yikou_service`, the store's and the CLI's commands (see docs/ARCHITECTURE.md).

pub mod accounts;
pub mod audit;
pub mod campaign;
pub mod check;
pub mod donations;
pub mod followup;
pub mod hotline;
pub mod imports;
pub mod pay;
pub mod register;
pub mod reports;
pub mod rosters;
pub mod services;
pub mod visits;
pub mod vouchers;

use crate::routes::Routes;

/// Every feature's routes.
pub fn routes() -> Routes {
    let r = Routes::default();
    let r = campaign::routes(r);
    let r = register::routes(r);
    let r = imports::routes(r);
    let r = check::routes(r);
    let r = rosters::routes(r);
    let r = pay::routes(r);
    let r = followup::routes(r);
    let r = reports::routes(r);
    let r = visits::routes(r);
    let r = hotline::routes(r);
    let r = donations::routes(r);
    let r = services::routes(r);
    let r = vouchers::routes(r);
    let r = accounts::routes(r);
    audit::routes(r)
}
