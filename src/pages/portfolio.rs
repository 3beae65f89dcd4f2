use leptos::prelude::*;

use crate::app::ChainContext;
use crate::chain::tx::{self, TxStatus};
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
            <RecentTransactions/>
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

/// This account's recent transactions on this chain, as remembered in this browser.
#[component]
fn RecentTransactions() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let wallet = expect_context::<WalletContext>();
    let chain_id = chain.network.chain_id;
    let recent = move || {
        chain.head.track();
        wallet.connection.get().map(|connection| tx::recent(chain_id, connection.account)).unwrap_or_default()
    };
    view! {
        <section class="panel" aria-labelledby="recent-heading">
            <h2 id="recent-heading">"Recent transactions"</h2>
            <Show when=move || !recent().is_empty() fallback=|| view! { <p class="empty">"None yet from this browser."</p> }>
                <ul class="recent" data-testid="recent-transactions">
                    {move || {
                        recent()
                            .into_iter()
                            .map(|entry| {
                                let status = match &entry.status {
                                    TxStatus::Pending => "pending".to_string(),
                                    TxStatus::Confirmed => "confirmed".to_string(),
                                    TxStatus::Failed(reason) => format!("failed: {reason}"),
                                };
                                view! {
                                    <li>
                                        <span>{entry.label}</span>" · "<span>{status}</span>" · "
                                        <code class="mono">{entry.hash}</code>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
        </section>
    }
}
