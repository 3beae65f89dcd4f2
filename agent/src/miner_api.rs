//! Client for the cgminer-style JSON API that bmminer (Antminer) and btminer (Whatsminer)
//! expose on TCP 4028.
//!
//! The protocol is one request per connection: send `{"command":"summary"}`, read until the
//! miner closes the socket. cgminer terminates the reply with a NUL byte, and some builds keep
//! the socket open a moment after it, so a NUL also ends the read.

use serde_json::Value;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Replies larger than this are not miner replies; stop before eating memory.
const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug)]
pub enum MinerError {
    /// Nothing listens on the port (or a firewall rejects us).
    Refused {
        addr: String,
    },
    /// The TCP connect did not finish in time: host down, wrong address or filtered.
    ConnectTimeout {
        addr: String,
        after: Duration,
    },
    /// The connection was accepted but the miner sent nothing (or not all) in time.
    Timeout {
        addr: String,
        command: String,
        after: Duration,
        received: usize,
    },
    /// The miner closed the connection before a complete JSON document arrived.
    Truncated {
        addr: String,
        command: String,
        received: usize,
    },
    /// The miner closed the connection without sending anything.
    Empty {
        addr: String,
        command: String,
    },
    /// The bytes are complete but are not JSON.
    Malformed {
        addr: String,
        command: String,
        detail: String,
    },
    /// The miner answered with `STATUS: E` (unknown command, permission denied, ...).
    Status {
        addr: String,
        command: String,
        message: String,
    },
    Io {
        addr: String,
        command: String,
        error: io::Error,
    },
}

impl fmt::Display for MinerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MinerError::Refused { addr } => write!(f, "miner at {addr} refused the connection"),
            MinerError::ConnectTimeout { addr, after } => {
                write!(f, "miner at {addr} did not accept a connection within {} s", after.as_secs_f32())
            }
            MinerError::Timeout { addr, command, after, received } => write!(
                f,
                "miner at {addr} did not answer `{command}` within {} s ({received} bytes received)",
                after.as_secs_f32()
            ),
            MinerError::Truncated { addr, command, received } => write!(
                f,
                "miner at {addr} closed the connection mid-reply to `{command}` ({received} bytes of incomplete JSON)"
            ),
            MinerError::Empty { addr, command } => {
                write!(f, "miner at {addr} closed the connection without answering `{command}`")
            }
            MinerError::Malformed { addr, command, detail } => {
                write!(f, "miner at {addr} sent malformed JSON for `{command}`: {detail}")
            }
            MinerError::Status { addr, command, message } => {
                write!(f, "miner at {addr} rejected `{command}`: {message}")
            }
            MinerError::Io { addr, command, error } => {
                write!(f, "miner at {addr}: I/O error during `{command}`: {error}")
            }
        }
    }
}

impl std::error::Error for MinerError {}

#[derive(Clone, Debug)]
pub struct MinerClient {
    addr: String,
    timeout: Duration,
}

/// The replies of one poll. Only `summary` is required; the others enrich the report.
#[derive(Clone, Debug, Default)]
pub struct MinerReplies {
    pub summary: Value,
    pub stats: Option<Value>,
    pub devs: Option<Value>,
    pub pools: Option<Value>,
}

impl MinerClient {
    /// `addr` is `host:port`; a bare host gets cgminer's default port 4028.
    pub fn new(addr: &str, timeout: Duration) -> Self {
        let addr = if addr.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
            addr.to_string()
        } else {
            format!("{addr}:4028")
        };
        Self { addr, timeout }
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Runs `summary` (required) then `stats`, `devs` and `pools`. A failure of the optional
    /// commands comes back as a note so the poll still yields a report.
    pub fn poll(&self) -> Result<(MinerReplies, Vec<MinerError>), MinerError> {
        let summary = self.command("summary")?;
        let mut notes = Vec::new();
        let mut optional = |cmd: &str| match self.command(cmd) {
            Ok(v) => Some(v),
            Err(e) => {
                notes.push(e);
                None
            }
        };
        let stats = optional("stats");
        let devs = optional("devs");
        let pools = optional("pools");
        Ok((MinerReplies { summary, stats, devs, pools }, notes))
    }

    /// Sends one command and returns the parsed reply.
    pub fn command(&self, command: &str) -> Result<Value, MinerError> {
        let raw = self.exchange(command)?;
        parse_reply(&self.addr, command, &raw)
    }

    fn exchange(&self, command: &str) -> Result<Vec<u8>, MinerError> {
        let io_err = |error: io::Error| MinerError::Io { addr: self.addr.clone(), command: command.to_string(), error };
        let targets: Vec<SocketAddr> = self.addr.to_socket_addrs().map_err(io_err)?.collect();
        let mut stream = None;
        let mut last_err = None;
        for target in targets {
            match TcpStream::connect_timeout(&target, self.timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        let mut stream = match (stream, last_err) {
            (Some(s), _) => s,
            (None, Some(e)) => {
                return Err(match e.kind() {
                    io::ErrorKind::ConnectionRefused => MinerError::Refused { addr: self.addr.clone() },
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                        MinerError::ConnectTimeout { addr: self.addr.clone(), after: self.timeout }
                    }
                    _ => io_err(e),
                })
            }
            (None, None) => return Err(io_err(io::Error::new(io::ErrorKind::NotFound, "address resolved to nothing"))),
        };
        stream.set_read_timeout(Some(self.timeout)).map_err(io_err)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(io_err)?;
        let request = serde_json::json!({ "command": command }).to_string();
        stream.write_all(request.as_bytes()).map_err(io_err)?;

        // The per-read timeout alone would let a miner that trickles a byte at a time hold us
        // forever; the deadline bounds the whole reply.
        let deadline = Instant::now() + self.timeout;
        let mut buf = Vec::with_capacity(8192);
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.last() == Some(&0) || buf.len() > MAX_REPLY_BYTES {
                        break;
                    }
                    if Instant::now() > deadline {
                        return Err(self.timeout_error(command, buf.len()));
                    }
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    return Err(self.timeout_error(command, buf.len()));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A reset after a complete reply is how some firmware says goodbye.
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset && !buf.is_empty() => break,
                Err(e) => return Err(io_err(e)),
            }
        }
        if buf.is_empty() {
            return Err(MinerError::Empty { addr: self.addr.clone(), command: command.to_string() });
        }
        Ok(buf)
    }

    fn timeout_error(&self, command: &str, received: usize) -> MinerError {
        MinerError::Timeout { addr: self.addr.clone(), command: command.to_string(), after: self.timeout, received }
    }
}

/// Parses a raw reply: strips cgminer's trailing NUL, repairs bmminer's known `}{` glitch in
/// `stats`, and turns a `STATUS: E` reply into an error.
pub fn parse_reply(addr: &str, command: &str, raw: &[u8]) -> Result<Value, MinerError> {
    let end = raw.iter().rposition(|b| !matches!(b, 0 | b' ' | b'\n' | b'\r' | b'\t')).map_or(0, |i| i + 1);
    let text = &raw[..end];
    let value = match serde_json::from_slice::<Value>(text) {
        Ok(v) => v,
        Err(e) if e.is_eof() => {
            return Err(MinerError::Truncated {
                addr: addr.to_string(),
                command: command.to_string(),
                received: raw.len(),
            })
        }
        Err(e) => {
            // Older bmminer builds print the STATS array as `{...}{...}` without a comma.
            let repaired = String::from_utf8_lossy(text).replace("}{", "},{");
            serde_json::from_str::<Value>(&repaired).map_err(|_| MinerError::Malformed {
                addr: addr.to_string(),
                command: command.to_string(),
                detail: e.to_string(),
            })?
        }
    };
    if let Some((code, message)) = status_error(&value) {
        return Err(MinerError::Status {
            addr: addr.to_string(),
            command: command.to_string(),
            message: format!("{message} (code {code})"),
        });
    }
    Ok(value)
}

/// cgminer's STATUS is an array of one object; btminer's newer commands use a flat object.
fn status_error(reply: &Value) -> Option<(String, String)> {
    let status = match reply.get("STATUS")? {
        Value::Array(items) => items.first()?.clone(),
        other => reply_status_object(reply, other)?,
    };
    let flag = status.get("STATUS")?.as_str()?;
    if flag == "E" || flag == "F" {
        let code = status.get("Code").map(|c| c.to_string()).unwrap_or_else(|| "?".into());
        let msg = status
            .get("Msg")
            .map(|m| m.as_str().map(str::to_string).unwrap_or_else(|| m.to_string()))
            .unwrap_or_else(|| "no message".into());
        Some((code, msg))
    } else {
        None
    }
}

fn reply_status_object(reply: &Value, status: &Value) -> Option<Value> {
    status.as_str()?;
    Some(reply.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_host_gets_default_port() {
        assert_eq!(MinerClient::new("127.0.0.1", Duration::from_secs(1)).addr(), "127.0.0.1:4028");
        assert_eq!(MinerClient::new("127.0.0.1:4029", Duration::from_secs(1)).addr(), "127.0.0.1:4029");
    }

    #[test]
    fn strips_trailing_nul_and_whitespace() {
        let v = parse_reply("m", "summary", b"{\"STATUS\":[{\"STATUS\":\"S\"}],\"id\":1}\0\n").unwrap();
        assert_eq!(v["id"], 1);
    }

    #[test]
    fn repairs_bmminer_stats_glitch() {
        let raw = br#"{"STATUS":[{"STATUS":"S"}],"STATS":[{"Type":"Antminer S9"}{"STATS":0,"fan1":6000}],"id":1}"#;
        let v = parse_reply("m", "stats", raw).unwrap();
        assert_eq!(v["STATS"][1]["fan1"], 6000);
    }

    #[test]
    fn status_e_is_an_error() {
        let raw =
            br#"{"STATUS":[{"STATUS":"E","When":1,"Code":14,"Msg":"Invalid command","Description":"btminer"}],"id":1}"#;
        let err = parse_reply("127.0.0.1:4028", "stats", raw).unwrap_err();
        assert_eq!(err.to_string(), "miner at 127.0.0.1:4028 rejected `stats`: Invalid command (code 14)");
        let flat = br#"{"STATUS":"E","When":1,"Code":45,"Msg":"Permission denied","Description":""}"#;
        assert!(matches!(parse_reply("m", "x", flat), Err(MinerError::Status { .. })));
    }

    #[test]
    fn truncated_and_malformed_are_told_apart() {
        assert!(matches!(
            parse_reply("m", "summary", br#"{"STATUS":[{"STATUS":"S"}],"SUMM"#),
            Err(MinerError::Truncated { .. })
        ));
        assert!(matches!(parse_reply("m", "summary", b"<html>busy</html>"), Err(MinerError::Malformed { .. })));
    }
}
