//! Decoding text files as Chinese offices produce them: UTF-8 with or without a BOM, or GBK/GB18030.

use encoding_rs::{DecoderResult, GB18030, UTF_8};

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

/// Bytes that are neither valid UTF-8 nor valid GBK/GB18030: where the first bad byte is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadBytes {
    /// 1-based line of the first bad byte.
    pub row: usize,
    /// Its offset in the file.
    pub offset: usize,
}

/// Decodes bytes like [`decode`], but refuses what cannot be decoded instead of putting U+FFFD in its
/// place: an import must not turn a name into `张�` unnoticed.
pub fn decode_strict(bytes: &[u8]) -> Result<(String, Detected), BadBytes> {
    let at = |offset: usize| BadBytes {
        row: 1 + memchr::memchr_iter(b'\n', &bytes[..offset]).count(),
        offset,
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_owned(), Detected::Utf8Bom)),
            Err(e) => Err(at(3 + e.valid_up_to())),
        };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_owned(), Detected::Utf8));
    }
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(2));
    let mut out = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        DecoderResult::InputEmpty => Ok((out, Detected::Gb18030)),
        DecoderResult::Malformed(bad, after) => {
            let offset = read.saturating_sub(usize::from(bad) + usize::from(after));
            Err(at(offset))
        }
        DecoderResult::OutputFull => Err(at(read)),
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

    #[test]
    fn invalid_gbk_bytes_are_refused_with_their_row_not_replaced() {
        let mut bytes = encoding_rs::GBK
            .encode("户编号,姓名\n1,张三\n2,")
            .0
            .into_owned();
        bytes.extend_from_slice(b"\xFF\xFF\n3,\xC0\xEE\xCB\xC4\n");
        assert_eq!(
            decode_strict(&bytes).map(|_| ()),
            Err(BadBytes {
                row: 3,
                offset: bytes.len() - 10
            })
        );
        let mut bom = b"\xEF\xBB\xBFa\nb".to_vec();
        bom.push(0xC3);
        assert_eq!(decode_strict(&bom).map_err(|b| b.row), Err(2));
        let (gbk, _, _) = encoding_rs::GBK.encode("巴中市,户主");
        assert_eq!(
            decode_strict(&gbk).unwrap(),
            ("巴中市,户主".to_owned(), Detected::Gb18030)
        );
    }
}
