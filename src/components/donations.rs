//! Donated work, from HashLedger's `WorkCredited` events as the catalog reads them.

use leptos::prelude::*;

use crate::components::account::AccountName;
use crate::components::source::HistorySourceLine;
use leptos_router::components::A;

use crate::domain::donations::{format_work, Donations};
use crate::miner::meter::format_rate;

/// How many contributors a twin page names.
const TOP_CONTRIBUTORS: usize = 5;

/// A twin's donated work, hashrate and top contributors, from the catalog's credits.
#[component]
pub fn DonatedWork(twin_id: u64, donations: Donations) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="donated-heading" data-testid="donated-work">
            <h2 id="donated-heading">"Donated work"</h2>
            <DonationSummary twin=donations/>
            <A href=format!("/mine?twin={twin_id}")>"Donate hashrate to this twin"</A>
            <HistorySourceLine/>
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
                            <AccountName address=contribution.contributor/>
                            " "{format_work(contribution.work)}" in "{contribution.shares}" shares"
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}
