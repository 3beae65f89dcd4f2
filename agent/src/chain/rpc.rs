//! Minimal blocking JSON-RPC over HTTP (ureq); no async runtime for a handful of calls a minute.

use serde_json::{json, Value};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RpcError {
    Transport(String),
    /// A JSON-RPC error object; `data` is the revert data when the node sends it.
    Rpc {
        code: i64,
        message: String,
        data: Option<Vec<u8>>,
    },
    BadResponse(String),
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcError::Transport(m) => write!(f, "{m}"),
            RpcError::Rpc { code, message, .. } => write!(f, "error {code}: {message}"),
            RpcError::BadResponse(m) => write!(f, "unexpected response: {m}"),
        }
    }
}

pub struct Rpc {
    url: String,
    agent: ureq::Agent,
    next_id: AtomicU64,
}

impl fmt::Debug for Rpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rpc").field("url", &redact_url(&self.url)).finish()
    }
}

/// Hosted RPC URLs often carry an API key in the path or query; logs get scheme and host only.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    if scheme.is_empty() {
        host.to_string()
    } else {
        format!("{scheme}://{host}")
    }
}

impl Rpc {
    pub fn new(url: &str, timeout: Duration) -> Self {
        Self {
            url: url.to_string(),
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
            next_id: AtomicU64::new(1),
        }
    }

    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string();
        let text = match self.agent.post(&self.url).set("Content-Type", "application/json").send_string(&body) {
            Ok(resp) => resp.into_string().map_err(|e| RpcError::Transport(e.to_string()))?,
            // Some nodes answer JSON-RPC errors with HTTP 4xx/5xx; the body still says why.
            Err(ureq::Error::Status(code, resp)) => {
                let text = resp.into_string().unwrap_or_default();
                if serde_json::from_str::<Value>(&text).is_ok_and(|v| v.get("error").is_some()) {
                    text
                } else {
                    return Err(RpcError::Transport(format!("HTTP {code} from {}", redact_url(&self.url))));
                }
            }
            Err(ureq::Error::Transport(t)) => {
                // ureq's own Display includes the full URL; build the message without it.
                return Err(RpcError::Transport(format!(
                    "{} at {}{}",
                    t.kind(),
                    redact_url(&self.url),
                    t.message().map(|m| format!(" ({m})")).unwrap_or_default()
                )));
            }
        };
        let reply: Value = serde_json::from_str(&text).map_err(|e| RpcError::BadResponse(format!("{method}: {e}")))?;
        if let Some(err) = reply.get("error") {
            return Err(RpcError::Rpc {
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err.get("message").and_then(Value::as_str).unwrap_or("").to_string(),
                data: revert_data(err.get("data")),
            });
        }
        reply.get("result").cloned().ok_or_else(|| RpcError::BadResponse(format!("{method}: no result")))
    }
}

/// Nodes put revert data in `error.data` as a hex string, or nest it one level deeper.
fn revert_data(data: Option<&Value>) -> Option<Vec<u8>> {
    match data? {
        Value::String(s) => parse_hex_bytes(s),
        Value::Object(o) => revert_data(o.get("data")),
        _ => None,
    }
}

pub fn parse_hex_bytes(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x")?;
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

pub fn parse_hex_u64(v: &Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.strip_prefix("0x")?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_api_keys_from_urls() {
        assert_eq!(redact_url("https://eth.example.org/v3/SECRET?x=1"), "https://eth.example.org");
        assert_eq!(redact_url("http://user:pw@127.0.0.1:8545/"), "http://127.0.0.1:8545");
    }

    #[test]
    fn revert_data_flat_or_nested() {
        assert_eq!(revert_data(Some(&json!("0x0102"))), Some(vec![1, 2]));
        assert_eq!(revert_data(Some(&json!({"data": "0xff"}))), Some(vec![255]));
        assert_eq!(revert_data(Some(&json!("Reverted"))), None);
    }

    #[test]
    fn refused_endpoint_is_a_transport_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let rpc = Rpc::new(&format!("http://127.0.0.1:{port}/key"), Duration::from_secs(2));
        match rpc.call("eth_chainId", json!([])) {
            Err(RpcError::Transport(m)) => assert!(!m.contains("/key"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
