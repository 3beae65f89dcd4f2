//! Read-only JSON-RPC: what the app reads needs no wallet.

use ethers_core::types::{Bytes, Filter, Log, U64};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::to_ethers_address;
use crate::domain::Address;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RpcError {
    #[error("the network at {0} cannot be reached")]
    Unreachable(String),
    #[error("the node answered with HTTP {0}")]
    Http(u16),
    #[error("the node answered {code}: {message}")]
    Node { code: i64, message: String },
    #[error("the node's answer could not be read: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct Response {
    result: Option<Value>,
    error: Option<NodeError>,
}

#[derive(Deserialize)]
struct NodeError {
    code: i64,
    message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RpcClient {
    url: String,
}

impl RpcClient {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into() }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn request<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, RpcError> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let response = gloo_net::http::Request::post(&self.url)
            .json(&body)
            .map_err(|error| RpcError::Malformed(error.to_string()))?
            .send()
            .await
            .map_err(|_| RpcError::Unreachable(self.url.clone()))?;
        if !response.ok() {
            return Err(RpcError::Http(response.status()));
        }
        let text = response.text().await.map_err(|error| RpcError::Malformed(error.to_string()))?;
        parse_response(&text)
    }

    pub async fn block_number(&self) -> Result<u64, RpcError> {
        let number: U64 = self.request("eth_blockNumber", json!([])).await?;
        Ok(number.as_u64())
    }

    /// `eth_call` at the latest block.
    pub async fn call(&self, to: Address, data: &[u8]) -> Result<Vec<u8>, RpcError> {
        let call = json!({ "to": to_ethers_address(to), "data": Bytes::from(data.to_vec()) });
        let output: Bytes = self.request("eth_call", json!([call, "latest"])).await?;
        Ok(output.to_vec())
    }

    pub async fn get_logs(&self, filter: &Filter) -> Result<Vec<Log>, RpcError> {
        self.request("eth_getLogs", json!([filter])).await
    }
}

fn parse_response<T: DeserializeOwned>(text: &str) -> Result<T, RpcError> {
    let response: Response = serde_json::from_str(text).map_err(|error| RpcError::Malformed(error.to_string()))?;
    if let Some(NodeError { code, message }) = response.error {
        return Err(RpcError::Node { code, message });
    }
    serde_json::from_value(response.result.unwrap_or(Value::Null))
        .map_err(|error| RpcError::Malformed(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_result_is_decoded_into_the_asked_type() {
        let number: U64 = parse_response(r#"{"jsonrpc":"2.0","id":1,"result":"0x1b4"}"#).unwrap();
        assert_eq!(number.as_u64(), 436);
    }

    #[test]
    fn a_node_error_keeps_its_code_and_message() {
        let error =
            parse_response::<U64>(r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no such method"}}"#);
        assert_eq!(error, Err(RpcError::Node { code: -32601, message: "no such method".into() }));
    }

    #[test]
    fn a_non_json_answer_is_malformed() {
        assert!(matches!(parse_response::<U64>("<html>"), Err(RpcError::Malformed(_))));
    }
}
