//! The web only parses, calls a use case and renders (issue 12): these scans keep it so. A handler
//! that opened a store transaction, matched on a store error, spelt out a role list or compared a
//! CSRF token by hand would fail here.

use std::path::Path;

fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    assert!(out.len() > 20, "the web's sources were found");
    out
}

#[test]
fn no_handler_opens_a_store_transaction_or_matches_a_store_error() {
    for (path, text) in sources() {
        for needle in ["store.write(", "StoreError::", "off_thread"] {
            let allowed = path.ends_with("error.rs") && needle == "StoreError::";
            assert!(
                allowed || !text.contains(needle),
                "{path} contains {needle}: call a yikou_service use case instead"
            );
        }
    }
}

#[test]
fn no_handler_spells_out_a_role_or_checks_a_csrf_token_by_hand() {
    for (path, text) in sources() {
        for line in text.lines() {
            let role_named = ["Admin", "Bureau", "Reviewer", "Department", "Street", "Committee", "Caller"]
                .iter()
                .any(|r| line.contains(&format!("Role::{r}")));
            assert!(!role_named, "{path}: `{}` — rights are Role::may_* methods", line.trim());
        }
        if !path.ends_with("session.rs") {
            assert!(!text.contains("same("), "{path} compares a token: use the Posted/Uploaded extractors");
        }
    }
}
