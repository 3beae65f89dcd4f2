//! Messages between the pool (main thread) and a hasher worker.
//!
//! Each message crosses as one `Uint32Array`: a kind word, then the message's fields as 32-bit
//! words, encoded and decoded by hand here. (They were serde enums through `serde-wasm-bindgen`:
//! words took 15.8 KB off the worker's wasm and 8.8 KB off the app's, gzipped.) The kinds of the
//! two directions differ, so a message sent the wrong way is refused rather than misread. Decoding
//! refuses anything but the exact layout of a kind with a [`ProtocolError`]: a wrong length, a flag
//! other than 0 or 1, a number too large for its field. Never a default.
//!
//! | message | words |
//! | --- | --- |
//! | `Scan` | `1, job_id, start, count, header[20], target[8]` |
//! | `Duty` | `2, percent` |
//! | `Halt` | `3` |
//! | `Ready` | `11, self_test_passed (0 or 1)` |
//! | `Progress` | `12, job_id, hashes, shares...` |
//! | `RangeDone` | `13, job_id` |
//! | `Refused` | `14, error code, error fields...` (see [`ProtocolError`]) |
//!
//! The 80 header bytes and the 32 target bytes (big-endian) are packed four to a word, the first
//! byte of each four in the word's low byte: `u32::from_le_bytes` of each chunk.

use super::header::HEADER_LEN;

const SCAN: u32 = 1;
const DUTY: u32 = 2;
const HALT: u32 = 3;
const READY: u32 = 11;
const PROGRESS: u32 = 12;
const RANGE_DONE: u32 = 13;
const REFUSED: u32 = 14;

const HEADER_WORDS: usize = HEADER_LEN / 4;
const TARGET_WORDS: usize = 32 / 4;
/// Kind, job id, start, count, header, target.
const SCAN_WORDS: usize = 4 + HEADER_WORDS + TARGET_WORDS;

/// What the pool asks of a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToWorker {
    /// Hash `count` nonces from `start` of the job whose header (nonce ignored) and target are
    /// given. Replaces whatever the worker was doing.
    Scan {
        job_id: u32,
        header: [u8; HEADER_LEN],
        /// Big-endian.
        target: [u8; 32],
        start: u32,
        count: u32,
    },
    /// Percent of wall time to spend hashing; the worker keeps it within 10 to 100.
    Duty { percent: u8 },
    /// Stop hashing; the rest of the range is the pool's to hand out again.
    Halt,
}

/// What a worker tells the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromWorker {
    /// The worker's wasm has loaded and its kernel reproduced the known vectors. Messages posted to
    /// a worker before this are dropped by the browser, so the pool waits for it.
    Ready { self_test_passed: bool },
    /// `hashes` more nonces of the job are done, from where the last progress left off; `shares`
    /// are those among them that met the target.
    Progress { job_id: u32, hashes: u32, shares: Vec<u32> },
    /// The range of the last `Scan` is finished.
    RangeDone { job_id: u32 },
    /// The worker could not read a message of the pool's: the two are not of one build.
    Refused { error: ProtocolError },
}

/// Why a message was refused: what was wrong with its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("a message that is not a Uint32Array")]
    NotWords,
    #[error("an empty message")]
    Empty,
    #[error("a message of unknown kind {0}")]
    UnknownKind(u32),
    #[error("a message of kind {kind} with {words} words")]
    Length { kind: u32, words: u32 },
    #[error("a message of kind {kind} with {value} in word {index}, out of range")]
    Value { kind: u32, index: u32, value: u32 },
}

impl ProtocolError {
    /// Code, then fields: the words of a `Refused` after its kind.
    fn encode(&self, words: &mut Vec<u32>) {
        match *self {
            ProtocolError::NotWords => words.push(0),
            ProtocolError::Empty => words.push(1),
            ProtocolError::UnknownKind(kind) => words.extend([2, kind]),
            ProtocolError::Length { kind, words: length } => words.extend([3, kind, length]),
            ProtocolError::Value { kind, index, value } => words.extend([4, kind, index, value]),
        }
    }

    /// From the words of a `Refused` after its kind.
    fn decode(fields: &[u32]) -> Result<Self, ProtocolError> {
        let malformed = ProtocolError::Length { kind: REFUSED, words: fields.len() as u32 + 1 };
        let (&code, rest) = fields.split_first().ok_or(malformed)?;
        match (code, rest) {
            (0, []) => Ok(ProtocolError::NotWords),
            (1, []) => Ok(ProtocolError::Empty),
            (2, &[kind]) => Ok(ProtocolError::UnknownKind(kind)),
            (3, &[kind, words]) => Ok(ProtocolError::Length { kind, words }),
            (4, &[kind, index, value]) => Ok(ProtocolError::Value { kind, index, value }),
            (0..=4, _) => Err(malformed),
            (code, _) => Err(ProtocolError::Value { kind: REFUSED, index: 1, value: code }),
        }
    }
}

impl ToWorker {
    pub fn encode(&self) -> Vec<u32> {
        match self {
            ToWorker::Scan { job_id, header, target, start, count } => {
                let mut words = Vec::with_capacity(SCAN_WORDS);
                words.extend([SCAN, *job_id, *start, *count]);
                pack(header, &mut words);
                pack(target, &mut words);
                words
            }
            ToWorker::Duty { percent } => vec![DUTY, u32::from(*percent)],
            ToWorker::Halt => vec![HALT],
        }
    }

    pub fn decode(words: &[u32]) -> Result<Self, ProtocolError> {
        let (&kind, fields) = words.split_first().ok_or(ProtocolError::Empty)?;
        let length = ProtocolError::Length { kind, words: words.len() as u32 };
        match kind {
            SCAN => {
                if words.len() != SCAN_WORDS {
                    return Err(length);
                }
                let (header, target) = fields[3..].split_at(HEADER_WORDS);
                Ok(ToWorker::Scan {
                    job_id: fields[0],
                    start: fields[1],
                    count: fields[2],
                    header: unpack(header),
                    target: unpack(target),
                })
            }
            DUTY => match *fields {
                [percent] => Ok(ToWorker::Duty {
                    percent: u8::try_from(percent).map_err(|_| ProtocolError::Value {
                        kind,
                        index: 1,
                        value: percent,
                    })?,
                }),
                _ => Err(length),
            },
            HALT if fields.is_empty() => Ok(ToWorker::Halt),
            HALT => Err(length),
            _ => Err(ProtocolError::UnknownKind(kind)),
        }
    }
}

impl FromWorker {
    pub fn encode(&self) -> Vec<u32> {
        match self {
            FromWorker::Ready { self_test_passed } => vec![READY, u32::from(*self_test_passed)],
            FromWorker::Progress { job_id, hashes, shares } => {
                let mut words = Vec::with_capacity(3 + shares.len());
                words.extend([PROGRESS, *job_id, *hashes]);
                words.extend_from_slice(shares);
                words
            }
            FromWorker::RangeDone { job_id } => vec![RANGE_DONE, *job_id],
            FromWorker::Refused { error } => {
                let mut words = vec![REFUSED];
                error.encode(&mut words);
                words
            }
        }
    }

    pub fn decode(words: &[u32]) -> Result<Self, ProtocolError> {
        let (&kind, fields) = words.split_first().ok_or(ProtocolError::Empty)?;
        let length = ProtocolError::Length { kind, words: words.len() as u32 };
        match kind {
            READY => match *fields {
                [0] => Ok(FromWorker::Ready { self_test_passed: false }),
                [1] => Ok(FromWorker::Ready { self_test_passed: true }),
                [value] => Err(ProtocolError::Value { kind, index: 1, value }),
                _ => Err(length),
            },
            PROGRESS => match fields {
                [job_id, hashes, shares @ ..] => {
                    Ok(FromWorker::Progress { job_id: *job_id, hashes: *hashes, shares: shares.to_vec() })
                }
                _ => Err(length),
            },
            RANGE_DONE => match *fields {
                [job_id] => Ok(FromWorker::RangeDone { job_id }),
                _ => Err(length),
            },
            REFUSED => Ok(FromWorker::Refused { error: ProtocolError::decode(fields)? }),
            _ => Err(ProtocolError::UnknownKind(kind)),
        }
    }
}

fn pack(bytes: &[u8], words: &mut Vec<u32>) {
    words.extend(bytes.chunks_exact(4).map(|chunk| u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])));
}

fn unpack<const N: usize>(words: &[u32]) -> [u8; N] {
    let mut bytes = [0u8; N];
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    bytes
}

/// A message as the browser carries it.
pub fn to_js(words: &[u32]) -> js_sys::Uint32Array {
    js_sys::Uint32Array::from(words)
}

/// The words of a message the browser delivered; anything but a `Uint32Array` is refused.
pub fn from_js(value: &wasm_bindgen::JsValue) -> Result<Vec<u32>, ProtocolError> {
    use wasm_bindgen::JsCast;
    value.dyn_ref::<js_sys::Uint32Array>().map(|array| array.to_vec()).ok_or(ProtocolError::NotWords)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn header() -> [u8; HEADER_LEN] {
        std::array::from_fn(|i| (i * 37 + 11) as u8)
    }

    fn scan() -> ToWorker {
        let mut target = [0u8; 32];
        target[3] = 0xff;
        target[31] = 0x01;
        ToWorker::Scan { job_id: 3, header: header(), target, start: u32::MAX - 4, count: 9 }
    }

    fn to_worker() -> Vec<ToWorker> {
        vec![scan(), ToWorker::Duty { percent: 0 }, ToWorker::Duty { percent: 255 }, ToWorker::Halt]
    }

    fn from_worker() -> Vec<FromWorker> {
        let errors = [
            ProtocolError::NotWords,
            ProtocolError::Empty,
            ProtocolError::UnknownKind(u32::MAX),
            ProtocolError::Length { kind: SCAN, words: 31 },
            ProtocolError::Value { kind: DUTY, index: 1, value: 256 },
        ];
        [
            FromWorker::Ready { self_test_passed: true },
            FromWorker::Ready { self_test_passed: false },
            FromWorker::Progress { job_id: 3, hashes: 65_536, shares: vec![] },
            FromWorker::Progress { job_id: u32::MAX, hashes: u32::MAX, shares: vec![17, 4_000, u32::MAX] },
            FromWorker::RangeDone { job_id: 7 },
        ]
        .into_iter()
        .chain(errors.map(|error| FromWorker::Refused { error }))
        .collect()
    }

    #[test]
    fn every_message_round_trips_through_its_words() {
        for message in to_worker() {
            assert_eq!(ToWorker::decode(&message.encode()), Ok(message.clone()), "{message:?}");
        }
        for message in from_worker() {
            assert_eq!(FromWorker::decode(&message.encode()), Ok(message.clone()), "{message:?}");
        }
    }

    /// The layout the module's table documents, which scripts/lib/bench-hasher.mjs writes by hand.
    #[test]
    fn a_scan_lays_out_its_fields_as_documented() {
        let words = scan().encode();
        assert_eq!(words.len(), 32);
        assert_eq!(words[..4], [1, 3, u32::MAX - 4, 9]);
        assert_eq!(words[4], u32::from_le_bytes([11, 48, 85, 122]), "header bytes 0..4, first in the low byte");
        assert_eq!(words[24], 0xff00_0000, "target bytes 0..4");
        assert_eq!(words[31], 0x0100_0000, "target bytes 28..32");
        let progress = FromWorker::Progress { job_id: 3, hashes: 100, shares: vec![5, 6] };
        assert_eq!(progress.encode(), [12, 3, 100, 5, 6]);
        assert_eq!(FromWorker::Ready { self_test_passed: true }.encode(), [11, 1]);
    }

    #[test]
    fn malformed_messages_to_a_worker_are_refused_with_the_reason() {
        let mut scan = scan().encode();
        let refused = |words: &[u32]| ToWorker::decode(words).unwrap_err();
        assert_eq!(refused(&[]), ProtocolError::Empty);
        assert_eq!(refused(&[0]), ProtocolError::UnknownKind(0));
        assert_eq!(refused(&[4, 1]), ProtocolError::UnknownKind(4));
        assert_eq!(refused(&[READY, 1]), ProtocolError::UnknownKind(READY), "a message of the other direction");
        assert_eq!(refused(&scan[..31]), ProtocolError::Length { kind: SCAN, words: 31 }, "a header short of a word");
        assert_eq!(refused(&scan[..4]), ProtocolError::Length { kind: SCAN, words: 4 });
        scan.push(0);
        assert_eq!(refused(&scan), ProtocolError::Length { kind: SCAN, words: 33 });
        assert_eq!(refused(&[DUTY]), ProtocolError::Length { kind: DUTY, words: 1 });
        assert_eq!(refused(&[DUTY, 50, 50]), ProtocolError::Length { kind: DUTY, words: 3 });
        assert_eq!(refused(&[DUTY, 256]), ProtocolError::Value { kind: DUTY, index: 1, value: 256 });
        assert_eq!(refused(&[HALT, 0]), ProtocolError::Length { kind: HALT, words: 2 });
    }

    #[test]
    fn malformed_messages_from_a_worker_are_refused_with_the_reason() {
        let refused = |words: &[u32]| FromWorker::decode(words).unwrap_err();
        assert_eq!(refused(&[]), ProtocolError::Empty);
        assert_eq!(refused(&[SCAN, 1]), ProtocolError::UnknownKind(SCAN), "a message of the other direction");
        assert_eq!(refused(&[READY]), ProtocolError::Length { kind: READY, words: 1 });
        assert_eq!(refused(&[READY, 2]), ProtocolError::Value { kind: READY, index: 1, value: 2 }, "not a flag");
        assert_eq!(refused(&[READY, 1, 1]), ProtocolError::Length { kind: READY, words: 3 });
        assert_eq!(refused(&[PROGRESS, 3]), ProtocolError::Length { kind: PROGRESS, words: 2 });
        assert_eq!(refused(&[RANGE_DONE]), ProtocolError::Length { kind: RANGE_DONE, words: 1 });
        assert_eq!(refused(&[RANGE_DONE, 1, 2]), ProtocolError::Length { kind: RANGE_DONE, words: 3 });
        assert_eq!(refused(&[REFUSED]), ProtocolError::Length { kind: REFUSED, words: 1 });
        assert_eq!(refused(&[REFUSED, 5]), ProtocolError::Value { kind: REFUSED, index: 1, value: 5 });
        assert_eq!(refused(&[REFUSED, 2]), ProtocolError::Length { kind: REFUSED, words: 2 }, "no kind");
        assert_eq!(refused(&[REFUSED, 1, 0]), ProtocolError::Length { kind: REFUSED, words: 3 });
        assert_eq!(refused(&[REFUSED, 4, 1, 1]), ProtocolError::Length { kind: REFUSED, words: 4 });
    }

    #[test]
    fn a_refusal_says_what_was_wrong() {
        let error = ProtocolError::Length { kind: SCAN, words: 31 };
        assert_eq!(error.to_string(), "a message of kind 1 with 31 words");
    }
}

/// The browser's side of the encoding: what crosses `postMessage` is a `Uint32Array`.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn messages_cross_as_uint32_arrays() {
        let message = FromWorker::Progress { job_id: 3, hashes: 100, shares: vec![5, u32::MAX] };
        let value: JsValue = to_js(&message.encode()).into();
        assert_eq!(FromWorker::decode(&from_js(&value).unwrap()), Ok(message));
    }

    #[test]
    fn anything_but_a_uint32_array_is_refused() {
        for value in [JsValue::NULL, JsValue::from(12), js_sys::Array::of2(&12.into(), &1.into()).into()] {
            assert_eq!(from_js(&value), Err(ProtocolError::NotWords));
        }
        let bytes: JsValue = js_sys::Uint8Array::from(&[12u8, 1, 2][..]).into();
        assert_eq!(from_js(&bytes), Err(ProtocolError::NotWords));
    }
}
