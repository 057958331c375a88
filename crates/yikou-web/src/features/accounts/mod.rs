//! Accounts (用户与角色): sign-in and out, passwords, the accounts list, creating, disabling,
//! unlocking, resetting and activating accounts, API tokens; export and API.

mod api;
mod auth;
mod exports;
mod tokens;
mod users;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/login", auth::login_form)
        .post("/login", auth::login)
        .post("/logout", auth::logout)
        .get("/password", auth::password_form)
        .post("/password", auth::change_password)
        .get("/users", users::users)
        .post("/users", users::create)
        .get("/users/new", users::new_user)
        .post("/users/{login}/disable", users::disable)
        .post("/users/{login}/enable", users::enable)
        .post("/users/{login}/unlock", users::unlock)
        .post("/users/{login}/reset-password", users::reset_password)
        .post("/users/{login}/complete", users::complete)
        .get("/users/{login}/tokens", tokens::of_user)
        .post("/users/{login}/tokens/{id}/revoke", tokens::revoke_of_user)
        .get("/account/tokens", tokens::mine)
        .post("/account/tokens", tokens::create)
        .post("/account/tokens/{id}/revoke", tokens::revoke_mine)
        .get("/users/export.csv", exports::users)
        .get("/users/export.xlsx", exports::users)
        .get("/api/v1/users", api::users)
}
