//! The app shell: config loading, the contexts every page shares, and the routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy};

use crate::chain::networks::NetworkConfig;
use crate::components::header::{Header, OfflineBanner, SyncBanner};
use crate::components::tx::{ToastArea, Toasts};
use crate::components::wallet::{NetworkBanner, WalletContext};
use crate::miner::pool::MinerSlot;
use crate::pages::{
    gallery::GalleryPage, market::MarketRoute, mine::MineRoute, mint::MintRoute, not_found::NotFound,
    portfolio::PortfolioRoute, twin::TwinRoute,
};
use crate::store::ChainStore;

/// Served beside index.html; its contract addresses are written by the deploy step.
const NETWORKS_URL: &str = "/networks.json";

/// Loads the network config, then mounts the app; a page that cannot load it says why.
pub fn boot() {
    // Not leptos::task::spawn_local: its executor is set up by mount_to_body, which comes after.
    wasm_bindgen_futures::spawn_local(async {
        match load_config().await {
            Ok(config) => leptos::mount::mount_to_body(move || view! { <App config=config.clone()/> }),
            Err(message) => leptos::mount::mount_to_body(move || view! { <ConfigError message=message.clone()/> }),
        }
    });
}

async fn load_config() -> Result<NetworkConfig, String> {
    let response = gloo_net::http::Request::get(NETWORKS_URL)
        .send()
        .await
        .map_err(|error| format!("{NETWORKS_URL} could not be fetched: {error}"))?;
    let text = response.text().await.map_err(|error| error.to_string())?;
    NetworkConfig::parse(&text).map_err(|error| error.to_string())
}

#[component]
pub fn App(config: NetworkConfig) -> impl IntoView {
    let store = ChainStore::new(config);
    store.start();
    provide_context(store);
    provide_context(Toasts::new());
    provide_context(WalletContext::start());
    provide_context(MinerSlot::new());

    view! {
        <Router>
            <a class="skip-link" href="#content">"Skip to content"</a>
            <Header/>
            <NetworkBanner/>
            <OfflineBanner/>
            <SyncBanner/>
            <main class="page" id="content" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=GalleryPage/>
                    <Route path=path!("/twin/:id") view={Lazy::<TwinRoute>::new()}/>
                    <Route path=path!("/mint") view={Lazy::<MintRoute>::new()}/>
                    <Route path=path!("/market") view={Lazy::<MarketRoute>::new()}/>
                    <Route path=path!("/mine") view={Lazy::<MineRoute>::new()}/>
                    <Route path=path!("/portfolio") view={Lazy::<PortfolioRoute>::new()}/>
                </Routes>
            </main>
            <ToastArea/>
        </Router>
    }
}

#[component]
fn ConfigError(message: String) -> impl IntoView {
    view! {
        <main class="page">
            <h1>"HashTwin cannot start"</h1>
            <p class="error" role="alert">{message}</p>
        </main>
    }
}
