//! TwinRegistry as the app calls it: its reads, and the transactions the wallet is asked to send.

use ethers_core::abi::Token;
use ethers_core::utils::keccak256;

use super::abi::{decode_output, encode_call, twin_registry_abi, ChainError};
use super::activity::RegistryActivity;
use super::networks::Deployment;
use super::rpc::RpcClient;
use super::to_ethers_address;
use super::tx::TxRequest;
use crate::domain::activity::MaintenanceKind;
use crate::domain::mint_form::ValidMint;
use crate::domain::{Address, TwinStatus, Wei};

/// The registry's `serialHash` of a rig: keccak256 of its canonical serial's bytes, as `mint`
/// computes it (`keccak256(bytes(rig.serial))`). The serial must already be canonical
/// (`mint_form::canonical_serial`): the registry refuses any other form, so one rig has one hash.
pub fn serial_hash(canonical_serial: &str) -> [u8; 32] {
    keccak256(canonical_serial.as_bytes())
}

/// What `commitMint` takes to register `canonical_serial` as `minter` with `salt`, as the
/// registry's `mintCommitment` computes it: keccak256(abi.encode(serialHash, minter, salt)).
/// Worked out here rather than asked of the node, so that the serial never leaves the browser
/// before the reveal.
pub fn mint_commitment(canonical_serial: &str, minter: Address, salt: &[u8; 32]) -> [u8; 32] {
    let encoded = ethers_core::abi::encode(&[
        Token::FixedBytes(serial_hash(canonical_serial).to_vec()),
        Token::Address(to_ethers_address(minter)),
        Token::FixedBytes(salt.to_vec()),
    ]);
    keccak256(encoded)
}

/// A new secret for a mint commitment: 32 bytes from the platform's CSPRNG (`crypto.getRandomValues`
/// in the browser). A guessable salt would let anyone who guesses the serial link the commitment to
/// it before the reveal.
pub fn fresh_salt() -> Result<[u8; 32], String> {
    let mut salt = [0; 32];
    getrandom::getrandom(&mut salt)
        .map_err(|error| format!("This browser gave no randomness for the mint's secret: {error}."))?;
    Ok(salt)
}

/// Reads twins from a TwinRegistry deployment through read-only RPC.
#[derive(Debug, Clone)]
pub struct TwinRegistryReader {
    rpc: RpcClient,
    deployment: Deployment,
    activity: RegistryActivity,
}

impl TwinRegistryReader {
    pub fn new(rpc: RpcClient, deployment: Deployment) -> Self {
        let activity = RegistryActivity::new(rpc.clone(), &deployment);
        Self { rpc, deployment, activity }
    }

    /// The registry's events, and each twin's telemetry and maintenance.
    pub fn activity(&self) -> &RegistryActivity {
        &self.activity
    }

    /// The transactions the app asks the wallet to send to the registry.
    pub fn writer(&self) -> TwinRegistryWriter {
        TwinRegistryWriter::new(self.deployment.twin_registry)
    }

    async fn read(&self, function: &str, args: &[Token]) -> Result<Vec<Token>, ChainError> {
        let output =
            self.rpc.call(self.deployment.twin_registry, &encode_call(twin_registry_abi(), function, args)).await?;
        decode_output(twin_registry_abi(), function, &output)
    }

    /// Whether `operator` (the market) may move every twin of `owner`: what listing and accepting
    /// offers need first.
    pub async fn is_approved_for_all(&self, owner: Address, operator: Address) -> Result<bool, ChainError> {
        let args = [Token::Address(to_ethers_address(owner)), Token::Address(to_ethers_address(operator))];
        let approved = self.read("isApprovedForAll", &args).await?.into_iter().next().and_then(Token::into_bool);
        approved.ok_or_else(|| ChainError::Decode("isApprovedForAll returned no bool".into()))
    }

    /// The twin of the rig with this canonical serial, if it has one.
    pub async fn token_of_serial(&self, canonical_serial: &str) -> Result<Option<u64>, ChainError> {
        let args = [Token::FixedBytes(serial_hash(canonical_serial).to_vec())];
        let id = self.read("tokenOfSerial", &args).await?.into_iter().next().and_then(Token::into_uint);
        let id = id.ok_or_else(|| ChainError::Decode("tokenOfSerial returned no number".into()))?;
        Ok((!id.is_zero()).then(|| id.low_u64()))
    }

    /// The block a mint commitment was made in; `None` while it is not on chain, and again once
    /// its reveal has used it.
    pub async fn commitment_block(&self, commitment: [u8; 32]) -> Result<Option<u64>, ChainError> {
        let block = self.read("commitmentBlock", &[Token::FixedBytes(commitment.to_vec())]).await?;
        let block = block.into_iter().next().and_then(Token::into_uint);
        let block = block.ok_or_else(|| ChainError::Decode("commitmentBlock returned no number".into()))?;
        Ok((!block.is_zero()).then(|| block.low_u64()))
    }
}

/// The transactions the app asks the wallet to send to a TwinRegistry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwinRegistryWriter {
    address: Address,
}

impl TwinRegistryWriter {
    pub fn new(address: Address) -> Self {
        Self { address }
    }

    /// Lets `market` move every twin of the sender: the market never holds twins, it moves them at
    /// the sale, so listing and accepting offers need this first.
    pub fn set_approval_for_all(&self, market: Address, approved: bool) -> TxRequest {
        let args = [Token::Address(to_ethers_address(market)), Token::Bool(approved)];
        TxRequest {
            to: self.address,
            data: encode_call(twin_registry_abi(), "setApprovalForAll", &args),
            value: Wei::ZERO,
            label: if approved { "Let the market sell your twins" } else { "Stop the market selling your twins" }
                .into(),
        }
    }

    fn request(&self, function: &str, args: &[Token], label: String) -> TxRequest {
        TxRequest { to: self.address, data: encode_call(twin_registry_abi(), function, args), value: Wei::ZERO, label }
    }

    /// Step 1 of a mint: commits to the serial without showing it (see [`mint_commitment`]).
    pub fn commit_mint(&self, mint: &ValidMint, commitment: [u8; 32]) -> TxRequest {
        let label = format!("Reserve the twin of a {} (step 1 of 2)", mint.display_name());
        self.request("commitMint", &[Token::FixedBytes(commitment.to_vec())], label)
    }

    /// Step 2, a block after the commitment at the earliest: reveals the rig and mints its twin
    /// to the sender, who becomes its operator, with its earning terms fixed for good:
    /// `mint(RigInput rig, address reporter, uint96 royaltyBps, EarningTerms terms, bytes32 salt)`.
    /// A list price in the form is a third transaction, once the twin has an id.
    pub fn reveal_mint(&self, mint: &ValidMint, salt: &[u8; 32]) -> TxRequest {
        let rig = Token::Tuple(vec![
            Token::String(mint.manufacturer.clone()),
            Token::String(mint.model.clone()),
            Token::String(mint.serial.clone()),
            Token::Uint(mint.hashrate_ghs.into()),
            Token::Uint(mint.power_watts.into()),
            Token::String(mint.location.clone()),
            Token::Uint(mint.commissioned_at.into()),
        ]);
        let terms = Token::Tuple(vec![
            Token::Uint(mint.terms.service_fee_bps.into()),
            Token::Uint(mint.terms.tariff_micro_usd_per_kwh.into()),
            Token::Uint(mint.terms.settlement_period.into()),
            Token::Uint(mint.terms.grace_period.into()),
        ]);
        let args = [
            rig,
            Token::Address(to_ethers_address(mint.reporter)),
            Token::Uint(mint.royalty_bps.into()),
            terms,
            Token::FixedBytes(salt.to_vec()),
        ];
        let label = format!("Mint the twin of a {} (step 2 of 2)", mint.display_name());
        self.request("mint", &args, label)
    }

    /// Records work on the twin's rig; only its operator may.
    pub fn log_maintenance(&self, token_id: u64, kind: MaintenanceKind, note: &str) -> TxRequest {
        let args = [Token::Uint(token_id.into()), Token::Uint((kind as u8).into()), Token::String(note.to_string())];
        self.request("logMaintenance", &args, format!("Log {} on twin #{token_id}", kind.label().to_lowercase()))
    }

    /// Moves the rig to another stage of its life; `Decommissioned` is final.
    pub fn set_status(&self, token_id: u64, next: TwinStatus) -> TxRequest {
        let args = [Token::Uint(token_id.into()), Token::Uint((next as u8).into())];
        let label = match next {
            TwinStatus::Decommissioned => format!("Decommission twin #{token_id} for good"),
            _ => format!("Mark twin #{token_id} {}", next.label().to_lowercase()),
        };
        self.request("setStatus", &args, label)
    }

    /// Hands posting the rig's telemetry to another key.
    pub fn set_reporter(&self, token_id: u64, reporter: Address) -> TxRequest {
        let args = [Token::Uint(token_id.into()), Token::Address(to_ethers_address(reporter))];
        self.request("setReporter", &args, format!("Make {} the reporter of twin #{token_id}", reporter.short()))
    }

    /// Offers the running of the rig to `proposed`, who must accept; `None` withdraws the offer.
    pub fn propose_operator(&self, token_id: u64, proposed: Option<Address>) -> TxRequest {
        let args = [Token::Uint(token_id.into()), Token::Address(to_ethers_address(proposed.unwrap_or(Address::ZERO)))];
        let label = match proposed {
            Some(proposed) => format!("Offer the operator role of twin #{token_id} to {}", proposed.short()),
            None => format!("Withdraw the operator hand-over of twin #{token_id}"),
        };
        self.request("proposeOperator", &args, label)
    }

    /// Takes over the rig the operator offered to the sender.
    pub fn accept_operator(&self, token_id: u64) -> TxRequest {
        self.request(
            "acceptOperator",
            &[Token::Uint(token_id.into())],
            format!("Become the operator of twin #{token_id}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mint_form::EarningTerms;
    use ethers_core::types::Address as EthAddress;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn serial_hashes_are_keccak_of_the_canonical_serial() {
        // cast keccak "BTM-S21-2401-000117", the first serial Seed.s.sol mints
        let expected = "5a697159a38644098b2b0bb5712b88e7cb2c4be1e52939b04a2a0aa717a92b82";
        assert_eq!(hex::encode(serial_hash("BTM-S21-2401-000117")), expected);
    }

    #[test]
    fn salts_are_fresh_each_time() {
        let (first, second) = (fresh_salt().unwrap(), fresh_salt().unwrap());
        assert_ne!(first, second);
        assert_ne!(first, [0; 32]);
    }

    #[test]
    fn the_commitment_is_the_registrys_mint_commitment() {
        // cast call <registry> "mintCommitment(string,address,bytes32)(bytes32)" TEST-0001
        //   0x70997970C51812dc3A010C7d01b50e0d17dc79C8 0x…4d, on the seeded demo chain
        let minter: Address = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8".parse().unwrap();
        let mut salt = [0; 32];
        salt[31] = 77;
        assert_eq!(
            hex::encode(mint_commitment("TEST-0001", minter, &salt)),
            "ae3def77a79845b4bcbfc00d5e3ef9d4854e6d53b6ce56ada059c62ffeb6b315"
        );
        // Another minter or salt commits to something else.
        assert_ne!(mint_commitment("TEST-0001", Address([1; 20]), &salt), mint_commitment("TEST-0001", minter, &salt));
        assert_ne!(mint_commitment("TEST-0001", minter, &[0; 32]), mint_commitment("TEST-0001", minter, &salt));
    }

    fn writer() -> TwinRegistryWriter {
        TwinRegistryWriter::new(Address([0x5f; 20]))
    }

    #[test]
    fn approving_the_market_is_set_approval_for_all() {
        let tx = writer().set_approval_for_all(Address([0x6f; 20]), true);
        // cast calldata "setApprovalForAll(address,bool)" 0x6f6f…6f true
        assert_eq!(hex::encode(&tx.data), format!("a22cb465{:0>64}{:0>64}", "6f".repeat(20), "1"),);
        assert_eq!((tx.to, tx.value), (Address([0x5f; 20]), Wei::ZERO));
        assert_eq!(tx.label, "Let the market sell your twins");
        let revoke = writer().set_approval_for_all(Address([0x6f; 20]), false);
        let args = twin_registry_abi().function("setApprovalForAll").unwrap().decode_input(&revoke.data[4..]).unwrap();
        assert_eq!(args, [Token::Address(EthAddress::repeat_byte(0x6f)), Token::Bool(false)]);
        assert_eq!(revoke.label, "Stop the market selling your twins");
    }

    fn s21() -> ValidMint {
        ValidMint {
            manufacturer: "Bitmain".into(),
            model: "Antminer S21".into(),
            serial: "BTM-S21-2401-000117".into(),
            hashrate_ghs: 200_000,
            power_watts: 3_500,
            location: "Rockdale, Texas, US".into(),
            commissioned_at: 1_706_745_600,
            reporter: Address([0x99; 20]),
            royalty_bps: 500,
            terms: EarningTerms {
                service_fee_bps: 1_000,
                tariff_micro_usd_per_kwh: 65_000,
                settlement_period: 86_400,
                grace_period: 21_600,
            },
            list_price: None,
        }
    }

    /// The arguments the registry's ABI reads back from a request's calldata.
    fn arguments(tx: &TxRequest, function: &str) -> Vec<Token> {
        let function = twin_registry_abi().function(function).unwrap();
        assert_eq!(tx.data[..4], function.short_signature(), "calls {}", function.name);
        function.decode_input(&tx.data[4..]).unwrap()
    }

    #[test]
    fn a_commit_carries_only_the_commitment() {
        let tx = writer().commit_mint(&s21(), [0xab; 32]);
        // cast sig "commitMint(bytes32)"
        assert_eq!(hex::encode(&tx.data[..4]), "db59e4c9");
        assert_eq!(arguments(&tx, "commitMint"), [Token::FixedBytes(vec![0xab; 32])]);
        assert!(!String::from_utf8_lossy(&tx.data).contains("BTM"), "the serial stays hidden");
        assert_eq!((tx.to, tx.value), (Address([0x5f; 20]), Wei::ZERO));
        assert_eq!(tx.label, "Reserve the twin of a Bitmain Antminer S21 (step 1 of 2)");
    }

    #[test]
    fn a_reveal_carries_the_rig_with_its_serial_the_reporter_the_royalty_the_terms_and_the_salt() {
        let mint = s21();
        let tx = writer().reveal_mint(&mint, &[7; 32]);
        assert_eq!((tx.to, tx.value), (Address([0x5f; 20]), Wei::ZERO));
        assert_eq!(tx.label, "Mint the twin of a Bitmain Antminer S21 (step 2 of 2)");
        // cast sig "mint((string,string,string,uint64,uint32,string,uint64),address,uint96,(uint16,uint32,uint32,uint32),bytes32)"
        assert_eq!(hex::encode(&tx.data[..4]), "f7d1e18f");
        let [rig, reporter, royalty, terms, salt] = <[Token; 5]>::try_from(arguments(&tx, "mint")).unwrap();
        assert_eq!(
            rig,
            Token::Tuple(vec![
                Token::String("Bitmain".into()),
                Token::String("Antminer S21".into()),
                Token::String("BTM-S21-2401-000117".into()),
                Token::Uint(200_000.into()),
                Token::Uint(3_500.into()),
                Token::String("Rockdale, Texas, US".into()),
                Token::Uint(1_706_745_600u64.into()),
            ])
        );
        assert_eq!(reporter, Token::Address(EthAddress::repeat_byte(0x99)));
        assert_eq!(royalty, Token::Uint(500.into()));
        assert_eq!(
            terms,
            Token::Tuple(vec![
                Token::Uint(1_000.into()),
                Token::Uint(65_000.into()),
                Token::Uint(86_400.into()),
                Token::Uint(21_600.into()),
            ])
        );
        assert_eq!(salt, Token::FixedBytes(vec![7; 32]));
    }

    #[test]
    fn the_terms_reach_the_calldata_at_their_bounds() {
        let edge = EarningTerms {
            service_fee_bps: 3_000,
            tariff_micro_usd_per_kwh: 1_000_000,
            settlement_period: 31 * 86_400,
            grace_period: 7 * 86_400,
        };
        let tx = writer().reveal_mint(&ValidMint { terms: edge, ..s21() }, &[7; 32]);
        let terms = arguments(&tx, "mint").swap_remove(3).into_tuple().unwrap();
        let terms: Vec<u64> = terms.into_iter().map(|token| token.into_uint().unwrap().as_u64()).collect();
        assert_eq!(terms, [3_000, 1_000_000, 2_678_400, 604_800]);
        // The struct is static: its four words sit in the head, right after the royalty.
        let word = |index: usize| &tx.data[4 + 32 * index..4 + 32 * (index + 1)];
        assert_eq!(word(3)[30..], [0x0b, 0xb8]);
        assert_eq!(word(6)[29..], [0x09, 0x3a, 0x80]);
        let zero = writer().reveal_mint(
            &ValidMint {
                terms: EarningTerms { service_fee_bps: 0, tariff_micro_usd_per_kwh: 0, grace_period: 0, ..edge },
                ..s21()
            },
            &[7; 32],
        );
        let terms = arguments(&zero, "mint").swap_remove(3);
        assert_eq!(
            terms,
            Token::Tuple(vec![
                Token::Uint(0.into()),
                Token::Uint(0.into()),
                Token::Uint(2_678_400.into()),
                Token::Uint(0.into())
            ])
        );
    }

    #[test]
    fn operator_tools_call_the_registry_with_the_twin() {
        let twin = Token::Uint(9.into());
        let note = writer().log_maintenance(9, MaintenanceKind::FirmwareUpdate, "Autotune on");
        assert_eq!(
            arguments(&note, "logMaintenance"),
            [twin.clone(), Token::Uint(3.into()), Token::String("Autotune on".into())]
        );
        assert_eq!(note.label, "Log firmware update on twin #9");

        let status = writer().set_status(9, TwinStatus::Decommissioned);
        assert_eq!(arguments(&status, "setStatus"), [twin.clone(), Token::Uint(2.into())]);
        assert_eq!(status.label, "Decommission twin #9 for good");
        assert_eq!(writer().set_status(9, TwinStatus::Offline).label, "Mark twin #9 offline");

        let reporter = writer().set_reporter(9, Address([0x99; 20]));
        assert_eq!(arguments(&reporter, "setReporter"), [twin.clone(), Token::Address(EthAddress::repeat_byte(0x99))]);

        let proposal = writer().propose_operator(9, Some(Address([0x99; 20])));
        assert_eq!(
            arguments(&proposal, "proposeOperator"),
            [twin.clone(), Token::Address(EthAddress::repeat_byte(0x99))]
        );
        let withdrawal = writer().propose_operator(9, None);
        assert_eq!(arguments(&withdrawal, "proposeOperator"), [twin.clone(), Token::Address(EthAddress::zero())]);
        assert_eq!(withdrawal.label, "Withdraw the operator hand-over of twin #9");

        let accept = writer().accept_operator(9);
        assert_eq!(arguments(&accept, "acceptOperator"), [twin]);
        assert_eq!(accept.label, "Become the operator of twin #9");
        for tx in [note, status, reporter, proposal, withdrawal, accept] {
            assert_eq!((tx.to, tx.value), (Address([0x5f; 20]), Wei::ZERO));
        }
    }
}
