//! ENS names for accounts: the reverse record (ENSIP-3) names an account, and the name is shown
//! only once it is normalised (UTS-46) and its forward address is that account again, because
//! anyone can point their reverse record at any name. ENSIP-12's `avatar` text record comes along.
//!
//! One lookup of many accounts costs four JSON-RPC batches at most, one per step that needs the
//! answer before it: the reverse nodes' resolvers, their names, the names' resolvers, and the
//! names' addresses and avatars.

use ethers_core::abi::Token;
use ethers_core::utils::keccak256;
use idna::uts46::{AsciiDenyList, Hyphens, Uts46};

use super::abi::{decode_output, encode_call, ENS};
use super::rpc::{Call, RpcClient, RpcError};
use super::to_domain_address;
use crate::domain::Address;

/// ENSIP-12's text record key for an avatar.
const AVATAR_KEY: &str = "avatar";

/// A name that resolves back to the account that claims it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnsProfile {
    /// Normalised: the form whose namehash was checked.
    pub name: String,
    /// An image URL the page may load: `data:image/…`, `https:` or `http:`.
    pub avatar: Option<String>,
}

/// EIP-137's namehash: the node a name's records are kept under.
pub fn namehash(name: &str) -> [u8; 32] {
    if name.is_empty() {
        return [0; 32];
    }
    name.rsplit('.').fold([0; 32], |node, label| {
        let mut joined = [0; 64];
        joined[..32].copy_from_slice(&node);
        joined[32..].copy_from_slice(&keccak256(label.as_bytes()));
        keccak256(joined)
    })
}

/// The node of `account`'s reverse record: `<40 lowercase hex digits>.addr.reverse`.
pub fn reverse_node(account: Address) -> [u8; 32] {
    namehash(&format!("{}.addr.reverse", hex::encode(account.0)))
}

/// Why a lookup of names failed: not an answer about any account.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnsError {
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The ENS reader or the Unicode normaliser: chunks of their own, fetched when first needed.
    #[error("the part of HashTwin that reads ENS names could not be downloaded")]
    ChunkNotLoaded,
}

impl From<leptos::wasm_split::SplitLoaderError> for EnsError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        EnsError::ChunkNotLoaded
    }
}

/// UTS-46 processing as ENSIP-1 asks for it (non-transitional, STD3 ASCII rules). `None` for a
/// name that has a disallowed character or an empty label: such a name cannot be checked, since
/// no namehash is the right one for it.
///
/// Names in plain ASCII, nearly all of them, are decided here; the rest need UTS-46's Unicode
/// tables, which weigh more than the rest of ENS together and so come in a chunk of their own
/// (issue 15), fetched the first time such a name is met.
pub async fn normalise(name: &str) -> Result<Option<String>, EnsError> {
    match ascii_verdict(name) {
        AsciiVerdict::Normalised(name) => Ok(Some(name)),
        AsciiVerdict::Refused => Ok(None),
        AsciiVerdict::NeedsUts46 => normalise_with_tables(name.to_string()).await,
    }
}

/// What UTS-46 makes of a name, where ASCII rules alone can tell.
#[derive(Debug, PartialEq, Eq)]
enum AsciiVerdict {
    Normalised(String),
    Refused,
    /// Not ASCII, or a label in Punycode (`xn--`), whose decoded form must be checked too.
    NeedsUts46,
}

/// For ASCII, UTS-46 with STD3 rules and hyphens allowed maps upper case to lower and refuses
/// anything but letters, digits and hyphens; the empty label is refused as `normalise` refuses it.
fn ascii_verdict(name: &str) -> AsciiVerdict {
    let is_punycode = |label: &str| label.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("xn--"));
    if !name.is_ascii() || name.split('.').any(is_punycode) {
        return AsciiVerdict::NeedsUts46;
    }
    let lower = name.to_ascii_lowercase();
    let allowed = |byte: u8| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-';
    if lower.split('.').all(|label| !label.is_empty() && label.bytes().all(allowed)) {
        AsciiVerdict::Normalised(lower)
    } else {
        AsciiVerdict::Refused
    }
}

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(ens_normaliser, wasm_split_path = ::leptos::wasm_split, fallible)]
fn normalise_with_tables(name: String) -> Result<Option<String>, EnsError> {
    Ok(uts46(&name))
}

#[cfg(not(feature = "split"))]
async fn normalise_with_tables(name: String) -> Result<Option<String>, EnsError> {
    Ok(uts46(&name))
}

fn uts46(name: &str) -> Option<String> {
    let (normalised, outcome) = Uts46::new().to_unicode(name.as_bytes(), AsciiDenyList::STD3, Hyphens::Allow);
    let has_empty_label = normalised.is_empty() || normalised.split('.').any(str::is_empty);
    (outcome.is_ok() && !has_empty_label).then(|| normalised.into_owned())
}

/// An avatar record the page can show as it is. ENSIP-12 also allows `ipfs://` and NFT
/// references, which need a gateway or another lookup: those are left out rather than fetched
/// from a host the user did not choose.
pub fn displayable_avatar(record: &str) -> Option<String> {
    let record = record.trim();
    let lower = record.to_ascii_lowercase();
    let shown = ["https://", "http://", "data:image/"].iter().any(|scheme| lower.starts_with(scheme));
    shown.then(|| record.to_string())
}

/// What a reverse record claims, once the name is normalised: checked against `forward`, the
/// address the name resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Claim {
    account: Address,
    name: String,
    node: [u8; 32],
}

impl Claim {
    /// `name` normalised, as the node is its namehash.
    fn new(account: Address, name: String) -> Self {
        Self { account, node: namehash(&name), name }
    }

    fn verify(self, forward: Option<Address>, avatar: Option<&str>) -> Option<EnsProfile> {
        (forward == Some(self.account))
            .then(|| EnsProfile { name: self.name, avatar: avatar.and_then(displayable_avatar) })
    }
}

/// One read of a batch: the contract, the function, its arguments.
struct Ask {
    to: Address,
    function: &'static str,
    args: Vec<Token>,
}

impl Ask {
    fn registry_resolver(registry: Address, node: [u8; 32]) -> Self {
        Self { to: registry, function: "resolver", args: vec![Token::FixedBytes(node.to_vec())] }
    }

    fn record(resolver: Address, function: &'static str, node: [u8; 32]) -> Self {
        Self { to: resolver, function, args: vec![Token::FixedBytes(node.to_vec())] }
    }

    fn avatar(resolver: Address, node: [u8; 32]) -> Self {
        let args = vec![Token::FixedBytes(node.to_vec()), Token::String(AVATAR_KEY.into())];
        Self { to: resolver, function: "text", args }
    }
}

/// Reads ENS through a network's registry.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsReader {
    rpc: RpcClient,
    registry: Address,
}

impl EnsReader {
    pub fn new(rpc: RpcClient, registry: Address) -> Self {
        Self { rpc, registry }
    }

    /// The verified name of each of `accounts`, in their order; `None` where an account has no
    /// name, or its name fails normalisation or does not resolve back to it. An error is a
    /// failure to ask, not an answer about any account.
    ///
    /// No page needs a name before its first paint, so the reading comes in a chunk of its own
    /// (issue 15), fetched with the first lookup of the visit.
    pub async fn profiles(&self, accounts: &[Address]) -> Result<Vec<Option<EnsProfile>>, EnsError> {
        read_profiles(self.clone(), accounts.to_vec()).await?.await
    }

    async fn read(&self, accounts: &[Address]) -> Result<Vec<Option<EnsProfile>>, EnsError> {
        let reverse: Vec<_> = accounts.iter().map(|&account| reverse_node(account)).collect();
        let resolvers = self.resolvers(&reverse).await?;
        let names = self
            .ask_all(
                resolvers
                    .iter()
                    .zip(&reverse)
                    .map(|(resolver, &node)| resolver.map(|resolver| Ask::record(resolver, "name", node))),
            )
            .await?;
        let mut claims: Vec<Option<Claim>> = Vec::with_capacity(accounts.len());
        for (&account, name) in accounts.iter().zip(names) {
            let normalised = match name.and_then(Token::into_string) {
                Some(name) => normalise(&name).await?,
                None => None,
            };
            claims.push(normalised.map(|name| Claim::new(account, name)));
        }
        let forward_nodes: Vec<_> = claims.iter().map(|claim| claim.as_ref().map(|claim| claim.node)).collect();
        let forward_resolvers = self.resolvers_of(&forward_nodes).await?;
        let records = self
            .ask_all(forward_resolvers.iter().zip(&forward_nodes).flat_map(|(resolver, node)| {
                let pair = resolver.zip(*node);
                [
                    pair.map(|(resolver, node)| Ask::record(resolver, "addr", node)),
                    pair.map(|(resolver, node)| Ask::avatar(resolver, node)),
                ]
            }))
            .await?;
        let mut records = records.into_iter();
        Ok(claims
            .into_iter()
            .map(|claim| {
                let (forward, avatar) = (records.next().flatten(), records.next().flatten());
                let forward = forward.and_then(Token::into_address).map(to_domain_address);
                claim?.verify(forward, avatar.and_then(Token::into_string).as_deref())
            })
            .collect())
    }

    async fn resolvers(&self, nodes: &[[u8; 32]]) -> Result<Vec<Option<Address>>, RpcError> {
        let nodes: Vec<_> = nodes.iter().copied().map(Some).collect();
        self.resolvers_of(&nodes).await
    }

    /// The registry's resolver of each node there is; none where the node has no resolver set.
    async fn resolvers_of(&self, nodes: &[Option<[u8; 32]>]) -> Result<Vec<Option<Address>>, RpcError> {
        let answers =
            self.ask_all(nodes.iter().map(|node| node.map(|node| Ask::registry_resolver(self.registry, node)))).await?;
        Ok(answers
            .into_iter()
            .map(|answer| answer.and_then(Token::into_address).map(to_domain_address).filter(|a| *a != Address::ZERO))
            .collect())
    }

    /// Asks every `Some` of `asks` in one batch; each answer is the function's first output, or
    /// `None` where there was nothing to ask, the call reverted or its output does not decode:
    /// all three mean the record is not there, as a resolver that lacks a record type reverts or
    /// answers nothing.
    async fn ask_all(&self, asks: impl IntoIterator<Item = Option<Ask>>) -> Result<Vec<Option<Token>>, RpcError> {
        let asks: Vec<Option<Ask>> = asks.into_iter().collect();
        let calls: Vec<Call> = asks.iter().flatten().map(|ask| Call::eth_call(ask.to, &encode_ask(ask))).collect();
        let mut answers = self.rpc.batch(&calls).await?.into_iter();
        asks.iter()
            .map(|ask| match ask {
                None => Ok(None),
                Some(ask) => first_output(ask.function, answers.next()),
            })
            .collect()
    }
}

type ProfilesRead = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<Option<EnsProfile>>, EnsError>>>>;

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(ens_reader, wasm_split_path = ::leptos::wasm_split, fallible)]
fn read_profiles(reader: EnsReader, accounts: Vec<Address>) -> Result<ProfilesRead, EnsError> {
    Ok(Box::pin(async move { reader.read(&accounts).await }))
}

#[cfg(not(feature = "split"))]
async fn read_profiles(reader: EnsReader, accounts: Vec<Address>) -> Result<ProfilesRead, EnsError> {
    Ok(Box::pin(async move { reader.read(&accounts).await }))
}

fn encode_ask(ask: &Ask) -> Vec<u8> {
    encode_call(&ENS, ask.function, &ask.args)
}

/// The first output of `function` from its batch answer; a revert is no record, any other fault
/// of the answer is an error.
fn first_output(
    function: &str,
    answer: Option<Result<serde_json::Value, RpcError>>,
) -> Result<Option<Token>, RpcError> {
    let answer = answer.ok_or_else(|| RpcError::Malformed(format!("no answer to ENS {function}")))?;
    let output = match Call::output(answer) {
        Ok(output) => output,
        Err(RpcError::Node { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    Ok(decode_output(&ENS, function, &output).ok().and_then(|tokens| tokens.into_iter().next()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn hex32(text: &str) -> [u8; 32] {
        hex::decode(text.trim_start_matches("0x")).unwrap().try_into().unwrap()
    }

    fn account(text: &str) -> Address {
        text.parse().unwrap()
    }

    /// An `addr(bytes32)` answer.
    fn encode_address(address: Address) -> Vec<u8> {
        ethers_core::abi::encode(&[Token::Address(crate::chain::to_ethers_address(address))])
    }

    #[test]
    fn namehash_matches_eip_137() {
        assert_eq!(namehash(""), [0; 32]);
        assert_eq!(namehash("eth"), hex32("0x93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae"));
        assert_eq!(namehash("foo.eth"), hex32("0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f"));
        assert_eq!(
            namehash("addr.reverse"),
            hex32("0x91d1777781884d03a6757a803996e38de2a42967fb37eeaca72729271025a9e2")
        );
    }

    #[test]
    fn the_reverse_node_names_the_account_in_lowercase_hex() {
        let alice = account("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
        assert_eq!(reverse_node(alice), namehash("70997970c51812dc3a010c7d01b50e0d17dc79c8.addr.reverse"));
    }

    /// The chunk-free build's `normalise` never waits on anything, so polling it once finishes it.
    fn normalise_now(name: &str) -> Option<String> {
        futures::FutureExt::now_or_never(normalise(name)).expect("no chunk to wait for").unwrap()
    }

    #[test]
    fn normalisation_folds_case_and_width_and_keeps_what_is_already_normal() {
        assert_eq!(normalise_now("alice-mining.eth").as_deref(), Some("alice-mining.eth"));
        assert_eq!(normalise_now("Alice-Mining.ETH").as_deref(), Some("alice-mining.eth"));
        assert_eq!(normalise_now("ＡＬＩＣＥ.eth").as_deref(), Some("alice.eth"));
        assert_eq!(normalise_now("bücher.eth").as_deref(), Some("bücher.eth"));
        assert_eq!(normalise_now("BÜCHER.eth").as_deref(), Some("bücher.eth"));
        assert_eq!(normalise_now("xn--bcher-kva.eth").as_deref(), Some("bücher.eth"));
    }

    #[test]
    fn names_that_do_not_normalise_are_refused() {
        for name in [
            "",
            "alice..eth",
            ".eth",
            "alice.eth.",
            "alice mining.eth",
            "alice/eth",
            "al\u{0}ice.eth",
            "a\u{FFFD}.eth",
            "xn--.eth",
            "xn--a-ecp.eth",
        ] {
            assert_eq!(normalise_now(name), None, "{name:?}");
        }
    }

    /// Every ASCII name of up to four characters from an alphabet that reaches each of the fast
    /// path's branches: where it decides, it decides as UTS-46 does.
    #[test]
    fn the_ascii_fast_path_agrees_with_uts46() {
        const ALPHABET: &[char] = &['a', 'Z', '0', '-', '.', '_', ' ', 'x', 'n'];
        let mut names = vec![String::new()];
        let mut decided = 0;
        for _ in 0..4 {
            names = names.iter().flat_map(|name| ALPHABET.iter().map(move |c| format!("{name}{c}"))).collect();
            for name in &names {
                let expected = uts46(name);
                match ascii_verdict(name) {
                    AsciiVerdict::Normalised(normalised) => assert_eq!(Some(normalised), expected, "{name:?}"),
                    AsciiVerdict::Refused => assert_eq!(None, expected, "{name:?}"),
                    AsciiVerdict::NeedsUts46 => continue,
                }
                decided += 1;
            }
        }
        assert!(decided > 7000, "only {decided} names were decided by the fast path");
        assert_eq!(ascii_verdict("xn--bcher-kva.eth"), AsciiVerdict::NeedsUts46);
        assert_eq!(ascii_verdict("XN--bcher-kva.eth"), AsciiVerdict::NeedsUts46);
        assert_eq!(ascii_verdict("bücher.eth"), AsciiVerdict::NeedsUts46);
    }

    #[test]
    fn only_avatars_the_page_can_load_as_they_are_are_shown() {
        let svg = "data:image/svg+xml;base64,PHN2Zy8+";
        assert_eq!(displayable_avatar(svg).as_deref(), Some(svg));
        assert_eq!(displayable_avatar(" https://example.org/a.png ").as_deref(), Some("https://example.org/a.png"));
        assert_eq!(displayable_avatar("HTTP://example.org/a.png").as_deref(), Some("HTTP://example.org/a.png"));
        for record in [
            "ipfs://QmHash",
            "eip155:1/erc721:0xb47e3cd837ddf8e4c57f05d70ab865de6e193bbb/0",
            "javascript:alert(1)",
            "data:text/html,<b>",
            "",
        ] {
            assert_eq!(displayable_avatar(record), None, "{record:?}");
        }
    }

    #[test]
    fn a_claim_is_shown_only_when_the_name_resolves_back_to_the_account() {
        let alice = account("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
        let mallory = account("0xa0ee7a142d267c1f36714e4a8f75612f20a79720");
        let avatar = Some("data:image/svg+xml,<svg/>");

        let claim = Claim::new(alice, normalise_now("Alice-Mining.eth").unwrap());
        assert_eq!(claim.node, namehash("alice-mining.eth"));
        let profile = claim.clone().verify(Some(alice), avatar).unwrap();
        assert_eq!(profile, EnsProfile { name: "alice-mining.eth".into(), avatar: avatar.map(String::from) });

        // Mallory's reverse record names Alice's name: its forward address is Alice's, not hers.
        let stolen = Claim::new(mallory, "alice-mining.eth".into());
        assert_eq!(stolen.verify(Some(alice), avatar), None);
        assert_eq!(claim.clone().verify(None, avatar), None);
        assert_eq!(claim.verify(Some(alice), Some("ipfs://QmHash")).unwrap().avatar, None);
    }

    #[test]
    fn answers_decode_and_a_revert_is_no_record() {
        let alice = account("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
        let hex_of = |bytes: Vec<u8>| json!(format!("0x{}", hex::encode(bytes)));
        let address = first_output("addr", Some(Ok(hex_of(encode_address(alice))))).unwrap();
        assert_eq!(address.and_then(Token::into_address).map(to_domain_address), Some(alice));
        let name = ethers_core::abi::encode(&[Token::String("alice-mining.eth".into())]);
        let name = first_output("name", Some(Ok(hex_of(name)))).unwrap();
        assert_eq!(name.and_then(Token::into_string).as_deref(), Some("alice-mining.eth"));

        // A resolver without the record type, or no contract at all, answers nothing.
        assert_eq!(first_output("name", Some(Ok(json!("0x")))), Ok(None));
        let reverted = RpcError::Node { code: 3, message: "execution reverted".into(), data: None };
        assert_eq!(first_output("text", Some(Err(reverted))), Ok(None));
        // A fault of the way there is not an answer about the account.
        assert!(first_output("addr", Some(Err(RpcError::Unreachable("x".into())))).is_err());
        assert!(first_output("addr", None).is_err());
    }

    #[test]
    fn the_calls_are_the_ens_selectors() {
        let node = namehash("alice-mining.eth");
        let selector = |ask: Ask| hex::encode(&encode_ask(&ask)[..4]);
        assert_eq!(selector(Ask::registry_resolver(Address::ZERO, node)), "0178b8bf");
        assert_eq!(selector(Ask::record(Address::ZERO, "name", node)), "691f3431");
        assert_eq!(selector(Ask::record(Address::ZERO, "addr", node)), "3b3b57de");
        assert_eq!(selector(Ask::avatar(Address::ZERO, node)), "59d1d43c");
    }
}
