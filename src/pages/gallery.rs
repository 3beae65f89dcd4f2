//! Every twin, with search, filters and sort kept in the URL so a view can be shared and survives
//! a reload. Pages of [`PAGE_SIZE`] keep the DOM small however many twins there are.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use futures::StreamExt;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::chain::activity::RegistryActivity;
use crate::chain::collection::ChainHead;
use crate::chain::earnings::{read_feeds, FeedAddresses};
use crate::chain::rpc::RpcClient;
use crate::chunk::ChunkLoadFailed;
use crate::components::collection_pulse::{ActivityFeed, FloorsPanel};
use crate::components::twin_card::TwinCard;
use crate::domain::earnings::Settlement;
use crate::domain::gallery::{self, Facets, GalleryEntry, GalleryQuery, GalleryView, SortKey, PAGE_SIZE};
use crate::domain::{TwinStatus, Wei};
use crate::store::{first_gallery_page, ChainStore, IndexerState, Loaded};

/// Twins whose telemetry is read at once for "Paid ≥ 95%" from the chain: each read is a few
/// block lookups and one log query.
const TELEMETRY_READS_AT_ONCE: usize = 4;

/// A twin whose 30-day paid ratio the chain reader works out from its telemetry.
#[derive(Debug, Clone, PartialEq)]
struct PaidNeed {
    twin_id: u64,
    /// How many periods it had settled: a new settlement asks for the ratio again.
    settled: usize,
    /// Its telemetry is read from here on.
    since: u64,
    /// The settlements of its last 30 days.
    settlements: Vec<Settlement>,
}

/// The paid ratios the chain reader worked out: twin → (periods settled then, the ratio).
type PaidRatios = HashMap<u64, (usize, Option<u64>)>;

/// How far the chain reader is in reading the telemetry "Paid ≥ 95%" needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PaidReading {
    Idle,
    Reading { done: usize, of: usize },
    Failed(String),
}

/// Where the gallery's twins were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The indexer, as of this block.
    Indexer(u64),
    /// The newest twins as the contracts hold them at this block, while the history is read.
    Lens(u64),
    Chain,
}

/// What the page frame shows; the filters and results inside follow the query on their own.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Frame {
    Loading,
    Failed(String),
    NoTwins,
    Ready,
}

#[component]
pub fn GalleryPage() -> impl IntoView {
    crate::components::page_title(|| "Gallery".to_string());
    let store = expect_context::<ChainStore>();
    let location = use_location();
    let query = Memo::new(move |_| GalleryQuery::from_query_string(location.search.get().trim_start_matches('?')));
    let navigate = use_navigate();
    // Every change of filter starts again from the first page; paging itself keeps the filters.
    // Each change is a step Back can undo, except that typing on in the same field replaces the
    // step its first pause made.
    let last_typed = StoredValue::new(None::<&'static str>);
    let set_query = Callback::new(move |(next, change): (GalleryQuery, QueryChange)| {
        let replace = match change {
            QueryChange::Picked => false,
            QueryChange::Typed(field) => last_typed.get_value() == Some(field),
        };
        last_typed.set_value(match change {
            QueryChange::Picked => None,
            QueryChange::Typed(field) => Some(field),
        });
        let search = next.to_query_string();
        let path = if search.is_empty() { "/".to_string() } else { format!("/?{search}") };
        if path != format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked()) {
            navigate(&path, NavigateOptions { replace, scroll: false, ..Default::default() });
        }
    });

    // Every twin once per change of the history, and their facets once with them: a change of
    // query only filters, sorts and pages what is there.
    let catalog = store.catalog();
    let entries = Memo::new(move |_| {
        catalog.with(|catalog| catalog.clone().map(|read| read.map(|catalog| catalog.gallery_entries(catalog.now()))))
    });
    // "Paid ≥ 95%" from the chain: the paid ratio needs each twin's telemetry, read only while the
    // filter is on and the indexer (which has the ratio) is not used, for the twins that settled a
    // period in the last 30 days, and kept for the visit.
    let paid_filter = Memo::new(move |_| query.with(|query| query.paid_in_full));
    let paid_needs = Memo::new({
        let store = store.clone();
        move |_| -> Vec<PaidNeed> {
            if !paid_filter.get() || matches!(store.indexer_state(), IndexerState::Ready(_)) {
                return Vec::new();
            }
            catalog.with(|catalog| match catalog {
                Some(Ok(catalog)) => paid_needs_of(catalog, catalog.now()),
                _ => Vec::new(),
            })
        }
    });
    let paid_ratios = RwSignal::new(PaidRatios::new());
    let paid_reading = RwSignal::new(PaidReading::Idle);
    let in_flight = StoredValue::new(HashSet::<(u64, usize)>::new());
    Effect::new({
        let store = store.clone();
        move |_| {
            let needs = paid_needs.get();
            // Read again when the history changes, not at every block: a read that failed is not
            // tried again until then.
            let Some(latest) = store.latest.get_untracked().or_else(|| store.latest.get()) else { return };
            let known = paid_ratios.get_untracked();
            let missing: Vec<PaidNeed> = needs
                .into_iter()
                .filter(|need| known.get(&need.twin_id).is_none_or(|(settled, _)| *settled != need.settled))
                .filter(|need| in_flight.with_value(|flying| !flying.contains(&(need.twin_id, need.settled))))
                .collect();
            if missing.is_empty() {
                return;
            }
            in_flight.update_value(|flying| flying.extend(missing.iter().map(|need| (need.twin_id, need.settled))));
            let reads = PaidReads {
                activity: store.registry.as_ref().map(|registry| registry.activity().clone()),
                rpc: store.rpc.clone(),
                feeds: store.feeds,
                missing,
                latest,
                ratios: paid_ratios,
                reading: paid_reading,
                in_flight,
            };
            leptos::task::spawn_local(async move {
                match read_paid_ratios(reads.clone()).await {
                    Ok(reading) => reading.await,
                    Err(ChunkLoadFailed) => {
                        // Asked for again when the history changes, as a failed read is.
                        reads.in_flight.update_value(|flying| {
                            for need in &reads.missing {
                                flying.remove(&(need.twin_id, need.settled));
                            }
                        });
                        reads.reading.set(PaidReading::Failed(
                            "The part of HashTwin that reads the twins' telemetry could not be downloaded; \
                             it is asked for again with the next block that changes the collection."
                                .into(),
                        ));
                    }
                }
            });
        }
    });
    // The entries with the paid ratios read so far, each for the settlements it was read for.
    let judged = Memo::new(move |_| {
        let entries = entries.get()?;
        let needs = paid_needs.get();
        Some(entries.map(|mut entries| {
            if !needs.is_empty() {
                paid_ratios.with(|known| with_paid_ratios(&mut entries, &needs, known));
            }
            entries
        }))
    });
    // While the ratios the filter needs are being read, the filter cannot be judged yet.
    let paid_pending = Signal::derive(move || {
        let pending = paid_needs.with(|needs| {
            paid_ratios.with(|known| {
                needs
                    .iter()
                    .filter(|need| known.get(&need.twin_id).is_none_or(|(settled, _)| *settled != need.settled))
                    .count()
            })
        });
        match paid_reading.get() {
            _ if pending == 0 => None,
            // What could be read is shown, with why the rest could not.
            PaidReading::Failed(message) => Some(Err(message)),
            PaidReading::Reading { done, of } => Some(Ok(format!(
                "Reading the telemetry of {of} twins to hold what they paid against what they measured: {done} of {of}…"
            ))),
            PaidReading::Idle => Some(Ok(format!("Reading the telemetry of {pending} twins…"))),
        }
    });
    let chain_facets = Memo::new(move |_| {
        entries.with(|entries| match entries {
            Some(Ok(entries)) => gallery::facets(entries),
            _ => Facets::default(),
        })
    });
    let from_chain = Memo::new(move |_| {
        judged.with(|entries| match entries {
            None => None,
            Some(Err(message)) => Some(Err(message.clone())),
            Some(Ok(entries)) => Some(Ok(query.with(|query| query.view(entries, chain_facets.get())))),
        })
    });
    let from_indexer = LocalResource::new({
        let store = store.clone();
        move || {
            // Keyed on the query and on the block the indexer has reached, not on the chain's head.
            let state = store.indexer_state();
            let query = query.get();
            let (indexer, clock) = (store.indexer.clone(), store.clock());
            async move {
                match (state, indexer) {
                    (IndexerState::Ready(indexed), Some(indexer)) => {
                        let now = clock.now().max(indexed.time);
                        let view = indexer.gallery(&query, now).await;
                        Some(view.map(|view| (query, view, indexed.block)))
                    }
                    _ => None,
                }
            }
        }
    });
    Effect::new({
        let store = store.clone();
        move |_| {
            if let Some(Some(Err(error))) = from_indexer.get() {
                store.indexer_failed(error.to_string());
            }
        }
    });
    // The first page, newest first, in one call while the history is read: only for the default
    // view, which is what the lens can answer.
    let from_lens = LocalResource::new({
        let store = store.clone();
        move || first_gallery_page(store.lens.clone())
    });
    let shown = Memo::new({
        let store = store.clone();
        move |previous: Option<&Loaded<(GalleryView, Source)>>| -> Loaded<(GalleryView, Source)> {
            if matches!(store.indexer_state(), IndexerState::Ready(_)) {
                match from_indexer.get() {
                    Some(Some(Ok((asked, view, block)))) if query.with(|query| *query == asked) => {
                        return Some(Ok((view, Source::Indexer(block))));
                    }
                    // No answer to this query yet, or one to an earlier query that came in last:
                    // the indexer's page stays until this query's comes, rather than the whole
                    // collection being filtered here meanwhile.
                    _ if matches!(previous, Some(Some(Ok((_, Source::Indexer(_)))))) => {
                        return previous.cloned().flatten()
                    }
                    _ => {}
                }
            }
            match from_chain.get() {
                None if query.with(|query| *query == GalleryQuery::default()) => match from_lens.get() {
                    Some(Ok(Some((view, block)))) => Some(Ok((view, Source::Lens(block)))),
                    Some(Err(message)) => Some(Err(message)),
                    _ => None,
                },
                read => read.map(|read| read.map(|view| (view, Source::Chain))),
            }
        }
    });
    let frame = Memo::new(move |_| {
        shown.with(|shown| match shown {
            None => Frame::Loading,
            Some(Err(message)) => Frame::Failed(message.clone()),
            Some(Ok((view, _))) if view.total == 0 => Frame::NoTwins,
            Some(Ok(_)) => Frame::Ready,
        })
    });
    let view = Signal::derive(move || {
        shown.with(|shown| shown.clone().and_then(Result::ok).map(|(view, _)| view).unwrap_or_default())
    });
    let source = Signal::derive(move || {
        shown.with(|shown| shown.as_ref().and_then(|shown| shown.as_ref().ok()).map(|(_, source)| *source))
    });

    view! {
        <h1>"Gallery"</h1>
        <p class="lede">"Every mining rig with a twin on chain. No wallet needed to look."</p>
        {move || match frame.get() {
            Frame::Loading => view! { <GallerySkeleton/> }.into_any(),
            Frame::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            Frame::NoTwins => view! { <p class="empty">"No twins minted yet. " <a href="/mint">"Mint the first"</a></p> }.into_any(),
            Frame::Ready => view! {
                <Filters facets=Signal::derive(move || view.with(|view| view.facets.clone())) query set_query/>
                <Results
                    view
                    query
                    set_query
                    pending=Signal::derive(move || {
                        let from_chain = matches!(source.get(), Some(Source::Chain));
                        paid_pending.get().filter(|_| from_chain).and_then(Result::ok)
                    })
                />
                {move || {
                    let from_chain = matches!(source.get(), Some(Source::Chain));
                    match paid_pending.get() {
                        Some(Err(message)) if from_chain => Some(view! { <p class="error" role="alert">{message}</p> }),
                        _ => None,
                    }
                }}
                <p class="hint" data-testid="gallery-source">{move || match source.get() {
                    Some(Source::Indexer(block)) => format!("From the indexer, at block {block}."),
                    Some(Source::Lens(block)) => format!(
                        "The newest twins as the chain holds them at block {block}. Search, filters and other pages follow once the collection's history is read."
                    ),
                    _ if paid_filter.get() => "Read from the chain by this browser, what each twin paid held against its telemetry.".to_string(),
                    _ => "Read from the chain by this browser.".to_string(),
                }}</p>
                <div class="pulse">
                    <FloorsPanel/>
                    <ActivityFeed/>
                </div>
            }
                .into_any(),
        }}
    }
}

#[component]
fn GallerySkeleton() -> impl IntoView {
    view! {
        <p class="loading" aria-busy="true">"Loading twins…"</p>
        <div class="twin-grid" aria-hidden="true">
            {(0..6).map(|_| view! { <div class="twin-card skeleton"></div> }).collect_view()}
        </div>
    }
}

/// How a filter changed, which decides whether Back undoes it on its own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum QueryChange {
    /// Picked, ticked, cleared or paged: a step of its own.
    Picked,
    /// Typed into the named field.
    Typed(&'static str),
}

/// Typing waits for this pause before it filters, so that each key does not refilter and rewrite
/// the address.
const TYPING_PAUSE_MS: u32 = 350;

/// An input that applies what is typed once typing pauses, and shows the query's value whenever
/// that means something else than the text in it: a Back or a Clear rewrites it; the echo of
/// its own typing ("1." applied as 1) does not, nor does any change while typing waits.
/// `normalized` is the text as the query would show it.
#[component]
fn TypedFilter(
    #[prop(into)] shown: Signal<String>,
    normalized: fn(&str) -> String,
    on_pause: Callback<String>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let pending = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    Effect::new(move |_| {
        let text = shown.get();
        let Some(input) = input.get() else { return };
        let waiting = pending.with_value(Option::is_some);
        if !waiting && normalized(&input.value()) != text {
            input.set_value(&text);
        }
    });
    let typed_text = move || input.get_untracked().map(|element| element.value());
    let apply = move |text: String| {
        pending.set_value(None);
        on_pause.run(text);
    };
    let on_input = move |_| {
        let Some(text) = typed_text() else { return };
        // Replacing the timer of the last keystroke cancels it.
        pending.set_value(Some(gloo_timers::callback::Timeout::new(TYPING_PAUSE_MS, move || apply(text))));
    };
    // Enter, or leaving the field (to press Clear, say), applies at once what is still waiting.
    let on_change = move |_| {
        if pending.with_value(Option::is_some) {
            if let Some(text) = typed_text() {
                apply(text);
            }
        }
    };
    view! { <input node_ref=input prop:value=shown.get_untracked() on:input=on_input on:change=on_change/> }
}

fn price_text(price: Option<Wei>) -> String {
    price.map(|price| price.format_ether(18).trim_end_matches(" ETH").to_string()).unwrap_or_default()
}

fn typed_price(text: &str) -> Option<Wei> {
    Wei::parse_ether(text).ok()
}

fn efficiency_text(value: Option<f64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

fn typed_efficiency(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|value| *value >= 0.0)
}

#[component]
fn Filters(
    facets: Signal<Facets>,
    query: Memo<GalleryQuery>,
    set_query: Callback<(GalleryQuery, QueryChange)>,
) -> impl IntoView {
    let change_to = move |how: QueryChange, change: &dyn Fn(&mut GalleryQuery)| {
        let mut next = query.get_untracked();
        change(&mut next);
        next.page = 0;
        set_query.run((next, how));
    };
    let update = move |change: &dyn Fn(&mut GalleryQuery)| change_to(QueryChange::Picked, change);
    let typed =
        move |field: &'static str, change: &dyn Fn(&mut GalleryQuery)| change_to(QueryChange::Typed(field), change);
    let single = |values: &[String]| values.first().cloned().unwrap_or_default();

    view! {
        <form class="filters" role="search" aria-label="Filter twins" on:submit=|event| event.prevent_default()>
            <div class="field grow">
                <label for="gallery-search">"Search"</label>
                <TypedFilter
                    shown=Signal::derive(move || query.get().search)
                    normalized=str::to_string
                    on_pause=Callback::new(move |text: String| typed("search", &|query| query.search = text.clone()))
                    {..} id="gallery-search" type="search" placeholder="Model, maker, place or #id"
                />
            </div>
            <div class="field">
                <label for="gallery-maker">"Maker"</label>
                <select
                    id="gallery-maker"
                    prop:value=move || single(&query.get().manufacturers)
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        update(&|query| query.manufacturers = (!value.is_empty()).then(|| value.clone()).into_iter().collect());
                    }
                >
                    <option value="">"All"</option>
                    {move || facets.with(|facets| facets.manufacturers.iter().map(|(name, count)| view! {
                        <option value=name.clone()>{format!("{name} ({count})")}</option>
                    }).collect_view())}
                </select>
            </div>
            <div class="field">
                <label for="gallery-model">"Model"</label>
                <select
                    id="gallery-model"
                    prop:value=move || single(&query.get().models)
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        update(&|query| query.models = (!value.is_empty()).then(|| value.clone()).into_iter().collect());
                    }
                >
                    <option value="">"All"</option>
                    {move || facets.with(|facets| facets.models.iter().map(|(name, count)| view! {
                        <option value=name.clone()>{format!("{name} ({count})")}</option>
                    }).collect_view())}
                </select>
            </div>
            <div class="field">
                <label for="gallery-status">"Status"</label>
                <select
                    id="gallery-status"
                    prop:value=move || query.get().statuses.first().map(|status| status.label().to_string()).unwrap_or_default()
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        let status = TwinStatus::ALL.into_iter().find(|status| status.label() == value);
                        update(&|query| query.statuses = status.into_iter().collect());
                    }
                >
                    <option value="">"Any"</option>
                    {TwinStatus::ALL.map(|status| view! { <option value=status.label()>{status.label()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="gallery-sort">"Sort"</label>
                <select
                    id="gallery-sort"
                    prop:value=move || query.get().sort.slug()
                    on:change=move |event| {
                        let sort = SortKey::from_slug(&event_target_value(&event)).unwrap_or_default();
                        update(&|query| query.sort = sort);
                    }
                >
                    {SortKey::ALL.map(|sort| view! { <option value=sort.slug()>{sort.label()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label>
                    <input
                        type="checkbox"
                        prop:checked=move || query.get().listed_only
                        on:change=move |event| {
                            let checked = event_target_checked(&event);
                            update(&|query| query.listed_only = checked);
                        }
                    />
                    " For sale only"
                </label>
                <label title="Twins split into shares anyone can own a piece of">
                    <input
                        type="checkbox"
                        prop:checked=move || query.get().split_only
                        on:change=move |event| {
                            let checked = event_target_checked(&event);
                            update(&|query| query.split_only = checked);
                        }
                    />
                    " Split into shares"
                </label>
                <label title="No settlement came late in its last 30 days of them, and the open period is within its grace">
                    <input
                        type="checkbox"
                        prop:checked=move || query.get().on_time
                        on:change=move |event| {
                            let checked = event_target_checked(&event);
                            update(&|query| query.on_time = checked);
                        }
                    />
                    " Pays on time"
                </label>
                <label title="Gross paid at least 95% of what its measured hash work should have grossed, over its last 30 days of settlements">
                    <input
                        type="checkbox"
                        prop:checked=move || query.get().paid_in_full
                        on:change=move |event| {
                            let checked = event_target_checked(&event);
                            update(&|query| query.paid_in_full = checked);
                        }
                    />
                    " Paid ≥ 95% of expected"
                </label>
            </div>
            <fieldset class="range">
                <legend>"Price, ETH"</legend>
                <TypedFilter
                    shown=Signal::derive(move || price_text(query.get().price_min))
                    normalized=|text| price_text(typed_price(text))
                    on_pause=Callback::new(move |text: String| {
                        let price = typed_price(&text);
                        typed("price_min", &|query| query.price_min = price);
                    })
                    {..} type="number" min="0" step="any" inputmode="decimal" aria-label="Lowest price in ETH" placeholder="min"
                />
                <TypedFilter
                    shown=Signal::derive(move || price_text(query.get().price_max))
                    normalized=|text| price_text(typed_price(text))
                    on_pause=Callback::new(move |text: String| {
                        let price = typed_price(&text);
                        typed("price_max", &|query| query.price_max = price);
                    })
                    {..} type="number" min="0" step="any" inputmode="decimal" aria-label="Highest price in ETH" placeholder="max"
                />
            </fieldset>
            <fieldset class="range">
                <legend>"Efficiency, J/TH"</legend>
                <TypedFilter
                    shown=Signal::derive(move || efficiency_text(query.get().efficiency_min))
                    normalized=|text| efficiency_text(typed_efficiency(text))
                    on_pause=Callback::new(move |text: String| {
                        let value = typed_efficiency(&text);
                        typed("efficiency_min", &|query| query.efficiency_min = value);
                    })
                    {..} type="number" min="0" step="any" inputmode="decimal" aria-label="Best efficiency in J/TH" placeholder="min"
                />
                <TypedFilter
                    shown=Signal::derive(move || efficiency_text(query.get().efficiency_max))
                    normalized=|text| efficiency_text(typed_efficiency(text))
                    on_pause=Callback::new(move |text: String| {
                        let value = typed_efficiency(&text);
                        typed("efficiency_max", &|query| query.efficiency_max = value);
                    })
                    {..} type="number" min="0" step="any" inputmode="decimal" aria-label="Worst efficiency in J/TH" placeholder="max"
                />
            </fieldset>
            <button type="button" class="quiet" on:click=move |_| set_query.run((GalleryQuery::default(), QueryChange::Picked))>"Clear"</button>
        </form>
    }
}

#[component]
fn Results(
    view: Signal<GalleryView>,
    query: Memo<GalleryQuery>,
    set_query: Callback<(GalleryQuery, QueryChange)>,
    /// What is still being read before the results can be judged, in words.
    pending: Signal<Option<String>>,
) -> impl IntoView {
    let matching = Memo::new(move |_| view.with(|view| view.matching));
    let page = move || gallery::clamp_page(matching.get(), query.get().page);
    let go_to = move |page: u32| {
        let mut next = query.get_untracked();
        next.page = page;
        set_query.run((next, QueryChange::Picked));
    };

    view! {
        {move || match pending.get() {
            Some(words) => view! { <p class="loading" aria-busy="true" role="status" data-testid="gallery-reading">{words}</p> }.into_any(),
            None => view! {
                <p class="count" data-testid="twin-count" role="status">
                    {move || view.with(|view| {
                        let (shown, total) = (view.matching, view.total);
                        if shown == total { format!("{total} twins") } else { format!("{shown} of {total} twins") }
                    })}
                </p>
            }
                .into_any(),
        }}
        {move || {
            if pending.with(Option::is_some) {
                return ().into_any();
            }
            if matching.get() == 0 {
                return view! { <p class="empty">"No twin matches these filters."</p> }.into_any();
            }
                    view! {
                <div class="twin-grid">
                    // Keyed on what a card shows, so that a card whose twin changed is drawn again.
                    <For
                        each=move || view.with(|view| view.entries.clone())
                        key=|entry| (entry.twin.id, entry.status, entry.listing_price, entry.donated_work, entry.earnings)
                        let:entry
                    >
                        <TwinCard entry/>
                    </For>
                </div>
            }
                .into_any()
        }}
        {move || {
            if pending.with(Option::is_some) {
                return None;
            }
            let pages = gallery::page_count(matching.get());
            (pages > 1).then(|| {
                let current = page();
                view! {
                    <nav class="pager" aria-label="Pages">
                        <button on:click=move |_| go_to(current - 1) disabled={current == 0}>"Previous"</button>
                        <span>{format!("Page {} of {pages}", current + 1)}</span>
                        // Braced: unbraced, the macro ends the attribute at `>=`, which left Next
                        // disabled by a stray `1` and labelled "= pages >Next".
                        <button on:click=move |_| go_to(current + 1) disabled={current + 1 >= pages}>"Next"</button>
                    </nav>
                }
            })
        }}
        <p class="hint">{format!("{PAGE_SIZE} twins per page.")}</p>
    }
}

/// The twins whose paid ratio "Paid ≥ 95%" needs from their telemetry at `now`: those that settled
/// a period in the 30 days before it.
fn paid_needs_of(catalog: &crate::store::Catalog, now: u64) -> Vec<PaidNeed> {
    let book = catalog.book();
    catalog
        .twins()
        .iter()
        .filter_map(|twin| {
            let settlements = book.settlements(twin.id);
            let since = gallery::paid_ratio_since(settlements, now)?;
            let recent = settlements.iter().filter(|settlement| settlement.period_start >= since).cloned().collect();
            Some(PaidNeed { twin_id: twin.id, settled: settlements.len(), since, settlements: recent })
        })
        .collect()
}

/// Puts each ratio read into its twin's entry, if it was read for the settlements there are now.
fn with_paid_ratios(entries: &mut [GalleryEntry], needs: &[PaidNeed], known: &PaidRatios) {
    let settled: HashMap<u64, usize> = needs.iter().map(|need| (need.twin_id, need.settled)).collect();
    for entry in entries {
        let id = entry.twin.id;
        entry.earnings.paid_bps_30d = match (known.get(&id), settled.get(&id)) {
            (Some((read_for, ratio)), Some(settled)) if read_for == settled => *ratio,
            _ => None,
        };
    }
}

/// What reading the paid ratios of the twins that still miss one takes, and where it reports.
#[derive(Clone)]
struct PaidReads {
    activity: Option<RegistryActivity>,
    rpc: RpcClient,
    feeds: Option<FeedAddresses>,
    missing: Vec<PaidNeed>,
    latest: ChainHead,
    ratios: RwSignal<PaidRatios>,
    reading: RwSignal<PaidReading>,
    in_flight: StoredValue<HashSet<(u64, usize)>>,
}

type Reading = Pin<Box<dyn Future<Output = ()>>>;

/// Reads the missing twins' telemetry and works out their paid ratios, a few at a time. Only the
/// "Paid ≥ 95%" filter on the chain's history needs it, so it is a chunk of its own (issue 15).
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(paid_reader, wasm_split_path = ::leptos::wasm_split, fallible)]
fn read_paid_ratios(reads: PaidReads) -> Result<Reading, ChunkLoadFailed> {
    Ok(Box::pin(reads.read()))
}

#[cfg(not(feature = "split"))]
async fn read_paid_ratios(reads: PaidReads) -> Result<Reading, ChunkLoadFailed> {
    Ok(Box::pin(reads.read()))
}

impl PaidReads {
    async fn read(self) {
        let PaidReads { activity, rpc, feeds, missing, latest, ratios, reading, in_flight } = self;
        let of = missing.len();
        reading.set(PaidReading::Reading { done: 0, of });
        // Settlements record BTC's price with its feed's decimals: Chainlink's USD feeds, and the
        // deployment's own, have 8.
        let decimals = match feeds {
            Some(feeds) => read_feeds(&rpc, feeds).await.map_or(8, |readings| readings.btc_usd.decimals),
            None => 8,
        };
        let mut reads = futures::stream::iter(missing.into_iter().map(|need| {
            let activity = activity.clone();
            async move {
                let ratio = read_paid_ratio(activity, &need, latest, decimals).await;
                (need, ratio)
            }
        }))
        .buffer_unordered(TELEMETRY_READS_AT_ONCE);
        let (mut done, mut failure) = (0, None);
        while let Some((need, ratio)) = reads.next().await {
            done += 1;
            in_flight.update_value(|flying| {
                flying.remove(&(need.twin_id, need.settled));
            });
            if ratios.is_disposed() {
                return;
            }
            match ratio {
                Ok(ratio) => ratios.update(|known| {
                    known.insert(need.twin_id, (need.settled, ratio));
                }),
                Err(message) => failure = Some(message),
            }
            reading.set(PaidReading::Reading { done, of });
        }
        reading.set(failure.map_or(PaidReading::Idle, PaidReading::Failed));
    }
}

/// A twin's 30-day paid ratio from its telemetry, read from the chain as of `latest`.
async fn read_paid_ratio(
    activity: Option<RegistryActivity>,
    need: &PaidNeed,
    latest: ChainHead,
    btc_usd_decimals: u8,
) -> Result<Option<u64>, String> {
    let activity = activity.ok_or("HashTwin has no registry on this network.")?;
    let samples = activity.telemetry(need.twin_id, need.since, latest).await.map_err(|error| {
        format!("The telemetry of twin #{} could not be read to hold its payouts against: {error}.", need.twin_id)
    })?;
    Ok(gallery::paid_bps_30d(&need.settlements, &samples, btc_usd_decimals))
}
