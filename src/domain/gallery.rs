//! The gallery's search, filters and sort orders, and how they live in the page URL so that a
//! filtered view survives a reload and can be shared.
//!
//! Everything here runs on every keystroke in the search box over the whole collection (thousands
//! of twins), so matching allocates nothing per twin and sorting is a single comparison sort.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::ops::Range;

use super::earnings::{
    payout_rows, summarise, trailing_30d, yield_bps_30d, EarningTerms, Punctuality, Settlement, Yardstick,
    TRAILING_WINDOW,
};
use super::fractions::{for_sale_bps, mul_div_checked, Lot, ShareUnits, UNITS_PER_SHARE};
use super::telemetry::TelemetrySample;
use super::twin::{Twin, TwinStatus};
use super::Wei;

/// Twins per page: a multiple of 2, 3, 4, 6 and 8, so that every grid width ends on a full row,
/// and few enough cards that the DOM stays light whatever the collection's size.
pub const PAGE_SIZE: usize = 48;

/// A twin as the gallery shows it: the chain's record plus what the indexer derived.
#[derive(Debug, Clone, PartialEq)]
pub struct GalleryEntry {
    pub twin: Twin,
    pub status: TwinStatus,
    /// `None` when the twin is not for sale.
    pub listing_price: Option<Wei>,
    /// Expected hashes credited to the twin by donated mining.
    pub donated_work: u128,
    /// Donated hashes per second over the last day.
    pub donated_hashrate: f64,
    /// What its settlements say: yield, punctuality, what was paid.
    pub earnings: EntryEarnings,
    /// While the twin is split into shares.
    pub fraction: Option<EntryFraction>,
}

/// A split twin as the gallery shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EntryFraction {
    pub supply: ShareUnits,
    /// The share of the supply its live lots offer, in basis points.
    pub for_sale_bps: u32,
    /// The cheapest live lot's price per whole share.
    pub cheapest_per_share: Option<Wei>,
}

impl EntryFraction {
    /// From the live lots of one twin.
    pub fn new(supply: ShareUnits, live_lots: &[Lot]) -> EntryFraction {
        EntryFraction {
            supply,
            for_sale_bps: for_sale_bps(live_lots, supply),
            cheapest_per_share: live_lots.iter().map(|lot| lot.price_per_share).min(),
        }
    }
}

impl GalleryEntry {
    /// What the whole twin costs at its asking price: its listing, or for a split twin its cheapest
    /// lot's price per share times the supply. Sorting and the price range use it, so that whole
    /// and split twins compare on one scale.
    pub fn asking_price(&self) -> Option<Wei> {
        self.listing_price.or_else(|| {
            let fraction = self.fraction?;
            mul_div_checked(fraction.cheapest_per_share?.0, fraction.supply.0, UNITS_PER_SHARE).map(Wei)
        })
    }

    /// The asking price per 1% of the twin.
    pub fn price_per_percent(&self) -> Option<Wei> {
        self.asking_price().map(|price| Wei(price.0 / 100))
    }
}

/// "Paid ≥ 95% of expected" passes a twin whose 30-day paid ratio is at least this, in basis points.
pub const PAID_IN_FULL_BPS: u64 = 9_500;

/// A twin's earnings as the gallery sorts and filters by them, and as its card shows them. Both
/// sources compute them alike: the indexer stores them (its `yieldBps`, `lateAt`, `lateCount30d`,
/// `paidRatioBps30d`), the chain reader works them out from the book ([`EntryEarnings::from_book`]).
/// "The 30 days" are those up to the twin's newest settlement's end, as in `domain::earnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EntryEarnings {
    /// The net of the 30 days, a year of it (× 365 / 30), in basis points of the price the yield is
    /// taken on; `None` before the first settlement or without a price.
    pub yield_bps: Option<u64>,
    /// When the open period turns late: its start (the newest settlement's end, or the mint before
    /// any) plus the period and the grace. `None` when that is not known.
    pub late_at: Option<u64>,
    /// Past `late_at` when the entry was read: the operator has not paid a period past its grace.
    pub late: bool,
    /// How many of the 30 days' settlements came late.
    pub late_30d: u32,
    /// Gross paid ÷ expected over the 30 days, in basis points; `None` when there is nothing to hold
    /// the payouts against, or it was not worked out (the chain reader needs the telemetry for it).
    pub paid_bps_30d: Option<u64>,
}

impl EntryEarnings {
    /// From the book: the twin's `terms` (`None` before its mint is read), its settlements oldest
    /// first, when it was minted (the start of its first period), the price the yield is taken on,
    /// and now. The paid ratio needs the telemetry: see [`paid_bps_30d`].
    pub fn from_book(
        terms: Option<EarningTerms>,
        settlements: &[Settlement],
        minted_at: Option<u64>,
        price: Option<Wei>,
        now: u64,
    ) -> EntryEarnings {
        let start = settlements.last().map(|settlement| settlement.period_end).or(minted_at);
        let schedule = terms.zip(start).map(|(terms, start)| terms.schedule(start));
        EntryEarnings {
            yield_bps: price.and_then(|price| yield_bps_30d(settlements, price)),
            late_at: schedule.map(|schedule| schedule.late_at),
            late: schedule.is_some_and(|schedule| schedule.at(now) == Punctuality::Late),
            late_30d: u32::try_from(trailing_30d(settlements).iter().filter(|s| s.late).count()).unwrap_or(u32::MAX),
            paid_bps_30d: None,
        }
    }

    /// "Pays on time": nothing settled late in the 30 days, and the open period not past its grace.
    /// A twin never settled is on time until its first period is late.
    pub fn on_time(&self) -> bool {
        self.late_at.is_some() && !self.late && self.late_30d == 0
    }

    /// "Paid ≥ 95% of expected": a twin without a paid ratio does not pass.
    pub fn paid_in_full(&self) -> bool {
        self.paid_bps_30d.is_some_and(|bps| bps >= PAID_IN_FULL_BPS)
    }

    /// The yield as a card shows it: "9.8% a year".
    pub fn yield_words(&self) -> Option<String> {
        self.yield_bps.map(|bps| format!("{:.1}% a year", bps as f64 / 100.0))
    }
}

/// When a twin's payouts are worth holding against its telemetry for "Paid ≥ 95%": it settled a
/// period that ended in the 30 days before `now`. Then the time its telemetry is needed from: the
/// start of the oldest of the 30 days' periods.
pub fn paid_ratio_since(settlements: &[Settlement], now: u64) -> Option<u64> {
    let newest = settlements.last()?.period_end;
    if newest + TRAILING_WINDOW <= now {
        return None;
    }
    trailing_30d(settlements).iter().map(|settlement| settlement.period_start).min()
}

/// The 30 days' gross paid ÷ what the rig's measured work should have grossed at the figures each
/// settlement recorded, in basis points (rounded down), as the Payouts panel works it out
/// (`domain::earnings`); `samples` are the twin's telemetry in time order, from
/// [`paid_ratio_since`] on. `None` when a period has nothing to hold it against.
pub fn paid_bps_30d(settlements: &[Settlement], samples: &[TelemetrySample], btc_usd_decimals: u8) -> Option<u64> {
    let rows = payout_rows(trailing_30d(settlements), samples, Yardstick::Recorded { btc_usd_decimals });
    let ratio = summarise(&rows).paid_ratio_30d?;
    (ratio.is_finite() && ratio >= 0.0).then(|| (ratio * 10_000.0).floor() as u64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    /// Most recently minted first: ids count up from 1.
    #[default]
    Newest,
    PriceLowHigh,
    PriceHighLow,
    HashrateHigh,
    /// Fewest joules per terahash first.
    EfficiencyBest,
    /// Most donated work first.
    DonatedWork,
    /// Highest yield first; twins without one after all those with one.
    YieldHigh,
}

impl SortKey {
    pub const ALL: [SortKey; 7] = [
        SortKey::Newest,
        SortKey::PriceLowHigh,
        SortKey::PriceHighLow,
        SortKey::HashrateHigh,
        SortKey::EfficiencyBest,
        SortKey::DonatedWork,
        SortKey::YieldHigh,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Newest => "Newest",
            SortKey::PriceLowHigh => "Price: low to high",
            SortKey::PriceHighLow => "Price: high to low",
            SortKey::HashrateHigh => "Highest hashrate",
            SortKey::EfficiencyBest => "Most efficient",
            SortKey::DonatedWork => "Most donated work",
            SortKey::YieldHigh => "Highest yield",
        }
    }

    /// The name in the URL: stable, so that shared links keep working when labels change.
    pub fn slug(self) -> &'static str {
        match self {
            SortKey::Newest => "newest",
            SortKey::PriceLowHigh => "price-asc",
            SortKey::PriceHighLow => "price-desc",
            SortKey::HashrateHigh => "hashrate",
            SortKey::EfficiencyBest => "efficiency",
            SortKey::DonatedWork => "donated",
            SortKey::YieldHigh => "yield",
        }
    }

    pub fn from_slug(slug: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|key| key.slug().eq_ignore_ascii_case(slug))
    }

    /// Ties, and twins the key cannot rank (unlisted for a price sort, no efficiency without a
    /// hashrate), fall back to newest first, so that the order never depends on the input order.
    fn compare(self, a: &GalleryEntry, b: &GalleryEntry) -> Ordering {
        let by_key = match self {
            SortKey::Newest => Ordering::Equal,
            SortKey::PriceLowHigh => present_first(a.asking_price(), b.asking_price(), |x, y| x.cmp(y)),
            SortKey::PriceHighLow => present_first(a.asking_price(), b.asking_price(), |x, y| y.cmp(x)),
            SortKey::HashrateHigh => b.twin.spec.hashrate_ghs.cmp(&a.twin.spec.hashrate_ghs),
            SortKey::EfficiencyBest => {
                present_first(a.twin.spec.efficiency_j_per_th(), b.twin.spec.efficiency_j_per_th(), f64::total_cmp)
            }
            SortKey::DonatedWork => b.donated_work.cmp(&a.donated_work),
            SortKey::YieldHigh => present_first(a.earnings.yield_bps, b.earnings.yield_bps, |x, y| y.cmp(x)),
        };
        by_key.then_with(|| b.twin.id.cmp(&a.twin.id))
    }
}

fn present_first<T>(a: Option<T>, b: Option<T>, order: impl Fn(&T, &T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => order(&a, &b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// What the gallery is showing. The default shows everything, newest first, from the first page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GalleryQuery {
    /// Words that must all appear in the twin's maker, model, location or `#id`.
    pub search: String,
    /// Any of these makers (case-insensitive); empty for all.
    pub manufacturers: Vec<String>,
    /// Any of these models (case-insensitive); empty for all.
    pub models: Vec<String>,
    /// Any of these statuses; empty for all.
    pub statuses: Vec<TwinStatus>,
    /// For sale: listed whole, or a split twin with a live lot.
    pub listed_only: bool,
    /// Split twins only.
    pub split_only: bool,
    /// "Pays on time": see [`EntryEarnings::on_time`].
    pub on_time: bool,
    /// "Paid ≥ 95% of expected over 30 days": see [`EntryEarnings::paid_in_full`].
    pub paid_in_full: bool,
    /// Inclusive price bounds; setting either leaves out unlisted twins, which have no price.
    pub price_min: Option<Wei>,
    pub price_max: Option<Wei>,
    /// Inclusive J/TH bounds; setting either leaves out twins without a hashrate.
    pub efficiency_min: Option<f64>,
    pub efficiency_max: Option<f64>,
    pub sort: SortKey,
    /// From 0; the URL counts from 1, as people do.
    pub page: u32,
}

/// One search word, parsed once per query rather than once per twin.
enum SearchTerm {
    /// `#42`: exactly that twin.
    Id(u64),
    /// Lowercase text; a bare number also finds the twin with that id.
    Text { folded: String, as_id: Option<u64> },
}

impl SearchTerm {
    fn parse(word: &str) -> SearchTerm {
        match word.strip_prefix('#').map(str::parse::<u64>) {
            Some(Ok(id)) => SearchTerm::Id(id),
            _ => SearchTerm::Text { folded: fold_case(word), as_id: word.parse().ok() },
        }
    }

    fn matches(&self, twin: &Twin) -> bool {
        match self {
            SearchTerm::Id(id) => twin.id == *id,
            SearchTerm::Text { folded, as_id } => {
                *as_id == Some(twin.id)
                    || [&twin.spec.manufacturer, &twin.spec.model, &twin.spec.location]
                        .into_iter()
                        .any(|field| contains_folded(field, folded))
            }
        }
    }
}

impl GalleryQuery {
    /// The matching twins in display order, all pages; slice with [`page_range`].
    pub fn apply<'a>(&self, entries: &'a [GalleryEntry]) -> Vec<&'a GalleryEntry> {
        let terms: Vec<SearchTerm> = self.search.split_whitespace().map(SearchTerm::parse).collect();
        let mut matching: Vec<&GalleryEntry> = entries.iter().filter(|entry| self.matches(entry, &terms)).collect();
        matching.sort_by(|a, b| self.sort.compare(a, b));
        matching
    }

    fn matches(&self, entry: &GalleryEntry, terms: &[SearchTerm]) -> bool {
        let spec = &entry.twin.spec;
        let any_or_all =
            |wanted: &[String], value: &str| wanted.is_empty() || wanted.iter().any(|w| same_name(w, value));
        let priced = self.price_min.is_some() || self.price_max.is_some();
        let rated = self.efficiency_min.is_some() || self.efficiency_max.is_some();

        any_or_all(&self.manufacturers, &spec.manufacturer)
            && any_or_all(&self.models, &spec.model)
            && (self.statuses.is_empty() || self.statuses.contains(&entry.status))
            && (!self.listed_only || entry.asking_price().is_some())
            && (!self.split_only || entry.fraction.is_some())
            && (!self.on_time || entry.earnings.on_time())
            && (!self.paid_in_full || entry.earnings.paid_in_full())
            && (!priced || entry.asking_price().is_some_and(|price| within(price, self.price_min, self.price_max)))
            && (!rated
                || spec
                    .efficiency_j_per_th()
                    .is_some_and(|efficiency| within(efficiency, self.efficiency_min, self.efficiency_max)))
            && terms.iter().all(|term| term.matches(&entry.twin))
    }

    /// The page this query asks for out of the whole collection, with the counts around it and
    /// the collection's `facets`, which do not depend on the query.
    pub fn view(&self, entries: &[GalleryEntry], facets: Facets) -> GalleryView {
        let matching = self.apply(entries);
        let range = page_range(matching.len(), clamp_page(matching.len(), self.page));
        GalleryView {
            entries: matching[range].iter().map(|&entry| entry.clone()).collect(),
            matching: matching.len(),
            total: entries.len(),
            facets,
        }
    }

    /// Reads the gallery's URL query (with or without its `?`). Whatever cannot be understood is
    /// skipped rather than refused: a hand-edited or outdated link still opens the gallery.
    pub fn from_query_string(query: &str) -> GalleryQuery {
        let mut parsed = GalleryQuery::default();
        let query = query.strip_prefix('?').unwrap_or(query);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            match percent_decode(key).as_str() {
                "q" => parsed.search = value,
                "make" if !value.is_empty() => parsed.manufacturers.push(value),
                "model" if !value.is_empty() => parsed.models.push(value),
                "status" => parsed.statuses.extend(status_from_slug(&value)),
                "listed" => parsed.listed_only = flag(&value).unwrap_or(parsed.listed_only),
                "split" => parsed.split_only = flag(&value).unwrap_or(parsed.split_only),
                "ontime" => parsed.on_time = flag(&value).unwrap_or(parsed.on_time),
                "paid" => parsed.paid_in_full = flag(&value).unwrap_or(parsed.paid_in_full),
                "pmin" => parsed.price_min = Wei::parse_ether(&value).ok().or(parsed.price_min),
                "pmax" => parsed.price_max = Wei::parse_ether(&value).ok().or(parsed.price_max),
                "emin" => parsed.efficiency_min = parse_efficiency(&value).or(parsed.efficiency_min),
                "emax" => parsed.efficiency_max = parse_efficiency(&value).or(parsed.efficiency_max),
                "sort" => parsed.sort = SortKey::from_slug(&value).unwrap_or(parsed.sort),
                "page" => {
                    let from_one = value.parse::<u64>().ok().and_then(|page| page.checked_sub(1));
                    parsed.page = from_one.and_then(|page| u32::try_from(page).ok()).unwrap_or(parsed.page);
                }
                _ => {}
            }
        }
        parsed
    }

    /// The URL query without its `?`: only what differs from the default, always in the same
    /// order, so that equal views have equal URLs; empty for the default view.
    pub fn to_query_string(&self) -> String {
        let mut query = String::new();
        let mut add = |key: &str, value: &str| {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(key);
            query.push('=');
            percent_encode_into(&mut query, value);
        };
        if !self.search.is_empty() {
            add("q", &self.search);
        }
        for manufacturer in self.manufacturers.iter().filter(|name| !name.is_empty()) {
            add("make", manufacturer);
        }
        for model in self.models.iter().filter(|name| !name.is_empty()) {
            add("model", model);
        }
        for status in &self.statuses {
            add("status", status_slug(*status));
        }
        let flags = [
            ("listed", self.listed_only),
            ("split", self.split_only),
            ("ontime", self.on_time),
            ("paid", self.paid_in_full),
        ];
        for (key, set) in flags {
            if set {
                add(key, "1");
            }
        }
        for (key, price) in [("pmin", self.price_min), ("pmax", self.price_max)] {
            if let Some(price) = price {
                add(key, &ether_text(price));
            }
        }
        for (key, efficiency) in [("emin", self.efficiency_min), ("emax", self.efficiency_max)] {
            if let Some(efficiency) = efficiency {
                // f64's Display is the shortest text that parses back to the same number.
                add(key, &efficiency.to_string());
            }
        }
        if self.sort != SortKey::default() {
            add("sort", self.sort.slug());
        }
        if self.page > 0 {
            add("page", &(u64::from(self.page) + 1).to_string());
        }
        query
    }
}

/// A yes/no in the URL: `1` or `true`, `0` or `false`; anything else is not understood.
fn flag(value: &str) -> Option<bool> {
    match value {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

fn within<T: PartialOrd>(value: T, min: Option<T>, max: Option<T>) -> bool {
    min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max)
}

fn status_slug(status: TwinStatus) -> &'static str {
    match status {
        TwinStatus::Active => "active",
        TwinStatus::Offline => "offline",
        TwinStatus::Decommissioned => "decommissioned",
    }
}

fn status_from_slug(slug: &str) -> Option<TwinStatus> {
    TwinStatus::ALL.into_iter().find(|status| status_slug(*status).eq_ignore_ascii_case(slug))
}

fn parse_efficiency(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|value| value.is_finite() && *value >= 0.0)
}

/// All 18 decimals, so that any price survives the round trip through the URL.
fn ether_text(price: Wei) -> String {
    let text = price.format_ether(18);
    text.strip_suffix(" ETH").map(str::to_owned).unwrap_or(text)
}

/// Everything but RFC 3986's unreserved characters is escaped, spaces as `+` as forms do.
fn percent_encode_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
}

/// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits is kept as typed, and
/// bytes that are not UTF-8 become U+FFFD, so that no link can make the gallery fail.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = if byte == b'%' { bytes.get(index + 1..index + 3).and_then(hex_byte) } else { None };
        match (byte, escaped) {
            (_, Some(value)) => {
                decoded.push(value);
                index += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                index += 1;
            }
            (_, None) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |d: &u8| char::from(*d).to_digit(16);
    Some((digit(&pair[0])? * 16 + digit(&pair[1])?) as u8)
}

/// Lowercase by characters, the same way everywhere, so that filters and facets group alike.
/// Lowercase, character by character: how names compare in search and filters, here and in the
/// indexer's keys.
pub fn fold_case(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// Whether `haystack` contains `folded_needle` (already lowercase), ignoring case. ASCII needles,
/// nearly every search, compare bytes in place; ASCII bytes never occur inside a multi-byte UTF-8
/// character, so this cannot match half a character.
fn contains_folded(haystack: &str, folded_needle: &str) -> bool {
    if folded_needle.is_ascii() {
        let needle = folded_needle.as_bytes();
        needle.is_empty() || haystack.as_bytes().windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle))
    } else {
        fold_case(haystack).contains(folded_needle)
    }
}

/// What the gallery shows for a query, wherever it was worked out: one page of the matching twins,
/// how many match of how many there are, and the filters' counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GalleryView {
    pub entries: Vec<GalleryEntry>,
    pub matching: usize,
    pub total: usize,
    pub facets: Facets,
}

/// Counts for the filter dropdowns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facets {
    /// Sorted by name, ignoring case.
    pub manufacturers: Vec<(String, usize)>,
    /// Sorted by name, ignoring case.
    pub models: Vec<(String, usize)>,
    /// Every status, in the contract's order, with zero counts included so the options never move.
    pub statuses: Vec<(TwinStatus, usize)>,
    pub listed: usize,
    pub split: usize,
}

/// Names differing only in case ("Bitmain", "BITMAIN") count as one, as the filters treat them, and
/// are shown as their most common spelling.
/// The cheapest twin for sale of one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFloor {
    pub model: String,
    pub floor: Wei,
    pub twin_id: u64,
    /// How many twins of the model are for sale, whole or in shares.
    pub for_sale: usize,
}

/// Each model's floor: its cheapest asking price for a whole twin (a split twin's is its cheapest
/// lot's per share times the supply), by model name, ignoring case, as the filters do.
pub fn floors(entries: &[GalleryEntry]) -> Vec<ModelFloor> {
    let mut by_model: BTreeMap<String, ModelFloor> = BTreeMap::new();
    for entry in entries {
        let Some(price) = entry.asking_price() else { continue };
        let model = entry.twin.spec.display_name();
        let floor = by_model.entry(model.to_lowercase()).or_insert(ModelFloor {
            model,
            floor: price,
            twin_id: entry.twin.id,
            for_sale: 0,
        });
        floor.for_sale += 1;
        if (price, entry.twin.id) < (floor.floor, floor.twin_id) {
            (floor.floor, floor.twin_id) = (price, entry.twin.id);
        }
    }
    by_model.into_values().collect()
}

pub fn facets(entries: &[GalleryEntry]) -> Facets {
    let mut manufacturers = NameCounts::default();
    let mut models = NameCounts::default();
    let mut statuses = TwinStatus::ALL.map(|status| (status, 0));
    let (mut listed, mut split) = (0, 0);
    for entry in entries {
        manufacturers.add(&entry.twin.spec.manufacturer);
        models.add(&entry.twin.spec.model);
        statuses[entry.status as usize].1 += 1;
        listed += usize::from(entry.asking_price().is_some());
        split += usize::from(entry.fraction.is_some());
    }
    Facets {
        manufacturers: manufacturers.into_sorted(),
        models: models.into_sorted(),
        statuses: statuses.to_vec(),
        listed,
        split,
    }
}

/// Counted by exact spelling first, which allocates nothing per twin; spellings are folded and
/// grouped only once each at the end.
#[derive(Default)]
struct NameCounts<'a> {
    by_spelling: HashMap<&'a str, usize>,
}

impl<'a> NameCounts<'a> {
    fn add(&mut self, name: &'a str) {
        if !name.is_empty() {
            *self.by_spelling.entry(name).or_default() += 1;
        }
    }

    fn into_sorted(self) -> Vec<(String, usize)> {
        let mut by_folded: BTreeMap<String, Vec<(&str, usize)>> = BTreeMap::new();
        for (spelling, count) in self.by_spelling {
            by_folded.entry(fold_case(spelling)).or_default().push((spelling, count));
        }
        by_folded
            .into_values()
            .map(|spellings| {
                let total = spellings.iter().map(|(_, count)| count).sum();
                let (shown, _) = spellings
                    .into_iter()
                    .max_by_key(|&(spelling, count)| (count, Reverse(spelling)))
                    .unwrap_or_default();
                (shown.to_owned(), total)
            })
            .collect()
    }
}

/// How many pages `total` results fill; 0 for none.
pub fn page_count(total: usize) -> u32 {
    u32::try_from(total.div_ceil(PAGE_SIZE)).unwrap_or(u32::MAX)
}

/// The last page that shows anything, for when a narrower filter leaves the current page empty.
pub fn clamp_page(total: usize, page: u32) -> u32 {
    page.min(page_count(total).saturating_sub(1))
}

/// Which of `total` results page `page` (from 0) shows; empty past the end.
pub fn page_range(total: usize, page: u32) -> Range<usize> {
    let start = (page as usize).saturating_mul(PAGE_SIZE).min(total);
    start..start.saturating_add(PAGE_SIZE).min(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::twin::RigSpec;
    use crate::domain::units::WEI_PER_ETHER;
    use crate::domain::Address;

    fn entry(id: u64, manufacturer: &str, model: &str, ths: u64, watts: u32) -> GalleryEntry {
        GalleryEntry {
            twin: Twin {
                id,
                operator: Address([1; 20]),
                reporter: Address([2; 20]),
                royalty_bps: 250,
                spec: RigSpec {
                    manufacturer: manufacturer.into(),
                    model: model.into(),
                    serial_hash: [id as u8; 32],
                    hashrate_ghs: ths * 1_000,
                    power_watts: watts,
                    location: "Paraguay".into(),
                    commissioned_at: 1_700_000_000,
                },
            },
            status: TwinStatus::Active,
            listing_price: None,
            donated_work: 0,
            donated_hashrate: 0.0,
            earnings: EntryEarnings::default(),
            fraction: None,
        }
    }

    fn listed(mut entry: GalleryEntry, ether_tenths: u128) -> GalleryEntry {
        entry.listing_price = Some(Wei(ether_tenths * WEI_PER_ETHER / 10));
        entry
    }

    fn sample() -> Vec<GalleryEntry> {
        vec![
            listed(entry(1, "Bitmain", "Antminer S19j Pro", 104, 3_068), 15),
            listed(entry(2, "Bitmain", "Antminer S21", 200, 3_500), 40),
            entry(3, "MicroBT", "Whatsminer M50S", 126, 3_276),
            listed(entry(4, "Canaan", "Avalon A1466", 150, 3_230), 15),
            GalleryEntry {
                status: TwinStatus::Offline,
                donated_work: 900,
                donated_hashrate: 0.0,
                ..entry(5, "bitmain", "Antminer S9", 14, 1_372)
            },
            GalleryEntry { donated_work: 50, ..entry(6, "Bitaxe", "Gamma 601", 0, 18) },
        ]
    }

    #[test]
    fn each_model_floor_is_its_cheapest_asking_price_whole_or_in_shares() {
        let mut entries = sample();
        entries.push(listed(entry(7, "Bitmain", "Antminer S21", 200, 3_500), 35));
        // 1,000 shares at 0.003 ETH each: 3 ETH for the whole twin, the S21's floor.
        entries.push(GalleryEntry {
            fraction: Some(EntryFraction {
                supply: ShareUnits(1_000 * UNITS_PER_SHARE),
                for_sale_bps: 1_000,
                cheapest_per_share: Some(Wei(3 * WEI_PER_ETHER / 1_000)),
            }),
            ..entry(8, "BITMAIN", "antminer s21", 200, 3_500)
        });
        let floors: Vec<(String, u128, u64, usize)> = floors(&entries)
            .into_iter()
            .map(|floor| (floor.model, floor.floor.0 * 10 / WEI_PER_ETHER, floor.twin_id, floor.for_sale))
            .collect();
        assert_eq!(
            floors,
            vec![
                ("Bitmain Antminer S19j Pro".to_string(), 15, 1, 1),
                ("Bitmain Antminer S21".to_string(), 30, 8, 3),
                ("Canaan Avalon A1466".to_string(), 15, 4, 1),
            ]
        );
    }

    fn ids(entries: &[&GalleryEntry]) -> Vec<u64> {
        entries.iter().map(|entry| entry.twin.id).collect()
    }

    fn query(sort: SortKey) -> GalleryQuery {
        GalleryQuery { sort, ..GalleryQuery::default() }
    }

    #[test]
    fn sorts_newest_first_by_default() {
        assert_eq!(ids(&GalleryQuery::default().apply(&sample())), [6, 5, 4, 3, 2, 1]);
    }

    /// Twin 3 of the sample, split into a million shares with 10% offered at `micro_ether` × 10^-6
    /// ETH per share: the whole twin at `micro_ether` ETH.
    fn split_sample(micro_ether: u128) -> Vec<GalleryEntry> {
        let lot = Lot {
            id: 1,
            twin: 3,
            seller: Address([3; 20]),
            remaining: ShareUnits::whole(100_000).unwrap(),
            price_per_share: Wei(micro_ether * WEI_PER_ETHER / 1_000_000),
            expires_at: u64::MAX,
            max_fee_bps: 250,
        };
        let mut entries = sample();
        entries[2].fraction = Some(EntryFraction::new(ShareUnits::whole(1_000_000).unwrap(), &[lot]));
        entries
    }

    #[test]
    fn a_split_twin_is_priced_as_a_whole_by_its_cheapest_lot() {
        let entries = split_sample(2);
        let split = &entries[2];
        assert_eq!(split.asking_price(), Some(Wei(2 * WEI_PER_ETHER)));
        assert_eq!(split.price_per_percent(), Some(Wei(WEI_PER_ETHER / 50)));
        assert_eq!(split.fraction.unwrap().for_sale_bps, 1_000);
        assert_eq!(entries[0].price_per_percent(), Some(Wei(15 * WEI_PER_ETHER / 1_000)), "1.5 ETH whole");
        // 1.5 (twins 1 and 4), 2 (split twin 3), 4 (twin 2); the rest have no price.
        assert_eq!(ids(&query(SortKey::PriceLowHigh).apply(&entries))[..4], [4, 1, 3, 2]);
        let for_sale = GalleryQuery { listed_only: true, ..GalleryQuery::default() };
        assert_eq!(ids(&for_sale.apply(&entries)), vec![4, 3, 2, 1]);
        let split_only = GalleryQuery { split_only: true, ..GalleryQuery::default() };
        assert_eq!(ids(&split_only.apply(&entries)), vec![3]);
        let cheap = GalleryQuery { price_max: Some(Wei(WEI_PER_ETHER * 2)), ..GalleryQuery::default() };
        assert_eq!(ids(&cheap.apply(&entries)), vec![4, 3, 1]);
        let counted = facets(&entries);
        assert_eq!((counted.listed, counted.split), (4, 1));
    }

    #[test]
    fn price_sorts_put_unlisted_twins_last_and_break_ties_by_newest() {
        let entries = sample();
        assert_eq!(ids(&query(SortKey::PriceLowHigh).apply(&entries)), [4, 1, 2, 6, 5, 3]);
        assert_eq!(ids(&query(SortKey::PriceHighLow).apply(&entries)), [2, 4, 1, 6, 5, 3]);
    }

    #[test]
    fn sorts_by_hashrate_efficiency_and_donated_work() {
        let entries = sample();
        assert_eq!(ids(&query(SortKey::HashrateHigh).apply(&entries)), [2, 4, 3, 1, 5, 6]);
        // 17.5, 21.5, 26, 29.5, 98 J/TH; the rig without hashrate has no efficiency and goes last.
        assert_eq!(ids(&query(SortKey::EfficiencyBest).apply(&entries)), [2, 4, 3, 1, 5, 6]);
        assert_eq!(ids(&query(SortKey::DonatedWork).apply(&entries)), [5, 6, 4, 3, 2, 1]);
    }

    #[test]
    fn filters_by_maker_model_and_status_ignoring_case() {
        let entries = sample();
        let makers = GalleryQuery { manufacturers: vec!["BITMAIN".into()], ..GalleryQuery::default() };
        assert_eq!(ids(&makers.apply(&entries)), [5, 2, 1]);
        let models =
            GalleryQuery { models: vec!["antminer s21".into(), "Gamma 601".into()], ..GalleryQuery::default() };
        assert_eq!(ids(&models.apply(&entries)), [6, 2]);
        let offline = GalleryQuery { statuses: vec![TwinStatus::Offline], ..GalleryQuery::default() };
        assert_eq!(ids(&offline.apply(&entries)), [5]);
        let listed = GalleryQuery { listed_only: true, ..GalleryQuery::default() };
        assert_eq!(ids(&listed.apply(&entries)), [4, 2, 1]);
    }

    #[test]
    fn bounds_are_inclusive_and_leave_out_what_they_cannot_judge() {
        let entries = sample();
        let price = GalleryQuery { price_max: Some(Wei(WEI_PER_ETHER * 3 / 2)), ..GalleryQuery::default() };
        assert_eq!(ids(&price.apply(&entries)), [4, 1]);
        let price = GalleryQuery { price_min: Some(Wei(WEI_PER_ETHER * 2)), ..GalleryQuery::default() };
        assert_eq!(ids(&price.apply(&entries)), [2]);
        let efficient = GalleryQuery { efficiency_max: Some(21.6), ..GalleryQuery::default() };
        assert_eq!(ids(&efficient.apply(&entries)), [4, 2]);
        let middling =
            GalleryQuery { efficiency_min: Some(26.0), efficiency_max: Some(30.0), ..GalleryQuery::default() };
        assert_eq!(ids(&middling.apply(&entries)), [3, 1]);
    }

    #[test]
    fn search_needs_every_word_in_some_field() {
        let entries = sample();
        let search = |text: &str| ids(&GalleryQuery { search: text.into(), ..GalleryQuery::default() }.apply(&entries));
        assert_eq!(search("antminer"), [5, 2, 1]);
        assert_eq!(search("  BITMAIN   s19J "), [1]);
        assert_eq!(search("paraguay whatsminer"), [3]);
        assert_eq!(search("antminer canaan"), Vec::<u64>::new());
        assert_eq!(search("#4"), [4]);
        // A bare number finds the twin with that id as well as text containing it.
        assert_eq!(search("1"), [6, 4, 2, 1]);
        assert_eq!(search("#x"), Vec::<u64>::new());
        assert_eq!(search(""), [6, 5, 4, 3, 2, 1]);
    }

    #[test]
    fn search_ignores_case_beyond_ascii() {
        let mut entries = sample();
        entries[2].twin.spec.location = "Nürnberg, ÖSTERREICH".into();
        let search = |text: &str| ids(&GalleryQuery { search: text.into(), ..GalleryQuery::default() }.apply(&entries));
        assert_eq!(search("österreich"), [3]);
        assert_eq!(search("NÜRN"), [3]);
        assert_eq!(search("berg"), [3]);
    }

    #[test]
    fn facets_count_names_ignoring_case_in_name_order() {
        let facets = facets(&sample());
        assert_eq!(
            facets.manufacturers,
            [
                ("Bitaxe".to_string(), 1),
                ("Bitmain".to_string(), 3),
                ("Canaan".to_string(), 1),
                ("MicroBT".to_string(), 1)
            ]
        );
        assert_eq!(facets.models.len(), 6);
        assert_eq!(facets.models[0], ("Antminer S19j Pro".to_string(), 1));
        assert_eq!(
            facets.statuses,
            [(TwinStatus::Active, 5), (TwinStatus::Offline, 1), (TwinStatus::Decommissioned, 0)]
        );
        assert_eq!(facets.listed, 3);
        assert_eq!(
            super::facets(&[]),
            Facets { statuses: TwinStatus::ALL.map(|s| (s, 0)).to_vec(), ..Facets::default() }
        );
    }

    #[test]
    fn facets_show_the_most_common_spelling() {
        let entries =
            vec![entry(1, "bitmain", "S9", 14, 1), entry(2, "Bitmain", "S9", 14, 1), entry(3, "Bitmain", "S9", 14, 1)];
        assert_eq!(facets(&entries).manufacturers, [("Bitmain".to_string(), 3)]);
        let tie = vec![entry(1, "bitmain", "S9", 14, 1), entry(2, "Bitmain", "S9", 14, 1)];
        assert_eq!(facets(&tie).manufacturers, [("Bitmain".to_string(), 2)]);
    }

    #[test]
    fn a_view_is_the_page_asked_for_with_its_counts() {
        let entries = sample();
        let mut query = query(SortKey::Newest);
        query.page = 99;
        let view = query.view(&entries, facets(&entries));
        assert_eq!(view.total, entries.len());
        assert_eq!(view.matching, entries.len());
        assert_eq!(
            view.entries,
            query.apply(&entries).into_iter().cloned().collect::<Vec<_>>(),
            "past the end: the last page"
        );
        assert_eq!(view.facets, facets(&entries));
    }

    #[test]
    fn pages_cover_every_result_once() {
        assert_eq!(page_count(0), 0);
        assert_eq!(page_count(1), 1);
        assert_eq!(page_count(48), 1);
        assert_eq!(page_count(49), 2);
        assert_eq!(page_range(100, 0), 0..48);
        assert_eq!(page_range(100, 2), 96..100);
        assert_eq!(page_range(100, 3), 100..100);
        assert_eq!(page_range(100, u32::MAX), 100..100);
        assert_eq!(page_range(0, 0), 0..0);
        assert_eq!(clamp_page(100, 7), 2);
        assert_eq!(clamp_page(100, 1), 1);
        assert_eq!(clamp_page(0, 3), 0);
    }

    #[test]
    fn the_default_query_has_an_empty_url() {
        assert_eq!(GalleryQuery::default().to_query_string(), "");
        assert_eq!(GalleryQuery::from_query_string(""), GalleryQuery::default());
        assert_eq!(GalleryQuery::from_query_string("?"), GalleryQuery::default());
    }

    #[test]
    fn writes_short_keys_in_a_stable_order() {
        let query = GalleryQuery {
            search: "s21 & co+".into(),
            manufacturers: vec!["Bitmain".into(), "Micro BT".into()],
            models: vec!["Antminer S21".into()],
            statuses: vec![TwinStatus::Active, TwinStatus::Offline],
            listed_only: true,
            split_only: true,
            on_time: true,
            paid_in_full: true,
            price_min: Some(Wei(WEI_PER_ETHER / 4)),
            price_max: Some(Wei(3 * WEI_PER_ETHER)),
            efficiency_min: Some(15.0),
            efficiency_max: Some(25.5),
            sort: SortKey::PriceLowHigh,
            page: 2,
        };
        assert_eq!(
            query.to_query_string(),
            "q=s21+%26+co%2B&make=Bitmain&make=Micro+BT&model=Antminer+S21&status=active&status=offline&listed=1\
             &split=1&ontime=1&paid=1&pmin=0.25&pmax=3&emin=15&emax=25.5&sort=price-asc&page=3"
        );
        assert_eq!(GalleryQuery::from_query_string(&query.to_query_string()), query);
    }

    #[test]
    fn reads_tolerantly() {
        let query = GalleryQuery::from_query_string(
            "?q=caf%C3%A9%20bar&make=&make=Bit%6Dain&status=broken&status=OFFLINE&listed=maybe&pmin=-1&pmax=1.5\
             &emin=NaN&emax=inf&sort=upside-down&page=0&page=abc&unknown=1&noequals&%zz=1&model=100%25",
        );
        assert_eq!(
            query,
            GalleryQuery {
                search: "café bar".into(),
                manufacturers: vec!["Bitmain".into()],
                models: vec!["100%".into()],
                statuses: vec![TwinStatus::Offline],
                price_max: Some(Wei(3 * WEI_PER_ETHER / 2)),
                ..GalleryQuery::default()
            }
        );
    }

    #[test]
    fn the_earnings_filters_and_the_yield_sort_live_in_the_url() {
        let query = GalleryQuery::from_query_string("ontime=1&paid=true&sort=YIELD");
        assert_eq!(
            query,
            GalleryQuery { on_time: true, paid_in_full: true, sort: SortKey::YieldHigh, ..GalleryQuery::default() }
        );
        assert_eq!(query.to_query_string(), "ontime=1&paid=1&sort=yield");
        assert_eq!(GalleryQuery::from_query_string(&query.to_query_string()), query);
        // Unset flags are left out; what cannot be read leaves the flag as it was.
        assert_eq!(GalleryQuery { on_time: true, ..GalleryQuery::default() }.to_query_string(), "ontime=1");
        assert_eq!(GalleryQuery::from_query_string("ontime=maybe&paid=0"), GalleryQuery::default());
        assert!(GalleryQuery::from_query_string("paid=1&paid=yes").paid_in_full);
        assert!(!GalleryQuery::from_query_string("ontime=1&ontime=false").on_time);
        assert_eq!(SortKey::from_slug("yield"), Some(SortKey::YieldHigh));
        assert_eq!(SortKey::YieldHigh.label(), "Highest yield");
    }

    fn earning(mut entry: GalleryEntry, earnings: EntryEarnings) -> GalleryEntry {
        entry.earnings = earnings;
        entry
    }

    fn yielding(bps: u64) -> EntryEarnings {
        EntryEarnings { yield_bps: Some(bps), late_at: Some(u64::MAX), ..EntryEarnings::default() }
    }

    #[test]
    fn the_yield_sort_puts_twins_without_a_yield_last_newest_first() {
        let entries = vec![
            earning(entry(1, "Bitmain", "S19j Pro", 104, 3_068), yielding(980)),
            entry(2, "Bitmain", "S21", 200, 3_500),
            earning(entry(3, "MicroBT", "M50S", 126, 3_276), yielding(1_210)),
            // A yield of 0 is a yield: it ranks above none.
            earning(entry(4, "Canaan", "A1466", 150, 3_230), yielding(0)),
            earning(entry(5, "Bitmain", "S9", 14, 1_372), yielding(980)),
            entry(6, "Bitaxe", "Gamma 601", 0, 18),
        ];
        assert_eq!(ids(&query(SortKey::YieldHigh).apply(&entries)), [3, 5, 1, 4, 6, 2]);
    }

    #[test]
    fn the_earnings_filters_keep_twins_on_time_and_paid_in_full() {
        let on_time = EntryEarnings { late_at: Some(2_000), paid_bps_30d: Some(9_500), ..EntryEarnings::default() };
        let entries = vec![
            earning(entry(1, "Bitmain", "S19j Pro", 104, 3_068), on_time),
            // Late now.
            earning(entry(2, "Bitmain", "S21", 200, 3_500), EntryEarnings { late: true, ..on_time }),
            // Late once in the 30 days.
            earning(entry(3, "MicroBT", "M50S", 126, 3_276), EntryEarnings { late_30d: 1, ..on_time }),
            // Underpaid, and a ratio not worked out.
            earning(entry(4, "Canaan", "A1466", 150, 3_230), EntryEarnings { paid_bps_30d: Some(9_499), ..on_time }),
            earning(entry(5, "Bitmain", "S9", 14, 1_372), EntryEarnings { paid_bps_30d: None, ..on_time }),
            // Without a schedule, nothing says it pays on time.
            entry(6, "Bitaxe", "Gamma 601", 0, 18),
        ];
        let on_time_only = GalleryQuery { on_time: true, ..GalleryQuery::default() };
        assert_eq!(ids(&on_time_only.apply(&entries)), [5, 4, 1]);
        let paid = GalleryQuery { paid_in_full: true, ..GalleryQuery::default() };
        assert_eq!(ids(&paid.apply(&entries)), [3, 2, 1]);
        let both = GalleryQuery { on_time: true, paid_in_full: true, ..GalleryQuery::default() };
        assert_eq!(ids(&both.apply(&entries)), [1]);
    }

    const DAY: u64 = 86_400;
    const MINTED: u64 = 1_700_000_000;

    fn terms(period_days: u64, grace_hours: u64) -> EarningTerms {
        EarningTerms {
            service_fee_bps: 1_000,
            tariff_micro_usd_per_kwh: 55_000,
            settlement_period: (period_days * DAY) as u32,
            grace_period: (grace_hours * 3_600) as u32,
        }
    }

    /// Period `index` of a daily (or `days`-long) schedule from the mint, paying `net` wei.
    fn settled(index: u64, days: u64, gross: u128, net: u128) -> Settlement {
        use crate::domain::earnings::RecordedFigures;
        Settlement {
            index: index as u32,
            holder: Address([9; 20]),
            period_start: MINTED + index * days * DAY,
            period_end: MINTED + (index + 1) * days * DAY,
            energy_wh: 84_000,
            late: false,
            gross: Wei(gross),
            service_fee: Wei(0),
            electricity: Wei(gross - net),
            net: Wei(net),
            shortfall: Wei::ZERO,
            service_fee_cap: Wei(0),
            electricity_cap: Wei(gross),
            eth_usd: 300_000_000_000,
            price_decimals: 8,
            network: RecordedFigures {
                btc_usd: 9_100_000_000_000,
                difficulty: 152_000_000_000_000,
                fees_per_block: 0,
                oldest_at: 0,
            },
        }
    }

    #[test]
    fn the_yield_annualises_the_30_days_net_on_the_price_as_the_indexer_does() {
        // 0.01 ETH net a day: 0.3 ETH in the 30 days, 3.65 ETH a year, 100% of a 3.65 ETH price.
        let month: Vec<_> = (0..40).map(|day| settled(day, 1, WEI_PER_ETHER, WEI_PER_ETHER / 100)).collect();
        assert_eq!(yield_bps_30d(&month, Wei(365 * WEI_PER_ETHER / 100)), Some(10_000));
        // Only the 30 days up to the newest settlement count, however many came before.
        assert_eq!(yield_bps_30d(&month[..35], Wei(365 * WEI_PER_ETHER / 100)), Some(10_000));
        // Rounded down, as the indexer's integer division.
        assert_eq!(yield_bps_30d(&month, Wei(3 * 365 * WEI_PER_ETHER / 100)), Some(3_333));
        assert_eq!(yield_bps_30d(&month, Wei::ZERO), None);
        assert_eq!(yield_bps_30d(&[], Wei(WEI_PER_ETHER)), None);
        // Weekly periods: the five ending in the 30 days to the newest (days 14 to 42), × 365 / 30,
        // as the indexer's `yieldBps` takes them: 0.5 ETH × 365 / 30 on 1 ETH.
        let weekly: Vec<_> = (0..6).map(|week| settled(week, 7, WEI_PER_ETHER, WEI_PER_ETHER / 10)).collect();
        assert_eq!(yield_bps_30d(&weekly, Wei(WEI_PER_ETHER)), Some(60_833));
    }

    #[test]
    fn a_twin_is_late_once_its_open_period_is_past_its_grace() {
        let daily = terms(1, 6);
        let month: Vec<_> = (0..30).map(|day| settled(day, 1, 100, 90)).collect();
        let last_end = MINTED + 30 * DAY;
        let price = Some(Wei(WEI_PER_ETHER));
        let at = |now: u64| EntryEarnings::from_book(Some(daily), &month, Some(MINTED), price, now);
        assert_eq!(at(last_end).late_at, Some(last_end + DAY + 6 * 3_600));
        assert!(at(last_end + DAY + 6 * 3_600).on_time(), "late only once the grace has run out");
        assert!(at(last_end + DAY + 6 * 3_600 + 1).late);
        assert!(!at(last_end + DAY + 6 * 3_600 + 1).on_time());

        // One late settlement in the 30 days is enough to leave a twin out; one before them is not.
        let mut late_once = month.clone();
        late_once[10].late = true;
        let earnings = EntryEarnings::from_book(Some(daily), &late_once, Some(MINTED), price, last_end);
        assert_eq!((earnings.late_30d, earnings.late, earnings.on_time()), (1, false, false));
        late_once[10].late = false;
        late_once[0].late = true;
        let later: Vec<_> = late_once.iter().cloned().chain((30..35).map(|day| settled(day, 1, 100, 90))).collect();
        let earnings = EntryEarnings::from_book(Some(daily), &later, Some(MINTED), price, last_end + 5 * DAY);
        assert_eq!(earnings.late_30d, 0);
        assert!(earnings.on_time());
    }

    #[test]
    fn a_twin_never_settled_is_on_time_until_its_first_period_is_late() {
        let weekly = terms(7, 24);
        let at = |now: u64| EntryEarnings::from_book(Some(weekly), &[], Some(MINTED), Some(Wei(WEI_PER_ETHER)), now);
        assert_eq!(at(MINTED).late_at, Some(MINTED + 8 * DAY));
        assert!(at(MINTED + 8 * DAY).on_time());
        assert!(!at(MINTED + 8 * DAY + 1).on_time());
        assert_eq!(at(MINTED).yield_bps, None, "nothing settled is no yield, not 0%");
        // Without the mint's time or the terms there is no schedule to judge it by.
        let unknown = EntryEarnings::from_book(Some(weekly), &[], None, None, MINTED);
        assert_eq!((unknown.late_at, unknown.late, unknown.on_time()), (None, false, false));
        assert!(!EntryEarnings::from_book(None, &[], Some(MINTED), None, MINTED).on_time());
    }

    #[test]
    fn the_paid_ratio_is_read_for_twins_that_settled_in_the_last_30_days() {
        let month: Vec<_> = (0..40).map(|day| settled(day, 1, 100, 90)).collect();
        let newest = MINTED + 40 * DAY;
        // From the start of the oldest of the 30 days' periods: day 10's.
        assert_eq!(paid_ratio_since(&month, newest + 3 * DAY), Some(MINTED + 10 * DAY));
        assert_eq!(paid_ratio_since(&month, newest + 30 * DAY - 1), Some(MINTED + 10 * DAY));
        assert_eq!(paid_ratio_since(&month, newest + 30 * DAY), None, "nothing settled in the 30 days before now");
        assert_eq!(paid_ratio_since(&[], newest), None);
    }

    #[test]
    fn the_paid_ratio_holds_the_gross_against_the_measured_work() {
        use crate::domain::earnings::expected_gross_wei;
        // A 200 TH/s rig reporting hourly for ten days.
        let samples: Vec<TelemetrySample> = (1..=240)
            .map(|hour| TelemetrySample {
                timestamp: MINTED + hour * 3_600,
                hashrate_ghs: 200_000,
                ..TelemetrySample::default()
            })
            .collect();
        let figures = settled(0, 1, 1, 1).network.network(8).unwrap();
        let a_day = expected_gross_wei(200.0 * DAY as f64, &figures, 3_000.0);
        let paying = |share: f64| -> Vec<Settlement> {
            (0..10).map(|day| settled(day, 1, (a_day * share) as u128, (a_day * share * 0.8) as u128)).collect()
        };
        let full = paid_bps_30d(&paying(0.98), &samples, 8).unwrap();
        assert!((9_799..=9_800).contains(&full), "{full}");
        let under = paid_bps_30d(&paying(0.85), &samples, 8).unwrap();
        assert!((8_499..=8_500).contains(&under), "{under}");
        // Without telemetry for its periods there is nothing to hold the gross against.
        assert_eq!(paid_bps_30d(&paying(1.0), &[], 8), None);

        let mut earnings = EntryEarnings { paid_bps_30d: Some(full), ..EntryEarnings::default() };
        assert!(earnings.paid_in_full());
        earnings.paid_bps_30d = Some(under);
        assert!(!earnings.paid_in_full());
    }

    #[test]
    fn a_card_words_the_yield_a_year() {
        assert_eq!(yielding(980).yield_words().as_deref(), Some("9.8% a year"));
        assert_eq!(yielding(12_345).yield_words().as_deref(), Some("123.5% a year"));
        assert_eq!(EntryEarnings::default().yield_words(), None);
    }

    #[test]
    fn decodes_whatever_a_link_holds_without_panicking() {
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
        assert_eq!(percent_decode("%C3"), "\u{FFFD}");
        assert_eq!(percent_decode("日本"), "日本");
        for text in ["&&&", "==", "q==", "page=99999999999999999999", "page=4294967296", "pmin=1e18", "sort"] {
            let _ = GalleryQuery::from_query_string(text);
        }
        assert_eq!(GalleryQuery::from_query_string("page=4294967296").page, u32::MAX);
        assert_eq!(GalleryQuery::from_query_string("page=4294967298").page, 0);
    }

    /// SplitMix64: deterministic, so a failing case reproduces, and no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, bound: u64) -> u64 {
            self.next() % bound
        }

        fn chance(&mut self, percent: u64) -> bool {
            self.below(100) < percent
        }

        fn text(&mut self, max_chars: u64) -> String {
            const ALPHABET: [char; 24] = [
                'a', 'Z', '0', '9', ' ', '+', '&', '=', '%', '#', '?', '/', '-', '_', '.', '~', 'é', '€', '日', '😀',
                '\'', '"', '<', '\u{0}',
            ];
            (0..1 + self.below(max_chars)).map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize]).collect()
        }
    }

    fn random_query(rng: &mut Rng) -> GalleryQuery {
        let names = |rng: &mut Rng| (0..rng.below(3)).map(|_| rng.text(12)).collect::<Vec<_>>();
        GalleryQuery {
            search: if rng.chance(50) { rng.text(20) } else { String::new() },
            manufacturers: names(rng),
            models: names(rng),
            statuses: (0..rng.below(3)).map(|_| TwinStatus::ALL[rng.below(3) as usize]).collect(),
            listed_only: rng.chance(30),
            split_only: rng.chance(30),
            price_min: rng.chance(30).then(|| Wei(u128::from(rng.next()) * u128::from(rng.below(1_000_000)))),
            price_max: rng.chance(30).then(|| Wei(u128::from(rng.next()))),
            efficiency_min: rng.chance(30).then(|| rng.below(100_000) as f64 / 1_000.0),
            efficiency_max: rng.chance(30).then(|| f64::from_bits(rng.next() >> 2).abs()),
            on_time: rng.chance(30),
            paid_in_full: rng.chance(30),
            sort: SortKey::ALL[rng.below(SortKey::ALL.len() as u64) as usize],
            page: if rng.chance(50) { 0 } else { rng.next() as u32 },
        }
    }

    #[test]
    fn every_query_survives_the_url() {
        let mut rng = Rng(0x4861_7368_5477_696e);
        for _ in 0..5_000 {
            let query = random_query(&mut rng);
            let text = query.to_query_string();
            assert!(text.bytes().all(|byte| byte.is_ascii_graphic()), "{text}");
            assert_eq!(GalleryQuery::from_query_string(&text), query, "{text}");
            assert_eq!(GalleryQuery::from_query_string(&format!("?{text}")).to_query_string(), text);
        }
    }

    #[test]
    fn five_thousand_twins_filter_sort_and_page() {
        let makers = ["Bitmain", "MicroBT", "Canaan", "Bitaxe", "Auradine"];
        let mut rng = Rng(5_000);
        let entries: Vec<GalleryEntry> = (1..=5_000)
            .map(|id| {
                let maker = makers[rng.below(5) as usize];
                let mut entry = entry(
                    id,
                    maker,
                    &format!("Model {}", rng.below(40)),
                    rng.below(400),
                    500 + rng.below(5_000) as u32,
                );
                entry.status = TwinStatus::ALL[rng.below(3) as usize];
                entry.listing_price = rng.chance(40).then(|| Wei(u128::from(rng.below(100)) * WEI_PER_ETHER / 10));
                entry.donated_work = u128::from(rng.below(1_000_000));
                entry
            })
            .collect();

        for sort in SortKey::ALL {
            let query = GalleryQuery {
                manufacturers: vec!["bitmain".into(), "Canaan".into()],
                statuses: vec![TwinStatus::Active, TwinStatus::Offline],
                efficiency_max: Some(40.0),
                sort,
                ..GalleryQuery::default()
            };
            let shown = query.apply(&entries);
            let expected = entries
                .iter()
                .filter(|e| matches!(e.twin.spec.manufacturer.as_str(), "Bitmain" | "Canaan"))
                .filter(|e| e.status != TwinStatus::Decommissioned)
                .filter(|e| e.twin.spec.efficiency_j_per_th().is_some_and(|j| j <= 40.0))
                .count();
            assert!(expected > 100, "the generated set should exercise the filters");
            assert_eq!(shown.len(), expected);
            for pair in shown.windows(2) {
                assert_eq!(sort.compare(pair[0], pair[1]), Ordering::Less, "{sort:?} out of order");
            }
            let pages: Vec<_> =
                (0..page_count(shown.len())).map(|page| &shown[page_range(shown.len(), page)]).collect();
            assert_eq!(pages.iter().map(|page| page.len()).sum::<usize>(), shown.len());
            assert!(pages.iter().all(|page| !page.is_empty() && page.len() <= PAGE_SIZE));
        }

        let everything = GalleryQuery::default().apply(&entries);
        assert_eq!(everything.len(), 5_000);
        assert_eq!(everything[0].twin.id, 5_000);
        let facets = facets(&entries);
        assert_eq!(facets.manufacturers.iter().map(|(_, count)| count).sum::<usize>(), 5_000);
        assert_eq!(facets.models.len(), 40);
    }
}
