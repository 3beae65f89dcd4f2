use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::twin::{format_hashrate, format_power};
use crate::domain::Twin;

#[component]
pub fn TwinCard(twin: Twin) -> impl IntoView {
    let href = format!("/twin/{}", twin.id);
    let efficiency = twin.spec.efficiency_j_per_th().map(|value| format!("{value:.1} J/TH")).unwrap_or_default();

    view! {
        <article class="twin-card" data-testid="twin-card">
            <A href=href>
                <h2>{twin.spec.display_name()}</h2>
                <p class="twin-id">"#"{twin.id}</p>
                <dl>
                    <dt>"Hashrate"</dt><dd>{format_hashrate(twin.spec.hashrate_ghs)}</dd>
                    <dt>"Power"</dt><dd>{format_power(twin.spec.power_watts.into())}</dd>
                    <dt>"Efficiency"</dt><dd>{efficiency}</dd>
                    <dt>"Location"</dt><dd>{twin.spec.location.clone()}</dd>
                </dl>
            </A>
        </article>
    }
}
