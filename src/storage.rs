//! The browser's localStorage, for what the app remembers between visits: preferences, which
//! degrade to "nothing remembered" on any failure (private mode, quota, no window), and the user's
//! own records (a mint between its steps, shares not yet submitted, recent transactions), written
//! with [`store_json`], which says why it could not.

use serde::de::DeserializeOwned;
use serde::Serialize;

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok()?
}

/// For preferences only, which cost a click when forgotten: anything of the user's goes through
/// [`store_json`], which says why it could not be kept.
pub fn set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

pub fn remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

pub fn get_json<T: DeserializeOwned>(key: &str) -> Option<T> {
    serde_json::from_str(&get(key)?).ok()
}

/// Writes `value` and says why it could not: for what the user would lose with it, such as the
/// secret of a mint between its two steps.
pub fn store_json<T: Serialize>(key: &str, value: &T) -> Result<(), String> {
    let text = serde_json::to_string(value).map_err(|error| error.to_string())?;
    let storage = local_storage().ok_or("this browser keeps no local storage here")?;
    storage.set_item(key, &text).map_err(|error| format!("the browser refused to store it ({error:?})"))
}
