//! SHA-256 rounds specialised for the share header, generic over the word type so that the scalar
//! and SIMD kernels run the same code.
//!
//! Everything here is `#[inline(always)]` and indexed by literal round numbers from macros: after
//! inlining, the state and schedule arrays have constant indices only, so LLVM keeps them in
//! registers (wasm locals) and no bounds check survives. Loops would leave that to the unroller,
//! which gives up on bodies this size (and does not run at the release profile's `opt-level="z"`).

pub(crate) const IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
];

/// The padding bit that follows the message.
const PAD: u32 = 0x8000_0000;
/// Message length in bits, in the last word of the final block: the 80-byte header...
const HEADER_BITS: u32 = 80 * 8;
/// ...and the 32-byte first digest.
const DIGEST_BITS: u32 = 32 * 8;

/// K + W of rounds 4..=15 of the header's second block: words 4..=15 are padding.
const HEADER_PAD_KW: [u32; 12] = {
    let mut kw = [0u32; 12];
    let mut t = 4;
    while t < 16 {
        kw[t - 4] = K[t];
        t += 1;
    }
    kw[0] = K[4].wrapping_add(PAD);
    kw[11] = K[15].wrapping_add(HEADER_BITS);
    kw
};

/// K + W of rounds 8..=15 of the second hash: words 8..=15 are padding.
const DIGEST_PAD_KW: [u32; 8] = {
    let mut kw = [0u32; 8];
    let mut t = 8;
    while t < 16 {
        kw[t - 8] = K[t];
        t += 1;
    }
    kw[0] = K[8].wrapping_add(PAD);
    kw[7] = K[15].wrapping_add(DIGEST_BITS);
    kw
};

const fn small_sigma0_const(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}

const fn small_sigma1_const(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}

/// A SHA-256 word, or several processed in lockstep.
pub(crate) trait Lanes: Copy {
    fn splat(x: u32) -> Self;
    fn add(self, other: Self) -> Self;
    fn xor(self, other: Self) -> Self;
    fn shr(self, n: u32) -> Self;
    fn rotr(self, n: u32) -> Self;
    /// `(e & f) ^ (!e & g)`
    fn ch(e: Self, f: Self, g: Self) -> Self;
    /// `(a & b) ^ (a & c) ^ (b & c)`
    fn maj(a: Self, b: Self, c: Self) -> Self;
}

impl Lanes for u32 {
    #[inline(always)]
    fn splat(x: u32) -> Self {
        x
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self.wrapping_add(other)
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        self ^ other
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        self >> n
    }
    #[inline(always)]
    fn rotr(self, n: u32) -> Self {
        self.rotate_right(n)
    }
    #[inline(always)]
    fn ch(e: Self, f: Self, g: Self) -> Self {
        g ^ (e & (f ^ g))
    }
    #[inline(always)]
    fn maj(a: Self, b: Self, c: Self) -> Self {
        (a & b) | (c & (a | b))
    }
}

#[inline(always)]
fn big_sigma0<L: Lanes>(x: L) -> L {
    x.rotr(2).xor(x.rotr(13)).xor(x.rotr(22))
}

#[inline(always)]
fn big_sigma1<L: Lanes>(x: L) -> L {
    x.rotr(6).xor(x.rotr(11)).xor(x.rotr(25))
}

#[inline(always)]
fn small_sigma0<L: Lanes>(x: L) -> L {
    x.rotr(7).xor(x.rotr(18)).xor(x.shr(3))
}

#[inline(always)]
fn small_sigma1<L: Lanes>(x: L) -> L {
    x.rotr(17).xor(x.rotr(19)).xor(x.shr(10))
}

/// Where working variable `role` (0 = a .. 7 = h) lives at round `t`. Rotating the roles over a
/// fixed array instead of shifting eight values per round is what lets every round write just two
/// slots; after rounds 0..=63 the roles are back in place.
#[inline(always)]
const fn slot(t: usize, role: usize) -> usize {
    (role + 8 - (t & 7)) & 7
}

#[inline(always)]
fn round<L: Lanes>(s: &mut [L; 8], t: usize, kw: L) {
    let [a, b, c] = [s[slot(t, 0)], s[slot(t, 1)], s[slot(t, 2)]];
    let t1 = temp1(s, t, kw);
    s[slot(t, 3)] = s[slot(t, 3)].add(t1);
    s[slot(t, 7)] = t1.add(big_sigma0(a)).add(L::maj(a, b, c));
}

/// A round that only produces the new `e`: enough for rounds whose new `a` is never read.
#[inline(always)]
fn round_e_only<L: Lanes>(s: &mut [L; 8], t: usize, kw: L) {
    let t1 = temp1(s, t, kw);
    s[slot(t, 3)] = s[slot(t, 3)].add(t1);
}

#[inline(always)]
fn temp1<L: Lanes>(s: &[L; 8], t: usize, kw: L) -> L {
    let [e, f, g, h] = [s[slot(t, 4)], s[slot(t, 5)], s[slot(t, 6)], s[slot(t, 7)]];
    // h + kw first: it does not wait for e, so it overlaps the previous round's tail.
    h.add(kw).add(L::ch(e, f, g)).add(big_sigma1(e))
}

/// W[t] from the general recurrence, for rounds where none of its terms is known in advance.
#[inline(always)]
fn schedule<L: Lanes>(w: &[L; 64], t: usize) -> L {
    small_sigma1(w[t - 2]).add(w[t - 7]).add(small_sigma0(w[t - 15])).add(w[t - 16])
}

/// Rounds with the general schedule, from literal round numbers.
macro_rules! scheduled_rounds {
    ($s:ident, $w:ident; $($t:literal)*) => {
        $(
            $w[$t] = schedule(&$w, $t);
            round(&mut $s, $t, L::splat(K[$t]).add($w[$t]));
        )*
    };
}

/// A plain SHA-256 compression, for the per-job work and for tests.
pub(crate) fn compress(state: &mut [u32; 8], block: &[u32; 16]) {
    let mut w = [0u32; 64];
    w[..16].copy_from_slice(block);
    for t in 16..64 {
        w[t] = schedule(&w, t);
    }
    let mut s = *state;
    for (t, (&k, &w)) in K.iter().zip(&w).enumerate() {
        round(&mut s, t, k.wrapping_add(w));
    }
    for (word, add) in state.iter_mut().zip(s) {
        *word = word.wrapping_add(add);
    }
}

/// The per-job part of the hash, per word; `splat` turns it into per-lane constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Precomputed<L> {
    midstate: [L; 8],
    /// The state entering round 4 of the header's second block, in round 4's slot order, minus
    /// W3 (the nonce), which round 3 adds to both new `a` and new `e`.
    round4: [L; 8],
    w16: L,
    w17: L,
    kw16: L,
    kw17: L,
    /// W18 = `w18_base` + σ0(W3)
    w18_base: L,
    /// W19 = `w19_base` + W3
    w19_base: L,
    /// W31 = σ1(W29) + W24 + `w31_base`
    w31_base: L,
    /// W32 = σ1(W30) + W25 + `w32_base`
    w32_base: L,
    /// The second hash's state entering round 1, minus its W0 (the first digest's H0).
    second_round1: [L; 8],
}

impl Precomputed<u32> {
    pub(crate) fn new(midstate: [u32; 8], tail: [u32; 3]) -> Self {
        let [w0, w1, w2] = tail;
        let mut round4 = midstate;
        for (t, w) in [w0, w1, w2, 0].into_iter().enumerate() {
            round(&mut round4, t, K[t].wrapping_add(w));
        }
        // Words 5..=14 are zero, 4 and 15 padding: the recurrence's other terms vanish.
        let w16 = small_sigma0(w1).wrapping_add(w0);
        let w17 = small_sigma1_const(HEADER_BITS).wrapping_add(small_sigma0(w2)).wrapping_add(w1);
        let mut second_round1 = IV;
        round(&mut second_round1, 0, K[0]);
        Precomputed {
            midstate,
            round4,
            w16,
            w17,
            kw16: K[16].wrapping_add(w16),
            kw17: K[17].wrapping_add(w17),
            w18_base: small_sigma1(w16).wrapping_add(w2),
            w19_base: small_sigma1(w17).wrapping_add(small_sigma0_const(PAD)),
            w31_base: small_sigma0(w16).wrapping_add(HEADER_BITS),
            w32_base: small_sigma0(w17).wrapping_add(w16),
            second_round1,
        }
    }

    /// Only the SIMD kernel has lanes to spread the constants over.
    #[cfg(target_arch = "wasm32")]
    #[inline(always)]
    pub(crate) fn splat<L: Lanes>(&self) -> Precomputed<L> {
        let s = |x: [u32; 8]| x.map(L::splat);
        Precomputed {
            midstate: s(self.midstate),
            round4: s(self.round4),
            w16: L::splat(self.w16),
            w17: L::splat(self.w17),
            kw16: L::splat(self.kw16),
            kw17: L::splat(self.kw17),
            w18_base: L::splat(self.w18_base),
            w19_base: L::splat(self.w19_base),
            w31_base: L::splat(self.w31_base),
            w32_base: L::splat(self.w32_base),
            second_round1: s(self.second_round1),
        }
    }
}

/// The first SHA-256 of the header: its second block, from the midstate, for nonce word `w3`
/// (the nonce's little-endian bytes read big-endian, as SHA-256 reads them).
#[inline(always)]
pub(crate) fn first_hash<L: Lanes>(p: &Precomputed<L>, w3: L) -> [L; 8] {
    let mut s = p.round4;
    s[slot(4, 0)] = s[slot(4, 0)].add(w3);
    s[slot(4, 4)] = s[slot(4, 4)].add(w3);
    macro_rules! padding_rounds {
        ($($t:literal)*) => { $( round(&mut s, $t, L::splat(HEADER_PAD_KW[$t - 4])); )* };
    }
    padding_rounds!(4 5 6 7 8 9 10 11 12 13 14 15);
    round(&mut s, 16, p.kw16);
    round(&mut s, 17, p.kw17);

    let mut w = [L::splat(0); 64];
    w[16] = p.w16;
    w[17] = p.w17;
    // Rounds 18..=32: each W keeps only its terms that are not zero padding, the others are
    // per-job constants. From 33 on every term varies with the nonce.
    macro_rules! special_rounds {
        ($($t:literal => $value:expr;)*) => {
            $(
                w[$t] = $value;
                round(&mut s, $t, L::splat(K[$t]).add(w[$t]));
            )*
        };
    }
    special_rounds! {
        18 => p.w18_base.add(small_sigma0(w3));
        19 => p.w19_base.add(w3);
        20 => small_sigma1(w[18]).add(L::splat(PAD));
        21 => small_sigma1(w[19]);
        22 => small_sigma1(w[20]).add(L::splat(HEADER_BITS));
        23 => small_sigma1(w[21]).add(w[16]);
        24 => small_sigma1(w[22]).add(w[17]);
        25 => small_sigma1(w[23]).add(w[18]);
        26 => small_sigma1(w[24]).add(w[19]);
        27 => small_sigma1(w[25]).add(w[20]);
        28 => small_sigma1(w[26]).add(w[21]);
        29 => small_sigma1(w[27]).add(w[22]);
        30 => small_sigma1(w[28]).add(w[23]).add(L::splat(small_sigma0_const(HEADER_BITS)));
        31 => small_sigma1(w[29]).add(w[24]).add(p.w31_base);
        32 => small_sigma1(w[30]).add(w[25]).add(p.w32_base);
    }
    scheduled_rounds!(s, w; 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48);
    scheduled_rounds!(s, w; 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63);

    let m = &p.midstate;
    [
        m[0].add(s[0]),
        m[1].add(s[1]),
        m[2].add(s[2]),
        m[3].add(s[3]),
        m[4].add(s[4]),
        m[5].add(s[5]),
        m[6].add(s[6]),
        m[7].add(s[7]),
    ]
}

/// The second SHA-256, of the 32-byte first digest `h`. With `FULL` it returns the whole digest;
/// without, only element 7 (H7) is meaningful and rounds 61..=63 are skipped: the final `h` is
/// the `e` that round 60 produces, and no new `a` from round 57 on reaches it.
#[inline(always)]
pub(crate) fn second_hash<L: Lanes, const FULL: bool>(p: &Precomputed<L>, h: [L; 8]) -> [L; 8] {
    let mut s = p.second_round1;
    s[slot(1, 0)] = s[slot(1, 0)].add(h[0]);
    s[slot(1, 4)] = s[slot(1, 4)].add(h[0]);
    macro_rules! digest_rounds {
        ($($t:literal)*) => { $( round(&mut s, $t, L::splat(K[$t]).add(h[$t])); )* };
    }
    digest_rounds!(1 2 3 4 5 6 7);
    macro_rules! padding_rounds {
        ($($t:literal)*) => { $( round(&mut s, $t, L::splat(DIGEST_PAD_KW[$t - 8])); )* };
    }
    padding_rounds!(8 9 10 11 12 13 14 15);

    let mut w = [L::splat(0); 64];
    macro_rules! special_rounds {
        ($($t:literal => $value:expr;)*) => {
            $(
                w[$t] = $value;
                round(&mut s, $t, L::splat(K[$t]).add(w[$t]));
            )*
        };
    }
    // Words 8..=15 are padding: zero but for W8 and W15.
    special_rounds! {
        16 => small_sigma0(h[1]).add(h[0]);
        17 => small_sigma0(h[2]).add(h[1]).add(L::splat(small_sigma1_const(DIGEST_BITS)));
        18 => small_sigma1(w[16]).add(small_sigma0(h[3])).add(h[2]);
        19 => small_sigma1(w[17]).add(small_sigma0(h[4])).add(h[3]);
        20 => small_sigma1(w[18]).add(small_sigma0(h[5])).add(h[4]);
        21 => small_sigma1(w[19]).add(small_sigma0(h[6])).add(h[5]);
        22 => small_sigma1(w[20]).add(small_sigma0(h[7])).add(h[6]).add(L::splat(DIGEST_BITS));
        23 => small_sigma1(w[21]).add(w[16]).add(h[7]).add(L::splat(small_sigma0_const(PAD)));
        24 => small_sigma1(w[22]).add(w[17]).add(L::splat(PAD));
        25 => small_sigma1(w[23]).add(w[18]);
        26 => small_sigma1(w[24]).add(w[19]);
        27 => small_sigma1(w[25]).add(w[20]);
        28 => small_sigma1(w[26]).add(w[21]);
        29 => small_sigma1(w[27]).add(w[22]);
        30 => small_sigma1(w[28]).add(w[23]).add(L::splat(small_sigma0_const(DIGEST_BITS)));
        31 => small_sigma1(w[29]).add(w[24]).add(small_sigma0(w[16])).add(L::splat(DIGEST_BITS));
    }
    // From here the recurrence no longer reaches back to h or the padding.
    scheduled_rounds!(s, w; 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48);
    scheduled_rounds!(s, w; 49 50 51 52 53 54 55 56);

    if FULL {
        scheduled_rounds!(s, w; 57 58 59 60 61 62 63);
        let mut digest = s;
        for (word, iv) in digest.iter_mut().zip(IV) {
            *word = word.add(L::splat(iv));
        }
        digest
    } else {
        macro_rules! e_only_rounds {
            ($($t:literal)*) => {
                $(
                    w[$t] = schedule(&w, $t);
                    round_e_only(&mut s, $t, L::splat(K[$t]).add(w[$t]));
                )*
            };
        }
        e_only_rounds!(57 58 59 60);
        // Round 60 wrote its `e` into the slot that is `h` after round 63.
        s[slot(64, 7)] = s[slot(60, 3)].add(L::splat(IV[7]));
        s
    }
}

/// H7 of SHA-256d(header), big-endian as SHA-256 outputs it: the digest's most significant word
/// when read as a little-endian integer (after a byte swap).
#[inline(always)]
pub(crate) fn word7<L: Lanes>(p: &Precomputed<L>, w3: L) -> L {
    second_hash::<L, false>(p, first_hash(p, w3))[7]
}

/// The whole SHA-256d digest, as eight big-endian words: for the self-test of the specialised rounds.
#[inline(always)]
#[cfg(test)]
pub(crate) fn digest_words<L: Lanes>(p: &Precomputed<L>, w3: L) -> [L; 8] {
    second_hash::<L, true>(p, first_hash(p, w3))
}
