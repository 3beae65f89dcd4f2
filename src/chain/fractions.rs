//! TwinVault and a split twin's share token: splitting and joining, what a holder has and has
//! earned, and who holds the shares, replayed from the token's own `Transfer` events.

use ethers_core::abi::{encode, Token};
use ethers_core::types::{Address as EthAddress, Log, H256, U256};

use super::abi::{decode_output, encode_call, to_wei, twin_registry_abi, twin_shares_abi, twin_vault_abi, ChainError};
use super::collection::ChainHead;
use super::indexer::LogIndexer;
use super::rpc::{Call, RpcClient};
use super::tx::TxRequest;
use super::{to_domain_address, to_ethers_address};
use crate::domain::fractions::{Balances, ShareUnits};
use crate::domain::{Address, Wei};

fn malformed(what: &str) -> ChainError {
    ChainError::Decode(format!("the share token: {what} is missing or has an unexpected value"))
}

fn units(value: U256, what: &str) -> Result<ShareUnits, ChainError> {
    (value.bits() <= 128).then(|| ShareUnits(value.low_u128())).ok_or_else(|| malformed(what))
}

/// Splitting and joining twins.
#[derive(Debug, Clone, Copy)]
pub struct TwinVault {
    registry: Address,
    address: Address,
}

impl TwinVault {
    pub fn new(registry: Address, address: Address) -> Self {
        Self { registry, address }
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// Sends `twin_id` from `owner` into the vault with the supply it is split into: one
    /// transaction, no approval, since the vault splits what `safeTransferFrom` hands it.
    pub fn split(&self, owner: Address, twin_id: u64, supply: ShareUnits) -> TxRequest {
        let function = twin_registry_abi()
            .functions_by_name("safeTransferFrom")
            .ok()
            .and_then(|overloads| overloads.iter().find(|function| function.inputs.len() == 4))
            .expect("TwinRegistry declares safeTransferFrom(address,address,uint256,bytes)");
        let data = encode(&[Token::Uint(supply.0.into())]);
        let args = [
            Token::Address(to_ethers_address(owner)),
            Token::Address(to_ethers_address(self.address)),
            Token::Uint(twin_id.into()),
            Token::Bytes(data),
        ];
        let data = function.encode_input(&args).expect("the arguments match safeTransferFrom's inputs");
        TxRequest {
            to: self.registry,
            data,
            value: Wei::ZERO,
            label: format!("Split twin #{twin_id} into {}", supply.format(0)),
        }
    }

    /// Burns every share, which the sender must hold, and sends them the twin.
    pub fn join(&self, twin_id: u64) -> TxRequest {
        TxRequest {
            to: self.address,
            data: encode_call(twin_vault_abi(), "join", &[Token::Uint(twin_id.into())]),
            value: Wei::ZERO,
            label: format!("Join the shares of twin #{twin_id} into the twin"),
        }
    }
}

/// What one account has of a split twin's shares, read in one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub balance: ShareUnits,
    /// Its part of the settlements so far, not yet claimed: `earnedOf`.
    pub earned: Wei,
    /// Everything its shares earned, claimed or not: `earnedToDateOf`.
    pub earned_to_date: Wei,
    /// What the market may move of it: `allowance(account, market)`.
    pub market_allowance: ShareUnits,
    pub supply: ShareUnits,
}

/// One split twin's ERC-20 shares.
#[derive(Debug, Clone)]
pub struct ShareToken {
    rpc: RpcClient,
    address: Address,
    /// Its `Transfer` events, kept for the visit: clones share them.
    transfers: LogIndexer,
}

impl ShareToken {
    /// The token at `address`, whose history starts at `first_block` (its split's).
    pub fn new(rpc: RpcClient, address: Address, first_block: u64) -> Self {
        let transfers =
            LogIndexer::new(rpc.clone(), to_ethers_address(address), vec![transfer_event().signature()], first_block);
        Self { rpc, address, transfers }
    }

    pub fn address(&self) -> Address {
        self.address
    }

    fn call(&self, function: &str, args: &[Token]) -> Call {
        Call::eth_call(self.address, &encode_call(twin_shares_abi(), function, args))
    }

    fn uint(
        &self,
        function: &str,
        answer: Result<serde_json::Value, super::rpc::RpcError>,
    ) -> Result<U256, ChainError> {
        let output = Call::output(answer)?;
        decode_output(twin_shares_abi(), function, &output)?
            .into_iter()
            .next()
            .and_then(Token::into_uint)
            .ok_or_else(|| malformed(function))
    }

    /// `account`'s balance, earnings and allowance to `market`, and the supply, in one round trip.
    pub async fn holding(&self, account: Address, market: Address) -> Result<Holding, ChainError> {
        let mut holdings = holdings(&self.rpc, &[self.address], account, market).await?;
        holdings.pop().ok_or_else(|| malformed("the holding"))
    }

    /// Each seller's balance and allowance to `market`, for telling a live lot from a stale one.
    pub async fn sellers(
        &self,
        sellers: &[Address],
        market: Address,
    ) -> Result<Vec<(ShareUnits, ShareUnits)>, ChainError> {
        let calls: Vec<Call> = sellers
            .iter()
            .flat_map(|&seller| {
                let seller = Token::Address(to_ethers_address(seller));
                [
                    self.call("balanceOf", std::slice::from_ref(&seller)),
                    self.call("allowance", &[seller, Token::Address(to_ethers_address(market))]),
                ]
            })
            .collect();
        let mut answers = self.rpc.batch(&calls).await?.into_iter();
        let mut pairs = Vec::with_capacity(sellers.len());
        while let (Some(balance), Some(allowance)) = (answers.next(), answers.next()) {
            pairs.push((
                units(self.uint("balanceOf", balance)?, "a balance")?,
                units(self.uint("allowance", allowance)?, "an allowance")?,
            ));
        }
        if pairs.len() != sellers.len() {
            return Err(malformed("the sellers' balances"));
        }
        Ok(pairs)
    }

    /// Every holder's balance as of `latest`, replayed from the token's `Transfer` events from
    /// `from_block` (the split's: the token has no history before). A token followed block after
    /// block reads only the blocks it has not read.
    pub async fn balances(&self, from_block: u64, latest: ChainHead) -> Result<Balances, ChainError> {
        let logs = self.transfers.logs_from(from_block, (latest.block.number, H256(latest.block.hash))).await?;
        let mut balances = Balances::default();
        for log in &logs {
            let (from, to, amount) = decode_transfer(log)?;
            balances.apply(from, to, amount).map_err(ChainError::Decode)?;
        }
        Ok(balances)
    }

    /// Lets `spender` move `amount` of the sender's shares.
    pub fn approve(&self, spender: Address, amount: ShareUnits, symbol: &str) -> TxRequest {
        let args = [Token::Address(to_ethers_address(spender)), Token::Uint(amount.0.into())];
        TxRequest {
            to: self.address,
            data: encode_call(twin_shares_abi(), "approve", &args),
            value: Wei::ZERO,
            label: format!("Let the market sell up to {} of {symbol}", amount.format(4)),
        }
    }
}

const HOLDING_CALLS: [&str; 5] = ["balanceOf", "earnedOf", "earnedToDateOf", "allowance", "totalSupply"];

/// `account`'s holding of each of `tokens`, in one round trip.
pub async fn holdings(
    rpc: &RpcClient,
    tokens: &[Address],
    account: Address,
    market: Address,
) -> Result<Vec<Holding>, ChainError> {
    let (account, market) = (Token::Address(to_ethers_address(account)), Token::Address(to_ethers_address(market)));
    let calls: Vec<Call> = tokens
        .iter()
        .flat_map(|&token| {
            let call =
                |function: &str, args: &[Token]| Call::eth_call(token, &encode_call(twin_shares_abi(), function, args));
            [
                call("balanceOf", std::slice::from_ref(&account)),
                call("earnedOf", std::slice::from_ref(&account)),
                call("earnedToDateOf", std::slice::from_ref(&account)),
                call("allowance", &[account.clone(), market.clone()]),
                call("totalSupply", &[]),
            ]
        })
        .collect();
    let answers = rpc.batch(&calls).await?;
    if answers.len() != calls.len() {
        return Err(malformed("the holdings"));
    }
    let mut figures = answers.into_iter().zip(HOLDING_CALLS.iter().cycle()).map(|(answer, function)| {
        decode_output(twin_shares_abi(), function, &Call::output(answer)?)?
            .into_iter()
            .next()
            .and_then(Token::into_uint)
            .ok_or_else(|| malformed(function))
    });
    let mut next = || figures.next().unwrap_or_else(|| Err(malformed("the holdings")));
    (0..tokens.len())
        .map(|_| {
            Ok(Holding {
                balance: units(next()?, "a balance")?,
                earned: to_wei(next()?)?,
                earned_to_date: to_wei(next()?)?,
                market_allowance: units(next()?, "an allowance")?,
                supply: units(next()?, "the supply")?,
            })
        })
        .collect()
}

fn transfer_event() -> &'static ethers_core::abi::Event {
    twin_shares_abi().event("Transfer").expect("TwinShares declares Transfer")
}

/// ERC-20 `Transfer(from, to, value)`.
fn decode_transfer(log: &Log) -> Result<(Address, Address, ShareUnits), ChainError> {
    let raw = ethers_core::abi::RawLog { topics: log.topics.clone(), data: log.data.to_vec() };
    let parsed = transfer_event().parse_log(raw).map_err(|error| ChainError::Decode(format!("Transfer: {error}")))?;
    let mut params = parsed.params.into_iter().map(|param| param.value);
    let mut address = |what: &str| -> Result<EthAddress, ChainError> {
        params.next().and_then(Token::into_address).ok_or_else(|| malformed(what))
    };
    let (from, to) = (address("a transfer's sender")?, address("a transfer's recipient")?);
    let value = params.next().and_then(Token::into_uint).ok_or_else(|| malformed("a transfer's amount"))?;
    Ok((to_domain_address(from), to_domain_address(to), units(value, "a transfer's amount")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethers_core::types::Bytes;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_split_is_one_safe_transfer_carrying_the_supply() {
        let vault = TwinVault::new(Address([1; 20]), Address([2; 20]));
        let supply = ShareUnits::whole(1_000_000).unwrap();
        let tx = vault.split(Address([3; 20]), 7, supply);
        assert_eq!(tx.to, Address([1; 20]), "sent to the registry");
        assert_eq!(tx.data[..4], ethers_core::utils::id("safeTransferFrom(address,address,uint256,bytes)"));
        let function = twin_registry_abi()
            .functions_by_name("safeTransferFrom")
            .unwrap()
            .iter()
            .find(|function| function.inputs.len() == 4)
            .unwrap();
        let args = function.decode_input(&tx.data[4..]).unwrap();
        assert_eq!(args[1], Token::Address(H160_2));
        assert_eq!(args[2], Token::Uint(7.into()));
        assert_eq!(args[3], Token::Bytes(encode(&[Token::Uint(supply.0.into())])));
        assert_eq!(tx.label, "Split twin #7 into 1000000 shares");
    }

    const H160_2: EthAddress = EthAddress::repeat_byte(2);

    #[test]
    fn a_transfer_log_decodes_into_who_sent_how_much_to_whom() {
        let signature = transfer_event().signature();
        let log = Log {
            topics: vec![signature, H256::from(EthAddress::repeat_byte(3)), H256::from(EthAddress::repeat_byte(4))],
            data: Bytes::from(encode(&[Token::Uint(U256::exp10(24))])),
            ..Log::default()
        };
        assert_eq!(decode_transfer(&log).unwrap(), (Address([3; 20]), Address([4; 20]), ShareUnits(10u128.pow(24))));
        let short = Log { data: Bytes::from(vec![0; 16]), ..log };
        assert!(decode_transfer(&short).is_err(), "a truncated amount is an error, not zero");
    }
}
