//! TwinLens: what a page shows of the twins now, in one `eth_call` whatever the history's length,
//! for the first paint while the history is read behind it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ethers_core::abi::Token;
use ethers_core::types::U256;

use super::abi::{decode_output, decode_spec, encode_call, to_wei, twin_lens_abi, ChainError};
use super::rpc::RpcClient;
use super::to_domain_address;
use crate::domain::earnings::{EarningTerms, Schedule};
use crate::domain::fractions::ShareUnits;
use crate::domain::{Address, Listing, Twin, TwinStatus, Wei};

/// A twin as its contracts hold it now.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinSnapshot {
    pub twin: Twin,
    pub owner: Address,
    pub operator: Address,
    pub pending_operator: Option<Address>,
    pub reporter: Address,
    pub status: TwinStatus,
    /// The stored listing when the market would sell on it now; its seller is the owner, the
    /// only one a listing under the current custody can be from.
    pub buyable: Option<Listing>,
    pub donated_work: u128,
    pub terms: EarningTerms,
    pub period: OpenPeriod,
    /// The share token and its supply while the twin is split.
    pub fraction: Option<(Address, ShareUnits)>,
}

/// A twin's next, unsettled period as far as its telemetry reaches (`TwinEarnings.periodOf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenPeriod {
    pub start: u64,
    /// Equal to `start` while there is no telemetry to settle.
    pub end: u64,
    pub energy_wh: u64,
    pub schedule: Schedule,
    /// How many periods were settled before it.
    pub settled: u32,
}

/// The block a lens answer was read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LensHead {
    pub block: u64,
    pub time: u64,
    pub twin_count: u64,
}

#[derive(Debug, Clone)]
pub struct TwinLens {
    rpc: RpcClient,
    address: Address,
    /// Reads asked for and not yet answered, by every clone of this lens.
    in_flight: Arc<AtomicUsize>,
}

/// How often [`TwinLens::settled`] looks again.
const SETTLED_POLL: Duration = Duration::from_millis(20);

impl TwinLens {
    pub fn new(rpc: RpcClient, address: Address) -> Self {
        Self { rpc, address, in_flight: Arc::default() }
    }

    /// Resolves once no read of this lens is waiting for its answer, the page having first had
    /// its turn to ask: what a page's first paint waits on, and nothing else should compete with.
    pub async fn settled(&self) {
        // A page asks for its first reads as it is drawn, before the next task.
        gloo_timers::future::sleep(Duration::ZERO).await;
        while self.in_flight.load(Ordering::Relaxed) > 0 {
            gloo_timers::future::sleep(SETTLED_POLL).await;
        }
    }

    async fn read(&self, function: &str, args: &[Token]) -> Result<Vec<Token>, ChainError> {
        let _in_flight = InFlight::count(&self.in_flight);
        let output = self.rpc.call(self.address, &encode_call(twin_lens_abi(), function, args)).await?;
        decode_output(twin_lens_abi(), function, &output)
    }

    /// The newest twins, at most `count`, skipping the `offset` newest.
    pub async fn newest(&self, offset: u64, count: u64) -> Result<(LensHead, Vec<TwinSnapshot>), ChainError> {
        let tokens = self.read("newest", &[Token::Uint(offset.into()), Token::Uint(count.into())]).await?;
        let (head, page) = head_and_page(tokens)?;
        Ok((head, page.into_iter().flatten().collect()))
    }

    /// The given twins, `None` for an id that names none.
    pub async fn twins(&self, ids: &[u64]) -> Result<(LensHead, Vec<Option<TwinSnapshot>>), ChainError> {
        let ids = Token::Array(ids.iter().map(|&id| Token::Uint(id.into())).collect());
        head_and_page(self.read("twins", &[ids]).await?)
    }

    /// One twin as the contracts held it at block `block`, `None` for an id that named none.
    pub async fn twin_at(&self, id: u64, block: u64) -> Result<(LensHead, Option<TwinSnapshot>), ChainError> {
        let _in_flight = InFlight::count(&self.in_flight);
        let call = encode_call(twin_lens_abi(), "twins", &[Token::Array(vec![Token::Uint(id.into())])]);
        let output = self.rpc.call_at(self.address, &call, block).await?;
        let (head, mut page) = head_and_page(decode_output(twin_lens_abi(), "twins", &output)?)?;
        Ok((head, page.pop().flatten()))
    }
}

/// One read counted among those in flight until it is answered or dropped.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn count(in_flight: &Arc<AtomicUsize>) -> Self {
        in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(in_flight.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn malformed(what: &str) -> ChainError {
    ChainError::Decode(format!("TwinLens: {what} is missing or has an unexpected value"))
}

fn head_and_page(tokens: Vec<Token>) -> Result<(LensHead, Vec<Option<TwinSnapshot>>), ChainError> {
    let [head, page] = <[Token; 2]>::try_from(tokens).map_err(|_| malformed("the answer"))?;
    let head = decode_head(head)?;
    let page = page.into_array().ok_or_else(|| malformed("the page"))?;
    Ok((head, page.into_iter().map(decode_twin).collect::<Result<_, _>>()?))
}

fn uint(token: Token, what: &str) -> Result<U256, ChainError> {
    token.into_uint().ok_or_else(|| malformed(what))
}

fn small(token: Token, what: &str) -> Result<u64, ChainError> {
    let value = uint(token, what)?;
    (value.bits() <= 64).then(|| value.low_u64()).ok_or_else(|| malformed(what))
}

fn address(token: Token, what: &str) -> Result<Address, ChainError> {
    token.into_address().map(to_domain_address).ok_or_else(|| malformed(what))
}

fn boolean(token: Token, what: &str) -> Result<bool, ChainError> {
    token.into_bool().ok_or_else(|| malformed(what))
}

fn decode_head(head: Token) -> Result<LensHead, ChainError> {
    let fields = head.into_tuple().ok_or_else(|| malformed("the head"))?;
    let [_chain_id, block, time, twin_count, _fee, _floor] =
        <[Token; 6]>::try_from(fields).map_err(|_| malformed("the head"))?;
    Ok(LensHead {
        block: small(block, "the block")?,
        time: small(time, "the time")?,
        twin_count: small(twin_count, "the twin count")?,
    })
}

fn decode_twin(view: Token) -> Result<Option<TwinSnapshot>, ChainError> {
    let fields = view.into_tuple().ok_or_else(|| malformed("a twin"))?;
    let [id, exists, spec, owner, operator, pending, reporter, status, royalty, _telemetry_at, _epoch, _retired, listing, buyable, _nonce, _approved, work, _shares, terms, period, fraction] =
        <[Token; 21]>::try_from(fields).map_err(|_| malformed("a twin"))?;
    if !boolean(exists, "exists")? {
        return Ok(None);
    }
    let id = small(id, "the id")?;
    let owner = address(owner, "the owner")?;
    let operator = address(operator, "the operator")?;
    let reporter = address(reporter, "the reporter")?;
    let pending = address(pending, "the pending operator")?;
    let status = u8::try_from(small(status, "the status")?).ok().and_then(TwinStatus::from_u8);
    let royalty_bps = u16::try_from(small(royalty, "the royalty")?).map_err(|_| malformed("the royalty"))?;
    let spec =
        decode_spec(spec.into_tuple().ok_or_else(|| malformed("the spec"))?).ok_or_else(|| malformed("the spec"))?;
    let [price, expires_at, _epoch, max_fee_bps, _seller_nonce] =
        <[Token; 5]>::try_from(listing.into_tuple().ok_or_else(|| malformed("the listing"))?)
            .map_err(|_| malformed("the listing"))?;
    let price: Wei = to_wei(uint(price, "the price")?)?;
    let listing = Listing {
        token_id: id,
        seller: owner,
        price,
        expires_at: small(expires_at, "the expiry")?,
        max_fee_bps: u16::try_from(small(max_fee_bps, "the fee bound")?).map_err(|_| malformed("the fee bound"))?,
    };
    Ok(Some(TwinSnapshot {
        twin: Twin { id, operator, reporter, royalty_bps, spec },
        owner,
        operator,
        pending_operator: (pending != Address::ZERO).then_some(pending),
        reporter,
        status: status.ok_or_else(|| malformed("the status"))?,
        buyable: boolean(buyable, "buyable")?.then_some(listing),
        donated_work: to_wei(uint(work, "the work")?)?.0,
        terms: decode_terms(terms)?,
        period: decode_period(period)?,
        fraction: decode_fraction(fraction)?,
    }))
}

fn decode_fraction(fraction: Token) -> Result<Option<(Address, ShareUnits)>, ChainError> {
    let [token, supply, split] = tuple(fraction, "the fraction")?;
    let supply = uint(supply, "the share supply")?;
    if !boolean(split, "split")? {
        return Ok(None);
    }
    let supply =
        (supply.bits() <= 128).then(|| ShareUnits(supply.low_u128())).ok_or_else(|| malformed("the share supply"))?;
    Ok(Some((address(token, "the share token")?, supply)))
}

fn tuple<const N: usize>(token: Token, what: &str) -> Result<[Token; N], ChainError> {
    <[Token; N]>::try_from(token.into_tuple().ok_or_else(|| malformed(what))?).map_err(|_| malformed(what))
}

fn narrow<T: TryFrom<u64>>(token: Token, what: &str) -> Result<T, ChainError> {
    T::try_from(small(token, what)?).map_err(|_| malformed(what))
}

/// `TwinRegistry.EarningTerms` as a tuple: how the lens returns it and `EarningTermsFixed` carries it.
pub(crate) fn decode_terms(terms: Token) -> Result<EarningTerms, ChainError> {
    let [fee, tariff, period, grace] = tuple(terms, "the terms")?;
    Ok(EarningTerms {
        service_fee_bps: narrow(fee, "the service fee")?,
        tariff_micro_usd_per_kwh: narrow(tariff, "the tariff")?,
        settlement_period: narrow(period, "the settlement period")?,
        grace_period: narrow(grace, "the grace")?,
    })
}

fn decode_period(period: Token) -> Result<OpenPeriod, ChainError> {
    let [start, end, energy, due_at, late_at, settled] = tuple(period, "the period")?;
    Ok(OpenPeriod {
        start: small(start, "the period's start")?,
        end: small(end, "the period's end")?,
        energy_wh: small(energy, "the period's energy")?,
        schedule: Schedule { due_at: small(due_at, "the due time")?, late_at: small(late_at, "the late time")? },
        settled: narrow(settled, "the settled count")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethers_core::abi::encode;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn view(id: u64, exists: bool, buyable: bool) -> Token {
        let spec = Token::Tuple(vec![
            Token::String("Bitmain".into()),
            Token::String("Antminer S21".into()),
            Token::FixedBytes(vec![7; 32]),
            Token::Uint(200_000.into()),
            Token::Uint(3_500.into()),
            Token::String("Oslo".into()),
            Token::Uint(1_700_000_000u64.into()),
        ]);
        let listing = Token::Tuple(vec![
            Token::Uint(U256::exp10(18)),
            Token::Uint(1_800_000_000u64.into()),
            Token::Uint(3.into()),
            Token::Uint(250.into()),
            Token::Uint(0.into()),
        ]);
        let address = |byte: u8| Token::Address(ethers_core::types::H160([byte; 20]));
        Token::Tuple(vec![
            Token::Uint(id.into()),
            Token::Bool(exists),
            spec,
            address(1),
            address(2),
            address(0),
            address(3),
            Token::Uint(1.into()),
            Token::Uint(500.into()),
            Token::Uint(1_790_000_000u64.into()),
            Token::Uint(3.into()),
            Token::Bool(false),
            listing,
            Token::Bool(buyable),
            Token::Uint(0.into()),
            Token::Bool(true),
            Token::Uint(12345.into()),
            Token::Uint(6.into()),
            Token::Tuple([1_000u64, 65_000, 86_400, 21_600].map(|n| Token::Uint(n.into())).to_vec()),
            Token::Tuple(
                [1_790_000_000u64, 1_790_050_000, 48_000, 1_790_086_400, 1_790_108_000, 3]
                    .map(|n| Token::Uint(n.into()))
                    .to_vec(),
            ),
            // Twin 12 is split into a million shares; the others were never split.
            Token::Tuple(if id == 12 {
                vec![address(0x5e), Token::Uint(U256::exp10(24)), Token::Bool(true)]
            } else {
                vec![address(0), Token::Uint(0.into()), Token::Bool(false)]
            }),
        ])
    }

    #[test]
    fn a_page_decodes_into_snapshots_with_missing_ids_as_none() {
        let head = Token::Tuple([31_337u64, 120, 1_796_000_000, 12, 250, 250].map(|n| Token::Uint(n.into())).to_vec());
        let output =
            encode(&[head, Token::Array(vec![view(12, true, true), view(99, false, false), view(11, true, false)])]);
        let tokens = decode_output(twin_lens_abi(), "twins", &output).unwrap();
        let (head, page) = head_and_page(tokens).unwrap();
        assert_eq!(head, LensHead { block: 120, time: 1_796_000_000, twin_count: 12 });
        assert_eq!(page.len(), 3);
        assert!(page[1].is_none());
        let twelve = page[0].as_ref().unwrap();
        assert_eq!(twelve.twin.id, 12);
        assert_eq!(twelve.twin.spec.model, "Antminer S21");
        assert_eq!(twelve.status, TwinStatus::Offline);
        assert_eq!(twelve.owner, Address([1; 20]));
        assert_eq!(twelve.pending_operator, None);
        assert_eq!(twelve.donated_work, 12345);
        assert_eq!(twelve.terms.service_fee_bps, 1_000);
        assert_eq!(twelve.period.schedule, Schedule { due_at: 1_790_086_400, late_at: 1_790_108_000 });
        assert_eq!((twelve.period.energy_wh, twelve.period.settled), (48_000, 3));
        let listing = twelve.buyable.unwrap();
        assert_eq!((listing.seller, listing.price, listing.max_fee_bps), (Address([1; 20]), Wei(10u128.pow(18)), 250));
        assert_eq!(page[2].as_ref().unwrap().buyable, None, "a stored listing the market would refuse is no listing");
        assert_eq!(twelve.fraction, Some((Address([0x5e; 20]), ShareUnits(10u128.pow(24)))));
        assert_eq!(page[2].as_ref().unwrap().fraction, None);
    }

    #[test]
    fn a_read_counts_as_in_flight_until_it_is_answered_or_dropped() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let first = InFlight::count(&in_flight);
        let second = InFlight::count(&in_flight);
        assert_eq!(in_flight.load(Ordering::Relaxed), 2);
        drop(first);
        assert_eq!(in_flight.load(Ordering::Relaxed), 1, "a read abandoned mid-way no longer holds the follower back");
        drop(second);
        assert_eq!(in_flight.load(Ordering::Relaxed), 0);
    }
}
