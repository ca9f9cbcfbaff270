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
