//! Turns raw tty bytes into keys. tmux delivers each `send-keys` as its own write, so
//! an ESC alone in a read is the Escape key, while `ESC [ A` is an arrow.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Escape,
    Backspace,
    Up,
    Down,
    CtrlC,
    CtrlD,
    CtrlU,
}

#[derive(Default)]
pub struct KeyParser {
    /// The start of a UTF-8 character split across reads.
    carry: Vec<u8>,
}

impl KeyParser {
    pub fn parse(&mut self, bytes: &[u8]) -> Vec<Key> {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(bytes);
        let mut keys = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            match b {
                0x1b => {
                    match data.get(i + 1) {
                        Some(b'[' | b'O') => {
                            let mut j = i + 2;
                            while j < data.len() && !(0x40..=0x7e).contains(&data[j]) {
                                j += 1;
                            }
                            match data.get(j) {
                                Some(b'A') => keys.push(Key::Up),
                                Some(b'B') => keys.push(Key::Down),
                                _ => {}
                            }
                            i = j + 1;
                        }
                        _ => {
                            keys.push(Key::Escape);
                            i += 1;
                        }
                    }
                    continue;
                }
                b'\r' | b'\n' => keys.push(Key::Enter),
                0x7f | 0x08 => keys.push(Key::Backspace),
                0x03 => keys.push(Key::CtrlC),
                0x04 => keys.push(Key::CtrlD),
                0x15 => keys.push(Key::CtrlU),
                0x00..=0x1f => {}
                _ => {
                    let len = match b {
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        0xf0..=0xf7 => 4,
                        _ => 1,
                    };
                    if i + len > data.len() {
                        self.carry = data[i..].to_vec();
                        break;
                    }
                    if let Ok(text) = std::str::from_utf8(&data[i..i + len]) {
                        keys.extend(text.chars().map(Key::Char));
                    }
                    i += len;
                    continue;
                }
            }
            i += 1;
        }
        keys
    }
}
