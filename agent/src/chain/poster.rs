//! `Poster` over a real node: JSON-RPC for reads, fees and nonces; local signing.

use super::abi::{self, decode_revert, hex_string, ChainFigures, FeedAnswer, Period, Quote, RigSpec};
use super::rpc::{parse_hex_bytes, parse_hex_u64, Rpc, RpcError};
use super::tx::ReporterKey;
use super::{PostError, Poster, RegistryError, TxStatus};
use crate::cursor::{InFlight, PendingSettlement};
use crate::normalise::TelemetryReport;
use ethers_core::types::transaction::eip1559::Eip1559TransactionRequest;
use ethers_core::types::{Address, H256, U256};
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
    earnings: Option<Address>,
    operators: HashMap<u64, Address>,
    /// TwinEarnings' ETH/USD, BTC/USD, difficulty and fees-per-block feeds (immutable there).
    feeds: Option<[Address; 4]>,
}

/// A signed transaction, before it is journalled.
struct Signed {
    raw: String,
    hash: String,
    from: Address,
    nonce: u64,
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
        Self {
            rpc,
            registry,
            chain_id,
            keys,
            reporters: HashMap::new(),
            receipt_poll: Duration::from_millis(500),
            earnings: None,
            operators: HashMap::new(),
            feeds: None,
        }
    }

    /// The TwinEarnings contract the operator keys settle with.
    pub fn with_earnings(mut self, earnings: Address) -> Self {
        self.earnings = Some(earnings);
        self
    }

    fn earnings(&self) -> Result<Address, PostError> {
        self.earnings.ok_or_else(|| PostError::Rejected("no TwinEarnings address is configured".into()))
    }

    pub fn rpc(&self) -> &Rpc {
        &self.rpc
    }

    pub fn chain_id_of_node(&self) -> Result<u64, PostError> {
        let v = self.rpc.call("eth_chainId", json!([])).map_err(from_rpc)?;
        parse_hex_u64(&v).ok_or_else(|| PostError::Transport(format!("bad eth_chainId result {v}")))
    }

    fn view(&self, name: &str, token_id: u64) -> Result<Vec<u8>, PostError> {
        self.call(self.registry, &abi::encode_view(name, token_id), name)
    }

    fn call(&self, to: Address, data: &[u8], name: &str) -> Result<Vec<u8>, PostError> {
        let data = format!("0x{}", hex_string(data));
        let v = self.rpc.call("eth_call", json!([{ "to": to, "data": data }, "latest"])).map_err(from_rpc)?;
        v.as_str()
            .and_then(parse_hex_bytes)
            .ok_or_else(|| PostError::Transport(format!("bad eth_call result for {name}")))
    }

    pub fn operator_of(&mut self, token_id: u64) -> Result<Address, PostError> {
        if let Some(a) = self.operators.get(&token_id) {
            return Ok(*a);
        }
        let out = self.view("operatorOf", token_id)?;
        let a =
            abi::decode_address(&out).ok_or_else(|| PostError::Transport("undecodable operatorOf result".into()))?;
        self.operators.insert(token_id, a);
        Ok(a)
    }

    /// Nonce, fees, a gas estimate (which simulates the call, so a revert comes back decoded
    /// before anything is signed) and the signature.
    fn sign_call(&self, index: usize, to: Address, data: Vec<u8>, value: U256) -> Result<Signed, PostError> {
        let from = self.keys[index].address();
        let data_hex = format!("0x{}", hex_string(&data));
        let nonce = self.rpc.call("eth_getTransactionCount", json!([from, "pending"])).map_err(from_rpc)?;
        let nonce = parse_hex_u64(&nonce).ok_or_else(|| PostError::Transport("bad nonce".into()))?;
        let (max_fee, tip) = self.fees()?;
        let estimate = self
            .rpc
            .call("eth_estimateGas", json!([{ "from": from, "to": to, "data": data_hex, "value": value }]))
            .map_err(from_rpc)?;
        let gas = hex_u256(&estimate).ok_or_else(|| PostError::Transport("bad eth_estimateGas".into()))?;
        let gas_limit = gas * 6 / 5 + 10_000;
        let request = Eip1559TransactionRequest::new()
            .chain_id(self.chain_id)
            .nonce(nonce)
            .to(to)
            .value(value)
            .gas(gas_limit)
            .max_fee_per_gas(max_fee)
            .max_priority_fee_per_gas(tip)
            .data(data);
        let (raw, hash) = self.keys[index].sign(request).map_err(PostError::Rejected)?;
        Ok(Signed { raw: format!("0x{}", hex_string(&raw)), hash: format!("{hash:?}"), from, nonce })
    }

    fn send_raw(&self, raw: &str) -> Result<(), PostError> {
        match self.rpc.call("eth_sendRawTransaction", json!([raw])) {
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

    fn receipt(&self, hash: &str, timeout: Duration) -> Result<TxStatus, PostError> {
        let start = Instant::now();
        loop {
            let receipt = self.rpc.call("eth_getTransactionReceipt", json!([hash])).map_err(from_rpc)?;
            if !receipt.is_null() {
                return Ok(TxStatus::Mined {
                    block: receipt.get("blockNumber").and_then(parse_hex_u64).unwrap_or(0),
                    success: receipt.get("status").and_then(parse_hex_u64) == Some(1),
                });
            }
            if start.elapsed() >= timeout {
                let known = self.rpc.call("eth_getTransactionByHash", json!([hash])).map_err(from_rpc)?;
                return Ok(if known.is_null() { TxStatus::Unknown } else { TxStatus::Pending });
            }
            std::thread::sleep(self.receipt_poll.min(timeout.saturating_sub(start.elapsed())));
        }
    }

    fn feed(&self, address: Address) -> Result<FeedAnswer, PostError> {
        let round = self.call(address, &abi::encode_feed_getter("latestRoundData"), "latestRoundData")?;
        let (answer, updated_at) = abi::decode_latest_round(&round)
            .ok_or_else(|| PostError::Transport(format!("undecodable latestRoundData of {address:?}")))?;
        let decimals = self.call(address, &abi::encode_feed_getter("decimals"), "decimals")?;
        let decimals = abi::decode_decimals(&decimals)
            .ok_or_else(|| PostError::Transport(format!("undecodable decimals of {address:?}")))?;
        Ok(FeedAnswer { answer, decimals, updated_at })
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
        let data = abi::encode_report_telemetry(token_id, reports);
        let signed = match self.sign_call(index, self.registry, data, U256::zero()) {
            Ok(s) => s,
            Err(err) => {
                if matches!(err, PostError::Reverted(RegistryError::NotReporter { .. })) {
                    // The reporter may have been changed on chain since we cached it.
                    self.reporters.remove(&token_id);
                }
                return Err(err);
            }
        };
        Ok(InFlight {
            tx_hash: signed.hash,
            raw_tx: signed.raw,
            from: format!("{:?}", signed.from),
            nonce: signed.nonce,
            first_timestamp: reports.first().map_or(0, |r| r.timestamp),
            last_timestamp: reports.last().map_or(0, |r| r.timestamp),
            count: reports.len(),
            sent_at: 0,
        })
    }

    fn broadcast(&mut self, tx: &InFlight) -> Result<(), PostError> {
        self.send_raw(&tx.raw_tx)
    }

    fn wait(&mut self, tx: &InFlight, timeout: Duration) -> Result<TxStatus, PostError> {
        self.receipt(&tx.tx_hash, timeout)
    }

    fn period_of(&mut self, token_id: u64) -> Result<Period, PostError> {
        let out = self.call(self.earnings()?, &abi::encode_earnings_view("periodOf", token_id), "periodOf")?;
        abi::decode_period(&out).ok_or_else(|| PostError::Transport("undecodable periodOf result".into()))
    }

    fn quote(&mut self, token_id: u64, gross: U256) -> Result<Quote, PostError> {
        let out = self.call(self.earnings()?, &abi::encode_quote(token_id, gross), "quote")?;
        abi::decode_quote(&out).ok_or_else(|| PostError::Transport("undecodable quote result".into()))
    }

    fn prepare_settle(
        &mut self,
        token_id: u64,
        period_end: u64,
        gross: U256,
        service_fee: U256,
        electricity: U256,
        value: U256,
    ) -> Result<PendingSettlement, PostError> {
        let earnings = self.earnings()?;
        let operator = self.operator_of(token_id)?;
        let Some(index) = self.keys.iter().position(|k| k.address() == operator) else {
            // The operator may have changed since we cached it: look again next time.
            self.operators.remove(&token_id);
            return Err(PostError::NoOperatorKey { operator: format!("{operator:?}") });
        };
        let data = abi::encode_settle(token_id, period_end, gross, service_fee, electricity);
        let signed = match self.sign_call(index, earnings, data, value) {
            Ok(s) => s,
            Err(err) => {
                if matches!(err, PostError::Reverted(RegistryError::NotOperator { .. })) {
                    self.operators.remove(&token_id);
                }
                return Err(err);
            }
        };
        Ok(PendingSettlement {
            tx_hash: signed.hash,
            raw_tx: signed.raw,
            from: format!("{:?}", signed.from),
            nonce: signed.nonce,
            period_start: 0,
            period_end: 0,
            settled_before: 0,
            gross,
            service_fee,
            electricity,
            net: value,
            sent_at: 0,
        })
    }

    fn broadcast_settlement(&mut self, tx: &PendingSettlement) -> Result<(), PostError> {
        self.send_raw(&tx.raw_tx)
    }

    fn wait_settlement(&mut self, tx: &PendingSettlement, timeout: Duration) -> Result<TxStatus, PostError> {
        self.receipt(&tx.tx_hash, timeout)
    }

    fn nonce_used(&mut self, from: &str, nonce: u64) -> Result<bool, PostError> {
        let count = self.rpc.call("eth_getTransactionCount", json!([from, "latest"])).map_err(from_rpc)?;
        let count = parse_hex_u64(&count).ok_or_else(|| PostError::Transport("bad nonce".into()))?;
        Ok(count > nonce)
    }

    fn telemetry_between(
        &mut self,
        token_id: u64,
        after: u64,
        through: u64,
    ) -> Result<Vec<TelemetryReport>, PostError> {
        let topic = H256::from(abi::telemetry_reported_topic());
        let token = H256::from_low_u64_be(token_id);
        let filter = json!({
            "address": self.registry,
            "topics": [topic, token],
            "fromBlock": "0x0",
            "toBlock": "latest",
        });
        let logs = self.rpc.call("eth_getLogs", json!([filter])).map_err(from_rpc)?;
        let logs = logs.as_array().ok_or_else(|| PostError::Transport("eth_getLogs did not return a list".into()))?;
        let mut reports = Vec::new();
        for log in logs {
            let report = log
                .get("data")
                .and_then(Value::as_str)
                .and_then(parse_hex_bytes)
                .and_then(|d| abi::decode_telemetry_log(&d))
                .ok_or_else(|| PostError::Transport("undecodable TelemetryReported log".into()))?;
            if report.timestamp > after && report.timestamp <= through {
                reports.push(report);
            }
        }
        reports.sort_by_key(|r| r.timestamp);
        Ok(reports)
    }

    fn network_figures(&mut self) -> Result<ChainFigures, PostError> {
        let feeds = match self.feeds {
            Some(f) => f,
            None => {
                let earnings = self.earnings()?;
                let mut f = [Address::zero(); 4];
                for (slot, name) in f.iter_mut().zip(["ethUsdFeed", "btcUsdFeed", "difficultyFeed", "blockFeesFeed"]) {
                    let out = self.call(earnings, &abi::encode_earnings_getter(name), name)?;
                    *slot = abi::decode_address(&out)
                        .ok_or_else(|| PostError::Transport(format!("undecodable {name} result")))?;
                }
                self.feeds = Some(f);
                f
            }
        };
        Ok(ChainFigures {
            eth_usd: self.feed(feeds[0])?,
            btc_usd: self.feed(feeds[1])?,
            difficulty: self.feed(feeds[2])?,
            fees_per_block: self.feed(feeds[3])?,
        })
    }
}
