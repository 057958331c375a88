//! 审计 (the audit log) in words: each action and kind of record the log names, as a clerk or an
//! auditor reads it. The log itself keeps the codes (they are part of the sealed chain); pages and
//! exports show these names, with the code beside in grey where an auditor needs it.

/// Every action the system records, with its Chinese name.
pub const ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "登录"),
    ("auth.logout", "退出登录"),
    ("auth.login_failed", "登录失败"),
    ("auth.login_locked", "账号锁定期间尝试登录"),
    ("auth.locked", "多次输错密码，账号锁定"),
    ("auth.source_throttled", "同一来源尝试过多，暂停登录"),
    ("auth.password_change", "修改密码"),
    ("auth.token_create", "创建访问令牌"),
    ("auth.token_revoke", "吊销访问令牌"),
    ("auth.token_revoke_all", "吊销全部访问令牌"),
    ("user.create", "创建账号"),
    ("user.activate", "账号生效（双人复核）"),
    ("user.disable", "停用账号"),
    ("user.enable", "启用账号"),
    ("user.unlock", "解锁账号"),
    ("user.password_reset", "重置密码"),
    ("user.password_reset_complete", "重置密码生效（双人复核）"),
    ("user.export", "导出账号清单"),
    ("person.create", "登记帮困对象"),
    ("person.bulk_create", "批量登记帮困对象"),
    ("person.update", "修改帮困对象信息"),
    ("person.category_add", "增加困难类别"),
    ("person.reveal_id", "查看完整身份证号"),
    ("person.search", "查询帮困对象"),
    ("person.export", "导出帮困对象"),
    ("person.contacts_encrypted", "加密联系方式"),
    ("household.create", "登记家庭"),
    ("household.bulk_create", "批量登记家庭"),
    ("entitlement.create", "新增帮扶记录"),
    ("entitlement.bulk_create", "批量新增帮扶记录"),
    ("entitlement.transition", "帮扶记录状态变更"),
    ("entitlement.set_amount", "修改帮扶金额"),
    ("entitlement.withdraw", "撤销帮扶记录"),
    ("payment.batch_create", "创建发放批次"),
    ("payment.reissue", "重新发放失败记录"),
    ("payment.results", "导入发放结果"),
    ("payment.signoff", "登记签收结果"),
    ("payment.sheet_print", "打印签收表"),
    ("person.bank_accounts_loaded", "批量载入银行账户"),
    ("payment.bank_file", "导出银行代发文件"),
    ("person.bank_account", "修改银行账户"),
    ("followup.sample_create", "抽取回访样本"),
    ("followup.call", "记录回访电话"),
    ("followup.phone_view", "回访员查看拨打号码"),
    ("followup.case_close", "办结回访问题件"),
    ("followup.case_assign", "指定问题件经办人和期限"),
    ("report.unit_file", "报送本单位总结"),
    ("followup.sample_close", "结束回访"),
    ("followup.export", "导出回访结果"),
    ("roster.submit", "提交名单审核"),
    ("roster.approve", "批准下达名单"),
    ("roster.return", "退回名单"),
    ("campaign.create", "建立活动"),
    ("campaign.set_phase", "调整活动阶段"),
    ("campaign.export", "导出活动数据（交换文件）"),
    ("project.create", "建立帮困项目"),
    ("project.export", "导出帮困项目"),
    ("project.print", "打印签收表"),
    ("category.create", "新增困难类别"),
    ("unit.create", "新增单位"),
    ("unit.contact", "修改单位联系人"),
    ("reference.seed", "初始化基础数据"),
    ("meta.set", "系统设置"),
    ("import.commit", "导入名单"),
    ("import.undo", "撤销导入批次"),
    ("import.refused_outside", "拒绝导入外区人员"),
    ("exchange.load", "载入交换文件"),
    ("report.export", "导出汇总明细"),
    ("voucher.batch_create", "制发慈善超市卡券"),
    ("voucher.issue", "发放卡券给帮困对象"),
    ("voucher.redeem", "兑换卡券"),
    ("voucher.issue_batch", "随发放批次发放卡券"),
    ("voucher.redeem_list", "导入超市兑换明细"),
    ("visit.record", "登记走访慰问"),
    ("visit.action_done", "走访跟进事项办结"),
    ("visit.load", "成批登记走访慰问"),
    ("visit.export", "导出走访慰问登记"),
    ("hotline.take", "热线受理求助"),
    ("hotline.assign", "热线求助派单"),
    ("hotline.close", "热线求助办结"),
    ("hotline.export", "导出热线求助"),
    ("donation.record", "登记社会捐赠"),
    ("donation.allocate", "分配社会捐赠"),
    ("donation.export", "导出社会捐赠"),
    ("service.kind_add", "增加服务类别"),
    ("service.provider_add", "登记服务提供方"),
    ("service.deliveries_import", "导入服务明细"),
    ("service.export", "导出服务统计"),
    ("register.base_load", "载入市级名单（基础名册）"),
    ("register.base_refused", "市级名单有错误，未载入"),
    ("rules.save", "保存比对规则"),
    ("finding.confirm", "确认疑点（需纠正）"),
    ("finding.dismiss", "排除疑点（核实无误）"),
    ("finding.export", "导出比对疑点"),
    ("audit.export", "导出审计记录"),
    ("audit.anchor", "审计锚点"),
    ("audit.seal_broken", "审计链校验失败"),
    ("audit.backup", "备份数据"),
    ("audit.restore", "从备份恢复数据"),
];

/// Every kind of record the log names, with its Chinese name.
pub const ENTITIES: &[(&str, &str)] = &[
    ("person", "帮困对象"),
    ("household", "家庭"),
    ("entitlement", "帮扶记录"),
    ("campaign", "活动"),
    ("project", "帮困项目"),
    ("category", "困难类别"),
    ("unit", "单位"),
    ("reference", "基础数据"),
    ("meta", "系统设置"),
    ("user", "账号"),
    ("import_batch", "导入批次"),
    ("roster", "名单"),
    ("payment_batch", "发放批次"),
    ("sample", "回访样本"),
    ("finding", "比对疑点"),
    ("rules", "比对规则"),
    ("audit", "审计记录"),
    ("voucher", "卡券"),
    ("voucher_batch", "卡券批次"),
    ("visit", "走访记录"),
    ("visit_action", "走访跟进事项"),
    ("hotline_request", "热线求助"),
    ("donation", "社会捐赠"),
    ("service_kind", "服务类别"),
    ("service_provider", "服务提供方"),
];

/// Does an action change the data the reports count (people, households, categories, projects,
/// entitlements and their payment)? Reading, exporting, revealing, printing and signing in do not,
/// nor do account matters and the audit's own records; every other action counts as a change (an
/// action added later is a change until it is named here).
pub fn changes_data(action: &str) -> bool {
    !(action.starts_with("auth.")
        || action.starts_with("user.")
        || action.starts_with("audit.")
        || action.ends_with(".export")
        || matches!(
            action,
            "person.reveal_id"
                | "person.search"
                | "person.contacts_encrypted"
                | "followup.phone_view"
                | "payment.sheet_print"
                | "project.print"
        ))
}

/// Does an audited action change what the cross-check reads? Every action that changes data except
/// the reviewers' decisions on findings (attached to the stored findings when they are read).
pub fn changes_findings(action: &str) -> bool {
    changes_data(action) && !action.starts_with("finding.")
}

/// Groups of actions by the start of their code, for a filter ("auth." is every sign-in event).
pub const GROUPS: &[(&str, &str)] = &[
    ("auth.", "登录、密码与令牌"),
    ("user.", "账号管理"),
    ("person.", "帮困对象"),
    ("import.", "名单导入"),
    ("entitlement.", "帮扶记录"),
    ("roster.", "名单审核"),
    ("payment.", "发放"),
    ("followup.", "电话回访"),
    ("finding.", "比对核查"),
    ("project.", "帮困项目"),
    ("campaign.", "活动"),
    ("audit.", "审计"),
];

fn lookup(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// The Chinese name of an action; an action this version does not know keeps its code.
pub fn action_name(code: &str) -> String {
    lookup(ACTIONS, code).map_or_else(|| code.to_string(), str::to_string)
}

/// The Chinese name of a kind of record; an unknown kind keeps its code.
pub fn entity_name(code: &str) -> String {
    lookup(ENTITIES, code).map_or_else(|| code.to_string(), str::to_string)
}

/// "帮困对象 12" / "帮困对象（全部）" for the record an entry is about ("*" is many at once).
pub fn object_text(entity: &str, entity_id: &str) -> String {
    match entity_id {
        "*" | "" | "-" => format!("{}（多条）", entity_name(entity)),
        id => format!("{} {id}", entity_name(entity)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_records_read_as_words_and_unknown_codes_stay_visible() {
        assert_eq!(action_name("person.reveal_id"), "查看完整身份证号");
        assert_eq!(action_name("auth.login"), "登录");
        assert_eq!(action_name("auth.token_create"), "创建访问令牌", "the pages' own word for a token");
        assert_eq!(action_name("new.thing"), "new.thing");
        assert_eq!(object_text("person", "*"), "帮困对象（多条）");
        assert_eq!(object_text("user", "7"), "账号 7");
    }

    #[test]
    fn every_code_is_listed_once() {
        for table in [ACTIONS, ENTITIES] {
            let mut codes: Vec<&str> = table.iter().map(|(c, _)| *c).collect();
            codes.sort();
            let n = codes.len();
            codes.dedup();
            assert_eq!(codes.len(), n, "a code listed twice");
        }
    }
}
