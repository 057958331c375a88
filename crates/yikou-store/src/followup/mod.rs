//! 随机电话回访 (follow-up calls): a sample drawn reproducibly from the disbursed entitlements (the
//! population sorted, hashed and recorded with the seed and generator), its members shared among
//! callers, the calls (the last decides) and the cases an answer opens; results and closing.

mod calls;
mod results;
mod samples;
mod views;

pub use calls::{assign_case, close_sample, record_call, resolve_case, CaseLine, CaseView, Closed, CASE_DAYS};
pub use results::{NeedHeard, SampleResults, StratumResult};
pub use samples::{create_sample, SampleFilter, SampleMade, SampleParams, StratumMade};
pub use views::{FollowupWork, MemberView, SampleView};
