//! The injected EIP-1193 wallet (MetaMask and the like): connecting and asking who is connected.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::domain::Address;

/// EIP-1193's "user rejected the request".
pub const USER_REJECTED: i64 = 4001;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WalletError {
    #[error("no wallet found in this browser")]
    NotInstalled,
    #[error("cancelled in the wallet")]
    Rejected,
    #[error("the wallet has no account to connect")]
    NoAccount,
    #[error("the wallet answered {code}: {message}")]
    Provider { code: i64, message: String },
    #[error("the wallet's answer could not be read: {0}")]
    Malformed(String),
}

/// Who is connected, and on which chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    pub account: Address,
    pub chain_id: u64,
}

#[derive(Clone)]
pub struct InjectedWallet {
    provider: Object,
}

impl InjectedWallet {
    /// The provider the page was given as `window.ethereum`, if any.
    pub fn detect() -> Option<Self> {
        let window = web_sys::window()?;
        let provider = Reflect::get(&window, &JsValue::from_str("ethereum")).ok()?;
        provider.dyn_into::<Object>().ok().map(|provider| Self { provider })
    }

    pub async fn request(&self, method: &str, params: &[JsValue]) -> Result<JsValue, WalletError> {
        let request: Function = Reflect::get(&self.provider, &"request".into())
            .ok()
            .and_then(|value| value.dyn_into().ok())
            .ok_or_else(|| WalletError::Malformed("the provider has no request()".into()))?;
        let arguments = Object::new();
        Reflect::set(&arguments, &"method".into(), &method.into()).expect("setting a field on a new object");
        let params: Array = params.iter().collect();
        Reflect::set(&arguments, &"params".into(), &params).expect("setting a field on a new object");
        let promise: Promise = request
            .call1(&self.provider, &arguments)
            .map_err(provider_error)?
            .dyn_into()
            .map_err(|_| WalletError::Malformed("request() did not return a promise".into()))?;
        JsFuture::from(promise).await.map_err(provider_error)
    }

    /// Asks the user to connect (`eth_requestAccounts`), then reads the chain.
    pub async fn connect(&self) -> Result<Connection, WalletError> {
        let accounts = self.request("eth_requestAccounts", &[]).await?;
        let account = first_account(&accounts)?;
        let chain_id = self.chain_id().await?;
        Ok(Connection { account, chain_id })
    }

    pub async fn chain_id(&self) -> Result<u64, WalletError> {
        let value = self.request("eth_chainId", &[]).await?;
        let text = value.as_string().ok_or_else(|| WalletError::Malformed("eth_chainId is not a string".into()))?;
        parse_chain_id(&text).ok_or_else(|| WalletError::Malformed(format!("eth_chainId {text}")))
    }
}

fn first_account(accounts: &JsValue) -> Result<Address, WalletError> {
    let first = Array::from(accounts).get(0);
    let text = first.as_string().ok_or(WalletError::NoAccount)?;
    text.parse().map_err(|error| WalletError::Malformed(format!("account {text}: {error}")))
}

fn parse_chain_id(text: &str) -> Option<u64> {
    u64::from_str_radix(text.strip_prefix("0x")?, 16).ok()
}

fn provider_error(error: JsValue) -> WalletError {
    let code = Reflect::get(&error, &"code".into()).ok().and_then(|code| code.as_f64()).map(|code| code as i64);
    let message = Reflect::get(&error, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_else(|| format!("{error:?}"));
    match code {
        Some(USER_REJECTED) => WalletError::Rejected,
        Some(code) => WalletError::Provider { code, message },
        None => WalletError::Malformed(message),
    }
}
