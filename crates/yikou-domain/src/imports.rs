//! 名单导入 vocabulary: the states of an import batch. (Reading and checking rows is yikou-ingest's;
//! applying them, the store's `imports`.)

use serde::Serialize;

/// 导入批次状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    /// Being written (never shown: a batch is committed or gone with its transaction).
    Open,
    /// 已导入.
    Committed,
    /// 已撤销.
    Undone,
}

impl BatchStatus {
    pub const ALL: [BatchStatus; 3] = [BatchStatus::Open, BatchStatus::Committed, BatchStatus::Undone];

    pub fn code(self) -> &'static str {
        match self {
            BatchStatus::Open => "open",
            BatchStatus::Committed => "committed",
            BatchStatus::Undone => "undone",
        }
    }

    pub fn from_code(s: &str) -> Option<BatchStatus> {
        BatchStatus::ALL.into_iter().find(|b| b.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            BatchStatus::Open => "导入中",
            BatchStatus::Committed => "已导入",
            BatchStatus::Undone => "已撤销",
        }
    }
}
