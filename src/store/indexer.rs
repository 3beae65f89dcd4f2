//! The indexer (Ponder, `indexer/`), for deployments that outgrow reading the chain in the
//! browser: the gallery's search, filters, sort and pages run on it over GraphQL
//! (`indexer/README.md` has the documents this follows). The chain stays the authority: a twin
//! page checks what it shows against `eth_call`, and the app reads the chain when the indexer is
//! absent or down.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::fractions::ShareUnits;
use crate::domain::gallery::{
    fold_case, EntryEarnings, EntryFraction, Facets, GalleryEntry, GalleryQuery, GalleryView, SortKey, PAGE_SIZE,
    PAID_IN_FULL_BPS,
};
use crate::domain::{Address, RigSpec, Twin, TwinStatus, Wei};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexerError {
    #[error("the indexer at {0} cannot be reached")]
    Unreachable(String),
    #[error("the indexer answered HTTP {0}")]
    Http(u16),
    #[error("the indexer refused the query: {0}")]
    Query(String),
    #[error("the indexer's answer could not be read: {0}")]
    Malformed(String),
    #[error("the indexer reads another deployment ({0}) than this app")]
    OtherDeployment(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexerClient {
    url: String,
}

/// The block the indexer has read up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indexed {
    pub block: u64,
    pub time: u64,
}

/// What a gallery card shows of a twin, for both gallery documents: the span of the twin in force at
/// now (what it asks then, and its fraction) and the twin.
macro_rules! entry_fragment {
    () => {
        "fragment Entry on gallerySpan {
  listingPrice shareSupply forSaleBps cheapestPerShare
  twin {
    id manufacturer model location serialHash hashrateGhs powerWatts commissionedAt royaltyBps status
    operator reporter donatedWork yieldBps lateAt lateCount30d paidRatioBps30d
  }
}
"
    };
}

/// The gallery in one request: a page of twins; for a price sort, the twins not for sale that follow
/// those for sale (newest first); and the filters' counts. One round trip per change of query. The
/// gallery reads `gallerySpans`: what a twin asks depends on the time (a listing or a lot expires),
/// and the span of each twin in force at now says it.
const GALLERY: &str = concat!("query Gallery(
  $where: gallerySpanFilter, $orderBy: String!, $orderDirection: String!, $limit: Int!, $offset: Int!,
  $rest: gallerySpanFilter, $restLimit: Int!, $restOffset: Int!, $withRest: Boolean!, $now: BigInt!
) {
  page: gallerySpans(where: $where, orderBy: $orderBy, orderDirection: $orderDirection, limit: $limit, offset: $offset) {
    totalCount
    items { ...Entry }
  }
  rest: gallerySpans(where: $rest, orderBy: \"twinId\", orderDirection: \"desc\", limit: $restLimit, offset: $restOffset) @include(if: $withRest) {
    totalCount
    items { ...Entry }
  }
  manufacturers: facets(where: { kind: Manufacturer }, limit: 1000) { items { key name count } }
  models: facets(where: { kind: Model }, limit: 1000) { items { key name count } }
  active: twins(where: { status: Active }, limit: 1) { totalCount }
  offline: twins(where: { status: Offline }, limit: 1) { totalCount }
  decommissioned: twins(where: { status: Decommissioned }, limit: 1) { totalCount }
  listed: gallerySpans(where: { validFrom_lte: $now, validUntil_gt: $now, forSale: true }, limit: 1) { totalCount }
  split: twins(where: { split: true }, limit: 1) { totalCount }
  all: twins(limit: 1) { totalCount }
}
", entry_fragment!());

/// The twins not for sale after a price sort's twins for sale, when a page needs more of them than
/// the first request could know to ask for.
const REST: &str = concat!(
    "query GalleryRest($where: gallerySpanFilter, $limit: Int!, $offset: Int!) {
  page: gallerySpans(where: $where, orderBy: \"twinId\", orderDirection: \"desc\", limit: $limit, offset: $offset) {
    totalCount
    items { ...Entry }
  }
}
",
    entry_fragment!()
);

/// A page of twins and how many match.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TwinPage {
    total_count: usize,
    items: Vec<IndexedEntry>,
}

impl IndexerClient {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into().trim_end_matches('/').to_string() }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    async fn get(&self, path: &str) -> Result<Value, IndexerError> {
        let text = self.get_text(path).await?;
        serde_json::from_str(&text).map_err(|error| IndexerError::Malformed(error.to_string()))
    }

    async fn get_text(&self, path: &str) -> Result<String, IndexerError> {
        let response = gloo_net::http::Request::get(&format!("{}{path}", self.url))
            .send()
            .await
            .map_err(|_| IndexerError::Unreachable(self.url.clone()))?;
        if !response.ok() {
            return Err(IndexerError::Http(response.status()));
        }
        response.text().await.map_err(|error| IndexerError::Malformed(error.to_string()))
    }

    async fn query<T: DeserializeOwned>(&self, document: &str, variables: Value) -> Result<T, IndexerError> {
        #[derive(Deserialize)]
        struct Answer<T> {
            data: Option<T>,
            #[serde(default)]
            errors: Vec<GraphqlError>,
        }
        #[derive(Deserialize)]
        struct GraphqlError {
            message: String,
        }
        // A form, not JSON: a form is a request the browser sends without asking the indexer's
        // leave first (no CORS preflight), so each query costs one round trip, not two.
        let variables = variables.to_string();
        let body = format!(
            "query={}&variables={}",
            js_sys::encode_uri_component(document),
            js_sys::encode_uri_component(&variables)
        );
        let response = gloo_net::http::Request::post(&format!("{}/graphql", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .map_err(|error| IndexerError::Malformed(error.to_string()))?
            .send()
            .await
            .map_err(|_| IndexerError::Unreachable(self.url.clone()))?;
        if !response.ok() {
            return Err(IndexerError::Http(response.status()));
        }
        let text = response.text().await.map_err(|error| IndexerError::Malformed(error.to_string()))?;
        let answer: Answer<T> =
            serde_json::from_str(&text).map_err(|error| IndexerError::Malformed(error.to_string()))?;
        if let Some(error) = answer.errors.into_iter().next() {
            return Err(IndexerError::Query(error.message));
        }
        answer.data.ok_or_else(|| IndexerError::Malformed("an answer without data".into()))
    }

    /// The block indexed so far.
    pub async fn indexed(&self) -> Result<Indexed, IndexerError> {
        let status = self.get("/status").await?;
        indexed_from_status(&status)
    }

    /// One page of the collection's logs in blocks `from..=to` (`to` at most the indexed block), about
    /// `limit` of them cut at a block boundary, as
    /// `CollectionLogs::indexed_records` reads it: where a first visit reads the history from.
    /// The answer is left as text: it is parsed once, straight into the logs it holds.
    pub async fn history(&self, from: u64, to: u64, limit: u32) -> Result<String, IndexerError> {
        self.get_text(&format!("/history?from={from}&to={to}&limit={limit}")).await
    }

    /// Whether the indexer reads the deployment this app was configured with: anything else it
    /// answers would be about other contracts.
    pub async fn check_deployment(&self, chain_id: u64, registry: Address) -> Result<(), IndexerError> {
        let deployment = self.get("/deployment").await?;
        let same_chain = deployment["chainId"].as_u64() == Some(chain_id);
        let indexed_registry = deployment["contracts"]["twinRegistry"].as_str().unwrap_or_default();
        let same_registry = indexed_registry.eq_ignore_ascii_case(&registry.to_string());
        if same_chain && same_registry {
            Ok(())
        } else {
            Err(IndexerError::OtherDeployment(format!("chain {}, registry {indexed_registry}", deployment["chainId"])))
        }
    }

    /// The gallery for `query` at chain time `now`: its page, how many match, and the facets.
    pub async fn gallery(&self, query: &GalleryQuery, now: u64) -> Result<GalleryView, IndexerError> {
        #[derive(Deserialize)]
        struct Names {
            items: Vec<Name>,
        }
        #[derive(Deserialize)]
        struct Name {
            key: String,
            name: String,
            count: usize,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Count {
            total_count: usize,
        }
        #[derive(Deserialize)]
        struct Answer {
            page: TwinPage,
            rest: Option<TwinPage>,
            manufacturers: Names,
            models: Names,
            active: Count,
            offline: Count,
            decommissioned: Count,
            listed: Count,
            split: Count,
            all: Count,
        }
        #[derive(Deserialize)]
        struct RestAnswer {
            page: TwinPage,
        }

        let filter = gallery_filter(query, now);
        let price_sort = matches!(query.sort, SortKey::PriceLowHigh | SortKey::PriceHighLow);
        let offset = query.page as usize * PAGE_SIZE;
        // Twins not for sale come after those for sale, newest first; a listing or a lot that expired
        // is not for sale, which the span in force at `now` tells. Where they start is known before
        // the answer only on the first page (at the start); a later page may need a second request.
        let (page_filter, rest_filter) = if price_sort {
            (and(&filter, for_sale(true)), Some(and(&filter, for_sale(false))))
        } else {
            (filter, None)
        };
        let (order_by, direction) = sort_columns(query.sort);
        let variables = json!({
            "where": page_filter, "orderBy": order_by, "orderDirection": direction, "limit": PAGE_SIZE, "offset": offset,
            "rest": rest_filter, "restLimit": PAGE_SIZE, "restOffset": 0,
            "withRest": rest_filter.is_some() && offset == 0, "now": now.to_string(),
        });
        let answer: Answer = self.query(GALLERY, variables).await?;

        let (mut entries, mut matching) = (answer.page.items, answer.page.total_count);
        if let Some(rest_filter) = rest_filter {
            let room = PAGE_SIZE - entries.len();
            let rest = match answer.rest {
                Some(rest) => rest,
                None => {
                    let variables = json!({
                        "where": rest_filter, "limit": room.max(1), "offset": offset.saturating_sub(matching),
                    });
                    self.query::<RestAnswer>(REST, variables).await?.page
                }
            };
            matching += rest.total_count;
            entries.extend(rest.items.into_iter().take(room));
        }
        // By key: the database's collation need not be the byte order the chain reader sorts by.
        let sorted = |mut names: Vec<Name>| {
            names.sort_by(|a, b| a.key.cmp(&b.key));
            names.into_iter().map(|name| (name.name, name.count)).collect()
        };
        Ok(GalleryView {
            entries: entries.into_iter().map(|entry| entry.into_entry(now)).collect::<Result<_, _>>()?,
            matching,
            total: answer.all.total_count,
            facets: Facets {
                manufacturers: sorted(answer.manufacturers.items),
                models: sorted(answer.models.items),
                statuses: vec![
                    (TwinStatus::Active, answer.active.total_count),
                    (TwinStatus::Offline, answer.offline.total_count),
                    (TwinStatus::Decommissioned, answer.decommissioned.total_count),
                ],
                listed: answer.listed.total_count,
                split: answer.split.total_count,
            },
        })
    }
}

fn indexed_from_status(status: &Value) -> Result<Indexed, IndexerError> {
    // `{ "<chain name>": { "id": <chain id>, "block": { "number", "timestamp" } } }`: one chain.
    let block = status
        .as_object()
        .and_then(|chains| chains.values().next())
        .map(|chain| &chain["block"])
        .ok_or_else(|| IndexerError::Malformed("its status names no chain".into()))?;
    match (block["number"].as_u64(), block["timestamp"].as_u64()) {
        (Some(block), Some(time)) => Ok(Indexed { block, time }),
        _ => Err(IndexerError::Malformed("its status has no indexed block yet".into())),
    }
}

/// A twin's gallery span as the gallery query returns it: what it asks at now, and the twin.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexedEntry {
    /// The live listing's price, while it is unexpired.
    listing_price: Option<Decimal>,
    /// While the twin is split.
    share_supply: Option<Decimal>,
    for_sale_bps: Option<u32>,
    cheapest_per_share: Option<Decimal>,
    twin: IndexedTwin,
}

/// A twin as the gallery query returns it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexedTwin {
    id: Decimal,
    manufacturer: String,
    model: String,
    location: String,
    serial_hash: String,
    hashrate_ghs: Decimal,
    power_watts: u32,
    commissioned_at: Decimal,
    royalty_bps: u16,
    status: String,
    operator: Address,
    reporter: Address,
    donated_work: Decimal,
    yield_bps: Option<Decimal>,
    late_at: Decimal,
    #[serde(rename = "lateCount30d")]
    late_count_30d: u32,
    #[serde(rename = "paidRatioBps30d")]
    paid_ratio_bps_30d: Option<Decimal>,
}

/// GraphQL's `BigInt`: decimal digits in a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal(u128);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map(Decimal).map_err(|_| serde::de::Error::custom(format!("{text} is not a whole number")))
    }
}

impl IndexedEntry {
    /// The gallery's entry, judged at chain time `now` (the span is the one in force then).
    fn into_entry(self, now: u64) -> Result<GalleryEntry, IndexerError> {
        let id = self.twin.id.0;
        let malformed = |what: &str| IndexerError::Malformed(format!("twin #{id} has {what}"));
        let fraction = match (self.share_supply, self.for_sale_bps) {
            (None, _) => None,
            (Some(supply), Some(for_sale_bps)) if for_sale_bps <= 10_000 => Some(EntryFraction {
                supply: ShareUnits(supply.0),
                for_sale_bps,
                cheapest_per_share: self.cheapest_per_share.map(|price| Wei(price.0)),
            }),
            (Some(_), _) => return Err(malformed("shares without a share for sale in basis points")),
        };
        let mut entry = self.twin.into_entry(now)?;
        entry.listing_price = self.listing_price.map(|price| Wei(price.0));
        entry.fraction = fraction;
        Ok(entry)
    }
}

impl IndexedTwin {
    /// The gallery's entry, judged at chain time `now`, without what it asks (its span's).
    fn into_entry(self, now: u64) -> Result<GalleryEntry, IndexerError> {
        let id = self.id.0;
        let malformed = |what: &str| IndexerError::Malformed(format!("twin #{id} has {what}"));
        let mut serial_hash = [0u8; 32];
        hex::decode_to_slice(self.serial_hash.trim_start_matches("0x"), &mut serial_hash)
            .map_err(|_| malformed("a serial hash that is not 32 bytes of hex"))?;
        let status = TwinStatus::ALL
            .into_iter()
            .find(|status| status.label() == self.status)
            .ok_or_else(|| malformed(&format!("an unknown status {:?}", self.status)))?;
        Ok(GalleryEntry {
            twin: Twin {
                id: self.id.0 as u64,
                operator: self.operator,
                reporter: self.reporter,
                royalty_bps: self.royalty_bps,
                spec: RigSpec {
                    manufacturer: self.manufacturer,
                    model: self.model,
                    serial_hash,
                    hashrate_ghs: self.hashrate_ghs.0 as u64,
                    power_watts: self.power_watts,
                    location: self.location,
                    commissioned_at: self.commissioned_at.0 as u64,
                },
            },
            status,
            listing_price: None,
            donated_work: self.donated_work.0,
            // Work over the last day is not in the gallery query: the twin page shows it.
            donated_hashrate: 0.0,
            earnings: EntryEarnings {
                yield_bps: self.yield_bps.map(|bps| u64::try_from(bps.0).unwrap_or(u64::MAX)),
                late_at: Some(self.late_at.0 as u64),
                // As the contract judges a settlement late: after `lateAt`.
                late: self.late_at.0 < u128::from(now),
                late_30d: self.late_count_30d,
                paid_bps_30d: self.paid_ratio_bps_30d.map(|bps| u64::try_from(bps.0).unwrap_or(u64::MAX)),
            },
            fraction: None,
        })
    }
}

fn sort_columns(sort: SortKey) -> (&'static str, &'static str) {
    match sort {
        SortKey::Newest => ("twinId", "desc"),
        SortKey::HashrateHigh => ("sortHashrate", "desc"),
        SortKey::EfficiencyBest => ("sortEfficiency", "asc"),
        SortKey::DonatedWork => ("sortDonated", "desc"),
        SortKey::PriceLowHigh => ("sortPriceAsc", "asc"),
        SortKey::PriceHighLow => ("sortPriceDesc", "desc"),
        // Twins with a yield first, highest first; then those without, newest first.
        SortKey::YieldHigh => ("sortYield", "desc"),
    }
}

/// For sale now (`GalleryEntry::asking_price` is some), or not: listed whole, or split with a live
/// lot, each unexpired.
fn for_sale(yes: bool) -> Value {
    json!({ "forSale": yes })
}

fn and(filter: &Value, more: Value) -> Value {
    let mut parts = filter["AND"].as_array().cloned().unwrap_or_default();
    parts.push(more);
    json!({ "AND": parts })
}

/// SQL `LIKE` reads `%`, `_` and `\` as patterns: a search word means them literally.
fn like_literal(word: &str) -> String {
    word.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            _ => vec![c],
        })
        .collect()
}

/// The `where` of a gallery query, as `GalleryQuery::apply` filters the chain's catalog: over each
/// twin's span in force at `now`, which says what it asks then.
fn gallery_filter(query: &GalleryQuery, now: u64) -> Value {
    let mut parts = vec![json!({ "validFrom_lte": now.to_string() }), json!({ "validUntil_gt": now.to_string() })];
    for word in query.search.split_whitespace() {
        match word.strip_prefix('#').map(str::parse::<u64>) {
            Some(Ok(id)) => parts.push(json!({ "twinId": id.to_string() })),
            _ => {
                let text = json!({ "search_contains": like_literal(&fold_case(word)) });
                parts.push(match word.parse::<u64>() {
                    Ok(id) => json!({ "OR": [text, { "twinId": id.to_string() }] }),
                    Err(_) => text,
                });
            }
        }
    }
    let folded = |names: &[String]| names.iter().map(|name| fold_case(name)).collect::<Vec<_>>();
    if !query.manufacturers.is_empty() {
        parts.push(json!({ "manufacturerKey_in": folded(&query.manufacturers) }));
    }
    if !query.models.is_empty() {
        parts.push(json!({ "modelKey_in": folded(&query.models) }));
    }
    if !query.statuses.is_empty() {
        let statuses: Vec<&str> = query.statuses.iter().map(|status| status.label()).collect();
        parts.push(json!({ "status_in": statuses }));
    }
    if query.split_only {
        parts.push(json!({ "split": true }));
    }
    // "For sale" and the price range go by the asking price: a listing's, or a split twin's whole
    // at its cheapest lot.
    if query.listed_only || query.price_min.is_some() || query.price_max.is_some() {
        parts.push(for_sale(true));
    }
    if query.on_time {
        // Late is after `lateAt`, as the contract judges a settlement late.
        parts.push(json!({ "lateCount30d": 0 }));
        parts.push(json!({ "lateAt_gte": now.to_string() }));
    }
    if query.paid_in_full {
        parts.push(json!({ "paidRatioBps30d_gte": PAID_IN_FULL_BPS.to_string() }));
    }
    if let Some(min) = query.price_min {
        parts.push(json!({ "askingPrice_gte": min.0.to_string() }));
    }
    if let Some(max) = query.price_max {
        parts.push(json!({ "askingPrice_lte": max.0.to_string() }));
    }
    if let Some(min) = query.efficiency_min {
        parts.push(json!({ "efficiencyJth_gte": min }));
    }
    if let Some(max) = query.efficiency_max {
        parts.push(json!({ "efficiencyJth_lte": max }));
    }
    json!({ "AND": parts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::units::WEI_PER_ETHER;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: u64 = 1_796_246_000;

    #[test]
    fn every_part_of_a_query_becomes_one_condition() {
        let query = GalleryQuery {
            search: "Antminer 21 #7 50%_off".into(),
            manufacturers: vec!["BITMAIN".into()],
            models: vec!["S21".into()],
            statuses: vec![TwinStatus::Active, TwinStatus::Offline],
            listed_only: false,
            split_only: true,
            on_time: true,
            paid_in_full: true,
            price_min: None,
            price_max: Some(Wei(5 * WEI_PER_ETHER / 2)),
            efficiency_min: None,
            efficiency_max: Some(17.5),
            sort: SortKey::PriceLowHigh,
            page: 0,
        };
        assert_eq!(
            gallery_filter(&query, NOW),
            json!({ "AND": [
                { "validFrom_lte": "1796246000" },
                { "validUntil_gt": "1796246000" },
                { "search_contains": "antminer" },
                { "OR": [{ "search_contains": "21" }, { "twinId": "21" }] },
                { "twinId": "7" },
                { "search_contains": "50\\%\\_off" },
                { "manufacturerKey_in": ["bitmain"] },
                { "modelKey_in": ["s21"] },
                { "status_in": ["Active", "Offline"] },
                { "split": true },
                { "forSale": true },
                { "lateCount30d": 0 },
                { "lateAt_gte": "1796246000" },
                { "paidRatioBps30d_gte": "9500" },
                { "askingPrice_lte": "2500000000000000000" },
                { "efficiencyJth_lte": 17.5 },
            ] })
        );
        // Every query asks for each twin's span in force at now, and nothing more by default.
        assert_eq!(
            gallery_filter(&GalleryQuery::default(), 1),
            json!({ "AND": [{ "validFrom_lte": "1" }, { "validUntil_gt": "1" }] })
        );
    }

    #[test]
    fn for_sale_goes_by_the_asking_price_whole_or_in_shares() {
        let only = |query: GalleryQuery| {
            let filter = gallery_filter(&query, NOW);
            filter["AND"].as_array().unwrap()[2..].to_vec()
        };
        // "For sale" alone: listed whole or split with a live lot, which the span says as `forSale`.
        assert_eq!(only(GalleryQuery { listed_only: true, ..GalleryQuery::default() }), [json!({ "forSale": true })]);
        // A price bound needs a price: the asking price, a split twin's whole at its cheapest lot.
        assert_eq!(
            only(GalleryQuery { price_min: Some(Wei(WEI_PER_ETHER)), ..GalleryQuery::default() }),
            [json!({ "forSale": true }), json!({ "askingPrice_gte": "1000000000000000000" })]
        );
        assert_eq!(only(GalleryQuery { split_only: true, ..GalleryQuery::default() }), [json!({ "split": true })]);
        // A price sort's page is the twins for sale; the rest, newest first, those not for sale.
        let filter = gallery_filter(&GalleryQuery::default(), NOW);
        assert_eq!(and(&filter, for_sale(true))["AND"][2], json!({ "forSale": true }));
        assert_eq!(and(&filter, for_sale(false))["AND"][2], json!({ "forSale": false }));
    }

    #[test]
    fn sorts_break_ties_as_the_gallery_does() {
        assert_eq!(sort_columns(SortKey::Newest), ("twinId", "desc"));
        assert_eq!(sort_columns(SortKey::PriceLowHigh), ("sortPriceAsc", "asc"));
        assert_eq!(sort_columns(SortKey::PriceHighLow), ("sortPriceDesc", "desc"));
        assert_eq!(sort_columns(SortKey::EfficiencyBest), ("sortEfficiency", "asc"));
        assert_eq!(sort_columns(SortKey::YieldHigh), ("sortYield", "desc"));
    }

    #[test]
    fn the_gallery_document_is_the_one_the_indexer_readme_gives() {
        // indexer/test/pglite.test.mjs runs the README's documents against a live indexer.
        let readme = include_str!("../../indexer/README.md");
        assert!(readme.contains(GALLERY), "indexer/README.md's Gallery query differs from the app's");
        assert!(REST.contains(entry_fragment!()));
    }

    fn twin_json() -> Value {
        json!({
            "id": "7", "manufacturer": "Bitmain", "model": "Antminer S21", "location": "Oslo",
            "serialHash": format!("0x{}", "ab".repeat(32)), "hashrateGhs": "200000", "powerWatts": 3500,
            "commissionedAt": "1700000000", "royaltyBps": 500, "status": "Offline",
            "operator": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
            "reporter": "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
            "donatedWork": "340282366920938463463374607431768211455",
            "yieldBps": "981", "lateAt": "1796246000", "lateCount30d": 1, "paidRatioBps30d": null,
        })
    }

    fn span_json(twin: Value) -> Value {
        json!({
            "listingPrice": "1350000000000000000", "shareSupply": null, "forSaleBps": null, "cheapestPerShare": null,
            "twin": twin,
        })
    }

    #[test]
    fn a_twin_of_the_indexer_is_a_gallery_entry() {
        let item = span_json(twin_json());
        let entry: IndexedEntry = serde_json::from_value(item.clone()).unwrap();
        let shown = entry.clone().into_entry(NOW).unwrap();
        assert_eq!(
            shown.earnings,
            EntryEarnings {
                yield_bps: Some(981),
                late_at: Some(1_796_246_000),
                late: false,
                late_30d: 1,
                paid_bps_30d: None
            }
        );
        assert_eq!(shown.earnings.yield_words().as_deref(), Some("9.8% a year"));
        assert!(entry.into_entry(NOW + 1).unwrap().earnings.late, "late once past `lateAt`");
        assert_eq!(shown.twin.id, 7);
        assert_eq!(shown.status, TwinStatus::Offline);
        assert_eq!(shown.twin.spec.serial_hash, [0xab; 32]);
        assert_eq!(shown.listing_price, Some(Wei(1_350_000_000_000_000_000)));
        assert_eq!(shown.asking_price(), shown.listing_price);
        assert_eq!(shown.fraction, None);
        assert_eq!(shown.donated_work, u128::MAX);

        // A span without a listing in force (none, or expired by now) is not for sale.
        let mut unlisted = item.clone();
        unlisted["listingPrice"] = Value::Null;
        let unlisted: IndexedEntry = serde_json::from_value(unlisted).unwrap();
        assert_eq!(unlisted.into_entry(NOW).unwrap().asking_price(), None);

        // A field the app cannot read is an error, not a blank that looks like data.
        for (field, value) in [("status", json!("Sleeping")), ("serialHash", json!("0xabcd"))] {
            let mut twin = twin_json();
            twin[field] = value;
            let entry: IndexedEntry = serde_json::from_value(span_json(twin)).unwrap();
            assert!(matches!(entry.into_entry(0), Err(IndexerError::Malformed(_))), "{field}");
        }
    }

    #[test]
    fn a_split_twin_of_the_indexer_has_its_fraction_and_is_priced_whole_by_its_cheapest_lot() {
        // A million shares, 12.5% of them for sale, the cheapest at 0.0000024 ETH a share.
        let supply = 1_000_000 * WEI_PER_ETHER;
        let item = json!({
            "listingPrice": null, "shareSupply": supply.to_string(), "forSaleBps": 1_250,
            "cheapestPerShare": "2400000000000", "twin": twin_json(),
        });
        let entry: IndexedEntry = serde_json::from_value(item.clone()).unwrap();
        let shown = entry.into_entry(NOW).unwrap();
        assert_eq!(
            shown.fraction,
            Some(EntryFraction {
                supply: ShareUnits(supply),
                for_sale_bps: 1_250,
                cheapest_per_share: Some(Wei(2_400_000_000_000))
            })
        );
        assert_eq!(shown.listing_price, None);
        assert_eq!(shown.asking_price(), Some(Wei(2_400_000_000_000_000_000)), "2.4 ETH for the whole twin");

        // Split with nothing for sale now: a fraction, no price.
        let mut idle = item.clone();
        idle["forSaleBps"] = json!(0);
        idle["cheapestPerShare"] = Value::Null;
        let idle: IndexedEntry = serde_json::from_value(idle).unwrap();
        let idle = idle.into_entry(NOW).unwrap();
        assert_eq!(idle.fraction.map(|fraction| fraction.for_sale_bps), Some(0));
        assert_eq!(idle.asking_price(), None);

        // Shares without the part for sale, or more than all of them, are not an answer to show.
        for bad in [Value::Null, json!(10_001)] {
            let mut item = item.clone();
            item["forSaleBps"] = bad;
            let entry: IndexedEntry = serde_json::from_value(item).unwrap();
            assert!(matches!(entry.into_entry(NOW), Err(IndexerError::Malformed(_))));
        }
    }

    #[test]
    fn the_status_names_the_indexed_block() {
        let status = json!({ "hashtwin": { "id": 31337, "block": { "number": 120, "timestamp": 1_796_246_000 } } });
        assert_eq!(indexed_from_status(&status), Ok(Indexed { block: 120, time: 1_796_246_000 }));
        assert!(indexed_from_status(&json!({})).is_err());
        assert!(indexed_from_status(&json!({ "hashtwin": { "id": 31337, "block": null } })).is_err());
    }
}
