//! The one path every write takes: estimate and price the transaction before the wallet opens, send
//! it through the wallet, wait for its receipt, and say why it failed when it does.

use std::time::Duration;

use ethers_core::types::{U256, U64};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::revert::Revert;
use super::rpc::{self, Call, RpcClient, RpcError};
use super::to_ethers_address;
use super::wallet::{InjectedWallet, WalletError};
use crate::domain::units::WEI_PER_GWEI;
use crate::domain::{Address, Wei};
use crate::storage;

const RECEIPT_POLL: Duration = Duration::from_millis(500);
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(180);
/// Kept per account and chain.
const RECENT_LIMIT: usize = 20;

/// A call to make on chain, ready for the wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRequest {
    pub to: Address,
    pub data: Vec<u8>,
    pub value: Wei,
    /// What the user is doing, in words: shown in toasts and the recent list.
    pub label: String,
}

/// The fee a transaction may cost, as shown before the wallet opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeQuote {
    pub gas_limit: u64,
    pub max_fee_per_gas: Wei,
    pub max_priority_fee_per_gas: Wei,
}

impl FeeQuote {
    /// A fifth of headroom over the estimate, and room for the base fee to double before the
    /// transaction is mined, as wallets do.
    pub fn from_estimate(gas_estimate: u64, base_fee: Wei, priority_fee: Wei) -> Self {
        Self {
            gas_limit: gas_estimate.saturating_add(gas_estimate / 5),
            max_fee_per_gas: Wei(base_fee.0.saturating_mul(2).saturating_add(priority_fee.0)),
            max_priority_fee_per_gas: priority_fee,
        }
    }

    /// The most the transaction can cost in fees: gas limit × max fee per gas.
    pub fn max_fee(&self) -> Wei {
        Wei(self.max_fee_per_gas.0.saturating_mul(self.gas_limit.into()))
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TxError {
    #[error("cancelled in the wallet")]
    Cancelled,
    #[error("this would fail: {0}")]
    WouldRevert(Revert),
    #[error("the transaction failed on chain: {0}")]
    Reverted(Revert),
    #[error(transparent)]
    Wallet(WalletError),
    #[error(transparent)]
    Rpc(RpcError),
    #[error("no receipt after {0} s; the transaction may still be mined")]
    Timeout(u64),
    /// The node refused to estimate: the account cannot pay for the value and the gas.
    #[error("the account has {balance} and this needs {value} and the network fee")]
    InsufficientFunds { value: Wei, balance: Wei },
}

/// A failure as the user reads it: what happened and what to do, in words, and the node's or the
/// wallet's own text where there is one, for a "details" toggle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    pub words: String,
    pub details: Option<String>,
}

/// EIP-1193 and JSON-RPC codes a wallet or a node answers with, and what each means to the user.
fn code_words(code: i64, message: &str) -> Option<&'static str> {
    let lower = message.to_lowercase();
    Some(match code {
        4100 => "Your wallet has not authorised this site to use that account. Connect again, then retry.",
        4200 => "Your wallet does not support this request.",
        4900 | 4901 => "Your wallet is disconnected from the network. Reconnect it, then retry.",
        -32002 => "Your wallet already has a request waiting. Open the wallet to finish or reject it, then retry.",
        -32005 => "The network's node is busy right now. Wait a moment, then retry.",
        -32601 => "The wallet or the node does not support this request.",
        _ if lower.contains("nonce too low") => {
            "Your wallet's transaction count is behind the chain's. Wait for its pending transactions, or reset the account's activity in the wallet, then retry."
        }
        _ if lower.contains("replacement transaction underpriced") || lower.contains("already known") => {
            "A transaction like this one is already waiting to be mined. Wait for it, or speed it up from the wallet."
        }
        -32603 => "Your wallet could not process the request: its connection to the network failed. Check the wallet's network, then retry.",
        -32000 | -32003 if lower.contains("insufficient funds") => {
            "This account does not have enough ETH for the value and the network fee."
        }
        _ => return None,
    })
}

impl TxError {
    /// What went wrong and what to do next, with the raw text kept apart.
    pub fn explain(&self) -> Explained {
        let raw = |text: String| Some(text);
        match self {
            TxError::Cancelled => Explained { words: "Cancelled in your wallet. Nothing was sent.".into(), details: None },
            TxError::WouldRevert(revert) => {
                Explained { words: format!("This would fail, so nothing was sent: {revert}"), details: None }
            }
            TxError::Reverted(revert) => {
                Explained { words: format!("The transaction was mined but failed: {revert}"), details: None }
            }
            TxError::InsufficientFunds { value, balance } => Explained {
                words: if value.0 == 0 {
                    format!("This account has {balance}: not enough for the network fee. Add ETH to it, then retry.")
                } else {
                    format!(
                        "You need {} plus the network fee; this account has {}. Add ETH to it, then retry.",
                        value.format_ether(6),
                        balance.format_ether(6)
                    )
                },
                details: None,
            },
            TxError::Timeout(seconds) => Explained {
                words: format!(
                    "No receipt after {seconds} s. The transaction may still be mined: check the wallet's activity before you send it again."
                ),
                details: None,
            },
            TxError::Wallet(WalletError::Provider { code, message, .. }) => Explained {
                words: code_words(*code, message)
                    .unwrap_or("Your wallet refused the transaction. Retry, or open the details to see what it said.")
                    .into(),
                details: raw(format!("{code}: {message}")),
            },
            TxError::Wallet(error) => {
                Explained { words: format!("The wallet failed: {error}."), details: raw(format!("{error:?}")) }
            }
            TxError::Rpc(RpcError::Node { code, message, .. }) => Explained {
                words: code_words(*code, message)
                    .unwrap_or("The network's node refused the request. Retry, or open the details to see what it said.")
                    .into(),
                details: raw(format!("{code}: {message}")),
            },
            TxError::Rpc(RpcError::Unreachable(url)) => Explained {
                words: "The network cannot be reached. Check your connection, then retry.".into(),
                details: raw(url.clone()),
            },
            TxError::Rpc(RpcError::Http(status)) => Explained {
                words: "The network's node is not answering properly. Wait a moment, then retry.".into(),
                details: raw(format!("HTTP {status}")),
            },
            TxError::Rpc(RpcError::Malformed(why)) => Explained {
                words: "The network's node answered something the app cannot read. Retry in a moment.".into(),
                details: raw(why.clone()),
            },
        }
    }
}

impl TxError {
    /// Why the contract refused the call, when it did: in the simulation or on chain.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            TxError::WouldRevert(revert) | TxError::Reverted(revert) => Some(revert),
            _ => None,
        }
    }
}

/// A mined, successful transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    pub block_number: u64,
    pub gas_used: u64,
}

fn call_object(from: Address, tx: &TxRequest) -> Value {
    let mut call = rpc::call_object(tx.to, &tx.data);
    call["from"] = json!(to_ethers_address(from));
    call["value"] = json!(U256::from(tx.value.0));
    call
}

/// A failed simulation, in words when the node says why.
fn simulation_error(error: RpcError) -> TxError {
    match error.revert_data() {
        Some(data) => TxError::WouldRevert(Revert::decode(&data)),
        None => match &error {
            RpcError::Node { message, .. } if message.contains("revert") => TxError::WouldRevert(Revert::Empty),
            _ => TxError::Rpc(error),
        },
    }
}

/// Estimates gas and reads the fee market in one batch. A call that would revert is caught here,
/// with its reason, before the wallet is ever opened.
pub async fn quote(rpc: &RpcClient, from: Address, tx: &TxRequest) -> Result<FeeQuote, TxError> {
    let calls = [
        Call::new("eth_estimateGas", json!([call_object(from, tx)])),
        Call::new("eth_getBlockByNumber", json!(["latest", false])),
        Call::new("eth_maxPriorityFeePerGas", json!([])),
    ];
    let mut answers = rpc.batch(&calls).await.map_err(TxError::Rpc)?.into_iter();
    let (estimate, block, priority) = (answers.next(), answers.next(), answers.next());
    let estimate = match estimate.expect("three answers") {
        Err(error) if is_insufficient_funds(&error) => {
            let balance: U256 = rpc
                .request("eth_getBalance", json!([to_ethers_address(from), "latest"]))
                .await
                .map_err(TxError::Rpc)?;
            return Err(TxError::InsufficientFunds { value: tx.value, balance: Wei(balance.low_u128()) });
        }
        answer => answer,
    };
    let estimate: U64 = decode(estimate.map_err(simulation_error)?)?;
    let block = block.expect("three answers").map_err(TxError::Rpc)?;
    let base_fee: U256 = decode(block.get("baseFeePerGas").cloned().unwrap_or(json!("0x0")))?;
    // Nodes without the method get a 1 gwei tip, what most wallets suggest on quiet chains.
    let priority: U256 = match priority.expect("three answers") {
        Ok(value) => decode(value)?,
        Err(_) => U256::from(WEI_PER_GWEI),
    };
    Ok(FeeQuote::from_estimate(estimate.as_u64(), Wei(base_fee.low_u128()), Wei(priority.low_u128())))
}

/// Nodes say it in words, under -32000 (geth) or -32003 (anvil, Nethermind).
fn is_insufficient_funds(error: &RpcError) -> bool {
    matches!(error, RpcError::Node { message, .. } if message.to_lowercase().contains("insufficient funds"))
}

fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, TxError> {
    serde_json::from_value(value).map_err(|error| TxError::Rpc(RpcError::Malformed(error.to_string())))
}

/// Hands the transaction to the wallet with the quoted gas and fees; returns its hash.
pub async fn send(wallet: &InjectedWallet, from: Address, tx: &TxRequest, fee: &FeeQuote) -> Result<String, TxError> {
    let mut params = call_object(from, tx);
    params["gas"] = json!(U64::from(fee.gas_limit));
    params["maxFeePerGas"] = json!(U256::from(fee.max_fee_per_gas.0));
    params["maxPriorityFeePerGas"] = json!(U256::from(fee.max_priority_fee_per_gas.0));
    match wallet.request("eth_sendTransaction", json!([params])).await {
        Ok(hash) => {
            hash.as_string().ok_or_else(|| TxError::Wallet(WalletError::Malformed("no transaction hash".into())))
        }
        Err(WalletError::Rejected) => Err(TxError::Cancelled),
        Err(error) => Err(match error.revert_data() {
            Some(data) => TxError::WouldRevert(Revert::decode(&data)),
            None => TxError::Wallet(error),
        }),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcReceipt {
    block_number: U64,
    gas_used: U256,
    status: Option<U64>,
}

/// Waits for the receipt. A transaction that reverted is replayed with `eth_call` at its block to
/// learn why, since receipts do not say.
pub async fn wait_for_receipt(rpc: &RpcClient, hash: &str, from: Address, tx: &TxRequest) -> Result<Receipt, TxError> {
    let polls = (RECEIPT_TIMEOUT.as_millis() / RECEIPT_POLL.as_millis()) as u32;
    for _ in 0..polls {
        let receipt: Option<RpcReceipt> =
            rpc.request("eth_getTransactionReceipt", json!([hash])).await.map_err(TxError::Rpc)?;
        let Some(receipt) = receipt else {
            gloo_timers::future::sleep(RECEIPT_POLL).await;
            continue;
        };
        if receipt.status == Some(U64::one()) {
            return Ok(Receipt { block_number: receipt.block_number.as_u64(), gas_used: receipt.gas_used.low_u64() });
        }
        let replay = rpc.request::<Value>("eth_call", json!([call_object(from, tx), receipt.block_number])).await;
        let revert = match replay {
            Err(error) => error.revert_data().map(|data| Revert::decode(&data)).unwrap_or(Revert::Empty),
            // Replayed on its own, the call passed: it failed on state an earlier transaction in
            // the same block changed.
            Ok(_) => Revert::Empty,
        };
        return Err(TxError::Reverted(revert));
    }
    Err(TxError::Timeout(RECEIPT_TIMEOUT.as_secs()))
}

/// A transaction as the recent list remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentTx {
    pub hash: String,
    pub label: String,
    pub status: TxStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "camelCase")]
pub enum TxStatus {
    Pending,
    Confirmed,
    Failed(String),
}

fn recent_key(chain_id: u64, account: Address) -> String {
    format!("hashtwin.txs.{chain_id}.{account}")
}

/// The account's recent transactions on a chain, newest first.
pub fn recent(chain_id: u64, account: Address) -> Vec<RecentTx> {
    storage::get_json(&recent_key(chain_id, account)).unwrap_or_default()
}

/// Adds or updates (by hash) a transaction in the account's recent list.
pub fn remember(chain_id: u64, account: Address, tx: RecentTx) -> Result<(), String> {
    let mut list = recent(chain_id, account);
    upsert(&mut list, tx);
    storage::store_json(&recent_key(chain_id, account), &list)
        .map_err(|why| format!("This browser could not keep the transaction in your recent list: {why}."))
}

fn upsert(list: &mut Vec<RecentTx>, tx: RecentTx) {
    list.retain(|known| known.hash != tx.hash);
    list.insert(0, tx);
    list.truncate(RECENT_LIMIT);
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_codes_get_words_and_a_next_step_and_keep_the_raw_text_apart() {
        let insufficient = TxError::Rpc(RpcError::Node {
            code: -32003,
            message: "Insufficient funds for gas * price + value".into(),
            data: None,
        });
        let explained = insufficient.explain();
        assert_eq!(explained.words, "This account does not have enough ETH for the value and the network fee.");
        assert_eq!(explained.details.as_deref(), Some("-32003: Insufficient funds for gas * price + value"));

        let internal = TxError::Wallet(WalletError::Provider {
            code: -32603,
            message: "Internal JSON-RPC error.".into(),
            data: None,
        });
        assert!(internal.explain().words.starts_with("Your wallet could not process the request"));
        assert_eq!(internal.explain().details.as_deref(), Some("-32603: Internal JSON-RPC error."));

        let busy = TxError::Wallet(WalletError::Provider { code: -32002, message: "pending".into(), data: None });
        assert!(busy.explain().words.starts_with("Your wallet already has a request waiting"));

        let nonce = TxError::Rpc(RpcError::Node { code: -32000, message: "nonce too low".into(), data: None });
        assert!(nonce.explain().words.starts_with("Your wallet's transaction count is behind"));

        let unknown = TxError::Rpc(RpcError::Node { code: -1, message: "odd".into(), data: None });
        assert_eq!(unknown.explain().details.as_deref(), Some("-1: odd"));
        assert!(!unknown.explain().words.contains("odd"), "the raw text stays behind the toggle");
    }

    #[test]
    fn a_shortfall_says_how_much_is_needed_and_how_much_there_is() {
        let short =
            TxError::InsufficientFunds { value: Wei(520_000_000_000_000_000), balance: Wei(310_000_000_000_000_000) };
        assert_eq!(
            short.explain().words,
            "You need 0.52 ETH plus the network fee; this account has 0.31 ETH. Add ETH to it, then retry."
        );
        let gas_only = TxError::InsufficientFunds { value: Wei::ZERO, balance: Wei::ZERO };
        assert_eq!(
            gas_only.explain().words,
            "This account has 0 ETH: not enough for the network fee. Add ETH to it, then retry."
        );
    }
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_quote_adds_headroom_and_room_for_the_base_fee_to_double() {
        let quote = FeeQuote::from_estimate(100_000, Wei(10 * WEI_PER_GWEI), Wei(WEI_PER_GWEI));
        assert_eq!(quote.gas_limit, 120_000);
        assert_eq!(quote.max_fee_per_gas, Wei(21 * WEI_PER_GWEI));
        assert_eq!(quote.max_fee(), Wei(120_000 * 21 * WEI_PER_GWEI));
        assert_eq!(quote.max_fee().format_ether(6), "0.00252 ETH");
    }

    #[test]
    fn simulation_errors_with_revert_data_are_decoded() {
        let error = RpcError::Node { code: 3, message: "execution reverted".into(), data: Some("0x5fa8f2f2".into()) };
        assert_eq!(simulation_error(error).to_string(), "this would fail: Enter the rig's model.");
        let bare = RpcError::Node { code: -32000, message: "execution reverted".into(), data: None };
        assert_eq!(simulation_error(bare), TxError::WouldRevert(Revert::Empty));
        let other = RpcError::Unreachable("http://127.0.0.1:8545".into());
        assert_eq!(simulation_error(other.clone()), TxError::Rpc(other));
    }

    #[test]
    fn the_call_object_is_json_rpc_hex() {
        let tx = TxRequest { to: Address([0xaa; 20]), data: vec![0x3c, 0xcf], value: Wei(1_000), label: String::new() };
        let object = call_object(Address([0xbb; 20]), &tx);
        assert_eq!(object["value"], "0x3e8");
        assert_eq!(object["data"], "0x3ccf");
        assert_eq!(object["from"], format!("0x{}", "bb".repeat(20)));
    }

    #[test]
    fn the_recent_list_keeps_the_newest_first_once_each() {
        let tx = |hash: &str, status| RecentTx { hash: hash.into(), label: "Buy".into(), status };
        let mut list = Vec::new();
        upsert(&mut list, tx("0x1", TxStatus::Pending));
        upsert(&mut list, tx("0x2", TxStatus::Pending));
        upsert(&mut list, tx("0x1", TxStatus::Confirmed));
        assert_eq!(list, vec![tx("0x1", TxStatus::Confirmed), tx("0x2", TxStatus::Pending)]);
        for n in 0..30 {
            upsert(&mut list, tx(&format!("0x{n:x}0"), TxStatus::Pending));
        }
        assert_eq!(list.len(), RECENT_LIMIT);
    }

    #[test]
    fn statuses_serialize_with_their_reason() {
        let failed = serde_json::to_value(TxStatus::Failed("Not listed".into())).unwrap();
        assert_eq!(failed, json!({"state": "failed", "reason": "Not listed"}));
    }
}
