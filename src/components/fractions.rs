//! A twin's shares: splitting it, who holds it, the lots for sale and buying part of one, selling
//! shares, and joining them into the twin again.
//!
//! What the market and the vault record comes from the store; who holds the shares now and what a
//! holder has earned are the share token's to say, read from it. Forms keep their state above the
//! parts that redraw with each block.

use leptos::prelude::*;

use crate::chain::fractions::{Holding, ShareToken};
use crate::chain::tx::TxRequest;
use crate::components::account::AccountName;
use crate::components::market_panel::ListingDays;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::domain::activity::Fraction;
use crate::domain::calendar::format_moment;
use crate::domain::fractions::{
    check_join, format_bps_percent, parse_fill, parse_split_supply, position, price_per_percent_split, share_symbol,
    Balances, CapTable, Lot, LotDraft, LotState, ShareUnits, DEFAULT_WHOLE_SHARES, SHARE_DECIMALS,
};
use crate::domain::market::{listing_expiry, seller_proceeds, DEFAULT_LISTING_DAYS};
use crate::domain::{Address, TwinStatus, Wei};
use crate::store::{use_fee_bps, ChainStore};

/// Holders named in the cap table before the rest are summed as "others".
const CAP_TABLE_ROWS: usize = 5;

#[component]
pub fn FractionsPanel(twin_id: u64) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let record = store.slice(move |catalog| {
        let book = catalog.book();
        (book.fraction(twin_id), book.owner(twin_id), book.status(twin_id) == Some(TwinStatus::Decommissioned))
    });
    let fraction = Memo::new(move |_| record.get().and_then(Result::ok).and_then(|(fraction, _, _)| fraction));
    let account = move || wallet.connection.get().map(|connection| connection.account);
    // Only the owner of a whole twin that can still trade is offered to split it.
    let may_split = Memo::new(move |_| match record.get() {
        Some(Ok((None, Some(owner), false))) => account() == Some(owner),
        _ => false,
    });

    move || match (fraction.get(), may_split.get()) {
        (Some(fraction), _) => view! { <SplitTwin twin_id fraction/> }.into_any(),
        (None, true) => view! { <SplitForm twin_id/> }.into_any(),
        (None, false) => ().into_any(),
    }
}

#[component]
fn SplitForm(twin_id: u64) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let supply = RwSignal::new(DEFAULT_WHOLE_SHARES.to_string());
    let vault = store.vault;
    let request = Callback::new(move |()| -> Result<TxRequest, String> {
        let vault = vault.ok_or("HashTwin has no vault on this network.")?;
        let owner = wallet.connection.get_untracked().ok_or("Connect a wallet first.")?.account;
        let supply = parse_split_supply(&supply.get_untracked())
            .map_err(|error| format!("{}.", capitalise(&error.to_string())))?;
        Ok(vault.split(owner, twin_id, supply))
    });
    view! {
        <section class="panel" aria-labelledby="fractions-heading" data-testid="fractions">
            <h2 id="fractions-heading">"Shares"</h2>
            <p class="hint">
                "Split this twin into shares anyone can own: ERC-20 tokens that trade here or on any exchange, and share its earnings pro rata. "
                "The twin stays locked in the vault until one holder gathers every share and joins them again. The operator's role does not change."
            </p>
            <div class="field">
                <label for="split-supply">"Number of shares"</label>
                <input id="split-supply" inputmode="numeric" prop:value=supply on:input=move |event| supply.set(event_target_value(&event))/>
            </div>
            <TransactButton label="Split into shares" request/>
        </section>
    }
}

/// What the share token says now: who holds what, and the viewer's holding.
#[derive(Debug, Clone, PartialEq)]
struct TokenState {
    balances: Balances,
    table: CapTable,
}

#[component]
fn SplitTwin(twin_id: u64, fraction: Fraction) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let token = ShareToken::new(store.rpc.clone(), fraction.shares, fraction.since_block);
    let symbol = share_symbol(twin_id);
    let market_address = store.network.contracts.as_ref().map(|deployment| deployment.twin_market);
    let account = move || wallet.connection.get().map(|connection| connection.account);

    let holders = LocalResource::new({
        let (token, latest) = (token.clone(), store.latest);
        move || {
            let (token, latest) = (token.clone(), latest.get());
            async move {
                let latest = latest.ok_or("Waiting for the chain…")?;
                let balances = token
                    .balances(fraction.since_block, latest)
                    .await
                    .map_err(|error| format!("The share holders could not be read: {error}."))?;
                let table = CapTable::new(balances.iter(), fraction.supply, CAP_TABLE_ROWS)
                    .map_err(|error| format!("The share holders could not be read: {error}."))?;
                Ok::<_, String>(TokenState { balances, table })
            }
        }
    });
    let holding = LocalResource::new({
        let (token, store) = (token.clone(), store.clone());
        move || {
            store.head.get();
            store.writes();
            let (token, account) = (token.clone(), account());
            async move {
                let (Some(account), Some(market)) = (account, market_address) else { return Ok(None) };
                token
                    .holding(account, market)
                    .await
                    .map(Some)
                    .map_err(|error| format!("Your shares could not be read: {error}."))
            }
        }
    });
    let holding = Memo::new(move |_| holding.get());
    let mine = Memo::new(move |_| holding.get().and_then(Result::ok).flatten());
    let holds_shares = Memo::new(move |_| mine.get().is_some_and(|holding| holding.balance.0 > 0));
    let last_price = store.slice(move |catalog| catalog.book().last_share_price(twin_id));
    let last_price = Memo::new(move |_| last_price.get().and_then(Result::ok).flatten());

    let watch = Action::new_local(move |_: &()| {
        let provider = wallet.active_wallet();
        let symbol = share_symbol(twin_id);
        async move {
            let provider = provider.ok_or_else(|| "Connect a wallet first.".to_string())?;
            match provider.watch_asset(fraction.shares, &symbol, SHARE_DECIMALS as u8).await {
                Ok(true) => Ok(format!("{symbol} was added to your wallet.")),
                Ok(false) => Ok(format!("Your wallet did not add {symbol}.")),
                Err(_) => Err(format!(
                    "Your wallet could not add the token. Add it by hand: {symbol} at {}, 18 decimals.",
                    fraction.shares
                )),
            }
        }
    });

    view! {
        <section class="panel" aria-labelledby="fractions-heading" data-testid="fractions">
            <h2 id="fractions-heading">"Shares"</h2>
            <p data-testid="split-summary">
                {format!("Split into {} of {symbol}, an ERC-20 token at ", fraction.supply.format(4))}
                <AccountName address=fraction.shares/>
                "."
            </p>
            <div class="inline-actions">
                <button class="quiet" on:click=move |_| { watch.dispatch(()); }>{format!("Add {} to your wallet", share_symbol(twin_id))}</button>
                {move || watch.value().get().map(|outcome| match outcome {
                    Ok(words) => view! { <span class="notice" role="status" data-testid="watch-asset">{words}</span> }.into_any(),
                    Err(words) => view! { <span class="error" role="alert" data-testid="watch-asset">{words}</span> }.into_any(),
                })}
            </div>
            <h3>"Holders"</h3>
            {move || match holders.get() {
                None => view! { <p class="loading">"Reading the holders…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok(state)) => view! { <CapTableView table=state.table.clone()/> }.into_any(),
            }}
            <YourShares holding mine supply=fraction.supply last_price/>
            <Lots twin_id fraction token=token.clone() holders=Signal::derive(move || holders.get().and_then(Result::ok).map(|state| state.balances))/>
            // Drawn once while the viewer holds shares, not per new holding: what they typed stays.
            {move || holds_shares.get().then(|| view! { <SellShares twin_id token=token.clone() mine/> })}
            {move || {
                mine.get().filter(|holding| check_join(holding.balance, holding.supply).is_ok()).map(|_| {
                    let vault = store.vault;
                    let request = Callback::new(move |()| {
                        let vault = vault.ok_or("HashTwin has no vault on this network.")?;
                        Ok(vault.join(twin_id))
                    });
                    view! {
                        <div class="join" data-testid="join">
                            <p>"You hold every share: join them into the twin, which comes back to your wallet. What the shares earned stays yours to claim."</p>
                            <TransactButton label="Join into the twin" request/>
                        </div>
                    }
                })
            }}
        </section>
    }
}

#[component]
fn CapTableView(table: CapTable) -> impl IntoView {
    let rows = table.top.into_iter().map(|row| {
        view! {
            <tr>
                <td><AccountName address=row.holder/></td>
                <td class="number">{row.amount.format(2)}</td>
                <td class="number">{format_bps_percent(row.bps)}</td>
            </tr>
        }
    });
    let others = table.others.map(|others| {
        view! {
            <tr>
                <td>"Others"</td>
                <td class="number">{others.amount.format(2)}</td>
                <td class="number">{format_bps_percent(others.bps)}</td>
            </tr>
        }
    });
    view! {
        <table class="cap-table" data-testid="cap-table">
            <caption class="hint">{format!("{} holders", table.holders)}</caption>
            <thead><tr><th scope="col">"Holder"</th><th scope="col">"Shares"</th><th scope="col">"Of the twin"</th></tr></thead>
            <tbody>{rows.collect_view()}{others}</tbody>
        </table>
    }
}

#[component]
fn YourShares(
    holding: Memo<Option<Result<Option<Holding>, String>>>,
    mine: Memo<Option<Holding>>,
    supply: ShareUnits,
    last_price: Memo<Option<Wei>>,
) -> impl IntoView {
    move || match holding.get() {
        Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        _ => match mine.get() {
            Some(holding) if holding.balance.0 > 0 || holding.earned.0 > 0 => {
                let position = position(holding.balance, supply, last_price.get());
                let value = position.value.map_or("no trade yet".to_string(), |value| value.to_string());
                view! {
                    <dl class="figures" data-testid="your-shares">
                        <div><dt>"Your shares"</dt><dd data-testid="your-balance">{holding.balance.format(4)}</dd></div>
                        <div><dt>"Of the twin"</dt><dd data-testid="your-percent">{format_bps_percent(position.bps)}</dd></div>
                        <div><dt>"Value at the last trade"</dt><dd>{value}</dd></div>
                        <div><dt>"Earned to date"</dt><dd data-testid="your-share-earnings-to-date">{holding.earned_to_date.to_string()}</dd></div>
                        <div><dt>"To claim"</dt><dd data-testid="your-share-earnings">{holding.earned.to_string()}</dd></div>
                    </dl>
                    <p class="hint">"Claim what your shares earned with your other earnings, from your "<a href="/portfolio">"portfolio"</a>"."</p>
                }
                .into_any()
            }
            _ => ().into_any(),
        },
    }
}

/// The lots the market holds open, cheapest first, each with why it cannot be bought if it cannot.
#[component]
fn Lots(
    twin_id: u64,
    fraction: Fraction,
    token: ShareToken,
    #[prop(into)] holders: Signal<Option<Balances>>,
) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let market_address = store.network.contracts.as_ref().map(|deployment| deployment.twin_market);
    let lots = store.timed_slice(move |catalog| catalog.book().lots_on(twin_id, catalog.now()));
    let lots = Memo::new(move |_| lots.get());
    // The sellers' allowances to the market: the shares' balances come with the holders.
    let allowances = LocalResource::new({
        let (token, store) = (token.clone(), store.clone());
        move || {
            store.head.get();
            let sellers: Vec<Address> = lots
                .get()
                .and_then(Result::ok)
                .map(|lots| lots.iter().map(|(lot, _)| lot.seller).collect())
                .unwrap_or_default();
            let token = token.clone();
            async move {
                let market = market_address.ok_or("HashTwin has no market on this network.")?;
                let answers = token
                    .sellers(&sellers, market)
                    .await
                    .map_err(|error| format!("The sellers' approvals could not be read: {error}."))?;
                Ok::<_, String>(
                    sellers.into_iter().zip(answers.into_iter().map(|(_, allowance)| allowance)).collect::<Vec<_>>(),
                )
            }
        }
    });
    let clock = store.clock();
    let rows = Memo::new(move |_| {
        let lots = lots.get().and_then(Result::ok).unwrap_or_default();
        let balances = holders.get();
        let allowances = allowances.get().and_then(Result::ok);
        let now = clock.now();
        lots.into_iter()
            .map(|(lot, recorded)| {
                let state = match (recorded, &balances, &allowances) {
                    (LotState::Live, Some(balances), Some(allowances)) => {
                        let allowance = allowances.iter().find(|(seller, _)| *seller == lot.seller).map(|(_, a)| *a);
                        lot.state(now, balances.of(lot.seller), allowance.unwrap_or_default())
                    }
                    (recorded, _, _) => recorded,
                };
                (lot, state)
            })
            .collect::<Vec<_>>()
    });

    view! {
        <h3>"Shares for sale"</h3>
        {move || match lots.get() {
            None => view! { <p class="loading">"Loading the lots…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            Some(Ok(lots)) if lots.is_empty() => view! { <p class="empty" data-testid="no-lots">"No shares are offered for sale."</p> }.into_any(),
            Some(Ok(_)) => view! {
                <ul class="lots" data-testid="lots">
                    <For each=move || rows.get() key=|(lot, state)| (lot.id, lot.remaining, *state) let:row>
                        <LotRow lot=row.0 state=row.1 supply=fraction.supply/>
                    </For>
                </ul>
            }.into_any(),
        }}
    }
}

#[component]
fn LotRow(lot: Lot, state: LotState, supply: ShareUnits) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let per_percent = price_per_percent_split(lot.price_per_share, supply).map(|price| format!(" ({price} per 1%)"));
    let offered = format!(
        "{} at {} per share{}, from ",
        lot.remaining.format(4),
        lot.price_per_share.format_ether(9),
        per_percent.unwrap_or_default()
    );
    let (seller, until) = (lot.seller, format!(", until {}", format_moment(lot.expires_at)));
    let viewer = Memo::new(move |_| wallet.connection.get().map(|connection| connection.account));
    let action = move || {
        let viewer = viewer.get();
        match (state, viewer == Some(lot.seller), store.market.clone()) {
            (_, true, Some(market)) => {
                let lot = lot.clone();
                let request = Callback::new(move |()| Ok(market.cancel_lot(&lot)));
                view! { <TransactButton label="Withdraw your lot" request/> }.into_any()
            }
            (LotState::Live, false, Some(market)) if viewer.is_some() => {
                view! { <BuyLot lot=lot.clone() market/> }.into_any()
            }
            (LotState::Live, _, _) => ().into_any(),
            (dead, _, _) => view! { <span class="notice" data-testid="lot-state">{dead.describe()}</span> }.into_any(),
        }
    };
    view! {
        <li data-testid="lot">
            <span data-testid="lot-text">{offered}<AccountName address=seller/>{until}</span>
            {action}
        </li>
    }
}

#[component]
fn BuyLot(lot: Lot, market: crate::chain::market::TwinMarket) -> impl IntoView {
    let amount = RwSignal::new(lot.remaining.digits());
    let cost = {
        let lot = lot.clone();
        move || {
            match parse_fill(&amount.get(), &lot) {
            Ok((_, cost)) => view! { <span class="hint" data-testid="lot-cost">{format!("Costs {}", cost.format_ether(9))}</span> }.into_any(),
            Err(error) => view! { <span class="error" data-testid="lot-cost">{format!("{}.", capitalise(&error.to_string()))}</span> }.into_any(),
        }
        }
    };
    let request = {
        let lot = lot.clone();
        Callback::new(move |()| -> Result<TxRequest, String> {
            let (amount, cost) = parse_fill(&amount.get_untracked(), &lot)
                .map_err(|error| format!("{}.", capitalise(&error.to_string())))?;
            Ok(market.buy_lot(&lot, amount, cost))
        })
    };
    let id = format!("lot-{}-amount", lot.id);
    view! {
        <div class="buy-lot">
            <label for=id.clone()>"Shares to buy"</label>
            <input id=id inputmode="decimal" prop:value=amount on:input=move |event| amount.set(event_target_value(&event))/>
            {cost}
            <TransactButton label="Buy shares" request/>
        </div>
    }
}

#[component]
fn SellShares(twin_id: u64, token: ShareToken, mine: Memo<Option<Holding>>) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let fee = use_fee_bps();
    let clock = store.clock();
    let market_address = store.network.contracts.as_ref().map(|deployment| deployment.twin_market);
    let royalty_bps = store.slice(move |catalog| catalog.twin(twin_id).map(|twin| twin.royalty_bps));
    let royalty_bps = Memo::new(move |_| royalty_bps.get().and_then(Result::ok).flatten());
    let fee_now =
        move || -> Result<u16, String> { fee.get().unwrap_or_else(|| Err("Reading the market's fee…".to_string())) };

    let amount = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let days = RwSignal::new(DEFAULT_LISTING_DAYS);
    // Checked against the holding as it is now, which each block may change.
    let parse = move |amount: &str, price: &str| -> Result<(LotDraft, Holding), String> {
        let holding = mine.get_untracked().ok_or("Reading your shares…")?;
        LotDraft::parse(amount, price, holding.balance, holding.supply)
            .map(|draft| (draft, holding))
            .map_err(|error| format!("{}.", capitalise(&error.to_string())))
    };
    let draft = move || {
        mine.track();
        parse(&amount.get(), &price.get())
    };
    let needs_approval = move || draft().is_ok_and(|(draft, holding)| holding.market_allowance < draft.amount);
    let symbol = share_symbol(twin_id);
    let approve_request = Callback::new(move |()| -> Result<TxRequest, String> {
        let market = market_address.ok_or("HashTwin has no market on this network.")?;
        let (draft, _) = parse(&amount.get_untracked(), &price.get_untracked())?;
        Ok(token.approve(market, draft.amount, &symbol))
    });
    let list_request = Callback::new(move |()| -> Result<TxRequest, String> {
        let market = store.market.as_ref().ok_or("HashTwin has no market on this network.")?;
        let (draft, _) = parse(&amount.get_untracked(), &price.get_untracked())?;
        let expires_at = listing_expiry(clock.now(), days.get_untracked());
        Ok(market.list_lot(twin_id, &draft, expires_at, fee_now()?))
    });
    let receives = move || {
        let (draft, _) = draft().ok()?;
        let (fee, royalty) = (fee_now().ok()?, royalty_bps.get()?);
        Some(seller_proceeds(draft.total()?, fee, royalty).describe(fee, royalty))
    };
    let placeholder = move || mine.get().map(|holding| holding.balance.digits()).unwrap_or_default();

    view! {
        <div class="sell-shares" data-testid="sell-shares">
            <h3>"Sell shares"</h3>
            <div class="field">
                <label for="lot-amount">"Shares to sell"</label>
                <input id="lot-amount" inputmode="decimal" placeholder=placeholder prop:value=amount on:input=move |event| amount.set(event_target_value(&event))/>
                <label for="lot-price">"Price per share, ETH"</label>
                <input id="lot-price" inputmode="decimal" placeholder="0.000002" prop:value=price on:input=move |event| price.set(event_target_value(&event))/>
                <ListingDays id="lot-days" days/>
            </div>
            <p class="receives" data-testid="lot-receives">{move || {
                let typed = !amount.get().trim().is_empty() || !price.get().trim().is_empty();
                match draft() {
                    Ok(_) => receives(),
                    Err(message) if typed => Some(message),
                    Err(_) => None,
                }
            }}</p>
            // One button or the other, each kept while it shows: a block that changes nothing here
            // leaves an open confirmation alone.
            <Show
                when=needs_approval
                fallback=move || view! { <TransactButton label="Offer for sale" request=list_request/> }
            >
                <p class="hint">"First let the market move the shares you offer when they sell."</p>
                <TransactButton label="Approve the market" request=approve_request/>
            </Show>
        </div>
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
