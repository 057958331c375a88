//! 联系方式加密 (contacts encrypted at rest): a person's phone and address are stored like the ID
//! number — AES-256-GCM ciphertext; a phone also as a keyed hash (search by phone without the number
//! in the database) and as its mask (lists show it without decrypting).

use serde_json::json;
use yikou_domain::{Actor, Phone};

use crate::register::mask_phone;
use crate::{on_db, on_tx, Keys, Result, Store, WriteTx};

/// A phone as stored: encrypted, its keyed hash (search by phone without the number in the
/// database) and its masked form (lists show it without decrypting).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SealedPhone {
    pub(crate) cipher: Option<Vec<u8>>,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) masked: Option<String>,
}

/// The keyed hash a phone is searched by (a label keeps it apart from ID number keys).
pub(crate) fn phone_key(keys: &Keys, canonical: &str) -> Vec<u8> {
    keys.id_key(&format!("phone:{canonical}"))
}

pub(crate) fn seal_phone(keys: &Keys, canonical: Option<&str>) -> SealedPhone {
    match canonical {
        None => SealedPhone::default(),
        Some(c) => {
            SealedPhone { cipher: Some(keys.encrypt(c)), key: Some(phone_key(keys, c)), masked: Some(mask_phone(c)) }
        }
    }
}

pub(crate) fn seal_text(keys: &Keys, text: Option<&str>) -> Option<Vec<u8>> {
    text.map(|t| keys.encrypt(t))
}

pub(crate) fn open_text(keys: &Keys, blob: Option<&[u8]>) -> Result<Option<String>> {
    blob.map(|b| keys.decrypt(b)).transpose()
}

/// Stores a person's phone and address encrypted (the plaintext columns are kept empty).
pub(crate) async fn write_contact(
    tx: &mut WriteTx<'_>,
    id: i64,
    phone: Option<&str>,
    address: Option<&str>,
) -> Result<()> {
    let sealed = seal_phone(tx.keys(), phone);
    let address = seal_text(tx.keys(), address);
    on_tx!(&mut tx.tx, c => sqlx::query(
        "UPDATE people SET phone = NULL, address = NULL, phone_cipher = $1, phone_key = $2, phone_masked = $3,
         address_cipher = $4 WHERE id = $5")
        .bind(&sealed.cipher).bind(&sealed.key).bind(&sealed.masked).bind(&address).bind(id)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Encrypts the phones and addresses that databases made before encryption at rest still hold in
/// plaintext (the migration that added the encrypted columns has no key). Runs when the store is
/// opened; does nothing once every row is sealed.
pub(crate) async fn seal_plaintext_contacts(store: &Store) -> Result<u64> {
    let mut sealed = 0u64;
    loop {
        let rows: Vec<(i64, Option<String>, Option<String>)> = on_db!(&store.db, p => sqlx::query_as(
            "SELECT id, phone, address FROM people WHERE phone IS NOT NULL OR address IS NOT NULL ORDER BY id LIMIT 5000")
            .fetch_all(p).await?);
        if rows.is_empty() {
            return Ok(sealed);
        }
        let mut tx = store.write(&Actor::system("encrypt-contacts")).await?;
        for (id, phone, address) in &rows {
            let canonical =
                phone.as_deref().map(|p| Phone::parse(p).map(|x| x.canonical()).unwrap_or_else(|_| p.to_string()));
            write_contact(&mut tx, *id, canonical.as_deref(), address.as_deref()).await?;
        }
        sealed += rows.len() as u64;
        tx.audit("person.contacts_encrypted", "person", "*", None, Some(&json!({ "people": rows.len() }))).await?;
        tx.commit().await?;
    }
}
