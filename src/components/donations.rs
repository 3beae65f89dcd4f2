//! Donated work, from HashLedger's `WorkCredited` events.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::ChainContext;
use crate::components::errors::error_list;
use crate::data::now_seconds;
use crate::domain::donations::{self, format_work, Donations};
use crate::miner::meter::format_rate;

/// How many contributors a twin page names.
const TOP_CONTRIBUTORS: usize = 5;

/// Every credit the ledger has recorded, refreshed with each block. `None` where there is no ledger.
pub fn use_credits() -> LocalResource<Result<Vec<donations::Credit>, String>> {
    let chain = expect_context::<ChainContext>();
    LocalResource::new(move || {
        chain.head.track();
        let ledger = chain.ledger.clone();
        async move {
            match ledger {
                Some(ledger) => ledger.credits().await.map_err(|error| error.to_string()),
                None => Ok(Vec::new()),
            }
        }
    })
}

/// A twin's donated work, hashrate and top contributors.
#[component]
pub fn DonatedWork(twin_id: u64) -> impl IntoView {
    let credits = use_credits();
    view! {
        <section class="panel" aria-labelledby="donated-heading" data-testid="donated-work">
            <h2 id="donated-heading">"Donated work"</h2>
            <Transition fallback=|| view! { <p class="loading">"Reading the ledger…"</p> }>
                <ErrorBoundary fallback=error_list>
                    {move || Suspend::new(async move {
                        credits.await.map(|credits| {
                            let twin = donations::by_twin(&credits, now_seconds()).remove(&twin_id).unwrap_or_default();
                            view! { <DonationSummary twin/> }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <A href=format!("/mine?twin={twin_id}")>"Donate hashrate to this twin"</A>
        </section>
    }
}

#[component]
fn DonationSummary(twin: Donations) -> impl IntoView {
    if twin.shares == 0 {
        return view! { <p class="empty">"No work donated yet."</p> }.into_any();
    }
    view! {
        <dl class="spec">
            <dt>"Work"</dt><dd data-testid="donated-total">{format_work(twin.work)}</dd>
            <dt>"Shares"</dt><dd>{twin.shares}</dd>
            <dt>"Hashrate, last 24 h"</dt><dd>{format_rate(twin.hashrate)}</dd>
        </dl>
        <h3>"Top contributors"</h3>
        <ol class="contributors" data-testid="top-contributors">
            {twin
                .contributors
                .into_iter()
                .take(TOP_CONTRIBUTORS)
                .map(|contribution| {
                    view! {
                        <li>
                            <span class="mono" title=contribution.contributor.to_string()>{contribution.contributor.short()}</span>
                            " "{format_work(contribution.work)}" in "{contribution.shares}" shares"
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
        .into_any()
}
