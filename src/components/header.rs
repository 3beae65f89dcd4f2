use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::ChainContext;
use crate::components::wallet::ConnectButton;

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

/// Says so while the node cannot be reached; what was already loaded stays on screen.
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let message = format!(
        "Offline: {} at {} cannot be reached. Retrying every few seconds.",
        chain.network.name, chain.network.rpc_url
    );
    view! {
        <Show when=move || chain.online.get() == Some(false)>
            <div class="banner offline" role="alert" data-testid="offline">{message.clone()}</div>
        </Show>
    }
}
