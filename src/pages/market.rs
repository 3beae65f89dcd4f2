//! What is for sale now, cheapest first, and what sold lately.

use leptos::prelude::*;

use crate::components::source::HistorySourceLine;
use leptos_router::components::A;

use crate::components::account::{AccountName, TxLink};
use crate::components::twin_card::TwinCard;
use crate::domain::Sale;
use crate::store::{Catalog, ChainStore};

/// Sales the page lists; the full history of a twin is on its page.
const RECENT_SALES: usize = 20;

crate::pages::lazy::lazy_route!(
    /// `/market`, downloaded on the first visit.
    MarketRoute,
    route_market,
    MarketPage
);

#[component]
pub fn MarketPage() -> impl IntoView {
    crate::components::page_title(|| "Market".to_string());
    let catalog = expect_context::<ChainStore>().catalog();
    view! {
        <h1>"Market"</h1>
        <p class="lede">"Twins for sale at a fixed price, whole or in shares, cheapest first (a split twin at its cheapest lot's price for the whole). Every sale pays the operator's royalty."</p>
        {move || match catalog.get() {
            None => view! { <p class="loading" aria-busy="true">"Loading the market…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            Some(Ok(catalog)) => view! { <Listings catalog/> }.into_any(),
        }}
    }
}

#[component]
fn Listings(catalog: Catalog) -> impl IntoView {
    let mut for_sale: Vec<_> =
        catalog.gallery_entries(catalog.now()).into_iter().filter(|entry| entry.asking_price().is_some()).collect();
    for_sale.sort_by_key(|entry| (entry.asking_price(), entry.twin.id));
    let sales: Vec<Sale> = catalog.book().sales().iter().rev().take(RECENT_SALES).cloned().collect();

    view! {
        <section aria-labelledby="for-sale-heading">
            <h2 id="for-sale-heading">{format!("For sale ({})", for_sale.len())}</h2>
            {if for_sale.is_empty() {
                view! { <p class="empty">"No twins are listed for sale on this network yet."</p> }.into_any()
            } else {
                view! { <div class="twin-grid" data-testid="for-sale">{for_sale.into_iter().map(|entry| view! { <TwinCard entry/> }).collect_view()}</div> }.into_any()
            }}
            <HistorySourceLine/>
        </section>
        <section class="panel" aria-labelledby="sales-heading">
            <h2 id="sales-heading">"Recent sales"</h2>
            {if sales.is_empty() {
                view! { <p class="empty">"Nothing has sold yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline" data-testid="recent-sales">
                        {sales.into_iter().map(|sale| view! {
                            <li>
                                <A href=format!("/twin/{}", sale.twin_id)>{format!("Twin #{}", sale.twin_id)}</A>
                                <span>
                                    {format!("{} from ", sale.price)}<AccountName address=sale.seller/>" to "<AccountName address=sale.buyer/>
                                    {if sale.via_offer { " (offer)" } else { "" }}
                                </span>
                                <span class="meta">"block "{sale.block}" · "<TxLink hash=sale.tx_hash.clone()/></span>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <HistorySourceLine/>
        </section>
    }
}
