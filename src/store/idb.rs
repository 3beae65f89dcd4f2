//! The history in IndexedDB: one entry per block that has records, and the head they were read
//! up to, written together in one transaction so that a closed tab never leaves one without the
//! other. localStorage would hold a few thousand twins at most, and would not say when it is full.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode,
};

use crate::chain::collection::BlockLogs;
use crate::domain::history::BlockRef;

const DATABASE: &str = "hashtwin";
/// Bumped when what is stored changes shape: an upgrade drops what an older app wrote.
/// 3: JSON as bytes, byte strings in it as hex. 4: terms, settlements and claims among the
/// events. 5: the times of the blocks with mints. 6: splits, joins and lots among the events. 7: the
/// times of the blocks with trades, for the price history. 8: each credit's transaction, for the account's list.
/// 9: the blocks' logs as the node gave them, decoded on each visit, rather than the app's records:
/// what the app makes of a log may change from now on without a new version. An upgrade sets the
/// stored history aside; it is read again.
const VERSION: u32 = 9;
const BLOCKS: &str = "blocks";
/// Bytes of stored history parsed between two pauses: a few tens of ms of work.
const PARSE_BETWEEN_PAUSES: usize = 2 * 1024 * 1024;
const HEADS: &str = "heads";

/// Why the history could not be kept in this browser, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(String);

impl StorageError {
    fn from_js(doing: &str, error: JsValue) -> Self {
        let detail = error
            .dyn_ref::<web_sys::DomException>()
            .map(|exception| format!("{}: {}", exception.name(), exception.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}"));
        let hint = if detail.starts_with("QuotaExceededError") {
            " (the browser's storage for this site is full)"
        } else {
            ""
        };
        StorageError(format!("The browser refused to {doing}{hint}: {detail}."))
    }
}

/// What a previous visit stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredHead {
    pub head: BlockRef,
    /// Newest first.
    pub checkpoints: Vec<BlockRef>,
}

/// The history of one deployment (`scope`: chain and registry) in IndexedDB.
#[derive(Debug, Clone)]
pub struct HistoryDb {
    db: IdbDatabase,
    scope: String,
}

impl HistoryDb {
    pub async fn open(scope: String) -> Result<Self, StorageError> {
        let window = web_sys::window().ok_or_else(|| StorageError("This page has no window to store in.".into()))?;
        let factory = window
            .indexed_db()
            .map_err(|error| StorageError::from_js("open its database", error))?
            .ok_or_else(|| StorageError("This browser keeps no IndexedDB here (a private window?).".into()))?;
        let request = factory
            .open_with_u32(DATABASE, VERSION)
            .map_err(|error| StorageError::from_js("open its database", error))?;
        let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new({
            let request = request.clone();
            move |_| {
                if let Ok(db) = request.result().and_then(|db| db.dyn_into::<IdbDatabase>()) {
                    for store in [BLOCKS, HEADS] {
                        // What an older version stored is read again from the chain; a store that
                        // is not there refuses to be deleted, which is fine.
                        let _ = db.delete_object_store(store);
                        // Failing here aborts the upgrade, which `open` then reports.
                        let _ = db.create_object_store(store);
                    }
                }
            }
        });
        request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let db = settle(&request).await.map_err(|error| StorageError::from_js("open its database", error))?;
        drop(upgrade);
        let db: IdbDatabase =
            db.dyn_into().map_err(|_| StorageError("IndexedDB opened something else than a database.".into()))?;
        Ok(Self { db, scope })
    }

    fn block_key(&self, number: u64) -> String {
        // Zero-padded, so that the keys sort as the blocks do.
        format!("{}/{number:020}", self.scope)
    }

    /// Every block of this scope after `after` (all of them for `None`), as a key range.
    fn blocks_after(&self, after: Option<u64>) -> Result<IdbKeyRange, JsValue> {
        let lower = after.map_or_else(|| format!("{}/", self.scope), |number| self.block_key(number + 1));
        // '0' follows '/': the first key past every block of the scope.
        IdbKeyRange::bound(&lower.into(), &format!("{}0", self.scope).into())
    }

    fn transaction(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore, IdbObjectStore), JsValue> {
        let stores = Array::of2(&BLOCKS.into(), &HEADS.into());
        let transaction = self.db.transaction_with_str_sequence_and_mode(&stores, mode)?;
        let blocks = transaction.object_store(BLOCKS)?;
        let heads = transaction.object_store(HEADS)?;
        Ok((transaction, blocks, heads))
    }

    /// What was stored, or `None` on a first visit.
    pub async fn load(&self) -> Result<Option<(StoredHead, Vec<BlockLogs>)>, StorageError> {
        let failed = |error| StorageError::from_js("read the stored history", error);
        let (_, blocks, heads) = self.transaction(IdbTransactionMode::Readonly).map_err(failed)?;
        let head = heads.get(&self.scope.clone().into()).map_err(failed)?;
        let all = blocks.get_all_with_key(&self.blocks_after(None).map_err(failed)?.into()).map_err(failed)?;
        let (head, all) = (settle(&head).await.map_err(failed)?, settle(&all).await.map_err(failed)?);
        if head.is_undefined() {
            return Ok(None);
        }
        let head: StoredHead = parse(head)?;
        let mut blocks = Vec::new();
        let mut parsed_since_pause = 0;
        for entry in Array::from(&all).iter() {
            let bytes = json_bytes(entry)?;
            blocks.push(serde_json::from_slice(&bytes).map_err(unreadable)?);
            parsed_since_pause += bytes.len();
            if parsed_since_pause >= PARSE_BETWEEN_PAUSES {
                // A large history is parsed in parts, so that the page can show what arrives
                // meanwhile (the first page of twins from the lens) rather than wait for all of it.
                gloo_timers::future::sleep(std::time::Duration::ZERO).await;
                parsed_since_pause = 0;
            }
        }
        Ok(Some((head, blocks)))
    }

    /// Adds `blocks` and moves the stored head, in one transaction.
    pub async fn append(&self, blocks: &[BlockLogs], head: &StoredHead) -> Result<(), StorageError> {
        let failed = |error| StorageError::from_js("store the history", error);
        let (transaction, store, heads) = self.transaction(IdbTransactionMode::Readwrite).map_err(failed)?;
        for block in blocks {
            store.put_with_key(&stored(block)?, &self.block_key(block.block.number).into()).map_err(failed)?;
        }
        heads.put_with_key(&stored(head)?, &self.scope.clone().into()).map_err(failed)?;
        completion(&transaction).await.map_err(failed)
    }

    /// Forgets every block after `head.head` (a reorganisation replaced them), or everything of
    /// this scope for `None`.
    pub async fn truncate(&self, head: Option<&StoredHead>) -> Result<(), StorageError> {
        let failed = |error| StorageError::from_js("update the stored history", error);
        let (transaction, store, heads) = self.transaction(IdbTransactionMode::Readwrite).map_err(failed)?;
        let after = head.map(|head| head.head.number);
        store.delete(&self.blocks_after(after).map_err(failed)?.into()).map_err(failed)?;
        match head {
            Some(head) => {
                heads.put_with_key(&stored(head)?, &self.scope.clone().into()).map_err(failed)?;
            }
            None => {
                heads.delete(&self.scope.clone().into()).map_err(failed)?;
            }
        }
        completion(&transaction).await.map_err(failed)
    }
}

/// A request's result once it succeeds, or its error.
/// A value as stored: its JSON as UTF-8 bytes. Bytes rather than a string: the browser copies
/// them in and out of storage as they are, where a string would be converted to and from UTF-16
/// both ways, at twice the size.
fn stored(value: &impl serde::Serialize) -> Result<JsValue, StorageError> {
    let bytes = serde_json::to_vec(value).map_err(|error| StorageError(error.to_string()))?;
    Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
}

fn json_bytes(entry: JsValue) -> Result<Vec<u8>, StorageError> {
    let bytes = entry
        .dyn_into::<js_sys::Uint8Array>()
        .map_err(|_| StorageError("The stored history holds something other than JSON bytes.".into()))?;
    Ok(bytes.to_vec())
}

fn unreadable(error: serde_json::Error) -> StorageError {
    StorageError(format!("The stored history is unreadable: {error}."))
}

fn parse<T: serde::de::DeserializeOwned>(entry: JsValue) -> Result<T, StorageError> {
    serde_json::from_slice(&json_bytes(entry)?).map_err(unreadable)
}

async fn settle(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        if let Some(open) = request.dyn_ref::<IdbOpenDbRequest>() {
            // Another tab holds an older version open: say so rather than wait forever.
            let reject = reject.clone();
            let blocked = Closure::once_into_js(move || {
                let words = "another HashTwin tab holds an older version of its storage open; close it";
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(words));
            });
            open.set_onblocked(Some(blocked.unchecked_ref()));
        }
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &request.result().unwrap_or(JsValue::UNDEFINED));
            })
        };
        let on_error = {
            let request = request.clone();
            Closure::once_into_js(move || {
                let error = request.error().ok().flatten().map_or(JsValue::UNDEFINED, JsValue::from);
                let _ = reject.call1(&JsValue::NULL, &error);
            })
        };
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// Resolves when the transaction commits; rejects with why it aborted (a full quota among others).
async fn completion(transaction: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let on_abort = {
            let transaction = transaction.clone();
            Closure::once_into_js(move || {
                let error = transaction.error().map_or(JsValue::from_str("the transaction was aborted"), JsValue::from);
                let _ = reject.call1(&JsValue::NULL, &error);
            })
        };
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        // An error aborts the transaction, unless handled: `onabort` sees every failure once.
        transaction.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ())
}
