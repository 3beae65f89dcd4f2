//! What is for sale now, cheapest first, and what sold lately.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::errors::error_list;
use crate::components::twin_card::TwinCard;
use crate::components::tx::short_hash;
use crate::data::{now_seconds, use_catalog, Catalog};
use crate::domain::activity::TwinEvent;

/// Sales the page lists; the full history of a twin is on its page.
const RECENT_SALES: usize = 20;

#[component]
pub fn MarketPage() -> impl IntoView {
    let catalog = use_catalog();
    view! {
        <h1>"Market"</h1>
        <p class="lede">"Twins for sale at a fixed price, cheapest first. Every sale pays the operator's royalty."</p>
        <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading the market…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move { catalog.await.map(|catalog| view! { <Listings catalog/> }) })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Listings(catalog: Catalog) -> impl IntoView {
    let mut for_sale: Vec<_> =
        catalog.gallery_entries(now_seconds()).into_iter().filter(|entry| entry.listing_price.is_some()).collect();
    for_sale.sort_by_key(|entry| (entry.listing_price, entry.twin.id));
    let mut sales: Vec<_> = catalog
        .events
        .iter()
        .filter_map(|located| match &located.event {
            TwinEvent::Sold { seller, buyer, price, via_offer, .. } => Some((
                located.block,
                located.log_index,
                located.twin_id,
                *seller,
                *buyer,
                *price,
                *via_offer,
                located.tx_hash.clone(),
            )),
            _ => None,
        })
        .collect();
    sales.sort_by_key(|sale| std::cmp::Reverse((sale.0, sale.1)));
    sales.truncate(RECENT_SALES);

    view! {
        <section aria-labelledby="for-sale-heading">
            <h2 id="for-sale-heading">{format!("For sale ({})", for_sale.len())}</h2>
            {if for_sale.is_empty() {
                view! { <p class="empty">"No twins are listed for sale on this network yet."</p> }.into_any()
            } else {
                view! { <div class="twin-grid" data-testid="for-sale">{for_sale.into_iter().map(|entry| view! { <TwinCard entry/> }).collect_view()}</div> }.into_any()
            }}
        </section>
        <section class="panel" aria-labelledby="sales-heading">
            <h2 id="sales-heading">"Recent sales"</h2>
            {if sales.is_empty() {
                view! { <p class="empty">"Nothing has sold yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline" data-testid="recent-sales">
                        {sales.into_iter().map(|(block, _, twin_id, seller, buyer, price, via_offer, tx_hash)| view! {
                            <li>
                                <A href=format!("/twin/{twin_id}")>{format!("Twin #{twin_id}")}</A>
                                <span>{format!("{price} from {} to {}{}", seller.short(), buyer.short(), if via_offer { " (offer)" } else { "" })}</span>
                                <span class="meta">"block "{block}" · "<code class="mono">{short_hash(&tx_hash)}</code></span>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}
