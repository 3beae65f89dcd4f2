use leptos::prelude::*;

use crate::app::ChainContext;
use crate::components::errors::error_list;
use crate::components::twin_card::TwinCard;
use crate::components::wallet::WalletContext;

#[component]
pub fn PortfolioPage() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let wallet = expect_context::<WalletContext>();

    let operated = LocalResource::new(move || {
        let registry = chain.registry.clone();
        let account = wallet.connection.get().map(|connection| connection.account);
        async move {
            match (registry, account) {
                (Some(registry), Some(account)) => registry
                    .twins()
                    .await
                    .map(|twins| twins.into_iter().filter(|twin| twin.operator == account).collect::<Vec<_>>()),
                _ => Ok(Vec::new()),
            }
        }
    });

    view! {
        <h1>"Portfolio"</h1>
        <Show
            when=move || wallet.connection.get().is_some()
            fallback=|| view! { <p class="empty">"Connect a wallet to see the twins you operate."</p> }
        >
            <h2>"Twins you operate"</h2>
            <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading…"</p> }>
                <ErrorBoundary fallback=error_list>
                    {move || Suspend::new(async move {
                        operated.await.map(|twins| {
                            if twins.is_empty() {
                                view! { <p class="empty">"You operate no twins yet."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="twin-grid">
                                        {twins.into_iter().map(|twin| view! { <TwinCard twin/> }).collect_view()}
                                    </div>
                                }.into_any()
                            }
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </Show>
    }
}
