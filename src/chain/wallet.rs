//! Injected EIP-1193 wallets (MetaMask and the like): discovery through EIP-6963 with a fallback to
//! `window.ethereum`, requests, and the provider's events.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::domain::Address;

/// EIP-1193's "user rejected the request".
pub const USER_REJECTED: i64 = 4001;
/// EIP-1193's "unrecognized chain": the wallet must be told about it first.
pub const UNRECOGNIZED_CHAIN: i64 = 4902;

const ANNOUNCE_EVENT: &str = "eip6963:announceProvider";
const REQUEST_EVENT: &str = "eip6963:requestProvider";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WalletError {
    #[error("no wallet found in this browser")]
    NotInstalled,
    #[error("cancelled in the wallet")]
    Rejected,
    #[error("the wallet has no account to connect")]
    NoAccount,
    #[error("the wallet does not know this network")]
    UnknownChain,
    #[error("the wallet answered {code}: {message}")]
    Provider { code: i64, message: String, data: Option<String> },
    #[error("the wallet's answer could not be read: {0}")]
    Malformed(String),
}

impl WalletError {
    /// Revert data a wallet passes on from the node, when a call it was asked to make reverted.
    pub fn revert_data(&self) -> Option<Vec<u8>> {
        match self {
            WalletError::Provider { data: Some(data), .. } => hex::decode(data.trim_start_matches("0x")).ok(),
            _ => None,
        }
    }
}

/// Who is connected, and on which chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    pub account: Address,
    pub chain_id: u64,
}

/// What a wallet says of itself (EIP-6963's provider info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletInfo {
    pub uuid: String,
    pub name: String,
    /// A data URI, shown as an image.
    pub icon: String,
    /// Reverse DNS name, stable across sessions: what a remembered choice is keyed by.
    pub rdns: String,
}

#[derive(Clone)]
pub struct InjectedWallet {
    provider: Object,
    pub info: WalletInfo,
}

impl PartialEq for InjectedWallet {
    fn eq(&self, other: &Self) -> bool {
        self.info == other.info
    }
}

impl std::fmt::Debug for InjectedWallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InjectedWallet").field("info", &self.info).finish()
    }
}

/// Keeps listening for EIP-6963 announcements while it lives.
pub struct Discovery {
    listener: Closure<dyn FnMut(web_sys::CustomEvent)>,
}

impl Drop for Discovery {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(ANNOUNCE_EVENT, self.listener.as_ref().unchecked_ref());
        }
    }
}

/// Asks every wallet in the page to announce itself, now and whenever one loads later, and calls
/// `found` for each. A wallet that only sets `window.ethereum` is reported by [`legacy_wallet`].
pub fn discover(found: impl Fn(InjectedWallet) + 'static) -> Option<Discovery> {
    let window = web_sys::window()?;
    let listener = Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
        if let Some(wallet) = announced_wallet(&event.detail()) {
            found(wallet);
        }
    });
    window.add_event_listener_with_callback(ANNOUNCE_EVENT, listener.as_ref().unchecked_ref()).ok()?;
    let request = web_sys::Event::new(REQUEST_EVENT).ok()?;
    window.dispatch_event(&request).ok()?;
    Some(Discovery { listener })
}

fn announced_wallet(detail: &JsValue) -> Option<InjectedWallet> {
    let info = Reflect::get(detail, &"info".into()).ok()?;
    let provider = Reflect::get(detail, &"provider".into()).ok()?.dyn_into::<Object>().ok()?;
    let text =
        |key: &str| Reflect::get(&info, &key.into()).ok().and_then(|value| value.as_string()).unwrap_or_default();
    let info = WalletInfo { uuid: text("uuid"), name: text("name"), icon: text("icon"), rdns: text("rdns") };
    (!info.rdns.is_empty() && !info.name.is_empty()).then_some(InjectedWallet { provider, info })
}

/// `window.ethereum`, for wallets that predate EIP-6963.
pub fn legacy_wallet() -> Option<InjectedWallet> {
    let window = web_sys::window()?;
    let provider = Reflect::get(&window, &"ethereum".into()).ok()?.dyn_into::<Object>().ok()?;
    let is_metamask = Reflect::get(&provider, &"isMetaMask".into()).ok().and_then(|flag| flag.as_bool()) == Some(true);
    let name = if is_metamask { "MetaMask" } else { "Browser wallet" };
    let info = WalletInfo {
        uuid: "window.ethereum".into(),
        name: name.into(),
        icon: String::new(),
        rdns: "window.ethereum".into(),
    };
    Some(InjectedWallet { provider, info })
}

type Listener = Closure<dyn FnMut(JsValue)>;
/// How one provider event's payload becomes a [`WalletEvent`].
type EventParser = fn(JsValue) -> Option<WalletEvent>;

/// Listeners on a provider's events, removed when this is dropped.
pub struct Subscription {
    provider: Object,
    listeners: Vec<(&'static str, Listener)>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // MetaMask names it removeListener; some injected providers only have off.
        let remove = ["removeListener", "off"]
            .iter()
            .find_map(|name| Reflect::get(&self.provider, &(*name).into()).ok()?.dyn_into::<Function>().ok());
        if let Some(remove) = remove {
            for (event, listener) in &self.listeners {
                let _ = remove.call2(&self.provider, &(*event).into(), listener.as_ref());
            }
        }
    }
}

/// What a provider's events say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletEvent {
    AccountsChanged(Vec<Address>),
    ChainChanged(u64),
    Disconnected,
}

impl InjectedWallet {
    pub async fn request(&self, method: &str, params: Value) -> Result<JsValue, WalletError> {
        let request: Function = Reflect::get(&self.provider, &"request".into())
            .ok()
            .and_then(|value| value.dyn_into().ok())
            .ok_or_else(|| WalletError::Malformed("the provider has no request()".into()))?;
        let arguments = Object::new();
        Reflect::set(&arguments, &"method".into(), &method.into()).expect("setting a field on a new object");
        let params = js_sys::JSON::parse(&params.to_string()).map_err(|_| WalletError::Malformed("params".into()))?;
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
        let accounts = self.request("eth_requestAccounts", Value::Array(vec![])).await?;
        let account = parse_accounts(&accounts)?.into_iter().next().ok_or(WalletError::NoAccount)?;
        Ok(Connection { account, chain_id: self.chain_id().await? })
    }

    /// The connection the user already granted this site, without asking: `None` if none.
    pub async fn existing_connection(&self) -> Result<Option<Connection>, WalletError> {
        let accounts = self.request("eth_accounts", Value::Array(vec![])).await?;
        match parse_accounts(&accounts)?.into_iter().next() {
            Some(account) => Ok(Some(Connection { account, chain_id: self.chain_id().await? })),
            None => Ok(None),
        }
    }

    /// Asks the wallet to forget this site, where it supports that (EIP-2255). Not all do; the app
    /// forgets the connection either way.
    pub async fn revoke(&self) {
        let params = serde_json::json!([{ "eth_accounts": {} }]);
        let _ = self.request("wallet_revokePermissions", params).await;
    }

    pub async fn chain_id(&self) -> Result<u64, WalletError> {
        let value = self.request("eth_chainId", Value::Array(vec![])).await?;
        parse_chain_id(&value).ok_or_else(|| WalletError::Malformed(format!("eth_chainId {value:?}")))
    }

    /// `wallet_switchEthereumChain`; `UnknownChain` when the wallet must first add it.
    pub async fn switch_chain(&self, chain_id: u64) -> Result<(), WalletError> {
        let params = serde_json::json!([{ "chainId": format!("{chain_id:#x}") }]);
        match self.request("wallet_switchEthereumChain", params).await {
            Err(WalletError::Provider { code: UNRECOGNIZED_CHAIN, .. }) => Err(WalletError::UnknownChain),
            other => other.map(drop),
        }
    }

    /// `wallet_addEthereumChain` with EIP-3085 parameters.
    pub async fn add_chain(&self, parameters: Value) -> Result<(), WalletError> {
        self.request("wallet_addEthereumChain", Value::Array(vec![parameters])).await.map(drop)
    }

    /// Asks the wallet to track an ERC-20 token (EIP-747 `wallet_watchAsset`): `Ok(false)` when the
    /// user declined to add it.
    pub async fn watch_asset(&self, token: Address, symbol: &str, decimals: u8) -> Result<bool, WalletError> {
        let params = serde_json::json!({
            "type": "ERC20",
            "options": { "address": token.to_string(), "symbol": symbol, "decimals": decimals },
        });
        let answer = self.request("wallet_watchAsset", params).await?;
        Ok(answer.as_bool().unwrap_or(true))
    }

    /// `eth_signTypedData_v4` as `account`: the wallet shows the typed data and answers the
    /// signature as hex. The data goes as a JSON string, as MetaMask requires.
    pub async fn sign_typed_data(&self, account: Address, typed_data: &Value) -> Result<String, WalletError> {
        let params = serde_json::json!([account.to_string(), typed_data.to_string()]);
        let answer = self.request("eth_signTypedData_v4", params).await?;
        answer.as_string().ok_or_else(|| WalletError::Malformed(format!("eth_signTypedData_v4 answered {answer:?}")))
    }

    /// Calls `on_event` for every accountsChanged, chainChanged and disconnect until dropped.
    pub fn subscribe(&self, on_event: impl Fn(WalletEvent) + 'static) -> Subscription {
        let on_event = Rc::new(on_event);
        let on = Reflect::get(&self.provider, &"on".into()).ok().and_then(|on| on.dyn_into::<Function>().ok());
        let mut listeners = Vec::new();
        let events: [(&'static str, EventParser); 3] = [
            ("accountsChanged", |value| parse_accounts(&value).ok().map(WalletEvent::AccountsChanged)),
            ("chainChanged", |value| parse_chain_id(&value).map(WalletEvent::ChainChanged)),
            ("disconnect", |_| Some(WalletEvent::Disconnected)),
        ];
        for (event, parse) in events {
            let on_event = on_event.clone();
            let listener = Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
                if let Some(event) = parse(value) {
                    on_event(event);
                }
            });
            if let Some(on) = &on {
                let _ = on.call2(&self.provider, &event.into(), listener.as_ref());
            }
            listeners.push((event, listener));
        }
        Subscription { provider: self.provider.clone(), listeners }
    }
}

fn parse_accounts(accounts: &JsValue) -> Result<Vec<Address>, WalletError> {
    Array::from(accounts)
        .iter()
        .map(|account| {
            let text = account.as_string().ok_or(WalletError::NoAccount)?;
            text.parse().map_err(|error| WalletError::Malformed(format!("account {text}: {error}")))
        })
        .collect()
}

/// Hex as EIP-1193 says; some providers send a number.
fn parse_chain_id(value: &JsValue) -> Option<u64> {
    if let Some(number) = value.as_f64() {
        return Some(number as u64);
    }
    let text = value.as_string()?;
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn provider_error(error: JsValue) -> WalletError {
    let field = |key: &str| Reflect::get(&error, &key.into()).ok();
    let code = field("code").and_then(|code| code.as_f64()).map(|code| code as i64);
    let message = field("message").and_then(|message| message.as_string()).unwrap_or_else(|| format!("{error:?}"));
    let data = field("data").and_then(|data| {
        data.as_string().or_else(|| Reflect::get(&data, &"data".into()).ok().and_then(|inner| inner.as_string()))
    });
    match code {
        Some(USER_REJECTED) => WalletError::Rejected,
        Some(code) => WalletError::Provider { code, message, data },
        None => WalletError::Malformed(message),
    }
}
