//! `Poster` over a real node: JSON-RPC for reads, fees and nonces; local signing.

use super::abi::{self, decode_revert, hex_string, RigSpec};
use super::rpc::{parse_hex_bytes, parse_hex_u64, Rpc, RpcError};
use super::tx::ReporterKey;
use super::{PostError, Poster, RegistryError, TxStatus};
use crate::cursor::InFlight;
use crate::normalise::TelemetryReport;
use ethers_core::types::transaction::eip1559::Eip1559TransactionRequest;
use ethers_core::types::{Address, U256};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub struct ChainPoster {
    rpc: Rpc,
    registry: Address,
    chain_id: u64,
    keys: Vec<ReporterKey>,
    reporters: HashMap<u64, Address>,
    receipt_poll: Duration,
}

fn from_rpc(e: RpcError) -> PostError {
    match e {
        RpcError::Transport(m) | RpcError::BadResponse(m) => PostError::Transport(m),
        RpcError::Rpc { data: Some(data), .. } if data.len() >= 4 => PostError::Reverted(decode_revert(&data)),
        RpcError::Rpc { message, .. } => {
            let lower = message.to_lowercase();
            if lower.contains("nonce too low") || lower.contains("nonce is too low") {
                PostError::NonceTooLow(message)
            } else if lower.contains("revert") {
                PostError::Reverted(RegistryError::Message(message))
            } else {
                PostError::Rejected(message)
            }
        }
    }
}

fn hex_u256(v: &Value) -> Option<U256> {
    U256::from_str_radix(v.as_str()?.strip_prefix("0x")?, 16).ok()
}

impl ChainPoster {
    pub fn new(rpc: Rpc, registry: Address, chain_id: u64, keys: Vec<ReporterKey>) -> Self {
        Self { rpc, registry, chain_id, keys, reporters: HashMap::new(), receipt_poll: Duration::from_millis(500) }
    }

    pub fn rpc(&self) -> &Rpc {
        &self.rpc
    }

    pub fn chain_id_of_node(&self) -> Result<u64, PostError> {
        let v = self.rpc.call("eth_chainId", json!([])).map_err(from_rpc)?;
        parse_hex_u64(&v).ok_or_else(|| PostError::Transport(format!("bad eth_chainId result {v}")))
    }

    fn view(&self, name: &str, token_id: u64) -> Result<Vec<u8>, PostError> {
        let data = format!("0x{}", hex_string(&abi::encode_view(name, token_id)));
        let v =
            self.rpc.call("eth_call", json!([{ "to": self.registry, "data": data }, "latest"])).map_err(from_rpc)?;
        v.as_str()
            .and_then(parse_hex_bytes)
            .ok_or_else(|| PostError::Transport(format!("bad eth_call result for {name}")))
    }

    pub fn reporter_of(&mut self, token_id: u64) -> Result<Address, PostError> {
        if let Some(a) = self.reporters.get(&token_id) {
            return Ok(*a);
        }
        let out = self.view("reporterOf", token_id)?;
        let a = abi::decode_reporter_of(&out)
            .ok_or_else(|| PostError::Transport("undecodable reporterOf result".into()))?;
        self.reporters.insert(token_id, a);
        Ok(a)
    }

    pub fn spec_of(&self, token_id: u64) -> Result<RigSpec, PostError> {
        let out = self.view("specOf", token_id)?;
        abi::decode_spec_of(&out).ok_or_else(|| PostError::Transport("undecodable specOf result".into()))
    }

    /// The key whose address is the twin's reporter on chain.
    fn key_for(&mut self, token_id: u64) -> Result<usize, PostError> {
        let reporter = self.reporter_of(token_id)?;
        self.keys
            .iter()
            .position(|k| k.address() == reporter)
            .ok_or(PostError::NoKey { reporter: format!("{reporter:?}") })
    }

    /// Base fee of the next block (twice, to survive a few full blocks) plus the node's tip.
    fn fees(&self) -> Result<(U256, U256), PostError> {
        let tip = self
            .rpc
            .call("eth_maxPriorityFeePerGas", json!([]))
            .ok()
            .and_then(|v| hex_u256(&v))
            .unwrap_or_else(|| U256::from(1_000_000_000u64));
        match self.rpc.call("eth_feeHistory", json!(["0x1", "latest", []])) {
            Ok(h) => {
                let base = h
                    .get("baseFeePerGas")
                    .and_then(Value::as_array)
                    .and_then(|a| a.last())
                    .and_then(hex_u256)
                    .ok_or_else(|| PostError::Transport("eth_feeHistory without baseFeePerGas".into()))?;
                Ok((base * 2 + tip, tip))
            }
            Err(RpcError::Transport(m)) => Err(PostError::Transport(m)),
            Err(_) => {
                let price = self.rpc.call("eth_gasPrice", json!([])).map_err(from_rpc)?;
                let price = hex_u256(&price).ok_or_else(|| PostError::Transport("bad eth_gasPrice".into()))?;
                Ok((price * 2, tip.min(price)))
            }
        }
    }
}

impl Poster for ChainPoster {
    fn last_telemetry_at(&mut self, token_id: u64) -> Result<u64, PostError> {
        let out = self.view("lastTelemetryAt", token_id)?;
        abi::decode_last_telemetry_at(&out)
            .ok_or_else(|| PostError::Transport("undecodable lastTelemetryAt result".into()))
    }

    fn prepare(&mut self, token_id: u64, reports: &[TelemetryReport]) -> Result<InFlight, PostError> {
        let index = self.key_for(token_id)?;
        let from = self.keys[index].address();
        let data = abi::encode_report_telemetry(token_id, reports);
        let data_hex = format!("0x{}", hex_string(&data));

        let nonce = self.rpc.call("eth_getTransactionCount", json!([from, "pending"])).map_err(from_rpc)?;
        let nonce = parse_hex_u64(&nonce).ok_or_else(|| PostError::Transport("bad nonce".into()))?;
        let (max_fee, tip) = self.fees()?;
        // Estimating also simulates the call: a revert comes back here, decoded, for free.
        let estimate =
            self.rpc.call("eth_estimateGas", json!([{ "from": from, "to": self.registry, "data": data_hex }]));
        let gas = match estimate {
            Ok(v) => hex_u256(&v).ok_or_else(|| PostError::Transport("bad eth_estimateGas".into()))?,
            Err(e) => {
                let err = from_rpc(e);
                if matches!(err, PostError::Reverted(RegistryError::NotReporter { .. })) {
                    // The reporter may have been changed on chain since we cached it.
                    self.reporters.remove(&token_id);
                }
                return Err(err);
            }
        };
        let gas_limit = gas * 6 / 5 + 10_000;

        let request = Eip1559TransactionRequest::new()
            .chain_id(self.chain_id)
            .nonce(nonce)
            .to(self.registry)
            .value(0u64)
            .gas(gas_limit)
            .max_fee_per_gas(max_fee)
            .max_priority_fee_per_gas(tip)
            .data(data);
        let (raw, hash) = self.keys[index].sign(request).map_err(PostError::Rejected)?;
        Ok(InFlight {
            tx_hash: format!("{hash:?}"),
            raw_tx: format!("0x{}", hex_string(&raw)),
            from: format!("{from:?}"),
            nonce,
            first_timestamp: reports.first().map_or(0, |r| r.timestamp),
            last_timestamp: reports.last().map_or(0, |r| r.timestamp),
            count: reports.len(),
            sent_at: 0,
        })
    }

    fn broadcast(&mut self, tx: &InFlight) -> Result<(), PostError> {
        match self.rpc.call("eth_sendRawTransaction", json!([tx.raw_tx])) {
            Ok(_) => Ok(()),
            Err(RpcError::Rpc { message, .. })
                if message.to_lowercase().contains("already known")
                    || message.to_lowercase().contains("known transaction") =>
            {
                Ok(())
            }
            Err(e) => Err(from_rpc(e)),
        }
    }

    fn wait(&mut self, tx: &InFlight, timeout: Duration) -> Result<TxStatus, PostError> {
        let start = Instant::now();
        loop {
            let receipt = self.rpc.call("eth_getTransactionReceipt", json!([tx.tx_hash])).map_err(from_rpc)?;
            if !receipt.is_null() {
                return Ok(TxStatus::Mined {
                    block: receipt.get("blockNumber").and_then(parse_hex_u64).unwrap_or(0),
                    success: receipt.get("status").and_then(parse_hex_u64) == Some(1),
                });
            }
            if start.elapsed() >= timeout {
                let known = self.rpc.call("eth_getTransactionByHash", json!([tx.tx_hash])).map_err(from_rpc)?;
                return Ok(if known.is_null() { TxStatus::Unknown } else { TxStatus::Pending });
            }
            std::thread::sleep(self.receipt_poll.min(timeout.saturating_sub(start.elapsed())));
        }
    }
}
