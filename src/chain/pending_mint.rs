//! A mint between its two steps, kept in this browser until its reveal lands: the salt exists
//! nowhere else, and without it the commitment cannot be revealed.

use crate::domain::mint_form::PendingMint;
use crate::domain::Address;
use crate::storage;

fn key(chain_id: u64, account: Address) -> String {
    format!("hashtwin.mint.{chain_id}.{account}")
}

/// The account's pending mint on this chain and registry, if it has one. One saved by the version
/// before earning terms loads too, with no terms (`PendingMint::outdated`), so that the page can
/// say why it will not reveal it instead of silently dropping the operator's step 1.
pub fn load(chain_id: u64, registry: Address, account: Address) -> Option<PendingMint> {
    let pending: PendingMint = storage::get_json(&key(chain_id, account))?;
    pending.belongs_to(chain_id, registry, account).then_some(pending)
}

pub fn save(pending: &PendingMint) -> Result<(), String> {
    storage::store_json(&key(pending.chain_id, pending.account), pending)
}

/// Once the reveal landed, or the operator started over.
pub fn forget(chain_id: u64, account: Address) {
    storage::remove(&key(chain_id, account));
}
