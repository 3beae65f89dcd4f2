//! TwinMarket: its reads, and the transactions the app asks the wallet to send to it.

use ethers_core::abi::Token;

use super::abi::{decode_output, encode_call, to_wei, twin_market_abi, ChainError};
use super::rpc::RpcClient;
use super::to_ethers_address;
use super::tx::TxRequest;
use crate::domain::fractions::{Lot, LotDraft, ShareUnits};
use crate::domain::{Address, Listing, Offer, Wei};

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

    /// The protocol fee in force, in basis points: what a seller agrees to as `maxFeeBps`.
    pub async fn fee_bps(&self) -> Result<u16, ChainError> {
        let fee = self.read("feeBps", &[]).await?.into_iter().next().and_then(Token::into_uint);
        let fee = fee.ok_or_else(|| ChainError::Decode("feeBps returned no number".into()))?;
        u16::try_from(fee.low_u64())
            .ok()
            .filter(|_| fee.bits() <= 16)
            .ok_or_else(|| ChainError::Decode(format!("a fee of {fee} bps")))
    }

    /// What `account` can withdraw: sale proceeds, royalties and refunded offers.
    pub async fn proceeds_of(&self, account: Address) -> Result<Wei, ChainError> {
        let tokens = self.read("proceedsOf", &[Token::Address(to_ethers_address(account))]).await?;
        // An answer without a number is a broken read, not an empty balance.
        let amount = tokens.into_iter().next().and_then(Token::into_uint);
        to_wei(amount.ok_or_else(|| ChainError::Decode("proceedsOf returned no number".into()))?)
    }

    fn request(&self, function: &str, args: &[Token], value: Wei, label: String) -> TxRequest {
        TxRequest { to: self.address, data: encode_call(twin_market_abi(), function, args), value, label }
    }

    pub fn buy(&self, listing: &Listing) -> TxRequest {
        let label = format!("Buy twin #{} for {}", listing.token_id, listing.price);
        self.request("buy", &[Token::Uint(listing.token_id.into())], listing.price, label)
    }

    pub fn withdraw(&self, amount: Wei) -> TxRequest {
        self.request("withdraw", &[], Wei::ZERO, format!("Withdraw {amount}"))
    }

    /// Lists one of the sender's twins until `expires_at` (unix seconds, exclusive), or re-prices its
    /// listing. `max_fee_bps` is the protocol fee the seller agrees to: pass the fee in force, so that
    /// a later rise cannot cost them. The market must be approved for the sender's twins first
    /// (`TwinRegistryWriter::set_approval_for_all`).
    pub fn list(&self, token_id: u64, price: Wei, expires_at: u64, max_fee_bps: u16) -> TxRequest {
        let args = [
            Token::Uint(token_id.into()),
            Token::Uint(price.0.into()),
            Token::Uint(expires_at.into()),
            Token::Uint(max_fee_bps.into()),
        ];
        self.request("list", &args, Wei::ZERO, format!("List twin #{token_id} for {price}"))
    }

    /// Ends every listing the sender has made, on every twin, in one transaction.
    pub fn cancel_all_listings(&self) -> TxRequest {
        self.request("cancelAllListings", &[], Wei::ZERO, "Cancel all your listings".into())
    }

    pub fn cancel_listing(&self, token_id: u64) -> TxRequest {
        let label = format!("Cancel the listing of twin #{token_id}");
        self.request("cancelListing", &[Token::Uint(token_id.into())], Wei::ZERO, label)
    }

    /// Escrows `amount` as an offer, acceptable until `expires_at` (unix seconds, exclusive).
    pub fn make_offer(&self, token_id: u64, amount: Wei, expires_at: u64) -> TxRequest {
        let args = [Token::Uint(token_id.into()), Token::Uint(expires_at.into())];
        self.request("makeOffer", &args, amount, format!("Offer {amount} for twin #{token_id}"))
    }

    /// Adds `added` to the sender's offer; `expires_at` may not be earlier than the offer's.
    pub fn raise_offer(&self, token_id: u64, added: Wei, expires_at: u64) -> TxRequest {
        let args = [Token::Uint(token_id.into()), Token::Uint(expires_at.into())];
        self.request("raiseOffer", &args, added, format!("Add {added} to your offer on twin #{token_id}"))
    }

    /// Cancels the sender's offer of `amount`; it becomes theirs to withdraw, which the label says,
    /// since the ether does not come back to the wallet by itself.
    pub fn cancel_offer(&self, token_id: u64, amount: Wei) -> TxRequest {
        let label = format!("Cancel your offer on twin #{token_id}; its {amount} goes to your proceeds");
        self.request("cancelOffer", &[Token::Uint(token_id.into())], Wei::ZERO, label)
    }

    /// Offers `amount` of the sender's shares of split twin `twin_id` at `price_per_share` wei per
    /// whole share until `expires_at`. The market must be approved on the share token for what is
    /// bought by the time it is bought (`ShareToken::approve`).
    pub fn list_lot(&self, twin_id: u64, draft: &LotDraft, expires_at: u64, max_fee_bps: u16) -> TxRequest {
        let args = [
            Token::Uint(twin_id.into()),
            Token::Uint(draft.amount.0.into()),
            Token::Uint(draft.price_per_share.0.into()),
            Token::Uint(expires_at.into()),
            Token::Uint(max_fee_bps.into()),
        ];
        let label = format!(
            "Offer {} of twin #{twin_id} at {} per share",
            draft.amount.format(4),
            draft.price_per_share.format_ether(9)
        );
        self.request("listLot", &args, Wei::ZERO, label)
    }

    /// Buys `amount` of `lot`, paying exactly what the market charges for it.
    pub fn buy_lot(&self, lot: &Lot, amount: ShareUnits, price: Wei) -> TxRequest {
        let args = [Token::Uint(lot.id.into()), Token::Uint(amount.0.into())];
        let label = format!("Buy {} of twin #{} for {price}", amount.format(4), lot.twin);
        self.request("buyLot", &args, price, label)
    }

    pub fn cancel_lot(&self, lot: &Lot) -> TxRequest {
        let label = format!("Withdraw your lot of twin #{}", lot.twin);
        self.request("cancelLot", &[Token::Uint(lot.id.into())], Wei::ZERO, label)
    }

    /// Sells the twin to the offer's bidder. The amount the owner saw goes with it, so that a bidder
    /// who swaps their offer for a smaller one in between makes the sale fail instead of go through;
    /// `max_fee_bps` pins the protocol fee the same way.
    pub fn accept_offer(&self, offer: &Offer, max_fee_bps: u16) -> TxRequest {
        let args = [
            Token::Uint(offer.twin_id.into()),
            Token::Address(to_ethers_address(offer.bidder)),
            Token::Uint(offer.amount.0.into()),
            Token::Uint(max_fee_bps.into()),
        ];
        let label = format!("Accept {} from {} for twin #{}", offer.amount, offer.bidder.short(), offer.twin_id);
        self.request("acceptOffer", &args, Wei::ZERO, label)
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
        let listing = Listing {
            token_id: 5,
            seller: Address([1; 20]),
            price: Wei(1_100_000_000_000_000_000),
            expires_at: 1_766_000_000,
            max_fee_bps: 250,
        };
        let tx = market().buy(&listing);
        // cast calldata "buy(uint256)" 5
        assert_eq!(hex::encode(&tx.data), "d96a094a0000000000000000000000000000000000000000000000000000000000000005");
        assert_eq!(tx.value, listing.price);
        assert_eq!(tx.to, Address([0xe7; 20]));
        assert_eq!(tx.label, "Buy twin #5 for 1.1 ETH");
    }

    /// The arguments the market's ABI reads back from a request's calldata.
    fn arguments(tx: &TxRequest, function: &str) -> Vec<Token> {
        let function = twin_market_abi().function(function).unwrap();
        assert_eq!(tx.data[..4], function.short_signature(), "calls {}", function.name);
        function.decode_input(&tx.data[4..]).unwrap()
    }

    fn eth(tenths: u128) -> Wei {
        Wei(tenths * crate::domain::units::WEI_PER_ETHER / 10)
    }

    #[test]
    fn list_names_token_price_expiry_and_fee_bound_and_pays_nothing() {
        let tx = market().list(5, eth(11), 1_766_000_000, 250);
        // cast calldata "list(uint256,uint256,uint64,uint16)" 5 1100000000000000000 1766000000 250
        assert_eq!(
            hex::encode(&tx.data),
            "c961218c0000000000000000000000000000000000000000000000000000000000000005\
             0000000000000000000000000000000000000000000000000f43fc2c04ee0000\
             0000000000000000000000000000000000000000000000000000000069430580\
             00000000000000000000000000000000000000000000000000000000000000fa"
        );
        assert_eq!((tx.to, tx.value), (Address([0xe7; 20]), Wei::ZERO));
        assert_eq!(tx.label, "List twin #5 for 1.1 ETH");
    }

    #[test]
    fn cancelling_all_listings_takes_nothing() {
        let tx = market().cancel_all_listings();
        assert_eq!(arguments(&tx, "cancelAllListings"), []);
        assert_eq!((tx.value, tx.label.as_str()), (Wei::ZERO, "Cancel all your listings"));
    }

    #[test]
    fn cancelling_takes_the_token_id_only() {
        let listing = market().cancel_listing(5);
        // cast sig "cancelListing(uint256)"
        assert_eq!(hex::encode(&listing.data[..4]), "305a67a8");
        assert_eq!(arguments(&listing, "cancelListing"), [Token::Uint(5.into())]);
        assert_eq!(listing.label, "Cancel the listing of twin #5");

        let offer = market().cancel_offer(1, Wei(15 * 10u128.pow(17)));
        // cast sig "cancelOffer(uint256)"
        assert_eq!(hex::encode(&offer.data[..4]), "ef706adf");
        assert_eq!(arguments(&offer, "cancelOffer"), [Token::Uint(1.into())]);
        assert_eq!(
            (offer.value, offer.label.as_str()),
            (Wei::ZERO, "Cancel your offer on twin #1; its 1.5 ETH goes to your proceeds")
        );
    }

    #[test]
    fn an_offer_pays_its_amount_into_escrow() {
        let tx = market().make_offer(1, eth(15), 1_764_000_000);
        // cast calldata "makeOffer(uint256,uint64)" 1 1764000000
        assert_eq!(
            hex::encode(&tx.data),
            "f9252fec0000000000000000000000000000000000000000000000000000000000000001\
             0000000000000000000000000000000000000000000000000000000069248100"
        );
        assert_eq!(tx.value, eth(15));
        assert_eq!(tx.label, "Offer 1.5 ETH for twin #1");
    }

    #[test]
    fn raising_pays_only_what_is_added() {
        let tx = market().raise_offer(1, eth(5), 1_764_600_000);
        assert_eq!(arguments(&tx, "raiseOffer"), [Token::Uint(1.into()), Token::Uint(1_764_600_000u64.into())]);
        assert_eq!(tx.value, eth(5));
        assert_eq!(tx.label, "Add 0.5 ETH to your offer on twin #1");
    }

    #[test]
    fn accepting_pins_the_bidder_and_the_amount_seen() {
        let bidder: Address = "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f".parse().unwrap();
        let offer = Offer { twin_id: 1, bidder, amount: eth(15), expires_at: 1_764_000_000 };
        let tx = market().accept_offer(&offer, 250);
        // cast calldata "acceptOffer(uint256,address,uint256,uint16)" 1 0x2361…1e8f 1500000000000000000 250
        assert_eq!(
            hex::encode(&tx.data),
            "df53e3860000000000000000000000000000000000000000000000000000000000000001\
             00000000000000000000000023618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f\
             00000000000000000000000000000000000000000000000014d1120d7b160000\
             00000000000000000000000000000000000000000000000000000000000000fa"
        );
        assert_eq!(tx.value, Wei::ZERO);
        assert_eq!(tx.label, "Accept 1.5 ETH from 0x2361…1e8f for twin #1");
    }

    #[test]
    fn withdraw_takes_no_arguments_and_no_value() {
        let tx = market().withdraw(Wei(5));
        // cast sig "withdraw()"
        assert_eq!(hex::encode(&tx.data), "3ccfd60b");
        assert_eq!(tx.value, Wei::ZERO);
    }
}
