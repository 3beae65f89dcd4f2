//! Donating hashrate: pick a twin, opt in, watch the figures, submit the shares.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::app::ChainContext;
use crate::chain::tx::TxRequest;
use crate::components::chart::LineChart;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::domain::donations::{format_count, format_work};
use crate::domain::Twin;
use crate::miner::job::CompactBits;
use crate::miner::meter::format_rate;
use crate::miner::pool::{self, Miner, MinerStatus, MiningTarget};
use crate::miner::shares::{JobSpec, PendingBatch};

#[component]
pub fn MinePage() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let miner = expect_context::<Miner>();

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
        {move || {
            (miner.notice.get()).map(|notice| view! { <p class="notice" role="status" data-testid="miner-notice">{notice}</p> })
        }}
    }
}

#[component]
fn MinerControls() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let wallet = expect_context::<WalletContext>();
    let miner = expect_context::<Miner>();
    let query = use_query_map();

    let twins = LocalResource::new({
        let registry = chain.registry.clone();
        move || {
            let registry = registry.clone();
            async move {
                match registry {
                    Some(registry) => registry.twins().await.map_err(|error| error.to_string()),
                    None => Ok(Vec::new()),
                }
            }
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

    let chosen_twin = RwSignal::new(query.read_untracked().get("twin").and_then(|id| id.parse::<u64>().ok()));
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
                <Suspense fallback=|| view! { <select id="mine-twin" disabled=true><option>"Loading twins…"</option></select> }>
                    {move || Suspend::new(async move {
                        let twins = twins.await.unwrap_or_default();
                        view! { <TwinPicker twins chosen=chosen_twin disabled=Signal::derive(active)/> }
                    })}
                </Suspense>
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
fn TwinPicker(twins: Vec<Twin>, chosen: RwSignal<Option<u64>>, disabled: Signal<bool>) -> impl IntoView {
    if chosen.get_untracked().is_none() {
        chosen.set(twins.first().map(|twin| twin.id));
    }
    view! {
        <select
            id="mine-twin"
            disabled=disabled
            on:change=move |event| chosen.set(event_target_value(&event).parse().ok())
            prop:value=move || chosen.get().map(|id| id.to_string()).unwrap_or_default()
        >
            {twins
                .into_iter()
                .map(|twin| {
                    let label = format!("#{} {}", twin.id, twin.spec.display_name());
                    view! { <option value=twin.id.to_string()>{label}</option> }
                })
                .collect_view()}
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
                        {format!("{} worker(s) replaced after a crash; {} claimed share(s) rejected by verification.",
                            stats.workers_replaced, stats.rejected)}
                    </p>
                })
            }}
            <HashrateChart history=miner.history/>
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
        let end = points.last().map_or_else(crate::data::now_seconds, |&(time, _)| time);
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
    let chain = expect_context::<ChainContext>();
    let wallet = expect_context::<WalletContext>();
    let miner = expect_context::<Miner>();
    let submitting = RwSignal::new(None::<JobSpec>);

    let mine = move || {
        let connection = wallet.connection.get();
        miner.queue.with(|queue| match connection {
            Some(connection) => queue.submittable(connection.chain_id, connection.account).cloned().collect::<Vec<_>>(),
            None => Vec::new(),
        })
    };

    // Read when the button is pressed: the batch is verified again from storage at that moment.
    let request = Signal::derive({
        let chain = chain.clone();
        move || -> Result<TxRequest, String> {
            let connection = wallet.connection.get_untracked().ok_or("Connect a wallet first.")?;
            let ledger = chain.ledger.as_ref().ok_or("HashTwin has no ledger on this network.")?;
            let now = crate::data::now_seconds();
            let batch = miner.take_batch_for_submission(chain.network.chain_id, connection.account, now)?;
            submitting.set(Some(batch.job.clone()));
            Ok(ledger.submit(&batch))
        }
    });
    let on_confirmed = Callback::new(move |_| {
        if let Some(job) = submitting.get_untracked() {
            miner.forget_batch(&job);
        }
    });

    view! {
        <section class="panel" aria-labelledby="pending-heading">
            <h2 id="pending-heading">"Shares to submit"</h2>
            {move || {
                let batches = mine();
                if batches.is_empty() {
                    return view! { <p class="empty" data-testid="pending-empty">"No shares waiting."</p> }.into_any();
                }
                let total: usize = batches.iter().map(|batch| batch.nonces.len()).sum();
                view! {
                    <p data-testid="pending-count">{format!("{total} share(s) in {} batch(es), kept in this browser until submitted.", batches.len())}</p>
                    <ul class="batches">
                        {batches.into_iter().map(|batch| view! { <BatchRow batch/> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            // Outside the list: submitting changes the queue, and must not rebuild the button
            // that is showing its progress.
            <TransactButton label="Submit the oldest batch" request on_confirmed/>
        </section>
    }
}

#[component]
fn BatchRow(batch: PendingBatch) -> impl IntoView {
    let miner = expect_context::<Miner>();
    let work = CompactBits(batch.job.bits).work_per_share().map(|work| work.as_u128()).unwrap_or_default();
    let count = batch.nonces.len();
    let job = batch.job.clone();
    let mining_it = move || miner.status.get().is_active() && miner.current_job().as_ref() == Some(&job);
    let discard_job = batch.job.clone();
    view! {
        <li data-testid="batch">
            {format!("Twin #{}: {count} share(s), {}", batch.job.twin_id, format_work(work * count as u128))}
            {move || mining_it().then(|| view! { <span class="hint">" (still mining)"</span> })}
            <button class="quiet" on:click=move |_| miner.forget_batch(&discard_job)>"Discard"</button>
        </li>
    }
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
