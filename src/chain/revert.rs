//! Why a call reverted, in words: a custom error of one of HashTwin's contracts (with its
//! arguments), a `require` message (`Error(string)`), or a `Panic(uint256)` code.

use std::fmt;

use ethers_core::abi::{decode, Abi, ParamType, Token};

use super::abi::ALL_ABIS;
use crate::domain::calendar::format_moment;
use crate::domain::market::format_bps;
use crate::domain::mint_form::{format_duration, format_tariff};
use crate::domain::twin::{efficiency_j_per_th, format_hashrate, format_power, MAX_JOULES_PER_TH, MIN_JOULES_PER_TH};
use crate::domain::{Address, TwinStatus, Wei};

const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];
/// `PriceFeeds.SEQUENCER_GRACE_PERIOD`: how long after an L2's sequencer is back up its prices
/// are still not trusted.
const SEQUENCER_GRACE_PERIOD: u64 = 3_600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// A custom error: its name and its arguments, by parameter name.
    Custom {
        name: String,
        args: Vec<(String, String)>,
    },
    Message(String),
    Panic(u64),
    /// Reverted with no data at all (a bare `revert()` or out of gas).
    Empty,
    /// Data that matches no known error.
    Unknown([u8; 4]),
}

impl Revert {
    pub fn decode(data: &[u8]) -> Self {
        Self::decode_with(data, ALL_ABIS.iter().copied())
    }

    fn decode_with<'a>(data: &[u8], abis: impl Iterator<Item = &'a Abi>) -> Self {
        let Some((selector, payload)) = data.split_first_chunk::<4>() else {
            return Revert::Empty;
        };
        match *selector {
            ERROR_STRING => match decode(&[ParamType::String], payload).ok().and_then(|mut t| t.pop()?.into_string()) {
                Some(message) => return Revert::Message(message),
                None => return Revert::Unknown(*selector),
            },
            PANIC => match decode(&[ParamType::Uint(256)], payload).ok().and_then(|mut t| t.pop()?.into_uint()) {
                Some(code) => return Revert::Panic(code.low_u64()),
                None => return Revert::Unknown(*selector),
            },
            _ => {}
        }
        for abi in abis {
            for error in abi.errors() {
                if error.signature()[..4] != *selector {
                    continue;
                }
                if let Ok(tokens) = error.decode(payload) {
                    let args = error.inputs.iter().zip(tokens).map(|(param, token)| (param.name.clone(), show(&token)));
                    return Revert::Custom { name: error.name.clone(), args: args.collect() };
                }
            }
        }
        Revert::Unknown(*selector)
    }
}

/// A custom error in a sentence of its own where it has one (see [`words`]); otherwise its name
/// split into words with its arguments: "Safe cast overflowed uint downcast (bits 128, value 3)".
impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Revert::Custom { name, args } => {
                if let Some(sentence) = words(name, &Args(args)) {
                    return f.write_str(&sentence);
                }
                f.write_str(&sentence_from_identifier(name))?;
                if !args.is_empty() {
                    let args: Vec<String> = args.iter().map(|(name, value)| format!("{name} {value}")).collect();
                    write!(f, " ({})", args.join(", "))?;
                }
                Ok(())
            }
            Revert::Message(message) => f.write_str(message),
            Revert::Panic(code) => write!(f, "the contract failed an internal check: {}", panic_reason(*code)),
            Revert::Empty => f.write_str("the transaction was reverted without a reason"),
            Revert::Unknown(selector) => {
                write!(f, "the contract reverted with an unknown error 0x{}", hex::encode(selector))
            }
        }
    }
}

/// A decoded error's arguments, by name, as [`show`] wrote them.
struct Args<'a>(&'a [(String, String)]);

impl Args<'_> {
    fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(param, _)| param == name).map(|(_, value)| value.as_str())
    }

    fn number(&self, name: &str) -> Option<u128> {
        self.text(name)?.parse().ok()
    }

    fn u64(&self, name: &str) -> Option<u64> {
        u64::try_from(self.number(name)?).ok()
    }

    /// "twin #7".
    fn twin(&self) -> Option<String> {
        Some(format!("twin #{}", self.u64("tokenId")?))
    }

    fn moment(&self, name: &str) -> Option<String> {
        Some(format_moment(self.u64(name)?))
    }

    fn ether(&self, name: &str) -> Option<String> {
        Some(Wei(self.number(name)?).to_string())
    }

    /// "1,5 shares": share units (18 decimals) in whole shares.
    fn shares(&self, name: &str) -> Option<String> {
        let amount = Wei(self.number(name)?).format_ether(6);
        Some(format!("{} shares", amount.trim_end_matches(" ETH")))
    }

    fn account(&self, name: &str) -> Option<String> {
        let text = self.text(name)?;
        Some(text.parse::<Address>().map_or_else(|_| text.to_string(), |address| address.short()))
    }

    fn bps(&self, name: &str) -> Option<String> {
        Some(format_bps(u16::try_from(self.number(name)?).ok()?))
    }

    /// "6 hours", "31 days": a span of seconds.
    fn duration(&self, name: &str) -> Option<String> {
        Some(format_duration(self.u64(name)?))
    }

    /// "$0.065/kWh": a tariff in millionths of a dollar per kWh.
    fn tariff(&self, name: &str) -> Option<String> {
        Some(format_tariff(u32::try_from(self.number(name)?).ok()?))
    }

    /// Two amounts in ETH to as many decimals as it takes to tell them apart (4 at the least), so
    /// that a charge just over its cap never reads as equal to it.
    fn ether_pair(&self, first: &str, second: &str) -> Option<(String, String)> {
        let (first, second) = (Wei(self.number(first)?), Wei(self.number(second)?));
        let shown = |decimals| (first.format_ether(decimals), second.format_ether(decimals));
        Some((4..=18).map(shown).find(|(first, second)| first != second).unwrap_or_else(|| shown(4)))
    }
}

/// The sentence a user reads for a custom error of HashTwin's contracts (and of the OpenZeppelin
/// code they inherit), with its arguments where they help; `None` for the few that only a broken
/// deployment or an internal fault can raise, which fall back to their name in words.
fn words(name: &str, args: &Args) -> Option<String> {
    Some(match name {
        // TwinRegistry: minting
        "EmptyCommitment" => "The registration's commitment is empty: start the mint again.".into(),
        "MintNotCommitted" => "No step 1 matches this registration: step 2 must come from the account that sent step 1, with the same serial and form.".into(),
        "RevealTooEarly" => format!(
            "The registration must wait for one more block: step 1 was recorded in block {}, and step 2 can only go in a later one.",
            args.u64("committedAt")?
        ),
        "SerialNotCanonical" => format!(
            "The serial {} is not in the registry's form: 4 to 64 characters of capital letters A to Z, digits and hyphens.",
            args.text("serial")?
        ),
        "SerialAlreadyRegistered" => {
            format!("This rig already has a twin: its serial is registered as twin #{}.", args.u64("tokenId")?)
        }
        "SpecTextTooLong" => format!(
            "The {} is {} bytes long, and the registry takes at most {}.",
            ["manufacturer", "model", "location"].get(usize::try_from(args.number("field")?).ok()?)?,
            args.number("length")?,
            args.number("max")?
        ),
        "EmptyManufacturer" => "Enter the rig's manufacturer.".into(),
        "EmptyModel" => "Enter the rig's model.".into(),
        "HashrateOutOfRange" => format!(
            "A hashrate of {} is outside what the registry accepts: more than zero and at most {}.",
            format_hashrate(args.u64("hashrateGhs")?),
            format_hashrate(args.u64("max")?)
        ),
        "PowerOutOfRange" => format!(
            "A power draw of {} is outside what the registry accepts: more than zero and at most {}.",
            format_power(args.u64("powerWatts")?),
            format_power(args.u64("max")?)
        ),
        "ImplausibleEfficiency" => {
            let (hashrate, power) = (args.u64("hashrateGhs")?, u32::try_from(args.u64("powerWatts")?).ok()?);
            format!(
                "{} at {} is {:.1} J/TH, outside the {MIN_JOULES_PER_TH} to {MAX_JOULES_PER_TH} J/TH of real rigs: check the hashrate and the power draw.",
                format_power(power.into()),
                format_hashrate(hashrate),
                efficiency_j_per_th(hashrate, power)?
            )
        }
        "ZeroReporter" => "The reporter can't be the zero address: no one holds its key.".into(),
        "RoyaltyTooHigh" => format!(
            "A royalty of {} is over the {} the registry allows.",
            args.bps("royaltyBps")?,
            args.bps("maxBps")?
        ),
        // TwinRegistry: earning terms, fixed at mint
        "ServiceFeeTooHigh" => format!(
            "A service fee of {} is over the {} the registry allows.",
            args.bps("serviceFeeBps")?,
            args.bps("max")?
        ),
        "TariffTooHigh" => format!(
            "An electricity tariff of {} is over the {} the registry allows.",
            args.tariff("tariffMicroUsdPerKwh")?,
            args.tariff("max")?
        ),
        "SettlementPeriodOutOfRange" => format!(
            "A settlement period of {} is outside the {} to {} the registry allows.",
            args.duration("period")?,
            args.duration("min")?,
            args.duration("max")?
        ),
        "GracePeriodTooLong" => format!(
            "A grace of {} is over the {} the registry allows.",
            args.duration("grace")?,
            args.duration("max")?
        ),
        // TwinRegistry: operating a rig (and TwinEarnings: only the operator settles)
        "NotOperator" => format!("Only the operator of {} can do this, and {} is not.", args.twin()?, args.account("caller")?),
        "NotProposedOperator" => {
            format!("{} has not been offered the operator role of {}.", args.account("caller")?, args.twin()?)
        }
        "NotReporter" => format!(
            "Only the reporter key of {} can post its telemetry, and {} is not it.",
            args.twin()?,
            args.account("caller")?
        ),
        "TwinDecommissioned" => format!("{} is decommissioned: that is final, and it takes no telemetry.", capitalised(&args.twin()?)),
        "StatusUnchanged" => format!(
            "{} already has that status ({}).",
            capitalised(&args.twin()?),
            TwinStatus::from_u8(u8::try_from(args.number("status")?).ok()?)?.label().to_lowercase()
        ),
        "EmptyNote" => "A maintenance note must say something.".into(),
        "NoteTooLong" => format!(
            "The note is {} bytes long, and the registry takes at most {}.",
            args.number("length")?,
            args.number("max")?
        ),
        "EmptyTelemetryBatch" => "A telemetry batch must hold at least one report.".into(),
        "TelemetryBatchTooLarge" => format!(
            "A telemetry batch of {} reports is over the {} the registry takes at once.",
            args.number("length")?,
            args.number("max")?
        ),
        "TelemetryInFuture" => format!(
            "A telemetry report is dated {}, after the block's time, {}.",
            args.moment("timestamp")?,
            args.moment("blockTimestamp")?
        ),
        "TelemetryOutOfOrder" => format!(
            "Telemetry report {} is dated {}, which is not after {}, the report before it or the last one posted.",
            args.number("index")?,
            args.moment("timestamp")?,
            args.moment("previous")?
        ),
        // OpenZeppelin's ERC-721, as the registry raises it
        "ERC721InsufficientApproval" => format!(
            "The seller has not approved the market to transfer {}, so it cannot be sold until they approve it again.",
            args.twin()?
        ),
        "ERC721NonexistentToken" => format!("There is no {}.", args.twin()?),
        "ERC721IncorrectOwner" => {
            format!("{} does not own {}; {} does.", args.account("sender")?, args.twin()?, args.account("owner")?)
        }
        "ERC721InvalidReceiver" => format!(
            "{} cannot receive twins: it is a contract that does not accept ERC-721 tokens.",
            args.account("receiver")?
        ),
        "ERC721InvalidSender" => format!("{} cannot send twins.", args.account("sender")?),
        "ERC721InvalidOwner" => format!("{} cannot own twins.", args.account("owner")?),
        "ERC721InvalidApprover" => format!("{} cannot approve transfers of this twin.", args.account("approver")?),
        "ERC721InvalidOperator" => format!("{} cannot be approved to move twins.", args.account("operator")?),
        // TwinMarket: listings
        "ListingStale" => "This listing is no longer valid: the twin changed hands, an approval was withdrawn, or the seller cancelled it.".into(),
        "ListingExpired" => format!("This listing expired on {}.", args.moment("expiresAt")?),
        "TwinRetired" => {
            format!("{} was decommissioned: it can no longer be listed, bought or bid on.", capitalised(&args.twin()?))
        }
        "NotListed" => format!("{} is not listed for sale.", capitalised(&args.twin()?)),
        "NotSeller" => format!(
            "Only the seller, {}, can withdraw a listing that is still live.",
            args.account("seller")?
        ),
        "NotTokenOwner" => {
            format!("{} does not own {}; {} does.", args.account("caller")?, args.twin()?, args.account("owner")?)
        }
        "ExpiryTooFar" => format!(
            "A listing can stay open until {} at the latest, a year from now.",
            args.moment("maxExpiresAt")?
        ),
        "ExpiryNotInFuture" => format!(
            "The expiry, {}, is not in the future: the chain's time is {}.",
            args.moment("expiresAt")?,
            args.moment("blockTimestamp")?
        ),
        "ZeroPrice" => "The price must be more than zero.".into(),
        "PriceTooHigh" => format!("The price is more than the market accepts: at most {}.", args.ether("maxPrice")?),
        "BuyerIsSeller" => format!("You are the seller of {}: you cannot buy your own listing.", args.twin()?),
        "WrongPayment" => format!(
            "{} costs {}, and {} was sent.",
            capitalised(&args.twin()?),
            args.ether("expected")?,
            args.ether("sent")?
        ),
        "FeesExceedPrice" => format!(
            "The royalty ({}) and the fee ({}) add up to more than the price ({}).",
            args.ether("royalty")?,
            args.ether("fee")?,
            args.ether("price")?
        ),
        // TwinMarket: offers
        "BidderIsOwner" => format!("The owner of {} cannot make or accept an offer of their own.", args.twin()?),
        "ZeroValue" => "Send more than zero ether with the offer.".into(),
        "ExpiryShortened" => format!(
            "A raised offer cannot expire earlier than it already does, on {}.",
            args.moment("current")?
        ),
        "OfferExists" => format!("{} already has an open offer on {}: raise it instead.", args.account("bidder")?, args.twin()?),
        "NoOffer" => format!("{} has no open offer on {}.", args.account("bidder")?, args.twin()?),
        "OfferExpired" => format!("This offer expired on {}.", args.moment("expiresAt")?),
        "OfferAmountMismatch" => format!(
            "The offer changed: it is now {}, not the {} you saw. Look at it again before you accept.",
            args.ether("actual")?,
            args.ether("expected")?
        ),
        // TwinMarket: payments and administration
        "NothingToWithdraw" => format!("There is nothing to withdraw for {}.", args.account("account")?),
        "ZeroRecipient" => "Withdrawals cannot be sent to the zero address.".into(),
        "WithdrawFailed" => format!(
            "Sending {} to {} failed: the recipient refused it. Withdraw to another address instead.",
            args.ether("amount")?,
            args.account("account")?
        ),
        "FeeBoundTooLow" => format!(
            "The seller agreed to a fee of at most {}, below the {} the market charges at the least: the twin must be listed again at the current fee.",
            args.bps("maxFeeBps")?,
            args.bps("floorBps")?
        ),
        // TwinMarket: lots of a split twin's shares
        "NotSplit" => format!("{} is not split into shares.", capitalised(&args.twin()?)),
        "ZeroAmount" => "The number of shares must be more than zero.".into(),
        "InsufficientShares" => format!(
            "The seller holds {} of {}, fewer than the {} listed.",
            args.shares("held")?,
            args.twin()?,
            args.shares("amount")?
        ),
        "NoLot" => format!("Lot #{} is not for sale: it was sold out, withdrawn, or never listed.", args.u64("lotId")?),
        "LotExpired" => format!("Lot #{} expired on {}.", args.u64("lotId")?, args.moment("expiresAt")?),
        "LotStale" => format!(
            "Lot #{} cannot be bought now: the twin was joined since, the seller cancelled their listings, or the seller no longer holds or has not approved the shares asked for.",
            args.u64("lotId")?
        ),
        "LotAmountTooHigh" => format!(
            "Lot #{} has {} left, fewer than the {} asked for.",
            args.u64("lotId")?,
            args.shares("remaining")?,
            args.shares("amount")?
        ),
        "NotLotSeller" => format!(
            "Only the seller, {}, can withdraw a lot that is still live.",
            args.account("seller")?
        ),
        "FeeTooHigh" => format!("A fee of {} is over the market's maximum of {}.", args.bps("feeBps")?, args.bps("maxBps")?),
        "ZeroTreasury" => "The treasury can't be the zero address.".into(),
        "NoPendingChange" => "No fee or treasury change has been announced.".into(),
        "ChangeNotDue" => format!("The announced change takes effect on {}, not before.", args.moment("effectiveAt")?),
        "OwnableUnauthorizedAccount" => {
            format!("Only the contract's owner can do this, and {} is not.", args.account("account")?)
        }
        "OwnableInvalidOwner" => format!("{} cannot own the contract.", args.account("owner")?),
        // TwinEarnings: settling and claiming
        "NoNewTelemetry" => format!(
            "{} has no telemetry after {}, which is settled already: there is no new period to settle yet.",
            capitalised(&args.twin()?),
            args.moment("settledThrough")?
        ),
        "PeriodEndMoved" => format!(
            "{} reported again since the gross was worked out: its period now ends {}, not {}. Work the gross out for the new period.",
            capitalised(&args.twin()?),
            args.moment("actual")?,
            args.moment("expected")?
        ),
        "ServiceFeeAboveCap" => {
            let (fee, cap) = args.ether_pair("serviceFee", "cap")?;
            format!("A service fee of {fee} is over the {cap} the twin's terms allow on this gross.")
        }
        "ElectricityAboveCap" => {
            let (electricity, cap) = args.ether_pair("electricity", "cap")?;
            format!(
                "An electricity charge of {electricity} is over its cap of {cap}: the period's metered energy at the twin's tariff and the current ETH/USD price."
            )
        }
        "PaymentNotNet" => {
            let (net, sent) = args.ether_pair("net", "sent")?;
            format!(
                "Settling {} must pay in exactly its net, {net}, and {sent} was sent.",
                args.twin()?
            )
        }
        "NothingToClaim" => format!("There is nothing to claim for {}.", args.account("account")?),
        "ClaimFailed" => format!(
            "Sending {} to {} failed: the recipient refused it. Claim to another address instead.",
            args.ether("amount")?,
            args.account("to")?
        ),
        "NoShareholders" => format!(
            "{} was sent to the vault without being split: it has no shareholders to credit a settlement to.",
            capitalised(&args.twin()?)
        ),
        "NeverSplit" => format!("{} was never split: it has no shares to claim earnings from.", capitalised(&args.twin()?)),
        "ZeroAddress" => "The earnings contract needs the registry's, the vault's and every price feed's address, and one of them is the zero address.".into(),
        "ZeroMaxPriceAge" => "The oldest ETH/USD price settlements may use can't be zero seconds old: no price would ever be fresh enough.".into(),
        // PriceFeeds, as TwinEarnings reads Chainlink
        "StalePrice" => format!(
            "The price feed {} was last updated on {}, more than {} before this block: settlements wait for a fresh price.",
            args.account("feed")?,
            args.moment("updatedAt")?,
            args.duration("maxAge")?
        ),
        "NonPositivePrice" => format!(
            "The price feed {} answered {}, which no price is: settlements wait for a positive one.",
            args.account("feed")?,
            args.text("answer")?
        ),
        "SequencerDown" => format!(
            "The network's sequencer is down (uptime feed {}), so prices cannot be updated: settle once it is back up.",
            args.account("sequencer")?
        ),
        "SequencerGracePeriod" => format!(
            "The network's sequencer came back up on {}, and its prices are trusted again only an hour later, after {}.",
            args.moment("upSince")?,
            format_moment(args.u64("upSince")?.checked_add(SEQUENCER_GRACE_PERIOD)?)
        ),
        // HashLedger
        "NotContributor" => format!(
            "Only {}, who mined these shares, can send them; this wallet is {}.",
            args.account("contributor")?,
            args.account("caller")?
        ),
        "InvalidBatchSignature" => format!(
            "The signature is not {}'s over this exact batch of shares, so it cannot be relayed.",
            args.account("contributor")?
        ),
        "UnknownTwin" => format!("There is no {} to credit.", args.twin()?),
        "JobSeedUsed" => "These shares were credited already: each job is credited once.".into(),
        "BatchSizeOutOfRange" => format!(
            "A batch holds 1 to {} shares, and this one has {}.",
            args.number("maxBatch")?,
            args.number("size")?
        ),
        "NoncesNotIncreasing" => format!(
            "The batch's nonces must strictly increase, and share {} does not.",
            args.number("index")?
        ),
        "ShareAboveTarget" => format!("Share {} does not meet the batch's difficulty.", args.number("index")?),
        "BitsTooEasy" => "The shares were mined at an easier difficulty than the ledger accepts.".into(),
        "InvalidBits" => format!("0x{:08x} is not a valid difficulty.", args.number("bits")?),
        "TimeOutOfRange" => format!(
            "The shares' time, {}, is too far from the chain's, {}: mine a fresh job.",
            args.moment("time")?,
            args.moment("blockTime")?
        ),
        _ => return None,
    })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn show(token: &Token) -> String {
    match token {
        Token::Address(address) => format!("{address:?}"),
        Token::Uint(value) => value.to_string(),
        Token::Int(value) => ethers_core::types::I256::from_raw(*value).to_string(),
        Token::Bool(value) => value.to_string(),
        Token::String(value) => format!("{value:?}"),
        Token::FixedBytes(bytes) | Token::Bytes(bytes) => format!("0x{}", hex::encode(bytes)),
        Token::Array(items) | Token::FixedArray(items) => {
            format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", "))
        }
        Token::Tuple(items) => format!("({})", items.iter().map(show).collect::<Vec<_>>().join(", ")),
    }
}

/// `ERC721InsufficientApproval` → "ERC721 insufficient approval"; `EmptyModel` → "Empty model".
pub fn sentence_from_identifier(identifier: &str) -> String {
    let chars: Vec<char> = identifier.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (index, &c) in chars.iter().enumerate() {
        let previous = index.checked_sub(1).map(|i| chars[i]);
        let next = chars.get(index + 1).copied();
        let starts_word = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase() || (p.is_uppercase() && next.is_some_and(char::is_lowercase)) || p.is_ascii_digit()
            });
        if starts_word && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    words.push(current);
    let words: Vec<String> = words
        .into_iter()
        .enumerate()
        .map(|(index, word)| {
            let is_acronym = word.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
            if index == 0 || is_acronym {
                word
            } else {
                word.to_lowercase()
            }
        })
        .collect();
    words.join(" ")
}

/// Solidity's panic codes.
fn panic_reason(code: u64) -> &'static str {
    match code {
        0x01 => "an assertion failed",
        0x11 => "an arithmetic overflow or underflow",
        0x12 => "a division by zero",
        0x21 => "a value out of an enum's range",
        0x22 => "corrupt storage",
        0x31 => "pop from an empty array",
        0x32 => "an index out of bounds",
        0x41 => "out of memory",
        0x51 => "a call to an uninitialised function",
        _ => "an unknown panic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::units::WEI_PER_ETHER;
    use ethers_core::abi::encode;
    use ethers_core::types::U256;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn with_selector(selector: [u8; 4], args: &[Token]) -> Vec<u8> {
        [selector.as_slice(), &encode(args)].concat()
    }

    #[test]
    fn decodes_a_custom_error_with_its_arguments() {
        // cast sig "RoyaltyTooHigh(uint96,uint96)"
        let data = with_selector([0xb9, 0x01, 0x5a, 0x61], &[Token::Uint(1001.into()), Token::Uint(1000.into())]);
        let revert = Revert::decode(&data);
        assert_eq!(
            revert,
            Revert::Custom {
                name: "RoyaltyTooHigh".into(),
                args: vec![("royaltyBps".into(), "1001".into()), ("maxBps".into(), "1000".into())]
            }
        );
        assert_eq!(revert.to_string(), "A royalty of 10.01% is over the 10% the registry allows.");
    }

    #[test]
    fn decodes_an_argumentless_custom_error() {
        // cast sig "EmptyModel()"
        assert_eq!(Revert::decode(&[0x5f, 0xa8, 0xf2, 0xf2]).to_string(), "Enter the rig's model.");
    }

    #[test]
    fn an_error_without_a_sentence_reads_as_its_name_and_arguments() {
        let revert = Revert::Custom {
            name: "SafeCastOverflowedUintDowncast".into(),
            args: vec![("bits".into(), "128".into()), ("value".into(), "3".into())],
        };
        assert_eq!(revert.to_string(), "Safe cast overflowed uint downcast (bits 128, value 3)");
    }

    /// A decoded error of `abi`'s error `name` with `args`, through the selector, as a node returns it.
    fn raised(name: &str, args: &[Token]) -> String {
        let error = ALL_ABIS.iter().find_map(|abi| abi.error(name).ok()).unwrap_or_else(|| panic!("no error {name}"));
        Revert::decode(&with_selector(error.signature()[..4].try_into().unwrap(), args)).to_string()
    }

    fn uint(value: u64) -> Token {
        Token::Uint(value.into())
    }

    #[test]
    fn the_new_errors_read_as_plain_sentences() {
        assert_eq!(
            raised("ListingStale", &[uint(5)]),
            "This listing is no longer valid: the twin changed hands, an approval was withdrawn, or the seller cancelled it."
        );
        assert_eq!(
            raised("ListingExpired", &[uint(5), uint(1_762_171_200)]),
            "This listing expired on 2025-11-03 12:00 UTC."
        );
        assert_eq!(
            raised("RevealTooEarly", &[Token::FixedBytes(vec![1; 32]), uint(55)]),
            "The registration must wait for one more block: step 1 was recorded in block 55, and step 2 can only go in a later one."
        );
        // 200 TH/s at 100 W: 0.5 J/TH.
        assert_eq!(
            raised("ImplausibleEfficiency", &[uint(200_000), uint(100)]),
            "100 W at 200 TH/s is 0.5 J/TH, outside the 5 to 200 J/TH of real rigs: check the hashrate and the power draw."
        );
        let market = Token::Address(ethers_core::types::Address::repeat_byte(0xe7));
        assert_eq!(
            raised("ERC721InsufficientApproval", &[market, uint(7)]),
            "The seller has not approved the market to transfer twin #7, so it cannot be sold until they approve it again."
        );
        assert_eq!(
            raised("SpecTextTooLong", &[uint(1), uint(50), uint(48)]),
            "The model is 50 bytes long, and the registry takes at most 48."
        );
        assert_eq!(
            raised("TwinRetired", &[uint(9)]),
            "Twin #9 was decommissioned: it can no longer be listed, bought or bid on."
        );
        let caller = Token::Address("0x70997970c51812dc3a010c7d01b50e0d17dc79c8".parse().unwrap());
        assert_eq!(
            raised("NotProposedOperator", &[uint(9), caller]),
            "0x7099…79c8 has not been offered the operator role of twin #9."
        );
    }

    /// Errors that keep the fallback: only a broken deployment or a fault inside a contract raises
    /// them, and their name says as much as a sentence would.
    const FALLBACK: [&str; 8] = [
        "InvalidShortString",
        "ReentrancyGuardReentrantCall",
        "SafeCastOverflowedUintDowncast",
        "SafeERC20FailedOperation",
        "StringTooLong",
        "TwinsNotAContract",
        "ZeroTwins",
        "ZeroVault",
    ];

    /// The errors the hardened contracts added: each must have a sentence of its own.
    const NEW: [&str; 19] = [
        "ListingStale",
        "ListingExpired",
        "TwinRetired",
        "ExpiryTooFar",
        "NoPendingChange",
        "ChangeNotDue",
        "ZeroRecipient",
        "MintNotCommitted",
        "RevealTooEarly",
        "SerialNotCanonical",
        "SpecTextTooLong",
        "HashrateOutOfRange",
        "PowerOutOfRange",
        "ImplausibleEfficiency",
        "NotProposedOperator",
        "EmptyCommitment",
        "ERC721InsufficientApproval",
        "NotContributor",
        "InvalidBatchSignature",
    ];

    /// The errors of the earning terms (TwinRegistry), of TwinEarnings and of its PriceFeeds: each
    /// has a sentence of its own, even those only a deployment can raise.
    const EARNINGS: [&str; 21] = [
        "ServiceFeeTooHigh",
        "TariffTooHigh",
        "SettlementPeriodOutOfRange",
        "GracePeriodTooLong",
        "ZeroAddress",
        "ZeroMaxPriceAge",
        "NotOperator",
        "NoNewTelemetry",
        "PeriodEndMoved",
        "ServiceFeeAboveCap",
        "ElectricityAboveCap",
        "PaymentNotNet",
        "NothingToClaim",
        "ClaimFailed",
        "NoShareholders",
        "NeverSplit",
        "StalePrice",
        "NonPositivePrice",
        "SequencerDown",
        "SequencerGracePeriod",
        "ReentrancyGuardReentrantCall",
    ];

    /// A value of `kind` that every sentence can show: small numbers, a real address, a string.
    fn sample(kind: &ParamType) -> Token {
        match kind {
            ParamType::Address => Token::Address(ethers_core::types::Address::repeat_byte(0x11)),
            ParamType::Uint(_) => uint(1),
            ParamType::Int(_) => Token::Int(1.into()),
            ParamType::Bool => Token::Bool(true),
            ParamType::String => Token::String("ABC".into()),
            ParamType::FixedBytes(size) => Token::FixedBytes(vec![0; *size]),
            other => panic!("no sample of {other:?}: add one"),
        }
    }

    #[test]
    fn every_error_of_the_four_contracts_has_words_and_only_the_listed_ones_fall_back() {
        let mut fallback: Vec<String> = Vec::new();
        for abi in ALL_ABIS.iter() {
            for error in abi.errors() {
                let args: Vec<Token> = error.inputs.iter().map(|input| sample(&input.kind)).collect();
                let revert = Revert::decode(&with_selector(error.signature()[..4].try_into().unwrap(), &args));
                let Revert::Custom { name, args } = &revert else {
                    panic!("{} did not decode: {revert:?}", error.name)
                };
                assert_eq!(name, &error.name);
                match words(name, &Args(args)) {
                    Some(sentence) => {
                        assert!(sentence.ends_with('.'), "{name}: {sentence}");
                        assert!(
                            !sentence.is_empty() && !sentence.starts_with(char::is_lowercase),
                            "{name}: {sentence}"
                        );
                    }
                    None => fallback.push(name.clone()),
                }
            }
        }
        fallback.sort();
        fallback.dedup();
        assert_eq!(fallback, FALLBACK, "the errors that read as their name in words");
        for name in NEW {
            assert!(ALL_ABIS.iter().any(|abi| abi.error(name).is_ok()), "{name} is in no ABI");
            assert!(!FALLBACK.contains(&name), "{name} needs a sentence of its own");
        }
        let earnings = twin_earnings();
        for name in EARNINGS {
            assert!(ALL_ABIS.iter().any(|abi| abi.error(name).is_ok()), "{name} is in no ABI");
            // The reentrancy guard is OpenZeppelin's, already in FALLBACK with the market's.
            assert!(!FALLBACK.contains(&name) || name == "ReentrancyGuardReentrantCall", "{name} needs a sentence");
        }
        // Every error TwinEarnings can raise (PriceFeeds' included) is listed above.
        let mut raised: Vec<&str> = earnings.errors().map(|error| error.name.as_str()).collect();
        raised.sort();
        let mut listed: Vec<&str> = EARNINGS[4..].to_vec();
        listed.sort();
        assert_eq!(raised, listed);
    }

    /// The TwinEarnings ABI the app embeds, found in `ALL_ABIS` by an error only it declares.
    fn twin_earnings() -> &'static Abi {
        ALL_ABIS.iter().copied().find(|abi| abi.error("PaymentNotNet").is_ok()).expect("TwinEarnings is in ALL_ABIS")
    }

    fn address(byte: u8) -> Token {
        Token::Address(ethers_core::types::Address::repeat_byte(byte))
    }

    fn wei(amount: u128) -> Token {
        Token::Uint(amount.into())
    }

    #[test]
    fn the_terms_the_registry_refuses_read_in_percent_dollars_and_time() {
        assert_eq!(
            raised("ServiceFeeTooHigh", &[uint(3_500), uint(3_000)]),
            "A service fee of 35% is over the 30% the registry allows."
        );
        assert_eq!(
            raised("ServiceFeeTooHigh", &[uint(3_001), uint(3_000)]),
            "A service fee of 30.01% is over the 30% the registry allows."
        );
        assert_eq!(
            raised("TariffTooHigh", &[uint(6_500_000), uint(1_000_000)]),
            "An electricity tariff of $6.5/kWh is over the $1/kWh the registry allows."
        );
        assert_eq!(
            raised("TariffTooHigh", &[uint(1_000_001), uint(1_000_000)]),
            "An electricity tariff of $1.000001/kWh is over the $1/kWh the registry allows."
        );
        assert_eq!(
            raised("SettlementPeriodOutOfRange", &[uint(1_800), uint(3_600), uint(2_678_400)]),
            "A settlement period of 30 minutes is outside the 1 hour to 31 days the registry allows."
        );
        assert_eq!(
            raised("SettlementPeriodOutOfRange", &[uint(2_682_000), uint(3_600), uint(2_678_400)]),
            "A settlement period of 745 hours is outside the 1 hour to 31 days the registry allows."
        );
        assert_eq!(
            raised("GracePeriodTooLong", &[uint(608_400), uint(604_800)]),
            "A grace of 169 hours is over the 7 days the registry allows."
        );
    }

    #[test]
    fn settlement_errors_read_in_ether_and_moments() {
        let operator = Token::Address("0x90f79bf6eb2c4f870365e785982e1f101e93b906".parse().unwrap());
        // TwinEarnings' NotOperator is the registry's, selector and all.
        let settle = twin_earnings().error("NotOperator").unwrap();
        let data = with_selector(settle.signature()[..4].try_into().unwrap(), &[uint(5), operator]);
        assert_eq!(
            Revert::decode(&data).to_string(),
            "Only the operator of twin #5 can do this, and 0x90f7…b906 is not."
        );
        assert_eq!(
            raised("NoNewTelemetry", &[uint(5), uint(1_762_171_200)]),
            "Twin #5 has no telemetry after 2025-11-03 12:00 UTC, which is settled already: there is no new period to settle yet."
        );
        let eth = WEI_PER_ETHER;
        assert_eq!(
            raised("ServiceFeeAboveCap", &[wei(eth / 2), wei(eth * 3 / 10)]),
            "A service fee of 0.5 ETH is over the 0.3 ETH the twin's terms allow on this gross."
        );
        // One wei over reads as one wei over, not as the cap itself.
        assert_eq!(
            raised("ServiceFeeAboveCap", &[wei(eth * 3 / 10 + 1), wei(eth * 3 / 10)]),
            "A service fee of 0.300000000000000001 ETH is over the 0.3 ETH the twin's terms allow on this gross."
        );
        assert_eq!(
            raised("ElectricityAboveCap", &[wei(eth / 100 + eth / 100_000), wei(eth / 100)]),
            "An electricity charge of 0.01001 ETH is over its cap of 0.01 ETH: the period's metered energy at the twin's tariff and the current ETH/USD price."
        );
        assert_eq!(
            raised("PaymentNotNet", &[uint(5), wei(eth * 12 / 10), wei(eth)]),
            "Settling twin #5 must pay in exactly its net, 1.2 ETH, and 1 ETH was sent."
        );
        assert_eq!(raised("NothingToClaim", &[address(0x23)]), "There is nothing to claim for 0x2323…2323.");
        assert_eq!(
            raised("ClaimFailed", &[address(0x23), wei(eth * 3 / 2)]),
            "Sending 1.5 ETH to 0x2323…2323 failed: the recipient refused it. Claim to another address instead."
        );
        assert!(raised("ZeroAddress", &[]).contains("zero address"));
        assert!(raised("ZeroMaxPriceAge", &[]).starts_with("The oldest ETH/USD price"));
    }

    #[test]
    fn price_feed_errors_say_which_feed_and_when() {
        assert_eq!(
            raised("StalePrice", &[address(0xfe), uint(1_762_171_200), uint(4_500)]),
            "The price feed 0xfefe…fefe was last updated on 2025-11-03 12:00 UTC, more than 75 minutes before this block: settlements wait for a fresh price."
        );
        assert_eq!(
            raised("NonPositivePrice", &[address(0xfe), Token::Int(ethers_core::types::I256::from(-5).into_raw())]),
            "The price feed 0xfefe…fefe answered -5, which no price is: settlements wait for a positive one."
        );
        assert_eq!(
            raised("NonPositivePrice", &[address(0xfe), Token::Int(U256::zero())]),
            "The price feed 0xfefe…fefe answered 0, which no price is: settlements wait for a positive one."
        );
        assert_eq!(
            raised("SequencerDown", &[address(0x5e)]),
            "The network's sequencer is down (uptime feed 0x5e5e…5e5e), so prices cannot be updated: settle once it is back up."
        );
        assert_eq!(
            raised("SequencerGracePeriod", &[address(0x5e), uint(1_762_171_200)]),
            "The network's sequencer came back up on 2025-11-03 12:00 UTC, and its prices are trusted again only an hour later, after 2025-11-03 13:00 UTC."
        );
    }

    #[test]
    fn decodes_a_require_message() {
        let data = with_selector(ERROR_STRING, &[Token::String("not yours".into())]);
        assert_eq!(Revert::decode(&data), Revert::Message("not yours".into()));
    }

    #[test]
    fn decodes_a_panic_code() {
        let data = with_selector(PANIC, &[Token::Uint(U256::from(0x11))]);
        assert_eq!(Revert::decode(&data), Revert::Panic(0x11));
        assert_eq!(
            Revert::decode(&data).to_string(),
            "the contract failed an internal check: an arithmetic overflow or underflow"
        );
    }

    #[test]
    fn empty_and_unknown_data_are_said_plainly() {
        assert_eq!(Revert::decode(&[]), Revert::Empty);
        assert_eq!(Revert::decode(&[0xde, 0xad, 0xbe, 0xef, 0x00]), Revert::Unknown([0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(Revert::decode(&ERROR_STRING), Revert::Unknown(ERROR_STRING));
    }

    #[test]
    fn identifiers_become_sentences() {
        assert_eq!(sentence_from_identifier("SerialAlreadyRegistered"), "Serial already registered");
        assert_eq!(sentence_from_identifier("ERC721InsufficientApproval"), "ERC721 insufficient approval");
        assert_eq!(sentence_from_identifier("ERC721NonexistentToken"), "ERC721 nonexistent token");
        assert_eq!(sentence_from_identifier("OwnableUnauthorizedAccount"), "Ownable unauthorized account");
        assert_eq!(sentence_from_identifier("ZeroHashrate"), "Zero hashrate");
    }
}
