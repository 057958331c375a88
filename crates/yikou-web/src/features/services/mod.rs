//! 上门服务 (issue 17, point 2): the providers the user's unit manages with their totals against the
//! contract, the service kinds, a provider's deliveries and the upload of its monthly list (refused
//! with every problem by row, or recorded whole), the export and the API.

mod api;
mod pages;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/services", pages::list)
        .post("/services/providers", pages::add_provider)
        .post("/services/kinds", pages::add_kind)
        .get("/services/providers/{id}", pages::provider)
        .upload("/services/providers/{id}/deliveries", pages::upload)
        .get("/services/export.xlsx", pages::export)
        .get("/services/export.csv", pages::export)
        .get("/api/v1/services/kinds", api::kinds)
        .get("/api/v1/services/providers", api::providers)
        .post("/api/v1/services/providers", api::add_provider)
        .upload("/api/v1/services/providers/{id}/deliveries", api::upload)
}

use yikou_domain::service::{Contract, Provider, ProviderKind};
use yikou_domain::{parse_date, Fen};

/// A provider from the text a form or a request gives (amount in 元 for the page, fen for the API).
pub(crate) fn provider_of(
    name: &str,
    kind: &str,
    from: &str,
    until: &str,
    amount: Option<Fen>,
) -> Result<Provider, String> {
    let kind = ProviderKind::from_code(kind.trim()).ok_or("请选择服务提供方类别")?;
    let contract = match (from.trim(), until.trim(), amount) {
        ("", "", None) => None,
        (f, u, a) => Some(Contract {
            from: parse_date(f).ok_or_else(|| format!("合同开始日期“{f}”不正确，应形如 2020-01-01"))?,
            until: parse_date(u).ok_or_else(|| format!("合同结束日期“{u}”不正确，应形如 2020-12-31"))?,
            amount: a.ok_or("请填写合同金额")?,
        }),
    };
    Ok(Provider { name: name.to_string(), kind, contract })
}
