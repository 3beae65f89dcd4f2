//! A twin's market panel: only the actions that apply to whoever is looking, each through the
//! wallet layer's transaction path.
//!
//! Every part reads its own slice of the store, and the forms keep their state above the parts
//! that redraw: a new block that changes nothing here leaves a half-typed offer, an open fee
//! confirmation or a wallet prompt alone.

use leptos::prelude::*;

use crate::components::account::AccountName;
use crate::components::source::HistorySourceLine;

use crate::chain::tx::TxRequest;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::domain::calendar::{format_input_moment, format_moment};
use crate::domain::market::{
    format_bps, listing_expiry, offer_expiry, seller_proceeds, ListingState, DEFAULT_LISTING_DAYS, LISTING_DAYS,
};
use crate::domain::{Address, Listing, Offer, Wei};
use crate::store::{use_fee_bps, ChainStore};

const DAY: u64 = 24 * 60 * 60;
const DEFAULT_OFFER_DAYS: u64 = 7;

/// What the panel shows of one twin's market.
#[derive(Debug, Clone, PartialEq)]
struct TwinMarket {
    stored: Option<(Listing, ListingState)>,
    owner: Option<Address>,
    /// The offers the owner can accept now, highest first.
    offers: Vec<Offer>,
    takes_offers: bool,
}

/// Who is looking, as far as the panel's actions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    Nobody,
    Owner(Address),
    Buyer(Address),
}

#[component]
pub fn MarketPanel(twin_id: u64) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let state = store.timed_slice(move |catalog| {
        let now = catalog.now();
        let book = catalog.book();
        TwinMarket {
            stored: book.listing_state(twin_id, now),
            owner: book.owner(twin_id),
            offers: book.offers_on(twin_id, now),
            takes_offers: book.accepts_offers(twin_id),
        }
    });
    let account = move || wallet.connection.get().map(|connection| connection.account);
    let own_offer = store.slice(move |catalog| {
        account()
            .and_then(|account| catalog.book().offers_by(account).into_iter().find(|offer| offer.twin_id == twin_id))
    });
    let listing = Memo::new(move |_| {
        state.with(|state| match state {
            Some(Ok(TwinMarket { stored: Some((listing, ListingState::Live)), .. })) => Some(*listing),
            _ => None,
        })
    });
    let offers = Memo::new(move |_| {
        state
            .with(|state| state.as_ref().and_then(|state| state.as_ref().ok()).map(|state| state.offers.clone()))
            .unwrap_or_default()
    });
    let takes_offers = Memo::new(move |_| state.with(|state| matches!(state, Some(Ok(state)) if state.takes_offers)));
    let own_offer = Memo::new(move |_| own_offer.get().and_then(Result::ok).flatten());
    let viewer = Memo::new(move |_| {
        let owner =
            state.with(|state| state.as_ref().and_then(|state| state.as_ref().ok()).and_then(|state| state.owner));
        match (account(), owner) {
            (None, _) => Viewer::Nobody,
            (Some(account), Some(owner)) if account == owner => Viewer::Owner(account),
            (Some(account), _) => Viewer::Buyer(account),
        }
    });

    view! {
        <section class="panel" aria-labelledby="market-heading" data-testid="market-panel">
            <h2 id="market-heading">"Market"</h2>
            {move || state.with(|state| match state {
                None => view! { <p class="loading">"Loading the market…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message.clone()}</p> }.into_any(),
                Some(Ok(state)) => match state.stored {
                    Some((listing, ListingState::Live)) => view! {
                        <p data-testid="listing">{format!("Listed for {} by ", listing.price)}<AccountName address=listing.seller/></p>
                        <p class="hint" data-testid="listing-expiry">{format!("Open until {}.", format_moment(listing.expires_at))}</p>
                    }.into_any(),
                    Some((listing, dead)) => view! {
                        <p class="notice" data-testid="listing">{dead.describe(&listing)}</p>
                    }.into_any(),
                    None => view! { <p data-testid="listing">"Not listed for sale."</p> }.into_any(),
                },
            })}
            {move || offers.with(|offers| offers.first().map(|best| view! {
                <p data-testid="best-offer">
                    {format!("Best offer: {} from ", best.amount)}<AccountName address=best.bidder/>{format!(" ({} open)", offers.len())}
                </p>
            }))}
            {move || match viewer.get() {
                Viewer::Nobody => view! { <p class="hint">"Connect a wallet to buy, sell or make an offer."</p> }.into_any(),
                Viewer::Owner(owner) => view! {
                    <OwnerActions twin_id listed=listing offers owner retired=Signal::derive(move || !takes_offers.get())/>
                }.into_any(),
                Viewer::Buyer(_) => view! { <BuyerActions twin_id listing own_offer takes_offers/> }.into_any(),
            }}
            <HistorySourceLine/>
        </section>
    }
}

#[component]
fn BuyerActions(
    twin_id: u64,
    /// A live listing only: a dead one is never offered to buy.
    listing: Memo<Option<Listing>>,
    own_offer: Memo<Option<Offer>>,
    /// False once the twin is decommissioned: the market takes no new offers on it.
    takes_offers: Memo<bool>,
) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let market = store.market.clone();
    let clock = store.clock();
    let buy = {
        let market = market.clone();
        move || {
            listing.get().zip(market.clone()).map(|(listing, market)| {
                let request = Callback::new(move |()| Ok(market.buy(&listing)));
                view! { <TransactButton label=format!("Buy for {}", listing.price) request/> }
            })
        }
    };

    // Above the parts that redraw: what the buyer typed survives every block.
    let amount = RwSignal::new(String::new());
    // `None` until the user edits it: the field then shows a week from now, or the offer's own
    // expiry when that is later, which a raise may not move earlier.
    let expiry_typed = RwSignal::new(None::<String>);
    let default_expiry = move || {
        let week = clock.now() + DEFAULT_OFFER_DAYS * DAY;
        format_input_moment(own_offer.with(|offer| offer.as_ref().map_or(week, |offer| offer.expires_at.max(week))))
    };
    let expiry_text = move || expiry_typed.get().unwrap_or_else(default_expiry);
    let offer_request = {
        let market = market.clone();
        Callback::new(move |()| -> Result<TxRequest, String> {
            let market = market.as_ref().ok_or("No market on this network.")?;
            let amount = parse_amount(&amount.get_untracked())?;
            let current = own_offer.with_untracked(|offer| offer.as_ref().map(|offer| offer.expires_at));
            let expires_at = offer_expiry(&untrack(expiry_text), clock.now(), current)?;
            Ok(match own_offer.get_untracked() {
                Some(_) => market.raise_offer(twin_id, amount, expires_at),
                None => market.make_offer(twin_id, amount, expires_at),
            })
        })
    };
    let raising = Memo::new(move |_| own_offer.with(Option::is_some));
    let own_offer_words = move || {
        own_offer.get().map(|offer| {
            let state = if takes_offers.get() {
                expiry_words(offer.expires_at, clock.now())
            } else {
                "which can no longer be accepted: cancel it to get the ether back".to_string()
            };
            view! { <p data-testid="own-offer">{format!("Your offer: {}, {state}", offer.amount)}</p> }
        })
    };
    // Where the cancelled offer's ether went, and the way to get it, in the place the user acted.
    let refunded = RwSignal::new(None::<Wei>);
    let cancel = {
        let market = market.clone();
        move || {
            own_offer.get().zip(market.clone()).map(|(offer, market)| {
                let request = Callback::new(move |()| Ok(market.cancel_offer(twin_id, offer.amount)));
                let on_confirmed = Callback::new(move |()| refunded.set(Some(offer.amount)));
                view! { <TransactButton label="Cancel your offer" request on_confirmed/> }
            })
        }
    };
    let refund_notice = move || {
        refunded.get().map(|amount| {
            view! {
                <div class="notice" data-testid="refund-notice">
                    <p>{format!("Your offer's {amount} is in your proceeds, not yet in your wallet.")}</p>
                    <WithdrawNow/>
                </div>
            }
        })
    };

    view! {
        {buy}
        <div class="offer" data-testid="offer-form">
            <Show
                when=move || takes_offers.get()
                fallback=move || view! {
                    <p class="hint">"This twin was decommissioned: it takes no offers."</p>
                    {own_offer_words}
                }
            >
                <h3>{move || if raising.get() { "Raise your offer" } else { "Make an offer" }}</h3>
                {own_offer_words}
                <div class="field">
                    <label for="offer-amount">{move || if raising.get() { "Add, ETH" } else { "Amount, ETH" }}</label>
                    <input id="offer-amount" inputmode="decimal" placeholder="1.5" prop:value=amount on:input=move |event| amount.set(event_target_value(&event))/>
                    <label for="offer-expiry">"Expires, UTC"</label>
                    <input
                        id="offer-expiry"
                        type="datetime-local"
                        prop:value=expiry_text
                        on:input=move |event| expiry_typed.set(Some(event_target_value(&event)))
                    />
                </div>
                <TransactButton
                    label=Signal::derive(move || if raising.get() { "Raise offer".to_string() } else { "Make offer".to_string() })
                    request=offer_request
                />
            </Show>
            {cancel}
            {refund_notice}
        </div>
    }
}

/// Withdraws everything the market holds for the connected account, however it got there.
#[component]
pub fn WithdrawNow() -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let proceeds = LocalResource::new({
        let store = store.clone();
        move || {
            store.writes();
            let (market, account) =
                (store.market.clone(), wallet.connection.get().map(|connection| connection.account));
            async move {
                let (market, account) = market.zip(account).ok_or("Connect a wallet first.")?;
                market.proceeds_of(account).await.map_err(|error| format!("Your proceeds could not be read: {error}."))
            }
        }
    });
    let market = StoredValue::new(store.market.clone());
    move || match (proceeds.get(), market.get_value()) {
        (Some(Ok(amount)), Some(market)) if amount > Wei::ZERO => {
            let request = Callback::new(move |()| Ok(market.withdraw(amount)));
            view! { <TransactButton label=format!("Withdraw {amount} now") request/> }.into_any()
        }
        (Some(Err(message)), _) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        _ => ().into_any(),
    }
}

/// What the owner can do: approve the market once, list or cancel, and accept offers. The mint page
/// uses it for the listing that follows a mint, with the price the operator already typed.
#[component]
pub fn OwnerActions(
    twin_id: u64,
    /// The twin's live listing, if it has one.
    #[prop(into)]
    listed: Signal<Option<Listing>>,
    #[prop(into)] offers: Signal<Vec<Offer>>,
    owner: Address,
    /// Decommissioned: the market refuses to list it.
    #[prop(into, default = Signal::stored(false))]
    retired: Signal<bool>,
    #[prop(default = None)] initial_price: Option<Wei>,
) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let market = store.market.clone();
    let market_address = store.network.contracts.as_ref().map(|deployment| deployment.twin_market);
    let fee = use_fee_bps();
    let approved = LocalResource::new({
        let store = store.clone();
        move || {
            // Approving is a write: the answer is read again after each.
            store.writes();
            let registry = store.registry.clone();
            async move {
                match (registry, market_address) {
                    (Some(registry), Some(market)) => registry
                        .is_approved_for_all(owner, market)
                        .await
                        .map_err(|error| format!("The market's approval could not be read: {error}.")),
                    _ => Err("HashTwin has no market on this network.".to_string()),
                }
            }
        }
    });
    // Announced only when the answer changed: a read again after a write leaves the form alone.
    let approval = Memo::new(move |_| approved.get());
    let clock = store.clock();
    // The fee once it is read; every request that needs it says so until then.
    let fee_now =
        move || -> Result<u16, String> { fee.get().unwrap_or_else(|| Err("Reading the market's fee…".to_string())) };

    let royalty_bps = store.slice(move |catalog| catalog.twin(twin_id).map(|twin| twin.royalty_bps));
    let royalty_bps = Memo::new(move |_| royalty_bps.get().and_then(Result::ok).flatten());
    // What the seller receives of `price`, once the fee and the royalty are known.
    let receives = move |price: Wei| -> Option<String> {
        let (fee, royalty) = (fee_now().ok()?, royalty_bps.get()?);
        Some(seller_proceeds(price, fee, royalty).describe(fee, royalty))
    };
    let price = RwSignal::new(initial_price.map(Wei::ether_digits).unwrap_or_default());
    let days = RwSignal::new(DEFAULT_LISTING_DAYS);
    let list_request = {
        let market = market.clone();
        Callback::new(move |()| -> Result<TxRequest, String> {
            let market = market.as_ref().ok_or("No market on this network.")?;
            let price = parse_amount(&price.get_untracked())?;
            let expires_at = listing_expiry(clock.now(), days.get_untracked());
            Ok(market.list(twin_id, price, expires_at, fee_now()?))
        })
    };
    let approve_request = {
        let registry = store.registry.clone();
        Callback::new(move |()| -> Result<TxRequest, String> {
            let (registry, market) = registry.as_ref().zip(market_address).ok_or("No market on this network.")?;
            Ok(registry.writer().set_approval_for_all(market, true))
        })
    };

    let cancel_market = market.clone();
    let accept_market = StoredValue::new(market.clone());
    view! {
        {move || match (listed.get(), cancel_market.clone()) {
            _ if retired.get() => view! {
                <p class="notice" data-testid="list-refused">{format!("Twin #{twin_id} was decommissioned: it can no longer be listed, bought or bid on.")}</p>
            }.into_any(),
            (Some(listing), Some(market)) => {
                let request = Callback::new(move |()| Ok(market.cancel_listing(twin_id)));
                view! {
                    <p class="notice">{format!("You listed this twin for {} until {}.", listing.price, format_moment(listing.expires_at))}</p>
                    <TransactButton label="Cancel listing" request/>
                }.into_any()
            }
            _ => view! {
                <div class="list-form" data-testid="list-form">
                    <h3>"Sell"</h3>
                    {move || match approval.get() {
                            None => view! { <p class="loading">"Checking the market's approval…"</p> }.into_any(),
                            Some(approved) => match approved {
                            Ok(true) => view! {
                                <div class="field">
                                    <label for="list-price">"Price, ETH"</label>
                                    <input id="list-price" inputmode="decimal" placeholder="2.5" prop:value=price on:input=move |event| price.set(event_target_value(&event))/>
                                    <ListingDays id="list-days" days/>
                                </div>
                                <p class="hint" data-testid="list-fee">{move || match fee_now() {
                                    Ok(bps) => format!("Protocol fee: {}. The listing holds you to it: a later rise does not apply to this sale.", format_bps(bps)),
                                    Err(message) => message,
                                }}</p>
                                <p class="receives" data-testid="list-receives">{move || {
                                    Wei::parse_ether(&price.get()).ok().filter(|price| *price != Wei::ZERO).and_then(receives)
                                }}</p>
                                <TransactButton label="List for sale" request=list_request/>
                            }.into_any(),
                            Ok(false) => view! {
                                <p class="hint">"First let the market transfer your twins when they sell. This is asked once per wallet."</p>
                                <TransactButton label="Approve the market" request=approve_request/>
                            }.into_any(),
                            Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                            },
                        }}
                </div>
            }.into_any(),
        }}
        <div class="offers-received">
            <h3>"Offers"</h3>
            <Show when=move || offers.with(|offers| !offers.is_empty()) fallback=|| view! { <p class="empty">"No open offers."</p> }>
                <ul data-testid="offers">
                    <For each=move || offers.get() key=|offer| (offer.bidder, offer.amount, offer.expires_at) let:offer>
                        {
                            let market = accept_market.get_value();
                            let label = format!("Accept {}", offer.amount);
                            let expiry = expiry_words(offer.expires_at, clock.now());
                            let (offered, bidder) = (offer.amount, offer.bidder);
                            let request = Callback::new(move |()| {
                                let market = market.as_ref().ok_or("No market on this network.")?;
                                Ok(market.accept_offer(&offer, fee_now()?))
                            });
                            view! {
                                <li>
                                    <span>{format!("{offered} from ")}<AccountName address=bidder/>{format!(", {expiry}")}</span>
                                    <span class="receives" data-testid="offer-receives">{move || receives(offered)}</span>
                                    <TransactButton label request/>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
        </div>
    }
}

fn parse_amount(text: &str) -> Result<Wei, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter an amount in ETH.".into());
    }
    if text.starts_with('-') {
        return Err("The amount can't be negative.".into());
    }
    let amount = Wei::parse_ether(text).map_err(|error| format!("That amount is not valid: {error}."))?;
    if amount == Wei::ZERO {
        return Err("The amount must be more than zero.".into());
    }
    Ok(amount)
}

fn expiry_words(expires_at: u64, now: u64) -> String {
    if expires_at <= now {
        return "expired".into();
    }
    // Rounded to the nearest unit: an offer made for 7 days reads "7 days" a second later.
    let seconds = expires_at - now;
    if seconds >= 2 * DAY {
        format!("expires in {} days", (seconds + DAY / 2) / DAY)
    } else {
        format!("expires in {} h", (seconds + 1_800) / 3_600)
    }
}

/// How long a listing or a lot stays open: the market's fixed choices, labelled "Open for".
#[component]
pub fn ListingDays(id: &'static str, days: RwSignal<u64>) -> impl IntoView {
    view! {
        <label for=id>"Open for"</label>
        <select id=id on:change=move |event| {
            if let Ok(chosen) = event_target_value(&event).parse() { days.set(chosen) }
        }>
            {LISTING_DAYS.into_iter().map(|choice| view! {
                <option value=choice.to_string() selected=choice == DEFAULT_LISTING_DAYS>
                    {if choice == 1 { "1 day".to_string() } else { format!("{choice} days") }}
                </option>
            }).collect_view()}
        </select>
    }
}
