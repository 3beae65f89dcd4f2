//! One twin: its rig, roles, market, telemetry, earnings, maintenance, provenance and donations.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::app::ChainContext;
use crate::components::donations::DonatedWork;
use crate::components::errors::error_list;
use crate::components::market_panel::MarketPanel;
use crate::components::operator_tools::{OperatorOffer, OperatorTools};
use crate::components::telemetry::{ProfitabilityPanel, TelemetryPanel};
use crate::components::tx::short_hash;
use crate::components::wallet::WalletContext;
use crate::data::{now_seconds, use_catalog, Catalog};
use crate::domain::activity::{provenance, TwinEvent};
use crate::domain::calendar::Date;
use crate::domain::chart::badge_svg;
use crate::domain::donations;
use crate::domain::mint_form::format_efficiency;
use crate::domain::twin::{format_hashrate, format_power};
use crate::domain::{Twin, TwinStatus};

#[component]
pub fn TwinPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<u64>().ok());
    let resource = use_catalog();
    let on_trade = Callback::new(move |_| resource.refetch());

    view! {
        <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading twin…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move {
                    let id = id();
                    resource.await.map(|catalog| {
                        match id.and_then(|id| catalog.twins.iter().find(|twin| twin.id == id).cloned()) {
                            Some(twin) => view! { <TwinDetails twin catalog on_trade/> }.into_any(),
                            None => view! {
                                <h1>"No such twin"</h1>
                                <p class="empty">"No twin has this id. " <a href="/">"Back to the gallery"</a></p>
                            }
                                .into_any(),
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn TwinDetails(twin: Twin, catalog: Catalog, on_trade: Callback<()>) -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let status = catalog.book.status(twin.id).unwrap_or(TwinStatus::Active);
    let owner = catalog.book.owner(twin.id).map(|owner| owner.to_string()).unwrap_or_default();
    let operator = catalog.book.operator(twin.id).unwrap_or(twin.operator);
    let reporter = catalog.book.reporter(twin.id).unwrap_or(twin.reporter);
    let pending_operator = catalog.book.pending_operator(twin.id);
    let wallet = expect_context::<WalletContext>();
    // Only the operator sees the tools, and only the proposed operator the offer.
    let role_tools = move || match wallet.connection.get().map(|connection| connection.account) {
        Some(account) if account == operator => {
            view! { <OperatorTools twin_id=twin.id status operator reporter pending_operator on_done=on_trade/> }
                .into_any()
        }
        Some(account) if Some(account) == pending_operator => {
            view! { <OperatorOffer twin_id=twin.id operator on_done=on_trade/> }.into_any()
        }
        _ => ().into_any(),
    };
    let history = provenance(&catalog.events, twin.id);
    let donated = donations::by_twin(&catalog.credits, now_seconds()).remove(&twin.id).unwrap_or_default();
    let spec = twin.spec.clone();
    let efficiency = spec.efficiency_j_per_th().map(format_efficiency).unwrap_or_default();
    let twin_id = twin.id;

    let telemetry = LocalResource::new({
        let registry = chain.registry.clone();
        move || {
            chain.head.track();
            let registry = registry.clone();
            async move {
                match registry {
                    Some(registry) => registry.activity().telemetry(twin_id).await.map_err(|error| error.to_string()),
                    None => Ok(Vec::new()),
                }
            }
        }
    });
    let maintenance = LocalResource::new({
        let registry = chain.registry.clone();
        move || {
            let registry = registry.clone();
            async move {
                match registry {
                    Some(registry) => registry.activity().maintenance(twin_id).await.map_err(|error| error.to_string()),
                    None => Ok(Vec::new()),
                }
            }
        }
    });

    view! {
        <div class="twin-header">
            <div class="badge" inner_html=badge_svg(&spec, status)></div>
            <div>
                <h1>{spec.display_name()}" "<span class="twin-id">"#"{twin.id}</span></h1>
                <p><span class=format!("status {}", status.label().to_lowercase()) data-testid="status">{status.label()}</span>
                    " · "{format_hashrate(spec.hashrate_ghs)}" · "{efficiency.clone()}</p>
            </div>
        </div>
        <section class="panel" aria-labelledby="spec-heading">
            <h2 id="spec-heading">"Rig"</h2>
            <dl class="spec" data-testid="twin-spec">
                <dt>"Manufacturer"</dt><dd>{spec.manufacturer.clone()}</dd>
                <dt>"Model"</dt><dd>{spec.model.clone()}</dd>
                <dt>"Nominal hashrate"</dt><dd>{format_hashrate(spec.hashrate_ghs)}</dd>
                <dt>"Nominal power"</dt><dd>{format_power(spec.power_watts.into())}</dd>
                <dt>"Efficiency"</dt><dd>{efficiency}</dd>
                <dt>"Location"</dt><dd>{spec.location.clone()}</dd>
                <dt>"Commissioned"</dt><dd>{Date::from_unix(spec.commissioned_at).to_string()}</dd>
                <dt>"Serial hash"</dt><dd class="mono">{format!("0x{}", hex::encode(spec.serial_hash))}</dd>
            </dl>
        </section>
        <section class="panel" aria-labelledby="roles-heading">
            <h2 id="roles-heading">"Roles"</h2>
            <dl class="spec">
                <dt>"Owner"</dt><dd class="mono" data-testid="owner">{owner}</dd>
                <dt>"Operator"</dt><dd class="mono" data-testid="operator">{operator.to_string()}</dd>
                <dt>"Reporter key"</dt><dd class="mono" data-testid="reporter">{reporter.to_string()}</dd>
                {pending_operator.map(|pending| view! {
                    <dt>"Operator offered to"</dt><dd class="mono" data-testid="proposed-operator">{pending.to_string()}</dd>
                })}
                <dt>"Royalty"</dt><dd>{format!("{}% ({} bps)", twin.royalty_percent(), twin.royalty_bps)}</dd>
            </dl>
        </section>
        <MarketPanel twin_id catalog on_trade/>
        {role_tools}
        <Transition fallback=|| view! { <section class="panel"><p class="loading">"Loading telemetry…"</p></section> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new({
                    let spec = spec.clone();
                    async move {
                        telemetry.await.map(|samples| view! {
                            <TelemetryPanel samples=samples.clone() spec=spec.clone()/>
                            <ProfitabilityPanel samples spec/>
                        })
                    }
                })}
            </ErrorBoundary>
        </Transition>
        <section class="panel" aria-labelledby="maintenance-heading">
            <h2 id="maintenance-heading">"Maintenance log"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                <ErrorBoundary fallback=error_list>
                    {move || Suspend::new(async move {
                        maintenance.await.map(|entries| {
                            if entries.is_empty() {
                                return view! { <p class="empty">"Nothing logged yet."</p> }.into_any();
                            }
                            view! {
                                <ol class="timeline" data-testid="maintenance">
                                    {entries.into_iter().rev().filter_map(|entry| match entry.twin_event() {
                                        Some((_, TwinEvent::Maintenance { kind, note, timestamp })) => Some(view! {
                                            <li>
                                                <strong>{kind.label()}</strong>
                                                <span>{note.clone()}</span>
                                                <span class="meta">{Date::from_unix(*timestamp).to_string()}" · block "{entry.block}</span>
                                            </li>
                                        }),
                                        _ => None,
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
        <section class="panel" aria-labelledby="provenance-heading">
            <h2 id="provenance-heading">"Provenance"</h2>
            <ol class="timeline" data-testid="provenance">
                {history.into_iter().rev().map(|entry| view! {
                    <li>
                        <span>{entry.describe()}</span>
                        <span class="meta">"block "{entry.block}" · "<code class="mono" title=entry.tx_hash.clone()>{short_hash(&entry.tx_hash)}</code></span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
        <DonatedWork twin_id donations=donated/>
    }
}
