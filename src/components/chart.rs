//! A responsive SVG line chart with axes, units and the value under the pointer. The geometry is
//! `domain::chart`'s; this only places elements.

use leptos::prelude::*;

use crate::domain::calendar::Date;
use crate::domain::chart::{nearest_point, nice_ticks, path_d, time_ticks, Scale};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One series over a time window; `reference` draws a dashed line (e.g. the nominal hashrate),
/// `compare` a second series, dashed, to hold the first against (e.g. what was expected).
#[component]
pub fn LineChart(
    title: String,
    unit: &'static str,
    points: Vec<(u64, f64)>,
    window: (u64, u64),
    max_gap: u64,
    #[prop(default = None)] reference: Option<(f64, &'static str)>,
    #[prop(default = None)] compare: Option<(Vec<(u64, f64)>, &'static str)>,
) -> impl IntoView {
    let compared = compare.iter().flat_map(|(points, _)| points.iter().map(|(_, value)| *value));
    let values = points.iter().map(|(_, value)| *value).chain(reference.map(|(value, _)| value)).chain(compared);
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| (low.min(v), high.max(v)));
    let y_ticks = if low.is_finite() { nice_ticks(low.min(0.0_f64.max(low)), high, 5) } else { vec![0.0, 1.0] };
    let y = Scale::new((*y_ticks.first().unwrap_or(&0.0), *y_ticks.last().unwrap_or(&1.0)), (HEIGHT - BOTTOM, TOP));
    let x = Scale::new((window.0 as f64, window.1 as f64), (LEFT, WIDTH - RIGHT));
    let x_ticks = time_ticks(window.0, window.1, 6);
    let tick_decimals = decimals_for_step(y_ticks.windows(2).next().map_or(1.0, |pair| pair[1] - pair[0]));
    let line = path_d(&points, &x, &y, max_gap);
    let hovered = RwSignal::new(None::<usize>);
    let points = StoredValue::new(points);

    let on_pointer = move |event: web_sys::PointerEvent| {
        let Some(target) = event.current_target() else { return };
        let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target) else { return };
        let rect = element.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let svg_x = (f64::from(event.client_x()) - rect.left()) / rect.width() * WIDTH;
        let time = x.invert(svg_x).max(0.0) as u64;
        hovered.set(points.with_value(|points| nearest_point(points, time)));
    };
    // The keyboard reads the chart too: arrows step through the points, Home and End jump.
    let on_key = move |event: web_sys::KeyboardEvent| {
        let last = points.with_value(Vec::len).saturating_sub(1);
        let next = match (event.key().as_str(), hovered.get_untracked()) {
            ("ArrowRight", Some(index)) => (index + 1).min(last),
            ("ArrowLeft", Some(index)) => index.saturating_sub(1),
            ("ArrowRight" | "ArrowLeft" | "End", None) | ("End", _) => last,
            ("Home", _) => 0,
            _ => return,
        };
        event.prevent_default();
        hovered.set(Some(next));
    };
    let empty = points.with_value(Vec::is_empty);
    let label = format!("{title}, {unit}");

    view! {
        <figure class="chart">
            <figcaption>{label.clone()}</figcaption>
            {if empty {
                view! { <p class="empty">"No reports in this window."</p> }.into_any()
            } else {
                view! {
                    <svg
                        viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                        role="img"
                        aria-label=label
                        tabindex="0"
                        on:pointermove=on_pointer
                        on:pointerleave=move |_| hovered.set(None)
                        on:keydown=on_key
                        on:blur=move |_| hovered.set(None)
                    >
                        {y_ticks.iter().map(|&tick| {
                            let py = y.map(tick);
                            view! {
                                <line class="grid" x1=LEFT x2=WIDTH - RIGHT y1=py y2=py/>
                                <text class="tick" x=LEFT - 6.0 y=py + 4.0 text-anchor="end">{format!("{tick:.tick_decimals$}")}</text>
                            }
                        }).collect_view()}
                        {x_ticks.into_iter().map(|(time, text)| {
                            let px = x.map(time as f64);
                            view! { <text class="tick" x=px y=HEIGHT - 8.0 text-anchor="middle">{text}</text> }
                        }).collect_view()}
                        {reference.map(|(value, name)| {
                            let py = y.map(value);
                            view! {
                                <line class="reference" x1=LEFT x2=WIDTH - RIGHT y1=py y2=py/>
                                <text class="tick" x=WIDTH - RIGHT y=py - 4.0 text-anchor="end">{name}</text>
                            }
                        })}
                        {compare.map(|(series, name)| {
                            let last = series.last().map(|&(time, value)| (x.map(time as f64), y.map(value)));
                            view! {
                                <path class="line compare" d=path_d(&series, &x, &y, max_gap)/>
                                {last.map(|(px, py)| view! { <text class="tick" x=px - 4.0 y=py - 6.0 text-anchor="end">{name}</text> })}
                            }
                        })}
                        <path class="line" d=line/>
                        {move || hovered.get().and_then(|index| points.with_value(|points| points.get(index).copied())).map(|(time, value)| {
                            let (px, py) = (x.map(time as f64), y.map(value));
                            let text = format!("{} {unit} · {}", format_tick(value), time_label(time));
                            let anchor = if px > WIDTH / 2.0 { "end" } else { "start" };
                            let text_x = if px > WIDTH / 2.0 { px - 8.0 } else { px + 8.0 };
                            view! {
                                <line class="cursor" x1=px x2=px y1=TOP y2=HEIGHT - BOTTOM/>
                                <circle class="marker" cx=px cy=py r="4"/>
                                <text class="readout" x=text_x y=TOP + 12.0 text-anchor=anchor>{text}</text>
                            }
                        })}
                    </svg>
                }
                    .into_any()
            }}
        </figure>
    }
}

/// Decimals that tell ticks `step` apart: 0.05 needs two, 20 needs none.
fn decimals_for_step(step: f64) -> usize {
    if step <= 0.0 || !step.is_finite() {
        return 0;
    }
    (-step.log10().floor()).max(0.0) as usize
}

/// Readout numbers: no more digits than the magnitude calls for.
fn format_tick(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 || value == value.trunc() {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// "Nov 3 14:05" in UTC, as the axis labels are.
fn time_label(time: u64) -> String {
    let second_of_day = time % 86_400;
    format!(
        "{} {:02}:{:02} UTC",
        Date::from_unix(time).short_label(),
        second_of_day / 3_600,
        second_of_day % 3_600 / 60
    )
}
