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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_full_width_and_spaces() {
        assert_eq!(normalize("　５１１９０２　\t"), "511902");
        assert_eq!(normalize("张  三"), "张 三");
        assert_eq!(normalize("\u{FEFF}户主"), "户主");
    }
}
