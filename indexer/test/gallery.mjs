// The gallery's query (src/domain/gallery.rs: GalleryQuery) as the indexer's GraphQL answers it,
// exactly as indexer/README.md tells the app to build it; and, to check it, the gallery's own rules
// applied to what the chain says.
import { gql } from './harness.mjs';

const U64_MAX = (1n << 64n) - 1n;

/** Rust's `str::parse::<u64>`: optional `+`, decimal digits, no overflow. */
function parseU64(text) {
  if (!/^\+?[0-9]+$/.test(text)) return null;
  const value = BigInt(text);
  return value <= U64_MAX ? value : null;
}

/** The gallery's `fold_case`: lowercase character by character. */
export const fold = (text) => Array.from(text, (char) => char.toLowerCase()).join('');

/** `_contains` is SQL LIKE: a literal `%`, `_` or `\` in a search word must be escaped. */
const escapeLike = (text) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/**
 * The `where` of a gallery query over `gallerySpans`. `now` is the chain's time (unix seconds): the
 * span of each twin in force at `now` is the one with `validFrom <= now < validUntil`, and says
 * whether the twin is for sale then and at what asking price.
 */
export function galleryWhere(query, now) {
  const and = [{ validFrom_lte: String(now) }, { validUntil_gt: String(now) }];
  for (const word of query.search.split(/\s+/).filter(Boolean)) {
    const exact = word.startsWith('#') ? parseU64(word.slice(1)) : null;
    if (exact !== null) {
      and.push({ twinId: String(exact) });
      continue;
    }
    const text = { search_contains: escapeLike(fold(word)) };
    const asId = parseU64(word);
    and.push(asId === null ? text : { OR: [text, { twinId: String(asId) }] });
  }
  if (query.manufacturers.length > 0) and.push({ manufacturerKey_in: query.manufacturers.map(fold) });
  if (query.models.length > 0) and.push({ modelKey_in: query.models.map(fold) });
  if (query.statuses.length > 0) and.push({ status_in: query.statuses });
  const priced = query.priceMin !== null || query.priceMax !== null;
  if (query.listedOnly || priced) and.push({ forSale: true });
  if (query.splitOnly) and.push({ split: true });
  if (query.priceMin !== null) and.push({ askingPrice_gte: String(query.priceMin) });
  if (query.priceMax !== null) and.push({ askingPrice_lte: String(query.priceMax) });
  if (query.efficiencyMin !== null) and.push({ efficiencyJth_gte: query.efficiencyMin });
  if (query.efficiencyMax !== null) and.push({ efficiencyJth_lte: query.efficiencyMax });
  return { AND: and };
}

/** Column and direction of each sort (the gallery's URL slugs). Price sorts order the twins for
 * sale; the rest follow, newest first. */
export const SORTS = {
  newest: ['twinId', 'desc'],
  'price-asc': ['sortPriceAsc', 'asc'],
  'price-desc': ['sortPriceDesc', 'desc'],
  hashrate: ['sortHashrate', 'desc'],
  efficiency: ['sortEfficiency', 'asc'],
  donated: ['sortDonated', 'desc'],
};

const PAGE_QUERY = `query Gallery($where: gallerySpanFilter, $orderBy: String, $orderDirection: String, $limit: Int, $offset: Int) {
  gallerySpans(where: $where, orderBy: $orderBy, orderDirection: $orderDirection, limit: $limit, offset: $offset) {
    totalCount
    items {
      twinId askingPrice listingPrice split shareSupply forSaleBps cheapestPerShare
      twin { id manufacturer model location hashrateGhs powerWatts efficiencyJth status donatedWork }
    }
  }
}`;

/** One page of the gallery: at most two requests (a price sort's page may straddle the twins for
 * sale and the rest). Returns the page's spans and how many match in all. */
export async function galleryPage(url, query, now, pageSize = 48) {
  const where = galleryWhere(query, now);
  const [orderBy, orderDirection] = SORTS[query.sort];
  const offset = query.page * pageSize;
  if (!orderBy.startsWith('sortPrice')) {
    const { gallerySpans } = await gql(url, PAGE_QUERY, { where, orderBy, orderDirection, limit: pageSize, offset });
    return { items: gallerySpans.items, total: gallerySpans.totalCount };
  }
  const forSale = { AND: [...where.AND, { forSale: true }] };
  const { gallerySpans: first } = await gql(url, PAGE_QUERY, { where: forSale, orderBy, orderDirection, limit: pageSize, offset });
  const notForSale = { AND: [...where.AND, { forSale: false }] };
  const { gallerySpans: rest } = await gql(url, PAGE_QUERY, {
    where: notForSale,
    orderBy: 'twinId',
    orderDirection: 'desc',
    limit: Math.max(pageSize - first.items.length, 0),
    offset: Math.max(offset - first.totalCount, 0),
  });
  // A page wholly among the twins for sale still asks for the count of the rest (limit 0).
  return { items: [...first.items, ...rest.items], total: first.totalCount + rest.totalCount };
}

export const defaultQuery = () => ({
  search: '',
  manufacturers: [],
  models: [],
  statuses: [],
  listedOnly: false,
  splitOnly: false,
  priceMin: null,
  priceMax: null,
  efficiencyMin: null,
  efficiencyMax: null,
  sort: 'newest',
  page: 0,
});

// ------------------------------------------------ the gallery's own rules, for the expectation

const efficiencyOf = (twin) => (twin.powerWatts * 1000) / Number(twin.hashrateGhs);

/** GalleryQuery::apply over twins as the chain describes them (all pages): `askingPrice` is
 * `GalleryEntry::asking_price`, `split` whether it has a fraction. */
export function expectedGallery(twins, query) {
  const terms = query.search.split(/\s+/).filter(Boolean).map((word) => {
    const exact = word.startsWith('#') ? parseU64(word.slice(1)) : null;
    return exact !== null ? { id: exact } : { folded: fold(word), asId: parseU64(word) };
  });
  const sameName = (wanted, value) => wanted.some((name) => fold(name) === fold(value));
  const within = (value, min, max) => (min === null || value >= min) && (max === null || value <= max);
  const priced = query.priceMin !== null || query.priceMax !== null;
  const rated = query.efficiencyMin !== null || query.efficiencyMax !== null;
  const matching = twins.filter(
    (twin) =>
      (query.manufacturers.length === 0 || sameName(query.manufacturers, twin.manufacturer)) &&
      (query.models.length === 0 || sameName(query.models, twin.model)) &&
      (query.statuses.length === 0 || query.statuses.includes(twin.status)) &&
      (!query.listedOnly || twin.askingPrice !== null) &&
      (!query.splitOnly || twin.split) &&
      (!priced || (twin.askingPrice !== null && within(twin.askingPrice, query.priceMin, query.priceMax))) &&
      (!rated || within(efficiencyOf(twin), query.efficiencyMin, query.efficiencyMax)) &&
      terms.every((term) =>
        term.id !== undefined
          ? twin.id === term.id
          : term.asId === twin.id ||
            [twin.manufacturer, twin.model, twin.location].some((field) => fold(field).includes(term.folded)),
      ),
  );
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const presentFirst = (a, b, order) => (a !== null && b !== null ? order(a, b) : a !== null ? -1 : b !== null ? 1 : 0);
  const byKey = {
    newest: () => 0,
    'price-asc': (a, b) => presentFirst(a.askingPrice, b.askingPrice, cmp),
    'price-desc': (a, b) => presentFirst(a.askingPrice, b.askingPrice, (x, y) => cmp(y, x)),
    hashrate: (a, b) => cmp(b.hashrateGhs, a.hashrateGhs),
    efficiency: (a, b) => cmp(efficiencyOf(a), efficiencyOf(b)),
    donated: (a, b) => cmp(b.donatedWork, a.donatedWork),
  }[query.sort];
  return matching.sort((a, b) => byKey(a, b) || cmp(b.id, a.id));
}
