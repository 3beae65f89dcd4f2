use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::app::ChainContext;
use crate::components::errors::error_list;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::domain::twin::{format_hashrate, format_power};
use crate::domain::Twin;

#[component]
pub fn TwinPage() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<u64>().ok());

    let twin = LocalResource::new(move || {
        let registry = chain.registry.clone();
        let id = id();
        async move {
            match (registry, id) {
                (Some(registry), Some(id)) => registry.twin(id).await,
                _ => Ok(None),
            }
        }
    });

    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading twin…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move {
                    twin.await.map(|twin| match twin {
                        Some(twin) => view! { <TwinDetails twin/> }.into_any(),
                        None => view! {
                            <h1>"No such twin"</h1>
                            <p class="empty">"No twin has this id. " <a href="/">"Back to the gallery"</a></p>
                        }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn TwinDetails(twin: Twin) -> impl IntoView {
    provide_context(TradeCount(RwSignal::new(0)));
    let spec = &twin.spec;
    let efficiency = spec.efficiency_j_per_th().map(|value| format!("{value:.1} J/TH")).unwrap_or_default();
    view! {
        <h1>{spec.display_name()}" "<span class="twin-id">"#"{twin.id}</span></h1>
        <section class="panel" aria-labelledby="spec-heading">
            <h2 id="spec-heading">"Rig"</h2>
            <dl class="spec" data-testid="twin-spec">
                <dt>"Manufacturer"</dt><dd>{spec.manufacturer.clone()}</dd>
                <dt>"Model"</dt><dd>{spec.model.clone()}</dd>
                <dt>"Nominal hashrate"</dt><dd>{format_hashrate(spec.hashrate_ghs)}</dd>
                <dt>"Nominal power"</dt><dd>{format_power(spec.power_watts.into())}</dd>
                <dt>"Efficiency"</dt><dd>{efficiency}</dd>
                <dt>"Location"</dt><dd>{spec.location.clone()}</dd>
                <dt>"Serial hash"</dt><dd class="mono">{format!("0x{}", hex::encode(spec.serial_hash))}</dd>
            </dl>
        </section>
        <MarketPanel token_id=twin.id/>
        <section class="panel" aria-labelledby="roles-heading">
            <h2 id="roles-heading">"Roles"</h2>
            <dl class="spec">
                <dt>"Owner"</dt><dd class="mono" data-testid="owner"><Owner token_id=twin.id/></dd>
                <dt>"Operator"</dt><dd class="mono">{twin.operator.to_string()}</dd>
                <dt>"Reporter key"</dt><dd class="mono">{twin.reporter.to_string()}</dd>
                <dt>"Royalty"</dt><dd>{format!("{}%", twin.royalty_percent())}</dd>
            </dl>
        </section>
    }
}

/// The current owner, refreshed after every trade on this page.
#[component]
fn Owner(token_id: u64) -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let trades = expect_context::<TradeCount>();
    let owner = LocalResource::new(move || {
        trades.0.track();
        let registry = chain.registry.clone();
        async move {
            match registry {
                Some(registry) => registry.owner_of(token_id).await.map(|owner| owner.to_string()),
                None => Ok(String::new()),
            }
        }
    });
    view! {
        <Transition fallback=|| "…">
            {move || owner.get().map(|owner| owner.unwrap_or_else(|error| error.to_string()))}
        </Transition>
    }
}

/// Bumped after every confirmed trade, so that what depends on ownership reloads.
#[derive(Clone, Copy)]
struct TradeCount(RwSignal<u64>);

#[component]
fn MarketPanel(token_id: u64) -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let wallet = expect_context::<WalletContext>();
    let trades = expect_context::<TradeCount>();

    let listing = LocalResource::new({
        let chain = chain.clone();
        move || {
            trades.0.track();
            let market = chain.market.clone();
            async move {
                match market {
                    Some(market) => market.listing(token_id).await,
                    None => Ok(None),
                }
            }
        }
    });
    let on_confirmed = Callback::new(move |_| trades.0.update(|count| *count += 1));

    view! {
        <section class="panel" aria-labelledby="market-heading" data-testid="market-panel">
            <h2 id="market-heading">"Market"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading the listing…"</p> }>
                <ErrorBoundary fallback=error_list>
                    {move || Suspend::new({
                        let chain = chain.clone();
                        async move {
                            listing.await.map(|listing| match (listing, chain.market.clone()) {
                                (Some(listing), Some(market)) => {
                                    let own = move || wallet.connection.get().map(|c| c.account) == Some(listing.seller);
                                    let request = Signal::derive(move || Ok(market.buy(&listing)));
                                    view! {
                                        <p data-testid="listing">
                                            {format!("Listed for {} by {}", listing.price, listing.seller.short())}
                                        </p>
                                        <Show when=move || !own() fallback=|| view! { <p class="notice">"This is your listing."</p> }>
                                            <TransactButton
                                                label=format!("Buy for {}", listing.price)
                                                request=request
                                                on_confirmed=on_confirmed
                                            />
                                        </Show>
                                    }
                                        .into_any()
                                }
                                _ => view! { <p class="empty" data-testid="listing">"Not listed for sale."</p> }.into_any(),
                            })
                        }
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
