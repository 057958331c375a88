//! 发放 (disbursement): methods, the state of a payment line, a bank's result read into a fixed
//! failure reason, and the 参考号 that ties a bank file's line to its result. An entitlement is paid at
//! most once (a database constraint); a failed line is re-issued as the next attempt in a new batch.

use crate::finding::coded_enum;
use crate::project::Form;

coded_enum! {
    /// How a batch pays (the API's `method`).
    PayMethod {
        Bank = "bank", "银行代发";
        Card = "card", "社保卡/一卡通";
        Cash = "cash", "现金";
        Voucher = "voucher", "卡券";
        Goods = "goods", "实物/慰问品";
        Service = "service", "服务";
    }
}

coded_enum! {
    /// The state of a payment line.
    LineState {
        /// Sent (in a bank file or on a sign-off sheet), no result yet.
        Pending = "pending", "待发放";
        Paid = "paid", "已发放";
        Failed = "failed", "发放失败";
        /// The bank answered something other than success or failure (处理中 …): never taken as
        /// failed; it waits for a clear result.
        Unresolved = "unresolved", "结果不明";
    }
}

coded_enum! {
    /// Why a bank refused a line, as a fixed code (the bank's own words are kept beside it).
    FailReason {
        NameMismatch = "name_mismatch", "户名不符";
        NoAccount = "no_account", "账号不存在";
        Closed = "closed", "销户/冻结/挂失";
        OverLimit = "over_limit", "超限额";
        IdMismatch = "id_mismatch", "证件不符";
        Other = "other", "其他";
    }
}

impl PayMethod {
    /// Is it paid through a bank file (and its result file), rather than signed for on a sheet?
    pub fn by_bank(self) -> bool {
        self == PayMethod::Bank
    }

    /// May a project of this form of help be paid this way? Money (现金 projects, and the money of a
    /// visit) goes by bank, card or cash; gift packs as goods; vouchers as vouchers or cards;
    /// services as services.
    pub fn fits(self, form: Form) -> bool {
        use PayMethod::*;
        match form {
            Form::Cash => matches!(self, Bank | Card | Cash),
            Form::Visit => matches!(self, Bank | Card | Cash | Goods),
            Form::GiftPack => self == Goods,
            Form::Voucher => matches!(self, Voucher | Card),
            Form::Service => self == Service,
        }
    }

    /// The forms of help this method pays (their codes, as stored on projects).
    pub fn forms(self) -> Vec<&'static str> {
        Form::ALL.iter().filter(|f| self.fits(**f)).map(|f| f.code()).collect()
    }
}

impl LineState {
    /// Is the line's result still to come (pending or unclear)?
    pub fn is_open(self) -> bool {
        matches!(self, LineState::Pending | LineState::Unresolved)
    }
}

/// What a bank's 处理结果 (with its 失败原因) says about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankResult {
    Paid,
    Failed(FailReason),
    /// Anything else (处理中, blank, 待确认 …): not a failure.
    Unresolved,
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase()
}

impl FailReason {
    /// The fixed reason for a bank's words (first match wins; unknown words are 其他).
    pub fn from_bank_words(words: &str) -> FailReason {
        let w = squeeze(words);
        let has = |keys: &[&str]| keys.iter().any(|k| w.contains(k));
        if has(&["户名", "姓名不符", "名称不符", "账户名"]) {
            FailReason::NameMismatch
        } else if has(&["账号不存在", "无此账", "账户不存在", "卡号不存在", "账号错误", "账号有误"])
        {
            FailReason::NoAccount
        } else if has(&["销户", "冻结", "挂失", "止付", "睡眠", "注销"]) {
            FailReason::Closed
        } else if has(&["限额", "超限", "超过"]) {
            FailReason::OverLimit
        } else if has(&["证件", "身份证"]) {
            FailReason::IdMismatch
        } else {
            FailReason::Other
        }
    }
}

impl BankResult {
    /// Reads a result cell and its reason: 成功 is paid, 失败 failed (reason mapped), anything else
    /// unresolved — an unclear answer is never taken as a failure.
    pub fn read(result: &str, reason: &str) -> BankResult {
        let r = squeeze(result);
        let success = ["成功", "交易成功", "已成功", "处理成功", "success", "s", "已入账"];
        let failure = ["失败", "交易失败", "处理失败", "已退回", "退回", "fail", "failed", "failure", "f"];
        if success.contains(&r.as_str()) {
            BankResult::Paid
        } else if failure.contains(&r.as_str()) {
            BankResult::Failed(FailReason::from_bank_words(reason))
        } else {
            BankResult::Unresolved
        }
    }
}

/// A bank account number (账号): 8 to 30 digits once spaces and dashes are removed. Shown masked
/// (its last four digits) everywhere but inside a bank file.
#[derive(Clone, PartialEq, Eq)]
pub struct BankAccount(String);

impl std::fmt::Debug for BankAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BankAccount({})", self.masked())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("银行账号格式不正确（{what}）：应为8至30位数字，可含空格")]
pub struct BankAccountError {
    /// What is wrong, without the number.
    pub what: String,
}

impl BankAccount {
    pub fn parse(raw: &str) -> Result<BankAccount, BankAccountError> {
        let d: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{3000}' | '\t')).collect();
        if let Some(c) = d.chars().find(|c| !c.is_ascii_digit()) {
            return Err(BankAccountError { what: format!("含有“{c}”等非数字字符") });
        }
        if !(8..=30).contains(&d.len()) {
            return Err(BankAccountError { what: format!("共{}位数字", d.len()) });
        }
        Ok(BankAccount(d))
    }

    /// The digits (for the bank file and the encrypted column only).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// "****1234".
    pub fn masked(&self) -> String {
        format!("****{}", &self.0[self.0.len() - 4..])
    }
}

/// The 参考号 of a line: the batch number, the line number and the attempt ("P2020-0003-00017-1"):
/// unique per line and attempt, and the same every time the batch is exported.
pub fn reference(batch_no: &str, line_no: i64, attempt: i64) -> String {
    format!("{batch_no}-{line_no:05}-{attempt}")
}

/// A batch's number: the campaign year and its sequence ("P2020-0003").
pub fn batch_no(year: i32, seq: i64) -> String {
    format!("P{year}-{seq:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bank_result_is_paid_failed_with_a_fixed_reason_or_unresolved() {
        assert_eq!(BankResult::read("成功", ""), BankResult::Paid);
        assert_eq!(BankResult::read(" 交易成功 ", ""), BankResult::Paid);
        assert_eq!(BankResult::read("失败", "户名与账号不符"), BankResult::Failed(FailReason::NameMismatch));
        assert_eq!(BankResult::read("失败", "该账号不存在"), BankResult::Failed(FailReason::NoAccount));
        assert_eq!(BankResult::read("失败", "账户已冻结"), BankResult::Failed(FailReason::Closed));
        assert_eq!(BankResult::read("失败", "超过单笔限额"), BankResult::Failed(FailReason::OverLimit));
        assert_eq!(BankResult::read("失败", "证件号码不符"), BankResult::Failed(FailReason::IdMismatch));
        assert_eq!(BankResult::read("失败", "系统繁忙"), BankResult::Failed(FailReason::Other));
        for unclear in ["处理中", "", "待确认", "成功？"] {
            assert_eq!(BankResult::read(unclear, ""), BankResult::Unresolved, "{unclear}");
        }
    }

    #[test]
    fn a_bank_account_is_digits_and_shown_by_its_last_four() {
        let a = BankAccount::parse("6222 0210 0112 3456 789").unwrap();
        assert_eq!((a.digits(), a.masked().as_str()), ("6222021001123456789", "****6789"));
        assert!(!format!("{a:?}").contains("62220210"));
        assert_eq!(BankAccount::parse("6222x").unwrap_err().what, "含有“x”等非数字字符");
        assert_eq!(BankAccount::parse("1234567").unwrap_err().what, "共7位数字");
    }

    #[test]
    fn a_method_pays_the_projects_of_its_forms() {
        assert!(PayMethod::Bank.fits(Form::Cash) && !PayMethod::Bank.fits(Form::GiftPack));
        assert!(PayMethod::Goods.fits(Form::GiftPack) && PayMethod::Service.fits(Form::Service));
        assert_eq!(PayMethod::Voucher.forms(), vec!["voucher"]);
    }

    #[test]
    fn references_are_unique_per_line_and_attempt_and_stable() {
        assert_eq!(reference(&batch_no(2020, 3), 17, 1), "P2020-0003-00017-1");
        assert_ne!(reference("P2020-0003", 17, 1), reference("P2020-0003", 17, 2));
        assert_eq!(reference("P2020-0003", 17, 1), reference("P2020-0003", 17, 1));
    }
}
