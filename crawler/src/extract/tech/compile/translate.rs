//! JavaScript regexes (Wappalyzer's patterns) rewritten for the `regex`
//! crate, or the reason they cannot be.

/// Rewrites a JavaScript regex for the `regex` crate with Unicode off
/// (ASCII `\d \w \s`, byte haystacks), or says why it cannot be.
pub fn translate(js: &str) -> Result<String, String> {
    let chars: Vec<char> = js.chars().collect();
    let mut out = String::with_capacity(js.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '\\' => {
                let Some(&n) = chars.get(i) else {
                    return Err("ends with a backslash".into());
                };
                i += 1;
                match n {
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                        // In a class, JS reads `\w-.` with a literal '-'.
                        if in_class && out.ends_with('-') && !out.ends_with("\\-") {
                            out.pop();
                            out.push_str("\\-");
                        }
                        out.push('\\');
                        out.push(n);
                        if in_class && chars.get(i) == Some(&'-') && chars.get(i + 1) != Some(&']')
                        {
                            out.push_str("\\-");
                            i += 1;
                        }
                    }
                    'n' | 'r' | 't' | 'f' | 'v' => {
                        out.push('\\');
                        out.push(n);
                    }
                    'b' | 'B' if !in_class => {
                        out.push('\\');
                        out.push(n);
                    }
                    'b' => out.push_str("\\x08"),
                    '1'..='9' => return Err("backreference".into()),
                    'k' => return Err("named backreference".into()),
                    'c' => return Err("control escape".into()),
                    '0' => out.push_str("\\x00"),
                    'x' | 'u' => {
                        let len = if n == 'x' { 2 } else { 4 };
                        let hex: String = chars.iter().skip(i).take(len).collect();
                        let code = (hex.len() == len)
                            .then(|| u32::from_str_radix(&hex, 16).ok())
                            .flatten()
                            .and_then(char::from_u32);
                        match code {
                            Some(ch) => {
                                i += len;
                                push_literal(&mut out, ch, in_class)?;
                            }
                            // JS reads a bad \x or \u as the letter.
                            None => out.push(n),
                        }
                    }
                    n if n.is_ascii_alphanumeric() => out.push(n),
                    n => push_literal(&mut out, n, in_class)?,
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    return Err("empty class".into());
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '{' if !in_class => {
                // A quantifier only when the whole {n}, {n,} or {n,m} is there
                // and follows something; otherwise JS reads a literal brace.
                let rest: String = chars.iter().skip(i).take(24).collect();
                let quant = rest.find('}').map(|end| &rest[..end]).filter(|q| {
                    let mut parts = q.splitn(2, ',');
                    let a = parts.next().unwrap_or_default();
                    let b = parts.next();
                    !a.is_empty()
                        && a.bytes().all(|b| b.is_ascii_digit())
                        && b.is_none_or(|b| b.bytes().all(|b| b.is_ascii_digit()))
                });
                let after_atom = !out.is_empty() && !out.ends_with('(') && !out.ends_with('|');
                match quant {
                    Some(q) if after_atom => {
                        out.push('{');
                        out.push_str(q);
                        out.push('}');
                        i += q.chars().count() + 1;
                    }
                    _ => out.push_str("\\{"),
                }
            }
            '}' if !in_class => out.push_str("\\}"),
            '(' if !in_class && chars.get(i) == Some(&'?') => {
                let next: String = chars.iter().skip(i + 1).take(2).collect();
                if next.starts_with('=') || next.starts_with('!') || next == "<=" || next == "<!" {
                    return Err("lookaround".into());
                }
                out.push('(');
            }
            c if !c.is_ascii() => push_literal(&mut out, c, in_class)?,
            c => out.push(c),
        }
    }
    if in_class {
        return Err("unclosed class".into());
    }
    Ok(out)
}

/// A literal character: escaped when the regex crate would read it as
/// syntax; non-ASCII as its UTF-8 bytes (Unicode is off).
pub(super) fn push_literal(out: &mut String, c: char, in_class: bool) -> Result<(), String> {
    if c.is_ascii() {
        if regex_syntax::is_meta_character(c) || (in_class && matches!(c, '&' | '~' | '-')) {
            out.push('\\');
        }
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            out.push_str(&format!("\\x{:02X}", c as u32));
        }
        return Ok(());
    }
    if in_class {
        return Err("non-ASCII character in a class".into());
    }
    let mut buf = [0; 4];
    for b in c.encode_utf8(&mut buf).bytes() {
        out.push_str(&format!("\\x{b:02X}"));
    }
    Ok(())
}
