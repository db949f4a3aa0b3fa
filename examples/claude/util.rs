//! Small helpers the stand-in shares between its modules: ids, randomness, clocks,
//! atomic file writes and the project slug.
//!
//! The stand-in has no `rand` or `uuid` dependency on purpose (it only borrows the
//! crate's dependencies), so ids and random choices come from `/dev/urandom` here.
//! Nothing in this module knows about the screen, hooks or the transcript schema.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// `n` random bytes from the kernel; a time-seeded fallback keeps ids unique enough if
/// `/dev/urandom` is unavailable (never expected on Linux).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    if File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)).is_ok() {
        return buf;
    }
    let mut seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()) as u64
        ^ u64::from(std::process::id()) << 32;
    for byte in &mut buf {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *byte = (seed >> 33) as u8;
    }
    buf
}

/// A random index below `len` (`len` > 0).
pub fn random_index(len: usize) -> usize {
    let bytes = random_bytes(4);
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize % len
}

/// A version-4 UUID in the usual hyphenated lower-case form, as the real client uses
/// for session ids, prompt ids and message uuids.
pub fn uuid_v4() -> String {
    let mut b = random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// `n` random lower-case hex digits.
pub fn random_hex(n: usize) -> String {
    random_bytes(n.div_ceil(2)).iter().map(|x| format!("{x:02x}")).collect::<String>()[..n].to_owned()
}

/// The time the stand-in writes into its files: `$CCFAIL_NOW` when a test pins ccfail's
/// clock (RFC 3339), else the system clock. Tests give ccfail and every client they run
/// the same value, so what a client stamps and what ccfail compares it with can never
/// drift apart with the calendar date.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    std::env::var("CCFAIL_NOW")
        .ok()
        .and_then(|text| chrono::DateTime::parse_from_rfc3339(&text).ok())
        .map_or_else(chrono::Utc::now, |at| at.with_timezone(&chrono::Utc))
}

/// Milliseconds since the epoch, the unit of the client's state file.
pub fn now_ms() -> i64 {
    now().timestamp_millis()
}

/// An ISO-8601 UTC timestamp with milliseconds, as in transcript lines.
pub fn now_iso() -> String {
    now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The project folder name under `projects/`: the cwd with every character outside
/// `[A-Za-z0-9]` replaced by `-`.
pub fn project_slug(cwd: &str) -> String {
    cwd.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// Writes `bytes` to `path` atomically: a temp file in the same directory, `sync_all`,
/// rename over the target, then sync the directory so the rename is durable.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}.{}", std::process::id(), random_hex(6)));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Display width of `text` in terminal cells. Everything the stand-in prints is
/// single-width (box drawing, block elements, Latin text), so this counts chars.
pub fn width(text: &str) -> usize {
    text.chars().count()
}

/// The local time of day as 2.1.332's done line prints it: `11:36 PM`.
pub fn clock_time() -> String {
    chrono::Local::now().format("%-I:%M %p").to_string()
}
