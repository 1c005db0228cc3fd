//! A small, blocking D-Bus client: enough of the wire protocol for the Secret Service calls.
//!
//! Unix-socket transport (`unix:path=` and, on Linux, `unix:abstract=`), `EXTERNAL`
//! authentication, method calls and their replies. Every read and write has a deadline, and a
//! message is at most 1 MiB. Written here rather than taken from `zbus`: zbus 6 with tokio and
//! no default features is 11 more packages, past the CLI's budget (see the crate's README).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

/// One D-Bus value. Arrays carry their element signature (an empty array needs one).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Byte(u8),
    Bool(bool),
    I16(i16),
    U16(u16),
    I32(i32),
    U32(u32),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    Path(String),
    Sig(String),
    Array(String, Vec<Value>),
    Struct(Vec<Value>),
    Entry(Box<Value>, Box<Value>),
    Variant(Box<Value>),
}

impl Value {
    pub(crate) fn signature(&self) -> String {
        match self {
            Self::Byte(_) => "y".into(),
            Self::Bool(_) => "b".into(),
            Self::I16(_) => "n".into(),
            Self::U16(_) => "q".into(),
            Self::I32(_) => "i".into(),
            Self::U32(_) => "u".into(),
            Self::I64(_) => "x".into(),
            Self::U64(_) => "t".into(),
            Self::F64(_) => "d".into(),
            Self::Str(_) => "s".into(),
            Self::Path(_) => "o".into(),
            Self::Sig(_) => "g".into(),
            Self::Array(elem, _) => format!("a{elem}"),
            Self::Struct(fields) => {
                format!(
                    "({})",
                    fields.iter().map(Value::signature).collect::<String>()
                )
            }
            Self::Entry(k, v) => format!("{{{}{}}}", k.signature(), v.signature()),
            Self::Variant(_) => "v".into(),
        }
    }

    pub(crate) fn str(s: &str) -> Self {
        Self::Str(s.to_owned())
    }

    pub(crate) fn path(s: &str) -> Self {
        Self::Path(s.to_owned())
    }

    pub(crate) fn bytes(b: &[u8]) -> Self {
        Self::Array("y".into(), b.iter().map(|&x| Self::Byte(x)).collect())
    }

    /// `a{ss}`.
    pub(crate) fn string_dict(pairs: &[(&str, &str)]) -> Self {
        Self::Array(
            "{ss}".into(),
            pairs
                .iter()
                .map(|(k, v)| Self::Entry(Box::new(Self::str(k)), Box::new(Self::str(v))))
                .collect(),
        )
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) | Self::Path(s) | Self::Sig(s) => Some(s),
            Self::Variant(v) => v.as_str(),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            Self::Variant(v) => v.as_bool(),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Value]> {
        match self {
            Self::Array(_, items) => Some(items),
            Self::Variant(v) => v.as_array(),
            _ => None,
        }
    }

    pub(crate) fn as_struct(&self) -> Option<&[Value]> {
        match self {
            Self::Struct(fields) => Some(fields),
            Self::Variant(v) => v.as_struct(),
            _ => None,
        }
    }

    /// The bytes of an `ay`.
    pub(crate) fn as_bytes(&self) -> Option<Vec<u8>> {
        self.as_array()?
            .iter()
            .map(|b| match b {
                Self::Byte(x) => Some(*x),
                _ => None,
            })
            .collect()
    }

    /// The `a{ss}` as pairs.
    pub(crate) fn as_string_dict(&self) -> Option<Vec<(String, String)>> {
        self.as_array()?
            .iter()
            .map(|e| match e {
                Self::Entry(k, v) => Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())),
                _ => None,
            })
            .collect()
    }
}

fn pad(buf: &mut Vec<u8>, align: usize) {
    while !buf.len().is_multiple_of(align) {
        buf.push(0);
    }
}

fn alignment(sig: u8) -> usize {
    match sig {
        b'y' | b'g' | b'v' => 1,
        b'n' | b'q' => 2,
        b'b' | b'i' | b'u' | b's' | b'o' | b'a' | b'h' => 4,
        _ => 8, // x t d ( {
    }
}

/// Appends `v` to `buf` (little-endian); offsets are from the start of `buf`, which the caller
/// keeps 8-aligned within the message.
fn encode(buf: &mut Vec<u8>, v: &Value) {
    let sig = v.signature();
    pad(buf, alignment(sig.as_bytes()[0]));
    match v {
        Value::Byte(x) => buf.push(*x),
        Value::Bool(b) => buf.extend_from_slice(&u32::from(*b).to_le_bytes()),
        Value::I16(x) => buf.extend_from_slice(&x.to_le_bytes()),
        Value::U16(x) => buf.extend_from_slice(&x.to_le_bytes()),
        Value::I32(x) => buf.extend_from_slice(&x.to_le_bytes()),
        Value::U32(x) => buf.extend_from_slice(&x.to_le_bytes()),
        Value::I64(x) => buf.extend_from_slice(&x.to_le_bytes()),
        Value::U64(x) => buf.extend_from_slice(&x.to_le_bytes()),
        Value::F64(x) => buf.extend_from_slice(&x.to_le_bytes()),
        Value::Str(s) | Value::Path(s) => {
            buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
            buf.extend_from_slice(s.as_bytes());
            buf.push(0);
        }
        Value::Sig(s) => {
            buf.push(s.len() as u8);
            buf.extend_from_slice(s.as_bytes());
            buf.push(0);
        }
        Value::Array(elem, items) => {
            let at = buf.len();
            buf.extend_from_slice(&[0; 4]);
            pad(
                buf,
                alignment(elem.as_bytes().first().copied().unwrap_or(b'y')),
            );
            let start = buf.len();
            for item in items {
                encode(buf, item);
            }
            let len = (buf.len() - start) as u32;
            buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
        }
        Value::Struct(fields) => {
            for f in fields {
                encode(buf, f);
            }
        }
        Value::Entry(k, v) => {
            encode(buf, k);
            encode(buf, v);
        }
        Value::Variant(inner) => {
            encode(buf, &Value::Sig(inner.signature()));
            encode(buf, inner);
        }
    }
}

/// The length of the first complete type in `sig`.
fn one_type(sig: &[u8]) -> Result<usize, String> {
    match sig.first() {
        None => Err("empty signature".into()),
        Some(b'a') => Ok(1 + one_type(&sig[1..])?),
        Some(&open @ (b'(' | b'{')) => {
            let close = if open == b'(' { b')' } else { b'}' };
            let mut i = 1;
            while sig.get(i) != Some(&close) {
                if i >= sig.len() {
                    return Err("unclosed struct in signature".into());
                }
                i += one_type(&sig[i..])?;
            }
            Ok(i + 1)
        }
        Some(_) => Ok(1),
    }
}

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    big: bool,
    depth: u32,
}

impl Decoder<'_> {
    fn align(&mut self, n: usize) -> Result<(), String> {
        let to = self.pos.div_ceil(n) * n;
        if to > self.buf.len() {
            return Err("message ends inside padding".into());
        }
        self.pos = to;
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or("message ends inside a value")?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        self.align(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        if self.big != cfg!(target_endian = "big") {
            out.reverse();
        }
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_ne_bytes(self.fixed::<4>()?))
    }

    fn string(&mut self, len: usize) -> Result<String, String> {
        let bytes = self.take(len)?.to_vec();
        if self.take(1)? != [0] {
            return Err("string without its NUL".into());
        }
        String::from_utf8(bytes).map_err(|_| "string is not UTF-8".into())
    }

    /// Decodes one value of the complete type `sig`.
    fn value(&mut self, sig: &[u8]) -> Result<Value, String> {
        self.depth += 1;
        if self.depth > 64 {
            return Err("values nested too deeply".into());
        }
        let v = match sig.first().ok_or("empty signature")? {
            b'y' => Value::Byte(self.take(1)?[0]),
            b'b' => Value::Bool(self.u32()? != 0),
            b'n' => Value::I16(i16::from_ne_bytes(self.fixed::<2>()?)),
            b'q' => Value::U16(u16::from_ne_bytes(self.fixed::<2>()?)),
            b'i' => Value::I32(i32::from_ne_bytes(self.fixed::<4>()?)),
            b'u' | b'h' => Value::U32(self.u32()?),
            b'x' => Value::I64(i64::from_ne_bytes(self.fixed::<8>()?)),
            b't' => Value::U64(u64::from_ne_bytes(self.fixed::<8>()?)),
            b'd' => Value::F64(f64::from_ne_bytes(self.fixed::<8>()?)),
            b's' => {
                let len = self.u32()? as usize;
                Value::Str(self.string(len)?)
            }
            b'o' => {
                let len = self.u32()? as usize;
                Value::Path(self.string(len)?)
            }
            b'g' => {
                let len = usize::from(self.take(1)?[0]);
                Value::Sig(self.string(len)?)
            }
            b'v' => {
                let len = usize::from(self.take(1)?[0]);
                let inner = self.string(len)?;
                if one_type(inner.as_bytes())? != inner.len() {
                    return Err("a variant's signature is not one type".into());
                }
                Value::Variant(Box::new(self.value(inner.as_bytes())?))
            }
            b'a' => {
                let elem = &sig[1..1 + one_type(&sig[1..])?];
                let len = self.u32()? as usize;
                if len > 1 << 20 {
                    return Err("array too long".into());
                }
                self.align(alignment(elem[0]))?;
                let end = self.pos + len;
                if end > self.buf.len() {
                    return Err("message ends inside an array".into());
                }
                let mut items = Vec::new();
                while self.pos < end {
                    items.push(self.value(elem)?);
                }
                Value::Array(String::from_utf8_lossy(elem).into_owned(), items)
            }
            b'(' | b'{' => {
                self.align(8)?;
                let inner = &sig[1..one_type(sig)? - 1];
                let mut fields = Vec::new();
                let mut i = 0;
                while i < inner.len() {
                    let n = one_type(&inner[i..])?;
                    fields.push(self.value(&inner[i..i + n])?);
                    i += n;
                }
                if sig[0] == b'{' {
                    let mut f = fields.into_iter();
                    match (f.next(), f.next(), f.next()) {
                        (Some(k), Some(v), None) => Value::Entry(Box::new(k), Box::new(v)),
                        _ => return Err("a dict entry is not a pair".into()),
                    }
                } else {
                    Value::Struct(fields)
                }
            }
            other => return Err(format!("unsupported type '{}'", char::from(*other))),
        };
        self.depth -= 1;
        Ok(v)
    }

    /// Every value of the signature `sig` (a sequence of complete types).
    fn values(&mut self, sig: &[u8]) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < sig.len() {
            let n = one_type(&sig[i..])?;
            out.push(self.value(&sig[i..i + n])?);
            i += n;
        }
        Ok(out)
    }
}

/// A D-Bus error reply, or a failure to talk to the bus.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The peer answered with an error (`org.freedesktop.DBus.Error.ServiceUnknown`, …).
    Remote { name: String, message: String },
    /// The bus could not be reached, timed out, or sent something unreadable.
    Transport(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Remote { name, message } => write!(f, "{name}: {message}"),
            Self::Transport(why) => f.write_str(why),
        }
    }
}

impl From<io::Error> for CallError {
    fn from(e: io::Error) -> Self {
        if matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            Self::Transport("the D-Bus peer did not answer in time".into())
        } else {
            Self::Transport(e.to_string())
        }
    }
}

const MAX_MESSAGE: usize = 1 << 20;

/// A message read: type, reply serial, error name, body values.
type Message = (u8, Option<u32>, Option<String>, Vec<Value>);

/// One connection to a bus.
#[derive(Debug)]
pub(crate) struct Connection {
    stream: UnixStream,
    serial: u32,
    timeout: Duration,
}

impl Connection {
    /// Connects to the first address of `addresses` (the `DBUS_SESSION_BUS_ADDRESS` syntax)
    /// that accepts, authenticates as this user and says `Hello`.
    pub(crate) fn open(addresses: &str, timeout: Duration) -> Result<Self, CallError> {
        let mut last = CallError::Transport("no unix: address in DBUS_SESSION_BUS_ADDRESS".into());
        for address in addresses.split(';').filter(|a| !a.is_empty()) {
            match connect(address, timeout) {
                Ok(stream) => {
                    let mut c = Self {
                        stream,
                        serial: 0,
                        timeout,
                    };
                    c.authenticate()?;
                    c.call(
                        "org.freedesktop.DBus",
                        "/org/freedesktop/DBus",
                        "org.freedesktop.DBus",
                        "Hello",
                        &[],
                    )?;
                    return Ok(c);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn authenticate(&mut self) -> Result<(), CallError> {
        let uid = rustix::process::getuid().as_raw().to_string();
        let hex: String = uid.bytes().map(|b| format!("{b:02x}")).collect();
        self.stream
            .write_all(format!("\0AUTH EXTERNAL {hex}\r\n").as_bytes())?;
        let line = self.read_line()?;
        if !line.starts_with("OK ") {
            return Err(CallError::Transport(format!(
                "the bus refused authentication ({})",
                crate::printable_short(&line)
            )));
        }
        self.stream.write_all(b"BEGIN\r\n")?;
        Ok(())
    }

    fn read_line(&mut self) -> Result<String, CallError> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while !line.ends_with(b"\r\n") {
            if line.len() > 512 {
                return Err(CallError::Transport("the bus sent an overlong line".into()));
            }
            if self.stream.read(&mut byte)? == 0 {
                return Err(CallError::Transport("the bus closed the connection".into()));
            }
            line.push(byte[0]);
        }
        Ok(String::from_utf8_lossy(&line).trim_end().to_owned())
    }

    /// Calls `member` and returns the reply's values (an error reply is [`CallError::Remote`]).
    pub(crate) fn call(
        &mut self,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, CallError> {
        self.serial = self.serial.wrapping_add(1).max(1);
        let serial = self.serial;
        let mut body = Vec::new();
        for a in args {
            encode(&mut body, a);
        }
        let signature: String = args.iter().map(Value::signature).collect();
        let field = |code: u8, v: Value| {
            Value::Struct(vec![Value::Byte(code), Value::Variant(Box::new(v))])
        };
        let mut fields = vec![
            field(1, Value::path(path)),
            field(2, Value::str(interface)),
            field(3, Value::str(member)),
            field(6, Value::str(destination)),
        ];
        if !signature.is_empty() {
            fields.push(field(8, Value::Sig(signature)));
        }
        let mut msg = vec![b'l', 1, 0, 1];
        msg.extend_from_slice(&(body.len() as u32).to_le_bytes());
        msg.extend_from_slice(&serial.to_le_bytes());
        encode(&mut msg, &Value::Array("(yv)".into(), fields));
        pad(&mut msg, 8);
        msg.extend_from_slice(&body);
        self.stream.write_all(&msg)?;
        let deadline = Instant::now() + self.timeout;
        loop {
            if Instant::now() >= deadline {
                return Err(CallError::Transport(format!(
                    "no answer to {interface}.{member} within {:?}",
                    self.timeout
                )));
            }
            let (kind, reply_to, error_name, values) = self.read_message()?;
            if reply_to != Some(serial) {
                continue; // a signal, or an answer to something else
            }
            return match kind {
                2 => Ok(values),
                3 => Err(CallError::Remote {
                    name: error_name.unwrap_or_default(),
                    message: values
                        .first()
                        .and_then(Value::as_str)
                        .map(crate::printable_short)
                        .unwrap_or_default(),
                }),
                _ => continue,
            };
        }
    }

    /// Reads one message: type, reply serial, error name, body values.
    fn read_message(&mut self) -> Result<Message, CallError> {
        let mut fixed = [0u8; 16];
        self.stream.read_exact(&mut fixed)?;
        let big = match fixed[0] {
            b'l' => false,
            b'B' => true,
            _ => return Err(CallError::Transport("not a D-Bus message".into())),
        };
        let word = |b: &[u8]| {
            let a = [b[0], b[1], b[2], b[3]];
            if big {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        };
        let body_len = word(&fixed[4..8]) as usize;
        let fields_len = word(&fixed[12..16]) as usize;
        let header_end = (16 + fields_len).div_ceil(8) * 8;
        let total = header_end
            .checked_add(body_len)
            .filter(|&t| t <= MAX_MESSAGE)
            .ok_or_else(|| CallError::Transport("a D-Bus message over 1 MiB".into()))?;
        let mut buf = vec![0u8; total];
        buf[..16].copy_from_slice(&fixed);
        self.stream.read_exact(&mut buf[16..])?;
        let bad = |e: String| CallError::Transport(format!("unreadable D-Bus message: {e}"));
        let mut d = Decoder {
            buf: &buf[..header_end],
            pos: 12,
            big,
            depth: 0,
        };
        let fields = d.value(b"a(yv)").map_err(bad)?;
        let (mut reply_to, mut error_name, mut signature) = (None, None, String::new());
        for f in fields.as_array().unwrap_or_default() {
            let Some([Value::Byte(code), value]) = f.as_struct() else {
                continue;
            };
            match (code, value) {
                (5, Value::Variant(v)) => {
                    if let Value::U32(s) = **v {
                        reply_to = Some(s);
                    }
                }
                (4, v) => error_name = v.as_str().map(str::to_owned),
                (8, v) => signature = v.as_str().unwrap_or_default().to_owned(),
                _ => {}
            }
        }
        let mut body = Decoder {
            buf: &buf[header_end..],
            pos: 0,
            big,
            depth: 0,
        };
        let values = body.values(signature.as_bytes()).map_err(bad)?;
        Ok((fixed[1], reply_to, error_name, values))
    }
}

fn connect(address: &str, timeout: Duration) -> Result<UnixStream, CallError> {
    let rest = address
        .strip_prefix("unix:")
        .ok_or_else(|| CallError::Transport(format!("unsupported bus address {address}")))?;
    let mut path = None;
    let mut abstract_name = None;
    for kv in rest.split(',') {
        if let Some(p) = kv.strip_prefix("path=") {
            path = Some(unescape(p));
        } else if let Some(a) = kv.strip_prefix("abstract=") {
            abstract_name = Some(unescape(a));
        }
    }
    let stream = match (path, abstract_name) {
        (Some(p), _) => UnixStream::connect(p)?,
        #[cfg(target_os = "linux")]
        (None, Some(name)) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            UnixStream::connect_addr(&addr)?
        }
        _ => {
            return Err(CallError::Transport(format!(
                "unsupported bus address {address}"
            )));
        }
    };
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

/// D-Bus address values escape bytes as `%XX`.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_the_wire_format() {
        let v = vec![
            Value::path("/org/freedesktop/secrets/session/1"),
            Value::Struct(vec![
                Value::path("/s"),
                Value::bytes(&[]),
                Value::bytes(b"{\"k\":1}"),
                Value::str("application/json"),
            ]),
            Value::Array(
                "{sv}".into(),
                vec![Value::Entry(
                    Box::new(Value::str("org.freedesktop.Secret.Item.Attributes")),
                    Box::new(Value::Variant(Box::new(Value::string_dict(&[
                        ("service", "awscred"),
                        ("profile", "dev"),
                    ])))),
                )],
            ),
            Value::Bool(true),
            Value::U64(7),
        ];
        let mut buf = Vec::new();
        for x in &v {
            encode(&mut buf, x);
        }
        let sig: String = v.iter().map(Value::signature).collect();
        assert_eq!(sig, "o(oayays)a{sv}bt");
        let mut d = Decoder {
            buf: &buf,
            pos: 0,
            big: false,
            depth: 0,
        };
        assert_eq!(d.values(sig.as_bytes()).unwrap(), v);
    }

    #[test]
    fn broken_input_is_an_error_not_a_panic() {
        for (sig, bytes) in [
            ("s", &[5u8, 0, 0, 0, b'a'][..]),
            ("a{ss}", &[255, 255, 255, 255][..]),
            ("v", &[3, b'(', b'(', b'(', 0][..]),
            ("(yy", &[1, 2][..]),
            ("g", &[9][..]),
        ] {
            let mut d = Decoder {
                buf: bytes,
                pos: 0,
                big: false,
                depth: 0,
            };
            assert!(d.values(sig.as_bytes()).is_err(), "{sig}");
        }
    }

    #[test]
    fn addresses_are_unescaped() {
        assert_eq!(unescape("/tmp/dbus%2dx"), "/tmp/dbus-x");
        assert_eq!(unescape("%zz"), "%zz");
    }
}
