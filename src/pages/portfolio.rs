use leptos::prelude::*;

use crate::components::account::{AccountName, Sentence, TxLink};
use crate::components::source::HistorySourceLine;
use leptos_router::components::A;

use crate::chain::tx::{self, TxStatus};
use crate::components::twin_card::TwinCard;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::domain::account_history::transactions_of;
use crate::domain::calendar::format_moment;
use crate::domain::donations;
use crate::domain::earnings::{annualised_yield, credited_to};
use crate::domain::fractions::{format_bps_percent, position as fraction_position};
use crate::domain::gallery::GalleryEntry;
use crate::domain::profitability::{self, format_usd, Economics};
use crate::domain::twin::format_power;
use crate::domain::{Address, Offer, Wei};
use crate::store::ChainStore;
use crate::store::{use_fee_bps, use_share_positions, Catalog, SharePosition};

/// How many of the account's transactions the chain's record lists: a page, not an archive.
const RECENT_ON_CHAIN: usize = 30;

crate::pages::lazy::lazy_route!(
    /// `/portfolio`, downloaded on the first visit.
    PortfolioRoute,
    route_portfolio,
    PortfolioPage
);

#[component]
pub fn PortfolioPage() -> impl IntoView {
    crate::components::page_title(|| "Portfolio".to_string());
    let wallet = expect_context::<WalletContext>();
    let catalog = expect_context::<ChainStore>().catalog();

    view! {
        <h1>"Portfolio"</h1>
        <Show
            when=move || wallet.connection.get().is_some()
            fallback=|| view! { <p class="empty">"Connect a wallet to see your twins, offers and proceeds."</p> }
        >
            <Proceeds/>
            <Earnings/>
            <SharePositions/>
            {move || match catalog.get() {
                None => view! { <p class="loading" aria-busy="true">"Loading your twins…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok(catalog)) => {
                    let account = wallet.connection.get_untracked().map(|connection| connection.account).unwrap_or_default();
                    view! { <Holdings catalog account/> }.into_any()
                }
            }}
            {move || wallet.connection.get().map(|connection| view! { <RecentTransactions account=connection.account/> })}
        </Show>
    }
}

/// What `account` owns, operates, lists and bids, and what it has donated.
#[component]
fn Holdings(catalog: Catalog, account: Address) -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let now = catalog.now();
    let entries = catalog.gallery_entries(now);
    let owned_ids = catalog.book().owned_by(account);
    let owned: Vec<GalleryEntry> = entries.iter().filter(|entry| owned_ids.contains(&entry.twin.id)).cloned().collect();
    let operated: Vec<GalleryEntry> = entries
        .iter()
        .filter(|entry| entry.twin.operator == account && !owned_ids.contains(&entry.twin.id))
        .cloned()
        .collect();
    let totals = profitability::totals(
        owned.iter().map(|entry| (entry.twin.spec.terahash(), f64::from(entry.twin.spec.power_watts))),
        &Economics::default(),
    );
    let listings = catalog.book().listings_by(account, now);
    // Lots of shares, as the market's record holds them: the twin page says whether each can be bought.
    let lots: Vec<_> = catalog.book().live_lots(now).into_iter().filter(|lot| lot.seller == account).collect();
    let offers_made = catalog.book().offers_by(account);
    let offers_received: Vec<Offer> = owned_ids.iter().flat_map(|id| catalog.book().offers_on(*id, now)).collect();
    let donated = donations::by_contributor(catalog.credits(), account);
    let market = chain.market.clone();
    let fee = use_fee_bps();
    let fee_now =
        move || -> Result<u16, String> { fee.get().unwrap_or_else(|| Err("Reading the market's fee…".to_string())) };
    let cancel_all = market.clone().map(|market| {
        let request = Callback::new(move |()| Ok(market.cancel_all_listings()));
        view! {
            <p class="hint">"Ends every listing and lot of shares you have made, on every twin, in one transaction."</p>
            <TransactButton label="Cancel all my listings" request/>
        }
    });
    let book = catalog.book().clone();
    // A whole twin is a position of 100%, valued at its last sale, as a share position is at its
    // last fill.
    let yields: Vec<(u64, String, String, Wei)> = owned_ids
        .iter()
        .map(|&id| {
            let settlements = book.settlements(id);
            let price = book
                .listing(id, now)
                .map(|listing| listing.price)
                .or_else(|| book.last_sale(id).map(|sale| sale.price));
            let yearly = match price {
                Some(price) => annualised_yield(settlements, price).map_or_else(
                    || "no payouts in the last 30 days".to_string(),
                    |share| format!("{:.1}% a year on {price}", share * 100.0),
                ),
                None => "no price to take a yield on".to_string(),
            };
            let value = book.last_sale(id).map_or_else(
                || "not sold since its mint".to_string(),
                |sale| format!("{} at its last sale", sale.price),
            );
            (id, value, yearly, credited_to(settlements, account))
        })
        .collect();

    view! {
        <section class="panel" aria-labelledby="yields-heading">
            <h2 id="yields-heading">"What your twins earn"</h2>
            {if yields.is_empty() {
                view! { <p class="empty">"You own no twins yet."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="twin-yields">
                        {yields.into_iter().map(|(id, value, yearly, earned)| view! {
                            <li data-testid="twin-yield">
                                <A href=format!("/twin/{id}")>{format!("Twin #{id}")}</A>
                                {format!(": 100% yours, {value}; {yearly}; {earned} credited to you so far")}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <HistorySourceLine/>
        </section>
        <section class="panel" aria-labelledby="totals-heading">
            <h2 id="totals-heading">"Totals"</h2>
            <dl class="figures" data-testid="portfolio-totals">
                <div><dt>"Twins owned"</dt><dd data-testid="owned-count">{owned.len()}</dd></div>
                <div><dt>"Hashrate"</dt><dd>{format!("{:.1} TH/s", totals.hashrate_ths)}</dd></div>
                <div><dt>"Power"</dt><dd>{format_power(totals.power_watts as u64)}</dd></div>
                <div><dt>"Net / day"</dt><dd>{format_usd(totals.daily.net_usd)}</dd></div>
            </dl>
            <p class="hint">{format!(
                "Nameplate figures at {} per TH/s a day and {} per kWh.",
                format_usd(Economics::DEFAULT_HASHPRICE_USD_PER_TH_DAY),
                format_usd(Economics::DEFAULT_ELECTRICITY_USD_PER_KWH)
            )}</p>
        </section>
        <section class="panel" aria-labelledby="owned-heading">
            <h2 id="owned-heading">"Twins you own"</h2>
            {grid(owned, "You own no twins yet. Browse the gallery or the market.")}
            <HistorySourceLine/>
        </section>
        <section class="panel" aria-labelledby="operated-heading">
            <h2 id="operated-heading">"Twins you operate for others"</h2>
            {grid(operated, "None.")}
            <HistorySourceLine/>
        </section>
        <section class="panel" aria-labelledby="listings-heading">
            <h2 id="listings-heading">"Your listings"</h2>
            {if listings.is_empty() && lots.is_empty() {
                view! { <p class="empty">"Nothing listed."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="my-listings">
                        {listings.into_iter().map(|listing| view! {
                            <li>
                                <A href=format!("/twin/{}", listing.token_id)>{format!("Twin #{}", listing.token_id)}</A>
                                {format!(" for {}, open until {}", listing.price, format_moment(listing.expires_at))}
                            </li>
                        }).collect_view()}
                        {lots.into_iter().map(|lot| view! {
                            <li>
                                <A href=format!("/twin/{}", lot.twin)>{format!("Twin #{}", lot.twin)}</A>
                                {format!(
                                    ": {} at {} per share, open until {}",
                                    lot.remaining.format(4),
                                    lot.price_per_share.format_ether(9),
                                    format_moment(lot.expires_at)
                                )}
                            </li>
                        }).collect_view()}
                    </ul>
                    {cancel_all}
                }.into_any()
            }}
            <HistorySourceLine/>
        </section>
        <section class="panel" aria-labelledby="offers-heading">
            <h2 id="offers-heading">"Offers"</h2>
            <h3>"Received"</h3>
            {if offers_received.is_empty() {
                view! { <p class="empty">"No open offers on your twins."</p> }.into_any()
            } else {
                let market = market.clone();
                view! {
                    <ul data-testid="offers-received">
                        {offers_received.into_iter().map(|offer| {
                            let (twin_id, amount, bidder, expires_at) = (offer.twin_id, offer.amount, offer.bidder, offer.expires_at);
                            let request = {
                                let market = market.clone();
                                Callback::new(move |()| {
                                    let market = market.as_ref().ok_or("No market on this network.")?;
                                    Ok(market.accept_offer(&offer, fee_now()?))
                                })
                            };
                            view! {
                                <li>
                                    <A href=format!("/twin/{twin_id}")>{format!("Twin #{twin_id}")}</A>
                                    {format!(": {amount} from ")}<AccountName address=bidder/>
                                    {format!(", expires {}", format_moment(expires_at))}
                                    <TransactButton label=format!("Accept {amount}") request/>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h3>"Made"</h3>
            {if offers_made.is_empty() {
                view! { <p class="empty">"You have made no offers."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="offers-made">
                        {offers_made.into_iter().map(|offer| {
                            let request = {
                                let market = market.clone();
                                Callback::new(move |()| market.as_ref().map(|market| market.cancel_offer(offer.twin_id, offer.amount)).ok_or_else(|| "No market on this network.".to_string()))
                            };
                            let state = if !book.accepts_offers(offer.twin_id) {
                                " (the twin was decommissioned: cancel it to get the ether back)".to_string()
                            } else if offer.expired(now) {
                                format!(" (expired {}: cancel it to get the ether back)", format_moment(offer.expires_at))
                            } else {
                                format!(", expires {}", format_moment(offer.expires_at))
                            };
                            view! {
                                <li>
                                    <A href=format!("/twin/{}", offer.twin_id)>{format!("Twin #{}", offer.twin_id)}</A>
                                    {format!(": {}{state}", offer.amount)}
                                    <TransactButton label="Cancel offer" request/>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <HistorySourceLine/>
        </section>
        <section class="panel" aria-labelledby="donated-heading">
            <h2 id="donated-heading">"Your donated work"</h2>
            {if donated.is_empty() {
                view! { <p class="empty">"None yet. " <A href="/mine">"Mine for a twin"</A></p> }.into_any()
            } else {
                view! {
                    <ul data-testid="my-donations">
                        {donated.into_iter().map(|(twin_id, contribution)| view! {
                            <li>
                                <A href=format!("/twin/{twin_id}")>{format!("Twin #{twin_id}")}</A>
                                {format!(": {} in {} shares", donations::format_work(contribution.work), contribution.shares)}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <HistorySourceLine/>
        </section>
    }
}

fn grid(entries: Vec<GalleryEntry>, empty: &'static str) -> AnyView {
    if entries.is_empty() {
        view! { <p class="empty">{empty}</p> }.into_any()
    } else {
        view! { <div class="twin-grid">{entries.into_iter().map(|entry| view! { <TwinCard entry/> }).collect_view()}</div> }.into_any()
    }
}

/// What one claim pays: the whole twins' credit, the shares' earnings, and the split twins it names.
#[derive(Debug, Clone, PartialEq)]
struct ToClaim {
    whole: Wei,
    shares: Wei,
    twins: Vec<u64>,
}

/// What settlements credited the account, for the twins it held whole and its shares of split
/// twins, what it can claim now, and the one button that claims all of it.
#[component]
fn Earnings() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let catalog = chain.catalog();
    let account = move || wallet.connection.get().map(|connection| connection.account);
    let claimable = LocalResource::new({
        let chain = chain.clone();
        move || {
            // A settlement or a claim changes it: each is a write or a new event.
            chain.writes();
            catalog.track();
            let earnings = chain.earnings.clone();
            let account = account();
            async move {
                match (earnings, account) {
                    (Some(earnings), Some(account)) => earnings
                        .claimable_of(account)
                        .await
                        .map_err(|error| format!("Your claimable earnings could not be read: {error}.")),
                    (None, _) => Err("HashTwin has no earnings contract on this network.".to_string()),
                    (Some(_), None) => Ok(Wei::ZERO),
                }
            }
        }
    });
    let positions = use_share_positions();
    // The whole twins' credit, and each split twin's part with its id: `claim` names those twins.
    let to_claim = Memo::new(move |_| -> Option<Result<ToClaim, String>> {
        let whole = claimable.get()?;
        let positions = positions.get()?;
        Some(whole.and_then(|whole| {
            let positions = positions?;
            let earning: Vec<&SharePosition> =
                positions.iter().filter(|position| position.holding.earned.0 > 0).collect();
            let shares = Wei(earning.iter().map(|position| position.holding.earned.0).sum());
            Ok(ToClaim { whole, shares, twins: earning.iter().map(|position| position.twin_id).collect() })
        }))
    });
    let earned = chain.slice(move |catalog| {
        account().map(|account| catalog.book().earnings_of(account)).unwrap_or((Wei::ZERO, Wei::ZERO))
    });
    let earnings = StoredValue::new(chain.earnings.clone());

    view! {
        <section class="panel" aria-labelledby="earnings-heading" data-testid="earnings">
            <h2 id="earnings-heading">"Earnings"</h2>
            {move || match earned.get() {
                Some(Ok((earned, claimed))) => view! {
                    <dl class="figures">
                        <div><dt>"Earned by twins you held whole"</dt><dd data-testid="earned">{earned.to_string()}</dd></div>
                        <div><dt>"Claimed"</dt><dd data-testid="claimed">{claimed.to_string()}</dd></div>
                    </dl>
                }
                .into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            }}
            {move || match (to_claim.get(), earnings.get_value()) {
                (None, _) => view! { <p class="loading">"Loading…"</p> }.into_any(),
                (Some(Err(message)), _) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                (Some(Ok(ToClaim { whole, shares, twins })), Some(earnings)) if whole.0 + shares.0 > 0 => {
                    let amount = Wei(whole.0 + shares.0);
                    let request = Callback::new(move |()| Ok(earnings.claim(amount, &twins)));
                    let from_shares = (shares.0 > 0).then(|| format!(" ({shares} of it from your shares)"));
                    view! {
                        <p data-testid="claimable">{format!("{amount} to claim{}.", from_shares.unwrap_or_default())}</p>
                        <TransactButton label=format!("Claim all {amount}") request/>
                    }
                    .into_any()
                }
                _ => view! { <p class="empty" data-testid="claimable">"Nothing to claim."</p> }.into_any(),
            }}
            <p class="hint">"Each settlement's net is credited to whoever held the twin when it landed, or pro rata to its shares' holders, and stays yours when you sell."</p>
            <HistorySourceLine/>
        </section>
    }
}

/// The account's shares of split twins: how much of each twin, what it is worth at the last trade,
/// what it has earned, and the twin's yield.
#[component]
fn SharePositions() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let positions = use_share_positions();
    let catalog = chain.catalog();
    view! {
        <section class="panel" aria-labelledby="shares-heading" data-testid="share-positions">
            <h2 id="shares-heading">"Your shares of split twins"</h2>
            {move || match (positions.get(), catalog.get()) {
                (Some(Err(message)), _) | (_, Some(Err(message))) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                (Some(Ok(positions)), Some(Ok(catalog))) if !positions.is_empty() => {
                    let book = catalog.book();
                    let rows = positions.into_iter().map(|position| {
                        let SharePosition { twin_id, holding, split } = position;
                        let last = book.last_share_price(twin_id);
                        let at = fraction_position(holding.balance, holding.supply, last);
                        let value = at.value.map_or("no trade yet".to_string(), |value| value.to_string());
                        let yearly = catalog
                            .yield_price(twin_id)
                            .and_then(|price| annualised_yield(book.settlements(twin_id), price))
                            .map_or("—".to_string(), |share| format!("{:.1}% a year", share * 100.0));
                        let state = if split { "" } else { " (joined since)" };
                        view! {
                            <tr data-testid="share-position">
                                <td><A href=format!("/twin/{twin_id}")>{format!("Twin #{twin_id}")}</A>{state}</td>
                                <td class="number">{holding.balance.format(4)}</td>
                                <td class="number">{format_bps_percent(at.bps)}</td>
                                <td class="number">{value}</td>
                                <td class="number" data-testid="position-earned-to-date">{holding.earned_to_date.to_string()}</td>
                                <td class="number" data-testid="position-earned">{holding.earned.to_string()}</td>
                                <td class="number">{yearly}</td>
                            </tr>
                        }
                    });
                    view! {
                        <div class="table-scroll"><table class="positions">
                            <thead><tr>
                                <th scope="col">"Twin"</th><th scope="col">"Shares"</th><th scope="col">"Of the twin"</th>
                                <th scope="col">"Value at the last trade"</th><th scope="col">"Earned to date"</th><th scope="col">"To claim"</th><th scope="col">"Yield"</th>
                            </tr></thead>
                            <tbody>{rows.collect_view()}</tbody>
                        </table></div>
                    }.into_any()
                }
                (Some(Ok(_)), Some(Ok(_))) => view! { <p class="empty">"You hold no shares of split twins."</p> }.into_any(),
                _ => view! { <p class="loading">"Loading your shares…"</p> }.into_any(),
            }}
        </section>
    }
}

/// Sale proceeds, royalties and refunds waiting to be withdrawn (the market pays by pull).
#[component]
fn Proceeds() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let catalog = chain.catalog();
    let proceeds = LocalResource::new({
        let chain = chain.clone();
        move || {
            // A sale, a refund or a withdrawal changes them: each is a write or a new event.
            chain.writes();
            catalog.track();
            let market = chain.market.clone();
            let account = wallet.connection.get().map(|connection| connection.account);
            async move {
                match (market, account) {
                    (Some(market), Some(account)) => market
                        .proceeds_of(account)
                        .await
                        .map_err(|error| format!("Your proceeds could not be read: {error}.")),
                    // Without a market there is no balance to show, not a balance of zero.
                    (None, _) => Err("HashTwin has no market on this network.".to_string()),
                    (Some(_), None) => Ok(Wei::ZERO),
                }
            }
        }
    });

    // Announced only when the amount changed: a read again for a new block leaves an open
    // confirmation alone.
    let amount = Memo::new(move |_| proceeds.get());
    let market = StoredValue::new(chain.market.clone());

    // A banner while there is something waiting: money the market holds for the user is the first
    // thing the portfolio says.
    let waiting = move || matches!(amount.get(), Some(Ok(amount)) if amount > Wei::ZERO);
    view! {
        <section class="panel" class:banner=waiting class:notice=waiting aria-labelledby="proceeds-heading" data-testid="proceeds-panel">
            <h2 id="proceeds-heading">"Proceeds"</h2>
            {move || match (amount.get(), market.get_value()) {
                (None, _) => view! { <p class="loading">"Loading…"</p> }.into_any(),
                (Some(Err(message)), _) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                (Some(Ok(amount)), Some(market)) if amount > Wei::ZERO => {
                    let request = Callback::new(move |()| Ok(market.withdraw(amount)));
                    view! {
                        <p data-testid="proceeds">{format!("{amount} to withdraw.")}</p>
                        <p class="hint">"Sales, royalties and refunded offers wait here until you withdraw them."</p>
                        <TransactButton label=format!("Withdraw {amount}") request/>
                    }
                        .into_any()
                }
                _ => view! { <p class="empty" data-testid="proceeds">"Nothing to withdraw."</p> }.into_any(),
            }}
        </section>
    }
}

/// This account's transactions on this chain: those the chain's events tell it sent, in any
/// browser, and before them those this browser sent that the events do not show (pending, failed,
/// or of a kind no event names its sender for, such as a withdrawal).
#[component]
fn RecentTransactions(account: Address) -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let chain_id = chain.network.chain_id;
    let on_chain =
        chain.slice(move |catalog| transactions_of(catalog.events(), catalog.credits(), account, RECENT_ON_CHAIN));
    let from_this_browser = move || {
        chain.head.track();
        let recorded: Vec<String> = match on_chain.get() {
            Some(Ok(txs)) => txs.into_iter().map(|tx| tx.tx_hash).collect(),
            _ => Vec::new(),
        };
        tx::recent(chain_id, account)
            .into_iter()
            .filter(|entry| !recorded.iter().any(|hash| hash.eq_ignore_ascii_case(&entry.hash)))
            .collect::<Vec<_>>()
    };
    let local_rows = move || {
        from_this_browser()
            .into_iter()
            .map(|entry| {
                let status = match &entry.status {
                    TxStatus::Pending => "pending".to_string(),
                    TxStatus::Confirmed => "confirmed".to_string(),
                    TxStatus::Failed(reason) => format!("failed: {reason}"),
                };
                view! { <li><span>{entry.label}</span>" · "<span>{status}</span>" · "<TxLink hash=entry.hash/></li> }
            })
            .collect_view()
    };
    let chain_rows = move || match on_chain.get() {
        None => {
            view! { <li class="loading" aria-busy="true">"Reading your transactions from the chain…"</li> }.into_any()
        }
        Some(Err(message)) => view! { <li class="error" role="alert">{message}</li> }.into_any(),
        Some(Ok(txs)) => txs
            .into_iter()
            .map(|tx| {
                let twin =
                    tx.twin_id.map(|id| view! { " · " <A href=format!("/twin/{id}")>{format!("twin #{id}")}</A> });
                view! {
                    <li>
                        <Sentence phrases=tx.phrases/>" · block "{tx.block}" · "<TxLink hash=tx.tx_hash/>{twin}
                    </li>
                }
            })
            .collect_view()
            .into_any(),
    };
    let empty = move || from_this_browser().is_empty() && matches!(on_chain.get(), Some(Ok(txs)) if txs.is_empty());
    view! {
        <section class="panel" aria-labelledby="recent-heading">
            <h2 id="recent-heading">"Recent transactions"</h2>
            <Show when=move || !empty() fallback=|| view! { <p class="empty">"None yet on this chain."</p> }>
                <ul class="recent" data-testid="recent-transactions">{local_rows}{chain_rows}</ul>
            </Show>
        </section>
    }
}
