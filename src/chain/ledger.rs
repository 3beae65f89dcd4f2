//! HashLedger: the ledger's difficulty floor, share submission and the `WorkCredited` history.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ethers_core::abi::{Event, RawLog, Token};
use ethers_core::types::{Log, H256, U256, U64};
use serde::Deserialize;
use serde_json::json;

use super::contracts::{decode_output, encode_call, hash_ledger_abi, ChainError};
use super::indexer::LogIndexer;
use super::networks::Deployment;
use super::rpc::{Call, RpcClient};
use super::tx::TxRequest;
use super::{to_domain_address, to_ethers_address};
use crate::domain::donations::Credit;
use crate::domain::{Address, Wei};
use crate::miner::shares::{PendingBatch, HEADER_VERSION};

fn work_credited_event() -> &'static Event {
    hash_ledger_abi().event("WorkCredited").expect("HashLedger declares WorkCredited")
}

#[derive(Debug, Clone)]
pub struct HashLedger {
    rpc: RpcClient,
    address: Address,
    credited: LogIndexer,
    /// Block hash → time: blocks do not change under a hash, so this never goes stale.
    block_times: Arc<Mutex<HashMap<H256, u64>>>,
}

impl HashLedger {
    pub fn new(rpc: RpcClient, chain_id: u64, deployment: &Deployment) -> Self {
        let credited = LogIndexer::new(
            rpc.clone(),
            chain_id,
            to_ethers_address(deployment.hash_ledger),
            vec![work_credited_event().signature()],
            deployment.deployment_block,
        );
        Self { rpc, address: deployment.hash_ledger, credited, block_times: Default::default() }
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

    /// One job's shares as one `submitShares` call.
    pub fn submit(&self, batch: &PendingBatch) -> TxRequest {
        let job = &batch.job;
        let nonces = batch.nonces.iter().map(|&nonce| Token::Uint(nonce.into())).collect();
        let tuple = Token::Tuple(vec![
            Token::Uint(job.twin_id.into()),
            Token::Address(to_ethers_address(job.contributor)),
            Token::FixedBytes(job.seed.to_vec()),
            Token::Uint(HEADER_VERSION.into()),
            Token::Uint(job.time.into()),
            Token::Uint(job.bits.into()),
            Token::Array(nonces),
        ]);
        let count = batch.nonces.len();
        TxRequest {
            to: self.address,
            data: encode_call(hash_ledger_abi(), "submitShares", &[tuple]),
            value: Wei::ZERO,
            label: format!("Submit {count} share{} for twin #{}", if count == 1 { "" } else { "s" }, job.twin_id),
        }
    }

    /// Every batch the ledger has credited, oldest first, with its block's time.
    pub async fn credits(&self) -> Result<Vec<Credit>, ChainError> {
        let logs = self.credited.sync().await?;
        self.fetch_block_times(&logs).await?;
        let times = self.block_times.lock().unwrap_or_else(PoisonError::into_inner);
        logs.iter()
            .map(|log| {
                let time = log.block_hash.and_then(|hash| times.get(&hash).copied()).unwrap_or_default();
                decode_work_credited(log, time)
            })
            .collect()
    }

    async fn fetch_block_times(&self, logs: &[Log]) -> Result<(), ChainError> {
        let mut missing: Vec<H256> = logs.iter().filter_map(|log| log.block_hash).collect();
        missing.sort();
        missing.dedup();
        missing.retain(|hash| !self.block_times.lock().unwrap_or_else(PoisonError::into_inner).contains_key(hash));
        if missing.is_empty() {
            return Ok(());
        }
        #[derive(Deserialize)]
        struct BlockTime {
            timestamp: U64,
        }
        let calls: Vec<Call> =
            missing.iter().map(|hash| Call::new("eth_getBlockByHash", json!([hash, false]))).collect();
        for (hash, answer) in missing.into_iter().zip(self.rpc.batch(&calls).await?) {
            if let Ok(block) = answer.and_then(|value| {
                serde_json::from_value::<BlockTime>(value)
                    .map_err(|error| super::rpc::RpcError::Malformed(error.to_string()))
            }) {
                self.block_times.lock().unwrap_or_else(PoisonError::into_inner).insert(hash, block.timestamp.as_u64());
            }
        }
        Ok(())
    }
}

fn decode_work_credited(log: &Log, timestamp: u64) -> Result<Credit, ChainError> {
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
        block: log.block_number.map(|number| number.as_u64()).unwrap_or_default(),
        timestamp,
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
            deployment_block: 1,
        };
        HashLedger::new(RpcClient::new("http://127.0.0.1:8545"), 31_337, &deployment)
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
        let batch = PendingBatch { job, nonces: [40, 7, 19].into_iter().collect() };
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
            block_number: Some(U64::from(12)),
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
            }
        );
    }
}
