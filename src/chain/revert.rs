//! Why a call reverted, in words: a custom error of one of HashTwin's contracts (with its
//! arguments), a `require` message (`Error(string)`), or a `Panic(uint256)` code.

use std::fmt;

use ethers_core::abi::{decode, Abi, ParamType, Token};

use super::contracts::ALL_ABIS;

const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// A custom error: its name and its arguments, by parameter name.
    Custom {
        name: String,
        args: Vec<(String, String)>,
    },
    Message(String),
    Panic(u64),
    /// Reverted with no data at all (a bare `revert()` or out of gas).
    Empty,
    /// Data that matches no known error.
    Unknown([u8; 4]),
}

impl Revert {
    pub fn decode(data: &[u8]) -> Self {
        Self::decode_with(data, ALL_ABIS.iter().copied())
    }

    fn decode_with<'a>(data: &[u8], abis: impl Iterator<Item = &'a Abi>) -> Self {
        let Some((selector, payload)) = data.split_first_chunk::<4>() else {
            return Revert::Empty;
        };
        match *selector {
            ERROR_STRING => match decode(&[ParamType::String], payload).ok().and_then(|mut t| t.pop()?.into_string()) {
                Some(message) => return Revert::Message(message),
                None => return Revert::Unknown(*selector),
            },
            PANIC => match decode(&[ParamType::Uint(256)], payload).ok().and_then(|mut t| t.pop()?.into_uint()) {
                Some(code) => return Revert::Panic(code.low_u64()),
                None => return Revert::Unknown(*selector),
            },
            _ => {}
        }
        for abi in abis {
            for error in abi.errors() {
                if error.signature()[..4] != *selector {
                    continue;
                }
                if let Ok(tokens) = error.decode(payload) {
                    let args = error.inputs.iter().zip(tokens).map(|(param, token)| (param.name.clone(), show(&token)));
                    return Revert::Custom { name: error.name.clone(), args: args.collect() };
                }
            }
        }
        Revert::Unknown(*selector)
    }
}

/// "Serial already registered (serialHash 0x12…, tokenId 3)": the error's name split into words.
impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Revert::Custom { name, args } => {
                f.write_str(&sentence_from_identifier(name))?;
                if !args.is_empty() {
                    let args: Vec<String> = args.iter().map(|(name, value)| format!("{name} {value}")).collect();
                    write!(f, " ({})", args.join(", "))?;
                }
                Ok(())
            }
            Revert::Message(message) => f.write_str(message),
            Revert::Panic(code) => write!(f, "the contract failed an internal check: {}", panic_reason(*code)),
            Revert::Empty => f.write_str("the transaction was reverted without a reason"),
            Revert::Unknown(selector) => {
                write!(f, "the contract reverted with an unknown error 0x{}", hex::encode(selector))
            }
        }
    }
}

fn show(token: &Token) -> String {
    match token {
        Token::Address(address) => format!("{address:?}"),
        Token::Uint(value) => value.to_string(),
        Token::Int(value) => ethers_core::types::I256::from_raw(*value).to_string(),
        Token::Bool(value) => value.to_string(),
        Token::String(value) => format!("{value:?}"),
        Token::FixedBytes(bytes) | Token::Bytes(bytes) => format!("0x{}", hex::encode(bytes)),
        Token::Array(items) | Token::FixedArray(items) => {
            format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", "))
        }
        Token::Tuple(items) => format!("({})", items.iter().map(show).collect::<Vec<_>>().join(", ")),
    }
}

/// `ERC721InsufficientApproval` → "ERC721 insufficient approval"; `EmptyModel` → "Empty model".
pub fn sentence_from_identifier(identifier: &str) -> String {
    let chars: Vec<char> = identifier.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (index, &c) in chars.iter().enumerate() {
        let previous = index.checked_sub(1).map(|i| chars[i]);
        let next = chars.get(index + 1).copied();
        let starts_word = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase() || (p.is_uppercase() && next.is_some_and(char::is_lowercase)) || p.is_ascii_digit()
            });
        if starts_word && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    words.push(current);
    let words: Vec<String> = words
        .into_iter()
        .enumerate()
        .map(|(index, word)| {
            let is_acronym = word.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
            if index == 0 || is_acronym {
                word
            } else {
                word.to_lowercase()
            }
        })
        .collect();
    words.join(" ")
}

/// Solidity's panic codes.
fn panic_reason(code: u64) -> &'static str {
    match code {
        0x01 => "an assertion failed",
        0x11 => "an arithmetic overflow or underflow",
        0x12 => "a division by zero",
        0x21 => "a value out of an enum's range",
        0x22 => "corrupt storage",
        0x31 => "pop from an empty array",
        0x32 => "an index out of bounds",
        0x41 => "out of memory",
        0x51 => "a call to an uninitialised function",
        _ => "an unknown panic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethers_core::abi::encode;
    use ethers_core::types::U256;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn with_selector(selector: [u8; 4], args: &[Token]) -> Vec<u8> {
        [selector.as_slice(), &encode(args)].concat()
    }

    #[test]
    fn decodes_a_custom_error_with_its_arguments() {
        // cast sig "RoyaltyTooHigh(uint96,uint96)"
        let data = with_selector([0xb9, 0x01, 0x5a, 0x61], &[Token::Uint(1001.into()), Token::Uint(1000.into())]);
        let revert = Revert::decode(&data);
        assert_eq!(
            revert,
            Revert::Custom {
                name: "RoyaltyTooHigh".into(),
                args: vec![("royaltyBps".into(), "1001".into()), ("maxBps".into(), "1000".into())]
            }
        );
        assert_eq!(revert.to_string(), "Royalty too high (royaltyBps 1001, maxBps 1000)");
    }

    #[test]
    fn decodes_an_argumentless_custom_error() {
        // cast sig "EmptyModel()"
        assert_eq!(Revert::decode(&[0x5f, 0xa8, 0xf2, 0xf2]).to_string(), "Empty model");
    }

    #[test]
    fn decodes_a_require_message() {
        let data = with_selector(ERROR_STRING, &[Token::String("not yours".into())]);
        assert_eq!(Revert::decode(&data), Revert::Message("not yours".into()));
    }

    #[test]
    fn decodes_a_panic_code() {
        let data = with_selector(PANIC, &[Token::Uint(U256::from(0x11))]);
        assert_eq!(Revert::decode(&data), Revert::Panic(0x11));
        assert_eq!(
            Revert::decode(&data).to_string(),
            "the contract failed an internal check: an arithmetic overflow or underflow"
        );
    }

    #[test]
    fn empty_and_unknown_data_are_said_plainly() {
        assert_eq!(Revert::decode(&[]), Revert::Empty);
        assert_eq!(Revert::decode(&[0xde, 0xad, 0xbe, 0xef, 0x00]), Revert::Unknown([0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(Revert::decode(&ERROR_STRING), Revert::Unknown(ERROR_STRING));
    }

    #[test]
    fn identifiers_become_sentences() {
        assert_eq!(sentence_from_identifier("SerialAlreadyRegistered"), "Serial already registered");
        assert_eq!(sentence_from_identifier("ERC721InsufficientApproval"), "ERC721 insufficient approval");
        assert_eq!(sentence_from_identifier("ERC721NonexistentToken"), "ERC721 nonexistent token");
        assert_eq!(sentence_from_identifier("OwnableUnauthorizedAccount"), "Ownable unauthorized account");
        assert_eq!(sentence_from_identifier("ZeroHashrate"), "Zero hashrate");
    }
}
