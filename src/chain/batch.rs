//! EIP-5792: several calls in one wallet request (`wallet_sendCalls`), where the wallet says it runs
//! them as one atomic batch on this chain. Elsewhere the caller sends them one after another.
//!
//! Version 2.0.0 of the EIP is what MetaMask and Coinbase Wallet answer today; the answers of the
//! earlier draft (`atomicBatch.supported`, a bare id, `"CONFIRMED"`) are read too, since wallets
//! moved at different times.

use std::time::Duration;

use ethers_core::types::U256;
use serde_json::{json, Value};

use super::to_ethers_address;
use super::tx::{TxError, TxRequest};
use super::wallet::{InjectedWallet, WalletError};
use crate::domain::Address;

const STATUS_POLL: Duration = Duration::from_millis(500);
const STATUS_TIMEOUT: Duration = Duration::from_secs(180);

/// How a set of calls reaches the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchPath {
    /// One `wallet_sendCalls`: one prompt, and all the calls land or none does.
    Atomic,
    /// One `eth_sendTransaction` each, in order: a prompt each.
    OneByOne,
}

/// Asks the wallet what it can do. A wallet that does not know the method (most, today) or says
/// nothing of atomic batches for this chain gets the calls one by one: that is an answer, not a
/// failure to hide.
pub async fn path_for(wallet: &InjectedWallet, account: Address, chain_id: u64) -> BatchPath {
    let params = json!([to_ethers_address(account), [chain_hex(chain_id)]]);
    match wallet.request("wallet_getCapabilities", params).await.map(|answer| js_json(&answer)) {
        Ok(Some(capabilities)) if batches_atomically(&capabilities, chain_id) => BatchPath::Atomic,
        _ => BatchPath::OneByOne,
    }
}

/// Sends `requests` as one atomic batch; returns the wallet's id for it.
pub async fn send_calls(
    wallet: &InjectedWallet,
    from: Address,
    chain_id: u64,
    requests: &[TxRequest],
) -> Result<String, TxError> {
    match wallet.request("wallet_sendCalls", send_calls_params(from, chain_id, requests)).await {
        Ok(answer) => js_json(&answer)
            .as_ref()
            .and_then(calls_id)
            .ok_or_else(|| TxError::Wallet(WalletError::Malformed("wallet_sendCalls returned no id".into()))),
        Err(WalletError::Rejected) => Err(TxError::Cancelled),
        Err(error) => Err(TxError::Wallet(error)),
    }
}

/// Waits until the wallet says the batch is on chain; returns its transactions' hashes, whose
/// receipts say how each call went.
pub async fn wait_for_calls(wallet: &InjectedWallet, id: &str) -> Result<Vec<String>, TxError> {
    let polls = (STATUS_TIMEOUT.as_millis() / STATUS_POLL.as_millis()) as u32;
    for _ in 0..polls {
        let answer = wallet.request("wallet_getCallsStatus", json!([id])).await.map_err(TxError::Wallet)?;
        let status = js_json(&answer).ok_or_else(|| malformed("wallet_getCallsStatus"))?;
        match calls_status(&status)? {
            CallsStatus::Pending => gloo_timers::future::sleep(STATUS_POLL).await,
            CallsStatus::OnChain(hashes) => return Ok(hashes),
        }
    }
    Err(TxError::Timeout(STATUS_TIMEOUT.as_secs()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum CallsStatus {
    Pending,
    /// Landed, whether or not the calls succeeded: the receipts of these transactions tell.
    OnChain(Vec<String>),
}

fn batches_atomically(capabilities: &Value, chain_id: u64) -> bool {
    // "0x0" holds what the wallet can do on every chain.
    let Some(on_chain) = capabilities.get(chain_hex(chain_id)).or_else(|| capabilities.get("0x0")) else {
        return false;
    };
    let status = on_chain.pointer("/atomic/status").and_then(Value::as_str);
    let draft = on_chain.pointer("/atomicBatch/supported").and_then(Value::as_bool);
    matches!(status, Some("supported" | "ready")) || draft == Some(true)
}

fn send_calls_params(from: Address, chain_id: u64, requests: &[TxRequest]) -> Value {
    let calls: Vec<Value> = requests
        .iter()
        .map(|request| {
            json!({
                "to": to_ethers_address(request.to),
                "data": format!("0x{}", hex::encode(&request.data)),
                "value": U256::from(request.value.0),
            })
        })
        .collect();
    json!([{
        "version": "2.0.0",
        "chainId": chain_hex(chain_id),
        "from": to_ethers_address(from),
        "atomicRequired": true,
        "calls": calls,
    }])
}

fn calls_id(answer: &Value) -> Option<String> {
    answer.get("id").and_then(Value::as_str).or_else(|| answer.as_str()).map(str::to_string)
}

/// 100 pending, 200 confirmed, 400 failed before the chain, 500 reverted, 600 partly reverted.
fn calls_status(answer: &Value) -> Result<CallsStatus, TxError> {
    let code = match answer.get("status") {
        Some(Value::Number(code)) => code.as_u64().ok_or_else(|| malformed("wallet_getCallsStatus"))?,
        Some(Value::String(word)) if word == "PENDING" => 100,
        Some(Value::String(word)) if word == "CONFIRMED" => 200,
        _ => return Err(malformed("wallet_getCallsStatus")),
    };
    match code {
        100..=199 => Ok(CallsStatus::Pending),
        400..=499 => Err(TxError::Wallet(WalletError::Provider {
            code: code as i64,
            message: "The wallet could not send the batch; nothing reached the chain.".into(),
            data: None,
        })),
        _ => {
            let hashes: Option<Vec<String>> = answer
                .get("receipts")
                .and_then(Value::as_array)
                .map(|receipts| {
                    receipts
                        .iter()
                        .filter_map(|receipt| {
                            receipt.get("transactionHash").and_then(Value::as_str).map(str::to_string)
                        })
                        .collect()
                })
                .filter(|hashes: &Vec<String>| !hashes.is_empty());
            hashes.map(CallsStatus::OnChain).ok_or_else(|| malformed("wallet_getCallsStatus: no receipts"))
        }
    }
}

fn chain_hex(chain_id: u64) -> String {
    format!("{chain_id:#x}")
}

fn malformed(what: &str) -> TxError {
    TxError::Wallet(WalletError::Malformed(format!("{what} answered in an unknown shape")))
}

fn js_json(value: &wasm_bindgen::JsValue) -> Option<Value> {
    let text = js_sys::JSON::stringify(value).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Wei;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_wallet_batches_atomically_only_where_it_says_so_for_this_chain() {
        let local = 31_337;
        assert!(batches_atomically(&json!({"0x7a69": {"atomic": {"status": "supported"}}}), local));
        assert!(batches_atomically(&json!({"0x7a69": {"atomic": {"status": "ready"}}}), local));
        assert!(batches_atomically(&json!({"0x0": {"atomic": {"status": "supported"}}}), local), "0x0: every chain");
        assert!(
            batches_atomically(&json!({"0x7a69": {"atomicBatch": {"supported": true}}}), local),
            "the draft's shape"
        );
        assert!(!batches_atomically(&json!({"0x7a69": {"atomic": {"status": "unsupported"}}}), local));
        assert!(!batches_atomically(&json!({"0x1": {"atomic": {"status": "supported"}}}), local), "another chain");
        assert!(!batches_atomically(&json!({}), local));
    }

    #[test]
    fn the_calls_go_as_one_atomic_request_with_hex_values() {
        let request = |byte: u8, value: u128| TxRequest {
            to: Address([byte; 20]),
            data: vec![0xab, byte],
            value: Wei(value),
            label: "Submit".into(),
        };
        let params = send_calls_params(Address([1; 20]), 31_337, &[request(2, 0), request(3, 16)]);
        assert_eq!(params[0]["version"], "2.0.0");
        assert_eq!(params[0]["chainId"], "0x7a69");
        assert_eq!(params[0]["atomicRequired"], true);
        assert_eq!(params[0]["from"], format!("0x{}", "01".repeat(20)));
        assert_eq!(
            params[0]["calls"][1],
            json!({"to": format!("0x{}", "03".repeat(20)), "data": "0xab03", "value": "0x10"})
        );
    }

    #[test]
    fn the_batch_status_is_read_in_both_shapes_wallets_answer() {
        assert_eq!(calls_id(&json!({"id": "0xb1"})), Some("0xb1".into()));
        assert_eq!(calls_id(&json!("0xb1")), Some("0xb1".into()), "the draft's bare id");
        assert_eq!(calls_status(&json!({"status": 100})), Ok(CallsStatus::Pending));
        assert_eq!(calls_status(&json!({"status": "PENDING"})), Ok(CallsStatus::Pending));
        let receipts =
            json!([{"transactionHash": "0xaa", "status": "0x1"}, {"transactionHash": "0xbb", "status": "0x0"}]);
        let landed = CallsStatus::OnChain(vec!["0xaa".into(), "0xbb".into()]);
        assert_eq!(calls_status(&json!({"status": 200, "receipts": receipts})), Ok(landed.clone()));
        assert_eq!(
            calls_status(&json!({"status": 600, "receipts": receipts})),
            Ok(landed.clone()),
            "receipts say which failed"
        );
        assert_eq!(calls_status(&json!({"status": "CONFIRMED", "receipts": receipts})), Ok(landed));
        assert!(matches!(
            calls_status(&json!({"status": 400})),
            Err(TxError::Wallet(WalletError::Provider { code: 400, .. }))
        ));
        assert!(
            calls_status(&json!({"status": 200, "receipts": []})).is_err(),
            "landed with nothing to show is malformed"
        );
        assert!(calls_status(&json!({})).is_err());
    }
}
