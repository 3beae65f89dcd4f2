//! A twin's earnings on its page: the terms it pays by, every period its operator settled held
//! against what its telemetry says it should have earned, and, for the operator, the Settle panel.

use leptos::prelude::*;

use crate::chain::earnings::{reason, FeedAnswer, FeedReadings};
use crate::chain::lens::OpenPeriod;
use crate::chain::tx::TxRequest;
use crate::components::chart::LineChart;
use crate::components::source::HistorySourceLine;
use crate::components::telemetry::Reports;
use crate::components::tx::TransactButton;
use crate::domain::calendar::{format_moment, Date};
use crate::domain::earnings::{
    annualised_yield, cumulative, duration_words, payout_rows, summarise, Caps, EarningTerms, PayoutRow, Punctuality,
    SettleClaim, Settlement, Yardstick,
};
use crate::domain::hashprice::NetworkFigures;
use crate::domain::market::format_bps;
use crate::domain::profitability::format_usd;
use crate::domain::Wei;
use crate::store::{now_seconds, use_open_period, ChainStore};

/// The terms the twin was minted with, and that nobody can change.
#[component]
pub fn TermsPanel(terms: EarningTerms) -> impl IntoView {
    let fee = format_bps(terms.service_fee_bps);
    let tariff = format!("${}/kWh", trim_decimals(terms.tariff_usd_per_kwh(), 6));
    view! {
        <section class="panel" aria-labelledby="terms-heading" data-testid="terms">
            <h2 id="terms-heading">"Earning terms"</h2>
            <dl class="spec">
                <dt>"Service fee"</dt><dd data-testid="terms-fee">{format!("at most {fee} of the gross")}</dd>
                <dt>"Electricity"</dt><dd data-testid="terms-tariff">{format!("at most the metered energy at {tariff}")}</dd>
                <dt>"Settlement"</dt><dd data-testid="terms-period">{terms.period_words()}</dd>
                <dt>"Late after"</dt><dd>{format!("{} of grace", duration_words(u64::from(terms.grace_period)))}</dd>
            </dl>
            <p class="hint">"Fixed at mint and written in the contract: nobody, the operator included, can change them. The contract refuses any settlement that keeps back more."</p>
        </section>
    }
}

/// Every settled period, held against the rig's telemetry at the network's figures.
#[component]
pub fn PayoutsPanel(
    twin_id: u64,
    terms: EarningTerms,
    /// The rig's nameplate power, which the metered energy is held against.
    nameplate_watts: u32,
    /// The twin's reports since the oldest period shown.
    #[prop(into)]
    reports: Signal<Reports>,
    /// The price the yield is taken on: the open listing's, else the last sale's.
    #[prop(into)]
    price: Signal<Option<Wei>>,
    /// The feeds' newest answers, read once for the whole page.
    feeds: LocalResource<Result<FeedReadings, String>>,
) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let settlements = store.slice(move |catalog| catalog.book().settlements(twin_id).to_vec());
    let period = use_open_period(twin_id);
    let overrides = Overrides::new();

    let yardstick = Memo::new(move |_| {
        let btc_usd_decimals = match feeds.get() {
            Some(Ok(readings)) => readings.btc_usd.decimals,
            // Chainlink's USD feeds, and the deployment's own, carry 8.
            _ => 8,
        };
        match overrides.figures(feeds.get().and_then(Result::ok)) {
            Some(Ok(figures)) => Ok(Yardstick::Override(figures)),
            Some(Err(message)) => Err(message),
            None => Ok(Yardstick::Recorded { btc_usd_decimals }),
        }
    });
    let rows = Memo::new(move |_| {
        let settlements = settlements.get()?.ok()?;
        let yardstick = yardstick.get().ok()?;
        let rows = reports.with(|reports| match reports {
            Some(Ok(samples)) => payout_rows(&settlements, samples, yardstick),
            _ => payout_rows(&settlements, &[], yardstick),
        });
        Some(rows)
    });

    view! {
        <section class="panel" aria-labelledby="payouts-heading" data-testid="payouts">
            <h2 id="payouts-heading">"Payouts"</h2>
            <NextSettlement period/>
            {move || match settlements.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty" data-testid="no-payouts">"No period settled yet."</p> }.into_any(),
                Some(Ok(_)) => ().into_any(),
            }}
            {move || match reports.get() {
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                None => view! { <p class="loading">"Reading the telemetry to hold the payouts against…"</p> }.into_any(),
                Some(Ok(_)) => ().into_any(),
            }}
            {move || rows.get().filter(|rows| !rows.is_empty()).map(|rows| view! {
                <PayoutSummaryView rows=rows.clone() price/>
                <PayoutChart rows=rows.clone() terms/>
                <PayoutTable rows nameplate_watts/>
            })}
            <Yardstick feeds overrides error=Signal::derive(move || yardstick.get().err())/>
            <HistorySourceLine/>
        </section>
    }
}

#[component]
fn PayoutSummaryView(rows: Vec<PayoutRow>, #[prop(into)] price: Signal<Option<Wei>>) -> impl IntoView {
    let summary = summarise(&rows);
    let list: Vec<Settlement> = rows.into_iter().map(|row| row.settlement).collect();
    let paid_ratio = summary.paid_ratio_30d.map(|ratio| format!("{:.0}%", ratio * 100.0)).unwrap_or_else(|| "—".into());
    let underpaid = summary.paid_ratio_30d.is_some_and(|ratio| ratio < 0.9);
    let kept = summary.kept_share.map(|share| format!("{:.0}%", share * 100.0)).unwrap_or_else(|| "—".into());
    let warning = summary.kept_too_much().then(|| {
        view! {
            <p class="banner warning" role="alert" data-testid="kept-warning">
                {format!("Fees and electricity took {kept} of what this rig grossed: more than half.")}
            </p>
        }
    });
    let yearly = move || match price.get() {
        Some(price) => annualised_yield(&list, price)
            .map(|share| format!("{:.1}% a year on {price}", share * 100.0))
            .unwrap_or_else(|| "—".into()),
        None => "— (not listed, never sold)".into(),
    };
    view! {
        <dl class="figures">
            <div><dt>"Paid to holders"</dt><dd data-testid="paid-total">{summary.net.to_string()}</dd></div>
            <div><dt>"Gross"</dt><dd>{summary.gross.to_string()}</dd></div>
            <div><dt>"Kept by fee and power"</dt><dd data-testid="kept-share">{kept.clone()}</dd></div>
            <div>
                <dt title="Gross paid ÷ what the measured hash work should have grossed, over the 30 days to the last period">"Paid ÷ expected, 30 days"</dt>
                <dd data-testid="paid-ratio-30d" class=if underpaid { "error" } else { "" }>{paid_ratio}</dd>
            </div>
            <div><dt>"Net yield"</dt><dd data-testid="yield">{yearly}</dd></div>
            <div><dt>"Late settlements"</dt><dd>{summary.late_settlements}</dd></div>
        </dl>
        {warning}
    }
}

/// When the next settlement is due, from the contracts: "late" once its grace has run out.
#[component]
fn NextSettlement(period: LocalResource<Result<OpenPeriod, String>>) -> impl IntoView {
    move || match period.get() {
        None => ().into_any(),
        Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Some(Ok(open)) => {
            let now = now_seconds();
            let (class, words) = match open.schedule.at(now) {
                Punctuality::Upcoming => {
                    ("ok", format!("Next settlement due {}.", format_moment(open.schedule.due_at)))
                }
                Punctuality::Due => (
                    "warning",
                    format!(
                        "Settlement due since {}; late after {}.",
                        format_moment(open.schedule.due_at),
                        format_moment(open.schedule.late_at)
                    ),
                ),
                Punctuality::Late => (
                    "error",
                    format!(
                        "Late: the settlement due {} is unpaid past its grace.",
                        format_moment(open.schedule.due_at)
                    ),
                ),
            };
            let late = matches!(open.schedule.at(now), Punctuality::Late);
            view! {
                <p class=format!("schedule {class}") data-testid="next-settlement" data-late=late.to_string()>
                    {late.then(|| view! { <strong class="late-badge" data-testid="late">"Late"</strong> " " })}
                    {words}
                </p>
            }
            .into_any()
        }
    }
}

#[component]
fn PayoutChart(rows: Vec<PayoutRow>, terms: EarningTerms) -> impl IntoView {
    let points = cumulative(&rows, &terms);
    let window = (
        rows.first().map_or(0, |row| row.settlement.period_start),
        rows.last().map_or(1, |row| row.settlement.period_end),
    );
    let paid: Vec<(u64, f64)> = points.iter().map(|point| (point.time, point.net_eth)).collect();
    let expected: Vec<(u64, f64)> =
        points.iter().map_while(|point| point.expected_net_eth.map(|expected| (point.time, expected))).collect();
    view! {
        <LineChart
            title="Cumulative net paid, against expected".to_string()
            unit="ETH"
            points=paid
            window
            max_gap=u64::MAX
            compare=Some((expected, "expected"))
        />
    }
}

#[component]
fn PayoutTable(rows: Vec<PayoutRow>, nameplate_watts: u32) -> impl IntoView {
    view! {
        // Focusable, so that a keyboard can scroll it where it is wider than a phone (it has no link).
        <div class="table-scroll" tabindex="0" role="region" aria-label="Payouts by period">
            <table class="payouts" data-testid="payout-rows">
                <thead>
                    <tr>
                        <th scope="col">"Period"</th>
                        <th scope="col">"Measured"</th>
                        <th scope="col">"Energy"</th>
                        <th scope="col">"Gross"</th>
                        <th scope="col">"Electricity"</th>
                        <th scope="col">"Fee"</th>
                        <th scope="col">"Net"</th>
                        <th scope="col" title="Gross paid ÷ what the measured work should have grossed">"Paid ÷ expected"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .rev()
                        .map(|row| {
                            let s = &row.settlement;
                            let ratio = row.paid_ratio.map(|ratio| format!("{:.0}%", ratio * 100.0)).unwrap_or_else(|| "—".into());
                            let low = row.paid_ratio.is_some_and(|ratio| ratio < 0.9);
                            let overdrawn = row.energy_beyond_nameplate(nameplate_watts);
                            view! {
                                <tr data-testid="payout-row" data-late=s.late.to_string()>
                                    <td>
                                        {format!("{} – {}", Date::from_unix(s.period_start).short_label(), Date::from_unix(s.period_end).short_label())}
                                        {s.late.then(|| view! { " " <span class="late-badge">"late"</span> })}
                                    </td>
                                    <td>{row.measured_ths.map(|ths| format!("{ths:.1} TH/s")).unwrap_or_else(|| "—".into())}</td>
                                    <td class=if overdrawn { "error" } else { "" } data-testid="metered-energy">
                                        {format!("{:.1} kWh", row.energy_kwh)}
                                        {overdrawn.then(|| view! {
                                            <span class="hint" title="More than the rig's nameplate power could draw over the period: the electricity kept on it is in question.">
                                                " (over nameplate)"
                                            </span>
                                        })}
                                    </td>
                                    <td>{s.gross.to_string()}</td>
                                    <td>{s.electricity.to_string()}</td>
                                    <td>{s.service_fee.to_string()}</td>
                                    <td>{s.net.to_string()}{(s.shortfall.0 > 0).then(|| view! { <span class="hint">{format!(" (short {})", s.shortfall)}</span> })}</td>
                                    <td class=if low { "error" } else { "" } data-testid="paid-ratio">{ratio}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// What the user typed in place of the feeds' figures; all empty means none.
#[derive(Clone, Copy)]
struct Overrides {
    difficulty: RwSignal<String>,
    fees_btc: RwSignal<String>,
    btc_usd: RwSignal<String>,
}

impl Overrides {
    fn new() -> Self {
        Self {
            difficulty: RwSignal::new(String::new()),
            fees_btc: RwSignal::new(String::new()),
            btc_usd: RwSignal::new(String::new()),
        }
    }

    /// The typed figures, each falling back to the feed's where left empty; `None` when nothing
    /// is typed.
    fn figures(&self, feeds: Option<FeedReadings>) -> Option<Result<NetworkFigures, String>> {
        let typed = [self.difficulty.get(), self.fees_btc.get(), self.btc_usd.get()];
        if typed.iter().all(|text| text.trim().is_empty()) {
            return None;
        }
        let pick = |text: &str, feed: Option<FeedAnswer>, what: &str| -> Result<f64, String> {
            match text.trim() {
                "" => feed
                    .map(|feed| feed.value())
                    .ok_or_else(|| format!("Enter the {what}: its feed could not be read.")),
                text => text.replace(',', "").parse::<f64>().map_err(|_| format!("The {what} must be a number.")),
            }
        };
        let figures = (|| {
            Ok(NetworkFigures {
                difficulty: pick(&typed[0], feeds.map(|feeds| feeds.difficulty), "difficulty")?,
                mean_fees_btc: pick(&typed[1], feeds.map(|feeds| feeds.block_fees), "fees per block")?,
                btc_usd: pick(&typed[2], feeds.map(|feeds| feeds.btc_usd), "BTC price")?,
            })
        })();
        Some(figures.and_then(|figures: NetworkFigures| figures.checked().map_err(|error| error.to_string())))
    }
}

/// Each input of the expected revenue, its source and its age, and the user's own figures.
#[component]
fn Yardstick(
    feeds: LocalResource<Result<FeedReadings, String>>,
    overrides: Overrides,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let age = |answer: FeedAnswer| duration_words(now_seconds().saturating_sub(answer.updated_at).max(60) / 60 * 60);
    let overridden = move || overrides.figures(None).is_some() || error.get().is_some();
    view! {
        <details class="yardstick" data-testid="yardstick">
            <summary>
                {move || if overridden() {
                    view! { <span data-testid="overridden">"Expected revenue uses your figures, not the feeds'."</span> }.into_any()
                } else {
                    view! { <span>"Expected: each period's measured hash work at the network figures recorded when it was settled."</span> }.into_any()
                }}
            </summary>
            {move || match feeds.get() {
                None => view! { <p class="loading">"Reading the feeds…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok(readings)) => view! {
                    <dl class="spec" data-testid="feeds">
                        <dt>"BTC/USD"</dt><dd>{format!("{} · Chainlink-interface feed, {} old", format_usd(readings.btc_usd.value()), age(readings.btc_usd))}</dd>
                        <dt>"ETH/USD"</dt><dd>{format!("{} · the feed settlements convert at, {} old", format_usd(readings.eth_usd.value()), age(readings.eth_usd))}</dd>
                        <dt>"Difficulty"</dt><dd>{format!("{:.2} T · published by the deployment, {} old", readings.difficulty.value() / 1e12, age(readings.difficulty))}</dd>
                        <dt>"Fees per block"</dt><dd>{format!("{} BTC · published by the deployment, {} old", trim_decimals(readings.block_fees.value(), 8), age(readings.block_fees))}</dd>
                    </dl>
                }
                .into_any(),
            }}
            <div class="field">
                <label for="override-difficulty">"Difficulty"</label>
                <input id="override-difficulty" inputmode="decimal" placeholder="the feed's" prop:value=overrides.difficulty on:input=move |event| overrides.difficulty.set(event_target_value(&event))/>
            </div>
            <div class="field">
                <label for="override-fees">"Fees per block, BTC"</label>
                <input id="override-fees" inputmode="decimal" placeholder="the feed's" prop:value=overrides.fees_btc on:input=move |event| overrides.fees_btc.set(event_target_value(&event))/>
            </div>
            <div class="field">
                <label for="override-btc">"BTC price, $"</label>
                <input id="override-btc" inputmode="decimal" placeholder="the feed's" prop:value=overrides.btc_usd on:input=move |event| overrides.btc_usd.set(event_target_value(&event))/>
            </div>
            {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </details>
    }
}

/// The operator's Settle panel: the open period, its caps, and the net the typed gross comes to,
/// all shown and checked before the wallet opens.
#[component]
pub fn SettlePanel(twin_id: u64, terms: EarningTerms) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let gross = RwSignal::new(String::new());
    let fee = RwSignal::new(String::new());
    let electricity = RwSignal::new(String::new());
    let parsed_gross = Memo::new(move |_| gross.with(|text| parse_ether(text, "gross")));
    let quote = LocalResource::new({
        let (store, earnings) = (store.clone(), store.earnings.clone());
        move || {
            store.head.get();
            store.writes();
            let gross = parsed_gross.get();
            let earnings = earnings.clone();
            async move {
                // Before any gross is typed, the caps on nothing still say what the period is.
                let gross = gross.ok().flatten().unwrap_or(Wei::ZERO);
                let earnings = earnings.ok_or("HashTwin has no earnings contract on this network.")?;
                earnings.quote(twin_id, gross).await.map_err(|error| reason(&error))
            }
        }
    });
    let claim = Memo::new(move |_| -> Result<Option<(SettleClaim, Caps, u64)>, String> {
        let Some(gross) = parsed_gross.get()? else { return Ok(None) };
        let Some(Ok(quote)) = quote.get() else { return Ok(None) };
        let caps = quote.caps;
        let service_fee = fee.with(|text| parse_ether(text, "service fee"))?.unwrap_or(caps.service_fee);
        let electricity = electricity.with(|text| parse_ether(text, "electricity"))?.unwrap_or(caps.electricity);
        let claim = SettleClaim { gross, service_fee, electricity };
        claim.check(&caps).map_err(|error| error.to_string())?;
        Ok(Some((claim, caps, quote.period_end)))
    });
    let request = Callback::new({
        let earnings = store.earnings.clone();
        move |()| -> Result<TxRequest, String> {
            let earnings = earnings.as_ref().ok_or("HashTwin has no earnings contract on this network.")?;
            match claim.get_untracked()? {
                Some((claim, _, period_end)) => Ok(earnings.settle(twin_id, period_end, &claim)),
                None => Err("Enter the gross the rig earned over the period.".into()),
            }
        }
    });

    view! {
        <section class="panel" aria-labelledby="settle-heading" data-testid="settle-panel">
            <h2 id="settle-heading">"Settle"</h2>
            {move || match quote.get() {
                None => view! { <p class="loading">"Reading the open period…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert" data-testid="settle-unavailable">{message}</p> }.into_any(),
                Some(Ok(quote)) => view! {
                    <dl class="spec" data-testid="settle-period">
                        <dt>"Period"</dt><dd>{format!("{} to {}", format_moment(quote.period_start), format_moment(quote.period_end))}</dd>
                        <dt>"Metered energy"</dt><dd data-testid="settle-energy">{format!("{:.1} kWh", quote.energy_wh as f64 / 1_000.0)}</dd>
                        <dt>"Electricity cap"</dt><dd data-testid="electricity-cap">{format!(
                            "{} ({:.1} kWh at ${}/kWh, ETH at {})",
                            quote.caps.electricity,
                            quote.energy_wh as f64 / 1_000.0,
                            trim_decimals(terms.tariff_usd_per_kwh(), 6),
                            format_usd(quote.eth_usd as f64 / 10f64.powi(i32::from(quote.price_decimals))),
                        )}</dd>
                        <dt>"Fee cap"</dt><dd data-testid="fee-cap">{format!("{} of the gross: {}", format_bps(terms.service_fee_bps), quote.caps.service_fee)}</dd>
                    </dl>
                    {quote.late.then(|| view! { <p class="banner warning">"This period is past its grace: it will be recorded as late."</p> })}
                }
                .into_any(),
            }}
            <div class="field">
                <label for="settle-gross">"Gross the rig earned, ETH"</label>
                <input id="settle-gross" inputmode="decimal" prop:value=gross on:input=move |event| gross.set(event_target_value(&event))/>
            </div>
            <div class="field">
                <label for="settle-fee">"Service fee kept, ETH"</label>
                <input id="settle-fee" inputmode="decimal" placeholder="the cap" prop:value=fee on:input=move |event| fee.set(event_target_value(&event))/>
            </div>
            <div class="field">
                <label for="settle-electricity">"Electricity kept, ETH"</label>
                <input id="settle-electricity" inputmode="decimal" placeholder="the cap" prop:value=electricity on:input=move |event| electricity.set(event_target_value(&event))/>
            </div>
            {move || match claim.get() {
                Err(message) => view! { <p class="error" role="alert" data-testid="settle-error">{message}</p> }.into_any(),
                Ok(None) => ().into_any(),
                Ok(Some((claim, ..))) => {
                    let (net, shortfall) = claim.split();
                    view! {
                        <p data-testid="settle-net">
                            {format!("The holder receives {net}; you pay in exactly that.")}
                            {(shortfall.0 > 0).then(|| format!(" Fee and electricity exceed the gross by {shortfall}: the event records the shortfall."))}
                        </p>
                    }
                    .into_any()
                }
            }}
            <TransactButton label="Settle the period" request/>
        </section>
    }
}

/// An amount of ether as typed; empty is `None`.
fn parse_ether(text: &str, what: &str) -> Result<Option<Wei>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Wei::parse_ether(text).map(Some).map_err(|error| format!("The {what}: {error}."))
}

/// A decimal with at most `decimals` places, trailing zeros dropped.
fn trim_decimals(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}
