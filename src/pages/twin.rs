use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::app::ChainContext;
use crate::components::errors::error_list;
use crate::domain::twin::{format_hashrate, format_power};
use crate::domain::Twin;

#[component]
pub fn TwinPage() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<u64>().ok());

    let twin = LocalResource::new(move || {
        let registry = chain.registry.clone();
        let id = id();
        async move {
            match (registry, id) {
                (Some(registry), Some(id)) => registry.twin(id).await,
                _ => Ok(None),
            }
        }
    });

    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading twin…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move {
                    twin.await.map(|twin| match twin {
                        Some(twin) => view! { <TwinDetails twin/> }.into_any(),
                        None => view! {
                            <h1>"No such twin"</h1>
                            <p class="empty">"No twin has this id. " <a href="/">"Back to the gallery"</a></p>
                        }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn TwinDetails(twin: Twin) -> impl IntoView {
    let spec = &twin.spec;
    let efficiency = spec.efficiency_j_per_th().map(|value| format!("{value:.1} J/TH")).unwrap_or_default();
    view! {
        <h1>{spec.display_name()}" "<span class="twin-id">"#"{twin.id}</span></h1>
        <section class="panel" aria-labelledby="spec-heading">
            <h2 id="spec-heading">"Rig"</h2>
            <dl class="spec" data-testid="twin-spec">
                <dt>"Manufacturer"</dt><dd>{spec.manufacturer.clone()}</dd>
                <dt>"Model"</dt><dd>{spec.model.clone()}</dd>
                <dt>"Nominal hashrate"</dt><dd>{format_hashrate(spec.hashrate_ghs)}</dd>
                <dt>"Nominal power"</dt><dd>{format_power(spec.power_watts.into())}</dd>
                <dt>"Efficiency"</dt><dd>{efficiency}</dd>
                <dt>"Location"</dt><dd>{spec.location.clone()}</dd>
                <dt>"Serial hash"</dt><dd class="mono">{format!("0x{}", hex::encode(spec.serial_hash))}</dd>
            </dl>
        </section>
        <section class="panel" aria-labelledby="roles-heading">
            <h2 id="roles-heading">"Roles"</h2>
            <dl class="spec">
                <dt>"Operator"</dt><dd class="mono">{twin.operator.to_string()}</dd>
                <dt>"Reporter key"</dt><dd class="mono">{twin.reporter.to_string()}</dd>
                <dt>"Royalty"</dt><dd>{format!("{}%", twin.royalty_percent())}</dd>
            </dl>
        </section>
    }
}
