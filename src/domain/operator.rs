//! What a twin's operator can do to it, checked before any wallet opens: log maintenance, move its
//! status, rotate its reporter key, and hand the rig over to another operator (who must accept).
//! The checks mirror `TwinRegistry` (`EmptyNote`, `NoteTooLong`, `StatusUnchanged`,
//! `TwinDecommissioned`, `ZeroReporter`) and add what it cannot see: checksum typos, and
//! decommissioning by a slip of the mouse.

use super::address::parse_typed;
use super::{Address, TwinStatus};

/// `TwinRegistry.MAX_NOTE_LENGTH`, in bytes.
pub const MAX_NOTE_BYTES: usize = 280;

/// The note as it will be sent: trimmed, 1 to 280 bytes of UTF-8.
pub fn maintenance_note(text: &str) -> Result<String, String> {
    let note = text.trim();
    if note.is_empty() {
        return Err("Write what was done: the note is what the log keeps.".to_string());
    }
    if note.len() > MAX_NOTE_BYTES {
        return Err(format!(
            "The note is {} bytes, and the registry takes at most {MAX_NOTE_BYTES}: shorten it by {}.",
            note.len(),
            note.len() - MAX_NOTE_BYTES
        ));
    }
    Ok(note.to_string())
}

/// The statuses a twin can move to from `current`: any other, until it is decommissioned, which is
/// final.
pub fn status_choices(current: TwinStatus) -> Vec<TwinStatus> {
    if current == TwinStatus::Decommissioned {
        return Vec::new();
    }
    TwinStatus::ALL.into_iter().filter(|status| *status != current).collect()
}

/// What the operator types to decommission a twin: its words name the twin, so that the confirmation
/// cannot be given to the wrong one out of habit.
pub fn decommission_phrase(twin_id: u64) -> String {
    format!("decommission twin {twin_id}")
}

/// The status change to send, once chosen and, for decommissioning, confirmed in words.
pub fn status_change(twin_id: u64, current: TwinStatus, next: TwinStatus, typed: &str) -> Result<TwinStatus, String> {
    if current == TwinStatus::Decommissioned {
        return Err(format!("Twin #{twin_id} is decommissioned: that is final."));
    }
    if next == current {
        return Err(format!("Twin #{twin_id} is {} already.", current.label().to_lowercase()));
    }
    if next == TwinStatus::Decommissioned && !typed.trim().eq_ignore_ascii_case(&decommission_phrase(twin_id)) {
        return Err(format!(
            "Decommissioning is final: the twin will take no telemetry and can never be sold again. Type \u{201c}{}\u{201d} to confirm.",
            decommission_phrase(twin_id)
        ));
    }
    Ok(next)
}

/// A new reporter key: a real, checksum-true address other than the one there is.
pub fn new_reporter(text: &str, current: Address, checksummed: impl Fn(&Address) -> String) -> Result<Address, String> {
    if text.trim().is_empty() {
        return Err("Enter the new reporter address: the key the rig's agent will post telemetry with.".to_string());
    }
    let reporter = parse_typed(text, checksummed)?;
    if reporter == Address::ZERO {
        return Err("The reporter can't be the zero address: no one holds its key.".to_string());
    }
    if reporter == current {
        return Err("This is already the twin's reporter key.".to_string());
    }
    Ok(reporter)
}

/// Whom to offer the rig to: a real, checksum-true address other than the operator's own.
pub fn proposed_operator(
    text: &str,
    operator: Address,
    checksummed: impl Fn(&Address) -> String,
) -> Result<Address, String> {
    if text.trim().is_empty() {
        return Err("Enter the address of the operator who will take over the rig.".to_string());
    }
    let proposed = parse_typed(text, checksummed)?;
    if proposed == Address::ZERO {
        return Err("The operator can't be the zero address: the royalties follow the operator.".to_string());
    }
    if proposed == operator {
        return Err("You are the operator already.".to_string());
    }
    Ok(proposed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::checksummed;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ANVIL_1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const ANVIL_2: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

    fn address(text: &str) -> Address {
        text.parse().unwrap()
    }

    #[test]
    fn notes_are_one_to_280_bytes_of_trimmed_text() {
        assert_eq!(maintenance_note("  Fans replaced. \n").unwrap(), "Fans replaced.");
        assert_eq!(maintenance_note(&"n".repeat(280)).unwrap().len(), 280);
        assert_eq!(maintenance_note(" \n ").unwrap_err(), "Write what was done: the note is what the log keeps.");
        assert_eq!(
            maintenance_note(&"n".repeat(281)).unwrap_err(),
            "The note is 281 bytes, and the registry takes at most 280: shorten it by 1."
        );
        // Bytes, not characters: 141 two-byte letters are 282 bytes.
        assert!(maintenance_note(&"ø".repeat(141)).is_err());
        assert!(maintenance_note(&"ø".repeat(140)).is_ok());
    }

    #[test]
    fn a_status_moves_anywhere_until_decommissioned() {
        assert_eq!(status_choices(TwinStatus::Active), [TwinStatus::Offline, TwinStatus::Decommissioned]);
        assert_eq!(status_choices(TwinStatus::Offline), [TwinStatus::Active, TwinStatus::Decommissioned]);
        assert_eq!(status_choices(TwinStatus::Decommissioned), []);
        assert_eq!(status_change(9, TwinStatus::Offline, TwinStatus::Active, ""), Ok(TwinStatus::Active));
        assert_eq!(
            status_change(9, TwinStatus::Active, TwinStatus::Active, "").unwrap_err(),
            "Twin #9 is active already."
        );
        assert_eq!(
            status_change(9, TwinStatus::Decommissioned, TwinStatus::Active, "").unwrap_err(),
            "Twin #9 is decommissioned: that is final."
        );
    }

    #[test]
    fn decommissioning_needs_the_twins_words_typed() {
        let decommission = |typed: &str| status_change(12, TwinStatus::Active, TwinStatus::Decommissioned, typed);
        assert_eq!(
            decommission("").unwrap_err(),
            "Decommissioning is final: the twin will take no telemetry and can never be sold again. Type \u{201c}decommission twin 12\u{201d} to confirm."
        );
        assert!(decommission("decommission twin 11").is_err());
        assert!(decommission("yes").is_err());
        assert_eq!(decommission("decommission twin 12"), Ok(TwinStatus::Decommissioned));
        assert_eq!(decommission("  Decommission Twin 12 "), Ok(TwinStatus::Decommissioned));
    }

    #[test]
    fn a_new_reporter_is_a_real_other_checksum_true_address() {
        let current = address(ANVIL_1);
        assert_eq!(new_reporter(ANVIL_2, current, checksummed), Ok(address(ANVIL_2)));
        assert_eq!(new_reporter(&ANVIL_2.to_lowercase(), current, checksummed), Ok(address(ANVIL_2)));
        assert_eq!(
            new_reporter(ANVIL_1, current, checksummed).unwrap_err(),
            "This is already the twin's reporter key."
        );
        assert_eq!(
            new_reporter("0x3c44CdDdB6a900fa2b585dd299e03d12FA4293BC", current, checksummed).unwrap_err(),
            "This address's capital letters don't match its checksum, so it was probably mistyped; paste it again."
        );
        assert_eq!(
            new_reporter(&format!("0x{}", "0".repeat(40)), current, checksummed).unwrap_err(),
            "The reporter can't be the zero address: no one holds its key."
        );
        assert_eq!(
            new_reporter("0x3C44", current, checksummed).unwrap_err(),
            "An address has 40 hex digits after 0x; this one has 4."
        );
        assert!(new_reporter(" ", current, checksummed).unwrap_err().starts_with("Enter the new reporter address"));
    }

    #[test]
    fn the_rig_is_offered_to_someone_else() {
        let operator = address(ANVIL_1);
        assert_eq!(proposed_operator(ANVIL_2, operator, checksummed), Ok(address(ANVIL_2)));
        assert_eq!(proposed_operator(ANVIL_1, operator, checksummed).unwrap_err(), "You are the operator already.");
        assert_eq!(
            proposed_operator(&format!("0x{}", "0".repeat(40)), operator, checksummed).unwrap_err(),
            "The operator can't be the zero address: the royalties follow the operator."
        );
        assert!(proposed_operator("", operator, checksummed).is_err());
    }
}
