use std::fmt;
use std::str::FromStr;

/// A 20-byte Ethereum account or contract address.
///
/// The domain keeps its own type so that views and business rules do not depend on the ABI
/// library; `chain` converts at the boundary.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Address(pub [u8; 20]);

impl Address {
    pub const ZERO: Address = Address([0; 20]);

    /// `0xf39f…2266`: enough to recognise an account at a glance.
    pub fn short(&self) -> String {
        let full = self.to_string();
        format!("{}…{}", &full[..6], &full[full.len() - 4..])
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// As text, `0x` and 40 lowercase hex digits: how JSON-RPC and stored app state spell it.
impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an address starts with 0x")]
    MissingPrefix,
    #[error("an address has 40 hex digits after 0x, this has {0}")]
    WrongLength(usize),
    #[error("an address has only the digits 0-9 and a-f")]
    NotHex,
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text
            .trim()
            .strip_prefix("0x")
            .or_else(|| text.trim().strip_prefix("0X"))
            .ok_or(AddressError::MissingPrefix)?;
        if digits.len() != 40 {
            return Err(AddressError::WrongLength(digits.len()));
        }
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| AddressError::NotHex)?;
        Ok(Address(bytes))
    }
}

/// An address as a person typed or pasted it, checked as wallets check it: well formed, and true to
/// its EIP-55 checksum wherever its mix of capitals carries one. `checksummed` is the chain layer's
/// EIP-55 spelling (the domain does no hashing). Empty text and the zero address are the caller's
/// to word, since what they mean depends on the field.
pub fn parse_typed(text: &str, checksummed: impl Fn(&Address) -> String) -> Result<Address, String> {
    let text = text.trim();
    let address: Address = text.parse().map_err(|error| match error {
        AddressError::MissingPrefix => "An address starts with 0x.".to_string(),
        AddressError::WrongLength(length) => format!("An address has 40 hex digits after 0x; this one has {length}."),
        AddressError::NotHex => "An address has only the digits 0 to 9 and the letters a to f.".to_string(),
    })?;
    let digits = &text[2..];
    let mixed_case = digits.chars().any(|c| c.is_ascii_uppercase()) && digits.chars().any(|c| c.is_ascii_lowercase());
    if mixed_case && checksummed(&address)[2..] != *digits {
        return Err(
            "This address's capital letters don't match its checksum, so it was probably mistyped; paste it again."
                .to_string(),
        );
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANVIL_0: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

    #[test]
    fn parses_and_prints_lowercase_hex() {
        let address: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
        assert_eq!(address.to_string(), ANVIL_0);
    }

    #[test]
    fn shortens_to_prefix_and_suffix() {
        let address: Address = ANVIL_0.parse().unwrap();
        assert_eq!(address.short(), "0xf39f…2266");
    }

    #[test]
    fn rejects_malformed_text() {
        assert_eq!("f39fd6e51aad88f6f4ce6ab8827279cfffb92266".parse::<Address>(), Err(AddressError::MissingPrefix));
        assert_eq!("0x1234".parse::<Address>(), Err(AddressError::WrongLength(4)));
        assert_eq!("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266".parse::<Address>(), Err(AddressError::NotHex));
    }
}
