//! A twin's market panel: only the actions that apply to whoever is looking, each through the
//! wallet layer's transaction path.

use leptos::prelude::*;

use crate::app::ChainContext;
use crate::chain::tx::TxRequest;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::data::{now_seconds, use_fee_bps, Catalog};
use crate::domain::calendar::format_moment;
use crate::domain::market::{format_bps, listing_expiry, ListingState, DEFAULT_LISTING_DAYS, LISTING_DAYS};
use crate::domain::{Address, Listing, Offer, Wei};

const DAY: u64 = 24 * 60 * 60;
const DEFAULT_OFFER_DAYS: u64 = 7;

#[component]
pub fn MarketPanel(
    twin_id: u64,
    catalog: Catalog,
    /// Called after every confirmed trade, so the page reloads what it shows.
    on_trade: Callback<()>,
) -> impl IntoView {
    let wallet = expect_context::<WalletContext>();
    let now = catalog.now();
    let book = catalog.book;
    let stored = book.listing_state(twin_id, now);
    let listing = stored.filter(|(_, state)| state.is_live()).map(|(listing, _)| listing);
    let owner = book.owner(twin_id);
    let offers = book.offers_on(twin_id, now);
    let takes_offers = book.accepts_offers(twin_id);
    let viewer = move || wallet.connection.get().map(|connection| connection.account);

    view! {
        <section class="panel" aria-labelledby="market-heading" data-testid="market-panel">
            <h2 id="market-heading">"Market"</h2>
            {match stored {
                Some((listing, ListingState::Live)) => view! {
                    <p data-testid="listing">{format!("Listed for {} by {}", listing.price, listing.seller.short())}</p>
                    <p class="hint" data-testid="listing-expiry">{format!("Open until {}.", format_moment(listing.expires_at))}</p>
                }.into_any(),
                Some((listing, dead)) => view! {
                    <p class="notice" data-testid="listing">{dead.describe(&listing)}</p>
                }.into_any(),
                None => view! { <p data-testid="listing">"Not listed for sale."</p> }.into_any(),
            }}
            {(!offers.is_empty()).then(|| {
                let best = offers[0];
                view! { <p data-testid="best-offer">{format!("Best offer: {} from {} ({} open)", best.amount, best.bidder.short(), offers.len())}</p> }
            })}
            {move || match viewer() {
                None => view! { <p class="hint">"Connect a wallet to buy, sell or make an offer."</p> }.into_any(),
                Some(account) if Some(account) == owner => {
                    view! { <OwnerActions twin_id listed=listing offers=offers.clone() owner=account retired=!takes_offers chain_time=catalog.chain_time on_trade/> }.into_any()
                }
                Some(account) => {
                    let own_offer = book.offers_by(account).into_iter().find(|offer| offer.twin_id == twin_id);
                    view! { <BuyerActions twin_id listing own_offer takes_offers chain_time=catalog.chain_time on_trade/> }.into_any()
                }
            }}
        </section>
    }
}

/// Now by the later of the browser's and the chain's clocks, as `Catalog::now` reads it, at the
/// moment a transaction is prepared rather than when the page was drawn.
fn clock(chain_time: u64) -> u64 {
    now_seconds().max(chain_time)
}

#[component]
fn BuyerActions(
    twin_id: u64,
    /// A live listing only: a dead one is never offered to buy.
    listing: Option<Listing>,
    own_offer: Option<Offer>,
    /// False once the twin is decommissioned: the market takes no new offers on it.
    takes_offers: bool,
    chain_time: u64,
    on_trade: Callback<()>,
) -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let market = chain.market.clone();
    let buy = listing.zip(market.clone()).map(|(listing, market)| {
        let request = Signal::derive(move || Ok(market.buy(&listing)));
        view! { <TransactButton label=format!("Buy for {}", listing.price) request on_confirmed=on_trade/> }
    });

    let amount = RwSignal::new(String::new());
    let days = RwSignal::new(DEFAULT_OFFER_DAYS.to_string());
    let offer_request = {
        let market = market.clone();
        Signal::derive(move || -> Result<TxRequest, String> {
            let market = market.as_ref().ok_or("No market on this network.")?;
            let amount = parse_amount(&amount.get())?;
            let days = parse_days(&days.get())?;
            let expires_at = clock(chain_time) + days * DAY;
            Ok(match own_offer {
                Some(_) => market.raise_offer(twin_id, amount, expires_at),
                None => market.make_offer(twin_id, amount, expires_at),
            })
        })
    };
    let cancel = own_offer.as_ref().zip(market).map(|(_, market)| {
        let request = Signal::derive(move || Ok(market.cancel_offer(twin_id)));
        view! { <TransactButton label="Cancel your offer" request on_confirmed=on_trade/> }
    });
    let own_offer_words = own_offer.as_ref().map(|offer| {
        let state = if takes_offers {
            expiry_words(offer.expires_at, chain_time)
        } else {
            "which can no longer be accepted: cancel it to get the ether back".to_string()
        };
        view! { <p data-testid="own-offer">{format!("Your offer: {}, {state}", offer.amount)}</p> }
    });

    view! {
        {buy}
        <div class="offer" data-testid="offer-form">
            {if takes_offers {
                view! {
                    <h3>{if own_offer.is_some() { "Raise your offer" } else { "Make an offer" }}</h3>
                    {own_offer_words}
                    <div class="field">
                        <label for="offer-amount">{if own_offer.is_some() { "Add, ETH" } else { "Amount, ETH" }}</label>
                        <input id="offer-amount" inputmode="decimal" placeholder="1.5" prop:value=amount on:input=move |event| amount.set(event_target_value(&event))/>
                        <label for="offer-days">"Valid for, days"</label>
                        <input id="offer-days" inputmode="numeric" prop:value=days on:input=move |event| days.set(event_target_value(&event))/>
                    </div>
                    <TransactButton
                        label=if own_offer.is_some() { "Raise offer" } else { "Make offer" }
                        request=offer_request
                        on_confirmed=on_trade
                    />
                }.into_any()
            } else {
                view! {
                    <p class="hint">"This twin was decommissioned: it takes no offers."</p>
                    {own_offer_words}
                }.into_any()
            }}
            {cancel}
        </div>
    }
}

/// What the owner can do: approve the market once, list or cancel, and accept offers. The mint page
/// uses it for the listing that follows a mint, with the price the operator already typed.
#[component]
pub fn OwnerActions(
    twin_id: u64,
    /// The twin's live listing, if it has one.
    listed: Option<Listing>,
    offers: Vec<Offer>,
    owner: Address,
    /// Decommissioned: the market refuses to list it.
    #[prop(default = false)]
    retired: bool,
    /// The chain's clock when the page was read; expiries count from it if it runs ahead.
    chain_time: u64,
    on_trade: Callback<()>,
    #[prop(default = None)] initial_price: Option<Wei>,
) -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let market = chain.market.clone();
    let market_address = chain.network.contracts.as_ref().map(|deployment| deployment.twin_market);
    let fee = use_fee_bps();
    let approvals = RwSignal::new(0u32);
    let approved = LocalResource::new({
        let registry = chain.registry.clone();
        move || {
            approvals.track();
            let registry = registry.clone();
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
    // The fee once it is read; every request that needs it says so until then.
    let fee_now =
        move || -> Result<u16, String> { fee.get().unwrap_or_else(|| Err("Reading the market's fee…".to_string())) };

    let price = RwSignal::new(initial_price.map(Wei::ether_digits).unwrap_or_default());
    let days = RwSignal::new(DEFAULT_LISTING_DAYS);
    let list_request = {
        let market = market.clone();
        Signal::derive(move || -> Result<TxRequest, String> {
            let market = market.as_ref().ok_or("No market on this network.")?;
            let price = parse_amount(&price.get())?;
            let expires_at = listing_expiry(clock(chain_time), days.get());
            Ok(market.list(twin_id, price, expires_at, fee_now()?))
        })
    };
    let approve_request = {
        let registry = chain.registry.clone();
        Signal::derive(move || -> Result<TxRequest, String> {
            let (registry, market) = registry.as_ref().zip(market_address).ok_or("No market on this network.")?;
            Ok(registry.writer().set_approval_for_all(market, true))
        })
    };
    let on_approved = Callback::new(move |_| approvals.update(|count| *count += 1));

    view! {
        {match (listed, market.clone()) {
            _ if retired => view! {
                <p class="notice" data-testid="list-refused">{format!("Twin #{twin_id} was decommissioned: it can no longer be listed, bought or bid on.")}</p>
            }.into_any(),
            (Some(listing), Some(market)) => {
                let request = Signal::derive(move || Ok(market.cancel_listing(twin_id)));
                view! {
                    <p class="notice">{format!("You listed this twin for {} until {}.", listing.price, format_moment(listing.expires_at))}</p>
                    <TransactButton label="Cancel listing" request on_confirmed=on_trade/>
                }.into_any()
            }
            _ => view! {
                <div class="list-form" data-testid="list-form">
                    <h3>"Sell"</h3>
                    <Transition fallback=|| view! { <p class="loading">"Checking the market's approval…"</p> }>
                        {move || approved.get().map(|approved| match approved {
                            Ok(true) => view! {
                                <div class="field">
                                    <label for="list-price">"Price, ETH"</label>
                                    <input id="list-price" inputmode="decimal" placeholder="2.5" prop:value=price on:input=move |event| price.set(event_target_value(&event))/>
                                    <label for="list-days">"Open for"</label>
                                    <select id="list-days" on:change=move |event| {
                                        if let Ok(chosen) = event_target_value(&event).parse() { days.set(chosen) }
                                    }>
                                        {LISTING_DAYS.into_iter().map(|choice| view! {
                                            <option value=choice.to_string() selected=choice == DEFAULT_LISTING_DAYS>
                                                {if choice == 1 { "1 day".to_string() } else { format!("{choice} days") }}
                                            </option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <p class="hint" data-testid="list-fee">{move || match fee_now() {
                                    Ok(bps) => format!("Protocol fee: {}. The listing holds you to it: a later rise does not apply to this sale.", format_bps(bps)),
                                    Err(message) => message,
                                }}</p>
                                <TransactButton label="List for sale" request=list_request on_confirmed=on_trade/>
                            }.into_any(),
                            Ok(false) => view! {
                                <p class="hint">"First let the market transfer your twins when they sell. This is asked once per wallet."</p>
                                <TransactButton label="Approve the market" request=approve_request on_confirmed=on_approved/>
                            }.into_any(),
                            Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                        })}
                    </Transition>
                </div>
            }.into_any(),
        }}
        <div class="offers-received">
            <h3>"Offers"</h3>
            {if offers.is_empty() {
                view! { <p class="empty">"No open offers."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="offers">
                        {offers.into_iter().map(|offer| {
                            let market = market.clone();
                            let label = format!("Accept {}", offer.amount);
                            let text = format!("{} from {}, {}", offer.amount, offer.bidder.short(), expiry_words(offer.expires_at, chain_time));
                            let request = Signal::derive(move || {
                                let market = market.as_ref().ok_or("No market on this network.")?;
                                Ok(market.accept_offer(&offer, fee_now()?))
                            });
                            view! { <li><span>{text}</span><TransactButton label request on_confirmed=on_trade/></li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
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

fn parse_days(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(days) if (1..=365).contains(&days) => Ok(days),
        _ => Err("An offer lasts from 1 to 365 whole days.".into()),
    }
}

fn expiry_words(expires_at: u64, chain_time: u64) -> String {
    let now = clock(chain_time);
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
