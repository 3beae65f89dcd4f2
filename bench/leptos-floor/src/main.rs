//! The size floor of a gallery page in HashTwin's stack (see Cargo.toml). Everything it shows comes
//! from run-time input, so that the optimiser cannot fold any of it away.
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use serde::Deserialize;

/// Five fields, parsed at run time from `window.location.hash`.
#[derive(Clone, Debug, Deserialize)]
struct Item {
    id: u64,
    name: String,
    kind: String,
    price: f64,
    tags: Vec<String>,
}

fn item_from_hash() -> Result<Item, String> {
    let hash = window().location().hash().unwrap_or_default();
    serde_json::from_str::<Item>(hash.trim_start_matches('#')).map_err(|e| e.to_string())
}

/// One gloo-net request, compiled in and sent only when the hash asks for it.
async fn fetch_item(url: String) -> Result<Item, String> {
    let resp = gloo_net::http::Request::get(&url).send().await.map_err(|e| e.to_string())?;
    resp.json::<Item>().await.map_err(|e| e.to_string())
}

#[derive(Clone, Debug, PartialEq)]
struct Card {
    id: u32,
    name: String,
    kind: &'static str,
    price: u64,
}

fn initial_cards() -> Vec<Card> {
    const KINDS: [&str; 3] = ["asic", "gpu", "cpu"];
    (0..20)
        .map(|i| Card { id: i, name: format!("Card #{i}"), kind: KINDS[i as usize % 3], price: 1_000 + 37 * i as u64 })
        .collect()
}

/// Async work with a real delay that can fail, as a page's reads can.
async fn load_stats(n: usize) -> Result<String, String> {
    gloo_timers::future::TimeoutFuture::new(300).await;
    if n > 1_000 {
        return Err(format!("too many cards: {n}"));
    }
    Ok(format!("{n} cards loaded"))
}

#[component]
fn Gallery() -> impl IntoView {
    let cards = RwSignal::new(initial_cards());
    let filter = RwSignal::new(String::from("all"));
    let visible = move || {
        let f = filter.get();
        cards.with(|cs| cs.iter().filter(|c| f == "all" || c.kind == f).cloned().collect::<Vec<_>>())
    };
    let stats = LocalResource::new(move || {
        let n = cards.with(Vec::len);
        load_stats(n)
    });

    let item = RwSignal::new(item_from_hash().ok());
    if let Ok(h) = window().location().hash() {
        if let Some(url) = h.strip_prefix("#fetch=") {
            let url = url.to_string();
            leptos::task::spawn_local(async move {
                if let Ok(it) = fetch_item(url).await {
                    item.set(Some(it));
                }
            });
        }
    }

    view! {
        <h1>"Gallery"</h1>
        {move || item.get().map(|it| view! {
            <p class="item">{it.id}" "{it.name}" "{it.kind}" "{it.price}" "{it.tags.join(",")}</p>
        })}
        <label>
            "Kind "
            <select prop:value=move || filter.get() on:change=move |ev| filter.set(event_target_value(&ev))>
                <option value="all">"All"</option>
                <option value="asic">"ASIC"</option>
                <option value="gpu">"GPU"</option>
                <option value="cpu">"CPU"</option>
            </select>
        </label>
        <ErrorBoundary fallback=|errors| view! {
            <p class="error">
                "Error: "
                {move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join(", ")}
            </p>
        }>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move { stats.await.map(|s| view! { <p class="stats">{s}</p> }) })}
            </Suspense>
        </ErrorBoundary>
        <ul class="cards">
            <For each=visible key=|c| c.id let:card>
                <li class="card">
                    <h3>{card.name}</h3>
                    <span class="kind">{card.kind}</span>
                    <span class="price">{card.price}</span>
                    <A href=format!("/card/{}", card.id)>"Open"</A>
                </li>
            </For>
        </ul>
    }
}

#[component]
fn About() -> impl IntoView {
    view! { <h1>"About"</h1><p>"A size floor."</p> }
}

#[component]
fn App() -> impl IntoView {
    view! {
        <Router>
            <nav>
                <A href="/">"Gallery"</A>
                <A href="/about">"About"</A>
            </nav>
            <main>
                <Routes fallback=|| "Not found.">
                    <Route path=path!("/") view=Gallery />
                    <Route path=path!("/about") view=About />
                </Routes>
            </main>
        </Router>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
