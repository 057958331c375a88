//! Keys: ID numbers are stored encrypted (AES-256-GCM), joined by a keyed hash (HMAC-SHA256), and the
//! audit chain is sealed with a third derived key, and the chain's head with a fourth, so a copy of the
//! database alone reveals no ID number and cannot re-seal an edited or truncated audit log.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::StoreError;

type HmacSha256 = Hmac<Sha256>;

/// The master key and the keys derived from it.
#[derive(Clone)]
pub struct Keys {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
    audit_key: [u8; 32],
    seal_key: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    m.update(label.as_bytes());
    m.finalize().into_bytes().into()
}

/// Computes [`Keys::id_key`] without redoing the key schedule for each number.
#[derive(Clone)]
pub struct IdHasher(HmacSha256);

impl std::fmt::Debug for IdHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdHasher(…)")
    }
}

impl IdHasher {
    /// The join key of a canonical ID number (equal to [`Keys::id_key`]).
    pub fn key(&self, canonical_id: &str) -> [u8; 32] {
        let mut m = self.0.clone();
        m.update(canonical_id.as_bytes());
        m.finalize().into_bytes().into()
    }
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Keys {
        let enc = derive(master, "yikou/v1/encrypt-id");
        Keys {
            cipher: Aes256Gcm::new_from_slice(&enc).expect("32-byte key"),
            mac_key: derive(master, "yikou/v1/id-key"),
            audit_key: derive(master, "yikou/v1/audit-chain"),
            seal_key: derive(master, "yikou/v1/audit-head-seal"),
        }
    }

    /// A fresh random master key.
    pub fn generate_master() -> [u8; 32] {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        k
    }

    /// Parses the key file's content: 64 hex characters.
    pub fn parse_master(text: &str) -> Result<[u8; 32], StoreError> {
        let bytes = hex::decode(text.trim()).map_err(|_| StoreError::BadKeyFile)?;
        bytes.try_into().map_err(|_| StoreError::BadKeyFile)
    }

    /// The join/uniqueness key of an ID number.
    pub fn id_key(&self, canonical_id: &str) -> Vec<u8> {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.mac_key).expect("any key length");
        m.update(canonical_id.as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    /// A reusable maker of join keys (the HMAC's key schedule done once): for looking up many
    /// numbers, as a dry run does for every row of a list.
    pub fn id_hasher(&self) -> IdHasher {
        IdHasher(<HmacSha256 as Mac>::new_from_slice(&self.mac_key).expect("any key length"))
    }

    /// nonce (12 bytes) ‖ ciphertext+tag.
    pub fn encrypt(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        // The thread's CSPRNG (ChaCha, seeded and reseeded from the OS): a random 96-bit nonce
        // without a system call per value (a million-row import seals two or three per row).
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption does not fail for small inputs");
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn decrypt(&self, blob: &[u8]) -> Result<String, StoreError> {
        if blob.len() < 12 + 16 {
            return Err(StoreError::Decrypt);
        }
        let pt = self.cipher.decrypt(Nonce::from_slice(&blob[..12]), &blob[12..]).map_err(|_| StoreError::Decrypt)?;
        String::from_utf8(pt).map_err(|_| StoreError::Decrypt)
    }

    /// A value stored in the database at init; a different key gives a different value.
    pub fn check_value(&self) -> String {
        hex::encode(self.id_key("yikou key check"))
    }

    /// Seals one audit record onto the chain.
    pub fn audit_hash(&self, prev: &str, fields: &[&str]) -> String {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.audit_key).expect("any key length");
        m.update(prev.as_bytes());
        for f in fields {
            // Unit separator between fields so that moving text from one field to the next changes the hash.
            m.update(&[0x1f]);
            m.update(f.as_bytes());
        }
        hex::encode(m.finalize().into_bytes())
    }

    /// Seals the chain's head (its sequence number and hash), with a key of its own: a record's hash
    /// cannot stand in for a head's seal, so cutting records off the end and pointing the head at the
    /// last one kept is detected.
    pub fn audit_seal(&self, seq: i64, hash: &str) -> String {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.seal_key).expect("any key length");
        m.update(b"audit-head");
        m.update(&[0x1f]);
        m.update(seq.to_string().as_bytes());
        m.update(&[0x1f]);
        m.update(hash.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_is_randomised() {
        let k = Keys::from_master(&[7u8; 32]);
        let a = k.encrypt("11010519491231002X");
        let b = k.encrypt("11010519491231002X");
        assert_ne!(a, b, "a fresh nonce each time");
        assert_eq!(k.decrypt(&a).unwrap(), "11010519491231002X");
        let other = Keys::from_master(&[8u8; 32]);
        assert!(matches!(other.decrypt(&a), Err(StoreError::Decrypt)));
        assert_ne!(k.id_key("x"), other.id_key("x"));
        assert_eq!(k.id_key("x"), Keys::from_master(&[7u8; 32]).id_key("x"));
    }

    #[test]
    fn the_reusable_hasher_makes_the_same_join_keys() {
        let k = Keys::from_master(&[7u8; 32]);
        let h = k.id_hasher();
        for id in ["11010519491231002X", "310112195001010016", ""] {
            assert_eq!(h.key(id).to_vec(), k.id_key(id), "{id}");
        }
        assert_ne!(h.key("a"), Keys::from_master(&[8u8; 32]).id_hasher().key("a"));
    }

    #[test]
    fn audit_hash_separates_fields() {
        let k = Keys::from_master(&[1u8; 32]);
        assert_ne!(k.audit_hash("p", &["ab", "c"]), k.audit_hash("p", &["a", "bc"]));
    }

    #[test]
    fn the_head_seal_has_its_own_key_and_covers_sequence_and_hash() {
        let k = Keys::from_master(&[1u8; 32]);
        let seal = k.audit_seal(5, "abc");
        assert_eq!(seal, Keys::from_master(&[1u8; 32]).audit_seal(5, "abc"));
        assert_ne!(seal, k.audit_seal(4, "abc"));
        assert_ne!(seal, k.audit_seal(5, "abd"));
        assert_ne!(seal, Keys::from_master(&[2u8; 32]).audit_seal(5, "abc"));
        assert_ne!(seal, k.audit_hash("abc", &["5"]), "not the chain's key");
    }
}
