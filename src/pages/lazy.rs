//! Routes whose page is downloaded when first visited, each page a wasm chunk of its own (issue 15):
//! the gallery is what a first visit needs, so only it and what every page shares are in the main
//! module.
//!
//! With the `split` feature a page's view is a `#[wasm_split]` function, which the build cuts out
//! into its own chunk (scripts/trunk-bin/wasm-bindgen runs the splitter); without it the same view
//! is a plain async function in the main module, so that native tests and wasm-bindgen-test builds
//! need no splitter and see no imports that only the split build can resolve.
//!
//! A chunk that does not arrive (a dropped connection, a deploy that replaced it) leaves the page
//! with a message and a Retry button, not a blank page: the split functions are `fallible`, so a
//! failed load is an `Err` here rather than a panic, and the loader does not remember failures, so
//! Retry fetches the chunk again.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use send_wrapper::SendWrapper;

use crate::chunk::ChunkLoadFailed;

pub type PageLoad = fn() -> Pin<Box<dyn Future<Output = Result<AnyView, ChunkLoadFailed>>>>;

/// A lazy route for `$page`, a component without props, in a chunk named after `$chunk`: `pub struct
/// $route`, used as `view={Lazy::<$route>::new()}`.
///
/// `leptos::lazy` and `#[lazy_route]` would do this, but their load failure is a panic, which with
/// `panic = "abort"` kills the whole app; and they cannot be switched off without the splitter.
macro_rules! lazy_route {
    ($(#[$attr:meta])* $route:ident, $chunk:ident, $page:path) => {
        $(#[$attr])*
        pub struct $route;

        impl ::leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> ::leptos::prelude::AnyView {
                #[cfg(feature = "split")]
                #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
                fn $chunk() -> Result<::leptos::prelude::AnyView, $crate::chunk::ChunkLoadFailed> {
                    use ::leptos::prelude::*;
                    Ok(view! { <$page/> }.into_any())
                }

                #[cfg(not(feature = "split"))]
                async fn $chunk() -> Result<::leptos::prelude::AnyView, $crate::chunk::ChunkLoadFailed> {
                    use ::leptos::prelude::*;
                    Ok(view! { <$page/> }.into_any())
                }

                $crate::pages::lazy::load_page(|| Box::pin($chunk())).await
            }

            // No `preload`: the router awaits it before `view` and has no way to show its failure,
            // so the chunk is fetched by `view` alone, where a failure becomes the Retry panel.
        }
    };
}
pub(crate) use lazy_route;

/// The page once its chunk has loaded, or a message with a Retry button if it did not.
pub async fn load_page(load: PageLoad) -> AnyView {
    match load().await {
        Ok(page) => page,
        Err(ChunkLoadFailed) => view! { <ChunkRetry load/> }.into_any(),
    }
}

#[component]
fn ChunkRetry(load: PageLoad) -> impl IntoView {
    crate::components::page_title(|| "Page did not load".to_string());
    // Each Retry bumps it, which starts a new download of the chunk.
    let attempt = RwSignal::new(0u32);
    let failed = move || {
        view! {
            <section class="chunk-failed" data-testid="chunk-failed">
                <h1>"This page did not load"</h1>
                <p class="error" role="alert">
                    "Part of HashTwin could not be downloaded. Check the connection, then try again."
                </p>
                <button class="primary" on:click=move |_| attempt.update(|n| *n += 1)>"Retry"</button>
            </section>
        }
        .into_any()
    };
    move || {
        if attempt.get() == 0 {
            return failed();
        }
        // The loader's future is not Send; the browser has one thread, so it never moves.
        let page = SendWrapper::new(load());
        view! {
            <Suspense fallback=|| view! { <p class="loading">"Loading the page…"</p> }>
                {Suspend::new(async move { page.await.unwrap_or_else(|ChunkLoadFailed| failed()) })}
            </Suspense>
        }
        .into_any()
    }
}
