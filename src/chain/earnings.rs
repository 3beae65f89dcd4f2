//! TwinEarnings and the feeds it settles by: what an operator may keep of a period's gross, what a
//! holder may claim, and the figures a twin's payouts are held against.

use ethers_core::abi::Token;
use ethers_core::types::{I256, U256};

use super::abi::{decode_output, encode_call, to_wei, twin_earnings_abi, ChainError};
use super::rpc::{Call, RpcClient};
use super::to_ethers_address;
use super::tx::TxRequest;
use crate::domain::earnings::{Caps, SettleClaim};
use crate::domain::{Address, Wei};

/// `latestRoundData()` and `decimals()` of Chainlink's `AggregatorV3Interface`.
const LATEST_ROUND_DATA: [u8; 4] = [0xfe, 0xaf, 0x96, 0x8c];
const DECIMALS: [u8; 4] = [0x31, 0x3c, 0xe5, 0x67];

/// A feed's newest answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedAnswer {
    pub answer: i128,
    pub decimals: u8,
    /// Unix seconds.
    pub updated_at: u64,
}

impl FeedAnswer {
    pub fn value(&self) -> f64 {
        self.answer as f64 / 10f64.powi(i32::from(self.decimals))
    }
}

/// The four feeds a deployment names: ETH/USD (settlements convert at it), BTC/USD, and the Bitcoin
/// network's difficulty and fees per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedAddresses {
    pub eth_usd: Address,
    pub btc_usd: Address,
    pub difficulty: Address,
    pub block_fees: Address,
}

/// The four feeds' newest answers, read in one round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedReadings {
    pub eth_usd: FeedAnswer,
    pub btc_usd: FeedAnswer,
    pub difficulty: FeedAnswer,
    pub block_fees: FeedAnswer,
}

/// What `quote` answered: the caps on a gross, and the price it converts electricity at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub period_start: u64,
    pub period_end: u64,
    pub energy_wh: u64,
    pub late: bool,
    pub caps: Caps,
    /// The ETH/USD price the electricity cap was converted at, with `price_decimals` decimals.
    pub eth_usd: u128,
    pub price_decimals: u8,
}

#[derive(Debug, Clone)]
pub struct TwinEarnings {
    rpc: RpcClient,
    address: Address,
}

fn malformed(what: &str) -> ChainError {
    ChainError::Decode(format!("TwinEarnings: {what} is missing or has an unexpected value"))
}

fn small(token: Token, what: &str) -> Result<u64, ChainError> {
    let value = token.into_uint().ok_or_else(|| malformed(what))?;
    (value.bits() <= 64).then(|| value.low_u64()).ok_or_else(|| malformed(what))
}

fn wei(token: Token, what: &str) -> Result<Wei, ChainError> {
    to_wei(token.into_uint().ok_or_else(|| malformed(what))?)
}

impl TwinEarnings {
    pub fn new(rpc: RpcClient, address: Address) -> Self {
        Self { rpc, address }
    }

    async fn read(&self, function: &str, args: &[Token]) -> Result<Vec<Token>, ChainError> {
        let output = self.rpc.call(self.address, &encode_call(twin_earnings_abi(), function, args)).await?;
        decode_output(twin_earnings_abi(), function, &output)
    }

    /// What `account` may claim now: the contract's own figure, not a sum of the history.
    pub async fn claimable_of(&self, account: Address) -> Result<Wei, ChainError> {
        let tokens = self.read("claimableOf", &[Token::Address(to_ethers_address(account))]).await?;
        wei(tokens.into_iter().next().ok_or_else(|| malformed("claimableOf"))?, "claimableOf")
    }

    /// The caps the contract would apply to settling `twin_id` now with `gross`. Reverts as
    /// `settle` would (no new telemetry, a stale price) come back as the error they are.
    pub async fn quote(&self, twin_id: u64, gross: Wei) -> Result<Quote, ChainError> {
        let tokens = self.read("quote", &[Token::Uint(twin_id.into()), Token::Uint(gross.0.into())]).await?;
        let settlement = tokens.into_iter().next().and_then(Token::into_tuple).ok_or_else(|| malformed("quote"))?;
        let [start, end, energy, late, decimals, _gross, _fee, _electricity, _net, _shortfall, fee_cap, electricity_cap, eth_usd, _network] =
            <[Token; 14]>::try_from(settlement).map_err(|_| malformed("quote"))?;
        Ok(Quote {
            period_start: small(start, "the period's start")?,
            period_end: small(end, "the period's end")?,
            energy_wh: small(energy, "the energy")?,
            late: late.into_bool().ok_or_else(|| malformed("late"))?,
            caps: Caps { service_fee: wei(fee_cap, "the fee cap")?, electricity: wei(electricity_cap, "the cap")? },
            eth_usd: wei(eth_usd, "the price")?.0,
            price_decimals: u8::try_from(small(decimals, "the price's decimals")?)
                .map_err(|_| malformed("decimals"))?,
        })
    }

    fn request(&self, function: &str, args: &[Token], value: Wei, label: String) -> TxRequest {
        TxRequest { to: self.address, data: encode_call(twin_earnings_abi(), function, args), value, label }
    }

    /// Settles `twin_id`'s open period, to the report at `period_end` its gross was worked out to,
    /// with `claim`, paying in exactly its net.
    pub fn settle(&self, twin_id: u64, period_end: u64, claim: &SettleClaim) -> TxRequest {
        let (net, _) = claim.split();
        let args = [
            Token::Uint(twin_id.into()),
            Token::Uint(period_end.into()),
            Token::Uint(claim.gross.0.into()),
            Token::Uint(claim.service_fee.0.into()),
            Token::Uint(claim.electricity.0.into()),
        ];
        self.request(
            "settle",
            &args,
            net,
            format!("Settle twin #{twin_id}: {} gross, {net} to its holder", claim.gross),
        )
    }

    /// Sends the sender everything credited to them: their whole twins' credit and their part of
    /// each split twin named (one they hold or held shares of).
    pub fn claim(&self, amount: Wei, split_twins: &[u64]) -> TxRequest {
        let twins = Token::Array(split_twins.iter().map(|&id| Token::Uint(id.into())).collect());
        self.request("claim", &[twins], Wei::ZERO, format!("Claim {amount} of earnings"))
    }
}

/// Why a read of TwinEarnings failed, in words: the contract's own reason when it reverted (no new
/// telemetry, a stale price), else what went wrong on the way.
pub fn reason(error: &ChainError) -> String {
    match error {
        ChainError::Rpc(rpc) => match rpc.revert_data() {
            Some(data) => super::revert::Revert::decode(&data).to_string(),
            None => error.to_string(),
        },
        ChainError::Decode(_) => error.to_string(),
    }
}

/// Reads the four feeds' newest answers and decimals in one JSON-RPC batch.
pub async fn read_feeds(rpc: &RpcClient, feeds: FeedAddresses) -> Result<FeedReadings, ChainError> {
    let order = [feeds.eth_usd, feeds.btc_usd, feeds.difficulty, feeds.block_fees];
    let calls: Vec<Call> = order
        .iter()
        .flat_map(|&feed| [Call::eth_call(feed, &LATEST_ROUND_DATA), Call::eth_call(feed, &DECIMALS)])
        .collect();
    let mut answers = rpc.batch(&calls).await?.into_iter();
    let mut readings = Vec::with_capacity(4);
    while let (Some(round), Some(decimals)) = (answers.next(), answers.next()) {
        readings.push(decode_feed(&Call::output(round)?, &Call::output(decimals)?)?);
    }
    let [eth_usd, btc_usd, difficulty, block_fees] =
        <[FeedAnswer; 4]>::try_from(readings).map_err(|_| malformed("the feeds"))?;
    Ok(FeedReadings { eth_usd, btc_usd, difficulty, block_fees })
}

/// `latestRoundData()`'s five words and `decimals()`'s one.
fn decode_feed(round: &[u8], decimals: &[u8]) -> Result<FeedAnswer, ChainError> {
    let word = |bytes: &[u8], index: usize| bytes.get(index * 32..(index + 1) * 32).map(U256::from_big_endian);
    let answer = word(round, 1).ok_or_else(|| malformed("a feed's answer"))?;
    let updated_at = word(round, 3).ok_or_else(|| malformed("a feed's update time"))?;
    let decimals = word(decimals, 0).ok_or_else(|| malformed("a feed's decimals"))?;
    Ok(FeedAnswer {
        answer: i128::try_from(I256::from_raw(answer)).map_err(|_| malformed("a feed's answer"))?,
        decimals: u8::try_from(decimals.low_u64())
            .ok()
            .filter(|_| decimals.bits() <= 8)
            .ok_or_else(|| malformed("decimals"))?,
        updated_at: (updated_at.bits() <= 64).then(|| updated_at.low_u64()).ok_or_else(|| malformed("update time"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethers_core::abi::encode;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_selectors_are_chainlinks() {
        assert_eq!(LATEST_ROUND_DATA, ethers_core::utils::id("latestRoundData()"));
        assert_eq!(DECIMALS, ethers_core::utils::id("decimals()"));
    }

    #[test]
    fn a_feed_answer_decodes_with_its_sign_decimals_and_time() {
        let round = encode(&[
            Token::Uint(7.into()),
            Token::Int(I256::from(-5).into_raw()),
            Token::Uint(1_700_000_000u64.into()),
            Token::Uint(1_700_000_100u64.into()),
            Token::Uint(7.into()),
        ]);
        let decimals = encode(&[Token::Uint(8.into())]);
        let answer = decode_feed(&round, &decimals).unwrap();
        assert_eq!(answer, FeedAnswer { answer: -5, decimals: 8, updated_at: 1_700_000_100 });
        assert!(decode_feed(&round[..64], &decimals).is_err(), "a short answer is an error, not a zero");
    }

    #[test]
    fn a_settlement_pays_in_exactly_its_net() {
        let earnings = TwinEarnings::new(RpcClient::new("http://127.0.0.1:8545"), Address([9; 20]));
        let claim = SettleClaim { gross: Wei(1_000), service_fee: Wei(100), electricity: Wei(300) };
        let tx = earnings.settle(4, 1_790_000_000, &claim);
        assert_eq!(tx.value, Wei(600));
        let function = twin_earnings_abi().function("settle").unwrap();
        let args = function.decode_input(&tx.data[4..]).unwrap();
        assert_eq!(args, [4u64, 1_790_000_000, 1_000, 100, 300].map(|n| Token::Uint(n.into())).to_vec());
    }

    #[test]
    fn a_claim_names_the_split_twins_whose_shares_earned() {
        let earnings = TwinEarnings::new(RpcClient::new("http://127.0.0.1:8545"), Address([9; 20]));
        let tx = earnings.claim(Wei(5), &[2, 3]);
        assert_eq!(tx.value, Wei::ZERO);
        // cast sig "claim(uint256[])"
        assert_eq!(tx.data[..4], [0x6b, 0xa4, 0xc1, 0x38]);
        let function = twin_earnings_abi().function("claim").unwrap();
        let twins = Token::Array(vec![Token::Uint(2.into()), Token::Uint(3.into())]);
        assert_eq!(function.decode_input(&tx.data[4..]).unwrap(), vec![twins]);
    }
}
