use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::wallet::ConnectButton;
use crate::domain::history::SyncProgress;
use crate::store::ChainStore;
use crate::store::IndexerState;

#[component]
pub fn Header() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
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
    let chain = expect_context::<ChainStore>();
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

/// How far the history has been read while it catches up, why new blocks cannot be read, and why
/// this browser cannot keep the history: each said, none hidden.
#[component]
pub fn SyncBanner() -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let progress = {
        let store = store.clone();
        move || match store.progress() {
            progress @ SyncProgress::CatchingUp { done, last, .. } => {
                let percent = progress.percent().unwrap_or(0);
                Some(
                    view! {
                        <div class="banner progress" role="status" data-testid="sync-progress">
                            <span>{format!("Reading the collection's history: block {done} of {last}")}</span>
                            <progress max="100" value=percent.to_string()>{format!("{percent}%")}</progress>
                        </div>
                    }
                    .into_any(),
                )
            }
            SyncProgress::Failed { message } if store.has_history() => Some(
                view! { <div class="banner offline" role="alert" data-testid="sync-failed">{message}</div> }.into_any(),
            ),
            _ => None,
        }
    };
    let indexer_down = {
        let store = store.clone();
        move || match store.indexer_state() {
            IndexerState::Down(why) => {
                let url = store.indexer.as_ref().map(|indexer| indexer.url().to_string()).unwrap_or_default();
                Some(view! {
                    <div class="banner notice" role="status" data-testid="indexer-down">
                        {format!("The indexer at {url} cannot be used ({why}): the app reads the chain instead, which is slower.")}
                    </div>
                })
            }
            _ => None,
        }
    };
    let storage = move || {
        store.storage_problem().map(|problem| {
            view! {
                <div class="banner notice" role="status" data-testid="storage-problem">
                    {format!("{problem} The history is kept for this visit only and will be read from the chain again next time.")}
                </div>
            }
        })
    };
    view! { {progress} {indexer_down} {storage} }
}
