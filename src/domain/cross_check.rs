//! The chain as the authority over what a twin page shows from the history (read from the indexer
//! or by this browser): the facts a buyer acts on, held against the contracts' own answer at the
//! same block.

use super::{Address, TwinStatus, Wei};

/// Who holds a twin, where it stands, and what it is for: as one source says at one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwinFacts {
    pub owner: Option<Address>,
    pub status: TwinStatus,
    /// The price of the listing a buyer could buy on, if any.
    pub listing_price: Option<Wei>,
}

/// One fact the two sources tell differently, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    pub what: &'static str,
    pub history: String,
    pub chain: String,
}

impl TwinFacts {
    /// Every fact `chain` tells otherwise than `self`, in the order the page shows them.
    pub fn disagreements(&self, chain: &TwinFacts) -> Vec<Disagreement> {
        let owner = |owner: Option<Address>| owner.map_or_else(|| "nobody".to_string(), |owner| owner.to_string());
        let listing = |price: Option<Wei>| {
            price.map_or_else(|| "not for sale".to_string(), |price| format!("listed for {price}"))
        };
        let mut found = Vec::new();
        if self.owner != chain.owner {
            found.push(Disagreement { what: "owner", history: owner(self.owner), chain: owner(chain.owner) });
        }
        if self.status != chain.status {
            found.push(Disagreement {
                what: "status",
                history: self.status.label().to_string(),
                chain: chain.status.label().to_string(),
            });
        }
        if self.listing_price != chain.listing_price {
            found.push(Disagreement {
                what: "listing",
                history: listing(self.listing_price),
                chain: listing(chain.listing_price),
            });
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn facts() -> TwinFacts {
        TwinFacts { owner: Some(Address([7; 20])), status: TwinStatus::Active, listing_price: Some(Wei(5)) }
    }

    #[test]
    fn the_same_facts_agree() {
        assert!(facts().disagreements(&facts()).is_empty());
    }

    #[test]
    fn each_fact_that_differs_is_named_with_both_answers() {
        let chain = TwinFacts { owner: Some(Address([9; 20])), status: TwinStatus::Offline, listing_price: None };
        let found = facts().disagreements(&chain);
        assert_eq!(found.iter().map(|found| found.what).collect::<Vec<_>>(), ["owner", "status", "listing"]);
        assert_eq!(found[1].history, "Active");
        assert_eq!(found[1].chain, "Offline");
        assert_eq!(found[2].chain, "not for sale");
        assert!(found[2].history.starts_with("listed for "));
        assert_eq!(found[0].chain, Address([9; 20]).to_string());
    }

    #[test]
    fn a_twin_nobody_holds_is_said_so() {
        let history = TwinFacts { owner: None, ..facts() };
        assert_eq!(history.disagreements(&facts())[0].history, "nobody");
    }
}
