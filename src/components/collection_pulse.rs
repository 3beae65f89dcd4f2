//! The collection at a glance, under the gallery: each model's floor and what happened lately.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::account::{Sentence, TxLink};
use crate::domain::calendar::format_moment;
use crate::domain::feed::FeedKind;
use crate::store::ChainStore;

/// Enough to see what moves without making the gallery a log.
const FEED_LENGTH: usize = 20;

#[component]
pub fn FloorsPanel() -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let floors = store.timed_slice(move |catalog| catalog.floors(catalog.now()));
    view! {
        <section class="panel" aria-labelledby="floors-heading" data-testid="floors">
            <h2 id="floors-heading">"Floor by model"</h2>
            {move || match floors.get() {
                None => view! { <p class="loading">"Reading the listings…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok(floors)) if floors.is_empty() => view! { <p class="empty">"Nothing is for sale."</p> }.into_any(),
                Some(Ok(floors)) => view! {
                    <table class="floors">
                        <thead><tr><th scope="col">"Model"</th><th scope="col" class="number">"Floor"</th><th scope="col" class="number">"For sale"</th></tr></thead>
                        <tbody>
                            {floors.into_iter().map(|floor| view! {
                                <tr>
                                    <td>{floor.model}</td>
                                    <td class="number"><A href=format!("/twin/{}", floor.twin_id)>{floor.floor.to_string()}</A></td>
                                    <td class="number">{floor.for_sale}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any(),
            }}
        </section>
    }
}

#[component]
pub fn ActivityFeed() -> impl IntoView {
    let store = expect_context::<ChainStore>();
    let only = RwSignal::new(None::<FeedKind>);
    // The memo reads the kind too, so a change of kind filters again without a new history.
    let shown = store.slice(move |catalog| catalog.feed(only.get(), FEED_LENGTH));
    view! {
        <section class="panel" aria-labelledby="activity-heading" data-testid="activity">
            <h2 id="activity-heading">"Activity"</h2>
            <label class="inline">
                "Show "
                <select on:change=move |event| only.set(FeedKind::from_slug(&event_target_value(&event)))>
                    <option value="">"Everything"</option>
                    {FeedKind::ALL.map(|kind| view! { <option value=kind.slug()>{kind.label()}</option> }).collect_view()}
                </select>
            </label>
            {move || match shown.get() {
                None => view! { <p class="loading">"Reading the collection's history…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="empty">"Nothing of this kind yet."</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ol class="timeline" data-testid="activity-items">
                        {items.into_iter().map(|(time, item)| view! {
                            <li data-kind=item.kind.slug()>
                                <span>
                                    <A href=format!("/twin/{}", item.twin_id)>{format!("#{}", item.twin_id)}</A>
                                    " "<Sentence phrases=item.phrases/>
                                </span>
                                <span class="meta">
                                    {time.map_or_else(|| format!("block {}", item.block), format_moment)}" · "<TxLink hash=item.tx_hash/>
                                </span>
                            </li>
                        }).collect_view()}
                    </ol>
                }
                    .into_any(),
            }}
        </section>
    }
}
