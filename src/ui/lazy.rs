//! Pages as WASM chunks of their own: the browser downloads a page's code the first time the
//! page is shown, so the first load carries only the shell and the page in front of the user,
//! and every new page adds nothing to it.
//!
//! Every route is declared with [`lazy_page!`] next to its page component and mounted in the
//! router as `Lazy::<Route>::new()`. Built with `cargo leptos build --split`, each page lands in
//! `pkg/split_<chunk>.<hash>.wasm` (code shared by several pages in `chunk_<n>` files); without
//! `--split` the same code simply stays in the main file.
//!
//! We use `wasm_split` directly rather than `#[lazy_route]`: Leptos 0.8's macro panics when a
//! chunk can't be fetched (a panic aborts the whole WASM module: a dead page), while the
//! `fallible` split gives us the error, and the page shows [`ChunkLoadFailed`] instead.

use leptos::prelude::*;

/// Declares `$route`, a lazily loaded route showing the page component `$page` (a component
/// without props, in scope where the macro is used), split into the WASM chunk `$chunk` (a
/// name unique in the crate, e.g. `page_login`).
///
/// On the server the page renders directly, and the chunk is named in the page's `<head>` as a
/// preload, so the browser fetches it together with the main WASM instead of after it.
macro_rules! lazy_page {
    ($(#[$meta:meta])* $vis:vis $route:ident => $page:ident, chunk = $chunk:ident) => {
        $(#[$meta])*
        $vis struct $route;

        // The split point: on wasm this function's body (and everything only it reaches) is
        // moved into the chunk; calling it fetches and instantiates the chunk first.
        #[cfg(feature = "hydrate")]
        #[allow(non_snake_case)]
        mod $chunk {
            use super::$page;
            use leptos::prelude::{view, AnyView, IntoAny};
            use leptos::wasm_split::SplitLoaderError;

            #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload))]
            pub fn load() -> Result<AnyView, SplitLoaderError> {
                Ok(view! { <$page/> <$crate::ui::lazy::PageReady/> }.into_any())
            }
        }

        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> leptos::prelude::AnyView {
                #[cfg(feature = "hydrate")]
                {
                    $chunk::load().await.unwrap_or_else(|_| $crate::ui::lazy::chunk_load_failed())
                }
                #[cfg(not(feature = "hydrate"))]
                {
                    leptos::prefetch_lazy_fn_on_server(stringify!($chunk));
                    leptos::prelude::IntoAny::into_any(leptos::prelude::view! { <$page/> <$crate::ui::lazy::PageReady/> })
                }
            }

            async fn preload() {
                // A failed prefetch is not remembered: the navigation that needs the chunk
                // tries again, and shows the retry state if that fails too.
                #[cfg(feature = "hydrate")]
                let _ = $chunk::preload().await;
            }
        }
    };
}
pub(crate) use lazy_page;

/// The page's code could not be downloaded (offline, or the server was being updated):
/// say so, and offer to load the page again, rather than leave a page that does nothing.
pub fn chunk_load_failed() -> AnyView {
    view! { <ChunkLoadFailed/> <PageReady/> }.into_any()
}

/// Marks the page as interactive (`<body data-hydrated>`) once the route's own view is live:
/// pages arrive in chunks after the shell, so the shell being hydrated says nothing about the
/// page's forms. Browser tests wait for it, and so can curious humans.
#[component]
pub fn PageReady() -> impl IntoView {
    // Effects run once the view they were created in is hydrated (or mounted), never on the
    // server.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// `true` once this view runs in the browser with its handlers attached (always `false` on the
/// server). A form whose fields live in signals rather than posting as plain HTML disables its
/// fields until then (`<fieldset disabled=move || !live.get()>`): text typed into the server's
/// HTML before the page's code arrived would be overwritten when hydration sets each field
/// from its (empty) signal.
pub fn use_interactive() -> ReadSignal<bool> {
    let (live, set_live) = signal(false);
    Effect::new(move |_| set_live.set(true));
    live
}

#[component]
pub fn ChunkLoadFailed() -> impl IntoView {
    // A full load of the address the user was going to: the server renders the page, and
    // fetches the chunk afresh (a failed fetch is not cached).
    let retry = move |_| {
        let _ = window().location().reload();
    };
    view! {
        <section class="card narrow status-view" role="alert" data-testid="chunk-load-failed">
            <h1>"Couldn't load this page"</h1>
            <p>"Part of the portal could not be downloaded. Check your connection, then try again."</p>
            <button type="button" class="button primary" on:click=retry>"Retry"</button>
        </section>
    }
}
