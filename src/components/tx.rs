//! The view of the transaction path: a button that shows the fee before the wallet opens, then
//! follows the transaction to its receipt, and toasts that report each step.

use leptos::prelude::*;

use crate::chain::batch::{self, BatchPath};
use crate::chain::tx::{self, Explained, FeeQuote, RecentTx, TxError, TxRequest, TxStatus};
use crate::chain::wallet::InjectedWallet;
use crate::components::account::TxLink;
use crate::components::wallet::WalletContext;
use crate::domain::{Address, Wei};
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

/// Long enough to read a sentence and reach its explorer link.
const SUCCESS_TOAST_MS: u32 = 8_000;

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

    /// Shows a toast, or replaces the one with the same hash (a pending one that settled). Good
    /// news closes itself once read; a failure stays until it is dismissed or retried.
    fn show(&self, kind: ToastKind, text: String, hash: Option<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let closes_itself = kind == ToastKind::Success;
        self.list.update(|list| {
            list.retain(|toast| hash.is_none() || toast.hash != hash);
            list.push(Toast { id, kind, text, hash });
        });
        if closes_itself {
            let toasts = *self;
            gloo_timers::callback::Timeout::new(SUCCESS_TOAST_MS, move || toasts.dismiss(id)).forget();
        }
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
                    {toast.hash.clone().map(|hash| view! { <TxLink hash/> })}
                    <button class="quiet" aria-label="Dismiss" on:click=move |_| toasts.dismiss(toast.id)>"×"</button>
                </div>
            </For>
        </div>
    }
}

/// How a write ended.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Done,
    /// The contract refused the call, for a reason that means what the user wanted is done.
    Settled(String),
    Cancelled,
    Failed(Explained),
}

/// Where a write stands, from the click to its receipt, as the button shows it.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Idle,
    Quoting,
    Confirm(TxRequest, FeeQuote),
    InWallet,
    Mining,
    Over(Outcome),
}

/// What the user last asked of the button. The actions say whether a step is under way and how
/// it ended, but not which of them the button is showing: a quote's result stays in its action
/// after Cancel, and a send's after the next click.
#[derive(Debug, Clone, PartialEq)]
enum Focus {
    Idle,
    /// The click made no transaction, for this reason: nothing was asked of the chain.
    Refused(String),
    Quote,
    Wallet,
    /// The wallet sent it; the receipt is awaited.
    Block,
}

/// A transaction whose fee the user confirmed, with all that sending it takes.
#[derive(Clone)]
struct Approved {
    provider: InjectedWallet,
    account: Address,
    request: TxRequest,
    quote: FeeQuote,
}

/// A button for one write. `request` builds the transaction when the button is pressed, or says in
/// words why the inputs do not make one; nothing reaches the wallet until the fee has been shown
/// and confirmed. A transaction that lands makes the store read the new blocks at once.
/// `settled` recognises a failure that is not one (shares someone else already had credited) and
/// says in words what it means, which the button then shows as the outcome rather than an error;
/// `on_confirmed` runs only for a transaction that went through.
///
/// The quote and the send are Actions. A send outlives its button: a page that redraws while the
/// transaction is mined disposes the button and its Action, but not the Action's task, which holds
/// its own references and runs to the receipt. So everything the outcome must reach whatever the
/// page did (toasts, the recent list, the store) is done in that task on app-wide state, and what
/// belongs to the button or its page is reached only through `try_` calls.
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
    let focus = RwSignal::new(Focus::Idle);
    // What a failure comes to: settled, in the caller's words, or failed with its reason. A caller
    // whose page is gone cannot say what a failure means, so it is then told as the failure it is.
    let outcome = move |error: TxError| -> Outcome {
        match settled.and_then(|settled| settled.try_run(error.clone()).flatten()) {
            Some(words) => Outcome::Settled(words),
            None => Outcome::Failed(error.explain()),
        }
    };

    let quote = Action::new_local({
        let rpc = chain.rpc.clone();
        move |(account, request): &(Address, TxRequest)| {
            let (rpc, account, request) = (rpc.clone(), *account, request.clone());
            async move {
                match tx::quote(&rpc, account, &request).await {
                    Ok(quote) => Ok((request, quote)),
                    Err(error) => Err(outcome(error)),
                }
            }
        }
    });

    let send = Action::new_local({
        let store = chain.clone();
        move |approved: &Approved| {
            let Approved { provider, account, request, quote } = approved.clone();
            let store = store.clone();
            async move {
                let hash = match tx::send(&provider, account, &request, &quote).await {
                    Ok(hash) => hash,
                    Err(TxError::Cancelled) => return Outcome::Cancelled,
                    Err(error) => return outcome(error),
                };
                let chain_id = store.network.chain_id;
                let remember = |status| remember(toasts, chain_id, account, &hash, &request.label, status);
                remember(TxStatus::Pending);
                if let Some(on_sent) = on_sent {
                    on_sent.try_run(hash.clone());
                }
                toasts.show(ToastKind::Pending, format!("{}: pending", request.label), Some(hash.clone()));
                // A button that is gone has nothing to show; the toast says it is pending.
                let _ = focus.try_set(Focus::Block);
                match tx::wait_for_receipt(&store.rpc, &hash, account, &request).await {
                    Ok(_) => {
                        // Here and not from the action's version: that counts cancelled and failed
                        // sends too, and belongs to a button that may be gone when the write lands.
                        store.refresh();
                        remember(TxStatus::Confirmed);
                        toasts.show(ToastKind::Success, format!("{}: done", request.label), Some(hash.clone()));
                        if let Some(on_confirmed) = on_confirmed {
                            on_confirmed.try_run(());
                        }
                        Outcome::Done
                    }
                    Err(error) => {
                        let message = error.explain().words;
                        // The transaction did fail, and the list says so; the page says what it means.
                        remember(TxStatus::Failed(message.clone()));
                        let outcome = outcome(error);
                        let (kind, text) = match &outcome {
                            Outcome::Settled(words) => (ToastKind::Success, words.as_str()),
                            _ => (ToastKind::Failure, message.as_str()),
                        };
                        toasts.show(kind, format!("{}: {text}", request.label), Some(hash.clone()));
                        outcome
                    }
                }
            }
        }
    });

    // Made once: each call of these makes a new signal, owned by the button until it goes.
    let (quoting, quoted) = (quote.pending(), quote.value());
    let (sending, sent) = (send.pending(), send.value());
    let step = Memo::new(move |_| {
        if quoting.get() {
            return Step::Quoting;
        }
        // Before the focus: while the wallet is asked, nothing may offer the write again.
        if sending.get() {
            return if focus.get() == Focus::Block { Step::Mining } else { Step::InWallet };
        }
        match focus.get() {
            Focus::Idle => Step::Idle,
            Focus::Refused(why) => Step::Over(Outcome::Failed(Explained { words: why, details: None })),
            Focus::Quote => match quoted.get() {
                Some(Ok((request, quote))) => Step::Confirm(request, quote),
                Some(Err(outcome)) => Step::Over(outcome),
                None => Step::Idle,
            },
            Focus::Wallet | Focus::Block => sent.get().map_or(Step::Idle, Step::Over),
        }
    });

    // Dropping the abort handles that dispatch returns does not abort: the task runs to its end.
    let begin = {
        let network = chain.network.clone();
        move |_| {
            let Some(connection) = wallet.connection.get_untracked() else {
                focus.set(Focus::Refused("Connect a wallet first.".into()));
                return;
            };
            if connection.chain_id != network.chain_id {
                focus.set(Focus::Refused(format!("Switch your wallet to {} first.", network.name)));
                return;
            }
            match request.run(()) {
                Ok(request) => {
                    focus.set(Focus::Quote);
                    quote.dispatch_local((connection.account, request));
                }
                Err(message) => focus.set(Focus::Refused(message)),
            }
        }
    };

    let confirm = move |request: TxRequest, quote: FeeQuote| {
        let (Some(connection), Some(provider)) = (wallet.connection.get_untracked(), wallet.active_wallet()) else {
            focus.set(Focus::Refused("Connect a wallet first.".into()));
            return;
        };
        focus.set(Focus::Wallet);
        send.dispatch_local(Approved { provider, account: connection.account, request, quote });
    };

    let busy = move || quoting.get() || sending.get();
    // Focus stays on the button that started the write, through the confirmation and the wallet:
    // `aria-disabled` rather than `disabled` while busy, which would drop the focus to the page.
    let button = NodeRef::<leptos::html::Button>::new();
    let refocus = move || {
        if let Some(button) = button.get_untracked() {
            let _ = button.focus();
        }
    };
    let begin = move |event| {
        if !busy() {
            begin(event);
        }
    };
    let confirm = move |request: TxRequest, quote: FeeQuote| {
        confirm(request, quote);
        refocus();
    };
    let dismiss = move || {
        focus.set(Focus::Idle);
        refocus();
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" && matches!(step.get_untracked(), Step::Confirm(..)) {
            event.prevent_default();
            dismiss();
        }
    };

    view! {
        <div class="transact" on:keydown=on_keydown>
            <button class="primary" node_ref=button on:click=begin aria-disabled=move || busy().to_string()>
                {move || match step.get() {
                    Step::Quoting => "Estimating the fee…".to_string(),
                    Step::InWallet => "Confirm in your wallet…".to_string(),
                    Step::Mining => "Waiting for the block…".to_string(),
                    _ => label.get(),
                }}
            </button>
            {move || match step.get() {
                Step::Confirm(request, quote) => {
                    let fee = fee_words(&quote);
                    let total = request.value.checked_add(quote.max_fee()).unwrap_or(request.value);
                    view! {
                        <div class="confirm" role="group" aria-label="Confirm transaction" data-testid="confirm">
                            <p>{request.label.clone()}</p>
                            <p class="fee" data-testid="fee">{fee}</p>
                            <p class="fee">{format!("At most {} in all.", total.format_ether(6))}</p>
                            <button class="primary" on:click=move |_| confirm(request.clone(), quote)>"Confirm in wallet"</button>
                            <button class="quiet" on:click=move |_| dismiss()>"Cancel"</button>
                        </div>
                    }
                        .into_any()
                }
                Step::Over(Outcome::Cancelled) => view! { <p class="notice" role="status">"Cancelled in your wallet. Nothing was sent."</p> }.into_any(),
                Step::Over(Outcome::Failed(Explained { words, details })) => view! {
                    <div class="error" role="alert">
                        <p>{words}</p>
                        {details.map(|details| view! {
                            <details class="raw-error"><summary>"Details"</summary><code class="mono">{details}</code></details>
                        })}
                    </div>
                }
                .into_any(),
                Step::Over(Outcome::Done) => view! { <p class="ok" role="status">"Done."</p> }.into_any(),
                Step::Over(Outcome::Settled(words)) => view! { <p class="ok" role="status">{words}</p> }.into_any(),
                _ => ().into_any(),
            }}
        </div>
    }
}

/// Where a set of writes stands, as [`BatchTransactButton`] shows it.
#[derive(Debug, Clone, PartialEq)]
enum SetStep {
    Idle,
    /// The click made no transactions, for this reason.
    Refused(String),
    Quoting,
    Confirm(Vec<TxRequest>, Vec<FeeQuote>, BatchPath),
    /// Waiting for the wallet: `asked` of `total` prompts so far (one for an atomic batch).
    InWallet {
        asked: usize,
        total: usize,
    },
    Mining,
    Over(SetOutcome),
}

#[derive(Debug, Clone, PartialEq)]
enum SetOutcome {
    Done(usize),
    /// Cancelled in the wallet after `landed` of the writes had gone through.
    Cancelled {
        landed: usize,
    },
    /// Every write went through, or failed in a way the caller says means it is done.
    Settled(String),
    Failed {
        landed: usize,
        explained: Explained,
    },
}

/// A button for several writes at once: all of them in one EIP-5792 `wallet_sendCalls` where the
/// wallet says it batches them atomically on this chain, else one transaction after another, each
/// followed to its receipt before the next is asked for. As with [`TransactButton`], the fees are
/// shown before the wallet opens; `on_confirmed` and `settled` are told which write (its index in
/// what `requests` returned) went through or failed.
#[component]
pub fn BatchTransactButton(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] requests: Callback<(), Result<Vec<TxRequest>, String>>,
    #[prop(into)] on_confirmed: Callback<usize>,
    #[prop(into)] settled: Callback<(usize, TxError), Option<String>>,
) -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let toasts = expect_context::<Toasts>();
    let step = RwSignal::new(SetStep::Idle);
    let told = Told { on_confirmed, settled };

    let quote = Action::new_local({
        let rpc = chain.rpc.clone();
        move |(provider, account, requests): &(InjectedWallet, Address, Vec<TxRequest>)| {
            let (rpc, provider, account, requests) = (rpc.clone(), provider.clone(), *account, requests.clone());
            let chain_id = chain.network.chain_id;
            async move {
                let mut quotes = Vec::with_capacity(requests.len());
                for (index, request) in requests.iter().enumerate() {
                    match tx::quote(&rpc, account, request).await {
                        Ok(quote) => quotes.push(quote),
                        Err(error) => {
                            let outcome = match settled.try_run((index, error.clone())).flatten() {
                                Some(words) => SetOutcome::Settled(words),
                                None => SetOutcome::Failed { landed: 0, explained: error.explain() },
                            };
                            let _ = step.try_set(SetStep::Over(outcome));
                            return;
                        }
                    }
                }
                let path = batch::path_for(&provider, account, chain_id).await;
                let _ = step.try_set(SetStep::Confirm(requests, quotes, path));
            }
        }
    });

    let send = Action::new_local({
        let store = chain.clone();
        move |approved: &(InjectedWallet, Address, Vec<TxRequest>, Vec<FeeQuote>, BatchPath)| {
            let (provider, account, requests, quotes, path) = approved.clone();
            let store = store.clone();
            async move {
                let total = requests.len();
                let outcome = match path {
                    BatchPath::Atomic => {
                        let _ = step.try_set(SetStep::InWallet { asked: 1, total: 1 });
                        match batch::send_calls(&provider, account, store.network.chain_id, &requests).await {
                            Err(TxError::Cancelled) => SetOutcome::Cancelled { landed: 0 },
                            Err(error) => SetOutcome::Failed { landed: 0, explained: error.explain() },
                            Ok(id) => {
                                let _ = step.try_set(SetStep::Mining);
                                match batch::wait_for_calls(&provider, &id).await {
                                    Err(error) => SetOutcome::Failed { landed: 0, explained: error.explain() },
                                    Ok(hashes) => land_all(&store, toasts, account, &requests, &hashes, 0, told).await,
                                }
                            }
                        }
                    }
                    BatchPath::OneByOne => {
                        let mut outcome = SetOutcome::Done(total);
                        for (index, (request, fee)) in requests.iter().zip(&quotes).enumerate() {
                            let _ = step.try_set(SetStep::InWallet { asked: index + 1, total });
                            let hash = match tx::send(&provider, account, request, fee).await {
                                Ok(hash) => hash,
                                Err(TxError::Cancelled) => {
                                    outcome = SetOutcome::Cancelled { landed: index };
                                    break;
                                }
                                Err(error) => {
                                    outcome = SetOutcome::Failed { landed: index, explained: error.explain() };
                                    break;
                                }
                            };
                            let _ = step.try_set(SetStep::Mining);
                            let landed =
                                land_all(&store, toasts, account, std::slice::from_ref(request), &[hash], index, told)
                                    .await;
                            if let SetOutcome::Failed { explained, .. } = landed {
                                outcome = SetOutcome::Failed { landed: index, explained };
                                break;
                            }
                        }
                        outcome
                    }
                };
                let _ = step.try_set(SetStep::Over(outcome));
            }
        }
    });

    let button = NodeRef::<leptos::html::Button>::new();
    let refocus = move || {
        if let Some(button) = button.get_untracked() {
            let _ = button.focus();
        }
    };
    let busy = move || matches!(step.get(), SetStep::Quoting | SetStep::InWallet { .. } | SetStep::Mining);
    let begin = {
        let network = chain.network.clone();
        move |_| {
            if busy() {
                return;
            }
            let (Some(connection), Some(provider)) = (wallet.connection.get_untracked(), wallet.active_wallet()) else {
                step.set(SetStep::Refused("Connect a wallet first.".into()));
                return;
            };
            if connection.chain_id != network.chain_id {
                step.set(SetStep::Refused(format!("Switch your wallet to {} first.", network.name)));
                return;
            }
            match requests.run(()) {
                Ok(requests) => {
                    step.set(SetStep::Quoting);
                    quote.dispatch_local((provider, connection.account, requests));
                }
                Err(message) => step.set(SetStep::Refused(message)),
            }
        }
    };
    let confirm = move |requests: Vec<TxRequest>, quotes: Vec<FeeQuote>, path: BatchPath| {
        let (Some(connection), Some(provider)) = (wallet.connection.get_untracked(), wallet.active_wallet()) else {
            step.set(SetStep::Refused("Connect a wallet first.".into()));
            return;
        };
        step.set(SetStep::InWallet { asked: 0, total: if path == BatchPath::Atomic { 1 } else { requests.len() } });
        send.dispatch_local((provider, connection.account, requests, quotes, path));
        refocus();
    };
    let dismiss = move || {
        step.set(SetStep::Idle);
        refocus();
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" && matches!(step.get_untracked(), SetStep::Confirm(..)) {
            event.prevent_default();
            dismiss();
        }
    };

    view! {
        <div class="transact" on:keydown=on_keydown>
            <button class="primary" node_ref=button on:click=begin aria-disabled=move || busy().to_string()>
                {move || match step.get() {
                    SetStep::Quoting => "Estimating the fees…".to_string(),
                    SetStep::InWallet { total: 1, .. } => "Confirm in your wallet…".to_string(),
                    SetStep::InWallet { asked, total } => format!("Confirm {asked} of {total} in your wallet…"),
                    SetStep::Mining => "Waiting for the block…".to_string(),
                    _ => label.get(),
                }}
            </button>
            {move || match step.get() {
                SetStep::Confirm(requests, quotes, path) => {
                    let fee = quotes.iter().fold(Wei::ZERO, |sum, quote| sum.checked_add(quote.max_fee()).unwrap_or(sum));
                    let how = match (path, requests.len()) {
                        (_, 1) => "One transaction: your wallet asks once.".to_string(),
                        (BatchPath::Atomic, count) => format!("{count} transactions in one batch: your wallet asks once, and all go through or none does."),
                        (BatchPath::OneByOne, count) => format!("{count} transactions, one after another: your wallet asks {count} times."),
                    };
                    view! {
                        <div class="confirm" role="group" aria-label="Confirm transactions" data-testid="confirm">
                            <ul>{requests.iter().map(|request| view! { <li>{request.label.clone()}</li> }).collect_view()}</ul>
                            <p data-testid="batch-path">{how}</p>
                            <p class="fee" data-testid="fee">{format!("Network fees: up to {} in all.", fee.format_ether(6))}</p>
                            <button class="primary" on:click=move |_| confirm(requests.clone(), quotes.clone(), path)>"Confirm in wallet"</button>
                            <button class="quiet" on:click=move |_| dismiss()>"Cancel"</button>
                        </div>
                    }
                        .into_any()
                }
                SetStep::Refused(words) => view! { <div class="error" role="alert"><p>{words}</p></div> }.into_any(),
                SetStep::Over(SetOutcome::Done(_)) => view! { <p class="ok" role="status">"Done."</p> }.into_any(),
                SetStep::Over(SetOutcome::Settled(words)) => view! { <p class="ok" role="status">{words}</p> }.into_any(),
                SetStep::Over(SetOutcome::Cancelled { landed }) => {
                    let words = match landed {
                        0 => "Cancelled in your wallet. Nothing was sent.".to_string(),
                        landed => format!("Cancelled in your wallet after {landed} went through; the rest were not sent."),
                    };
                    view! { <p class="notice" role="status">{words}</p> }.into_any()
                }
                SetStep::Over(SetOutcome::Failed { landed, explained: Explained { words, details } }) => {
                    let words = match landed {
                        0 => words,
                        landed => format!("{landed} went through, then: {words} The rest were not sent."),
                    };
                    view! {
                        <div class="error" role="alert">
                            <p>{words}</p>
                            {details.map(|details| view! {
                                <details class="raw-error"><summary>"Details"</summary><code class="mono">{details}</code></details>
                            })}
                        </div>
                    }
                    .into_any()
                }
                _ => ().into_any(),
            }}
        </div>
    }
}

/// Whom [`BatchTransactButton`] tells how each write went.
#[derive(Clone, Copy)]
struct Told {
    on_confirmed: Callback<usize>,
    settled: Callback<(usize, TxError), Option<String>>,
}

/// Follows transactions the wallet sent to their receipts: each remembered, toasted, and told to
/// the caller by its index in the set, `first` being the index of `requests[0]`. `hashes` pairs
/// with `requests`, except where a wallet carried every call in one transaction (a smart account),
/// whose receipt then stands for all of them.
async fn land_all(
    store: &ChainStore,
    toasts: Toasts,
    account: Address,
    requests: &[TxRequest],
    hashes: &[String],
    first: usize,
    told: Told,
) -> SetOutcome {
    let Told { on_confirmed, settled } = told;
    let chain_id = store.network.chain_id;
    let paired: Vec<(usize, &String)> = if hashes.len() == requests.len() {
        hashes.iter().enumerate().collect()
    } else {
        hashes.iter().map(|hash| (0, hash)).collect()
    };
    let mut settled_words = None;
    for (index, hash) in paired {
        let request = &requests[index];
        remember(toasts, chain_id, account, hash, &request.label, TxStatus::Pending);
        toasts.show(ToastKind::Pending, format!("{}: pending", request.label), Some(hash.clone()));
        match tx::wait_for_receipt(&store.rpc, hash, account, request).await {
            Ok(_) => {
                remember(toasts, chain_id, account, hash, &request.label, TxStatus::Confirmed);
                toasts.show(ToastKind::Success, format!("{}: done", request.label), Some(hash.clone()));
                let covered = if hashes.len() == requests.len() { index..index + 1 } else { 0..requests.len() };
                for index in covered {
                    on_confirmed.try_run(first + index);
                }
            }
            Err(error) => {
                let explained = error.explain();
                remember(toasts, chain_id, account, hash, &request.label, TxStatus::Failed(explained.words.clone()));
                match settled.try_run((first + index, error)).flatten() {
                    Some(words) => {
                        toasts.show(ToastKind::Success, format!("{}: {words}", request.label), Some(hash.clone()));
                        settled_words = Some(words);
                    }
                    None => {
                        toasts.show(
                            ToastKind::Failure,
                            format!("{}: {}", request.label, explained.words),
                            Some(hash.clone()),
                        );
                        store.refresh();
                        return SetOutcome::Failed { landed: first + index, explained };
                    }
                }
            }
        }
    }
    store.refresh();
    match settled_words {
        Some(words) => SetOutcome::Settled(words),
        None => SetOutcome::Done(requests.len()),
    }
}

/// Keeps a transaction in the account's recent list; a browser that cannot keep it says so.
fn remember(toasts: Toasts, chain_id: u64, account: Address, hash: &str, label: &str, status: TxStatus) {
    let entry = RecentTx { hash: hash.to_string(), label: label.to_string(), status };
    if let Err(why) = tx::remember(chain_id, account, entry) {
        toasts.show(ToastKind::Failure, why, None);
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use any_spawner::{Executor, ExecutorError};
    use futures::channel::oneshot;
    use leptos::prelude::*;

    /// What `TransactButton` relies on when its page redraws while a transaction is mined: the
    /// cleanup disposes the button's Action and signals, yet the task dispatched before runs to
    /// its end, and a `try_` call on a signal that is gone declines instead of panicking.
    #[test]
    fn an_action_runs_to_its_end_after_its_owner_is_cleaned_up() {
        match Executor::init_futures_executor() {
            // Global to the test binary: another test may have set it first.
            Ok(()) | Err(ExecutorError::AlreadySet) => {}
        }
        let (mine, mined) = oneshot::channel::<()>();
        let (tell, mut told) = oneshot::channel::<Option<&'static str>>();
        let task_ends = Rc::new(RefCell::new(Some((mined, tell))));
        let page = Owner::new();
        let (shown, pending) = page.with(|| {
            let shown = RwSignal::new("");
            let write = Action::new_local(move |_: &()| {
                let (mined, tell) = task_ends.borrow_mut().take().expect("dispatched once");
                async move {
                    mined.await.expect("the test mines the block");
                    let declined = shown.try_set("done");
                    tell.send(declined).expect("the test waits to be told");
                }
            });
            write.dispatch_local(());
            (shown, write.pending())
        });
        Executor::poll_local();
        assert!(pending.get_untracked());

        page.cleanup();
        assert_eq!(pending.try_get_untracked(), None);
        mine.send(()).expect("the task is still waiting for its block");
        Executor::poll_local();

        assert_eq!(
            told.try_recv(),
            Ok(Some(Some("done"))),
            "the task ran to its end, and the signal declined the value"
        );
        assert_eq!(shown.try_get_untracked(), None);
    }
}
