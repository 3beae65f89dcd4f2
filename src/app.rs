//! The app shell: config loading, shared state and the routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use std::time::Duration;

use crate::chain::activity::MarketActivity;
use crate::chain::contracts::TwinRegistryReader;
use crate::chain::ledger::HashLedger;
use crate::chain::market::TwinMarket;
use crate::chain::networks::{Network, NetworkConfig};
use crate::chain::rpc::RpcClient;
use crate::components::header::{Header, OfflineBanner};
use crate::components::tx::{ToastArea, Toasts};
use crate::components::wallet::{NetworkBanner, WalletContext};
use crate::miner::pool::Miner;
use crate::pages::{
    gallery::GalleryPage, market::MarketPage, mine::MinePage, mint::MintPage, not_found::NotFound,
    portfolio::PortfolioPage, twin::TwinPage,
};

/// Served beside index.html; its contract addresses are written by the deploy step.
const NETWORKS_URL: &str = "/networks.json";

/// How often the app asks the node for its latest block: what keeps the offline banner honest.
const BLOCK_POLL: Duration = Duration::from_secs(4);

/// The network the app reads from, and what it reads there.
#[derive(Clone)]
pub struct ChainContext {
    pub config: NetworkConfig,
    pub network: Network,
    pub rpc: RpcClient,
    /// `None` on a network where HashTwin has no deployment.
    pub registry: Option<TwinRegistryReader>,
    pub market: Option<TwinMarket>,
    /// The market's events, for listings and offers across all twins.
    pub market_activity: Option<MarketActivity>,
    pub ledger: Option<HashLedger>,
    /// `Some(false)` while the node cannot be reached.
    pub online: RwSignal<Option<bool>>,
    /// The latest block seen: views that track it refresh as blocks arrive.
    pub head: RwSignal<Option<u64>>,
}

impl ChainContext {
    pub fn new(config: NetworkConfig) -> Self {
        let network = config.default_network().clone();
        let rpc = RpcClient::new(network.rpc_url.clone());
        let registry = network
            .contracts
            .clone()
            .map(|deployment| TwinRegistryReader::new(rpc.clone(), network.chain_id, deployment));
        let market = network.contracts.as_ref().map(|deployment| TwinMarket::new(rpc.clone(), deployment.twin_market));
        let ledger =
            network.contracts.as_ref().map(|deployment| HashLedger::new(rpc.clone(), network.chain_id, deployment));
        let market_activity =
            network.contracts.as_ref().map(|deployment| MarketActivity::new(rpc.clone(), network.chain_id, deployment));
        Self {
            config,
            network,
            rpc,
            registry,
            market,
            market_activity,
            ledger,
            online: RwSignal::new(None),
            head: RwSignal::new(None),
        }
    }

    /// Polls the node for as long as the app runs, so that going offline and back shows at once.
    fn watch_node(&self) {
        let (rpc, online, head) = (self.rpc.clone(), self.online, self.head);
        leptos::task::spawn_local(async move {
            loop {
                let block = rpc.block_number().await.ok();
                if online.get_untracked() != Some(block.is_some()) {
                    online.set(Some(block.is_some()));
                }
                if block.is_some() && head.get_untracked() != block {
                    head.set(block);
                }
                gloo_timers::future::sleep(BLOCK_POLL).await;
            }
        });
    }

    /// The name of a chain the wallet reports, known or not.
    pub fn chain_name(&self, chain_id: u64) -> String {
        self.config.network(chain_id).map(|network| network.name.clone()).unwrap_or_else(|| format!("chain {chain_id}"))
    }
}

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
    let chain = ChainContext::new(config);
    chain.watch_node();
    provide_context(chain);
    provide_context(Toasts::new());
    provide_context(WalletContext::start());
    provide_context(Miner::new());

    view! {
        <Router>
            <Header/>
            <NetworkBanner/>
            <OfflineBanner/>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=GalleryPage/>
                    <Route path=path!("/twin/:id") view=TwinPage/>
                    <Route path=path!("/mint") view=MintPage/>
                    <Route path=path!("/market") view=MarketPage/>
                    <Route path=path!("/mine") view=MinePage/>
                    <Route path=path!("/portfolio") view=PortfolioPage/>
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
