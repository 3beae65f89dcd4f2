//! Read-only JSON-RPC: what the app reads needs no wallet.
//!
//! Requests can be sent alone or as one JSON-RPC batch. Transport faults (no answer, HTTP 429 or
//! 5xx) are retried with exponential backoff; an error the node answers with is final.

use std::time::Duration;

use ethers_core::types::{Bytes, Filter, Log, U64};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::to_ethers_address;
use crate::domain::{Address, Wei};

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RpcError {
    #[error("the network at {0} cannot be reached")]
    Unreachable(String),
    #[error("the node answered with HTTP {0}")]
    Http(u16),
    #[error("the node answered {code}: {message}")]
    Node { code: i64, message: String, data: Option<String> },
    #[error("the node's answer could not be read: {0}")]
    Malformed(String),
}

impl RpcError {
    /// Faults of the way to the node rather than of the request: worth another attempt.
    pub fn is_transient(&self) -> bool {
        match self {
            RpcError::Unreachable(_) => true,
            RpcError::Http(status) => *status == 429 || *status >= 500,
            RpcError::Node { .. } | RpcError::Malformed(_) => false,
        }
    }

    /// The revert data a node attaches to a failed `eth_call` or `eth_estimateGas`.
    pub fn revert_data(&self) -> Option<Vec<u8>> {
        match self {
            RpcError::Node { data: Some(data), .. } => hex::decode(data.trim_start_matches("0x")).ok(),
            _ => None,
        }
    }
}

/// One call of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: &'static str,
    pub params: Value,
}

impl Call {
    pub fn new(method: &'static str, params: Value) -> Self {
        Self { method, params }
    }

    /// `eth_call` at the latest block, for a batch of reads that must come from one state.
    pub fn eth_call(to: Address, data: &[u8]) -> Self {
        Self::new("eth_call", json!([call_object(to, data), "latest"]))
    }

    /// What an `eth_call` of a batch returned.
    pub fn output(answer: Result<Value, RpcError>) -> Result<Vec<u8>, RpcError> {
        let bytes: Bytes = serde_json::from_value(answer?).map_err(|error| RpcError::Malformed(error.to_string()))?;
        Ok(bytes.to_vec())
    }
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    id: Value,
    result: Option<Value>,
    error: Option<NodeError>,
}

#[derive(Deserialize)]
struct NodeError {
    code: i64,
    message: String,
    #[serde(default)]
    data: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RpcClient {
    url: String,
}

impl RpcClient {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into() }
    }

    pub async fn request<T: DeserializeOwned>(&self, method: &'static str, params: Value) -> Result<T, RpcError> {
        let body = request_body(0, &Call::new(method, params));
        let text = self.post_with_retry(body.to_string()).await?;
        let response: Response = serde_json::from_str(&text).map_err(|error| RpcError::Malformed(error.to_string()))?;
        decode_result(response)
    }

    /// Sends `calls` as one JSON-RPC batch; each answer comes back in the order of its call.
    pub async fn batch(&self, calls: &[Call]) -> Result<Vec<Result<Value, RpcError>>, RpcError> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let body = Value::Array(calls.iter().enumerate().map(|(id, call)| request_body(id, call)).collect());
        let text = self.post_with_retry(body.to_string()).await?;
        match_batch(&text, calls.len())
    }

    pub async fn block_number(&self) -> Result<u64, RpcError> {
        let number: U64 = self.request("eth_blockNumber", json!([])).await?;
        Ok(number.as_u64())
    }

    /// The unix time of the latest block: the clock the contracts judge expiries by.
    pub async fn latest_block_time(&self) -> Result<u64, RpcError> {
        #[derive(Deserialize)]
        struct Head {
            timestamp: U64,
        }
        let head: Head = self.request("eth_getBlockByNumber", json!(["latest", false])).await?;
        Ok(head.timestamp.as_u64())
    }

    /// `eth_call` at the latest block.
    /// What `account` holds now, in wei.
    pub async fn balance(&self, account: Address) -> Result<Wei, RpcError> {
        let balance: ethers_core::types::U256 =
            self.request("eth_getBalance", json!([to_ethers_address(account), "latest"])).await?;
        Ok(Wei(balance.low_u128()))
    }

    pub async fn call(&self, to: Address, data: &[u8]) -> Result<Vec<u8>, RpcError> {
        let output: Bytes = self.request("eth_call", json!([call_object(to, data), "latest"])).await?;
        Ok(output.to_vec())
    }

    /// `eth_call` at block `block`: an answer about the same state as something read there.
    pub async fn call_at(&self, to: Address, data: &[u8], block: u64) -> Result<Vec<u8>, RpcError> {
        let output: Bytes = self.request("eth_call", json!([call_object(to, data), U64::from(block)])).await?;
        Ok(output.to_vec())
    }

    pub async fn get_logs(&self, filter: &Filter) -> Result<Vec<Log>, RpcError> {
        self.request("eth_getLogs", json!([filter])).await
    }

    async fn post_with_retry(&self, body: String) -> Result<String, RpcError> {
        let mut attempt = 0;
        loop {
            match self.post(&body).await {
                Err(error) if error.is_transient() && attempt + 1 < ATTEMPTS => {
                    sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    async fn post(&self, body: &str) -> Result<String, RpcError> {
        let response = gloo_net::http::Request::post(&self.url)
            .header("content-type", "application/json")
            .body(body)
            .map_err(|error| RpcError::Malformed(error.to_string()))?
            .send()
            .await
            .map_err(|_| RpcError::Unreachable(self.url.clone()))?;
        if !response.ok() {
            return Err(RpcError::Http(response.status()));
        }
        response.text().await.map_err(|error| RpcError::Malformed(error.to_string()))
    }
}

pub(crate) fn call_object(to: Address, data: &[u8]) -> Value {
    json!({ "to": to_ethers_address(to), "data": Bytes::from(data.to_vec()) })
}

/// 250 ms, 500 ms, 1 s, …: long enough for a restarting node, short enough to feel live.
pub fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF * 2u32.saturating_pow(attempt)
}

async fn sleep(duration: Duration) {
    gloo_timers::future::sleep(duration).await
}

fn request_body(id: usize, call: &Call) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": call.method, "params": call.params })
}

fn decode_result<T: DeserializeOwned>(response: Response) -> Result<T, RpcError> {
    if let Some(NodeError { code, message, data }) = response.error {
        let data = match data {
            Some(Value::String(data)) => Some(data),
            // Some nodes nest the revert data one level down.
            Some(Value::Object(object)) => object.get("data").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        };
        return Err(RpcError::Node { code, message, data });
    }
    serde_json::from_value(response.result.unwrap_or(Value::Null))
        .map_err(|error| RpcError::Malformed(error.to_string()))
}

/// Answers to a batch come in any order: they are put back in call order by id.
fn match_batch(text: &str, calls: usize) -> Result<Vec<Result<Value, RpcError>>, RpcError> {
    let responses: Vec<Response> =
        serde_json::from_str(text).map_err(|error| RpcError::Malformed(error.to_string()))?;
    let mut answers: Vec<Option<Result<Value, RpcError>>> = vec![None; calls];
    for response in responses {
        let id = response.id.as_u64().map(|id| id as usize).filter(|id| *id < calls);
        let id = id.ok_or_else(|| RpcError::Malformed(format!("an answer has an unknown id {}", response.id)))?;
        answers[id] = Some(decode_result(response));
    }
    answers
        .into_iter()
        .enumerate()
        .map(|(id, answer)| answer.ok_or_else(|| RpcError::Malformed(format!("no answer to call {id}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn single<T: DeserializeOwned>(text: &str) -> Result<T, RpcError> {
        decode_result(serde_json::from_str(text).unwrap())
    }

    #[test]
    fn a_result_is_decoded_into_the_asked_type() {
        let number: U64 = single(r#"{"jsonrpc":"2.0","id":1,"result":"0x1b4"}"#).unwrap();
        assert_eq!(number.as_u64(), 436);
    }

    #[test]
    fn a_node_error_keeps_its_code_message_and_revert_data() {
        let error = single::<U64>(
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x12345678"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            error,
            RpcError::Node { code: 3, message: "execution reverted".into(), data: Some("0x12345678".into()) }
        );
        assert_eq!(error.revert_data(), Some(vec![0x12, 0x34, 0x56, 0x78]));
        assert!(!error.is_transient());
    }

    #[test]
    fn revert_data_nested_in_an_object_is_found() {
        let error = single::<U64>(r#"{"id":1,"error":{"code":-32000,"message":"reverted","data":{"data":"0xabcd"}}}"#)
            .unwrap_err();
        assert_eq!(error.revert_data(), Some(vec![0xab, 0xcd]));
    }

    #[test]
    fn batch_answers_are_put_back_in_call_order() {
        let text = r#"[
            {"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no such method"}},
            {"jsonrpc":"2.0","id":0,"result":"0x10"}
        ]"#;
        let answers = match_batch(text, 2).unwrap();
        assert_eq!(answers[0], Ok(json!("0x10")));
        assert!(matches!(&answers[1], Err(RpcError::Node { code: -32601, .. })));
    }

    #[test]
    fn a_batch_missing_an_answer_is_malformed() {
        assert!(matches!(match_batch(r#"[{"id":0,"result":"0x1"}]"#, 2), Err(RpcError::Malformed(_))));
        assert!(matches!(match_batch(r#"[{"id":7,"result":"0x1"}]"#, 2), Err(RpcError::Malformed(_))));
    }

    #[test]
    fn the_request_body_is_json_rpc_2() {
        let body = request_body(3, &Call::new("eth_blockNumber", json!([])));
        assert_eq!(body, json!({"jsonrpc":"2.0","id":3,"method":"eth_blockNumber","params":[]}));
    }

    #[test]
    fn only_transport_faults_are_retried() {
        assert!(RpcError::Unreachable("x".into()).is_transient());
        assert!(RpcError::Http(503).is_transient());
        assert!(RpcError::Http(429).is_transient());
        assert!(!RpcError::Http(400).is_transient());
        assert!(!RpcError::Malformed("x".into()).is_transient());
    }

    #[test]
    fn backoff_doubles_from_a_quarter_second() {
        let delays: Vec<_> = (0..3).map(backoff).collect();
        assert_eq!(delays, [Duration::from_millis(250), Duration::from_millis(500), Duration::from_millis(1000)]);
    }

    #[test]
    fn a_non_json_answer_is_malformed() {
        assert!(matches!(match_batch("<html>", 1), Err(RpcError::Malformed(_))));
    }
}
