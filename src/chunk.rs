//! Code the split build downloads when it is first needed (issue 15), and what a failed download is.

/// A wasm chunk could not be loaded; the browser console has the network error. The loader does
/// not remember failures, so asking again fetches the chunk again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLoadFailed;

impl From<leptos::wasm_split::SplitLoaderError> for ChunkLoadFailed {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkLoadFailed
    }
}
