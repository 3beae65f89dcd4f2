use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::{ChainContext, WalletContext};
use crate::chain::wallet::{InjectedWallet, WalletError};

#[component]
pub fn Header() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let network_name = chain.network.name.clone();

    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">"HashTwin"</A>
            <nav aria-label="Main">
                <A href="/">"Gallery"</A>
                <A href="/market">"Market"</A>
                <A href="/mint">"Mint"</A>
                <A href="/mine">"Mine"</A>
                <A href="/portfolio">"Portfolio"</A>
            </nav>
            <span class="network" data-testid="network-name" title="The network this app reads">{network_name}</span>
            <ConnectButton/>
        </header>
    }
}

#[component]
fn ConnectButton() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let wallet = expect_context::<WalletContext>();

    let connect = Action::new_local(move |_: &()| async move {
        let provider = InjectedWallet::detect().ok_or(WalletError::NotInstalled)?;
        let connection = provider.connect().await?;
        wallet.connection.set(Some(connection));
        Ok::<_, WalletError>(())
    });

    let status = move || {
        match connect.value().get() {
        Some(Err(WalletError::NotInstalled)) => Some(view! {
            <span class="notice" role="status">
                "No wallet found. " <a href="https://metamask.io/download/" rel="noopener" target="_blank">"Install MetaMask"</a>
            </span>
        }.into_any()),
        Some(Err(WalletError::Rejected)) => Some(view! { <span class="notice" role="status">"Connection cancelled."</span> }.into_any()),
        Some(Err(error)) => Some(view! { <span class="error" role="alert">{error.to_string()}</span> }.into_any()),
        _ => None,
    }
    };

    view! {
        <div class="wallet">
            {move || match wallet.connection.get() {
                Some(connection) => {
                    let wrong_chain = connection.chain_id != chain.network.chain_id;
                    view! {
                        <span class="account" data-testid="account" title=connection.account.to_string()>
                            {connection.account.short()}
                        </span>
                        <span class="chain" class:wrong=wrong_chain data-testid="wallet-chain">
                            {chain.chain_name(connection.chain_id)}
                        </span>
                    }.into_any()
                }
                None => view! {
                    <button class="primary" on:click=move |_| { connect.dispatch(()); } disabled=move || connect.pending().get()>
                        {move || if connect.pending().get() { "Connecting…" } else { "Connect" }}
                    </button>
                }.into_any(),
            }}
            {status}
        </div>
    }
}
