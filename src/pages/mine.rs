//! Donating hashrate: pick a twin, opt in, watch the figures, submit the shares.

use leptos::prelude::*;

use crate::components::source::HistorySourceLine;
use leptos_router::hooks::use_query_map;

use crate::chain::ledger::{self, already_credited, already_credited_words};
use crate::chain::relay::{CheckedRelay, RelayPackage};
use crate::chain::tx::{TxError, TxRequest};
use crate::components::chart::LineChart;
use crate::components::copy::CopyButton;
use crate::components::tx::{BatchTransactButton, TransactButton};
use crate::components::wallet::WalletContext;
use crate::domain::donations::{format_count, format_work};
use crate::miner::job::CompactBits;
use crate::miner::meter::format_rate;
use crate::miner::pool::{self, Miner, MinerSlot, MinerStatus, MiningTarget};
use crate::miner::shares::{shares_words, JobSpec, PendingBatch};
use crate::store::ChainStore;

crate::pages::lazy::lazy_route!(
    /// `/mine`, downloaded on the first visit.
    MineRoute,
    route_mine,
    MinePage
);

#[component]
pub fn MinePage() -> impl IntoView {
    crate::components::page_title(|| "Mine".to_string());
    let chain = expect_context::<ChainStore>();
    let miner = expect_context::<MinerSlot>().miner();
    provide_context(miner);

    view! {
        <h1>"Mine"</h1>
        <p class="lede">
            "Donate SHA-256d work from this tab to a twin. Every share is checked here and again on chain, "
            "and credited to the twin and to you. Nothing is hashed until you opt in."
        </p>
        {if !pool::simd_supported() {
            view! {
                <p class="error" role="alert" data-testid="miner-status">
                    "This browser cannot run WebAssembly SIMD, which the hasher needs. Everything else in HashTwin "
                    "works here; to mine, use a current Chrome, Edge, Firefox or Safari."
                </p>
            }
                .into_any()
        } else if chain.ledger.is_none() {
            view! { <p class="error" role="alert">"HashTwin has no ledger on this network."</p> }.into_any()
        } else {
            view! {
                <MinerControls/>
                <LiveFigures/>
                <PendingShares/>
            }
                .into_any()
        }}
        // Relaying needs no hasher: a browser without SIMD can still pay the gas for someone else.
        {chain.ledger.is_some().then(|| view! { <RelayPanel/> })}
        {move || {
            (miner.notice.get()).map(|notice| view! { <p class="notice" role="status" data-testid="miner-notice">{notice}</p> })
        }}
    }
}

#[component]
fn MinerControls() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let miner = expect_context::<Miner>();
    let query = use_query_map();

    let chosen_twin = RwSignal::new(query.read_untracked().get("twin").and_then(|id| id.parse::<u64>().ok()));
    let twins = chain.slice(|catalog| {
        catalog
            .twins()
            .iter()
            .map(|twin| (twin.id, format!("#{} {}", twin.id, twin.spec.display_name())))
            .collect::<Vec<_>>()
    });
    // The first twin is the default choice once the list arrives; a choice made is kept.
    Effect::new(move |_| {
        let first = twins.with(|twins| match twins {
            Some(Ok(list)) => list.first().map(|(id, _)| *id),
            _ => None,
        });
        if first.is_some() && chosen_twin.get_untracked().is_none() {
            chosen_twin.set(first);
        }
    });
    let min_bits = LocalResource::new({
        let ledger = chain.ledger.clone();
        move || {
            let ledger = ledger.clone();
            async move {
                match ledger {
                    Some(ledger) => ledger.min_bits().await.map_err(|error| error.to_string()),
                    None => Err("no ledger".into()),
                }
            }
        }
    });
    let elsewhere = LocalResource::new(move || {
        miner.status.track();
        pool::mining_elsewhere()
    });

    let opted_in = RwSignal::new(false);
    let max_threads = pool::hardware_threads();

    let start = {
        let chain = chain.clone();
        move |_| {
            let (Some(connection), Some(ledger)) = (wallet.connection.get_untracked(), chain.ledger.as_ref()) else {
                return;
            };
            let Some(Ok(bits)) = min_bits.get_untracked() else { return };
            let Some(twin_id) = chosen_twin.get_untracked() else { return };
            miner.start(MiningTarget {
                chain_id: chain.network.chain_id,
                ledger: ledger.address(),
                twin_id,
                contributor: connection.account,
                bits,
            });
        }
    };

    let blocker = move || -> Option<&'static str> {
        if wallet.connection.get().is_none() {
            Some("Connect a wallet (top right): shares are committed to the account that gets the credit.")
        } else if chosen_twin.get().is_none() {
            Some("Choose a twin to mine for.")
        } else if !matches!(min_bits.get(), Some(Ok(_))) {
            Some("Reading the ledger's difficulty…")
        } else if !opted_in.get() {
            Some("Tick the box to let this tab use your processor.")
        } else {
            None
        }
    };
    let active = move || miner.status.get().is_active();

    view! {
        <section class="panel miner" aria-labelledby="miner-heading">
            <h2 id="miner-heading">"Miner"</h2>
            <div class="field">
                <label for="mine-twin">"Twin"</label>
                // A failed read is said, not shown as an empty picker: there are twins, we just
                // could not list them, and nothing can be mined for until we can.
                {move || match twins.get() {
                    None => view! { <select id="mine-twin" disabled=true><option>"Loading twins…"</option></select> }.into_any(),
                    Some(Ok(twins)) => view! { <TwinPicker twins chosen=chosen_twin disabled=Signal::derive(active)/> }.into_any(),
                    Some(Err(message)) => view! {
                        <select id="mine-twin" disabled=true><option>"No twins to choose from"</option></select>
                        <p class="error" role="alert" data-testid="twins-error">{message}</p>
                    }.into_any(),
                }}
            </div>
            <div class="field">
                <label for="mine-threads">"Threads"</label>
                <select
                    id="mine-threads"
                    on:change=move |event| {
                        if let Ok(threads) = event_target_value(&event).parse() {
                            miner.set_threads(threads);
                        }
                    }
                    prop:value=move || miner.threads.get().to_string()
                >
                    {(1..=max_threads)
                        .map(|threads| view! { <option value=threads.to_string()>{threads}</option> })
                        .collect_view()}
                </select>
                <span class="hint">{format!("of {max_threads} on this device")}</span>
            </div>
            <div class="field">
                <label for="mine-duty">"Throttle"</label>
                <input
                    id="mine-duty"
                    type="range"
                    min="10"
                    max="100"
                    step="10"
                    prop:value=move || miner.duty_percent.get().to_string()
                    on:input=move |event| {
                        if let Ok(percent) = event_target_value(&event).parse() {
                            miner.set_duty(percent);
                        }
                    }
                />
                <span class="hint" data-testid="duty">{move || format!("{}% of the time", miner.duty_percent.get())}</span>
            </div>
            {move || {
                min_bits.get().map(|bits| match bits {
                    Ok(bits) => view! { <p class="hint" data-testid="difficulty">{difficulty_words(bits)}</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">"The ledger could not be read: "{error}</p> }.into_any(),
                })
            }}
            <label class="opt-in">
                <input
                    type="checkbox"
                    prop:checked=opted_in
                    on:change=move |event| opted_in.set(event_target_checked(&event))
                    disabled=active
                />
                "Use this device's processor to hash for the chosen twin. It stops when you press Stop or close the tab."
            </label>
            <div class="actions">
                <Show
                    when=active
                    fallback=move || {
                        let start = start.clone();
                        view! {
                            <button class="primary" on:click=start disabled=move || blocker().is_some()>
                                "Start mining"
                            </button>
                        }
                    }
                >
                    <button class="primary" on:click=move |_| miner.stop()>"Stop"</button>
                </Show>
            </div>
            {move || (!active()).then(blocker).flatten().map(|why| view! { <p class="hint">{why}</p> })}
            <p class="status" role="status" data-testid="miner-status">
                {move || status_words(&miner.status.get(), elsewhere.get().unwrap_or(false))}
            </p>
        </section>
    }
}

#[component]
fn TwinPicker(twins: Vec<(u64, String)>, chosen: RwSignal<Option<u64>>, disabled: Signal<bool>) -> impl IntoView {
    view! {
        <select
            id="mine-twin"
            disabled=disabled
            on:change=move |event| chosen.set(event_target_value(&event).parse().ok())
            prop:value=move || chosen.get().map(|id| id.to_string()).unwrap_or_default()
        >
            {twins.into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
        </select>
    }
}

#[component]
fn LiveFigures() -> impl IntoView {
    let miner = expect_context::<Miner>();
    let stats = miner.stats;
    view! {
        <section class="panel" aria-labelledby="figures-heading">
            <h2 id="figures-heading">"Live"</h2>
            <dl class="figures" data-testid="miner-figures">
                <div><dt>"Hashrate, 10 s"</dt><dd data-testid="rate-10s">{move || format_rate(stats.get().rate_10s)}</dd></div>
                <div><dt>"Hashrate, 1 min"</dt><dd data-testid="rate-60s">{move || format_rate(stats.get().rate_60s)}</dd></div>
                <div><dt>"Hashes"</dt><dd data-testid="total-hashes">{move || format_count(stats.get().total_hashes as f64)}</dd></div>
                <div><dt>"Shares found"</dt><dd data-testid="shares-found">{move || stats.get().shares_found}</dd></div>
                <div><dt>"Work found"</dt><dd>{move || format_work(stats.get().work_found as u128)}</dd></div>
                <div><dt>"Workers"</dt><dd data-testid="workers">{move || stats.get().workers}</dd></div>
            </dl>
            {move || {
                let stats = stats.get();
                (stats.workers_replaced > 0 || stats.rejected > 0).then(|| view! {
                    <p class="hint">
                        {format!("{} replaced after a crash; {} rejected by verification.",
                            count_words(u64::from(stats.workers_replaced), "worker", "workers"),
                            count_words(stats.rejected, "claimed share", "claimed shares"))}
                    </p>
                })
            }}
            <HashrateChart history=miner.history/>
            <HistorySourceLine/>
        </section>
    }
}

/// The last five minutes of the 10 s hashrate, on the app's one line chart.
#[component]
fn HashrateChart(history: RwSignal<Vec<(u64, f64)>>) -> impl IntoView {
    const SPAN_SECONDS: u64 = 300;
    move || {
        let points: Vec<(u64, f64)> =
            history.with(|points| points.iter().map(|&(time, rate)| (time, rate / 1e6)).collect());
        let end = points.last().map_or_else(crate::store::now_seconds, |&(time, _)| time);
        view! {
            <LineChart
                title="Hashrate, 10 s average".to_string()
                unit="MH/s"
                points
                window=(end.saturating_sub(SPAN_SECONDS), end)
                max_gap=10
            />
        }
    }
}

#[component]
fn PendingShares() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let miner = expect_context::<Miner>();
    // What became of batches that left the queue without a transaction of this page's.
    let news = RwSignal::new(None::<Result<String, String>>);

    let mine = Memo::new(move |_| {
        let connection = wallet.connection.get();
        miner.queue.with(|queue| match connection {
            Some(connection) => queue.submittable(connection.chain_id, connection.account).cloned().collect::<Vec<_>>(),
            None => Vec::new(),
        })
    });

    // Read when the button is pressed: each batch is verified again from storage at that moment.
    let sent_jobs = StoredValue::new(Vec::<JobSpec>::new());
    let requests = Callback::new({
        let chain = chain.clone();
        move |()| -> Result<Vec<TxRequest>, String> {
            let connection = wallet.connection.get_untracked().ok_or("Connect a wallet first.")?;
            let ledger = chain.ledger.as_ref().ok_or("HashTwin has no ledger on this network.")?;
            let now = crate::store::now_seconds();
            let jobs: Vec<JobSpec> = mine.get_untracked().into_iter().map(|batch| batch.job).collect();
            if jobs.is_empty() {
                return Err("No shares are waiting to be submitted.".into());
            }
            let batches = jobs
                .iter()
                .map(|job| miner.take_batch(chain.network.chain_id, connection.account, Some(job), now))
                .collect::<Result<Vec<_>, String>>()?;
            sent_jobs.set_value(batches.iter().map(|batch| batch.job.clone()).collect());
            Ok(batches.iter().map(|batch| ledger.submit(batch)).collect())
        }
    });
    let sent_job = move |index: usize| sent_jobs.with_value(|jobs| jobs.get(index).cloned());
    let on_confirmed = Callback::new(move |index| {
        if let Some(job) = sent_job(index) {
            miner.forget_batch(&job);
        }
    });
    let settled =
        Callback::new(move |(index, error): (usize, TxError)| settle_own_batch(miner, news, &sent_job(index)?, &error));
    let submit_label = Signal::derive(move || {
        let total: usize = mine.with(|batches| batches.iter().map(|batch| batch.nonces.len()).sum());
        if total == 0 {
            "Submit shares".to_string()
        } else {
            format!("Submit {}", shares_words(total))
        }
    });

    watch_signed_batches(&chain, miner, news);
    let jobs = move || mine.get().into_iter().map(|batch| batch.job).collect::<Vec<_>>();

    view! {
        <section class="panel" aria-labelledby="pending-heading">
            <h2 id="pending-heading">"Shares to submit"</h2>
            {move || {
                let batches = mine.get();
                if batches.is_empty() {
                    return view! { <p class="empty" data-testid="pending-empty">"No shares waiting."</p> }.into_any();
                }
                let total: usize = batches.iter().map(|batch| batch.nonces.len()).sum();
                view! {
                    <p data-testid="pending-count">{format!("{} in {}, kept in this browser until submitted.", shares_words(total), batches_words(batches.len()))}</p>
                }
                    .into_any()
            }}
            // Keyed by job: a row keeps its buttons' progress while shares come in to other jobs.
            <ul class="batches">
                <For each=jobs key=|job| job.seed let:job>
                    <BatchRow job news/>
                </For>
            </ul>
            {move || {
                news.get().map(|news| match news {
                    Ok(words) => view! { <p class="ok" role="status" data-testid="pending-news">{words}</p> }.into_any(),
                    Err(words) => view! { <p class="error" role="alert" data-testid="pending-news">{words}</p> }.into_any(),
                })
            }}
            // Outside the list: submitting changes the queue, and must not rebuild the button
            // that is showing its progress.
            <BatchTransactButton label=submit_label requests on_confirmed settled/>
        </section>
    }
}

/// A submission of the contributor's own batch that the ledger refused because the batch was
/// already credited (a relayer sent it first) is the outcome the contributor wanted: the batch
/// leaves the queue and the page says so.
fn settle_own_batch(
    miner: Miner,
    news: RwSignal<Option<Result<String, String>>>,
    job: &JobSpec,
    error: &TxError,
) -> Option<String> {
    let contributor = already_credited(error).filter(|contributor| *contributor == job.contributor)?;
    let words = already_credited_words(contributor, Some(job.contributor));
    miner.forget_batch(job);
    news.set(Some(Ok(words.clone())));
    Some(words)
}

/// Batches signed for a relayer stay queued until the ledger's `WorkCredited` shows them credited:
/// the store's credits, checked as they arrive and whenever a batch is signed.
fn watch_signed_batches(chain: &ChainStore, miner: Miner, news: RwSignal<Option<Result<String, String>>>) {
    let chain_id = chain.network.chain_id;
    let signed = Memo::new(move |_| {
        miner
            .queue
            .with(|queue| queue.signed().filter(|batch| batch.job.chain_id == chain_id).cloned().collect::<Vec<_>>())
    });
    let credited = chain.slice(move |catalog| {
        signed.with(|batches| {
            catalog
                .credits()
                .iter()
                .filter_map(|credit| {
                    let batch = batches.iter().find(|batch| {
                        batch.job.seed == credit.job_seed && batch.job.contributor == credit.contributor
                    })?;
                    Some((batch.job.clone(), credit.shares, credit.twin_id))
                })
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| match credited.get() {
        Some(Ok(credited)) => {
            // A read that failed before has come through: its error no longer holds.
            if news.with_untracked(|news| matches!(news, Some(Err(_)))) {
                news.set(None);
            }
            for (job, shares, twin_id) in credited {
                miner.forget_batch(&job);
                news.set(Some(Ok(format!(
                    "The ledger credited the {} you signed for a relayer to twin #{twin_id}.",
                    shares_words(shares as usize),
                ))));
            }
        }
        Some(Err(error)) => news.set(Some(Err(format!(
            "Whether the ledger has credited the shares you signed could not be read: {error}"
        )))),
        None => {}
    });
}

/// Where signing a batch for a relayer stands.
#[derive(Debug, Clone, PartialEq)]
enum Signing {
    Idle,
    InWallet,
    Failed(String),
}

#[component]
fn BatchRow(job: JobSpec, news: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let miner = expect_context::<Miner>();
    let batch = Memo::new({
        let job = job.clone();
        move |_| miner.queue.with(|queue| queue.batch(&job).cloned())
    });
    let work_per_share = CompactBits(job.bits).work_per_share().map(|work| work.as_u128()).unwrap_or_default();
    let twin_id = job.twin_id;
    let describe = move || {
        let count = batch.with(|batch| batch.as_ref().map_or(0, |batch| batch.nonces.len()));
        format!("Twin #{twin_id}: {}, {}", shares_words(count), format_work(work_per_share * count as u128))
    };
    let mining_it = {
        let job = job.clone();
        move || miner.status.get().is_active() && miner.current_job().as_ref() == Some(&job)
    };
    let signed = move || batch.with(|batch| batch.as_ref().is_some_and(PendingBatch::is_signed));

    let request = Callback::new({
        let (chain, job) = (chain.clone(), job.clone());
        move |()| -> Result<TxRequest, String> {
            let connection = wallet.connection.get_untracked().ok_or("Connect a wallet first.")?;
            let ledger = chain.ledger.as_ref().ok_or("HashTwin has no ledger on this network.")?;
            let now = crate::store::now_seconds();
            let batch = miner.take_batch(chain.network.chain_id, connection.account, Some(&job), now)?;
            Ok(ledger.submit(&batch))
        }
    });
    let on_confirmed = Callback::new({
        let job = job.clone();
        move |_| miner.forget_batch(&job)
    });
    let settled = Callback::new({
        let job = job.clone();
        move |error: TxError| settle_own_batch(miner, news, &job, &error)
    });

    let signing = RwSignal::new(Signing::Idle);
    let sign = {
        let (chain, job) = (chain.clone(), job.clone());
        move |_| {
            let Some(connection) = wallet.connection.get_untracked() else {
                return signing.set(Signing::Failed("Connect a wallet first.".into()));
            };
            if connection.chain_id != chain.network.chain_id {
                return signing.set(Signing::Failed(format!("Switch your wallet to {} first.", chain.network.name)));
            }
            let Some(provider) = wallet.active_wallet() else {
                return signing.set(Signing::Failed("Connect a wallet first.".into()));
            };
            // Verified again, and the workers moved off its job: nothing may join a signed batch.
            let now = crate::store::now_seconds();
            let batch = match miner.take_batch(chain.network.chain_id, connection.account, Some(&job), now) {
                Ok(batch) => batch,
                Err(message) => return signing.set(Signing::Failed(message)),
            };
            signing.set(Signing::InWallet);
            leptos::task::spawn_local(async move {
                let signed = ledger::sign_for_relayer(&provider, &batch)
                    .await
                    .map_err(|error| error.to_string())
                    .and_then(|signature| miner.sign_batch(&batch, signature));
                signing.set(match signed {
                    Ok(()) => Signing::Idle,
                    Err(message) => Signing::Failed(message),
                });
            });
        }
    };

    let package = move || {
        batch.with(|batch| {
            let batch = batch.as_ref()?;
            Some(RelayPackage::new(batch, batch.signature?).to_json())
        })
    };
    let discard_job = job.clone();

    view! {
        <li data-testid="batch">
            {describe}
            {move || mining_it().then(|| view! { <span class="hint">" (still mining)"</span> })}
            <div class="actions batch-actions">
                <TransactButton label="Submit" request on_confirmed settled/>
                <Show when=move || !signed()>
                    <button
                        type="button"
                        on:click=sign.clone()
                        disabled=move || signing.get() == Signing::InWallet
                        title="Your wallet signs the batch; anyone you give it to can send it and pay the gas, and the credit still comes to you."
                    >
                        {move || if signing.get() == Signing::InWallet { "Sign in your wallet…" } else { "Sign for a relayer" }}
                    </button>
                </Show>
                <button class="quiet" on:click=move |_| miner.forget_batch(&discard_job)>"Discard"</button>
            </div>
            {move || match signing.get() {
                Signing::Failed(message) => Some(view! { <p class="error" role="alert" data-testid="sign-error">{message}</p> }),
                _ => None,
            }}
            {move || {
                package().map(|json| {
                    view! {
                        <div class="relay-package">
                            <p class="hint">
                                "Signed for a relayer: give this package to whoever will send it. They pay the gas; "
                                "the credit comes to you. It stays here until the ledger credits it."
                            </p>
                            <textarea readonly=true rows="8" aria-label="Relay package" data-testid="relay-package" prop:value=json.clone()></textarea>
                            <CopyButton text=json label="Copy the package"/>
                        </div>
                    }
                })
            }}
        </li>
    }
}

/// Pasting a package someone signed, checking it, and sending it with the visitor's wallet.
#[component]
fn RelayPanel() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let text = RwSignal::new(String::new());
    let done = RwSignal::new(None::<String>);
    let relaying = RwSignal::new(None::<CheckedRelay>);

    let (chain_id, ledger_address) = (chain.network.chain_id, chain.ledger.as_ref().map(|ledger| ledger.address()));
    // Every check the ledger makes, made here before any wallet opens.
    let checked = Memo::new(move |_| -> Option<Result<CheckedRelay, String>> {
        let text = text.get();
        if text.trim().is_empty() {
            return None;
        }
        let ledger = ledger_address?;
        Some(
            RelayPackage::parse(&text)
                .and_then(|package| package.check(chain_id, ledger, crate::store::now_seconds()))
                .map_err(|error| error.to_string()),
        )
    });
    // And whether the ledger has already credited these shares, which only the chain knows.
    let credited = LocalResource::new({
        let ledger = chain.ledger.clone();
        move || {
            let (ledger, checked) = (ledger.clone(), checked.get());
            async move {
                match (ledger, checked) {
                    (Some(ledger), Some(Ok(relay))) => Some(
                        ledger
                            .job_seed_used(relay.contributor(), relay.batch.job.seed)
                            .await
                            .map_err(|error| error.to_string()),
                    ),
                    _ => None,
                }
            }
        }
    });

    let request = Callback::new({
        let chain = chain.clone();
        move |()| -> Result<TxRequest, String> {
            let ledger = chain.ledger.as_ref().ok_or("HashTwin has no ledger on this network.")?;
            let relay = checked.get_untracked().ok_or("Paste a relay package first.")??;
            let request = ledger.relay(&relay.batch, &relay.signature);
            relaying.set(Some(relay));
            Ok(request)
        }
    });
    let on_confirmed = Callback::new(move |_| {
        if let Some(relay) = relaying.get_untracked() {
            done.set(Some(format!(
                "Relayed: the ledger credited {} to {} on twin #{}.",
                shares_words(relay.batch.nonces.len()),
                relay.contributor().short(),
                relay.batch.job.twin_id
            )));
        }
        text.set(String::new());
    });
    let settled = Callback::new(move |error: TxError| {
        already_credited(&error).map(|contributor| already_credited_words(contributor, viewer(wallet)))
    });

    view! {
        <section class="panel" aria-labelledby="relay-heading">
            <h2 id="relay-heading">"Relay a signed batch"</h2>
            <p class="hint">
                "A contributor who signed a batch for a relayer copies a relay package from their mine page. "
                "Paste it here to send it from your wallet: you pay the gas, and the ledger credits them."
            </p>
            <label for="relay-input">"Relay package"</label>
            <textarea
                id="relay-input"
                rows="6"
                spellcheck="false"
                prop:value=move || text.get()
                on:input=move |event| {
                    done.set(None);
                    text.set(event_target_value(&event));
                }
            ></textarea>
            {move || {
                checked.get().map(|checked| match checked {
                    Err(message) => view! { <p class="error" role="alert" data-testid="relay-check">{message}</p> }.into_any(),
                    Ok(relay) => match credited.get() {
                        None | Some(None) => view! { <p class="hint" data-testid="relay-check">"Checking the ledger…"</p> }.into_any(),
                        Some(Some(Err(error))) => view! {
                            <p class="error" role="alert" data-testid="relay-check">{format!("The ledger could not be read: {error}")}</p>
                        }
                            .into_any(),
                        Some(Some(Ok(true))) => view! {
                            <p class="notice" role="status" data-testid="relay-check">
                                {already_credited_words(relay.contributor(), wallet.connection.get().map(|connection| connection.account))}
                            </p>
                        }
                            .into_any(),
                        Some(Some(Ok(false))) => view! {
                            <p data-testid="relay-summary">{relay.summary()}</p>
                            <TransactButton label="Relay the batch" request on_confirmed settled/>
                        }
                            .into_any(),
                    },
                })
            }}
            {move || done.get().map(|words| view! { <p class="ok" role="status" data-testid="relay-done">{words}</p> })}
        </section>
    }
}

fn viewer(wallet: WalletContext) -> Option<crate::domain::Address> {
    wallet.connection.get_untracked().map(|connection| connection.account)
}

fn status_words(status: &MinerStatus, held_elsewhere: bool) -> String {
    match status {
        MinerStatus::Idle if held_elsewhere => "Another tab of HashTwin is mining. Stop it there to mine here.".into(),
        MinerStatus::Idle => "Not mining.".into(),
        MinerStatus::Starting => "Starting the hasher…".into(),
        MinerStatus::Mining => "Mining. Hasher self-test passed.".into(),
        MinerStatus::Paused => "Paused while this tab is hidden.".into(),
        MinerStatus::OtherTab => "Another tab of HashTwin is mining. Stop it there to mine here.".into(),
        MinerStatus::Failed(message) => message.clone(),
    }
}

fn difficulty_words(bits: u32) -> String {
    match CompactBits(bits).work_per_share() {
        Ok(work) => format!("The ledger takes shares of about {} each.", format_work(work.as_u128())),
        Err(error) => format!("The ledger's difficulty is unusable: {error}."),
    }
}

/// "1 batch", "3 batches".
fn batches_words(count: usize) -> String {
    count_words(count as u64, "batch", "batches")
}

fn count_words(count: u64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}
