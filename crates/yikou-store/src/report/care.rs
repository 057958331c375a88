//! 走访、服务与卡券汇总 (issue 17, point 6): what the campaign gave beyond money lists, counted within
//! the scope — visits (person-times, people, money and goods' value), services delivered during the
//! campaign (deliveries, people), hotline requests (taken, closed) by street; charity vouchers by batch
//! (issued, redeemed, expired, never given) on a day.

use serde::Serialize;
use time::Date;
use yikou_domain::voucher::{state_on, VoucherState};
use yikou_domain::{parse_date, Scope};

use crate::{on_db, Result, Store};

/// One street's row (None: people without a street).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CareRow {
    pub street: Option<String>,
    pub visits: i64,
    pub visited_people: i64,
    pub visit_value_fen: i64,
    pub deliveries: i64,
    pub served_people: i64,
    pub requests: i64,
    pub requests_closed: i64,
}

/// One voucher batch's row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VoucherRow {
    pub batch: i64,
    pub name: String,
    pub supermarket: String,
    pub face_value_fen: i64,
    pub valid_until: String,
    pub made: i64,
    pub issued: i64,
    pub redeemed: i64,
    pub expired: i64,
    pub unissued: i64,
}

impl Store {
    /// Visits, services and hotline requests of a campaign by street, within the scope; the rows and
    /// their total (people counted once in the total, not summed).
    pub async fn care_by_street(&self, scope: &Scope, campaign_id: i64) -> Result<(Vec<CareRow>, CareRow)> {
        let (from, until): (String, String) = on_db!(&self.db, p => sqlx::query_as(
            "SELECT start_date, end_date FROM campaigns WHERE id = $1").bind(campaign_id).fetch_one(p).await?);
        // The scope's condition with its placeholder after each query's own binds.
        let (_, arg) = crate::scope::people(scope, 2);
        let cond = |n: usize| crate::scope::people(scope, n).0;
        macro_rules! rows {
            ($sql:expr, $($b:expr),*) => {{
                let sql = $sql;
                on_db!(&self.db, p => {
                    let q = sqlx::query_as(&sql)$(.bind($b))*;
                    let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
                    q.fetch_all(p).await?
                })
            }};
        }
        let visits: Vec<(Option<String>, i64, i64, i64)> = rows!(
            format!(
                "SELECT pe.street_code, CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT v.person_id) AS BIGINT),
                 CAST(SUM(v.money_fen + v.goods_value_fen) AS BIGINT) FROM visits v JOIN people pe ON pe.id = v.person_id
                 WHERE v.campaign_id = $1 AND {} GROUP BY pe.street_code",
                cond(2)
            ),
            campaign_id
        );
        let services: Vec<(Option<String>, i64, i64)> = rows!(
            format!(
                "SELECT pe.street_code, CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT d.person_id) AS BIGINT)
                 FROM service_deliveries d JOIN people pe ON pe.id = d.person_id
                 WHERE d.delivered_on >= $1 AND d.delivered_on <= $2 AND {} GROUP BY pe.street_code",
                cond(3)
            ),
            from.clone(),
            until.clone()
        );
        let totals_people: Vec<(i64, i64)> = rows!(
            format!(
                "SELECT (SELECT CAST(COUNT(DISTINCT v.person_id) AS BIGINT) FROM visits v JOIN people pe ON pe.id = v.person_id
                         WHERE v.campaign_id = $1 AND {c}),
                        (SELECT CAST(COUNT(DISTINCT d.person_id) AS BIGINT) FROM service_deliveries d JOIN people pe ON pe.id = d.person_id
                         WHERE d.delivered_on >= $2 AND d.delivered_on <= $3 AND {c})",
                c = cond(4)
            ),
            campaign_id,
            from,
            until
        );
        let (hcond, harg) = crate::scope::hotline(scope, 2);
        let hsql = format!(
            "SELECT h.street_code, CAST(COUNT(*) AS BIGINT), CAST(COUNT(h.closed_at) AS BIGINT) FROM hotline_requests h
             WHERE h.campaign_id = $1 AND {hcond} GROUP BY h.street_code"
        );
        let requests: Vec<(Option<String>, i64, i64)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&hsql).bind(campaign_id);
            let q = match &harg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let mut out: Vec<CareRow> = Vec::new();
        fn row<'a>(out: &'a mut Vec<CareRow>, street: &Option<String>) -> &'a mut CareRow {
            match out.iter().position(|r| &r.street == street) {
                Some(i) => &mut out[i],
                None => {
                    out.push(CareRow { street: street.clone(), ..CareRow::default() });
                    out.last_mut().expect("pushed")
                }
            }
        }
        for (s, n, people, value) in &visits {
            let r = row(&mut out, s);
            (r.visits, r.visited_people, r.visit_value_fen) = (*n, *people, *value);
        }
        for (s, n, people) in &services {
            let r = row(&mut out, s);
            (r.deliveries, r.served_people) = (*n, *people);
        }
        for (s, n, closed) in &requests {
            let r = row(&mut out, s);
            (r.requests, r.requests_closed) = (*n, *closed);
        }
        out.sort_by(|a, b| a.street.cmp(&b.street));
        let (visited, served) = totals_people.first().copied().unwrap_or_default();
        let total = CareRow {
            street: None,
            visits: out.iter().map(|r| r.visits).sum(),
            visited_people: visited,
            visit_value_fen: out.iter().map(|r| r.visit_value_fen).sum(),
            deliveries: out.iter().map(|r| r.deliveries).sum(),
            served_people: served,
            requests: out.iter().map(|r| r.requests).sum(),
            requests_closed: out.iter().map(|r| r.requests_closed).sum(),
        };
        Ok((out, total))
    }

    /// The campaign's voucher batches with their vouchers by state on `day` — the district: every
    /// voucher; an area: the vouchers given to its people.
    pub async fn vouchers_by_batch(&self, scope: &Scope, campaign_id: i64, day: Date) -> Result<Vec<VoucherRow>> {
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!(
            "SELECT vb.id, vb.name, vb.supermarket, vb.face_value_fen, vb.valid_until, v.person_id IS NOT NULL,
             r.code IS NOT NULL FROM vouchers v JOIN voucher_batches vb ON vb.id = v.batch_id
             LEFT JOIN voucher_redemptions r ON r.code = v.code LEFT JOIN people pe ON pe.id = v.person_id
             WHERE vb.campaign_id = $1 AND {cond} ORDER BY vb.id"
        );
        let rows: Vec<(i64, String, String, i64, String, bool, bool)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let mut out: Vec<VoucherRow> = Vec::new();
        for (batch, name, supermarket, face, until, issued, redeemed) in rows {
            if out.last().is_none_or(|r| r.batch != batch) {
                out.push(VoucherRow {
                    batch,
                    name,
                    supermarket,
                    face_value_fen: face,
                    valid_until: until.clone(),
                    ..VoucherRow::default()
                });
            }
            let r = out.last_mut().expect("pushed");
            r.made += 1;
            let last = parse_date(&until).unwrap_or(day);
            match state_on(issued, redeemed, last, day) {
                VoucherState::Redeemed => r.redeemed += 1,
                VoucherState::Expired => r.expired += 1,
                VoucherState::Issued => r.issued += 1,
                VoucherState::Unissued => r.unissued += 1,
            }
        }
        Ok(out)
    }
}
