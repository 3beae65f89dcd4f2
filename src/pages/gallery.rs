use leptos::prelude::*;

use crate::app::ChainContext;
use crate::components::errors::error_list;
use crate::components::twin_card::TwinCard;

#[component]
pub fn GalleryPage() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    // Tracks the head: each new block resumes the indexer from where it stopped.
    let twins = LocalResource::new(move || {
        chain.head.track();
        let registry = chain.registry.clone();
        async move {
            match registry {
                Some(registry) => registry.twins().await,
                None => Ok(Vec::new()),
            }
        }
    });

    view! {
        <h1>"Gallery"</h1>
        <p class="lede">"Every mining rig with a twin on chain. No wallet needed to look."</p>
        <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading twins…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move {
                    twins.await.map(|twins| {
                        if twins.is_empty() {
                            view! { <p class="empty">"No twins minted yet."</p> }.into_any()
                        } else {
                            view! {
                                <p class="count" data-testid="twin-count">{twins.len()}" twins"</p>
                                <div class="twin-grid">
                                    {twins.into_iter().rev().map(|twin| view! { <TwinCard twin/> }).collect_view()}
                                </div>
                            }.into_any()
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
