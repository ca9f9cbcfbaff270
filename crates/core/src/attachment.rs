//! Attachments (附件) kept with a household or one of its monitoring cases: the signed 授权承诺书, visit
//! photos and notice photos. What a file *is* comes from its content, never from its name or the type the
//! browser claims: [`Content::parse`] reads the leading bytes (the format's signature) and accepts JPEG, PNG
//! and PDF only, so a program renamed `照片.jpg` is refused. No I/O here.
//!
//! Photos keep their EXIF data as taken, GPS position included (it shows where a visit was made); the
//! parse says whether a position is there ([`Content::has_gps`]) so that the pages can say so.

use std::fmt;

crate::labeled_enum! {
    /// What an attachment is, as the cadre files it.
    pub enum AttachmentKind {
        /// The household's signed consent to check its assets and incomes (授权承诺书).
        Consent = ("consent", "授权承诺书"),
        /// A photo taken on a home visit (入户核实, 走访).
        VisitPhoto = ("visit_photo", "走访照片"),
        /// A photo of the public notice as posted (公示).
        NoticePhoto = ("notice_photo", "公示照片"),
        /// Anything else the household or the case needs on file.
        Other = ("other", "其他材料"),
    }
}

crate::labeled_enum! {
    /// The formats an attachment may have, recognised from the content.
    pub enum MediaType {
        Jpeg = ("image/jpeg", "JPEG 图片"),
        Png = ("image/png", "PNG 图片"),
        Pdf = ("application/pdf", "PDF 文件"),
    }
}

impl MediaType {
    /// Whether a browser shows it as a picture.
    pub fn is_image(self) -> bool {
        matches!(self, MediaType::Jpeg | MediaType::Png)
    }

    /// The usual file extension, for download names.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Pdf => "pdf",
        }
    }
}

/// The largest attachment accepted: a phone photo is 2–6 MB, a scanned consent form as PDF less.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// Why a file cannot be an attachment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("文件是空的")]
    Empty,
    #[error("文件有 {size} 字节，超过附件上限 {limit} 字节（10 MB）")]
    TooLarge { size: usize, limit: usize },
    #[error("按文件内容识别为{found}，不是 JPEG、PNG 图片或 PDF 文件；附件只收这三种格式（与文件名和扩展名无关）")]
    NotAccepted { found: &'static str },
}

/// A file's content, recognised: its format, and whether it carries a GPS position (images only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content {
    pub media_type: MediaType,
    pub has_gps: bool,
}

impl fmt::Display for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.media_type.label())
    }
}

impl Content {
    /// Recognises `bytes` from their signature (JPEG `FF D8 FF`, PNG's eight-byte signature followed by
    /// its `IHDR` chunk, PDF `%PDF-`), within [`MAX_ATTACHMENT_BYTES`].
    pub fn parse(bytes: &[u8]) -> Result<Content, ContentError> {
        if bytes.is_empty() {
            return Err(ContentError::Empty);
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(ContentError::TooLarge {
                size: bytes.len(),
                limit: MAX_ATTACHMENT_BYTES,
            });
        }
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        let media_type = if bytes.len() >= 4 && bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            MediaType::Jpeg
        } else if bytes.starts_with(PNG) && bytes.get(12..16) == Some(b"IHDR") {
            MediaType::Png
        } else if bytes.starts_with(b"%PDF-") {
            MediaType::Pdf
        } else {
            return Err(ContentError::NotAccepted {
                found: what_else(bytes),
            });
        };
        let has_gps = match media_type {
            MediaType::Jpeg => jpeg_exif(bytes).is_some_and(tiff_has_gps),
            MediaType::Png => png_exif(bytes).is_some_and(tiff_has_gps),
            MediaType::Pdf => false,
        };
        Ok(Content {
            media_type,
            has_gps,
        })
    }
}

/// A name for what a refused file seems to be, for the message.
fn what_else(bytes: &[u8]) -> &'static str {
    let sigs: &[(&[u8], &str)] = &[
        (b"MZ", "Windows 可执行程序"),
        (b"\x7fELF", "Linux 可执行程序"),
        (b"PK\x03\x04", "ZIP 压缩包或 Office 文档"),
        (b"\xD0\xCF\x11\xE0", "旧版 Office 文档"),
        (b"GIF8", "GIF 图片"),
        (b"Rar!", "RAR 压缩包"),
        (b"<", "网页或 XML 文本"),
        (b"\x89PNG", "损坏的 PNG 图片"),
    ];
    for (sig, name) in sigs {
        if bytes.starts_with(sig) {
            return name;
        }
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return "WebP 图片";
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return "HEIC 图片或视频";
    }
    "其他格式"
}

/// The TIFF block of a JPEG's EXIF segment (APP1 `Exif\0\0`), if any, from the segments before the image
/// data.
fn jpeg_exif(b: &[u8]) -> Option<&[u8]> {
    let mut at = 2;
    while at + 4 <= b.len() {
        if b[at] != 0xFF {
            return None;
        }
        let marker = b[at + 1];
        // Start of scan or end of image: no more metadata.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
        let body = b.get(at + 4..at + 2 + len)?;
        if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
            return Some(&body[6..]);
        }
        at += 2 + len;
    }
    None
}

/// The TIFF block of a PNG's `eXIf` chunk, if any.
fn png_exif(b: &[u8]) -> Option<&[u8]> {
    let mut at = 8;
    while at + 8 <= b.len() {
        let len = u32::from_be_bytes(b[at..at + 4].try_into().ok()?) as usize;
        let kind = &b[at + 4..at + 8];
        let body = b.get(at + 8..at + 8 + len)?;
        if kind == b"eXIf" {
            return Some(body);
        }
        if kind == b"IDAT" || kind == b"IEND" {
            return None;
        }
        at += 12 + len;
    }
    None
}

/// Whether a TIFF block's first directory points at a GPS directory (tag `0x8825`) with entries.
fn tiff_has_gps(t: &[u8]) -> bool {
    let big = match t.get(..4) {
        Some(b"MM\0*") => true,
        Some(b"II*\0") => false,
        _ => return false,
    };
    let u16_at = |i: usize| -> Option<usize> {
        let s: [u8; 2] = t.get(i..i + 2)?.try_into().ok()?;
        Some(usize::from(if big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        }))
    };
    let u32_at = |i: usize| -> Option<usize> {
        let s: [u8; 4] = t.get(i..i + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        } as usize)
    };
    let Some(ifd) = u32_at(4) else {
        return false;
    };
    let Some(n) = u16_at(ifd) else {
        return false;
    };
    (0..n).any(|i| {
        let entry = ifd + 2 + i * 12;
        u16_at(entry) == Some(0x8825)
            && u32_at(entry + 8)
                .and_then(u16_at)
                .is_some_and(|entries| entries > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG start with an EXIF segment whose first directory has `tags` (little-endian TIFF).
    pub(crate) fn jpeg_with_exif(gps: bool) -> Vec<u8> {
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        // IFD0: one entry.
        tiff.extend_from_slice(&1u16.to_le_bytes());
        let tag: u16 = if gps { 0x8825 } else { 0x010F };
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes()); // LONG
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&26u32.to_le_bytes()); // offset of the GPS IFD
        tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
                                                     // GPS IFD at 26: one entry (GPSVersionID).
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&[0, 0, 1, 0, 4, 0, 0, 0, 2, 2, 0, 0]);
        tiff.extend_from_slice(&0u32.to_le_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&[0xFF, 0xDA, 0, 2, 1, 2, 3, 0xFF, 0xD9]);
        out
    }

    #[test]
    fn formats_come_from_the_content() {
        assert_eq!(
            Content::parse(&jpeg_with_exif(false)).unwrap(),
            Content {
                media_type: MediaType::Jpeg,
                has_gps: false
            }
        );
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\0IEND\xaeB`\x82";
        assert_eq!(Content::parse(png).unwrap().media_type, MediaType::Png);
        assert_eq!(
            Content::parse(b"%PDF-1.4\n%%EOF").unwrap().media_type,
            MediaType::Pdf
        );
    }

    #[test]
    fn a_program_renamed_to_jpg_is_refused() {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff";
        let e = Content::parse(exe).unwrap_err();
        assert_eq!(
            e,
            ContentError::NotAccepted {
                found: "Windows 可执行程序"
            }
        );
        assert!(e.to_string().contains("与文件名和扩展名无关"), "{e}");
        // A PNG signature alone (no IHDR) is not a PNG.
        assert!(Content::parse(b"\x89PNG\r\n\x1a\nxxxxxxxx").is_err());
        assert_eq!(Content::parse(b""), Err(ContentError::Empty));
    }

    #[test]
    fn oversize_files_are_refused() {
        let mut big = vec![0u8; MAX_ATTACHMENT_BYTES + 1];
        big[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
        assert!(matches!(
            Content::parse(&big),
            Err(ContentError::TooLarge { .. })
        ));
        big.truncate(MAX_ATTACHMENT_BYTES);
        assert!(Content::parse(&big).is_ok());
    }

    #[test]
    fn gps_positions_are_found_in_exif() {
        assert!(Content::parse(&jpeg_with_exif(true)).unwrap().has_gps);
        assert!(!Content::parse(&jpeg_with_exif(false)).unwrap().has_gps);
        // Truncated metadata does not panic.
        let j = jpeg_with_exif(true);
        for n in 4..j.len() {
            let _ = Content::parse(&j[..n]);
        }
    }
}
