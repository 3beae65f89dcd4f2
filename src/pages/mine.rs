use std::rc::Rc;

use leptos::prelude::*;

use crate::miner::pool::HasherWorker;

#[component]
pub fn MinePage() -> impl IntoView {
    // The worker lives as long as this page: dropping the resource terminates it.
    let hasher = LocalResource::new(|| async { HasherWorker::spawn().await.map(Rc::new) });

    view! {
        <h1>"Mine"</h1>
        <p class="lede">"Donate SHA-256d work from this tab. Nothing is hashed until you opt in."</p>
        <section class="panel" aria-labelledby="hasher-heading">
            <h2 id="hasher-heading">"Hasher"</h2>
            <Suspense fallback=|| view! { <p class="loading" data-testid="hasher-status">"Starting the hasher…"</p> }>
                {move || Suspend::new(async move {
                    match hasher.await {
                        Ok(_) => view! {
                            <p class="ok" data-testid="hasher-status">"Hasher ready: SHA-256d self-test passed."</p>
                        }.into_any(),
                        Err(error) => view! {
                            <p class="error" role="alert" data-testid="hasher-status">{error.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
