//! Accounts and transactions as people read them: by their verified ENS name where the network
//! has ENS, else short; copyable in full, tagged when the account is the connected one, and linked
//! to the network's explorer where `networks.json` names one.

use leptos::prelude::*;

use crate::chain::ens::EnsProfile;
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
    let profile = store.names.as_ref().map(|names| names.name_of(address));
    let shown = {
        let profile = profile.clone();
        move || shown_name(profile.as_ref())
    };
    let label = {
        let shown = shown.clone();
        move || shown().unwrap_or_else(|| address.short())
    };
    // Hex is set in monospace so that its digits line up; a name is read as words.
    let class = move || if shown().is_some() { "ens-name" } else { "mono" };
    let name = match store.network.explorer_address_url(&address) {
        Some(url) => view! {
            <a class=class href=url target="_blank" rel="noopener noreferrer" title=full.clone()>{label}</a>
        }
        .into_any(),
        None => view! { <code class=class title=full.clone()>{label}</code> }.into_any(),
    };
    view! {
        <span class="account-name" data-address=full.clone()>
            <Avatar profile/>
            {name}
            {move || is_you().then(|| view! { <span class="you-tag">" (you)"</span> })}
            <CopyButton text=full.clone() label=format!("Copy the address {full}") compact=true/>
        </span>
    }
}

fn shown_name(profile: Option<&ArcReadSignal<Option<EnsProfile>>>) -> Option<String> {
    profile?.with(|profile| profile.as_ref().map(|profile| profile.name.clone()))
}

/// The name's ENSIP-12 avatar, beside the name it belongs to: decorative, the name says who it is.
#[component]
fn Avatar(profile: Option<ArcReadSignal<Option<EnsProfile>>>) -> impl IntoView {
    let avatar = move || profile.as_ref()?.with(|profile| profile.as_ref()?.avatar.clone());
    move || {
        avatar().map(|src| {
            view! { <img class="avatar" src=src alt="" width="16" height="16" loading="lazy" referrerpolicy="no-referrer"/> }
        })
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
