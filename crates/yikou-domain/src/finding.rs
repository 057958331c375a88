//! 比对发现 (findings of the cross-check): their kinds, severities and review states, listed once
//! with their Chinese texts. The store computes findings of these kinds; pages, exports, the API and
//! the CLI name them through these types (the codes are the JSON/CSV values other programs read).

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $code)] $v,)+
        }

        impl $name {
            /// Every value, in report order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The code written in JSON, CSV and the database.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$v => $code,)+
                }
            }

            /// The Chinese text shown to users.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$v => $label,)+
                }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum! {
    /// 发现类型, in report order (the order of the findings workbook's sheets).
    FindingKind {
        DupInProject = "dup_in_project", "同一项目重复";
        DupExclusive = "dup_exclusive", "互斥项目重复享受";
        HouseholdTwice = "household_twice", "按户项目同户重复";
        ExclusionBroken = "exclusion_broken", "违反排除规则";
        DeceasedPaid = "deceased_paid", "已故人员在册";
        MovedAwayPaid = "moved_away_paid", "已迁出人员在册";
        Ineligible = "ineligible", "不符合对象类别";
        IneligibleCondition = "ineligible_condition", "不符合年龄或性别条件";
        AmountOutside = "amount_outside", "金额超出标准";
        OverBudget = "over_budget", "超出计划资金";
        OverCap = "over_cap", "超过每人封顶";
        TwoStreets = "two_streets", "多个街镇重复列入";
        NearDuplicates = "near_duplicates", "疑似重复（需人工核实）";
        Omissions = "omissions", "遗漏（未享受任何项目）";
        NotVisited = "not_visited", "应走访未走访";
    }
}

coded_enum! {
    /// 严重程度.
    Severity {
        /// Must be corrected before approval.
        Error = "error", "错误";
        /// Should be looked at; may stand with a reason.
        Warning = "warning", "提示";
        /// Needs a person to decide (e.g. a suspected duplicate under two ID numbers).
        Review = "review", "需人工核实";
    }
}

coded_enum! {
    /// 处理状态 of a finding.
    FindingStatus {
        Open = "open", "待处理";
        Confirmed = "confirmed", "已确认";
        Dismissed = "dismissed", "已排除";
        /// Decided before, but the facts have changed since.
        Reopened = "reopened", "重新打开（情况有变）";
    }
}

impl FindingKind {
    /// The title of the kind (the sheet name in the findings workbook, the tab on the check page).
    pub fn title(self) -> &'static str {
        self.label()
    }

    pub fn severity(self) -> Severity {
        match self {
            FindingKind::OverCap | FindingKind::TwoStreets | FindingKind::Omissions | FindingKind::NotVisited => {
                Severity::Warning
            }
            FindingKind::NearDuplicates => Severity::Review,
            _ => Severity::Error,
        }
    }
}

impl FindingKind {
    /// Does a finding of this kind point at entitlements one may take off a roster (撤销): a listing
    /// twice, a person who should not be listed? Not for money (the amount or budget is corrected) nor
    /// omissions (nothing is listed).
    pub fn suggests_withdrawal(self) -> bool {
        !matches!(
            self,
            FindingKind::AmountOutside
                | FindingKind::OverBudget
                | FindingKind::OverCap
                | FindingKind::Omissions
                | FindingKind::NotVisited
        )
    }
}

impl FindingStatus {
    /// Has a reviewer decided it (and the facts not changed since)?
    pub fn is_decided(self) -> bool {
        matches!(self, FindingStatus::Confirmed | FindingStatus::Dismissed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_and_serialize_as_the_codes_other_programs_read() {
        for k in FindingKind::ALL {
            assert_eq!(FindingKind::from_code(k.code()), Some(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.code()));
        }
        assert_eq!(FindingKind::ALL.len(), 15);
        assert_eq!(FindingKind::from_code("nonsense"), None);
        assert_eq!(serde_json::to_value(FindingStatus::Dismissed).unwrap(), "dismissed");
        assert_eq!(FindingKind::NearDuplicates.severity(), Severity::Review);
        assert_eq!(FindingKind::OverCap.severity().code(), "warning");
    }
}
