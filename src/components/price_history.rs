//! What a twin changed hands at: its last sale and a chart of every sale and fill of its shares.

use leptos::prelude::*;

use crate::components::chart::LineChart;
use crate::domain::calendar::format_moment;
use crate::store::ChainStore;

/// A day either side of the trades, so that a single trade is not drawn on the chart's edge.
const MARGIN_SECONDS: u64 = 86_400;

#[component]
pub fn PriceHistoryPanel(twin_id: u64) -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let history = store.timed_slice(move |catalog| (catalog.price_history(twin_id), catalog.now()));
    view! {
        <section class="panel" aria-labelledby="price-history-heading" data-testid="price-history">
            <h2 id="price-history-heading">"Price history"</h2>
            {move || match history.get() {
                None => view! { <p class="loading">"Reading the trades…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok((points, _))) if points.is_empty() => {
                    view! { <p class="empty" data-testid="last-sale">"Never sold."</p> }.into_any()
                }
                Some(Ok((points, now))) => {
                    let last = points.last().copied().map(|(time, point)| {
                        let when = time.map_or_else(|| format!("in block {}", point.block), format_moment);
                        match point.shares {
                            None => format!("Last sale: {}, {when}.", point.whole_price),
                            Some(shares) => format!(
                                "Last trade: {} at {} for the whole twin, {when}.",
                                shares.format(4),
                                point.whole_price
                            ),
                        }
                    });
                    let dated: Vec<(u64, f64)> = points
                        .iter()
                        .filter_map(|(time, point)| Some(((*time)?, point.whole_price.ether_f64())))
                        .collect();
                    let window = dated.first().zip(dated.last()).map(|(first, last)| {
                        (first.0.saturating_sub(MARGIN_SECONDS), (last.0 + MARGIN_SECONDS).max(now))
                    });
                    view! {
                        <p data-testid="last-sale">{last}</p>
                        {window.map(|window| view! {
                            <LineChart title="Price of the whole twin".to_string() unit="ETH" points=dated window max_gap=u64::MAX/>
                        })}
                        <p class="hint">{format!("{} trades; a fill of shares counts at its price per share times the supply.", points.len())}</p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
