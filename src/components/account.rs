//! Accounts and transactions as people read them: short, copyable, tagged when the account is
//! the connected one, and linked to the network's explorer where `networks.json` names one.

use leptos::prelude::*;

use crate::components::copy::CopyButton;
use crate::components::wallet::WalletContext;
use crate::domain::activity::Phrase;
use crate::domain::Address;
use crate::store::ChainStore;

#[component]
pub fn AccountName(address: Address) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let full = address.to_string();
    let is_you = move || wallet.connection.with(|connection| connection.as_ref().is_some_and(|c| c.account == address));
    let name = match store.network.explorer_address_url(&address) {
        Some(url) => view! {
            <a class="mono" href=url target="_blank" rel="noopener noreferrer" title=full.clone()>{address.short()}</a>
        }
        .into_any(),
        None => view! { <code class="mono" title=full.clone()>{address.short()}</code> }.into_any(),
    };
    view! {
        <span class="account-name" data-address=full.clone()>
            {name}
            {move || is_you().then(|| view! { <span class="you-tag">" (you)"</span> })}
            <CopyButton text=full.clone() label=format!("Copy the address {full}") compact=true/>
        </span>
    }
}

/// A transaction hash, short, linked to the explorer where there is one.
#[component]
pub fn TxLink(hash: String) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let short = short_hash(&hash);
    match store.network.explorer_tx_url(&hash) {
        Some(url) => view! {
            <a class="mono" href=url target="_blank" rel="noopener noreferrer" title=hash>{short}</a>
        }
        .into_any(),
        None => view! { <code class="mono" title=hash>{short}</code> }.into_any(),
    }
}

/// A sentence whose accounts are shown as [`AccountName`]s.
#[component]
pub fn Sentence(phrases: Vec<Phrase>) -> impl IntoView {
    phrases
        .into_iter()
        .map(|phrase| match phrase {
            Phrase::Words(words) => words.into_any(),
            Phrase::Account(address) => view! { <AccountName address/> }.into_any(),
        })
        .collect_view()
}

/// `0x1234ab…cdef01`: enough of a transaction hash to match it in an explorer.
fn short_hash(hash: &str) -> String {
    if hash.len() <= 16 {
        return hash.to_string();
    }
    format!("{}…{}", &hash[..8], &hash[hash.len() - 6..])
}
