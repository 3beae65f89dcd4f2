use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::chart::badge_svg;
use crate::domain::donations::format_work;
use crate::domain::fractions::format_bps_percent;
use crate::domain::gallery::GalleryEntry;
use crate::domain::mint_form::format_efficiency;
use crate::domain::twin::{format_hashrate, format_power};
use crate::miner::meter::format_rate;

#[component]
pub fn TwinCard(entry: GalleryEntry) -> impl IntoView {
    let (asking_price, price_per_percent) = (entry.asking_price(), entry.price_per_percent());
    let GalleryEntry { twin, status, listing_price, donated_work, donated_hashrate, earnings, fraction } = entry;
    let donated = match (donated_work, donated_hashrate) {
        (0, _) => "—".to_string(),
        (work, rate) if rate > 0.0 => format!("{} · {} over 24 h", format_work(work), format_rate(rate)),
        (work, _) => format_work(work),
    };
    let href = format!("/twin/{}", twin.id);
    let efficiency = twin.spec.efficiency_j_per_th().map(format_efficiency).unwrap_or_default();
    let badge = badge_svg(&twin.spec, status);
    let yearly = earnings.yield_words().unwrap_or_else(|| "—".to_string());
    let late = earnings.late.then(|| {
        view! {
            " · "
            <span class="late-badge" data-testid="card-late" title="Its operator has not settled a period past its grace">
                "late"
            </span>
        }
    });

    let fractional = fraction.map(|fraction| {
        let words = match fraction.for_sale_bps {
            0 => "fractional".to_string(),
            bps => format!("fractional · {} for sale", format_bps_percent(bps)),
        };
        view! {
            " · "
            <span class="fraction-badge" data-testid="card-fractional" title="Split into shares anyone can own">{words}</span>
        }
    });
    let price = match (listing_price, asking_price) {
        (Some(price), _) => format!("For sale: {price}"),
        (None, Some(_)) => "Shares for sale".to_string(),
        (None, None) => "Not for sale".to_string(),
    };
    let per_percent = price_per_percent.map(|price| {
        view! { <span class="per-percent" data-testid="card-per-percent">{format!("{price} per 1%")}</span> }
    });

    view! {
        <article class="twin-card" data-testid="twin-card">
            <A href=href>
                // The badge is generated from the spec by the app itself: no user markup reaches it
                // unescaped (badge_svg escapes the model).
                <div class="badge" inner_html=badge></div>
                <h2>{twin.spec.display_name()}</h2>
                <p class="twin-id">
                    "#"{twin.id}" · "<span class=format!("status {}", status.label().to_lowercase())>{status.label()}</span>
                    {late}
                    {fractional}
                </p>
                <dl>
                    <dt>"Hashrate"</dt><dd>{format_hashrate(twin.spec.hashrate_ghs)}</dd>
                    <dt>"Power"</dt><dd>{format_power(twin.spec.power_watts.into())}</dd>
                    <dt>"Efficiency"</dt><dd>{efficiency}</dd>
                    <dt>"Location"</dt><dd>{twin.spec.location.clone()}</dd>
                    <dt>"Donated"</dt><dd data-testid="card-donated">{donated}</dd>
                    <dt title="The net paid to holders over the 30 days to its last settlement, a year of it, on its listing or last sale price">"Yield"</dt>
                    <dd data-testid="card-yield">{yearly}</dd>
                </dl>
                <p class="price" data-testid="card-price">{price}" "{per_percent}</p>
            </A>
        </article>
    }
}
