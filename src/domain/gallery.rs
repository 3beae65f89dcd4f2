//! The gallery's search, filters and sort orders, and how they live in the page URL so that a
//! filtered view survives a reload and can be shared.
//!
//! Everything here runs on every keystroke in the search box over the whole collection (thousands
//! of twins), so matching allocates nothing per twin and sorting is a single comparison sort.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::ops::Range;

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
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Newest,
        SortKey::PriceLowHigh,
        SortKey::PriceHighLow,
        SortKey::HashrateHigh,
        SortKey::EfficiencyBest,
        SortKey::DonatedWork,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Newest => "Newest",
            SortKey::PriceLowHigh => "Price: low to high",
            SortKey::PriceHighLow => "Price: high to low",
            SortKey::HashrateHigh => "Highest hashrate",
            SortKey::EfficiencyBest => "Most efficient",
            SortKey::DonatedWork => "Most donated work",
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
            SortKey::PriceLowHigh => present_first(a.listing_price, b.listing_price, |x, y| x.cmp(y)),
            SortKey::PriceHighLow => present_first(a.listing_price, b.listing_price, |x, y| y.cmp(x)),
            SortKey::HashrateHigh => b.twin.spec.hashrate_ghs.cmp(&a.twin.spec.hashrate_ghs),
            SortKey::EfficiencyBest => {
                present_first(a.twin.spec.efficiency_j_per_th(), b.twin.spec.efficiency_j_per_th(), f64::total_cmp)
            }
            SortKey::DonatedWork => b.donated_work.cmp(&a.donated_work),
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
    pub listed_only: bool,
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
            && (!self.listed_only || entry.listing_price.is_some())
            && (!priced || entry.listing_price.is_some_and(|price| within(price, self.price_min, self.price_max)))
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
                "listed" => match value.as_str() {
                    "1" | "true" => parsed.listed_only = true,
                    "0" | "false" => parsed.listed_only = false,
                    _ => {}
                },
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
        if self.listed_only {
            add("listed", "1");
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
}

/// Names differing only in case ("Bitmain", "BITMAIN") count as one, as the filters treat them, and
/// are shown as their most common spelling.
pub fn facets(entries: &[GalleryEntry]) -> Facets {
    let mut manufacturers = NameCounts::default();
    let mut models = NameCounts::default();
    let mut statuses = TwinStatus::ALL.map(|status| (status, 0));
    let mut listed = 0;
    for entry in entries {
        manufacturers.add(&entry.twin.spec.manufacturer);
        models.add(&entry.twin.spec.model);
        statuses[entry.status as usize].1 += 1;
        listed += usize::from(entry.listing_price.is_some());
    }
    Facets {
        manufacturers: manufacturers.into_sorted(),
        models: models.into_sorted(),
        statuses: statuses.to_vec(),
        listed,
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
             &pmin=0.25&pmax=3&emin=15&emax=25.5&sort=price-asc&page=3"
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
            price_min: rng.chance(30).then(|| Wei(u128::from(rng.next()) * u128::from(rng.below(1_000_000)))),
            price_max: rng.chance(30).then(|| Wei(u128::from(rng.next()))),
            efficiency_min: rng.chance(30).then(|| rng.below(100_000) as f64 / 1_000.0),
            efficiency_max: rng.chance(30).then(|| f64::from_bits(rng.next() >> 2).abs()),
            sort: SortKey::ALL[rng.below(6) as usize],
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
