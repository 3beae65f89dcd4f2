//! A twin's telemetry: charts per window, uptime and share acceptance, and what the rig earns.

use leptos::prelude::*;

use crate::chain::earnings::FeedReadings;
use crate::components::chart::LineChart;
use crate::domain::hashprice::NetworkFigures;
use crate::domain::profitability::{self, format_usd, Economics};
use crate::domain::telemetry::{self, Metric, Series, TelemetrySample, Window, CHART_POINTS};
use crate::domain::RigSpec;
use crate::store::now_seconds;

/// The twin's reports of the chosen `window`, as far as they have been read: `None` while the
/// first read runs.
pub type Reports = Option<Result<Vec<TelemetrySample>, String>>;

#[component]
pub fn TelemetryPanel(
    #[prop(into)] samples: Signal<Reports>,
    /// Lifted out: the reports read are those of the window chosen.
    window: RwSignal<Window>,
    spec: RigSpec,
) -> impl IntoView {
    let nominal_ths = spec.terahash();

    view! {
        <section class="panel" aria-labelledby="telemetry-heading" data-testid="telemetry">
            <h2 id="telemetry-heading">"Telemetry"</h2>
            <div class="tabs" role="group" aria-label="Time window">
                {Window::all().into_iter().map(|option| view! {
                    <button
                        class="tab"
                        aria-pressed=move || (window.get() == option).to_string()
                        on:click=move |_| window.set(option)
                    >
                        {option.label()}
                    </button>
                }).collect_view()}
            </div>
            {move || {
                let window = window.get();
                let now = now_seconds();
                samples.with(|samples| match samples {
                    None => view! { <p class="loading">"Loading telemetry…"</p> }.into_any(),
                    Some(Err(message)) => view! { <p class="error" role="alert">{message.clone()}</p> }.into_any(),
                    Some(Ok(all)) => {
                    let shown = telemetry::in_window(all, window, now);
                    let uptime = telemetry::uptime_percent(all, window, now);
                    let ratio = telemetry::share_ratio(shown);
                    let span = (now.saturating_sub(window.seconds()), now);
                    view! {
                        <dl class="figures">
                            <div><dt>"Reports"</dt><dd data-testid="report-count">{shown.len()}</dd></div>
                            <div><dt>"Uptime"</dt><dd data-testid="uptime">{uptime.map(|percent| format!("{percent:.1}%")).unwrap_or_else(|| "—".into())}</dd></div>
                            <div><dt>"Shares accepted"</dt><dd data-testid="accepted">{ratio.map(|ratio| format!("{:.2}% of {}", ratio.accepted_percent, ratio.accepted + ratio.rejected)).unwrap_or_else(|| "—".into())}</dd></div>
                        </dl>
                        <div class="charts">
                            {Metric::ALL.into_iter().map(|metric| {
                                let series = Series::of(shown, metric).downsampled(CHART_POINTS);
                                let gap = series.gap_threshold();
                                let reference = (metric == Metric::Hashrate).then_some((nominal_ths, "nominal"));
                                view! {
                                    <LineChart
                                        title=metric.label().to_string()
                                        unit=metric.unit()
                                        points=series.points
                                        window=span
                                        max_gap=gap
                                        reference=reference
                                    />
                                }
                            }).collect_view()}
                        </div>
                    }
                    .into_any()
                    }
                })
            }}
            <p class="hint source" data-testid="source">"Read from the chain by this browser: the rig's reports of the window shown."</p>
        </section>
    }
}

/// Revenue, power cost and net per day from the rig's measured week, or its nameplate when it has
/// not reported: at the hashprice the network's feeds give and the twin's own tariff, unless the
/// user types other figures, which the panel then says.
#[component]
pub fn ProfitabilityPanel(
    /// The last week's reports: what the figures are measured on.
    #[prop(into)]
    week: Signal<Reports>,
    spec: RigSpec,
    /// The twin's electricity tariff from its terms, $/kWh.
    tariff: Option<f64>,
    /// The feeds' newest answers, read once for the whole page.
    feeds: LocalResource<Result<FeedReadings, String>>,
) -> impl IntoView {
    let feed_hashprice = Memo::new(move |_| match feeds.get() {
        Some(Ok(readings)) => NetworkFigures {
            difficulty: readings.difficulty.value(),
            mean_fees_btc: readings.block_fees.value(),
            btc_usd: readings.btc_usd.value(),
        }
        .checked()
        .map(|figures| figures.usd_per_th_day())
        .map_err(|error| format!("The feeds give no hashprice: {error}")),
        Some(Err(message)) => Err(message),
        None => Err("Reading the feeds…".to_string()),
    });
    let hashprice = RwSignal::new(String::new());
    let electricity = RwSignal::new(String::new());
    // The typed prices stay as they are when reports arrive: only the measured basis follows them.
    let basis = Memo::new(move |_| {
        let measured = week.with(|week| match week {
            Some(Ok(samples)) => telemetry::measured(samples, Window::Week, now_seconds()),
            _ => None,
        });
        match measured {
            Some(measured) => (measured.hashrate_ths(), measured.power_watts, "measured over the last 7 days"),
            None => (spec.terahash(), f64::from(spec.power_watts), "nameplate: no reports in the last 7 days"),
        }
    });
    // An empty field means the default: the feeds' hashprice, the twin's tariff.
    let parsed = move || {
        let hashprice = match hashprice.get() {
            text if text.trim().is_empty() => feed_hashprice.get(),
            text => profitability::parse_hashprice(&text).map_err(|error| error.to_string()),
        };
        let electricity = match electricity.get() {
            text if text.trim().is_empty() => Ok(tariff.unwrap_or(Economics::DEFAULT_ELECTRICITY_USD_PER_KWH)),
            text => profitability::parse_electricity_price(&text).map_err(|error| error.to_string()),
        };
        (hashprice, electricity)
    };
    let tariff_source = match tariff {
        Some(tariff) => format!("the twin's tariff, ${tariff}/kWh"),
        None => format!("a typical industrial tariff, ${}/kWh", Economics::DEFAULT_ELECTRICITY_USD_PER_KWH),
    };
    let sources = move || {
        let hashprice_source = match (hashprice.with(|text| text.trim().is_empty()), feed_hashprice.get()) {
            (false, _) => "your hashprice".to_string(),
            (true, Ok(value)) => format!("the feeds' hashprice, ${value:.4}/TH/day"),
            (true, Err(_)) => "no hashprice yet".to_string(),
        };
        let electricity_source = if electricity.with(|text| text.trim().is_empty()) {
            tariff_source.clone()
        } else {
            "your power price".to_string()
        };
        format!("At {hashprice_source} and {electricity_source}.")
    };

    view! {
        <section class="panel" aria-labelledby="profit-heading" data-testid="profitability">
            <h2 id="profit-heading">"Earnings"</h2>
            <p class="hint">{move || { let (ths, watts, basis) = basis.get(); format!("{ths:.1} TH/s at {watts:.0} W, {basis}.") }}</p>
            <div class="field">
                <label for="hashprice">"Hashprice, $/TH/day"</label>
                <input id="hashprice" inputmode="decimal" placeholder=move || feed_hashprice.get().map(|value| format!("{value:.4} (the feeds')")).unwrap_or_default() prop:value=hashprice on:input=move |event| hashprice.set(event_target_value(&event))/>
                {move || parsed().0.err().map(|error| view! { <span class="error" role="alert">{error}</span> })}
            </div>
            <div class="field">
                <label for="electricity">"Electricity, $/kWh"</label>
                <input id="electricity" inputmode="decimal" placeholder=tariff.map(|tariff| format!("{tariff} (the twin's tariff)")).unwrap_or_default() prop:value=electricity on:input=move |event| electricity.set(event_target_value(&event))/>
                {move || parsed().1.err().map(|error| view! { <span class="error" role="alert">{error}</span> })}
            </div>
            <p class="hint" data-testid="profitability-sources">{sources}</p>
            {move || match parsed() {
                (Ok(hashprice), Ok(electricity)) => {
                    let (ths, watts, _) = basis.get();
                    let economics = Economics { hashprice_usd_per_th_day: hashprice, electricity_usd_per_kwh: electricity };
                    let day = profitability::daily(ths, watts, &economics);
                    view! {
                        <dl class="figures">
                            <div><dt>"Revenue / day"</dt><dd data-testid="revenue">{format_usd(day.revenue_usd)}</dd></div>
                            <div><dt>"Power / day"</dt><dd data-testid="power-cost">{format_usd(day.power_cost_usd)}</dd></div>
                            <div><dt>"Net / day"</dt><dd data-testid="net" class=if day.net_usd < 0.0 { "error" } else { "ok" }>{format_usd(day.net_usd)}</dd></div>
                            <div><dt>"Break-even power price"</dt><dd data-testid="break-even">{day.break_even_usd_per_kwh.map(|price| format!("{}/kWh", format_usd(price))).unwrap_or_else(|| "—".into())}</dd></div>
                        </dl>
                    }
                        .into_any()
                }
                _ => view! { <p class="hint">"Fix the figures above to see the estimate."</p> }.into_any(),
            }}
        </section>
    }
}
