//! Seeded random damage to a YAML document, for the tests that feed the config and front
//! matter readers thousands of broken files. Deterministic: the same seed gives the same
//! mutations on every machine, so a failure names the seed and index that reproduce it.

/// xorshift64*: small, fast, and good enough to pick where to break a file.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

/// Text that means something to YAML, or to ccfail's readers: indicators, tags, anchors,
/// document markers, numbers past 64 bits, bytes that are not UTF-8.
const TOKENS: &[&[u8]] = &[
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b": ",
    b",",
    b"- ",
    b"? ",
    b"&a ",
    b"*a",
    b"*b",
    b"!!str ",
    b"!!int ",
    b"!!binary ",
    b"!local ",
    b"|",
    b">-",
    b"'",
    b"\"",
    b"#",
    b"%YAML 1.2\n",
    b"\n---\n",
    b"\n...\n",
    b"\t",
    b"  ",
    b"\n",
    b"~",
    b"null",
    b"true",
    b"18446744073709551616",
    b"-1",
    b"99999999999999999999999",
    b"1e999",
    b".nan",
    b"0x1F",
    b"0o17",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"<<: *a\n",
    b"@",
    b"`",
    b"\\",
    b"\\u",
    b"\x00",
    b"5 minutes",
    b"-5s",
];

/// Damage `base` with one to three random edits.
pub fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut text = base.to_vec();
    for _ in 0..=rng.below(3) {
        text = edit(&text, rng);
    }
    text
}

fn edit(text: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = text.to_vec();
    let at = rng.below(text.len() + 1);
    let lines: Vec<(usize, usize)> = line_spans(text);
    let (start, end) = lines[rng.below(lines.len())];
    match rng.below(12) {
        0 => {
            let len = 1 + rng.below(16);
            out.drain(at.min(out.len())..(at + len).min(out.len()));
        }
        1 | 2 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            out.splice(at..at, token.iter().copied());
        }
        3 => {
            let line = text[start..end].to_vec();
            let (to, _) = lines[rng.below(lines.len())];
            out.splice(to..to, line);
        }
        4 => {
            out.drain(start..end);
        }
        5 => {
            let spaces = 1 + rng.below(3);
            if rng.below(2) == 0 {
                out.splice(start..start, std::iter::repeat_n(b' ', spaces));
            } else {
                let leading = text[start..end].iter().take_while(|b| **b == b' ').count();
                out.drain(start..start + leading.min(spaces));
            }
        }
        6 => {
            // A value replaced: what follows the first ": " of a line.
            if let Some(colon) = text[start..end].windows(2).position(|w| w == b": ") {
                let from = start + colon + 2;
                let to = text[from..end].iter().position(|b| *b == b'\n' || *b == b'#').map_or(end, |p| from + p);
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(from..to, token.iter().copied());
            }
        }
        7 => {
            let (other_start, other_end) = lines[rng.below(lines.len())];
            if other_start >= end {
                let mut swapped = text[..start].to_vec();
                swapped.extend_from_slice(&text[other_start..other_end]);
                swapped.extend_from_slice(&text[end..other_start]);
                swapped.extend_from_slice(&text[start..end]);
                swapped.extend_from_slice(&text[other_end..]);
                out = swapped;
            }
        }
        8 => {
            if let Some(byte) = out.get_mut(at) {
                *byte = u8::try_from(rng.below(256)).unwrap_or(0);
            }
        }
        9 => {
            // Nesting far past any limit, in flow or block style.
            let depth = 33 + rng.below(50_000);
            let bomb = if rng.below(2) == 0 {
                "[".repeat(depth).into_bytes()
            } else {
                (0..depth.min(2_000)).flat_map(|i| format!("\n{}k:", " ".repeat(i)).into_bytes()).collect()
            };
            out.splice(at..at, bomb);
        }
        10 => {
            // An alias bomb: each level ten times the one before.
            let mut bomb = String::from("\nlol0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
            for level in 1..=(3 + rng.below(6)) {
                let refs = vec![format!("*l{}", level - 1); 10].join(", ");
                bomb.push_str(&format!("lol{level}: &l{level} [{refs}]\n"));
            }
            out.splice(start..start, bomb.into_bytes());
        }
        _ => {
            // The whole file repeated: duplicate keys everywhere.
            let copies = 1 + rng.below(3);
            for _ in 0..copies {
                out.extend_from_slice(text);
            }
        }
    }
    out
}

/// `(start, end)` of each line, the newline included; at least one span.
fn line_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, byte) in text.iter().enumerate() {
        if *byte == b'\n' {
            spans.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() || spans.is_empty() {
        spans.push((start, text.len()));
    }
    spans
}
