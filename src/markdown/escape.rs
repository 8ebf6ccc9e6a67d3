//! Entities, escapes and safe links: HTML character references, backslash escapes, and
//! [`safe_href`], the only gate a URL passes to become a link target.

use std::borrow::Cow;

/// The named character references that are decoded (the common ones; any other stays text).
const ENTITIES: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("hellip", "…"),
    ("mdash", "—"),
    ("ndash", "–"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("middot", "·"),
    ("bull", "•"),
    ("times", "×"),
    ("divide", "÷"),
    ("deg", "°"),
    ("plusmn", "±"),
    ("sect", "§"),
    ("para", "¶"),
    ("euro", "€"),
    ("pound", "£"),
    ("yen", "¥"),
    ("cent", "¢"),
    ("larr", "←"),
    ("rarr", "→"),
    ("uarr", "↑"),
    ("darr", "↓"),
    ("harr", "↔"),
    ("lArr", "⇐"),
    ("rArr", "⇒"),
    ("hArr", "⇔"),
    ("ne", "≠"),
    ("le", "≤"),
    ("ge", "≥"),
    ("infin", "∞"),
    ("minus", "−"),
    ("micro", "µ"),
    ("frac12", "½"),
    ("frac14", "¼"),
    ("frac34", "¾"),
    ("sup2", "²"),
    ("sup3", "³"),
    ("check", "✓"),
];

/// Decodes the entity at the start of `s` (which starts with `&`) into `out`; returns its length.
/// "Decimal numeric character references consist of &# + a string of 1–7 arabic digits + ;";
/// hexadecimal ones of "&# + either X or x + a string of 1-6 hexadecimal digits + ;". Code point 0
/// and invalid ones become U+FFFD.
pub(super) fn entity(s: &str, out: &mut String) -> Option<usize> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let hex = matches!(b.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let digits = b[start.min(b.len())..]
            .iter()
            .take(8)
            .take_while(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 || digits > if hex { 6 } else { 7 } || b.get(start + digits) != Some(&b';') {
            return None;
        }
        let n = u32::from_str_radix(&s[start..start + digits], if hex { 16 } else { 10 }).ok()?;
        out.push(
            char::from_u32(n)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{fffd}'),
        );
        return Some(start + digits + 1);
    }
    let n = b[1..]
        .iter()
        .take(33)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if n == 0 || b.get(1 + n) != Some(&b';') {
        return None;
    }
    let value = ENTITIES.iter().find(|(k, _)| *k == &s[1..1 + n])?.1;
    out.push_str(value);
    Some(n + 2)
}

/// Decodes backslash escapes and entities (link destinations, info strings).
pub(super) fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', '&']) {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut i, mut plain) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\\' if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                out.push_str(&s[plain..i]);
                out.push(char::from(b[i + 1]));
                i += 2;
                plain = i;
            }
            b'&' => {
                let mark = out.len();
                out.push_str(&s[plain..i]);
                match entity(&s[i..], &mut out) {
                    Some(n) => {
                        i += n;
                        plain = i;
                    }
                    None => {
                        out.truncate(mark);
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[plain..]);
    Cow::Owned(out)
}

/// The URL if it is safe as a link target: `Some` only for `http:`/`https:` (with `//` and a host)
/// and `mailto:`, with the scheme lowercased. The scheme is compared exactly after trimming white
/// space and control characters at both ends, so case (`JaVaScRiPt:`), leading white space,
/// entities (`java&#115;cript:` is not decoded here: its scheme is not on the list) and control
/// characters (rejected anywhere) cannot smuggle another scheme in. Callers decode markdown
/// escapes and entities first, so the check applies to the URL the browser would see. White
/// space and `"` `<` `>` `` ` `` inside are percent-encoded; the result passes `safe_href` again
/// unchanged.
pub fn safe_href(raw: &str) -> Option<String> {
    let s = raw.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    if s.chars().any(char::is_control) {
        return None;
    }
    let (scheme, rest) = s.split_once(':')?;
    let scheme = scheme.to_ascii_lowercase();
    let ok = match scheme.as_str() {
        "http" | "https" => rest.strip_prefix("//").is_some_and(|host| {
            host.chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && !matches!(c, '/' | '\\' | '?' | '#'))
        }),
        "mailto" => !rest.trim().is_empty(),
        _ => false,
    };
    if !ok {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&scheme);
    out.push(':');
    for c in rest.chars() {
        if c.is_whitespace() || matches!(c, '"' | '<' | '>' | '`') {
            let mut buf = [0; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}
