//! TwinMarket: its reads, and the transactions the app asks the wallet to send to it.

use ethers_core::abi::Token;
use ethers_core::types::U256;

use super::contracts::{decode_output, encode_call, to_wei, twin_market_abi, ChainError};
use super::rpc::RpcClient;
use super::to_domain_address;
use super::tx::TxRequest;
use crate::domain::{Address, Listing, Wei};

#[derive(Debug, Clone)]
pub struct TwinMarket {
    rpc: RpcClient,
    address: Address,
}

impl TwinMarket {
    pub fn new(rpc: RpcClient, address: Address) -> Self {
        Self { rpc, address }
    }

    async fn read(&self, function: &str, args: &[Token]) -> Result<Vec<Token>, ChainError> {
        let output = self.rpc.call(self.address, &encode_call(twin_market_abi(), function, args)).await?;
        decode_output(twin_market_abi(), function, &output)
    }

    /// The listing of a twin, if it is listed.
    pub async fn listing(&self, token_id: u64) -> Result<Option<Listing>, ChainError> {
        let tokens = self.read("listing", &[Token::Uint(token_id.into())]).await?;
        let malformed = || ChainError::Decode("listing() returned unexpected types".into());
        let [seller, price] = <[Token; 2]>::try_from(tokens).map_err(|_| malformed())?;
        let seller = to_domain_address(seller.into_address().ok_or_else(malformed)?);
        let price = to_wei(price.into_uint().ok_or_else(malformed)?)?;
        Ok((seller != Address::ZERO).then_some(Listing { token_id, seller, price }))
    }

    /// What `account` can withdraw: sale proceeds, royalties and refunded offers.
    pub async fn proceeds_of(&self, account: Address) -> Result<Wei, ChainError> {
        let tokens = self.read("proceedsOf", &[Token::Address(super::to_ethers_address(account))]).await?;
        let amount = tokens.into_iter().next().and_then(Token::into_uint).unwrap_or(U256::zero());
        to_wei(amount)
    }

    pub fn buy(&self, listing: &Listing) -> TxRequest {
        TxRequest {
            to: self.address,
            data: encode_call(twin_market_abi(), "buy", &[Token::Uint(listing.token_id.into())]),
            value: listing.price,
            label: format!("Buy twin #{} for {}", listing.token_id, listing.price),
        }
    }

    pub fn withdraw(&self, amount: Wei) -> TxRequest {
        TxRequest {
            to: self.address,
            data: encode_call(twin_market_abi(), "withdraw", &[]),
            value: Wei::ZERO,
            label: format!("Withdraw {amount}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn market() -> TwinMarket {
        TwinMarket::new(RpcClient::new("http://127.0.0.1:8545"), Address([0xe7; 20]))
    }

    #[test]
    fn buy_pays_the_price_to_buy_with_the_token_id() {
        let listing = Listing { token_id: 5, seller: Address([1; 20]), price: Wei(1_100_000_000_000_000_000) };
        let tx = market().buy(&listing);
        // cast calldata "buy(uint256)" 5
        assert_eq!(hex::encode(&tx.data), "d96a094a0000000000000000000000000000000000000000000000000000000000000005");
        assert_eq!(tx.value, listing.price);
        assert_eq!(tx.to, Address([0xe7; 20]));
        assert_eq!(tx.label, "Buy twin #5 for 1.1 ETH");
    }

    #[test]
    fn withdraw_takes_no_arguments_and_no_value() {
        let tx = market().withdraw(Wei(5));
        // cast sig "withdraw()"
        assert_eq!(hex::encode(&tx.data), "3ccfd60b");
        assert_eq!(tx.value, Wei::ZERO);
    }
}
