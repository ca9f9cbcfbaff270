//! Decoding text files as Chinese offices produce them: UTF-8 with or without a BOM, or GBK/GB18030.

use encoding_rs::{GB18030, UTF_8};

/// Which encoding a file turned out to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    Utf8,
    Utf8Bom,
    Gb18030,
}

/// Decodes bytes: a UTF-8 BOM or valid UTF-8 is taken as UTF-8; anything else is decoded as GB18030 (a
/// superset of GBK, which is what Chinese Excel writes as "CSV").
pub fn decode(bytes: &[u8]) -> (String, Detected) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let (text, _) = UTF_8.decode_without_bom_handling(rest);
        return (text.into_owned(), Detected::Utf8Bom);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), Detected::Utf8),
        Err(_) => {
            let (text, _, _) = GB18030.decode(bytes);
            (text.into_owned(), Detected::Gb18030)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_bom_utf8_and_gbk() {
        let (t, d) = decode("\u{FEFF}户主".as_bytes());
        assert_eq!((t.as_str(), d), ("户主", Detected::Utf8Bom));
        let (t, d) = decode("户主".as_bytes());
        assert_eq!((t.as_str(), d), ("户主", Detected::Utf8));
        let (gbk, _, _) = encoding_rs::GBK.encode("巴中市,户主");
        let (t, d) = decode(&gbk);
        assert_eq!((t.as_str(), d), ("巴中市,户主", Detected::Gb18030));
    }
}
