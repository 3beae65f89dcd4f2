//! The line under a panel that says where what it shows was read.

use leptos::prelude::*;

use crate::store::{ChainStore, HistorySource};

/// Where the collection's history the panel shows comes from: the indexer (to which block) or the
/// chain, read by this browser.
#[component]
pub fn HistorySourceLine() -> impl IntoView {
    let store = expect_context::<ChainStore>();
    move || {
        store.history_source().map(|source| {
            let words = match source {
                HistorySource::Indexer { indexed, block } if indexed >= block => {
                    format!("From the indexer, at block {indexed}.")
                }
                HistorySource::Indexer { indexed, block } => {
                    format!("From the indexer to block {indexed}, then the chain to block {block}.")
                }
                HistorySource::Chain { block } => format!("Read from the chain by this browser, to block {block}."),
            };
            view! { <p class="hint source" data-testid="source">{words}</p> }
        })
    }
}
