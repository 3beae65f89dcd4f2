//! HashLedger: the ledger's difficulty floor, share submission (by the contributor, or by anyone with
//! the contributor's EIP-712 signature) and the `WorkCredited` history.

use ethers_core::abi::{encode, Event, RawLog, Token};
use ethers_core::types::{Log, Signature, H256, U256};
use ethers_core::utils::keccak256;
use serde_json::{json, Value};

use super::abi::{decode_output, encode_call, hash_ledger_abi, ChainError};
use super::networks::Deployment;
use super::revert::Revert;
use super::rpc::RpcClient;
use super::tx::{TxError, TxRequest};
use super::wallet::{InjectedWallet, WalletError};
use super::{checksummed, to_domain_address, to_ethers_address};
use crate::domain::donations::Credit;
use crate::domain::{Address, Wei};
use crate::miner::shares::{shares_words, BatchSignature, PendingBatch, HEADER_VERSION};

/// The ledger's EIP-712 domain: `EIP712("HashLedger", "1")` on its chain and at its address.
const DOMAIN_NAME: &str = "HashLedger";
const DOMAIN_VERSION: &str = "1";
const DOMAIN_TYPE: &str = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
/// HashLedger's `SHARE_BATCH_TYPEHASH` preimage.
const SHARE_BATCH_TYPE: &str =
    "ShareBatch(uint256 tokenId,address contributor,bytes32 jobSeed,uint32 version,uint32 time,uint32 bits,uint32[] nonces)";
/// secp256k1's order halved: OpenZeppelin's ECDSA, which the ledger uses, refuses an `s` above it.
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e,
    0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

pub(crate) fn work_credited_event() -> &'static Event {
    hash_ledger_abi().event("WorkCredited").expect("HashLedger declares WorkCredited")
}

#[derive(Debug, Clone)]
pub struct HashLedger {
    rpc: RpcClient,
    address: Address,
}

impl HashLedger {
    pub fn new(rpc: RpcClient, deployment: &Deployment) -> Self {
        Self { rpc, address: deployment.hash_ledger }
    }

    pub fn address(&self) -> Address {
        self.address
    }

    async fn read(&self, function: &str, args: &[Token]) -> Result<Vec<Token>, ChainError> {
        let output = self.rpc.call(self.address, &encode_call(hash_ledger_abi(), function, args)).await?;
        decode_output(hash_ledger_abi(), function, &output)
    }

    /// The easiest `bits` the ledger accepts: the difficulty the miner works at.
    pub async fn min_bits(&self) -> Result<u32, ChainError> {
        let tokens = self.read("minBits", &[]).await?;
        tokens
            .into_iter()
            .next()
            .and_then(Token::into_uint)
            .map(|bits| bits.low_u32())
            .ok_or_else(|| ChainError::Decode("minBits() returned no number".into()))
    }

    /// One job's shares as one `submitShares` call, which only the contributor may send.
    pub fn submit(&self, batch: &PendingBatch) -> TxRequest {
        TxRequest {
            to: self.address,
            data: encode_call(hash_ledger_abi(), "submitShares", &[batch_tuple(batch)]),
            value: Wei::ZERO,
            label: format!("Submit {} for twin #{}", shares_words(batch.nonces.len()), batch.job.twin_id),
        }
    }

    /// A batch the contributor signed, as a `submitSharesFor` call that anyone may send: the sender
    /// pays the gas, the contributor gets the credit.
    pub fn relay(&self, batch: &PendingBatch, signature: &BatchSignature) -> TxRequest {
        let args = [batch_tuple(batch), Token::Bytes(signature.0.to_vec())];
        TxRequest {
            to: self.address,
            data: encode_call(hash_ledger_abi(), "submitSharesFor", &args),
            value: Wei::ZERO,
            label: format!(
                "Relay {} for {} to twin #{}",
                shares_words(batch.nonces.len()),
                batch.job.contributor.short(),
                batch.job.twin_id
            ),
        }
    }

    /// Whether the ledger has credited a batch of `contributor`'s on `seed`: it takes a seed once.
    pub async fn job_seed_used(&self, contributor: Address, seed: [u8; 32]) -> Result<bool, ChainError> {
        let args = [Token::Address(to_ethers_address(contributor)), Token::FixedBytes(seed.to_vec())];
        let tokens = self.read("jobSeedUsed", &args).await?;
        tokens
            .into_iter()
            .next()
            .and_then(Token::into_bool)
            .ok_or_else(|| ChainError::Decode("jobSeedUsed() returned no boolean".into()))
    }
}

/// The `ShareBatch` tuple both submissions take.
fn batch_tuple(batch: &PendingBatch) -> Token {
    let job = &batch.job;
    let nonces = batch.nonces.iter().map(|&nonce| Token::Uint(nonce.into())).collect();
    Token::Tuple(vec![
        Token::Uint(job.twin_id.into()),
        Token::Address(to_ethers_address(job.contributor)),
        Token::FixedBytes(job.seed.to_vec()),
        Token::Uint(HEADER_VERSION.into()),
        Token::Uint(job.time.into()),
        Token::Uint(job.bits.into()),
        Token::Array(nonces),
    ])
}

/// What a wallet is asked to sign with `eth_signTypedData_v4` to let anyone relay `batch`: the
/// ledger's domain on the batch's own chain and ledger (those its shares commit to), and the batch
/// with its nonces in the order they will be submitted. uint256 goes as a decimal string, which
/// wallets read without the float rounding a large JSON number would suffer.
pub fn typed_data(batch: &PendingBatch) -> Value {
    let job = &batch.job;
    json!({
        "types": {
            "EIP712Domain": [
                { "name": "name", "type": "string" },
                { "name": "version", "type": "string" },
                { "name": "chainId", "type": "uint256" },
                { "name": "verifyingContract", "type": "address" },
            ],
            "ShareBatch": [
                { "name": "tokenId", "type": "uint256" },
                { "name": "contributor", "type": "address" },
                { "name": "jobSeed", "type": "bytes32" },
                { "name": "version", "type": "uint32" },
                { "name": "time", "type": "uint32" },
                { "name": "bits", "type": "uint32" },
                { "name": "nonces", "type": "uint32[]" },
            ],
        },
        "primaryType": "ShareBatch",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": job.chain_id,
            "verifyingContract": checksummed(&job.ledger),
        },
        "message": {
            "tokenId": job.twin_id.to_string(),
            "contributor": checksummed(&job.contributor),
            "jobSeed": format!("0x{}", hex::encode(job.seed)),
            "version": HEADER_VERSION,
            "time": job.time,
            "bits": job.bits,
            "nonces": batch.nonces.iter().collect::<Vec<_>>(),
        },
    })
}

/// HashLedger's `batchDigest(batch)`, written out from EIP-712: what the contributor signs.
pub fn batch_digest(batch: &PendingBatch) -> [u8; 32] {
    let job = &batch.job;
    let domain = keccak256(encode(&[
        Token::FixedBytes(keccak256(DOMAIN_TYPE).to_vec()),
        Token::FixedBytes(keccak256(DOMAIN_NAME).to_vec()),
        Token::FixedBytes(keccak256(DOMAIN_VERSION).to_vec()),
        Token::Uint(job.chain_id.into()),
        Token::Address(to_ethers_address(job.ledger)),
    ]));
    // EIP-712 hashes an array as the concatenation of its elements' 32-byte encodings.
    let nonce_words: Vec<Token> = batch.nonces.iter().map(|&nonce| Token::Uint(nonce.into())).collect();
    let batch_hash = keccak256(encode(&[
        Token::FixedBytes(keccak256(SHARE_BATCH_TYPE).to_vec()),
        Token::Uint(job.twin_id.into()),
        Token::Address(to_ethers_address(job.contributor)),
        Token::FixedBytes(job.seed.to_vec()),
        Token::Uint(HEADER_VERSION.into()),
        Token::Uint(job.time.into()),
        Token::Uint(job.bits.into()),
        Token::FixedBytes(keccak256(encode(&nonce_words)).to_vec()),
    ]));
    keccak256([&[0x19, 0x01][..], &domain, &batch_hash].concat())
}

/// Why a signature cannot stand for a batch on chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("its recovery byte is {0}, where the ledger takes 27 or 28")]
    RecoveryByte(u8),
    #[error("it is in the malleable high-s form, which the ledger refuses")]
    HighS,
    #[error("it does not recover to any account")]
    Unrecoverable,
}

/// The signature as the ledger's ECDSA takes it: some wallets answer a recovery byte of 0 or 1
/// for 27 or 28, which the ledger would refuse; a high `s` it refuses too.
pub fn normalize_signature(signature: BatchSignature) -> Result<BatchSignature, SignatureError> {
    let mut bytes = signature.0;
    bytes[64] = match bytes[64] {
        v @ (27 | 28) => v,
        v @ (0 | 1) => v + 27,
        v => return Err(SignatureError::RecoveryByte(v)),
    };
    if bytes[32..64] > HALF_ORDER[..] {
        return Err(SignatureError::HighS);
    }
    Ok(BatchSignature(bytes))
}

/// The account whose signature over `batch` this is, as the ledger would recover it.
pub fn batch_signer(batch: &PendingBatch, signature: &BatchSignature) -> Result<Address, SignatureError> {
    let signature = normalize_signature(*signature)?;
    let parsed = Signature::try_from(&signature.0[..]).map_err(|_| SignatureError::Unrecoverable)?;
    let signer = parsed.recover(H256(batch_digest(batch))).map_err(|_| SignatureError::Unrecoverable)?;
    Ok(to_domain_address(signer))
}

/// Why signing a batch for a relayer did not give a usable signature.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SignError {
    #[error("Cancelled in your wallet. Nothing was signed.")]
    Cancelled,
    #[error("The wallet could not sign: {0}.")]
    Wallet(WalletError),
    #[error("The wallet's signature is unusable: {0}.")]
    Signature(SignatureError),
    #[error("The wallet signed as {signer}, but these shares are committed to {contributor}: switch the wallet to that account.")]
    WrongSigner { signer: Address, contributor: Address },
}

/// Asks the contributor's wallet to sign `batch` for a relayer, and checks the signature recovers
/// to the contributor before anyone is handed a package the ledger would refuse.
pub async fn sign_for_relayer(wallet: &InjectedWallet, batch: &PendingBatch) -> Result<BatchSignature, SignError> {
    let contributor = batch.job.contributor;
    let answer = wallet.sign_typed_data(contributor, &typed_data(batch)).await.map_err(|error| match error {
        WalletError::Rejected => SignError::Cancelled,
        error => SignError::Wallet(error),
    })?;
    let signature: BatchSignature = answer
        .parse()
        .map_err(|error: String| SignError::Wallet(WalletError::Malformed(format!("signature: {error}"))))?;
    let signature = normalize_signature(signature).map_err(SignError::Signature)?;
    let signer = batch_signer(batch, &signature).map_err(SignError::Signature)?;
    if signer != contributor {
        return Err(SignError::WrongSigner { signer, contributor });
    }
    Ok(signature)
}

/// The contributor whose batch on this seed the ledger has already credited, when that is why a
/// submission failed: not a failure for whoever wanted the shares credited.
pub fn already_credited(error: &TxError) -> Option<Address> {
    match error.revert()? {
        Revert::Custom { name, args } if name == "JobSeedUsed" => {
            args.iter().find(|(name, _)| name == "contributor").and_then(|(_, value)| value.parse().ok())
        }
        _ => None,
    }
}

/// "These shares were already credited to you." or "… to 0x2361…1e8f.", as `viewer` sees it.
pub fn already_credited_words(contributor: Address, viewer: Option<Address>) -> String {
    if viewer == Some(contributor) {
        "These shares were already credited to you.".to_string()
    } else {
        format!("These shares were already credited to {}.", contributor.short())
    }
}

/// The time of `log`'s block among those read. A log without its block's time is an error: a
/// credit dated 0 would count as ancient in every hashrate window.
pub(crate) fn decode_work_credited(log: &Log, timestamp: u64) -> Result<Credit, ChainError> {
    let raw = RawLog { topics: log.topics.clone(), data: log.data.to_vec() };
    let parsed = work_credited_event().parse_log(raw).map_err(|error| ChainError::Decode(error.to_string()))?;
    let value = |name: &str| parsed.params.iter().find(|param| param.name == name).map(|param| param.value.clone());
    let malformed = || ChainError::Decode("WorkCredited has unexpected fields".into());
    let uint = |name: &str| value(name).and_then(Token::into_uint).ok_or_else(malformed);
    let job_seed = value("jobSeed").and_then(Token::into_fixed_bytes).and_then(|bytes| bytes.try_into().ok());
    let work: U256 = uint("work")?;
    Ok(Credit {
        twin_id: uint("tokenId")?.low_u64(),
        contributor: to_domain_address(value("contributor").and_then(Token::into_address).ok_or_else(malformed)?),
        job_seed: job_seed.ok_or_else(malformed)?,
        shares: uint("shares")?.low_u64(),
        work: if work.bits() > 128 { u128::MAX } else { work.low_u128() },
        block: log.block_number.ok_or_else(|| ChainError::Decode("a WorkCredited log names no block".into()))?.as_u64(),
        timestamp,
        tx_hash: format!(
            "{:?}",
            log.transaction_hash.ok_or_else(|| ChainError::Decode("a WorkCredited log names no transaction".into()))?
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethers_core::abi::encode;
    use ethers_core::types::Bytes;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn ledger() -> HashLedger {
        let deployment = Deployment {
            twin_registry: Address([0x5f; 20]),
            twin_market: Address([0x6f; 20]),
            hash_ledger: Address([0x7f; 20]),
            twin_lens: None,
            twin_earnings: Address([0x8f; 20]),
            twin_vault: Address([0x8e; 20]),
            eth_usd_feed: Address([0x9f; 20]),
            btc_usd_feed: Address([0xaf; 20]),
            difficulty_feed: Address([0xbf; 20]),
            block_fees_feed: Address([0xcf; 20]),
            deployment_block: 1,
        };
        HashLedger::new(RpcClient::new("http://127.0.0.1:8545"), &deployment)
    }

    #[test]
    fn a_batch_encodes_as_submit_shares_with_its_nonces_in_order() {
        let job = crate::miner::shares::JobSpec {
            chain_id: 31_337,
            ledger: Address([0x7f; 20]),
            twin_id: 3,
            contributor: Address([0x22; 20]),
            seed: [9; 32],
            time: 1_764_000_000,
            bits: 0x1e00_ffff,
        };
        let batch = PendingBatch::new(job, [40, 7, 19].into_iter().collect());
        let request = ledger().submit(&batch);
        assert_eq!(request.to, Address([0x7f; 20]));
        assert_eq!(request.label, "Submit 3 shares for twin #3");

        let function = hash_ledger_abi().function("submitShares").unwrap();
        assert_eq!(request.data[..4], function.short_signature());
        let decoded = function.decode_input(&request.data[4..]).unwrap();
        let fields = decoded[0].clone().into_tuple().unwrap();
        assert_eq!(fields[0], Token::Uint(3.into()));
        assert_eq!(fields[2], Token::FixedBytes(vec![9; 32]));
        assert_eq!(fields[3], Token::Uint(crate::miner::shares::HEADER_VERSION.into()));
        assert_eq!(fields[5], Token::Uint(0x1e00_ffff.into()));
        let nonces: Vec<u64> =
            fields[6].clone().into_array().unwrap().into_iter().map(|n| n.into_uint().unwrap().as_u64()).collect();
        assert_eq!(nonces, vec![7, 19, 40]);
    }

    /// contracts/test/HashLedger.appVector.t.sol: `batchDigest` of the first three vector shares on
    /// the vectors' chain and ledger, and anvil account 2's signature over it, both from the contract.
    const VECTOR_DIGEST: &str = "1095b4b965efdc4a62d3386c1934a61e187dc2350b692638ee06e2be2ba7d05c";
    const VECTOR_SIGNATURE: &str = "dde3ed0bb0caab2c7fdc28ef0ddf12b44c89665e18ef28e0b4cf07aa6fab141618a4d0ac886b29503fbb441ee730a835e45cdfed285e6c814361dc8218761a1e1b";

    #[test]
    fn the_batch_digest_is_the_ledgers() {
        let batch = crate::miner::shares::vector_batch(3);
        assert_eq!(hex::encode(batch_digest(&batch)), VECTOR_DIGEST);
    }

    /// The JSON the wallet is given hashes, by ethers-core's own EIP-712 implementation, to the
    /// digest the ledger checks: what the wallet signs is what the ledger verifies.
    #[test]
    fn the_typed_data_a_wallet_signs_hashes_to_the_ledgers_digest() {
        use ethers_core::types::transaction::eip712::{Eip712, TypedData};
        let batch = crate::miner::shares::vector_batch(3);
        let typed: TypedData = serde_json::from_value(typed_data(&batch)).unwrap();
        assert_eq!(hex::encode(typed.encode_eip712().unwrap()), VECTOR_DIGEST);
    }

    #[test]
    fn the_ledgers_signature_recovers_to_the_contributor() {
        let batch = crate::miner::shares::vector_batch(3);
        let signature: BatchSignature = format!("0x{VECTOR_SIGNATURE}").parse().unwrap();
        assert_eq!(batch_signer(&batch, &signature), Ok(batch.job.contributor));
        // Signing the digest here gives the very signature forge's vm.sign gave (RFC 6979).
        let key = ethers_core::k256::ecdsa::SigningKey::from_slice(
            &hex::decode("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a").unwrap(),
        )
        .unwrap();
        let (ours, recovery) = key.sign_prehash_recoverable(&batch_digest(&batch)).unwrap();
        assert_eq!(hex::encode(ours.to_bytes()), VECTOR_SIGNATURE[..128]);
        assert_eq!(27 + recovery.to_byte(), signature.0[64]);
    }

    #[test]
    fn signatures_are_brought_to_the_form_the_ledger_takes() {
        let signature: BatchSignature = format!("0x{VECTOR_SIGNATURE}").parse().unwrap();
        let mut bare = signature.0;
        bare[64] -= 27;
        assert_eq!(normalize_signature(BatchSignature(bare)), Ok(signature));
        let mut bad = signature.0;
        bad[64] = 2;
        assert_eq!(normalize_signature(BatchSignature(bad)), Err(SignatureError::RecoveryByte(2)));
        let mut high = signature.0;
        high[32..64].copy_from_slice(&[0xff; 32]);
        assert_eq!(normalize_signature(BatchSignature(high)), Err(SignatureError::HighS));
    }

    #[test]
    fn a_signed_batch_encodes_as_submit_shares_for() {
        let batch = crate::miner::shares::vector_batch(3);
        let signature: BatchSignature = format!("0x{VECTOR_SIGNATURE}").parse().unwrap();
        let request = ledger().relay(&batch, &signature);
        assert_eq!(request.label, "Relay 3 shares for 0x3c44…93bc to twin #1");
        let function = hash_ledger_abi().function("submitSharesFor").unwrap();
        assert_eq!(request.data[..4], function.short_signature());
        let decoded = function.decode_input(&request.data[4..]).unwrap();
        assert_eq!(decoded[0], batch_tuple(&batch));
        assert_eq!(decoded[1], Token::Bytes(signature.0.to_vec()));
        assert_eq!(ledger().submit(&crate::miner::shares::vector_batch(1)).label, "Submit 1 share for twin #1");
    }

    #[test]
    fn a_used_job_seed_reads_as_already_credited() {
        let contributor = Address([0x22; 20]);
        let error = hash_ledger_abi().error("JobSeedUsed").unwrap();
        let args = [Token::Address(to_ethers_address(contributor)), Token::FixedBytes(vec![1; 32])];
        let used = Revert::decode(&[&error.signature()[..4], &encode(&args)].concat());
        assert_eq!(already_credited(&TxError::WouldRevert(used.clone())), Some(contributor));
        assert_eq!(already_credited(&TxError::Reverted(used)), Some(contributor));
        let other = Revert::Custom { name: "NotContributor".into(), args: vec![] };
        assert_eq!(already_credited(&TxError::WouldRevert(other)), None);
        assert_eq!(already_credited(&TxError::Cancelled), None);
        assert_eq!(
            already_credited_words(contributor, Some(contributor)),
            "These shares were already credited to you."
        );
        assert_eq!(already_credited_words(contributor, None), "These shares were already credited to 0x2222…2222.");
    }

    #[test]
    fn work_credited_logs_decode_into_credits() {
        let event = work_credited_event();
        let log = Log {
            topics: vec![
                event.signature(),
                H256::from_low_u64_be(5),
                H256::from(to_ethers_address(Address([0x22; 20]))),
            ],
            data: Bytes::from(encode(&[
                Token::FixedBytes(vec![0x5e; 32]),
                Token::Uint(64.into()),
                Token::Uint(U256::from(1u64) << 30),
            ])),
            block_number: Some(12u64.into()),
            transaction_hash: Some(H256::repeat_byte(0xcc)),
            ..Default::default()
        };
        let credit = decode_work_credited(&log, 1_764_000_000).unwrap();
        assert_eq!(
            credit,
            Credit {
                twin_id: 5,
                contributor: Address([0x22; 20]),
                job_seed: [0x5e; 32],
                shares: 64,
                work: 1 << 30,
                block: 12,
                timestamp: 1_764_000_000,
                tx_hash: format!("0x{}", "cc".repeat(32)),
            }
        );
        let pending = Log { block_number: None, ..log };
        assert!(decode_work_credited(&pending, 1_764_000_000).is_err(), "a log without a block is no credit");
    }
}
