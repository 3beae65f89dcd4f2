//! The view of the transaction path: a button that shows the fee before the wallet opens, then
//! follows the transaction to its receipt, and toasts that report each step.

use leptos::prelude::*;

use crate::chain::tx::{self, FeeQuote, RecentTx, TxError, TxRequest, TxStatus};
use crate::components::wallet::WalletContext;
use crate::domain::Wei;
use crate::store::ChainStore;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToastKind {
    Pending,
    Success,
    Failure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
    hash: Option<String>,
}

/// Every toast on screen, newest last.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toasts {
    pub fn new() -> Self {
        Self { list: RwSignal::new(Vec::new()), next_id: StoredValue::new(0) }
    }

    /// Shows a toast, or replaces the one with the same hash (a pending one that settled).
    fn show(&self, kind: ToastKind, text: String, hash: Option<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|list| {
            list.retain(|toast| hash.is_none() || toast.hash != hash);
            list.push(Toast { id, kind, text, hash });
        });
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|list| list.retain(|toast| toast.id != id));
    }
}

impl Default for Toasts {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn ToastArea() -> impl IntoView {
    let toasts = expect_context::<Toasts>();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|toast| toast.id let:toast>
                <div
                    class="toast"
                    class:pending=toast.kind == ToastKind::Pending
                    class:success=toast.kind == ToastKind::Success
                    class:failure=toast.kind == ToastKind::Failure
                    data-testid="toast"
                >
                    <span>{toast.text.clone()}</span>
                    {toast.hash.clone().map(|hash| view! { <code class="mono" title=hash.clone()>{short_hash(&hash)}</code> })}
                    <button class="quiet" aria-label="Dismiss" on:click=move |_| toasts.dismiss(toast.id)>"×"</button>
                </div>
            </For>
        </div>
    }
}

/// `0x1234ab…cdef01`: enough of a transaction hash to match it in an explorer.
pub fn short_hash(hash: &str) -> String {
    if hash.len() > 14 {
        format!("{}…{}", &hash[..8], &hash[hash.len() - 6..])
    } else {
        hash.to_string()
    }
}

/// Where a write stands, from the click to its receipt.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Idle,
    Quoting,
    Confirm(TxRequest, FeeQuote),
    InWallet,
    Mining(String),
    Done,
    /// The contract refused the call, for a reason that means what the user wanted is done.
    Settled(String),
    Cancelled,
    Failed(String),
}

/// A button for one write. `request` builds the transaction when the button is pressed, or says in
/// words why the inputs do not make one; nothing reaches the wallet until the fee has been shown
/// and confirmed. A transaction that lands makes the store read the new blocks at once.
/// `settled` recognises a failure that is not one (shares someone else already had credited) and
/// says in words what it means, which the button then shows as the outcome rather than an error;
/// `on_confirmed` runs only for a transaction that went through.
#[component]
pub fn TransactButton(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] request: Callback<(), Result<TxRequest, String>>,
    #[prop(optional, into)] on_confirmed: Option<Callback<()>>,
    /// Called with the transaction's hash as soon as the wallet has sent it, before its receipt:
    /// for what must be remembered even if the page is closed while it is mined.
    #[prop(optional, into)]
    on_sent: Option<Callback<String>>,
    #[prop(optional, into)] settled: Option<Callback<TxError, Option<String>>>,
) -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let toasts = expect_context::<Toasts>();
    let step = RwSignal::new(Step::Idle);
    // What a failure comes to: settled, in the caller's words, or failed with its reason.
    let outcome = move |error: TxError| -> Step {
        match settled.and_then(|settled| settled.run(error.clone())) {
            Some(words) => Step::Settled(words),
            None => Step::Failed(error.to_string()),
        }
    };

    // What a transaction's own task reports once it resumes. The button may be gone by then (its
    // page redrew for a new block, or the step it belongs to was left): the toast and the recent
    // list still tell the outcome, so a button that no longer exists is simply not updated.
    let settle = move |next: Step| {
        let _ = step.try_set(next);
    };

    let begin = {
        let chain = chain.clone();
        move |_| {
            let Some(connection) = wallet.connection.get_untracked() else {
                step.set(Step::Failed("Connect a wallet first.".into()));
                return;
            };
            if connection.chain_id != chain.network.chain_id {
                step.set(Step::Failed(format!("Switch your wallet to {} first.", chain.network.name)));
                return;
            }
            let request = match request.run(()) {
                Ok(request) => request,
                Err(message) => {
                    step.set(Step::Failed(message));
                    return;
                }
            };
            step.set(Step::Quoting);
            let rpc = chain.rpc.clone();
            leptos::task::spawn_local(async move {
                match tx::quote(&rpc, connection.account, &request).await {
                    Ok(quote) => settle(Step::Confirm(request, quote)),
                    Err(error) => settle(outcome(error)),
                }
            });
        }
    };

    let confirm = {
        let chain = chain.clone();
        move |request: TxRequest, quote: FeeQuote| {
            let (Some(connection), Some(provider)) = (wallet.connection.get_untracked(), wallet.active_wallet()) else {
                step.set(Step::Failed("Connect a wallet first.".into()));
                return;
            };
            step.set(Step::InWallet);
            let rpc = chain.rpc.clone();
            let chain_id = chain.network.chain_id;
            let store = chain.clone();
            leptos::task::spawn_local(async move {
                let account = connection.account;
                let hash = match tx::send(&provider, account, &request, &quote).await {
                    Ok(hash) => hash,
                    Err(TxError::Cancelled) => return settle(Step::Cancelled),
                    Err(error) => return settle(outcome(error)),
                };
                let remember = |status| {
                    let entry = RecentTx { hash: hash.clone(), label: request.label.clone(), status };
                    if let Err(why) = tx::remember(chain_id, account, entry) {
                        toasts.show(ToastKind::Failure, why, None);
                    }
                };
                remember(TxStatus::Pending);
                if let Some(on_sent) = on_sent {
                    on_sent.try_run(hash.clone());
                }
                toasts.show(ToastKind::Pending, format!("{}: pending", request.label), Some(hash.clone()));
                settle(Step::Mining(hash.clone()));
                match tx::wait_for_receipt(&rpc, &hash, account, &request).await {
                    Ok(_) => {
                        store.refresh();
                        remember(TxStatus::Confirmed);
                        toasts.show(ToastKind::Success, format!("{}: done", request.label), Some(hash.clone()));
                        settle(Step::Done);
                        if let Some(on_confirmed) = on_confirmed {
                            on_confirmed.try_run(());
                        }
                    }
                    Err(error) => {
                        let message = error.to_string();
                        // The transaction did fail, and the list says so; the page says what it means.
                        remember(TxStatus::Failed(message.clone()));
                        match outcome(error) {
                            Step::Settled(words) => {
                                toasts.show(
                                    ToastKind::Success,
                                    format!("{}: {words}", request.label),
                                    Some(hash.clone()),
                                );
                                settle(Step::Settled(words));
                            }
                            failed => {
                                toasts.show(
                                    ToastKind::Failure,
                                    format!("{}: {message}", request.label),
                                    Some(hash.clone()),
                                );
                                settle(failed);
                            }
                        }
                    }
                }
            });
        }
    };

    let busy = move || matches!(step.get(), Step::Quoting | Step::InWallet | Step::Mining(_));

    view! {
        <div class="transact">
            <button class="primary" on:click=begin disabled=busy>
                {move || match step.get() {
                    Step::Quoting => "Estimating the fee…".to_string(),
                    Step::InWallet => "Confirm in your wallet…".to_string(),
                    Step::Mining(_) => "Waiting for the block…".to_string(),
                    _ => label.get(),
                }}
            </button>
            {move || match step.get() {
                Step::Confirm(request, quote) => {
                    let fee = fee_words(&quote);
                    let total = request.value.checked_add(quote.max_fee()).unwrap_or(request.value);
                    let confirm = confirm.clone();
                    view! {
                        <div class="confirm" role="group" aria-label="Confirm transaction" data-testid="confirm">
                            <p>{request.label.clone()}</p>
                            <p class="fee" data-testid="fee">{fee}</p>
                            <p class="fee">{format!("At most {} in all.", total.format_ether(6))}</p>
                            <button class="primary" on:click=move |_| confirm(request.clone(), quote)>"Confirm in wallet"</button>
                            <button class="quiet" on:click=move |_| step.set(Step::Idle)>"Cancel"</button>
                        </div>
                    }
                        .into_any()
                }
                Step::Cancelled => view! { <p class="notice" role="status">"Cancelled in your wallet. Nothing was sent."</p> }.into_any(),
                Step::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Step::Done => view! { <p class="ok" role="status">"Done."</p> }.into_any(),
                Step::Settled(words) => view! { <p class="ok" role="status">{words}</p> }.into_any(),
                _ => ().into_any(),
            }}
        </div>
    }
}

/// "Network fee: up to 0.00042 ETH (120000 gas at up to 3.5 gwei)".
fn fee_words(quote: &FeeQuote) -> String {
    format!(
        "Network fee: up to {} ({} gas at up to {}).",
        quote.max_fee().format_ether(6),
        quote.gas_limit,
        Wei(quote.max_fee_per_gas.0).format_gwei(2)
    )
}
