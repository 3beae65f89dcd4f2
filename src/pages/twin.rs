//! One twin: its rig, roles, market, telemetry, earnings, maintenance, provenance and donations.
//!
//! The nameplate never changes after the mint; everything else is a slice of the store, so a
//! block redraws only the part it changed.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::account::{AccountName, Sentence, TxLink};
use crate::components::donations::DonatedWork;
use crate::components::earnings::{PayoutsPanel, SettlePanel, TermsPanel};
use crate::components::fractions::FractionsPanel;
use crate::components::market_panel::MarketPanel;
use crate::components::operator_tools::{OperatorOffer, OperatorTools};
use crate::components::price_history::PriceHistoryPanel;
use crate::components::source::HistorySourceLine;
use crate::components::telemetry::{ProfitabilityPanel, Reports, TelemetryPanel};
use crate::components::wallet::WalletContext;
use crate::domain::activity::{provenance, TwinEvent};
use crate::domain::calendar::Date;
use crate::domain::chart::badge_svg;
use crate::domain::donations;
use crate::domain::mint_form::format_efficiency;
use crate::domain::telemetry::Window;
use crate::domain::twin::{format_hashrate, format_power};
use crate::domain::{Address, RigSpec, Twin, TwinStatus};
use crate::store::{cross_check, now_seconds, twin_snapshot, use_feed_readings, ChainStore, CrossCheck, TwinSnapshot};

crate::pages::lazy::lazy_route!(
    /// `/twin/:id`, downloaded on the first visit.
    TwinRoute,
    route_twin,
    TwinPage
);

#[component]
pub fn TwinPage() -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<u64>().ok()));
    let twin = store.slice(move |catalog| id.get().and_then(|id| catalog.twin(id).cloned()));
    crate::components::page_title(move || match (twin.get(), id.get()) {
        (Some(Ok(Some(twin))), _) => format!("{} #{}", twin.spec.display_name(), twin.id),
        (_, Some(id)) => format!("Twin #{id}"),
        (_, None) => "No such twin".to_string(),
    });
    // What the contracts hold now, in one call: the page while the history is read.
    let snapshot = LocalResource::new({
        let lens = store.lens.clone();
        move || twin_snapshot(lens.clone(), id.get())
    });
    let no_such_twin = || {
        view! {
            <h1>"No such twin"</h1>
            <p class="empty">"No twin has this id. " <a href="/">"Back to the gallery"</a></p>
        }
        .into_any()
    };

    view! {
        {move || match twin.get() {
            Some(Ok(Some(twin))) => view! { <TwinDetails twin/> }.into_any(),
            Some(Ok(None)) => no_such_twin(),
            Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            None => match snapshot.get() {
                Some(Ok(Some((block, Some(snapshot))))) => view! { <TwinFirstPaint snapshot block/> }.into_any(),
                Some(Ok(Some((_, None)))) => no_such_twin(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                _ => view! { <p class="loading" aria-busy="true">"Loading twin…"</p> }.into_any(),
            },
        }}
    }
}

/// The twin as its contracts hold it now, while the collection's history is read: what it is, who
/// holds it and whether it is for sale. Trading waits for the history, which says what the
/// market's terms and offers are.
#[component]
fn TwinFirstPaint(snapshot: TwinSnapshot, block: u64) -> impl IntoView {
    let roles = Signal::stored(Roles {
        status: snapshot.status,
        owner: Some(snapshot.owner),
        operator: snapshot.operator,
        reporter: snapshot.reporter,
        pending_operator: snapshot.pending_operator,
    });
    let listing = match snapshot.buyable {
        Some(listing) => {
            view! { {format!("Listed for {} by ", listing.price)}<AccountName address=listing.seller/> }.into_any()
        }
        None => "Not listed for sale.".into_any(),
    };
    view! {
        <TwinHeader twin=snapshot.twin.clone() status=Signal::stored(snapshot.status)/>
        <RigPanel spec=snapshot.twin.spec.clone()/>
        <RolesPanel twin=snapshot.twin.clone() roles/>
        <TermsPanel terms=snapshot.terms/>
        <section class="panel" aria-labelledby="market-heading" data-testid="market-panel">
            <h2 id="market-heading">"Market"</h2>
            <p data-testid="listing">{listing}</p>
            <p class="hint">"Buying, selling and offers open once the collection's history is read."</p>
        </section>
        <p class="hint source" data-testid="source">{format!("As the contracts hold it at block {block}, in one call.")}</p>
    }
}

#[component]
fn TwinHeader(twin: Twin, #[prop(into)] status: Signal<TwinStatus>) -> impl IntoView {
    let spec = twin.spec;
    let efficiency = spec.efficiency_j_per_th().map(format_efficiency).unwrap_or_default();
    let (name, hashrate) = (spec.display_name(), format_hashrate(spec.hashrate_ghs));
    view! {
        <div class="twin-header">
            <div class="badge" inner_html=move || badge_svg(&spec, status.get())></div>
            <div>
                <h1>{name}" "<span class="twin-id">"#"{twin.id}</span></h1>
                <p>
                    {move || {
                        let status = status.get();
                        view! { <span class=format!("status {}", status.label().to_lowercase()) data-testid="status">{status.label()}</span> }
                    }}
                    " · "{hashrate}" · "{efficiency}
                </p>
            </div>
        </div>
    }
}

#[component]
fn RigPanel(spec: RigSpec) -> impl IntoView {
    let efficiency = spec.efficiency_j_per_th().map(format_efficiency).unwrap_or_default();
    view! {
        <section class="panel" aria-labelledby="spec-heading">
            <h2 id="spec-heading">"Rig"</h2>
            <dl class="spec" data-testid="twin-spec">
                <dt>"Manufacturer"</dt><dd>{spec.manufacturer.clone()}</dd>
                <dt>"Model"</dt><dd>{spec.model.clone()}</dd>
                <dt>"Nominal hashrate"</dt><dd>{format_hashrate(spec.hashrate_ghs)}</dd>
                <dt>"Nominal power"</dt><dd>{format_power(spec.power_watts.into())}</dd>
                <dt>"Efficiency"</dt><dd>{efficiency}</dd>
                <dt>"Location"</dt><dd>{spec.location.clone()}</dd>
                <dt>"Commissioned"</dt><dd>{Date::from_unix(spec.commissioned_at).to_string()}</dd>
                <dt>"Serial hash"</dt><dd class="mono">{format!("0x{}", hex::encode(spec.serial_hash))}</dd>
            </dl>
        </section>
    }
}

#[component]
fn RolesPanel(twin: Twin, #[prop(into)] roles: Signal<Roles>) -> impl IntoView {
    let vault = expect_context::<ChainStore>().vault.map(|vault| vault.address());
    view! {
        <section class="panel" aria-labelledby="roles-heading">
            <h2 id="roles-heading">"Roles"</h2>
            <dl class="spec">
                <dt>"Owner"</dt>
                <dd>
                    <span class="mono" data-testid="owner">{move || roles.with(|roles| roles.owner.map(|owner| owner.to_string()).unwrap_or_default())}</span>
                    // In the owner's cell: a cell of its own would shift the list's pairs.
                    {move || roles.with(|roles| roles.owner.is_some() && roles.owner == vault).then(|| view! {
                        <span class="hint block" data-testid="owner-is-vault">"The vault, which holds the twin for its share holders while it is split."</span>
                    })}
                </dd>
                <dt>"Operator"</dt><dd class="mono" data-testid="operator">{move || roles.with(|roles| roles.operator.to_string())}</dd>
                <dt>"Reporter key"</dt><dd class="mono" data-testid="reporter">{move || roles.with(|roles| roles.reporter.to_string())}</dd>
                {move || roles.with(|roles| roles.pending_operator).map(|pending| view! {
                    <dt>"Operator offered to"</dt><dd class="mono" data-testid="proposed-operator">{pending.to_string()}</dd>
                })}
                <dt>"Royalty"</dt><dd>{format!("{}% ({} bps)", twin.royalty_percent(), twin.royalty_bps)}</dd>
            </dl>
        </section>
    }
}

/// Who holds and runs the twin now, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Roles {
    status: TwinStatus,
    owner: Option<Address>,
    operator: Address,
    reporter: Address,
    pending_operator: Option<Address>,
}

#[component]
fn TwinDetails(twin: Twin) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let twin_id = twin.id;
    let (minted_operator, minted_reporter) = (twin.operator, twin.reporter);
    let roles = store.slice(move |catalog| {
        let book = catalog.book();
        Roles {
            status: book.status(twin_id).unwrap_or(TwinStatus::Active),
            owner: book.owner(twin_id),
            operator: book.operator(twin_id).unwrap_or(minted_operator),
            reporter: book.reporter(twin_id).unwrap_or(minted_reporter),
            pending_operator: book.pending_operator(twin_id),
        }
    });
    // The page was drawn because the catalog has the twin: its slices are ready too.
    let roles = Memo::new(move |_| {
        roles.get().and_then(Result::ok).unwrap_or(Roles {
            status: TwinStatus::Active,
            owner: None,
            operator: minted_operator,
            reporter: minted_reporter,
            pending_operator: None,
        })
    });
    let status = Memo::new(move |_| roles.with(|roles| roles.status));
    // The chain is the authority: what the history says of the twin is held against it.
    let check = LocalResource::new({
        let (lens, catalog) = (store.lens.clone(), store.catalog());
        move || cross_check(lens.clone(), catalog.get(), twin_id)
    });
    let history = store.slice(move |catalog| provenance(catalog.events(), twin_id));
    let maintenance = store.slice(move |catalog| {
        catalog
            .events()
            .iter()
            .filter_map(|located| match located.twin_event() {
                Some((id, TwinEvent::Maintenance { kind, note, timestamp })) if id == twin_id => {
                    Some((located.block, located.log_index, kind.label(), note.clone(), *timestamp))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    });
    let donated = store.timed_slice(move |catalog| {
        donations::by_twin(catalog.credits(), catalog.now()).remove(&twin_id).unwrap_or_default()
    });
    let window = RwSignal::new(Window::Week);
    // One read serves the chart and the earnings, which are measured over the last week.
    let read_window = Memo::new(move |_| window.get().max(Window::Week));
    let reports = follow_telemetry(
        &store,
        twin_id,
        Signal::derive(move || Some(now_seconds().saturating_sub(read_window.get().seconds()))),
    );
    let terms = store.slice(move |catalog| catalog.book().terms(twin_id));
    // One read of the feeds per block serves the payouts' yardstick and the earnings estimate.
    let feeds = use_feed_readings();
    // The payouts are held against the reports of the periods they settled, the last 90 days of them.
    let payouts_since = store.slice(move |catalog| {
        let oldest = catalog.book().settlements(twin_id).first().map(|settlement| settlement.period_start)?;
        Some(oldest.max(catalog.now().saturating_sub(PAYOUT_TELEMETRY_DAYS * 86_400)))
    });
    let payout_reports =
        follow_telemetry(&store, twin_id, Signal::derive(move || payouts_since.get().and_then(Result::ok).flatten()));
    let price = store.timed_slice(move |catalog| {
        let book = catalog.book();
        book.listing(twin_id, catalog.now())
            .map(|listing| listing.price)
            .or_else(|| book.last_sale(twin_id).map(|sale| sale.price))
    });

    // Only the operator sees the tools, and only the proposed operator the offer.
    let account = move || wallet.connection.get().map(|connection| connection.account);
    let role_tools = move || {
        let Roles { status, operator, reporter, pending_operator, .. } = roles.get();
        match account() {
            Some(account) if account == operator => view! {
                <OperatorTools twin_id status operator reporter pending_operator/>
                {move || terms.get().and_then(Result::ok).flatten().map(|terms| view! { <SettlePanel twin_id terms/> })}
            }
            .into_any(),
            Some(account) if Some(account) == pending_operator => {
                view! { <OperatorOffer twin_id operator/> }.into_any()
            }
            _ => ().into_any(),
        }
    };
    let spec = twin.spec.clone();

    view! {
        <div class="twin-page">
        <TwinHeader twin=twin.clone() status/>
        <RigPanel spec=spec.clone()/>
        <RolesPanel twin=twin.clone() roles/>
        <HistorySourceLine/>
        {move || check.get().flatten().map(|checked| view! { <CrossCheckLine checked/> })}
        <MarketPanel twin_id/>
        <FractionsPanel twin_id/>
        <PriceHistoryPanel twin_id/>
        {role_tools}
        {move || terms.get().and_then(Result::ok).flatten().map(|terms| view! {
            <TermsPanel terms/>
            <PayoutsPanel
                twin_id
                terms
                nameplate_watts=spec.power_watts
                reports=payout_reports
                price=Signal::derive(move || price.get().and_then(Result::ok).flatten())
                feeds
            />
        })}
        <TelemetryPanel samples=reports window spec=spec.clone()/>
        {move || {
            let tariff = terms.get().and_then(Result::ok).flatten().map(|terms| terms.tariff_usd_per_kwh());
            view! { <ProfitabilityPanel week=reports spec=spec.clone() tariff feeds/> }
        }}
        <section class="panel" aria-labelledby="maintenance-heading">
            <h2 id="maintenance-heading">"Maintenance log"</h2>
            {move || match maintenance.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok(entries)) if entries.is_empty() => view! { <p class="empty">"Nothing logged yet."</p> }.into_any(),
                Some(Ok(entries)) => view! {
                    <ol class="timeline" data-testid="maintenance">
                        <For each=move || entries.clone().into_iter().rev() key=|(block, log_index, ..)| (*block, *log_index) let:entry>
                            <li>
                                <strong>{entry.2}</strong>
                                <span>{entry.3}</span>
                                <span class="meta">{Date::from_unix(entry.4).to_string()}" · block "{entry.0}</span>
                            </li>
                        </For>
                    </ol>
                }
                    .into_any(),
            }}
            <HistorySourceLine/>
        </section>
        <section class="panel" aria-labelledby="provenance-heading">
            <h2 id="provenance-heading">"Provenance"</h2>
            <ol class="timeline" data-testid="provenance">
                <For
                    each=move || history.get().and_then(Result::ok).unwrap_or_default().into_iter().rev()
                    key=|entry| (entry.block, entry.tx_hash.clone(), entry.describe())
                    let:entry
                >
                    <li>
                        <span><Sentence phrases=entry.phrases()/></span>
                        <span class="meta">"block "{entry.block}" · "<TxLink hash=entry.tx_hash.clone()/></span>
                    </li>
                </For>
            </ol>
            <HistorySourceLine/>
        </section>
        {move || donated.get().and_then(Result::ok).map(|donations| view! { <DonatedWork twin_id donations/> })}
        </div>
    }
}

/// Whether the contracts, asked at the history's block, tell the twin's owner, status and listing
/// as the page does; where they do not, the chain is what counts, and the page says so.
#[component]
fn CrossCheckLine(checked: Result<CrossCheck, String>) -> impl IntoView {
    match checked {
        Ok(CrossCheck { block, disagreements }) if disagreements.is_empty() => view! {
            <p class="hint" data-testid="chain-checked">{format!("Owner, status and listing checked against the chain at block {block}.")}</p>
        }
        .into_any(),
        Ok(CrossCheck { block, disagreements }) => view! {
            <div class="banner offline" role="alert" data-testid="chain-mismatch">
                <p>{format!("What this page shows disagrees with the chain at block {block}. The chain is what counts:")}</p>
                <ul>
                    {disagreements
                        .into_iter()
                        .map(|found| view! { <li>{format!("{}: the history says {}, the chain says {}.", found.what, found.history, found.chain)}</li> })
                        .collect_view()}
                </ul>
            </div>
        }
        .into_any(),
        Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
    }
}

/// How far back the Payouts panel reads telemetry to hold periods against.
const PAYOUT_TELEMETRY_DAYS: u64 = 90;

/// The twin's reports since `since` (unix seconds), read again as blocks arrive but announced only
/// when a report was added: the charts redraw for new data, not for every block.
fn follow_telemetry(store: &ChainStore, twin_id: u64, since: Signal<Option<u64>>) -> RwSignal<Reports> {
    let samples = RwSignal::new(None);
    let (latest, activity) = (store.latest, store.registry.as_ref().map(|registry| registry.activity().clone()));
    Effect::new(move |_| {
        let Some(latest) = latest.get() else { return };
        let Some(since) = since.get() else { return };
        let activity = activity.clone();
        leptos::task::spawn_local(async move {
            let read = match activity {
                Some(activity) => activity
                    .telemetry(twin_id, since, latest)
                    .await
                    .map_err(|error| format!("The telemetry could not be read: {error}.")),
                None => Err("HashTwin has no registry on this network.".to_string()),
            };
            if !samples.is_disposed() && samples.with_untracked(|known| known.as_ref() != Some(&read)) {
                samples.set(Some(read));
            }
        });
    });
    samples
}
