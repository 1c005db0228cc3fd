//! Text from outside, made safe to print.

/// `text` as it may be shown on a terminal or in a log line: without control characters (an
/// escape sequence loses its ESC and prints as plain text) or the invisible characters that
/// reorder or hide text (bidirectional overrides, zero-width characters), and cut after
/// `max_chars` characters with a note of how many were cut. Spaces are kept (trim if needed).
///
/// For whatever a server says (STS error messages, SSO and container error bodies, IMDS codes)
/// and values read from files that are shown back (`awscred explain`). Never pass a secret.
pub fn printable(text: &str, max_chars: usize) -> String {
    let mut kept = text.chars().filter(|&c| !hidden(c));
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    out.extend(kept.by_ref().take(max_chars));
    let cut = kept.count();
    if cut > 0 {
        out.push_str(&format!("… ({cut} more characters cut)"));
    }
    out
}

fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_what_a_terminal_would_act_on_and_says_how_much_was_cut() {
        assert_eq!(printable("  Access denied\n", 100), "  Access denied");
        assert_eq!(
            printable("\u{1b}]0;owned\u{7}\u{1b}[2Jred\u{202e}txt\r\n", 100),
            "]0;owned[2Jredtxt"
        );
        assert_eq!(printable("a\u{200b}b\u{feff}", 100), "ab");
        let long = "x".repeat(1000);
        assert_eq!(
            printable(&long, 10),
            format!("{}… (990 more characters cut)", "x".repeat(10))
        );
        assert_eq!(
            printable(&"é".repeat(11), 10),
            format!("{}… (1 more characters cut)", "é".repeat(10))
        );
        assert_eq!(printable("", 10), "");
    }
}
