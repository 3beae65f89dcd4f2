//! Reporter keys and EIP-1559 signing, done locally with ethers-core's k256.
//!
//! Key material never reaches a log line: `ReporterKey`'s Debug prints only the address, and
//! parse errors name the line, not its content.

use ethers_core::k256::ecdsa::SigningKey;
use ethers_core::types::transaction::eip1559::Eip1559TransactionRequest;
use ethers_core::types::transaction::eip2718::TypedTransaction;
use ethers_core::types::{Address, Bytes, Signature, H256, U256};
use ethers_core::utils::{keccak256, secret_key_to_address};
use std::fmt;
use std::path::Path;

pub const KEY_ENV: &str = "HASHTWIN_REPORTER_KEY";

pub struct ReporterKey {
    key: SigningKey,
    address: Address,
}

impl fmt::Debug for ReporterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReporterKey").field("address", &self.address).field("key", &"<redacted>").finish()
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Which entry was bad ("line 2 of /etc/...", "HASHTWIN_REPORTER_KEY entry 1"), never its text.
    Invalid(String),
    Missing,
    Unreadable(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Invalid(which) => write!(f, "{which} is not a 32-byte hex private key"),
            KeyError::Missing => write!(f, "no reporter key: pass --key-file or set {KEY_ENV}"),
            KeyError::Unreadable(why) => write!(f, "cannot read the key file: {why}"),
        }
    }
}

impl std::error::Error for KeyError {}

impl ReporterKey {
    /// `which` names the key's origin for the error message.
    pub fn from_hex(text: &str, which: &str) -> Result<Self, KeyError> {
        let hex = text.trim();
        let hex = hex.strip_prefix("0x").unwrap_or(hex);
        let invalid = || KeyError::Invalid(which.to_string());
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| invalid())?;
        }
        let key = SigningKey::from_slice(&bytes).map_err(|_| invalid())?;
        bytes.fill(0);
        let address = secret_key_to_address(&key);
        Ok(Self { key, address })
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs an EIP-1559 transaction; returns the raw bytes for `eth_sendRawTransaction` and
    /// the transaction hash.
    pub fn sign(&self, tx: Eip1559TransactionRequest) -> Result<(Bytes, H256), String> {
        let typed = TypedTransaction::Eip1559(tx);
        let sighash = typed.sighash();
        let (sig, recid) =
            self.key.sign_prehash_recoverable(sighash.as_bytes()).map_err(|e| format!("signing failed: {e}"))?;
        let bytes = sig.to_bytes();
        // Typed transactions carry the bare y-parity (0/1) as v.
        let signature = Signature {
            r: U256::from_big_endian(&bytes[..32]),
            s: U256::from_big_endian(&bytes[32..]),
            v: recid.to_byte() as u64,
        };
        let raw = typed.rlp_signed(&signature);
        let hash = H256::from(keccak256(&raw));
        Ok((raw, hash))
    }
}

/// Keys are one per line (blank lines and `#` comments allowed) in the file, or separated by
/// commas/whitespace in the environment variable. Several keys let one agent serve twins with
/// different reporters; each twin is matched to the key of its on-chain reporter.
pub fn load_keys(key_file: Option<&Path>, env_value: Option<String>) -> Result<Vec<ReporterKey>, KeyError> {
    let keys = if let Some(path) = key_file {
        let text = std::fs::read_to_string(path).map_err(|e| KeyError::Unreadable(e.to_string()))?;
        text.lines()
            .enumerate()
            .map(|(i, l)| (i, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
            .map(|(i, l)| ReporterKey::from_hex(l, &format!("line {} of {}", i + 1, path.display())))
            .collect::<Result<Vec<_>, _>>()?
    } else if let Some(value) = env_value {
        value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .enumerate()
            .map(|(i, s)| ReporterKey::from_hex(s, &format!("{KEY_ENV} entry {}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    if keys.is_empty() {
        return Err(KeyError::Missing);
    }
    Ok(keys)
}

/// Whether others than the owner may read the key file; worth a warning, not a refusal.
#[cfg(unix)]
pub fn key_file_is_shared(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map(|m| m.permissions().mode() & 0o077 != 0).unwrap_or(false)
}

#[cfg(not(unix))]
pub fn key_file_is_shared(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethers_core::types::transaction::eip2718::TypedTransaction;
    use ethers_core::types::NameOrAddress;

    // anvil's account 0: a published test key, never a real one.
    const ANVIL_KEY_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    fn sample_tx() -> Eip1559TransactionRequest {
        Eip1559TransactionRequest::new()
            .chain_id(31337u64)
            .nonce(7u64)
            .to("0x5fbdb2315678afecb367f032d93f642f64180aa3".parse::<Address>().unwrap())
            .value(0u64)
            .gas(120_000u64)
            .max_fee_per_gas(2_000_000_000u64)
            .max_priority_fee_per_gas(1_000_000_000u64)
            .data(vec![0xde, 0xad, 0xbe, 0xef])
    }

    #[test]
    fn anvil_key_0_derives_its_address() {
        let key = ReporterKey::from_hex(ANVIL_KEY_0, "test").unwrap();
        let expected: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
        assert_eq!(key.address(), expected);
    }

    #[test]
    fn signed_tx_decodes_and_recovers_to_the_signer() {
        let key = ReporterKey::from_hex(ANVIL_KEY_0, "test").unwrap();
        let (raw, hash) = key.sign(sample_tx()).unwrap();
        assert_eq!(raw[0], 0x02, "EIP-2718 type byte");
        assert_eq!(hash, H256::from(keccak256(&raw)));

        let rlp = ethers_core::utils::rlp::Rlp::new(&raw[1..]);
        let (decoded, sig) = Eip1559TransactionRequest::decode_signed_rlp(&rlp).unwrap();
        assert!(sig.v <= 1, "typed transactions use y-parity");
        assert_eq!(decoded.nonce, Some(7u64.into()));
        assert_eq!(decoded.data.as_ref().map(|d| d.to_vec()), Some(vec![0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(
            decoded.to,
            Some(NameOrAddress::Address("0x5fbdb2315678afecb367f032d93f642f64180aa3".parse().unwrap()))
        );
        let sighash = TypedTransaction::Eip1559(decoded).sighash();
        let expected: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
        assert_eq!(sig.recover(sighash).unwrap(), expected);
    }

    #[test]
    fn signing_is_deterministic_and_matches_a_reference_encoding() {
        // Reference produced independently with ethers.js 5.8 `Wallet.signTransaction` for the
        // same fields; RFC 6979 makes the signature deterministic, so the bytes must agree.
        let key = ReporterKey::from_hex(ANVIL_KEY_0, "test").unwrap();
        let (raw, _) = key.sign(sample_tx()).unwrap();
        let (again, _) = key.sign(sample_tx()).unwrap();
        assert_eq!(raw, again);
        assert_eq!(format!("0x{}", crate::chain::abi::hex_string(&raw)), REFERENCE_RAW_TX);
    }

    const REFERENCE_RAW_TX: &str = "0x02f871827a6907843b9aca0084773594008301d4c0945fbdb2315678afecb367f032d93f642f64180aa38084deadbeefc080a08a0472cd08ae72b0c4bfb1d16d677d238e419d2a66376a08cdd70587f22301f0a00af69585a9bb15d393415d82da45074b42aea74481401d2b84fd305a6cedee1f";

    #[test]
    fn debug_never_shows_the_key() {
        let key = ReporterKey::from_hex(ANVIL_KEY_0, "test").unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("<redacted>"));
        assert!(!shown.to_lowercase().contains("ac0974bec39a17e36ba4a6b4d238ff944bacb478"));
    }

    #[test]
    fn bad_keys_are_named_not_echoed() {
        let err = ReporterKey::from_hex("0x1234", "line 3 of keys.txt").unwrap_err();
        assert_eq!(err.to_string(), "line 3 of keys.txt is not a 32-byte hex private key");
        // The zero scalar is not a valid secp256k1 key.
        assert!(ReporterKey::from_hex(&"0".repeat(64), "zero").is_err());
    }

    #[test]
    fn loads_several_keys_from_env_or_file() {
        let env = format!("{ANVIL_KEY_0}, 0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
        let keys = load_keys(None, Some(env)).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(load_keys(None, None).unwrap_err(), KeyError::Missing);

        let path = std::env::temp_dir().join(format!("hashtwin-keys-{}", std::process::id()));
        std::fs::write(&path, format!("# twin 1\n\n{ANVIL_KEY_0}\n")).unwrap();
        let keys = load_keys(Some(&path), Some("ignored-when-a-file-is-given".into())).unwrap();
        assert_eq!(keys.len(), 1);
        std::fs::remove_file(&path).unwrap();
    }
}
