//! Normalisation of text typed by people: full-width digits and letters, stray and ideographic spaces.

/// Maps a full-width ASCII variant (`０`–`～`) and the ideographic space to its half-width form.
pub fn to_half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Half-width characters, no leading or trailing whitespace, inner runs of whitespace collapsed to one space,
/// zero-width characters removed.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().map(to_half_width) {
        if matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}') {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Whether a character is refused in names and free text: every control character (C0 and C1, line breaks
/// and tabs included, DEL) and the invisible format characters that reorder or hide what is shown —
/// bidirectional overrides, embeddings, isolates and marks (a name written `\u{202E}…` reads backwards on a
/// notice), line and paragraph separators, invisible operators and interlinear annotations.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// The first refused character of `text` (see [`is_forbidden`]), for messages: `U+202E`.
pub fn first_forbidden(text: &str) -> Option<char> {
    text.chars().find(|c| is_forbidden(*c))
}

/// How a refused character is named in a message: `U+202E`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Why free text is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FreeTextError {
    #[error("含有控制字符或不可见的方向控制字符（{}），请删除后重新填写", code_point(*.0))]
    Forbidden(char),
    #[error("长度为 {len} 个字，超过上限 {max} 个字")]
    TooLong { len: usize, max: usize },
}

/// Checks free text as typed (before [`normalize`]): no refused character, at most `max_chars` characters.
/// Every limit used is below XLSX's 32,767 characters per cell, so every export can write what was accepted.
pub fn check_free_text(text: &str, max_chars: usize) -> Result<(), FreeTextError> {
    if let Some(c) = first_forbidden(text) {
        return Err(FreeTextError::Forbidden(c));
    }
    let len = text.chars().count();
    if len > max_chars {
        return Err(FreeTextError::TooLong {
            len,
            max: max_chars,
        });
    }
    Ok(())
}

/// The longest free text (notes, reasons, addresses) anywhere in the registry: far below the 32,767
/// characters an XLSX cell holds.
pub const MAX_FREE_TEXT_CHARS: usize = 2_000;

/// A Chinese character or a full-width (CJK) punctuation mark.
pub fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF1F}' | '\u{2014}' | '\u{2026}' | '\u{201C}' | '\u{201D}')
}

/// Half-width punctuation used in Chinese text, where the full-width form belongs: a `,` `;` `:` `?` or
/// `!` right after a Chinese character, and parentheses that follow a Chinese character or enclose one.
/// Returns each place with a little of its context, empty when the text is clean. Text between backticks
/// (code, commands) is left alone.
pub fn half_width_in_chinese(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut code = vec![false; chars.len()];
    let mut inside = false;
    for (i, c) in chars.iter().enumerate() {
        if *c == '`' {
            inside = !inside;
        }
        code[i] = inside || *c == '`';
    }
    let prev = |i: usize| chars[..i].iter().rev().find(|c| **c != ' ').copied();
    let context = |i: usize| -> String {
        let from = i.saturating_sub(8);
        let to = (i + 8).min(chars.len());
        chars[from..to].iter().collect()
    };
    let mut found = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if code[i] {
            continue;
        }
        let bad = match c {
            ',' | ';' | ':' | '?' | '!' => {
                prev(i).is_some_and(is_chinese)
                    // `http://`, `12:30`, `a:b`: the next character is not a space or Chinese.
                    && chars.get(i + 1).is_none_or(|n| *n == ' ' || *n == '\n' || is_chinese(*n))
            }
            '(' => {
                let close = chars[i..].iter().position(|c| *c == ')').map(|p| i + p);
                let encloses = close.is_some_and(|e| chars[i..e].iter().any(|c| is_chinese(*c)));
                encloses || prev(i).is_some_and(|p| is_chinese(p) && p != '\u{3001}')
            }
            ')' => {
                let open = chars[..i].iter().rposition(|c| *c == '(');
                open.is_some_and(|o| {
                    chars[o..i].iter().any(|c| is_chinese(*c)) || prev(o).is_some_and(is_chinese)
                })
            }
            _ => false,
        };
        if bad {
            found.push(context(i));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_full_width_and_spaces() {
        assert_eq!(normalize("　５１１９０２　\t"), "511902");
        assert_eq!(normalize("张  三"), "张 三");
        assert_eq!(normalize("\u{FEFF}户主"), "户主");
    }

    #[test]
    fn names_and_free_text_refuse_bidi_override_and_control_characters() {
        for bad in [
            "张\u{202E}三",
            "a\u{2066}b",
            "x\ny",
            "x\ty",
            "\u{7}",
            "a\u{85}",
            "\u{200F}",
        ] {
            assert!(check_free_text(bad, 100).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_free_text("石板组", 2),
            Err(FreeTextError::TooLong { len: 3, max: 2 })
        );
        assert!(check_free_text("石板组 3 号", 100).is_ok());
        assert!(FreeTextError::Forbidden('\u{202E}')
            .to_string()
            .contains("U+202E"));
    }

    #[test]
    fn finds_half_width_punctuation_in_chinese_text() {
        assert!(
            half_width_in_chinese("区划代码（如 5119），年度：2024；见 `a:b, c (d)`").is_empty()
        );
        assert!(half_width_in_chinese("see http://x:80/a, b (c)").is_empty());
        assert_eq!(half_width_in_chinese("年度, 区划").len(), 1);
        assert_eq!(half_width_in_chinese("区划代码 (如 5119)").len(), 2);
        assert_eq!(half_width_in_chinese("(YYYY-MM-DD) 日期").len(), 0);
        assert_eq!(half_width_in_chinese("生效日期 (YYYY-MM-DD)").len(), 2);
        assert_eq!(half_width_in_chinese("注意: 不写入").len(), 1);
    }
}
