use leptos::prelude::*;

use crate::app::ChainContext;
use crate::components::errors::error_list;
use crate::components::twin_card::TwinCard;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::domain::Wei;

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
            <Proceeds/>
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

/// Sale proceeds, royalties and refunds waiting to be withdrawn (the market pays by pull).
#[component]
fn Proceeds() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let wallet = expect_context::<WalletContext>();
    let withdrawals = RwSignal::new(0u64);
    let proceeds = LocalResource::new({
        let chain = chain.clone();
        move || {
            withdrawals.track();
            let market = chain.market.clone();
            let account = wallet.connection.get().map(|connection| connection.account);
            async move {
                match (market, account) {
                    (Some(market), Some(account)) => market.proceeds_of(account).await,
                    _ => Ok(Wei::ZERO),
                }
            }
        }
    });
    let on_confirmed = Callback::new(move |_| withdrawals.update(|count| *count += 1));

    view! {
        <section class="panel" aria-labelledby="proceeds-heading">
            <h2 id="proceeds-heading">"Proceeds"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                <ErrorBoundary fallback=error_list>
                    {move || Suspend::new({
                        let market = chain.market.clone();
                        async move {
                            proceeds.await.map(|amount| match market {
                                Some(market) if amount > Wei::ZERO => {
                                    let request = Signal::derive(move || Ok(market.withdraw(amount)));
                                    view! {
                                        <p data-testid="proceeds">{format!("{amount} to withdraw.")}</p>
                                        <TransactButton label=format!("Withdraw {amount}") request on_confirmed/>
                                    }
                                        .into_any()
                                }
                                _ => view! { <p class="empty" data-testid="proceeds">"Nothing to withdraw."</p> }.into_any(),
                            })
                        }
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
