//! Accounts (用户与角色): users and their passwords, sign-in and sessions, API tokens, and the
//! two-person activation of accounts made or reset on the web.

pub mod activation;
pub mod auth;
pub mod tokens;
pub mod users;
