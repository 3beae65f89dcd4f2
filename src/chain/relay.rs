//! Relay packages: a batch of shares with its contributor's EIP-712 signature, as JSON a contributor
//! copies out of the mine page and anyone pastes into another to send it with `submitSharesFor`.
//!
//! A package comes from someone else, so nothing in it is taken on trust: before a wallet opens, it
//! must be for this network's ledger, every share must verify against the header it commits to, and
//! the signature must recover to the contributor. The ledger checks all of it again; checking first
//! keeps the relayer from paying gas for a transaction that can only fail.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::ledger::{batch_signer, SignatureError};
use crate::domain::Address;
use crate::miner::shares::{self, shares_words, BatchSignature, JobSpec, PendingBatch, HEADER_VERSION, MAX_BATCH};

/// What a contributor hands a relayer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelayPackage {
    pub chain_id: u64,
    pub ledger: Address,
    pub batch: RelayBatch,
    pub signature: BatchSignature,
}

/// HashLedger's `ShareBatch`, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelayBatch {
    pub token_id: u64,
    pub contributor: Address,
    #[serde(with = "prefixed_hex")]
    pub job_seed: [u8; 32],
    pub version: u32,
    pub time: u32,
    pub bits: u32,
    /// In the order they are signed and will be submitted.
    pub nonces: Vec<u32>,
}

/// A package that passed every check: what `submitSharesFor` will be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRelay {
    pub batch: PendingBatch,
    pub signature: BatchSignature,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    #[error("Paste the relay package a contributor copied after signing.")]
    Empty,
    #[error("This is not a relay package: {0}.")]
    Shape(String),
    #[error("This package is for chain {package}, but HashTwin is on chain {network} here.")]
    WrongChain { package: u64, network: u64 },
    #[error("This package names the ledger {package}, not this network's HashLedger {network}.")]
    WrongLedger { package: Address, network: Address },
    #[error("This package's header version is {0:#x}, not the {HEADER_VERSION:#x} HashTwin's miner uses.")]
    Version(u32),
    #[error("A batch carries 1 to {MAX_BATCH} shares; this one carries {0}.")]
    Size(usize),
    #[error("The nonces must be strictly increasing, as the ledger takes them: {later} comes after {earlier}.")]
    Order { earlier: u32, later: u32 },
    #[error("{0} Nothing would be credited: the ledger refuses the whole batch.")]
    NotShares(String),
    #[error("These shares are more than two hours from now, and the ledger no longer takes them.")]
    Stale,
    #[error("The signature is unusable: {0}.")]
    Signature(SignatureError),
    #[error("The signature is not {contributor}'s over this batch: it was made by {signer}.")]
    WrongSigner { contributor: Address, signer: Address },
}

impl RelayPackage {
    /// The package for a batch its contributor has signed.
    pub fn new(batch: &PendingBatch, signature: BatchSignature) -> Self {
        let job = &batch.job;
        Self {
            chain_id: job.chain_id,
            ledger: job.ledger,
            batch: RelayBatch {
                token_id: job.twin_id,
                contributor: job.contributor,
                job_seed: job.seed,
                version: HEADER_VERSION,
                time: job.time,
                bits: job.bits,
                nonces: batch.nonces.iter().copied().collect(),
            },
            signature,
        }
    }

    /// As the page shows it, to be copied whole.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a relay package is plain data")
    }

    pub fn parse(text: &str) -> Result<Self, RelayError> {
        if text.trim().is_empty() {
            return Err(RelayError::Empty);
        }
        serde_json::from_str(text.trim()).map_err(|error| RelayError::Shape(error.to_string()))
    }

    /// Everything the ledger will check, checked here first, against the network the app is on and
    /// the local clock (`now`, unix seconds).
    pub fn check(&self, chain_id: u64, ledger: Address, now: u64) -> Result<CheckedRelay, RelayError> {
        if self.chain_id != chain_id {
            return Err(RelayError::WrongChain { package: self.chain_id, network: chain_id });
        }
        if self.ledger != ledger {
            return Err(RelayError::WrongLedger { package: self.ledger, network: ledger });
        }
        let fields = &self.batch;
        if fields.version != HEADER_VERSION {
            return Err(RelayError::Version(fields.version));
        }
        if fields.nonces.is_empty() || fields.nonces.len() > MAX_BATCH {
            return Err(RelayError::Size(fields.nonces.len()));
        }
        // The signature covers the list as written: reordering it here would void the signature,
        // and the ledger refuses anything but strictly increasing nonces.
        if let Some(pair) = fields.nonces.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(RelayError::Order { earlier: pair[0], later: pair[1] });
        }
        let job = JobSpec {
            chain_id: self.chain_id,
            ledger: self.ledger,
            twin_id: fields.token_id,
            contributor: fields.contributor,
            seed: fields.job_seed,
            time: fields.time,
            bits: fields.bits,
        };
        let nonces: BTreeSet<u32> = fields.nonces.iter().copied().collect();
        let verified = shares::verify(&PendingBatch::new(job, nonces));
        if !verified.rejected.is_empty() {
            return Err(RelayError::NotShares(not_shares_words(&verified.rejected)));
        }
        if !verified.batch.job.within_time_drift(now) {
            return Err(RelayError::Stale);
        }
        let batch = PendingBatch { signature: Some(self.signature), ..verified.batch };
        let signer = batch_signer(&batch, &self.signature).map_err(RelayError::Signature)?;
        if signer != fields.contributor {
            return Err(RelayError::WrongSigner { contributor: fields.contributor, signer });
        }
        Ok(CheckedRelay { batch, signature: self.signature })
    }
}

impl CheckedRelay {
    pub fn contributor(&self) -> Address {
        self.batch.job.contributor
    }

    /// What relaying does, in words, before the wallet opens.
    pub fn summary(&self) -> String {
        let contributor = self.contributor().short();
        format!(
            "Relay {} for {contributor} to twin #{}; you pay the gas; the credit goes to {contributor}.",
            shares_words(self.batch.nonces.len()),
            self.batch.job.twin_id,
        )
    }
}

fn not_shares_words(rejected: &[u32]) -> String {
    let list: Vec<String> = rejected.iter().take(5).map(u32::to_string).collect();
    let more = if rejected.len() > 5 { format!(" and {} more", rejected.len() - 5) } else { String::new() };
    match rejected.len() {
        1 => format!("Nonce {} is not a share of this batch's header.", list[0]),
        _ => format!("Nonces {}{more} are not shares of this batch's header.", list.join(", ")),
    }
}

/// `0x` and 64 hex digits, as Solidity tools write a bytes32.
mod prefixed_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("0x{}", hex::encode(bytes)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let digits = text.strip_prefix("0x").ok_or_else(|| serde::de::Error::custom("a bytes32 starts with 0x"))?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(digits, &mut bytes)
            .map_err(|_| serde::de::Error::custom("a bytes32 is 0x and 64 hex digits"))?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ledger::batch_digest;
    use crate::miner::shares::vector_batch;
    use ethers_core::k256::ecdsa::SigningKey;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// anvil's account 2, the vectors' contributor, and account 3.
    const CONTRIBUTOR_KEY: &str = "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
    const OTHER_KEY: &str = "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

    fn sign(key: &str, batch: &PendingBatch) -> BatchSignature {
        let key = SigningKey::from_slice(&hex::decode(key).unwrap()).unwrap();
        let (signature, recovery) = key.sign_prehash_recoverable(&batch_digest(batch)).unwrap();
        let mut bytes = [0u8; 65];
        bytes[..64].copy_from_slice(&signature.to_bytes());
        bytes[64] = 27 + recovery.to_byte();
        BatchSignature(bytes)
    }

    fn package(count: usize) -> (PendingBatch, RelayPackage) {
        let batch = vector_batch(count);
        let signature = sign(CONTRIBUTOR_KEY, &batch);
        let package = RelayPackage::new(&batch, signature);
        (batch, package)
    }

    fn check(package: &RelayPackage) -> Result<CheckedRelay, RelayError> {
        package.check(package.chain_id, package.ledger, package.batch.time.into())
    }

    fn edited(package: &RelayPackage, edit: impl FnOnce(&mut serde_json::Value)) -> Result<RelayPackage, RelayError> {
        let mut json = serde_json::to_value(package).unwrap();
        edit(&mut json);
        RelayPackage::parse(&json.to_string())
    }

    #[test]
    fn a_package_round_trips_through_its_json_and_checks_out() {
        let (batch, package) = package(3);
        let text = package.to_json();
        assert!(text.contains("\"jobSeed\": \"0x3c52670d"), "{text}");
        assert!(text.contains("\"contributor\": \"0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc\""), "{text}");
        let parsed = RelayPackage::parse(&format!("\n  {text}\n")).unwrap();
        assert_eq!(parsed, package);
        let checked = check(&parsed).unwrap();
        assert_eq!(checked.batch.nonces, batch.nonces);
        assert_eq!(checked.batch.job, batch.job);
        assert_eq!(
            checked.summary(),
            "Relay 3 shares for 0x3c44…93bc to twin #1; you pay the gas; the credit goes to 0x3c44…93bc."
        );
        let (_, one) = self::package(1);
        assert!(check(&one).unwrap().summary().starts_with("Relay 1 share for "));
    }

    #[test]
    fn malformed_json_is_refused_in_words() {
        assert_eq!(RelayPackage::parse("  "), Err(RelayError::Empty));
        assert!(matches!(RelayPackage::parse("{\"chainId\": 1}"), Err(RelayError::Shape(_))));
        let (_, package) = package(2);
        let extra = edited(&package, |json| json["batch"]["extra"] = 1.into());
        assert!(matches!(extra, Err(RelayError::Shape(message)) if message.contains("extra")));
        let bad_seed = edited(&package, |json| json["batch"]["jobSeed"] = "0x12".into());
        assert!(matches!(bad_seed, Err(RelayError::Shape(message)) if message.contains("bytes32")));
        let short_signature = edited(&package, |json| json["signature"] = "0xabcd".into());
        assert!(matches!(short_signature, Err(RelayError::Shape(message)) if message.contains("65 bytes")));
    }

    #[test]
    fn a_package_for_another_network_or_ledger_is_refused() {
        let (_, package) = package(2);
        let now = package.batch.time.into();
        assert_eq!(package.check(1, package.ledger, now), Err(RelayError::WrongChain { package: 31_337, network: 1 }));
        let other = Address([0x99; 20]);
        assert_eq!(
            package.check(31_337, other, now),
            Err(RelayError::WrongLedger { package: package.ledger, network: other })
        );
    }

    #[test]
    fn every_share_is_verified_against_its_header() {
        let (_, package) = package(3);
        // Nonce 0 is one of the vectors' non-shares; put it first so the order still holds.
        let tampered = edited(&package, |json| json["batch"]["nonces"][0] = 0.into()).unwrap();
        let error = check(&tampered).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Nonce 0 is not a share of this batch's header. Nothing would be credited: the ledger refuses the whole batch."
        );
        // The same nonces credited to someone else are not shares of that someone's header.
        let stolen = edited(&package, |json| json["batch"]["contributor"] = Address([0x44; 20]).to_string().into());
        assert!(matches!(check(&stolen.unwrap()), Err(RelayError::NotShares(_))));
    }

    #[test]
    fn the_nonces_must_be_as_the_ledger_takes_them() {
        let (_, package) = package(3);
        let swapped = edited(&package, |json| json["batch"]["nonces"].as_array_mut().unwrap().swap(0, 1)).unwrap();
        assert_eq!(check(&swapped), Err(RelayError::Order { earlier: 519, later: 192 }));
        let empty = edited(&package, |json| json["batch"]["nonces"] = serde_json::json!([])).unwrap();
        assert_eq!(check(&empty), Err(RelayError::Size(0)));
        let version = edited(&package, |json| json["batch"]["version"] = 1.into()).unwrap();
        assert_eq!(check(&version), Err(RelayError::Version(1)));
    }

    #[test]
    fn old_shares_are_refused_as_the_ledger_would() {
        let (_, package) = package(2);
        let now = u64::from(package.batch.time) + shares::MAX_TIME_DRIFT_SECONDS + 1;
        assert_eq!(package.check(package.chain_id, package.ledger, now), Err(RelayError::Stale));
    }

    #[test]
    fn the_signature_must_be_the_contributors_over_this_very_batch() {
        let (batch, package) = package(3);
        let by_other = RelayPackage { signature: sign(OTHER_KEY, &batch), ..package.clone() };
        let other: Address = "0x90f79bf6eb2c4f870365e785982e1f101e93b906".parse().unwrap();
        assert_eq!(
            check(&by_other),
            Err(RelayError::WrongSigner { contributor: package.batch.contributor, signer: other })
        );
        // A front-runner's subset of the signed batch: every share is real, the signature is not for it.
        let subset = edited(&package, |json| json["batch"]["nonces"].as_array_mut().unwrap().truncate(1)).unwrap();
        assert!(matches!(check(&subset), Err(RelayError::WrongSigner { .. })));
        let mut bytes = package.signature.0;
        bytes[64] = 29;
        let bad_v = RelayPackage { signature: BatchSignature(bytes), ..package.clone() };
        assert_eq!(check(&bad_v), Err(RelayError::Signature(SignatureError::RecoveryByte(29))));
    }
}
