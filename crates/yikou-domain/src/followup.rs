//! 随机电话回访 (follow-up calls): the sample's size (Cochran's formula with the finite-population
//! correction and a design factor, as UNICEF HOPE sizes its payment verification), its allocation over
//! strata (proportional, largest remainder, a minimum per stratum, never more than a stratum holds),
//! and a reproducible draw: a ChaCha20 stream (RFC 8439) keyed by the seed, over the population sorted
//! by stratum and entitlement id — so the same seed over the same population gives the same sample on
//! any machine, whatever order the database returned the rows in, with any later version.

use std::collections::BTreeMap;

/// The generator's name and version, recorded with each sample: a draw is redone with these.
pub const GENERATOR: &str = "ChaCha20 (RFC 8439), key = seed u64 little-endian + 24 zero bytes, nonce 0; \
     uniform integers by rejection; per stratum a partial Fisher–Yates over entitlement ids ascending";
pub const GENERATOR_VERSION: u32 = 1;

/// The z value of a two-sided confidence level in percent (common levels exact to the tables, others
/// by the inverse normal).
pub fn z_of(confidence: f64) -> f64 {
    const TABLE: [(f64, f64); 7] =
        [(80.0, 1.2816), (85.0, 1.4395), (90.0, 1.6449), (95.0, 1.96), (98.0, 2.3263), (99.0, 2.5758), (99.9, 3.2905)];
    if let Some((_, z)) = TABLE.iter().find(|(c, _)| (c - confidence).abs() < 1e-9) {
        return *z;
    }
    inverse_normal(1.0 - (1.0 - confidence / 100.0) / 2.0)
}

/// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
fn inverse_normal(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -inverse_normal(1.0 - p)
    }
}

/// The sample size for a population of `population`: n0 = z²·p(1−p)/e² with p = 0.5, n = n0 / (1 +
/// (n0 − 1)/N), times the design factor, rounded up, at most N. `confidence` and `margin` in percent.
pub fn sample_size(population: u64, confidence: f64, margin: f64, design_factor: f64) -> u64 {
    if population == 0 {
        return 0;
    }
    let z = z_of(confidence);
    let e = margin / 100.0;
    let n0 = z * z * 0.25 / (e * e);
    let n = n0 / (1.0 + (n0 - 1.0) / population as f64);
    // A hair under an integer (floating point) is that integer.
    let scaled = n * design_factor;
    let up = (scaled - 1e-9).ceil().max(1.0) as u64;
    up.min(population)
}

/// How many to draw from each stratum: proportional to the strata's sizes by largest remainder, at
/// least `minimum` from each (or all it holds), never more than it holds. The total is `n`, or more
/// when the minimums need it. Ties go to the earlier stratum.
pub fn allocate(n: u64, sizes: &[u64], minimum: u64) -> Vec<u64> {
    let total: u64 = sizes.iter().sum();
    if total == 0 {
        return vec![0; sizes.len()];
    }
    let n = n.min(total);
    let quota: Vec<f64> = sizes.iter().map(|&s| n as f64 * s as f64 / total as f64).collect();
    let floor_of = |i: usize| minimum.min(sizes[i]);
    let mut a: Vec<u64> = (0..sizes.len()).map(|i| (quota[i].floor() as u64).max(floor_of(i)).min(sizes[i])).collect();
    let mut sum: u64 = a.iter().sum();
    while sum < n {
        // The largest remainder among strata with room.
        let best = (0..sizes.len())
            .filter(|&i| a[i] < sizes[i])
            .max_by(|&x, &y| (quota[x] - a[x] as f64).total_cmp(&(quota[y] - a[y] as f64)).then(y.cmp(&x)));
        let Some(i) = best else { break };
        a[i] += 1;
        sum += 1;
    }
    while sum > n {
        // Take back from the stratum furthest above its quota that is above its minimum.
        // (Ties: the larger stratum, where one less weighs least; then the earlier.)
        let worst = (0..sizes.len()).filter(|&i| a[i] > floor_of(i)).min_by(|&x, &y| {
            (quota[x] - a[x] as f64).total_cmp(&(quota[y] - a[y] as f64)).then(sizes[y].cmp(&sizes[x])).then(x.cmp(&y))
        });
        let Some(i) = worst else { break };
        a[i] -= 1;
        sum -= 1;
    }
    a
}

/// ChaCha20 (RFC 8439) as a stream of u32 words: key from the seed, nonce zero, counter from 0.
pub struct Stream {
    key: [u32; 8],
    counter: u32,
    block: [u32; 16],
    at: usize,
}

fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// The ChaCha20 block function (RFC 8439 §2.3).
pub fn chacha20_block(key: &[u32; 8], counter: u32, nonce: &[u32; 3]) -> [u32; 16] {
    let mut init = [0u32; 16];
    init[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    init[4..12].copy_from_slice(key);
    init[12] = counter;
    init[13..].copy_from_slice(nonce);
    let mut s = init;
    for _ in 0..10 {
        quarter(&mut s, 0, 4, 8, 12);
        quarter(&mut s, 1, 5, 9, 13);
        quarter(&mut s, 2, 6, 10, 14);
        quarter(&mut s, 3, 7, 11, 15);
        quarter(&mut s, 0, 5, 10, 15);
        quarter(&mut s, 1, 6, 11, 12);
        quarter(&mut s, 2, 7, 8, 13);
        quarter(&mut s, 3, 4, 9, 14);
    }
    for (x, y) in s.iter_mut().zip(init) {
        *x = x.wrapping_add(y);
    }
    s
}

impl Stream {
    pub fn new(seed: u64) -> Stream {
        let mut key = [0u32; 8];
        key[0] = seed as u32;
        key[1] = (seed >> 32) as u32;
        Stream { key, counter: 0, block: [0; 16], at: 16 }
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.at == 16 {
            self.block = chacha20_block(&self.key, self.counter, &[0, 0, 0]);
            self.counter = self.counter.wrapping_add(1);
            self.at = 0;
        }
        let v = self.block[self.at];
        self.at += 1;
        v
    }

    pub fn next_u64(&mut self) -> u64 {
        u64::from(self.next_u32()) | (u64::from(self.next_u32()) << 32)
    }

    /// Uniform in `0..n` (n > 0), by rejection (no modulo bias).
    pub fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % n) - 1;
        loop {
            let v = self.next_u64();
            if v <= zone {
                return v % n;
            }
        }
    }
}

/// Draws `sizes[key]` entitlements from each stratum of `population` ((stratum key, entitlement id),
/// in any order): strata in key order, each stratum's ids ascending, a partial Fisher–Yates over
/// them with the seed's stream. Returns the drawn ids ascending, each with its stratum.
pub fn draw(population: &[(String, i64)], sizes: &BTreeMap<String, u64>, seed: u64) -> Vec<(i64, String)> {
    let mut strata: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (k, id) in population {
        strata.entry(k.as_str()).or_default().push(*id);
    }
    let keys: Vec<&str> = strata.keys().copied().collect();
    let take: Vec<u64> = keys.iter().map(|k| sizes.get(*k).copied().unwrap_or(0)).collect();
    let mut lists: Vec<Vec<i64>> = strata.into_values().collect();
    for ids in &mut lists {
        ids.sort_unstable();
    }
    let mut slices: Vec<&mut [i64]> = lists.iter_mut().map(|v| v.as_mut_slice()).collect();
    draw_sorted(&mut slices, &take, seed).into_iter().map(|(id, i)| (id, keys[i].to_string())).collect()
}

/// The same draw over strata already in key order, each stratum's ids ascending (as a store reads
/// them, without building keyed maps): `take[i]` from `strata[i]`, the slices permuted in place.
/// Returns the drawn ids ascending, each with its stratum's index. [`draw`] is this.
pub fn draw_sorted(strata: &mut [&mut [i64]], take: &[u64], seed: u64) -> Vec<(i64, usize)> {
    let mut stream = Stream::new(seed);
    let mut out = Vec::new();
    for (s, ids) in strata.iter_mut().enumerate() {
        let take = take.get(s).copied().unwrap_or(0).min(ids.len() as u64) as usize;
        for i in 0..take {
            let j = i + stream.below((ids.len() - i) as u64) as usize;
            ids.swap(i, j);
            out.push((ids[i], s));
        }
    }
    out.sort_unstable();
    out
}

/// The Wilson score interval of a proportion (k of n) at `z`.
pub fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p) = (n as f64, k as f64 / n as f64);
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    let denom = 1.0 + z * z / n;
    (((centre - spread) / denom).max(0.0), ((centre + spread) / denom).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_is_explained_with_its_inputs_and_each_step() {
        let rule = SizeRule::Formula { confidence: 95.0, margin: 5.0, design_factor: 1.5 };
        let text = rule.explain(1_000);
        for part in [
            "置信水平95%",
            "z = 1.96",
            "允许误差5%",
            "n₀ = z²×0.25÷e² = 384.2",
            "= 277.7",
            "设计效应1.5 = 416.6",
            "得 417",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
        assert!(rule.explain(100).contains("不超过总体"), "{}", rule.explain(100));
        assert_eq!(SizeRule::Percent(5.0).explain(1_001), "总体1001的5%，向上取整：51");
        assert!(SizeRule::Fixed(50).explain(10).contains("全部抽取：10"));
    }

    #[test]
    fn the_size_formula_gives_hopes_own_values() {
        assert_eq!(sample_size(100, 95.0, 5.0, 1.5), 100);
        assert_eq!(sample_size(1_000, 95.0, 5.0, 1.5), 417);
        assert_eq!(sample_size(10_000, 95.0, 5.0, 1.5), 555);
        assert_eq!(sample_size(1_000, 99.0, 1.0, 1.5), 1_000);
        assert_eq!(sample_size(1_000, 95.0, 50.0, 1.5), 6);
        assert_eq!(sample_size(0, 95.0, 5.0, 1.5), 0);
        assert!((z_of(95.0) - 1.96).abs() < 1e-12 && (z_of(97.0) - 2.1701).abs() < 1e-3);
    }

    #[test]
    fn strata_add_up_respect_the_minimum_and_never_exceed_a_stratum() {
        let a = allocate(100, &[500, 300, 150, 40, 10], 2);
        assert_eq!(a.iter().sum::<u64>(), 100);
        // Quotas 50, 30, 15, 4, 1; the last stratum's minimum of 2 is taken from the largest.
        assert_eq!(a, vec![49, 30, 15, 4, 2]);
        let tiny = allocate(3, &[100, 100, 1, 100], 2);
        assert_eq!(tiny, vec![2, 2, 1, 2], "the minimum wins over the total; a stratum of one gives one");
        let all = allocate(1_000, &[5, 7], 2);
        assert_eq!(all, vec![5, 7], "never more than a stratum holds");
        for n in [0u64, 1, 17, 99, 250] {
            let a = allocate(n, &[120, 80, 33, 7], 2);
            assert!(a.iter().sum::<u64>() >= n.min(240) && a.iter().zip([120, 80, 33, 7]).all(|(x, s)| *x <= s));
            assert!(a.iter().zip([120u64, 80, 33, 7]).all(|(x, s)| *x >= 2.min(s)));
        }
    }

    #[test]
    fn chacha20_matches_the_rfc_test_vector() {
        // RFC 8439 §2.3.2.
        let key: [u32; 8] = std::array::from_fn(|i| {
            u32::from_le_bytes([4 * i as u8, 4 * i as u8 + 1, 4 * i as u8 + 2, 4 * i as u8 + 3])
        });
        let out = chacha20_block(&key, 1, &[0x0900_0000, 0x4a00_0000, 0]);
        assert_eq!(&out[..4], &[0xe4e7_f110, 0x1559_3bd1, 0x1fdd_0f50, 0xc471_20a3]);
        assert_eq!(out[15], 0x4e3c_50a2);
    }

    #[test]
    fn the_same_seed_draws_the_same_sample_whatever_the_order_and_another_seed_another() {
        let mut pop: Vec<(String, i64)> = (1..=2_000).map(|i| (format!("S{}", i % 7), i)).collect();
        let sizes: BTreeMap<String, u64> = (0..7).map(|s| (format!("S{s}"), 20)).collect();
        let a = draw(&pop, &sizes, 42);
        pop.reverse();
        let b = draw(&pop, &sizes, 42);
        assert_eq!(a, b);
        assert_eq!(a.len(), 140);
        assert_ne!(a, draw(&pop, &sizes, 43));
        // Pinned: the first ids this definition draws for seed 42 (a change of generator shows here).
        assert_eq!(a.iter().take(3).map(|x| x.0).collect::<Vec<_>>(), PINNED);
    }

    const PINNED: [i64; 3] = [24, 54, 99];

    #[test]
    fn the_wilson_interval_brackets_the_proportion() {
        let (lo, hi) = wilson(10, 100, 1.96);
        assert!((lo - 0.0552).abs() < 1e-3 && (hi - 0.1744).abs() < 1e-3, "{lo} {hi}");
        assert_eq!(wilson(0, 0, 1.96), (0.0, 1.0));
    }
}

use crate::finding::coded_enum;

coded_enum! {
    /// Did the call reach the person?
    Reached {
        Yes = "yes", "已接通";
        No = "no", "未接通";
        WrongNumber = "wrong_number", "号码有误";
    }
}

coded_enum! {
    /// What the person says they received.
    Received {
        Full = "full", "足额收到";
        Partly = "partly", "部分收到";
        None = "none", "未收到";
        NotPerson = "not_person", "非本人";
    }
}

impl Received {
    /// Does this answer open a case (部分收到, 未收到, 非本人)?
    pub fn opens_case(self) -> bool {
        self != Received::Full
    }
}

coded_enum! {
    /// How the sample is stratified.
    Strata {
        Whole = "none", "不分层";
        Street = "street", "按街镇";
        Project = "project", "按项目";
        Both = "street,project", "按街镇和项目";
    }
}

/// How big the sample is.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum SizeRule {
    /// Cochran's formula: confidence and margin in percent, the design factor.
    Formula {
        confidence: f64,
        margin: f64,
        design_factor: f64,
    },
    Fixed(u64),
    /// A percentage of the population, rounded up.
    Percent(f64),
}

impl SizeRule {
    pub fn size(self, population: u64) -> u64 {
        match self {
            SizeRule::Formula { confidence, margin, design_factor } => {
                sample_size(population, confidence, margin, design_factor)
            }
            SizeRule::Fixed(n) => n.min(population),
            SizeRule::Percent(p) => ((population as f64 * p / 100.0 - 1e-9).ceil().max(0.0) as u64).min(population),
        }
    }

    /// How the size came about, in words, with its inputs and each step of the formula (the sample's
    /// page shows it, so that anyone can redo the sum).
    pub fn explain(self, population: u64) -> String {
        let n = self.size(population);
        match self {
            SizeRule::Formula { confidence, margin, design_factor } => {
                let z = z_of(confidence);
                let e = margin / 100.0;
                let n0 = z * z * 0.25 / (e * e);
                let corrected = if population == 0 { 0.0 } else { n0 / (1.0 + (n0 - 1.0) / population as f64) };
                format!(
                    "按置信水平{confidence}%（z = {z}）、允许误差{margin}%：n₀ = z²×0.25÷e² = {n0:.1}；\
                     有限总体校正 n₀÷(1+(n₀−1)÷{population}) = {corrected:.1}；乘设计效应{design_factor} = {:.1}，\
                     向上取整{}得 {n}",
                    corrected * design_factor,
                    if n == population && corrected * design_factor > population as f64 {
                        "且不超过总体，"
                    } else {
                        "，"
                    }
                )
            }
            SizeRule::Fixed(k) if k > population => format!("固定样本量{k}，总体只有{population}，全部抽取：{n}"),
            SizeRule::Fixed(k) => format!("固定样本量：{k}"),
            SizeRule::Percent(p) => format!("总体{population}的{p}%，向上取整：{n}"),
        }
    }
}

/// A call's answer, checked: a call that reached the person says what they received; one that did
/// not says nothing of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallAnswer {
    pub reached: Reached,
    pub received: Option<Received>,
    pub amount_fen: Option<i64>,
    pub satisfaction: Option<u8>,
    pub needs: Option<String>,
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("已接通的电话须记录收到情况（足额收到、部分收到、未收到或非本人）")]
    NoAnswer,
    #[error("未接通的电话不能记录收到情况")]
    AnswerWithoutReach,
    #[error("满意度须为1到5")]
    Satisfaction,
    #[error("确认的金额不能为负数")]
    Amount,
    #[error("选择了“足额收到”，但确认的金额 {confirmed} 元少于发放的 {paid} 元：请改为“部分收到”，或更正金额")]
    FullButLess { confirmed: String, paid: String },
    #[error("选择了“部分收到”，但确认的金额 {confirmed} 元不少于发放的 {paid} 元：请改为“足额收到”，或更正金额")]
    PartlyButAll { confirmed: String, paid: String },
}

impl CallAnswer {
    pub fn check(&self) -> Result<(), CallError> {
        match (self.reached, self.received) {
            (Reached::Yes, None) => return Err(CallError::NoAnswer),
            (Reached::No | Reached::WrongNumber, Some(_)) => return Err(CallError::AnswerWithoutReach),
            _ => {}
        }
        if self.satisfaction.is_some_and(|s| !(1..=5).contains(&s)) {
            return Err(CallError::Satisfaction);
        }
        if self.amount_fen.is_some_and(|a| a < 0) {
            return Err(CallError::Amount);
        }
        Ok(())
    }

    /// The amount the person confirms against the amount paid: "in full" cannot confirm less, "partly"
    /// cannot confirm all of it.
    pub fn check_paid(&self, paid_fen: i64) -> Result<(), CallError> {
        let Some(confirmed) = self.amount_fen else { return Ok(()) };
        let texts = || (crate::Fen(confirmed).yuan(), crate::Fen(paid_fen).yuan());
        match self.received {
            Some(Received::Full) if confirmed < paid_fen => {
                let (confirmed, paid) = texts();
                Err(CallError::FullButLess { confirmed, paid })
            }
            Some(Received::Partly) if confirmed >= paid_fen => {
                let (confirmed, paid) = texts();
                Err(CallError::PartlyButAll { confirmed, paid })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod call_tests {
    use super::*;

    #[test]
    fn a_case_opens_exactly_for_partly_none_and_not_the_person() {
        let opens: Vec<Received> = Received::ALL.iter().copied().filter(|r| r.opens_case()).collect();
        assert_eq!(opens, vec![Received::Partly, Received::None, Received::NotPerson]);
    }

    #[test]
    fn the_confirmed_amount_must_agree_with_the_answer() {
        let answer = |received, amount| CallAnswer {
            reached: Reached::Yes,
            received: Some(received),
            amount_fen: amount,
            satisfaction: None,
            needs: None,
            remarks: None,
        };
        let e = answer(Received::Full, Some(30_000)).check_paid(80_000).unwrap_err();
        assert_eq!(
            e.to_string(),
            "选择了“足额收到”，但确认的金额 300.00 元少于发放的 800.00 元：请改为“部分收到”，或更正金额"
        );
        assert!(matches!(
            answer(Received::Partly, Some(90_000)).check_paid(80_000),
            Err(CallError::PartlyButAll { .. })
        ));
        assert!(answer(Received::Full, Some(80_000)).check_paid(80_000).is_ok());
        assert!(answer(Received::Partly, Some(50_000)).check_paid(80_000).is_ok());
        assert!(answer(Received::Full, None).check_paid(80_000).is_ok(), "no amount said: nothing to compare");
    }

    #[test]
    fn a_call_answer_is_consistent() {
        let a = CallAnswer {
            reached: Reached::Yes,
            received: None,
            amount_fen: None,
            satisfaction: None,
            needs: None,
            remarks: None,
        };
        assert_eq!(a.check(), Err(CallError::NoAnswer));
        let b = CallAnswer { reached: Reached::No, received: Some(Received::Full), ..a.clone() };
        assert_eq!(b.check(), Err(CallError::AnswerWithoutReach));
        let c = CallAnswer { received: Some(Received::Full), satisfaction: Some(6), ..a.clone() };
        assert_eq!(c.check(), Err(CallError::Satisfaction));
        assert_eq!(CallAnswer { received: Some(Received::Partly), satisfaction: Some(3), ..a }.check(), Ok(()));
        assert_eq!(SizeRule::Percent(10.0).size(1_001), 101);
        assert_eq!(SizeRule::Fixed(50).size(20), 20);
    }
}
