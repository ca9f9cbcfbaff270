//! File uploads: `multipart/form-data` bodies, read whole (they are bounded by [`MAX_UPLOAD_BYTES`]) and
//! split into their parts. Only what HTML forms send is understood: parts with a `Content-Disposition:
//! form-data; name="…"` header, optionally with `filename="…"` (or RFC 5987 `filename*=UTF-8''…`).
//!
//! Used twice for one request: by the CSRF middleware (which finds the `_csrf` field) and by the import
//! handler (which takes the file). Parsing is linear in the body and allocates only the parts.

/// Largest upload accepted (a county's household file as XLSX is a few MB; a CSV of 100,000 members is
/// about 30 MB).
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// The file name the browser sent (without any directory), for file parts.
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

impl Part {
    /// The part as text (form fields are UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// Why a body could not be read as multipart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    #[error("请求不是 multipart/form-data 或缺少 boundary")]
    NoBoundary,
    #[error("multipart 请求体格式不正确")]
    Malformed,
}

/// Whether a `Content-Type` header value is `multipart/form-data`.
pub fn is_multipart(content_type: &str) -> bool {
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    if !is_multipart(content_type) {
        return None;
    }
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("boundary"))
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Splits a multipart body into its parts.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, MultipartError> {
    let boundary = boundary(content_type).ok_or(MultipartError::NoBoundary)?;
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or(MultipartError::Malformed)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        // After a delimiter: `--` ends the body, CRLF starts a part.
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err(MultipartError::Malformed);
        }
        at += 2;
        let head_end = find(body, b"\r\n\r\n", at).ok_or(MultipartError::Malformed)?;
        let head =
            std::str::from_utf8(&body[at..head_end]).map_err(|_| MultipartError::Malformed)?;
        let data_start = head_end + 4;
        let data_end = find(body, &next_delimiter, data_start).ok_or(MultipartError::Malformed)?;
        let (name, filename) = disposition(head).ok_or(MultipartError::Malformed)?;
        parts.push(Part {
            name,
            filename,
            data: body[data_start..data_end].to_vec(),
        });
        at = data_end + next_delimiter.len();
    }
}

/// `name` and `filename` of a part's `Content-Disposition` header.
fn disposition(head: &str) -> Option<(String, Option<String>)> {
    let line = head.split("\r\n").find(|l| {
        l.split_once(':')
            .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
    })?;
    let (_, value) = line.split_once(':')?;
    let mut name = None;
    let mut filename = None;
    let mut filename_star = None;
    for param in split_params(value).into_iter().skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim();
        match k.as_str() {
            "name" => name = Some(unquote(v)),
            "filename" => filename = Some(unquote(v)),
            "filename*" => filename_star = decode_rfc5987(v),
            _ => {}
        }
    }
    let filename = filename_star.or(filename).map(|f| base_name(&f));
    Some((name?, filename))
}

/// Splits header parameters on `;` outside quotes. Browsers do not backslash-escape in these values (the
/// HTML standard percent-encodes `"`, CR and LF instead), and old ones send Windows paths with backslashes,
/// so a backslash is an ordinary character.
fn split_params(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ';' if !quoted => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out
}

fn unquote(v: &str) -> String {
    v.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v)
        .replace("%22", "\"")
}

/// `UTF-8''%E6%88%B7.xlsx` → `户.xlsx`.
fn decode_rfc5987(v: &str) -> Option<String> {
    let (charset, rest) = v.split_once('\'')?;
    let (_, encoded) = rest.split_once('\'')?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The last path component (some browsers send `C:\…\户籍表.xlsx`).
fn base_name(f: &str) -> String {
    f.rsplit(['/', '\\']).next().unwrap_or(f).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=----abc123";

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut b = Vec::new();
        for (name, filename, data) in parts {
            b.extend_from_slice(b"------abc123\r\n");
            match filename {
                Some(f) => b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
                ),
                None => b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            b.extend_from_slice(data);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"------abc123--\r\n");
        b
    }

    #[test]
    fn fields_and_files_come_out_as_sent() {
        let data: &[u8] = b"\xEF\xBB\xBFa,b\r\n--not-a-boundary\r\n\x00\xFF";
        let b = body(&[
            ("_csrf", None, b"tok"),
            ("file", Some("C:\\x\\户籍表.csv"), data),
        ]);
        let parts = parse(CT, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "_csrf");
        assert_eq!(parts[0].text(), "tok");
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].filename.as_deref(), Some("户籍表.csv"));
        assert_eq!(parts[1].data, data);
    }

    #[test]
    fn rfc5987_filenames_win() {
        let head = "Content-Disposition: form-data; name=\"file\"; filename=\"x.csv\"; filename*=UTF-8''%E6%88%B7.csv";
        assert_eq!(
            disposition(head),
            Some(("file".to_owned(), Some("户.csv".to_owned())))
        );
    }

    #[test]
    fn broken_bodies_are_refused() {
        assert_eq!(parse("text/plain", b""), Err(MultipartError::NoBoundary));
        assert_eq!(parse(CT, b"garbage"), Err(MultipartError::Malformed));
        let mut b = body(&[("file", Some("a.csv"), b"abc")]);
        b.truncate(b.len() - 20);
        assert_eq!(parse(CT, &b), Err(MultipartError::Malformed));
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(
            boundary("multipart/form-data; boundary=\"q q\""),
            Some("q q".to_owned())
        );
    }
}
